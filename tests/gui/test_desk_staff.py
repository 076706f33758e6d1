"""Who is at the desk (issue 14), driven by keyboard: the sign-in at start, a wrong PIN, the
lock (Ctrl+L and idle) that keeps the open student, the approval over the shoulder, and the
shift from its float to a blind close ten kroner short.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from jdoffice.domain.shifts import MovementKind
from jdoffice.domain.staff import Action, StaffMember
from jdoffice.gui.views.main_window import MainWindow
from jdoffice.gui.views.refund_dialog import RefundDialog
from jdoffice.gui.views.shift_dialogs import (
    CloseShiftDialog,
    MovementDialog,
    OpenShiftDialog,
)
from jdoffice.gui.views.staff_dialogs import ApprovalDialog, SignInDialog, ask_approval
from jdoffice.gui.views.z_report_dialog import ZReportDialog
from jdoffice.services import shifts
from jdoffice.services import staff as staff_service
from tests.gui.office import Office, make_office, settle_background_work
from tests.gui.test_desk import close_desk, find_and_open

WAIT_MS = 10_000
PINS = {"MH": "1357", "LK": "2468", "JP": "9753", "AN": "8642"}


@pytest.fixture
def office(
    qtbot: QtBot, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Office]:
    office = make_office(tmp_path, tmp_path_factory.getbasetemp(), online=False)
    yield office
    settle_background_work()
    office.app.dispose()


def add_staff(office: Office) -> dict[str, StaffMember]:
    """An admin (the first account), a manager and two receptionists."""
    people: dict[str, StaffMember] = {}
    admin = staff_service.add_staff(
        office.uow(),
        office.school,
        initials="MH",
        name="Mette Hansen",
        role="admin",
        pin=PINS["MH"],
        by=None,
        desk="desk-1",
    )
    people["MH"] = admin
    for initials, name, role in (
        ("LK", "Lone Kristensen", "manager"),
        ("JP", "Jonas Petersen", "receptionist"),
        ("AN", "Anna Nielsen", "receptionist"),
    ):
        people[initials] = staff_service.add_staff(
            office.uow(),
            office.school,
            initials=initials,
            name=name,
            role=role,
            pin=PINS[initials],
            by=admin,
            desk="desk-1",
        )
    return people


def open_window(qtbot: QtBot, office: Office, idle_minutes: int = 0) -> MainWindow:
    window = MainWindow(office.ctx, idle_minutes=idle_minutes)
    qtbot.addWidget(window)
    window.resize(1200, 700)
    window.show()
    qtbot.waitExposed(window)
    return window


def sign_in_dialog(qtbot: QtBot, window: MainWindow) -> SignInDialog:
    qtbot.waitUntil(lambda: window.access.sign_in_dialog is not None, timeout=WAIT_MS)
    dialog = window.access.sign_in_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: not dialog.running and len(dialog.members) > 0, timeout=WAIT_MS)
    return dialog


def type_sign_in(qtbot: QtBot, dialog: SignInDialog, initials: str, pin: str) -> None:
    qtbot.keyClicks(dialog.initialsEdit, initials)
    qtbot.keyClick(dialog.initialsEdit, Qt.Key.Key_Return)
    assert dialog.pinEdit.hasFocus() or QApplication.focusWidget() is dialog.pinEdit
    qtbot.keyClicks(dialog.pinEdit, pin)
    qtbot.keyClick(dialog.pinEdit, Qt.Key.Key_Return)


def signed_in(office: Office, window: MainWindow, initials: str) -> bool:
    member = office.ctx.staff
    return member is not None and member.initials == initials and not window.access.is_locked


def test_a_school_without_staff_accounts_works_as_before_and_says_so(
    qtbot: QtBot, office: Office
) -> None:
    window = open_window(qtbot, office)
    try:
        qtbot.waitUntil(lambda: office.ctx.signed_in.accounts is False, timeout=WAIT_MS)
        assert window.access.sign_in_dialog is None
        assert window.desk_status.staff_text == "Uden log-ind"
        assert window.desk_status.shift_text == ""
    finally:
        close_desk(window)


def test_the_desk_starts_at_the_sign_in_and_initials_enter_pin_enter_signs_in(
    qtbot: QtBot, office: Office
) -> None:
    add_staff(office)
    window = open_window(qtbot, office)
    try:
        dialog = sign_in_dialog(qtbot, window)
        assert dialog.initialsEdit.hasFocus()
        assert dialog.pinEdit.echoMode() == dialog.pinEdit.EchoMode.Password
        assert [m.initials for m in dialog.members] == ["AN", "JP", "LK", "MH"]
        # Lower case is taken as upper case; the list follows the typing.
        qtbot.keyClicks(dialog.initialsEdit, "j")
        assert dialog.initialsEdit.text() == "J"
        assert dialog.staffList.currentItem().text().startswith("JP")
        qtbot.keyClicks(dialog.initialsEdit, "p")
        qtbot.keyClick(dialog.initialsEdit, Qt.Key.Key_Return)
        assert dialog.pinEdit.hasFocus()
        qtbot.keyClicks(dialog.pinEdit, PINS["JP"])
        qtbot.keyClick(dialog.pinEdit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: signed_in(office, window, "JP"), timeout=WAIT_MS)
        assert window.desk_status.staff_text == "Ekspedient: Jonas Petersen (ekspedient)"
    finally:
        close_desk(window)


def test_up_and_down_pick_from_the_list(qtbot: QtBot, office: Office) -> None:
    add_staff(office)
    window = open_window(qtbot, office)
    try:
        dialog = sign_in_dialog(qtbot, window)
        qtbot.keyClick(dialog.initialsEdit, Qt.Key.Key_Down)  # AN
        qtbot.keyClick(dialog.initialsEdit, Qt.Key.Key_Down)  # JP
        qtbot.keyClick(dialog.initialsEdit, Qt.Key.Key_Down)  # LK
        assert dialog.initialsEdit.text() == "LK"
        qtbot.keyClick(dialog.initialsEdit, Qt.Key.Key_Return)
        qtbot.keyClicks(dialog.pinEdit, PINS["LK"])
        qtbot.keyClick(dialog.pinEdit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: signed_in(office, window, "LK"), timeout=WAIT_MS)
        assert window.desk_status.staff_text == "Ekspedient: Lone Kristensen (leder)"
    finally:
        close_desk(window)


def test_a_wrong_pin_says_how_many_tries_are_left_and_then_that_the_account_is_locked(
    qtbot: QtBot, office: Office
) -> None:
    add_staff(office)
    window = open_window(qtbot, office)
    try:
        dialog = sign_in_dialog(qtbot, window)
        type_sign_in(qtbot, dialog, "JP", "0000")
        qtbot.waitUntil(lambda: dialog.messageLabel.isVisible(), timeout=WAIT_MS)
        assert dialog.messageLabel.text() == (
            "Forkerte initialer eller PIN. 4 forsøg tilbage, før kontoen låses i 5 min."
        )
        assert dialog.pinEdit.text() == "", "the PIN is never kept in its box"
        assert "0000" not in dialog.messageLabel.text()
        assert office.ctx.staff is None
        assert window.access.is_locked
        for left in (3, 2, 1):
            qtbot.keyClicks(dialog.pinEdit, "0000")
            qtbot.keyClick(dialog.pinEdit, Qt.Key.Key_Return)
            qtbot.waitUntil(partial(_says, dialog, f"{left} forsøg tilbage"), timeout=WAIT_MS)
        qtbot.keyClicks(dialog.pinEdit, "0000")
        qtbot.keyClick(dialog.pinEdit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "låst" in dialog.messageLabel.text(), timeout=WAIT_MS)
        assert "Prøv igen om 5 min." in dialog.messageLabel.text()
        # Even the right PIN waits for the lock to end.
        qtbot.keyClicks(dialog.pinEdit, PINS["JP"])
        qtbot.keyClick(dialog.pinEdit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not dialog.running, timeout=WAIT_MS)
        settle_background_work()
        assert office.ctx.staff is None
        assert "låst" in dialog.messageLabel.text()
    finally:
        close_desk(window)


def _says(dialog: SignInDialog, text: str) -> bool:
    return text in dialog.messageLabel.text()


def test_escape_does_not_take_the_sign_in_away(qtbot: QtBot, office: Office) -> None:
    add_staff(office)
    window = open_window(qtbot, office)
    try:
        dialog = sign_in_dialog(qtbot, window)
        qtbot.keyClick(dialog.initialsEdit, Qt.Key.Key_Escape)
        assert dialog.isVisible()
        assert window.access.is_locked
    finally:
        close_desk(window)


def test_ctrl_l_locks_and_the_next_person_finds_the_open_student_as_it_was(
    qtbot: QtBot, office: Office
) -> None:
    add_staff(office)
    student = office.student("Bjørk", "Ærø")
    office.invoice(85025, student)
    window = open_window(qtbot, office)
    try:
        type_sign_in(qtbot, sign_in_dialog(qtbot, window), "JP", PINS["JP"])
        qtbot.waitUntil(lambda: signed_in(office, window, "JP"), timeout=WAIT_MS)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
        window.searchEdit.setFocus()
        find_and_open(qtbot, window, "bjør", student)

        qtbot.keyClick(window.searchEdit, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
        dialog = sign_in_dialog(qtbot, window)
        assert office.ctx.staff is None
        assert window.desk_status.staff_text == "Kassen er låst"
        assert window.isVisible()
        assert window.view is not None
        assert window.view.student.student_no == student.student_no

        type_sign_in(qtbot, dialog, "LK", PINS["LK"])
        qtbot.waitUntil(lambda: signed_in(office, window, "LK"), timeout=WAIT_MS)
        assert window.view is not None
        assert window.view.student.student_no == student.student_no
        assert window.nameLabel.text() == "Bjørk Ærø"
        assert window.desk_status.staff_text == "Ekspedient: Lone Kristensen (leder)"
    finally:
        close_desk(window)


def test_the_desk_locks_itself_after_the_idle_time(qtbot: QtBot, office: Office) -> None:
    add_staff(office)
    window = open_window(qtbot, office)
    try:
        type_sign_in(qtbot, sign_in_dialog(qtbot, window), "JP", PINS["JP"])
        qtbot.waitUntil(lambda: signed_in(office, window, "JP"), timeout=WAIT_MS)
        window.access.set_idle_ms(600)
        # Typing keeps the desk open...
        for _ in range(8):
            qtbot.keyClick(window.searchEdit, Qt.Key.Key_A)
            qtbot.wait(150)
        assert not window.access.is_locked
        # ...and a while without a key locks it.
        qtbot.waitUntil(lambda: window.access.is_locked, timeout=WAIT_MS)
        assert office.ctx.staff is None
    finally:
        close_desk(window)


# --- the approval over the shoulder ---------------------------------------------------------


def approval(qtbot: QtBot, office: Office, who: StaffMember) -> ApprovalDialog:
    office.ctx.signed_in.accounts = True
    office.ctx.signed_in.member = who
    dialog = ApprovalDialog(office.ctx, Action.REFUND)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_the_approval_takes_a_managers_initials_and_pin(qtbot: QtBot, office: Office) -> None:
    people = add_staff(office)
    dialog = approval(qtbot, office, people["JP"])
    assert "Jonas Petersen er ekspedient" in dialog.explainLabel.text()
    assert "refusioner" in dialog.explainLabel.text()
    qtbot.keyClicks(dialog.initialsEdit, "lk")
    qtbot.keyClick(dialog.initialsEdit, Qt.Key.Key_Return)
    qtbot.keyClicks(dialog.pinEdit, PINS["LK"])
    qtbot.keyClick(dialog.pinEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.authority is not None, timeout=WAIT_MS)
    authority = dialog.authority
    assert authority is not None
    assert authority.staff.initials == "JP"
    assert authority.approver is not None
    assert authority.approver.initials == "LK"
    assert authority.allowed
    assert dialog.result() == ApprovalDialog.DialogCode.Accepted


def test_the_approval_refuses_another_receptionists_pin(qtbot: QtBot, office: Office) -> None:
    people = add_staff(office)
    dialog = approval(qtbot, office, people["JP"])
    qtbot.keyClicks(dialog.initialsEdit, "AN")
    qtbot.keyClick(dialog.initialsEdit, Qt.Key.Key_Return)
    qtbot.keyClicks(dialog.pinEdit, PINS["AN"])
    qtbot.keyClick(dialog.pinEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.messageLabel.isVisible(), timeout=WAIT_MS)
    assert "må ikke godkende" in dialog.messageLabel.text()
    assert dialog.authority is None
    assert dialog.isVisible()
    assert PINS["AN"] not in dialog.messageLabel.text()
    # A wrong PIN is refused too, and says nothing of whose it was.
    qtbot.keyClicks(dialog.pinEdit, "1111")
    qtbot.keyClick(dialog.pinEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Forkerte initialer" in dialog.messageLabel.text(), timeout=WAIT_MS)
    assert dialog.authority is None


def test_ask_approval_does_not_ask_a_manager_and_returns_their_own_authority(
    qtbot: QtBot, office: Office
) -> None:
    people = add_staff(office)
    office.ctx.signed_in.member = people["LK"]
    authority = ask_approval(None, office.ctx, Action.REFUND)
    assert authority is not None
    assert authority.staff.initials == "LK"
    assert authority.approver is None


def test_f8_for_a_receptionist_asks_the_approval_and_the_refund_names_both_people(
    qtbot: QtBot, office: Office
) -> None:
    people = add_staff(office)
    student = office.student("Bjørk", "Ærø")
    invoice = office.invoice(50000, student)
    paid = office.pay(invoice, 50000, method="bank")
    office.ctx.signed_in.accounts = True
    office.ctx.signed_in.member = people["JP"]
    window = open_window(qtbot, office)
    try:
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
        find_and_open(qtbot, window, "bjør", student)
        window.paymentsView.setFocus()
        qtbot.waitUntil(
            lambda: bool(window.paymentsView.selectionModel().selectedRows()), timeout=WAIT_MS
        )
        seen: list[ApprovalDialog] = []

        def answer() -> None:
            found = QApplication.activeModalWidget()
            if not isinstance(found, ApprovalDialog):
                QTimer.singleShot(50, answer)
                return
            seen.append(found)
            qtbot.keyClicks(found.initialsEdit, "LK")
            qtbot.keyClick(found.initialsEdit, Qt.Key.Key_Return)
            qtbot.keyClicks(found.pinEdit, PINS["LK"])
            qtbot.keyClick(found.pinEdit, Qt.Key.Key_Return)

        QTimer.singleShot(50, answer)
        qtbot.keyClick(window.paymentsView, Qt.Key.Key_F8)
        qtbot.waitUntil(lambda: window.dialog is not None, timeout=WAIT_MS)
        assert seen, "the approval was asked for"
        assert type(window.dialog).__name__ == "RefundDialog"
        assert window.authority is not None
        assert window.authority.approver is not None
        assert window.authority.approver.initials == "LK"

        # The refund itself goes through with the approval: the receptionist's and the
        # manager's ids on its audit row; once the dialog closes the approval is gone.
        dialog = window.dialog
        assert isinstance(dialog, RefundDialog)
        qtbot.waitUntil(lambda: dialog.detail is not None, timeout=WAIT_MS)
        qtbot.keyClicks(dialog.reason_edit, "Aflyst køretime")
        with qtbot.waitSignal(dialog.changed, timeout=WAIT_MS):
            qtbot.keyClick(dialog.reason_edit, Qt.Key.Key_Return)
        [refund] = office.refunds(paid.payment_id)
        assert refund.staff_id == people["JP"].id
        uow = office.uow()
        with uow:
            entries = uow.audit.for_entity("payment", paid.payment_id)
        [refunded] = [e for e in entries if e.action == "refund.registered"]
        assert (refunded.actor.staff_id, refunded.actor.approver_id) == (
            people["JP"].id,
            people["LK"].id,
        )
        qtbot.keyClick(dialog.reason_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: window.dialog is None, timeout=WAIT_MS)
        assert office.ctx.signed_in.approval is None
    finally:
        close_desk(window)


# --- the shift ------------------------------------------------------------------------------


def press(qtbot: QtBot, window: MainWindow, key: Qt.Key) -> None:
    """Ctrl+Shift+key in the desk's search box, with the window active (as after a dialog)."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
    qtbot.keyClick(
        window.searchEdit,
        key,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )


def _dialog_of(qtbot: QtBot, window: MainWindow, kind: type) -> object:
    qtbot.waitUntil(lambda: isinstance(window.dialog, kind), timeout=WAIT_MS)
    dialog = window.dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT_MS)
    return dialog


def test_open_pay_out_and_a_blind_close_ten_kroner_short_shows_the_variance(
    qtbot: QtBot, office: Office, tmp_path: Path
) -> None:
    people = add_staff(office)
    office.ctx.signed_in.accounts = True
    office.ctx.signed_in.member = people["JP"]
    window = open_window(qtbot, office)
    try:
        qtbot.waitUntil(lambda: window.desk_status.shift_text == "Intet åbent skift")

        press(qtbot, window, Qt.Key.Key_O)
        opening = _dialog_of(qtbot, window, OpenShiftDialog)
        assert isinstance(opening, OpenShiftDialog)
        qtbot.keyClicks(opening.floatEdit, "1.000,00")
        qtbot.keyClick(opening.floatEdit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: window.dialog is None, timeout=WAIT_MS)
        qtbot.waitUntil(
            lambda: window.desk_status.shift_text.startswith("Skift Z1 åbent siden"),
            timeout=WAIT_MS,
        )

        student = office.student()
        office.pay(office.invoice(50000, student), 50000, method="cash", tendered_minor=50000)

        press(qtbot, window, Qt.Key.Key_U)
        paying_out = _dialog_of(qtbot, window, MovementDialog)
        assert isinstance(paying_out, MovementDialog)
        qtbot.keyClicks(paying_out.amountEdit, "45")
        qtbot.keyClick(paying_out.amountEdit, Qt.Key.Key_Return)
        assert QApplication.focusWidget() in (paying_out.reasonEdit, paying_out.reasonCombo)
        qtbot.keyClicks(paying_out.reasonEdit, "Kaffe")
        qtbot.keyClick(paying_out.reasonEdit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: window.dialog is None, timeout=WAIT_MS)
        status = shifts.shift_status(office.uow(), office.school, "desk-1")
        assert status is not None
        assert [(m.kind, m.amount_minor, m.reason) for m in status.movements] == [
            (MovementKind.PAY_OUT, 4500, "Kaffe")
        ]

        press(qtbot, window, Qt.Key.Key_K)
        closing = _dialog_of(qtbot, window, CloseShiftDialog)
        assert isinstance(closing, CloseShiftDialog)
        # Blind: nothing on screen says what is expected before the count.
        assert not closing.resultBox.isVisible()
        assert "1.455" not in " ".join(
            w.text() for w in closing.findChildren(type(closing.messageLabel)) if w.isVisible()
        )
        qtbot.keyClicks(closing.countedEdit, "1445")
        qtbot.keyClick(closing.countedEdit, Qt.Key.Key_Return)
        assert closing.noteEdit.hasFocus()
        qtbot.keyClicks(closing.noteEdit, "Mangler en tier")
        qtbot.keyClick(closing.noteEdit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: closing.report is not None, timeout=WAIT_MS)
        assert closing.resultBox.isVisible()
        assert closing.expectedLabel.text() == "1.455,00\xa0kr."
        assert closing.varianceLabel.text() == "−10,00\xa0kr."
        report = closing.report
        assert report is not None
        assert (report.label, report.variance_minor, report.note) == (
            "Z1",
            -1000,
            "Mangler en tier",
        )
        qtbot.waitUntil(lambda: window.desk_status.shift_text == "Intet åbent skift")

        assert closing.zButton.hasFocus()
        qtbot.keyClick(closing.zButton, Qt.Key.Key_Return)
        z = _dialog_of(qtbot, window, ZReportDialog)
        assert isinstance(z, ZReportDialog)
        text = z.html()
        assert "Z-RAPPORT Z1" in text
        assert "Difference" in text
        assert "−10,00" in text
        assert "Kaffe" in text
        assert "KOPI" not in text
        z.save_pdf(tmp_path / "z1.pdf")
        qtbot.waitUntil(lambda: (tmp_path / "z1.pdf").exists(), timeout=WAIT_MS)
        qtbot.waitUntil(lambda: z.is_copy, timeout=WAIT_MS)
        assert "KOPI" in z.html(), "what is printed after the first print is a copy"
        z.accept()
        qtbot.waitUntil(lambda: window.dialog is None, timeout=WAIT_MS)

        # Again from the menu: the latest Z of this desk, marked KOPI.
        press(qtbot, window, Qt.Key.Key_R)
        again = _dialog_of(qtbot, window, ZReportDialog)
        assert isinstance(again, ZReportDialog)
        qtbot.waitUntil(lambda: again.report is not None, timeout=WAIT_MS)
        assert "KOPI" in again.html()
        assert "Z-RAPPORT Z1" in again.html()
    finally:
        close_desk(window)


def test_shift_actions_on_a_school_without_staff_accounts_say_why_not(
    qtbot: QtBot, office: Office
) -> None:
    window = open_window(qtbot, office)
    try:
        qtbot.waitUntil(lambda: office.ctx.signed_in.accounts is False, timeout=WAIT_MS)
        window.cash.actionOpenShift.trigger()
        assert window.dialog is None
        assert "ekspedientkonti" in window.statusbar.currentMessage()
    finally:
        close_desk(window)


def test_the_day_report_shows_each_desks_shifts_and_variances(qtbot: QtBot, office: Office) -> None:
    from jdoffice.gui.views.day_report_dialog import DayReportDialog

    people = add_staff(office)
    jp = people["JP"]
    for desk in ("desk-1", "desk-2"):
        shifts.open_shift(office.uow(), office.school, desk=desk, float_minor=50000, by=jp)
    shifts.close_shift(office.uow(), office.school, desk="desk-1", counted_minor=49000, by=jp)
    dialog = DayReportDialog(office.ctx)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=WAIT_MS)
    assert dialog.value_text("shift_0") == "desk-1 Z1"
    assert dialog.value_text("variance_0") == "−10,00\xa0kr."
    assert dialog.value_text("shift_1") == "desk-2"


def test_the_idle_time_is_a_desk_setting_of_ten_minutes_unless_set() -> None:
    from jdoffice.gui import desk_settings

    assert desk_settings.load().idle_lock_minutes == 10
    desk_settings.save(desk_settings.DeskSettings(idle_lock_minutes=3))
    assert desk_settings.load().idle_lock_minutes == 3


def test_the_z_report_prints_on_80_mm_and_a_reprint_says_kopi(
    qtbot: QtBot, office: Office, tmp_path: Path
) -> None:
    from jdoffice.gui import z_report_output

    jp = add_staff(office)["JP"]
    shifts.open_shift(office.uow(), office.school, desk="desk-1", float_minor=100000, by=jp)
    shifts.pay_out(
        office.uow(), office.school, desk="desk-1", amount_minor=4500, reason="Kaffe", by=jp
    )
    report = shifts.close_shift(
        office.uow(), office.school, desk="desk-1", counted_minor=94500, by=jp
    )
    lines, _bold = z_report_output.lines(report, school="Østerbro", timezone="Europe/Copenhagen")
    assert all(len(line) <= z_report_output.WIDTH for line in lines)
    assert any(line.startswith("Difference") and line.endswith("0,00") for line in lines)
    printer = tmp_path / "printer.bin"
    z_report_output.print_thermal(
        report, f"file:{printer}", school="Østerbro", timezone="Europe/Copenhagen", copy=True
    )
    data = printer.read_bytes()
    assert b"Z-RAPPORT Z1" in data
    assert b"KOPI" in data
    assert b"Kaffe" in data
    assert b"\x1bp" not in data, "a Z-report never opens the drawer"


def test_cash_without_an_open_shift_tells_how_to_open_one() -> None:
    from jdoffice.domain.shifts import NoOpenShift
    from jdoffice.gui import texts

    text = texts.error_message(NoOpenShift("cash needs an open shift on desk desk-1"))
    assert "Ctrl+Shift+O" in text
