"""The fieldwork pages of the researcher web app: creating fieldwork, open links and their QR
codes, quotas, closing and re-opening, and the live monitor."""

from __future__ import annotations

import datetime as dt
import html
import re
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from peiling.fieldwork import selectors
from peiling.fieldwork import services as fieldwork_services
from peiling.fieldwork.models import Fieldwork, OpenLink, Quota
from peiling.questionnaires.models import FormVersion, Questionnaire

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def researcher(client: Client, login_as) -> Client:
    client.cookies["django_language"] = "en"
    return login_as("onderzoeker")


def _moment(delta: dt.timedelta) -> tuple[str, dt.datetime]:
    """A moment ``delta`` from now as the form's field writes it, and as the aware datetime."""
    moment = timezone.localtime(timezone.now() + delta).replace(second=0, microsecond=0)
    return moment.strftime("%Y-%m-%dT%H:%M"), moment


def _errors(page: str, field: str) -> list[str]:
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', page, re.S)
    if not match:
        return []
    return [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", match.group(1), re.S)]


def _non_field_errors(page: str) -> list[str]:
    match = re.search(r'<div class="utrecht-alert utrecht-alert--error" role="alert">(.*?)</div>',
                      page, re.S)
    return [] if not match else [html.unescape(text) for text in re.findall(
        r'<p class="utrecht-paragraph">(.*?)</p>', match.group(1), re.S)]


def _other_version(other_organisation, example_version) -> FormVersion:
    """The example questionnaire as a study of another organisation."""
    questionnaire = Questionnaire.objects.create(
        organisation=other_organisation, form_id=example_version.questionnaire.form_id,
        title="Studie van een ander")
    return FormVersion.objects.create(
        questionnaire=questionnaire, number=1, version=example_version.version,
        content_hash=example_version.content_hash, definition=example_version.definition,
        source=example_version.source, question_count=example_version.question_count,
        page_count=example_version.page_count)


# -- creating fieldwork ---------------------------------------------------------------------


def test_create_fieldwork(researcher, example_version) -> None:
    opens, opens_at = _moment(dt.timedelta(hours=-1))
    closes, closes_at = _moment(dt.timedelta(days=14))
    study = example_version.questionnaire_id
    assert researcher.get(f"/onderzoeken/{study}/veldwerk/nieuw/").status_code == 200
    response = researcher.post(f"/onderzoeken/{study}/veldwerk/nieuw/", {
        "version": example_version.pk, "name": "Digitalisering 2026", "slug": "digi-2026",
        "opens_at": opens, "closes_at": closes})
    assert (response.status_code, response["Location"]) == (302, "/veldwerk/digi-2026/")
    fieldwork = Fieldwork.objects.get()
    assert (fieldwork.slug, fieldwork.name, fieldwork.form_version) == (
        "digi-2026", "Digitalisering 2026", example_version)
    assert (fieldwork.opens_at, fieldwork.closes_at) == (opens_at, closes_at)
    assert fieldwork.created_by.email == "onderzoeker@standaard.nl"
    assert researcher.get("/veldwerk/digi-2026/").status_code == 200


@pytest.mark.parametrize("case", ["closes-before-opens", "closes-at-opening", "duplicate-slug",
                                  "bad-slug", "other-organisation-version", "missing-name"])
def test_bad_fieldwork_is_refused_and_nothing_stored(researcher, example_version,
                                                     other_organisation, case: str) -> None:
    existing = fieldwork_services.fieldwork_create(
        form_version=example_version, slug="bestaat", name="Bestaat",
        opens_at=timezone.now(), closes_at=timezone.now() + dt.timedelta(days=1))
    opens, _ = _moment(dt.timedelta(hours=-1))
    closes, _ = _moment(dt.timedelta(days=14))
    data = {"version": example_version.pk, "name": "Nieuw", "slug": "nieuw",
            "opens_at": opens, "closes_at": closes}
    field = {"closes-before-opens": "closes_at", "closes-at-opening": "closes_at",
             "duplicate-slug": "slug", "bad-slug": "slug",
             "other-organisation-version": "version", "missing-name": "name"}[case]
    if case == "closes-before-opens":
        data["closes_at"] = _moment(dt.timedelta(hours=-2))[0]
    elif case == "closes-at-opening":
        data["closes_at"] = opens
    elif case == "duplicate-slug":
        data["slug"] = existing.slug
    elif case == "bad-slug":
        data["slug"] = "met spatie!"
    elif case == "other-organisation-version":
        data["version"] = _other_version(other_organisation, example_version).pk
    else:
        data["name"] = ""
    response = researcher.post(
        f"/onderzoeken/{example_version.questionnaire_id}/veldwerk/nieuw/", data)
    assert response.status_code == 400
    errors = _errors(response.content.decode(), field)
    assert len(errors) == 1
    if case.startswith("closes"):
        assert errors == ["The fieldwork must close after it opens."]
    if case == "duplicate-slug":
        assert errors == ["Fieldwork period with this Short name already exists."]
    assert list(Fieldwork.objects.values_list("slug", flat=True)) == ["bestaat"]


def test_fieldwork_on_a_study_of_another_organisation_is_not_found(
        researcher, example_version, other_organisation) -> None:
    other = _other_version(other_organisation, example_version)
    opens, _ = _moment(dt.timedelta(hours=-1))
    closes, _ = _moment(dt.timedelta(days=14))
    response = researcher.post(f"/onderzoeken/{other.questionnaire_id}/veldwerk/nieuw/", {
        "version": other.pk, "name": "Nieuw", "slug": "nieuw", "opens_at": opens,
        "closes_at": closes})
    assert response.status_code == 404
    assert Fieldwork.objects.count() == 0


def test_an_analist_may_not_create_fieldwork(client, login_as, example_version) -> None:
    analist = login_as("analist")
    opens, _ = _moment(dt.timedelta(hours=-1))
    closes, _ = _moment(dt.timedelta(days=14))
    response = analist.post(f"/onderzoeken/{example_version.questionnaire_id}/veldwerk/nieuw/", {
        "version": example_version.pk, "name": "Nieuw", "slug": "nieuw", "opens_at": opens,
        "closes_at": closes})
    assert response.status_code == 403
    assert Fieldwork.objects.count() == 0


# -- open links and QR codes ----------------------------------------------------------------


def test_open_links_and_their_qr_code(researcher, example_fieldwork) -> None:
    url = f"/veldwerk/{example_fieldwork.slug}/links/"
    response = researcher.post(url, {"source": "nieuwsbrief"})
    assert (response.status_code, response["Location"]) == (302,
                                                            f"/veldwerk/{example_fieldwork.slug}/")
    link = OpenLink.objects.get()
    assert (link.fieldwork, link.source, link.is_active) == (example_fieldwork, "nieuwsbrief",
                                                             True)
    duplicate = researcher.post(url, {"source": "nieuwsbrief"})
    assert duplicate.status_code == 400
    assert len(_errors(duplicate.content.decode(), "source")) == 1
    assert researcher.post(url, {"source": "met spatie"}).status_code == 400
    assert researcher.post(url, {"source": ""}).status_code == 400
    assert OpenLink.objects.count() == 1

    page = researcher.get(f"/veldwerk/{example_fieldwork.slug}/").content.decode()
    address = selectors.open_link_url(open_link=link)
    assert address.endswith(f"/s/o/{link.key}/")
    assert f'value="{address}"' in page

    qr = researcher.get(f"/veldwerk/{example_fieldwork.slug}/links/{link.pk}/qr.svg")
    assert qr.status_code == 200
    assert qr["Content-Type"] == "image/svg+xml"
    assert qr["Content-Disposition"] == (
        f'inline; filename="qr-{example_fieldwork.slug}-nieuwsbrief.svg"')
    root = ET.fromstring(qr.content)
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}title").text == address
    assert root.find(f"{SVG}path") is not None  # the modules
    # A link of another fieldwork is not found under this one.
    other = fieldwork_services.fieldwork_create(
        form_version=example_fieldwork.form_version, slug="ander-veld", name="Ander",
        opens_at=timezone.now(), closes_at=timezone.now() + dt.timedelta(days=1))
    assert researcher.get(f"/veldwerk/{other.slug}/links/{link.pk}/qr.svg").status_code == 404


# -- quotas ---------------------------------------------------------------------------------


def test_a_good_quota_is_stored_and_can_be_switched_off_and_on(researcher,
                                                               example_fieldwork) -> None:
    slug = example_fieldwork.slug
    response = researcher.post(f"/veldwerk/{slug}/quota/", {
        "name": "Gemeenten", "condition": "${org_type} = 'gemeente'", "target": "50",
        "text": "Er zijn genoeg antwoorden van gemeenten."})
    assert (response.status_code, response["Location"]) == (302, f"/veldwerk/{slug}/")
    quota = Quota.objects.get()
    assert (quota.fieldwork, quota.name, quota.condition, quota.target, quota.is_active) == (
        example_fieldwork, "Gemeenten", "${org_type} = 'gemeente'", 50, True)
    assert quota.text == {"nl": "Er zijn genoeg antwoorden van gemeenten."}
    assert Fieldwork.objects.get(pk=example_fieldwork.pk).has_quotas is True
    page = researcher.get(f"/veldwerk/{slug}/").content.decode()
    table = re.search(r'<table[^>]*id="quota-table".*?</table>', page, re.S).group(0)
    assert "Gemeenten" in table and "${org_type} = &#x27;gemeente&#x27;" in table
    assert re.findall(r'<td class="number">(\d+)</td>', table) == ["0", "50"]

    off = researcher.post(f"/veldwerk/{slug}/quota/{quota.pk}/actief/", {"active": "0"})
    assert (off.status_code, off["Location"]) == (302, f"/veldwerk/{slug}/")
    quota.refresh_from_db()
    assert quota.is_active is False
    researcher.post(f"/veldwerk/{slug}/quota/{quota.pk}/actief/", {"active": "1"})
    quota.refresh_from_db()
    assert quota.is_active is True


@pytest.mark.parametrize(("condition", "target", "field", "expected"), [
    ("${sector} = 'gemeente'", "10", "condition", "${sector} is neither a question"),
    ("${org_type} = = 'gemeente'", "10", "condition", ""),
    ("${org_type} = 'gemeente'", "0", "target", ""),
    ("${org_type} = 'gemeente'", "-3", "target", ""),
    ("${org_type} = 'gemeente'", "veel", "target", ""),
    ("", "10", "condition", ""),
])
def test_a_bad_quota_is_refused(researcher, example_fieldwork, condition: str, target: str,
                                field: str, expected: str) -> None:
    response = researcher.post(f"/veldwerk/{example_fieldwork.slug}/quota/", {
        "name": "Q", "condition": condition, "target": target, "text": ""})
    assert response.status_code == 400
    errors = _errors(response.content.decode(), field)
    assert len(errors) == 1
    assert expected in errors[0]
    assert Quota.objects.count() == 0
    assert Fieldwork.objects.get(pk=example_fieldwork.pk).has_quotas is False


def test_a_quota_of_another_fieldwork_is_not_switched(researcher, example_fieldwork) -> None:
    other = fieldwork_services.fieldwork_create(
        form_version=example_fieldwork.form_version, slug="ander-veld", name="Ander",
        opens_at=timezone.now(), closes_at=timezone.now() + dt.timedelta(days=1))
    quota = fieldwork_services.quota_create(fieldwork=other, name="Rijk",
                                            condition="${org_type} = 'rijk'", target=5)
    response = researcher.post(f"/veldwerk/{example_fieldwork.slug}/quota/{quota.pk}/actief/",
                               {"active": "0"})
    assert response.status_code == 404
    quota.refresh_from_db()
    assert quota.is_active is True


# -- closing and re-opening -----------------------------------------------------------------


def test_close_then_reopen(researcher, example_fieldwork) -> None:
    slug = example_fieldwork.slug
    link = fieldwork_services.open_link_create(fieldwork=example_fieldwork, source="website")
    respondent = Client()
    assert respondent.get(f"/s/o/{link.key}/").status_code == 200

    before = timezone.now()
    response = researcher.post(f"/veldwerk/{slug}/sluiten/")
    assert (response.status_code, response["Location"]) == (302, f"/veldwerk/{slug}/")
    example_fieldwork.refresh_from_db()
    assert before <= example_fieldwork.closes_at <= timezone.now()
    closed = respondent.get(f"/s/o/{link.key}/")
    assert closed.status_code == 403  # peiling.fieldwork.errors.Closed
    assert closed.templates[0].name == "fieldwork/message.html"
    assert respondent.post(f"/s/o/{link.key}/", {"action": "start"}).status_code == 403
    assert example_fieldwork.responses.count() == 0
    # Closing a closed fieldwork again changes nothing.
    closed_at = example_fieldwork.closes_at
    again = researcher.post(f"/veldwerk/{slug}/sluiten/", follow=True)
    assert [str(m) for m in again.context["messages"]][-1] == "The fieldwork is closed already."
    example_fieldwork.refresh_from_db()
    assert example_fieldwork.closes_at == closed_at

    past, _ = _moment(dt.timedelta(hours=-1))
    refused = researcher.post(f"/veldwerk/{slug}/heropenen/", {"closes_at": past})
    assert refused.status_code == 400
    assert _errors(refused.content.decode(), "closes_at") == ["Choose a moment in the future."]
    assert researcher.post(f"/veldwerk/{slug}/heropenen/", {"closes_at": "morgen"}
                           ).status_code == 400
    example_fieldwork.refresh_from_db()
    assert example_fieldwork.closes_at == closed_at
    assert respondent.get(f"/s/o/{link.key}/").status_code == 403

    future, future_at = _moment(dt.timedelta(days=3))
    reopened = researcher.post(f"/veldwerk/{slug}/heropenen/", {"closes_at": future})
    assert (reopened.status_code, reopened["Location"]) == (302, f"/veldwerk/{slug}/")
    example_fieldwork.refresh_from_db()
    assert example_fieldwork.closes_at == future_at
    assert respondent.get(f"/s/o/{link.key}/").status_code == 200
    # An open fieldwork cannot be re-opened (a stale page, a second tab).
    still_open = researcher.post(f"/veldwerk/{slug}/heropenen/",
                                 {"closes_at": _moment(dt.timedelta(days=9))[0]})
    assert still_open.status_code == 302
    example_fieldwork.refresh_from_db()
    assert example_fieldwork.closes_at == future_at


def test_reopening_an_open_fieldwork_says_why(researcher, example_fieldwork) -> None:
    """A second tab re-opens what is open already: the page says so."""
    response = researcher.post(f"/veldwerk/{example_fieldwork.slug}/heropenen/",
                               {"closes_at": _moment(dt.timedelta(days=9))[0]}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["The fieldwork is still open."]


def test_closing_fieldwork_that_has_not_opened_is_refused(researcher, example_version) -> None:
    fieldwork = fieldwork_services.fieldwork_create(
        form_version=example_version, slug="later", name="Later",
        opens_at=timezone.now() + dt.timedelta(days=2),
        closes_at=timezone.now() + dt.timedelta(days=9))
    closes_at = fieldwork.closes_at
    response = researcher.post("/veldwerk/later/sluiten/", follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "The fieldwork has not opened yet; change its dates instead."]
    fieldwork.refresh_from_db()
    assert fieldwork.closes_at == closes_at


# -- the monitor ----------------------------------------------------------------------------


def _card(page: str, title: str) -> str:
    match = re.search(rf'<h2 class="utrecht-heading-3">{title}</h2><p class="big">(.*?)</p>', page)
    assert match, title
    return match.group(1)


def test_the_monitor_page_and_its_fragment(researcher, example_fieldwork) -> None:
    fieldwork_services.responses_simulate(fieldwork=example_fieldwork, n=3, seed=2,
                                          source="website")
    url = f"/veldwerk/{example_fieldwork.slug}/monitor/"
    page = researcher.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "<html" in text and 'id="monitor"' in text and 'id="totals"' in text
    fragment = researcher.get(url, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    part = fragment.content.decode()
    assert "<html" not in part and 'id="monitor"' not in part
    assert 'id="totals"' in part
    assert _card(part, "Started") == "3"
    assert _card(part, "Completed") == str(example_fieldwork.responses.filter(
        status="completed").count())
    sources = re.search(r'<table[^>]*id="sources".*?</table>', part, re.S).group(0)
    assert "<td>website</td>" in sources


def test_the_monitor_needs_the_same_queries_for_3_and_30_responses(researcher,
                                                                   example_fieldwork) -> None:
    url = f"/veldwerk/{example_fieldwork.slug}/monitor/"
    fieldwork_services.quota_create(fieldwork=example_fieldwork, name="Gemeenten",
                                    condition="${org_type} = 'gemeente'", target=100)
    fieldwork_services.responses_simulate(fieldwork=example_fieldwork, n=3, seed=3)
    fieldwork_services.response_start(fieldwork=example_fieldwork, language="nl", source="web")
    assert researcher.get(url).status_code == 200  # warm caches (the parsed form, the session)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert researcher.get(url, HTTP_HX_REQUEST="true").status_code == 200
        return len(captured)

    few = queries()
    fieldwork_services.responses_simulate(fieldwork=example_fieldwork, n=27, seed=4,
                                          source="nieuwsbrief")
    for _ in range(5):
        fieldwork_services.response_start(fieldwork=example_fieldwork, language="nl",
                                          source="web")
    assert example_fieldwork.responses.count() == 36
    assert queries() == few
    full = researcher.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert _card(full, "Started") == "36"


def test_the_monitor_of_another_organisation_is_not_found(researcher, example_version,
                                                          other_organisation) -> None:
    other = fieldwork_services.fieldwork_create(
        form_version=_other_version(other_organisation, example_version), slug="van-elders",
        name="Elders", opens_at=timezone.now() - dt.timedelta(days=1),
        closes_at=timezone.now() + dt.timedelta(days=1))
    for url in ("/veldwerk/van-elders/", "/veldwerk/van-elders/monitor/"):
        assert researcher.get(url).status_code == 404
    assert researcher.post("/veldwerk/van-elders/sluiten/").status_code == 404
    assert researcher.post("/veldwerk/van-elders/links/", {"source": "x"}).status_code == 404
    other.refresh_from_db()
    assert other.closes_at > timezone.now() and other.open_links.count() == 0
