"""The reminders sent about overdue invoices (``reminders``, revision 0009)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import insert, select

from jdoffice.adapters.orm_reminders import ReminderRow
from jdoffice.adapters.repos.base import Repo
from jdoffice.domain.model import Actor
from jdoffice.domain.reminders import Reminder


def _reminder(r: ReminderRow) -> Reminder:
    return Reminder(
        id=r.id,
        school_id=r.school_id,
        student_id=r.student_id,
        invoice_id=r.invoice_id,
        invoice_no=r.invoice_no,
        channel=r.channel,
        recipient=r.recipient,
        amount_minor=r.amount_minor,
        currency=r.currency,
        reminded_on=r.reminded_on,
        sent_at=r.sent_at,
        attempt_id=r.attempt_id,
        actor=Actor(staff=r.staff, desk=r.desk, staff_id=r.staff_id),
    )


class SqlReminders(Repo):
    def add(self, reminder: Reminder, now: dt.datetime) -> None:
        r = reminder
        self.s.execute(
            insert(ReminderRow).values(
                id=r.id,
                school_id=r.school_id,
                student_id=r.student_id,
                invoice_id=r.invoice_id,
                invoice_no=r.invoice_no[:32],
                channel=r.channel,
                recipient=r.recipient[:254],
                amount_minor=r.amount_minor,
                currency=r.currency,
                reminded_on=r.reminded_on,
                sent_at=r.sent_at,
                attempt_id=r.attempt_id,
                staff=r.actor.staff[:64],
                desk=r.actor.desk[:64],
                staff_id=r.actor.staff_id,
                created_at=now,
                updated_at=now,
            )
        )

    def last_sent(self, school_id: int, invoice_ids: Sequence[int]) -> dict[int, dt.datetime]:
        """When each of these invoices was last reminded (invoices never reminded are left
        out)."""
        if not invoice_ids:
            return {}
        rows = self.s.execute(
            select(ReminderRow.invoice_id, ReminderRow.sent_at).where(
                ReminderRow.school_id == school_id,
                ReminderRow.invoice_id.in_(sorted(set(invoice_ids))),
            )
        )
        out: dict[int, dt.datetime] = {}
        for invoice_id, sent_at in rows:
            key = int(invoice_id)
            if key not in out or sent_at > out[key]:
                out[key] = sent_at
        return out

    def sent_since(self, school_id: int, since: dt.datetime) -> dict[int, dt.datetime]:
        """The school's invoices reminded at or after ``since``, each with its latest
        reminder (bounded by the interval, however many invoices the school has)."""
        rows = self.s.execute(
            select(ReminderRow.invoice_id, ReminderRow.sent_at).where(
                ReminderRow.school_id == school_id, ReminderRow.sent_at >= since
            )
        )
        out: dict[int, dt.datetime] = {}
        for invoice_id, sent_at in rows:
            key = int(invoice_id)
            if key not in out or sent_at > out[key]:
                out[key] = sent_at
        return out

    def for_student(self, school_id: int, student_id: int) -> list[Reminder]:
        rows = self.s.scalars(
            select(ReminderRow)
            .where(ReminderRow.school_id == school_id, ReminderRow.student_id == student_id)
            .order_by(ReminderRow.sent_at, ReminderRow.id)
        )
        return [_reminder(r) for r in rows]
