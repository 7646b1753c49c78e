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
  more than a level). A difference that is not significant is never a candidate, nor one
  of less than ``MIN_GAP`` (5) points against everyone.

Tables of methodological variables (the response source, the weights) and of the banner's own
variables (who the respondents are, not what they think) give no candidates. The candidates
are ranked by salience; at most ``LIMIT`` are kept, at most one level and one difference per
table, then put in the order of the report. Each finding is one sentence that says what the
question is about and gives its number(s) and its table ("(tabel 3.1)"):

- with the definition's own predicate: "Ruim vier op de tien ambtenaren (44%) zijn tamelijk
  tot zeer tevreden";
- with a subject (the definition's ``subject``, the form's ``peiling::subject``, or a short
  label that is no question): "Gevraagd naar het online aanbieden van alle overheidsdiensten,
  antwoordt bijna driekwart van de ambtenaren (74%) ‘wenselijk’";
- else with the question in quotes, shortened to the question itself after a long
  introduction.

Within one list no share is put in the same words twice: the second time it is written as a
plain percentage ("17 procent"), as the reference reports vary.

A researcher's rewrite of a finding (``findings:`` of the definition, by ``finding_key``)
takes the drafted sentence's place and survives every rebuild, also when the numbers no
longer select it; it is flagged when the numbers it was written against are not today's, or
when its table is gone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from peiling.analysis import Row, Table
from peiling.reports.definition import FindingEdit
from peiling.reports.findings import (
    CONTENT_ROWS,
    answer_label,
    apply_phrase,
    headline_rows,
    share_words,
    whole_percent,
)
from peiling.reports.model import ANSWERS_PHRASE, MENTIONS_PHRASE, FindingNote, TableBlock
from peiling.reports.text import capitalise, quoted

__all__ = ["LIMIT", "Candidate", "KeyFinding", "candidates", "finding_key", "key_findings"]

LIMIT = 8
#: The longest question a finding quotes; longer ones are shortened (see ``_about``).
ABOUT_LENGTH = 110
MAJORITY = 60
MINORITY = 15
DIFFERENCE_WEIGHT = 1.5
#: The smallest difference (whole points, subgroup against everyone) worth a key finding: a
#: large sample makes small differences significant without making them news.
MIN_GAP = 5
#: A minority says less than a majority of the same distance from half.
MINORITY_WEIGHT = 0.4
KEY_SEPARATOR = "|"
#: The flag of an edited finding whose table (or row, or column) is no longer in the report.
GONE = "de tabel waarover deze tekst gaat, staat niet meer in het rapport"
#: A subject from a label: a short label that is not a question ("Tevredenheid over ...").
LABEL_SUBJECT_LENGTH = 60
_PERCENT = re.compile(r"(\d+)\s*(?:%|procent)")


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
            if abs((whole_percent(value) or 0) - (whole_percent(total) or 0)) < MIN_GAP:
                continue  # "vaker ‘in 2023’: 8% tegen 7% gemiddeld" is no key finding
            salience = DIFFERENCE_WEIGHT * gap
            if best is None or salience > best.salience:
                best = Candidate("difference", salience, block.number, table.name, row, j)
    return best


@dataclass(frozen=True)
class KeyFinding:
    """A key finding as the report prints it: its sentence, the table it refers to ("3.1";
    "" when that table is gone), what it stands on (``FindingNote``)."""

    table: str
    text: str
    note: FindingNote


def finding_key(table: Table, row: Row, column: int = -1) -> str:
    """The key of a finding about ``row`` of ``table`` ("wens|wenselijk"), and of a difference
    in ``column`` ("wens|wenselijk|org:rijk"): stable over rebuilds as long as the question,
    the answer and the banner column are."""
    parts = [table.name, row.key]
    if column >= 0:
        parts.append(table.columns[column].key)
    return KEY_SEPARATOR.join(parts)


def key_findings(blocks: Sequence[TableBlock], *, population: str = "respondenten",
                 leave_out: Sequence[str] = (), limit: int = LIMIT,
                 edits: Sequence[FindingEdit] = ()) -> list[KeyFinding]:
    """Return at most ``limit`` key findings over ``blocks``, in the order of the report,
    plus every edited finding (``edits``) whether the numbers still select it or not: an
    edited finding replaces the drafted sentence, keeps its place and is flagged when the
    numbers it was written against changed (or its table is gone)."""
    chosen: list[Candidate] = []
    taken: set[tuple[str, str]] = set()
    for candidate in candidates(blocks, leave_out=leave_out):
        if (candidate.table, candidate.kind) in taken:
            continue
        taken.add((candidate.table, candidate.kind))
        chosen.append(candidate)
        if len(chosen) == limit:
            break
    by_number = {block.number: block for block in blocks}
    edited = {edit.key: edit for edit in edits}
    keys = {_key(by_number, c) for c in chosen}
    lost: list[FindingEdit] = []
    for edit in edits:
        if edit.key in keys:
            continue
        found = _resolve(blocks, edit.key)
        if found is None:
            lost.append(edit)
        else:
            chosen.append(found)
    # In the order of the report, a table's level before its difference; a difference right
    # after a sentence on the same question does not name the question again.
    position = {block.number: index for index, block in enumerate(blocks)}
    chosen.sort(key=lambda c: (position[c.table], c.kind != "level"))
    used: set[str] = set()
    result = []
    previous = ""
    for candidate in chosen:
        block = by_number[candidate.table]
        key = _key(by_number, candidate)
        numbers = _numbers(candidate)
        if key in edited:
            edit = edited[key]
            result.append(KeyFinding(candidate.table, edit.text, FindingNote(
                key, numbers, True, _changed(edit, numbers))))
        elif candidate.kind == "level":
            text = _level(block, candidate.row, population, used)
            result.append(KeyFinding(candidate.table, text, FindingNote(key, numbers)))
        else:
            text = _gap(block, candidate.row, candidate.column,
                        repeat=previous == candidate.table)
            result.append(KeyFinding(candidate.table, text, FindingNote(key, numbers)))
        previous = candidate.table
    for edit in lost:
        result.append(KeyFinding("", edit.text, FindingNote(edit.key, (), True, GONE)))
    return result


def _key(by_number: Mapping[str, TableBlock], candidate: Candidate) -> str:
    return finding_key(by_number[candidate.table].table, candidate.row, candidate.column)


def _numbers(candidate: Candidate) -> tuple[int, ...]:
    """The percentages a finding states: the share, or the subgroup's and everyone's."""
    values = candidate.row.values
    if candidate.kind == "level":
        return (whole_percent(values[-1]) or 0,)
    return (whole_percent(values[candidate.column]) or 0, whole_percent(values[-1]) or 0)


def _resolve(blocks: Sequence[TableBlock], key: str) -> Candidate | None:
    """The finding ``key`` names, in whichever numbered table still holds its row (and
    column), selected or not; ``None`` when none does."""
    parts = key.split(KEY_SEPARATOR)
    if len(parts) not in (2, 3):
        return None
    for block in blocks:
        table = block.table
        if not block.number or table.name != parts[0]:
            continue
        row = next((r for r in table.rows if r.key == parts[1]), None)
        if row is None or row.values[-1] is None:
            continue
        if len(parts) == 2:
            return Candidate("level", 0.0, block.number, table.name, row)
        column = next((j for j, c in enumerate(table.columns[:-1]) if c.key == parts[2]), None)
        if column is not None and row.values[column] is not None:
            return Candidate("difference", 0.0, block.number, table.name, row, column)
    return None


def _changed(edit: FindingEdit, numbers: tuple[int, ...]) -> str:
    """Why an edited finding needs checking now, or "": the numbers it was written against
    (else the percentages its text names) are not today's."""
    if edit.numbers is not None:
        if tuple(edit.numbers) == numbers:
            return ""
        then = ", ".join(f"{n}%" for n in edit.numbers)
    else:
        named = {int(n) for n in _PERCENT.findall(edit.text)}
        if set(numbers) <= named:
            return ""
        then = ", ".join(f"{n}%" for n in sorted(named)) or "geen percentage"
    now = ", ".join(f"{n}%" for n in numbers)
    return f"de cijfers zijn veranderd sinds deze tekst is bewerkt (toen {then}, nu {now})"


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


def _subject(block: TableBlock) -> str:
    """What the question is about in a few words: the definition's or the form's subject,
    else a short label that is no question ("Tevredenheid over de digitalisering"), else ""."""
    hint = block.hint
    if hint is not None and hint.subject:
        return " ".join(hint.subject.split())
    label = " ".join((hint.question if hint is not None else block.table.title).split())
    if label and "?" not in label and len(label) <= LABEL_SUBJECT_LENGTH:
        return answer_label(label)
    return ""


def _own_phrase(block: TableBlock) -> str:
    """The definition's own predicate for the table ("[is|zijn] tamelijk tot zeer tevreden"),
    or "" when it gives none."""
    hint = block.hint
    if hint is None or hint.phrase in (ANSWERS_PHRASE, MENTIONS_PHRASE):
        return ""
    return hint.phrase


def _level(block: TableBlock, row: Row, population: str, used: set[str]) -> str:
    """One level: "Gevraagd naar {subject}, antwoordt bijna driekwart van de ambtenaren (74%)
    ‘wenselijk’", or the definition's own predicate ("Ruim vier op de tien ambtenaren (44%)
    zijn tamelijk tot zeer tevreden"), or, without a subject, the question in quotes."""
    if block.hint is not None and block.hint.population:
        population = block.hint.population
    share = whole_percent(row.values[-1]) or 0
    rule = share_words(share)
    if rule.words in used or rule.link == "alone":
        who, plural = f"{share} procent van de {population}", False
    else:
        used.add(rule.words)
        words = {"direct": f"{rule.words} {population}",
                 "van de": f"{rule.words} van de {population}"}[rule.link]
        who, plural = f"{words} ({share}%)", rule.plural
    hint = block.hint
    if block.table.kind == "grid":
        predicate = apply_phrase(hint.phrase if hint else "[is|zijn] het eens met {label}",
                                 plural, row.label)
        return _sentence(f"{who} {predicate}", block.number)
    own = _own_phrase(block)
    if own:
        return _sentence(f"{who} {apply_phrase(own, plural, row.label)}", block.number)
    verb = "antwoorden" if plural else "antwoordt"
    if block.table.kind == "multiple":
        verb = "noemen" if plural else "noemt"
    subject = _subject(block)
    if subject:
        return _sentence(f"gevraagd naar {subject}, {verb} {who} {_answer(row)}", block.number)
    return _sentence(f"op de vraag {_about(block)} {verb} {who} {_answer(row)}", block.number)


def _gap(block: TableBlock, row: Row, column: int, *, repeat: bool = False) -> str:
    """One difference, with both numbers: "Gevraagd naar {subject}, antwoorden rijksambtenaren
    minder vaak ‘goed’: 40% tegen 58% gemiddeld"; right after its table's level the question
    is not named again. A statement of a grid: "Onder ICT-ers is men minder vaak het eens met
    ‘...’"."""
    table = block.table
    value, total = whole_percent(row.values[column]), whole_percent(row.values[-1])
    head = table.columns[column]
    who = dict(block.hint.who) if block.hint else {}
    named = who.get(head.key, "")
    grid = table.kind == "grid"
    verbs = ("is", "zijn") if grid else ("antwoordt", "antwoorden")
    if named and named.split(" ", 1)[0].lower() not in ("onder", "bij", "in", "binnen"):
        group, inverted = f"{named} {verbs[1]}", f"{verbs[1]} {named}"  # "rijksambtenaren"
    else:
        place = named or f"in de groep {quoted(head.label)}"  # "onder gemeenteambtenaren"
        group, inverted = f"{place} {verbs[0]} men", f"{verbs[0]} men {place}"
    more = "vaker" if row.rest[column] > 0 else "minder vaak"
    numbers = f"{value}% tegen {total}% gemiddeld"
    if grid:
        return _sentence(f"{group} {more} het eens met {_answer(row)}: {numbers}", block.number)
    if repeat:
        return _sentence(f"{group} {more} {_answer(row)}: {numbers}", block.number)
    subject = _subject(block)
    if subject:
        return _sentence(f"gevraagd naar {subject}, {inverted} {more} {_answer(row)}: {numbers}",
                         block.number)
    return _sentence(f"{group} {more} {_answer(row)} op de vraag {_about(block)}: {numbers}",
                     block.number)
