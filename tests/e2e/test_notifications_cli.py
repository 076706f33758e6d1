"""Confirmations, receipts and payment links from the command line and the webhook receiver, as
real processes, against a real SMTP server (aiosmtpd) and an SMS stand-in on loopback.

Per backend, one module-wide stack: a demo database, the Stripe stand-in process, the receiver
(``webhooks serve``) and the mail and SMS servers, all configured through the environment
exactly as a server would be (``JDOFFICE_SMTP_URL``, ``JDOFFICE_SMS_*``).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine, text

from jdoffice.adapters import db
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.model import Student
from jdoffice.services import queries
from tests.conftest import BACKENDS, SchoolKit
from tests.e2e.conftest import CliResult, assert_ok, assert_refused, run_cli, wait_until
from tests.e2e.test_webhooks import (
    SECRET_KEY,
    WEBHOOK_SECRET,
    Receiver,
    _write_config,
    start_receiver,
)
from tests.standin.notify_standin import SmsStandin, SmtpStandin
from tests.standin.stripe_standin import RemoteStandin, StandinProcess

if TYPE_CHECKING:
    from tests.conftest import TestDatabase

SENDER = "kontor@koreskole.example"


@dataclass
class Office:
    url: str
    kit: SchoolKit
    smtp: SmtpStandin
    sms: SmsStandin
    stripe: RemoteStandin
    receiver: Receiver
    env: dict[str, str]

    def cli(self, *args: str) -> CliResult:
        return run_cli(self.url, *args, env=self.env)

    def student(self, tag: str) -> Student:
        return self.kit.student(
            "Åse",
            "Ødegård",
            email=f"aase.{tag}@example.dk",
            phone=f"+45 20 {tag[:2]} 00 {tag[2:4]}",
        )


def becomes_true_within(condition: Callable[[], bool], seconds: float = 2.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def _phone(student: Student) -> str:
    return "+45" + "".join(c for c in student.phone if c.isdigit())[2:]


@pytest.fixture(scope="module", params=BACKENDS)
def office(
    request: pytest.FixtureRequest,
    fresh_database_factory: Callable[[str], TestDatabase],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Office]:
    backend: str = request.param
    tdb = fresh_database_factory(backend)
    url = tdb.url_text
    assert_ok(run_cli(url, "demo", "--students", "3", "--seed", "5", "--json"))
    engine: Engine = db.make_engine(tdb.url)
    work = tmp_path_factory.mktemp(f"notify-{backend}")
    try:
        school = queries.resolve_school(SqlAlchemyUnitOfWork(engine), None)
        kit = SchoolKit(engine, school, "nt-")
        with (
            SmtpStandin() as smtp,
            SmsStandin() as sms,
            StandinProcess(
                secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET, auto_deliver=False
            ) as stripe,
        ):
            env = {
                "JDOFFICE_STRIPE_SECRET_KEY": SECRET_KEY,
                "JDOFFICE_STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
                "JDOFFICE_STRIPE_API_BASE": stripe.base_url,
                "JDOFFICE_CONFIG": str(_write_config(work / "config.toml")),
                "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
                "JDOFFICE_SMTP_URL": smtp.url,
                "JDOFFICE_SMTP_PASSWORD": smtp.password,
                "JDOFFICE_MAIL_FROM": SENDER,
                "JDOFFICE_SMS_API_BASE": sms.base_url,
                "JDOFFICE_SMS_ACCOUNT": sms.account,
                "JDOFFICE_SMS_TOKEN": sms.token,
                "JDOFFICE_SMS_FROM": "Koreskole",
                "QT_QPA_PLATFORM": "offscreen",
            }
            receiver = start_receiver(url, env, work / "receiver.log")
            try:
                stripe.remote.configure_webhook(
                    f"{receiver.base_url}/webhooks/stripe/{school.slug}", auto_deliver=False
                )
                o = Office(url, kit, smtp, sms, stripe.remote, receiver, env)
                assert_ok(o.cli("school", "payments", "--online", "on"))
                yield o
            finally:
                receiver.stop()
                for secret in (smtp.password, sms.token):
                    assert secret not in receiver.log_tail()
    finally:
        engine.dispose()


def test_pay_sends_the_receipt_as_a_pdf_by_email_and_a_confirmation_by_sms(office: Office) -> None:
    student = office.student("1101")
    invoice = office.kit.invoice(student, 85025, text="Køretime i Århus")

    paid = assert_ok(
        office.cli(
            "pay",
            "--invoice",
            invoice.invoice_no,
            "--method",
            "cash",
            "--amount",
            "850,25",
            "--tendered",
            "1000",
            "--json",
        )
    ).data

    assert sorted((n["channel"], n["status"]) for n in paid["notifications"]) == [
        ("email", "sent"),
        ("sms", "sent"),
    ]
    [mail] = office.smtp.messages_to(student.email)
    assert mail.subject == f"Kvittering nr. {paid['receipt_no']} fra {office.kit.school.name}"
    assert "Hej Åse Ødegård" in mail.text
    assert "Kvitteringen er vedhæftet som PDF." in mail.text
    [(name, content_type, pdf)] = mail.attachments()
    assert (name, content_type) == (f"kvittering-{paid['receipt_no']}.pdf", "application/pdf")
    assert pdf.startswith(b"%PDF")
    [message] = office.sms.messages_to(_phone(student))
    assert f"850,25 kr. Kvittering nr. {paid['receipt_no']}." in message.body.replace("\xa0", " ")


def test_a_webhook_delivered_three_times_confirms_the_payment_once(office: Office) -> None:
    student = office.student("2202")
    invoice = office.kit.invoice(student, 45000, text="Teoriprøve")
    started = assert_ok(office.cli("link", "--invoice", invoice.invoice_no, "--json")).data
    office.stripe.complete_session(started["session_id"])
    [event] = [
        e
        for e in office.stripe.events()
        if e["type"] == "checkout.session.completed"
        and e["data"]["object"]["id"] == started["session_id"]
    ]

    for _ in range(3):
        assert office.stripe.deliver(event["id"]) == [200]

    wait_until(
        lambda: (
            bool(office.smtp.messages_to(student.email))
            and bool(office.sms.messages_to(_phone(student)))
        ),
        20,
        "the confirmations",
    )
    # A moment more for any duplicate to arrive.
    assert not becomes_true_within(lambda: len(office.smtp.messages_to(student.email)) > 1)
    [mail] = office.smtp.messages_to(student.email)
    assert "450,00 kr." in mail.text.replace("\xa0", " ")
    assert "Kvittering:" in mail.text  # the receiver sends the receipt as text
    assert len(office.sms.messages_to(_phone(student))) == 1


def test_smtp_down_the_payment_is_recorded_and_retry_sends_the_mail_later(office: Office) -> None:
    student = office.student("3303")
    invoice = office.kit.invoice(student, 20000)
    office.smtp.stop()
    try:
        result = assert_ok(
            office.cli(
                "pay", "--invoice", invoice.invoice_no, "--method", "bank", "--amount", "200"
            )
        )
        assert "Confirmation: e-mail not sent yet (cannot reach the mail server" in result.stdout
        assert "Confirmation: SMS sent to" in result.stdout
        failed = assert_ok(office.cli("notifications", "list", "--failed", "--json")).data
        assert [n["recipient"] for n in failed] == [student.email]
        assert failed[0]["status"] == "failed"
        assert not failed[0]["gave_up"]
    finally:
        office.smtp.start()

    retried = assert_ok(office.cli("notifications", "retry"))

    assert office.smtp.messages_to(student.email), retried.describe()
    assert len(office.smtp.messages_to(student.email)) == 1
    assert assert_ok(office.cli("notifications", "list", "--failed", "--json")).data == []


def test_link_send_sms_sends_the_payment_url_instead_of_a_qr(office: Office) -> None:
    student = office.student("4404")
    invoice = office.kit.invoice(student, 129900, text="Lynkursus")

    data = assert_ok(
        office.cli("link", "--invoice", invoice.invoice_no, "--send", "sms", "--json")
    ).data

    assert data["sent"]["status"] == "sent"
    assert data["sent"]["recipient"] == _phone(student)
    [message] = office.sms.messages_to(_phone(student))
    assert message.body.replace("\xa0", " ") == (
        f"{office.kit.school.name}: Betal faktura {invoice.invoice_no} på 1.299,00 kr. "
        f"her: {data['url']}"
    )


def test_send_test_email_arrives_with_danish_letters_intact(office: Office) -> None:
    result = assert_ok(office.cli("notifications", "send-test", "--email", "test@example.dk"))

    assert "test e-mail sent to test@example.dk" in result.stdout
    [mail] = office.smtp.messages_to("test@example.dk")
    assert "(æ ø å Æ Ø Å)" in mail.text
    assert mail.subject.endswith("e-mail virker ✓")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("notifications", "send-test", "--sms", "123"), "not a valid phone number: '123'"),
        (("notifications", "send-test", "--email", "kontor@"), "not a valid e-mail address"),
        (("school", "notifications", "--sender-address", "kontor@"), "not a valid sender address"),
        (("school", "notifications", "--sms-sender", "+45 12"), "not a valid SMS sender"),
        (
            ("school", "notifications", "--template", "da:payment_sms=Pris {pris}"),
            "{pris} is not a field",
        ),
    ],
)
def test_a_malformed_address_number_or_template_exits_2_and_changes_nothing(
    office: Office, args: tuple[str, ...], message: str
) -> None:
    before = assert_ok(office.cli("school", "notifications", "--json")).data
    sent_before = (len(office.smtp.received), len(office.sms.received))

    assert_refused(office.cli(*args), 2, message)

    assert assert_ok(office.cli("school", "notifications", "--json")).data == before
    assert (len(office.smtp.received), len(office.sms.received)) == sent_before


def test_link_send_to_a_malformed_number_exits_2_before_starting_a_payment(office: Office) -> None:
    student = office.student("5505")
    invoice = office.kit.invoice(student, 10000)

    assert_refused(
        office.cli("link", "--invoice", invoice.invoice_no, "--send", "sms", "--to", "12"),
        2,
        "not a valid phone number",
    )
    with office.kit.engine.connect() as conn:
        attempts = conn.execute(
            text("SELECT COUNT(*) FROM online_payment_attempts WHERE invoice_id = :i"),
            {"i": invoice.id},
        ).scalar()
    assert attempts == 0


def test_the_environment_turns_both_channels_on_with_its_senders(office: Office) -> None:
    data = assert_ok(office.cli("school", "notifications", "--json")).data

    assert data["email"] is True
    assert data["sms"] is True
    assert data["sender_address"] == SENDER
    assert data["sms_sender"] == "Koreskole"
    assert data["language"] == "da"


# --------------------------------------------------------------------------- reminders


def test_remind_sends_an_overdue_invoice_once_with_a_working_link_after_a_dry_run_sent_nothing(
    office: Office,
) -> None:
    student = office.student("1401")
    today = office.kit.school.local_date(dt.datetime.now(dt.UTC))
    invoice = office.kit.invoice(
        student, 61_000, text="Teoriprøve", due=today - dt.timedelta(days=20)
    )
    phone = _phone(student)

    dry = assert_ok(
        office.cli("remind", "--overdue-days", "14", "--send", "sms", "--dry-run", "--json")
    ).data
    [planned] = [r for r in dry["reminders"] if r["invoice_no"] == invoice.invoice_no]
    assert (planned["status"], planned["recipient"], planned["days_overdue"]) == (
        "would_send",
        phone,
        20,
    )
    assert dry["with_link"] is True
    assert office.sms.messages_to(phone) == []

    sent = assert_ok(
        office.cli("remind", "--invoice", invoice.invoice_no, "--send", "sms", "--json")
    ).data
    [line] = sent["reminders"]
    assert (sent["sent"], line["status"], line["amount_minor"]) == (1, "sent", 61_000)
    [message] = office.sms.messages_to(phone)
    body = message.body.replace("\xa0", " ")
    assert f"Påmindelse om faktura {invoice.invoice_no} på 610,00 kr." in body
    assert line["url"] in body
    session = office.stripe.session(line["url"].rsplit("/", 1)[1])
    assert (session["metadata"]["invoice_no"], session["amount_total"]) == (
        invoice.invoice_no,
        61_000,
    )

    again = assert_ok(office.cli("remind", "--invoice", invoice.invoice_no, "--send", "sms"))
    assert "Sent: 0, skipped: 1" in again.stdout
    assert "not again before" in again.stdout
    assert len(office.sms.messages_to(phone)) == 1
    audit = assert_ok(office.cli("audit", "list", "--student", student.student_no, "--json")).data
    assert [e["action"] for e in audit if e["entity"] == "reminder"] == ["reminder.sent"]
    statement = assert_ok(office.cli("student", student.student_no, "--statement")).stdout
    assert "Betalingspåmindelse, SMS" in statement


def test_remind_refuses_bad_options_and_changes_nothing(office: Office) -> None:
    assert_refused(office.cli("remind", "--overdue-days", "0"), 2, "0")
    assert_refused(office.cli("remind", "--send", "fax"), 2, "fax")
    assert_refused(office.cli("remind", "--overdue-days", "14", "--invoice", "F1"), 2, "not both")
    assert_refused(office.cli("school", "reminders", "--interval", "0"), 2, "1 to 365 days")
    shown = assert_ok(office.cli("school", "reminders", "--json")).data
    assert shown["interval_days"] == 7
