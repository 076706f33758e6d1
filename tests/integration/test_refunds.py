"""Refunding desk payments, in full or in part, on every backend.

After every operation (accepted or refused) each test checks that the student's cached balance
equals the balance recomputed from the rows.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.errors import BusinessRuleError, IdempotencyMismatch, InvalidInput, NotFound
from jdoffice.domain.model import InvoiceStatus, new_id, payment_display_status
from jdoffice.services.queries import student_view
from tests.conftest import SchoolKit
from tests.integration.helpers import ACTOR, Desk, local_today, other_school


@pytest.fixture
def desk(kit: SchoolKit, uow: SqlAlchemyUnitOfWork) -> Desk:
    return Desk(uow, kit)


def display_status(desk: Desk, payment_id: str, student_no: str) -> str:
    view = student_view(desk.uow, desk.kit.school, student_no)
    (shown,) = [p for p in view.payments if p.payment.id == payment_id]
    p = shown.payment
    return payment_display_status(p.status, p.amount_minor, p.refunded_minor)


# --- full and partial refunds --------------------------------------------------------------


def test_full_refund_reopens_the_invoice_and_restores_the_balance(
    desk: Desk, kit: SchoolKit
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 50000)
    p = desk.pay(st, 50000, invoice=inv)

    r = desk.refund(st, p.payment_id)

    assert (r.amount_minor, r.payment_id, r.status) == (50000, p.payment_id, "succeeded")
    assert not r.replayed
    assert r.balance_minor == 50000
    assert desk.invoice_state(st, inv) == (0, 50000, InvoiceStatus.OPEN)
    assert desk.refunded(st, p.payment_id) == (50000, [50000])
    assert display_status(desk, p.payment_id, st.student_no) == "refunded"
    assert desk.balance(st) == 50000


def test_partial_refund_leaves_the_invoice_partially_paid(desk: Desk, kit: SchoolKit) -> None:
    st = kit.student()
    inv = kit.invoice(st, 100000)
    p = desk.pay(st, 100000, invoice=inv)

    r = desk.refund(st, p.payment_id, 30000)

    assert r.amount_minor == 30000
    assert r.balance_minor == 30000
    assert desk.invoice_state(st, inv) == (70000, 30000, InvoiceStatus.PARTIALLY_PAID)
    assert desk.refunded(st, p.payment_id) == (30000, [30000])
    assert display_status(desk, p.payment_id, st.student_no) == "partially_refunded"
    # The payment itself is never edited: it still shows what was paid.
    (shown,) = student_view(desk.uow, kit.school, st.student_no).payments
    assert shown.payment.amount_minor == 100000


def test_refund_of_an_overdue_invoice_makes_it_overdue_again(desk: Desk, kit: SchoolKit) -> None:
    st = kit.student()
    inv = kit.invoice(st, 60000, due=local_today(kit) - dt.timedelta(days=1))
    p = desk.pay(st, 60000, invoice=inv)
    assert desk.invoice_state(st, inv) == (60000, 0, InvoiceStatus.PAID)

    desk.refund(st, p.payment_id, 100)

    assert desk.invoice_state(st, inv) == (59900, 100, InvoiceStatus.OVERDUE)
    assert desk.balance(st) == 100


def test_refund_reopens_the_invoices_a_payment_settled_last_one_first(
    desk: Desk, kit: SchoolKit
) -> None:
    st = kit.student()
    d = local_today(kit)
    first = kit.invoice(st, 30000, due=d + dt.timedelta(days=1))
    second = kit.invoice(st, 20000, due=d + dt.timedelta(days=2))
    p = desk.pay(st, 50000, by_student=True)

    desk.refund(st, p.payment_id, 25000)

    assert desk.invoice_state(st, second) == (0, 20000, InvoiceStatus.OPEN)
    assert desk.invoice_state(st, first) == (25000, 5000, InvoiceStatus.PARTIALLY_PAID)
    assert desk.balance(st) == 25000

    desk.refund(st, p.payment_id)

    assert desk.invoice_state(st, first) == (0, 30000, InvoiceStatus.OPEN)
    assert desk.invoice_state(st, second) == (0, 20000, InvoiceStatus.OPEN)
    assert desk.balance(st) == 50000


def test_refund_only_reopens_what_its_own_payment_paid(desk: Desk, kit: SchoolKit) -> None:
    st = kit.student()
    inv = kit.invoice(st, 50000)
    first = desk.pay(st, 20000, invoice=inv)
    desk.pay(st, 30000, invoice=inv, method="mobilepay")

    desk.refund(st, first.payment_id)

    assert desk.invoice_state(st, inv) == (30000, 20000, InvoiceStatus.PARTIALLY_PAID)
    assert desk.balance(st) == 20000


def test_a_refunded_invoice_can_be_paid_again(desk: Desk, kit: SchoolKit) -> None:
    st = kit.student()
    inv = kit.invoice(st, 50000)
    p = desk.pay(st, 50000, invoice=inv)
    desk.refund(st, p.payment_id, 20000)

    desk.pay(st, 20000, invoice=inv, method="cash")

    assert desk.invoice_state(st, inv) == (50000, 0, InvoiceStatus.PAID)
    assert desk.balance(st) == 0


# --- what is left to refund ----------------------------------------------------------------


def test_refund_larger_than_what_is_left_is_refused(desk: Desk, kit: SchoolKit) -> None:
    st = kit.student()
    inv = kit.invoice(st, 40000)
    p = desk.pay(st, 40000, invoice=inv)

    with pytest.raises(BusinessRuleError, match="more than what is left"):
        desk.refund(st, p.payment_id, 40001)

    assert desk.refunded(st, p.payment_id) == (0, [])
    assert desk.invoice_state(st, inv) == (40000, 0, InvoiceStatus.PAID)
    assert desk.balance(st) == 0


def test_after_refunds_of_100_and_150_kr_exactly_the_rest_can_be_refunded(
    desk: Desk, kit: SchoolKit
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 40000)
    p = desk.pay(st, 40000, invoice=inv)

    desk.refund(st, p.payment_id, 10000)
    desk.refund(st, p.payment_id, 15000)
    with pytest.raises(BusinessRuleError, match="more than what is left"):
        desk.refund(st, p.payment_id, 15001)
    assert desk.refunded(st, p.payment_id) == (25000, [10000, 15000])

    rest = desk.refund(st, p.payment_id)

    assert rest.amount_minor == 15000
    assert desk.refunded(st, p.payment_id) == (40000, [10000, 15000, 15000])
    assert desk.invoice_state(st, inv) == (0, 40000, InvoiceStatus.OPEN)
    assert desk.balance(st) == 40000
    with pytest.raises(BusinessRuleError, match="already fully refunded"):
        desk.refund(st, p.payment_id, 1)
    with pytest.raises(BusinessRuleError, match="already fully refunded"):
        desk.refund(st, p.payment_id)
    assert desk.refunded(st, p.payment_id) == (40000, [10000, 15000, 15000])


@pytest.mark.parametrize("amount", [0, -100])
def test_refund_amount_must_be_more_than_zero(desk: Desk, kit: SchoolKit, amount: int) -> None:
    st = kit.student()
    inv = kit.invoice(st, 40000)
    p = desk.pay(st, 40000, invoice=inv)

    with pytest.raises(InvalidInput, match="more than zero"):
        desk.refund(st, p.payment_id, amount)

    assert desk.refunded(st, p.payment_id) == (0, [])


# --- credit ----------------------------------------------------------------------------------


def test_refund_of_a_payment_that_left_credit_uses_the_credit_first(
    desk: Desk, kit: SchoolKit
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 50000)
    p = desk.pay(st, 80000, invoice=inv, allow_credit=True)
    assert desk.balance(st) == -30000

    r = desk.refund(st, p.payment_id, 20000)

    assert r.balance_minor == -10000
    assert desk.invoice_state(st, inv) == (50000, 0, InvoiceStatus.PAID)

    # 10000 of credit is left; a refund of 20000 takes it and reopens 10000 of the invoice.
    desk.refund(st, p.payment_id, 20000)

    assert desk.invoice_state(st, inv) == (40000, 10000, InvoiceStatus.PARTIALLY_PAID)
    assert desk.balance(st) == 10000


def test_refund_of_exactly_the_credit_leaves_the_invoice_paid(desk: Desk, kit: SchoolKit) -> None:
    st = kit.student()
    inv = kit.invoice(st, 50000)
    p = desk.pay(st, 80000, invoice=inv, allow_credit=True, method="mobilepay")

    desk.refund(st, p.payment_id, 30000)

    assert desk.invoice_state(st, inv) == (50000, 0, InvoiceStatus.PAID)
    assert desk.balance(st) == 0


def test_full_refund_of_a_payment_with_credit_reopens_the_invoice(
    desk: Desk, kit: SchoolKit
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 50000)
    p = desk.pay(st, 80000, invoice=inv, allow_credit=True)

    r = desk.refund(st, p.payment_id)

    assert r.amount_minor == 80000
    assert desk.invoice_state(st, inv) == (0, 50000, InvoiceStatus.OPEN)
    assert desk.balance(st) == 50000


def test_refund_of_a_pure_credit_payment_only_removes_the_credit(
    desk: Desk, kit: SchoolKit
) -> None:
    st = kit.student()
    p = desk.pay(st, 25000, by_student=True, allow_credit=True)

    desk.refund(st, p.payment_id, 5000)
    assert desk.balance(st) == -20000
    desk.refund(st, p.payment_id)
    assert desk.balance(st) == 0


# --- reason ----------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   ", "\t"])
def test_a_refund_without_a_reason_is_refused_and_writes_nothing(
    desk: Desk, kit: SchoolKit, uow: SqlAlchemyUnitOfWork, reason: str
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 40000)
    p = desk.pay(st, 40000, invoice=inv)

    with pytest.raises(InvalidInput, match="reason"):
        desk.refund(st, p.payment_id, 10000, reason=reason)

    assert desk.refunded(st, p.payment_id) == (0, [])
    assert desk.invoice_state(st, inv) == (40000, 0, InvoiceStatus.PAID)
    assert desk.balance(st) == 0
    with uow:
        assert uow.receipts.get(kit.school.id, 2) is None
        assert [e.action for e in uow.audit.for_entity("payment", p.payment_id)] == [
            "payment.registered"
        ]
    # The refused refund consumed no receipt number.
    assert desk.refund(st, p.payment_id, 10000).receipt_no == 2


@pytest.mark.parametrize(
    ("reason", "message"),
    [("x" * 501, "too long"), ("Fejl\x1bi kassen", "control characters")],
)
def test_a_malformed_reason_is_refused(
    desk: Desk, kit: SchoolKit, reason: str, message: str
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 40000)
    p = desk.pay(st, 40000, invoice=inv)

    with pytest.raises(InvalidInput, match=message):
        desk.refund(st, p.payment_id, reason=reason)

    assert desk.refunded(st, p.payment_id) == (0, [])


def test_the_reason_is_stored_trimmed_on_the_refund(desk: Desk, kit: SchoolKit) -> None:
    st = kit.student()
    inv = kit.invoice(st, 40000)
    p = desk.pay(st, 40000, invoice=inv)

    desk.refund(st, p.payment_id, 100, reason="  Dobbeltbetaling  ")

    (shown,) = student_view(desk.uow, kit.school, st.student_no).payments
    assert [r.reason for r in shown.refunds] == ["Dobbeltbetaling"]


# --- cash ------------------------------------------------------------------------------------


def test_full_cash_refund_pays_back_the_rounded_cash_total(desk: Desk, kit: SchoolKit) -> None:
    st = kit.student()
    inv = kit.invoice(st, 85025)
    p = desk.pay(st, 85025, invoice=inv, method="cash")
    assert p.cash_total_minor == 85050

    r = desk.refund(st, p.payment_id)

    assert (r.amount_minor, r.cash_total_minor, r.rounding_minor) == (85025, 85050, 25)
    assert desk.invoice_state(st, inv) == (0, 85025, InvoiceStatus.OPEN)
    assert desk.balance(st) == 85025


def test_partial_cash_refund_is_rounded_down(desk: Desk, kit: SchoolKit) -> None:
    st = kit.student()
    inv = kit.invoice(st, 85025)
    p = desk.pay(st, 85025, invoice=inv, method="cash")

    r = desk.refund(st, p.payment_id, 10020)

    assert (r.amount_minor, r.cash_total_minor, r.rounding_minor) == (10020, 10000, -20)
    # The invoice is reopened by the exact amount; only the cash changing hands is rounded.
    assert desk.invoice_state(st, inv) == (75005, 10020, InvoiceStatus.PARTIALLY_PAID)
    assert desk.balance(st) == 10020


@pytest.mark.parametrize("method", ["bank", "mobilepay"])
def test_bank_and_mobilepay_refunds_are_exact(desk: Desk, kit: SchoolKit, method: str) -> None:
    st = kit.student()
    inv = kit.invoice(st, 85025)
    p = desk.pay(st, 85025, invoice=inv, method=method)

    r = desk.refund(st, p.payment_id, 10020)

    assert (r.amount_minor, r.cash_total_minor, r.rounding_minor) == (10020, None, 0)


# --- receipts and audit ----------------------------------------------------------------------


def test_a_refund_gets_the_next_receipt_number_and_a_refund_receipt(
    desk: Desk, kit: SchoolKit, uow: SqlAlchemyUnitOfWork
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 85025)
    p = desk.pay(st, 85025, invoice=inv, method="cash")
    other = desk.pay(st, 100, by_student=True, allow_credit=True)
    assert (p.receipt_no, other.receipt_no) == (1, 2)

    r = desk.refund(st, p.payment_id, 10020, reason="Aflyst køretime")

    assert r.receipt_no == 3
    with uow:
        receipt = uow.receipts.get(kit.school.id, 3)
        original = uow.receipts.get(kit.school.id, 1)
    assert receipt is not None
    assert original is not None
    assert receipt.kind == "refund"
    assert (receipt.payment_id, receipt.refund_id) == (p.payment_id, r.refund_id)
    body = receipt.body
    assert body.kind == "refund"
    assert body.receipt_no == 3
    assert body.reason == "Aflyst køretime"
    assert body.original_receipt_no == 1
    assert (body.method, body.amount_minor) == ("cash", 10020)
    assert (body.cash_total_minor, body.rounding_minor) == (10000, -20)
    assert [(ln.text, ln.amount_minor) for ln in body.lines] == [
        (f"{inv.invoice_no} (refusion)", 10020)
    ]
    assert (body.school_name, body.school_cvr) == ("Østerbro Køreskole", "12345678")
    assert (body.student_no, body.student_name) == (st.student_no, "Søren Jensen")
    # The original receipt is left as it was printed.
    assert original.kind == "payment"
    assert original.body.amount_minor == 85025


def test_refund_receipts_continue_the_schools_single_series(desk: Desk, kit: SchoolKit) -> None:
    st = kit.student()
    inv = kit.invoice(st, 90000)
    numbers = []
    p = desk.pay(st, 30000, invoice=inv)
    numbers.append(p.receipt_no)
    numbers.append(desk.refund(st, p.payment_id, 1000).receipt_no)
    with pytest.raises(BusinessRuleError):
        desk.refund(st, p.payment_id, 30000)
    numbers.append(desk.pay(st, 30000, invoice=inv).receipt_no)
    numbers.append(desk.refund(st, p.payment_id).receipt_no)

    assert numbers == [1, 2, 3, 4]


def test_a_refund_writes_an_audit_row_with_before_and_after(
    desk: Desk, kit: SchoolKit, uow: SqlAlchemyUnitOfWork
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 40000)
    p = desk.pay(st, 40000, invoice=inv)
    desk.refund(st, p.payment_id, 10000)

    r = desk.refund(st, p.payment_id, 5000, reason="Prøve flyttet")

    with uow:
        entries = uow.audit.for_entity("payment", p.payment_id)
    assert [e.action for e in entries] == [
        "payment.registered",
        "refund.registered",
        "refund.registered",
    ]
    last = entries[-1]
    assert last.actor == ACTOR
    assert last.school_id == kit.school.id
    assert last.before == {"refunded_minor": 10000, "balance_minor": 10000}
    assert last.after is not None
    assert last.after["refund_id"] == r.refund_id
    assert last.after["amount_minor"] == 5000
    assert last.after["refunded_minor"] == 15000
    assert last.after["reason"] == "Prøve flyttet"
    assert last.after["reopened"] == {inv.invoice_no: 5000}
    assert last.after["receipt_no"] == r.receipt_no
    assert last.after["balance_minor"] == 15000


# --- unknown payments ------------------------------------------------------------------------


def test_unknown_payment_id_is_not_found(desk: Desk, kit: SchoolKit) -> None:
    st = kit.student()

    with pytest.raises(NotFound, match="no payment"):
        desk.refund(st, new_id())


@pytest.mark.parametrize("payment_id", ["", "   ", "abc", "12345", "F0001-1"])
def test_malformed_payment_id_is_invalid_input(desk: Desk, kit: SchoolKit, payment_id: str) -> None:
    st = kit.student()

    with pytest.raises(InvalidInput) as caught:
        desk.refund(st, payment_id)

    assert not isinstance(caught.value, NotFound)


def test_a_payment_of_another_school_is_not_found(
    desk: Desk, kit: SchoolKit, engine: Engine, uow: SqlAlchemyUnitOfWork
) -> None:
    elsewhere = other_school(engine)
    there = Desk(uow, elsewhere)
    their_student = elsewhere.student()
    inv = elsewhere.invoice(their_student, 40000)
    p = there.pay(their_student, 40000, invoice=inv)
    st = kit.student()

    with pytest.raises(NotFound):
        desk.refund(st, p.payment_id)

    assert there.refunded(their_student, p.payment_id) == (0, [])
    assert there.balance(their_student) == 0


def test_payment_id_is_accepted_in_upper_case(desk: Desk, kit: SchoolKit) -> None:
    st = kit.student()
    inv = kit.invoice(st, 40000)
    p = desk.pay(st, 40000, invoice=inv)

    r = desk.refund(st, p.payment_id.upper(), 1000)

    assert r.payment_id == p.payment_id


# --- idempotency -----------------------------------------------------------------------------


def test_the_same_refund_key_twice_refunds_once(desk: Desk, kit: SchoolKit) -> None:
    st = kit.student()
    inv = kit.invoice(st, 40000)
    p = desk.pay(st, 40000, invoice=inv, method="cash")
    key = new_id()

    first = desk.refund(st, p.payment_id, 10020, key=key)
    again = desk.refund(st, p.payment_id, 10020, key=key)

    assert not first.replayed
    assert again.replayed
    assert again.refund_id == first.refund_id == key
    assert again.receipt_no == first.receipt_no == 2
    assert (again.amount_minor, again.cash_total_minor, again.rounding_minor) == (
        10020,
        10000,
        -20,
    )
    assert again.balance_minor == first.balance_minor == 10020
    assert desk.refunded(st, p.payment_id) == (10020, [10020])
    assert desk.invoice_state(st, inv) == (29980, 10020, InvoiceStatus.PARTIALLY_PAID)


def test_a_full_refund_replayed_after_it_emptied_the_payment_is_not_refused(
    desk: Desk, kit: SchoolKit
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 40000)
    p = desk.pay(st, 40000, invoice=inv)
    key = new_id()

    first = desk.refund(st, p.payment_id, key=key)
    again = desk.refund(st, p.payment_id, key=key)

    assert again.replayed
    assert again.receipt_no == first.receipt_no
    assert desk.refunded(st, p.payment_id) == (40000, [40000])


@pytest.mark.parametrize(
    ("amount", "reason"),
    [(10001, "Holdet blev aflyst"), (10000, "En anden grund")],
)
def test_the_same_refund_key_for_a_different_refund_is_refused(
    desk: Desk, kit: SchoolKit, amount: int, reason: str
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 40000)
    p = desk.pay(st, 40000, invoice=inv)
    key = new_id()
    desk.refund(st, p.payment_id, 10000, key=key)

    with pytest.raises(IdempotencyMismatch):
        desk.refund(st, p.payment_id, amount, reason=reason, key=key)

    assert desk.refunded(st, p.payment_id) == (10000, [10000])
    assert desk.balance(st) == 10000
