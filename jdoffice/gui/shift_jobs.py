"""The shift dialogs' background work: on the shared database, or, while this desk is
offline, in its local copy with the change queued for the push (issue 14).

Each function runs in a worker (``jdoffice.gui.background.run_task``), never on the GUI
thread. A desk whose link is down goes to its local copy at once; one whose shared database
stops answering in the middle goes there under the same key, and the push records it once.
Back online, what this desk did offline is sent first (payments, then shift changes), so the
shared database sees the shift in order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from jdoffice.domain.errors import Unavailable
from jdoffice.domain.shifts import Movement, MovementKind, Shift, ZReport
from jdoffice.domain.staff import StaffMember
from jdoffice.gui.context import DeskContext
from jdoffice.services import offline_shifts, shifts
from jdoffice.services.offline_ports import LocalStore
from jdoffice.services.ports import UnitOfWork

T = TypeVar("T")


def _where(
    ctx: DeskContext,
    online: Callable[[UnitOfWork], T],
    offline: Callable[[LocalStore], T],
) -> T:
    desk = ctx.offline
    if desk is None:
        return online(ctx.uow())
    if not ctx.is_offline:
        try:
            if desk.local.count_waiting() or desk.local.count_shift_changes():
                report = desk.push(ctx.school)
                if report.stopped:
                    raise Unavailable(report.stopped)
            return online(ctx.uow())
        except Unavailable:
            pass
    return offline(desk.local)


def open_shift(ctx: DeskContext, float_minor: int, by: StaffMember, key: str) -> Shift:
    school, desk = ctx.school, ctx.desk
    return _where(
        ctx,
        lambda uow: shifts.open_shift(
            uow, school, desk=desk, float_minor=float_minor, by=by, key=key
        ),
        lambda local: offline_shifts.open_offline(
            local, school, desk=desk, float_minor=float_minor, by=by, key=key
        ),
    )


def move(
    ctx: DeskContext, kind: MovementKind, amount_minor: int, reason: str, by: StaffMember, key: str
) -> Movement:
    school, desk = ctx.school, ctx.desk
    online = shifts.pay_out if kind is MovementKind.PAY_OUT else shifts.pay_in
    return _where(
        ctx,
        lambda uow: online(
            uow, school, desk=desk, amount_minor=amount_minor, reason=reason, by=by, key=key
        ),
        lambda local: offline_shifts.move_offline(
            local,
            school,
            kind,
            desk=desk,
            amount_minor=amount_minor,
            reason=reason,
            by=by,
            key=key,
        ),
    )


def unsent_payments(ctx: DeskContext) -> tuple[int, int]:
    """How many payments this desk took offline still wait to be sent, and their amount."""
    if ctx.offline is None:
        return 0, 0
    return offline_shifts.unsent_payments(ctx.offline.local, ctx.school)


def close_shift(ctx: DeskContext, counted_minor: int, by: StaffMember, note: str) -> ZReport:
    school, desk = ctx.school, ctx.desk

    def online(uow: UnitOfWork) -> ZReport:
        return shifts.close_shift(
            uow,
            school,
            desk=desk,
            counted_minor=counted_minor,
            by=by,
            note=note,
            unsent=unsent_payments(ctx),
        )

    return _where(
        ctx,
        online,
        lambda local: offline_shifts.close_offline(
            local, school, desk=desk, counted_minor=counted_minor, by=by, note=note
        ),
    )


def shift_status(ctx: DeskContext) -> shifts.ShiftStatus | None:
    """The desk's open shift, from the local copy while offline."""
    return shifts.shift_status(ctx.read_uow(), ctx.school, ctx.desk)
