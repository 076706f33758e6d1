"""The student's confirmation of a MobilePay payment that lands while staff cancel it.

Staff press Esc a moment after the student approved in the app: the cancel reaches the
provider too late, the reservation is captured, and the one finalize path records the payment
instead. :meth:`Desk.cancel_online` then sends the confirmation at once (one e-mail, one SMS),
as after any payment that lands, and says what it sent; a cancel that stopped the payment
sends nothing. A real SMTP server and an SMS stand-in run on loopback.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine

from jdoffice.adapters.notify_config import NotificationConfig, SmsProvider, parse_smtp_url
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.bootstrap import build_transports
from jdoffice.domain.errors import BusinessRuleError
from jdoffice.domain.model import Actor, AttemptStatus, School, Student
from jdoffice.domain.notification import NotificationKind, NotificationStatus
from jdoffice.gateways.mobilepay_epayment import MobilePayGateway
from jdoffice.services import notifications as notify
from jdoffice.services.desk import Desk
from jdoffice.services.gateways import OnlineGateway
from jdoffice.services.notification_settings import NotificationSettings
from jdoffice.services.offline import OfflineDesk
from jdoffice.services.queries import recompute_balance
from jdoffice.services.settings import PaymentSettings
from tests.conftest import SchoolKit
from tests.standin import mobilepay_standin as sd
from tests.standin.mobilepay_standin import MobilePayStandin
from tests.standin.notify_standin import SmsStandin, SmtpStandin

ACTOR = Actor(staff="mette", desk="desk-3")
SENDER = "kontor@osterbro-koreskole.dk"
DEFAULTS = NotificationSettings(
    email_enabled=True, sms_enabled=True, sender_address=SENDER, sms_sender="Koreskole"
)
SETTINGS = PaymentSettings(online_enabled=True, gateway="mobilepay")
EMAIL = "signe@example.dk"
PHONE = "+4521345678"


@dataclass
class Office:
    kit: SchoolKit
    engine: Engine
    standin: MobilePayStandin
    smtp: SmtpStandin
    sms: SmsStandin
    desk: Desk

    def uow(self) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self.engine, notification_defaults=DEFAULTS)

    def student(self) -> Student:
        return self.kit.student("Signe", "Mølgaard", email=EMAIL, phone="21 34 56 78")

    def mails(self) -> int:
        return len(self.smtp.messages_to(EMAIL))

    def texts(self) -> int:
        return len(self.sms.messages_to(PHONE))


@pytest.fixture
def office(kit: SchoolKit, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Office]:
    with MobilePayStandin() as standin, SmtpStandin() as smtp, SmsStandin() as sms:
        monkeypatch.setenv("JDOFFICE_SMTP_PASSWORD", smtp.password)
        monkeypatch.setenv("JDOFFICE_SMS_TOKEN", sms.token)
        config = NotificationConfig(
            settings=DEFAULTS,
            smtp=parse_smtp_url(smtp.url, timeout_seconds=5),
            sms=SmsProvider(api_base=sms.base_url, account=sms.account, timeout_seconds=5),
        )
        gateway = MobilePayGateway(
            api_base=standin.base_url,
            webhook_secret=sd.WEBHOOK_SECRET,
            timeout_seconds=5.0,
            client_id=sd.CLIENT_ID,
            client_secret=sd.CLIENT_SECRET,
            subscription_key=sd.SUBSCRIPTION_KEY,
            merchant_serial_number=sd.MSN,
        )

        def uow() -> SqlAlchemyUnitOfWork:
            return SqlAlchemyUnitOfWork(engine, notification_defaults=DEFAULTS)

        def gateways(school: School, settings: PaymentSettings | None = None) -> OnlineGateway:
            return gateway

        def transports(school: School, *, quick: bool = False) -> notify.Transports:
            return build_transports(config, school.slug, timeout_seconds=5 if quick else None)

        def no_offline() -> OfflineDesk:
            raise AssertionError("online verbs need the shared database only")

        desk = Desk(
            school_slug=kit.school.slug,
            actor=ACTOR,
            uow=uow,
            offline=no_offline,
            gateway=gateways,
            payment_settings=lambda school: SETTINGS,
            counter_method=lambda name: name,
            online_methods=lambda: ("mobilepay-online",),
            transports=transports,
        )
        try:
            yield Office(kit, engine, standin, smtp, sms, desk)
        finally:
            gateway.close()
        assert standin.internal_errors == []


def test_a_cancel_that_finds_the_payment_approved_sends_one_email_and_one_sms_at_once(
    office: Office,
) -> None:
    student = office.student()
    invoice = office.kit.invoice(student, 45000)
    started = office.desk.start_online(invoice.invoice_no)
    office.standin.approve(started.attempt.attempt_id)

    cancelled = office.desk.cancel_online(started.attempt.attempt_id)

    v = cancelled.attempt
    assert v.status is AttemptStatus.PAID
    assert v.payment_id == started.attempt.attempt_id
    assert office.standin.captures == [v.attempt_id]
    assert cancelled.sent.error is None
    assert sorted((o.channel, o.status) for o in cancelled.sent.outcomes) == [
        ("email", NotificationStatus.SENT),
        ("sms", NotificationStatus.SENT),
    ]
    assert (office.mails(), office.texts()) == (1, 1)
    [mail] = office.smtp.messages_to(EMAIL)
    assert "450,00" in mail.text
    rows = notify.notifications_for(office.uow(), NotificationKind.PAYMENT, v.payment_id)
    assert {r.channel: r.status for r in rows} == {
        "email": NotificationStatus.SENT,
        "sms": NotificationStatus.SENT,
    }
    assert recompute_balance(office.uow(), student.id) == (0, 0)


def test_the_confirmation_is_sent_once_whatever_asks_again_afterwards(office: Office) -> None:
    student = office.student()
    invoice = office.kit.invoice(student, 30000)
    started = office.desk.start_online(invoice.invoice_no)
    office.standin.approve(started.attempt.attempt_id)
    office.desk.cancel_online(started.attempt.attempt_id)

    checked = office.desk.check_online(started.attempt.attempt_id)
    with pytest.raises(BusinessRuleError, match="already paid"):
        office.desk.cancel_online(started.attempt.attempt_id)
    synced = office.desk.sync_online()

    assert checked.attempt.status is AttemptStatus.PAID
    assert checked.sent.outcomes == ()
    assert synced.result.applied == 0
    assert (office.mails(), office.texts()) == (1, 1)
    assert office.standin.captures == [started.attempt.attempt_id]
    with office.uow() as uow:
        payments = uow.payments.for_student(student.id)
    assert [p.amount_minor for p in payments] == [30000]


def test_a_cancel_that_stops_the_payment_sends_nothing(office: Office) -> None:
    student = office.student()
    invoice = office.kit.invoice(student, 20000)
    started = office.desk.start_online(invoice.invoice_no)

    cancelled = office.desk.cancel_online(started.attempt.attempt_id)

    assert cancelled.attempt.status is AttemptStatus.CANCELLED
    assert cancelled.attempt.payment_id is None
    assert cancelled.sent.outcomes == ()
    assert cancelled.sent.error is None
    assert (office.mails(), office.texts()) == (0, 0)
    assert office.standin.captures == []
    assert recompute_balance(office.uow(), student.id) == (20000, 20000)


def test_with_the_mail_server_down_the_payment_stands_and_the_mail_waits(office: Office) -> None:
    student = office.student()
    invoice = office.kit.invoice(student, 12500)
    started = office.desk.start_online(invoice.invoice_no)
    office.standin.approve(started.attempt.attempt_id)
    office.smtp.stop()
    try:
        cancelled = office.desk.cancel_online(started.attempt.attempt_id)
    finally:
        office.smtp.start()

    assert cancelled.attempt.status is AttemptStatus.PAID
    outcomes = {o.channel: o.status for o in cancelled.sent.outcomes}
    assert outcomes["sms"] is NotificationStatus.SENT
    assert outcomes["email"] is not NotificationStatus.SENT
    assert (office.mails(), office.texts()) == (0, 1)
    # What waits in the outbox goes with the next try, once.
    school = office.kit.school
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    notify.dispatch_due(office.uow(), school, office.desk.transports(school), now=later)
    assert (office.mails(), office.texts()) == (1, 1)
