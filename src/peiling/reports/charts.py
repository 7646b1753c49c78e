"""Charts with matplotlib: SVG for HTML (and so PDF), PNG for Word. One drawing code path.

Three kinds, as the reference reports draw them:

- ``stacked``: a horizontal 100% bar per statement, sorted by agreement, the scale in a fixed
  order from positive (left) to negative, "weet niet" last in grey, percentages on the bars;
- ``bars``: a horizontal bar per answer (single or multiple choice), the percentage at its end;
- ``histogram``: adjacent vertical bars for the bands of a numeric answer;
- ``trend``: the waves from left to right, a line per answer (each its own shade and marker,
  the value at every point), or the mean with its 95% interval as a band; a wave that did not
  ask the question is a gap in the line.

Colours are colour-blind safe (blue for positive, orange for negative: no red/green pair) and
stay apart in black-and-white print: every step of the scale has its own lightness, and the
negative side (diagonal lines) and "weet niet" (crossed lines) are also hatched. Text is
drawn as text (``svg.fonttype`` ``none``) and never read as mathtext, so a label such as
``$x$`` or ``<script>`` is printed as it is (the SVG writer escapes it). Output is
deterministic: fixed ids, no date.

Uses the object-oriented API (``Figure``) only, never ``pyplot``: no global figure state, so
charts can be drawn from several threads.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Sequence

import matplotlib
from matplotlib.figure import Figure

from peiling.reports.model import Chart, ChartSeries

__all__ = ["PALETTE", "render_png", "render_svg", "series_style"]

FONT = ["Liberation Sans", "Arial", "Helvetica", "DejaVu Sans"]
RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "peiling",
    "font.family": "sans-serif",
    "font.sans-serif": FONT,
    "font.size": 8.5,
    "hatch.linewidth": 0.6,
    "axes.unicode_minus": False,
}
WIDTH_INCHES = 6.3  # 16 cm: the text width of an A4 page with 2.5 cm margins
LABEL_WIDTH = 46  # characters before a statement label wraps
INK = "#1a1a1a"
#: Fill, hatch and text colour per (role, shade); shade 0 is the strongest of its side.
PALETTE: dict[tuple[str, int], tuple[str, str, str]] = {
    ("positive", 0): ("#1d4f91", "", "white"),
    ("positive", 1): ("#7fa9d6", "", INK),
    ("positive", 2): ("#c3d8ee", "", INK),
    ("neutral", 0): ("#ebe6d8", "", INK),
    ("negative", 2): ("#fbd9b6", "////", INK),
    ("negative", 1): ("#f2a765", "////", INK),
    ("negative", 0): ("#b54a0e", "////", "white"),
    ("dont_know", 0): ("#a6a6a6", "xx", INK),
    ("value", 0): ("#1d4f91", "", "white"),
}


def series_style(series: ChartSeries) -> tuple[str, str, str]:
    """Return (fill, hatch, text colour) of a series; shades past the palette repeat the last."""
    shade = series.shade
    while (series.role, shade) not in PALETTE and shade > 0:
        shade -= 1
    return PALETTE[series.role, shade]


def render_svg(chart: Chart, *, title: str = "") -> str:
    """Return the chart as an SVG document without XML prolog, for inline HTML."""
    figure = _draw(chart)
    buffer = io.StringIO()
    with matplotlib.rc_context(RC):
        figure.savefig(
            buffer,
            format="svg",
            metadata={"Date": None, "Creator": None},
            bbox_inches="tight",
            pad_inches=0.05,
        )
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    return svg


def render_png(chart: Chart, *, dpi: int = 150) -> bytes:
    """Return the chart as PNG bytes (for Word)."""
    figure = _draw(chart)
    buffer = io.BytesIO()
    with matplotlib.rc_context(RC):
        figure.savefig(
            buffer,
            format="png",
            dpi=dpi,
            bbox_inches="tight",
            pad_inches=0.05,
            metadata={"Software": None},
        )
    return buffer.getvalue()


def _wrap(label: str, width: int = LABEL_WIDTH) -> str:
    lines = []
    for part in label.splitlines() or [""]:
        lines.extend(textwrap.wrap(part, width) or [""])
    return "\n".join(lines)


def _plain(texts: Sequence[matplotlib.text.Text]) -> None:
    for text in texts:
        text.set_parse_math(False)


def _draw(chart: Chart) -> Figure:
    with matplotlib.rc_context(RC):
        if chart.kind == "stacked":
            return _stacked(chart)
        if chart.kind == "bars":
            return _bars(chart)
        if chart.kind == "histogram":
            return _histogram(chart)
        if chart.kind == "trend":
            return _trend(chart)
    raise ValueError(f"chart kind must be stacked, bars, histogram or trend "
                     f"(got {chart.kind!r})")


def _frame(axes: matplotlib.axes.Axes) -> None:
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.spines["bottom"].set_color("#888888")
    axes.tick_params(axis="y", length=0, colors=INK)
    axes.tick_params(axis="x", colors="#555555")


def _left(labels: Sequence[str]) -> float:
    """Return the axes' left edge (a fraction of the width) that leaves room for the labels.

    Estimated from the longest line (about 0.06 inch a character at 8.5 pt), so that the
    figure needs no extra layout pass: text layout is most of a chart's drawing time.
    """
    longest = max((len(line) for label in labels for line in label.splitlines()), default=0)
    return min(0.55, max(0.12, (longest * 0.062 + 0.15) / WIDTH_INCHES))


def _height(rows: int, labels: Sequence[str], extra: float) -> float:
    lines = sum(max(1, label.count("\n") + 1) for label in labels)
    return max(1.4, 0.16 * lines + 0.22 * rows + extra)


def _stacked(chart: Chart) -> Figure:
    labels = [_wrap(r.label) for r in chart.rows]
    figure = Figure(figsize=(WIDTH_INCHES, _height(len(labels), labels, 0.55)))
    axes = figure.add_subplot()
    positions = list(range(len(chart.rows)))[::-1]
    left = [0.0] * len(chart.rows)
    for s, series in enumerate(chart.series):
        fill, hatch, ink = series_style(series)
        widths = [row.values[s] for row in chart.rows]
        bars = axes.barh(
            positions,
            widths,
            left=left,
            height=0.68,
            color=fill,
            hatch=hatch,
            edgecolor="white",
            linewidth=0.6,
            label=series.label,
        )
        for bar, width in zip(bars, widths, strict=True):
            if width >= 6:
                x = bar.get_x() + bar.get_width() / 2
                y = bar.get_y() + bar.get_height() / 2
                text = axes.text(
                    x,
                    y,
                    f"{round(width + 1e-9):.0f}%",
                    ha="center",
                    va="center",
                    color=ink,
                    fontsize=7.5,
                    fontweight="bold",
                    fontfamily="sans-serif",
                    bbox={"boxstyle": "round,pad=0.12", "fc": fill, "ec": "none"}
                    if hatch
                    else None,
                )
                text.set_parse_math(False)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    axes.set_yticks(positions, labels=labels)
    _plain(axes.get_yticklabels())
    axes.set_xlim(0, 100)
    axes.set_xticks([0, 20, 40, 60, 80, 100], labels=["0%", "20%", "40%", "60%", "80%", "100%"])
    _frame(axes)
    one_row = sum(len(s.label) for s in chart.series) + 4 * len(chart.series) <= 100
    legend = axes.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.1 - 0.3 / len(labels)),
        ncol=len(chart.series) if one_row else 3,
        frameon=False,
        fontsize=8,
        handlelength=1.4,
        columnspacing=1.2,
    )
    _plain(legend.get_texts())
    figure.subplots_adjust(left=_left(labels), right=0.98, top=0.98, bottom=0.12)
    return figure


def _bars(chart: Chart) -> Figure:
    labels = [_wrap(r.label, 52) for r in chart.rows]
    figure = Figure(figsize=(WIDTH_INCHES, _height(len(labels), labels, 0.45)))
    axes = figure.add_subplot()
    positions = list(range(len(chart.rows)))[::-1]
    values = [r.values[0] for r in chart.rows]
    fill, _, _ = PALETTE["value", 0]
    axes.barh(positions, values, height=0.62, color=fill)
    top = max([*values, 1.0])
    for y, value in zip(positions, values, strict=True):
        text = axes.text(
            value + top * 0.012,
            y,
            f"{round(value + 1e-9):.0f}%",
            va="center",
            ha="left",
            color=INK,
            fontsize=8,
            fontfamily="sans-serif",
        )
        text.set_parse_math(False)
    axes.set_yticks(positions, labels=labels)
    _plain(axes.get_yticklabels())
    axes.set_xlim(0, min(100.0, top * 1.15 + 2))
    axes.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda x, _: f"{x:.0f}%"))
    _frame(axes)
    figure.subplots_adjust(left=_left(labels), right=0.95, top=0.98, bottom=0.1)
    return figure


def _histogram(chart: Chart) -> Figure:
    labels = [_wrap(r.label, 10) for r in chart.rows]
    figure = Figure(figsize=(WIDTH_INCHES, 2.6))
    axes = figure.add_subplot()
    values = [r.values[0] for r in chart.rows]
    fill, _, _ = PALETTE["value", 0]
    positions = list(range(len(values)))
    axes.bar(positions, values, width=0.96, color=fill)
    top = max([*values, 1.0])
    for x, value in zip(positions, values, strict=True):
        text = axes.text(
            x,
            value + top * 0.02,
            f"{round(value + 1e-9):.0f}%",
            ha="center",
            va="bottom",
            color=INK,
            fontsize=7.5,
            fontfamily="sans-serif",
        )
        text.set_parse_math(False)
    axes.set_xticks(positions, labels=labels, fontsize=7.5)
    _plain(axes.get_xticklabels())
    axes.set_ylim(0, top * 1.18)
    axes.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda y, _: f"{y:.0f}%"))
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(colors="#555555")
    figure.subplots_adjust(left=0.08, right=0.99, top=0.96, bottom=0.14)
    return figure


#: Markers of the lines of a trend chart, one per series: apart in black-and-white print too.
MARKERS = ("o", "s", "^", "D", "v")
LINE_COLOURS = ("#1d4f91", "#b54a0e", "#5b8c2a", "#6d3b8e", "#555555")


def _trend(chart: Chart) -> Figure:
    labels = [_wrap(r.label, 14) for r in chart.rows]
    figure = Figure(figsize=(WIDTH_INCHES, 2.6))
    axes = figure.add_subplot()
    x = list(range(len(chart.rows)))
    keys = [s.key for s in chart.series]
    means = keys[:1] == ["mean"]
    percent = not means

    def text(value: float) -> str:
        return f"{value:.0f}%" if percent else f"{value:.1f}".replace(".", ",")

    if means:
        low = [r.values[1] for r in chart.rows]
        high = [r.values[2] for r in chart.rows]
        axes.fill_between(x, low, high, color=PALETTE["positive", 2][0], linewidth=0,
                          label=chart.series[1].label.replace("Ondergrens ", ""))
        lines = [(chart.series[0], [r.values[0] for r in chart.rows])]
    else:
        lines = [(s, [r.values[i] for r in chart.rows]) for i, s in enumerate(chart.series)]
    finite = [v for _s, values in lines for v in values if v == v]
    # A value is printed at its point unless a point drawn before is too close to read both.
    room = 0.1 * ((max(finite) - min(finite)) if len(finite) > 1 else 1.0) or 1.0
    printed: dict[int, list[float]] = {}
    for i, (series, values) in enumerate(lines):
        colour = LINE_COLOURS[i % len(LINE_COLOURS)]
        axes.plot(x, values, marker=MARKERS[i % len(MARKERS)], color=colour, linewidth=1.6,
                  markersize=4.5, label=_wrap(series.label, 30))
        for xi, value in zip(x, values, strict=True):
            if value != value:  # NaN: the wave did not ask it
                continue
            if any(abs(value - other) < room for other in printed.get(xi, [])):
                continue
            printed.setdefault(xi, []).append(value)
            label = axes.annotate(text(value), (xi, value), textcoords="offset points",
                                  xytext=(0, 5), ha="center", fontsize=7.5, color=colour)
            label.set_parse_math(False)
    axes.set_xticks(x, labels=labels)
    _plain(axes.get_xticklabels())
    axes.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(
        (lambda v, _: f"{v:.0f}%") if percent else (lambda v, _: f"{v:g}".replace(".", ","))))
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(colors="#555555")
    legend = axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False,
                         fontsize=7.5)
    _plain(legend.get_texts())
    axes.margins(x=0.08, y=0.18)
    figure.subplots_adjust(left=0.08, right=0.68, top=0.95, bottom=0.18)
    return figure
