"""``peiling manage worker``: the database task worker (django-tasks' ``db_worker``, with
the same options) that also recovers the work of workers that died.

At start it recovers once, and queues ``recover_stalled_tasks`` unless one is waiting, so
that recovery keeps running every minute on whichever worker is alive.
"""

from __future__ import annotations

from django_tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker

from peiling.jobs.services import tasks_recover
from peiling.jobs.tasks import recover_stalled_tasks


class Command(DatabaseWorker):
    help = "Run the task queue, and recover the tasks of workers that died."

    def handle(self, *args, **options):
        from django_tasks_db.models import DBTaskResult

        report = tasks_recover()
        if report.failed:
            self.stderr.write(f"recovered {report.failed} stalled tasks "
                              f"({report.resumed} queued again)")
        waiting = DBTaskResult.objects.filter(task_path=recover_stalled_tasks.module_path,
                                              status=TaskResultStatus.READY)
        if not waiting.exists():
            recover_stalled_tasks.enqueue(True)
        return super().handle(*args, **options)
