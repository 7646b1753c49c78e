"""The panel pages of the researcher web app: panels, members, a member's page, AVG export and
erasure, member imports with a dry run; roles, other organisations and the audit log."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from peiling.accounts.models import AuditEvent
from peiling.forms.xlsform import read_xlsform
from peiling.jobs.models import Job
from peiling.jobs.services import job_run, job_start
from peiling.panel import selectors, services
from peiling.panel.models import ConsentRecord, ErasureRecord, Member, Panel, PanelInvitation
from peiling.questionnaires.models import FormVersion, Questionnaire
from peiling.web import panels
from tests.panel.conftest import make_fieldwork  # noqa: F401  (fixture)
from tests.panel.helpers import invite_all, respond
from tests.xlsform import write_workbook

pytestmark = pytest.mark.django_db

PROFILE = """
## survey
| type                 | name       | label            | required |
| select_one org       | org_type   | Type organisatie | yes      |
| select_multiple top  | topics     | Onderwerpen      |          |
| integer              | birth_year | Geboortejaar     |          |
## choices
| list_name | name      | label         |
| org       | gemeente  | Gemeente      |
| org       | rijk      | Rijksoverheid |
| top       | ict       | ICT           |
| top       | data      | Data          |
| top       | ai        | AI            |
## settings
| form_title | form_id      |
| Profiel    | profiel-web  |
"""

MEMBERS = (
    b"email,name,org_type,topics,birth_year\n"
    b"anna@example.org,Anna de Vries,gemeente,ict data,1980\n"
    b"bram@example.org,Bram Jansen,rijk,data,1975\n"
    b"cees@example.org,Cees Bakker,gemeente,ai ict,1990\n"
)


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


_PARSED: dict[str, tuple] = {}


def _profile(organisation, tmp_path: Path) -> FormVersion:
    """The profile form as a version of ``organisation``'s questionnaire, read with pyxform
    once a session (as ``panel_create`` stores it; ``tests/panel/conftest.stored_version``)."""
    if not _PARSED:
        source = write_workbook(PROFILE, tmp_path / "profiel.xlsx").read_bytes()
        _PARSED["form"] = (read_xlsform(source), source)
    form, source = _PARSED["form"]
    questionnaire = Questionnaire.objects.create(organisation=organisation,
                                                 form_id=form.form_id, title=form.title)
    return FormVersion.objects.create(
        questionnaire=questionnaire, number=1, version=form.version,
        content_hash=form.content_hash(), definition=form.to_dict(), source=source,
        question_count=len(form.questions()), page_count=len(form.pages()))


@pytest.fixture
def english(client):
    """Ask for the pages in English (the default language is Dutch), as a researcher's browser
    may; the tests that read the UI texts use it, so they assert the English source texts."""
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def panel(organisation, tmp_path) -> Panel:
    panel = Panel.objects.create(organisation=organisation, slug="ambtenaren",
                                 name="Ambtenarenpanel", profile=_profile(organisation, tmp_path))
    services.members_import(panel=panel, data=MEMBERS, name="leden.csv",
                            consent_version="2024-1")
    services.member_status_set(member=_get("bram@example.org"), status=Member.Status.PAUSED)
    return panel


@pytest.fixture
def other_panel(other_organisation, tmp_path) -> Panel:
    panel = Panel.objects.create(organisation=other_organisation, slug="anderpanel",
                                 name="Ander panel",
                                 profile=_profile(other_organisation, tmp_path))
    services.members_import(panel=panel, data=_csv("email,org_type", "ander@example.org,rijk"),
                            name="leden.csv")
    return panel


def test_panel_create_makes_a_panel_these_pages_show(login_as, organisation, tmp_path) -> None:
    """The fixtures above store what ``panel_create`` stores; here the service itself."""
    source = write_workbook(PROFILE, tmp_path / "profiel.xlsx").read_bytes()
    services.panel_create(slug="nieuw", name="Nieuw panel", profile_source=source,
                          profile_name="profiel.xlsx", organisation=organisation)
    response = login_as("onderzoeker").get("/panels/nieuw/")
    assert response.status_code == 200
    assert list(response.context["filters"].fields) == ["q", "status", "org_type", "topics"]


def _get(email: str) -> Member:
    return Member.objects.get(email=email)


def _emails(response) -> list[str]:
    return [row["member"].email for row in response.context["rows"]]


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def _page_urls(panel: Panel, member: Member) -> list[str]:
    return ["/panels/", f"/panels/{panel.slug}/", f"/panels/{panel.slug}/import/",
            f"/panels/{panel.slug}/leden/{member.pk}/",
            f"/panels/{panel.slug}/leden/{member.pk}/export/",
            f"/panels/{panel.slug}/leden/{member.pk}/wissen/"]


# -- who may ----------------------------------------------------------------------------------


def test_an_analist_opens_no_panel_page(login_as, panel) -> None:
    client = login_as("analist")
    anna = _get("anna@example.org")
    for url in _page_urls(panel, anna):
        assert client.get(url).status_code == 403, url
    for url in _page_urls(panel, anna)[2:]:
        assert client.post(url, {"understood": "on", "confirm": "1"}).status_code == 403, url
    assert _get("anna@example.org").status == Member.Status.ACTIVE
    assert AuditEvent.objects.count() == 0


def test_the_menu_shows_panels_to_an_onderzoeker_not_to_an_analist(login_as, panel) -> None:
    assert 'href="/panels/"' in login_as("onderzoeker").get("/onderzoeken/").content.decode()
    assert 'href="/panels/"' not in login_as("analist").get("/onderzoeken/").content.decode()


def test_logged_out_goes_to_the_log_in(client, panel) -> None:
    response = client.get("/panels/ambtenaren/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/?next=/panels/ambtenaren/")


def test_another_organisations_panel_and_members_are_not_found(login_as, panel,
                                                               other_panel) -> None:
    client = login_as("onderzoeker")
    stranger = _get("ander@example.org")
    for url in _page_urls(other_panel, stranger)[1:]:
        assert client.get(url).status_code == 404, url
    # a member of another panel through one's own panel's address
    own = f"/panels/{panel.slug}/leden/{stranger.pk}/"
    for url in (own, own + "export/", own + "wissen/"):
        assert client.get(url).status_code == 404, url
    for url in (own + "export/", own + "wissen/", "/panels/anderpanel/import/"):
        assert client.post(url, {"understood": "on", "confirm": "1"}).status_code == 404, url
    assert _get("ander@example.org").status == Member.Status.ACTIVE
    listed = client.get("/panels/")
    assert [item.panel.slug for item in listed.context["panels"]] == ["ambtenaren"]
    assert AuditEvent.objects.count() == 0


def test_a_beheerder_opens_the_panels(login_as, panel, settings) -> None:
    settings.PEILING_MFA_REQUIRED_FOR_BEHEERDER = False
    response = login_as("beheerder").get("/panels/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


# -- panels and members -----------------------------------------------------------------------


def test_the_panel_list_counts_members_per_status(login_as, panel) -> None:
    services.member_erase(member=_get("cees@example.org"))
    response = login_as("onderzoeker").get("/panels/")
    assert response.status_code == 200
    [item] = response.context["panels"]
    assert (item.panel.slug, item.total) == ("ambtenaren", 3)
    assert dict(item.counts) == {"pending": 0, "active": 1, "paused": 1, "unsubscribed": 0,
                                 "bounced": 0, "erased": 1}
    assert 'href="/panels/ambtenaren/"' in response.content.decode()


def test_the_panel_overview_is_one_query(panel, other_panel, django_assert_num_queries) -> None:
    with django_assert_num_queries(1):
        overview = selectors.panels_overview(panels=Panel.objects.all())
    assert [(item.panel.slug, item.total, dict(item.counts)["active"]) for item in overview] == [
        ("ambtenaren", 3, 2), ("anderpanel", 1, 1)]


@pytest.mark.parametrize(("query", "expected"), [
    ("", ["anna@example.org", "bram@example.org", "cees@example.org"]),
    ("q=ANNA", ["anna@example.org"]),
    ("q=jansen", ["bram@example.org"]),
    ("q=example.org&status=paused", ["bram@example.org"]),
    ("status=active", ["anna@example.org", "cees@example.org"]),
    ("org_type=gemeente", ["anna@example.org", "cees@example.org"]),
    ("org_type=rijk", ["bram@example.org"]),
    ("topics=ict", ["anna@example.org", "cees@example.org"]),
    ("topics=data", ["anna@example.org", "bram@example.org"]),
    ("topics=ai", ["cees@example.org"]),
    ("org_type=gemeente&topics=data", ["anna@example.org"]),
    ("org_type=rijk&topics=ai", []),
])
def test_the_member_list_filters(login_as, panel, query, expected) -> None:
    response = login_as("onderzoeker").get(f"/panels/ambtenaren/?{query}")
    assert response.status_code == 200
    assert _emails(response) == expected
    assert response.context["page"].paginator.count == len(expected)


@pytest.mark.usefixtures("english")
def test_the_member_list_shows_choice_labels_and_offers_a_select_per_choice_variable(
        login_as, panel) -> None:
    response = login_as("onderzoeker").get("/panels/ambtenaren/?q=cees")
    assert response.context["rows"][0]["values"] == ["Gemeente", "AI, ICT"]
    assert list(response.context["filters"].fields) == ["q", "status", "org_type", "topics"]
    assert response.context["filters"].fields["org_type"].choices == [
        ("", "all"), ("gemeente", "Gemeente"), ("rijk", "Rijksoverheid")]
    html = response.content.decode()
    assert '<option value="gemeente">Gemeente</option>' in html
    assert "Geboortejaar" not in html  # an integer variable has no select


def test_an_unknown_filter_value_is_refused(login_as, panel) -> None:
    response = login_as("onderzoeker").get("/panels/ambtenaren/?status=weg&org_type=rijk")
    assert response.status_code == 400
    assert response.context["filters"].errors["status"] == [
        "Selecteer een geldige keuze. weg is geen beschikbare keuze."]
    assert _emails(response) == ["bram@example.org"]


def _add_members(panel: Panel, count: int, start: int = 0) -> None:
    now = timezone.now()
    Member.objects.bulk_create([
        Member(panel=panel, email=f"lid{number:03d}@example.org", status_changed_at=now,
               profile={"org_type": "rijk"}) for number in range(start, start + count)])


def test_the_member_list_is_paginated_by_fifty_and_keeps_the_filters(login_as, panel) -> None:
    _add_members(panel, 52)
    client = login_as("onderzoeker")
    first = client.get("/panels/ambtenaren/?org_type=rijk")
    assert (len(first.context["rows"]), first.context["page"].paginator.count) == (50, 53)
    assert first.context["query"] == "org_type=rijk"
    assert 'href="?org_type=rijk&amp;pagina=2" rel="next"' in first.content.decode()
    second = client.get("/panels/ambtenaren/?org_type=rijk&pagina=2")
    assert second.context["query"] == "org_type=rijk"
    # bram (rijk) comes first, so page 2 holds the last three of the 52
    assert _emails(second) == ["lid049@example.org", "lid050@example.org", "lid051@example.org"]
    assert 'href="?org_type=rijk&amp;pagina=1" rel="prev"' in second.content.decode()


def test_the_member_list_takes_as_many_queries_for_30_members_as_for_3(
        login_as, panel, django_assert_num_queries) -> None:
    client = login_as("onderzoeker")
    url = "/panels/ambtenaren/?q=example&org_type=rijk"
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(url).context["rows"]) == 1
    _add_members(panel, 29)
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(client.get(url).context["rows"]) == 30


def test_the_member_list_is_audited_with_filter_names_only(login_as, panel) -> None:
    client = login_as("onderzoeker")
    client.get("/panels/ambtenaren/")
    client.get("/panels/ambtenaren/?q=anna%40example.org&status=active&org_type=gemeente"
               "&topics=")
    plain, filtered = _events("members.listed")
    assert (plain.target_type, plain.target_id, plain.detail) == (
        "panel", str(panel.pk), "ambtenaren")
    assert filtered.detail == "ambtenaren; filter: zoekterm, status, org_type"
    assert (filtered.actor, filtered.organisation_id, filtered.channel) == (
        f"onderzoeker@{panel.organisation.slug}.nl", panel.organisation_id, "web")


# -- a member's page ---------------------------------------------------------------------------


def test_the_member_page_shows_contact_data_profile_and_history(
        login_as, panel, make_fieldwork) -> None:  # noqa: F811
    fieldwork = make_fieldwork()
    invite_all(panel, fieldwork)
    anna = _get("anna@example.org")
    item = PanelInvitation.objects.get(member=anna)
    respond(item)
    response = login_as("onderzoeker").get(f"/panels/ambtenaren/leden/{anna.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "anna@example.org" in html and "Anna de Vries" in html
    assert [(row["variable"].name, row["value"]) for row in response.context["profile"]] == [
        ("org_type", "Gemeente"), ("topics", "ICT, Data"), ("birth_year", "1980")]
    [row] = response.context["history"]
    assert (row["item"].fieldwork, row["item"].status) == (fieldwork.slug, "completed")
    assert row["item"].invited_at is None and "voltooid" in html
    assert [(c.purpose, c.text_version) for c in response.context["consents"]] == [
        ("panel", "2024-1")]
    contact = response.context["contact"]
    assert (contact.invitations_30_days, contact.max_invitations_per_30_days,
            contact.days_since_last, contact.min_days_between_invitations) == (1, 2, 0, 7)
    assert contact.eligible_from == item.drawn_at + dt.timedelta(days=7)
    assert f'href="/panels/ambtenaren/leden/{anna.pk}/wissen/"' in html
    [event] = _events("member.viewed")
    assert (event.target_type, event.target_id, event.detail) == (
        "member", str(anna.pk), "ambtenaren")


def test_the_contact_state_counts_the_last_30_days(panel, make_fieldwork) -> None:  # noqa: F811
    anna = _get("anna@example.org")
    assert selectors.member_contact_state(member=anna, now=timezone.now()).blocked is False
    now = timezone.now()
    for days_ago in (40, 20, 10):
        _invitation(anna, now - dt.timedelta(days=days_ago), make_fieldwork())
    state = selectors.member_contact_state(member=anna, now=now)
    assert (state.invitations_30_days, state.days_since_last) == (2, 10)
    # two in 30 days (the maximum): allowed again once the one of 20 days ago leaves the window
    assert state.eligible_from == now + dt.timedelta(days=10)
    assert selectors.contact_rule_blocked(panel=panel, now=now).tolist() == [anna.pk]
    later = selectors.member_contact_state(member=anna, now=now + dt.timedelta(days=10))
    assert later.eligible_from is None
    assert selectors.contact_rule_blocked(panel=panel, now=now + dt.timedelta(days=10)
                                          ).tolist() == []


def _invitation(member: Member, drawn_at: dt.datetime, fieldwork) -> None:
    """Draw ``member`` for ``fieldwork`` at ``drawn_at`` (outside the panel's rules)."""
    from peiling.fieldwork.models import Invitation
    from peiling.panel.models import Sample

    sample = Sample.objects.create(panel=member.panel, fieldwork=fieldwork, method="simple",
                                   size=1, seed=1, drawn=1)
    invitation = Invitation.objects.create(fieldwork=fieldwork, token_hash=f"h{drawn_at:%s}")
    PanelInvitation.objects.create(sample=sample, fieldwork=fieldwork, member=member,
                                   invitation=invitation, drawn_at=drawn_at)


# -- AVG export and erasure --------------------------------------------------------------------


@pytest.mark.usefixtures("english")
def test_the_export_asks_first_then_downloads_the_members_data(login_as, panel) -> None:
    client = login_as("onderzoeker")
    anna = _get("anna@example.org")
    url = f"/panels/ambtenaren/leden/{anna.pk}/export/"
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Download the export" in confirm.content.decode()
    assert _events("member.exported") == []
    response = client.post(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="ambtenaren-lid-{anna.pk}.json"')
    data = json.loads(response.content)
    assert (data["panel"], data["email"], data["name"], data["status"]) == (
        "ambtenaren", "anna@example.org", "Anna de Vries", "active")
    assert {p["variable"]: p["value"] for p in data["profile"]} == {
        "org_type": "gemeente", "topics": "ict data", "birth_year": 1980}
    assert [(c["purpose"], c["text_version"]) for c in data["consents"]] == [("panel", "2024-1")]
    assert data["invitations"] == []
    [event] = _events("member.exported")
    assert (event.target_type, event.target_id, event.detail) == (
        "member", str(anna.pk), "ambtenaren")


@pytest.mark.usefixtures("english")
def test_erasure_needs_the_box_ticked(login_as, panel) -> None:
    client = login_as("onderzoeker")
    anna = _get("anna@example.org")
    url = f"/panels/ambtenaren/leden/{anna.pk}/wissen/"
    page = client.get(url).content.decode()
    assert "Answers the member gave are kept, anonymously" in page
    response = client.post(url, {})
    assert response.status_code == 400
    assert response.context["form"].errors["understood"] == [
        "Tick the box to confirm that you understand."]
    anna.refresh_from_db()
    assert (anna.email, anna.status) == ("anna@example.org", Member.Status.ACTIVE)
    assert (_events("member.erased"), ErasureRecord.objects.count()) == ([], 0)


@pytest.mark.usefixtures("english")
def test_erasure_erases_the_member_and_keeps_the_answers(login_as, panel,
                                                         make_fieldwork) -> None:  # noqa: F811
    fieldwork = make_fieldwork()
    invite_all(panel, fieldwork)
    anna = _get("anna@example.org")
    response_row = respond(PanelInvitation.objects.get(member=anna))
    client = login_as("onderzoeker")
    url = f"/panels/ambtenaren/leden/{anna.pk}/wissen/"
    response = client.post(url, {"understood": "on"}, follow=True)
    assert response.redirect_chain == [("/panels/ambtenaren/", 302)]
    assert [str(m) for m in response.context["messages"]] == [
        f"Member {anna.pk} was erased: contact data, profile and consent records are gone, "
        f"personal links no longer work; the answers stay, anonymous."]
    anna.refresh_from_db()
    assert (anna.email, anna.name, anna.profile, anna.status) == (
        None, "", {}, Member.Status.ERASED)
    assert ConsentRecord.objects.filter(member=anna).count() == 0
    assert PanelInvitation.objects.filter(member=anna).count() == 0
    response_row.refresh_from_db()
    assert response_row.answers["q1"] == "ja"
    assert ErasureRecord.objects.get().invitations_unlinked == 1
    [event] = _events("member.erased")
    assert (event.target_type, event.target_id, event.detail) == (
        "member", str(anna.pk), "ambtenaren")
    # a second erasure is refused, and not logged again
    again = client.post(url, {"understood": "on"}, follow=True)
    assert again.redirect_chain == [(f"/panels/ambtenaren/leden/{anna.pk}/", 302)]
    assert [str(m) for m in again.context["messages"]] == [
        "this member has already been erased"]
    assert len(_events("member.erased")) == 1


def test_no_audit_detail_holds_personal_data(login_as, panel) -> None:
    client = login_as("onderzoeker")
    anna = _get("anna@example.org")
    client.get("/panels/ambtenaren/?q=anna%40example.org")
    client.get("/panels/ambtenaren/?q=Vries")
    client.get(f"/panels/ambtenaren/leden/{anna.pk}/")
    client.post(f"/panels/ambtenaren/leden/{anna.pk}/export/")
    client.post(f"/panels/ambtenaren/leden/{anna.pk}/wissen/", {"understood": "on"})
    events = list(AuditEvent.objects.order_by("pk").values_list("action", "detail"))
    assert events == [
        ("members.listed", "ambtenaren; filter: zoekterm"),
        ("members.listed", "ambtenaren; filter: zoekterm"),
        ("member.viewed", "ambtenaren"),
        ("member.exported", "ambtenaren"),
        ("member.erased", "ambtenaren"),
    ]


# -- import ----------------------------------------------------------------------------------

IMPORT = _csv(
    "email,name,org_type,topics",
    "dirk@example.org,Dirk,rijk,ai",
    "eva@example.org,Eva,gemeente,",
    "anna@example.org,Anna de Vries,rijk,",
    "fout-adres,Fout,rijk,",
)


def _upload(client, data: bytes, name: str = "nieuw.csv", **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/panels/ambtenaren/import/",
                       {"file": SimpleUploadedFile(name, data), **extra})


def _check(client, data: bytes, name: str = "nieuw.csv", **extra):
    """Upload a file, let the worker check it, and return the check's page."""
    response = _upload(client, data, name, **extra)
    check = Job.objects.filter(kind="members_check").latest("pk")
    assert (response.status_code, response["Location"]) == (
        302, f"/panels/ambtenaren/import/controle/{check.pk}/")
    job_run(job_id=check.pk)  # what the worker does
    return client.get(response["Location"])


@pytest.mark.usefixtures("english")
def test_the_import_check_stores_nothing_and_the_confirmation_stores(login_as, panel) -> None:
    client = login_as("onderzoeker")
    uploaded = _upload(client, IMPORT, consent_version="2025-2")
    check = Job.objects.get()
    assert (check.kind, check.status, bytes(check.input)) == ("members_check", "queued", IMPORT)
    waiting = client.get(uploaded["Location"])  # before the worker ran: its progress
    html = waiting.content.decode()
    assert "Checking nieuw.csv" in html and 'hx-trigger="every 2s"' in html
    assert '<meta http-equiv="refresh" content="2">' in html  # without JavaScript: reloads
    assert 'id="confirm-import"' not in html
    job_run(job_id=check.pk)
    response = client.get(uploaded["Location"])
    assert response.status_code == 200
    report = response.context["report"]
    assert [(str(label), count) for label, count in report["counts"]] == [
        ("add", 2), ("update", 1), ("no change", 0), ("refuse", 1)]
    assert [(row["row"], str(row["action"])) for row in report["rows"]] == [
        (2, "add"), (3, "add"), (4, "update"), (5, "refuse")]
    assert report["rows"][2]["changed"] == ["org_type"]
    assert report["rows"][3]["reason"] == (
        "e-mail address 'fout-adres' is not a valid address")
    html = response.content.decode()
    assert 'id="confirm-import"' in html and "hx-trigger" not in html
    assert Member.objects.filter(panel=panel).count() == 3
    assert _get("anna@example.org").profile["org_type"] == "gemeente"
    # htmx asks for the check's part only
    part = client.get(uploaded["Location"], headers={"HX-Request": "true"}).content.decode()
    assert part.startswith('<div id="import-check"') and "<html" not in part

    confirmed = client.post(uploaded["Location"])
    job = Job.objects.get(kind="members_import")
    assert (confirmed.status_code, confirmed["Location"]) == (302, f"/taken/{job.pk}/")
    assert (job.status, bytes(job.input), job.payload["consent_version"]) == (
        "queued", IMPORT, "2025-2")
    assert Job.objects.get(pk=check.pk).input is None  # the check's copy is handed over
    assert Member.objects.filter(panel=panel).count() == 3  # the job has not run yet
    job_run(job_id=job.pk)  # what the worker does
    page = client.get(f"/taken/{job.pk}/")
    assert [(str(label), count) for label, count in page.context["job"].result["counts"]] == [
        ("added", 2), ("updated", 1), ("unchanged", 0), ("refused", 1)]
    assert Job.objects.get(pk=job.pk).input is None  # the file is not kept after the import
    assert sorted(Member.objects.filter(panel=panel).values_list("email", flat=True)) == [
        "anna@example.org", "bram@example.org", "cees@example.org", "dirk@example.org",
        "eva@example.org"]
    assert _get("dirk@example.org").profile == {"org_type": "rijk", "topics": "ai"}
    assert _get("anna@example.org").profile["org_type"] == "rijk"
    assert list(ConsentRecord.objects.filter(member__email="eva@example.org")
                .values_list("text_version", flat=True)) == ["2025-2"]
    # the checked file is imported once
    again = client.post(uploaded["Location"])
    assert again.status_code == 400
    assert again.context["problems"] == [
        "There is no checked file to import (any more). Upload the file again to check it "
        "first."]
    assert 'id="check-used"' in again.content.decode()
    assert Job.objects.filter(kind="members_import").count() == 1


def test_the_import_page_is_dutch_by_default(login_as, panel) -> None:
    response = _check(login_as("onderzoeker"), IMPORT)
    assert response.status_code == 200
    assert [(str(label), count) for label, count in response.context["report"]["counts"]] == [
        ("toevoegen", 2), ("bijwerken", 1), ("geen wijziging", 0), ("weigeren", 1)]
    html = response.content.decode()
    assert "Wat de import zou doen" in html and "What the import would do" not in html
    assert '<th scope="col" class="number">Geen wijziging</th>' in html
    assert "<td>toevoegen</td>" in html and "<td>add</td>" not in html


@pytest.mark.usefixtures("english")
def test_a_file_that_changes_nothing_offers_no_import(login_as, panel) -> None:
    client = login_as("onderzoeker")
    response = _check(client, _csv("email,org_type", "anna@example.org,gemeente"))
    assert [(str(label), count) for label, count in response.context["report"]["counts"]] == [
        ("add", 0), ("update", 0), ("no change", 1), ("refuse", 0)]
    html = response.content.decode()
    assert 'id="confirm-import"' not in html
    assert "Importing this file would change nothing." in html
    check = Job.objects.get()
    assert client.post(f"/panels/ambtenaren/import/controle/{check.pk}/").status_code == 302
    job_run(job_id=Job.objects.get(kind="members_import").pk)
    assert Member.objects.filter(panel=panel).count() == 3


@pytest.mark.usefixtures("english")
def test_a_long_check_lists_its_first_rows_and_counts_them_all(login_as, panel,
                                                               monkeypatch) -> None:
    from peiling.panel import tasks

    monkeypatch.setattr(tasks, "CHECK_ROWS_KEPT", 2)
    rows = [f"lid{n}@example.org,rijk" for n in range(5)]
    response = _check(login_as("onderzoeker"), _csv("email,org_type", *rows))
    report = response.context["report"]
    assert (report["total"], report["shown"], len(report["rows"])) == (5, 2, 2)
    assert {str(label): n for label, n in report["counts"]}["add"] == 5
    assert "The table shows the first 2 of 5 rows" in response.content.decode()


def test_a_kept_member_file_is_dropped_after_a_day(login_as, panel) -> None:
    from peiling.jobs.services import job_inputs_expire

    _check(login_as("onderzoeker"), IMPORT)
    check = Job.objects.get()
    assert check.input is not None
    assert job_inputs_expire(now=check.finished_at + dt.timedelta(hours=23)) == 0
    assert job_inputs_expire(now=check.finished_at + dt.timedelta(hours=25)) == 1
    assert Job.objects.get().input is None


def test_a_check_of_another_panel_is_not_found(login_as, panel, organisation) -> None:
    client = login_as("onderzoeker")
    _check(client, IMPORT)
    check = Job.objects.get()
    Panel.objects.create(organisation=organisation, slug="tweede", name="Tweede panel",
                         profile=panel.profile)
    assert client.get(f"/panels/tweede/import/controle/{check.pk}/").status_code == 404
    assert client.post(f"/panels/tweede/import/controle/{check.pk}/").status_code == 404
    other = job_start(kind="responses_export", organisation=organisation, user=None,
                      action="responses.export", title="x", payload={"panel": panel.pk})
    assert client.get(f"/panels/ambtenaren/import/controle/{other.pk}/").status_code == 404


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(("name", "data", "message"), [
    ("leden.pdf", b"%PDF-1.4 something",
     "leden.pdf is not a CSV or Excel (.xlsx) file; save the member list as CSV UTF-8 or as "
     "an Excel workbook (.xlsx)."),
    ("leden.csv", b"", "The submitted file is empty."),
])
def test_a_file_of_the_wrong_kind_is_refused(login_as, panel, name, data, message) -> None:
    response = _upload(login_as("onderzoeker"), data, name)
    assert response.status_code == 400
    assert response.context["upload"].errors["file"] == [message]
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert Member.objects.filter(panel=panel).count() == 3
    assert not Job.objects.exists()


@pytest.mark.usefixtures("english")
def test_a_file_too_large_is_refused(login_as, panel, monkeypatch) -> None:
    monkeypatch.setattr(panels, "MAX_UPLOAD_BYTES", 1024 * 1024)
    data = IMPORT + b"x" * (1024 * 1024)
    response = _upload(login_as("onderzoeker"), data)
    assert response.status_code == 400
    assert response.context["upload"].errors["file"] == [
        "The file is 1.0 MB; member files over 1 MB are refused. Split the list into smaller "
        "files."]
    assert Member.objects.filter(panel=panel).count() == 3
    assert not Job.objects.exists()


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(("name", "data", "problem"), [
    ("leden.csv", _csv("mail,org_type", "x@example.org,rijk"),
     "leden.csv: no 'email' column; the first row must name the columns, one of them 'email'"
     "|leden.csv: column 'mail' is neither a member column (email, name, language, "
     "recruitment_source, recruited_on) nor a profile variable (org_type, topics, birth_year)"),
    ("leden.csv", _csv("email,kleur", "x@example.org,rood"),
     "leden.csv: column 'kleur' is neither a member column (email, name, language, "
     "recruitment_source, recruited_on) nor a profile variable (org_type, topics, birth_year)"),
    ("leden.xlsx", b"geen werkboek",
     "leden.xlsx: is not an Excel workbook (.xlsx); save the member list as .xlsx or as CSV "
     "UTF-8"),
    ("leden.csv", "email\nbé@example.org\n".encode("latin-1"),
     "leden.csv: is not UTF-8 text (byte 8); in Excel, save it as 'CSV UTF-8 (comma "
     "delimited)'"),
])
def test_a_file_that_cannot_be_read_is_refused_with_its_problems(login_as, panel, name, data,
                                                                 problem) -> None:
    response = _check(login_as("onderzoeker"), data, name)
    assert list(response.context["check_problems"]) == problem.split("|")
    html = response.content.decode()
    assert f"{name} cannot be imported; nothing was stored:" in html
    assert 'id="confirm-import"' not in html
    assert Member.objects.filter(panel=panel).count() == 3


EXAMPLE_PROFILE = Path(__file__).resolve().parents[2] / "examples" / "panel-profiel.xlsx"


@pytest.mark.usefixtures("english")
def test_a_panel_is_made_in_the_browser(login_as, organisation) -> None:
    client = login_as("onderzoeker")
    with EXAMPLE_PROFILE.open("rb") as profile:
        response = client.post("/nieuw-panel/", {
            "name": "Ambtenarenpanel 2027", "slug": "ap-2027", "profile": profile,
            "max_invitations_per_30_days": "3", "min_days_between_invitations": "10"})
    assert (response.status_code, response["Location"]) == (302, "/panels/ap-2027/import/")
    panel = Panel.objects.get(slug="ap-2027")
    assert (panel.organisation, panel.name, panel.max_invitations_per_30_days,
            panel.min_days_between_invitations) == (organisation, "Ambtenarenpanel 2027", 3, 10)


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(("change", "message"), [
    ({"slug": "ambtenaren"}, "already exists; choose another slug"),
    ({"slug": "met spatie"}, "Enter a valid “slug”"),
    ({"max_invitations_per_30_days": "0"}, "Ensure this value is greater than or equal to 1."),
    ({"profile": b"type,name\ntext,q1\n"}, "this is a text or CSV file"),
])
def test_a_panel_that_cannot_be_made_says_why(login_as, panel, change, message) -> None:
    import io

    client = login_as("onderzoeker")
    data = {"name": "P", "slug": "p-1", "max_invitations_per_30_days": "2",
            "min_days_between_invitations": "7", **change}
    source = data.pop("profile", EXAMPLE_PROFILE.read_bytes())
    upload = io.BytesIO(source)
    upload.name = "profiel.xlsx"
    response = client.post("/nieuw-panel/", {**data, "profile": upload})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert list(Panel.objects.values_list("slug", flat=True)) == ["ambtenaren"]


# -- the public page and sign-up ---------------------------------------------------------------

PUBLIC = {"signup_open": "on", "description": "Over ambtenaren en hun werk.",
          "privacy_statement": "Wij bewaren weinig.", "consent_text": "Ik doe mee.",
          "consent_version": "2026-1"}


def test_opening_sign_up_makes_the_public_page(login_as, panel, client) -> None:
    assert client.get("/panel/ambtenaren/").status_code == 404
    researcher = login_as("onderzoeker")
    form = researcher.get("/panels/ambtenaren/openbaar/")
    assert form.status_code == 200
    assert "Het panel neemt nu geen aanmeldingen aan" in form.content.decode()
    saved = researcher.post("/panels/ambtenaren/openbaar/", PUBLIC)
    assert saved.status_code == 302
    panel.refresh_from_db()
    assert (panel.signup_open, panel.consent_version) == (True, "2026-1")
    page = researcher.get("/panels/ambtenaren/openbaar/").content.decode()
    assert "http://127.0.0.1:8000/panel/ambtenaren/" in page or "/panel/ambtenaren/" in page
    public = client.get("/panel/ambtenaren/")
    assert public.status_code == 200
    assert "Over ambtenaren en hun werk." in public.content.decode()
    closed = researcher.post("/panels/ambtenaren/openbaar/", {**PUBLIC, "signup_open": ""})
    assert closed.status_code == 302
    assert client.get("/panel/ambtenaren/").status_code == 404


@pytest.mark.parametrize(("change", "message"), [
    ({"consent_text": " "}, "Voor aanmelding is een toestemmingstekst nodig"),
    ({"consent_version": ""}, "Voor aanmelding is een versie van de toestemmingstekst nodig"),
    ({"consent_text": "Een andere tekst.", "consent_version": "2024-1"},
     "Leden gaven toestemming onder versie 2024-1"),
])
def test_a_public_page_that_cannot_be_is_refused(login_as, panel, change, message) -> None:
    panel.consent_text, panel.consent_version = "De oude tekst.", "2024-1"
    panel.save()
    response = login_as("onderzoeker").post("/panels/ambtenaren/openbaar/",
                                            {**PUBLIC, **change})
    assert response.status_code == 400
    assert message in response.content.decode()
    panel.refresh_from_db()
    assert (panel.signup_open, panel.consent_text) == (False, "De oude tekst.")


def test_a_panel_of_another_organisation_has_no_public_settings_for_you(login_as,
                                                                        other_panel) -> None:
    researcher = login_as("onderzoeker")
    assert researcher.get("/panels/anderpanel/openbaar/").status_code == 404
    assert researcher.post("/panels/anderpanel/openbaar/", PUBLIC).status_code == 404
    other_panel.refresh_from_db()
    assert not other_panel.signup_open
