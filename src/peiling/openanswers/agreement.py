"""Agreement between two coders who coded the same answers blind: Cohen's kappa per code and
overall, and the answers they disagree on. Pure Python, no Django.

An answer may carry several codes, so each code is a yes/no decision per answer. Per code,
kappa = (p_o - p_e) / (1 - p_e), with p_o the share of answers on which both coders decided
the same, and p_e the agreement expected by chance from each coder's own share of yes:
p_e = p_1 p_2 + (1 - p_1)(1 - p_2) (Cohen, *Educational and Psychological Measurement* 20,
1960). Overall, the decisions of every code on every answer are pooled into one 2 x 2 table
(a common summary for multi-label coding). Kappa is undefined (``None``) when p_e is 1:
both coders said yes, or both no, to every answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["Agreement", "CodeAgreement", "agreement", "kappa"]


def kappa(first: Sequence[bool], second: Sequence[bool]) -> float | None:
    """Cohen's kappa of two coders' yes/no decisions on the same items."""
    if len(first) != len(second):
        raise ValueError(f"{len(first)} and {len(second)} decisions: give one each per item")
    n = len(first)
    if n == 0:
        return None
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    p1, p2 = sum(first) / n, sum(second) / n
    expected = p1 * p2 + (1 - p1) * (1 - p2)
    if expected >= 1:
        return None
    return (observed - expected) / (1 - expected)


@dataclass(frozen=True)
class CodeAgreement:
    code: str
    kappa: float | None
    agreed: int
    first_only: int
    second_only: int


@dataclass(frozen=True)
class Agreement:
    """Per code and overall kappa; the answers coded differently, with both codings."""

    answers: int
    codes: tuple[CodeAgreement, ...]
    overall: float | None
    disagreements: tuple[tuple[int, frozenset[str], frozenset[str]], ...]


def agreement(first: Mapping[int, set[str]], second: Mapping[int, set[str]],
              codes: Sequence[str]) -> Agreement:
    """Compare two coders' codings of the same answers (answer id → code names); answers
    only one of them coded are left out."""
    answers = sorted(set(first) & set(second))
    per_code = []
    pooled_first: list[bool] = []
    pooled_second: list[bool] = []
    for code in codes:
        a = [code in first[answer] for answer in answers]
        b = [code in second[answer] for answer in answers]
        pooled_first += a
        pooled_second += b
        per_code.append(CodeAgreement(
            code, kappa(a, b), sum(x and y for x, y in zip(a, b, strict=True)),
            sum(x and not y for x, y in zip(a, b, strict=True)),
            sum(y and not x for x, y in zip(a, b, strict=True))))
    differ = tuple((answer, frozenset(first[answer]), frozenset(second[answer]))
                   for answer in answers if set(first[answer]) != set(second[answer]))
    return Agreement(len(answers), tuple(per_code), kappa(pooled_first, pooled_second), differ)
