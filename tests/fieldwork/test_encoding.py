"""Stored answers read column by column (``fieldwork.encoding``, ``Dataset.from_encoded``) give
what decoding every document and ``Dataset.from_records`` give: the same dataset, or the same
problems, for valid and for damaged stored answers."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peiling.analysis.dataset import Dataset, DatasetError, variables_from_form
from peiling.fieldwork import encoding
from peiling.fieldwork.answers import answers_from_json, answers_to_json
from peiling.fieldwork.encoding import AnswerEncoder, ArrowEncoder, NotColumnar
from peiling.forms.model import Form
from peiling.forms.xlsform import read_xlsform
from tests.datasets import assert_same_variables
from tests.exchange.conftest import FORM, ROWS
from tests.xlsform import write_workbook


@pytest.fixture(scope="module")
def form(tmp_path_factory: pytest.TempPathFactory) -> Form:
    return read_xlsform(write_workbook(FORM, tmp_path_factory.mktemp("form") / "digi.xlsx"))


def questions(form: Form) -> list:
    variables = variables_from_form(form)
    return [question for question in form.questions() if question.name in variables]


def by_records(form: Form, documents: list[str | None]) -> Dataset:
    """The way exports read before: every document decoded, typed, unknown keys kept."""
    names = {question.name for question in form.questions()}
    records = []
    for document in documents:
        answers = json.loads(document) if document else {}
        record: dict[str, Any] = dict(answers_from_json(form, answers))
        record.update({key: value for key, value in answers.items() if key not in names})
        records.append(record)
    return Dataset.from_records(form, records)


def by_columns(form: Form, documents: list[str | None], pieces: int = 1,
               encoder: type[AnswerEncoder | ArrowEncoder] = AnswerEncoder) -> Dataset:
    reader = encoder(questions(form))
    size = max(1, -(-len(documents) // pieces))
    for start in range(0, len(documents), size):
        reader.feed(documents[start:start + size])
    read = reader.result()
    return Dataset.from_encoded(form, read.columns, n=read.n, unknown_keys=read.unknown_keys,
                                distinct=read.distinct)


def assert_same(form: Form, documents: list[str | None], pieces: int = 1) -> None:
    """Every way gives equal datasets, or refuses with the same problems; the Arrow way may
    refuse (NotColumnar) what does not fit its column types, and then refuses all that the
    record way refuses."""
    try:
        expected = by_records(form, documents)
    except DatasetError as error:
        with pytest.raises(DatasetError) as caught:
            by_columns(form, documents, pieces)
        assert [str(p) for p in caught.value.problems] == [str(p) for p in error.problems]
        assert [p.count for p in caught.value.problems] == [p.count for p in error.problems]
        try:
            by_columns(form, documents, pieces, ArrowEncoder)
        except (NotColumnar, DatasetError):
            return
        raise AssertionError("the Arrow way took answers the record way refuses")
    assert_equal(expected, by_columns(form, documents, pieces))
    try:
        got = by_columns(form, documents, pieces, ArrowEncoder)
    except NotColumnar:
        assert not all(fits_arrow(document) for document in documents)
        return
    assert_equal(expected, got)


def fits_arrow(document: str | None) -> bool:
    """Whether a document holds only the JSON types the questions store (answers_to_json)."""
    types = {"org": str, "st_a": str, "st_b": str, "wens": str, "kanalen": list, "pct": int,
             "uren": int | float, "toelichting": str, "datum": str}  # fmt: skip
    answers = json.loads(document) if document else {}
    return isinstance(answers, dict) and all(
        key in types and (value is None or (isinstance(value, types[key])
                                             and not isinstance(value, bool)))
        and (not isinstance(value, list) or all(isinstance(item, str) for item in value))
        for key, value in answers.items())


def assert_equal(expected: Dataset, got: Dataset) -> None:
    assert got.n == expected.n
    assert_same_variables(expected, got, text="codes")
    assert got.problems == expected.problems


def stored(answers: dict[str, Any]) -> str:
    return json.dumps(answers_to_json(answers))


def test_valid_answers_read_the_same_every_way(form: Form) -> None:
    documents = [stored(row) for row in ROWS] * 3 + [None, "{}"]
    assert_same(form, documents)
    got = by_columns(form, documents, encoder=ArrowEncoder)
    assert got.n == 17
    assert got.answer("kanalen", 0) == ("web", "balie")
    assert got.answer("datum", 2) == dt.date(2024, 6, 30)
    assert got.answer("uren", 3) == 0.25


def test_batches_and_feeds_do_not_change_the_codes(form: Form, monkeypatch) -> None:
    monkeypatch.setattr(encoding, "_BATCH", 2)
    documents = [stored(row) for row in ROWS * 5]
    documents.append(stored({"org": "rijk", "toelichting": "only at the end"}))
    for pieces in (1, 3, 26):
        assert_same(form, documents, pieces)


def test_damaged_answers_are_reported_as_from_records_reports_them(form: Form) -> None:
    documents = [
        json.dumps({"org": "waterschap", "uren": "veel", "leeftijd": 44}),
        json.dumps({"org": "waterschap", "kanalen": ["web", "fax"], "pct": True}),
        json.dumps({"org": "rijk", "uren": 1, "kanalen": "web balie"}),
        json.dumps({"wens": 3, "uren": False, "leeftijd": None}),
    ]
    with pytest.raises(DatasetError) as caught:
        by_columns(form, documents)
    assert [str(problem) for problem in caught.value.problems] == [
        "column 'leeftijd': 2 answers under a key that is no question",
        "column 'org': 2 values not in the choice list (e.g. 'waterschap')",
        "column 'wens': 1 value not in the choice list (e.g. '3')",
        "column 'kanalen': 1 value not in the choice list (e.g. 'fax')",
        "column 'pct': 1 value of the wrong type (expected a number) (e.g. 'True')",
        "column 'uren': 2 values of the wrong type (expected a number) (e.g. 'veel', 'False')",
    ]
    assert_same(form, documents)


def test_an_object_under_a_text_question_is_reported(form: Form) -> None:
    documents = [json.dumps({"toelichting": {"a": 1}}), json.dumps({"toelichting": "ok"})]
    with pytest.raises(DatasetError, match="column 'toelichting': 1 value of the wrong type "
                       r"\(expected text\) \(e.g. \"\{'a': 1\}\"\)"):
        by_columns(form, documents)
    assert_same(form, documents)


def test_true_is_not_taken_for_one(form: Form) -> None:
    """``1 == True`` in Python; a stored ``true`` must still be refused as a number."""
    documents = [json.dumps({"uren": 1}), json.dumps({"uren": True}), json.dumps({"uren": 1.0})]
    with pytest.raises(DatasetError, match="column 'uren': 1 value of the wrong type"):
        by_columns(form, documents)
    assert_same(form, documents)


def test_a_document_that_is_no_object_is_reported_not_crashed_on(form: Form) -> None:
    with pytest.raises(DatasetError, match="column '': 1 answer under a key that is no question"):
        by_columns(form, [stored(ROWS[0]), "[1, 2]"])


def test_numbers_past_64_bits_are_read_as_floats(form: Form) -> None:
    got = by_columns(form, [json.dumps({"uren": 2**70}), json.dumps({"uren": 2.5})])
    assert got.numbers("uren").tolist() == [float(2**70), 2.5]


CHOICE_LIKE = st.sampled_from(["gemeente", "rijk", "overig", "eens", "web", "balie", "x", ""])
VALUE = st.one_of(
    st.none(), CHOICE_LIKE, st.booleans(), st.integers(-5, 5), st.floats(-2, 2).map(round),
    st.lists(CHOICE_LIKE, max_size=3), st.dates().map(dt.date.isoformat),
    st.sampled_from(["2024-13-01", "31-12-2024"]), st.dictionaries(CHOICE_LIKE, st.integers(-(2**63), 2**63 - 1), max_size=1),
)  # fmt: skip
KEY = st.sampled_from(["org", "st_a", "st_b", "wens", "kanalen", "pct", "uren", "toelichting",
                       "datum", "leeftijd"])  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.none(), st.dictionaries(KEY, VALUE, max_size=6)), max_size=12),
       st.integers(1, 4))  # fmt: skip
def test_any_stored_answers_read_the_same_both_ways(
    form: Form, rows: list[dict[str, Any] | None], pieces: int
) -> None:
    # Text answers that are numbers equal in value (1 and 1.0) are one distinct value in a
    # column store; from_records keeps both spellings. No page stores a number as text.
    for row in rows or []:
        if row and isinstance(row.get("toelichting"), int | float):
            row["toelichting"] = str(row["toelichting"])
    documents = [None if row is None else json.dumps(row) for row in rows]
    assert_same(form, documents, pieces)


@pytest.mark.parametrize("document", [
    '{"leeftijd": 44}',                      # a key that is no question
    '{"uren": true}',                        # a boolean where a number belongs
    '{"kanalen": "web balie"}',              # text where a list of choices belongs
    '{"org": 3}',                            # a number where a choice belongs
    '{"kanalen": ["web", "a\\u0000b"]}',     # the character that joins choices
    '{\n"org": "rijk"\n}',                   # a document over several lines
    '[1, 2]',                                # no object
])  # fmt: skip
def test_the_arrow_way_refuses_what_its_column_types_do_not_describe(
    form: Form, document: str
) -> None:
    with pytest.raises(NotColumnar):
        by_columns(form, [stored(ROWS[0]), document], encoder=ArrowEncoder)


RANKED = """
## survey
| type        | name     | label                  | calculation       |
| rank kanaal | volgorde | Zet de kanalen op volgorde |               |
| calculate   | eerste   |                        | count-selected(${volgorde}) |
## choices
| list_name | name     | label    |
| kanaal    | web      | Website  |
| kanaal    | telefoon | Telefoon |
## settings
| form_id | form_title |
| rank    | Rangorde   |
"""


def test_rank_answers_read_as_tuples_every_way(tmp_path) -> None:
    ranked = read_xlsform(write_workbook(RANKED, tmp_path / "rank.xlsx"))
    documents = [json.dumps({"volgorde": ["web", "telefoon"], "eerste": "2"}),
                 json.dumps({"volgorde": ["telefoon", "web"], "eerste": "2"}),
                 None, json.dumps({"volgorde": ["web", "telefoon"], "eerste": "2"})]
    assert_same(ranked, documents)
    got = by_columns(ranked, documents, encoder=ArrowEncoder)
    assert [got.answer("volgorde", row) for row in range(4)] == [
        ("web", "telefoon"), ("telefoon", "web"), None, ("web", "telefoon")]
    assert got.distinct_values("volgorde") == (("web", "telefoon"), ("telefoon", "web"))
