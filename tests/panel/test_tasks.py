"""Background tasks: the retention task erases and re-queues itself daily; system checks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.checks import run_checks
from django.utils import timezone

from peiling.panel.models import Member
from peiling.panel.tasks import RETENTION_INTERVAL, erase_expired_members

pytestmark = pytest.mark.django_db


def test_retention_task_erases_and_schedules_the_next_run(settings, add_member) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.PEILING_RETENTION_DAYS = 10
    gone = add_member(status=Member.Status.BOUNCED)
    Member.objects.filter(pk=gone.pk).update(
        status_changed_at=timezone.now() - dt.timedelta(days=11))
    before = timezone.now()
    assert erase_expired_members.call(True) == 1
    assert Member.objects.get(pk=gone.pk).status == "erased"
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "peiling.panel.tasks.erase_expired_members"
    assert queued.args_kwargs == {"args": [True], "kwargs": {}}
    assert before + RETENTION_INTERVAL <= queued.run_after <= timezone.now() + RETENTION_INTERVAL


def test_a_wrong_task_backend_is_a_system_check_error(settings) -> None:
    settings.PEILING_TASKS = "rabbit"
    errors = [e for e in run_checks() if e.id == "peiling.E201"]
    assert [e.msg for e in errors] == [
        "PEILING_TASKS='rabbit' is not a task backend peiling knows; it uses 'database'."]


def test_an_rq_queue_without_redis_is_a_system_check_error(settings) -> None:
    settings.PEILING_TASKS, settings.PEILING_REDIS_URL = "rq", ""
    assert [e.id for e in run_checks() if e.id.startswith("peiling.E2")] == ["peiling.E203"]
    settings.PEILING_REDIS_URL = "redis://127.0.0.1:6379/0"
    assert [e.id for e in run_checks() if e.id.startswith("peiling.E2")] == []


def test_a_wrong_retention_is_a_system_check_error(settings) -> None:
    settings.PEILING_RETENTION_DAYS = 0
    assert [e.id for e in run_checks() if e.id.startswith("peiling.E2")] == ["peiling.E202"]
