"""Cash without an open shift (issue 14): the desk offers to open one, and the payment or the
refund the receptionist typed goes on with the same key once the float is counted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from jdoffice.domain.staff import StaffMember
from jdoffice.gui.views.main_window import MainWindow
from jdoffice.gui.views.receipt_preview import ReceiptPreviewDialog
from jdoffice.gui.views.refund_dialog import RefundDialog
from jdoffice.gui.views.shift_dialogs import OpenShiftDialog
from jdoffice.services import shifts
from jdoffice.services import staff as staff_service
from tests.gui.office import Office, make_office, settle_background_work
from tests.gui.test_desk import close_desk, find_and_open, press_f5
from tests.gui.test_desk_staff import add_staff, open_window

WAIT_MS = 10_000


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
    people = add_staff(office)
    office.ctx.signed_in.accounts = True
    office.ctx.signed_in.member = people["JP"]
    window = open_window(qtbot, office)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
    yield window
    close_desk(window)


def people_of(office: Office) -> dict[str, StaffMember]:
    return {m.initials: m for m in staff_service.list_staff(office.uow(), office.school)}


def offer_box(qtbot: QtBot) -> QMessageBox:
    qtbot.waitUntil(
        lambda: isinstance(QApplication.activeModalWidget(), QMessageBox), timeout=WAIT_MS
    )
    box = QApplication.activeModalWidget()
    assert isinstance(box, QMessageBox)
    assert box.objectName() == "shiftOfferBox"
    qtbot.waitExposed(box)
    return box


def open_shift_dialog(qtbot: QtBot) -> OpenShiftDialog:
    qtbot.waitUntil(
        lambda: isinstance(QApplication.activeModalWidget(), OpenShiftDialog), timeout=WAIT_MS
    )
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, OpenShiftDialog)
    qtbot.waitExposed(dialog)
    return dialog


def test_cash_with_no_shift_offers_one_and_enter_float_enter_takes_the_payment_once(
    qtbot: QtBot, office: Office, desk: MainWindow
) -> None:
    student = office.student("Bjørk", "Ærø")
    office.invoice(85025, student)
    find_and_open(qtbot, desk, "bjør", student)

    dialog = press_f5(qtbot, desk)
    assert dialog.cashRadio.isChecked()
    qtbot.keyClicks(dialog.tenderedEdit, "1000")
    qtbot.keyClick(dialog.tenderedEdit, Qt.Key.Key_Return)

    box = offer_box(qtbot)
    assert "intet åbent skift" in box.text()
    assert "Intet er registreret" in dialog.errorLabel.text()
    assert office.payments(student.id) == []
    qtbot.keyClick(box, Qt.Key.Key_Return)  # Ja is the default answer

    opening = open_shift_dialog(qtbot)
    qtbot.keyClicks(opening.floatEdit, "1.000,00")
    qtbot.keyClick(opening.floatEdit, Qt.Key.Key_Return)

    qtbot.waitUntil(lambda: isinstance(desk.dialog, ReceiptPreviewDialog), timeout=WAIT_MS)
    [paid] = office.payments(student.id)
    assert (paid.method, paid.amount_minor, paid.change_minor) == ("cash", 85025, 14950)
    status = shifts.shift_status(office.uow(), office.school, "desk-1")
    assert status is not None
    assert (status.shift.float_minor, status.payments) == (100000, 1)
    # The status bar follows at once, not at the next poll.
    qtbot.waitUntil(
        lambda: desk.desk_status.shift_text.startswith("Skift Z1 åbent siden"), timeout=2000
    )


def test_saying_no_to_the_shift_leaves_the_payment_dialog_as_typed_and_stores_nothing(
    qtbot: QtBot, office: Office, desk: MainWindow
) -> None:
    student = office.student("Bjørk", "Ærø")
    office.invoice(85025, student)
    find_and_open(qtbot, desk, "bjør", student)

    dialog = press_f5(qtbot, desk)
    qtbot.keyClicks(dialog.tenderedEdit, "1000")
    qtbot.keyClick(dialog.tenderedEdit, Qt.Key.Key_Return)
    box = offer_box(qtbot)
    qtbot.keyClick(box, Qt.Key.Key_Escape)

    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is dialog, timeout=WAIT_MS)
    assert desk.dialog is dialog
    assert dialog.tenderedEdit.text() == "1000"
    assert dialog.errorLabel.isVisible()
    assert office.payments(student.id) == []
    assert shifts.shift_status(office.uow(), office.school, "desk-1") is None


def test_a_cash_refund_with_no_shift_offers_one_and_refunds_once_after_it(
    qtbot: QtBot, office: Office, desk: MainWindow
) -> None:
    student = office.student("Bjørk", "Ærø")
    invoice = office.invoice(50000, student)
    # Taken in a shift that has been closed since; refunds are a manager's.
    manager = people_of(office)["LK"]
    shifts.open_shift(office.uow(), office.school, desk="desk-1", float_minor=0, by=manager)
    paid = office.pay(invoice, 50000, method="cash", tendered_minor=50000)
    shifts.close_shift(office.uow(), office.school, desk="desk-1", counted_minor=50000, by=manager)
    office.ctx.signed_in.member = manager
    dialog = RefundDialog(office.ctx, paid.payment_id, desk)
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitUntil(lambda: dialog.detail is not None, timeout=WAIT_MS)
    qtbot.keyClicks(dialog.reason_edit, "Aflyst køretime")
    qtbot.keyClick(dialog.reason_edit, Qt.Key.Key_Return)

    box = offer_box(qtbot)
    assert office.refunds(paid.payment_id) == []
    qtbot.keyClick(box, Qt.Key.Key_Return)
    opening = open_shift_dialog(qtbot)
    qtbot.keyClicks(opening.floatEdit, "500")
    with qtbot.waitSignal(dialog.changed, timeout=WAIT_MS):
        qtbot.keyClick(opening.floatEdit, Qt.Key.Key_Return)

    [refund] = office.refunds(paid.payment_id)
    assert (refund.amount_minor, refund.status) == (50000, "succeeded")
    status = shifts.shift_status(office.uow(), office.school, "desk-1")
    assert status is not None
    assert (status.shift.float_minor, status.refunds) == (50000, 1)
    dialog.accept()
