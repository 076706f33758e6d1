"""The statements the repositories run most, built once.

Statements run for every payment and every provider event are built once, with bound
parameters: SQLAlchemy then finds their compiled form at once instead of building the
statement and its cache key anew on each call (a tenth of a millisecond or more each, and a
payment runs about twenty of them). They select and write table columns, not ORM objects:
the rows become domain objects right away, so the identity map has nothing to add.
"""

from __future__ import annotations

from sqlalchemy import bindparam, func, insert, select, update

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
    SCHOOLS,
    STUDENTS,
)

SCHOOL_BY_ID = select(SCHOOLS).where(SCHOOLS.c.id == bindparam("id"))
STUDENT_BY_ID = select(STUDENTS).where(STUDENTS.c.id == bindparam("id"))
LOCK_STUDENT = select(STUDENTS.c.id).where(STUDENTS.c.id == bindparam("id")).with_for_update()
LOCK_INVOICES = (
    select(INVOICES)
    .where(INVOICES.c.id.in_(bindparam("ids", expanding=True)))
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
