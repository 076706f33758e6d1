"""A desk that takes payments and refunds for one test school, checking balances as it goes.

Every payment or refund it makes, accepted or refused, is followed by a check that the
student's cached balance equals the balance recomputed from the rows (DESIGN.md §3).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine

from jdoffice.adapters.db import make_engine
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.model import UTC, Actor, Invoice, InvoiceStatus, Student
from jdoffice.services.payments import PaymentResult, RefundResult, refund_payment, register_payment
from jdoffice.services.queries import recompute_balance, student_view
from tests.conftest import SchoolKit, new_kit

ACTOR = Actor(staff="mette", desk="desk-2")


def one_connection(engine: Engine) -> Engine:
    """An engine of its own on ``engine``'s database with a pool of one connection: what
    happens to that connection (ended by the server, left in a pipeline) is what the next
    unit of work gets. The caller disposes of it."""
    return make_engine(
        engine.url.render_as_string(hide_password=False), pool_size=1, max_overflow=0
    )


def assert_balance_consistent(uow: SqlAlchemyUnitOfWork, student: Student) -> int:
    """The cached balance equals the one recomputed from the rows; returns it."""
    cached, recomputed = recompute_balance(uow, student.id)
    assert cached == recomputed, f"cached balance {cached} != recomputed {recomputed}"
    return cached


def local_today(kit: SchoolKit) -> dt.date:
    return kit.school.local_date(dt.datetime.now(UTC))


def other_school(engine: Engine, name: str = "Vesterbro Trafikskole") -> SchoolKit:
    """Another school in the same database, with its own receipt series."""
    return new_kit(engine, name)


@dataclass
class Desk:
    """Takes payments and refunds for one school as ``ACTOR``."""

    uow: SqlAlchemyUnitOfWork
    kit: SchoolKit

    def pay(
        self,
        student: Student,
        amount_minor: int,
        *,
        method: str = "bank",
        invoice: Invoice | None = None,
        by_student: bool = False,
        invoice_no: str | None = None,
        student_no: str | None = None,
        tendered_minor: int | None = None,
        reference: str | None = None,
        key: str | None = None,
        allow_credit: bool = False,
        now: dt.datetime | None = None,
    ) -> PaymentResult:
        if invoice is not None:
            invoice_no = invoice.invoice_no
        if by_student:
            student_no = student.student_no
        try:
            return register_payment(
                self.uow,
                self.kit.school,
                method=method,
                amount_minor=amount_minor,
                invoice_no=invoice_no,
                student_no=student_no,
                tendered_minor=tendered_minor,
                reference=reference,
                key=key,
                allow_credit=allow_credit,
                actor=ACTOR,
                now=now,
            )
        finally:
            assert_balance_consistent(self.uow, student)

    def refund(
        self,
        student: Student,
        payment_id: str,
        amount_minor: int | None = None,
        *,
        reason: str = "Holdet blev aflyst",
        key: str | None = None,
        now: dt.datetime | None = None,
    ) -> RefundResult:
        try:
            return refund_payment(
                self.uow,
                self.kit.school,
                payment_id=payment_id,
                amount_minor=amount_minor,
                reason=reason,
                actor=ACTOR,
                key=key,
                now=now,
            )
        finally:
            assert_balance_consistent(self.uow, student)

    def invoice_state(self, student: Student, invoice: Invoice) -> tuple[int, int, InvoiceStatus]:
        """``(paid, outstanding, status)`` of an invoice as the desk shows it."""
        view = student_view(self.uow, self.kit.school, student.student_no)
        (shown,) = [i for i in view.invoices if i.id == invoice.id]
        return shown.paid_minor, shown.outstanding_minor, shown.status(view.today)

    def balance(self, student: Student) -> int:
        """The balance the desk shows, checked against its recomputation."""
        view = student_view(self.uow, self.kit.school, student.student_no)
        assert view.balance_minor == assert_balance_consistent(self.uow, student)
        return view.balance_minor

    def payment_count(self, student: Student) -> int:
        return len(student_view(self.uow, self.kit.school, student.student_no).payments)

    def refunded(self, student: Student, payment_id: str) -> tuple[int, list[int]]:
        """``(refunded total on the payment, amounts of its refund rows)``."""
        view = student_view(self.uow, self.kit.school, student.student_no)
        (shown,) = [p for p in view.payments if p.payment.id == payment_id]
        return shown.payment.refunded_minor, [r.amount_minor for r in shown.refunds]
