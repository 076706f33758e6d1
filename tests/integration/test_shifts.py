"""A desk's shift and its cash-up, on every backend (issue 14): the opening float, pay-ins and
pay-outs, the blind close with its variance, Z-reports per desk, a manager's reopening and
correction, and the check the cash payment path makes.

The money rows come from the real payment and refund services, taken with the desk's actor.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.errors import BusinessRuleError, InvalidInput, NotFound
from jdoffice.domain.model import Student
from jdoffice.domain.shifts import MethodTotal, NoOpenShift, Shift
from jdoffice.domain.staff import Action, NotAllowed, StaffMember
from jdoffice.services.payments import PaymentResult, refund_payment, register_payment
from jdoffice.services.ports import DuplicateKey
from jdoffice.services.shifts import (
    cash_payment_needs_shift,
    close_shift,
    correct_close,
    open_shift,
    pay_in,
    pay_out,
    reopen_shift,
    shift_status,
    shifts_of_day,
    z_report_of,
)
from jdoffice.services.staff import approve
from tests.conftest import SchoolKit
from tests.integration.staff_helpers import DESK, Staff, at, make_staff

DESK_2 = "kasse-2"


@pytest.fixture
def staff(uow: SqlAlchemyUnitOfWork, kit: SchoolKit) -> Staff:
    return make_staff(uow, kit)


def cash(
    uow: SqlAlchemyUnitOfWork,
    kit: SchoolKit,
    who: StaffMember,
    owed: int,
    *,
    tendered: int,
    minute: float,
    desk: str = DESK,
    method: str = "cash",
) -> tuple[Student, PaymentResult]:
    """A student who owes ``owed`` pays it at ``desk``."""
    student = kit.student()
    invoice = kit.invoice(student, owed)
    paid = register_payment(
        uow,
        kit.school,
        method=method,
        amount_minor=owed,
        invoice_no=invoice.invoice_no,
        tendered_minor=tendered if method == "cash" else None,
        actor=who.actor(desk),
        now=at(minute),
    )
    return student, paid


# --- the cash-up scenario -----------------------------------------------------------------------


def test_cash_up_of_a_shift_with_a_shortfall(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, staff: Staff
) -> None:
    rec, school = staff.receptionist, kit.school
    shift = open_shift(uow, school, desk=DESK, float_minor=100_000, by=rec, now=at(0))
    _, first = cash(uow, kit, rec, 50_000, tendered=50_000, minute=10)
    # 850,25 kr. owed, 1.000 kr. handed over: 850,50 kr. into the drawer, rounding +0,25.
    _, second = cash(uow, kit, rec, 85_025, tendered=100_000, minute=20)
    _, bank = cash(uow, kit, rec, 30_000, tendered=0, minute=30, method="bank")
    granted = approve(
        uow, school, Action.REFUND, rec, "MG", staff.pin(staff.manager), desk=DESK, now=at(40)
    )
    refund = refund_payment(
        uow,
        school,
        payment_id=first.payment_id,
        amount_minor=10_000,
        reason="Aflyst køretime",
        actor=granted.actor(DESK),
        now=at(40),
    )
    pay_out(uow, school, desk=DESK, amount_minor=4_500, reason="Kaffe", by=rec, now=at(50))
    before = shift_status(uow, school, DESK)

    z = close_shift(
        uow, school, desk=DESK, counted_minor=219_550, note="10 kr. mangler", by=rec, now=at(60)
    )

    assert second.cash_total_minor == 85_050
    assert before is not None
    assert (before.payments, before.refunds, len(before.movements)) == (3, 1, 1)
    assert not hasattr(before, "expected_minor")
    assert (z.label, z.desk, z.shift_id, z.currency) == ("Z1", DESK, shift.id, "DKK")
    assert (z.opened_at, z.closed_at) == (at(0), at(60))
    assert (z.opened_by, z.closed_by) == ("Rikke Carlsen (RC)", "Rikke Carlsen (RC)")
    assert z.float_minor == 100_000
    assert z.cash_payments_minor == 135_050
    assert (z.pay_ins_minor, z.pay_outs_minor) == (0, 4_500)
    assert z.cash_refunds_minor == 10_000
    assert (z.cash_in_minor, z.cash_out_minor) == (135_050, 14_500)
    assert z.rounding_minor == 25
    assert z.expected_minor == 220_550
    assert z.counted_minor == 219_550
    assert z.variance_minor == -1_000
    assert z.methods == (
        MethodTotal("bank", 1, 30_000, 0, 0),
        MethodTotal("cash", 2, 135_025, 1, 10_000),
    )
    numbers = [first.receipt_no, second.receipt_no, bank.receipt_no, refund.receipt_no]
    assert (z.receipt_from, z.receipt_to) == (min(numbers), max(numbers))  # type: ignore[type-var]
    assert (z.payments, z.refunds) == (3, 1)
    assert z.movements == (("pay_out", 4_500, "Kaffe"),)
    assert z.note == "10 kr. mangler"
    # Reprinted as it was printed; the shift keeps its figures.
    assert z_report_of(uow, school, DESK, 1) == z
    assert shift_status(uow, school, DESK) is None
    (closed,) = shifts_of_day(uow, school, school.local_date(at(0)))
    assert (closed.z_no, closed.expected_minor, closed.variance_minor) == (1, 220_550, -1_000)
    with uow:
        entries = uow.audit.for_entity("shift", shift.id)
    assert [e.action for e in entries] == ["shift.opened", "shift.pay_out", "shift.closed"]
    assert entries[-1].after == {
        "desk": DESK,
        "z_no": 1,
        "expected_minor": 220_550,
        "counted_minor": 219_550,
        "variance_minor": -1_000,
        "note": "10 kr. mangler",
    }
    assert {e.actor.staff_id for e in entries} == {rec.id}


def test_two_desks_on_one_database_keep_their_own_shifts(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, staff: Staff
) -> None:
    rec, mgr, school = staff.receptionist, staff.manager, kit.school
    open_shift(uow, school, desk=DESK, float_minor=50_000, by=rec, now=at(0))
    open_shift(uow, school, desk=DESK_2, float_minor=20_000, by=mgr, now=at(1))
    cash(uow, kit, rec, 10_000, tendered=10_000, minute=5)
    cash(uow, kit, mgr, 7_000, tendered=10_000, minute=6, desk=DESK_2)
    pay_in(uow, school, desk=DESK_2, amount_minor=5_000, reason="Byttepenge", by=mgr, now=at(7))

    one = close_shift(uow, school, desk=DESK, counted_minor=60_000, by=rec, now=at(10))
    two = close_shift(uow, school, desk=DESK_2, counted_minor=32_000, by=mgr, now=at(11))

    assert (one.label, one.expected_minor, one.variance_minor, one.payments) == ("Z1", 60_000, 0, 1)
    assert (two.label, two.expected_minor, two.variance_minor, two.payments) == ("Z1", 32_000, 0, 1)
    assert (two.pay_ins_minor, one.pay_ins_minor) == (5_000, 0)


def test_a_second_shift_on_the_same_day_covers_only_its_own_time(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, staff: Staff
) -> None:
    rec, school = staff.receptionist, kit.school
    open_shift(uow, school, desk=DESK, float_minor=10_000, by=rec, now=at(0))
    cash(uow, kit, rec, 20_000, tendered=20_000, minute=5)
    first = close_shift(uow, school, desk=DESK, counted_minor=30_000, by=rec, now=at(10))
    open_shift(uow, school, desk=DESK, float_minor=10_000, by=rec, now=at(20))
    cash(uow, kit, rec, 5_000, tendered=5_000, minute=25)

    second = close_shift(uow, school, desk=DESK, counted_minor=15_000, by=rec, now=at(30))

    assert (first.label, first.expected_minor, first.payments) == ("Z1", 30_000, 1)
    assert (second.label, second.expected_minor, second.payments) == ("Z2", 15_000, 1)
    assert z_report_of(uow, school, DESK, 1) == first
    assert [s.z_no for s in shifts_of_day(uow, school, school.local_date(at(0)))] == [1, 2]


# --- opening and the drawer ----------------------------------------------------------------------


def test_a_desk_has_at_most_one_open_shift(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, staff: Staff
) -> None:
    rec = staff.receptionist
    shift = open_shift(uow, kit.school, desk=DESK, float_minor=0, by=rec, now=at(0))

    with pytest.raises(BusinessRuleError, match="has an open shift already"):
        open_shift(uow, kit.school, desk=DESK, float_minor=100, by=staff.manager, now=at(1))
    # A retry of the same opening is the same shift.
    again = open_shift(uow, kit.school, desk=DESK, float_minor=0, by=rec, key=shift.id)
    assert again == shift
    # The database itself refuses a second open shift on the desk.
    second = Shift(
        "00000000-0000-4000-8000-0000000000aa", kit.school.id, DESK, "DKK", 0, at(2), rec.id
    )
    with pytest.raises(DuplicateKey):
        _insert(uow, second)


def _insert(uow: SqlAlchemyUnitOfWork, shift: Shift) -> None:
    with uow.write():
        uow.shifts.add(shift)
        uow.commit()


def test_cash_needs_an_open_shift_on_the_desk(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, staff: Staff
) -> None:
    school = kit.school
    with uow.write(), pytest.raises(NoOpenShift, match="no open shift on desk kasse-1"):
        cash_payment_needs_shift(uow, school, desk=DESK, method="cash")
    with uow.write():
        assert cash_payment_needs_shift(uow, school, desk=DESK, method="bank") is None
    with pytest.raises(NoOpenShift):
        pay_out(uow, school, desk=DESK, amount_minor=100, reason="Kaffe", by=staff.receptionist)
    opened = open_shift(uow, school, desk=DESK_2, float_minor=0, by=staff.receptionist)
    with uow.write():
        assert cash_payment_needs_shift(uow, school, desk=DESK_2, method="cash") == opened
    with uow.write(), pytest.raises(NoOpenShift):
        cash_payment_needs_shift(uow, school, desk=DESK, method="cash")


def test_pay_ins_and_outs_need_an_amount_and_a_reason(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, staff: Staff
) -> None:
    rec = staff.receptionist
    open_shift(uow, kit.school, desk=DESK, float_minor=0, by=rec)
    with pytest.raises(InvalidInput, match="needs a reason"):
        pay_out(uow, kit.school, desk=DESK, amount_minor=100, reason="  ", by=rec)
    with pytest.raises(InvalidInput, match="more than zero"):
        pay_in(uow, kit.school, desk=DESK, amount_minor=0, reason="Bank", by=rec)
    with pytest.raises(InvalidInput):
        open_shift(uow, kit.school, desk=DESK_2, float_minor=-1, by=rec)
    moved = pay_in(uow, kit.school, desk=DESK, amount_minor=100, reason="Bank", by=rec)
    # The same key twice is one movement.
    assert (
        pay_in(uow, kit.school, desk=DESK, amount_minor=100, reason="Bank", by=rec, key=moved.id)
        == moved
    )
    status = shift_status(uow, kit.school, DESK)
    assert status is not None
    assert [m.id for m in status.movements] == [moved.id]


# --- a manager's corrections ---------------------------------------------------------------------


def test_a_manager_reopens_or_corrects_a_close_and_both_are_audited(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, staff: Staff
) -> None:
    rec, mgr, school = staff.receptionist, staff.manager, kit.school
    shift = open_shift(uow, school, desk=DESK, float_minor=10_000, by=rec, now=at(0))
    close_shift(uow, school, desk=DESK, counted_minor=9_000, by=rec, now=at(10))

    with pytest.raises(NotAllowed, match="shift corrections"):
        reopen_shift(uow, school, desk=DESK, z_no=1, by=rec, now=at(11))
    with pytest.raises(NotFound):
        reopen_shift(uow, school, desk=DESK, z_no=2, by=mgr, now=at(11))
    reopened = reopen_shift(uow, school, desk=DESK, z_no=1, by=mgr, now=at(11))
    assert (reopened.is_open, reopened.z_no) == (True, 1)
    pay_in(uow, school, desk=DESK, amount_minor=500, reason="Fundet i skuffen", by=rec, now=at(12))
    again = close_shift(uow, school, desk=DESK, counted_minor=10_000, by=rec, now=at(13))
    assert (again.label, again.expected_minor, again.variance_minor) == ("Z1", 10_500, -500)

    # A receptionist corrects the count with a manager's approval.
    granted = approve(uow, school, Action.CORRECT_SHIFT, rec, "MG", staff.pin(mgr), desk=DESK)
    with pytest.raises(InvalidInput, match="note"):
        correct_close(uow, school, desk=DESK, z_no=1, counted_minor=10_500, note="", by=granted)
    fixed = correct_close(
        uow,
        school,
        desk=DESK,
        z_no=1,
        counted_minor=10_500,
        note="Talt igen",
        by=granted,
        now=at(20),
    )

    assert (fixed.variance_minor, fixed.closed_at, fixed.note) == (0, at(13), "Talt igen")
    assert z_report_of(uow, school, DESK, 1) == fixed
    with uow:
        entries = uow.audit.for_entity("shift", shift.id)
    assert [e.action for e in entries] == [
        "shift.opened",
        "shift.closed",
        "shift.reopened",
        "shift.pay_in",
        "shift.closed",
        "shift.corrected",
    ]
    reopened_entry, corrected = entries[2], entries[5]
    assert reopened_entry.before is not None
    assert reopened_entry.before["variance_minor"] == -1_000
    assert reopened_entry.actor.staff_id == mgr.id
    assert corrected.before is not None
    assert corrected.after is not None
    assert (corrected.before["variance_minor"], corrected.after["variance_minor"]) == (-500, 0)
    assert (corrected.actor.staff_id, corrected.actor.approver_id) == (rec.id, mgr.id)


def test_only_the_latest_shift_of_a_desk_is_reopened(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, staff: Staff, engine: Engine
) -> None:
    rec, mgr, school = staff.receptionist, staff.manager, kit.school
    open_shift(uow, school, desk=DESK, float_minor=0, by=rec, now=at(0))
    close_shift(uow, school, desk=DESK, counted_minor=0, by=rec, now=at(1))
    open_shift(uow, school, desk=DESK, float_minor=0, by=rec, now=at(2))

    with pytest.raises(BusinessRuleError, match="not desk kasse-1's latest shift"):
        reopen_shift(uow, school, desk=DESK, z_no=1, by=mgr, now=at(3))
