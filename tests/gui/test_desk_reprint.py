"""Payments at the desk: Alt+B selects the newest, Enter or Ctrl+P prints its receipt again as
a copy (KOPI, counted in the audit, the cash drawer stays shut), F8 refunds it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from jdoffice.gui import desk_settings
from jdoffice.gui.desk_settings import DeskSettings, ReceiptOutput
from jdoffice.gui.models import PaymentColumn
from jdoffice.gui.views.main_window import MainWindow
from jdoffice.gui.views.receipt_preview import ReceiptPreviewDialog
from jdoffice.gui.views.refund_dialog import RefundDialog
from jdoffice.printing.thermal import DEFAULT_CODE_PAGE
from jdoffice.services import queries
from tests.gui.office import ACTOR, Office, make_office, settle_background_work
from tests.gui.test_desk import WAIT_MS, close_desk, find_and_open, open_desk

CODEC = DEFAULT_CODE_PAGE.lower()
DRAWER_KICK = b"\x1bp"  # ESC p: the pulse that opens the cash drawer


@pytest.fixture
def office(
    qtbot: QtBot, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Office]:
    office = make_office(tmp_path, tmp_path_factory.getbasetemp(), online=False)
    yield office
    settle_background_work()
    office.app.dispose()


@pytest.fixture
def desk(qtbot: QtBot, office: Office) -> Iterator[MainWindow]:
    window = open_desk(qtbot, office)
    window.resize(1024, 700)
    yield window
    close_desk(window)


def two_cash_payments(office: Office) -> tuple[int, int]:
    """A student who paid cash twice; the receipt numbers, oldest first."""
    student = office.student("Kopi", "Kvistgaard")
    invoice = office.invoice(100000, student)
    first = office.pay(invoice, 30000, method="cash", tendered_minor=30000)
    second = office.pay(invoice, 20000, method="cash", tendered_minor=20000)
    assert first.receipt_no is not None
    assert second.receipt_no is not None
    return first.receipt_no, second.receipt_no


def open_kvistgaard(qtbot: QtBot, desk: MainWindow) -> None:
    qtbot.keyClicks(desk.searchEdit, "kvistgaard")
    qtbot.waitUntil(lambda: desk.results_model.rowCount() == 1, timeout=WAIT_MS)
    qtbot.keyClick(desk.searchEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: desk.view is not None, timeout=WAIT_MS)
    assert desk.view is not None
    assert desk.view.student.name == "Kopi Kvistgaard"


def alt_b(qtbot: QtBot, desk: MainWindow) -> None:
    qtbot.keyClick(
        QApplication.focusWidget() or desk, Qt.Key.Key_B, Qt.KeyboardModifier.AltModifier
    )
    qtbot.waitUntil(desk.paymentsView.hasFocus, timeout=WAIT_MS)


def selected_receipt(desk: MainWindow) -> str:
    rows = desk.paymentsView.selectionModel().selectedRows(PaymentColumn.RECEIPT_NO)
    return str(rows[0].data()) if rows else ""


def copies(office: Office, receipt_no: int) -> tuple[int, list[str]]:
    receipt = queries.get_receipt(office.uow(), office.school, receipt_no, copy=False, actor=ACTOR)
    uow = office.uow()
    with uow:
        actions = [e.action for e in uow.audit.for_entity("receipt", str(receipt_no))]
    return receipt.copies_printed, actions


def test_alt_b_selects_the_newest_payment_so_f8_refunds_it_at_once(
    qtbot: QtBot, office: Office, desk: MainWindow
) -> None:
    _, newest = two_cash_payments(office)
    open_kvistgaard(qtbot, desk)

    alt_b(qtbot, desk)
    assert selected_receipt(desk) == str(newest)
    qtbot.keyClick(desk.paymentsView, Qt.Key.Key_F8)

    qtbot.waitUntil(lambda: isinstance(desk.dialog, RefundDialog), timeout=WAIT_MS)
    dialog = desk.dialog
    assert isinstance(dialog, RefundDialog)
    qtbot.waitUntil(lambda: dialog.receipt_value.text() != "", timeout=WAIT_MS)
    assert dialog.receipt_value.text().startswith(f"nr. {newest} ")
    assert dialog.amount_value.text() == "200,00\xa0kr."


def test_enter_on_a_payment_shows_its_receipt_as_a_copy_and_counts_it(
    qtbot: QtBot, office: Office, desk: MainWindow
) -> None:
    _, newest = two_cash_payments(office)
    open_kvistgaard(qtbot, desk)
    alt_b(qtbot, desk)

    qtbot.keyClick(desk.paymentsView, Qt.Key.Key_Return)

    qtbot.waitUntil(lambda: isinstance(desk.dialog, ReceiptPreviewDialog), timeout=WAIT_MS)
    preview = desk.dialog
    assert isinstance(preview, ReceiptPreviewDialog)
    assert "KOPI" in preview.text()
    assert f"nr. {newest}" in preview.windowTitle()
    assert copies(office, newest) == (1, ["receipt.copy_printed"])


def test_ctrl_p_prints_a_copy_on_the_receipt_printer_without_opening_the_drawer(
    qtbot: QtBot, office: Office, desk: MainWindow, tmp_path: Path
) -> None:
    printer = tmp_path / "printer.bin"
    desk_settings.save(
        DeskSettings(receipt_output=ReceiptOutput.THERMAL, thermal_target=f"file:{printer}")
    )
    oldest, newest = two_cash_payments(office)
    open_kvistgaard(qtbot, desk)
    alt_b(qtbot, desk)
    qtbot.keyClick(desk.paymentsView, Qt.Key.Key_Down)  # the older payment
    assert selected_receipt(desk) == str(oldest)

    qtbot.keyClick(desk.paymentsView, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)

    qtbot.waitUntil(lambda: "KOPI" in desk.statusbar.currentMessage(), timeout=WAIT_MS)
    data = printer.read_bytes()
    assert "KOPI".encode(CODEC) in data
    assert f"Kvittering nr. {oldest}".encode(CODEC) in data
    assert DRAWER_KICK not in data, "a copy of a cash receipt never opens the drawer"
    assert copies(office, oldest) == (1, ["receipt.copy_printed"])
    assert copies(office, newest) == (0, [])

    # Every later print is a copy too, and counted again.
    qtbot.keyClick(desk.paymentsView, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: copies(office, oldest)[0] == 2, timeout=WAIT_MS)
    settle_background_work()
    assert DRAWER_KICK not in printer.read_bytes()


def test_ctrl_p_without_a_payment_says_how_to_choose_one(
    qtbot: QtBot, office: Office, desk: MainWindow
) -> None:
    student = office.student("Uden", "Kvitteringsen")
    office.invoice(10000, student)
    find_and_open(qtbot, desk, "kvitteringsen", student)

    qtbot.keyClick(desk.invoicesView, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)

    assert desk.statusbar.currentMessage() == "Vælg først betalingen (Alt+B) og tryk Ctrl+P."
    assert desk.dialog is None
