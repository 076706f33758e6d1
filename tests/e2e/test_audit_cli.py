"""`jdoffice audit list` as a real process on every backend (issue 15): a manager reads who
did what with names; a receptionist is refused alone and reads it with a manager's approval;
--student and --staff-member narrow it; a bad date changes nothing and says why."""

from __future__ import annotations

from tests.e2e import test_staff_cli
from tests.e2e.conftest import assert_refused
from tests.e2e.test_staff_cli import MANAGER, PINS, RECEPTION, Office, _pay

#: The demo school with its staff, on every backend (the cash-up tests' fixture).
office = test_staff_cli.office


def test_a_manager_reads_the_audit_trail_and_a_receptionist_needs_approval(
    office: Office,
) -> None:
    o = office
    first, second = o.student_no(0), o.student_no(1)
    _pay(o, "bank", "100", first)
    _pay(o, "bank", "50", second)

    assert_refused(o.run("audit", "list", staff=RECEPTION), 3, "not allowed for a receptionist")
    assert_refused(o.run("audit", "list"), 3, "sign in")

    entries = o.ok("audit", "list", "--json", staff=MANAGER)
    paid = [e for e in entries if e["action"] == "payment.registered"]
    assert [e["after"]["student_no"] for e in paid] == [first, second]
    assert {e["staff"] for e in paid} == {"Rasmus Berg (RB)"}
    assert all(e["desk"] == "kasse-1" for e in paid)

    approved = o.ok(
        "audit", "list", "--student", first, "--json", "--approve", MANAGER,
        staff=RECEPTION, approver_pin=PINS[MANAGER],
    )  # fmt: skip
    assert [e["after"]["student_no"] for e in approved] == [first]
    by_rb = o.ok("audit", "list", "--staff-member", "rb", "--json", staff=MANAGER)
    # Their payments, and the approval they asked for.
    assert {e["action"] for e in by_rb} == {"payment.registered", "staff.approved"}

    text = o.run("audit", "list", staff=MANAGER)
    assert "payment.registered" in text.stdout
    assert "Rasmus Berg (RB)" in text.stdout
    assert_refused(o.run("audit", "list", "--from", "2026-13-01", staff=MANAGER), 2, "date")
    assert_refused(o.run("audit", "list", "--student", "S9999999", staff=MANAGER), 2, "no student")
