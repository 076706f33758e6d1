"""Revision 0007 (staff and shifts) on every backend: rows written before keep their text,
and it goes down to 0006 and up again cleanly."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from alembic import command
from sqlalchemy import Engine, insert, inspect, select

from jdoffice.adapters import db, records
from jdoffice.adapters.orm import AuditRow, PaymentRow
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.model import UTC
from jdoffice.services.ports import NewSchool
from tests import conftest
from tests.conftest import BACKENDS
from tests.integration.test_migrations import schema_differences

NEW_TABLES = {"staff", "shifts", "shift_movements"}


@pytest.fixture(params=BACKENDS)
def empty_engine(
    request: pytest.FixtureRequest, fresh_database_factory: Callable[[str], conftest.TestDatabase]
) -> Iterator[Engine]:
    engine = db.make_engine(fresh_database_factory(request.param).url)
    try:
        yield engine
    finally:
        engine.dispose()


def _columns(engine: Engine, table: str) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns(table)}


def test_rows_written_before_keep_their_staff_text_through_up_and_down(
    empty_engine: Engine,
) -> None:
    db.upgrade(empty_engine, "0006")
    when = dt.datetime.now(UTC)
    uow = SqlAlchemyUnitOfWork(empty_engine)
    with uow.write():
        school = uow.schools.add(NewSchool(slug="old", name="Gammel Køreskole"), when)
        student = records.add_student(
            uow.session, school, student_no="S1", first_name="Bo", last_name="Berg"
        )
        uow.commit()
    # Written by the jdoffice of revision 0006: only the columns it knew.
    with empty_engine.begin() as conn:
        conn.execute(
            insert(PaymentRow.__table__).values(  # type: ignore[arg-type]
                id="00000000-0000-4000-8000-000000000001",
                school_id=school.id,
                student_id=student.id,
                method="cash",
                status="succeeded",
                amount_minor=50_000,
                refunded_minor=0,
                currency="DKK",
                rounding_minor=0,
                reference="",
                desk="kasse-1",
                staff="mette",
                fingerprint="",
                created_at=when,
                updated_at=when,
            )
        )
        conn.execute(
            insert(AuditRow.__table__).values(  # type: ignore[arg-type]
                school_id=school.id,
                at=when,
                action="payment.registered",
                entity="payment",
                entity_id="00000000-0000-4000-8000-000000000001",
                staff="mette",
                desk="kasse-1",
            )
        )

    db.upgrade(empty_engine)

    assert set(inspect(empty_engine).get_table_names()) >= NEW_TABLES
    with empty_engine.connect() as conn:
        assert conn.execute(select(PaymentRow.staff, PaymentRow.staff_id)).one() == ("mette", None)
        assert conn.execute(select(AuditRow.staff, AuditRow.staff_id)).one() == ("mette", None)
    assert schema_differences(empty_engine) == []

    command.downgrade(db.alembic_config(empty_engine), "0006")

    assert db.current_revision(empty_engine) == "0006"
    assert not NEW_TABLES & set(inspect(empty_engine).get_table_names())
    for table in ("student_payments", "student_refunds", "audit_log"):
        assert not {"staff_id", "approver_id"} & _columns(empty_engine, table)
    with empty_engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT staff FROM student_payments").scalar_one() == "mette"

    db.upgrade(empty_engine)

    assert db.current_revision(empty_engine) == db.HEAD_REVISION
    assert schema_differences(empty_engine) == []
