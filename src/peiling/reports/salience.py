"""The key findings of a report: what stands out over ALL its tables, ranked, in sentences a
reader can use. Pure and deterministic.

Candidates, per table of the results:

- a **clear majority**: the table's headline row (its net, or its largest answer; for a grid
  each statement) at 60% or more; salience is the distance from 50 points;
- a **clear minority**: the smallest answer of a single choice question of three to five
  answers ("weet niet" not counted) at 15% or less, when no answer is a majority; salience
  0.4 times its distance from 50;
- the **largest significant difference** between a subgroup (a banner column) and everyone
  else (the column's higher/lower-than-the-rest mark, ``Row.rest``), named with both
  numbers; salience is the gap in points, counted one and a half times (a difference says
  more than a level). A difference that is not significant is never a candidate.

Tables of methodological variables (the response source, the weights) and of the banner's own
variables (who the respondents are, not what they think) give no candidates. The candidates
are ranked by salience; at most ``LIMIT`` are kept, at most one level and one difference per
table, then put in the order of the report. Each finding is one sentence that says what the
question is about (the question in quotes, shortened to the question itself after a long
introduction), gives its number(s) and refers to its table ("(tabel 3.1)"). Within one list
no share is put in the same words twice: the second time it is written as a plain
percentage ("17 procent"), as the reference reports vary.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from peiling.analysis import Row
from peiling.reports.findings import (
    CONTENT_ROWS,
    answer_label,
    apply_phrase,
    headline_rows,
    share_words,
    whole_percent,
)
from peiling.reports.model import TableBlock
from peiling.reports.text import capitalise, quoted

__all__ = ["LIMIT", "Candidate", "candidates", "key_findings"]

LIMIT = 8
#: The longest question a finding quotes; longer ones are shortened (see ``_about``).
ABOUT_LENGTH = 110
MAJORITY = 60
MINORITY = 15
DIFFERENCE_WEIGHT = 1.5
#: A minority says less than a majority of the same distance from half.
MINORITY_WEIGHT = 0.4


@dataclass(frozen=True)
class Candidate:
    """One possible key finding: its kind, salience, the table it is about and its parts."""

    kind: Literal["level", "difference"]
    salience: float
    table: str
    question: str
    row: Row
    column: int = -1


def _headline(block: TableBlock) -> Row | None:
    """The row a level finding is about, as the section findings choose it: the
    definition's headline row, else the first net, else the largest answer."""
    if block.hint is None:
        return None
    rows = headline_rows(block.table, block.hint)
    return rows[0] if rows else None


def candidates(blocks: Sequence[TableBlock], *, leave_out: Sequence[str] = ()) -> list[Candidate]:
    """Return every candidate finding of ``blocks`` (numbered tables), most salient first."""
    found: list[Candidate] = []
    for block in blocks:
        table = block.table
        if not block.number or table.name in leave_out or table.kind == "numeric":
            continue
        rows = ([r for r in table.rows if r.kind == "statement"] if table.kind == "grid"
                else [r for r in (_headline(block),) if r is not None])
        majorities = [row for row in rows if (whole_percent(row.values[-1]) or 0) >= MAJORITY]
        for row in majorities:
            share = whole_percent(row.values[-1]) or 0
            found.append(Candidate("level", share - 50, block.number, table.name, row))
        smallest = None if majorities else _smallest(block)
        if smallest is not None:
            share = whole_percent(smallest.values[-1]) or 0
            found.append(Candidate("level", MINORITY_WEIGHT * (50 - share), block.number,
                                   table.name, smallest))
        difference = _difference(block)
        if difference is not None:
            found.append(difference)
    return sorted(found, key=lambda c: (-c.salience, c.table, c.kind))


def _smallest(block: TableBlock) -> Row | None:
    """The clear minority of a single choice question of a few answers ("een kleine groep
    (2%) vindt het onwenselijk"), if its smallest substantive answer is one."""
    table = block.table
    rows = [r for r in table.rows if r.kind == "category" and r.values[-1] is not None]
    if table.kind != "frequency" or not 3 <= len(rows) <= 5:
        return None
    row = min(rows, key=lambda r: r.values[-1] or 0.0)
    share = whole_percent(row.values[-1])
    return row if share is not None and 0 < share <= MINORITY else None


def _difference(block: TableBlock) -> Candidate | None:
    table = block.table
    if len(table.columns) < 3 or table.columns[-1].key != "total":
        return None
    rows = [r for r in table.rows if r.kind in CONTENT_ROWS and r.rest]
    best: Candidate | None = None
    for row in rows:
        for j, mark in enumerate(row.rest[: len(table.columns) - 1]):
            value, total = row.values[j], row.values[-1]
            if mark == 0 or value is None or total is None:
                continue
            gap = abs(value - total)
            if whole_percent(value) == whole_percent(total):
                continue  # "hoger (44%) dan gemiddeld (44%)" says nothing
            salience = DIFFERENCE_WEIGHT * gap
            if best is None or salience > best.salience:
                best = Candidate("difference", salience, block.number, table.name, row, j)
    return best


def key_findings(blocks: Sequence[TableBlock], *, population: str = "respondenten",
                 leave_out: Sequence[str] = (), limit: int = LIMIT) -> list[tuple[str, str]]:
    """Return at most ``limit`` key findings over ``blocks`` as (table number, sentence),
    most salient first."""
    by_number = {block.number: block for block in blocks}
    chosen: list[Candidate] = []
    taken: set[tuple[str, str]] = set()
    for candidate in candidates(blocks, leave_out=leave_out):
        if (candidate.table, candidate.kind) in taken:
            continue
        taken.add((candidate.table, candidate.kind))
        chosen.append(candidate)
        if len(chosen) == limit:
            break
    # In the order of the report, a table's level before its difference; a difference right
    # after a sentence on the same question does not quote the question again.
    position = {block.number: index for index, block in enumerate(blocks)}
    chosen.sort(key=lambda c: (position[c.table], c.kind != "level"))
    used: set[str] = set()
    sentences = []
    previous = ""
    for candidate in chosen:
        block = by_number[candidate.table]
        if candidate.kind == "level":
            text = _level(block, candidate.row, population, used)
        else:
            text = _gap(block, candidate.row, candidate.column,
                        repeat=previous == candidate.table)
        sentences.append((candidate.table, text))
        previous = candidate.table
    return sentences


def _sentence(text: str, number: str) -> str:
    text = capitalise(" ".join(text.split())).rstrip(".")
    return f"{text} (tabel {number})."


def _about(block: TableBlock) -> str:
    """What the table is about, for a sentence: its question in quotes, shortened to the
    question itself when the label first explains ("Het was de bedoeling dat ... In welke
    mate heeft de overheid voldaan aan deze belofte?") and cut at ``ABOUT_LENGTH``."""
    hint = block.hint
    question = hint.question if hint is not None and hint.question else block.table.title
    text = " ".join(question.split())
    asked = [s for s in re.split(r"(?<=[.?!])\s+", text) if s.endswith("?")]
    if len(asked) > 0 and len(text) > ABOUT_LENGTH:
        text = asked[0] if len(asked[0]) <= ABOUT_LENGTH else asked[-1]
    if len(text) > ABOUT_LENGTH:
        text = text[: ABOUT_LENGTH - 1].rsplit(" ", 1)[0] + " …"
    return quoted(text)


def _answer(row: Row) -> str:
    return quoted(answer_label(row.label))


def _level(block: TableBlock, row: Row, population: str, used: set[str]) -> str:
    if block.hint is not None and block.hint.population:
        population = block.hint.population
    share = whole_percent(row.values[-1]) or 0
    rule = share_words(share)
    if rule.words in used or rule.link == "alone":
        subject, plural = f"{share} procent van de {population}", False
    else:
        used.add(rule.words)
        words = {"direct": f"{rule.words} {population}",
                 "van de": f"{rule.words} van de {population}"}[rule.link]
        subject, plural = f"{words} ({share}%)", rule.plural
    hint = block.hint
    if block.table.kind == "grid":
        predicate = apply_phrase(hint.phrase if hint else "[is|zijn] het eens met {label}",
                                 plural, row.label)
        return _sentence(f"{subject} {predicate}", block.number)
    verb = "antwoorden" if plural else "antwoordt"
    if block.table.kind == "multiple":
        verb = "noemen" if plural else "noemt"
    return _sentence(f"op de vraag {_about(block)} {verb} {subject} {_answer(row)}",
                     block.number)


def _gap(block: TableBlock, row: Row, column: int, *, repeat: bool = False) -> str:
    table = block.table
    value, total = whole_percent(row.values[column]), whole_percent(row.values[-1])
    head = table.columns[column]
    who = dict(block.hint.who) if block.hint else {}
    group = (f"{who[head.key]} antwoorden" if head.key in who
             else f"in de groep {quoted(head.label)} antwoordt men")
    more = "vaker" if row.rest[column] > 0 else "minder vaak"
    if table.kind == "grid":
        text = f"{group} {more} dat zij het eens zijn met {_answer(row)}"
    elif repeat:
        text = f"{group} {more} {_answer(row)}"
    else:
        text = f"{group} {more} {_answer(row)} op de vraag {_about(block)}"
    return _sentence(f"{text}: {value}% tegen {total}% gemiddeld", block.number)
