"""Any sequence of desk payments and refunds keeps the books consistent, on every backend.

Each example makes a fresh school with two students and a few invoices, then runs random
payments (method, amount, by invoice or by student, credit allowed or not, cash tendered) and
refunds (full or partial). After every step:

* each student's cached balance equals its recomputation from the rows;
* an invoice is never paid beyond its amount (credit is not allocated), and the sum of its
  allocation rows is its ``paid_minor``;
* a payment is never refunded beyond its amount, its refund rows add up to its refunded total,
  and what it still has allocated lies between zero and what was not refunded;
* the balance is what the invoices still owe minus the credit the payments left;
* receipt numbers are 1..n without gaps.

A step the services refuse (a business rule or invalid input) must leave every row unchanged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from jdoffice.adapters import db
from jdoffice.adapters.orm import (
    AllocationRow,
    AuditRow,
    BalanceRow,
    InvoiceRow,
    PaymentRow,
    ReceiptCounterRow,
    ReceiptRow,
    RefundRow,
)
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.errors import BusinessRuleError, InvalidInput
from jdoffice.domain.model import UTC, Invoice, Student, new_id
from jdoffice.domain.money import cash_round
from jdoffice.services.payments import PaymentResult, RefundResult
from tests import conftest
from tests.integration.helpers import Desk, assert_balance_consistent, other_school

METHODS = ("cash", "bank", "mobilepay")


@pytest.fixture(scope="module")
def prop_engine(database: conftest.TestDatabase) -> Iterator[Engine]:
    """An engine on the migrated test database, shared by every example of the module."""
    engine = db.make_engine(database.url)
    try:
        yield engine
    finally:
        engine.dispose()


# --- what an example does ------------------------------------------------------------------


@dataclass(frozen=True)
class NewInvoice:
    amount_minor: int
    due_in_days: int
    cancelled: bool


@dataclass(frozen=True)
class Pay:
    student: int
    invoice: int | None  # index into the student's invoices; None pays by student
    method: str
    amount_minor: int
    allow_credit: bool
    tendered: str  # how much cash is handed over: none, exact, more, less, odd


@dataclass(frozen=True)
class Refund:
    payment: int  # index into the payments made so far
    amount_minor: int | None  # None refunds what is left


@dataclass(frozen=True)
class Replay:
    payment: int  # send an earlier payment request again with the same key


Step = Pay | Refund | Replay

amounts = st.one_of(
    st.integers(min_value=1, max_value=60_000),
    st.sampled_from([1, 25, 49, 50, 85_020, 85_025, 100_000]),
    st.integers(min_value=60_001, max_value=250_000),
)

invoices = st.builds(
    NewInvoice,
    amount_minor=st.integers(min_value=1, max_value=100_000),
    due_in_days=st.integers(min_value=-30, max_value=30),
    cancelled=st.sampled_from([False, False, False, False, True]),
)

pays = st.builds(
    Pay,
    student=st.integers(min_value=0, max_value=1),
    invoice=st.none() | st.integers(min_value=0, max_value=3),
    method=st.sampled_from(METHODS),
    amount_minor=amounts,
    allow_credit=st.booleans(),
    tendered=st.sampled_from(["none", "none", "exact", "more", "less", "odd"]),
)

# Payments twice as often as refunds or replays.
steps: st.SearchStrategy[Step] = st.one_of(
    pays,
    pays,
    st.builds(
        Refund,
        payment=st.integers(min_value=0, max_value=20),
        amount_minor=st.one_of(st.none(), st.integers(min_value=1, max_value=20_000), amounts),
    ),
    st.builds(Replay, payment=st.integers(min_value=0, max_value=20)),
)


def tendered_for(step: Pay) -> int | None:
    if step.method != "cash" or step.tendered == "none":
        return None
    total = cash_round(step.amount_minor)
    return {
        "exact": total,
        "more": total + 10_000,
        "less": total - 50,
        "odd": total + 10,
    }[step.tendered]


# --- reading every row of a school -----------------------------------------------------------


def snapshot(uow: SqlAlchemyUnitOfWork, school_id: int) -> dict[str, Any]:
    """Everything money-related a school has, in plain values, to compare before and after."""
    with uow:
        s = uow.session
        return {
            "invoices": {
                r.id: (r.amount_minor, r.paid_minor, r.cancelled_at is not None)
                for r in s.scalars(select(InvoiceRow).where(InvoiceRow.school_id == school_id))
            },
            "payments": {
                r.id: (r.amount_minor, r.refunded_minor, r.status, r.receipt_no)
                for r in s.scalars(select(PaymentRow).where(PaymentRow.school_id == school_id))
            },
            "refunds": {
                r.id: (r.payment_id, r.amount_minor, r.status, r.receipt_no)
                for r in s.scalars(select(RefundRow).where(RefundRow.school_id == school_id))
            },
            "allocations": sorted(
                (r.payment_id, r.invoice_id, r.refund_id or "", r.amount_minor)
                for r in s.scalars(
                    select(AllocationRow)
                    .join(InvoiceRow, InvoiceRow.id == AllocationRow.invoice_id)
                    .where(InvoiceRow.school_id == school_id)
                )
            ),
            "balances": {
                r.student_id: r.balance_minor
                for r in s.scalars(select(BalanceRow).where(BalanceRow.school_id == school_id))
            },
            "receipts": sorted(
                s.scalars(select(ReceiptRow.receipt_no).where(ReceiptRow.school_id == school_id))
            ),
            "receipt_counter": s.scalar(
                select(ReceiptCounterRow.last_no).where(ReceiptCounterRow.school_id == school_id)
            ),
            "audit_rows": s.scalar(
                select(func.count()).select_from(AuditRow).where(AuditRow.school_id == school_id)
            ),
        }


def check_books(uow: SqlAlchemyUnitOfWork, students: list[Student], snap: dict[str, Any]) -> None:
    """The invariants of the module docstring."""
    for student in students:
        assert_balance_consistent(uow, student)

    allocated_to: dict[int, int] = {}
    allocated_from: dict[str, int] = {}
    for payment_id, invoice_id, _, amount in snap["allocations"]:
        allocated_to[invoice_id] = allocated_to.get(invoice_id, 0) + amount
        allocated_from[payment_id] = allocated_from.get(payment_id, 0) + amount
    refunded_rows: dict[str, int] = {}
    for payment_id, amount, status, _ in snap["refunds"].values():
        assert status == "succeeded"
        refunded_rows[payment_id] = refunded_rows.get(payment_id, 0) + amount

    owed = 0
    for invoice_id, (amount, paid, cancelled) in snap["invoices"].items():
        assert 0 <= paid <= amount, f"invoice {invoice_id}: paid {paid} of {amount}"
        assert allocated_to.get(invoice_id, 0) == paid, f"invoice {invoice_id} allocations"
        if cancelled:
            assert paid == 0
        else:
            owed += amount - paid

    credit = 0
    for payment_id, (amount, refunded, status, _) in snap["payments"].items():
        assert status == "succeeded"
        assert 0 <= refunded <= amount, f"payment {payment_id}: refunded {refunded} of {amount}"
        assert refunded_rows.get(payment_id, 0) == refunded
        kept = amount - refunded
        allocated = allocated_from.get(payment_id, 0)
        assert 0 <= allocated <= kept, f"payment {payment_id}: {allocated} allocated of {kept}"
        credit += kept - allocated

    assert sum(snap["balances"].values()) == owed - credit
    assert snap["receipts"] == list(range(1, (snap["receipt_counter"] or 0) + 1))


# --- the property ----------------------------------------------------------------------------


@dataclass
class Books:
    """One example's school and what has happened in it so far."""

    desk: Desk
    students: list[Student]
    invoices: list[list[Invoice]]
    payments: list[tuple[Student, str, Pay]] = field(default_factory=list)

    def run(self, step: Step) -> PaymentResult | RefundResult | None:
        if isinstance(step, Pay):
            return self.pay(step, new_id())
        if not self.payments:
            return None
        student, key, original = self.payments[step.payment % len(self.payments)]
        if isinstance(step, Replay):
            result = self.pay(original, key)
            assert result.replayed
            return result
        return self.desk.refund(
            student, key, step.amount_minor, reason="Tilbagebetaling", key=new_id()
        )

    def pay(self, step: Pay, key: str) -> PaymentResult:
        student = self.students[step.student]
        own = self.invoices[step.student]
        invoice = None if step.invoice is None else own[step.invoice % len(own)]
        result = self.desk.pay(
            student,
            step.amount_minor,
            method=step.method,
            invoice=invoice,
            by_student=invoice is None,
            tendered_minor=tendered_for(step),
            key=key,
            allow_credit=step.allow_credit,
        )
        if not result.replayed:
            self.payments.append((student, key, step))
        return result


@settings(max_examples=50, deadline=None)
@given(
    first_invoices=st.lists(invoices, min_size=1, max_size=3),
    second_invoices=st.lists(invoices, min_size=1, max_size=2),
    # A script opens with a payment, so refunds and replays have something to act on.
    script=st.tuples(pays, st.lists(steps, max_size=9)).map(lambda t: [t[0], *t[1]]),
)
def test_any_sequence_of_payments_and_refunds_keeps_the_books_consistent(
    prop_engine: Engine,
    first_invoices: list[NewInvoice],
    second_invoices: list[NewInvoice],
    script: list[Step],
) -> None:
    kit = other_school(prop_engine, name="Egnsskolen")
    uow = SqlAlchemyUnitOfWork(prop_engine)
    students = [kit.student("Søren", "Jensen"), kit.student("Åse", "Ærø")]
    today = kit.school.local_date(dt.datetime.now(UTC))
    books = Books(
        Desk(uow, kit),
        students,
        [
            [
                kit.invoice(
                    student,
                    inv.amount_minor,
                    due=today + dt.timedelta(days=inv.due_in_days),
                    cancelled=inv.cancelled,
                )
                for inv in wanted
            ]
            for student, wanted in zip(students, (first_invoices, second_invoices), strict=True)
        ],
    )
    before = snapshot(uow, kit.school.id)
    check_books(uow, students, before)

    for step in script:
        try:
            result = books.run(step)
        except (BusinessRuleError, InvalidInput) as refused:
            event(f"refused: {type(step).__name__} ({type(refused).__name__})")
            after = snapshot(uow, kit.school.id)
            assert after == before, f"refused {step} changed the books"
        else:
            after = snapshot(uow, kit.school.id)
            changed = result is not None and not result.replayed
            outcome = "skipped" if result is None else "replayed" if result.replayed else "done"
            event(f"{outcome}: {type(step).__name__}")
            assert (after != before) == changed
            if changed:
                assert after["receipt_counter"] == (before["receipt_counter"] or 0) + 1
        check_books(uow, students, after)
        before = after
