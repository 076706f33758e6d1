"""Student search as reads on their own, on a pooled driver connection.

Search runs on every keystroke, and for an exact phone or student number the database
answers in a few hundredths of a millisecond: a session, a transaction and SQLAlchemy's
statement execution around it cost many times that. So the statements of
:mod:`jdoffice.adapters.repos.search_sql` are compiled once per dialect and number of
prefixes, and each runs on a connection from the engine's pool with the driver's own cursor
(:func:`jdoffice.adapters.single_read.reads_alone`): no session, no ``BEGIN`` (one SELECT is
its own transaction and sees one consistent state of the rows on every database), the rows
straight into :class:`StudentHit`. A search runs one statement per plan of its query until
it has enough students, most often one.

While anything listens to the engine's statements (a profiler, a test counting statements),
the same statements go through an SQLAlchemy connection instead, so they see them. Driver
errors come out as SQLAlchemy's ``DBAPIError`` like any other statement's, and a connection
the error shows to be dead is dropped from the pool.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Select

from jdoffice.adapters.repos import search_sql
from jdoffice.adapters.repos.search_sql import (
    presence_statement,
    probed_prefixes,
    search_params,
    search_statement,
)
from jdoffice.adapters.single_read import reads_alone
from jdoffice.domain.search import SearchQuery, StudentHit

#: Runs a statement with its parameters and gives its rows.
_Rows = Callable[[Select[*tuple[Any, ...]], dict[str, Any]], Sequence[Sequence[Any]]]


def _hits(rows: Sequence[Sequence[Any]]) -> list[StudentHit]:
    return [
        StudentHit(
            student_id=r[0],
            student_no=r[1],
            name=f"{r[2]} {r[3]}".strip(),
            phone=r[4],
            email=r[5],
            balance_minor=int(r[6]),
            currency=r[7],
        )
        for r in rows
    ]


def _planned(
    school_id: int, query: SearchQuery, limit: int, enough: int | None, rows: _Rows
) -> list[StudentHit]:
    """Up to ``limit`` students of ``query``: each plan's, in order, until they are
    ``enough`` (default ``limit``); a student a plan found before keeps its place.

    The words of a query of several words are each looked for first, one seek each: a word
    no term starts with ends the search there. Otherwise the search would walk a common
    word's range against an empty set (``jensen qqq``: milliseconds at a million students).
    """
    wanted = limit if enough is None else min(enough, limit)
    hits: dict[int, StudentHit] = {}
    for prefixes in query.plans:
        n = len(prefixes)
        params = search_params(school_id, prefixes, limit)
        probed: frozenset[int] = frozenset()
        if n > 1 and prefixes == query.words:
            short = probed_prefixes(prefixes)
            [present] = rows(presence_statement(n, short), params)
            if not all(present):
                break
            # A short word with a large range: looked up per student, not gathered.
            probed = frozenset(i for i in short if present[i] >= search_sql.PROBE_FROM)
        for hit in _hits(rows(search_statement(n, probed), params)):
            hits.setdefault(hit.student_id, hit)
        if len(hits) >= wanted:
            break
    return list(hits.values())[:limit]


def search_hits(
    conn: Connection, school_id: int, query: SearchQuery, limit: int, *, enough: int | None = None
) -> list[StudentHit]:
    """The search on an SQLAlchemy connection (inside a unit of work's transaction)."""
    if query.empty:
        return []

    def rows(
        statement: Select[*tuple[Any, ...]], params: dict[str, Any]
    ) -> Sequence[Sequence[Any]]:
        return conn.execute(statement, params).all()

    return _planned(school_id, query, limit, enough, rows)


def search_alone(
    engine: Engine, school_id: int, query: SearchQuery, limit: int, *, enough: int | None = None
) -> list[StudentHit]:
    """The search as reads on their own (see the module's text).

    Raises:
        DBAPIError: the database could not answer.
    """
    if query.empty:
        return []
    with reads_alone(engine) as read:
        return _planned(school_id, query, limit, enough, read)
