"""Expected answers for simulated respondents: the file is checked against the form, and the
simulated shares land near the expected ones (overall, per subgroup, multiple choice)."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from peiling.forms.expected import ExpectedError, read_expected
from peiling.forms.model import Choice, Form, Question
from peiling.forms.simulate import simulate_answers


def _choices(*names: str) -> tuple[Choice, ...]:
    return tuple(Choice(name, {"default": name.capitalize()}) for name in names)


FORM = Form(
    form_id="verwacht", title="Verwacht",
    children=(
        Question("org", "select_one", required="true()", choice_list="org"),
        Question("oordeel", "select_one", required="true()", choice_list="oordeel"),
        Question("kanalen", "select_multiple", choice_list="kanalen"),
        Question("toelichting", "text"),
    ),
    choice_lists={"org": _choices("gemeente", "rijk"),
                  "oordeel": _choices("goed", "matig", "slecht"),
                  "kanalen": _choices("web", "mail", "balie")},
)

FILE = """question,choice,percent,when
org,gemeente,70,
org,rijk,30,
oordeel,goed,80,${org} = 'gemeente'
oordeel,matig,15,${org} = 'gemeente'
oordeel,slecht,5,${org} = 'gemeente'
oordeel,goed,20,
oordeel,matig,30,
oordeel,slecht,50,
kanalen,web,90,
kanalen,mail,40,
"""


def _shares(rows: list[dict], name: str) -> dict[str, float]:
    counts = Counter(row[name] for row in rows)
    return {key: 100 * value / len(rows) for key, value in counts.items()}


def test_simulated_answers_land_near_the_expected_shares() -> None:
    expected = read_expected(FILE, FORM)
    rng = random.Random(7)
    rows = [simulate_answers(FORM, rng, expected=expected) for _ in range(4000)]
    assert _shares(rows, "org") == pytest.approx({"gemeente": 70, "rijk": 30}, abs=2.5)
    gemeente = [row for row in rows if row["org"] == "gemeente"]
    rijk = [row for row in rows if row["org"] == "rijk"]
    assert _shares(gemeente, "oordeel") == pytest.approx(
        {"goed": 80, "matig": 15, "slecht": 5}, abs=2.5)
    assert _shares(rijk, "oordeel") == pytest.approx(
        {"goed": 20, "matig": 30, "slecht": 50}, abs=4)
    ticked = Counter(choice for row in rows for choice in row.get("kanalen", ()))
    assert 100 * ticked["web"] / len(rows) == pytest.approx(90, abs=2.5)
    assert 100 * ticked["mail"] / len(rows) == pytest.approx(40, abs=3)
    assert ticked["balie"] == 0  # not in the file: never ticked while others are expected


def test_without_expected_shares_the_answers_stay_uniform() -> None:
    rng = random.Random(7)
    rows = [simulate_answers(FORM, rng) for _ in range(3000)]
    assert _shares(rows, "oordeel") == pytest.approx(
        {"goed": 33.3, "matig": 33.3, "slecht": 33.3}, abs=3)


@pytest.mark.parametrize(("text", "problem"), [
    ("vraag,keuze,procent\n", "verwacht.csv:1: expected the header 'question,choice,percent'"),
    ("question,choice,percent\nonbekend,goed,50\n",
     "verwacht.csv:2: 'onbekend' is not a single or multiple choice question of this form"),
    ("question,choice,percent\ntoelichting,goed,50\n",
     "verwacht.csv:2: 'toelichting' is not a single or multiple choice question of this form"),
    ("question,choice,percent\noordeel,prima,100\n",
     "verwacht.csv:2: 'prima' is not a choice of oordeel; expected one of goed, matig, slecht"),
    ("question,choice,percent\noordeel,goed,veel\n",
     "verwacht.csv:2: percent 'veel' is not a number"),
    ("question,choice,percent\nkanalen,web,120\n",
     "verwacht.csv:2: percent 120 is not between 0 and 100"),
    ("question,choice,percent\noordeel,goed,50\noordeel,matig,20\n",
     "verwacht.csv:2: the percentages of oordeel add up to 70; they must add up to 100"),
    ("question,choice,percent\noordeel,goed,50\noordeel,goed,50\n",
     "verwacht.csv:3: oordeel = goed is given twice"),
    ("question,choice,percent,when\noordeel,goed,100,${org} = \n",
     "verwacht.csv:2: when '${org} =': "),
    ("question,choice,percent,when\noordeel,goed,100,${sector} = 'x'\n",
     "verwacht.csv:2: when \"${sector} = 'x'\": sector is not a question of this form"),
    ("question,choice,percent\noordeel,goed,100,extra\n",
     "verwacht.csv:2: expected 3 fields (got 4)"),
])
def test_a_file_that_does_not_fit_names_the_line(text, problem) -> None:
    with pytest.raises(ExpectedError) as caught:
        read_expected(text, FORM, name="verwacht.csv")
    assert caught.value.problems[0].startswith(problem)


def test_semicolons_and_decimal_commas_are_read() -> None:
    expected = read_expected("question;choice;percent\noordeel;goed;62,5\noordeel;matig;37,5\n",
                             FORM)
    assert expected == {"oordeel": [(None, {"goed": 62.5, "matig": 37.5})]}
