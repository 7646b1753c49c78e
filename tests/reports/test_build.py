"""Building the report: chapters, numbering, every table against the analysis engine, the
footnotes, the methods facts, the quotes. Pure; no Django, no files."""

from __future__ import annotations

import pytest

from peiling.analysis import Dataset, Net, NetScore, frequency_table, grid_table, make_banner
from peiling.reports.build import ROUNDING_NOTE, build_report, shown_columns
from peiling.reports.definition import ReportDefinition
from peiling.reports.model import MethodsFacts, QuoteBlock, Report, SourceCount
from peiling.reports.simulated import REFERENCE_QUOTES

ORG = [
    "Gemeenten=${org_type} = 'gemeente'",
    "Rijksoverheid=${org_type} = 'rijk'",
    "Provincie / waterschap=${org_type} = 'provincie_waterschap'",
    "Uitvoeringsorganisaties=${org_type} = 'uitvoering'",
]


def test_chapters_follow_the_reference_report(report: Report) -> None:
    assert [c.heading for c in report.chapters] == [
        "1. Belangrijkste uitkomsten",
        "2. Inleiding",
        "3. Resultaten",
        "4. Onderzoeksverantwoording",
    ]
    results = report.chapters[2]
    assert [s.heading for s in results.sections][:3] == [
        "3.1 Wenselijkheid digitalisering",
        "3.2 Tevredenheid over voortgang digitalisering",
        "3.3 Digitale volwassenheid",
    ]
    assert [s.heading for s in report.chapters[1].sections] == [
        "2.1 Aanleiding voor het onderzoek",
        "2.2 Onderzoeksvragen",
        "2.3 Verantwoording",
    ]


def test_tables_and_figures_are_numbered_per_chapter(default_report: Report) -> None:
    by_chapter: dict[str, list[int]] = {}
    for block in default_report.tables():
        chapter, number = block.number.split(".")
        by_chapter.setdefault(chapter, []).append(int(number))
    assert set(by_chapter) == {"3", "4", "5"}
    for numbers in by_chapter.values():
        assert numbers == list(range(1, len(numbers) + 1))
    figures = [int(f.number.split(".")[1]) for f in default_report.figures()]
    assert figures == list(range(1, len(figures) + 1))
    # The demo report of the benchmark: about 40 tables and 15 figures.
    assert (len(default_report.tables()), len(default_report.figures())) == (42, 11)


def test_tabel_3_1_is_the_engines_table(report: Report, dataset: Dataset) -> None:
    block = report.tables()[0]
    assert (block.label, block.title, block.breakdown) == (
        "Tabel 3.1",
        "Hoe wenselijk of onwenselijk is het wat u betreft dat alle overheidsdiensten ook "
        "online worden aangeboden?",
        "% naar type organisatie",
    )
    banner = make_banner(dataset, ORG, total_label="Totaal (incl. overige org.)")
    expected = frequency_table(dataset, "desirability", banner)
    assert block.table.to_dict() == expected.to_dict()
    assert [c.label for c in block.table.columns] == [
        "Gemeenten", "Rijksoverheid", "Provincie / waterschap", "Uitvoeringsorganisaties",
        "Totaal (incl. overige org.)",
    ]  # fmt: skip
    assert block.total_row


def test_tabel_3_2_has_the_nets_the_ict_columns_and_per_saldo(report, dataset) -> None:
    block = report.tables()[1]
    assert [r.label for r in block.table.rows] == [
        "Tamelijk tot zeer tevreden",
        "Niet tevreden-ontevreden",
        "Tamelijk tot zeer ontevreden",
        "Weet niet / n.v.t.",
        "Per saldo (tevreden min ontevreden)",
    ]
    assert [c.label for c in block.table.columns][-3:] == ["ICT totaal", "ICT gemeenten", "Totaal"]
    positive, negative = ("zeer_tevreden", "tamelijk_tevreden"), (
        "tamelijk_ontevreden", "zeer_ontevreden")  # fmt: skip
    banner = make_banner(dataset, [*ORG, "ICT totaal=${ict} = 1",
                                   "ICT gemeenten=${ict} = 1 and ${org_type} = 'gemeente'"])
    expected = frequency_table(
        dataset, "satisfaction", banner, show_categories=False,
        nets=[Net("Tamelijk tot zeer tevreden", positive), Net("Niet tevreden-ontevreden", ("neutraal",)),
              Net("Tamelijk tot zeer ontevreden", negative), Net("Weet niet / n.v.t.", ("weet_niet",))],
        net_scores=[NetScore(Net("+", positive), Net("-", negative), "Per saldo (tevreden min ontevreden)")],
    )  # fmt: skip
    assert [r.values for r in block.table.rows] == [r.values for r in expected.rows]
    saldo = block.table.rows[-1]
    first = block.table.rows[0].values[-1] - block.table.rows[2].values[-1]
    assert saldo.values[-1] == pytest.approx(first, abs=1e-9)


def test_tabel_3_4_compares_ict_with_the_other_gemeenteambtenaren(report, dataset) -> None:
    block = next(b for b in report.tables() if b.table.kind == "grid")
    assert block.label == "Tabel 3.4"
    assert [c.label for c in block.table.columns] == ["ICT", "Overig", "Totaal"]
    banner = make_banner(dataset, ["ICT=${ict} = 1", "Overig=${ict} = 0"])
    names = ["st_skills", "st_knowledge", "st_contracts", "st_innovative", "st_political",
             "st_staff", "st_support", "st_pace"]  # fmt: skip
    expected = grid_table(dataset, names, ["helemaal_eens", "eens"], banner,
                          filter="${org_type} = 'gemeente'")  # fmt: skip
    assert [r.values for r in block.table.rows] == [r.values for r in expected.rows]
    assert block.table.columns[-1].base == int((dataset.codes("org_type") == 0).sum())
    assert block.footnotes[0] == "Alleen gevraagd aan gemeenteambtenaren (n = 579 van 1.415)."
    assert block.footnotes[1] == (
        "* Een onderstreept percentage is significant lager dan de andere groep (α=0,05)."
    )


def test_only_the_columns_someone_is_in_are_shown(dataset: Dataset) -> None:
    banner = make_banner(dataset, ["org_type"])
    table = grid_table(dataset, ["st_skills"], ["eens"], banner)
    shown = shown_columns(table)
    assert [c.key for c in shown.columns] == ["total"]
    assert shown.rows[0].values == (table.rows[0].values[-1],)


def test_the_rounding_note_appears_where_rounding_shows(default_report: Report) -> None:
    for block in default_report.tables():
        if block.table.kind != "frequency" or block.layout != "percent":
            continue
        sums = {
            sum(r.rounded[j] for r in block.table.rows if r.kind in ("category", "dont_know"))
            for j, c in enumerate(block.table.columns) if c.base
        }  # fmt: skip
        assert (ROUNDING_NOTE in block.footnotes) == (sums != {100}), block.label


def test_methods_chapter_states_the_facts(report: Report) -> None:
    methods = report.chapters[3]
    text = " ".join(b.text for s in methods.sections for b in s.blocks if hasattr(b, "text"))
    assert "I&O Research heeft dit onderzoek uitgevoerd onder 1.415 ambtenaren." in text
    assert "Het onderzoek liep van dinsdag 27 februari tot en met donderdag 8 maart 2018." in text
    panel = next(s for s in report.facts.sources if s.key == "panel")
    share = round(100 * panel.count / 1415)
    assert (f"Het grootste deel van de respons ({share}%) is afkomstig via het I&O Research "
            f"Panel (n = {panel.count:,}).".replace(",", ".")) in text  # fmt: skip
    assert ROUNDING_NOTE in text
    assert "tweezijdige z-toets voor twee proporties (α = 0,05)" in text
    assert [s.title for s in methods.sections] == [
        "", "Panel", "Weging", "Significantie", "Afronding"]  # fmt: skip
    tables = [b for s in methods.sections for b in s.blocks if hasattr(b, "layout")]
    assert [(t.label, t.title, t.layout) for t in tables] == [
        ("Tabel 4.1", "Verdeling deelnemers naar type organisatie", "distribution"),
        ("Tabel 4.2", "Functie van ambtenaren in ICT-domein", "distribution"),
    ]
    counts = [r.counts[-1] for r in tables[0].table.rows]
    assert sum(counts) == 1415


def test_quotes_are_grouped_under_themes(report: Report) -> None:
    quotes = [b for _, _, b in report.blocks() if isinstance(b, QuoteBlock)]
    assert [q.title for q in quotes] == ["", "Oorzaken niet voldoen aan belofte"]
    causes = quotes[1]
    assert [t.theme for t in causes.themes][:2] == ["Outsourcing / Contracten ICT-aanbieders",
                                                   "Wetgeving"]  # fmt: skip
    assert causes.themes[1].quotes == REFERENCE_QUOTES["promise_causes"][1:3]
    assert causes.intro.startswith("Enkele citaten als antwoord op de vraag ‘Wat zijn er")


def test_a_quote_that_nobody_gave_is_left_out_and_reported(form, dataset) -> None:
    from peiling.reports.definition import parse_definition

    definition = parse_definition(
        "sections:\n  - title: Citaten\n    items:\n      - quotes: promise_causes\n"
        "        themes: [{theme: T, quotes: ['Dit zei niemand.', 'Privacywetgeving knelt enorm.']}]\n"
    )
    report = build_report(form, dataset, definition, MethodsFacts(n=dataset.n))
    (block,) = [b for _, _, b in report.blocks() if isinstance(b, QuoteBlock)]
    assert block.themes[0].quotes == ("Privacywetgeving knelt enorm.",)
    assert report.problems == (
        "sections[0].items[0]: the quote “Dit zei niemand.” is not an answer to "
        "“promise_causes”; left out",
    )


def test_the_short_account_opens_the_report(default_report: Report) -> None:
    account = default_report.chapters[0].sections[-1]
    assert account.title == "Verantwoording"
    assert account.blocks[0].text == (
        "Aan het onderzoek werkten 1.415 ambtenaren mee. Het onderzoek liep van dinsdag 27 "
        "februari tot en met donderdag 8 maart 2018. Het grootste deel van de respons (77%) is "
        "afkomstig via het panel (n = 1.093). Daarnaast vulden 322 ambtenaren (23%) via de "
        "open link de vragenlijst in."
    )


def test_a_weighted_report_says_so(form, dataset) -> None:
    import numpy as np

    from peiling.analysis import Variable
    from peiling.reports.facts import weighted

    weights = np.where(dataset.codes("org_type") == 0, 0.8, 1.2)
    data = Dataset(
        [*dataset.variables.values(), Variable("w", "numeric")],
        {**{n: _column(dataset, n) for n in ("org_type", "desirability")}, "w": weights},
    )
    definition = ReportDefinition(weight="w", questions=("desirability",)).with_banner(["org_type"])
    data, facts = weighted(data, definition, MethodsFacts(n=data.n))
    assert facts.weighting[1].startswith("De efficiëntie van de weging is ")
    report = build_report(form, data, definition, facts)
    assert "Gewogen percentages; n is het ongewogen aantal respondenten." in report.tables()[0].footnotes


def _column(dataset: Dataset, name: str):
    return dataset.codes(name)


def test_sources_are_counted_from_the_data(report: Report) -> None:
    counts = {s.key: s for s in report.facts.sources}
    assert set(counts) == {"panel", "nieuwsbrief"}
    assert counts["panel"].count + counts["nieuwsbrief"].count == 1415
    assert counts["panel"].label == "het I&O Research Panel"


def test_reports_of_the_same_data_are_equal(form, dataset) -> None:
    definition = ReportDefinition(questions=("desirability", "programmes")).with_banner(["org_type"])
    facts = MethodsFacts(n=dataset.n, sources=(SourceCount("panel", "het panel", dataset.n),))
    first = build_report(form, dataset, definition, facts)
    second = build_report(form, dataset, definition, facts)
    assert [b.table.to_dict() for b in first.tables()] == [b.table.to_dict() for b in second.tables()]
    assert first.findings() == second.findings()


def test_the_methods_chapter_says_how_the_panel_members_were_recruited(form, dataset) -> None:
    facts = MethodsFacts(n=dataset.n, recruited=(("nieuwsbrief", 412), ("aanmeldpagina", 12)))
    report = build_report(form, dataset, ReportDefinition(), facts)
    text = " ".join(b.text for _, _, b in report.blocks() if hasattr(b, "text"))
    assert ("De 424 panelleden die de vragenlijst invulden, zijn voor het panel geworven via "
            "‘nieuwsbrief’ (412) en ‘aanmeldpagina’ (12).") in text
    without = build_report(form, dataset, ReportDefinition(), MethodsFacts(n=dataset.n))
    assert "geworven via" not in " ".join(
        b.text for _, _, b in without.blocks() if hasattr(b, "text"))
