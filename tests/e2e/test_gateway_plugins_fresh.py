"""Which methods are online is read from the installed gateway plugins on first use, in a fresh
process, whatever that process starts with (issue 13).

The counter method ``mobilepay`` (typed in at the desk) and the online gateway ``mobilepay``
share a name; a payment through the online one is recorded as ``mobilepay-online``. That must
hold in a process that never ran the composition root's start-up code: a script using the
services directly, one that only reads a receipt, and the command line. Each runs here as a new
Python process against a MobilePay payment the student approved at the MobilePay stand-in.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import Engine

from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.model import Actor
from jdoffice.gateways.mobilepay_epayment import MobilePayGateway
from jdoffice.services import gateway_plugins, online
from jdoffice.services.settings import PaymentSettings
from tests.conftest import SchoolKit
from tests.e2e.conftest import REPO_ROOT, CliResult, assert_ok, child_env, run_cli
from tests.standin import mobilepay_standin as sd
from tests.standin.mobilepay_standin import MobilePayStandin

if TYPE_CHECKING:
    from tests.conftest import TestDatabase

ACTOR = Actor(staff="mette", desk="desk-4")
TIMEOUT = 120

#: Records the approved payment through the services alone (no composition root).
SERVICES = """
import json, sys
from jdoffice.adapters import db
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.gateways.mobilepay_epayment import MobilePayGateway
from jdoffice.services import counter_methods, online, queries
from jdoffice.services.online_methods import gateway_of
from tests.standin import mobilepay_standin as sd

url, slug, ref, base = sys.argv[1:5]
engine = db.make_engine(url)
gateway = MobilePayGateway(
    api_base=base, webhook_secret=sd.WEBHOOK_SECRET, timeout_seconds=5.0,
    client_id=sd.CLIENT_ID, client_secret=sd.CLIENT_SECRET,
    subscription_key=sd.SUBSCRIPTION_KEY, merchant_serial_number=sd.MSN,
)
try:
    school = queries.resolve_school(SqlAlchemyUnitOfWork(engine), slug)
    view = online.check_attempt(SqlAlchemyUnitOfWork(engine), school, gateway, ref)
    uow = SqlAlchemyUnitOfWork(engine)
    with uow:
        payment = uow.payments.get(ref)
    print(json.dumps({
        "status": view.status.value,
        "method": payment.method if payment else None,
        "gateway_of": gateway_of(payment.method) if payment else None,
        "counter": counter_methods.is_counter_method(payment.method) if payment else None,
        "voucher": counter_methods.is_counter_method("voucher"),
        "started": sorted(m for m in ("jdoffice.bootstrap", "jdoffice.gateways.registry")
                          if m in sys.modules),
    }))
finally:
    gateway.close()
    engine.dispose()
"""

#: Reads the payment's receipt and renders it as text, in both languages.
RECEIPT = """
import json, sys
from jdoffice.adapters import db
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.receipt_text import render_text

url, school_id, receipt_no = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
engine = db.make_engine(url)
try:
    uow = SqlAlchemyUnitOfWork(engine)
    with uow:
        receipt = uow.receipts.get(school_id, receipt_no)
    print(json.dumps({
        "da": render_text(receipt.body, language="da"),
        "en": render_text(receipt.body, language="en"),
        "started": sorted(m for m in ("jdoffice.bootstrap", "jdoffice.gateways.registry")
                          if m in sys.modules),
    }))
finally:
    engine.dispose()
"""


@dataclass
class Paid:
    """A MobilePay payment the student approved; no process has recorded it yet."""

    url: str
    kit: SchoolKit
    engine: Engine
    standin: MobilePayStandin
    ref: str
    student_no: str

    def python(self, code: str, *args: str) -> Any:
        proc = subprocess.run(
            [sys.executable, "-c", code, *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=TIMEOUT,
            cwd=REPO_ROOT,
            env=child_env(),
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    def cli(self, *args: str) -> CliResult:
        return run_cli(
            self.url,
            "--school",
            self.kit.school.slug,
            *args,
            env={
                "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
                "JDOFFICE_MOBILEPAY_API_BASE": self.standin.base_url,
                "JDOFFICE_MOBILEPAY_CLIENT_ID": sd.CLIENT_ID,
                "JDOFFICE_MOBILEPAY_MSN": sd.MSN,
                "JDOFFICE_MOBILEPAY_CLIENT_SECRET": sd.CLIENT_SECRET,
                "JDOFFICE_MOBILEPAY_SUBSCRIPTION_KEY": sd.SUBSCRIPTION_KEY,
                "JDOFFICE_MOBILEPAY_WEBHOOK_SECRET": sd.WEBHOOK_SECRET,
            },
        )

    def record_through_the_services(self) -> Any:
        return self.python(
            SERVICES, self.url, self.kit.school.slug, self.ref, self.standin.base_url
        )

    def receipt_no(self) -> int:
        uow = SqlAlchemyUnitOfWork(self.engine)
        with uow:
            payment = uow.payments.get(self.ref)
        assert payment is not None
        assert payment.receipt_no is not None
        return payment.receipt_no


@pytest.fixture
def paid(database: TestDatabase, engine: Engine, kit: SchoolKit) -> Iterator[Paid]:
    with MobilePayStandin() as standin:
        gateway = MobilePayGateway(
            api_base=standin.base_url,
            webhook_secret=sd.WEBHOOK_SECRET,
            timeout_seconds=5.0,
            client_id=sd.CLIENT_ID,
            client_secret=sd.CLIENT_SECRET,
            subscription_key=sd.SUBSCRIPTION_KEY,
            merchant_serial_number=sd.MSN,
        )
        try:
            student = kit.student("Signe", "Mølgaard")
            invoice = kit.invoice(student, 45000)
            view = online.start_online_payment(
                SqlAlchemyUnitOfWork(engine),
                kit.school,
                gateway,
                PaymentSettings(online_enabled=True, gateway="mobilepay"),
                invoice_no=invoice.invoice_no,
                actor=ACTOR,
            )
        finally:
            gateway.close()
        standin.approve(view.attempt_id)
        yield Paid(database.url_text, kit, engine, standin, view.attempt_id, student.student_no)
        assert standin.internal_errors == []


def test_the_services_alone_record_mobilepay_online_as_its_own_method(paid: Paid) -> None:
    found = paid.record_through_the_services()

    assert found["started"] == [], "the script ran no start-up code"
    assert found["status"] == "paid"
    assert found["method"] == "mobilepay-online"
    assert found["gateway_of"] == "mobilepay"
    assert found["counter"] is False
    # The test plugin's counter method is known from its entry point too.
    assert found["voucher"] is True
    assert paid.standin.captures == [paid.ref]


def test_a_receipt_read_alone_names_mobilepay_online(paid: Paid) -> None:
    paid.record_through_the_services()

    text = paid.python(RECEIPT, paid.url, str(paid.kit.school.id), str(paid.receipt_no()))

    assert text["started"] == []
    psp = paid.standin.payment(paid.ref)["pspReference"]
    for language in ("da", "en"):
        assert "MobilePay (online)" in text[language]
        assert "mobilepay-online" not in text[language]
        assert psp in text[language]


def test_the_command_line_records_shows_and_refunds_it_as_mobilepay_online(paid: Paid) -> None:
    status = assert_ok(paid.cli("link", "status", paid.ref, "--json")).data
    assert (status["status"], status["gateway"]) == ("paid", "mobilepay")

    [payment] = assert_ok(paid.cli("student", paid.student_no, "--json")).data["payments"]
    assert payment["method"] == "mobilepay-online"
    receipt = assert_ok(paid.cli("receipt", str(payment["receipt_no"]))).stdout
    assert "MobilePay (online)" in receipt
    # Refunded through MobilePay, the payment's own gateway.
    assert_ok(paid.cli("refund", payment["payment_id"], "--amount", "50", "--reason", "for meget"))
    refunds = [r["path"] for r in paid.standin.requests if r["path"].endswith("/refund")]
    assert len(refunds) == 1
    assert refunds[0].endswith(f"/{paid.ref}/refund")


def test_jdoffice_reads_its_own_entry_points_as_pyproject_declares_them() -> None:
    """When the installed metadata lacks them, jdoffice's own gateways are read from
    :data:`gateway_plugins.OWN`: the same table as pyproject.toml's."""
    with (REPO_ROOT / "pyproject.toml").open("rb") as f:
        declared = tomllib.load(f)["project"]["entry-points"]["jdoffice.gateways"]
    assert dict(gateway_plugins.OWN) == declared
    # From the table alone, the rule finds the same gateways as from the installed metadata.
    alone = gateway_plugins.read([])
    installed = gateway_plugins.installed()
    assert sorted(alone.manual) == sorted(
        name for name in installed.manual if name in ("cash", "bank", "mobilepay", "card")
    )
    assert alone.online_methods() == {
        name: method
        for name, method in installed.online_methods().items()
        if name in gateway_plugins.SHIPPED_ONLINE
    }
