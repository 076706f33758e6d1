"""The desk program takes and refunds a payment through a provider installed from outside
jdoffice (the test package's ``testpay``): the QR dialog turns paid by itself when the
student pays, and the refund dialog refunds through the provider."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from jdoffice_testpay.provider import Provider
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from jdoffice.gui.views.qr_dialog import Phase, QrDialog
from jdoffice.services.school import update_payment_settings
from tests.gui.office import ACTOR, Office, make_office, settle_background_work
from tests.gui.test_refund_dialog import _open as open_refund
from tests.gui.test_refund_dialog import _type as type_refund

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

WAIT_MS = 10_000


@pytest.fixture
def provider(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Provider:
    state = tmp_path / "testpay"
    state.mkdir()
    monkeypatch.setenv("JDOFFICE_TESTPAY_API_KEY", "tp-desk-key")
    monkeypatch.setenv("JDOFFICE_TESTPAY_WEBHOOK_SECRET", "tp-desk-hook")
    monkeypatch.setenv("JDOFFICE_TESTPAY_STATE_DIR", str(state))
    provider = Provider(state, "tp-desk-hook")
    provider.only_keys("tp-desk-key")
    return provider


@pytest.fixture
def office(
    qtbot: QtBot, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, provider: Provider
) -> Iterator[Office]:
    office = make_office(tmp_path, tmp_path_factory.getbasetemp(), online=True)
    update_payment_settings(
        office.uow(),
        office.school,
        {"gateway": "testpay"},
        actor=ACTOR,
        gateways=tuple(office.app.registry.online),
    )
    yield office
    settle_background_work()
    office.app.dispose()


def test_a_qr_through_an_installed_provider_turns_paid_and_is_refunded_through_it(
    qtbot: QtBot, office: Office, provider: Provider
) -> None:
    invoice = office.invoice(600_00)
    dlg = QrDialog(office.ctx, invoice.invoice_no)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    qtbot.waitUntil(lambda: dlg.phase is not Phase.STARTING, timeout=WAIT_MS)
    assert dlg.phase is Phase.OPEN, dlg.status_label.text()
    (payment,) = provider.payments()
    assert dlg.link_url == f"https://testpay.example/pay/{payment['id']}"
    assert payment["amount"] == 600_00
    assert payment["invoice"] == invoice.invoice_no

    # The student pays on their phone; the desk polls and sees it without a click.
    provider.pay(payment["id"])
    qtbot.waitUntil(lambda: dlg.phase is Phase.PAID, timeout=3 * WAIT_MS)
    (paid,) = office.payments(invoice.student_id)
    assert (paid.method, paid.amount_minor, paid.receipt_no) == ("testpay", 600_00, dlg.receipt_no)
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)

    refund = open_refund(qtbot, office, paid.id)
    type_refund(qtbot, refund, "250", "Aflyst lektion")
    with qtbot.waitSignal(refund.changed, timeout=WAIT_MS):
        qtbot.keyClick(refund.reason_edit, Qt.Key.Key_Return)
    (recorded,) = office.refunds(paid.id)
    assert (recorded.amount_minor, recorded.status.value) == (250_00, "succeeded")
    (at_provider,) = provider.refunds()
    assert (at_provider["payment"], at_provider["amount"]) == (payment["id"], 250_00)
    assert at_provider["our_id"] == recorded.id
    qtbot.keyClick(refund, Qt.Key.Key_Escape)
