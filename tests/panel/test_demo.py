"""The demo panel has the shape of the example report's Tabel 4.1 and 4.2.

Source: I&O Research for Binnenlands Bestuur (2018), chapter 4 (reference document 002).
"""

from __future__ import annotations

from collections import Counter

from peiling.panel.demo import demo_members, demo_members_csv


def test_organisation_types_match_tabel_4_1() -> None:
    rows = demo_members(seed=2018)
    assert len(rows) == 1415
    assert Counter(row["org_type"] for row in rows) == {
        "gemeente": 532, "rijk": 168, "provincie_waterschap": 60, "uitvoering": 79,
        "veiligheid": 82, "onderwijs": 234, "zorg_welzijn": 205, "overig": 55}


def test_functions_in_the_ict_domain_match_tabel_4_2() -> None:
    rows = [row for row in demo_members(seed=2018) if row["domain"] == "ict"]
    gemeente = Counter(row["function"] for row in rows if row["org_type"] == "gemeente")
    total = Counter(row["function"] for row in rows)
    assert len(rows) == 229 and sum(gemeente.values()) == 122
    assert gemeente == {"directie": 2, "afdelingshoofd": 13, "coordinator": 17, "beleid": 18,
                        "specialist_ict": 60, "specialist_overig": 2, "staf": 8, "anders": 2}
    assert total == {"directie": 7, "afdelingshoofd": 26, "coordinator": 32, "beleid": 21,
                     "specialist_ict": 115, "specialist_overig": 9, "staf": 11, "anders": 8}


def test_recruitment_matches_the_report_and_the_seed_reproduces() -> None:
    rows = demo_members(seed=2018)
    assert Counter(row["recruitment_source"] for row in rows) == {
        "aselecte steekproef": 1093, "open aanmelding": 322}
    assert demo_members_csv(seed=2018) == demo_members_csv(seed=2018)
    assert demo_members_csv(seed=1) != demo_members_csv(seed=2018)
    assert demo_members_csv().splitlines()[0] == (
        "email,name,language,recruitment_source,recruited_on,org_type,domain,function,"
        "gender,age_band")
