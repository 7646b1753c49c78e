"""Sampling and inviting in the browser: preview counts before drawing, then draw and send
(now, through the task queue to a real SMTP server, or at a chosen moment)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from peiling.fieldwork import services as fieldwork_services
from peiling.panel import services as panel_services
from peiling.panel.models import Member, PanelInvitation, Sample
from peiling.panel.samples import SampleDesign, sample_commit, sample_preview
from peiling.questionnaires.services import form_version_import
from tests.panel.helpers import csv_bytes

pytestmark = pytest.mark.django_db
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
HEADER = "email,org_type,domain,function,gender,age_band"


@pytest.fixture
def setting(organisation):
    """A panel of 7 members (4 gemeente, 2 rijk, 1 paused) and an open fieldwork."""
    version = form_version_import(source=(EXAMPLES / "digitalisering-overheid.xlsx")
                                  .read_bytes(), organisation=organisation).version
    now = timezone.now()
    fieldwork = fieldwork_services.fieldwork_create(
        form_version=version, slug="peiling-2026", name="Peiling 2026",
        opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(days=14))
    panel = panel_services.panel_create(
        slug="ambtenaren", profile_source=(EXAMPLES / "panel-profiel.xlsx").read_bytes(),
        profile_name="panel-profiel.xlsx", organisation=organisation)
    rows = [f"g{n}@example.org,gemeente,dienstverlening,coordinator,vrouw,45_54"
            for n in range(4)]
    rows += [f"r{n}@example.org,rijk,ict,beleid,man,35_44" for n in range(2)]
    rows += ["p@example.org,rijk,ict,beleid,man,35_44"]
    panel_services.members_import(panel=panel, name="leden.csv", data=csv_bytes(HEADER, *rows))
    Member.objects.filter(email="p@example.org").update(status=Member.Status.PAUSED)
    return fieldwork, panel


@pytest.fixture
def researcher(login_as):
    client = login_as("onderzoeker")
    client.cookies["django_language"] = "en"
    return client


DESIGN = {"panel": "ambtenaren", "method": "proportional", "variables": "org_type",
          "size": "3", "seed": "7"}


def _cells(html: str, table: str) -> list[list[str]]:
    body = re.search(rf'<table[^>]*id="{table}".*?</table>', html, re.S).group(0)
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in
             re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_the_preview_shows_what_each_rule_leaves_and_stores_nothing(researcher,
                                                                    setting) -> None:
    response = researcher.get("/veldwerk/peiling-2026/uitnodigen/", DESIGN)
    assert response.status_code == 200
    html = response.content.decode()
    exclusions = {row[0]: row[1] for row in _cells(html, "exclusions")[1:]}
    assert exclusions["not active (paused, unsubscribed or bounced)"] == "1"
    assert exclusions["already drawn for this fieldwork"] == "0"
    assert exclusions["Eligible"] == "6"
    strata = _cells(html, "strata")
    # 3 of 6 eligible, proportional: gemeente 4/6 -> 2, rijk 2/6 -> 1.
    # By their labels in the profile questionnaire (the choice names are gemeente and rijk).
    assert ["Gemeente", "4", "2", "2", "0"] in strata
    assert ["Rijksoverheid", "2", "1", "1", "0"] in strata
    assert Sample.objects.count() == 0 and PanelInvitation.objects.count() == 0


def test_the_preview_counts_each_contact_rule_with_its_figures(login_as, setting) -> None:
    """In Dutch, the default: a member invited 3 days ago for another fieldwork is kept out
    by the panel's minimum days between invitations, on a row of its own."""
    fieldwork, panel = setting
    other = fieldwork_services.fieldwork_create(
        form_version=fieldwork.form_version, slug="eerder", name="Eerder",
        opens_at=fieldwork.opens_at, closes_at=fieldwork.closes_at)
    drawn = sample_preview(panel=panel, fieldwork=other, design=SampleDesign(
        method="simple", size=1, seed=1))
    sample_commit(plan=drawn, now=timezone.now() - dt.timedelta(days=3))
    html = login_as("onderzoeker").get("/veldwerk/peiling-2026/uitnodigen/",
                                       DESIGN).content.decode()
    exclusions = {row[0]: row[1] for row in _cells(html, "exclusions")[1:]}
    gap = panel.min_days_between_invitations
    assert gap > 3
    assert exclusions[f"contactregel: minder dan {gap} dagen geleden uitgenodigd"] == "1"
    maximum = panel.max_invitations_per_30_days
    assert exclusions[f"contactregel: in de afgelopen 30 dagen al {maximum} keer uitgenodigd "
                      f"(het maximum)"] == "0"
    assert exclusions["geen geldige waarde voor Type organisatie"] == "0"  # by its label
    assert exclusions["In aanmerking"] == "5"


def test_a_design_problem_is_shown_in_dutch(login_as, setting) -> None:
    response = login_as("onderzoeker").get("/veldwerk/peiling-2026/uitnodigen/",
                                           {**DESIGN, "size": "7"})
    assert response.status_code == 400
    assert ("steekproefomvang 7 is groter dan de 6 leden die in aanmerking komen (uitgesloten: "
            "1 niet actief") in response.content.decode()


@pytest.mark.django_db(transaction=True)  # the worker commits each e-mail on its own
def test_drawing_invites_and_the_worker_mails_them(researcher, setting, sink,
                                                   settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    response = researcher.post("/veldwerk/peiling-2026/uitnodigen/", {**DESIGN, "when": "now"})
    assert (response.status_code, response["Location"]) == (302, "/veldwerk/peiling-2026/")
    assert Sample.objects.count() == 1 and PanelInvitation.objects.count() == 3
    page = researcher.get("/veldwerk/peiling-2026/").content.decode()
    assert _cells(page, "deliveries")[1] == ["invitation", "0", "0", "0", "0", "3"]
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert len({address for message in sink.messages for address in message.rcpt_tos}) == 3
    page = researcher.get("/veldwerk/peiling-2026/").content.decode()
    assert _cells(page, "deliveries")[1] == ["invitation", "3", "0", "0", "0", "0"]
    # The same seed draws the members the preview showed: drawn again, nobody is left.
    again = researcher.get("/veldwerk/peiling-2026/uitnodigen/", DESIGN).content.decode()
    assert {row[0]: row[1] for row in _cells(again, "exclusions")[1:]}[
        "already drawn for this fieldwork"] == "3"


def test_invitations_at_a_chosen_moment_wait_for_it(researcher, setting, settings) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    moment = timezone.localtime() + dt.timedelta(days=2)
    response = researcher.post("/veldwerk/peiling-2026/uitnodigen/", {
        **DESIGN, "when": "later", "send_at": moment.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    task = DBTaskResult.objects.get()
    assert task.task_path.endswith("queue_invitations")
    assert abs(task.run_after - moment.replace(second=0, microsecond=0)) < dt.timedelta(
        seconds=1)


@pytest.mark.parametrize(("change", "problem"), [
    ({"size": "7"}, "size 7 is more than the 6 eligible members"),
    ({"variables": "gender", "method": "simple"}, "a simple random sample takes no"),
    ({"panel": "onbekend"}, "Select a valid choice"),
    ({"size": "0"}, "Ensure this value is greater than or equal to 1"),
])
def test_a_design_that_cannot_be_drawn_says_why_and_stores_nothing(researcher, setting, change,
                                                                   problem) -> None:
    for method in ("get", "post"):
        data = {**DESIGN, **change, "when": "now"}
        response = getattr(researcher, method)("/veldwerk/peiling-2026/uitnodigen/", data)
        assert response.status_code == 400
        assert problem in response.content.decode()
    assert Sample.objects.count() == 0 and PanelInvitation.objects.count() == 0


def test_later_without_a_moment_is_refused(researcher, setting) -> None:
    response = researcher.post("/veldwerk/peiling-2026/uitnodigen/", {**DESIGN, "when": "later"})
    assert response.status_code == 400
    assert "Choose the moment to send." in response.content.decode()
    assert Sample.objects.count() == 0


def test_another_organisations_panel_cannot_be_drawn_from(researcher, setting, make_user,
                                                          other_organisation) -> None:
    panel_services.panel_create(
        slug="vreemd", profile_source=(EXAMPLES / "panel-profiel.xlsx").read_bytes(),
        profile_name="panel-profiel.xlsx", organisation=other_organisation)
    response = researcher.get("/veldwerk/peiling-2026/uitnodigen/", {**DESIGN, "panel": "vreemd"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize(("days", "stored", "message"), [
    ("4, 8", [4, 8], "The reminder schedule was saved."),
    ("", [], "The reminder schedule was saved."),
    ("8, 4", None, "Give whole numbers of days of 1 or more, rising"),
    ("0", None, "Give whole numbers of days of 1 or more, rising"),
    ("vier", None, "Give whole numbers of days of 1 or more, rising"),
])
def test_the_reminder_schedule(researcher, setting, days, stored, message) -> None:
    from peiling.panel.models import ReminderSchedule

    response = researcher.post("/veldwerk/peiling-2026/herinneringen/", {"days": days},
                               follow=True)
    assert message in next(str(m) for m in response.context["messages"])
    schedule = ReminderSchedule.objects.filter(fieldwork__slug="peiling-2026").first()
    assert (schedule.days if schedule else None) == stored


@pytest.mark.django_db(transaction=True)  # the worker commits each e-mail on its own
def test_an_unconfirmed_e_mail_is_sent_again_only_when_the_researcher_says_so(
        researcher, setting, sink, settings) -> None:
    from peiling.panel.models import Delivery

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    researcher.post("/veldwerk/peiling-2026/uitnodigen/", {**DESIGN, "when": "now"})
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert len(sink.messages) == 3
    # A worker claimed one e-mail and died before the mail server confirmed it.
    lost = Delivery.objects.order_by("pk").first()
    Delivery.objects.filter(pk=lost.pk).update(
        state=Delivery.State.CLAIMED, sent_at=None,
        claimed_at=timezone.now() - dt.timedelta(seconds=settings.PEILING_TASK_TIMEOUT + 60))
    page = researcher.get("/veldwerk/peiling-2026/").content.decode()
    assert _cells(page, "deliveries")[1] == ["invitation", "2", "0", "1", "0", "0"]
    assert "1 e-mail is unconfirmed" in page and 'id="release-unknown"' in page
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert len(sink.messages) == 3  # never sent again by itself
    answer = researcher.post("/veldwerk/peiling-2026/onbekend-versturen/")
    assert answer.status_code == 302
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert len(sink.messages) == 4
    assert sink.messages[-1].rcpt_tos == (lost.panel_invitation.member.email,)
    page = researcher.get("/veldwerk/peiling-2026/").content.decode()
    assert _cells(page, "deliveries")[1] == ["invitation", "3", "0", "0", "0", "0"]
    assert 'id="release-unknown"' not in page
