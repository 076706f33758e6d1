"""``jdoffice search`` run as a process: how long from the command to its answer.

    uv run python -m bench.bench_cli [--students 100000] [--db-file PATH] [--runs 21]
                                     [--json FILE]

A fresh SQLite file in a temporary directory is migrated and seeded with the demo school (or
``--db-file`` names one seeded earlier, e.g. by ``bench_foundation --keep``); then, round by
round, three processes are started and timed from start to exit, in turn so that the load of
a shared machine falls on all of them alike:

* ``jdoffice --db URL search TEXT``, the command as a user types it (its console script), with
  what people type at a desk (:mod:`bench.search_queries`);
* floor: ``python -c pass``, the interpreter starting and stopping;
* floor: a bare driver process, ``python -c "import sqlite3; …"`` running the search's own
  statement (:mod:`jdoffice.adapters.repos.search_sql`, compiled here for SQLite) with the
  same parameters and fetching its rows: what any program that answers the search at all
  has to do.

``python -c "import sqlalchemy"`` is timed as well, as a reference: the part of the command's
time that is SQLAlchemy Core loading. Every process runs once before the timing, so Python's
bytecode cache is written (``PYTHONDONTWRITEBYTECODE`` is left out of their environment) and
the database file is in the page cache. Prints the median and p95 of each, their CPU time
(user and system: steadier than the wall clock on a shared machine), the ratio of the
command to the driver floor, and the target (the command's median at most 0.35 s); exits 0
whatever it measured. ``--json FILE`` writes the same figures for scripts
(:mod:`bench.run_all`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.dialects import sqlite as sqlite_dialect

from bench.bench_foundation import Figure
from bench.search_queries import build_queries, sample_students
from jdoffice.adapters.db import make_engine, normalize_url, upgrade
from jdoffice.adapters.records import seed_demo
from jdoffice.adapters.repos.search_sql import search_params, search_statement
from jdoffice.domain.search import parse_query

#: The command's median, start to exit.
TARGET_S = 0.35
#: The candidates the command fetches for its 20 lines (``search_students``: ``limit * 5``,
#: at least 100), so the floor reads as many rows.
CANDIDATES = 100
WARMUP_ROUNDS = 2

#: The bare driver process: the search statement on ``sqlite3`` and nothing else.
DRIVER_SCRIPT = """\
import json, sqlite3, sys
path, sql, args = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
conn = sqlite3.connect(path)
rows = conn.execute(sql, args).fetchall()
conn.close()
print(len(rows))
"""


@dataclass(frozen=True, slots=True)
class Stats:
    p50_s: float
    p95_s: float
    min_s: float
    max_s: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> Stats:
        ordered = sorted(samples)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        return cls(statistics.median(ordered), p95, ordered[0], ordered[-1])


def child_env(local_db: Path) -> dict[str, str]:
    """The environment of the timed processes: bytecode is cached, no window is tried, and the
    desk's local copy (never needed while the file answers) lives in the temporary folder."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["JDOFFICE_NO_GUI"] = "1"
    env["JDOFFICE_LOCAL_DB"] = str(local_db)
    return env


def jdoffice_command() -> list[str]:
    """``jdoffice`` as installed beside this interpreter (its console script), else ``python
    -m jdoffice``."""
    script = Path(sys.executable).with_name("jdoffice")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "jdoffice"]


def driver_args(path: Path, school_id: int, text: str) -> list[str]:
    """The bare driver process for the search of ``text`` in the school ``school_id``."""
    query = parse_query(text)
    prefixes = query.plans[0]  # the first plan: most searches need no other
    compiled = search_statement(len(prefixes)).compile(dialect=sqlite_dialect.dialect())
    bound = compiled.construct_params(search_params(school_id, prefixes, CANDIDATES))
    args = [bound[name] for name in compiled.positiontup or ()]
    return [sys.executable, "-c", DRIVER_SCRIPT, str(path), compiled.string, json.dumps(args)]


def children_cpu() -> float:
    """CPU seconds (user and system) of the finished child processes so far."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(argv: Sequence[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one process, start to exit."""
    cpu = children_cpu()
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, check=False)
    took = time.perf_counter() - started
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace").strip()
        raise SystemExit(f"bench: {argv[0]} … exited {done.returncode}: {err}")
    return took, children_cpu() - cpu


def seed_file(path: Path, students: int, seed: int) -> None:
    engine = make_engine(normalize_url(f"sqlite:///{path}"))
    try:
        upgrade(engine)
        started = time.perf_counter()
        _, counts = seed_demo(engine, students=students, seed=seed)
        print(f"seeded {counts.students:,} students in {time.perf_counter() - started:.1f} s")
    finally:
        engine.dispose()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.bench_cli",
        description="Time `jdoffice search` as a process beside the interpreter and the driver.",
    )
    p.add_argument("--students", type=int, default=100_000, help="students to seed")
    p.add_argument("--seed", type=int, default=1, help="demo data seed (default 1)")
    p.add_argument(
        "--db-file",
        type=Path,
        metavar="PATH",
        help="a SQLite file seeded with the demo school earlier, instead of seeding one",
    )
    p.add_argument("--runs", type=int, default=21, help="timed rounds (default 21)")
    p.add_argument("--json", metavar="FILE", type=Path, help="also write the figures here")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="jdoffice-bench-cli-"))
    try:
        path: Path = args.db_file or tmp / "bench.sqlite3"
        if args.db_file is None:
            seed_file(path, args.students, args.seed)
        elif not path.is_file():
            print(f"bench: no such file: {path}", file=sys.stderr)
            return 2
        return _run(args, path, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _run(args: argparse.Namespace, path: Path, tmp: Path) -> int:
    env = child_env(tmp / "local.sqlite3")
    with sqlite3.connect(path) as conn:
        school_id = int(conn.execute("SELECT min(id) FROM schools").fetchone()[0])
        students = int(conn.execute("SELECT count(*) FROM students").fetchone()[0])
    rng = random.Random(f"jdoffice-bench-cli:{args.seed}")  # reproducible choices, not secrets
    today = dt.datetime.now(dt.UTC).date()  # names and numbers do not depend on it
    people = sample_students(200, students, args.seed, today, rng)
    texts = [text for _, text in build_queries(people, students, WARMUP_ROUNDS + args.runs, rng)]
    command = [*jdoffice_command(), "--db", f"sqlite:///{path}", "search"]
    python = [sys.executable, "-c", "pass"]
    sqlalchemy = [sys.executable, "-c", "import sqlalchemy"]
    print(f"database: {path} ({students:,} students)")
    print(f"command: {' '.join(command)} TEXT; {args.runs} rounds after {WARMUP_ROUNDS} warm-up")
    samples: dict[str, list[float]] = {"search": [], "python": [], "driver": [], "sqlalchemy": []}
    cpu: dict[str, list[float]] = {name: [] for name in samples}
    for i, text in enumerate(texts):
        round_ = {
            "search": timed([*command, text], env),
            "python": timed(python, env),
            "driver": timed(driver_args(path, school_id, text), env),
            "sqlalchemy": timed(sqlalchemy, env),
        }
        if i >= WARMUP_ROUNDS:
            for name, (took, used) in round_.items():
                samples[name].append(took)
                cpu[name].append(used)
    stats = {name: Stats.of(s) for name, s in samples.items()}
    cpu_p50 = {name: statistics.median(s) for name, s in cpu.items()}
    search, driver = stats["search"], stats["driver"]
    figures = [
        Figure("jdoffice search p50", search.p50_s, "s", TARGET_S),
        Figure("jdoffice search p95", search.p95_s, "s"),
        Figure("floor python -c pass p50", stats["python"].p50_s, "s"),
        Figure("floor bare driver search p50", driver.p50_s, "s"),
        Figure("floor bare driver search p95", driver.p95_s, "s"),
        Figure("import sqlalchemy p50 (reference)", stats["sqlalchemy"].p50_s, "s"),
        Figure("jdoffice search ÷ driver floor (p50)", search.p50_s / driver.p50_s, "×"),
        Figure("jdoffice search CPU p50", cpu_p50["search"], "s"),
        Figure("floor bare driver search CPU p50", cpu_p50["driver"], "s"),
        Figure("import sqlalchemy CPU p50 (reference)", cpu_p50["sqlalchemy"], "s"),
    ]
    print()
    print(f"{'process':<28}{'p50':>9}{'p95':>9}{'min':>9}{'max':>9}{'CPU p50':>10}")
    labels = {
        "search": "jdoffice search",
        "python": "floor: python -c pass",
        "driver": "floor: bare driver search",
        "sqlalchemy": "import sqlalchemy (ref.)",
    }
    for name, s in stats.items():
        print(
            f"{labels[name]:<28}{s.p50_s * 1000:>7.0f}ms{s.p95_s * 1000:>7.0f}ms"
            f"{s.min_s * 1000:>7.0f}ms{s.max_s * 1000:>7.0f}ms{cpu_p50[name] * 1000:>8.0f}ms"
        )
    verdict = figures[0].verdict
    print(
        f"\njdoffice search median {search.p50_s:.3f} s (target ≤ {TARGET_S} s) {verdict}; "
        f"{search.p50_s / driver.p50_s:.1f}× the bare driver process, "
        f"+{(search.p50_s - driver.p50_s) * 1000:.0f} ms over it"
    )
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    print(f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, load {load}")
    if args.json:
        doc = {
            "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "sqlite": sqlite3.sqlite_version,
                "load_average": load,
            },
            "students": students,
            "runs": args.runs,
            "figures": [f.as_dict() for f in figures],
        }
        args.json.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
