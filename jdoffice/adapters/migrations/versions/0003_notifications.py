"""Notifications: the e-mail/SMS outbox and per-school notification settings.

Only new tables: nothing existing is rebuilt, so the upgrade runs in place on SQLite,
PostgreSQL and MySQL/MariaDB holding data.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 09:12:31.402117
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types of this revision (naive UTC, microseconds on MySQL).
UTC_DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("school_id", ID, nullable=False),
        sa.Column("student_id", ID, nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTC_DATETIME, nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("sent_at", UTC_DATETIME, nullable=True),
        sa.Column("provider_ref", sa.String(length=255), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_notifications_school_id_schools")
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name=op.f("fk_notifications_student_id_students")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint(
            "kind", "ref", "channel", name=op.f("uq_notifications_kind_ref_channel")
        ),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notifications_status_next_attempt_at",
            ["status", "next_attempt_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_notifications_school_id_created_at", ["school_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_notifications_student_id"), ["student_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_notifications_updated_at"), ["updated_at"], unique=False
        )

    op.create_table(
        "school_notification_settings",
        sa.Column("school_id", ID, nullable=False),
        sa.Column("email_enabled", sa.Boolean(), nullable=True),
        sa.Column("sms_enabled", sa.Boolean(), nullable=True),
        sa.Column("sender_name", sa.String(length=100), nullable=True),
        sa.Column("sender_address", sa.String(length=254), nullable=True),
        sa.Column("sms_sender", sa.String(length=16), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=True),
        sa.Column("templates", sa.JSON(), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_school_notification_settings_school_id_schools"),
        ),
        sa.PrimaryKeyConstraint("school_id", name=op.f("pk_school_notification_settings")),
    )


def downgrade() -> None:
    # A dropped table takes its indexes with it (dropping an index a foreign key needs first
    # fails on MySQL/MariaDB, error 1553).
    op.drop_table("school_notification_settings")
    op.drop_table("notifications")
