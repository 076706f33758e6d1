"""A payment provider installed from outside jdoffice (the ``testpay`` package under
``tests/plugins``) takes payments and refunds through the command line and the webhook
receiver, with nothing under ``jdoffice/`` knowing its name."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from jdoffice_testpay import SIGNATURE_HEADER, sign
from jdoffice_testpay.provider import Provider
from sqlalchemy import Engine

from jdoffice.adapters import db
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.services import queries
from tests import conftest
from tests.conftest import BACKENDS, SchoolKit
from tests.e2e.conftest import (
    CliResult,
    assert_balance_recomputes,
    assert_ok,
    assert_refused,
    money_snapshot,
    run_cli,
)
from tests.e2e.test_webhooks import Receiver, http, start_receiver

REPO = Path(__file__).resolve().parents[2]
API_KEY = "tp-key-0001"
HOOK_SECRET = "tp-hook-0001"
#: How the core would name the plugin: its package, its gateway, and its counter method as a
#: name in quotes ("voucher" alone is also a bookkeeping word the books use).
PLUGIN_NAMES = ("testpay", "jdoffice_testpay", '"voucher"', "'voucher'")


def test_no_file_under_jdoffice_names_the_plugin() -> None:
    named = []
    for path in sorted((REPO / "jdoffice").rglob("*")):
        if not path.is_file() or path.suffix in {".pyc", ".qm"}:
            continue
        text = path.read_text(encoding="utf-8", errors="replace").lower()
        named += [f"{path.relative_to(REPO)}: {name}" for name in PLUGIN_NAMES if name in text]
    assert named == []


@dataclass
class PluginStack:
    url: str
    engine: Engine
    slug: str
    provider: Provider
    receiver: Receiver
    env: dict[str, str]
    kit: SchoolKit

    def cli(self, *args: str) -> CliResult:
        return run_cli(self.url, *args, env=self.env)

    def hook(self, gateway: str = "testpay", slug: str | None = None) -> str:
        return f"{self.receiver.base_url}/webhooks/{gateway}/{slug or self.slug}"

    def signed(self, body: bytes, secret: str = HOOK_SECRET) -> dict[str, str]:
        return {SIGNATURE_HEADER: sign(secret, body, f"/webhooks/testpay/{self.slug}")}

    def paid_link(self, amount_minor: int) -> tuple[Any, Any, dict[str, Any]]:
        """A student, the link started for their invoice and the provider's event of the
        student paying it."""
        student = self.kit.student("Tilde", "Plugmand")
        invoice = self.kit.invoice(student, amount_minor)
        started = assert_ok(self.cli("link", "--invoice", invoice.invoice_no, "--json")).data
        assert started["url"].startswith("https://testpay.example/pay/"), started
        event = self.provider.pay(started["session_id"])
        return student, started, event

    def payments(self, student: Any) -> list[Any]:
        data = assert_ok(self.cli("student", student.student_no, "--json")).data
        return [p for p in data["payments"] if p["method"] == "testpay"]


@pytest.fixture(scope="module", params=BACKENDS)
def stack(
    request: pytest.FixtureRequest,
    fresh_database_factory: Callable[[str], conftest.TestDatabase],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[PluginStack]:
    tdb = fresh_database_factory(request.param)
    url = tdb.url_text
    assert_ok(run_cli(url, "demo", "--students", "3", "--seed", "3", "--json"))
    engine = db.make_engine(tdb.url)
    work = tmp_path_factory.mktemp(f"testpay-{request.param}")
    state = work / "provider"
    state.mkdir()
    (work / "config.toml").write_text("", encoding="utf-8")
    env = {
        "JDOFFICE_TESTPAY_API_KEY": API_KEY,
        "JDOFFICE_TESTPAY_WEBHOOK_SECRET": HOOK_SECRET,
        "JDOFFICE_TESTPAY_STATE_DIR": str(state),
        "JDOFFICE_CONFIG": str(work / "config.toml"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    provider = Provider(state, HOOK_SECRET)
    provider.only_keys(API_KEY)
    try:
        school = queries.resolve_school(SqlAlchemyUnitOfWork(engine), None)
        assert_ok(
            run_cli(url, "school", "payments", "--online", "on", "--gateway", "testpay", env=env)
        )
        receiver = start_receiver(url, env, work / "receiver.log")
        try:
            yield PluginStack(
                url, engine, school.slug, provider, receiver, env, SchoolKit(engine, school, "tp-")
            )
        finally:
            receiver.stop()
    finally:
        engine.dispose()


def test_keys_list_and_keys_set_offer_the_plugins_secrets(stack: PluginStack) -> None:
    listed = assert_ok(stack.cli("keys", "list", "--json")).data
    by_name = {row["name"]: row for row in listed}
    assert by_name["testpay-api-key"]["state"] == "environment"
    assert by_name["testpay-api-key"]["env"] == "JDOFFICE_TESTPAY_API_KEY"
    assert by_name["testpay-webhook-secret"]["for"] == "Test payments: Webhook secret"
    assert "stripe-secret-key" in by_name
    assert_refused(stack.cli("keys", "set", "testpay-nothing"), 2, "not one of", "testpay-api-key")


def test_a_plugin_payment_delivered_to_the_receiver_is_recorded_once_and_refunded_through_it(
    stack: PluginStack,
) -> None:
    student, started, event = stack.paid_link(45000)
    body = stack.provider.body(event)
    headers = stack.signed(body)
    assert http("POST", stack.hook(), body, headers) == (
        200,
        {"received": True, "outcome": "applied"},
    ), stack.receiver.log_tail()
    assert http("POST", stack.hook(), body, headers)[1]["outcome"] == "duplicate"

    [payment] = stack.payments(student)
    assert payment["amount_minor"] == 45000
    assert payment["receipt_no"]

    refunded = assert_ok(
        stack.cli(
            "refund", payment["payment_id"], "--amount", "150", "--reason", "aflyst", "--json"
        )
    ).data
    assert refunded["amount_minor"] == 15000
    assert refunded["status"] == "succeeded"
    [at_provider] = [r for r in stack.provider.refunds() if r["payment"] == started["session_id"]]
    assert at_provider["amount"] == 15000
    assert at_provider["our_id"] == refunded["refund_id"]

    before = money_snapshot(stack.engine)
    too_much = stack.cli(
        "refund", payment["payment_id"], "--amount", "301", "--reason", "for meget", "--json"
    )
    assert_refused(too_much, 3, "more than what is left")
    assert money_snapshot(stack.engine) == before
    [after] = stack.payments(student)
    assert after["refunded_minor"] == 15000
    assert_balance_recomputes(stack.engine, student.id)


def test_a_plugin_payment_no_notification_brought_is_recorded_by_payments_sync(
    stack: PluginStack,
) -> None:
    student, _started, _event = stack.paid_link(20000)
    assert stack.payments(student) == []
    synced = assert_ok(stack.cli("payments", "sync", "--json")).data
    assert synced["applied"] >= 1
    [payment] = stack.payments(student)
    assert payment["amount_minor"] == 20000
    again = assert_ok(stack.cli("payments", "sync", "--json")).data
    assert again["applied"] == 0
    assert len(stack.payments(student)) == 1


def test_a_plugin_notification_signed_wrongly_or_posted_under_another_gateway_changes_nothing(
    stack: PluginStack,
) -> None:
    student, _started, event = stack.paid_link(30000)
    body = stack.provider.body(event)
    before = money_snapshot(stack.engine)

    forged = stack.signed(body, "not-the-secret")
    assert http("POST", stack.hook(), body, forged)[0] == 400
    unsigned: dict[str, str] = {}
    assert http("POST", stack.hook(), body, unsigned)[0] == 400
    signed = {**stack.signed(body), "stripe-signature": "t=1,v1=00"}
    # The school takes payments through testpay: the Stripe address is not its own.
    assert http("POST", stack.hook("stripe"), body, signed)[0] == 404
    assert http("POST", stack.hook("nosuchgateway"), body, signed)[0] == 404
    # Signed for this address: replayed to another one (a query added) it does not verify.
    assert http("POST", stack.hook() + "?again=1", body, signed)[0] == 400

    assert money_snapshot(stack.engine) == before
    assert stack.payments(student) == []
    log = stack.receiver.log_tail()
    assert not re.search(HOOK_SECRET, log)


def test_an_installed_counter_method_is_paid_and_refunded_on_the_command_line(
    stack: PluginStack,
) -> None:
    student = stack.kit.student("Gitte", "Gavekort")
    invoice = stack.kit.invoice(student, 30000)
    before = money_snapshot(stack.engine)
    no_number = stack.cli(
        "pay", "--invoice", invoice.invoice_no, "--method", "voucher", "--amount", "300"
    )
    assert_refused(no_number, 2, "gift voucher payment needs the voucher's number")
    assert money_snapshot(stack.engine) == before

    paid = assert_ok(
        stack.cli(
            "pay",
            "--invoice",
            invoice.invoice_no,
            "--method",
            "voucher",
            "--amount",
            "300",
            "--reference",
            "GK-1001",
            "--json",
        )
    ).data
    assert (paid["method"], paid["amount_minor"], paid["rounding_minor"]) == ("voucher", 30000, 0)
    receipt = assert_ok(stack.cli("receipt", str(paid["receipt_no"]))).stdout
    assert "Gavekort" in receipt
    assert "GK-1001" in receipt
    refunded = assert_ok(
        stack.cli("refund", paid["payment_id"], "--reason", "forkert kort", "--json")
    ).data
    assert refunded["amount_minor"] == 30000
    # A counter payment is refunded at the desk: nothing goes to the provider.
    assert [r for r in stack.provider.refunds() if r["our_id"] == refunded["refund_id"]] == []
    assert_balance_recomputes(stack.engine, student.id)
