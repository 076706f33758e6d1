"""Desks' shifts, their pay-ins and pay-outs, and the money rows in a shift's window."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, func, insert, select, update

from jdoffice.adapters.clock import db_utcnow
from jdoffice.adapters.mapping import to_payment, to_refund
from jdoffice.adapters.orm import PaymentRow, RefundRow, ShiftMovementRow, ShiftRow
from jdoffice.adapters.repos.base import Repo
from jdoffice.domain.model import Payment, Refund
from jdoffice.domain.shifts import Movement, MovementKind, Shift

_UPDATABLE = {
    "open_desk",
    "closed_at",
    "closed_by_id",
    "z_no",
    "counted_minor",
    "expected_minor",
    "variance_minor",
    "note",
    "report",
}


def to_shift(r: ShiftRow) -> Shift:
    return Shift(
        id=r.id,
        school_id=r.school_id,
        desk=r.desk,
        currency=r.currency,
        float_minor=r.float_minor,
        opened_at=r.opened_at,
        opened_by_id=r.opened_by_id,
        closed_at=r.closed_at,
        closed_by_id=r.closed_by_id,
        z_no=r.z_no,
        counted_minor=r.counted_minor,
        expected_minor=r.expected_minor,
        variance_minor=r.variance_minor,
        note=r.note,
        report=r.report,
    )


def to_movement(r: ShiftMovementRow) -> Movement:
    return Movement(
        id=r.id,
        shift_id=r.shift_id,
        school_id=r.school_id,
        kind=MovementKind(r.kind),
        amount_minor=r.amount_minor,
        currency=r.currency,
        reason=r.reason,
        staff_id=r.staff_id,
        created_at=r.created_at,
    )


class SqlShifts(Repo):
    def add(self, shift: Shift) -> None:
        self.s.execute(
            insert(ShiftRow).values(
                id=shift.id,
                school_id=shift.school_id,
                desk=shift.desk,
                open_desk=shift.desk if shift.is_open else None,
                currency=shift.currency,
                float_minor=shift.float_minor,
                opened_at=shift.opened_at,
                opened_by_id=shift.opened_by_id,
                closed_at=shift.closed_at,
                closed_by_id=shift.closed_by_id,
                z_no=shift.z_no,
                counted_minor=shift.counted_minor,
                expected_minor=shift.expected_minor,
                variance_minor=shift.variance_minor,
                note=shift.note,
                report=dict(shift.report) if shift.report is not None else None,
                created_at=shift.opened_at,
                updated_at=db_utcnow(),
            )
        )

    def _one(self, stmt: Select[ShiftRow]) -> Shift | None:
        r = self.s.scalars(stmt.execution_options(populate_existing=True)).first()
        return to_shift(r) if r is not None else None

    def get(self, school_id: int, shift_id: str) -> Shift | None:
        return self._one(
            select(ShiftRow).where(ShiftRow.school_id == school_id, ShiftRow.id == shift_id)
        )

    def lock(self, school_id: int, shift_id: str) -> Shift | None:
        return self._one(
            select(ShiftRow)
            .where(ShiftRow.school_id == school_id, ShiftRow.id == shift_id)
            .with_for_update()
        )

    def open_at(self, school_id: int, desk: str, *, lock: bool = False) -> Shift | None:
        stmt = select(ShiftRow).where(ShiftRow.school_id == school_id, ShiftRow.open_desk == desk)
        return self._one(stmt.with_for_update() if lock else stmt)

    def latest(self, school_id: int, desk: str) -> Shift | None:
        return self._one(
            select(ShiftRow)
            .where(ShiftRow.school_id == school_id, ShiftRow.desk == desk)
            .order_by(ShiftRow.opened_at.desc(), ShiftRow.id.desc())
            .limit(1)
        )

    def by_z(self, school_id: int, desk: str, z_no: int) -> Shift | None:
        return self._one(
            select(ShiftRow).where(
                ShiftRow.school_id == school_id, ShiftRow.desk == desk, ShiftRow.z_no == z_no
            )
        )

    def next_z(self, school_id: int, desk: str) -> int:
        top = self.s.scalar(
            select(func.max(ShiftRow.z_no)).where(
                ShiftRow.school_id == school_id, ShiftRow.desk == desk
            )
        )
        return int(top or 0) + 1

    def between(self, school_id: int, start: dt.datetime, end: dt.datetime) -> list[Shift]:
        rows = self.s.scalars(
            select(ShiftRow)
            .where(
                ShiftRow.school_id == school_id,
                ShiftRow.opened_at >= start,
                ShiftRow.opened_at < end,
            )
            .order_by(ShiftRow.opened_at, ShiftRow.desk)
            .execution_options(populate_existing=True)
        )
        return [to_shift(r) for r in rows]

    def update(self, shift_id: str, now: dt.datetime, **fields: object) -> None:
        bad = set(fields) - _UPDATABLE
        if bad:
            raise ValueError(f"cannot update shift columns {sorted(bad)}")
        self.s.execute(
            update(ShiftRow)
            .where(ShiftRow.id == shift_id)
            .values(**fields, updated_at=db_utcnow())
            .execution_options(synchronize_session=False)
        )

    def add_movement(self, movement: Movement) -> None:
        self.s.execute(
            insert(ShiftMovementRow).values(
                id=movement.id,
                shift_id=movement.shift_id,
                school_id=movement.school_id,
                kind=movement.kind.value,
                amount_minor=movement.amount_minor,
                currency=movement.currency,
                reason=movement.reason,
                staff_id=movement.staff_id,
                created_at=movement.created_at,
                updated_at=db_utcnow(),
            )
        )

    def get_movement(self, movement_id: str) -> Movement | None:
        r = self.s.get(ShiftMovementRow, movement_id, populate_existing=True)
        return to_movement(r) if r is not None else None

    def movements(self, shift_id: str) -> list[Movement]:
        rows = self.s.scalars(
            select(ShiftMovementRow)
            .where(ShiftMovementRow.shift_id == shift_id)
            .order_by(ShiftMovementRow.created_at, ShiftMovementRow.id)
        )
        return [to_movement(r) for r in rows]

    def payments_at(
        self, school_id: int, desk: str, start: dt.datetime, end: dt.datetime | None
    ) -> list[Payment]:
        stmt = select(PaymentRow).where(
            PaymentRow.school_id == school_id,
            PaymentRow.desk == desk,
            PaymentRow.created_at >= start,
        )
        if end is not None:
            stmt = stmt.where(PaymentRow.created_at < end)
        rows = self.s.scalars(
            stmt.order_by(PaymentRow.created_at).execution_options(populate_existing=True)
        )
        return [to_payment(r) for r in rows]

    def refunds_at(
        self, school_id: int, desk: str, start: dt.datetime, end: dt.datetime | None
    ) -> list[tuple[Refund, str]]:
        stmt = (
            select(RefundRow, PaymentRow.method)
            .join(PaymentRow, PaymentRow.id == RefundRow.payment_id)
            .where(
                RefundRow.school_id == school_id,
                RefundRow.desk == desk,
                RefundRow.created_at >= start,
            )
        )
        if end is not None:
            stmt = stmt.where(RefundRow.created_at < end)
        rows = self.s.execute(
            stmt.order_by(RefundRow.created_at).execution_options(populate_existing=True)
        )
        return [(to_refund(r), str(method)) for r, method in rows]
