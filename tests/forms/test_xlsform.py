"""Reading XLSForms: every supported type and column, translations, and round trips.

Broken forms are in test_xlsform_errors.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from peiling.forms.model import Choice, Form, Group, Question
from peiling.forms.xlsform import read_xlsform
from peiling.forms.xlsform_writer import write_xlsform
from tests.xlsform import write_workbook

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "digitalisering-overheid.xlsx"

NL, EN = "Nederlands (nl)", "English (en)"

EVERYTHING = """
## survey
| type | name | label::Nederlands (nl) | label::English (en) | hint::Nederlands (nl) | hint::English (en) | required | required_message::Nederlands (nl) | required_message::English (en) | relevant | constraint | constraint_message::Nederlands (nl) | constraint_message::English (en) | calculation | appearance | choice_filter | parameters | default |
| note | intro | Welkom | Welcome | | | | | | | | | | | | | | |
| begin_group | profiel | Over uzelf | About you | | | | | | | | | | | field-list | | | |
| select_one org | org | Waar werkt u? | Where do you work? | Kies er een | Pick one | yes | Verplicht | Required | | | | | | minimal | | randomize=true | gemeente |
| select_one domain | domain | Domein | Domain | | | | | | | | | | | | org = ${org} | | |
| end_group | | | | | | | | | | | | | | | | | |
| calculate | org_word | | | | | | | | | | | | if(${org} = 'gemeente', 'gemeente', 'organisatie') | | | | |
| select_multiple prog | prog | Welke programma's in uw ${org_word}? | Which programmes in your ${org_word}? | | | | | | ${org} = 'gemeente' | not(selected(., 'geen') and count-selected(.) > 1) | Geen kan niet samen | None excludes others | | | | | |
| rank prog | prog_rank | Rangschik | Rank | | | | | | | | | | | | | | |
| integer | pct | Percentage | Percentage | | | ${org} = 'gemeente' | | | | . >= 0 and . <= 100 | Tussen 0 en 100 | Between 0 and 100 | | | | | |
| decimal | hours | Uren | Hours | | | | | | | . > 0 | | | | | | | 1.5 |
| range | score | Cijfer | Mark | | | | | | | | | | | | | start=1 end=10 step=1 | |
| text | why | Waarom? | Why? | | | | | | | string-length(.) <= 500 | | | | | | | |
| date | started | Sinds wanneer? | Since when? | | | | | | | . <= today() | | | | | | | |
| begin_group | stellingen | Stellingen | Statements | | | | | | ${org} = 'gemeente' | | | | | table-list | | | |
| select_one agree | st1 | Mijn gemeente is innovatief | My municipality is innovative | | | | | | | | | | | likert | | | |
| select_one agree | st2 | Budget is voldoende | Budget is sufficient | | | | | | | | | | | likert | | | |
| end_group | | | | | | | | | | | | | | | | | |
## choices
| list_name | name | label::Nederlands (nl) | label::English (en) | org |
| org | gemeente | Gemeente | Municipality | |
| org | rijk | Rijksoverheid | Central government | |
| domain | ict | ICT | IT | gemeente |
| domain | beleid | Beleid | Policy | rijk |
| prog | d2020 | Digitale Agenda 2020 | Digital Agenda 2020 | |
| prog | geen | Geen van deze | None of these | |
| agree | eens | Eens | Agree | |
| agree | oneens | Oneens | Disagree | |
| agree | weet_niet | Weet niet | Don't know | |
## settings
| form_title | form_id | version | default_language |
| Alles | alles | 2024-01 | Nederlands (nl) |
"""


@pytest.fixture
def everything(tmp_path: Path) -> Form:
    return read_xlsform(write_workbook(EVERYTHING, tmp_path / "everything.xlsx"))


def test_settings_and_languages(everything: Form) -> None:
    assert (everything.form_id, everything.title, everything.version) == (
        "alles",
        "Alles",
        "2024-01",
    )
    assert everything.default_language == NL
    assert everything.languages == (NL, EN)


def test_every_type_is_read(everything: Form) -> None:
    types = {q.name: q.type for q in everything.questions()}
    assert types == {
        "intro": "note",
        "org": "select_one",
        "domain": "select_one",
        "org_word": "calculate",
        "prog": "select_multiple",
        "prog_rank": "rank",
        "pct": "integer",
        "hours": "decimal",
        "score": "range",
        "why": "text",
        "started": "date",
        "st1": "select_one",
        "st2": "select_one",
    }


def test_every_column_is_read(everything: Form) -> None:
    org = everything.question("org")
    assert org == Question(
        name="org",
        type="select_one",
        label={NL: "Waar werkt u?", EN: "Where do you work?"},
        hint={NL: "Kies er een", EN: "Pick one"},
        required="true()",
        required_message={NL: "Verplicht", EN: "Required"},
        appearance="minimal",
        choice_list="org",
        parameters={"randomize": "true"},
        default="gemeente",
    )
    assert org.randomize and org.row == 4
    pct = everything.question("pct")
    assert pct.required == "${org} = 'gemeente'"
    assert pct.constraint == ". >= 0 and . <= 100"
    assert pct.constraint_message == {NL: "Tussen 0 en 100", EN: "Between 0 and 100"}
    assert everything.question("org_word").calculation == (
        "if(${org} = 'gemeente', 'gemeente', 'organisatie')"
    )
    assert everything.question("domain").choice_filter == "org = ${org}"
    assert everything.question("prog").relevant == "${org} = 'gemeente'"
    assert everything.question("score").parameters == {"start": "1", "end": "10", "step": "1"}
    assert everything.question("hours").default == "1.5"
    assert everything.question("st1").appearance == "likert"


def test_choices_keep_filter_columns(everything: Form) -> None:
    assert everything.choices("domain") == (
        Choice("ict", {NL: "ICT", EN: "IT"}, {"org": "gemeente"}),
        Choice("beleid", {NL: "Beleid", EN: "Policy"}, {"org": "rijk"}),
    )
    assert [c.name for c in everything.choices("prog_rank")] == ["d2020", "geen"]


def test_groups_and_pages(everything: Form) -> None:
    groups = everything.groups()
    assert [(g.name, g.appearance, g.relevant) for g in groups] == [
        ("profiel", "field-list", None),
        ("stellingen", "table-list", "${org} = 'gemeente'"),
    ]
    assert isinstance(everything.children[1], Group)
    pages = [(p.key, [q.name for q in p.questions], p.relevant) for p in everything.pages()]
    assert pages == [
        ("intro", ["intro"], ()),
        ("profiel", ["org", "domain"], ()),
        ("prog", ["prog"], ()),
        ("prog_rank", ["prog_rank"], ()),
        ("pct", ["pct"], ()),
        ("hours", ["hours"], ()),
        ("score", ["score"], ()),
        ("why", ["why"], ()),
        ("started", ["started"], ()),
        ("stellingen", ["st1", "st2"], ("${org} = 'gemeente'",)),
    ]
    assert everything.relevance("st2") == ("${org} = 'gemeente'",)


def test_untranslated_form_uses_default_language(tmp_path: Path) -> None:
    form = read_xlsform(
        write_workbook(
            """
## survey
| type | name | label |
| text | q1 | Naam |
""",
            tmp_path / "plain.xlsx",
        )
    )
    assert form.languages == ("default",)
    assert form.question("q1").label == {"default": "Naam"}
    assert form.form_id == "data" and form.title == "data"


def test_round_trip_gives_an_equal_form(everything: Form, tmp_path: Path) -> None:
    write_xlsform(everything, tmp_path / "again.xlsx")
    again = read_xlsform(tmp_path / "again.xlsx")
    assert again == everything
    assert again.content_hash() == everything.content_hash()


def test_round_trip_of_untranslated_form(tmp_path: Path) -> None:
    form = read_xlsform(
        write_workbook(
            """
## survey
| type | name | label | required |
| select_one yn | q1 | Ja of nee? | yes |
## choices
| list_name | name | label |
| yn | ja | Ja |
| yn | nee | Nee |
""",
            tmp_path / "plain.xlsx",
        )
    )
    write_xlsform(form, tmp_path / "again.xlsx")
    assert read_xlsform(tmp_path / "again.xlsx") == form


def test_example_round_trips(tmp_path: Path) -> None:
    form = read_xlsform(EXAMPLE)
    write_xlsform(form, tmp_path / "example.xlsx")
    assert read_xlsform(tmp_path / "example.xlsx") == form


def test_json_round_trip(everything: Form) -> None:
    assert Form.from_json(everything.to_json()) == everything
    assert Form.from_dict(everything.to_dict()).content_hash() == everything.content_hash()


def test_reading_bytes_equals_reading_the_path(tmp_path: Path) -> None:
    path = write_workbook(EVERYTHING, tmp_path / "x.xlsx")
    assert read_xlsform(path.read_bytes()) == read_xlsform(path)


def test_named_end_group_rows_do_not_hide_the_group(tmp_path: Path) -> None:
    form = read_xlsform(write_workbook("""
## survey
| type | name | label | appearance |
| begin_group | grid | Stellingen | table-list |
| select_one agree | st1 | Een | |
| select_one agree | st2 | Twee | |
| end_group | grid | | |
## choices
| list_name | name | label |
| agree | eens | Eens |
""", tmp_path / "grid.xlsx"))
    assert form.groups()[0].appearance == "table-list" and form.groups()[0].row == 2
    assert form.groups()[0].label == {"default": "Stellingen"}
    assert [(p.key, len(p.questions)) for p in form.pages()] == [("grid", 2)]


def test_example_has_the_pages_of_the_report() -> None:
    form = read_xlsform(EXAMPLE)
    grids = {p.key: [q.name for q in p.questions] for p in form.pages() if p.group}
    assert grids["grid_skills"][:2] == ["st_skills", "st_knowledge"] and len(grids["grid_skills"]) == 8
    assert form.choices("org_type")[0].name == "gemeente"
    assert len(form.choices("org_type")) == 8
    assert form.relevance("st_skills") == ("${org_type} = 'gemeente'",)
