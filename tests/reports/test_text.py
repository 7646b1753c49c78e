"""Dutch writing conventions: numbers, dates, quotes, paragraphs, question labels."""

from __future__ import annotations

import datetime as dt

from peiling.reports.text import (
    date_long,
    decimal,
    join_and,
    month_year,
    number,
    paragraphs,
    percent,
    question_text,
    safe_text,
    short_question,
)


def test_numbers_the_dutch_way() -> None:
    assert (number(1415), number(100000), decimal(27.45), decimal(0.125, 2)) == (
        "1.415", "100.000", "27,5", "0,13")  # fmt: skip
    assert (percent(43.5), percent(12.5), percent(None)) == ("44%", "13%", "–")


def test_dates_spell_out_day_and_month() -> None:
    assert date_long(dt.date(2018, 2, 27)) == "dinsdag 27 februari 2018"
    assert date_long(dt.date(2018, 3, 8)) == "donderdag 8 maart 2018"
    assert month_year(dt.date(2018, 3, 8)) == "maart 2018"


def test_piped_answers_print_as_the_reference_report_does() -> None:
    label = "Hoe tevreden bent u over uw ${org_word}?"
    assert question_text(label, {"org_word": ["organisatie", "gemeente"]}) == (
        "Hoe tevreden bent u over uw <gemeente / organisatie>?"
    )
    assert question_text(label) == "Hoe tevreden bent u over uw <…>?"


def test_a_long_label_is_cut_to_its_question() -> None:
    label = "Het was de bedoeling dat ... " * 8 + "In welke mate is dat gelukt, vindt u?"
    assert short_question(label) == "In welke mate is dat gelukt, vindt u?"


def test_paragraphs_and_lists() -> None:
    assert paragraphs("Een\nzin.\n\n  Twee.\n") == ["Een zin.", "Twee."]
    assert join_and(["a", "b", "c"]) == "a, b en c"


def test_characters_xml_cannot_hold_are_dropped() -> None:
    assert safe_text("a\x00b\x1fc\td") == "abc\td"
