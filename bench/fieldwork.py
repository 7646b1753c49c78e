"""Benchmark the respondent pages: gunicorn against PostgreSQL, driven from other processes.

    .venv/bin/python bench/fieldwork.py [--respondents 100] [--seconds 30] [--workers 3]

On 127.0.0.1 only. Setup: a fresh PostgreSQL database ``peiling_bench`` on 127.0.0.1:5432
(migrated, the example questionnaire imported, a fieldwork opened, personal links issued) and
gunicorn (the production server, never runserver) on a free loopback port, serving peiling plus
one bare Django view, ``/bench/insert/``, that inserts one row. Separate driver processes then
run N concurrent simulated respondents (threads, one keep-alive connection each; bounded by a
deadline and a maximum count) with random valid answers from ``peiling.forms.simulate``:

A. page submits, saturated: each respondent opens its personal link, starts, and posts the
   example's pages one after the other with no pause (it knows the routing from the same pure
   flow module the server runs), so every request is a page submit;
B. the bare view, saturated: the same N drivers each post to ``/bench/insert/`` in a loop.
   A / B is the ratio of page submits to bare inserts per second. A and B take turns
   (``--rounds``, 10 by default, splitting ``--seconds``) with the same driver processes,
   so that both see the same moments of a shared machine (``drive_alternating``); each
   respondent goes on where it was in its next A turn. Also reported for A and B: the CPU
   time of the gunicorn and PostgreSQL processes per request, read from /proc, whose ratio
   moves less with the machine's other load than the throughputs do;
C. browser-like respondents: GET each page, POST it, follow the 303, and spend a random time
   on each page (exponential, mean ``--think`` seconds): the latency a respondent sees when N
   people fill in the questionnaire at once.

Reported per phase: submits per second and p50/p95/p99 of the POST latency. At the end every
acknowledged submit (a 303) is checked against the database: zero answers may be missing. The
JSON result is printed last; docs/benchmarks.md records the figures by hand.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:  # this checkout's peiling (see _environment)
    sys.path.insert(0, str(ROOT / "src"))
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
DATABASE = "peiling_bench"
EXAMPLE = ROOT / "examples" / "digitalisering-overheid.xlsx"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PAGE_INPUT = re.compile(r'name="page" value="([^"]+)"')
MAX_RESPONDENTS_PER_DRIVER = 10_000
BARE_TABLE = "bench_bare_insert"
LOAD_BEFORE = 0.0
#: Distinct simulated respondents per driver process, reused across personal links.
SCRIPTS = 200


# -- the server side: gunicorn imports this module for ``application`` ----------------------


def _bare_insert(request):
    """The baseline: a Django view that inserts one row (the posted form as JSON)."""
    from django.db import connection
    from django.http import HttpResponse

    if request.method != "POST":
        return HttpResponse(status=405)
    payload = json.dumps({k: request.POST.getlist(k) for k in request.POST})
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {BARE_TABLE} (payload) VALUES (%s)", [payload])
    return HttpResponse("ok", status=201)


def _urlpatterns():
    from django.urls import path
    from django.views.decorators.csrf import csrf_exempt

    from peiling.urls import urlpatterns

    return [path("bench/insert/", csrf_exempt(_bare_insert)), *urlpatterns]


_APPLICATION = None


def application(environ, start_response):
    """WSGI entry for gunicorn: peiling's application with the bench view added."""
    global _APPLICATION
    if _APPLICATION is None:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peiling.settings")
        from django.conf import settings
        from django.core.wsgi import get_wsgi_application

        _APPLICATION = get_wsgi_application()
        settings.ROOT_URLCONF = "bench.fieldwork"
    return _APPLICATION(environ, start_response)


def __getattr__(name):  # urlpatterns, built once Django is set up
    if name == "urlpatterns":
        return _urlpatterns()
    raise AttributeError(name)


# -- setup ----------------------------------------------------------------------------------


def _psql(sql: str) -> None:
    subprocess.run(["psql", f"{PG_SERVER}/postgres", "-v", "ON_ERROR_STOP=1", "-qc", sql],
                   check=True, capture_output=True)


def _environment(var: Path) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": f"{PG_SERVER}/{DATABASE}", "PEILING_SECURE": "0",
            "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1", "PEILING_VAR_DIR": str(var),
            "DJANGO_SETTINGS_MODULE": "peiling.settings",
            # This checkout's peiling, not the one installed: a bench of another commit's
            # work tree measures that commit.
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")]),
            "LOG_LEVEL": "ERROR"}


def setup(var: Path, tokens: int) -> dict:
    """Create the database and the fieldwork; return version id and the personal tokens."""
    _psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    _psql(f"CREATE DATABASE {DATABASE}")
    os.environ.update(_environment(var))
    import django

    django.setup()
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from peiling.fieldwork import services
    from peiling.questionnaires.services import form_version_import

    call_command("migrate", interactive=False, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {BARE_TABLE} (id bigserial PRIMARY KEY, payload jsonb, "
                       "created_at timestamptz DEFAULT now())")
    version = form_version_import(source=EXAMPLE.read_bytes(), source_name=EXAMPLE.name).version
    now = timezone.now()
    fieldwork = services.fieldwork_create(
        form_version=version, slug="bench", name="Benchmark", opens_at=now - dt.timedelta(1),
        closes_at=now + dt.timedelta(1))
    issued = services.invitations_create(fieldwork=fieldwork, profiles=[{}] * tokens)
    connection.close()
    return {"version": version.pk, "tokens": [item.token for item in issued]}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(var: Path, port: int, workers: int, threads: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "bench.fieldwork:application",
               "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
               "--worker-class", "gthread", "--threads", str(threads),
               "--keep-alive", "30", "--backlog", "2048", "--log-level", "warning",
               "--chdir", str(ROOT)]
    server = subprocess.Popen(command, env=_environment(var), start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/s/" + "x" * 32 + "/")
            if connection.getresponse().status == 404:
                return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise RuntimeError("gunicorn did not answer within 60 s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


# -- the driver -----------------------------------------------------------------------------


class Browser:
    """One keep-alive connection with its cookies: what a respondent's browser does."""

    def __init__(self, port: int, host: str = "127.0.0.1") -> None:
        self.port, self.host = port, host
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection(host, port, timeout=60)

    def request(self, method: str, path: str, body: str | None = None):
        headers = {"Host": self.host, "User-Agent": "peiling-bench"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                content = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()  # the server closed an idle keep-alive connection
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
                if attempt == 2 or method == "POST":
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location", ""), content.decode()


def respondent_script(flow, rng) -> list[tuple[str, str, dict]]:
    """Return one simulated respondent's walk: per page its key, the encoded answer fields
    and the answers a 303 acknowledges. Built before the clock starts, so that the drivers
    spend no more time per page submit than per bare insert."""
    from peiling.forms.simulate import simulate_answers

    answers = flow.prune(simulate_answers(flow.form, rng))
    script, stored = [], {}
    page = flow.first_page({})
    while page is not None:
        data = flow.post_data(page, answers)
        fields = [(name, value) for name, values in data.items() for value in values]
        script.append((page.key, urllib.parse.urlencode(fields),
                       {q.name: answers.get(q.name) for q in page.questions
                        if q.is_answered_by_respondent}))
        stored.update({q.name: answers[q.name] for q in page.questions if q.name in answers})
        page = flow.next_page(stored, page.key)
    return script


def _respondent_steps(port, token, script, latencies, acknowledged, mode):
    """Complete the questionnaire through ``token`` along ``script``, one page submit per
    ``next()``; record each acknowledged submit. A generator: the first ``next()`` opens
    the link and starts, each later one posts a page; it yields the number of pages posted
    so far and returns the outcome (``StopIteration.value``).

    ``browser`` mode GETs every page before posting it, as a browser does, and checks that
    the server shows the page the script expects; ``submit`` mode posts the pages one after
    the other (the script knows the routing from the same pure flow module the server runs),
    so every request is a page submit, as in the bare-view comparison.
    """
    browser = Browser(port)
    url = f"/s/{token}/"
    status, _, html = browser.request("GET", url)
    csrf = CSRF_INPUT.search(html).group(1)
    status, _, _ = browser.request("POST", url, urllib.parse.urlencode(
        {"csrfmiddlewaretoken": csrf, "action": "start"}))
    if status != 303:
        return f"start: {status}"
    prefix = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, "action": "next"})
    for posted, (key, fields, page_answers) in enumerate(script):
        yield posted
        if mode == "browser":
            status, _, html = browser.request("GET", url)
            if status != 200:
                return f"GET page: {status}"
            shown = PAGE_INPUT.search(html).group(1)
            if shown != key:
                return f"GET page: {shown}, expected {key}"
        body = f"{prefix}&{urllib.parse.urlencode({'page': key})}&{fields}"
        started = time.perf_counter()
        status, location, _ = browser.request("POST", url, body)
        latencies.append(time.perf_counter() - started)
        if status != 303:
            return f"POST {key}: {status}"
        acknowledged.append((token, page_answers))
        if location.endswith("bedankt/"):
            return "completed"
    return "the server did not finish after the last page"


def _respondent(port, token, script, rng, deadline, latencies, acknowledged, mode,
                think=0.0) -> str:
    """``_respondent_steps`` until ``deadline``, spending a random time on each page after
    the first (exponential, mean ``think`` seconds; none with 0)."""
    steps = _respondent_steps(port, token, script, latencies, acknowledged, mode)
    try:
        while True:
            posted = next(steps)
            if think and posted:  # reading and answering the next page
                time.sleep(min(rng.expovariate(1 / think),
                               max(0.0, deadline - time.monotonic())))
            if time.monotonic() >= deadline:
                return "deadline"
    except StopIteration as end:
        return end.value


BARE_BODY = urllib.parse.urlencode({"org_type": "gemeente", "domain": "ict", "function": "staf"})


def _bare_post(browser, latencies, acknowledged, failures) -> None:
    """One post to the bare view; record it."""
    started = time.perf_counter()
    status, _, _ = browser.request("POST", "/bench/insert/", BARE_BODY)
    latencies.append(time.perf_counter() - started)
    if status == 201:
        acknowledged.append(1)
    else:
        failures.append(status)


def _scripts(seed: int) -> list:
    """``SCRIPTS`` simulated respondents' walks (see ``respondent_script``)."""
    os.environ.update({"DJANGO_SETTINGS_MODULE": "peiling.settings"})
    from peiling.fieldwork.flow import Flow
    from peiling.forms.xlsform import read_xlsform

    flow = Flow(read_xlsform(EXAMPLE.read_bytes()))
    return [respondent_script(flow, random.Random(seed * 100_000 + i)) for i in range(SCRIPTS)]


def _driver_process(kind, port, tokens, threads, seconds, seed, think, queue, start) -> None:
    """One driver process: ``threads`` concurrent respondents, from the moment every driver
    process is ready (``start``, a barrier): a driver still importing Django or building its
    scripts would take CPU from the others' measurement."""
    scripts = _scripts(seed)
    latencies: list[float] = []
    acknowledged: list = []
    failures: list = []
    outcomes: list[str] = []
    start.wait()
    deadline = time.monotonic() + seconds
    token_iter = iter(tokens)
    lock = threading.Lock()

    def respondents(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        for _ in range(MAX_RESPONDENTS_PER_DRIVER):
            if time.monotonic() >= deadline:
                return
            with lock:
                token = next(token_iter, None)
            if token is None:
                failures.append("out of tokens")
                return
            try:
                script = scripts[rng.randrange(len(scripts))]
                outcome = _respondent(port, token, script, rng, deadline, latencies,
                                      acknowledged, kind, think)
            except Exception as error:
                outcome = f"error: {error!r}"
            outcomes.append(outcome)
            if outcome not in ("completed", "deadline"):
                failures.append(outcome)

    workers = [threading.Thread(target=respondents, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    queue.put({"latencies": latencies, "acknowledged": acknowledged, "failures": failures,
               "completed": outcomes.count("completed")})


def _split(concurrency: int, processes: int) -> list[int]:
    return [concurrency // processes + (i < concurrency % processes) for i in range(processes)]


def drive(kind: str, port: int, tokens: list[str], concurrency: int, seconds: float,
          processes: int, think: float = 0.0) -> dict:
    """Run ``concurrency`` respondents spread over ``processes`` processes for ``seconds``;
    merge their results."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    start = context.Barrier(processes)
    share = len(tokens) // processes
    children = [context.Process(target=_driver_process, args=(
        kind, port, tokens[i * share:(i + 1) * share], threads, seconds, i + 1, think,
        queue, start))
        for i, threads in enumerate(_split(concurrency, processes))]
    for child in children:
        child.start()
    results = [queue.get() for _ in children]
    for child in children:
        child.join()
    return _summary(results, seconds)


# The alternating measurement: what the driver threads do, set by the parent process.
PAUSE, SUBMIT, BARE, STOP = range(4)


def _alternating_process(port, tokens, threads, seed, queue, start, phase, busy) -> None:
    """One driver process of ``drive_alternating``: ``threads`` threads that post pages as
    simulated respondents while ``phase`` is SUBMIT (each carrying its respondent over
    from one SUBMIT turn to the next) and to the bare view while it is BARE. ``busy``
    counts the requests in flight, so the parent knows when a turn has drained."""
    scripts = _scripts(seed)
    results = {kind: {"latencies": [], "acknowledged": [], "failures": [], "completed": 0}
               for kind in (SUBMIT, BARE)}
    active, stopping = threading.Event(), threading.Event()
    token_iter = iter(tokens)
    lock = threading.Lock()

    def watch() -> None:  # mirror the parent's phase into an event the threads wait on
        while (value := phase.value) != STOP:
            if value == PAUSE:
                active.clear()
            else:
                active.set()
            time.sleep(0.0005)
        stopping.set()
        active.set()

    def driver(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        browser = Browser(port)  # for the bare view
        steps, exhausted = None, False
        mine = results[SUBMIT]
        while not stopping.is_set():
            active.wait()
            with busy.get_lock():
                busy.value += 1
            try:  # read the phase only once counted in flight (see drive_alternating)
                kind = phase.value
                if kind == BARE:
                    _bare_post(browser, *(results[BARE][k] for k in
                                          ("latencies", "acknowledged", "failures")))
                elif kind == SUBMIT and exhausted:
                    time.sleep(0.01)  # out of tokens: still posting in the BARE turns
                elif kind == SUBMIT:
                    if steps is None:
                        with lock:
                            token = next(token_iter, None)
                        if token is None:
                            mine["failures"].append("out of tokens")
                            exhausted = True
                            continue
                        script = scripts[rng.randrange(len(scripts))]
                        steps = _respondent_steps(port, token, script, mine["latencies"],
                                                  mine["acknowledged"], "submit")
                    try:
                        next(steps)
                    except StopIteration as end:
                        steps = None
                        if end.value == "completed":
                            mine["completed"] += 1
                        else:
                            mine["failures"].append(end.value)
                    except Exception as error:
                        steps = None
                        mine["failures"].append(f"error: {error!r}")
            finally:
                with busy.get_lock():
                    busy.value -= 1

    watcher = threading.Thread(target=watch)
    workers = [threading.Thread(target=driver, args=(i,)) for i in range(threads)]
    for thread in (watcher, *workers):
        thread.start()
    start.wait()
    for thread in (watcher, *workers):
        thread.join()
    queue.put(results)


def drive_alternating(port: int, tokens: list[str], concurrency: int, seconds: float,
                      processes: int, rounds: int) -> tuple[dict, dict]:
    """Measure page submits and the bare view in turn, ``rounds`` turns of each, for
    ``seconds`` in all per kind, with the same driver processes and threads throughout:
    both kinds see the same moments of a shared machine, so a noisy neighbour moves both
    figures rather than the ratio, and no turn pays for starting drivers.

    A turn lasts from switching the drivers to its kind until its last request has
    answered: every request is counted in the turn that sent it, and timed in it. Each
    thread counts itself in flight before it reads the phase, so once the parent has set
    PAUSE and seen nothing in flight, no request of the turn can still be sent. The order
    of the two kinds changes every round. Also reported per kind: CPU milliseconds of the
    gunicorn and PostgreSQL processes per page submit or bare insert (``_server_cpu``).
    """
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    start = context.Barrier(processes + 1)
    phase, busy = context.Value("i", PAUSE), context.Value("i", 0)
    share = len(tokens) // processes
    children = [context.Process(target=_alternating_process, args=(
        port, tokens[i * share:(i + 1) * share], threads, i + 1, queue, start, phase, busy))
        for i, threads in enumerate(_split(concurrency, processes))]
    for child in children:
        child.start()
    start.wait()
    elapsed = {SUBMIT: 0.0, BARE: 0.0}
    cpu = {SUBMIT: {}, BARE: {}}
    for index in range(rounds):
        for kind in (SUBMIT, BARE) if index % 2 == 0 else (BARE, SUBMIT):
            before, began = _server_cpu(), time.monotonic()
            phase.value = kind
            time.sleep(seconds / rounds)
            phase.value = PAUSE
            while busy.value:
                time.sleep(0.0005)
            elapsed[kind] += time.monotonic() - began
            for group, used in _server_cpu().items():
                cpu[kind][group] = cpu[kind].get(group, 0.0) + used - before.get(group, 0.0)
    phase.value = STOP
    results = [queue.get() for _ in children]
    for child in children:
        child.join()
    summaries = []
    for kind in (SUBMIT, BARE):
        summary = _summary([result[kind] for result in results], elapsed[kind])
        for group, used in cpu[kind].items():
            summary[f"{group}_cpu_ms"] = 1000 * used / max(1, summary["submits"])
        summaries.append(summary)
    return summaries[0], summaries[1]


def _server_cpu() -> dict[str, float]:
    """CPU seconds so far (user and system) of the gunicorn processes and of PostgreSQL's,
    from /proc (Linux; empty elsewhere), with those of their children that ended: Django
    keeps a connection for a minute, and the postmaster counts a backend's seconds as its
    children's once the backend ends."""
    used = {"gunicorn": 0, "postgres": 0}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            command = (entry / "cmdline").read_bytes()
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        group = ("gunicorn" if b"gunicorn" in command else
                 "postgres" if command.startswith(b"postgres") or b"/bin/postgres" in command
                 else None)
        if group:
            used[group] += sum(int(field) for field in fields[11:15])  # [cs]utime, [cs]time
    ticks = os.sysconf("SC_CLK_TCK")
    return {group: count / ticks for group, count in used.items() if count}


def _summary(results: list[dict], seconds: float) -> dict:
    """Merge the results of drivers that ran ``seconds`` in all (one after the other, or
    side by side over the same ``seconds``)."""
    latencies = sorted(x for r in results for x in r["latencies"])
    return {
        "submits": len(latencies),
        "latencies": latencies,
        "acknowledged": [a for r in results for a in r["acknowledged"]],
        "failures": [f for r in results for f in r["failures"]],
        "completed": sum(r["completed"] for r in results),
        "seconds": seconds,
        "per_second": len(latencies) / seconds,
        "p50_ms": 1000 * _quantile(latencies, 0.50),
        "p95_ms": 1000 * _quantile(latencies, 0.95),
        "p99_ms": 1000 * _quantile(latencies, 0.99),
        "mean_ms": 1000 * statistics.fmean(latencies) if latencies else 0.0,
    }


def _cpu_ms(phase: dict) -> float:
    """CPU milliseconds of gunicorn and PostgreSQL per request of ``phase`` (0: unknown)."""
    return phase.get("gunicorn_cpu_ms", 0.0) + phase.get("postgres_cpu_ms", 0.0)


def _quantile(ordered: list[float], q: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# -- checking -------------------------------------------------------------------------------


def missing_answers(acknowledged: list) -> tuple[int, int]:
    """Return (answers checked, answers missing or different) for every acknowledged submit."""
    from peiling.fieldwork.answers import answers_from_json
    from peiling.fieldwork.models import Invitation
    from peiling.fieldwork.tokens import token_hash

    by_hash, forms = {}, {}
    for invitation in Invitation.objects.select_related("response__form_version"):
        by_hash[invitation.token_hash] = invitation.response
    checked = missing = 0
    for token, page_answers in acknowledged:
        response = by_hash.get(token_hash(token))
        if response is not None and response.form_version_id not in forms:
            forms[response.form_version_id] = response.form_version.form
        stored = answers_from_json(forms[response.form_version_id], response.answers) \
            if response else {}
        for name, value in page_answers.items():
            checked += 1
            if stored.get(name) != value:
                missing += 1
    return checked, missing


def bare_rows() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {BARE_TABLE}")
        return cursor.fetchone()[0]


# -- main -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--respondents", type=int, default=100, help="concurrent respondents")
    parser.add_argument("--seconds", type=float, default=30.0, help="seconds per measurement")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--drivers", type=int, default=2, help="driver processes")
    parser.add_argument("--rounds", type=int, default=10,
                        help="turns of page submits and bare inserts the seconds are split in")
    parser.add_argument("--tokens", type=int, default=6000, help="personal links to issue")
    parser.add_argument("--think", type=float, default=1.0,
                        help="mean seconds a respondent spends on a page in the browser phase")
    args = parser.parse_args(argv)
    global LOAD_BEFORE
    LOAD_BEFORE = os.getloadavg()[0]
    var = Path(tempfile.mkdtemp(prefix="peiling-bench-"))
    prepared = setup(var, args.tokens)
    port = _free_port()
    server = start_server(var, port, args.workers, args.threads)
    try:
        drive("submit", port, prepared["tokens"][:200], 10, 5, 1)  # warm-up, not measured
        tokens = prepared["tokens"][200:]
        half = len(tokens) // 2
        fieldwork, bare = drive_alternating(port, tokens[:half], args.respondents,
                                            args.seconds, args.drivers, args.rounds)
        browsing = drive("browser", port, tokens[half:], args.respondents, args.seconds,
                         args.drivers, think=args.think)
    finally:
        stop_server(server)
    checked, missing = missing_answers(fieldwork.pop("acknowledged")
                                       + browsing.pop("acknowledged"))
    bare_acknowledged = len(bare.pop("acknowledged"))
    for phase in (fieldwork, bare, browsing):
        del phase["latencies"]
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{os.cpu_count()} cores ({platform.processor() or platform.machine()}), "
                   f"Python {platform.python_version()}",
        "gunicorn": f"{args.workers} workers x {args.threads} threads (gthread)",
        "think_seconds": args.think,
        "load_average_before": LOAD_BEFORE,
        "respondents": args.respondents,
        "fieldwork": fieldwork,
        "bare": bare,
        "browser": browsing,
        "ratio": fieldwork["per_second"] / bare["per_second"] if bare["per_second"] else 0,
        "server_cpu_ratio": _cpu_ms(bare) / _cpu_ms(fieldwork) if _cpu_ms(fieldwork) else None,
        "answers_checked": checked,
        "answers_missing": missing,
        "bare_rows_missing": bare_acknowledged - bare_rows(),
    }
    print(f"page submits: {fieldwork['per_second']:.0f}/s, p50 {fieldwork['p50_ms']:.0f} ms, "
          f"p95 {fieldwork['p95_ms']:.0f} ms, p99 {fieldwork['p99_ms']:.0f} ms, "
          f"{fieldwork['completed']} questionnaires completed, "
          f"{len(fieldwork['failures'])} failures")
    print(f"browser-like, GET + POST per page, mean {args.think:g} s on a page: "
          f"{browsing['per_second']:.0f} submits/s, "
          f"p50 {browsing['p50_ms']:.0f} ms, p95 {browsing['p95_ms']:.0f} ms, "
          f"p99 {browsing['p99_ms']:.0f} ms, {len(browsing['failures'])} failures")
    print(f"bare inserts: {bare['per_second']:.0f}/s, p50 {bare['p50_ms']:.0f} ms, "
          f"p95 {bare['p95_ms']:.0f} ms, p99 {bare['p99_ms']:.0f} ms, "
          f"{len(bare['failures'])} failures")
    print(f"ratio {result['ratio']:.2f}; answers checked {checked}, missing {missing}; "
          f"bare rows missing {result['bare_rows_missing']}")
    if result["server_cpu_ratio"]:
        print("server CPU per request (gunicorn + PostgreSQL): page submit "
              f"{_cpu_ms(fieldwork):.3f} ms ({fieldwork['gunicorn_cpu_ms']:.3f} + "
              f"{fieldwork['postgres_cpu_ms']:.3f}), bare insert {_cpu_ms(bare):.3f} ms "
              f"({bare['gunicorn_cpu_ms']:.3f} + {bare['postgres_cpu_ms']:.3f}); "
              f"ratio {result['server_cpu_ratio']:.2f}")
    print(json.dumps({**result, "failures": (fieldwork["failures"][:5] + bare["failures"][:5]
                                             + browsing["failures"][:5])}))
    failed = fieldwork["failures"] or bare["failures"] or browsing["failures"]
    return 0 if missing == 0 and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
