"""The page flow: routing, navigation, validation, pruning, randomization, piping (no database).

Golden values come from examples/digitalisering-overheid.xlsx: its routing is
``${org_type} = 'gemeente'`` on grid_policy, pct_digital, sec_skills and sec_factors; its
messages are the required_message / constraint_message columns of its survey sheet.
"""

from __future__ import annotations

import random

import pytest

from peiling.fieldwork.answers import TamperedSubmit
from peiling.fieldwork.flow import Flow, PageNotShown
from peiling.forms.simulate import simulate_answers
from tests.fieldwork.conftest import form_of

ALL_PAGES = [
    "intro", "pg_profile", "desirability", "desirability_why", "satisfaction", "grid_policy",
    "maturity", "pct_digital", "grid_skills", "promise", "promise_causes", "grid_factors",
    "when_digital", "programmes_intro", "grid_programmes", "programmes", "programmes_other",
    "outro",
]
GEMEENTE_ONLY = {"grid_policy", "pct_digital", "grid_skills", "grid_factors"}
PROFILE = {"org_type": "gemeente", "domain": "ict", "function": "beleid"}
STATEMENTS = ["st_priority", "st_budget", "st_funds", "st_rijk_budget", "st_law"]


def keys(pages) -> list[str]:
    return [page.key for page in pages]


def post(flow: Flow, answers, page: str, data, *, current=None, action="next", language="nl"):
    return flow.submit(answers, current=current or page, page=page, data=data, action=action,
                       language=language)


# -- routing --------------------------------------------------------------------------------


def test_pages_follow_the_form_and_routing_shows_gemeente_pages_only_to_gemeenten(example_flow):
    assert keys(example_flow.pages) == ALL_PAGES
    gemeente = keys(example_flow.visible_pages(PROFILE))
    rijk = keys(example_flow.visible_pages({**PROFILE, "org_type": "rijk"}))
    assert set(gemeente) >= GEMEENTE_ONLY
    assert not GEMEENTE_ONLY & set(rijk)
    # desirability_why, promise_causes and programmes_other wait for their answers
    assert rijk == [k for k in ALL_PAGES if k not in GEMEENTE_ONLY
                    and k not in {"desirability_why", "promise_causes", "programmes_other"}]


def test_next_and_previous_skip_hidden_pages_both_ways(example_flow):
    rijk = {**PROFILE, "org_type": "rijk", "satisfaction": "neutraal"}
    assert example_flow.next_page(rijk, "satisfaction").key == "maturity"
    assert example_flow.previous_page(rijk, "maturity").key == "satisfaction"
    assert example_flow.next_page(PROFILE, "satisfaction").key == "grid_policy"
    assert example_flow.previous_page(PROFILE, "maturity").key == "grid_policy"
    assert example_flow.next_page(PROFILE, "outro") is None
    assert example_flow.previous_page(PROFILE, "intro") is None


def test_progress_counts_visible_pages(example_flow):
    assert example_flow.progress(PROFILE, "pg_profile") == (2, 15)
    assert example_flow.progress({**PROFILE, "org_type": "rijk"}, "maturity") == (5, 11)


def test_changing_an_earlier_answer_removes_the_answers_routing_now_hides(example_flow):
    answers = {**PROFILE, "satisfaction": "neutraal", "pct_digital": 40,
               **dict.fromkeys(STATEMENTS, "eens")}
    step = post(example_flow, answers, "pg_profile",
                {"org_type": ["rijk"], "domain": ["ict"], "function": ["beleid"]},
                current="maturity")
    assert step.outcome == "moved" and step.page == "desirability"
    assert step.answers == {"org_type": "rijk", "domain": "ict", "function": "beleid",
                            "satisfaction": "neutraal"}


def test_prune_repeats_until_stable(tmp_path):
    form = form_of("""
## survey
| type | name | label | relevant |
| select_one yn | a | A? | |
| select_one yn | b | B? | ${a} = 'ja' |
| select_one yn | c | C? | ${b} = 'ja' |
## choices
| list_name | name | label |
| yn | ja | Ja |
| yn | nee | Nee |
## settings
| form_title | form_id |
| Keten | keten |
""", tmp_path)
    assert Flow(form).prune({"a": "nee", "b": "ja", "c": "ja", "ghost": "x"}) == {"a": "nee"}


# -- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "message"), [
    ("nl", "Beantwoord deze vraag om verder te gaan."),
    ("en", "Please answer this question to continue."),
])
def test_required_uses_the_forms_own_message_in_the_respondents_language(
        example_flow, language, message):
    step = post(example_flow, {}, "pg_profile", {"org_type": ["gemeente"]}, language=language)
    assert step.outcome == "invalid"
    assert [(e.name, e.code, e.message) for e in step.check.errors] == [
        ("domain", "required", message), ("function", "required", message)]
    assert step.answers == {}  # nothing changes on an invalid submit
    assert step.check.raw["org_type"] == {"org_type": ["gemeente"]}


@pytest.mark.parametrize(("typed", "code", "message"), [
    ("150", "constraint", "Vul een percentage in van 0 tot en met 100."),
    ("-1", "constraint", "Vul een percentage in van 0 tot en met 100."),
    ("veertig", "integer", None),
    ("40,5", "integer", None),
])
def test_number_checks_type_then_constraint(example_flow, typed, code, message):
    step = post(example_flow, PROFILE, "pct_digital", {"pct_digital": [typed]})
    assert [(e.code, e.message) for e in step.check.errors] == [(code, message)]


def test_valid_number_is_stored_as_int_and_optional_empty_is_fine(example_flow):
    assert post(example_flow, PROFILE, "pct_digital", {"pct_digital": [" 40 "]}).answers[
        "pct_digital"] == 40
    step = post(example_flow, PROFILE, "pct_digital", {"pct_digital": [""]})
    assert step.outcome == "moved" and "pct_digital" not in step.answers


def test_exclusive_choices_use_the_constraint_message(example_flow):
    step = post(example_flow, PROFILE, "programmes", {"programmes": ["wet_gdi", "geen"]},
                language="en")
    expected = example_flow.question("programmes").constraint_message["English (en)"]
    assert "cannot be combined" in expected  # the example's English constraint_message
    assert [(e.code, e.message) for e in step.check.errors] == [("constraint", expected)]


def test_grid_requires_every_statement(example_flow):
    step = post(example_flow, PROFILE, "grid_policy", {"st_priority": ["eens"]})
    assert [e.name for e in step.check.errors] == STATEMENTS[1:]
    assert {e.message for e in step.check.errors} == {"Geef bij elke stelling een antwoord."}


def test_back_keeps_valid_answers_without_enforcing_required(example_flow):
    step = post(example_flow, PROFILE, "grid_policy",
                {"st_priority": ["eens"], "st_budget": ["oneens"]}, action="back")
    assert step.outcome == "moved" and step.page == "satisfaction"
    assert step.answers == {**PROFILE, "st_priority": "eens", "st_budget": "oneens"}


def test_pages_ahead_of_the_respondent_or_hidden_cannot_be_submitted(example_flow):
    with pytest.raises(PageNotShown, match="only reached 'pg_profile'"):
        post(example_flow, {}, "outro", {}, current="pg_profile")
    with pytest.raises(PageNotShown, match="routing hides"):
        post(example_flow, {**PROFILE, "org_type": "rijk"}, "pct_digital", {})
    with pytest.raises(PageNotShown, match="no such page"):
        post(example_flow, {}, "nope", {})


def test_tampered_fields_raise(example_flow):
    with pytest.raises(TamperedSubmit) as caught:
        post(example_flow, {}, "pg_profile", {"org_type": ["gemeente"], "is_admin": ["1"]})
    assert (caught.value.code, caught.value.field) == ("unknown_field", "is_admin")
    with pytest.raises(TamperedSubmit) as caught:
        post(example_flow, {}, "pg_profile", {"org_type": ["bank"]})
    assert caught.value.code == "unknown_choice"


def test_the_last_page_completes(example_flow):
    rng = random.Random(7)
    answers = example_flow.prune(simulate_answers(example_flow.form, rng))
    step = post(example_flow, answers, "outro", {})
    assert step.outcome == "completed" and step.page is None


def test_completing_with_a_gap_sends_the_respondent_back(example_flow):
    answers = example_flow.prune(simulate_answers(example_flow.form, random.Random(3)))
    del answers["satisfaction"]
    step = post(example_flow, answers, "outro", {})
    assert (step.outcome, step.page) == ("moved", "satisfaction")


# -- same-page relevance, screen-out ------------------------------------------------------

FIELD_LIST = """
## survey
| type | name | label | required | relevant | appearance | calculation |
| begin_group | p1 | Over u | | | field-list | |
| select_one yn | member | Bent u lid? | yes | | | |
| text | since | Sinds wanneer? | yes | ${member} = 'ja' | | |
| end_group | p1 | | | | | |
| select_one yn | adult | Bent u 18 of ouder? | yes | | | |
| calculate | screened_out | | | | | if(${adult} = 'nee', 1, 0) |
| note | last | Dank u. | | | | |
## choices
| list_name | name | label |
| yn | ja | Ja |
| yn | nee | Nee |
## settings
| form_title | form_id |
| Lid | lid |
"""


def test_a_question_made_relevant_on_the_same_page_shows_the_page_again(tmp_path):
    flow = Flow(form_of(FIELD_LIST, tmp_path))
    step = post(flow, {}, "p1", {"member": ["ja"], "since": [""]})
    assert step.outcome == "more" and step.page == "p1"
    assert step.check.new_questions == ("since",) and step.check.errors == ()
    assert step.answers == {"member": "ja"}
    step = post(flow, step.answers, "p1", {"member": ["ja"], "since": [""]})
    assert [(e.name, e.code) for e in step.check.errors] == [("since", "required")]


def test_a_true_screened_out_calculation_ends_the_response(tmp_path):
    flow = Flow(form_of(FIELD_LIST, tmp_path))
    answers = {"member": "nee"}
    assert post(flow, answers, "adult", {"adult": ["nee"]}).outcome == "screened_out"
    step = post(flow, answers, "adult", {"adult": ["ja"]})
    assert (step.outcome, step.page) == ("moved", "last")


# -- presentation ---------------------------------------------------------------------------

RANDOM = """
## survey
| type | name | label | parameters |
| select_one many | q | Kies | randomize=true |
| select_one many | fixed | Kies | |
## choices
| list_name | name | label |
| many | a | A |
| many | b | B |
| many | c | C |
| many | d | D |
| many | e | E |
| many | f | F |
## settings
| form_title | form_id |
| Willekeurig | willekeurig |
"""


def test_randomized_choices_are_stable_per_respondent_and_differ_between_them(tmp_path):
    flow = Flow(form_of(RANDOM, tmp_path))
    question, fixed = flow.question("q"), flow.question("fixed")

    def order(key):
        return [c.name for c in flow.choices(question, {}, key)]

    assert order("respondent-1") == order("respondent-1")
    orders = {tuple(order(f"respondent-{i}")) for i in range(20)}
    assert len(orders) > 10 and all(sorted(o) == list("abcdef") for o in orders)
    assert [c.name for c in flow.choices(fixed, {}, "respondent-1")] == list("abcdef")


def test_piping_fills_in_the_calculation_in_each_language(example_flow):
    maturity = example_flow.question("maturity")
    values = example_flow.values({"org_type": "gemeente"})
    assert example_flow.text(maturity.label, "nl", values).startswith(
        "Hoe digitaal is het producten- en dienstenaanbod van uw gemeente?")
    values = example_flow.values({"org_type": "rijk"})
    assert example_flow.text(maturity.label, "en", values).startswith(
        "How digital is the range of products and services of your organisation?")


def test_simulated_respondents_walk_the_flow_without_a_refusal(example_flow):
    from peiling.fieldwork.simulation import replay

    rng = random.Random(11)
    outcomes = set()
    for _ in range(40):
        answers = simulate_answers(example_flow.form, rng)
        step, walked = replay(example_flow, answers, language="nl")
        outcomes.add(answers["org_type"] == "gemeente")
        assert step.outcome == "completed"
        assert dict(step.answers) == example_flow.prune(answers)
        assert ("grid_policy" in walked) == (answers["org_type"] == "gemeente")
    assert outcomes == {True, False}
