"""Rows of the shared schema turned into the domain records the repositories return."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Row

if TYPE_CHECKING:  # the rows are read by attribute: Core rows serve as well (no ORM import)
    from jdoffice.adapters.orm import (
        FlaggedConfirmationRow,
        InvoiceRow,
        PaymentAttemptRow,
        PaymentRow,
        ReceiptRow,
        RefundRow,
        SchoolRow,
        StudentRow,
    )
from jdoffice.domain.model import (
    Attempt,
    AttemptStatus,
    FlaggedConfirmation,
    Invoice,
    Payment,
    PaymentStatus,
    Receipt,
    ReceiptBody,
    Refund,
    RefundStatus,
    School,
    Student,
)


def to_school(r: SchoolRow | Row[Any]) -> School:
    return School(
        id=r.id,
        slug=r.slug,
        name=r.name,
        address=r.address,
        cvr=r.cvr,
        phone=r.phone,
        email=r.email,
        currency=r.currency,
        timezone=r.timezone,
    )


def to_student(r: StudentRow | Row[Any]) -> Student:
    return Student(
        id=r.id,
        school_id=r.school_id,
        student_no=r.student_no,
        first_name=r.first_name,
        last_name=r.last_name,
        phone=r.phone,
        email=r.email,
    )


def to_invoice(r: InvoiceRow | Row[Any]) -> Invoice:
    return Invoice(
        id=r.id,
        school_id=r.school_id,
        student_id=r.student_id,
        invoice_no=r.invoice_no,
        text=r.text,
        amount_minor=r.amount_minor,
        paid_minor=r.paid_minor,
        currency=r.currency,
        due_date=r.due_date,
        cancelled=r.cancelled_at is not None,
    )


def to_payment(r: PaymentRow | Row[Any]) -> Payment:
    return Payment(
        id=r.id,
        school_id=r.school_id,
        student_id=r.student_id,
        method=r.method,
        amount_minor=r.amount_minor,
        currency=r.currency,
        status=PaymentStatus(r.status),
        refunded_minor=r.refunded_minor,
        receipt_no=r.receipt_no,
        created_at=r.created_at,
        rounding_minor=r.rounding_minor,
        cash_total_minor=r.cash_total_minor,
        tendered_minor=r.tendered_minor,
        change_minor=r.change_minor,
        reference=r.reference,
        desk=r.desk,
        staff=r.staff,
        fingerprint=r.fingerprint,
        provider_ref=r.provider_ref,
        offline_receipt_no=r.offline_receipt_no,
        staff_id=r.staff_id,
    )


def to_refund(r: RefundRow) -> Refund:
    return Refund(
        id=r.id,
        payment_id=r.payment_id,
        school_id=r.school_id,
        student_id=r.student_id,
        amount_minor=r.amount_minor,
        currency=r.currency,
        reason=r.reason,
        status=RefundStatus(r.status),
        receipt_no=r.receipt_no,
        created_at=r.created_at,
        rounding_minor=r.rounding_minor,
        cash_total_minor=r.cash_total_minor,
        desk=r.desk,
        staff=r.staff,
        fingerprint=r.fingerprint,
        gateway=r.gateway,
        provider_ref=r.provider_ref,
        error=r.error,
        staff_id=r.staff_id,
    )


def to_receipt(r: ReceiptRow) -> Receipt:
    return Receipt(
        school_id=r.school_id,
        receipt_no=r.receipt_no,
        kind=r.kind,
        issued_at=r.issued_at,
        body=ReceiptBody.from_json(r.body),
        copies_printed=r.copies_printed,
        payment_id=r.payment_id,
        refund_id=r.refund_id,
    )


def to_attempt(r: PaymentAttemptRow | Row[Any], invoice_no: str) -> Attempt:
    return Attempt(
        id=r.id,
        school_id=r.school_id,
        student_id=r.student_id,
        invoice_id=r.invoice_id,
        invoice_no=invoice_no,
        gateway=r.gateway,
        mode=r.mode,
        status=AttemptStatus(r.status),
        amount_minor=r.amount_minor,
        currency=r.currency,
        request_params=r.request_params,
        created_at=r.created_at,
        provider_ref=r.provider_ref,
        payment_ref=r.payment_ref,
        url=r.url,
        expires_at=r.expires_at,
        payment_id=r.payment_id,
        error=r.error,
        tries=r.tries,
        desk=r.desk,
        staff=r.staff,
    )


def to_flag(r: FlaggedConfirmationRow) -> FlaggedConfirmation:
    return FlaggedConfirmation(
        id=r.id,
        school_id=r.school_id,
        gateway=r.gateway,
        provider_ref=r.provider_ref,
        event_id=r.event_id,
        invoice_no=r.invoice_no,
        reason=r.reason,
        amount_minor=r.amount_minor,
        currency=r.currency,
        created_at=r.created_at,
        resolved_at=r.resolved_at,
    )
