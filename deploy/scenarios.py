"""Failure scenarios on the cluster of ``deploy/cluster.py`` (issue 24).

    .venv/bin/python deploy/scenarios.py respondents [--respondents 200] [--kill-at 10]
    .venv/bin/python deploy/scenarios.py invitations [--members 20000] [--kill-after 5000]
    .venv/bin/python deploy/scenarios.py throughput [--seconds 20] [--members 5000]
    .venv/bin/python deploy/scenarios.py backup [--respondents 200]

``respondents``: builds the cluster and a fieldwork of the example questionnaire with personal
links; ``--respondents`` simulated respondents at once (threads, each its own keep-alive
connection and cookies, as a browser) answer through HAProxy page by page (the no-JS walker of
``bench/fieldwork.py``: GET the page, check it is the page expected, POST it; a second or so
on each page). After ``--kill-at`` seconds one app host is killed (``kill -9`` of gunicorn and
all its workers). A respondent whose request fails does what a person does: loads the page
again and sends it again; the page shown must be the right one (the one after the last answer
the server acknowledged, or the one after that when the lost request was applied). At the end
every acknowledged answer (a 303) is looked up in the database: none may be missing. Prints
the requests that failed during the failover, the resumes, the completed respondents.

``invitations``: builds the cluster, a panel of ``--members`` members, a fieldwork and a
sample of all of them; queues the invitations (``panel.mailing.invitations_queue``: tasks of
500 e-mails on Redis) for the two workers, which send them to an SMTP sink on this side of the
bridge (10.77.0.1:2525, aiosmtpd, every message kept). When the sink has ``--kill-after``
messages, one worker host is killed (``kill -9`` of every process in it) and started again; rq
fails the dead worker's batch when its heartbeat expires and ``peiling.jobs.rq.Worker`` queues
it again. When every member has a message, or nothing has been sent for 4 minutes: every
member's messages are counted at the sink (none may have two) and in the database per state:
sent, failed, claimed but never confirmed (what the killed worker was sending: *onbekend* once
``PEILING_TASK_TIMEOUT`` has passed) and never attempted; the four must add up to
``--members``. Then the cluster is taken down. Prints the counts and e-mails per second.

``throughput``: page submits per second with one and with two app hosts, invitation e-mails
per second with one and with two workers, and a bare ``smtplib`` loop to the same sink.

``backup``: the restore drill. The database host archives its WAL (``archive_mode``, a copy
per finished segment). ``--respondents`` respondents answer the questionnaire; then a
``pg_dump`` and a ``pg_basebackup`` are taken; as many again answer (the WAL they write is
measured). PostgreSQL is killed (``kill -9``) and its data directory removed: the load
balancer's ``/health/`` must say unavailable. The base backup is put back and PostgreSQL
replays the archived WAL; every page submit acknowledged before the kill, before and after
the base backup, must be in the restored database, ``/health/`` must be ok again and new
respondents must finish. Last, the dump is restored into a new database with ``pg_restore``
and must hold the same rows, table by table, as the database had at the dump.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import os
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))  # bench/: the respondent walker
import cluster  # the harness next to this file

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def _django() -> None:
    """Set this process up as one more host of the cluster (from this side of the bridge)."""
    os.environ.update(cluster.environment("driver"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "peiling.settings"
    import django

    django.setup()


def _panel(members: int, slug: str = "cluster"):
    from django.db import transaction
    from django.utils import timezone

    from peiling.fieldwork.services import fieldwork_create
    from peiling.panel.models import Member
    from peiling.panel.samples import SampleDesign, sample_commit, sample_preview
    from peiling.panel.services import panel_create
    from peiling.questionnaires.services import form_version_import

    panel = panel_create(slug=slug, name=f"Panel {slug}",
                         profile_source=(EXAMPLES / "panel-profiel.xlsx").read_bytes(),
                         profile_name="panel-profiel.xlsx")
    version = form_version_import(
        source=(EXAMPLES / "digitalisering-overheid.xlsx").read_bytes()).version
    now = timezone.now()
    fieldwork = fieldwork_create(form_version=version, slug=slug, name=f"Veldwerk {slug}",
                                 opens_at=now - dt.timedelta(hours=1),
                                 closes_at=now + dt.timedelta(days=30))
    with transaction.atomic():
        Member.objects.bulk_create([
            Member(panel=panel, email=f"lid{i:06d}@example.org", status_changed_at=now,
                   profile={"org_type": "gemeente"}, profile_updated={})
            for i in range(members)], batch_size=5000)
    plan = sample_preview(panel=panel, fieldwork=fieldwork,
                          design=SampleDesign(method="simple", size=members, seed=1))
    sample_commit(plan=plan)
    return fieldwork


def invitations(members: int, kill_after: int) -> int:
    from peiling.panel.sink import MailSink

    cluster.up()
    try:
        _django()
        from peiling.panel import mailing
        from peiling.panel.models import Delivery, PanelInvitation

        print(f"building a panel of {members} members and a sample of all ...", flush=True)
        fieldwork = _panel(members)
        with MailSink(host=cluster.GATEWAY, port=cluster.SMTP_PORT) as sink:
            started = time.monotonic()
            report = mailing.invitations_queue(fieldwork=fieldwork)
            print(f"queued {report.messages} e-mails in {report.tasks} tasks", flush=True)
            killed = False
            last, still = -1, time.monotonic()
            while time.monotonic() - started < 900:
                count = sink.count
                if not killed and count >= kill_after:
                    others = cluster.kill_host("pl-w1")
                    print(f"kill -9 of worker host pl-w1 at {count} messages ({others} more "
                          f"processes in it besides the worker's group)", flush=True)
                    time.sleep(2)
                    cluster.start_worker("pl-w1")
                    killed = True
                if count != last:
                    last, still = count, time.monotonic()
                else:  # rq notices a dead worker within minutes: wait for its batch
                    quiet = time.monotonic() - still
                    if (count >= members and quiet > 5) or quiet > 240:
                        break
                time.sleep(0.2)
            seconds = still - started
            per_member = collections.Counter(r for m in sink.messages for r in m.rcpt_tos)
        states = collections.Counter(Delivery.objects.filter(
            panel_invitation__fieldwork=fieldwork, number=0).values_list("state", flat=True))
        invited = PanelInvitation.objects.filter(fieldwork=fieldwork).count()
        never = invited - sum(states.values())
        twice = sum(1 for n in per_member.values() if n > 1)
        print(f"\ninvited {invited}; at the sink {sum(per_member.values())} messages to "
              f"{len(per_member)} members, {twice} members with more than one")
        together = states["sent"] + states["failed"] + states["claimed"] + never
        print(f"in the database: sent {states['sent']}, failed {states['failed']}, claimed "
              f"and never confirmed (onbekend after the timeout) {states['claimed']}, never "
              f"attempted {never}; together {together}")
        print(f"{sum(per_member.values()) / seconds:.0f} e-mails per second over "
              f"{seconds:.1f} s, with one worker killed and started again")
        ok = twice == 0 and together == invited
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1
    finally:
        cluster.down(quiet=True)


def _personal_links(slug: str, count: int) -> list[str]:
    """A fieldwork of the example questionnaire, open now, with ``count`` personal links."""
    from django.db import connection
    from django.utils import timezone

    from peiling.fieldwork import services
    from peiling.questionnaires.services import form_version_import

    version = form_version_import(
        source=(EXAMPLES / "digitalisering-overheid.xlsx").read_bytes()).version
    now = timezone.now()
    fieldwork = services.fieldwork_create(
        form_version=version, slug=slug, name=slug.capitalize(),
        opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(days=1))
    tokens = [item.token for item in services.invitations_create(
        fieldwork=fieldwork, profiles=[{}] * count)]
    connection.close()  # the threads that follow open their own
    return tokens


def _walk(token: str, script, think: float, rng, record) -> str:
    """One respondent through the load balancer, resuming after a failed request."""
    from bench.fieldwork import CSRF_INPUT, PAGE_INPUT, Browser

    browser, url = Browser(80, host=cluster.HOSTS["pl-lb"]), f"/s/{token}/"

    def send(method: str, body: str | None = None):
        for _attempt in range(20):  # a person reloads, or sends again, until it works
            try:
                status, location, html = browser.request(method, url, body)
            except OSError as error:
                record("error", repr(error))
                browser.connection.close()
                time.sleep(0.5)
                continue
            if status >= 500:
                record("error", str(status))
                time.sleep(0.5)
                continue
            return status, location, html
        raise RuntimeError(f"{method} {url}: no answer after 20 tries")

    status, _, html = send("GET")
    csrf = CSRF_INPUT.search(html).group(1)
    send("POST", urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, "action": "start"}))
    prefix = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, "action": "next"})
    keys = [key for key, _, _ in script]
    position = 0
    while position < len(script):
        key, fields, page_answers = script[position]
        status, _, html = send("GET")
        if status != 200:
            return f"GET page: {status}"
        shown = PAGE_INPUT.search(html)
        shown = shown.group(1) if shown else ""
        if shown != key:
            # The request before was applied but its answer was lost: the next page shows.
            if position + 1 < len(keys) and shown == keys[position + 1]:
                record("resumed_after_applied", token)
                position += 1
                continue
            return f"GET page: {shown or 'none'}, expected {key}"
        time.sleep(rng.expovariate(1 / think) if think else 0)
        status, location, _ = send("POST", f"{prefix}&{urllib.parse.urlencode({'page': key})}"
                                   f"&{fields}")
        if status != 303:
            return f"POST {key}: {status}"
        record("acknowledged", (token, page_answers))
        if location.endswith("bedankt/"):
            return "completed"
        position += 1
    return "completed"


def respondents(count: int, kill_at: float, think: float) -> int:
    import random
    import threading

    cluster.up()
    try:
        _django()
        from bench.fieldwork import _scripts, missing_answers

        tokens = _personal_links("cluster", count)
        scripts = _scripts(1)
        lock = threading.Lock()
        log: dict[str, list] = collections.defaultdict(list)
        outcomes: list[str] = []

        def record(kind: str, item) -> None:
            with lock:
                log[kind].append((time.monotonic(), item))

        def respondent(index: int) -> None:
            rng = random.Random(index)
            try:
                outcome = _walk(tokens[index], scripts[index % len(scripts)], think, rng,
                                record)
            except Exception as error:  # reported, not raised: the others go on
                outcome = f"error: {error!r}"
            with lock:
                outcomes.append(outcome)

        threads = [threading.Thread(target=respondent, args=(i,)) for i in range(count)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        killed_at = None
        while any(thread.is_alive() for thread in threads):
            if killed_at is None and time.monotonic() - started >= kill_at:
                cluster.kill_host("pl-app1")
                killed_at = time.monotonic()
                print(f"kill -9 of app host pl-app1 after {kill_at:.0f} s", flush=True)
            time.sleep(0.1)
        seconds = time.monotonic() - started
        acknowledged = [item for _, item in log["acknowledged"]]
        checked, missing = missing_answers(acknowledged)
        after = [t for t, _ in log["acknowledged"] if killed_at and t >= killed_at]
        completed = outcomes.count("completed")
        others = collections.Counter(o for o in outcomes if o != "completed")
        print(f"\n{count} respondents through HAProxy, {seconds:.1f} s: {completed} completed; "
              f"{dict(others) or 'no other outcome'}")
        print(f"{len(acknowledged)} page submits acknowledged ({len(acknowledged) / seconds:.0f} "
              f"per second), {len(after)} of them after the kill")
        kinds = collections.Counter(item.split("(")[0] for _, item in log["error"])
        spread = [t - killed_at for t, _ in log["error"]] if killed_at else []
        when = f"; {min(spread):.1f} to {max(spread):.1f} s after the kill" if spread else ""
        print(f"failed requests (sent again by the respondent): {len(log['error'])} "
              f"({', '.join(f'{n} {kind}' for kind, n in kinds.most_common()) or 'none'}"
              f"{when}); pages the server had applied although the answer was lost: "
              f"{len(log['resumed_after_applied'])}")
        print(f"answers checked in the database: {checked}, missing {missing}")
        ok = missing == 0 and completed == count
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1
    finally:
        cluster.down(quiet=True)


def _crowd(tokens: list[str], threads: int = 16) -> tuple[list, collections.Counter]:
    """Every token's respondent answers the questionnaire to the end, ``threads`` at once,
    without thinking; return the acknowledged page submits and the outcomes."""
    import random
    import threading

    from bench.fieldwork import _scripts

    scripts, lock, pool = _scripts(1), threading.Lock(), iter(enumerate(tokens))
    acknowledged: list = []
    outcomes: collections.Counter = collections.Counter()

    def record(kind: str, item) -> None:
        if kind == "acknowledged":
            with lock:
                acknowledged.append(item)

    def respondent() -> None:
        while True:
            with lock:
                index, token = next(pool, (None, None))
            if token is None:
                return
            try:
                outcome = _walk(token, scripts[index % len(scripts)], 0.0,
                                random.Random(index), record)
            except Exception as error:  # reported, not raised: the others go on
                outcome = f"error: {error!r}"
            with lock:
                outcomes[outcome] += 1

    workers = [threading.Thread(target=respondent) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return acknowledged, outcomes


def _sql(query: str, database: str = "peiling") -> str:
    """One value from the cluster's PostgreSQL, as psql prints it."""
    return cluster._run("psql", "-h", cluster.HOSTS["pl-db"], "-U", "postgres", "-d", database,
                        "-At", "-c", query).stdout.strip()


def _table_counts(database: str) -> dict[str, int]:
    """Rows of every table of peiling's schema (an exact count each)."""
    tables = _sql("SELECT string_agg(tablename, ' ' ORDER BY tablename) FROM pg_tables "
                  "WHERE schemaname = 'public'", database).split()
    query = " UNION ALL ".join(f"SELECT '{name}', count(*) FROM \"{name}\"" for name in tables)
    rows = _sql(query, database).splitlines()
    return {name: int(count) for name, count in (row.split("|") for row in rows)}


def backup(respondents: int) -> int:
    """The backup and restore drill (see the module's docstring)."""
    import shutil

    cluster.up(archive=True)
    try:
        _django()
        from django.db import connections

        from bench.fieldwork import missing_answers

        db, state = cluster.HOSTS["pl-db"], cluster.STATE
        tokens = _personal_links("backup", 2 * respondents + 10)
        before, outcomes = _crowd(tokens[:respondents])
        print(f"{respondents} respondents answered before the backups: {len(before)} page "
              f"submits acknowledged; {dict(outcomes)}", flush=True)

        started = time.monotonic()
        cluster._run("pg_dump", "-h", db, "-U", "postgres", "-Fc", "-f",
                     str(state / "peiling.dump"), "peiling")
        dump_seconds = time.monotonic() - started
        at_dump = _table_counts("peiling")
        started = time.monotonic()
        cluster._run("pg_basebackup", "-h", db, "-U", "postgres", "-D", str(state / "base"),
                     "-X", "stream", "-c", "fast")
        base_seconds = time.monotonic() - started
        base_bytes = sum(f.stat().st_size for f in (state / "base").rglob("*") if f.is_file())
        print(f"pg_dump: {(state / 'peiling.dump').stat().st_size / 1e6:.1f} MB in "
              f"{dump_seconds:.1f} s; pg_basebackup: {base_bytes / 1e6:.1f} MB in "
              f"{base_seconds:.1f} s", flush=True)

        lsn = _sql("SELECT pg_current_wal_lsn()")
        after, outcomes = _crowd(tokens[respondents:2 * respondents])
        wal_bytes = int(_sql(f"SELECT pg_current_wal_lsn() - '{lsn}'::pg_lsn"))
        segment = _sql("SELECT pg_walfile_name(pg_current_wal_lsn())")
        _sql("SELECT pg_switch_wal()")
        for _ in range(100):  # the archiver copies the segment just finished
            if (cluster.WAL_ARCHIVE / segment).exists():
                break
            time.sleep(0.2)
        print(f"{respondents} more respondents after the base backup: {len(after)} page "
              f"submits acknowledged, {wal_bytes / 1e6:.1f} MB of WAL "
              f"({wal_bytes / max(len(after), 1) / 1e3:.1f} kB per submit); {dict(outcomes)}",
              flush=True)

        connections.close_all()
        cluster.kill("postgres")  # kill -9 of PostgreSQL, then its data is gone
        shutil.rmtree(state / "pgdata")
        time.sleep(3)  # HAProxy's checks: both app hosts answer 503 now
        down_health = cluster.healthy(f"{cluster.LB_URL}/health/")
        started = time.monotonic()
        shutil.copytree(state / "base", state / "pgdata")
        (state / "pgdata" / "recovery.signal").touch()
        cluster._run("chown", "-R", "postgres:postgres", str(state / "pgdata"))
        (state / "pgdata").chmod(0o700)
        cluster.start_database()
        while _sql("SELECT pg_is_in_recovery()") != "f":  # replaying the archive, then open
            time.sleep(0.2)
        restore_seconds = time.monotonic() - started
        for _ in range(100):
            if cluster.healthy(f"{cluster.LB_URL}/health/"):
                break
            time.sleep(0.3)
        up_health = cluster.healthy(f"{cluster.LB_URL}/health/")
        checked, missing = missing_answers(before + after)
        print(f"database killed and its data removed: the load balancer's /health/ "
              f"{'ok' if down_health else 'unavailable'}; restored from the base backup and "
              f"the WAL archive in {restore_seconds:.1f} s; /health/ "
              f"{'ok' if up_health else 'unavailable'} again", flush=True)
        print(f"answers checked after the restore: {checked}, missing {missing}")
        later = tokens[2 * respondents:]
        _after_restore, outcomes = _crowd(later)
        print(f"{len(later)} respondents after the restore: {dict(outcomes)}")

        connections.close_all()
        cluster._run("createdb", "-h", db, "-U", "postgres", "restored")
        started = time.monotonic()
        cluster._run("pg_restore", "-h", db, "-U", "postgres", "-d", "restored",
                     str(state / "peiling.dump"))
        restored = _table_counts("restored")
        print(f"pg_restore of the dump into a new database in "
              f"{time.monotonic() - started:.1f} s: {len(restored)} tables, rows "
              f"{'equal to' if restored == at_dump else 'DIFFERENT FROM'} the database at the "
              f"dump ({sum(restored.values())} rows)")
        ok = (missing == 0 and checked > 0 and not down_health and up_health
              and outcomes == collections.Counter({"completed": len(later)})
              and restored == at_dump)
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1
    finally:
        cluster.down(quiet=True)


SINK = """
import sys
from peiling.panel.sink import MailSink
with MailSink(host=sys.argv[1], port=int(sys.argv[2]), keep=False) as sink:
    print("ready", flush=True)
    for line in sys.stdin:
        print(sink.count, flush=True)
"""


class CountingSink:
    """An SMTP sink in a process of its own (so it takes no time from this one's threads)
    on 10.77.0.1:2525 that only counts; ``count()`` asks it."""

    def __init__(self) -> None:
        import subprocess

        self.process = subprocess.Popen(
            [str(cluster.PYTHON), "-c", SINK, cluster.GATEWAY, str(cluster.SMTP_PORT)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        assert self.process.stdout.readline().strip() == "ready"

    def count(self) -> int:
        self.process.stdin.write("?\n")
        self.process.stdin.flush()
        return int(self.process.stdout.readline())

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


def _mail_rate(fieldwork, sink: CountingSink, expected: int) -> float:
    """Queue the invitations of ``fieldwork``; e-mails per second until the sink has them."""
    from peiling.panel import mailing

    first = sink.count()
    mailing.invitations_queue(fieldwork=fieldwork)
    started = time.monotonic()
    while sink.count() - first < expected:
        if time.monotonic() - started > 600:
            raise RuntimeError("the invitations did not all arrive within 10 minutes")
        time.sleep(0.1)
    return expected / (time.monotonic() - started)


def _bare_rate(n: int) -> float:
    """``n`` messages as big as an invitation over one smtplib connection to the same sink."""
    import smtplib

    from django.utils import timezone

    from peiling.panel.mail import Letter, message_build

    letter = Letter(to="lid@example.org", name="", language="nl", panel_name="Clusterpanel",
                    survey_name="Cluster", closes_at=timezone.now(),
                    link=f"{cluster.LB_URL}/s/" + "x" * 32 + "/", unsubscribe_token="W" * 60,
                    reminder=False, portal=f"{cluster.LB_URL}/panel/cluster/mijn/")
    content = message_build(letter).message().as_bytes(linesep="\r\n")
    started = time.monotonic()
    with smtplib.SMTP(cluster.GATEWAY, cluster.SMTP_PORT, local_hostname="peiling.test") as smtp:
        for i in range(n):
            smtp.sendmail("panel@peiling.test", [f"lid{i:06d}@example.org"], content)
    return n / (time.monotonic() - started)


def _submit_rate(seconds: float, count: int, tokens: list[str]) -> float:
    """Page submits per second of ``count`` respondents without thinking, for ``seconds``."""
    import random
    import threading

    from bench.fieldwork import _scripts

    scripts, lock, done = _scripts(2), threading.Lock(), []
    stop = time.monotonic() + seconds
    pool = iter(tokens)

    def record(kind: str, item) -> None:
        if kind == "acknowledged" and time.monotonic() < stop:
            with lock:
                done.append(1)

    def respondent(index: int) -> None:
        rng = random.Random(index)
        while time.monotonic() < stop:
            with lock:
                token = next(pool, None)
            if token is None:
                return
            try:
                _walk(token, scripts[index % len(scripts)], 0.0, rng, record)
            except Exception:  # a respondent cut off at the end of the round
                return

    threads = [threading.Thread(target=respondent, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(done) / seconds


def throughput(seconds: float, members: int) -> int:
    cluster.up()
    sink = None
    try:
        _django()
        tokens = _personal_links("doorvoer", 4000)
        rates = {}
        cluster.kill_host("pl-app2")  # one app host: HAProxy takes it out after its checks
        time.sleep(3)
        rates["submits, 1 app host"] = _submit_rate(seconds, 32, tokens[:2000])
        cluster.start_app("pl-app2")
        for _ in range(100):
            if cluster.healthy(f"{cluster.LB_URL}/health/") and cluster.healthy(
                    f"http://{cluster.HOSTS['pl-app2']}:8000/health/"):
                break
            time.sleep(0.3)
        time.sleep(3)  # HAProxy's checks take it in again (rise 2, every second)
        rates["submits, 2 app hosts"] = _submit_rate(seconds, 32, tokens[2000:])

        sink = CountingSink()
        cluster.kill_host("pl-w2")
        first = _panel(members, "doorvoer1")
        rates["e-mails, 1 worker"] = _mail_rate(first, sink, members)
        cluster.start_worker("pl-w2")
        second = _panel(members, "doorvoer2")
        rates["e-mails, 2 workers"] = _mail_rate(second, sink, members)
        rates["e-mails, bare smtplib loop"] = _bare_rate(members)
        print()
        for name, rate in rates.items():
            print(f"{name:32} {rate:8.1f} per second")
        hosts = rates["submits, 2 app hosts"] / rates["submits, 1 app host"]
        workers = rates["e-mails, 2 workers"] / rates["e-mails, 1 worker"]
        bare = rates["e-mails, 1 worker"] / rates["e-mails, bare smtplib loop"]
        print(f"scaling: app hosts {hosts:.2f}, workers {workers:.2f}; one worker to the bare "
              f"loop {bare:.2f}")
        return 0
    finally:
        if sink is not None:
            sink.close()
        cluster.down(quiet=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", choices=["respondents", "invitations", "throughput",
                                             "backup"])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--kill-after", type=int, default=5_000)
    parser.add_argument("--respondents", type=int, default=200)
    parser.add_argument("--kill-at", type=float, default=10.0)
    parser.add_argument("--think", type=float, default=1.0,
                        help="mean seconds on a page before sending it")
    args = parser.parse_args()
    if args.scenario == "respondents":
        return respondents(args.respondents, args.kill_at, args.think)
    if args.scenario == "throughput":
        return throughput(args.seconds, args.members if args.members != 20_000 else 5_000)
    if args.scenario == "backup":
        return backup(args.respondents)
    return invitations(args.members, args.kill_after)


if __name__ == "__main__":
    sys.exit(main())
