"""``jdoffice db check`` as a process, on every backend: exit 0 and a clean report on a
consistent school, exit 5 listing each inconsistency (text and stable JSON) when a system
sharing the database left one behind."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sqlalchemy import Engine, update

from jdoffice.adapters.orm import BalanceRow
from jdoffice.cli import EXIT_INCONSISTENT
from tests.conftest import SchoolKit
from tests.e2e.conftest import assert_ok, run_cli

if TYPE_CHECKING:
    # Imported for its annotation only: pytest would try to collect a ``Test*`` class.
    from tests.conftest import TestDatabase


def test_db_check_on_a_consistent_school_says_so_and_exits_zero(
    database: TestDatabase, kit: SchoolKit
) -> None:
    student = kit.student()
    kit.invoice(student, 50_000)
    slug = kit.school.slug

    as_json = assert_ok(run_cli(database.url_text, "--school", slug, "db", "check", "--json"))
    as_text = assert_ok(run_cli(database.url_text, "--school", slug, "db", "check"))

    assert as_json.data == {"school": slug, "clean": True, "counts": {}, "inconsistencies": []}
    assert as_text.stdout == "no inconsistencies found in Østerbro Køreskole\n"


def test_db_check_lists_a_tampered_balance_and_exits_with_its_own_code(
    database: TestDatabase, kit: SchoolKit, engine: Engine
) -> None:
    student = kit.student()
    kit.invoice(student, 50_000)
    with engine.begin() as conn:
        conn.execute(
            update(BalanceRow)
            .where(BalanceRow.student_id == student.id)
            .values(balance_minor=-99_900)
        )
    slug = kit.school.slug

    as_json = run_cli(database.url_text, "--school", slug, "db", "check", "--json")
    as_text = run_cli(database.url_text, "--school", slug, "db", "check")

    assert (as_json.code, as_text.code) == (EXIT_INCONSISTENT, EXIT_INCONSISTENT)
    assert "Traceback" not in as_json.stderr + as_text.stderr
    assert json.loads(as_json.stdout) == {
        "school": slug,
        "clean": False,
        "counts": {"balance_mismatch": 1},
        "inconsistencies": [
            {
                "problem": "balance_mismatch",
                "table": "student_balances",
                "row_id": str(student.id),
                "school_id": kit.school.id,
                "student_id": student.id,
                "detail": "cached balance -99900, recomputed from the rows 50000",
                "other_school_id": None,
            }
        ],
    }
    lines = as_text.stdout.splitlines()
    assert lines[0] == "1 inconsistency found in Østerbro Køreskole:"
    assert lines[1] == (
        f"  balance_mismatch: student_balances {student.id} (school {kit.school.id}, "
        f"student {student.id}): cached balance -99900, recomputed from the rows 50000"
    )
