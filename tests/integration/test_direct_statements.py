"""The statements a payment runs, sent with the driver's own cursor
(:mod:`jdoffice.adapters.direct`): the same rows, values and errors as through SQLAlchemy, on
every backend, and SQLAlchemy again whenever something listens to the engine."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

from jdoffice.adapters import direct
from jdoffice.adapters.orm import PaymentRow
from jdoffice.adapters.repos.schools import SCHOOL_WITH_SETTINGS
from jdoffice.adapters.statements import (
    LOCK_STUDENT_INVOICES,
    PAYMENT_BY_ID,
    RECOMPUTE_BALANCE,
    STUDENT_BY_ID,
)
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.errors import Unavailable
from jdoffice.domain.model import PaymentStatus
from jdoffice.services.payments import register_payment
from jdoffice.services.ports import ConnectionLost, DuplicateKey
from tests.conftest import SchoolKit
from tests.integration.helpers import ACTOR, one_connection


@pytest.fixture
def sent_directly(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The statements that went through the driver's cursor (``insert <table>`` for an
    insert, ``<kind>`` for the others)."""
    sent: list[str] = []
    original = direct.execute

    def name(statement: Any) -> str:
        table = getattr(statement, "table", None)
        kind = statement.__visit_name__
        return f"{kind} {table.name}" if table is not None else str(kind)

    def noting(conn: Any, statement: Any, params: Any) -> Any:
        what = name(statement)
        try:
            rows = original(conn, statement, params)
        except Exception:
            sent.append(what)  # sent, and refused by the database
            raise
        if rows is not None:
            sent.append(what)
        return rows

    def batched(batch: Any, statement: Any, params: Any) -> Any:
        # A statement sent in a batch (its answer comes later) went through the driver too.
        rows = sending(batch, statement, params)
        if rows is not None:
            sent.append(name(statement))
        return rows

    sending = direct.Batch.send
    monkeypatch.setattr(direct, "execute", noting)
    monkeypatch.setattr(direct.Batch, "send", batched)
    return sent


def _paid(uow: SqlAlchemyUnitOfWork, kit: SchoolKit) -> tuple[int, str]:
    student = kit.student("Åse", "Ødegård")
    invoice = kit.invoice(student, 80_000)
    paid = register_payment(
        uow,
        kit.school,
        method="cash",
        amount_minor=30_000,
        invoice_no=invoice.invoice_no,
        tendered_minor=50_000,
        actor=ACTOR,
    )
    return student.id, paid.payment_id


def test_rows_read_through_the_driver_are_the_rows_sqlalchemy_reads(
    engine: Engine, uow: SqlAlchemyUnitOfWork, kit: SchoolKit
) -> None:
    student_id, payment_id = _paid(uow, kit)
    asked: list[tuple[Any, dict[str, Any]]] = [
        (STUDENT_BY_ID, {"id": student_id}),
        (LOCK_STUDENT_INVOICES, {"student_id": student_id}),
        (PAYMENT_BY_ID, {"id": payment_id}),
        (RECOMPUTE_BALANCE, {"student_id": student_id}),
        (SCHOOL_WITH_SETTINGS, {"id": kit.school.id}),
    ]
    for statement, params in asked:
        with Session(engine) as s:
            expected = s.execute(statement, params).all()
            got = direct.execute(s.connection(), statement, params)
            assert got is not None, f"{statement} went through SQLAlchemy"
            rows = got.all()
        assert [tuple(r) for r in rows] == [tuple(r) for r in expected]
        assert [r._fields for r in rows] == [tuple(r._fields) for r in expected]
        for mine, theirs in zip(rows, expected, strict=True):
            # The same Python types: tz-aware datetimes, dates, ints, text.
            assert [type(v) for v in mine] == [type(v) for v in theirs]
    with Session(engine) as s:
        payment = direct.execute(s.connection(), PAYMENT_BY_ID, {"id": payment_id})
        assert payment is not None
        created = payment.one().created_at
    assert isinstance(created, dt.datetime)
    assert created.utcoffset() == dt.timedelta(0)


def test_a_payment_goes_through_the_driver_and_reads_back_as_written(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, sent_directly: list[str]
) -> None:
    _, payment_id = _paid(uow, kit)

    assert "insert student_payments" in sent_directly
    assert "insert receipts" in sent_directly
    assert "insert audit_log" in sent_directly
    with uow:
        payment = uow.payments.get(payment_id)
        receipt = uow.receipts.get(kit.school.id, 1)
        audit = uow.audit.for_entity("payment", payment_id)
    assert payment is not None
    assert (payment.amount_minor, payment.status, payment.receipt_no) == (
        30_000,
        PaymentStatus.SUCCEEDED,
        1,
    )
    assert (payment.tendered_minor, payment.change_minor) == (50_000, 20_000)
    assert receipt is not None
    assert receipt.body.student_name == "Åse Ødegård"
    assert [e.after["receipt_no"] for e in audit if e.after] == [1]


def test_a_listener_on_the_engine_sees_every_statement_of_a_payment(
    engine: Engine, uow: SqlAlchemyUnitOfWork, kit: SchoolKit, sent_directly: list[str]
) -> None:
    seen: list[str] = []

    def note(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    student = kit.student()
    invoice = kit.invoice(student, 10_000)
    event.listen(engine, "before_cursor_execute", note)
    try:
        register_payment(
            uow,
            kit.school,
            method="bank",
            amount_minor=10_000,
            invoice_no=invoice.invoice_no,
            actor=ACTOR,
        )
    finally:
        event.remove(engine, "before_cursor_execute", note)

    assert sent_directly == []
    assert any(sql.startswith("INSERT INTO student_payments") for sql in seen)
    assert any(sql.startswith("INSERT INTO receipts") for sql in seen)


def test_a_duplicate_payment_id_through_the_driver_is_a_duplicate_key(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, sent_directly: list[str]
) -> None:
    _, payment_id = _paid(uow, kit)
    with uow:
        existing = uow.payments.get(payment_id)
    assert existing is not None
    again = dataclasses.replace(existing, receipt_no=99)

    with pytest.raises(DuplicateKey), uow.write():
        uow.payments.add(again, [])

    assert sent_directly[-1:] == ["insert student_payments"]
    with uow:
        assert uow.payments.get(payment_id) == existing


#: How a server's administrator ends another session: the session's id, and the statement.
_ENDING = {
    "postgresql": ("select pg_backend_pid()", "select pg_terminate_backend(:p)"),
    "mysql": ("select connection_id()", "kill :p"),
}


def test_a_connection_the_server_ended_mid_transaction_is_lost_and_replaced(
    engine: Engine, kit: SchoolKit
) -> None:
    if engine.dialect.name not in _ENDING:
        pytest.skip("SQLite has no server to end a connection")
    whose, end = _ENDING[engine.dialect.name]
    own = one_connection(engine)
    uow = SqlAlchemyUnitOfWork(own)

    def ended_midway() -> None:
        with uow.write():
            uow.payments.exists("p-1")  # through the driver: the transaction has begun
            pid = uow.session.execute(text(whose)).scalar_one()
            with engine.begin() as admin:
                admin.execute(text(end), {"p": pid})
            uow.payments.exists("p-2")

    try:
        with pytest.raises((ConnectionLost, Unavailable)):
            ended_midway()
        with uow:
            assert uow.payments.exists("p-3") is False  # a new connection
    finally:
        own.dispose()


def test_rows_added_to_the_session_are_seen_by_a_statement_sent_directly(
    engine: Engine, uow: SqlAlchemyUnitOfWork, kit: SchoolKit, sent_directly: list[str]
) -> None:
    student = kit.student()
    kit.invoice(student, 10_000)
    now = dt.datetime.now(dt.UTC)

    with uow.write():
        uow.session.add(
            PaymentRow(
                id="p-pending",
                school_id=kit.school.id,
                student_id=student.id,
                method="cash",
                amount_minor=4_000,
                currency="DKK",
                status="succeeded",
                created_at=now,
                updated_at=now,
            )
        )
        seen = uow.payments.exists("p-pending")
        balance = uow.balances.recompute(student.id)

    assert sent_directly == ["select", "select"]
    assert seen is True
    assert balance == 6_000
