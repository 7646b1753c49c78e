"""Benchmark the table explorer at 100,000 responses (issue 19): one table with two banners,
raking weights and significance marks, as a researcher's browser asks for it.

    .venv/bin/python bench/results_explorer.py [--repeats 30]

Uses the database that ``bench/researcher_pages.py`` builds and leaves in place
(``peiling_bench_pages`` on 127.0.0.1: the example questionnaire with 100,000 finished
responses in fieldwork ``bench-veldwerk``; run that script first). It migrates the database
(the weighting targets are new), stores raking targets on ``org_type`` for the study, then
requests through ``django.test.Client`` (the full middleware stack, logged in):

* cold: the first table after the answers changed: reading them from PostgreSQL into the
  prepared dataset (``reports.datasets``), which a later click reuses;
* warm: ``--repeats`` requests of the table with two banners (``org_type`` and ``domain``),
  weighted, with significance letters, and of the same table unweighted with one banner (the
  baseline, same run). p50 and p95 of each; the target is p95 < 500 ms for the first;
* a tab book of 100 tables (the questionnaire's questions, repeated to 100) against the same
  two banners, weighted: the job a worker runs (``jobs.services.job_run``), from the prepared
  answers to the workbook's bytes, best of 3; the target is < 10 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG = "postgres://postgres@127.0.0.1:5432/peiling_bench_pages"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="peiling-bench-results-"))
    os.environ.update({"DATABASE_URL": PG, "PEILING_VAR_DIR": str(scratch),
                       "PEILING_SECURE": "0", "DEBUG": "0", "ALLOWED_HOSTS": "testserver",
                       "DJANGO_SETTINGS_MODULE": "peiling.settings"})
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.cache import caches
    from django.core.management import call_command
    from django.test import Client

    from peiling.accounts.models import Membership
    from peiling.fieldwork.models import Fieldwork
    from peiling.reports.datasets import forget_in_memory
    from peiling.reports.models import WeightingTargets

    call_command("migrate", verbosity=0)
    fieldwork = Fieldwork.objects.select_related("form_version__questionnaire").get(
        slug="bench-veldwerk")
    org_types = fieldwork.form_version.form.choices("org_type")
    WeightingTargets.objects.update_or_create(
        questionnaire=fieldwork.form_version.questionnaire,
        defaults={"targets": {"org_type": {c.name: 100 / len(org_types) for c in org_types}}})
    user = Membership.objects.filter(organisation__slug="bench", role="onderzoeker").first().user
    client = Client()
    client.force_login(user)
    url = f"/veldwerk/{fieldwork.slug}/tabellen/"
    weighted = {"vraag": "desirability", "banner": ["org_type", "domain"], "gewogen": "on"}
    plain = {"vraag": "desirability", "banner": "org_type"}

    caches["datasets"].clear()
    forget_in_memory()
    started = time.perf_counter()
    response = client.get(url, weighted)
    cold = time.perf_counter() - started
    assert response.status_code == 200, response.content.decode()[-3000:]
    assert b'id="weighting-summary"' in response.content

    def timed(query: dict) -> list[float]:
        for _ in range(3):
            client.get(url, query)
        times = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            assert client.get(url, query).status_code == 200
            times.append(1000 * (time.perf_counter() - started))
        return times

    def p95(values: list[float]) -> float:
        return statistics.quantiles(values, n=20)[-1]

    heavy, light = timed(weighted), timed(plain)
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; "
          f"{fieldwork.responses.filter(status='completed').count():,} completed responses")
    print(f"cold (read the answers, then the table): {cold * 1000:,.0f} ms")
    print(f"two banners, weighted, significance: p50 {statistics.median(heavy):.0f} ms, "
          f"p95 {p95(heavy):.0f} ms (target < 500 ms p95: "
          f"{'met' if p95(heavy) < 500 else 'NOT met'})")
    from peiling.jobs.models import Job
    from peiling.jobs.services import job_run, job_start
    from peiling.reports.datasets import fieldwork_dataset
    from peiling.reports.explorer import question_variables
    from peiling.reports.models import TabBook

    names = [name for name, _label in question_variables(fieldwork_dataset(fieldwork=fieldwork))]
    book, _created = TabBook.objects.update_or_create(
        questionnaire=fieldwork.form_version.questionnaire, name="bench: 100 tabellen",
        defaults={"questions": (names * (100 // len(names) + 1))[:100],
                  "banners": ["org_type", "domain"], "weighted": True})
    book_times = []
    for _ in range(3):
        job = job_start(kind="tab_book", organisation=fieldwork.form_version.questionnaire
                        .organisation, user=None, action="report.view", title="bench",
                        payload={"fieldwork": fieldwork.pk, "book": book.pk})
        started = time.perf_counter()
        job_run(job_id=job.pk)
        book_times.append(time.perf_counter() - started)
        job.refresh_from_db()
        assert job.status == "done" and job.result["tables"] == 100, (job.status, job.error)
        size = len(Job.objects.filter(pk=job.pk).values_list("output", flat=True).get())
    ratio = statistics.median(heavy) / statistics.median(light)
    print(f"baseline, one banner, unweighted:    p50 {statistics.median(light):.0f} ms, "
          f"p95 {p95(light):.0f} ms; ratio {ratio:.2f}")
    print(f"tab book, 100 tables x two banners, weighted: best {min(book_times):.2f} s of "
          f"{', '.join(f'{t:.2f}' for t in book_times)} s; {size / 1024:.0f} kB "
          f"(target < 10 s: {'met' if min(book_times) < 10 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
