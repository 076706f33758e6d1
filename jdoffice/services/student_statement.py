"""The student's statement (kontoudtog, issue 15), read from the rows as they are now: the
invoices (not cancelled), the payments and refunds that succeeded, and the reminders sent
(see :mod:`jdoffice.domain.statement`)."""

from __future__ import annotations

import datetime as dt

from jdoffice.domain.errors import NotFound
from jdoffice.domain.model import PaymentStatus, RefundStatus, School
from jdoffice.domain.receipt_text import words_for
from jdoffice.domain.statement import Event, Statement, build_statement
from jdoffice.services.ports import UnitOfWork
from jdoffice.services.staff import utcnow


def student_statement(
    uow: UnitOfWork,
    school: School,
    student_no: str,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    language: str = "da",
    now: dt.datetime | None = None,
) -> Statement:
    """The statement of ``student_no`` for the school's days ``start`` to ``end`` (default:
    from the student's first event, or today, to today).

    Raises:
        NotFound: no such student at the school.
        InvalidInput: the period ends before it starts; an unknown language.
    """
    words = words_for(language)
    today = school.local_date(now or utcnow())
    with uow:
        student = uow.students.get_by_no(school.id, student_no.strip())
        if student is None or student.school_id != school.id:
            raise NotFound(f"no student {student_no.strip()!r} at {school.name}")
        invoices = uow.invoices.for_student(student.id)
        issued = uow.invoices.issued(student.id)
        payments = uow.payments.for_student(student.id)
        refunds = uow.payments.refunds_for_student(student.id)
        reminders = uow.reminders.for_student(school.id, student.id)
    paid_word, refund_word = ("Betaling", "Refusion") if language == "da" else ("Payment", "Refund")
    events: list[Event] = [
        Event(
            day=school.local_date(issued[i.id]) if i.id in issued else i.due_date,
            kind="invoice",
            document=i.invoice_no,
            text=i.text,
            amount_minor=i.amount_minor,
        )
        for i in invoices
        if not i.cancelled
    ]
    events += [
        Event(
            day=school.local_date(p.created_at),
            kind="payment",
            document=str(p.receipt_no or p.offline_receipt_no or ""),
            text=f"{paid_word}, {_word(words.methods.get(p.method, p.method))}",
            amount_minor=p.amount_minor,
        )
        for p in payments
        if p.status is PaymentStatus.SUCCEEDED
    ]
    methods = {p.id: p.method for p in payments}
    events += [
        Event(
            day=school.local_date(r.created_at),
            kind="refund",
            document=str(r.receipt_no or ""),
            text=f"{refund_word}, {_word(words.methods.get(methods.get(r.payment_id, ''), ''))}"
            + (f": {r.reason}" if r.reason.strip() else ""),
            amount_minor=r.amount_minor,
        )
        for r in refunds
        if r.status is RefundStatus.SUCCEEDED
    ]
    reminded = "Betalingspåmindelse" if language == "da" else "Payment reminder"
    channels = {"sms": "SMS", "email": "e-mail"}
    events += [
        Event(
            day=school.local_date(r.sent_at),
            kind="reminder",
            document=r.invoice_no,
            text=f"{reminded}, {channels.get(r.channel, r.channel)}",
            amount_minor=r.amount_minor,
        )
        for r in reminders
    ]
    first = min((e.day for e in events), default=today)
    return build_statement(
        events,
        school_name=school.name,
        student_no=student.student_no,
        student_name=student.name,
        start=start or min(first, end or today),
        end=end or today,
        currency=school.currency,
    )


def _word(label: str) -> str:
    """A method's label inside a sentence: ``Kontant`` → ``kontant``; a name written with
    capitals inside it (``MobilePay``) stays as it is."""
    if label[1:] == label[1:].lower():
        return label[:1].lower() + label[1:]
    return label
