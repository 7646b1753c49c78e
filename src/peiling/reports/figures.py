"""The figures of a report: chart data from the analysis engine's tables. Pure.

A grid of statements becomes stacked bars (every answer category, sorted by agreement); a
single or multiple choice question horizontal bars; a numeric question a histogram of its
bands. Every figure gets a text alternative naming what it shows and its extremes.
"""

from __future__ import annotations

from collections.abc import Sequence

from peiling.analysis import Banner, Variable, frequency_table, make_banner
from peiling.analysis.tables import dont_know_codes
from peiling.analysis.trends import TrendTable
from peiling.reports.context import BuildContext
from peiling.reports.definition import ItemSpec
from peiling.reports.model import Chart, ChartRow, ChartSeries, FigureBlock, TableBlock
from peiling.reports.text import percent, quoted

__all__ = ["bars_figure", "description", "scale_series", "stacked_figure", "subtitle",
           "trend_chart"]

#: A trend chart of shares draws at most this many answers (the most chosen in the last wave).
TREND_LINES = 5


def subtitle(*parts: str) -> str:
    return ", ".join(["%", *[p for p in parts if p]])


def bars_figure(
    context: BuildContext, block: TableBlock, item: ItemSpec, number: str
) -> FigureBlock:
    table = block.table
    rows = [r for r in table.rows if r.kind in ("category", "dont_know", "choice", "net")]
    if table.kind == "multiple":
        content = sorted(
            (r for r in rows if r.kind == "choice"), key=lambda r: -(r.values[-1] or 0)
        )
        rows = content + [r for r in rows if r.kind != "choice"]
    base = table.columns[-1].base
    chart = Chart(
        "bars",
        (ChartSeries("value", "%", "value"),),
        tuple(ChartRow(r.label, (r.values[-1] or 0.0,), base) for r in rows if r.kind != "net"),
    )
    under = subtitle(
        "meerdere antwoorden mogelijk" if table.kind == "multiple" else "", item.subgroup
    )
    return FigureBlock(
        number, block.title, block.quoted, under, chart, description(chart, block.title), ()
    )


def stacked_figure(
    context: BuildContext, item: ItemSpec, names: Sequence[str], number: str, title: str
) -> FigureBlock:
    dataset = context.dataset
    _, spec = context.banner(item.banner)
    where = context.filter(spec.filter if spec else None, item.filter)
    total_only = total_banner(context)
    first = dataset.variable(names[0])
    series = scale_series(first)
    rows = []
    for name in names:
        table = frequency_table(dataset, name, total_only, filter=where, significance=False)
        values = tuple(r.values[-1] or 0.0 for r in table.rows)
        rows.append(ChartRow(context.label(name), values, table.columns[-1].base))
    positive = [i for i, s in enumerate(series) if s.role == "positive"]
    rows.sort(key=lambda r: -sum(r.values[i] for i in positive))
    chart = Chart("stacked", series, tuple(rows))
    quoted_title = len(names) == 1 and not item.title
    return FigureBlock(
        number,
        item.title or title,
        quoted_title,
        subtitle(item.subgroup),
        chart,
        description(chart, item.title or title),
        (),
    )


def total_banner(context: BuildContext) -> Banner:
    key = "\x00total"
    if key not in context.banners:
        context.banners[key] = (make_banner(context.dataset, ()), None)
    return context.banners[key][0]


def scale_series(variable: Variable) -> tuple[ChartSeries, ...]:
    """Return the series of a scale, positive first: shades step away from the middle."""
    dk = set(dont_know_codes(variable))
    scale = [i for i in range(len(variable.categories)) if i not in dk]
    half = len(scale) // 2
    series = []
    for position, code in enumerate(scale):
        category = variable.categories[code]
        if position < half:
            role, shade = "positive", position
        elif len(scale) % 2 and position == half:
            role, shade = "neutral", 0
        else:
            role, shade = "negative", len(scale) - 1 - position
        series.append((code, ChartSeries(category.name, category.label, role, shade)))
    for code in sorted(dk):
        category = variable.categories[code]
        series.append((code, ChartSeries(category.name, category.label, "dont_know")))
    series.sort(key=lambda pair: pair[0])
    return tuple(s for _, s in series)


def description(chart: Chart, title: str) -> str:
    """Return a text alternative: what the chart shows and its extremes, in one sentence."""
    if not chart.rows:
        return f"Figuur zonder gegevens: {title}."
    if chart.kind == "stacked":
        positive = [i for i, s in enumerate(chart.series) if s.role == "positive"]
        share = [(sum(r.values[i] for i in positive), r.label) for r in chart.rows]
        top, bottom = share[0], share[-1]
        return (
            f"Gestapelde staven per stelling, van positief naar negatief, gesorteerd op "
            f"instemming. Hoogste: {quoted(top[1])} ({percent(top[0])}); laagste: "
            f"{quoted(bottom[1])} ({percent(bottom[0])})."
        )
    kind = "Histogram" if chart.kind == "histogram" else "Staafdiagram"
    parts = "; ".join(f"{r.label}: {percent(r.values[0])}" for r in chart.rows[:12])
    more = f"; en {len(chart.rows) - 12} meer" if len(chart.rows) > 12 else ""
    return f"{kind} van {title}: {parts}{more}."


# -- footnotes --------------------------------------------------------------------------------


def trend_chart(table: TrendTable) -> tuple[Chart, str]:
    """A line per answer over the waves (at most ``TREND_LINES``, the most chosen in the last
    wave that asked the question), or for a numeric question the mean with its 95% interval
    as a band; and a text alternative."""
    nan = float("nan")
    rows_of = {row.key: row for row in table.rows}
    if table.kind == "means":
        keys = ("mean", "ci_low", "ci_high")
        series = tuple(ChartSeries(key, rows_of[key].label, "value") for key in keys)
    else:
        last = max((i for i, asked in enumerate(table.asked) if asked), default=0)
        ranked = sorted((r for r in table.rows if r.kind == "share"),
                        key=lambda r: -(r.values[last] or 0.0))[:TREND_LINES]
        keys = tuple(r.key for r in ranked)
        series = tuple(ChartSeries(r.key, r.label, "value", shade) for shade, r in
                       enumerate(ranked))
    rows = tuple(
        ChartRow(label, tuple(nan if rows_of[key].values[i] is None else
                              float(rows_of[key].values[i]) for key in keys), base)
        for i, (label, base) in enumerate(zip(table.waves, table.bases, strict=True)))
    chart = Chart("trend", series, rows)
    asked = [i for i, ok in enumerate(table.asked) if ok]
    if not asked:
        return chart, f"{table.title}: geen golf stelde deze vraag."
    first, last = asked[0], asked[-1]
    main = rows_of[keys[0]]

    def shown(value: float) -> str:
        return percent(value) if table.kind == "shares" else f"{value:.1f}".replace(".", ",")

    what = "het gemiddelde" if table.kind == "means" else quoted(main.label)
    text = (f"Lijngrafiek van {quoted(table.title)} over {len(table.waves)} metingen: "
            f"{what} van {shown(main.values[first])} in {table.waves[first]} naar "
            f"{shown(main.values[last])} in {table.waves[last]}.")
    return chart, text
