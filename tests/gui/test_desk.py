"""The desk driven by keyboard as a receptionist would: search, open, F5, tendered, Enter.

Each test gets its own SQLite office (``tests/gui/office.py``); what is stored is checked with
a fresh unit of work, never through the window.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from jdoffice.domain.errors import Unavailable
from jdoffice.domain.model import Actor, Student
from jdoffice.gui.views.main_window import MainWindow
from jdoffice.gui.views.payment_dialog import PaymentDialog
from jdoffice.gui.views.qr_dialog import QrDialog
from jdoffice.gui.views.receipt_preview import ReceiptPreviewDialog
from jdoffice.services import changes, payments, queries
from jdoffice.services.payments import register_payment
from tests.gui.office import Office, make_office, settle_background_work

OTHER_DESK = Actor(staff="jonas", desk="desk-2")
WAIT_MS = 10_000


@pytest.fixture
def office(
    qtbot: QtBot, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Office]:
    office = make_office(tmp_path, tmp_path_factory.getbasetemp(), online=False)
    yield office
    settle_background_work()
    office.app.dispose()


def open_desk(qtbot: QtBot, office: Office, refresh_ms: int | None = None) -> MainWindow:
    window = MainWindow(office.ctx, refresh_ms=refresh_ms)
    qtbot.addWidget(window)
    window.resize(1200, 700)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
    return window


@pytest.fixture
def desk(qtbot: QtBot, office: Office) -> Iterator[MainWindow]:
    window = open_desk(qtbot, office)
    yield window
    close_desk(window)


def close_desk(window: MainWindow) -> None:
    dialog = window.dialog
    if dialog is not None:
        dialog.done(0)
    window.close()
    settle_background_work()


def find_and_open(qtbot: QtBot, desk: MainWindow, typed: str, student: Student) -> None:
    """Type part of a name, wait for the results, press Enter, wait for the student."""
    qtbot.keyClicks(desk.searchEdit, typed)
    qtbot.waitUntil(lambda: desk.results_model.row_of(student.student_no) >= 0, timeout=WAIT_MS)
    current = desk.resultsView.currentIndex()
    assert desk.results_model.hit(current.row()).student_no == student.student_no
    qtbot.keyClick(desk.searchEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: desk.view is not None and desk.view.student.student_no == student.student_no,
        timeout=WAIT_MS,
    )


def press_f5(qtbot: QtBot, desk: MainWindow) -> PaymentDialog:
    qtbot.keyClick(QApplication.focusWidget() or desk, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: isinstance(desk.dialog, PaymentDialog), timeout=WAIT_MS)
    dialog = desk.dialog
    assert isinstance(dialog, PaymentDialog)
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT_MS)
    return dialog


def stored_payments(office: Office, student: Student) -> list[Any]:
    return office.payments(student.id)


# --- the receptionist's round --------------------------------------------------------------


def test_search_enter_f5_tendered_enter_stores_one_cash_payment_and_shows_the_receipt(
    qtbot: QtBot, office: Office, desk: MainWindow
) -> None:
    student = office.student("Bjørk", "Ærø")
    invoice = office.invoice(85025, student)
    assert desk.searchEdit.hasFocus(), "the search box has the focus at start"

    find_and_open(qtbot, desk, "bjør", student)
    assert desk.nameLabel.text() == "Bjørk Ærø"
    assert desk.balanceLabel.text() == "Skylder 850,25\xa0kr."
    assert desk.invoices_model.rowCount() == 1
    assert invoice.invoice_no in desk.targetLabel.text()

    dialog = press_f5(qtbot, desk)
    assert dialog.amountEdit.text() == "850,25"
    assert dialog.cashRadio.isChecked()
    assert dialog.tenderedEdit.hasFocus(), "for cash the cursor waits in Modtaget"
    qtbot.keyClicks(dialog.tenderedEdit, "1000")
    assert dialog.changeLabel.text() == "149,50\xa0kr."
    assert "850,50" in dialog.cashDetailLabel.text()
    assert "+0,25" in dialog.cashDetailLabel.text()

    qtbot.keyClick(dialog.tenderedEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(desk.dialog, ReceiptPreviewDialog), timeout=WAIT_MS)

    stored = stored_payments(office, student)
    assert len(stored) == 1
    p = stored[0]
    assert (p.method, p.amount_minor, p.tendered_minor, p.change_minor, p.rounding_minor) == (
        "cash",
        85025,
        100000,
        14950,
        25,
    )
    preview = desk.dialog
    assert isinstance(preview, ReceiptPreviewDialog)
    assert preview.headlineLabel.text() == "Byttepenge: 149,50\xa0kr."
    receipt = preview.textEdit.toPlainText()
    assert f"Kvittering nr. {p.receipt_no}" in receipt
    assert "Byttepenge" in receipt
    assert "149,50" in receipt
    qtbot.waitUntil(lambda: desk.balanceLabel.text() == "Intet udestående", timeout=WAIT_MS)
    assert desk.payments_model.rowCount() == 1

    # Enter closes the preview and the desk is ready for the next student.
    qtbot.keyClick(preview.closeButton, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: desk.dialog is None, timeout=WAIT_MS)


def test_double_enter_and_double_click_store_one_payment(
    qtbot: QtBot, office: Office, desk: MainWindow
) -> None:
    student = office.student("Dobbelt", "Trykkersen")
    office.invoice(40000, student)
    find_and_open(qtbot, desk, "dobbelt", student)
    dialog = press_f5(qtbot, desk)
    key = dialog.key

    qtbot.keyClick(dialog.tenderedEdit, Qt.Key.Key_Return)
    qtbot.keyClick(dialog.tenderedEdit, Qt.Key.Key_Return)
    qtbot.mouseClick(dialog.registerButton, Qt.MouseButton.LeftButton)
    dialog.register()  # even a direct call while busy is ignored
    settle_background_work()
    qtbot.waitUntil(lambda: isinstance(desk.dialog, ReceiptPreviewDialog), timeout=WAIT_MS)

    stored = stored_payments(office, student)
    assert [p.id for p in stored] == [key]
    assert stored[0].amount_minor == 40000


def test_enter_before_the_results_arrive_opens_the_best_match(
    qtbot: QtBot, office: Office, desk: MainWindow
) -> None:
    student = office.student("Hurtig", "Tastesen")
    office.invoice(10000, student)
    qtbot.keyClicks(desk.searchEdit, "hurtig")
    qtbot.keyClick(desk.searchEdit, Qt.Key.Key_Return)  # before the search has returned
    qtbot.waitUntil(lambda: desk.view is not None, timeout=WAIT_MS)
    assert desk.view is not None
    assert desk.view.student.student_no == student.student_no


def test_up_and_down_move_in_the_results_and_enter_opens_the_chosen_one(
    qtbot: QtBot, office: Office, desk: MainWindow
) -> None:
    first = office.student("Vilde", "Andersen")
    second = office.student("Vilde", "Bertelsen")
    qtbot.keyClicks(desk.searchEdit, "vilde")
    qtbot.waitUntil(lambda: desk.results_model.rowCount() == 2, timeout=WAIT_MS)
    rows = {desk.results_model.hit(r).student_no: r for r in range(2)}
    assert desk.resultsView.currentIndex().row() == 0
    qtbot.keyClick(desk.searchEdit, Qt.Key.Key_Down)
    assert desk.resultsView.currentIndex().row() == 1
    qtbot.keyClick(desk.searchEdit, Qt.Key.Key_Down)  # stays on the last row
    assert desk.resultsView.currentIndex().row() == 1
    qtbot.keyClick(desk.searchEdit, Qt.Key.Key_Up)
    qtbot.keyClick(desk.searchEdit, Qt.Key.Key_Down)
    qtbot.keyClick(desk.searchEdit, Qt.Key.Key_Return)
    expected = first if rows[first.student_no] == 1 else second
    qtbot.waitUntil(lambda: desk.view is not None, timeout=WAIT_MS)
    assert desk.view is not None
    assert desk.view.student.student_no == expected.student_no


def test_ctrl_f_and_f2_return_to_the_search_box_from_anywhere(
    qtbot: QtBot, office: Office, desk: MainWindow
) -> None:
    student = office.student("Fokus", "Flyttesen")
    office.invoice(10000, student)
    find_and_open(qtbot, desk, "fokus", student)
    assert desk.invoicesView.hasFocus(), "the keyboard moves on to the invoices"
    qtbot.keyClick(desk.invoicesView, Qt.Key.Key_F2)
    assert desk.searchEdit.hasFocus()
    assert desk.searchEdit.selectedText() == "fokus"
    desk.paymentsView.setFocus()
    qtbot.keyClick(desk.paymentsView, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert desk.searchEdit.hasFocus()


def test_a_selected_invoice_is_the_target_otherwise_the_oldest_open_one(
    qtbot: QtBot, office: Office, desk: MainWindow
) -> None:
    student = office.student("Mål", "Rettesen")
    first = office.invoice(30000, student)
    second = office.invoice(45050, student)
    find_and_open(qtbot, desk, "rettesen", student)
    inv, chosen = desk.target_invoice()
    assert inv is not None
    assert (inv.invoice_no, chosen) == (first.invoice_no, False)
    assert "ældste åbne" in desk.targetLabel.text()

    desk.invoicesView.selectRow(1)
    inv, chosen = desk.target_invoice()
    assert inv is not None
    assert (inv.invoice_no, chosen) == (second.invoice_no, True)
    assert second.invoice_no in desk.targetLabel.text()
    dialog = press_f5(qtbot, desk)
    assert dialog.targetCombo.currentData() == second.invoice_no
    assert dialog.amountEdit.text() == "450,50"
    # The whole student is one choice away, prefilled with the total owed.
    dialog.targetCombo.setCurrentIndex(dialog.targetCombo.count() - 1)
    assert dialog.targetCombo.currentData() is None
    assert dialog.amountEdit.text() == "750,50"


# --- errors that change nothing ------------------------------------------------------------


def test_another_desk_paying_first_gives_a_clear_message_and_stores_nothing(
    qtbot: QtBot, office: Office, desk: MainWindow
) -> None:
    student = office.student("Konflikt", "Kassesen")
    invoice = office.invoice(85025, student)
    find_and_open(qtbot, desk, "konflikt", student)
    dialog = press_f5(qtbot, desk)
    qtbot.keyClicks(dialog.tenderedEdit, "1000")

    other = register_payment(
        office.uow(),
        office.school,
        method="bank",
        amount_minor=85025,
        invoice_no=invoice.invoice_no,
        actor=OTHER_DESK,
    )
    qtbot.keyClick(dialog.tenderedEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "betalt nu" in dialog.errorLabel.text(), timeout=WAIT_MS)

    assert dialog.isVisible(), "the dialog stays open with the message"
    assert dialog.errorLabel.isVisible()
    assert "Intet er registreret" in dialog.errorLabel.text()
    assert "anden kasse" in dialog.errorLabel.text()
    # Nothing else is open, and a reflexive Enter does not pay something else instead.
    assert not dialog.registerButton.isEnabled()
    qtbot.keyClick(dialog.tenderedEdit, Qt.Key.Key_Return)
    settle_background_work()
    assert [p.id for p in stored_payments(office, student)] == [other.payment_id]
    qtbot.keyClick(dialog.tenderedEdit, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: desk.dialog is None, timeout=WAIT_MS)


def test_a_partial_payment_at_another_desk_shows_what_is_owed_now(
    qtbot: QtBot, office: Office, desk: MainWindow
) -> None:
    student = office.student("Delvis", "Kassesen")
    invoice = office.invoice(85025, student)
    find_and_open(qtbot, desk, "delvis", student)
    dialog = press_f5(qtbot, desk)
    register_payment(
        office.uow(),
        office.school,
        method="cash",
        amount_minor=45025,
        invoice_no=invoice.invoice_no,
        actor=OTHER_DESK,
    )
    qtbot.keyClick(dialog.tenderedEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "skyldes nu 400,00" in dialog.errorLabel.text(), timeout=WAIT_MS)
    assert len(stored_payments(office, student)) == 1

    # The receptionist corrects the amount and takes what is left.
    dialog.amountEdit.selectAll()
    qtbot.keyClicks(dialog.amountEdit, "400")
    qtbot.keyClick(dialog.amountEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(desk.dialog, ReceiptPreviewDialog), timeout=WAIT_MS)
    assert sorted(p.amount_minor for p in stored_payments(office, student)) == [40000, 45025]


def test_tendered_less_than_the_cash_total_is_refused_before_anything_is_stored(
    qtbot: QtBot, office: Office, desk: MainWindow
) -> None:
    student = office.student("Mangel", "Pengesen")
    office.invoice(85025, student)
    find_and_open(qtbot, desk, "mangel", student)
    dialog = press_f5(qtbot, desk)
    qtbot.keyClicks(dialog.tenderedEdit, "800")
    assert dialog.changeCaption.text() == "Mangler"
    assert dialog.changeLabel.text() == "50,50\xa0kr."

    qtbot.keyClick(dialog.tenderedEdit, Qt.Key.Key_Return)
    assert "mindre end kontant i alt (850,50\xa0kr.)" in dialog.errorLabel.text()
    assert "Intet er registreret" in dialog.errorLabel.text()
    settle_background_work()
    assert stored_payments(office, student) == []
    assert dialog.isVisible()
    dialog.reject()


def test_an_unreachable_database_says_so_and_enter_again_stores_the_payment_once(
    qtbot: QtBot, office: Office, desk: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    student = office.student("Netværk", "Nedesen")
    office.invoice(20000, student)
    find_and_open(qtbot, desk, "netværk", student)
    dialog = press_f5(qtbot, desk)

    real = payments.register_payment

    def down(*args: Any, **kwargs: Any) -> Any:
        raise Unavailable("database unavailable: connection refused")

    monkeypatch.setattr(payments, "register_payment", down)
    qtbot.keyClick(dialog.tenderedEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "kan ikke nås" in dialog.errorLabel.text(), timeout=WAIT_MS)
    assert stored_payments(office, student) == []
    assert dialog.registerButton.isEnabled()

    monkeypatch.setattr(payments, "register_payment", real)
    qtbot.keyClick(dialog.tenderedEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(desk.dialog, ReceiptPreviewDialog), timeout=WAIT_MS)
    assert [p.id for p in stored_payments(office, student)] == [dialog.key]


def test_bank_and_mobilepay_are_one_key_away_and_have_no_rounding(
    qtbot: QtBot, office: Office, desk: MainWindow
) -> None:
    student = office.student("Bank", "Overførsen")
    office.invoice(85025, student)
    find_and_open(qtbot, desk, "overførsen", student)
    dialog = press_f5(qtbot, desk)

    qtbot.keyClick(dialog, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert dialog.mobilepayRadio.isChecked()
    qtbot.keyClick(dialog, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert dialog.bankRadio.isChecked()
    assert "valgfri" in dialog.referenceEdit.placeholderText()
    assert not dialog.tenderedEdit.isVisible()
    assert dialog.referenceEdit.hasFocus()
    assert dialog.changeLabel.text() == "850,25\xa0kr."
    qtbot.keyClicks(dialog.referenceEdit, "Bankref 42")
    qtbot.keyClick(dialog.referenceEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(desk.dialog, ReceiptPreviewDialog), timeout=WAIT_MS)

    (p,) = stored_payments(office, student)
    assert (p.method, p.amount_minor, p.rounding_minor, p.tendered_minor) == (
        "bank",
        85025,
        0,
        None,
    )
    assert p.reference == "Bankref 42"


def test_ctrl_4_takes_a_card_terminal_payment_that_needs_its_receipt_number(
    qtbot: QtBot, office: Office, desk: MainWindow
) -> None:
    student = office.student("Kort", "Terminalsen")
    office.invoice(45025, student)
    find_and_open(qtbot, desk, "terminalsen", student)
    dialog = press_f5(qtbot, desk)

    qtbot.keyClick(dialog, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert dialog.cardRadio.isChecked()
    assert dialog.cardRadio.text() == "Betalingsk&ort (terminal)  Ctrl+4"
    assert not dialog.tenderedEdit.isVisible(), "no amount tendered for a card"
    assert dialog.referenceEdit.hasFocus()
    assert "påkrævet" in dialog.referenceEdit.placeholderText()
    assert dialog.changeLabel.text() == "450,25\xa0kr."
    assert "ingen afrunding" in dialog.cashDetailLabel.text()
    assert "Betalingskort (terminal)" in dialog.cashDetailLabel.text()

    # Without the terminal's receipt number nothing is stored.
    qtbot.keyClick(dialog.referenceEdit, Qt.Key.Key_Return)
    assert "kortterminalens kvitteringsnummer" in dialog.errorLabel.text()
    assert "Intet er registreret" in dialog.errorLabel.text()
    settle_background_work()
    assert stored_payments(office, student) == []

    qtbot.keyClicks(dialog.referenceEdit, "004711")
    assert not dialog.errorLabel.isVisible()
    qtbot.keyClick(dialog.referenceEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(desk.dialog, ReceiptPreviewDialog), timeout=WAIT_MS)

    (p,) = stored_payments(office, student)
    assert (p.method, p.amount_minor, p.rounding_minor, p.tendered_minor, p.reference) == (
        "card",
        45025,
        0,
        None,
        "004711",
    )
    preview = desk.dialog
    assert isinstance(preview, ReceiptPreviewDialog)
    receipt = preview.textEdit.toPlainText()
    assert "Betaling: Betalingskort (terminal)" in receipt
    assert "Reference: 004711" in receipt
    for word in ("Afrunding", "Byttepenge", "Modtaget"):
        assert word not in receipt


def test_escape_closes_the_payment_dialog_without_storing(
    qtbot: QtBot, office: Office, desk: MainWindow
) -> None:
    student = office.student("Fortryd", "Escsen")
    office.invoice(10000, student)
    find_and_open(qtbot, desk, "fortryd", student)
    dialog = press_f5(qtbot, desk)
    qtbot.keyClick(dialog.tenderedEdit, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: desk.dialog is None, timeout=WAIT_MS)
    settle_background_work()
    assert stored_payments(office, student) == []


# --- search is never stale, the desk stays live ----------------------------------------------


def test_a_slow_early_search_never_overwrites_the_results_of_a_later_one(
    qtbot: QtBot, office: Office, desk: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    office.student("Bjørn", "Hansen")
    bjoerk = office.student("Bjørk", "Ærø")
    started = threading.Event()
    release = threading.Event()
    real = queries.search_students

    def slow_for_bjor(uow: Any, school: Any, text: str, limit: int = 20) -> Any:
        if text == "bjør":
            started.set()
            assert release.wait(10)
        return real(uow, school, text, limit)

    monkeypatch.setattr(queries, "search_students", slow_for_bjor)
    shown: list[str] = []
    desk.results_shown.connect(shown.append)

    qtbot.keyClicks(desk.searchEdit, "bjør")
    qtbot.waitUntil(started.is_set, timeout=WAIT_MS)
    qtbot.wait(MainWindow.SEARCH_PATIENCE_MS + 50)  # past the patience with a slow search
    qtbot.keyClicks(desk.searchEdit, "k")
    qtbot.waitUntil(lambda: "bjørk" in shown, timeout=WAIT_MS)
    release.set()
    settle_background_work()
    qtbot.wait(50)

    assert shown == ["bjørk"], "the slow search's results were dropped"
    assert desk.results_model.rowCount() == 1
    assert desk.results_model.hit(0).student_no == bjoerk.student_no


def test_keys_typed_while_a_search_runs_are_searched_together_once_it_returns(
    qtbot: QtBot, office: Office, desk: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    andersen = office.student("Vilde", "Andersen")
    office.student("Anna", "Berg")
    release = threading.Event()
    real = queries.search_students

    def held(uow: Any, school: Any, text: str, limit: int = 20) -> Any:
        assert release.wait(10)
        return real(uow, school, text, limit)

    monkeypatch.setattr(queries, "search_students", held)
    started: list[str] = []
    shown: list[str] = []
    desk.search_started.connect(started.append)
    desk.results_shown.connect(shown.append)

    qtbot.keyClicks(desk.searchEdit, "andersen")  # "a" is searched at once, the rest waits
    release.set()
    qtbot.waitUntil(lambda: "andersen" in shown, timeout=WAIT_MS)
    settle_background_work()

    assert started == ["a", "andersen"]
    assert shown == ["andersen"], "the first letter's results were dropped unseen"
    assert desk.results_model.rowCount() == 1
    assert desk.results_model.hit(0).student_no == andersen.student_no


def test_a_payment_made_at_another_desk_shows_within_three_seconds(
    qtbot: QtBot, office: Office, desk: MainWindow
) -> None:
    student = office.student("Live", "Opdatersen")
    invoice = office.invoice(60000, student)
    find_and_open(qtbot, desk, "opdatersen", student)
    assert desk.balanceLabel.text() == "Skylder 600,00\xa0kr."
    row = desk.results_model.row_of(student.student_no)

    register_payment(
        office.uow(),
        office.school,
        method="mobilepay",
        amount_minor=60000,
        invoice_no=invoice.invoice_no,
        actor=OTHER_DESK,
    )
    qtbot.waitUntil(lambda: desk.balanceLabel.text() == "Intet udestående", timeout=3000)
    assert desk.payments_model.rowCount() == 1
    assert desk.freshness.startswith("Opdateret ")
    qtbot.waitUntil(
        lambda: desk.results_model.hit(row).balance_minor == 0, timeout=3000
    )  # the result list follows too


def test_a_student_renamed_by_the_web_system_is_found_under_the_new_name(
    qtbot: QtBot, office: Office, desk: MainWindow
) -> None:
    student = office.student("Webbe", "Gammelnavn")
    qtbot.keyClicks(desk.searchEdit, "webbe")
    qtbot.waitUntil(lambda: desk.results_model.row_of(student.student_no) >= 0, timeout=WAIT_MS)

    # The web system writes the row with its own SQL: no search terms, the database's clock.
    with office.app.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE students SET first_name = 'Wøbbe', last_name = 'Nyenavn', "
                "updated_at = strftime('%Y-%m-%d %H:%M:%f000', 'now') WHERE id = :id"
            ),
            {"id": student.id},
        )
    desk.focus_search()
    qtbot.keyClicks(desk.searchEdit, "nyenavn")

    def found() -> bool:
        m = desk.results_model
        return m.rowCount() == 1 and m.hit(0).name == "Wøbbe Nyenavn"

    qtbot.waitUntil(found, timeout=5000)  # within two polls of the change
    assert desk.results_model.hit(0).student_no == student.student_no


def test_a_failed_refresh_shows_in_the_status_bar_and_the_next_tick_recovers(
    qtbot: QtBot, office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk = open_desk(qtbot, office, refresh_ms=150)
    try:
        student = office.student("Ustabil", "Forbindelsen")
        office.invoice(10000, student)
        find_and_open(qtbot, desk, "ustabil", student)
        real = changes.changes_since
        failing = {"on": True}

        def flaky(*args: Any, **kwargs: Any) -> Any:
            if failing["on"]:
                raise Unavailable("database unavailable: server closed the connection")
            return real(*args, **kwargs)

        monkeypatch.setattr(changes, "changes_since", flaky)
        qtbot.waitUntil(lambda: "Ingen forbindelse" in desk.freshness, timeout=WAIT_MS)
        assert desk.nameLabel.text() == "Ustabil Forbindelsen", "the last view stays on screen"
        # Paid at another desk while this one could not reach the database.
        register_payment(
            office.uow(),
            office.school,
            method="cash",
            amount_minor=10000,
            actor=OTHER_DESK,
            student_no=student.student_no,
        )
        failing["on"] = False
        qtbot.waitUntil(lambda: desk.balanceLabel.text() == "Intet udestående", timeout=WAIT_MS)
        qtbot.waitUntil(lambda: desk.freshness.startswith("Opdateret"), timeout=WAIT_MS)
    finally:
        close_desk(desk)


def test_the_window_shows_before_the_school_is_read_and_searches_what_was_typed(
    qtbot: QtBot, office: Office
) -> None:
    student = office.student("Tidlig", "Tastesen")
    gate = threading.Event()

    def connect() -> Any:
        assert gate.wait(10)
        return office.ctx

    window = MainWindow(actor=office.ctx.actor, database="SQLite office.sqlite3")
    qtbot.addWidget(window)
    window.show()
    try:
        window.connect_with(connect)
        qtbot.keyClicks(window.searchEdit, "tidlig")
        qtbot.wait(200)
        assert window.ctx is None
        assert window.results_model.rowCount() == 0
        gate.set()
        qtbot.waitUntil(lambda: window.results_model.rowCount() == 1, timeout=WAIT_MS)
        assert window.results_model.hit(0).student_no == student.student_no
    finally:
        close_desk(window)


# --- the other desks' dialogs ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "module", "what"),
    [
        (Qt.Key.Key_F6, "jdoffice.gui.views.qr_dialog", "QR-betaling"),
        (Qt.Key.Key_F8, "jdoffice.gui.views.refund_dialog", "Refusion"),
        (Qt.Key.Key_F9, "jdoffice.gui.views.day_report_dialog", "Dagsrapport"),
    ],
)
def test_an_action_whose_dialog_is_missing_says_so_in_the_status_bar(
    qtbot: QtBot,
    office: Office,
    desk: MainWindow,
    monkeypatch: pytest.MonkeyPatch,
    key: Qt.Key,
    module: str,
    what: str,
) -> None:
    student = office.student("Mangler", "Dialogsen")
    invoice = office.invoice(10000, student)
    office.pay(invoice, 5000, method="bank")
    find_and_open(qtbot, desk, "dialogsen", student)
    desk.paymentsView.selectRow(0)
    monkeypatch.setitem(sys.modules, module, None)  # makes the import fail

    qtbot.keyClick(desk.invoicesView, key)
    assert desk.statusbar.currentMessage() == f"{what} findes ikke i denne version af jdoffice."
    assert desk.dialog is None


def test_qr_with_online_payments_off_leads_to_the_payment_dialog_for_the_same_invoice(
    qtbot: QtBot, office: Office, desk: MainWindow
) -> None:
    student = office.student("Ida", "Qvist")
    office.invoice(40000, student)
    later = office.invoice(25000, student)
    find_and_open(qtbot, desk, "qvist", student)
    desk.invoicesView.selectRow(1)

    qtbot.keyClick(QApplication.focusWidget() or desk, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: isinstance(desk.dialog, QrDialog), timeout=WAIT_MS)
    qr = desk.dialog
    assert isinstance(qr, QrDialog)
    # The dialog that would take the money names who pays, in its first row.
    assert qr.student_label.isVisible()
    assert qr.student_label.text() == f"Ida Qvist  ·  elevnr. {student.student_no}"
    qtbot.waitUntil(qr.manual_button.isVisible, timeout=WAIT_MS)
    assert qr.manual_button.isDefault()
    qtbot.keyClick(qr, Qt.Key.Key_Return)

    qtbot.waitUntil(lambda: isinstance(desk.dialog, PaymentDialog), timeout=WAIT_MS)
    pay = desk.dialog
    assert isinstance(pay, PaymentDialog)
    assert pay.targetCombo.currentData() == later.invoice_no
    assert pay.amountEdit.text() == "250,00"
    assert stored_payments(office, student) == []


def test_f8_without_a_selected_payment_tells_how_to_choose_one(
    qtbot: QtBot, office: Office, desk: MainWindow
) -> None:
    student = office.student("Uden", "Valgsen")
    office.invoice(10000, student)
    find_and_open(qtbot, desk, "valgsen", student)
    qtbot.keyClick(desk.invoicesView, Qt.Key.Key_F8)
    assert "Vælg først betalingen" in desk.statusbar.currentMessage()


def test_f5_without_a_student_asks_for_one_first(qtbot: QtBot, desk: MainWindow) -> None:
    qtbot.keyClick(desk.searchEdit, Qt.Key.Key_F5)
    assert desk.dialog is None
    assert "Åbn først en elev" in desk.statusbar.currentMessage()


def test_ctrl_5_takes_an_installed_counter_method_a_gift_voucher_that_needs_its_number(
    qtbot: QtBot, office: Office, desk: MainWindow
) -> None:
    student = office.student("Gave", "Kortesen")
    office.invoice(30000, student)
    find_and_open(qtbot, desk, "kortesen", student)
    dialog = press_f5(qtbot, desk)

    radios = [r.objectName() for r in dialog.methodBox.findChildren(type(dialog.cashRadio))]
    assert radios[-1] == "voucherRadio"
    voucher = dialog.findChild(type(dialog.cashRadio), "voucherRadio")
    assert voucher is not None, "the installed method has its own button"
    assert voucher.text() == "Gavekort  Ctrl+5"
    assert dialog.cardRadio.text() == "Betalingsk&ort (terminal)  Ctrl+4"

    qtbot.keyClick(dialog, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    assert voucher.isChecked()
    assert not dialog.tenderedEdit.isVisible(), "a voucher is not cash"
    assert dialog.referenceEdit.hasFocus()
    assert dialog.referenceEdit.placeholderText() == "påkrævet: gavekortets nummer"
    assert "Gavekort: præcist beløb" in dialog.cashDetailLabel.text()

    qtbot.keyClick(dialog.referenceEdit, Qt.Key.Key_Return)
    assert "Tast gavekortets nummer som reference." in dialog.errorLabel.text()
    settle_background_work()
    assert stored_payments(office, student) == []

    qtbot.keyClicks(dialog.referenceEdit, "GK-1001")
    qtbot.keyClick(dialog.referenceEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(desk.dialog, ReceiptPreviewDialog), timeout=WAIT_MS)
    (p,) = stored_payments(office, student)
    assert (p.method, p.amount_minor, p.rounding_minor, p.reference) == (
        "voucher",
        30000,
        0,
        "GK-1001",
    )
