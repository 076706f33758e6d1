"""Who is at the desk and the cash-up (issue 14): staff accounts, shifts, pay-ins/outs.

* ``staff``: a school's accounts; initials unique per school as stored (upper case, compared
  byte for byte on MySQL/MariaDB too); the role one of receptionist, manager, admin; the PIN
  only as an argon2id hash (a CHECK refuses anything that does not start ``$argon2id$``);
  the failed-attempt count and the lock.
* ``shifts``: a desk's shifts. ``open_desk`` is the desk while the shift is open and NULL
  once closed, under ``UNIQUE (school_id, open_desk)``: one open shift per desk, refused by
  the database itself (NULLs never collide, on all three engines). ``z_no`` numbers the
  closes per desk (``UNIQUE (school_id, desk, z_no)``). A CHECK ties the state together: an
  open shift names its desk; a closed one has its count, expected figure, Z number and who
  closed it, and its variance is the count less the expected figure.
* ``shift_movements``: pay-ins and pay-outs, positive, with a reason.
* ``staff_id`` on payments and refunds (``(staff_id, school_id)`` → ``staff(id, school_id)``,
  in the style of 0006) and ``staff_id``/``approver_id`` on the audit log; nullable, so rows
  written before keep only their ``staff`` text.

On SQLite, adding the foreign keys rebuilds ``student_payments``, ``student_refunds`` and
``audit_log`` (batch mode); ``receipts`` is not touched (see 0006 about its generated column).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 19:50:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types and checks of this revision (jdoffice.adapters.orm_staff
# says the same).
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
INITIALS = (
    sa.String(length=8)
    .with_variant(mysql.VARCHAR(charset="utf8mb4", collation="utf8mb4_bin", length=8), "mysql")
    .with_variant(mysql.VARCHAR(charset="utf8mb4", collation="utf8mb4_bin", length=8), "mariadb")
)
CURRENCY = {
    "sqlite": "currency GLOB '[A-Z][A-Z][A-Z]'",
    "postgresql": "currency ~ '^[A-Z]{3}$'",
    "mysql": "CAST(currency AS BINARY) REGEXP '^[A-Z]{3}$'",
}
SHIFT_STATE = (
    "(closed_at IS NULL AND open_desk IS NOT NULL AND open_desk = desk) OR "
    "(closed_at IS NOT NULL AND open_desk IS NULL AND z_no IS NOT NULL "
    "AND closed_by_id IS NOT NULL AND counted_minor IS NOT NULL "
    "AND expected_minor IS NOT NULL AND variance_minor = counted_minor - expected_minor)"
)
#: The money tables that get ``staff_id`` under a composite key to ``staff``.
MONEY_TABLES = ("student_payments", "student_refunds")
#: The audit log's two people: ``(column, foreign key name)``.
AUDIT_PEOPLE = (
    ("staff_id", "fk_audit_log_staff_id_staff"),
    ("approver_id", "fk_audit_log_approver_id_staff"),
)


def _engine() -> str:
    name = op.get_bind().dialect.name
    return "mysql" if name in ("mysql", "mariadb") else name


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
    ]


def _staff_key(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column, "school_id"],
        ["staff.id", "staff.school_id"],
        name=f"fk_{table}_{column.removesuffix('_id')}_school",
    )


def _currency_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["school_id", "currency"],
        ["schools.id", "schools.currency"],
        name=f"fk_{table}_school_currency",
    )


def upgrade() -> None:
    currency = CURRENCY[_engine()]
    op.create_table(
        "staff",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("school_id", ID, nullable=False),
        sa.Column("initials", INITIALS, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("pin_hash", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTC_DATETIME, nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_staff"),
        sa.UniqueConstraint("school_id", "initials", name="uq_staff_school_id_initials"),
        sa.UniqueConstraint("id", "school_id", name="uq_staff_id_school_id"),
        sa.ForeignKeyConstraint(["school_id"], ["schools.id"], name="fk_staff_school_id_schools"),
        sa.CheckConstraint(
            "role IN ('receptionist', 'manager', 'admin')", name=op.f("ck_staff_role")
        ),
        sa.CheckConstraint("pin_hash LIKE '$argon2id$%'", name=op.f("ck_staff_pin_hash")),
        sa.CheckConstraint("failed_attempts >= 0", name=op.f("ck_staff_failed_attempts")),
        sa.CheckConstraint("initials <> ''", name=op.f("ck_staff_initials")),
    )
    op.create_index("ix_staff_updated_at", "staff", ["updated_at"])

    op.create_table(
        "shifts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("school_id", ID, nullable=False),
        sa.Column("desk", sa.String(length=64), nullable=False),
        sa.Column("open_desk", sa.String(length=64), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("float_minor", sa.BigInteger(), nullable=False),
        sa.Column("opened_at", UTC_DATETIME, nullable=False),
        sa.Column("opened_by_id", ID, nullable=False),
        sa.Column("closed_at", UTC_DATETIME, nullable=True),
        sa.Column("closed_by_id", ID, nullable=True),
        sa.Column("z_no", sa.Integer(), nullable=True),
        sa.Column("counted_minor", sa.BigInteger(), nullable=True),
        sa.Column("expected_minor", sa.BigInteger(), nullable=True),
        sa.Column("variance_minor", sa.BigInteger(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("report", sa.JSON(), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_shifts"),
        sa.UniqueConstraint("id", "school_id", name="uq_shifts_id_school_id"),
        sa.UniqueConstraint("school_id", "open_desk", name="uq_shifts_school_id_open_desk"),
        sa.UniqueConstraint("school_id", "desk", "z_no", name="uq_shifts_school_id_desk_z_no"),
        sa.ForeignKeyConstraint(["school_id"], ["schools.id"], name="fk_shifts_school_id_schools"),
        _currency_fk("shifts"),
        _staff_key("shifts", "opened_by_id"),
        _staff_key("shifts", "closed_by_id"),
        sa.CheckConstraint("float_minor >= 0", name=op.f("ck_shifts_float")),
        sa.CheckConstraint(
            "counted_minor IS NULL OR counted_minor >= 0", name=op.f("ck_shifts_counted")
        ),
        sa.CheckConstraint("z_no IS NULL OR z_no > 0", name=op.f("ck_shifts_z_no")),
        sa.CheckConstraint(SHIFT_STATE, name=op.f("ck_shifts_state")),
        sa.CheckConstraint(currency, name=op.f("ck_shifts_currency")),
    )
    op.create_index("ix_shifts_updated_at", "shifts", ["updated_at"])
    op.create_index(
        "ix_shifts_school_id_desk_opened_at", "shifts", ["school_id", "desk", "opened_at"]
    )

    op.create_table(
        "shift_movements",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("shift_id", sa.String(length=36), nullable=False),
        sa.Column("school_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("staff_id", ID, nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_shift_movements"),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name="fk_shift_movements_school_id_schools"
        ),
        sa.ForeignKeyConstraint(
            ["shift_id", "school_id"],
            ["shifts.id", "shifts.school_id"],
            name="fk_shift_movements_shift_school",
        ),
        _currency_fk("shift_movements"),
        _staff_key("shift_movements", "staff_id"),
        sa.CheckConstraint("kind IN ('pay_in', 'pay_out')", name=op.f("ck_shift_movements_kind")),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_shift_movements_amount")),
        sa.CheckConstraint("reason <> ''", name=op.f("ck_shift_movements_reason")),
        sa.CheckConstraint(currency, name=op.f("ck_shift_movements_currency")),
    )
    op.create_index("ix_shift_movements_shift_id", "shift_movements", ["shift_id"])
    op.create_index("ix_shift_movements_updated_at", "shift_movements", ["updated_at"])

    for table in MONEY_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("staff_id", ID, nullable=True))
            batch.create_foreign_key(
                f"fk_{table}_staff_school", "staff", ["staff_id", "school_id"], ["id", "school_id"]
            )
    with op.batch_alter_table("audit_log") as batch:
        for column, fk in AUDIT_PEOPLE:
            batch.add_column(sa.Column(column, ID, nullable=True))
            batch.create_foreign_key(fk, "staff", [column], ["id"])


def downgrade() -> None:
    engine = _engine()
    drops = [("audit_log", [fk for _, fk in AUDIT_PEOPLE], [c for c, _ in AUDIT_PEOPLE])]
    drops += [(t, [f"fk_{t}_staff_school"], ["staff_id"]) for t in MONEY_TABLES]
    for table, fks, columns in drops:
        with op.batch_alter_table(table) as batch:
            for fk in fks:
                batch.drop_constraint(fk, type_="foreignkey")
            if engine != "mysql":
                for column in columns:
                    batch.drop_column(column)
        if engine == "mysql":
            # MySQL/MariaDB made an index for each foreign key; it outlives the key, and a
            # column dropped under it would leave it on the other columns.
            for fk in fks:
                _drop_index_if_exists(table, fk)
            with op.batch_alter_table(table) as batch:
                for column in columns:
                    batch.drop_column(column)
    # Their indexes go with them.
    op.drop_table("shift_movements")
    op.drop_table("shifts")
    op.drop_table("staff")


def _drop_index_if_exists(table: str, name: str) -> None:
    bind = op.get_bind()
    exists = bind.execute(
        sa.text(
            "SELECT COUNT(*) FROM information_schema.statistics WHERE table_schema = DATABASE() "
            "AND table_name = :t AND index_name = :i"
        ),
        {"t": table, "i": name},
    ).scalar()
    if exists:
        op.drop_index(name, table_name=table)
