"""Sending invitations and reminders: queueing the work, and the worker's sending loop.

``invitations_queue`` and ``reminders_queue`` put the work on the task queue
(``peiling.panel.tasks``); a worker (``peiling manage worker``) runs ``deliveries_send``.
Each message goes through three steps; the first and the last each commit before anything
further happens:

1. *claim*: insert the ``Delivery`` row (invitation, number) and commit. The unique pair
   means a second worker, a re-run or a retried task cannot claim it again.
2. hand the message to the SMTP server over one connection per batch.
3. *mark sent* once the server accepted it (with its Message-ID), in the transaction that
   claims the next message.

A crash between 1 and 3 leaves the row *claimed*: that member is never sent the message a
second time, and the status command lists it as unconfirmed. Sending at most once is the
rule; a missed e-mail can be sent by hand, a duplicate cannot be taken back.
"""

from __future__ import annotations

import datetime as dt
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.mail import EmailMessage, get_connection
from django.db import connection as database
from django.db import transaction
from django.utils import timezone

from peiling.fieldwork import selectors as fieldwork_selectors
from peiling.fieldwork.models import Fieldwork
from peiling.panel import selectors
from peiling.panel.errors import PanelError
from peiling.panel.mail import (
    Letter,
    LinkUnavailable,
    link_token,
    message_build,
    message_text_problems,
    portal_url,
    unsubscribe_token,
)
from peiling.panel.models import (
    Delivery,
    Member,
    MessageText,
    PanelInvitation,
    ReminderSchedule,
)

__all__ = [
    "QueueReport",
    "SendReport",
    "deliveries_release_unknown",
    "deliveries_retry_failed",
    "deliveries_send",
    "invitations_queue",
    "invitations_schedule",
    "message_preview",
    "message_text_reset",
    "message_text_set",
    "reminder_schedule_set",
    "reminders_queue",
    "reminders_queue_due",
    "reminders_send",
]

BATCH = 500
#: Columns a message does not need; JSON is decoded per row, so leave it in the database.
_UNUSED = ("member__profile", "member__profile_updated", "fieldwork__intro",
           "fieldwork__thank_you", "sample__plan", "sample__variables")
#: Scheduled reminder runs start this long after the day is due, so that invitations sent
#: over the course of a long batch are due too.
REMINDER_MARGIN = dt.timedelta(hours=1)


@dataclass(frozen=True)
class SendReport:
    """What one sending run did: messages accepted by the SMTP server, refused or failed,
    and skipped (already claimed, or the member is no longer active)."""

    sent: int = 0
    failed: int = 0
    skipped: int = 0

    def __add__(self, other: SendReport) -> SendReport:
        return SendReport(self.sent + other.sent, self.failed + other.failed,
                          self.skipped + other.skipped)


@dataclass(frozen=True)
class QueueReport:
    """What was queued: messages, tasks, and the moments scheduled reminder runs start."""

    messages: int
    tasks: int
    reminder_runs: tuple[dt.datetime, ...] = ()


@transaction.atomic
def reminder_schedule_set(*, fieldwork: Fieldwork, days: Sequence[int]) -> ReminderSchedule:
    """Set after how many days (since each invitation) reminders go out, e.g. ``[4, 8]``."""
    if any(not isinstance(d, int) or d < 1 for d in days) or list(days) != sorted(set(days)):
        raise PanelError(f"reminder days must be whole numbers of 1 or more, rising "
                         f"(got {', '.join(map(str, days))})")
    schedule, _ = ReminderSchedule.objects.update_or_create(fieldwork=fieldwork,
                                                            defaults={"days": list(days)})
    return schedule


def invitations_queue(*, fieldwork: Fieldwork, now: dt.datetime | None = None) -> QueueReport:
    """Queue the e-mail of every invitation of ``fieldwork`` not yet attempted (in tasks of
    ``BATCH``), and schedule the reminder runs when the task backend can defer tasks."""
    from peiling.panel import tasks

    now = now or timezone.now()
    if now >= fieldwork.closes_at:
        raise PanelError(f"fieldwork {fieldwork.slug!r} has closed; invitations are no "
                         f"longer sent")
    ids = selectors.invitations_unsent(fieldwork=fieldwork)
    chunks = [ids[start:start + BATCH] for start in range(0, len(ids), BATCH)]
    for chunk in chunks:
        tasks.send_deliveries.enqueue(chunk, 0)
    runs: list[dt.datetime] = []
    if ids and tasks.send_due_reminders.get_backend().supports_defer:
        for days in selectors.reminder_days(fieldwork=fieldwork):
            run_after = now + dt.timedelta(days=days) + REMINDER_MARGIN
            if run_after < fieldwork.closes_at:
                tasks.send_due_reminders.using(run_after=run_after).enqueue(fieldwork.pk)
                runs.append(run_after)
    return QueueReport(messages=len(ids), tasks=len(chunks), reminder_runs=tuple(runs))


def invitations_schedule(*, fieldwork: Fieldwork, at: dt.datetime,
                         now: dt.datetime | None = None) -> None:
    """Send the invitations of ``fieldwork`` at ``at`` (a task run then); raise PanelError
    when the moment is past, after closing, or the task backend cannot run tasks later."""
    from peiling.panel import tasks

    now = now or timezone.now()
    if at <= now:
        raise PanelError("choose a moment in the future to send the invitations")
    if at >= fieldwork.closes_at:
        raise PanelError(f"fieldwork {fieldwork.slug!r} closes before that moment")
    if not tasks.queue_invitations.get_backend().supports_defer:
        raise PanelError("this installation runs tasks at once (PEILING_TASKS=immediate); "
                         "send now, or run a worker with the database task backend")
    tasks.queue_invitations.using(run_after=at).enqueue(fieldwork.pk)


def message_text_set(*, fieldwork: Fieldwork, kind: str, language: str, subject: str,
                     body: str, user=None) -> MessageText:
    """Store the fieldwork's own wording of a message in ``language``; raise PanelError with
    every problem (unknown placeholder, no {link} or {afmelden}, empty, too long)."""
    problems = message_text_problems(subject, body)
    if kind not in MessageText.Kind.values:
        problems.append(f"kind must be one of {MessageText.Kind.values!r} (got {kind!r})")
    if problems:
        raise PanelError(problems)
    text, _created = MessageText.objects.update_or_create(
        fieldwork=fieldwork, kind=kind, language=language,
        defaults={"subject": " ".join(subject.split()), "body": body.replace("\r\n", "\n"),
                  "updated_by": user if getattr(user, "is_authenticated", False) else None})
    return text


def message_text_reset(*, fieldwork: Fieldwork, kind: str, language: str) -> None:
    """Go back to the standard wording of the message in ``language``."""
    MessageText.objects.filter(fieldwork=fieldwork, kind=kind, language=language).delete()


def message_preview(*, fieldwork: Fieldwork, kind: str, language: str, subject: str,
                    body: str, to: str, name: str = "", panel_name: str = "") -> EmailMessage:
    """Build the message as a member would get it, for an example member (preview and test
    send): links point at the questionnaire preview and nowhere personal."""
    from django.conf import settings as django_settings
    from django.urls import reverse

    letter = Letter(
        to=to, name=name, language=language, panel_name=panel_name or "Panel",
        survey_name=fieldwork.name, closes_at=fieldwork.closes_at,
        link=django_settings.PEILING_BASE_URL + reverse(
            "fieldwork:preview", args=[fieldwork.form_version_id]),
        unsubscribe_token="voorbeeld",  # noqa: S106  (a placeholder, not a secret)
        reminder=kind == MessageText.Kind.REMINDER,
        subject_text=subject, body_text=body)
    return message_build(letter)


def reminders_queue(*, fieldwork: Fieldwork, force: bool = False) -> QueueReport:
    """Queue a reminder run now: the reminders that are due (``force``: the next reminder
    to everyone who has not completed, whatever the schedule)."""
    from peiling.panel import tasks

    tasks.send_due_reminders.enqueue(fieldwork.pk, force)
    return QueueReport(messages=0, tasks=1)


def reminders_queue_due(*, fieldwork: Fieldwork, force: bool = False,
                        now: dt.datetime | None = None) -> QueueReport:
    """Queue the reminders due at ``now`` as sending tasks of ``BATCH`` (only while the
    fieldwork is open): each task is short, and queueing again sends nobody anything twice
    (the e-mails are claimed per member and number), so a worker's death costs nothing."""
    from peiling.panel import tasks

    now = now or timezone.now()
    if fieldwork_selectors.fieldwork_window(fieldwork=fieldwork, now=now) != "open":
        return QueueReport(messages=0, tasks=0)
    messages = queued = 0
    for number, ids in selectors.reminders_due(fieldwork=fieldwork, now=now,
                                               force=force).items():
        for start in range(0, len(ids), BATCH):
            tasks.send_deliveries.enqueue(list(ids[start:start + BATCH]), number)
            queued += 1
        messages += len(ids)
    return QueueReport(messages=messages, tasks=queued)


def reminders_send(*, fieldwork: Fieldwork, force: bool = False, now: dt.datetime | None = None,
                   connection=None) -> SendReport:
    """Send the reminders due at ``now`` (only while the fieldwork is open)."""
    now = now or timezone.now()
    if fieldwork_selectors.fieldwork_window(fieldwork=fieldwork, now=now) != "open":
        return SendReport()
    report = SendReport()
    for number, ids in selectors.reminders_due(fieldwork=fieldwork, now=now,
                                               force=force).items():
        report += deliveries_send(panel_invitation_ids=ids, number=number, now=now,
                                  connection=connection)
    return report


def deliveries_send(*, panel_invitation_ids: Sequence[int], number: int,
                    now: dt.datetime | None = None, connection=None) -> SendReport:
    """Send e-mail ``number`` (0: invitation) for these invitations: claim, send, mark.

    Must run outside a transaction: every claim commits on its own before its message goes
    out. To spend one transaction per message, the mark of one message and the claim of the
    next share it. An SMTP server that refuses a recipient marks the e-mail failed and the
    member bounced; any other SMTP or network error marks the e-mail failed and stops the run
    (raised), leaving the rest for the next run.
    """
    if transaction.get_connection().in_atomic_block:
        raise RuntimeError("deliveries_send must run outside a transaction: every claim "
                           "commits on its own, so a crash cannot send anyone twice")
    now = now or timezone.now()
    sent = failed = skipped = 0
    accepted: tuple[int, str] | None = None  # (delivery, Message-ID) sent, not yet marked
    connection = connection or get_connection()
    with connection:
        for start in range(0, len(panel_invitation_ids), BATCH):
            chunk = list(panel_invitation_ids[start:start + BATCH])
            items = (PanelInvitation.objects.filter(pk__in=chunk)
                     .select_related("member", "fieldwork", "sample__panel", "invitation")
                     .defer(*_UNUSED).order_by("pk"))
            texts = _texts(chunk, number)
            for item in items:
                delivery = _mark_and_claim(accepted, item, number, now)
                accepted = None
                if delivery is None:
                    skipped += 1
                    continue
                try:
                    letter = _letter(item, number, texts.get(
                        (item.fieldwork_id, item.member.language if item.member else "")))
                except LinkUnavailable:
                    _fail(delivery, "the personal link cannot be rebuilt: SECRET_KEY changed "
                                    "and the old key is not in SECRET_KEY_FALLBACKS")
                    failed += 1
                    continue
                message = message_build(letter, connection=connection)
                try:
                    delivered = connection.send_messages([message])
                except smtplib.SMTPRecipientsRefused as error:
                    _refused(delivery, item, error, now)
                    failed += 1
                    continue
                except (smtplib.SMTPException, OSError) as error:
                    _fail(delivery, f"{type(error).__name__}: {error}")
                    raise
                if not delivered:
                    _fail(delivery, "the mail backend sent nothing")
                    failed += 1
                    continue
                accepted = (delivery, message.extra_headers["Message-ID"])
                sent += 1
        _mark_and_claim(accepted, None, number, now)
    return SendReport(sent, failed, skipped)


@transaction.atomic
def _mark_and_claim(accepted: tuple[int, str] | None, item: PanelInvitation | None,
                    number: int, now: dt.datetime) -> int | None:
    """Mark the message the SMTP server accepted as sent, then claim e-mail ``number`` of
    ``item``: return the claim's id, or ``None`` when it was claimed before or the member is
    no longer active."""
    if accepted is not None:
        _mark_sent(*accepted)
    if item is None:
        return None
    # One statement checks the member and inserts the claim; the unique (invitation, number)
    # pair turns a second claim into no row. Three round trips per message instead of seven
    # keep a worker at hundreds of messages a second on PostgreSQL.
    with database.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Delivery._meta.db_table} "  # noqa: S608  (table names, not input)
            f"(panel_invitation_id, number, state, claimed_at, message_id, error) "
            f"SELECT %s, %s, %s, %s, '', '' WHERE EXISTS (SELECT 1 FROM "
            f"{Member._meta.db_table} WHERE id = %s AND status = %s) "
            f"ON CONFLICT (panel_invitation_id, number) DO NOTHING RETURNING id",
            [item.pk, number, Delivery.State.CLAIMED.value,
             database.ops.adapt_datetimefield_value(now), item.member_id,
             Member.Status.ACTIVE.value],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _texts(panel_invitation_ids: Sequence[int], number: int) -> dict[tuple[int, str],
                                                                      tuple[str, str]]:
    """The fieldworks' own wordings of message ``number``: (fieldwork, language) -> (subject,
    body); one query per batch."""
    kind = MessageText.Kind.INVITATION if number == 0 else MessageText.Kind.REMINDER
    fieldworks = PanelInvitation.objects.filter(pk__in=panel_invitation_ids).values(
        "fieldwork_id")
    rows = MessageText.objects.filter(fieldwork_id__in=fieldworks, kind=kind).values_list(
        "fieldwork_id", "language", "subject", "body")
    return {(fieldwork, language): (subject, body)
            for fieldwork, language, subject, body in rows}


def _letter(item: PanelInvitation, number: int,
            text: tuple[str, str] | None = None) -> Letter:
    member = item.member
    assert member is not None and member.email is not None
    token = link_token(nonce=item.link_nonce, token_hash=item.invitation.token_hash)
    return Letter(
        to=member.email, name=member.name, language=member.language,
        panel_name=item.sample.panel.name, survey_name=item.fieldwork.name,
        closes_at=item.fieldwork.closes_at,
        link=fieldwork_selectors.invitation_url(token=token),
        unsubscribe_token=unsubscribe_token(member_id=member.pk, panel_invitation_id=item.pk),
        reminder=number > 0,
        subject_text=text[0] if text else "", body_text=text[1] if text else "",
        portal=portal_url(item.sample.panel.slug),
    )


def _mark_sent(delivery_id: int, message_id: str) -> None:
    Delivery.objects.filter(pk=delivery_id).update(state=Delivery.State.SENT,
                                                   sent_at=timezone.now(),
                                                   message_id=message_id[:255])


@transaction.atomic
def _fail(delivery: int, error: str) -> None:
    Delivery.objects.filter(pk=delivery).update(state=Delivery.State.FAILED, error=error)


@transaction.atomic
def _refused(delivery: int, item: PanelInvitation, error: smtplib.SMTPRecipientsRefused,
             now: dt.datetime) -> None:
    detail = "; ".join(f"{code} {_text(reply)}" for code, reply in error.recipients.values())
    _fail(delivery, f"refused by the SMTP server: {detail}")
    if any(code >= 500 for code, _ in error.recipients.values()):
        Member.objects.filter(pk=item.member_id, status=Member.Status.ACTIVE).update(
            status=Member.Status.BOUNCED, status_changed_at=now)
        PanelInvitation.objects.filter(pk=item.pk).update(bounced_at=now)


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


@transaction.atomic
def deliveries_retry_failed(*, fieldwork: Fieldwork) -> int:
    """Release the failed e-mails of ``fieldwork`` that did not bounce, so the next run
    sends them again; return how many. Unconfirmed (claimed) ones stay: they may have gone
    out."""
    deleted, _ = (Delivery.objects.filter(panel_invitation__fieldwork=fieldwork,
                                          state=Delivery.State.FAILED,
                                          panel_invitation__bounced_at__isnull=True)
                  .delete())
    return deleted


@transaction.atomic
def deliveries_release_unknown(*, fieldwork: Fieldwork, now: dt.datetime | None = None) -> int:
    """Release the e-mails of ``fieldwork`` whose sending nobody confirmed (claimed longer
    than ``PEILING_TASK_TIMEOUT`` ago: the worker died in between), so the next run sends
    them; return how many. Only a person decides this, after checking the mail server's log:
    a message that did go out will then be sent twice."""
    from peiling.jobs.services import task_timeout

    cutoff = (now or timezone.now()) - task_timeout()
    deleted, _ = Delivery.objects.filter(panel_invitation__fieldwork=fieldwork,
                                         state=Delivery.State.CLAIMED,
                                         claimed_at__lt=cutoff).delete()
    return deleted
