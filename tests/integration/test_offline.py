"""An offline desk on every backend: the local copy, the outbox, and pushing it exactly once.

The shared database is the test database; the desk is cut off from it by a switch that makes
opening it fail with ``Unavailable``, exactly as an unreachable server does (the end-to-end
tests cut a real TCP connection instead). The local copy is a SQLite file per test.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

import pytest
from sqlalchemy import Engine, select, text, update

from jdoffice.adapters import local_store
from jdoffice.adapters.local_store import SqliteLocalStore, SqlOutbox, SqlSharedNotes
from jdoffice.adapters.orm import InvoiceRow, PaymentRow
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.errors import (
    BusinessRuleError,
    IdempotencyMismatch,
    InvalidInput,
    NotFound,
    Unavailable,
)
from jdoffice.domain.model import Actor, FlaggedConfirmation, InvoiceStatus
from jdoffice.services import offline, queries
from jdoffice.services.offline import OfflineDesk, PushOutcome, QueuedPayment
from jdoffice.services.payments import PaymentResult, register_payment
from tests.conftest import SchoolKit
from tests.integration.helpers import assert_balance_consistent, local_today, other_school

ACTOR = Actor(staff="mette", desk="desk-2")


@dataclass
class Link:
    """The desk's line to the shared database, which the test can cut and mend."""

    engine: Engine
    up: bool = True

    def uow(self) -> SqlAlchemyUnitOfWork:
        if not self.up:
            raise Unavailable("database unavailable: connection refused")
        return SqlAlchemyUnitOfWork(self.engine)

    def shared_engine(self) -> Engine:
        if not self.up:
            raise Unavailable("database unavailable: connection refused")
        return self.engine


@dataclass
class OfflineKit:
    kit: SchoolKit
    link: Link
    store: SqliteLocalStore
    desk: OfflineDesk
    stores: list[SqliteLocalStore] = field(default_factory=list)

    def another_desk(self, path: Path, actor: Actor = ACTOR) -> OfflineDesk:
        store = SqliteLocalStore(path, self.kit.engine.url, self.link.shared_engine)
        self.stores.append(store)
        return _desk(self.link, store, self.kit, actor)


def _desk(link: Link, store: SqliteLocalStore, kit: SchoolKit, actor: Actor) -> OfflineDesk:
    return OfflineDesk(
        shared=link.uow,
        local=store,
        notes=SqlSharedNotes(),
        ping=lambda: link.up,
        school_slug=kit.school.slug,
        actor=actor,
    )


@pytest.fixture
def ok(kit: SchoolKit, engine: Engine, tmp_path: Path) -> Iterator[OfflineKit]:
    link = Link(engine)
    store = SqliteLocalStore(tmp_path / "local.sqlite3", engine.url, link.shared_engine)
    o = OfflineKit(kit, link, store, _desk(link, store, kit, ACTOR))
    o.stores.append(store)
    try:
        yield o
    finally:
        for s in o.stores:
            s.dispose()


def queued(outcome: PaymentResult | QueuedPayment) -> QueuedPayment:
    assert isinstance(outcome, QueuedPayment), outcome
    return outcome


def shared_payments(engine: Engine, school_id: int) -> dict[str, tuple[int, int | None, str]]:
    """``payment id -> (amount, receipt_no, offline_receipt_no)`` on the shared database."""
    t = PaymentRow.__table__
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.c.id, t.c.amount_minor, t.c.receipt_no, t.c.offline_receipt_no).where(
                t.c.school_id == school_id
            )
        ).all()
    return {r[0]: (int(r[1]), r[2], r[3] or "") for r in rows}


def invoice_state(desk: OfflineDesk, student_no: str, invoice_no: str) -> tuple[int, InvoiceStatus]:
    view = desk.read(lambda uow, school: queries.student_view(uow, school, student_no)).value
    (inv,) = [i for i in view.invoices if i.invoice_no == invoice_no]
    return inv.outstanding_minor, inv.status(view.today)


# --- pulling -------------------------------------------------------------------------------------


def test_first_pull_lets_the_desk_search_and_view_while_offline(ok: OfflineKit) -> None:
    st = ok.kit.student("Søren", "Ærø", phone="+45 21 34 56 78")
    inv = ok.kit.invoice(st, 85025)

    result = ok.desk.pull()
    ok.link.up = False

    assert result.full
    assert result.students == 1
    assert result.invoices == 1
    hits = ok.desk.read(lambda uow, school: queries.search_students(uow, school, "soren aero"))
    assert hits.offline
    assert [h.student_no for h in hits.value] == [st.student_no]
    assert hits.value[0].balance_minor == 85025
    assert hits.last_pull_at == result.pulled_at
    assert invoice_state(ok.desk, st.student_no, inv.invoice_no) == (85025, InvoiceStatus.OPEN)


def test_incremental_pull_brings_what_changed_on_the_shared_database(ok: OfflineKit) -> None:
    st = ok.kit.student("Ida", "Holm")
    inv = ok.kit.invoice(st, 50000)
    ok.desk.pull()
    newcomer = ok.kit.student("Åse", "Bæk", student_no=f"{ok.kit.prefix}NEW")
    ok.kit.invoice(newcomer, 30000)
    ok.desk.pay(ok.kit.school, method="bank", amount_minor=20000, invoice_no=inv.invoice_no)

    result = ok.desk.pull()
    ok.link.up = False

    assert not result.full
    hits = ok.desk.read(lambda uow, school: queries.search_students(uow, school, "åse bæk"))
    assert [h.student_no for h in hits.value] == [newcomer.student_no]
    assert hits.value[0].balance_minor == 30000
    assert invoice_state(ok.desk, st.student_no, inv.invoice_no) == (
        30000,
        InvoiceStatus.PARTIALLY_PAID,
    )


def test_incremental_pull_with_nothing_changed_copies_nothing_new(ok: OfflineKit) -> None:
    st = ok.kit.student()
    ok.kit.invoice(st, 10000)
    ok.desk.pull()
    # Age the rows past the overlap window, as on a desk where nothing happened for a while.
    old = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    with ok.kit.engine.begin() as conn:
        for table in ("students", "student_invoices", "student_balances", "schools"):
            conn.execute(
                text(f"UPDATE {table} SET updated_at = :old WHERE {_school_col(table)} = :s"),
                {"old": old.replace(tzinfo=None), "s": ok.kit.school.id},
            )
    ok.desk.pull()

    result = ok.desk.pull()

    assert (result.students, result.invoices, result.balances, result.payments) == (0, 0, 0, 0)


def _school_col(table: str) -> str:
    return "id" if table == "schools" else "school_id"


def test_a_desk_without_a_local_copy_says_so_when_offline(ok: OfflineKit) -> None:
    ok.kit.student()
    ok.link.up = False

    with pytest.raises(Unavailable, match="sync pull"):
        ok.desk.read(lambda uow, school: queries.search_students(uow, school, "søren"))
    with pytest.raises(Unavailable, match="sync pull"):
        ok.desk.school()


# --- queueing ------------------------------------------------------------------------------------


def test_offline_payment_is_queued_with_an_offline_receipt_and_shown_on_the_desk(
    ok: OfflineKit,
) -> None:
    st = ok.kit.student()
    inv = ok.kit.invoice(st, 85025)
    ok.desk.pull()
    ok.link.up = False
    before = shared_payments(ok.kit.engine, ok.kit.school.id)

    q = queued(
        ok.desk.pay(
            ok.kit.school,
            method="cash",
            amount_minor=85025,
            invoice_no=inv.invoice_no,
            tendered_minor=100000,
        )
    )

    assert q.offline_receipt_no.startswith("desk-2-")
    assert q.offline_receipt_no.endswith("-O000001")
    assert (q.cash_total_minor, q.rounding_minor, q.change_minor) == (85050, 25, 14950)
    assert q.tendered_minor == 100000
    assert q.allocations == ((inv.invoice_no, 85025),)
    assert q.balance_minor == 0
    assert q.waiting == 1
    status = ok.desk.status()
    assert not status.online
    assert status.pending == 1
    assert offline.status_text(status) == "Offline — 1 payment waiting"
    assert invoice_state(ok.desk, st.student_no, inv.invoice_no) == (0, InvoiceStatus.PAID)
    view = ok.desk.read(lambda uow, school: queries.student_view(uow, school, st.student_no))
    assert [p.payment.id for p in view.value.payments] == [q.payment_id]
    assert shared_payments(ok.kit.engine, ok.kit.school.id) == before


def test_offline_desk_refuses_what_the_shared_database_would_refuse(ok: OfflineKit) -> None:
    st = ok.kit.student()
    inv = ok.kit.invoice(st, 40000)
    ok.desk.pull()
    ok.link.up = False
    queued(ok.desk.pay(ok.kit.school, method="bank", amount_minor=40000, invoice_no=inv.invoice_no))

    with pytest.raises(BusinessRuleError, match="already paid"):
        ok.desk.pay(ok.kit.school, method="bank", amount_minor=100, invoice_no=inv.invoice_no)
    with pytest.raises(NotFound, match="local copy"):
        ok.desk.pay(ok.kit.school, method="bank", amount_minor=100, invoice_no="F-NOPE")
    with pytest.raises(InvalidInput, match="tendered"):
        ok.desk.pay(
            ok.kit.school,
            method="bank",
            amount_minor=100,
            student_no=st.student_no,
            tendered_minor=200,
        )
    st2 = ok.kit.student()
    with pytest.raises(NotFound):
        ok.desk.pay(ok.kit.school, method="bank", amount_minor=100, student_no=st2.student_no)

    assert ok.desk.status().pending == 1


def test_a_card_terminal_payment_taken_offline_reaches_the_shared_database_with_its_reference(
    ok: OfflineKit,
) -> None:
    st = ok.kit.student()
    inv = ok.kit.invoice(st, 45000)
    ok.desk.pull()
    ok.link.up = False

    q = queued(
        ok.desk.pay(
            ok.kit.school,
            method="card",
            amount_minor=45000,
            invoice_no=inv.invoice_no,
            reference="004711",
        )
    )
    assert (q.cash_total_minor, q.rounding_minor, q.change_minor) == (None, 0, None)
    assert invoice_state(ok.desk, st.student_no, inv.invoice_no) == (0, InvoiceStatus.PAID)
    ok.link.up = True
    pushed = ok.desk.push()

    assert [p.outcome for p in pushed.done] == [PushOutcome.RECORDED]
    t = PaymentRow.__table__
    with ok.kit.engine.connect() as conn:
        row = conn.execute(
            select(t.c.method, t.c.amount_minor, t.c.rounding_minor, t.c.reference).where(
                t.c.id == q.payment_id
            )
        ).one()
    assert tuple(row) == ("card", 45000, 0, "004711")


def test_an_offline_card_terminal_payment_without_its_receipt_number_is_refused(
    ok: OfflineKit,
) -> None:
    st = ok.kit.student()
    inv = ok.kit.invoice(st, 45000)
    ok.desk.pull()
    ok.link.up = False

    with pytest.raises(InvalidInput, match="terminal's receipt number"):
        ok.desk.pay(ok.kit.school, method="card", amount_minor=45000, invoice_no=inv.invoice_no)

    assert ok.desk.status().pending == 0
    assert invoice_state(ok.desk, st.student_no, inv.invoice_no) == (45000, InvoiceStatus.OPEN)


def test_the_same_key_queued_twice_is_one_payment(ok: OfflineKit) -> None:
    st = ok.kit.student()
    inv = ok.kit.invoice(st, 40000)
    ok.desk.pull()
    ok.link.up = False
    key = str(uuid.uuid4())

    first = queued(
        ok.desk.pay(
            ok.kit.school, method="bank", amount_minor=10000, invoice_no=inv.invoice_no, key=key
        )
    )
    again = queued(
        ok.desk.pay(
            ok.kit.school, method="bank", amount_minor=10000, invoice_no=inv.invoice_no, key=key
        )
    )

    assert again.replayed
    assert again.offline_receipt_no == first.offline_receipt_no
    assert ok.desk.status().pending == 1
    with pytest.raises(IdempotencyMismatch):
        ok.desk.pay(
            ok.kit.school, method="bank", amount_minor=20000, invoice_no=inv.invoice_no, key=key
        )


# --- pushing -------------------------------------------------------------------------------------


def _take_offline(ok: OfflineKit, n: int) -> tuple[list[QueuedPayment], list[int]]:
    """Pull, go offline, and take one bank payment of 100,00 kr. on each of ``n`` students."""
    students = [ok.kit.student() for _ in range(n)]
    invoices = [ok.kit.invoice(s, 30000) for s in students]
    ok.desk.pull()
    ok.link.up = False
    taken = [
        queued(
            ok.desk.pay(ok.kit.school, method="bank", amount_minor=10000, invoice_no=i.invoice_no)
        )
        for i in invoices
    ]
    return taken, [s.id for s in students]


def test_push_records_each_queued_payment_once_even_when_pushed_twice(ok: OfflineKit) -> None:
    taken, student_ids = _take_offline(ok, 3)
    ok.link.up = True

    first = ok.desk.push()
    second = ok.desk.push()

    assert [p.outcome for p in first.done] == [PushOutcome.RECORDED] * 3
    assert first.waiting == 0
    assert second.done == ()
    on_shared = shared_payments(ok.kit.engine, ok.kit.school.id)
    assert set(on_shared) == {q.payment_id for q in taken}
    assert {v[2] for v in on_shared.values()} == {q.offline_receipt_no for q in taken}
    assert sorted(v[1] or 0 for v in on_shared.values()) == [1, 2, 3]
    uow = SqlAlchemyUnitOfWork(ok.kit.engine)
    for sid in student_ids:
        cached, recomputed = queries.recompute_balance(uow, sid)
        assert cached == recomputed == 20000
    assert ok.desk.status().pending == 0


def test_push_killed_after_the_shared_commit_resumes_without_doubling(ok: OfflineKit) -> None:
    taken, _ = _take_offline(ok, 3)
    ok.link.up = True
    real_mark = SqlOutbox.mark_pushed
    calls = 0

    def dies_on_second(self: SqlOutbox, *args: object, **kwargs: object) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            # The second payment is committed on the shared database; the desk dies before
            # it notes that locally.
            raise KeyboardInterrupt
        real_mark(self, *args, **kwargs)  # type: ignore[arg-type]

    with (
        mock.patch.object(SqlOutbox, "mark_pushed", dies_on_second),
        pytest.raises(KeyboardInterrupt),
    ):
        ok.desk.push()
    assert ok.desk.status().pending == 2

    resumed = ok.desk.push()

    assert [p.outcome for p in resumed.done] == [PushOutcome.ALREADY, PushOutcome.RECORDED]
    assert resumed.waiting == 0
    on_shared = shared_payments(ok.kit.engine, ok.kit.school.id)
    assert set(on_shared) == {q.payment_id for q in taken}
    assert sorted(v[1] or 0 for v in on_shared.values()) == [1, 2, 3]


def test_push_that_loses_the_database_midway_keeps_the_rest_waiting(ok: OfflineKit) -> None:
    taken, _ = _take_offline(ok, 3)
    ok.link.up = True
    real_note = SqlSharedNotes.note_offline_payment
    notes = 0

    def cut_after_first(self: SqlSharedNotes, *args: object, **kwargs: object) -> None:
        nonlocal notes
        notes += 1
        real_note(self, *args, **kwargs)  # type: ignore[arg-type]
        ok.link.up = False

    with mock.patch.object(SqlSharedNotes, "note_offline_payment", cut_after_first):
        report = ok.desk.push()

    assert report.stopped is not None
    assert len(report.done) == 1
    assert report.waiting == 2
    ok.link.up = True
    rest = ok.desk.push()
    assert len(rest.done) == 2
    assert set(shared_payments(ok.kit.engine, ok.kit.school.id)) == {q.payment_id for q in taken}


def test_offline_payment_for_an_invoice_paid_online_meanwhile_becomes_flagged_credit(
    ok: OfflineKit, tmp_path: Path
) -> None:
    st = ok.kit.student()
    inv = ok.kit.invoice(st, 50000)
    ok.desk.pull()
    ok.link.up = False
    q = queued(
        ok.desk.pay(ok.kit.school, method="cash", amount_minor=50000, invoice_no=inv.invoice_no)
    )
    # Meanwhile another desk, still online, takes the same invoice.
    online_desk = ok.another_desk(tmp_path / "other.sqlite3", Actor("jonas", "desk-9"))
    ok.link.up = True
    paid = online_desk.pay(
        ok.kit.school, method="bank", amount_minor=50000, invoice_no=inv.invoice_no
    )
    assert isinstance(paid, PaymentResult)

    report = ok.desk.push()

    (pushed,) = report.done
    assert pushed.outcome == PushOutcome.CREDIT
    assert pushed.credit_minor == 50000
    uow = SqlAlchemyUnitOfWork(ok.kit.engine)
    assert assert_balance_consistent(uow, st) == -50000
    flags = offline_flags(ok)
    assert [(f.provider_ref, f.event_id) for f in flags] == [(q.payment_id, q.offline_receipt_no)]
    assert "kept as credit" in flags[0].reason
    assert set(shared_payments(ok.kit.engine, ok.kit.school.id)) == {paid.payment_id, q.payment_id}


def offline_flags(ok: OfflineKit) -> list[FlaggedConfirmation]:
    uow = SqlAlchemyUnitOfWork(ok.kit.engine)
    with uow:
        return [f for f in uow.flags.unresolved(ok.kit.school.id) if f.gateway == "offline"]


def test_partly_paid_meanwhile_settles_what_is_left_and_keeps_the_rest_as_credit(
    ok: OfflineKit,
) -> None:
    st = ok.kit.student()
    inv = ok.kit.invoice(st, 50000)
    ok.desk.pull()
    ok.link.up = False
    queued(ok.desk.pay(ok.kit.school, method="bank", amount_minor=50000, invoice_no=inv.invoice_no))
    ok.link.up = True
    register_payment(  # another desk takes 200,00 kr. of it
        SqlAlchemyUnitOfWork(ok.kit.engine),
        ok.kit.school,
        method="mobilepay",
        amount_minor=20000,
        invoice_no=inv.invoice_no,
        actor=Actor("jonas", "desk-9"),
    )

    (pushed,) = ok.desk.push().done

    assert pushed.outcome == PushOutcome.CREDIT
    assert pushed.credit_minor == 20000
    uow = SqlAlchemyUnitOfWork(ok.kit.engine)
    assert assert_balance_consistent(uow, st) == -20000
    ok.desk.pull()
    assert invoice_state(ok.desk, st.student_no, inv.invoice_no) == (0, InvoiceStatus.PAID)


def test_a_payment_for_the_student_pays_the_invoices_on_its_offline_receipt(
    ok: OfflineKit,
) -> None:
    st = ok.kit.student()
    first = ok.kit.invoice(st, 30000, due=dt.date(2026, 1, 10))
    second = ok.kit.invoice(st, 40000, due=dt.date(2026, 2, 10))
    ok.desk.pull()
    ok.link.up = False
    q = queued(
        ok.desk.pay(ok.kit.school, method="cash", amount_minor=50000, student_no=st.student_no)
    )
    assert q.allocations == ((first.invoice_no, 30000), (second.invoice_no, 20000))
    ok.link.up = True
    older = ok.kit.invoice(st, 10000, due=dt.date(2025, 12, 1))  # the web system, meanwhile

    (pushed,) = ok.desk.push().done

    assert pushed.outcome == PushOutcome.RECORDED
    assert offline_flags(ok) == []
    ok.desk.pull()
    assert invoice_state(ok.desk, st.student_no, first.invoice_no)[0] == 0
    assert invoice_state(ok.desk, st.student_no, second.invoice_no)[0] == 20000
    assert invoice_state(ok.desk, st.student_no, older.invoice_no)[0] == 10000, "not touched"
    uow = SqlAlchemyUnitOfWork(ok.kit.engine)
    assert assert_balance_consistent(uow, st) == 30000


def test_a_student_payment_whose_invoices_changed_meanwhile_is_flagged_for_the_office(
    ok: OfflineKit,
) -> None:
    st = ok.kit.student()
    first = ok.kit.invoice(st, 30000, due=dt.date(2026, 1, 10))
    second = ok.kit.invoice(st, 40000, due=dt.date(2026, 2, 10))
    ok.desk.pull()
    ok.link.up = False
    q = queued(
        ok.desk.pay(ok.kit.school, method="cash", amount_minor=50000, student_no=st.student_no)
    )
    ok.link.up = True
    register_payment(  # another desk pays the first invoice meanwhile
        SqlAlchemyUnitOfWork(ok.kit.engine),
        ok.kit.school,
        method="bank",
        amount_minor=30000,
        invoice_no=first.invoice_no,
        actor=Actor("jonas", "desk-9"),
    )

    (pushed,) = ok.desk.push().done

    assert pushed.outcome == PushOutcome.CREDIT  # 400,00 kr. owed, 500,00 kr. taken
    [flag] = offline_flags(ok)
    assert flag.event_id == q.offline_receipt_no
    ok.desk.pull()
    assert invoice_state(ok.desk, st.student_no, second.invoice_no)[0] == 0
    uow = SqlAlchemyUnitOfWork(ok.kit.engine)
    assert assert_balance_consistent(uow, st) == -10000


def test_a_student_renumbered_meanwhile_still_gets_the_offline_payment(ok: OfflineKit) -> None:
    st = ok.kit.student()
    ok.kit.invoice(st, 30000)
    ok.desk.pull()
    ok.link.up = False
    q = queued(
        ok.desk.pay(ok.kit.school, method="cash", amount_minor=30000, student_no=st.student_no)
    )
    ok.link.up = True
    with ok.kit.engine.begin() as conn:  # the web system gives the student a new number
        conn.execute(
            text("UPDATE students SET student_no = :no WHERE id = :id"),
            {"no": st.student_no + "-N", "id": st.id},
        )

    (pushed,) = ok.desk.push().done

    assert pushed.outcome == PushOutcome.RECORDED
    assert q.payment_id in shared_payments(ok.kit.engine, ok.kit.school.id)
    uow = SqlAlchemyUnitOfWork(ok.kit.engine)
    assert assert_balance_consistent(uow, st) == 0


def test_pull_keeps_payments_still_waiting_on_the_desk(ok: OfflineKit) -> None:
    st = ok.kit.student()
    inv = ok.kit.invoice(st, 50000)
    other = ok.kit.invoice(st, 20000)
    ok.desk.pull()
    ok.link.up = False
    queued(ok.desk.pay(ok.kit.school, method="bank", amount_minor=30000, invoice_no=inv.invoice_no))
    ok.link.up = True
    # Something else changes the same invoice's row on the shared database.
    with ok.kit.engine.begin() as conn:
        conn.execute(
            update(InvoiceRow)
            .where(InvoiceRow.id == inv.id)
            .values(text="Køretime 90 min", updated_at=dt.datetime.now(dt.UTC))
        )

    ok.desk.pull()
    ok.desk.pull(full=True)

    ok.link.up = False
    assert invoice_state(ok.desk, st.student_no, inv.invoice_no)[0] == 20000
    assert invoice_state(ok.desk, st.student_no, other.invoice_no)[0] == 20000
    view = ok.desk.read(lambda uow, school: queries.student_view(uow, school, st.student_no))
    assert view.value.balance_minor == 40000
    assert len(view.value.payments) == 1


def test_pay_sends_waiting_payments_first_when_the_database_is_back(ok: OfflineKit) -> None:
    taken, _ = _take_offline(ok, 2)
    st = ok.kit.student()
    inv = ok.kit.invoice(st, 10000, due=local_today(ok.kit))
    ok.link.up = True

    r = ok.desk.pay(ok.kit.school, method="bank", amount_minor=10000, invoice_no=inv.invoice_no)

    assert isinstance(r, PaymentResult)
    assert r.receipt_no == 3
    assert ok.desk.status().pending == 0
    assert set(shared_payments(ok.kit.engine, ok.kit.school.id)) == {
        *(q.payment_id for q in taken),
        r.payment_id,
    }


def test_a_queued_key_registered_online_meanwhile_is_one_payment(ok: OfflineKit) -> None:
    st = ok.kit.student()
    inv = ok.kit.invoice(st, 40000)
    ok.desk.pull()
    ok.link.up = False
    key = str(uuid.uuid4())
    q = queued(
        ok.desk.pay(
            ok.kit.school, method="bank", amount_minor=40000, invoice_no=inv.invoice_no, key=key
        )
    )
    ok.link.up = True
    register_payment(  # the same request sent again by a script once the database answered
        SqlAlchemyUnitOfWork(ok.kit.engine),
        ok.kit.school,
        method="bank",
        amount_minor=40000,
        invoice_no=inv.invoice_no,
        key=key,
        actor=ACTOR,
    )

    (pushed,) = ok.desk.push().done

    assert pushed.outcome == PushOutcome.ALREADY
    assert shared_payments(ok.kit.engine, ok.kit.school.id) == {
        q.payment_id: (40000, 1, q.offline_receipt_no)
    }


# --- offline receipt numbers --------------------------------------------------------------------


def test_offline_receipts_are_a_series_per_desk_that_never_meets_the_shared_numbers(
    ok: OfflineKit, tmp_path: Path
) -> None:
    students = [ok.kit.student() for _ in range(4)]
    invoices = [ok.kit.invoice(s, 10000) for s in students]
    # Two desks with the same name on two computers, and a second desk on the first one.
    twin = ok.another_desk(tmp_path / "twin.sqlite3")
    desk3 = _desk(ok.link, ok.store, ok.kit, Actor("mette", "desk-3"))
    for d in (ok.desk, twin):
        d.pull()
    ok.link.up = False

    numbers = [
        queued(
            d.pay(ok.kit.school, method="bank", amount_minor=10000, invoice_no=i.invoice_no)
        ).offline_receipt_no
        for d, i in zip((ok.desk, ok.desk, twin, desk3), invoices, strict=True)
    ]

    assert len(set(numbers)) == 4
    assert numbers[0].endswith("-O000001")
    assert numbers[1].endswith("-O000002")
    assert numbers[2].startswith("desk-2-")
    assert numbers[2].endswith("-O000001")
    assert numbers[3].startswith("desk-3-")
    assert numbers[3].endswith("-O000001")
    for n in numbers:
        assert not n.isdigit()
        assert "-O" in n
    ok.link.up = True
    for d in (ok.desk, twin):
        assert not d.push().failed
    on_shared = shared_payments(ok.kit.engine, ok.kit.school.id)
    assert sorted(v[2] for v in on_shared.values()) == sorted(numbers)
    assert sorted(v[1] or 0 for v in on_shared.values()) == [1, 2, 3, 4]


def test_pulling_another_school_while_payments_wait_is_refused(
    ok: OfflineKit, engine: Engine
) -> None:
    st = ok.kit.student()
    inv = ok.kit.invoice(st, 10000)
    ok.desk.pull()
    ok.link.up = False
    queued(ok.desk.pay(ok.kit.school, method="bank", amount_minor=10000, invoice_no=inv.invoice_no))
    ok.link.up = True
    elsewhere = other_school(engine)
    desk = _desk(ok.link, ok.store, elsewhere, ACTOR)

    with pytest.raises(BusinessRuleError, match="push them"):
        desk.pull()

    assert ok.desk.status().pending == 1


def test_local_database_path_comes_from_the_option_the_environment_or_the_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, engine: Engine
) -> None:
    monkeypatch.delenv(local_store.ENV_LOCAL_DB, raising=False)
    default = local_store.resolve_local_path(None, engine.url)
    assert default.name.startswith("local-")
    assert default.suffix == ".sqlite3"
    monkeypatch.setenv(local_store.ENV_LOCAL_DB, str(tmp_path / "env.sqlite3"))
    assert local_store.resolve_local_path(None, engine.url) == tmp_path / "env.sqlite3"
    assert local_store.resolve_local_path(str(tmp_path / "cli.sqlite3"), engine.url) == (
        tmp_path / "cli.sqlite3"
    )
