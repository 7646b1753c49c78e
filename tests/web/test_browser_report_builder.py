"""The report builder as a researcher uses it in a real browser: the outline without YAML, a
build made in the background, a key finding rewritten and kept through a rebuild, quotes picked
from the open answers per subgroup. Every page passes axe-core and the Content-Security-Policy.
"""

from __future__ import annotations

import pytest

from peiling.fieldwork import services as fieldwork_services
from peiling.reports.definition import parse_definition
from peiling.reports.models import ReportBuild, ReportDefinitionVersion
from tests.fieldwork.test_browser import launch, playwright_instance, press  # noqa: F401
from tests.web.test_browser_researcher import Researcher, _path, site_url  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_researcher_outlines_builds_edits_a_finding_and_picks_quotes(
        site_url, launch, organisation, make_user, example_fieldwork, settings):  # noqa: F811
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.PEILING_TASKS = "immediate"
    fieldwork_services.responses_simulate(fieldwork=example_fieldwork, n=80, seed=5,
                                          source="panel")
    user = make_user("onderzoeker", organisation)
    me = Researcher(launch(), site_url)
    page = me.page
    me.log_in(user.email, next_path=f"/veldwerk/{example_fieldwork.slug}/rapportbouwer/")
    assert page.locator("h1").inner_text().startswith("Report")
    me.axe("report builder")

    # 1. The outline: a title and a banner, without YAML.
    press(page.get_by_role("link", name="Edit the outline: title, banner, texts and chapters"))
    me.axe("report outline")
    page.fill("#id_title", "Digitalisering in 2026")
    page.select_option("#id_banner", "org_type")
    press(page.locator("#settings-form button[type=submit]"))
    assert page.locator("#id_title").input_value() == "Digitalisering in 2026"
    definition = parse_definition(ReportDefinitionVersion.objects.get().text)
    assert definition.title == "Digitalisering in 2026"

    # 2. Build it: the job runs, its page links the build.
    me.goto(f"/veldwerk/{example_fieldwork.slug}/rapportbouwer/")
    press(page.get_by_role("button", name="Build the report (definition version 1)"))
    assert _path(page.url).startswith("/taken/")
    build = ReportBuild.objects.get()
    me.goto(f"/rapportversies/{build.pk}/")
    assert "Digitalisering in 2026" in page.locator("main").inner_text()
    me.axe("report build with its key findings")

    # 3. Rewrite the first key finding; it survives a rebuild, marked as edited.
    first = page.locator("#kernpunt-1")
    drafted = first.locator("p").first.inner_text()
    first.locator("summary").click()
    first.locator("textarea").fill("Onze eigen zin over de wenselijkheid.")
    press(first.get_by_role("button", name="Save the text"))
    assert page.locator("[role=status], .messages").first.is_visible()
    press(page.get_by_role("button", name="Build the report again"))
    rebuilt = ReportBuild.objects.order_by("-pk").first()
    me.goto(f"/rapportversies/{rebuilt.pk}/")
    edited = page.locator("#kernpunt-1")
    assert "Onze eigen zin over de wenselijkheid." in edited.inner_text()
    assert edited.locator(".badge").inner_text() == "edited"
    assert drafted not in page.locator("#finding-editor").inner_text()
    assert "(bewerkt)" in page.locator("#inhoud").inner_text()  # in the draft report itself
    me.axe("rebuilt report with an edited finding")

    # 4. Quotes: the answers of municipal civil servants, one picked under a theme.
    me.goto(f"/veldwerk/{example_fieldwork.slug}/rapportbouwer/citaten/")
    page.select_option("#id_vraag", "desirability_why")
    page.select_option("#id_groep", "org_type:gemeente")
    press(page.get_by_role("button", name="Show the answers"))
    me.axe("quotes of a subgroup")
    quote = page.locator("#quote-pick input[type=checkbox]").first
    text = quote.get_attribute("value")
    quote.check()
    page.fill("#id_thema", "Inwoners verwachten het")
    press(page.get_by_role("button", name="Add to the report"))
    latest = parse_definition(ReportDefinitionVersion.objects.first().text)
    themes = [t for s in latest.sections for i in s.items for t in i.themes]
    assert [(t.theme, t.quotes) for t in themes] == [("Inwoners verwachten het", (text,))]
    assert latest.title == "Digitalisering in 2026" and latest.findings  # nothing else lost
    me.check()
