"""One SELECT as a read on its own, on a pooled driver connection.

Some reads run far more often than anything else and are answered by one index lookup: the
student search on every keystroke, and the webhook receiver's question whether a delivery was
handled before (a provider delivers at least once, and every redelivery costs that question
and nothing more). The database answers them in a few hundredths of a millisecond; a session,
a ``BEGIN`` and SQLAlchemy's statement execution around them cost many times that. So the
statement is compiled once per dialect and runs with the driver's own cursor on a connection
from the engine's pool: no session, no ``BEGIN`` (one SELECT is its own transaction and sees
one consistent state of the rows on every database).

On an SQLite file, taking a connection from SQLAlchemy's pool and giving it back costs more
than the search's statement itself (about 5 µs against 2–8). So the reads on their own keep a
few driver connections of their own (:class:`_Spares`): taken out of the pool once
(detached, so the pool neither counts nor closes them), handed from one read to the next
with a list's ``pop`` and ``append``, closed when the pool a dispose of the engine replaced
is collected. A connection is in the list only while no read uses it, so nothing ever closes
one another thread is using.

While anything listens to the engine's statements (a profiler, a test counting statements),
or the statement needs SQLAlchemy to convert a value, it goes through an SQLAlchemy connection
instead. Driver errors come out as SQLAlchemy's ``DBAPIError`` like any other statement's,
and a connection the error shows to be dead is dropped from the pool (a spare one is closed
after any error).
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import QueuePool
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
    #: The values of the parameters SQLAlchemy made itself (a literal's, an ``OFFSET``'s),
    #: by name, when every other one is given at each call; None when they must be worked
    #: out at each call (``construct_params``).
    fixed: Mapping[str, Any] | None = None
    #: The values of ``order`` from a mapping, as a tuple (``order`` and ``fixed`` known).
    pick: Callable[[Mapping[str, Any]], tuple[Any, ...]] | None = None

    def args(self, params: Mapping[str, Any]) -> Any:
        """What the driver's ``execute`` takes for ``params``: a tuple in order for a
        positional paramstyle, else a mapping."""
        pick, fixed = self.pick, self.fixed
        if pick is not None and fixed is not None:
            return pick({**fixed, **params})  # a missing value: KeyError, as from the driver
        order = self.order
        bound = self.construct_params(params)
        return tuple(bound[k] for k in order) if order is not None else bound


def _picker(order: tuple[str, ...]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """The values of ``order`` from a mapping, as a tuple (one C call for several)."""
    if len(order) > 1:
        return itemgetter(*order)
    return lambda m: tuple(m[k] for k in order)


def compiled(statement: Select[*tuple[Any, ...]], dialect: Dialect) -> Compiled:
    """``statement`` compiled for ``dialect``, with what running it through the driver needs."""
    c = statement.compile(dialect=dialect)
    plain = (
        not c._bind_processors
        and "POSTCOMPILE" not in c.string  # values SQLAlchemy renders into the text
        and all(ty._cached_result_processor(dialect, None) is None for *_, ty in c._result_columns)
    )
    order = tuple(c.positiontup or ()) if c.positional else None
    fixed: dict[str, Any] | None = {}
    for name, bind in c.binds.items():
        if bind.callable is not None or bind.expanding or bind.literal_execute:
            fixed = None
            break
        if not bind.required and fixed is not None:
            fixed[name] = bind.value
    pick = _picker(order) if order is not None and fixed is not None else None
    return Compiled(c.string, order, c.construct_params, plain, fixed, pick)


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
    with reads_alone(engine) as read:
        return read(statement, params)


#: Idle connections a pool's reads on their own keep at most (the desk searches from one or
#: two threads at a time; a connection given back beyond these is closed).
MAX_SPARES = 4
_SPARES = "_jdoffice_single_read_spares"


class _Spares:
    """The idle driver connections of one SQLite pool's reads on their own (see the module's
    text), without a lock: ``list.pop`` and ``append`` are atomic, so each connection goes to
    one thread only. Once closed, a connection given back is closed by the thread that used
    it, never left open; one appended as :meth:`close` ran is closed by whichever of the two
    looks last."""

    __slots__ = ("__weakref__", "closed", "idle")

    def __init__(self) -> None:
        self.idle: list[Any] = []
        self.closed = False

    def take(self, engine: Engine) -> Any:
        try:
            return self.idle.pop()
        except IndexError:
            fairy = pooled_connection(engine)
            fairy.detach()  # ours from now on: the pool neither counts nor closes it
            return fairy.dbapi_connection

    def give(self, conn: Any) -> None:
        if conn.in_transaction:  # a SELECT in autocommit mode begins none; to be sure
            conn.rollback()
        if self.closed or len(self.idle) >= MAX_SPARES:
            conn.close()
            return
        self.idle.append(conn)
        self._close_idle_if_closed()  # closed while it was being given back

    def _close_idle_if_closed(self) -> None:
        if self.closed:
            self._close_idle()

    def close(self) -> None:
        self.closed = True
        self._close_idle()

    def _close_idle(self) -> None:
        while True:
            try:
                conn = self.idle.pop()
            except IndexError:
                return
            conn.close()


_ALL_SPARES: weakref.WeakSet[_Spares] = weakref.WeakSet()
#: Held while a pool's spares are made (two threads' first searches at once make one).
_SPARES_MADE = threading.Lock()
#: Connections a forked child inherited: never used there, never closed (closing would
#: release the parent's locks on the file).
_INHERITED: list[Any] = []


def _forget_after_fork() -> None:
    global _SPARES_MADE
    _SPARES_MADE = threading.Lock()
    for spares in list(_ALL_SPARES):
        _INHERITED.extend(spares.idle)
        spares.idle = []
        spares.closed = True


os.register_at_fork(after_in_child=_forget_after_fork)


def close_spares(engine: Engine) -> None:
    """Close the idle connections the reads on their own keep for ``engine``'s pool now,
    before the engine is disposed (they would otherwise close when the pool object goes, and
    a desk that freezes its garbage collector can keep a pool in a cycle until it exits)."""
    spares: _Spares | None = engine.pool.__dict__.get(_SPARES)
    if spares is not None:
        spares.close()


def _spares_of(engine: Engine) -> _Spares | None:
    """The spares of ``engine``'s pool, made on first use; None unless the engine is on an
    SQLite file (a pool of several connections: an in-memory database has one per thread,
    and a server's connections want the pool's checks).

    They live on the pool: disposing the engine replaces its pool, and the old pool's spares
    are closed when the old pool goes (a finalizer, not an engine event: any engine event
    would make SQLAlchemy dispatch events for every statement on the engine).
    """
    pool = engine.pool
    spares: _Spares | None = pool.__dict__.get(_SPARES)
    if spares is not None:
        return spares
    if engine.dialect.name != "sqlite" or not isinstance(pool, QueuePool):
        return None
    with _SPARES_MADE:
        spares = pool.__dict__.get(_SPARES)
        if spares is None:
            spares = _Spares()
            _ALL_SPARES.add(spares)
            weakref.finalize(pool, spares.close)
            pool.__dict__[_SPARES] = spares
    return spares


def run_spare(engine: Engine, conn: Any, sql: str, args: Any) -> list[Any]:
    """Run ``sql`` on a spare SQLite connection; its rows.

    Raises:
        DBAPIError: the database could not answer.
    """
    dbapi_error = engine.dialect.loaded_dbapi.Error
    cursor = conn.cursor()
    try:
        cursor.execute(sql, args)
        rows: list[Any] = cursor.fetchall()
        return rows
    except dbapi_error as exc:
        raise DBAPIError.instance(
            sql, args, exc, dbapi_error, connection_invalidated=False, dialect=engine.dialect
        ) from exc
    finally:
        cursor.close()


#: Reads one statement (compiled once per dialect) with its parameters: its rows.
Read = Callable[[Select[*tuple[Any, ...]], Mapping[str, Any]], list[Any]]


class reads_alone:  # noqa: N801 - used as a function: ``with reads_alone(engine) as read``
    """:func:`read_alone` for several statements, one after the other on the same connection
    (each still a read on its own): a search of several plans takes and gives back one
    connection. ``with reads_alone(engine) as read: rows = read(statement, params)``.

    (A class, not a generator: a search's every microsecond counts.)

    Raises:
        DBAPIError: the database could not answer.
    """

    __slots__ = ("_conn", "_engine", "_pooled", "_spare", "_spares")

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Any = None  # an SQLAlchemy connection while something listens
        self._pooled: Any = None
        self._spares: _Spares | None = None
        self._spare: Any = None  # a driver connection of the spares

    def __enter__(self) -> Read:
        engine = self._engine
        if observed(engine):
            self._conn = single_reads(engine).connect()
            return self._read_observed
        spares = _spares_of(engine)
        if spares is not None:
            self._spares = spares
            self._spare = spares.take(engine)
            return self._read_spare
        self._pooled = pooled_connection(engine)  # the dialect knows its server from here on
        return self._read_pooled

    def __exit__(self, exc_type: object, *_: object) -> None:
        if self._spare is not None:
            assert self._spares is not None
            if exc_type is None:
                self._spares.give(self._spare)
            else:  # whatever went wrong, a new connection for the next read
                self._spare.close()
        elif self._conn is not None:
            self._conn.close()
        elif self._pooled is not None:
            self._pooled.close()  # back to the pool, which rolls back what the driver began

    def _read_observed(
        self, statement: Select[*tuple[Any, ...]], params: Mapping[str, Any]
    ) -> list[Any]:
        return [tuple(r) for r in self._conn.execute(statement, dict(params))]

    def _read_spare(
        self, statement: Select[*tuple[Any, ...]], params: Mapping[str, Any]
    ) -> list[Any]:
        return self._read_plain(run_spare, self._spare, statement, params)

    def _read_pooled(
        self, statement: Select[*tuple[Any, ...]], params: Mapping[str, Any]
    ) -> list[Any]:
        return self._read_plain(run_pooled, self._pooled, statement, params)

    def _read_plain(
        self,
        run: Callable[[Engine, Any, str, Any], list[Any]],
        conn: Any,
        statement: Select[*tuple[Any, ...]],
        params: Mapping[str, Any],
    ) -> list[Any]:
        """``statement`` through the driver on ``conn``, or through SQLAlchemy when it must
        convert a value."""
        engine = self._engine
        c = _cached(statement, engine.dialect)
        if not c.plain:
            return _read_converted(engine, statement, params)
        return run(engine, conn, c.sql, c.args(params))


def _read_converted(
    engine: Engine, statement: Select[*tuple[Any, ...]], params: Mapping[str, Any]
) -> list[Any]:
    """A statement whose values SQLAlchemy converts, on an SQLAlchemy connection."""
    with single_reads(engine).connect() as conn:
        return [tuple(r) for r in conn.execute(statement, dict(params))]
