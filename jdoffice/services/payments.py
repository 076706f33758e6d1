"""Use cases that move money: register a manual payment, refund it.

A payment staff take at the desk is checked once, before anything is written
(:func:`check_payment`, which also works out the cash arithmetic), and the checked
:class:`PaymentRequest` is what is recorded (:func:`record_payment`) or, while the shared
database cannot be reached, queued by the offline desk.

There is one path for a payment to become real (:func:`register_payment`): it locks the
student and the invoices, re-reads what is owed, allocates, takes the next receipt number,
writes the payment, its allocations, the receipt and an audit row, and updates the cached
balance — all in one transaction. The idempotency key is the payment's id: the same key twice
is one payment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from jdoffice.domain.errors import (
    BusinessRuleError,
    IdempotencyMismatch,
    InvalidInput,
    NotFound,
)
from jdoffice.domain.model import (
    UTC,
    Actor,
    Allocation,
    AuditEntry,
    Invoice,
    Payment,
    PaymentStatus,
    Receipt,
    ReceiptBody,
    ReceiptLine,
    Refund,
    RefundStatus,
    School,
    Student,
    fingerprint,
    normalize_key,
    plan_allocation,
    plan_refund_reversal,
)
from jdoffice.domain.money import CashSettlement, cash_round, format_money, settle_cash
from jdoffice.domain.notification import NotificationKind
from jdoffice.domain.text import refuse_unsafe
from jdoffice.services.counter_methods import counter_method, is_counter_method
from jdoffice.services.notifications import queue_confirmation
from jdoffice.services.ports import DuplicateKey, TransientConflict, UnitOfWork
from jdoffice.services.school import receipt_details, receipt_extra

T = TypeVar("T")

MAX_REFERENCE = 200
MAX_REASON = 500


def utcnow() -> dt.datetime:
    return dt.datetime.now(UTC)


def retrying(fn: Callable[[], T], attempts: int = 5) -> T:
    """Run ``fn`` again when the database reports a deadlock or serialization failure.

    Each attempt opens its own transaction, so a retry re-reads everything it decides on.
    """
    for attempt in range(attempts):
        try:
            return fn()
        except TransientConflict:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    """A cash, bank or MobilePay payment as staff asked for it, checked: everything needed to
    record it now or later exactly as :func:`register_payment` would have recorded it then.

    ``cash`` is the cash arithmetic worked out by :func:`check_payment` (None for the other
    methods, and for a request read back from the outbox, where it is worked out again)."""

    payment_id: str
    school_slug: str
    method: str
    amount_minor: int
    invoice_no: str | None
    student_no: str | None
    tendered_minor: int | None
    reference: str
    allow_credit: bool
    cash: CashSettlement | None = field(default=None, compare=False)

    def fingerprint(self) -> str:
        """The digest stored with the payment, so the payment id stays one payment whichever
        way it reaches the shared database."""
        return fingerprint(
            {
                "school": self.school_slug,
                "method": self.method,
                "amount_minor": self.amount_minor,
                "invoice_no": self.invoice_no,
                "student_no": self.student_no,
                "tendered_minor": self.tendered_minor,
                "reference": self.reference,
                "allow_credit": self.allow_credit,
            }
        )

    def settlement(self, currency: str) -> CashSettlement | None:
        """The cash arithmetic: as checked, or worked out now for a request from the outbox."""
        if not counter_method(self.method).cash:
            return None
        return self.cash or settle_cash(self.amount_minor, self.tendered_minor, currency)


@dataclass(frozen=True, slots=True)
class PaymentResult:
    payment_id: str
    receipt_no: int | None
    student_no: str
    method: str
    amount_minor: int
    currency: str
    allocations: tuple[tuple[str, int], ...]
    credit_minor: int
    tendered_minor: int | None
    change_minor: int | None
    rounding_minor: int
    cash_total_minor: int | None
    balance_minor: int
    replayed: bool = False
    #: What the receipt prints, read in the transaction that recorded (or found) the payment.
    receipt: ReceiptBody | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class RefundResult:
    refund_id: str
    payment_id: str
    amount_minor: int
    currency: str
    status: str
    receipt_no: int | None
    cash_total_minor: int | None
    rounding_minor: int
    balance_minor: int
    replayed: bool = False


def receipt_header(uow: UnitOfWork, school: School) -> School:
    """The school as its receipts print it now: name, address and CVR are read again in the
    transaction that issues the receipt, so a header changed at another desk (or after this
    desk opened) is on the very next receipt."""
    return uow.schools.get(school.id) or school


def clean_text(value: str | None, what: str, limit: int) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise InvalidInput(f"{what} is too long ({len(text)} characters, at most {limit})")
    # Control characters, DEL, C1 and bidi controls would reach terminals, receipts and
    # CSV files as they are: refused, not stored (issue 10).
    return refuse_unsafe(text, what)


def check_payment(
    school: School,
    *,
    method: str,
    amount_minor: int,
    invoice_no: str | None = None,
    student_no: str | None = None,
    tendered_minor: int | None = None,
    reference: str | None = None,
    key: str | None = None,
    allow_credit: bool = False,
) -> PaymentRequest:
    """Check a desk payment before anything is written: the one place it is checked, for
    the shared database and the offline outbox alike.

    Raises:
        InvalidInput: an unknown method, neither or both of invoice and student, an amount
            that is not more than zero, a tendered amount for anything but cash, a missing
            or unsafe reference, a malformed key, cash arithmetic that does not add up.
    """
    m = counter_method(method)
    if (invoice_no is None) == (student_no is None):
        raise InvalidInput("give either an invoice number or a student number")
    if not isinstance(amount_minor, int) or amount_minor <= 0:
        raise InvalidInput("amount must be more than zero")
    if tendered_minor is not None and not m.cash:
        raise InvalidInput("an amount tendered only makes sense for cash")
    ref = clean_text(reference, "reference", MAX_REFERENCE)
    m.check_reference(ref)
    payment_id = normalize_key(key)
    cash = None
    if m.cash:
        cash = settle_cash(amount_minor, tendered_minor, school.currency)
    return PaymentRequest(
        payment_id=payment_id,
        school_slug=school.slug,
        method=m.name,
        amount_minor=amount_minor,
        invoice_no=invoice_no,
        student_no=student_no,
        tendered_minor=tendered_minor,
        reference=ref,
        allow_credit=allow_credit,
        cash=cash,
    )


def register_payment(
    uow: UnitOfWork,
    school: School,
    *,
    method: str,
    amount_minor: int,
    invoice_no: str | None = None,
    student_no: str | None = None,
    tendered_minor: int | None = None,
    reference: str | None = None,
    key: str | None = None,
    allow_credit: bool = False,
    actor: Actor,
    now: dt.datetime | None = None,
) -> PaymentResult:
    """Register a cash, bank or MobilePay payment that staff took at the desk: checked by
    :func:`check_payment`, recorded by :func:`record_payment`.

    Raises:
        InvalidInput: malformed input (nothing written).
        NotFound: unknown invoice or student.
        BusinessRuleError: already paid, cancelled, more than owed without credit allowed.
        IdempotencyMismatch: the key was used for a different payment.
        Unavailable: the database cannot be reached.
    """
    request = check_payment(
        school,
        method=method,
        amount_minor=amount_minor,
        invoice_no=invoice_no,
        student_no=student_no,
        tendered_minor=tendered_minor,
        reference=reference,
        key=key,
        allow_credit=allow_credit,
    )
    return record_payment(uow, school, request, actor=actor, now=now)


def record_payment(
    uow: UnitOfWork,
    school: School,
    request: PaymentRequest,
    *,
    actor: Actor,
    now: dt.datetime | None = None,
) -> PaymentResult:
    """Record a payment :func:`check_payment` checked, in one writing unit of work: a payment
    with the same id is a replay; otherwise the student and invoices are locked, what is owed
    is re-read, and :func:`apply_payment` writes it. Nothing is checked a second time.

    Raises:
        NotFound: unknown invoice or student.
        BusinessRuleError: already paid, cancelled, more than owed without credit allowed.
        IdempotencyMismatch: the key was used for a different payment.
        Unavailable: the database cannot be reached.
    """
    fp = request.fingerprint()
    when = now or utcnow()

    def attempt() -> PaymentResult:
        try:
            with uow.write():
                existing = uow.payments.get(request.payment_id)
                if existing is not None:
                    return _replay(uow, school, existing, fp)
                result = _register(uow, school, request, fp=fp, actor=actor, now=when)
                uow.commit()
                return result
        except DuplicateKey:
            # Another desk inserted the same key between our read and our insert.
            with uow:
                existing = uow.payments.get(request.payment_id)
                if existing is None:
                    raise
                return _replay(uow, school, existing, fp)

    return retrying(attempt)


def _replay(uow: UnitOfWork, school: School, existing: Payment, fp: str) -> PaymentResult:
    if existing.school_id != school.id:
        # Another school's payment: say nothing about it (method, amount, student).
        raise IdempotencyMismatch(f"key {existing.id} is already in use; use a new key")
    if existing.fingerprint != fp:
        raise IdempotencyMismatch(
            f"key {existing.id} was already used for a different payment "
            f"({existing.method}, {format_money(existing.amount_minor, existing.currency)})"
        )
    student = uow.students.get(existing.student_id)
    receipt = (
        uow.receipts.get(school.id, existing.receipt_no)
        if existing.receipt_no is not None
        else None
    )
    allocations = uow.payments.allocations(existing.id)
    forward = [a for a in allocations if a.refund_id is None]
    allocated = sum(a.amount_minor for a in forward)
    return PaymentResult(
        payment_id=existing.id,
        receipt_no=existing.receipt_no,
        student_no=student.student_no if student else "",
        method=existing.method,
        amount_minor=existing.amount_minor,
        currency=existing.currency,
        allocations=tuple((a.invoice_no, a.amount_minor) for a in forward),
        credit_minor=existing.amount_minor - allocated,
        tendered_minor=existing.tendered_minor,
        change_minor=existing.change_minor,
        rounding_minor=existing.rounding_minor,
        cash_total_minor=existing.cash_total_minor,
        balance_minor=uow.balances.get(existing.student_id),
        replayed=True,
        receipt=receipt.body if receipt else None,
    )


def _resolve_target(
    uow: UnitOfWork, school: School, invoice_no: str | None, student_no: str | None
) -> tuple[Student, Invoice | None]:
    if invoice_no is not None:
        invoice = uow.invoices.get_by_no(school.id, invoice_no.strip())
        if invoice is None:
            raise NotFound(f"no invoice {invoice_no!r} at {school.name}")
        student = uow.students.get(invoice.student_id)
        if student is None:  # pragma: no cover - foreign key guarantees it
            raise NotFound(f"invoice {invoice_no!r} has no student")
        return student, invoice
    assert student_no is not None
    found = uow.students.get_by_no(school.id, student_no.strip())
    if found is None:
        raise NotFound(f"no student {student_no!r} at {school.name}")
    return found, None


def _register(
    uow: UnitOfWork,
    school: School,
    request: PaymentRequest,
    *,
    fp: str,
    actor: Actor,
    now: dt.datetime,
) -> PaymentResult:
    student, invoice = _resolve_target(uow, school, request.invoice_no, request.student_no)
    # Lock order everywhere: student, then invoices (by id), then the receipt counter.
    uow.students.lock(student.id)
    if invoice is not None:
        candidates = uow.invoices.lock([invoice.id])
    else:
        candidates = uow.invoices.lock_for_student(student.id)
    for inv in candidates:
        if inv.currency != school.currency:
            raise BusinessRuleError(
                f"invoice {inv.invoice_no} is in {inv.currency}, the desk takes {school.currency}"
            )
        if invoice is not None and inv.cancelled:
            raise BusinessRuleError(f"invoice {inv.invoice_no} is cancelled")
        if invoice is not None and inv.outstanding_minor == 0:
            # Even with a credit allowed: money for an invoice another desk has just settled
            # would otherwise be recorded a second time, as credit
            # (docs/architecture.md, "The shared database and the desks").
            raise BusinessRuleError(f"invoice {inv.invoice_no} is already paid")
    return apply_payment(
        uow,
        school,
        student,
        candidates,
        payment_id=request.payment_id,
        method=request.method,
        amount_minor=request.amount_minor,
        allow_credit=request.allow_credit,
        cash=request.settlement(school.currency),
        reference=request.reference,
        fp=fp,
        actor=actor,
        now=now,
    )


def apply_payment(
    uow: UnitOfWork,
    school: School,
    student: Student,
    candidates: Sequence[Invoice],
    *,
    payment_id: str,
    method: str,
    amount_minor: int,
    allow_credit: bool,
    cash: CashSettlement | None,
    reference: str,
    fp: str,
    actor: Actor,
    now: dt.datetime,
    provider_ref: str | None = None,
    audit_extra: Mapping[str, object] | None = None,
) -> PaymentResult:
    """The one path that turns money received into a payment: allocation, receipt number,
    payment and allocation rows, invoices, balance, receipt and audit row.

    The caller holds the student lock and passes ``candidates`` locked and re-read.
    """
    plan = plan_allocation(amount_minor, candidates, allow_credit=allow_credit)
    receipt_no = uow.receipts.next_number(school.id, now)
    payment = Payment(
        id=payment_id,
        school_id=school.id,
        student_id=student.id,
        method=method,
        amount_minor=amount_minor,
        currency=school.currency,
        status=PaymentStatus.SUCCEEDED,
        refunded_minor=0,
        receipt_no=receipt_no,
        created_at=now,
        rounding_minor=cash.rounding_minor if cash else 0,
        cash_total_minor=cash.cash_total_minor if cash else None,
        tendered_minor=cash.tendered_minor if cash else None,
        change_minor=cash.change_minor if cash else None,
        reference=reference,
        desk=actor.desk,
        staff=actor.staff,
        fingerprint=fp,
        provider_ref=provider_ref,
    )
    allocations = [
        Allocation(payment_id, inv.id, amt, None, inv.invoice_no) for inv, amt in plan.allocations
    ]
    uow.payments.add(payment, allocations)
    for inv, amt in plan.allocations:
        uow.invoices.add_paid(inv.id, amt, now)
    balance = uow.balances.add(student.id, school.id, -amount_minor, now)

    lines = [ReceiptLine(f"{inv.invoice_no} {inv.text}", amt) for inv, amt in plan.allocations]
    header = receipt_header(uow, school)
    body = ReceiptBody(
        kind="payment",
        receipt_no=receipt_no,
        issued_at=now,
        school_name=header.name,
        school_address=header.address,
        school_cvr=header.cvr,
        timezone=school.timezone,
        student_no=student.student_no,
        student_name=student.name,
        method=method,
        currency=school.currency,
        amount_minor=amount_minor,
        lines=tuple(lines),
        credit_minor=plan.credit_minor,
        rounding_minor=payment.rounding_minor,
        cash_total_minor=payment.cash_total_minor,
        tendered_minor=payment.tendered_minor,
        change_minor=payment.change_minor,
        reference=reference,
        payment_id=payment_id,
        staff=actor.staff,
        desk=actor.desk,
        extra=receipt_extra(header, receipt_details(uow, school)),
    )
    uow.receipts.add(Receipt(school.id, receipt_no, "payment", now, body, 0, payment_id=payment_id))
    uow.audit.add(
        AuditEntry(
            school_id=school.id,
            action="payment.registered",
            entity="payment",
            entity_id=payment_id,
            actor=actor,
            at=now,
            before={
                "balance_minor": balance + amount_minor,
                "invoices": {inv.invoice_no: inv.paid_minor for inv, _ in plan.allocations},
            },
            after={
                "method": method,
                "amount_minor": amount_minor,
                "student_no": student.student_no,
                "allocations": {inv.invoice_no: amt for inv, amt in plan.allocations},
                "credit_minor": plan.credit_minor,
                "rounding_minor": payment.rounding_minor,
                "receipt_no": receipt_no,
                "balance_minor": balance,
                "provider_ref": provider_ref,
                **(audit_extra or {}),
            },
        )
    )
    # In this transaction: the confirmation is queued if and only if the payment is recorded.
    queue_confirmation(
        uow,
        school,
        student,
        kind=NotificationKind.PAYMENT,
        ref=payment_id,
        receipt_no=receipt_no,
        amount_minor=amount_minor,
        currency=school.currency,
        now=now,
    )
    return PaymentResult(
        payment_id=payment_id,
        receipt_no=receipt_no,
        student_no=student.student_no,
        method=method,
        amount_minor=amount_minor,
        currency=school.currency,
        allocations=tuple((inv.invoice_no, amt) for inv, amt in plan.allocations),
        credit_minor=plan.credit_minor,
        tendered_minor=payment.tendered_minor,
        change_minor=payment.change_minor,
        rounding_minor=payment.rounding_minor,
        cash_total_minor=payment.cash_total_minor,
        balance_minor=balance,
        receipt=body,
    )


# --- refunds ---------------------------------------------------------------------------------


def refund_payment(
    uow: UnitOfWork,
    school: School,
    *,
    payment_id: str,
    amount_minor: int | None,
    reason: str,
    actor: Actor,
    key: str | None = None,
    now: dt.datetime | None = None,
) -> RefundResult:
    """Refund all or part of a manual payment. A refund is its own row; the payment is never
    edited beyond its running ``refunded`` total.

    Raises:
        InvalidInput: no reason, malformed id or amount.
        NotFound: unknown payment.
        BusinessRuleError: more than what is left to refund, or not a manual payment.
    """
    text = clean_text(reason, "reason", MAX_REASON)
    if not text:
        raise InvalidInput("a reason is required for a refund")
    try:
        pid = normalize_key(payment_id) if payment_id.strip() else ""
    except InvalidInput:
        raise InvalidInput(f"not a payment id: {payment_id!r}") from None
    if not pid:
        raise InvalidInput("payment id is empty")
    if amount_minor is not None and (not isinstance(amount_minor, int) or amount_minor <= 0):
        raise InvalidInput("refund amount must be more than zero")
    refund_id = normalize_key(key)
    fp = fingerprint(
        {"payment_id": pid, "amount_minor": amount_minor, "reason": text, "school": school.slug}
    )
    when = now or utcnow()

    def attempt() -> RefundResult:
        with uow.write():
            existing = uow.payments.get_refund(refund_id)
            if existing is not None:
                if existing.school_id != school.id or existing.fingerprint != fp:
                    raise IdempotencyMismatch(f"key {refund_id} was used for another refund")
                return _refund_result(uow, existing, replayed=True)
            result = _refund(uow, school, pid, refund_id, amount_minor, text, actor, when, fp)
            uow.commit()
            return result

    return retrying(attempt)


def _refund_result(uow: UnitOfWork, refund: Refund, *, replayed: bool) -> RefundResult:
    return RefundResult(
        refund_id=refund.id,
        payment_id=refund.payment_id,
        amount_minor=refund.amount_minor,
        currency=refund.currency,
        status=refund.status.value,
        receipt_no=refund.receipt_no,
        cash_total_minor=refund.cash_total_minor,
        rounding_minor=refund.rounding_minor,
        balance_minor=uow.balances.get(refund.student_id),
        replayed=replayed,
    )


def _refund(
    uow: UnitOfWork,
    school: School,
    pid: str,
    refund_id: str,
    amount_minor: int | None,
    reason: str,
    actor: Actor,
    now: dt.datetime,
    fp: str,
) -> RefundResult:
    found = uow.payments.get(pid)
    if found is None or found.school_id != school.id:
        raise NotFound(f"no payment {pid} at {school.name}")
    if not is_counter_method(found.method):
        raise BusinessRuleError(
            f"payment {pid} was made through {found.method}; refund it through that gateway"
        )
    uow.students.lock(found.student_id)
    payment = uow.payments.lock(pid)
    assert payment is not None
    refund = pending_refund(
        uow,
        payment,
        refund_id=refund_id,
        amount_minor=amount_minor,
        reason=reason,
        actor=actor,
        now=now,
        fp=fp,
        gateway=None,
    )
    uow.payments.add_refund(refund, [])
    settle_refund(uow, school, payment, refund, actor, now)
    refund = uow.payments.get_refund(refund_id) or refund
    return _refund_result(uow, refund, replayed=False)


def pending_refund(
    uow: UnitOfWork,
    payment: Payment,
    *,
    refund_id: str,
    amount_minor: int | None,
    reason: str,
    actor: Actor,
    now: dt.datetime,
    fp: str,
    gateway: str | None,
) -> Refund:
    """A new pending refund of ``payment`` (re-read under lock), checked against what is left.

    What is left counts pending refunds as spent, so two refunds racing at the provider can
    never exceed the payment. ``amount_minor=None`` refunds all that is left. A cash refund
    is paid out rounded to the smallest coin; the rounding is stored on the refund.
    """
    pid = payment.id
    if payment.status is not PaymentStatus.SUCCEEDED:
        raise BusinessRuleError(f"payment {pid} is {payment.status.value}; nothing to refund")
    left = payment.amount_minor - payment.refunded_minor - uow.payments.pending_refunds_minor(pid)
    if left <= 0:
        raise BusinessRuleError(f"payment {pid} is already fully refunded")
    amount = left if amount_minor is None else amount_minor
    if amount > left:
        raise BusinessRuleError(
            f"refund of {format_money(amount, payment.currency)} is more than what is left "
            f"to refund ({format_money(left, payment.currency)})"
        )
    cash_total = None
    rounding = 0
    if is_counter_method(payment.method) and counter_method(payment.method).cash:
        cash_total = cash_round(amount, payment.currency)
        rounding = cash_total - amount
    return Refund(
        id=refund_id,
        payment_id=pid,
        school_id=payment.school_id,
        student_id=payment.student_id,
        amount_minor=amount,
        currency=payment.currency,
        reason=reason,
        status=RefundStatus.PENDING,
        receipt_no=None,
        created_at=now,
        rounding_minor=rounding,
        cash_total_minor=cash_total,
        desk=actor.desk,
        staff=actor.staff,
        fingerprint=fp,
        gateway=gateway,
    )


def _net_allocations(
    uow: UnitOfWork, payment_id: str
) -> tuple[list[tuple[int, int]], dict[int, str]]:
    """``(invoice_id, net amount)`` in the order the payment applied them, and invoice numbers."""
    net: dict[int, int] = {}
    numbers: dict[int, str] = {}
    for a in uow.payments.allocations(payment_id):
        net[a.invoice_id] = net.get(a.invoice_id, 0) + a.amount_minor
        numbers[a.invoice_id] = a.invoice_no
    return list(net.items()), numbers


def settle_refund(
    uow: UnitOfWork,
    school: School,
    payment: Payment,
    refund: Refund,
    actor: Actor,
    now: dt.datetime,
) -> int:
    """The one path that makes a pending refund succeed: it reopens the invoices the money
    came back from, raises the payment's refunded total and the balance, and issues the refund
    receipt. The caller holds the student lock and has re-read ``payment`` under lock.

    Returns the new balance.
    """
    left = payment.amount_minor - payment.refunded_minor
    if refund.amount_minor > left:
        raise BusinessRuleError(
            f"refund of {format_money(refund.amount_minor, payment.currency)} is more than what "
            f"is left to refund ({format_money(left, payment.currency)})"
        )
    ordered, numbers = _net_allocations(uow, payment.id)
    reversals_plan = plan_refund_reversal(refund.amount_minor, left, ordered)
    if reversals_plan:
        uow.invoices.lock([inv_id for inv_id, _ in reversals_plan])
    receipt_no = uow.receipts.next_number(school.id, now)
    uow.payments.add_allocations(
        [
            Allocation(payment.id, inv_id, -amt, refund.id, numbers[inv_id])
            for inv_id, amt in reversals_plan
        ],
        now,
    )
    uow.payments.update_refund(
        refund.id, now, status=RefundStatus.SUCCEEDED.value, receipt_no=receipt_no, error=None
    )
    uow.payments.add_refunded(payment.id, refund.amount_minor, now)
    for inv_id, amt in reversals_plan:
        uow.invoices.add_paid(inv_id, -amt, now)
    balance = uow.balances.add(payment.student_id, school.id, refund.amount_minor, now)

    student = uow.students.get(payment.student_id)
    assert student is not None
    header = receipt_header(uow, school)
    body = ReceiptBody(
        kind="refund",
        receipt_no=receipt_no,
        issued_at=now,
        school_name=header.name,
        school_address=header.address,
        school_cvr=header.cvr,
        timezone=school.timezone,
        student_no=student.student_no,
        student_name=student.name,
        method=payment.method,
        currency=payment.currency,
        amount_minor=refund.amount_minor,
        lines=tuple(ReceiptLine(f"{numbers[i]} (refusion)", a) for i, a in reversals_plan),
        rounding_minor=refund.rounding_minor,
        cash_total_minor=refund.cash_total_minor,
        reason=refund.reason,
        original_receipt_no=payment.receipt_no,
        payment_id=payment.id,
        staff=actor.staff,
        desk=actor.desk,
        extra=receipt_extra(header, receipt_details(uow, school)),
    )
    uow.receipts.add(Receipt(school.id, receipt_no, "refund", now, body, 0, payment.id, refund.id))
    uow.audit.add(
        AuditEntry(
            school_id=school.id,
            action="refund.registered",
            entity="payment",
            entity_id=payment.id,
            actor=actor,
            at=now,
            before={
                "refunded_minor": payment.refunded_minor,
                "balance_minor": balance - refund.amount_minor,
            },
            after={
                "refund_id": refund.id,
                "amount_minor": refund.amount_minor,
                "refunded_minor": payment.refunded_minor + refund.amount_minor,
                "reason": refund.reason,
                "reopened": {numbers[i]: a for i, a in reversals_plan},
                "receipt_no": receipt_no,
                "balance_minor": balance,
                "provider_ref": refund.provider_ref,
            },
        )
    )
    queue_confirmation(
        uow,
        school,
        student,
        kind=NotificationKind.REFUND,
        ref=refund.id,
        receipt_no=receipt_no,
        amount_minor=refund.amount_minor,
        currency=payment.currency,
        now=now,
    )
    return balance


def revert_refund(
    uow: UnitOfWork,
    school: School,
    payment: Payment,
    refund: Refund,
    actor: Actor,
    now: dt.datetime,
    error: str,
) -> int:
    """A refund that had succeeded failed afterwards (the provider could not pay it out): the
    money is back with the school, so the invoices it reopened are settled again and the
    balance goes back down. History stays: new allocation rows, the refund marked failed."""
    back = [a for a in uow.payments.allocations(payment.id) if a.refund_id == refund.id]
    net: dict[int, int] = {}
    numbers: dict[int, str] = {}
    for a in back:
        net[a.invoice_id] = net.get(a.invoice_id, 0) + a.amount_minor
        numbers[a.invoice_id] = a.invoice_no
    redo = [(i, -n) for i, n in net.items() if n < 0]
    if redo:
        uow.invoices.lock([i for i, _ in redo])
    uow.payments.add_allocations(
        [Allocation(payment.id, i, amt, refund.id, numbers[i]) for i, amt in redo], now
    )
    for i, amt in redo:
        uow.invoices.add_paid(i, amt, now)
    uow.payments.add_refunded(payment.id, -refund.amount_minor, now)
    uow.payments.update_refund(refund.id, now, status=RefundStatus.FAILED.value, error=error[:500])
    balance = uow.balances.add(payment.student_id, school.id, -refund.amount_minor, now)
    uow.audit.add(
        AuditEntry(
            school_id=school.id,
            action="refund.reverted",
            entity="payment",
            entity_id=payment.id,
            actor=actor,
            at=now,
            before={"refund_status": "succeeded", "balance_minor": balance + refund.amount_minor},
            after={
                "refund_id": refund.id,
                "refund_status": "failed",
                "error": error[:500],
                "settled_again": {numbers[i]: a for i, a in redo},
                "balance_minor": balance,
            },
        )
    )
    return balance
