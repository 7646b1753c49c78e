"""The report as a value: what ``build`` makes and every renderer reads.

Frozen dataclasses, no Django, no I/O. A ``Report`` is a title page plus numbered chapters; a
chapter holds sections, a section holds blocks (paragraphs, key findings, tables, figures,
quotes). Tables keep the analysis engine's ``Table`` unchanged, so every format shows the same
numbers; figures keep a ``Chart`` (the data and the role of each series), drawn by
``peiling.reports.charts``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from peiling.analysis import Table
from peiling.reports.text import percent

__all__ = [
    "ANSWERS_PHRASE",
    "MENTIONS_PHRASE",
    "Block",
    "Chapter",
    "Chart",
    "ChartRow",
    "ChartSeries",
    "FigureBlock",
    "FindingBlock",
    "FindingHint",
    "FindingNote",
    "MethodsFacts",
    "Notice",
    "Paragraph",
    "QuoteBlock",
    "QuoteTheme",
    "Report",
    "Section",
    "SourceCount",
    "TableBlock",
    "gettext_noop",
]


def gettext_noop(message: str) -> str:
    """Mark ``message`` for translation without Django (this module is pure): ``makemessages``
    collects every call of a function by this name; a page translates the ``Notice``."""
    return message


class Notice(str):
    """Something the build noticed, for the researcher: the English sentence (so the command
    line, logs and tests read it as text), plus its ``message`` (a ``%(name)s`` format, marked
    with ``gettext_noop``) and ``params``, so a page can say it in its own language."""

    message: str
    params: dict[str, object]

    def __new__(cls, message: str, **params: object) -> Notice:
        notice = super().__new__(cls, message % params)
        notice.message, notice.params = message, params
        return notice


ChapterRole: TypeAlias = Literal["findings", "introduction", "results", "development", "methods",
                                  "appendix"]
SeriesRole: TypeAlias = Literal["positive", "neutral", "negative", "dont_know", "value"]
ChartKind: TypeAlias = Literal["stacked", "bars", "histogram", "trend"]
ParagraphStyle: TypeAlias = Literal["body", "draft", "note", "lead"]


@dataclass(frozen=True)
class Paragraph:
    """Running text; ``draft`` marks text peiling wrote for the researcher to edit."""

    text: str
    style: ParagraphStyle = "body"


#: The predicates of a table whose definition gives none: the answer in quotes.
ANSWERS_PHRASE = "[antwoordt|antwoorden] {label}"
MENTIONS_PHRASE = "[noemt|noemen] {label}"


@dataclass(frozen=True)
class FindingHint:
    """What ``findings`` needs to write about a table beyond its numbers.

    ``question`` is the question (or statement list) in words; ``phrase`` the predicate with
    ``[singular|plural]`` verb choices and ``{label}`` for the answer, e.g.
    ``"[is|zijn] tamelijk tot zeer tevreden"``; ``who`` names the people in a banner column
    ("gemeenteambtenaren") by column key; ``population`` names everyone ("ambtenaren").
    ``subject`` says in a few words what the question is about ("het online aanbieden van
    alle overheidsdiensten"), from the definition or the form's ``peiling::subject``.
    """

    question: str
    phrase: str
    population: str
    who: tuple[tuple[str, str], ...] = ()
    headline_row: str | None = None
    subject: str = ""


@dataclass(frozen=True)
class TableBlock:
    """A numbered table: "Tabel 3.1", the question in quotes, the breakdown, the numbers.

    ``layout`` is ``percent`` (column percentages, as Tabel 3.1) or ``distribution`` (count
    and percentage per column, as Tabel 4.1). ``total_row`` adds the "Totaal 100%" row of a
    single choice question. ``footnotes`` are the lines printed under the table.
    """

    number: str
    title: str
    quoted: bool
    breakdown: str
    table: Table
    footnotes: tuple[str, ...] = ()
    total_row: bool = False
    layout: Literal["percent", "distribution"] = "percent"
    hint: FindingHint | None = None

    @property
    def label(self) -> str:
        return f"Tabel {self.number}"

    @property
    def anchor(self) -> str:
        return "tabel-" + self.number.replace(".", "-")


@dataclass(frozen=True)
class ChartSeries:
    """One colour of a chart: an answer category and its place on the scale."""

    key: str
    label: str
    role: SeriesRole
    shade: int = 0  # 0 is the strongest shade of its role (e.g. "helemaal mee eens")


@dataclass(frozen=True)
class ChartRow:
    """One bar (or stack of bars): a label, a percentage per series, the base. In a trend
    chart a row is a wave and a value NaN where the wave did not ask the question."""

    label: str
    values: tuple[float, ...]
    base: int


@dataclass(frozen=True)
class Chart:
    """The data of a figure; ``charts.render_svg`` / ``render_png`` draw it."""

    kind: ChartKind
    series: tuple[ChartSeries, ...]
    rows: tuple[ChartRow, ...]


@dataclass(frozen=True)
class FigureBlock:
    """A numbered figure: "Figuur 3.1", its title, the chart and a text alternative."""

    number: str
    title: str
    quoted: bool
    subtitle: str
    chart: Chart
    description: str
    footnotes: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"Figuur {self.number}"

    @property
    def anchor(self) -> str:
        return "figuur-" + self.number.replace(".", "-")


@dataclass(frozen=True)
class QuoteTheme:
    """A theme and its quotes; ``share`` the % of respondents (with a coded answer) whose
    answer has the theme, when the answers are coded."""

    theme: str
    quotes: tuple[str, ...]
    share: float | None = None

    @property
    def heading(self) -> str:
        """"Wetgeving (45%)", or the theme alone."""
        return self.theme if self.share is None else f"{self.theme} ({percent(self.share)})"


@dataclass(frozen=True)
class QuoteBlock:
    """Open answers grouped under themes (as §3.7 of the model): chosen by the researcher,
    or, for coded answers, suggested per code."""

    title: str
    intro: str
    themes: tuple[QuoteTheme, ...]


@dataclass(frozen=True)
class FindingNote:
    """What a key finding's sentence stands on: ``key`` names its table's question, row and
    column (``salience.finding_key``); ``numbers`` are the percentages it states; ``edited``
    says the researcher wrote it; ``flag`` says, when not "", why it needs checking (its
    numbers changed since it was edited, or its table is gone)."""

    key: str
    numbers: tuple[int, ...] = ()
    edited: bool = False
    flag: str = ""


@dataclass(frozen=True)
class FindingBlock:
    """A key finding: a headline and a few sentences, drafted from the numbers.

    ``notes``, when given, has one ``FindingNote`` per sentence (the report's key findings).
    """

    headline: str
    sentences: tuple[str, ...]
    draft: bool = True
    notes: tuple[FindingNote, ...] = ()

    @property
    def text(self) -> str:
        """The sentences as one paragraph, a flagged one followed by why it is flagged."""
        parts = []
        for index, sentence in enumerate(self.sentences):
            parts.append(sentence)
            if index < len(self.notes) and self.notes[index].flag:
                parts.append(f"[Let op: {self.notes[index].flag}]")
        return " ".join(parts)


Block: TypeAlias = Paragraph | FindingBlock | TableBlock | FigureBlock | QuoteBlock


@dataclass(frozen=True)
class Section:
    """A numbered section ("3.2 Tevredenheid"); ``number`` is "" for an unnumbered one."""

    number: str
    title: str
    blocks: tuple[Block, ...]

    @property
    def heading(self) -> str:
        return f"{self.number} {self.title}" if self.number else self.title


@dataclass(frozen=True)
class Chapter:
    number: str
    title: str
    role: ChapterRole
    sections: tuple[Section, ...]

    @property
    def heading(self) -> str:
        return f"{self.number}. {self.title}"

    @property
    def anchor(self) -> str:
        return f"hoofdstuk-{self.number}"


@dataclass(frozen=True)
class SourceCount:
    """Responses that came in through one source (the panel, an open link)."""

    key: str
    label: str
    count: int


@dataclass(frozen=True)
class MethodsFacts:
    """What peiling knows about how the data were gathered, for the methods chapter.

    Everything is optional except ``n``: a report from a data file knows less than one from
    peiling's own fieldwork. ``response_rates`` are (name, percentage) pairs in the order to
    print (AAPOR RR1, COOP1, ...); ``weighting`` lines are printed as given.
    """

    n: int
    population: str = "respondenten"
    organisation: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    sources: tuple[SourceCount, ...] = ()
    invited: int | None = None
    response_rates: tuple[tuple[str, float], ...] = ()
    weighting: tuple[str, ...] = ()
    alpha: float = 0.05
    panel_text: str = ""
    #: The data quality review: how many completed responses were checked (``None``: not
    #: checked), how many were excluded, and per reason how many ("te snel ingevuld", 12).
    checked: int | None = None
    excluded: int = 0
    excluded_by: tuple[tuple[str, int], ...] = ()
    #: How the panel members who completed were recruited: (recruitment source, members),
    #: the largest first ("nieuwsbrief", 412); empty for a report without a panel.
    recruited: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Report:
    """A whole report; ``problems`` lists what the build had to leave out, and why."""

    title: str
    subtitle: str
    author: str
    client: str
    date_text: str
    chapters: tuple[Chapter, ...]
    facts: MethodsFacts
    language: str = "nl"
    draft: bool = True
    problems: tuple[str, ...] = field(default=())

    def blocks(self) -> Iterator[tuple[Chapter, Section, Block]]:
        """Yield every block with its chapter and section, in reading order."""
        for chapter in self.chapters:
            for section in chapter.sections:
                for block in section.blocks:
                    yield chapter, section, block

    def tables(self) -> tuple[TableBlock, ...]:
        return tuple(b for _, _, b in self.blocks() if isinstance(b, TableBlock))

    def figures(self) -> tuple[FigureBlock, ...]:
        return tuple(b for _, _, b in self.blocks() if isinstance(b, FigureBlock))

    def findings(self) -> tuple[FindingBlock, ...]:
        chapter = next((c for c in self.chapters if c.role == "findings"), None)
        if chapter is None:
            return ()
        return tuple(b for s in chapter.sections for b in s.blocks if isinstance(b, FindingBlock))
