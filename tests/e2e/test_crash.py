"""A desk process killed (SIGKILL) in the middle of a payment leaves either nothing or the
whole payment, and a retry with the same idempotency key then records it exactly once.

The child process runs the real :func:`register_payment` with one repository method wrapped
(production code is untouched): at the chosen point the wrapper writes a marker file holding
its database session id and sleeps; the test kills the process as soon as the marker appears.
On PostgreSQL and MariaDB the server rolls back a dead client's transaction when it notices the
closed socket; the test waits (bounded) until the server has dropped that session.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unittest import mock

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from jdoffice.adapters import db
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork, SqlAudit, SqlReceipts
from jdoffice.domain.model import Actor, AuditEntry, Invoice, Receipt
from jdoffice.services import queries
from jdoffice.services.payments import PaymentResult, register_payment
from tests.conftest import SchoolKit
from tests.e2e.conftest import (
    assert_balance_recomputes,
    assert_receipts_gap_free,
    connection_alive,
    finish,
    money_snapshot,
    receipt_numbers,
    start_python,
    stop,
    wait_until,
)

if TYPE_CHECKING:
    # For annotations only: pytest would try to collect a ``Test*`` class.
    from tests.conftest import TestDatabase

#: The child sleeps this long at the pause point; the test kills it long before.
HOLD_SECONDS = 120.0
#: Exit code of a child that was not killed (it must never be seen).
NOT_KILLED = 17

DESK = "import sys; from tests.e2e.test_crash import dying_desk; dying_desk(sys.argv[1])"

#: Where the child pauses. The first two are inside the transaction: payment, allocation,
#: invoice, balance and receipt counter written (and, before commit, the receipt and the audit
#: row too). The last is after the commit.
POINTS = ("before_receipt", "before_commit", "after_commit")

AMOUNT = 85025
TENDERED = 100000


def session_id(session: Session) -> int:
    """The server's id of this session's connection (the process id on SQLite)."""
    conn = session.connection()
    name = conn.dialect.name
    if name == "postgresql":
        return int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
    if name in ("mysql", "mariadb"):
        return int(conn.exec_driver_sql("SELECT CONNECTION_ID()").scalar_one())
    return os.getpid()


def pause_point(point: str, hold: Callable[[int], None]) -> AbstractContextManager[Any]:
    """Wrap the repository method where ``point`` is, so that it calls ``hold`` there."""
    if point == "before_receipt":
        add_receipt = SqlReceipts.add

        def paused_receipt(self: SqlReceipts, receipt: Receipt) -> None:
            hold(session_id(self.s))
            add_receipt(self, receipt)

        return mock.patch.object(SqlReceipts, "add", paused_receipt)
    if point == "before_commit":
        add_audit = SqlAudit.add

        def paused_audit(self: SqlAudit, entry: AuditEntry) -> None:
            add_audit(self, entry)  # the last row the payment writes
            hold(session_id(self.s))

        return mock.patch.object(SqlAudit, "add", paused_audit)
    if point == "after_commit":
        commit = SqlAlchemyUnitOfWork.commit

        def paused_commit(self: SqlAlchemyUnitOfWork) -> None:
            sid = session_id(self.session)
            commit(self)
            hold(sid)

        return mock.patch.object(SqlAlchemyUnitOfWork, "commit", paused_commit)
    raise ValueError(point)


def dying_desk(spec_file: str) -> None:
    """In a child process: take the payment of the spec and stop dead at its pause point."""
    spec = json.loads(Path(spec_file).read_text(encoding="utf-8"))
    engine = db.make_engine(spec["url"])
    uow = SqlAlchemyUnitOfWork(engine)
    school = queries.resolve_school(uow, spec["school"])
    marker = Path(spec["marker"])

    def hold(sid: int) -> None:
        staged = marker.with_suffix(".tmp")
        staged.write_text(str(sid), encoding="utf-8")
        os.replace(staged, marker)
        time.sleep(HOLD_SECONDS)
        print("the test did not kill this desk", file=sys.stderr)
        os._exit(NOT_KILLED)

    with pause_point(spec["point"], hold):
        register_payment(
            uow,
            school,
            method="cash",
            amount_minor=AMOUNT,
            tendered_minor=TENDERED,
            invoice_no=spec["invoice_no"],
            key=spec["key"],
            actor=Actor(staff="crash", desk="desk-9"),
        )
    os._exit(NOT_KILLED)


def invoice_is_locked(database: TestDatabase, engine: Engine, invoice_id: int) -> bool:
    """Whether another transaction holds the invoice (on SQLite: the database's write lock)."""
    if database.backend == "sqlite":
        path = database.url.database
        assert path is not None
        probe = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return True
        finally:
            probe.close()
        return False
    with engine.connect() as conn:
        try:
            conn.execute(
                text("SELECT id FROM student_invoices WHERE id = :i FOR UPDATE NOWAIT"),
                {"i": invoice_id},
            ).all()
        except OperationalError:
            return True
        finally:
            conn.rollback()
    return False


def kill_in_the_middle(
    tmp_path: Path, database: TestDatabase, kit: SchoolKit, invoice: Invoice, key: str, point: str
) -> None:
    marker = tmp_path / "paused"
    spec_file = tmp_path / "desk.json"
    spec_file.write_text(
        json.dumps(
            {
                "url": database.url_text,
                "school": kit.school.slug,
                "invoice_no": invoice.invoice_no,
                "key": key,
                "point": point,
                "marker": str(marker),
            }
        ),
        encoding="utf-8",
    )
    proc = start_python(DESK, str(spec_file))
    try:

        def paused() -> bool:
            if proc.poll() is not None:
                _, _, err = finish(proc)
                raise AssertionError(f"the desk ended before its pause point:\n{err[-3000:]}")
            return marker.exists()

        wait_until(paused, 90, f"the desk to pause at {point}")
        sid = int(marker.read_text(encoding="utf-8"))
        # Inside the transaction the desk holds the invoice; after the commit it does not.
        locked = invoice_is_locked(database, kit.engine, invoice.id)
        assert locked is (point != "after_commit"), f"paused at {point}, locked={locked}"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        stop(proc)
    assert proc.returncode == -signal.SIGKILL
    # The server rolls back the dead session's transaction and drops it; wait for that.
    wait_until(
        lambda: not connection_alive(kit.engine, database.backend, sid),
        30,
        f"the {database.backend} server to end the killed desk's session {sid}",
        interval=0.05,
    )


@pytest.fixture
def fresh_engine(database: TestDatabase) -> Iterator[Engine]:
    """An engine with no pooled connections from before the crash."""
    engine = db.make_engine(database.url)
    yield engine
    engine.dispose()


def rows_of_payment(engine: Engine, key: str) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            table: int(
                conn.execute(
                    text(f"SELECT COUNT(*) FROM {table} WHERE {column} = :k"), {"k": key}
                ).scalar_one()
            )
            for table, column in (
                ("student_payments", "id"),
                ("student_payment_allocations", "payment_id"),
                ("receipts", "payment_id"),
                ("audit_log", "entity_id"),
            )
        }


def paid_minor(engine: Engine, invoice_no: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT paid_minor FROM student_invoices WHERE invoice_no = :n"),
                {"n": invoice_no},
            ).scalar_one()
        )


@pytest.mark.parametrize("point", POINTS)
def test_desk_killed_mid_payment_leaves_nothing_or_everything_and_the_key_retries_once(
    tmp_path: Path,
    database: TestDatabase,
    kit: SchoolKit,
    fresh_engine: Engine,
    point: str,
) -> None:
    st = kit.student("Søs", "Bækgaard")
    inv = kit.invoice(st, AMOUNT)
    key = str(uuid.uuid4())
    before = money_snapshot(kit.engine)
    numbers_before, counter_before = receipt_numbers(kit.engine, kit.school.id)

    kill_in_the_middle(tmp_path, database, kit, inv, key, point)

    committed = point == "after_commit"
    whole = {
        "student_payments": 1,
        "student_payment_allocations": 1,
        "receipts": 1,
        "audit_log": 1,
    }
    if committed:
        assert rows_of_payment(fresh_engine, key) == whole
        assert paid_minor(fresh_engine, inv.invoice_no) == AMOUNT
        assert receipt_numbers(fresh_engine, kit.school.id) == (
            [*numbers_before, counter_before + 1],
            counter_before + 1,
        )
        assert assert_balance_recomputes(fresh_engine, st.id) == 0
    else:
        assert money_snapshot(fresh_engine) == before
        assert rows_of_payment(fresh_engine, key) == dict.fromkeys(whole, 0)
        assert paid_minor(fresh_engine, inv.invoice_no) == 0
        assert receipt_numbers(fresh_engine, kit.school.id) == (numbers_before, counter_before)
        assert assert_balance_recomputes(fresh_engine, st.id) == AMOUNT

    def retry() -> PaymentResult:
        return register_payment(
            SqlAlchemyUnitOfWork(fresh_engine),
            kit.school,
            method="cash",
            amount_minor=AMOUNT,
            tendered_minor=TENDERED,
            invoice_no=inv.invoice_no,
            key=key,
            actor=Actor(staff="crash", desk="desk-9"),
        )

    first, second = retry(), retry()

    assert first.payment_id == second.payment_id == key
    assert first.replayed is committed
    assert second.replayed
    assert first.receipt_no == second.receipt_no == counter_before + 1
    assert (first.cash_total_minor, first.change_minor, first.rounding_minor) == (85050, 14950, 25)
    assert rows_of_payment(fresh_engine, key) == whole
    assert paid_minor(fresh_engine, inv.invoice_no) == AMOUNT
    assert assert_receipts_gap_free(fresh_engine, kit.school.id)[-1] == counter_before + 1
    assert assert_balance_recomputes(fresh_engine, st.id) == 0
