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

import keyword
import threading
from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine
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
    meaningful for an INSERT, UPDATE or DELETE without RETURNING, as the driver's)."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)

    def all(self) -> list[Any]:
        return self._rows

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def one(self) -> Any:
        if len(self._rows) != 1:
            raise LookupError(f"expected one row, got {len(self._rows)}")
        return self._rows[0]

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None


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
    sets: Sequence[Mapping[str, Any]] = [params] if isinstance(params, Mapping) else params
    many = not isinstance(params, Mapping)
    if not sets:
        return None
    p = prepare(statement, conn.dialect, tuple(sorted(sets[0])), many)
    if p is None or (many and p.row is not None):
        return None
    args: Any = [_args(p, ps) for ps in sets] if many else _args(p, sets[0])
    dialect = conn.dialect
    dbapi_error = dialect.loaded_dbapi.Error
    dbapi_conn = conn.connection.dbapi_connection
    cursor = None
    try:
        cursor = dbapi_conn.cursor()  # type: ignore[union-attr]
        if many:
            cursor.executemany(p.sql, args)
        else:
            cursor.execute(p.sql, args)
        raw = cursor.fetchall() if p.row is not None else []
        return Rows(_rows(p, raw) if raw else [], cursor.rowcount)
    except dbapi_error as exc:
        dead = dialect.is_disconnect(exc, dbapi_conn, cursor)
        if dead:
            # As SQLAlchemy does: the pool's other connections are suspect too (a server
            # restart ends them all), and this one is dropped.
            conn.engine.pool._invalidate(conn.connection, exc)
            conn.invalidate(exc)
        raise DBAPIError.instance(
            p.sql, args, exc, dbapi_error, connection_invalidated=dead, dialect=dialect
        ) from exc
    except BaseException as exc:
        if not isinstance(exc, Exception):
            # Interrupted half-way through a reply (Ctrl-C, exit): the connection cannot be
            # trusted with the next statement.
            conn.invalidate(exc)
        raise
    finally:
        if cursor is not None:
            cursor.close()
