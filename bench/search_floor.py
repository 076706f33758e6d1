"""The floor under a search: the same SQL through the database driver's own module.

For every timed query, :class:`Recorder` notes the statements jdoffice sends to the driver
(the SELECTs, with their bound parameters, exactly as the driver received them) in an
untimed call just before the timed one. The floor runs those statements again, beside the
timed call (:func:`timed_with_floor`: before it at every other query, after it at the
others), through the bare driver module — a plain ``sqlite3`` connection on the same file, or the driver
connection underneath the engine for a server — fetching every row, with no session,
transaction, statement building or row objects around them. The ratio jdoffice/floor is what
the search costs beyond the database's own work.

Both are timed on the same warm pages: the recording call has just read what the timed call
reads, as the call timed first has for the second (timing jdoffice's first call against the floor's
replay charged jdoffice for every page the database had to fetch, about twice the floor's
whole time for an exact phone number at 100 000 students). And nothing listens to the
engine during the timed call: while something does, search takes the slower path through an
SQLAlchemy connection so that the listener sees its statement
(``jdoffice.adapters.repos.search_read``); a desk never has a listener.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event


@dataclass(slots=True)
class Recorder:
    """Collects the SELECTs an engine sends to its driver while :meth:`recording` (and
    listens to the engine only then)."""

    engine: Engine
    on: bool = False
    statements: list[tuple[str, Any]] = field(default_factory=list)

    def close(self) -> None:
        if self.on:
            event.remove(self.engine, "before_cursor_execute", self._note)
            self.on = False

    def _note(
        self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        if self.on and statement.lstrip()[:6].upper() == "SELECT":
            self.statements.append((statement, parameters))

    @contextmanager
    def recording(self) -> Iterator[list[tuple[str, Any]]]:
        self.statements = []
        event.listen(self.engine, "before_cursor_execute", self._note)
        self.on = True
        try:
            yield self.statements
        finally:
            self.close()


class DriverConnection:
    """A connection of the driver's own module to the same database."""

    def __init__(self, engine: Engine) -> None:
        self._pooled: Any = None
        if engine.dialect.name == "sqlite":
            path = engine.url.database or ":memory:"
            self.conn: Any = sqlite3.connect(path, isolation_level=None)
        else:
            self._pooled = engine.raw_connection()
            self.conn = self._pooled.driver_connection
            # Each statement on its own, as sqlite3 runs them: psycopg has a property,
            # PyMySQL a method.
            if callable(self.conn.autocommit):
                self.conn.autocommit(True)
            else:
                self.conn.autocommit = True

    def run(self, statements: Sequence[tuple[str, Any]]) -> int:
        """Execute and fetch every statement; the number of rows fetched."""
        rows = 0
        cur = self.conn.cursor()
        for sql, params in statements:
            cur.execute(sql, params)
            rows += len(cur.fetchall())
        cur.close()
        return rows

    def timed(self, statements: Sequence[tuple[str, Any]]) -> float:
        """Milliseconds to execute and fetch ``statements``."""
        start = time.perf_counter()
        self.run(statements)
        return (time.perf_counter() - start) * 1000.0

    def close(self) -> None:
        if self._pooled is not None:
            self._pooled.close()
        else:
            self.conn.close()


def timed_with_floor(
    recorder: Recorder, driver: DriverConnection, fn: Callable[[], Any], *, floor_first: bool
) -> tuple[Any, float, float]:
    """Run ``fn`` while recording (untimed), then time ``fn`` with nothing listening to the
    engine and the floor's replay of its statements, the floor first when ``floor_first``:
    ``fn``'s result, its wall milliseconds and the floor's.

    Whichever runs second finds the processor's caches warm from the first: the same SQL,
    the same pages, the database's code. Timed always second, the floor had that advantage
    at every call, and the ratio charged jdoffice for it (``no match`` 3.1× against 2.6×
    at 100 000 students, 5 December); the caller takes turns (:func:`floor_goes_first`).
    """
    with recorder.recording() as recorded:
        fn()
    statements = list(recorded)
    if floor_first:
        floor_ms = driver.timed(statements)
    start = time.perf_counter()
    result = fn()
    ms = (time.perf_counter() - start) * 1000.0
    if not floor_first:
        floor_ms = driver.timed(statements)
    return result, ms, floor_ms


def floor_goes_first(k: int) -> bool:
    """Whether the floor is timed before jdoffice at the ``k``-th call: every other one."""
    return k % 2 == 1
