"""The data API with personal access tokens: scoped to the token's organisation and role,
paged with a cursor and pulled incrementally, errors as problem details, every call audited,
calls per token limited."""

from __future__ import annotations

import importlib.util
import io
import json
from collections import Counter
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from peiling.accounts.models import AuditEvent
from peiling.accounts.services import api_token_create, api_token_revoke
from peiling.api.v1 import api
from peiling.exchange.services import fieldwork_export_data
from peiling.fieldwork import services as fieldwork_services
from peiling.fieldwork.models import Response
from peiling.forms.xlsform import read_xlsform

pytestmark = pytest.mark.django_db


@pytest.fixture
def fieldwork(example_fieldwork):
    fieldwork_services.responses_simulate(fieldwork=example_fieldwork, n=25, seed=3,
                                          source="panel")
    return example_fieldwork


@pytest.fixture
def token(make_user, organisation) -> str:
    user = make_user("analist", organisation)
    return api_token_create(user=user, name="R-script", role="analist")[1]


def _get(token: str | None, path: str, **params):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return Client().get(f"/api/v1{path}", params, **headers)


def test_without_a_valid_token_nothing_opens(fieldwork, token, make_user,
                                             organisation) -> None:
    for bad in (None, "pei_niet-echt", token + "x"):
        response = _get(bad, "/fieldworks")
        assert response.status_code == 401
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "unauthorized"
    user = make_user("onderzoeker", organisation, "tweede@example.org")
    made, text = api_token_create(user=user, name="weg", role="onderzoeker")
    assert _get(text, "/fieldworks").status_code == 200
    api_token_revoke(token=made)
    assert _get(text, "/fieldworks").status_code == 401
    expired, text = api_token_create(user=user, name="oud", role="analist", days=1)
    expired.expires_at = timezone.now()
    expired.save()
    assert _get(text, "/fieldworks").status_code == 401


def test_a_token_sees_its_own_organisation_only(fieldwork, token, make_user,
                                                other_organisation) -> None:
    other_user = make_user("beheerder", other_organisation, "ander@example.org")
    other = api_token_create(user=other_user, name="ander", role="beheerder")[1]
    assert [f["slug"] for f in _get(token, "/fieldworks").json()] == [fieldwork.slug]
    assert _get(other, "/fieldworks").json() == []
    missing = _get(other, f"/fieldworks/{fieldwork.slug}/responses")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    study = fieldwork.form_version.questionnaire_id
    assert _get(other, f"/studies/{study}/questionnaire").status_code == 404


def test_a_role_is_not_above_its_maker_s(make_user, organisation) -> None:
    analist = make_user("analist", organisation, "a@example.org")
    with pytest.raises(ValueError, match="not available"):
        api_token_create(user=analist, name="te hoog", role="beheerder")


def test_studies_fieldworks_and_the_questionnaire(fieldwork, token) -> None:
    [study] = _get(token, "/studies").json()
    assert study["fieldworks"] == [fieldwork.slug] and study["versions"] == [1]
    [found] = _get(token, "/fieldworks").json()
    assert found["counts"]["completed"] == 25 and found["counts"]["excluded"] == 0
    form = fieldwork.form_version.form
    assert _get(token, f"/studies/{study['id']}/questionnaire").json()["form"] == form.to_dict()
    xlsx = _get(token, f"/studies/{study['id']}/questionnaire.xlsx")
    assert read_xlsform(io.BytesIO(xlsx.content).getvalue()) == form


def test_responses_page_by_cursor_and_pull_incrementally(fieldwork, token) -> None:
    seen, cursor, pages = [], None, 0
    while True:
        page = _get(token, f"/fieldworks/{fieldwork.slug}/responses", limit=10,
                    **({"cursor": cursor} if cursor else {})).json()
        seen += page["results"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and len({r["key"] for r in seen}) == 25
    stored = {r.respondent_key: r.answers for r in Response.objects.filter(fieldwork=fieldwork)}
    assert {r["key"]: r["answers"] for r in seen} == stored
    assert not any("profile" in r or "email" in r for r in seen)  # never contact data
    # later: five more come in and one earlier response changes (the simulation dates its
    # responses within the fieldwork's period, so they are stamped as stored now); a pull
    # since the last change brings those six only
    since = max(r["updated_at"] for r in seen)
    fieldwork_services.responses_simulate(fieldwork=fieldwork, n=5, seed=9, source="panel")
    changed = Response.objects.filter(fieldwork=fieldwork).exclude(
        respondent_key__in=stored).values_list("pk", flat=True)
    first = Response.objects.get(respondent_key=seen[0]["key"])
    Response.objects.filter(pk__in=[*changed, first.pk]).update(updated_at=timezone.now())
    new = _get(token, f"/fieldworks/{fieldwork.slug}/responses", updated_since=since).json()
    keys = {r["key"] for r in new["results"]}
    assert len(keys) == 6 and keys & set(stored) == {first.respondent_key}


@pytest.mark.parametrize(("params", "code"), [
    ({"limit": 0}, "bad_request"),
    ({"limit": "veel"}, "invalid_parameters"),
    ({"cursor": "geen-cursor"}, "bad_request"),
    ({"updated_since": "gisteren"}, "invalid_parameters"),
    ({"status": "klaar"}, "bad_request"),
])
def test_bad_parameters_are_problems_with_a_stable_code(fieldwork, token, params,
                                                        code) -> None:
    response = _get(token, f"/fieldworks/{fieldwork.slug}/responses", **params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code and body["title"] and body["status"] == 400


def test_every_call_is_audited_and_calls_are_limited(fieldwork, token, monkeypatch) -> None:
    before = AuditEvent.objects.filter(action="api.called").count()
    _get(token, "/fieldworks")
    _get(token, f"/fieldworks/{fieldwork.slug}/responses")
    events = AuditEvent.objects.filter(action="api.called").order_by("pk")
    assert events.count() == before + 2
    assert events.last().target_id == f"/api/v1/fieldworks/{fieldwork.slug}/responses"
    assert events.last().channel == "api" and events.last().detail.startswith("token pei_")
    [throttle] = api.throttle
    monkeypatch.setattr(throttle, "num_requests", 2)
    statuses = [_get(token, "/fieldworks").status_code for _ in range(4)]
    assert statuses[-1] == 429
    limited = _get(token, "/fieldworks")
    assert limited.json()["code"] == "rate_limited" and int(limited["Retry-After"]) >= 1


def test_the_openapi_description_and_its_docs(client) -> None:
    schema = client.get("/api/v1/schema")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/fieldworks/{slug}/responses" in paths
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


def test_a_researcher_makes_a_token_in_the_web_app_sees_it_once_and_revokes_it(
        fieldwork, login_as) -> None:
    from peiling.accounts.models import ApiToken

    browser = login_as("analist")
    browser.cookies["django_language"] = "en"
    too_high = browser.post("/organisatie/api-sleutels/", {"name": "x", "role": "beheerder",
                                                           "days": "30"})
    assert too_high.status_code == 400 and not ApiToken.objects.exists()
    assert browser.post("/organisatie/api-sleutels/", {"name": "", "role": "analist",
                                                       "days": "30"}).status_code == 400
    made = browser.post("/organisatie/api-sleutels/", {"name": "Power BI", "role": "analist",
                                                       "days": "30"})
    assert made.status_code == 200
    text = made.context["made"]
    stored = ApiToken.objects.get()
    assert text.startswith("pei_") and text not in str(stored.__dict__)  # a hash only
    assert text in made.content.decode()
    assert text not in browser.get("/organisatie/api-sleutels/").content.decode()  # once
    assert _get(text, "/fieldworks").status_code == 200
    browser.post(f"/organisatie/api-sleutels/{stored.pk}/intrekken/")
    assert _get(text, "/fieldworks").status_code == 401


def test_a_table_over_http_is_the_engine_s_table(fieldwork, token) -> None:
    from peiling.reports.datasets import fieldwork_dataset

    response = _get(token, f"/fieldworks/{fieldwork.slug}/tables", question="desirability",
                    banner="org_type")
    assert response.status_code == 200
    table = response.json()
    assert table["name"] == "desirability"
    dataset = fieldwork_dataset(fieldwork=fieldwork)
    asked = dataset.answered("desirability")
    total = next(c for c in table["columns"] if c["key"] == "total")
    assert total["base"] == int(asked.sum())  # the base: who answered
    assert len(table["columns"]) > 2  # the org_type columns and the total


@pytest.mark.parametrize(("params", "word"), [
    ({"question": "bestaat_niet"}, "bestaat_niet"),
    ({"question": "desirability", "banner": "desirability_why"}, "desirability_why"),
    ({"question": "desirability", "filter": "${onbekend} = 1"}, "onbekend"),
    ({"question": "desirability", "weighted": "true"}, "streefwaarden"),  # none yet
])
def test_a_table_that_cannot_be_made_says_why(fieldwork, token, params, word) -> None:
    response = _get(token, f"/fieldworks/{fieldwork.slug}/tables", **params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_table" and word in body["detail"]


def test_the_python_client_pulls_incrementally_and_matches_the_export(
        live_server, fieldwork, token, tmp_path, monkeypatch) -> None:
    """examples/api_client.py (as docs/api.md shows it) against a running site: every
    completed response's answers as the export has them, then only what changed."""
    path = Path(__file__).resolve().parents[2] / "examples" / "api_client.py"
    spec = importlib.util.spec_from_file_location("api_client", path)
    client = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(client)
    pulled = list(client.pull(live_server.url, token, fieldwork.slug, page_size=7))
    assert len(pulled) == 25
    data = fieldwork_export_data(fieldwork=fieldwork)
    dataset = data.dataset
    singles = [n for n, v in dataset.variables.items()
               if v.kind == "single" and v.question_type is not None]
    completed = [r["answers"] for r in pulled if r["status"] == "completed" and not r["excluded"]]
    assert len(completed) == dataset.n
    for name in singles:
        names = dataset.variable(name).category_names
        exported = Counter(names[c] for c in dataset.codes(name) if c >= 0)
        assert Counter(a[name] for a in completed if name in a) == exported, name
    # the command line: a first run takes all, a second run only what changed since
    out, state = tmp_path / "antwoorden.jsonl", tmp_path / "state.json"
    monkeypatch.setenv("PEILING_TOKEN", token)
    run = [live_server.url, fieldwork.slug, "--out", str(out), "--state", str(state)]
    assert client.main(run) == 0
    fieldwork_services.responses_simulate(fieldwork=fieldwork, n=3, seed=12, source="panel")
    Response.objects.filter(fieldwork=fieldwork).exclude(
        respondent_key__in=[r["key"] for r in pulled]).update(updated_at=timezone.now())
    assert client.main(run) == 0
    keys = [json.loads(line)["key"] for line in out.read_text("utf-8").splitlines()]
    assert len(keys) == len(set(keys)) == 28


def test_whole_files_stream_as_the_export_writes_them(fieldwork, token, tmp_path,
                                                      monkeypatch) -> None:
    """CSV and Parquet in pieces (of 4 responses here) are the export's file, row for row."""
    import pyarrow.parquet as pq

    from peiling.exchange import services as exchange_services
    from peiling.exchange.writers import WriteOptions, get_writer

    monkeypatch.setattr(exchange_services, "PIECE_ROWS", 4)
    whole = fieldwork_export_data(fieldwork=fieldwork)
    expected = tmp_path / "export.csv"
    get_writer("csv").write(whole, expected, WriteOptions())
    streamed = _get(token, f"/fieldworks/{fieldwork.slug}/responses.csv")
    assert streamed.status_code == 200 and streamed["X-Respondents"] == "25"
    assert b"".join(streamed.streaming_content) == expected.read_bytes()
    expected = tmp_path / "export.parquet"
    get_writer("parquet").write(whole, expected, WriteOptions())
    streamed = _get(token, f"/fieldworks/{fieldwork.slug}/responses.parquet")
    path = tmp_path / "streamed.parquet"
    path.write_bytes(b"".join(streamed.streaming_content))
    got, want = pq.read_table(path), pq.read_table(expected)
    assert got.num_rows == 25 and pq.ParquetFile(path).num_row_groups == 7
    assert got.to_pydict() == want.to_pydict()
    assert json.loads(got.schema.metadata[b"peiling"])["respondents"] == 25
    assert _get(token, f"/fieldworks/{fieldwork.slug}/responses.xls").status_code == 404
