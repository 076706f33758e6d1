"""The audit log and the flagged provider confirmations staff review."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, insert, or_, select, update

from jdoffice.adapters.mapping import to_flag
from jdoffice.adapters.orm import (
    AuditRow,
    FlaggedConfirmationRow,
    NotificationRow,
    PaymentAttemptRow,
    PaymentRow,
    ReceiptRow,
    RefundRow,
)
from jdoffice.adapters.orm_reminders import ReminderRow
from jdoffice.adapters.repos.base import Repo
from jdoffice.adapters.statements import INSERT_AUDIT
from jdoffice.domain.model import Actor, AuditEntry, FlaggedConfirmation
from jdoffice.domain.notification import NotificationKind


class SqlAudit(Repo):
    def add(self, entry: AuditEntry) -> None:
        self.run(
            INSERT_AUDIT,
            {
                "school_id": entry.school_id,
                "at": entry.at,
                "action": entry.action,
                "entity": entry.entity,
                "entity_id": entry.entity_id,
                "staff": entry.actor.staff,
                "desk": entry.actor.desk,
                "staff_id": entry.actor.staff_id,
                "approver_id": entry.actor.approver_id,
                "before": dict(entry.before) if entry.before is not None else None,
                "after": dict(entry.after) if entry.after is not None else None,
            },
        )

    def for_entity(self, entity: str, entity_id: str) -> list[AuditEntry]:
        rows = self.s.scalars(
            select(AuditRow)
            .where(AuditRow.entity == entity, AuditRow.entity_id == entity_id)
            .order_by(AuditRow.id)
        )
        return [_entry(r) for r in rows]

    def listing(
        self,
        school_id: int,
        start: dt.datetime,
        end: dt.datetime,
        *,
        staff_id: int | None = None,
        student_id: int | None = None,
        limit: int = 1000,
    ) -> list[AuditEntry]:
        q = select(AuditRow).where(
            AuditRow.school_id == school_id, AuditRow.at >= start, AuditRow.at < end
        )
        if staff_id is not None:
            q = q.where(or_(AuditRow.staff_id == staff_id, AuditRow.approver_id == staff_id))
        if student_id is not None:
            payments = select(PaymentRow.id).where(
                PaymentRow.student_id == student_id, PaymentRow.school_id == school_id
            )
            refunds = select(RefundRow.id).where(
                RefundRow.student_id == student_id, RefundRow.school_id == school_id
            )
            attempts = select(PaymentAttemptRow.id).where(
                PaymentAttemptRow.student_id == student_id,
                PaymentAttemptRow.school_id == school_id,
            )
            reminders = select(ReminderRow.id).where(
                ReminderRow.student_id == student_id, ReminderRow.school_id == school_id
            )
            statements = select(NotificationRow.ref).where(
                NotificationRow.student_id == student_id,
                NotificationRow.school_id == school_id,
                NotificationRow.kind == NotificationKind.STATEMENT.value,
            )
            # Receipt entries name the receipt's number as text; read the student's numbers
            # first (a cast in SQL would compare text of two collations on MariaDB).
            receipts = [
                str(n)
                for n in self.s.scalars(
                    select(ReceiptRow.receipt_no)
                    .join(PaymentRow, PaymentRow.id == ReceiptRow.payment_id)
                    .where(ReceiptRow.school_id == school_id, PaymentRow.student_id == student_id)
                )
            ]
            q = q.where(
                or_(
                    and_(AuditRow.entity == "payment", AuditRow.entity_id.in_(payments)),
                    and_(AuditRow.entity == "refund", AuditRow.entity_id.in_(refunds)),
                    and_(AuditRow.entity == "attempt", AuditRow.entity_id.in_(attempts)),
                    and_(AuditRow.entity == "receipt", AuditRow.entity_id.in_(receipts)),
                    and_(AuditRow.entity == "reminder", AuditRow.entity_id.in_(reminders)),
                    and_(AuditRow.entity == "statement", AuditRow.entity_id.in_(statements)),
                )
            )
        rows = self.s.scalars(q.order_by(AuditRow.at, AuditRow.id).limit(limit))
        return [_entry(r) for r in rows]


def _entry(r: AuditRow) -> AuditEntry:
    return AuditEntry(
        school_id=r.school_id or 0,
        action=r.action,
        entity=r.entity,
        entity_id=r.entity_id,
        actor=Actor(staff=r.staff, desk=r.desk, staff_id=r.staff_id, approver_id=r.approver_id),
        at=r.at,
        before=r.before,
        after=r.after,
    )


class SqlFlags(Repo):
    def add(
        self,
        *,
        school_id: int | None,
        gateway: str,
        provider_ref: str,
        event_id: str,
        invoice_no: str,
        reason: str,
        amount_minor: int | None,
        currency: str,
        payload: dict[str, object] | None,
        now: dt.datetime,
    ) -> int:
        res = self.s.execute(
            insert(FlaggedConfirmationRow).values(
                school_id=school_id,
                gateway=gateway,
                provider_ref=provider_ref[:255],
                event_id=event_id[:255],
                invoice_no=invoice_no[:32],
                reason=reason[:500],
                amount_minor=amount_minor,
                currency=currency[:3],
                payload=payload,
                created_at=now,
            )
        )
        pk = getattr(res, "inserted_primary_key", None)
        return int(pk[0]) if pk else 0

    def unresolved(self, school_id: int) -> list[FlaggedConfirmation]:
        rows = self.s.scalars(
            select(FlaggedConfirmationRow)
            .where(
                FlaggedConfirmationRow.school_id == school_id,
                FlaggedConfirmationRow.resolved_at.is_(None),
            )
            .order_by(FlaggedConfirmationRow.id)
        )
        return [to_flag(r) for r in rows]

    def find_unresolved(
        self, school_id: int | None, gateway: str, provider_ref: str, reason: str
    ) -> int | None:
        # The same truncation as add(), so a long reason finds its own row.
        found = self.s.scalars(
            select(FlaggedConfirmationRow.id)
            .where(
                FlaggedConfirmationRow.school_id == school_id
                if school_id is not None
                else FlaggedConfirmationRow.school_id.is_(None),
                FlaggedConfirmationRow.gateway == gateway,
                FlaggedConfirmationRow.provider_ref == provider_ref[:255],
                FlaggedConfirmationRow.reason == reason[:500],
                FlaggedConfirmationRow.resolved_at.is_(None),
            )
            .order_by(FlaggedConfirmationRow.id)
            .limit(1)
        ).first()
        return int(found) if found is not None else None

    def lock(self, flag_id: int, school_id: int) -> FlaggedConfirmation | None:
        r = self.s.scalars(
            select(FlaggedConfirmationRow)
            .where(
                FlaggedConfirmationRow.id == flag_id,
                FlaggedConfirmationRow.school_id == school_id,
            )
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()
        return to_flag(r) if r is not None else None

    def resolve(self, flag_id: int, now: dt.datetime) -> None:
        self.s.execute(
            update(FlaggedConfirmationRow)
            .where(FlaggedConfirmationRow.id == flag_id)
            .values(resolved_at=now)
        )
