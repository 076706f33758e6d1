"""The desk program's figures: cold start, keystroke to results painted, memory.

Run ``uv run python -m bench.bench_gui [--students 100000] [--json FILE]``.

A fresh SQLite file in a temporary directory is migrated and seeded with the demo school
(``seed_demo``, in a child process so this process's memory stays that of a desk). Qt runs on
the offscreen platform unless a display is set. Then:

1. **Cold start**: ``python -m jdoffice --db FILE`` starts as a fresh process ``--starts``
   times, with ``JDOFFICE_STARTUP_REPORT`` set: the desk writes when its search box was first
   painted holding the keyboard focus (*shown*) and when the school had been read so typing
   finds students (*ready*), then closes. Both count from just before the process is
   spawned. Three rounds: with Python's compiled bytecode cached (every start of an installed
   desk after its first), the first start of a fresh install (the packages' bytecode written
   by the installer, jdoffice's own by this start), and with no bytecode but the standard
   library's (each module compiled from source). The floors take turns with them: ``python
   -c pass`` and a bare Qt window (a line edit holding the focus, until painted).
2. **Keystroke to results painted**: in this process, the main window on the seeded school,
   the way ``jdoffice`` opens it. Queries people type at a desk (those of
   ``bench_foundation``) are typed one character at a time with ``QTest.keyClicks`` at a
   typist's pace, each started with F2 (select the search text, typing replaces it). For the
   last keystroke of each query the time runs until the results model has been reset with
   that query's results and the results view has painted them. The window searches at each
   keystroke with no wait; a key typed while a search runs is searched when that one
   returns. The figure is also split at the moment the final text's search started
   (*waited*: behind an earlier search; *searched*: from then to painted). The floor: right
   after each query, its last key typed into a bare window whose line edit puts the same rows
   in a plain table, until painted.
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
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QTableView, QVBoxLayout, QWidget

import jdoffice
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
from jdoffice.gui import collector
from jdoffice.gui.app import ENV_STARTUP_REPORT, application, install_translators
from jdoffice.gui.context import DeskContext
from jdoffice.gui.views.main_window import MainWindow, database_label

REPO_ROOT = Path(__file__).resolve().parents[1]

#: Start to ready (typing finds students) with every module's bytecode cached, and on the
#: first start of a fresh install (issue 16).
READY_TARGET_MS = 800.0
FRESH_READY_TARGET_MS = 1500.0
#: One frame at 60 Hz (issue 16).
KEYSTROKE_P95_TARGET_MS = 16.0
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


#: The rounds of starts: every module's bytecode cached (every start after the first); the
#: first start of a fresh install (the packages' bytecode written by the installer, jdoffice's
#: own compiled and written by this start); no bytecode but the standard library's.
CACHED, FRESH_INSTALL, SOURCE = "cached", "fresh install", "source"


def start_env(tmpdir: Path, mode: str) -> dict[str, str]:
    """The desk's environment: this one, with Python's bytecode cache in ``tmpdir`` (so the
    checkout and the virtual environment stay as they are) and the desk's settings in an
    empty folder (a developer's own settings never change what is measured).

    ``CACHED``: every module's compiled code is cached there (the first start writes it).
    ``FRESH_INSTALL``: a fresh copy of that cache without jdoffice's own modules, as an
    installer that compiles what it installs leaves it (``uv sync --compile-bytecode``, the
    README's install); the start compiles jdoffice and writes its bytecode. Call it before
    each start. ``SOURCE``: only the standard library's (it always comes compiled): jdoffice
    and the packages it uses are compiled from source at every start. The cached round must
    have run first.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("JDOFFICE_NO_GUI", ENV_STARTUP_REPORT)}
    config = tmpdir / "config"
    config.mkdir(exist_ok=True)
    env["XDG_CONFIG_HOME"] = str(config)
    cache = tmpdir / "pycache"
    if mode == CACHED:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(cache)
    elif mode == FRESH_INSTALL:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        installed = tmpdir / "pycache-installed"
        shutil.rmtree(installed, ignore_errors=True)
        package = Path(jdoffice.__file__).resolve().parent
        own = package.relative_to(package.anchor)
        if cache.is_dir():
            shutil.copytree(
                cache,
                installed,
                ignore=lambda folder, _names: (
                    [own.name] if Path(folder) == (cache / own).parent else []
                ),
            )
        installed.mkdir(exist_ok=True)
        env["PYTHONPYCACHEPREFIX"] = str(installed)
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


#: The floor of a start: a bare Qt window (a line edit holding the focus, Fusion) that
#: reports, as the desk does, when its line edit was painted with the focus, then closes.
BARE_WINDOW = """
import json, os, sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLineEdit, QMainWindow
app = QApplication(sys.argv[:1])
app.setStyle("Fusion")
window = QMainWindow()
edit = QLineEdit(window)
window.setCentralWidget(edit)
class Shown(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and QApplication.focusWidget() is edit:
            edit.removeEventFilter(self)
            now = time.time()
            with open(os.environ["JDOFFICE_STARTUP_REPORT"], "w") as f:
                json.dump({"shown": now, "ready": now}, f)
            QTimer.singleShot(0, window.close)
        return False
shown = Shown()
edit.installEventFilter(shown)
edit.setFocus()
window.resize(1024, 700)
window.show()
app.exec()
"""


def spawn_reporting(command: list[str], env: dict[str, str], report: Path) -> Start:
    """Run ``command`` until it writes its start-up report (``ENV_STARTUP_REPORT``) and exits;
    its moments count from just before the spawn."""
    report.unlink(missing_ok=True)
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
            f"the process exited with {done.returncode} without a report:\n"
            + done.stderr.decode(errors="replace")[-2000:]
        )
    doc = json.loads(report.read_text("utf-8"))
    return Start(shown_s=doc["shown"] - spawned, ready_s=doc["ready"] - spawned)


def run_starts(db_path: Path, tmpdir: Path, runs: int) -> list[StartRun]:
    """The desk's starts in each round, and the floors of a start, ``runs`` times each after
    one untimed (it fills the bytecode cache and the file cache).

    The rounds take turns, one start of each per pass, so a machine shared with other work
    loads them alike: the ratios hold where the absolute figures move with the load. The
    floors have every module's bytecode cached, as the cached round: ``python -c pass``
    (until it has exited) and :data:`BARE_WINDOW` (until its line edit is painted).
    """
    report = tmpdir / "startup.json"
    desk = [sys.executable, "-m", "jdoffice", "--db", str(db_path)]
    bare = [sys.executable, "-c", BARE_WINDOW]

    def python_pass() -> Start:
        env = start_env(tmpdir, CACHED)
        spawned = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], env=env, check=True, timeout=60)
        took = time.perf_counter() - spawned
        return Start(shown_s=took, ready_s=took)

    # A fresh install's cache is made again before each start (the start writes to it), so
    # each environment is made just before its start.
    kinds: list[tuple[str, Callable[[], Start]]] = [
        ("bytecode cached", lambda: spawn_reporting(desk, start_env(tmpdir, CACHED), report)),
        (
            "first start of a fresh install",
            lambda: spawn_reporting(desk, start_env(tmpdir, FRESH_INSTALL), report),
        ),
        (
            "no bytecode but the stdlib's",
            lambda: spawn_reporting(desk, start_env(tmpdir, SOURCE), report),
        ),
        ("floor: python -c pass", python_pass),
        (
            "floor: a bare Qt window",
            lambda: spawn_reporting(bare, start_env(tmpdir, CACHED), report),
        ),
    ]
    for _, start in kinds:
        start()  # untimed
    timed: dict[str, list[Start]] = {label: [] for label, _ in kinds}
    for _ in range(runs):
        for label, start in kinds:
            timed[label].append(start())
    return [StartRun(label, starts) for label, starts in timed.items()]


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


class BarePaint(QObject):
    """The floor of a keystroke: a bare window of a line edit and a table the size of the
    desk's results, on a ``QStandardItemModel``. The last key of a query goes to the line
    edit; its ``textChanged`` puts the rows the desk found for that query in the model (no
    search, no thread, no model code of jdoffice's) and the time runs until the table has
    painted them, measured as the desk's figure is. Typed right after each desk query, so
    both see the same load."""

    def __init__(self, like: MainWindow) -> None:
        super().__init__()
        self.window = QWidget()
        self.window.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.edit = QLineEdit(self.window)
        self.edit.setFont(like.searchEdit.font())
        self.model = QStandardItemModel(0, like.results_model.columnCount(), self.window)
        self.view = QTableView(self.window)
        self.view.setModel(self.model)
        self.view.setFixedSize(like.resultsView.size())
        layout = QVBoxLayout(self.window)
        layout.addWidget(self.edit)
        layout.addWidget(self.view)
        self.rows: list[list[str]] = []
        self._armed = False
        self._waiting = False
        self.painted: float | None = None
        self._loop: QEventLoop | None = None
        self.edit.textChanged.connect(self._typed)
        self.view.viewport().installEventFilter(self)
        self.window.show()
        QTest.qWaitForWindowExposed(self.window)

    def _typed(self, _text: str) -> None:
        if not self._armed:
            return
        self._armed = False
        self.model.setRowCount(0)
        for row in self.rows:
            self.model.appendRow([QStandardItem(text) for text in row])
        self._waiting = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if self._waiting and event.type() == QEvent.Type.Paint:
            self._waiting = False
            QTimer.singleShot(0, self._done)
        return False

    def _done(self) -> None:
        self.painted = time.perf_counter()
        if self._loop is not None:
            self._loop.quit()

    def keystroke(self, text: str, rows: list[list[str]]) -> float | None:
        """ms from the last key of ``text`` to ``rows`` painted (None: never painted)."""
        self.model.setRowCount(0)
        self.edit.setText(text[:-1])
        spin(30)
        self.rows, self._armed, self.painted = rows, True, None
        pressed = time.perf_counter()
        QTest.keyClicks(self.edit, text[-1])
        deadline = pressed + WAIT_LIMIT_MS / 1000
        while self.painted is None and time.perf_counter() < deadline:
            self._loop = QEventLoop()
            QTimer.singleShot(max(1, int((deadline - time.perf_counter()) * 1000)), self._loop.quit)
            self._loop.exec()
            self._loop = None
        self._armed = self._waiting = False
        return None if self.painted is None else (self.painted - pressed) * 1000.0

    def close(self) -> None:
        self.window.close()


def shown_rows(window: MainWindow) -> list[list[str]]:
    """The results on screen, as text."""
    model = window.results_model
    return [
        [str(model.index(r, c).data()) for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


@dataclass
class TypingRun:
    raw: Stats
    searched: Stats
    waited: Stats
    #: Only the queries whose results differed from those already on screen (repainted).
    raw_repainted: Stats
    #: The floor: the same final keystrokes in a bare window, the same rows painted.
    floor: Stats
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
    bare = BarePaint(window)
    window.activateWindow()
    window.searchEdit.setFocus()
    spin(300)
    # As launch() does once the window is up and the school read: what was loaded stays out
    # of the cycle collector's reach.
    collector.settle()
    rss["window open"] = rss_mb().get("rss", float("nan"))

    info = demo_school(seed)
    today = dt.datetime.now(UTC).astimezone(ZoneInfo(info.timezone)).date()
    people = sample_students(2000, students, seed, today, rng)
    texts = [t for _, t in build_queries(people, students, TYPING_WARMUP + queries, rng)]
    raw: list[float] = []
    repainted: list[float] = []
    searched: list[float] = []
    waits: list[float] = []
    floor: list[float] = []
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
            if timed and k.done and len(text) > 0:
                ms = bare.keystroke(text, shown_rows(window))
                if ms is not None:
                    floor.append(ms)
            if timed and every and (i - TYPING_WARMUP) % every == 0 and len(opened) < opens:
                ms = open_student(window, probe)
                if ms is not None:
                    opened.append(ms)
                spin(READ_MS)
        rss["after the searches and students"] = rss_mb().get("rss", float("nan"))
    finally:
        bare.close()
        window.close()
        spin(50)
        QThreadPool.globalInstance().waitForDone(5000)
        core.dispose()
        collector.unsettle()
    rss["peak"] = rss_mb().get("peak", float("nan"))
    return TypingRun(
        raw=summarize(raw),
        searched=summarize(searched),
        waited=summarize(waits),
        raw_repainted=summarize(repainted),
        floor=summarize(floor),
        unchanged=unchanged,
        lost=lost,
        open_student=summarize(opened),
        rss_mb=rss,
    )


# --- main ------------------------------------------------------------------------------------


def load_average() -> list[float] | None:
    """The machine's load average (1, 5, 15 minutes), where the system gives it."""
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None


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
        "load_average_at_start": load_average(),
        "seed": args.seed,
    }

    if not args.skip_start:
        print(f"\ncold start: python -m jdoffice --db FILE, Qt platform {qpa}")
        rounds = run_starts(db_path, tmpdir, args.starts)
        cached, fresh, source, python_pass, bare_window = rounds
        for r in rounds:
            print_starts(r)

        def median_ms(run: StartRun, name: str) -> float:
            return statistics.median(run.column(name)) * 1000

        floor_ms = median_ms(bare_window, "shown_s")
        figures += [
            Figure("start: window shown (median)", median_ms(cached, "shown_s"), "ms"),
            Figure(
                "start: school ready (median)", median_ms(cached, "ready_s"), "ms", READY_TARGET_MS
            ),
            Figure("  floor: python -c pass", median_ms(python_pass, "ready_s"), "ms"),
            Figure("  floor: bare Qt window shown", floor_ms, "ms"),
            Figure("  ready ÷ bare window", median_ms(cached, "ready_s") / floor_ms, "×"),
            Figure("fresh install: shown (median)", median_ms(fresh, "shown_s"), "ms"),
            Figure(
                "fresh install: ready (median)",
                median_ms(fresh, "ready_s"),
                "ms",
                FRESH_READY_TARGET_MS,
            ),
            Figure("  no bytecode: shown (median)", median_ms(source, "shown_s"), "ms"),
            Figure("  no bytecode: ready (median)", median_ms(source, "ready_s"), "ms"),
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
        print_stats("floor: bare paint", run.floor)
        print(
            "  raw: keystroke to results painted; waited: keystroke to its search starting "
            "(behind an earlier one); searched: search start to painted; floor: the same last "
            "key in a bare window whose line edit fills a plain table with the same rows"
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
            Figure("  floor: bare paint p95", run.floor.p95_ms, "ms"),
            Figure("  raw p95 ÷ floor p95", run.raw.p95_ms / run.floor.p95_ms, "×"),
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
            "floor": run.floor.as_dict(),
            "unchanged": run.unchanged,
            "lost": run.lost,
            "open_student": run.open_student.as_dict(),
        }
        doc["rss_mb"] = {k: round(v, 1) for k, v in run.rss_mb.items()}

    doc["load_average_at_end"] = load_average()
    print_table(figures, info)
    print(
        f"load average (1, 5, 15 min): {doc['load_average_at_start']} at the start, "
        f"{doc['load_average_at_end']} at the end; the floors ran beside the figures"
    )
    print(f"Qt: PySide6 {info['qt']}, platform {qpa}; Python at {platform.python_version()}")
    if args.json:
        doc["seed_s"] = round(seed_s, 3)
        doc["figures"] = [f.as_dict() for f in figures]
        args.json.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", "utf-8")
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
