"""Simulated respondents: every answer is one a valid respondent could give."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from peiling.forms.expressions import Environment, parse, to_string
from peiling.forms.model import Choice, Form, Group, Question
from peiling.forms.simulate import DUTCH_TEXTS, SHAPED_TEXTS, SimulationError, simulate_answers

TODAY = dt.date(2024, 5, 1)
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "digitalisering-overheid.xlsx"


def _choices(*names: str, **extra: str) -> tuple[Choice, ...]:
    return tuple(Choice(name, {"default": name.capitalize()}, dict(extra)) for name in names)


def _form() -> Form:
    """A form that uses every question type, routing, constraints and a choice filter."""
    return Form(
        form_id="sim",
        title="Simulatie",
        children=(
            Question("intro", "note"),
            Question("org", "select_one", required="true()", choice_list="org"),
            Question(
                "afdeling",
                "select_one",
                required="true()",
                choice_list="afdeling",
                choice_filter="org = ${org}",
            ),
            Question(
                "gemeente_woord",
                "calculate",
                calculation="if(${org} = 'gemeente', 'gemeente', 'organisatie')",
            ),
            Group(
                "werk",
                relevant="${org} != 'rijk'",
                appearance="field-list",
                children=(
                    Question(
                        "leeftijd", "integer", required="true()", constraint=". >= 18 and . <= 67"
                    ),
                    Question(
                        "geboortejaar",
                        "integer",
                        required="true()",
                        constraint=". >= 1957 and . <= 2006",
                    ),
                    Question("uren", "decimal", constraint=". > 0 and . <= 40"),
                    Question(
                        "tevreden",
                        "range",
                        required="true()",
                        parameters={"start": "1", "end": "10", "step": "1"},
                    ),
                ),
            ),
            Question(
                "kanalen",
                "select_multiple",
                required="true()",
                choice_list="kanaal",
                constraint="not(selected(., 'geen') and count-selected(.) > 1)",
            ),
            Question("kanaal_anders", "text", relevant="selected(${kanalen}, 'anders')"),
            Question(
                "prioriteiten",
                "rank",
                choice_list="prioriteit",
                relevant="count-selected(${kanalen}) >= 2",
            ),
            Question("opmerking", "text", constraint="string-length(.) <= 30"),
            Question(
                "postcode",
                "text",
                required="${org} = 'gemeente'",
                constraint="regex(., '[0-9]{4} ?[A-Z]{2}')",
            ),
            Question("start", "date", required="true()", constraint=". <= today()"),
            Question(
                "jubileum", "date", constraint=". >= date('2000-01-01') and . <= date('2000-12-31')"
            ),
            Question("nooit", "text", relevant="${org} = 'bestaat-niet'"),
            Question(
                "leeftijd_later",
                "calculate",
                calculation="${leeftijd} + 1",
                relevant="${leeftijd} != ''",
            ),
        ),
        choice_lists={
            "org": _choices("gemeente", "provincie", "rijk"),
            "afdeling": (
                *_choices("burgerzaken", "sociaal", org="gemeente"),
                *_choices("mobiliteit", org="provincie"),
                *_choices("beleid", "uitvoering", org="rijk"),
            ),
            "kanaal": _choices("website", "telefoon", "balie", "anders", "geen"),
            "prioriteit": _choices("snel", "goedkoop", "vriendelijk"),
        },
    )


def _check_respondent(form: Form, answers: dict[str, object]) -> None:
    """Assert what any valid respondent satisfies, using the evaluator as the judge."""
    for question in form.questions():
        env = Environment(values=answers, today=TODAY)
        relevant = all(parse(c).evaluate_bool(env) for c in form.relevance(question.name))
        answer = answers.get(question.name)
        if not relevant or question.type == "note":
            assert answer is None, question.name
            continue
        if question.type == "calculate":
            expected = parse(question.calculation or "").evaluate(env)
            assert answer == (to_string(expected) or None)
            continue
        required = bool(question.required) and parse(question.required).evaluate_bool(env)
        assert answer is not None or not required, question.name
        if answer is None:
            continue
        if question.constraint:
            check = Environment(values=answers, current=answer, today=TODAY)
            assert parse(question.constraint).evaluate_bool(check), (question.name, answer)
        if question.has_choices:
            allowed = [
                choice.name
                for choice in form.choices(question)
                if not question.choice_filter
                or parse(question.choice_filter, choice_filter=True).evaluate_bool(
                    Environment(values=answers, choice=choice)
                )
            ]
            picked = (answer,) if isinstance(answer, str) else answer
            assert set(picked) <= set(allowed), (question.name, answer, allowed)
            assert len(set(picked)) == len(picked)


@pytest.mark.parametrize("seed", range(60))
def test_every_answer_is_valid(seed: int) -> None:
    form = _form()
    answers = simulate_answers(form, random.Random(seed), today=TODAY)
    _check_respondent(form, answers)


def test_answers_have_the_types_of_their_questions() -> None:
    form = _form()
    seen: dict[str, set[type]] = {}
    for seed in range(60):
        for name, answer in simulate_answers(form, random.Random(seed), today=TODAY).items():
            seen.setdefault(name, set()).add(type(answer))
    assert seen == {
        "org": {str},
        "afdeling": {str},
        "gemeente_woord": {str},
        "leeftijd": {int},
        "geboortejaar": {int},
        "uren": {float},
        "tevreden": {int},
        "kanalen": {tuple},
        "kanaal_anders": {str},
        "prioriteiten": {tuple},
        "opmerking": {str},
        "postcode": {str},
        "start": {dt.date},
        "jubileum": {dt.date},
        "leeftijd_later": {str},
    }


def test_shapes_of_answers() -> None:
    form = _form()
    respondents = [simulate_answers(form, random.Random(s), today=TODAY) for s in range(80)]
    orgs = {r["org"] for r in respondents}
    assert orgs == {"gemeente", "provincie", "rijk"}
    for answers in respondents:
        assert "nooit" not in answers and "intro" not in answers
        assert ("leeftijd" in answers) is (answers["org"] != "rijk")
        assert 1 <= len(answers["kanalen"]) <= 3
        order = ["website", "telefoon", "balie", "anders", "geen"]
        assert list(answers["kanalen"]) == sorted(answers["kanalen"], key=order.index)
        if "prioriteiten" in answers:
            assert sorted(answers["prioriteiten"]) == ["goedkoop", "snel", "vriendelijk"]
        assert answers["opmerking"] in DUTCH_TEXTS + SHAPED_TEXTS
        assert TODAY - dt.timedelta(days=365) <= answers["start"] <= TODAY
        assert dt.date(2000, 1, 1) <= answers["jubileum"] <= dt.date(2000, 12, 31)
        if answers["org"] == "gemeente":
            assert answers["postcode"] in ("1234 AB", "1234AB")
            assert answers["gemeente_woord"] == "gemeente"
        else:
            assert answers["gemeente_woord"] == "organisatie"
    assert any("prioriteiten" in r for r in respondents)
    assert any("kanaal_anders" in r for r in respondents)


def test_same_seed_same_answers() -> None:
    form = _form()
    first = simulate_answers(form, random.Random(7), today=TODAY)
    assert simulate_answers(form, random.Random(7), today=TODAY) == first
    others = [simulate_answers(form, random.Random(s), today=TODAY) for s in range(8, 12)]
    assert any(other != first for other in others)


def test_a_range_is_searched_exhaustively() -> None:
    form = Form(
        "f",
        "F",
        children=(
            Question(
                "r",
                "range",
                required="true()",
                constraint=". = 7",
                parameters={"start": "1", "end": "9", "step": "2"},
            ),
            Question("d", "range", parameters={"start": "0", "end": "1", "step": "0.25"}),
        ),
    )
    for seed in range(10):
        answers = simulate_answers(form, random.Random(seed), today=TODAY)
        assert answers["r"] == 7
        assert answers["d"] in (0.0, 0.25, 0.5, 0.75, 1.0)


def test_calculations_see_later_answers_at_the_end() -> None:
    form = Form(
        "f",
        "F",
        children=(
            Question("totaal", "calculate", calculation="${a} * 2"),
            Question("a", "integer", required="true()", constraint=". = 21"),
        ),
    )
    assert simulate_answers(form, random.Random(1), today=TODAY) == {"a": 21, "totaal": "42"}


def test_an_optional_question_without_a_valid_value_stays_unanswered() -> None:
    form = Form(
        "f",
        "F",
        children=(
            Question("q", "integer", constraint=". > 100 and . < 50"),
            Question("s", "select_one", choice_list="l", choice_filter="org = 'x'"),
        ),
        choice_lists={"l": _choices("a", org="y")},
    )
    assert simulate_answers(form, random.Random(1), today=TODAY) == {}


@pytest.mark.parametrize(
    ("question", "choice_lists", "message"),
    [
        (
            Question("q", "integer", required="true()", constraint=". > 100 and . < 50", row=4),
            {},
            "survey!4 (constraint): 'q' is required, but none of the values tried satisfies "
            "'. > 100 and . < 50'; check the constraint, or make the question optional",
        ),
        (
            Question(
                "s",
                "select_one",
                required="true()",
                choice_list="l",
                choice_filter="org = 'x'",
                row=5,
            ),
            {"l": _choices("a", org="y")},
            "survey!5 (choice_filter): 's' is required, but no choice passes \"org = 'x'\" given "
            "the answers so far; check the filter and the columns of the choices",
        ),
        (
            Question("s", "select_one", required="true()", choice_list="l", row=6),
            {"l": ()},
            "survey!6 (type): 's' is required, but its choice list 'l' is empty; add choices",
        ),
        (
            Question("s", "select_one", choice_list="nope", row=7),
            {},
            "survey!7 (type): 's' uses the choice list 'nope', which does not exist; add it to the "
            "choices sheet",
        ),
        (
            Question("t", "text", relevant="date('gisteren') < today()", row=8),
            {},
            "survey!8 (relevant): \"date('gisteren') < today()\" of 't' cannot be evaluated: date() "
            "at position 1 cannot read 'gisteren' as a date; write dates as 'YYYY-MM-DD'",
        ),
        (
            Question("r", "range", parameters={"start": "een"}),
            {},
            "survey (parameters): 'r': start, end and step must be numbers (got {'start': 'een'})",
        ),
    ],
)
def test_impossible_questions_raise_a_clear_error(
    question: Question, choice_lists: dict[str, tuple[Choice, ...]], message: str
) -> None:
    form = Form("f", "F", children=(question,), choice_lists=choice_lists)
    with pytest.raises(SimulationError) as caught:
        simulate_answers(form, random.Random(0), today=TODAY)
    assert str(caught.value) == message
    assert caught.value.question == question.name


@pytest.mark.skipif(not EXAMPLE.exists(), reason="the example questionnaire is not built")
def test_the_example_questionnaire() -> None:
    from peiling.forms.xlsform import read_xlsform

    form = read_xlsform(EXAMPLE)
    for seed in range(20):
        answers = simulate_answers(form, random.Random(seed), today=TODAY)
        _check_respondent(form, answers)
        assert answers["ict"] == ("1" if answers["domain"] == "ict" else "0")
