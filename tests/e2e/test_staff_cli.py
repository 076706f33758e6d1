"""Who is at the desk and the cash-up on the command line, as real processes on every backend
(issue 14): the demo school's staff sign in with --staff and a PIN from the environment; the
cash-up scenario (a float of 1.000,00 kr., two cash payments, one with rounding, a bank
payment, a cash refund approved by a manager, a pay-out of 45,00 kr., a close 10,00 kr.
short) and its Z-report and KOPI reprint; two desks on one database keep their own shifts; a
lock after five wrong PINs; and a PIN found nowhere but as its hash.
"""

from __future__ import annotations

import re
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, select, text

from jdoffice.adapters import db
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.model import School
from jdoffice.services import queries
from tests.conftest import BACKENDS
from tests.e2e.conftest import (
    CLI_TIMEOUT,
    REPO_ROOT,
    CliResult,
    assert_ok,
    assert_refused,
    child_env,
    plain,
    run_cli,
)

#: The demo school's staff and PINs (jdoffice.domain.demo.DEMO_STAFF).
ADMIN, MANAGER, RECEPTION, RECEPTION_2 = "AD", "MH", "RB", "SL"
PINS = {"AD": "9753", "MH": "2468", "RB": "1357", "SL": "8642"}
DESK_1, DESK_2 = "kasse-1", "kasse-2"


@dataclass
class Office:
    """A fresh demo school with its staff, and every command's output kept for the PIN scan."""

    backend: str
    url: str
    engine: Engine
    school: School
    tmp: Path
    outputs: list[CliResult] = field(default_factory=list)

    def run(
        self,
        *args: str,
        staff: str | None = None,
        desk: str = DESK_1,
        pin: str | None = None,
        approver_pin: str | None = None,
        new_pin: str | None = None,
    ) -> CliResult:
        env: dict[str, str] = {"JDOFFICE_LOCAL_DB": str(self.tmp / f"local-{desk}.sqlite3")}
        if staff is not None:
            env["JDOFFICE_STAFF_PIN"] = pin if pin is not None else PINS[staff]
        if approver_pin is not None:
            env["JDOFFICE_APPROVER_PIN"] = approver_pin
        if new_pin is not None:
            env["JDOFFICE_NEW_STAFF_PIN"] = new_pin
        who = ("--staff", staff) if staff is not None else ()
        result = run_cli(self.url, "-v", "--desk", desk, *who, *args, env=env)
        self.outputs.append(result)
        return result

    def ok(self, *args: str, **kw: Any) -> Any:
        return assert_ok(self.run(*args, **kw)).data

    def student_no(self, index: int) -> str:
        uow = SqlAlchemyUnitOfWork(self.engine)
        hits = queries.search_students(uow, self.school, "S0000", limit=50)
        return sorted(h.student_no for h in hits)[index]


@pytest.fixture(params=BACKENDS)
def office(
    request: pytest.FixtureRequest,
    fresh_database_factory: Callable[[str], Any],
    tmp_path: Path,
) -> Iterator[Office]:
    tdb = fresh_database_factory(request.param)
    url = tdb.url_text
    seeded = assert_ok(run_cli(url, "demo", "--students", "12", "--seed", "3", "--with-staff"))
    assert "MH   2468  manager" in seeded.stderr, seeded.describe()
    engine = db.make_engine(tdb.url)
    try:
        school = queries.resolve_school(SqlAlchemyUnitOfWork(engine), None)
        yield Office(request.param, url, engine, school, tmp_path)
    finally:
        engine.dispose()


def _pay(o: Office, method: str, amount: str, student: str, **kw: Any) -> dict[str, Any]:
    args = ["pay", "--student", student, "--method", method, "--amount", amount]
    data: dict[str, Any] = o.ok(*args, "--allow-credit", "--json", staff=RECEPTION, **kw)
    return data


def test_the_cash_up_of_a_shift_on_the_command_line(office: Office) -> None:
    o = office
    student = o.student_no(0)

    # Cash needs an open shift on the desk; a bank payment does not.
    refused = o.run(
        "pay", "--student", student, "--method", "cash", "--amount", "10", staff=RECEPTION
    )
    assert_refused(refused, 3, f"no open shift on desk {DESK_1}")
    # Nobody signed in: refused once the school has staff.
    anonymous = o.run("pay", "--student", student, "--method", "bank", "--amount", "10")
    assert_refused(anonymous, 3, "sign in", "--staff")

    opened = o.ok("shift", "open", "--float", "1.000,00", "--json", staff=RECEPTION)
    assert (opened["desk"], opened["float_minor"], opened["open"]) == (DESK_1, 100_000, True)

    cash_1 = _pay(o, "cash", "300,00", student)
    cash_2 = _pay(o, "cash", "150,25", student, desk=DESK_1)
    assert (cash_2["rounding_minor"], cash_2["cash_total_minor"]) == (25, 15_050)
    _pay(o, "bank", "200,00", student)

    # A receptionist's refund: refused without an approval, done with a manager's PIN.
    refund = ("refund", cash_1["payment_id"], "--amount", "100,00", "--reason", "Aflyst time")
    assert_refused(o.run(*refund, staff=RECEPTION), 3, "not allowed for a receptionist")
    wrong = o.run(*refund, "--approve", MANAGER, staff=RECEPTION, approver_pin="0000")
    assert_refused(wrong, 3, "wrong initials or PIN")
    done = o.ok(
        *refund, "--approve", MANAGER, "--json", staff=RECEPTION, approver_pin=PINS[MANAGER]
    )
    assert (done["status"], done["cash_total_minor"]) == ("succeeded", 10_000)
    with o.engine.connect() as conn:
        audit = conn.execute(
            text(
                "SELECT a.action, s.initials, p.initials FROM audit_log a "
                "JOIN staff s ON s.id = a.staff_id LEFT JOIN staff p ON p.id = a.approver_id "
                "WHERE a.entity_id = :pid ORDER BY a.id"
            ),
            {"pid": cash_1["payment_id"]},
        ).all()
        refund_staff = conn.execute(
            text("SELECT s.initials FROM student_refunds r JOIN staff s ON s.id = r.staff_id")
        ).all()
    assert [tuple(r) for r in audit] == [
        ("payment.registered", RECEPTION, None),
        ("refund.registered", RECEPTION, MANAGER),
    ]
    assert [r[0] for r in refund_staff] == [RECEPTION]

    o.ok("shift", "pay-out", "--amount", "45,00", "--reason", "Kaffe", staff=RECEPTION)
    status = o.ok("shift", "status", "--json")
    assert (status["open"], status["payments"], status["refunds"]) == (True, 3, 1)
    assert "expected_minor" not in status  # a blind count

    # Expected: 1.000,00 + 300,00 + 150,50 - 100,00 - 45,00 = 1.305,50; counted 10,00 short.
    z = o.ok(
        "shift", "close", "--counted", "1.295,50", "--note", "10 kr. mangler", "--json",
        staff=RECEPTION,
    )  # fmt: skip
    assert z["label"] == "Z1"
    figures = {k: z[k] for k in (
        "float_minor", "cash_payments_minor", "cash_refunds_minor", "pay_ins_minor",
        "pay_outs_minor", "cash_in_minor", "cash_out_minor", "rounding_minor",
        "expected_minor", "counted_minor", "variance_minor", "payments", "refunds",
    )}  # fmt: skip
    assert figures == {
        "float_minor": 100_000,
        "cash_payments_minor": 45_050,
        "cash_refunds_minor": 10_000,
        "pay_ins_minor": 0,
        "pay_outs_minor": 4_500,
        "cash_in_minor": 45_050,
        "cash_out_minor": 14_500,
        "rounding_minor": 25,
        "expected_minor": 130_550,
        "counted_minor": 129_550,
        "variance_minor": -1_000,
        "payments": 3,
        "refunds": 1,
    }
    assert z["methods"] == [["bank", 1, 20_000, 0, 0], ["cash", 2, 45_025, 1, 10_000]]
    assert z["receipt_to"] - z["receipt_from"] == 3
    assert (z["opened_by"], z["closed_by"]) == ("Rasmus Berg (RB)", "Rasmus Berg (RB)")
    assert z["movements"] == [["pay_out", 4_500, "Kaffe"]]
    assert z["note"] == "10 kr. mangler"

    # The reprint is marked KOPI and shows every figure.
    reprint = plain(assert_ok(o.run("report", "z")).stdout)
    assert reprint.count("*** KOPI ***") == 2
    for shown in (
        "Z-RAPPORT Z1", "Byttepenge", "1.000,00 kr.", "450,50 kr.", "-100,00 kr.",
        "-45,00 kr.", "+0,25 kr.", "1.305,50 kr.", "1.295,50 kr.", "Difference",
        "-10,00 kr.", "Kaffe", "Rasmus Berg (RB)", "10 kr. mangler",
    ):  # fmt: skip
        assert shown in reprint, reprint
    again = o.ok("report", "z", "1", "--json")
    assert again["copy"] is True
    assert {k: again[k] for k in figures} == figures
    pdf = o.tmp / "z1.pdf"
    assert_ok(o.run("report", "z", "1", "--pdf", str(pdf)))
    assert pdf.read_bytes().startswith(b"%PDF")
    slip = o.tmp / "z1.bin"
    assert_ok(o.run("report", "z", "1", "--printer", f"file:{slip}"))
    assert b"KOPI" in slip.read_bytes()

    # Receipts name who served.
    receipt = plain(assert_ok(o.run("receipt", str(cash_1["receipt_no"]))).stdout)
    assert "Ekspedient: Rasmus Berg" in receipt

    # A shift closed is closed: cash needs a new one.
    assert_refused(o.run("shift", "close", "--counted", "0", staff=RECEPTION), 3, "no open shift")
    assert_refused(o.run("report", "z", "2"), 2, "no closed shift Z2")


def test_two_desks_on_one_database_keep_their_own_shifts(office: Office) -> None:
    o = office
    student = o.student_no(1)
    o.ok("shift", "open", "--float", "1000", staff=RECEPTION, desk=DESK_1)
    o.ok("shift", "open", "--float", "500", staff=RECEPTION_2, desk=DESK_2)
    # A second open shift on the same desk is refused.
    assert_refused(
        o.run("shift", "open", "--float", "1", staff=RECEPTION_2, desk=DESK_2), 3, "open shift"
    )
    _pay(o, "cash", "100", student, desk=DESK_1)
    _pay(o, "cash", "40", student, desk=DESK_2)
    o.ok(
        "shift",
        "pay-in",
        "--amount",
        "20",
        "--reason",
        "Byttepenge",
        staff=RECEPTION_2,
        desk=DESK_2,
    )

    z1 = o.ok("shift", "close", "--counted", "1100", "--json", staff=RECEPTION, desk=DESK_1)
    # Desk 2 is still open while desk 1 closes.
    assert o.ok("shift", "status", "--json", desk=DESK_2)["open"] is True
    assert o.ok("shift", "status", "--json", desk=DESK_1)["open"] is False
    z2 = o.ok("shift", "close", "--counted", "560", "--json", staff=RECEPTION_2, desk=DESK_2)

    assert (z1["desk"], z1["label"], z1["expected_minor"], z1["variance_minor"]) == (
        DESK_1, "Z1", 110_000, 0,
    )  # fmt: skip
    assert (z2["desk"], z2["label"], z2["expected_minor"], z2["variance_minor"]) == (
        DESK_2, "Z1", 56_000, 0,
    )  # fmt: skip
    assert z1["methods"] == [["cash", 1, 10_000, 0, 0]]
    assert z2["methods"] == [["cash", 1, 4_000, 0, 0]]
    assert (z1["opened_by"], z2["opened_by"]) == ("Rasmus Berg (RB)", "Sofie Lund (SL)")
    assert o.ok("report", "z", "--json", desk=DESK_2)["shift_id"] == z2["shift_id"]
    # The day report shows each desk's shifts and variances.
    day = o.ok("report", "day", "--json")
    assert sorted((s["desk"], s["z_no"], s["variance_minor"]) for s in day["shifts"]) == [
        (DESK_1, 1, 0),
        (DESK_2, 1, 0),
    ]


def test_roles_on_the_command_line(office: Office) -> None:
    o = office
    # Staff accounts need an admin; the first account was made without anyone signed in.
    assert_refused(
        o.run("staff", "add", "XX", "--name", "Ny", staff=MANAGER, new_pin="12345"),
        3, "not allowed for a manager",
    )  # fmt: skip
    added = o.ok("staff", "add", "NY", "--name", "Nina Yde", "--json", staff=ADMIN, new_pin="4321")
    assert (added["initials"], added["role"]) == ("NY", "receptionist")
    assert "pin" not in str(added).lower()
    # Settings and test/live need a manager.
    assert_refused(
        o.run("school", "payments", "--mode", "live", staff=RECEPTION),
        3,
        "not allowed for a receptionist",
    )
    o.ok("school", "payments", "--mode", "test", staff=MANAGER)
    o.ok("staff", "set-role", "NY", "manager", staff=ADMIN)
    o.ok("staff", "disable", "NY", staff=ADMIN)
    listed = o.ok("staff", "list", "--all", "--json")
    assert [(m["initials"], m["role"], m["active"]) for m in listed] == [
        ("AD", "admin", True),
        ("MH", "manager", True),
        ("NY", "manager", False),
        ("RB", "receptionist", True),
        ("SL", "receptionist", True),
    ]
    # A disabled account cannot sign in.
    disabled = o.run("shift", "open", "--float", "1", staff="NY", pin="4321")
    assert_refused(disabled, 3, "wrong initials or PIN")


def test_five_wrong_pins_lock_and_a_pin_is_found_only_as_its_hash(office: Office) -> None:
    o = office
    pin = f"{secrets.randbelow(10**8):08d}"
    o.ok("staff", "add", "PQ", "--name", "Per Quist", staff=ADMIN, new_pin=pin)
    o.ok("shift", "open", "--float", "100", staff="PQ", pin=pin)
    wrong = f"{(int(pin) + 1) % 10**8:08d}"
    for _ in range(4):
        guess = o.run("shift", "pay-in", "--amount", "1", "--reason", "x", staff="PQ", pin=wrong)
        assert_refused(guess, 3, "wrong initials or PIN")
    assert_refused(
        o.run("shift", "pay-in", "--amount", "1", "--reason", "x", staff="PQ", pin=wrong),
        3, "locked",
    )  # fmt: skip
    # Locked: even the right PIN is refused for now.
    assert_refused(
        o.run("shift", "pay-in", "--amount", "1", "--reason", "x", staff="PQ", pin=pin),
        3, "locked",
    )  # fmt: skip
    # An admin sets a new PIN, which clears the lock.
    new = f"{(int(pin) + 2) % 10**8:08d}"
    o.ok("staff", "set-pin", "PQ", staff=ADMIN, new_pin=new)
    o.ok("shift", "pay-in", "--amount", "1", "--reason", "x", staff="PQ", pin=new)

    for secret in (pin, wrong, new):
        for r in o.outputs:
            assert secret not in r.stdout, r.describe()
            assert secret not in r.stderr, r.describe()
        _assert_not_in_database(o.engine, secret)


def _assert_not_in_database(engine: Engine, secret: str) -> None:
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(select(table)):
                for column, value in zip(table.columns, row, strict=True):
                    shown = "" if value is None else str(value)
                    assert secret not in shown, f"{table.name}.{column.name} holds a PIN"


def test_a_pin_typed_on_standard_input_is_never_echoed(
    fresh_database_factory: Callable[[str], Any], tmp_path: Path
) -> None:
    """Without JDOFFICE_STAFF_PIN the PIN is read (hidden at a terminal; here one line of a
    pipe) and appears in no output."""
    url = fresh_database_factory("sqlite").url_text
    assert_ok(run_cli(url, "demo", "--students", "3", "--seed", "5", "--with-staff"))
    env = child_env({"JDOFFICE_LOCAL_DB": str(tmp_path / "local.sqlite3")})
    env.pop("JDOFFICE_STAFF_PIN", None)
    base = [sys.executable, "-m", "jdoffice", "--db", url, "-v", "--staff", RECEPTION]
    for pin, code in (("1357", 0), ("7531", 3)):
        proc = subprocess.run(
            [*base, "shift", "open", "--float", "0", "--json"],
            input=f"{pin}\n",
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=CLI_TIMEOUT,
            cwd=REPO_ROOT,
            env=env,
            check=False,
        )
        assert proc.returncode == code, proc.stderr
        # As a word of its own: a four-digit PIN may sit inside a timestamp or a UUID.
        alone = re.compile(rf"(?<![0-9A-Za-z]){pin}(?![0-9A-Za-z])")
        assert not alone.search(proc.stdout + proc.stderr)
