"""Refunds of payments taken at the desk, and the steps every refund shares (provider refunds
too): checking what is left, recording it pending, settling it (money back, invoices reopened,
the credit note), or reverting one the provider refused."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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
    Payment,
    PaymentStatus,
    Receipt,
    ReceiptBody,
    ReceiptLine,
    Refund,
    RefundStatus,
    School,
    fingerprint,
    normalize_key,
    plan_refund_reversal,
)
from jdoffice.domain.money import cash_round, format_money
from jdoffice.domain.notification import NotificationKind
from jdoffice.domain.staff import Action
from jdoffice.services.counter_methods import counter_method, is_counter_method
from jdoffice.services.notification_choices import effective_settings
from jdoffice.services.notifications import queue_confirmation
from jdoffice.services.payment_common import (
    MAX_REASON,
    clean_text,
    receipt_header,
    retrying,
    utcnow,
)
from jdoffice.services.ports import UnitOfWork
from jdoffice.services.school import receipt_details, receipt_extra
from jdoffice.services.shifts import cash_payment_needs_shift
from jdoffice.services.staff import acting, served_by


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

    Refunds need a manager: ``actor`` is a manager's (``StaffMember.actor``) or carries a
    manager's approval (``Authority.actor`` from :func:`jdoffice.services.staff.approve`),
    checked here against the accounts as stored now; the refund row gets the staff id, the
    audit row both ids. A cash refund needs an open shift on ``actor.desk``.

    Raises:
        NotAllowed: nobody signed in (once the school has staff accounts), or a role that
            does not allow refunds without a manager's approval.
        NoOpenShift: a cash refund at a desk with no open shift.
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
            who = acting(uow, school, Action.REFUND, actor)
            result = _refund(uow, school, pid, refund_id, amount_minor, text, who, when, fp)
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
    if actor.staff_id is not None:
        # Before the student lock, as every cash path takes them.
        cash_payment_needs_shift(uow, school, desk=actor.desk, method=found.method)
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
        staff_id=actor.staff_id,
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
    # As for a payment (services.payments.apply_payment): every write to this student's rows
    # and every read first, the school's receipt counter last.
    uow.payments.add_allocations(
        [
            Allocation(payment.id, inv_id, -amt, refund.id, numbers[inv_id])
            for inv_id, amt in reversals_plan
        ],
        now,
    )
    uow.payments.add_refunded(payment.id, refund.amount_minor, now)
    for inv_id, amt in reversals_plan:
        uow.invoices.add_paid(inv_id, -amt, now)
    balance = uow.balances.add(payment.student_id, school.id, refund.amount_minor, now)

    student = uow.students.get(payment.student_id)
    assert student is not None
    header = receipt_header(uow, school)
    staff_name = served_by(uow, school, refund.staff_id, actor.staff)
    extra = receipt_extra(header, receipt_details(uow, school)) | _approval_extra(
        uow, school, actor
    )
    notify = effective_settings(uow, school)

    receipt_no = uow.receipts.next_number(school.id, now)
    uow.payments.update_refund(
        refund.id, now, status=RefundStatus.SUCCEEDED.value, receipt_no=receipt_no, error=None
    )
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
        staff=staff_name,
        desk=actor.desk,
        extra=extra,
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
        settings=notify,
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


def _approval_extra(uow: UnitOfWork, school: School, actor: Actor) -> dict[str, str]:
    """The approving manager's name for the receipt ("Godkendt af"), when a manager approved
    a receptionist's refund."""
    if actor.approver_id is None or actor.approver_id == actor.staff_id:
        return {}
    name = served_by(uow, school, actor.approver_id, "")
    return {"approved_by": name} if name else {}
