"""AAPOR outcome rates of panel invitations.

Golden values computed by hand from the formulas of AAPOR (2023), Standard Definitions, 10th
edition: with I=40 completes, P=10 partials, R=5 refusals (unsubscribed), NC=O=UH=0 and
UO = 3 bounced + 2 not sent + 40 no response = 45; screened out (not eligible) = 5 is left out.
Turned away by a full quota (AAPOR 4.80 "quota filled", not eligible) = 7 is left out too.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peiling.fieldwork import services as fieldwork_services
from peiling.fieldwork.models import Fieldwork
from peiling.fieldwork.selectors import flow_for
from peiling.panel import selectors, services
from peiling.panel.models import Delivery, PanelInvitation
from peiling.panel.rates import DISPOSITIONS, Outcomes, outcome_rates
from tests.panel.helpers import invite_all, respond

OUTCOMES = Outcomes(completed=40, started=10, unsubscribed=5, bounced=3, not_sent=2,
                    no_response=40, screened_out=5, quota_full=7)


def test_counts_derive_from_the_dispositions() -> None:
    assert (OUTCOMES.sampled, OUTCOMES.invited, OUTCOMES.delivered) == (112, 110, 107)


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
    assert (total.completed, total.bounced, total.sampled) == (41, 4, 114)


def test_unknown_disposition_is_refused() -> None:
    with pytest.raises(ValueError, match=r"got \['lost'\]"):
        Outcomes.from_counts({"lost": 1})


def test_quota_full_is_not_eligible_and_in_no_denominator() -> None:
    without = outcome_rates(Outcomes(completed=40, started=10, unsubscribed=5, bounced=3,
                                     not_sent=2, no_response=40))
    assert outcome_rates(OUTCOMES) == without
    assert outcome_rates(Outcomes(quota_full=3)).rr1 is None
    assert DISPOSITIONS.index("quota_full") == DISPOSITIONS.index("screened_out") + 1


@pytest.mark.django_db
def test_a_panel_member_turned_away_by_a_full_quota_counts_as_quota_full(
        panel, fieldwork, add_member) -> None:
    for _ in range(3):
        add_member(org_type="gemeente")
    add_member(org_type="rijk")
    fieldwork_services.quota_create(fieldwork=fieldwork, name="Gemeenten", target=1,
                                    condition="${org_type} = 'gemeente'",
                                    profile_variables=["org_type"])
    invite_all(panel, fieldwork)
    items = PanelInvitation.objects.filter(fieldwork=fieldwork).order_by("member__email")
    statuses = []
    for item in items:  # a profile in a full cell ends the response at its start
        started = fieldwork_services.response_start(fieldwork=fieldwork, language="nl",
                                                    invitation=item.invitation)
        statuses.append(started.status if started.is_finished else respond(item).status)
    assert statuses == ["completed", "quota_full", "quota_full", "completed"]
    total = sum(selectors.fieldwork_outcomes(fieldwork=fieldwork).values(), Outcomes())
    assert total == Outcomes(completed=2, quota_full=2)
    assert selectors.fieldwork_outcome_totals(fieldwork=fieldwork) == total
    rates = outcome_rates(total)
    assert (rates.rr1, rates.coop1) == (1.0, 1.0)  # 2 / (2 + 0): the quota-full are not eligible


def _sent(item: PanelInvitation) -> None:
    now = timezone.now()
    Delivery.objects.create(panel_invitation=item, number=0, state="sent", claimed_at=now,
                            sent_at=now, message_id=f"<{item.pk}.0@x>")


@pytest.mark.django_db
def test_the_monitor_has_the_rates_of_the_panel_invitations_so_far(
        panel, fieldwork, add_member, django_assert_num_queries) -> None:
    """RR1 = I / (I+P + R + UO) = 1 / (1+1 + 1 + 1+1+1) = 1/6; COOP1 = I / (I+P+R) = 1/3."""
    names = ("klaar", "bezig", "afgemeld", "bounce", "stil", "niet-verstuurd")
    members = {name: add_member(f"{name}@example.org", org_type="rijk") for name in names}
    invite_all(panel, fieldwork)
    items = {name: PanelInvitation.objects.get(member=members[name]) for name in names}
    for name in names[:-1]:
        _sent(items[name])
    respond(items["klaar"])
    respond(items["bezig"], complete=False)
    services.member_unsubscribe(member_id=members["afgemeld"].pk,
                                panel_invitation_id=items["afgemeld"].pk)
    services.member_bounce(member=members["bounce"])
    expected = Outcomes(completed=1, started=1, unsubscribed=1, bounced=1, no_response=1,
                        not_sent=1)
    assert sum(selectors.fieldwork_outcomes(fieldwork=fieldwork).values(),
               Outcomes()) == expected
    fieldwork = Fieldwork.objects.select_related("form_version").get(pk=fieldwork.pk)
    flow_for(form_version=fieldwork.form_version)  # built once per process
    with django_assert_num_queries(5):  # the fieldwork's four and one for the outcomes
        monitor = selectors.fieldwork_monitor(fieldwork=fieldwork, now=timezone.now())
    assert selectors.fieldwork_outcome_totals(fieldwork=fieldwork) == expected
    assert monitor.rates is not None
    assert (monitor.rates.invited, monitor.rates.rr1, monitor.rates.coop1) == (
        5, pytest.approx(1 / 6), pytest.approx(1 / 3))
    assert monitor.totals.starts == 2 and monitor.sources[0].source == "panel"


@pytest.mark.django_db
def test_without_panel_invitations_the_monitor_has_no_rates(fieldwork) -> None:
    now = timezone.now() + dt.timedelta(hours=1)
    assert selectors.fieldwork_monitor(fieldwork=fieldwork, now=now).rates is None
