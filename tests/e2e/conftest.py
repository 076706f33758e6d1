"""End-to-end helpers: the command line run as a real process, a demo school per backend, and
a snapshot of the money tables to prove that a refused command changed nothing.

Every wait here is bounded: a process that hangs fails its test instead of the whole run.
"""

from __future__ import annotations

import getpass
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from sqlalchemy import Engine, text

from jdoffice.adapters import db
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.model import School
from jdoffice.services import queries
from tests.conftest import BACKENDS, SchoolKit, TestDatabase

REPO_ROOT = Path(__file__).resolve().parents[2]
PYCACHE = Path(tempfile.gettempdir()) / f"jdoffice-e2e-pycache-{getpass.getuser()}"

#: Longest a single command may take before its test fails (a cold PostgreSQL/MariaDB
#: connection plus Python start-up stays far below this).
CLI_TIMEOUT = 90.0

#: How many command-line processes run at once when a test starts a batch of them.
PARALLEL_PROCESSES = 4

DEMO_STUDENTS = 30
DEMO_SEED = 7


class CliResult(NamedTuple):
    """What one run of ``python -m jdoffice`` gave back."""

    code: int
    stdout: str
    stderr: str
    data: Any
    """The parsed ``--json`` output (``None`` without ``--json`` or when the command failed)."""

    args: tuple[str, ...] = ()

    def describe(self) -> str:
        return (
            f"jdoffice {' '.join(self.args)}\n-> exit {self.code}\n"
            f"stdout: {self.stdout[-2000:]!r}\nstderr: {self.stderr[-2000:]!r}"
        )


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a child process: this one, minus anything that would pick another
    database, plus UTF-8 pipes so Danish letters survive."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in (db.ENV_DATABASE_URL, "PYTHONDONTWRITEBYTECODE")
    }
    # Without cached bytecode every child compiles SQLAlchemy and Alembic from source again,
    # about a second per process on a slow runner; cache it outside the source tree instead.
    env.setdefault("PYTHONPYCACHEPREFIX", str(PYCACHE))
    env["PYTHONUTF8"] = "1"
    # These tests drive the command line; without this, `jdoffice --demo` opens the window
    # whenever a display (or the GUI tests' QT_QPA_PLATFORM=offscreen) is around.
    env["JDOFFICE_NO_GUI"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    # The child runs from the repository root, so ``tests`` and ``jdoffice`` import from here.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    if extra:
        env.update(extra)
    return env


def run_cli(
    url: str | None,
    *args: str,
    env: Mapping[str, str] | None = None,
    timeout: float = CLI_TIMEOUT,
) -> CliResult:
    """Run ``python -m jdoffice [--db URL] ARGS`` and wait for it (at most ``timeout``)."""
    argv = (*(("--db", url) if url is not None else ()), *args)
    proc = subprocess.run(
        [sys.executable, "-m", "jdoffice", *argv],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        cwd=REPO_ROOT,
        env=child_env(env),
        check=False,
    )
    data: Any = None
    if "--json" in args and proc.returncode == 0:
        try:
            data = json.loads(proc.stdout)
        except json.JSONDecodeError as exc:
            raise AssertionError(f"--json printed something that is not JSON: {exc}") from exc
    return CliResult(proc.returncode, proc.stdout, proc.stderr, data, argv)


def run_cli_many(url: str | None, calls: Sequence[Sequence[str]]) -> list[CliResult]:
    """Run several independent commands side by side; results come back in call order."""
    with ThreadPoolExecutor(max_workers=PARALLEL_PROCESSES) as pool:
        return list(pool.map(lambda args: run_cli(url, *args), calls))


def plain(text: str) -> str:
    """Text with Babel's no-break spaces (``850,25\u00a0kr.``) made ordinary spaces."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def assert_ok(result: CliResult) -> CliResult:
    assert result.code == 0, result.describe()
    assert "Traceback" not in result.stderr, result.describe()
    return result


def assert_refused(result: CliResult, code: int, *fragments: str) -> None:
    """The command failed with ``code`` and said why in exactly one ``jdoffice:`` line."""
    assert result.code == code, result.describe()
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.describe()
    assert lines[0].startswith("jdoffice: "), result.describe()
    assert "Traceback" not in result.stderr, result.describe()
    for fragment in fragments:
        assert fragment.lower() in lines[0].lower(), result.describe()


def wait_until(
    condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.02
) -> None:
    """Poll ``condition`` until it holds; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


# --- the money tables ------------------------------------------------------------------------

#: The tables a payment or refund writes, with the columns whose sums a change would move.
MONEY_TABLES: dict[str, tuple[str, ...]] = {
    "student_payments": ("amount_minor", "refunded_minor", "rounding_minor"),
    "student_refunds": ("amount_minor", "rounding_minor"),
    "student_payment_allocations": ("amount_minor",),
    "receipts": ("receipt_no", "copies_printed"),
    "receipt_counters": ("last_no",),
    "student_balances": ("balance_minor",),
    "student_invoices": ("amount_minor", "paid_minor"),
    "audit_log": ("id",),
}


def money_snapshot(engine: Engine) -> dict[str, tuple[int, ...]]:
    """Row count and column sums of every money table, read in one fresh transaction."""
    out: dict[str, tuple[int, ...]] = {}
    with engine.connect() as conn:
        for table, columns in MONEY_TABLES.items():
            sums = ", ".join(f"COALESCE(SUM({c}), 0)" for c in columns)
            row = conn.execute(text(f"SELECT COUNT(*), {sums} FROM {table}")).one()
            out[table] = tuple(int(v) for v in row)
    return out


def assert_balance_recomputes(engine: Engine, student_id: int) -> int:
    """The cached balance equals its recomputation from the rows; returns it."""
    cached, recomputed = queries.recompute_balance(SqlAlchemyUnitOfWork(engine), student_id)
    assert cached == recomputed, f"student {student_id}: cached {cached} != rows {recomputed}"
    return cached


def receipt_numbers(engine: Engine, school_id: int) -> tuple[list[int], int]:
    """All receipt numbers of a school in order, and its counter."""
    with engine.connect() as conn:
        numbers = [
            int(n)
            for (n,) in conn.execute(
                text("SELECT receipt_no FROM receipts WHERE school_id = :s ORDER BY receipt_no"),
                {"s": school_id},
            )
        ]
        counter = conn.execute(
            text("SELECT last_no FROM receipt_counters WHERE school_id = :s"), {"s": school_id}
        ).scalar()
    return numbers, int(counter or 0)


def assert_receipts_gap_free(engine: Engine, school_id: int) -> list[int]:
    numbers, counter = receipt_numbers(engine, school_id)
    assert numbers == list(range(1, len(numbers) + 1)), f"receipt numbers {numbers}"
    assert counter == len(numbers), f"counter {counter} for {len(numbers)} receipts"
    return numbers


# --- a demo school per backend ---------------------------------------------------------------


@dataclass
class DemoDatabase:
    """A database seeded by ``jdoffice demo`` in a real process, shared by the run's tests.

    Tests add their own students and invoices (through :attr:`kit`) when they need a known
    state, so they do not depend on each other's payments.
    """

    backend: str
    url: str
    engine: Engine
    school: School
    seed_result: CliResult
    kit: SchoolKit = field(init=False)

    def __post_init__(self) -> None:
        self.kit = SchoolKit(self.engine, self.school, "e2e-")


def seed_demo_database(tdb: TestDatabase) -> tuple[CliResult, str]:
    url = tdb.url_text
    result = run_cli(
        url, "demo", "--students", str(DEMO_STUDENTS), "--seed", str(DEMO_SEED), "--json"
    )
    assert_ok(result)
    return result, url


@pytest.fixture(scope="session", params=BACKENDS)
def demo_db(
    request: pytest.FixtureRequest, fresh_database_factory: Callable[[str], TestDatabase]
) -> Iterator[DemoDatabase]:
    """A fresh database per backend, seeded once by ``jdoffice demo --students 30 --seed 7``."""
    tdb = fresh_database_factory(request.param)
    result, url = seed_demo_database(tdb)
    engine = db.make_engine(tdb.url)
    try:
        school = queries.resolve_school(SqlAlchemyUnitOfWork(engine), None)
        yield DemoDatabase(request.param, url, engine, school, result)
    finally:
        engine.dispose()


# --- child processes -------------------------------------------------------------------------


def start_python(code: str, *args: str) -> subprocess.Popen[str]:
    """Start ``python -c CODE ARGS`` from the repository root, its output piped back."""
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        cwd=REPO_ROOT,
        env=child_env(),
    )


def finish(proc: subprocess.Popen[str], timeout: float = CLI_TIMEOUT) -> tuple[int, str, str]:
    """Wait (bounded) for a child; a child that overstays is killed and fails the test."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate(timeout=10)
        raise AssertionError(f"child did not finish in {timeout:.0f} s:\n{err[-3000:]}") from None
    return proc.returncode, out, err


def stop(proc: subprocess.Popen[str]) -> None:
    """Kill a child that is still running and release its pipes (idempotent)."""
    if proc.poll() is None:
        proc.kill()
        proc.wait(10)
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


def connection_alive(engine: Engine, backend: str, connection_id: int) -> bool:
    """Whether the server still has the session ``connection_id`` (a backend pid on
    PostgreSQL, a thread id on MariaDB). A killed client's session ends, and its open
    transaction is rolled back, once the server notices the closed socket."""
    with engine.connect() as conn:
        if backend == "postgresql":
            sql = "SELECT COUNT(*) FROM pg_stat_activity WHERE pid = :id"
        elif backend == "mariadb":
            sql = "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = :id"
        else:
            return False
        return bool(conn.execute(text(sql), {"id": connection_id}).scalar())
