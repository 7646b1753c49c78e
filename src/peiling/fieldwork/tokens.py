"""Secrets of the respondent links: pure Python, no Django.

A personal token carries ``TOKEN_BYTES`` random bytes from ``secrets`` (192 bits, above the
128 the design asks for), URL-safe base64 encoded; only its SHA-256 is stored, so a database
copy cannot be turned back into working links.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

__all__ = ["TOKEN_BYTES", "derived_token", "new_link_key", "new_nonce", "new_respondent_key",
           "new_token", "token_hash", "well_formed"]

TOKEN_BYTES = 24
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


def new_token() -> str:
    """Return a new personal token: 32 URL-safe characters, 192 random bits."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_nonce() -> str:
    """Return a random nonce from which ``derived_token`` makes a personal token."""
    return secrets.token_urlsafe(16)


def derived_token(secret: str, nonce: str) -> str:
    """Return the personal token for ``nonce`` under ``secret``: HMAC-SHA256, cut to
    ``TOKEN_BYTES`` and encoded as ``new_token`` encodes.

    A panel stores the nonce, never the token, so it can put the same link in a reminder
    while the database holds no working link (RFC 2104; the secret is the site's key).
    """
    digest = hmac.new(secret.encode(), b"peiling.personal-link:" + nonce.encode(),
                      hashlib.sha256).digest()[:TOKEN_BYTES]
    return base64.urlsafe_b64encode(digest).decode("ascii")


def well_formed(token: str) -> bool:
    """Return whether ``token`` looks like a token ``new_token`` makes."""
    return bool(_TOKEN.fullmatch(token))


def token_hash(token: str) -> str:
    """Return the SHA-256 hex digest stored for ``token``."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def new_respondent_key() -> str:
    """Return a random respondent key (128 bits, hex): not derived from anything personal."""
    return secrets.token_hex(16)


def new_link_key() -> str:
    """Return the random part of an open link's address (72 bits: unguessable, short)."""
    return secrets.token_urlsafe(9)
