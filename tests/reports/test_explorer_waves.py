"""The table explorer over stacked waves (``reports.explorer.explore_waves``): a column per
wave, per wave and subgroup for a chosen banner, and questions that differ between the waves
named instead of tabulated."""

from __future__ import annotations

import numpy as np
import pytest
from django.utils import translation

from peiling.analysis import Category, Dataset, Variable
from peiling.analysis.tables import frequency_table
from peiling.analysis.trends import Wave
from peiling.reports.explorer import ChoiceError, TableChoice, crossed_banner, explore_waves
from tests.fieldwork.conftest import example_form  # noqa: F401  (fixture)

YES_NO = (Category("ja", "Ja"), Category("nee", "Nee"))
SEX = (Category("man", "Man"), Category("vrouw", "Vrouw"))


def wave(label: str, answers, sexes, choices=YES_NO) -> Wave:
    return Wave(label, Dataset(
        [Variable("vraag", "single", label="Tevreden?", categories=choices,
                  question_type="select_one"),
         Variable("geslacht", "single", label="Geslacht", categories=SEX,
                  question_type="select_one")],
        {"vraag": answers, "geslacht": sexes}))


def test_a_column_per_wave_and_subgroup_holds_that_wave_and_subgroup(example_form) -> None:  # noqa: F811
    rng = np.random.default_rng(3)
    waves = [wave(str(year), rng.choice(2, size=n), rng.choice(2, size=n))
             for year, n in ((2021, 120), (2023, 150))]
    exploration = explore_waves(example_form, waves,
                                TableChoice("vraag", banners=("geslacht",)))
    table = exploration.table.table
    labels = [c.label for c in table.columns]
    assert labels[:2] == ["2021", "2023"]
    for w in waves:
        for code, sex in enumerate(("Man", "Vrouw")):
            rows = w.dataset.codes("geslacht") == code
            column = table.columns[labels.index(f"{w.label} · {sex}")]
            expected = np.bincount(w.dataset.codes("vraag")[rows], minlength=2)
            assert column.base == rows.sum()
            position = table.columns.index(column)
            assert [r.values[position] for r in table.rows[:2]] == pytest.approx(
                list(100 * expected / expected.sum()))
    assert exploration.trend is not None and exploration.trend.chart.rows[0].label == "2021"


def test_waves_whose_question_differs_are_named_not_tabulated(example_form) -> None:  # noqa: F811
    other = (Category("ja", "Ja"), Category("nee", "Nee"), Category("wn", "Weet niet"))
    waves = [wave("2021", [0, 1, 2], [0, 1, 0], choices=other), wave("2023", [0, 1], [1, 0])]
    with pytest.raises(ChoiceError) as caught:
        explore_waves(example_form, waves, TableChoice("geslacht"))
    assert "vraag" in str(caught.value) and "2021" in str(caught.value)
    with translation.override("en"), pytest.raises(ChoiceError, match="first banner"):
        explore_waves(example_form, [waves[1], wave("2025", [0], [0])],
                      TableChoice("vraag", banners=("golf",)))


def test_crossing_leaves_out_a_respondent_without_either_answer() -> None:
    data = wave("2021", [0, 1, 0, -1], [0, -1, 1, 1]).dataset
    crossed, name = crossed_banner(data, "vraag", "geslacht")
    assert name == "vraag__geslacht"
    assert list(crossed.codes(name)) == [0, -1, 1, -1]
    assert [c.label for c in crossed.variable(name).categories] == [
        "Ja · Man", "Ja · Vrouw", "Nee · Man", "Nee · Vrouw"]
    assert frequency_table(crossed, name).columns[0].base == 2
