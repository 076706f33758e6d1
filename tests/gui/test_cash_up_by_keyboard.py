"""The cash-up of issue 14 at the desk, by keyboard from the float to the Z-report: a
receptionist opens the shift with 1.000,00 kr., takes two cash payments (one rounded up),
one bank transfer, gives one cash payment back with a manager's PIN over the shoulder, pays
out 45,00 kr. for coffee and closes counting 10,00 kr. short. The close succeeds, the
Z-report shows the variance −10,00 kr. and every figure, and it prints again as KOPI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from jdoffice.domain.model import Student
from jdoffice.gui.views.main_window import MainWindow
from jdoffice.gui.views.receipt_preview import ReceiptPreviewDialog
from jdoffice.gui.views.refund_dialog import RefundDialog
from jdoffice.gui.views.shift_dialogs import CloseShiftDialog, MovementDialog, OpenShiftDialog
from jdoffice.gui.views.staff_dialogs import ApprovalDialog
from jdoffice.gui.views.z_report_dialog import ZReportDialog
from tests.gui.office import Office, make_office, settle_background_work
from tests.gui.test_desk import close_desk, find_and_open, press_f5
from tests.gui.test_desk_reprint import alt_b
from tests.gui.test_desk_staff import PINS, _dialog_of, add_staff, open_window, press

WAIT_MS = 10_000
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def office(
    qtbot: QtBot, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Office]:
    office = make_office(tmp_path, tmp_path_factory.getbasetemp(), online=False)
    yield office
    settle_background_work()
    office.app.dispose()


def search_for(qtbot: QtBot, window: MainWindow, typed: str, student: Student) -> None:
    """Ctrl+F, select what is in the box, type part of the name, Enter."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_F, CTRL)
    qtbot.waitUntil(window.searchEdit.hasFocus, timeout=WAIT_MS)
    qtbot.keyClick(window.searchEdit, Qt.Key.Key_A, CTRL)
    find_and_open(qtbot, window, typed, student)


def close_receipt(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: isinstance(window.dialog, ReceiptPreviewDialog), timeout=WAIT_MS)
    preview = window.dialog
    assert isinstance(preview, ReceiptPreviewDialog)
    qtbot.keyClick(preview.closeButton, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.dialog is None, timeout=WAIT_MS)


def test_the_whole_cash_up_by_keyboard_ends_ten_kroner_short_on_the_z_report(
    qtbot: QtBot, office: Office, tmp_path: Path
) -> None:
    people = add_staff(office)
    rounded, exact, by_bank = (
        office.student("Bjørk", "Ærø"),
        office.student("Carla", "Dahl"),
        office.student("Emil", "Fisker"),
    )
    office.invoice(85_025, rounded)
    office.invoice(40_000, exact)
    office.invoice(30_000, by_bank)
    office.ctx.signed_in.accounts = True
    office.ctx.signed_in.member = people["JP"]
    window = open_window(qtbot, office)
    try:
        # The float.
        press(qtbot, window, Qt.Key.Key_O)
        opening = _dialog_of(qtbot, window, OpenShiftDialog)
        assert isinstance(opening, OpenShiftDialog)
        qtbot.keyClicks(opening.floatEdit, "1.000,00")
        qtbot.keyClick(opening.floatEdit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: window.dialog is None, timeout=WAIT_MS)

        # Cash, rounded: 850,25 kr. is 850,50 kr. in cash.
        search_for(qtbot, window, "bjør", rounded)
        paying = press_f5(qtbot, window)
        qtbot.keyClicks(paying.tenderedEdit, "1000")
        assert paying.changeLabel.text() == "149,50\xa0kr."
        qtbot.keyClick(paying.tenderedEdit, Qt.Key.Key_Return)
        close_receipt(qtbot, window)

        # Cash, exact (nothing typed in Modtaget: the exact cash amount).
        search_for(qtbot, window, "carla", exact)
        paying = press_f5(qtbot, window)
        qtbot.keyClick(paying.tenderedEdit, Qt.Key.Key_Return)
        close_receipt(qtbot, window)

        # A bank transfer: Ctrl+2.
        search_for(qtbot, window, "fisker", by_bank)
        paying = press_f5(qtbot, window)
        qtbot.keyClick(paying, Qt.Key.Key_2, CTRL)
        assert paying.bankRadio.isChecked()
        qtbot.keyClick(paying.referenceEdit, Qt.Key.Key_Return)
        close_receipt(qtbot, window)

        # Carla's 400,00 kr. back in cash, with Lone's PIN over the shoulder.
        search_for(qtbot, window, "carla", exact)
        qtbot.waitUntil(lambda: window.payments_model.rowCount() == 1, timeout=WAIT_MS)
        alt_b(qtbot, window)

        def approve() -> None:
            found = QApplication.activeModalWidget()
            if not isinstance(found, ApprovalDialog):
                QTimer.singleShot(50, approve)
                return
            qtbot.keyClicks(found.initialsEdit, "LK")
            qtbot.keyClick(found.initialsEdit, Qt.Key.Key_Return)
            qtbot.keyClicks(found.pinEdit, PINS["LK"])
            qtbot.keyClick(found.pinEdit, Qt.Key.Key_Return)

        QTimer.singleShot(50, approve)
        qtbot.keyClick(window.paymentsView, Qt.Key.Key_F8)
        qtbot.waitUntil(lambda: isinstance(window.dialog, RefundDialog), timeout=WAIT_MS)
        refunding = window.dialog
        assert isinstance(refunding, RefundDialog)
        qtbot.waitUntil(lambda: refunding.detail is not None, timeout=WAIT_MS)
        qtbot.keyClicks(refunding.reason_edit, "Aflyst køretime")
        with qtbot.waitSignal(refunding.changed, timeout=WAIT_MS):
            qtbot.keyClick(refunding.reason_edit, Qt.Key.Key_Return)
        qtbot.keyClick(refunding.reason_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: window.dialog is None, timeout=WAIT_MS)

        # Coffee: 45,00 kr. out of the drawer.
        press(qtbot, window, Qt.Key.Key_U)
        paying_out = _dialog_of(qtbot, window, MovementDialog)
        assert isinstance(paying_out, MovementDialog)
        qtbot.keyClicks(paying_out.amountEdit, "45")
        qtbot.keyClick(paying_out.amountEdit, Qt.Key.Key_Return)
        qtbot.keyClicks(paying_out.reasonEdit, "Kaffe")
        qtbot.keyClick(paying_out.reasonEdit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: window.dialog is None, timeout=WAIT_MS)

        # The blind count: 1.000 + 850,50 + 400 − 400 − 45 = 1.805,50 expected; 1.795,50 counted.
        press(qtbot, window, Qt.Key.Key_K)
        closing = _dialog_of(qtbot, window, CloseShiftDialog)
        assert isinstance(closing, CloseShiftDialog)
        qtbot.keyClicks(closing.countedEdit, "1.795,50")
        qtbot.keyClick(closing.countedEdit, Qt.Key.Key_Return)
        qtbot.keyClicks(closing.noteEdit, "Mangler en tier")
        qtbot.keyClick(closing.noteEdit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: closing.report is not None, timeout=WAIT_MS)
        report = closing.report
        assert report is not None
        assert (
            report.float_minor,
            report.cash_payments_minor,
            report.rounding_minor,
            report.cash_refunds_minor,
            report.pay_outs_minor,
            report.expected_minor,
            report.counted_minor,
            report.variance_minor,
        ) == (100_000, 125_050, 25, 40_000, 4_500, 180_550, 179_550, -1_000)
        assert {m.method: (m.payments, m.payments_minor) for m in report.methods} == {
            "cash": (2, 125_025),
            "bank": (1, 30_000),
        }
        assert (report.payments, report.refunds) == (3, 1)
        assert (report.receipt_from, report.receipt_to) == (1, 4)
        assert closing.varianceLabel.text() == "−10,00\xa0kr."

        # The Z-report on screen, then again as KOPI.
        qtbot.keyClick(closing.zButton, Qt.Key.Key_Return)
        z = _dialog_of(qtbot, window, ZReportDialog)
        assert isinstance(z, ZReportDialog)
        shown = z.html()
        for figure in ("1.000,00", "1.250,50", "0,25", "400,00", "45,00", "1.805,50", "1.795,50"):
            assert figure in shown, figure
        assert "−10,00" in shown
        assert "Kaffe" in shown
        assert "KOPI" not in shown
        z.save_pdf(tmp_path / "z1.pdf")
        qtbot.waitUntil(lambda: z.is_copy, timeout=WAIT_MS)
        assert "KOPI" in z.html()
    finally:
        close_desk(window)
