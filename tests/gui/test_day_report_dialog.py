"""The day report (F9) shows the totals of the payments and refunds made today."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from jdoffice.domain.model import UTC
from jdoffice.domain.money import format_money
from jdoffice.gui.app import install_translators
from jdoffice.gui.views.day_report_dialog import DayReportDialog, csv_format, write_csv
from jdoffice.services.payments import refund_payment
from jdoffice.services.queries import DayEntry, DayReport
from tests.gui.label_fit import busy_day, cut_labels
from tests.gui.office import ACTOR, Office, make_office, settle_background_work

ROOT = Path(__file__).resolve().parents[2]

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


def _open(qtbot: QtBot, office: Office, language: str = "da") -> DayReportDialog:
    dlg = DayReportDialog(dataclasses.replace(office.ctx, language=language))
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
    # The date as the desk writes it everywhere.
    assert dlg.title_label.text().startswith(f"Dagsrapport {dlg.day:%d.%m.%Y} – ")
    assert dlg.date_edit.text() == f"{dlg.day:%d.%m.%Y}"
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
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    assert sorted((r[2], r[5], r[6]) for r in rows[1:]) == [
        ("Betaling", "Bankoverførsel", "500,00"),
        ("Betaling", "Kontant", "849,75"),
        ("Betaling", "MobilePay", "300,00"),
        ("Refusion", "Kontant", "-100,00"),
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


def _read_csv(path: Path, delimiter: str) -> list[dict[str, str]]:
    raw = path.read_bytes()
    # A UTF-8 byte order mark, without which Excel shows "Ã¸" for "ø".
    assert raw.startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=delimiter))


def _pay_on_record(office: Office) -> tuple[list[str], list[str]]:
    """A day with 850,25 kr. by bank, a cash payment and part of it refunded; the student
    numbers and invoice numbers of the three rows, payments first."""
    st1 = office.student("Søren", "Hansen")
    st2 = office.student("Åse", "Ørum")
    bank_inv = office.invoice(850_25, st1)
    cash_inv = office.invoice(1_234_50, st2)
    office.pay(bank_inv, 850_25, method="bank")
    cash = office.pay(cash_inv, 1_234_50, tendered_minor=1_300_00)
    refund_payment(
        office.uow(),
        office.school,
        payment_id=cash.payment_id,
        amount_minor=234_50,
        reason="Aflyst køretime",
        actor=ACTOR,
    )
    return (
        [st1.student_no, st2.student_no, st2.student_no],
        [bank_inv.invoice_no, cash_inv.invoice_no, cash_inv.invoice_no],
    )


def _export(qtbot: QtBot, dlg: DayReportDialog, path: Path) -> Path:
    with qtbot.waitSignal(dlg.exported, timeout=WAIT_MS):
        dlg.export_csv(path)
    return path


def test_danish_csv_opens_in_danish_excel_with_kroner_and_the_student_and_invoice_of_each_row(
    qtbot: QtBot, office: Office, tmp_path: Path
) -> None:
    students, invoices = _pay_on_record(office)
    dlg = _open(qtbot, office)

    rows = _read_csv(_export(qtbot, dlg, tmp_path / "dag.csv"), delimiter=";")

    assert list(rows[0]) == [
        "Dato",
        "Tid",
        "Type",
        "Elevnr.",
        "Fakturanr.",
        "Betalingsmåde",
        "Beløb (DKK)",
        "Afrunding (DKK)",
        "Kvitteringsnr.",
        "Kasse",
        "Ekspedient",
        "Betalings-id",
    ]
    by_kind = sorted(rows, key=lambda r: (r["Type"], r["Betalingsmåde"]))
    assert [(r["Type"], r["Betalingsmåde"], r["Beløb (DKK)"]) for r in by_kind] == [
        ("Betaling", "Bankoverførsel", "850,25"),
        ("Betaling", "Kontant", "1234,50"),
        ("Refusion", "Kontant", "-234,50"),
    ]
    # 1.234,50 kr. was paid as 1.234,50 kr. in cash: no rounding.
    assert {r["Afrunding (DKK)"] for r in rows} == {"0,00"}
    assert [r["Elevnr."] for r in by_kind] == students
    assert [r["Fakturanr."] for r in by_kind] == invoices
    today = office.school.local_date(dt.datetime.now(UTC))
    # The date as the desk writes it everywhere, which Danish Excel reads as a date.
    assert {r["Dato"] for r in rows} == {today.strftime("%d.%m.%Y")}
    assert all(re.fullmatch(r"\d\d:\d\d", r["Tid"]) for r in rows)
    assert all(r["Kvitteringsnr."].isdigit() for r in rows)
    assert {(r["Kasse"], r["Ekspedient"]) for r in rows} == {(ACTOR.desk, ACTOR.staff)}


@pytest.fixture
def english(qapp: QApplication) -> Iterator[None]:
    """The English translation installed as the desk does for an English desk."""
    locale = QLocale()
    installed = install_translators(qapp, "en")
    try:
        yield
    finally:
        for translator in installed:
            qapp.removeTranslator(translator)
        QLocale.setDefault(locale)


def test_english_csv_opens_in_english_excel_with_a_decimal_point_and_commas(
    qtbot: QtBot, office: Office, tmp_path: Path, english: None
) -> None:
    students, invoices = _pay_on_record(office)
    dlg = _open(qtbot, office, language="en")

    rows = _read_csv(_export(qtbot, dlg, tmp_path / "day.csv"), delimiter=",")

    assert list(rows[0]) == [
        "Date",
        "Time",
        "Kind",
        "Student no.",
        "Invoice no.",
        "Payment method",
        "Amount (DKK)",
        "Rounding (DKK)",
        "Receipt no.",
        "Desk",
        "Staff",
        "Payment id",
    ]
    by_kind = sorted(rows, key=lambda r: (r["Kind"], r["Payment method"]))
    assert [(r["Kind"], r["Payment method"], r["Amount (DKK)"]) for r in by_kind] == [
        ("Payment", "Bank transfer", "850.25"),
        ("Payment", "Cash", "1234.50"),
        ("Refund", "Cash", "-234.50"),
    ]
    assert [r["Student no."] for r in by_kind] == students
    assert [r["Invoice no."] for r in by_kind] == invoices
    today = office.school.local_date(dt.datetime.now(UTC))
    month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][
        today.month - 1
    ]
    assert {r["Date"] for r in rows} == {f"{today.day} {month} {today.year}"}


def test_csv_export_writes_names_from_the_web_system_without_controls_or_formulas(
    tmp_path: Path,
) -> None:
    at = dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    entry = DayEntry(
        at=at,
        kind="payment",
        id="p1",
        method="bank",
        amount_minor=20000,
        rounding_minor=0,
        receipt_no=1,
        desk="web\x1b[2J",
        staff="=HYPERLINK(1)",
        student_no="S1\u202e",
        invoice_nos=("+F1",),
    )
    refund = dataclasses.replace(
        entry, kind="refund", id="r1", amount_minor=-5000, receipt_no=2, desk="kasse\u202e1"
    )
    refund = dataclasses.replace(refund, staff="@bo", invoice_nos=("F1",))
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
        entries=(entry, refund),
    )
    fmt = csv_format("da", tuple("abcdefghijkl"), {}, {"bank": "Bank"})

    with write_csv(report, tmp_path / "dag.csv", fmt).open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh, delimiter=";"))

    assert rows[1][3:] == [
        "S1\ufffd",
        "'+F1",
        "Bank",
        "200,00",
        "0,00",
        "1",
        "web\ufffd[2J",
        "'=HYPERLINK(1)",
        "p1",
    ]
    # A negative amount is a number, not a formula.
    assert rows[2][3:] == [
        "S1\ufffd",
        "F1",
        "Bank",
        "-50,00",
        "0,00",
        "2",
        "kasse\ufffd1",
        "'@bo",
        "r1",
    ]


# --- every label readable ------------------------------------------------------------------


def test_the_label_check_sees_a_label_cut_short() -> None:
    window = QWidget()
    layout = QVBoxLayout(window)
    label = QLabel("Kasseskuffen (kontant ind − ud)")
    label.setObjectName("drawer_words")
    label.setFixedWidth(label.sizeHint().width() - 10)
    layout.addWidget(QLabel("Dato"))
    layout.addWidget(label)
    window.show()
    try:
        problems, checked = cut_labels(window)
    finally:
        window.close()
    assert checked == 2
    assert len(problems) == 1
    assert "drawer_words" in problems[0]


def test_no_label_is_cut_in_the_day_report_of_a_busy_day(qtbot: QtBot, office: Office) -> None:
    busy_day(office)
    dlg = _open(qtbot, office)

    problems, checked = cut_labels(dlg)

    assert problems == []
    assert checked > 30
    assert dlg.width() <= 1024
    assert dlg.height() <= 700


def test_a_long_school_name_wraps_in_the_title_instead_of_being_cut(
    qtbot: QtBot, office: Office
) -> None:
    name = "Køreskolen på Østerbro og Nørrebro – kørekort til bil, motorcykel og lastbil ApS"
    school = dataclasses.replace(office.school, name=name)
    dlg = DayReportDialog(dataclasses.replace(office.ctx, school=school))
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    qtbot.waitUntil(lambda: dlg.report is not None, timeout=WAIT_MS)

    assert name in dlg.title_label.text()
    assert cut_labels(dlg)[0] == []
    assert dlg.width() <= 1024


def test_no_label_is_cut_in_the_english_day_report(
    qtbot: QtBot, office: Office, english: None
) -> None:
    busy_day(office)
    dlg = _open(qtbot, office, language="en")
    assert dlg.value_text("method_cash") == "Cash"

    problems, checked = cut_labels(dlg)

    assert problems == []
    assert checked > 30


@pytest.mark.parametrize("scale", ["1", "1.25", "1.5"])
def test_no_label_is_cut_in_the_day_report_on_a_1024x700_screen_at_scale(scale: str) -> None:
    # Qt reads the scale factor once, when the application is made: a process of its own.
    env = {**os.environ, "QT_SCALE_FACTOR": scale}
    env.pop("QT_QPA_PLATFORM", None)
    done = subprocess.run(
        [sys.executable, "-m", "tests.gui.label_fit"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stderr
    # The labels found cut, one a line, then how many labels were looked at.
    assert lines[:-1] == []
    assert lines[-1].endswith("labels on a 1024x700 screen")
    assert int(lines[-1].split()[1]) > 30
