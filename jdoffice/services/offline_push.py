"""Pushing the outbox: each waiting payment sent to the shared database once, in order.

When the database returns, :func:`push_outbox` sends each waiting payment, oldest first,
through the normal money path (``payments.apply_payment``) with the payment's own UUID as the
idempotency key: a push that dies midway and runs again never records a payment twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from jdoffice.domain.errors import IdempotencyMismatch, JdofficeError, Unavailable
from jdoffice.domain.model import Payment, School
from jdoffice.domain.money import format_money
from jdoffice.services.offline_ports import (
    LocalStore,
    OutboxEntry,
    PushedPayment,
    PushOutcome,
    SharedNotes,
)
from jdoffice.services.offline_reconcile import record_on_shared
from jdoffice.services.offline_shifts import PushedShiftChange
from jdoffice.services.payments import retrying, utcnow
from jdoffice.services.ports import DuplicateKey, UnitOfWork


@dataclass(frozen=True, slots=True)
class PushReport:
    done: tuple[PushedPayment, ...]
    failed: tuple[PushedPayment, ...]
    waiting: int
    stopped: str | None = None
    """Why the push stopped before the end (the shared database went away again)."""
    #: The shift changes made offline, pushed after the payments; those refused; and how
    #: many still wait.
    shifts: tuple[PushedShiftChange, ...] = ()
    shifts_failed: tuple[PushedShiftChange, ...] = ()
    shift_changes: int = 0

    def count(self, outcome: str) -> int:
        return sum(1 for p in self.done if p.outcome == outcome)


def push_outbox(
    shared: Callable[[], UnitOfWork],
    local: LocalStore,
    notes: SharedNotes,
    school: School,
    *,
    now: Callable[[], dt.datetime] = utcnow,
) -> PushReport:
    """Send every waiting payment to the shared database, oldest first, exactly once each.

    A payment whose id is already there (an earlier push died after the shared commit) is
    only marked as sent. A payment the shared database refuses for good (its student is gone)
    stays waiting with the reason; the others still go. If the shared database goes away
    midway, the push stops and the rest waits for the next one.
    """
    luow = local.uow()
    with luow:
        entries = [e for e in local.outbox(luow).waiting() if e.school_id == school.id]
    done: list[PushedPayment] = []
    failed: list[PushedPayment] = []
    stopped: str | None = None
    for entry in entries:
        try:
            pushed = push_entry(shared(), notes, school, entry, now())
        except Unavailable as exc:
            stopped = str(exc)
            break
        except JdofficeError as exc:
            failure = PushedPayment(
                entry.payment_id, entry.offline_receipt_no, PushOutcome.FAILED, detail=str(exc)
            )
            failed.append(failure)
            _mark(local, entry.payment_id, None, str(exc), now())
            continue
        _mark(local, entry.payment_id, pushed, "", now())
        done.append(pushed)
    return PushReport(tuple(done), tuple(failed), local.count_waiting(), stopped)


def _mark(
    local: LocalStore,
    payment_id: str,
    pushed: PushedPayment | None,
    error: str,
    at: dt.datetime,
) -> None:
    """Record in the outbox what the push did (sent, or why not)."""

    def attempt() -> None:
        uow = local.uow()
        with uow.write():
            box = local.outbox(uow)
            if pushed is not None:
                box.mark_pushed(payment_id, pushed.receipt_no, pushed.outcome, at)
            else:
                box.mark_error(payment_id, error, at)
            uow.commit()

    retrying(attempt)


def push_entry(
    uow: UnitOfWork, notes: SharedNotes, school: School, entry: OutboxEntry, now: dt.datetime
) -> PushedPayment:
    """Record one offline payment on the shared database (idempotent by its payment id)."""

    def attempt() -> PushedPayment:
        try:
            with uow.write():
                existing = uow.payments.get(entry.payment_id)
                if existing is not None:
                    result = _already(uow, notes, entry, existing, now)
                else:
                    result = record_on_shared(uow, notes, school, entry, now)
                uow.commit()
                return result
        except DuplicateKey:
            # The same payment arrived meanwhile (another push of this outbox).
            with uow.write():
                existing = uow.payments.get(entry.payment_id)
                if existing is None:
                    raise
                result = _already(uow, notes, entry, existing, now)
                uow.commit()
                return result

    return retrying(attempt)


def _already(
    uow: UnitOfWork, notes: SharedNotes, entry: OutboxEntry, existing: Payment, now: dt.datetime
) -> PushedPayment:
    if existing.fingerprint != entry.fingerprint or existing.school_id != entry.school_id:
        raise IdempotencyMismatch(
            f"payment id {entry.payment_id} is used on the shared database by a different "
            f"payment ({existing.method}, "
            f"{format_money(existing.amount_minor, existing.currency)})"
        )
    notes.note_offline_payment(
        uow,
        payment_id=existing.id,
        offline_receipt_no=entry.offline_receipt_no,
        student_id=existing.student_id,
        invoice_ids=(),
        now=now,
    )
    return PushedPayment(
        entry.payment_id,
        entry.offline_receipt_no,
        PushOutcome.ALREADY,
        receipt_no=existing.receipt_no,
    )
