"""The desk's shift and staff-account verbs (issue 14), part of
:class:`jdoffice.services.desk.Desk`: opening, pay-ins and pay-outs, the blind close and the
Z-report of this desk's shift, and the school's staff accounts. Each acts for the signed-in
staff member (:meth:`Desk.sign_in <jdoffice.services.desk.Desk.sign_in>`); the services
check the role again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from jdoffice.domain.errors import NotFound
from jdoffice.domain.model import Actor, School
from jdoffice.domain.shifts import Movement, Shift, ZReport
from jdoffice.domain.staff import Action, Authority, Role, StaffMember
from jdoffice.services import shifts
from jdoffice.services import staff as staff_service
from jdoffice.services.ports import UnitOfWork


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

        def _actor(self, approval: Authority | None) -> Actor: ...

        def _who(self, approval: Authority | None) -> StaffMember | Authority: ...

    # --- the desk's shift ------------------------------------------------------------------

    def open_shift(self, float_amount: int | str, *, key: str | None = None) -> Shift:
        """Open this desk's shift with the float counted into the drawer (text in the
        school's currency, or minor units).

        Raises:
            NotAllowed: nobody signed in.
            BusinessRuleError: the desk has an open shift already.
        """
        school = self.school()
        minor = self.amount(float_amount, school.currency, "float", allow_zero=True)
        assert minor is not None
        return shifts.open_shift(
            self.uow(),
            school,
            desk=self.desk_name,
            float_minor=minor,
            by=self._member(),
            key=key,
            now=self.clock(),
        )

    def pay_in(self, amount: int | str, reason: str, *, key: str | None = None) -> Movement:
        """Cash put into the drawer during the shift, with a reason.

        Raises:
            NoOpenShift: the desk has no open shift.
        """
        school = self.school()
        minor = self.amount(amount, school.currency)
        assert minor is not None
        return shifts.pay_in(
            self.uow(),
            school,
            desk=self.desk_name,
            amount_minor=minor,
            reason=reason,
            by=self._member(),
            key=key,
            now=self.clock(),
        )

    def pay_out(self, amount: int | str, reason: str, *, key: str | None = None) -> Movement:
        """Cash taken out of the drawer during the shift ("Kaffe", "Indsat i banken").

        Raises:
            NoOpenShift: the desk has no open shift.
        """
        school = self.school()
        minor = self.amount(amount, school.currency)
        assert minor is not None
        return shifts.pay_out(
            self.uow(),
            school,
            desk=self.desk_name,
            amount_minor=minor,
            reason=reason,
            by=self._member(),
            key=key,
            now=self.clock(),
        )

    def shift_status(self) -> tuple[School, shifts.ShiftStatus | None]:
        """This desk's open shift as it may be shown before the count (never the expected
        cash), or None."""
        school = self.school()
        return school, shifts.shift_status(self.uow(), school, self.desk_name)

    def close_shift(self, counted: int | str, *, note: str = "") -> ZReport:
        """Close this desk's shift with the cash counted (a blind count): the Z-report with
        the expected figure and the variance (a shortfall is recorded, never refused).

        Raises:
            NotAllowed: nobody signed in.
            NoOpenShift: the desk has no open shift.
        """
        school = self.school()
        minor = self.amount(counted, school.currency, "counted", allow_zero=True)
        assert minor is not None
        return shifts.close_shift(
            self.uow(),
            school,
            desk=self.desk_name,
            counted_minor=minor,
            by=self._member(),
            note=note,
            now=self.clock(),
        )

    def z_report(self, z_no: int | None = None) -> tuple[School, ZReport]:
        """A Z-report of this desk as printed at its close: ``z_no``, or the latest.

        Raises:
            NotFound: no such Z-report at this desk (or none yet).
        """
        school = self.school()
        uow = self.uow()
        if z_no is None:
            with uow:
                z_no = uow.shifts.next_z(school.id, self.desk_name) - 1
            if z_no < 1:
                raise NotFound(f"desk {self.desk_name} has no Z-report yet")
        return school, shifts.z_report_of(uow, school, self.desk_name, z_no)

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
        """The school's staff accounts by initials (names and roles, never a PIN)."""
        school = self.school()
        return school, staff_service.list_staff(
            self.uow(), school, include_disabled=include_disabled
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
