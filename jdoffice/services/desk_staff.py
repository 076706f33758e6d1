"""The desk's shift and staff-account verbs (issue 14), part of
:class:`jdoffice.services.desk.Desk`: opening, pay-ins and pay-outs, the blind close and the
Z-report of this desk's shift, and the school's staff accounts. Each acts for the signed-in
staff member (:meth:`sign_in`); the services check the role again. Signing in and the shift
verbs work offline too: from the desk's local copy, the shift changes queued and pushed after
the payments (:mod:`jdoffice.services.offline_shifts`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from jdoffice.domain.errors import Conflict, NotFound, Unavailable
from jdoffice.domain.model import Actor, School, normalize_key
from jdoffice.domain.shifts import Movement, MovementKind, Shift, ZReport
from jdoffice.domain.staff import Action, Authority, Role, StaffMember
from jdoffice.services import offline_shifts, shifts
from jdoffice.services import staff as staff_service
from jdoffice.services.ports import UnitOfWork

if TYPE_CHECKING:
    from jdoffice.services.offline import OfflineDesk
    from jdoffice.services.offline_ports import LocalStore

T = TypeVar("T")


class DeskStaffVerbs:
    """What :class:`~jdoffice.services.desk.Desk` does about its shift and the staff."""

    staff: StaffMember | None
    actor: Actor
    uow: Callable[[], UnitOfWork]
    clock: Callable[[], dt.datetime]

    if TYPE_CHECKING:

        @property
        def desk_name(self) -> str: ...

        def school(self) -> School: ...

        def amount(
            self,
            value: int | str | None,
            currency: str,
            what: str = "amount",
            *,
            allow_zero: bool = False,
        ) -> int | None: ...

        def _member(self) -> StaffMember: ...

        def act_as(self, member: StaffMember | None) -> None: ...

        def offline_desk(self) -> OfflineDesk: ...

        def _actor(self, approval: Authority | None) -> Actor: ...

        def _who(self, approval: Authority | None) -> StaffMember | Authority: ...

    # --- who signs in ----------------------------------------------------------------------

    def sign_in(self, initials: str, pin: str) -> StaffMember:
        """Sign a staff member in with initials and PIN; the desk works for them from now on
        (:meth:`act_as <jdoffice.services.desk.Desk.act_as>`). The PIN is checked and
        forgotten. While the shared database cannot be reached, the PIN is checked against
        the hashes in the desk's local copy, and wrong PINs are counted (and lock) there.

        Raises:
            SignInRefused: wrong initials or PIN (one message for both).
            AccountLocked: five wrong PINs in a row; locked for five minutes.
            Unavailable: offline, and no local copy to check against.
        """
        try:
            school = self.school()
            member = staff_service.sign_in(
                self.uow(), school, initials, pin, desk=self.desk_name, now=self.clock()
            )
        except Unavailable as exc:
            off = self.offline_desk()
            local_school = off.local_school(str(exc))
            member = staff_service.sign_in(
                off.local.uow(), local_school, initials, pin, desk=self.desk_name, now=self.clock()
            )
        self.act_as(member)
        return member

    # --- the desk's shift ------------------------------------------------------------------

    def _on_shift(
        self,
        online: Callable[[School, UnitOfWork], T],
        offline: Callable[[School, LocalStore], T],
        *,
        refresh: bool = False,
        send: bool = True,
    ) -> T:
        """Run a shift verb on the shared database, after sending what this desk did offline
        (payments, then shift changes), or on the local copy, queued, while the shared
        database cannot be reached. A verb whose answer was lost on the way runs again
        offline under the same key, and the push records it once. ``refresh``: a verb that
        changed the shift refreshes the local copy after it, when the desk has one; ``send``
        False reads without sending first (the staff list every command signs in with)."""
        off = self.offline_desk()
        try:
            school = self.school()
            if send and (off.local.count_waiting() or off.local.count_shift_changes()):
                report = off.push(school)
                if report.stopped:
                    raise Unavailable(report.stopped)
            result = online(school, self.uow())
        except Unavailable as exc:
            reason = str(exc)
        else:
            if refresh and off.local.state().school_id is not None:
                # The local copy learns of the shift at once: cash taken offline a minute
                # later needs the shift opened here online. A pull that another one just
                # took over is left to that one.
                with contextlib.suppress(Unavailable, Conflict):
                    off.local.pull(school)
            return result
        return offline(off.local_school(reason), off.local)

    def open_shift(self, float_amount: int | str, *, key: str | None = None) -> Shift:
        """Open this desk's shift with the float counted into the drawer (text in the
        school's currency, or minor units); offline, in the local copy, queued.

        Raises:
            NotAllowed: nobody signed in.
            BusinessRuleError: the desk has an open shift already.
        """
        member = self._member()
        shift_id = normalize_key(key)

        def minor(school: School) -> int:
            value = self.amount(float_amount, school.currency, "float", allow_zero=True)
            assert value is not None
            return value

        return self._on_shift(
            lambda school, uow: shifts.open_shift(
                uow,
                school,
                desk=self.desk_name,
                float_minor=minor(school),
                by=member,
                key=shift_id,
                now=self.clock(),
            ),
            lambda school, local: offline_shifts.open_offline(
                local,
                school,
                desk=self.desk_name,
                float_minor=minor(school),
                by=member,
                key=shift_id,
                now=self.clock(),
            ),
            refresh=True,
        )

    def pay_in(self, amount: int | str, reason: str, *, key: str | None = None) -> Movement:
        """Cash put into the drawer during the shift, with a reason.

        Raises:
            NoOpenShift: the desk has no open shift.
        """
        return self._move(MovementKind.PAY_IN, amount, reason, key)

    def pay_out(self, amount: int | str, reason: str, *, key: str | None = None) -> Movement:
        """Cash taken out of the drawer during the shift ("Kaffe", "Indsat i banken").

        Raises:
            NoOpenShift: the desk has no open shift.
        """
        return self._move(MovementKind.PAY_OUT, amount, reason, key)

    def _move(
        self, kind: MovementKind, amount: int | str, reason: str, key: str | None
    ) -> Movement:
        member = self._member()
        movement_id = normalize_key(key)

        def minor(school: School) -> int:
            value = self.amount(amount, school.currency)
            assert value is not None
            return value

        move = shifts.pay_in if kind is MovementKind.PAY_IN else shifts.pay_out
        return self._on_shift(
            lambda school, uow: move(
                uow,
                school,
                desk=self.desk_name,
                amount_minor=minor(school),
                reason=reason,
                by=member,
                key=movement_id,
                now=self.clock(),
            ),
            lambda school, local: offline_shifts.move_offline(
                local,
                school,
                kind,
                desk=self.desk_name,
                amount_minor=minor(school),
                reason=reason,
                by=member,
                key=movement_id,
                now=self.clock(),
            ),
            refresh=True,
        )

    def shift_status(self) -> tuple[School, shifts.ShiftStatus | None]:
        """This desk's open shift as it may be shown before the count (never the expected
        cash), or None; from the local copy while offline."""
        return self._on_shift(
            lambda school, uow: (school, shifts.shift_status(uow, school, self.desk_name)),
            lambda school, local: (
                school,
                shifts.shift_status(local.uow(), school, self.desk_name),
            ),
        )

    def unsent_payments(self) -> tuple[int, int]:
        """How many payments this desk took offline still wait to be sent, and their amount
        (what closing the shift warns about)."""
        off = self.offline_desk()
        if not off.local.count_waiting():
            return 0, 0
        state = off.local.state()
        if state.school_id is None:
            return 0, 0
        return offline_shifts.unsent_payments(off.local, off.local_school())

    def close_shift(self, counted: int | str, *, note: str = "") -> ZReport:
        """Close this desk's shift with the cash counted (a blind count): the Z-report with
        the expected figure and the variance (a shortfall is recorded, never refused).
        Offline, it closes in the local copy under the desk's next Z number, queued. Payments
        still waiting to be sent are recorded on the report (``unsent_payments``): the caller
        warns.

        Raises:
            NotAllowed: nobody signed in.
            NoOpenShift: the desk has no open shift.
        """
        member = self._member()

        def minor(school: School) -> int:
            value = self.amount(counted, school.currency, "counted", allow_zero=True)
            assert value is not None
            return value

        def online(school: School, uow: UnitOfWork) -> ZReport:
            return shifts.close_shift(
                uow,
                school,
                desk=self.desk_name,
                counted_minor=minor(school),
                by=member,
                note=note,
                now=self.clock(),
                unsent=self.unsent_payments(),
            )

        return self._on_shift(
            online,
            lambda school, local: offline_shifts.close_offline(
                local,
                school,
                desk=self.desk_name,
                counted_minor=minor(school),
                by=member,
                note=note,
                now=self.clock(),
            ),
            refresh=True,
        )

    def z_report(self, z_no: int | None = None) -> tuple[School, ZReport]:
        """A Z-report of this desk as printed at its close: ``z_no``, or the latest (from
        the local copy while offline).

        Raises:
            NotFound: no such Z-report at this desk (or none yet).
        """

        def read(school: School, uow: UnitOfWork) -> tuple[School, ZReport]:
            number = z_no
            if number is None:
                with uow:
                    number = uow.shifts.next_z(school.id, self.desk_name) - 1
                if number < 1:
                    raise NotFound(f"desk {self.desk_name} has no Z-report yet")
            return school, shifts.z_report_of(uow, school, self.desk_name, number)

        return self._on_shift(read, lambda school, local: read(school, local.uow()))

    def reopen_shift(self, z_no: int, *, approval: Authority | None = None) -> Shift:
        """Reopen this desk's latest closed shift (a manager, or with a manager's
        ``approval``): it keeps its Z number and is closed again with a new count; the
        close it had stays in the audit.

        Raises:
            NotAllowed: not a manager and no approval.
            NotFound: no such Z-report at this desk.
            BusinessRuleError: not the desk's latest shift, or a shift is open.
        """
        return shifts.reopen_shift(
            self.uow(),
            self.school(),
            desk=self.desk_name,
            z_no=z_no,
            by=self._who(approval),
            now=self.clock(),
        )

    def correct_close(
        self, z_no: int, counted: int | str, *, note: str, approval: Authority | None = None
    ) -> tuple[School, ZReport]:
        """Correct a closed shift's count (a manager, or with a manager's ``approval``),
        with a note saying why: its Z-report worked out again, the audit keeping both.

        Raises:
            InvalidInput: a negative count, or no note.
            NotAllowed: not a manager and no approval.
            NotFound: no such Z-report at this desk.
        """
        school = self.school()
        minor = self.amount(counted, school.currency, "counted", allow_zero=True)
        assert minor is not None
        return school, shifts.correct_close(
            self.uow(),
            school,
            desk=self.desk_name,
            z_no=z_no,
            counted_minor=minor,
            note=note,
            by=self._who(approval),
            now=self.clock(),
        )

    # --- staff accounts ---------------------------------------------------------------------

    def list_staff(self, *, include_disabled: bool = False) -> tuple[School, list[StaffMember]]:
        """The school's staff accounts by initials (names and roles, never a PIN); from the
        local copy while the shared database cannot be reached."""
        return self._on_shift(
            lambda school, uow: (
                school,
                staff_service.list_staff(uow, school, include_disabled=include_disabled),
            ),
            lambda school, local: (
                school,
                staff_service.list_staff(local.uow(), school, include_disabled=include_disabled),
            ),
            send=False,
        )

    def add_staff(self, *, initials: str, name: str, role: Role | str, pin: str) -> StaffMember:
        """Add a staff account (an admin signed in); the school's first account needs nobody
        signed in and becomes its admin.

        Raises:
            NotAllowed: not an admin (once the school has staff).
            BusinessRuleError: the initials are taken.
        """
        return staff_service.add_staff(
            self.uow(),
            self.school(),
            initials=initials,
            name=name,
            role=role,
            pin=pin,
            by=self.staff,
            desk=self.desk_name,
            now=self.clock(),
        )

    def set_pin(
        self, initials: str, new_pin: str, *, current_pin: str | None = None
    ) -> StaffMember:
        """Set a PIN: one's own (with ``current_pin``, checked as a sign-in) or, as an admin,
        anyone's."""
        return staff_service.set_pin(
            self.uow(),
            self.school(),
            initials=initials,
            new_pin=new_pin,
            by=self._member(),
            desk=self.desk_name,
            current_pin=current_pin,
            now=self.clock(),
        )

    def set_role(self, initials: str, role: Role | str) -> StaffMember:
        """Change an account's role (admin)."""
        return staff_service.set_role(
            self.uow(),
            self.school(),
            initials=initials,
            role=role,
            by=self._member(),
            desk=self.desk_name,
            now=self.clock(),
        )

    def disable_staff(self, initials: str) -> StaffMember:
        """Disable an account (admin); never the last active admin."""
        return staff_service.disable_staff(
            self.uow(),
            self.school(),
            initials=initials,
            by=self._member(),
            desk=self.desk_name,
            now=self.clock(),
        )

    def check(self, action: Action, *, approval: Authority | None = None) -> None:
        """Refuse unless the signed-in member (or ``approval``) may do ``action``, against
        the accounts as stored now: for what the desk does outside the database (a provider
        key into the keyring).

        Raises:
            NotAllowed: nobody signed in, or a role that does not allow it.
        """
        staff_service.check_actor(self.uow(), self.school(), action, self._actor(approval))
