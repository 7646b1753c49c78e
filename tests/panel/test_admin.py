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


def _staff_with(django_user_model, client, *codenames: str):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("kijker", password="x" * 16, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    return client


@pytest.mark.parametrize("action", ["erase", "pause", "record_bounce", "export_json",
                                    "reactivate"])
def test_a_viewer_can_run_no_member_action(client, django_user_model, add_member,
                                           action) -> None:
    """Seen as an attacker would: a staff user who may only view members and panels posts
    each action by hand (with the erase confirmation) and changes or downloads nothing."""
    viewer = _staff_with(django_user_model, client, "view_member", "view_panel")
    member = add_member("jan@example.org", org_type="rijk")
    Member.objects.filter(pk=member.pk).update(status="paused" if action == "reactivate"
                                               else "active")
    before = Member.objects.values().get(pk=member.pk)
    url = reverse("admin:panel_member_changelist")
    listing = viewer.get(url)
    assert listing.status_code == 200 and 'name="action"' not in listing.content.decode()
    response = viewer.post(url, {"action": action, "_selected_action": [member.pk],
                                 "confirm": "yes"})
    assert "Content-Disposition" not in response
    assert response["Content-Type"].startswith("text/html")  # the list again, no JSON file
    assert Member.objects.values().get(pk=member.pk) == before
    assert not ErasureRecord.objects.exists()


@pytest.mark.parametrize(("codename", "action", "offered"), [
    ("change_member", "pause", {"record_bounce", "pause", "reactivate"}),
    ("export_member", "export_json", {"export_json"}),
    ("erase_member", "erase", {"erase"}),
])
def test_each_action_needs_its_own_permission(client, django_user_model, add_member,
                                              codename, action, offered) -> None:
    user = _staff_with(django_user_model, client, "view_member", codename)
    member = add_member("jan@example.org", org_type="rijk")
    url = reverse("admin:panel_member_changelist")
    listing = user.get(url).content.decode()
    every = {"record_bounce", "pause", "reactivate", "export_json", "erase"}
    assert {name for name in every if f'value="{name}"' in listing} == offered
    response = user.post(url, {"action": action, "_selected_action": [member.pk],
                               "confirm": "yes"})
    changed = Member.objects.get(pk=member.pk)
    if action == "export_json":
        assert json.loads(response.content)["email"] == "jan@example.org"
    else:
        assert changed.status == {"pause": "paused", "erase": "erased"}[action]
