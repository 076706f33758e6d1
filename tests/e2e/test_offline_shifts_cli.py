"""A desk cut off from its database signs in, runs its shift and closes it on the command
line, and `sync push` (twice) brings it all to the shared database once: real processes,
the database (PostgreSQL or MariaDB) behind a TCP proxy the test cuts and mends.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from jdoffice.adapters import db
from tests.e2e.conftest import CliResult, assert_ok, assert_refused, run_cli
from tests.e2e.tcp_proxy import TcpProxy

#: The demo school's staff and PINs (jdoffice.domain.demo.DEMO_STAFF).
PINS = {"AD": "9753", "MH": "2468", "RB": "1357", "SL": "8642"}
DESK = "kasse-9"


@dataclass
class Desk:
    url: Any
    engine: Engine
    proxy: TcpProxy
    local_db: Path
    outputs: list[CliResult] = field(default_factory=list)

    def run(self, *args: str, staff: str | None = None, pin: str | None = None) -> CliResult:
        desk_url = self.url.set(host="127.0.0.1", port=self.proxy.port).render_as_string(
            hide_password=False
        )
        env: dict[str, str] = {}
        who: tuple[str, ...] = ()
        if staff is not None:
            env["JDOFFICE_STAFF_PIN"] = pin if pin is not None else PINS[staff]
            who = ("--staff", staff)
        result = run_cli(
            desk_url, "--local-db", str(self.local_db), "--desk", DESK, *who, *args, env=env
        )
        self.outputs.append(result)
        return result

    def ok(self, *args: str, **kw: Any) -> Any:
        return assert_ok(self.run(*args, **kw)).data

    def scalar(self, sql: str) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(text(sql), {"desk": DESK}).scalar()


@pytest.fixture(params=["postgresql", "mariadb"])
def desk(
    request: pytest.FixtureRequest,
    fresh_database_factory: Callable[[str], Any],
    tmp_path: Path,
) -> Iterator[Desk]:
    tdb = fresh_database_factory(request.param)
    assert_ok(run_cli(tdb.url_text, "demo", "--students", "12", "--seed", "5", "--with-staff"))
    engine = db.make_engine(tdb.url)
    try:
        with TcpProxy(tdb.url.host or "127.0.0.1", tdb.url.port or 5432) as proxy:
            yield Desk(tdb.url, engine, proxy, tmp_path / "desk.sqlite3")
    finally:
        engine.dispose()


def students(d: Desk) -> list[str]:
    with d.engine.connect() as conn:
        rows = conn.execute(text("SELECT student_no FROM students ORDER BY student_no")).all()
    return [str(r[0]) for r in rows]


def test_an_offline_desk_opens_pays_and_closes_its_shift_and_two_pushes_bring_it_once(
    desk: Desk,
) -> None:
    d = desk
    assert_ok(d.run("sync", "pull"))
    first, second = students(d)[:2]
    d.proxy.cut()

    # Offline too: refused by a rule is 3, a usage error 2.
    no_shift = d.run("shift", "pay-in", "--amount", "10", "--reason", "Byttepenge", staff="RB")
    assert_refused(no_shift, 3, "no open shift")
    assert d.run("shift", "close", staff="RB").code == 2
    opened = d.run("shift", "open", "--float", "1.000,00", "--json", staff="RB")
    assert_ok(opened)
    assert (opened.data["desk"], opened.data["float_minor"]) == (DESK, 100_000)
    assert "1 shift change wait" in opened.stderr
    cash = d.ok(
        "pay", "--student", first, "--method", "cash", "--amount", "150,25", "--tendered",
        "200", "--allow-credit", "--json", staff="RB",
    )  # fmt: skip
    bank = d.ok(
        "pay", "--student", second, "--method", "bank", "--amount", "200", "--allow-credit",
        "--json", staff="RB",
    )  # fmt: skip
    assert cash["queued"] is True
    assert bank["queued"] is True
    d.ok("shift", "pay-out", "--amount", "45", "--reason", "Kaffe", "--json", staff="RB")
    status = d.ok("shift", "status", "--json")
    assert (status["open"], status["payments"]) == (True, 2)

    closed = d.run("shift", "close", "--counted", "1.095,50", "--json", staff="RB")
    assert_ok(closed)
    z = closed.data
    assert (z["label"], z["expected_minor"], z["variance_minor"]) == ("Z1", 110_550, -1_000)
    assert (z["unsent_payments"], z["unsent_minor"]) == (2, 35_025)
    assert "Warning: 2 payments taken offline" in closed.stderr
    assert d.ok("report", "z", "--json")["label"] == "Z1"
    sync = d.ok("sync", "status", "--json")
    assert (sync["online"], sync["pending"], sync["shift_changes"]) == (False, 2, 3)
    assert_refused(d.run("sync", "push"), 4)
    assert d.scalar("SELECT COUNT(*) FROM shifts WHERE desk = :desk") == 0

    d.proxy.mend()
    pushed = d.ok("sync", "push", "--json")
    again = d.ok("sync", "push", "--json")

    assert len(pushed["pushed"]) == 2
    assert [(c["kind"], c["outcome"]) for c in pushed["shift_changes"]] == [
        ("open", "recorded"),
        ("pay_out", "recorded"),
        ("close", "recorded"),
    ]
    assert (again["pushed"], again["shift_changes"], again["shift_changes_pending"]) == ([], [], 0)
    assert d.scalar("SELECT COUNT(*) FROM shifts WHERE desk = :desk") == 1
    assert d.scalar("SELECT COUNT(*) FROM student_payments WHERE desk = :desk") == 2
    assert d.scalar("SELECT COUNT(*) FROM shift_movements") == 1
    assert d.scalar("SELECT variance_minor FROM shifts WHERE desk = :desk") == -1_000
    assert d.scalar("SELECT z_no FROM shifts WHERE desk = :desk") == 1
    assert d.ok("sync", "status", "--json")["shift_changes"] == 0
    # A PIN as a word of its own anywhere in what was printed (the demo PINs are four
    # digits, which a timestamp's microseconds or a UUID may hold by chance: a UUID's group
    # of four, between hyphens, is a word of its own, so the UUIDs are left out first).
    uuid = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
    for result in d.outputs:
        printed = uuid.sub("<id>", result.stdout + result.stderr)
        for pin in PINS.values():
            alone = re.compile(rf"(?<![0-9A-Za-z]){pin}(?![0-9A-Za-z])")
            assert not alone.search(printed), result.describe()


def test_five_wrong_pins_lock_an_account_on_the_offline_desk_only(desk: Desk) -> None:
    d = desk
    assert_ok(d.run("sync", "pull"))
    d.proxy.cut()
    for _ in range(4):
        wrong = d.run("shift", "open", "--float", "0", staff="SL", pin="0000")
        assert_refused(wrong, 3, "wrong initials or PIN")
    fifth = d.run("shift", "open", "--float", "0", staff="SL", pin="0000")
    assert_refused(fifth, 3, "locked", "5 minutes")
    # The right PIN does not open it before the five minutes are up.
    assert_refused(d.run("shift", "open", "--float", "0", staff="SL"), 3, "locked")
    d.proxy.mend()
    assert d.scalar("SELECT failed_attempts FROM staff WHERE initials = 'SL'") == 0
    assert_ok(d.run("shift", "open", "--float", "0", staff="SL"))


def test_sync_push_says_when_an_offline_close_gets_the_next_z_number(
    desk: Desk, tmp_path: Path
) -> None:
    d = desk
    assert_ok(d.run("sync", "pull"))
    d.proxy.cut()
    d.ok("shift", "open", "--float", "0", "--json", staff="RB")
    assert d.ok("shift", "close", "--counted", "0", "--json", staff="RB")["label"] == "Z1"

    # Another PC named like this desk works on the database directly meanwhile.
    twin = Desk(d.url, d.engine, d.proxy, tmp_path / "twin.sqlite3")
    d.proxy.mend()
    twin.ok("shift", "open", "--float", "0", "--json", staff="MH")
    assert twin.ok("shift", "close", "--counted", "0", "--json", staff="MH")["label"] == "Z1"

    pushed = assert_ok(d.run("sync", "push"))
    assert "Z1 was taken by another desk of the same name; recorded as Z2" in pushed.stdout
    assert d.scalar("SELECT COUNT(*) FROM shifts WHERE desk = :desk") == 2
    assert d.ok("report", "z", "2", "--json")["float_minor"] == 0
