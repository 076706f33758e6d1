"""Provider notices that arrive before what they are about: a refund notice for a payment not
recorded yet is kept here, under the school whose secret verified it, and applied exactly once
when the payment lands (whichever path records it: webhook, polling or ``payments sync``).

One new table; nothing existing is rebuilt.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 16:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types of this revision (naive UTC, microseconds on MySQL).
UTC_DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "deferred_provider_notices",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("school_id", ID, nullable=False),
        sa.Column("gateway", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("payment_ref", sa.String(length=255), nullable=False),
        sa.Column("refund_ref", sa.String(length=255), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("our_refund_id", sa.String(length=36), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("received_at", UTC_DATETIME, nullable=False),
        sa.Column("applied_at", UTC_DATETIME, nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_deferred_provider_notices_amount")),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_deferred_provider_notices_school_id_schools"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deferred_provider_notices")),
        # Per school: on a provider account several schools share, each school's sync may
        # keep the same early notice; the school whose payment it is applies it.
        sa.UniqueConstraint(
            "school_id",
            "gateway",
            "event_id",
            "refund_ref",
            name=op.f("uq_deferred_provider_notices_school_id_gateway_event_id_refund_ref"),
        ),
    )
    op.create_index(
        "ix_deferred_provider_notices_school_id_gateway_payment_ref",
        "deferred_provider_notices",
        ["school_id", "gateway", "payment_ref"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_deferred_provider_notices_school_id_gateway_payment_ref",
        table_name="deferred_provider_notices",
    )
    op.drop_table("deferred_provider_notices")
