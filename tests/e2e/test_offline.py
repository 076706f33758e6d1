"""A desk cut off from its PostgreSQL database loses nothing: the command line as processes,
the database behind a TCP proxy the test cuts and mends.

The desk pulls its local copy, the line is cut, payments are taken (queued, exit 0), one desk
process is killed with SIGKILL while it writes to its outbox and another right after the
outbox commit, the line is mended, and ``sync push`` (twice) must bring exactly the committed
payments to the shared database, once each, with balances that recompute and receipts that
neither repeat nor leave gaps.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unittest import mock

import pytest
from sqlalchemy import Engine, text

from jdoffice.adapters import db
from jdoffice.adapters.local_store import SqlOutbox
from tests.e2e.conftest import (
    DEMO_SEED,
    DEMO_STUDENTS,
    assert_balance_recomputes,
    assert_ok,
    assert_receipts_gap_free,
    finish,
    run_cli,
    start_python,
    stop,
    wait_until,
)
from tests.e2e.tcp_proxy import TcpProxy

if TYPE_CHECKING:
    # For annotations only: pytest would try to collect a ``Test*`` class.
    from tests.conftest import TestDatabase

HOLD_SECONDS = 120.0
NOT_KILLED = 17
DESK = "import sys; from tests.e2e.test_offline import dying_desk; dying_desk(sys.argv[1])"


def dying_desk(spec_file: str) -> None:
    """In a child process: run ``jdoffice ARGV`` and stop dead at the pause point."""
    spec = json.loads(Path(spec_file).read_text(encoding="utf-8"))
    marker = Path(spec["marker"])

    def hold() -> None:
        staged = marker.with_suffix(".tmp")
        staged.write_text("paused", encoding="utf-8")
        os.replace(staged, marker)
        time.sleep(HOLD_SECONDS)
        print("the test did not kill this desk", file=sys.stderr)
        os._exit(NOT_KILLED)

    from jdoffice import cli
    from jdoffice.cli import payments as cli_payments

    patch: Any
    if spec["point"] == "outbox_written":
        # Inside the local transaction: outbox row, local payment and balance written, not
        # yet committed.
        add = SqlOutbox.add

        def paused_add(self: SqlOutbox, entry: Any) -> None:
            add(self, entry)
            hold()

        patch = mock.patch.object(SqlOutbox, "add", paused_add)
    else:
        # Committed to the outbox; the receipt is not printed yet.
        def paused_echo(*_args: object) -> None:
            hold()

        patch = mock.patch.object(cli_payments, "_echo_queued", paused_echo)
    with patch:
        cli.main(spec["argv"])
    os._exit(NOT_KILLED)


@dataclass
class Line:
    """The shared database (direct, for checks) and the desk's line to it (via the proxy)."""

    database: TestDatabase
    engine: Engine
    proxy: TcpProxy
    local_db: Path

    @property
    def desk_url(self) -> str:
        return self.database.url.set(host="127.0.0.1", port=self.proxy.port).render_as_string(
            hide_password=False
        )

    def desk(self, *args: str) -> Any:
        return run_cli(self.desk_url, "--local-db", str(self.local_db), "--desk", "kasse", *args)

    def argv(self, *args: str) -> list[str]:
        return ["--db", self.desk_url, "--local-db", str(self.local_db), "--desk", "kasse", *args]


@pytest.fixture
def line(fresh_database_factory: Callable[[str], TestDatabase], tmp_path: Path) -> Iterator[Line]:
    tdb = fresh_database_factory("postgresql")
    assert_ok(
        run_cli(
            tdb.url_text,
            "demo",
            "--students",
            str(DEMO_STUDENTS),
            "--seed",
            str(DEMO_SEED),
            "--json",
        )
    )
    engine = db.make_engine(tdb.url)
    try:
        with TcpProxy(tdb.url.host or "127.0.0.1", tdb.url.port or 5432) as proxy:
            yield Line(tdb, engine, proxy, tmp_path / "desk-local.sqlite3")
    finally:
        engine.dispose()


def open_invoices(engine: Engine, n: int) -> list[tuple[str, int, int]]:
    """``(invoice_no, outstanding, student_id)`` of ``n`` open invoices of different students."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT invoice_no, amount_minor - paid_minor, student_id FROM student_invoices "
                "WHERE cancelled_at IS NULL AND paid_minor < amount_minor ORDER BY id"
            )
        ).all()
    seen: set[int] = set()
    out = []
    for no, owed, sid in rows:
        if sid not in seen:
            seen.add(sid)
            out.append((str(no), int(owed), int(sid)))
    assert len(out) >= n, f"the demo school has only {len(out)} students with open invoices"
    return out[:n]


def text_amount(minor: int) -> str:
    return f"{minor // 100},{minor % 100:02d}"


def kill_while_queueing(line: Line, tmp_path: Path, point: str, argv: list[str]) -> None:
    marker = tmp_path / f"paused-{point}"
    spec = tmp_path / f"desk-{point}.json"
    spec.write_text(
        json.dumps({"argv": argv, "marker": str(marker), "point": point}), encoding="utf-8"
    )
    proc = start_python(DESK, str(spec))
    try:

        def paused() -> bool:
            if proc.poll() is not None:
                _, out, err = finish(proc)
                raise AssertionError(f"the desk ended before {point}:\n{out[-2000:]}{err[-3000:]}")
            return marker.exists()

        wait_until(paused, 90, f"the desk to pause at {point}")
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        stop(proc)
    assert proc.returncode == -signal.SIGKILL


def shared_payments(engine: Engine) -> dict[str, tuple[int, int, str]]:
    """Payments taken at this desk: ``id -> (amount, receipt_no, offline_receipt_no)``."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, amount_minor, receipt_no, offline_receipt_no FROM student_payments "
                "WHERE desk = 'kasse'"
            )
        ).all()
    return {str(r[0]): (int(r[1]), int(r[2]), str(r[3] or "")) for r in rows}


def test_payments_taken_offline_arrive_exactly_once_after_a_kill_and_a_reconnect(
    line: Line, tmp_path: Path
) -> None:
    pulled = assert_ok(line.desk("sync", "pull", "--json")).data
    assert pulled["full"] is True
    assert pulled["students"] == DEMO_STUDENTS
    targets = open_invoices(line.engine, 6)

    line.proxy.cut()

    status = assert_ok(line.desk("sync", "status", "--json")).data
    assert status == {
        "online": False,
        "pending": 0,
        "shift_changes": 0,
        "last_pull_at": pulled["last_pull_at"],
    }
    found = assert_ok(line.desk("search", "S000000", "--json"))
    assert found.data, found.describe()
    assert "local copy" in found.stderr
    methods = ("cash", "bank", "mobilepay", "cash")
    expected: dict[str, int] = {}
    offline_numbers = []
    for (invoice_no, owed, _sid), method in zip(targets[:4], methods, strict=True):
        key = str(uuid.uuid4())
        extra = ("--tendered", text_amount((owed // 10000 + 1) * 10000)) if method == "cash" else ()
        r = assert_ok(
            line.desk(
                "pay",
                "--invoice",
                invoice_no,
                "--method",
                method,
                "--amount",
                text_amount(owed),
                *extra,
                "--key",
                key,
                "--json",
            )
        )
        assert r.data["queued"] is True, r.describe()
        assert r.data["receipt_no"] is None
        assert r.data["payment_id"] == key
        expected[key] = owed
        offline_numbers.append(r.data["offline_receipt_no"])
    assert len(set(offline_numbers)) == 4
    assert all(n.startswith("kasse-") and "-O00000" in n for n in offline_numbers)
    # The same command again (a retry after a timeout, say) is the same payment.
    again = assert_ok(
        line.desk(
            "pay",
            "--invoice",
            targets[1][0],
            "--method",
            "bank",
            "--amount",
            text_amount(targets[1][1]),
            "--key",
            list(expected)[1],
            "--json",
        )
    )
    assert again.data["replayed"] is True

    # One desk dies while it writes to its outbox, another right after the outbox commit.
    lost_key, kept_key = str(uuid.uuid4()), str(uuid.uuid4())
    inv_lost, owed_lost, _ = targets[4]
    inv_kept, owed_kept, _ = targets[5]
    kill_while_queueing(
        line,
        tmp_path,
        "outbox_written",
        line.argv(
            "pay",
            "--invoice",
            inv_lost,
            "--method",
            "bank",
            "--amount",
            text_amount(owed_lost),
            "--key",
            lost_key,
            "--json",
        ),
    )
    kill_while_queueing(
        line,
        tmp_path,
        "outbox_committed",
        line.argv(
            "pay",
            "--invoice",
            inv_kept,
            "--method",
            "mobilepay",
            "--amount",
            text_amount(owed_kept),
            "--key",
            kept_key,
            "--json",
        ),
    )
    expected[kept_key] = owed_kept

    waiting = assert_ok(line.desk("sync", "status", "--json")).data
    assert waiting["online"] is False
    assert waiting["pending"] == 5
    assert line.desk("sync", "push", "--json").code == 4
    assert shared_payments(line.engine) == {}

    line.proxy.mend()

    pushed = assert_ok(line.desk("sync", "push", "--json")).data
    assert sorted(p["payment_id"] for p in pushed["pushed"]) == sorted(expected)
    assert {p["outcome"] for p in pushed["pushed"]} == {"recorded"}
    assert pushed["failed"] == []
    assert pushed["pending"] == 0
    second = assert_ok(line.desk("sync", "push", "--json")).data
    assert second["pushed"] == []

    on_shared = shared_payments(line.engine)
    assert {k: v[0] for k, v in on_shared.items()} == expected
    assert lost_key not in on_shared
    assert sorted(v[2] for v in on_shared.values() if v[2] != "")[:4] == sorted(offline_numbers)
    assert len({v[2] for v in on_shared.values()}) == len(expected)
    school_id = _school_id(line.engine)
    assert sorted(v[1] for v in on_shared.values()) == assert_receipts_gap_free(
        line.engine, school_id
    )
    for _no, _owed, sid in targets:
        assert_balance_recomputes(line.engine, sid)
    status = assert_ok(line.desk("sync", "status", "--json")).data
    assert status["online"] is True
    assert status["pending"] == 0


def _school_id(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT id FROM schools")).scalar_one())
