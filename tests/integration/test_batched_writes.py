"""Writes sent ahead (``UnitOfWork.send_ahead``, :class:`jdoffice.adapters.direct.Batch`):
on PostgreSQL the rows that carry a receipt number and the commit go in one round trip while
the school's receipt counter is held; on every backend what is written, refused or dropped is
what it was when each statement waited for its answer."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import IntegrityError

from jdoffice.adapters.db import make_engine
from jdoffice.adapters.orm import AuditRow, ReceiptCounterRow, ReceiptRow
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.errors import Unavailable
from jdoffice.domain.model import AuditEntry, Payment
from jdoffice.services.gateways import RefundNotice, RefundState
from jdoffice.services.notification_settings import NotificationSettings
from jdoffice.services.payments import register_payment
from jdoffice.services.ports import ConnectionLost, DuplicateKey
from tests.conftest import SchoolKit
from tests.integration.helpers import ACTOR, one_connection


class TurnCounter:
    """A loopback proxy to the database that records what the client sends each time it
    speaks after the server has spoken: one entry per round trip."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.turns: list[bytearray] = []
        self._lock = threading.Lock()
        self._server_spoke = True
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._threads: list[threading.Thread] = []
        self._spawn(self._accept)

    def _spawn(self, fn: Any, *args: Any) -> None:
        t = threading.Thread(target=fn, args=args, daemon=True)
        t.start()
        self._threads.append(t)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            self._spawn(self._pump, client, server, True)
            self._spawn(self._pump, server, client, False)

    def _pump(self, src: socket.socket, dst: socket.socket, from_client: bool) -> None:
        try:
            while data := src.recv(65536):
                with self._lock:
                    if from_client:
                        if self._server_spoke:
                            self.turns.append(bytearray())
                            self._server_spoke = False
                        self.turns[-1] += data
                    else:
                        self._server_spoke = True
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._listener.close()


@pytest.fixture
def postgresql_through_a_counter(engine: Engine) -> Iterator[tuple[Engine, TurnCounter]]:
    if engine.dialect.name != "postgresql":
        pytest.skip("sending without waiting for each answer is PostgreSQL's (pipeline mode)")
    url = engine.url
    counter = TurnCounter(url.host or "127.0.0.1", url.port or 5432)
    own = make_engine(
        url.set(host="127.0.0.1", port=counter.port).render_as_string(hide_password=False),
        pool_size=1,
        max_overflow=0,
    )
    try:
        yield own, counter
    finally:
        own.dispose()
        counter.close()


@pytest.mark.parametrize("confirmations", [False, True], ids=["quiet", "e-mail and SMS on"])
def test_a_payment_holds_the_receipt_counter_for_two_round_trips_on_postgresql(
    postgresql_through_a_counter: tuple[Engine, TurnCounter], kit: SchoolKit, confirmations: bool
) -> None:
    own, counter = postgresql_through_a_counter
    student = kit.student("Åse", "Ødegård", email="aase@example.dk", phone="21 34 56 78")
    invoice = kit.invoice(student, 80_000)
    settings = NotificationSettings(
        email_enabled=confirmations,
        sms_enabled=confirmations,
        sender_address="kontor@osterbro-koreskole.dk",
        sms_sender="Koreskole",
    )
    uow = SqlAlchemyUnitOfWork(own, notification_defaults=settings)
    with uow:
        uow.payments.exists("warm-up")  # the connection is open before counting starts
    counter.turns.clear()

    paid = register_payment(
        uow,
        kit.school,
        method="cash",
        amount_minor=30_000,
        invoice_no=invoice.invoice_no,
        actor=ACTOR,
    )

    turns = [bytes(t) for t in counter.turns]
    locking = [i for i, t in enumerate(turns) if b"receipt_counters" in t and b"FOR UPDATE" in t]
    committing = [i for i, t in enumerate(turns) if b"COMMIT\x00" in t]
    assert len(locking) == 1, turns
    assert len(committing) == 1, turns
    # Lock and move the counter (one turn), then the payment, its allocation, receipt, audit
    # row and the commit (the next): the counter is released with the second answer.
    assert committing[0] == locking[0] + 1
    assert b"INSERT INTO student_payments" in turns[committing[0]]
    assert b"INSERT INTO receipts" in turns[committing[0]]
    assert b"INSERT INTO audit_log" in turns[committing[0]]
    # The confirmations to send, queued in the same transaction, go with them.
    assert turns[committing[0]].count(b"INSERT INTO notifications") == (2 if confirmations else 0)
    # And fewer round trips for the whole payment than statements (16 when each waited).
    assert len(turns) <= 9, len(turns)
    with uow:
        payment = uow.payments.get(paid.payment_id)
        receipt = uow.receipts.get(kit.school.id, paid.receipt_no or 0)
    assert payment is not None
    assert payment.amount_minor == 30_000
    assert receipt is not None
    assert receipt.body.student_name == "Åse Ødegård"


def _a_payment(uow: SqlAlchemyUnitOfWork, kit: SchoolKit) -> Payment:
    student = kit.student()
    invoice = kit.invoice(student, 50_000)
    paid = register_payment(
        uow,
        kit.school,
        method="bank",
        amount_minor=20_000,
        invoice_no=invoice.invoice_no,
        actor=ACTOR,
    )
    with uow:
        payment = uow.payments.get(paid.payment_id)
    assert payment is not None
    return payment


def _counts(engine: Engine, school_id: int) -> tuple[int, int, int]:
    with engine.connect() as c:
        receipts = c.scalar(
            select(func.count()).select_from(ReceiptRow).where(ReceiptRow.school_id == school_id)
        )
        audit = c.scalar(
            select(func.count()).select_from(AuditRow).where(AuditRow.school_id == school_id)
        )
        counter = c.scalar(
            select(ReceiptCounterRow.last_no).where(ReceiptCounterRow.school_id == school_id)
        )
    return int(receipts or 0), int(audit or 0), int(counter or 0)


def test_a_payment_key_taken_meanwhile_fails_the_work_and_writes_nothing_of_it(
    engine: Engine, uow: SqlAlchemyUnitOfWork, kit: SchoolKit
) -> None:
    existing = _a_payment(uow, kit)
    before = _counts(engine, kit.school.id)

    def taken_meanwhile() -> None:
        with uow.write():
            number = uow.receipts.next_number(kit.school.id, existing.created_at)
            uow.send_ahead()
            # The key another desk used meanwhile, with the number this work took, then an
            # audit row after it: on PostgreSQL the refusal comes back with the commit.
            uow.payments.add(dataclasses.replace(existing, receipt_no=number), [])
            uow.audit.add(
                AuditEntry(
                    school_id=kit.school.id,
                    action="payment.registered",
                    entity="payment",
                    entity_id=existing.id,
                    actor=ACTOR,
                    at=existing.created_at,
                    before=None,
                    after={"receipt_no": number},
                )
            )
            uow.commit()

    with pytest.raises(DuplicateKey):
        taken_meanwhile()

    # Nothing of the failed work: no receipt, no audit row, the counter where it was.
    assert _counts(engine, kit.school.id) == before
    with uow:
        assert uow.payments.get(existing.id) == existing
    # And the next payment gets the next number.
    assert _a_payment(uow, kit).receipt_no == before[2] + 1


def test_a_read_after_writes_sent_ahead_sees_them_and_a_rollback_drops_them(
    engine: Engine, uow: SqlAlchemyUnitOfWork, kit: SchoolKit
) -> None:
    existing = _a_payment(uow, kit)
    copy = dataclasses.replace(existing, id="sent-ahead-1", receipt_no=None)

    with uow.write():
        uow.send_ahead()
        uow.payments.add(copy, [])
        assert uow.payments.exists("sent-ahead-1") is True  # through the driver
        assert uow.payments.get("sent-ahead-1") is not None  # through SQLAlchemy
        uow.send_ahead()
        uow.payments.add(dataclasses.replace(copy, id="sent-ahead-2"), [])
        # Left without a commit: rolled back.

    with uow:
        assert uow.payments.exists("sent-ahead-1") is False
        assert uow.payments.exists("sent-ahead-2") is False


def test_work_that_fails_after_writes_sent_ahead_writes_nothing_and_the_connection_serves_on(
    engine: Engine, kit: SchoolKit
) -> None:
    own = one_connection(engine)
    uow = SqlAlchemyUnitOfWork(own)
    try:
        existing = _a_payment(uow, kit)

        def failing() -> None:
            with uow.write():
                uow.send_ahead()
                uow.payments.add(dataclasses.replace(existing, id="failed-1", receipt_no=None), [])
                _ = 1 / 0

        with pytest.raises(ZeroDivisionError):
            failing()
        with uow:
            assert uow.payments.exists("failed-1") is False
        # The one connection of the pool takes the next payment as usual.
        assert _a_payment(uow, kit).receipt_no == (existing.receipt_no or 0) + 1
    finally:
        own.dispose()


def test_a_connection_ended_while_writes_are_sent_ahead_fails_the_commit_and_is_replaced(
    engine: Engine, kit: SchoolKit
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("ending another session's connection is PostgreSQL's")
    own = one_connection(engine)
    uow = SqlAlchemyUnitOfWork(own)
    try:
        existing = _a_payment(uow, kit)

        def cut_before_the_commit() -> None:
            with uow.write():
                pid = uow.session.execute(text("select pg_backend_pid()")).scalar_one()
                uow.send_ahead()
                uow.payments.add(dataclasses.replace(existing, id="cut-1", receipt_no=None), [])
                with engine.begin() as admin:
                    admin.execute(text("select pg_terminate_backend(:p)"), {"p": pid})
                uow.commit()

        # Sent with the commit: the desk cannot know whether it was saved, so it is not
        # retried as a connection lost before anything was saved.
        with pytest.raises(Unavailable) as failed:
            cut_before_the_commit()
        assert not isinstance(failed.value, ConnectionLost)
        with uow:
            assert uow.payments.exists("cut-1") is False  # on a new connection
    finally:
        own.dispose()


def test_a_refusal_already_answered_when_the_commit_is_queued_leaves_the_connection_clean(
    engine: Engine, kit: SchoolKit, caplog: pytest.LogCaptureFixture
) -> None:
    own = one_connection(engine)
    uow = SqlAlchemyUnitOfWork(own)
    try:
        existing = _a_payment(uow, kit)
        with uow:
            first = uow.session.connection().connection.dbapi_connection

        def refused_before_the_commit() -> None:
            with uow.write():
                uow.send_ahead()
                uow.payments.add(dataclasses.replace(existing, receipt_no=None), [])
                time.sleep(0.2)  # the refusal is back on the socket before the COMMIT is sent
                uow.commit()

        with caplog.at_level(logging.WARNING), pytest.raises(DuplicateKey):
            refused_before_the_commit()

        # Rolled back and returned to the pool as any connection: no error resetting it, and
        # the same connection serves the next unit of work.
        assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
        with uow:
            assert uow.session.connection().connection.dbapi_connection is first
            assert uow.payments.exists(existing.id) is True
        assert _a_payment(uow, kit).receipt_no == (existing.receipt_no or 0) + 1
    finally:
        own.dispose()


def test_a_refusal_sent_ahead_and_caught_by_a_savepoint_still_fails_the_commit(
    engine: Engine, uow: SqlAlchemyUnitOfWork, kit: SchoolKit
) -> None:
    existing = _a_payment(uow, kit)
    before = _counts(engine, kit.school.id)
    now = dt.datetime.now(dt.UTC)
    notice = RefundNotice("stripe", "re_1", "pi_1", 1, "DKK", RefundState.SUCCEEDED)

    def caught_on_the_way() -> None:
        with uow.write():
            uow.send_ahead()
            uow.payments.add(dataclasses.replace(existing, receipt_no=None), [])  # key taken
            # Its own savepoint, and a handler for a duplicate of its own: on PostgreSQL the
            # payment's refusal comes out here, and the handler takes it for its own.
            uow.deferred.add(kit.school.id, notice, "evt_caught", "refund.updated", now)
            uow.audit.add(
                AuditEntry(
                    school_id=kit.school.id,
                    action="payment.registered",
                    entity="payment",
                    entity_id=existing.id,
                    actor=ACTOR,
                    at=now,
                )
            )
            uow.commit()

    # Never a commit that seems to succeed and saves nothing.
    with pytest.raises(DuplicateKey):
        caught_on_the_way()
    assert _counts(engine, kit.school.id) == before


def test_after_a_refusal_sent_ahead_and_a_rollback_the_same_work_goes_on(
    engine: Engine, uow: SqlAlchemyUnitOfWork, kit: SchoolKit
) -> None:
    existing = _a_payment(uow, kit)
    refusals: list[str] = []

    with uow.write():
        uow.send_ahead()
        try:
            # The key is taken: refused here, or (sent ahead) by the read after it.
            uow.payments.add(dataclasses.replace(existing, receipt_no=None), [])
            uow.payments.exists(existing.id)
        except IntegrityError as exc:  # as a repository raises it, inside the unit of work
            refusals.append(type(exc).__name__)
        uow.rollback()
        uow.payments.add(dataclasses.replace(existing, id="after-rollback", receipt_no=None), [])
        uow.commit()

    assert refusals == ["IntegrityError"]
    with uow:
        assert uow.payments.exists("after-rollback") is True
