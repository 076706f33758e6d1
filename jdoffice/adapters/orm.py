"""The tables, as SQLAlchemy 2 typed models.

Names follow the web system's conventions (plural snake_case, ``id``, ``created_at``,
``updated_at``). Times are stored as UTC without a zone (MySQL ``DATETIME`` has none) and come
back as aware UTC datetimes. Amounts are ``BIGINT`` minor units. The same definitions run on
SQLite, PostgreSQL and MySQL/MariaDB; Alembic migrations in ``migrations/`` create them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Computed,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from jdoffice.adapters.column_types import NAMING, UTC, Id, Minor, Term, TermString, UTCDateTime
from jdoffice.adapters.orm_base import (
    PAYMENT_STATUSES,
    REFUND_STATUSES,
    Base,
    Timestamps,
    currency_check,
    school_currency,
    school_of_student,
)
from jdoffice.adapters.orm_books import BooksDeliveredLineRow, BooksExportRow
from jdoffice.adapters.orm_payouts import PayoutItemRow, PayoutRow
from jdoffice.adapters.orm_reminders import ReminderRow
from jdoffice.adapters.orm_staff import ShiftMovementRow, ShiftRow, StaffRow, school_staff


class SchoolRow(Timestamps, Base):
    __tablename__ = "schools"
    __table_args__ = (UniqueConstraint("id", "currency"), *currency_check())

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    cvr: Mapped[str] = mapped_column(String(16), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    currency: Mapped[str] = mapped_column(String(3), default="DKK")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Copenhagen")


class StudentRow(Timestamps, Base):
    __tablename__ = "students"
    __table_args__ = (
        UniqueConstraint("school_id", "student_no"),
        Index("ix_students_school_id_last_name_first_name", "school_id", "last_name", "first_name"),
        UniqueConstraint("id", "school_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    student_no: Mapped[str] = mapped_column(String(32))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(254), default="")


class StudentSearchTermRow(Base):
    """Folded words, digits and addresses a student can be found by (prefix match)."""

    __tablename__ = "student_search_terms"
    # A student's terms by prefix: a short word of a query is looked up per student
    # (``jdoffice.adapters.repos.search_sql``); also the foreign key's index.
    __table_args__ = (Index("ix_student_search_terms_student_id_term", "student_id", "term"),)

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), primary_key=True)
    term: Mapped[str] = mapped_column(Term, primary_key=True)
    student_id: Mapped[int] = mapped_column(
        ForeignKey("students.id", ondelete="CASCADE"), primary_key=True
    )


class InvoiceRow(Timestamps, Base):
    __tablename__ = "student_invoices"
    __table_args__ = (
        UniqueConstraint("school_id", "invoice_no"),
        Index("ix_student_invoices_student_id_due_date", "student_id", "due_date"),
        UniqueConstraint("id", "school_id"),
        school_of_student("student_invoices"),
        school_currency("student_invoices"),
        CheckConstraint("amount_minor >= 0", name="amount"),
        *currency_check(),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"))
    invoice_no: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(String(300))
    amount_minor: Mapped[int] = mapped_column(Minor)
    paid_minor: Mapped[int] = mapped_column(Minor, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="DKK")
    due_date: Mapped[dt.date] = mapped_column(Date)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)


class PaymentRow(Timestamps, Base):
    __tablename__ = "student_payments"
    __table_args__ = (
        Index("ix_student_payments_school_id_created_at", "school_id", "created_at"),
        UniqueConstraint("school_id", "receipt_no"),
        # A provider payment (e.g. a Stripe payment intent) is recorded at most once.
        Index("uq_student_payments_method_provider_ref", "method", "provider_ref", unique=True),
        # An offline receipt number is never used twice at a school (revision 0004).
        Index(
            "uq_student_payments_school_id_offline_receipt_no",
            "school_id",
            "offline_receipt_no",
            unique=True,
        ),
        UniqueConstraint("id", "school_id"),
        school_of_student("student_payments"),
        school_currency("student_payments"),
        school_staff("student_payments", "staff_id"),
        CheckConstraint("amount_minor > 0", name="amount"),
        CheckConstraint("refunded_minor >= 0 AND refunded_minor <= amount_minor", name="refunded"),
        CheckConstraint(f"status IN ({PAYMENT_STATUSES})", name="status"),
        *currency_check(),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    method: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    amount_minor: Mapped[int] = mapped_column(Minor)
    refunded_minor: Mapped[int] = mapped_column(Minor, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    rounding_minor: Mapped[int] = mapped_column(Minor, default=0)
    cash_total_minor: Mapped[int | None] = mapped_column(Minor, default=None)
    tendered_minor: Mapped[int | None] = mapped_column(Minor, default=None)
    change_minor: Mapped[int | None] = mapped_column(Minor, default=None)
    reference: Mapped[str] = mapped_column(String(200), default="")
    receipt_no: Mapped[int | None] = mapped_column(BigInteger, default=None)
    desk: Mapped[str] = mapped_column(String(64), default="")
    staff: Mapped[str] = mapped_column(String(64), default="")
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
    provider_ref: Mapped[str | None] = mapped_column(String(255), default=None)
    #: The receipt a desk printed while the shared database was unreachable (revision 0004).
    offline_receipt_no: Mapped[str | None] = mapped_column(String(96), default=None)
    #: The signed-in staff account (revision 0007); rows written before keep only ``staff``.
    staff_id: Mapped[int | None] = mapped_column(Id, default=None)


class AllocationRow(Base):
    """A part of a payment applied to an invoice; refunds add negative rows."""

    __tablename__ = "student_payment_allocations"
    __table_args__ = (
        # A payment gives money to an invoice; only a refund (or a failed refund putting it
        # back) writes other rows, and no row moves nothing.
        CheckConstraint(
            "amount_minor <> 0 AND (refund_id IS NOT NULL OR amount_minor > 0)", name="amount"
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    payment_id: Mapped[str] = mapped_column(ForeignKey("student_payments.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("student_invoices.id"), index=True)
    refund_id: Mapped[str | None] = mapped_column(
        ForeignKey("student_refunds.id"), default=None, index=True
    )
    amount_minor: Mapped[int] = mapped_column(Minor)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class RefundRow(Timestamps, Base):
    __tablename__ = "student_refunds"
    __table_args__ = (
        Index("ix_student_refunds_school_id_created_at", "school_id", "created_at"),
        UniqueConstraint("school_id", "receipt_no"),
        Index("uq_student_refunds_gateway_provider_ref", "gateway", "provider_ref", unique=True),
        UniqueConstraint("id", "school_id"),
        school_of_student("student_refunds"),
        ForeignKeyConstraint(
            ["payment_id", "school_id"],
            ["student_payments.id", "student_payments.school_id"],
            name="fk_student_refunds_payment_school",
        ),
        school_currency("student_refunds"),
        school_staff("student_refunds", "staff_id"),
        CheckConstraint("amount_minor > 0", name="amount"),
        CheckConstraint(f"status IN ({REFUND_STATUSES})", name="status"),
        *currency_check(),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    payment_id: Mapped[str] = mapped_column(ForeignKey("student_payments.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(Minor)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16))
    rounding_minor: Mapped[int] = mapped_column(Minor, default=0)
    cash_total_minor: Mapped[int | None] = mapped_column(Minor, default=None)
    receipt_no: Mapped[int | None] = mapped_column(BigInteger, default=None)
    desk: Mapped[str] = mapped_column(String(64), default="")
    staff: Mapped[str] = mapped_column(String(64), default="")
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
    gateway: Mapped[str | None] = mapped_column(String(32), default=None)
    provider_ref: Mapped[str | None] = mapped_column(String(255), default=None)
    error: Mapped[str | None] = mapped_column(String(500), default=None)
    #: The signed-in staff account (revision 0007); rows written before keep only ``staff``.
    staff_id: Mapped[int | None] = mapped_column(Id, default=None)


class BalanceRow(Base):
    """Cached ``StudentBalance``; always recomputable from the rows above."""

    __tablename__ = "student_balances"
    __table_args__ = (
        school_of_student("student_balances", ondelete="CASCADE"),
        school_currency("student_balances"),
        *currency_check(),
    )

    student_id: Mapped[int] = mapped_column(
        ForeignKey("students.id", ondelete="CASCADE"), primary_key=True
    )
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    balance_minor: Mapped[int] = mapped_column(Minor, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="DKK")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


class ReceiptCounterRow(Base):
    """The last receipt number per school; locked while a number is being used."""

    __tablename__ = "receipt_counters"

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), primary_key=True)
    last_no: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ReceiptRow(Timestamps, Base):
    __tablename__ = "receipts"
    __table_args__ = (
        UniqueConstraint("school_id", "receipt_no"),
        Index("ix_receipts_school_id_issued_at", "school_id", "issued_at"),
        ForeignKeyConstraint(
            ["payment_id", "school_id"],
            ["student_payments.id", "student_payments.school_id"],
            name="fk_receipts_payment_school",
        ),
        ForeignKeyConstraint(
            ["refund_id", "school_id"],
            ["student_refunds.id", "student_refunds.school_id"],
            name="fk_receipts_refund_school",
        ),
        UniqueConstraint("refund_id"),
        UniqueConstraint("payment_receipt_of"),
        CheckConstraint("kind IN ('payment', 'refund')", name="kind"),
        CheckConstraint("receipt_no > 0", name="receipt_no"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    receipt_no: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))
    payment_id: Mapped[str | None] = mapped_column(
        ForeignKey("student_payments.id"), default=None, index=True
    )
    refund_id: Mapped[str | None] = mapped_column(
        ForeignKey("student_refunds.id"), default=None, index=True
    )
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    copies_printed: Mapped[int] = mapped_column(Integer, default=0)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: The payment a payment receipt is for, worked out by the database; its unique index
    #: makes one receipt per payment (a refund's receipt names the payment too, so
    #: ``payment_id`` itself cannot be unique, and partial indexes are not portable).
    payment_receipt_of: Mapped[str | None] = mapped_column(
        String(36),
        Computed("CASE WHEN kind = 'payment' THEN payment_id END", persisted=True),
        default=None,
    )


class AuditRow(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity_entity_id", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), default=None)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    staff: Mapped[str] = mapped_column(String(64), default="")
    desk: Mapped[str] = mapped_column(String(64), default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    #: Who did it and who approved it (revision 0007); rows written before keep only ``staff``.
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), default=None)
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), default=None)


__all__ = [
    "NAMING",
    "UTC",
    "AllocationRow",
    "AuditRow",
    "BalanceRow",
    "Base",
    "BooksDeliveredLineRow",
    "BooksExportRow",
    "InvoiceRow",
    "PaymentRow",
    "PayoutItemRow",
    "PayoutRow",
    "ReceiptCounterRow",
    "ReceiptRow",
    "RefundRow",
    "ReminderRow",
    "SchoolRow",
    "ShiftMovementRow",
    "ShiftRow",
    "StaffRow",
    "StudentRow",
    "StudentSearchTermRow",
    "TermString",
    "UTCDateTime",
]


# --- online payments (revision 0002) ------------------------------------------------------------


class PaymentSettingsRow(Base):
    """Per-school payment settings; overlay the global defaults. Never holds a secret."""

    __tablename__ = "school_payment_settings"

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), primary_key=True)
    online_enabled: Mapped[bool | None] = mapped_column(default=None)
    gateway: Mapped[str | None] = mapped_column(String(32), default=None)
    checkout_expiry_minutes: Mapped[int | None] = mapped_column(Integer, default=None)
    success_url: Mapped[str | None] = mapped_column(String(500), default=None)
    mode: Mapped[str | None] = mapped_column(String(8), default=None)
    #: Gateway name → option → value: the school's own settings for its online gateways.
    gateway_options: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class PaymentAttemptRow(Timestamps, Base):
    """One try at an online payment for an invoice. Saved (pending) with its idempotency key
    and the exact provider parameters before the provider is called."""

    __tablename__ = "online_payment_attempts"
    __table_args__ = (
        UniqueConstraint("gateway", "provider_ref"),
        Index("ix_online_payment_attempts_invoice_id_status", "invoice_id", "status"),
        Index("ix_online_payment_attempts_status_updated_at", "status", "updated_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("student_invoices.id"))
    gateway: Mapped[str] = mapped_column(String(32))
    mode: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    amount_minor: Mapped[int] = mapped_column(Minor)
    currency: Mapped[str] = mapped_column(String(3))
    request_params: Mapped[dict[str, Any]] = mapped_column(JSON)
    provider_ref: Mapped[str | None] = mapped_column(String(255), default=None)
    payment_ref: Mapped[str | None] = mapped_column(String(255), default=None)
    url: Mapped[str | None] = mapped_column(String(2000), default=None)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    payment_id: Mapped[str | None] = mapped_column(
        ForeignKey("student_payments.id"), default=None, index=True
    )
    error: Mapped[str | None] = mapped_column(String(500), default=None)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    desk: Mapped[str] = mapped_column(String(64), default="")
    staff: Mapped[str] = mapped_column(String(64), default="")


class ProviderEventRow(Base):
    """A provider notification that was handled; the primary key dedupes deliveries."""

    __tablename__ = "processed_provider_events"

    gateway: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), default=None)
    type: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


class FlaggedConfirmationRow(Base):
    """A confirmation that did not match our records: stored for staff, never applied."""

    __tablename__ = "flagged_confirmations"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    school_id: Mapped[int | None] = mapped_column(
        ForeignKey("schools.id"), default=None, index=True
    )
    gateway: Mapped[str] = mapped_column(String(32))
    provider_ref: Mapped[str] = mapped_column(String(255), default="")
    event_id: Mapped[str] = mapped_column(String(255), default="")
    invoice_no: Mapped[str] = mapped_column(String(32), default="")
    reason: Mapped[str] = mapped_column(String(500))
    amount_minor: Mapped[int | None] = mapped_column(Minor, default=None)
    currency: Mapped[str] = mapped_column(String(3), default="")
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)


class DeferredNoticeRow(Base):
    """A provider notice about a payment not recorded yet, kept under the school whose secret
    verified it and applied once when the payment lands (revision 0005)."""

    __tablename__ = "deferred_provider_notices"
    __table_args__ = (
        UniqueConstraint("school_id", "gateway", "event_id", "refund_ref"),
        Index(
            "ix_deferred_provider_notices_school_id_gateway_payment_ref",
            "school_id",
            "gateway",
            "payment_ref",
        ),
        CheckConstraint("amount_minor > 0", name="amount"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    gateway: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(String(255))
    event_type: Mapped[str] = mapped_column(String(64))
    payment_ref: Mapped[str] = mapped_column(String(255))
    refund_ref: Mapped[str] = mapped_column(String(255))
    amount_minor: Mapped[int] = mapped_column(Minor)
    currency: Mapped[str] = mapped_column(String(3))
    state: Mapped[str] = mapped_column(String(16))
    our_refund_id: Mapped[str | None] = mapped_column(String(36), default=None)
    reason: Mapped[str] = mapped_column(String(500), default="")
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    applied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    outcome: Mapped[str | None] = mapped_column(String(16), default=None)


class ProviderCursorRow(Base):
    """How far ``payments sync`` has read a provider's event list."""

    __tablename__ = "provider_cursors"

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), primary_key=True)
    gateway: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_event_id: Mapped[str | None] = mapped_column(String(255), default=None)
    last_event_created: Mapped[int | None] = mapped_column(BigInteger, default=None)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


# --- notifications (revision 0003) -------------------------------------------------------------


class NotificationRow(Timestamps, Base):
    """One e-mail or SMS in the outbox. Payment and refund confirmations are queued in the
    transaction that records the money; the unique key keeps it to one per thing and channel."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("kind", "ref", "channel"),
        Index("ix_notifications_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_notifications_school_id_created_at", "school_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    student_id: Mapped[int | None] = mapped_column(
        ForeignKey("students.id"), default=None, index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(8))
    recipient: Mapped[str] = mapped_column(String(254), default="")
    language: Mapped[str] = mapped_column(String(2), default="da")
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    provider_ref: Mapped[str | None] = mapped_column(String(255), default=None)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


class NotificationSettingsRow(Base):
    """Per-school notification settings; overlay the global defaults. Never holds a secret."""

    __tablename__ = "school_notification_settings"

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), primary_key=True)
    email_enabled: Mapped[bool | None] = mapped_column(default=None)
    sms_enabled: Mapped[bool | None] = mapped_column(default=None)
    sender_name: Mapped[str | None] = mapped_column(String(100), default=None)
    sender_address: Mapped[str | None] = mapped_column(String(254), default=None)
    sms_sender: Mapped[str | None] = mapped_column(String(16), default=None)
    language: Mapped[str | None] = mapped_column(String(2), default=None)
    templates: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
