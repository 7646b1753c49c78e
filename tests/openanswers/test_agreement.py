"""Cohen's kappa of two coders, checked against scikit-learn and a hand-worked case."""

from __future__ import annotations

import random

import pytest
from sklearn.metrics import cohen_kappa_score

from peiling.openanswers.agreement import agreement, kappa


def test_kappa_by_hand() -> None:
    # 10 answers: both yes 4, both no 3, only the first 2, only the second 1.
    first = [True] * 4 + [False] * 3 + [True] * 2 + [False]
    second = [True] * 4 + [False] * 3 + [False] * 2 + [True]
    # p_o = 0.7; p1 = 0.6, p2 = 0.5; p_e = 0.3 + 0.2 = 0.5; kappa = 0.2 / 0.5 = 0.4
    assert kappa(first, second) == pytest.approx(0.4, abs=1e-12)


def test_kappa_matches_scikit_learn_on_random_decisions() -> None:
    rng = random.Random(7)
    for _ in range(50):
        n = rng.randint(5, 200)
        first = [rng.random() < 0.4 for _ in range(n)]
        second = [x if rng.random() < 0.7 else not x for x in first]
        if len(set(first)) == len(set(second)) == 1:
            continue
        assert kappa(first, second) == pytest.approx(cohen_kappa_score(first, second),
                                                     abs=1e-9)


def test_kappa_is_undefined_when_chance_explains_everything() -> None:
    assert kappa([True] * 5, [True] * 5) is None
    assert kappa([], []) is None
    with pytest.raises(ValueError, match="one each per item"):
        kappa([True], [True, False])


def test_agreement_per_code_overall_and_disagreements() -> None:
    first = {1: {"privacy"}, 2: {"kosten"}, 3: {"privacy", "kosten"}, 4: set(), 5: {"overig"}}
    second = {1: {"privacy"}, 2: {"privacy"}, 3: {"privacy", "kosten"}, 4: set(),
              6: {"overig"}}
    result = agreement(first, second, ["privacy", "kosten", "overig"])
    assert result.answers == 4  # answer 5 and 6: only one coder
    privacy = result.codes[0]
    assert (privacy.agreed, privacy.first_only, privacy.second_only) == (2, 0, 1)
    assert privacy.kappa == pytest.approx(cohen_kappa_score([1, 0, 1, 0], [1, 1, 1, 0]))
    assert result.codes[2].kappa is None  # nobody used "overig" on the shared answers
    pooled_a = [1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0]
    pooled_b = [1, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0]
    assert result.overall == pytest.approx(cohen_kappa_score(pooled_a, pooled_b))
    assert result.disagreements == ((2, frozenset({"kosten"}), frozenset({"privacy"})),)
