"""Sending invitations and reminders: queueing the work, and the worker's sending loop.

``invitations_queue`` and ``reminders_queue`` put the work on the task queue
(``peiling.panel.tasks``); a worker (``peiling manage worker``) runs ``deliveries_send``.
Each message goes through three steps; the first and the last each commit before anything
further happens:

1. *claim*: insert the ``Delivery`` rows (invitation, number) of the next ``CLAIM``
   messages and commit. The unique pair means a second worker, a re-run or a retried task
   cannot claim them again.
2. hand the messages to the SMTP server, one by one, over one connection per run.
3. *mark sent* those the server accepted (with their Message-IDs), in the transaction that
   claims the next ones.

A crash between 1 and 3 leaves rows *claimed*, at most ``CLAIM`` per worker: those members
are never sent the message a second time, and the fieldwork page shows them as "onbekend"
until a person releases them. Sending at most once is the rule; a missed e-mail can be sent
by hand, a duplicate cannot be taken back.
"""

from __future__ import annotations

import datetime as dt
import smtplib
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.core.mail import EmailMessage
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
from peiling.panel.outbox import Outbox

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

#: E-mails per sending task. rq runs each task in a process forked for it, which costs about
#: a tenth of a second of warming up; a dead worker's task is queued again whole (the claimed
#: messages in it are skipped).
TASK_SIZE = 2_000
#: Invitations read from the database at a time while sending.
BATCH = 500
#: E-mails claimed in one transaction before the first of them is sent. A worker killed
#: mid-run leaves at most this many claimed but unconfirmed ("onbekend"); one transaction
#: per message instead would cost a commit per message and half the worker's speed.
CLAIM = 20
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
    ``TASK_SIZE``), and schedule the reminder runs when the task backend can defer tasks."""
    from peiling.panel import tasks

    now = now or timezone.now()
    if now >= fieldwork.closes_at:
        raise PanelError(f"fieldwork {fieldwork.slug!r} has closed; invitations are no "
                         f"longer sent")
    ids = selectors.invitations_unsent(fieldwork=fieldwork)
    chunks = [ids[start:start + TASK_SIZE] for start in range(0, len(ids), TASK_SIZE)]
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
    """Queue the reminders due at ``now`` as sending tasks of ``TASK_SIZE`` (only while the
    fieldwork is open): each task is short, and queueing again sends nobody anything twice
    (the e-mails are claimed per member and number), so a worker's death costs nothing."""
    from peiling.panel import tasks

    now = now or timezone.now()
    if fieldwork_selectors.fieldwork_window(fieldwork=fieldwork, now=now) != "open":
        return QueueReport(messages=0, tasks=0)
    messages = queued = 0
    for number, ids in selectors.reminders_due(fieldwork=fieldwork, now=now,
                                               force=force).items():
        for start in range(0, len(ids), TASK_SIZE):
            tasks.send_deliveries.enqueue(list(ids[start:start + TASK_SIZE]), number)
            queued += 1
        messages += len(ids)
    return QueueReport(messages=messages, tasks=queued)


def reminders_send(*, fieldwork: Fieldwork, force: bool = False,
                   now: dt.datetime | None = None) -> SendReport:
    """Send the reminders due at ``now`` (only while the fieldwork is open)."""
    now = now or timezone.now()
    if fieldwork_selectors.fieldwork_window(fieldwork=fieldwork, now=now) != "open":
        return SendReport()
    report = SendReport()
    for number, ids in selectors.reminders_due(fieldwork=fieldwork, now=now,
                                               force=force).items():
        report += deliveries_send(panel_invitation_ids=ids, number=number, now=now)
    return report


def deliveries_send(*, panel_invitation_ids: Sequence[int], number: int,
                    now: dt.datetime | None = None) -> SendReport:
    """Send e-mail ``number`` (0: invitation) for these invitations: claim, send, mark.

    Must run outside a transaction: the claims of ``CLAIM`` messages commit together before
    the first of them goes out (over the ``Outbox``'s connections, a few at once), and
    marking them sent shares a transaction with claiming the next ones. An SMTP server that
    refuses a recipient marks the e-mail failed and the member bounced; any other SMTP or
    network error marks the e-mail failed and stops the run (raised), leaving the rest for
    the next run. A run stopped by an exception (not by a kill) marks what the server
    accepted and gives back the claims whose message it never tried.
    """
    if transaction.get_connection().in_atomic_block:
        raise RuntimeError("deliveries_send must run outside a transaction: every claim "
                           "commits on its own, so a crash cannot send anyone twice")
    now = now or timezone.now()
    report = SendReport()
    accepted: list[tuple[int, str]] = []  # (delivery, Message-ID) sent, not yet marked
    if not panel_invitation_ids:
        return report
    with Outbox(most=len(panel_invitation_ids)) as outbox:
        for start in range(0, len(panel_invitation_ids), BATCH):
            chunk = list(panel_invitation_ids[start:start + BATCH])
            items = list(PanelInvitation.objects.filter(pk__in=chunk)
                         .select_related("member", "fieldwork", "sample__panel", "invitation")
                         .defer(*_UNUSED).order_by("pk"))
            texts = _texts(chunk, number)
            for first in range(0, len(items), CLAIM):
                group = items[first:first + CLAIM]
                claims = _mark_and_claim(accepted, group, number, now)
                claimed = [(item, claims[item.pk]) for item in group if item.pk in claims]
                futures = outbox.submit([
                    partial(_hand_over, item=item, number=number, text=texts.get(
                        (item.fieldwork_id, item.member.language if item.member else "")))
                    for item, _delivery in claimed])
                stopped: BaseException | None = None
                try:
                    outbox.wait(futures)
                except BaseException as told:  # told to stop while waiting: books first
                    stopped = told
                accepted, done, error = _record(claimed, futures, now)
                report += done + SendReport(skipped=len(group) - len(claims))
                if stopped or error:
                    _settle(accepted, _untried(claimed, futures))
                    raise stopped or error
        _mark_and_claim(accepted, [], number, now)
    return report


def _hand_over(connection, *, item: PanelInvitation, number: int,
               text: tuple[str, str] | None) -> tuple[str, Any]:
    """Build one claimed message and hand it to the SMTP server (in an ``Outbox`` thread:
    no database). Return ("sent", its Message-ID), ("refused", the error) or ("failed",
    why); raise an SMTP or network error that stops the run."""
    try:
        letter = _letter(item, number, text)
    except LinkUnavailable:
        return "failed", ("the personal link cannot be rebuilt: SECRET_KEY changed and the "
                          "old key is not in SECRET_KEY_FALLBACKS")
    message = message_build(letter, connection=connection)
    try:
        delivered = connection.send_messages([message])
    except smtplib.SMTPRecipientsRefused as error:
        return "refused", error
    if not delivered:
        return "failed", "the mail backend sent nothing"
    return "sent", message.extra_headers["Message-ID"]


def _record(claimed: Sequence[tuple[PanelInvitation, int]], futures: Sequence[Future],
            now: dt.datetime) -> tuple[list[tuple[int, str]], SendReport, BaseException | None]:
    """Record what became of each claimed message: failures and refusals now, what the
    server accepted in the caller's next transaction. Return the accepted (delivery,
    Message-ID) pairs, the counts, and the first error that stopped the run. A message whose
    job raised anything but an SMTP or network error stays claimed: it may have gone out."""
    accepted: list[tuple[int, str]] = []
    sent = failed = 0
    error: BaseException | None = None
    for (item, delivery), future in zip(claimed, futures, strict=True):
        if not Outbox.tried(future):
            continue
        problem = future.exception()
        if problem is not None:
            if isinstance(problem, smtplib.SMTPException | OSError):
                _fail(delivery, f"{type(problem).__name__}: {problem}")
                failed += 1
            error = error or problem
            continue
        outcome, detail = future.result()
        if outcome == "sent":
            accepted.append((delivery, detail))
            sent += 1
        elif outcome == "refused":
            _refused(delivery, item, detail, now)
            failed += 1
        else:
            _fail(delivery, detail)
            failed += 1
    return accepted, SendReport(sent, failed), error


def _untried(claimed: Sequence[tuple[PanelInvitation, int]],
             futures: Sequence[Future]) -> list[int]:
    """The claims whose message was never handed to the server."""
    return [delivery for (_item, delivery), future in zip(claimed, futures, strict=True)
            if not Outbox.tried(future)]


@transaction.atomic
def _mark_and_claim(accepted: Sequence[tuple[int, str]], items: Sequence[PanelInvitation],
                    number: int, now: dt.datetime) -> dict[int, int]:
    """Mark the messages the SMTP server accepted as sent, then claim e-mail ``number`` of
    ``items``: return {panel invitation: claim} for those not claimed before whose member is
    still active."""
    _mark_sent(accepted)
    if not items:
        return {}
    # One statement checks the members and inserts the claims; the unique (invitation,
    # number) pair turns a second claim into no row. Rows go in in key order, so that two
    # workers given the same invitations wait for each other instead of deadlocking. The
    # member's status is a subquery per row, not a join: a join let PostgreSQL, with
    # statistics from before a panel's import, scan every active member for 20 claims.
    marks = ", ".join(["%s"] * len(items))
    with database.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Delivery._meta.db_table} "  # noqa: S608  (table names, not input)
            f"(panel_invitation_id, number, state, claimed_at, message_id, error) "
            f"SELECT item.id, %s, %s, %s, '', '' "
            f"FROM {PanelInvitation._meta.db_table} item WHERE item.id IN ({marks}) "
            f"AND (SELECT member.status FROM {Member._meta.db_table} member "
            f"WHERE member.id = item.member_id) = %s ORDER BY item.id "
            f"ON CONFLICT (panel_invitation_id, number) DO NOTHING "
            f"RETURNING panel_invitation_id, id",
            [number, Delivery.State.CLAIMED.value, database.ops.adapt_datetimefield_value(now),
             *(item.pk for item in items), Member.Status.ACTIVE.value],
        )
        return dict(cursor.fetchall())


@transaction.atomic
def _settle(accepted: Sequence[tuple[int, str]], untried: Sequence[int]) -> None:
    """After an exception: mark what the server accepted as sent and give back the claims
    whose message was never handed to it."""
    _mark_sent(accepted)
    Delivery.objects.filter(pk__in=untried).delete()


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


def _mark_sent(accepted: Sequence[tuple[int, str]]) -> None:
    """Mark these (delivery, Message-ID) sent, in one statement (``bulk_update`` builds the
    same CASE, but spent more time on it than the sending of the messages)."""
    if not accepted:
        return
    cases = " ".join(["WHEN %s THEN %s"] * len(accepted))
    marks = ", ".join(["%s"] * len(accepted))
    with database.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Delivery._meta.db_table} "  # noqa: S608  (table names, not input)
            f"SET state = %s, sent_at = %s, message_id = CASE id {cases} END "
            f"WHERE id IN ({marks})",
            [Delivery.State.SENT.value, database.ops.adapt_datetimefield_value(timezone.now()),
             *(value for delivery, message_id in accepted
               for value in (delivery, message_id[:255])),
             *(delivery for delivery, _ in accepted)],
        )


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
