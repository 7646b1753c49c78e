"""Fieldwork services: periods, links, tokens, starting, saving pages, concurrency, simulation."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from peiling.fieldwork import services
from peiling.fieldwork.errors import (
    Closed,
    LinkUsed,
    NotOpenYet,
    PageUnavailable,
    ResponseFinished,
    TamperedInput,
)
from peiling.fieldwork.models import Fieldwork, Invitation, OpenLink, Response

pytestmark = pytest.mark.django_db

PROFILE_POST = {"org_type": ["gemeente"], "domain": ["ict"], "function": ["beleid"]}


def start(fieldwork, **kwargs) -> Response:
    return services.response_start(fieldwork=fieldwork, language="nl", source="test", **kwargs)


def submit(response, page, data, action="next", language="nl", *, fresh=True):
    """Submit a page as a request does: with the response as read at its start."""
    fieldwork = Fieldwork.objects.select_related("form_version").get(pk=response.fieldwork_id)
    current = Response.objects.get(pk=response.pk) if fresh else response
    return services.response_submit(fieldwork=fieldwork, response=current, page_key=page,
                                    data=data, action=action, language=language)


def walk_to_profile(fieldwork) -> Response:
    response = start(fieldwork)
    submit(response, "intro", {})
    return response


# -- periods and links ----------------------------------------------------------------------


def test_a_fieldwork_must_close_after_it_opens(example_version):
    now = timezone.now()
    with pytest.raises(ValidationError) as caught:
        services.fieldwork_create(form_version=example_version, slug="x", name="X",
                                  opens_at=now, closes_at=now - dt.timedelta(hours=1))
    assert "fieldwork_closes_after_opening" in str(caught.value)


def test_open_links_have_random_keys_and_one_per_source(example_fieldwork):
    first = services.open_link_create(fieldwork=example_fieldwork, source="nieuwsbrief")
    second = services.open_link_create(fieldwork=example_fieldwork, source="linkedin")
    assert len(first.key) == 12 and first.key != second.key
    with pytest.raises(ValidationError):
        services.open_link_create(fieldwork=example_fieldwork, source="nieuwsbrief")
    with pytest.raises(ValidationError):
        services.open_link_create(fieldwork=example_fieldwork, source="geen slug!")
    assert OpenLink.objects.count() == 2


def test_tokens_carry_192_random_bits_and_only_their_hash_is_stored(example_fieldwork):
    issued = services.invitations_create(fieldwork=example_fieldwork,
                                         profiles=[{"org": "gemeente"}] * 50)
    tokens = {item.token for item in issued}
    assert len(tokens) == 50
    assert all(len(token) == 32 for token in tokens)  # 24 bytes, URL-safe base64
    stored = list(Invitation.objects.values_list("token_hash", flat=True))
    assert sorted(stored) == sorted(hashlib.sha256(t.encode()).hexdigest() for t in tokens)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM fieldwork_invitation")
        dump = repr(cursor.fetchall())
    assert not any(token in dump for token in tokens)


# -- starting -------------------------------------------------------------------------------


def test_a_personal_link_starts_one_response_with_the_profile_snapshot(example_fieldwork):
    issued = services.invitation_create(fieldwork=example_fieldwork,
                                        profile={"org_type": "gemeente"})
    response = start(example_fieldwork, invitation=issued.invitation, user_agent=(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"))
    again = start(example_fieldwork, invitation=issued.invitation)
    assert again.pk == response.pk and Response.objects.count() == 1
    assert (response.source, response.profile, response.device_class) == (
        "panel", {"org_type": "gemeente"}, "mobile")
    assert response.current_page == "intro" and len(response.respondent_key) == 32
    issued.invitation.refresh_from_db()
    assert issued.invitation.response_id == response.pk
    assert issued.invitation.started_at == response.started_at  # stored as the ORM stores it
    assert Invitation.objects.filter(started_at=response.started_at).count() == 1


def test_a_start_that_finds_its_link_taken_keeps_nothing_and_returns_the_first(
        example_fieldwork):
    """A request that read the link before another start claimed it (the losing path of two
    starts at once, without threads, on every database)."""
    issued = services.invitation_create(fieldwork=example_fieldwork)
    stale = Invitation.objects.get(pk=issued.invitation.pk)
    first = start(example_fieldwork, invitation=issued.invitation)
    second = start(example_fieldwork, invitation=stale)
    assert second.pk == first.pk and Response.objects.count() == 1


def test_a_finished_or_unlinked_personal_link_cannot_start_again(example_fieldwork):
    issued = services.invitation_create(fieldwork=example_fieldwork)
    response = start(example_fieldwork, invitation=issued.invitation)
    Response.objects.filter(pk=response.pk).update(status="completed")
    with pytest.raises(LinkUsed):
        start(example_fieldwork, invitation=issued.invitation)
    Invitation.objects.filter(pk=issued.invitation.pk).update(response=None)  # erasure
    with pytest.raises(LinkUsed):
        start(example_fieldwork, invitation=issued.invitation)
    assert Response.objects.count() == 1


@pytest.mark.parametrize(("opens_in", "closes_in", "error"), [
    (dt.timedelta(hours=1), dt.timedelta(days=2), NotOpenYet),
    (dt.timedelta(days=-9), dt.timedelta(seconds=-1), Closed),
])
def test_outside_the_window_nothing_starts_or_saves(example_version, make_fieldwork,
                                                    opens_in, closes_in, error):
    fieldwork = make_fieldwork(example_version, opens_in=opens_in, closes_in=closes_in)
    with pytest.raises(error):
        start(fieldwork)
    assert Response.objects.count() == 0


def test_a_closed_fieldwork_refuses_page_submits(example_fieldwork):
    response = walk_to_profile(example_fieldwork)
    example_fieldwork.closes_at = timezone.now() - dt.timedelta(seconds=1)
    example_fieldwork.save()
    with pytest.raises(Closed):
        submit(response, "pg_profile", PROFILE_POST)
    response.refresh_from_db()
    assert "org_type" not in response.answers and response.version == 1


# -- saving pages ---------------------------------------------------------------------------


def test_every_page_submit_is_saved_at_once(example_fieldwork):
    response = walk_to_profile(example_fieldwork)
    result = submit(response, "pg_profile", PROFILE_POST)
    response.refresh_from_db()
    assert result.step.outcome == "moved"
    assert response.answers == {"org_type": "gemeente", "domain": "ict", "function": "beleid",
                                "ict": "1", "org_word": "gemeente",
                                "org_word_en": "municipality"}
    assert response.current_page == "desirability" and response.version == 2
    assert set(response.page_times) == {"intro", "pg_profile"}


def test_an_invalid_or_tampered_submit_stores_nothing(example_fieldwork):
    response = walk_to_profile(example_fieldwork)
    before = Response.objects.values().get(pk=response.pk)
    assert submit(response, "pg_profile", {"org_type": ["gemeente"]}).step.outcome == "invalid"
    with pytest.raises(TamperedInput) as caught:
        submit(response, "pg_profile", {**PROFILE_POST, "org_type": ["bank"]})
    assert caught.value.context == {"reason": "unknown_choice", "field": "org_type"}
    with pytest.raises(PageUnavailable):
        submit(response, "outro", {})
    assert Response.objects.values().get(pk=response.pk) == before


def test_changing_the_organisation_removes_the_gemeente_answers(example_fieldwork):
    response = walk_to_profile(example_fieldwork)
    submit(response, "pg_profile", PROFILE_POST)
    submit(response, "desirability", {"desirability": ["weet_niet"]})
    submit(response, "satisfaction", {"satisfaction": ["neutraal"]})
    statements = ["st_priority", "st_budget", "st_funds", "st_rijk_budget", "st_law"]
    submit(response, "grid_policy", {name: ["eens"] for name in statements})
    submit(response, "maturity", {"maturity": ["niveau2"]})
    submit(response, "pct_digital", {"pct_digital": ["35"]})
    response.refresh_from_db()
    assert response.answers["pct_digital"] == 35 and response.answers["st_law"] == "eens"
    submit(response, "pg_profile", {**PROFILE_POST, "org_type": ["rijk"]})
    response.refresh_from_db()
    assert sorted(response.answers) == ["desirability", "domain", "function", "ict",
                                        "maturity", "org_type", "org_word", "org_word_en",
                                        "satisfaction"]
    assert response.current_page == "desirability"


def test_finishing_completes_the_response_and_the_invitation(example_fieldwork, example_flow):
    from peiling.fieldwork.answers import answers_from_json

    issued = services.invitation_create(fieldwork=example_fieldwork)
    response = start(example_fieldwork, invitation=issued.invitation)
    outcome = None
    while outcome != "completed":
        response.refresh_from_db()
        page = example_flow.page(response.current_page)
        answers = answers_from_json(example_flow.form, response.answers)
        data = example_flow.post_data(page, answers) or _first_choices(example_flow, page)
        outcome = submit(response, page.key, data).step.outcome
    response.refresh_from_db()
    issued.invitation.refresh_from_db()
    assert response.status == "completed" and response.completed_at is not None
    assert issued.invitation.finished_at == response.completed_at
    with pytest.raises(ResponseFinished):
        submit(response, "outro", {})


def test_a_finishing_write_that_lost_the_race_marks_nothing_finished(example_fieldwork):
    """The response's UPDATE and the link's ``finished_at`` are written together (in one
    transaction) or not at all."""
    issued = services.invitation_create(fieldwork=example_fieldwork)
    response = start(example_fieldwork, invitation=issued.invitation)
    stale = Response.objects.get(pk=response.pk)
    submit(response, "intro", {})  # another tab saved first
    now = timezone.now()
    changes = {"status": "completed", "completed_at": now, "version": stale.version + 1}
    assert services._update_if_version(stale, changes, finished_at=now) == 0
    assert Invitation.objects.get(pk=issued.invitation.pk).finished_at is None
    assert Response.objects.get(pk=response.pk).status == "started"
    current = Response.objects.get(pk=response.pk)
    changes["version"] = current.version + 1
    assert services._update_if_version(current, changes, finished_at=now) == 1
    assert Invitation.objects.get(pk=issued.invitation.pk).finished_at == now


def _first_choices(flow, page) -> dict[str, list[str]]:
    """Answer every question of a page with its first choice (or a number, or a text)."""
    data = {}
    for question in page.questions:
        if question.has_choices:
            data[question.name] = [flow.form.choices(question)[0].name]
        elif question.type == "integer":
            data[question.name] = ["50"]
        elif question.type == "text":
            data[question.name] = ["Omdat het kan."]
    return data


# -- concurrency ----------------------------------------------------------------------------


def test_two_tabs_on_one_page_leave_one_tabs_answers_whole(example_fieldwork):
    response = walk_to_profile(example_fieldwork)
    submit(response, "pg_profile", PROFILE_POST)  # tab 1
    tab2 = {"org_type": ["gemeente"], "domain": ["sociaal"], "function": ["staf"]}
    submit(response, "pg_profile", tab2)  # tab 2, opened before tab 1 submitted
    response.refresh_from_db()
    assert {k: response.answers[k] for k in ("org_type", "domain", "function")} == {
        "org_type": "gemeente", "domain": "sociaal", "function": "staf"}
    assert response.version == 3 and response.current_page == "desirability"


def test_a_submit_read_before_another_was_saved_is_applied_after_it(example_fieldwork):
    response = walk_to_profile(example_fieldwork)
    submit(response, "pg_profile", PROFILE_POST)
    submit(response, "desirability", {"desirability": ["wenselijk"]})
    tab1 = Response.objects.get(pk=response.pk)  # both tabs read version 3
    tab2 = Response.objects.get(pk=response.pk)
    submit(tab1, "desirability_why", {"desirability_why": ["Tab 1"]}, fresh=False)
    result = submit(tab2, "desirability", {"desirability": ["neutraal"]}, fresh=False)
    stored = Response.objects.get(pk=response.pk)
    assert stored.version == 5 and result.response.version == 5
    assert (stored.answers["desirability"], stored.answers["desirability_why"]) == (
        "neutraal", "Tab 1")  # neither tab's answer is lost
    assert set(stored.page_times) == {"intro", "pg_profile", "desirability",
                                      "desirability_why"}


@pytest.mark.skipif(not os.environ.get("PEILING_TEST_POSTGRES"),
                    reason="threads need a server database (SQLite test databases live in one "
                           "connection's memory)")
@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_of_different_pages_lose_nothing(example_fieldwork):
    response = walk_to_profile(example_fieldwork)
    submit(response, "pg_profile", PROFILE_POST)
    submit(response, "desirability", {"desirability": ["wenselijk"]})
    submit(response, "desirability_why", {})
    submit(response, "satisfaction", {"satisfaction": ["neutraal"]})
    rounds = 15
    for round_number in range(rounds):
        barrier = threading.Barrier(2)
        problems: list[BaseException] = []
        why = f"Reden {round_number}"
        choice = ["zeer_tevreden", "neutraal", "weet_niet"][round_number % 3]

        def tab(page, data):
            barrier.wait()
            try:
                submit(response, page, data)
            except BaseException as error:  # reported below
                problems.append(error)
            finally:
                connection.close()

        threads = [
            threading.Thread(target=tab, args=("desirability_why", {"desirability_why": [why]})),
            threading.Thread(target=tab, args=("satisfaction", {"satisfaction": [choice]})),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert problems == []
        response.refresh_from_db()
        assert response.answers["desirability_why"] == why
        assert response.answers["satisfaction"] == choice
    assert response.version == 5 + 2 * rounds


@pytest.mark.skipif(not os.environ.get("PEILING_TEST_POSTGRES"),
                    reason="threads need a server database (SQLite test databases live in one "
                           "connection's memory)")
@pytest.mark.django_db(transaction=True)
def test_two_starts_through_one_personal_link_at_once_make_one_response(example_fieldwork):
    for _round in range(10):
        issued = services.invitation_create(fieldwork=example_fieldwork)
        barrier = threading.Barrier(2)
        started: list[int] = []
        problems: list[BaseException] = []

        def click():
            barrier.wait()
            try:  # each click carries the invitation as its request read it: not started
                started.append(start(example_fieldwork, invitation=issued.invitation).pk)
            except BaseException as error:  # reported below
                problems.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=click) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert problems == []
        linked = Invitation.objects.get(pk=issued.invitation.pk).response_id
        assert started == [linked, linked]
    assert Response.objects.count() == 10


# -- simulation -----------------------------------------------------------------------------


def test_simulation_creates_valid_completed_responses_reproducibly(example_fieldwork):
    assert services.responses_simulate(fieldwork=example_fieldwork, n=30, seed=5) == 30
    assert services.responses_simulate(fieldwork=example_fieldwork, n=30, seed=5,
                                       source="again") == 30
    first = list(Response.objects.filter(source="simulated").order_by("pk")
                 .values_list("answers", flat=True))
    second = list(Response.objects.filter(source="again").order_by("pk")
                  .values_list("answers", flat=True))
    assert first == second
    assert set(Response.objects.values_list("status", flat=True)) == {"completed"}
    assert any(a["org_type"] == "gemeente" for a in first)
    assert any(a["org_type"] != "gemeente" for a in first)
    for answers in first:
        assert ("pct_digital" in answers or "st_law" in answers) <= (
            answers["org_type"] == "gemeente")


def test_respondent_keys_and_token_hashes_stay_unique(example_fieldwork):
    """The unique keys are constraints now (migration 0002), enforced by the database."""
    from django.db import IntegrityError, transaction

    response = start(example_fieldwork)
    twin = Response(fieldwork=example_fieldwork, form_version=example_fieldwork.form_version,
                    respondent_key=response.respondent_key, source="test", language="nl",
                    started_at=response.started_at, updated_at=response.updated_at)
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()
    issued = services.invitation_create(fieldwork=example_fieldwork)
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(fieldwork=example_fieldwork,
                                  token_hash=issued.invitation.token_hash)
    with pytest.raises(ValidationError):  # and the model's validation says so first
        twin.validate_constraints()


@pytest.mark.skipif(not os.environ.get("PEILING_TEST_POSTGRES"),
                    reason="table storage parameters and operator classes are PostgreSQL's")
def test_the_response_table_leaves_room_to_rewrite_a_response_in_place(db):
    """Every page submit rewrites its response: with free space in the page PostgreSQL can
    do so without touching an index (a HOT update). And no index exists for prefix search,
    which no query does and every start would pay for."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s",
                       [Response._meta.db_table])
        (options,) = cursor.fetchone()
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename IN (%s, %s)",
                       [Response._meta.db_table, Invitation._meta.db_table])
        indexes = [row[0] for row in cursor.fetchall()]
    fillfactor = dict(option.split("=") for option in options or [])["fillfactor"]
    assert int(fillfactor) < 100
    assert indexes and not [index for index in indexes if "pattern_ops" in index]
