"""WAL checkpoints of an SQLite file, taken on a thread of their own instead of in a commit.

In WAL mode a commit appends the pages it changed to the ``-wal`` file; a *checkpoint* copies
them back into the database file and syncs it. By default SQLite checkpoints in the commit
that takes the WAL past 1 000 pages, so one transaction in about twenty (a webhook's payment
writes some fifty pages) also copies and syncs a few megabytes: 3–6 ms instead of 0.1 ms.
Where several processes write one file and take turns on a lock
(:func:`jdoffice.adapters.uow.share_writes`: the webhook receiver's workers), every other
writer waits for that copy too.

A :class:`Checkpointer` takes those checkpoints on a thread of its own, every
:data:`INTERVAL_S`, in SQLite's ``PASSIVE`` mode: it copies what no reader still needs and
waits for nobody, and writers of this and other processes go on appending meanwhile (SQLite
keeps checkpointing and writing apart itself). The engine's own connections then leave the
checkpoint to it (``wal_autocheckpoint`` raised to :data:`BACKSTOP_PAGES`, a backstop should
the thread fall behind).

The WAL starts over from its beginning only when a writer finds every page of it copied, and
under a steady stream of writes a checkpoint running beside them never catches up: the file
would grow to the backstop. So once the WAL holds :data:`RESTART_PAGES` or more, the thread
checkpoints once more holding what a writer takes first (``hold``: this process's write lock
and the lock file the receiver's workers share). Nothing is appended meanwhile, the little
that came after the checkpoint just taken is copied (a millisecond or two, most of it the
file's sync), and the next writer starts the WAL over: it stays a few megabytes.

A checkpoint changes nothing a reader sees and is safe to interrupt (a crash or a kill in the
middle leaves the database as it was, with the WAL still holding the pages).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

log = logging.getLogger(__name__)

#: How often the thread checkpoints. At 700 payments a second (about 35 000 pages) the WAL
#: holds some 1 750 pages between two checkpoints.
INTERVAL_S = 0.05
#: The WAL size, in pages, at which a commit of an engine whose checkpoints a thread takes
#: checkpoints itself all the same (SQLite's default is 1 000): 40 MB with 4 kB pages.
BACKSTOP_PAGES = 10_000
#: The WAL size, in pages, from which the thread makes sure the WAL starts over (above): 8 MB
#: with 4 kB pages, the pages of about forty webhook payments.
RESTART_PAGES = 2_000
THREAD_NAME = "jdoffice-checkpoints"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """What one ``PRAGMA wal_checkpoint(PASSIVE)`` answered."""

    #: Another connection was checkpointing: nothing was done this time.
    busy: bool
    #: Pages in the WAL (-1: the database is not in WAL mode).
    wal_pages: int
    #: Of those, pages now copied into the database file.
    copied_pages: int


def checkpoint(conn: Any) -> Checkpoint:
    """One passive checkpoint on the driver connection ``conn`` (an ``sqlite3`` connection
    in autocommit mode)."""
    # Every row fetched: a statement not run to its end keeps a read transaction open, and
    # the WAL cannot start over while a reader is on it.
    ((busy, wal_pages, copied),) = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    return Checkpoint(bool(busy), int(wal_pages), int(copied))


class Checkpointer:
    """Checkpoints ``engine``'s SQLite file every ``interval`` seconds on a daemon thread, on
    a driver connection of its own (taken from the engine, so with its settings, then kept
    out of the pool). From ``restart_pages`` in the WAL it checkpoints once more holding
    ``hold`` (the writers' locks), so that the WAL starts over. A checkpoint that fails is
    logged and tried again at the next turn, on a new connection; the thread ends only with
    :meth:`stop`."""

    def __init__(
        self,
        engine: Engine,
        interval: float = INTERVAL_S,
        *,
        hold: Callable[[], AbstractContextManager[Any]] = nullcontext,
        restart_pages: int = RESTART_PAGES,
    ) -> None:
        if engine.dialect.name != "sqlite":
            raise ValueError("only an SQLite file has WAL checkpoints")
        self.engine = engine
        self.interval = interval
        self.hold = hold
        self.restart_pages = restart_pages
        #: Checkpoints taken, of them with the writers held, and turns that failed.
        self.taken = 0
        self.held = 0
        self.failed = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the checkpointer was started already")
        self._thread = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread (a checkpoint in progress finishes first) and close its
        connection."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _connect(self) -> Any:
        fairy = self.engine.raw_connection()
        fairy.detach()  # ours: the pool neither counts it nor hands it to anyone else
        return fairy.dbapi_connection

    def _turn(self, conn: Any) -> None:
        done = checkpoint(conn)
        self.taken += 1
        if done.busy or done.wal_pages < self.restart_pages:
            return  # another connection checkpointing, or a WAL small still
        # The WAL has not started over since it was empty, and "all copied" above counts the
        # pages there were when the checkpoint began: writers went on meanwhile.
        with self.hold():
            checkpoint(conn)
        self.taken += 1
        self.held += 1

    def _run(self) -> None:
        conn: Any = None
        failing = False
        try:
            while not self._stop.wait(self.interval):
                try:
                    if conn is None:
                        conn = self._connect()
                    self._turn(conn)
                    if failing:
                        log.info("WAL checkpoints work again")
                        failing = False
                except Exception as exc:  # a full disk, a file gone: try again next turn
                    self.failed += 1
                    # Said once, not every turn while it lasts.
                    log.log(
                        logging.DEBUG if failing else logging.WARNING,
                        "WAL checkpoint failed, trying again every %.2f s: %s",
                        self.interval,
                        exc,
                    )
                    failing = True
                    _close(conn)
                    conn = None
        finally:
            _close(conn)


def _close(conn: Any) -> None:
    if conn is not None:
        try:
            conn.close()
        except Exception as exc:
            log.debug("closing the checkpoint connection: %s", exc)
