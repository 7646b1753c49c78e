"""The member portal: log-in by an e-mailed one-time link (through a real SMTP server), the
profile kept with its changes, pause, results e-mail, unsubscribe, the own data as JSON and CSV,
erasure — and every bad input: forged, used and expired links, out-of-range answers, pages
without a log-in."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peiling.fieldwork.models import Response
from peiling.panel import joining, mail, mailing, portal
from peiling.panel.models import Member, MemberToken, PanelInvitation, ProfileChange
from tests.panel.helpers import invite_all, respond

pytestmark = pytest.mark.django_db

LOGIN_LINK = re.compile(r"https://peiling\.example(/panel/inloggen/[^/\s]+/)")


@pytest.fixture
def tasks_now(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def member(add_member):
    return add_member("jan@example.org", org_type="rijk", birth_year=1970)


def _login(member) -> Client:
    """A browser session logged in as ``member`` through a log-in link."""
    client = Client()
    token = joining.member_link_issue(member=member, purpose=MemberToken.Purpose.LOGIN)
    response = client.post(reverse("panel:portal_login", args=[token]))
    assert response.status_code == 302
    return client


def _url(name: str, *args) -> str:
    return reverse(f"panel:{name}", args=["testpanel", *args])


def test_a_log_in_link_is_e_mailed_to_members_only_and_the_answer_is_the_same(
        member, sink, tasks_now) -> None:
    answers = [Client().post(_url("portal"), {"portal-email": address})
               for address in ("Jan@Example.org", "niemand@example.org")]
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0]["Location"] == answers[1]["Location"] == _url("portal_sent")
    [received] = sink.messages
    assert received.rcpt_tos == ("jan@example.org",)
    assert received.message["Subject"] == "Uw inloglink voor Testpanel"
    path = LOGIN_LINK.search(received.message.get_content()).group(1)

    client = Client()
    button = client.get(path)  # a mail scanner: nothing happens
    assert button.status_code == 200 and "Inloggen" in button.content.decode()
    assert client.get(_url("portal")).content.decode().count("Stuur mij een inloglink") == 1
    assert client.post(path).status_code == 302
    home = client.get(_url("portal")).content.decode()
    assert "U bent ingelogd als jan@example.org" in home
    assert "Rijksoverheid" in home and "1970" in home
    assert Client().post(path).status_code == 410  # once only


def test_bad_log_in_requests_and_links(member, sink, tasks_now, settings) -> None:
    settings.PEILING_SIGNUP_PER_NETWORK = 20
    refused = Client().post(_url("portal"), {"portal-email": "geen adres"})
    assert refused.status_code == 400
    assert "Vul uw e-mailadres in" in refused.content.decode()
    for token, status in (("x" * 32, 404), ("kort", 404)):
        assert Client().get(reverse("panel:portal_login", args=[token])).status_code == status
        assert Client().post(reverse("panel:portal_login", args=[token])).status_code == status
    token = joining.member_link_issue(member=member, purpose=MemberToken.Purpose.LOGIN)
    MemberToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    expired = Client().post(reverse("panel:portal_login", args=[token]))
    assert expired.status_code == 410 and "verlopen" in expired.content.decode()
    # a confirmation link is no log-in link
    confirm = joining.member_link_issue(member=member, purpose=MemberToken.Purpose.CONFIRM)
    assert Client().post(reverse("panel:portal_login", args=[confirm])).status_code == 404
    clients = [Client(REMOTE_ADDR="203.0.113.9") for _ in range(joining.rate_limits()["network"])]
    for n, client in enumerate(clients):
        client.post(_url("portal"), {"portal-email": f"p{n}@example.org"})
    over = clients[0].post(_url("portal"), {"portal-email": "jan@example.org"})
    assert over.status_code == 429


def test_pages_of_the_portal_need_a_log_in_and_stay_in_their_panel(member, add_member,
                                                                   panel, tmp_path) -> None:
    from peiling.panel.models import Panel

    for name in ("portal_profile", "portal_erase", "portal_unsubscribe"):
        assert Client().get(_url(name))["Location"] == _url("portal")
    assert Client().post(_url("portal_pause"), {"until": "2099-01-01"}).status_code == 302
    assert Client().get(_url("portal_data", "json"))["Location"] == _url("portal")
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE
    other = Panel.objects.create(organisation=panel.organisation, slug="ander", name="Ander",
                                 profile=panel.profile)
    client = _login(member)
    page = client.get(reverse("panel:portal", args=["ander"])).content.decode()
    assert "Stuur mij een inloglink" in page and "jan@example.org" not in page
    assert client.get(reverse("panel:portal_data", args=["ander", "json"])).status_code == 302
    assert other.members.count() == 0


def test_the_profile_is_changed_with_its_date_and_history(member) -> None:
    client = _login(member)
    form = client.get(_url("portal_profile")).content.decode()
    assert 'value="rijk" checked' in form or 'value="rijk" selected' in form
    saved = client.post(_url("portal_profile"), {"org_type": "gemeente", "birth_year": "1970",
                                                 "domain": "ict"})
    assert saved.status_code == 302
    member.refresh_from_db()
    assert member.profile == {"org_type": "gemeente", "birth_year": 1970, "domain": "ict"}
    today = timezone.localdate().isoformat()
    assert member.profile_updated["org_type"] == member.profile_updated["domain"] == today
    changes = {(c.variable, c.old, c.new) for c in ProfileChange.objects.all()}
    assert changes == {("org_type", "rijk", "gemeente"), ("domain", None, "ict")}
    assert "Uw gegevens zijn bewaard" in client.get(_url("portal")).content.decode()


@pytest.mark.parametrize(("posted", "message"), [
    ({"org_type": "gemeente", "birth_year": "oud"}, "Vul een heel getal in"),
    ({"birth_year": "1970"}, "Beantwoord deze vraag"),
])
def test_a_bad_profile_is_refused_and_nothing_changes(member, posted, message) -> None:
    response = _login(member).post(_url("portal_profile"), posted)
    assert response.status_code == 400
    assert message in response.content.decode()
    member.refresh_from_db()
    assert member.profile == {"org_type": "rijk", "birth_year": 1970}
    assert not ProfileChange.objects.exists()


def test_a_forged_choice_in_the_profile_is_refused(member) -> None:
    response = _login(member).post(_url("portal_profile"), {"org_type": "<b>x</b>"})
    assert response.status_code == 400
    member.refresh_from_db()
    assert member.profile["org_type"] == "rijk"


def test_pause_until_a_day_then_active_again(member, panel, fieldwork) -> None:
    client = _login(member)
    today = timezone.localdate()
    for day, message in ((today, "Kies een dag na vandaag"),
                         (today + dt.timedelta(days=400), "Pauzeer hoogstens een jaar"),
                         ("morgen", "Vul een dag in")):
        refused = client.post(_url("portal_pause"), {"until": str(day)})
        assert refused.status_code == 400 and message in refused.content.decode()
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE
    until = today + dt.timedelta(days=10)
    assert client.post(_url("portal_pause"), {"until": until.isoformat()}).status_code == 302
    member.refresh_from_db()
    assert (member.status, member.paused_until) == (Member.Status.PAUSED, until)
    assert "U pauzeert tot en met" in client.get(_url("portal")).content.decode()
    assert portal.members_resume_paused(now=timezone.now() + dt.timedelta(days=10)) == 0
    assert portal.members_resume_paused(now=timezone.now() + dt.timedelta(days=11)) == 1
    member.refresh_from_db()
    assert (member.status, member.paused_until) == (Member.Status.ACTIVE, None)
    client.post(_url("portal_pause"), {"until": until.isoformat()})
    assert client.post(_url("portal_resume")).status_code == 302
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE
    assert invite_all(panel, fieldwork).drawn == 1


def test_results_mail_and_unsubscribe(member) -> None:
    client = _login(member)
    client.post(_url("portal_results_mail"), {})
    member.refresh_from_db()
    assert member.results_mail is False
    client.post(_url("portal_results_mail"), {"results_mail": "on"})
    member.refresh_from_db()
    assert member.results_mail is True
    assert "Bevestig het met de knop" in client.get(_url("portal_unsubscribe")).content.decode()
    client.post(_url("portal_unsubscribe"))
    member.refresh_from_db()
    assert member.status == Member.Status.UNSUBSCRIBED
    assert member.consents.filter(withdrawn_at__isnull=True).count() == 0


def test_the_own_data_as_json_and_csv(member) -> None:
    client = _login(member)
    client.post(_url("portal_profile"), {"org_type": "gemeente", "birth_year": "1970"})
    as_json = client.get(_url("portal_data", "json"))
    assert as_json["Content-Disposition"] == 'attachment; filename="mijn-gegevens-testpanel.json"'
    data = json.loads(as_json.content)
    assert data["email"] == "jan@example.org"
    assert {p["variable"]: p["value"] for p in data["profile"]} == {
        "org_type": "gemeente", "birth_year": 1970}
    assert data["profile_changes"][0]["old"] == "rijk"
    rows = list(csv.reader(io.StringIO(client.get(_url("portal_data", "csv")).content.decode())))
    assert rows[0] == ["part", "item", "field", "value"]
    assert ["member", "", "email", "jan@example.org"] in rows
    assert ["profile_changes", "1", "new", "gemeente"] in rows


def test_erasure_by_the_member_keeps_the_anonymous_answers(member, panel, fieldwork) -> None:
    invite_all(panel, fieldwork)
    response = respond(PanelInvitation.objects.get())
    client = _login(member)
    client.post(_url("portal_profile"), {"org_type": "gemeente"})
    refused = client.post(_url("portal_erase"))
    assert refused.status_code == 400 and "Vink het vakje aan" in refused.content.decode()
    member.refresh_from_db()
    assert member.email == "jan@example.org"
    done = client.post(_url("portal_erase"), {"understood": "yes"})
    assert done.status_code == 200 and "Uw gegevens zijn gewist" in done.content.decode()
    member.refresh_from_db()
    assert (member.status, member.email, member.profile) == (Member.Status.ERASED, None, {})
    assert not ProfileChange.objects.exists() and not MemberToken.objects.exists()
    assert Response.objects.get(pk=response.pk).answers == response.answers
    assert "Stuur mij een inloglink" in client.get(_url("portal")).content.decode()


@pytest.mark.django_db(transaction=True)
def test_every_member_e_mail_links_to_the_portal(member, panel, fieldwork, sink) -> None:
    invite_all(panel, fieldwork)
    mailing.deliveries_send(panel_invitation_ids=list(
        PanelInvitation.objects.values_list("pk", flat=True)), number=0)
    [received] = sink.messages
    assert "https://peiling.example/panel/testpanel/mijn/" in received.message.get_content()
    # a researcher's own text without the placeholder gets the address at its end
    letter = mail.Letter(to="a@example.org", name="", language="nl", panel_name="Testpanel",
                         survey_name="Peiling", closes_at=timezone.now(), link="https://x/s/1",
                         unsubscribe_token="t", reminder=False, subject_text="Doe mee",
                         body_text="Klik {link}\n\nAfmelden: {afmelden}",
                         portal=mail.portal_url("testpanel"))
    body = mail.message_build(letter).body
    assert body.endswith("https://peiling.example/panel/testpanel/mijn/\n")
    assert "op uw ledenpagina" in body
