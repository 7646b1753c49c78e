"""Edits of the key findings and picked quotes, written into the definition's YAML: the rest of
the researcher's text stays as it was, and the result reads back as the definition meant."""

from __future__ import annotations

from pathlib import Path

from peiling.forms.model import Form
from peiling.reports.build import results_sections
from peiling.reports.definition import ReportDefinition, parse_definition
from peiling.reports.services import outline, with_finding, with_outline, with_quotes, with_settings

TEXT = """# Our report
title: Digitalisering  # the client's title
findings:
  "old|ja": {text: Oud., numbers: [1]}

# the banner of every table
banner: org
banners:
  org: [org_type]
"""


def test_an_edited_finding_is_written_and_the_rest_of_the_text_kept() -> None:
    text = with_finding(TEXT, "wens|wenselijk", "Driekwart wil alles online (74%).", [74])
    assert "# Our report\ntitle: Digitalisering  # the client's title\n" in text
    assert "# the banner of every table\nbanner: org\n" in text
    definition = parse_definition(text)
    assert [(e.key, e.text, e.numbers) for e in definition.findings] == [
        ("old|ja", "Oud.", (1,)), ("wens|wenselijk", "Driekwart wil alles online (74%).", (74,))]
    assert definition.banner == "org" and definition.title == "Digitalisering"


def test_going_back_to_the_draft_drops_the_edit_and_an_empty_list() -> None:
    text = with_finding(TEXT, "old|ja", None)
    assert "findings" not in text and parse_definition(text).findings == ()
    assert "# the banner of every table" in text


def test_an_empty_or_json_definition_gets_its_edit_too() -> None:
    assert parse_definition(with_finding("", "a|b", "Tekst (5%).", [5])).findings[0].numbers == (5,)
    text = with_finding('{"title": "T"}', "a|b", "Tekst.", [])
    assert text.lstrip().startswith("{") and parse_definition(text).title == "T"


def test_picked_quotes_of_a_default_report_write_out_its_sections_first(form: Form) -> None:
    before = results_sections(form, ReportDefinition())
    text = with_quotes("", form, "desirability_why", "Aansluiten bij inwoners",
                       ["Burgers willen dit.", "Scheelt tijd."])
    after = parse_definition(text)
    assert [s.title for s in after.sections] == [s.title for s in before]
    [item] = [i for s in after.sections for i in s.items if i.kind == "quotes"]
    assert item.questions == ("desirability_why",)
    assert [(t.theme, t.quotes) for t in item.themes] == [
        ("Aansluiten bij inwoners", ("Burgers willen dit.", "Scheelt tijd."))]
    # its section is the question's group
    section = next(s for s in after.sections if item in s.items)
    assert section.title == "Wenselijkheid digitalisering"


def test_more_quotes_join_their_theme_once_and_a_new_theme_is_added(form: Form) -> None:
    text = with_quotes("", form, "desirability_why", "Tijd", ["Scheelt tijd."])
    text = with_quotes(text, form, "desirability_why", "Tijd", ["Scheelt tijd.", "Sneller."])
    text = with_quotes(text, form, "desirability_why", "Kosten", ["Goedkoper."])
    [item] = [i for s in parse_definition(text).sections for i in s.items if i.kind == "quotes"]
    assert [(t.theme, t.quotes) for t in item.themes] == [
        ("Tijd", ("Scheelt tijd.", "Sneller.")), ("Kosten", ("Goedkoper.",))]


EXAMPLE_TEXT = (Path(__file__).resolve().parents[2] / "examples" / "rapport.yaml").read_text(
    encoding="utf-8")


def test_settings_set_and_drop_top_level_keys_and_merge_the_texts() -> None:
    text = with_settings(EXAMPLE_TEXT, {"title": "Nieuw", "client": None, "draft": False,
                                        "texts": {"summary": "Kort.", "introduction": ""}})
    definition = parse_definition(text)
    assert (definition.title, definition.client, definition.draft) == ("Nieuw", "", False)
    assert definition.text("summary") == "Kort." and definition.text("introduction") == ""
    assert definition.text("panel")  # a text the form does not show stays
    assert definition.sections == parse_definition(EXAMPLE_TEXT).sections
    assert "# The columns of the reference report's tables" in text  # comments stay


def test_the_outline_moves_removes_and_adds_tables_and_keeps_their_options(form: Form) -> None:
    before = parse_definition(EXAMPLE_TEXT)
    chapters = outline(form, before)
    assert chapters[0][0] == before.sections[0].title
    first, second = chapters[0], chapters[1]
    # the first chapter's tables go to the second; a new chapter gets the desirability table
    moved = [(first[0], []), (second[0], second[1] + first[1]),
             ("Nieuw hoofdstuk", ["question:desirability"]), *chapters[2:]]
    after = parse_definition(with_outline(EXAMPLE_TEXT, form, moved))
    titles = [s.title for s in after.sections]
    assert titles[:3] == [first[0], second[0], "Nieuw hoofdstuk"]
    old = {i.questions: i for s in before.sections for i in s.items}
    new = {i.questions: i for s in after.sections for i in s.items}
    for item in after.sections[1].items:
        if item.questions in old and item.kind != "text":
            assert item.nets == old[item.questions].nets  # options kept
            assert item.chart == old[item.questions].chart
    assert new[("desirability",)].kind == "question"
    # texts and quotes of the first chapter stay in it
    kept = [i.kind for i in after.sections[0].items]
    assert kept == [i.kind for i in before.sections[0].items if i.kind in ("text", "quotes")]


def test_a_default_report_s_outline_is_written_out_when_changed(form: Form) -> None:
    chapters = outline(form, ReportDefinition())
    assert chapters and all(tables for _, tables in chapters)
    text = with_outline("", form, chapters[::-1])
    assert [s.title for s in parse_definition(text).sections] == [t for t, _ in chapters[::-1]]
