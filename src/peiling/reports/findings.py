"""Key findings in plain Dutch, drafted from the numbers: "Ruim vier op de tien (44%) ...".

Pure and deterministic: the same tables give the same sentences, word for word. Percentages
are rounded half up first (as the tables print them) and the words follow from the rounded
number through ``SHARE_WORDS``, the rule table below, so the words and the number in brackets
never disagree. The sentences are a draft for the researcher to edit; renderers mark them so.

How a share is put into words — ``SHARE_WORDS`` (inclusive ranges of whole percentages):

======  ==============================  ========  ==========
from    words                           verb      joined as
======  ==============================  ========  ==========
0       niemand                         singular  alone
1       vrijwel niemand                 singular  alone
2-7     een kleine groep                singular  direct
8-9     bijna een op de tien            singular  direct
10      een op de tien                  singular  direct
11-13   ruim een op de tien             singular  direct
14-15   bijna een op de zes             singular  direct
16-17   een op de zes                   singular  direct
18-19   bijna een op de vijf            singular  direct
20      een op de vijf                  singular  direct
21-22   ruim een op de vijf             singular  direct
23-24   bijna een kwart                 singular  van de
25      een kwart                       singular  van de
26-27   ruim een kwart                  singular  van de
28-29   bijna drie op de tien           plural    direct
30-31   drie op de tien                 plural    direct
32      bijna een derde                 singular  van de
33-34   een derde                       singular  van de
35-37   ruim een derde                  singular  van de
38-39   bijna vier op de tien           plural    direct
40      vier op de tien                 plural    direct
41-44   ruim vier op de tien            plural    direct
45-49   bijna de helft                  singular  van de
50      de helft                        singular  van de
51-54   iets meer dan de helft          singular  van de
55-57   ruim de helft                   singular  van de
58-59   bijna zes op de tien            plural    direct
60      zes op de tien                  plural    direct
61-64   ruim zes op de tien             plural    direct
65-66   bijna twee derde                singular  van de
67      twee derde                      singular  van de
68-69   bijna zeven op de tien          plural    direct
70      zeven op de tien                plural    direct
71-73   ruim zeven op de tien           plural    direct
74      bijna driekwart                 singular  van de
75      driekwart                       singular  van de
76-77   ruim driekwart                  singular  van de
78-79   bijna acht op de tien           plural    direct
80      acht op de tien                 plural    direct
81-84   ruim acht op de tien            plural    direct
85-89   bijna negen op de tien          plural    direct
90      negen op de tien                plural    direct
91-94   ruim negen op de tien           plural    direct
95-98   bijna iedereen                  singular  alone
99      vrijwel iedereen                singular  alone
100     iedereen                        singular  alone
======  ==============================  ========  ==========

The anchors and their use follow the reference reports: "Ruim vier op de tien
gemeenteambtenaren (44%)", "Een op de zes" (16%), "Bijna een kwart" (23%), "Een derde",
"Bijna vier op de tien" (39%), "Bijna de helft (46%)", "Iets meer dan de helft (54%)",
"Zeven op de tien", "Vrijwel niemand (1%)", "Een kleine groep (2%)". "Ruim" covers up to four
points above a tenth, "bijna" up to two below (five below the half, where "bijna de helft"
is what the references write for 45-49%). The verb agrees: "x op de tien" (x ≥ 2) takes the
plural ("zijn"), the rest the singular ("is").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias

from peiling.analysis import Row, Table, round_half_up
from peiling.reports.model import FindingBlock, FindingHint, TableBlock
from peiling.reports.text import capitalise, quoted

__all__ = [
    "CONTENT_ROWS",
    "SHARE_WORDS",
    "ShareWords",
    "answer_label",
    "apply_phrase",
    "block_sentences",
    "headline_rows",
    "section_finding",
    "share_subject",
    "share_words",
    "whole_percent",
]

Link: TypeAlias = Literal["alone", "direct", "van de"]


@dataclass(frozen=True)
class ShareWords:
    """The words for a range of whole percentages, with the verb number and how a noun joins."""

    low: int
    high: int
    words: str
    plural: bool
    link: Link


_S, _P = False, True
SHARE_WORDS: tuple[ShareWords, ...] = tuple(
    ShareWords(low, high, words, plural, link)
    for low, high, words, plural, link in [
        (0, 0, "niemand", _S, "alone"),
        (1, 1, "vrijwel niemand", _S, "alone"),
        (2, 7, "een kleine groep", _S, "direct"),
        (8, 9, "bijna een op de tien", _S, "direct"),
        (10, 10, "een op de tien", _S, "direct"),
        (11, 13, "ruim een op de tien", _S, "direct"),
        (14, 15, "bijna een op de zes", _S, "direct"),
        (16, 17, "een op de zes", _S, "direct"),
        (18, 19, "bijna een op de vijf", _S, "direct"),
        (20, 20, "een op de vijf", _S, "direct"),
        (21, 22, "ruim een op de vijf", _S, "direct"),
        (23, 24, "bijna een kwart", _S, "van de"),
        (25, 25, "een kwart", _S, "van de"),
        (26, 27, "ruim een kwart", _S, "van de"),
        (28, 29, "bijna drie op de tien", _P, "direct"),
        (30, 31, "drie op de tien", _P, "direct"),
        (32, 32, "bijna een derde", _S, "van de"),
        (33, 34, "een derde", _S, "van de"),
        (35, 37, "ruim een derde", _S, "van de"),
        (38, 39, "bijna vier op de tien", _P, "direct"),
        (40, 40, "vier op de tien", _P, "direct"),
        (41, 44, "ruim vier op de tien", _P, "direct"),
        (45, 49, "bijna de helft", _S, "van de"),
        (50, 50, "de helft", _S, "van de"),
        (51, 54, "iets meer dan de helft", _S, "van de"),
        (55, 57, "ruim de helft", _S, "van de"),
        (58, 59, "bijna zes op de tien", _P, "direct"),
        (60, 60, "zes op de tien", _P, "direct"),
        (61, 64, "ruim zes op de tien", _P, "direct"),
        (65, 66, "bijna twee derde", _S, "van de"),
        (67, 67, "twee derde", _S, "van de"),
        (68, 69, "bijna zeven op de tien", _P, "direct"),
        (70, 70, "zeven op de tien", _P, "direct"),
        (71, 73, "ruim zeven op de tien", _P, "direct"),
        (74, 74, "bijna driekwart", _S, "van de"),
        (75, 75, "driekwart", _S, "van de"),
        (76, 77, "ruim driekwart", _S, "van de"),
        (78, 79, "bijna acht op de tien", _P, "direct"),
        (80, 80, "acht op de tien", _P, "direct"),
        (81, 84, "ruim acht op de tien", _P, "direct"),
        (85, 89, "bijna negen op de tien", _P, "direct"),
        (90, 90, "negen op de tien", _P, "direct"),
        (91, 94, "ruim negen op de tien", _P, "direct"),
        (95, 98, "bijna iedereen", _S, "alone"),
        (99, 99, "vrijwel iedereen", _S, "alone"),
        (100, 100, "iedereen", _S, "alone"),
    ]
)
_VERB = re.compile(r"\[([^\[\]|]*)\|([^\[\]|]*)\]")
#: Row kinds a headline can be about (not "weet niet", not a net score).
CONTENT_ROWS = ("category", "net", "choice", "statement", "band")


def share_words(percentage: int) -> ShareWords:
    """Return the words for a whole percentage from 0 to 100 (see the table above).

    Raises ``ValueError`` outside 0..100.
    """
    for rule in SHARE_WORDS:
        if rule.low <= percentage <= rule.high:
            return rule
    raise ValueError(f"percentage must be a whole number from 0 to 100 (got {percentage!r})")


def share_subject(percentage: int, population: str = "") -> tuple[str, bool]:
    """Return ("ruim vier op de tien ambtenaren (44%)", plural) for a whole percentage.

    Without ``population`` the words stand alone: "een kwart (25%)".
    """
    rule = share_words(percentage)
    if not population or rule.link == "alone":
        text = rule.words
    elif rule.link == "van de":
        text = f"{rule.words} van de {population}"
    elif rule.link == "direct":
        text = f"{rule.words} {population}"
    else:
        raise ValueError(f"link must be one of alone, direct, van de (got {rule.link!r})")
    return f"{text} ({percentage}%)", rule.plural


def apply_phrase(phrase: str, plural: bool, label: str = "") -> str:
    """Fill a phrase: ``[is|zijn]`` picks the verb for ``plural``; ``{label}`` is the answer
    in quotes (‘wenselijk’), ``{answer}`` the answer as words ("[is|zijn] {answer}" gives
    "is tamelijk tot zeer tevreden")."""
    filled = _VERB.sub(lambda m: m.group(2) if plural else m.group(1), phrase)
    answer = answer_label(label) if label else ""
    return filled.replace("{label}", quoted(answer) if answer else "").replace("{answer}", answer)


def answer_label(label: str) -> str:
    """Lower-case an answer's first letter when it is an ordinary word ("Wenselijk")."""
    text = " ".join(label.split()).rstrip(".")
    if text[:1].isupper() and not any(c.isupper() for c in text[1:]):
        return text[0].lower() + text[1:]
    return text


def whole_percent(value: float | None) -> int | None:
    return None if value is None else int(round_half_up(value))


def _total(row: Row) -> int | None:
    return whole_percent(row.values[-1]) if row.values else None


def _sentence(text: str) -> str:
    text = capitalise(" ".join(text.split()))
    return text if text.endswith((".", "?", "!")) else text + "."


def headline_rows(table: Table, hint: FindingHint) -> list[Row]:
    rows = [r for r in table.rows if r.kind in CONTENT_ROWS and _total(r) is not None]
    if hint.headline_row is not None:
        chosen = [r for r in rows if r.key == hint.headline_row]
        return chosen + [r for r in rows if r.key != hint.headline_row]
    nets = [r for r in rows if r.kind == "net"]
    if nets:
        return nets
    return sorted(rows, key=lambda r: -(r.values[-1] or 0.0))


def block_sentences(block: TableBlock) -> tuple[str, ...]:
    """Return the drafted sentences about one table (empty when there is nothing to say)."""
    hint = block.hint
    if hint is None or not block.table.rows:
        return ()
    kind = block.table.kind
    if kind in ("frequency", "multiple", "banded"):
        sentences = _share_sentences(block.table, hint)
    elif kind == "grid":
        sentences = _grid_sentences(block.table, hint)
    elif kind == "numeric":
        sentences = _numeric_sentences(block.table)
    else:
        raise ValueError(
            f"table kind must be frequency, multiple, banded, grid or numeric (got {kind!r})"
        )
    difference = _subgroup_sentence(block)
    return tuple(sentences) + ((difference,) if difference else ())


def _share_sentences(table: Table, hint: FindingHint) -> list[str]:
    rows = headline_rows(table, hint)
    if not rows:
        return []
    first = rows[0]
    subject, plural = share_subject(_total(first) or 0, hint.population)
    predicate = apply_phrase(hint.phrase, plural, first.label)
    sentences = [_sentence(f"{subject} {predicate}")]
    if len(rows) > 1 and table.kind != "multiple":
        second = rows[1]
        subject, plural = share_subject(_total(second) or 0)
        sentences.append(_sentence(f"{subject} {apply_phrase(hint.phrase, plural, second.label)}"))
    elif len(rows) > 1:
        second = rows[1]
        sentences.append(_sentence(f"daarna volgt {quoted(second.label)} ({_total(second)}%)"))
    return sentences


def _grid_sentences(table: Table, hint: FindingHint) -> list[str]:
    rows = sorted(
        (r for r in table.rows if _total(r) is not None), key=lambda r: -(r.values[-1] or 0.0)
    )
    if not rows:
        return []
    top, bottom = rows[0], rows[-1]
    subject, plural = share_subject(_total(top) or 0, hint.population)
    sentences = [_sentence(f"{subject} {apply_phrase(hint.phrase, plural, top.label)}")]
    if bottom is not top:
        sentences.append(
            _sentence(
                f"het minst vaak geldt dat voor {quoted(answer_label(bottom.label))} "
                f"({_total(bottom)}%)"
            )
        )
    return sentences


def _numeric_sentences(table: Table) -> list[str]:
    stats = {row.key: row.values[-1] for row in table.rows}
    mean, median = stats.get("mean"), stats.get("median")
    if mean is None:
        return []
    text = f"gemiddeld komt dit uit op {_decimal(mean)}"
    if median is not None:
        text += f" (mediaan {_decimal(median)})"
    return [_sentence(text)]


def _decimal(value: float) -> str:
    rounded = float(round_half_up(value, 1))
    return (f"{rounded:.0f}" if rounded.is_integer() else f"{rounded:.1f}").replace(".", ",")


def _subgroup_sentence(block: TableBlock) -> str | None:
    """Return the largest significant difference of a banner column from the rest, if any."""
    table, hint = block.table, block.hint
    if hint is None or len(table.columns) < 2 or table.columns[-1].key != "total":
        return None
    who = dict(hint.who)
    rows = [r for r in table.rows if r.kind in CONTENT_ROWS and r.rest]
    if table.kind != "grid":
        rows = headline_rows(table, hint)[:1]
    best: tuple[float, Row, int] | None = None
    for row in rows:
        for j, mark in enumerate(row.rest[: len(table.columns) - 1]):
            value, total = row.values[j], row.values[-1]
            if mark == 0 or value is None or total is None:
                continue
            gap = abs(value - total)
            if best is None or gap > best[0]:
                best = (gap, row, j)
    if best is None:
        return None
    _, row, j = best
    column = table.columns[j]
    group = who.get(column.key) or f"in de groep {quoted(column.label)}"
    direction = "hoger" if row.rest[j] > 0 else "lager"
    about = f" bij {quoted(answer_label(row.label))}" if table.kind == "grid" else ""
    return _sentence(
        f"{group} is dit aandeel{about} significant {direction} ({whole_percent(row.values[j])}%) "
        f"dan gemiddeld ({whole_percent(row.values[-1])}%)"
    )


def section_finding(
    headline: str, blocks: Sequence[TableBlock], *, limit: int = 3
) -> FindingBlock | None:
    """Return the key finding of a section: the first table's sentences, then what stands out.

    The first table with something to say leads; a significant subgroup difference from a
    later table is added when the first has none. At most ``limit`` sentences.
    """
    sentences: list[str] = []
    for block in blocks:
        said = block_sentences(block)
        if not said:
            continue
        if not sentences:
            sentences.extend(said)
        elif not any("significant" in s for s in sentences):
            sentences.extend(s for s in said if "significant" in s)
        if len(sentences) >= limit:
            break
    if not sentences:
        return None
    return FindingBlock(headline, tuple(sentences[:limit]))
