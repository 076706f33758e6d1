"""The statements the repositories run most, built once.

Statements run for every payment and every provider event are built once, with bound
parameters: SQLAlchemy then finds their compiled form at once instead of building the
statement and its cache key anew on each call (a tenth of a millisecond or more each, and a
payment runs about twenty of them). They select and write table columns, not ORM objects:
the rows become domain objects right away, so the identity map has nothing to add.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Table, bindparam, func, insert, select, update
from sqlalchemy.sql.dml import ReturningUpdate

from jdoffice.adapters.clock import db_utcnow
from jdoffice.adapters.tables import (
    ALLOCATIONS,
    ATTEMPTS,
    AUDIT,
    BALANCES,
    INVOICES,
    PAYMENTS,
    PROVIDER_EVENTS,
    RECEIPT_COUNTERS,
    RECEIPTS,
    REFUNDS,
    STAFF,
    STUDENTS,
)
from jdoffice.domain.model import PaymentStatus, RefundStatus

STUDENT_BY_ID = select(STUDENTS).where(STUDENTS.c.id == bindparam("id"))
#: What a payment reads of a student and of an invoice (the columns the domain objects carry:
#: every column more is one more the driver describes on each read).
STUDENT_COLUMNS = tuple(
    STUDENTS.c[name]
    for name in ("id", "school_id", "student_no", "first_name", "last_name", "phone", "email")
)
#: The student, its row locked (what a payment needs of it, in the same round trip).
LOCK_STUDENT = select(*STUDENT_COLUMNS).where(STUDENTS.c.id == bindparam("id")).with_for_update()
INVOICE_COLUMNS = tuple(
    INVOICES.c[name]
    for name in (
        "id",
        "school_id",
        "student_id",
        "invoice_no",
        "text",
        "amount_minor",
        "paid_minor",
        "currency",
        "due_date",
        "cancelled_at",
    )
)
_INVOICE_NO_IS = (
    INVOICES.c.school_id == bindparam("school_id"),
    INVOICES.c.invoice_no == bindparam("invoice_no"),
)
#: The student an invoice belongs to, locked, in one round trip: an invoice never changes
#: student, and a locking read does not lock the rows of its subquery.
LOCK_STUDENT_BY_INVOICE_NO = (
    select(*STUDENT_COLUMNS)
    .where(STUDENTS.c.id == select(INVOICES.c.student_id).where(*_INVOICE_NO_IS).scalar_subquery())
    .with_for_update()
)
LOCK_STUDENT_BY_NO = (
    select(*STUDENT_COLUMNS)
    .where(
        STUDENTS.c.school_id == bindparam("school_id"),
        STUDENTS.c.student_no == bindparam("student_no"),
    )
    .with_for_update()
)
LOCK_INVOICE_BY_NO = select(*INVOICE_COLUMNS).where(*_INVOICE_NO_IS).with_for_update()
INVOICE_BY_NO = select(INVOICES).where(*_INVOICE_NO_IS)
PAYMENT_EXISTS = select(PAYMENTS.c.id).where(PAYMENTS.c.id == bindparam("id"))
PAYMENT_BY_ID = select(PAYMENTS).where(PAYMENTS.c.id == bindparam("id"))
STAFF_COUNT = (
    select(func.count()).select_from(STAFF).where(STAFF.c.school_id == bindparam("school_id"))
)
LOCK_INVOICES = (
    select(*INVOICE_COLUMNS)
    .where(INVOICES.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(INVOICES.c.id)
    .with_for_update()
)
#: One invoice locked by its id (the usual case of :data:`LOCK_INVOICES`, which the driver's
#: cursor cannot run: its ``IN`` list is written into the text).
LOCK_INVOICE = select(*INVOICE_COLUMNS).where(INVOICES.c.id == bindparam("id")).with_for_update()
#: A student's invoices, locked in id order (the order every path locks them in).
LOCK_STUDENT_INVOICES = (
    select(*INVOICE_COLUMNS)
    .where(INVOICES.c.student_id == bindparam("student_id"))
    .order_by(INVOICES.c.id)
    .with_for_update()
)
ADD_PAID = (
    update(INVOICES)
    .where(INVOICES.c.id == bindparam("invoice_id"))
    .values(paid_minor=INVOICES.c.paid_minor + bindparam("delta"), updated_at=db_utcnow())
)
INSERT_PAYMENT = insert(PAYMENTS).values(updated_at=db_utcnow())
INSERT_ALLOCATION = insert(ALLOCATIONS)
PAYMENT_BY_PROVIDER_REF = select(PAYMENTS).where(
    PAYMENTS.c.method == bindparam("method"), PAYMENTS.c.provider_ref == bindparam("ref")
)
ADD_BALANCE = (
    update(BALANCES)
    .where(BALANCES.c.student_id == bindparam("b_student_id"))
    .values(balance_minor=BALANCES.c.balance_minor + bindparam("delta"), updated_at=db_utcnow())
)
ADD_BALANCE_RETURNING = ADD_BALANCE.returning(BALANCES.c.balance_minor)
BALANCE = select(BALANCES.c.balance_minor).where(BALANCES.c.student_id == bindparam("student_id"))


def _student_total(table: Table, *where: ColumnElement[bool]) -> ColumnElement[int]:
    return (
        select(func.coalesce(func.sum(table.c.amount_minor), 0))
        .where(table.c.student_id == bindparam("student_id"), *where)
        .scalar_subquery()
    )


#: A student's balance as the rows make it (invoices not cancelled, less succeeded payments,
#: plus succeeded refunds; docs/architecture.md, "Invariants"): the three sums in one round
#: trip.
RECOMPUTE_BALANCE = select(
    _student_total(INVOICES, INVOICES.c.cancelled_at.is_(None)),
    _student_total(PAYMENTS, PAYMENTS.c.status == PaymentStatus.SUCCEEDED.value),
    _student_total(REFUNDS, REFUNDS.c.status == RefundStatus.SUCCEEDED.value),
)
LOCK_COUNTER = (
    select(RECEIPT_COUNTERS.c.last_no)
    .where(RECEIPT_COUNTERS.c.school_id == bindparam("school_id"))
    .with_for_update()
)
SET_COUNTER = (
    update(RECEIPT_COUNTERS)
    .where(RECEIPT_COUNTERS.c.school_id == bindparam("b_school_id"))
    .values(last_no=bindparam("next_no"), updated_at=bindparam("now"))
)


def _top_used(table: Table) -> ColumnElement[int]:
    return func.coalesce(
        select(func.max(table.c.receipt_no))
        .where(table.c.school_id == bindparam("b_school_id"))
        .scalar_subquery(),
        0,
    )


def _next_counter(greatest: str) -> ReturningUpdate[int]:
    used = (_top_used(RECEIPTS), _top_used(PAYMENTS), _top_used(REFUNDS))
    return (
        update(RECEIPT_COUNTERS)
        .where(RECEIPT_COUNTERS.c.school_id == bindparam("b_school_id"))
        .values(
            last_no=getattr(func, greatest)(RECEIPT_COUNTERS.c.last_no, *used) + 1,
            updated_at=bindparam("now"),
        )
        .returning(RECEIPT_COUNTERS.c.last_no)
    )


#: The school's next receipt number where the database returns what an UPDATE wrote: the
#: counter row (locked first by :data:`LOCK_COUNTER`, so this statement's reads are taken
#: after the wait) moved past the highest number the school has used (counter, receipts,
#: payments, refunds) and read back in one round trip. PostgreSQL's ``greatest`` and SQLite's
#: many-argument ``max`` are the same function under two names.
NEXT_COUNTER = {"postgresql": _next_counter("greatest"), "sqlite": _next_counter("max")}
INSERT_RECEIPT = insert(RECEIPTS)
#: The highest receipt number a school used in each table that carries one, in one round trip
#: (each is the top of the unique index on ``(school_id, receipt_no)``: one index lookup).
TOP_RECEIPT_NOS = select(
    *(
        select(func.max(t.c.receipt_no))
        .where(t.c.school_id == bindparam("school_id"))
        .scalar_subquery()
        for t in (RECEIPTS, PAYMENTS, REFUNDS)
    )
)
INSERT_AUDIT = insert(AUDIT)
INSERT_ATTEMPT = insert(ATTEMPTS)
ATTEMPT_WITH_INVOICE_NO = select(ATTEMPTS, INVOICES.c.invoice_no).join(
    INVOICES, INVOICES.c.id == ATTEMPTS.c.invoice_id
)
ATTEMPT_BY_ID = ATTEMPT_WITH_INVOICE_NO.where(ATTEMPTS.c.id == bindparam("id"))
LOCK_ATTEMPT = ATTEMPT_BY_ID.with_for_update(of=ATTEMPTS)
LOCK_ATTEMPT_BY_PROVIDER_REF = ATTEMPT_WITH_INVOICE_NO.where(
    ATTEMPTS.c.gateway == bindparam("gateway"), ATTEMPTS.c.provider_ref == bindparam("ref")
).with_for_update(of=ATTEMPTS)
EVENT_SEEN = select(PROVIDER_EVENTS.c.event_id).where(
    PROVIDER_EVENTS.c.gateway == bindparam("gateway"),
    PROVIDER_EVENTS.c.event_id == bindparam("event_id"),
)
#: Whether an event was handled under its own id or under the second key (a school's key for
#: it): one indexed lookup, the first thing a redelivery costs.
EVENT_SEEN_EITHER = (
    select(PROVIDER_EVENTS.c.event_id)
    .where(
        PROVIDER_EVENTS.c.gateway == bindparam("gateway"),
        PROVIDER_EVENTS.c.event_id.in_([bindparam("event_id"), bindparam("other_key")]),
    )
    .limit(1)
)
INSERT_EVENT = insert(PROVIDER_EVENTS)
