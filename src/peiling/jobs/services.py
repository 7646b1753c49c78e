"""Jobs a researcher starts (their progress and result), and recovering background work
whose worker died.

**Jobs.** ``job_start`` stores a ``Job`` and queues ``tasks.run_job``; the worker calls the
kind's handler (registered with ``job_handler``) with a ``progress(done, total, step)``
callable that writes to the row. A handler returns the result (a dict; or a file: name,
media type and bytes) or raises ``JobFailed`` with a message for the researcher. Anything
else it raises fails the job with a general message (logged in full).

**Recovery** of background work whose worker died (kill -9, a crash, a lost machine).

django-tasks' database backend marks a task RUNNING when a worker takes it and records no
heartbeat, so a task whose worker died stays RUNNING for ever and the rest of its work is
never done. Recovery, written here because the backend has none:

- a task RUNNING for longer than ``PEILING_TASK_TIMEOUT`` seconds is marked FAILED, with
  ``WorkerLost`` as its error;
- a task registered as ``resumable`` is queued again with the same arguments. Only tasks
  that claim each piece of work before doing it may be: the new run skips what the dead one
  claimed (an e-mail left *claimed* stays unconfirmed, "onbekend", until a person releases
  it) and does what it never reached.

There is no heartbeat, so a task still running after the timeout counts as dead: tasks must
stay well within it (sending e-mail: ``BATCH`` of 500 per task, seconds; a reminder run only
queues such batches). Queued again while the first still runs, the claims still send nobody
an e-mail twice.

``recover_stalled_tasks`` (``tasks.py``) runs this every ``RECOVERY_INTERVAL`` on a worker
started with ``peiling manage worker``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus

logger = logging.getLogger(__name__)

__all__ = [
    "JobFailed",
    "JobFile",
    "RecoveryReport",
    "WorkerLost",
    "job_handler",
    "job_input_take",
    "job_inputs_expire",
    "job_run",
    "job_start",
    "resumable",
    "task_timeout",
    "tasks_recover",
]

#: Task paths (``module.function``) that may be queued again after their worker died.
RESUMABLE: set[str] = set()
T = TypeVar("T")


class WorkerLost(Exception):
    """The worker running a task stopped before the task finished."""


@dataclasses.dataclass(frozen=True)
class RecoveryReport:
    failed: int = 0
    resumed: int = 0


def resumable(task: T) -> T:
    """Register ``task`` (a django-tasks Task) as safe to queue again after its worker died."""
    RESUMABLE.add(task.module_path)  # type: ignore[attr-defined]
    return task


def task_timeout() -> dt.timedelta:
    """Return how long a task may run before its worker counts as dead."""
    return dt.timedelta(seconds=settings.PEILING_TASK_TIMEOUT)


def tasks_recover(*, now: dt.datetime | None = None,
                  timeout: dt.timedelta | None = None) -> RecoveryReport:
    """Mark the tasks RUNNING for longer than ``timeout`` failed, and queue the resumable ones
    again (see the module docstring); return how many of each."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    timeout = timeout or task_timeout()
    failed = resumed = 0
    with transaction.atomic():
        stalled = list(DBTaskResult.objects.select_for_update(skip_locked=True).filter(
            status=TaskResultStatus.RUNNING, started_at__lt=now - timeout))
        for result in stalled:
            result.status = TaskResultStatus.FAILED
            result.finished_at = now
            result.exception_class_path = f"{WorkerLost.__module__}.{WorkerLost.__qualname__}"
            result.traceback = (
                f"WorkerLost: worker {', '.join(result.worker_ids) or '?'} stopped while "
                f"running this task (started {result.started_at:%Y-%m-%d %H:%M:%S}, no end "
                f"after {timeout}); "
                + ("queued again" if result.task_path in RESUMABLE else "not queued again"))
            result.save(update_fields=["status", "finished_at", "exception_class_path",
                                       "traceback"])
            failed += 1
            if result.task_path in RESUMABLE:
                _enqueue(result.task.enqueue, result.args_kwargs)
                resumed += 1
            logger.warning("task %s (%s) lost its worker; %s", result.pk, result.task_path,
                           "queued again" if result.task_path in RESUMABLE else "failed")
    from peiling.jobs.models import Job

    # A researcher's job whose worker died shows as failed on its page, not running for ever.
    Job.objects.filter(status=Job.Status.RUNNING, updated_at__lt=now - timeout).update(
        status=Job.Status.FAILED, finished_at=now,
        error="The worker running this job stopped; start it again.")
    return RecoveryReport(failed, resumed)


def _enqueue(enqueue: Callable[..., Any], args_kwargs: dict[str, Any]) -> None:
    enqueue(*args_kwargs.get("args", ()), **args_kwargs.get("kwargs", {}))


# -- jobs a researcher starts ---------------------------------------------------------------


class JobFailed(Exception):
    """The job cannot be done; the message says why, for the researcher."""


@dataclasses.dataclass(frozen=True)
class JobFile:
    """A job's result as a file to download."""

    name: str
    media_type: str
    data: bytes
    result: dict[str, Any] = dataclasses.field(default_factory=dict)


Progress = Callable[[int, int, str], None]
Handler = Callable[[Any, Progress], "dict[str, Any] | JobFile"]
JOB_HANDLERS: dict[str, Handler] = {}
#: Kinds whose input file stays after a successful run, for a job that follows (an import
#: of the member file a check looked at); ``job_inputs_expire`` drops what nobody used.
KEEPS_INPUT: set[str] = set()
#: How long a kept input file waits for the job that follows.
KEPT_INPUT_FOR = dt.timedelta(days=1)


def job_handler(kind: str, *, keeps_input: bool = False) -> Callable[[Handler], Handler]:
    """Register the function that does jobs of ``kind``; ``keeps_input``: the input file is
    kept after a successful run (otherwise it is dropped when the job ends)."""

    def register(function: Handler) -> Handler:
        JOB_HANDLERS[kind] = function
        if keeps_input:
            KEEPS_INPUT.add(kind)
        return function

    return register


def job_input_take(*, job: Any) -> bytes | None:
    """Return the kept input file of a finished ``job`` and drop it from the job, once: a
    second call (or one racing it) gets None."""
    from peiling.jobs.models import Job

    with transaction.atomic():
        data = (Job.objects.select_for_update().filter(
            pk=job.pk, status=Job.Status.DONE, input__isnull=False)
            .values_list("input", flat=True).first())
        if data is None:
            return None
        Job.objects.filter(pk=job.pk).update(input=None)
    return bytes(data)


def job_inputs_expire(*, now: dt.datetime | None = None) -> int:
    """Drop the kept input files of jobs finished more than ``KEPT_INPUT_FOR`` ago (member
    files with contact data are not kept longer than the follow-up needs); return how many."""
    from peiling.jobs.models import Job

    now = now or timezone.now()
    return Job.objects.filter(input__isnull=False, finished_at__lt=now - KEPT_INPUT_FOR).update(
        input=None)


def job_start(*, kind: str, organisation: Any, user: Any, action: str, title: str,
              payload: dict[str, Any] | None = None, data: bytes | None = None,
              back_url: str = "") -> Any:
    """Store a job and queue its run; return the job (its page shows the progress)."""
    from peiling.jobs import tasks
    from peiling.jobs.models import Job

    if kind not in JOB_HANDLERS:
        raise ValueError(f"kind must be one of {sorted(JOB_HANDLERS)!r} (got {kind!r})")
    job = Job.objects.create(
        organisation=organisation, kind=kind, action=action, title=title[:300],
        created_by=user if getattr(user, "is_authenticated", False) else None,
        payload=payload or {}, input=data, back_url=back_url[:500])
    # Queued once the job row is committed: a worker must find it.
    transaction.on_commit(lambda: tasks.run_job.enqueue(job.pk))
    return job


def job_run(*, job_id: int) -> None:
    """Do the job (the worker's side): running, progress, then done or failed."""
    from peiling.jobs.models import Job

    job = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).first()
    if job is None:  # unknown, or taken by another run already
        return
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, updated_at=timezone.now())

    def progress(done: int, total: int, step: str) -> None:
        Job.objects.filter(pk=job.pk).update(done=done, total=total, step=step[:300],
                                             updated_at=timezone.now())

    changes: dict[str, Any] = {"status": Job.Status.DONE}
    if job.kind not in KEEPS_INPUT:
        changes["input"] = None
    try:
        outcome = JOB_HANDLERS[job.kind](job, progress)
    except JobFailed as error:
        changes.update(status=Job.Status.FAILED, error=str(error), input=None)
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        changes.update(status=Job.Status.FAILED, input=None,
                       error="An unexpected error stopped the job; it is in the server log.")
    else:
        if isinstance(outcome, JobFile):
            changes.update(output=outcome.data, output_name=outcome.name,
                           output_type=outcome.media_type, result=outcome.result)
        else:
            changes.update(result=outcome)
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(finished_at=now, updated_at=now, **changes)
