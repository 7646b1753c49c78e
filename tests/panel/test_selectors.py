"""Member participation, response outcomes per stratum, open-link counts."""

from __future__ import annotations

import pytest
from django.utils import timezone

from peiling.fieldwork import services as fieldwork_services
from peiling.panel import selectors, services
from peiling.panel.models import Delivery, PanelInvitation
from peiling.panel.rates import Outcomes
from peiling.panel.samples import SampleDesign, sample_commit, sample_preview
from tests.panel.helpers import invite_all, respond

pytestmark = pytest.mark.django_db


def _sent(item: PanelInvitation, number: int = 0) -> None:
    now = timezone.now()
    Delivery.objects.create(panel_invitation=item, number=number, state="sent", claimed_at=now,
                            sent_at=now, message_id=f"<{item.pk}.{number}@x>")


def test_participation_history_per_fieldwork(panel, make_fieldwork, add_member) -> None:
    member = add_member(org_type="rijk")
    first, second = make_fieldwork(), make_fieldwork()
    invite_all(panel, first)
    item = PanelInvitation.objects.get(fieldwork=first)
    _sent(item)
    _sent(item, 1)
    respond(item)
    PanelInvitation.objects.filter(member=member).update(drawn_at=timezone.now().replace(
        year=2020))
    invite_all(panel, second)
    [newest, oldest] = selectors.member_participation(member=member)
    assert (newest.fieldwork, newest.status, newest.invited_at) == (second.slug, "not_sent",
                                                                    None)
    assert (oldest.fieldwork, oldest.status, len(oldest.reminded_at)) == (first.slug,
                                                                         "completed", 1)
    assert oldest.started_at is not None and oldest.completed_at is not None


def test_outcomes_per_stratum_follow_the_dispositions(panel, fieldwork, add_member) -> None:
    members = {}
    for name in ("klaar", "bezig", "afgemeld", "bounce", "stil", "niet-verstuurd", "uit"):
        members[name] = add_member(f"{name}@example.org", org_type="rijk", domain="ict")
    members["gemeente"] = add_member("g@example.org", org_type="gemeente", domain="ict")
    design = SampleDesign(method="proportional", variables=("org_type",), size=8, seed=1)
    sample_commit(plan=sample_preview(panel=panel, fieldwork=fieldwork, design=design))
    items = {name: PanelInvitation.objects.get(member=m) for name, m in members.items()}
    for name, item in items.items():
        if name != "niet-verstuurd":
            _sent(item)
    respond(items["klaar"])
    respond(items["bezig"], complete=False)
    respond(items["gemeente"])
    services.member_unsubscribe(member_id=members["afgemeld"].pk,
                                panel_invitation_id=items["afgemeld"].pk)
    services.member_bounce(member=members["bounce"])
    services.member_unsubscribe(member_id=members["uit"].pk)  # not through this invitation

    outcomes = selectors.fieldwork_outcomes(fieldwork=fieldwork)
    assert outcomes == {
        "gemeente": Outcomes(completed=1),
        "rijk": Outcomes(completed=1, started=1, unsubscribed=1, bounced=1, not_sent=1,
                         no_response=2),
    }
    assert selectors.fieldwork_outcomes(fieldwork=fieldwork, by="domain") == {
        "ict": outcomes["gemeente"] + outcomes["rijk"]}


def test_open_link_responses_are_counted_per_source(panel, fieldwork) -> None:
    link = fieldwork_services.open_link_create(fieldwork=fieldwork, source="nieuwsbrief")
    for _ in range(2):
        fieldwork_services.response_start(fieldwork=fieldwork, language="nl",
                                          source=link.source)
    assert selectors.open_link_counts(fieldwork=fieldwork) == {"nieuwsbrief": {"started": 2}}
    assert selectors.fieldwork_outcomes(fieldwork=fieldwork) == {}
