"""A desk's shift: open with a counted float, pay-ins and pay-outs, a blind close, the
Z-report, and a manager's reopening or correction (issue 14).

The drawer's expected cash is worked out only when the shift closes, after the count was
given (:func:`close_shift` returns it on the Z-report): float + cash payments' cash totals −
cash refunds' paid-out totals + pay-ins − pay-outs, from the rows of that desk between the
shift's opening and its close. A shortfall is recorded as a negative variance, never
refused. The figures and the report are frozen on the shift at the close, so a reprint is
what was printed; a manager's correction works them out again from the rows as they are
then (a desk's offline payments pushed late are counted), and the audit keeps both.

Cash needs an open shift on the desk: :func:`cash_payment_needs_shift` is the check the
payment and refund paths call inside their writing transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from jdoffice.domain.errors import BusinessRuleError, IdempotencyMismatch, InvalidInput, NotFound
from jdoffice.domain.model import AuditEntry, School, normalize_key
from jdoffice.domain.shifts import (
    MAX_NOTE,
    MAX_REASON,
    CashUp,
    Movement,
    MovementKind,
    NoOpenShift,
    Shift,
    ZReport,
    cash_up,
    z_report,
)
from jdoffice.domain.staff import Action, Authority, StaffMember
from jdoffice.domain.text import refuse_unsafe
from jdoffice.services.counter_methods import counter_method, is_counter_method
from jdoffice.services.ports import DuplicateKey, UnitOfWork
from jdoffice.services.staff import Who, authorize, retrying, utcnow

MAX_DESK = 64


@dataclass(frozen=True, slots=True)
class ShiftStatus:
    """What the desk may show of its open shift before the count: never the expected cash."""

    shift: Shift
    opened_by: str
    payments: int
    refunds: int
    movements: tuple[Movement, ...]


def is_cash(method: str) -> bool:
    """Whether a method's money crosses the counter as cash (tendered, change, drawer)."""
    return is_counter_method(method) and counter_method(method).cash


def cash_payment_needs_shift(
    uow: UnitOfWork, school: School, *, desk: str, method: str
) -> Shift | None:
    """The desk's open shift, locked for the caller's transaction, when ``method`` is cash;
    ``None`` for other methods.

    Call it inside the writing unit of work that records a cash payment or a cash refund,
    before the student lock: a close of the shift then waits for the payment's commit (and
    counts it) or the payment sees the shift closed.

    Raises:
        NoOpenShift: cash at a desk with no open shift.
    """
    if not is_cash(method):
        return None
    shift = uow.shifts.open_at(school.id, desk, lock=True)
    if shift is None:
        raise NoOpenShift(
            f"no open shift on desk {desk}: cash needs one; open it with the counted float first"
        )
    return shift


# --- opening, pay-in and pay-out -----------------------------------------------------------------


def open_shift(
    uow: UnitOfWork,
    school: School,
    *,
    desk: str,
    float_minor: int,
    by: Who,
    key: str | None = None,
    now: dt.datetime | None = None,
) -> Shift:
    """Open the desk's shift with the float counted into the drawer. ``key`` (the shift's
    id, made where it was opened) makes a retry the same shift.

    Raises:
        InvalidInput: a negative float or a malformed desk.
        NotAllowed: ``by`` may not run the desk's shift.
        BusinessRuleError: the desk has an open shift already.
    """
    where = clean_desk(desk)
    if not isinstance(float_minor, int) or float_minor < 0:
        raise InvalidInput("the float is an amount of zero or more")
    shift_id = normalize_key(key)
    when = now or utcnow()

    def attempt() -> Shift:
        with uow.write():
            authority = authorize(uow, school, Action.OWN_SHIFT, by)
            existing = uow.shifts.get(school.id, shift_id)
            if existing is not None:
                if (existing.desk, existing.float_minor) != (where, float_minor):
                    raise IdempotencyMismatch(f"key {shift_id} was used for another shift")
                return existing
            _refuse_second_open(uow, school, where)
            shift = Shift(
                id=shift_id,
                school_id=school.id,
                desk=where,
                currency=school.currency,
                float_minor=float_minor,
                opened_at=when,
                opened_by_id=authority.staff.id,
            )
            uow.shifts.add(shift)
            _audit(
                uow, school, "shift.opened", shift, authority, when, None, {"float": float_minor}
            )
            uow.commit()
            return shift

    try:
        return retrying(attempt)
    except DuplicateKey:
        with uow:
            _refuse_second_open(uow, school, where)
        raise


def _free_z(uow: UnitOfWork, school: School, desk: str, wanted: int | None) -> int:
    """``wanted`` when no shift of the desk has it, else the desk's next Z number."""
    if wanted is not None and wanted > 0 and uow.shifts.by_z(school.id, desk, wanted) is None:
        return wanted
    return uow.shifts.next_z(school.id, desk)


def _refuse_second_open(uow: UnitOfWork, school: School, desk: str) -> None:
    found = uow.shifts.open_at(school.id, desk)
    if found is not None:
        raise BusinessRuleError(
            f"desk {desk} has an open shift already (opened {found.opened_at:%Y-%m-%d %H:%M} "
            "UTC); close it before opening another"
        )


def pay_in(
    uow: UnitOfWork,
    school: School,
    *,
    desk: str,
    amount_minor: int,
    reason: str,
    by: Who,
    key: str | None = None,
    now: dt.datetime | None = None,
) -> Movement:
    """Cash put into the drawer during the shift (e.g. change from the bank)."""
    return _move(uow, school, MovementKind.PAY_IN, desk, amount_minor, reason, by, key, now)


def pay_out(
    uow: UnitOfWork,
    school: School,
    *,
    desk: str,
    amount_minor: int,
    reason: str,
    by: Who,
    key: str | None = None,
    now: dt.datetime | None = None,
) -> Movement:
    """Cash taken out of the drawer during the shift (e.g. "Kaffe", "Indsat i banken")."""
    return _move(uow, school, MovementKind.PAY_OUT, desk, amount_minor, reason, by, key, now)


def _move(
    uow: UnitOfWork,
    school: School,
    kind: MovementKind,
    desk: str,
    amount_minor: int,
    reason: str,
    by: Who,
    key: str | None,
    now: dt.datetime | None,
) -> Movement:
    """Raises InvalidInput (amount, reason), NotAllowed, NoOpenShift, IdempotencyMismatch."""
    where = clean_desk(desk)
    if not isinstance(amount_minor, int) or amount_minor <= 0:
        raise InvalidInput("the amount must be more than zero")
    why = refuse_unsafe((reason or "").strip(), "reason")
    if not why:
        raise InvalidInput(f"a {kind.value.replace('_', '-')} needs a reason")
    if len(why) > MAX_REASON:
        raise InvalidInput(f"the reason is at most {MAX_REASON} characters")
    movement_id = normalize_key(key)
    when = now or utcnow()

    def attempt() -> Movement:
        with uow.write():
            authority = authorize(uow, school, Action.OWN_SHIFT, by)
            existing = uow.shifts.get_movement(movement_id)
            if existing is not None:
                same = (existing.school_id, existing.kind, existing.amount_minor, existing.reason)
                if same != (school.id, kind, amount_minor, why):
                    raise IdempotencyMismatch(f"key {movement_id} was used for another movement")
                return existing
            shift = uow.shifts.open_at(school.id, where, lock=True)
            if shift is None:
                raise NoOpenShift(f"desk {where} has no open shift: open one first")
            movement = Movement(
                id=movement_id,
                shift_id=shift.id,
                school_id=school.id,
                kind=kind,
                amount_minor=amount_minor,
                currency=school.currency,
                reason=why,
                staff_id=authority.staff.id,
                created_at=when,
            )
            uow.shifts.add_movement(movement)
            after = {"movement_id": movement_id, "amount_minor": amount_minor, "reason": why}
            _audit(uow, school, f"shift.{kind.value}", shift, authority, when, None, after)
            uow.commit()
            return movement

    return retrying(attempt)


# --- status and close ----------------------------------------------------------------------------


def shift_status(uow: UnitOfWork, school: School, desk: str) -> ShiftStatus | None:
    """The desk's open shift as the desk may show it before the count (no expected cash);
    ``None`` when the desk has none open."""
    where = clean_desk(desk)
    with uow:
        shift = uow.shifts.open_at(school.id, where)
        if shift is None:
            return None
        return ShiftStatus(
            shift=shift,
            opened_by=_name(uow, school, shift.opened_by_id),
            payments=len(uow.shifts.payments_at(school.id, where, shift.opened_at, None)),
            refunds=len(uow.shifts.refunds_at(school.id, where, shift.opened_at, None)),
            movements=tuple(uow.shifts.movements(shift.id)),
        )


def close_shift(
    uow: UnitOfWork,
    school: School,
    *,
    desk: str,
    counted_minor: int,
    by: Who,
    note: str = "",
    now: dt.datetime | None = None,
    shift_id: str | None = None,
    z_no: int | None = None,
    unsent: tuple[int, int] = (0, 0),
) -> ZReport:
    """Close the desk's shift with the cash counted in the drawer (a blind count: the
    expected figure is worked out here and first shown on the returned Z-report). A
    shortfall or an excess is recorded as the variance, with ``note``.

    A close made offline and pushed later names its shift (``shift_id``: closed already is
    a replay, the report as it was) and the Z number it printed (``z_no``: kept unless
    another shift of a desk of the same name has it, then the desk's next). ``unsent`` is
    the count and amount of offline payments still waiting to be sent, for the report.

    Raises:
        InvalidInput: a negative count or a malformed note.
        NotAllowed: ``by`` may not run the desk's shift.
        NoOpenShift: the desk has no open shift (or not ``shift_id``).
    """
    where = clean_desk(desk)
    count = _check_count(counted_minor)
    text = _check_note(note)
    when = now or utcnow()

    def attempt() -> ZReport:
        with uow.write():
            authority = authorize(uow, school, Action.OWN_SHIFT, by)
            if shift_id is not None:
                done = uow.shifts.get(school.id, shift_id)
                if done is not None and not done.is_open and done.report is not None:
                    return ZReport.from_json(done.report)
            shift = uow.shifts.open_at(school.id, where, lock=True)
            if shift is None or shift_id not in (None, shift.id):
                raise NoOpenShift(f"desk {where} has no open shift to close")
            number = shift.z_no or _free_z(uow, school, where, z_no)
            report = _report(uow, school, shift, when, number, count, authority.staff, text, unsent)
            uow.shifts.update(shift.id, when, **_closed_fields(report, authority.staff.id))
            after = _figures(report)
            _audit(uow, school, "shift.closed", shift, authority, when, None, after)
            uow.commit()
            return report

    return retrying(attempt)


# --- a manager's corrections ---------------------------------------------------------------------


def reopen_shift(
    uow: UnitOfWork,
    school: School,
    *,
    desk: str,
    z_no: int,
    by: Who,
    now: dt.datetime | None = None,
) -> Shift:
    """Reopen the desk's last closed shift (a manager): it keeps its Z number and is closed
    again with a new count. The close it had is kept in the audit.

    Raises:
        NotAllowed: not a manager (or approved by one).
        NotFound: no such Z-report at the desk.
        BusinessRuleError: not the desk's latest shift, or the desk has an open one.
    """
    where = clean_desk(desk)
    when = now or utcnow()

    def attempt() -> Shift:
        with uow.write():
            authority = authorize(uow, school, Action.CORRECT_SHIFT, by)
            shift = _closed_shift(uow, school, where, z_no)
            latest = uow.shifts.latest(school.id, where)
            if latest is None or latest.id != shift.id:
                raise BusinessRuleError(
                    f"Z{z_no} is not desk {where}'s latest shift; correct its count instead"
                )
            _refuse_second_open(uow, school, where)
            uow.shifts.update(
                shift.id,
                when,
                open_desk=where,
                closed_at=None,
                closed_by_id=None,
                counted_minor=None,
                expected_minor=None,
                variance_minor=None,
                report=None,
            )
            before = dict(shift.report or {})
            _audit(uow, school, "shift.reopened", shift, authority, when, before, {"z_no": z_no})
            uow.commit()
            reopened = uow.shifts.get(school.id, shift.id)
            assert reopened is not None
            return reopened

    return retrying(attempt)


def correct_close(
    uow: UnitOfWork,
    school: School,
    *,
    desk: str,
    z_no: int,
    counted_minor: int,
    note: str,
    by: Who,
    now: dt.datetime | None = None,
) -> ZReport:
    """Correct a closed shift's count (a manager), with a note saying why. The figures are
    worked out again from the rows of its window as they are now; the audit keeps the
    report before and after.

    Raises:
        InvalidInput: a negative count, or no note.
        NotAllowed: not a manager (or approved by one).
        NotFound: no such Z-report at the desk.
    """
    where = clean_desk(desk)
    count = _check_count(counted_minor)
    text = _check_note(note)
    if not text:
        raise InvalidInput("a correction needs a note saying why")
    when = now or utcnow()

    def attempt() -> ZReport:
        with uow.write():
            authority = authorize(uow, school, Action.CORRECT_SHIFT, by)
            shift = _closed_shift(uow, school, where, z_no)
            old = ZReport.from_json(shift.report) if shift.report else None
            assert shift.closed_at is not None
            assert shift.closed_by_id is not None
            closer = uow.staff.get(school.id, shift.closed_by_id)
            assert closer is not None
            kept = (old.unsent_payments, old.unsent_minor) if old is not None else (0, 0)
            report = _report(uow, school, shift, shift.closed_at, z_no, count, closer, text, kept)
            uow.shifts.update(shift.id, when, **_closed_fields(report, shift.closed_by_id))
            before = _figures(old) if old is not None else None
            _audit(uow, school, "shift.corrected", shift, authority, when, before, _figures(report))
            uow.commit()
            return report

    return retrying(attempt)


def z_report_of(uow: UnitOfWork, school: School, desk: str, z_no: int) -> ZReport:
    """A closed shift's Z-report as it was printed at its close (or last correction).

    Raises:
        NotFound: no such Z-report at the desk.
    """
    where = clean_desk(desk)
    with uow:
        shift = _closed_shift(uow, school, where, z_no)
    assert shift.report is not None
    return ZReport.from_json(shift.report)


def shifts_of_day(uow: UnitOfWork, school: School, day: dt.date) -> list[Shift]:
    """Every desk's shifts opened on the school's local ``day``, for the day report."""
    start, end = school.day_bounds(day)
    with uow:
        return uow.shifts.between(school.id, start, end)


# --- helpers -------------------------------------------------------------------------------------


def clean_desk(desk: str) -> str:
    where = refuse_unsafe((desk or "").strip(), "desk")
    if not where:
        raise InvalidInput("the desk has no name")
    if len(where) > MAX_DESK:
        raise InvalidInput(f"a desk's name is at most {MAX_DESK} characters")
    return where


def _check_count(counted_minor: int) -> int:
    if not isinstance(counted_minor, int) or counted_minor < 0:
        raise InvalidInput("the counted cash is an amount of zero or more")
    return counted_minor


def _check_note(note: str) -> str:
    text = refuse_unsafe((note or "").strip(), "note")
    if len(text) > MAX_NOTE:
        raise InvalidInput(f"the note is at most {MAX_NOTE} characters")
    return text


def _closed_shift(uow: UnitOfWork, school: School, desk: str, z_no: int) -> Shift:
    shift = uow.shifts.by_z(school.id, desk, z_no)
    if shift is None or shift.is_open:
        raise NotFound(f"no closed shift Z{z_no} at desk {desk}")
    return shift


def _figures_of(uow: UnitOfWork, school: School, shift: Shift, end: dt.datetime) -> CashUp:
    payments = uow.shifts.payments_at(school.id, shift.desk, shift.opened_at, end)
    refunds = uow.shifts.refunds_at(school.id, shift.desk, shift.opened_at, end)
    methods = {p.method for p in payments} | {m for _, m in refunds}
    return cash_up(
        shift.float_minor,
        payments,
        refunds,
        uow.shifts.movements(shift.id),
        is_cash={m: is_cash(m) for m in methods},
    )


def _report(
    uow: UnitOfWork,
    school: School,
    shift: Shift,
    closed_at: dt.datetime,
    z_no: int,
    counted_minor: int,
    closer: StaffMember,
    note: str,
    unsent: tuple[int, int] = (0, 0),
) -> ZReport:
    return z_report(
        shift,
        _figures_of(uow, school, shift, closed_at),
        z_no=z_no,
        closed_at=closed_at,
        counted_minor=counted_minor,
        opened_by=_name(uow, school, shift.opened_by_id),
        closed_by=f"{closer.name} ({closer.initials})",
        movements=uow.shifts.movements(shift.id),
        note=note,
        unsent=unsent,
    )


def _closed_fields(report: ZReport, closed_by_id: int) -> dict[str, object]:
    return {
        "open_desk": None,
        "closed_at": report.closed_at,
        "closed_by_id": closed_by_id,
        "z_no": report.z_no,
        "counted_minor": report.counted_minor,
        "expected_minor": report.expected_minor,
        "variance_minor": report.variance_minor,
        "note": report.note,
        "report": report.to_json(),
    }


def _figures(report: ZReport) -> dict[str, object]:
    return {
        "z_no": report.z_no,
        "expected_minor": report.expected_minor,
        "counted_minor": report.counted_minor,
        "variance_minor": report.variance_minor,
        "note": report.note,
    }


def _name(uow: UnitOfWork, school: School, staff_id: int) -> str:
    member = uow.staff.get(school.id, staff_id)
    return f"{member.name} ({member.initials})" if member is not None else str(staff_id)


def _audit(
    uow: UnitOfWork,
    school: School,
    action: str,
    shift: Shift,
    authority: Authority,
    when: dt.datetime,
    before: dict[str, object] | None,
    after: dict[str, object] | None,
) -> None:
    uow.audit.add(
        AuditEntry(
            school_id=school.id,
            action=action,
            entity="shift",
            entity_id=shift.id,
            actor=authority.actor(shift.desk),
            at=when,
            before=before,
            after={"desk": shift.desk, **(after or {})},
        )
    )


# --- read-only, for the desk's screens -----------------------------------------------------------


def next_z_no(uow: UnitOfWork, school: School, desk: str) -> int:
    """The Z number the desk's open shift is closed under (the status bar's "Z3"): the one
    it kept when reopened, else the desk's next."""
    where = clean_desk(desk)
    with uow:
        shift = uow.shifts.open_at(school.id, where)
        if shift is not None and shift.z_no:
            return shift.z_no
        return uow.shifts.next_z(school.id, where)
