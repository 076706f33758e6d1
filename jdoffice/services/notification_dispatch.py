"""Sending the messages that are due, after commit, with retries and backoff.

Sending happens after commit (:func:`dispatch_due`): a message is claimed (one sender wins),
sent without any transaction open, and recorded as sent, or as failed with the error (scrubbed
of secrets), the attempt counted and the next try planned with exponential backoff. After
:data:`MAX_ATTEMPTS` tries, or an error that cannot get better (a refused address), it stays
failed where staff see it (``notifications list --failed``) until ``notifications retry``
(:func:`retry_failed`). Nothing here ever blocks or undoes a payment.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from jdoffice.domain.model import School
from jdoffice.domain.notification import NotificationKind, NotificationStatus
from jdoffice.services.notification_compose import Prepared, prepare, render_mail, render_sms
from jdoffice.services.notification_ports import (
    CHANNEL_NAMES,
    DeliveryError,
    Transports,
    utcnow,
)
from jdoffice.services.notification_settings import CHANNELS
from jdoffice.services.ports import UnitOfWork

#: The same logger as the composing side's: one name for every line about notifications.
log = logging.getLogger("jdoffice.services.notifications")

#: Tries before a message is left failed for staff to see: with the backoff below the last
#: try is about two hours after the first.
MAX_ATTEMPTS = 8
BACKOFF_FIRST = dt.timedelta(seconds=30)
BACKOFF_MAX = dt.timedelta(hours=6)
#: How long a claimed message belongs to its sender; after that another sender may take it.
LEASE = dt.timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    """What happened to one message in one dispatch."""

    notification_id: int
    kind: str
    ref: str
    channel: str
    recipient: str
    status: NotificationStatus
    error: str | None = None
    next_attempt_at: dt.datetime | None = None

    def describe(self) -> str:
        what = CHANNEL_NAMES.get(self.channel, self.channel)
        if self.status is NotificationStatus.SENT:
            return f"{what} sent to {self.recipient}"
        if self.status is NotificationStatus.SKIPPED:
            return f"{what} not sent: {self.error}"
        if self.next_attempt_at is not None:
            return f"{what} to {self.recipient} not sent yet ({self.error}); it is tried again"
        return f"{what} to {self.recipient} failed: {self.error}"


@dataclass(frozen=True, slots=True)
class DispatchResult:
    outcomes: tuple[DeliveryOutcome, ...] = ()

    def count(self, status: NotificationStatus) -> int:
        return sum(1 for o in self.outcomes if o.status is status)

    @property
    def sent(self) -> int:
        return self.count(NotificationStatus.SENT)

    @property
    def failed(self) -> int:
        return self.count(NotificationStatus.FAILED)


def backoff(attempts: int) -> dt.timedelta:
    """The wait before the next try after ``attempts`` tries: 30 s, 1 min, 2 min, … ≤ 6 h."""
    delay: dt.timedelta = BACKOFF_FIRST * (2 ** min(max(0, attempts - 1), 20))
    return min(delay, BACKOFF_MAX)


def dispatch_due(
    uow: UnitOfWork,
    school: School,
    transports: Transports,
    *,
    refs: Sequence[str] | None = None,
    limit: int = 50,
    max_attempts: int = MAX_ATTEMPTS,
    now: dt.datetime | None = None,
) -> DispatchResult:
    """Send the school's messages that are due (only those about ``refs`` when given).

    Never raises for a message that cannot be sent: the failure is recorded on it. Raises
    only when the database itself is unavailable (the messages then simply stay due).
    """
    when = now or utcnow()
    # Only what this process can send: a desk without a mail server must not take the
    # messages of the one that has one, and fail them, using up their tries.
    able = [c for c in CHANNELS if (transports.mail if c == "email" else transports.sms)]
    if not able:
        return DispatchResult()
    # Looked for without the write lock: on SQLite a periodic look that finds nothing must
    # not queue behind (or hold up) the desks' payments.
    with uow:
        if refs is None:
            ids = uow.notifications.due(when, limit, school.id, able)
        else:
            claimable = (
                NotificationStatus.PENDING,
                NotificationStatus.FAILED,
                NotificationStatus.SENDING,
            )
            ids = [
                n.id
                for ref in refs
                for kind in NotificationKind
                for n in uow.notifications.for_ref(kind.value, ref)
                if n.school_id == school.id
                and n.channel in able
                and n.status in claimable
                and n.next_attempt_at is not None
                and n.next_attempt_at <= when
            ]
    if not ids:
        return DispatchResult()
    outcomes = []
    for nid in ids:
        # Claimed one at a time, just before it is sent: a slow server never lets the lease
        # of a message still waiting its turn run out (another sender would send it too).
        with uow.write():
            mine = uow.notifications.claim(nid, utcnow() if now is None else when, _lease(now))
            uow.commit()
        if mine:
            outcomes.append(_deliver(uow, school, transports, nid, max_attempts, now))
    return DispatchResult(tuple(outcomes))


def _lease(now: dt.datetime | None) -> dt.datetime:
    return (now or utcnow()) + LEASE


def retry_failed(
    uow: UnitOfWork,
    school: School,
    transports: Transports,
    *,
    now: dt.datetime | None = None,
) -> DispatchResult:
    """``notifications retry``: every failed message gets a try now, with what else is due."""
    when = now or utcnow()
    with uow.write():
        uow.notifications.requeue_failed(school.id, when)
        uow.commit()
    return dispatch_due(uow, school, transports, now=when, limit=500)


def _deliver(
    uow: UnitOfWork,
    school: School,
    transports: Transports,
    notification_id: int,
    max_attempts: int,
    now: dt.datetime | None,
) -> DeliveryOutcome:
    with uow:
        prepared = prepare(uow, school, notification_id, now)
    n = prepared.notification
    status = NotificationStatus.SENT
    error: str | None = None
    provider_ref: str | None = None
    next_try: dt.datetime | None = None
    try:
        if n.kind is NotificationKind.REMINDER and not prepared.link_open:
            status, error = NotificationStatus.SKIPPED, prepared.stale
        elif n.kind is NotificationKind.LINK and not prepared.link_open:
            status, error = NotificationStatus.SKIPPED, "the payment is no longer open"
        else:
            provider_ref = _send(prepared, transports)
    except DeliveryError as exc:
        status, error = NotificationStatus.FAILED, transports.scrub(str(exc)) or "not sent"
        if not exc.permanent and n.attempts < max_attempts:
            next_try = (now or utcnow()) + backoff(n.attempts)
    except Exception as exc:  # a transport bug must not stop the other messages
        status = NotificationStatus.FAILED
        error = transports.scrub(f"{type(exc).__name__}: {exc}")
        if n.attempts < max_attempts:
            next_try = (now or utcnow()) + backoff(n.attempts)
    if status is NotificationStatus.FAILED:
        # A message that will be tried again is news for the log, not a warning on stderr.
        log.log(
            logging.INFO if next_try is not None else logging.WARNING,
            "%s %s #%d about %s to %s not sent (try %d): %s",
            n.channel,
            n.kind.value,
            n.id,
            n.ref,
            n.recipient,
            n.attempts,
            error,
        )
    else:
        log.info("%s %s #%d to %s: %s", n.channel, n.kind.value, n.id, n.recipient, status.value)
    with uow.write():
        uow.notifications.finish(
            n.id,
            now or utcnow(),
            status=status,
            next_attempt_at=next_try,
            error=error,
            provider_ref=provider_ref,
        )
        uow.commit()
    return DeliveryOutcome(
        notification_id=n.id,
        kind=n.kind.value,
        ref=n.ref,
        channel=n.channel,
        recipient=n.recipient,
        status=status,
        error=error,
        next_attempt_at=next_try,
    )


def _send(p: Prepared, transports: Transports) -> str:
    n = p.notification
    if n.channel == "email":
        if transports.mail is None:
            raise DeliveryError(transports.missing.get("email", "e-mail is not set up here"))
        sender = p.settings.sender_address or transports.mail.default_sender
        if not sender:
            raise DeliveryError(
                "no sender address: set JDOFFICE_MAIL_FROM, [smtp] from, or the school's "
                "sender address"
            )
        return transports.mail.send(render_mail(p, transports, sender))
    if n.kind is NotificationKind.STATEMENT:
        raise DeliveryError("a statement is sent by e-mail only", permanent=True)
    if transports.sms is None:
        raise DeliveryError(transports.missing.get("sms", "SMS is not set up here"))
    sender = p.settings.sms_sender or transports.sms.default_sender
    if not sender:
        raise DeliveryError("no SMS sender: set JDOFFICE_SMS_FROM, [sms] from, or the school's")
    return transports.sms.send(n.recipient, render_sms(p), sender)
