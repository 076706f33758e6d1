"""The tables student search reads, declared in Core alone.

``jdoffice search`` run as a process reads these four tables once and exits: importing the
ORM models (and SQLAlchemy's ORM) to reach their tables would cost it more than the search.
They are the models' tables column for column, for the columns declared here (a test
compares them with :mod:`jdoffice.adapters.tables`); the schema itself is the models' and the
migrations'.
"""

from __future__ import annotations

from sqlalchemy import Column, MetaData, String, Table

from jdoffice.adapters.column_types import Id, Minor, Term

_METADATA = MetaData()

SCHOOLS = Table(
    "schools",
    _METADATA,
    Column("id", Id, primary_key=True),
    Column("slug", String(64)),
    Column("name", String(200)),
    Column("address", String(300)),
    Column("cvr", String(16)),
    Column("phone", String(32)),
    Column("email", String(254)),
    Column("currency", String(3)),
    Column("timezone", String(64)),
)

STUDENTS = Table(
    "students",
    _METADATA,
    Column("id", Id, primary_key=True),
    Column("school_id", Id),
    Column("student_no", String(32)),
    Column("first_name", String(100)),
    Column("last_name", String(100)),
    Column("phone", String(32)),
    Column("email", String(254)),
)

BALANCES = Table(
    "student_balances",
    _METADATA,
    Column("student_id", Id, primary_key=True),
    Column("school_id", Id),
    Column("balance_minor", Minor),
    Column("currency", String(3)),
)

SEARCH_TERMS = Table(
    "student_search_terms",
    _METADATA,
    Column("school_id", Id, primary_key=True),
    Column("term", Term, primary_key=True),
    Column("student_id", Id, primary_key=True),
)
