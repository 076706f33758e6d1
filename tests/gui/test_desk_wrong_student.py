"""The desk never charges the wrong student (issue 11).

Typed as a receptionist types, one key at a time with the real search timing, at a school
where "s" finds Sara Sørensen first and "søren" finds Søren Hansen first: Enter opens the row
the receptionist sees highlighted, and F5, F6 and F8 never act on a student the search box no
longer shows. What is charged is read back from the database.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from jdoffice.domain.model import Invoice, Student
from jdoffice.gui.views.main_window import MainWindow
from jdoffice.gui.views.receipt_preview import ReceiptPreviewDialog
from jdoffice.services import queries
from jdoffice.services.payments import register_payment
from tests.gui.office import Office, make_office, settle_background_work
from tests.gui.test_desk import OTHER_DESK, WAIT_MS, close_desk, open_desk, press_f5

NO_LONGER_MATCHES = "Tryk Enter for at åbne den valgte elev"


@dataclass
class School:
    office: Office
    sara: Student
    sara_invoice: Invoice
    soeren: Student
    soeren_invoice: Invoice


@pytest.fixture
def school(
    qtbot: QtBot, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[School]:
    office = make_office(tmp_path, tmp_path_factory.getbasetemp(), online=False)
    sara = office.student("Sara", "Sørensen")
    sara_invoice = office.invoice(60000, sara)
    office.pay(sara_invoice, 10000, method="bank")  # something F8 could refund
    soeren = office.student("Søren", "Hansen")
    soeren_invoice = office.invoice(45000, soeren)
    yield School(office, sara, sara_invoice, soeren, soeren_invoice)
    settle_background_work()
    office.app.dispose()


@pytest.fixture
def desk(qtbot: QtBot, school: School) -> Iterator[MainWindow]:
    window = open_desk(qtbot, school.office, refresh_ms=150)
    yield window
    close_desk(window)


def type_like_a_person(qtbot: QtBot, desk: MainWindow, text: str) -> None:
    """One key at a time; each key's results land on screen before the next key."""
    shown: list[str] = []
    desk.results_shown.connect(shown.append)
    try:
        for char in text:
            qtbot.keyClicks(desk.searchEdit, char)
            typed = desk.searchEdit.text().strip()
            qtbot.waitUntil(lambda t=typed: bool(shown) and shown[-1] == t, timeout=WAIT_MS)  # type: ignore[misc]
            qtbot.wait(20)
    finally:
        desk.results_shown.disconnect(shown.append)


def highlighted(desk: MainWindow) -> str:
    """The student number of the highlighted result ("" when none is)."""
    index = desk.resultsView.currentIndex()
    if not index.isValid():
        return ""
    return desk.results_model.hit(index.row()).student_no


def first_row(desk: MainWindow) -> str:
    return desk.results_model.hit(0).student_no


def press_enter_and_wait_for(qtbot: QtBot, desk: MainWindow, student: Student) -> None:
    qtbot.keyClick(desk.searchEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: desk.view is not None, timeout=WAIT_MS)
    settle_background_work()
    assert desk.view is not None
    assert desk.view.student.name == student.name


def open_by_typing(qtbot: QtBot, desk: MainWindow, typed: str, student: Student) -> None:
    type_like_a_person(qtbot, desk, typed)
    assert highlighted(desk) == student.student_no
    press_enter_and_wait_for(qtbot, desk, student)
    assert desk.nameLabel.text() == student.name


def darkest(widget: QWidget) -> int:
    """The darkest pixel of ``widget`` as painted in its window (0 black, 255 white)."""
    window = widget.window()
    image = window.grab().toImage()
    ratio = image.devicePixelRatio()
    corner = widget.mapTo(window, QPoint(0, 0))
    x0, y0 = int(corner.x() * ratio), int(corner.y() * ratio)
    w, h = int(widget.width() * ratio), int(widget.height() * ratio)
    return min(
        image.pixelColor(x, y).lightness()
        for x in range(x0, min(x0 + w, image.width()), 2)
        for y in range(y0, min(y0 + h, image.height()))
    )


def paid(office: Office, student: Student) -> list[int]:
    """The amounts the student has paid, oldest first (read from the database)."""
    return sorted(p.amount_minor for p in office.payments(student.id))


def owed(office: Office, student: Student) -> dict[str, int]:
    """What is left on each of the student's invoices (read from the database)."""
    view = queries.student_view(office.uow(), office.school, student.student_no)
    return {i.invoice_no: i.outstanding_minor for i in view.invoices}


# --- 1. Enter opens the row the typing put first ---------------------------------------------


def test_typing_soeren_letter_by_letter_then_enter_opens_soeren_hansen_not_the_row_of_the_s(
    qtbot: QtBot, school: School, desk: MainWindow
) -> None:
    type_like_a_person(qtbot, desk, "s")
    assert first_row(desk) == school.sara.student_no, "the school this test needs: s finds Sara"
    assert highlighted(desk) == school.sara.student_no

    type_like_a_person(qtbot, desk, "øren")
    assert desk.searchEdit.text() == "søren"
    assert first_row(desk) == school.soeren.student_no
    assert desk.results_model.row_of(school.sara.student_no) > 0, "Sara still matches"
    assert highlighted(desk) == school.soeren.student_no, "the highlight is on the first row"

    press_enter_and_wait_for(qtbot, desk, school.soeren)
    assert desk.nameLabel.text() == "Søren Hansen"
    dialog = press_f5(qtbot, desk)
    assert "Søren Hansen" in dialog.studentLabel.text()
    assert dialog.targetCombo.currentData() == school.soeren_invoice.invoice_no
    dialog.reject()


@pytest.mark.parametrize("move", ["down key", "mouse"])
def test_a_row_chosen_after_the_last_keystroke_stays_when_late_results_of_that_text_arrive(
    qtbot: QtBot,
    school: School,
    desk: MainWindow,
    monkeypatch: pytest.MonkeyPatch,
    move: str,
) -> None:
    type_like_a_person(qtbot, desk, "søre")
    assert first_row(desk) == school.soeren.student_no
    assert desk.results_model.row_of(school.sara.student_no) == 1

    # The search for the last key is slow; the receptionist picks Sara meanwhile.
    started = threading.Event()
    release = threading.Event()
    real = queries.search_students

    def slow_for_soeren(uow: Any, school_: Any, text: str, limit: int = 20) -> Any:
        if text == "søren":
            started.set()
            assert release.wait(10)
        return real(uow, school_, text, limit)

    monkeypatch.setattr(queries, "search_students", slow_for_soeren)
    shown: list[str] = []
    desk.results_shown.connect(shown.append)
    qtbot.keyClicks(desk.searchEdit, "n")
    qtbot.waitUntil(started.is_set, timeout=WAIT_MS)
    if move == "down key":
        qtbot.keyClick(desk.searchEdit, Qt.Key.Key_Down)
    else:
        view = desk.resultsView
        cell = view.visualRect(desk.results_model.index(1, 1)).center()
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=cell)
        desk.focus_search()
        desk.searchEdit.end(False)
    assert highlighted(desk) == school.sara.student_no
    release.set()
    qtbot.waitUntil(lambda: "søren" in shown, timeout=WAIT_MS)
    assert highlighted(desk) == school.sara.student_no, "the late results kept the choice"

    # Another desk takes money from Sara: the live refresh reads "søren" again.
    register_payment(
        school.office.uow(),
        school.office.school,
        method="cash",
        amount_minor=5000,
        invoice_no=school.sara_invoice.invoice_no,
        actor=OTHER_DESK,
    )
    row = desk.results_model.row_of(school.sara.student_no)
    qtbot.waitUntil(lambda: desk.results_model.hit(row).balance_minor == 45000, timeout=WAIT_MS)
    assert highlighted(desk) == school.sara.student_no, "a refresh kept the choice too"
    press_enter_and_wait_for(qtbot, desk, school.sara)


# --- 2. F5, F6 and F8 never act on a student the search no longer shows ----------------------


@pytest.mark.parametrize(("typed", "info"), [("søren", "2 fundet"), ("xq", "Ingen fundet")])
def test_after_typing_another_name_f5_f6_f8_open_nothing_and_the_status_bar_says_why(
    qtbot: QtBot, school: School, desk: MainWindow, typed: str, info: str
) -> None:
    open_by_typing(qtbot, desk, "sara", school.sara)
    desk.paymentsView.selectRow(0)  # F8 would refund this payment of Sara's
    assert darkest(desk.nameLabel) < 80, "the open student's name is black"
    assert not desk.mismatchLabel.isVisible()

    qtbot.keyClick(desk.invoicesView, Qt.Key.Key_F2)
    type_like_a_person(qtbot, desk, typed)
    assert desk.searchInfoLabel.text() == info

    assert desk.mismatchLabel.isVisible()
    assert NO_LONGER_MATCHES in desk.mismatchLabel.text()
    assert "Sara Sørensen" in desk.mismatchLabel.text()
    assert darkest(desk.nameLabel) > 120, "the panel of the student opened before is dimmed"
    assert darkest(desk.mismatchLabel) < 120, "the note itself is not dimmed"
    assert not desk.invoicesView.isEnabled(), "the invoices are greyed out"
    assert not desk.paymentsView.isEnabled(), "the payments are greyed out"
    assert not desk.matches_search

    for key in (Qt.Key.Key_F5, Qt.Key.Key_F6, Qt.Key.Key_F8):
        desk.statusbar.clearMessage()
        qtbot.keyClick(QApplication.focusWidget() or desk, key)
        settle_background_work()
        assert desk.dialog is None, f"{key.name} opened a dialog for the student not shown"
        message = desk.statusbar.currentMessage()
        assert message.startswith(key.name.removeprefix("Key_") + " gør intet")
        assert "søgningen passer ikke til den åbne elev" in message
    for button in (desk.payButton, desk.qrButton, desk.refundButton):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert desk.dialog is None
    assert paid(school.office, school.sara) == [10000]
    # F9 is not about a student: the day report still opens.
    qtbot.keyClick(desk.searchEdit, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: desk.dialog is not None, timeout=WAIT_MS)


def test_enter_on_the_new_results_opens_that_student_and_f5_charges_them(
    qtbot: QtBot, school: School, desk: MainWindow
) -> None:
    open_by_typing(qtbot, desk, "sara", school.sara)
    qtbot.keyClick(desk.invoicesView, Qt.Key.Key_F2)
    type_like_a_person(qtbot, desk, "søren")
    assert desk.mismatchLabel.isVisible()
    qtbot.keyClick(desk.searchEdit, Qt.Key.Key_F5)
    assert "gør intet" in desk.statusbar.currentMessage()

    press_enter_and_wait_for(qtbot, desk, school.soeren)
    assert not desk.mismatchLabel.isVisible()
    assert "gør intet" not in desk.statusbar.currentMessage(), "no refusal beside an open dialog"
    assert darkest(desk.nameLabel) < 80
    dialog = press_f5(qtbot, desk)
    assert "Søren Hansen" in dialog.studentLabel.text()
    qtbot.keyClick(dialog.tenderedEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(desk.dialog, ReceiptPreviewDialog), timeout=WAIT_MS)
    assert paid(school.office, school.soeren) == [45000]
    assert owed(school.office, school.soeren) == {school.soeren_invoice.invoice_no: 0}
    assert paid(school.office, school.sara) == [10000]


def test_escape_goes_back_to_the_open_student_and_f5_charges_that_student(
    qtbot: QtBot, school: School, desk: MainWindow
) -> None:
    open_by_typing(qtbot, desk, "sara", school.sara)
    qtbot.keyClick(desk.invoicesView, Qt.Key.Key_F2)
    type_like_a_person(qtbot, desk, "søren")
    assert desk.mismatchLabel.isVisible()
    qtbot.keyClick(desk.searchEdit, Qt.Key.Key_F5)
    assert desk.dialog is None

    shown: list[str] = []
    desk.results_shown.connect(shown.append)
    qtbot.keyClick(desk.searchEdit, Qt.Key.Key_Escape)
    assert desk.searchEdit.text() == "sara", "the text that opened Sara is back"
    assert not desk.mismatchLabel.isVisible()
    assert "gør intet" not in desk.statusbar.currentMessage()
    assert darkest(desk.nameLabel) < 80, "the panel is no longer dimmed"
    assert desk.invoicesView.isEnabled()
    assert desk.matches_search
    qtbot.waitUntil(lambda: "sara" in shown, timeout=WAIT_MS)
    assert highlighted(desk) == school.sara.student_no

    dialog = press_f5(qtbot, desk)
    assert dialog.studentLabel.text().startswith("Sara Sørensen")
    assert school.sara.student_no in dialog.studentLabel.text()
    assert dialog.targetCombo.currentData() == school.sara_invoice.invoice_no
    assert school.sara_invoice.invoice_no in dialog.targetCombo.currentText()
    qtbot.keyClick(dialog.tenderedEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(desk.dialog, ReceiptPreviewDialog), timeout=WAIT_MS)
    assert paid(school.office, school.sara) == [10000, 50000]
    assert owed(school.office, school.sara) == {school.sara_invoice.invoice_no: 0}
    assert paid(school.office, school.soeren) == []
    assert owed(school.office, school.soeren) == {school.soeren_invoice.invoice_no: 45000}


def test_escape_with_a_matching_search_changes_nothing(
    qtbot: QtBot, school: School, desk: MainWindow
) -> None:
    open_by_typing(qtbot, desk, "sara", school.sara)
    qtbot.keyClick(desk.invoicesView, Qt.Key.Key_F2)
    qtbot.keyClick(desk.searchEdit, Qt.Key.Key_Escape)
    assert desk.searchEdit.text() == "sara"
    assert desk.matches_search
    dialog = press_f5(qtbot, desk)
    assert dialog.studentLabel.text().startswith("Sara Sørensen")
    dialog.reject()


def test_typing_back_to_the_text_that_opened_the_student_matches_again_on_that_student(
    qtbot: QtBot, school: School, desk: MainWindow
) -> None:
    # Sara opened from the second row of "sør" (Søren Hansen comes first there).
    type_like_a_person(qtbot, desk, "sør")
    assert first_row(desk) == school.soeren.student_no
    qtbot.keyClick(desk.searchEdit, Qt.Key.Key_Down)
    assert highlighted(desk) == school.sara.student_no
    press_enter_and_wait_for(qtbot, desk, school.sara)
    qtbot.keyClick(desk.invoicesView, Qt.Key.Key_F2)
    qtbot.keyClick(desk.searchEdit, Qt.Key.Key_End)

    type_like_a_person(qtbot, desk, "x")
    assert desk.mismatchLabel.isVisible()
    shown: list[str] = []
    desk.results_shown.connect(shown.append)
    qtbot.keyClick(desk.searchEdit, Qt.Key.Key_Backspace)
    assert desk.searchEdit.text() == "sør"
    assert not desk.mismatchLabel.isVisible(), "the box shows the text that opened Sara again"
    assert desk.matches_search
    qtbot.waitUntil(lambda: "sør" in shown, timeout=WAIT_MS)
    assert highlighted(desk) == school.sara.student_no, "Sara's row, not the first one"

    dialog = press_f5(qtbot, desk)
    assert dialog.studentLabel.text().startswith("Sara Sørensen")
    assert dialog.targetCombo.currentData() == school.sara_invoice.invoice_no
