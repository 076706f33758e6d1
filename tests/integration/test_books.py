"""The books on every backend (issue 15): postings derived from the rows the real payment,
refund and shift services wrote, summed per account and matched to the day report and the
Z-report to the øre; the account mapping stored, audited and refused whole."""

from __future__ import annotations

import datetime as dt

import pytest

from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.errors import InvalidInput
from jdoffice.domain.model import UTC, Actor
from jdoffice.domain.postings import Kind, check_balanced, totals
from jdoffice.domain.shifts import ZReport
from jdoffice.domain.staff import Action
from jdoffice.services import books
from jdoffice.services.payments import refund_payment, register_payment
from jdoffice.services.queries import day_report
from jdoffice.services.shifts import close_shift, open_shift, pay_in, pay_out
from jdoffice.services.staff import approve
from tests.conftest import SchoolKit
from tests.integration.staff_helpers import DESK, Staff, at, make_staff


@pytest.fixture
def staff(uow: SqlAlchemyUnitOfWork, kit: SchoolKit) -> Staff:
    return make_staff(uow, kit)


def a_day_at_the_desk(uow: SqlAlchemyUnitOfWork, kit: SchoolKit, staff: Staff) -> ZReport:
    """A shift with cash rounded both ways, a bank and a card payment, a rounded cash
    refund, a pay-in, a pay-out and a shortfall at the close."""
    rec, school = staff.receptionist, kit.school
    open_shift(uow, school, desk=DESK, float_minor=100_000, by=rec, now=at(0))
    paid = {}
    for minute, (owed, method) in enumerate(
        [(85_025, "cash"), (85_020, "cash"), (30_000, "bank"), (12_345, "card")], start=1
    ):
        student = kit.student()
        invoice = kit.invoice(student, owed)
        paid[method, owed] = register_payment(
            uow,
            school,
            method=method,
            amount_minor=owed,
            invoice_no=invoice.invoice_no,
            tendered_minor=200_000 if method == "cash" else None,
            reference="T-4711" if method == "card" else "",
            actor=rec.actor(DESK),
            now=at(minute * 5),
        )
    granted = approve(
        uow, school, Action.REFUND, rec, "MG", staff.pin(staff.manager), desk=DESK, now=at(40)
    )
    refund_payment(
        uow,
        school,
        payment_id=paid["cash", 85_025].payment_id,
        amount_minor=10_020,
        reason="Aflyst køretime",
        actor=granted.actor(DESK),
        now=at(40),
    )
    pay_in(uow, school, desk=DESK, amount_minor=20_000, reason="Byttepenge", by=rec, now=at(45))
    pay_out(uow, school, desk=DESK, amount_minor=4_500, reason="Kaffe", by=rec, now=at(50))
    return close_shift(uow, school, desk=DESK, counted_minor=280_000, by=rec, now=at(60))


def test_postings_per_account_match_the_day_report_and_the_z_report_to_the_ore(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, staff: Staff
) -> None:
    z = a_day_at_the_desk(uow, kit, staff)
    school = kit.school
    day = school.local_date(at(0))
    report = day_report(uow, school, day)
    period = books.period_postings(uow, school, day, day)
    lines = list(period.lines)
    check_balanced(lines)
    sums = totals(lines)
    acc = period.accounts

    def net(name: str) -> int:
        t = sums.get(acc.number(name))
        return t.net_minor if t else 0

    # The day report: what came in per method (exact), refunds, rounding, cash drawer.
    assert net("bank") == report.totals["bank"] == 30_000
    assert net("card_terminal") == report.totals["card"] == 12_345
    assert -net("debtors") == sum(report.totals.values()) - report.refunds_minor
    assert -net("rounding") == report.rounding_minor
    movements = z.pay_ins_minor - z.pay_outs_minor
    assert net("cash") == report.cash_in_drawer_minor + movements + z.variance_minor
    # The Z-report: the drawer's movement over the shift is counted − float.
    assert net("cash") == z.counted_minor - z.float_minor
    assert -net("cash_differences") == z.variance_minor == -(z.expected_minor - 280_000)
    assert -net("cash_transfers") == movements
    assert {p.kind for p in lines} == set(Kind) - {Kind.FEE, Kind.PAYOUT}
    texts = {p.text.split(" elev ")[0] for p in lines if p.kind is Kind.PAYMENT}
    assert texts == {
        "Indbetaling Kontant",
        "Indbetaling Bankoverførsel",
        "Indbetaling Betalingskort (terminal)",
    }
    # Every payment and refund line names its receipt, student and invoice.
    for p in lines:
        if p.kind in (Kind.PAYMENT, Kind.REFUND):
            assert p.voucher_no is not None
            assert p.student_no.startswith(kit.prefix)
            assert p.invoice_nos
            assert p.desk == DESK
        if p.kind in (Kind.PAY_IN, Kind.PAY_OUT, Kind.VARIANCE):
            assert p.document == f"Z{z.z_no}/{DESK}"


def test_a_closed_period_exports_to_the_same_bytes_and_other_days_are_left_out(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, staff: Staff
) -> None:
    a_day_at_the_desk(uow, kit, staff)
    school = kit.school
    day = school.local_date(at(0))
    for fmt in ("csv", "economic", "saft"):
        first = books.export(books.period_postings(uow, school, day, day), fmt)
        again = books.export(books.period_postings(uow, school, day, day), fmt)
        assert first == again
    next_day = day + dt.timedelta(days=1)
    assert books.period_postings(uow, school, next_day, next_day + dt.timedelta(days=6)).lines == ()
    earlier = day - dt.timedelta(days=1)
    assert books.period_postings(uow, school, earlier, earlier).lines == ()


def test_account_mapping_is_stored_audited_and_refused_whole(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit
) -> None:
    school = kit.school
    actor = Actor("AD", DESK)
    changed = books.update_accounts(uow, school, {"cash": "1000", "vat_code": "U25"}, actor=actor)
    with uow:
        stored = books.account_map(uow, school)
        audit = uow.audit.for_entity("school", school.slug)
    assert stored == changed
    assert (stored.number("cash"), stored.vat_code, stored.number("bank")) == (
        "1000",
        "U25",
        "5820",
    )
    assert [e.action for e in audit] == ["school.accounts_changed"]
    assert audit[0].after is not None
    assert audit[0].after["cash"] == "1000"
    with pytest.raises(InvalidInput):
        books.update_accounts(uow, school, {"bank": "2000", "nope": "1"}, actor=actor)
    with uow:
        assert books.account_map(uow, school) == stored
    # Saving the same numbers again writes nothing.
    books.update_accounts(uow, school, {"cash": "1000"}, actor=actor)
    with uow:
        assert len(uow.audit.for_entity("school", school.slug)) == 1


def test_postings_use_the_school_mapping(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, staff: Staff
) -> None:
    a_day_at_the_desk(uow, kit, staff)
    books.update_accounts(uow, kit.school, {"cash": "1000"}, actor=Actor("AD", DESK))
    day = kit.school.local_date(at(0))
    lines = books.period_postings(uow, kit.school, day, day).lines
    assert "5810" not in {p.debit for p in lines} | {p.credit for p in lines}
    assert "1000" in totals(lines)


def test_a_payment_belongs_to_the_school_local_day(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit
) -> None:
    student = kit.student()
    invoice = kit.invoice(student, 40_000)
    # 23:30 UTC on 30 November is 00:30 on 1 December in Copenhagen.
    late = dt.datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    register_payment(
        uow,
        kit.school,
        method="bank",
        amount_minor=40_000,
        invoice_no=invoice.invoice_no,
        actor=Actor("RC", DESK),
        now=late,
    )
    november = books.period_postings(uow, kit.school, dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    december = books.period_postings(uow, kit.school, dt.date(2026, 12, 1), dt.date(2026, 12, 1))
    assert november.lines == ()
    assert [(p.date, p.amount_minor) for p in december.lines] == [(dt.date(2026, 12, 1), 40_000)]
