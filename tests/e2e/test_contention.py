"""Four desks at full speed on overlapping invoices (issue 5), on every backend.

Four desk processes pay, without pause, a mix of partial payments, whole-invoice payments,
payments to a student's oldest invoices and payments with a credit allowed, on the invoices
of three students, with some payments made by every desk under one idempotency key. When
they are done: no invoice is paid beyond its amount, credit exists only where it was
allowed, every payment a desk was told succeeded is recorded once and nothing else is,
receipt numbers run 1..N without gaps, every cached balance equals its recomputation, and
every refusal was a clear business refusal, never a crash.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from tests.conftest import SchoolKit
from tests.e2e.conftest import finish, start_python, stop
from tests.e2e.contention import Target, check, make_plans, run_desks

if TYPE_CHECKING:
    # For annotations only: pytest would try to collect a ``Test*`` class.
    from tests.conftest import TestDatabase

DESKS = 4
PAYMENTS_PER_DESK = 40
SHARED_KEYS = 6


def three_students(kit: SchoolKit) -> list[Target]:
    names = [("Mads", "Kjærgård"), ("Ida", "Østergård"), ("Søren", "Åberg")]
    # Lesson packages, theory and exam fees: enough that most payments find something owed.
    amounts = [
        (485025, 720000, 245050, 650000),
        (330000, 599975, 450000),
        (360000, 260000, 575025),
    ]
    targets = []
    for (first, last), invoice_amounts in zip(names, amounts, strict=True):
        st = kit.student(first, last)
        invoices = [kit.invoice(st, amount) for amount in invoice_amounts]
        targets.append(
            Target(
                st.id,
                st.student_no,
                tuple((i.id, i.invoice_no, i.amount_minor) for i in invoices),
            )
        )
    return targets


def test_four_desks_at_full_speed_on_overlapping_invoices_lose_and_double_nothing(
    tmp_path: Path, database: TestDatabase, kit: SchoolKit, engine: Engine
) -> None:
    targets = three_students(kit)
    plans = make_plans(targets, desks=DESKS, payments=PAYMENTS_PER_DESK, seed=5, shared=SHARED_KEYS)

    run = run_desks(
        database.url_text,
        kit.school.slug,
        plans,
        tmp_path,
        start=start_python,
        finish=finish,
        stop=stop,
    )
    verdict = check(engine, kit.school.id, targets, run)

    assert verdict.problems == []
    assert len(run.outcomes) == DESKS * (PAYMENTS_PER_DESK + SHARED_KEYS)
    # The mix did what it is for: payments went through, others were refused because
    # another desk had paid first, credit was taken where allowed, keys were replayed.
    assert verdict.succeeded > 20
    assert verdict.refused > 20
    assert verdict.with_credit > 0
    assert verdict.replays > 0
    assert verdict.gave_up == 0
