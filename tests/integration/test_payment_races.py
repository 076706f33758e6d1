"""Races around the payment's locks: rows another system writes while a desk waits or between
two of its statements, and the lookups that must not wait for anyone else's lock."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select, text

from jdoffice.adapters.orm import PaymentRow
from jdoffice.adapters.repos.students import SqlStudents
from jdoffice.adapters.tables import INVOICES, PAYMENTS
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.services.payments import register_payment
from tests.conftest import SchoolKit
from tests.integration.helpers import ACTOR, Desk, one_connection
from tests.integration.test_database_guards import pay_at_the_desk, web_payment

UTC = dt.UTC


def test_an_invoice_number_reissued_to_another_student_mid_payment_is_paid_for_that_student(
    kit: SchoolKit, uow: SqlAlchemyUnitOfWork, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite serialises writers: nobody can write between the two statements")
    anna = kit.student("Anna", "Holm")
    bo = kit.student("Bo", "Lund")
    inv = kit.invoice(anna, 30_000)
    original = SqlStudents.lock_by_invoice_no
    swapped: list[Any] = []

    def then_the_web_reissues(self: SqlStudents, school_id: int, invoice_no: str) -> Any:
        found = original(self, school_id, invoice_no)
        if not swapped:
            # The web system cancels Anna's invoice and issues the number to Bo.
            with engine.begin() as conn:
                conn.execute(
                    INVOICES.update()
                    .where(INVOICES.c.id == inv.id)
                    .values(invoice_no=inv.invoice_no + "-old")
                )
            swapped.append(kit.invoice(bo, 30_000, invoice_no=inv.invoice_no))
        return found

    monkeypatch.setattr(SqlStudents, "lock_by_invoice_no", then_the_web_reissues)
    r = register_payment(
        uow,
        kit.school,
        method="bank",
        amount_minor=30_000,
        invoice_no=inv.invoice_no,
        student_no=None,
        tendered_minor=None,
        actor=ACTOR,
    )
    assert r.student_no == bo.student_no
    with engine.connect() as conn:
        payer = conn.execute(select(PAYMENTS.c.student_id).where(PAYMENTS.c.id == r.payment_id))
        paid = conn.execute(
            select(INVOICES.c.student_id, INVOICES.c.paid_minor).where(
                INVOICES.c.id == swapped[0].id
            )
        ).one()
        assert (payer.scalar_one(), paid.student_id) == (paid.student_id, paid.student_id), (
            f"payment recorded for student {anna.id}, money put on student {bo.id}'s invoice"
        )


def test_a_number_the_web_takes_while_the_desk_waits_for_the_counter_is_not_taken_twice(
    kit: SchoolKit, uow: SqlAlchemyUnitOfWork, engine: Engine
) -> None:
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite serialises writers")
    student = kit.student()
    first = pay_at_the_desk(uow, kit, student)
    assert first.receipt_no is not None
    invoice = kit.invoice(student, 50_000)
    # Another desk holds the counter (its payment not yet committed).
    holder = SqlAlchemyUnitOfWork(engine)
    holder_ctx = holder.write()
    holder_ctx.__enter__()
    held = holder.receipts.next_number(kit.school.id, dt.datetime.now(UTC))
    outcome: list[Any] = []

    def desk() -> None:
        try:
            outcome.append(
                Desk(SqlAlchemyUnitOfWork(engine), kit).pay(student, 50_000, invoice=invoice)
            )
        except Exception as exc:
            outcome.append(exc)

    t = threading.Thread(target=desk)
    t.start()
    time.sleep(1.0)  # the desk is now queued on the counter row
    other = kit.student("Carl", "Berg")  # not the student the desk has locked
    web = web_payment(kit, other, receipt_no=held + 1)
    with engine.begin() as conn:
        conn.execute(insert(PaymentRow).values(web))
    holder.commit()  # the other desk commits: the counter says `held`
    holder_ctx.__exit__(None, None, None)
    t.join(20)
    assert outcome, "desk still waiting"
    assert not isinstance(outcome[0], Exception), repr(outcome[0])
    assert outcome[0].receipt_no == held + 2


def test_finding_a_student_by_invoice_number_waits_for_no_other_students_lock(
    kit: SchoolKit, engine: Engine
) -> None:
    from jdoffice.adapters.statements import LOCK_STUDENT, LOCK_STUDENT_BY_INVOICE_NO
    from tests.integration.helpers import other_school

    if engine.dialect.name == "sqlite":
        pytest.skip("no row locks")
    elsewhere = other_school(engine)
    busy = elsewhere.student()
    mine = kit.student()
    inv = kit.invoice(mine, 10_000)
    with engine.connect() as a, engine.connect() as b:
        a.execute(LOCK_STUDENT, {"id": busy.id}).all()
        if engine.dialect.name == "mariadb" or engine.dialect.name == "mysql":
            b.execute(text("SET innodb_lock_wait_timeout = 2"))
        else:
            b.execute(text("SET lock_timeout = '2s'"))
        row = b.execute(
            LOCK_STUDENT_BY_INVOICE_NO, {"school_id": kit.school.id, "invoice_no": inv.invoice_no}
        ).first()
        assert row is not None
        assert row.id == mine.id


def test_a_connection_ended_by_the_server_a_moment_after_use_is_replaced(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the socket check is PostgreSQL's")
    own = one_connection(engine)
    with own.connect() as c:
        pid = c.execute(text("select pg_backend_pid()")).scalar_one()
    with engine.begin() as admin:
        admin.execute(text("select pg_terminate_backend(:p)"), {"p": pid})
    time.sleep(0.05)
    with own.connect() as c:
        assert c.execute(text("select 1")).scalar_one() == 1
    own.dispose()
