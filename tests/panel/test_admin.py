"""The admin: a member's page with profile and participation, and the member actions."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from peiling.panel.models import ErasureRecord, Member, PanelInvitation
from tests.panel.helpers import invite_all, respond

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(admin_client):
    return admin_client


def test_member_page_shows_profile_and_participation(staff, panel, fieldwork,
                                                     add_member) -> None:
    member = add_member("jan@example.org", org_type="rijk")
    invite_all(panel, fieldwork)
    respond(PanelInvitation.objects.get())
    page = staff.get(reverse("admin:panel_member_change", args=[member.pk]))
    content = page.content.decode()
    assert page.status_code == 200
    assert "<tr><th>org_type</th><td>rijk</td><td>2024-01-01</td></tr>" in content
    assert "<td>Thuiswerken 2024</td>" in content and "<td>completed</td>" in content


def test_erase_asks_for_confirmation_first(staff, add_member) -> None:
    member = add_member("jan@example.org", org_type="rijk")
    url = reverse("admin:panel_member_changelist")
    ask = staff.post(url, {"action": "erase", "_selected_action": [member.pk]})
    assert ask.status_code == 200 and "Ja, wissen" in ask.content.decode()
    assert Member.objects.get(pk=member.pk).status == "active"
    staff.post(url, {"action": "erase", "_selected_action": [member.pk], "confirm": "yes"})
    assert Member.objects.get(pk=member.pk).status == "erased"
    assert ErasureRecord.objects.get().erased_by.username == "admin"


def test_export_and_bounce_actions(staff, add_member) -> None:
    member = add_member("jan@example.org", org_type="rijk")
    url = reverse("admin:panel_member_changelist")
    export = staff.post(url, {"action": "export_json", "_selected_action": [member.pk]})
    assert export["Content-Disposition"] == f'attachment; filename="member-{member.pk}.json"'
    assert json.loads(export.content)["email"] == "jan@example.org"
    staff.post(url, {"action": "record_bounce", "_selected_action": [member.pk]})
    assert Member.objects.get(pk=member.pk).status == "bounced"
