"""The column types and naming every model shares: UTC times, search terms compared by code
point on every database, auto-incrementing keys, money, and the constraint naming
convention."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, String, TypeDecorator
from sqlalchemy.engine import Dialect

UTC = dt.UTC

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out; stored naive UTC with microseconds."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name in ("mysql", "mariadb"):
            from sqlalchemy.dialects import mysql

            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; jdoffice stores aware UTC times only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # SQLite text
            value = dt.datetime.fromisoformat(value)
        assert isinstance(value, dt.datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class TermString(TypeDecorator[str]):
    """``VARCHAR(64)`` compared by code point on every database (see jdoffice.domain.search):
    ``utf8mb4_bin`` on MySQL/MariaDB, collation ``"C"`` on PostgreSQL.

    The MySQL types load only on MySQL: importing a dialect package imports all its drivers,
    which would slow down the desk program's start on SQLite.
    """

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name in ("mysql", "mariadb"):
            from sqlalchemy.dialects import mysql

            return dialect.type_descriptor(
                mysql.VARCHAR(64, charset="utf8mb4", collation="utf8mb4_bin")
            )
        if dialect.name == "postgresql":
            return dialect.type_descriptor(String(64, collation="C"))
        return dialect.type_descriptor(String(64))


class ExactString(TypeDecorator[str]):
    """``VARCHAR(n)`` compared byte for byte on MySQL/MariaDB too (``utf8mb4_bin``), as it
    is on SQLite and PostgreSQL: staff initials are unique per school exactly as stored (upper
    case), so "OE" and "ØE" are two people on every database."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        length = getattr(self.impl, "length", None)
        if dialect.name in ("mysql", "mariadb"):
            from sqlalchemy.dialects import mysql

            return dialect.type_descriptor(
                mysql.VARCHAR(length, charset="utf8mb4", collation="utf8mb4_bin")
            )
        return dialect.type_descriptor(String(length))


# Auto-incrementing keys: BIGINT where it matters, INTEGER on SQLite (the rowid alias).
Id = BigInteger().with_variant(Integer(), "sqlite")
Minor = BigInteger
Term = TermString(64)
