"""The database guards the money's invariants itself (issue 10), on all three engines:

* CHECK constraints: invoices are not negative; payments and refunds are positive; a
  payment's refunded total stays between 0 and its amount; an allocation moves money, and only
  a refund takes it back; statuses and receipt kinds are the known ones; currencies are three
  upper-case letters (MariaDB enforces CHECK from 10.2).
* Composite foreign keys: ``UNIQUE (id, school_id)`` on students, payments and refunds lets
  invoices, payments, refunds, cached balances and receipts say ``(student_id, school_id)`` →
  students (and ``(payment_id, school_id)`` → payments), so a row always belongs to its
  student's school; ``UNIQUE (id, currency)`` on schools lets money rows say
  ``(school_id, currency)`` → schools, so money is in the school's currency.
* One receipt per refund (``UNIQUE (refund_id)``) and per payment (a stored generated column
  ``payment_receipt_of`` with a unique index: refund receipts name their payment too).

Rows already in the database that break a rule stop the upgrade before anything changes
(MySQL/MariaDB cannot roll back DDL, so nothing is altered until every check passed): the
message lists them and points at ``jdoffice db check``. SQLite rebuilds each table (batch
mode) to add constraints. A later migration that rebuilds ``receipts`` on SQLite must leave
``payment_receipt_of`` out of the copied columns (batch mode reflects it as a plain column and
SQLite refuses to insert into a generated one), as :func:`downgrade` does by dropping it in
the same rebuild.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 16:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

from jdoffice.domain.errors import BusinessRuleError

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of what this revision adds (jdoffice.adapters.orm says the same).
STATUSES = "'pending', 'succeeded', 'failed'"
CURRENCY = {
    "sqlite": "currency GLOB '[A-Z][A-Z][A-Z]'",
    "postgresql": "currency ~ '^[A-Z]{3}$'",
    "mysql": "CAST(currency AS BINARY) REGEXP '^[A-Z]{3}$'",
}
PAYMENT_RECEIPT_OF = "CASE WHEN kind = 'payment' THEN payment_id END"
#: Problems of ``jdoffice db check`` that this revision's constraints refuse.
BLOCKING = (
    "bad_amount",
    "unknown_status",
    "bad_currency",
    "foreign_currency",
    "mixed_schools",
    "orphan",
    "duplicate_receipt",
)
SHOWN = 20

#: (table, unique constraints, foreign keys (name, columns, referred table, referred columns,
#: ondelete), check constraints (name, SQL; ``None`` = the currency check)), parents first.
TABLES: list[
    tuple[
        str,
        list[tuple[str, list[str]]],
        list[tuple[str, list[str], str, list[str], str | None]],
        list[tuple[str, str | None]],
    ]
] = [
    ("schools", [("uq_schools_id_currency", ["id", "currency"])], [], [("currency", None)]),
    ("students", [("uq_students_id_school_id", ["id", "school_id"])], [], []),
    (
        "student_invoices",
        [("uq_student_invoices_id_school_id", ["id", "school_id"])],
        [
            (
                "fk_student_invoices_student_school",
                ["student_id", "school_id"],
                "students",
                ["id", "school_id"],
                None,
            ),
            (
                "fk_student_invoices_school_currency",
                ["school_id", "currency"],
                "schools",
                ["id", "currency"],
                None,
            ),
        ],
        [("amount", "amount_minor >= 0"), ("currency", None)],
    ),
    (
        "student_payments",
        [("uq_student_payments_id_school_id", ["id", "school_id"])],
        [
            (
                "fk_student_payments_student_school",
                ["student_id", "school_id"],
                "students",
                ["id", "school_id"],
                None,
            ),
            (
                "fk_student_payments_school_currency",
                ["school_id", "currency"],
                "schools",
                ["id", "currency"],
                None,
            ),
        ],
        [
            ("amount", "amount_minor > 0"),
            ("refunded", "refunded_minor >= 0 AND refunded_minor <= amount_minor"),
            ("status", f"status IN ({STATUSES})"),
            ("currency", None),
        ],
    ),
    (
        "student_refunds",
        [("uq_student_refunds_id_school_id", ["id", "school_id"])],
        [
            (
                "fk_student_refunds_student_school",
                ["student_id", "school_id"],
                "students",
                ["id", "school_id"],
                None,
            ),
            (
                "fk_student_refunds_payment_school",
                ["payment_id", "school_id"],
                "student_payments",
                ["id", "school_id"],
                None,
            ),
            (
                "fk_student_refunds_school_currency",
                ["school_id", "currency"],
                "schools",
                ["id", "currency"],
                None,
            ),
        ],
        [
            ("amount", "amount_minor > 0"),
            ("status", f"status IN ({STATUSES})"),
            ("currency", None),
        ],
    ),
    (
        "student_payment_allocations",
        [],
        [],
        [("amount", "amount_minor <> 0 AND (refund_id IS NOT NULL OR amount_minor > 0)")],
    ),
    (
        "student_balances",
        [],
        [
            (
                "fk_student_balances_student_school",
                ["student_id", "school_id"],
                "students",
                ["id", "school_id"],
                "CASCADE",
            ),
            (
                "fk_student_balances_school_currency",
                ["school_id", "currency"],
                "schools",
                ["id", "currency"],
                None,
            ),
        ],
        [("currency", None)],
    ),
    (
        "receipts",
        [("uq_receipts_refund_id", ["refund_id"])],
        [
            (
                "fk_receipts_payment_school",
                ["payment_id", "school_id"],
                "student_payments",
                ["id", "school_id"],
                None,
            ),
            (
                "fk_receipts_refund_school",
                ["refund_id", "school_id"],
                "student_refunds",
                ["id", "school_id"],
                None,
            ),
        ],
        [("kind", "kind IN ('payment', 'refund')"), ("receipt_no", "receipt_no > 0")],
    ),
]


def _engine() -> str:
    name = op.get_bind().dialect.name
    return "mysql" if name in ("mysql", "mariadb") else name


def refuse_rows_that_break_the_rules() -> None:
    """Stop before any change when rows already break a rule this revision adds."""
    # The same queries as `jdoffice db check`, so the rows named here are the ones it shows.
    from jdoffice.adapters.integrity import SqlIntegrity

    found = [i for i in SqlIntegrity(op.get_bind()).find() if i.problem.value in BLOCKING]
    if not found:
        return
    rows = [f"{i.table} {i.row_id}: {i.problem.value}: {i.detail}" for i in found[:SHOWN]]
    if len(found) > SHOWN:
        rows.append(f"and {len(found) - SHOWN} more")
    # One line: the command line shows an error as one line (issue 2).
    raise BusinessRuleError(
        f"the database was not upgraded to revision {revision}: {len(found)} row(s) break "
        "rules it would make the database enforce, and nothing was changed; correct them "
        "(`jdoffice db check` lists them), then run `jdoffice db upgrade` again: " + "; ".join(rows)
    )


def upgrade() -> None:
    refuse_rows_that_break_the_rules()
    engine = _engine()
    for table, uniques, fks, checks in TABLES:
        with op.batch_alter_table(table) as batch:
            if table == "receipts":
                batch.add_column(
                    sa.Column(
                        "payment_receipt_of",
                        sa.String(length=36),
                        sa.Computed(PAYMENT_RECEIPT_OF, persisted=True),
                        nullable=True,
                    )
                )
                uniques = [*uniques, ("uq_receipts_payment_receipt_of", ["payment_receipt_of"])]
            for name, columns in uniques:
                batch.create_unique_constraint(name, columns)
            for name, columns, referred, referred_columns, ondelete in fks:
                batch.create_foreign_key(
                    name, referred, columns, referred_columns, ondelete=ondelete
                )
            for name, sql in checks:
                batch.create_check_constraint(
                    f"ck_{table}_{name}", sa.text(sql or CURRENCY[engine])
                )


def downgrade() -> None:
    engine = _engine()
    for table, uniques, fks, checks in reversed(TABLES):
        if table == "receipts":
            uniques = [*uniques, ("uq_receipts_payment_receipt_of", ["payment_receipt_of"])]
        with op.batch_alter_table(table) as batch:
            for name, _ in checks:
                batch.drop_constraint(f"ck_{table}_{name}", type_="check")
            for name, *_ in fks:
                batch.drop_constraint(name, type_="foreignkey")
            if engine != "mysql":
                # One rebuild on SQLite: a second one would copy the generated column as data.
                _drop_uniques(batch, table, uniques)
        if engine == "mysql":
            # MySQL/MariaDB made an index for each foreign key that had none; it outlives it,
            # and a unique key stays needed by a foreign key until that key is gone.
            for name, *_ in fks:
                _drop_index_if_exists(table, name)
            with op.batch_alter_table(table) as batch:
                _drop_uniques(batch, table, uniques)


def _drop_uniques(batch: BatchOperations, table: str, uniques: list[tuple[str, list[str]]]) -> None:
    for name, _ in uniques:
        batch.drop_constraint(name, type_="unique")
    if table == "receipts":
        batch.drop_column("payment_receipt_of")


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
