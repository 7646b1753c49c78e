"""The member portal: what a member does for themself, logged in by a one-time link.

* Log-in: a member asks for a link on the panel's page; the answer is the same whether or not
  the address is a member (the e-mail goes out as a task), and the same limits count as for
  sign-ups (``joining.attempt_allowed``). The link works once, for ``joining.LOGIN_VALID``.
* Profile: the changed values are stored with the date (``Member.profile_updated``) and each
  change is kept (``ProfileChange``); sampling reads the new values from then on.
* Pause until a date (``PAUSE_LONGEST`` at most; the daily task makes the member active
  again after it), unsubscribe, the results e-mail on or off, and the AVG rights: the own data
  as JSON and CSV (art. 15 and 20: ``selectors.member_export``) and erasure (art. 17:
  ``services.member_erase``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator, Mapping
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peiling.panel import joining, selectors
from peiling.panel.emails import email_normalise
from peiling.panel.errors import PanelError
from peiling.panel.models import Member, Panel, ProfileChange

__all__ = [
    "PAUSE_LONGEST",
    "login_request",
    "member_data_csv",
    "member_data_json",
    "member_pause",
    "member_profile_update",
    "member_resume",
    "members_resume_paused",
]

PAUSE_LONGEST = dt.timedelta(days=366)
#: Members who may log in to the portal.
PORTAL_STATUSES = (Member.Status.ACTIVE, Member.Status.PAUSED, Member.Status.BOUNCED,
                   Member.Status.UNSUBSCRIBED)


@transaction.atomic
def login_request(*, panel: Panel, email: str, ip: str = "",
                  now: dt.datetime | None = None) -> int | None:
    """Ask for a log-in link: return the member to send it to, or None (not a member, or
    over the address's limit). Raise ``ValueError`` for an address that is none,
    ``joining.SignupLimited`` over the network's limit."""
    address = email_normalise(email)
    if not joining.attempt_allowed(panel=panel, email=address, ip=ip, now=now):
        return None
    member = Member.objects.filter(panel=panel, email=address,
                                   status__in=PORTAL_STATUSES).first()
    return None if member is None else member.pk


@transaction.atomic
def member_profile_update(*, member: Member, values: Mapping[str, Any],
                          now: dt.datetime | None = None) -> list[str]:
    """Store the profile a member gave in the portal (``values``: every variable asked, as
    ``profile_form`` returns them; one not given is cleared). Return the names changed."""
    now = now or timezone.now()
    member = Member.objects.select_for_update().get(pk=member.pk)
    variables = [v.name for v in selectors.panel_variables(panel=member.panel)]
    new = {name: values.get(name) for name in variables}
    changed = [name for name in variables if member.profile.get(name) != new[name]]
    for name in changed:
        ProfileChange.objects.create(member=member, variable=name,
                                     old=member.profile.get(name), new=new[name],
                                     changed_at=now)
        if new[name] is None:
            member.profile.pop(name, None)
        else:
            member.profile[name] = new[name]
        member.profile_updated[name] = timezone.localdate(now).isoformat()
    if changed:
        member.save(update_fields=["profile", "profile_updated", "updated_at"])
    return changed


@transaction.atomic
def member_pause(*, member: Member, until: dt.date, now: dt.datetime | None = None) -> None:
    """Pause a member until ``until`` (no invitations; active again the day after). Raise
    ``PanelError`` for a day not after today or further than ``PAUSE_LONGEST``."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if until <= today:
        raise PanelError(_("Choose a day after today."))
    if until > today + PAUSE_LONGEST:
        raise PanelError(_("Pause for a year at most; choose a day before %(day)s.")
                         % {"day": (today + PAUSE_LONGEST).strftime("%d-%m-%Y")})
    if member.status not in (Member.Status.ACTIVE, Member.Status.PAUSED):
        raise PanelError(_("Only an active member can pause."))
    member.status, member.status_changed_at, member.paused_until = (
        Member.Status.PAUSED, now, until)
    member.save(update_fields=["status", "status_changed_at", "paused_until", "updated_at"])


@transaction.atomic
def member_resume(*, member: Member, now: dt.datetime | None = None) -> None:
    """End a member's pause now."""
    if member.status != Member.Status.PAUSED:
        raise PanelError(_("You are not paused."))
    member.status, member.status_changed_at, member.paused_until = (
        Member.Status.ACTIVE, now or timezone.now(), None)
    member.save(update_fields=["status", "status_changed_at", "paused_until", "updated_at"])


def members_resume_paused(*, now: dt.datetime | None = None) -> int:
    """Make every member whose pause ended (``paused_until`` before today) active again;
    return how many (a daily task runs this)."""
    now = now or timezone.now()
    return Member.objects.filter(status=Member.Status.PAUSED,
                                 paused_until__lt=timezone.localdate(now)).update(
        status=Member.Status.ACTIVE, status_changed_at=now, paused_until=None)


def member_data_json(*, member: Member) -> str:
    """Everything the panel holds on the member, as JSON (AVG art. 15 and 20)."""
    return json.dumps(_export(member), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


def member_data_csv(*, member: Member) -> str:
    """The same as ``member_data_json``, as a CSV of (part, item, field, value) rows."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["part", "item", "field", "value"])
    writer.writerows(_rows(json.loads(member_data_json(member=member))))
    return out.getvalue()


def _export(member: Member) -> dict[str, Any]:
    data = selectors.member_export(member=member)
    data["paused_until"] = member.paused_until
    data["results_mail"] = member.results_mail
    data["profile_changes"] = [
        {"variable": c.variable, "old": c.old, "new": c.new, "changed_at": c.changed_at}
        for c in member.changes.all()]
    return data


def _rows(data: Mapping[str, Any]) -> Iterator[tuple[str, str, str, str]]:
    for key, value in data.items():
        if isinstance(value, list):
            for number, item in enumerate(value, 1):
                yield from _flat(key, str(number), "", item)
        else:
            yield from _flat("member", "", key, value)


def _flat(part: str, item: str, prefix: str, value: Any) -> Iterator[tuple[str, str, str, str]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _flat(part, item, f"{prefix}.{key}" if prefix else key, inner)
    elif isinstance(value, list):
        for number, inner in enumerate(value, 1):
            yield from _flat(part, item, f"{prefix}[{number}]", inner)
    else:
        yield part, item, prefix, "" if value is None else str(value)
