"""The front desk: the verbs the desk program and the command line share.

A :class:`Desk` works for one school and the person at the desk (an
:class:`~jdoffice.domain.model.Actor`). It finds students, opens one, takes and refunds
payments, starts, checks and cancels online payments, sends payment links, reprints
receipts, makes the day report and lists and resolves flags. It decides where each verb
runs: reads and manual payments go through the offline desk (the shared database, or this
desk's local copy and outbox while the shared database cannot be reached); everything else
needs the shared database.

Who is at the desk (issue 14): a desk is built for an :class:`~jdoffice.domain.model.Actor`
(the desk's name, and the text older rows carry); :meth:`Desk.sign_in` (initials and PIN) or
:meth:`Desk.act_as` (a :class:`~jdoffice.domain.staff.StaffMember` the caller signed in)
makes it work for a staff member: from then on :attr:`Desk.actor` is that member's
(``staff_id`` on every money row and audit row, the name on receipts). Verbs a role does not
allow take an ``approval`` (:meth:`Desk.approve`: a manager's initials and PIN), whose
actor carries both ids. The services check every role again, so a front end only reflects
them.

Each verb returns what its caller shows (the receipt's body, the student, what was sent),
read in the transaction that did the work, so a front end never reads it back in a second
one. The Desk imports no adapter: the composition root (:func:`jdoffice.bootstrap.App.desk`)
hands it its ports.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from jdoffice.domain.errors import InvalidInput, NotFound
from jdoffice.domain.model import (
    Actor,
    FlaggedConfirmation,
    Receipt,
    ReceiptBody,
    School,
    normalize_key,
)
from jdoffice.domain.money import parse_amount
from jdoffice.domain.shifts import Shift
from jdoffice.domain.staff import Action, Authority, NotAllowed, StaffMember
from jdoffice.services import flags, online, queries, shifts
from jdoffice.services import payments as pay_service
from jdoffice.services import staff as staff_service
from jdoffice.services.desk_online import (
    POLL_SECONDS,
    DeskOnlineVerbs,
    GatewayFactory,
    OnlinePayment,
    Sent,
    Synced,
    TransportFactory,
)
from jdoffice.services.desk_payouts import DeskPayoutVerbs
from jdoffice.services.desk_staff import DeskStaffVerbs
from jdoffice.services.offline import OfflineDesk, QueuedPayment, Reading, offline_receipt
from jdoffice.services.online_methods import gateway_of
from jdoffice.services.payments import PaymentResult, RefundResult
from jdoffice.services.ports import StudentHit, UnitOfWork
from jdoffice.services.settings import PaymentSettings

log = logging.getLogger(__name__)

__all__ = [
    "POLL_SECONDS",
    "QUICK_SEND_SECONDS",
    "DayReport",
    "Desk",
    "GatewayFactory",
    "OnlinePayment",
    "OpenStudent",
    "Paid",
    "Refunded",
    "Reprint",
    "Sent",
    "Synced",
    "TransportFactory",
]

#: Sending right after a payment waits at most this long per message: the payment is done,
#: and what is not sent by then waits in the outbox (`notifications retry`).
QUICK_SEND_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class OpenStudent:
    """A student as the desk shows them, and the school they belong to."""

    school: School
    view: queries.StudentView


@dataclass(frozen=True, slots=True)
class Paid:
    """A manual payment: recorded on the shared database (``payment``) or queued in this
    desk's outbox (``queued``), with the receipt to hand over and the confirmations sent."""

    school: School
    payment: PaymentResult | None
    queued: QueuedPayment | None
    receipt: ReceiptBody | None
    sent: Sent = field(default_factory=Sent)


@dataclass(frozen=True, slots=True)
class Refunded:
    school: School
    refund: RefundResult
    #: Whether it went through the payment's provider (it may be pending until confirmed).
    through_provider: bool
    sent: Sent = field(default_factory=Sent)


@dataclass(frozen=True, slots=True)
class Reprint:
    school: School
    receipt: Receipt


@dataclass(frozen=True, slots=True)
class DayReport:
    school: School
    report: queries.DayReport
    #: Every desk's shifts opened that day, with their variances once closed.
    shifts: tuple[Shift, ...] = ()


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Desk(DeskStaffVerbs, DeskOnlineVerbs, DeskPayoutVerbs):
    """The front desk of one school, for the person at it.

    Attributes:
        actor: who the rows name: the signed-in staff member's actor once someone signed
            in (:meth:`sign_in`, :meth:`act_as`), else the desk's own (its ``desk`` is this
            desk's name, which shifts are kept under).
        staff: the signed-in staff member, or None.
        uow: opens a unit of work on the shared database.
        offline: the offline desk (opened on first use: it opens the local copy's file).
        gateway: builds the school's online gateway.
        payment_settings: the school's payment settings (defaults overlaid with its own).
        counter_method: refuses a name that is not a counter method (with the reason).
        online_methods: the names of the installed online gateways.
        transports: the senders for confirmations and payment links.
        clock: the time now, in UTC.
    """

    school_slug: str | None
    actor: Actor
    uow: Callable[[], UnitOfWork]
    offline: Callable[[], OfflineDesk]
    gateway: GatewayFactory
    payment_settings: Callable[[School], PaymentSettings]
    counter_method: Callable[[str], object]
    online_methods: Callable[[], Collection[str]]
    transports: TransportFactory
    clock: Callable[[], dt.datetime] = _utcnow
    sleep: Callable[[float], None] = time.sleep
    staff: StaffMember | None = None
    _school: School | None = field(default=None, init=False, repr=False)
    _offline: OfflineDesk | None = field(default=None, init=False, repr=False)
    _unsigned: Actor | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self._unsigned = self.actor
        if self.staff is not None:
            self.act_as(self.staff)

    # --- who is at the desk --------------------------------------------------------------

    @property
    def desk_name(self) -> str:
        """This desk's name: what its shifts, payments and refunds are kept under."""
        return self.actor.desk

    def act_as(self, member: StaffMember | None) -> None:
        """Work for ``member`` (signed in by the caller), or for nobody (``None``: signed out,
        the desk's own actor again, which takes no money once the school has staff)."""
        base = self._unsigned or self.actor
        self.staff = member
        self.actor = member.actor(base.desk) if member is not None else base
        if self._offline is not None:
            self._offline.actor = self.actor

    def approve(self, action: Action, initials: str, pin: str) -> Authority:
        """The signed-in member may do ``action``: on their own role (nothing is asked), or
        with the approval of the person whose initials and PIN these are (audited as
        ``staff.approved`` with both ids). Pass the result as a verb's ``approval``.

        Raises:
            NotAllowed: nobody is signed in, or the approver's role does not allow it either.
            SignInRefused, AccountLocked: the approver's initials or PIN (counted).
        """
        return staff_service.approve(
            self.uow(),
            self.school(),
            action,
            self._member(),
            initials,
            pin,
            desk=self.desk_name,
            now=self.clock(),
        )

    def may(self, action: Action) -> bool:
        """Whether the signed-in member's role allows ``action`` without an approval (what a
        front end shows; the services check again)."""
        return self.staff is not None and self.staff.may(action)

    def _member(self) -> StaffMember:
        if self.staff is None:
            raise NotAllowed("sign in first (initials and PIN)")
        return self.staff

    def _who(self, approval: Authority | None) -> StaffMember | Authority:
        return approval if approval is not None else self._member()

    def _actor(self, approval: Authority | None) -> Actor:
        """The actor of a verb: the approval's (both ids) or the signed-in member's."""
        return approval.actor(self.desk_name) if approval is not None else self.actor

    # --- where the data is -------------------------------------------------------------

    def school(self) -> School:
        """The school on the shared database."""
        if self._school is None:
            self._school = queries.resolve_school(self.uow(), self.school_slug)
        return self._school

    def offline_desk(self) -> OfflineDesk:
        """The shared database, or the local copy and outbox while it cannot be reached."""
        if self._offline is None:
            self._offline = self.offline()
        self._offline.actor = self.actor
        return self._offline

    def amount(
        self,
        value: int | str | None,
        currency: str,
        what: str = "amount",
        *,
        allow_zero: bool = False,
    ) -> int | None:
        """An amount in minor units: as given, or parsed from text in ``currency`` (zero
        only when ``allow_zero``: a float or a count)."""
        if value is None or isinstance(value, int):
            return value
        try:
            return parse_amount(value, currency, allow_zero=allow_zero)
        except InvalidInput as exc:
            raise InvalidInput(f"{what}: {exc}") from None

    # --- find and open -------------------------------------------------------------------

    def find(self, text: str, limit: int = 20) -> Reading[list[StudentHit]]:
        """Students by name, phone, student number or e-mail, best first."""
        return self.offline_desk().read(
            lambda uow, school: queries.search_students(uow, school, text, limit)
        )

    def open_student(self, student_no: str) -> Reading[OpenStudent]:
        """A student's invoices, payments and balance, by number in any case (``s0000190``
        is ``S0000190``, as search finds it)."""
        now = self.clock()
        return self.offline_desk().read(
            lambda uow, school: OpenStudent(school, _student_view(uow, school, student_no, now))
        )

    # --- money at the counter ----------------------------------------------------------

    def pay(
        self,
        *,
        method: str,
        amount: int | str,
        invoice_no: str | None = None,
        student_no: str | None = None,
        tendered: int | str | None = None,
        reference: str | None = None,
        key: str | None = None,
        allow_credit: bool = False,
        shared_first: bool = True,
        send: bool = True,
    ) -> Paid:
        """Take a cash, bank, MobilePay or card-terminal payment. Text amounts are read in
        the school's currency. The payment is checked once
        (:func:`jdoffice.services.payments.check_payment`) and recorded on the shared
        database, or queued in this desk's outbox while that cannot be reached (the receipt
        then has a number from the desk's offline series). The confirmation queued with a
        recorded payment is sent at once when ``send``.

        Needs a signed-in member (once the school has staff accounts); cash needs an open
        shift on this desk (:meth:`open_shift`).

        Raises:
            NotAllowed: nobody signed in.
            NoOpenShift: cash at a desk with no open shift.
        """
        self.counter_method(method)
        desk = self.offline_desk()
        school = desk.school().value
        amount_minor = self.amount(amount, school.currency)
        assert amount_minor is not None
        r = desk.pay(
            school,
            method=method.strip().lower(),
            amount_minor=amount_minor,
            invoice_no=invoice_no,
            student_no=student_no,
            tendered_minor=self.amount(tendered, school.currency, "tendered"),
            reference=reference,
            key=key,
            allow_credit=allow_credit,
            now=self.clock(),
            shared_first=shared_first,
        )
        if isinstance(r, QueuedPayment):
            return Paid(school, None, r, offline_receipt(r, school, self.actor, reference or ""))
        sent = self.send_confirmations(school, [r.payment_id]) if send else Sent()
        return Paid(school, r, None, r.receipt, sent)

    def refund(
        self,
        payment_id: str,
        *,
        amount: int | str | None,
        reason: str,
        key: str | None = None,
        send: bool = True,
        approval: Authority | None = None,
    ) -> Refunded:
        """Give back all (``amount`` None) or part of a payment. A payment made online is
        refunded through its provider, a manual one at the desk.

        Refunds need a manager: a receptionist passes ``approval`` (:meth:`approve` with
        ``Action.REFUND``); the refund row gets the signed-in member's id, the audit row
        both. A cash refund needs an open shift on this desk.

        Raises:
            NotAllowed: not a manager and no approval.
            NoOpenShift: cash at a desk with no open shift.
        """
        school = self.school()
        actor = self._actor(approval)
        amount_minor = self.amount(amount, school.currency)
        method = self._payment_method(school, payment_id)
        through_provider = method is not None and method in self.online_methods()
        if through_provider:
            assert method is not None
            r = online.refund_online(
                self.uow(),
                school,
                self._gateway_named(school, gateway_of(method) or method),
                payment_id=payment_id,
                amount_minor=amount_minor,
                reason=reason,
                key=key,
                actor=actor,
            )
        else:
            r = pay_service.refund_payment(
                self.uow(),
                school,
                payment_id=payment_id,
                amount_minor=amount_minor,
                reason=reason,
                key=key,
                actor=actor,
                now=self.clock(),
            )
        sent = (
            self.send_confirmations(school, [r.refund_id])
            if send and r.status == "succeeded"
            else Sent()
        )
        return Refunded(school, r, through_provider, sent)

    def _payment_method(self, school: School, payment_id: str) -> str | None:
        """The method of a payment, or None when the id is not one (the refund says why)."""
        try:
            pid = normalize_key(payment_id) if payment_id.strip() else ""
        except InvalidInput:
            return None
        if not pid:
            return None
        uow = self.uow()
        with uow:
            p = uow.payments.get(pid)
        return p.method if p and p.school_id == school.id else None

    # --- receipts, report, flags -----------------------------------------------------------

    def reprint(self, receipt_no: int, *, copy: bool) -> Reprint:
        """A receipt's body to show or print; a ``copy`` is marked KOPI and counted."""
        school = self.school()
        r = queries.get_receipt(self.uow(), school, receipt_no, copy=copy, actor=self.actor)
        return Reprint(school, r)

    def day_report(self, day: dt.date | None = None) -> DayReport:
        """A day's totals per method, rounding, refunds and receipts (default: today at the
        school), and each desk's shifts of the day with their variances."""
        school = self.school()
        report = queries.day_report(self.uow(), school, day, now=self.clock())
        return DayReport(
            school, report, tuple(shifts.shifts_of_day(self.uow(), school, report.date))
        )

    def flags(self) -> tuple[School, list[FlaggedConfirmation]]:
        """Provider answers that did not match our records, until resolved."""
        school = self.school()
        return school, flags.unresolved(self.uow(), school)

    def resolve_flag(
        self, flag_id: int, note: str, *, approval: Authority | None = None
    ) -> tuple[School, FlaggedConfirmation]:
        """Mark a flag resolved with a note; who, at which desk and when are audited. Needs a
        manager, or ``approval`` (``Action.RESOLVE_FLAG``)."""
        school = self.school()
        return school, flags.resolve(self.uow(), school, flag_id, note, self._actor(approval))


def _student_view(
    uow: UnitOfWork, school: School, student_no: str, now: dt.datetime
) -> queries.StudentView:
    try:
        return queries.student_view(uow, school, student_no, now)
    except NotFound:
        wanted = student_no.strip().casefold()
        same = {
            h.student_no
            for h in queries.search_students(uow, school, student_no.strip(), limit=20)
            if h.student_no.casefold() == wanted
        }
        if len(same) != 1:
            raise
        return queries.student_view(uow, school, same.pop(), now)
