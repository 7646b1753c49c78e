"""The methods chapter ("Onderzoeksverantwoording"), written from the facts peiling holds.

Who was asked, when, how many answered through which source, how respondents are spread over
the profile variables (tables as Tabel 4.1 and 4.2 of the reference report), response rates
(AAPOR), weighting, the significance test and the rounding note. Every sentence is made from
``MethodsFacts`` and the data; a fact peiling does not have is left out, never guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from peiling.analysis import frequency_table
from peiling.reports.definition import DistributionSpec
from peiling.reports.model import Block, Chapter, MethodsFacts, Paragraph, Section, TableBlock
from peiling.reports.text import (
    date_long,
    decimal,
    join_and,
    number,
    paragraphs,
    quoted,
    short_question,
)

if TYPE_CHECKING:
    from peiling.reports.context import BuildContext

__all__ = ["SIGNIFICANCE_TEXT", "methods_chapter", "period_text", "short_account", "sources_text"]

SIGNIFICANCE_TEXT = (
    "Verschillen tussen een groep en de overige {population} zijn getoetst met een tweezijdige "
    "z-toets voor twee proporties (α = {alpha}); bij gewogen gegevens met de effectieve "
    "steekproefomvang (Kish). In de tabellen is een significant lager percentage onderstreept "
    "en een significant hoger percentage vetgedrukt. Percentages op een basis van minder dan "
    "30 respondenten zijn indicatief."
)


def period_text(facts: MethodsFacts) -> str:
    """Return "Het onderzoek liep van dinsdag 27 februari tot en met donderdag 8 maart 2018."."""
    if facts.start is None or facts.end is None:
        return ""
    start = date_long(facts.start)
    if facts.start.year == facts.end.year:
        start = start.rsplit(" ", 1)[0]
    return f"Het onderzoek liep van {start} tot en met {date_long(facts.end)}."


def sources_text(facts: MethodsFacts) -> str:
    """Return where the responses came from, largest source first, with n and percentages."""
    sources = sorted((s for s in facts.sources if s.count), key=lambda s: -s.count)
    total = sum(s.count for s in sources)
    if len(sources) < 2 or total == 0:
        return ""
    first, rest = sources[0], sources[1:]
    share = _share(first.count, total)
    text = (
        f"Het grootste deel van de respons ({share}) is afkomstig via {first.label} "
        f"(n = {number(first.count)})."
    )
    others = [
        f"{number(s.count)} {facts.population} ({_share(s.count, total)}) via {s.label}"
        for s in rest
    ]
    if len(others) == 1:
        text += f" Daarnaast vulden {others[0]} de vragenlijst in."
    else:
        text += (
            " Daarnaast vulden " + ", ".join(others[:-1]) + f" en {others[-1]} de vragenlijst in."
        )
    return text


def _share(part: int, total: int) -> str:
    from peiling.reports.text import percent

    return percent(100.0 * part / total)


def short_account(facts: MethodsFacts) -> str:
    """Return the short account of chapters 1 and 2: who, how many, when, through what."""
    who = f"Aan het onderzoek werkten {number(facts.n)} {facts.population} mee."
    if facts.organisation:
        who = f"Dit blijkt uit onderzoek van {facts.organisation}. " + who
    parts = [who, period_text(facts), sources_text(facts)]
    return " ".join(p for p in parts if p)


def quality_text(facts: MethodsFacts) -> str:
    """The data quality review in a few sentences, as agencies report it: what was checked,
    how many were excluded for which reason, and the final n."""
    text = (f"Alle {number(facts.checked or 0)} afgeronde responsen zijn gecontroleerd op "
            "datakwaliteit: te snel ingevuld, steeds hetzelfde antwoord bij een blok "
            "stellingen, veel vragen onbeantwoord, dubbele deelname en onzin in open "
            "antwoorden.")
    if not facts.excluded:
        return f"{text} Er is geen respons uitgesloten."
    reasons = join_and([f"{number(count)} {label}" for label, count in facts.excluded_by
                        if count])
    if sum(count for _label, count in facts.excluded_by) > facts.excluded:
        reasons += "; een respons kan om meer redenen zijn uitgesloten"
    out = ("is één respons" if facts.excluded == 1
           else f"zijn {number(facts.excluded)} responsen")
    return (f"{text} Na controle door de onderzoeker {out} uitgesloten ({reasons}). De "
            f"analyse gaat over {number(facts.n)} {facts.population}.")


def methods_chapter(
    context: BuildContext, facts: MethodsFacts, banner_vars: Sequence[str], chapter: str
) -> Chapter:
    """Return chapter ``chapter``: the account, distribution tables, response, weighting."""
    definition = context.definition
    specs = definition.distributions
    if specs is None:
        specs = tuple(DistributionSpec(name) for name in banner_vars)
    tables = [_distribution(context, spec, f"{chapter}.{i}") for i, spec in enumerate(specs, 1)]
    opening = f"Dit onderzoek is uitgevoerd onder {number(facts.n)} {facts.population}."
    if facts.organisation:
        opening = (
            f"{facts.organisation} heeft dit onderzoek uitgevoerd onder "
            f"{number(facts.n)} {facts.population}."
        )
    if tables:
        opening += " " + _largest_group(tables[0])
    account: list[Block] = [Paragraph(" ".join(p for p in (opening, period_text(facts)) if p))]
    if sources_text(facts):
        account.append(Paragraph(sources_text(facts)))
    account.extend(tables)
    sections = [Section("", "", tuple(account))]
    response = _response_paragraphs(facts)
    if response:
        sections.append(Section("", "Respons", tuple(response)))
    if facts.checked is not None:
        sections.append(Section("", "Datakwaliteit", (Paragraph(quality_text(facts)),)))
    if definition.text("panel"):
        panel = tuple(Paragraph(p) for p in paragraphs(definition.text("panel")))
        sections.append(Section("", "Panel", panel))
    weighting = facts.weighting or ("De resultaten zijn niet gewogen.",)
    sections.append(Section("", "Weging", tuple(Paragraph(line) for line in weighting)))
    alpha = f"{facts.alpha:g}".replace(".", ",")
    significance = SIGNIFICANCE_TEXT.format(population=facts.population, alpha=alpha)
    sections.append(Section("", "Significantie", (Paragraph(significance),)))
    from peiling.reports.footnotes import ROUNDING_NOTE

    sections.append(Section("", "Afronding", (Paragraph(ROUNDING_NOTE),)))
    if definition.text("about"):
        title = definition.author or "Over de onderzoekers"
        about = tuple(Paragraph(p) for p in paragraphs(definition.text("about")))
        sections.append(Section("", title, about))
    return Chapter(chapter, "Onderzoeksverantwoording", "methods", tuple(sections))


def _distribution(context: BuildContext, spec: DistributionSpec, table_number: str) -> TableBlock:
    dataset = context.dataset
    banner, banner_spec = context.banner(spec.banner) if spec.banner else (None, None)
    where = context.filter(banner_spec.filter if banner_spec else None, spec.filter)
    table = frequency_table(dataset, spec.variable, banner, filter=where, significance=False)
    label = short_question(context.label(spec.variable)) or spec.variable
    title = spec.title or f"Verdeling deelnemers naar {quoted(label)}"
    return TableBlock(
        table_number, title, False, "aantal en %", table, (), total_row=True, layout="distribution"
    )


def _largest_group(block: TableBlock) -> str:
    table = block.table
    rows = [r for r in table.rows if r.kind == "category" and r.counts]
    if not rows:
        return ""
    largest = max(rows, key=lambda r: r.counts[-1] if r.counts else 0)
    count = largest.counts[-1] if largest.counts else 0
    share = largest.rounded[-1]
    return (
        f"De grootste groep, {number(count)} deelnemers ({share}%), valt in de categorie "
        f"{quoted(largest.label)} (zie tabel {block.number})."
    )


def _response_paragraphs(facts: MethodsFacts) -> list[Paragraph]:
    paragraphs = []
    if facts.invited:
        paragraphs.append(
            Paragraph(
                f"Voor het onderzoek zijn {number(facts.invited)} "
                "panelleden persoonlijk uitgenodigd."
            )
        )
    if facts.recruited:
        members = sum(count for _source, count in facts.recruited)
        ways = join_and([f"{quoted(source)} ({number(count)})"
                         for source, count in facts.recruited])
        paragraphs.append(
            Paragraph(
                f"De {number(members)} panelleden die de vragenlijst invulden, zijn voor het "
                f"panel geworven via {ways}."
            )
        )
    if facts.response_rates:
        rates = "; ".join(f"{name} {decimal(value)}%" for name, value in facts.response_rates)
        paragraphs.append(
            Paragraph(
                f"Responspercentages volgens de AAPOR Standard Definitions: {rates}. Reacties via "
                "een open link tellen niet mee in het responspercentage."
            )
        )
    return paragraphs
