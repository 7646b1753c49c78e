"""Dataset: coding answers, routing (asked vs answered), expressions, memory."""

from __future__ import annotations

import datetime
import tracemalloc

import numpy as np
import pytest

from peiling.analysis.dataset import (
    Category,
    Dataset,
    DatasetError,
    ExpressionFailed,
    UnknownVariableError,
    Variable,
    variables_from_form,
)
from peiling.forms import expressions
from peiling.forms.model import Choice, Form, Group, Question


def make_form() -> Form:
    """A small questionnaire with routing on a question and on a group."""
    return Form(
        form_id="digi",
        title="Digitalisering",
        languages=("Nederlands (nl)", "English (en)"),
        default_language="Nederlands (nl)",
        children=(
            Question("org", "select_one", {"Nederlands (nl)": "Organisatie",
                                           "English (en)": "Organisation"}, choice_list="org"),
            Question("leeftijd", "integer", {"Nederlands (nl)": "Leeftijd"}),
            Question("kanaal", "select_multiple", {"Nederlands (nl)": "Kanalen"},
                     choice_list="kanaal"),
            Question("pct", "decimal", {"Nederlands (nl)": "Percentage digitaal"},
                     relevant="${org} = 'gemeente'"),
            Group("ict", {"Nederlands (nl)": "ICT"}, relevant="selected(${kanaal}, 'web')",
                  children=(Question("tevreden", "select_one", {"Nederlands (nl)": "Tevreden?"},
                                     choice_list="yn", relevant="${leeftijd} >= 30"),)),
            Question("toelichting", "text", {"Nederlands (nl)": "Toelichting"}),
            Question("datum", "date", {"Nederlands (nl)": "Datum"}),
            Question("uitleg", "note", {"Nederlands (nl)": "Dank u"}),
        ),
        choice_lists={
            "org": (Choice("gemeente", {"Nederlands (nl)": "Gemeente", "English (en)": "Municipality"}),
                    Choice("rijk", {"Nederlands (nl)": "Rijk"})),
            "kanaal": (Choice("web", {"Nederlands (nl)": "Website"}),
                       Choice("tel", {"Nederlands (nl)": "Telefoon"}),
                       Choice("balie", {"Nederlands (nl)": "Balie"})),
            "yn": (Choice("ja", {"Nederlands (nl)": "Ja"}), Choice("nee", {"Nederlands (nl)": "Nee"})),
        },
    )  # fmt: skip


RECORDS = [
    {"org": "gemeente", "leeftijd": 45, "kanaal": ("web", "tel"), "pct": 50.0,
     "tevreden": "ja", "toelichting": "prima", "datum": datetime.date(2024, 5, 1)},
    {"org": "gemeente", "leeftijd": 25, "kanaal": ("web",), "pct": None, "tevreden": None},
    {"org": "rijk", "leeftijd": 60, "kanaal": ("balie",), "tevreden": None},
    {"org": "rijk", "leeftijd": None, "kanaal": None},
    {"org": None, "leeftijd": 31, "kanaal": ("web",), "tevreden": "nee"},
]  # fmt: skip


def test_variables_from_form_follow_the_form() -> None:
    variables = variables_from_form(make_form(), "en")
    assert list(variables) == [
        "org",
        "leeftijd",
        "kanaal",
        "pct",
        "tevreden",
        "toelichting",
        "datum",
    ]  # fmt: skip  (the note holds no answer)
    assert variables["org"].label == "Organisation"
    assert variables["org"].categories == (
        Category("gemeente", "Municipality"),
        Category("rijk", "Rijk"),  # falls back to the default language
    )
    assert [variables[n].kind for n in ("leeftijd", "kanaal", "pct", "datum")] == [
        "numeric", "multiple", "numeric", "text",
    ]  # fmt: skip
    assert variables["tevreden"].relevance == ("selected(${kanaal}, 'web')", "${leeftijd} >= 30")


def test_from_records_codes_every_kind() -> None:
    data = Dataset.from_records(make_form(), RECORDS)
    assert data.n == 5
    assert data.codes("org").tolist() == [0, 0, 1, 1, -1]
    assert data.codes("org").dtype == np.int8
    assert data.selected("kanaal").tolist() == [[1, 1, 0], [1, 0, 0], [0, 0, 1], [0, 0, 0],
                                                [1, 0, 0]]  # fmt: skip
    assert data.answered("kanaal").tolist() == [True, True, True, False, True]
    assert data.column("kanaal/tel").tolist() == [1, 0, 0, 0, 0]
    np.testing.assert_array_equal(data.numbers("leeftijd"), [45, 25, 60, np.nan, 31])
    assert data.distinct_values("toelichting") == ("prima",)
    assert data.answer("datum", 0) == datetime.date(2024, 5, 1)
    assert data.answer("kanaal", 0) == ("web", "tel")
    assert data.answer("leeftijd", 0) == 45 and isinstance(data.answer("leeftijd", 0), int)
    assert data.answer("leeftijd", 3) is None
    assert data.weights is None
    assert data.problems == ()


def test_asked_follows_question_and_group_relevance() -> None:
    data = Dataset.from_records(make_form(), RECORDS)
    # pct: relevant when org = gemeente. Respondent 2 was asked but did not answer.
    assert data.asked("pct").tolist() == [True, True, False, False, False]
    assert data.answered("pct").tolist() == [True, False, False, False, False]
    # tevreden: group (web chosen) and question (leeftijd >= 30) must both hold.
    assert data.asked("tevreden").tolist() == [True, False, False, False, True]
    assert data.answered("tevreden").tolist() == [True, False, False, False, True]
    assert data.asked("org").all()  # no routing: everyone asked


def test_answers_given_where_not_asked_are_cleared_and_reported() -> None:
    records = [dict(r) for r in RECORDS]
    records[2]["pct"] = 10.0  # rijk: not asked
    records[3]["pct"] = 20.0
    data = Dataset.from_records(make_form(), records)
    assert np.isnan(data.numbers("pct")[2:4]).all()
    assert [str(p) for p in data.problems] == [
        "column 'pct': 2 answers given where the question was not asked "
        "(relevant: ${org} = 'gemeente'); left out of every base (e.g. respondents 3, 4)"
    ]
    assert data.problems[0].kind == "not_asked" and data.problems[0].count == 2


def test_from_records_reports_every_problem_at_once() -> None:
    records = [
        {"org": "provincie", "leeftijd": "veertig", "kanaal": ("web", "fax"), "extra": 1},
        {"org": "Gemeente", "leeftijd": True, "gewicht": -1},
    ]
    with pytest.raises(DatasetError) as caught:
        Dataset.from_records(make_form(), records, weight="gewicht")
    assert [str(p) for p in caught.value.problems] == [
        "column 'extra': 1 answer under a key that is no question",
        "column 'org': 2 values not in the choice list (e.g. 'provincie', 'Gemeente')",
        "column 'leeftijd': 2 values of the wrong type (expected a number) "
        "(e.g. 'veertig', 'True')",
        "column 'kanaal': 1 value not in the choice list (e.g. 'fax')",
        "column 'gewicht': 2 values that cannot be a weight (expected a finite number >= 0; "
        "e.g. 'None', '-1')",
    ]


def test_record_weights() -> None:
    records = [dict(r, gewicht=w) for r, w in zip(RECORDS, [1, 2, 0.5, 1, 1.5], strict=True)]
    data = Dataset.from_records(make_form(), records, weight="gewicht")
    assert data.weights.tolist() == [1, 2, 0.5, 1, 1.5]
    assert data.with_weights(None).weights is None
    assert data.weights is not None  # with_weights returns a new dataset


def test_with_single_adds_a_paradata_variable_that_filters_and_banners_can_use() -> None:
    data = Dataset.from_records(make_form(), RECORDS)
    source = Variable("bron", "single", "Bron",
                      (Category("panel", "Panel"), Category("link", "Open link")))
    more = data.with_single(source, [0, 0, 1, -1, 1])
    assert "bron" not in data.variables  # a new dataset; the first one is unchanged
    assert more.codes("bron").tolist() == [0, 0, 1, -1, 1]
    assert more.answered("bron").tolist() == [True, True, True, False, True]
    assert more.evaluate("${bron} = 'link'").tolist() == [False, False, True, False, True]
    assert more.codes("org").tolist() == data.codes("org").tolist()
    with pytest.raises(ValueError, match="exists already"):
        more.with_single(source, [0] * 5)
    with pytest.raises(ValueError, match="4 codes for 5 respondents"):
        data.with_single(source, [0, 0, 1, 1])
    with pytest.raises(ValueError, match="codes must be -1 or positions of its 2 categories"):
        data.with_single(source, [0, 0, 2, 1, 1])


def test_constructor_from_columns() -> None:
    form = make_form()
    data = Dataset.from_columns(
        form,
        {
            "org": np.array([0, 1, -1, 0]),
            "kanaal/web": [1, 0, 1, -1],
            "kanaal/balie": [0, 1, 0, -1],
            "leeftijd": [30.0, 40.0, np.nan, 50.0],
        },
        weights=[1.0, 1.0, 2.0, 2.0],
    )
    assert data.codes("org").tolist() == [0, 1, -1, 0]
    assert data.selected("kanaal").tolist() == [[1, 0, 0], [0, 0, 1], [1, 0, 0], [0, 0, 0]]
    assert data.answered("kanaal").tolist() == [True, True, True, False]
    assert not data.answered("toelichting").any()  # no column: nobody answered


def test_constructor_refuses_columns_that_do_not_fit() -> None:
    variables = [Variable("q", "single", "Q", (Category("a", "A"), Category("b", "B")))]
    with pytest.raises(DatasetError, match="code 2 is past the last of 2 categories"):
        Dataset(variables, {"q": [0, 2]})
    with pytest.raises(DatasetError, match="columns without a variable: r"):
        Dataset(variables, {"q": [0, 1], "r": [1, 2]})
    with pytest.raises(DatasetError, match=r"columns differ in length: \[2, 3\]"):
        Dataset(variables, {"q": [0, 1]}, weights=[1, 2, 3])
    with pytest.raises(DatasetError, match="weights must be finite and not negative; 1 are not"):
        Dataset(variables, {"q": [0, 1]}, weights=[1, -2])
    with pytest.raises(ValueError, match="kind must be one of"):
        Variable("x", "ordinal", "X")  # type: ignore[arg-type]


def test_arrays_are_read_only() -> None:
    data = Dataset.from_records(make_form(), RECORDS)
    with pytest.raises(ValueError, match="read-only"):
        data.codes("org")[0] = 1


def test_unknown_variable_suggests_close_names() -> None:
    data = Dataset.from_records(make_form(), RECORDS)
    with pytest.raises(UnknownVariableError) as caught:
        data.codes("orgg")
    assert str(caught.value) == "unknown variable 'orgg'; did you mean org?"
    with pytest.raises(UnknownVariableError, match="unknown variable 'x'"):
        data.evaluate("${x} = 1")


def test_evaluate_every_kind_of_answer() -> None:
    data = Dataset.from_records(make_form(), RECORDS)
    assert data.evaluate("${org} = 'gemeente'").tolist() == [True, True, False, False, False]
    assert data.evaluate("${leeftijd} > 30").tolist() == [True, False, True, False, True]
    assert data.evaluate("selected(${kanaal}, 'web')").tolist() == [True, True, False, False, True]
    assert data.evaluate("${org} = ''").tolist() == [False, False, False, False, True]
    assert data.evaluate("${toelichting} = 'prima'").tolist() == [True, False, False, False, False]
    assert data.evaluate("${datum} >= date('2024-01-01')").tolist() == [True] + [False] * 4
    assert data.evaluate("true()").tolist() == [True] * 5


def test_evaluate_once_per_distinct_combination(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, object]] = []
    original = expressions.Expression.evaluate_bool

    def counting(self: expressions.Expression, env: expressions.Environment) -> bool:
        calls.append(dict(env.values))
        return original(self, env)

    monkeypatch.setattr(expressions.Expression, "evaluate_bool", counting)
    rng = np.random.default_rng(7)
    variables = [
        Variable("a", "single", "A", (Category("x", "X"), Category("y", "Y"))),
        Variable("b", "single", "B", tuple(Category(str(i), str(i)) for i in range(5))),
    ]
    data = Dataset(variables, {"a": rng.integers(-1, 2, 100_000), "b": rng.integers(0, 5, 100_000)})
    result = data.evaluate("${a} = 'x' and ${b} != '3'")
    assert len(calls) == 15  # 3 levels of a (x, y, no answer) x 5 of b
    expected = (data.codes("a") == 0) & (data.codes("b") != 3)
    np.testing.assert_array_equal(result, expected)


def test_expression_errors_are_expression_failed() -> None:
    data = Dataset.from_records(make_form(), RECORDS)
    with pytest.raises(ExpressionFailed, match=r"expression '\$\{org\} = ': "):
        data.evaluate("${org} = ")


def test_memory_of_a_million_by_a_hundred_questions() -> None:
    """1,000,000 respondents x 100 categorical questions stay well under 1 GB (issue 3)."""
    n, k = 1_000_000, 100
    categories = tuple(Category(f"c{i}", f"C{i}") for i in range(5))
    variables = [Variable(f"q{i}", "single", f"Q{i}", categories) for i in range(k)]
    column = np.zeros(n, dtype=np.int8)
    tracemalloc.start()
    try:
        data = Dataset(variables, {f"q{i}": column for i in range(k)})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert data.nbytes == n * k  # one byte per answer, no masks without routing
    assert peak < 1_000_000_000


def test_public_api_of_the_analysis_package() -> None:
    import peiling.analysis as analysis
    import peiling.exchange as exchange

    assert sorted(analysis.__all__) == [
        "Band", "Banner", "Category", "Column", "DataProblem", "Dataset", "DatasetError",
        "ExpressionFailed", "Net", "NetScore", "Row", "Table", "TableError",
        "UnknownVariableError", "Variable", "WeightingError", "WeightingResult", "banded_table",
        "bands", "cell_weights", "column_letters", "compare_column_means",
        "compare_column_proportions", "effective_n", "frequency_table", "grid_table",
        "make_banner", "mean_letters", "multiple_table", "numeric_table", "rake",
        "round_half_up", "tabulate", "variables_from_form", "versus_rest", "welch_t",
    ]  # fmt: skip
    assert all(hasattr(analysis, name) for name in analysis.__all__)
    assert sorted(exchange.__all__) == [
        "FORMATS", "ReadError", "ReadReport", "ReadResult", "read_data", "read_frame",
    ]  # fmt: skip
    assert all(hasattr(exchange, name) for name in exchange.__all__)


def test_current_answer_has_no_meaning_in_a_filter() -> None:
    data = Dataset.from_records(make_form(), RECORDS)
    with pytest.raises(ExpressionFailed, match=r"'\.' \(the answer being checked\) only has"):
        data.evaluate(". > 3")
