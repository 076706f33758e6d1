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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from jdoffice.domain.errors import (
    BusinessRuleError,
    IdempotencyMismatch,
    InvalidInput,
    NotFound,
)
from jdoffice.domain.model import (
    Actor,
    Allocation,
    AuditEntry,
    Invoice,
    Payment,
    PaymentStatus,
    Receipt,
    ReceiptBody,
    ReceiptLine,
    School,
    Student,
    fingerprint,
    normalize_key,
    plan_allocation,
)
from jdoffice.domain.money import CashSettlement, format_money, settle_cash
from jdoffice.domain.notification import NotificationKind
from jdoffice.domain.staff import Action
from jdoffice.services.counter_methods import counter_method
from jdoffice.services.notification_choices import effective_settings
from jdoffice.services.notifications import queue_confirmation
from jdoffice.services.payment_common import MAX_REASON as MAX_REASON
from jdoffice.services.payment_common import MAX_REFERENCE as MAX_REFERENCE
from jdoffice.services.payment_common import clean_text as clean_text
from jdoffice.services.payment_common import receipt_header as receipt_header
from jdoffice.services.payment_common import retrying as retrying
from jdoffice.services.payment_common import utcnow as utcnow
from jdoffice.services.ports import DuplicateKey, TransientConflict, UnitOfWork
from jdoffice.services.school import receipt_details, receipt_extra
from jdoffice.services.shifts import cash_payment_needs_shift
from jdoffice.services.staff import acting, served_by


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

    Who takes it is checked here, against the accounts as stored now
    (:func:`jdoffice.services.staff.acting`): ``actor`` comes from the signed-in
    :class:`~jdoffice.domain.staff.StaffMember` (its ``staff_id`` goes on the payment row and
    the audit row; its name on the receipt). Cash needs an open shift on ``actor.desk``
    (:func:`jdoffice.services.shifts.cash_payment_needs_shift`).

    Raises:
        NotAllowed: nobody signed in (once the school has staff accounts), or a disabled
            account.
        NoOpenShift: cash at a desk with no open shift.
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
                # One indexed probe; the whole row only for a replay (the rare case).
                existing = (
                    uow.payments.get(request.payment_id)
                    if uow.payments.exists(request.payment_id)
                    else None
                )
                if existing is not None:
                    return _replay(uow, school, existing, fp)
                who = acting(uow, school, Action.TAKE_PAYMENT, actor)
                if who.staff_id is not None:
                    # Before the student lock, as every cash path takes them.
                    cash_payment_needs_shift(uow, school, desk=who.desk, method=request.method)
                result = _register(uow, school, request, fp=fp, actor=who, now=when)
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


def _lock_target(
    uow: UnitOfWork, school: School, invoice_no: str | None, student_no: str | None
) -> tuple[Student, Invoice | None, list[Invoice]]:
    """The student (locked, as it is now), the invoice named if any, and the invoices the
    payment may go to, locked and re-read.

    Lock order everywhere: student, then invoices (by id), then the receipt counter. The
    student is found through the invoice number in the same statement that locks it (an
    invoice never changes student); the invoice is then read under its own lock.
    """
    if invoice_no is not None:
        number = invoice_no.strip()
        student = uow.students.lock_by_invoice_no(school.id, number)
        named = uow.invoices.lock_by_no(school.id, number) if student is not None else None
        if student is None or named is None:
            raise NotFound(f"no invoice {invoice_no!r} at {school.name}")
        if named.student_id != student.id:
            # The number went to another student's invoice between the two statements (a
            # system sharing the database renumbered invoices): the student locked is not the
            # invoice's. Start again, so the right student is locked.
            raise TransientConflict(f"invoice {invoice_no!r} changed hands while it was paid")
        return student, named, [named]
    assert student_no is not None
    found = uow.students.lock_by_no(school.id, student_no.strip())
    if found is None:
        raise NotFound(f"no student {student_no!r} at {school.name}")
    return found, None, uow.invoices.lock_for_student(found.id)


def _register(
    uow: UnitOfWork,
    school: School,
    request: PaymentRequest,
    *,
    fp: str,
    actor: Actor,
    now: dt.datetime,
) -> PaymentResult:
    student, invoice, candidates = _lock_target(uow, school, request.invoice_no, request.student_no)
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
    # Everything that does not need the receipt number comes first: the writes to this
    # student's own rows (locked by the caller) and every read. The receipt counter is the one
    # row all desks of the school wait for, so it is taken last and held only for the inserts
    # that carry its number and the commit.
    # The invoices' paid amounts go without waiting, with the balance's change, whose answer
    # is the first one wanted (one round trip where the database allows).
    uow.send_ahead()
    for inv, amt in plan.allocations:
        uow.invoices.add_paid(inv.id, amt, now)
    balance = uow.balances.add(student.id, school.id, -amount_minor, now)
    header = receipt_header(uow, school)
    extra = receipt_extra(header, receipt_details(uow, school))
    staff_name = served_by(uow, school, actor.staff_id, actor.staff)
    notify = effective_settings(uow, school)

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
        staff_id=actor.staff_id,
    )
    allocations = [
        Allocation(payment_id, inv.id, amt, None, inv.invoice_no) for inv, amt in plan.allocations
    ]

    lines = [ReceiptLine(f"{inv.invoice_no} {inv.text}", amt) for inv, amt in plan.allocations]
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
        staff=staff_name,
        desk=actor.desk,
        extra=extra,
    )
    receipt = Receipt(school.id, receipt_no, "payment", now, body, 0, payment_id=payment_id)
    audit = AuditEntry(
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
    # The rows that carry the receipt number go while the counter is held, without waiting
    # for each answer: with the commit, one round trip where the database allows.
    uow.send_ahead()
    uow.payments.add(payment, allocations)
    uow.receipts.add(receipt)
    uow.audit.add(audit)
    # In this transaction: the confirmation is queued if and only if the payment is recorded.
    # The payment's id is new here (a replay was answered before), so nothing is asked first.
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
        settings=notify,
        fresh=True,
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


# Refunds live in their own module; their names stay importable from here.
from jdoffice.services.refunds import (  # noqa: E402
    RefundResult as RefundResult,
)
from jdoffice.services.refunds import (  # noqa: E402
    pending_refund as pending_refund,
)
from jdoffice.services.refunds import (  # noqa: E402
    refund_payment as refund_payment,
)
from jdoffice.services.refunds import (  # noqa: E402
    revert_refund as revert_refund,
)
from jdoffice.services.refunds import (  # noqa: E402
    settle_refund as settle_refund,
)
