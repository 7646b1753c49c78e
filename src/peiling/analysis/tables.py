"""Tables: column percentages of questions against a banner, as publication-ready values.

A *banner* is the set of columns a table is split by: the categories of one or more banner
variables, columns defined by expressions (``"ICT gemeenten=${ict} = 1"``), and a total column
over everyone in the filter. Every table kind returns a frozen ``Table`` whose ``to_dict`` is
what renderers and the JSON output read.

How it is fast: a banner is turned once into one *cell* number per respondent (the combination
of its variables' categories); a question is tallied with one ``np.bincount`` over
``answer code x cell`` and the cells are summed into columns by a small matrix product. A
filter moves the respondents it excludes to a cell that belongs to no column. Expressions are
evaluated by ``Dataset.evaluate`` (once per distinct combination of answers).

Errors: ``TableError`` (a ``ValueError``) for options that do not fit the data; the dataset's
``UnknownVariableError`` and ``ExpressionFailed`` pass through unchanged.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from peiling.analysis import significance
from peiling.analysis.banner import TOTAL_LABEL as TOTAL_LABEL
from peiling.analysis.banner import Banner, BannerColumn, _Frame, _frame, make_banner
from peiling.analysis.counting import (
    DONT_KNOW_OPTIONS as DONT_KNOW_OPTIONS,
)
from peiling.analysis.counting import (
    DontKnow,
    _columns,
    _common_notes,
    _Options,
    _options,
    _percent_rows,
    _RowSpec,
    _small_base_note,
    _Tally,
    _tally_codes,
    _tally_indicators,
    _values,
    _whole,
)
from peiling.analysis.dataset import Dataset, Variable
from peiling.analysis.results import (
    DONT_KNOW_NAMES,
    Band,
    Column,
    Net,
    NetScore,
    Row,
    RowKind,
    Table,
    TableError,
    bands,
    dont_know_codes,
    round_half_up,
)
from peiling.analysis.results import (
    TableKind as TableKind,
)
from peiling.analysis.significance import Correction

__all__ = [
    "DONT_KNOW_NAMES",
    "Band",
    "Banner",
    "BannerColumn",
    "Column",
    "Net",
    "NetScore",
    "Row",
    "Table",
    "TableError",
    "banded_table",
    "bands",
    "dont_know_codes",
    "frequency_table",
    "grid_table",
    "make_banner",
    "multiple_table",
    "numeric_table",
    "round_half_up",
    "tabulate",
]

SMALL_BASE = 30
ALPHA = 0.05
_MAX_THREADS = 4
_STAT_DECIMALS = 1


def _choice_variable(dataset: Dataset, name: str, kind: str) -> Variable:
    variable = dataset.variable(name)
    if variable.kind != kind:
        raise TableError(
            f"{name!r} is a {variable.kind} variable; this table needs a {kind} choice question"
        )
    return variable


def _frequency(
    dataset: Dataset,
    frame: _Frame,
    name: str,
    nets: Sequence[Net],
    net_scores: Sequence[NetScore],
    show_categories: bool,
    options: _Options,
) -> Table:
    variable = _choice_variable(dataset, name, "single")
    dk = dont_know_codes(variable, options.dont_know_names)
    excluded = dk if options.dont_know == "exclude" else ()
    codes = dataset.codes(name)
    tally = _tally_codes(frame, codes, len(variable.categories), excluded, options.counts)
    specs: list[_RowSpec] = [
        (category.name, category.label, "dont_know" if code in dk else "category", (code,))
        for code, category in enumerate(variable.categories)
        if code not in excluded and show_categories
    ]
    specs += [(f"net:{n.label}", n.label, "net", n.codes(variable, dk)) for n in nets]
    rows = _percent_rows(frame, tally, specs, options)
    rows += [_net_score_row(tally, score, variable, dk) for score in net_scores]
    columns = _columns(frame, tally, options)
    notes = _common_notes(frame, dataset, name, options)
    if excluded:
        chosen = np.isin(dataset.codes(name), excluded)
        left_out = int((chosen if frame.mask is None else chosen & frame.mask).sum())
        labels = ", ".join(variable.categories[c].label for c in excluded)
        notes.append(f"'{labels}' (n = {left_out}) niet in de basis.")
    notes += _small_base_note(columns, options)
    return Table(name, variable.label, "frequency", columns, tuple(rows), options.filter,
                 frame.weights is not None, tuple(notes))  # fmt: skip


def _net_score_row(tally: _Tally, score: NetScore, variable: Variable, dk: Sequence[int]) -> Row:
    positive = tally.weighted[list(score.positive.codes(variable, dk))].sum(axis=0)
    negative = tally.weighted[list(score.negative.codes(variable, dk))].sum(axis=0)
    values = tally.percent(positive) - tally.percent(negative)
    return Row(f"net_score:{score.label}", score.label, "net_score", _values(values),
               sig=("",) * values.size, rest=(0,) * values.size)  # fmt: skip


# -- public table functions -------------------------------------------------------------------


def frequency_table(
    dataset: Dataset,
    question: str,
    banner: Banner | Iterable[str] | None = None,
    *,
    filter: str | None = None,
    dont_know: DontKnow = "include",
    dont_know_names: Iterable[str] | None = None,
    nets: Sequence[Net] = (),
    net_scores: Sequence[NetScore] = (),
    show_categories: bool = True,
    alpha: float = ALPHA,
    correction: Correction = "none",
    significance: bool = True,
    small_base: int = SMALL_BASE,
    counts: bool = False,
) -> Table:
    """Tabulate a single choice question: column percentages per banner column.

    Parameters
    ----------
    dataset, question
        The data and the name of a single choice variable.
    banner
        A ``Banner`` (from ``make_banner``) or its specs; ``None`` for the total column only.
    filter
        An XLSForm expression; only respondents for whom it holds are counted.
    dont_know
        ``"include"`` keeps don't-know answers in the base (a row of their own); ``"exclude"``
        leaves them out of base and table and says so in a note.
    dont_know_names
        The don't-know choices by name; default those matching ``DONT_KNOW_NAMES``.
    nets, net_scores
        Merged categories added as rows, and "per saldo" rows (positive % minus negative %).
    show_categories
        ``False`` shows only the nets (and net scores), as Tabel 3.2 of the reference report.
    alpha, correction, significance
        Level and multiple-comparison correction of the column tests; ``False`` skips them.
    small_base
        Columns with fewer respondents (unweighted) are flagged ``small_base``.
    counts
        Unweighted counts per row (``Row.counts``) for weighted data, at the price of a second
        counting pass; unweighted data always has them.

    Returns
    -------
    Table
        Kind ``frequency``. Base: respondents in the filter who were asked the question and
        answered it (minus don't know when excluded). Not asked is never in the base.

    References
    ----------
    Significance: ``peiling.analysis.significance`` (two-proportion z-tests on effective bases,
    Kish 1965 §11.7, when weighted).
    """
    options = _options(filter, dont_know, dont_know_names, alpha, correction, significance,
                       small_base, counts)  # fmt: skip
    frame = _frame(dataset, banner, filter)
    return _frequency(dataset, frame, question, nets, net_scores, show_categories, options)


def multiple_table(
    dataset: Dataset,
    question: str,
    banner: Banner | Iterable[str] | None = None,
    *,
    filter: str | None = None,
    dont_know: DontKnow = "include",
    dont_know_names: Iterable[str] | None = None,
    nets: Sequence[Net] = (),
    alpha: float = ALPHA,
    correction: Correction = "none",
    significance: bool = True,
    small_base: int = SMALL_BASE,
) -> Table:
    """Tabulate a multiple choice question: % of respondents choosing each option.

    Percentages sum to more than 100. The base is the respondents asked who answered
    (chose at least one option); with ``dont_know="exclude"`` respondents who chose a
    don't-know option are left out. A net is the % choosing any of its options.

    Returns
    -------
    Table
        Kind ``multiple``; rows kind ``choice`` (``dont_know``) and ``net``.
    """
    options = _options(filter, dont_know, dont_know_names, alpha, correction, significance,
                       small_base)  # fmt: skip
    frame = _frame(dataset, banner, filter)
    return _multiple(dataset, frame, question, nets, options)


def _multiple(
    dataset: Dataset, frame: _Frame, name: str, nets: Sequence[Net], options: _Options
) -> Table:
    variable = _choice_variable(dataset, name, "multiple")
    selected = dataset.selected(name)
    dk = dont_know_codes(variable, options.dont_know_names)
    base = dataset.answered(name)
    if options.dont_know == "exclude" and dk:
        base = base & ~selected[:, list(dk)].any(axis=1)
    if frame.mask is not None:
        base = base & frame.mask
    specs: list[_RowSpec] = []
    indicators = []
    for code, category in enumerate(variable.categories):
        if options.dont_know == "exclude" and code in dk:
            continue
        kind: RowKind = "dont_know" if code in dk else "choice"
        specs.append((category.name, category.label, kind, (len(indicators),)))
        indicators.append(selected[:, code] & base)
    for net in nets:
        specs.append((f"net:{net.label}", net.label, "net", (len(indicators),)))
        indicators.append(selected[:, list(net.codes(variable, dk))].any(axis=1) & base)
    tally = _tally_indicators(frame, base, indicators)
    rows = _percent_rows(frame, tally, specs, options)
    columns = _columns(frame, tally, options)
    notes = _common_notes(frame, dataset, name, options)
    notes.append("Meer antwoorden mogelijk; percentages tellen op tot meer dan 100.")
    notes += _small_base_note(columns, options)
    return Table(name, variable.label, "multiple", columns, tuple(rows), options.filter,
                 frame.weights is not None, tuple(notes))  # fmt: skip


def grid_table(
    dataset: Dataset,
    questions: Sequence[str],
    categories: Sequence[str] | Net,
    banner: Banner | Iterable[str] | None = None,
    *,
    name: str | None = None,
    title: str = "",
    filter: str | None = None,
    dont_know: DontKnow = "include",
    dont_know_names: Iterable[str] | None = None,
    alpha: float = ALPHA,
    correction: Correction = "none",
    significance: bool = True,
    small_base: int = SMALL_BASE,
    counts: bool = False,
) -> Table:
    """Tabulate statements: one row per question, the % in ``categories`` per column.

    Every statement is a single choice question; ``categories`` names the choices counted
    (e.g. ``("eens", "helemaal_eens")`` for "% mee eens", as Tabel 3.4 of the reference
    report) or is a ``Net``. Each row has its own bases (``Row.bases``); the column base is the
    number of respondents who answered at least one statement.

    Returns
    -------
    Table
        Kind ``grid``; rows kind ``statement``.
    """
    options = _options(filter, dont_know, dont_know_names, alpha, correction, significance,
                       small_base, counts)  # fmt: skip
    if not questions:
        raise TableError("a grid needs at least one statement")
    frame = _frame(dataset, banner, filter)
    net = categories if isinstance(categories, Net) else Net("% selected", tuple(categories))
    rows = []
    for question in questions:
        variable = _choice_variable(dataset, question, "single")
        dk = dont_know_codes(variable, options.dont_know_names)
        excluded = dk if options.dont_know == "exclude" else ()
        codes = dataset.codes(question)
        tally = _tally_codes(frame, codes, len(variable.categories), excluded, options.counts)
        spec: _RowSpec = (question, variable.label, "statement", net.codes(variable, dk))
        (row,) = _percent_rows(frame, tally, [spec], options)
        bases = tuple(_whole(x) for x in tally.base_n)
        rows.append(replace(row, bases=bases, weighted_bases=tuple(tally.base_w.tolist())))
    anyone = np.zeros(dataset.n, dtype=bool)
    for question in questions:
        anyone |= dataset.answered(question)
    if frame.mask is not None:
        anyone &= frame.mask
    columns = _columns(frame, _tally_indicators(frame, anyone, []), options)
    notes = _common_notes(frame, dataset, questions[0], options)
    notes += _small_base_note(columns, options)
    return Table(name or "+".join(questions), title, "grid", columns, tuple(rows), filter,
                 frame.weights is not None, tuple(notes))  # fmt: skip


def banded_table(
    dataset: Dataset,
    question: str,
    band_list: Sequence[Band],
    banner: Banner | Iterable[str] | None = None,
    *,
    filter: str | None = None,
    alpha: float = ALPHA,
    correction: Correction = "none",
    significance: bool = True,
    small_base: int = SMALL_BASE,
    counts: bool = False,
) -> Table:
    """Tabulate a numeric question in bands ("1 tot 30%", "30 tot 40%", ...).

    A value is in a band when ``lower <= value < upper``. Values in no band are left out of
    the base and counted in a note; overlapping bands are refused.

    Returns
    -------
    Table
        Kind ``banded``; rows kind ``band``.
    """
    options = _options(filter, "include", (), alpha, correction, significance, small_base, counts)
    variable = _choice_variable(dataset, question, "numeric")
    values = dataset.numbers(question)
    codes = np.full(dataset.n, -1, dtype=np.int16)
    for code, band in enumerate(band_list):
        inside = ~np.isnan(values)
        if band.lower is not None:
            inside &= values >= band.lower
        if band.upper is not None:
            inside &= values < band.upper
        if (inside & (codes >= 0)).any():
            raise TableError(f"band {band.label!r} overlaps an earlier band")
        codes[inside] = code
    frame = _frame(dataset, banner, filter)
    tally = _tally_codes(frame, codes, len(band_list), (), options.counts)
    specs: list[_RowSpec] = [(b.label, b.label, "band", (i,)) for i, b in enumerate(band_list)]
    rows = _percent_rows(frame, tally, specs, options)
    columns = _columns(frame, tally, options)
    notes = _common_notes(frame, dataset, question, options)
    outside = (~np.isnan(values)) & (codes < 0)
    if frame.mask is not None:
        outside &= frame.mask
    if outside.any():
        notes.append(f"{int(outside.sum())} antwoorden vallen in geen klasse; niet in de basis.")
    notes += _small_base_note(columns, options)
    return Table(question, variable.label, "banded", columns, tuple(rows), filter,
                 frame.weights is not None, tuple(notes))  # fmt: skip


def numeric_table(
    dataset: Dataset,
    question: str,
    banner: Banner | Iterable[str] | None = None,
    *,
    filter: str | None = None,
    confidence: float = 0.95,
    alpha: float = ALPHA,
    correction: Correction = "none",
    significance: bool = True,
    small_base: int = SMALL_BASE,
) -> Table:
    """Summarise a numeric question per column: mean, median, SD and a confidence interval.

    With weights ``w`` and effective n ``n_eff = (Σw)² / Σw²``: mean ``m = Σwx / Σw``;
    ``SD² = Σw(x - m)² / Σw × n_eff / (n_eff - 1)``; the interval is
    ``m ± t(1 - (1 - confidence) / 2; n_eff - 1) × SD / √n_eff``. Unweighted this is the
    textbook Student t interval with ``n - 1`` degrees of freedom. The weighted median is the
    smallest value whose cumulative weight reaches half the total (the mean of two values when
    it is exactly half, which gives the usual median for equal weights).

    Returns
    -------
    Table
        Kind ``numeric``; rows kind ``statistic`` (keys ``mean``, ``median``, ``sd``,
        ``ci_low``, ``ci_high``), values rounded to one decimal. ``sig`` letters compare means
        (Welch's t-test on effective bases) within each banner variable.

    References
    ----------
    Kish, L. (1965). *Survey Sampling*, §11.7 (effective sample size). Student (1908).
    Welch, B. L. (1947). *Biometrika* 34 (unequal variances t-test).
    """
    options = _options(filter, "include", (), alpha, correction, significance, small_base)
    variable = _choice_variable(dataset, question, "numeric")
    frame = _frame(dataset, banner, filter)
    return _numeric(dataset, frame, variable, confidence, options)


def _numeric(
    dataset: Dataset, frame: _Frame, variable: Variable, confidence: float, options: _Options
) -> Table:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1 (got {confidence!r})")
    x = dataset.numbers(variable.name)
    valid = ~np.isnan(x)
    if frame.mask is not None:
        valid &= frame.mask
    w = np.ones(dataset.n) if frame.weights is None else frame.weights
    wv = np.where(valid, w, 0.0)
    # Centre on the overall mean so that Σw(x-m)² does not lose digits to cancellation.
    centre = float(np.nanmean(x[valid])) if valid.any() else 0.0
    d = np.where(valid, x - centre, 0.0)
    sw, swd, swd2 = frame.sum(wv), frame.sum(wv * d), frame.sum(wv * d * d)
    n = frame.sum(valid.astype(np.float64))
    sw2 = frame.sum(wv * wv)
    with np.errstate(divide="ignore", invalid="ignore"):
        neff = np.where(sw2 > 0, sw * sw / sw2, 0.0)
        mean_d = swd / sw
        variance = (swd2 / sw - mean_d**2) * neff / (neff - 1)
        sd = np.sqrt(np.maximum(variance, 0.0))
        half = stats.t.ppf(0.5 + confidence / 2, neff - 1) * sd / np.sqrt(neff)
    mean = np.where(sw > 0, mean_d + centre, np.nan)
    sd = np.where(neff > 1, sd, np.nan)
    half = np.where(neff > 1, half, np.nan)
    medians = np.array(
        [_weighted_median(x, wv, valid & frame.members(c)) for c in range(frame.ncol)]
    )
    tally = _Tally(np.zeros((0, frame.ncol)), np.zeros((0, frame.ncol)), sw, n, sw2)
    letters, rest = _mean_marks(frame, mean, sd, neff, options)
    level = f"{confidence * 100:g}%"
    stats_rows = [
        ("mean", "Gemiddelde", mean, letters, rest),
        ("median", "Mediaan", medians, None, None),
        ("sd", "Standaardafwijking", sd, None, None),
        ("ci_low", f"Ondergrens {level}-betrouwbaarheidsinterval", mean - half, None, None),
        ("ci_high", f"Bovengrens {level}-betrouwbaarheidsinterval", mean + half, None, None),
    ]
    rows = tuple(
        Row(key, label, "statistic", _values(np.asarray(values, dtype=np.float64)),
            sig=sig or ("",) * frame.ncol, rest=marks or (0,) * frame.ncol,
            decimals=_STAT_DECIMALS)
        for key, label, values, sig, marks in stats_rows
    )  # fmt: skip
    columns = _columns(frame, tally, options)
    notes = _common_notes(frame, dataset, variable.name, options, means=True)
    notes += _small_base_note(columns, options)
    return Table(variable.name, variable.label, "numeric", columns, rows, options.filter,
                 frame.weights is not None, tuple(notes))  # fmt: skip


def _weighted_median(
    x: NDArray[np.float64], w: NDArray[np.float64], members: NDArray[np.bool_]
) -> float:
    values, weights = x[members], w[members]
    if values.size == 0 or weights.sum() <= 0:
        return math.nan
    order = np.argsort(values, kind="stable")
    values, weights = values[order], weights[order]
    cumulative = np.cumsum(weights)
    half = cumulative[-1] / 2.0
    i = int(np.searchsorted(cumulative, half, side="left"))
    if math.isclose(cumulative[i], half, rel_tol=1e-12) and i + 1 < values.size:
        return float((values[i] + values[i + 1]) / 2.0)
    return float(values[i])


def _mean_marks(
    frame: _Frame,
    mean: NDArray[np.float64],
    sd: NDArray[np.float64],
    neff: NDArray[np.float64],
    options: _Options,
) -> tuple[tuple[str, ...] | None, tuple[int, ...] | None]:
    """Return Welch t-test letters for the means, within each banner variable."""
    if not options.significance:
        return None, None
    banner = frame.banner
    letters = [""] * frame.ncol
    for group in banner.letter_groups:
        cols = list(group)
        found = significance.mean_letters(
            np.nan_to_num(mean[cols]).reshape(1, -1),
            np.nan_to_num(sd[cols] ** 2).reshape(1, -1),
            np.where(np.isnan(sd[cols]), 0.0, neff[cols]),
            alpha=options.alpha,
            correction=options.correction,
            letters=[banner.columns[c].letter for c in cols],
        )
        for j, c in enumerate(cols):
            letters[c] = found[0][j]
    return tuple(letters), None


# -- the tab plan -----------------------------------------------------------------------------


def tabulate(
    dataset: Dataset,
    questions: Iterable[str] | None = None,
    banner: Banner | Iterable[str] | None = None,
    *,
    filter: str | None = None,
    dont_know: DontKnow = "include",
    dont_know_names: Iterable[str] | None = None,
    nets: Mapping[str, Sequence[Net]] | None = None,
    alpha: float = ALPHA,
    correction: Correction = "none",
    significance: bool = True,
    small_base: int = SMALL_BASE,
    counts: bool = False,
) -> tuple[Table, ...]:
    """Tabulate many questions against one banner and filter, sharing the preparation.

    Parameters
    ----------
    questions
        Variable names; default every single and multiple choice question of the form (in
        form order). Numeric questions named here get a ``numeric_table``.
    nets
        Per question name, the nets to add.
    banner, filter, dont_know, dont_know_names, alpha, correction, significance, small_base, counts
        As for ``frequency_table``.

    Returns
    -------
    tuple[Table, ...]
        One table per question, in the order given.
    """
    options = _options(filter, dont_know, dont_know_names, alpha, correction, significance,
                       small_base, counts)  # fmt: skip
    if questions is None:
        questions = [
            v.name
            for v in dataset.variables.values()
            if v.kind in ("single", "multiple") and v.question_type is not None
        ]
    names = list(questions)
    for name in names:
        if dataset.variable(name).kind == "text":
            raise TableError(f"{name!r} is an open (text) question; it cannot be tabulated")
    frame = _frame(dataset, banner, filter)

    def table(name: str) -> Table:
        variable = dataset.variable(name)
        extra = (nets or {}).get(name, ())
        if variable.kind == "single":
            return _frequency(dataset, frame, name, extra, (), True, options)
        elif variable.kind == "multiple":
            return _multiple(dataset, frame, name, extra, options)
        elif variable.kind == "numeric":
            return _numeric(dataset, frame, variable, 0.95, options)
        else:
            raise ValueError(f"kind must be single, multiple or numeric (got {variable.kind!r})")

    # numpy's counting loops release the GIL, so a second thread uses the second core.
    workers = min(_MAX_THREADS, os.cpu_count() or 1, len(names))
    if workers <= 1:
        return tuple(table(name) for name in names)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return tuple(pool.map(table, names))
