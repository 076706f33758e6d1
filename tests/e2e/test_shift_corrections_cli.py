"""A manager's corrections of a closed shift on the command line, as real processes on every
backend (issue 14): `shift correct` works the Z-report out again with the right count and a
note, `shift reopen` opens the desk's latest close again under the same Z number; a
receptionist needs a manager's approval for either, and the audit names both people.
"""

from __future__ import annotations

from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from tests.e2e import test_staff_cli
from tests.e2e.conftest import assert_refused
from tests.e2e.test_staff_cli import DESK_1, MANAGER, PINS, RECEPTION, Office, _pay

#: The demo school with its staff, on every backend (the cash-up tests' fixture).
office = test_staff_cli.office


def _staff_ids(o: Office) -> dict[str, int]:
    return {m["initials"]: m["id"] for m in o.ok("staff", "list", "--json")}


def test_a_count_corrected_with_a_managers_approval_changes_the_z_report_and_names_both(
    office: Office,
) -> None:
    o = office
    o.ok("shift", "open", "--float", "1000", staff=RECEPTION)
    _pay(o, "cash", "100", o.student_no(0))
    z1 = o.ok("shift", "close", "--counted", "1090", "--note", "Talt forkert", "--json",
              staff=RECEPTION)  # fmt: skip
    assert (z1["label"], z1["variance_minor"]) == ("Z1", -1000)

    # A receptionist alone may not; no note is refused too; nothing changes.
    assert_refused(
        o.run("shift", "correct", "1", "--counted", "1100", "--note", "Fundet", staff=RECEPTION),
        3,
        "not allowed for a receptionist",
    )
    assert_refused(
        o.run("shift", "correct", "1", "--counted", "1100", "--note", " ", staff=MANAGER),
        2,
        "note",
    )
    assert_refused(
        o.run("shift", "correct", "7", "--counted", "1100", "--note", "x", staff=MANAGER),
        2,
        "no closed shift Z7",
    )
    assert o.ok("report", "z", "1", "--json")["variance_minor"] == -1000

    fixed = o.ok(
        "shift", "correct", "1", "--counted", "1.100,00", "--note", "Tieren lå i skuffen",
        "--approve", MANAGER, "--json", staff=RECEPTION, approver_pin=PINS[MANAGER],
    )  # fmt: skip
    assert (fixed["label"], fixed["counted_minor"], fixed["expected_minor"]) == (
        "Z1", 110_000, 110_000,
    )  # fmt: skip
    assert (fixed["variance_minor"], fixed["note"]) == (0, "Tieren lå i skuffen")
    # The reprint is the corrected report; the text form says so in kroner.
    again = o.ok("report", "z", "1", "--json")
    assert (again["variance_minor"], again["copy"]) == (0, True)
    shown = o.run("report", "z", "1")
    assert "1.100,00" in shown.stdout
    assert "Tieren lå i skuffen" in shown.stdout

    ids = _staff_ids(o)
    uow = SqlAlchemyUnitOfWork(o.engine)
    with uow:
        entries = uow.audit.for_entity("shift", fixed["shift_id"])
    [corrected] = [e for e in entries if e.action == "shift.corrected"]
    assert (corrected.actor.staff_id, corrected.actor.approver_id) == (
        ids[RECEPTION],
        ids[MANAGER],
    )
    assert corrected.before is not None
    assert corrected.after is not None
    assert (corrected.before["variance_minor"], corrected.after["variance_minor"]) == (-1000, 0)


def test_a_manager_reopens_the_latest_close_which_keeps_its_z_number(office: Office) -> None:
    o = office
    o.ok("shift", "open", "--float", "500", staff=RECEPTION)
    o.ok("shift", "close", "--counted", "500", staff=RECEPTION)
    assert_refused(o.run("shift", "reopen", "1", staff=RECEPTION), 3, "not allowed")
    assert_refused(o.run("shift", "reopen", "0", staff=MANAGER), 2)

    reopened = o.ok("shift", "reopen", "1", "--json", staff=MANAGER)
    assert (reopened["open"], reopened["z_no"]) == (True, 1)
    assert o.ok("shift", "status", "--json")["open"] is True
    # It takes cash again and closes again as Z1, with the new count.
    _pay(o, "cash", "50", o.student_no(1))
    z = o.ok("shift", "close", "--counted", "550", "--json", staff=RECEPTION)
    assert (z["label"], z["expected_minor"], z["variance_minor"]) == ("Z1", 55_000, 0)

    # Only the latest close can be reopened; an older one is corrected instead.
    o.ok("shift", "open", "--float", "0", staff=RECEPTION)
    o.ok("shift", "close", "--counted", "0", staff=RECEPTION)
    assert_refused(o.run("shift", "reopen", "1", staff=MANAGER), 3, "latest")
    assert o.ok("shift", "status", "--json", desk=DESK_1)["open"] is False
