"""Offline desks (issue 5): keep taking payments when the shared database cannot be reached.

A desk keeps a local copy (the *replica*) of its school: students, search terms, invoices,
balances and recent payments, in a SQLite file with the same schema, so search and the
student view run unchanged against it. While the shared database is unreachable, cash, bank
and MobilePay payments go into a durable local *outbox*, and are pushed once, in order, when
it answers again.

This module is the desk's way to the data (:class:`OfflineDesk`: the shared database while it
answers, the local copy and the outbox while it does not) and the one place the rest of
jdoffice takes the offline names from. The work itself is in modules of its own:

* :mod:`~jdoffice.services.offline_ports`: the records (request, outbox entry, queued and
  pushed payment) and the ports :class:`LocalStore`, :class:`Outbox` and
  :class:`SharedNotes`, which ``jdoffice.adapters.local_store`` implements with SQLAlchemy;
* :mod:`~jdoffice.services.offline_queue`: a payment checked against the local copy and taken
  into the outbox, with its offline receipt;
* :mod:`~jdoffice.services.offline_push`: the outbox pushed to the shared database, oldest
  first, exactly once each (:func:`push_outbox`);
* :mod:`~jdoffice.services.offline_reconcile`: one payment recorded on the shared database as
  it is now, a payment that no longer fits kept as credit and flagged;
* :mod:`~jdoffice.services.offline_shifts`: shifts opened, paid into and out of and closed
  offline, queued in the local shift outbox and pushed after the payments, once each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeVar

from jdoffice.domain.errors import Unavailable
from jdoffice.domain.model import Actor, School
from jdoffice.services import offline_ports, queries
from jdoffice.services.offline_ports import (
    OutboxEntry,
    OutboxStatus,
    PaymentRequest,
    PullResult,
    PushedPayment,
    PushOutcome,
    QueuedPayment,
    ReplicaState,
    SharedNotes,
)
from jdoffice.services.offline_push import PushReport, push_entry, push_outbox
from jdoffice.services.offline_queue import offline_receipt, queue_payment
from jdoffice.services.offline_reconcile import FLAG_GATEWAY
from jdoffice.services.offline_shifts import push_shift_changes
from jdoffice.services.payments import PaymentResult, check_payment, record_payment
from jdoffice.services.ports import UnitOfWork
from jdoffice.services.student_search import Reading as Reading

T = TypeVar("T")

# Bound here, not only imported, so that `jdoffice.services.offline.<name>` (as
# docs/architecture.md writes it) is a definition of this module.
Outbox = offline_ports.Outbox
LocalStore = offline_ports.LocalStore

__all__ = [
    "FLAG_GATEWAY",
    "LocalStore",
    "OfflineDesk",
    "Outbox",
    "OutboxEntry",
    "OutboxStatus",
    "PaymentRequest",
    "PullResult",
    "PushOutcome",
    "PushReport",
    "PushedPayment",
    "QueuedPayment",
    "Reading",
    "ReplicaState",
    "SharedNotes",
    "SyncStatus",
    "offline_receipt",
    "push_entry",
    "push_outbox",
    "queue_payment",
    "status_text",
]

# --- the desk ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SyncStatus:
    online: bool
    pending: int
    last_pull_at: dt.datetime | None
    errors: tuple[str, ...] = ()
    #: Shift openings, pay-ins, pay-outs and closes made offline, waiting to be sent.
    shift_changes: int = 0


def status_text(status: SyncStatus) -> str:
    """`sync status`'s words for the connection and the outbox (the desk program says it in
    its own language)."""
    n = status.pending
    waiting = f"{n} payment{'s' if n != 1 else ''} waiting"
    if status.shift_changes:
        k = status.shift_changes
        waiting += f", {k} shift change{'s' if k != 1 else ''} waiting"
    if not status.online:
        return f"Offline — {waiting}"
    return f"Online — {waiting}" if n or status.shift_changes else "Online"


@dataclass
class OfflineDesk:
    """The desk's way to the data: the shared database while it answers, the local copy and
    the outbox while it does not. Every method may block on the network: call them off the
    GUI thread.

    Attributes:
        shared: opens a unit of work on the shared database; raises :class:`Unavailable`
            when it cannot be reached.
        local: the replica and outbox.
        notes: what the shared database records about pushed offline payments.
        ping: whether the shared database answers now.
    """

    shared: Callable[[], UnitOfWork]
    local: LocalStore
    notes: SharedNotes
    ping: Callable[[], bool]
    school_slug: str | None
    actor: Actor

    def shared_school(self) -> School:
        return queries.resolve_school(self.shared(), self.school_slug)

    def local_school(self, reason: str = "database unavailable") -> School:
        """The school as the local copy has it; ``reason`` says why the shared database is
        not used."""
        state = self.local.state()
        if state.school_id is None:
            raise Unavailable(
                f"{reason}; this desk has no local copy of its school to work from "
                "(run `jdoffice sync pull` once while the database answers)"
            )
        return queries.resolve_school(self.local.uow(), self.school_slug)

    def school(self) -> Reading[School]:
        """The school, from the shared database or else from the local copy."""
        return self.read(lambda _uow, school: school)

    def read(self, fn: Callable[[UnitOfWork, School], T]) -> Reading[T]:
        """Run a read use case (search, student view, …) on the shared database, or on the
        local copy when the shared database cannot be reached."""
        try:
            school = self.shared_school()
            return Reading(fn(self.shared(), school), offline=False)
        except Unavailable as exc:
            reason = str(exc)
        return self.read_local(fn, reason)

    def read_local(self, fn: Callable[[UnitOfWork, School], T], reason: str) -> Reading[T]:
        """Run a read use case on the local copy: the shared database could not be reached
        (``reason``).

        Raises:
            Unavailable: this desk has no local copy of its school.
        """
        school = self.local_school(reason)
        state = self.local.state()
        return Reading(
            fn(self.local.uow(), school),
            offline=True,
            last_pull_at=state.last_pull_at,
            reason=reason,
        )

    def pay(
        self,
        school: School,
        *,
        method: str,
        amount_minor: int,
        invoice_no: str | None = None,
        student_no: str | None = None,
        tendered_minor: int | None = None,
        reference: str | None = None,
        key: str | None = None,
        allow_credit: bool = False,
        now: dt.datetime | None = None,
        shared_first: bool = True,
    ) -> PaymentResult | QueuedPayment:
        """Register the payment on the shared database, or queue it when that cannot be
        reached. Payments still waiting from an earlier outage are sent first, so the shared
        database sees them in the order they were taken.

        Args:
            shared_first: False when the desk already knows the database is unreachable: the
                payment is queued at once instead of waiting for a connection to time out
                (queueing is safe either way: the push records it once).
        """
        request = check_payment(
            school,
            method=method,
            amount_minor=amount_minor,
            invoice_no=invoice_no,
            student_no=student_no,
            tendered_minor=tendered_minor,
            reference=reference,
            key=key,
            allow_credit=allow_credit,
        )
        if not shared_first:
            return queue_payment(self.local, school, request, actor=self.actor, now=now)
        try:
            if self.local.count_waiting() or self.local.count_shift_changes():
                # A shift opened offline goes too: a cash payment needs it on the shared side.
                report = self.push(school)
                if report.stopped:
                    raise Unavailable(report.stopped)
            return record_payment(self.shared(), school, request, actor=self.actor, now=now)
        except Unavailable:
            # Nothing was recorded, or the outcome is unknown (the commit's answer was lost):
            # either way the outbox keeps the same payment id, and the push records it once.
            pass
        return queue_payment(self.local, school, request, actor=self.actor, now=now)

    def push(self, school: School | None = None) -> PushReport:
        """Send the payments taken offline, then the shift changes made offline (a close
        on the shared database then counts those payments), each exactly once."""
        where = school or self.shared_school()
        report = push_outbox(self.shared, self.local, self.notes, where)
        if report.stopped:
            return replace(report, shift_changes=self.local.count_shift_changes())
        changes = push_shift_changes(self.shared, self.local, where)
        return replace(
            report,
            shifts=changes.done,
            shifts_failed=changes.failed,
            shift_changes=changes.waiting,
            stopped=changes.stopped,
        )

    def pull(self, *, full: bool = False) -> PullResult:
        return self.local.pull(self.shared_school(), full=full)

    def sync(self) -> tuple[PushReport, PullResult]:
        """Send what waits, then refresh the local copy (what the desk does when the database
        is back, and every so often while it is there)."""
        school = self.shared_school()
        report = self.push(school)
        return report, self.local.pull(school)

    def status(self) -> SyncStatus:
        online = self.ping()
        pending = self.local.count_waiting()
        errors: tuple[str, ...] = ()
        if pending:
            uow = self.local.uow()
            with uow:
                errors = tuple(
                    f"{e.offline_receipt_no}: {e.error}"
                    for e in self.local.outbox(uow).waiting()
                    if e.error
                )
        if self.local.count_shift_changes():
            uow = self.local.uow()
            with uow:
                errors += tuple(
                    f"shift {c.kind.replace('_', '-')} ({c.desk}): {c.error}"
                    for c in self.local.shift_outbox(uow).waiting()
                    if c.error
                )
        return SyncStatus(
            online,
            pending,
            self.local.state().last_pull_at,
            errors,
            shift_changes=self.local.count_shift_changes(),
        )

    def waiting(self) -> list[OutboxEntry]:
        """The payments waiting in the outbox, oldest first."""
        if not self.local.count_waiting():
            return []
        uow = self.local.uow()
        with uow:
            return self.local.outbox(uow).waiting()
