"""Name pairs in the search terms (issue 16): two words of a student's name are also kept
together as one term, ``noah hansen`` and ``hansen noah`` in every spelling
(``jdoffice.domain.search.name_pair_terms``). In a large school a first name and a common
last name are each the range of thousands of students; the pair is the range of the few who
have both, and a search of a whole name reads that range alone.

The upgrade adds the pairs of every student who has search terms already; a student without
any (a row the web system wrote and no desk has indexed yet) gets all of them, pairs
included, when a desk indexes the school. The downgrade takes them away again. No column or
index changes.

The pairs are made by the domain's own function: the terms of this revision are the terms a
desk of this revision writes, which is what keeps a desk from finding them stale.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 11:00:00.000000
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql, sqlite

from jdoffice.domain.search import name_pair_terms, single_terms

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

_students = sa.table(
    "students",
    sa.column("id", ID),
    sa.column("school_id", ID),
    sa.column("first_name", sa.String()),
    sa.column("last_name", sa.String()),
    sa.column("student_no", sa.String()),
    sa.column("phone", sa.String()),
    sa.column("email", sa.String()),
)
_terms = sa.table(
    "student_search_terms",
    sa.column("school_id", ID),
    sa.column("term", sa.String()),
    sa.column("student_id", ID),
)

#: Students read and written per statement.
BATCH = 5000


def _indexed_students() -> Iterator[list[tuple[Any, ...]]]:
    """The students with search terms, a batch at a time in id order."""
    bind = op.get_bind()
    has_terms = sa.select(_terms.c.student_id).where(_terms.c.student_id == _students.c.id)
    after = 0
    while True:
        rows = bind.execute(
            sa.select(
                _students.c.id,
                _students.c.school_id,
                _students.c.first_name,
                _students.c.last_name,
                _students.c.student_no,
                _students.c.phone,
                _students.c.email,
            )
            .where(_students.c.id > after, has_terms.exists())
            .order_by(_students.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        yield [tuple(r) for r in rows]
        after = int(rows[-1][0])


def _insert_new(rows: list[dict[str, object]]) -> None:
    """Insert term rows, leaving any the table has already (a student number or an e-mail
    address with a space can be a pair's term too)."""
    bind = op.get_bind()
    name = bind.dialect.name
    stmt: sa.Insert
    if name == "sqlite":
        stmt = sqlite.insert(_terms).on_conflict_do_nothing()
    elif name == "postgresql":
        stmt = postgresql.insert(_terms).on_conflict_do_nothing()
    else:  # MySQL and MariaDB: the key is the only thing a term row can break
        stmt = sa.insert(_terms).prefix_with("IGNORE")
    bind.execute(stmt, rows)


def upgrade() -> None:
    for batch in _indexed_students():
        rows = [
            {"school_id": school_id, "term": term, "student_id": student_id}
            for student_id, school_id, first, last, *_ in batch
            for term in sorted(name_pair_terms(first or "", last or ""))
        ]
        if rows:
            _insert_new(rows)


def downgrade() -> None:
    bind = op.get_bind()
    delete = _terms.delete().where(
        _terms.c.student_id == sa.bindparam("sid"), _terms.c.term == sa.bindparam("t")
    )
    for batch in _indexed_students():
        rows = [
            {"sid": student_id, "t": term}
            for student_id, _school, first, last, no, phone, email in batch
            for term in sorted(
                name_pair_terms(first or "", last or "")
                - single_terms(first or "", last or "", no or "", phone or "", email or "")
            )
        ]
        if rows:
            bind.execute(delete, rows)
