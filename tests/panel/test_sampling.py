"""Drawing samples from a frame of stratum codes (pure numpy)."""

from __future__ import annotations

import numpy as np
import pytest

from peiling.panel.sampling import allocate_proportional, draw_sample


def test_proportional_allocation_uses_largest_remainders() -> None:
    # Tabel 4.1 of the example report (532, 168, 60, 79, 82, 234, 205, 55; N = 1,415), n = 100:
    # quotas 37.60, 11.87, 4.24, 5.58, 5.80, 16.54, 14.49, 3.89 -> whole parts sum to 95; the
    # five largest fractions (.89 .87 .80 .60 .58) get one more.
    counts = np.array([532, 168, 60, 79, 82, 234, 205, 55])
    assert allocate_proportional(counts, 100).tolist() == [38, 12, 4, 6, 6, 16, 14, 4]


def test_allocation_sums_to_size_and_never_exceeds_a_stratum() -> None:
    counts = np.array([1, 1, 1, 97])
    allocation = allocate_proportional(counts, 99)
    assert allocation.sum() == 99 and (allocation <= counts).all()


def test_allocation_refuses_a_size_above_the_frame() -> None:
    with pytest.raises(ValueError, match=r"size must be between 0 and 10 \(got 11\)"):
        allocate_proportional(np.array([4, 6]), 11)


def test_stratified_draw_takes_exactly_the_allocation_per_stratum() -> None:
    codes = np.repeat(np.arange(3), [500, 300, 200])
    draw = draw_sample(codes=codes, n_strata=3, method="proportional", seed=1, size=100)
    assert draw.target.tolist() == [50, 30, 20]
    assert np.bincount(codes[draw.indices], minlength=3).tolist() == [50, 30, 20]
    assert len(set(draw.indices.tolist())) == 100 and (np.diff(draw.indices) > 0).all()


def test_same_seed_same_sample_other_seed_other_sample() -> None:
    codes = np.repeat(np.arange(4), 250)
    first = draw_sample(codes=codes, n_strata=4, method="proportional", seed=42, size=80)
    again = draw_sample(codes=codes, n_strata=4, method="proportional", seed=42, size=80)
    other = draw_sample(codes=codes, n_strata=4, method="proportional", seed=43, size=80)
    assert first.indices.tolist() == again.indices.tolist()
    assert first.indices.tolist() != other.indices.tolist()


def test_targets_take_what_a_stratum_has() -> None:
    codes = np.repeat(np.arange(2), [10, 5])
    draw = draw_sample(codes=codes, n_strata=2, method="targets", seed=0,
                       targets=np.array([3, 8]))
    assert draw.achieved.tolist() == [3, 5]
    assert np.bincount(codes[draw.indices]).tolist() == [3, 5]


def test_every_member_is_equally_likely_within_a_stratum() -> None:
    # 2,000 draws of 10 from 50: each member is drawn 2,000 * 10/50 = 400 times on average;
    # with sd sqrt(2000 * .2 * .8) = 17.9 every count lies within 400 +- 5 sd.
    codes = np.zeros(50, dtype=np.intp)
    hits = np.zeros(50)
    for seed in range(2000):
        hits[draw_sample(codes=codes, n_strata=1, method="simple", seed=seed, size=10).indices] += 1
    assert hits.sum() == 20_000
    assert np.abs(hits - 400).max() < 5 * 17.9


def test_an_unknown_method_is_named() -> None:
    with pytest.raises(ValueError, match=r"method must be one of \('simple', 'proportional', "
                                         r"'targets'\) \(got 'quota'\)"):
        draw_sample(codes=np.zeros(3, dtype=np.intp), n_strata=1, method="quota", seed=0, size=1)
