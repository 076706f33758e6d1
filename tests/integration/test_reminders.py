"""Reminders about overdue invoices (issue 15), end to end on every backend: the real SMS and
mail senders talk to local stand-ins, the payment link is a real Checkout Session on the
Stripe stand-in, and two schools share the database.

What must show: a reminder goes once per interval, each with a link that pays that invoice,
none to a student who paid meanwhile; ``dry_run`` sends nothing; two desks pressing at the
same moment send one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import stripe
from sqlalchemy import Engine, func, select

from jdoffice.adapters.notify_config import NotificationConfig, SmsProvider, parse_smtp_url
from jdoffice.adapters.orm import NotificationRow, ReminderRow
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.bootstrap import build_transports
from jdoffice.domain.errors import BusinessRuleError
from jdoffice.domain.model import UTC, Actor, Invoice, Student
from jdoffice.domain.notification import NotificationKind, NotificationStatus
from jdoffice.domain.staff import NotAllowed
from jdoffice.gateways.stripe_checkout import StripeGateway
from jdoffice.services import notifications as notify
from jdoffice.services import online, reminders
from jdoffice.services.audit_trail import audit_list
from jdoffice.services.notification_settings import NotificationSettings
from jdoffice.services.payments import register_payment
from jdoffice.services.ports import DuplicateKey
from jdoffice.services.settings import PaymentSettings
from jdoffice.services.student_statement import student_statement
from tests.conftest import SchoolKit, new_kit
from tests.integration.staff_helpers import make_staff
from tests.standin.notify_standin import SmsStandin, SmtpStandin
from tests.standin.stripe_standin import StripeStandin

ACTOR = Actor(staff="mette", desk="desk-2")
SENDER = "kontor@osterbro-koreskole.dk"
DEFAULTS = NotificationSettings(
    email_enabled=True, sms_enabled=True, sender_address=SENDER, sms_sender="Koreskole"
)
SECRET_KEY = "sk_test_jdoffice_remind"
SETTINGS = PaymentSettings(online_enabled=True)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """The stand-in answers a payment with a redirect to the school's thank-you page, which
    is not on this machine: the answer itself is enough."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


@pytest.fixture(autouse=True)
def _fast_client_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stripe.HTTPXClient, "_sleep_time_seconds", lambda self, num_retries: 0.01)


@pytest.fixture
def smtp() -> Iterator[SmtpStandin]:
    with SmtpStandin() as server:
        yield server


@pytest.fixture
def sms() -> Iterator[SmsStandin]:
    with SmsStandin() as server:
        yield server


@pytest.fixture
def standin() -> Iterator[StripeStandin]:
    with StripeStandin(secret_key=SECRET_KEY, webhook_secret="whsec_remind") as s:
        yield s
        assert s.internal_errors == []


@pytest.fixture
def gateway(standin: StripeStandin) -> Iterator[StripeGateway]:
    gw = StripeGateway(
        SECRET_KEY,
        webhook_secret="whsec_remind",
        api_base=standin.base_url,
        timeout_seconds=5.0,
        max_network_retries=1,
    )
    yield gw
    gw.close()


@dataclasses.dataclass
class Office:
    """One school's desk sending reminders: its outbox senders and its Stripe link."""

    kit: SchoolKit
    uow: SqlAlchemyUnitOfWork
    smtp: SmtpStandin
    sms: SmsStandin
    gateway: StripeGateway
    transports: notify.Transports

    @property
    def school(self) -> Any:
        return self.kit.school

    def student(self, phone: str = "21 34 56 78", email: str = "soren@example.dk") -> Student:
        return self.kit.student("Søren", "Ærø", phone=phone, email=email)

    def overdue(self, student: Student, amount_minor: int, days: int) -> Invoice:
        today = self.school.local_date(dt.datetime.now(UTC))
        return self.kit.invoice(
            student, amount_minor, text="Køretimer", due=today - dt.timedelta(days=days)
        )

    def remind(self, *, online_payments: bool = True, **kw: Any) -> reminders.RemindResult:
        kw.setdefault("channel", "sms")
        if "invoice_nos" not in kw:
            kw.setdefault("overdue_days", 14)
        link = (
            reminders.online_link(self.uow, self.school, self.gateway, SETTINGS, ACTOR)
            if online_payments and not kw.get("dry_run")
            else None
        )
        return reminders.remind(
            self.uow,
            self.school,
            self.transports,
            actor=ACTOR,
            link=kw.pop("link", link),
            online=online_payments,
            **kw,
        )

    def count(self, table: Any) -> int:
        with self.uow:
            return int(
                self.uow.session.scalar(
                    select(func.count()).select_from(table).where(table.school_id == self.school.id)
                )
                or 0
            )


def _transports(slug: str, smtp: SmtpStandin, sms: SmsStandin) -> notify.Transports:
    config = NotificationConfig(
        settings=DEFAULTS,
        smtp=parse_smtp_url(smtp.url, timeout_seconds=5),
        sms=SmsProvider(api_base=sms.base_url, account=sms.account, timeout_seconds=5),
    )
    return build_transports(config, slug)


def _office(
    kit: SchoolKit, engine: Engine, smtp: SmtpStandin, sms: SmsStandin, gateway: StripeGateway
) -> Office:
    uow = SqlAlchemyUnitOfWork(engine, notification_defaults=DEFAULTS)
    return Office(kit, uow, smtp, sms, gateway, _transports(kit.school.slug, smtp, sms))


@pytest.fixture
def office(
    kit: SchoolKit,
    engine: Engine,
    smtp: SmtpStandin,
    sms: SmsStandin,
    gateway: StripeGateway,
    monkeypatch: pytest.MonkeyPatch,
) -> Office:
    monkeypatch.setenv("JDOFFICE_SMTP_PASSWORD", smtp.password)
    monkeypatch.setenv("JDOFFICE_SMS_TOKEN", sms.token)
    return _office(kit, engine, smtp, sms, gateway)


def plain(text: str) -> str:
    return text.replace("\u00a0", " ")


def reminder_texts(sms: SmsStandin, number: str = "+4521345678") -> list[str]:
    """The reminders the student's phone got (their receipts are other messages)."""
    return [m.body for m in sms.messages_to(number) if "Påmindelse" in m.body]


def link_in(text: str) -> str:
    found = re.search(r"https?://\S+/pay/\S+", text)
    assert found is not None, text
    return found.group(0).rstrip(".")


# --------------------------------------------------------------------------- the link works


def test_an_overdue_invoice_is_reminded_by_sms_with_a_link_that_pays_exactly_that_invoice(
    office: Office, standin: StripeStandin
) -> None:
    student = office.student()
    invoice = office.overdue(student, 45_000, days=20)
    office.overdue(student, 10_000, days=5)  # overdue, but not 14 days yet

    result = office.remind()

    assert (result.sent, result.skipped) == (1, 0)
    [line] = result.lines
    assert (line.invoice_no, line.status, line.amount_minor) == (invoice.invoice_no, "sent", 45_000)
    [message] = office.sms.messages_to("+4521345678")
    body = plain(message.body)
    assert body.startswith(
        f"Østerbro Køreskole: Påmindelse om faktura {invoice.invoice_no} på 450,00 kr., forfaldt "
    )
    url = link_in(body)
    assert url == line.url
    # The link opens the stand-in's payment page of a session for this invoice and amount,
    # whose attempt is the one recorded on the reminder.
    page = _NO_PROXY.open(url, timeout=5).read().decode()
    assert "450.00 dkk" in page.lower()
    session_id = url.rsplit("/", 1)[1]
    session = standin.session(session_id)
    assert session["metadata"]["invoice_no"] == invoice.invoice_no
    assert session["amount_total"] == 45_000
    with office.uow:
        attempt = office.uow.attempts.lock_by_provider_ref("stripe", session_id)
        [reminder] = office.uow.reminders.for_student(office.school.id, student.id)
    assert attempt is not None
    assert (attempt.invoice_no, attempt.amount_minor) == (invoice.invoice_no, 45_000)
    assert reminder.attempt_id == attempt.id
    # Paying on that page pays the invoice.
    with pytest.raises(urllib.error.HTTPError, match="303"):
        _NO_PROXY.open(urllib.request.Request(url, data=b"", method="POST"), timeout=5)
    paid = online.check_attempt(office.uow, office.school, office.gateway, attempt.id)
    assert paid.payment_id is not None
    with office.uow:
        after = office.uow.invoices.get_by_no(office.school.id, invoice.invoice_no)
    assert after is not None
    assert after.outstanding_minor == 0


def test_a_student_is_reminded_once_per_interval_and_never_after_paying(office: Office) -> None:
    student = office.student()
    invoice = office.overdue(student, 30_000, days=30)
    start = dt.datetime.now(UTC)

    first = office.remind(now=start)
    soon = office.remind(now=start + dt.timedelta(days=6, hours=23))
    later = office.remind(now=start + dt.timedelta(days=7, minutes=1), dry_run=True)

    assert first.sent == 1
    assert (soon.sent, soon.skipped) == (0, 1)
    assert "not again before" in soon.lines[0].reason
    assert "every 7 days" in soon.lines[0].reason
    assert [line.status for line in later.lines] == ["would_send"]
    assert len(office.sms.messages_to("+4521345678")) == 1

    register_payment(
        office.uow,
        office.school,
        method="bank",
        amount_minor=30_000,
        invoice_no=invoice.invoice_no,
        actor=ACTOR,
    )
    after_paying = office.remind(now=start + dt.timedelta(days=8))
    chosen = office.remind(invoice_nos=[invoice.invoice_no], now=start + dt.timedelta(days=8))

    assert after_paying.lines == ()
    assert [(line.status, line.reason) for line in chosen.lines] == [
        ("skipped", "nothing is outstanding on it (paid, cancelled or not this school's)")
    ]
    assert len(office.sms.messages_to("+4521345678")) == 1
    assert office.count(ReminderRow) == 1


def test_the_schools_interval_is_its_own_setting(office: Office) -> None:
    student = office.student()
    office.overdue(student, 30_000, days=30)
    start = dt.datetime.now(UTC)
    reminders.update_reminder_interval(office.uow, office.school, 2, actor=ACTOR)

    office.remind(now=start, online_payments=False)
    again = office.remind(now=start + dt.timedelta(days=2, minutes=1), online_payments=False)

    assert again.sent == 1
    assert len(office.sms.messages_to("+4521345678")) == 2
    with office.uow:
        assert reminders.reminder_interval(office.uow, office.school) == 2


def test_a_student_who_pays_while_the_link_is_made_gets_no_reminder(office: Office) -> None:
    student = office.student()
    invoice = office.overdue(student, 20_000, days=15)
    real = reminders.online_link(office.uow, office.school, office.gateway, SETTINGS, ACTOR)

    def link_then_paid_at_the_desk(invoice_no: str) -> online.AttemptView:
        view = real(invoice_no)
        register_payment(
            office.uow,
            office.school,
            method="cash",
            amount_minor=20_000,
            tendered_minor=20_000,
            invoice_no=invoice.invoice_no,
            actor=ACTOR,
        )
        return view

    result = office.remind(link=link_then_paid_at_the_desk)

    assert [(line.status, line.reason) for line in result.lines] == [("skipped", "paid meanwhile")]
    assert reminder_texts(office.sms) == []
    assert office.count(ReminderRow) == 0


def test_a_reminder_waiting_in_the_outbox_is_not_sent_once_the_invoice_is_paid(
    office: Office,
) -> None:
    student = office.student()
    invoice = office.overdue(student, 20_000, days=15)
    office.transports = dataclasses.replace(office.transports, sms=None)  # no SMS here now

    waiting = office.remind(online_payments=False)
    register_payment(
        office.uow,
        office.school,
        method="bank",
        amount_minor=20_000,
        invoice_no=invoice.invoice_no,
        actor=ACTOR,
    )
    later = notify.dispatch_due(
        office.uow, office.school, _transports(office.school.slug, office.smtp, office.sms)
    )

    assert [line.status for line in waiting.lines] == ["queued"]
    reminder_outcomes = [o for o in later.outcomes if o.kind == NotificationKind.REMINDER.value]
    assert [(o.status, o.error) for o in reminder_outcomes] == [
        (NotificationStatus.SKIPPED, "the invoice is paid")
    ]
    assert reminder_texts(office.sms) == []


# --------------------------------------------------------------------------- no link, no address


def test_without_online_payments_the_reminder_says_how_to_pay_without_a_link(
    office: Office,
) -> None:
    student = office.student()
    invoice = office.overdue(student, 85_025, days=40)

    result = office.remind(channel="email", online_payments=False)

    assert (result.sent, result.with_link) == (1, False)
    [mail] = office.smtp.messages_to("soren@example.dk")
    assert mail.subject == f"Påmindelse om faktura {invoice.invoice_no} fra Østerbro Køreskole"
    text = plain(mail.text)
    assert f"faktura {invoice.invoice_no} på 850,25 kr., som forfaldt" in text
    assert (
        "Betal på kontoret (kontant, kort eller MobilePay) eller ved bankoverførsel med "
        f"fakturanummeret {invoice.invoice_no} som tekst."
    ) in text
    assert "http" not in text


def test_students_without_a_number_are_skipped_with_the_reason_and_the_rest_are_sent(
    office: Office,
) -> None:
    reachable = office.student()
    silent = office.kit.student("Bo", "Berg", phone="", email="bo@example.dk")
    office.overdue(reachable, 10_000, days=20)
    office.overdue(silent, 12_000, days=25)

    result = office.remind(online_payments=False)

    assert (result.sent, result.skipped) == (1, 1)
    assert result.reasons() == {f"student {silent.student_no} has no phone number": 1}


def test_a_channel_the_school_has_off_is_refused_before_anything_is_sent(
    office: Office,
) -> None:
    office.overdue(office.student(), 10_000, days=20)
    notify.update_notification_settings(
        office.uow, office.school, {"sms_enabled": False}, actor=ACTOR
    )
    with pytest.raises(BusinessRuleError, match="SMS is off"):
        office.remind()
    assert office.count(ReminderRow) == 0


# --------------------------------------------------------------------------- dry run


def test_a_dry_run_lists_what_it_would_send_and_sends_nothing(
    office: Office, standin: StripeStandin
) -> None:
    student = office.student()
    invoice = office.overdue(student, 45_000, days=20)

    result = office.remind(dry_run=True)

    assert [(line.invoice_no, line.status, line.recipient) for line in result.lines] == [
        (invoice.invoice_no, "would_send", "+4521345678")
    ]
    assert result.with_link
    assert office.sms.messages_to("+4521345678") == []
    assert standin.sessions() == []
    assert (office.count(ReminderRow), office.count(NotificationRow)) == (0, 0)
    # Nothing was recorded, so the real run right after sends it.
    assert office.remind().sent == 1


# --------------------------------------------------------------------------- two desks, two schools


def test_two_desks_pressing_at_the_same_moment_send_one_reminder(
    office: Office, engine: Engine
) -> None:
    student = office.student()
    invoice = office.overdue(student, 45_000, days=20)
    both_ready = threading.Barrier(2, timeout=30)
    results: list[reminders.RemindResult] = []
    errors: list[BaseException] = []

    def desk() -> None:
        uow = SqlAlchemyUnitOfWork(engine, notification_defaults=DEFAULTS)
        real = reminders.online_link(uow, office.school, office.gateway, SETTINGS, ACTOR)

        def link(invoice_no: str) -> online.AttemptView:
            # Both desks have looked and found no reminder yet; now both go on at once.
            both_ready.wait()
            return real(invoice_no)

        try:
            results.append(
                reminders.remind(
                    uow,
                    office.school,
                    office.transports,
                    channel="sms",
                    actor=ACTOR,
                    invoice_nos=[invoice.invoice_no],
                    link=link,
                )
            )
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=desk) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert errors == []
    assert sorted(r.sent for r in results) == [0, 1]
    [skipped] = [line for r in results for line in r.lines if line.status == "skipped"]
    assert skipped.reason == "already reminded meanwhile (another desk)"
    assert len(office.sms.messages_to("+4521345678")) == 1
    assert office.count(ReminderRow) == 1


def test_the_database_refuses_a_second_reminder_about_an_invoice_the_same_day(
    office: Office,
) -> None:
    student = office.student()
    invoice = office.overdue(student, 45_000, days=20)
    office.remind(online_payments=False)
    with office.uow:
        [first] = office.uow.reminders.for_student(office.school.id, student.id)

    def the_same_invoice_again_today() -> None:
        with office.uow.write():
            office.uow.reminders.add(
                dataclasses.replace(first, id="1b2c3d4e-0000-4000-8000-000000000001"),
                dt.datetime.now(UTC),
            )
            office.uow.commit()

    with pytest.raises(DuplicateKey):
        the_same_invoice_again_today()
    assert office.count(ReminderRow) == 1
    assert invoice.invoice_no == first.invoice_no


def test_one_school_never_reminds_about_another_schools_invoices(
    office: Office,
    engine: Engine,
    smtp: SmtpStandin,
    sms: SmsStandin,
    gateway: StripeGateway,
) -> None:
    other = _office(new_kit(engine, "Vesterbro Trafikskole"), engine, smtp, sms, gateway)
    theirs = other.overdue(other.kit.student("Dina", "Dahl", phone="+4522334455"), 9_900, 30)
    ours = office.overdue(office.student(), 12_000, days=30)

    result = office.remind(online_payments=False)
    asked = office.remind(invoice_nos=[theirs.invoice_no], online_payments=False)

    assert [line.invoice_no for line in result.lines] == [ours.invoice_no]
    assert [line.status for line in asked.lines] == ["skipped"]
    assert sms.messages_to("+4522334455") == []
    assert (office.count(ReminderRow), other.count(ReminderRow)) == (1, 0)
    # And the other school's own run reminds its own student.
    assert other.remind(online_payments=False).sent == 1


# --------------------------------------------------------------------------- audit and statement


def test_every_reminder_is_audited_and_listed_on_the_students_statement(office: Office) -> None:
    student = office.student()
    invoice = office.overdue(student, 45_000, days=20)

    office.remind(channel="email", online_payments=False)

    today = office.school.local_date(dt.datetime.now(UTC))
    entries = audit_list(
        office.uow, office.school, start=today, end=today, by=None, student_no=student.student_no
    )
    [entry] = [e for e in entries if e.action == "reminder.sent"]
    assert entry.entity == "reminder"
    assert entry.after is not None
    assert (entry.after["invoice_no"], entry.after["channel"], entry.after["amount_minor"]) == (
        invoice.invoice_no,
        "email",
        45_000,
    )
    assert (entry.staff, entry.desk) == ("mette", "desk-2")

    st = student_statement(office.uow, office.school, student.student_no)
    [line] = [x for x in st.lines if x.kind == "reminder"]
    assert (line.document, line.text) == (invoice.invoice_no, "Betalingspåmindelse, e-mail")
    assert (line.debit_minor, line.credit_minor, line.balance_minor) == (0, 0, 45_000)
    assert st.closing_minor == 45_000


# --------------------------------------------------------------------------- who may send


def test_a_receptionist_sends_reminders_and_nobody_signed_in_sends_none(office: Office) -> None:
    staff = make_staff(office.uow, office.kit)
    student = office.student()
    office.overdue(student, 30_000, days=30)

    with pytest.raises(NotAllowed, match="sign in first"):
        office.remind(online_payments=False)
    assert office.count(ReminderRow) == 0
    # Looking (a dry run) needs nobody signed in, like the debtor list.
    assert office.remind(online_payments=False, dry_run=True).sent == 1

    by_receptionist = reminders.remind(
        office.uow,
        office.school,
        office.transports,
        channel="sms",
        actor=staff.receptionist.actor("kasse-1"),
        overdue_days=14,
    )

    assert by_receptionist.sent == 1
    with office.uow:
        [reminder] = office.uow.reminders.for_student(office.school.id, student.id)
    assert reminder.actor.staff_id == staff.receptionist.id
