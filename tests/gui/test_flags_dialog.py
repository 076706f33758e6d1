"""Afvigelser (F7): the desk lists the school's flagged provider answers and resolves the
selected one with a note, audited with who and where (issue 12)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from jdoffice.domain.model import UTC, FlaggedConfirmation
from jdoffice.gui.app import install_translators
from jdoffice.gui.models import FlagColumn, FlagsModel, SortProxy
from jdoffice.gui.views.flags_dialog import FlagsDialog
from jdoffice.gui.views.main_window import MainWindow
from jdoffice.services import flags
from tests.gui.office import ACTOR, Office, make_office, settle_background_work

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

WAIT_MS = 10_000
NOTE = "Eleven betalte kontant; Stripe-betalingen er refunderet"


@pytest.fixture
def office(
    qtbot: QtBot, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Office]:
    office = make_office(tmp_path, tmp_path_factory.getbasetemp(), online=False)
    yield office
    settle_background_work()
    office.app.dispose()


def add_flag(office: Office, ref: str, reason: str, amount_minor: int | None = 100) -> int:
    uow = office.uow()
    with uow.write():
        flags.flag_once(
            uow,
            school_id=office.school.id,
            gateway="stripe",
            provider_ref=ref,
            event_id="",
            invoice_no="F-004711",
            reason=reason,
            amount_minor=amount_minor,
            currency="DKK",
            payload=None,
            now=dt.datetime.now(UTC),
        )
        uow.commit()
    with uow:
        found = uow.flags.find_unresolved(office.school.id, "stripe", ref, reason)
    assert found is not None
    return found


def open_dialog(qtbot: QtBot, office: Office, language: str = "da") -> FlagsDialog:
    dlg = FlagsDialog(dataclasses.replace(office.ctx, language=language))
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    qtbot.waitUntil(lambda: dlg.loaded, timeout=WAIT_MS)
    return dlg


def cell(model: FlagsModel, row: int, column: FlagColumn) -> str:
    text: str = model.data(model.index(row, column))
    return text


# --- the model ------------------------------------------------------------------------------


def flag(fid: int, when: dt.datetime, amount: int | None, reason: str) -> FlaggedConfirmation:
    return FlaggedConfirmation(
        id=fid,
        school_id=1,
        gateway="stripe",
        provider_ref=f"cs_test_{fid}",
        event_id="",
        invoice_no=f"F-{fid:06d}",
        reason=reason,
        amount_minor=amount,
        currency="DKK",
        created_at=when,
    )


def some_flags() -> list[FlaggedConfirmation]:
    return [
        flag(1, dt.datetime(2025, 5, 13, 22, 30, tzinfo=UTC), 100, "amount 100 ≠ 70000"),
        flag(2, dt.datetime(2025, 5, 14, 8, 0, tzinfo=UTC), 70000, "currency 'eur' ≠ 'DKK'"),
        flag(3, dt.datetime(2025, 5, 14, 9, 0, tzinfo=UTC), None, "not a payment of this school"),
    ]


def test_flags_model_passes_qtmodeltester(qtmodeltester: ModelTester) -> None:
    model = FlagsModel()
    model.set_items(some_flags())
    qtmodeltester.check(model, force_py=True)


def test_flags_proxy_passes_qtmodeltester(qtmodeltester: ModelTester) -> None:
    model = FlagsModel()
    model.set_items(some_flags())
    proxy = SortProxy(model)
    proxy.sort(FlagColumn.AMOUNT, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(proxy, force_py=True)
    assert proxy.item(0).id == 2


def test_flags_show_local_time_invoice_amount_and_what_did_not_match() -> None:
    model = FlagsModel(timezone="Europe/Copenhagen")
    model.set_items(some_flags())
    assert model.headerData(FlagColumn.REASON, Qt.Orientation.Horizontal) == "Hvad passer ikke"
    # 22:30 UTC on 13 May is 00:30 on 14 May in Copenhagen (summer time).
    assert cell(model, 0, FlagColumn.TIME) == "14.05.2025 00:30"
    assert cell(model, 0, FlagColumn.INVOICE) == "F-000001"
    assert cell(model, 0, FlagColumn.AMOUNT).replace("\u00a0", " ") == "1,00 kr."
    assert cell(model, 0, FlagColumn.REASON) == "beløb 100 øre ≠ 70000 øre"
    assert cell(model, 0, FlagColumn.PROVIDER_REF) == "cs_test_1"
    assert cell(model, 2, FlagColumn.AMOUNT) == ""


@pytest.mark.parametrize(
    ("recorded", "shown"),
    [
        ("not an online payment of this school", "Gælder ikke en onlinebetaling hos denne skole"),
        ("the confirmation names no school", "Svaret nævner ingen skole"),
        (
            "school 'a-school' ≠ 'b-school'; amount 100 ≠ 70000",
            "skole 'a-school' ≠ 'b-school'; beløb 100 øre ≠ 70000 øre",
        ),
        (
            "refund larger than what is left of the payment (500,00 kr. > 400,00 kr.)",
            "Refusionen er større end det, der er tilbage (500,00 kr. > 400,00 kr.)",
        ),
        (
            "paid online while only 100,00 kr. was owed; 50,00 kr. kept as credit",
            "Betalt online, mens der kun skyldtes 100,00 kr.; 50,00 kr. står som tilgodehavende",
        ),
        (
            "refund amount must be a positive whole number of minor units",
            "Refusionsbeløbet er ikke et positivt helt beløb",
        ),
        ("test payment for a live-mode school", "testbetaling hos en skole i drift"),
    ],
)
def test_a_flags_reason_reads_in_danish_with_its_values_kept(recorded: str, shown: str) -> None:
    model = FlagsModel(timezone="Europe/Copenhagen")
    model.set_items([flag(1, dt.datetime(2025, 5, 13, 22, 30, tzinfo=UTC), 100, recorded)])
    text = cell(model, 0, FlagColumn.REASON)
    assert text == shown
    for english in ("payment", "school", "amount", "refund", "owed", "credit", " of "):
        assert english not in text.replace("a-school", "").replace("b-school", "")


# --- the dialog -----------------------------------------------------------------------------


def test_the_dialog_lists_the_flags_and_resolves_the_selected_one_with_a_note(
    qtbot: QtBot, office: Office
) -> None:
    first = add_flag(office, "cs_test_first", "amount 100 ≠ 70000")
    second = add_flag(office, "cs_test_second", "currency 'eur' ≠ 'DKK'", 70000)
    dlg = open_dialog(qtbot, office)

    assert [f.id for f in dlg.shown_flags()] == [first, second]
    assert dlg.table.model().rowCount() == 2
    # Nothing is resolved without a note saying what was done.
    dlg.select_flag(second)
    assert not dlg.resolve_button.isEnabled()
    qtbot.keyClicks(dlg.note_edit, NOTE)
    assert dlg.resolve_button.isEnabled()

    with qtbot.waitSignal(dlg.flags_changed, timeout=WAIT_MS) as left:
        qtbot.mouseClick(dlg.resolve_button, Qt.MouseButton.LeftButton)
    assert left.args == [1]
    assert [f.id for f in dlg.shown_flags()] == [first]
    assert dlg.status_label.text() == f"Afvigelse #{second} er løst."
    assert dlg.note_edit.text() == ""

    uow = office.uow()
    with uow:
        assert [f.id for f in uow.flags.unresolved(office.school.id)] == [first]
        [entry] = uow.audit.for_entity("flag", str(second))
    assert entry.action == "flag.resolved"
    assert entry.actor == ACTOR
    assert entry.after == {"note": NOTE}

    # Enter in the note resolves the last one; the list then says there is nothing left.
    qtbot.keyClicks(dlg.note_edit, "ringet til eleven")
    with qtbot.waitSignal(dlg.flags_changed, timeout=WAIT_MS):
        qtbot.keyClick(dlg.note_edit, Qt.Key.Key_Return)
    assert dlg.shown_flags() == []
    with uow:
        assert uow.flags.unresolved(office.school.id) == []
    dlg.done(0)


def test_a_note_with_control_characters_is_refused_and_the_flag_stays(
    qtbot: QtBot, office: Office
) -> None:
    fid = add_flag(office, "cs_test_ctl", "amount 1 ≠ 70000")
    dlg = open_dialog(qtbot, office)
    dlg.note_edit.setText("ok\x07")
    dlg.resolve_selected()
    assert dlg.status_label.text() == "Noten kan ikke gemmes: den indeholder kontroltegn."
    settle_background_work()
    assert [f.id for f in dlg.shown_flags()] == [fid]
    uow = office.uow()
    with uow:
        assert [f.id for f in uow.flags.unresolved(office.school.id)] == [fid]
    dlg.done(0)


def test_no_flags_says_everything_matches_in_danish_and_english(
    qtbot: QtBot, qapp: QApplication, office: Office
) -> None:
    dlg = open_dialog(qtbot, office)
    assert dlg.status_label.text() == "Ingen afvigelser – alt passer."
    assert not dlg.resolve_button.isEnabled()
    dlg.done(0)
    locale = QLocale()
    installed = install_translators(qapp, "en")
    try:
        dlg = open_dialog(qtbot, office, "en")
        assert dlg.windowTitle() == "Discrepancies"
        assert dlg.status_label.text() == "No discrepancies – everything matches."
        header = dlg.model.headerData(FlagColumn.REASON, Qt.Orientation.Horizontal)
        assert header == "What does not match"
        dlg.done(0)
    finally:
        for translator in installed:
            qapp.removeTranslator(translator)
        QLocale.setDefault(locale)


def test_f7_in_the_desk_opens_the_flags(qtbot: QtBot, office: Office) -> None:
    add_flag(office, "cs_test_f7", "amount 100 ≠ 70000")
    window = MainWindow(office.ctx)
    qtbot.addWidget(window)
    window.resize(1200, 700)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
    assert window.actionFlags in window.menuDesk.actions()
    # The Kasse menu says how many wait.
    qtbot.waitUntil(lambda: window.actionFlags.text() == "Af&vigelser (1) …", timeout=WAIT_MS)
    qtbot.keyClick(window, Qt.Key.Key_F7)
    qtbot.waitUntil(lambda: isinstance(window.dialog, FlagsDialog), timeout=WAIT_MS)
    dlg = window.dialog
    assert isinstance(dlg, FlagsDialog)
    qtbot.waitUntil(lambda: dlg.loaded, timeout=WAIT_MS)
    assert len(dlg.shown_flags()) == 1
    qtbot.keyClicks(dlg.note_edit, NOTE)
    with qtbot.waitSignal(dlg.flags_changed, timeout=WAIT_MS):
        qtbot.keyClick(dlg.note_edit, Qt.Key.Key_Return)
    assert window.actionFlags.text() == "Af&vigelser …"
    assert window.statusbar.currentMessage() == "Afvigelser tilbage: 0"
    dlg.done(0)
    window.close()
    settle_background_work()
