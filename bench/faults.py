"""Faults under load: nothing acknowledged may be lost, nobody e-mailed twice.

    .venv/bin/python bench/faults.py [--respondents 50] [--invitations 5000]

On 127.0.0.1 only, as root (it restarts the local PostgreSQL cluster). Two parts:

1. **Respondents.** gunicorn (3 workers) on PostgreSQL serves the example questionnaire
   (``bench/fieldwork.py``'s set-up) to ``--respondents`` concurrent respondents, who post
   page after page with a short pause, and post a page again when it failed (a 503 page, a
   refused connection), as a person presses the button again. Meanwhile, ``--gap`` seconds
   apart: kill -9 of one gunicorn worker; a PostgreSQL restart; kill -9 of the whole server
   (master and workers) followed by a new start. Reported per fault: 5xx answers, refused
   connections, and the seconds until the next acknowledged page submit (a 503 is the
   friendly "try again in a minute" page; any other 5xx fails the bench); at the end every
   acknowledged submit (a 303) is checked against the database: answers lost must be 0.
2. **A worker killed while sending.** ``--invitations`` panel members, the invitations queued,
   one ``peiling manage worker`` sending them to an SMTP sink (aiosmtpd) in this process;
   kill -9 of the worker once a third has arrived, a new worker started at once (with
   ``PEILING_TASK_TIMEOUT=5``, so it recovers the dead one's task within seconds). Counted
   at the sink: recipients with more than one message (must be 0); in the database: members
   without any claim (stranded, must be 0) and claims nobody confirmed ("onbekend").

Prints a summary and the JSON result; docs/benchmarks.md records the figures by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

import fieldwork as bench  # bench/fieldwork.py, beside this script
from machine import cpu_model

ROOT = Path(__file__).resolve().parents[1]
PEILING = str(Path(sys.executable).parent / "peiling")
PROFILE = ROOT / "examples" / "panel-profiel.xlsx"


# -- part 1: respondents through server faults -----------------------------------------------


class Respondents:
    """``count`` threads posting pages (``bench.fieldwork`` scripts) until ``stop`` is set;
    a failed page is posted again after half a second. Every outcome is timestamped."""

    def __init__(self, port: int, tokens: list[str], count: int, think: float) -> None:
        self.port, self.tokens, self.count, self.think = port, iter(tokens), count, think
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.acknowledged: list[tuple[str, dict]] = []
        self.events: list[tuple[float, str]] = []  # (time, "ok" | "5xx" | "refused" | ...)
        self.scripts = bench._scripts(7)

    def run(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=self._respondent, args=(i,), daemon=True)
                   for i in range(self.count)]
        for thread in threads:
            thread.start()
        return threads

    def _note(self, outcome: str) -> None:
        with self.lock:
            self.events.append((time.monotonic(), outcome))

    def _respondent(self, index: int) -> None:
        rng = random.Random(index)
        while not self.stop.is_set():
            with self.lock:
                token = next(self.tokens, None)
            if token is None:
                return
            self._walk(token, self.scripts[rng.randrange(len(self.scripts))], rng)

    def _request(self, browser: bench.Browser, method: str, url: str, body: str | None = None):
        """One request, again and again until it is answered below 500 (or we stop)."""
        while not self.stop.is_set():
            try:
                status, location, html = browser.request(method, url, body)
            except OSError as error:  # refused, reset: the server is down or restarting
                self._note("refused" if isinstance(error, ConnectionRefusedError)
                           else "connection")
                browser.connection.close()
                time.sleep(0.5)
                continue
            if status >= 500:
                self._note(f"{status}")
                time.sleep(0.5)
                continue
            return status, location, html
        return None

    def _walk(self, token: str, script, rng: random.Random) -> None:
        browser = bench.Browser(self.port)
        url = f"/s/{token}/"
        answer = self._request(browser, "GET", url)
        if answer is None:
            return
        csrf = bench.CSRF_INPUT.search(answer[2]).group(1)
        start = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, "action": "start"})
        if (self._request(browser, "POST", url, start) or (0,))[0] != 303:
            return
        prefix = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, "action": "next"})
        for key, fields, page_answers in script:
            time.sleep(rng.expovariate(1 / self.think))
            body = f"{prefix}&{urllib.parse.urlencode({'page': key})}&{fields}"
            answer = self._request(browser, "POST", url, body)
            if answer is None:
                return
            if answer[0] != 303:
                self._note(f"refused page {answer[0]}")
                return
            with self.lock:
                self.acknowledged.append((token, page_answers))
            self._note("ok")


def _gunicorn_workers(server: subprocess.Popen) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def _postgres_restart() -> None:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart",
                    "-m", "fast"], check=True, capture_output=True)


def _window(events, start: float, end: float) -> dict:
    inside = [(moment, outcome) for moment, outcome in events if start <= moment < end]
    errors = [moment for moment, outcome in inside if outcome != "ok"]
    first_ok = next((moment for moment, outcome in inside if outcome == "ok"), None)
    last_error = max(errors, default=None)
    recovered = None
    if last_error is not None:
        after = [moment for moment, outcome in inside if outcome == "ok" and moment > last_error]
        recovered = round(min(after) - start, 1) if after else None
    return {
        "503": sum(outcome == "503" for _, outcome in inside),
        "other_5xx": sum(outcome.isdigit() and outcome.startswith("5") and outcome != "503"
                         for _, outcome in inside),
        "refused_connections": sum(outcome in ("refused", "connection") for _, outcome in inside),
        "other_errors": sum(outcome.startswith("refused page") for _, outcome in inside),
        "acknowledged": sum(outcome == "ok" for _, outcome in inside),
        "seconds_to_recover": recovered if errors else 0.0,
        "first_ok_after_s": round(first_ok - start, 1) if first_ok else None,
    }


def respondents_part(respondents: int, gap: float, think: float) -> dict:
    var = Path(tempfile.mkdtemp(prefix="peiling-faults-"))
    prepared = bench.setup(var, respondents * 40)
    port = bench._free_port()
    server = bench.start_server(var, port, 3, 4)
    load = Respondents(port, prepared["tokens"], respondents, think)
    threads = load.run()
    marks = {"start": time.monotonic()}
    try:
        time.sleep(gap)
        marks["worker killed"] = time.monotonic()
        os.kill(_gunicorn_workers(server)[0], 9)
        time.sleep(gap)
        marks["postgres restarted"] = time.monotonic()
        _postgres_restart()
        time.sleep(gap)
        marks["server killed"] = time.monotonic()
        os.killpg(server.pid, 9)
        server.wait()
        time.sleep(1)
        server = bench.start_server(var, port, 3, 4)
        time.sleep(gap)
        marks["end"] = time.monotonic()
    finally:
        load.stop.set()
        for thread in threads:
            thread.join(timeout=90)
        bench.stop_server(server)
    names = list(marks)
    windows = {names[i]: _window(load.events, marks[names[i]], marks[names[i + 1]])
               for i in range(len(names) - 1)}
    import django.db

    django.db.connections.close_all()
    checked, missing = bench.missing_answers(load.acknowledged)
    return {"respondents": respondents, "seconds_between_faults": gap, "think_s": think,
            "windows": windows, "answers_checked": checked, "answers_lost": missing,
            "503_total": sum(w["503"] for w in windows.values()),
            "other_5xx_total": sum(w["other_5xx"] for w in windows.values())}


# -- part 2: a worker killed while sending invitations --------------------------------------


def _panel(n: int):
    """A panel of ``n`` members (``bench.fieldwork.setup`` made the database), all drawn
    for the fieldwork; return the fieldwork."""
    import datetime as dt

    from django.utils import timezone

    from peiling.fieldwork.models import Fieldwork
    from peiling.panel.models import Member
    from peiling.panel.samples import SampleDesign, sample_commit, sample_preview
    from peiling.panel.services import panel_create

    panel = panel_create(slug="faults", name="Faultpanel", profile_source=PROFILE.read_bytes(),
                         profile_name=PROFILE.name)
    now = timezone.now()
    Member.objects.bulk_create(
        [Member(panel=panel, email=f"lid{i:05d}@example.org", status_changed_at=now,
                profile={"org_type": "gemeente"}, profile_updated={"org_type": "2026-01-01"})
         for i in range(n)], batch_size=5000)
    fieldwork = Fieldwork.objects.get(slug="bench")
    Fieldwork.objects.filter(pk=fieldwork.pk).update(closes_at=now + dt.timedelta(days=30))
    fieldwork.refresh_from_db()
    plan = sample_preview(panel=panel, fieldwork=fieldwork,
                          design=SampleDesign(method="simple", size=n, seed=1))
    sample_commit(plan=plan)
    return fieldwork


def _worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen([PEILING, "manage", "worker", "--no-startup-delay", "--no-reload",
                             "--interval", "0.2", "--verbosity", "0"], env=env,
                            start_new_session=True)


def worker_part(invitations: int) -> dict:
    from django_tasks_db.models import DBTaskResult

    from peiling.panel.mailing import invitations_queue
    from peiling.panel.models import Delivery, PanelInvitation
    from peiling.panel.sink import MailSink

    fieldwork = _panel(invitations)
    sink = MailSink().start()
    env = {**os.environ, "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(sink.port),
           "PEILING_TASKS": "database", "PEILING_TASK_TIMEOUT": "5",
           "DEFAULT_FROM_EMAIL": "panel@peiling.example"}
    os.environ["PEILING_TASKS"] = "database"
    queued = invitations_queue(fieldwork=fieldwork)
    started = time.monotonic()
    worker = _worker(env)
    while sink.count < invitations // 3 and time.monotonic() - started < 120:
        time.sleep(0.02)
    killed_at = sink.count
    os.killpg(worker.pid, 9)
    worker.wait()
    killed = time.monotonic()
    worker = _worker(env)
    deadline = time.monotonic() + 300
    pending = DBTaskResult.objects.filter(task_path__startswith="peiling.panel.tasks",
                                          status__in=["READY", "RUNNING"])
    while pending.exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    finished = time.monotonic()
    os.killpg(worker.pid, 15)
    worker.wait()
    sink.stop()
    received = Counter(address for message in sink.messages for address in message.rcpt_tos)
    states = Counter(Delivery.objects.values_list("state", flat=True))
    unclaimed = PanelInvitation.objects.filter(fieldwork=fieldwork, deliveries__isnull=True)
    unknown = Delivery.objects.filter(state="claimed").select_related("panel_invitation__member")
    return {
        "invitations": invitations, "tasks": queued.tasks,
        "received_when_killed": killed_at,
        "messages_received": sum(received.values()),
        "recipients_twice_or_more": sum(count > 1 for count in received.values()),
        "sent": states.get("sent", 0), "failed": states.get("failed", 0),
        "unknown_onbekend": states.get("claimed", 0),
        "unknown_that_did_arrive": sum(received[d.panel_invitation.member.email] > 0
                                       for d in unknown),
        "stranded_never_claimed": unclaimed.count(),
        "seconds_from_kill_to_all_done": round(finished - killed, 1),
        "dead_task_failed": DBTaskResult.objects.filter(
            exception_class_path__endswith="WorkerLost").count(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--respondents", type=int, default=50)
    parser.add_argument("--gap", type=float, default=15.0, help="seconds between faults")
    parser.add_argument("--think", type=float, default=0.3,
                        help="mean seconds a respondent spends on a page")
    parser.add_argument("--invitations", type=int, default=5000)
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        parser.error("run as root: the bench restarts the local PostgreSQL cluster")
    web = respondents_part(args.respondents, args.gap, args.think)
    mail = worker_part(args.invitations)
    result = {"date": time.strftime("%Y-%m-%d"),
              "machine": f"{os.cpu_count()} cores ({cpu_model()}), Python "
                         f"{platform.python_version()}",
              "respondents": web, "worker": mail}
    for name, window in web["windows"].items():
        print(f"{name:>20}: {window['503']} x 503, {window['other_5xx']} x other 5xx, "
              f"{window['refused_connections']} refused "
              f"connections, recovered after {window['seconds_to_recover']} s, "
              f"{window['acknowledged']} page submits acknowledged")
    print(f"answers checked {web['answers_checked']}, lost {web['answers_lost']}")
    print(f"worker killed at {mail['received_when_killed']} of {mail['invitations']} e-mails: "
          f"{mail['recipients_twice_or_more']} recipients twice, "
          f"{mail['stranded_never_claimed']} stranded, {mail['unknown_onbekend']} onbekend "
          f"({mail['unknown_that_did_arrive']} of them did arrive); all done "
          f"{mail['seconds_from_kill_to_all_done']} s after the kill")
    print(json.dumps(result))
    lost = web["answers_lost"] or web["other_5xx_total"] or mail["recipients_twice_or_more"] \
        or mail["stranded_never_claimed"]
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
