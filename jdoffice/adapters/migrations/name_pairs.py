"""What the migrations of the name pairs share (revisions 0014 and 0015): the students with
search terms a batch at a time, inserting terms a student may have already, and the pairs as
revision 0014 wrote them.

A migration's terms must stay what its revision wrote, whatever the domain's functions become
later: revision 0015 takes away exactly the pairs 0014 added. So the pairs of 0014 are kept
here as they were (:func:`unmarked_name_pairs`), not taken from
``jdoffice.domain.search.name_pair_terms``, which now writes them differently.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql, sqlite

from jdoffice.domain.search import MAX_TERM_LENGTH, fold, fold_loose, single_terms, words

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

STUDENTS = sa.table(
    "students",
    sa.column("id", ID),
    sa.column("school_id", ID),
    sa.column("first_name", sa.String()),
    sa.column("last_name", sa.String()),
    sa.column("student_no", sa.String()),
    sa.column("phone", sa.String()),
    sa.column("email", sa.String()),
)
TERMS = sa.table(
    "student_search_terms",
    sa.column("school_id", ID),
    sa.column("term", sa.String()),
    sa.column("student_id", ID),
)

#: Students read and written per statement.
BATCH = 5000

#: A name's words paired by revision 0014 (its first eight).
_PAIRED_WORDS_0014 = 8


def unmarked_name_pairs(first_name: str, last_name: str) -> frozenset[str]:
    """The name pairs of revision 0014: two words of the name as one term, in either order
    and every spelling of each, with nothing before them (``noah hansen``), cut at
    :data:`MAX_TERM_LENGTH` without a trailing space."""
    forms = [
        {fold(w), fold_loose(w)} for w in words(f"{first_name} {last_name}")[:_PAIRED_WORDS_0014]
    ]
    return frozenset(
        f"{a} {b}"[:MAX_TERM_LENGTH].rstrip()
        for i, first in enumerate(forms)
        for j, second in enumerate(forms)
        if i != j
        for a in first
        for b in second
    )


def indexed_students() -> Iterator[list[tuple[Any, ...]]]:
    """The students with search terms, a batch at a time in id order: id, school, first
    name, last name, student number, phone, e-mail."""
    bind = op.get_bind()
    s, t = STUDENTS, TERMS
    has_terms = sa.select(t.c.student_id).where(t.c.student_id == s.c.id)
    after = 0
    while True:
        rows = bind.execute(
            sa.select(
                s.c.id,
                s.c.school_id,
                s.c.first_name,
                s.c.last_name,
                s.c.student_no,
                s.c.phone,
                s.c.email,
            )
            .where(s.c.id > after, has_terms.exists())
            .order_by(s.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        yield [tuple(r) for r in rows]
        after = int(rows[-1][0])


def insert_new(rows: list[dict[str, object]]) -> None:
    """Insert term rows (``school_id``, ``term``, ``student_id``), leaving any the table has
    already (a student number or an e-mail address with a space can be a pair's term too)."""
    if not rows:
        return
    bind = op.get_bind()
    name = bind.dialect.name
    stmt: sa.Insert
    if name == "sqlite":
        stmt = sqlite.insert(TERMS).on_conflict_do_nothing()
    elif name == "postgresql":
        stmt = postgresql.insert(TERMS).on_conflict_do_nothing()
    else:  # MySQL and MariaDB: the key is the only thing a term row can break
        stmt = sa.insert(TERMS).prefix_with("IGNORE")
    bind.execute(stmt, rows)


def delete_terms(rows: list[dict[str, object]]) -> None:
    """Delete term rows given as ``sid`` (the student) and ``t`` (the term)."""
    if not rows:
        return
    t = TERMS
    op.get_bind().execute(
        t.delete().where(t.c.student_id == sa.bindparam("sid"), t.c.term == sa.bindparam("t")),
        rows,
    )


def delete_unmarked_pairs(batch: list[tuple[Any, ...]]) -> None:
    """Delete the pairs of revision 0014 of a batch of :func:`indexed_students`, but a term
    that is also one of the student's other terms (a student number with a space)."""
    delete_terms(
        [
            {"sid": student_id, "t": term}
            for student_id, _school, first, last, no, phone, email in batch
            for term in sorted(
                unmarked_name_pairs(first or "", last or "")
                - single_terms(first or "", last or "", no or "", phone or "", email or "")
            )
        ]
    )
