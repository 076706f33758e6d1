"""Offline desks: a payment taken while the shared database was unreachable keeps the number
of the receipt the desk printed then (its per-desk offline series, e.g. ``desk-1-K7QD2M-O000012``).

One nullable column and a unique index per school, added in place on SQLite, PostgreSQL and
MySQL/MariaDB holding data; the integer ``receipt_no`` series is untouched.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 10:02:17.118204
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "student_payments", sa.Column("offline_receipt_no", sa.String(length=96), nullable=True)
    )
    op.create_index(
        "uq_student_payments_school_id_offline_receipt_no",
        "student_payments",
        ["school_id", "offline_receipt_no"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_student_payments_school_id_offline_receipt_no", table_name="student_payments")
    with op.batch_alter_table("student_payments", schema=None) as batch_op:
        batch_op.drop_column("offline_receipt_no")
