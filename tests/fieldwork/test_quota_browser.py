"""The quota-full page in Chromium: reached by clicking, and accessible (axe-core)."""

from __future__ import annotations

import pytest

from peiling.fieldwork import quotas, services
from peiling.fieldwork.models import Response
from tests.fieldwork.test_browser import Walker, launch, playwright_instance, press  # noqa: F401
from tests.fieldwork.test_quotas import FORM, complete

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_respondent_in_a_full_quota_gets_an_accessible_page(live_server, launch,  # noqa: F811
                                                               make_version, make_fieldwork):
    fieldwork = make_fieldwork(make_version(FORM))
    services.quota_create(fieldwork=fieldwork, name="Noord", target=1,
                          condition="${region} = 'noord'", profile_variables=["region"])
    complete(fieldwork, "gemeente", invitation=services.invitation_create(
        fieldwork=fieldwork, profile={"region": "noord"}).invitation)
    token = services.invitation_create(fieldwork=fieldwork, profile={"region": "noord"}).token
    page = launch().new_page()
    page.goto(f"{live_server.url}/s/{token}/")
    press(page.get_by_role("button", name="Beginnen"))
    assert page.url.endswith("/bedankt/")
    assert page.locator("h1").inner_text() == quotas.TITLE["nl"]
    assert quotas.DEFAULT_TEXT["nl"] in page.locator("main").inner_text()
    Walker(page, None, {}).axe("quota-full page")
    assert list(Response.objects.values_list("status", flat=True).order_by("pk")) == [
        "completed", "quota_full"]
