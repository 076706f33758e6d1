"""Provider payouts (issue 15): the payouts a provider made to a school's bank and the items
each settles, matched to the school's payments and refunds.

* ``provider_payouts``: once per school, gateway and provider id (``UNIQUE (school_id,
  gateway, ref)``, the id compared byte for byte on MySQL/MariaDB too); the status one of
  Stripe's; ``items_stored`` once every item is stored, ``transferred`` once it was seen paid
  (the books post the transfer from then on).
* ``provider_payout_items``: once per school, gateway and provider id; ``net = amount - fee``
  checked; the payout, payment and refund it names are the same school's (composite keys, in
  the style of 0006); what it was matched to is consistent with the row it names (a CHECK):
  a payment, a refund, a fee, the payout's own entry, nothing, or another school's payment
  (a provider account several schools share).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 14:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types and checks of this revision (jdoffice.adapters.orm_payouts
# says the same).
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
PROVIDER_ID = (
    sa.String(length=255)
    .with_variant(mysql.VARCHAR(charset="utf8mb4", collation="utf8mb4_bin", length=255), "mysql")
    .with_variant(mysql.VARCHAR(charset="utf8mb4", collation="utf8mb4_bin", length=255), "mariadb")
)
CURRENCY = {
    "sqlite": "currency GLOB '[A-Z][A-Z][A-Z]'",
    "postgresql": "currency ~ '^[A-Z]{3}$'",
    "mysql": "CAST(currency AS BINARY) REGEXP '^[A-Z]{3}$'",
}
ITEM_MATCH = (
    "(matched_to = 'payment' AND payment_id IS NOT NULL AND refund_id IS NULL) OR "
    "(matched_to = 'refund' AND refund_id IS NOT NULL AND payment_id IS NULL) OR "
    "(matched_to IN ('fee', 'payout', 'unmatched', 'other_school') "
    "AND payment_id IS NULL AND refund_id IS NULL)"
)


def _engine() -> str:
    name = op.get_bind().dialect.name
    return "mysql" if name in ("mysql", "mariadb") else name


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
    ]


def upgrade() -> None:
    currency = CURRENCY[_engine()]
    op.create_table(
        "provider_payouts",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("school_id", ID, nullable=False),
        sa.Column("gateway", sa.String(length=32), nullable=False),
        sa.Column("ref", PROVIDER_ID, nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("provider_created_at", UTC_DATETIME, nullable=False),
        sa.Column("arrival_date", sa.Date(), nullable=False),
        sa.Column("items_stored", sa.Boolean(), nullable=False),
        sa.Column("transferred", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_provider_payouts"),
        sa.UniqueConstraint(
            "school_id", "gateway", "ref", name="uq_provider_payouts_school_id_gateway_ref"
        ),
        sa.UniqueConstraint("id", "school_id", name="uq_provider_payouts_id_school_id"),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name="fk_provider_payouts_school_id_schools"
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'in_transit', 'paid', 'failed', 'canceled')",
            name=op.f("ck_provider_payouts_status"),
        ),
        sa.CheckConstraint("amount_minor <> 0", name=op.f("ck_provider_payouts_amount")),
        sa.CheckConstraint("ref <> ''", name=op.f("ck_provider_payouts_ref")),
        sa.CheckConstraint(currency, name=op.f("ck_provider_payouts_currency")),
    )
    op.create_index("ix_provider_payouts_updated_at", "provider_payouts", ["updated_at"])
    op.create_index(
        "ix_provider_payouts_school_id_arrival_date",
        "provider_payouts",
        ["school_id", "arrival_date"],
    )

    op.create_table(
        "provider_payout_items",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("school_id", ID, nullable=False),
        sa.Column("payout_id", ID, nullable=False),
        sa.Column("gateway", sa.String(length=32), nullable=False),
        sa.Column("ref", PROVIDER_ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("item_type", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("fee_minor", sa.BigInteger(), nullable=False),
        sa.Column("net_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("provider_created_at", UTC_DATETIME, nullable=False),
        sa.Column("source_ref", sa.String(length=255), nullable=True),
        sa.Column("payment_ref", sa.String(length=255), nullable=True),
        sa.Column("refund_ref", sa.String(length=255), nullable=True),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("matched_to", sa.String(length=16), nullable=False),
        sa.Column("payment_id", sa.String(length=36), nullable=True),
        sa.Column("refund_id", sa.String(length=36), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_provider_payout_items"),
        sa.UniqueConstraint(
            "school_id", "gateway", "ref", name="uq_provider_payout_items_school_id_gateway_ref"
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name="fk_provider_payout_items_school_id_schools"
        ),
        sa.ForeignKeyConstraint(
            ["payout_id", "school_id"],
            ["provider_payouts.id", "provider_payouts.school_id"],
            name="fk_provider_payout_items_payout_school",
        ),
        sa.ForeignKeyConstraint(
            ["payment_id", "school_id"],
            ["student_payments.id", "student_payments.school_id"],
            name="fk_provider_payout_items_payment_school",
        ),
        sa.ForeignKeyConstraint(
            ["refund_id", "school_id"],
            ["student_refunds.id", "student_refunds.school_id"],
            name="fk_provider_payout_items_refund_school",
        ),
        sa.CheckConstraint(
            "kind IN ('payment', 'refund', 'fee', 'payout', 'other')",
            name=op.f("ck_provider_payout_items_kind"),
        ),
        sa.CheckConstraint(
            "net_minor = amount_minor - fee_minor", name=op.f("ck_provider_payout_items_net")
        ),
        sa.CheckConstraint("ref <> ''", name=op.f("ck_provider_payout_items_ref")),
        sa.CheckConstraint(ITEM_MATCH, name=op.f("ck_provider_payout_items_matched_to")),
        sa.CheckConstraint(currency, name=op.f("ck_provider_payout_items_currency")),
    )
    op.create_index("ix_provider_payout_items_payout_id", "provider_payout_items", ["payout_id"])
    op.create_index("ix_provider_payout_items_updated_at", "provider_payout_items", ["updated_at"])
    op.create_index(
        "ix_provider_payout_items_school_id_matched_to",
        "provider_payout_items",
        ["school_id", "matched_to"],
    )


def downgrade() -> None:
    op.drop_table("provider_payout_items")
    op.drop_table("provider_payouts")
