"""The statements a payment and a provider event run, sent with the driver's own cursor.

A payment runs about fifteen statements and a provider event about as many. Each is one of
the constants of :mod:`jdoffice.adapters.statements`, and the database answers each in a few
hundredths of a millisecond; SQLAlchemy's execution around it (execution context, parameter
processing, result metadata) cost more than the driver itself, about half of a desk's CPU
for a payment. So such a statement is compiled once per dialect and set of parameters, and
runs on the unit of work's own connection, inside its transaction, through the driver's
cursor: the same SQL, the same bind and result conversions SQLAlchemy would apply, rows with
the same names.

SQLAlchemy runs the statement instead whenever it would do more than this module knows:

* anything listens to the engine's statements (a profiler, a test counting statements or
  injecting a fault): they see every statement as before;
* values rendered into the text (an expanding ``IN``), defaults computed in Python for
  columns the parameters leave out, or a parameter SQLAlchemy would have to fill.

Driver errors come out as SQLAlchemy's ``DBAPIError`` (the same subclass, so the unit of work
translates them as before), and a connection the error shows to be dead is invalidated.
"""

from __future__ import annotations

import contextlib
import keyword
import threading
from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy import types as sqltypes
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.sql import Executable

from jdoffice.adapters.single_read import observed

_Processor = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Prepared:
    """A statement compiled for one dialect and one set of parameter names."""

    sql: str
    #: The parameter names in order for a positional paramstyle, None for a named one.
    order: tuple[str, ...] | None
    construct_params: Any
    #: Conversions of parameter values on their way to the driver (by parameter name).
    binds: tuple[tuple[str, _Processor], ...]
    #: The rows' type (named like SQLAlchemy's rows), None for a statement without rows.
    row: Any
    #: Conversions of the driver's values, one per column (None: the value as it is).
    results: tuple[_Processor | None, ...]


class Rows:
    """What a statement returned: its rows and the count of rows it touched (``rowcount``:
    meaningful for an INSERT, UPDATE or DELETE without RETURNING, as the driver's).

    A statement sent in a :class:`Batch` has its answer once the batch is finished: asking
    for it earlier finishes the batch (the statements sent so far are answered, the rest of
    the block runs one statement at a time)."""

    __slots__ = ("_batch", "_count", "_rows")

    def __init__(self, rows: list[Any] | None, rowcount: int, batch: Batch | None = None) -> None:
        self._rows = rows
        self._count = rowcount
        self._batch = batch

    def _answered(self) -> list[Any]:
        if self._rows is None and self._batch is not None:
            self._batch.finish()
        if self._rows is None:
            raise RuntimeError("the statement's batch was dropped before its answer came")
        return self._rows

    def _answer(self, rows: list[Any], rowcount: int) -> None:
        self._rows, self._count, self._batch = rows, rowcount, None

    @property
    def rowcount(self) -> int:
        self._answered()
        return self._count

    def __iter__(self) -> Iterator[Any]:
        return iter(self._answered())

    def all(self) -> list[Any]:
        return self._answered()

    def first(self) -> Any:
        rows = self._answered()
        return rows[0] if rows else None

    def one(self) -> Any:
        rows = self._answered()
        if len(rows) != 1:
            raise LookupError(f"expected one row, got {len(rows)}")
        return rows[0]

    def scalar(self) -> Any:
        rows = self._answered()
        return rows[0][0] if rows else None


#: Where a dialect keeps the statements prepared for it (gone with the dialect, whose id
#: could otherwise come back for another one), by statement id, parameter names and
#: executemany, each kept with its statement (so an id that came back for another statement
#: is never taken for it).
_ON_DIALECT = "_jdoffice_direct"
_LOCK = threading.Lock()


def prepare(
    statement: Executable, dialect: Dialect, keys: tuple[str, ...], many: bool = False
) -> Prepared | None:
    """``statement`` compiled for ``dialect`` with parameters ``keys`` (for several sets of
    them with ``many``), or None when only SQLAlchemy can run it (see the module's text).
    Cached: the statements are constants."""
    cache_key = (id(statement), keys, many)
    mine: dict[Any, tuple[Executable, Prepared | None]] | None = dialect.__dict__.get(_ON_DIALECT)
    if mine is not None:
        hit = mine.get(cache_key)
        if hit is not None and hit[0] is statement:
            return hit[1]
    prepared = _compile(statement, dialect, keys, many)
    with _LOCK:  # threads of one desk may prepare at once
        dialect.__dict__.setdefault(_ON_DIALECT, {})[cache_key] = (statement, prepared)
    return prepared


def _compile(
    statement: Executable, dialect: Dialect, keys: tuple[str, ...], many: bool
) -> Prepared | None:
    c: Any = statement.compile(  # type: ignore[attr-defined]
        dialect=dialect, column_keys=list(keys), for_executemany=many
    )
    if (
        "POSTCOMPILE" in c.string
        or c.insert_prefetch
        or c.update_prefetch
        or c.literal_execute_params
        or c.post_compile_params
        or c.escaped_bind_names  # parameter names the processors would not be found under
    ):
        return None
    columns = c._result_columns
    names = [col[0] for col in columns]
    if any(not n.isidentifier() or keyword.iskeyword(n) or n.startswith("_") for n in names) or len(
        set(names)
    ) != len(names):
        return None  # a row would not carry the name SQLAlchemy's row gives the column
    if any(isinstance(ty, sqltypes.Numeric) for *_, ty in columns):
        return None  # its conversion depends on the type the driver reports for the column
    results = tuple(ty._cached_result_processor(dialect, None) for *_, ty in columns)
    row = namedtuple("Row", names) if columns else None
    return Prepared(
        sql=c.string,
        order=tuple(c.positiontup or ()) if c.positional else None,
        construct_params=c.construct_params,
        binds=tuple(c._bind_processors.items()),
        row=row,
        results=results,
    )


def _args(p: Prepared, params: Mapping[str, Any]) -> Any:
    try:
        bound = p.construct_params(params, _check=True)
        for name, process in p.binds:
            if name in bound:
                bound[name] = process(bound[name])
    except Exception as exc:
        # As SQLAlchemy reports a value it cannot send (a naive datetime, a missing one).
        raise StatementError(str(exc), p.sql, dict(params), exc) from exc
    return tuple(bound[k] for k in p.order) if p.order is not None else bound


def _rows(p: Prepared, raw: Sequence[Any]) -> list[Any]:
    make = p.row._make
    if not any(p.results):
        return [make(r) for r in raw]
    procs = p.results
    return [make([v if f is None else f(v) for f, v in zip(procs, r, strict=True)]) for r in raw]


def usable(bind: Engine | Connection) -> bool:
    """Whether statements on ``bind`` may bypass SQLAlchemy: nothing listens to them."""
    return not observed(bind.engine)


def _call(
    conn: Connection,
    statement: Executable,
    params: Mapping[str, Any] | Sequence[Mapping[str, Any]],
) -> tuple[Prepared, Any, bool] | None:
    """The prepared statement and the driver's arguments for ``params``, or None when
    SQLAlchemy must run it."""
    sets: Sequence[Mapping[str, Any]] = [params] if isinstance(params, Mapping) else params
    many = not isinstance(params, Mapping)
    if not sets:
        return None
    p = prepare(statement, conn.dialect, tuple(sorted(sets[0])), many)
    if p is None or (many and p.row is not None):
        return None
    args: Any = [_args(p, ps) for ps in sets] if many else _args(p, sets[0])
    return p, args, many


def _send(cursor: Any, p: Prepared, args: Any, many: bool) -> None:
    if many:
        cursor.executemany(p.sql, args)
    else:
        cursor.execute(p.sql, args)


def _refused(
    conn: Connection, exc: Any, dbapi_conn: Any, cursor: Any, sql: str, args: Any
) -> StatementError:
    """The driver's error ``exc`` as SQLAlchemy raises it; a connection it shows to be dead is
    invalidated first, as SQLAlchemy does: the pool's other connections are suspect too (a
    server restart ends them all), and this one is dropped."""
    dialect = conn.dialect
    dead = dialect.is_disconnect(exc, dbapi_conn, cursor)
    if dead:
        conn.engine.pool._invalidate(conn.connection, exc)
        conn.invalidate(exc)
    refused: StatementError = DBAPIError.instance(
        sql, args, exc, dialect.loaded_dbapi.Error, connection_invalidated=dead, dialect=dialect
    )
    return refused


def execute(
    conn: Connection,
    statement: Executable,
    params: Mapping[str, Any] | Sequence[Mapping[str, Any]],
) -> Rows | None:
    """Run ``statement`` on ``conn``'s driver connection (inside its transaction), or return
    None when SQLAlchemy must run it (then nothing was sent). The caller has asked
    :func:`usable` of the engine. ``params`` may be a list of
    parameter sets for a statement without rows (``executemany``).

    Raises:
        DBAPIError: the database refused or could not answer.
    """
    call = _call(conn, statement, params)
    if call is None:
        return None
    p, args, many = call
    dbapi_conn = conn.connection.dbapi_connection
    cursor = None
    try:
        cursor = dbapi_conn.cursor()  # type: ignore[union-attr]
        _send(cursor, p, args, many)
        raw = cursor.fetchall() if p.row is not None else []
        return Rows(_rows(p, raw) if raw else [], cursor.rowcount)
    except conn.dialect.loaded_dbapi.Error as exc:
        raise _refused(conn, exc, dbapi_conn, cursor, p.sql, args) from exc
    except BaseException as exc:
        if not isinstance(exc, Exception):
            # Interrupted half-way through a reply (Ctrl-C, exit): the connection cannot be
            # trusted with the next statement.
            conn.invalidate(exc)
        raise
    finally:
        if cursor is not None:
            cursor.close()


def batches(conn: Connection) -> bool:
    """Whether ``conn``'s driver can send statements without waiting for each answer
    (psycopg's pipeline mode, on a libpq that has it)."""
    dbapi = conn.dialect.loaded_dbapi
    pipeline = getattr(dbapi, "Pipeline", None)
    return (
        conn.dialect.driver == "psycopg" and pipeline is not None and bool(pipeline.is_supported())
    )


#: The COMMIT a batch ends with (see :meth:`Batch.finish`).
_COMMIT = Prepared(sql="COMMIT", order=None, construct_params=None, binds=(), row=None, results=())


def _leave(pipeline: Any) -> None:
    """Leave pipeline mode after an error (the pipeline syncs on the way out): what the sync
    answers is not raised over the error that ended the work, nor logged."""
    with contextlib.suppress(Exception):
        pipeline.__exit__(None, None, None)


class _RolledBack(Exception):
    """The transaction a batch was in is being rolled back."""


class Batch:
    """Statements sent one after another without waiting for each answer, inside the unit of
    work's transaction: psycopg's pipeline mode. The server runs them in the order sent, each
    as it would run alone (under READ COMMITTED each sees what was committed when it starts,
    after any lock the one before it waited for); the answers come back together when the
    batch is finished, one round trip for the lot.

    It is finished by asking for an answer (:class:`Rows`), by :meth:`finish`, and by anything
    SQLAlchemy then does on the connection: a statement of its own waits for the answers
    first, a commit goes with them (the commit's round trip is the batch's), a rollback drops
    the pipeline. An error in any statement is raised where the batch is finished (as
    :func:`execute` raises it; from the commit, the commit fails with it); the statements
    after it were not run, and the transaction is then only good for a rollback.
    """

    def __init__(
        self,
        conn: Connection,
        done: Callable[[], None],
        failed: Callable[[StatementError | None], None] = lambda _exc: None,
    ) -> None:
        self._conn = conn
        dbapi: Any = conn.connection.dbapi_connection
        self._dbapi = dbapi
        self._done = done
        self._on_failure = failed
        self._sent: list[tuple[Rows, Any, Prepared, Any]] = []
        #: The refusal the batch ended with, if any: the transaction is then aborted, and its
        #: commit must fail with it even when someone caught it on the way.
        self._failed: StatementError | None = None
        self._pipeline: Any = dbapi.pipeline()
        self._pipeline.__enter__()
        event.listen(conn, "before_cursor_execute", self._before_statement)
        event.listen(conn, "commit", self._before_commit)
        event.listen(conn, "rollback", self._before_rollback)

    def send(
        self, statement: Executable, params: Mapping[str, Any] | Sequence[Mapping[str, Any]]
    ) -> Rows | None:
        """Send ``statement`` (its answer comes with the batch's), or None when SQLAlchemy
        must run it: then nothing was sent, and the caller finishes the batch first."""
        if self._pipeline is None:
            raise RuntimeError("the batch is finished")
        call = _call(self._conn, statement, params)
        if call is None:
            return None
        p, args, many = call
        cursor = self._dbapi.cursor()
        rows = Rows(None, -1, self)
        self._sent.append((rows, cursor, p, args))
        try:
            _send(cursor, p, args, many)
        except self._conn.dialect.loaded_dbapi.Error as exc:
            # An answer that had come back already and was an error.
            self._close(exc)
            raise self._fail(_refused(self._conn, exc, self._dbapi, cursor, p.sql, args)) from exc
        except BaseException as exc:
            self._close(exc)
            raise
        return rows

    def finish(self, *, commit: bool = False) -> None:
        """Wait for the answers of everything sent, with the transaction's COMMIT after them
        if ``commit`` (nothing to do once finished).

        Raises:
            DBAPIError: the database refused one of the statements (or the commit) or could
                not answer.
        """
        pipeline, sent = self._pipeline, self._sent
        if pipeline is None:
            return
        self._pipeline, self._sent = None, []
        self._unhook()
        cursor: Any = None
        try:
            try:
                if commit:
                    # Queued behind the statements as one more (the driver's own commit()
                    # would wait for it with a round trip of its own); the driver then sees the
                    # transaction ended, and SQLAlchemy's commit after this has nothing to send.
                    ender = self._dbapi.cursor()
                    sent.append((Rows(None, -1), ender, _COMMIT, None))
                    ender.execute(_COMMIT.sql)  # raises an error already answered, if any
            except BaseException:
                # Out of pipeline mode whatever happens: the connection goes back to the pool
                # after the rollback, and must not be left in the middle of a pipeline.
                _leave(pipeline)
                raise
            pipeline.__exit__(None, None, None)  # the round trip: sync, every answer read
            for rows, cursor, p, _args in sent:
                raw = cursor.fetchall() if p.row is not None else []
                rows._answer(_rows(p, raw) if raw else [], cursor.rowcount)
        except self._dbapi.Error as exc:
            sql = "; ".join(p.sql for _r, _c, p, _a in sent)
            raise self._fail(_refused(self._conn, exc, self._dbapi, cursor, sql, None)) from exc
        except BaseException as exc:
            if not isinstance(exc, Exception):
                self._conn.invalidate(exc)
            raise
        finally:
            for _r, c, _p, _a in sent:
                c.close()

    def abandon(self, exc: BaseException) -> None:
        """Leave the pipeline because the work failed with ``exc`` (the transaction is rolled
        back after it): the driver's own errors on the way out are not raised over it."""
        if self._pipeline is not None:
            self._close(exc)

    def _fail(self, refused: StatementError) -> StatementError:
        self._failed = refused
        self._on_failure(refused)
        return refused

    def _before_statement(self, *_args: Any) -> None:
        self.finish()

    def _before_commit(self, _conn: Any) -> None:
        if self._failed is not None:
            # Caught on the way (an error comes out of whatever statement finishes the batch,
            # a savepoint's included): PostgreSQL would answer the COMMIT of the aborted
            # transaction with a silent ROLLBACK, and the work would seem saved.
            raise self._failed
        self.finish(commit=True)

    def _before_rollback(self, _conn: Any) -> None:
        self.abandon(_RolledBack())
        self._failed = None
        self._on_failure(None)  # the transaction that refused is over

    def _unhook(self) -> None:
        # The hooks stay on the connection (removing one while SQLAlchemy runs the hooks of
        # its event would break that run); once the batch is finished they do nothing, and
        # the connection object goes with its transaction.
        self._done()

    def _close(self, exc: BaseException) -> None:
        pipeline, sent = self._pipeline, self._sent
        self._pipeline, self._sent = None, []
        try:
            self._unhook()
            if pipeline is not None:
                _leave(pipeline)
        finally:
            if not isinstance(exc, Exception):
                self._conn.invalidate(exc)
            for _r, c, _p, _a in sent:
                c.close()
