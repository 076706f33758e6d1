"""The offline desk's replica: the first pull of a large school, and pulls with nothing changed.

Run ``uv run python -m bench.bench_replica [--students 100000] [--server URL | --db URL]``.

A PostgreSQL database is created on the server (``--server``, else
``JDOFFICE_BENCH_POSTGRESQL_URL`` or ``JDOFFICE_TEST_POSTGRESQL_URL``), migrated and seeded
with the demo school (``seed_demo``: 100 000 students give about 300 000 invoices), and dropped
at the end; ``--db URL`` uses an empty database you made instead and leaves it. Then, through
the same ``OfflineDesk.pull`` that ``jdoffice sync pull`` runs, into a fresh local SQLite file:

1. the first pull (everything: students with their search terms, invoices, balances, payments
   of the last 400 days and their refunds) — target ≤ 10 s — and beside it its floor, measured
   right after in the same run (``bench/replica_floor.py``: the same SELECTs through the bare
   driver, every row and search term into a bare SQLite file with ``executemany``), with the
   ratio, the CPU time of this process and the load average;
2. an incremental pull right after it: rows stamped within the overlap window (the seeding)
   are read again, as a desk would just after a bulk import (the script runs
   ``VACUUM (ANALYZE)`` and ``CHECKPOINT`` after seeding, as autovacuum and the server's own
   checkpoints would soon after it);
3. once the newest row is older than the overlap window (the script waits for that, as a desk
   in steady state is), incremental pulls with nothing changed — target < 200 ms;
4. an incremental pull after 100 payments taken at another desk.

It prints the figures next to their targets and exits 0 whatever it measured.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from bench import replica_floor
from bench.search_floor import Recorder
from jdoffice.adapters import local_store
from jdoffice.adapters.db import make_engine, normalize_url, upgrade
from jdoffice.adapters.orm import InvoiceRow
from jdoffice.adapters.records import seed_demo
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.model import Actor
from jdoffice.services import queries
from jdoffice.services.offline import OfflineDesk, PullResult
from jdoffice.services.payments import register_payment

ENV_SERVERS = ("JDOFFICE_BENCH_POSTGRESQL_URL", "JDOFFICE_TEST_POSTGRESQL_URL")
FIRST_PULL_TARGET_S = 10.0
NOTHING_CHANGED_TARGET_MS = 200.0
ACTOR = Actor(staff="bench", desk="bench-desk")


@contextmanager
def postgres_database(server: URL) -> Iterator[URL]:
    """A new database on ``server`` for this run, dropped afterwards."""
    name = f"jdoffice_bench_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0"))
        yield server.set(database=name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def newest_change(engine: Engine, school_id: int) -> dt.datetime:
    """The newest ``updated_at`` of the rows a pull copies."""
    found: list[dt.datetime] = []
    with engine.connect() as conn:
        for table, col in (
            ("schools", "id"),
            ("students", "school_id"),
            ("student_invoices", "school_id"),
            ("student_balances", "school_id"),
            ("student_payments", "school_id"),
            ("student_refunds", "school_id"),
        ):
            value = conn.scalar(
                text(f"SELECT MAX(updated_at) FROM {table} WHERE {col} = :s"),
                {"s": school_id},
            )
            if value is not None:
                found.append(value.replace(tzinfo=dt.UTC))
    return max(found)


def shared_now(engine: Engine) -> dt.datetime:
    with engine.connect() as conn:
        return local_store.shared_clock(conn)


def describe(label: str, r: PullResult) -> None:
    print(
        f"{label:<44} {r.seconds * 1000:>10.1f} ms  ({r.students} students, {r.invoices} "
        f"invoices, {r.balances} balances, {r.payments} payments, {r.refunds} refunds)"
    )


def pay_somewhere(engine: Engine, desk: OfflineDesk, n: int) -> None:
    """``n`` bank payments of 1,00 kr. on open invoices, taken at another desk."""
    uow = SqlAlchemyUnitOfWork(engine)
    school = queries.resolve_school(uow, None)
    with engine.connect() as conn:
        numbers = list(
            conn.scalars(
                select(InvoiceRow.invoice_no)
                .where(
                    InvoiceRow.school_id == school.id,
                    InvoiceRow.cancelled_at.is_(None),
                    InvoiceRow.paid_minor < InvoiceRow.amount_minor,
                )
                .order_by(InvoiceRow.id)
                .limit(n)
            )
        )
    for no in numbers:
        register_payment(
            uow, school, method="bank", amount_minor=100, invoice_no=no, actor=Actor("x", "other")
        )


def run(shared_url: URL, students: int, seed: int, wait: bool) -> dict[str, Any]:
    engine = make_engine(shared_url)
    figures: dict[str, Any] = {}
    try:
        upgrade(engine)
        t = time.perf_counter()
        school, counts = seed_demo(engine, students=students, seed=seed)
        figures["seed_s"] = time.perf_counter() - t
        print(
            f"seeded {counts.students} students, {counts.invoices} invoices, {counts.payments} "
            f"payments on PostgreSQL in {figures['seed_s']:.1f} s"
        )
        # The server as a desk finds it, not seconds after a bulk load (test servers often
        # run without autovacuum): fresh statistics (without them PostgreSQL guesses plans
        # for the pulls' queries), the rows' visibility settled (the first reads after a bulk
        # load write a hint to every page they read, and the floor, reading them after the
        # pull, would not), and the load's writes checkpointed rather than flushed while the
        # pull runs.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE)"))
            try:
                conn.execute(text("CHECKPOINT"))
            except DBAPIError as exc:  # a superuser's or pg_checkpoint's right
                print(f"(no CHECKPOINT: {exc.orig})")
        with tempfile.TemporaryDirectory(prefix="jdoffice-replica-") as tmp:
            desk = local_store.open_offline_desk(
                shared_url=shared_url,
                shared_engine=lambda: engine,
                shared_uow=lambda: SqlAlchemyUnitOfWork(engine),
                local_path=Path(tmp) / "local.sqlite3",
                school_slug=school.slug,
                actor=ACTOR,
            )
            recorder = Recorder(engine)
            load_before = os.getloadavg()
            cpu = time.process_time()
            try:
                with recorder.recording() as statements:
                    first = desk.pull()
            finally:
                recorder.close()
            figures["first_pull_cpu_s"] = time.process_time() - cpu
            describe("first pull (into a fresh SQLite file)", first)
            figures["first_pull_s"] = first.seconds
            # The floor, right after, on the same server and disk: the same SELECTs through
            # the bare driver and plain inserts into a bare SQLite file.
            terms = replica_floor.search_terms(Path(tmp) / "local.sqlite3")
            floor = replica_floor.measure(shared_url, list(statements), terms, Path(tmp))
            del terms
            figures["floor_s"] = floor["seconds"]
            figures["floor_cpu_s"] = floor["cpu_s"]
            figures["floor_ratio"] = first.seconds / floor["seconds"]
            figures["load_average"] = {
                "before": load_before[0],
                "after": os.getloadavg()[0],
            }
            print(
                f"{'  floor: same SELECTs, bare driver + sqlite3':<44} "
                f"{floor['seconds'] * 1000:>10.1f} ms  ({int(floor['rows'])} rows with the "
                f"search terms; first pull ÷ floor {figures['floor_ratio']:.2f}×)"
            )
            print(
                f"{'  CPU time of this process':<44} pull {figures['first_pull_cpu_s']:.1f} s, "
                f"floor {floor['cpu_s']:.1f} s; load average {load_before[0]:.2f} before, "
                f"{figures['load_average']['after']:.2f} after"
            )
            figures["first_pull_rows"] = {
                "students": first.students,
                "invoices": first.invoices,
                "balances": first.balances,
                "payments": first.payments,
                "refunds": first.refunds,
            }
            figures["local_file_mb"] = (Path(tmp) / "local.sqlite3").stat().st_size / 1e6
            right_after = desk.pull()
            describe("incremental, right after (overlap re-read)", right_after)
            figures["incremental_right_after_ms"] = right_after.seconds * 1000
            if wait:
                ready = newest_change(engine, school.id) + local_store.PULL_OVERLAP
                ready += dt.timedelta(seconds=2)
                pause = (ready - shared_now(engine)).total_seconds()
                if pause > 0:
                    print(f"waiting {pause:.0f} s until the seeded rows are past the overlap …")
                    time.sleep(pause)
                desk.pull()  # moves the cursor past the seeding
                samples = []
                for _ in range(20):
                    r = desk.pull()
                    assert r.students == r.invoices == r.balances == r.payments == 0, r
                    samples.append(r.seconds * 1000)
                figures["nothing_changed_ms"] = {
                    "p50": statistics.median(samples),
                    "max": max(samples),
                    "n": len(samples),
                }
                print(
                    f"{'incremental, nothing changed (20 pulls)':<44} "
                    f"p50 {statistics.median(samples):.1f} ms, max {max(samples):.1f} ms"
                )
            pay_somewhere(engine, desk, 100)
            after_payments = desk.pull()
            describe("incremental after 100 payments elsewhere", after_payments)
            figures["after_100_payments_ms"] = after_payments.seconds * 1000
            if isinstance(desk.local, local_store.SqliteLocalStore):
                desk.local.dispose()
    finally:
        engine.dispose()
    return figures


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.bench_replica", description=__doc__)
    p.add_argument("--students", type=int, default=100_000, help="students to seed")
    p.add_argument("--seed", type=int, default=1, help="demo data seed (default 1)")
    p.add_argument("--server", metavar="URL", help="PostgreSQL server to make a database on")
    p.add_argument("--db", metavar="URL", help="an empty database to use (left as it is)")
    p.add_argument(
        "--no-wait",
        action="store_true",
        help="skip waiting out the overlap window (no nothing-changed figure)",
    )
    p.add_argument("--json", metavar="FILE", type=Path, help="also write the figures here")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.db:
        figures = run(normalize_url(args.db), args.students, args.seed, not args.no_wait)
    else:
        raw = args.server or next((os.environ[e] for e in ENV_SERVERS if os.environ.get(e)), "")
        if not raw:
            print("give --server URL or --db URL (a PostgreSQL server)", file=sys.stderr)
            return 2
        with postgres_database(normalize_url(raw)) as url:
            figures = run(url, args.students, args.seed, not args.no_wait)
    first = figures["first_pull_s"]
    print()
    print(f"{'figure':<34} {'measured':>12} {'target':>10}")
    print(
        f"{'first pull':<34} {first:>10.1f} s {'≤ 10 s':>10}  "
        f"{'PASS' if first <= FIRST_PULL_TARGET_S else 'MISS'}"
    )
    print(f"{'  floor (same run)':<34} {figures['floor_s']:>10.1f} s")
    print(f"{'  first pull ÷ floor':<34} {figures['floor_ratio']:>10.2f} ×")
    if "nothing_changed_ms" in figures:
        p50 = figures["nothing_changed_ms"]["p50"]
        print(
            f"{'incremental pull, nothing changed':<34} {p50:>9.1f} ms {'< 200 ms':>10}  "
            f"{'PASS' if p50 < NOTHING_CHANGED_TARGET_MS else 'MISS'}"
        )
    info = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
    }
    print(f"machine: {info}")
    if args.json:
        args.json.write_text(json.dumps({"figures": figures, "machine": info}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
