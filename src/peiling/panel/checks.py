"""System checks of the panel (ids ``peiling.E2xx``)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register

#: The values of PEILING_TASKS that settings.py knows.
TASK_BACKENDS = ("database", "immediate", "rq")


@register()
def check_tasks_backend(app_configs, **kwargs):
    """The task backend sends the panel's e-mail; a mistyped PEILING_TASKS must not go
    unnoticed (settings.py then keeps the database backend)."""
    chosen = getattr(settings, "PEILING_TASKS", "database")
    if chosen in TASK_BACKENDS:
        return []
    return [Error(
        f"PEILING_TASKS={chosen!r} is not a task backend peiling knows; it uses 'database'.",
        hint="Set PEILING_TASKS to 'database' (and run a worker: `peiling manage worker`), "
             "'rq' (with PEILING_REDIS_URL; workers: `peiling manage rqworker --worker-class "
             "peiling.jobs.rq.Worker --job-class django_tasks_rq.Job default`) or "
             "'immediate' (demo only).",
        id="peiling.E201",
    )]


@register()
def check_redis_for_rq(app_configs, **kwargs):
    """Several hosts share one queue: ``rq`` must name the Redis they share."""
    if getattr(settings, "PEILING_TASKS", "") != "rq" or settings.PEILING_REDIS_URL:
        return []
    return [Error(
        "PEILING_TASKS=rq needs PEILING_REDIS_URL: the Redis every app host and worker uses.",
        hint="Set PEILING_REDIS_URL, e.g. redis://10.0.0.5:6379/0.",
        id="peiling.E203",
    )]


@register()
def check_retention(app_configs, **kwargs):
    days = getattr(settings, "PEILING_RETENTION_DAYS", 365)
    if not isinstance(days, int) or days < 1:
        return [Error(
            f"PEILING_RETENTION_DAYS must be a whole number of 1 or more (got {days!r}).",
            hint="Set it to the days an unsubscribed or bounced member is kept before erasure.",
            id="peiling.E202",
        )]
    return []
