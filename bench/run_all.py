"""Every benchmark with its floor, several runs each, in one table.

    uv run python -m bench.run_all [--runs 3] [--students 100000] [--only NAME ...]
                                   [--postgresql URL] [--out DIR]

Runs each benchmark as its own process (so one's caches and threads never colour the next)
``--runs`` times with ``--json``, takes the median of every figure over the runs, and writes
``DIR/benchmarks.json`` (every run's figures, the medians and the machine) and
``DIR/benchmarks.md`` (the table the README shows). A figure a benchmark measures beside its
floor (the bare driver, a bare window, a bare HMAC check) keeps the benchmark's own name for
it (``… floor``, ``… ratio``), so the ratio sits next to what it compares.

The four-desk payment benchmark needs a PostgreSQL server (``--postgresql`` or
``JDOFFICE_BENCH_POSTGRESQL_URL``); without one it is left out and the table says so.
A benchmark that fails is reported with its exit code and the rest go on.

``--quick`` seeds 2 000 students and runs once: a check that every benchmark still runs, not
figures to compare.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Plan:
    name: str
    module: str
    args: tuple[str, ...]
    needs_server: bool = False


def plans(students: int, server: str | None) -> list[Plan]:
    n = str(students)
    out = [
        Plan("foundation", "bench.bench_foundation", ("--students", n)),
        Plan("gui", "bench.bench_gui", ("--students", n)),
        Plan("webhooks", "bench.bench_webhooks", ()),
        Plan(
            "replica",
            "bench.bench_replica",
            ("--students", n, *(("--server", server) if server else ())),
            needs_server=True,
        ),
        Plan("books", "bench.bench_books", ("--students", n)),
        Plan("cli", "bench.bench_cli", ("--students", n)),
    ]
    shared = ("--db", server) if server else ()
    out.append(Plan("shared", "bench.bench_shared", shared, needs_server=True))
    return out


#: The targets of figures a benchmark writes as plain numbers (its JSON's ``figures`` a
#: mapping, without targets), by benchmark and figure: (target, whether it is a least value).
#: The first pull of 100 000 students within 10 s (``bench_replica``); four desks on
#: PostgreSQL at 200 recorded payments/s or more, with a p95 within 20 ms (``bench_shared``).
PLAIN_TARGETS: dict[tuple[str, str], tuple[float, bool]] = {
    ("replica", "first_pull_s"): (10.0, False),
    ("replica", "nothing_changed_ms.p50"): (200.0, False),
    ("shared", "payments_per_s"): (200.0, True),
    ("shared", "latency_recorded_ms.p95"): (20.0, False),
}


@dataclass
class Outcome:
    plan: Plan
    runs: list[dict[str, float]] = field(default_factory=list)
    units: dict[str, str] = field(default_factory=dict)
    targets: dict[str, float] = field(default_factory=dict)
    #: Figures whose target is a least value (throughput): the rest must stay below theirs.
    minimums: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    skipped: str = ""

    def medians(self) -> dict[str, float]:
        names = [n for run in self.runs for n in run]
        return {
            name: statistics.median(run[name] for run in self.runs if name in run)
            for name in dict.fromkeys(names)
        }


def flatten(doc: Any, prefix: str = "") -> Iterator[tuple[str, float]]:
    """Every number of a benchmark's JSON ``figures``, named by its path (``a.b``)."""
    if isinstance(doc, bool):
        return
    if isinstance(doc, int | float):
        yield prefix, float(doc)
    elif isinstance(doc, Mapping):
        for key, value in doc.items():
            yield from flatten(value, f"{prefix}.{key}" if prefix else str(key))


def read_figures(
    doc: Mapping[str, Any],
) -> tuple[dict[str, float], dict[str, str], dict[str, float], set[str]]:
    """``(values, units, targets, minimums)`` of one run's JSON; a figure is a minimum when
    the benchmark says its target is one (``target_is_minimum``)."""
    figures = doc.get("figures", {})
    values: dict[str, float] = {}
    units: dict[str, str] = {}
    targets: dict[str, float] = {}
    minimums: set[str] = set()
    if isinstance(figures, list):
        for f in figures:
            if not isinstance(f, Mapping) or not isinstance(f.get("value"), int | float):
                continue
            name = str(f.get("name", "?"))
            values[name] = float(f["value"])
            units[name] = str(f.get("unit", ""))
            if isinstance(f.get("target"), int | float):
                targets[name] = float(f["target"])
                if f.get("target_is_minimum"):
                    minimums.add(name)
    else:
        values = dict(flatten(figures))
    return values, units, targets, minimums


def run_plan(plan: Plan, runs: int, folder: Path, env: dict[str, str]) -> Outcome:
    outcome = Outcome(plan)
    started = time.perf_counter()
    for i in range(runs):
        out = folder / f"{plan.name}-{i + 1}.json"
        argv = [sys.executable, "-m", plan.module, *plan.args, "--json", str(out)]
        print(f"== {plan.name} run {i + 1}/{runs}: {' '.join(argv[2:])}", flush=True)
        done = subprocess.run(argv, cwd=ROOT, env=env, check=False)
        if done.returncode != 0 or not out.exists():
            outcome.failures.append(f"run {i + 1} exited {done.returncode}")
            continue
        values, units, targets, minimums = read_figures(json.loads(out.read_text("utf-8")))
        outcome.runs.append(values)
        outcome.units.update(units)
        outcome.targets.update(targets)
        outcome.minimums |= minimums
    outcome.seconds = time.perf_counter() - started
    return outcome


def bytecode_env(pycache: Path) -> dict[str, str]:
    """The benchmarks' environment: every module compiled once, beforehand, as an installed
    desk has them (``uv sync --compile-bytecode`` and Python writing the cache of jdoffice's
    own modules on the first run). ``PYTHONDONTWRITEBYTECODE``, where the shell sets it, would
    make every benchmark process compile what it imports from source, and time that. The
    cache goes to a folder of its own (``PYTHONPYCACHEPREFIX``), so the checkout and the
    virtual environment are left as they are. A benchmark that times a start with and
    without bytecode (``bench_gui``) still chooses its own cache."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    folders = [
        ROOT / "jdoffice",
        ROOT / "bench",
        ROOT / "tests",
        Path(sysconfig.get_paths()["purelib"]),
    ]
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "-j", "0", *map(str, folders)],
        env=env,
        check=False,
        stdout=subprocess.DEVNULL,
    )
    print(f"bytecode compiled in {time.perf_counter() - started:.1f} s ({pycache})", flush=True)
    return env


def machine() -> dict[str, Any]:
    import sqlite3

    import sqlalchemy

    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "load_average_at_start": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def _number(value: float) -> str:
    return f"{value:,.3f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"


def markdown(outcomes: Sequence[Outcome], info: Mapping[str, Any], runs: int) -> str:
    lines = [
        f"Benchmarks, median of {runs} run(s) each — {info['date']}, {info['cpus']} CPUs, "
        f"Python {info['python']}, SQLite {info['sqlite']}, SQLAlchemy {info['sqlalchemy']}, "
        f"load at start {info['load_average_at_start']}",
        "",
        "| benchmark | figure | median | unit | target | result |",
        "|---|---|---:|---|---:|---|",
    ]
    for o in outcomes:
        if o.skipped:
            lines.append(f"| {o.plan.name} | (left out: {o.skipped}) | | | | |")
            continue
        for failure in o.failures:
            lines.append(f"| {o.plan.name} | (failed: {failure}) | | | | |")
        for name, value in o.medians().items():
            target = o.targets.get(name)
            at_least = name in o.minimums
            if target is None and (o.plan.name, name) in PLAIN_TARGETS:
                target, at_least = PLAIN_TARGETS[o.plan.name, name]
            verdict = ""
            shown_target = ""
            if target is not None:
                ok = value >= target if at_least else value < target
                verdict = "PASS" if ok else "MISS"
                shown_target = f"{'≥' if at_least else '<'} {_number(target)}"
            lines.append(
                f"| {o.plan.name} | {name} | {_number(value)} | {o.units.get(name, '')} | "
                f"{shown_target} | {verdict} |"
            )
    return "\n".join(lines) + "\n"


def table_from_json(doc: Mapping[str, Any]) -> str:
    """The markdown table of a ``benchmarks.json`` written earlier."""
    outcomes = []
    for b in doc["benchmarks"]:
        o = Outcome(Plan(b["name"], "", ()), skipped=b.get("skipped") or "")
        o.runs, o.units, o.targets = b["runs"], b["units"], b["targets"]
        o.minimums, o.failures = set(b.get("minimums", [])), b.get("failures", [])
        outcomes.append(o)
    return markdown(outcomes, doc["machine"], int(doc["runs"]))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--runs", type=int, default=3, help="runs per benchmark (median; default 3)")
    p.add_argument("--students", type=int, default=100_000, help="students to seed")
    p.add_argument("--only", nargs="+", metavar="NAME", help="only these benchmarks")
    p.add_argument(
        "--postgresql",
        metavar="URL",
        default=os.environ.get("JDOFFICE_BENCH_POSTGRESQL_URL"),
        help="server for the four-desk benchmark",
    )
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results", help="output folder")
    p.add_argument("--quick", action="store_true", help="2 000 students, one run: a smoke check")
    p.add_argument(
        "--from-json", type=Path, metavar="FILE", help="only write the table of an earlier run"
    )
    args = p.parse_args(argv)
    if args.from_json is not None:
        table = table_from_json(json.loads(args.from_json.read_text("utf-8")))
        (args.out / "benchmarks.md").parent.mkdir(parents=True, exist_ok=True)
        (args.out / "benchmarks.md").write_text(table, "utf-8")
        print(table)
        return 0
    runs, students = (1, 2_000) if args.quick else (max(1, args.runs), args.students)
    chosen = plans(students, args.postgresql)
    if args.only:
        unknown = set(args.only) - {pl.name for pl in chosen}
        if unknown:
            p.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
        chosen = [pl for pl in chosen if pl.name in args.only]
    env = bytecode_env(args.out / "pycache")
    info = machine()
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="jdoffice-bench-all-") as tmp:
        for plan in chosen:
            if plan.needs_server and not args.postgresql:
                outcomes.append(Outcome(plan, skipped="no --postgresql server given"))
                continue
            outcomes.append(run_plan(plan, runs, Path(tmp), env))
    args.out.mkdir(parents=True, exist_ok=True)
    doc = {
        "machine": info,
        "runs": runs,
        "students": students,
        "benchmarks": [
            {
                "name": o.plan.name,
                "skipped": o.skipped or None,
                "failures": o.failures,
                "seconds": round(o.seconds, 1),
                "runs": o.runs,
                "medians": o.medians(),
                "units": o.units,
                "targets": o.targets,
                "minimums": sorted(o.minimums),
            }
            for o in outcomes
        ],
    }
    (args.out / "benchmarks.json").write_text(json.dumps(doc, indent=2) + "\n", "utf-8")
    table = markdown(outcomes, info, runs)
    (args.out / "benchmarks.md").write_text(table, "utf-8")
    print(table)
    print(f"written to {args.out / 'benchmarks.json'} and {args.out / 'benchmarks.md'}")
    return 1 if any(o.failures for o in outcomes) else 0


if __name__ == "__main__":
    raise SystemExit(main())
