"""The desk does not show wrong figures as right (issue 10): when the database holds an
inconsistency touching the open student (here a cached balance changed by hand), the student
panel shows the balance recomputed from the rows and a warning line, and keeps taking
payments; a student whose rows are in order shows no warning."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import update

from jdoffice.adapters.orm import BalanceRow
from jdoffice.domain.model import Student
from jdoffice.gui.views.main_window import MainWindow
from jdoffice.gui.views.receipt_preview import ReceiptPreviewDialog
from tests.gui.office import Office, make_office, settle_background_work
from tests.gui.test_desk import WAIT_MS, close_desk, find_and_open, open_desk, press_f5


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
    window = open_desk(qtbot, office)
    yield window
    close_desk(window)


def tamper_balance(office: Office, student: Student, balance_minor: int) -> None:
    uow = office.uow()
    with uow.write():
        uow.session.execute(
            update(BalanceRow)
            .where(BalanceRow.student_id == student.id)
            .values(balance_minor=balance_minor)
        )
        uow.commit()


def test_a_tampered_balance_shows_recomputed_with_a_warning_and_payments_go_on(
    qtbot: QtBot, office: Office, desk: MainWindow
) -> None:
    student = office.student("Tamara", "Saldosen")
    invoice = office.invoice(85025, student)
    tamper_balance(office, student, 0)

    find_and_open(qtbot, desk, "saldosen", student)

    assert desk.balanceLabel.text() == "Skylder 850,25\xa0kr."
    assert desk.integrityLabel.isVisible()
    assert desk.integrityLabel.text().startswith(
        "Advarsel: databasen er ikke i orden for denne elev (den gemte saldo passer ikke)."
    )
    assert "jdoffice db check" in desk.integrityLabel.text()

    # The desk itself still takes the payment (F5, bank, Enter) for the invoice on screen.
    dialog = press_f5(qtbot, desk)
    assert dialog.targetCombo.currentData() == invoice.invoice_no
    qtbot.keyClick(dialog, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(dialog.referenceEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(desk.dialog, ReceiptPreviewDialog), timeout=WAIT_MS)
    [payment] = office.payments(student.id)
    assert (payment.method, payment.amount_minor) == ("bank", 85025)
    qtbot.waitUntil(lambda: desk.balanceLabel.text() == "Intet udestående", timeout=WAIT_MS)
    assert desk.payments_model.rowCount() == 1
    assert desk.integrityLabel.isVisible()


def test_a_student_whose_rows_are_in_order_shows_no_warning(
    qtbot: QtBot, office: Office, desk: MainWindow
) -> None:
    tampered = office.student("Tamara", "Saldosen")
    office.invoice(10000, tampered)
    tamper_balance(office, tampered, 0)
    student = office.student("Ordnet", "Ordensen")
    office.invoice(60000, student)

    find_and_open(qtbot, desk, "ordensen", student)

    assert desk.balanceLabel.text() == "Skylder 600,00\xa0kr."
    assert not desk.integrityLabel.isVisible()
    assert desk.integrityLabel.text() == ""
