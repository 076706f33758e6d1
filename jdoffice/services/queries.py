"""Read-side use cases: search, the student view, receipts, the day report."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

from jdoffice.domain.errors import InvalidInput, NotFound
from jdoffice.domain.integrity import Inconsistency
from jdoffice.domain.model import (
    Actor,
    AuditEntry,
    Invoice,
    Payment,
    Receipt,
    Refund,
    RefundStatus,
    School,
    Student,
)
from jdoffice.services.integrity import student_problems
from jdoffice.services.payments import retrying, utcnow
from jdoffice.services.ports import UnitOfWork

# Search and the school a command works for live on their own (``jdoffice search`` loads
# them without the rest); they are read from here as well.
from jdoffice.services.student_search import MAX_SEARCH_LIMIT as MAX_SEARCH_LIMIT
from jdoffice.services.student_search import resolve_school as resolve_school
from jdoffice.services.student_search import search_students as search_students


@dataclass(frozen=True, slots=True)
class PaymentView:
    payment: Payment
    refunds: tuple[Refund, ...] = ()


@dataclass(frozen=True, slots=True)
class StudentView:
    """Attributes:
    balance_minor: recomputed from the rows (docs/architecture.md, "Invariants"), never the
        cached figure alone: a cached balance someone changed by hand is not shown as right.
    problems: inconsistencies in the database that touch this student (a cached balance that
        does not recompute, money in another currency, rows of another school); the desk
        shows a warning while there are any (``jdoffice db check`` lists them).
    """

    student: Student
    balance_minor: int
    currency: str
    today: dt.date
    invoices: tuple[Invoice, ...]
    payments: tuple[PaymentView, ...]
    problems: tuple[Inconsistency, ...] = ()


def student_view(
    uow: UnitOfWork, school: School, student_no: str, now: dt.datetime | None = None
) -> StudentView:
    """Everything the desk shows about one student: invoices, payments, balance."""
    today = school.local_date(now or utcnow())
    with uow:
        student = uow.students.get_by_no(school.id, student_no.strip())
        if student is None:
            raise NotFound(f"no student {student_no!r} at {school.name}")
        invoices = uow.invoices.for_student(student.id)
        payments = uow.payments.for_student(student.id)
        refunds = uow.payments.refunds_for_student(student.id)
        balance = uow.balances.recompute(student.id)
        problems = student_problems(uow, student.id)
    by_payment: dict[str, list[Refund]] = {}
    for r in refunds:
        by_payment.setdefault(r.payment_id, []).append(r)
    return StudentView(
        student=student,
        balance_minor=balance,
        currency=school.currency,
        today=today,
        invoices=tuple(sorted(invoices, key=lambda i: (i.due_date, i.id))),
        payments=tuple(
            PaymentView(p, tuple(by_payment.get(p.id, ())))
            for p in sorted(payments, key=lambda p: p.created_at, reverse=True)
        ),
        problems=problems,
    )


def get_receipt(
    uow: UnitOfWork,
    school: School,
    receipt_no: int,
    *,
    copy: bool,
    actor: Actor,
    now: dt.datetime | None = None,
) -> Receipt:
    """Fetch a receipt; printing a copy is counted and audited."""
    if receipt_no < 1:
        raise InvalidInput("receipt numbers start at 1")
    when = now or utcnow()

    def attempt() -> Receipt:
        with uow.write() if copy else uow:
            receipt = uow.receipts.get(school.id, receipt_no)
            if receipt is None:
                raise NotFound(f"no receipt {receipt_no} at {school.name}")
            receipt = with_refunds(uow, receipt)
            if copy:
                copies = uow.receipts.mark_copy_printed(school.id, receipt_no, when)
                uow.audit.add(
                    AuditEntry(
                        school_id=school.id,
                        action="receipt.copy_printed",
                        entity="receipt",
                        entity_id=str(receipt_no),
                        actor=actor,
                        at=when,
                        before={"copies_printed": copies - 1},
                        after={"copies_printed": copies},
                    )
                )
                uow.commit()
                return dataclasses.replace(receipt, copies_printed=copies)
            return receipt

    return retrying(attempt)


def with_refunds(uow: UnitOfWork, receipt: Receipt) -> Receipt:
    """A payment's receipt with the numbers of the refunds issued on it since (``extra``
    ``refunded_by``, e.g. ``"131, 135"``), so its KOPI says it was refunded and where; the
    stored body stays as it was issued."""
    if receipt.kind != "payment" or not receipt.payment_id:
        return receipt
    numbers = sorted(
        r.receipt_no
        for r in uow.payments.refunds_for_payment(receipt.payment_id)
        if r.status is RefundStatus.SUCCEEDED and r.receipt_no is not None
    )
    if not numbers:
        return receipt
    extra = {**receipt.body.extra, "refunded_by": ", ".join(str(n) for n in numbers)}
    return dataclasses.replace(receipt, body=dataclasses.replace(receipt.body, extra=extra))


@dataclass(frozen=True, slots=True)
class DayEntry:
    """One payment or refund of the day as the bookkeeper needs it: who paid (the student
    number), for what (the invoice numbers), how, and on which receipt. A refund's amounts
    are negative."""

    at: dt.datetime
    kind: str
    id: str
    method: str
    amount_minor: int
    rounding_minor: int
    receipt_no: int | None
    desk: str
    staff: str
    student_no: str
    invoice_nos: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DayReport:
    date: dt.date
    currency: str
    totals: dict[str, int]
    payments_count: dict[str, int]
    rounding_minor: int
    refunds_minor: int
    refunds_by_method: dict[str, int]
    receipts: int
    cash_in_drawer_minor: int
    rows: tuple[tuple[str, ...], ...] = field(default=())
    #: The same payments and refunds as ``rows``, in the same order, with the student and
    #: invoice numbers.
    entries: tuple[DayEntry, ...] = field(default=())


def day_report(
    uow: UnitOfWork, school: School, day: dt.date | None = None, now: dt.datetime | None = None
) -> DayReport:
    """Totals per method for the school's local ``day``: what came in, rounding, refunds.

    ``cash_in_drawer_minor`` is what the cash drawer should have gained: cash totals taken in
    (rounded) minus cash paid back.
    """
    day = day or school.local_date(now or utcnow())
    start, end = school.day_bounds(day)
    with uow:
        payments = uow.payments.between(school.id, start, end)
        refunds = uow.payments.refunds_between(school.id, start, end)
        receipts = uow.receipts.count_between(school.id, start, end)
        paid_method = {r.payment_id: "" for r in refunds}
        for pid in paid_method:
            p = uow.payments.get(pid)
            paid_method[pid] = p.method if p else "?"
        allocations = {
            pid: uow.payments.allocations(pid)
            for pid in dict.fromkeys([p.id for p in payments] + [r.payment_id for r in refunds])
        }
        student_nos: dict[int, str] = {}
        for sid in {p.student_id for p in payments} | {r.student_id for r in refunds}:
            st = uow.students.get(sid)
            student_nos[sid] = st.student_no if st else ""

    def invoice_nos(payment_id: str, refund_id: str | None) -> tuple[str, ...]:
        rows = [a for a in allocations.get(payment_id, []) if a.refund_id == refund_id]
        if not rows and refund_id is not None:
            # A refund that moved no allocation (paid back from credit): the payment's invoices.
            rows = [a for a in allocations.get(payment_id, []) if a.refund_id is None]
        return tuple(dict.fromkeys(a.invoice_no for a in rows if a.invoice_no))

    totals: dict[str, int] = {}
    counts: dict[str, int] = {}
    rounding = 0
    cash_in = 0
    rows: list[tuple[str, ...]] = []
    entries: list[DayEntry] = []
    tz = school.tz
    for p in payments:
        # Money in another currency is not the school's kroner: `jdoffice db check` lists it.
        if p.status.value != "succeeded" or p.currency != school.currency:
            continue
        totals[p.method] = totals.get(p.method, 0) + p.amount_minor
        counts[p.method] = counts.get(p.method, 0) + 1
        rounding += p.rounding_minor
        if p.cash_total_minor is not None:
            cash_in += p.cash_total_minor
        rows.append(
            (
                p.created_at.astimezone(tz).isoformat(timespec="seconds"),
                "payment",
                p.id,
                p.method,
                str(p.amount_minor),
                str(p.rounding_minor),
                str(p.receipt_no or ""),
                p.desk,
                p.staff,
            )
        )
        entries.append(
            DayEntry(
                at=p.created_at.astimezone(tz),
                kind="payment",
                id=p.id,
                method=p.method,
                amount_minor=p.amount_minor,
                rounding_minor=p.rounding_minor,
                receipt_no=p.receipt_no,
                desk=p.desk,
                staff=p.staff,
                student_no=student_nos.get(p.student_id, ""),
                invoice_nos=invoice_nos(p.id, None),
            )
        )
    refunds_total = 0
    by_method: dict[str, int] = {}
    for r in refunds:
        if r.status is not RefundStatus.SUCCEEDED or r.currency != school.currency:
            continue
        refunds_total += r.amount_minor
        method = paid_method.get(r.payment_id, "?")
        by_method[method] = by_method.get(method, 0) + r.amount_minor
        rounding -= r.rounding_minor
        if r.cash_total_minor is not None:
            cash_in -= r.cash_total_minor
        rows.append(
            (
                r.created_at.astimezone(tz).isoformat(timespec="seconds"),
                "refund",
                r.id,
                method,
                str(-r.amount_minor),
                str(-r.rounding_minor),
                str(r.receipt_no or ""),
                r.desk,
                r.staff,
            )
        )
        entries.append(
            DayEntry(
                at=r.created_at.astimezone(tz),
                kind="refund",
                id=r.id,
                method=method,
                amount_minor=-r.amount_minor,
                rounding_minor=-r.rounding_minor,
                receipt_no=r.receipt_no,
                desk=r.desk,
                staff=r.staff,
                student_no=student_nos.get(r.student_id, ""),
                invoice_nos=invoice_nos(r.payment_id, r.id),
            )
        )
    rows.sort()
    entries.sort(key=lambda e: (e.at.isoformat(timespec="seconds"), e.kind, e.id))
    return DayReport(
        date=day,
        currency=school.currency,
        totals=totals,
        payments_count=counts,
        rounding_minor=rounding,
        refunds_minor=refunds_total,
        refunds_by_method=by_method,
        receipts=receipts,
        cash_in_drawer_minor=cash_in,
        rows=tuple(rows),
        entries=tuple(entries),
    )


def recompute_balance(uow: UnitOfWork, student_id: int) -> tuple[int, int]:
    """Return ``(cached, recomputed)`` balance of a student; they must always be equal."""
    with uow:
        return uow.balances.get(student_id), uow.balances.recompute(student_id)


def get_invoice(uow: UnitOfWork, school: School, invoice_no: str) -> Invoice:
    """One invoice by its number."""
    with uow:
        invoice = uow.invoices.get_by_no(school.id, invoice_no.strip())
    if invoice is None:
        raise NotFound(f"no invoice {invoice_no!r} at {school.name}")
    return invoice


@dataclass(frozen=True, slots=True)
class PaymentDetail:
    """One payment with its refunds: what a refund screen shows before anything is done."""

    payment: Payment
    refunds: tuple[Refund, ...]
    pending_refunds_minor: int
    student_no: str
    student_name: str

    @property
    def refundable_minor(self) -> int:
        """What may still be refunded: refunds that are pending count as spent."""
        return max(0, self.payment.refundable_minor - self.pending_refunds_minor)


def payment_detail(uow: UnitOfWork, school: School, payment_id: str) -> PaymentDetail:
    """A payment of this school with its refunds and its student."""
    with uow:
        payment = uow.payments.get(payment_id.strip())
        if payment is None or payment.school_id != school.id:
            raise NotFound(f"no payment {payment_id} at {school.name}")
        refunds = uow.payments.refunds_for_payment(payment.id)
        pending = uow.payments.pending_refunds_minor(payment.id)
        student = uow.students.get(payment.student_id)
    return PaymentDetail(
        payment=payment,
        refunds=tuple(sorted(refunds, key=lambda r: r.created_at)),
        pending_refunds_minor=pending,
        student_no=student.student_no if student else "",
        student_name=student.name if student else "",
    )
