"""XLSForms as they circulate (ODK, Ona, KoboToolbox): spellings pyxform accepts, .xls files,
older language columns, columns and types peiling ignores, or_other, and features it refuses.

Each case builds its workbook here and compares with the same form written the way peiling's
own examples write it: a form pyxform converts either works, or is refused by feature.
"""

from __future__ import annotations

import pytest

from peiling.forms.model import Question, language_code
from peiling.forms.xlsform import check_xlsform, read_xlsform
from tests.xlsform import write_workbook, write_xls

PLAIN = """
## survey
| type | name | label | hint | relevant | constraint | constraint_message | required |
| select_one yn | werk | Werkt u? | Kies een | | | | yes |
| select_multiple taak | taken | Welke taken? | | ${werk} = 'ja' | | | |
| integer | uren | Uren? | | ${werk} = 'ja' | . < 80 | Te veel | |
## choices
| list_name | name | label |
| yn | ja | Ja |
| yn | nee | Nee |
| taak | a | Beleid |
| taak | b | Uitvoering |
## settings
| form_title | form_id |
| Werk | werk |
"""

SPELLINGS = {
    "list name with a space, mixed-case headers": """
## survey
| Type | Name | Label | Hint | Relevant | Constraint | Constraint_Message | Required |
| select_one yn | werk | Werkt u? | Kies een | | | | yes |
| select_multiple taak | taken | Welke taken? | | ${werk} = 'ja' | | | |
| integer | uren | Uren? | | ${werk} = 'ja' | . < 80 | Te veel | |
## choices
| list name | Name | Label |
| yn | ja | Ja |
| yn | nee | Nee |
| taak | a | Beleid |
| taak | b | Uitvoering |
## settings
| form_title | form_id |
| Werk | werk |
""",
    "pyxform's type and column aliases": """
## survey
| type | name | caption | hint | bind:relevant | bind:constraint | bind:jr:constraintMsg | bind:required |
| select one yn | werk | Werkt u? | Kies een | | | | yes |
| select all that apply taak | taken | Welke taken? | | ${werk} = 'ja' | | | |
| int | uren | Uren? | | ${werk} = 'ja' | . < 80 | Te veel | |
## choices
| List_Name | value | label |
| yn | ja | Ja |
| yn | nee | Nee |
| taak | a | Beleid |
| taak | b | Uitvoering |
## settings
| title | id_string |
| Werk | werk |
""",
    "double-colon bind columns and 'relevance'": """
## survey
| type | name | label | hint | relevance | bind::constraint | constraint_message | bind::required |
| select_one yn | werk | Werkt u? | Kies een | | | | yes |
| select_multiple taak | taken | Welke taken? | | ${werk} = 'ja' | | | |
| integer | uren | Uren? | | ${werk} = 'ja' | . < 80 | Te veel | |
## choices
| list_name | name | label |
| yn | ja | Ja |
| yn | nee | Nee |
| taak | a | Beleid |
| taak | b | Uitvoering |
## settings
| set_form_title | set_form_id |
| Werk | werk |
""",
}


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    return read_xlsform(write_workbook(PLAIN, tmp_path_factory.mktemp("p") / "plain.xlsx"))


@pytest.mark.parametrize("markdown", SPELLINGS.values(), ids=SPELLINGS.keys())
def test_spellings_pyxform_accepts_give_the_same_form(markdown, plain, tmp_path) -> None:
    checked = check_xlsform(write_workbook(markdown, tmp_path / "form.xlsx"))
    assert checked.problems == () and checked.warnings == ()
    assert checked.form == plain


def test_an_xls_workbook_reads_as_its_xlsx_twin(plain, tmp_path) -> None:
    path = write_xls(PLAIN, tmp_path / "form.xls")
    assert path.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
    assert read_xlsform(path) == plain
    assert read_xlsform(path.read_bytes()) == plain


def test_a_broken_xls_is_one_readable_line(tmp_path) -> None:
    data = write_xls(PLAIN, tmp_path / "form.xls").read_bytes()
    checked = check_xlsform(data[:1500])
    assert checked.form is None and len(checked.problems) == 1
    assert str(checked.problems[0]).startswith("the Excel 97-2003 workbook (.xls) cannot be read")


def test_an_xls_with_problems_reports_them_by_row(tmp_path) -> None:
    path = write_xls(PLAIN.replace("| integer | uren |", "| geopoint | uren |"), tmp_path / "f.xls")
    checked = check_xlsform(path)
    assert [(p.sheet, p.row, p.code) for p in checked.problems] == [
        ("survey", 4, "unsupported_type")]


def test_single_colon_language_columns_and_names_without_codes(tmp_path) -> None:
    form = read_xlsform(write_workbook("""
## survey
| type | name | label:English | label:Nederlands | hint:english | constraint | constraint_message:English |
| integer | uren | Hours? | Uren? | Per week | . < 80 | Too many |
## settings
| form_title | form_id | default_language |
| Werk | werk | Nederlands |
""", tmp_path / "form.xlsx"))
    question = form.question("uren")
    assert form.languages == ("Nederlands", "English")
    assert dict(question.label) == {"English": "Hours?", "Nederlands": "Uren?"}
    assert dict(question.hint) == {"English": "Per week"}
    assert dict(question.constraint_message) == {"English": "Too many"}
    assert [language_code(name) for name in form.languages] == ["nl", "en"]
    assert form.language("en") == "English" and form.language("nl") == "Nederlands"


def test_columns_and_settings_peiling_does_not_use_are_warnings(tmp_path) -> None:
    checked = check_xlsform(write_workbook("""
## survey
| type | name | label | rows | repeat_count | read_only | instance::geometry | style | guidance_hint |
| text | opmerking | Opmerking? | 3 | 2 | no | x | y | z |
## settings
| form_title | form_id | xml_root | allow_choice_duplicates | instance_name | style | public_key |
| Werk | werk | data | yes | naam | pages | MIIB |
""", tmp_path / "form.xlsx"))
    assert checked.problems == () and checked.form is not None
    assert [(w.sheet, w.column, w.code) for w in checked.warnings] == [
        ("survey", column, "ignored_column") for column in (
            "rows", "repeat_count", "read_only", "instance::geometry", "style", "guidance_hint")
    ] + [("settings", column, "ignored_setting") for column in (
        "xml_root", "allow_choice_duplicates", "instance_name", "style", "public_key")]
    assert str(checked.warnings[0]) == (
        "survey!1 (rows): column 'rows' is ignored: peiling does not use it")


def test_metadata_start_end_today_are_recorded_the_rest_ignored(tmp_path) -> None:
    checked = check_xlsform(write_workbook("""
## survey
| type | name | label |
| start | begin | |
| end | einde | |
| today | dag | |
| deviceid | toestel | |
| username | gebruiker | |
| audit | audit | |
| start-geopoint | plek | |
| text | opmerking | Opmerking? |
""", tmp_path / "form.xlsx"))
    assert checked.problems == ()
    form = checked.form
    assert dict(form.metadata) == {"begin": "start", "einde": "end", "dag": "today"}
    assert [q.name for q in form.questions()] == ["opmerking"]
    assert [(w.row, w.code) for w in checked.warnings] == [
        (5, "ignored_metadata"), (6, "ignored_metadata"), (7, "ignored_metadata"),
        (8, "ignored_metadata")]
    assert str(checked.warnings[0]) == (
        "survey!5 (type): type 'deviceid' is ignored: peiling does not record it (it records "
        "when each response starts and ends)")


def test_sheets_no_question_needs_are_warnings(tmp_path) -> None:
    checked = check_xlsform(write_workbook("""
## survey
| type | name | label |
| text | naam | Naam? |
## external_choices
| list_name | name | label |
| gem | a | A |
## entities
| list_name | label |
| huishoudens | ${naam} |
""", tmp_path / "form.xlsx"))
    assert checked.problems == ()
    assert [w.code for w in checked.warnings] == ["ignored_sheet", "ignored_sheet"]


OR_OTHER = """
## survey
| type | name | label::Nederlands (nl) | label::English (en) |
| select_one org or_other | org | Waar werkt u? | Where do you work? |
| select_multiple taak or_other | taken | Taken? | Tasks? |
## choices
| list_name | name | label::Nederlands (nl) | label::English (en) |
| org | gemeente | Gemeente | Municipality |
| org | rijk | Rijk | Central government |
| taak | a | Beleid | Policy |
## settings
| form_title | form_id |
| Werk | werk |
"""


def test_or_other_adds_the_choice_and_the_text_question(tmp_path) -> None:
    checked = check_xlsform(write_workbook(OR_OTHER, tmp_path / "form.xlsx"))
    assert checked.problems == ()
    form = checked.form
    assert [q.name for q in form.questions()] == ["org", "org_other", "taken", "taken_other"]
    other = form.choices("org")[-1]
    assert (other.name, dict(other.label)) == (
        "other", {"Nederlands (nl)": "Anders", "English (en)": "Other"})
    text = form.question("org_other")
    assert text == Question(
        name="org_other", type="text", relevant="selected(${org}, 'other')",
        label={"Nederlands (nl)": "Anders, namelijk:", "English (en)": "Other, namely:"})
    assert form.question("taken_other").relevant == "selected(${taken}, 'other')"


@pytest.mark.parametrize("spelling", ["or other", "or specify other", "or_other"])
def test_every_spelling_of_or_other_pyxform_accepts(spelling, tmp_path) -> None:
    form = read_xlsform(write_workbook(OR_OTHER.replace("org or_other", f"org {spelling}"),
                                       tmp_path / "form.xlsx"))
    assert form.question("org_other").relevant == "selected(${org}, 'other')"


def test_or_other_names_must_stay_unique(tmp_path) -> None:
    checked = check_xlsform(write_workbook(OR_OTHER.replace(
        "| select_multiple taak or_other | taken |", "| text | org_other |"), tmp_path / "f.xlsx"))
    assert [str(p) for p in checked.problems] == [
        "survey!3 (name): 'org_other' is already used on row 2; names must be unique in the "
        "form — rename one"]


UNSUPPORTED = """
## survey
| type | name | label | calculation | image |
| begin_repeat | kinderen | Kinderen | | |
| text | kind | Naam | | |
| end_repeat | | | | |
| begin loop over lijst | lus | Lus | | |
| end loop | | | | |
| image | foto | Foto | | |
| geopoint | plek | Waar? | | |
| select_one_from_file gemeenten.csv | gemeente | Gemeente? | | |
| select_one_external gem | extern | Extern? | | |
| calculate | prijs | | pulldata('prijzen', 'prijs', 'id', ${kind}) | |
| note | n | Kijk | | plaatje.png |
| integer | uren | Uren? | | |
| integer | uren | Nog eens? | | |
"""


def test_every_unsupported_feature_is_named_and_the_rest_still_checked(tmp_path) -> None:
    checked = check_xlsform(write_workbook(UNSUPPORTED, tmp_path / "form.xlsx"))
    assert checked.form is None
    assert [str(p) for p in checked.problems] == [
        "survey!1 (image): media column 'image' is not supported by peiling; remove the column",
        "survey!14 (name): 'uren' is already used on row 13; names must be unique in the form "
        "— rename one",
        "survey!2 (type): repeats ('begin_repeat') are not supported by peiling: each question "
        "is answered once; ask for a fixed number of items instead",
        "survey!5 (type): loops ('begin loop over lijst') are not supported by peiling; write "
        "the questions out",
        "survey!7 (type): media questions ('image') are not supported by peiling; remove the "
        "question",
        "survey!8 (type): location questions ('geopoint') are not supported by peiling; remove "
        "the question",
        "survey!9 (type): external data ('select_one_from_file gemeenten.csv') is not supported "
        "by peiling; put the choices on the choices sheet",
        "survey!10 (type): external data ('select_one_external gem') is not supported by "
        "peiling; put the choices on the choices sheet",
        "survey!11 (calculation): external data (pulldata()) is not supported by peiling; "
        "compute the value in the form or load it into the panel profile",
    ]


def test_metadata_cannot_be_used_in_expressions(tmp_path) -> None:
    checked = check_xlsform(write_workbook("""
## survey
| type | name | label | constraint |
| today | dag | | |
| date | geboren | Geboortedatum? | . < ${dag} |
""", tmp_path / "form.xlsx"))
    assert [str(p) for p in checked.problems] == [
        "survey!3 (constraint): '${dag}' is metadata: recorded with the response, but it has "
        "no value while the questionnaire is answered; use today() instead"]


def test_or_other_and_metadata_survive_writing_and_reading(tmp_path) -> None:
    from peiling.forms.xlsform_writer import write_xlsform

    form = read_xlsform(write_workbook(OR_OTHER.replace(
        "| select_one org or_other | org |", "| start | begin | | |\n"
        "| select_one org or_other | org |"), tmp_path / "form.xlsx"))
    assert dict(form.metadata) == {"begin": "start"}
    write_xlsform(form, tmp_path / "again.xlsx")
    again = check_xlsform(tmp_path / "again.xlsx")
    assert again.problems == () and again.form == form


def test_two_spellings_of_one_column_are_a_problem(tmp_path) -> None:
    checked = check_xlsform(write_workbook("""
## survey
| type | name | label | relevant | bind::relevant |
| integer | uren | Uren? | | |
| integer | dagen | Dagen? | ${uren} > 1 | ${uren} > 2 |
""", tmp_path / "form.xlsx"))
    assert [str(p) for p in checked.problems] == [
        "survey!1 (bind::relevant): columns 'relevant' and 'bind::relevant' are the same "
        "column (pyxform reads them as one); keep one of them"]


def test_a_subject_per_question_is_read_per_language_and_written_back(tmp_path) -> None:
    from peiling.forms.model import Form
    from peiling.forms.xlsform_writer import write_xlsform

    path = write_workbook("""
## survey
| type | name | label::Nederlands (nl) | label::English (en) | peiling::subject::Nederlands (nl) | peiling::subject::English (en) |
| select_one yn | wens | Wilt u dit? | Do you want this? | het plan | the plan |
| text | waarom | Waarom? | Why? | | |
## choices
| list_name | name | label::Nederlands (nl) | label::English (en) |
| yn | ja | Ja | Yes |
| yn | nee | Nee | No |
""", tmp_path / "form.xlsx")
    checked = check_xlsform(path)
    assert checked.problems == () and checked.warnings == ()  # peiling's own column
    form = checked.form
    assert dict(form.question("wens").subject) == {"Nederlands (nl)": "het plan",
                                                   "English (en)": "the plan"}
    assert form.question("waarom").subject == {}
    written = tmp_path / "back.xlsx"
    write_xlsform(form, written)
    assert read_xlsform(written) == form and Form.from_dict(form.to_dict()) == form
    # a form without subjects keeps the fingerprint it had before subjects existed
    assert "subject" not in form.to_dict()["children"][1]
