"""Respondent pages over HTTP: links, window, language, errors, bad input, preview.

Every refusal must be a 4xx page with a clear message that stores nothing; no input gives a 500.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from email.utils import parsedate_to_datetime

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.views.decorators.cache import never_cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peiling.fieldwork import services
from peiling.fieldwork.models import Response
from peiling.forms.simulate import simulate_answers

pytestmark = pytest.mark.django_db

ALL_TYPES = """
## survey
| type | name | label | required | appearance | parameters | constraint |
| note | hello | Welkom | | | | |
| begin_group | all | Alles | | field-list | | |
| select_one yn | one | Een? | yes | | | |
| select_one yn | minimal | Lijst? | | minimal | | |
| select_multiple many | multi | Meer? | | | | |
| rank many | ranking | Volgorde? | | | | |
| integer | whole | Getal? | | | | . < 1000 |
| decimal | fraction | Breuk? | | | | |
| range | scale | Schaal? | | | start=1 end=5 step=1 | |
| text | open | Open? | | | | |
| date | day | Datum? | | | | |
| end_group | all | | | | | |
| note | end | Klaar | | | | |
## choices
| list_name | name | label |
| yn | ja | Ja |
| yn | nee | Nee |
| many | a | A |
| many | b | B |
| many | c | C |
## settings
| form_title | form_id |
| Alle typen | alle_typen |
"""
VALID_ALL = {"one": ["ja"], "minimal": ["nee"], "multi": ["a", "c"],
             "ranking~1": ["b"], "ranking~2": ["a"], "ranking~3": ["c"], "whole": ["12"],
             "fraction": ["2,5"], "scale": ["3"], "open": ["Tekst"], "day": ["2024-05-01"]}


def page_key(response) -> str:
    match = re.search(r'name="page" value="([^"]+)"', response.content.decode())
    assert match, response.content.decode()[:500]
    return match.group(1)


def started(client: Client, url: str, **query):
    assert client.post(url + _query(query), {"action": "start"}).status_code == 303
    return client.get(url + _query(query))


def _query(query) -> str:
    return "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""


@pytest.fixture
def personal(example_fieldwork):
    issued = services.invitation_create(fieldwork=example_fieldwork, profile={"sex": "v"})
    return f"/s/{issued.token}/"


@pytest.fixture
def all_types(make_version, make_fieldwork, client):
    fieldwork = make_fieldwork(make_version(ALL_TYPES))
    url = f"/s/{services.invitation_create(fieldwork=fieldwork).token}/"
    page = started(client, url)
    assert page_key(page) == "hello"
    assert client.post(url, {"action": "next", "page": "hello"}).status_code == 303
    return url


# -- links ----------------------------------------------------------------------------------


def test_opening_a_link_stores_nothing_until_the_respondent_starts(client, personal):
    page = client.get(personal)
    assert page.status_code == 200 and Response.objects.count() == 0
    html = page.content.decode()
    assert "Welkom bij het onderzoek." in html and 'value="start"' in html
    assert '<html lang="nl">' in html
    english = client.get(personal + "?lang=en").content.decode()
    assert "Welcome to the study." in english and '<html lang="en">' in english
    page = started(client, personal)
    assert page_key(page) == "intro" and Response.objects.get().source == "panel"


def test_a_personal_link_resumes_on_the_right_page_from_another_browser(client, personal):
    started(client, personal)
    client.post(personal, {"action": "next", "page": "intro"})
    client.post(personal, {"action": "next", "page": "pg_profile", "org_type": "gemeente",
                           "domain": "ict", "function": "beleid"})
    other = Client().get(personal)
    assert page_key(other) == "desirability"


def test_no_respondent_page_may_be_kept_by_a_browser_or_a_proxy(client, personal):
    """Answers show on these pages: a shared computer's history or a proxy must not keep
    them, nor the intro, a refusal, a redirect or the thank-you page."""
    intro = client.get(personal)
    start = client.post(personal, {"action": "start"})
    page = client.get(personal)
    submit = client.post(personal, {"action": "next", "page": "intro"})
    refused = client.get("/s/" + "A" * 32 + "/")
    early_thanks = client.get(personal + "bedankt/")
    statuses = [r.status_code for r in (intro, start, page, submit, refused, early_thanks)]
    assert statuses == [200, 303, 200, 303, 404, 303]
    reference = never_cache(lambda request: HttpResponse())(RequestFactory().get("/"))
    expected = _directives(reference)
    assert {"no-store", "no-cache", "private", "max-age=0"} <= expected
    for response in (intro, start, page, submit, refused, early_thanks):
        assert _directives(response) == expected  # what Django's never_cache sends
        expires = parsedate_to_datetime(response.headers["Expires"])
        assert expires <= dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)


def _directives(response) -> set[str]:
    return {d.strip() for d in response.headers["Cache-Control"].split(",")}


def test_unknown_malformed_and_used_tokens(client, personal, example_fieldwork):
    unknown = client.get("/s/" + "A" * 32 + "/")
    assert unknown.status_code == 404
    assert "Deze link werkt niet" in unknown.content.decode()
    assert client.get("/s/kort/").status_code == 404
    assert client.post("/s/" + "B" * 32 + "/", {"action": "start"}).status_code == 404
    started(client, personal)
    Response.objects.update(status="completed")
    used = client.get(personal)
    assert used.status_code == 403
    assert "U heeft deze vragenlijst al ingevuld" in used.content.decode()
    assert client.post(personal, {"action": "start"}).status_code == 403
    assert Response.objects.count() == 1


def test_an_open_link_allows_one_response_per_browser_and_stores_its_source(
        client, example_fieldwork):
    link = services.open_link_create(fieldwork=example_fieldwork, source="nieuwsbrief")
    url = f"/s/o/{link.key}/"
    assert client.get(url).status_code == 200 and Response.objects.count() == 0
    started(client, url)
    again = client.post(url, {"action": "start"})
    assert again.status_code == 303 and Response.objects.count() == 1
    assert Response.objects.get().source == "nieuwsbrief"
    Response.objects.update(status="completed")
    assert client.get(url).status_code == 403
    started(Client(), url)  # another browser
    assert Response.objects.count() == 2


def test_an_open_link_page_submit_without_the_cookie_is_refused(client, example_fieldwork):
    link = services.open_link_create(fieldwork=example_fieldwork, source="linkedin")
    refused = client.post(f"/s/o/{link.key}/", {"action": "next", "page": "intro"})
    assert refused.status_code == 403
    assert "cookie" in refused.content.decode() and Response.objects.count() == 0


def test_a_forged_cookie_is_ignored(client, example_fieldwork):
    link = services.open_link_create(fieldwork=example_fieldwork, source="x")
    client.cookies[f"peiling_open_{example_fieldwork.pk}"] = "forged"
    assert client.post(f"/s/o/{link.key}/", {"action": "next", "page": "intro"}).status_code \
        == 403


def test_inactive_open_links_do_not_work(client, example_fieldwork):
    link = services.open_link_create(fieldwork=example_fieldwork, source="oud")
    link.is_active = False
    link.save()
    assert client.get(f"/s/o/{link.key}/").status_code == 404


# -- the window -----------------------------------------------------------------------------


@pytest.mark.parametrize(("opens_in", "closes_in", "dutch", "english"), [
    (dt.timedelta(days=2), dt.timedelta(days=9), "Deze vragenlijst is nog niet geopend",
     "This questionnaire is not open yet"),
    (dt.timedelta(days=-9), dt.timedelta(days=-2), "Deze vragenlijst is gesloten",
     "This questionnaire is closed"),
])
def test_before_and_after_the_window_links_show_a_page_and_store_nothing(
        client, example_version, make_fieldwork, opens_in, closes_in, dutch, english):
    fieldwork = make_fieldwork(example_version, opens_in=opens_in, closes_in=closes_in)
    urls = [f"/s/{services.invitation_create(fieldwork=fieldwork).token}/",
            f"/s/o/{services.open_link_create(fieldwork=fieldwork, source='x').key}/"]
    for url in urls:
        page = client.get(url)
        assert page.status_code == 403 and dutch in page.content.decode()
        assert english in client.get(url + "?lang=en").content.decode()
        assert client.post(url, {"action": "start"}).status_code == 403
    assert Response.objects.count() == 0


# -- pages ----------------------------------------------------------------------------------


def test_errors_show_a_summary_linking_to_each_field_and_keep_the_answers(client, personal):
    started(client, personal)
    client.post(personal, {"action": "next", "page": "intro"})
    page = client.post(personal, {"action": "next", "page": "pg_profile",
                                  "org_type": "rijk"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "<title>Fout:" in html and 'role="alert"' in html
    assert html.count('href="#q-domain-0"><span class="error-summary__question">Op welk '
                      'werkterrein bent u vooral actief?</span> Beantwoord deze vraag om '
                      'verder te gaan.</a>') == 1
    assert 'href="#q-function-0"' in html
    assert re.search(r'value="rijk"\s+checked', html)
    assert Response.objects.get().answers.get("org_type") is None


def test_the_grid_is_a_table_of_fieldsets(client, personal):
    started(client, personal)
    for data in [{"page": "intro"},
                 {"page": "pg_profile", "org_type": "gemeente", "domain": "ict",
                  "function": "beleid"},
                 {"page": "desirability", "desirability": "weet_niet"},
                 {"page": "satisfaction", "satisfaction": "neutraal"}]:
        assert client.post(personal, {"action": "next", **data}).status_code == 303
    html = client.get(personal).content.decode()
    assert '<th scope="col"' in html and html.count("grid__fieldset") == 5
    assert "<legend" in html and 'name="st_priority"' in html
    assert "uw gemeente" in html or "mijn gemeente" in html.lower()


def test_back_keeps_the_answers(client, personal):
    started(client, personal)
    client.post(personal, {"action": "next", "page": "intro"})
    client.post(personal, {"action": "next", "page": "pg_profile", "org_type": "onderwijs",
                           "domain": "ict", "function": "beleid"})
    client.post(personal, {"action": "back", "page": "desirability",
                           "desirability": "wenselijk"})
    html = client.get(personal).content.decode()
    assert page_key(client.get(personal)) == "pg_profile"
    assert re.search(r'value="onderwijs"\s+checked', html)
    assert Response.objects.get().answers["desirability"] == "wenselijk"


def test_the_language_switch_changes_labels_and_is_remembered(client, personal):
    started(client, personal, lang="en")
    client.post(personal + "?lang=en", {"action": "next", "page": "intro"})
    html = client.get(personal).content.decode()
    assert "What type of organisation do you work for?" in html and "Next" in html
    assert Response.objects.get().language == "en"
    dutch = client.get(personal + "?lang=nl").content.decode()
    assert "Bij welk type organisatie werkt u?" in dutch and "Volgende" in dutch


def test_the_thank_you_page_waits_for_the_last_page(client, personal):
    assert client.get(personal + "bedankt/").status_code == 303
    started(client, personal)
    redirect = client.get(personal + "bedankt/?lang=en")
    assert (redirect.status_code, redirect["Location"]) == (303, personal + "?lang=en")


def test_completing_the_example_shows_the_confirmation(client, personal, example_flow):
    started(client, personal)
    answers = example_flow.prune(simulate_answers(example_flow.form, random.Random(4)))
    page = client.get(personal)
    for _ in range(30):
        key = page_key(page)
        data = example_flow.post_data(example_flow.page(key), answers)
        done = client.post(personal, {"action": "next", "page": key, **data})
        assert done.status_code == 303, done.content.decode()[:2000]
        if done["Location"].endswith("bedankt/"):
            break
        page = client.get(personal)
    thanks = client.get(done["Location"])
    assert thanks.status_code == 200
    assert "Uw antwoorden zijn verzonden" in thanks.content.decode()
    assert "Hartelijk dank!" in thanks.content.decode()
    response = Response.objects.get()
    assert response.status == "completed"
    assert {k: v for k, v in response.answers.items()
            if k not in ("ict", "org_word", "org_word_en")} == {
        k: list(v) if isinstance(v, tuple) else v for k, v in answers.items()}


# -- bad input ------------------------------------------------------------------------------


GARBAGE = {
    "one": [["misschien"], ["ja", "nee"], ["ja" * 6000]],
    "minimal": [["<script>"], ["ja", "ja"]],
    "multi": [["a", "a"], ["z"], ["a", "x" * 10_001]],
    "ranking~1": [["q"], ["a", "b"]],
    "ranking~9": [["a"]],
    "ranking": [["a b c"]],
    "whole": [["1\x002"], ["9" * 10_001]],
    "scale": [["6"], ["0"], ["2.5"], ["x" * 10_001]],
    "open": [["x" * 10_001], ["a\x00b"], ["a", "b"]],
    "day": [["2024-01-01", "2024-01-02"]],
    "is_superuser": [["1"]],
    "page": [["all", "end"]],
    "action": [["next", "back"]],
}


@pytest.mark.parametrize(("field", "value"), [
    (field, value) for field, values in GARBAGE.items() for value in values])
def test_garbage_in_any_field_gets_a_400_page_and_stores_nothing(client, all_types, field,
                                                                 value):
    before = Response.objects.values().get()
    data = {"action": "next", "page": "all", **VALID_ALL, field: value}
    refused = client.post(all_types, data)
    assert refused.status_code == 400, refused.content.decode()[:800]
    html = refused.content.decode()
    assert "Uw antwoorden konden niet worden verwerkt" in html
    assert "Er is niets van deze pagina opgeslagen" in html
    assert Response.objects.values().get() == before


@pytest.mark.parametrize(("field", "value", "message"), [
    ("whole", "twaalf", "Vul een heel getal in, bijvoorbeeld 12."),
    ("whole", "1e999", "Vul een heel getal in, bijvoorbeeld 12."),
    ("fraction", "Infinity", "Vul een getal in, bijvoorbeeld 12 of 3,5."),
    ("whole", "2000", "Dit antwoord is niet mogelijk. Controleer het en probeer het opnieuw."),
    ("fraction", "2,5,1", "Vul een getal in, bijvoorbeeld 12 of 3,5."),
    ("day", "31-02-2024", "Vul een datum in als dag-maand-jaar, bijvoorbeeld 31-12-2024."),
    ("one", "", "Beantwoord deze vraag om verder te gaan."),
    # A number field has no length limit in the browser: a person can type these.
    ("whole", "9" * 5000, "Dit getal is te groot: vul hoogstens 15 cijfers in."),
    ("whole", "99999999999999999999", "Dit getal is te groot: vul hoogstens 15 cijfers in."),
    ("fraction", "-" + "9" * 30, "Dit getal is te groot: vul hoogstens 15 cijfers in."),
    ("fraction", "1" * 41, "Dit getal is te groot: vul hoogstens 15 cijfers in."),
    ("day", "9" * 50, "Vul een datum in als dag-maand-jaar, bijvoorbeeld 31-12-2024."),
])
def test_typing_mistakes_show_the_page_again_with_a_message(client, all_types, field, value,
                                                            message):
    before = Response.objects.values().get()
    page = client.post(all_types, {"action": "next", "page": "all", **VALID_ALL, field: value})
    assert page.status_code == 200 and message in page.content.decode()
    assert Response.objects.values().get() == before


def test_a_full_textarea_with_line_breaks_is_stored(client, all_types):
    """The browser's maxlength counts a line break once but posts it as CR LF."""
    from peiling.fieldwork.answers import MAX_TEXT_LENGTH

    typed = ("Eerste punt.\n" * MAX_TEXT_LENGTH)[:MAX_TEXT_LENGTH]
    posted = typed.replace("\n", "\r\n")
    assert len(posted) > MAX_TEXT_LENGTH
    done = client.post(all_types, {"action": "next", "page": "all", **VALID_ALL,
                                   "open": posted})
    assert done.status_code == 303
    assert Response.objects.get().answers["open"] == typed.strip()


def test_every_type_is_stored_as_its_value(client, all_types):
    done = client.post(all_types, {"action": "next", "page": "all", **VALID_ALL})
    assert done.status_code == 303
    assert Response.objects.get().answers == {
        "one": "ja", "minimal": "nee", "multi": ["a", "c"], "ranking": ["b", "a", "c"],
        "whole": 12, "fraction": 2.5, "scale": 3, "open": "Tekst", "day": "2024-05-01"}


def test_other_refusals(client, all_types):
    before = Response.objects.values().get()
    assert client.post(all_types, {"action": "delete", "page": "all"}).status_code == 400
    assert client.post(all_types, {"action": "next", "page": "end"}).status_code == 409
    assert client.post(all_types, {"action": "next", "page": "../../etc"}).status_code == 409
    assert client.put(all_types).status_code == 405
    assert Response.objects.values().get() == before


def test_oversized_posts_get_a_400(client, all_types):
    before = Response.objects.values().get()
    many = {f"f{i}": "x" for i in range(1100)}
    assert client.post(all_types, {"action": "next", "page": "all", **many}).status_code == 400
    huge = "x" * (13 * 1024 * 1024)
    assert client.post(all_types, {"action": "next", "page": "all", "open": huge}
                       ).status_code == 400
    assert Response.objects.values().get() == before


def test_a_post_without_a_csrf_token_gets_a_clear_403(personal):
    client = Client(enforce_csrf_checks=True)
    refused = client.post(personal, {"action": "start"})
    assert refused.status_code == 403
    assert "Deze pagina is verlopen" in refused.content.decode()
    assert Response.objects.count() == 0


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(
    st.sampled_from([*VALID_ALL, "page", "action", "ranking", "x", "ranking~0", ""]),
    st.lists(st.text(max_size=30), max_size=3), max_size=8))
def test_no_post_gives_a_500(client, all_types, data):
    assert client.post(all_types, data).status_code < 500


# -- preview --------------------------------------------------------------------------------


def test_preview_needs_a_login_and_stores_nothing(client, example_version, django_user_model,
                                                  example_flow, make_user, organisation,
                                                  other_organisation):
    url = f"/s/voorbeeld/{example_version.pk}/"
    assert client.get(url).status_code == 302
    user = django_user_model.objects.create_user("onderzoeker", password="x" * 12)
    client.force_login(user)
    assert client.get(url).status_code == 403  # logged in, but in no organisation
    client.force_login(make_user("analist", other_organisation))
    assert client.get(url).status_code == 404  # another organisation's questionnaire
    client.force_login(make_user("analist", organisation))
    page = client.get(url)
    assert page.status_code == 200 and "Voorbeeld" in page.content.decode()
    answers = {"org_type": "rijk", "domain": "ict", "function": "beleid"}
    for _ in range(3):
        key = page_key(page)
        state = re.search(r'name="state" value="([^"]+)"', page.content.decode()).group(1)
        page = client.post(url, {"action": "next", "page": key, "state": state,
                                 **example_flow.post_data(example_flow.page(key), answers)})
        assert page.status_code == 200
    assert page_key(page) == "desirability"
    assert client.post(url, {"action": "next", "page": "desirability",
                             "state": "vervalst"}).status_code == 400
    assert client.get(f"/s/voorbeeld/{example_version.pk + 99}/").status_code == 404
    assert Response.objects.count() == 0


def test_a_post_over_the_field_limit_gets_the_refusal_page(client, example_fieldwork):
    link = services.open_link_create(fieldwork=example_fieldwork, source="nieuwsbrief")
    data = {f"f{i}": "x" for i in range(1500)}
    response = client.post(f"/s/o/{link.key}/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Uw antwoorden konden niet worden verwerkt" in html
    assert Response.objects.count() == 0
