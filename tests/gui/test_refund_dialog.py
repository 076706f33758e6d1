"""Refund (F8) by keyboard: amount, reason, Enter — and never two refunds for one dialog."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import stripe
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from jdoffice.domain.money import format_money
from jdoffice.gateways.stripe_checkout import StripeGateway
from jdoffice.gui.views.refund_dialog import RefundDialog
from jdoffice.services import online
from tests.gui.office import ACTOR, Office, make_office, settle_background_work
from tests.standin.stripe_standin import StripeStandin

# Qt's offscreen platform says this whenever a window with a layout is shown.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

WAIT_MS = 10_000
SECRET_KEY = "sk_test_desk_refund"


@pytest.fixture
def office(
    qtbot: QtBot, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Office]:
    office = make_office(tmp_path, tmp_path_factory.getbasetemp())
    yield office
    settle_background_work()
    office.app.dispose()


def _open(qtbot: QtBot, office: Office, payment_id: str) -> RefundDialog:
    dlg = RefundDialog(office.ctx, payment_id)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    qtbot.waitUntil(lambda: dlg.detail is not None, timeout=WAIT_MS)
    return dlg


def _type(qtbot: QtBot, dlg: RefundDialog, amount: str | None, reason: str) -> None:
    """Type as a receptionist does: over the prefilled amount, Tab, the reason."""
    if amount is not None:
        qtbot.keyClick(dlg.amount_edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(dlg.amount_edit, amount)
    qtbot.keyClicks(dlg.reason_edit, reason)


def test_partial_cash_refund_by_keyboard(qtbot: QtBot, office: Office) -> None:
    invoice = office.invoice(850_00)
    paid = office.pay(invoice, 850_00, tendered_minor=1000_00)
    dlg = _open(qtbot, office, paid.payment_id)

    # What the payment was and what is left, with the whole of it prefilled.
    assert dlg.method_value.text() == "Kontant"
    assert dlg.amount_value.text() == format_money(850_00)
    assert dlg.left_value.text() == format_money(850_00)
    assert dlg.amount_edit.text() == "850,00"
    assert dlg.amount_edit.hasFocus()

    _type(qtbot, dlg, "120,30", "Aflyst køretime")
    with qtbot.waitSignal(dlg.changed, timeout=WAIT_MS):
        qtbot.keyClick(dlg.reason_edit, Qt.Key.Key_Return)

    (refund,) = office.refunds(paid.payment_id)
    assert refund.amount_minor == 120_30
    assert refund.reason == "Aflyst køretime"
    assert refund.staff == ACTOR.staff
    result = dlg.refund_result
    assert result is not None
    assert result.receipt_no is not None
    text = dlg.message_label.text()
    assert f"Refunderet {format_money(120_30)}\n" in text
    # Cash goes back rounded to the nearest 50 øre.
    assert f"Giv eleven {format_money(120_50)} kontant." in text
    assert f"Kvittering nr. {result.receipt_no}." in text

    # Enter now closes; still one refund.
    qtbot.keyClick(dlg.reason_edit, Qt.Key.Key_Return)
    assert not dlg.isVisible()
    assert dlg.result() == QDialog.DialogCode.Accepted.value
    assert len(office.refunds(paid.payment_id)) == 1


def test_double_enter_refunds_once(qtbot: QtBot, office: Office) -> None:
    invoice = office.invoice(500_00)
    paid = office.pay(invoice, 500_00, method="bank")
    dlg = _open(qtbot, office, paid.payment_id)
    _type(qtbot, dlg, "100", "Dobbeltbetalt")

    qtbot.keyClick(dlg.reason_edit, Qt.Key.Key_Return)
    qtbot.keyClick(dlg.reason_edit, Qt.Key.Key_Return)
    assert dlg.running or dlg.refund_result is not None
    qtbot.waitUntil(lambda: dlg.refund_result is not None, timeout=WAIT_MS)
    settle_background_work()

    assert [r.amount_minor for r in office.refunds(paid.payment_id)] == [100_00]


def test_a_reason_is_required(qtbot: QtBot, office: Office) -> None:
    invoice = office.invoice(500_00)
    paid = office.pay(invoice, 500_00, method="mobilepay")
    dlg = _open(qtbot, office, paid.payment_id)

    _type(qtbot, dlg, "100", "   ")
    qtbot.keyClick(dlg.reason_edit, Qt.Key.Key_Return)

    assert dlg.message_label.text() == "Skriv en begrundelse for refusionen."
    assert dlg.reason_edit.hasFocus()
    assert not dlg.running
    assert dlg.refund_result is None
    assert dlg.refund_button.isEnabled()
    settle_background_work()
    assert office.refunds(paid.payment_id) == []


def test_more_than_is_left_is_refused_before_anything_is_stored(
    qtbot: QtBot, office: Office
) -> None:
    invoice = office.invoice(500_00)
    paid = office.pay(invoice, 500_00, method="bank")
    dlg = _open(qtbot, office, paid.payment_id)

    _type(qtbot, dlg, "600", "For meget")
    qtbot.keyClick(dlg.reason_edit, Qt.Key.Key_Return)

    assert dlg.message_label.text() == (
        f"Der kan højst refunderes {format_money(500_00)} på denne betaling."
    )
    settle_background_work()
    assert office.refunds(paid.payment_id) == []


def test_a_fully_refunded_payment_has_nothing_left(qtbot: QtBot, office: Office) -> None:
    invoice = office.invoice(500_00)
    paid = office.pay(invoice, 500_00, method="bank")
    first = _open(qtbot, office, paid.payment_id)
    _type(qtbot, first, None, "Hele beløbet")
    with qtbot.waitSignal(first.changed, timeout=WAIT_MS):
        qtbot.keyClick(first.reason_edit, Qt.Key.Key_Return)

    again = _open(qtbot, office, paid.payment_id)
    assert again.left_value.text() == format_money(0)
    assert "intet tilbage" in again.message_label.text()
    assert not again.refund_button.isEnabled()
    qtbot.keyClick(again, Qt.Key.Key_Escape)
    assert not again.isVisible()


def test_online_payment_is_refunded_through_stripe(
    qtbot: QtBot,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JDOFFICE_STRIPE_SECRET_KEY", SECRET_KEY)
    # Both secrets from the environment: the keyring of the machine is never read.
    monkeypatch.setenv("JDOFFICE_STRIPE_WEBHOOK_SECRET", "whsec_desk")
    monkeypatch.setattr(stripe.HTTPXClient, "_sleep_time_seconds", lambda self, n: 0.01)
    with StripeStandin(secret_key=SECRET_KEY) as standin:
        office = make_office(tmp_path, tmp_path_factory.getbasetemp(), api_base=standin.base_url)
        try:
            invoice = office.invoice(850_00)
            gateway = office.app.online_gateway(office.school)
            assert isinstance(gateway, StripeGateway)
            settings = office.app.payment_settings(office.school)
            view = online.start_online_payment(
                office.uow(),
                office.school,
                gateway,
                settings,
                invoice_no=invoice.invoice_no,
                actor=ACTOR,
            )
            assert view.provider_ref is not None
            standin.complete_session(view.provider_ref)
            paid = online.check_attempt(office.uow(), office.school, gateway, view.attempt_id)
            gateway.close()
            assert paid.payment_id is not None

            dlg = _open(qtbot, office, paid.payment_id)
            assert dlg.method_value.text() == "Online (kort/MobilePay)"
            _type(qtbot, dlg, "200", "Aflyst lektion")
            with qtbot.waitSignal(dlg.changed, timeout=WAIT_MS):
                qtbot.keyClick(dlg.reason_edit, Qt.Key.Key_Return)

            (refund,) = office.refunds(paid.payment_id)
            assert refund.amount_minor == 200_00
            assert refund.status.value == "succeeded"
            (stripe_refund,) = [r for r in standin.requests if r.path == "/v1/refunds"]
            assert stripe_refund.idempotency_key == dlg.key
            assert dlg.message_label.text().startswith(f"Refunderet {format_money(200_00)}")
            qtbot.keyClick(dlg, Qt.Key.Key_Escape)
        finally:
            settle_background_work()
            office.app.dispose()
        assert standin.internal_errors == []
