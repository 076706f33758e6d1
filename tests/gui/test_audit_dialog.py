"""The audit trail in the desk program (issue 15), by keyboard: a manager's Ctrl+Shift+A shows
who did what with names, the staff filter narrows it, the chosen row shows its values; a
receptionist gets it only with a manager's PIN over the shoulder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from jdoffice.gui.views.audit_dialog import AuditDialog
from jdoffice.gui.views.main_window import MainWindow
from jdoffice.gui.views.staff_dialogs import ApprovalDialog
from jdoffice.services import shifts
from tests.gui.office import Office, make_office, settle_background_work
from tests.gui.test_desk import close_desk
from tests.gui.test_desk_staff import PINS, add_staff, open_window, press

WAIT_MS = 10_000


@pytest.fixture
def office(
    qtbot: QtBot, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Office]:
    office = make_office(tmp_path, tmp_path_factory.getbasetemp(), online=False)
    yield office
    settle_background_work()
    office.app.dispose()


def cells(dialog: AuditDialog) -> list[list[str]]:
    m = dialog.model
    return [
        [str(m.index(r, c).data() or "") for c in range(m.columnCount())]
        for r in range(m.rowCount())
    ]


def open_audit(qtbot: QtBot, window: MainWindow) -> AuditDialog:
    qtbot.waitUntil(lambda: isinstance(window.dialog, AuditDialog), timeout=WAIT_MS)
    dialog = window.dialog
    assert isinstance(dialog, AuditDialog)
    qtbot.waitUntil(lambda: dialog.loaded, timeout=WAIT_MS)
    return dialog


def test_a_manager_reads_who_did_what_and_narrows_it_to_one_person(
    qtbot: QtBot, office: Office
) -> None:
    people = add_staff(office)
    jp, lk = people["JP"], people["LK"]
    shifts.open_shift(office.uow(), office.school, desk="desk-1", float_minor=0, by=jp)
    student = office.student("Anna", "Ærø")
    office.pay(office.invoice(40_000, student), 40_000, method="bank", actor=jp.actor("desk-1"))
    office.ctx.signed_in.accounts = True
    office.ctx.signed_in.member = lk
    window = open_window(qtbot, office)
    try:
        press(qtbot, window, Qt.Key.Key_A)
        dialog = open_audit(qtbot, window)
        shown = cells(dialog)
        actions = [row[1] for row in shown]
        assert "payment.registered" in actions
        assert "shift.opened" in actions
        [paid] = [row for row in shown if row[1] == "payment.registered"]
        assert paid[3] == "Jonas Petersen (JP)"
        assert paid[5] == "desk-1"

        qtbot.keyClicks(dialog.staffEdit, "jp")
        qtbot.keyClick(dialog.staffEdit, Qt.Key.Key_Return)
        qtbot.waitUntil(
            lambda: {row[1] for row in cells(dialog)} == {"shift.opened", "payment.registered"},
            timeout=WAIT_MS,
        )
        # The newest row is chosen; its values show below.
        assert '"amount_minor": 40000' in dialog.details.toPlainText()
        assert "Efter:" in dialog.details.toPlainText()

        dialog.staffEdit.setText("ZZ")
        qtbot.keyClick(dialog.staffEdit, Qt.Key.Key_Return)
        qtbot.waitUntil(dialog.messageLabel.isVisible, timeout=WAIT_MS)
    finally:
        close_desk(window)


def test_a_receptionist_reads_it_only_with_a_managers_pin(qtbot: QtBot, office: Office) -> None:
    people = add_staff(office)
    office.ctx.signed_in.accounts = True
    office.ctx.signed_in.member = people["JP"]
    window = open_window(qtbot, office)
    try:
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
        press(qtbot, window, Qt.Key.Key_A)
        dialog = open_audit(qtbot, window)
        assert asked, "the receptionist was asked for a manager's approval"
        assert not dialog.messageLabel.isVisible()
        assert "staff.approved" in [row[1] for row in cells(dialog)]
    finally:
        close_desk(window)
