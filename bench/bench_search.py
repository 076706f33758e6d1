"""Search alone, with its floor, on a database the foundation benchmark already seeded.

Run ``uv run python -m bench.bench_search --db sqlite:///PATH [--seed 1] [--runs 3]``, for
instance on the file ``bench_foundation --keep`` left behind: seeding a million students
takes minutes, timing search on them takes seconds. Each run times the same mix of queries
as ``bench_foundation`` (fresh draws per run) with the floor beside every figure; with
several runs it also prints the median of the runs' figures and ratios per kind of query.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bench.bench_foundation import (
    SEARCH_RATIO_TARGET,
    SEARCH_WARMUP,
    SearchRun,
    print_search,
    ratio,
    ratio_p50,
    run_search,
    search_p95_target,
    worst_ratio,
)
from bench.search_queries import QUERY_MIX, build_queries, sample_students
from jdoffice.adapters.db import make_engine, normalize_url
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.demo import demo_school
from jdoffice.domain.model import UTC
from jdoffice.services.queries import resolve_school


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.bench_search",
        description="Time student search and its floor on an already seeded demo school.",
    )
    p.add_argument("--db", metavar="URL", required=True, help="the seeded database")
    p.add_argument("--seed", type=int, default=1, help="the seed it was seeded with")
    p.add_argument("--searches", type=int, default=1000, help="timed searches per run")
    p.add_argument("--runs", type=int, default=3, help="runs (the median is reported)")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    engine = make_engine(normalize_url(args.db))
    try:
        uow = SqlAlchemyUnitOfWork(engine)
        school = resolve_school(uow, None)
        with uow:
            n = uow.students.count(school.id)
        today = dt.datetime.now(UTC).astimezone(ZoneInfo(demo_school(args.seed).timezone)).date()
        runs: list[SearchRun] = []
        for r in range(args.runs):
            rng = random.Random(f"jdoffice-bench-search:{args.seed}:{r}")
            people = sample_students(2000, n, args.seed, today, rng)
            queries = build_queries(people, n, SEARCH_WARMUP + args.searches, rng)
            print(f"\nrun {r + 1}: {args.searches} searches in {n} students, limit 20")
            run = run_search(uow, school, queries, SEARCH_WARMUP)
            print_search(run)
            runs.append(run)
    finally:
        engine.dispose()
    print(
        f"\nmedian of {len(runs)} runs (ms): p50, its floor and ratio; p95 (target < "
        f"{search_p95_target(n):g} ms), its floor and ratio (target ≤ {SEARCH_RATIO_TARGET:g}×)"
    )
    kinds = ["all"] + [k for k, _ in QUERY_MIX]
    for kind in kinds:
        pairs = [
            (run.overall, run.floor)
            if kind == "all"
            else (run.by_kind[kind], run.floor_by_kind[kind])
            for run in runs
            if kind == "all" or kind in run.by_kind
        ]
        if not pairs:
            continue
        p95 = statistics.median(s.p95_ms for s, _ in pairs)
        floor = statistics.median(f.p95_ms for _, f in pairs)
        times = statistics.median(ratio(s, f) for s, f in pairs)
        p50 = statistics.median(s.p50_ms for s, _ in pairs)
        floor50 = statistics.median(f.p50_ms for _, f in pairs)
        times50 = statistics.median(ratio_p50(s, f) for s, f in pairs)
        print(
            f"  {kind:<18} p50 {p50:6.2f}  floor {floor50:5.2f}  {times50:5.1f}×   "
            f"p95 {p95:6.2f}  floor {floor:5.2f}  {times:5.1f}×"
        )
    worst = statistics.median(worst_ratio(run) for run in runs)
    print(f"  worst kind, median of runs: {worst:.1f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
