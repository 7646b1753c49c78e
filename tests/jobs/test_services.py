"""A worker killed while sending invitations: its task is marked failed after the timeout,
the invitations it never reached are sent by the next worker, the one it left claimed is
reported as 'onbekend' until a person releases it, and nobody gets a message twice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from peiling.cli import main
from peiling.jobs import services
from peiling.panel import mailing, selectors
from peiling.panel.models import Delivery, PanelInvitation
from peiling.panel.tasks import erase_expired_members
from tests.panel.helpers import invite_all

pytestmark = pytest.mark.django_db
LONG_AGO = dt.timedelta(minutes=20)


def _recipients(sink) -> list[str]:
    return sorted(address for message in sink.messages for address in message.rcpt_tos)


def _kill_mid_batch(ids: list[int]) -> DBTaskResult:
    """Do what a worker killed with -9 leaves: its task RUNNING, the first two e-mails sent
    and confirmed, the third claimed (handed to the server or not: nobody knows)."""
    result = DBTaskResult.objects.get(task_path="peiling.panel.tasks.send_deliveries")
    result.claim("worker-killed")
    DBTaskResult.objects.filter(pk=result.pk).update(started_at=timezone.now() - LONG_AGO)
    mailing.deliveries_send(panel_invitation_ids=ids[:2], number=0)
    Delivery.objects.create(panel_invitation_id=ids[2], number=0, state="claimed",
                            claimed_at=timezone.now() - LONG_AGO)
    return result


@pytest.mark.django_db(transaction=True)
def test_the_next_worker_sends_what_the_dead_one_never_claimed(sink, settings, panel,
                                                               fieldwork, add_member,
                                                               capsys) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    for n in range(5):
        add_member(f"lid{n}@example.org", org_type="rijk")
    invite_all(panel, fieldwork)
    assert mailing.invitations_queue(fieldwork=fieldwork).tasks == 1
    ids = list(PanelInvitation.objects.order_by("pk").values_list("pk", flat=True))
    dead = _kill_mid_batch(ids)
    assert _recipients(sink) == ["lid0@example.org", "lid1@example.org"]

    call_command("worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    dead.refresh_from_db()
    assert dead.status == "FAILED" and dead.exception_class_path.endswith("WorkerLost")
    assert "worker-killed stopped while running this task" in dead.traceback
    assert _recipients(sink) == ["lid0@example.org", "lid1@example.org",  # once each
                                 "lid3@example.org", "lid4@example.org"]
    assert selectors.deliveries_summary(fieldwork=fieldwork) == {
        (0, "sent"): 4, (0, selectors.UNKNOWN): 1}
    assert main(["invite", "status", fieldwork.slug]) == 0
    status = capsys.readouterr().out
    assert "invitation: onbekend (unknown) 1" in status and "invite release" in status

    assert main(["invite", "send", fieldwork.slug]) == 0  # a re-run does not touch it
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert len(sink.messages) == 4
    assert main(["invite", "release", fieldwork.slug]) == 0  # a person decides
    assert main(["invite", "send", fieldwork.slug]) == 0
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert _recipients(sink).count("lid2@example.org") == 1 and len(sink.messages) == 5


def test_only_tasks_past_the_timeout_are_recovered_and_only_resumable_ones_requeued(
        settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.PEILING_TASK_TIMEOUT = 600
    erase_expired_members.enqueue()
    stalled = DBTaskResult.objects.get()
    stalled.claim("gone")
    now = timezone.now()
    assert services.tasks_recover(now=now + dt.timedelta(seconds=590)) == \
        services.RecoveryReport(0, 0)  # still within the timeout: it may be working
    assert services.tasks_recover(now=now + dt.timedelta(seconds=610)) == \
        services.RecoveryReport(failed=1, resumed=0)  # retention is not resumable
    assert DBTaskResult.objects.get().status == "FAILED"
    assert "not queued again" in DBTaskResult.objects.get().traceback


@pytest.mark.django_db(transaction=True)  # the worker closes connections, as in production
def test_the_worker_keeps_one_recovery_run_queued(settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    for _ in range(2):
        call_command("worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    waiting = DBTaskResult.objects.filter(task_path="peiling.jobs.tasks.recover_stalled_tasks",
                                          status="READY")
    assert waiting.count() == 1
    assert waiting.get().run_after > timezone.now()


@pytest.mark.django_db(transaction=True)
def test_recovery_runs_do_not_pile_up(settings) -> None:
    from peiling.jobs.tasks import recover_stalled_tasks

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    recover_stalled_tasks.enqueue(True)
    recover_stalled_tasks.enqueue(True)  # a second worker started at the same moment
    DBTaskResult.objects.update(run_after=timezone.now() - dt.timedelta(seconds=1))
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    runs = DBTaskResult.objects.filter(task_path="peiling.jobs.tasks.recover_stalled_tasks")
    assert runs.filter(status="READY").count() == 1
    runs.filter(status="SUCCESSFUL").update(finished_at=timezone.now() - dt.timedelta(days=2))
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert runs.filter(status="SUCCESSFUL").count() == 1  # the older ones went


def test_a_worker_knows_the_resumable_tasks_before_it_runs_any(tmp_path) -> None:
    """``peiling manage worker`` recovers at start, before any task module was imported by
    running a task: the panel's sending tasks must be registered by then."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = ("import django; django.setup(); from peiling.jobs.services import RESUMABLE; "
            "print(sorted(RESUMABLE))")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "peiling.settings",
           "PEILING_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, cwd=Path(__file__).resolve().parents[2], check=True)
    assert result.stdout.strip() == str(["peiling.panel.tasks.send_deliveries",
                                         "peiling.panel.tasks.send_due_reminders"])
