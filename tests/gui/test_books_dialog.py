"""The books in the desk program (issue 15), by keyboard: a manager's Ctrl+Shift+B offers last
month, exports it in the format chosen to a file, and says how many postings with which total;
the same period again says who exported it when and writes the same bytes; a receptionist
gets no export without a manager's PIN."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from jdoffice.domain.exported import last_month
from jdoffice.domain.model import UTC
from jdoffice.gui.views.books_dialog import BooksDialog
from jdoffice.gui.views.main_window import MainWindow
from jdoffice.gui.views.staff_dialogs import ApprovalDialog
from jdoffice.services.payments import register_payment
from tests.gui.office import Office, make_office, settle_background_work
from tests.gui.test_desk import close_desk
from tests.gui.test_desk_staff import add_staff, open_window, press

WAIT_MS = 10_000


@pytest.fixture
def office(
    qtbot: QtBot, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Office]:
    office = make_office(tmp_path, tmp_path_factory.getbasetemp(), online=False)
    yield office
    settle_background_work()
    office.app.dispose()


def open_books(qtbot: QtBot, window: MainWindow) -> BooksDialog:
    qtbot.waitUntil(lambda: isinstance(window.dialog, BooksDialog), timeout=WAIT_MS)
    dialog = window.dialog
    assert isinstance(dialog, BooksDialog)
    qtbot.waitExposed(dialog)
    return dialog


def test_a_manager_exports_last_month_and_the_same_period_again_is_marked(
    qtbot: QtBot, office: Office, tmp_path: Path
) -> None:
    people = add_staff(office)
    start, end = last_month(office.school.local_date(dt.datetime.now(UTC)))
    paid_at = dt.datetime(start.year, start.month, 10, 10, 0, tzinfo=UTC)
    for amount, method in ((65_000, "bank"), (12_550, "mobilepay")):
        invoice = office.invoice(amount, office.student("Anna", "Ærø"))
        register_payment(
            office.uow(),
            office.school,
            method=method,
            amount_minor=amount,
            invoice_no=invoice.invoice_no,
            actor=people["JP"].actor("desk-1"),
            now=paid_at,
        )
    office.ctx.signed_in.accounts = True
    office.ctx.signed_in.member = people["LK"]
    window = open_window(qtbot, office)
    try:
        press(qtbot, window, Qt.Key.Key_B)
        dialog = open_books(qtbot, window)
        assert (BooksDialog._day(dialog.fromEdit), BooksDialog._day(dialog.toEdit)) == (start, end)
        # Alt+O reaches the format; Down picks e-conomic's journal import.
        dialog.activateWindow()
        qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT_MS)
        assert dialog.fromEdit.hasFocus()
        qtbot.keyClick(dialog.fromEdit, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
        assert dialog.formatBox.hasFocus()
        qtbot.keyClick(dialog.formatBox, Qt.Key.Key_Down)
        assert dialog.fmt == "economic"
        assert dialog.suggested_name().endswith(f"{end.isoformat()}.csv")

        first = tmp_path / "kassekladde.csv"
        dialog.export_to(first)
        qtbot.waitUntil(lambda: dialog.result_shown is not None, timeout=WAIT_MS)
        shown = dialog.resultLabel.text()
        assert "2 posteringer gemt i" in shown
        assert "Debet = kredit = 775,50" in shown
        assert "Korrektioner: 0." in shown
        assert not dialog.warningLabel.isVisible()  # last month is over
        assert first.read_text("utf-8").startswith("Dato;Bilag;Konto;Tekst;Beløb;Modkonto")
        assert not (tmp_path / "kassekladde.csv.part").exists()
        qtbot.waitUntil(lambda: dialog.exportsList.count() == 1, timeout=WAIT_MS)

        again = tmp_path / "igen.csv"
        dialog.result_shown = None
        dialog.export_to(again)
        qtbot.waitUntil(lambda: dialog.result_shown is not None, timeout=WAIT_MS)
        assert dialog.warningLabel.isVisible()
        warning = dialog.warningLabel.text()
        assert "allerede eksporteret" in warning
        assert "af LK ved desk-1" in warning
        assert again.read_bytes() == first.read_bytes()
        qtbot.waitUntil(lambda: dialog.exportsList.count() == 2, timeout=WAIT_MS)
        assert "gentaget" in dialog.exportsList.item(0).text()

        # A payment dated last month arrives now (an offline desk pushing late): the old
        # month again says it waits; this month's export carries it as a correction.
        invoice = office.invoice(30_000, office.student("Bo", "Ø"))
        register_payment(
            office.uow(),
            office.school,
            method="bank",
            amount_minor=30_000,
            invoice_no=invoice.invoice_no,
            actor=people["JP"].actor("desk-1"),
            now=paid_at + dt.timedelta(days=5),
        )
        dialog.result_shown = None
        dialog.export_to(tmp_path / "tredje.csv")
        qtbot.waitUntil(lambda: dialog.result_shown is not None, timeout=WAIT_MS)
        assert "1 posteringer i perioden kom efter eksporten" in dialog.warningLabel.text()
        assert (tmp_path / "tredje.csv").read_bytes() == first.read_bytes()
        this_month = end + dt.timedelta(days=1)
        dialog.fromEdit.setDate(QDate(this_month.year, this_month.month, 1))
        dialog.toEdit.setDate(QDate(this_month.year, this_month.month, 1).addMonths(1).addDays(-1))
        dialog.result_shown = None
        dialog.export_to(tmp_path / "ny.csv")
        qtbot.waitUntil(lambda: dialog.result_shown is not None, timeout=WAIT_MS)
        assert "Korrektioner: 1." in dialog.resultLabel.text()
        assert "Debet = kredit = 300,00" in dialog.resultLabel.text()
        # This month is not over: what comes later in it will be corrections.
        assert "Perioden er ikke slut endnu" in dialog.warningLabel.text()

        # A period overlapping the exported month is refused on screen, and no file is left.
        dialog.fromEdit.setDate(QDate(start.year, start.month, start.day))
        dialog.toEdit.setDate(dialog.toEdit.date().addDays(5))
        refused = tmp_path / "overlap.csv"
        dialog.export_to(refused)
        qtbot.waitUntil(dialog.messageLabel.isVisible, timeout=WAIT_MS)
        assert f"overlapper perioden {start.isoformat()} – {end.isoformat()}, som LK" in (
            dialog.messageLabel.text()
        )
        assert not refused.exists()

        # Next month has not begun: refused on screen in Danish, no file.
        later = QDate(this_month.year, this_month.month, 1).addMonths(1)
        dialog.fromEdit.setDate(later)
        dialog.toEdit.setDate(later.addMonths(1).addDays(-1))
        early = tmp_path / "early.csv"
        dialog.export_to(early)
        qtbot.waitUntil(
            lambda: "er ikke begyndt (i dag er det" in dialog.messageLabel.text(), timeout=WAIT_MS
        )
        assert not early.exists()
    finally:
        close_desk(window)


def test_a_receptionist_cannot_open_the_books_without_a_managers_pin(
    qtbot: QtBot, office: Office
) -> None:
    people = add_staff(office)
    office.ctx.signed_in.accounts = True
    office.ctx.signed_in.member = people["JP"]
    window = open_window(qtbot, office)
    try:
        asked: list[ApprovalDialog] = []

        def decline() -> None:
            found = QApplication.activeModalWidget()
            if not isinstance(found, ApprovalDialog):
                QTimer.singleShot(50, decline)
                return
            asked.append(found)
            qtbot.keyClick(found, Qt.Key.Key_Escape)

        QTimer.singleShot(50, decline)
        press(qtbot, window, Qt.Key.Key_B)
        qtbot.waitUntil(lambda: bool(asked), timeout=WAIT_MS)
        qtbot.waitUntil(
            lambda: "Ikke godkendt" in window.statusbar.currentMessage(), timeout=WAIT_MS
        )
        assert not isinstance(window.dialog, BooksDialog)
    finally:
        close_desk(window)
