"""Operations that change panels and members: create, import, consent, unsubscribe, bounce,
erasure and retention. Sampling lives in ``peiling.panel.samples``, e-mail in
``peiling.panel.mailing``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from peiling.accounts.models import Organisation
from peiling.accounts.services import organisation_default
from peiling.fieldwork import services as fieldwork_services
from peiling.panel import selectors
from peiling.panel.emails import email_normalise
from peiling.panel.errors import MemberFileError, PanelError, ProfileError
from peiling.panel.joining import CONFIRM_VALID
from peiling.panel.models import (
    ConsentRecord,
    Delivery,
    ErasureRecord,
    Member,
    Panel,
    PanelInvitation,
)
from peiling.panel.profile import MEMBER_COLUMNS, ProfileVariable, parse_value, profile_problems
from peiling.panel.rows import read_table
from peiling.questionnaires.services import form_version_import

_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
MEMBER_FIELDS = ("name", "language", "recruitment_source", "recruited_on")

Action = Literal["created", "updated", "unchanged", "refused"]


@transaction.atomic
def panel_create(*, slug: str, profile_source: bytes, profile_name: str, name: str = "",
                 user: Any = None, max_invitations_per_30_days: int = 2,
                 min_days_between_invitations: int = 7,
                 organisation: Organisation | None = None) -> Panel:
    """Create a panel of ``organisation`` (else the default one) whose profile is the XLSForm
    in ``profile_source`` (stored as a questionnaire version of the same organisation).

    Raises
    ------
    peiling.forms.errors.FormError
        The profile is not a valid XLSForm.
    ProfileError
        The form is valid but cannot be a profile (unsupported types, reserved names).
    PanelError
        The slug is malformed or taken. Nothing is stored in any of these cases.
    """
    problems = []
    if not _SLUG.fullmatch(slug):
        problems.append(f"slug {slug!r} may only hold letters, digits, '-' and '_'")
    elif Panel.objects.filter(slug=slug).exists():
        problems.append(f"a panel with slug {slug!r} already exists; choose another slug")
    if max_invitations_per_30_days < 1:
        problems.append("invitations per 30 days must be 1 or more")
    if problems:
        raise PanelError(problems)
    if organisation is None:
        organisation = organisation_default()
    version = form_version_import(source=profile_source, source_name=profile_name,
                                  user=user, organisation=organisation).version
    problems = profile_problems(version.form)
    if problems:
        raise ProfileError([f"{profile_name}: {problem}" for problem in problems])
    panel = Panel(organisation=organisation, slug=slug, name=name or slug, profile=version,
                  max_invitations_per_30_days=max_invitations_per_30_days,
                  min_days_between_invitations=min_days_between_invitations)
    panel.full_clean()
    panel.save()
    return panel


@transaction.atomic
def panel_public_set(*, panel: Panel, signup_open: bool, description: str,
                     privacy_statement: str, consent_text: str, consent_version: str) -> Panel:
    """Set what the panel's public page says and whether it takes sign-ups. Raise
    ``PanelError`` (nothing changes) when sign-up is opened without a consent text and its
    version, or when the consent text changes under a version members consented to: a
    consent record must name the text that was shown."""
    from django.utils.translation import gettext as _

    consent_text, consent_version = consent_text.strip(), consent_version.strip()
    problems = []
    if signup_open and not consent_text:
        problems.append(_("Sign-up needs a consent text: what a new member agrees to."))
    if signup_open and not consent_version:
        problems.append(_("Sign-up needs a version of the consent text, e.g. 2026-1."))
    if (consent_text != panel.consent_text and consent_version == panel.consent_version
            and ConsentRecord.objects.filter(member__panel=panel,
                                             text_version=consent_version).exists()):
        problems.append(_("Members consented to version %(version)s of the consent text; "
                          "give the changed text a new version.") % {"version": consent_version})
    if problems:
        raise PanelError(problems)
    panel.signup_open, panel.description = signup_open, description.strip()
    panel.privacy_statement = privacy_statement.strip()
    panel.consent_text, panel.consent_version = consent_text, consent_version
    panel.full_clean()
    panel.save()
    return panel


# -- import -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowOutcome:
    """What the import did (or, in a dry run, would do) with one row of the file."""

    row: int
    action: Action
    reason: str = ""
    changed: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportReport:
    rows: tuple[RowOutcome, ...]
    dry_run: bool

    def count(self, action: Action) -> int:
        return sum(outcome.action == action for outcome in self.rows)

    @property
    def summary(self) -> str:
        return ", ".join(f"{action} {self.count(action)}"
                         for action in ("created", "updated", "unchanged", "refused"))

    @property
    def refused(self) -> tuple[RowOutcome, ...]:
        return tuple(outcome for outcome in self.rows if outcome.action == "refused")


@dataclass
class _Row:
    number: int
    email: str | None
    fields: dict[str, Any]
    profile: dict[str, Any]
    problems: list[str]
    invalid: set[str] = field(default_factory=set)


@transaction.atomic
def members_import(*, panel: Panel, data: bytes, name: str, dry_run: bool = False,
                   consent_version: str = "", now: dt.datetime | None = None) -> ImportReport:
    """Create and update the panel's members from a CSV or XLSX file.

    Columns: ``email``, optionally ``name``, ``language``, ``recruitment_source``,
    ``recruited_on``, then profile variables with choice names as values. An empty cell
    changes nothing; a member's status is never changed by an import. Valid rows are
    imported, refused rows (bad e-mail, unknown value, duplicate, missing required value)
    are not; importing the same file again changes nothing. With ``consent_version``, every
    member created gets a consent record for panel membership under that text version.

    Raises
    ------
    MemberFileError
        The file is not CSV/XLSX, not UTF-8, or its columns are wrong; nothing is stored.
    """
    now = now or timezone.now()
    table = read_table(data, name)
    variables = {variable.name: variable for variable in selectors.panel_variables(panel=panel)}
    columns = _check_columns(table.header, variables, name)
    rows = [_parse_row(number, cells, columns, variables) for number, cells in table.rows]
    existing = selectors.members_by_email(
        panel=panel, emails={row.email for row in rows if row.email})
    first_row: dict[str, int] = {}
    outcomes, to_create, to_update = [], [], []
    today = timezone.localdate(now).isoformat()
    for row in rows:
        if row.email is not None:
            if row.email in first_row:
                row.problems.append(f"duplicate of row {first_row[row.email]} "
                                    f"(same e-mail address)")
            first_row.setdefault(row.email, row.number)
        member = existing.get(row.email) if row.email else None
        if member is None:
            row.problems += [f"{v.name} is required for a new member" for v in variables.values()
                             if v.required and row.profile.get(v.name) is None
                             and v.name not in row.invalid and row.email is not None]
        if row.problems:
            outcomes.append(RowOutcome(row.number, "refused", "; ".join(row.problems)))
        elif member is None:
            to_create.append(_new_member(panel, row, now, today))
            outcomes.append(RowOutcome(row.number, "created"))
        else:
            changed = _apply_row(member, row, today)
            if changed:
                member.updated_at = now
                to_update.append(member)
            outcomes.append(RowOutcome(row.number, "updated" if changed else "unchanged",
                                       changed=tuple(changed)))
    if not dry_run:
        Member.objects.bulk_create(to_create, batch_size=1000)
        Member.objects.bulk_update(to_update, ["profile", "profile_updated", *MEMBER_FIELDS,
                                               "updated_at"], batch_size=1000)
        if consent_version:
            ConsentRecord.objects.bulk_create(
                [ConsentRecord(member=member, purpose="panel", text_version=consent_version,
                               given_at=now) for member in to_create], batch_size=1000)
    return ImportReport(tuple(outcomes), dry_run)


def _check_columns(header: Sequence[str], variables: Mapping[str, ProfileVariable],
                   name: str) -> list[str]:
    """Return the column names (reserved ones lower-cased); raise MemberFileError naming
    every unknown, duplicate or missing column."""
    columns = [cell.lower() if cell.lower() in MEMBER_COLUMNS else cell for cell in header]
    problems = []
    if "email" not in columns:
        problems.append(f"{name}: no 'email' column; the first row must name the columns, "
                        f"one of them 'email'")
    for position, column in enumerate(columns, start=1):
        if not column:
            problems.append(f"{name}: column {position} has no name in the first row")
        elif column not in MEMBER_COLUMNS and column not in variables:
            problems.append(
                f"{name}: column {column!r} is neither a member column "
                f"({', '.join(MEMBER_COLUMNS)}) nor a profile variable "
                f"({', '.join(variables) or 'none'})"
            )
    for column in sorted({c for c in columns if c and columns.count(c) > 1}):
        problems.append(f"{name}: column {column!r} appears {columns.count(column)} times")
    if problems:
        raise MemberFileError(problems)
    return columns


def _parse_row(number: int, cells: Sequence[str], columns: Sequence[str],
               variables: Mapping[str, ProfileVariable]) -> _Row:
    row = _Row(number, None, {}, {}, [])
    if len(cells) > len(columns) and any(cells[len(columns):]):
        row.problems.append(f"has {len(cells)} values but the first row names "
                            f"{len(columns)} columns")
    values = dict(zip(columns, [*cells, *[""] * (len(columns) - len(cells))], strict=False))
    try:
        row.email = email_normalise(values.pop("email", ""))
    except ValueError as error:
        row.problems.append(str(error))
    for column, text in values.items():
        if column in variables:
            value, problem = parse_value(variables[column], text)
            if problem:
                row.problems.append(problem)
                row.invalid.add(column)
            elif value is not None:
                row.profile[column] = value
        elif text:
            value, problem = _member_field(column, text)
            if problem:
                row.problems.append(problem)
            else:
                row.fields[column] = value
    return row


def _member_field(column: str, text: str) -> tuple[Any, str | None]:
    if column == "language":
        codes = [code for code, _ in settings.LANGUAGES]
        code = text.lower()
        if code not in codes:
            return None, f"language {text!r} is not one of {', '.join(codes)}"
        return code, None
    if column == "recruited_on":
        try:
            return dt.date.fromisoformat(text[:10]), None
        except ValueError:
            return None, f"recruited_on {text!r} is not a date; write it as YYYY-MM-DD"
    limit = Member._meta.get_field(column).max_length
    if len(text) > limit:
        return None, f"{column} is longer than {limit} characters"
    return text, None


def _new_member(panel: Panel, row: _Row, now: dt.datetime, today: str) -> Member:
    member = Member(
        panel=panel, email=row.email, status=Member.Status.ACTIVE, status_changed_at=now,
        language=row.fields.get("language", settings.LANGUAGE_CODE),
        name=row.fields.get("name", ""),
        recruitment_source=row.fields.get("recruitment_source", ""),
        recruited_on=row.fields.get("recruited_on") or timezone.localdate(now),
        profile=dict(row.profile), profile_updated=dict.fromkeys(row.profile, today),
    )
    member.full_clean(exclude=["panel"], validate_unique=False, validate_constraints=False)
    return member


def _apply_row(member: Member, row: _Row, today: str) -> list[str]:
    """Apply the row's values to ``member``; return the names of what changed."""
    changed = [name for name, value in row.fields.items() if getattr(member, name) != value]
    for name in changed:
        setattr(member, name, row.fields[name])
    changed_profile = [n for n, v in row.profile.items() if member.profile.get(n) != v]
    if changed_profile:
        member.profile = {**member.profile, **{n: row.profile[n] for n in changed_profile}}
        member.profile_updated = {**member.profile_updated,
                                  **dict.fromkeys(changed_profile, today)}
    return changed + changed_profile


# -- consent, status ----------------------------------------------------------------------


@transaction.atomic
def consent_record(*, member: Member, purpose: str, text_version: str,
                   given_at: dt.datetime | None = None) -> ConsentRecord:
    """Record that ``member`` gave consent for ``purpose`` under ``text_version``."""
    record = ConsentRecord(member=member, purpose=purpose, text_version=text_version,
                           given_at=given_at or timezone.now())
    record.full_clean()
    record.save()
    return record


@transaction.atomic
def member_unsubscribe(*, member_id: int, panel_invitation_id: int | None = None,
                       now: dt.datetime | None = None) -> Member | None:
    """Unsubscribe a member (from an unsubscribe link): status ``unsubscribed``, consent
    withdrawn, and the invitation whose e-mail carried the link marked. Return the member,
    or ``None`` when there is none (erased). Doing it twice changes nothing more."""
    now = now or timezone.now()
    member = (Member.objects.select_for_update().filter(pk=member_id)
              .exclude(status=Member.Status.ERASED).first())
    if member is None:
        return None
    if member.status != Member.Status.UNSUBSCRIBED:
        member.status, member.status_changed_at = Member.Status.UNSUBSCRIBED, now
        member.save(update_fields=["status", "status_changed_at", "updated_at"])
    member.consents.filter(withdrawn_at__isnull=True).update(withdrawn_at=now)
    if panel_invitation_id is not None:
        PanelInvitation.objects.filter(pk=panel_invitation_id, member=member,
                                       unsubscribed_at__isnull=True).update(unsubscribed_at=now)
    return member


@dataclass(frozen=True)
class BounceReport:
    recorded: tuple[str, ...]
    unknown: tuple[str, ...]


@transaction.atomic
def members_bounce(*, panel: Panel, emails: Iterable[str],
                   now: dt.datetime | None = None) -> BounceReport:
    """Record bounces: each member becomes ``bounced`` (unless unsubscribed or erased) and
    their latest e-mailed invitation is marked bounced. Addresses not in the panel (or not
    addresses at all) are returned as ``unknown``; nothing is stored for them."""
    now = now or timezone.now()
    recorded, unknown = [], []
    for raw in emails:
        try:
            email = email_normalise(raw)
        except ValueError:
            unknown.append(raw.strip())
            continue
        member = Member.objects.select_for_update().filter(panel=panel, email=email).first()
        if member is None:
            unknown.append(email)
            continue
        member_bounce(member=member, now=now)
        recorded.append(email)
    return BounceReport(tuple(recorded), tuple(unknown))


@transaction.atomic
def member_bounce(*, member: Member, message_id: str = "",
                  now: dt.datetime | None = None) -> None:
    """Record that e-mail to ``member`` bounced (the message ``message_id``, else the most
    recent one sent)."""
    now = now or timezone.now()
    if member.status in (Member.Status.ACTIVE, Member.Status.PAUSED):
        member.status, member.status_changed_at = Member.Status.BOUNCED, now
        member.save(update_fields=["status", "status_changed_at", "updated_at"])
    deliveries = Delivery.objects.filter(panel_invitation__member=member,
                                         state=Delivery.State.SENT)
    if message_id:
        deliveries = deliveries.filter(message_id=message_id)
    latest = deliveries.order_by("-sent_at", "-pk").first()
    if latest is not None:
        PanelInvitation.objects.filter(pk=latest.panel_invitation_id,
                                       bounced_at__isnull=True).update(bounced_at=now)


@transaction.atomic
def member_status_set(*, member: Member, status: str, now: dt.datetime | None = None) -> None:
    """Pause or reactivate a member; unsubscribing, bouncing and erasing have their own
    services because they record more."""
    allowed = (Member.Status.ACTIVE, Member.Status.PAUSED)
    if status not in allowed:
        raise ValueError(f"status must be one of {[str(s) for s in allowed]!r} (got {status!r})")
    if member.status == Member.Status.ERASED:
        raise PanelError("an erased member cannot be changed")
    member.status, member.status_changed_at = status, now or timezone.now()
    member.save(update_fields=["status", "status_changed_at", "updated_at"])


# -- erasure ------------------------------------------------------------------------------


@transaction.atomic
def member_erase(*, member: Member, reason: str = ErasureRecord.Reason.REQUEST,
                 user: Any = None, now: dt.datetime | None = None) -> ErasureRecord:
    """Erase a member (AVG art. 17): contact data, profile and consent records go, the link
    from the member to every invitation (and so to every response) is cut, every personal link
    the member was sent stops working, the anonymous answers and the invitation outcomes stay.
    Leave an ``ErasureRecord`` that holds no personal data. Erasing an erased member raises
    ``PanelError``."""
    now = now or timezone.now()
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status == Member.Status.ERASED:
        raise PanelError("this member has already been erased")
    invitation_ids = list(member.invitations.values_list("pk", flat=True))
    links = PanelInvitation.objects.filter(pk__in=invitation_ids).values_list("invitation_id",
                                                                               flat=True)
    fieldwork_services.invitations_revoke(invitation_ids=list(links))
    Delivery.objects.filter(panel_invitation_id__in=invitation_ids).update(message_id="")
    unlinked = PanelInvitation.objects.filter(pk__in=invitation_ids).update(member=None,
                                                                            link_nonce="")
    consents, _ = member.consents.all().delete()
    member.tokens.all().delete()
    member.changes.all().delete()
    member.paused_until = None
    member.email, member.name, member.language = None, "", settings.LANGUAGE_CODE
    member.recruitment_source, member.recruited_on = "", None
    member.profile, member.profile_updated = {}, {}
    member.status, member.status_changed_at = Member.Status.ERASED, now
    member.save()
    record = ErasureRecord(panel=member.panel, erased_at=now, reason=reason,
                           invitations_unlinked=unlinked, consents_deleted=consents,
                           erased_by=user if getattr(user, "is_authenticated", False) else None)
    record.full_clean()
    record.save()
    return record


def members_erase_expired(*, now: dt.datetime | None = None,
                          days: int | None = None) -> int:
    """Erase every member unsubscribed or bounced for longer than ``days`` (default: the
    ``PEILING_RETENTION_DAYS`` setting); return how many. Delete sign-ups left unconfirmed
    four times as long as their link worked. Each member is erased in its own
    transaction, so a failure leaves the ones before it erased."""
    now = now or timezone.now()
    days = settings.PEILING_RETENTION_DAYS if days is None else days
    expired = Member.objects.filter(
        status__in=[Member.Status.UNSUBSCRIBED, Member.Status.BOUNCED],
        status_changed_at__lt=now - dt.timedelta(days=days),
    ).select_related("panel")
    # A sign-up never confirmed was never a member: it goes without a trace.
    Member.objects.filter(status=Member.Status.PENDING,
                          status_changed_at__lt=now - 4 * CONFIRM_VALID).delete()
    erased = 0
    for member in list(expired):
        member_erase(member=member, reason=ErasureRecord.Reason.RETENTION, now=now)
        erased += 1
    return erased
