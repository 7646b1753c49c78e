"""Benchmark the researcher pages at 100,000 panel members and 100,000 responses (issue 18).

    .venv/bin/python bench/researcher_pages.py [--members 100000] [--responses 100000]
                                               [--small 100] [--repeats 30] [--warmups 3]
                                               [--tree DIR] [--reuse]
                                               [--order large-first|small-first]
                                               [--no-prepared] [--jit off]

``--tree`` measures another copy of the project (its ``src/`` and ``examples/``), e.g. a
commit exported with ``git archive <commit> src examples | tar -x -C DIR`` while the work
tree is being edited; by default the checkout this script is in. ``--reuse`` measures the
database an earlier run built (about two minutes saved) and is meant for the variants:
``--no-prepared`` (``DATABASE_PREPARED_STATEMENTS=0``), ``--jit off`` (``SET jit = off`` on
every connection) and ``--order small-first``. The database is left in place after a run.

On 127.0.0.1 only, in a fresh PostgreSQL database ``peiling_bench_pages`` (dropped first;
kept with ``--reuse``), migrated, with two organisations side by side:

* ``bench``: ``--members`` panel members and ``--responses`` finished responses, the scale
  of the issue's target;
* ``klein``: ``--small`` members and responses, built the same way: the baseline. Each page
  is measured for both, in the same run, so the query counts can be compared (a constant
  number of queries per page means the same count at both sizes) and the times given as a
  ratio to the same page at the small size.

Each organisation gets an onderzoeker and a beheerder (TOTP activated, as a beheerder must
have), a few colleagues, the example questionnaire (``examples/digitalisering-overheid.xlsx``)
in two versions (the second a slightly changed copy, for the comparison page), a panel with
the example profile (``examples/panel-profiel.xlsx``) whose members are bulk-inserted with
profiles drawn from ``peiling.panel.demo`` (Tabel 4.1/4.2 shapes) and a consent record each,
a fieldwork with an open link and two quotas, a stratified sample of 60 % of the panel
(``sample_commit``, so the panel invitations, the monitor's AAPOR rates and a member's
history are real), the e-mails marked sent, and the responses: ``--simulated`` made with
``fieldwork.services.responses_simulate`` (the real page flow), the rest bulk-inserted copies
of them spread over the fieldwork's 21 days, 40 % through the panel's personal links and 60 %
through the open link; 2.5 % more started but unfinished (half of them abandoned); the quota
hits of every finished response in a quota's cell; audit events. Then ``VACUUM ANALYZE``.

Every researcher GET page is requested in process through ``django.test.Client`` (logged in
with ``force_login``; the beheerder for the organisation pages), ``--warmups`` times unmeasured
and ``--repeats`` times timed; then a few more times with ``CaptureQueriesContext`` for the
query count and the time of each query. Every response must be 200. Printed: per page p50 and
p95 in ms at both sizes, the query counts at both sizes, PASS/FAIL against 300 ms p95 at the
large size, the slowest query of each page, and ``EXPLAIN (ANALYZE, BUFFERS)`` of the slowest
queries; then the machine and the date. docs/benchmarks.md records the figures by hand.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

from machine import cpu_model  # bench/machine.py, beside this script

ROOT = Path(__file__).resolve().parents[1]
PROFILE = ROOT / "examples" / "panel-profiel.xlsx"
EXAMPLE = ROOT / "examples" / "digitalisering-overheid.xlsx"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_DATABASE = "peiling_bench_pages"
TARGET_MS = 300.0
#: Days the fieldwork has run; responses are spread over them.
FIELDWORK_DAYS = 20
SAMPLE_SHARE = 0.6        # of the panel, drawn for the fieldwork
PANEL_RESPONSE_SHARE = 0.4  # of the responses, through the panel's personal links
UNFINISHED_SHARE = 0.025  # extra responses that started and did not finish
INSTRUMENTED = 5          # requests per page with the queries captured


# -- setup ----------------------------------------------------------------------------------


def _setup(scratch: Path, *, fresh: bool, prepared: bool, jit: str) -> None:
    """Point Django at the bench database (dropped and made again when ``fresh``), with
    PostgreSQL's prepared statements (peiling's default) or without, and JIT as configured
    or switched off for every connection."""
    import psycopg

    if fresh:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
            connection.execute(f"CREATE DATABASE {PG_DATABASE}")
    (scratch / "static").mkdir()
    os.environ.update({
        "DATABASE_URL": f"{PG_SERVER}/{PG_DATABASE}", "PEILING_VAR_DIR": str(scratch),
        "PEILING_SECURE": "0", "DEBUG": "0", "ALLOWED_HOSTS": "testserver,127.0.0.1",
        "DJANGO_SETTINGS_MODULE": "peiling.settings", "LOG_LEVEL": "ERROR",
        "PEILING_TASKS": "immediate",
        "DATABASE_PREPARED_STATEMENTS": "1" if prepared else "0"})
    import django
    from django.core.management import call_command
    from django.db.backends.signals import connection_created

    django.setup()
    if jit == "off":
        def jit_off(sender, connection, **kwargs):
            with connection.cursor() as cursor:
                cursor.execute("SET jit = off")

        connection_created.connect(jit_off, weak=False)
    if fresh:
        call_command("migrate", interactive=False, verbosity=0)


def _changed_copy() -> bytes:
    """The example questionnaire with one question text and one hint changed, and a new
    version on the settings sheet: version 2 of the study, for the comparison page."""
    import openpyxl

    book = openpyxl.load_workbook(EXAMPLE)
    survey = book["survey"]
    header = [cell.value for cell in survey[1]]
    label = header.index("label::Nederlands (nl)") + 1
    hint = header.index("hint::Nederlands (nl)") + 1
    for row in survey.iter_rows(min_row=2):
        number = row[0].row
        if row[1].value == "org_type":
            survey.cell(row=number, column=label).value = "Voor welk type organisatie werkt u?"
        if row[1].value == "function":
            survey.cell(row=number, column=hint).value = "Kies de functie die het best past."
    settings = book["settings"]
    names = [cell.value for cell in settings[1]]
    settings.cell(row=2, column=names.index("version") + 1).value = "2018-03"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _members(panel, n: int, rng: random.Random, now) -> None:
    """Bulk-insert ``n`` members with profiles drawn from the demo panel's 1,415 rows, and a
    consent record each."""
    from django.db import connection, transaction

    from peiling.panel import demo
    from peiling.panel.models import ConsentRecord, Member

    rows = demo.demo_members(seed=2018)
    variables = ("org_type", "domain", "function", "gender", "age_band")
    statuses = (("active", 94), ("paused", 2), ("unsubscribed", 2), ("bounced", 2))
    names, weights = zip(*statuses, strict=True)
    batch = 10_000
    for first in range(0, n, batch):
        members = []
        for i in range(first, min(first + batch, n)):
            row = rng.choice(rows)
            given, surname = rng.choice(demo.FIRST_NAMES), rng.choice(demo.SURNAMES)
            recruited = dt.date(2012, 1, 1) + dt.timedelta(days=rng.randrange(6 * 365))
            email = f"{_ascii(given)}.{_ascii(surname).replace(' ', '')}.{i}@example.org"
            members.append(Member(
                panel=panel, email=email, name=f"{given} {surname}",
                language="en" if rng.random() < 0.03 else "nl",
                status=rng.choices(names, weights)[0], status_changed_at=now,
                recruitment_source=row["recruitment_source"], recruited_on=recruited,
                profile={name: row[name] for name in variables},
                profile_updated=dict.fromkeys(variables, recruited.isoformat())))
        with transaction.atomic():
            Member.objects.bulk_create(members, batch_size=batch)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {ConsentRecord._meta.db_table} (member_id, purpose, text_version, "
            f"given_at) SELECT id, 'panel membership', '2018-1', created_at "
            f"FROM {Member._meta.db_table} WHERE panel_id = %s", [panel.pk])


def _responses(fieldwork, n: int, simulated: int, seed: int, now) -> dict:
    """``simulated`` responses through ``responses_simulate``, then copies of them up to
    ``n`` finished ones spread over the fieldwork, sources mixed; and the unfinished ones."""
    from django.db import transaction

    from peiling.fieldwork.models import Response
    from peiling.fieldwork.services import PANEL_SOURCE, responses_simulate
    from peiling.fieldwork.tokens import new_respondent_key

    simulated = min(simulated, n)
    start = time.perf_counter()
    responses_simulate(fieldwork=fieldwork, n=simulated, seed=seed, source="nieuwsbrief")
    simulate_seconds = time.perf_counter() - start
    pool = list(Response.objects.filter(fieldwork=fieldwork).order_by("pk"))
    rng = random.Random(seed)
    span = (now - fieldwork.opens_at).total_seconds()
    panel_n = round(n * PANEL_RESPONSE_SHARE)
    # The simulated ones keep their answers; their source and times are set like the copies'.
    plan = ["panel"] * panel_n + ["nieuwsbrief"] * (n - panel_n)
    rng.shuffle(plan)
    start = time.perf_counter()

    def timed(response, source, status=None):
        duration = (response.completed_at - response.started_at) if response.completed_at \
            else dt.timedelta(minutes=8)
        started = fieldwork.opens_at + dt.timedelta(
            seconds=rng.uniform(0, span - duration.total_seconds() - 60))
        response.source = PANEL_SOURCE if source == "panel" else source
        response.started_at = started
        response.updated_at = started + duration
        response.completed_at = started + duration
        if status:
            response.status = status
        return response

    updated = [timed(response, plan[i]) for i, response in enumerate(pool)]
    with transaction.atomic():
        Response.objects.bulk_update(updated, ["source", "started_at", "updated_at",
                                               "completed_at"], batch_size=2000)
    copies, made = [], len(pool)
    fields = ("form_version_id", "answers", "page_times", "language", "device_class",
              "version", "status", "current_page")
    while made < n:
        original = pool[made % len(pool)]
        copy = Response(fieldwork=fieldwork, respondent_key=new_respondent_key(),
                        **{name: getattr(original, name) for name in fields},
                        started_at=original.started_at, completed_at=original.completed_at,
                        updated_at=original.updated_at)
        status = "quota_full" if rng.random() < 0.01 and copy.status == "completed" else None
        copies.append(timed(copy, plan[made], status))
        made += 1
        if len(copies) == 5000 or made == n:
            with transaction.atomic():
                Response.objects.bulk_create(copies)
            copies = []
    # Started, not finished: on some page, half saved in the last hour, half abandoned.
    pages = [page.key for page in _flow(fieldwork).pages]
    unfinished = []
    for i in range(round(n * UNFINISHED_SHARE)):
        original = pool[i % len(pool)]
        recent = i % 2 == 0
        saved = now - (dt.timedelta(minutes=rng.uniform(1, 50)) if recent
                       else dt.timedelta(hours=rng.uniform(2, 24 * FIELDWORK_DAYS - 2)))
        unfinished.append(Response(
            fieldwork=fieldwork, form_version_id=original.form_version_id,
            respondent_key=new_respondent_key(),
            source=PANEL_SOURCE if i % 5 < 2 else "nieuwsbrief", status="started",
            answers={}, current_page=rng.choice(pages[1:] or pages), page_times={},
            language=original.language, device_class=original.device_class, version=1,
            started_at=saved - dt.timedelta(minutes=3), updated_at=saved))
    with transaction.atomic():
        Response.objects.bulk_create(unfinished, batch_size=5000)
    return {"simulated": simulated, "simulate_seconds": round(simulate_seconds, 1),
            "copies_seconds": round(time.perf_counter() - start, 1),
            "panel_responses": panel_n, "unfinished": len(unfinished)}


def _flow(fieldwork):
    from peiling.fieldwork.selectors import flow_for

    return flow_for(form_version=fieldwork.form_version)


def _link_panel_responses(fieldwork) -> None:
    """Give the panel's responses to the sample's personal links (one each, in order), mark
    every invitation e-mail sent, a reminder for half, and a few bounces and unsubscribes."""
    from django.db import connection

    from peiling.fieldwork.models import Invitation, Response
    from peiling.panel.models import Delivery, PanelInvitation

    invitation, response = Invitation._meta.db_table, Response._meta.db_table
    panel_invitation, delivery = PanelInvitation._meta.db_table, Delivery._meta.db_table
    with connection.cursor() as cursor:
        for table in (invitation, response, panel_invitation):  # bulk-loaded: plan on stats
            cursor.execute(f"ANALYZE {table}")
        cursor.execute(f"""
            WITH inv AS (SELECT id, row_number() OVER (ORDER BY id) AS rn
                         FROM {invitation} WHERE fieldwork_id = %s),
                 resp AS (SELECT id, started_at, completed_at,
                                 row_number() OVER (ORDER BY id) AS rn
                          FROM {response} WHERE fieldwork_id = %s AND source = 'panel')
            UPDATE {invitation} AS i SET response_id = resp.id, started_at = resp.started_at,
                   finished_at = resp.completed_at
            FROM inv JOIN resp USING (rn) WHERE i.id = inv.id""", [fieldwork.pk, fieldwork.pk])
        cursor.execute(f"""
            INSERT INTO {delivery} (panel_invitation_id, number, state, claimed_at, sent_at,
                                    message_id, error)
            SELECT id, 0, 'sent', drawn_at, drawn_at + interval '1 minute', '', ''
            FROM {panel_invitation} WHERE fieldwork_id = %s""", [fieldwork.pk])
        cursor.execute(f"""
            INSERT INTO {delivery} (panel_invitation_id, number, state, claimed_at, sent_at,
                                    message_id, error)
            SELECT p.id, 1, 'sent', p.drawn_at + interval '4 days',
                   p.drawn_at + interval '4 days 1 minute', '', ''
            FROM {panel_invitation} p JOIN {invitation} i ON i.id = p.invitation_id
            WHERE p.fieldwork_id = %s AND i.response_id IS NULL AND p.id %% 2 = 0""",
                       [fieldwork.pk])
        cursor.execute(f"""
            UPDATE {panel_invitation} p SET bounced_at = p.drawn_at + interval '1 hour'
            FROM {invitation} i WHERE i.id = p.invitation_id AND p.fieldwork_id = %s
              AND i.response_id IS NULL AND p.id %% 50 = 1""", [fieldwork.pk])
        cursor.execute(f"""
            UPDATE {panel_invitation} p SET unsubscribed_at = p.drawn_at + interval '2 days'
            FROM {invitation} i WHERE i.id = p.invitation_id AND p.fieldwork_id = %s
              AND i.response_id IS NULL AND p.id %% 50 = 3""", [fieldwork.pk])


def _quota_hits(fieldwork, quotas: dict) -> None:
    """The hits screening would have written: every finished response in a quota's cell,
    counted when it completed."""
    from django.db import connection

    from peiling.fieldwork.models import QuotaHit, Response

    with connection.cursor() as cursor:
        for quota, org_type in quotas.items():
            cursor.execute(f"""
                INSERT INTO {QuotaHit._meta.db_table} (quota_id, response_id, counted)
                SELECT %s, id, status = 'completed' FROM {Response._meta.db_table}
                WHERE fieldwork_id = %s AND status IN ('completed', 'quota_full')
                  AND answers ->> 'org_type' = %s""", [quota.pk, fieldwork.pk, org_type])


def _audit_events(organisation, user, members: list[int], n: int, rng: random.Random) -> None:
    from django.db import connection

    from peiling.accounts.models import AuditEvent

    actions = [AuditEvent.Action.MEMBER_VIEWED] * 6 + [AuditEvent.Action.MEMBERS_SEARCHED] * 3 \
        + [AuditEvent.Action.RESPONSES_EXPORTED]
    events = []
    for _ in range(n):
        action = rng.choice(actions)
        target = ("member", str(rng.choice(members))) if action == "member.viewed" else \
            ("panel", "panel") if action == "members.listed" else ("fieldwork", "veldwerk")
        events.append(AuditEvent(organisation=organisation, user=user, actor=user.email,
                                 action=action, target_type=target[0], target_id=target[1],
                                 detail="csv" if action == "responses.exported" else ""))
    AuditEvent.objects.bulk_create(events, batch_size=5000)
    with connection.cursor() as cursor:  # spread over the last 60 days
        cursor.execute(f"UPDATE {AuditEvent._meta.db_table} SET at = at - random() * "
                       "interval '60 days' WHERE organisation_id = %s", [organisation.pk])


def build(slug: str, name: str, members: int, responses: int, simulated: int,
          seed: int) -> dict:
    """One organisation's world; return the seconds each step took."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.utils import timezone

    from peiling.accounts.services import organisation_create, user_create
    from peiling.fieldwork import services as fieldwork_services
    from peiling.panel.models import Member
    from peiling.panel.samples import SampleDesign, sample_commit, sample_preview
    from peiling.panel.services import panel_create
    from peiling.questionnaires.services import form_version_import

    rng = random.Random(seed)
    now = timezone.now()
    steps: dict[str, float] = {}
    clock = time.perf_counter()

    def step(label: str) -> None:
        nonlocal clock
        steps[label] = round(time.perf_counter() - clock, 1)
        clock = time.perf_counter()
        print(f"  [{slug}] {label}: {steps[label]} s", flush=True)

    organisation = organisation_create(name=name, slug=slug)
    researcher = user_create(organisation=organisation, email=f"onderzoeker@{slug}.example",
                             role="onderzoeker", name="Olga Onderzoeker")
    manager = user_create(organisation=organisation, email=f"beheerder@{slug}.example",
                          role="beheerder", name="Bert Beheerder")
    TOTP.activate(manager, generate_totp_secret())
    for i in range(10):
        user_create(organisation=organisation, email=f"collega{i}@{slug}.example",
                    role=("onderzoeker", "analist")[i % 2], name=f"Collega {i}")
    version = form_version_import(source=EXAMPLE.read_bytes(), source_name=EXAMPLE.name,
                                  organisation=organisation).version
    second = form_version_import(source=_changed_copy(), source_name="v2-" + EXAMPLE.name,
                                 organisation=organisation)
    assert second.created and second.version.number == 2, second
    panel = panel_create(slug=f"{slug}-panel", name=f"Panel {name}",
                         profile_source=PROFILE.read_bytes(), profile_name=PROFILE.name,
                         organisation=organisation)
    step("organisation, users, questionnaire, panel")
    _members(panel, members, rng, now - dt.timedelta(days=400))
    step(f"{members:,} members")
    opens = now - dt.timedelta(days=FIELDWORK_DAYS)
    fieldwork = fieldwork_services.fieldwork_create(
        form_version=version, slug=f"{slug}-veldwerk", name=f"Digitalisering {name}",
        opens_at=opens, closes_at=now + dt.timedelta(days=10), user=researcher)
    fieldwork_services.open_link_create(fieldwork=fieldwork, source="nieuwsbrief")
    quotas = {
        fieldwork_services.quota_create(
            fieldwork=fieldwork, name="Gemeenten", condition="${org_type} = 'gemeente'",
            target=max(1, round(responses * 0.4))): "gemeente",
        fieldwork_services.quota_create(
            fieldwork=fieldwork, name="Provincies en waterschappen",
            condition="${org_type} = 'provincie_waterschap'",
            target=max(1, round(responses * 0.04))): "provincie_waterschap",
    }
    from peiling.panel import mailing

    mailing.reminder_schedule_set(fieldwork=fieldwork, days=[4, 8])
    design = SampleDesign(method="proportional", variables=("org_type",),
                          size=round(members * SAMPLE_SHARE), seed=seed)
    sample_commit(plan=sample_preview(panel=panel, fieldwork=fieldwork, design=design),
                  now=opens + dt.timedelta(hours=1))
    step("fieldwork, open link, quotas, sample")
    made = _responses(fieldwork, responses, simulated, seed, now)
    step(f"{responses:,} responses ({made['simulated']:,} simulated)")
    _link_panel_responses(fieldwork)
    _quota_hits(fieldwork, quotas)
    step("panel links, e-mails, quota hits")
    member_ids = list(Member.objects.filter(panel=panel).values_list("pk", flat=True)[:5000])
    _audit_events(organisation, researcher, member_ids, max(20, members // 5), rng)
    step("audit events")
    return {"steps": steps, "made": made}


def pages_for(slug: str) -> list[tuple[str, str, object, dict]]:
    """The pages to request for organisation ``slug`` (as ``build`` made it), and who
    requests each: (label, path, user, extra request headers)."""
    from django.contrib.auth import get_user_model

    from peiling.fieldwork.models import Fieldwork
    from peiling.panel.models import Member, PanelInvitation
    from peiling.questionnaires.models import FormVersion

    users = get_user_model().objects
    researcher = users.get(email=f"onderzoeker@{slug}.example")
    manager = users.get(email=f"beheerder@{slug}.example")
    fieldwork = Fieldwork.objects.select_related("form_version").get(slug=f"{slug}-veldwerk")
    study = fieldwork.form_version.questionnaire_id
    second = FormVersion.objects.only("pk").get(questionnaire_id=study, number=2)
    p = f"{slug}-panel"
    members = Member.objects.filter(panel__slug=p).count()
    member = (PanelInvitation.objects.filter(fieldwork=fieldwork,
                                             invitation__response__status="completed")
              .order_by("pk").values_list("member_id", flat=True).first())
    fw = fieldwork.slug
    pages = [
        ("home", "/", researcher, {}),
        ("studies list", "/onderzoeken/", researcher, {}),
        ("study page", f"/onderzoeken/{study}/", researcher, {}),
        ("compare versions", f"/onderzoeken/{study}/vergelijken/", researcher, {}),
        ("questionnaire version", f"/vragenlijsten/versie/{second.pk}/", researcher,
         {}),
        ("new fieldwork form", f"/onderzoeken/{study}/veldwerk/nieuw/", researcher, {}),
        ("fieldwork page", f"/veldwerk/{fw}/", researcher, {}),
        ("monitor", f"/veldwerk/{fw}/monitor/", researcher, {}),
        ("monitor (htmx partial)", f"/veldwerk/{fw}/monitor/", researcher,
         {"HTTP_HX_REQUEST": "true"}),
        # Pages that newer code has (each only when its address exists).
        *([("invite form", f"/veldwerk/{fw}/uitnodigen/", researcher, {}),
           ("invite preview (sample)", f"/veldwerk/{fw}/uitnodigen/?panel={p}&method="
            f"proportional&variables=org_type&size={max(10, members // 100)}&seed=1",
            researcher, {})] if _has_url("web:invite", fw) else []),
        *([("invitation e-mail text", f"/veldwerk/{fw}/berichten/invitation/", researcher,
            {})] if _has_url("web:message_edit", fw, "invitation") else []),
        ("panels list", "/panels/", researcher, {}),
        *([("new panel form", "/nieuw-panel/", researcher, {})]
          if _has_url("web:panel_create") else []),
        ("members, page 1", f"/panels/{p}/", researcher, {}),
        ("members, filtered", f"/panels/{p}/?status=active&org_type=gemeente&domain=ict",
         researcher, {}),
        ("members, search", f"/panels/{p}/?q=jansen", researcher, {}),
        ("members, page 1500", f"/panels/{p}/?pagina=1500", researcher, {}),
        ("member page", f"/panels/{p}/leden/{member}/", researcher, {}),
        ("member export form", f"/panels/{p}/leden/{member}/export/", researcher, {}),
        ("member erase form", f"/panels/{p}/leden/{member}/wissen/", researcher, {}),
        ("member import form", f"/panels/{p}/import/", researcher, {}),
        ("users (beheerder)", "/organisatie/gebruikers/", manager, {}),
        ("audit log (beheerder)", "/organisatie/audit/", manager, {}),
        ("audit log, page 300", "/organisatie/audit/?pagina=300", manager, {}),
    ]
    return pages


def _has_url(name: str, *args: str) -> bool:
    """Whether the code measured has this page (pages came and went while issue 18 ran)."""
    from django.urls import NoReverseMatch, reverse

    try:
        reverse(name, args=args)
    except NoReverseMatch:
        return False
    return True


# -- measuring ------------------------------------------------------------------------------


def _sizes() -> dict[str, dict[str, int]]:
    """Members and finished responses of each organisation in the database."""
    from peiling.fieldwork.models import Response
    from peiling.panel.models import Member

    return {slug: {
        "members": Member.objects.filter(panel__slug=f"{slug}-panel").count(),
        "responses": Response.objects.filter(fieldwork__slug=f"{slug}-veldwerk")
        .exclude(status="started").count(),
        "unfinished": Response.objects.filter(fieldwork__slug=f"{slug}-veldwerk",
                                              status="started").count()}
        for slug in ("bench", "klein")}


def _quantile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class _Recorder:
    """An execute wrapper that keeps each statement's SQL, parameters and seconds."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple, float]] = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.calls.append((sql, tuple(params or ()) if not many else (),
                               time.perf_counter() - start))


def measure(pages: list, warmups: int, repeats: int) -> list[dict]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    clients: dict[int, Client] = {}
    results = []
    for label, path, user, headers in pages:
        client = clients.get(user.pk)
        if client is None:
            client = clients[user.pk] = Client()
            client.force_login(user)

        def get(client=client, label=label, path=path, headers=headers):
            response = client.get(path, **headers)
            assert response.status_code == 200, (label, path, response.status_code,
                                                 response.get("Location"))
            return response

        for _ in range(warmups):
            get()
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            get()
            times.append(1000 * (time.perf_counter() - start))
        counts, per_query = [], []
        for _ in range(INSTRUMENTED):
            recorder = _Recorder()
            with CaptureQueriesContext(connection) as captured, \
                    connection.execute_wrapper(recorder):
                response = get()
            counts.append(len(captured.captured_queries))
            per_query.append(recorder.calls)
        times.sort()
        # The slowest statement: by its median time over the instrumented requests.
        slowest = None
        if per_query[0] and all(len(calls) == len(per_query[0]) for calls in per_query):
            medians = [statistics.median(calls[i][2] for calls in per_query)
                       for i in range(len(per_query[0]))]
            position = max(range(len(medians)), key=medians.__getitem__)
            sql, params, _ = per_query[0][position]
            slowest = {"ms": 1000 * medians[position], "sql": sql, "params": params,
                       "sum_ms": 1000 * sum(medians)}
        results.append({"page": label, "path": path, "p50": _quantile(times, 0.5),
                        "p95": _quantile(times, 0.95), "max": times[-1],
                        "queries": sorted(set(counts)), "bytes": len(response.content),
                        "slowest": slowest})
        print(f"  {label:28} p50 {results[-1]['p50']:7.1f} ms  p95 {results[-1]['p95']:7.1f} ms"
              f"  queries {counts}", flush=True)
    return results


def explain(sql: str, params: tuple) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def _short(sql: str, width: int = 150) -> str:
    sql = " ".join(sql.split())
    return sql if len(sql) <= width else sql[:width - 3] + "..."


# -- main -----------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=100,
                        help="members and responses of the baseline organisation")
    parser.add_argument("--simulated", type=int, default=5_000,
                        help="responses made by responses_simulate; the rest are copies")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--explain", type=int, default=4,
                        help="EXPLAIN ANALYZE the slowest query of this many slowest pages")
    parser.add_argument("--tree", type=Path, default=ROOT,
                        help="the copy of the project to measure (its src/ and examples/)")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the database an earlier run built (no drop, no build)")
    parser.add_argument("--order", choices=("large-first", "small-first"),
                        default="large-first",
                        help="which organisation's pages are requested first (the same "
                             "connection serves both, as a server's does)")
    parser.add_argument("--no-prepared", dest="prepared", action="store_false",
                        help="DATABASE_PREPARED_STATEMENTS=0: no server-side prepared "
                             "statements (peiling's default is on)")
    parser.add_argument("--jit", choices=("default", "off"), default="default",
                        help="off: SET jit = off on every connection")
    args = parser.parse_args(argv)
    global PROFILE, EXAMPLE
    tree = args.tree.resolve()
    PROFILE = tree / "examples" / "panel-profiel.xlsx"
    EXAMPLE = tree / "examples" / "digitalisering-overheid.xlsx"
    sys.path.insert(0, str(tree / "src"))
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="peiling-bench-pages-") as scratch:
        _setup(Path(scratch), fresh=not args.reuse, prepared=args.prepared, jit=args.jit)
        from django.db import connection

        import peiling

        print(f"measuring peiling from {Path(peiling.__file__).parent}; prepared statements "
              f"{'on' if args.prepared else 'off'}, jit {args.jit}", flush=True)
        large = {"steps": {}, "made": {}}
        started = time.perf_counter()
        if not args.reuse:
            print(f"building: {args.members:,} members, {args.responses:,} responses",
                  flush=True)
            large = build("bench", "Benchorganisatie", args.members, args.responses,
                          args.simulated, seed=2018)
            print(f"building the baseline: {args.small:,} members and responses", flush=True)
            build("klein", "Kleine organisatie", args.small, args.small,
                          min(args.simulated, args.small), seed=2019)
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        build_seconds = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            size = cursor.fetchone()[0]
        sizes = _sizes()
        print(f"built in {build_seconds:.0f} s; database {size}; {sizes}", flush=True)
        order = ["bench", "klein"] if args.order == "large-first" else ["klein", "bench"]
        measured = {}
        for slug in order:
            print(f"measuring {slug}: {sizes[slug]['members']:,} members, "
                  f"{sizes[slug]['responses']:,} responses", flush=True)
            measured[slug] = measure(pages_for(slug), args.warmups, args.repeats)
        big, base = measured["bench"], measured["klein"]
        load_after = os.getloadavg()[0]
        print()
        print(f"Researcher pages, {dt.date.today().isoformat()}, {os.cpu_count()} cores "
              f"({cpu_model()}), Python {platform.python_version()}, "
              f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000}; "
              f"load average {load_before:.2f} before, {load_after:.2f} after")
        print(f"{args.repeats} timed requests per page after {args.warmups} warm-ups; "
              f"ms in process (django.test.Client); {args.order}; prepared statements "
              f"{'on' if args.prepared else 'off'}; jit {args.jit}")
        print()
        n, m = f"{sizes['bench']['responses']:,}", f"{sizes['klein']['responses']:,}"
        print(f"| page | p50 ms | p95 ms | queries at {n} | queries at {m} | p50 ms at {m} "
              f"| p50 ratio | slowest query ms | < {TARGET_MS:.0f} ms p95 |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
        for row, low in zip(big, base, strict=True):
            queries = "/".join(map(str, row["queries"]))
            small_queries = "/".join(map(str, low["queries"]))
            slowest = f"{row['slowest']['ms']:.1f}" if row["slowest"] else "-"
            verdict = "PASS" if row["p95"] < TARGET_MS else "**FAIL**"
            print(f"| {row['page']} | {row['p50']:.0f} | {row['p95']:.0f} | {queries} | "
                  f"{small_queries} | {low['p50']:.0f} | {row['p50'] / low['p50']:.1f}x | "
                  f"{slowest} | {verdict} |")
        constant = all(row["queries"] == low["queries"] and len(row["queries"]) == 1
                       for row, low in zip(big, base, strict=True))
        failed = [row["page"] for row in big if row["p95"] >= TARGET_MS]
        print()
        print(f"constant number of queries (same count at both sizes, every request): "
              f"{'yes' if constant else 'NO'}; pages over {TARGET_MS:.0f} ms p95: "
              f"{', '.join(failed) or 'none'}")
        print()
        print("Slowest query per page at the large size (median ms of "
              f"{INSTRUMENTED} captured requests; all queries' sum):")
        for row in big:
            if row["slowest"]:
                print(f"  {row['page']:28} {row['slowest']['ms']:7.1f} ms of "
                      f"{row['slowest']['sum_ms']:7.1f}  {_short(row['slowest']['sql'])}")
        ranked = sorted((row for row in big if row["slowest"]), key=lambda r: -r["p95"])
        chosen = ranked[:args.explain] + [r for r in ranked[args.explain:]
                                         if r["p95"] >= TARGET_MS]
        for row in chosen:
            sql, params = row["slowest"]["sql"], row["slowest"]["params"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            print()
            print(f"EXPLAIN (ANALYZE, BUFFERS) of the slowest query of {row['page']} "
                  f"(p95 {row['p95']:.0f} ms):")
            print(f"  {_short(sql, 2000)}")
            print(f"  params {params!r}"[:400])
            print("\n".join("    " + line for line in explain(sql, params).splitlines()))
    result = {
        "date": dt.date.today().isoformat(), "cpus": os.cpu_count(), "cpu": cpu_model(),
        "python": platform.python_version(), "tree": str(tree), "sizes": sizes,
        "order": args.order, "prepared": args.prepared, "jit": args.jit,
        "repeats": args.repeats,
        "warmups": args.warmups, "database_size": size, "build_seconds": round(build_seconds),
        "build_steps": large["steps"], "made": large["made"],
        "load_average_before": load_before, "load_average_after": load_after,
        "constant_queries": constant, "failed": failed,
        "pages": [{key: (round(value, 1) if isinstance(value, float) else value)
                   for key, value in row.items() if key != "slowest"}
                  | {"small_p50": round(low["p50"], 1), "small_queries": low["queries"]}
                  for row, low in zip(big, base, strict=True)],
    }
    print()
    print(json.dumps(result))
    return 0 if not failed and constant else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
