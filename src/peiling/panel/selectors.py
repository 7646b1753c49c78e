"""Queries on panels: members, participation history, sampling frames, e-mail due, outcomes.

Some queries read fieldwork's ``Invitation`` and ``Response`` rows (read-only) through the
``PanelInvitation.invitation`` link: a member's participation, reminder eligibility (who has
not completed) and the response outcomes. Open-link counts come from fieldwork's selectors.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import (
    Count,
    F,
    FilteredRelation,
    Func,
    IntegerField,
    Max,
    Q,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.fields.json import KT, KeyTextTransform
from django.utils import timezone
from numpy.typing import NDArray

from peiling.fieldwork import monitor as fieldwork_monitors
from peiling.fieldwork import selectors as fieldwork_selectors
from peiling.fieldwork.models import PANEL_SOURCE, Fieldwork, Response
from peiling.panel.models import (
    Delivery,
    Member,
    Panel,
    PanelInvitation,
    ReminderSchedule,
    Sample,
)
from peiling.panel.profile import ProfileVariable, profile_variables
from peiling.panel.rates import Outcomes, outcome_rates

CONTACT_WINDOW = dt.timedelta(days=30)


def panel_get(*, slug: str) -> Panel:
    """Return the panel with this slug; raise ``Panel.DoesNotExist``."""
    return Panel.objects.select_related("profile").get(slug=slug)


def panel_slugs() -> list[str]:
    return list(Panel.objects.order_by("slug").values_list("slug", flat=True))


def panel_variables(*, panel: Panel) -> tuple[ProfileVariable, ...]:
    """Return the profile variables of the panel's profile form."""
    return profile_variables(panel.profile.form)


def members_by_email(*, panel: Panel, emails: Iterable[str]) -> dict[str, Member]:
    """Return the panel's members with these (normalised) addresses, by address."""
    found: dict[str, Member] = {}
    emails = list(emails)
    for start in range(0, len(emails), 500):
        chunk = emails[start:start + 500]
        for member in Member.objects.filter(panel=panel, email__in=chunk):
            found[member.email] = member
    return found


def member_get(*, panel: Panel, email: str) -> Member:
    """Return the member with this (normalised) address; raise ``Member.DoesNotExist``."""
    return Member.objects.select_related("panel").get(panel=panel, email=email)


# -- participation ------------------------------------------------------------------------


@dataclass(frozen=True)
class Participation:
    """One fieldwork a member was drawn for, and how far it went."""

    fieldwork: str
    fieldwork_name: str
    drawn_at: dt.datetime
    invited_at: dt.datetime | None
    reminded_at: tuple[dt.datetime, ...]
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    status: str
    bounced_at: dt.datetime | None
    unsubscribed_at: dt.datetime | None


def member_participation(*, member: Member) -> list[Participation]:
    """Return the member's fieldworks, newest first: invited, reminded, started, completed."""
    invitations = (member.invitations.select_related("fieldwork", "sample",
                                                     "invitation__response")
                   .prefetch_related("deliveries").order_by("-sample__created_at", "-pk"))
    history = []
    for item in invitations:
        sent = sorted((d for d in item.deliveries.all() if d.state == Delivery.State.SENT),
                      key=lambda d: d.number)
        response = item.invitation.response
        history.append(Participation(
            fieldwork=item.fieldwork.slug,
            fieldwork_name=item.fieldwork.name,
            drawn_at=item.drawn_at,
            invited_at=next((d.sent_at for d in sent if d.number == 0), None),
            reminded_at=tuple(d.sent_at for d in sent if d.number > 0),
            started_at=item.invitation.started_at,
            completed_at=response.completed_at if response else None,
            status=_disposition(item, response.status if response else None,
                                invited=bool(sent and sent[0].number == 0)),
            bounced_at=item.bounced_at,
            unsubscribed_at=item.unsubscribed_at,
        ))
    return history


def _disposition(item: PanelInvitation, response_status: str | None, *, invited: bool) -> str:
    """Return the final disposition of one invitation (precedence of ``rates.DISPOSITIONS``)."""
    if response_status is not None:
        return response_status
    if item.unsubscribed_at is not None:
        return "unsubscribed"
    if item.bounced_at is not None:
        return "bounced"
    return "no_response" if invited else "not_sent"


def member_export(*, member: Member) -> dict[str, Any]:
    """Return everything peiling holds on one member, JSON-ready (AVG art. 15 and 20):
    contact data, profile with dates, consent, every invitation, e-mail and linked answers."""
    invitations = []
    for item in (member.invitations.select_related("fieldwork", "sample", "invitation__response")
                 .prefetch_related("deliveries").order_by("pk")):
        response = item.invitation.response
        invitations.append({
            "fieldwork": item.fieldwork.slug,
            "fieldwork_name": item.fieldwork.name,
            "stratum": item.stratum,
            "drawn_at": item.drawn_at,
            "bounced_at": item.bounced_at,
            "unsubscribed_at": item.unsubscribed_at,
            "emails": [
                {"number": d.number, "kind": "invitation" if d.number == 0 else "reminder",
                 "state": d.state, "sent_at": d.sent_at, "message_id": d.message_id}
                for d in item.deliveries.all()
            ],
            "profile_snapshot": item.invitation.profile,
            "response": None if response is None else {
                "status": response.status, "language": response.language,
                "started_at": response.started_at, "completed_at": response.completed_at,
                "answers": response.answers,
            },
        })
    return {
        "panel": member.panel.slug,
        "email": member.email,
        "name": member.name,
        "language": member.language,
        "status": member.status,
        "status_changed_at": member.status_changed_at,
        "recruitment_source": member.recruitment_source,
        "recruited_on": member.recruited_on,
        "created_at": member.created_at,
        "profile": [
            {"variable": name, "value": value, "updated_on": member.profile_updated.get(name)}
            for name, value in member.profile.items()
        ],
        "consents": [
            {"purpose": c.purpose, "text_version": c.text_version, "given_at": c.given_at,
             "withdrawn_at": c.withdrawn_at}
            for c in member.consents.order_by("given_at", "pk")
        ],
        "invitations": invitations,
    }


# -- sampling frame -----------------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    """The members a sample may be drawn from (ids ascending) and why others may not.

    ``codes[k][i]`` is the position of member ``i``'s value in the choice list of variable
    ``k``; members without a valid value for a variable are excluded.
    """

    member_ids: NDArray[np.int64]
    codes: tuple[NDArray[np.intp], ...]
    excluded: dict[str, int]


def sample_frame(*, panel: Panel, fieldwork: Fieldwork, variables: Sequence[ProfileVariable],
                 now: dt.datetime) -> Frame:
    """Return the eligible active members of ``panel`` for a new invitation to ``fieldwork``
    at ``now``, with their stratum codes: one query for the members and their values, small
    ones for the exclusions; the rest in numpy."""
    excluded: dict[str, int] = {}
    excluded["not active"] = Member.objects.filter(
        panel=panel, status__in=[Member.Status.PAUSED, Member.Status.UNSUBSCRIBED,
                                 Member.Status.BOUNCED]).count()
    columns = [_ChoiceCode(_profile_text(v.name), choices=v.choices) for v in variables]
    rows = np.array(Member.objects.filter(panel=panel, status=Member.Status.ACTIVE)
                    .order_by("pk").values_list("pk", *columns), dtype=np.int64)
    rows = rows.reshape(-1, 1 + len(variables))
    ids = rows[:, 0]
    keep = np.ones(ids.size, dtype=bool)
    already = np.fromiter(
        PanelInvitation.objects.filter(fieldwork=fieldwork, member__isnull=False)
        .values_list("member_id", flat=True), dtype=np.int64)
    in_fieldwork = np.isin(ids, already)
    excluded["already drawn for this fieldwork"] = int(in_fieldwork.sum())
    keep &= ~in_fieldwork
    blocks = contact_rule_blocks(panel=panel, now=now)
    for reason, blocked_ids in (("invited too often", blocks.too_often),
                                ("invited too recently", blocks.too_recent)):
        blocked = np.isin(ids, blocked_ids) & keep
        excluded[reason] = int(blocked.sum())
        keep &= ~blocked
    codes = []
    for position, variable in enumerate(variables, start=1):
        code = rows[:, position].astype(np.intp)
        missing = (code < 0) & keep
        excluded[f"no valid {variable.name}"] = int(missing.sum())
        keep &= ~missing
        codes.append(code)
    return Frame(member_ids=ids[keep], codes=tuple(code[keep] for code in codes),
                 excluded=excluded)


class _ChoiceCode(Func):
    """The position of a text in a choice list, -1 when it is none of them, computed by the
    database (``CASE text WHEN 'a' THEN 0 ... ELSE -1 END``), so a million-member frame
    reaches Python as integers."""

    output_field = IntegerField()

    def __init__(self, expression: Any, *, choices: Sequence[str]) -> None:
        super().__init__(expression)
        self.choices = tuple(choices)

    def get_db_converters(self, connection: Any) -> list[Any]:
        return []  # the database returns integers: no per-row conversion in Python

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        whens = " ".join(["WHEN %s THEN %s"] * len(self.choices))
        codes = [value for code, choice in enumerate(self.choices) for value in (choice, code)]
        return f"CASE {sql} {whens} ELSE -1 END", [*params, *codes]


def _profile_text(name: str) -> Any:
    """Return the expression for the text of ``profile[name]``. On SQLite one JSON_EXTRACT:
    Django's generic ``KT`` parses the JSON twice per row there (to tell JSON true, false
    and null from text), which doubles the time of a million-member frame."""
    if connection.vendor == "sqlite":
        return Func(F("profile"), Value(f'$."{name}"'), function="JSON_EXTRACT",
                    output_field=TextField())
    return KT(f"profile__{name}")


@dataclass(frozen=True)
class ContactBlocks:
    """The members one more invitation would break a contact rule for (ids ascending):
    ``too_often`` already had the panel's maximum per 30 days, ``too_recent`` (the others)
    were drawn within its minimum days between invitations."""

    too_often: NDArray[np.int64]
    too_recent: NDArray[np.int64]

    @property
    def all(self) -> NDArray[np.int64]:
        return np.union1d(self.too_often, self.too_recent)


def contact_rule_blocks(*, panel: Panel, now: dt.datetime,
                        member_ids: Sequence[int] | None = None) -> ContactBlocks:
    """Return the members whom one more invitation at ``now`` would bring above the panel's
    invitations per 30 days, or within its minimum days since the last one, per rule."""
    gap = dt.timedelta(days=panel.min_days_between_invitations)
    since = now - max(CONTACT_WINDOW, gap)
    query = PanelInvitation.objects.filter(member__panel=panel, drawn_at__gt=since)
    if member_ids is not None:
        query = query.filter(member_id__in=member_ids)
    # The database returns only the blocked members, never every recent invitation.
    rows = (query.order_by().values("member_id")
            .annotate(recent=Count("pk", filter=Q(drawn_at__gt=now - CONTACT_WINDOW)),
                      last=Max("drawn_at"))
            .filter(Q(recent__gte=panel.max_invitations_per_30_days) | Q(last__gt=now - gap))
            .order_by("member_id").values_list("member_id", "recent"))
    often, recent = [], []
    for member_id, invitations in rows:
        (often if invitations >= panel.max_invitations_per_30_days else recent).append(member_id)
    return ContactBlocks(np.array(often, dtype=np.int64), np.array(recent, dtype=np.int64))


def contact_rule_blocked(*, panel: Panel, now: dt.datetime,
                         member_ids: Sequence[int] | None = None) -> NDArray[np.int64]:
    """Return the ids of the members ``contact_rule_blocks`` finds, whatever the rule."""
    return contact_rule_blocks(panel=panel, now=now, member_ids=member_ids).all


# -- e-mail due ---------------------------------------------------------------------------


def invitations_unsent(*, fieldwork: Fieldwork) -> list[int]:
    """Return the ids of the fieldwork's panel invitations whose e-mail was never attempted,
    for members who are still active."""
    return list(PanelInvitation.objects
                .filter(fieldwork=fieldwork, member__status=Member.Status.ACTIVE)
                .exclude(deliveries__number=0).order_by("pk").values_list("pk", flat=True))


def reminder_days(*, fieldwork: Fieldwork) -> list[int]:
    schedule = ReminderSchedule.objects.filter(fieldwork=fieldwork).first()
    return list(schedule.days) if schedule else []


def reminders_due(*, fieldwork: Fieldwork, now: dt.datetime,
                  force: bool = False) -> dict[int, list[int]]:
    """Return, per reminder number, the panel invitations due for it at ``now``.

    Due: invitation sent, member active, not bounced or unsubscribed through it, no finished
    response, the previous e-mail attempted and the schedule's days since the invitation
    passed. ``force`` sends the next reminder now, whatever the schedule.
    """
    days = reminder_days(fieldwork=fieldwork)
    rows = (PanelInvitation.objects
            .filter(fieldwork=fieldwork, member__status=Member.Status.ACTIVE,
                    bounced_at__isnull=True, unsubscribed_at__isnull=True,
                    deliveries__number=0, deliveries__state=Delivery.State.SENT)
            .filter(Q(invitation__response__isnull=True)
                    | Q(invitation__response__status=Response.Status.STARTED))
            .annotate(invited=Max("deliveries__sent_at")).values_list("pk", "invited"))
    # The annotation reads the deliveries the filter joined (the invitation only), so the
    # last e-mail number per invitation comes from a second query.
    ids = [pk for pk, _ in rows]
    last_number = dict(Delivery.objects.filter(panel_invitation_id__in=ids)
                       .values("panel_invitation_id").annotate(last=Max("number"))
                       .values_list("panel_invitation_id", "last")) if ids else {}
    due: dict[int, list[int]] = defaultdict(list)
    for pk, invited in rows:
        number = last_number.get(pk, 0) + 1
        if force or (number <= len(days) and invited + dt.timedelta(days=days[number - 1]) <= now):
            due[number].append(pk)
    return {number: sorted(pks) for number, pks in sorted(due.items())}


#: The state ``deliveries_summary`` gives a claim older than the task timeout: the worker
#: stopped between claiming and confirming, so nobody knows whether the e-mail went out.
UNKNOWN = "unknown"


def deliveries_summary(*, fieldwork: Fieldwork,
                       now: dt.datetime | None = None) -> dict[tuple[int, str], int]:
    """Return how many e-mails there are per (number, state) for the fieldwork; a claim older
    than ``PEILING_TASK_TIMEOUT`` counts as ``UNKNOWN`` ("onbekend")."""
    from peiling.jobs.services import task_timeout

    cutoff = (now or timezone.now()) - task_timeout()
    # Counted in the database: a fieldwork has tens of thousands of e-mails.
    stale = Q(state=Delivery.State.CLAIMED, claimed_at__lt=cutoff)
    rows = (Delivery.objects.filter(panel_invitation__fieldwork=fieldwork).order_by()
            .values("number", "state")
            .annotate(n=Count("pk"), unknown=Count("pk", filter=stale))
            .values_list("number", "state", "n", "unknown"))
    summary: Counter[tuple[int, str]] = Counter()
    for number, state, n, unknown in rows:
        summary[number, state] += n - unknown
        summary[number, UNKNOWN] += unknown
    return {key: n for key, n in summary.items() if n}


# -- outcomes -----------------------------------------------------------------------------


def fieldwork_outcomes(*, fieldwork: Fieldwork,
                       by: str | None = None) -> dict[str, Outcomes]:
    """Return the outcomes of the fieldwork's panel invitations per stratum (as drawn), or
    per value of profile variable ``by`` in the invitation's profile snapshot."""
    sent = set(Delivery.objects.filter(panel_invitation__fieldwork=fieldwork, number=0,
                                       state=Delivery.State.SENT)
               .values_list("panel_invitation_id", flat=True))
    group = KeyTextTransform(by, "invitation__profile") if by else "stratum"
    rows = (PanelInvitation.objects.filter(fieldwork=fieldwork)
            .values_list("pk", group, "invitation__response__status", "bounced_at",
                         "unsubscribed_at"))
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for pk, key, status, bounced_at, unsubscribed_at in rows:
        if status is not None:
            disposition = status
        elif unsubscribed_at is not None:
            disposition = "unsubscribed"
        elif bounced_at is not None:
            disposition = "bounced"
        else:
            disposition = "no_response" if pk in sent else "not_sent"
        counts["" if key is None else str(key)][disposition] += 1
    order = _group_order(fieldwork=fieldwork, by=by)
    return {key: Outcomes.from_counts(counts[key])
            for key in sorted(counts, key=lambda k: (order.get(k, len(order)), k))}


#: The dispositions a response's status gives (``rates`` module docstring).
_RESPONSE_DISPOSITIONS = ("completed", "screened_out", "quota_full", "started")


def fieldwork_outcome_totals(*, fieldwork: Fieldwork) -> Outcomes:
    """Return the outcomes of all the fieldwork's panel invitations together: the
    dispositions of ``fieldwork_outcomes``, counted by the database in one query.

    The first e-mail and the response are joined (``LEFT JOIN ... ON`` with the fieldwork
    in the condition) rather than tested per invitation: at 60,000 invitations the
    ``EXISTS`` form cost enough for PostgreSQL to JIT-compile it on every request."""
    invitations = PanelInvitation.objects.filter(fieldwork=fieldwork).annotate(
        first_email=FilteredRelation("deliveries", condition=Q(
            deliveries__number=0, deliveries__state=Delivery.State.SENT)),
        answer=FilteredRelation("invitation__response", condition=Q(
            invitation__response__fieldwork=fieldwork)),
    )
    unanswered = Q(answer__isnull=True)
    quiet = unanswered & Q(unsubscribed_at__isnull=True, bounced_at__isnull=True)
    counts = invitations.aggregate(
        **{name: Count("pk", filter=Q(answer__status=name)) for name in _RESPONSE_DISPOSITIONS},
        unsubscribed=Count("pk", filter=unanswered & Q(unsubscribed_at__isnull=False)),
        bounced=Count("pk", filter=unanswered & Q(unsubscribed_at__isnull=True,
                                                  bounced_at__isnull=False)),
        no_response=Count("pk", filter=quiet & Q(first_email__isnull=False)),
        not_sent=Count("pk", filter=quiet & Q(first_email__isnull=True)),
    )
    return Outcomes.from_counts(counts)


def fieldwork_monitor(*, fieldwork: Fieldwork,
                      now: dt.datetime) -> fieldwork_monitors.Monitor:
    """Return ``peiling.fieldwork.monitor.fieldwork_monitor`` with the AAPOR RR1 and COOP1 of
    the panel invitations so far in ``rates`` (None without panel invitations); a constant
    number of queries."""
    monitor = fieldwork_monitors.fieldwork_monitor(fieldwork=fieldwork, now=now)
    total = fieldwork_outcome_totals(fieldwork=fieldwork)
    if not total.sampled:
        return monitor
    rates = outcome_rates(total)
    return replace(monitor, rates=fieldwork_monitors.PanelRates(
        invited=total.invited, rr1=rates.rr1, coop1=rates.coop1))


def _group_order(*, fieldwork: Fieldwork, by: str | None) -> dict[str, int]:
    """Return the position of each group in the order of the choice lists (as tables show
    them), from the fieldwork's samples."""
    order: dict[str, int] = {}
    for sample in Sample.objects.filter(fieldwork=fieldwork).select_related("panel__profile"):
        if by is None:
            keys = [" / ".join(stratum["stratum"]) for stratum in sample.plan.get("strata", ())]
        else:
            known = {v.name: v for v in panel_variables(panel=sample.panel)}
            keys = list(known[by].choices) if by in known else []
        for key in keys:
            order.setdefault(key, len(order))
    return order


def open_link_counts(*, fieldwork: Fieldwork) -> dict[str, dict[str, int]]:
    """Return responses through open links per source tag and status (outside the rates)."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for (source, status), n in fieldwork_selectors.response_counts(fieldwork=fieldwork).items():
        if source != PANEL_SOURCE:
            counts[source][status] = n
    return dict(sorted(counts.items()))


def panel_invitations(*, fieldwork: Fieldwork) -> QuerySet[PanelInvitation]:
    return PanelInvitation.objects.filter(fieldwork=fieldwork)


def member_for_unsubscribe(*, member_id: int) -> Member | None:
    """Return the member an unsubscribe link names, or ``None`` once erased or gone."""
    return (Member.objects.select_related("panel").filter(pk=member_id)
            .exclude(status=Member.Status.ERASED).first())


# -- the researcher web app ---------------------------------------------------------------


@dataclass(frozen=True)
class PanelOverview:
    """A panel with how many members it has in each status (``Member.Status`` order)."""

    panel: Panel
    counts: tuple[tuple[str, int], ...]
    total: int


def panels_overview(*, panels: QuerySet[Panel]) -> list[PanelOverview]:
    """Return ``panels`` by name with their member counts per status, in one query."""
    statuses = Member.Status.values
    rows = panels.annotate(
        members_total=Count("members"),
        **{f"members_{status}": Count("members", filter=Q(members__status=status))
           for status in statuses},
    ).order_by("name", "pk")
    return [PanelOverview(panel=panel,
                          counts=tuple((status, getattr(panel, f"members_{status}"))
                                       for status in statuses),
                          total=panel.members_total)
            for panel in rows]


def value_shown(value: Any, labels: dict[str, str] | None = None) -> str:
    """A profile value as a page shows it: choice labels for selects, "—" when unknown."""
    if value is None or value == "":
        return "—"
    if labels:
        return ", ".join(labels.get(name, name) for name in str(value).split())
    return str(value)


def profile_choice_labels(*, panel: Panel) -> dict[str, tuple[tuple[str, str], ...]]:
    """Return, per select profile variable (form order), its choices as (name, label)."""
    from peiling.forms.model import text_in

    form = panel.profile.form
    labels: dict[str, tuple[tuple[str, str], ...]] = {}
    for variable in profile_variables(form):
        if variable.type in ("select_one", "select_multiple"):
            labels[variable.name] = tuple(
                (choice.name, text_in(choice.label, form.default_language) or choice.name)
                for choice in form.choices(variable.name))
    return labels


def members_filter(*, panel: Panel, search: str = "", status: str = "",
                   profile: dict[str, str] | None = None) -> QuerySet[Member]:
    """Return the panel's members by e-mail address (erased ones last): those whose address or
    name contains ``search`` (any case), in ``status``, and holding each choice in
    ``profile`` (variable name -> choice name; for ``select_multiple`` one of the choices)."""
    import re

    members = Member.objects.filter(panel=panel)
    if search:
        members = members.filter(Q(email__icontains=search) | Q(name__icontains=search))
    if status:
        members = members.filter(status=status)
    if profile:
        types = {variable.name: variable.type for variable in panel_variables(panel=panel)}
        for name, value in sorted(profile.items()):
            if types.get(name) == "select_multiple":  # space-separated choice names
                members = members.filter(
                    **{f"profile__{name}__regex": rf"(^| ){re.escape(value)}( |$)"})
            else:
                members = members.filter(**{f"profile__{name}": value})
    return members.order_by(F("email").asc(nulls_last=True), "pk")


def member_consents(*, member: Member) -> QuerySet[Any]:
    """Return the member's consent records, oldest first."""
    return member.consents.order_by("given_at", "pk")


@dataclass(frozen=True)
class ContactState:
    """Where a member stands against the panel's contact rules at ``now``.

    ``eligible_from`` is the first moment one more invitation is allowed, ``None`` when it
    is allowed now (the rules of ``contact_rule_blocked``).
    """

    invitations_30_days: int
    max_invitations_per_30_days: int
    last_drawn_at: dt.datetime | None
    days_since_last: int | None
    min_days_between_invitations: int
    eligible_from: dt.datetime | None

    @property
    def blocked(self) -> bool:
        return self.eligible_from is not None


def member_contact_state(*, member: Member, now: dt.datetime) -> ContactState:
    """Return the member's invitations in the last 30 days and days since the last one,
    against the panel's maximum and minimum; one query."""
    panel = member.panel
    drawn = sorted(PanelInvitation.objects.filter(member=member)
                   .values_list("drawn_at", flat=True), reverse=True)
    recent = [at for at in drawn if at > now - CONTACT_WINDOW]
    last = drawn[0] if drawn else None
    candidates = []
    if len(recent) >= panel.max_invitations_per_30_days:
        candidates.append(recent[panel.max_invitations_per_30_days - 1] + CONTACT_WINDOW)
    if last is not None:
        candidates.append(last + dt.timedelta(days=panel.min_days_between_invitations))
    eligible_from = max(candidates, default=None)
    return ContactState(
        invitations_30_days=len(recent),
        max_invitations_per_30_days=panel.max_invitations_per_30_days,
        last_drawn_at=last,
        days_since_last=None if last is None else (now - last).days,
        min_days_between_invitations=panel.min_days_between_invitations,
        eligible_from=eligible_from if eligible_from is not None and eligible_from > now
        else None,
    )


def results_recipients(*, panel: Panel, fieldwork_id: int) -> QuerySet[Member]:
    """The members who completed ``fieldwork_id`` through the panel and want the e-mail that
    results are published (``Member.results_mail``), still active or paused."""
    from peiling.fieldwork.models import Response

    return (Member.objects.filter(
        panel=panel, results_mail=True,
        status__in=[Member.Status.ACTIVE, Member.Status.PAUSED],
        invitations__fieldwork_id=fieldwork_id,
        invitations__invitation__response__status=Response.Status.COMPLETED)
        .distinct().order_by("pk"))


def recruitment_of_respondents(*, fieldwork: Fieldwork) -> tuple[tuple[str, int], ...]:
    """How the members who completed ``fieldwork`` through the panel were recruited:
    (recruitment source, members), the largest first ("onbekend" when none was recorded or
    the member was erased since)."""
    from peiling.fieldwork.models import Response

    counts = Counter(PanelInvitation.objects.filter(
        fieldwork=fieldwork, invitation__response__status=Response.Status.COMPLETED)
        .values_list("member__recruitment_source", flat=True))
    named = Counter()
    for source, count in counts.items():
        named[source or "onbekend"] += count
    return tuple(sorted(named.items(), key=lambda item: (-item[1], item[0])))
