"""Reminders that wait in the outbox, and what counts as "reminded", on every backend (the
review of issue 15): a reminder is sent only while it still asks for what is owed with a link
that still pays, otherwise it is skipped and the next run sends a fresh one; only reminders
that were sent or are still on their way count in the interval; a reminder's link is its own
payment, never the desk's QR payment that staff cancel with Esc.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from jdoffice.domain.model import UTC
from jdoffice.domain.notification import NotificationKind, NotificationStatus
from jdoffice.services import notifications as notify
from jdoffice.services import online
from jdoffice.services.payments import register_payment
from jdoffice.services.settings import PaymentSettings
from tests.integration import test_reminders as base
from tests.integration.test_reminders import (
    ACTOR,
    SETTINGS,
    Office,
    _transports,
    link_in,
    plain,
    reminder_texts,
)
from tests.standin.stripe_standin import StripeStandin

YESTERDAY = dt.timedelta(days=1)

# The reminder tests' desk: its senders, its Stripe stand-in and its school.
_fast_client_retries = base._fast_client_retries
smtp, sms, standin, gateway, office = base.smtp, base.sms, base.standin, base.gateway, base.office


def _waiting_since_yesterday(office: Office, amount_minor: int) -> str:
    """An invoice reminded yesterday while SMS could not be sent here: it waits in the
    outbox. Returns the invoice's number."""
    invoice = office.overdue(office.student(), amount_minor, days=15)
    up = office.transports
    office.transports = dataclasses.replace(up, sms=None)
    waiting = office.remind(now=dt.datetime.now(UTC) - YESTERDAY)
    office.transports = up
    assert [(line.status, line.amount_minor) for line in waiting.lines] == [
        ("queued", amount_minor)
    ]
    return invoice.invoice_no


def _reminder_outcomes(office: Office, now: dt.datetime | None = None) -> list[tuple[str, str]]:
    """What the outbox does with the waiting reminders when the SMS service is back."""
    result = notify.dispatch_due(
        office.uow,
        office.school,
        _transports(office.school.slug, office.smtp, office.sms),
        now=now,
    )
    return [
        (o.status.value, o.error or "")
        for o in result.outcomes
        if o.kind == NotificationKind.REMINDER.value
    ]


def test_a_reminder_waiting_in_the_outbox_is_not_sent_after_a_part_payment_and_the_next_run_asks_for_the_rest(
    office: Office, standin: StripeStandin
) -> None:
    invoice_no = _waiting_since_yesterday(office, 20_000)
    register_payment(
        office.uow,
        office.school,
        method="bank",
        amount_minor=5_000,
        invoice_no=invoice_no,
        actor=ACTOR,
    )

    [(status, why)] = _reminder_outcomes(office)

    assert status == NotificationStatus.SKIPPED.value
    assert "150.00 is owed now; the next reminder run sends a fresh one" in plain(why)
    assert reminder_texts(office.sms) == []

    # It reached nobody, so it does not hold back today's run: that asks for 150,00 with a
    # link for 150,00, and then the interval holds.
    today = office.remind()
    again = office.remind()

    assert [(line.status, line.amount_minor) for line in today.lines] == [("sent", 15_000)]
    [text] = [plain(t) for t in reminder_texts(office.sms)]
    assert f"faktura {invoice_no} på 150,00 kr." in text
    assert "200,00" not in text
    session = standin.session(link_in(text).rsplit("/", 1)[1])
    assert session["amount_total"] == 15_000
    assert [line.code for line in again.lines] == ["too_soon"]
    assert len(reminder_texts(office.sms)) == 1


def test_a_reminder_whose_payment_was_cancelled_in_the_outbox_is_not_sent_and_the_next_run_sends_a_working_link(
    office: Office, standin: StripeStandin
) -> None:
    invoice_no = _waiting_since_yesterday(office, 20_000)
    with office.uow:
        invoice = office.uow.invoices.get_by_no(office.school.id, invoice_no)
        assert invoice is not None
        [first] = office.uow.reminders.for_student(office.school.id, invoice.student_id)
    assert first.attempt_id is not None
    online.cancel_attempt(office.uow, office.school, office.gateway, first.attempt_id, ACTOR)

    [(status, why)] = _reminder_outcomes(office)
    today = office.remind()

    assert (status, why) == (
        NotificationStatus.SKIPPED.value,
        "its payment link is no longer open (cancelled); the next reminder run sends a fresh one",
    )
    [text] = [plain(t) for t in reminder_texts(office.sms)]
    assert [line.status for line in today.lines] == ["sent"]
    session = standin.session(link_in(text).rsplit("/", 1)[1])
    assert (session["status"], session["amount_total"]) == ("open", 20_000)
    assert session["metadata"]["invoice_no"] == invoice_no


def test_a_reminder_whose_link_would_soon_expire_is_not_sent_from_the_outbox(
    office: Office,
) -> None:
    _waiting_since_yesterday(office, 20_000)

    # The link lives 23 hours; 20 hours on it has too little left for the student to use.
    outcomes = _reminder_outcomes(office, now=dt.datetime.now(UTC) + dt.timedelta(hours=20))

    assert outcomes == [
        (
            NotificationStatus.SKIPPED.value,
            "its payment link expires too soon to be used; the next reminder run sends a fresh one",
        )
    ]
    assert reminder_texts(office.sms) == []


def test_a_reminder_that_failed_for_good_does_not_hold_back_one_by_email_but_a_sent_one_holds_back_both(
    office: Office,
) -> None:
    student = office.student()
    invoice = office.overdue(student, 30_000, days=20)
    office.sms.fail_status = 400  # the SMS service refuses the number: it will never go

    failed = office.remind(now=dt.datetime.now(UTC) - YESTERDAY, online_payments=False)
    by_mail = office.remind(channel="email", online_payments=False)
    office.sms.fail_status = None
    by_sms = office.remind(online_payments=False)

    assert [line.status for line in failed.lines] == ["queued"]
    with office.uow:
        [message] = office.uow.notifications.for_ref("reminder", failed.lines[0].reminder_id or "")
    assert (message.status, message.next_attempt_at) == (NotificationStatus.FAILED, None)
    assert [line.status for line in by_mail.lines] == ["sent"]
    [mail] = office.smtp.messages_to("soren@example.dk")
    assert invoice.invoice_no in mail.subject
    assert [line.code for line in by_sms.lines] == ["too_soon"]
    assert "every 7 days" in by_sms.lines[0].reason
    assert reminder_texts(office.sms) == []


def test_a_reminder_that_failed_today_lets_the_next_go_tomorrow_not_today(
    office: Office,
) -> None:
    office.overdue(office.student(), 30_000, days=20)
    office.sms.fail_status = 400

    office.remind(online_payments=False)
    by_mail = office.remind(channel="email", online_payments=False)

    assert [(line.status, line.reason) for line in by_mail.lines] == [
        (
            "skipped",
            "reminded today, but the message was not delivered; the next reminder can go tomorrow",
        )
    ]
    assert office.smtp.messages_to("soren@example.dk") == []


def test_a_reminders_link_is_never_the_desks_qr_payment_so_esc_at_the_desk_never_kills_it(
    office: Office,
) -> None:
    student = office.student()
    invoice = office.overdue(student, 45_000, days=20)
    # The school's QR payments live a whole day, long enough for a reminder to reuse.
    long_qr = PaymentSettings(online_enabled=True, checkout_expiry_minutes=24 * 60)
    desk = online.start_online_payment(
        office.uow,
        office.school,
        office.gateway,
        long_qr,
        invoice_no=invoice.invoice_no,
        actor=ACTOR,
    )

    [line] = office.remind().lines
    online.cancel_attempt(office.uow, office.school, office.gateway, desk.attempt_id, ACTOR)
    # The student comes to the desk; the receptionist shows a QR code and presses Esc.
    again = online.start_online_payment(
        office.uow,
        office.school,
        office.gateway,
        SETTINGS,
        invoice_no=invoice.invoice_no,
        actor=ACTOR,
    )
    online.cancel_attempt(office.uow, office.school, office.gateway, again.attempt_id, ACTOR)

    with office.uow:
        [reminder] = office.uow.reminders.for_student(office.school.id, student.id)
        assert reminder.attempt_id is not None
        sent = office.uow.attempts.get(reminder.attempt_id)
    assert line.status == "sent"
    assert reminder.attempt_id not in (desk.attempt_id, again.attempt_id)
    assert sent is not None
    assert (sent.status.value, sent.url) == ("open", line.url)


def test_a_reminder_still_being_tried_holds_back_one_by_email(office: Office) -> None:
    office.overdue(office.student(), 30_000, days=20)
    office.sms.fail_status = 503  # the SMS service is busy: the outbox tries again later

    office.remind(now=dt.datetime.now(UTC) - YESTERDAY, online_payments=False)
    by_mail = office.remind(channel="email", online_payments=False)

    assert [line.code for line in by_mail.lines] == ["too_soon"]
    assert office.smtp.messages_to("soren@example.dk") == []
