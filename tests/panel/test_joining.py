"""Joining a panel from its public page: the page, the sign-up form (profile questions drawn by
the respondent pages' machinery), double opt-in through a real SMTP server, limits, and every
bad input a visitor can give."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peiling.panel import joining
from peiling.panel.errors import SampleError
from peiling.panel.models import ConsentRecord, Member, MemberToken, SignupAttempt
from peiling.panel.services import member_erase, members_erase_expired
from tests.panel.helpers import invite_all

pytestmark = pytest.mark.django_db

CONFIRM_LINK = re.compile(r"https://peiling\.example(/panel/bevestigen/[^/\s]+/)")


@pytest.fixture
def open_panel(panel, sink, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    panel.signup_open = True
    panel.description = "Het Testpanel volgt de mening van ambtenaren over hun werk."
    panel.privacy_statement = "Wij bewaren uw e-mailadres apart van uw antwoorden."
    panel.consent_text = "Ik wil af en toe een vragenlijst invullen."
    panel.consent_version = "2026-1"
    panel.save()
    return panel


def _post(client: Client, panel, **fields) -> object:
    data = {"signup-email": "nieuw@example.org", "signup-consent": "yes",
            "signup-source": "nieuwsbrief", "org_type": "gemeente", "birth_year": "1980",
            **fields}
    data = {name: value for name, value in data.items() if value is not None}
    return client.post(reverse("panel:public", args=[panel.slug]), data)


def _confirm_path(message) -> str:
    match = CONFIRM_LINK.search(message.get_content())
    assert match, message.get_content()
    return match.group(1)


def test_the_public_page_shows_the_panel_and_its_profile_questions(open_panel) -> None:
    response = Client().get(reverse("panel:public", args=["testpanel"]) + "?bron=flyer")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Het Testpanel volgt de mening van ambtenaren" in html
    assert "Dit panel wordt beheerd door" in html
    assert reverse("panel:privacy", args=["testpanel"]) in html
    # the profile form's questions, as the respondent pages draw them
    for label in ("Type organisatie", "Werkterrein", "Geboortejaar"):
        assert label in html
    assert 'name="org_type" value="gemeente"' in html
    assert "Ik wil af en toe een vragenlijst invullen." in html
    assert 'name="signup-source" value="flyer"' in html
    privacy = Client().get(reverse("panel:privacy", args=["testpanel"]))
    assert "Wij bewaren uw e-mailadres apart" in privacy.content.decode()
    assert "2026-1" in privacy.content.decode()


def test_a_panel_closed_for_sign_up_has_no_public_page(panel) -> None:
    assert Client().get(reverse("panel:public", args=[panel.slug])).status_code == 404
    assert Client().get(reverse("panel:public", args=["bestaat-niet"])).status_code == 404


def test_sign_up_confirm_by_the_e_mailed_link_and_only_then_sampled(open_panel, sink,
                                                                     fieldwork) -> None:
    client = Client()
    response = _post(client, open_panel, **{"signup-email": " Nieuw@Example.org "})
    assert response.status_code == 302
    assert response["Location"] == reverse("panel:signup_sent", args=["testpanel"])
    assert "Kijk in uw e-mail" in client.get(response["Location"]).content.decode()
    member = Member.objects.get(email="nieuw@example.org")
    assert member.status == Member.Status.PENDING
    assert member.profile == {"org_type": "gemeente", "birth_year": 1980}
    assert member.recruitment_source == "nieuwsbrief"
    assert member.recruited_on is None
    consent = ConsentRecord.objects.get(member=member)
    assert (consent.text_version, consent.withdrawn_at) == ("2026-1", None)
    # unconfirmed: no one to sample
    with pytest.raises(SampleError):
        invite_all(open_panel, fieldwork)

    [received] = sink.messages
    assert received.rcpt_tos == ("nieuw@example.org",)
    assert received.message["Subject"] == "Bevestig uw aanmelding bij Testpanel"
    path = _confirm_path(received.message)
    assert MemberToken.objects.get().digest not in received.message.get_content()

    page = client.get(path)  # what a mail scanner does: nothing changes
    assert page.status_code == 200 and "Bevestigen" in page.content.decode()
    member.refresh_from_db()
    assert member.status == Member.Status.PENDING

    done = client.post(path)
    assert done.status_code == 200
    assert "Uw aanmelding bij Testpanel is bevestigd" in done.content.decode()
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE
    assert member.recruited_on == timezone.localdate()
    assert invite_all(open_panel, fieldwork).drawn == 1
    again = client.post(path)
    assert again.status_code == 410
    assert "al gebruikt" in again.content.decode()


def test_a_second_sign_up_tells_nothing_and_changes_no_profile(open_panel, sink,
                                                                add_member) -> None:
    add_member("lid@example.org", org_type="rijk")
    first = _post(Client(), open_panel, **{"signup-email": "lid@example.org"})
    second = _post(Client(), open_panel, **{"signup-email": "ander@example.org"})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    member = Member.objects.get(email="lid@example.org")
    assert (member.status, member.profile) == (Member.Status.ACTIVE, {"org_type": "rijk"})
    subjects = {m.rcpt_tos[0]: m.message["Subject"] for m in sink.messages}
    assert subjects == {"lid@example.org": "Uw aanmelding bij Testpanel",
                        "ander@example.org": "Bevestig uw aanmelding bij Testpanel"}
    member_mail = next(m for m in sink.messages if m.rcpt_tos[0] == "lid@example.org")
    assert "al lid" in member_mail.message.get_content()
    assert "/bevestigen/" not in member_mail.message.get_content()


def test_signing_up_again_before_confirming_sends_a_new_link(open_panel, sink) -> None:
    _post(Client(), open_panel)
    _post(Client(), open_panel, org_type="rijk")
    member = Member.objects.get()
    assert member.profile["org_type"] == "rijk"
    assert member.consents.count() == 1
    first, second = (_confirm_path(m.message) for m in sink.messages)
    assert first != second
    assert Client().post(first).status_code == 200  # both work, once each


@pytest.mark.parametrize(("fields", "message"), [
    ({"signup-email": "geen-adres"}, "Vul uw e-mailadres in"),
    ({"signup-email": None}, "Vul uw e-mailadres in"),
    ({"signup-consent": None}, "Vink het vakje aan"),
    ({"org_type": None}, "Beantwoord deze vraag"),
    ({"birth_year": "negentien"}, "Vul een heel getal in"),
    ({"birth_year": "9" * 40}, "Dit getal is te groot"),
])
def test_bad_input_is_refused_with_a_message_and_stores_nothing(open_panel, sink, fields,
                                                                message) -> None:
    response = _post(Client(), open_panel, **fields)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'class="utrecht-alert utrecht-alert--error error-summary"' in html
    assert not Member.objects.exists() and not SignupAttempt.objects.exists()
    assert sink.messages == []


def test_a_forged_choice_is_refused(open_panel, sink) -> None:
    response = _post(Client(), open_panel, org_type="<script>alert(1)</script>")
    assert response.status_code == 400
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert not Member.objects.exists()


def test_script_in_the_address_or_source_never_reaches_a_page_as_markup(open_panel) -> None:
    response = _post(Client(), open_panel, **{"signup-email": "<script>x</script>@a.nl"})
    assert response.status_code == 400
    assert "<script>x</script>" not in response.content.decode()
    page = Client().get(reverse("panel:public", args=["testpanel"]) + "?bron=%22%3E%3Cb%3E")
    assert '"><b>' not in page.content.decode()


def test_the_honeypot_gets_the_same_answer_and_nothing_happens(open_panel, sink) -> None:
    response = _post(Client(), open_panel, **{"signup-url": "http://spam.example"})
    assert response.status_code == 302
    assert response["Location"] == reverse("panel:signup_sent", args=["testpanel"])
    assert not Member.objects.exists() and sink.messages == []


def test_forged_and_expired_links(open_panel, sink) -> None:
    forged = reverse("panel:signup_confirm", args=["x" * 32])
    assert Client().get(forged).status_code == 404
    assert Client().post(forged).status_code == 404
    assert Client().get(reverse("panel:signup_confirm", args=["kort"])).status_code == 404
    _post(Client(), open_panel)
    path = _confirm_path(sink.messages[0].message)
    MemberToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = Client().post(path)
    assert response.status_code == 410
    assert "verlopen" in response.content.decode()
    assert Member.objects.get().status == Member.Status.PENDING


def test_limits_per_address_and_per_network(open_panel, sink, settings) -> None:
    settings.PEILING_SIGNUP_PER_NETWORK = 20
    for _ in range(joining.rate_limits()["address"] + 1):
        assert _post(Client(), open_panel).status_code == 302
    # over the address's limit: the same answer, no more e-mail
    assert len(sink.messages) == joining.rate_limits()["address"]
    network = [Client(REMOTE_ADDR=f"192.0.2.{n}") for n in range(1, 30)]
    answers = [_post(client, open_panel, **{"signup-email": f"p{n}@example.org"}).status_code
               for n, client in enumerate(network)]
    assert answers.count(302) == joining.rate_limits()["network"]
    assert answers[-1] == 429
    refused = _post(network[0], open_panel, **{"signup-email": "laat@example.org"})
    assert "Te veel aanmeldingen" in refused.content.decode()
    assert not Member.objects.filter(email="laat@example.org").exists()
    # another network is not held back
    assert _post(Client(REMOTE_ADDR="198.51.100.7"), open_panel,
                 **{"signup-email": "elders@example.org"}).status_code == 302


def test_networks_are_counted_by_prefix() -> None:
    assert joining.network_of("192.0.2.77") == "192.0.2.0/24"
    assert joining.network_of("2001:db8:1:2::5") == "2001:db8:1::/48"
    assert joining.network_of("::ffff:192.0.2.9") == "192.0.2.0/24"
    assert joining.network_of("geen ip") == "unknown"


def test_unconfirmed_sign_ups_go_and_erasure_ends_the_links(open_panel, sink) -> None:
    _post(Client(), open_panel)
    _post(Client(), open_panel, **{"signup-email": "twee@example.org"})
    path = _confirm_path(sink.messages[1].message)
    Member.objects.filter(email="nieuw@example.org").update(
        status_changed_at=timezone.now() - 5 * joining.CONFIRM_VALID)
    members_erase_expired()
    assert list(Member.objects.values_list("email", flat=True)) == ["twee@example.org"]
    member_erase(member=Member.objects.get())
    assert not MemberToken.objects.exists()
    assert Client().post(path).status_code == 404


def test_the_report_says_how_its_panel_respondents_were_recruited(open_panel, sink, fieldwork,
                                                                  add_member) -> None:
    from peiling.panel.selectors import recruitment_of_respondents
    from tests.panel.helpers import respond

    _post(Client(), open_panel, **{"signup-source": "nieuwsbrief"})
    _post(Client(), open_panel, **{"signup-email": "twee@example.org", "signup-source": ""})
    for received in sink.messages:
        Client().post(_confirm_path(received.message))
    add_member("oud@example.org", org_type="rijk")  # imported: no source recorded
    invite_all(open_panel, fieldwork)
    for item in fieldwork.panel_invitations.all():
        respond(item)
    assert recruitment_of_respondents(fieldwork=fieldwork) == (
        ("aanmeldpagina", 1), ("nieuwsbrief", 1), ("onbekend", 1))
