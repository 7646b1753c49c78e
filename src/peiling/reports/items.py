"""The items of a results section: a question's table (and chart), a grid of statements, quotes.

Each item returns the blocks it shows and the tables its key findings are drafted from (a
table may be drafted from without being shown, when the definition says ``table: false``).
Pure: every number comes from ``peiling.analysis``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from peiling.analysis import (
    Band,
    Dataset,
    Net,
    NetScore,
    Table,
    banded_table,
    bands,
    frequency_table,
    grid_table,
    make_banner,
    multiple_table,
    numeric_table,
)
from peiling.analysis.tables import dont_know_codes
from peiling.openanswers.privacy import KINDS
from peiling.openanswers.themes import CODES_SUFFIX, NO_ANSWER_CODE, OTHER_CODE, suggest_quotes
from peiling.reports.context import BuildContext, Numbering
from peiling.reports.definition import BannerSpec, ItemSpec
from peiling.reports.figures import bars_figure, description, stacked_figure, subtitle
from peiling.reports.footnotes import footnotes
from peiling.reports.model import (
    ANSWERS_PHRASE,
    MENTIONS_PHRASE,
    Block,
    Chart,
    ChartRow,
    ChartSeries,
    FigureBlock,
    FindingHint,
    Notice,
    Paragraph,
    QuoteBlock,
    QuoteTheme,
    TableBlock,
    gettext_noop,
)
from peiling.reports.text import number, paragraphs, quoted

__all__ = ["item_blocks", "quotes_block", "shown_columns"]


def item_blocks(
    context: BuildContext, item: ItemSpec, numbering: Numbering, section_title: str
) -> tuple[list[Block], list[TableBlock]]:
    """Return the blocks an item shows and the tables its findings are drafted from."""
    if item.kind == "text":
        return [Paragraph(p) for p in paragraphs(item.text)], []
    if item.kind == "quotes":
        block = quotes_block(context, item)
        return ([block] if block is not None else []), []
    if item.kind == "statements":
        return _grid(context, item, numbering, section_title)
    if item.kind == "question":
        name = item.questions[0]
        if name.endswith(CODES_SUFFIX) and name not in context.dataset.variables:
            context.problems.append(Notice(gettext_noop(
                "%(path)s: the answers to “%(question)s” are not coded yet; left out"),
                path=item.path, question=name.removesuffix(CODES_SUFFIX)))
            return [], []
        variable = context.dataset.variable(name)
        if variable.kind == "numeric":
            return _numeric(context, item, numbering)
        return _choice(context, item, numbering)
    raise ValueError(f"item kind must be question, statements, quotes or text (got {item.kind!r})")


def _breakdown(spec: BannerSpec | None, *extra: str) -> str:
    parts = ["%" + (f" naar {spec.title}" if spec is not None and spec.title else "")]
    parts.extend(e for e in extra if e)
    return ", ".join(parts)


def _who(table: Table, spec: BannerSpec | None) -> tuple[tuple[str, str], ...]:
    if spec is None:
        return ()
    names = dict(spec.who)
    return tuple((c.key, names[c.label]) for c in table.columns if c.label in names)


def _choice(
    context: BuildContext, item: ItemSpec, numbering: Numbering
) -> tuple[list[Block], list[TableBlock]]:
    name = item.questions[0]
    dataset, definition = context.dataset, context.definition
    banner, spec = context.banner(item.banner)
    where = context.filter(spec.filter if spec else None, item.filter)
    nets = tuple(Net(n.label, n.categories) for n in item.nets)
    variable = dataset.variable(name)
    if variable.kind == "multiple":
        table = shown_columns(
            multiple_table(
                dataset,
                name,
                banner,
                filter=where,
                nets=nets,
                dont_know=item.dont_know,
                alpha=definition.alpha,
            )
        )
        phrase = item.phrase or MENTIONS_PHRASE
        extra = "meerdere antwoorden mogelijk"
    else:
        scores = ()
        if item.net_score is not None:
            s = item.net_score
            scores = (NetScore(Net("+", s.positive), Net("-", s.negative), s.label),)
        table = shown_columns(
            frequency_table(
                dataset,
                name,
                banner,
                filter=where,
                nets=nets,
                net_scores=scores,
                show_categories=item.categories,
                dont_know=item.dont_know,
                alpha=definition.alpha,
            )
        )
        phrase = item.phrase or ANSWERS_PHRASE
        extra = ""
    label = context.label(name)
    hint = FindingHint(
        label,
        phrase,
        definition.population,
        _who(table, spec),
        _headline_key(item, table),
        subject=item.subject or context.subject(name),
    )
    block = TableBlock(
        number="",
        title=item.title or label,
        quoted=not item.title,
        breakdown=_breakdown(spec, extra, item.subgroup),
        table=table,
        footnotes=footnotes(context, table, [name], where, item.subgroup, spec),
        total_row=variable.kind == "single" and item.categories,
        hint=hint,
    )
    shown: list[Block] = []
    if item.table:
        shown.append(replace(block, number=numbering.table()))
    chart = item.chart or "bars"
    if chart == "bars":
        shown.append(bars_figure(context, block, item, numbering.figure()))
    elif chart == "stacked":
        shown.append(stacked_figure(context, item, [name], numbering.figure(), block.title))
    return shown, [block]


def shown_columns(table: Table) -> Table:
    """Return ``table`` without the banner columns nobody in the base is in.

    A question asked only at a gemeente has empty columns for every other type of
    organisation; they are left out. When one banner column is left and it holds everyone in
    the total, only the total stays.
    """
    keep = [i for i, c in enumerate(table.columns) if c.base > 0 or c.key == "total"]
    total = table.columns[-1]
    if total.key == "total" and len(keep) == 2 and table.columns[keep[0]].base == total.base:
        keep = [len(table.columns) - 1]
    if len(keep) == len(table.columns):
        return table

    def pick(values: tuple | None) -> tuple | None:  # type: ignore[type-arg]
        return None if values is None else tuple(values[i] for i in keep if i < len(values))

    rows = tuple(
        replace(
            r,
            values=pick(r.values),
            counts=pick(r.counts),
            weighted_counts=pick(r.weighted_counts),
            sig=pick(r.sig) or (),
            rest=pick(r.rest) or (),
            bases=pick(r.bases),
            weighted_bases=pick(r.weighted_bases),
        )
        for r in table.rows
    )
    return replace(table, columns=tuple(table.columns[i] for i in keep), rows=rows)


def _headline_key(item: ItemSpec, table: Table) -> str | None:
    if not item.headline:
        return None
    for row in table.rows:
        if item.headline in (row.key, row.label, f"net:{row.label}"):
            return row.key
    return None


def _numeric(
    context: BuildContext, item: ItemSpec, numbering: Numbering
) -> tuple[list[Block], list[TableBlock]]:
    name = item.questions[0]
    dataset, definition = context.dataset, context.definition
    banner, spec = context.banner(item.banner)
    where = context.filter(spec.filter if spec else None, item.filter)
    band_list = bands(item.bands, open_top=True) if item.bands else _default_bands(dataset, name)
    banded = shown_columns(
        banded_table(dataset, name, band_list, banner, filter=where, alpha=definition.alpha)
    )
    stats = shown_columns(
        numeric_table(dataset, name, banner, filter=where, alpha=definition.alpha)
    )
    label = context.label(name)
    notes = footnotes(context, banded, [name], where, item.subgroup, spec)
    hint = FindingHint(
        label,
        item.phrase or ANSWERS_PHRASE,
        definition.population,
        _who(stats, spec),
        subject=item.subject or context.subject(name),
    )
    block = TableBlock(
        "",
        item.title or label,
        not item.title,
        _breakdown(spec, item.subgroup),
        banded,
        notes,
        hint=None,
    )
    stats_block = TableBlock(
        "",
        "Gemiddelde en spreiding: " + (item.title or quoted(label)),
        False,
        _breakdown(None, item.subgroup).replace("%", "gemiddelde"),
        stats,
        footnotes(context, stats, [name], where, item.subgroup, spec),
        hint=hint,
    )
    shown: list[Block] = []
    if item.table:
        shown.append(replace(block, number=numbering.table()))
        shown.append(replace(stats_block, number=numbering.table()))
    if (item.chart or "histogram") != "none":
        rows = tuple(
            ChartRow(r.label, (r.values[-1] or 0.0,), banded.columns[-1].base) for r in banded.rows
        )
        chart = Chart("histogram", (ChartSeries("value", "%", "value"),), rows)
        shown.append(
            FigureBlock(
                numbering.figure(),
                block.title,
                block.quoted,
                subtitle(item.subgroup),
                chart,
                description(chart, block.title),
                (),
            )
        )
    return shown, [stats_block]


def _default_bands(dataset: Dataset, name: str) -> tuple[Band, ...]:
    """Return ten equal bands over the answers' range, with round edges."""
    values = dataset.numbers(name)
    values = values[~np.isnan(values)]
    if values.size == 0:
        return bands([0, 1])
    low, high = float(values.min()), float(values.max())
    span = max(high - low, 1.0)
    step = 10 ** math.floor(math.log10(span / 10)) if span >= 10 else 1.0
    for factor in (1, 2, 2.5, 5, 10):
        if span / (step * factor) <= 10:
            step *= factor
            break
    start = math.floor(low / step) * step
    edges = [start + i * step for i in range(math.ceil((high - start) / step) + 1)]
    if len(edges) < 2:
        edges.append(edges[0] + step)
    return bands(edges[:-1] if len(edges) > 2 else edges, open_top=len(edges) > 2)


def _grid(
    context: BuildContext, item: ItemSpec, numbering: Numbering, section_title: str
) -> tuple[list[Block], list[TableBlock]]:
    dataset, definition = context.dataset, context.definition
    names = list(item.questions)
    first = dataset.variable(names[0])
    dk = set(dont_know_codes(first))
    scale = [c for i, c in enumerate(first.categories) if i not in dk]
    agree = list(item.agree) or [c.name for c in scale[: len(scale) // 2]]
    agree_label = _merged_label([c.label for c in first.categories if c.name in agree])
    banner, spec = context.banner(item.banner)
    where = context.filter(spec.filter if spec else None, item.filter)
    table = shown_columns(
        grid_table(
            dataset,
            names,
            agree,
            banner,
            title=item.title or section_title,
            filter=where,
            alpha=definition.alpha,
        )
    )
    table = replace(table, rows=tuple(replace(r, label=context.label(r.key)) for r in table.rows))
    if "eens" in agree_label.lower():
        phrase = "[is|zijn] het eens met de stelling {label}"
    else:
        phrase = "[noemt|noemen] {label} een " + agree_label.lower()
    hint = FindingHint(
        item.title or section_title,
        item.phrase or phrase,
        definition.population,
        _who(table, spec),
        subject=item.subject,
    )
    title = item.title or f"Stellingen over {section_title[:1].lower()}{section_title[1:]}"
    block = TableBlock(
        "",
        title,
        False,
        _breakdown(spec, quoted(agree_label), item.subgroup),
        table,
        footnotes(context, table, names, where, item.subgroup, spec),
        hint=hint,
    )
    shown: list[Block] = []
    if (item.chart or "stacked") == "stacked":
        shown.append(stacked_figure(context, item, names, numbering.figure(), title))
    if item.table:
        shown.append(replace(block, number=numbering.table()))
    return shown, [block]


def _merged_label(labels: Sequence[str]) -> str:
    """Return "(helemaal) mee eens" for ["Helemaal mee eens", "Mee eens"]."""
    if len(labels) == 2 and labels[0].lower().endswith(labels[1].lower()):
        prefix = labels[0][: len(labels[0]) - len(labels[1])].strip().lower()
        return f"({prefix}) {labels[1].lower()}"
    return " of ".join(label.lower() for label in labels)


# -- figures ----------------------------------------------------------------------------------


def quotes_block(context: BuildContext, item: ItemSpec) -> QuoteBlock | None:
    """The quotes of an open question: per theme the answers the definition chose; when the
    answers are coded (``<question>_codes`` in the data) and the definition chose no themes
    or names a code among them, a theme per code with the share of respondents whose answer
    has it, and the quotes chosen for it or else suggested
    (``openanswers.themes.suggest_quotes``: typical and varied)."""
    name = item.questions[0]
    answers = {" ".join(str(v).split()) for v in context.dataset.distinct_values(name)}
    chosen: dict[str, list[str]] = {}
    for theme in item.themes:
        found = chosen.setdefault(theme.theme, [])
        for quote in theme.quotes:
            if " ".join(quote.split()) in answers:
                found.append(quote.strip())
            else:
                context.problems.append(Notice(gettext_noop(
                    "%(path)s: the quote “%(quote)s” is not an answer to “%(question)s”; "
                    "left out"), path=item.path, quote=quote[:60], question=name))
    coded = name + CODES_SUFFIX
    label = context.label(name)
    if coded in context.dataset.variables and _by_code(context, item, coded):
        themes, base = _coded_themes(context, item, coded, chosen)
        intro = item.intro or (
            f"Enkele citaten als antwoord op de vraag {quoted(label)}, per thema met het "
            f"aandeel van de respondenten dat het noemt (van de {number(base)} met een "
            "gecodeerd antwoord):")
    else:
        if not item.themes:
            context.problems.append(Notice(gettext_noop(
                "%(path)s: the answers to “%(question)s” are not coded and no quotes are "
                "chosen; left out"), path=item.path, question=name))
        themes = [QuoteTheme(theme, tuple(quotes)) for theme, quotes in chosen.items() if quotes]
        intro = item.intro or f"Enkele citaten als antwoord op de vraag {quoted(label)}:"
    if not themes:
        return None
    for theme in themes:
        for quote in theme.quotes:
            if any(token in quote for token in MASKS):
                context.problems.append(Notice(gettext_noop(
                    "%(path)s: a quote under “%(theme)s” may hold personal data and shows "
                    "masked (“%(quote)s”); release the answer under Open answers to show it"),
                    path=item.path, theme=theme.theme, quote=quote[:60]))
    return QuoteBlock(item.title, intro, tuple(themes))


def _by_code(context: BuildContext, item: ItemSpec, coded: str) -> bool:
    """Whether the quotes go by the codes: no themes chosen, or one named as a code is."""
    if not item.themes:
        return True
    names = {n for c in context.dataset.variable(coded).categories for n in (c.name, c.label)}
    return any(theme.theme in names for theme in item.themes)


#: What masked personal data looks like in an answer ("[naam]").
MASKS = tuple(KINDS.values())


def _coded_themes(context: BuildContext, item: ItemSpec, coded: str,
                  chosen: dict[str, list[str]]) -> tuple[list[QuoteTheme], int]:
    """A theme per top-level code (not "overig" or "geen zinvol antwoord") that an answer
    has, most mentioned first, with its share of the coded answers; the themes the
    definition names that are no code's label follow as chosen."""
    dataset = context.dataset
    variable = dataset.variable(coded)
    where = context.filter(item.filter)
    table = multiple_table(dataset, coded, make_banner(dataset, ()), filter=where,
                           significance=False)
    shares = {row.key: row.values[0] for row in table.rows if row.kind == "choice"}
    base = table.columns[0].base
    selected = dataset.selected(coded)
    rows_in = dataset.answered(coded) & dataset.answered(item.questions[0])
    if where:
        rows_in &= dataset.evaluate(where)
    texts = dataset.distinct_values(item.questions[0])
    codes = dataset.codes(item.questions[0])
    top = [c for c in variable.categories
           if not c.parent and c.name not in (OTHER_CODE, NO_ANSWER_CODE)]
    tops = np.array([variable.code_of(c.name) for c in top], dtype=np.int64)
    themes = []
    for category in top:
        share = shares.get(category.name)
        if not share:
            continue
        mine = chosen.pop(category.label, None) or chosen.pop(category.name, None)
        if mine:
            themes.append(QuoteTheme(category.label, tuple(mine), share))
            continue
        column = variable.code_of(category.name)
        rows = np.flatnonzero(rows_in & (selected[:, column] == 1))
        # Answers with this theme alone tell it best; others when there are too few.
        alone = rows[selected[rows][:, tops].sum(axis=1) == 1] if tops.size else rows
        pool = alone if alone.size >= item.per_theme else rows
        candidates = [str(texts[codes[r]]) for r in pool]
        clean = [t for t in candidates if not any(token in t for token in MASKS)]
        candidates = clean if len(clean) >= item.per_theme else candidates
        picks = suggest_quotes(candidates, item.per_theme)
        themes.append(QuoteTheme(category.label, tuple(candidates[i] for i in picks), share))
    themes.sort(key=lambda theme: -(theme.share or 0.0))
    themes += [QuoteTheme(theme, tuple(quotes)) for theme, quotes in chosen.items() if quotes]
    return themes, base
