"""Joining a panel in a real browser (Chromium through Playwright, axe-core on every page):
the public page, a sign-up refused and corrected, the confirmation e-mail through a real SMTP
server, and the confirmation link."""

from __future__ import annotations

import pytest

from peiling.panel.models import Member
from tests.fieldwork.test_browser import launch, playwright_instance, press  # noqa: F401
from tests.panel.test_joining import _confirm_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = ("async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
       ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))")


@pytest.fixture
def open_panel(panel, sink, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    panel.signup_open, panel.consent_version = True, "2026-1"
    panel.description = "Het Testpanel volgt de mening van ambtenaren."
    panel.consent_text = "Ik wil af en toe een vragenlijst invullen."
    panel.save()
    return panel


def _axe(page, where: str) -> None:
    assert page.evaluate(AXE) == [], f"{where}: {page.url}"


def test_sign_up_and_confirm_in_a_browser(launch, live_server, open_panel, sink) -> None:  # noqa: F811
    page = launch().new_page(locale="nl-NL")
    page.goto(f"{live_server.url}/panel/testpanel/?bron=poster")
    assert page.locator("h1").inner_text() == "Testpanel"
    _axe(page, "public page")

    page.get_by_label("Uw e-mailadres").fill("nieuw@example.org")
    press(page.get_by_role("button", name="Aanmelden"))
    summary = page.locator(".error-summary")
    assert "Vink het vakje aan" in summary.inner_text()
    assert "Beantwoord deze vraag" in summary.inner_text()
    _axe(page, "sign-up refused")
    assert not Member.objects.exists()

    # what was typed stays; the rest is answered now
    assert page.get_by_label("Uw e-mailadres").input_value() == "nieuw@example.org"
    page.get_by_label("Gemeente").check()
    page.get_by_label("Geboortejaar").fill("1980")
    page.get_by_label("Ik doe mee aan Testpanel").check()
    press(page.get_by_role("button", name="Aanmelden"))
    assert page.locator("h1").inner_text() == "Kijk in uw e-mail"
    _axe(page, "sign-up sent")

    [received] = sink.messages
    page.goto(live_server.url + _confirm_path(received.message))
    assert page.locator("h1").inner_text() == "Bevestig uw aanmelding"
    _axe(page, "confirm")
    press(page.get_by_role("button", name="Bevestigen"))
    assert page.locator("h1").inner_text() == "Welkom bij het panel"
    _axe(page, "confirmed")
    member = Member.objects.get()
    assert (member.status, member.recruitment_source) == ("active", "poster")
    assert member.profile == {"org_type": "gemeente", "birth_year": 1980}


def test_the_member_portal_in_a_browser(launch, live_server, open_panel, sink,  # noqa: F811
                                        add_member) -> None:
    import json

    from tests.panel.test_portal import LOGIN_LINK

    member = add_member("jan@example.org", org_type="rijk", birth_year=1970)
    page = launch().new_page(locale="nl-NL", accept_downloads=True)
    page.goto(f"{live_server.url}/panel/testpanel/mijn/")
    _axe(page, "portal log-in")
    page.get_by_label("Uw e-mailadres").fill("jan@example.org")
    press(page.get_by_role("button", name="Stuur mij een inloglink"))
    assert page.locator("h1").inner_text() == "Kijk in uw e-mail"
    _axe(page, "portal link sent")

    [received] = sink.messages
    page.goto(live_server.url + LOGIN_LINK.search(received.message.get_content()).group(1))
    _axe(page, "log-in link")
    press(page.get_by_role("button", name="Inloggen"))
    assert "U bent ingelogd als jan@example.org" in page.locator("#member-status").inner_text()
    _axe(page, "portal home")

    press(page.get_by_role("link", name="Wijzig uw gegevens"))
    _axe(page, "profile form")
    page.get_by_label("Geboortejaar").fill("19x0")
    press(page.get_by_role("button", name="Opslaan"))
    assert "Vul een heel getal in" in page.locator(".error-summary").inner_text()
    _axe(page, "profile refused")
    page.get_by_label("Gemeente").check()
    page.get_by_label("Geboortejaar").fill("1971")
    press(page.get_by_role("button", name="Opslaan"))
    assert "Uw gegevens zijn bewaard" in page.locator(".messages").inner_text()
    member.refresh_from_db()
    assert member.profile == {"org_type": "gemeente", "birth_year": 1971}

    with page.expect_download() as download:
        page.get_by_role("link", name="Download uw gegevens (JSON)").click()
    data = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert data["email"] == "jan@example.org"

    press(page.get_by_role("link", name="Uw gegevens wissen"))
    _axe(page, "erase")
    page.get_by_label("Ik begrijp dat het wissen niet ongedaan kan worden gemaakt").check()
    press(page.get_by_role("button", name="Wis mijn gegevens"))
    assert page.locator("h1").inner_text() == "Uw gegevens zijn gewist"
    _axe(page, "erased")
    member.refresh_from_db()
    assert (member.status, member.email) == ("erased", None)
