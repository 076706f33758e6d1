"""The floor under a search: the same SQL through the database driver's own module.

For every timed query, :class:`Recorder` notes the statements jdoffice sends to the driver
(the SELECTs, with their bound parameters, exactly as the driver received them) in an
untimed call just before the timed one. The floor then runs those statements again through
the bare driver module — a plain ``sqlite3`` connection on the same file, or the driver
connection underneath the engine for a server — fetching every row, with no session,
transaction, statement building or row objects around them. The ratio jdoffice/floor is what
the search costs beyond the database's own work.

Both are timed on the same warm pages: the recording call has just read what the timed call
reads, as the timed call has for the floor (timing jdoffice's first call against the floor's
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


def recorded_call(recorder: Recorder, fn: Callable[[], Any]) -> tuple[Any, float, list[Any]]:
    """Run ``fn`` while recording, then again timed with nothing listening to the engine;
    the timed call's result and wall milliseconds, and the statements."""
    with recorder.recording() as statements:
        fn()
    start = time.perf_counter()
    result = fn()
    ms = (time.perf_counter() - start) * 1000.0
    return result, ms, list(statements)
