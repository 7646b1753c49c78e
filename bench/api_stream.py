"""Benchmark the data API's streamed CSV (issue 20): 100,000 responses in one download.

    .venv/bin/python bench/api_stream.py [--n 100000]

Builds PostgreSQL database ``peiling_bench_api`` on 127.0.0.1 once (the example questionnaire,
300 responses through ``responses_simulate``, bulk-inserted copies up to ``--n``; kept for a
next run), then measures, each in a process of its own so that its peak memory is its own:

* stream: ``GET /api/v1/fieldworks/<slug>/responses.csv`` with a token, through
  ``django.test.Client`` (the full middleware stack), reading the body to the end;
* baseline: ``peiling export --format csv`` of the same fieldwork to a file (the whole
  dataset in memory, then written).

It prints seconds, bytes and the peak resident memory (``ru_maxrss``) of each. The target is
< 10 s for the stream, with memory flat: the stream's peak should not grow with ``--n``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "peiling_bench_api"
PG = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
SLUG = "bench-api"


def _django(scratch: Path) -> None:
    os.environ.update({"DATABASE_URL": PG, "PEILING_VAR_DIR": str(scratch),
                       "PEILING_SECURE": "0", "DEBUG": "0", "ALLOWED_HOSTS": "testserver",
                       "DJANGO_SETTINGS_MODULE": "peiling.settings"})
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def _build(n: int) -> str:
    """The database with ``n`` completed responses; return a fresh token."""
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        exists = db.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                            [DATABASE]).fetchone()
        if not exists:
            db.execute(f"CREATE DATABASE {DATABASE}")
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from peiling.accounts.services import api_token_create, organisation_create
    from peiling.fieldwork import services as fieldwork_services
    from peiling.fieldwork.models import Fieldwork, Response
    from peiling.fieldwork.tokens import new_respondent_key
    from peiling.questionnaires.services import form_version_import

    call_command("migrate", verbosity=0)
    fieldwork = Fieldwork.objects.filter(slug=SLUG).first()
    if fieldwork is None:
        organisation = organisation_create(name="Bench API", slug="bench-api")
        version = form_version_import(
            source=(ROOT / "examples" / "digitalisering-overheid.xlsx").read_bytes(),
            organisation=organisation).version
        now = timezone.now()
        fieldwork = fieldwork_services.fieldwork_create(
            form_version=version, slug=SLUG, name="Bench API",
            opens_at=now - timezone.timedelta(days=30),
            closes_at=now + timezone.timedelta(days=30))
        fieldwork_services.responses_simulate(fieldwork=fieldwork, n=300, seed=1,
                                              source="panel")
    have = Response.objects.filter(fieldwork=fieldwork, status="completed").count()
    pool = list(Response.objects.filter(fieldwork=fieldwork).order_by("pk")[:300])
    fields = ("form_version_id", "answers", "page_times", "language", "device_class",
              "version", "status", "current_page", "source", "started_at", "completed_at",
              "updated_at")
    copies = []
    for i in range(have, n):
        original = pool[i % len(pool)]
        copies.append(Response(fieldwork=fieldwork, respondent_key=new_respondent_key(),
                               **{name: getattr(original, name) for name in fields}))
        if len(copies) == 5000 or i == n - 1:
            with transaction.atomic():
                Response.objects.bulk_create(copies)
            copies = []
    user = get_user_model().objects.filter(email="bench-api@example.org").first()
    if user is None:
        from peiling.accounts.services import user_create

        user = user_create(organisation=fieldwork.form_version.questionnaire.organisation,
                           email="bench-api@example.org", role="onderzoeker")
    return api_token_create(user=user, name="bench", role="analist")[1]


def _measure(mode: str, token: str, scratch: Path) -> dict:
    start = time.perf_counter()
    if mode == "stream":
        from django.test import Client

        response = Client().get(f"/api/v1/fieldworks/{SLUG}/responses.csv",
                                HTTP_AUTHORIZATION=f"Bearer {token}")
        size = sum(len(part) for part in response.streaming_content)
        respondents = int(response["X-Respondents"])
    else:
        from peiling.exchange.services import fieldwork_export

        path = scratch / "export.csv"
        result = fieldwork_export(reference=SLUG, format="csv", path=path)
        size, respondents = path.stat().st_size, result.report.rows
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"mode": mode, "seconds": seconds, "bytes": size, "respondents": respondents,
            "peak_rss_mb": peak}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--measure", choices=("stream", "export"))
    parser.add_argument("--token")
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="peiling-bench-api-"))
    _django(scratch)
    if args.measure:
        print(json.dumps(_measure(args.measure, args.token, scratch)))
        return 0
    token = _build(args.n)
    print(f"{args.n:,} completed responses in {DATABASE}")
    for mode in ("stream", "export"):
        done = subprocess.run([sys.executable, __file__, "--measure", mode, "--token", token],
                              check=True, capture_output=True, text=True)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{mode:7} {result['respondents']:,} respondents, {result['bytes'] / 1e6:.1f} MB "
              f"in {result['seconds']:.1f} s, peak RSS {result['peak_rss_mb']:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
