"""The declarative base every model shares, and the constraint helpers of revision 0006.

Kept apart from ``jdoffice.adapters.orm`` so the models of one area (``orm_staff``) can live
in a module of their own without importing back into ``orm``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from jdoffice.adapters.column_types import NAMING, UTCDateTime


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# --- what the database itself refuses (revision 0006, issue 10) ----------------------------------
#
# CHECK constraints on amounts, statuses and currency codes, composite foreign keys that tie
# a row's school to its student's (and payment's) school and currency to its school's, and one
# receipt per payment and per refund. MariaDB enforces CHECK since 10.2; MySQL since 8.0.16.

PAYMENT_STATUSES = "'pending', 'succeeded', 'failed'"
REFUND_STATUSES = "'pending', 'succeeded', 'failed'"

#: A currency is three upper-case ASCII letters. Each engine says it its own way: SQLite's GLOB
#: and PostgreSQL's ``~`` are case-sensitive; MySQL/MariaDB compare text by collation (case
#: blind), so the bytes are matched.
CURRENCY_CHECKS = {
    "sqlite": "currency GLOB '[A-Z][A-Z][A-Z]'",
    "postgresql": "currency ~ '^[A-Z]{3}$'",
    "mysql": "CAST(currency AS BINARY) REGEXP '^[A-Z]{3}$'",
    "mariadb": "CAST(currency AS BINARY) REGEXP '^[A-Z]{3}$'",
}


def currency_check() -> tuple[CheckConstraint, ...]:
    """``ck_<table>_currency``, in the form of each engine."""
    return tuple(
        CheckConstraint(sql, name="currency").ddl_if(dialect=engine)
        for engine, sql in CURRENCY_CHECKS.items()
    )


def school_of_student(table: str, ondelete: str | None = None) -> ForeignKeyConstraint:
    """``(student_id, school_id)`` → ``students(id, school_id)``: the row's school is its
    student's school."""
    return ForeignKeyConstraint(
        ["student_id", "school_id"],
        ["students.id", "students.school_id"],
        name=f"fk_{table}_student_school",
        ondelete=ondelete,
    )


def school_currency(table: str) -> ForeignKeyConstraint:
    """``(school_id, currency)`` → ``schools(id, currency)``: money in the school's currency."""
    return ForeignKeyConstraint(
        ["school_id", "currency"],
        ["schools.id", "schools.currency"],
        name=f"fk_{table}_school_currency",
    )


class Timestamps:
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
