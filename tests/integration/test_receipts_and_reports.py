"""Fetching and reprinting receipts, and the day report, on every backend."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.errors import InvalidInput, NotFound
from jdoffice.domain.model import UTC, Actor, AuditEntry
from jdoffice.domain.money import format_money
from jdoffice.domain.receipt_text import render_text
from jdoffice.services.queries import day_report, get_receipt
from tests.conftest import SchoolKit
from tests.integration.helpers import ACTOR, Desk, other_school

CLERK = Actor(staff="lars", desk="desk-3")


@pytest.fixture
def desk(kit: SchoolKit, uow: SqlAlchemyUnitOfWork) -> Desk:
    return Desk(uow, kit)


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> dt.datetime:
    """An instant in UTC."""
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def receipt_audit(uow: SqlAlchemyUnitOfWork, kit: SchoolKit, receipt_no: int) -> list[AuditEntry]:
    # Receipt numbers repeat across schools, so the school tells the audit rows apart.
    with uow:
        entries = uow.audit.for_entity("receipt", str(receipt_no))
    return [e for e in entries if e.school_id == kit.school.id]


# --- receipts ------------------------------------------------------------------------------


def test_printing_a_copy_counts_it_and_writes_an_audit_row(
    desk: Desk, kit: SchoolKit, uow: SqlAlchemyUnitOfWork
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 85025)
    desk.pay(st, 85025, invoice=inv, method="cash")
    when = at(2026, 7, 1, 9, 0)

    get_receipt(uow, kit.school, 1, copy=True, actor=CLERK, now=when)
    get_receipt(uow, kit.school, 1, copy=True, actor=CLERK)

    assert get_receipt(uow, kit.school, 1, copy=False, actor=CLERK).copies_printed == 2
    entries = receipt_audit(uow, kit, 1)
    assert [e.action for e in entries] == ["receipt.copy_printed", "receipt.copy_printed"]
    assert entries[0].actor == CLERK
    assert entries[0].at == when
    assert (entries[0].before, entries[0].after) == (
        {"copies_printed": 0},
        {"copies_printed": 1},
    )
    assert (entries[1].before, entries[1].after) == (
        {"copies_printed": 1},
        {"copies_printed": 2},
    )


def test_fetching_a_receipt_without_printing_a_copy_changes_nothing(
    desk: Desk, kit: SchoolKit, uow: SqlAlchemyUnitOfWork
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 50000)
    p = desk.pay(st, 50000, invoice=inv)

    first = get_receipt(uow, kit.school, 1, copy=False, actor=CLERK)
    second = get_receipt(uow, kit.school, 1, copy=False, actor=CLERK)

    assert first == second
    assert first.copies_printed == 0
    assert first.payment_id == p.payment_id
    assert receipt_audit(uow, kit, 1) == []


def test_copies_are_counted_per_receipt(
    desk: Desk, kit: SchoolKit, uow: SqlAlchemyUnitOfWork
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 50000)
    desk.pay(st, 20000, invoice=inv)
    desk.pay(st, 20000, invoice=inv)

    get_receipt(uow, kit.school, 2, copy=True, actor=CLERK)

    assert get_receipt(uow, kit.school, 1, copy=False, actor=CLERK).copies_printed == 0
    assert get_receipt(uow, kit.school, 2, copy=False, actor=CLERK).copies_printed == 1
    assert receipt_audit(uow, kit, 1) == []
    assert len(receipt_audit(uow, kit, 2)) == 1


@pytest.mark.parametrize("copy", [False, True])
def test_an_unknown_receipt_is_not_found(
    desk: Desk, kit: SchoolKit, uow: SqlAlchemyUnitOfWork, copy: bool
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 50000)
    desk.pay(st, 50000, invoice=inv)

    with pytest.raises(NotFound, match="no receipt 2"):
        get_receipt(uow, kit.school, 2, copy=copy, actor=CLERK)

    assert receipt_audit(uow, kit, 2) == []


def test_a_receipt_of_another_school_is_not_found(
    kit: SchoolKit, uow: SqlAlchemyUnitOfWork, engine: Engine
) -> None:
    elsewhere = other_school(engine)
    there = Desk(uow, elsewhere)
    st = elsewhere.student()
    there.pay(st, 50000, invoice=elsewhere.invoice(st, 50000))

    with pytest.raises(NotFound):
        get_receipt(uow, kit.school, 1, copy=True, actor=CLERK)

    assert get_receipt(uow, elsewhere.school, 1, copy=False, actor=CLERK).copies_printed == 0


@pytest.mark.parametrize("receipt_no", [0, -1])
def test_a_receipt_number_below_one_is_invalid_input(
    kit: SchoolKit, uow: SqlAlchemyUnitOfWork, receipt_no: int
) -> None:
    with pytest.raises(InvalidInput, match="start at 1"):
        get_receipt(uow, kit.school, receipt_no, copy=False, actor=CLERK)


def test_a_printed_copy_says_kopi_and_the_original_does_not(
    desk: Desk, kit: SchoolKit, uow: SqlAlchemyUnitOfWork
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 85025)
    desk.pay(st, 85025, invoice=inv, method="cash", tendered_minor=100000)

    receipt = get_receipt(uow, kit.school, 1, copy=True, actor=CLERK)
    copy_text = render_text(receipt.body, copy=True)
    original_text = render_text(receipt.body)

    assert copy_text.splitlines()[0].strip() == "*** KOPI ***"
    assert copy_text.splitlines()[-1].strip() == "*** KOPI ***"
    assert "KOPI" not in original_text
    assert "*** COPY ***" in render_text(receipt.body, copy=True, language="en")
    # Apart from the marks, a copy is the receipt as it was issued.
    assert [ln for ln in copy_text.splitlines() if "KOPI" not in ln] == original_text.splitlines()
    for needed in (
        "Østerbro Køreskole",
        "CVR: 12345678",
        "Kvittering nr. 1",
        format_money(85025),
        "Kontant",
        "Afrunding",
        "+" + format_money(25),
        "Kontant i alt",
        format_money(85050),
        format_money(100000),
        format_money(14950),
    ):
        assert needed in original_text, needed


def test_a_refund_receipt_copy_names_the_original_receipt_and_the_reason(
    desk: Desk, kit: SchoolKit, uow: SqlAlchemyUnitOfWork
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 50000)
    p = desk.pay(st, 50000, invoice=inv, method="mobilepay")
    desk.refund(st, p.payment_id, 12500, reason="Aflyst køretime")

    receipt = get_receipt(uow, kit.school, 2, copy=True, actor=CLERK)
    text = render_text(receipt.body, copy=True)

    assert receipt.kind == "refund"
    assert "*** KOPI ***" in text
    assert "KREDITNOTA / REFUSION" in text
    assert "Refusion af kvittering nr. 1" in text
    assert "Årsag: Aflyst køretime" in text
    assert format_money(12500) in text


def test_the_receipt_shows_the_schools_local_date_and_time(
    desk: Desk, kit: SchoolKit, uow: SqlAlchemyUnitOfWork
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 50000)
    desk.pay(st, 50000, invoice=inv, now=at(2026, 6, 30, 22, 30))

    receipt = get_receipt(uow, kit.school, 1, copy=False, actor=CLERK)

    assert receipt.issued_at == at(2026, 6, 30, 22, 30)
    assert "Dato: 01.07.2026 00:30" in render_text(receipt.body)


# --- the day report ------------------------------------------------------------------------


def test_day_report_sums_the_local_day_per_method_with_rounding_refunds_and_cash(
    desk: Desk, kit: SchoolKit, uow: SqlAlchemyUnitOfWork
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 1_000_000)
    day = dt.date(2026, 7, 1)  # Copenhagen is UTC+2 in July

    before = desk.pay(st, 20000, invoice=inv, now=at(2026, 6, 30, 21, 59, 59))
    cash_up = desk.pay(st, 85025, invoice=inv, method="cash", now=at(2026, 6, 30, 22, 30))
    desk.pay(st, 85020, invoice=inv, method="cash", tendered_minor=100000, now=at(2026, 7, 1, 8))
    bank = desk.pay(st, 50000, invoice=inv, now=at(2026, 7, 1, 10))
    desk.pay(st, 30000, invoice=inv, method="mobilepay", now=at(2026, 7, 1, 21, 59, 59))
    desk.pay(st, 7000, invoice=inv, method="mobilepay", now=at(2026, 7, 1, 22))
    desk.refund(st, cash_up.payment_id, 10020, now=at(2026, 7, 1, 12))
    desk.refund(st, before.payment_id, 5000, now=at(2026, 7, 1, 13))
    desk.refund(st, bank.payment_id, 1000, now=at(2026, 7, 1, 22, 30))

    report = day_report(uow, kit.school, day)

    assert report.date == day
    assert report.currency == "DKK"
    assert report.totals == {"cash": 85025 + 85020, "bank": 50000, "mobilepay": 30000}
    assert report.payments_count == {"cash": 2, "bank": 1, "mobilepay": 1}
    # +0,25 and -0,20 on the payments; the cash refund of 100,20 paid out 100,00 (-0,20).
    assert report.rounding_minor == 25 - 20 - (-20)
    assert report.refunds_minor == 15020
    assert report.refunds_by_method == {"cash": 10020, "bank": 5000}
    assert report.receipts == 6
    assert report.cash_in_drawer_minor == 85050 + 85000 - 10000
    assert [row[0] for row in report.rows] == [
        "2026-07-01T00:30:00+02:00",
        "2026-07-01T10:00:00+02:00",
        "2026-07-01T12:00:00+02:00",
        "2026-07-01T14:00:00+02:00",
        "2026-07-01T15:00:00+02:00",
        "2026-07-01T23:59:59+02:00",
    ]
    assert [row[1] for row in report.rows] == [
        "payment",
        "payment",
        "payment",
        "refund",
        "refund",
        "payment",
    ]


def test_a_payment_at_half_past_ten_utc_belongs_to_the_next_local_day(
    desk: Desk, kit: SchoolKit, uow: SqlAlchemyUnitOfWork
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 100000)
    desk.pay(st, 20000, invoice=inv, now=at(2026, 6, 30, 21, 59, 59))
    desk.pay(st, 30000, invoice=inv, now=at(2026, 6, 30, 22, 30))

    june_30 = day_report(uow, kit.school, dt.date(2026, 6, 30))
    july_1 = day_report(uow, kit.school, dt.date(2026, 7, 1))

    assert (june_30.totals, june_30.receipts) == ({"bank": 20000}, 1)
    assert (july_1.totals, july_1.receipts) == ({"bank": 30000}, 1)
    # Without a day, the report is for the local day of `now`.
    assert day_report(uow, kit.school, now=at(2026, 6, 30, 22, 30)).totals == {"bank": 30000}
    assert day_report(uow, kit.school, now=at(2026, 6, 30, 21, 0)).totals == {"bank": 20000}


def test_in_winter_the_local_day_starts_at_eleven_pm_utc(
    desk: Desk, kit: SchoolKit, uow: SqlAlchemyUnitOfWork
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 100000)
    desk.pay(st, 1000, invoice=inv, now=at(2026, 1, 15, 22, 59, 59))
    desk.pay(st, 2000, invoice=inv, now=at(2026, 1, 15, 23, 0))
    desk.pay(st, 4000, invoice=inv, now=at(2026, 1, 16, 22, 59, 59))
    desk.pay(st, 8000, invoice=inv, now=at(2026, 1, 16, 23, 0))

    assert day_report(uow, kit.school, dt.date(2026, 1, 16)).totals == {"bank": 6000}


@pytest.mark.parametrize(
    ("day", "inside", "outside"),
    [
        # 29 March 2026 has 23 hours: it runs from 23:00 UTC to 22:00 UTC.
        (
            dt.date(2026, 3, 29),
            [at(2026, 3, 28, 23, 0), at(2026, 3, 29, 21, 59, 59)],
            [at(2026, 3, 28, 22, 59, 59), at(2026, 3, 29, 22, 0)],
        ),
        # 25 October 2026 has 25 hours: it runs from 22:00 UTC to 23:00 UTC.
        (
            dt.date(2026, 10, 25),
            [at(2026, 10, 24, 22, 0), at(2026, 10, 25, 22, 59, 59)],
            [at(2026, 10, 24, 21, 59, 59), at(2026, 10, 25, 23, 0)],
        ),
    ],
)
def test_days_when_the_clocks_change_are_reported_whole(
    desk: Desk,
    kit: SchoolKit,
    uow: SqlAlchemyUnitOfWork,
    day: dt.date,
    inside: list[dt.datetime],
    outside: list[dt.datetime],
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 100000)
    for when in inside:
        desk.pay(st, 1000, invoice=inv, now=when)
    for when in outside:
        desk.pay(st, 100, invoice=inv, now=when)

    report = day_report(uow, kit.school, day)

    assert report.totals == {"bank": 2000}
    assert report.receipts == 2


def test_a_day_without_payments_reports_zeros(kit: SchoolKit, uow: SqlAlchemyUnitOfWork) -> None:
    report = day_report(uow, kit.school, dt.date(2026, 7, 1))

    assert report.totals == {}
    assert report.payments_count == {}
    assert (report.rounding_minor, report.refunds_minor, report.receipts) == (0, 0, 0)
    assert report.cash_in_drawer_minor == 0
    assert report.rows == ()


def test_a_cash_refund_of_a_payment_from_another_day_counts_on_the_day_it_was_paid_out(
    desk: Desk, kit: SchoolKit, uow: SqlAlchemyUnitOfWork
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 100000)
    p = desk.pay(st, 85025, invoice=inv, method="cash", now=at(2026, 7, 1, 10))
    desk.refund(st, p.payment_id, now=at(2026, 7, 2, 10))

    july_1 = day_report(uow, kit.school, dt.date(2026, 7, 1))
    july_2 = day_report(uow, kit.school, dt.date(2026, 7, 2))

    assert (july_1.cash_in_drawer_minor, july_1.rounding_minor, july_1.refunds_minor) == (
        85050,
        25,
        0,
    )
    assert july_2.totals == {}
    assert (july_2.cash_in_drawer_minor, july_2.rounding_minor, july_2.refunds_minor) == (
        -85050,
        -25,
        85025,
    )
    assert july_2.refunds_by_method == {"cash": 85025}
    assert july_2.receipts == 1


def test_the_day_report_only_counts_its_own_school(
    desk: Desk, kit: SchoolKit, uow: SqlAlchemyUnitOfWork, engine: Engine
) -> None:
    elsewhere = other_school(engine)
    there = Desk(uow, elsewhere)
    st_here = kit.student()
    st_there = elsewhere.student()
    when = at(2026, 7, 1, 10)
    desk.pay(st_here, 1000, invoice=kit.invoice(st_here, 1000), now=when)
    there.pay(st_there, 2000, invoice=elsewhere.invoice(st_there, 2000), method="cash", now=when)

    here = day_report(uow, kit.school, dt.date(2026, 7, 1))

    assert here.totals == {"bank": 1000}
    assert here.receipts == 1
    assert here.cash_in_drawer_minor == 0
    assert [row[7:] for row in here.rows] == [(ACTOR.desk, ACTOR.staff)]
