"""A held provider payout released by staff (issue 15, after review): a payout that settles a
payment or refund no record of the school matches (a charge made outside jdoffice) is held out
of the books; ``provider_payouts.released_at`` says when a manager released it, so the books
post it all the same. Who and why are in the audit trail (``payout.released``).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 15:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A frozen copy of the column type of this revision (jdoffice.adapters.column_types).
UTC_DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def upgrade() -> None:
    with op.batch_alter_table("provider_payouts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("released_at", UTC_DATETIME, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("provider_payouts", schema=None) as batch_op:
        batch_op.drop_column("released_at")
