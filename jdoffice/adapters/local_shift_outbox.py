"""The shift outbox of the local file: shifts opened, pay-ins and pay-outs and closes made
while the shared database could not be reached, waiting to be pushed after the payments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update

from jdoffice.adapters.local_db import shift_outbox_table
from jdoffice.adapters.tables import SHIFTS
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.shifts import ZReport
from jdoffice.services.offline_ports import OutboxStatus, ShiftChange, ShiftChangeKind
from jdoffice.services.ports import UnitOfWork

_T = shift_outbox_table


def _change(r: Any) -> ShiftChange:
    return ShiftChange(
        change_id=r.change_id,
        kind=r.kind,
        school_id=r.school_id,
        shift_id=r.shift_id,
        desk=r.desk,
        staff_id=int(r.staff_id),
        staff=r.staff,
        amount_minor=int(r.amount_minor),
        at=r.at,
        text=r.text,
        z_no=r.z_no,
        unsent_payments=r.unsent_payments,
        unsent_minor=int(r.unsent_minor),
        status=r.status,
        pushed_at=r.pushed_at,
        outcome=r.outcome,
        pushed_z_no=r.pushed_z_no,
        error=r.error,
        tries=r.tries,
        seq=r.seq,
    )


class SqlShiftOutbox:
    """:class:`jdoffice.services.offline_ports.ShiftOutbox` inside an open local transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, change_id: str) -> ShiftChange | None:
        r = self.conn.execute(select(_T).where(_T.c.change_id == change_id)).first()
        return _change(r) if r else None

    def add(self, change: ShiftChange) -> None:
        self.conn.execute(
            insert(_T).values(
                change_id=change.change_id,
                kind=change.kind,
                school_id=change.school_id,
                shift_id=change.shift_id,
                desk=change.desk,
                staff_id=change.staff_id,
                staff=change.staff,
                amount_minor=change.amount_minor,
                text=change.text[:500],
                z_no=change.z_no,
                unsent_payments=change.unsent_payments,
                unsent_minor=change.unsent_minor,
                at=change.at,
                status=OutboxStatus.WAITING,
                outcome="",
                error="",
                tries=0,
            )
        )

    def waiting(self) -> list[ShiftChange]:
        rows = self.conn.execute(
            select(_T).where(_T.c.status == OutboxStatus.WAITING).order_by(_T.c.seq)
        )
        return [_change(r) for r in rows]

    def count_waiting(self) -> int:
        return int(
            self.conn.scalar(
                select(func.count()).select_from(_T).where(_T.c.status == OutboxStatus.WAITING)
            )
            or 0
        )

    def mark_pushed(
        self, change: ShiftChange, outcome: str, z_no: int | None, now: dt.datetime
    ) -> None:
        self.conn.execute(
            update(_T)
            .where(_T.c.change_id == change.change_id)
            .values(
                status=OutboxStatus.PUSHED,
                outcome=outcome,
                pushed_z_no=z_no,
                pushed_at=now,
                error="",
                tries=_T.c.tries + 1,
            )
        )
        if change.kind == ShiftChangeKind.CLOSE and z_no is not None and z_no != change.z_no:
            # The shared database gave the close another Z number (a desk of the same name
            # had this one): the local copy prints what the office's books say until the
            # next pull brings the shift back.
            row = self.conn.execute(select(SHIFTS.c.report).where(SHIFTS.c.id == change.shift_id))
            found = row.first()
            values: dict[str, object] = {"z_no": z_no}
            if found is not None and found.report:
                report = ZReport.from_json(found.report)
                values["report"] = {**report.to_json(), "z_no": z_no}
            self.conn.execute(update(SHIFTS).where(SHIFTS.c.id == change.shift_id).values(values))

    def mark_error(self, change_id: str, error: str, now: dt.datetime) -> None:
        self.conn.execute(
            update(_T)
            .where(_T.c.change_id == change_id)
            .values(error=error[:500], tries=_T.c.tries + 1)
        )

    def pending_shift_ids(self) -> set[str]:
        """Shifts with changes still waiting: they exist only here, a pull keeps them."""
        return set(
            self.conn.scalars(select(_T.c.shift_id).where(_T.c.status == OutboxStatus.WAITING))
        )


class HookedUnitOfWork(SqlAlchemyUnitOfWork):
    """A local unit of work whose commit first runs a hook in the same transaction."""

    def __init__(self, engine: Engine, before_commit: Callable[[UnitOfWork], None]) -> None:
        super().__init__(engine)
        self._before_commit = before_commit

    def commit(self) -> None:
        self._before_commit(self)
        super().commit()
