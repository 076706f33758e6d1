"""``jdoffice db check`` as a process, on every backend: exit 0 and a clean report on a
consistent school, exit 5 listing each inconsistency (text and stable JSON) when a system
sharing the database left one behind."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, update

from jdoffice.adapters import db, records
from jdoffice.adapters.orm import BalanceRow, InvoiceRow
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.cli import EXIT_INCONSISTENT, EXIT_REFUSED
from jdoffice.domain.model import UTC
from jdoffice.services.ports import NewSchool
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


def test_an_upgrade_refused_for_bad_rows_says_so_in_one_line_and_db_check_lists_them(
    tmp_path: Path,
) -> None:
    url = str(tmp_path / "old.sqlite3")
    engine = db.make_engine(url)
    try:
        db.upgrade(engine, "0005")
        uow = SqlAlchemyUnitOfWork(engine)
        when = dt.datetime.now(UTC)
        with uow.write():
            school = uow.schools.add(NewSchool(slug="old", name="Gammel Køreskole"), when)
            student = records.add_student(
                uow.session, school, student_no="S1", first_name="Bo", last_name="Berg"
            )
            records.add_invoice(
                uow.session,
                school,
                student,
                invoice_no="F1",
                text="Køretime",
                amount_minor=50_000,
                due_date=school.local_date(when),
            )
            uow.commit()
        with engine.begin() as conn:  # written before the database guarded anything
            conn.execute(update(InvoiceRow).values(amount_minor=-50_000))
    finally:
        engine.dispose()

    upgrade = run_cli(url, "db", "upgrade")
    check = run_cli(url, "db", "check", "--json")

    assert upgrade.code == EXIT_REFUSED, upgrade.describe()
    assert upgrade.stdout == ""
    (line,) = upgrade.stderr.splitlines()
    assert line.startswith("jdoffice: the database was not upgraded to revision 0006: 1 row(s)")
    assert line.endswith(
        "student_invoices 1: bad_amount: invoice F1 has a negative amount (-50000)"
    )
    assert "`jdoffice db check`" in line
    assert check.code == EXIT_INCONSISTENT, check.describe()
    assert [(i["problem"], i["table"]) for i in json.loads(check.stdout)["inconsistencies"]] == [
        ("bad_amount", "student_invoices"),
        ("balance_mismatch", "student_balances"),
    ]
    assert assert_ok(run_cli(url, "db", "status", "--json")).data["revision"] == "0005"
