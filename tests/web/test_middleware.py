"""What every page shares: HEAD answered like GET, a Content-Security-Policy, and a database
that drops away met with a retry or a 503 that keeps the respondent's answers."""

from __future__ import annotations

import os
import re
from types import SimpleNamespace

import psycopg
import pytest
from django.db import OperationalError, connection
from django.http import HttpResponse
from django.test import Client, RequestFactory

from peiling.fieldwork import services
from peiling.fieldwork.models import Response
from peiling.web.middleware import RETRY_AFTER, DatabaseOutage, HeadWithoutBody

on_postgres = pytest.mark.skipif(not os.environ.get("PEILING_TEST_POSTGRES"),
                                 reason="drops a live PostgreSQL connection")


# -- HEAD -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_head_answers_like_get_on_respondent_and_public_pages(client: Client,
                                                              example_fieldwork) -> None:
    token = services.invitation_create(fieldwork=example_fieldwork).token
    link = services.open_link_create(fieldwork=example_fieldwork, source="nieuwsbrief")
    for url in (f"/s/{token}/", f"/s/o/{link.key}/", f"/s/{token}/bedankt/",
                "/s/onbekendonbekendonbekendonbekend1/", "/panel/afmelden/vervalst/", "/"):
        get, head = client.get(url), client.head(url)
        assert (head.status_code, head["Content-Type"]) == (get.status_code,
                                                            get["Content-Type"]), url
        assert head.status_code != 405
    assert Response.objects.count() == 0  # neither GET nor HEAD starts a response


def test_head_responses_carry_no_body() -> None:
    """The test client strips HEAD bodies itself, so the middleware is called directly."""
    page = HeadWithoutBody(lambda request: HttpResponse("<p>pagina</p>"))
    factory = RequestFactory()
    assert page(factory.head("/")).content == b""
    assert page(factory.get("/")).content == b"<p>pagina</p>"


# -- Content-Security-Policy ----------------------------------------------------------------


@pytest.mark.django_db
def test_every_page_forbids_inline_script_and_style(client: Client, example_fieldwork,
                                                    admin_client) -> None:
    token = services.invitation_create(fieldwork=example_fieldwork).token
    for response in (client.get(f"/s/{token}/"), client.get("/admin/login/"),
                     admin_client.get("/vragenlijsten/"), client.get("/")):
        policy = dict(part.strip().split(" ", 1)
                      for part in response["Content-Security-Policy"].split(";"))
        assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
        assert policy["default-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
        assert "unsafe-inline" not in response["Content-Security-Policy"]


# -- a database that drops away -------------------------------------------------------------


def test_a_dropped_connection_is_retried_once_for_get_and_is_a_503_for_post() -> None:
    calls = []

    def flaky(request):
        calls.append(request.method)
        if len(calls) % 2:  # every first try fails, as on a connection killed by a restart
            raise OperationalError("server closed the connection unexpectedly")
        return HttpResponse("ok")

    outage = DatabaseOutage(flaky)
    factory = RequestFactory()
    request = factory.get("/s/x/")
    request.resolver_match = SimpleNamespace(func=flaky, args=(), kwargs={}, namespace="")
    try:
        flaky(request)
    except OperationalError as error:
        assert outage.process_exception(request, error).content == b"ok"
    assert calls == ["GET", "GET"]
    post = factory.post("/s/x/", {"q1": "ja", "page": "p1"})
    post.resolver_match = SimpleNamespace(func=flaky, args=(), kwargs={}, namespace="fieldwork")
    refused = outage.process_exception(post, OperationalError("gone"))
    assert (refused.status_code, refused["Retry-After"]) == (503, str(RETRY_AFTER))
    assert calls == ["GET", "GET"]  # a POST is never run twice
    assert '<input type="hidden" name="q1" value="ja">' in refused.content.decode()


def test_the_503_page_never_echoes_a_log_in_form() -> None:
    outage = DatabaseOutage(lambda request: HttpResponse("ok"))
    login = RequestFactory().post("/admin/login/", {"username": "a", "password": "geheim-123"})
    login.resolver_match = SimpleNamespace(func=None, args=(), kwargs={}, namespace="admin")
    page = outage.process_exception(login, OperationalError("gone")).content.decode()
    assert "geheim-123" not in page and 'type="hidden"' not in page


def _kill_own_backend() -> None:
    """Terminate this test's PostgreSQL connection from another one, as a restart does."""
    pid = connection.connection.info.backend_pid
    settings = connection.settings_dict
    with psycopg.connect(host=settings["HOST"], port=settings["PORT"] or 5432,
                         user=settings["USER"], dbname=settings["NAME"],
                         autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def _page_key(response) -> str:
    return re.search(r'name="page" value="([^"]+)"', response.content.decode()).group(1)


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_a_restart_under_a_respondent_gives_a_retry_and_a_friendly_503(
        client: Client, example_fieldwork, example_flow):
    token = services.invitation_create(fieldwork=example_fieldwork).token
    url = f"/s/{token}/"
    assert client.post(url, {"action": "start"}).status_code == 303
    page = client.get(url)
    while "org_type" not in page.content.decode():  # past the introduction pages
        assert client.post(url, {"action": "next", "page": _page_key(page)}).status_code == 303
        page = client.get(url)
    key = _page_key(page)

    _kill_own_backend()
    again = client.get(url)  # the read is retried on a new connection
    assert again.status_code == 200 and _page_key(again) == key

    data = {"action": "next", "page": key,
            **example_flow.post_data(example_flow.page(key), {
                "org_type": "gemeente", "domain": "ict", "function": "beleid"})}
    before = Response.objects.get().answers
    _kill_own_backend()
    refused = client.post(url, data)
    html = refused.content.decode()
    assert (refused.status_code, refused["Retry-After"]) == (503, "60")
    assert "probeer het over een minuut opnieuw" in html.lower()
    assert '<input type="hidden" name="org_type" value="gemeente">' in html
    assert Response.objects.get().answers == before  # nothing of the failed submit stored
    assert client.post(url, data).status_code == 303  # sending again works
    assert Response.objects.get().answers["org_type"] == "gemeente"
