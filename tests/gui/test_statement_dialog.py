"""The open student's statement in the desk program (issue 15): Ctrl+Shift+T shows the
invoices and payments with the running balance ending at the balance on screen, a period
narrows it, and it saves as an A4 PDF."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from pytestqt.qtbot import QtBot

from jdoffice.gui.views.statement_dialog import StatementDialog
from tests.gui.office import Office, make_office, settle_background_work
from tests.gui.test_desk import close_desk, find_and_open
from tests.gui.test_desk_staff import open_window, press

WAIT_MS = 10_000


@pytest.fixture
def office(
    qtbot: QtBot, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Office]:
    office = make_office(tmp_path, tmp_path_factory.getbasetemp(), online=False)
    yield office
    settle_background_work()
    office.app.dispose()


def test_ctrl_shift_t_shows_the_open_students_statement_and_saves_it_as_pdf(
    qtbot: QtBot, office: Office, tmp_path: Path
) -> None:
    student = office.student("Bjørk", "Ærø")
    office.pay(office.invoice(85_025, student), 50_000, method="bank")
    window = open_window(qtbot, office)
    try:
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
        find_and_open(qtbot, window, "bjør", student)
        press(qtbot, window, Qt.Key.Key_T)
        qtbot.waitUntil(lambda: isinstance(window.dialog, StatementDialog), timeout=WAIT_MS)
        dialog = window.dialog
        assert isinstance(dialog, StatementDialog)
        qtbot.waitUntil(lambda: dialog.statement is not None, timeout=WAIT_MS)
        st = dialog.statement
        assert st is not None
        assert st.closing_minor == 35_025
        shown = dialog.text.toPlainText()
        assert "KONTOUDTOG" in shown
        assert "Bjørk Ærø" in shown
        assert "Betaling, bankoverførsel" in shown
        assert shown.splitlines()[-1] == "Eleven skylder: 350,25 DKK"

        # A period after today holds no lines; the balance it had stays.
        tomorrow = office.school.local_date(dt.datetime.now(dt.UTC)) + dt.timedelta(days=2)
        dialog.fromEdit.setDate(QDate(tomorrow.year, tomorrow.month, tomorrow.day))
        dialog.toEdit.setDate(QDate(tomorrow.year, tomorrow.month, tomorrow.day))
        qtbot.waitUntil(
            lambda: dialog.statement is not None and dialog.statement.lines == (),
            timeout=WAIT_MS,
        )
        assert dialog.statement is not None
        assert dialog.statement.opening_minor == 35_025

        dialog.save_pdf(tmp_path / "k.pdf")
        qtbot.waitUntil(lambda: (tmp_path / "k.pdf").exists(), timeout=WAIT_MS)
        assert (tmp_path / "k.pdf").read_bytes().startswith(b"%PDF")
    finally:
        close_desk(window)
