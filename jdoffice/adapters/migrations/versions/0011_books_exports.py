"""Exported periods of the books (issue 15): ``books_exports`` records every run of
``books export`` (period, format, who and when, the number and total of its lines, the SHA-256
of the file; a repeat names the export it repeats, of the same school), and
``books_exported_postings`` the lines a first export delivered, keyed
``(school_id, posting_key)`` so the database refuses to deliver a line twice.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 14:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types of this revision (jdoffice.adapters.orm_books).
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def upgrade() -> None:
    op.create_table(
        "books_exports",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("school_id", ID, nullable=False),
        sa.Column("from_date", sa.Date(), nullable=False),
        sa.Column("to_date", sa.Date(), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("repeat_of", ID, nullable=True),
        sa.Column("postings", sa.Integer(), nullable=False),
        sa.Column("corrections", sa.Integer(), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("staff", sa.String(length=64), nullable=False),
        sa.Column("staff_id", ID, nullable=True),
        sa.Column("desk", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_books_exports"),
        sa.UniqueConstraint("id", "school_id", name="uq_books_exports_id_school_id"),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name="fk_books_exports_school_id_schools"
        ),
        sa.ForeignKeyConstraint(
            ["repeat_of", "school_id"],
            ["books_exports.id", "books_exports.school_id"],
            name="fk_books_exports_repeat_of_school",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id", "school_id"],
            ["staff.id", "staff.school_id"],
            name="fk_books_exports_staff_school",
        ),
        sa.CheckConstraint("from_date <= to_date", name=op.f("ck_books_exports_period")),
        sa.CheckConstraint(
            "format IN ('csv', 'economic', 'saft')", name=op.f("ck_books_exports_format")
        ),
        sa.CheckConstraint(
            "postings >= 0 AND corrections >= 0 AND corrections <= postings",
            name=op.f("ck_books_exports_postings"),
        ),
        sa.CheckConstraint("total_minor >= 0", name=op.f("ck_books_exports_total")),
        sa.CheckConstraint("digest <> ''", name=op.f("ck_books_exports_digest")),
    )
    op.create_index(
        "ix_books_exports_school_id_from_date", "books_exports", ["school_id", "from_date"]
    )
    op.create_table(
        "books_exported_postings",
        sa.Column("school_id", ID, nullable=False),
        sa.Column("posting_key", sa.String(length=64), nullable=False),
        sa.Column("export_id", ID, nullable=False),
        sa.Column("posting_date", sa.Date(), nullable=False),
        sa.Column("correction", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("school_id", "posting_key", name="pk_books_exported_postings"),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name="fk_books_exported_postings_school_id_schools"
        ),
        sa.ForeignKeyConstraint(
            ["export_id", "school_id"],
            ["books_exports.id", "books_exports.school_id"],
            name="fk_books_exported_postings_export_school",
        ),
    )
    op.create_index(
        "ix_books_exported_postings_school_id_posting_date",
        "books_exported_postings",
        ["school_id", "posting_date"],
    )
    op.create_index(
        "ix_books_exported_postings_export_id", "books_exported_postings", ["export_id"]
    )


def downgrade() -> None:
    op.drop_table("books_exported_postings")
    op.drop_table("books_exports")
