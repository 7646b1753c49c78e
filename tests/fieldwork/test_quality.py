"""The quality rules on constructed respondents: each catches what it is for and leaves a
plausible respondent alone."""

from __future__ import annotations

import random

import pytest

from peiling.analysis import Dataset
from peiling.fieldwork.quality import MIN_FOR_MEDIAN, Rules, flag_responses, is_nonsense
from peiling.forms.xlsform import read_xlsform
from tests.xlsform import write_workbook

FORM = """
## survey
| type | name | label | appearance | relevant |
| select_one org | org | Organisatie | | |
| begin_group | stellingen | Stellingen | table-list | |
| select_one eens | s1 | Stelling 1 | | |
| select_one eens | s2 | Stelling 2 | | |
| select_one eens | s3 | Stelling 3 | | |
| select_one eens | s4 | Stelling 4 | | |
| select_one eens | s5 | Stelling 5 | | |
| end_group | | | | |
| select_one ja | q1 | Vraag 1 | | |
| select_one ja | q2 | Vraag 2 | | |
| select_one ja | q3 | Vraag 3 | | |
| select_one ja | q4 | Vraag 4 | | ${q1} = 'ja' |
| text | toelichting | Toelichting | | |
## choices
| list_name | name | label |
| org | a | A |
| org | b | B |
| eens | 1 | Helemaal oneens |
| eens | 2 | Oneens |
| eens | 3 | Neutraal |
| eens | 4 | Eens |
| eens | 5 | Helemaal eens |
| ja | ja | Ja |
| ja | nee | Nee |
"""
NO_RULES = Rules(speeder=False, straightlining=False, nonresponse=False, duplicate=False,
                 nonsense=False)


@pytest.fixture(scope="module")
def form(tmp_path_factory):
    return read_xlsform(write_workbook(FORM, tmp_path_factory.mktemp("q") / "q.xlsx"))


def _plausible(rng: random.Random) -> dict:
    """A respondent who reads: varied grid answers, everything answered, a real remark."""
    grid = rng.sample(["1", "2", "3", "4", "5"], 5)
    answers = {"org": rng.choice("ab"), **{f"s{i + 1}": grid[i] for i in range(5)},
               "q1": rng.choice(["ja", "nee"]), "q2": rng.choice(["ja", "nee"]),
               "q3": rng.choice(["ja", "nee"]), "toelichting": rng.choice(
                   ["Het gaat te langzaam.", "Prima zo.", "Meer uitleg graag.", "Geen idee"])}
    if answers["q1"] == "ja":
        answers["q4"] = rng.choice(["ja", "nee"])
    return answers


def _flags(form, records, *, durations=None, open_link=None, devices=None, rules=Rules()):
    n = len(records)
    return flag_responses(form, Dataset.from_records(form, records),
                          durations=durations or [600.0] * n,
                          open_link=open_link or [False] * n, devices=devices or [""] * n,
                          rules=rules)


def test_plausible_respondents_are_not_flagged(form) -> None:
    rng = random.Random(1)
    records = [_plausible(rng) for _ in range(60)]
    durations = [rng.uniform(400, 900) for _ in records]
    flags = _flags(form, records, durations=durations)
    assert flags.counts() == dict.fromkeys(
        ("speeder", "straightlining", "nonresponse", "duplicate", "nonsense"), 0)


def test_a_speeder_is_caught_and_a_fast_but_plausible_respondent_is_not(form) -> None:
    rng = random.Random(2)
    records = [_plausible(rng) for _ in range(40)]
    durations = [600.0] * 40  # median ten minutes
    durations[3] = 150.0  # a quarter of the median: a speeder
    durations[4] = 250.0  # well under the median, above a third of it: fast, plausible
    flags = _flags(form, records, durations=durations)
    assert list(flags.flagged["speeder"].nonzero()[0]) == [3]
    assert flags.why["speeder"][3] == "2:30 min tegen 10:00 min mediaan (grens 33%)"


def test_no_speeder_before_enough_durations_are_known(form) -> None:
    rng = random.Random(3)
    n = MIN_FOR_MEDIAN - 1
    records = [_plausible(rng) for _ in range(n)]
    durations = [600.0] * n
    durations[0] = 10.0
    assert not _flags(form, records, durations=durations).flagged["speeder"].any()


def test_a_straight_liner_is_caught_but_not_a_varied_or_incomplete_grid(form) -> None:
    rng = random.Random(4)
    records = [_plausible(rng) for _ in range(5)]
    records[0].update({f"s{i}": "4" for i in range(1, 6)})  # all "Eens"
    records[1].update({f"s{i}": "4" for i in range(1, 5)}, s5="3")  # one different
    records[2].update({f"s{i}": "4" for i in range(1, 5)})
    records[2].pop("s5")  # one missing: not the same answer to every statement
    flags = _flags(form, records)
    assert list(flags.flagged["straightlining"].nonzero()[0]) == [0]
    assert "5 keer hetzelfde antwoord" in flags.why["straightlining"][0]
    # a grid shorter than the minimum is no reason
    short = _flags(form, records, rules=Rules(straightline_min=6))
    assert not short.flagged["straightlining"].any()


def test_item_nonresponse_counts_only_the_questions_that_were_asked(form) -> None:
    rng = random.Random(5)
    records = [_plausible(rng) for _ in range(3)]
    records[0] = {"org": "a", "q1": "nee"}  # 2 of 10 asked (q4 not asked) answered
    records[1] = {"org": "a", "s1": "1", "s2": "2", "s3": "3", "s4": "4", "s5": "5",
                  "q1": "nee"}  # 7 of 10 answered: fine
    flags = _flags(form, records)
    assert list(flags.flagged["nonresponse"].nonzero()[0]) == [0]
    assert flags.why["nonresponse"][0] == "8 van 10 gestelde vragen niet beantwoord"


def test_duplicates_by_device_on_open_links_and_by_identical_answers(form) -> None:
    rng = random.Random(6)
    records = [_plausible(rng) for _ in range(6)]
    records[1].update(q1="ja", q4="nee")  # ten closed questions answered
    records[4] = dict(records[1])  # the same answers to every closed question as no. 2
    devices = ["d1", "d2", "d1", "d1", "d9", "d7"]
    open_link = [True, True, True, False, True, True]  # no. 4 came through the panel
    flags = _flags(form, records, open_link=open_link, devices=devices)
    assert list(flags.flagged["duplicate"].nonzero()[0]) == [2, 4]
    assert flags.why["duplicate"] == {2: "zelfde apparaat als respons 1",
                                      4: "zelfde antwoorden als respons 2"}


@pytest.mark.parametrize(("text", "nonsense"), [
    ("asdfgh", True), ("qwerty", True), ("aaaaa", True), ("!!!!!", True),
    ("sdkjfhsdkf", True), ("hahaha", True),
    ("Heeeeel goed", False), ("nee nee", False), ("1000", False), ("1234 AB", False),
    ("Privacywetgeving knelt enorm.", False), ("property", False), ("nvt", False),
    ("-", False), ("Geen idee", False), ("ok", False),
])
def test_nonsense_in_open_answers(text, nonsense) -> None:
    assert is_nonsense(text) is nonsense


def test_nonsense_flags_the_respondent_with_the_answer(form) -> None:
    rng = random.Random(7)
    records = [_plausible(rng) for _ in range(3)]
    records[2]["toelichting"] = "sdfghjkl"
    flags = _flags(form, records)
    assert list(flags.flagged["nonsense"].nonzero()[0]) == [2]
    assert flags.why["nonsense"][2] == "‘sdfghjkl’ bij toelichting"


def test_a_rule_that_is_off_flags_nobody(form) -> None:
    records = [{"org": "a"}] * 30
    flags = _flags(form, records, durations=[1.0] * 29 + [1000.0], rules=NO_RULES)
    assert flags.counts() == {} and not flags.any().any()


def test_flags_grow_with_new_responses_as_if_computed_at_once(form) -> None:
    """Flagging responses as they come in (``prior``) gives what flagging them all at once
    gives: a duplicate of a respondent of the first batch is caught in the second, and the
    speeder threshold follows the median of all durations."""
    rng = random.Random(8)
    records = [_plausible(rng) for _ in range(2 * MIN_FOR_MEDIAN + 4)]
    records[3].update(q1="ja", q4="nee")
    records[-2] = dict(records[3])  # the same answers as no. 4, in the second batch
    records[-1]["toelichting"] = "asdfghjk"
    durations = [rng.uniform(400, 900) for _ in records]
    durations[2] = 120.0  # no speeder in the first batch, whose median is not yet known
    durations[-3] = 60.0
    devices = [f"d{i}" for i in range(len(records))]
    devices[-4] = "d1"
    open_link = [True] * len(records)
    whole = _flags(form, records, durations=durations, open_link=open_link, devices=devices)
    cut = MIN_FOR_MEDIAN - 2
    first = _flags(form, records[:cut], durations=durations[:cut], open_link=open_link[:cut],
                   devices=devices[:cut])
    assert first.counts()["speeder"] == 0
    grown = flag_responses(form, Dataset.from_records(form, records[cut:]),
                           durations=durations[cut:], open_link=open_link[cut:],
                           devices=devices[cut:], prior=first)
    assert grown.n == whole.n == len(records)
    assert grown.counts() == whole.counts()
    n = len(records)
    assert set(whole.why["speeder"]) == {2, n - 3}
    assert {n - 4, n - 2} <= set(whole.why["duplicate"])
    assert set(whole.why["nonsense"]) == {n - 1}
    for rule in whole.flagged:
        assert list(grown.flagged[rule]) == list(whole.flagged[rule]), rule
        assert grown.why[rule] == whole.why[rule], rule
    assert grown.why["duplicate"][len(records) - 2] == "zelfde antwoorden als respons 4"


def test_the_order_given_decides_which_duplicate_is_the_original(form) -> None:
    rng = random.Random(9)
    records = [_plausible(rng) for _ in range(3)]
    flags = flag_responses(form, Dataset.from_records(form, records), durations=[600.0] * 3,
                           open_link=[True] * 3, devices=["x", "y", "x"],
                           labels=["aa", "bb", "cc"], order=[2, 1, 0])
    assert flags.why["duplicate"] == {0: "zelfde apparaat als respons cc"}
