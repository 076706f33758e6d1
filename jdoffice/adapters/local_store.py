"""The desk's own SQLite database: a replica of its school and the outbox of offline payments.

The replica has the shared schema (the same Alembic migrations run on it), with the school's
rows under the same ids as on the shared database, so every repository and read use case works
on it unchanged. Next to it, in tables of their own that the shared schema never has
(:data:`LOCAL_METADATA`): the outbox, this file's offline receipt series and the pull state.

Pulling: the first pull copies the school (students, invoices, balances, payments and refunds
of the last :data:`PAYMENT_HISTORY`) in chunks inside one local transaction; the search terms
are computed here from the students, so students the web system wrote without terms are found
too. Later pulls fetch the rows whose ``updated_at`` is at or after the previous pull's start,
read on the shared database's clock, minus :data:`PULL_OVERLAP` (rows are stamped by the
clocks of the desks that wrote them and become visible when their transaction commits), and
upsert them. Rows deleted on the shared database stay until ``sync pull --full``.

Durability: every local connection runs with ``synchronous=FULL``, so a committed outbox row
survives a power cut, not only a killed process.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    column,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from jdoffice.adapters import db
from jdoffice.adapters.clock import db_utcnow
from jdoffice.adapters.orm import (
    NAMING,
    AllocationRow,
    BalanceRow,
    InvoiceRow,
    PaymentRow,
    RefundRow,
    SchoolRow,
    StudentRow,
    StudentSearchTermRow,
    UTCDateTime,
)
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork, translate_db_error
from jdoffice.domain.errors import BusinessRuleError, Unavailable
from jdoffice.domain.model import UTC, Actor, School
from jdoffice.domain.search import student_terms
from jdoffice.services.offline import (
    OfflineDesk,
    OutboxEntry,
    OutboxStatus,
    PaymentRequest,
    PullResult,
    ReplicaState,
)
from jdoffice.services.ports import UnitOfWork

ENV_LOCAL_DB = "JDOFFICE_LOCAL_DB"
#: How far back an incremental pull looks before the previous pull's start: covers commits
#: that land after the rows were stamped, and desks whose clocks run behind the database's.
PULL_OVERLAP = dt.timedelta(minutes=2)
#: Payments (and their refunds) copied on the first pull: enough for the student view.
PAYMENT_HISTORY = dt.timedelta(days=400)
#: Rows per SELECT and per executemany.
CHUNK = 5000
#: SQLite page cache while pulling (KiB).
PULL_CACHE_KIB = 256 * 1024
#: A first pull holds the local write lock for seconds; another process queueing a payment
#: meanwhile waits for it instead of failing.
LOCAL_BUSY_TIMEOUT_MS = 60_000
#: Letters of the per-file tag in offline receipt numbers (no 0/O, 1/I).
TAG_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
TAG_LENGTH = 6

LOCAL_METADATA = MetaData(naming_convention=NAMING)

outbox_table = Table(
    "offline_outbox",
    LOCAL_METADATA,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("payment_id", String(36), nullable=False, unique=True),
    Column("school_id", Integer, nullable=False),
    Column("school_slug", String(64), nullable=False),
    Column("student_id", Integer, nullable=False),
    Column("student_no", String(32), nullable=False),
    Column("student_name", String(201), nullable=False),
    Column("invoice_no", String(32)),
    Column("target_student_no", String(32)),
    Column("method", String(32), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("tendered_minor", BigInteger),
    Column("reference", String(200), nullable=False),
    Column("allow_credit", Boolean, nullable=False),
    Column("offline_receipt_no", String(96), nullable=False, unique=True),
    Column("taken_at", UTCDateTime(), nullable=False),
    Column("staff", String(64), nullable=False),
    Column("desk", String(64), nullable=False),
    Column("allocations", JSON, nullable=False),
    Column("credit_minor", BigInteger, nullable=False),
    Column("rounding_minor", BigInteger, nullable=False),
    Column("cash_total_minor", BigInteger),
    Column("change_minor", BigInteger),
    Column("status", String(16), nullable=False, index=True),
    Column("pushed_at", UTCDateTime()),
    Column("receipt_no", BigInteger),
    Column("outcome", String(16), nullable=False, default=""),
    Column("error", String(500), nullable=False, default=""),
    Column("tries", Integer, nullable=False, default=0),
)

series_table = Table(
    "offline_series",
    LOCAL_METADATA,
    Column("desk", String(64), primary_key=True),
    Column("last_no", Integer, nullable=False),
)

state_table = Table(
    "offline_state",
    LOCAL_METADATA,
    Column("id", Integer, primary_key=True),
    Column("tag", String(8), nullable=False),
    Column("source", String(500)),
    Column("school_id", Integer),
    Column("school_slug", String(64)),
    Column("pull_cursor", UTCDateTime()),
    Column("last_pull_at", UTCDateTime()),
)


def _table(model: type[Any]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


_schools = _table(SchoolRow)
_students = _table(StudentRow)
_terms = _table(StudentSearchTermRow)
_invoices = _table(InvoiceRow)
_balances = _table(BalanceRow)
_payments = _table(PaymentRow)
_refunds = _table(RefundRow)
_allocations = _table(AllocationRow)


def source_of(url: URL) -> str:
    """The shared database a replica was pulled from, without its password."""
    return url.render_as_string(hide_password=True)


def default_local_path(shared_url: URL) -> Path:
    """``local-<digest>.sqlite3`` in the user data directory: one per shared database, so a
    desk that works on the demo and on the real database keeps them apart."""
    digest = hashlib.sha256(source_of(shared_url).encode()).hexdigest()[:12]
    return db.default_data_dir() / f"local-{digest}.sqlite3"


def resolve_local_path(cli_path: str | None, shared_url: URL) -> Path:
    """``--local-db`` wins over ``JDOFFICE_LOCAL_DB``, which wins over the default."""
    raw = (cli_path or os.environ.get(ENV_LOCAL_DB, "")).strip()
    if raw:
        return Path(raw).expanduser().resolve()
    return default_local_path(shared_url)


def local_engine(path: Path) -> Engine:
    """An engine on the local file with the project's SQLite settings, made durable."""
    engine = db.make_engine(db.normalize_url(str(path)))

    @event.listens_for(engine, "connect")
    def _durable(dbapi_conn: Any, _record: Any) -> None:
        # Runs after the engine's own connect hook (which sets NORMAL): an outbox row is
        # money the desk has taken; its commit must reach the disk before the receipt prints.
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute(f"PRAGMA busy_timeout={LOCAL_BUSY_TIMEOUT_MS}")
        cur.close()

    return engine


def prepare_local(engine: Engine) -> None:
    """The shared schema (migrated like the embedded database) plus the local tables."""
    if not db.schema_is_current(engine):
        db.upgrade(engine)
    LOCAL_METADATA.create_all(engine)
    with engine.begin() as conn:
        if conn.scalar(select(func.count()).select_from(state_table)) == 0:
            tag = "".join(secrets.choice(TAG_ALPHABET) for _ in range(TAG_LENGTH))
            conn.execute(insert(state_table).values(id=1, tag=tag))


# --- the outbox ------------------------------------------------------------------------------


def _entry(r: Any) -> OutboxEntry:
    return OutboxEntry(
        request=PaymentRequest(
            payment_id=r.payment_id,
            school_slug=r.school_slug,
            method=r.method,
            amount_minor=r.amount_minor,
            invoice_no=r.invoice_no,
            student_no=r.target_student_no,
            tendered_minor=r.tendered_minor,
            reference=r.reference,
            allow_credit=bool(r.allow_credit),
        ),
        school_id=r.school_id,
        student_id=r.student_id,
        student_no=r.student_no,
        student_name=r.student_name,
        currency=r.currency,
        offline_receipt_no=r.offline_receipt_no,
        taken_at=r.taken_at,
        actor=Actor(staff=r.staff, desk=r.desk),
        allocations=tuple((int(a[0]), str(a[1]), int(a[2])) for a in r.allocations),
        credit_minor=r.credit_minor,
        rounding_minor=r.rounding_minor,
        cash_total_minor=r.cash_total_minor,
        change_minor=r.change_minor,
        status=r.status,
        pushed_at=r.pushed_at,
        receipt_no=r.receipt_no,
        outcome=r.outcome,
        error=r.error,
        tries=r.tries,
        seq=r.seq,
    )


class SqlOutbox:
    """The outbox inside an open transaction of a local unit of work."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, payment_id: str) -> OutboxEntry | None:
        r = self.conn.execute(
            select(outbox_table).where(outbox_table.c.payment_id == payment_id)
        ).first()
        return _entry(r) if r else None

    def add(self, entry: OutboxEntry) -> None:
        req = entry.request
        self.conn.execute(
            insert(outbox_table).values(
                payment_id=req.payment_id,
                school_id=entry.school_id,
                school_slug=req.school_slug,
                student_id=entry.student_id,
                student_no=entry.student_no,
                student_name=entry.student_name[:201],
                invoice_no=req.invoice_no,
                target_student_no=req.student_no,
                method=req.method,
                amount_minor=req.amount_minor,
                currency=entry.currency,
                tendered_minor=req.tendered_minor,
                reference=req.reference,
                allow_credit=req.allow_credit,
                offline_receipt_no=entry.offline_receipt_no,
                taken_at=entry.taken_at,
                staff=entry.actor.staff,
                desk=entry.actor.desk,
                allocations=[list(a) for a in entry.allocations],
                credit_minor=entry.credit_minor,
                rounding_minor=entry.rounding_minor,
                cash_total_minor=entry.cash_total_minor,
                change_minor=entry.change_minor,
                status=OutboxStatus.WAITING,
                outcome="",
                error="",
                tries=0,
            )
        )
        self.conn.execute(
            update(_payments)
            .where(_payments.c.id == req.payment_id)
            .values(offline_receipt_no=entry.offline_receipt_no)
        )

    def next_receipt_no(self, desk: str) -> str:
        tag = self.conn.scalar(select(state_table.c.tag).where(state_table.c.id == 1))
        last = self.conn.scalar(select(series_table.c.last_no).where(series_table.c.desk == desk))
        n = int(last or 0) + 1
        if last is None:
            self.conn.execute(insert(series_table).values(desk=desk, last_no=n))
        else:
            self.conn.execute(
                update(series_table).where(series_table.c.desk == desk).values(last_no=n)
            )
        return offline_receipt_number(desk, str(tag), n)

    def waiting(self) -> list[OutboxEntry]:
        rows = self.conn.execute(
            select(outbox_table)
            .where(outbox_table.c.status == OutboxStatus.WAITING)
            .order_by(outbox_table.c.seq)
        )
        return [_entry(r) for r in rows]

    def count_waiting(self) -> int:
        return int(
            self.conn.scalar(
                select(func.count())
                .select_from(outbox_table)
                .where(outbox_table.c.status == OutboxStatus.WAITING)
            )
            or 0
        )

    def mark_pushed(
        self, payment_id: str, receipt_no: int | None, outcome: str, now: dt.datetime
    ) -> None:
        self.conn.execute(
            update(outbox_table)
            .where(outbox_table.c.payment_id == payment_id)
            .values(
                status=OutboxStatus.PUSHED,
                receipt_no=receipt_no,
                outcome=outcome,
                pushed_at=now,
                error="",
                tries=outbox_table.c.tries + 1,
            )
        )

    def mark_error(self, payment_id: str, error: str, now: dt.datetime) -> None:
        self.conn.execute(
            update(outbox_table)
            .where(outbox_table.c.payment_id == payment_id)
            .values(error=error[:500], tries=outbox_table.c.tries + 1)
        )


def offline_receipt_number(desk: str, tag: str, n: int) -> str:
    """``<desk>-<tag>-O000001``. The shared series is integers; this always holds letters, so
    the two can never meet. The tag is drawn once per local database, so two desks that happen
    to share a name (or one desk whose local file was replaced) keep separate series."""
    return f"{desk}-{tag}-O{n:06d}"


# --- the store -------------------------------------------------------------------------------


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
            self._engine.dispose()
            self._engine = None

    def uow(self) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self.engine)

    def outbox(self, uow: UnitOfWork) -> SqlOutbox:
        if not isinstance(uow, SqlAlchemyUnitOfWork):  # pragma: no cover - wiring error
            raise TypeError("the outbox works inside a local SqlAlchemyUnitOfWork")
        return SqlOutbox(uow.session.connection())

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
        if other and self.count_waiting():
            raise BusinessRuleError(
                f"this desk's local copy ({self.path}) holds payments for {state.school_slug} "
                f"on {state.source} that are not sent yet; push them there first"
            )
        with self.engine.connect() as conn:
            cursor: dt.datetime | None = conn.scalar(
                select(state_table.c.pull_cursor).where(state_table.c.id == 1)
            )
        since = None
        if cursor is not None and not (full or other or state.school_id is None):
            since = cursor - PULL_OVERLAP
        uow = self.uow()
        with uow.write():
            dst = uow.session.connection()
            counts = _Copy(src, dst, school.id, since, pulled_at).run()
            full = since is None
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
            uow.commit()
        return PullResult(
            full=full,
            students=counts["students"],
            invoices=counts["student_invoices"],
            balances=counts["student_balances"],
            payments=counts["student_payments"],
            refunds=counts["student_refunds"],
            pulled_at=pulled_at,
            seconds=time.perf_counter() - started,
        )


def shared_clock(conn: Connection) -> dt.datetime:
    """The shared database's own idea of now, as an aware UTC datetime."""
    name = conn.dialect.name
    if name == "postgresql":
        value: Any = conn.exec_driver_sql("SELECT CURRENT_TIMESTAMP").scalar_one()
    elif name in ("mysql", "mariadb"):
        value = conn.exec_driver_sql("SELECT UTC_TIMESTAMP(6)").scalar_one()
    else:
        value = conn.exec_driver_sql("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')").scalar_one()
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _sqlite_value(kind: str) -> Callable[[Any], Any]:
    """How a raw driver value of a column is written to SQLite: as SQLAlchemy's SQLite types
    store it (``YYYY-MM-DD HH:MM:SS.ffffff`` naive UTC, ``YYYY-MM-DD``)."""
    if kind == "datetime":

        def to_text(v: Any) -> Any:
            if isinstance(v, dt.datetime):
                if v.tzinfo is not None:
                    v = v.astimezone(UTC).replace(tzinfo=None)
                return v.isoformat(sep=" ", timespec="microseconds")
            return v

        return to_text
    if kind == "date":
        return lambda v: v.isoformat() if isinstance(v, dt.date) else v
    return lambda v: int(v) if isinstance(v, bool) else v


#: Server-side formats that give exactly what :func:`_sqlite_value` would.
_SERVER_TEXT = {
    ("postgresql", "datetime"): "YYYY-MM-DD HH24:MI:SS.US",
    ("postgresql", "date"): "YYYY-MM-DD",
    ("mysql", "datetime"): "%Y-%m-%d %H:%i:%s.%f",
    ("mysql", "date"): "%Y-%m-%d",
    ("mariadb", "datetime"): "%Y-%m-%d %H:%i:%s.%f",
    ("mariadb", "date"): "%Y-%m-%d",
}


def _kind(column: Column[Any]) -> str:
    t = column.type
    if isinstance(t, UTCDateTime | sqlalchemy.DateTime):
        return "datetime"
    if isinstance(t, sqlalchemy.Date):
        return "date"
    if isinstance(t, sqlalchemy.Boolean):
        return "bool"
    return ""


def _upsert_sql(conn: Connection, table: Table, key: str) -> str:
    """``INSERT … ON CONFLICT (key) DO UPDATE`` of every column, for ``executemany`` with
    one positional parameter per column in table order."""
    stmt = sqlite_insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=[key],
        set_={c.name: stmt.excluded[c.name] for c in table.c if c.name != key},
    )
    compiled = stmt.compile(dialect=conn.dialect, column_keys=[c.name for c in table.c])
    assert compiled.positiontup == [c.name for c in table.c], compiled.positiontup
    return str(compiled)


class _Copy:
    """One pull: read the school's rows from ``src`` and write them into the replica ``dst``
    (inside its open transaction).

    Rows travel as the drivers give them: the SELECT names untyped columns so SQLAlchemy adds
    no per-value processing, and the upserts go to SQLite as plain ``executemany``. With about
    a million rows in a first pull, that is most of its time saved.
    """

    def __init__(
        self,
        src: Connection,
        dst: Connection,
        school_id: int,
        since: dt.datetime | None,
        pulled_at: dt.datetime,
    ) -> None:
        self.src = src
        self.dst = dst
        self.school_id = school_id
        self.since = since
        self.pulled_at = pulled_at
        self.counts: dict[str, int] = {}
        self.touched_invoices: set[int] = set()
        self.touched_balances: set[int] = set()
        #: A full pull inserts all search terms at the end, in index order.
        self.terms: list[tuple[int, str, int]] = []

    @property
    def full(self) -> bool:
        return self.since is None

    def run(self) -> dict[str, int]:
        # Index pages of a million random-order inserts do not fit SQLite's default 2 MB cache.
        self.dst.exec_driver_sql(f"PRAGMA cache_size=-{PULL_CACHE_KIB}")
        try:
            if self.full:
                # Foreign keys are checked at commit: the school's rows are replaced while
                # local payments still point at them, and come back under the same ids.
                self.dst.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
                self._clear()
                # Building an index once from all rows is several times faster than keeping
                # it up to date row by row; the same statements make them again (DDL is
                # transactional in SQLite: a failed pull leaves them as they were).
                indexes = self._drop_indexes(_students, _terms, _invoices, _balances, _payments)
            self._copy(_schools, _schools.c.id == self.school_id)
            self._copy(_students, _students.c.school_id == self.school_id, terms=True)
            self._copy(_invoices, _invoices.c.school_id == self.school_id, self.touched_invoices)
            self._copy(
                _balances,
                _balances.c.school_id == self.school_id,
                self.touched_balances,
                "student_id",
            )
            window = _payments.c.school_id == self.school_id
            if self.full:
                window = window & (_payments.c.created_at >= self.pulled_at - PAYMENT_HISTORY)
            self._copy(_payments, window)
            refunds = _refunds.c.school_id == self.school_id
            if self.full:
                refunds = refunds & _refunds.c.payment_id.in_(select(_payments.c.id).where(window))
            self._copy(_refunds, refunds, known_payments=True)
            if self.full:
                self._insert_terms(sorted(self.terms))
                for sql in indexes:
                    self.dst.exec_driver_sql(sql)
            self._reapply_waiting()
        finally:
            self.dst.exec_driver_sql("PRAGMA cache_size=-2000")
        return self.counts

    def _drop_indexes(self, *tables: Table) -> list[str]:
        """Drop the secondary indexes of ``tables``; returns the statements that make them."""
        master = sqlalchemy.table(
            "sqlite_master", column("type"), column("name"), column("tbl_name"), column("sql")
        )
        found = self.dst.execute(
            select(master.c.name, master.c.sql).where(
                master.c.type == "index",
                master.c.sql.is_not(None),
                master.c.tbl_name.in_([t.name for t in tables]),
            )
        ).all()
        for name, _sql in found:
            self.dst.exec_driver_sql(f'DROP INDEX "{name}"')
        return [sql for _name, sql in found]

    def _clear(self) -> None:
        """Remove the replica's copy of the school, keeping the payments still waiting to be
        sent (they exist only here)."""
        keep = select(outbox_table.c.payment_id).where(
            outbox_table.c.status == OutboxStatus.WAITING
        )
        s = self.school_id
        self.dst.execute(delete(_refunds).where(_refunds.c.school_id == s))
        self.dst.execute(delete(_allocations).where(_allocations.c.payment_id.not_in(keep)))
        self.dst.execute(
            delete(_payments).where(_payments.c.school_id == s, _payments.c.id.not_in(keep))
        )
        self.dst.execute(delete(_balances).where(_balances.c.school_id == s))
        self.dst.execute(delete(_terms).where(_terms.c.school_id == s))
        self.dst.execute(delete(_invoices).where(_invoices.c.school_id == s))
        self.dst.execute(delete(_students).where(_students.c.school_id == s))

    def _columns(self, table: Table) -> list[Any]:
        """The columns as the replica stores them. ``column(name)`` has no type, so values
        come back as the driver made them; PostgreSQL and MySQL/MariaDB write times and dates
        as SQLite text themselves, which saves making (and formatting) a Python object per
        value."""
        out: list[Any] = []
        for c in table.c:
            kind = _kind(c)
            pattern = _SERVER_TEXT.get((self.src.dialect.name, kind))
            if pattern is None:
                out.append(column(c.name))
            elif self.src.dialect.name == "postgresql":
                out.append(func.to_char(column(c.name), pattern).label(c.name))
            else:
                out.append(func.date_format(column(c.name), pattern).label(c.name))
        return out

    def _select(self, table: Table, where: Any) -> Iterator[list[tuple[Any, ...]]]:
        stmt: Any = select(*self._columns(table)).select_from(table).where(where)
        if not self.full:
            # Few rows: a plain cursor. A server-side cursor makes PostgreSQL plan for the
            # first rows fast and walk a whole school index instead of the updated_at one.
            stmt = stmt.where(table.c.updated_at >= self.since)
            rows = [tuple(r) for r in self.src.execute(stmt)]
            for start in range(0, len(rows), CHUNK):
                yield rows[start : start + CHUNK]
            return
        result = self.src.execution_options(stream_results=True, yield_per=CHUNK).execute(stmt)
        for part in result.partitions():
            yield [tuple(r) for r in part]

    def _copy(
        self,
        table: Table,
        where: Any,
        touched: set[int] | None = None,
        key: str = "id",
        *,
        terms: bool = False,
        known_payments: bool = False,
    ) -> None:
        names = [c.name for c in table.c]
        dialect = self.src.dialect.name
        convert = [
            (i, _sqlite_value(k))
            for i, k in enumerate(map(_kind, table.c))
            if k and (dialect, k) not in _SERVER_TEXT
        ]
        at = {n: i for i, n in enumerate(names)}
        sql = _upsert_sql(self.dst, table, key)
        n = 0
        for raw in self._select(table, where):
            rows = raw
            if known_payments and not self.full:
                # A refund of a payment older than the copied history has nothing to attach to.
                pid = at["payment_id"]
                ids = {r[pid] for r in rows}
                have = set(self.dst.scalars(select(_payments.c.id).where(_payments.c.id.in_(ids))))
                rows = [r for r in rows if r[pid] in have]
                if not rows:
                    continue
            if convert:
                out = []
                for r in rows:
                    values = list(r)
                    for i, fn in convert:
                        values[i] = fn(values[i])
                    out.append(tuple(values))
                rows = out
            self.dst.exec_driver_sql(sql, rows)
            if touched is not None:
                k = at[key]
                touched.update(r[k] for r in rows)
            if terms:
                self._index(rows, at)
            n += len(rows)
        self.counts[table.name] = n

    def _index(self, rows: Sequence[tuple[Any, ...]], at: dict[str, int]) -> None:
        """Search terms of the students just copied, made here (students the web system wrote
        may have none on the shared database)."""
        i_id, i_school = at["id"], at["school_id"]
        i_first, i_last, i_no = at["first_name"], at["last_name"], at["student_no"]
        i_phone, i_email = at["phone"], at["email"]
        if not self.full:
            self.dst.execute(delete(_terms).where(_terms.c.student_id.in_([r[i_id] for r in rows])))
        terms = [
            (r[i_school], t, r[i_id])
            for r in rows
            for t in student_terms(r[i_first], r[i_last], r[i_no], r[i_phone], r[i_email])
        ]
        if self.full:
            self.terms.extend(terms)
        else:
            self._insert_terms(terms)

    def _insert_terms(self, terms: Sequence[tuple[int, str, int]]) -> None:
        if terms:
            self.dst.exec_driver_sql(
                "INSERT INTO student_search_terms (school_id, term, student_id) VALUES (?, ?, ?)",
                terms,
            )

    def _reapply_waiting(self) -> None:
        """Rows that came from the shared database no longer show the payments this desk took
        offline and has not sent: apply those again (only to the rows just replaced)."""
        box = SqlOutbox(self.dst)
        for entry in box.waiting():
            if entry.school_id != self.school_id:
                continue
            receipt = self.dst.scalar(
                select(_payments.c.receipt_no).where(_payments.c.id == entry.payment_id)
            )
            if receipt is not None:
                continue  # the shared database has it already; the next push marks it sent
            for invoice_id, _no, amount in entry.allocations:
                if self.full or invoice_id in self.touched_invoices:
                    self.dst.execute(
                        update(_invoices)
                        .where(_invoices.c.id == invoice_id)
                        .values(paid_minor=_invoices.c.paid_minor + amount)
                    )
            if self.full or entry.student_id in self.touched_balances:
                self.dst.execute(
                    update(_balances)
                    .where(_balances.c.student_id == entry.student_id)
                    .values(balance_minor=_balances.c.balance_minor - entry.request.amount_minor)
                )


# --- the shared side -------------------------------------------------------------------------


class SqlSharedNotes:
    """:class:`jdoffice.services.offline.SharedNotes` on the shared database."""

    def note_offline_payment(
        self,
        uow: UnitOfWork,
        *,
        payment_id: str,
        offline_receipt_no: str,
        student_id: int,
        invoice_ids: Sequence[int],
        now: dt.datetime,
    ) -> None:
        if not isinstance(uow, SqlAlchemyUnitOfWork):  # pragma: no cover - wiring error
            raise TypeError("shared notes work inside a SqlAlchemyUnitOfWork")
        s = uow.session
        s.execute(
            update(_payments)
            .where(_payments.c.id == payment_id)
            .values(offline_receipt_no=offline_receipt_no, updated_at=db_utcnow())
        )
        if invoice_ids:
            s.execute(
                update(_invoices)
                .where(_invoices.c.id.in_(sorted(set(invoice_ids))))
                .values(updated_at=db_utcnow())
            )
        s.execute(
            # Stamped by the database's clock, as every jdoffice write is: other desks find
            # the pushed payment by it, whatever this desk's clock says.
            update(_balances)
            .where(_balances.c.student_id == student_id)
            .values(updated_at=db_utcnow())
        )


def guarded(open_uow: Callable[[], UnitOfWork]) -> Callable[[], UnitOfWork]:
    """Opening the shared unit of work checks the schema, which connects: a database that
    cannot be reached says :class:`Unavailable` there too."""

    def opened() -> UnitOfWork:
        try:
            return open_uow()
        except DBAPIError as exc:
            raise translate_db_error(exc) from exc

    return opened


def pinger(engine: Callable[[], Engine]) -> Callable[[], bool]:
    def ping() -> bool:
        try:
            with engine().connect() as conn:
                conn.execute(text("SELECT 1"))
        except (DBAPIError, Unavailable):
            return False
        return True

    return ping


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
