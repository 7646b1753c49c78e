"""Export codes, missing codes, measure levels and label cutting (``peiling.exchange.coding``)."""

from __future__ import annotations

import pytest

from peiling.analysis.dataset import Category, Variable
from peiling.exchange.coding import (
    is_dont_know,
    measure_level,
    text,
    truncate_bytes,
    value_codes,
)
from peiling.forms.model import Form


def single(
    *names: str, labels: tuple[str, ...] = (), question_type: str = "select_one"
) -> Variable:
    shown = labels or names
    categories = tuple(Category(n, label) for n, label in zip(names, shown, strict=True))
    return Variable("q", "single", "Vraag", categories, question_type=question_type)


def test_codes_are_positions_from_one_with_dont_know_minus_one() -> None:
    variable = single("eens", "neutraal", "oneens", "weet_niet")
    assert value_codes(variable) == (1, 2, 3, -1)


def test_a_second_dont_know_choice_gets_minus_three() -> None:
    # -2 is "not asked"; further don't-know choices count down from -3.
    variable = single("wn", "ja", "dk", "nee", "weet niet")
    assert value_codes(variable) == (-1, 2, -3, 4, -4)


def test_codes_do_not_depend_on_the_answers() -> None:
    # Stable across exports: the same list gives the same codes, answered or not.
    assert value_codes(single("a", "b", "c")) == value_codes(single("a", "b", "c")) == (1, 2, 3)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("weet_niet", True), ("Weet-Niet", True), ("wn", True), ("dk", True),
     ("weet_niet_nvt", True), ("niet", False), ("weet", False), ("nvt", False)],
)  # fmt: skip
def test_dont_know_names_are_the_analysis_engine_s(name: str, expected: bool) -> None:
    assert is_dont_know(name) is expected


def test_numbers_are_scale_and_texts_nominal() -> None:
    assert measure_level(Variable("n", "numeric", question_type="integer")) == "scale"
    assert measure_level(Variable("t", "text", question_type="text")) == "nominal"
    multiple = Variable("m", "multiple", categories=(Category("a", "A"), Category("b", "B")))
    assert measure_level(multiple) == "nominal"


def test_a_list_without_order_is_nominal() -> None:
    assert measure_level(single("gemeente", "rijk", "provincie", "overig")) == "nominal"


def test_two_points_are_no_scale() -> None:
    assert measure_level(single("eens", "oneens", labels=("Eens", "Oneens"))) == "nominal"


@pytest.mark.parametrize(
    "labels",
    [
        ("Helemaal mee eens", "Mee eens", "Neutraal", "Mee oneens", "Helemaal mee oneens"),
        ("Zeer ontevreden", "Ontevreden", "Neutraal", "Tevreden", "Zeer tevreden"),
        ("Sterke stimulans", "Stimulans", "Geen van beide", "Belemmering", "Sterke belemmering"),
        ("Strongly disagree", "Disagree", "Neither", "Agree", "Strongly agree"),
    ],
)
def test_a_list_between_two_poles_is_ordinal(labels: tuple[str, ...]) -> None:
    names = (*(f"c{i}" for i in range(len(labels))), "weet_niet")
    assert measure_level(single(*names, labels=(*labels, "Weet niet"))) == "ordinal"


def test_poles_match_at_word_starts_only() -> None:
    # "Gemeenschap" holds "eens", "oneens" holds "eens": neither is the positive pole.
    labels = ("Gemeenschap", "Provincie", "Helemaal mee oneens")
    assert measure_level(single("a", "b", "c", labels=labels)) == "nominal"


@pytest.mark.parametrize(
    ("names", "expected"),
    [(("1", "2", "3", "4", "5"), "ordinal"), (("10", "9", "8"), "ordinal"),
     (("niveau1", "niveau2", "niveau3", "niveau4", "weet_niet"), "ordinal"),
     (("1", "2", "4"), "nominal"), (("a1", "b2", "c3"), "nominal"),
     (("y2018", "y2019", "y2025_2030"), "nominal")],
)  # fmt: skip
def test_numbered_choices_are_ordinal(names: tuple[str, ...], expected: str) -> None:
    assert measure_level(single(*names)) == expected


def test_statements_of_a_grid_are_ordinal(form: Form) -> None:
    # st_a's list "agree" (eens, neutraal, oneens) sits in a table-list group.
    unordered = single("eens", "neutraal", "oneens", labels=("A", "B", "C"))
    grid = Variable("st_a", "single", "", unordered.categories, question_type="select_one")
    assert measure_level(grid, form) == "ordinal"
    assert measure_level(grid) == "nominal"
    other = Variable("org", "single", "", unordered.categories, question_type="select_one")
    assert measure_level(other, form) == "nominal"


def test_short_text_is_not_cut() -> None:
    assert truncate_bytes("Bij welk type organisatie werkt u?", 256) == (
        "Bij welk type organisatie werkt u?",
        False,
    )


def test_long_text_is_cut_at_a_word_with_an_ellipsis() -> None:
    cut, was_cut = truncate_bytes("Hoe tevreden bent u met de digitale dienstverlening?", 30)
    assert (cut, was_cut) == ("Hoe tevreden bent u met de…", True)
    assert len(cut.encode("utf-8")) <= 30


def test_a_cut_never_splits_a_character() -> None:
    # "é" is two bytes: 10 of them are 20 bytes; 9 bytes hold "éééé" + "…" (3 bytes) at most.
    assert truncate_bytes("é" * 10, 9) == ("ééé…", True)
    assert truncate_bytes("ééééé", 10) == ("ééééé", False)


def test_a_long_word_is_cut_inside_the_word() -> None:
    # 12 bytes: 9 of text ("a " and seven b) and 3 of "…".
    assert truncate_bytes("a " + "b" * 40, 12) == ("a bbbbbbb…", True)


def test_own_texts_follow_the_label_language() -> None:
    assert text("not_asked", "Nederlands (nl)") == "Niet gevraagd (routing)"
    assert text("not_asked", "English (en)") == "Not asked (routing)"
    assert text("not_asked", "Deutsch (de)") == "Not asked (routing)"
    # A form without languages: peiling's own default, Dutch.
    assert text("not_asked", "default") == "Niet gevraagd (routing)"
    assert text("not_asked", None) == "Niet gevraagd (routing)"
