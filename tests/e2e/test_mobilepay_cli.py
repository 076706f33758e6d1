"""MobilePay through the command line and the webhook receiver as real processes, against the
MobilePay stand-in (issue 13).

Per backend, one module-wide stack: a database seeded by ``jdoffice demo`` whose school takes
Stripe and MobilePay online (Stripe first, so every MobilePay command names its gateway), the
MobilePay stand-in, and ``jdoffice webhooks serve``. The sales unit's client id and merchant
serial number are the school's own settings (``school payments --set``); its secrets are set
with ``keys set`` into a keyring file both processes share. Stripe has no key here: its part of
``payments sync`` fails and MobilePay's still runs. A real SMTP server and an SMS stand-in take
the confirmations: every payment that lands sends exactly one e-mail and one SMS, whichever of
the receiver, the desk's status check and ``payments sync`` (or all of them) sees it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from sqlalchemy import Engine, text

from jdoffice.adapters import db
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.model import Invoice, Student
from jdoffice.gateways import mobilepay_info
from jdoffice.services import queries
from tests.conftest import BACKENDS, SchoolKit
from tests.e2e.conftest import (
    REPO_ROOT,
    CliResult,
    assert_ok,
    assert_refused,
    child_env,
    run_cli,
    wait_until,
)
from tests.e2e.test_webhooks import Receiver, start_receiver
from tests.standin import mobilepay_standin as sd
from tests.standin.mobilepay_standin import MobilePayStandin
from tests.standin.notify_standin import SmsStandin, SmtpStandin

if TYPE_CHECKING:
    from tests.conftest import TestDatabase

APPLY_TIMEOUT = 20.0
#: What `jdoffice link --json` said before there were several gateways, and still says.
LINK_KEYS = {"attempt_id", "url", "amount_minor", "currency", "expires_at", "status", "gateway"}
SENDER = "kontor@koreskole.example"
#: How long a duplicate confirmation is given to turn up after the first one arrived.
DUPLICATE_GRACE = 2.0
_contacts = itertools.count(1)


@dataclass
class Stack:
    url: str
    engine: Engine
    slug: str
    standin: MobilePayStandin
    receiver: Receiver
    env: dict[str, str]
    kit: SchoolKit
    smtp: SmtpStandin
    sms: SmsStandin

    def cli(self, *args: str) -> CliResult:
        return run_cli(self.url, *args, env=self.env)

    def hook_url(self) -> str:
        return f"{self.receiver.base_url}/webhooks/mobilepay/{self.slug}"

    def invoice(self, amount_minor: int) -> tuple[Student, Invoice]:
        """A new student (an e-mail address and a mobile of their own) and an invoice."""
        n = next(_contacts)
        student = self.kit.student(
            "Signe", "Mølgaard", email=f"signe.{n}@example.dk", phone=f"2{n:07d}"
        )
        return student, self.kit.invoice(student, amount_minor)

    def confirmations(self, student: Student) -> tuple[int, int]:
        """How many e-mails and SMS the student has had."""
        return (
            len(self.smtp.messages_to(student.email)),
            len(self.sms.messages_to("+45" + student.phone)),
        )

    def assert_confirmed_once(self, student: Student) -> None:
        """Exactly one e-mail and one SMS reach the student, and no second one follows."""
        wait_until(
            lambda: self.confirmations(student) >= (1, 1), APPLY_TIMEOUT, "the confirmations"
        )
        time.sleep(DUPLICATE_GRACE)
        assert self.confirmations(student) == (1, 1)

    def link(self, invoice: Invoice, *more: str) -> Any:
        data = assert_ok(
            self.cli(
                "link", "--invoice", invoice.invoice_no, "--gateway", "mobilepay", "--json", *more
            )
        ).data
        assert set(data) >= LINK_KEYS, data
        assert data["gateway"] == "mobilepay"
        return data

    def payments(self, student: Student) -> list[Any]:
        data = assert_ok(self.cli("student", student.student_no, "--json")).data
        return list(data["payments"])

    def owed(self, invoice: Invoice) -> int:
        with self.engine.connect() as conn:
            row = conn.execute(
                text("SELECT amount_minor, paid_minor FROM student_invoices WHERE id = :i"),
                {"i": invoice.id},
            ).one()
        return int(row[0]) - int(row[1])

    def attempt_status(self, attempt_id: str) -> str:
        with self.engine.connect() as conn:
            return str(
                conn.execute(
                    text("SELECT status FROM online_payment_attempts WHERE id = :i"),
                    {"i": attempt_id},
                ).scalar()
            )


def keys_set(url: str, env: dict[str, str], name: str, value: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "jdoffice", "--db", url, "keys", "set", name],
        input=value + "\n",
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        cwd=REPO_ROOT,
        env=child_env(env),
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


@pytest.fixture(scope="module", params=BACKENDS)
def stack(
    request: pytest.FixtureRequest,
    fresh_database_factory: Callable[[str], TestDatabase],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    tdb = fresh_database_factory(request.param)
    url = tdb.url_text
    assert_ok(run_cli(url, "demo", "--students", "3", "--seed", "5", "--json"))
    engine = db.make_engine(tdb.url)
    work = tmp_path_factory.mktemp(f"mobilepay-{request.param}")
    try:
        school = queries.resolve_school(SqlAlchemyUnitOfWork(engine), None)
        kit = SchoolKit(engine, school, "mp-")
        with MobilePayStandin() as standin, SmtpStandin() as smtp, SmsStandin() as sms:
            env = {
                "JDOFFICE_MOBILEPAY_API_BASE": standin.base_url,
                "JDOFFICE_SMTP_URL": smtp.url,
                "JDOFFICE_SMTP_PASSWORD": smtp.password,
                "JDOFFICE_MAIL_FROM": SENDER,
                "JDOFFICE_SMS_API_BASE": sms.base_url,
                "JDOFFICE_SMS_ACCOUNT": sms.account,
                "JDOFFICE_SMS_TOKEN": sms.token,
                "JDOFFICE_SMS_FROM": "Koreskole",
                "PYTHON_KEYRING_BACKEND": "tests.e2e.file_keyring.FileKeyring",
                "JDOFFICE_TEST_KEYRING_FILE": str(work / "keyring.json"),
                # No Stripe here: its part of `payments sync` must fail fast, never leave.
                "JDOFFICE_STRIPE_API_BASE": "http://127.0.0.1:9",
            }
            for name, value in (
                (mobilepay_info.CLIENT_SECRET, sd.CLIENT_SECRET),
                (mobilepay_info.SUBSCRIPTION_KEY, sd.SUBSCRIPTION_KEY),
                (mobilepay_info.WEBHOOK_SECRET, sd.WEBHOOK_SECRET),
            ):
                keys_set(url, env, name, value)
            assert_ok(
                run_cli(
                    url,
                    "school",
                    "payments",
                    "--online",
                    "on",
                    "--gateway",
                    "stripe",
                    "--gateway",
                    "mobilepay",
                    "--set",
                    f"mobilepay.client_id={sd.CLIENT_ID}",
                    "--set",
                    f"mobilepay.merchant_serial_number={sd.MSN}",
                    env=env,
                )
            )
            receiver = start_receiver(url, env, work / "receiver.log")
            try:
                yield Stack(url, engine, school.slug, standin, receiver, env, kit, smtp, sms)
            finally:
                receiver.stop()
            assert standin.internal_errors == []
    finally:
        engine.dispose()


@pytest.fixture
def no_webhooks(stack: Stack) -> Iterator[None]:
    stack.standin.webhook_url = None
    stack.standin.fail_captures = False
    yield
    stack.standin.webhook_url = None
    stack.standin.fail_captures = False


# --------------------------------------------------------------------------- configuration


def test_settings_name_both_gateways_and_the_sales_unit(stack: Stack) -> None:
    data = assert_ok(stack.cli("school", "payments", "--json")).data
    assert data["gateway"] == "stripe"
    assert data["gateways"] == ["stripe", "mobilepay"]
    assert data["gateway_settings"] == {
        "mobilepay": {"client_id": sd.CLIENT_ID, "merchant_serial_number": sd.MSN}
    }


def test_keys_list_names_mobilepay_secrets_through_the_contract(stack: Stack) -> None:
    rows = {r["name"]: r for r in assert_ok(stack.cli("keys", "list", "--json")).data}
    for name in (
        mobilepay_info.CLIENT_SECRET,
        mobilepay_info.SUBSCRIPTION_KEY,
        mobilepay_info.WEBHOOK_SECRET,
    ):
        assert rows[name]["state"] == "keyring", rows[name]
    assert rows[mobilepay_info.CLIENT_SECRET]["env"] == "JDOFFICE_MOBILEPAY_CLIENT_SECRET"


def test_unknown_gateway_and_unknown_setting_are_refused(stack: Stack) -> None:
    assert_refused(
        stack.cli("school", "payments", "--gateway", "vipps"), 2, "unknown online gateway"
    )
    assert_refused(
        stack.cli("school", "payments", "--set", "mobilepay.colour=blue"), 2, "no setting"
    )


def test_counter_mobilepay_is_still_the_counter_method(stack: Stack) -> None:
    student, invoice = stack.invoice(10000)
    assert_ok(
        stack.cli(
            "pay", "--invoice", invoice.invoice_no, "--method", "mobilepay", "--amount", "100"
        )
    )
    [payment] = stack.payments(student)
    assert payment["method"] == "mobilepay"


# --------------------------------------------------------------------------- payments


def test_qr_payment_lands_by_webhook_once(stack: Stack, no_webhooks: None) -> None:
    student, invoice = stack.invoice(45000)
    started = stack.link(invoice)
    assert started["url"]
    assert stack.standin.payment(started["attempt_id"])["userFlow"] == "QR"
    stack.standin.webhook_url = stack.hook_url()
    stack.standin.approve(started["attempt_id"])
    wait_until(lambda: bool(stack.payments(student)), APPLY_TIMEOUT, "the receiver to apply")
    wait_until(lambda: stack.attempt_status(started["attempt_id"]) == "paid", APPLY_TIMEOUT, "paid")
    [payment] = stack.payments(student)
    assert (payment["method"], payment["amount_minor"]) == ("mobilepay-online", 45000)
    assert stack.standin.captures.count(started["attempt_id"]) == 1
    assert stack.owed(invoice) == 0
    # The CAPTURED notification that follows is a duplicate; the desk's status check and a
    # sync change nothing and send nothing more.
    status = assert_ok(stack.cli("link", "status", started["attempt_id"], "--json")).data
    assert (status["status"], status["notifications"]) == ("paid", [])
    assert_ok(stack.cli("payments", "sync", "--json"))
    assert len(stack.payments(student)) == 1
    assert stack.standin.captures.count(started["attempt_id"]) == 1
    stack.assert_confirmed_once(student)
    receipt = assert_ok(stack.cli("receipt", str(payment["receipt_no"]))).stdout
    assert "MobilePay (online)" in receipt
    # It names the payment as the student's app does: MobilePay's pspReference.
    psp = stack.standin.payment(started["attempt_id"])["pspReference"]
    assert psp in receipt, receipt


def test_push_payment_lands_by_polling(stack: Stack, no_webhooks: None) -> None:
    student, invoice = stack.invoice(30000)
    started = stack.link(invoice, "--push", "--to", "+45 12 34 56 78")
    sent = stack.standin.payment(started["attempt_id"])
    assert sent["userFlow"] == "PUSH_MESSAGE"
    assert sent["customer"]["phoneNumber"] == "4512345678"
    stack.standin.approve(started["attempt_id"])
    status = assert_ok(stack.cli("link", "status", started["attempt_id"], "--json")).data
    assert (status["status"], status["gateway"]) == ("paid", "mobilepay")
    assert sorted((n["channel"], n["status"]) for n in status["notifications"]) == [
        ("email", "sent"),
        ("sms", "sent"),
    ]
    [payment] = stack.payments(student)
    assert payment["method"] == "mobilepay-online"
    assert stack.standin.captures.count(started["attempt_id"]) == 1
    again = assert_ok(stack.cli("payments", "sync", "--json")).data
    assert again["applied"] == 0
    assert len(stack.payments(student)) == 1
    stack.assert_confirmed_once(student)
    # Refunded in part through MobilePay (the payment's own gateway, not the default Stripe).
    refund = stack.cli("refund", payment["payment_id"], "--amount", "100", "--reason", "for meget")
    assert_ok(refund)
    refunds = [r for r in stack.standin.requests if r["path"].endswith("/refund")]
    assert len(refunds) == 1
    assert (
        stack.standin.payment(started["attempt_id"])["aggregate"]["refundedAmount"]["value"]
        == 10000
    )


def test_push_payment_lands_by_payments_sync(stack: Stack, no_webhooks: None) -> None:
    student, invoice = stack.invoice(12500)
    started = stack.link(invoice, "--push", "--to", "12345678")
    stack.standin.approve(started["attempt_id"])
    synced = assert_ok(stack.cli("payments", "sync", "--json")).data
    assert synced["applied"] == 1
    # Stripe has no key here: its part failed and said so; MobilePay's ran.
    assert any(e.startswith("stripe:") for e in synced["errors"]), synced
    [payment] = stack.payments(student)
    assert (payment["method"], payment["amount_minor"]) == ("mobilepay-online", 12500)
    assert stack.standin.captures.count(started["attempt_id"]) == 1
    stack.assert_confirmed_once(student)


def test_a_payment_the_receiver_and_the_desk_see_together_is_confirmed_once(
    stack: Stack, no_webhooks: None
) -> None:
    student, invoice = stack.invoice(27500)
    started = stack.link(invoice, "--push", "--to", "12345678")
    ref = started["attempt_id"]
    stack.standin.webhook_url = stack.hook_url()
    go = threading.Barrier(3)

    def then(*args: str) -> CliResult:
        go.wait(timeout=30)
        return stack.cli(*args)

    with ThreadPoolExecutor(max_workers=2) as pool:
        status = pool.submit(then, "link", "status", ref, "--wait", "20", "--json")
        synced = pool.submit(then, "payments", "sync", "--json")
        go.wait(timeout=30)
        stack.standin.approve(ref)  # the receiver hears of it as the desk asks
        assert_ok(status.result())
        assert_ok(synced.result())
    wait_until(lambda: stack.attempt_status(ref) == "paid", APPLY_TIMEOUT, "paid")
    assert len(stack.payments(student)) == 1
    assert stack.standin.captures.count(ref) == 1
    stack.assert_confirmed_once(student)


def test_a_cancel_too_late_records_the_payment_and_confirms_it_at_once(
    stack: Stack, no_webhooks: None
) -> None:
    student, invoice = stack.invoice(35000)
    started = stack.link(invoice)
    ref = started["attempt_id"]
    stack.standin.approve(ref)  # a moment before staff press Esc

    cancelled = assert_ok(stack.cli("link", "cancel", ref, "--json")).data

    assert (cancelled["status"], cancelled["payment_id"]) == ("paid", ref)
    assert sorted((n["channel"], n["status"]) for n in cancelled["notifications"]) == [
        ("email", "sent"),
        ("sms", "sent"),
    ]
    assert [p["amount_minor"] for p in stack.payments(student)] == [35000]
    assert stack.standin.captures.count(ref) == 1
    assert stack.owed(invoice) == 0
    stack.assert_confirmed_once(student)


def test_a_cancel_in_time_records_nothing_and_sends_nothing(
    stack: Stack, no_webhooks: None
) -> None:
    student, invoice = stack.invoice(15000)
    started = stack.link(invoice)

    cancelled = assert_ok(stack.cli("link", "cancel", started["attempt_id"], "--json")).data

    assert (cancelled["status"], cancelled["notifications"]) == ("cancelled", [])
    assert stack.payments(student) == []
    assert stack.owed(invoice) == 15000
    assert stack.confirmations(student) == (0, 0)


@pytest.mark.parametrize("phone", ["12 34 56", "+46 70 123 45 67", "telefon"])
def test_push_to_a_number_that_is_no_danish_mobile_is_refused(
    stack: Stack, no_webhooks: None, phone: str
) -> None:
    _, invoice = stack.invoice(5000)
    before = len(stack.standin.payments)
    result = stack.cli(
        "link", "--invoice", invoice.invoice_no, "--gateway", "mobilepay", "--push", "--to", phone
    )
    assert_refused(result, 2, "Danish mobile" if phone != "telefon" else "not a phone number")
    assert len(stack.standin.payments) == before
    assert stack.owed(invoice) == 5000


def test_a_gateway_the_school_does_not_take_is_refused(stack: Stack) -> None:
    _, invoice = stack.invoice(5000)
    result = stack.cli("link", "--invoice", invoice.invoice_no, "--gateway", "testpay")
    assert result.code != 0
    assert "does not take online payments through testpay" in result.stderr


@pytest.mark.parametrize("how", ["reject", "expire", "capture fails"])
def test_no_payment_and_the_invoice_stays_open(stack: Stack, no_webhooks: None, how: str) -> None:
    student, invoice = stack.invoice(20000)
    started = stack.link(invoice)
    ref = started["attempt_id"]
    if how == "reject":
        stack.standin.reject(ref)
    elif how == "expire":
        stack.standin.expire(ref)
    else:
        stack.standin.fail_captures = True
        stack.standin.approve(ref)
    status = assert_ok(stack.cli("link", "status", ref, "--json")).data
    assert status["status"] in ("failed", "expired", "review"), status
    assert status["payment_id"] is None
    assert_ok(stack.cli("payments", "sync", "--json"))
    assert stack.payments(student) == []
    assert stack.owed(invoice) == 20000
    assert ref not in stack.standin.captures
    if how == "capture fails":
        # The reservation is given back and staff are told.
        assert stack.standin.payment(ref)["state"] in ("TERMINATED", "ABORTED", "AUTHORIZED")
        flagged = assert_ok(stack.cli("payments", "flagged", "--json")).data
        assert any(f.get("provider_ref") == ref for f in flagged), flagged


# --------------------------------------------------------------------------- the receiver


def test_fifty_duplicate_notifications_and_a_sync_make_one_payment(
    stack: Stack, no_webhooks: None
) -> None:
    student, invoice = stack.invoice(61000)
    started = stack.link(invoice)
    ref = started["attempt_id"]
    stack.standin.approve(ref)
    event = {"msn": sd.MSN, **stack.standin.event_log(ref)[-1]}
    body, headers = stack.standin.signed(event, stack.hook_url())
    go = threading.Barrier(51)

    def post() -> int:
        go.wait(timeout=30)
        return httpx.post(stack.hook_url(), content=body, headers=headers, timeout=30).status_code

    def sync() -> CliResult:
        go.wait(timeout=30)
        return stack.cli("payments", "sync", "--json")

    with ThreadPoolExecutor(max_workers=51) as pool:
        synced = pool.submit(sync)
        answers = list(pool.map(lambda _: post(), range(50)))
    assert_ok(synced.result())
    assert set(answers) == {200}, answers
    assert len(stack.payments(student)) == 1
    assert stack.standin.captures.count(ref) == 1
    assert stack.owed(invoice) == 0
    stack.assert_confirmed_once(student)


def test_forged_stale_and_tampered_notifications_are_refused(
    stack: Stack, no_webhooks: None
) -> None:
    student, invoice = stack.invoice(7000)
    started = stack.link(invoice)
    ref = started["attempt_id"]
    stack.standin.approve(ref)
    event = {"msn": sd.MSN, **stack.standin.event_log(ref)[-1]}
    url = stack.hook_url()
    body, headers = stack.standin.signed(event, url)

    forged = {**headers, "authorization": headers["authorization"][:-4] + "AAA="}
    stale_body, stale = stack.standin.signed(
        event, url, when=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=30)
    )
    tampered = body.replace(b'"value": 7000', b'"value": 7')
    assert tampered != body
    other_school = url.rsplit("/", 1)[0] + "/no-such-school"
    for b, h in ((body, forged), (stale_body, stale), (tampered, headers), (b"{}", {})):
        answer = httpx.post(url, content=b, headers=h, timeout=15)
        assert answer.status_code == 400, answer.text
    assert httpx.post(other_school, content=body, headers=headers, timeout=15).status_code == 404
    assert stack.payments(student) == []
    assert ref not in stack.standin.captures
    assert stack.owed(invoice) == 7000
    assert stack.confirmations(student) == (0, 0)
    # The genuine one still lands.
    assert httpx.post(url, content=body, headers=headers, timeout=15).status_code == 200
    assert len(stack.payments(student)) == 1
    stack.assert_confirmed_once(student)


def test_receiver_log_names_no_secret(stack: Stack) -> None:
    log = Path(stack.receiver.log).read_text(encoding="utf-8", errors="replace")
    for secret in (
        sd.CLIENT_SECRET,
        sd.SUBSCRIPTION_KEY,
        sd.WEBHOOK_SECRET,
        stack.smtp.password,
        stack.sms.token,
    ):
        assert secret not in log
