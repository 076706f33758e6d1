"""Recording one offline payment on the shared database, as it is now.

The invoices may have changed since the desk took the payment: paid online or at another
desk, cancelled, or gone. A payment that no longer fits is recorded all the same, as credit,
and flagged for staff (``payments flagged``); a payment for "the student" pays the invoices the
offline receipt names while they still take those amounts, and is otherwise spread as today's
invoices need, with a flag. It is never dropped and never silently doubled.
"""

from __future__ import annotations

import datetime as dt

from jdoffice.domain.errors import BusinessRuleError, NotFound
from jdoffice.domain.model import Actor, Invoice, School, Student, plan_allocation
from jdoffice.domain.money import format_money
from jdoffice.services.offline_ports import (
    OutboxEntry,
    PushedPayment,
    PushOutcome,
    SharedNotes,
    cash_settlement,
)
from jdoffice.services.payments import apply_payment
from jdoffice.services.ports import UnitOfWork
from jdoffice.services.staff import staff_id_of

#: The gateway name on flags raised by pushing offline payments (``payments flagged``).
FLAG_GATEWAY = "offline"


def record_on_shared(
    uow: UnitOfWork, notes: SharedNotes, school: School, entry: OutboxEntry, now: dt.datetime
) -> PushedPayment:
    """Record ``entry``, which is not on the shared database yet, as the invoices are now;
    call inside the writing unit of work (the caller commits)."""
    req = entry.request
    student, invoice, gone = _resolve_shared(uow, school, entry)
    # Lock order everywhere: student, then invoices (by id), then the receipt counter.
    uow.students.lock(student.id)
    if invoice is not None:
        candidates = uow.invoices.lock([invoice.id])
    elif req.invoice_no is None:
        candidates = uow.invoices.lock_for_student(student.id)
    else:
        candidates = []
    for inv in candidates:
        if inv.currency != school.currency:
            raise BusinessRuleError(
                f"invoice {inv.invoice_no} is in {inv.currency}, the desk takes {school.currency}"
            )
    moved: str | None = None
    if invoice is None and req.invoice_no is None and entry.allocations:
        # A payment for "the student": the offline receipt names the invoices the desk paid.
        # Pay the same ones while they still take those amounts (an invoice added meanwhile
        # is not touched); otherwise spread it as today's invoices need, and tell the office.
        desk_paid = {inv_id: amount for inv_id, _, amount in entry.allocations}
        same = [inv for inv in candidates if inv.id in desk_paid]
        same_plan = plan_allocation(req.amount_minor, same, allow_credit=True)
        if (
            len(same) == len(desk_paid)
            and {inv.id: amt for inv, amt in same_plan.allocations} == desk_paid
            and same_plan.credit_minor == entry.credit_minor
        ):
            candidates = same
        else:
            moved = (
                f"the invoices changed meanwhile, so the payment was spread over them "
                f"differently from receipt {entry.offline_receipt_no}"
            )
    owed = sum(i.outstanding_minor for i in candidates)
    reason = gone
    if reason is None and req.invoice_no is not None and candidates and candidates[0].cancelled:
        reason = f"invoice {req.invoice_no} was cancelled meanwhile"
    elif reason is None and owed == 0:
        reason = f"{req.invoice_no or 'everything'} was paid meanwhile"
    elif reason is None and req.amount_minor > owed and not req.allow_credit:
        reason = f"only {format_money(owed, school.currency)} was still owed"
    cash = cash_settlement(req, school)
    extra: dict[str, object] = {
        "offline_receipt_no": entry.offline_receipt_no,
        "taken_offline_at": entry.taken_at.isoformat(),
        "pushed_at": now.isoformat(),
    }
    if reason is not None:
        credit = plan_allocation(req.amount_minor, candidates, allow_credit=True).credit_minor
        extra["offline_conflict"] = reason
        uow.flags.add(
            school_id=school.id,
            gateway=FLAG_GATEWAY,
            provider_ref=entry.payment_id,
            event_id=entry.offline_receipt_no,
            invoice_no=req.invoice_no or "",
            reason=(
                f"taken offline at {entry.actor.desk} on receipt {entry.offline_receipt_no}, "
                f"but {reason}; {format_money(credit, school.currency)} kept as credit "
                f"for {student.student_no}"
            ),
            amount_minor=req.amount_minor,
            currency=school.currency,
            payload={
                "payment_id": entry.payment_id,
                "method": req.method,
                "student_no": student.student_no,
                "taken_at": entry.taken_at.isoformat(),
                "staff": entry.actor.staff,
            },
            now=now,
        )
    if moved is not None and reason is None:
        extra["offline_conflict"] = moved
        uow.flags.add(
            school_id=school.id,
            gateway=FLAG_GATEWAY,
            provider_ref=entry.payment_id,
            event_id=entry.offline_receipt_no,
            invoice_no="",
            reason=f"taken offline at {entry.actor.desk} on receipt {entry.offline_receipt_no}: "
            + moved,
            amount_minor=req.amount_minor,
            currency=school.currency,
            payload={
                "payment_id": entry.payment_id,
                "method": req.method,
                "student_no": student.student_no,
                "taken_at": entry.taken_at.isoformat(),
                "staff": entry.actor.staff,
                "offline_allocations": [[no, amt] for _, no, amt in entry.allocations],
            },
            now=now,
        )
    result = apply_payment(
        uow,
        school,
        student,
        candidates,
        payment_id=entry.payment_id,
        method=req.method,
        amount_minor=req.amount_minor,
        allow_credit=req.allow_credit or reason is not None,
        cash=cash,
        reference=req.reference,
        fp=entry.fingerprint,
        actor=Actor(
            entry.actor.staff,
            entry.actor.desk,
            staff_id=staff_id_of(uow, school, entry.actor.staff),
        ),
        # The money changed hands when the desk took it: the payment, its receipt and the
        # day report are dated then.
        now=entry.taken_at,
        audit_extra=extra,
    )
    by_no = {inv.invoice_no: inv.id for inv in candidates}
    notes.note_offline_payment(
        uow,
        payment_id=entry.payment_id,
        offline_receipt_no=entry.offline_receipt_no,
        student_id=student.id,
        invoice_ids=[by_no[no] for no, _ in result.allocations],
        now=now,
    )
    return PushedPayment(
        entry.payment_id,
        entry.offline_receipt_no,
        PushOutcome.CREDIT if reason is not None else PushOutcome.RECORDED,
        receipt_no=result.receipt_no,
        credit_minor=result.credit_minor,
        detail=reason or "",
    )


def _resolve_shared(
    uow: UnitOfWork, school: School, entry: OutboxEntry
) -> tuple[Student, Invoice | None, str | None]:
    """The student and invoice on the shared database, and why the invoice cannot take the
    payment if it is gone (the student still gets the money, as credit)."""
    req = entry.request
    if req.invoice_no is not None:
        invoice = uow.invoices.get_by_no(school.id, req.invoice_no.strip())
        if invoice is not None:
            student = uow.students.get(invoice.student_id)
            if student is not None:
                return student, invoice, None
        found = _same_student(uow, school, entry, entry.student_no)
        if found is None:
            raise NotFound(
                f"neither invoice {req.invoice_no!r} nor student {entry.student_no!r} is at "
                f"{school.name} any more"
            )
        return found, None, f"invoice {req.invoice_no} no longer exists"
    assert req.student_no is not None
    found = _same_student(uow, school, entry, req.student_no.strip())
    if found is None:
        raise NotFound(f"student {req.student_no!r} is not at {school.name} any more")
    return found, None, None


def _same_student(
    uow: UnitOfWork, school: School, entry: OutboxEntry, student_no: str
) -> Student | None:
    """The student by number, or by id when the web system renumbered them meanwhile (the
    local copy keeps the shared database's ids)."""
    found = uow.students.get_by_no(school.id, student_no)
    if found is None:
        by_id = uow.students.get(entry.student_id)
        if by_id is not None and by_id.school_id == school.id:
            found = by_id
    return found
