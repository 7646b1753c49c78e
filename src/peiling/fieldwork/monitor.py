"""The live monitor of a fieldwork: response per day and per source, quotas, completion time
and where unfinished respondents are. A selector: reads only.

Every number is aggregated by the database (``GROUP BY``, ``COUNT ... FILTER``), so the
monitor costs the same four queries for 30 responses or 100,000 (plus one, once per process, to
build the questionnaire's page flow). The panel's AAPOR rates need the panel's invitations,
which fieldwork does not read (the panel imports fieldwork, not the other way round):
``peiling.panel.selectors.fieldwork_monitor`` returns this monitor with ``rates`` filled in.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import TruncDate

from peiling.fieldwork.flow import Flow
from peiling.fieldwork.models import Fieldwork, Response
from peiling.fieldwork.selectors import QuotaCount, flow_for, quota_counts
from peiling.forms.expressions import references_masked
from peiling.forms.model import Page, text_in

__all__ = [
    "ABANDONED_AFTER",
    "DAY_ZONE",
    "Counts",
    "DayCounts",
    "Monitor",
    "PageDropOff",
    "PanelRates",
    "SourceCounts",
    "fieldwork_monitor",
]

#: The days of a Dutch fieldwork are Dutch days.
DAY_ZONE = ZoneInfo("Europe/Amsterdam")
#: A started response not saved for this long counts as abandoned (it may still come back).
ABANDONED_AFTER = dt.timedelta(hours=1)

_FINAL = {
    Response.Status.COMPLETED: "completes",
    Response.Status.SCREENED_OUT: "screened_out",
    Response.Status.QUOTA_FULL: "quota_full",
}


@dataclass(frozen=True)
class Counts:
    """Responses started, and finished in each way (every finished response started too)."""

    starts: int = 0
    completes: int = 0
    screened_out: int = 0
    quota_full: int = 0


@dataclass(frozen=True)
class DayCounts:
    """Responses started on ``day`` and finished on ``day`` (Amsterdam dates)."""

    day: dt.date
    counts: Counts


@dataclass(frozen=True)
class SourceCounts:
    """Responses through one source: an open link's tag or ``panel`` (personal links)."""

    source: str
    counts: Counts


@dataclass(frozen=True)
class PageDropOff:
    """Unfinished responses whose respondent is on page ``page``: ``active`` saved within
    ``ABANDONED_AFTER`` of the monitor's moment, ``abandoned`` not since."""

    page: str
    title: str
    active: int
    abandoned: int


@dataclass(frozen=True)
class PanelRates:
    """AAPOR rates of the panel invitations so far (``peiling.panel.rates``)."""

    invited: int
    rr1: float | None
    coop1: float | None


@dataclass(frozen=True)
class Monitor:
    """The state of a fieldwork at ``now``.

    ``days``: every Amsterdam date from the opening day to ``now`` (or the closing day), and
    any other day with responses, in date order; ``sources`` in source order; ``quotas`` in
    the order made; ``median_completion_seconds``: median of ``completed_at - started_at`` of
    the completes (None without any); ``drop_off``: the unfinished responses per page, in the
    questionnaire's page order (pages of other versions after them); ``rates``: None here, see
    the module docstring.
    """

    fieldwork_id: int
    now: dt.datetime
    totals: Counts
    days: tuple[DayCounts, ...]
    sources: tuple[SourceCounts, ...]
    quotas: tuple[QuotaCount, ...]
    median_completion_seconds: float | None
    drop_off: tuple[PageDropOff, ...]
    rates: PanelRates | None = field(default=None)


def fieldwork_monitor(*, fieldwork: Fieldwork, now: dt.datetime) -> Monitor:
    """Return the monitor of ``fieldwork`` at ``now`` in a constant number of queries."""
    responses = Response.objects.filter(fieldwork=fieldwork).order_by()
    by_source, by_day = _tallies(responses)
    first = fieldwork.opens_at.astimezone(DAY_ZONE).date()
    last = min(now, fieldwork.closes_at).astimezone(DAY_ZONE).date()
    for offset in range((last - first).days + 1):  # days without responses show too
        by_day.setdefault(first + dt.timedelta(days=offset), defaultdict(int))
    sources = tuple(SourceCounts(source, Counts(**by_source[source]))
                    for source in sorted(by_source))
    totals = _sum(item.counts for item in sources)
    return Monitor(
        fieldwork_id=fieldwork.pk,
        now=now,
        totals=totals,
        days=tuple(DayCounts(day, Counts(**by_day[day])) for day in sorted(by_day)),
        sources=sources,
        quotas=tuple(quota_counts(fieldwork=fieldwork)),
        median_completion_seconds=_median_seconds(responses, totals.completes),
        drop_off=_drop_off(flow_for(form_version=fieldwork.form_version), responses, now),
    )


_Tally = dict[str, int]


def _tallies(responses: QuerySet[Response],
             ) -> tuple[dict[str, _Tally], dict[dt.date, _Tally]]:
    """Return the counts per source and per day, from one scan of the responses grouped by
    source, status, day started and day finished: as many groups as the fieldwork has
    sources and days, however many responses there are."""
    by_source: dict[str, _Tally] = defaultdict(lambda: defaultdict(int))
    by_day: dict[dt.date, _Tally] = defaultdict(lambda: defaultdict(int))
    rows = (responses
            .annotate(started_on=TruncDate("started_at", tzinfo=DAY_ZONE),
                      finished_on=TruncDate("completed_at", tzinfo=DAY_ZONE))
            .values_list("source", "status", "started_on", "finished_on")
            .annotate(n=Count("pk")))
    for source, status, started_on, finished_on, n in rows:
        by_source[source]["starts"] += n
        by_day[started_on]["starts"] += n
        if status in _FINAL and finished_on is not None:
            by_source[source][_FINAL[status]] += n
            by_day[finished_on][_FINAL[status]] += n
    return by_source, by_day


def _median_seconds(responses: QuerySet[Response], completes: int) -> float | None:
    """Return the median completion time: the middle one or two durations, read with
    ``OFFSET`` from the durations in order (portable: SQLite has no percentile function)."""
    duration = ExpressionWrapper(F("completed_at") - F("started_at"),
                                 output_field=DurationField())
    middle = max(completes - 1, 0) // 2
    rows = list(responses.filter(status=Response.Status.COMPLETED)
                .annotate(duration=duration).order_by("duration")
                .values_list("duration", flat=True)[middle:middle + 2 - completes % 2])
    if not rows:
        return None
    return sum(row.total_seconds() for row in rows) / len(rows)


def _drop_off(flow: Flow, responses: QuerySet[Response],
              now: dt.datetime) -> tuple[PageDropOff, ...]:
    recent = Q(updated_at__gte=now - ABANDONED_AFTER)
    rows = (responses.filter(status=Response.Status.STARTED).values_list("current_page")
            .annotate(active=Count("pk", filter=recent), abandoned=Count("pk", filter=~recent)))
    counts = {page: (active, abandoned) for page, active, abandoned in rows}
    result = [PageDropOff(page.key, _title(flow, page), *counts.pop(page.key, (0, 0)))
              for page in flow.pages]
    result += [PageDropOff(key, key, *counts[key]) for key in sorted(counts)]
    return tuple(result)


def _title(flow: Flow, page: Page) -> str:
    """Return the page's heading: its group's label, else its first question's (answers
    piped in as ``<…>``)."""
    language = flow.form.default_language
    if page.group is not None and page.group.label:
        return references_masked(text_in(page.group.label, language))
    if page.questions:
        return references_masked(text_in(page.questions[0].label, language))
    return page.key


def _sum(counts: Iterable[Counts]) -> Counts:
    total: dict[str, int] = defaultdict(int)
    for item in counts:
        for name in ("starts", "completes", "screened_out", "quota_full"):
            total[name] += getattr(item, name)
    return Counts(**total)
