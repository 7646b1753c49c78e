"""Reading posted values per question type, writing them back, and the JSON form."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peiling.fieldwork.answers import (
    MAX_TEXT_LENGTH,
    InvalidValue,
    TamperedSubmit,
    answers_from_json,
    answers_to_json,
    check_fields,
    parse_value,
    post_values,
    range_values,
    raw_values,
)
from peiling.forms.model import Question
from peiling.forms.simulate import simulate_answers

CHOICES = ("a", "b", "c")


def q(kind: str, **extra) -> Question:
    return Question(name="q", type=kind, choice_list="l" if kind in (
        "select_one", "select_multiple", "rank") else None, **extra)


def parse(kind: str, *raw: str, **extra):
    return parse_value(q(kind, **extra), raw, allowed=CHOICES, order=CHOICES)


@pytest.mark.parametrize(("kind", "raw", "expected"), [
    ("select_one", ("b",), "b"),
    ("select_one", ("",), None),
    ("select_one", (), None),
    ("select_multiple", ("c", "a"), ("a", "c")),
    ("select_multiple", (), None),
    ("rank", ("c", "a", "b"), ("c", "a", "b")),
    ("rank", ("", "", ""), None),
    ("integer", (" 42 ",), 42),
    ("integer", ("-7",), -7),
    ("integer", ("",), None),
    ("decimal", ("3,5",), 3.5),
    ("decimal", ("3.25",), 3.25),
    ("decimal", ("12",), 12),
    ("date", ("2024-02-29",), dt.date(2024, 2, 29)),
    ("date", ("29-2-2024",), dt.date(2024, 2, 29)),
    ("text", ("  regel 1\r\nregel 2 ",), "regel 1\nregel 2"),
    ("text", ("   ",), None),
])
def test_values_read_per_type(kind, raw, expected):
    assert parse(kind, *raw) == expected


@pytest.mark.parametrize(("kind", "raw", "code"), [
    ("integer", ("12a",), "integer"),
    ("integer", ("1.5",), "integer"),
    ("decimal", ("drie",), "decimal"),
    ("date", ("2023-02-29",), "date"),
    ("date", ("morgen",), "date"),
    ("rank", ("a", "", "b"), "rank_incomplete"),
    ("rank", ("a", "a", "b"), "rank_duplicate"),
    # A number field has no maxlength: a person can type a number this long.
    ("integer", ("9" * 16,), "too_large"),
    ("integer", ("1" * 5000,), "too_large"),
    ("decimal", ("9" * 39,), "too_large"),
    ("decimal", ("-" + "9" * 60,), "too_large"),
    ("date", ("2024-01-01" * 10,), "date"),
])
def test_typing_mistakes_are_fixable_errors(kind, raw, code):
    with pytest.raises(InvalidValue) as caught:
        parse(kind, *raw)
    assert caught.value.code == code


def test_range_outside_its_bounds_is_a_fixable_error_when_typed():
    question = q("range", parameters={"start": "0", "end": "1000", "step": "5"})
    assert range_values(question) is None  # 201 values: a number field, not radio buttons
    assert parse_value(question, ["995"]) == 995
    with pytest.raises(InvalidValue) as caught:
        parse_value(question, ["1001"])
    assert (caught.value.code, caught.value.params) == ("range", {"start": 0, "end": 1000,
                                                                  "step": 5})


@pytest.mark.parametrize(("kind", "raw", "code", "extra"), [
    ("select_one", ("z",), "unknown_choice", {}),
    ("select_one", ("a", "b"), "multiple_values", {}),
    ("select_multiple", ("a", "zz"), "unknown_choice", {}),
    ("select_multiple", ("a", "a"), "duplicate_choice", {}),
    ("rank", ("a", "b", "x"), "unknown_choice", {}),
    ("decimal", ("1e400",), "decimal", {}),
    ("range", ("11",), "out_of_range", {"parameters": {"start": "1", "end": "10"}}),
    ("range", ("2.5",), "out_of_range", {"parameters": {"start": "1", "end": "10"}}),
    ("text", ("a", "b"), "multiple_values", {}),
])
def test_what_no_page_can_send_is_refused(kind, raw, code, extra):
    try:
        parse(kind, *raw, **extra)
    except TamperedSubmit as error:
        assert error.code == code
    except InvalidValue as error:
        assert error.code == code
    else:
        pytest.fail("accepted")


def test_fields_are_checked_for_names_length_and_nul():
    check_fields({"q": ["x" * MAX_TEXT_LENGTH]}, {"q"})
    for data, code in [({"other": ["1"]}, "unknown_field"),
                       ({"q": ["x" * (MAX_TEXT_LENGTH + 1)]}, "too_long"),
                       ({"q": ["a\x00b"]}, "null_character")]:
        with pytest.raises(TamperedSubmit) as caught:
            check_fields(data, {"q"})
        assert caught.value.code == code


def test_a_full_textarea_with_line_breaks_is_not_too_long():
    """A browser lets a person type MAX_TEXT_LENGTH characters, a line break counting as one,
    and posts each line break as CR LF (HTML's form submission)."""
    typed = ("regel\n" * MAX_TEXT_LENGTH)[: MAX_TEXT_LENGTH - 1] + "x"
    assert len(typed) == MAX_TEXT_LENGTH and typed.count("\n") > 1000
    posted = typed.replace("\n", "\r\n")
    check_fields({"q": [posted]}, {"q"})
    assert parse("text", posted) == typed
    with pytest.raises(TamperedSubmit) as caught:
        check_fields({"q": [posted + "y"]}, {"q"})
    assert caught.value.code == "too_long"


def test_rank_posts_one_field_per_place():
    question = q("rank")
    data = post_values(question, ("b", "c", "a"), 3)
    assert data == {"q~1": ["b"], "q~2": ["c"], "q~3": ["a"]}
    assert raw_values(question, data, 3) == ("b", "c", "a")
    with pytest.raises(TamperedSubmit):
        raw_values(question, {"q~1": ["a", "b"]}, 3)


def test_json_round_trip_keeps_types(example_form):
    answers = {"org_type": "gemeente", "pct_digital": 40, "programmes": ("geen",)}
    encoded = answers_to_json(answers)
    assert encoded == {"org_type": "gemeente", "pct_digital": 40, "programmes": ["geen"]}
    assert answers_from_json(example_form, encoded) == answers


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32))
def test_posting_simulated_answers_reads_them_back(example_flow, seed):
    answers = example_flow.prune(simulate_answers(example_flow.form, random.Random(seed)))
    values = example_flow.values(answers)
    for page in example_flow.visible_pages(answers):
        data = example_flow.post_data(page, answers)
        check = example_flow.check_page(page, data, answers, language="nl")
        assert check.errors == ()
        for question in example_flow.page_questions(page, values):
            if question.is_answered_by_respondent:
                assert check.answers.get(question.name) == answers.get(question.name)
