"""Taking a payment into the outbox while the shared database cannot be reached.

The payment is checked against the desk's local copy as the shared database would check it,
given a receipt number from the desk's own offline series (``<desk>-<tag>-O000001``: text, so
it can never be one of the school's integer receipt numbers), and shown in the local copy, so
the desk shows what it took. The outbox row is committed before the receipt is printed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from jdoffice.domain.errors import BusinessRuleError, IdempotencyMismatch, NotFound
from jdoffice.domain.model import (
    Actor,
    Allocation,
    Invoice,
    Payment,
    PaymentStatus,
    ReceiptBody,
    ReceiptLine,
    School,
    Student,
    plan_allocation,
)
from jdoffice.domain.money import format_money
from jdoffice.services.offline_ports import (
    LocalStore,
    Outbox,
    OutboxEntry,
    PaymentRequest,
    QueuedPayment,
    cash_settlement,
)
from jdoffice.services.payments import retrying, utcnow
from jdoffice.services.ports import UnitOfWork
from jdoffice.services.school import ReceiptDetails, receipt_extra
from jdoffice.services.shifts import cash_payment_needs_shift


def queue_payment(
    local: LocalStore,
    school: School,
    request: PaymentRequest,
    *,
    actor: Actor,
    now: dt.datetime | None = None,
) -> QueuedPayment:
    """Take a payment into the outbox, checked against the local copy as the shared database
    would check it, and show it in the local copy. The outbox row is committed (durably)
    before this returns, so the receipt is printed only for a payment that is safe.

    Raises:
        InvalidInput: malformed input, or a student or invoice the local copy does not know.
        BusinessRuleError: already paid, cancelled, or more than owed without credit allowed
            (as far as the local copy knows).
        NoOpenShift: cash from a signed-in member at a desk with no open shift.
        IdempotencyMismatch: the payment id was queued before for a different payment.
    """
    when = now or utcnow()
    fp = request.fingerprint()

    def attempt() -> QueuedPayment:
        uow = local.uow()
        with uow.write():
            box = local.outbox(uow)
            existing = box.get(request.payment_id)
            if existing is not None:
                if existing.fingerprint != fp:
                    raise IdempotencyMismatch(
                        f"key {request.payment_id} was already used for a different payment "
                        f"({existing.request.method}, "
                        f"{format_money(existing.request.amount_minor, existing.currency)})"
                    )
                return _queued(existing, uow.balances.get(existing.student_id), box, True)
            if actor.staff_id is not None:
                # Signed in (from the local copy): cash needs the desk's open shift, opened
                # here or pulled, as on the shared database.
                cash_payment_needs_shift(uow, school, desk=actor.desk, method=request.method)
            student, invoice = _resolve_local(uow, school, request)
            candidates = [invoice] if invoice is not None else uow.invoices.for_student(student.id)
            _check_candidates(school, candidates, targeted=invoice is not None)
            cash = cash_settlement(request, school)
            plan = plan_allocation(
                request.amount_minor, candidates, allow_credit=request.allow_credit
            )
            number = box.next_receipt_no(actor.desk)
            payment = Payment(
                id=request.payment_id,
                school_id=school.id,
                student_id=student.id,
                method=request.method,
                amount_minor=request.amount_minor,
                currency=school.currency,
                status=PaymentStatus.SUCCEEDED,
                refunded_minor=0,
                receipt_no=None,
                created_at=when,
                rounding_minor=cash.rounding_minor if cash else 0,
                cash_total_minor=cash.cash_total_minor if cash else None,
                tendered_minor=cash.tendered_minor if cash else None,
                change_minor=cash.change_minor if cash else None,
                reference=request.reference,
                desk=actor.desk,
                staff=actor.staff,
                fingerprint=fp,
            )
            uow.payments.add(
                payment,
                [
                    Allocation(payment.id, inv.id, amt, None, inv.invoice_no)
                    for inv, amt in plan.allocations
                ],
            )
            for inv, amt in plan.allocations:
                uow.invoices.add_paid(inv.id, amt, when)
            balance = uow.balances.add(student.id, school.id, -request.amount_minor, when)
            entry = OutboxEntry(
                request=request,
                school_id=school.id,
                student_id=student.id,
                student_no=student.student_no,
                student_name=student.name,
                currency=school.currency,
                offline_receipt_no=number,
                taken_at=when,
                actor=actor,
                allocations=tuple((inv.id, inv.invoice_no, amt) for inv, amt in plan.allocations),
                credit_minor=plan.credit_minor,
                rounding_minor=payment.rounding_minor,
                cash_total_minor=payment.cash_total_minor,
                change_minor=payment.change_minor,
            )
            box.add(entry)
            result = _queued(entry, balance, box, False)
            uow.commit()
            return result

    return retrying(attempt)


def _queued(entry: OutboxEntry, balance: int, box: Outbox, replayed: bool) -> QueuedPayment:
    r = entry.request
    return QueuedPayment(
        payment_id=r.payment_id,
        offline_receipt_no=entry.offline_receipt_no,
        student_no=entry.student_no,
        student_name=entry.student_name,
        method=r.method,
        amount_minor=r.amount_minor,
        currency=entry.currency,
        allocations=tuple((no, amt) for _, no, amt in entry.allocations),
        credit_minor=entry.credit_minor,
        tendered_minor=(
            entry.cash_total_minor + (entry.change_minor or 0)
            if entry.cash_total_minor is not None
            else None
        ),
        change_minor=entry.change_minor,
        rounding_minor=entry.rounding_minor,
        cash_total_minor=entry.cash_total_minor,
        balance_minor=balance,
        taken_at=entry.taken_at,
        waiting=box.count_waiting(),
        replayed=replayed,
    )


def _resolve_local(
    uow: UnitOfWork, school: School, request: PaymentRequest
) -> tuple[Student, Invoice | None]:
    if request.invoice_no is not None:
        invoice = uow.invoices.get_by_no(school.id, request.invoice_no.strip())
        if invoice is None:
            raise NotFound(
                f"no invoice {request.invoice_no!r} in this desk's local copy of {school.name}"
            )
        student = uow.students.get(invoice.student_id)
        if student is None:  # pragma: no cover - foreign key guarantees it
            raise NotFound(f"invoice {request.invoice_no!r} has no student")
        return student, invoice
    assert request.student_no is not None
    found = uow.students.get_by_no(school.id, request.student_no.strip())
    if found is None:
        raise NotFound(
            f"no student {request.student_no!r} in this desk's local copy of {school.name}"
        )
    return found, None


def _check_candidates(school: School, candidates: Sequence[Invoice], *, targeted: bool) -> None:
    """The refusals of :func:`register_payment`, on the invoices as the desk knows them."""
    for inv in candidates:
        if inv.currency != school.currency:
            raise BusinessRuleError(
                f"invoice {inv.invoice_no} is in {inv.currency}, the desk takes {school.currency}"
            )
        if targeted and inv.cancelled:
            raise BusinessRuleError(f"invoice {inv.invoice_no} is cancelled")
        if targeted and inv.outstanding_minor == 0:
            raise BusinessRuleError(f"invoice {inv.invoice_no} is already paid")


def offline_receipt(
    queued: QueuedPayment, school: School, actor: Actor, reference: str = ""
) -> ReceiptBody:
    """The receipt handed over for a payment taken offline: numbered in the desk's offline
    series, with the school's header as the local copy has it. Its lines name the invoices
    the desk paid; the shared database's receipt number follows when the payment is sent."""
    return ReceiptBody(
        kind="payment",
        receipt_no=queued.offline_receipt_no,
        issued_at=queued.taken_at,
        school_name=school.name,
        school_address=school.address,
        school_cvr=school.cvr,
        timezone=school.timezone,
        student_no=queued.student_no,
        student_name=queued.student_name,
        method=queued.method,
        currency=queued.currency,
        amount_minor=queued.amount_minor,
        lines=tuple(ReceiptLine(no, amount) for no, amount in queued.allocations),
        credit_minor=queued.credit_minor,
        rounding_minor=queued.rounding_minor,
        cash_total_minor=queued.cash_total_minor,
        tendered_minor=queued.tendered_minor,
        change_minor=queued.change_minor,
        reference=reference,
        payment_id=queued.payment_id,
        staff=actor.staff,
        desk=actor.desk,
        # The local copy keeps the school's phone and e-mail; web and VAT line follow with
        # the shared database's receipt when the payment is sent.
        extra=receipt_extra(school, ReceiptDetails()),
    )
