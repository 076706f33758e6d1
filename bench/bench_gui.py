"""The desk program's figures: cold start, keystroke to results painted, memory.

Run ``uv run python -m bench.bench_gui [--students 100000] [--json FILE]``.

A fresh SQLite file in a temporary directory is migrated and seeded with the demo school
(``seed_demo``, in a child process so this process's memory stays that of a desk). Qt runs on
the offscreen platform unless a display is set. Then:

1. **Cold start**: ``python -m jdoffice --db FILE`` starts as a fresh process ``--starts``
   times, with ``JDOFFICE_STARTUP_REPORT`` set: the desk writes when its search box was first
   painted holding the keyboard focus (*shown*) and when the school had been read so typing
   finds students (*ready*), then closes. Both count from just before the process is
   spawned. Two rounds: with Python's compiled bytecode cached (every start of an installed
   desk after its first), and with no bytecode at all (each module compiled from source, as
   on the very first start of an installation that ships none).
2. **Keystroke to results painted**: in this process, the main window on the seeded school,
   the way ``jdoffice`` opens it. Queries people type at a desk (those of
   ``bench_foundation``) are typed one character at a time with ``QTest.keyClicks`` at a
   typist's pace, each started with F2 (select the search text, typing replaces it). For the
   last keystroke of each query the time runs until the results model has been reset with
   that query's results and the results view has painted them. The window searches at each
   keystroke with no wait; a key typed while a search runs is searched when that one
   returns. The figure is also split at the moment the final text's search started
   (*waited*: behind an earlier search; *searched*: from then to painted).
3. **Memory**: this process's resident set (``VmRSS``, and the peak ``VmHWM``) after the
   window opened, after the searches, and after opening students with Enter.

It prints each figure next to its target and exits 0 whatever it measured: it reports, it
does not judge. ``--json FILE`` writes the same figures for scripts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

if not any(os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")):
    os.environ["QT_QPA_PLATFORM"] = "offscreen"

import PySide6
from PySide6.QtCore import (
    QEvent,
    QEventLoop,
    QObject,
    Qt,
    QThreadPool,
    QTimer,
)
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from bench.bench_foundation import (
    Figure,
    Stats,
    build_queries,
    machine,
    print_stats,
    print_table,
    sample_students,
    settle,
    summarize,
)
from jdoffice.adapters.db import make_engine, normalize_url, upgrade
from jdoffice.adapters.records import school_has_data, seed_demo
from jdoffice.bootstrap import App
from jdoffice.domain.demo import demo_school
from jdoffice.domain.model import UTC, Actor
from jdoffice.gui.app import ENV_STARTUP_REPORT, application, install_translators
from jdoffice.gui.context import DeskContext
from jdoffice.gui.views.main_window import MainWindow, database_label

REPO_ROOT = Path(__file__).resolve().parents[1]

STARTUP_TARGET_S = 1.5
KEYSTROKE_P95_TARGET_MS = 50.0
RSS_TARGET_MB = 300.0

#: Untimed queries typed first (fonts, SQLite's page cache, first compiled statements).
TYPING_WARMUP = 10
#: Pause between two keystrokes, ms: a receptionist typing a name or reading off a number.
KEY_GAP_MS = (60, 200)
#: Looking at the results before the next query, ms.
READ_MS = 150
#: No single wait in the window may take longer than this.
WAIT_LIMIT_MS = 15_000
START_TIMEOUT_S = 60.0


# --- the database ----------------------------------------------------------------------------


def seed_database(path: str, students: int, seed: int) -> None:
    """Migrate and seed ``path``, then close every connection (runs in a child process)."""
    engine = make_engine(normalize_url(path))
    try:
        upgrade(engine)
        if not school_has_data(engine):
            seed_demo(engine, students=students, seed=seed)
    finally:
        settle(engine)


def seed_in_child(path: Path, students: int, seed: int) -> float:
    """Seed in a process of its own, so the bulk load never counts in this one's memory."""
    start = time.perf_counter()
    child = multiprocessing.get_context("spawn").Process(
        target=seed_database, args=(str(path), students, seed)
    )
    child.start()
    child.join()
    if child.exitcode != 0:
        raise RuntimeError(f"seeding failed (exit code {child.exitcode})")
    return time.perf_counter() - start


# --- 1. cold start ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Start:
    shown_s: float
    ready_s: float


@dataclass(frozen=True, slots=True)
class StartRun:
    label: str
    starts: list[Start]

    def column(self, name: str) -> list[float]:
        return [getattr(s, name) for s in self.starts]

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"label": self.label, "runs": len(self.starts)}
        for name in ("shown_s", "ready_s"):
            values = self.column(name)
            out[name] = {
                "min": round(min(values), 3),
                "median": round(statistics.median(values), 3),
                "max": round(max(values), 3),
                "all": [round(v, 3) for v in values],
            }
        return out


def start_env(tmpdir: Path, bytecode: bool) -> dict[str, str]:
    """The desk's environment: this one, with Python's bytecode cache in ``tmpdir`` (so the
    checkout and the virtual environment stay as they are) and the desk's settings in an
    empty folder (a developer's own settings never change what is measured).

    With ``bytecode`` every module's compiled code is cached there (the first start writes
    it). Without, only the standard library's is (it always comes compiled): jdoffice and
    the packages it uses are compiled from source at every start. The cached round must
    have run first.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("JDOFFICE_NO_GUI", ENV_STARTUP_REPORT)}
    config = tmpdir / "config"
    config.mkdir(exist_ok=True)
    env["XDG_CONFIG_HOME"] = str(config)
    cache = tmpdir / "pycache"
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(cache)
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        stdlib_only = tmpdir / "pycache-stdlib"
        shutil.rmtree(stdlib_only, ignore_errors=True)
        stdlib = Path(sysconfig.get_path("stdlib")).resolve()
        stdlib = stdlib.relative_to(stdlib.anchor)
        if (cache / stdlib).is_dir():
            shutil.copytree(
                cache / stdlib,
                stdlib_only / stdlib,
                ignore=shutil.ignore_patterns("site-packages", "dist-packages"),
            )
        stdlib_only.mkdir(exist_ok=True)
        env["PYTHONPYCACHEPREFIX"] = str(stdlib_only)
    return env


def start_once(db_path: Path, env: dict[str, str], report: Path) -> Start:
    """One ``python -m jdoffice --db FILE`` until it reports and closes."""
    report.unlink(missing_ok=True)
    command = [sys.executable, "-m", "jdoffice", "--db", str(db_path)]
    spawned = time.time()
    done = subprocess.run(
        command,
        cwd=REPO_ROOT,
        env=env | {ENV_STARTUP_REPORT: str(report)},
        capture_output=True,
        timeout=START_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0 or not report.exists():
        raise RuntimeError(
            f"the desk exited with {done.returncode} without a report:\n"
            + done.stderr.decode(errors="replace")[-2000:]
        )
    doc = json.loads(report.read_text("utf-8"))
    return Start(shown_s=doc["shown"] - spawned, ready_s=doc["ready"] - spawned)


def run_starts(db_path: Path, tmpdir: Path, runs: int, *, bytecode: bool, label: str) -> StartRun:
    env = start_env(tmpdir, bytecode)
    report = tmpdir / "startup.json"
    start_once(db_path, env, report)  # untimed: fills the bytecode cache and the file cache
    return StartRun(label, [start_once(db_path, env, report) for _ in range(runs)])


def print_starts(run: StartRun) -> None:
    print(f"  {run.label} ({len(run.starts)} starts after one untimed)")
    for name, what in (("shown_s", "window shown"), ("ready_s", "school ready")):
        values = run.column(name)
        print(
            f"    {what:<14} min {min(values):6.3f}  median {statistics.median(values):6.3f}  "
            f"max {max(values):6.3f}  (s)"
        )


# --- 2. typing -------------------------------------------------------------------------------


def spin(ms: int) -> None:
    """Run the event loop for ``ms`` milliseconds, as ``app.exec()`` would."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


@dataclass
class Keystroke:
    """One timed final keystroke: when it was pressed, when the search for its text started,
    when the results were on screen."""

    text: str
    pressed: float
    searched: float | None = None
    shown: float | None = None
    painted: float | None = None
    changed: bool = False

    @property
    def done(self) -> bool:
        return self.painted is not None


class DeskProbe(QObject):
    """Watches the main window for the results of the query being timed and for the student
    being opened, and runs the event loop until they are on screen.

    The window resets the results model and then emits ``results_shown(text)`` in one call;
    when the model changed, the results are on screen once the view's viewport has painted
    (the moment the paint event's processing has finished). When the query's results are the
    ones already shown, nothing needs painting and the time ends at ``results_shown``.
    """

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self._resets = 0
        self._resets_seen = 0
        self._waiting_paint = False
        self.current: Keystroke | None = None
        self.student_at: float | None = None
        self._loop: QEventLoop | None = None
        self._done: Callable[[], bool] = lambda: True
        self._limit = QTimer(self)
        self._limit.setSingleShot(True)
        self._limit.timeout.connect(self._wake)
        window.results_model.modelReset.connect(self._reset)
        window.results_shown.connect(self._shown)
        window.student_shown.connect(self._student)
        window.search_started.connect(self._searched)
        window.resultsView.viewport().installEventFilter(self)

    def wait(self, done: Callable[[], bool], limit_ms: int = WAIT_LIMIT_MS) -> bool:
        """Run the event loop until ``done()`` or the limit. The loop sleeps between events
        as ``app.exec()`` does; polling would take the GIL from the worker threads whose
        work is being timed."""
        deadline = time.perf_counter() + limit_ms / 1000
        self._done = done
        while not done():
            left_ms = int((deadline - time.perf_counter()) * 1000)
            if left_ms <= 0:
                return False
            self._loop = QEventLoop()
            self._limit.start(left_ms)
            self._loop.exec()
            self._loop = None
            self._limit.stop()
        return True

    def _wake(self) -> None:
        if self._loop is not None and (self._done() or not self._limit.isActive()):
            self._loop.quit()

    def expect_student(self) -> None:
        self.student_at = None

    def _student(self, _view: object) -> None:
        self.student_at = time.perf_counter()
        self._wake()

    def expect(self, text: str) -> Keystroke:
        self._waiting_paint = False
        self.current = Keystroke(text=text.strip(), pressed=time.perf_counter())
        return self.current

    def _reset(self) -> None:
        self._resets += 1

    def _searched(self, text: str) -> None:
        k = self.current
        if k is not None and k.searched is None and text == k.text:
            k.searched = time.perf_counter()

    def _shown(self, text: str) -> None:
        changed = self._resets != self._resets_seen
        self._resets_seen = self._resets
        k = self.current
        if k is None or k.shown is not None or k.searched is None or text != k.text:
            return
        k.shown = time.perf_counter()
        k.changed = changed
        if changed:
            self._waiting_paint = True
        else:
            k.painted = k.shown
            self._wake()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if self._waiting_paint and event.type() == QEvent.Type.Paint:
            self._waiting_paint = False
            # Runs after this paint event (and the rest of its frame) has been processed.
            QTimer.singleShot(0, self._painted)
        return False

    def _painted(self) -> None:
        if self.current is not None and self.current.painted is None:
            self.current.painted = time.perf_counter()
            self._wake()


@dataclass
class TypingRun:
    raw: Stats
    searched: Stats
    waited: Stats
    #: Only the queries whose results differed from those already on screen (repainted).
    raw_repainted: Stats
    unchanged: int
    lost: int
    open_student: Stats
    rss_mb: dict[str, float] = field(default_factory=dict)


def type_query(window: MainWindow, probe: DeskProbe, text: str, rng: random.Random) -> Keystroke:
    edit = window.searchEdit
    focus = QApplication.focusWidget() or window
    QTest.keyClick(focus, Qt.Key.Key_F2)  # back to the search box, its text selected
    for ch in text[:-1]:
        QTest.keyClicks(edit, ch)
        spin(rng.randint(*KEY_GAP_MS))
    k = probe.expect(text)
    QTest.keyClicks(edit, text[-1])
    probe.wait(lambda: k.done)
    return k


def open_student(window: MainWindow, probe: DeskProbe) -> float | None:
    """Enter on the best hit; ms until the student is on screen (None: nobody found)."""
    if window.results_model.rowCount() == 0:
        return None
    probe.expect_student()
    start = time.perf_counter()
    QTest.keyClick(window.searchEdit, Qt.Key.Key_Return)
    if not probe.wait(lambda: probe.student_at is not None) or probe.student_at is None:
        return None
    return (probe.student_at - start) * 1000.0


def rss_mb() -> dict[str, float]:
    """``VmRSS`` and ``VmHWM`` of this process in MB (Linux), else the peak from getrusage."""
    try:
        lines = Path("/proc/self/status").read_text().splitlines()
    except OSError:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB elsewhere
        return {"peak": peak * scale / 1e6}
    found: dict[str, float] = {}
    for line in lines:
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found["rss" if key == "VmRSS" else "peak"] = int(value.split()[0]) * 1024 / 1e6
    return found


def run_typing(
    db_path: Path, students: int, seed: int, queries: int, opens: int, rng: random.Random
) -> TypingRun:
    rss: dict[str, float] = {"before the window": rss_mb().get("rss", float("nan"))}
    app = application()
    install_translators(app, "da")
    core = App(normalize_url(str(db_path)))
    actor = Actor(staff="bench", desk="bench-1")
    ctx = DeskContext(app=core, school=core.school(None), actor=actor, language="da")
    window = MainWindow(ctx, database=database_label(core.url), actor=actor)
    window.show()
    QTest.qWaitForWindowExposed(window)
    probe = DeskProbe(window)
    spin(300)
    rss["window open"] = rss_mb().get("rss", float("nan"))

    info = demo_school(seed)
    today = dt.datetime.now(UTC).astimezone(ZoneInfo(info.timezone)).date()
    people = sample_students(2000, students, seed, today, rng)
    texts = [t for _, t in build_queries(people, students, TYPING_WARMUP + queries, rng)]
    raw: list[float] = []
    repainted: list[float] = []
    searched: list[float] = []
    waits: list[float] = []
    unchanged = lost = 0
    opened: list[float] = []
    every = max(1, queries // max(opens, 1)) if opens else 0
    try:
        for i, text in enumerate(texts):
            k = type_query(window, probe, text, rng)
            timed = i >= TYPING_WARMUP
            if not k.done or k.searched is None or k.painted is None:
                lost += timed
            elif timed:
                raw.append((k.painted - k.pressed) * 1000.0)
                searched.append((k.painted - k.searched) * 1000.0)
                waits.append((k.searched - k.pressed) * 1000.0)
                unchanged += not k.changed
                if k.changed:
                    repainted.append(raw[-1])
            spin(READ_MS)
            if timed and every and (i - TYPING_WARMUP) % every == 0 and len(opened) < opens:
                ms = open_student(window, probe)
                if ms is not None:
                    opened.append(ms)
                spin(READ_MS)
        rss["after the searches and students"] = rss_mb().get("rss", float("nan"))
    finally:
        window.close()
        spin(50)
        QThreadPool.globalInstance().waitForDone(5000)
        core.dispose()
    rss["peak"] = rss_mb().get("peak", float("nan"))
    return TypingRun(
        raw=summarize(raw),
        searched=summarize(searched),
        waited=summarize(waits),
        raw_repainted=summarize(repainted),
        unchanged=unchanged,
        lost=lost,
        open_student=summarize(opened),
        rss_mb=rss,
    )


# --- main ------------------------------------------------------------------------------------


def _n(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.bench_gui",
        description="Time the desk program's start, typing to results, and its memory.",
    )
    p.add_argument("--students", type=_positive, default=100_000, help="students to seed")
    p.add_argument("--seed", type=int, default=1, help="demo data seed (default 1)")
    p.add_argument(
        "--db",
        metavar="FILE",
        type=Path,
        help="a SQLite file to use (seeded first when it holds no school); it is kept",
    )
    p.add_argument("--keep", action="store_true", help="keep the temporary directory")
    p.add_argument("--json", metavar="FILE", type=Path, help="also write the figures here")
    p.add_argument("--starts", type=_positive, default=7, help="timed starts per round")
    p.add_argument("--queries", type=_positive, default=210, help="timed queries")
    p.add_argument("--opens", type=int, default=50, help="students opened with Enter")
    p.add_argument("--skip-start", action="store_true", help="leave out the cold start")
    p.add_argument("--skip-typing", action="store_true", help="leave out typing and memory")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    tmpdir = Path(tempfile.mkdtemp(prefix="jdoffice-bench-gui-"))
    try:
        return _run(args, tmpdir)
    finally:
        if args.keep:
            print(f"kept {tmpdir}")
        else:
            shutil.rmtree(tmpdir, ignore_errors=True)


def _run(args: argparse.Namespace, tmpdir: Path) -> int:
    rng = random.Random(f"jdoffice-bench-gui:{args.seed}")  # reproducible, not secret
    db_path: Path = (args.db or tmpdir / "bench.sqlite3").resolve()
    print(f"database: {db_path}")
    print(f"seeding {_n(args.students)} students (seed {args.seed}) unless it holds a school ...")
    seed_s = seed_in_child(db_path, args.students, args.seed)
    engine = make_engine(normalize_url(str(db_path)))
    try:
        info = machine(engine)
    finally:
        engine.dispose()
    print(f"database ready in {seed_s:.1f} s")
    qpa = os.environ.get("QT_QPA_PLATFORM") or "the display's"
    info |= {"qt": PySide6.__version__, "qt_platform": qpa}

    figures: list[Figure] = []
    doc: dict[str, Any] = {
        "when": dt.datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": info,
        "students": args.students,
        "seed": args.seed,
    }

    if not args.skip_start:
        print(f"\ncold start: python -m jdoffice --db FILE, Qt platform {qpa}")
        rounds = [
            run_starts(db_path, tmpdir, args.starts, bytecode=True, label="bytecode cached"),
            run_starts(
                db_path, tmpdir, args.starts, bytecode=False, label="no bytecode but the stdlib's"
            ),
        ]
        for r in rounds:
            print_starts(r)
        cached, source = rounds
        target_ms = STARTUP_TARGET_S * 1000

        def median_ms(run: StartRun, name: str) -> float:
            return statistics.median(run.column(name)) * 1000

        figures += [
            Figure("start: window shown (median)", median_ms(cached, "shown_s"), "ms", target_ms),
            Figure("start: school ready (median)", median_ms(cached, "ready_s"), "ms", target_ms),
            Figure("  no bytecode: shown (median)", median_ms(source, "shown_s"), "ms", target_ms),
            Figure("  no bytecode: ready (median)", median_ms(source, "ready_s"), "ms", target_ms),
        ]
        doc["cold_start"] = [r.as_dict() for r in rounds]

    if not args.skip_typing:
        print(
            f"\ntyping: {args.queries} timed queries after {TYPING_WARMUP} untimed, "
            f"{KEY_GAP_MS[0]}-{KEY_GAP_MS[1]} ms between keys, last keystroke timed"
        )
        run = run_typing(db_path, args.students, args.seed, args.queries, args.opens, rng)
        print_stats("raw", run.raw)
        print_stats("waited", run.waited)
        print_stats("searched", run.searched)
        print_stats("raw, repainted", run.raw_repainted)
        print(
            "  raw: keystroke to results painted; waited: keystroke to its search starting "
            "(behind an earlier one); searched: search start to painted"
        )
        print(
            f"  {run.unchanged} queries left the results as they were (nothing to paint), "
            f"{run.lost} never showed results"
        )
        print_stats("open student", run.open_student)
        print("memory (MB):")
        for what, mb in run.rss_mb.items():
            print(f"  {what:<34}{mb:8.1f}")
        figures += [
            Figure("keystroke→painted p50 (raw)", run.raw.p50_ms, "ms"),
            Figure("keystroke→painted p95 (raw)", run.raw.p95_ms, "ms", KEYSTROKE_P95_TARGET_MS),
            Figure("  waited behind a search p95", run.waited.p95_ms, "ms"),
            Figure("  search→painted p95", run.searched.p95_ms, "ms"),
            Figure("Enter→student shown p95", run.open_student.p95_ms, "ms"),
            Figure(
                "RSS after searches+students",
                run.rss_mb.get("after the searches and students", float("nan")),
                "MB",
                RSS_TARGET_MB,
            ),
            Figure("RSS peak", run.rss_mb.get("peak", float("nan")), "MB", RSS_TARGET_MB),
        ]
        doc["typing"] = {
            "queries": args.queries,
            "search_patience_ms": MainWindow.SEARCH_PATIENCE_MS,
            "key_gap_ms": list(KEY_GAP_MS),
            "raw": run.raw.as_dict(),
            "searched": run.searched.as_dict(),
            "waited": run.waited.as_dict(),
            "raw_repainted": run.raw_repainted.as_dict(),
            "unchanged": run.unchanged,
            "lost": run.lost,
            "open_student": run.open_student.as_dict(),
        }
        doc["rss_mb"] = {k: round(v, 1) for k, v in run.rss_mb.items()}

    print_table(figures, info)
    print(f"Qt: PySide6 {info['qt']}, platform {qpa}; Python at {platform.python_version()}")
    if args.json:
        doc["seed_s"] = round(seed_s, 3)
        doc["figures"] = [f.as_dict() for f in figures]
        args.json.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", "utf-8")
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
