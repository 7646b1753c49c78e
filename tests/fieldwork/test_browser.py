"""The example questionnaire in a real browser: Playwright driving Debian's Chromium, with
axe-core (npm, injected into each page) reporting accessibility violations.

Marked ``browser``: ``make test`` runs them once, in the SQLite run. Without Chromium or
node_modules they are skipped, unless PEILING_REQUIRE_BROWSER=1 (set by the Makefile), which
turns a missing browser into a failure.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
from pathlib import Path

import pytest

from peiling.fieldwork import services
from peiling.fieldwork.models import Response
from peiling.forms.simulate import simulate_answers

CHROMIUM = os.environ.get("PEILING_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _missing() -> str:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if not AXE.exists():
        return f"no axe-core at {AXE} (npm ci)"
    return ""


@pytest.fixture(scope="module")
def playwright_instance():
    problem = _missing()
    if problem:
        if os.environ.get("PEILING_REQUIRE_BROWSER"):
            pytest.fail(problem)
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread; the ORM calls of the test
    # itself are still synchronous (Django documents this switch for browser tests).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            yield playwright
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


#: Runs in every page before its own scripts (as axe does, so the policy does not apply).
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => window.peilingCspViolation(
    `${event.effectiveDirective} refused ${event.blockedURI || "inline"}: ${event.sample}`));
"""


class Chromium:
    """A launched Chromium whose every page carries axe-core (as an init script: the
    Content-Security-Policy refuses inline scripts, a test's included) and reports each
    Content-Security-Policy violation the browser logs into ``violations``."""

    def __init__(self, browser, violations: list[str]) -> None:
        self.browser, self.violations = browser, violations

    def new_context(self, **options):
        context = self.browser.new_context(**options)
        context.add_init_script(path=str(AXE))
        context.expose_binding("peilingCspViolation", self._violation)
        context.add_init_script(script=REPORT_CSP_VIOLATIONS)
        return context

    def new_page(self, **options):
        return self.new_context(**options).new_page()

    def close(self) -> None:
        self.browser.close()

    def _violation(self, source, text: str) -> None:
        self.violations.append(f"{source['page'].url}: {text}")


@pytest.fixture
def launch(playwright_instance):
    """Open Chromium; after the test, any Content-Security-Policy violation fails it."""
    browsers, violations = [], []

    def open_browser() -> Chromium:
        browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        browsers.append(browser)
        return Chromium(browser, violations)

    yield open_browser
    for browser in browsers:
        if browser.is_connected():
            browser.close()
    assert violations == [], violations


def press(locator) -> None:
    """Click a button or link that loads a new page, and wait until that page has loaded."""
    with locator.page.expect_navigation():
        locator.click()


class Walker:
    """Answers the pages of the example the way a person does: clicking labels, typing."""

    def __init__(self, page, flow, answers):
        self.page, self.flow, self.answers = page, flow, answers
        self.seen: list[str] = []
        self.axe_pages: set[str] = set()

    def key(self) -> str:
        return self.page.locator("input[name=page]").get_attribute("value")

    def axe(self, kind: str) -> None:
        violations = self.page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))")
        assert violations == [], f"{kind} ({self.page.url}): {violations}"
        self.axe_pages.add(kind)

    def fill(self) -> None:
        key = self.key()
        for name, values in self.flow.post_data(self.flow.page(key), self.answers).items():
            field = self.page.locator(f"[name='{name}']").first
            tag = field.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
            if tag in ("input:radio", "input:checkbox"):
                for value in values:
                    self.page.locator(f"[name='{name}'][value='{value}']").check()
            elif tag.startswith("select"):
                field.select_option(values[0])
            else:
                field.fill(values[0])

    def next(self) -> None:
        self.seen.append(self.key())
        press(self.page.locator("button[value=next]"))

    def until(self, key: str | None, kinds=True) -> None:
        """Answer pages until page ``key`` shows (None: until the thank-you page)."""
        for _ in range(40):
            if self.page.locator("input[name=page]").count() == 0:
                assert key is None, f"finished before reaching {key}"
                return
            if self.key() == key:
                return
            if kinds:
                grid = self.page.locator("table.grid__table").count() > 0
                self.axe("grid page" if grid else "question page")
            self.fill()
            self.next()
        pytest.fail("the questionnaire did not end")


def _answers(flow, org_type: str, seed: int):
    rng = random.Random(seed)
    for _ in range(200):
        answers = simulate_answers(flow.form, rng)
        if answers["org_type"] == org_type and answers.get("desirability") != "weet_niet":
            return flow.prune(answers)
    raise AssertionError("no simulated respondent of that type")


def test_dutch_gemeente_respondent_with_errors_and_a_closed_browser(
        live_server, launch, example_fieldwork, example_flow):
    token = services.invitation_create(fieldwork=example_fieldwork).token
    url = f"{live_server.url}/s/{token}/"
    answers = _answers(example_flow, "gemeente", 1)
    browser = launch()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(url)
    walker = Walker(page, example_flow, answers)
    assert page.locator("h1").inner_text() == example_flow.form.title
    walker.axe("intro page")
    press(page.get_by_role("button", name="Beginnen"))
    assert page.locator("html").get_attribute("lang") == "nl"

    walker.until("pg_profile")
    press(page.get_by_role("button", name="Volgende"))  # nothing chosen: errors
    summary = page.locator(".error-summary")
    assert summary.is_visible() and page.title().startswith("Fout:")
    links = summary.locator("a").all_inner_texts()
    assert [text.split("\n")[-1] for text in links] == [
        "Beantwoord deze vraag om verder te gaan."] * 3
    assert links[0].startswith("Bij welk type organisatie werkt u?")
    walker.axe("error page")
    summary.locator("a").first.click()
    assert page.evaluate("document.activeElement.name") == "org_type"

    walker.until("grid_policy")
    assert page.locator("th[scope=col]").count() == 5
    walker.until("pct_digital")
    page.locator("#q-pct_digital").fill("150")
    walker.next()
    assert "Vul een percentage in van 0 tot en met 100." in page.locator(".error-summary").inner_text()
    walker.until("promise")
    browser.close()  # halfway: the respondent closes the browser

    page = launch().new_page()
    page.goto(url)
    walker.page = page
    assert walker.key() == "promise"
    press(page.get_by_role("button", name="Vorige"))
    assert walker.key() == "grid_skills"
    assert page.locator("input[name=st_pace]:checked").get_attribute("value") == answers["st_pace"]
    walker.until(None)
    assert page.locator("h1").inner_text() == "Uw antwoorden zijn verzonden"
    walker.axe("thank-you page")
    response = Response.objects.get()
    assert response.status == "completed"
    assert response.answers.get("pct_digital") == answers.get("pct_digital")
    assert {"grid_policy", "pct_digital", "grid_skills", "grid_factors"} <= set(walker.seen)
    assert walker.axe_pages >= {"intro page", "question page", "grid page", "error page",
                                "thank-you page"}


def test_english_rijk_respondent_on_a_phone_through_an_open_link(
        live_server, launch, example_fieldwork, example_flow):
    link = services.open_link_create(fieldwork=example_fieldwork, source="linkedin")
    answers = _answers(example_flow, "rijk", 2)
    browser = launch()
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True,
                                  user_agent="Mozilla/5.0 (Linux; Android 14; Pixel 8) "
                                             "AppleWebKit/537.36 Mobile Safari/537.36")
    page = context.new_page()
    page.goto(f"{live_server.url}/s/o/{link.key}/")
    press(page.get_by_role("link", name="English"))
    assert page.locator("html").get_attribute("lang") == "en"
    press(page.get_by_role("button", name="Start"))
    walker = Walker(page, example_flow, answers)
    walker.until("grid_programmes")
    assert page.locator(".grid__head").is_hidden()  # narrow: stacked fieldsets
    assert page.locator(".grid__label").first.is_visible()
    group = example_flow.page("grid_programmes").group
    heading = group.label.get("English (en)") or "Digitalisation programmes"  # else the section
    assert page.locator("h1").inner_text() == heading
    walker.axe("grid page (narrow)")
    page.close()
    page = context.new_page()  # the tab was closed; the cookie brings the answers back
    page.goto(f"{live_server.url}/s/o/{link.key}/")
    walker.page = page
    assert walker.key() == "grid_programmes"
    walker.until(None)
    assert page.locator("h1").inner_text() == "Your answers have been sent"
    assert not {"grid_policy", "pct_digital", "grid_skills", "grid_factors"} & set(walker.seen)
    response = Response.objects.get()
    assert (response.source, response.language, response.device_class, response.status) == (
        "linkedin", "en", "mobile", "completed")
    page.goto(f"{live_server.url}/s/o/{link.key}/")
    assert "You have already filled in this questionnaire" in page.locator("h1").inner_text()
    walker.axe("message page")


def test_routing_back_and_forth_removes_hidden_answers(live_server, launch, example_fieldwork,
                                                       example_flow):
    token = services.invitation_create(fieldwork=example_fieldwork).token
    url = f"{live_server.url}/s/{token}/"
    page = launch().new_page(viewport={"width": 1024, "height": 800})
    page.goto(url)
    press(page.get_by_role("button", name="Beginnen"))
    walker = Walker(page, example_flow, _answers(example_flow, "gemeente", 3))
    walker.until("maturity", kinds=False)
    assert "uw gemeente?" in page.locator("legend").first.inner_text()  # piping
    for _ in range(8):
        press(page.get_by_role("button", name="Vorige"))
        if walker.key() == "pg_profile":
            break
    assert walker.key() == "pg_profile"
    page.locator("[name=org_type][value=rijk] + label").click()
    walker.next()
    walker.answers = _answers(example_flow, "rijk", 3)
    walker.until("maturity", kinds=False)
    assert "uw organisatie?" in page.locator("legend").first.inner_text()
    stored = Response.objects.get().answers
    assert not any(name.startswith("st_") for name in stored)


def test_closed_and_unknown_links_are_accessible_pages(live_server, launch, example_version,
                                                       make_fieldwork):
    closed = make_fieldwork(example_version, opens_in=dt.timedelta(days=-5),
                            closes_in=dt.timedelta(days=-1))
    token = services.invitation_create(fieldwork=closed).token
    page = launch().new_page()
    walker = Walker(page, None, {})
    page.goto(f"{live_server.url}/s/{token}/")
    assert page.locator("h1").inner_text() == "Deze vragenlijst is gesloten"
    walker.axe("closed page")
    page.goto(f"{live_server.url}/s/{'x' * 32}/?lang=en")
    assert page.locator("h1").inner_text() == "This link does not work"
    walker.axe("unknown link page")
    assert Response.objects.count() == 0


def test_every_widget_passes_axe_with_and_without_errors(live_server, launch, make_version,
                                                         make_fieldwork):
    from tests.fieldwork.test_views import ALL_TYPES

    fieldwork = make_fieldwork(make_version(ALL_TYPES))
    token = services.invitation_create(fieldwork=fieldwork).token
    page = launch().new_page()
    walker = Walker(page, None, {})
    page.goto(f"{live_server.url}/s/{token}/")
    press(page.get_by_role("button", name="Beginnen"))
    press(page.get_by_role("button", name="Volgende"))
    assert walker.key() == "all"
    walker.axe("all widgets")
    page.locator("#q-whole").fill("twaalf")
    page.locator("#q-ranking-r1").select_option("a")
    press(page.get_by_role("button", name="Volgende"))
    assert page.locator(".error-summary a").count() == 3  # one, whole, ranking
    walker.axe("all widgets with errors")
    assert Response.objects.get().answers == {}


def test_the_report_page_shows_its_charts_and_passes_axe(live_server, launch, make_user,
                                                         organisation,
                                                         example_fieldwork) -> None:
    """The report of issue 6 in the browser: tables and SVG charts present, axe clean."""
    from tests.conftest import PASSWORD

    services.responses_simulate(fieldwork=example_fieldwork, n=60, seed=6, source="panel")
    user = make_user("analist", organisation)
    page = launch().new_page()
    page.goto(f"{live_server.url}/account/login/?next=/rapporten/{example_fieldwork.slug}/")
    page.fill("#id_login", user.email)
    page.fill("#id_password", PASSWORD)
    press(page.locator("form.login button[type=submit]"))
    assert page.locator("h1").first.inner_text().startswith("Hoe beoordelen ambtenaren")
    charts = page.locator("figure .chart img[alt]")
    assert charts.count() >= 3
    assert charts.first.evaluate("image => image.complete && image.naturalWidth") > 100
    assert page.locator("table caption").count() >= 10
    assert page.get_by_text("Door afronding tellen de percentages").count() >= 1
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))")
    assert violations == [], violations
