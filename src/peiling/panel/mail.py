"""The e-mail a panel member receives: invitation and reminders, links and unsubscribe tokens.

* The personal link's token is stored nowhere: the panel keeps a random nonce per invitation
  and derives the token from it with HMAC-SHA256 under ``SECRET_KEY``
  (``fieldwork.tokens.derived_token``), so reminders repeat the link while fieldwork stores
  only the token's hash. A copy of the database alone opens no questionnaire; after a key
  rotation the old key in ``SECRET_KEY_FALLBACKS`` still rebuilds the link.
* Unsubscribe links carry ``[member id, panel invitation id]`` signed with Django's signing
  (salted HMAC), so they work without login, for as long as the key does, and cannot be
  forged or pointed at another member.
* Every message has ``List-Unsubscribe`` (the one-click address) and ``List-Unsubscribe-Post:
  List-Unsubscribe=One-Click`` (RFC 8058), and a ``Message-ID`` the panel stores, so a
  bounce can be traced to its invitation.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from email.header import Header
from email.utils import formatdate, make_msgid
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import BadHeaderError, EmailMessage
from django.core.mail.utils import DNS_NAME
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from peiling.fieldwork.tokens import derived_token, new_nonce
from peiling.fieldwork.tokens import token_hash as hash_of_token

__all__ = [
    "PLACEHOLDERS",
    "InvitationMessage",
    "Letter",
    "LinkUnavailable",
    "default_text",
    "link_nonce_and_token",
    "link_token",
    "member_message",
    "message_build",
    "message_text_problems",
    "portal_url",
    "unsubscribe_token",
    "unsubscribe_token_read",
    "unsubscribe_url",
]

UNSUBSCRIBE_SALT = "peiling.panel.unsubscribe"
#: Days a sign-up's confirmation link works (``joining.CONFIRM_VALID``).
CONFIRM_DAYS = 7
#: Minutes a log-in link to the member portal works (``joining.LOGIN_VALID``).
LOGIN_MINUTES = 30


class LinkUnavailable(Exception):
    """No key rebuilds the personal link: SECRET_KEY changed and the old one is not in
    SECRET_KEY_FALLBACKS."""


def link_nonce_and_token() -> tuple[str, str]:
    """Return a new nonce to store and the personal token it gives under SECRET_KEY."""
    nonce = new_nonce()
    return nonce, derived_token(settings.SECRET_KEY, nonce)


def link_token(*, nonce: str, token_hash: str) -> str:
    """Rebuild the personal token of ``nonce``: the one whose hash fieldwork stored, under
    SECRET_KEY or one of its fallbacks; raise ``LinkUnavailable`` when none gives it."""
    for secret in (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ())):
        token = derived_token(secret, nonce)
        if hash_of_token(token) == token_hash:
            return token
    raise LinkUnavailable(nonce)


def unsubscribe_token(*, member_id: int, panel_invitation_id: int | None) -> str:
    """Return the signed token of a member's unsubscribe link (from one invitation, or
    ``None`` when not sent with an invitation)."""
    return signing.dumps([member_id, panel_invitation_id], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token_read(token: str) -> tuple[int, int | None]:
    """Return ``(member id, panel invitation id or None)``; raise ``signing.BadSignature``
    for a token that was not made by ``unsubscribe_token`` with this key."""
    value = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if (not isinstance(value, list) or len(value) != 2 or not isinstance(value[0], int)
            or not isinstance(value[1], int | None)):
        raise signing.BadSignature("unexpected unsubscribe token content")
    return value[0], value[1]


def portal_url(panel_slug: str) -> str:
    """Return the full address of a panel's member portal (log-in by e-mailed link)."""
    return settings.PEILING_BASE_URL + reverse("panel:portal", args=[panel_slug])


def unsubscribe_url(token: str, *, one_click: bool = False) -> str:
    """Return the full address of the unsubscribe page or of its RFC 8058 one-click POST."""
    name = "panel:unsubscribe_one_click" if one_click else "panel:unsubscribe"
    return settings.PEILING_BASE_URL + reverse(name, args=[token])


@dataclass(frozen=True)
class Letter:
    """What one message says: who it is for and the addresses it carries."""

    to: str
    name: str
    language: str
    panel_name: str
    survey_name: str
    closes_at: dt.datetime
    link: str
    unsubscribe_token: str
    reminder: bool
    #: The fieldwork's own wording (``MessageText``) in the member's language, if any.
    subject_text: str = ""
    body_text: str = ""
    #: The panel's member portal, where the member logs in (``portal_url``).
    portal: str = ""


#: The placeholders a researcher may use in an e-mail text, and what they stand for.
PLACEHOLDERS = {
    "aanhef": "greeting",
    "naam": "name",
    "panel": "panel",
    "onderzoek": "survey",
    "sluitdatum": "closes",
    "link": "link",
    "afmelden": "unsubscribe",
    "ledenpagina": "portal",
}
#: Placeholders every body must hold: the way in, and the way out (AVG, RFC 8058 aside).
REQUIRED_PLACEHOLDERS = ("link", "afmelden")
MAX_BODY = 10_000
_PLACEHOLDER = re.compile(r"\{([^{}\s]*)\}")


def message_text_problems(subject: str, body: str) -> list[str]:
    """Return every problem of a researcher's e-mail text (empty when it can be sent)."""
    problems = []
    if not subject.strip():
        problems.append(_("The subject is empty."))
    if "\n" in subject or "\r" in subject:
        problems.append(_("The subject must be one line."))
    if not body.strip():
        problems.append(_("The text is empty."))
    if len(body) > MAX_BODY:
        problems.append(_("The text has %(n)d characters; at most %(max)d.")
                        % {"n": len(body), "max": MAX_BODY})
    known = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
    for text in (subject, body):
        for name in _PLACEHOLDER.findall(text):
            if name not in PLACEHOLDERS:
                problems.append(_("{%(name)s} is not a placeholder; use one of %(known)s.")
                                % {"name": name, "known": known})
    for name in REQUIRED_PLACEHOLDERS:
        if "{" + name + "}" not in body:
            problems.append(_("The text must hold {%(name)s}: every member needs it.")
                            % {"name": name})
    return problems


def _fill(text: str, values: dict[str, str]) -> str:
    """Put the values in for the placeholders: plain substitution, no format language."""
    return _PLACEHOLDER.sub(lambda match: values.get(PLACEHOLDERS.get(match.group(1), ""),
                                                     match.group(0)), text)


def default_text(*, reminder: bool, language: str) -> tuple[str, str]:
    """Return the standard subject and text with placeholders, as a start for editing."""
    with translation.override(language):
        context = {"name": "", "panel": "{panel}", "survey": "{onderzoek}",
                   "closes": "{sluitdatum}", "link": "{link}", "unsubscribe": "{afmelden}",
                   "portal": "{ledenpagina}"}
        template = "panel/email/reminder.txt" if reminder else "panel/email/invitation.txt"
        body = render_to_string(template, context)
        greeting = _("Dear panel member,")
        body = body.replace(greeting, "{aanhef}", 1)
        subject = (_("Reminder: %(survey)s") if reminder
                   else _("Invitation: %(survey)s")) % {"survey": "{onderzoek}"}
    return subject, body


def message_build(letter: Letter, *, connection=None) -> EmailMessage:
    """Return the invitation or reminder e-mail for ``letter``, in the member's language."""
    with translation.override(letter.language):
        context = {
            "name": letter.name,
            "panel": letter.panel_name,
            "survey": letter.survey_name,
            "closes": date_format(timezone.localtime(letter.closes_at), "j F Y, H:i"),
            "link": letter.link,
            "unsubscribe": unsubscribe_url(letter.unsubscribe_token),
            "portal": letter.portal,
        }
        if letter.body_text:
            greeting = (_("Dear %(name)s,") % {"name": letter.name} if letter.name
                        else _("Dear panel member,"))
            values = {**context, "greeting": greeting, "name": letter.name or ""}
            body = _fill(letter.body_text, values)
            if letter.portal and "{ledenpagina}" not in letter.body_text:
                footer = render_to_string("panel/email/_portal.txt", context).strip("\n")
                body = f"{body.rstrip()}\n\n{footer}\n"
            subject = " ".join(_fill(letter.subject_text, values).split())
        else:
            template = ("panel/email/reminder.txt" if letter.reminder
                        else "panel/email/invitation.txt")
            body = render_to_string(template, context)
            subject = (_("Reminder: %(survey)s") if letter.reminder
                       else _("Invitation: %(survey)s")) % {"survey": letter.survey_name}
    sender = settings.DEFAULT_FROM_EMAIL
    headers = {
        "Message-ID": make_msgid(domain=sender.rpartition("@")[2].strip(">") or "localhost"),
        "List-Unsubscribe": f"<{unsubscribe_url(letter.unsubscribe_token, one_click=True)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }
    return InvitationMessage(subject=subject, body=body, from_email=sender, to=[letter.to],
                             headers=headers, connection=connection)


#: Longest line of a message body sent as it is (RFC 5322 2.1.1); longer: quoted-printable.
_LONGEST_LINE = 998


class InvitationMessage(EmailMessage):
    """An invitation or reminder: one text/plain part in UTF-8, plain addresses.

    Django's ``message()`` passes every header through the standard library's header folding
    on the way to bytes: 0.2 ms a message, a sixth of what a worker spends on an e-mail and
    what kept it under half the speed of a bare ``smtplib`` loop (issue 24). This message
    writes the same header lines directly, and hands anything out of the ordinary (a sender
    or recipient that needs encoding, a line longer than 998 bytes, attachments) to Django's
    own ``message()``. Header values are checked for line breaks as Django checks them.
    """

    def message(self):
        simple = _Serialised.of(self)
        return simple if simple is not None else super().message()


@dataclass(frozen=True)
class _Serialised:
    """What the mail backends use of a message: ``as_bytes``, ``as_string``, ``get_charset``."""

    head: tuple[tuple[str, str], ...]
    body: str

    @classmethod
    def of(cls, message: EmailMessage) -> _Serialised | None:
        addresses = [message.from_email, *message.to]
        if (message.cc or message.reply_to or message.attachments or not message.to
                or message.content_subtype != "plain"
                or (message.encoding or settings.DEFAULT_CHARSET).lower() != "utf-8"
                or not all(address.isascii() and "<" not in address for address in addresses)
                or any(len(line.encode()) > _LONGEST_LINE for line in message.body.split("\n"))):
            return None
        subject = str(message.subject)
        values = [subject, *addresses, *map(str, message.extra_headers.values())]
        if any("\n" in value or "\r" in value for value in values):
            raise BadHeaderError("Header values can't contain newlines")
        extra = {name.lower(): str(value) for name, value in message.extra_headers.items()}
        if "from" in extra and not extra["from"].isascii():
            return None
        head = [
            ("Content-Type", 'text/plain; charset="utf-8"'),
            ("MIME-Version", "1.0"),
            ("Content-Transfer-Encoding", "7bit" if message.body.isascii() else "8bit"),
            ("Subject", subject if subject.isascii() else Header(subject, "utf-8").encode()),
            ("From", extra.get("from", message.from_email)),
            ("To", ", ".join(message.to)),
        ]
        if "date" not in extra:
            head.append(("Date", formatdate(localtime=settings.EMAIL_USE_LOCALTIME)))
        if "message-id" not in extra:
            head.append(("Message-ID", make_msgid(domain=DNS_NAME)))
        head.extend((name, str(value)) for name, value in message.extra_headers.items()
                    if name.lower() not in {"from", "to", "cc", "reply-to"})
        if any(len(name) + 2 + len(value) > _LONGEST_LINE for name, value in head):
            return None
        return cls(tuple(head), message.body)

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n") -> bytes:
        return self.as_string(unixfrom, linesep).encode()

    def as_string(self, unixfrom: bool = False, linesep: str = "\n") -> str:
        lines = [f"{name}: {value}" for name, value in self.head]
        text = "\n".join(lines) + "\n\n" + self.body
        return text.replace("\r\n", "\n").replace("\n", linesep)

    def get_charset(self) -> None:
        return None


def member_message(*, member: Any, kind: str, link: str = "") -> EmailMessage:
    """Return an e-mail about the membership itself, in the member's language: ``confirm``
    (the sign-up's confirmation ``link``), ``member`` (a sign-up for an address that is a
    member already: nothing to do; ``link`` logs in to the portal) or ``login`` (``link``
    logs in to the portal)."""
    panel = member.panel
    with translation.override(member.language):
        context = {"panel": panel.name, "link": link, "days": CONFIRM_DAYS,
                   "minutes": LOGIN_MINUTES}
        if kind == "confirm":
            subject = _("Confirm your sign-up for %(panel)s") % {"panel": panel.name}
        elif kind == "member":
            subject = _("Your sign-up for %(panel)s") % {"panel": panel.name}
        elif kind == "login":
            subject = _("Your log-in link for %(panel)s") % {"panel": panel.name}
        else:
            raise ValueError(f"kind must be confirm, member or login (got {kind!r})")
        body = render_to_string(f"panel/email/{kind}.txt", context)
    sender = settings.DEFAULT_FROM_EMAIL
    headers = {"Auto-Submitted": "auto-generated",
               "Message-ID": make_msgid(domain=sender.rpartition("@")[2].strip(">")
                                        or "localhost")}
    return EmailMessage(subject=" ".join(subject.split()), body=body, from_email=sender,
                        to=[member.email], headers=headers)
