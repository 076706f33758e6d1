"""Reminders about overdue invoices (issue 15): ``reminders``, one row per reminder sent.

* ``UNIQUE (school_id, invoice_id, reminded_on)``: at most one reminder about an invoice per
  school day, refused by the database itself (two desks pressing at the same moment send
  one); the school's longer interval is kept by the service under the invoice's row lock.
* ``(student_id, school_id)`` → ``students``, ``(invoice_id, school_id)`` →
  ``student_invoices``, ``(staff_id, school_id)`` → ``staff``, ``(school_id, currency)`` →
  ``schools``: a reminder is about its own school's student and invoice, in its currency.
* The channel is ``sms`` or ``email``; the amount asked for is positive.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 14:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types and checks of this revision.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
CURRENCY = {
    "sqlite": "currency GLOB '[A-Z][A-Z][A-Z]'",
    "postgresql": "currency ~ '^[A-Z]{3}$'",
    "mysql": "CAST(currency AS BINARY) REGEXP '^[A-Z]{3}$'",
}


def _engine() -> str:
    name = op.get_bind().dialect.name
    return "mysql" if name in ("mysql", "mariadb") else name


def upgrade() -> None:
    op.create_table(
        "reminders",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("school_id", ID, nullable=False),
        sa.Column("student_id", ID, nullable=False),
        sa.Column("invoice_id", ID, nullable=False),
        sa.Column("invoice_no", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reminded_on", sa.Date(), nullable=False),
        sa.Column("sent_at", UTC_DATETIME, nullable=False),
        sa.Column("attempt_id", sa.String(length=36), nullable=True),
        sa.Column("staff", sa.String(length=64), nullable=False),
        sa.Column("desk", sa.String(length=64), nullable=False),
        sa.Column("staff_id", ID, nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reminders"),
        sa.UniqueConstraint(
            "school_id",
            "invoice_id",
            "reminded_on",
            name="uq_reminders_school_id_invoice_id_reminded_on",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name="fk_reminders_school_id_schools"
        ),
        sa.ForeignKeyConstraint(
            ["student_id", "school_id"],
            ["students.id", "students.school_id"],
            name="fk_reminders_student_school",
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id", "school_id"],
            ["student_invoices.id", "student_invoices.school_id"],
            name="fk_reminders_invoice_school",
        ),
        sa.ForeignKeyConstraint(
            ["school_id", "currency"],
            ["schools.id", "schools.currency"],
            name="fk_reminders_school_currency",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id", "school_id"],
            ["staff.id", "staff.school_id"],
            name="fk_reminders_staff_school",
        ),
        sa.CheckConstraint("channel IN ('sms', 'email')", name=op.f("ck_reminders_channel")),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_reminders_amount")),
        sa.CheckConstraint(CURRENCY[_engine()], name=op.f("ck_reminders_currency")),
    )
    op.create_index("ix_reminders_student_id", "reminders", ["student_id"])
    op.create_index("ix_reminders_updated_at", "reminders", ["updated_at"])
    op.create_index("ix_reminders_invoice_id_sent_at", "reminders", ["invoice_id", "sent_at"])
    op.create_index("ix_reminders_school_id_sent_at", "reminders", ["school_id", "sent_at"])


def downgrade() -> None:
    # Its indexes go with it.
    op.drop_table("reminders")
