"""Confirmations by e-mail and SMS, end to end through the outbox, on every backend.

A real SMTP server (aiosmtpd) and a Twilio-compatible SMS stand-in run on 127.0.0.1; the real
senders talk to them with their secrets taken from the environment, as on a server. Every
payment and refund goes through the one money path, which queues the messages in its
transaction; :func:`dispatch_due` sends them afterwards.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import stripe
from sqlalchemy import Engine

from jdoffice.adapters.notify_config import (
    NotificationConfig,
    SmsProvider,
    parse_smtp_url,
)
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.bootstrap import build_transports
from jdoffice.domain.errors import BusinessRuleError, InvalidInput, Unavailable
from jdoffice.domain.model import UTC, Actor, ReceiptBody, School, Student
from jdoffice.domain.notification import NotificationKind, NotificationStatus
from jdoffice.gateways.stripe_checkout import StripeGateway
from jdoffice.services import notifications as notify
from jdoffice.services import online
from jdoffice.services.notification_settings import NotificationSettings
from jdoffice.services.payments import refund_payment, register_payment
from jdoffice.services.queries import recompute_balance
from jdoffice.services.settings import PaymentSettings
from tests.conftest import SchoolKit
from tests.standin.notify_standin import SmsStandin, SmtpStandin
from tests.standin.stripe_standin import StripeStandin

ACTOR = Actor(staff="mette", desk="desk-2")
SENDER = "kontor@osterbro-koreskole.dk"
DEFAULTS = NotificationSettings(
    email_enabled=True, sms_enabled=True, sender_address=SENDER, sms_sender="Koreskole"
)
STRIPE_KEY = "sk_test_jdoffice_notify"
STRIPE_HOOK = "whsec_jdoffice_notify"


@pytest.fixture
def smtp() -> Iterator[SmtpStandin]:
    with SmtpStandin() as server:
        yield server


@pytest.fixture
def sms() -> Iterator[SmsStandin]:
    with SmsStandin() as server:
        yield server


@dataclasses.dataclass
class Office:
    """One school with e-mail and SMS on, the transports to the stand-ins, and its desk."""

    kit: SchoolKit
    uow: SqlAlchemyUnitOfWork
    smtp: SmtpStandin
    sms: SmsStandin
    transports: notify.Transports

    @property
    def school(self) -> Any:
        return self.kit.school

    def student(self, email: str = "soren@example.dk", phone: str = "21 34 56 78") -> Student:
        return self.kit.student("Søren", "Ærø Åsted", email=email, phone=phone)

    def cash(self, student: Student, amount_minor: int, tendered_minor: int) -> Any:
        invoice = self.kit.invoice(student, amount_minor, text="Køretime på Østerbro")
        return register_payment(
            self.uow,
            self.school,
            method="cash",
            amount_minor=amount_minor,
            invoice_no=invoice.invoice_no,
            tendered_minor=tendered_minor,
            actor=ACTOR,
        )

    def dispatch(self, now: dt.datetime | None = None, **kw: Any) -> notify.DispatchResult:
        return notify.dispatch_due(self.uow, self.school, self.transports, now=now, **kw)

    def rows(self, kind: NotificationKind, ref: str) -> dict[str, Any]:
        return {n.channel: n for n in notify.notifications_for(self.uow, kind, ref)}

    def receipt(self, receipt_no: int) -> ReceiptBody:
        with self.uow:
            found = self.uow.receipts.get(self.school.id, receipt_no)
        assert found is not None
        return found.body


def transports_for(slug: str, smtp: SmtpStandin, sms: SmsStandin, **kw: Any) -> notify.Transports:
    config = NotificationConfig(
        settings=DEFAULTS,
        smtp=parse_smtp_url(smtp.url, timeout_seconds=5),
        sms=SmsProvider(api_base=sms.base_url, account=sms.account, timeout_seconds=5),
    )
    return build_transports(config, slug, **kw)


@pytest.fixture
def office(
    kit: SchoolKit,
    engine: Engine,
    smtp: SmtpStandin,
    sms: SmsStandin,
    monkeypatch: pytest.MonkeyPatch,
) -> Office:
    monkeypatch.setenv("JDOFFICE_SMTP_PASSWORD", smtp.password)
    monkeypatch.setenv("JDOFFICE_SMS_TOKEN", sms.token)
    uow = SqlAlchemyUnitOfWork(engine, notification_defaults=DEFAULTS)
    return Office(kit, uow, smtp, sms, transports_for(kit.school.slug, smtp, sms))


def plain(text: str) -> str:
    return text.replace("\u00a0", " ")


# --------------------------------------------------------------------------- payments


def test_a_cash_payment_sends_one_email_and_one_sms_with_amount_and_receipt_number(
    office: Office,
) -> None:
    student = office.student()
    paid = office.cash(student, 85025, 100000)

    result = office.dispatch()

    assert result.sent == 2
    [mail] = office.smtp.messages_to("soren@example.dk")
    assert mail.login == "kontor"
    assert mail.mail_from == SENDER
    assert mail.subject == f"Kvittering nr. {paid.receipt_no} fra Østerbro Køreskole"
    assert str(mail.message["From"]) == f"Østerbro Køreskole <{SENDER}>"
    text = plain(mail.text)
    assert "Hej Søren Ærø Åsted" in text
    assert "Tak for din betaling på 850,25 kr. til Østerbro Køreskole." in text
    assert f"Kvitteringsnummer: {paid.receipt_no}" in text
    # No PDF renderer here: the receipt itself is in the text, rounding and all.
    assert "Køretime på" in text
    assert "850,50" in text
    assert mail.attachments() == []
    [message] = office.sms.messages_to("+4521345678")
    assert message.sender == "Koreskole"
    assert plain(message.body) == (
        f"Østerbro Køreskole: Tak for din betaling på 850,25 kr. Kvittering nr. {paid.receipt_no}."
    )
    rows = office.rows(NotificationKind.PAYMENT, paid.payment_id)
    assert {c: r.status for c, r in rows.items()} == {
        "email": NotificationStatus.SENT,
        "sms": NotificationStatus.SENT,
    }
    assert (rows["sms"].provider_ref or "").startswith("SM")


def test_a_sender_without_a_mail_server_leaves_the_e_mails_to_one_that_has_one(
    office: Office,
) -> None:
    paid = office.cash(office.student(), 50000, 50000)
    sms_only = dataclasses.replace(office.transports, mail=None)

    result = notify.dispatch_due(office.uow, office.school, sms_only)

    assert [o.channel for o in result.outcomes] == ["sms"]
    rows = office.rows(NotificationKind.PAYMENT, paid.payment_id)
    assert rows["email"].status is NotificationStatus.PENDING
    assert rows["email"].attempts == 0, "a sender that cannot send e-mail never tries one"
    assert office.smtp.messages_to("soren@example.dk") == []

    assert office.dispatch().sent == 1
    assert len(office.smtp.messages_to("soren@example.dk")) == 1


def test_the_receipt_is_attached_as_a_pdf_when_a_renderer_is_given(office: Office) -> None:
    made: list[tuple[int | str, str]] = []

    def pdf(body: ReceiptBody, language: str) -> bytes:
        made.append((body.receipt_no, language))
        return b"%PDF-1.4 kvittering " + body.student_name.encode()

    office.transports = transports_for(office.school.slug, office.smtp, office.sms, receipt_pdf=pdf)
    paid = office.cash(office.student(), 50000, 50000)

    office.dispatch()

    [mail] = office.smtp.messages_to("soren@example.dk")
    assert mail.attachments() == [
        (
            f"kvittering-{paid.receipt_no}.pdf",
            "application/pdf",
            "%PDF-1.4 kvittering Søren Ærø Åsted".encode(),
        )
    ]
    assert "Kvitteringen er vedhæftet som PDF." in mail.text
    assert made == [(paid.receipt_no, "da")]


def test_a_refund_sends_one_confirmation_per_channel_with_its_own_receipt(office: Office) -> None:
    student = office.student()
    paid = office.cash(student, 60000, 60000)
    office.dispatch()

    refund = refund_payment(
        office.uow,
        office.school,
        payment_id=paid.payment_id,
        amount_minor=20000,
        reason="Køretimen blev aflyst",
        actor=ACTOR,
    )
    office.dispatch()
    office.dispatch()

    mails = office.smtp.messages_to("soren@example.dk")
    assert len(mails) == 2
    refund_mail = mails[1]
    assert refund_mail.subject == (
        f"Kvittering nr. {refund.receipt_no} for tilbagebetaling fra Østerbro Køreskole"
    )
    assert "Østerbro Køreskole har tilbagebetalt 200,00 kr. til dig." in plain(refund_mail.text)
    assert "Køretimen blev aflyst" in refund_mail.text
    texts = [plain(m.body) for m in office.sms.messages_to("+4521345678")]
    assert texts[1] == (
        "Østerbro Køreskole: Vi har tilbagebetalt 200,00 kr. til dig. "
        f"Kvittering nr. {refund.receipt_no}."
    )
    assert len(texts) == 2


def test_english_messages_use_english_texts_and_amounts(office: Office) -> None:
    notify.update_notification_settings(office.uow, office.school, {"language": "en"}, actor=ACTOR)
    paid = office.cash(office.student(), 123450, 123450)

    office.dispatch()

    [mail] = office.smtp.messages_to("soren@example.dk")
    assert mail.subject == f"Receipt no. {paid.receipt_no} from Østerbro Køreskole"
    assert "Thank you for your payment of" in mail.text
    [message] = office.sms.messages_to("+4521345678")
    assert "1,234.50" in message.body
    assert f"Receipt no. {paid.receipt_no}." in message.body


# --------------------------------------------------------------------------- online payments


@pytest.fixture
def stripe_standin(monkeypatch: pytest.MonkeyPatch) -> Iterator[StripeStandin]:
    monkeypatch.setattr(stripe.HTTPXClient, "_sleep_time_seconds", lambda self, n: 0.01)
    with StripeStandin(secret_key=STRIPE_KEY, webhook_secret=STRIPE_HOOK) as standin:
        yield standin
        assert standin.internal_errors == []


@pytest.fixture
def gateway(stripe_standin: StripeStandin) -> Iterator[StripeGateway]:
    gw = StripeGateway(
        STRIPE_KEY,
        webhook_secret=STRIPE_HOOK,
        api_base=stripe_standin.base_url,
        timeout_seconds=5.0,
        max_network_retries=1,
    )
    yield gw
    gw.close()


def _deliver(
    gateway: StripeGateway, standin: StripeStandin, uow: Any, event: Any, school: School
) -> str:
    body = json.dumps(event).encode("utf-8")
    verified = gateway.verify_event(body, {"stripe-signature": standin.sign(body)})
    return online.handle_event(uow, gateway, verified, school=school)


def test_the_same_webhook_delivered_many_times_sends_one_message_per_channel(
    office: Office, gateway: StripeGateway, stripe_standin: StripeStandin
) -> None:
    student = office.student()
    invoice = office.kit.invoice(student, 45000, text="Teoriprøve")
    view = online.start_online_payment(
        office.uow,
        office.school,
        gateway,
        PaymentSettings(online_enabled=True),
        invoice_no=invoice.invoice_no,
        actor=ACTOR,
    )
    assert view.provider_ref is not None
    stripe_standin.complete_session(view.provider_ref)
    [event] = [
        e
        for e in stripe_standin.events("checkout.session.completed")
        if e["data"]["object"]["id"] == view.provider_ref
    ]

    outcomes = []
    for _ in range(5):
        outcomes.append(_deliver(gateway, stripe_standin, office.uow, event, office.school))
        office.dispatch()
    # The desk's own status check lands on the same path.
    online.check_attempt(office.uow, office.school, gateway, view.attempt_id)
    office.dispatch()

    assert outcomes == ["applied"] + ["duplicate"] * 4
    with office.uow:
        [payment] = office.uow.payments.for_student(student.id)
    assert payment.receipt_no is not None
    [mail] = office.smtp.messages_to("soren@example.dk")
    assert mail.subject == f"Kvittering nr. {payment.receipt_no} fra Østerbro Køreskole"
    assert "450,00 kr." in plain(mail.text)
    [message] = office.sms.messages_to("+4521345678")
    assert f"450,00 kr. Kvittering nr. {payment.receipt_no}." in plain(message.body)
    cached, recomputed = recompute_balance(office.uow, student.id)
    assert cached == recomputed == 0


def test_a_payment_link_is_sent_by_sms_with_its_url_and_amount(
    office: Office, gateway: StripeGateway
) -> None:
    student = office.student()
    invoice = office.kit.invoice(student, 129900, text="Lynkursus")
    view = online.start_online_payment(
        office.uow,
        office.school,
        gateway,
        PaymentSettings(online_enabled=True),
        invoice_no=invoice.invoice_no,
        actor=ACTOR,
    )

    sent = notify.send_payment_link(
        office.uow, office.school, office.transports, attempt_id=view.attempt_id, channel="sms"
    )

    assert sent.sent
    assert sent.recipient == "+4521345678"
    [message] = office.sms.messages_to("+4521345678")
    assert plain(message.body) == (
        f"Østerbro Køreskole: Betal faktura {invoice.invoice_no} på 1.299,00 kr. her: {view.url}"
    )
    assert sent.describe() == "payment link sent by SMS to +4521345678"


def test_a_payment_link_by_email_goes_to_an_address_typed_at_the_desk(
    office: Office, gateway: StripeGateway
) -> None:
    student = office.student(email="", phone="")
    invoice = office.kit.invoice(student, 30000)
    view = online.start_online_payment(
        office.uow,
        office.school,
        gateway,
        PaymentSettings(online_enabled=True),
        invoice_no=invoice.invoice_no,
        actor=ACTOR,
    )
    with pytest.raises(BusinessRuleError, match="has no e-mail address"):
        notify.send_payment_link(
            office.uow,
            office.school,
            office.transports,
            attempt_id=view.attempt_id,
            channel="email",
        )
    with pytest.raises(InvalidInput, match="not a valid e-mail address"):
        notify.send_payment_link(
            office.uow,
            office.school,
            office.transports,
            attempt_id=view.attempt_id,
            channel="email",
            to="mor@",
        )

    sent = notify.send_payment_link(
        office.uow,
        office.school,
        office.transports,
        attempt_id=view.attempt_id,
        channel="email",
        to="mor@example.dk",
    )

    assert sent.sent
    [mail] = office.smtp.messages_to("mor@example.dk")
    assert mail.subject == f"Betal faktura {invoice.invoice_no} til Østerbro Køreskole"
    assert str(view.url) in mail.text
    assert "Linket udløber" in mail.text


# --------------------------------------------------------------------------- failures


def test_smtp_down_records_the_payment_and_sends_the_mail_once_the_server_is_back(
    office: Office,
) -> None:
    student = office.student()
    office.smtp.stop()

    paid = office.cash(student, 85025, 85050)
    first = office.dispatch()

    assert paid.receipt_no is not None
    cached, recomputed = recompute_balance(office.uow, student.id)
    assert cached == recomputed == 0
    waiting = office.rows(NotificationKind.PAYMENT, paid.payment_id)["email"]
    assert waiting.status is NotificationStatus.FAILED
    assert waiting.next_attempt_at is not None
    assert "cannot reach the mail server" in (waiting.last_error or "")
    assert [o.status for o in first.outcomes if o.channel == "sms"] == [NotificationStatus.SENT]
    assert [n.id for n in notify.list_notifications(office.uow, office.school, "failed")] == [
        waiting.id
    ]
    # Not due yet: nothing is tried before the backoff is over.
    assert office.dispatch().outcomes == ()

    office.smtp.start()
    later = waiting.next_attempt_at + dt.timedelta(seconds=1)
    again = office.dispatch(now=later)
    office.dispatch(now=later + dt.timedelta(hours=1))

    assert again.sent == 1
    [mail] = office.smtp.messages_to("soren@example.dk")
    assert f"Kvittering nr. {paid.receipt_no}" in mail.subject
    sent = office.rows(NotificationKind.PAYMENT, paid.payment_id)["email"]
    assert sent.status is NotificationStatus.SENT
    assert sent.attempts == 2
    assert len(office.sms.messages_to("+4521345678")) == 1


def test_a_message_that_keeps_failing_gives_up_and_stays_listed_until_retried(
    office: Office,
) -> None:
    office.sms.fail_status = 503
    paid = office.cash(office.student(), 10000, 10000)
    now = dt.datetime.now(UTC)

    for _ in range(6):
        office.dispatch(now=now, max_attempts=3)
        now += dt.timedelta(hours=7)

    row = office.rows(NotificationKind.PAYMENT, paid.payment_id)["sms"]
    assert row.status is NotificationStatus.FAILED
    assert row.gave_up
    assert row.attempts == 3
    assert "the SMS service answered 503" in (row.last_error or "")
    assert office.sms.messages_to("+4521345678") == []

    office.sms.fail_status = None
    retried = notify.retry_failed(office.uow, office.school, office.transports, now=now)

    assert retried.sent == 1
    assert len(office.sms.messages_to("+4521345678")) == 1
    assert notify.list_notifications(office.uow, office.school, "failed") == []


def test_a_number_the_provider_refuses_is_not_tried_again(office: Office) -> None:
    office.sms.fail_status = 400
    paid = office.cash(office.student(), 10000, 10000)

    office.dispatch()

    row = office.rows(NotificationKind.PAYMENT, paid.payment_id)["sms"]
    assert row.gave_up
    assert row.attempts == 1


def test_a_student_without_email_or_phone_is_skipped_with_a_note(office: Office) -> None:
    student = office.student(email="", phone="12 34")
    paid = office.cash(student, 20000, 20000)

    result = office.dispatch()

    assert result.outcomes == ()
    rows = office.rows(NotificationKind.PAYMENT, paid.payment_id)
    assert rows["email"].status is NotificationStatus.SKIPPED
    assert rows["email"].last_error == f"student {student.student_no} has no e-mail address"
    assert rows["sms"].status is NotificationStatus.SKIPPED
    assert "not a valid phone number: '12 34'" in (rows["sms"].last_error or "")
    assert office.smtp.received == []
    assert office.sms.received == []


def test_channels_that_are_off_queue_nothing(kit: SchoolKit, engine: Engine) -> None:
    uow = SqlAlchemyUnitOfWork(engine, notification_defaults=NotificationSettings())
    student = kit.student(email="a@example.dk", phone="21345678")
    invoice = kit.invoice(student, 10000)

    paid = register_payment(
        uow,
        kit.school,
        method="bank",
        amount_minor=10000,
        invoice_no=invoice.invoice_no,
        actor=ACTOR,
    )

    assert notify.notifications_for(uow, NotificationKind.PAYMENT, paid.payment_id) == []


def test_a_school_turning_sms_off_gets_only_email(office: Office) -> None:
    notify.update_notification_settings(
        office.uow, office.school, {"sms_enabled": False}, actor=ACTOR
    )
    paid = office.cash(office.student(), 10000, 10000)

    office.dispatch()

    assert set(office.rows(NotificationKind.PAYMENT, paid.payment_id)) == {"email"}
    assert len(office.smtp.received) == 1
    assert office.sms.received == []


def test_two_senders_at_once_send_each_message_once(office: Office, engine: Engine) -> None:
    paid = [office.cash(office.student(), 10000 + 50 * i, 10000 + 50 * i) for i in range(3)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def sender() -> None:
        uow = SqlAlchemyUnitOfWork(engine, notification_defaults=DEFAULTS)
        barrier.wait()
        try:
            notify.dispatch_due(uow, office.school, office.transports)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    assert len(office.smtp.received) == 3
    assert len(office.sms.received) == 3
    for p in paid:
        rows = office.rows(NotificationKind.PAYMENT, p.payment_id)
        assert {r.attempts for r in rows.values()} == {1}


# --------------------------------------------------------------------------- secrets


def test_no_secret_appears_in_logs_or_errors_when_sending_fails(
    office: Office, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong_password = "wrong-Smtp-Pässword-93"
    # The stand-in repeats the token it was given in its error text, as careless providers do.
    office.sms.fail_status = 503
    monkeypatch.setenv("JDOFFICE_SMTP_PASSWORD", wrong_password)
    office.transports = transports_for(office.school.slug, office.smtp, office.sms)
    paid = office.cash(office.student(), 10000, 10000)

    office.dispatch()
    with pytest.raises(Unavailable) as refused:
        notify.send_test(office.uow, office.school, office.transports, email="x@example.dk")
    with pytest.raises(Unavailable) as overflow:
        notify.send_test(office.uow, office.school, office.transports, sms="+4521345678")

    rows = office.rows(NotificationKind.PAYMENT, paid.payment_id)
    stored = " ".join(r.last_error or "" for r in rows.values())
    assert "refused the login of 'kontor'" in stored
    assert "Queue overflow (token ****)" in stored
    assert office.smtp.failed_logins == 2
    for secret in (wrong_password, office.sms.token):
        assert secret not in caplog.text
        assert secret not in stored
        assert secret not in str(refused.value)
        assert secret not in str(overflow.value)
        assert secret not in repr(office.transports)
    assert "not sent" in caplog.text  # the failures were logged, just without secrets


# --------------------------------------------------------------------------- settings


def test_a_malformed_sender_address_or_number_is_refused_and_changes_nothing(
    office: Office,
) -> None:
    before = notify.notification_settings(office.uow, office.school)
    cases = {
        "sender_address": ("kontor@", "not a valid sender address: 'kontor@'"),
        "sms_sender": ("+45 12", r"not a valid SMS sender: '\+45 12'"),
        "language": ("sv", "language must be da or en"),
    }
    for key, (value, message) in cases.items():
        with pytest.raises(InvalidInput, match=message):
            notify.update_notification_settings(
                office.uow, office.school, {key: value}, actor=ACTOR
            )
    with pytest.raises(InvalidInput, match=r"\{price\} is not a field"):
        notify.update_notification_settings(
            office.uow,
            office.school,
            {"templates": {"da": {"payment_sms": "Pris {price}"}}},
            actor=ACTOR,
        )

    assert notify.notification_settings(office.uow, office.school) == before
    with office.uow:
        audit = office.uow.audit.for_entity("school", office.school.slug)
    assert [a for a in audit if a.action == "settings.notifications_changed"] == []


def test_a_school_template_is_used_and_merged_with_the_defaults(office: Office) -> None:
    notify.update_notification_settings(
        office.uow,
        office.school,
        {
            "templates": {
                "da": {"payment_sms": "Tak, {student}! {amount} modtaget ({receipt_no})."}
            },
            "sender_name": "Kørekontoret Ø",
        },
        actor=ACTOR,
    )
    paid = office.cash(office.student(), 10000, 10000)

    office.dispatch()

    [message] = office.sms.messages_to("+4521345678")
    assert plain(message.body) == f"Tak, Søren Ærø Åsted! 100,00 kr. modtaget ({paid.receipt_no})."
    [mail] = office.smtp.received
    assert str(mail.message["From"]) == f"Kørekontoret Ø <{SENDER}>"
    assert mail.subject.startswith("Kvittering nr.")


# --------------------------------------------------------------------------- one transaction


def test_money_and_its_messages_are_recorded_together_or_not_at_all(
    office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jdoffice.services import payments

    student = office.student()
    invoice = office.kit.invoice(student, 30000)

    def pay() -> Any:
        return register_payment(
            office.uow,
            office.school,
            method="bank",
            amount_minor=30000,
            invoice_no=invoice.invoice_no,
            key="7f1f6c1e-1d7a-4c55-9c43-0b8f8f3f0a11",
            actor=ACTOR,
        )

    # The commit fails after the message was queued: neither the payment nor the message.
    real_commit = office.uow.commit

    def failing_commit() -> None:
        raise Unavailable("database unavailable: connection lost")

    monkeypatch.setattr(office.uow, "commit", failing_commit)
    with pytest.raises(Unavailable):
        pay()
    monkeypatch.setattr(office.uow, "commit", real_commit)
    assert (
        notify.notifications_for(
            office.uow, NotificationKind.PAYMENT, "7f1f6c1e-1d7a-4c55-9c43-0b8f8f3f0a11"
        )
        == []
    )

    # Queueing fails: the payment is not recorded either.
    def failing_queue(*_a: object, **_k: object) -> int:
        raise Unavailable("database unavailable: connection lost")

    monkeypatch.setattr(payments, "queue_confirmation", failing_queue)
    with pytest.raises(Unavailable):
        pay()
    monkeypatch.setattr(payments, "queue_confirmation", notify.queue_confirmation)
    with office.uow:
        assert office.uow.payments.for_student(student.id) == []

    paid = pay()

    assert set(office.rows(NotificationKind.PAYMENT, paid.payment_id)) == {"email", "sms"}
    assert office.dispatch().sent == 2
