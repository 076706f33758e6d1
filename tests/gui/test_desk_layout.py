"""The desk at the size of a small office screen: 1024×700, and at 150 % scale.

Names in the results are shown whole (the phone gives way), the window keeps the size it was
given whatever student is open, it opens where this desk left it, and the status bar's hints
are never cut off.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QLabel, QStyle, QTableView
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from jdoffice.domain.errors import Unavailable
from jdoffice.domain.model import Actor, Student
from jdoffice.gui.models import PaymentColumn, SearchColumn
from jdoffice.gui.views.main_window import MainWindow
from jdoffice.services import changes, queries
from tests.gui.office import Office, make_office, settle_background_work
from tests.gui.test_desk import WAIT_MS, close_desk, find_and_open

ROOT = Path(__file__).resolve().parents[2]
SCALE = os.environ.get("QT_SCALE_FACTOR", "")

LONG_NAMES = [
    ("Anne-Sofie", "Mogensen-Sørensen"),
    ("Mikkel Østergaard", "Christiansen"),
    ("Karoline", "Schmidt-Vestergaard"),
    ("Sofie", "Østergaard Kristiansen"),
    ("Bo", "Sørensen"),
]


@pytest.fixture
def office(
    qtbot: QtBot, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Office]:
    office = make_office(tmp_path, tmp_path_factory.getbasetemp(), online=False)
    yield office
    settle_background_work()
    office.app.dispose()


def small_desk(
    qtbot: QtBot, office: Office, size: tuple[int, int] | None = (1024, 700)
) -> MainWindow:
    window = MainWindow(office.ctx)
    qtbot.addWidget(window)
    if size is not None:
        window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
    return window


def type_and_wait(qtbot: QtBot, desk: MainWindow, text: str) -> None:
    """One key at a time, each key's results on screen before the next."""
    shown: list[str] = []
    desk.results_shown.connect(shown.append)
    try:
        for char in text:
            qtbot.keyClicks(desk.searchEdit, char)
            typed = desk.searchEdit.text().strip()
            qtbot.waitUntil(lambda t=typed: bool(shown) and shown[-1] == t, timeout=WAIT_MS)  # type: ignore[misc]
    finally:
        desk.results_shown.disconnect(shown.append)
    QApplication.processEvents()


def shown_text(table: QTableView, row: int, column: int) -> str:
    """What a cell paints: its text elided to the room the column leaves (as the item
    delegate does), or "" when the column is hidden or scrolled out of sight."""
    header = table.horizontalHeader()
    if header.isSectionHidden(column):
        return ""
    left = header.sectionViewportPosition(column)
    right = min(left + header.sectionSize(column), table.viewport().width())
    margin = table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1
    room = right - max(left, 0) - 2 * margin
    full = str(table.model().index(row, column).data())
    return QFontMetrics(table.font()).elidedText(full, Qt.TextElideMode.ElideRight, max(room, 0))


def label_is_whole(label: QLabel) -> bool:
    """A one-line label shows all of its text; a wrapping one has the height it needs."""
    if label.wordWrap():
        return label.height() >= label.heightForWidth(label.width())
    return label.width() >= label.sizeHint().width()


def make_students(office: Office) -> list[Student]:
    return [office.student(first, last) for first, last in LONG_NAMES]


def test_names_in_the_results_are_shown_whole_at_1024_by_700(qtbot: QtBot, office: Office) -> None:
    # Run again at 150 % by the test below (QT_SCALE_FACTOR is read when Qt starts).
    if SCALE:
        assert QApplication.primaryScreen().devicePixelRatio() == float(SCALE)
    students = make_students(office)
    invoice = office.invoice(250000, students[1], text="Køreteknisk anlæg, glat bane")
    office.pay(invoice, 100000, method="bank")
    office.pay(invoice, 50000, method="mobilepay")
    desk = small_desk(qtbot, office)
    try:
        type_and_wait(qtbot, desk, "s")
        model = desk.results_model
        assert model.rowCount() == len(students)
        for row in range(model.rowCount()):
            name = model.hit(row).name
            assert shown_text(desk.resultsView, row, SearchColumn.NAME) == name
            # The balance stays in sight too; the phone is what gives way.
            balance = str(model.index(row, SearchColumn.BALANCE).data())
            assert shown_text(desk.resultsView, row, SearchColumn.BALANCE) == balance

        desk.searchEdit.clear()
        find_and_open(qtbot, desk, "mikkel", students[1])
        # Every label on screen, the status bar's too, shows all of its text.
        labels = [label for label in desk.findChildren(QLabel) if label.isVisible()]
        assert desk.nameLabel in labels
        assert any(label.text().startswith("Skole: ") for label in labels)
        for label in labels:
            assert label_is_whole(label), (label.objectName(), label.text())
        # The invoices and payments fit their panel: no column pushed out of sight.
        for table in (desk.invoicesView, desk.paymentsView):
            assert table.horizontalHeader().length() <= table.viewport().width()
        assert shown_text(desk.paymentsView, 0, PaymentColumn.STATUS) == "Gennemført"
        assert desk.width() == 1024
    finally:
        close_desk(desk)


def test_names_in_the_results_are_shown_whole_at_150_percent_scale() -> None:
    env = {**os.environ, "QT_SCALE_FACTOR": "1.5", "QT_QPA_PLATFORM": "offscreen"}
    test = "tests/gui/test_desk_layout.py::test_names_in_the_results_are_shown_whole_at_1024_by_700"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "1 passed" in run.stdout


def test_a_wide_window_shows_the_phone_too(qtbot: QtBot, office: Office) -> None:
    student = office.student("Bo", "Telefonsen")
    uow = office.uow()
    with uow.write():
        uow.session.execute(
            text("UPDATE students SET phone = :p WHERE id = :id"),
            {"p": "+45 12 34 56 78", "id": student.id},
        )
        uow.commit()
    desk = small_desk(qtbot, office, (1600, 800))
    try:
        type_and_wait(qtbot, desk, "telefonsen")
        assert shown_text(desk.resultsView, 0, SearchColumn.NAME) == "Bo Telefonsen"
        assert shown_text(desk.resultsView, 0, SearchColumn.PHONE) == "+45 12 34 56 78"
    finally:
        close_desk(desk)


def test_the_window_stays_1024_wide_while_students_with_long_names_are_opened(
    qtbot: QtBot, office: Office
) -> None:
    students = make_students(office)
    desk = small_desk(qtbot, office)
    try:
        for student in students:
            desk.searchEdit.clear()
            find_and_open(qtbot, desk, student.student_no.lower(), student)
            QApplication.processEvents()
            assert desk.width() == 1024
            # What a window manager enforces: a window never gets narrower than this.
            assert desk.minimumSizeHint().width() <= 1024, student.name
            assert desk.minimumSizeHint().height() <= 700, student.name
    finally:
        close_desk(desk)


def test_the_window_opens_where_this_desk_left_it(qtbot: QtBot, office: Office) -> None:
    # Within the offscreen screen (800×600), which a restored window is kept inside.
    first = small_desk(qtbot, office, (760, 560))
    first.splitter.setSizes([300, first.splitter.width() - 300])
    left = first.splitter.sizes()[0]
    close_desk(first)

    again = small_desk(qtbot, office, size=None)
    try:
        assert (again.width(), again.height()) == (760, 560)
        assert again.splitter.sizes()[0] == left
    finally:
        close_desk(again)


def message_room(desk: MainWindow) -> int:
    """The width the status bar paints a hint in: up to its first label still shown."""
    bar = desk.statusbar
    right = bar.width() - 12
    for label in bar.findChildren(QLabel):
        # While a hint shows, the status bar's other labels are hidden.
        if label.isVisible():
            right = min(right, label.x() - 2)
    return right - 6


def test_the_status_bar_hints_fit_at_1024_wide(qtbot: QtBot, office: Office) -> None:
    student = office.student("Uden", "Betalingsen")
    office.invoice(10000, student)
    desk = small_desk(qtbot, office)
    try:
        hints = []
        qtbot.keyClick(desk.searchEdit, Qt.Key.Key_F5)  # no student open yet
        hints.append(desk.statusbar.currentMessage())
        find_and_open(qtbot, desk, "betalingsen", student)
        for key, modifier in (
            (Qt.Key.Key_F8, 0),
            (Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier),
        ):
            qtbot.keyClick(desk.invoicesView, key, Qt.KeyboardModifier(modifier))
            hints.append(desk.statusbar.currentMessage())
        qtbot.keyClicks(desk.searchEdit, "x")  # the search no longer matches the student
        qtbot.keyClick(desk.searchEdit, Qt.Key.Key_F6)
        hints.append(desk.statusbar.currentMessage())

        assert all(hints), hints
        QApplication.processEvents()
        room = message_room(desk)
        metrics = desk.statusbar.fontMetrics()
        for hint in hints:
            assert metrics.horizontalAdvance(hint) <= room, hint
    finally:
        close_desk(desk)


def test_a_hint_fits_beside_a_lost_connection_and_the_warning_returns_after_it(
    qtbot: QtBot, office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    student = office.student("Uden", "Forbindelsesen")
    office.invoice(10000, student)
    # A desk and a receptionist with long names leave the least room for a hint.
    actor = Actor(staff="Mette Østergaard Christiansen", desk="Kassen ved indgangen")
    desk = MainWindow(dataclasses.replace(office.ctx, actor=actor), refresh_ms=150)
    qtbot.addWidget(desk)
    desk.resize(1024, 700)
    desk.show()
    qtbot.waitExposed(desk)
    try:
        find_and_open(qtbot, desk, "forbindelsesen", student)

        def unreachable(*_args: object, **_kwargs: object) -> object:
            raise Unavailable("database unavailable: server closed the connection")

        monkeypatch.setattr(changes, "changes_since", unreachable)
        monkeypatch.setattr(queries, "search_students", unreachable)
        qtbot.waitUntil(lambda: "Ingen forbindelse" in desk.freshness, timeout=WAIT_MS)
        (warning,) = [
            label for label in desk.statusbar.findChildren(QLabel) if label.text() == desk.freshness
        ]
        assert warning.isVisible()

        qtbot.keyClicks(desk.searchEdit, "x")  # the search no longer matches the student
        qtbot.keyClick(desk.searchEdit, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
        hint = desk.statusbar.currentMessage()
        assert hint == "Ctrl+P gør intet: søgningen passer ikke til den åbne elev"
        QApplication.processEvents()
        assert desk.statusbar.fontMetrics().horizontalAdvance(hint) <= message_room(desk)
        assert any(
            label.text().startswith("Kasse: Kassen ved indgangen")
            for label in desk.statusbar.findChildren(QLabel)
            if label.isVisible()
        )

        desk.statusbar.clearMessage()  # the hint's time is up
        assert warning.isVisible()
        assert "Ingen forbindelse" in warning.text()
    finally:
        close_desk(desk)
