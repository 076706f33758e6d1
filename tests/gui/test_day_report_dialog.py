"""The day report (F9) shows the totals of the payments and refunds made today."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from jdoffice.domain.model import UTC
from jdoffice.domain.money import format_money
from jdoffice.gui.views.day_report_dialog import CSV_HEADER, DayReportDialog, write_csv
from jdoffice.services.payments import refund_payment
from jdoffice.services.queries import DayReport
from tests.gui.office import ACTOR, Office, make_office, settle_background_work

# Qt's offscreen platform says this whenever a window with a layout is shown.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

WAIT_MS = 10_000


@pytest.fixture
def office(
    qtbot: QtBot, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Office]:
    office = make_office(tmp_path, tmp_path_factory.getbasetemp())
    yield office
    settle_background_work()
    office.app.dispose()


def _open(qtbot: QtBot, office: Office) -> DayReportDialog:
    dlg = DayReportDialog(office.ctx)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    qtbot.waitUntil(lambda: dlg.report is not None, timeout=WAIT_MS)
    return dlg


def test_shows_todays_totals_per_method(qtbot: QtBot, office: Office, tmp_path: Path) -> None:
    cash = office.pay(office.invoice(849_75), 849_75, tendered_minor=1000_00)
    office.pay(office.invoice(500_00), 500_00, method="bank")
    office.pay(office.invoice(300_00), 300_00, method="mobilepay")
    refund_payment(
        office.uow(),
        office.school,
        payment_id=cash.payment_id,
        amount_minor=100_00,
        reason="Aflyst køretime",
        actor=ACTOR,
    )

    dlg = _open(qtbot, office)
    assert dlg.day == office.school.local_date(dt.datetime.now(UTC))
    assert dlg.value_text("method_cash") == "Kontant"
    assert dlg.value_text("total_cash") == format_money(849_75)
    assert dlg.value_text("refunds_cash") == format_money(-100_00)
    assert dlg.value_text("net_cash") == format_money(749_75)
    assert dlg.value_text("total_bank") == format_money(500_00)
    assert dlg.value_text("total_mobilepay") == format_money(300_00)
    assert dlg.value_text("total_all") == format_money(1649_75)
    assert dlg.value_text("net_all") == format_money(1549_75)
    # 849,75 kr. was paid as 850,00 kr. in cash.
    assert dlg.value_text("rounding") == format_money(25)
    assert dlg.value_text("refunds_all") == format_money(-100_00)
    # 850,00 kr. in, 100,00 kr. back out.
    assert dlg.value_text("drawer") == format_money(750_00)
    # Three payments and one refund, each with its receipt.
    assert dlg.value_text("receipts") == "4"

    out = tmp_path / "dag.csv"
    with qtbot.waitSignal(dlg.exported, timeout=WAIT_MS):
        dlg.export_csv(out)
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == CSV_HEADER
    assert sorted((r[1], r[3], r[4]) for r in rows[1:]) == [
        ("payment", "bank", "50000"),
        ("payment", "cash", "84975"),
        ("payment", "mobilepay", "30000"),
        ("refund", "cash", "-10000"),
    ]

    qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    assert not dlg.isVisible()


def test_another_day_has_nothing(qtbot: QtBot, office: Office) -> None:
    office.pay(office.invoice(500_00), 500_00, method="bank")
    dlg = _open(qtbot, office)
    assert dlg.value_text("total_bank") == format_money(500_00)

    dlg.set_day(dlg.day - dt.timedelta(days=1))
    qtbot.waitUntil(lambda: dlg.report is not None and dlg.report.date == dlg.day, timeout=WAIT_MS)
    assert dlg.value_text("total_bank") == ""
    assert dlg.value_text("total_all") == format_money(0)
    assert dlg.status_label.text() == "Ingen betalinger eller refusioner denne dag."


def test_csv_export_writes_names_from_the_web_system_without_controls_or_formulas(
    tmp_path: Path,
) -> None:
    report = DayReport(
        date=dt.date(2026, 3, 2),
        currency="DKK",
        totals={"bank": 20000},
        payments_count={"bank": 1},
        rounding_minor=0,
        refunds_minor=5000,
        refunds_by_method={"bank": 5000},
        receipts=2,
        cash_in_drawer_minor=0,
        rows=(
            ("09:00", "payment", "p1", "bank", "20000", "0", "1", "web\x1b[2J", "=HYPERLINK(1)"),
            ("09:05", "refund", "r1", "bank", "-5000", "0", "2", "kasse\u202e1", "@bo"),
        ),
    )

    with write_csv(report, tmp_path / "dag.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))

    assert rows[1][4:] == ["20000", "0", "1", "web\ufffd[2J", "'=HYPERLINK(1)"]
    assert rows[2][4:] == ["-5000", "0", "2", "kasse\ufffd1", "'@bo"]
