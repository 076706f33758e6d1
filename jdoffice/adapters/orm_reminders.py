"""The reminders sent about overdue invoices (revision 0009, issue 15).

``reminders``: one row per reminder a student was sent about an invoice, with the channel,
the amount it asked for, the payment link's attempt (none when the school takes no online
payments) and who sent it. ``UNIQUE (school_id, invoice_id, reminded_on)`` keeps it to one
reminder per invoice per school day in the database itself; the longer interval the school
chooses is kept by the service under the invoice's row lock. Rows name their student,
invoice and staff member through composite keys with ``school_id``, in the style of
revision 0006, so a reminder is always about its own school's student and invoice.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from jdoffice.adapters.column_types import Id, Minor, UTCDateTime
from jdoffice.adapters.orm_base import (
    Base,
    Timestamps,
    currency_check,
    school_currency,
    school_of_student,
)
from jdoffice.adapters.orm_staff import school_staff

REMINDER_CHANNELS = "'sms', 'email'"


class ReminderRow(Timestamps, Base):
    """A reminder about an overdue invoice, sent (queued in the outbox) by SMS or e-mail."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("school_id", "invoice_id", "reminded_on"),
        Index("ix_reminders_invoice_id_sent_at", "invoice_id", "sent_at"),
        Index("ix_reminders_school_id_sent_at", "school_id", "sent_at"),
        school_of_student("reminders"),
        ForeignKeyConstraint(
            ["invoice_id", "school_id"],
            ["student_invoices.id", "student_invoices.school_id"],
            name="fk_reminders_invoice_school",
        ),
        school_currency("reminders"),
        school_staff("reminders", "staff_id"),
        CheckConstraint(f"channel IN ({REMINDER_CHANNELS})", name="channel"),
        CheckConstraint("amount_minor > 0", name="amount"),
        *currency_check(),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    student_id: Mapped[int] = mapped_column(Id, index=True)
    invoice_id: Mapped[int] = mapped_column(Id)
    invoice_no: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(8))
    recipient: Mapped[str] = mapped_column(String(254))
    amount_minor: Mapped[int] = mapped_column(Minor)
    currency: Mapped[str] = mapped_column(String(3))
    #: The school's day it was sent on (the unique key's day).
    reminded_on: Mapped[dt.date] = mapped_column(Date)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: The online payment its link opens; NULL when it told the student how to pay instead.
    attempt_id: Mapped[str | None] = mapped_column(String(36), default=None)
    staff: Mapped[str] = mapped_column(String(64), default="")
    desk: Mapped[str] = mapped_column(String(64), default="")
    staff_id: Mapped[int | None] = mapped_column(Id, default=None)
