"""The statement behind student search, built once per number of prefixes.

A search runs one statement per plan of its query (:attr:`SearchQuery.plans`: its name
pairs, then its words) until it has the students it wants; most need one. A statement takes
the plan's first prefix's range of the terms index (the longest word, or the first pair),
walked in term order and cut at a few candidate rows (every further prefix must also match a
term of the same student), folded to one row per student in order of first appearance, then joined
to the students, their cached balances and the school's currency. Built once with bound
parameters, SQLAlchemy finds its compiled form at once: a search spends its time in the
database, not in building the statement, its cache key or ORM rows.

Walking the index in term order puts exact word matches before longer words (``jens``
before ``jensen``); ties keep the student id order of the index.

How a further prefix is matched depends on its range. By default the students of its range
are gathered first (``IN``): cheap for a range of a few thousand terms, and the walk then
stops at the first candidates. A one-letter word (``m hansen``: an initial and a last name,
as staff often type it) can begin several per cent of the school's terms, and gathering
them cost most of the search: ``m hansen`` 9.8 ms at 100 000 students, 100 ms at a million
on SQLite. Such a word is *probed* instead: each student of the walk is looked up in the
index on ``(student_id, term)`` for a term in its range, and the walk stops as soon as it
has its candidates: 2.6 and 3.1 ms.

A probe's cost follows how many of the first word's students have the letter; gathering's,
how many terms begin with it. So a letter is probed only when :data:`PROBE_FROM` terms or
more begin with it (counted up to there, about a millisecond, and kept a while), only when
it is the second of two words (with a third, the probe was checked on every row of the
walk), and only on the databases of :data:`PROBE_DIALECTS`. A rare initial (``g jensen``)
would walk every Jensen for its few students: 12 ms gathered, 100 ms probed, at a million.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from sqlalchemy import ColumnElement, Select, bindparam, case, exists, func, literal, select

from jdoffice.adapters.read_tables import BALANCES, SCHOOLS, SEARCH_TERMS, STUDENTS
from jdoffice.domain.search import prefix_upper_bound

#: Term rows read per student wanted: a student matches a prefix with a few terms at most
#: (the strict and the loose spelling of a name word, a number and its digits, the spellings
#: of a pair's two words).
ROWS_PER_CANDIDATE = 4
#: A further prefix this short whose range holds this many terms or more is probed for each
#: student of the walk rather than gathered (see above); the count stops there. One letter:
#: two-letter words (``ma je``) came out faster gathered at 100 000 students on SQLite and
#: MariaDB. 20 000: where probing and gathering cost about the same for an initial of
#: middling frequency (``b jensen``: 3.9 ms gathered against 8.0 probed at 100 000 students,
#: 9 400 terms; 24 against 10 at a million).
PROBE_MAX_LENGTH = 1
#: The databases a letter is probed on: SQLite (a desk's own file, an offline copy). With
#: student numbers that do not begin with the letter, at 100 000 students, MariaDB came out
#: slower probing (``s jensen`` 10.1 → 13.1 ms), and PostgreSQL, vacuumed, slower for half
#: the common initials (``s jensen`` 7.1 → 7.7 ms, ``l andersen`` 6.3 → 7.7 ms, against
#: ``m hansen`` 8.6 → 5.2 ms): they gather, as before.
PROBE_DIALECTS = frozenset({"sqlite"})
PROBE_FROM = 20_000


@cache
def search_statement(
    prefixes: int, probed: frozenset[int] = frozenset()
) -> Select[int, str, str, str, str, str, int, str]:
    """The search for ``prefixes`` prefixes (parameters: :func:`search_params`); the further
    prefixes whose index is in ``probed`` are looked up per student, the others
    gathered (``IN``)."""
    t = SEARCH_TERMS
    conds = [
        t.c.school_id == bindparam("school_id"),
        t.c.term >= bindparam("lo0"),
        t.c.term < bindparam("hi0"),
    ]
    for i in range(1, prefixes):
        other = SEARCH_TERMS.alias(f"w{i}")
        in_range = (other.c.term >= bindparam(f"lo{i}"), other.c.term < bindparam(f"hi{i}"))
        if i in probed:
            # The same student: one seek into (student_id, term) per student of the walk. A
            # scalar subquery, not EXISTS: MariaDB turns an EXISTS into a semi-join it may
            # solve by reading the whole index (0.4 s at 100 000 students), and a condition
            # on the school would lead SQLite to the primary key's range instead.
            probe = (
                select(literal(1))
                .where(other.c.student_id == t.c.student_id, *in_range)
                .limit(1)
                .scalar_subquery()
            )
            conds.append(probe.is_not(None))
        else:
            conds.append(
                t.c.student_id.in_(
                    select(other.c.student_id).where(
                        other.c.school_id == bindparam("school_id"), *in_range
                    )
                )
            )
    rows = (
        select(t.c.student_id, t.c.term)
        .where(*conds)
        .order_by(t.c.term, t.c.student_id)
        .limit(bindparam("rows"))
        .subquery("matched")
    )
    first = func.min(rows.c.term).label("first_term")
    candidates = (
        select(rows.c.student_id, first)
        .group_by(rows.c.student_id)
        .order_by(first, rows.c.student_id)
        .limit(bindparam("students"))
        .subquery("candidates")
    )
    s = STUDENTS
    return (
        select(
            s.c.id,
            s.c.student_no,
            s.c.first_name,
            s.c.last_name,
            s.c.phone,
            s.c.email,
            func.coalesce(BALANCES.c.balance_minor, 0),
            SCHOOLS.c.currency,
        )
        .select_from(candidates)
        .join(s, s.c.id == candidates.c.student_id)
        .join(SCHOOLS, SCHOOLS.c.id == s.c.school_id)
        .outerjoin(BALANCES, BALANCES.c.student_id == s.c.id)
        .order_by(candidates.c.first_term, candidates.c.student_id)
        # MySQL and MariaDB would otherwise start from the school's students and read them
        # all; the candidates come first, the rest are looked up by primary key.
        .prefix_with("STRAIGHT_JOIN", dialect="mysql")
        .prefix_with("STRAIGHT_JOIN", dialect="mariadb")
    )


@cache
def presence_statement(
    prefixes: int, counted: frozenset[int] = frozenset()
) -> Select[*tuple[int, ...]]:
    """For each of ``prefixes`` prefixes, 1 if some term of the school starts with it, else 0
    (parameters: :func:`search_params`): one seek into the terms index each. For those whose
    index is in ``counted``, how many terms start with it, counted up to :data:`PROBE_FROM`
    (parameter ``probe_from``)."""
    t = SEARCH_TERMS

    def in_range(i: int) -> tuple[ColumnElement[bool], ...]:
        return (
            t.c.school_id == bindparam("school_id"),
            t.c.term >= bindparam(f"lo{i}"),
            t.c.term < bindparam(f"hi{i}"),
        )

    def column(i: int) -> ColumnElement[int]:
        if i in counted:
            some = (
                select(literal(1).label("one")).where(*in_range(i)).limit(bindparam("probe_from"))
            )
            return select(func.count()).select_from(some.subquery(f"c{i}")).scalar_subquery()
        return case((exists().where(*in_range(i)), 1), else_=0)

    return select(*(column(i) for i in range(prefixes)))


def search_params(school_id: int, prefixes: Sequence[str], limit: int) -> dict[str, object]:
    """The bound parameters of :func:`search_statement` for students with a term starting
    with each of ``prefixes`` (one plan of :attr:`SearchQuery.plans`), ``limit`` of them."""
    params: dict[str, object] = {
        "school_id": school_id,
        "rows": limit * ROWS_PER_CANDIDATE,
        "students": limit,
        "probe_from": PROBE_FROM,
    }
    for (lo, hi), w in zip(_bound_names(len(prefixes)), prefixes, strict=True):
        params[lo] = w
        params[hi] = prefix_upper_bound(w)
    return params


@cache
def _bound_names(prefixes: int) -> tuple[tuple[str, str], ...]:
    """The names of the bounds of each of ``prefixes`` prefixes' ranges."""
    return tuple((f"lo{i}", f"hi{i}") for i in range(prefixes))
