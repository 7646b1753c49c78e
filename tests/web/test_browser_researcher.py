"""One whole study as a researcher walks it in a real browser (Playwright driving Debian's
Chromium, as ``tests/fieldwork/test_browser.py``): log in, upload a bad form and a good one,
preview, create fieldwork with an open link and a quota, answer through that link as a
respondent, watch the monitor change, word the invitation e-mail (live preview), draw a sample
from a panel and invite it (the task queue run at once, the mail through a real SMTP server),
answer through a personal link from that mail, close. Every researcher page passes axe-core
and no page breaks the Content-Security-Policy.

The researcher pages are read in English (``locale="en-GB"``): the web app's texts are
English message ids, so the test does not depend on the state of the Dutch translation.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from peiling.accounts.models import AuditEvent
from peiling.accounts.services import audit_record
from peiling.fieldwork.models import Fieldwork, OpenLink, Quota, Response
from peiling.panel.models import Member, Panel, PanelInvitation
from peiling.panel.services import member_status_set, members_import, panel_create
from peiling.questionnaires.models import FormVersion, Questionnaire
from tests.conftest import PASSWORD
from tests.fieldwork.test_browser import (  # noqa: F401  (fixtures)
    Walker,
    _answers,
    launch,
    playwright_instance,
    press,
)
from tests.panel.helpers import csv_bytes
from tests.xlsform import write_workbook

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "digitalisering-overheid.xlsx"
PANEL_PROFILE = EXAMPLE.with_name("panel-profiel.xlsx")

#: A form with one problem: a name used twice (survey, row 4, column name).
DUPLICATE_NAME = """
## survey
| type              | name     | label::Nederlands (nl) |
| select_one kleur  | fav      | Welke kleur?           |
| integer           | leeftijd | Leeftijd               |
| text              | leeftijd | Nog eens               |
## choices
| list_name | name | label::Nederlands (nl) |
| kleur     | rood | Rood                   |
## settings
| form_title | form_id |
| Kapot      | kapot   |
"""

AXE_RUN = (
    "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ') + ' ('"
    " + [...n.any, ...n.all, ...n.none].map(c => c.message).join('; ') + ')').join(', '))")


class Researcher:
    """A browser context with a researcher in it: axe on demand, and every console message
    about the Content-Security-Policy (or any page error) collected to fail the test."""

    def __init__(self, browser, base_url: str, locale: str = "en-GB") -> None:
        self.base_url = base_url
        self.context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
        self.problems: list[str] = []
        self.axe_pages: list[str] = []
        self.violations: list[str] = []
        self.context.on("console", self._console)
        self.context.on("weberror", lambda error: self.problems.append(f"error: {error.error}"))
        self.page = self.context.new_page()

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.problems.append(f"{message.page.url if message.page else '?'}: {message.text}")

    def goto(self, path: str):
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.status < 400, (path, response and response.status)
        return response

    def axe(self, kind: str) -> None:
        """Run axe-core on the page; violations are kept for ``check`` so that one walk
        reports every page's."""
        self.violations.extend(f"{kind} ({_path(self.page.url)}): {violation}"
                               for violation in self.page.evaluate(AXE_RUN))
        self.axe_pages.append(kind)

    def log_in(self, email: str, password: str = PASSWORD, next_path: str = "") -> None:
        self.goto("/account/login/" + (f"?next={next_path}" if next_path else ""))
        self.page.fill("#id_login", email)
        self.page.fill("#id_password", password)
        press(self.page.locator("form.login button[type=submit]"))

    def check(self) -> None:
        """Fail on any accessibility violation, Content-Security-Policy message or other
        problem seen on the way."""
        assert self.problems + self.violations == [], "\n".join(self.problems + self.violations)


@pytest.fixture
def site_url(live_server, settings) -> str:
    """The live server's address, also as the address links and QR codes are made with."""
    settings.PEILING_BASE_URL = live_server.url
    return live_server.url


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_a_researcher_runs_a_whole_study_in_the_browser(
        site_url, launch, organisation, make_user, example_flow, tmp_path,  # noqa: F811
        sink, settings):
    # Panel e-mail goes through the task queue: run its tasks at once, in the request that
    # queues them (the live server's thread, outside any transaction), into the real SMTP
    # server of ``sink``; the personal links point at the live server.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.PEILING_TASKS = "immediate"
    settings.PEILING_BASE_URL = site_url
    user = make_user("onderzoeker", organisation)
    browser = launch()
    me = Researcher(browser, site_url)
    page = me.page

    # 1. Log in through the real form: a wrong password first.
    me.log_in(user.email, "niet-het-wachtwoord", next_path="/onderzoeken/")
    assert _path(page.url).startswith("/account/login/")
    alert = page.locator("form.login [role=alert]")
    assert alert.is_visible() and alert.inner_text().strip()
    assert page.locator("#id_login").input_value() == user.email
    me.axe("log-in page with an error")
    page.fill("#id_password", PASSWORD)
    press(page.locator("form.login button[type=submit]"))
    assert _path(page.url) == "/onderzoeken/"
    assert page.locator("h1").inner_text() == "Studies"
    assert user.email in page.locator(".site-account__who").inner_text()
    me.axe("studies list (empty)")

    # 2. Bad uploads: the problems table, nothing stored. Then the good example.
    csv = tmp_path / "antwoorden.xlsx"
    csv.write_text("vraag,antwoord\nleeftijd,42\n")
    page.set_input_files("#id_file", str(csv))
    press(page.get_by_role("button", name="Upload and create the study"))
    rows = page.locator("#problems tbody tr")
    assert rows.count() == 1
    assert "CSV" in rows.first.inner_text()
    assert page.locator("[role=alert]").first.is_visible()
    me.axe("studies list with the problems of a CSV file")

    broken = write_workbook(DUPLICATE_NAME, tmp_path / "kapot.xlsx")
    page.set_input_files("#id_file", str(broken))
    press(page.get_by_role("button", name="Upload and create the study"))
    cells = page.locator("#problems tbody tr").first.locator("td").all_inner_texts()
    assert cells[:3] == ["survey", "4", "name"], cells
    assert "leeftijd" in cells[3] and "already used on row 3" in cells[3]
    headers = page.locator("#problems thead th").all_inner_texts()
    assert headers == ["Sheet", "Row", "Column", "Problem"]
    me.axe("studies list with the problems of a form")
    assert Questionnaire.objects.count() == 0 and FormVersion.objects.count() == 0

    page.set_input_files("#id_file", str(EXAMPLE))
    press(page.get_by_role("button", name="Upload and create the study"))
    study = Questionnaire.objects.get()
    assert _path(page.url) == f"/onderzoeken/{study.pk}/"
    assert page.locator("h1").inner_text() == example_flow.form.title
    assert page.locator(".messages, [role=status], .utrecht-alert").count() >= 1
    me.axe("study page")

    # 3. The preview of the version: a respondent page, its first page shown.
    version = study.versions.get()
    preview = page.locator(f"a[href^='/s/voorbeeld/{version.pk}/']").first
    assert preview.count() == 1
    press(preview)
    assert _path(page.url).startswith(f"/s/voorbeeld/{version.pk}/")
    assert page.locator("input[name=page]").get_attribute("value") == "intro"
    assert "digitalisering van de dienstverlening" in page.locator("main").inner_text()
    me.axe("preview (respondent page)")
    page.go_back()

    # 4. Fieldwork: create it, an open link with its QR code, a quota.
    press(page.get_by_role("link", name="New fieldwork"))
    assert _path(page.url) == f"/onderzoeken/{study.pk}/veldwerk/nieuw/"
    me.axe("fieldwork create page")
    now = timezone.localtime().replace(second=0, microsecond=0)
    page.fill("#id_name", "Digitalisering 2026")
    page.fill("#id_slug", "digitalisering-2026")
    page.fill("#id_opens_at", now.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_closes_at", (now + dt.timedelta(days=14)).strftime("%Y-%m-%dT%H:%M"))
    press(page.get_by_role("button", name="Create the fieldwork"))
    assert _path(page.url) == "/veldwerk/digitalisering-2026/"
    fieldwork = Fieldwork.objects.get()
    assert (fieldwork.form_version_id, fieldwork.created_by_id) == (version.pk, user.pk)
    assert page.locator(".facts .status--open").count() == 1
    me.axe("fieldwork page (new)")

    page.fill("#id_source", "nieuwsbrief")
    press(page.get_by_role("button", name="Make an open link"))
    link = OpenLink.objects.get()
    copy = page.locator(f"#link-{link.pk}")
    assert copy.get_attribute("readonly") is not None
    link_url = copy.input_value()
    assert link_url == f"{site_url}/s/o/{link.key}/"
    qr = page.locator("img.qr")
    qr.wait_for()
    page.wait_for_function("image => image.complete", arg=qr.element_handle())
    qr_response = me.context.request.get(site_url + qr.get_attribute("src"))
    assert qr_response.status == 200
    assert qr_response.headers["content-type"].startswith("image/svg+xml")
    # A standalone SVG file needs the SVG namespace, or browsers (and image viewers) do not
    # render it and the <img> stays empty. Checked softly (``me.check`` fails the test at the
    # end), so that the rest of the walk still runs.
    if 'xmlns="http://www.w3.org/2000/svg"' not in qr_response.text():
        me.problems.append("the QR code SVG has no xmlns: it is not a standalone SVG file")
    if qr.evaluate("image => image.naturalWidth") == 0:
        me.problems.append("the QR code <img> on the fieldwork page does not render")

    page.fill("#id_name", "Gemeenten")
    page.fill("#id_condition", "${org_type} = 'gemeente'")
    page.fill("#id_target", "1")
    press(page.get_by_role("button", name="Add the quota"))
    quota = Quota.objects.get()
    assert (quota.condition, quota.target) == ("${org_type} = 'gemeente'", 1)
    quota_row = page.locator("#quota-table tbody tr").first.locator("td").all_inner_texts()
    assert quota_row[:4] == ["Gemeenten", "${org_type} = 'gemeente'", "0", "1"], quota_row
    me.axe("fieldwork page with a link and a quota")

    # The monitor before anyone answers.
    press(page.get_by_role("link", name="Live monitor"))
    assert _path(page.url) == "/veldwerk/digitalisering-2026/monitor/"
    assert _totals(page) == {"Started": "0", "Completed": "0", "Screened out": "0",
                             "Quota full": "0"}
    me.axe("monitor (empty)")

    # 5. A respondent answers through the copied address, in a browser of their own.
    respondent = browser.new_context(locale="nl-NL")
    respondent.on("console", me._console)
    answering = respondent.new_page()
    answering.goto(link_url)
    assert answering.locator("h1").inner_text() == example_flow.form.title
    press(answering.get_by_role("button", name="Beginnen"))
    walker = Walker(answering, example_flow, _answers(example_flow, "gemeente", 1))
    walker.until(None, kinds=False)
    assert answering.locator("h1").inner_text() == "Uw antwoorden zijn verzonden"
    response = Response.objects.get()
    assert (response.status, response.source) == ("completed", "nieuwsbrief")

    # 6. The monitor changes: first as htmx refreshes it (the 30-second poll, asked for now),
    # then on a reload; the quota is full.
    monitor = page.locator("#monitor")
    assert monitor.get_attribute("hx-get") == "/veldwerk/digitalisering-2026/monitor/"
    assert "every 30s" in monitor.get_attribute("hx-trigger")
    assert page.evaluate("typeof htmx") == "object"
    partial = page.evaluate("""async url => {
        const response = await fetch(url, {headers: {"HX-Request": "true"}});
        return {status: response.status, body: await response.text()};
    }""", monitor.get_attribute("hx-get"))
    assert partial["status"] == 200
    assert "<html" not in partial["body"].lower() and "<body" not in partial["body"].lower()
    assert 'id="totals"' in partial["body"] and 'id="monitor"' not in partial["body"]
    page.evaluate("url => htmx.ajax('GET', url, {target: '#monitor', swap: 'innerHTML'})",
                  monitor.get_attribute("hx-get"))
    page.wait_for_function(
        "() => [...document.querySelectorAll('#totals .card')].some(card =>"
        " card.querySelector('h2').innerText === 'Completed'"
        " && card.querySelector('.big').innerText === '1')")
    assert page.locator("#monitor #monitor, #monitor header, #monitor h1").count() == 0
    page.reload()
    assert _totals(page)["Completed"] == "1" and _totals(page)["Started"] == "1"
    quota_cells = page.locator("#monitor-quotas tbody tr").first.locator("td").all_inner_texts()
    assert quota_cells[:3] == ["Gemeenten", "1", "1"], quota_cells
    assert "full" in quota_cells[3]
    sources = page.locator("#sources tbody tr").first.locator("td").all_inner_texts()
    assert sources[:3] == ["nieuwsbrief", "1", "1"], sources
    me.axe("monitor with a response")

    # 7. The panel: word the invitation (its preview follows the typing, through htmx),
    # draw two members after looking at what the design leaves, send, and one of them answers
    # through the personal link in the e-mail.
    panel = _panel_of_four(organisation)
    press(page.get_by_role("link", name="Digitalisering 2026"))
    assert page.locator("#deliveries").count() == 0
    press(page.get_by_role("link", name="The invitation e-mail"))
    assert _path(page.url) == "/veldwerk/digitalisering-2026/berichten/invitation/"
    preview = page.locator("#preview")
    assert "Uitnodiging: Digitalisering 2026" in preview.inner_text()
    subject = page.locator("#id_subject")
    subject.fill("")
    subject.press_sequentially("Doe mee: {onderzoek}", delay=20)
    page.wait_for_function(
        "() => document.querySelector('#preview').innerText.includes("
        "'Doe mee: Digitalisering 2026')", timeout=5000)
    assert "{onderzoek}" not in preview.inner_text()
    assert "Uitnodiging:" not in preview.inner_text()
    assert _path(page.url) == "/veldwerk/digitalisering-2026/berichten/invitation/"  # no reload
    me.axe("invitation e-mail with its live preview")
    # An empty subject: the server answers the preview with what is wrong (400), and the
    # preview should say so. Checked softly, so that the rest of the walk still runs.
    with page.expect_response(lambda answer: answer.request.method == "POST"
                              and answer.url.endswith("/voorbeeld/")) as answered:
        subject.fill("")
    assert answered.value.status == 400
    try:
        page.wait_for_function(
            "() => document.querySelector('#preview [role=alert]') !== null", timeout=2000)
    except PlaywrightTimeout:
        stale = "Doe mee: Digitalisering 2026" in preview.inner_text()
        me.problems.append("the live preview of the invitation e-mail does not show the "
                           "problem of an empty subject: htmx does not swap the preview's 400 "
                           "answer" + (", the last good preview stays" if stale else ""))
    else:
        me.axe("invitation e-mail with a problem in the preview")
    subject.fill("Doe mee: {onderzoek}")
    press(page.get_by_role("button", name="Save"))
    assert page.locator("#id_subject").input_value() == "Doe mee: {onderzoek}"
    press(page.get_by_role("navigation", name="Breadcrumb").get_by_role(
        "link", name="Digitalisering 2026"))

    press(page.get_by_role("link", name="Invite from the panel"))
    assert _path(page.url) == "/veldwerk/digitalisering-2026/uitnodigen/"
    me.axe("invite page")
    page.locator("#id_panel").select_option(panel.slug)
    page.locator("#id_method").select_option("simple")
    page.fill("#id_size", "2")
    page.fill("#id_seed", "2026")
    press(page.get_by_role("button", name="Show what this draws"))
    assert _path(page.url).startswith("/veldwerk/digitalisering-2026/uitnodigen/?")
    assert PanelInvitation.objects.count() == 0  # a preview stores nothing
    exclusions = _table(page, "#exclusions")
    assert exclusions[-1] == ["Eligible", "3"], exclusions
    assert ["not active (paused, unsubscribed or bounced)", "1"] in exclusions, exclusions
    strata = _table(page, "#strata")
    assert strata[0] == ["everyone", "3", "2", "2", "0"], strata
    assert strata[-1][:4] == ["Total", "3", "2", "2"], strata
    me.axe("invite page with the preview of a design")
    page.locator("input[name=when][value=now]").check()
    press(page.get_by_role("button", name="Draw these 2 members and invite them"))
    assert _path(page.url) == "/veldwerk/digitalisering-2026/"
    assert "2 panel members invited." in page.locator("main").inner_text()
    deliveries = _table(page, "#deliveries")
    assert deliveries == [["invitation", "2", "0", "0", "0", "0"]], deliveries
    me.axe("fieldwork page with panel invitations")
    assert PanelInvitation.objects.filter(fieldwork=fieldwork).count() == 2
    assert len(sink.messages) == 2
    drawn = {address for received in sink.messages for address in received.rcpt_tos}
    assert len(drawn) == 2 and "gepauzeerd@example.nl" not in drawn
    letter = sink.messages[0].message
    assert letter["Subject"] == "Doe mee: Digitalisering 2026"
    personal = re.search(re.escape(site_url) + r"/s/[A-Za-z0-9_-]{32}/",
                         letter.get_content().replace("\r\n", "\n"))
    assert personal is not None, letter.get_content()

    member = browser.new_context(locale="nl-NL").new_page()
    member.on("console", me._console)
    member.goto(personal.group(0))
    assert member.locator("h1").inner_text() == example_flow.form.title
    press(member.get_by_role("button", name="Beginnen"))
    walker = Walker(member, example_flow, _answers(example_flow, "rijk", 2))
    walker.until(None, kinds=False)
    assert member.locator("h1").inner_text() == "Uw antwoorden zijn verzonden"
    answered = Response.objects.get(invitation__isnull=False)
    assert (answered.status, answered.source) == ("completed", "panel")

    press(page.get_by_role("link", name="Live monitor"))
    assert _totals(page)["Completed"] == "2" and _totals(page)["Started"] == "2"
    me.axe("monitor with a panel response")

    # 8. Close the fieldwork: the open link refuses new respondents.
    press(page.get_by_role("link", name="Digitalisering 2026"))
    quota_row = page.locator("#quota-table tbody tr").first.locator("td").all_inner_texts()
    assert quota_row[2:4] == ["1", "1"], quota_row
    press(page.get_by_role("button", name="Close now"))
    assert _path(page.url) == "/veldwerk/digitalisering-2026/"
    assert page.locator(".facts .status--closed").count() == 1
    assert page.locator("#id_closes_at").count() == 1  # the re-open form instead
    fieldwork.refresh_from_db()
    assert fieldwork.closes_at <= timezone.now()
    me.axe("fieldwork page (closed)")
    latecomer = browser.new_context(locale="nl-NL").new_page()
    latecomer.on("console", me._console)
    latecomer.goto(link_url)
    assert latecomer.locator("h1").inner_text() == "Deze vragenlijst is gesloten"
    assert latecomer.locator("button[value=next], input[name=page]").count() == 0
    assert Response.objects.count() == 2

    me.check()
    assert len(me.axe_pages) >= 16


def _panel_of_four(organisation) -> Panel:
    """A panel with the example profile: three active members of the central government,
    one paused (whom no design draws)."""
    panel = panel_create(slug="ambtenaren", name="Ambtenarenpanel", organisation=organisation,
                         profile_source=PANEL_PROFILE.read_bytes(),
                         profile_name=PANEL_PROFILE.name)
    members_import(panel=panel, name="leden.csv", data=csv_bytes(
        "email,name,language,org_type,domain,function,gender,age_band",
        "anna@example.nl,Anna de Vries,nl,rijk,ict,beleid,vrouw,tot35",
        "bram@example.nl,Bram Smit,nl,rijk,dienstverlening,staf,man,35_44",
        "carla@example.nl,Carla Bos,nl,rijk,bedrijfsvoering,coordinator,vrouw,45_54",
        "gepauzeerd@example.nl,Dirk Pauw,nl,rijk,ict,beleid,man,55plus"))
    member_status_set(member=Member.objects.get(email="gepauzeerd@example.nl"),
                      status=Member.Status.PAUSED)
    return panel


def _table(page, selector: str) -> list[list[str]]:
    """The rows of a table (head left out) as the texts of their cells."""
    rows = page.locator(f"{selector} tbody tr, {selector} tfoot tr")
    return [[cell.strip() for cell in rows.nth(i).locator("th, td").all_inner_texts()]
            for i in range(rows.count())]


def _totals(page) -> dict[str, str]:
    cards = page.locator("#totals .card")
    return {cards.nth(i).locator("h2").inner_text(): cards.nth(i).locator(".big").inner_text()
            for i in range(cards.count()) if cards.nth(i).locator("h2").inner_text() in
            ("Started", "Completed", "Screened out", "Quota full")}


def test_a_beheerder_sees_users_and_the_audit_log(
        site_url, launch, organisation, make_user, settings, mailoutbox):  # noqa: F811
    beheerder = make_user("beheerder", organisation)
    colleague = make_user("analist", organisation)
    audit_record(user=beheerder, action=AuditEvent.Action.RESPONSES_EXPORTED,
                 target_type="fieldwork", target_id=1, detail="antwoorden.csv")
    me = Researcher(launch(), site_url)
    page = me.page

    # Two-factor log-in required (the default): the beheerder is sent to set it up first.
    settings.PEILING_MFA_REQUIRED_FOR_BEHEERDER = True
    me.log_in(beheerder.email, next_path="/organisatie/gebruikers/")
    assert "/2fa/" in page.url or "totp" in page.url, page.url

    settings.PEILING_MFA_REQUIRED_FOR_BEHEERDER = False
    me.goto("/organisatie/gebruikers/")
    assert page.locator("h1").inner_text() == "Users"
    emails = page.locator("#users tbody tr td:first-child").all_inner_texts()
    assert {beheerder.email, colleague.email} <= {text.split("\n")[0] for text in emails}
    me.axe("users page")
    page.fill("#id_email", "nieuw@example.nl")
    page.fill("#id_name", "Nieuwe Collega")
    page.locator("#id_role").select_option("onderzoeker")
    press(page.get_by_role("button", name="Add and send the e-mail"))
    assert _path(page.url) == "/organisatie/gebruikers/"
    assert "nieuw@example.nl" in page.locator("#users").inner_text()
    assert [message.to for message in mailoutbox] == [["nieuw@example.nl"]]
    me.axe("users page after adding a user")

    press(page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Audit log"))
    assert _path(page.url) == "/organisatie/audit/"
    assert "antwoorden.csv" in page.locator("#audit").inner_text()
    me.axe("audit page")
    me.check()
