"""Invitations and reminders through a real SMTP server (aiosmtpd, started by the fixture),
sent by Django's SMTP backend: content and headers, idempotence after a crash, refusals,
reminders only to those who have not completed, and the database task backend's worker."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from peiling.fieldwork import selectors as fieldwork_selectors
from peiling.panel import mailing, selectors
from peiling.panel.models import Delivery, Member, PanelInvitation
from tests.panel.helpers import invite_all, respond

pytestmark = pytest.mark.django_db(transaction=True)

LINK = re.compile(r"https://peiling\.example/s/([A-Za-z0-9_-]{32})/")


def _send(fieldwork, number=0, **kwargs) -> mailing.SendReport:
    ids = list(PanelInvitation.objects.filter(fieldwork=fieldwork).order_by("pk")
               .values_list("pk", flat=True))
    return mailing.deliveries_send(panel_invitation_ids=ids, number=number, **kwargs)


def _body(message) -> str:
    return message.get_content().replace("\r\n", "\n")


def _recipients(sink) -> list[str]:
    return sorted(address for message in sink.messages for address in message.rcpt_tos)


def test_invitation_reaches_the_smtp_server_with_link_and_unsubscribe_headers(
        sink, panel, fieldwork, add_member) -> None:
    member = add_member("jan@example.org", name="Jan Jansen", language="en", org_type="rijk")
    invite_all(panel, fieldwork)
    assert _send(fieldwork) == mailing.SendReport(sent=1)

    [received] = sink.messages
    message = received.message
    assert received.rcpt_tos == ("jan@example.org",)
    assert message["Subject"] == "Invitation: Thuiswerken 2024"
    assert message["From"] == "panel@peiling.example"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    one_click = re.fullmatch(r"<(https://peiling\.example/panel/afmelden/[^/]+/one-click/)>",
                             message["List-Unsubscribe"].strip())
    assert one_click is not None
    body = _body(message)
    assert body.startswith("Dear Jan Jansen,\n\nAs a member of Testpanel you are invited")
    assert one_click.group(1).removesuffix("one-click/") in body
    token = LINK.search(body).group(1)
    item = PanelInvitation.objects.get()
    assert fieldwork_selectors.invitation_for_token(token=token) == item.invitation
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.message_id) == ("sent", message["Message-ID"])
    assert member.pk == item.member_id


def test_dutch_members_get_dutch_mail(sink, panel, fieldwork, add_member) -> None:
    add_member(name="Anna", language="nl", org_type="rijk")
    invite_all(panel, fieldwork)
    _send(fieldwork)
    message = sink.messages[0].message
    assert message["Subject"] == "Uitnodiging: Thuiswerken 2024"
    assert _body(message).startswith("Beste Anna,\n\nAls lid van Testpanel nodigen we u")


def test_sending_twice_sends_once(sink, panel, fieldwork, add_member) -> None:
    for _ in range(3):
        add_member(org_type="rijk")
    invite_all(panel, fieldwork)
    assert _send(fieldwork) == mailing.SendReport(sent=3)
    assert _send(fieldwork) == mailing.SendReport(skipped=3)
    assert len(sink.messages) == 3


def test_a_crash_after_the_server_accepted_never_sends_twice(
        sink, settings, panel, fieldwork, add_member, monkeypatch) -> None:
    members = [add_member(f"lid{n}@example.org", org_type="rijk") for n in range(5)]
    invite_all(panel, fieldwork)
    monkeypatch.setattr(mailing, "CLAIM", 2)
    settings.PEILING_SMTP_CONNECTIONS = 1
    real_mark_sent, calls = mailing._mark_sent, []

    def crash_on_second_group(accepted):
        calls.append(list(accepted))
        if len(calls) == 2:  # the first mark has nothing to mark; this one holds lid0, lid1
            raise SystemExit("worker killed")  # after SMTP accepted, before it was recorded
        return real_mark_sent(accepted)

    monkeypatch.setattr(mailing, "_mark_sent", crash_on_second_group)
    with pytest.raises(SystemExit):
        _send(fieldwork)
    assert len(calls[1]) == 2 and _recipients(sink) == ["lid0@example.org", "lid1@example.org"]
    monkeypatch.setattr(mailing, "_mark_sent", real_mark_sent)
    assert _send(fieldwork) == mailing.SendReport(sent=3, skipped=2)

    assert _recipients(sink) == sorted(member.email for member in members)
    # The whole group the server accepted is in doubt (claimed, shown as "onbekend"), never
    # more than CLAIM; the claims of the next group rolled back with the crash.
    assert selectors.deliveries_summary(fieldwork=fieldwork) == {(0, "sent"): 3,
                                                                 (0, "claimed"): 2}


def _lose_the_server_on(call: int, monkeypatch) -> list:
    """Make Django's SMTP backend raise a lost connection on its ``call``-th message."""
    import smtplib
    import threading

    from django.core.mail.backends.smtp import EmailBackend

    real_send, calls, lock = EmailBackend.send_messages, [], threading.Lock()

    def send_messages(self, messages):
        with lock:
            calls.append(messages)
            lose = len(calls) == call
        if lose:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return real_send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", send_messages)
    return calls


def test_an_smtp_error_marks_what_went_and_gives_back_what_was_never_tried(
        sink, settings, panel, fieldwork, add_member, monkeypatch) -> None:
    import smtplib


    settings.PEILING_SMTP_CONNECTIONS = 1  # one message at a time: which one went is known
    for n in range(4):
        add_member(f"lid{n}@example.org", org_type="rijk")
    invite_all(panel, fieldwork)
    _lose_the_server_on(2, monkeypatch)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        _send(fieldwork)
    # lid0 went (marked sent), lid1 failed with the error, lid2 and lid3 were never tried:
    # their claims are gone, so the next run sends them.
    assert selectors.deliveries_summary(fieldwork=fieldwork) == {(0, "sent"): 1,
                                                                 (0, "failed"): 1}
    monkeypatch.undo()
    settings.PEILING_SMTP_CONNECTIONS = 1
    assert _send(fieldwork) == mailing.SendReport(sent=2, skipped=2)
    assert _recipients(sink) == ["lid0@example.org", "lid2@example.org", "lid3@example.org"]


def test_several_connections_send_every_member_one_message(sink, settings, panel, fieldwork,
                                                           add_member) -> None:
    settings.PEILING_SMTP_CONNECTIONS = 3
    members = [add_member(f"lid{n:02d}@example.org", org_type="rijk") for n in range(45)]
    invite_all(panel, fieldwork)
    assert _send(fieldwork) == mailing.SendReport(sent=45)
    assert _recipients(sink) == sorted(member.email for member in members)
    assert len({received.peer for received in sink.messages}) == 3
    ids = dict(Delivery.objects.values_list("panel_invitation__member__email", "message_id"))
    assert all(ids[received.rcpt_tos[0]] == received.message["Message-ID"]
               for received in sink.messages)


def test_an_smtp_error_with_several_connections_leaves_counts_that_add_up(
        sink, settings, panel, fieldwork, add_member, monkeypatch) -> None:
    import smtplib

    settings.PEILING_SMTP_CONNECTIONS = 3
    members = [add_member(f"lid{n:02d}@example.org", org_type="rijk") for n in range(30)]
    invite_all(panel, fieldwork)
    _lose_the_server_on(5, monkeypatch)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        _send(fieldwork)
    summary = selectors.deliveries_summary(fieldwork=fieldwork)
    # Whatever was in flight on the other connections finished and was recorded; nothing
    # was left claimed, and nothing after the error was started.
    assert summary[(0, "failed")] == 1 and (0, "claimed") not in summary
    assert summary[(0, "sent")] == len(sink.messages) < 29
    monkeypatch.undo()
    settings.PEILING_SMTP_CONNECTIONS = 3
    _send(fieldwork)
    failed = Delivery.objects.get(state="failed").panel_invitation.member.email
    assert _recipients(sink) == sorted(m.email for m in members if m.email != failed)
    assert selectors.deliveries_summary(fieldwork=fieldwork) == {(0, "sent"): 29,
                                                                 (0, "failed"): 1}


def test_a_crash_before_sending_leaves_the_claim_unsent(
        sink, panel, fieldwork, add_member, monkeypatch) -> None:
    for n in range(3):
        add_member(f"lid{n}@example.org", org_type="rijk")
    invite_all(panel, fieldwork)
    real_build, calls = mailing.message_build, []

    def crash_on_second(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:
            raise SystemExit("worker killed")  # claimed, nothing handed to the server
        return real_build(*args, **kwargs)

    monkeypatch.setattr(mailing, "message_build", crash_on_second)
    with pytest.raises(SystemExit):
        _send(fieldwork)
    monkeypatch.setattr(mailing, "message_build", real_build)
    assert _send(fieldwork) == mailing.SendReport(sent=1, skipped=2)
    assert _recipients(sink) == ["lid0@example.org", "lid2@example.org"]


def test_a_refused_recipient_bounces_and_the_rest_is_sent(sink, panel, fieldwork,
                                                          add_member) -> None:
    gone = add_member("weg@example.org", org_type="rijk")
    add_member("er@example.org", org_type="rijk")
    invite_all(panel, fieldwork)
    assert _send(fieldwork) == mailing.SendReport(sent=1, failed=1)
    gone.refresh_from_db()
    assert gone.status == "bounced"
    item = PanelInvitation.objects.get(member=gone)
    assert item.bounced_at is not None
    delivery = item.deliveries.get()
    assert delivery.state == "failed"
    assert delivery.error == ("refused by the SMTP server: 550 5.1.1 <weg@example.org>: "
                              "mailbox unavailable")
    assert _recipients(sink) == ["er@example.org"]


def test_no_server_no_claims(settings, panel, fieldwork, add_member) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    add_member(org_type="rijk")
    invite_all(panel, fieldwork)
    with pytest.raises(OSError):
        _send(fieldwork)
    assert not Delivery.objects.exists()


def test_sending_refuses_to_run_inside_a_transaction(panel, fieldwork) -> None:
    with transaction.atomic(), pytest.raises(RuntimeError, match="outside a transaction"):
        mailing.deliveries_send(panel_invitation_ids=[], number=0)


def test_members_who_left_meanwhile_are_skipped(sink, panel, fieldwork, add_member) -> None:
    left = add_member(org_type="rijk")
    add_member(org_type="rijk")
    invite_all(panel, fieldwork)
    Member.objects.filter(pk=left.pk).update(status=Member.Status.UNSUBSCRIBED)
    assert _send(fieldwork) == mailing.SendReport(sent=1, skipped=1)


# -- reminders ------------------------------------------------------------------------------


def test_reminders_follow_the_schedule_and_skip_completers(sink, panel, fieldwork,
                                                           add_member) -> None:
    done, started, _silent, quit_ = (add_member(f"{n}@example.org", org_type="rijk")
                                    for n in ("klaar", "bezig", "stil", "weg-uit-panel"))
    invite_all(panel, fieldwork)
    mailing.reminder_schedule_set(fieldwork=fieldwork, days=[3, 7])
    _send(fieldwork)
    respond(PanelInvitation.objects.get(member=done))
    respond(PanelInvitation.objects.get(member=started), complete=False)
    Member.objects.filter(pk=quit_.pk).update(status=Member.Status.UNSUBSCRIBED)
    sent_at = Delivery.objects.filter(number=0).earliest("sent_at").sent_at
    sink.clear()

    assert mailing.reminders_send(fieldwork=fieldwork,
                                  now=sent_at + dt.timedelta(days=2)) == mailing.SendReport()
    day3 = sent_at + dt.timedelta(days=3, minutes=1)
    assert mailing.reminders_send(fieldwork=fieldwork, now=day3) == mailing.SendReport(sent=2)
    assert _recipients(sink) == ["bezig@example.org", "stil@example.org"]
    assert mailing.reminders_send(fieldwork=fieldwork, now=day3) == mailing.SendReport()
    day7 = sent_at + dt.timedelta(days=7, minutes=1)
    assert mailing.reminders_send(fieldwork=fieldwork, now=day7) == mailing.SendReport(sent=2)
    assert mailing.reminders_send(fieldwork=fieldwork,
                                  now=day7 + dt.timedelta(days=5)) == mailing.SendReport()

    first, *_ = sorted(sink.messages, key=lambda m: m.rcpt_tos)
    assert first.message["Subject"] == "Herinnering: Thuiswerken 2024"
    invitation_link = LINK.search(_body(first.message)).group(1)
    assert fieldwork_selectors.invitation_for_token(token=invitation_link).panel_invitation \
        == PanelInvitation.objects.get(member=started)
    assert selectors.deliveries_summary(fieldwork=fieldwork) == {
        (0, "sent"): 4, (1, "sent"): 2, (2, "sent"): 2}


def test_forced_reminder_goes_to_everyone_not_completed(sink, panel, fieldwork,
                                                        add_member) -> None:
    done = add_member("klaar@example.org", org_type="rijk")
    add_member("stil@example.org", org_type="rijk")
    invite_all(panel, fieldwork)
    _send(fieldwork)
    respond(PanelInvitation.objects.get(member=done))
    sink.clear()
    assert mailing.reminders_send(fieldwork=fieldwork, force=True) == mailing.SendReport(sent=1)
    assert _recipients(sink) == ["stil@example.org"]


def test_reminders_wait_while_the_fieldwork_is_closed(sink, panel, make_fieldwork,
                                                      add_member) -> None:
    fieldwork = make_fieldwork()
    add_member(org_type="rijk")
    invite_all(panel, fieldwork)
    _send(fieldwork)
    after = fieldwork.closes_at + dt.timedelta(minutes=1)
    assert mailing.reminders_send(fieldwork=fieldwork, force=True, now=after) \
        == mailing.SendReport()


def test_reminder_days_must_rise(fieldwork) -> None:
    with pytest.raises(Exception, match=r"reminder days must be whole numbers of 1 or more, "
                                        r"rising \(got 7, 3\)"):
        mailing.reminder_schedule_set(fieldwork=fieldwork, days=[7, 3])


# -- the task queue and its worker ----------------------------------------------------------


def test_the_database_worker_sends_what_was_queued(sink, settings, panel, fieldwork,
                                                   add_member) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    for n in range(3):
        add_member(f"lid{n}@example.org", org_type="rijk")
    invite_all(panel, fieldwork)
    mailing.reminder_schedule_set(fieldwork=fieldwork, days=[4])
    now = timezone.now()
    report = mailing.invitations_queue(fieldwork=fieldwork, now=now)
    assert (report.messages, report.tasks) == (3, 1)
    assert report.reminder_runs == (now + dt.timedelta(days=4, hours=1),)
    assert DBTaskResult.objects.count() == 2 and sink.messages == []

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert _recipients(sink) == ["lid0@example.org", "lid1@example.org", "lid2@example.org"]
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 1
    assert DBTaskResult.objects.filter(status="READY").count() == 1  # the reminder run, later
    assert mailing.invitations_queue(fieldwork=fieldwork).messages == 0
