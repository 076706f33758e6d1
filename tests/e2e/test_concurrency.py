"""Several desks, each its own process with its own engine, paying at the same instant.

Each desk process imports everything, opens its connection and says it is ready; the test
then names one instant (a little ahead) at which every desk makes its first payment, and
spaces the following rounds by :data:`ROUND_GAP`. On PostgreSQL and MariaDB the desks meet at
the invoice's row lock, on SQLite at ``BEGIN IMMEDIATE``: one payment goes through, the
others re-read what is owed and are refused (DESIGN §6, issue 2).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import Engine, text

from jdoffice.adapters import db
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.cli import exit_code_for
from jdoffice.domain.errors import JdofficeError
from jdoffice.domain.model import Actor
from jdoffice.services import queries
from jdoffice.services.payments import register_payment
from tests.conftest import SchoolKit
from tests.e2e.conftest import (
    assert_balance_recomputes,
    assert_receipts_gap_free,
    finish,
    start_python,
    stop,
    wait_until,
)

if TYPE_CHECKING:
    # For annotations only: pytest would try to collect a ``Test*`` class.
    from tests.conftest import TestDatabase

#: Time between two rounds of simultaneous payments; far more than one payment takes.
ROUND_GAP = 0.15
#: How far ahead of "go" the first round starts, so that every desk has read the instant.
START_AHEAD = 0.2
#: Longest a desk waits for the test to say "go".
DESK_PATIENCE = 90.0

DESK = "import sys; from tests.e2e.test_concurrency import desk; desk(sys.argv[1])"


def desk(spec_file: str) -> None:
    """One desk in a child process: the payments of the spec, each at its agreed instant.

    Prints one JSON result per payment: ``{"code": 0, "payment_id", "receipt_no",
    "amount_minor", "allocations"}`` or ``{"code": 2|3|4, "error", "message"}``, each with
    the ``started`` and ``ended`` instants of the call.
    """
    spec = json.loads(Path(spec_file).read_text(encoding="utf-8"))
    engine = db.make_engine(spec["url"])
    uow = SqlAlchemyUnitOfWork(engine)
    school = queries.resolve_school(uow, spec["school"])
    # Open the pooled connection now, so that the race is not decided by connection set-up.
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    actor = Actor(staff="race", desk=spec["desk"])
    Path(spec["ready"]).touch()

    go = Path(spec["go"])
    deadline = time.monotonic() + DESK_PATIENCE
    while not go.exists():
        if time.monotonic() > deadline:
            print("nobody said go", file=sys.stderr)
            sys.exit(5)
        time.sleep(0.001)
    start = float(go.read_text(encoding="utf-8"))

    results: list[dict[str, Any]] = []
    for round_no, payment in enumerate(spec["payments"]):
        delay = start + round_no * ROUND_GAP - time.time()
        if delay > 0:
            time.sleep(delay)
        started = time.time()
        try:
            r = register_payment(uow, school, actor=actor, **payment)
        except JdofficeError as exc:
            result = {"code": exit_code_for(exc), "error": type(exc).__name__, "message": str(exc)}
        else:
            result = {
                "code": 0,
                "payment_id": r.payment_id,
                "receipt_no": r.receipt_no,
                "amount_minor": r.amount_minor,
                "allocations": [list(a) for a in r.allocations],
            }
        results.append(result | {"started": started, "ended": time.time()})
    engine.dispose()
    print(json.dumps(results))


def race(
    tmp_path: Path, database: TestDatabase, kit: SchoolKit, desks: list[list[dict[str, Any]]]
) -> list[list[dict[str, Any]]]:
    """Start one process per desk, let them all begin at the same instant, collect results."""
    go = tmp_path / "go"
    procs = []
    ready: list[Path] = []
    try:
        for n, payments in enumerate(desks):
            ready.append(tmp_path / f"ready-{n}")
            spec = {
                "url": database.url_text,
                "school": kit.school.slug,
                "desk": f"desk-{n + 1}",
                "ready": str(ready[-1]),
                "go": str(go),
                "payments": payments,
            }
            spec_file = tmp_path / f"desk-{n}.json"
            spec_file.write_text(json.dumps(spec), encoding="utf-8")
            procs.append(start_python(DESK, str(spec_file)))

        def all_ready() -> bool:
            for p in procs:
                if p.poll() is not None:
                    _, _, err = finish(p)
                    raise AssertionError(f"a desk died before the start:\n{err[-3000:]}")
            return all(r.exists() for r in ready)

        wait_until(all_ready, 90, "every desk to be ready")
        staged = tmp_path / "go.tmp"
        staged.write_text(repr(time.time() + START_AHEAD), encoding="utf-8")
        os.replace(staged, go)  # atomically: no desk reads a half-written instant

        results = []
        for p in procs:
            code, out, err = finish(p)
            assert code == 0, f"desk exited {code}:\n{err[-3000:]}"
            results.append(json.loads(out))
        return results
    finally:
        for p in procs:
            stop(p)


def invoice_rows(engine: Engine, student_id: int) -> dict[str, tuple[int, int, int]]:
    """invoice_no -> (amount, paid, net of its allocation rows)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT i.invoice_no, i.amount_minor, i.paid_minor,"
                " COALESCE((SELECT SUM(a.amount_minor) FROM student_payment_allocations a"
                "           WHERE a.invoice_id = i.id), 0)"
                " FROM student_invoices i WHERE i.student_id = :s"
            ),
            {"s": student_id},
        ).all()
    return {str(r[0]): (int(r[1]), int(r[2]), int(r[3])) for r in rows}


def payments_of(engine: Engine, student_id: int) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, amount_minor FROM student_payments WHERE student_id = :s"),
            {"s": student_id},
        ).all()
    return {str(r[0]): int(r[1]) for r in rows}


@pytest.mark.parametrize("desks", [2, 4])
def test_desks_paying_the_same_invoice_at_once_record_exactly_one_payment(
    tmp_path: Path, database: TestDatabase, kit: SchoolKit, engine: Engine, desks: int
) -> None:
    st = kit.student("Mads", "Kjærgård")
    invoices = [kit.invoice(st, amount) for amount in (85025, 120000, 45050)]
    methods = ("cash", "bank", "mobilepay")
    plans = [
        [
            {
                "method": methods[(n + i) % 3],
                "amount_minor": inv.amount_minor,
                "invoice_no": inv.invoice_no,
            }
            for i, inv in enumerate(invoices)
        ]
        for n in range(desks)
    ]

    results = race(tmp_path, database, kit, plans)

    overlapped = 0
    for round_no, inv in enumerate(invoices):
        outcomes = [r[round_no] for r in results]
        won = [o for o in outcomes if o["code"] == 0]
        lost = [o for o in outcomes if o["code"] != 0]
        assert len(won) == 1, f"{inv.invoice_no}: {outcomes}"
        assert won[0]["allocations"] == [[inv.invoice_no, inv.amount_minor]]
        for o in lost:
            assert o["code"] == 3, o
            assert o["error"] == "BusinessRuleError", o
            assert "already paid" in o["message"] or "more than what is owed" in o["message"], o
        overlapped += any(o["started"] < won[0]["ended"] for o in lost)
    # Had the desks taken turns, this test would prove nothing about locking.
    assert overlapped, f"no round had two desks paying at once: {results}"
    rows = invoice_rows(engine, st.id)
    for inv in invoices:
        # Paid once: the paid amount, and the allocation rows behind it, equal the invoice.
        assert rows[inv.invoice_no] == (inv.amount_minor,) * 3
    winners = {o["payment_id"] for r in results for o in r if o["code"] == 0}
    recorded = payments_of(engine, st.id)
    assert set(recorded) == winners
    assert sum(recorded.values()) == sum(inv.amount_minor for inv in invoices)
    numbers = assert_receipts_gap_free(engine, kit.school.id)
    assert sorted(o["receipt_no"] for r in results for o in r if o["code"] == 0) == numbers
    assert numbers == [1, 2, 3]
    assert assert_balance_recomputes(engine, st.id) == 0


def test_concurrent_partial_payments_never_overpay_an_invoice(
    tmp_path: Path, database: TestDatabase, kit: SchoolKit, engine: Engine
) -> None:
    st = kit.student("Ida", "Østergård")
    invoices = [kit.invoice(st, amount) for amount in (30000, 45050, 27525)]
    owed = sum(inv.amount_minor for inv in invoices)
    amounts = (7500, 12550, 5025, 9900, 15000, 4000)
    plans: list[list[dict[str, Any]]] = []
    for n in range(4):
        plan: list[dict[str, Any]] = []
        for i in range(len(amounts)):
            amount = amounts[(n + i) % len(amounts)]
            target = (
                {"student_no": st.student_no}
                if (n + i) % 2
                else {"invoice_no": invoices[(n + i) % len(invoices)].invoice_no}
            )
            plan.append({"method": ("bank", "cash")[n % 2], "amount_minor": amount, **target})
        plans.append(plan)
    assert sum(sum(p["amount_minor"] for p in plan) for plan in plans) > owed

    results = race(tmp_path, database, kit, plans)

    outcomes = [o for r in results for o in r]
    won = [o for o in outcomes if o["code"] == 0]
    assert won, outcomes
    for o in outcomes:
        if o["code"] != 0:
            assert o["code"] == 3, o
            assert any(
                reason in o["message"]
                for reason in ("more than what is owed", "nothing is owed", "already paid")
            ), o
    for inv_no, (amount, paid, allocated) in invoice_rows(engine, st.id).items():
        assert 0 <= paid <= amount, f"{inv_no} paid {paid} of {amount}"
        assert paid == allocated, f"{inv_no}: paid {paid}, allocation rows {allocated}"
    recorded = payments_of(engine, st.id)
    assert recorded == {o["payment_id"]: o["amount_minor"] for o in won}
    for o in won:
        assert sum(a for _, a in o["allocations"]) == o["amount_minor"], "no credit was allowed"
    taken = sum(recorded.values())
    assert taken <= owed
    assert sum(paid for _, paid, _ in invoice_rows(engine, st.id).values()) == taken
    numbers = assert_receipts_gap_free(engine, kit.school.id)
    assert len(numbers) == len(won)
    assert assert_balance_recomputes(engine, st.id) == owed - taken
