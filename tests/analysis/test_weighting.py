"""Tests for peiling.analysis.weighting.

Reference values come from independent computations: a textbook raking loop written out over
respondents below, weightipy 0.4 (``weightipy.weight``), Kish's formula evaluated by hand, and
small examples worked out by hand in the comments.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io

import numpy as np
import pandas as pd
import pytest
import weightipy

from peiling.analysis.weighting import (
    MESSAGES,
    TRIM_TOLERANCE,
    WeightingError,
    WeightingResult,
    cell_weights,
    effective_n,
    rake,
)

# -- fixtures ------------------------------------------------------------------------------------

TARGETS = {
    "age": {1: 0.20, 2: 0.30, 3: 0.30, 4: 0.20},
    "region": {0: 0.25, 5: 0.40, 9: 0.35},  # codes need not be 0..K-1
    "sex": {1: 0.49, 2: 0.51},
}


def correlated_sample(n: int, seed: int) -> dict[str, np.ndarray]:
    """Codes for ``TARGETS`` drawn from one latent variable, skewed against the targets."""
    rng = np.random.default_rng(seed)
    latent = rng.standard_normal(n)
    age = np.searchsorted([-0.8, 0.0, 0.9], latent + 0.6 * rng.standard_normal(n)) + 1
    region = np.array([0, 5, 9])[np.searchsorted([-0.2, 0.7], latent + rng.standard_normal(n))]
    sex = np.where(latent + rng.standard_normal(n) > 0.4, 2, 1)
    return {"age": age, "region": region, "sex": sex}


def textbook_rake(
    codes: dict[str, np.ndarray],
    targets: dict[str, dict[int, float]],
    base: list[float],
    tolerance: float,
) -> tuple[list[float], int]:
    """Rake respondent by respondent, as in Deming & Stephan (1940); return weights, sweeps."""
    n = len(base)
    rows = [{var: int(codes[var][i]) for var in targets} for i in range(n)]
    weights = list(base)
    for sweep in range(1, 10_001):
        for var, target in targets.items():
            sums = dict.fromkeys(target, 0.0)
            for row, weight in zip(rows, weights, strict=True):
                sums[row[var]] += weight
            for i, row in enumerate(rows):
                weights[i] *= target[row[var]] * n / sums[row[var]]
        worst = 0.0
        total = sum(weights)
        for var, target in targets.items():
            sums = dict.fromkeys(target, 0.0)
            for row, weight in zip(rows, weights, strict=True):
                sums[row[var]] += weight
            worst = max(worst, *(abs(sums[code] / total - target[code]) for code in target))
        if worst < tolerance:
            return weights, sweep
    raise AssertionError("textbook raking did not converge")


def weightipy_weights(codes: dict[str, np.ndarray], targets: dict, **rim: object) -> np.ndarray:
    percent = {var: {code: 100 * p for code, p in t.items()} for var, t in targets.items()}
    scheme = weightipy.scheme_from_dict(percent, name="test", rim_params=rim)
    with contextlib.redirect_stdout(io.StringIO()):  # weightipy prints its convergence
        return weightipy.weight(pd.DataFrame(codes), scheme).to_numpy()


def problem_message(kind: str, where: str = "rake", **fields: object) -> str:
    fields = {"variable": None, "code": None, **fields}
    return f"{where}: " + MESSAGES[kind].format(**fields)


# -- raking against independent references -------------------------------------------------------


def test_rake_equals_textbook_loop_over_respondents():
    codes = correlated_sample(400, seed=1)
    expected, sweeps = textbook_rake(codes, TARGETS, [1.0] * 400, tolerance=1e-12)

    result = rake(codes, TARGETS, tolerance=1e-12)

    assert result.converged
    assert result.iterations == sweeps
    assert sweeps > 3  # the sample is correlated enough to need several sweeps
    np.testing.assert_allclose(result.weights, expected, rtol=1e-9, atol=0)


def test_rake_with_base_weights_equals_textbook_loop():
    codes = correlated_sample(300, seed=2)
    base = np.random.default_rng(3).uniform(0.5, 2.0, 300)
    expected, _ = textbook_rake(codes, TARGETS, list(base), tolerance=1e-12)

    result = rake(codes, TARGETS, base_weights=base, tolerance=1e-12)

    np.testing.assert_allclose(result.weights, expected, rtol=1e-9, atol=0)
    assert result.total == pytest.approx(300, rel=1e-12)


def test_rake_equals_weightipy_with_default_settings():
    codes = correlated_sample(5000, seed=4)

    result = rake(codes, TARGETS)

    expected = weightipy_weights(codes, TARGETS)
    assert result.converged
    assert np.max(np.abs(result.weights - expected) / expected) < 1e-9


def test_rake_equals_weightipy_sweep_for_sweep():
    # weightipy's stopping rule switched off and held to the same number of sweeps: the same
    # arithmetic, so the weights agree to rounding.
    codes = correlated_sample(5000, seed=5)
    result = rake(codes, TARGETS)

    expected = weightipy_weights(codes, TARGETS, max_iterations=result.iterations, convcrit=-1e12)

    np.testing.assert_allclose(result.weights, expected, rtol=1e-12, atol=0)


def test_rake_reports_targets_and_achieved_per_code():
    codes = correlated_sample(1000, seed=6)

    result = rake(codes, TARGETS)

    assert {var: dict(t) for var, t in result.targets.items()} == TARGETS
    for var, target in TARGETS.items():
        assert result.achieved[var].keys() == target.keys()
        for code, proportion in target.items():
            share = result.weights[codes[var] == code].sum() / result.weights.sum()
            assert result.achieved[var][code] == pytest.approx(share, abs=1e-15)
            assert abs(share - proportion) < 1e-10
    assert result.max_difference < result.tolerance == 1e-10


def test_one_variable_rake_equals_cell_weights():
    codes = correlated_sample(200, seed=7)["age"]

    raked = rake({"age": codes}, {"age": TARGETS["age"]})
    cells = cell_weights(codes, TARGETS["age"], variable="age")

    np.testing.assert_allclose(raked.weights, cells.weights, rtol=1e-15)
    assert raked.iterations == cells.iterations == 1


def test_cell_weights_by_hand():
    # Cell 1 has 2 of 6 respondents and target .5: weight .5 × 6 / 2 = 1.5; cell 2: .3 × 6 / 3
    # = 0.6; cell 3: .2 × 6 / 1 = 1.2.
    result = cell_weights(np.array([1, 1, 2, 2, 2, 3]), {1: 0.5, 2: 0.3, 3: 0.2})

    np.testing.assert_allclose(result.weights, [1.5, 1.5, 0.6, 0.6, 0.6, 1.2], rtol=1e-15)
    assert result.converged
    assert result.iterations == 1
    assert list(result.targets) == ["cell"]


# -- totals: proportions and counts --------------------------------------------------------------


def test_proportions_make_weights_sum_to_n():
    codes = correlated_sample(700, seed=8)

    result = rake(codes, TARGETS)

    assert result.total == pytest.approx(700, rel=1e-12)
    assert result.weights.mean() == pytest.approx(1.0, rel=1e-12)


def test_count_targets_scale_weights_to_the_count_total():
    codes = correlated_sample(700, seed=9)
    population = 17_800_000  # any count total, e.g. a population
    counts = {var: {code: p * population for code, p in t.items()} for var, t in TARGETS.items()}

    by_count = rake(codes, counts)
    by_proportion = rake(codes, TARGETS)

    assert by_count.total == pytest.approx(population, rel=1e-12)
    np.testing.assert_allclose(by_count.weights, by_proportion.weights * population / 700, 1e-12)
    assert by_count.targets["sex"][2] == pytest.approx(0.51, abs=1e-15)


def test_percentages_are_counts_with_total_100():
    codes = correlated_sample(250, seed=10)
    percent = {var: {code: 100 * p for code, p in t.items()} for var, t in TARGETS.items()}

    result = rake(codes, percent)

    assert result.total == pytest.approx(100, rel=1e-12)


def test_proportions_are_normalised_within_the_tolerance():
    codes = correlated_sample(250, seed=11)
    almost = {var: dict(t) for var, t in TARGETS.items()}
    almost["sex"] = {1: 0.49, 2: 0.5100005}  # sums to 1.0000005, within SUM_TOLERANCE

    result = rake(codes, almost)

    assert result.targets["sex"][2] == pytest.approx(0.5100005 / 1.0000005, abs=1e-15)
    assert result.total == pytest.approx(250, rel=1e-12)


# -- convergence and trimming --------------------------------------------------------------------


def test_non_convergence_is_reported():
    codes = correlated_sample(500, seed=12)

    result = rake(codes, TARGETS, max_iterations=1)

    assert result.converged is False
    assert result.iterations == 1
    assert result.max_difference >= 1e-10
    assert result.notes == ("raking did not converge in 1 iteration(s).",)
    assert "did NOT converge" in result.summary()[0]
    assert result.summary()[-1] == "Note: raking did not converge in 1 iteration(s)."


def test_trimming_respects_cap_and_floor_after_re_raking():
    codes = correlated_sample(2000, seed=13)
    untrimmed = rake(codes, TARGETS)
    assert untrimmed.max > 2.5 and untrimmed.min < 0.45  # so the bounds below bite

    result = rake(codes, TARGETS, cap=2.5, floor=0.45)

    assert result.converged, result.notes
    assert result.trimmed and result.trim_rounds >= 2
    mean = result.weights.mean()
    assert result.max <= 2.5 * mean * (1 + TRIM_TOLERANCE)
    assert result.min >= 0.45 * mean * (1 - TRIM_TOLERANCE)
    assert result.max_difference < 1e-10  # re-raked: still on target
    assert result.iterations > untrimmed.iterations
    assert result.summary()[3] == (
        f"Trimming: cap 2.5 x mean, floor 0.45 x mean; {result.trim_rounds} round(s)."
    )


def test_capping_raises_the_effective_n():
    codes = correlated_sample(2000, seed=13)

    untrimmed = rake(codes, TARGETS)
    capped = rake(codes, TARGETS, cap=2.2)

    assert capped.converged and capped.trimmed
    assert capped.max <= 2.2 * (1 + TRIM_TOLERANCE)  # mean weight 1 (proportion targets)
    assert capped.effective_n > untrimmed.effective_n


def test_non_convergence_of_a_re_raking_is_reported():
    codes = correlated_sample(2000, seed=13)

    result = rake(codes, TARGETS, cap=2.5, max_iterations=2, trim_iterations=3)

    assert result.converged is False
    assert result.trim_rounds == 3
    assert result.iterations == 4 * 2  # the first raking and three re-rakings, 2 sweeps each
    assert result.notes[0] == (
        "raking did not converge in 2 iteration(s) (re-raking after trimming round 3)."
    )


def test_bounds_already_met_leave_the_weights_untrimmed():
    codes = correlated_sample(2000, seed=13)

    untrimmed = rake(codes, TARGETS)
    result = rake(codes, TARGETS, cap=50.0)

    assert not result.trimmed and result.trim_rounds == 0
    np.testing.assert_array_equal(result.weights, untrimmed.weights)


def test_infeasible_cap_is_reported_not_hidden():
    codes = correlated_sample(2000, seed=13)

    result = rake(codes, TARGETS, cap=1.05, floor=0.95, trim_iterations=3)

    assert result.converged is False
    assert result.trim_rounds == 3
    assert result.max_difference < 1e-10  # the returned weights are those of the last raking
    (note,) = result.notes
    assert note.startswith("weights still range from ")
    assert note.endswith(
        " x mean after 3 trimming round(s); the bounds cannot be met together with the targets "
        "— widen cap/floor or merge categories."
    )


# -- effective n and the result ------------------------------------------------------------------


def test_effective_n_by_hand():
    # (1 + 2 + 3 + 4)² / (1 + 4 + 9 + 16) = 100 / 30
    assert effective_n([1.0, 2.0, 3.0, 4.0]) == pytest.approx(100 / 30, rel=1e-15)
    assert effective_n(np.full(7, 3.5)) == pytest.approx(7.0, rel=1e-15)


def test_kish_figures_of_the_result():
    codes = correlated_sample(900, seed=14)

    result = rake(codes, TARGETS)

    w = [float(x) for x in result.weights]
    kish = sum(w) ** 2 / sum(x * x for x in w)
    mean = sum(w) / len(w)
    cv2 = sum((x - mean) ** 2 for x in w) / len(w) / mean**2
    assert result.effective_n == pytest.approx(kish, rel=1e-12)
    assert result.efficiency == pytest.approx(kish / 900, rel=1e-12)
    assert result.design_effect == pytest.approx(900 / kish, rel=1e-12)
    assert result.design_effect == pytest.approx(1 + cv2, rel=1e-9)
    assert (result.min, result.max) == (min(w), max(w))


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ([], "effective_n: expected a non-empty 1-D array of weights (got (0,))"),
        ([[1.0]], "effective_n: expected a non-empty 1-D array of weights (got (1, 1))"),
        ([1.0, -1.0], "effective_n: weights must be finite and non-negative"),
        ([1.0, np.nan], "effective_n: weights must be finite and non-negative"),
        ([0.0, 0.0], "effective_n: weights are all zero; the effective n is undefined"),
    ],
)
def test_effective_n_rejects(weights, message):
    with pytest.raises(ValueError) as error:
        effective_n(weights)
    assert str(error.value) == message


def test_result_is_a_frozen_value():
    result = rake(correlated_sample(100, seed=15), TARGETS)

    assert isinstance(result, WeightingResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.converged = False  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        result.weights[0] = 2.0
    with pytest.raises(TypeError):
        result.achieved["sex"][1] = 0.5  # type: ignore[index]
    assert result.weights.dtype == np.float64


def test_summary_lines():
    result = cell_weights(np.array([1, 1, 2, 2, 2, 3]), {1: 0.5, 2: 0.3, 3: 0.2})

    # Weights 1.5, 1.5, 0.6, 0.6, 0.6, 1.2: Σw = 6, Σw² = 2(2.25) + 3(0.36) + 1.44 = 7.02, so
    # n_eff = 36 / 7.02 = 5.128, efficiency 5.128 / 6 = 85.5%, design effect 6 / 5.128 = 1.170.
    assert result.summary() == [
        "Raking on 1 variable(s), 6 respondents: converged after 1 iteration(s) "
        f"(max |achieved - target| {result.max_difference:.3g}, tolerance 1e-10).",
        "Weights: sum 6, min 0.6000, max 1.5000 (0.600 to 1.500 x mean).",
        "Effective n 5.1 (efficiency 85.5%, design effect 1.170).",
    ]


# -- bad input: every problem, exact messages ----------------------------------------------------


def raised(call, *args, **kwargs) -> WeightingError:
    with pytest.raises(WeightingError) as error:
        call(*args, **kwargs)
    return error.value


def test_missing_code_is_named_with_its_variable():
    codes = {"sex": np.array([1, 2, -1, 1, -1])}

    error = raised(rake, codes, {"sex": {1: 0.5, 2: 0.5}})

    assert str(error) == (
        "rake: variable 'sex': 2 respondent(s) have a missing code (-1), first at index 2; every "
        "respondent to be weighted needs a category — impute one or leave these respondents out."
    )
    (problem,) = error.problems
    assert (problem.kind, problem.variable, problem.code) == ("missing_code", "sex", -1)
    assert isinstance(error, ValueError)


def test_code_without_target_and_empty_target_category():
    codes = {"age": np.array([1, 1, 2, 7, 7, 7])}

    error = raised(rake, codes, {"age": {1: 0.3, 2: 0.3, 3: 0.4}})

    assert str(error) == (
        "rake: variable 'age': code 7 occurs in the data (3 respondent(s)) but has no target; "
        "give it a target or recode these respondents.\n"
        "rake: variable 'age': target category 3 has no respondents; an empty category cannot be "
        "weighted to a positive target — merge it with another category or set its target to 0."
    )
    assert [(p.kind, p.code) for p in error.problems] == [
        ("code_without_target", 7),
        ("empty_category", 3),
    ]


def test_empty_category_with_target_zero_is_allowed():
    result = rake({"age": np.array([1, 1, 2])}, {"age": {1: 0.5, 2: 0.5, 3: 0.0}})

    np.testing.assert_allclose(result.weights, [0.75, 0.75, 1.5], rtol=1e-15)
    assert result.achieved["age"][3] == 0.0


def test_every_problem_is_reported_at_once():
    codes = {"a": np.array([0, 1, -3]), "b": np.array([1, 2, 3]), "c": np.array([1, 1, 1])}
    targets = {
        "a": {0: 0.5, 1: 0.5},
        "b": {1: 0.5, 2: 0.25, 3: -0.25},
        "d": {1: 1.0},
    }

    error = raised(rake, codes, targets, tolerance=0, cap=1.0)

    assert [p.kind for p in error.problems] == [
        "bad_tolerance",
        "bad_cap",
        "no_targets",
        "no_codes",
        "negative_code",
        "target_value",
    ]
    assert error.problems[4].message == (
        "rake: variable 'a': code -3 is negative; category codes are >= 0 and -1 means missing."
    )
    assert error.problems[5].message == (
        "rake: variable 'b': target for code 3 is -0.25; targets must be finite and non-negative."
    )


@pytest.mark.parametrize(
    ("targets", "kind", "fields"),
    [
        (
            {"a": {1: 0.5, 2: 0.5}, "b": {1: 40, 2: 60}},
            "totals_differ",
            {"value": {"a": 1.0, "b": 100.0}},
        ),
        (
            {"a": {1: 30, 2: 70}, "b": {1: 40, 2: 61}},
            "totals_differ",
            {"value": {"a": 100.0, "b": 101.0}},
        ),
        ({"a": {1: 0.0, 2: 0.0}, "b": {1: 0.5, 2: 0.5}}, "targets_zero", {"variable": "a"}),
        ({"a": {}, "b": {1: 0.5, 2: 0.5}}, "targets_type", {"variable": "a", "value": {}}),
        (
            {"a": {"1": 0.5, 2: 0.5}, "b": {1: 0.5, 2: 0.5}},
            "target_code",
            {"variable": "a", "value": "1"},
        ),
        (
            {"a": {1: float("nan"), 2: 0.5}, "b": {1: 0.5, 2: 0.5}},
            "target_value",
            {"variable": "a", "code": 1, "value": float("nan")},
        ),
    ],
)
def test_bad_targets(targets, kind, fields):
    codes = {"a": np.array([1, 2, 1, 2]), "b": np.array([1, 1, 2, 2])}

    error = raised(rake, codes, targets)

    assert [p.kind for p in error.problems] == [kind]
    assert str(error) == problem_message(kind, **fields)


def test_totals_differ_message_text():
    codes = {"a": np.array([1, 2]), "b": np.array([1, 2])}

    error = raised(rake, codes, {"a": {1: 0.5, 2: 0.5}, "b": {1: 40, 2: 60}})

    assert str(error) == (
        "rake: targets sum to {'a': 1.0, 'b': 100.0}; give proportions (every variable summing "
        "to 1) or counts with the same total for every variable."
    )


def test_count_totals_within_the_tolerance_are_accepted():
    # 1,000,000.5 vs 1,000,000: relative difference 5e-7 < SUM_TOLERANCE.
    codes = {"a": np.array([1, 2, 1, 2]), "b": np.array([1, 1, 2, 2])}

    result = rake(codes, {"a": {1: 500_000, 2: 500_000}, "b": {1: 400_000, 2: 600_000.5}})

    assert result.total == pytest.approx(1_000_000, rel=1e-12)


@pytest.mark.parametrize(
    ("codes", "kind", "fields"),
    [
        (
            {"a": np.array([1, 2, 1]), "b": np.array([1, 2])},
            "lengths_differ",
            {"value": {"a": 3, "b": 2}},
        ),
        (
            {"a": np.array([1.0, 2.0]), "b": np.array([1, 2])},
            "codes_dtype",
            {"variable": "a", "value": "float64"},
        ),
        (
            {"a": np.array([[1, 2]]), "b": np.array([1, 2])},
            "codes_shape",
            {"variable": "a", "value": (1, 2)},
        ),
        ({"a": np.array([], int), "b": np.array([], int)}, "no_respondents", {}),
    ],
)
def test_bad_codes(codes, kind, fields):
    targets = {"a": {1: 0.5, 2: 0.5}, "b": {1: 0.5, 2: 0.5}}

    error = raised(rake, codes, targets)

    assert str(error) == problem_message(kind, **fields)


@pytest.mark.parametrize(
    ("base", "kind", "fields"),
    [
        ([1.0, 2.0], "base_shape", {"value": (2,), "n": 3}),
        ([1.0, 0.0, -1.0], "base_values", {"count": 2, "first": 1, "value": 0.0}),
        ([1.0, np.inf, 1.0], "base_values", {"count": 1, "first": 1, "value": np.inf}),
    ],
)
def test_bad_base_weights(base, kind, fields):
    error = raised(rake, {"a": np.array([1, 2, 2])}, {"a": {1: 0.5, 2: 0.5}}, base_weights=base)

    assert str(error) == problem_message(kind, **fields)


def test_base_weights_message_text():
    error = raised(
        rake, {"a": np.array([1, 2, 2])}, {"a": {1: 0.5, 2: 0.5}}, base_weights=[1.0, 0.0, -1.0]
    )

    assert str(error) == (
        "rake: base_weights: 2 weight(s) are not finite and positive, first at index 1 (0.0); "
        "leave respondents with weight 0 out before raking."
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"tolerance": 0.0}, "rake: tolerance must be > 0 (got 0.0)."),
        ({"max_iterations": 0}, "rake: max_iterations must be >= 1 (got 0)."),
        ({"cap": 1.0}, "rake: cap must be > 1, a multiple of the mean weight (got 1.0)."),
        (
            {"floor": 1.2},
            "rake: floor must be between 0 and 1, a multiple of the mean weight (got 1.2).",
        ),
        ({"trim_iterations": 0}, "rake: trim_iterations must be >= 1 (got 0)."),
    ],
)
def test_bad_options(options, message):
    error = raised(rake, {"a": np.array([1, 2])}, {"a": {1: 0.5, 2: 0.5}}, **options)

    assert str(error) == message


def test_no_variables():
    assert str(raised(rake, {}, {})) == (
        "rake: no raking variables; give codes and targets for at least one."
    )


def test_codes_and_targets_must_name_the_same_variables():
    error = raised(rake, {"a": np.array([1, 2])}, {"b": {1: 0.5, 2: 0.5}})

    assert str(error) == (
        "rake: variable 'a' has codes but no targets; give targets for it or leave it out of "
        "codes.\n"
        "rake: variable 'b' has targets but no codes; give codes for it or leave it out of "
        "targets."
    )


def test_cell_weights_names_itself_in_messages():
    error = raised(cell_weights, np.array([1, 3]), {1: 0.5, 2: 0.5})

    assert str(error).splitlines()[0] == (
        "cell_weights: variable 'cell': code 3 occurs in the data (1 respondent(s)) but has no "
        "target; give it a target or recode these respondents."
    )


def test_large_and_unsorted_codes():
    # Codes beyond the dense lookup table take the binary-search path.
    big = 5_000_000_000
    codes = {"a": np.array([big, 7, big, 7, 7]), "b": np.array([3, 3, 1, 1, 1])}
    targets = {"a": {7: 0.5, big: 0.5}, "b": {1: 0.5, 3: 0.5}}

    result = rake(codes, targets)

    expected, _ = textbook_rake(codes, targets, [1.0] * 5, tolerance=1e-12)
    np.testing.assert_allclose(result.weights, expected, rtol=1e-9)
