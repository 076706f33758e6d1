"""One SELECT as a read on its own, on a pooled driver connection.

Some reads run far more often than anything else and are answered by one index lookup: the
student search on every keystroke, and the webhook receiver's question whether a delivery was
handled before (a provider delivers at least once, and every redelivery costs that question
and nothing more). The database answers them in a few hundredths of a millisecond; a session,
a ``BEGIN`` and SQLAlchemy's statement execution around them cost many times that. So the
statement is compiled once per dialect and runs with the driver's own cursor on a connection
from the engine's pool: no session, no ``BEGIN`` (one SELECT is its own transaction and sees
one consistent state of the rows on every database).

While anything listens to the engine's statements (a profiler, a test counting statements),
or the statement needs SQLAlchemy to convert a value, it goes through an SQLAlchemy connection
instead. Driver errors come out as SQLAlchemy's ``DBAPIError`` like any other statement's,
and a connection the error shows to be dead is dropped from the pool.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Select

from jdoffice.adapters.db import single_reads


@dataclass(frozen=True, slots=True)
class Compiled:
    sql: str
    #: The parameter names in order for a positional paramstyle, None for a named one.
    order: tuple[str, ...] | None
    construct_params: Any
    #: No bind or result processors: the driver's values are the values.
    plain: bool


def compiled(statement: Select[*tuple[Any, ...]], dialect: Dialect) -> Compiled:
    """``statement`` compiled for ``dialect``, with what running it through the driver needs."""
    c = statement.compile(dialect=dialect)
    plain = (
        not c._bind_processors
        and "POSTCOMPILE" not in c.string  # values SQLAlchemy renders into the text
        and all(ty._cached_result_processor(dialect, None) is None for *_, ty in c._result_columns)
    )
    order = tuple(c.positiontup or ()) if c.positional else None
    return Compiled(c.string, order, c.construct_params, plain)


@lru_cache(maxsize=64)
def _cached(statement: Select[*tuple[Any, ...]], dialect: Dialect) -> Compiled:
    return compiled(statement, dialect)


def observed(engine: Engine) -> bool:
    """Whether an engine or dialect event would see the statement, or its error."""
    e, d = engine.dispatch, engine.dialect.dispatch
    return bool(
        e.before_cursor_execute
        or e.after_cursor_execute
        or e.before_execute
        or e.after_execute
        or d.do_execute
        or d.do_executemany
        or d.do_setinputsizes
        or d.handle_error
    )


def pooled_connection(engine: Engine) -> Any:
    """A driver connection from the engine's pool (closing it gives it back).

    Raises:
        DBAPIError: no connection could be made (the server is down, the database is gone),
            as SQLAlchemy raises it for a statement: the pool itself raises the driver's own.
    """
    dialect = engine.dialect
    dbapi_error = dialect.loaded_dbapi.Error
    try:
        return engine.raw_connection()
    except dbapi_error as exc:
        raise DBAPIError.instance(
            None, None, exc, dbapi_error, connection_invalidated=True, dialect=dialect
        ) from exc


def run_pooled(engine: Engine, pooled: Any, sql: str, args: Any) -> list[Any]:
    """Run ``sql`` on a pooled driver connection; its rows.

    Raises:
        DBAPIError: the database could not answer (a dead connection is invalidated).
    """
    dialect = engine.dialect
    dbapi_error = dialect.loaded_dbapi.Error
    cursor = None
    try:
        cursor = pooled.cursor()
        cursor.execute(sql, args)
        rows: list[Any] = cursor.fetchall()
        return rows
    except dbapi_error as exc:
        dead = dialect.is_disconnect(exc, pooled.dbapi_connection, cursor)
        if dead:
            pooled.invalidate(exc)
        raise DBAPIError.instance(
            sql, args, exc, dbapi_error, connection_invalidated=dead, dialect=dialect
        ) from exc
    finally:
        if cursor is not None:
            cursor.close()


def read_alone(
    engine: Engine, statement: Select[*tuple[Any, ...]], params: Mapping[str, Any]
) -> list[Any]:
    """The rows of ``statement`` (a module-level constant: it is compiled once per dialect),
    read on their own as the module's text says.

    Raises:
        DBAPIError: the database could not answer.
    """
    if not observed(engine):
        pooled = pooled_connection(engine)  # the dialect knows its server from here on
        try:
            c = _cached(statement, engine.dialect)
            if c.plain:
                bound = c.construct_params(params)
                args = tuple(bound[k] for k in c.order) if c.order is not None else bound
                return run_pooled(engine, pooled, c.sql, args)
        finally:
            pooled.close()  # back to the pool, which rolls back whatever the driver began
    with single_reads(engine).connect() as conn:
        return [tuple(r) for r in conn.execute(statement, dict(params))]
