"""The offline desk's records and ports: what a payment taken offline is, and where it is kept.

A payment staff take while the shared database cannot be reached is a :class:`PaymentRequest`
(everything needed to record it later exactly as ``register_payment`` would have then), kept
in the desk's local *outbox* as an :class:`OutboxEntry`; the desk hands over a
:class:`QueuedPayment`. Pushing it reports a :class:`PushedPayment`.

Storage is behind :class:`Outbox`, :class:`LocalStore` and :class:`SharedNotes`;
``jdoffice.adapters.local_store`` implements them with SQLAlchemy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from jdoffice.domain.model import Actor, School
from jdoffice.domain.money import CashSettlement
from jdoffice.services.payments import PaymentRequest as PaymentRequest
from jdoffice.services.ports import UnitOfWork

# --- what is queued ----------------------------------------------------------------------------


class OutboxStatus:
    WAITING = "waiting"
    PUSHED = "pushed"


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One payment taken offline, as stored in the local outbox."""

    request: PaymentRequest
    school_id: int
    student_id: int
    student_no: str
    student_name: str
    currency: str
    offline_receipt_no: str
    taken_at: dt.datetime
    actor: Actor
    #: How the desk spread it over the invoices it knew: ``(invoice_id, invoice_no, amount)``.
    allocations: tuple[tuple[int, str, int], ...]
    credit_minor: int
    rounding_minor: int = 0
    cash_total_minor: int | None = None
    change_minor: int | None = None
    status: str = OutboxStatus.WAITING
    pushed_at: dt.datetime | None = None
    receipt_no: int | None = None
    outcome: str = ""
    error: str = ""
    tries: int = 0
    seq: int = 0

    @property
    def payment_id(self) -> str:
        return self.request.payment_id

    @property
    def fingerprint(self) -> str:
        return self.request.fingerprint()


@dataclass(frozen=True, slots=True)
class QueuedPayment:
    """A payment taken while the shared database was unreachable: safe in the local outbox,
    with the offline receipt the desk hands over."""

    payment_id: str
    offline_receipt_no: str
    student_no: str
    student_name: str
    method: str
    amount_minor: int
    currency: str
    allocations: tuple[tuple[str, int], ...]
    credit_minor: int
    tendered_minor: int | None
    change_minor: int | None
    rounding_minor: int
    cash_total_minor: int | None
    balance_minor: int
    taken_at: dt.datetime
    waiting: int
    replayed: bool = False

    queued = True


class ShiftChangeKind:
    OPEN = "open"
    PAY_IN = "pay_in"
    PAY_OUT = "pay_out"
    CLOSE = "close"


@dataclass(frozen=True, slots=True)
class ShiftChange:
    """A shift opened, a pay-in or pay-out, or a close made while the shared database could
    not be reached, as kept in the local shift outbox until it is pushed.

    ``change_id`` is the stable key of the push: the shift's id for an opening, the
    movement's id for a pay-in or pay-out, an id made at the close for a close.
    ``amount_minor`` is the float, the amount moved or the cash counted; ``text`` the reason
    or the close's note; ``z_no`` the Z number the close printed.
    """

    change_id: str
    kind: str
    school_id: int
    shift_id: str
    desk: str
    staff_id: int
    staff: str
    amount_minor: int
    at: dt.datetime
    text: str = ""
    z_no: int | None = None
    unsent_payments: int = 0
    unsent_minor: int = 0
    status: str = OutboxStatus.WAITING
    pushed_at: dt.datetime | None = None
    outcome: str = ""
    pushed_z_no: int | None = None
    error: str = ""
    tries: int = 0
    seq: int = 0


# --- what pulling and pushing report ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReplicaState:
    """What the local copy holds: which school, from where, and how fresh it is."""

    school_id: int | None
    school_slug: str | None
    source: str | None
    last_pull_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class PullResult:
    full: bool
    students: int
    invoices: int
    balances: int
    payments: int
    refunds: int
    pulled_at: dt.datetime
    seconds: float


class PushOutcome:
    RECORDED = "recorded"
    CREDIT = "credit"
    ALREADY = "already"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class PushedPayment:
    payment_id: str
    offline_receipt_no: str
    outcome: str
    receipt_no: int | None = None
    credit_minor: int = 0
    detail: str = ""


def cash_settlement(request: PaymentRequest, school: School) -> CashSettlement | None:
    """The cash arithmetic of a cash payment (rounding, change), as ``register_payment``
    works it out; ``None`` for the other methods."""
    return request.settlement(school.currency)


# --- ports ---------------------------------------------------------------------------------------


class Outbox(Protocol):
    """The outbox inside one transaction of the local unit of work."""

    def get(self, payment_id: str) -> OutboxEntry | None: ...

    def add(self, entry: OutboxEntry) -> None:
        """Store the entry and note its offline receipt number on the local payment row."""
        ...

    def next_receipt_no(self, desk: str) -> str:
        """The next number of this desk's offline series (taken with the outbox row)."""
        ...

    def waiting(self) -> list[OutboxEntry]:
        """Entries not yet on the shared database, oldest first."""
        ...

    def count_waiting(self) -> int: ...
    def mark_pushed(
        self, payment_id: str, receipt_no: int | None, outcome: str, now: dt.datetime
    ) -> None: ...
    def mark_error(self, payment_id: str, error: str, now: dt.datetime) -> None: ...


class ShiftOutbox(Protocol):
    """The shift outbox inside one transaction of the local unit of work."""

    def get(self, change_id: str) -> ShiftChange | None: ...
    def add(self, change: ShiftChange) -> None: ...

    def waiting(self) -> list[ShiftChange]:
        """Changes not yet on the shared database, oldest first."""
        ...

    def count_waiting(self) -> int: ...

    def mark_pushed(
        self, change: ShiftChange, outcome: str, z_no: int | None, now: dt.datetime
    ) -> None:
        """Mark ``change`` sent; a close whose Z number changed on the way is renumbered in
        the local copy too."""
        ...

    def mark_error(self, change_id: str, error: str, now: dt.datetime) -> None: ...


class LocalStore(Protocol):
    """The desk's own database: the replica of its school and the outboxes."""

    def uow(self) -> UnitOfWork:
        """A unit of work on the replica (the same repositories as on the shared database)."""
        ...

    def uow_then(self, before_commit: Callable[[UnitOfWork], None]) -> UnitOfWork:
        """A unit of work on the replica whose commit first runs ``before_commit`` in the
        same transaction (a shift service's rows and their outbox row commit together)."""
        ...

    def shift_outbox(self, uow: UnitOfWork) -> ShiftOutbox:
        """The shift outbox, working inside the open transaction of ``uow``."""
        ...

    def count_shift_changes(self) -> int:
        """Shift changes waiting in the outbox (0 when there is no local database yet)."""
        ...

    def outbox(self, uow: UnitOfWork) -> Outbox:
        """The outbox, working inside the open transaction of ``uow`` (from :meth:`uow`)."""
        ...

    def state(self) -> ReplicaState: ...

    def count_waiting(self) -> int:
        """Payments waiting in the outbox (0 when there is no local database yet)."""
        ...

    def pull(self, school: School, *, full: bool = False) -> PullResult:
        """Copy the school from the shared database: everything the first time (or with
        ``full``), else what changed since the last pull. Raises :class:`Unavailable`."""
        ...


class SharedNotes(Protocol):
    """What the shared database records about a pushed offline payment beyond the money."""

    def note_offline_payment(
        self,
        uow: UnitOfWork,
        *,
        payment_id: str,
        offline_receipt_no: str,
        student_id: int,
        invoice_ids: Sequence[int],
        now: dt.datetime,
    ) -> None:
        """Keep the offline receipt number on the payment and mark the rows it changed as
        changed ``now``: the payment is dated when the money was taken, hours ago maybe, and
        desks that poll changes by ``updated_at`` must still see it."""
        ...
