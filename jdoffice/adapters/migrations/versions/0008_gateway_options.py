"""Each school's own settings for its online gateways (issue 13): a JSON column on
``school_payment_settings``, gateway name → option → value (MobilePay's client id and merchant
serial number differ per school). Secrets are never here: they stay in the OS keyring. The
``gateway`` column now holds the school's online gateways comma-separated, the default first;
a row naming one gateway reads as before.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 22:35:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("school_payment_settings") as batch:
        batch.add_column(sa.Column("gateway_options", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("school_payment_settings") as batch:
        batch.drop_column("gateway_options")
