"""Short local transactions for a pull that fills the desk's copy.

A first pull (or one of another school) copies about a million rows. Done in one local
transaction it would hold SQLite's write lock for the whole pull, and a payment the desk takes
meanwhile would wait for it. :class:`Batches` gives the pull one short write transaction per
chunk of rows instead, on a connection of its own, so other writers get in between chunks.

The copy is not used while it fills: the replica state names no school until the pull
publishes it in its last transaction, and until then offline reads and payments refuse as
they do before a first pull. A pull that is killed leaves a copy that is not published (the
rows it wrote, and the indexes it dropped, which are listed in ``offline_dropped_indexes``);
the next pull clears those rows, fills the copy again and makes the indexes.

Each transaction first checks the pull still owns the file (``offline_pull_claim``): a pull
started later takes over, and the earlier one stops without publishing.
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, delete, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from jdoffice.adapters.db import writer
from jdoffice.adapters.local_db import pull_claim_table, state_table
from jdoffice.adapters.uow import write_lock
from jdoffice.domain.errors import BusinessRuleError, Conflict

T = TypeVar("T")

#: SQLite page cache of the filling connection (KiB): index pages of a million random-order
#: inserts do not fit the default 2 MB.
FILL_CACHE_KIB = 256 * 1024


class Batches:
    """Short write transactions of one filling pull, on a connection of its own.

    The connection runs with ``synchronous=NORMAL``: what it writes is a copy of the shared
    database, which a later pull writes again if a power cut takes the last transactions
    (WAL keeps the file consistent either way). It is closed for good afterwards, never
    returned to the pool, so no payment is ever committed on it. Payments, the outbox and
    everything else keep their own connections with ``synchronous=FULL``.
    """

    def __init__(self, engine: Engine, school_id: int) -> None:
        self.school_id = school_id
        self.token = uuid.uuid4().hex
        self._lock: threading.RLock | None = write_lock(engine)
        # A writer's connection: its transactions begin IMMEDIATE.
        self.conn = writer(engine).connect()
        try:
            raw: Any = self.conn.connection.dbapi_connection
            # Outside any transaction (the driver connection is in autocommit mode).
            raw.execute("PRAGMA synchronous=NORMAL")
            raw.execute(f"PRAGMA cache_size=-{FILL_CACHE_KIB}")
        except BaseException:
            self.close()
            raise

    def foreign_keys(self, on: bool) -> None:
        """Check foreign keys row by row, or not (between transactions only). The rows of a
        pull come from one snapshot of a database that enforces the same keys; the pull
        checks the filled tables once at the end (:func:`check_foreign_keys`) instead."""
        raw: Any = self.conn.connection.dbapi_connection
        raw.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")

    def close(self) -> None:
        """Discard the connection (its settings must never serve another transaction)."""
        self.conn.invalidate()
        self.conn.close()

    def claim(self, now: dt.datetime) -> None:
        """Take the file for this pull and withdraw the copy it holds: from here until
        :meth:`publish`, the desk has no local copy to work from."""
        with self._begin() as conn:
            stmt = sqlite_insert(pull_claim_table).values(
                id=1, token=self.token, school_id=self.school_id, started_at=now
            )
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["id"],
                    set_={"token": self.token, "school_id": self.school_id, "started_at": now},
                )
            )
            conn.execute(
                update(state_table)
                .where(state_table.c.id == 1)
                .values(school_id=None, school_slug=None, pull_cursor=None)
            )

    @contextmanager
    def __call__(self) -> Iterator[Connection]:
        """One short write transaction, committed when the block ends."""
        with self._begin() as conn:
            token = conn.scalar(select(pull_claim_table.c.token).where(pull_claim_table.c.id == 1))
            if token != self.token:
                raise Conflict(
                    "another pull of this desk's local copy started and took over; "
                    "this one stopped (the other one finishes the copy)"
                )
            yield conn

    @contextmanager
    def publish(self) -> Iterator[Connection]:
        """The last transaction: the caller writes the replica state in it; the claim ends."""
        with self() as conn:
            yield conn
            conn.execute(delete(pull_claim_table).where(pull_claim_table.c.id == 1))

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        # Threads of this process queue on the engine's write lock, as units of work do.
        with self._lock if self._lock is not None else nullcontext(), self.conn.begin():
            yield self.conn


def check_foreign_keys(conn: Connection, tables: Sequence[str]) -> None:
    """Refuse a filled copy whose rows point at rows it does not hold."""
    for table in tables:
        bad = conn.exec_driver_sql(f'PRAGMA foreign_key_check("{table}")').first()
        if bad is not None:
            raise BusinessRuleError(
                f"the local copy was not published: a row of {bad[0]} (rowid {bad[1]}) points "
                f"at a row of {bad[2]} the shared database did not give; pull again"
            )


def ahead(chunks: Iterator[T], depth: int = 2) -> Iterator[T]:
    """The items of ``chunks``, read by a thread of their own up to ``depth`` items ahead:
    the server's work and the driver's parsing of the next chunk overlap SQLite's writing of
    this one (which runs without the GIL). The iterator and its connection are used by that
    thread only, until this generator ends."""
    box: queue.Queue[tuple[int, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: tuple[int, Any]) -> bool:
        while not stop.is_set():
            try:
                box.put(item, timeout=0.1)
            except queue.Full:
                continue
            return True
        return False

    def read() -> None:
        try:
            for chunk in chunks:
                if not put((_ITEM, chunk)):
                    return
            put((_END, None))
        except BaseException as exc:  # handed to the reading side
            put((_ERROR, exc))
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    reader = threading.Thread(target=read, name="jdoffice-pull-read", daemon=True)
    reader.start()
    try:
        while True:
            kind, value = box.get()
            if kind == _END:
                return
            if kind == _ERROR:
                raise value
            yield value
    finally:
        stop.set()
        reader.join()


_ITEM, _END, _ERROR = 0, 1, 2
