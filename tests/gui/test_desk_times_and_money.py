"""The desk's tables write money and times as the desk's language does, and every time the
desk shows (the payments, the status bar's clock) is the school's."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pytestqt.qtbot import QtBot

from jdoffice.gui.models import InvoiceColumn, PaymentColumn, SearchColumn
from jdoffice.gui.views.main_window import MainWindow
from tests.gui.office import Office, make_office, settle_background_work
from tests.gui.test_desk import WAIT_MS, close_desk, find_and_open

# Far from the machine's zone (UTC on the test machines): a time in the wrong zone shows.
ZONE = "Pacific/Auckland"
# Spelt out here: the machine's own locale never decides how a date reads.
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@pytest.fixture
def office(
    qtbot: QtBot, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Office]:
    office = make_office(tmp_path, tmp_path_factory.getbasetemp(), online=False)
    yield office
    settle_background_work()
    office.app.dispose()


def desk_in(qtbot: QtBot, office: Office, language: str) -> MainWindow:
    school = dataclasses.replace(office.school, timezone=ZONE)
    ctx = dataclasses.replace(office.ctx, school=school, language=language)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1024, 700)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_an_english_desk_writes_money_and_dates_the_english_way(
    qtbot: QtBot, office: Office
) -> None:
    student = office.student("Emma", "English")
    invoice = office.invoice(85025, student)
    paid = office.pay(invoice, 50000, method="bank")
    desk = desk_in(qtbot, office, "en")
    try:
        find_and_open(qtbot, desk, "english", student)
        results = desk.results_model
        assert results.index(0, SearchColumn.BALANCE).data() == "DKK\xa0350.25"
        invoices = desk.invoices_model
        assert invoices.index(0, InvoiceColumn.AMOUNT).data() == "DKK\xa0850.25"
        due = invoice.due_date
        assert invoices.index(0, InvoiceColumn.DUE_DATE).data() == (
            f"{due.day} {MONTHS[due.month - 1]} {due.year}"
        )
        payments = desk.payments_model
        assert payments.index(0, PaymentColumn.AMOUNT).data() == "DKK\xa0500.00"
        stored = office.payments(student.id)[0]
        assert stored.id == paid.payment_id
        local = stored.created_at.astimezone(ZoneInfo(ZONE))
        assert payments.index(0, PaymentColumn.DATE).data() == (
            f"{local.day} {MONTHS[local.month - 1]} {local.year} {local:%H:%M}"
        )
    finally:
        close_desk(desk)


def test_the_status_bar_clock_and_the_payments_show_the_schools_time(
    qtbot: QtBot, office: Office
) -> None:
    student = office.student("Tid", "Zonesen")
    invoice = office.invoice(10000, student)
    office.pay(invoice, 10000, method="bank")
    desk = desk_in(qtbot, office, "da")
    try:
        find_and_open(qtbot, desk, "zonesen", student)
        qtbot.waitUntil(lambda: desk.freshness.startswith("Opdateret"), timeout=WAIT_MS)
        now = dt.datetime.now(ZoneInfo(ZONE))
        hours, minutes, seconds = (int(x) for x in desk.freshness.split()[-1].split(":"))
        shown = hours * 3600 + minutes * 60 + seconds
        # Within a minute of the school's clock (either side of midnight).
        assert (now.hour * 3600 + now.minute * 60 + now.second - shown) % 86_400 < 60
        local = office.payments(student.id)[0].created_at.astimezone(ZoneInfo(ZONE))
        date_cell = desk.payments_model.index(0, PaymentColumn.DATE).data()
        assert date_cell == f"{local:%d.%m.%Y %H:%M}"
    finally:
        close_desk(desk)
