"""Trend tables over waves: shares and means per wave, the change from the previous and the
first wave tested; compared with scipy and statsmodels on random data and with cases worked
by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportions_ztest
from statsmodels.stats.weightstats import DescrStatsW

from peiling.analysis import Category, Dataset, Variable
from peiling.analysis.trends import NOT_ASKED, TrendError, Wave, check_waves, trend_table

CHOICES = (Category("ja", "Ja"), Category("nee", "Nee"), Category("wn", "Weet niet"))


def wave(label: str, *, grade=None, choice=None, weights=None, choices=CHOICES,
         grade_kind: str = "numeric") -> Wave:
    variables, columns = [], {}
    if grade is not None:
        variables.append(Variable("cijfer", grade_kind, label="Rapportcijfer",
                                  categories=choices if grade_kind != "numeric" else ()))
        columns["cijfer"] = grade
    if choice is not None:
        variables.append(Variable("vraag", "single", label="Tevreden?", categories=choices))
        columns["vraag"] = choice
    return Wave(label, Dataset(variables, columns, weights=weights))


def test_shares_and_their_changes_match_statsmodels_on_random_data() -> None:
    rng = np.random.default_rng(7)
    waves = [wave(str(2008 + i), choice=rng.choice(3, size=n, p=p))
             for i, (n, p) in enumerate([(400, (0.5, 0.4, 0.1)), (500, (0.6, 0.3, 0.1)),
                                         (450, (0.58, 0.32, 0.1))])]
    table = trend_table(waves, "vraag")
    assert table.kind == "shares" and table.waves == ("2008", "2009", "2010")
    assert table.bases == (400, 500, 450) and not table.weighted
    row = table.row("ja")
    counts = [int((w.dataset.codes("vraag") == 0).sum()) for w in waves]
    for i in range(3):
        assert row.values[i] == pytest.approx(100 * counts[i] / table.bases[i], abs=1e-12)
    for i, j, p in ((1, 0, row.p_previous[1]), (2, 1, row.p_previous[2]),
                    (2, 0, row.p_first[2])):
        _z, expected = proportions_ztest([counts[i], counts[j]],
                                         [table.bases[i], table.bases[j]])
        assert p == pytest.approx(expected, abs=1e-9)
    assert math.isnan(row.p_previous[0]) and row.previous[0] is None


def test_weighted_shares_are_tested_on_effective_bases() -> None:
    rng = np.random.default_rng(3)
    waves = []
    for i in range(2):
        n = 300
        waves.append(wave(str(i), choice=rng.choice(3, size=n, p=(0.5, 0.4, 0.1)),
                          weights=rng.uniform(0.4, 2.5, size=n)))
    table = trend_table(waves, "vraag")
    assert table.weighted
    p, neff = [], []
    for w in waves:
        weights = w.dataset.weights
        p.append(float(weights[w.dataset.codes("vraag") == 0].sum() / weights.sum()))
        neff.append(float(weights.sum() ** 2 / (weights**2).sum()))
    assert table.effective_bases == pytest.approx(neff, abs=1e-9)
    pooled = (p[0] * neff[0] + p[1] * neff[1]) / (neff[0] + neff[1])
    z = (p[1] - p[0]) / math.sqrt(pooled * (1 - pooled) * (1 / neff[0] + 1 / neff[1]))
    assert table.row("ja").p_previous[1] == pytest.approx(2 * stats.norm.sf(abs(z)), abs=1e-9)


def test_means_intervals_and_welch_match_scipy_on_random_data() -> None:
    rng = np.random.default_rng(11)
    grades = [np.round(rng.normal(m, 1.2, size=n), 1) for m, n in
              ((6.7, 800), (6.75, 700), (6.9, 900))]
    table = trend_table([wave(str(2008 + i), grade=g) for i, g in enumerate(grades)], "cijfer")
    assert table.kind == "means"
    mean, sd = table.row("mean"), table.row("sd")
    for i, g in enumerate(grades):
        assert mean.values[i] == pytest.approx(g.mean(), abs=1e-9)
        assert sd.values[i] == pytest.approx(g.std(ddof=1), abs=1e-9)
        low, high = stats.t.interval(0.95, len(g) - 1, loc=g.mean(), scale=stats.sem(g))
        assert table.row("ci_low").values[i] == pytest.approx(low, abs=1e-9)
        assert table.row("ci_high").values[i] == pytest.approx(high, abs=1e-9)
    for i, j, p in ((1, 0, mean.p_previous[1]), (2, 1, mean.p_previous[2]),
                    (2, 0, mean.p_first[2])):
        expected = stats.ttest_ind(grades[i], grades[j], equal_var=False).pvalue
        assert p == pytest.approx(expected, abs=1e-9)


def test_weighted_means_match_statsmodels_with_the_effective_base() -> None:
    rng = np.random.default_rng(5)
    x = np.round(rng.normal(7, 1, size=250), 1)
    w = rng.uniform(0.5, 2, size=250)
    table = trend_table([wave("a", grade=x, weights=w), wave("b", grade=x + 0.3, weights=w)],
                        "cijfer")
    described = DescrStatsW(x, weights=w)
    neff = w.sum() ** 2 / (w**2).sum()
    assert table.row("mean").values[0] == pytest.approx(described.mean, abs=1e-9)
    sd = math.sqrt(described.var * neff / (neff - 1))
    assert table.row("sd").values[0] == pytest.approx(sd, abs=1e-9)
    half = stats.t.ppf(0.975, neff - 1) * sd / math.sqrt(neff)
    assert table.row("ci_low").values[0] == pytest.approx(described.mean - half, abs=1e-9)


def test_a_hand_worked_rise_from_6_7_to_6_9() -> None:
    # 2008: 100 x 6 and 100 x 7.4 (mean 6.7); 2015: 100 x 6.2 and 100 x 7.6 (mean 6.9).
    # SD both sqrt(0.49 x 200/199); t = 0.2 / sqrt(2 x 0.49 x 200/199 / 200) = 2.853...
    first = np.repeat([6.0, 7.4], 100)
    last = np.repeat([6.2, 7.6], 100)
    table = trend_table([wave("2008", grade=first), wave("2015", grade=last)], "cijfer",
                        threshold=6)
    mean = table.row("mean")
    assert mean.values == pytest.approx((6.7, 6.9))
    t = 0.2 / math.sqrt(2 * 0.49 * 200 / 199 / 200)
    assert mean.p_previous[1] == pytest.approx(2 * stats.t.sf(t, 398), abs=1e-12)
    assert mean.previous == (None, 1) and mean.first == (None, 1)
    below = table.row("below")  # 6.0 is not below 6; nobody is onvoldoende
    assert below.values == (0.0, 0.0) and below.previous == (None, None)
    assert "Welch" in table.footnote and "onvoldoende" in table.footnote


def test_a_change_that_is_not_significant_is_no_rise() -> None:
    table = trend_table([wave("2008", choice=[0] * 50 + [1] * 50),
                         wave("2009", choice=[0] * 55 + [1] * 45)], "vraag")
    row = table.row("ja")
    assert row.values == (50.0, 55.0) and row.previous == (None, 0)
    assert row.p_previous[1] > 0.05


def test_a_wave_that_did_not_ask_is_not_asked_never_zero() -> None:
    waves = [wave("2008", choice=[0] * 60 + [1] * 40), wave("2009", grade=[7.0] * 10),
             wave("2010", choice=[0] * 40 + [1] * 60)]
    table = trend_table(waves, "vraag")
    assert table.asked == (True, False, True) and table.bases == (100, 0, 100)
    row = table.row("ja")
    assert row.values == (60.0, None, 40.0)
    # The change to 2010 is from 2008, the last wave that asked it.
    assert row.previous == (None, None, -1) and row.first == (None, None, -1)
    assert NOT_ASKED in table.footnote


def test_questions_that_changed_between_waves_are_named() -> None:
    other = (Category("ja", "Ja"), Category("nee", "Nee"))
    waves = [wave("2008", choice=[0, 1, 2]), wave("2009", choice=[0, 1], choices=other),
             wave("2010", grade=[0, 1], grade_kind="single")]
    with pytest.raises(TrendError) as caught:
        trend_table(waves, "vraag")
    [problem] = caught.value.problems
    assert "'vraag'" in problem and "2008" in problem and "2009" in problem
    with pytest.raises(TrendError, match="no wave asked 'onbekend'"):
        trend_table(waves[:1], "onbekend")
    with pytest.raises(TrendError) as caught:
        check_waves([waves[2], wave("2011", grade=[6.0, 7.0])])
    assert "'cijfer'" in str(caught.value) and "numeric in 2011" in str(caught.value)
    with pytest.raises(ValueError, match="alpha"):
        trend_table(waves[:1], "vraag", alpha=2)


def test_a_renamed_question_and_a_recoded_choice_are_mapped() -> None:
    from peiling.analysis.trends import WaveMap, harmonise

    old = (Category("j", "Ja"), Category("n", "Nee"), Category("x", "Geen mening"),
           Category("wn", "Weet niet"))
    first = Wave("2008", Dataset([Variable("tevreden", "single", label="Tevreden?",
                                           categories=old)], {"tevreden": [0, 0, 1, 2, 3, -1]}))
    second = wave("2009", choice=[0, 1, 1, 2])
    with pytest.raises(TrendError, match="differs between the waves"):
        check_waves([Wave("2008", first.dataset.renamed("tevreden", "vraag")), second])
    maps = [WaveMap("2008", "tevreden", "vraag", (("j", "ja"), ("n", "nee"), ("x", "wn")))]
    mapped = harmonise([first, second], maps)
    table = trend_table(mapped, "vraag")
    # 2008: ja 2, nee 1, weet niet 2 (geen mening + weet niet) of 5 answers.
    assert [table.row(k).values[0] for k in ("ja", "nee", "wn")] == [40.0, 20.0, 40.0]
    assert table.bases == (5, 4)
    assert "tevreden" not in mapped[0].dataset.variables
    with pytest.raises(TrendError, match="wave '2020'"):
        harmonise([first, second], [WaveMap("2020", "tevreden", "vraag")])
    with pytest.raises(TrendError, match="unknown"):
        harmonise([first, second], [WaveMap("2008", "tevredenheid", "vraag")])
    with pytest.raises(TrendError, match="has no place"):
        harmonise([first, second], [WaveMap("2008", "tevreden", "vraag", (("j", "ja"),))])


def test_stacked_waves_have_a_wave_variable_and_not_asked_stays_not_asked() -> None:
    from peiling.analysis.tables import frequency_table, numeric_table
    from peiling.analysis.trends import stack

    first = wave("2008", choice=[0, 0, 1], grade=[6.0, 7.0, 8.0], weights=[1.0, 2.0, 1.0])
    second = wave("2009", choice=[1, 2])
    stacked = stack([first, second])
    assert stacked.n == 5 and next(iter(stacked.variables)) == "golf"
    assert [c.name for c in stacked.variable("golf").categories] == ["2008", "2009"]
    assert stacked.weights.tolist() == [1.0, 2.0, 1.0, 1.0, 1.0]
    by_wave = frequency_table(stacked, "vraag", ["golf"], significance=False)
    ja = next(r for r in by_wave.rows if r.key == "ja")
    assert ja.values == pytest.approx((75.0, 0.0, 50.0))  # 2008 weighted 3 of 4; total
    grades = numeric_table(stacked, "cijfer", ["golf"], significance=False)
    assert [c.base for c in grades.columns] == [3, 0, 3]  # 2009 did not ask it: no base
    assert stacked.asked("cijfer").tolist() == [True, True, True, False, False]
    with pytest.raises(TrendError, match="same label"):
        stack([first, wave("2008", choice=[0])])
    with pytest.raises(TrendError, match="differs between the waves"):
        stack([first, wave("2010", grade=[0], grade_kind="single")])


def test_trend_charts_draw_lines_and_a_band_with_gaps_for_not_asked() -> None:
    from peiling.reports.charts import render_png, render_svg
    from peiling.reports.figures import trend_chart

    waves = [wave("2008", choice=[0] * 60 + [1] * 40, grade=[6.0] * 50 + [7.4] * 50),
             wave("2009", grade=[6.2] * 50 + [7.6] * 50),
             wave("2010", choice=[0] * 40 + [1] * 60, grade=[6.4] * 100)]
    chart, text = trend_chart(trend_table(waves, "vraag"))
    assert chart.kind == "trend" and [s.key for s in chart.series] == ["nee", "ja", "wn"]
    assert math.isnan(chart.rows[1].values[0])  # 2009 did not ask it
    assert text == ("Lijngrafiek van ‘Tevreden?’ over 3 metingen: ‘Nee’ van 40% in 2008 "
                    "naar 60% in 2010.")
    svg = render_svg(chart)
    assert "60%" in svg and "2009" in svg
    chart, text = trend_chart(trend_table(waves, "cijfer"))
    assert [s.key for s in chart.series] == ["mean", "ci_low", "ci_high"]
    assert "van 6,7 in 2008 naar 6,4 in 2010" in text
    assert render_png(chart).startswith(b"\x89PNG")


def test_the_share_below_the_threshold_is_the_second_row() -> None:
    table = trend_table([wave("a", grade=[5.0, 7.0]), wave("b", grade=[4.0, 8.0, 9.0])],
                        "cijfer", threshold=6)
    assert [r.key for r in table.rows] == ["mean", "below", "sd", "ci_low", "ci_high"]
    assert table.row("below").values == pytest.approx((50.0, 100 / 3))
