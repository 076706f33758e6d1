"""The floor of ``bench.bench_shared``: the same contention through the bare driver.

Desk processes (as many as the bench runs) each take a DBAPI connection of the server's own
driver and, for the same number of seconds, run the least transaction that does what a payment
must do to stay exactly-once and gap-free: lock the student's row, write it, take the school's
receipt counter under its row lock, move it on and insert a row carrying the number, commit.
70 % of them go to the first ``hot`` students, as in the bench. No ORM, no SQLAlchemy, no
jdoffice: what is left is the server's locking and commit, which is what jdoffice's figure is
compared with. The tables are scratch tables in the bench's own database, dropped afterwards.
"""

from __future__ import annotations

import multiprocessing
import random
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import URL

SETUP = (
    "CREATE TABLE floor_counter (school_id INTEGER PRIMARY KEY, last_no INTEGER NOT NULL)",
    "CREATE TABLE floor_student (id INTEGER PRIMARY KEY, balance BIGINT NOT NULL)",
    "CREATE TABLE floor_payment (school_id INTEGER NOT NULL, receipt_no INTEGER NOT NULL, "
    "student_id INTEGER NOT NULL, amount BIGINT NOT NULL, PRIMARY KEY (school_id, receipt_no))",
)
TEARDOWN = ("DROP TABLE floor_payment", "DROP TABLE floor_student", "DROP TABLE floor_counter")


def _connect(url: str) -> Any:
    """A bare DBAPI connection of the URL's driver (psycopg, mysqlclient or PyMySQL)."""
    engine = create_engine(url)
    dbapi = engine.dialect.loaded_dbapi
    args, kwargs = engine.dialect.create_connect_args(engine.url)
    engine.dispose()
    return dbapi.connect(*args, **kwargs)


def _desk(url: str, students: int, hot: int, seconds: float, start_at: float, seed: int) -> Any:
    conn = _connect(url)
    cur = conn.cursor()
    rng = random.Random(seed)
    latencies: list[float] = []
    while time.time() < start_at:
        time.sleep(0.001)
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        student = rng.randrange(1, hot + 1) if rng.random() < 0.7 else rng.randrange(1, students)
        t0 = time.perf_counter()
        cur.execute("SELECT balance FROM floor_student WHERE id = %s FOR UPDATE", (student,))
        cur.fetchone()
        cur.execute("UPDATE floor_student SET balance = balance - 100 WHERE id = %s", (student,))
        cur.execute("SELECT last_no FROM floor_counter WHERE school_id = 1 FOR UPDATE")
        row = cur.fetchone()
        number = int(row[0]) + 1
        cur.execute("UPDATE floor_counter SET last_no = %s WHERE school_id = 1", (number,))
        cur.execute(
            "INSERT INTO floor_payment (school_id, receipt_no, student_id, amount) "
            "VALUES (1, %s, %s, 100)",
            (number, student),
        )
        conn.commit()
        latencies.append(time.perf_counter() - t0)
    conn.close()
    return latencies


def run_floor(url: URL, *, desks: int, students: int, hot: int, seconds: float) -> dict[str, Any]:
    """Payments per second and latency (ms) of the bare transaction, and whether its numbers
    came out 1..N without a gap."""
    raw = url.render_as_string(hide_password=False)
    conn = _connect(raw)
    cur = conn.cursor()
    for stmt in SETUP:
        cur.execute(stmt)
    cur.execute("INSERT INTO floor_counter VALUES (1, 0)")
    cur.executemany(
        "INSERT INTO floor_student VALUES (%s, 0)", [(i,) for i in range(1, students + 1)]
    )
    conn.commit()
    try:
        start_at = time.time() + 1.0
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(desks) as pool:
            results: Sequence[list[float]] = pool.starmap(
                _desk, [(raw, students, hot, seconds, start_at, i) for i in range(desks)]
            )
        cur.execute("SELECT COUNT(*), MIN(receipt_no), MAX(receipt_no) FROM floor_payment")
        count, low, high = cur.fetchone()
        conn.commit()
    finally:
        for stmt in TEARDOWN:
            cur.execute(stmt)
        conn.commit()
        conn.close()
    samples = sorted(s * 1000 for desk in results for s in desk)
    n = len(samples)

    def pick(p: float) -> float:
        return samples[min(n - 1, int(p * n))] if n else 0.0

    return {
        "payments_per_s": n / seconds,
        "latency_ms": {"p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99)},
        "gap_free": bool(count == n and (n == 0 or (low == 1 and high == n))),
    }
