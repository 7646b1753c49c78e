"""The live monitor: per day, per source, per quota, completion time, drop-off per page.

The expected numbers are counted by hand from the ten responses of ``dataset`` (see the table
in its docstring); Amsterdam is UTC+1 until 2024-03-31 01:00 UTC, UTC+2 after.
"""

from __future__ import annotations

import datetime as dt

import pytest

from peiling.fieldwork import services
from peiling.fieldwork.models import Fieldwork, QuotaHit, Response
from peiling.fieldwork.monitor import Counts, DayCounts, PageDropOff, SourceCounts
from peiling.fieldwork.monitor import fieldwork_monitor as monitor_of
from peiling.fieldwork.selectors import flow_for
from tests.fieldwork.test_quotas import FORM, GEMEENTE

pytestmark = pytest.mark.django_db

UTC = dt.UTC
NOW = dt.datetime(2024, 4, 1, 12, 0, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    month, day = (3, day) if day > 4 else (4, day)
    return dt.datetime(2024, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def fieldwork(make_version):
    return services.fieldwork_create(
        form_version=make_version(FORM), slug="monitor", name="Monitor",
        opens_at=dt.datetime(2024, 3, 29, 22, 30, tzinfo=UTC),  # 23:30 on the 29th there
        closes_at=dt.datetime(2024, 4, 5, 17, 0, tzinfo=UTC))


def add(fieldwork, key: str, source: str, status: str, started: dt.datetime,
        finished: dt.datetime | None = None, page: str = "",
        saved: dt.datetime | None = None) -> Response:
    return Response.objects.create(
        fieldwork=fieldwork, form_version=fieldwork.form_version, respondent_key=key,
        source=source, status=status, language="nl", current_page=page, started_at=started,
        updated_at=saved or finished or started, completed_at=finished)


@pytest.fixture
def dataset(fieldwork):
    """
    ===  ===========  ============  =================  =================  =========  ========
    key  source       status        started (UTC)      finished (UTC)     page       saved
    ===  ===========  ============  =================  =================  =========  ========
    r1   nieuwsbrief  completed     30 Mar 10:00       30 Mar 10:10 (600 s)
    r10  nieuwsbrief  completed     30 Mar 12:00       30 Mar 12:15 (900 s)
    r2   nieuwsbrief  completed     30 Mar 23:30 *     30 Mar 23:50 * (1200 s)
    r3   panel        completed     31 Mar 08:00       31 Mar 08:05 (300 s)
    r4   panel        screened_out  31 Mar 09:00       31 Mar 09:02
    r8   linkedin     started       31 Mar 09:59                          org_type   31 Mar 10:00
    r5   panel        quota_full    1 Apr 07:00        1 Apr 07:00
    r7   linkedin     started       1 Apr 09:50                           likes      1 Apr 10:00
    r6   nieuwsbrief  started       1 Apr 11:20                           likes      1 Apr 11:30
    r9   nieuwsbrief  started       1 Apr 11:50                           oud_blad   1 Apr 11:59
    ===  ===========  ============  =================  =================  =========  ========

    * 31 March in Amsterdam. Quota "Gemeenten" (target 4) holds r1 and r3 (completes) and r5.
    """
    r = {
        "r1": add(fieldwork, "r1", "nieuwsbrief", "completed", at(30, 10), at(30, 10, 10)),
        "r10": add(fieldwork, "r10", "nieuwsbrief", "completed", at(30, 12), at(30, 12, 15)),
        "r2": add(fieldwork, "r2", "nieuwsbrief", "completed", at(30, 23, 30), at(30, 23, 50)),
        "r3": add(fieldwork, "r3", "panel", "completed", at(31, 8), at(31, 8, 5)),
        "r4": add(fieldwork, "r4", "panel", "screened_out", at(31, 9), at(31, 9, 2)),
        "r8": add(fieldwork, "r8", "linkedin", "started", at(31, 9, 59), page="org_type",
                  saved=at(31, 10)),
        "r5": add(fieldwork, "r5", "panel", "quota_full", at(1, 7), at(1, 7)),
        "r7": add(fieldwork, "r7", "linkedin", "started", at(1, 9, 50), page="likes",
                  saved=at(1, 10)),
        "r6": add(fieldwork, "r6", "nieuwsbrief", "started", at(1, 11, 20), page="likes",
                  saved=at(1, 11, 30)),
        "r9": add(fieldwork, "r9", "nieuwsbrief", "started", at(1, 11, 50), page="oud_blad",
                  saved=at(1, 11, 59)),
    }
    quota = services.quota_create(fieldwork=fieldwork, name="Gemeenten", condition=GEMEENTE,
                                  target=4)
    QuotaHit.objects.bulk_create([QuotaHit(quota=quota, response=r[key], counted=key != "r5")
                                  for key in ("r1", "r3", "r5")])
    return fieldwork


def test_the_monitor_counts_each_day_in_amsterdam_time(dataset):
    monitor = monitor_of(fieldwork=dataset, now=NOW)
    assert monitor.totals == Counts(starts=10, completes=4, screened_out=1, quota_full=1)
    assert monitor.days == (
        DayCounts(dt.date(2024, 3, 29), Counts()),  # opening day, nobody yet
        DayCounts(dt.date(2024, 3, 30), Counts(starts=2, completes=2)),
        DayCounts(dt.date(2024, 3, 31), Counts(starts=4, completes=2, screened_out=1)),
        DayCounts(dt.date(2024, 4, 1), Counts(starts=4, quota_full=1)),
    )


def test_the_monitor_counts_per_source(dataset):
    assert monitor_of(fieldwork=dataset, now=NOW).sources == (
        SourceCounts("linkedin", Counts(starts=2)),
        SourceCounts("nieuwsbrief", Counts(starts=5, completes=3)),
        SourceCounts("panel", Counts(starts=3, completes=1, screened_out=1, quota_full=1)),
    )


def test_the_monitor_shows_quotas_and_the_median_completion_time(dataset):
    monitor = monitor_of(fieldwork=dataset, now=NOW)
    [quota] = monitor.quotas
    assert (quota.name, quota.completes, quota.target, quota.percentage) == (
        "Gemeenten", 2, 4, 50.0)
    assert monitor.median_completion_seconds == 750.0  # (600 + 900) / 2 of 300, 600, 900, 1200
    assert monitor.rates is None  # the panel's selector adds them


def test_the_median_of_an_odd_number_is_the_middle_one_and_none_without_completes(fieldwork):
    assert monitor_of(fieldwork=fieldwork, now=NOW).median_completion_seconds is None
    for key, minutes in (("a", 7), ("b", 3), ("c", 40)):
        add(fieldwork, key, "x", "completed", at(31, 8), at(31, 8, minutes))
    add(fieldwork, "d", "x", "screened_out", at(31, 8), at(31, 8, 1))
    assert monitor_of(fieldwork=fieldwork, now=NOW).median_completion_seconds == 420.0


def test_the_monitor_shows_where_unfinished_respondents_are_in_page_order(dataset):
    assert monitor_of(fieldwork=dataset, now=NOW).drop_off == (
        PageDropOff("org_type", "Organisatie?", active=0, abandoned=1),
        PageDropOff("likes", "Tevreden?", active=1, abandoned=1),
        PageDropOff("why", "Waarom?", active=0, abandoned=0),
        PageDropOff("oud_blad", "oud_blad", active=1, abandoned=0),  # another version's page
    )


def test_days_stop_at_closing(dataset):
    after = monitor_of(fieldwork=dataset, now=dt.datetime(2024, 5, 1, tzinfo=UTC))
    assert [d.day for d in after.days][-1] == dt.date(2024, 4, 5)
    assert len(after.days) == 8  # 29 March up to 5 April


@pytest.mark.parametrize("n", [3, 30])
def test_the_monitor_costs_the_same_queries_for_3_or_30_responses(
        fieldwork, n, django_assert_num_queries):
    statuses = ["completed", "started", "screened_out", "quota_full", "started"]
    quota = services.quota_create(fieldwork=fieldwork, name="Gemeenten", condition=GEMEENTE,
                                  target=4)
    for i in range(n):
        status, day = statuses[i % len(statuses)], [30, 31, 1][i % 3]
        response = add(fieldwork, f"k{i}", ["a", "b", "panel"][i % 3], status, at(day, 9),
                       None if status == "started" else at(day, 9, 1 + i),
                       page=["org_type", "likes", "x"][i % 3], saved=at(1, 11))
        if status == "completed":
            QuotaHit.objects.create(quota=quota, response=response, counted=True)
    fieldwork = Fieldwork.objects.select_related("form_version").get(pk=fieldwork.pk)
    flow_for(form_version=fieldwork.form_version)  # built once per process
    with django_assert_num_queries(4):
        monitor = monitor_of(fieldwork=fieldwork, now=NOW)
    assert monitor.totals.starts == n
    assert monitor.quotas[0].completes == sum(s == "completed" for s in
                                              (statuses[i % 5] for i in range(n)))
