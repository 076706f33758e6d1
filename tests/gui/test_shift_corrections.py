"""A manager's corrections from the Z-report dialog (issue 14), by keyboard: a receptionist
corrects a count ten kroner short with a manager's PIN over the shoulder (the report is
worked out again, the audit names both), and a manager reopens the latest close, which the
status bar then shows open under the same Z number."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from jdoffice.domain.staff import StaffMember
from jdoffice.gui.views.main_window import MainWindow
from jdoffice.gui.views.shift_corrections import CorrectCountDialog
from jdoffice.gui.views.staff_dialogs import ApprovalDialog
from jdoffice.gui.views.z_report_dialog import ZReportDialog
from jdoffice.services import shifts
from tests.gui.office import Office, make_office, settle_background_work
from tests.gui.test_desk import close_desk
from tests.gui.test_desk_staff import PINS, _dialog_of, add_staff, open_window, press

WAIT_MS = 10_000


@pytest.fixture
def office(
    qtbot: QtBot, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Office]:
    office = make_office(tmp_path, tmp_path_factory.getbasetemp(), online=False)
    yield office
    settle_background_work()
    office.app.dispose()


def closed_short(office: Office) -> dict[str, StaffMember]:
    """Z1 on desk-1: a float of 1.000,00 kr. counted 990,00 kr."""
    people = add_staff(office)
    jp = people["JP"]
    shifts.open_shift(office.uow(), office.school, desk="desk-1", float_minor=100000, by=jp)
    shifts.close_shift(
        office.uow(), office.school, desk="desk-1", counted_minor=99000, by=jp, note="?"
    )
    return people


def press_button(qtbot: QtBot, button: QPushButton) -> None:
    """Tab to a button and press Space (as the receptionist does without a mouse)."""
    button.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(button, Qt.Key.Key_Space)


def z_dialog(qtbot: QtBot, window: MainWindow) -> ZReportDialog:
    press(qtbot, window, Qt.Key.Key_R)
    z = _dialog_of(qtbot, window, ZReportDialog)
    assert isinstance(z, ZReportDialog)
    qtbot.waitUntil(lambda: z.report is not None, timeout=WAIT_MS)
    return z


def test_a_receptionist_corrects_the_count_with_a_managers_pin_and_both_are_audited(
    qtbot: QtBot, office: Office
) -> None:
    people = closed_short(office)
    office.ctx.signed_in.accounts = True
    office.ctx.signed_in.member = people["JP"]
    window = open_window(qtbot, office)
    try:
        z = z_dialog(qtbot, window)
        assert "−10,00" in z.html()
        assert z.correctButton.isVisible()
        assert z.correctButton.isEnabled()
        asked: list[ApprovalDialog] = []

        def approve() -> None:
            found = QApplication.activeModalWidget()
            if not isinstance(found, ApprovalDialog):
                QTimer.singleShot(50, approve)
                return
            asked.append(found)
            qtbot.keyClicks(found.initialsEdit, "LK")
            qtbot.keyClick(found.initialsEdit, Qt.Key.Key_Return)
            qtbot.keyClicks(found.pinEdit, PINS["LK"])
            qtbot.keyClick(found.pinEdit, Qt.Key.Key_Return)

        QTimer.singleShot(50, approve)
        press_button(qtbot, z.correctButton)
        assert asked, "a receptionist is asked for a manager's approval"
        qtbot.waitUntil(lambda: z.correction is not None, timeout=WAIT_MS)
        correcting = z.correction
        assert isinstance(correcting, CorrectCountDialog)
        qtbot.waitExposed(correcting)
        qtbot.waitUntil(correcting.isActiveWindow, timeout=WAIT_MS)
        assert correcting.countedEdit.hasFocus(), "the cursor waits in the count"
        assert "990,00" in correcting.findChildren(type(correcting.messageLabel))[1].text()

        qtbot.keyClicks(correcting.countedEdit, "1000")
        qtbot.keyClick(correcting.countedEdit, Qt.Key.Key_Return)
        assert correcting.noteEdit.hasFocus()
        qtbot.keyClick(correcting.noteEdit, Qt.Key.Key_Return)  # no note yet: refused
        assert correcting.messageLabel.isVisible()
        assert shifts.z_report_of(office.uow(), office.school, "desk-1", 1).variance_minor == -1000
        qtbot.keyClicks(correcting.noteEdit, "Tieren lå i skuffen")
        qtbot.keyClick(correcting.noteEdit, Qt.Key.Key_Return)

        qtbot.waitUntil(
            lambda: z.report is not None and z.report.variance_minor == 0, timeout=WAIT_MS
        )
        assert "Tieren lå i skuffen" in z.html()
        assert "KOPI" in z.html()
        assert "Z1 er rettet" in z.messageLabel.text()
        stored = shifts.z_report_of(office.uow(), office.school, "desk-1", 1)
        assert (stored.counted_minor, stored.variance_minor) == (100000, 0)
        uow = office.uow()
        with uow:
            entries = uow.audit.for_entity("shift", stored.shift_id)
        [corrected] = [e for e in entries if e.action == "shift.corrected"]
        assert (corrected.actor.staff_id, corrected.actor.approver_id) == (
            people["JP"].id,
            people["LK"].id,
        )
    finally:
        close_desk(window)


def test_a_manager_reopens_the_latest_close_and_the_status_bar_shows_it_open_again(
    qtbot: QtBot, office: Office
) -> None:
    people = closed_short(office)
    office.ctx.signed_in.accounts = True
    office.ctx.signed_in.member = people["LK"]
    window = open_window(qtbot, office)
    try:
        qtbot.waitUntil(lambda: window.desk_status.shift_text == "Intet åbent skift")
        z = z_dialog(qtbot, window)
        press_button(qtbot, z.reopenButton)
        qtbot.waitUntil(lambda: z.reopen_box is not None, timeout=WAIT_MS)
        box = z.reopen_box
        assert isinstance(box, QMessageBox)
        assert "Genåbn Z1 på desk-1" in box.text()
        # No is the default: a stray Enter reopens nothing.
        assert box.defaultButton() is box.button(QMessageBox.StandardButton.No)
        qtbot.keyClick(box, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: z.reopen_box is None, timeout=WAIT_MS)
        assert shifts.shift_status(office.uow(), office.school, "desk-1") is None

        press_button(qtbot, z.reopenButton)
        qtbot.waitUntil(lambda: z.reopen_box is not None, timeout=WAIT_MS)
        box = z.reopen_box
        assert box is not None
        with qtbot.waitSignal(z.reopened, timeout=WAIT_MS):
            box.button(QMessageBox.StandardButton.Yes).click()
        status = shifts.shift_status(office.uow(), office.school, "desk-1")
        assert status is not None
        assert status.shift.z_no == 1
        qtbot.waitUntil(lambda: window.dialog is None, timeout=WAIT_MS)
        qtbot.waitUntil(
            lambda: window.desk_status.shift_text.startswith("Skift Z1 åbent siden"),
            timeout=WAIT_MS,
        )
    finally:
        close_desk(window)


def test_the_z_report_asked_for_before_the_desk_has_read_its_shift_opens_the_latest_close(
    qtbot: QtBot, office: Office
) -> None:
    closed_short(office)
    # A desk that has not read its shift: here one that does not know of staff accounts (its
    # status bar reads nothing); just after the program starts, the same until the first read
    # comes back.
    office.ctx.signed_in.accounts = False
    window = open_window(qtbot, office)
    try:
        assert window.desk_status.shift_text == ""
        z = z_dialog(qtbot, window)
        assert z.report is not None
        assert z.report.label == "Z1"
        assert "−10,00" in z.html()
    finally:
        close_desk(window)
