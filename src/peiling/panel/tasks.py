"""Background work of the panel, run by a worker (``peiling manage worker``).

Thin: each task looks up what it was given and calls one service. Arguments are ids (the
database backend stores them as JSON); results are plain dicts, kept with the task result.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_noop
from django_tasks import task

from peiling.fieldwork.models import Fieldwork
from peiling.jobs.services import JobFailed, Progress, job_handler, resumable
from peiling.panel.joining import signup_mail_send
from peiling.panel.mailing import QueueReport, deliveries_send, reminders_queue_due
from peiling.panel.portal import members_resume_paused
from peiling.panel.services import members_erase_expired

#: How often the retention task runs once it is scheduled.
RETENTION_INTERVAL = dt.timedelta(days=1)


@resumable
@task()
def send_deliveries(panel_invitation_ids: list[int], number: int) -> dict[str, int]:
    """Send e-mail ``number`` (0: the invitation) for these panel invitations."""
    report = deliveries_send(panel_invitation_ids=panel_invitation_ids, number=number)
    return dataclasses.asdict(report)


@resumable
@task()
def send_due_reminders(fieldwork_id: int, force: bool = False) -> dict[str, int]:
    """Queue the reminders of a fieldwork that are due now (``force``: the next one to every
    member who has not completed) as ``send_deliveries`` tasks of ``TASK_SIZE`` e-mails."""
    fieldwork = Fieldwork.objects.filter(pk=fieldwork_id).first()
    report = (QueueReport(messages=0, tasks=0) if fieldwork is None
              else reminders_queue_due(fieldwork=fieldwork, force=force))
    return {"messages": report.messages, "tasks": report.tasks}


@task()
def erase_expired_members(repeat: bool = False) -> int:
    """Erase members unsubscribed or bounced longer than ``PEILING_RETENTION_DAYS`` and make
    members whose pause ended active again; with ``repeat``, queue the same task again a day
    later (a daily schedule)."""
    members_resume_paused()
    erased = members_erase_expired()
    if repeat:
        erase_expired_members.using(run_after=timezone.now() + RETENTION_INTERVAL).enqueue(True)
    return erased


@task()
def queue_invitations(fieldwork_id: int) -> dict[str, int]:
    """Queue the invitations of a fieldwork at the moment the researcher chose (a task run
    later: ``invitations_queue`` then puts the sending on the queue)."""
    from peiling.panel.mailing import invitations_queue

    fieldwork = Fieldwork.objects.filter(pk=fieldwork_id).first()
    if fieldwork is None or timezone.now() >= fieldwork.closes_at:
        return {"messages": 0, "tasks": 0}
    report = invitations_queue(fieldwork=fieldwork)
    return {"messages": report.messages, "tasks": report.tasks}


#: What an import did, as its job page names it.
IMPORT_RESULTS = (("created", gettext_noop("added")), ("updated", gettext_noop("updated")),
                  ("unchanged", gettext_noop("unchanged")), ("refused", gettext_noop("refused")))


#: How many rows of a check its result lists; the counts cover every row.
CHECK_ROWS_KEPT = 500


def _panel_of(job: Any) -> Any:
    from peiling.panel.models import Panel

    panel = Panel.objects.filter(pk=job.payload["panel"]).first()
    if panel is None:
        raise JobFailed("The panel no longer exists.")
    return panel


@job_handler("members_check", keeps_input=True)
def check_members(job: Any, progress: Progress) -> dict[str, Any]:
    """Check a member file (a dry run: nothing stored) and keep it for the import that a
    researcher may confirm next (``web.panels``). Problems with the file as a whole are a
    result too (``problems``): the page lists them."""
    from peiling.panel.errors import MemberFileError
    from peiling.panel.services import members_import

    panel = _panel_of(job)
    progress(0, 1, gettext_noop("Checking the member file"))
    try:
        report = members_import(panel=panel, data=bytes(job.input), name=job.payload["name"],
                                consent_version=job.payload.get("consent_version", ""),
                                dry_run=True)
    except MemberFileError as error:
        return {"problems": list(error.problems)}
    progress(1, 1, gettext_noop("Done"))
    return {
        "actions": {action: report.count(action) for action, _ in IMPORT_RESULTS},
        "total": len(report.rows),
        "rows": [[outcome.row, outcome.action, outcome.reason, list(outcome.changed)]
                 for outcome in report.rows[:CHECK_ROWS_KEPT]],
    }


@job_handler("members_import")
def import_members(job: Any, progress: Progress) -> dict[str, Any]:
    """Import the member file a researcher checked and confirmed (``web.panels``)."""
    from peiling.panel.errors import MemberFileError
    from peiling.panel.services import members_import

    panel = _panel_of(job)
    progress(0, 1, gettext_noop("Importing the member file"))
    try:
        report = members_import(panel=panel, data=bytes(job.input), name=job.payload["name"],
                                consent_version=job.payload.get("consent_version", ""))
    except MemberFileError as error:
        raise JobFailed("; ".join(error.problems)) from None
    progress(1, 1, gettext_noop("Done"))
    return {"counts": [[label, report.count(action)] for action, label in IMPORT_RESULTS]}


@task()
def send_member_mail(member_id: int, mail: str) -> bool:
    """Send the e-mail a sign-up asked for (``peiling.panel.joining.signup_mail_send``)."""
    return signup_mail_send(member_id=member_id, mail=mail)
