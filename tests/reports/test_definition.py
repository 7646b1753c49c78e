"""Report definitions: reading, checking against the questionnaire, messages with places."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from peiling.reports.definition import (
    DefinitionError,
    check_definition,
    default_sections,
    load_definition,
    parse_definition,
)
from tests.reports.conftest import DEFINITION


def problems(text: str, form=None) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        definition = parse_definition(text, source="rapport.yaml")
        check_definition(definition, form)
    return [str(p) for p in caught.value.problems]


def test_the_example_definition_reads_and_fits_the_example(definition) -> None:
    assert definition.title == "Hoe beoordelen ambtenaren de digitalisering bij de overheid?"
    assert definition.banner == "organisatie"
    assert [s.title for s in definition.sections][:2] == [
        "Wenselijkheid digitalisering",
        "Tevredenheid over voortgang digitalisering",
    ]
    organisatie = definition.banner_named(None)
    assert organisatie.total == "Totaal (incl. overige org.)"
    assert organisatie.columns[0] == "Gemeenten=${org_type} = 'gemeente'"
    net = definition.sections[1].items[0].nets[0]
    assert (net.label, net.categories) == (
        "Tamelijk tot zeer tevreden",
        ("zeer_tevreden", "tamelijk_tevreden"),
    )


def test_unknown_question_names_the_place_and_a_suggestion(form) -> None:
    text = "sections:\n  - title: Tevredenheid\n    items:\n      - question: satisfacton\n"
    assert problems(text, form) == [
        "rapport.yaml:4:19: sections[0].items[0].question: unknown question 'satisfacton'; "
        "did you mean 'satisfaction'?"
    ]


def test_unknown_keys_are_named_with_a_suggestion() -> None:
    assert problems("titel: Rapport\n") == [
        "rapport.yaml:1:1: titel: unknown key 'titel'; did you mean 'title'?"
    ]


def test_yaml_syntax_errors_say_where() -> None:
    assert problems("title: [Rapport\nbanner: x\n") == [
        "rapport.yaml:2:7: not valid YAML or JSON: expected ',' or ']', but got ':'"
    ]


def test_every_problem_is_collected_before_raising(form) -> None:
    text = """
alpha: 2
banner: nergens
sections:
  - title: Tevredenheid
    items:
      - question: satisfaction
        chart: taart
        nets: [{label: Tevreden, categories: [zeer_tevreden, heel_tevreden]}]
      - statements: [st_skills, satisfaction]
      - question: desirability
        filter: "${org_type} = = 'gemeente'"
"""
    found = problems(text, form)
    assert found == [
        "rapport.yaml:2:8: alpha: expected a number between 0 and 1, got 2",
        "rapport.yaml:8:16: sections[0].items[0].chart: expected one of none, bars, stacked, "
        "histogram, got 'taart'",
    ]
    # Shape problems stop before the questionnaire is consulted; fix them and check again.
    text = text.replace("alpha: 2\n", "").replace("chart: taart", "chart: bars")
    found = problems(text, form)
    assert found[0] == (
        "rapport.yaml:2:9: banner: no banner named 'nergens'; define it under banners "
        "(defined: none)"
    )
    assert found[1] == (
        "rapport.yaml:8:62: sections[0].items[0].nets[0].categories[1]: 'satisfaction' has no "
        "choice 'heel_tevreden'; did you mean 'zeer_tevreden'?"
    )
    assert found[2] == (
        "rapport.yaml:9:21: sections[0].items[1].statements: the statements of a grid must "
        "share one choice list (got agree, satisfaction)"
    )
    assert found[3].startswith("rapport.yaml:11:17: sections[0].items[2].filter: expression ")
    assert len(found) == 4


def test_banner_expressions_are_checked_against_the_form(form) -> None:
    text = "banners:\n  org:\n    columns: [\"ICT=${itc} = 1\", orgtype]\nbanner: org\n"
    assert problems(text, form) == [
        "rapport.yaml:3:15: banners.org.columns[0]: unknown question 'itc'; did you mean 'ict'?",
        "rapport.yaml:3:33: banners.org.columns[1]: unknown question 'orgtype'; did you mean "
        "'org_type'?",
    ]


def test_an_item_needs_exactly_one_kind() -> None:
    text = "sections:\n  - title: A\n    items:\n      - {question: a, quotes: b}\n"
    assert problems(text) == [
        "rapport.yaml:4:9: sections[0].items[0]: an item needs exactly one of question, "
        "statements, quotes, text (got question, quotes)"
    ]


def test_json_definitions_work_with_places_too(tmp_path: Path, form) -> None:
    path = tmp_path / "rapport.json"
    path.write_text(json.dumps({"title": "R", "questions": ["satisfaction", "nope"]}))
    definition = load_definition(path)
    with pytest.raises(DefinitionError) as caught:
        check_definition(definition, form)
    assert str(caught.value) == f"{path}:1:46: questions[1]: unknown question 'nope'"


def test_a_missing_file_is_one_problem(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match=r"nergens\.yaml: no such file$"):
        load_definition(tmp_path / "nergens.yaml")


def test_the_message_counts_further_problems() -> None:
    with pytest.raises(DefinitionError) as caught:
        parse_definition("titel: a\nbaner: b\n", source="r.yaml")
    assert str(caught.value) == (
        "r.yaml:1:1: titel: unknown key 'titel'; did you mean 'title'? (and 1 more problem)"
    )


def test_default_sections_follow_the_questionnaire_groups(form) -> None:
    sections = default_sections(form, skip=("org_type", "domain", "function"))
    assert [s.title for s in sections] == [
        "Wenselijkheid digitalisering",
        "Tevredenheid",
        "Digitale volwassenheid",
        "Kennis en vaardigheden",
        "Programma Digitaal 2017",
        "Stimulansen en belemmeringen",
        "Volledig digitale overheid",
        "Programma's voor digitalisering",
    ]
    grid = sections[3].items[0]
    assert (grid.kind, grid.chart, grid.questions[:2]) == (
        "statements",
        "stacked",
        ("st_skills", "st_knowledge"),
    )


def test_example_file_is_the_one_checked(definition) -> None:
    assert definition.source == str(DEFINITION)


def test_edited_findings_are_read_with_their_numbers_and_bad_keys_are_refused() -> None:
    from peiling.forms.model import Choice, Form, Question

    form = Form("f", "F", children=(Question("wens", "select_one", {"default": "Wens?"},
                                        choice_list="yn"),),
                choice_lists={"yn": (Choice("ja", {"default": "Ja"}),)})
    definition = parse_definition(
        'findings:\n  "wens|ja": {text: "Bijna iedereen (96%) wil het.", numbers: [96]}\n'
        '  "wens|ja|org:rijk": "Rijksambtenaren minder (80%)."\n')
    assert [(e.key, e.text, e.numbers) for e in definition.findings] == [
        ("wens|ja", "Bijna iedereen (96%) wil het.", (96,)),
        ("wens|ja|org:rijk", "Rijksambtenaren minder (80%).", None)]
    check_definition(definition, form)  # a gone question is the build's flag, not an error
    bad = parse_definition('findings:\n  "wens": "Zonder antwoord."\n',
                           source="r.yaml")
    with pytest.raises(DefinitionError) as raised:
        check_definition(bad, form)
    assert "'wens' is not a finding's key" in str(raised.value.problems[0])
    with pytest.raises(DefinitionError, match="needs a text"):
        parse_definition('findings:\n  "wens|ja": ""\n')
