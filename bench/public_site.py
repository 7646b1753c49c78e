"""Benchmark the public panel site (issue 23): cached article and list pages, and sign-up.

    .venv/bin/python bench/public_site.py [--seconds 10] [--connections 16] [--signups 300]

Needs ``wrk`` (Debian: ``apt-get install wrk``) and PostgreSQL on 127.0.0.1:5432. In a fresh
database ``peiling_bench_site`` (dropped first) and a scratch var dir: migrated, the example
questionnaire with 1,000 simulated responses, a panel with the example profile open for
sign-up, and one article drafted from the report (``publications.services.article_draft``)
and published. Then gunicorn (the production server: 2 workers, 4 threads each, the default
local-memory cache per worker) on a free loopback port, and from another process:

* ``wrk`` for ``--seconds`` on ``--connections`` keep-alive connections against, in one run:
  a static CSS file served by whitenoise (the baseline: the most a request through this
  server can do here), the list page ("alle artikelen") and the article page; requests per
  second for each and the ratio to the baseline; every answer must be 200 (wrk counts
  non-2xx answers, which fail the run);
* ``--signups`` sign-ups one after the other (a browser's steps: GET the page for its CSRF
  cookie and token, POST the form with a new address, from 127.0.0.1 as everyone here: the
  limit per network is raised for the run), each POST timed to its 302; then the same
  addresses again once they are members (the other branch, which must take the same time:
  ``PEILING_SIGNUP_ANSWER_MS``); p50 and p95 of each, and as the baseline the same page's GET
  (the form drawn, uncached).

Targets: ≥ 500 requests/s for both pages, sign-up p95 < 200 ms. docs/benchmarks.md records
the figures by hand.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "peiling_bench_site"
EXAMPLES = ROOT / "examples"


def _environment(var: Path) -> dict[str, str]:
    return {**os.environ, "PEILING_VAR_DIR": str(var), "PEILING_SECURE": "0", "DEBUG": "0",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
            "PEILING_TASKS": "database", "ALLOWED_HOSTS": "127.0.0.1",
            "PEILING_SIGNUP_PER_NETWORK": "100000", "DJANGO_SETTINGS_MODULE": "peiling.settings"}


def setup() -> dict[str, str]:
    """In this process (the environment set): migrate and build the site; return paths."""
    import django

    django.setup()
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone

    from peiling.accounts.services import organisation_default
    from peiling.fieldwork import services as fieldwork_services
    from peiling.panel import services as panel_services
    from peiling.publications import services
    from peiling.questionnaires.services import form_version_import
    from peiling.reports import selectors as report_selectors

    call_command("migrate", interactive=False, verbosity=0)
    organisation = organisation_default()
    version = form_version_import(source=(EXAMPLES / "digitalisering-overheid.xlsx").read_bytes(),
                                  organisation=organisation).version
    now = timezone.now()
    fieldwork = fieldwork_services.fieldwork_create(
        form_version=version, slug="peiling", name="Peiling", opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=10))
    fieldwork_services.responses_simulate(fieldwork=fieldwork, n=1000, seed=1, source="panel")
    panel = panel_services.panel_create(
        slug="bench", name="Benchpanel", organisation=organisation,
        profile_source=(EXAMPLES / "panel-profiel.xlsx").read_bytes(),
        profile_name="panel-profiel.xlsx")
    panel_services.panel_public_set(panel=panel, signup_open=True, description="Een panel.",
                                    privacy_statement="", consent_text="Ik doe mee.",
                                    consent_version="1")
    report = report_selectors.report_for_fieldwork(reference=str(fieldwork.pk), definition=None)
    article = services.article_draft(panel=panel, fieldwork=fieldwork, report=report)
    services.article_update(article=article, title=article.title, body=article.body,
                            new_categories="Digitalisering")
    services.article_publish(article=article)
    return {"list": "/panel/bench/artikelen/",
            "article": f"/panel/bench/artikelen/{article.slug}/",
            "signup": "/panel/bench/",
            "static": "/static/fieldwork/respondent.css"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wrk(url: str, seconds: int, connections: int) -> tuple[float, float, int]:
    """Requests per second, mean latency in ms, and non-2xx answers."""
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = re.search(r"Latency\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[latency.group(2)]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rate, float(latency.group(1)) * scale, int(bad.group(1)) if bad else 0


def _signups(port: int, path: str, count: int) -> tuple[list[float], list[float]]:
    """Sign up ``count`` new addresses as a browser does; return GET and POST times (ms)."""
    gets, posts = [], []
    connection = http.client.HTTPConnection("127.0.0.1", port)
    for number in range(count):
        started = time.perf_counter()
        connection.request("GET", path)
        answer = connection.getresponse()
        page = answer.read().decode()
        gets.append(1000 * (time.perf_counter() - started))
        cookie = re.search(r"csrftoken=([^;]+)", answer.getheader("Set-Cookie") or "")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({
            "csrfmiddlewaretoken": token, "signup-email": f"lid{number}@bench.example",
            "signup-consent": "yes", "signup-source": "bench", "org_type": "gemeente",
            "domain": "dienstverlening", "function": "coordinator", "gender": "vrouw",
            "age_band": "45_54"})
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "Cookie": f"csrftoken={cookie.group(1)}" if cookie else ""}
        started = time.perf_counter()
        connection.request("POST", path, body=body, headers=headers)
        answer = connection.getresponse()
        answer.read()
        posts.append(1000 * (time.perf_counter() - started))
        if answer.status != 302:
            raise RuntimeError(f"sign-up {number} answered {answer.status}, not 302")
    return gets, posts


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--signups", type=int, default=300)
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup:
        print(json.dumps(setup()))
        return 0
    for command in (f"DROP DATABASE IF EXISTS {DATABASE}", f"CREATE DATABASE {DATABASE}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", command], check=True)
    var = Path(tempfile.mkdtemp(prefix="peiling-bench-site-"))
    (var / "static").mkdir()
    env = _environment(var)
    print("building the site (1,000 responses, a report, an article) ...", flush=True)
    paths = json.loads(subprocess.run([sys.executable, __file__, "--setup"], env=env, cwd=ROOT,
                                      capture_output=True, text=True, check=True).stdout)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "peiling.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "2", "--worker-class", "gthread", "--threads", "4",
         "--log-level", "warning"], env=env, cwd=ROOT)
    try:
        for _ in range(120):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        base = f"http://127.0.0.1:{port}"
        for path in paths.values():  # each worker renders and caches each page
            for _ in range(8):
                connection = http.client.HTTPConnection("127.0.0.1", port)
                connection.request("GET", path)
                assert connection.getresponse().status == 200, path
        rates = {}
        for name in ("static", "list", "article"):
            rate, latency, bad = _wrk(base + paths[name], args.seconds, args.connections)
            if bad:
                raise RuntimeError(f"{name}: {bad} answers were not 2xx")
            rates[name] = rate
            print(f"{name:8} {rate:8.0f} requests/s  mean latency {latency:6.1f} ms", flush=True)
        gets, posts = _signups(port, paths["signup"], args.signups)
        # The same addresses again, now confirmed members: the other branch of sign-up.
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", DATABASE, "-qc",
                        "UPDATE panel_member SET status = 'active'"], check=True)
        _, again = _signups(port, paths["signup"], args.signups)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print()
    for name in ("list", "article"):
        verdict = "met" if rates[name] >= 500 else "NOT MET"
        print(f"{name} page: {rates[name]:.0f} requests/s (target >= 500: {verdict}); "
              f"ratio to the static file {rates[name] / rates['static']:.2f}")
    worst = max(_p95(posts), _p95(again))
    verdict = "met" if worst < 200 else "NOT MET"
    print(f"sign-up POST, a new address: p50 {statistics.median(posts):.1f} ms, p95 "
          f"{_p95(posts):.1f} ms; a member's address: p50 {statistics.median(again):.1f} ms, "
          f"p95 {_p95(again):.1f} ms (target p95 < 200 ms: {verdict}); baseline the page's "
          f"GET: p50 {statistics.median(gets):.1f} ms, p95 {_p95(gets):.1f} ms")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; {time.strftime('%Y-%m-%d %H:%M')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
