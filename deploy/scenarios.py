"""Failure scenarios on the cluster of ``deploy/cluster.py`` (issue 24).

    .venv/bin/python deploy/scenarios.py invitations [--members 20000] [--kill-after 5000]

``invitations``: builds the cluster, a panel of ``--members`` members, a fieldwork and a
sample of all of them; queues the invitations (``panel.mailing.invitations_queue``: tasks of
500 e-mails on Redis) for the two workers, which send them to an SMTP sink on this side of the
bridge (10.77.0.1:2525, aiosmtpd, every message kept). When the sink has ``--kill-after``
messages, one worker is killed with ``kill -9`` (its whole process group) and started again.
When the queue is empty and nothing has been sent for 10 s: every member's messages are counted
at the sink (none may have two) and in the database per state: sent, failed, claimed but never
confirmed (what the killed worker was sending: *onbekend* once ``PEILING_TASK_TIMEOUT`` has
passed) and never attempted (the rest of the killed worker's batch); the four must add up to
``--members``. Then the cluster is taken down. Prints the counts and e-mails per second.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cluster  # the harness next to this file

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def _django() -> None:
    """Set this process up as one more host of the cluster (from this side of the bridge)."""
    os.environ.update(cluster.environment("driver"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "peiling.settings"
    import django

    django.setup()


def _panel(members: int):
    from django.db import transaction
    from django.utils import timezone

    from peiling.fieldwork.services import fieldwork_create
    from peiling.panel.models import Member
    from peiling.panel.samples import SampleDesign, sample_commit, sample_preview
    from peiling.panel.services import panel_create
    from peiling.questionnaires.services import form_version_import

    panel = panel_create(slug="cluster", name="Clusterpanel",
                         profile_source=(EXAMPLES / "panel-profiel.xlsx").read_bytes(),
                         profile_name="panel-profiel.xlsx")
    version = form_version_import(
        source=(EXAMPLES / "digitalisering-overheid.xlsx").read_bytes()).version
    now = timezone.now()
    fieldwork = fieldwork_create(form_version=version, slug="cluster", name="Cluster",
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
                    cluster.kill("pl-w1")
                    print(f"kill -9 of worker pl-w1 at {count} messages", flush=True)
                    time.sleep(2)
                    cluster.start_worker("pl-w1")
                    killed = True
                if count != last:
                    last, still = count, time.monotonic()
                elif time.monotonic() - still > 10:
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", choices=["invitations"])
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--kill-after", type=int, default=5_000)
    args = parser.parse_args()
    return invitations(args.members, args.kill_after)


if __name__ == "__main__":
    sys.exit(main())
