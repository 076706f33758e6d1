"""Online payments: attempts, processed provider events, flagged confirmations, settings.

No table is rebuilt: new columns are added and unique indexes created, which SQLite, PostgreSQL
and MySQL/MariaDB all do in place on tables that already hold data.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 17:34:59.913059
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types of this revision (naive UTC, microseconds on MySQL).
UTC_DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def upgrade() -> None:
    op.create_table(
        "flagged_confirmations",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("school_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("gateway", sa.String(length=32), nullable=False),
        sa.Column("provider_ref", sa.String(length=255), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("invoice_no", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("resolved_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_flagged_confirmations_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flagged_confirmations")),
    )
    with op.batch_alter_table("flagged_confirmations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_flagged_confirmations_school_id"), ["school_id"], unique=False
        )

    op.create_table(
        "processed_provider_events",
        sa.Column("gateway", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("school_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("received_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_processed_provider_events_school_id_schools"),
        ),
        sa.PrimaryKeyConstraint("gateway", "event_id", name=op.f("pk_processed_provider_events")),
    )
    with op.batch_alter_table("processed_provider_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_processed_provider_events_received_at"), ["received_at"], unique=False
        )

    op.create_table(
        "provider_cursors",
        sa.Column(
            "school_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("gateway", sa.String(length=32), nullable=False),
        sa.Column("last_event_id", sa.String(length=255), nullable=True),
        sa.Column("last_event_created", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_provider_cursors_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("school_id", "gateway", name=op.f("pk_provider_cursors")),
    )
    op.create_table(
        "school_payment_settings",
        sa.Column(
            "school_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("online_enabled", sa.Boolean(), nullable=True),
        sa.Column("gateway", sa.String(length=32), nullable=True),
        sa.Column("checkout_expiry_minutes", sa.Integer(), nullable=True),
        sa.Column("success_url", sa.String(length=500), nullable=True),
        sa.Column("mode", sa.String(length=8), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_school_payment_settings_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("school_id", name=op.f("pk_school_payment_settings")),
    )
    op.create_table(
        "online_payment_attempts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "school_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "student_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "invoice_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("gateway", sa.String(length=32), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("request_params", sa.JSON(), nullable=False),
        sa.Column("provider_ref", sa.String(length=255), nullable=True),
        sa.Column("payment_ref", sa.String(length=255), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("expires_at", UTC_DATETIME, nullable=True),
        sa.Column("payment_id", sa.String(length=36), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("desk", sa.String(length=64), nullable=False),
        sa.Column("staff", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["student_invoices.id"],
            name=op.f("fk_online_payment_attempts_invoice_id_student_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["student_payments.id"],
            name=op.f("fk_online_payment_attempts_payment_id_student_payments"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_online_payment_attempts_school_id_schools")
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["students.id"],
            name=op.f("fk_online_payment_attempts_student_id_students"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_online_payment_attempts")),
        sa.UniqueConstraint(
            "gateway", "provider_ref", name=op.f("uq_online_payment_attempts_gateway_provider_ref")
        ),
    )
    with op.batch_alter_table("online_payment_attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_online_payment_attempts_invoice_id_status", ["invoice_id", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_online_payment_attempts_payment_id"), ["payment_id"], unique=False
        )
        batch_op.create_index(
            "ix_online_payment_attempts_status_updated_at", ["status", "updated_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_online_payment_attempts_updated_at"), ["updated_at"], unique=False
        )

    op.add_column(
        "student_payments", sa.Column("provider_ref", sa.String(length=255), nullable=True)
    )
    op.create_index(
        "uq_student_payments_method_provider_ref",
        "student_payments",
        ["method", "provider_ref"],
        unique=True,
    )
    op.add_column("student_refunds", sa.Column("gateway", sa.String(length=32), nullable=True))
    op.add_column(
        "student_refunds", sa.Column("provider_ref", sa.String(length=255), nullable=True)
    )
    op.add_column("student_refunds", sa.Column("error", sa.String(length=500), nullable=True))
    op.create_index(
        "uq_student_refunds_gateway_provider_ref",
        "student_refunds",
        ["gateway", "provider_ref"],
        unique=True,
    )


def downgrade() -> None:
    # A dropped table takes its indexes with it. Dropping an index first fails on
    # MySQL/MariaDB when a foreign key needs it (error 1553), so tables go in one step.
    op.drop_index("uq_student_refunds_gateway_provider_ref", table_name="student_refunds")
    with op.batch_alter_table("student_refunds", schema=None) as batch_op:
        batch_op.drop_column("error")
        batch_op.drop_column("provider_ref")
        batch_op.drop_column("gateway")
    op.drop_index("uq_student_payments_method_provider_ref", table_name="student_payments")
    with op.batch_alter_table("student_payments", schema=None) as batch_op:
        batch_op.drop_column("provider_ref")

    op.drop_table("online_payment_attempts")
    op.drop_table("school_payment_settings")
    op.drop_table("provider_cursors")
    op.drop_table("processed_provider_events")
    op.drop_table("flagged_confirmations")
