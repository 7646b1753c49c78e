"""Every researcher page in a real browser, in Dutch and in English: axe-core finds no
violation on any of them, and none breaks the Content-Security-Policy.

The pages are the GET rows of the URL × role matrix (``tests/accounts/test_matrix.py``) that a
beheerder opens (200) and that are not public, with one organisation's objects from that
test's ``_objects``; a new row there is swept here too. Added to those: the pages in the
states a row does not reach (member filters, a sampling design's preview, an invalid filter,
the invitation e-mail in both languages). The beheerder logs in through the real log-in form
with two-factor log-in (TOTP), as the default settings require.

Every problem is collected and reported at the end, so one run shows all of them.
"""

from __future__ import annotations

import time

import pytest
from allauth.mfa import app_settings as totp_settings
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)

from peiling.fieldwork.models import Fieldwork
from peiling.panel import services as panel_services
from peiling.panel.models import Member
from peiling.panel.samples import SampleDesign, sample_commit, sample_preview
from tests.accounts.test_matrix import ROWS, _objects
from tests.conftest import PASSWORD
from tests.fieldwork.test_browser import launch, playwright_instance, press  # noqa: F401
from tests.panel.helpers import csv_bytes
from tests.web.test_browser_researcher import AXE_RUN, _path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: Pages and states the matrix does not reach: (path, status expected). Formatted with the
#: objects of ``_objects`` and the test's own: ``other_member`` (paused) and ``drawn_member``
#: (drawn for the fieldwork: a history of one invitation).
EXTRA = [
    ("/panels/{panel}/?status=active", 200),
    ("/panels/{panel}/?status=paused", 200),
    ("/panels/{panel}/?q=lid&org_type=gemeente", 200),
    ("/panels/{panel}/?q=niemand-heet-zo", 200),
    ("/panels/{panel}/?status=onbekend", 400),
    ("/panels/{panel}/leden/{other_member}/", 200),
    ("/panels/{panel}/leden/{drawn_member}/", 200),
    ("/veldwerk/{fieldwork}/uitnodigen/?panel={panel}&method=simple&size=1&seed=7", 200),
    ("/veldwerk/{fieldwork}/uitnodigen/?panel={panel}&method=proportional&variables=org_type"
     "&size=2&seed=7", 200),
    ("/veldwerk/{fieldwork}/uitnodigen/?panel={panel}&method=simple&seed=7", 400),
    ("/veldwerk/{fieldwork}/uitnodigen/?panel={panel}&method=simple&size=99&seed=7", 400),
    # the results pages with their tables, forms and refusals
    ("/veldwerk/{fieldwork}/tabellen/?vraag=desirability&banner=org_type", 200),
    ("/veldwerk/{fieldwork}/tabellen/?vraag=desirability&filter=%24%7Bonbekend%7D", 400),
    ("/veldwerk/{fieldwork}/weging/?variabele=org_type", 200),
    # the trends of a study: a question with its table and chart; a refusal
    ("/onderzoeken/{study}/trends/?vraag=desirability", 200),
    ("/onderzoeken/{study}/trends/?vraag=onbekend", 400),
    # the coding page's answers with possible personal data (none here: the empty state)
    ("/veldwerk/{fieldwork}/open-antwoorden/desirability_why/?status=personal", 200),
    # the data quality review, filtered; a refusal
    ("/veldwerk/{fieldwork}/kwaliteit/?regel=speeder&status=open", 200),
    ("/veldwerk/{fieldwork}/kwaliteit/?regel=onbekend", 400),
    # quotes for the report: per subgroup, nothing found, a refusal
    ("/veldwerk/{fieldwork}/rapportbouwer/citaten/?vraag=desirability_why&groep=org_type%3Agemeente",
     200),
    ("/veldwerk/{fieldwork}/rapportbouwer/citaten/?vraag=desirability_why&zoek=zzz-niemand", 200),
    ("/veldwerk/{fieldwork}/rapportbouwer/citaten/?vraag=desirability_why&groep=org_type%3Ax",
     400),
    ("/veldwerk/{fieldwork}/berichten/invitation/", 200),
    ("/veldwerk/{fieldwork}/berichten/invitation/?taal=en", 200),
    ("/veldwerk/{fieldwork}/berichten/reminder/?taal=en", 200),
]

#: What the sweep opens as a page; any other content type is a file, not swept.
HTML = "text/html"


def _researcher_rows() -> list[tuple[str, str]]:
    return [(row.name, row.path) for row in ROWS
            if row.method == "GET" and row.expected["beheerder"] == "200" and not row.public]


class Sweep:
    """One browser context (one language) with a logged-in beheerder: visits pages, runs
    axe-core, and collects every problem (status, content type, language, axe, CSP, script
    errors) into the shared ``problems``."""

    def __init__(self, browser, base_url: str, language: str, problems: list[str],
                 **options) -> None:
        self.base_url, self.language, self.problems = base_url, language, problems
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, **options)
        self.context.on("console", self._console)
        self.context.on("weberror", lambda error: self.problems.append(
            f"[{self.language}] script error: {error.error}"))
        self.page = self.context.new_page()
        self.swept: list[str] = []
        self.skipped: list[str] = []

    def _console(self, message) -> None:
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            where = _path(message.page.url) if message.page else "?"
            self.problems.append(f"[{self.language}] CSP ({where}): {text}")

    def axe(self, label: str) -> None:
        for violation in self.page.evaluate(AXE_RUN):
            self.problems.append(f"[{self.language}] {label} ({_path(self.page.url)}): "
                                 f"{violation}")
        self.swept.append(label)

    def visit(self, label: str, path: str, status: int = 200) -> None:
        """Ask for ``path`` first without the page (a file would start a download): an HTML
        answer is then opened, checked for its language and swept with axe."""
        url = self.base_url + path
        answer = self.context.request.get(url, max_redirects=0)
        kind = answer.headers.get("content-type", "")
        if answer.status != status:
            self.problems.append(f"[{self.language}] {label} ({path}): status {answer.status}, "
                                 f"expected {status}")
            return
        if not kind.startswith(HTML) or "attachment" in answer.headers.get(
                "content-disposition", ""):
            self.skipped.append(f"{label} ({kind.split(';')[0]})")
            return
        response = self.page.goto(url)
        if response is None or response.status != status:
            self.problems.append(f"[{self.language}] {label} ({path}): the page answered "
                                 f"{response and response.status}, expected {status}")
            return
        lang = self.page.locator("html").get_attribute("lang") or ""
        # Respondent pages (the preview) speak the questionnaire's language, not the browser's.
        if not path.startswith("/s/") and not lang.startswith(self.language):
            self.problems.append(f"[{self.language}] {label} ({path}): <html lang={lang!r}>")
        self.axe(label)


def _log_in_with_totp(sweep: Sweep, email: str, secret: str) -> None:
    """The real log-in form, then the two-factor step with the code of this moment."""
    page = sweep.page
    page.goto(sweep.base_url + "/account/login/?next=/onderzoeken/")
    sweep.axe("log-in page")
    page.fill("#id_login", email)
    page.fill("#id_password", PASSWORD)
    press(page.locator("form.login button[type=submit]"))
    assert _path(page.url).startswith("/account/2fa/authenticate/"), page.url
    sweep.axe("two-factor log-in page")
    period = totp_settings.TOTP_PERIOD
    if time.time() % period > period - 2:  # the code would change on the way: wait for the next
        time.sleep(period - time.time() % period + 0.1)
    counter = list(yield_hotp_counters_from_time())
    code = format_hotp_value(hotp_value(secret, counter[len(counter) // 2]))
    page.locator("input[name=code]").fill(code)
    press(page.locator("main form button[type=submit]").first)
    assert _path(page.url) == "/onderzoeken/", page.url


def test_every_researcher_page_passes_axe_in_dutch_and_english(
        live_server, settings, launch, organisation, make_user):  # noqa: F811
    settings.PEILING_BASE_URL = live_server.url
    objects = _objects(organisation, make_user, "eigen")
    # More members, one paused, one drawn for the fieldwork: the member and fieldwork pages
    # then show their history and deliveries tables, the filters something to filter, and
    # a sampling design two eligible members to draw from.
    panel = Member.objects.get(pk=objects["member"]).panel
    panel_services.members_import(panel=panel, name="meer.csv", data=csv_bytes(
        "email,name,language,org_type,domain,function,gender,age_band",
        "anna@eigen.nl,Anna de Vries,nl,rijk,ict,beleid,vrouw,tot35",
        "piet@eigen.nl,Piet Jansen,en,gemeente,sociaal,staf,man,55plus",
        "kees@eigen.nl,Kees Bakker,nl,onderwijs,onderwijs,anders,anders,35_44"))
    paused = Member.objects.get(panel=panel, email="kees@eigen.nl")
    panel_services.member_status_set(member=paused, status=Member.Status.PAUSED)
    objects["other_member"] = str(paused.pk)
    fieldwork = Fieldwork.objects.get(slug=objects["fieldwork"])
    plan = sample_preview(panel=panel, fieldwork=fieldwork,
                          design=SampleDesign(method="simple", size=1, seed=1))
    sample_commit(plan=plan)
    objects["drawn_member"] = str(plan.member_ids[0])

    user = make_user("beheerder", organisation)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)

    browser = launch()
    problems: list[str] = []
    dutch = Sweep(browser, live_server.url, "nl", problems, locale="nl-NL")
    _log_in_with_totp(dutch, user.email, secret)
    # The same session in English: a TOTP code is accepted once, so the log-in is copied.
    english = Sweep(browser, live_server.url, "en", problems, locale="en-GB",
                    storage_state=dutch.context.storage_state())

    rows = _researcher_rows()
    assert len(rows) >= 20, rows
    for sweep in (dutch, english):
        for name, path in rows:
            sweep.visit(name, path.format(**objects))
        for path, status in EXTRA:
            sweep.visit(path, path.format(**objects), status)

    problems.extend(f"CSP: {violation}" for violation in browser.violations)
    assert problems == [], f"{len(problems)} problems:\n" + "\n".join(problems)
    # Every HTML row was swept in both languages; only files were skipped.
    assert {item.split(" (")[0] for item in dutch.skipped} == {
        name for name, path in rows if name not in dutch.swept}, dutch.skipped
    assert len(dutch.swept) == len(english.swept) + 2  # the log-in pages
