"""The data quality review in the browser's pages: flags shown with their reasons, responses
kept or excluded (one by one or all of a rule, with who and when), and the excluded ones left
out of tables, exports and reports, unless asked for."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from peiling.cli import main
from peiling.fieldwork import services as fieldwork_services
from peiling.fieldwork.models import Response, ResponseReview
from peiling.reports.datasets import fieldwork_dataset

pytestmark = pytest.mark.django_db

PROGRAMMES = ("prog_unclear", "prog_too_many", "prog_inefficient", "prog_useful",
              "prog_without", "prog_rutte3", "prog_digicom", "prog_minister")


@pytest.fixture
def fieldwork(example_fieldwork):
    """60 completed responses of about ten minutes; one of one minute (a speeder) and one
    who agreed fully with every statement about the programmes (a straight-liner)."""
    fieldwork_services.responses_simulate(fieldwork=example_fieldwork, n=60, seed=11,
                                          source="panel")
    responses = list(Response.objects.filter(fieldwork=example_fieldwork).order_by("pk"))
    for i, response in enumerate(responses):
        response.started_at = response.completed_at - dt.timedelta(minutes=9 + i % 3)
    responses[5].started_at = responses[5].completed_at - dt.timedelta(minutes=1)
    grid = next(r for r in responses[10:] if all(q in r.answers for q in PROGRAMMES))
    grid.answers = {**grid.answers, **dict.fromkeys(PROGRAMMES, "helemaal_eens")}
    Response.objects.bulk_update(responses, ["started_at"])
    grid.save(update_fields=["answers"])
    example_fieldwork.speeder, example_fieldwork.straightliner = responses[5], grid
    return example_fieldwork


def _url(fieldwork, part: str = "") -> str:
    return f"/veldwerk/{fieldwork.slug}/kwaliteit/{part}"


def test_the_review_shows_each_flag_with_its_reason(analist, fieldwork) -> None:
    page = analist.get(_url(fieldwork))
    assert page.status_code == 200
    summary = {item["rule"]: item["flagged"] for item in page.context["summary"]["rules"]}
    assert summary["speeder"] == 1 and summary["straightlining"] >= 1
    rows = {row.response_id: row for row, _review in page.context["items"]}
    speeder = rows[fieldwork.speeder.pk]
    assert speeder.rules == ("speeder",)
    assert speeder.why[0].startswith("1:00 min tegen 10:00 min mediaan")
    assert "straightlining" in rows[fieldwork.straightliner.pk].rules
    only = analist.get(_url(fieldwork), {"regel": "speeder"})
    assert [row.response_id for row, _ in only.context["items"]] == [fieldwork.speeder.pk]


def test_an_excluded_response_leaves_tables_and_exports_and_comes_back_when_kept(
        analist, fieldwork, tmp_path, login_as) -> None:
    before = fieldwork_dataset(fieldwork=fieldwork).n
    done = analist.post(_url(fieldwork, "beslissen/"),
                        {"respons": fieldwork.speeder.pk, "besluit": "exclude"})
    assert done.status_code == 302
    review = ResponseReview.objects.get()
    assert (review.response_id, review.decision, review.rules) == (
        fieldwork.speeder.pk, "exclude", ["speeder"])
    assert review.decided_by.email and review.decided_at
    assert fieldwork_dataset(fieldwork=fieldwork).n == before - 1  # the tables follow
    path = tmp_path / "data.csv"
    assert main(["export", fieldwork.slug, "-o", str(path)]) == 0
    assert sum(1 for _ in csv.DictReader(io.StringIO(path.read_text("utf-8-sig")))) == before - 1
    assert main(["export", fieldwork.slug, "--include-excluded", "-o", str(path)]) == 0
    rows = list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig"))))
    assert len(rows) == before and sorted(r["_excluded"] for r in rows).count("1") == 1
    # kept after all: back in
    analist.post(_url(fieldwork, "beslissen/"), {"respons": fieldwork.speeder.pk,
                                                "besluit": "keep"})
    assert ResponseReview.objects.get().decision == "keep"
    assert fieldwork_dataset(fieldwork=fieldwork).n == before


def test_all_responses_of_a_rule_are_excluded_at_once(analist, fieldwork) -> None:
    analist.post(_url(fieldwork, "beslissen/"), {"regel": "straightlining",
                                                "besluit": "exclude"})
    excluded = set(ResponseReview.objects.filter(decision="exclude")
                   .values_list("response_id", flat=True))
    assert fieldwork.straightliner.pk in excluded and fieldwork.speeder.pk not in excluded
    summary = analist.get(_url(fieldwork)).context["summary"]
    assert summary["excluded"] == len(excluded)
    assert summary["analysed"] == summary["completed"] - len(excluded)


def test_the_rules_are_set_per_fieldwork(analist, fieldwork) -> None:
    saved = analist.post(_url(fieldwork, "regels/"), {
        "speeder_percent": "5", "straightlining": "on", "straightline_min": "5",
        "nonresponse": "on", "nonresponse_percent": "50", "duplicate": "on", "nonsense": "on"})
    assert saved.status_code == 302
    fieldwork.refresh_from_db()
    assert fieldwork.quality_rules == {"speeder": False, "speeder_fraction": 0.05}
    summary = analist.get(_url(fieldwork)).context["summary"]
    assert {i["rule"]: i["enabled"] for i in summary["rules"]}["speeder"] is False


@pytest.mark.parametrize(("part", "data"), [
    ("beslissen/", {"respons": "1", "besluit": "weg"}),
    ("beslissen/", {"regel": "onbekend", "besluit": "exclude"}),
    ("beslissen/", {"respons": "x", "besluit": "exclude"}),
    ("regels/", {"speeder_percent": "0", "straightline_min": "5",
                 "nonresponse_percent": "50"}),
    ("regels/", {"speeder_percent": "33", "straightline_min": "",
                 "nonresponse_percent": "50"}),
])
def test_bad_decisions_and_rules_are_refused_and_change_nothing(analist, fieldwork, part,
                                                                 data) -> None:
    response = analist.post(_url(fieldwork, part), data)
    assert response.status_code == 400
    assert not ResponseReview.objects.exists()
    fieldwork.refresh_from_db()
    assert fieldwork.quality_rules == {}


def test_a_response_of_another_fieldwork_cannot_be_decided_here(analist, fieldwork,
                                                                make_fieldwork) -> None:
    other = make_fieldwork(fieldwork.form_version)
    fieldwork_services.responses_simulate(fieldwork=other, n=1, seed=1, source="panel")
    stranger = Response.objects.get(fieldwork=other)
    analist.post(_url(fieldwork, "beslissen/"), {"respons": stranger.pk, "besluit": "exclude"})
    assert not ResponseReview.objects.exists()


def test_the_report_s_methods_give_the_counts_per_reason_and_the_final_n(analist,
                                                                        fieldwork) -> None:
    from peiling.reports import selectors

    def methods(report) -> str:
        chapter = next(c for c in report.chapters if c.role == "methods")
        section = next(s for s in chapter.sections if s.title == "Datakwaliteit")
        return section.blocks[0].text

    report = selectors.report_for_fieldwork(reference=fieldwork.slug)
    assert methods(report).endswith("Er is geen respons uitgesloten.")
    assert "Alle 60 afgeronde responsen zijn gecontroleerd" in methods(report)
    analist.post(_url(fieldwork, "beslissen/"), {"regel": "speeder", "besluit": "exclude"})
    analist.post(_url(fieldwork, "beslissen/"), {"regel": "straightlining",
                                                "besluit": "exclude"})
    lines = ResponseReview.objects.filter(decision="exclude").count()
    report = selectors.report_for_fieldwork(reference=fieldwork.slug)
    text = methods(report)
    assert f"zijn {lines} responsen uitgesloten (1 te snel ingevuld" in text
    assert "steeds hetzelfde antwoord bij een blok stellingen)" in text
    assert f"De analyse gaat over {60 - lines} respondenten." in text
    assert report.facts.n == 60 - lines
    assert sum(s.count for s in report.facts.sources) == 60 - lines


def test_an_unknown_filter_is_said_on_the_page(analist, fieldwork) -> None:
    page = analist.get(_url(fieldwork), {"regel": "onbekend"})
    assert page.status_code == 400 and "Unknown rule or status." in page.content.decode()


def test_a_completion_has_a_worker_make_the_flags_soon_once_per_interval(
        fieldwork, settings, django_capture_on_commit_callbacks) -> None:
    from django.core.cache import cache
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from peiling.fieldwork.reviews import quality_flags
    from peiling.fieldwork.tasks import REFRESH_AFTER, quality_refresh_soon, refresh_quality_flags

    settings.PEILING_TASKS = "database"
    cache.delete(f"quality-refresh:{fieldwork.pk}")
    assert quality_flags(fieldwork=fieldwork, read=False) is None  # nothing at hand yet
    with django_capture_on_commit_callbacks(execute=True):
        quality_refresh_soon(fieldwork_id=fieldwork.pk)
        quality_refresh_soon(fieldwork_id=fieldwork.pk)  # the second one within the interval
    queued = DBTaskResult.objects.filter(task_path=refresh_quality_flags.module_path)
    assert queued.count() == 1
    assert queued.get().run_after >= timezone.now() + REFRESH_AFTER - dt.timedelta(seconds=5)
    assert refresh_quality_flags.call(fieldwork.pk) >= 2  # the speeder, the straight-liner
    assert quality_flags(fieldwork=fieldwork, read=False) is not None  # now at hand
    settings.PEILING_TASKS = "immediate"  # never in a respondent's request
    cache.delete(f"quality-refresh:{fieldwork.pk}")
    quality_refresh_soon(fieldwork_id=fieldwork.pk)
    assert queued.count() == 1


def test_flags_at_hand_are_extended_with_the_responses_completed_since(fieldwork) -> None:
    """A completion adds its response to the flags at hand (the earlier ones are not
    flagged again); a response completed out of turn has them computed over all."""
    from django.core.cache import caches

    from peiling.fieldwork.reviews import FORMAT, quality_flags

    first = quality_flags(fieldwork=fieldwork)
    assert first.completed == 60
    liner = first.response_ids.index(fieldwork.straightliner.pk)
    first.flags.why["straightlining"][liner] = "at hand"  # what the extension must keep
    caches["datasets"].set(f"quality:{FORMAT}:{fieldwork.pk}", first)
    _complete_now(fieldwork, n=3, seed=12)
    late = Response.objects.filter(fieldwork=fieldwork).order_by("-pk")[0]
    late.answers = {**late.answers, "desirability_why": "qwertyuiop"}
    late.save(update_fields=["answers"])
    grown = quality_flags(fieldwork=fieldwork)
    assert grown.completed == 63 and grown.response_ids[:60] == first.response_ids
    assert grown.flags.why["straightlining"][liner] == "at hand"
    assert late.pk in grown.flagged_ids("nonsense")
    assert quality_flags(fieldwork=fieldwork, read=False).completed == 63
    early = Response.objects.filter(fieldwork=fieldwork).order_by("pk")[0]
    Response.objects.filter(pk=early.pk).update(status=Response.Status.STARTED,
                                                completed_at=None)
    _complete_now(fieldwork, n=1, seed=13)
    again = quality_flags(fieldwork=fieldwork)  # 62 + 1 != 63: computed over all
    assert again.completed == 63 and early.pk not in again.response_ids
    liner = again.response_ids.index(fieldwork.straightliner.pk)
    assert again.flags.why["straightlining"][liner] != "at hand"


def _complete_now(fieldwork, *, n: int, seed: int) -> None:
    """``n`` more responses of ten minutes, completed now (one after the other)."""
    from django.utils import timezone

    before = set(Response.objects.filter(fieldwork=fieldwork).values_list("pk", flat=True))
    fieldwork_services.responses_simulate(fieldwork=fieldwork, n=n, seed=seed, source="panel")
    new = Response.objects.filter(fieldwork=fieldwork).exclude(pk__in=before).order_by("pk")
    for i, response in enumerate(new):
        response.completed_at = timezone.now() + dt.timedelta(seconds=i)
        response.started_at = response.completed_at - dt.timedelta(minutes=10)
        response.save(update_fields=["completed_at", "started_at"])


def test_the_demo_has_respondents_for_the_quality_review(example_fieldwork) -> None:
    from peiling.commands.demo import _demo_quality_cases
    from peiling.fieldwork.reviews import quality_flags

    fieldwork_services.responses_simulate(fieldwork=example_fieldwork, n=40, seed=3,
                                          source="panel")
    fieldwork_services.responses_simulate(fieldwork=example_fieldwork, n=40, seed=4,
                                          source="nieuwsbrief")
    closed = {r.pk: {k: v for k, v in r.answers.items() if k != "desirability_why"}
              for r in Response.objects.filter(fieldwork=example_fieldwork)}
    _demo_quality_cases(example_fieldwork)
    counts = quality_flags(fieldwork=example_fieldwork).flags.counts()
    assert (counts["speeder"], counts["duplicate"], counts["nonsense"]) == (4, 1, 1)
    assert closed == {r.pk: {k: v for k, v in r.answers.items() if k != "desirability_why"}
                      for r in Response.objects.filter(fieldwork=example_fieldwork)}
