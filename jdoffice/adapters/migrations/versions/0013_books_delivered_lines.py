"""Delivered lines of the books kept in full (issue 15, after review): ``books_delivered_lines``
replaces ``books_exported_postings``. Each line an export delivered is stored as the file had
it (its own date, document, accounts, amount, texts … as JSON, and the day a correction or a
reversal was dated), so a repeat writes exactly those lines, and a row changed or undone after
its day was exported is taken back by a reversal in the next export. A row's line may now be
delivered more than once (version 2 after version 1's reversal), so the key is
``(school_id, posting_key, version, reversal)``; the key compares byte for byte on MariaDB too
(``utf8mb4_bin``: Stripe ids are case-sensitive). ``books_exports.accounts`` keeps the account
mapping a file was written with.

The lines delivered before this revision are carried over by key and date only (version 1,
no content): they count as delivered, are repeated as before (derived again), and are never
taken back.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 15:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types of this revision (jdoffice.adapters.orm_books).
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
KEY = (
    sa.String(length=64)
    .with_variant(mysql.VARCHAR(charset="utf8mb4", collation="utf8mb4_bin", length=64), "mysql")
    .with_variant(mysql.VARCHAR(charset="utf8mb4", collation="utf8mb4_bin", length=64), "mariadb")
)

_old = sa.table(
    "books_exported_postings",
    sa.column("school_id", ID),
    sa.column("posting_key", sa.String(64)),
    sa.column("export_id", ID),
    sa.column("posting_date", sa.Date()),
    sa.column("correction", sa.Boolean()),
)
_exports = sa.table(
    "books_exports", sa.column("id", ID), sa.column("school_id", ID), sa.column("from_date")
)
_new = sa.table(
    "books_delivered_lines",
    sa.column("school_id", ID),
    sa.column("posting_key", KEY),
    sa.column("version", sa.Integer()),
    sa.column("reversal", sa.Boolean()),
    sa.column("export_id", ID),
    sa.column("seq", sa.Integer()),
    sa.column("own_date", sa.Date()),
    sa.column("corrected_on", sa.Date()),
)


def upgrade() -> None:
    op.add_column("books_exports", sa.Column("accounts", sa.Text(), nullable=True))
    op.create_table(
        "books_delivered_lines",
        sa.Column("school_id", ID, nullable=False),
        sa.Column("posting_key", KEY, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("reversal", sa.Boolean(), nullable=False),
        sa.Column("export_id", ID, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("own_date", sa.Date(), nullable=False),
        sa.Column("corrected_on", sa.Date(), nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("line", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint(
            "school_id", "posting_key", "version", "reversal", name="pk_books_delivered_lines"
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name="fk_books_delivered_lines_school_id_schools"
        ),
        sa.ForeignKeyConstraint(
            ["export_id", "school_id"],
            ["books_exports.id", "books_exports.school_id"],
            name="fk_books_delivered_lines_export_school",
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_books_delivered_lines_version")),
        sa.CheckConstraint("seq >= 0", name=op.f("ck_books_delivered_lines_seq")),
        sa.CheckConstraint(
            "amount_minor IS NULL OR amount_minor > 0", name=op.f("ck_books_delivered_lines_amount")
        ),
        sa.CheckConstraint(
            "reversal = false OR corrected_on IS NOT NULL",
            name=op.f("ck_books_delivered_lines_reversal_dated"),
        ),
    )
    op.create_index(
        "ix_books_delivered_lines_school_id_own_date",
        "books_delivered_lines",
        ["school_id", "own_date"],
    )
    op.create_index(
        "ix_books_delivered_lines_export_id_seq", "books_delivered_lines", ["export_id", "seq"]
    )
    corrected_on = sa.case((_old.c.correction == sa.true(), _exports.c.from_date), else_=None)
    op.execute(
        _new.insert().from_select(
            [
                "school_id",
                "posting_key",
                "version",
                "reversal",
                "export_id",
                "seq",
                "own_date",
                "corrected_on",
            ],
            sa.select(
                _old.c.school_id,
                _old.c.posting_key,
                sa.literal(1),
                sa.false(),
                _old.c.export_id,
                sa.literal(0),
                _old.c.posting_date,
                corrected_on,
            ).join(
                _exports,
                sa.and_(
                    _exports.c.id == _old.c.export_id, _exports.c.school_id == _old.c.school_id
                ),
            ),
        )
    )
    op.drop_table("books_exported_postings")


def downgrade() -> None:
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
    # The first delivery of each row's line (what revision 0011 knew).
    first = sa.and_(_new.c.version == 1, _new.c.reversal == sa.false())
    op.execute(
        _old.insert().from_select(
            ["school_id", "posting_key", "export_id", "posting_date", "correction"],
            sa.select(
                _new.c.school_id,
                _new.c.posting_key,
                _new.c.export_id,
                _new.c.own_date,
                _new.c.corrected_on.is_not(None),
            ).where(first),
        )
    )
    op.drop_table("books_delivered_lines")
    op.drop_column("books_exports", "accounts")
