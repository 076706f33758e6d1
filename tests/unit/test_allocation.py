"""Allocation of a payment over invoices, and what a refund takes back: pure rules."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jdoffice.domain.errors import BusinessRuleError, InvalidInput
from jdoffice.domain.model import (
    Invoice,
    InvoiceStatus,
    invoice_status,
    plan_allocation,
    plan_refund_reversal,
)

TODAY = dt.date(2026, 11, 27)


def inv(id_: int, amount: int, paid: int = 0, due: int = 0, *, cancelled: bool = False) -> Invoice:
    return Invoice(
        id=id_,
        school_id=1,
        student_id=1,
        invoice_no=f"F{id_}",
        text="Køretime",
        amount_minor=amount,
        paid_minor=paid,
        currency="DKK",
        due_date=TODAY + dt.timedelta(days=due),
        cancelled=cancelled,
    )


def test_payment_goes_to_the_oldest_due_invoice_first() -> None:
    plan = plan_allocation(
        80000, [inv(1, 50000, due=10), inv(2, 50000, due=-5)], allow_credit=False
    )
    assert [(i.invoice_no, a) for i, a in plan.allocations] == [("F2", 50000), ("F1", 30000)]
    assert plan.credit_minor == 0


def test_cancelled_and_settled_invoices_are_skipped() -> None:
    plan = plan_allocation(
        1000,
        [inv(1, 500, cancelled=True), inv(2, 500, paid=500), inv(3, 2000)],
        allow_credit=False,
    )
    assert [(i.invoice_no, a) for i, a in plan.allocations] == [("F3", 1000)]


def test_more_than_owed_is_refused_without_credit() -> None:
    with pytest.raises(BusinessRuleError, match="more than what is owed"):
        plan_allocation(60000, [inv(1, 50000)], allow_credit=False)


def test_more_than_owed_becomes_credit_when_allowed() -> None:
    plan = plan_allocation(60000, [inv(1, 50000)], allow_credit=True)
    assert plan.credit_minor == 10000


def test_paid_and_cancelled_single_invoices_say_so() -> None:
    with pytest.raises(BusinessRuleError, match="already paid"):
        plan_allocation(100, [inv(1, 500, paid=500)], allow_credit=False)
    with pytest.raises(BusinessRuleError, match="cancelled"):
        plan_allocation(100, [inv(1, 500, cancelled=True)], allow_credit=False)


def test_zero_is_not_a_payment() -> None:
    with pytest.raises(InvalidInput):
        plan_allocation(0, [inv(1, 500)], allow_credit=True)


def test_refund_uses_credit_before_reopening_invoices() -> None:
    # 600 paid: 500 to F1, 100 left as credit. Refund 150: 100 from credit, 50 from F1.
    assert plan_refund_reversal(150, 600, [(1, 500)]) == [(1, 50)]
    assert plan_refund_reversal(100, 600, [(1, 500)]) == []


def test_refund_reopens_the_last_paid_invoice_first() -> None:
    assert plan_refund_reversal(700, 1000, [(1, 500), (2, 500)]) == [(2, 500), (1, 200)]


def test_status_reads_as_staff_expect() -> None:
    assert invoice_status(500, 0, False, TODAY, TODAY) is InvoiceStatus.OPEN
    assert invoice_status(500, 100, False, TODAY, TODAY) is InvoiceStatus.PARTIALLY_PAID
    assert invoice_status(500, 100, False, TODAY - dt.timedelta(days=1), TODAY) is (
        InvoiceStatus.OVERDUE
    )
    assert invoice_status(500, 500, False, TODAY - dt.timedelta(days=1), TODAY) is (
        InvoiceStatus.PAID
    )
    assert invoice_status(500, 0, True, TODAY, TODAY) is InvoiceStatus.CANCELLED


amounts = st.integers(min_value=1, max_value=10_000_00)


@given(st.lists(st.tuples(amounts, st.integers(-60, 60)), min_size=1, max_size=8), amounts)
def test_allocation_never_exceeds_what_each_invoice_owes(
    specs: list[tuple[int, int]], pay: int
) -> None:
    invoices = [inv(i + 1, a, due=d) for i, (a, d) in enumerate(specs)]
    plan = plan_allocation(pay, invoices, allow_credit=True)
    assert plan.allocated_minor + plan.credit_minor == pay
    for i, a in plan.allocations:
        assert 0 < a <= i.outstanding_minor
    owed = sum(i.outstanding_minor for i in invoices)
    assert plan.credit_minor == max(pay - owed, 0)


@given(st.lists(amounts, min_size=1, max_size=6), amounts, st.integers(0, 10_000_00))
def test_refund_takes_back_no_more_than_was_allocated(
    allocs: list[int], credit: int, refund: int
) -> None:
    remaining = sum(allocs) + credit
    refund = min(refund, remaining) or 1
    net = [(i + 1, a) for i, a in enumerate(allocs)]
    back = plan_refund_reversal(refund, remaining, net)
    assert sum(a for _, a in back) == max(refund - credit, 0)
    for inv_id, a in back:
        assert a <= dict(net)[inv_id]
