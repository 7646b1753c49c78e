"""Joining a panel from its public page: sign-up, double opt-in, and the one-time member links.

* ``signup`` takes an address, the profile answers, the consent and the recruitment source
  (``?bron=`` of the link) and always ends the same way for the visitor, so the page tells
  nobody whether an address is a member already: a new address becomes a member *awaiting
  confirmation* with a confirmation link by e-mail; an address that is a member gets a log-in
  link instead (their profile is not touched: anyone can type an address); an address over its
  limit gets nothing. The e-mail goes out as a task (``tasks.send_member_mail``), so the answer
  takes the same time either way.
* Only a confirmed member (``active``) can be sampled: confirming sets the status, the
  recruitment date and records the consent under the version of the text that was shown.
* Links (``MemberToken``): 192 random bits from ``secrets``, stored as SHA-256 only, valid once
  and until they expire.
* Limits (``rate_limits``: the settings ``PEILING_SIGNUP_PER_ADDRESS`` and
  ``PEILING_SIGNUP_PER_NETWORK``): sign-ups and log-in requests per address and per network
  (IPv4 /24, IPv6 /48) per hour, counted in the database so every app server counts the same.
  No CAPTCHA: a honeypot field catches the simple robots (the view answers them as anyone,
  and stores nothing). Every sign-up that passes the form's checks is answered no sooner than
  ``PEILING_SIGNUP_ANSWER_MS`` after it came in (``same_time``), whatever it did.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from peiling.fieldwork.tokens import new_token, token_hash, well_formed
from peiling.panel.emails import email_normalise
from peiling.panel.errors import PanelError
from peiling.panel.mail import CONFIRM_DAYS, LOGIN_MINUTES, member_message
from peiling.panel.models import ConsentRecord, Member, MemberToken, Panel, SignupAttempt

__all__ = [
    "CONFIRM_VALID",
    "LOGIN_VALID",
    "LinkError",
    "SignupLimited",
    "SignupOutcome",
    "attempt_allowed",
    "member_link_check",
    "member_link_issue",
    "member_link_use",
    "network_of",
    "rate_limits",
    "same_time",
    "signup",
    "signup_confirm",
    "signup_mail_send",
    "source_clean",
]

#: How long a link in an e-mail works.
CONFIRM_VALID = dt.timedelta(days=CONFIRM_DAYS)
LOGIN_VALID = dt.timedelta(minutes=LOGIN_MINUTES)
RATE_WINDOW = dt.timedelta(hours=1)
ATTEMPTS_KEPT = dt.timedelta(days=1)
CONSENT_PURPOSE = "panel membership"
SOURCE_LENGTH = 100
#: The recruitment source of a sign-up whose link named none.
SOURCE_DEFAULT = "aanmeldpagina"


class SignupLimited(PanelError):
    """Too many sign-ups from this network within the hour."""


class LinkError(PanelError):
    """A member link that does not work: ``reason`` is ``unknown`` (never issued, forged or
    for another purpose), ``used`` or ``expired``."""

    def __init__(self, reason: Literal["unknown", "used", "expired"]) -> None:
        super().__init__(f"the link is {reason}")
        self.reason = reason


@dataclass(frozen=True)
class SignupOutcome:
    """What a sign-up did, for the caller's task and tests; the visitor is told the same
    thing whatever it says. ``mail`` is the e-mail to send (None: none)."""

    member_id: int | None
    mail: Literal["confirm", "member", None]


def source_clean(raw: str) -> str:
    """The recruitment source from a link's ``?bron=``: printable, one line, at most
    ``SOURCE_LENGTH`` characters (anything else is dropped, not refused: it is a label)."""
    text = " ".join("".join(c for c in raw if c.isprintable()).split())
    return text[:SOURCE_LENGTH]


def rate_limits() -> dict[str, int]:
    """Sign-ups per hour at most: per address (more get no e-mail, silently) and per network
    (more are refused with 429: a robot, or very many people behind one address)."""
    return {"address": settings.PEILING_SIGNUP_PER_ADDRESS,
            "network": settings.PEILING_SIGNUP_PER_NETWORK}


def same_time(started: float) -> None:
    """Wait until ``PEILING_SIGNUP_ANSWER_MS`` have passed since ``started`` (a
    ``time.monotonic()``): a sign-up of a member and of a new address do different work, and
    the answer must not tell them apart by its time either."""
    rest = settings.PEILING_SIGNUP_ANSWER_MS / 1000 - (time.monotonic() - started)
    if rest > 0:
        time.sleep(rest)


def network_of(address: str) -> str:
    """The network an IP address is counted under: its /24 (IPv4) or /48 (IPv6) prefix."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def _address_hash(email: str) -> str:
    """A keyed hash of the address: the attempts table holds no address a copy could read."""
    return hmac.new(settings.SECRET_KEY.encode(), b"peiling.signup:" + email.encode(),
                    hashlib.sha256).hexdigest()


def attempt_allowed(*, panel: Panel, email: str, ip: str,
                    now: dt.datetime | None = None) -> bool:
    """Count a sign-up or log-in request (``email`` normalised) and return whether the
    address is under its limit. Raise ``SignupLimited`` (nothing counted) when the network
    is over its limit."""
    now = now or timezone.now()
    network, hashed = network_of(ip), _address_hash(email)
    SignupAttempt.objects.filter(at__lt=now - ATTEMPTS_KEPT).delete()
    recent = SignupAttempt.objects.filter(at__gte=now - RATE_WINDOW)
    limits = rate_limits()
    if recent.filter(network=network).count() >= limits["network"]:
        raise SignupLimited(f"more than {limits['network']} requests from {network} "
                            "within the hour")
    over = recent.filter(address_hash=hashed).count() >= limits["address"]
    SignupAttempt.objects.create(panel=panel, address_hash=hashed, network=network, at=now)
    return not over


@transaction.atomic
def signup(*, panel: Panel, email: str, profile: Mapping[str, Any], source: str = "",
           language: str = "nl", ip: str = "", now: dt.datetime | None = None) -> SignupOutcome:
    """Sign ``email`` up for ``panel`` (see the module docstring). ``profile`` holds checked
    profile values (``panel.profile.parse_value``'s). Raise ``ValueError`` for an address that
    is none, ``PanelError`` when the panel takes no sign-ups, ``SignupLimited`` over the
    network's limit (nothing stored)."""
    if not panel.signup_open:
        raise PanelError("this panel does not take sign-ups")
    address = email_normalise(email)
    now = now or timezone.now()
    if not attempt_allowed(panel=panel, email=address, ip=ip, now=now):
        return SignupOutcome(None, None)
    member = Member.objects.select_for_update().filter(panel=panel, email=address).first()
    if member is not None and member.status in (Member.Status.ACTIVE, Member.Status.PAUSED,
                                                Member.Status.BOUNCED):
        return SignupOutcome(member.pk, "member")
    values = {name: value for name, value in profile.items() if value is not None}
    if member is None:
        member = Member(panel=panel, email=address)
    # New, still unconfirmed, or unsubscribed earlier: the answers given now are the profile
    # (an unconfirmed profile is anyone's guess until the address confirms it).
    member.status, member.status_changed_at = Member.Status.PENDING, now
    member.language = language if language in dict(settings.LANGUAGES) else member.language
    member.recruitment_source = source_clean(source) or SOURCE_DEFAULT
    member.profile = values
    member.profile_updated = dict.fromkeys(values, now.date().isoformat())
    member.full_clean()
    member.save()
    member.consents.filter(withdrawn_at__isnull=True, purpose=CONSENT_PURPOSE).delete()
    ConsentRecord.objects.create(member=member, purpose=CONSENT_PURPOSE,
                                 text_version=panel.consent_version or "-", given_at=now)
    return SignupOutcome(member.pk, "confirm")


def member_link_issue(*, member: Member, purpose: str, now: dt.datetime | None = None) -> str:
    """Return a new one-time token for ``member`` (only its hash is stored)."""
    now = now or timezone.now()
    valid = CONFIRM_VALID if purpose == MemberToken.Purpose.CONFIRM else LOGIN_VALID
    token = new_token()
    MemberToken.objects.create(member=member, purpose=purpose, digest=token_hash(token),
                               created_at=now, expires_at=now + valid)
    return token


def _working_link(token: str, purpose: str, now: dt.datetime, *, lock: bool) -> MemberToken:
    links = MemberToken.objects.select_related("member__panel")
    if lock:
        links = links.select_for_update()
    link = links.filter(digest=token_hash(token), purpose=purpose).first() if well_formed(
        token) else None
    if link is None or link.member.status == Member.Status.ERASED:
        raise LinkError("unknown")
    if link.used_at is not None:
        raise LinkError("used")
    if link.expires_at <= now:
        raise LinkError("expired")
    return link


def member_link_check(*, token: str, purpose: str, now: dt.datetime | None = None) -> Member:
    """Return the member of a token that would work now, without using it (for the page a
    link opens: GET never changes anything, mail scanners open links). Raise ``LinkError``
    for a token that is unknown (never issued, forged, another purpose), used or expired."""
    return _working_link(token, purpose, now or timezone.now(), lock=False).member


@transaction.atomic
def member_link_use(*, token: str, purpose: str, now: dt.datetime | None = None) -> Member:
    """Use a one-time token: return its member, and the token works no more. Raise
    ``LinkError`` as ``member_link_check`` does (nothing changes then)."""
    now = now or timezone.now()
    link = _working_link(token, purpose, now, lock=True)
    link.used_at = now
    link.save(update_fields=["used_at"])
    return link.member


@transaction.atomic
def signup_confirm(*, token: str, now: dt.datetime | None = None) -> Member:
    """Confirm a sign-up: the member becomes ``active`` (may be sampled from now on), with
    today as the recruitment date. Raise ``LinkError`` for a link that does not work."""
    now = now or timezone.now()
    member = member_link_use(token=token, purpose=MemberToken.Purpose.CONFIRM, now=now)
    if member.status == Member.Status.PENDING:
        member.status, member.status_changed_at = Member.Status.ACTIVE, now
        member.recruited_on = timezone.localdate(now)
        member.save(update_fields=["status", "status_changed_at", "recruited_on",
                                   "updated_at"])
    return member


def signup_mail_send(*, member_id: int, mail: str, now: dt.datetime | None = None) -> bool:
    """Send the e-mail a sign-up or log-in request asked for: ``confirm`` (a new confirmation
    link), ``member`` (a sign-up of a member: they are one, with a log-in link) or ``login``
    (a log-in link to the portal). Return whether one went out (not for a member erased, or
    confirmed in between)."""
    member = Member.objects.select_related("panel").filter(pk=member_id).first()
    if member is None or not member.email:
        return False
    if mail == "confirm":
        if member.status != Member.Status.PENDING:
            return False
        token = member_link_issue(member=member, purpose=MemberToken.Purpose.CONFIRM, now=now)
        link = settings.PEILING_BASE_URL + reverse("panel:signup_confirm", args=[token])
    else:  # "member" (a sign-up of a member) and "login" carry a log-in link to the portal
        if member.status == Member.Status.PENDING:
            return False
        token = member_link_issue(member=member, purpose=MemberToken.Purpose.LOGIN, now=now)
        link = settings.PEILING_BASE_URL + reverse("panel:portal_login", args=[token])
    member_message(member=member, kind=mail, link=link).send()
    return True
