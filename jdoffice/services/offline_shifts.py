"""Shifts on an offline desk (issue 14): opened, paid into and out of, and closed while the
shared database cannot be reached, and pushed exactly once when it answers again.

Offline, the desk runs the same shift services (:mod:`jdoffice.services.shifts`) on its local
copy, which holds the school's staff accounts and shifts as last pulled, and writes a
:class:`~jdoffice.services.offline_ports.ShiftChange` to the local shift outbox in the same
transaction (:meth:`LocalStore.uow_then <jdoffice.services.offline_ports.LocalStore.uow_then>`).
The local close counts the payments the desk queued offline, and records how many (and how
much) were still waiting to be sent.

:func:`push_shift_changes` sends the changes, oldest first, after the queued payments
(:func:`jdoffice.services.offline_push.push_outbox`): the shared close then counts those
payments too. Each change goes through the same service with its stable id (the shift's,
the movement's, the close's shift), so a second push, or one that died midway, records
nothing twice. A close keeps the Z number it printed unless a desk of the same name took it
meanwhile; then it gets the desk's next, and the push says so.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace

from jdoffice.domain.errors import JdofficeError, NotFound, Unavailable
from jdoffice.domain.model import School, normalize_key
from jdoffice.domain.shifts import Movement, MovementKind, NoOpenShift, Shift, ZReport
from jdoffice.domain.staff import StaffMember
from jdoffice.services import shifts
from jdoffice.services.offline_ports import LocalStore, ShiftChange, ShiftChangeKind
from jdoffice.services.ports import UnitOfWork
from jdoffice.services.staff import retrying, utcnow


class ShiftPushOutcome:
    RECORDED = "recorded"
    ALREADY = "already"
    #: A close whose Z number was taken by a desk of the same name: it got the next one.
    RENUMBERED = "renumbered"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class PushedShiftChange:
    change_id: str
    kind: str
    shift_id: str
    outcome: str
    #: A close's Z number on the shared database, and the one it printed offline.
    z_no: int | None = None
    offline_z_no: int | None = None
    detail: str = ""


def unsent_payments(local: LocalStore, school: School) -> tuple[int, int]:
    """How many of the school's payments this desk took offline are still waiting to be
    sent, and their amount."""
    if not local.count_waiting():
        return 0, 0
    uow = local.uow()
    with uow:
        amounts = [
            e.request.amount_minor for e in local.outbox(uow).waiting() if e.school_id == school.id
        ]
    return len(amounts), sum(amounts)


# --- offline ---------------------------------------------------------------------------------


def open_offline(
    local: LocalStore,
    school: School,
    *,
    desk: str,
    float_minor: int,
    by: StaffMember,
    key: str | None = None,
    now: dt.datetime | None = None,
) -> Shift:
    """Open the desk's shift in the local copy and queue the opening."""
    shift_id = normalize_key(key)
    when = now or utcnow()

    def queue(uow: UnitOfWork) -> None:
        box = local.shift_outbox(uow)
        if box.get(shift_id) is None:
            box.add(
                _change(
                    ShiftChangeKind.OPEN, shift_id, shift_id, school, desk, by, float_minor, when
                )
            )

    return shifts.open_shift(
        local.uow_then(queue),
        school,
        desk=desk,
        float_minor=float_minor,
        by=by,
        key=shift_id,
        now=when,
    )


def move_offline(
    local: LocalStore,
    school: School,
    kind: MovementKind,
    *,
    desk: str,
    amount_minor: int,
    reason: str,
    by: StaffMember,
    key: str | None = None,
    now: dt.datetime | None = None,
) -> Movement:
    """A pay-in or pay-out in the local copy, queued."""
    movement_id = normalize_key(key)
    when = now or utcnow()
    change_kind = ShiftChangeKind.PAY_IN if kind is MovementKind.PAY_IN else ShiftChangeKind.PAY_OUT

    def queue(uow: UnitOfWork) -> None:
        box = local.shift_outbox(uow)
        movement = uow.shifts.get_movement(movement_id)
        if movement is not None and box.get(movement_id) is None:
            change = _change(
                change_kind, movement_id, movement.shift_id, school, desk, by, amount_minor, when
            )
            box.add(replace(change, text=movement.reason))

    move = shifts.pay_in if kind is MovementKind.PAY_IN else shifts.pay_out
    return move(
        local.uow_then(queue),
        school,
        desk=desk,
        amount_minor=amount_minor,
        reason=reason,
        by=by,
        key=movement_id,
        now=when,
    )


def close_offline(
    local: LocalStore,
    school: School,
    *,
    desk: str,
    counted_minor: int,
    by: StaffMember,
    note: str = "",
    now: dt.datetime | None = None,
) -> ZReport:
    """Close the desk's shift in the local copy (its Z number the next of the desk as the
    copy knows it) and queue the close; the report records the payments still waiting."""
    where = shifts.clean_desk(desk)
    when = now or utcnow()
    uow = local.uow()
    with uow:
        shift = uow.shifts.open_at(school.id, where)
    if shift is None:
        raise NoOpenShift(f"desk {where} has no open shift to close")
    unsent = unsent_payments(local, school)

    def queue(uow: UnitOfWork) -> None:
        closed = uow.shifts.get(school.id, shift.id)
        assert closed is not None
        assert closed.z_no is not None
        change = _change(
            ShiftChangeKind.CLOSE, str(uuid.uuid4()), shift.id, school, where, by, 0, when
        )
        local.shift_outbox(uow).add(
            replace(
                change,
                amount_minor=closed.counted_minor or 0,
                text=closed.note,
                z_no=closed.z_no,
                unsent_payments=unsent[0],
                unsent_minor=unsent[1],
            )
        )

    return shifts.close_shift(
        local.uow_then(queue),
        school,
        desk=where,
        counted_minor=counted_minor,
        by=by,
        note=note,
        now=when,
        shift_id=shift.id,
        unsent=unsent,
    )


def _change(
    kind: str,
    change_id: str,
    shift_id: str,
    school: School,
    desk: str,
    by: StaffMember,
    amount_minor: int,
    at: dt.datetime,
) -> ShiftChange:
    return ShiftChange(
        change_id=change_id,
        kind=kind,
        school_id=school.id,
        shift_id=shift_id,
        desk=shifts.clean_desk(desk),
        staff_id=by.id,
        staff=by.initials,
        amount_minor=amount_minor,
        at=at,
    )


# --- pushing ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ShiftPush:
    done: tuple[PushedShiftChange, ...]
    failed: tuple[PushedShiftChange, ...]
    waiting: int
    stopped: str | None = None


def push_shift_changes(
    shared: Callable[[], UnitOfWork],
    local: LocalStore,
    school: School,
    *,
    now: Callable[[], dt.datetime] = utcnow,
) -> ShiftPush:
    """Send every waiting shift change of ``school`` to the shared database, oldest first,
    exactly once each. A change the shared database refuses stays waiting with the reason,
    and so do the later changes of its shift (a pay-out cannot go before its opening); if
    the database goes away midway, the rest waits for the next push."""
    if not local.count_shift_changes():
        return ShiftPush((), (), 0)
    luow = local.uow()
    with luow:
        changes = [c for c in local.shift_outbox(luow).waiting() if c.school_id == school.id]
    done: list[PushedShiftChange] = []
    failed: list[PushedShiftChange] = []
    held: set[str] = set()
    stopped: str | None = None
    for change in changes:
        if change.shift_id in held:
            continue
        try:
            pushed = push_change(shared(), school, change)
        except Unavailable as exc:
            stopped = str(exc)
            break
        except JdofficeError as exc:
            held.add(change.shift_id)
            failed.append(
                PushedShiftChange(
                    change.change_id,
                    change.kind,
                    change.shift_id,
                    ShiftPushOutcome.FAILED,
                    offline_z_no=change.z_no,
                    detail=str(exc),
                )
            )
            _mark(local, change, None, str(exc), now())
            continue
        _mark(local, change, pushed, "", now())
        done.append(pushed)
    return ShiftPush(tuple(done), tuple(failed), local.count_shift_changes(), stopped)


def _mark(
    local: LocalStore,
    change: ShiftChange,
    pushed: PushedShiftChange | None,
    error: str,
    at: dt.datetime,
) -> None:
    def attempt() -> None:
        uow = local.uow()
        with uow.write():
            box = local.shift_outbox(uow)
            if pushed is not None:
                box.mark_pushed(change, pushed.outcome, pushed.z_no, at)
            else:
                box.mark_error(change.change_id, error, at)
            uow.commit()

    retrying(attempt)


def push_change(uow: UnitOfWork, school: School, change: ShiftChange) -> PushedShiftChange:
    """Record one shift change on the shared database through the shift services, keyed by
    its stable id (a replay records nothing)."""
    with uow:
        member = uow.staff.get(school.id, change.staff_id)
        shift = uow.shifts.get(school.id, change.shift_id)
        movement = (
            uow.shifts.get_movement(change.change_id)
            if change.kind in (ShiftChangeKind.PAY_IN, ShiftChangeKind.PAY_OUT)
            else None
        )
    if member is None:
        raise NotFound(f"staff account {change.staff} is not at {school.name}")
    outcome = ShiftPushOutcome.RECORDED

    def result(z_no: int | None = None) -> PushedShiftChange:
        return PushedShiftChange(
            change.change_id,
            change.kind,
            change.shift_id,
            outcome,
            z_no=z_no,
            offline_z_no=change.z_no,
        )

    if change.kind == ShiftChangeKind.OPEN:
        if shift is not None:
            outcome = ShiftPushOutcome.ALREADY
        shifts.open_shift(
            uow,
            school,
            desk=change.desk,
            float_minor=change.amount_minor,
            by=member,
            key=change.shift_id,
            now=change.at,
        )
        return result()
    if change.kind in (ShiftChangeKind.PAY_IN, ShiftChangeKind.PAY_OUT):
        if movement is not None:
            outcome = ShiftPushOutcome.ALREADY
        move = shifts.pay_in if change.kind == ShiftChangeKind.PAY_IN else shifts.pay_out
        move(
            uow,
            school,
            desk=change.desk,
            amount_minor=change.amount_minor,
            reason=change.text,
            by=member,
            key=change.change_id,
            now=change.at,
        )
        return result()
    if shift is not None and not shift.is_open:
        outcome = ShiftPushOutcome.ALREADY
    report = shifts.close_shift(
        uow,
        school,
        desk=change.desk,
        counted_minor=change.amount_minor,
        by=member,
        note=change.text,
        now=change.at,
        shift_id=change.shift_id,
        z_no=change.z_no,
        unsent=(change.unsent_payments, change.unsent_minor),
    )
    if outcome == ShiftPushOutcome.RECORDED and report.z_no != change.z_no:
        outcome = ShiftPushOutcome.RENUMBERED
    return result(report.z_no)
