"""Trends over waves: the same question asked in several fieldworks, one column per wave,
with the change from the previous and from the first wave tested. Pure (numpy, scipy).

Each wave is a ``Dataset`` of its own, weighted to its own targets (``Dataset.with_weights``);
nothing is pooled across waves, so a wave's shares, means and effective base are those of its
own crosstab total. The waves are independent samples (a panel member who answered twice
counts in both, as the published monitors do; ``docs/methods.md``).

- Shares (single and multiple choice): per answer the % of the wave's base; the change is
  tested with the pooled two-proportion z-test on effective bases
  (``significance.PooledZTest``), as the crosstabs' column tests.
- Means (numeric questions, grades): mean, standard deviation and the t-based 95% interval on
  the effective base (``tables.numeric_table``); the change is tested with Welch's t-test on
  effective bases (``significance.welch_t``). With a ``threshold`` (6 for a report-card grade:
  "onvoldoende"), the share below it is a row of its own, tested as a share.
- A wave that did not ask the question is "niet gevraagd": no value, no base, no test; never
  0. The change from the previous wave is then from the last wave that asked it.

``stack`` puts the waves under each other as one ``Dataset`` with the variable ``golf`` (the
wave), for any table or export of several waves at once; a question a wave did not ask is not
asked of its respondents there.

``check_waves`` finds what cannot be compared: a question of the same name that is of another
kind, or has other answer categories, in some wave, naming the question and the waves.
``harmonise`` applies a study's mapping first: per wave, a question's old name and old answer
codes and what they are now (``WaveMap``); the newest wave's categories are the ones kept.

Errors::

    TrendError (ValueError)    .problems: one sentence per question that cannot be compared
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from peiling.analysis.dataset import Category, Dataset, Variable
from peiling.analysis.significance import PooledZTest, welch_t
from peiling.analysis.tables import frequency_table, multiple_table, numeric_table

__all__ = [
    "GRADE_BELOW",
    "NOT_ASKED",
    "WAVE",
    "TrendError",
    "TrendRow",
    "TrendTable",
    "Wave",
    "WaveMap",
    "check_waves",
    "grade_threshold",
    "harmonise",
    "stack",
    "trend_table",
]

#: How a wave that did not ask a question shows.
NOT_ASKED = "niet gevraagd"
#: The variable of stacked waves that says which wave a respondent answered in.
WAVE = "golf"

#: Where a report-card grade's "onvoldoende" starts: below 6.
GRADE_BELOW = 6.0

Change = Literal[-1, 0, 1]


class TrendError(ValueError):
    """Questions that cannot be compared across the waves; ``problems`` names each."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class Wave:
    """One wave: its label ("2015") and its answers (weighted to its own targets, if so)."""

    label: str
    dataset: Dataset


@dataclass(frozen=True)
class TrendRow:
    """One row of a trend table: a value per wave (``None``: not asked, or no base).

    ``previous`` and ``first`` hold per wave the tested change from the previous wave that
    asked the question and from the first: +1 a significant rise, -1 a significant fall, 0 no
    significant change, ``None`` not tested (the first wave, not asked, too small a base).
    ``p_previous`` and ``p_first`` are the tests' two-sided p-values (NaN where not tested).
    """

    key: str
    label: str
    kind: Literal["share", "mean", "sd", "ci_low", "ci_high", "below"]
    values: tuple[float | None, ...]
    previous: tuple[Change | None, ...]
    first: tuple[Change | None, ...]
    p_previous: tuple[float, ...]
    p_first: tuple[float, ...]


@dataclass(frozen=True)
class TrendTable:
    """A question over the waves: ``asked`` per wave, the unweighted ``bases`` and the
    ``effective_bases`` (0 where not asked), and the rows."""

    name: str
    title: str
    kind: Literal["shares", "means"]
    waves: tuple[str, ...]
    asked: tuple[bool, ...]
    bases: tuple[int, ...]
    effective_bases: tuple[float, ...]
    rows: tuple[TrendRow, ...]
    alpha: float
    weighted: bool
    threshold: float | None = None

    def row(self, key: str) -> TrendRow:
        return next(r for r in self.rows if r.key == key)

    @property
    def footnote(self) -> str:
        """What the marks mean, in Dutch, for under the table."""
        test = ("Welch t-toets voor het gemiddelde"
                + (", z-toets voor het aandeel onvoldoende" if self.threshold is not None else "")
                if self.kind == "means" else "z-toets voor twee proporties")
        weighted = " op effectieve basis (gewogen)" if self.weighted else ""
        text = (f"▲/▼ significant hoger/lager dan de vorige meting, △/▽ dan de eerste meting "
                f"({test}{weighted}, α={_dutch(self.alpha)}).")
        if not all(self.asked):
            text += f" –: {NOT_ASKED}."
        return text


def _dutch(value: float) -> str:
    return f"{value:g}".replace(".", ",")


@dataclass(frozen=True)
class WaveMap:
    """In wave ``wave``, the question ``question`` is the one now called ``to``; ``codes``
    maps its answer codes then to the codes now (old -> new; unnamed codes stay)."""

    wave: str
    question: str
    to: str
    codes: tuple[tuple[str, str], ...] = ()


def harmonise(waves: Sequence[Wave], maps: Sequence[WaveMap]) -> list[Wave]:
    """Return the waves with the questions of ``maps`` renamed and recoded to how the newest
    wave asks them. Raises ``TrendError`` naming each map that does not fit (an unknown wave
    or question, a new name taken, a code with no place)."""
    labels = [w.label for w in waves]
    problems = []
    for item in maps:
        if item.wave not in labels:
            problems.append(f"the mapping names wave {item.wave!r}, which is not one of "
                            f"{', '.join(labels)}")
    if problems:
        raise TrendError(problems)
    result = []
    for wave in waves:
        dataset = wave.dataset
        for item in (m for m in maps if m.wave == wave.label):
            try:
                if item.question != item.to:
                    dataset = dataset.renamed(item.question, item.to)
                if item.codes:
                    target = _newest(waves, item.to, wave.label)
                    dataset = dataset.recoded(item.to, target, dict(item.codes))
            except (ValueError, TrendError) as error:
                problems.append(f"wave {wave.label}, {item.question!r}: {error}")
        result.append(Wave(wave.label, dataset))
    if problems:
        raise TrendError(problems)
    return result


def _newest(waves: Sequence[Wave], name: str, other_than: str):
    for wave in reversed(waves):
        if wave.label != other_than and name in wave.dataset.variables:
            return wave.dataset.variable(name).categories
    raise TrendError([f"no other wave has {name!r} to take its answer codes from"])


def stack(waves: Sequence[Wave], *, name: str = WAVE) -> Dataset:
    """Return the respondents of all ``waves`` as one dataset with the single choice variable
    ``name`` (its categories the wave labels), each with the weight of their own wave (1 in an
    unweighted wave when another is weighted). Raises ``TrendError`` when questions differ
    between the waves (``check_waves``) or a question is called ``name``."""
    if not waves:
        raise ValueError("stacking needs at least one wave")
    check_waves(waves)
    variables: dict[str, Variable] = {}
    for wave in reversed(waves):  # the newest wave's wording
        for key, variable in wave.dataset.variables.items():
            variables.setdefault(key, variable)
    if name in variables:
        raise TrendError([f"a question is called {name!r}, the name of the wave variable"])
    labels = [wave.label for wave in waves]
    if len(set(labels)) != len(labels):
        raise TrendError([f"two waves have the same label ({', '.join(labels)})"])
    columns: dict[str, Any] = {}
    asked: dict[str, Any] = {}
    for key, variable in variables.items():
        parts, masks = [], []
        for wave in waves:
            data, n = wave.dataset, wave.dataset.n
            if key in data.variables:
                parts.append(_column(data, key, variable.kind))
                masks.append(data.asked(key))
            else:
                parts.append(_missing(variable, n))
                masks.append(np.zeros(n, dtype=bool))
        if variable.kind == "text":
            columns[key] = [value for part in parts for value in part]
        else:
            columns[key] = np.concatenate(parts)
        asked[key] = np.concatenate(masks)
    sizes = [wave.dataset.n for wave in waves]
    columns[name] = np.repeat(np.arange(len(waves)), sizes)
    wave_variable = Variable(name, "single", label="Golf",
                             categories=tuple(Category(label, label) for label in labels))
    weights = None
    if any(wave.dataset.weights is not None for wave in waves):
        weights = np.concatenate([wave.dataset.weights if wave.dataset.weights is not None
                                  else np.ones(wave.dataset.n) for wave in waves])
    return Dataset([wave_variable, *variables.values()], columns, weights=weights, asked=asked)


def _column(data: Dataset, key: str, kind: str) -> Any:
    if kind == "single":
        return data.codes(key).astype(np.int64)
    if kind == "multiple":
        matrix = data.selected(key).astype(np.int8)
        matrix[~data.answered(key)] = -1
        return matrix
    if kind == "numeric":
        return data.numbers(key)
    values = data.distinct_values(key)
    return [values[code] if code >= 0 else None for code in data.codes(key).tolist()]


def _missing(variable: Variable, n: int) -> Any:
    if variable.kind == "single":
        return np.full(n, -1, dtype=np.int64)
    if variable.kind == "multiple":
        return np.full((n, len(variable.categories)), -1, dtype=np.int8)
    if variable.kind == "numeric":
        return np.full(n, np.nan)
    return [None] * n


def check_waves(waves: Sequence[Wave], questions: Sequence[str] | None = None) -> None:
    """Raise ``TrendError`` naming every question (of ``questions``, or every one in two
    waves or more) that is of another kind, or has other answer categories, in some wave."""
    names = list(questions) if questions is not None else _shared(waves)
    problems = []
    for name in names:
        seen: dict[tuple[str, tuple[str, ...]], list[str]] = {}
        for wave in waves:
            if name in wave.dataset.variables:
                variable = wave.dataset.variable(name)
                shape = (variable.kind, tuple(variable.category_names))
                seen.setdefault(shape, []).append(wave.label)
        if len(seen) > 1:
            parts = [f"{kind}{' (' + ', '.join(codes) + ')' if codes else ''} in "
                     f"{', '.join(labels)}" for (kind, codes), labels in seen.items()]
            problems.append(f"question {name!r} differs between the waves: "
                            f"{'; '.join(parts)}; map the old name or codes to the new")
    if problems:
        raise TrendError(problems)


def _shared(waves: Sequence[Wave]) -> list[str]:
    counts: dict[str, int] = {}
    for wave in waves:
        for name in wave.dataset.variables:
            counts[name] = counts.get(name, 0) + 1
    return [name for name, count in counts.items() if count > 1]


def trend_table(waves: Sequence[Wave], question: str, *, alpha: float = 0.05,
                threshold: float | None = None) -> TrendTable:
    """Return ``question`` over ``waves`` (see the module docstring); ``threshold`` adds the
    share below it for a numeric question. Raises ``TrendError`` when the question cannot
    be compared across the waves, or no wave asked it."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1 (got {alpha!r})")
    if not waves:
        raise ValueError("a trend needs at least one wave")
    check_waves(waves, [question])
    holding = [w for w in waves if question in w.dataset.variables]
    if not holding:
        raise TrendError([f"no wave asked {question!r}"])
    variable = holding[-1].dataset.variable(question)
    if variable.kind == "numeric":
        return _means(waves, question, variable.label, alpha, threshold)
    if variable.kind not in ("single", "multiple"):
        raise TrendError([f"{question!r} is a {variable.kind} question; a trend needs a "
                          "choice or numeric question"])
    return _shares(waves, question, variable.label, alpha)


def grade_threshold(waves: Sequence[Wave], question: str) -> float | None:
    """``GRADE_BELOW`` when ``question`` is a report-card grade in every wave that asked it:
    a number question (integer, decimal or range) whose answers all lie from 1 to 10; else
    ``None`` (no "onvoldoende" row unless a threshold is set for the question)."""
    asked = [w.dataset for w in waves if question in w.dataset.variables]
    if not asked:
        return None
    for data in asked:
        variable = data.variable(question)
        if variable.kind != "numeric" or variable.question_type not in (
                "integer", "decimal", "range"):
            return None
        x = data.numbers(question)
        x = x[~np.isnan(x)]
        if x.size and (x.min() < 1 or x.max() > 10):
            return None
    return GRADE_BELOW


def _shares(waves: Sequence[Wave], name: str, title: str, alpha: float) -> TrendTable:
    per_wave = []
    for wave in waves:
        if name not in wave.dataset.variables:
            per_wave.append(None)
            continue
        kind = wave.dataset.variable(name).kind
        make = frequency_table if kind == "single" else multiple_table
        per_wave.append(make(wave.dataset, name, significance=False))
    asked, bases, effective = _bases(per_wave)
    labels: dict[str, str] = {}
    for table in per_wave:
        for row in table.rows if table is not None else ():
            if row.kind in ("category", "choice", "dont_know"):
                labels.setdefault(row.key, row.label)
    rows = []
    for key, label in labels.items():
        values = [None if t is None else next(r.values[0] for r in t.rows if r.key == key)
                  for t in per_wave]
        rows.append(_row(key, label, "share", values, _share_tests(values, effective), alpha))
    weighted = any(t is not None and t.weighted for t in per_wave)
    return TrendTable(name, title, "shares", tuple(w.label for w in waves), asked, bases,
                      effective, tuple(rows), alpha, weighted)


def _bases(tables) -> tuple[tuple[bool, ...], tuple[int, ...], tuple[float, ...]]:
    asked = tuple(t is not None and t.columns[0].base > 0 for t in tables)
    bases = tuple(t.columns[0].base if t is not None else 0 for t in tables)
    effective = tuple(float(t.columns[0].effective_base) if t is not None else 0.0
                      for t in tables)
    return asked, bases, effective


def _means(waves: Sequence[Wave], name: str, title: str, alpha: float,
           threshold: float | None) -> TrendTable:
    per_wave = [numeric_table(w.dataset, name, significance=False)
                if name in w.dataset.variables else None for w in waves]
    asked, bases, effective = _bases(per_wave)

    def stat(key: str) -> list[float | None]:
        values = []
        for table in per_wave:
            value = None if table is None else table.rows[_STATS.index(key)].values[0]
            values.append(None if value is None or math.isnan(value) else float(value))
        return values

    means, sds = stat("mean"), stat("sd")
    mean_tests = _welch_tests(means, sds, effective)
    rows = [_row("mean", "Gemiddelde", "mean", means, mean_tests, alpha)]
    if threshold is not None:  # the second row, as the monitors print it
        below = [_below(w.dataset, name, threshold) if ok else None
                 for w, ok in zip(waves, asked, strict=True)]
        label = f"Onvoldoende (lager dan {_dutch(threshold)})"
        rows.append(_row("below", label, "below", below, _share_tests(below, effective),
                         alpha))
    for key, label in (("sd", "Standaardafwijking"),
                       ("ci_low", "Ondergrens 95%-betrouwbaarheidsinterval"),
                       ("ci_high", "Bovengrens 95%-betrouwbaarheidsinterval")):
        rows.append(_row(key, label, key, stat(key), None, alpha))  # type: ignore[arg-type]
    weighted = any(t is not None and t.weighted for t in per_wave)
    return TrendTable(name, title, "means", tuple(w.label for w in waves), asked, bases,
                      effective, tuple(rows), alpha, weighted, threshold)


#: The rows of ``numeric_table``, in its order.
_STATS = ("mean", "median", "sd", "ci_low", "ci_high")


def _below(dataset: Dataset, name: str, threshold: float) -> float | None:
    """The weighted % of those who answered with a value below ``threshold``."""
    x = dataset.numbers(name)
    valid = ~np.isnan(x)
    w = dataset.weights if dataset.weights is not None else np.ones(dataset.n)
    total = float(w[valid].sum())
    if total <= 0:
        return None
    return 100.0 * float(w[valid & (np.nan_to_num(x, nan=np.inf) < threshold)].sum()) / total


#: Per wave the p-value of the change from the previous wave that asked the question, and
#: from the first (NaN where not tested).
_Tests = tuple[list[float], list[float]]


def _pairs(values: Sequence[float | None]) -> list[tuple[int | None, int | None]]:
    """Per wave, the positions of the previous and the first wave with a value."""
    result: list[tuple[int | None, int | None]] = []
    last: int | None = None
    first: int | None = None
    for i, value in enumerate(values):
        result.append((last, first) if value is not None else (None, None))
        if value is not None:
            last = i
            first = i if first is None else first
    return result


def _share_tests(values: Sequence[float | None], effective: Sequence[float]) -> _Tests:
    z = PooledZTest()

    def test(i: int, j: int | None) -> float:
        if j is None or values[i] is None or values[j] is None:
            return math.nan
        result = z.test(values[i] / 100.0, effective[i], values[j] / 100.0, effective[j])
        return float(result.p_value)

    return _collect(values, test)


def _welch_tests(means: Sequence[float | None], sds: Sequence[float | None],
                 effective: Sequence[float]) -> _Tests:
    def test(i: int, j: int | None) -> float:
        if j is None or means[i] is None or means[j] is None or sds[i] is None or sds[j] is None:
            return math.nan
        return float(welch_t(means[i], sds[i] ** 2, effective[i],
                             means[j], sds[j] ** 2, effective[j]).p)

    return _collect(means, test)


def _collect(values: Sequence[float | None], test) -> _Tests:
    pairs = _pairs(values)
    return ([test(i, previous) for i, (previous, _first) in enumerate(pairs)],
            [test(i, first) for i, (_previous, first) in enumerate(pairs)])


def _row(key: str, label: str, kind, values: Sequence[float | None], tests: _Tests | None,
         alpha: float) -> TrendRow:
    n = len(values)
    if tests is None:
        nan = (math.nan,) * n
        return TrendRow(key, label, kind, tuple(values), (None,) * n, (None,) * n, nan, nan)
    p_previous, p_first = tests
    pairs = _pairs(values)

    def marks(ps: list[float], which: int) -> tuple[Change | None, ...]:
        result: list[Change | None] = []
        for i, p in enumerate(ps):
            other = pairs[i][which]
            if math.isnan(p) or other is None:
                result.append(None)
            elif p < alpha:
                result.append(1 if values[i] > values[other] else -1)  # type: ignore[operator]
            else:
                result.append(0)
        return tuple(result)

    return TrendRow(key, label, kind, tuple(values), marks(p_previous, 0), marks(p_first, 1),
                    tuple(p_previous), tuple(p_first))
