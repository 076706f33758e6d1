"""The finance core: schools, students, invoices, payments, refunds, receipts, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-27 17:26:52.377867
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types of this revision (naive UTC, microseconds on MySQL).
UTC_DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def upgrade() -> None:
    op.create_table(
        "schools",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("cvr", sa.String(length=16), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schools")),
        sa.UniqueConstraint("slug", name=op.f("uq_schools_slug")),
    )
    with op.batch_alter_table("schools", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_schools_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "audit_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("school_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("staff", sa.String(length=64), nullable=False),
        sa.Column("desk", sa.String(length=64), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_audit_log_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)
        batch_op.create_index(
            "ix_audit_log_entity_entity_id", ["entity", "entity_id"], unique=False
        )

    op.create_table(
        "receipt_counters",
        sa.Column(
            "school_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("last_no", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_receipt_counters_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("school_id", name=op.f("pk_receipt_counters")),
    )
    op.create_table(
        "students",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "school_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("student_no", sa.String(length=32), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_students_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_students")),
        sa.UniqueConstraint(
            "school_id", "student_no", name=op.f("uq_students_school_id_student_no")
        ),
    )
    with op.batch_alter_table("students", schema=None) as batch_op:
        batch_op.create_index(
            "ix_students_school_id_last_name_first_name",
            ["school_id", "last_name", "first_name"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_students_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "student_balances",
        sa.Column(
            "student_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "school_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("balance_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_student_balances_school_id_schools")
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["students.id"],
            name=op.f("fk_student_balances_student_id_students"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("student_id", name=op.f("pk_student_balances")),
    )
    with op.batch_alter_table("student_balances", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_student_balances_school_id"), ["school_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_student_balances_updated_at"), ["updated_at"], unique=False
        )

    op.create_table(
        "student_invoices",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "school_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "student_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("invoice_no", sa.String(length=32), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("paid_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("issued_at", UTC_DATETIME, nullable=False),
        sa.Column("cancelled_at", UTC_DATETIME, nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_student_invoices_school_id_schools")
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name=op.f("fk_student_invoices_student_id_students")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_student_invoices")),
        sa.UniqueConstraint(
            "school_id", "invoice_no", name=op.f("uq_student_invoices_school_id_invoice_no")
        ),
    )
    with op.batch_alter_table("student_invoices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_student_invoices_student_id_due_date", ["student_id", "due_date"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_student_invoices_updated_at"), ["updated_at"], unique=False
        )

    op.create_table(
        "student_payments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "school_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "student_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("refunded_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("rounding_minor", sa.BigInteger(), nullable=False),
        sa.Column("cash_total_minor", sa.BigInteger(), nullable=True),
        sa.Column("tendered_minor", sa.BigInteger(), nullable=True),
        sa.Column("change_minor", sa.BigInteger(), nullable=True),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("receipt_no", sa.BigInteger(), nullable=True),
        sa.Column("desk", sa.String(length=64), nullable=False),
        sa.Column("staff", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_student_payments_school_id_schools")
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name=op.f("fk_student_payments_student_id_students")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_student_payments")),
        sa.UniqueConstraint(
            "school_id", "receipt_no", name=op.f("uq_student_payments_school_id_receipt_no")
        ),
    )
    with op.batch_alter_table("student_payments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_student_payments_school_id_created_at", ["school_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_student_payments_student_id"), ["student_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_student_payments_updated_at"), ["updated_at"], unique=False
        )

    op.create_table(
        "student_search_terms",
        sa.Column(
            "school_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "term",
            sa.String(length=64)
            .with_variant(
                mysql.VARCHAR(charset="utf8mb4", collation="utf8mb4_bin", length=64), "mariadb"
            )
            .with_variant(
                mysql.VARCHAR(charset="utf8mb4", collation="utf8mb4_bin", length=64), "mysql"
            )
            .with_variant(sa.VARCHAR(length=64, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "student_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_student_search_terms_school_id_schools")
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["students.id"],
            name=op.f("fk_student_search_terms_student_id_students"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "school_id", "term", "student_id", name=op.f("pk_student_search_terms")
        ),
    )
    with op.batch_alter_table("student_search_terms", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_student_search_terms_student_id"), ["student_id"], unique=False
        )

    op.create_table(
        "student_refunds",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("payment_id", sa.String(length=36), nullable=False),
        sa.Column(
            "school_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "student_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rounding_minor", sa.BigInteger(), nullable=False),
        sa.Column("cash_total_minor", sa.BigInteger(), nullable=True),
        sa.Column("receipt_no", sa.BigInteger(), nullable=True),
        sa.Column("desk", sa.String(length=64), nullable=False),
        sa.Column("staff", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["student_payments.id"],
            name=op.f("fk_student_refunds_payment_id_student_payments"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_student_refunds_school_id_schools")
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name=op.f("fk_student_refunds_student_id_students")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_student_refunds")),
        sa.UniqueConstraint(
            "school_id", "receipt_no", name=op.f("uq_student_refunds_school_id_receipt_no")
        ),
    )
    with op.batch_alter_table("student_refunds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_student_refunds_payment_id"), ["payment_id"], unique=False
        )
        batch_op.create_index(
            "ix_student_refunds_school_id_created_at", ["school_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_student_refunds_student_id"), ["student_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_student_refunds_updated_at"), ["updated_at"], unique=False
        )

    op.create_table(
        "receipts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "school_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("receipt_no", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("payment_id", sa.String(length=36), nullable=True),
        sa.Column("refund_id", sa.String(length=36), nullable=True),
        sa.Column("issued_at", UTC_DATETIME, nullable=False),
        sa.Column("copies_printed", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["student_payments.id"],
            name=op.f("fk_receipts_payment_id_student_payments"),
        ),
        sa.ForeignKeyConstraint(
            ["refund_id"],
            ["student_refunds.id"],
            name=op.f("fk_receipts_refund_id_student_refunds"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_receipts_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipts")),
        sa.UniqueConstraint(
            "school_id", "receipt_no", name=op.f("uq_receipts_school_id_receipt_no")
        ),
    )
    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_receipts_payment_id"), ["payment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_receipts_refund_id"), ["refund_id"], unique=False)
        batch_op.create_index(
            "ix_receipts_school_id_issued_at", ["school_id", "issued_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_receipts_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "student_payment_allocations",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("payment_id", sa.String(length=36), nullable=False),
        sa.Column(
            "invoice_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("refund_id", sa.String(length=36), nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["student_invoices.id"],
            name=op.f("fk_student_payment_allocations_invoice_id_student_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["student_payments.id"],
            name=op.f("fk_student_payment_allocations_payment_id_student_payments"),
        ),
        sa.ForeignKeyConstraint(
            ["refund_id"],
            ["student_refunds.id"],
            name=op.f("fk_student_payment_allocations_refund_id_student_refunds"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_student_payment_allocations")),
    )
    with op.batch_alter_table("student_payment_allocations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_student_payment_allocations_invoice_id"), ["invoice_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_student_payment_allocations_payment_id"), ["payment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_student_payment_allocations_refund_id"), ["refund_id"], unique=False
        )


def downgrade() -> None:
    # A dropped table takes its indexes with it. Dropping an index first fails on
    # MySQL/MariaDB when a foreign key needs it (error 1553), so tables go in one step.
    op.drop_table("student_payment_allocations")
    op.drop_table("receipts")
    op.drop_table("student_refunds")
    op.drop_table("student_search_terms")
    op.drop_table("student_payments")
    op.drop_table("student_invoices")
    op.drop_table("student_balances")
    op.drop_table("students")
    op.drop_table("receipt_counters")
    op.drop_table("audit_log")
    op.drop_table("schools")
