"""Pulling: the school's rows copied from the shared database into the desk's local file.

The first pull copies the school (students, invoices, balances, payments and refunds of the
last :data:`PAYMENT_HISTORY`) from one snapshot of the shared database, in chunks, each in a
short local transaction of its own (:mod:`jdoffice.adapters.local_fill`): the copy is
published in the last one, and the local write lock is never held for more than a chunk.
The search terms are computed here from the students, so students the web system wrote
without terms are found too. Later pulls fetch the rows whose ``updated_at`` is at or after the previous pull's start,
read on the shared database's clock, minus :data:`PULL_OVERLAP` (rows are stamped by the
clocks of the desks that wrote them and become visible when their transaction commits), and
upsert them. Rows deleted on the shared database stay until ``sync pull --full``.

Every pull also copies the school's staff accounts (PIN hashes, roles, disabled, the lockout
state as the shared database has it), so the desk signs people in offline, and its shifts
with their pay-ins and pay-outs, so it opens and closes shifts offline under the right Z
numbers. They are few, so they are copied whole each time; shifts this desk changed offline
and has not pushed yet are kept as they are here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from operator import itemgetter
from typing import Any

import sqlalchemy
from sqlalchemy import Column, Connection, Table, column, delete, func, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from jdoffice.adapters.local_db import dropped_indexes_table, outbox_table
from jdoffice.adapters.local_fill import Batches, ahead, check_foreign_keys
from jdoffice.adapters.local_outbox import SqlOutbox
from jdoffice.adapters.local_shift_outbox import SqlShiftOutbox
from jdoffice.adapters.orm import UTCDateTime
from jdoffice.adapters.tables import (
    ALLOCATIONS,
    BALANCES,
    INVOICES,
    PAYMENTS,
    REFUNDS,
    SCHOOLS,
    SEARCH_TERMS,
    SHIFT_MOVEMENTS,
    SHIFTS,
    STAFF,
    STUDENTS,
)
from jdoffice.domain.model import UTC
from jdoffice.domain.search import student_terms
from jdoffice.services.offline import OutboxStatus

#: The tables a full pull fills, whose secondary indexes it makes at the end.
FILLED = (STUDENTS, SEARCH_TERMS, INVOICES, BALANCES, PAYMENTS)

#: How far back an incremental pull looks before the previous pull's start: covers commits
#: that land after the rows were stamped, and desks whose clocks run behind the database's.
PULL_OVERLAP = dt.timedelta(minutes=2)
#: Payments (and their refunds) copied on the first pull: enough for the student view.
PAYMENT_HISTORY = dt.timedelta(days=400)
#: Rows per SELECT and per executemany (and, filling a copy, per local transaction).
CHUNK = 5000
#: Search terms per local transaction when a filling pull inserts them at the end.
TERMS_CHUNK = 50_000
#: SQLite page cache while pulling (KiB).
PULL_CACHE_KIB = 256 * 1024


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


def _insert_sql(conn: Connection, table: Table) -> str:
    """A plain ``INSERT`` of every column, for ``executemany`` with one positional parameter
    per column in table order (into a table the pull has just cleared)."""
    compiled = sqlite_insert(table).compile(
        dialect=conn.dialect, column_keys=[c.name for c in table.c]
    )
    assert compiled.positiontup == [c.name for c in table.c], compiled.positiontup
    return str(compiled)


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


class SchoolCopy:
    """One pull: read the school's rows from ``src`` and write them into the replica.

    A pull into a copy the desk works from (the incremental pulls, and ``--full`` of the same
    school) runs in the caller's open transaction on ``dst``: the desk sees it whole or not
    at all. A pull that fills a copy (the first, or one of another school) gets ``batches``
    instead and writes every chunk of rows in a short transaction of its own
    (:mod:`jdoffice.adapters.local_fill`), so a payment taken meanwhile waits for one chunk
    at most, and publishes the copy in its last transaction.

    Rows travel as the drivers give them: the SELECT names untyped columns so SQLAlchemy adds
    no per-value processing, a full pull reads them straight from the driver's cursor, and
    the inserts go to SQLite as plain ``executemany``. With about a million rows in a first
    pull, that is most of its time saved.
    """

    def __init__(
        self,
        src: Connection,
        dst: Connection | None,
        school_id: int,
        since: dt.datetime | None,
        pulled_at: dt.datetime,
        *,
        batches: Batches | None = None,
    ) -> None:
        self.src = src
        self.school_id = school_id
        self.since = since
        self.pulled_at = pulled_at
        self.batches = batches
        if batches is not None:
            self.tx: Callable[[], AbstractContextManager[Connection]] = batches
        elif dst is not None:
            self.tx = lambda: nullcontext(dst)
        else:  # pragma: no cover - wiring error
            raise TypeError("a pull writes into dst or in batches")
        self.counts: dict[str, int] = {}
        #: Rows an incremental pull replaced, to apply the waiting payments to again.
        self.touched_invoices: set[int] = set()
        self.touched_balances: set[int] = set()
        #: A full pull inserts all search terms at the end, in index order: rows of
        #: ``student_search_terms``, ``(school_id, term, student_id)``.
        self.terms: list[tuple[int, str, int]] = []
        #: Tables a filling pull writes with a plain INSERT (it cleared them first).
        self.plain: set[str] = set()

    @property
    def full(self) -> bool:
        return self.since is None

    def run(self, publish: Callable[[Connection], None]) -> dict[str, int]:
        """Copy the school; ``publish`` writes the replica state in the last transaction."""
        if self.batches is not None:
            return self._fill(self.batches, publish)
        with self.tx() as dst:
            # Index pages of a million random-order inserts do not fit SQLite's default cache.
            dst.exec_driver_sql(f"PRAGMA cache_size=-{PULL_CACHE_KIB}")
            try:
                if self.full:
                    # Foreign keys are checked at commit: the school's rows are replaced while
                    # local payments still point at them, and come back under the same ids.
                    dst.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
                    self._clear(dst)
                    # Building an index once from all rows is several times faster than
                    # keeping it up to date row by row; the same statements make them again
                    # (DDL is transactional in SQLite: a failed pull leaves them as they were).
                    indexes = self._drop_indexes(dst, *FILLED)
                self._copy_all()
                if self.full:
                    self.terms.sort(key=itemgetter(1))
                    self._insert_terms(dst, self.terms)
                    for sql in indexes:
                        dst.exec_driver_sql(sql)
                self._copy_shifts(dst)
                self._reapply_waiting(dst)
                publish(dst)
            finally:
                dst.exec_driver_sql("PRAGMA cache_size=-2000")
        return self.counts

    def _fill(self, batches: Batches, publish: Callable[[Connection], None]) -> dict[str, int]:
        batches.claim(self.pulled_at)
        with batches() as dst:
            # Rows of an earlier pull that did not finish, or of an older copy of the school.
            dst.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
            waiting = self._clear(dst)
            for name, sql in self._secondary_indexes(dst, *FILLED):
                dst.execute(
                    sqlite_insert(dropped_indexes_table)
                    .values(name=name, sql=sql)
                    .on_conflict_do_nothing()
                )
                dst.exec_driver_sql(f'DROP INDEX "{name}"')
        self.plain = {t.name for t in (STUDENTS, INVOICES, BALANCES, REFUNDS)}
        if not waiting:
            self.plain.add(PAYMENTS.name)
        batches.foreign_keys(on=False)
        self._copy_all()
        # In index order: by term (equal terms stay in student order, as they came).
        terms, self.terms = self.terms, []
        terms.sort(key=itemgetter(1))
        for start in range(0, len(terms), TERMS_CHUNK):
            with batches() as dst:
                self._insert_terms(dst, terms[start : start + TERMS_CHUNK])
        del terms
        batches.foreign_keys(on=True)
        with batches() as dst:
            # The rows the shared database gave. Not the search terms: they were made here
            # from the students just copied, for this school, so they point at those.
            copied = (t for t in (*FILLED, REFUNDS) if t is not SEARCH_TERMS)
            check_foreign_keys(dst, [t.name for t in copied])
        with batches() as dst:
            names = list(dst.scalars(select(dropped_indexes_table.c.name)))
        for name in names:  # one index per transaction
            with batches() as dst:
                self._restore_index(dst, name)
        with batches.publish() as dst:
            self._copy_shifts(dst)
            self._reapply_waiting(dst)
            publish(dst)
        return self.counts

    def _copy_all(self) -> None:
        self._copy(SCHOOLS, SCHOOLS.c.id == self.school_id)
        with self.tx() as dst:
            self._copy_staff(dst)
        self._copy(STUDENTS, STUDENTS.c.school_id == self.school_id, terms=True)
        self._copy(INVOICES, INVOICES.c.school_id == self.school_id, self.touched_invoices)
        self._copy(
            BALANCES,
            BALANCES.c.school_id == self.school_id,
            self.touched_balances,
            "student_id",
        )
        window = PAYMENTS.c.school_id == self.school_id
        if self.full:
            window = window & (PAYMENTS.c.created_at >= self.pulled_at - PAYMENT_HISTORY)
        self._copy(PAYMENTS, window)
        refunds = REFUNDS.c.school_id == self.school_id
        if self.full:
            refunds = refunds & REFUNDS.c.payment_id.in_(select(PAYMENTS.c.id).where(window))
        self._copy(REFUNDS, refunds, known_payments=True)

    def _copy_staff(self, dst: Connection) -> None:
        """The school's staff accounts, upserted (payments and shifts name them): typed rows,
        a few dozen, where clarity beats speed."""
        s = self.school_id
        staff = [
            dict(r._mapping) for r in self.src.execute(select(STAFF).where(STAFF.c.school_id == s))
        ]
        if staff:
            stmt = sqlite_insert(STAFF)
            stmt = stmt.on_conflict_do_update(
                index_elements=["id"],
                set_={c.name: stmt.excluded[c.name] for c in STAFF.c if c.name != "id"},
            )
            dst.execute(stmt, staff)
        self.counts["staff"] = len(staff)

    def _copy_shifts(self, dst: Connection) -> None:
        """The school's shifts and movements, replaced, except those of shifts changed here
        offline and not pushed yet."""
        s = self.school_id
        keep = SqlShiftOutbox(dst).pending_shift_ids()
        dst.execute(
            delete(SHIFT_MOVEMENTS).where(
                SHIFT_MOVEMENTS.c.school_id == s, SHIFT_MOVEMENTS.c.shift_id.not_in(keep)
            )
        )
        dst.execute(delete(SHIFTS).where(SHIFTS.c.school_id == s, SHIFTS.c.id.not_in(keep)))
        shifts = [
            dict(r._mapping)
            for r in self.src.execute(select(SHIFTS).where(SHIFTS.c.school_id == s))
            if r.id not in keep
        ]
        if shifts:
            # OR IGNORE: a shift of a desk of the same name may hold a Z number or the open
            # desk a shift kept here still has; the push sorts that out, the next pull brings it.
            dst.execute(sqlite_insert(SHIFTS).prefix_with("OR IGNORE"), shifts)
        have = set(dst.scalars(select(SHIFTS.c.id).where(SHIFTS.c.school_id == s)))
        moves = [
            dict(r._mapping)
            for r in self.src.execute(
                select(SHIFT_MOVEMENTS).where(SHIFT_MOVEMENTS.c.school_id == s)
            )
            if r.shift_id in have and r.shift_id not in keep
        ]
        if moves:
            dst.execute(sqlite_insert(SHIFT_MOVEMENTS).prefix_with("OR IGNORE"), moves)
        self.counts["shifts"] = len(shifts)

    @staticmethod
    def _secondary_indexes(dst: Connection, *tables: Table) -> list[tuple[str, str]]:
        """``(name, CREATE statement)`` of the secondary indexes of ``tables``."""
        master = sqlalchemy.table(
            "sqlite_master", column("type"), column("name"), column("tbl_name"), column("sql")
        )
        found = dst.execute(
            select(master.c.name, master.c.sql).where(
                master.c.type == "index",
                master.c.sql.is_not(None),
                master.c.tbl_name.in_([t.name for t in tables]),
            )
        ).all()
        return [(name, sql) for name, sql in found]

    def _drop_indexes(self, dst: Connection, *tables: Table) -> list[str]:
        """Drop the secondary indexes of ``tables``; returns the statements that make them."""
        found = self._secondary_indexes(dst, *tables)
        for name, _sql in found:
            dst.exec_driver_sql(f'DROP INDEX "{name}"')
        return [sql for _name, sql in found]

    @staticmethod
    def _restore_index(dst: Connection, name: str) -> None:
        """Make an index a filling pull dropped (unless something made it meanwhile)."""
        sql = dst.scalar(
            select(dropped_indexes_table.c.sql).where(dropped_indexes_table.c.name == name)
        )
        exists = dst.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", (name,)
        ).first()
        if sql is not None and exists is None:
            dst.exec_driver_sql(sql)
        dst.execute(delete(dropped_indexes_table).where(dropped_indexes_table.c.name == name))

    def _clear(self, dst: Connection) -> int:
        """Remove the replica's copy of the school, keeping the payments still waiting to be
        sent (they exist only here); how many are kept."""
        keep = select(outbox_table.c.payment_id).where(
            outbox_table.c.status == OutboxStatus.WAITING
        )
        s = self.school_id
        dst.execute(delete(REFUNDS).where(REFUNDS.c.school_id == s))
        dst.execute(delete(ALLOCATIONS).where(ALLOCATIONS.c.payment_id.not_in(keep)))
        dst.execute(delete(PAYMENTS).where(PAYMENTS.c.school_id == s, PAYMENTS.c.id.not_in(keep)))
        dst.execute(delete(BALANCES).where(BALANCES.c.school_id == s))
        dst.execute(delete(SEARCH_TERMS).where(SEARCH_TERMS.c.school_id == s))
        dst.execute(delete(INVOICES).where(INVOICES.c.school_id == s))
        dst.execute(delete(STUDENTS).where(STUDENTS.c.school_id == s))
        kept = dst.scalar(
            select(func.count()).select_from(PAYMENTS).where(PAYMENTS.c.school_id == s)
        )
        return int(kept or 0)

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

    def _text_key_order(self, table: Table) -> list[Any]:
        """The ORDER BY of a full pull: a table keyed by text (payments and refunds, by
        UUID) comes in SQLite's byte order of its key, so its unique indexes on the key are
        filled from left to right. In the shared database's order, each chunk of rows would
        land all over those indexes, and each short transaction would write most of their
        pages again. Tables keyed by number come as stored, which is already key order."""
        key = list(table.primary_key.columns)
        if not key or not all(isinstance(c.type, sqlalchemy.String) for c in key):
            return []
        name = self.src.dialect.name
        if name == "postgresql":
            return [c.collate("C") for c in key]
        if name in ("mysql", "mariadb"):
            return [sqlalchemy.cast(c, sqlalchemy.LargeBinary) for c in key]
        return list(key)  # SQLite: BINARY, as the copy compares

    def _select(self, table: Table, where: Any) -> Iterator[Sequence[Sequence[Any]]]:
        stmt: Any = select(*self._columns(table)).select_from(table).where(where)
        if not self.full:
            # Few rows: a plain cursor. A server-side cursor makes PostgreSQL plan for the
            # first rows fast and walk a whole school index instead of the updated_at one.
            stmt = stmt.where(table.c.updated_at >= self.since)
            found = [tuple(r) for r in self.src.execute(stmt)]
            for start in range(0, len(found), CHUNK):
                yield found[start : start + CHUNK]
            return
        stmt = stmt.order_by(*self._text_key_order(table))
        if self.src.dialect.name == "sqlite":
            yield from self._stream(stmt)
        else:
            yield from ahead(self._stream(stmt))

    def _stream(self, stmt: Any) -> Iterator[Sequence[Sequence[Any]]]:
        result = self.src.execution_options(stream_results=True, yield_per=CHUNK).execute(stmt)
        with result:
            # SQLAlchemy holds at most the first row of a streamed result; once that is taken,
            # the rest is read from the driver's cursor as the driver's own tuples.
            first = [tuple(r) for r in result.fetchmany(1)]
            if getattr(result.cursor_strategy, "_rowbuffer", None):
                # Not as expected (another SQLAlchemy): its rows, a little slower.
                rest = [tuple(r) for r in result.fetchmany(CHUNK - 1)]
                while first or rest:
                    yield first + rest
                    first, rest = [], [tuple(r) for r in result.fetchmany(CHUNK)]
                return
            if not first:
                return
            cursor = result.cursor
            rows: Sequence[Sequence[Any]] = first + list(cursor.fetchmany(CHUNK - 1))
            while rows:
                yield rows
                rows = cursor.fetchmany(CHUNK)

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
        sql: str | None = None
        n = 0
        for raw in self._select(table, where):
            with self.tx() as dst:
                if sql is None:
                    plain = table.name in self.plain
                    sql = _insert_sql(dst, table) if plain else _upsert_sql(dst, table, key)
                rows = raw
                if known_payments and not self.full:
                    # A refund of a payment older than the copied history has nothing to
                    # attach to.
                    pid = at["payment_id"]
                    ids = {r[pid] for r in rows}
                    have = set(dst.scalars(select(PAYMENTS.c.id).where(PAYMENTS.c.id.in_(ids))))
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
                dst.exec_driver_sql(sql, rows)
                if touched is not None and not self.full:
                    # Which rows to apply the waiting payments to again: a full pull
                    # replaced them all, so it needs no list.
                    k = at[key]
                    touched.update(r[k] for r in rows)
                if terms:
                    self._index(dst, rows, at)
                n += len(rows)
        self.counts[table.name] = n

    def _index(self, dst: Connection, rows: Sequence[Sequence[Any]], at: dict[str, int]) -> None:
        """Search terms of the students just copied, made here (students the web system wrote
        may have none on the shared database)."""
        i_id = at["id"]
        i_first, i_last, i_no = at["first_name"], at["last_name"], at["student_no"]
        i_phone, i_email = at["phone"], at["email"]
        if not self.full:
            dst.execute(
                delete(SEARCH_TERMS).where(SEARCH_TERMS.c.student_id.in_([r[i_id] for r in rows]))
            )
        s = self.school_id
        terms = [
            (s, t, r[i_id])
            for r in rows
            for t in student_terms(r[i_first], r[i_last], r[i_no], r[i_phone], r[i_email])
        ]
        if self.full:
            self.terms.extend(terms)
        else:
            self._insert_terms(dst, terms)

    @staticmethod
    def _insert_terms(dst: Connection, terms: Sequence[tuple[int, str, int]]) -> None:
        """Rows ``(school_id, term, student_id)``, made for this school."""
        if terms:
            dst.exec_driver_sql(
                "INSERT INTO student_search_terms (school_id, term, student_id) VALUES (?, ?, ?)",
                terms,
            )

    def _reapply_waiting(self, dst: Connection) -> None:
        """Rows that came from the shared database no longer show the payments this desk took
        offline and has not sent: apply those again (only to the rows just replaced)."""
        box = SqlOutbox(dst)
        for entry in box.waiting():
            if entry.school_id != self.school_id:
                continue
            receipt = dst.scalar(
                select(PAYMENTS.c.receipt_no).where(PAYMENTS.c.id == entry.payment_id)
            )
            if receipt is not None:
                continue  # the shared database has it already; the next push marks it sent
            for invoice_id, _no, amount in entry.allocations:
                if self.full or invoice_id in self.touched_invoices:
                    dst.execute(
                        update(INVOICES)
                        .where(INVOICES.c.id == invoice_id)
                        .values(paid_minor=INVOICES.c.paid_minor + amount)
                    )
            if self.full or entry.student_id in self.touched_balances:
                dst.execute(
                    update(BALANCES)
                    .where(BALANCES.c.student_id == entry.student_id)
                    .values(balance_minor=BALANCES.c.balance_minor - entry.request.amount_minor)
                )
