"""Payments per second under contention on a shared PostgreSQL (or MariaDB) database.

Run ``uv run python -m bench.bench_shared [--seconds 20] [--desks 4] [--db URL]``.

The server comes from ``--db``, else ``JDOFFICE_BENCH_POSTGRESQL_URL``, else
``JDOFFICE_TEST_POSTGRESQL_URL``: a URL whose user may create databases. The bench creates its
own database there (``jdoffice_bench_<random>``), migrates it, adds a school with
``--students`` students of four invoices each, and starts ``--desks`` desk processes (each its
own interpreter and engine, as desks on several PCs are). They begin at one instant and
register payments one after another without pause for ``--seconds``: the mix of
``tests/e2e/contention.py`` (partial payments, whole invoices, a student's oldest invoices,
credit allowed, and payments every desk makes under one idempotency key), 70 % of them on the
first ``--hot`` students so the desks keep meeting on the same rows.

Then it reads the database back and runs the checks of issue 5 (nothing lost or doubled, no
invoice paid beyond its amount, credit only where allowed, receipts 1..N without gaps, every
cached balance equal to its recomputation, every refusal a clear one) and prints the figures:
calls and recorded payments per second, p50/p95/p99 latency of a call (locks, writes and
commit), refusals because another desk got there first, and the retries the service made
after a deadlock or serialization failure. The database is dropped at the end (``--keep``
keeps it). The bench reports; it exits 0 whatever it measured, and 1 when a check fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from bench.shared_floor import run_floor
from jdoffice.adapters import db, records
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.errors import JdofficeError
from jdoffice.domain.model import UTC
from jdoffice.services.ports import NewSchool
from tests.e2e.contention import Run, Target, Verdict, check, make_plans, run_desks

ROOT = Path(__file__).resolve().parent.parent
ENV_URLS = ("JDOFFICE_BENCH_POSTGRESQL_URL", "JDOFFICE_TEST_POSTGRESQL_URL")
#: Invoice amounts (øre) a student gets, as a driving school bills them.
INVOICE_AMOUNTS = (1_450_000, 395_000, 85_025, 120_000)
#: For the plan of part payments (``--plan owing``) every amount is this many times larger:
#: a hot student receives some 700 payments in 20 s at 400 calls a second, about 170 000 kr,
#: and must still owe money at the end, or the calls turn into refusals and the bench
#: measures refusing instead of paying.
OWING_SCALE = 40


def _child_env(pycache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != db.ENV_DATABASE_URL}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env["PYTHONUTF8"] = "1"
    env.setdefault("PYTHONPYCACHEPREFIX", str(pycache))
    return env


class Children:
    """Desk processes started from the repository root, their output piped back."""

    def __init__(self, pycache: Path) -> None:
        self.env = _child_env(pycache)

    def start(self, code: str, arg: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-c", code, arg],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            cwd=ROOT,
            env=self.env,
        )

    @staticmethod
    def finish(proc: subprocess.Popen[str], timeout: float) -> tuple[int, str, str]:
        out, err = proc.communicate(timeout=timeout)
        return proc.returncode, out, err

    @staticmethod
    def stop(proc: subprocess.Popen[str]) -> None:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def _create(admin: URL, name: str) -> None:
    eng = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as conn:
            if admin.get_backend_name() == "postgresql":
                conn.execute(text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0"))
            else:
                conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    finally:
        eng.dispose()


def _drop(admin: URL, name: str) -> None:
    eng = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as conn:
            if admin.get_backend_name() == "postgresql":
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            else:
                conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
    finally:
        eng.dispose()


def seed(url: URL, students: int, scale: int = 1) -> tuple[int, str, list[Target]]:
    """A school with ``students`` students of four invoices each (the amounts times
    ``scale``), in one transaction."""
    engine = db.make_engine(url)
    try:
        db.upgrade(engine)
        uow = SqlAlchemyUnitOfWork(engine)
        now = dt.datetime.now(UTC)
        targets: list[Target] = []
        with uow.write():
            school = uow.schools.add(
                NewSchool(slug="bench", name="Østerbro Køreskole", cvr="12345678"), now
            )
            due = school.local_date(now) + dt.timedelta(days=14)
            for n in range(students):
                st = records.add_student(
                    uow.session,
                    school,
                    student_no=f"B{n + 1:06d}",
                    first_name="Søren",
                    last_name=f"Kjærgård {n + 1}",
                )
                invoices = [
                    records.add_invoice(
                        uow.session,
                        school,
                        st,
                        invoice_no=f"B{n + 1:06d}-{k + 1}",
                        text="Køretimer",
                        amount_minor=amount * scale,
                        due_date=due + dt.timedelta(days=k),
                    )
                    for k, amount in enumerate(INVOICE_AMOUNTS)
                ]
                targets.append(
                    Target(
                        st.id,
                        st.student_no,
                        tuple((i.id, i.invoice_no, i.amount_minor) for i in invoices),
                    )
                )
            uow.commit()
        return school.id, school.slug, targets
    finally:
        engine.dispose()


def _ms(samples: Sequence[float]) -> dict[str, float]:
    if not samples:
        return {"n": 0, "p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0}
    ordered = sorted(s * 1000 for s in samples)
    q = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else ordered
    pick = (lambda p: q[p - 1]) if len(ordered) > 1 else (lambda p: ordered[0])
    return {
        "n": len(ordered),
        "p50": pick(50),
        "p95": pick(95),
        "p99": pick(99),
        "max": ordered[-1],
    }


def figures(run: Run, verdict: Verdict) -> dict[str, Any]:
    outcomes = run.outcomes
    ok = [o["seconds"] for o in outcomes if o["code"] == 0 and not o["replayed"]]
    refused = [o["seconds"] for o in outcomes if o["code"] != 0]
    wall = max(run.wall_seconds, 1e-9)
    return {
        "seconds": round(run.wall_seconds, 2),
        "calls": len(outcomes),
        "calls_per_s": len(outcomes) / wall,
        "payments_recorded": verdict.succeeded,
        "payments_per_s": verdict.succeeded / wall,
        "replays": verdict.replays,
        "refused_another_desk_first": verdict.refused,
        "with_credit": verdict.with_credit,
        "retries_after_deadlock_or_serialization": run.retries,
        "gave_up_after_retries": verdict.gave_up,
        "latency_recorded_ms": _ms(ok),
        "latency_refused_ms": _ms(refused),
        "per_desk_calls": [len(d["results"]) for d in run.desks],
        "checks_passed": not verdict.problems,
        "problems": verdict.problems[:20],
    }


def machine(url: URL) -> dict[str, Any]:
    engine = db.make_engine(url)
    try:
        with engine.connect():
            version = engine.dialect.server_version_info
    finally:
        engine.dispose()
    return {
        "cpu_count": os.cpu_count(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "sqlalchemy": sqlalchemy.__version__,
        "platform": platform.platform(),
        "database": url.get_backend_name(),
        "server_version": ".".join(str(p) for p in version) if version else "?",
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def report(f: dict[str, Any], info: dict[str, Any], desks: int, students: int, hot: int) -> None:
    rec, ref = f["latency_recorded_ms"], f["latency_refused_ms"]
    print()
    print(
        f"{desks} desks, {students} students ({hot} hot), {f['seconds']:.1f} s of payments "
        f"on {info['database']} {info['server_version']}"
    )
    print("-" * 72)
    print(f"{'payments recorded per second':<44}{f['payments_per_s']:>10.1f}")
    print(f"{'calls per second (recorded + refused)':<44}{f['calls_per_s']:>10.1f}")
    print(
        f"{'latency of a recorded payment (ms)':<44}"
        f"p50 {rec['p50']:.1f}  p95 {rec['p95']:.1f}  p99 {rec['p99']:.1f}  max {rec['max']:.0f}"
    )
    print(
        f"{'latency of a refused call (ms)':<44}"
        f"p50 {ref['p50']:.1f}  p95 {ref['p95']:.1f}  p99 {ref['p99']:.1f}  max {ref['max']:.0f}"
    )
    print(f"{'payments recorded':<44}{f['payments_recorded']:>10}")
    print(f"{'refused: another desk got there first':<44}{f['refused_another_desk_first']:>10}")
    print(f"{'same key at another desk: one payment':<44}{f['replays']:>10}")
    print(f"{'payments that left a credit (allowed)':<44}{f['with_credit']:>10}")
    print(
        f"{'retries after a deadlock / serialization':<44}{f['retries_after_deadlock_or_serialization']:>10}"
    )
    print(f"{'gave up after retries':<44}{f['gave_up_after_retries']:>10}")
    print(f"{'calls per desk':<44}{' '.join(str(n) for n in f['per_desk_calls']):>10}")
    print("-" * 72)
    if f["checks_passed"]:
        print(
            "checks: PASS — every reported payment recorded once, none other; no invoice paid "
            "beyond its amount; credit only where allowed; receipts 1..N without gaps; every "
            "cached balance equals its recomputation; every refusal a clear business refusal"
        )
    else:
        print("checks: FAIL")
        for p in f["problems"]:
            print(f"  - {p}")
    print(
        f"machine: {info['cpu_count']} CPUs, {info['python']}, SQLAlchemy {info['sqlalchemy']}, "
        f"{info['platform']}, load average {info['load_average']}"
    )


def report_floor(f: dict[str, Any]) -> None:
    floor = f["floor"]
    print(
        f"{'floor: payments per second (bare driver)':<44}{floor['payments_per_s']:>10.1f}"
        f"   jdoffice {f['floor_ratio_payments_per_s']:.1f}× fewer"
    )
    lat = floor["latency_ms"]
    print(
        f"{'floor: latency (ms)':<44}p50 {lat['p50']:.1f}  p95 {lat['p95']:.1f}  "
        f"p99 {lat['p99']:.1f}   jdoffice p95 {f['floor_ratio_p95']:.1f}×"
    )
    print(f"{'floor: numbers 1..N without gaps':<44}{'yes' if floor['gap_free'] else 'NO':>10}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.bench_shared",
        description="Desk processes paying overlapping invoices on a shared database.",
    )
    p.add_argument("--db", metavar="URL", help="server URL (a user that may create databases)")
    p.add_argument("--desks", type=int, default=4, help="desk processes (default 4)")
    p.add_argument("--seconds", type=float, default=20.0, help="how long they pay (default 20)")
    p.add_argument("--students", type=int, default=200, help="students (default 200)")
    p.add_argument("--hot", type=int, default=8, help="students 70 %% of payments go to")
    p.add_argument("--seed", type=int, default=1, help="plan seed (default 1)")
    p.add_argument(
        "--plan",
        choices=("owing", "mixed"),
        default="owing",
        help=(
            "owing (default): part payments on students who owe more than the run can pay, "
            "so every call is a payment; mixed: the contention test's mix, whose whole-invoice "
            "payments pay the hot students up within seconds, after which most calls are "
            "refusals"
        ),
    )
    p.add_argument("--keep", action="store_true", help="keep the bench database")
    p.add_argument("--no-floor", action="store_true", help="skip the bare-driver floor run")
    p.add_argument("--json", metavar="FILE", type=Path, help="also write the figures here")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    raw = args.db or next((os.environ[k] for k in ENV_URLS if os.environ.get(k)), "")
    if not raw:
        print(f"bench: give --db URL or set {' or '.join(ENV_URLS)}", file=sys.stderr)
        return 2
    try:
        admin = db.normalize_url(raw)
    except JdofficeError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    if admin.get_backend_name() == "sqlite":
        print("bench: this bench is for a database server", file=sys.stderr)
        return 2
    name = f"jdoffice_bench_{secrets.token_hex(4)}"
    url = admin.set(database=name)
    _create(admin, name)
    try:
        return _run(args, url)
    finally:
        if args.keep:
            print(f"kept the database {name}")
        else:
            _drop(admin, name)


def _run(args: argparse.Namespace, url: URL) -> int:
    print(f"database: {url.render_as_string(hide_password=True)}")
    started = time.perf_counter()
    owing = args.plan == "owing"
    school_id, slug, targets = seed(url, args.students, OWING_SCALE if owing else 1)
    print(
        f"seeded {len(targets)} students, {len(targets) * len(INVOICE_AMOUNTS)} invoices "
        f"in {time.perf_counter() - started:.1f} s"
    )
    # More payments than any desk can make in the time: the clock ends the run.
    per_desk = max(2000, int(args.seconds * 400))
    plans = make_plans(
        targets,
        desks=args.desks,
        payments=per_desk,
        seed=args.seed,
        shared=20,
        hot=args.hot,
        # Early in every desk's list, so that each is reached by all desks.
        shared_within=100,
        owing_only=owing,
    )
    print(f"plan: {args.plan}")
    info = machine(url)
    with tempfile.TemporaryDirectory(prefix="jdoffice-bench-shared-") as tmp:
        children = Children(Path(tmp) / "pycache")
        print(f"{args.desks} desks paying for {args.seconds:g} s ...")
        run = run_desks(
            url.render_as_string(hide_password=False),
            slug,
            plans,
            Path(tmp),
            start=children.start,
            finish=children.finish,
            stop=children.stop,
            seconds=args.seconds,
            timeout=args.seconds + 120,
        )
    engine = db.make_engine(url)
    try:
        verdict = check(engine, school_id, targets, run)
    finally:
        engine.dispose()
    f = figures(run, verdict)
    report(f, info, args.desks, args.students, args.hot)
    if not args.no_floor:
        print(f"floor: {args.desks} bare-driver desks, the same locks, for {args.seconds:g} s ...")
        floor = run_floor(
            url, desks=args.desks, students=args.students, hot=args.hot, seconds=args.seconds
        )
        f["floor"] = floor
        f["floor_ratio_payments_per_s"] = floor["payments_per_s"] / max(f["payments_per_s"], 1e-9)
        f["floor_ratio_p95"] = f["latency_recorded_ms"]["p95"] / max(
            floor["latency_ms"]["p95"], 1e-9
        )
        report_floor(f)
    if args.json:
        doc = {"figures": f, "machine": info, "plan": args.plan}
        args.json.write_text(json.dumps(doc, indent=2), "utf-8")
    return 0 if f["checks_passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
