"""Export a year of the books for the demo school (issue 15): how long each format takes and
how much memory the process needs (target: a year of 100 000 students in under 30 s and
500 MB).

A fresh SQLite file in a temporary directory is migrated and seeded with the demo school
(``seed_demo``); then, for each format, the postings of the 365 days up to the seeding day
are read and written to a file, timed. Prints the figures and exits 0 (a benchmark, not a
test).

    uv run python -m bench.bench_books [--students 100000] [--seed 1]
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path

from jdoffice.adapters.db import make_engine, normalize_url, upgrade
from jdoffice.adapters.records import seed_demo
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.services import books

TARGET_S = 30.0
TARGET_MB = 500.0


def peak_mb() -> float:
    """The process's peak resident memory so far (kilobytes on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="jdoffice-bench-books-") as tmp:
        engine = make_engine(normalize_url(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"))
        upgrade(engine)
        today = dt.datetime.now(dt.UTC).date()
        started = time.perf_counter()
        school, counts = seed_demo(engine, students=args.students, seed=args.seed, today=today)
        print(
            f"seeded {args.students} students, {counts.payments} payments "
            f"in {time.perf_counter() - started:.1f} s"
        )
        uow = SqlAlchemyUnitOfWork(engine)
        start, end = today - dt.timedelta(days=364), today
        for fmt in ("csv", "economic", "saft"):
            began = time.perf_counter()
            period = books.period_postings(uow, school, start, end)
            data = books.export(period, fmt)
            (Path(tmp) / f"books.{fmt}").write_bytes(data)
            took = time.perf_counter() - began
            verdict = "PASS" if took < TARGET_S else "MISS"
            print(
                f"{fmt:<9} {len(period.lines):>8} postings {len(data) / 1e6:>8.1f} MB "
                f"{took:>7.2f} s (target < {TARGET_S:.0f} s) {verdict}"
            )
        memory = peak_mb()
        verdict = "PASS" if memory < TARGET_MB else "MISS"
        print(f"peak memory {memory:.0f} MB (target < {TARGET_MB:.0f} MB, incl. seeding) {verdict}")
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
