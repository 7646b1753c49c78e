"""Build a report: questionnaire + dataset + definition + facts -> a ``Report`` value. Pure.

The report follows the reference report (I&O Research, "Hoe beoordelen ambtenaren de
digitalisering bij de overheid?", 2018): 1 Belangrijkste uitkomsten, 2 Inleiding, 3 Resultaten
(a section per questionnaire group or per section of the definition), 4
Onderzoeksverantwoording, and optionally 5 Tabellen (every statement of every grid by the
banner). Tables and figures are numbered per chapter ("Tabel 3.1", "Figuur 3.1"). Every number
comes from ``peiling.analysis``; the modules here only choose, order, title and annotate:
``items`` (tables per question), ``figures`` (charts), ``footnotes``, ``findings`` (key
findings), ``methods`` (the methods chapter).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from peiling.analysis import Dataset
from peiling.analysis.trends import Wave
from peiling.forms.model import Form, Question
from peiling.reports import development, findings, methods, salience
from peiling.reports.context import BuildContext, Numbering
from peiling.reports.definition import ReportDefinition, SectionSpec, default_sections
from peiling.reports.footnotes import ROUNDING_NOTE
from peiling.reports.items import item_blocks, shown_columns
from peiling.reports.model import (
    Block,
    Chapter,
    FindingBlock,
    MethodsFacts,
    Paragraph,
    Report,
    Section,
    TableBlock,
)
from peiling.reports.salience import KeyFinding
from peiling.reports.text import month_year
from peiling.reports.text import paragraphs as split_paragraphs

__all__ = ["ROUNDING_NOTE", "build_report", "default_banner", "results_sections", "shown_columns"]

DRAFT_NOTE = (
    "Concept: de kernpunten en de tekst bij de resultaten zijn door peiling opgesteld uit de "
    "cijfers. Controleer en bewerk ze voor publicatie."
)
RESULTS_CHAPTER = "3"
DEVELOPMENT_CHAPTER = "4"


def build_report(
    form: Form, dataset: Dataset, definition: ReportDefinition, facts: MethodsFacts, *,
    waves: Sequence[Wave] = (),
) -> Report:
    """Return the report of ``dataset`` (answers to ``form``) as ``definition`` describes it.
    With ``waves`` (this study's waves up to and including this one, oldest first; two or
    more), the chapter "Ontwikkeling" follows the results (``development``).

    Raises
    ------
    peiling.analysis.DatasetError, TableError
        for names and expressions the data cannot answer (a definition checked with
        ``check_definition`` against the same form has none of the first kind).
    """
    context = BuildContext(form, dataset, definition)
    banner_vars = _banner_variables(context)
    profile = _profile_questions(form, banner_vars)
    specs = results_sections(form, definition, banner_vars)
    numbering = Numbering(RESULTS_CHAPTER)
    results: list[Section] = []
    section_findings: list[FindingBlock] = []
    for index, spec in enumerate(specs, start=1):
        section, finding = _section(context, spec, f"{RESULTS_CHAPTER}.{index}", numbering)
        results.append(section)
        if finding is not None:
            section_findings.append(finding)
    facts = replace(
        facts,
        alpha=definition.alpha,
        population=definition.population,
        organisation=facts.organisation or definition.author,
    )
    headlines = {f"{RESULTS_CHAPTER}.{index}": spec.headline or spec.title
                 for index, spec in enumerate(specs, start=1)}
    found = _key_findings(results, headlines, definition, banner_vars) or section_findings
    trend = _development(specs, waves, definition.alpha)
    methods_number = "5" if trend is not None else "4"
    chapters = [
        _findings_chapter(found, facts, definition),
        _introduction_chapter(facts, definition, methods_number),
        Chapter(RESULTS_CHAPTER, "Resultaten", "results", tuple(results)),
        *([trend] if trend is not None else []),
        methods.methods_chapter(context, facts, profile, methods_number),
    ]
    if definition.appendix:
        appendix = _appendix_chapter(context, specs, str(int(methods_number) + 1))
        if appendix.sections:
            chapters.append(appendix)
    date_text = definition.date or (month_year(facts.end) if facts.end else "")
    return Report(
        title=definition.title or form.title,
        subtitle=definition.subtitle,
        author=definition.author,
        client=definition.client,
        date_text=date_text,
        chapters=tuple(chapters),
        facts=facts,
        language=definition.language or "nl",
        draft=definition.draft,
        problems=tuple(context.problems),
    )


def _key_findings(results: Sequence[Section], headlines: dict[str, str],
                  definition: ReportDefinition, banner_vars: Sequence[str],
                  ) -> list[FindingBlock]:
    """Return the key findings over every table of the results (``salience``: the most
    salient, at most eight), grouped under the headline of the section each comes from (the
    definition's, else the section title), in the order of the sections."""
    tables: list[TableBlock] = []
    section_of: dict[str, Section] = {}
    for section in results:
        for block in section.blocks:
            if isinstance(block, TableBlock) and block.number:
                tables.append(block)
                section_of[block.number] = section
    leave_out = [*banner_vars, *(v for v in (definition.source_variable, definition.weight) if v)]
    grouped: dict[str, list[KeyFinding]] = {}
    for finding in salience.key_findings(tables, population=definition.population,
                                         leave_out=leave_out, edits=definition.findings):
        section = section_of[finding.table].number if finding.table else ""
        grouped.setdefault(section, []).append(finding)
    headlines = {**headlines, "": "Bewerkte tekst zonder tabel"}
    order = [section.number for section in results] + [""]
    return [FindingBlock(headlines[number], tuple(f.text for f in grouped[number]),
                         draft=definition.draft, notes=tuple(f.note for f in grouped[number]))
            for number in order if number in grouped]


def results_sections(form: Form, definition: ReportDefinition,
                     banner_vars: Sequence[str] | None = None) -> tuple[SectionSpec, ...]:
    """Return the sections of the results chapter: the definition's, else a section per
    top-level group of ``form`` without the questions that describe who answered (those of
    the banner's group, shown in the methods chapter)."""
    if definition.sections is not None:
        return definition.sections
    if banner_vars is None:
        spec = definition.banner_named(None)
        names = {q.name for q in form.questions()}
        columns = spec.columns if spec is not None else ()
        if definition.banner is None:
            columns = default_banner(form)
        banner_vars = [c for c in columns if c in names]
    profile = _profile_questions(form, banner_vars)
    return default_sections(form, skip=profile, only=definition.questions)


def default_banner(form: Form) -> tuple[str, ...]:
    """Return the banner of a report nobody defined: the form's first single choice question.

    In a panel questionnaire that is the first profile question (type of organisation in the
    example), the breakdown the reference reports use.
    """
    for question in form.questions():
        if question.type == "select_one":
            return (question.name,)
    return ()


def _banner_variables(context: BuildContext) -> tuple[str, ...]:
    """Return the variables the default banner splits by (shown in the methods chapter)."""
    _, spec = context.banner(None)
    if spec is None:
        return ()
    return tuple(c for c in spec.columns if c in context.dataset.variables)


def _profile_questions(form: Form, banner_vars: Sequence[str]) -> tuple[str, ...]:
    """Return the single choice questions of the group holding the banner variables.

    These describe who answered (type of organisation, function): the methods chapter shows
    them as distributions, as Tabel 4.1 and 4.2 of the reference report, not the results.
    """
    groups = {form.parents_of(name)[0].name for name in banner_vars if form.parents_of(name)}
    names = list(banner_vars)
    for item, parents in form.walk():
        in_group = parents and parents[0].name in groups
        if in_group and isinstance(item, Question) and item.type == "select_one":
            names.append(item.name)
    return tuple(dict.fromkeys(names))


def _findings_chapter(
    found: Sequence[FindingBlock], facts: MethodsFacts, definition: ReportDefinition
) -> Chapter:
    blocks: list[Block] = []
    if definition.draft:
        blocks.append(Paragraph(DRAFT_NOTE, "draft"))
    summary = definition.text("summary")
    if summary:
        blocks.append(Paragraph(summary))
    blocks.extend(found)
    sections = [Section("", "", tuple(blocks))]
    sections.append(Section("", "Verantwoording", (Paragraph(methods.short_account(facts)),)))
    return Chapter("1", "Belangrijkste uitkomsten", "findings", tuple(sections))


def _development(specs: Sequence[SectionSpec], waves: Sequence[Wave],
                 alpha: float) -> Chapter | None:
    """The chapter "Ontwikkeling" over the report's questions, when there are waves to
    compare with and one of its questions was asked in two of them."""
    if len(waves) < 2:
        return None
    questions: list[tuple[str, str]] = []
    for spec in specs:
        for item in spec.items:
            if item.kind in ("question", "statements"):
                questions.extend((name, item.headline) for name in item.questions
                                 if (name, item.headline) not in questions)
    found = development.changes(waves, questions, alpha=alpha)
    if not found:
        return None
    numbering = Numbering(DEVELOPMENT_CHAPTER)
    figures = [numbering.figure() for change in found if change.significant]
    return development.development_chapter(found, DEVELOPMENT_CHAPTER, figure_numbers=figures)


def _introduction_chapter(facts: MethodsFacts, definition: ReportDefinition,
                          methods_number: str) -> Chapter:
    sections = []
    number = 0
    for key, title in (
        ("introduction", "Aanleiding voor het onderzoek"),
        ("research_questions", "Onderzoeksvragen"),
    ):
        text = definition.text(key)
        if text:
            number += 1
            paragraphs = tuple(Paragraph(p) for p in split_paragraphs(text))
            sections.append(Section(f"2.{number}", title, paragraphs))
    if not sections:
        placeholder = Paragraph(
            "[Beschrijf hier de aanleiding voor het onderzoek en de onderzoeksvragen.]", "draft"
        )
        number += 1
        sections.append(Section(f"2.{number}", "Aanleiding voor het onderzoek", (placeholder,)))
    number += 1
    account = (
        Paragraph(methods.short_account(facts)),
        Paragraph(f"Zie hoofdstuk {methods_number} voor een nadere onderzoeksverantwoording."),
    )
    sections.append(Section(f"2.{number}", "Verantwoording", account))
    return Chapter("2", "Inleiding", "introduction", tuple(sections))


# -- a results section ------------------------------------------------------------------------


def _section(
    context: BuildContext, spec: SectionSpec, number: str, numbering: Numbering
) -> tuple[Section, FindingBlock | None]:
    shown: list[Block] = []
    sources: list[TableBlock] = []
    for item in spec.items:
        blocks, about = item_blocks(context, item, numbering, spec.title)
        shown.extend(blocks)
        sources.extend(about)
    headline = spec.headline or spec.title
    finding = findings.section_finding(headline, sources)
    lead: list[Block] = []
    if finding is not None:
        # In the results, a headline that only repeats the section title is left out.
        lead.append(replace(finding, headline=spec.headline, draft=context.definition.draft))
    if spec.text:
        lead.extend(Paragraph(p) for p in split_paragraphs(spec.text))
    return Section(number, spec.title, (*lead, *shown)), finding


def _appendix_chapter(context: BuildContext, specs: Sequence[SectionSpec], number: str) -> Chapter:
    """Return "Tabellen": every statement of every grid against the banner."""
    numbering = Numbering(number)
    sections = []
    for spec in specs:
        blocks: list[Block] = []
        for item in spec.items:
            if item.kind != "statements":
                continue
            for name in item.questions:
                single = replace(
                    item,
                    kind="question",
                    questions=(name,),
                    chart="none",
                    title="",
                    nets=(),
                    net_score=None,
                )
                shown, _ = item_blocks(context, single, numbering, spec.title)
                blocks.extend(shown)
        if blocks:
            sections.append(Section(f"{number}.{len(sections) + 1}", spec.title, tuple(blocks)))
    return Chapter(number, "Tabellen", "appendix", tuple(sections))
