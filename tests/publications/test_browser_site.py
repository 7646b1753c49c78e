"""The public panel site in a real browser (Chromium, axe-core on every page): a researcher
drafts an article from a fieldwork's report, edits and publishes it; it is on the list and in
the feed; a reader reacts; the researcher approves the reaction and it shows."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.conftest import PASSWORD
from tests.fieldwork.test_browser import launch, playwright_instance, press  # noqa: F401
from tests.publications.test_site import world  # noqa: F401  (fixture)
from tests.web.test_browser_researcher import Researcher

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_draft_edit_publish_react_moderate(launch, live_server, world, organisation,  # noqa: F811
                                           make_user, settings) -> None:
    settings.PEILING_BASE_URL = live_server.url
    panel, fieldwork = world
    user = make_user("onderzoeker", organisation)
    browser = launch()
    me = Researcher(browser, live_server.url, locale="nl-NL")
    page = me.page
    me.log_in(user.email, PASSWORD, next_path=f"/veldwerk/{fieldwork.slug}/")
    press(page.get_by_role("link", name="Artikel schrijven"))
    me.axe("draft form")
    press(page.get_by_role("button", name="Schrijf het concept"))
    assert "Het concept staat klaar" in page.locator(".messages").inner_text()
    me.axe("article editor")
    draft = page.locator("#id_body").input_value()
    assert "procent" in draft and "## " in draft
    assert page.locator("#preview h2").count() >= 1

    page.fill("#id_title", "Ambtenaren over digitalisering")
    page.fill("#id_new_categories", "Digitalisering")
    page.fill("#id_body", draft + "\n\n<script>alert('x')</script>")
    press(page.get_by_role("button", name="Opslaan"))
    assert page.locator("#preview script").count() == 0
    assert "<script>alert('x')</script>" in page.locator("#preview").inner_text()
    press(page.get_by_role("button", name="Publiceren"))
    assert "Het artikel staat online" in page.locator(".messages").inner_text()
    me.axe("published article in the editor")

    reader = browser.new_page(locale="nl-NL")
    reader.goto(f"{live_server.url}/panel/{panel.slug}/artikelen/")
    assert reader.locator("h1").inner_text() == f"Alle artikelen van {panel.name}"
    assert reader.evaluate(AXE) == []
    press(reader.get_by_role("link", name="Ambtenaren over digitalisering"))
    assert reader.locator("h1").inner_text() == "Ambtenaren over digitalisering"
    assert reader.evaluate(AXE) == []
    feed = reader.request.get(f"{live_server.url}/panel/{panel.slug}/artikelen/feed.atom")
    titles = [e.findtext("{http://www.w3.org/2005/Atom}title")
              for e in ET.fromstring(feed.body()).iter("{http://www.w3.org/2005/Atom}entry")]
    assert titles == ["Ambtenaren over digitalisering"]

    press(reader.get_by_role("link", name="Schrijf een reactie"))
    assert reader.evaluate(AXE) == []
    reader.get_by_label("Uw naam").fill("Anna")
    reader.get_by_label("Uw e-mailadres").fill("anna@example.org")
    reader.get_by_label("Uw reactie").fill("Herkenbaar <b>verhaal</b>.")
    press(reader.get_by_role("button", name="Reactie versturen"))
    assert reader.locator("h1").inner_text() == "Dank u wel voor uw reactie"
    assert reader.evaluate(AXE) == []

    me.goto("/publicaties/reacties/")
    me.axe("moderation")
    press(page.get_by_role("button", name="Goedkeuren"))
    reader.goto(f"{live_server.url}/panel/{panel.slug}/artikelen/")
    press(reader.get_by_role("link", name="Ambtenaren over digitalisering"))
    reactions = reader.locator(".reactions").inner_text()
    assert "Herkenbaar <b>verhaal</b>." in reactions and "anna@example.org" not in reactions
    me.check()


AXE = ("async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
       ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))")
