"""The database guards the money's invariants itself (issue 10, item 7), on every backend.

A buggy system sharing the database writes rows straight into the tables. Each scenario: the
database refuses the row, or ``jdoffice db check`` finds it and the desk warns about it and
shows the figures recomputed from the rows; and afterwards the desk still takes payments.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import Engine, event, insert, update
from sqlalchemy.exc import DBAPIError

from jdoffice.adapters import db, records
from jdoffice.adapters.orm import (
    AllocationRow,
    BalanceRow,
    InvoiceRow,
    PaymentRow,
    ReceiptRow,
    RefundRow,
    SchoolRow,
)
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork, translate_db_error
from jdoffice.domain.errors import BusinessRuleError
from jdoffice.domain.integrity import Problem
from jdoffice.domain.model import UTC, Student
from jdoffice.services.integrity import check_database
from jdoffice.services.payments import PaymentResult, register_payment
from jdoffice.services.ports import DuplicateKey, NewSchool
from jdoffice.services.queries import day_report, student_view
from tests.conftest import BACKENDS, SchoolKit
from tests.integration.helpers import ACTOR, Desk, other_school

if TYPE_CHECKING:
    # Imported for its annotation only: pytest would try to collect a ``Test*`` class.
    from tests.conftest import TestDatabase


@pytest.fixture
def desk(kit: SchoolKit, uow: SqlAlchemyUnitOfWork) -> Desk:
    return Desk(uow, kit)


def now() -> dt.datetime:
    return dt.datetime.now(UTC)


def web_payment(kit: SchoolKit, student: Student, **fields: Any) -> dict[str, Any]:
    """A payment row as a web system would write it, straight into the table."""
    row: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "school_id": kit.school.id,
        "student_id": student.id,
        "method": "card",
        "status": "succeeded",
        "amount_minor": 10_000,
        "refunded_minor": 0,
        "currency": kit.school.currency,
        "rounding_minor": 0,
        "reference": "web",
        "receipt_no": None,
        "desk": "web",
        "staff": "web",
        "fingerprint": "",
        "created_at": now(),
        "updated_at": now(),
    }
    return row | fields


def write(engine: Engine, stmt: Any) -> None:
    with engine.begin() as conn:
        conn.execute(stmt)


def refused(engine: Engine, stmt: Any, *, taken: bool = False) -> None:
    """The database refuses ``stmt`` and nothing is written: a rule of the schema (a CHECK, a
    foreign key) says no, which jdoffice reports as a rule refused (never as a lost
    connection); with ``taken``, a unique key is already taken."""
    with pytest.raises(DBAPIError) as caught, engine.begin() as conn:
        conn.execute(stmt)
    message = str(caught.value.orig).lower()
    assert any(
        w in message for w in ("constraint", "foreign key", "check", "unique", "duplicate")
    ), message
    translated = translate_db_error(caught.value)
    expected = DuplicateKey if taken else BusinessRuleError
    assert type(translated) is expected, (type(translated).__name__, message)


def pay_at_the_desk(uow: SqlAlchemyUnitOfWork, kit: SchoolKit, student: Student) -> PaymentResult:
    """The desk takes a payment for a new invoice of ``student``."""
    invoice = kit.invoice(student, 50_000)
    return register_payment(
        uow,
        kit.school,
        method="bank",
        amount_minor=50_000,
        invoice_no=invoice.invoice_no,
        student_no=None,
        tendered_minor=None,
        actor=ACTOR,
    )


def found(uow: SqlAlchemyUnitOfWork, kit: SchoolKit) -> set[tuple[Problem, str, str]]:
    return {(i.problem, i.table, i.row_id) for i in check_database(uow, kit.school).found}


# --- receipt numbers ------------------------------------------------------------------------


def test_a_payment_written_with_the_next_receipt_number_does_not_stop_the_desk(
    kit: SchoolKit, uow: SqlAlchemyUnitOfWork, engine: Engine
) -> None:
    student = kit.student()
    first = pay_at_the_desk(uow, kit, student)
    assert first.receipt_no is not None
    # The web system takes the next number itself and leaves the counter where it was.
    write(
        engine,
        insert(PaymentRow).values(web_payment(kit, student, receipt_no=first.receipt_no + 1)),
    )
    assert (Problem.RECEIPT_COUNTER_BEHIND, "receipt_counters", str(kit.school.id)) in found(
        uow, kit
    )

    second = pay_at_the_desk(uow, kit, student)
    third = pay_at_the_desk(uow, kit, student)

    assert (second.receipt_no, third.receipt_no) == (first.receipt_no + 2, first.receipt_no + 3)
    with uow:
        assert uow.receipts.get(kit.school.id, first.receipt_no + 2) is not None
    assert not any(p == Problem.RECEIPT_COUNTER_BEHIND for p, _, _ in found(uow, kit))


def test_a_receipt_written_with_the_next_number_is_skipped_without_a_gap(
    kit: SchoolKit, uow: SqlAlchemyUnitOfWork, engine: Engine
) -> None:
    student = kit.student()
    first = pay_at_the_desk(uow, kit, student)
    assert first.receipt_no is not None
    web = web_payment(kit, student, receipt_no=first.receipt_no + 1)
    write(engine, insert(PaymentRow).values(web))
    write(
        engine,
        insert(ReceiptRow).values(
            school_id=kit.school.id,
            receipt_no=first.receipt_no + 1,
            kind="payment",
            payment_id=web["id"],
            issued_at=now(),
            copies_printed=0,
            body={},
            created_at=now(),
            updated_at=now(),
        ),
    )

    assert pay_at_the_desk(uow, kit, student).receipt_no == first.receipt_no + 2


# --- one school's rows stay with that school ------------------------------------------------


def test_a_payment_of_one_school_for_another_schools_student_is_refused(
    kit: SchoolKit, uow: SqlAlchemyUnitOfWork, engine: Engine
) -> None:
    theirs = other_school(engine)
    their_student = theirs.student("Bo", "Berg")
    balance_before = student_view(uow, theirs.school, their_student.student_no).balance_minor

    refused(engine, insert(PaymentRow).values(web_payment(kit, their_student)))

    view = student_view(uow, theirs.school, their_student.student_no)
    assert view.payments == ()
    assert view.balance_minor == balance_before
    assert view.problems == ()
    assert pay_at_the_desk(uow, theirs, their_student).receipt_no == 1
    assert pay_at_the_desk(uow, kit, kit.student()).receipt_no == 1


def test_a_refund_or_receipt_of_one_school_for_another_schools_payment_is_refused(
    kit: SchoolKit, uow: SqlAlchemyUnitOfWork, engine: Engine
) -> None:
    theirs = other_school(engine)
    their_student = theirs.student("Bo", "Berg")
    paid = pay_at_the_desk(uow, theirs, their_student)
    # A payment of theirs that has no receipt yet: only the school can stop a receipt of ours.
    unreceipted = web_payment(theirs, their_student, status="pending")
    write(engine, insert(PaymentRow).values(unreceipted))
    mine = kit.student()

    refused(
        engine,
        insert(RefundRow).values(
            id=str(uuid.uuid4()),
            payment_id=paid.payment_id,
            school_id=kit.school.id,
            student_id=mine.id,
            amount_minor=1_000,
            currency="DKK",
            reason="web",
            status="succeeded",
            rounding_minor=0,
            desk="web",
            staff="web",
            fingerprint="",
            created_at=now(),
            updated_at=now(),
        ),
    )
    refused(
        engine,
        insert(ReceiptRow).values(
            school_id=kit.school.id,
            receipt_no=99,
            kind="payment",
            payment_id=unreceipted["id"],
            issued_at=now(),
            copies_printed=0,
            body={},
            created_at=now(),
            updated_at=now(),
        ),
    )

    assert student_view(uow, theirs.school, their_student.student_no).problems == ()
    assert pay_at_the_desk(uow, kit, mine).receipt_no == 1


# --- money in the school's currency ---------------------------------------------------------


def test_a_payment_in_another_currency_is_refused_and_not_reported_as_kroner(
    kit: SchoolKit, uow: SqlAlchemyUnitOfWork, engine: Engine
) -> None:
    student = kit.student()
    paid = pay_at_the_desk(uow, kit, student)

    refused(engine, insert(PaymentRow).values(web_payment(kit, student, currency="EUR")))
    refused(
        engine, update(PaymentRow).where(PaymentRow.id == paid.payment_id).values(currency="EUR")
    )
    refused(engine, insert(PaymentRow).values(web_payment(kit, student, currency="dkk")))

    report = day_report(uow, kit.school)
    assert report.currency == "DKK"
    assert sum(report.totals.values()) == 50_000
    assert pay_at_the_desk(uow, kit, student).receipt_no == 2


def test_a_school_currency_that_is_not_a_currency_code_is_refused(
    kit: SchoolKit, engine: Engine
) -> None:
    refused(engine, update(SchoolRow).where(SchoolRow.id == kit.school.id).values(currency="kr."))


def test_a_school_with_money_rows_keeps_its_currency(
    kit: SchoolKit, uow: SqlAlchemyUnitOfWork, engine: Engine
) -> None:
    pay_at_the_desk(uow, kit, kit.student())

    refused(engine, update(SchoolRow).where(SchoolRow.id == kit.school.id).values(currency="EUR"))


# --- amounts and statuses -------------------------------------------------------------------


def test_a_negative_invoice_is_refused(
    kit: SchoolKit, uow: SqlAlchemyUnitOfWork, engine: Engine
) -> None:
    student = kit.student()
    invoice = kit.invoice(student, 30_000)
    row = {
        "school_id": kit.school.id,
        "student_id": student.id,
        "invoice_no": f"{kit.prefix}NEG",
        "text": "Kreditnota",
        "amount_minor": -10_000,
        "paid_minor": 0,
        "currency": "DKK",
        "due_date": kit.school.local_date(now()),
        "issued_at": now(),
        "created_at": now(),
        "updated_at": now(),
    }

    refused(engine, insert(InvoiceRow).values(row))
    refused(engine, update(InvoiceRow).where(InvoiceRow.id == invoice.id).values(amount_minor=-1))

    view = student_view(uow, kit.school, student.student_no)
    assert [i.amount_minor for i in view.invoices] == [30_000]
    assert view.balance_minor == 30_000
    assert pay_at_the_desk(uow, kit, student).receipt_no == 1


def test_payments_refunds_and_allocations_that_move_no_money_are_refused(
    kit: SchoolKit, uow: SqlAlchemyUnitOfWork, engine: Engine
) -> None:
    student = kit.student()
    paid = pay_at_the_desk(uow, kit, student)
    with uow:
        (allocation,) = uow.payments.allocations(paid.payment_id)

    refused(engine, insert(PaymentRow).values(web_payment(kit, student, amount_minor=0)))
    refused(engine, insert(PaymentRow).values(web_payment(kit, student, amount_minor=-10_000)))
    refused(engine, insert(PaymentRow).values(web_payment(kit, student, status="paid")))
    pid = PaymentRow.id == paid.payment_id
    refused(engine, update(PaymentRow).where(pid).values(refunded_minor=50_001))
    refused(engine, update(PaymentRow).where(pid).values(refunded_minor=-10_000))
    refused(
        engine,
        insert(AllocationRow).values(
            payment_id=paid.payment_id,
            invoice_id=allocation.invoice_id,
            amount_minor=-5_000,
            created_at=now(),
        ),
    )

    assert student_view(uow, kit.school, student.student_no).problems == ()
    assert pay_at_the_desk(uow, kit, student).receipt_no == 2


def test_a_second_receipt_for_a_payment_or_a_refund_is_refused(
    kit: SchoolKit, uow: SqlAlchemyUnitOfWork, engine: Engine, desk: Desk
) -> None:
    student = kit.student()
    paid = pay_at_the_desk(uow, kit, student)
    refund = desk.refund(student, paid.payment_id, 10_000)

    def receipt(no: int, kind: str, refund_id: str | None) -> Any:
        return insert(ReceiptRow).values(
            school_id=kit.school.id,
            receipt_no=no,
            kind=kind,
            payment_id=paid.payment_id,
            refund_id=refund_id,
            issued_at=now(),
            copies_printed=0,
            body={},
            created_at=now(),
            updated_at=now(),
        )

    refused(engine, receipt(90, "payment", None), taken=True)
    refused(engine, receipt(91, "refund", refund.refund_id), taken=True)
    assert pay_at_the_desk(uow, kit, student).receipt_no == 3


# --- what the database cannot refuse: found, shown, warned about -----------------------------


def test_a_tampered_cached_balance_is_found_and_the_desk_shows_the_recomputed_one(
    kit: SchoolKit, uow: SqlAlchemyUnitOfWork, engine: Engine
) -> None:
    student = kit.student()
    kit.invoice(student, 80_000)
    bystander = kit.student("Anna", "Holm")
    write(
        engine,
        update(BalanceRow).where(BalanceRow.student_id == student.id).values(balance_minor=0),
    )

    assert found(uow, kit) == {(Problem.BALANCE_MISMATCH, "student_balances", str(student.id))}
    view = student_view(uow, kit.school, student.student_no)
    assert view.balance_minor == 80_000
    assert [p.problem for p in view.problems] == [Problem.BALANCE_MISMATCH]
    assert student_view(uow, kit.school, bystander.student_no).problems == ()

    assert pay_at_the_desk(uow, kit, student).receipt_no == 1
    assert student_view(uow, kit.school, student.student_no).balance_minor == 80_000


def test_a_refunded_total_that_does_not_add_up_is_found(
    kit: SchoolKit, uow: SqlAlchemyUnitOfWork, engine: Engine
) -> None:
    student = kit.student()
    paid = pay_at_the_desk(uow, kit, student)
    write(
        engine,
        update(PaymentRow).where(PaymentRow.id == paid.payment_id).values(refunded_minor=20_000),
    )

    assert (Problem.REFUNDED_MISMATCH, "student_payments", paid.payment_id) in found(uow, kit)
    assert pay_at_the_desk(uow, kit, student).receipt_no == 2


def test_a_school_whose_desk_worked_normally_checks_clean(
    kit: SchoolKit, uow: SqlAlchemyUnitOfWork, desk: Desk
) -> None:
    student = kit.student()
    invoice = kit.invoice(student, 85_025)
    paid = desk.pay(student, 85_025, invoice=invoice, method="cash", tendered_minor=100_000)
    desk.refund(student, paid.payment_id, 25_000)
    desk.pay(kit.student("Anna", "Holm"), 20_000, by_student=True, allow_credit=True)

    report = check_database(uow, kit.school)

    assert report.clean, report.found
    assert student_view(uow, kit.school, student.student_no).problems == ()


# --- a database from before revision 0006: what it let through is found ---------------------


#: Columns of later revisions the code reads, on tables the old rows are in.
LATER_COLUMNS = (
    ("student_payments", "staff_id"),
    ("student_refunds", "staff_id"),
    ("audit_log", "staff_id"),
    ("audit_log", "approver_id"),
)


@pytest.fixture(params=BACKENDS)
def old_engine(
    request: pytest.FixtureRequest, fresh_database_factory: Callable[[str], TestDatabase]
) -> Iterator[Engine]:
    """A database of each backend still at revision 0005, when nothing refused these rows.

    Today's code reads the nullable columns revision 0007 adds (who took a payment, who
    approved): they are added by hand, without 0007's keys, so nothing guards the rows yet.
    """
    engine = db.make_engine(fresh_database_factory(request.param).url)
    db.upgrade(engine, "0005")
    with engine.begin() as conn:
        for table, column in LATER_COLUMNS:
            conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} BIGINT")
    try:
        yield engine
    finally:
        engine.dispose()


def test_rows_written_before_the_guards_are_found_shown_and_kept_out_of_the_day_report(
    old_engine: Engine,
) -> None:
    uow = SqlAlchemyUnitOfWork(old_engine)
    when = now()
    with uow.write():
        a = uow.schools.add(NewSchool(slug="a", name="A Køreskole"), when)
        b = uow.schools.add(NewSchool(slug="b", name="B Køreskole"), when)
        student_a = records.add_student(
            uow.session, a, student_no="A1", first_name="Bo", last_name="Berg"
        )
        student_b = records.add_student(
            uow.session, b, student_no="B1", first_name="Eva", last_name="Dahl"
        )
        uow.commit()
    kit_a = SchoolKit(old_engine, a, "a-")
    kit_b = SchoolKit(old_engine, b, "b-")
    kit_a.invoice(student_a, 40_000)
    kit_b.invoice(student_b, 30_000)
    mixed = web_payment(kit_a, student_b, amount_minor=30_000)
    euros = web_payment(kit_a, student_a, amount_minor=40_000, currency="EUR")
    write(old_engine, insert(PaymentRow).values([mixed, euros]))

    problems = {(i.problem, i.row_id) for i in check_database(uow).found}
    view_b = student_view(uow, b, student_b.student_no)
    view_a = student_view(uow, a, student_a.student_no)
    report_a = day_report(uow, a)

    assert (Problem.MIXED_SCHOOLS, mixed["id"]) in problems
    assert (Problem.FOREIGN_CURRENCY, euros["id"]) in problems
    assert {i.row_id for i in check_database(uow, b).found} >= {mixed["id"]}
    # The other school's payment took B's student to 0: shown, with the warning.
    assert view_b.balance_minor == 0
    assert Problem.MIXED_SCHOOLS in {p.problem for p in view_b.problems}
    assert Problem.FOREIGN_CURRENCY in {p.problem for p in view_a.problems}
    # The euros are not kroner: only the 300 kr of the (mixed) DKK payment is in A's report.
    assert report_a.totals == {"card": 30_000}


def test_opening_a_student_takes_a_handful_of_round_trips_not_one_per_check(
    kit: SchoolKit, uow: SqlAlchemyUnitOfWork, engine: Engine
) -> None:
    # A desk on the school's database across the network waits for every statement: the
    # thirty-odd checks touching the student are asked in one, and only one that finds
    # something runs on its own.
    student = kit.student()
    kit.invoice(student, 80_000)
    pay_at_the_desk(uow, kit, student)
    sent: list[str] = []

    def note(conn: object, cursor: object, statement: str, *args: object) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        clean = student_view(uow, kit.school, student.student_no)
        clean_trips = len(sent)
        write(
            engine,
            update(BalanceRow).where(BalanceRow.student_id == student.id).values(balance_minor=1),
        )
        sent.clear()
        tampered = student_view(uow, kit.school, student.student_no)
    finally:
        event.remove(engine, "before_cursor_execute", note)

    assert clean.problems == ()
    assert clean_trips <= 8
    assert [p.problem for p in tampered.problems] == [Problem.BALANCE_MISMATCH]
    assert len(sent) <= 8
