"""Tests for peiling.analysis.significance.

Reference values come from independent implementations: statsmodels ``proportions_ztest``
(pooled variance) for the z-test, ``scipy.stats.ttest_ind(equal_var=False)`` for Welch,
statsmodels ``multipletests`` for Bonferroni and Holm, and hand computations in the comments.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from peiling.analysis.significance import (
    PROPORTION_TESTS,
    PairwiseTests,
    ProportionTest,
    adjust_p_values,
    column_letters,
    compare_column_means,
    compare_column_proportions,
    mean_letters,
    versus_rest,
    welch_t,
)
from peiling.analysis.weighting import effective_n


def random_table(seed: int, rows: int = 6, cols: int = 5) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(0.05, 0.95, (rows, cols)), rng.uniform(30, 400, cols)


# -- the z-test against statsmodels --------------------------------------------------------------


def test_z_statistics_equal_statsmodels_pooled_ztest():
    proportions, bases = random_table(seed=1)

    tests = compare_column_proportions(proportions, bases)

    rows, cols = proportions.shape
    for r in range(rows):
        for i in range(cols):
            for j in range(cols):
                if i == j:
                    assert np.isnan(tests.statistic[r, i, j])
                    continue
                counts = [proportions[r, i] * bases[i], proportions[r, j] * bases[j]]
                z, p = proportions_ztest(counts, [bases[i], bases[j]])
                assert tests.statistic[r, i, j] == pytest.approx(z, rel=1e-9)
                assert tests.p_values[r, i, j] == pytest.approx(p, rel=1e-9)


def test_z_test_by_hand():
    # p = .2 and .5 on bases 100 and 100: p̄ = .35, se = sqrt(.35 × .65 × .02) = 0.0674537,
    # z = -.3 / 0.0674537 = -4.447496, p = 2 Φ(-4.447496) = 8.686e-6.
    tests = compare_column_proportions([[0.2, 0.5]], [100, 100])

    assert tests.statistic[0, 0, 1] == pytest.approx(-4.447496, abs=1e-6)
    assert tests.statistic[0, 1, 0] == pytest.approx(4.447496, abs=1e-6)
    assert tests.p_values[0, 0, 1] == pytest.approx(8.686e-6, rel=1e-3)


def test_weighted_test_uses_weighted_proportion_and_effective_base():
    rng = np.random.default_rng(2)
    n = 600
    column = rng.integers(0, 3, n)
    answer = rng.random(n) < np.array([0.3, 0.45, 0.5])[column]
    weights = rng.uniform(0.3, 3.0, n)
    proportions, bases = [], []
    for c in range(3):
        w = weights[column == c]
        proportions.append(float(w[answer[column == c]].sum() / w.sum()))
        bases.append(float(w.sum() ** 2 / (w**2).sum()))  # Kish, by hand

    tests = compare_column_proportions([proportions], effective_n_per_column(weights, column))

    for i, j in [(0, 1), (0, 2), (1, 2)]:
        counts = [proportions[i] * bases[i], proportions[j] * bases[j]]
        z, p = proportions_ztest(counts, [bases[i], bases[j]])
        assert tests.statistic[0, i, j] == pytest.approx(z, rel=1e-9)
        assert tests.p_values[0, i, j] == pytest.approx(p, rel=1e-9)


def effective_n_per_column(weights: np.ndarray, column: np.ndarray) -> np.ndarray:
    return np.array([effective_n(weights[column == c]) for c in range(column.max() + 1)])


# -- letters -------------------------------------------------------------------------------------


def test_letters_mark_the_columns_a_column_is_higher_than():
    # B and C (50%) are both significantly above A (20%) (z = 4.45, see test_z_test_by_hand);
    # B and C are equal.
    letters = column_letters([[0.2, 0.5, 0.5], [0.5, 0.5, 0.5]], [100, 100, 100])

    assert letters == [["", "A", "A"], ["", "", ""]]


def test_letters_agree_with_statsmodels_decisions():
    proportions, bases = random_table(seed=3, rows=8, cols=6)

    letters = column_letters(proportions, bases, letters="PQRSTU")

    for r in range(8):
        for i in range(6):
            expected = ""
            for j in range(6):
                if i == j:
                    continue
                counts = [proportions[r, i] * bases[i], proportions[r, j] * bases[j]]
                z, p = proportions_ztest(counts, [bases[i], bases[j]])
                if p < 0.05 and z > 0:
                    expected += "PQRSTU"[j]
            assert letters[r][i] == expected


def test_bases_below_two_and_pooled_zero_or_one_are_never_significant():
    tests = compare_column_proportions(
        [[0.0, 0.0, 1.0, 0.9], [1.0, 1.0, 0.0, np.nan]], [[500, 500, 1.5, 400], [500, 500, 1, 0]]
    )

    # Row 0: A-B pooled 0; C has base 1.5. A-D and B-D are tested (0 vs .9).
    assert tests.tested[0].tolist() == [
        [False, False, False, True],
        [False, False, False, True],
        [False, False, False, False],
        [True, True, False, False],
    ]
    # Row 1: A-B pooled 1; C base 1; D base 0 with an empty column's NaN proportion.
    assert not tests.tested[1].any()
    assert column_letters(
        [[0.0, 0.0, 1.0, 0.9], [1.0, 1.0, 0.0, np.nan]], [[500, 500, 1.5, 400], [500, 500, 1, 0]]
    ) == [["", "", "", "AB"], ["", "", "", ""]]


def test_per_cell_bases():
    proportions, bases = random_table(seed=4, rows=3, cols=4)
    cell_bases = np.vstack([bases, bases * 2, bases / 3])

    tests = compare_column_proportions(proportions, cell_bases)

    for r in range(3):
        row = compare_column_proportions(proportions[r : r + 1], cell_bases[r])
        np.testing.assert_array_equal(tests.statistic[r], row.statistic[0])


# -- multiple testing ----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["bonferroni", "holm"])
def test_adjusted_p_values_equal_multipletests(method):
    rng = np.random.default_rng(5)
    p = rng.uniform(0, 0.2, (20, 15))
    p[rng.random(p.shape) < 0.2] = np.nan  # tests not performed leave their family

    adjusted = adjust_p_values(p, method)

    for row, row_adjusted in zip(p, adjusted, strict=True):
        tested = ~np.isnan(row)
        _, expected, _, _ = multipletests(row[tested], method=method)
        np.testing.assert_allclose(row_adjusted[tested], expected, rtol=1e-12)
        assert np.isnan(row_adjusted[~tested]).all()


def test_holm_with_ties_equals_multipletests():
    p = np.array([[0.01, 0.04, 0.01, 0.03, 0.5, 0.04]])

    _, expected, _, _ = multipletests(p[0], method="holm")

    np.testing.assert_allclose(adjust_p_values(p, "holm")[0], expected, rtol=1e-15)


@pytest.mark.parametrize("correction", ["bonferroni", "holm"])
def test_corrected_letters_agree_with_multipletests(correction):
    proportions, bases = random_table(seed=6, rows=10, cols=7)
    letters = "ABCDEFG"

    result = column_letters(proportions, bases, correction=correction)

    pairs = [(i, j) for i in range(7) for j in range(i + 1, 7)]
    for r in range(10):
        z_p = [
            proportions_ztest(
                [proportions[r, i] * bases[i], proportions[r, j] * bases[j]], [bases[i], bases[j]]
            )
            for i, j in pairs
        ]
        reject, _, _, _ = multipletests([p for _, p in z_p], alpha=0.05, method=correction)
        expected = [""] * 7
        for (i, j), (z, _), significant in zip(pairs, z_p, reject, strict=True):
            if significant:
                expected[i if z > 0 else j] += letters[j if z > 0 else i]
        assert result[r] == ["".join(sorted(e)) for e in expected]


def test_correction_makes_fewer_differences_significant():
    proportions, bases = random_table(seed=7, rows=10, cols=13)

    plain = compare_column_proportions(proportions, bases)
    holm = compare_column_proportions(proportions, bases, correction="holm")
    bonferroni = compare_column_proportions(proportions, bases, correction="bonferroni")

    assert bonferroni.significant.sum() <= holm.significant.sum() < plain.significant.sum()
    assert not (holm.significant & ~plain.significant).any()


# -- versus the rest (reference report, Tabel 3.4) -----------------------------------------------


def test_versus_rest_on_reference_table_3_4():
    # Rows 1 and 4 of Tabel 3.4 (ICT N=122 vs overige N=410, "% mee eens"): 36% vs 59% and 43%
    # vs 40%. Row 1: p̄ = (.36×122 + .59×410)/532 = .537256, se = sqrt(p̄(1-p̄)(1/122 + 1/410))
    # = sqrt(.248612 × .0106357) = 0.051421, z = -.23/0.051421 = -4.4728 → ICT significantly
    # lower, as the report says. Row 4: p̄ = .406880, se = 0.050663, z = .03/0.050663 = 0.592.
    ict = np.array([[0.36], [0.43]])
    other = np.array([[0.59], [0.40]])

    marks = versus_rest(ict, [122], other, [410])
    tests = PROPORTION_TESTS["z"].test(ict, 122, other, 410)

    assert marks.tolist() == [[-1], [0]]
    assert marks.dtype == np.int8
    assert tests.statistic[0, 0] == pytest.approx(-4.4728, abs=1e-4)
    assert tests.statistic[1, 0] == pytest.approx(0.592, abs=1e-3)
    # Both groups as banner columns, each against the other as its rest:
    both = versus_rest(np.hstack([ict, other]), [122, 410], np.hstack([other, ict]), [410, 122])
    assert both.tolist() == [[-1, 1], [0, 0]]


def test_versus_rest_equals_statsmodels():
    rng = np.random.default_rng(8)
    p_in, p_rest = rng.uniform(0.1, 0.9, (2, 7, 4))
    n_in, n_rest = rng.uniform(20, 300, (2, 4))

    marks = versus_rest(p_in, n_in, p_rest, n_rest)

    for r in range(7):
        for c in range(4):
            z, p = proportions_ztest(
                [p_in[r, c] * n_in[c], p_rest[r, c] * n_rest[c]], [n_in[c], n_rest[c]]
            )
            assert marks[r, c] == (np.sign(z) if p < 0.05 else 0)


# -- Welch ---------------------------------------------------------------------------------------


def test_welch_equals_scipy_ttest_ind_unequal_variances():
    rng = np.random.default_rng(9)
    groups = [
        (rng.normal(0, 1 + k % 3, 5 + 3 * k), rng.normal(0.4, 1, 8 + 2 * k)) for k in range(12)
    ]
    stat = [[a.mean(), a.var(ddof=1), a.size, b.mean(), b.var(ddof=1), b.size] for a, b in groups]
    m1, v1, n1, m2, v2, n2 = np.array(stat).T

    t, df, p = welch_t(m1, v1, n1, m2, v2, n2)

    for k, (a, b) in enumerate(groups):
        expected = stats.ttest_ind(a, b, equal_var=False)
        assert t[k] == pytest.approx(expected.statistic, rel=1e-9)
        assert p[k] == pytest.approx(expected.pvalue, rel=1e-9)
        assert df[k] == pytest.approx(expected.df, rel=1e-9)


def test_welch_by_hand():
    # m 5 vs 3, v 4 vs 9, n 10 vs 12: se² = .4 + .75 = 1.15, t = 2 / sqrt(1.15) = 1.8650096;
    # df = 1.15² / (.4²/9 + .75²/11) = 1.3225 / (.0177778 + .0511364) = 19.190.
    result = welch_t(5.0, 4.0, 10, 3.0, 9.0, 12)

    assert float(result.t) == pytest.approx(1.8650096, rel=1e-7)
    assert float(result.df) == pytest.approx(1.3225 / (0.16 / 9 + 0.5625 / 11), rel=1e-12)


def test_welch_is_undefined_for_tiny_groups_or_zero_variance():
    # Column 0: n1 = 1; column 1: both variances 0; column 2: an ordinary test.
    means1, variances1, n1 = [1.0, 1.0, 2.0], [1.0, 0.0, 1.0], [1, 5, 5]
    means2, variances2, n2 = [2.0, 3.0, 2.0], [1.0, 0.0, 1.0], [5, 5, 5]

    t, df, p = welch_t(means1, variances1, n1, means2, variances2, n2)

    assert np.isnan(t[:2]).all() and np.isnan(df[:2]).all() and np.isnan(p[:2]).all()
    assert not np.isnan(p[2])


def test_mean_letters():
    # Column B (mean 7.5) is far above A (5.0) with sd 1 and n 50 each; C (5.1) is not.
    letters = mean_letters([[5.0, 7.5, 5.1]], [[1.0, 1.0, 1.0]], [50, 50, 50])

    assert letters == [["", "AC", ""]]


def test_mean_comparisons_equal_welch_per_pair():
    rng = np.random.default_rng(10)
    means = rng.normal(5, 1, (4, 5))
    variances = rng.uniform(0.5, 4, (4, 5))
    bases = rng.uniform(10, 80, 5)

    tests = compare_column_means(means, variances, bases, correction="holm")

    for r in range(4):
        for i in range(5):
            for j in range(5):
                if i != j:
                    first = (means[r, i], variances[r, i], bases[i])
                    second = (means[r, j], variances[r, j], bases[j])
                    t, _, p = welch_t(*first, *second)
                    assert tests.statistic[r, i, j] == pytest.approx(float(t), rel=1e-12)
                    assert tests.p_values[r, i, j] == pytest.approx(float(p), rel=1e-12)


# -- registry contract ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PROPORTION_TESTS))
class TestProportionTestContract:
    """Every registered proportion test must honour these rules."""

    def test_is_registered_under_its_name(self, name):
        test = PROPORTION_TESTS[name]
        assert isinstance(test, ProportionTest)
        assert test.name == name

    def test_is_antisymmetric(self, name):
        rng = np.random.default_rng(11)
        p1, p2 = rng.uniform(0.05, 0.95, (2, 50))
        n1, n2 = rng.uniform(5, 500, (2, 50))
        forward = PROPORTION_TESTS[name].test(p1, n1, p2, n2)
        backward = PROPORTION_TESTS[name].test(p2, n2, p1, n1)
        np.testing.assert_allclose(forward.statistic, -backward.statistic, rtol=1e-12)
        np.testing.assert_allclose(forward.p_value, backward.p_value, rtol=1e-12)
        assert ((forward.p_value >= 0) & (forward.p_value <= 1)).all()

    def test_does_not_test_bases_below_two(self, name):
        result = PROPORTION_TESTS[name].test([0.5, 0.5], [1.9, 100], [0.1, 0.1], [100, 0])
        assert not result.tested.any()
        assert np.isnan(result.p_value).all()

    def test_equal_proportions_are_not_significant(self, name):
        result = PROPORTION_TESTS[name].test(0.4, 1e6, 0.4, 1e6)
        assert float(result.p_value) == pytest.approx(1.0)


# -- results, speed and errors -------------------------------------------------------------------


def test_pairwise_result_is_frozen_and_symmetric():
    proportions, bases = random_table(seed=12)

    tests = compare_column_proportions(proportions, bases, correction="holm")

    assert isinstance(tests, PairwiseTests)
    with pytest.raises(dataclasses.FrozenInstanceError):
        tests.alpha = 0.1  # type: ignore[misc]
    np.testing.assert_array_equal(tests.significant, tests.significant.transpose(0, 2, 1))
    np.testing.assert_array_equal(
        tests.adjusted_p_values, tests.adjusted_p_values.transpose(0, 2, 1)
    )
    assert not (tests.higher & tests.higher.transpose(0, 2, 1)).any()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: column_letters([[0.5, 0.5]], [10, 10], correction="sidak"),
            "correction must be one of ('none', 'bonferroni', 'holm') (got 'sidak')",
        ),
        (
            lambda: column_letters([[0.5, 0.5]], [10, 10], test="t"),
            "test must be one of ('z',) (got 't')",
        ),
        (
            lambda: versus_rest([[0.5]], [10], [[0.5]], [10], test="chi2"),
            "test must be one of ('z',) (got 'chi2')",
        ),
        (
            lambda: adjust_p_values([0.5], "fdr_bh"),  # type: ignore[arg-type]
            "method must be one of ('none', 'bonferroni', 'holm') (got 'fdr_bh')",
        ),
        (
            lambda: column_letters([[0.5, 0.5]], [10, 10], alpha=5),
            "alpha must be between 0 and 1 (got 5)",
        ),
        (
            lambda: column_letters([[50.0, 40.0]], [10, 10]),
            "proportions must lie between 0 and 1 (percentages? divide by 100)",
        ),
        (
            lambda: column_letters([0.5, 0.5], [10, 10]),
            "proportions must be a (rows, cols) array (got shape (2,))",
        ),
        (
            lambda: column_letters([[0.5, 0.5]], [10, 10, 10]),
            "bases must have shape (2,) or (1, 2) to match proportions (got (3,))",
        ),
        (
            lambda: column_letters([[0.5, 0.5]], [10, -1]),
            "bases must be finite and >= 0",
        ),
        (
            lambda: column_letters([[0.5, np.nan]], [10, 10]),
            "proportions must be finite where the base is 2 or more",
        ),
        (
            lambda: column_letters([[0.5, 0.4, 0.3]], [10, 10, 10], letters="AB"),
            "3 columns need 3 letters (got 2: 'AB')",
        ),
        (
            lambda: versus_rest([[0.5, 0.4]], [10, 10], [[0.5]], [10]),
            "proportions_in has shape (1, 2) but proportions_rest (1, 1); give both for the "
            "same rows and columns",
        ),
        (
            lambda: welch_t(1.0, -1.0, 10, 2.0, 1.0, 10),
            "welch_t: variances must be >= 0",
        ),
        (
            lambda: welch_t(1.0, 1.0, -10, 2.0, 1.0, 10),
            "welch_t: sizes must be >= 0",
        ),
        (
            lambda: adjust_p_values([0.5, 1.5], "holm"),
            "p-values must lie between 0 and 1",
        ),
        (
            lambda: compare_column_means([[1.0, 2.0]], [[1.0]], [10, 10]),
            "bases must have shape (1,) or (1, 1) to match variances (got (2,))",
        ),
    ],
)
def test_bad_input_messages(call, message):
    with pytest.raises(ValueError) as error:
        call()
    assert str(error.value) == message
