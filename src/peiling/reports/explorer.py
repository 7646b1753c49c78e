"""The table explorer: one question against banners, a filter and weights chosen on the page,
as the report shows it (table with bases and significance marks, and its chart). No database;
its own messages are translated (the page is Dutch by default).

The table and chart are the report's own (``items.item_blocks`` with a definition of one
banner), so a table looks and reads the same in the explorer, the report and the tab book.
Every choice is checked first, and each problem is one sentence naming what to change
(``ChoiceError.problems``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from django.utils.translation import gettext as _

from peiling.analysis import (
    Dataset,
    DatasetError,
    Table,
    TableError,
    WeightingError,
    WeightingResult,
    rake,
)
from peiling.analysis.dataset import Category, ExpressionFailed, Variable
from peiling.analysis.trends import WAVE, TrendError, Wave, stack, trend_table
from peiling.forms.expressions import ExpressionError
from peiling.forms.model import Form
from peiling.reports.context import BuildContext, Numbering
from peiling.reports.definition import BannerSpec, ItemSpec, ReportDefinition
from peiling.reports.figures import trend_chart
from peiling.reports.items import item_blocks
from peiling.reports.model import FigureBlock, TableBlock

__all__ = [
    "BANNER_KINDS",
    "QUESTION_KINDS",
    "ChoiceError",
    "Exploration",
    "TableChoice",
    "TextAnswers",
    "banner_variables",
    "crossed_banner",
    "explore",
    "explore_waves",
    "picked_filter",
    "question_variables",
    "rake_to_targets",
    "subgroups",
    "tab_book_problems",
    "tab_book_tables",
    "text_answers",
    "text_questions",
]

#: Variables a table can be made of, and variables a banner can split by.
QUESTION_KINDS = ("single", "multiple", "numeric")
BANNER_KINDS = ("single",)
#: How far the targets of one variable may be from 100 (percent) and still count as 100.
SUM_TOLERANCE = 0.05


class ChoiceError(ValueError):
    """Choices that do not fit the data; ``problems`` says each one."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class TableChoice:
    """What the page asks for: a question, banner variables, a filter, weights or not."""

    question: str
    banners: tuple[str, ...] = ()
    filter: str = ""
    weighted: bool = False


@dataclass(frozen=True)
class Exploration:
    """The table and chart of a choice, and the weighting behind them (when weighted)."""

    choice: TableChoice
    table: TableBlock
    figure: FigureBlock | None
    weighting: WeightingResult | None = None
    notes: tuple[str, ...] = field(default=())
    #: Over stacked waves (``explore_waves``): the question's trend chart.
    trend: FigureBlock | None = None


def question_variables(dataset: Dataset) -> list[tuple[str, str]]:
    """Return (name, label) of every question a table can be made of, in questionnaire order."""
    return [(name, variable.label or name) for name, variable in dataset.variables.items()
            if variable.kind in QUESTION_KINDS and variable.question_type is not None]


def banner_variables(dataset: Dataset) -> list[tuple[str, str]]:
    """Return (name, label) of every variable a banner can split by, in questionnaire order."""
    return [(name, variable.label or name) for name, variable in dataset.variables.items()
            if variable.kind in BANNER_KINDS]


def rake_to_targets(dataset: Dataset,
                    targets: Mapping[str, Mapping[str, float]]) -> WeightingResult:
    """Rake ``dataset`` to ``targets`` (variable -> category -> percentage of the population).

    Raises ``ChoiceError`` naming every problem: an unknown or unfit variable, an unknown
    category, percentages that do not sum to 100, a category with a target but nobody in it,
    respondents without an answer on a raking variable, raking that does not converge.
    """
    problems: list[str] = []
    codes, coded = {}, {}
    for name, shares in targets.items():
        variable = dataset.variables.get(name)
        if variable is None or variable.kind != "single":
            problems.append(_("weighting variable %(name)r is not a single choice question of "
                              "this questionnaire") % {"name": name})
            continue
        total = sum(shares.values())
        if abs(total - 100.0) > SUM_TOLERANCE:
            problems.append(_("the targets of %(name)r sum to %(total)s%%; they must sum to "
                              "100%%") % {"name": name, "total": f"{total:g}"})
        column = dataset.codes(name)
        counts = {code: int((column == code).sum()) for code in range(len(variable.categories))}
        variable_targets = {}
        for category, share in shares.items():
            try:
                code = variable.code_of(category)
            except ValueError as error:
                problems.append(str(error))
                continue
            if share < 0:
                problems.append(_("%(name)s = %(category)s: a target cannot be negative "
                                  "(%(share)s%%)") % {"name": name, "category": category,
                                                      "share": f"{share:g}"})
            elif share > 0 and counts[code] == 0:
                problems.append(_("%(name)s = %(category)s: a target of %(share)s%% but no "
                                  "respondent in this category; set it to 0") % {
                    "name": name, "category": category, "share": f"{share:g}"})
            variable_targets[code] = share / 100.0
        missing = int((column < 0).sum())
        if missing:
            problems.append(_("%(missing)s respondents did not answer %(name)r; weighting "
                              "needs an answer from everyone") % {"missing": missing,
                                                                  "name": name})
        for code, count in counts.items():
            if count and code not in variable_targets:
                problems.append(_("%(name)s = %(category)s: %(count)s respondents but no "
                                  "target; give it one (0 is not allowed for a category with "
                                  "respondents)") % {
                    "name": name, "category": variable.categories[code].name, "count": count})
        codes[name], coded[name] = column, variable_targets
    if problems:
        raise ChoiceError(problems)
    if not codes:
        raise ChoiceError([_("there are no weighting targets yet")])
    try:
        result = rake(codes, coded)
    except (WeightingError, ValueError) as error:
        raise ChoiceError([str(error)]) from None
    if not result.converged:
        raise ChoiceError([_("the weights do not converge to these targets: %(notes)s")
                           % {"notes": "; ".join(result.notes)}])
    return result


def explore(form: Form, dataset: Dataset, choice: TableChoice, *,
            targets: Mapping[str, Mapping[str, float]] | None = None,
            alpha: float = 0.05) -> Exploration:
    """Return the table and chart of ``choice``; raise ``ChoiceError`` for choices that do
    not fit the data."""
    problems = _check(dataset, choice)
    if problems:
        raise ChoiceError(problems)
    weighting = None
    if choice.weighted:
        weighting = rake_to_targets(dataset, targets or {})
        dataset = dataset.with_weights(weighting.weights)
    banner = BannerSpec("explorer", choice.banners) if choice.banners else None
    definition = ReportDefinition(
        banner="explorer" if banner else None, banners=(banner,) if banner else (),
        filter=choice.filter or None, alpha=alpha)
    context = BuildContext(form, dataset, definition)
    item = ItemSpec(kind="question", questions=(choice.question,))
    try:
        blocks, _ = item_blocks(context, item, Numbering("1"), "")
    except (TableError, DatasetError, ExpressionFailed, ExpressionError) as error:
        raise ChoiceError([str(error).split("\n")[0]]) from None
    table = next(b for b in blocks if isinstance(b, TableBlock))
    figure = next((b for b in blocks if isinstance(b, FigureBlock)), None)
    return Exploration(choice, table, figure, weighting, tuple(context.problems))


def explore_waves(form: Form, waves: Sequence[Wave], choice: TableChoice, *,
                  threshold: float | None = None, alpha: float = 0.05,
                  trend: bool = True) -> Exploration:
    """``choice`` over several waves stacked (``analysis.trends.stack``): the banner
    ``golf`` first, and each chosen banner crossed with it ("Golf × Geslacht": a column per
    wave and subgroup, so a subgroup's change reads side by side); under the table the
    question's trend chart (``threshold``: a numeric question's "onvoldoende" row), unless
    ``trend`` is false.

    Each wave carries its own weights already (``reports.waves.study_waves(weighted=True)``
    rakes each to its own targets), so nothing is raked here. Raises ``ChoiceError`` for
    choices that do not fit, and for questions that differ between the waves without a
    mapping (named, with the waves)."""
    try:
        dataset = stack(waves)
    except TrendError as error:
        raise ChoiceError(error.problems) from None
    problems = _check(dataset, choice)
    if WAVE in choice.banners:
        problems.append(_("the waves are the first banner already; choose subgroups only"))
    if problems:
        raise ChoiceError(problems)
    banners = [WAVE]
    for name in choice.banners:
        dataset, crossed = crossed_banner(dataset, WAVE, name)
        banners.append(crossed)
    exploration = explore(form, dataset, replace(choice, banners=tuple(banners),
                                                 weighted=False), alpha=alpha)
    if not trend:
        return exploration
    table = trend_table(waves, choice.question, alpha=alpha, threshold=threshold)
    chart, description = trend_chart(table)
    return replace(exploration, trend=FigureBlock(
        "2", table.title, True, _("% per wave") if table.kind == "shares"
        else _("mean per wave, with its 95% interval"), chart, description, (table.footnote,)))


def crossed_banner(dataset: Dataset, outer: str, inner: str) -> tuple[Dataset, str]:
    """``dataset`` with one more single choice variable, ``outer`` × ``inner``: a category
    per pair ("2025 · vrouw"), outer first; a respondent without either answer has none.
    Returns the dataset and the new variable's name."""
    first, second = dataset.variable(outer), dataset.variable(inner)
    name = f"{outer}__{inner}"
    width = len(second.categories)
    a, b = dataset.codes(outer).astype(np.int32), dataset.codes(inner).astype(np.int32)
    codes = np.where((a >= 0) & (b >= 0), a * width + b, -1)
    categories = tuple(Category(f"{x.name}.{y.name}", f"{x.label} · {y.label}")
                       for x in first.categories for y in second.categories)
    variable = Variable(name, "single", label=f"{first.label or outer} × {second.label or inner}",
                        categories=categories)
    return dataset.with_single(variable, codes), name


def _check(dataset: Dataset, choice: TableChoice) -> list[str]:
    return _check_question(dataset, choice.question) + _check_base(dataset, choice)


def _check_question(dataset: Dataset, name: str) -> list[str]:
    variable = dataset.variables.get(name)
    if variable is None:
        return [_("%(name)r is not a question of this questionnaire") % {"name": name}]
    if variable.kind not in QUESTION_KINDS:
        return [_("%(name)r is an open or %(kind)s question; a table needs a choice or number "
                  "question") % {"name": name, "kind": variable.kind}]
    return []


def _check_base(dataset: Dataset, choice: TableChoice) -> list[str]:
    """The problems of the banners and the filter of ``choice``."""
    problems = []
    for name in choice.banners:
        banner = dataset.variables.get(name)
        if banner is None:
            problems.append(_("banner %(name)r is not a question of this questionnaire")
                            % {"name": name})
        elif banner.kind not in BANNER_KINDS:
            problems.append(_("banner %(name)r is a %(kind)s question; a banner splits by a "
                              "single choice question") % {"name": name, "kind": banner.kind})
    if len(set(choice.banners)) != len(choice.banners):
        problems.append(_("a banner variable is chosen twice"))
    if choice.filter:
        try:
            dataset.evaluate(choice.filter)
        except (ExpressionError, ExpressionFailed, DatasetError) as error:
            problems.append(_("filter: %(problem)s") % {"problem": str(error).splitlines()[0]})
    return problems


def tab_book_problems(dataset: Dataset, base: TableChoice, *,
                      targets: Mapping[str, Mapping[str, float]] | None = None) -> list[str]:
    """Return what is wrong with the banners, filter and weighting of a tab book (none: [])."""
    problems = _check_base(dataset, base)
    if base.weighted and not problems:
        try:
            rake_to_targets(dataset, targets or {})
        except ChoiceError as error:
            problems += error.problems
    return problems


def tab_book_tables(form: Form, dataset: Dataset, questions: Sequence[str],
                    base: TableChoice, *, targets: Mapping[str, Mapping[str, float]] | None = None,
                    progress: Callable[[int, int], None] | None = None,
                    waves: Sequence[Wave] | None = None,
                    ) -> tuple[list[Table], list[str]]:
    """Return the tables of ``questions`` (all tabulatable ones when empty) with the banners,
    filter and weighting of ``base``, and a note per question left out (and why). With
    ``waves`` (each weighted already when the book is), the tables are over them stacked
    (``explore_waves``) and ``dataset`` is ignored.

    The weights are raked once for the whole book. Raises ``ChoiceError`` when the banners,
    filter or weighting themselves do not fit the data.
    """
    if waves is not None:
        try:
            dataset = stack(waves)
        except TrendError as error:
            raise ChoiceError(error.problems) from None
        base, targets = replace(base, weighted=False), None
    names = list(questions) or [name for name, _label in question_variables(dataset)]
    if not names:
        raise ChoiceError([_("this questionnaire has no question a table can be made of")])
    problems = _check_base(dataset, base)
    if waves is not None and WAVE in base.banners:
        problems.append(_("the waves are the first banner already; choose subgroups only"))
    if problems:
        raise ChoiceError(problems)
    weighted = dataset
    if base.weighted:
        weighted = dataset.with_weights(rake_to_targets(dataset, targets or {}).weights)
    tables: list[Table] = []
    left_out: list[str] = []
    for done, name in enumerate(names, start=1):
        try:
            if waves is None:
                exploration = explore(form, weighted, replace(base, question=name,
                                                              weighted=False))
            else:
                exploration = explore_waves(form, waves, replace(base, question=name),
                                            trend=False)
        except ChoiceError as error:
            left_out.append(f"{name}: {'; '.join(error.problems)}")
        else:
            tables.append(exploration.table.table)
        if progress is not None:
            progress(done, len(names))
    return tables, left_out


def text_questions(dataset: Dataset) -> list[tuple[str, str]]:
    """Return (name, label) of every open question (quotes come from these)."""
    return [(name, variable.label or name) for name, variable in dataset.variables.items()
            if variable.kind == "text" and variable.question_type == "text"]


def subgroups(dataset: Dataset) -> list[tuple[str, str]]:
    """Return ("variable:category", "label: category label") of every answer of every banner
    variable: the subgroups quotes can be filtered by."""
    return [(f"{name}:{category.name}", f"{label}: {category.label or category.name}")
            for name, label in banner_variables(dataset)
            for category in dataset.variable(name).categories]


def picked_filter(picked: Sequence[str]) -> str:
    """Return the filter expression of picked answers ("variable:category", from
    ``subgroups``): answers of one variable joined by "or", variables by "and"; "" for none.
    ``"org_type:gemeente", "org_type:rijk"`` gives ``${org_type} = 'gemeente' or ...``."""
    by_variable: dict[str, list[str]] = {}
    for key in picked:
        name, _sep, category = key.partition(":")
        by_variable.setdefault(name, []).append(category)
    parts = []
    for name, categories in by_variable.items():
        tests = " or ".join(f"${{{name}}} = '{c}'" for c in categories)
        parts.append(f"({tests})" if len(categories) > 1 and len(by_variable) > 1 else tests)
    return " and ".join(parts)


@dataclass(frozen=True)
class TextAnswers:
    """The answers to an open question that match a search, most frequent first."""

    answers: tuple[tuple[str, int], ...]
    matched: int
    respondents: int


def text_answers(dataset: Dataset, question: str, *, search: str = "", subgroup: str = "",
                 limit: int = 200) -> TextAnswers:
    """Return the distinct answers to the open question ``question`` that hold ``search``
    (case aside), of the respondents in ``subgroup`` ("variable:category"), with how often
    each was given: at most ``limit`` of them, and how many matched in all.

    Raises ``ChoiceError`` for a question that is no open question, or an unknown subgroup.
    """
    variable = dataset.variables.get(question)
    if variable is None or variable.kind != "text":
        raise ChoiceError([_("%(name)r is not an open question of this questionnaire")
                           % {"name": question}])
    mask = dataset.answered(question)
    if subgroup:
        name, _sep, category = subgroup.partition(":")
        group = dataset.variables.get(name)
        if group is None or group.kind not in BANNER_KINDS or category not in group.category_names:
            raise ChoiceError([_("unknown subgroup %(subgroup)r") % {"subgroup": subgroup}])
        mask = mask & (dataset.codes(name) == group.code_of(category))
    wanted = " ".join(search.split()).casefold()
    codes = dataset.codes(question)[mask]
    counts: dict[str, int] = {}
    respondents = 0
    values = dataset.distinct_values(question)
    for code, times in zip(*np.unique(codes[codes >= 0], return_counts=True), strict=True):
        text = " ".join(str(values[code]).split())
        if text and (not wanted or wanted in text.casefold()):
            counts[text] = counts.get(text, 0) + int(times)
            respondents += int(times)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return TextAnswers(tuple(ranked[:limit]), len(ranked), respondents)
