"""Benchmark the panel: a 1,000,000-member panel, a stratified sample, 50,000 e-mails.

    .venv/bin/python bench/panel.py [--members 1000000] [--sample 50000] [--send 50000]
                                    [--database sqlite|postgres] [--workers 1]

What it does, on 127.0.0.1 only, in a scratch database (SQLite in a temporary directory, or a
fresh PostgreSQL database ``peiling_bench_panel`` on 127.0.0.1:5432):

1. creates the panel with ``examples/panel-profiel.xlsx`` and inserts ``--members`` members
   whose org_type follows Tabel 4.1 of the example report and whose domain is drawn at random;
2. draws a proportional stratified sample of ``--sample`` on org_type x domain with
   ``peiling.panel.samples.sample_preview`` (the whole preview: the member query, the contact
   rules query, the numpy draw) five times, and reports the best and the median; then commits
   the last draw (one fieldwork invitation per member);
3. starts an SMTP sink (aiosmtpd, in a process of its own), queues the invitations with
   ``invitations_queue`` on the database task backend and runs ``--workers`` worker processes
   (``peiling manage db_worker --batch``) until the queue is empty; e-mails per second are
   measured between the first claim and the last ``sent`` mark, so process start-up does not
   count. Every member must have been sent exactly one message: the sink's count and the
   database must both say ``--send``;
4. sends the same number of messages of the same size to the same sink in a bare loop of
   ``smtplib`` ``sendmail`` calls over one connection: the baseline;
5. prints the figures and their ratio; docs/benchmarks.md records them by hand.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import cpu_model  # bench/machine.py, beside this script

ROOT = Path(__file__).resolve().parents[1]
PROFILE = ROOT / "examples" / "panel-profiel.xlsx"
EXAMPLE = ROOT / "examples" / "digitalisering-overheid.xlsx"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_DATABASE = "peiling_bench_panel"
ORG_SHARES = {"gemeente": 532, "rijk": 168, "provincie_waterschap": 60, "uitvoering": 79,
              "veiligheid": 82, "onderwijs": 234, "zorg_welzijn": 205, "overig": 55}
DOMAINS = ("ict", "dienstverlening", "bedrijfsvoering", "sociaal", "ruimte", "veiligheid",
           "economie", "onderwijs", "bestuur", "anders")


def run_sink() -> None:
    """``--sink``: serve an SMTP sink until stdin closes, then print how many it received."""
    from peiling.panel.sink import MailSink

    with MailSink(keep=False) as sink:
        print(sink.port, flush=True)
        sys.stdin.read()
        print(sink.count, flush=True)


def _setup(database: str, scratch: Path) -> None:
    os.environ["PEILING_VAR_DIR"] = str(scratch)
    os.environ["PEILING_SECURE"] = "0"
    os.environ["PEILING_TASKS"] = "database"
    os.environ["DJANGO_SETTINGS_MODULE"] = "peiling.settings"
    if database == "postgres":
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE}")
            connection.execute(f"CREATE DATABASE {PG_DATABASE}")
        os.environ["DATABASE_URL"] = f"{PG_SERVER}/{PG_DATABASE}"
    else:
        os.environ.pop("DATABASE_URL", None)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)


def _panel_and_fieldwork():
    from django.utils import timezone

    from peiling.fieldwork.services import fieldwork_create
    from peiling.panel.services import panel_create
    from peiling.questionnaires.services import form_version_import

    panel = panel_create(slug="bench", name="Benchpanel", profile_source=PROFILE.read_bytes(),
                         profile_name=PROFILE.name)
    version = form_version_import(source=EXAMPLE.read_bytes(), source_name=EXAMPLE.name).version
    now = timezone.now()
    fieldwork = fieldwork_create(form_version=version, slug="bench", name="Benchmark",
                                 opens_at=now - dt.timedelta(hours=1),
                                 closes_at=now + dt.timedelta(days=30))
    return panel, fieldwork


def _insert_members(panel, n: int, seed: int) -> float:
    import numpy as np
    from django.db import transaction
    from django.utils import timezone

    from peiling.panel.models import Member

    rng = np.random.default_rng(seed)
    shares = np.array(list(ORG_SHARES.values()), dtype=float)
    orgs = rng.choice(list(ORG_SHARES), size=n, p=shares / shares.sum())
    domains = rng.choice(DOMAINS, size=n)
    now, today = timezone.now(), timezone.localdate().isoformat()
    start = time.perf_counter()
    batch = 10_000
    for first in range(0, n, batch):
        members = [
            Member(panel=panel, email=f"lid{i:07d}@example.org", status_changed_at=now,
                   recruitment_source="aselecte steekproef", recruited_on=now.date(),
                   profile={"org_type": str(orgs[i]), "domain": str(domains[i])},
                   profile_updated={"org_type": today, "domain": today})
            for i in range(first, min(first + batch, n))
        ]
        with transaction.atomic():
            Member.objects.bulk_create(members, batch_size=batch)
    return time.perf_counter() - start


def _draw(panel, fieldwork, size: int, repeats: int) -> tuple[list[float], object, dict]:
    from django.utils import timezone

    from peiling.panel import selectors
    from peiling.panel.samples import SampleDesign, sample_preview
    from peiling.panel.sampling import draw_sample

    design = SampleDesign(method="proportional", variables=("org_type", "domain"), size=size,
                          seed=2018)
    times, plan = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        plan = sample_preview(panel=panel, fieldwork=fieldwork, design=design)
        times.append(time.perf_counter() - start)
    # The parts of one preview: the frame (database) and the draw (numpy).
    variables = [v for v in selectors.panel_variables(panel=panel)
                 if v.name in design.variables]
    start = time.perf_counter()
    frame = selectors.sample_frame(panel=panel, fieldwork=fieldwork, variables=variables,
                                   now=timezone.now())
    frame_seconds = time.perf_counter() - start
    import numpy as np

    codes = np.ravel_multi_index(frame.codes, tuple(len(v.choices) for v in variables))
    start = time.perf_counter()
    draw_sample(codes=codes, n_strata=80, method="proportional", seed=2018, size=size)
    parts = {"frame_s": round(frame_seconds, 3),
             "numpy_draw_s": round(time.perf_counter() - start, 3)}
    return times, plan, parts


def _send(fieldwork, workers: int, expected: int) -> dict:
    from django.db.models import Max, Min

    from peiling.panel.mailing import invitations_queue
    from peiling.panel.models import Delivery

    sink = subprocess.Popen([sys.executable, __file__, "--sink"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    port = int(sink.stdout.readline())
    queued = invitations_queue(fieldwork=fieldwork)
    env = {**os.environ, "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port),
           "DEFAULT_FROM_EMAIL": "panel@peiling.example"}
    command = [str(Path(sys.executable).parent / "peiling"), "manage", "db_worker", "--batch",
               "--no-startup-delay", "--no-reload", "--interval", "0.1", "--verbosity", "0"]
    start = time.perf_counter()
    processes = [subprocess.Popen(command, env=env) for _ in range(workers)]
    for process in processes:
        process.wait()
    wall = time.perf_counter() - start
    sink.stdin.close()
    received = int(sink.stdout.readline())
    sink.wait()
    span = Delivery.objects.aggregate(first=Min("claimed_at"), last=Max("sent_at"))
    seconds = (span["last"] - span["first"]).total_seconds()
    sent = Delivery.objects.filter(state="sent").count()
    per_member = Delivery.objects.values("panel_invitation").distinct().count()
    assert received == sent == per_member == expected, (received, sent, per_member, expected)
    return {"tasks": queued.tasks, "workers": workers, "sent": sent, "received": received,
            "seconds": round(seconds, 2), "wall_seconds": round(wall, 2),
            "per_second": round(sent / seconds, 1)}


def _bare_loop(n: int) -> dict:
    """Send ``n`` messages as big as an invitation over one smtplib connection."""
    import socket

    from django.utils import timezone

    from peiling.panel.mail import Letter, message_build

    letter = Letter(to="lid0000001@example.org", name="", language="nl", panel_name="Benchpanel",
                    survey_name="Benchmark", closes_at=timezone.now(),
                    link="http://127.0.0.1:8000/s/" + "x" * 32 + "/",
                    unsubscribe_token="W" * 60, reminder=False)
    content = message_build(letter).message().as_bytes(linesep="\r\n")
    sink = subprocess.Popen([sys.executable, __file__, "--sink"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    port = int(sink.stdout.readline())
    fqdn = socket.getfqdn()
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, local_hostname=fqdn) as smtp:
        for i in range(n):
            smtp.sendmail("panel@peiling.example", [f"lid{i:07d}@example.org"], content)
    seconds = time.perf_counter() - start
    sink.stdin.close()
    received = int(sink.stdout.readline())
    sink.wait()
    assert received == n, (received, n)
    return {"sent": n, "seconds": round(seconds, 2), "per_second": round(n / seconds, 1),
            "message_bytes": len(content)}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=50_000)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sink", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.sink:
        run_sink()
        return 0
    sys.path.insert(0, str(ROOT / "src"))
    with tempfile.TemporaryDirectory(prefix="peiling-bench-panel-") as scratch:
        _setup(args.database, Path(scratch))
        panel, fieldwork = _panel_and_fieldwork()
        insert_seconds = _insert_members(panel, args.members, seed=1)
        print(f"inserted {args.members:,} members in {insert_seconds:.1f} s", flush=True)
        times, plan, parts = _draw(panel, fieldwork, args.sample, args.repeats)
        print(f"stratified sample of {plan.drawn:,} in {min(times):.3f} s (best of "
              f"{args.repeats}; median {statistics.median(times):.3f} s; {parts})", flush=True)
        from peiling.panel.samples import sample_commit

        start = time.perf_counter()
        sample_commit(plan=plan)
        commit_seconds = time.perf_counter() - start
        print(f"committed {plan.drawn:,} invitations in {commit_seconds:.1f} s", flush=True)
        sending = _send(fieldwork, args.workers, plan.drawn)
        print(f"worker sent {sending['sent']:,} e-mails in {sending['seconds']} s: "
              f"{sending['per_second']}/s", flush=True)
        bare = _bare_loop(plan.drawn)
        print(f"bare smtplib loop: {bare['sent']:,} in {bare['seconds']} s: "
              f"{bare['per_second']}/s", flush=True)
    result = {
        "date": dt.date.today().isoformat(), "cpus": os.cpu_count(), "cpu": cpu_model(),
        "python": platform.python_version(), "database": args.database,
        "members": args.members, "insert_seconds": round(insert_seconds, 1),
        "sample": plan.drawn, "draw_best_s": round(min(times), 3),
        "draw_median_s": round(statistics.median(times), 3), **parts,
        "commit_seconds": round(commit_seconds, 1), "worker": sending, "bare": bare,
        "ratio": round(sending["per_second"] / bare["per_second"], 2),
        "load_average": os.getloadavg()[0],
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
