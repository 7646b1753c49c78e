"""The unsubscribe page (no login; GET changes nothing) and the RFC 8058 one-click POST
(the one view without CSRF protection, authorised by the signed token)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from peiling.panel.mail import unsubscribe_token
from peiling.panel.models import Member, PanelInvitation
from peiling.panel.services import member_erase
from tests.panel.helpers import invite_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(add_member):
    return add_member("jan@example.org", language="nl", org_type="rijk")


def _urls(member, item=None) -> tuple[str, str]:
    token = unsubscribe_token(member_id=member.pk, panel_invitation_id=item.pk if item else None)
    return (reverse("panel:unsubscribe", args=[token]),
            reverse("panel:unsubscribe_one_click", args=[token]))


def test_the_page_asks_first_and_get_changes_nothing(member) -> None:
    page, _ = _urls(member)
    response = Client().get(page)
    assert response.status_code == 200
    content = response.content.decode()
    assert "<h1 class=\"utrecht-heading-1\">Afmelden</h1>" in content
    assert "Wilt u liever geen uitnodigingen van Testpanel meer ontvangen?" in content
    member.refresh_from_db()
    assert member.status == "active"


def test_the_button_unsubscribes_with_a_csrf_token(member, panel, fieldwork) -> None:
    invite_all(panel, fieldwork)
    item = PanelInvitation.objects.get()
    page, _ = _urls(member, item)
    client = Client(enforce_csrf_checks=True)
    assert client.post(page).status_code == 403
    client.get(page)
    response = client.post(page, {"csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    assert response.status_code == 200
    assert "U ontvangt geen uitnodigingen van Testpanel meer." in response.content.decode()
    member.refresh_from_db()
    item.refresh_from_db()
    assert member.status == "unsubscribed" and item.unsubscribed_at is not None


def test_one_click_post_needs_no_cookie_or_csrf(member) -> None:
    _, one_click = _urls(member)
    client = Client(enforce_csrf_checks=True)
    response = client.post(one_click, {"List-Unsubscribe": "One-Click"})
    assert (response.status_code, response.content) == (200, b"unsubscribed\n")
    member.refresh_from_db()
    assert member.status == "unsubscribed"


def test_one_click_needs_the_rfc_8058_body_and_post(member) -> None:
    _, one_click = _urls(member)
    client = Client(enforce_csrf_checks=True)
    response = client.post(one_click, {"List-Unsubscribe": "yes"})
    assert (response.status_code, response.content) == (
        400, b"expected the body List-Unsubscribe=One-Click\n")
    assert client.get(one_click).status_code == 405
    member.refresh_from_db()
    assert member.status == "active"


@pytest.mark.parametrize("token", ["WzEsbnVsbF0:x:forged", "nonsense"])
def test_a_forged_token_is_refused(member, token) -> None:
    response = Client().get(reverse("panel:unsubscribe", args=[token]))
    assert response.status_code == 404
    assert "We kunnen niet vaststellen van wie deze afmeldlink is." in response.content.decode()
    one_click = Client().post(reverse("panel:unsubscribe_one_click", args=[token]),
                              {"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 404
    member.refresh_from_db()
    assert member.status == "active"


def test_english_members_see_english(add_member) -> None:
    english = add_member(language="en", org_type="rijk")
    page, _ = _urls(english)
    assert "Would you rather not receive invitations from Testpanel" in (
        Client().get(page).content.decode())


def test_an_erased_member_sees_a_plain_confirmation(member) -> None:
    page, one_click = _urls(member)
    member_erase(member=member)
    response = Client().get(page)
    assert response.status_code == 200
    assert "U ontvangt geen uitnodigingen meer." in response.content.decode()
    assert Client().post(one_click, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert Member.objects.get(pk=member.pk).status == "erased"
