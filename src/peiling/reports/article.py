"""A magazine article drafted from a built report, for the researcher to edit. Pure.

The article follows the panel articles peiling's researchers write for the trade press (the
references: Ambtenarenpanel, "Digitalisering van dienstverlening staat bij een meerderheid
van de overheidsorganisaties hoog op de agenda", iSamenleving; Publiek Denken and Overheid in
Nederland on the digital skills of civil servants, "Ambtenaren blaken van vertrouwen ..."):

1. a **headline** on the most striking finding, its share in words ("Ruim zeven op de tien
   ambtenaren vinden het wenselijk ..."): the most striking *level* (what most, or few,
   think); a difference between subgroups needs both its numbers, so it makes the lead and
   the headline only when no level stands out;
2. a **lead** with the two most striking numbers, the most striking first, and who did the
   research ("Dat blijkt uit onderzoek van ... onder ambtenaren.");
3. **who took part**: every answer of the profile variables (gender, age, government layer,
   function) with its percentage as the table prints it, so the percentages of one variable
   add up as the table's do ("Van de ambtenaren die aan het onderzoek deelnamen, is 52
   procent man en 48 procent vrouw.");
4. a **section per theme** (a section of the report's results), under its title: a paragraph
   per table with its numbers in running text, a subgroup that differs significantly, and at
   most one quote from the theme's open answers;
5. the **methods** in one closing sentence: the fieldwork period, n and the panel or open
   link ("Aan het onderzoek, dat van 3 tot en met 17 maart 2025 liep, deden 577 leden van het
   panel mee.").

Sources. What is striking is what the report's key findings call striking: the headline and
the lead are the top candidates of ``salience.candidates`` as ``salience.key_findings``
selects them (one level and one difference per table), and a subgroup is named only when
``salience`` makes its difference a candidate, i.e. it is significant (so the text never says
"vaker" of a difference that is not). Every percentage is rounded as the tables print them
and written the Dutch way ("76 procent"; "57 Procent zegt ..." at the start of a sentence, as
the references write it). Every paragraph carries the numbers of the tables its numbers come
from ("3.1"); the closing sentence's numbers come from ``MethodsFacts``, and a quote is an
answer, not a number. Figures have no table of their own and are left out.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias

from peiling.analysis import Row
from peiling.reports.findings import (
    answer_label,
    apply_phrase,
    headline_rows,
    share_words,
    whole_percent,
)
from peiling.reports.items import MASKS
from peiling.reports.model import (
    ANSWERS_PHRASE,
    MENTIONS_PHRASE,
    MethodsFacts,
    Notice,
    QuoteBlock,
    Report,
    TableBlock,
    gettext_noop,
)
from peiling.reports.salience import MINORITY, Candidate, candidates, finding_key, key_findings
from peiling.reports.text import (
    MONTHS,
    capitalise,
    decimal,
    join_and,
    number,
    question_text,
    quoted,
    short_question,
)

__all__ = ["ArticleDraft", "ArticleParagraph", "ArticleSection", "draft_article",
           "methods_sentence"]

ParagraphKind: TypeAlias = Literal["lead", "profile", "body", "quote", "methods"]

#: A single choice question of at most this many answers is told answer by answer.
MAX_LISTED = 5
#: Otherwise (and for a multiple choice question) the most given answers are named.
MAX_NAMED = 3
#: The longest question the text quotes; a longer one is cut to its last sentence or shortened.
QUESTION_LENGTH = 110
#: A label this short without a question mark is a noun ("Leeftijd"), said without quotes.
NOUN_LENGTH = 60
#: The response source of peiling's own panel (``fieldwork.models.PANEL_SOURCE``).
PANEL_SOURCE = "panel"
_VERBS = {"grid": ("is", "zijn"), "multiple": ("noemt", "noemen")}
_ROW_START = re.compile(r"^(\d+)([.)])")
_MARKDOWN = re.compile(r"([\\`*_\[\]<>#|&])")


@dataclass(frozen=True)
class ArticleParagraph:
    """A paragraph and the numbers ("3.1") of the tables its numbers come from."""

    text: str
    tables: tuple[str, ...] = ()
    kind: ParagraphKind = "body"


@dataclass(frozen=True)
class ArticleSection:
    """A theme of the article: the title of its report section and its paragraphs."""

    title: str
    paragraphs: tuple[ArticleParagraph, ...]


@dataclass(frozen=True)
class ArticleDraft:
    """A drafted article; ``problems`` says what could not be written, and why."""

    headline: str
    headline_tables: tuple[str, ...]
    lead: ArticleParagraph
    profile: ArticleParagraph | None
    sections: tuple[ArticleSection, ...]
    closing: ArticleParagraph
    problems: tuple[str, ...] = ()

    def paragraphs(self) -> Iterator[ArticleParagraph]:
        """Yield every paragraph in reading order (the headline is none)."""
        if self.lead.text:
            yield self.lead
        if self.profile is not None:
            yield self.profile
        for section in self.sections:
            yield from section.paragraphs
        yield self.closing

    def markdown(self, *, sources: bool = False) -> str:
        """Return the article as Markdown: ``#`` headline, ``##`` themes, ``>`` quotes. With
        ``sources``, an HTML comment after each paragraph names its tables (unseen in print)."""
        parts = [f"# {_escape(self.headline)}"]

        def add(paragraph: ArticleParagraph) -> None:
            text = _escape(paragraph.text)
            parts.append(f"> {text}" if paragraph.kind == "quote" else text)
            if sources and paragraph.tables:
                parts.append(f"<!-- tabel {', '.join(paragraph.tables)} -->")

        for paragraph in (self.lead, self.profile):
            if paragraph is not None and paragraph.text:
                add(paragraph)
        for section in self.sections:
            parts.append(f"## {_escape(section.title)}")
            for paragraph in section.paragraphs:
                add(paragraph)
        add(self.closing)
        return "\n\n".join(parts) + "\n"


def _escape(text: str) -> str:
    """Keep text literal in Markdown: no emphasis, links or HTML, no list from "1. "."""
    return _ROW_START.sub(r"\1\\\2", _MARKDOWN.sub(r"\\\1", text))


def draft_article(report: Report, *, profile_variables: Sequence[str] | None = None,
                  population: str | None = None, leave_out: Sequence[str] = ()) -> ArticleDraft:
    """Return the article about ``report``.

    ``profile_variables`` name the tables of who took part, in the order to tell them (by
    default every distribution table of the methods chapter); ``population`` names everyone
    ("ambtenaren"; by default the report's); ``leave_out`` names methodological variables
    (the response source, the weight) that give no finding, as for the key findings.
    """
    population = population or report.facts.population
    problems: list[str] = []
    profile = _profile_blocks(report, profile_variables, problems)
    skip = [*(block.table.name for block in profile), *leave_out]
    results = _results(report, skip)
    blocks = [block for _, block in results]
    top = _most_striking(blocks, population, skip)
    theme = {block.number: title for title, block in results}
    by_number = {block.number: block for block in blocks}
    # The headline says what most (or few) think: a difference between subgroups needs both
    # its numbers, so it makes the lead, and the headline only when no level stands out.
    levels = [c for c in top if c.kind == "level"] or [
        c for c in candidates(blocks, leave_out=skip) if c.kind == "level"][:1]
    head = (levels or top)[:1]
    if head:
        headline = _headline(by_number[head[0].table], head[0], population,
                             theme[head[0].table])
    else:
        headline = report.title
        problems.append(Notice(gettext_noop(
            "no table has a finding striking enough for the headline and the lead; the "
            "report's title is the headline")))
    lead = [_lead_sentence(by_number[c.table], c, population) for c in top]
    if top:
        by = f" van {report.facts.organisation}" if report.facts.organisation else ""
        lead.append(f"Dat blijkt uit onderzoek{by} onder {population}.")
    return ArticleDraft(
        headline=headline,
        headline_tables=tuple(c.table for c in head),
        lead=ArticleParagraph(" ".join(lead), tuple(dict.fromkeys(c.table for c in top)),
                              "lead"),
        profile=_profile_paragraph(profile, population),
        sections=_sections(report, blocks, population),
        closing=ArticleParagraph(methods_sentence(report.facts, population), (), "methods"),
        problems=tuple(problems),
    )


def _results(report: Report, leave_out: Sequence[str]) -> list[tuple[str, TableBlock]]:
    """The numbered tables of the results, each with the title of its section (its theme)."""
    return [(section.title, block) for chapter in report.chapters if chapter.role == "results"
            for section in chapter.sections for block in section.blocks
            if isinstance(block, TableBlock) and block.number
            and block.table.name not in leave_out]


def _most_striking(blocks: Sequence[TableBlock], population: str,
                   leave_out: Sequence[str]) -> list[Candidate]:
    """The two findings the key findings would pick first, most salient first: the selection
    is ``key_findings``' own, the order ``candidates``'."""
    by_number = {block.number: block for block in blocks}
    chosen = {f.note.key for f in key_findings(blocks, population=population,
                                               leave_out=leave_out, limit=2)}
    return [c for c in candidates(blocks, leave_out=leave_out)
            if finding_key(by_number[c.table].table, c.row, c.column) in chosen]


def _profile_blocks(report: Report, names: Sequence[str] | None,
                    problems: list[str]) -> list[TableBlock]:
    methods = [block for chapter in report.chapters if chapter.role == "methods"
               for section in chapter.sections for block in section.blocks
               if isinstance(block, TableBlock) and block.layout == "distribution"]
    if names is None:
        return methods
    found = []
    for name in names:
        # A distribution table of the methods chapter first: it counts everyone.
        block = next((b for b in (*methods, *report.tables()) if b.table.name == name), None)
        if block is None:
            problems.append(Notice(gettext_noop(
                "profile variable “%(name)s” has no table in the report; who took part is "
                "told without it"), name=name))
        else:
            found.append(block)
    return found


# -- numbers and words ------------------------------------------------------------------------


def _percent(value: float | None) -> str:
    """"76 procent": rounded half up as the tables print it."""
    return f"{number(value or 0.0)} procent"


def _printed(row: Row) -> str:
    """A statistic as the table prints it: "27,5"."""
    return decimal(row.values[-1] or 0.0, row.decimals)


def _population(block: TableBlock, population: str) -> str:
    return block.hint.population if block.hint and block.hint.population else population


def _label(block: TableBlock) -> str:
    """The question as the reader sees it: piped-in answers as ``<a / b>``."""
    if block.hint is not None and block.hint.question:
        return " ".join(block.hint.question.split())
    return question_text(block.table.title)


def _subject(block: TableBlock) -> str:
    """What the question is about in a few words, or "": the definition's subject, else a
    short label that is no question."""
    if block.hint is not None and block.hint.subject:
        return " ".join(block.hint.subject.split())
    label = _label(block)
    return answer_label(label) if _is_noun(label) else ""


def _is_noun(label: str) -> bool:
    return bool(label) and "?" not in label and len(label) <= NOUN_LENGTH


def _question(block: TableBlock) -> str:
    label = _label(block)
    text = short_question(label, QUESTION_LENGTH)
    if not text:
        text = label[: QUESTION_LENGTH - 1].rsplit(" ", 1)[0] + " …"
    return quoted(text)


def _intro(block: TableBlock) -> str:
    """"Gevraagd naar {subject}," or "Op de vraag ‘…’": what comes before the verb."""
    subject = _subject(block)
    return f"Gevraagd naar {subject}," if subject else f"Op de vraag {_question(block)}"


def _own_phrase(block: TableBlock) -> str:
    """The definition's own predicate ("[is|zijn] tevreden"), a grid's always, else ""."""
    hint = block.hint
    if block.table.kind == "grid":
        return hint.phrase if hint else "[is|zijn] het eens met {label}"
    if hint is None or hint.phrase in (ANSWERS_PHRASE, MENTIONS_PHRASE):
        return ""
    return hint.phrase


def _answer(row: Row) -> str:
    return quoted(answer_label(row.label))


def _verbs(block: TableBlock) -> tuple[str, str]:
    """The verb of a table's answers, singular and plural."""
    return _VERBS.get(block.table.kind, ("antwoordt", "antwoorden"))


def _words(share: int, population: str) -> tuple[str, bool]:
    """"bijna driekwart van de ambtenaren", plural: a share in words, for the headline."""
    rule = share_words(share)
    if rule.link == "alone":
        return rule.words, False
    if rule.link == "direct":
        return f"{rule.words} {population}", rule.plural
    if rule.link == "van de":
        return f"{rule.words} van de {population}", rule.plural
    raise ValueError(f"link must be one of alone, direct, van de (got {rule.link!r})")


def _sentence(text: str) -> str:
    text = capitalise(" ".join(text.split()))
    return text if text.endswith((".", "?", "!")) else text + "."


def _group(block: TableBlock, column: int) -> tuple[str, str]:
    """The subgroup with its verb, straight and inverted: ("rijksambtenaren antwoorden",
    "antwoorden rijksambtenaren") or ("onder ICT-ers is men", "is men onder ICT-ers")."""
    singular, plural = _verbs(block)
    head = block.table.columns[column]
    named = dict(block.hint.who).get(head.key, "") if block.hint else ""
    if named and named.split(" ", 1)[0].lower() not in ("onder", "bij", "in", "binnen"):
        return f"{named} {plural}", f"{plural} {named}"
    place = named or f"in de groep {quoted(head.label)}"
    return f"{place} {singular} men", f"{singular} men {place}"


def _more(block: TableBlock, candidate: Candidate) -> str:
    more = "vaker" if candidate.row.rest[candidate.column] > 0 else "minder vaak"
    if block.table.kind == "grid":
        return f"{more} het eens met {_answer(candidate.row)}"
    return f"{more} {_answer(candidate.row)}"


def _against(candidate: Candidate) -> str:
    row = candidate.row
    return f"{_percent(row.values[candidate.column])}, tegen {_percent(row.values[-1])} gemiddeld"


# -- headline and lead ------------------------------------------------------------------------


def _headline(block: TableBlock, candidate: Candidate, population: str, theme: str) -> str:
    """The most striking finding in words, without numbers."""
    subject = _subject(block) or theme
    if candidate.kind == "difference":
        straight, _ = _group(block, candidate.column)
        return capitalise(f"{subject}: {straight} {_more(block, candidate)}")
    share = whole_percent(candidate.row.values[-1]) or 0
    who, plural = _words(share, _population(block, population))
    phrase = _own_phrase(block)
    if phrase:
        return capitalise(f"{who} {apply_phrase(phrase, plural, candidate.row.label)}")
    verb = _verbs(block)[1 if plural else 0]
    return capitalise(f"{subject}: {who} {verb} {_answer(candidate.row)}")


def _lead_sentence(block: TableBlock, candidate: Candidate, population: str) -> str:
    """One striking number in a sentence; a small minority is "slechts" so many."""
    if candidate.kind == "difference":
        straight, inverted = _group(block, candidate.column)
        if block.table.kind == "grid":  # the statement says what was asked
            return _sentence(f"{straight} {_more(block, candidate)}: {_against(candidate)}")
        return _sentence(f"{_intro(block)} {inverted} {_more(block, candidate)}: "
                         f"{_against(candidate)}")
    row = candidate.row
    only = "slechts " if (whole_percent(row.values[-1]) or 0) <= MINORITY else ""
    who = f"{only}{_percent(row.values[-1])} van de {_population(block, population)}"
    phrase = _own_phrase(block)
    if phrase:
        return _sentence(f"{who} {apply_phrase(phrase, False, row.label)}")
    return _sentence(f"{_intro(block)} {_verbs(block)[0]} {who} {_answer(row)}")


# -- who took part ----------------------------------------------------------------------------


def _profile_paragraph(blocks: Sequence[TableBlock], population: str) -> ArticleParagraph | None:
    """Every answer of every profile variable with its percentage as the table prints it."""
    sentences, told = [], []
    for block in blocks:
        rows = [r for r in block.table.rows
                if r.kind in ("category", "dont_know") and r.values[-1] is not None]
        if not rows:
            continue
        told.append(block.number)
        label = question_text(block.table.title)
        opening = (f"Van de {population} die aan het onderzoek deelnamen,"
                   if not sentences else "")
        if _is_noun(label):
            shares = join_and([f"{_percent(r.values[-1])} {answer_label(r.label)}"
                               for r in rows])
            about = "" if not sentences else f"naar {answer_label(label)}"
            sentences.append(_sentence(f"{opening} {about} is {shares}"))
        else:
            shares = _shares(rows)
            ask = f"op de vraag {_question(block)}"
            text = f"{opening} antwoordt {ask} {shares}" if opening else f"{ask} antwoordt {shares}"
            sentences.append(_sentence(text))
    if not sentences:
        return None
    return ArticleParagraph(" ".join(sentences), tuple(told), "profile")


# -- themes -----------------------------------------------------------------------------------


def _sections(report: Report, blocks: Sequence[TableBlock],
              population: str) -> tuple[ArticleSection, ...]:
    """A theme per section of the results: a paragraph per table of ``blocks`` (with its
    subgroup if ``salience`` finds one), then at most one quote."""
    told = {b.number for b in blocks}
    differences: dict[str, Candidate] = {}
    for candidate in candidates(blocks):
        if candidate.kind == "difference":
            differences.setdefault(candidate.table, candidate)
    sections = []
    for chapter in report.chapters:
        if chapter.role != "results":
            continue
        for section in chapter.sections:
            paragraphs = []
            for block in section.blocks:
                if not isinstance(block, TableBlock) or block.number not in told:
                    continue
                said = _table_sentences(block, population)
                difference = differences.get(block.number)
                if difference is not None:
                    straight, _ = _group(block, difference.column)
                    said.append(_sentence(f"{straight} {_more(block, difference)}: "
                                          f"{_against(difference)}"))
                if said:
                    paragraphs.append(ArticleParagraph(" ".join(said), (block.number,)))
            quote = _quote(b for b in section.blocks if isinstance(b, QuoteBlock))
            if quote:
                paragraphs.append(ArticleParagraph(quote, (), "quote"))
            if paragraphs:
                sections.append(ArticleSection(section.title, tuple(paragraphs)))
    return tuple(sections)


def _table_sentences(block: TableBlock, population: str) -> list[str]:
    kind = block.table.kind
    if kind in ("frequency", "banded"):
        return _choice_sentences(block, _population(block, population))
    if kind == "multiple":
        return _multiple_sentences(block, _population(block, population))
    if kind == "grid":
        return _grid_sentences(block, _population(block, population))
    if kind == "numeric":
        return _numeric_sentences(block)
    raise ValueError(
        f"table kind must be frequency, multiple, banded, grid or numeric (got {kind!r})")


def _answers(block: TableBlock) -> list[Row]:
    """The answers a single choice question is told by: its nets (with "weet niet") when it
    has them, else its answers, in the table's order."""
    rows = [r for r in block.table.rows if r.kind in ("category", "dont_know", "net", "band")
            and r.values[-1] is not None]
    if any(r.kind == "net" for r in rows):
        return [r for r in rows if r.kind in ("net", "dont_know")]
    return rows


def _largest(rows: Sequence[Row], count: int) -> list[Row]:
    named = [r for r in rows if r.kind != "dont_know"]
    return sorted(named, key=lambda r: -(r.values[-1] or 0.0))[:count]


def _shares(rows: Sequence[Row], population: str = "") -> str:
    """"40 procent van de ambtenaren ‘a’, 35 procent ‘b’ en 12 procent ‘c’"."""
    parts = [f"{_percent(r.values[-1])} {_answer(r)}" for r in rows]
    if population and rows:
        parts[0] = f"{_percent(rows[0].values[-1])} van de {population} {_answer(rows[0])}"
    return join_and(parts)


def _named(rows: Sequence[Row]) -> str:
    """"‘a’ (25 procent), ‘b’ (11 procent) en ‘c’ (8 procent)"."""
    return join_and([f"{_answer(r)} ({_percent(r.values[-1])})" for r in rows])


def _choice_sentences(block: TableBlock, population: str) -> list[str]:
    rows = _answers(block)
    if not rows:
        return []
    own = _own_phrase(block)
    heads = headline_rows(block.table, block.hint) if block.hint is not None else []
    if own and heads:
        head = heads[0]
        said = [_sentence(f"{_percent(head.values[-1])} van de {population} "
                          f"{apply_phrase(own, False, head.label)}")]
        rest = [r for r in rows if r.key != head.key]
        if len(rows) > MAX_LISTED:
            said.append(_sentence(f"daarna volgen {_named(_largest(rest, MAX_NAMED - 1))}"))
        elif rest:
            said.append(_sentence(f"verder antwoordt {_shares(rest)}"))
        return said
    if len(rows) > MAX_LISTED:
        return [_sentence(f"{_intro(block)} zijn de meest gegeven antwoorden "
                          f"{_named(_largest(rows, MAX_NAMED))}")]
    return [_sentence(f"{_intro(block)} antwoordt {_shares(rows, population)}")]


def _multiple_sentences(block: TableBlock, population: str) -> list[str]:
    rows = _largest([r for r in block.table.rows if r.kind in ("choice", "net")
                     and r.values[-1] is not None], MAX_NAMED)
    return [_sentence(f"{_intro(block)} noemt {_shares(rows, population)}")] if rows else []


def _grid_sentences(block: TableBlock, population: str) -> list[str]:
    rows = _largest([r for r in block.table.rows if r.kind == "statement"
                     and r.values[-1] is not None], len(block.table.rows))
    if not rows:
        return []
    top, bottom = rows[0], rows[-1]
    phrase = apply_phrase(_own_phrase(block), False, top.label)
    said = [_sentence(f"{_percent(top.values[-1])} van de {population} {phrase}")]
    if bottom is not top:
        said.append(_sentence(f"het minst vaak geldt dat voor {_answer(bottom)} "
                              f"({_percent(bottom.values[-1])})"))
    return said


def _numeric_sentences(block: TableBlock) -> list[str]:
    stats = {row.key: row for row in block.table.rows if row.values[-1] is not None}
    mean, median = stats.get("mean"), stats.get("median")
    if mean is None:
        return []
    text = f"{_intro(block)} is het gemiddelde antwoord {_printed(mean)}"
    if median is not None:
        text += f" (mediaan {_printed(median)})"
    return [_sentence(text)]


def _quote(blocks: Iterator[QuoteBlock]) -> str:
    """One quote of a theme: from its most mentioned theme (else its first), the first quote
    without masked personal data."""
    for block in blocks:
        themes = sorted(block.themes, key=lambda t: -(t.share if t.share is not None else -1.0))
        for theme in themes:
            for quote in theme.quotes:
                text = " ".join(quote.split())
                if text and not any(token in text for token in MASKS):
                    return quoted(text.strip("‘’'\""))
    return ""


# -- methods ----------------------------------------------------------------------------------


def methods_sentence(facts: MethodsFacts, population: str | None = None) -> str:
    """"Aan het onderzoek, dat van 3 tot en met 17 maart 2025 liep, deden 577 leden van het
    panel mee.": the period, n and the panel or open link(s), from ``facts``."""
    population = population or facts.population
    period = _period(facts.start, facts.end)
    opening = f"Aan het onderzoek, dat {period} liep," if period else "Aan het onderzoek"
    sources = [s for s in facts.sources if s.count]
    n = number(facts.n)
    if len(sources) == 1 and sources[0].key == PANEL_SOURCE:
        return f"{opening} deden {n} leden van het panel mee."
    if len(sources) == 1:
        return f"{opening} deden {n} {population} mee via {sources[0].label}."
    if sources:
        counts = join_and([f"{number(s.count)} via {s.label}"
                           for s in sorted(sources, key=lambda s: -s.count)])
        return f"{opening} deden {n} {population} mee: {counts}."
    return f"{opening} deden {n} {population} mee."


def _period(start: dt.date | None, end: dt.date | None) -> str:
    """"van 3 tot en met 17 maart 2025", "van 27 februari tot en met 8 maart 2018", or ""."""
    if start is None or end is None:
        return ""

    def day(date: dt.date, *, month: bool = True, year: bool = True) -> str:
        return " ".join([str(date.day), *([MONTHS[date.month - 1]] if month else []),
                         *([str(date.year)] if year else [])])

    if start == end:
        return f"op {day(end)}"
    same_year = start.year == end.year
    same_month = same_year and start.month == end.month
    return (f"van {day(start, month=not same_month, year=not same_year)} "
            f"tot en met {day(end)}")
