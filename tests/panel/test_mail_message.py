"""The invitation's own serialisation (``mail.InvitationMessage``) against Django's: the same
headers and body once parsed by the standard library, and Django's way for what is unusual."""

from __future__ import annotations

import email
import email.policy

import pytest
from django.core import mail as django_mail
from django.core.mail import BadHeaderError, EmailMessage

from peiling.panel.mail import InvitationMessage

HEADERS = {"Message-ID": "<1.2@peiling.example>", "Date": "Sun, 06 Dec 2026 10:00:00 +0100",
           "List-Unsubscribe": "<https://peiling.example/panel/afmelden/" + "x" * 90 + "/>",
           "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
           "Auto-Submitted": "auto-generated"}


def _parsed(message, linesep: str = "\r\n"):
    data = message.as_bytes(linesep=linesep)
    return email.message_from_bytes(data, policy=email.policy.default), data


def _same_as_django(**kwargs) -> bytes:
    ours = InvitationMessage(headers=dict(HEADERS), **kwargs)
    django = EmailMessage(headers=dict(HEADERS), **kwargs)
    mine, data = _parsed(ours.message())
    theirs, _ = _parsed(django.message())
    # Compared unfolded: Django folds a long header before its first word, which leaves a
    # space at the start of the value that means nothing.
    assert [(name, " ".join(str(value).split())) for name, value in mine.items()] == \
        [(name, " ".join(str(value).split())) for name, value in theirs.items()]
    assert mine.get_content() == theirs.get_content()
    return data


@pytest.mark.parametrize("subject, body", [
    ("Uitnodiging: Thuiswerken 2024", "Beste lid,\n\nDoe mee: https://x.example/s/abc/\n"),
    ("Enquête ‘Werkdruk’ – doe mee", "Beste Zoë,\n\nUw mening telt.\n\nMet groet,\nHet panel\n"),
    ("Reminder: " + " ".join(["a long subject with many words"] * 6), "no newline at end"),
])
def test_the_message_parses_as_django_s(subject: str, body: str) -> None:
    data = _same_as_django(subject=subject, body=body, from_email="panel@peiling.example",
                           to=["lid@example.org"])
    assert b"\r\n\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    assert all(len(line) <= 998 for line in data.split(b"\r\n"))


def test_unusual_messages_go_through_django(settings) -> None:
    long_line = "x" * 1200
    message = InvitationMessage(subject="S", body=long_line, from_email="p@peiling.example",
                                to=["lid@example.org"], headers=dict(HEADERS))
    assert type(message.message()).__module__ == "django.core.mail.message"
    assert message.message()["Content-Transfer-Encoding"] == "quoted-printable"
    named = InvitationMessage(subject="S", body="b", to=["lid@example.org"],
                              from_email="Panel Zoë <p@peiling.example>")
    parsed, _ = _parsed(named.message())
    assert parsed["From"].addresses[0].display_name == "Panel Zoë"


def test_a_header_with_a_line_break_is_refused() -> None:
    message = InvitationMessage(subject="Hallo\nBcc: iedereen@example.org", body="b",
                                from_email="p@peiling.example", to=["lid@example.org"])
    with pytest.raises(BadHeaderError):
        message.message()


def test_the_console_and_memory_backends_take_it(settings, capsys) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    InvitationMessage(subject="S", body="Zoë", from_email="p@peiling.example",
                      to=["lid@example.org"]).send()
    assert django_mail.outbox[0].body == "Zoë"
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    InvitationMessage(subject="S", body="Zoë", from_email="p@peiling.example",
                      to=["lid@example.org"]).send()
    assert "Zoë" in capsys.readouterr().out
