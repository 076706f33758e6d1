"""The desk's own SQLite file: where it lives, how it is opened, and the tables only it has.

The file holds the shared schema (the same Alembic migrations run on it) and, next to it, in
tables of their own that the shared schema never has (:data:`LOCAL_METADATA`): the outbox of
offline payments, the outbox of shift changes made offline (opening, pay-ins, pay-outs,
closing), this file's offline receipt series and the pull state.

Durability: every local connection runs with ``synchronous=FULL``, so a committed outbox row
survives a power cut, not only a killed process.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path
from typing import Any

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
    Text,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import URL

from jdoffice.adapters import db
from jdoffice.adapters.orm import NAMING, UTCDateTime

ENV_LOCAL_DB = "JDOFFICE_LOCAL_DB"
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

shift_outbox_table = Table(
    "offline_shift_outbox",
    LOCAL_METADATA,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    # The stable id the push is keyed by: the shift's id for an opening, the movement's for
    # a pay-in or pay-out, one made at the close for a close.
    Column("change_id", String(36), nullable=False, unique=True),
    Column("kind", String(8), nullable=False),
    Column("school_id", Integer, nullable=False),
    Column("shift_id", String(36), nullable=False, index=True),
    Column("desk", String(64), nullable=False),
    Column("staff_id", BigInteger, nullable=False),
    Column("staff", String(64), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("text", String(500), nullable=False, default=""),
    Column("z_no", Integer),
    Column("unsent_payments", Integer, nullable=False, default=0),
    Column("unsent_minor", BigInteger, nullable=False, default=0),
    Column("at", UTCDateTime(), nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("pushed_at", UTCDateTime()),
    Column("outcome", String(16), nullable=False, default=""),
    Column("pushed_z_no", Integer),
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

#: A pull that fills the copy in short transactions (the first pull, or one of another
#: school) claims the file here: each of its transactions checks the token is still its own,
#: so a pull started later takes over and the earlier one stops without publishing anything.
#: The row is removed when the copy is published.
pull_claim_table = Table(
    "offline_pull_claim",
    LOCAL_METADATA,
    Column("id", Integer, primary_key=True),
    Column("token", String(36), nullable=False),
    Column("school_id", Integer, nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
)

#: Secondary indexes a filling pull dropped (building an index once at the end is several
#: times faster than keeping it up to date row by row), with the statements that make them
#: again. A pull that was killed leaves them here; the next one, or a migration of the file,
#: makes them first.
dropped_indexes_table = Table(
    "offline_dropped_indexes",
    LOCAL_METADATA,
    Column("name", String(200), primary_key=True),
    Column("sql", Text, nullable=False),
)


def restore_indexes(conn: Connection) -> int:
    """Make again the indexes a filling pull dropped (inside the caller's transaction); how
    many were made."""
    found = conn.execute(select(dropped_indexes_table.c.name, dropped_indexes_table.c.sql)).all()
    have = set(conn.scalars(text("SELECT name FROM sqlite_master WHERE type = 'index'")).all())
    for name, sql in found:
        if name not in have:
            conn.exec_driver_sql(sql)
    conn.execute(delete(dropped_indexes_table))
    return len(found)


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
        if inspect(engine).has_table(dropped_indexes_table.name):
            # A migration expects the indexes it knows: make those a killed pull dropped.
            with db.writer(engine).begin() as conn:
                restore_indexes(conn)
        db.upgrade(engine)
    LOCAL_METADATA.create_all(engine)
    # Read, then written: the write lock up front, as two desk processes may start at once.
    with db.writer(engine).begin() as conn:
        if conn.scalar(select(func.count()).select_from(state_table)) == 0:
            tag = "".join(secrets.choice(TAG_ALPHABET) for _ in range(TAG_LENGTH))
            conn.execute(insert(state_table).values(id=1, tag=tag))
