"""Provider notices kept until the payment they name is recorded (revision 0005)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError

from jdoffice.adapters.orm import DeferredNoticeRow
from jdoffice.adapters.repos.base import Repo
from jdoffice.adapters.tables import table_of
from jdoffice.services.gateways import RefundNotice, RefundState

_NOTICES = table_of(DeferredNoticeRow)
#: Whether a payment has notices waiting for it: asked in every online payment's transaction.
_ANY_WAITING = (
    select(_NOTICES.c.id)
    .where(
        _NOTICES.c.school_id == bindparam("school_id"),
        _NOTICES.c.gateway == bindparam("gateway"),
        _NOTICES.c.payment_ref == bindparam("payment_ref"),
        _NOTICES.c.applied_at.is_(None),
    )
    .limit(1)
)


class SqlDeferredNotices(Repo):
    def add(
        self, school_id: int, notice: RefundNotice, event_id: str, event_type: str, now: dt.datetime
    ) -> bool:
        row = DeferredNoticeRow(
            school_id=school_id,
            gateway=notice.gateway[:32],
            event_id=event_id[:255],
            event_type=event_type[:64],
            payment_ref=notice.payment_ref[:255],
            refund_ref=notice.refund_ref[:255],
            amount_minor=notice.amount_minor,
            currency=notice.currency[:3],
            state=notice.state.value,
            our_refund_id=(notice.our_refund_id or None) and notice.our_refund_id[:36],
            reason=notice.reason[:500],
            received_at=now,
        )
        try:
            with self.s.begin_nested():
                self.s.add(row)
                self.s.flush()
        except IntegrityError:
            return False  # the same delivery again
        return True

    def waiting(
        self, school_id: int, gateway: str, payment_ref: str | None = None, limit: int = 500
    ) -> list[tuple[int, RefundNotice, str]]:
        stmt = select(DeferredNoticeRow).where(
            DeferredNoticeRow.school_id == school_id,
            DeferredNoticeRow.gateway == gateway,
            DeferredNoticeRow.applied_at.is_(None),
        )
        if payment_ref is not None:
            stmt = stmt.where(DeferredNoticeRow.payment_ref == payment_ref)
        rows = self.s.scalars(stmt.order_by(DeferredNoticeRow.id).limit(limit))
        return [
            (
                r.id,
                RefundNotice(
                    gateway=r.gateway,
                    refund_ref=r.refund_ref,
                    payment_ref=r.payment_ref,
                    amount_minor=int(r.amount_minor),
                    currency=r.currency,
                    state=RefundState(r.state),
                    our_refund_id=r.our_refund_id,
                    reason=r.reason,
                ),
                r.event_id,
            )
            for r in rows
        ]

    def any_waiting(self, school_id: int, gateway: str, payment_ref: str) -> bool:
        params = {"school_id": school_id, "gateway": gateway, "payment_ref": payment_ref}
        return self.run(_ANY_WAITING, params).first() is not None

    def done(self, notice_id: int, outcome: str, now: dt.datetime) -> None:
        self.s.execute(
            update(DeferredNoticeRow)
            .where(DeferredNoticeRow.id == notice_id, DeferredNoticeRow.applied_at.is_(None))
            .values(applied_at=now, outcome=outcome[:16])
            .execution_options(synchronize_session=False)
        )
