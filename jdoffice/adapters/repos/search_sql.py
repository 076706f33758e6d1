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
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from sqlalchemy import Select, bindparam, case, exists, func, select

from jdoffice.adapters.read_tables import BALANCES, SCHOOLS, SEARCH_TERMS, STUDENTS
from jdoffice.domain.search import prefix_upper_bound

#: Term rows read per student wanted: a student matches a prefix with a few terms at most
#: (the strict and the loose spelling of a name word, a number and its digits, the spellings
#: of a pair's two words).
ROWS_PER_CANDIDATE = 4


@cache
def search_statement(prefixes: int) -> Select[int, str, str, str, str, str, int, str]:
    """The search for ``prefixes`` prefixes (parameters: :func:`search_params`)."""
    t = SEARCH_TERMS
    conds = [
        t.c.school_id == bindparam("school_id"),
        t.c.term >= bindparam("lo0"),
        t.c.term < bindparam("hi0"),
    ]
    for i in range(1, prefixes):
        other = SEARCH_TERMS.alias(f"w{i}")
        conds.append(
            t.c.student_id.in_(
                select(other.c.student_id).where(
                    other.c.school_id == bindparam("school_id"),
                    other.c.term >= bindparam(f"lo{i}"),
                    other.c.term < bindparam(f"hi{i}"),
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
def presence_statement(prefixes: int) -> Select[*tuple[int, ...]]:
    """For each of ``prefixes`` prefixes, 1 if some term of the school starts with it, else 0
    (parameters: :func:`search_params`): one seek into the terms index each."""
    t = SEARCH_TERMS
    return select(
        *(
            case(
                (
                    exists().where(
                        t.c.school_id == bindparam("school_id"),
                        t.c.term >= bindparam(f"lo{i}"),
                        t.c.term < bindparam(f"hi{i}"),
                    ),
                    1,
                ),
                else_=0,
            )
            for i in range(prefixes)
        )
    )


def search_params(school_id: int, prefixes: Sequence[str], limit: int) -> dict[str, object]:
    """The bound parameters of :func:`search_statement` for students with a term starting
    with each of ``prefixes`` (one plan of :attr:`SearchQuery.plans`), ``limit`` of them."""
    params: dict[str, object] = {
        "school_id": school_id,
        "rows": limit * ROWS_PER_CANDIDATE,
        "students": limit,
    }
    for i, w in enumerate(prefixes):
        params[f"lo{i}"] = w
        params[f"hi{i}"] = prefix_upper_bound(w)
    return params
