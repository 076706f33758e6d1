"""The tables of provider payouts (revision 0010, issue 15).

``provider_payouts``: each payout a provider made to a school's bank, once per school, gateway
and provider id (a re-run or an overlapping run finds it there and adds nothing);
``provider_payout_items``: what each payout settles (Stripe's balance transactions), once per
school, gateway and provider id, with ``net = amount - fee`` checked by the database, and what
it was matched to: a payment or a refund of the same school (composite keys, in the style of
revision 0006), a fee, the payout's own entry, or nothing (listed for staff).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from jdoffice.adapters.column_types import ExactString, Id, Minor, UTCDateTime
from jdoffice.adapters.orm_base import Base, Timestamps, currency_check

PAYOUT_STATUSES = "'pending', 'in_transit', 'paid', 'failed', 'canceled'"
ITEM_KINDS = "'payment', 'refund', 'fee', 'payout', 'other'"
#: What an item was matched to, and the row it names (none but for a payment or a refund).
ITEM_MATCH = (
    "(matched_to = 'payment' AND payment_id IS NOT NULL AND refund_id IS NULL) OR "
    "(matched_to = 'refund' AND refund_id IS NOT NULL AND payment_id IS NULL) OR "
    "(matched_to IN ('fee', 'payout', 'unmatched', 'other_school') "
    "AND payment_id IS NULL AND refund_id IS NULL)"
)


class PayoutRow(Timestamps, Base):
    __tablename__ = "provider_payouts"
    __table_args__ = (
        UniqueConstraint("school_id", "gateway", "ref"),
        UniqueConstraint("id", "school_id"),
        Index("ix_provider_payouts_school_id_arrival_date", "school_id", "arrival_date"),
        CheckConstraint(f"status IN ({PAYOUT_STATUSES})", name="status"),
        CheckConstraint("amount_minor <> 0", name="amount"),
        CheckConstraint("ref <> ''", name="ref"),
        *currency_check(),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    gateway: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str] = mapped_column(ExactString(255))
    amount_minor: Mapped[int] = mapped_column(Minor)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))
    provider_created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    arrival_date: Mapped[dt.date] = mapped_column(Date)
    items_stored: Mapped[bool] = mapped_column(Boolean, default=False)
    transferred: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(String(200), default="")
    #: When a manager released it while held (revision 0012): the books post it.
    released_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)


class PayoutItemRow(Timestamps, Base):
    __tablename__ = "provider_payout_items"
    __table_args__ = (
        UniqueConstraint("school_id", "gateway", "ref"),
        ForeignKeyConstraint(
            ["payout_id", "school_id"],
            ["provider_payouts.id", "provider_payouts.school_id"],
            name="fk_provider_payout_items_payout_school",
        ),
        ForeignKeyConstraint(
            ["payment_id", "school_id"],
            ["student_payments.id", "student_payments.school_id"],
            name="fk_provider_payout_items_payment_school",
        ),
        ForeignKeyConstraint(
            ["refund_id", "school_id"],
            ["student_refunds.id", "student_refunds.school_id"],
            name="fk_provider_payout_items_refund_school",
        ),
        Index("ix_provider_payout_items_school_id_matched_to", "school_id", "matched_to"),
        CheckConstraint(f"kind IN ({ITEM_KINDS})", name="kind"),
        CheckConstraint("net_minor = amount_minor - fee_minor", name="net"),
        CheckConstraint("ref <> ''", name="ref"),
        CheckConstraint(ITEM_MATCH, name="matched_to"),
        *currency_check(),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    payout_id: Mapped[int] = mapped_column(Id, index=True)
    gateway: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str] = mapped_column(ExactString(255))
    kind: Mapped[str] = mapped_column(String(16))
    item_type: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(64), default="")
    amount_minor: Mapped[int] = mapped_column(Minor)
    fee_minor: Mapped[int] = mapped_column(Minor)
    net_minor: Mapped[int] = mapped_column(Minor)
    currency: Mapped[str] = mapped_column(String(3))
    provider_created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    source_ref: Mapped[str | None] = mapped_column(String(255), default=None)
    payment_ref: Mapped[str | None] = mapped_column(String(255), default=None)
    refund_ref: Mapped[str | None] = mapped_column(String(255), default=None)
    description: Mapped[str] = mapped_column(String(200), default="")
    matched_to: Mapped[str] = mapped_column(String(16))
    payment_id: Mapped[str | None] = mapped_column(String(36), default=None)
    refund_id: Mapped[str | None] = mapped_column(String(36), default=None)
    reason: Mapped[str] = mapped_column(String(200), default="")
