"""Registering cash, bank and MobilePay payments at the desk, on every backend.

After every operation (accepted or refused) each test checks that the student's cached balance
equals the balance recomputed from the rows.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import Engine

from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.errors import BusinessRuleError, IdempotencyMismatch, InvalidInput, NotFound
from jdoffice.domain.model import InvoiceStatus, new_id
from jdoffice.services.queries import student_view
from tests.conftest import SchoolKit
from tests.integration.helpers import (
    ACTOR,
    Desk,
    assert_balance_consistent,
    local_today,
    other_school,
)


@pytest.fixture
def desk(kit: SchoolKit, uow: SqlAlchemyUnitOfWork) -> Desk:
    return Desk(uow, kit)


# --- partial payments and allocation ---------------------------------------------------------


def test_partial_payment_leaves_the_rest_outstanding(desk: Desk, kit: SchoolKit) -> None:
    st = kit.student()
    inv = kit.invoice(st, 100000)

    r = desk.pay(st, 40000, invoice=inv)

    assert r.allocations == ((inv.invoice_no, 40000),)
    assert r.credit_minor == 0
    assert r.balance_minor == 60000
    assert desk.invoice_state(st, inv) == (40000, 60000, InvoiceStatus.PARTIALLY_PAID)
    assert desk.balance(st) == 60000


def test_second_partial_payment_settles_the_invoice(desk: Desk, kit: SchoolKit) -> None:
    st = kit.student()
    inv = kit.invoice(st, 100000)

    desk.pay(st, 40000, invoice=inv)
    r = desk.pay(st, 60000, invoice=inv, method="mobilepay")

    assert r.balance_minor == 0
    assert desk.invoice_state(st, inv) == (100000, 0, InvoiceStatus.PAID)
    assert desk.payment_count(st) == 2


def test_partial_payment_of_an_overdue_invoice_keeps_it_overdue(desk: Desk, kit: SchoolKit) -> None:
    st = kit.student()
    inv = kit.invoice(st, 50000, due=local_today(kit) - dt.timedelta(days=3))

    desk.pay(st, 20000, invoice=inv)

    assert desk.invoice_state(st, inv) == (20000, 30000, InvoiceStatus.OVERDUE)


def test_payment_by_student_settles_the_oldest_due_invoice_first(
    desk: Desk, kit: SchoolKit
) -> None:
    st = kit.student()
    d = local_today(kit)
    # Created in an order unlike their due dates, so allocation cannot follow insertion order.
    late = kit.invoice(st, 30000, due=d + dt.timedelta(days=30))
    soon = kit.invoice(st, 20000, due=d + dt.timedelta(days=5))
    overdue = kit.invoice(st, 10000, due=d - dt.timedelta(days=2))
    middle = kit.invoice(st, 25000, due=d + dt.timedelta(days=10))

    r = desk.pay(st, 45000, by_student=True)

    assert r.allocations == (
        (overdue.invoice_no, 10000),
        (soon.invoice_no, 20000),
        (middle.invoice_no, 15000),
    )
    assert r.credit_minor == 0
    assert desk.invoice_state(st, overdue) == (10000, 0, InvoiceStatus.PAID)
    assert desk.invoice_state(st, soon) == (20000, 0, InvoiceStatus.PAID)
    assert desk.invoice_state(st, middle) == (15000, 10000, InvoiceStatus.PARTIALLY_PAID)
    assert desk.invoice_state(st, late) == (0, 30000, InvoiceStatus.OPEN)
    assert desk.balance(st) == 40000


def test_payment_by_student_continues_where_a_partial_payment_left_off(
    desk: Desk, kit: SchoolKit
) -> None:
    st = kit.student()
    d = local_today(kit)
    first = kit.invoice(st, 30000, due=d + dt.timedelta(days=1))
    second = kit.invoice(st, 30000, due=d + dt.timedelta(days=2))
    desk.pay(st, 10000, invoice=first)

    r = desk.pay(st, 35000, by_student=True)

    assert r.allocations == ((first.invoice_no, 20000), (second.invoice_no, 15000))
    assert desk.invoice_state(st, first) == (30000, 0, InvoiceStatus.PAID)
    assert desk.invoice_state(st, second) == (15000, 15000, InvoiceStatus.PARTIALLY_PAID)


def test_payment_by_student_skips_cancelled_and_paid_invoices(desk: Desk, kit: SchoolKit) -> None:
    st = kit.student()
    d = local_today(kit)
    cancelled = kit.invoice(st, 70000, due=d - dt.timedelta(days=20), cancelled=True)
    paid = kit.invoice(st, 10000, due=d - dt.timedelta(days=10))
    desk.pay(st, 10000, invoice=paid)
    open_ = kit.invoice(st, 40000, due=d + dt.timedelta(days=10))

    r = desk.pay(st, 40000, by_student=True)

    assert r.allocations == ((open_.invoice_no, 40000),)
    assert desk.invoice_state(st, cancelled) == (0, 0, InvoiceStatus.CANCELLED)
    assert desk.invoice_state(st, paid) == (10000, 0, InvoiceStatus.PAID)
    assert desk.invoice_state(st, open_) == (40000, 0, InvoiceStatus.PAID)
    assert desk.balance(st) == 0


def test_payment_by_student_does_not_touch_other_students(desk: Desk, kit: SchoolKit) -> None:
    st = kit.student()
    other = kit.student("Mette", "Hansen")
    mine = kit.invoice(st, 20000, due=local_today(kit) + dt.timedelta(days=9))
    theirs = kit.invoice(other, 20000, due=local_today(kit) - dt.timedelta(days=9))

    desk.pay(st, 20000, by_student=True)

    assert desk.invoice_state(st, mine) == (20000, 0, InvoiceStatus.PAID)
    assert desk.invoice_state(other, theirs) == (0, 20000, InvoiceStatus.OVERDUE)
    assert desk.balance(other) == 20000


# --- more than owed, credit ------------------------------------------------------------------


def test_amount_above_what_the_invoice_owes_is_refused(desk: Desk, kit: SchoolKit) -> None:
    st = kit.student()
    inv = kit.invoice(st, 50000)
    desk.pay(st, 20000, invoice=inv)

    with pytest.raises(BusinessRuleError, match="more than what is owed"):
        desk.pay(st, 30001, invoice=inv)

    assert desk.invoice_state(st, inv) == (20000, 30000, InvoiceStatus.PARTIALLY_PAID)
    assert desk.balance(st) == 30000
    assert desk.payment_count(st) == 1


def test_amount_above_what_the_student_owes_is_refused(desk: Desk, kit: SchoolKit) -> None:
    st = kit.student()
    a = kit.invoice(st, 30000)
    b = kit.invoice(st, 20000)

    with pytest.raises(BusinessRuleError, match="more than what is owed"):
        desk.pay(st, 50001, by_student=True)

    assert desk.invoice_state(st, a)[0] == 0
    assert desk.invoice_state(st, b)[0] == 0
    assert desk.balance(st) == 50000
    assert desk.payment_count(st) == 0


def test_with_credit_allowed_the_rest_of_an_invoice_payment_becomes_credit(
    desk: Desk, kit: SchoolKit
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 50000)

    r = desk.pay(st, 80000, invoice=inv, allow_credit=True)

    assert r.allocations == ((inv.invoice_no, 50000),)
    assert r.credit_minor == 30000
    assert r.balance_minor == -30000
    # Credit is not allocated: the invoice is paid exactly, never overpaid.
    assert desk.invoice_state(st, inv) == (50000, 0, InvoiceStatus.PAID)
    assert desk.balance(st) == -30000


def test_with_credit_allowed_the_rest_of_a_student_payment_becomes_credit(
    desk: Desk, kit: SchoolKit
) -> None:
    st = kit.student()
    a = kit.invoice(st, 30000, due=local_today(kit) + dt.timedelta(days=1))
    b = kit.invoice(st, 20000, due=local_today(kit) + dt.timedelta(days=2))

    r = desk.pay(st, 80000, by_student=True, allow_credit=True, method="cash")

    assert r.allocations == ((a.invoice_no, 30000), (b.invoice_no, 20000))
    assert r.credit_minor == 30000
    assert desk.invoice_state(st, a) == (30000, 0, InvoiceStatus.PAID)
    assert desk.invoice_state(st, b) == (20000, 0, InvoiceStatus.PAID)
    assert desk.balance(st) == -30000


def test_a_student_who_owes_nothing_can_only_pay_as_credit(desk: Desk, kit: SchoolKit) -> None:
    st = kit.student()

    with pytest.raises(BusinessRuleError, match="nothing is owed"):
        desk.pay(st, 10000, by_student=True)
    assert desk.balance(st) == 0

    r = desk.pay(st, 10000, by_student=True, allow_credit=True)
    assert r.allocations == ()
    assert r.credit_minor == 10000
    assert desk.balance(st) == -10000


def test_a_later_invoice_is_offset_by_the_credit_in_the_balance(desk: Desk, kit: SchoolKit) -> None:
    st = kit.student()
    desk.pay(st, 10000, by_student=True, allow_credit=True)

    kit.invoice(st, 25000)

    assert desk.balance(st) == 15000


# --- refused targets -------------------------------------------------------------------------


def test_an_already_paid_invoice_is_refused(desk: Desk, kit: SchoolKit) -> None:
    st = kit.student()
    inv = kit.invoice(st, 50000)
    desk.pay(st, 50000, invoice=inv)

    with pytest.raises(BusinessRuleError, match="already paid"):
        desk.pay(st, 100, invoice=inv)
    # Allowing a credit covers more than the invoice owes; it does not turn a second payment
    # of a settled invoice (another desk was quicker) into credit.
    with pytest.raises(BusinessRuleError, match="already paid"):
        desk.pay(st, 50000, invoice=inv, allow_credit=True)

    assert desk.invoice_state(st, inv) == (50000, 0, InvoiceStatus.PAID)
    assert desk.balance(st) == 0
    assert desk.payment_count(st) == 1


def test_a_cancelled_invoice_is_refused(desk: Desk, kit: SchoolKit) -> None:
    st = kit.student()
    inv = kit.invoice(st, 50000, cancelled=True)

    with pytest.raises(BusinessRuleError, match="cancelled"):
        desk.pay(st, 50000, invoice=inv)
    with pytest.raises(BusinessRuleError, match="cancelled"):
        desk.pay(st, 50000, invoice=inv, allow_credit=True)

    assert desk.invoice_state(st, inv) == (0, 0, InvoiceStatus.CANCELLED)
    assert desk.balance(st) == 0
    assert desk.payment_count(st) == 0


def test_unknown_invoice_is_not_found(desk: Desk, kit: SchoolKit) -> None:
    st = kit.student()
    kit.invoice(st, 50000)

    with pytest.raises(NotFound, match="no invoice"):
        desk.pay(st, 50000, invoice_no=f"{kit.prefix}NO-SUCH-INVOICE")

    assert desk.balance(st) == 50000


def test_unknown_student_is_not_found(desk: Desk, kit: SchoolKit) -> None:
    st = kit.student()

    with pytest.raises(NotFound, match="no student"):
        desk.pay(st, 50000, student_no=f"{kit.prefix}NO-SUCH-STUDENT", allow_credit=True)

    assert desk.balance(st) == 0


def test_an_invoice_of_another_school_is_not_found(
    desk: Desk, kit: SchoolKit, engine: Engine
) -> None:
    st = kit.student()
    elsewhere = other_school(engine)
    their_student = elsewhere.student()
    their_invoice = elsewhere.invoice(their_student, 50000)

    with pytest.raises(NotFound):
        desk.pay(st, 50000, invoice=their_invoice)

    assert assert_balance_consistent(desk.uow, their_student) == 50000


@pytest.mark.parametrize(
    ("method", "amount", "message"),
    [
        ("cheque", 1000, "unknown payment method"),
        ("bank", 0, "more than zero"),
        ("bank", -500, "more than zero"),
    ],
)
def test_malformed_payment_is_refused_as_invalid_input(
    desk: Desk, kit: SchoolKit, method: str, amount: int, message: str
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 50000)

    with pytest.raises(InvalidInput, match=message):
        desk.pay(st, amount, invoice=inv, method=method)

    assert desk.invoice_state(st, inv) == (0, 50000, InvoiceStatus.OPEN)


def test_naming_both_invoice_and_student_is_refused(desk: Desk, kit: SchoolKit) -> None:
    st = kit.student()
    inv = kit.invoice(st, 50000)

    with pytest.raises(InvalidInput, match="either"):
        desk.pay(st, 50000, invoice=inv, by_student=True)

    assert desk.balance(st) == 50000


# --- methods and cash rounding -----------------------------------------------------------------


@pytest.mark.parametrize("method", ["bank", "mobilepay"])
def test_bank_and_mobilepay_are_exact_without_rounding(
    desk: Desk, kit: SchoolKit, method: str
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 85025)

    r = desk.pay(st, 85025, invoice=inv, method=method)

    assert r.method == method
    assert (r.amount_minor, r.rounding_minor) == (85025, 0)
    assert (r.cash_total_minor, r.tendered_minor, r.change_minor) == (None, None, None)
    assert desk.invoice_state(st, inv) == (85025, 0, InvoiceStatus.PAID)
    assert desk.balance(st) == 0


@pytest.mark.parametrize("method", ["bank", "mobilepay"])
def test_an_amount_tendered_is_refused_for_bank_and_mobilepay(
    desk: Desk, kit: SchoolKit, method: str
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 85025)

    with pytest.raises(InvalidInput, match="only makes sense for cash"):
        desk.pay(st, 85025, invoice=inv, method=method, tendered_minor=100000)

    assert desk.invoice_state(st, inv) == (0, 85025, InvoiceStatus.OPEN)
    assert desk.payment_count(st) == 0


def test_a_card_terminal_payment_is_exact_and_keeps_the_terminal_receipt_number(
    desk: Desk, kit: SchoolKit, uow: SqlAlchemyUnitOfWork
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 85025)

    r = desk.pay(st, 85025, invoice=inv, method="card", reference="004711")

    assert r.method == "card"
    assert (r.amount_minor, r.rounding_minor) == (85025, 0)
    assert (r.cash_total_minor, r.tendered_minor, r.change_minor) == (None, None, None)
    assert desk.invoice_state(st, inv) == (85025, 0, InvoiceStatus.PAID)
    with uow:
        payment = uow.payments.get(r.payment_id)
        assert payment is not None
        assert (payment.method, payment.reference) == ("card", "004711")


@pytest.mark.parametrize("reference", [None, "", "   "])
def test_a_card_terminal_payment_without_its_receipt_number_is_refused_and_nothing_stored(
    desk: Desk, kit: SchoolKit, reference: str | None
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 45000)

    with pytest.raises(InvalidInput, match="terminal's receipt number"):
        desk.pay(st, 45000, invoice=inv, method="card", reference=reference)

    assert desk.invoice_state(st, inv) == (0, 45000, InvoiceStatus.OPEN)
    assert desk.payment_count(st) == 0


def test_an_amount_tendered_is_refused_for_a_card_terminal_payment(
    desk: Desk, kit: SchoolKit
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 45000)

    with pytest.raises(InvalidInput, match="only makes sense for cash"):
        desk.pay(st, 45000, invoice=inv, method="card", reference="004711", tendered_minor=50000)

    assert desk.payment_count(st) == 0


def test_cash_total_is_rounded_up_and_the_invoice_settled_exactly(
    desk: Desk, kit: SchoolKit, uow: SqlAlchemyUnitOfWork
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 85025)

    r = desk.pay(st, 85025, invoice=inv, method="cash", tendered_minor=100000)

    assert (r.cash_total_minor, r.rounding_minor) == (85050, 25)
    assert (r.tendered_minor, r.change_minor) == (100000, 14950)
    assert desk.invoice_state(st, inv) == (85025, 0, InvoiceStatus.PAID)
    assert desk.balance(st) == 0
    (shown,) = student_view(uow, kit.school, st.student_no).payments
    assert shown.payment.amount_minor == 85025
    assert (shown.payment.cash_total_minor, shown.payment.rounding_minor) == (85050, 25)
    with uow:
        receipt = uow.receipts.get(kit.school.id, r.receipt_no or 0)
    assert receipt is not None
    assert receipt.body.rounding_minor == 25
    assert receipt.body.cash_total_minor == 85050
    assert (receipt.body.tendered_minor, receipt.body.change_minor) == (100000, 14950)


def test_cash_total_is_rounded_down_and_the_invoice_settled_exactly(
    desk: Desk, kit: SchoolKit
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 85020)

    r = desk.pay(st, 85020, invoice=inv, method="cash", tendered_minor=100000)

    assert (r.cash_total_minor, r.rounding_minor) == (85000, -20)
    assert (r.tendered_minor, r.change_minor) == (100000, 15000)
    assert desk.invoice_state(st, inv) == (85020, 0, InvoiceStatus.PAID)
    assert desk.balance(st) == 0


def test_cash_without_an_amount_tendered_means_the_exact_cash_total(
    desk: Desk, kit: SchoolKit
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 85025)

    r = desk.pay(st, 85025, invoice=inv, method="cash")

    assert (r.cash_total_minor, r.tendered_minor, r.change_minor) == (85050, 85050, 0)


def test_handing_over_the_rounded_down_cash_total_is_enough(desk: Desk, kit: SchoolKit) -> None:
    st = kit.student()
    inv = kit.invoice(st, 85020)

    r = desk.pay(st, 85020, invoice=inv, method="cash", tendered_minor=85000)

    assert r.change_minor == 0
    assert desk.invoice_state(st, inv) == (85020, 0, InvoiceStatus.PAID)


def test_tendered_less_than_the_cash_total_is_refused(desk: Desk, kit: SchoolKit) -> None:
    st = kit.student()
    inv = kit.invoice(st, 85025)

    with pytest.raises(InvalidInput, match="less than the cash total"):
        desk.pay(st, 85025, invoice=inv, method="cash", tendered_minor=85000)

    assert desk.invoice_state(st, inv) == (0, 85025, InvoiceStatus.OPEN)
    assert desk.payment_count(st) == 0


@pytest.mark.parametrize("tendered", [100010, 100025, 85051])
def test_tendered_that_is_not_a_multiple_of_fifty_ore_is_refused(
    desk: Desk, kit: SchoolKit, tendered: int
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 85025)

    with pytest.raises(InvalidInput, match="multiple of"):
        desk.pay(st, 85025, invoice=inv, method="cash", tendered_minor=tendered)

    assert desk.invoice_state(st, inv) == (0, 85025, InvoiceStatus.OPEN)
    assert desk.payment_count(st) == 0


# --- idempotency -----------------------------------------------------------------------------


def test_the_same_key_twice_records_one_payment(desk: Desk, kit: SchoolKit) -> None:
    st = kit.student()
    inv = kit.invoice(st, 85025)
    key = new_id()

    first = desk.pay(st, 85025, invoice=inv, method="cash", tendered_minor=100000, key=key)
    again = desk.pay(st, 85025, invoice=inv, method="cash", tendered_minor=100000, key=key)

    assert not first.replayed
    assert again.replayed
    assert again.payment_id == first.payment_id == key
    assert again.receipt_no == first.receipt_no == 1
    assert again.allocations == first.allocations
    assert (again.rounding_minor, again.change_minor) == (25, 14950)
    assert again.balance_minor == first.balance_minor == 0
    assert desk.payment_count(st) == 1
    assert desk.invoice_state(st, inv) == (85025, 0, InvoiceStatus.PAID)


def test_the_same_key_in_another_spelling_is_the_same_payment(desk: Desk, kit: SchoolKit) -> None:
    st = kit.student()
    inv = kit.invoice(st, 40000)
    key = uuid.uuid4()

    first = desk.pay(st, 20000, invoice=inv, key=str(key))
    again = desk.pay(st, 20000, invoice=inv, key=str(key).upper())

    assert again.replayed
    assert again.payment_id == first.payment_id
    assert desk.balance(st) == 20000
    assert desk.payment_count(st) == 1


def test_a_replay_is_not_refused_after_the_invoice_got_paid(desk: Desk, kit: SchoolKit) -> None:
    st = kit.student()
    inv = kit.invoice(st, 40000)
    key = new_id()

    first = desk.pay(st, 40000, invoice=inv, key=key)
    # The invoice is paid now; a retry of the same request must still answer, not refuse.
    again = desk.pay(st, 40000, invoice=inv, key=key)

    assert again.replayed
    assert again.receipt_no == first.receipt_no
    assert desk.payment_count(st) == 1


@pytest.mark.parametrize(
    ("amount", "method"),
    [(20001, "bank"), (20000, "mobilepay")],
)
def test_the_same_key_for_a_different_payment_is_refused(
    desk: Desk, kit: SchoolKit, amount: int, method: str
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 40000)
    key = new_id()
    desk.pay(st, 20000, invoice=inv, key=key)

    with pytest.raises(IdempotencyMismatch):
        desk.pay(st, amount, invoice=inv, method=method, key=key)

    assert desk.invoice_state(st, inv) == (20000, 20000, InvoiceStatus.PARTIALLY_PAID)
    assert desk.balance(st) == 20000
    assert desk.payment_count(st) == 1


def test_a_key_that_is_not_a_uuid_is_refused(desk: Desk, kit: SchoolKit) -> None:
    st = kit.student()
    inv = kit.invoice(st, 40000)

    with pytest.raises(InvalidInput, match="UUID"):
        desk.pay(st, 20000, invoice=inv, key="payment-1")

    assert desk.payment_count(st) == 0


# --- receipt numbers ---------------------------------------------------------------------------


def test_receipt_numbers_run_without_gaps_past_refused_payments(
    desk: Desk, kit: SchoolKit, uow: SqlAlchemyUnitOfWork
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 100000)
    cancelled = kit.invoice(st, 5000, cancelled=True)
    key = new_id()

    numbers = [desk.pay(st, 10000, invoice=inv, key=key).receipt_no]
    with pytest.raises(BusinessRuleError):
        desk.pay(st, 100000, invoice=inv)
    with pytest.raises(BusinessRuleError):
        desk.pay(st, 5000, invoice=cancelled)
    with pytest.raises(NotFound):
        desk.pay(st, 5000, invoice_no=f"{kit.prefix}missing")
    with pytest.raises(InvalidInput):
        desk.pay(st, 5025, invoice=inv, method="cash", tendered_minor=5000)
    with pytest.raises(IdempotencyMismatch):
        desk.pay(st, 999, invoice=inv, key=key)
    numbers.append(desk.pay(st, 10000, invoice=inv).receipt_no)
    assert desk.pay(st, 10000, invoice=inv, key=key).replayed
    numbers.append(desk.pay(st, 5025, invoice=inv, method="cash").receipt_no)
    numbers.append(desk.pay(st, 100, by_student=True, method="mobilepay").receipt_no)

    assert numbers == [1, 2, 3, 4]
    with uow:
        stored = [uow.receipts.get(kit.school.id, n) for n in range(1, 6)]
    assert [r.receipt_no for r in stored if r is not None] == [1, 2, 3, 4]
    assert stored[4] is None
    assert desk.balance(st) == 100000 - 10000 - 10000 - 5025 - 100


def test_two_schools_have_independent_receipt_series(
    desk: Desk, kit: SchoolKit, engine: Engine, uow: SqlAlchemyUnitOfWork
) -> None:
    elsewhere = other_school(engine)
    there = Desk(uow, elsewhere)
    st_here = kit.student()
    st_there = elsewhere.student()
    inv_here = kit.invoice(st_here, 100000)
    inv_there = elsewhere.invoice(st_there, 100000)

    seen = [
        ("here", desk.pay(st_here, 1000, invoice=inv_here).receipt_no),
        ("there", there.pay(st_there, 1000, invoice=inv_there).receipt_no),
        ("there", there.pay(st_there, 1000, invoice=inv_there).receipt_no),
        ("here", desk.pay(st_here, 1000, invoice=inv_here).receipt_no),
        ("there", there.pay(st_there, 1000, invoice=inv_there).receipt_no),
    ]

    assert seen == [("here", 1), ("there", 1), ("there", 2), ("here", 2), ("there", 3)]
    with uow:
        here_1 = uow.receipts.get(kit.school.id, 1)
        there_1 = uow.receipts.get(elsewhere.school.id, 1)
    assert here_1 is not None
    assert there_1 is not None
    assert here_1.body.school_name == "Østerbro Køreskole"
    assert there_1.body.school_name == "Vesterbro Trafikskole"


def test_the_receipt_carries_what_a_danish_receipt_needs(
    desk: Desk, kit: SchoolKit, uow: SqlAlchemyUnitOfWork
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 85025, text="Køretime 45 min")

    r = desk.pay(st, 85025, invoice=inv, method="cash", tendered_minor=100000)

    with uow:
        receipt = uow.receipts.get(kit.school.id, r.receipt_no or 0)
    assert receipt is not None
    body = receipt.body
    assert receipt.kind == body.kind == "payment"
    assert receipt.payment_id == r.payment_id
    assert (body.school_name, body.school_cvr) == ("Østerbro Køreskole", "12345678")
    assert body.school_address == "Østerbrogade 1, 2100 København Ø"
    assert (body.student_no, body.student_name) == (st.student_no, "Søren Jensen")
    assert body.method == "cash"
    assert body.amount_minor == 85025
    assert [(ln.text, ln.amount_minor) for ln in body.lines] == [
        (f"{inv.invoice_no} Køretime 45 min", 85025)
    ]
    assert (body.staff, body.desk) == ("mette", "desk-2")
    assert receipt.copies_printed == 0


# --- audit ---------------------------------------------------------------------------------


def test_every_payment_writes_an_audit_row_with_before_and_after(
    desk: Desk, kit: SchoolKit, uow: SqlAlchemyUnitOfWork
) -> None:
    st = kit.student()
    d = local_today(kit)
    a = kit.invoice(st, 30000, due=d + dt.timedelta(days=1))
    b = kit.invoice(st, 50000, due=d + dt.timedelta(days=2))
    desk.pay(st, 10000, invoice=a)

    r = desk.pay(st, 40000, by_student=True, method="cash", tendered_minor=50000)

    with uow:
        entries = uow.audit.for_entity("payment", r.payment_id)
    assert len(entries) == 1
    (entry,) = entries
    assert entry.action == "payment.registered"
    assert entry.school_id == kit.school.id
    assert entry.actor == ACTOR
    assert entry.before == {
        "balance_minor": 70000,
        "invoices": {a.invoice_no: 10000, b.invoice_no: 0},
    }
    assert entry.after is not None
    assert entry.after["balance_minor"] == 30000
    assert entry.after["amount_minor"] == 40000
    assert entry.after["method"] == "cash"
    assert entry.after["allocations"] == {a.invoice_no: 20000, b.invoice_no: 20000}
    assert entry.after["credit_minor"] == 0
    assert entry.after["receipt_no"] == r.receipt_no == 2


def test_a_replayed_or_refused_payment_writes_no_audit_row(
    desk: Desk, kit: SchoolKit, uow: SqlAlchemyUnitOfWork
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 30000)
    key = new_id()
    refused_key = new_id()
    desk.pay(st, 10000, invoice=inv, key=key)
    desk.pay(st, 10000, invoice=inv, key=key)
    with pytest.raises(BusinessRuleError):
        desk.pay(st, 90000, invoice=inv, key=refused_key)

    with uow:
        assert len(uow.audit.for_entity("payment", key)) == 1
        assert uow.audit.for_entity("payment", refused_key) == []
