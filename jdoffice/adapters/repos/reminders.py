"""The reminders sent about overdue invoices (``reminders``, revision 0009)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Select, and_, insert, or_, select

from jdoffice.adapters.orm import NotificationRow
from jdoffice.adapters.orm_reminders import ReminderRow
from jdoffice.adapters.repos.base import Repo
from jdoffice.domain.model import Actor
from jdoffice.domain.notification import NotificationKind, NotificationStatus
from jdoffice.domain.reminders import Reminder

#: A reminder counts in the interval while its message was sent or may still be: pending,
#: being sent, or failed with another try planned. One skipped (paid, amount changed, link
#: no longer open) or failed for good (a refused number, out of tries) reached nobody.
_STILL_GOING = (
    NotificationStatus.PENDING.value,
    NotificationStatus.SENDING.value,
    NotificationStatus.SENT.value,
)


def _counted() -> Select[int, dt.datetime]:
    """Each reminder's invoice and time, only the reminders that count in the interval (a
    reminder without its message, written by another system, counts: it may have gone)."""
    message = and_(
        NotificationRow.school_id == ReminderRow.school_id,
        NotificationRow.kind == NotificationKind.REMINDER.value,
        NotificationRow.ref == ReminderRow.id,
    )
    return (
        select(ReminderRow.invoice_id, ReminderRow.sent_at)
        .outerjoin(NotificationRow, message)
        .where(
            or_(
                NotificationRow.id.is_(None),
                NotificationRow.status.in_(_STILL_GOING),
                and_(
                    NotificationRow.status == NotificationStatus.FAILED.value,
                    NotificationRow.next_attempt_at.is_not(None),
                ),
            )
        )
    )


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
        """When each of these invoices was last reminded by a reminder that counts in the
        interval (sent or still on its way; invoices never so reminded are left out)."""
        if not invoice_ids:
            return {}
        rows = self.s.execute(
            _counted().where(
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
        """The school's invoices reminded at or after ``since`` by a reminder that counts in
        the interval, each with its latest (bounded by the interval, however many invoices
        the school has)."""
        rows = self.s.execute(
            _counted().where(ReminderRow.school_id == school_id, ReminderRow.sent_at >= since)
        )
        out: dict[int, dt.datetime] = {}
        for invoice_id, sent_at in rows:
            key = int(invoice_id)
            if key not in out or sent_at > out[key]:
                out[key] = sent_at
        return out

    def made_on(self, school_id: int, day: dt.date, invoice_ids: Sequence[int]) -> set[int]:
        """Those of these invoices with a reminder on the school's ``day``, whatever became
        of its message (the database keeps one per invoice per day)."""
        if not invoice_ids:
            return set()
        rows = self.s.scalars(
            select(ReminderRow.invoice_id).where(
                ReminderRow.school_id == school_id,
                ReminderRow.reminded_on == day,
                ReminderRow.invoice_id.in_(sorted(set(invoice_ids))),
            )
        )
        return {int(i) for i in rows}

    def names_attempt(self, school_id: int, invoice_id: int, attempt_id: str) -> bool:
        """Whether a reminder about the invoice carries the link of ``attempt_id``."""
        found = self.s.scalar(
            select(ReminderRow.id)
            .where(
                ReminderRow.school_id == school_id,
                ReminderRow.invoice_id == invoice_id,
                ReminderRow.attempt_id == attempt_id,
            )
            .limit(1)
        )
        return found is not None

    def for_student(self, school_id: int, student_id: int) -> list[Reminder]:
        rows = self.s.scalars(
            select(ReminderRow)
            .where(ReminderRow.school_id == school_id, ReminderRow.student_id == student_id)
            .order_by(ReminderRow.sent_at, ReminderRow.id)
        )
        return [_reminder(r) for r in rows]
