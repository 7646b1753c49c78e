"""Quotas: validation, counting completes, screening respondents out, no overshoot.

Every count below follows from the respondents each test walks through by hand.
"""

from __future__ import annotations

import os
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from peiling.fieldwork import quotas, screening, selectors, services
from peiling.fieldwork.models import Fieldwork, Invitation, Quota, QuotaHit, Response

pytestmark = pytest.mark.django_db

FORM = """
## survey
| type            | name     | label          | required | calculation |
| select_one org  | org_type | Organisatie?   | yes      |             |
| calculate       | is_gem   |                |          | if(${org_type} = 'gemeente', 1, 0) |
| select_one yn   | likes    | Tevreden?      | yes      |             |
| text            | why      | Waarom?        |          |             |
## choices
| list_name | name      | label     |
| org       | gemeente  | Gemeente  |
| org       | provincie | Provincie |
| yn        | ja        | Ja        |
| yn        | nee       | Nee       |
## settings
| form_title | form_id    |
| Quota      | quota_test |
"""
GEMEENTE = "${org_type} = 'gemeente'"


@pytest.fixture
def fieldwork(make_version, make_fieldwork):
    return make_fieldwork(make_version(FORM))


def start(fieldwork, *, invitation=None, source="nieuwsbrief") -> Response:
    return services.response_start(fieldwork=fieldwork, language="nl", source=source,
                                   invitation=invitation)


def submit(response, page, data, action="next"):
    fieldwork = Fieldwork.objects.select_related("form_version").get(pk=response.fieldwork_id)
    current = Response.objects.get(pk=response.pk)
    return services.response_submit(fieldwork=fieldwork, response=current, page_key=page,
                                    data=data, action=action, language="nl").response


def answer_org(response, org: str) -> Response:
    return submit(response, "org_type", {"org_type": [org]})


def finish(response) -> Response:
    submit(response, "likes", {"likes": ["ja"]})
    return submit(response, "why", {})


def complete(fieldwork, org: str, **kwargs) -> Response:
    return finish(answer_org(start(fieldwork, **kwargs), org))


def statuses(fieldwork) -> dict[str, int]:
    rows = Response.objects.filter(fieldwork=fieldwork).values_list("status", flat=True)
    counts: dict[str, int] = {}
    for status in rows:
        counts[status] = counts.get(status, 0) + 1
    return counts


# -- creating and changing ------------------------------------------------------------------


def test_a_quota_is_created_with_its_condition_checked(fieldwork):
    quota = services.quota_create(fieldwork=fieldwork, name="Gemeenten", condition=GEMEENTE,
                                  target=500)
    assert (quota.name, quota.target, quota.text, quota.is_active) == (
        "Gemeenten", 500, {}, True)
    assert Fieldwork.objects.get(pk=fieldwork.pk).has_quotas is True
    assert [q.pk for q in fieldwork.quotas.all()] == [quota.pk]


def test_every_problem_of_a_quota_is_reported_at_once(fieldwork):
    with pytest.raises(ValidationError) as raised:
        services.quota_create(fieldwork=fieldwork, name="", target=0, text={"nl": ""},
                              condition="${orgtype} = 'gemeente' and ${regio} = 'noord'")
    errors = raised.value.error_dict
    assert sorted(errors) == ["condition", "name", "target", "text"]
    assert [e.code for e in errors["condition"]] == ["unknown_variable", "unknown_variable"]
    assert errors["condition"][0].message == (
        "${orgtype} is neither a question of the questionnaire nor a profile variable of the "
        "panel; correct the name (known: is_gem, likes, org_type, why).")
    assert errors["condition"][1].message.startswith("${regio} is neither")
    assert [e.code for e in errors["target"]] == ["min_value"]
    assert errors["text"][0].message == (
        "the quota-full text must map language codes to texts, e.g. {\"nl\": \"...\"}; "
        "got {'nl': ''}")
    assert Quota.objects.count() == 0
    assert Fieldwork.objects.get(pk=fieldwork.pk).has_quotas is False


def test_a_condition_with_a_syntax_error_or_the_current_answer_is_refused(fieldwork):
    with pytest.raises(ValidationError) as raised:
        services.quota_create(fieldwork=fieldwork, name="Kapot", condition="${org_type} = ",
                              target=5)
    assert [e.code for e in raised.value.error_dict["condition"]] == ["syntax"]
    with pytest.raises(ValidationError) as raised:
        services.quota_create(fieldwork=fieldwork, name="Punt", condition=". = 'x'", target=5)
    assert [e.code for e in raised.value.error_dict["condition"]] == ["current"]


def test_profile_variables_named_by_the_caller_are_known(fieldwork):
    with pytest.raises(ValidationError):
        services.quota_create(fieldwork=fieldwork, name="Noord", target=5,
                              condition="${region} = 'noord'")
    quota = services.quota_create(fieldwork=fieldwork, name="Noord", target=5,
                                  condition="${region} = 'noord'",
                                  profile_variables=["region"])
    assert quota.condition == "${region} = 'noord'"


def test_a_counted_quota_keeps_its_condition_and_cannot_be_deleted(fieldwork):
    quota = services.quota_create(fieldwork=fieldwork, name="Gemeenten", condition=GEMEENTE,
                                  target=5)
    services.quota_update(quota=quota, target=7, text={"nl": "Vol."}, name="Gem.")
    quota.refresh_from_db()
    assert (quota.name, quota.target, quota.text) == ("Gem.", 7, {"nl": "Vol."})
    complete(fieldwork, "gemeente")
    with pytest.raises(ValidationError) as raised:
        services.quota_update(quota=quota, condition="${org_type} = 'provincie'")
    assert raised.value.error_dict["condition"][0].code == "counted"
    with pytest.raises(ValidationError) as raised:
        services.quota_delete(quota=quota)
    assert raised.value.message == (
        "quota 'Gem.' has 1 finished responses in its cell (completed or turned away); switch "
        "it off (is_active=False) instead of deleting it, so that they stay explained.")
    services.quota_update(quota=quota, is_active=False)
    assert Quota.objects.get(pk=quota.pk).is_active is False


def test_deleting_the_last_uncounted_quota_clears_the_flag(fieldwork):
    quota = services.quota_create(fieldwork=fieldwork, name="Gemeenten", condition=GEMEENTE,
                                  target=5)
    services.quota_delete(quota=quota)
    assert Fieldwork.objects.get(pk=fieldwork.pk).has_quotas is False


# -- counting -------------------------------------------------------------------------------


def test_completes_are_counted_per_quota_in_one_query(fieldwork, django_assert_num_queries):
    gemeente = services.quota_create(fieldwork=fieldwork, name="Gemeenten",
                                     condition=GEMEENTE, target=3)
    tevreden = services.quota_create(fieldwork=fieldwork, name="Tevreden provincies",
                                     condition="${is_gem} = 0 and ${likes} = 'ja'", target=4)
    services.quota_create(fieldwork=fieldwork, name="Leeg", condition="${why} = 'x'",
                          target=10)
    complete(fieldwork, "gemeente")
    complete(fieldwork, "gemeente")
    complete(fieldwork, "provincie")
    answer_org(start(fieldwork), "gemeente")  # in flight: not counted
    with django_assert_num_queries(1):
        counts = selectors.quota_counts(fieldwork=fieldwork)
    assert [(c.name, c.target, c.completes, c.full) for c in counts] == [
        ("Gemeenten", 3, 2, False), ("Tevreden provincies", 4, 1, False), ("Leeg", 10, 0, False)]
    assert counts[0].percentage == pytest.approx(200 / 3)
    assert selectors.quota_completes(quota_ids=[gemeente.pk, tevreden.pk]) == {
        gemeente.pk: 2, tevreden.pk: 1}


# -- screening ------------------------------------------------------------------------------


def test_a_respondent_entering_a_full_cell_is_turned_away(fieldwork):
    quota = services.quota_create(fieldwork=fieldwork, name="Gemeenten", condition=GEMEENTE,
                                  target=2)
    complete(fieldwork, "gemeente")
    complete(fieldwork, "gemeente")
    late = answer_org(start(fieldwork), "gemeente")
    assert (late.status, late.completed_at is not None) == ("quota_full", True)
    assert list(QuotaHit.objects.filter(response=late).values_list("quota", flat=True)) == [
        quota.pk]
    other = complete(fieldwork, "provincie")
    assert other.status == "completed"
    assert statuses(fieldwork) == {"completed": 3, "quota_full": 1}
    assert [c.completes for c in selectors.quota_counts(fieldwork=fieldwork)] == [2]


def test_respondents_in_flight_on_an_open_link_may_overshoot_by_their_number(fieldwork):
    services.quota_create(fieldwork=fieldwork, name="Gemeenten", condition=GEMEENTE, target=1)
    first = answer_org(start(fieldwork), "gemeente")
    second = answer_org(start(fieldwork), "gemeente")  # both entered an empty cell
    assert (finish(first).status, finish(second).status) == ("completed", "completed")
    assert selectors.quota_counts(fieldwork=fieldwork)[0].completes == 2  # 1 + 1 in flight
    assert answer_org(start(fieldwork), "gemeente").status == "quota_full"


def test_a_personal_link_never_overshoots_its_quota(fieldwork):
    """Sequential twin of the PostgreSQL test below: the second completion re-counts."""
    services.quota_create(fieldwork=fieldwork, name="Gemeenten", condition=GEMEENTE, target=1)
    links = [services.invitation_create(fieldwork=fieldwork).invitation for _ in range(2)]
    first, second = (answer_org(start(fieldwork, invitation=link), "gemeente")
                     for link in links)
    assert (first.status, second.status) == ("started", "started")
    assert finish(first).status == "completed"
    assert finish(second).status == "quota_full"
    assert selectors.quota_counts(fieldwork=fieldwork)[0].completes == 1
    finished = Invitation.objects.get(pk=links[1].pk).finished_at
    assert finished == Response.objects.get(pk=second.pk).completed_at


def test_a_cell_decided_only_at_completion_is_checked_then(fieldwork):
    """``why`` is optional: a quota on it is decided when the response completes."""
    services.quota_create(fieldwork=fieldwork, name="Geen reden", condition="${why} = ''",
                          target=1)
    assert complete(fieldwork, "provincie").status == "completed"
    late = answer_org(start(fieldwork), "provincie")
    assert submit(late, "likes", {"likes": ["nee"]}).status == "started"
    assert submit(late, "why", {}).status == "quota_full"


def test_an_answer_changed_into_a_full_cell_is_turned_away(fieldwork):
    services.quota_create(fieldwork=fieldwork, name="Gemeenten", condition=GEMEENTE, target=1)
    complete(fieldwork, "gemeente")
    response = answer_org(start(fieldwork), "provincie")
    assert response.status == "started"
    submit(response, "likes", {"likes": ["ja"]}, action="back")
    assert answer_org(response, "gemeente").status == "quota_full"


def test_a_calculation_is_decided_when_the_questions_it_reads_are(fieldwork):
    services.quota_create(fieldwork=fieldwork, name="Geen gemeente",
                          condition="${is_gem} = 0", target=1)
    complete(fieldwork, "provincie")
    assert answer_org(start(fieldwork), "provincie").status == "quota_full"
    assert answer_org(start(fieldwork), "gemeente").status == "started"


def test_an_inactive_quota_counts_but_turns_nobody_away(fieldwork):
    quota = services.quota_create(fieldwork=fieldwork, name="Gemeenten", condition=GEMEENTE,
                                  target=1, is_active=False)
    complete(fieldwork, "gemeente")
    assert complete(fieldwork, "gemeente").status == "completed"
    assert selectors.quota_counts(fieldwork=fieldwork)[0].completes == 2
    services.quota_update(quota=quota, is_active=True)
    assert answer_org(start(fieldwork), "gemeente").status == "quota_full"


def test_the_form_screening_out_comes_before_a_quota(make_version, make_fieldwork):
    form = FORM.replace(
        "| select_one yn   | likes    | Tevreden?      | yes      |             |",
        "| calculate       | screened_out |            |          | "
        "if(${org_type} = 'provincie', 1, 0) |\n"
        "| select_one yn   | likes    | Tevreden?      | yes      |             |")
    fieldwork = make_fieldwork(make_version(form))
    services.quota_create(fieldwork=fieldwork, name="Provincies", target=1,
                          condition="${org_type} = 'provincie'")
    assert answer_org(start(fieldwork), "provincie").status == "screened_out"
    assert answer_org(start(fieldwork), "provincie").status == "screened_out"
    assert QuotaHit.objects.count() == 0


def test_a_profile_snapshot_in_a_full_cell_ends_the_response_at_the_start(fieldwork):
    quota = services.quota_create(fieldwork=fieldwork, name="Noord", target=1,
                                  condition="${region} = 'noord'", profile_variables=["region"],
                                  text={"nl": "Voor uw regio hebben we genoeg antwoorden."})
    noord = [services.invitation_create(fieldwork=fieldwork, profile={"region": "noord"})
             for _ in range(2)]
    zuid = services.invitation_create(fieldwork=fieldwork, profile={"region": "zuid"})
    first = start(fieldwork, invitation=noord[0].invitation)
    assert first.status == "started"  # the cell was not full
    assert finish(answer_org(first, "gemeente")).status == "completed"
    second = start(fieldwork, invitation=noord[1].invitation)
    assert (second.status, second.completed_at == second.started_at) == ("quota_full", True)
    link = Invitation.objects.get(pk=noord[1].invitation.pk)
    assert (link.response_id, link.finished_at) == (second.pk, second.started_at)
    assert list(second.quota_hits.values_list("quota", flat=True)) == [quota.pk]
    assert start(fieldwork, invitation=zuid.invitation).status == "started"


def test_an_open_link_respondent_has_no_profile_so_a_profile_quota_waits(fieldwork):
    services.quota_create(fieldwork=fieldwork, name="Noord", target=1,
                          condition="${region} = 'noord'", profile_variables=["region"])
    response = answer_org(start(fieldwork), "gemeente")
    assert finish(response).status == "completed"  # '' = 'noord' is false at completion
    assert selectors.quota_counts(fieldwork=fieldwork)[0].completes == 0


# -- the respondent's page ------------------------------------------------------------------


def test_the_respondent_sees_the_quota_text_in_dutch_by_default(client, fieldwork):
    services.quota_create(fieldwork=fieldwork, name="Gemeenten", condition=GEMEENTE, target=1)
    complete(fieldwork, "gemeente")
    link = services.open_link_create(fieldwork=fieldwork, source="nieuwsbrief")
    url = f"/s/o/{link.key}/"
    assert client.post(url, {"action": "start"}).status_code == 303
    client.post(url, {"action": "next", "page": "org_type"})  # required: shown again
    done = client.post(url, {"action": "next", "page": "org_type", "org_type": "gemeente"})
    assert (done.status_code, done["Location"]) == (303, url + "bedankt/")
    page = client.get(done["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert '<html lang="nl">' in html
    assert '<h1 class="utrecht-heading-1">Bedankt voor uw belangstelling</h1>' in html
    assert quotas.DEFAULT_TEXT["nl"] in html
    assert client.get(url).status_code == 403  # finished: nothing more to answer


def test_a_personal_link_turned_away_at_the_start_goes_to_the_quota_text(client, fieldwork):
    services.quota_create(fieldwork=fieldwork, name="Noord", target=1,
                          condition="${region} = 'noord'", profile_variables=["region"],
                          text={"nl": "Genoeg uit het noorden.", "en": "Enough from the north."})
    complete(fieldwork, "gemeente",
             invitation=services.invitation_create(fieldwork=fieldwork,
                                                   profile={"region": "noord"}).invitation)
    issued = services.invitation_create(fieldwork=fieldwork, profile={"region": "noord"})
    url = f"/s/{issued.token}/"
    started = client.post(url, {"action": "start"})
    assert (started.status_code, started["Location"]) == (303, url + "bedankt/")
    html = client.get(started["Location"]).content.decode()
    assert "Bedankt voor uw belangstelling" in html and "Genoeg uit het noorden." in html
    assert client.get(url).status_code == 403  # the link is used


# -- the pure rules -------------------------------------------------------------------------


def test_a_condition_is_decided_by_the_questions_behind_its_calculations(fieldwork):
    flow = selectors.flow_for(form_version=fieldwork.form_version)
    assert quotas.condition_inputs(flow, "${is_gem} = 1 and ${region} = 'x'") == {
        "org_type", "region"}
    assert quotas.decided({"org_type"}, {"org_type": None}, finished=False) is False
    assert quotas.decided({"org_type"}, {"org_type": None}, finished=True) is True
    values = quotas.quota_values(flow, {"org_type": "gemeente"},
                                 {"org_type": "provincie", "region": ["a", "b"]})
    assert values == {"org_type": "gemeente", "region": ("a", "b")}


# -- concurrency (PostgreSQL) ---------------------------------------------------------------


@pytest.mark.skipif(not os.environ.get("PEILING_TEST_POSTGRES"),
                    reason="threads need a server database (SQLite test databases live in one "
                           "connection's memory)")
@pytest.mark.django_db(transaction=True)
def test_personal_links_completing_at_once_never_overshoot(fieldwork):
    target, respondents, rounds = 3, 8, 3
    quota = services.quota_create(fieldwork=fieldwork, name="Gemeenten", condition=GEMEENTE,
                                  target=target)
    for round_number in range(1, rounds + 1):
        links = [services.invitation_create(fieldwork=fieldwork).invitation
                 for _ in range(respondents)]
        ready = []
        for link in links:  # everyone enters the cell while it has room, then waits
            response = answer_org(start(fieldwork, invitation=link), "gemeente")
            ready.append(submit(response, "likes", {"likes": ["ja"]}))
        barrier = threading.Barrier(respondents)
        problems: list[BaseException] = []

        def last_page(response):
            barrier.wait()
            try:
                submit(response, "why", {})
            except BaseException as error:  # reported below
                problems.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=last_page, args=(r,)) for r in ready]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert problems == []
        assert selectors.quota_counts(fieldwork=fieldwork)[0].completes == target * round_number
        assert statuses(fieldwork) == {"completed": target * round_number,
                                       "quota_full": (respondents - target) * round_number}
        services.quota_update(quota=quota, target=target * (round_number + 1))
    assert QuotaHit.objects.filter(quota=quota).count() == respondents * rounds


def test_the_lock_is_taken_only_for_a_personal_link(fieldwork, django_assert_num_queries):
    quota = services.quota_create(fieldwork=fieldwork, name="Gemeenten", condition=GEMEENTE,
                                  target=5)
    response = answer_org(start(fieldwork), "gemeente")
    with django_assert_num_queries(1):  # is it a personal link? no: no lock, no count
        assert screening.full_under_lock(response=response, quota_ids=[quota.pk]) == ()


def test_a_page_submit_with_quotas_costs_one_query_more(fieldwork):
    """Fieldwork without quotas pays nothing (``has_quotas``; see test_selectors); with
    quotas a submit reads the rules once, and counts only when the respondent enters a cell."""
    from django.test.utils import CaptureQueriesContext

    services.quota_create(fieldwork=fieldwork, name="Gemeenten", condition=GEMEENTE, target=5)
    response = start(fieldwork)
    fresh = Fieldwork.objects.select_related("form_version").get(pk=fieldwork.pk)
    for page, data, expected in (("org_type", {"org_type": ["gemeente"]}, 2),  # rules, count
                                 ("likes", {"likes": ["ja"]}, 1)):  # rules: already in cell
        current = Response.objects.get(pk=response.pk)
        with CaptureQueriesContext(connection) as queries:
            services.response_submit(fieldwork=fresh, response=current, page_key=page,
                                     data=data, action="next", language="nl")
        selects = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
        assert len(selects) == expected, selects
