"""The floor under a first pull: the same SELECTs through the bare driver, into a bare file.

While ``OfflineDesk.pull`` runs, :class:`bench.search_floor.Recorder` notes every SELECT it
sent to the shared database's driver, with its bound parameters. The floor then runs those
statements again through the driver's own connection (no SQLAlchemy, no server-side cursor,
no snapshot, no reader thread), fetching 5000 rows at a time, and writes every row with ``executemany`` into a
new SQLite file through the bare ``sqlite3`` module: one table per statement with as many
untyped columns and no key, index or constraint, default settings, one transaction. The
search terms the pull made are written too (taken from the pull's own file before the clock
starts: making them is jdoffice's work, storing them is the floor's). What is left is moving
the rows: the server's work, the driver's parsing and SQLite's plain inserts.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import URL

FETCH = 5000


def search_terms(local_file: Path) -> list[tuple[Any, ...]]:
    """The search terms a pull wrote into its copy."""
    conn = sqlite3.connect(local_file)
    try:
        return conn.execute(
            "SELECT school_id, term, student_id FROM student_search_terms"
        ).fetchall()
    finally:
        conn.close()


def bare_connection(url: URL) -> Any:
    """A DBAPI connection of the URL's driver, made by the driver itself (not pooled)."""
    engine = create_engine(url)
    args, kwargs = engine.dialect.create_connect_args(engine.url)
    dbapi = engine.dialect.loaded_dbapi
    engine.dispose()
    return dbapi.connect(*args, **kwargs)


def measure(
    url: URL,
    statements: Sequence[tuple[str, Any]],
    terms: Sequence[tuple[Any, ...]],
    folder: Path,
) -> dict[str, float]:
    """Seconds for the floor, and the rows it moved."""
    target = folder / "floor.sqlite3"
    target.unlink(missing_ok=True)
    started = time.perf_counter()
    cpu = time.process_time()
    src = bare_connection(url)
    dst = sqlite3.connect(target)
    rows = 0
    try:
        cur = src.cursor()
        for i, (sql, params) in enumerate(statements):
            cur.execute(sql, params)
            width = len(cur.description or ())
            if not width:
                continue
            cols = ", ".join(f"c{k}" for k in range(width))
            dst.execute(f"CREATE TABLE t{i} ({cols})")
            insert = f"INSERT INTO t{i} VALUES ({', '.join('?' * width)})"
            while chunk := cur.fetchmany(FETCH):
                dst.executemany(insert, chunk)
                rows += len(chunk)
        cur.close()
        dst.execute("CREATE TABLE terms (school_id, term, student_id)")
        dst.executemany("INSERT INTO terms VALUES (?, ?, ?)", terms)
        rows += len(terms)
        dst.commit()
        src.rollback()
    finally:
        dst.close()
        src.close()
    seconds = time.perf_counter() - started
    cpu_s = time.process_time() - cpu
    target.unlink(missing_ok=True)
    return {"seconds": seconds, "cpu_s": cpu_s, "rows": float(rows)}
