"""The outbox of the local file: payments taken offline, waiting to be sent to the shared
database, and the offline receipt numbers they were printed with.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from jdoffice.adapters.local_db import outbox_table, series_table, state_table
from jdoffice.adapters.tables import PAYMENTS
from jdoffice.domain.model import Actor
from jdoffice.services.offline import OutboxEntry, OutboxStatus, PaymentRequest


def _entry(r: Any) -> OutboxEntry:
    return OutboxEntry(
        request=PaymentRequest(
            payment_id=r.payment_id,
            school_slug=r.school_slug,
            method=r.method,
            amount_minor=r.amount_minor,
            invoice_no=r.invoice_no,
            student_no=r.target_student_no,
            tendered_minor=r.tendered_minor,
            reference=r.reference,
            allow_credit=bool(r.allow_credit),
        ),
        school_id=r.school_id,
        student_id=r.student_id,
        student_no=r.student_no,
        student_name=r.student_name,
        currency=r.currency,
        offline_receipt_no=r.offline_receipt_no,
        taken_at=r.taken_at,
        actor=Actor(staff=r.staff, desk=r.desk),
        allocations=tuple((int(a[0]), str(a[1]), int(a[2])) for a in r.allocations),
        credit_minor=r.credit_minor,
        rounding_minor=r.rounding_minor,
        cash_total_minor=r.cash_total_minor,
        change_minor=r.change_minor,
        status=r.status,
        pushed_at=r.pushed_at,
        receipt_no=r.receipt_no,
        outcome=r.outcome,
        error=r.error,
        tries=r.tries,
        seq=r.seq,
    )


class SqlOutbox:
    """The outbox inside an open transaction of a local unit of work."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, payment_id: str) -> OutboxEntry | None:
        r = self.conn.execute(
            select(outbox_table).where(outbox_table.c.payment_id == payment_id)
        ).first()
        return _entry(r) if r else None

    def add(self, entry: OutboxEntry) -> None:
        req = entry.request
        self.conn.execute(
            insert(outbox_table).values(
                payment_id=req.payment_id,
                school_id=entry.school_id,
                school_slug=req.school_slug,
                student_id=entry.student_id,
                student_no=entry.student_no,
                student_name=entry.student_name[:201],
                invoice_no=req.invoice_no,
                target_student_no=req.student_no,
                method=req.method,
                amount_minor=req.amount_minor,
                currency=entry.currency,
                tendered_minor=req.tendered_minor,
                reference=req.reference,
                allow_credit=req.allow_credit,
                offline_receipt_no=entry.offline_receipt_no,
                taken_at=entry.taken_at,
                staff=entry.actor.staff,
                desk=entry.actor.desk,
                allocations=[list(a) for a in entry.allocations],
                credit_minor=entry.credit_minor,
                rounding_minor=entry.rounding_minor,
                cash_total_minor=entry.cash_total_minor,
                change_minor=entry.change_minor,
                status=OutboxStatus.WAITING,
                outcome="",
                error="",
                tries=0,
            )
        )
        self.conn.execute(
            update(PAYMENTS)
            .where(PAYMENTS.c.id == req.payment_id)
            .values(offline_receipt_no=entry.offline_receipt_no)
        )

    def next_receipt_no(self, desk: str) -> str:
        tag = self.conn.scalar(select(state_table.c.tag).where(state_table.c.id == 1))
        last = self.conn.scalar(select(series_table.c.last_no).where(series_table.c.desk == desk))
        n = int(last or 0) + 1
        if last is None:
            self.conn.execute(insert(series_table).values(desk=desk, last_no=n))
        else:
            self.conn.execute(
                update(series_table).where(series_table.c.desk == desk).values(last_no=n)
            )
        return offline_receipt_number(desk, str(tag), n)

    def waiting(self) -> list[OutboxEntry]:
        rows = self.conn.execute(
            select(outbox_table)
            .where(outbox_table.c.status == OutboxStatus.WAITING)
            .order_by(outbox_table.c.seq)
        )
        return [_entry(r) for r in rows]

    def count_waiting(self) -> int:
        return int(
            self.conn.scalar(
                select(func.count())
                .select_from(outbox_table)
                .where(outbox_table.c.status == OutboxStatus.WAITING)
            )
            or 0
        )

    def mark_pushed(
        self, payment_id: str, receipt_no: int | None, outcome: str, now: dt.datetime
    ) -> None:
        self.conn.execute(
            update(outbox_table)
            .where(outbox_table.c.payment_id == payment_id)
            .values(
                status=OutboxStatus.PUSHED,
                receipt_no=receipt_no,
                outcome=outcome,
                pushed_at=now,
                error="",
                tries=outbox_table.c.tries + 1,
            )
        )

    def mark_error(self, payment_id: str, error: str, now: dt.datetime) -> None:
        self.conn.execute(
            update(outbox_table)
            .where(outbox_table.c.payment_id == payment_id)
            .values(error=error[:500], tries=outbox_table.c.tries + 1)
        )


def offline_receipt_number(desk: str, tag: str, n: int) -> str:
    """``<desk>-<tag>-O000001``. The shared series is integers; this always holds letters, so
    the two can never meet. The tag is drawn once per local database, so two desks that happen
    to share a name (or one desk whose local file was replaced) keep separate series."""
    return f"{desk}-{tag}-O{n:06d}"
