"""The notes under a table: who was asked, weighting, significance marks, small bases, and
the rounding note where rounding shows. Pure."""

from __future__ import annotations

from collections.abc import Sequence

from peiling.analysis import Table
from peiling.reports.context import BuildContext
from peiling.reports.definition import BannerSpec, ReportDefinition
from peiling.reports.layout import shown_marks
from peiling.reports.text import number

__all__ = ["ROUNDING_NOTE", "footnotes"]

ROUNDING_NOTE = "Door afronding tellen de percentages soms niet op tot 100 procent."


def footnotes(
    context: BuildContext,
    table: Table,
    names: Sequence[str],
    where: str | None,
    subgroup: str,
    spec: BannerSpec | None,
) -> tuple[str, ...]:
    notes: list[str] = []
    dataset = context.dataset
    asked = dataset.asked(names[0])
    universe = dataset.evaluate(where) if where else None
    if universe is not None:
        asked = asked & universe
    n_asked = int(asked.sum())
    n_all = dataset.n if universe is None else int(universe.sum())
    if n_asked < dataset.n:
        who = subgroup.removeprefix("alleen ") or "een deel van de respondenten"
        notes.append(f"Alleen gevraagd aan {who} (n = {_n(n_asked)} van {_n(dataset.n)}).")
    del n_all
    notes.extend(n for n in table.notes if "niet in de basis" in n)
    if table.weighted:
        notes.append("Gewogen percentages; n is het ongewogen aantal respondenten.")
    notes.extend(_significance_notes(table, context.definition))
    if any(c.small_base for c in table.columns):
        notes.append("† Kleine basis (n < 30): percentages zijn indicatief.")
    if table.kind == "frequency" and _rounding_shows(table):
        notes.append(ROUNDING_NOTE)
    return tuple(notes)


def _n(value: int) -> str:
    return number(value)


def _significance_notes(table: Table, definition: ReportDefinition) -> list[str]:
    alpha = f"{definition.alpha:g}".replace(".", ",")
    marks = shown_marks(table)
    letters = any(s for row in table.rows for s in row.sig)
    others = "de andere groep" if len(table.columns) == 3 else f"de overige {definition.population}"
    notes = []
    if 1 in marks and -1 in marks:
        notes.append(
            f"* Een vetgedrukt percentage is significant hoger, een onderstreept "
            f"percentage significant lager dan {others} (α={alpha})."
        )
    elif -1 in marks:
        notes.append(
            f"* Een onderstreept percentage is significant lager dan {others} (α={alpha})."
        )
    elif 1 in marks:
        notes.append(f"* Een vetgedrukt percentage is significant hoger dan {others} (α={alpha}).")
    if letters:
        notes.append(
            f"Een letter bij een percentage: significant hoger dan de kolom met die "
            f"letter (α={alpha})."
        )
    return notes


def _rounding_shows(table: Table) -> bool:
    """Return whether some column's rounded category percentages do not add up to 100."""
    rows = [r for r in table.rows if r.kind in ("category", "dont_know")]
    if not rows:
        return False
    for j, column in enumerate(table.columns):
        if column.base == 0:
            continue
        total = sum(r.rounded[j] or 0 for r in rows)
        if total != 100:
            return True
    return False


# -- quotes and the appendix ------------------------------------------------------------------
