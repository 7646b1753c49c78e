"""The worker for ``PEILING_TASKS=rq``: ``peiling manage rqworker --worker-class
peiling.jobs.rq.Worker --job-class django_tasks_rq.Job default``.

rq notices a job whose worker died (``kill -9``, a host gone) when the job's heartbeat has
expired and a worker runs its maintenance; it then fails the job with ``AbandonedJobError``.
This worker does what ``services.tasks_recover`` does for the database queue: a task that is
safe to run again (``services.RESUMABLE``: sending e-mail, which claims each message before it
goes and skips the claimed ones) is queued again, the others stay failed. Its maintenance runs
every half task timeout rather than rq's ten minutes, so the rest of a dead worker's batch goes
out within a few minutes, and nothing is ever sent twice.

Written here, not taken from a library: rq offers ``Retry`` per job, but django-tasks-rq
creates the jobs, and a retry would also repeat tasks that are not safe to run again; the
exception handler is rq's own extension point for exactly this.
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils.module_loading import import_string
from rq.exceptions import AbandonedJobError
from rq.worker import Worker as RQWorker

from peiling.jobs.services import RESUMABLE, task_timeout

__all__ = ["Worker", "requeue_abandoned", "warm_up"]

logger = logging.getLogger(__name__)


def requeue_abandoned(job: Any, exc_type: type[BaseException] | None, exc_value: Any,
                      traceback: Any) -> bool:
    """rq exception handler: queue a resumable task again when its worker died. Return True:
    the handlers after it run too."""
    if exc_type is AbandonedJobError and job.func_name in RESUMABLE:
        import_string(job.func_name).enqueue(*job.args, **job.kwargs)
        logger.warning("task %s (%s) lost its worker; queued again", job.id, job.func_name)
    return True


class Worker(RQWorker):
    """rq's worker, with ``requeue_abandoned`` and maintenance every half task timeout."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        interval = max(1, int(task_timeout().total_seconds() // 2))
        kwargs.setdefault("maintenance_interval", interval)
        # An idle worker waits for work at most worker_ttl - 15 s before it looks at its
        # maintenance again: no longer than the interval (django-rq's command passes 420).
        kwargs["worker_ttl"] = min(kwargs.get("worker_ttl") or interval + 15, interval + 15)
        super().__init__(*args, **kwargs)
        self.push_exc_handler(requeue_abandoned)
        warm_up()


def warm_up() -> None:
    """Load, once in the worker, what every task would otherwise load again in the process
    rq forks for it: the URL configuration (with every view module it imports) and the
    translation catalogues. Without it a batch of 500 invitations spent a second on that.
    Then freeze what is loaded out of the garbage collector's sight, as the ``gc.freeze``
    documentation advises before forking: a task's collections then do not walk (and copy)
    the worker's hundreds of thousands of objects."""
    import gc

    from django.conf import settings
    from django.urls import get_resolver
    from django.utils import translation

    get_resolver().url_patterns  # noqa: B018  (the property imports the URLconf)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            pass
    gc.collect()
    gc.freeze()
