"""The desk's own SQLite database: a replica of its school and the outbox of offline payments.

The replica has the shared schema, with the school's rows under the same ids as on the
shared database, so every repository and read use case works on it unchanged.
:class:`SqliteLocalStore` is :class:`jdoffice.services.offline.LocalStore` on that file, and
:func:`open_offline_desk` wires an :class:`OfflineDesk` on it and the shared database.

The parts live in modules of their own, and their public names are importable from here as
well: the file, its engine and its local tables (``jdoffice.adapters.local_db``), the outbox
(``jdoffice.adapters.local_outbox``), pulling (``jdoffice.adapters.local_pull``) and the
shared database's side (``jdoffice.adapters.offline_shared``).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from jdoffice.adapters.db_errors import translate_db_error
from jdoffice.adapters.local_db import (
    ENV_LOCAL_DB,
    LOCAL_BUSY_TIMEOUT_MS,
    LOCAL_METADATA,
    TAG_ALPHABET,
    TAG_LENGTH,
    default_local_path,
    local_engine,
    outbox_table,
    prepare_local,
    resolve_local_path,
    series_table,
    shift_outbox_table,
    source_of,
    state_table,
)
from jdoffice.adapters.local_fill import Batches
from jdoffice.adapters.local_outbox import SqlOutbox, offline_receipt_number
from jdoffice.adapters.local_pull import (
    CHUNK,
    PAYMENT_HISTORY,
    PULL_CACHE_KIB,
    PULL_OVERLAP,
    SchoolCopy,
    shared_clock,
)
from jdoffice.adapters.local_shift_outbox import HookedUnitOfWork, SqlShiftOutbox
from jdoffice.adapters.offline_shared import SqlSharedNotes, guarded, pinger
from jdoffice.adapters.single_read import close_spares
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.errors import BusinessRuleError, Conflict
from jdoffice.domain.model import Actor, School
from jdoffice.services.offline import OfflineDesk, PullResult, ReplicaState
from jdoffice.services.ports import UnitOfWork

__all__ = [
    "CHUNK",
    "ENV_LOCAL_DB",
    "LOCAL_BUSY_TIMEOUT_MS",
    "LOCAL_METADATA",
    "PAYMENT_HISTORY",
    "PULL_CACHE_KIB",
    "PULL_OVERLAP",
    "TAG_ALPHABET",
    "TAG_LENGTH",
    "SqlOutbox",
    "SqlSharedNotes",
    "SqlShiftOutbox",
    "SqliteLocalStore",
    "default_local_path",
    "guarded",
    "local_engine",
    "offline_receipt_number",
    "open_offline_desk",
    "outbox_table",
    "pinger",
    "prepare_local",
    "resolve_local_path",
    "series_table",
    "shared_clock",
    "shift_outbox_table",
    "source_of",
    "state_table",
]


class SqliteLocalStore:
    """:class:`jdoffice.services.offline.LocalStore` on a SQLite file.

    The file is created (and migrated) when first needed, not when the store is made, so a
    desk that is never offline never writes one.
    """

    def __init__(self, path: Path, shared_url: URL, shared_engine: Callable[[], Engine]) -> None:
        self.path = path
        self.source = source_of(shared_url)
        self._shared_engine = shared_engine
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            engine = local_engine(self.path)
            try:
                prepare_local(engine)
            except BaseException:
                engine.dispose()
                raise
            self._engine = engine
        return self._engine

    def dispose(self) -> None:
        if self._engine is not None:
            close_spares(self._engine)
            self._engine.dispose()
            self._engine = None

    def uow(self) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self.engine)

    def uow_then(self, before_commit: Callable[[UnitOfWork], None]) -> HookedUnitOfWork:
        return HookedUnitOfWork(self.engine, before_commit)

    def outbox(self, uow: UnitOfWork) -> SqlOutbox:
        if not isinstance(uow, SqlAlchemyUnitOfWork):  # pragma: no cover - wiring error
            raise TypeError("the outbox works inside a local SqlAlchemyUnitOfWork")
        return SqlOutbox(uow.session.connection())

    def shift_outbox(self, uow: UnitOfWork) -> SqlShiftOutbox:
        if not isinstance(uow, SqlAlchemyUnitOfWork):  # pragma: no cover - wiring error
            raise TypeError("the shift outbox works inside a local SqlAlchemyUnitOfWork")
        return SqlShiftOutbox(uow.session.connection())

    def count_shift_changes(self) -> int:
        if self._engine is None and not self.path.exists():
            return 0
        with self.engine.connect() as conn:
            return SqlShiftOutbox(conn).count_waiting()

    def state(self) -> ReplicaState:
        if self._engine is None and not self.path.exists():
            return ReplicaState(None, None, None, None)
        with self.engine.connect() as conn:
            r = conn.execute(select(state_table).where(state_table.c.id == 1)).one()
        return ReplicaState(r.school_id, r.school_slug, r.source, r.last_pull_at)

    def count_waiting(self) -> int:
        if self._engine is None and not self.path.exists():
            return 0
        with self.engine.connect() as conn:
            return SqlOutbox(conn).count_waiting()

    # --- pulling ---------------------------------------------------------------------------

    def pull(self, school: School, *, full: bool = False) -> PullResult:
        started = time.perf_counter()
        try:
            shared = self._shared_engine()
            with shared.connect() as src:
                if src.dialect.name != "sqlite":
                    # One snapshot for the whole pull (a SQLite transaction is one already):
                    # an invoice read after its student was added meanwhile would point at a
                    # student the copy does not have.
                    src.execution_options(isolation_level="REPEATABLE READ")
                pulled_at = shared_clock(src)
                return self._pull(src, school, pulled_at, full, started)
        except DBAPIError as exc:
            # Errors of the shared connection; the local unit of work translates its own.
            raise translate_db_error(exc) from exc

    def _pull(
        self, src: Connection, school: School, pulled_at: dt.datetime, full: bool, started: float
    ) -> PullResult:
        state = self.state()
        other = state.school_id is not None and (
            state.school_id != school.id or state.source != self.source
        )
        if other and (self.count_waiting() or self.count_shift_changes()):
            raise BusinessRuleError(
                f"this desk's local copy ({self.path}) holds payments or shift changes for "
                f"{state.school_slug} "
                f"on {state.source} that are not sent yet; push them there first"
            )
        with self.engine.connect() as conn:
            cursor: dt.datetime | None = conn.scalar(
                select(state_table.c.pull_cursor).where(state_table.c.id == 1)
            )
        since = None
        if cursor is not None and not (full or other or state.school_id is None):
            since = cursor - PULL_OVERLAP

        def publish(dst: Connection) -> None:
            dst.execute(
                update(state_table)
                .where(state_table.c.id == 1)
                .values(
                    source=self.source,
                    school_id=school.id,
                    school_slug=school.slug,
                    pull_cursor=pulled_at,
                    last_pull_at=pulled_at,
                )
            )

        if other or state.school_id is None:
            # Nothing here the desk works from yet: fill it in short transactions.
            batches = Batches(self.engine, school.id)
            try:
                counts = SchoolCopy(src, None, school.id, None, pulled_at, batches=batches).run(
                    publish
                )
            finally:
                batches.close()
        else:
            uow = self.uow()
            with uow.write():
                dst = uow.session.connection()
                now = dst.execute(select(state_table).where(state_table.c.id == 1)).one()
                if (now.school_id, now.source) != (state.school_id, state.source):
                    raise Conflict(
                        "another pull of this desk's local copy started meanwhile; "
                        "pull again once it is done"
                    )
                counts = SchoolCopy(src, dst, school.id, since, pulled_at).run(publish)
                uow.commit()
        return PullResult(
            full=since is None,
            students=counts["students"],
            invoices=counts["student_invoices"],
            balances=counts["student_balances"],
            payments=counts["student_payments"],
            refunds=counts["student_refunds"],
            pulled_at=pulled_at,
            seconds=time.perf_counter() - started,
        )


def open_offline_desk(
    *,
    shared_url: URL,
    shared_engine: Callable[[], Engine],
    shared_uow: Callable[[], UnitOfWork],
    local_path: Path,
    school_slug: str | None,
    actor: Actor,
) -> OfflineDesk:
    """Wire an :class:`OfflineDesk` on the shared database and the local file."""
    return OfflineDesk(
        shared=guarded(shared_uow),
        local=SqliteLocalStore(local_path, shared_url, shared_engine),
        notes=SqlSharedNotes(),
        ping=pinger(shared_engine),
        school_slug=school_slug,
        actor=actor,
    )
