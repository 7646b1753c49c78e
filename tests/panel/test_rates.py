"""AAPOR outcome rates of panel invitations.

Golden values computed by hand from the formulas of AAPOR (2023), Standard Definitions, 10th
edition: with I=40 completes, P=10 partials, R=5 refusals (unsubscribed), NC=O=UH=0 and
UO = 3 bounced + 2 not sent + 40 no response = 45; screened out (not eligible) = 5 is left out.
"""

from __future__ import annotations

import pytest

from peiling.panel.rates import Outcomes, outcome_rates

OUTCOMES = Outcomes(completed=40, started=10, unsubscribed=5, bounced=3, not_sent=2,
                    no_response=40, screened_out=5)


def test_counts_derive_from_the_dispositions() -> None:
    assert (OUTCOMES.sampled, OUTCOMES.invited, OUTCOMES.delivered) == (105, 103, 100)


def test_rates_follow_the_aapor_formulas() -> None:
    rates = outcome_rates(OUTCOMES)
    assert rates.rr1 == pytest.approx(40 / 100)            # I / (I+P + R+NC+O + UH+UO)
    assert rates.rr2 == pytest.approx(50 / 100)            # (I+P) / same
    assert rates.coop1 == pytest.approx(40 / 55)           # I / (I+P + R+O)
    assert rates.ref1 == pytest.approx(5 / 100)            # R / (I+P + R+NC+O + UH+UO)
    assert rates.con1 == pytest.approx(55 / 100)           # (I+P + R+O) / (... + NC + UH+UO)


def test_no_cases_gives_no_rate() -> None:
    rates = outcome_rates(Outcomes(screened_out=3))
    assert (rates.rr1, rates.rr2, rates.coop1, rates.ref1, rates.con1) == (None,) * 5


def test_outcomes_add_up() -> None:
    total = OUTCOMES + Outcomes(completed=1, bounced=1)
    assert (total.completed, total.bounced, total.sampled) == (41, 4, 107)


def test_unknown_disposition_is_refused() -> None:
    with pytest.raises(ValueError, match=r"got \['lost'\]"):
        Outcomes.from_counts({"lost": 1})
