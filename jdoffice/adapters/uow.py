"""The SQLAlchemy unit of work behind ``jdoffice.services.ports.UnitOfWork``.

One transaction per ``with`` block, with the repositories of ``jdoffice.adapters.repos``
on its session. The repositories, the row mapping (``jdoffice.adapters.mapping``) and the
error translation (``jdoffice.adapters.db_errors``) live in modules of their own; their
public names are importable from here as well.
"""

from __future__ import annotations

import os
import threading
import weakref
from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from jdoffice.adapters.changes import SqlChanges
from jdoffice.adapters.db import writer
from jdoffice.adapters.db_errors import translate_db_error
from jdoffice.adapters.deferred_repo import SqlDeferredNotices
from jdoffice.adapters.integrity import SqlIntegrity
from jdoffice.adapters.notification_repo import SqlNotifications
from jdoffice.adapters.repos.audit import SqlAudit, SqlFlags
from jdoffice.adapters.repos.base import send_ahead
from jdoffice.adapters.repos.books import SqlBooksExports
from jdoffice.adapters.repos.online import SqlAttempts, SqlEvents
from jdoffice.adapters.repos.payments import SqlPayments
from jdoffice.adapters.repos.payouts import SqlPayouts
from jdoffice.adapters.repos.receipts import SqlReceipts
from jdoffice.adapters.repos.reminders import SqlReminders
from jdoffice.adapters.repos.schools import SqlSchools, SqlSettings
from jdoffice.adapters.repos.search_read import search_alone
from jdoffice.adapters.repos.shifts import SqlShifts
from jdoffice.adapters.repos.staff import SqlStaff
from jdoffice.adapters.repos.students import SqlBalances, SqlInvoices, SqlStudents
from jdoffice.adapters.single_read import read_alone
from jdoffice.adapters.statements import EVENT_SEEN_EITHER
from jdoffice.domain.search import SearchQuery
from jdoffice.services.notification_settings import NotificationSettings
from jdoffice.services.ports import ConnectionLost, StudentHit

try:
    import fcntl
except ImportError:  # Windows: the writers wait in SQLite's busy handler
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "SqlAlchemyUnitOfWork",
    "SqlAttempts",
    "SqlAudit",
    "SqlBalances",
    "SqlEvents",
    "SqlFlags",
    "SqlInvoices",
    "SqlPayments",
    "SqlPayouts",
    "SqlReceipts",
    "SqlSchools",
    "SqlSettings",
    "SqlShifts",
    "SqlStaff",
    "SqlStudents",
    "translate_db_error",
]

#: One session class for every unit of work: ``sessionmaker`` builds a new class each time.
_Sessions = sessionmaker(expire_on_commit=False, autoflush=True)


#: SQLite has one writer at a time. Threads of one process (the webhook receiver) queue on a
#: lock per engine instead of polling in SQLite's busy handler, which sleeps up to 100 ms
#: between tries; other processes are still kept apart by SQLite's own lock.
_sqlite_write_locks: weakref.WeakKeyDictionary[Engine, threading.RLock] = (
    weakref.WeakKeyDictionary()
)
_registry_lock = threading.Lock()


def write_lock(engine: Engine) -> threading.RLock | None:
    """The lock this process's writers of a SQLite engine queue on (``None`` for a server)."""
    if engine.dialect.name != "sqlite":
        return None
    with _registry_lock:
        lock = _sqlite_write_locks.get(engine)
        if lock is None:
            lock = _sqlite_write_locks[engine] = threading.RLock()
        return lock


class _ProcessLock:
    """A lock file beside a SQLite database that the writers of several processes queue on.

    Held by one thread of the process at a time: it is taken and released under the engine's
    :func:`write_lock`, counting how deep that thread's writing blocks nest.
    """

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.depth = 0

    def enter(self) -> None:
        if self.depth == 0:
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        self.depth += 1

    def exit(self) -> None:
        self.depth -= 1
        if self.depth == 0:
            fcntl.flock(self.fd, fcntl.LOCK_UN)


_process_locks: weakref.WeakKeyDictionary[Engine, _ProcessLock] = weakref.WeakKeyDictionary()


def share_writes(engine: Engine) -> bool:
    """Make this process's writers of a SQLite file queue with those of every other process
    that does the same (the webhook receiver's workers) on a lock file beside the database,
    ``<file>-writer-lock``.

    SQLite keeps the processes apart either way, but a process that finds the database locked
    polls in its busy handler, sleeping 1, 2, 5, 10 … ms between tries, while the threads of
    the process holding it take it again at once: one process does the writing and the
    other mostly sleeps. On the lock file the next writer is woken the moment the last one
    is done. Processes that do not call this (a desk, the command line) still wait in SQLite's
    busy handler as before. Returns whether the lock file is used: not for a server database,
    an in-memory one, or where the system has no ``flock``.
    """
    if engine.dialect.name != "sqlite" or fcntl is None:
        return False
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return False
    with _registry_lock:
        if engine in _process_locks:
            return True
        fd = os.open(f"{database}-writer-lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        _process_locks[engine] = _ProcessLock(fd)
    return True


class SqlAlchemyUnitOfWork:
    """A transaction per ``with`` block. Reusable: each block opens a fresh session.

    Database errors leaving the block are translated (``Unavailable``, ``TransientConflict``,
    ``DuplicateKey``) so services and the command line never see driver exceptions.
    """

    schools: SqlSchools
    students: SqlStudents
    invoices: SqlInvoices
    payments: SqlPayments
    balances: SqlBalances
    receipts: SqlReceipts
    audit: SqlAudit
    attempts: SqlAttempts
    events: SqlEvents
    flags: SqlFlags
    deferred: SqlDeferredNotices
    settings: SqlSettings
    notifications: SqlNotifications
    staff: SqlStaff
    shifts: SqlShifts
    reminders: SqlReminders
    payouts: SqlPayouts
    books: SqlBooksExports

    def __init__(
        self, engine: Engine, *, notification_defaults: NotificationSettings | None = None
    ) -> None:
        self.engine = engine
        self._notification_defaults = notification_defaults
        self._writer = writer(engine)
        self._write_lock = write_lock(engine)
        self._process_lock = _process_locks.get(engine) if self._write_lock else None
        self._write_next = False
        self._session: Session | None = None
        self._held: threading.RLock | None = None
        self._committing = False
        self._held_process: _ProcessLock | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("unit of work used outside its `with` block")
        return self._session

    @property
    def changes(self) -> SqlChanges:
        """Live changes by the database's clock (``jdoffice.services.changes``)."""
        return SqlChanges(self.session)

    @property
    def integrity(self) -> SqlIntegrity:
        """The invariants checked against the rows (``jdoffice.services.integrity``)."""
        return SqlIntegrity(self.session)

    @property
    def notification_defaults(self) -> NotificationSettings:
        """The global notification settings: given, or read once from the config file and
        the environment (``jdoffice.adapters.config``)."""
        if self._notification_defaults is None:
            from jdoffice.adapters.config import default_notification_settings

            self._notification_defaults = default_notification_settings()
        return self._notification_defaults

    def write(self) -> Self:
        self._write_next = True
        return self

    def __enter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("unit of work is already open")
        write, self._write_next = self._write_next, False
        self._committing = False
        if write and self._write_lock is not None:
            self._write_lock.acquire()
            self._held = self._write_lock
            if self._process_lock is not None:
                try:
                    self._process_lock.enter()
                except BaseException:
                    self._release()
                    raise
                self._held_process = self._process_lock
        try:
            s = _Sessions(bind=self._writer if write else self.engine)
        except BaseException:
            self._release()
            raise
        self._session = s
        self.notifications = SqlNotifications(s)
        self.schools = SqlSchools(s, self.notifications)
        self.students = SqlStudents(s)
        self.invoices = SqlInvoices(s)
        self.payments = SqlPayments(s)
        self.balances = SqlBalances(s)
        self.receipts = SqlReceipts(s)
        self.audit = SqlAudit(s)
        self.attempts = SqlAttempts(s)
        self.events = SqlEvents(s)
        self.flags = SqlFlags(s)
        self.deferred = SqlDeferredNotices(s)
        self.settings = SqlSettings(s)
        self.staff = SqlStaff(s)
        self.shifts = SqlShifts(s)
        self.reminders = SqlReminders(s)
        self.payouts = SqlPayouts(s)
        self.books = SqlBooksExports(s)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        s, self._session = self._session, None
        if s is None:
            return
        try:
            s.rollback()
            s.close()
        except DBAPIError as close_exc:
            if exc is None:
                raise translate_db_error(close_exc) from close_exc
        finally:
            self._release()
        if isinstance(exc, DBAPIError):
            if exc.connection_invalidated and not self._committing:
                # The server ended the connection before this unit of work committed (a
                # restart, an administrator, a connection the idle check at checkout could
                # not yet see as closed): the server rolled it back, nothing was written, and
                # the pool connects anew, so the work may simply run again (``retrying``).
                raise ConnectionLost(
                    f"{translate_db_error(exc)} (the connection was lost before anything was saved)"
                ) from exc
            raise translate_db_error(exc) from exc

    def search_students(
        self, school_id: int, query: SearchQuery, limit: int, *, enough: int | None = None
    ) -> list[StudentHit]:
        """Student search as a read on its own (``jdoffice.adapters.repos.search_read``)."""
        try:
            return search_alone(self.engine, school_id, query, limit, enough=enough)
        except DBAPIError as exc:
            raise translate_db_error(exc) from exc

    def event_handled(self, gateway: str, event_id: str, other_key: str) -> bool:
        """Whether a provider event was handled, as one read on its own
        (``jdoffice.adapters.single_read``)."""
        try:
            rows = read_alone(
                self.engine,
                EVENT_SEEN_EITHER,
                {"gateway": gateway, "event_id": event_id, "other_key": other_key},
            )
        except DBAPIError as exc:
            raise translate_db_error(exc) from exc
        return bool(rows)

    def _release(self) -> None:
        process, self._held_process = self._held_process, None
        if process is not None:
            process.exit()
        held, self._held = self._held, None
        if held is not None:
            held.release()

    def send_ahead(self) -> None:
        send_ahead(self.session)

    def commit(self) -> None:
        # A connection lost from here on may have committed: never retried as lost before.
        self._committing = True
        try:
            self.session.commit()
        except DBAPIError as exc:
            raise translate_db_error(exc) from exc

    def rollback(self) -> None:
        self.session.rollback()
