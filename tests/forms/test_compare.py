"""Comparing two versions of a form: each kind of change, its fields and the order of changes.

Each test edits one or two cells of ``BASE`` and asserts the exact list of changes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from peiling.forms import compare
from peiling.forms.compare import CHANGE_KINDS, Change, FormComparison, forms_compare
from peiling.forms.model import Form
from peiling.forms.xlsform import read_xlsform
from tests.xlsform import write_workbook

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "digitalisering-overheid.xlsx"
NL, EN = "Nederlands (nl)", "English (en)"
WERK, WAAROM = "Werkt u bij de overheid?", "Waarom niet?"
ST1 = "Mijn werk is zinvol"

BASE = """
## survey
| type | name | label::Nederlands (nl) | label::English (en) | required | relevant | appearance |
| select_one yn | werk | Werkt u bij de overheid? | Do you work for government? | yes | | |
| begin_group | stellingen | Stellingen | Statements | | ${werk} = 'ja' | table-list |
| select_one agree | st1 | Mijn werk is zinvol | My work is meaningful | | | |
| select_one agree | st2 | Ik leer veel | I learn a lot | | | |
| end_group | | | | | | |
| text | waarom | Waarom niet? | Why not? | | ${werk} = 'nee' | |
## choices
| list_name | name | label::Nederlands (nl) | label::English (en) |
| yn | ja | Ja | Yes |
| yn | nee | Nee | No |
| agree | eens | Eens | Agree |
| agree | oneens | Oneens | Disagree |
## settings
| form_title | form_id | version | default_language |
| Werk | werk | 1 | Nederlands (nl) |
"""


@pytest.fixture
def read(tmp_path: Path):
    def read(markdown: str) -> Form:
        return read_xlsform(write_workbook(markdown, tmp_path / "form.xlsx"))

    return read


@pytest.fixture
def base(read) -> Form:
    return read(BASE)


def edited(*replacements: tuple[str, str]) -> str:
    """Return BASE with each (old, new) replaced, failing when ``old`` is not in it once."""
    markdown = BASE
    for old, new in replacements:
        assert markdown.count(old) == 1, old
        markdown = markdown.replace(old, new)
    return markdown


def test_public_api() -> None:
    assert sorted(compare.__all__) == sorted(
        ["CHANGE_KINDS", "Change", "ChangeKind", "FormComparison", "ItemKind", "forms_compare"]
    )


def test_identical_forms_have_no_changes(base, read) -> None:
    comparison = forms_compare(base, read(BASE))

    assert comparison == FormComparison(changes=())
    assert comparison.is_empty
    assert comparison.counts == {}


def test_the_example_form_compared_with_itself_has_no_changes() -> None:
    example = read_xlsform(EXAMPLE)

    assert forms_compare(example, Form.from_json(example.to_json())).is_empty


def test_question_added(base, read) -> None:
    new = read(
        edited(
            (
                "| text | waarom |",
                "| integer | jaren | Hoeveel jaren? | How many years? | | | |\n| text | waarom |",
            )
        )
    )

    assert forms_compare(base, new).changes == (
        Change("question_added", "jaren", "question", "Hoeveel jaren?"),
    )


def test_question_removed(base, read) -> None:
    new = read(edited(("| select_one agree | st2 | Ik leer veel | I learn a lot | | | |\n", "")))

    comparison = forms_compare(base, new)

    assert comparison.changes == (Change("question_removed", "st2", "question", "Ik leer veel"),)
    assert not comparison.is_empty
    assert comparison.counts == {"question_removed": 1}


def test_label_changed_in_one_language_only(base, read) -> None:
    new = read(edited(("Do you work for government?", "Do you work for the government?")))

    assert forms_compare(base, new).changes == (
        Change(
            "label_changed",
            "werk",
            "question",
            WERK,
            before="Do you work for government?",
            after="Do you work for the government?",
            language=EN,
        ),
    )


def test_choices_of_a_shared_list_are_reported_once_at_its_first_question(base, read) -> None:
    new = read(
        edited(
            ("| agree | eens | Eens | Agree |", "| agree | eens | Helemaal eens | Agree |"),
            ("| agree | oneens | Oneens | Disagree |", "| agree | neutraal | Neutraal | Neutral |"),
        )
    )

    comparison = forms_compare(base, new)

    shared = {"name": "st1", "item": "question", "label": ST1, "questions": ("st1", "st2")}
    # In choice order: 'oneens' stays where it was, after 'eens', before the new 'neutraal'.
    assert comparison.changes == (
        Change("choice_label_changed", **shared, before="Eens", after="Helemaal eens",
               language=NL, choice="eens"),
        Change("choice_removed", **shared, before="Oneens", choice="oneens"),
        Change("choice_added", **shared, after="Neutraal", choice="neutraal"),
    )  # fmt: skip
    assert comparison.counts == {"choice_added": 1, "choice_removed": 1, "choice_label_changed": 1}


def test_choices_reordered(base, read) -> None:
    new = read(
        edited(
            (
                "| yn | ja | Ja | Yes |\n| yn | nee | Nee | No |",
                "| yn | nee | Nee | No |\n| yn | ja | Ja | Yes |",
            )
        )
    )

    assert forms_compare(base, new).changes == (
        Change("choices_reordered", "werk", "question", WERK, before="ja, nee", after="nee, ja",
               questions=("werk",)),
    )  # fmt: skip


def test_a_renamed_list_with_the_same_choices_is_no_change(base, read) -> None:
    new = read(
        edited(
            ("| select_one yn | werk |", "| select_one janee | werk |"),
            ("| yn | ja |", "| janee | ja |"),
            ("| yn | nee |", "| janee | nee |"),
        )
    )

    assert forms_compare(base, new).is_empty


def test_routing_changed(base, read) -> None:
    new = read(edited(("${werk} = 'nee'", "${werk} != 'ja'")))

    assert forms_compare(base, new).changes == (
        Change(
            "routing_changed", "waarom", "question", WAAROM, "${werk} = 'nee'", "${werk} != 'ja'"
        ),
    )


def test_routing_of_a_group_is_reported_once_for_the_group(base, read) -> None:
    new = read(edited(("${werk} = 'ja'", "")))

    assert forms_compare(base, new).changes == (
        Change("routing_changed", "stellingen", "group", "Stellingen", "${werk} = 'ja'", None),
    )


def test_type_changed(base, read) -> None:
    new = read(edited(("| select_one yn | werk |", "| select_multiple yn | werk |")))

    assert forms_compare(base, new).changes == (
        Change("type_changed", "werk", "question", WERK, "select_one", "select_multiple"),
    )


def test_required_changed(base, read) -> None:
    new = read(
        edited(("| Do you work for government? | yes |", "| Do you work for government? | |"))
    )

    assert forms_compare(base, new).changes == (
        Change("required_changed", "werk", "question", WERK, "true()", None),
    )


def test_question_moved_names_the_question_it_followed(base, read) -> None:
    waarom = "| text | waarom | Waarom niet? | Why not? | | ${werk} = 'nee' | |\n"
    new = read(edited((waarom, ""), ("| begin_group |", waarom + "| begin_group |")))

    assert forms_compare(base, new).changes == (
        Change("question_moved", "waarom", "question", WAAROM, before="st2", after="werk"),
    )


def test_question_moved_into_a_group(base, read) -> None:
    waarom = "| text | waarom | Waarom niet? | Why not? | | ${werk} = 'nee' | |\n"
    new = read(edited((waarom, ""), ("| end_group |", waarom + "| end_group |")))

    assert forms_compare(base, new).changes == (
        Change("group_changed", "waarom", "question", WAAROM, before=None, after="stellingen"),
    )


def test_a_new_language_is_one_change_not_one_per_text(base, read) -> None:
    new = read(
        edited(
            (
                "| label::English (en) | required |",
                "| label::English (en) | label::Deutsch (de) | required |",
            ),
            ("| Do you work for government? |", "| Do you work for government? | Arbeiten Sie? |"),
            ("| Statements |", "| Statements | Aussagen |"),
            ("| My work is meaningful |", "| My work is meaningful | Sinnvoll |"),
            ("| I learn a lot |", "| I learn a lot | Lernen |"),
            ("| Why not? |", "| Why not? | Warum nicht? |"),
            ("| end_group | | | | | | |", "| end_group | | | | | | | |"),
        )
    )

    assert new.languages == (NL, EN, "Deutsch (de)")
    assert forms_compare(base, new).changes == (
        Change("language_added", "werk", "form", language="Deutsch (de)"),
    )
    assert forms_compare(new, base).changes == (
        Change("language_removed", "werk", "form", language="Deutsch (de)"),
    )


def test_changes_follow_the_new_form_with_removed_items_where_they_were(base, read) -> None:
    new = read(
        edited(
            (
                "| select_one agree | st1 | Mijn werk is zinvol | My work is meaningful | | | |\n",
                "",
            ),
            (
                "${werk} = 'nee' | |",
                "${werk} = 'nee' | |\n| integer | jaren | Jaren | Years | | | |",
            ),
            ("| yes | | |", "| | | |"),
            ("Do you work for government?", "Do you work for the government?"),
        )
    )

    assert [(change.kind, change.name) for change in forms_compare(base, new).changes] == [
        ("label_changed", "werk"),
        ("required_changed", "werk"),
        ("question_removed", "st1"),
        ("question_added", "jaren"),
    ]


def test_change_kinds_are_unique() -> None:
    assert len(set(CHANGE_KINDS)) == len(CHANGE_KINDS) == 23
