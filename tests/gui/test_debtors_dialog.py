"""The debtor list in the desk program (issue 15), by keyboard: Ctrl+Shift+D shows who owes
what with the largest debt first, the days filter narrows it, a column header sorts it,
Enter opens the chosen student at the desk, and the list saves as CSV and PDF."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from jdoffice.domain.model import UTC
from jdoffice.gui.views.debtors_dialog import DAYS_COLUMN, DebtorsDialog
from jdoffice.gui.views.main_window import MainWindow
from tests.gui.office import Office, make_office, settle_background_work
from tests.gui.test_desk import close_desk
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


def rows(dialog: DebtorsDialog) -> list[list[str]]:
    proxy = dialog.proxy
    return [
        [str(proxy.index(r, c).data() or "") for c in range(proxy.columnCount())]
        for r in range(proxy.rowCount())
    ]


def open_list(qtbot: QtBot, window: MainWindow) -> DebtorsDialog:
    press(qtbot, window, Qt.Key.Key_D)
    qtbot.waitUntil(lambda: isinstance(window.dialog, DebtorsDialog), timeout=WAIT_MS)
    dialog = window.dialog
    assert isinstance(dialog, DebtorsDialog)
    qtbot.waitUntil(lambda: dialog.listed is not None, timeout=WAIT_MS)
    return dialog


def test_ctrl_shift_d_lists_the_largest_debt_first_and_enter_opens_that_student(
    qtbot: QtBot, office: Office, tmp_path: Path
) -> None:
    today = office.school.local_date(dt.datetime.now(UTC))
    anna = office.student("Anna", "Ærø")
    bo = office.student("Bo", "Berg")
    office.invoice(50_000, anna, due=today + dt.timedelta(days=5))
    office.invoice(12_500, bo, due=today - dt.timedelta(days=45))
    office.invoice(1_000, bo, due=today - dt.timedelta(days=120))
    window = open_window(qtbot, office)
    try:
        dialog = open_list(qtbot, window)
        shown = rows(dialog)
        assert [r[1] for r in shown] == ["Anna Ærø", "Bo Berg"]
        assert shown[0][3] == "500,00"  # not due yet
        assert (shown[1][5], shown[1][7], shown[1][8], shown[1][9]) == (
            "125,00",
            "10,00",
            "135,00",
            "120",
        )
        assert dialog.summaryLabel.text() == (
            "2 elever skylder 635,00\xa0kr., heraf forfaldent 135,00\xa0kr."
        )

        # Only 31 days or more overdue.
        dialog.daysSpin.setValue(31)
        qtbot.waitUntil(lambda: [r[1] for r in rows(dialog)] == ["Bo Berg"], timeout=WAIT_MS)
        dialog.daysSpin.setValue(0)
        qtbot.waitUntil(lambda: len(rows(dialog)) == 2, timeout=WAIT_MS)
        # The longest overdue first, by the days column's header.
        dialog.table.sortByColumn(DAYS_COLUMN, Qt.SortOrder.DescendingOrder)
        assert [r[1] for r in rows(dialog)] == ["Bo Berg", "Anna Ærø"]

        dialog.save_csv(tmp_path / "d.csv")
        qtbot.waitUntil(lambda: (tmp_path / "d.csv").exists(), timeout=WAIT_MS)
        with (tmp_path / "d.csv").open(encoding="utf-8", newline="") as fh:
            saved = list(csv.DictReader(fh, delimiter=";"))
        assert sorted(r["udestaaende"] for r in saved) == ["10,00", "125,00", "500,00"]
        dialog.save_pdf(tmp_path / "d.pdf")
        qtbot.waitUntil(lambda: (tmp_path / "d.pdf").exists(), timeout=WAIT_MS)
        assert (tmp_path / "d.pdf").read_bytes().startswith(b"%PDF")

        # Enter on the second row (Anna now) opens her at the desk.
        dialog.table.setFocus()
        dialog.table.selectRow(1)
        qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: window.dialog is None, timeout=WAIT_MS)
        qtbot.waitUntil(
            lambda: window.view is not None and window.view.student.student_no == anna.student_no,
            timeout=WAIT_MS,
        )
        assert window.searchEdit.text() == anna.student_no
    finally:
        close_desk(window)
