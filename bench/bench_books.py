"""Export a year of the books for the demo school (issue 15): how long each format takes and
how much memory the process needs (target: a year of 100 000 students in under 30 s and
500 MB).

A fresh SQLite file in a temporary directory is migrated and seeded with the demo school
(``seed_demo``); then, for each format, the postings of the 365 days up to the seeding day
are exported by ``jdoffice books export`` run as a process, timed, with the peak memory of
those processes. Prints the figures and exits 0 (a benchmark, not a test).

    uv run python -m bench.bench_books [--students 100000] [--seed 1]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jdoffice.adapters.db import make_engine, normalize_url, upgrade
from jdoffice.adapters.records import seed_demo

TARGET_S = 30.0
TARGET_MB = 500.0


def peak_mb(who: int) -> float:
    """Peak resident memory so far (``ru_maxrss``: kilobytes on Linux, bytes on macOS)."""
    peak = resource.getrusage(who).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", metavar="FILE", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    figures: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="jdoffice-bench-books-") as tmp:
        engine = make_engine(normalize_url(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"))
        upgrade(engine)
        today = dt.datetime.now(dt.UTC).date()
        started = time.perf_counter()
        _, counts = seed_demo(engine, students=args.students, seed=args.seed, today=today)
        print(
            f"seeded {args.students} students, {counts.payments} payments "
            f"in {time.perf_counter() - started:.1f} s"
        )
        engine.dispose()
        start, end = today - dt.timedelta(days=364), today
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        env = {**os.environ, "JDOFFICE_NO_GUI": "1"}
        for fmt in ("csv", "economic", "saft"):
            out = Path(tmp) / f"books.{fmt}"
            argv = [sys.executable, "-m", "jdoffice", "--db", url, "books", "export"]
            argv += ["--from", start.isoformat(), "--to", end.isoformat(), "--format", fmt]
            began = time.perf_counter()
            done = subprocess.run(
                [*argv, "--out", str(out), "--json"], capture_output=True, check=True, env=env
            )
            took = time.perf_counter() - began
            postings = json.loads(done.stdout)["postings"]
            verdict = "PASS" if took < TARGET_S else "MISS"
            figures.append(
                {"name": f"export {fmt}, a year", "value": round(took, 3), "unit": "s",
                 "target": TARGET_S, "result": verdict}
            )  # fmt: skip
            print(
                f"{fmt:<9} {postings:>8} postings {out.stat().st_size / 1e6:>8.1f} MB "
                f"{took:>7.2f} s (target < {TARGET_S:.0f} s, the whole command) {verdict}"
            )
        memory = peak_mb(resource.RUSAGE_CHILDREN)
        verdict = "PASS" if memory < TARGET_MB else "MISS"
        print(f"peak memory of an export {memory:.0f} MB (target < {TARGET_MB:.0f} MB) {verdict}")
        figures.append(
            {"name": "export peak memory", "value": round(memory, 1), "unit": "MB",
             "target": TARGET_MB, "result": verdict}
        )  # fmt: skip
    if args.json:
        doc = {"figures": figures, "machine": {"cpus": os.cpu_count(), "students": args.students}}
        args.json.write_text(json.dumps(doc, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
