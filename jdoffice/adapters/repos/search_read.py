"""Student search as one read on its own, on a pooled driver connection.

Search runs on every keystroke, and for an exact phone or student number the database
answers in a few hundredths of a millisecond: a session, a transaction and SQLAlchemy's
statement execution around it cost many times that. So the statement of
:mod:`jdoffice.adapters.repos.search_sql` is compiled once per dialect and number of words,
and each search runs it on a connection from the engine's pool with the driver's own cursor:
no session, no ``BEGIN`` (one SELECT is its own transaction and sees one consistent state of
the rows on every database), the rows straight into :class:`StudentHit`.

While anything listens to the engine's statements (a profiler, a test counting statements),
the same statement goes through an SQLAlchemy connection instead, so they see it. Driver
errors come out as SQLAlchemy's ``DBAPIError`` like any other statement's, and a connection
the error shows to be dead is dropped from the pool.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.engine import Dialect

from jdoffice.adapters.db import single_reads
from jdoffice.adapters.repos.search_sql import search_params, search_statement
from jdoffice.adapters.single_read import (
    Compiled,
    compiled,
    observed,
    pooled_connection,
    run_pooled,
)
from jdoffice.domain.search import SearchQuery, StudentHit


@lru_cache(maxsize=64)
def _compiled(dialect: Dialect, words: int) -> Compiled:
    return compiled(search_statement(words), dialect)


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


def search_hits(
    conn: Connection, school_id: int, query: SearchQuery, limit: int
) -> list[StudentHit]:
    """The search on an SQLAlchemy connection (inside a unit of work's transaction)."""
    if query.empty:
        return []
    params = search_params(school_id, query, limit)
    return _hits(conn.execute(search_statement(len(query.words)), params).all())


def search_alone(
    engine: Engine, school_id: int, query: SearchQuery, limit: int
) -> list[StudentHit]:
    """The search as a read on its own (see the module's text).

    Raises:
        DBAPIError: the database could not answer.
    """
    if query.empty:
        return []
    if observed(engine):
        with single_reads(engine).connect() as conn:
            return search_hits(conn, school_id, query, limit)
    params = search_params(school_id, query, limit)
    rows: list[Any] | None = None
    pooled = pooled_connection(engine)  # the dialect knows its server from here on
    try:
        compiled = _compiled(engine.dialect, len(query.words))
        if compiled.plain:
            bound = compiled.construct_params(params)
            order = compiled.order
            args = tuple(bound[k] for k in order) if order is not None else bound
            rows = run_pooled(engine, pooled, compiled.sql, args)
    finally:
        pooled.close()  # back to the pool, which rolls back whatever the driver began
    if rows is None:
        with single_reads(engine).connect() as conn:
            return search_hits(conn, school_id, query, limit)
    return _hits(rows)
