"""Normalise and check e-mail addresses, so one person is one member of a panel."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

__all__ = ["email_normalise"]


def email_normalise(raw: str) -> str:
    """Return ``raw`` as the panel stores it: trimmed, NFC, lower case (domains are case-
    insensitive and no mail system in use treats the local part otherwise).

    Raises
    ------
    ValueError
        With a message naming the address and why it is not one.
    """
    text = unicodedata.normalize("NFC", raw.strip()).lower()
    if text.startswith("mailto:"):
        text = text[len("mailto:"):]
    if not text:
        raise ValueError("the e-mail address is empty")
    if len(text) > 254:
        raise ValueError(f"e-mail address {text[:40]!r}... is longer than 254 characters")
    try:
        validate_email(text)
    except ValidationError:
        raise ValueError(f"e-mail address {raw.strip()!r} is not a valid address") from None
    return text
