"""The message outbox: confirmations queued inside the money transactions, and what staff see.

Queueing is part of the money: :func:`queue_confirmation` is called by the one path that
records a payment (``payments.apply_payment``) and the one that settles a refund
(``payments.settle_refund``), in their transaction. A crash therefore can neither send without
recording nor record without queueing, and the unique key (kind, ref, channel) keeps it to one
message per payment or refund and channel, however often a provider repeats itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from jdoffice.domain.contact import normalize_email, normalize_phone
from jdoffice.domain.errors import InvalidInput
from jdoffice.domain.model import School, Student
from jdoffice.domain.notification import (
    NewNotification,
    Notification,
    NotificationKind,
    NotificationStatus,
)
from jdoffice.services.notification_choices import effective_settings
from jdoffice.services.notification_settings import CHANNELS, NotificationSettings
from jdoffice.services.ports import UnitOfWork

# --- queueing (inside the money transactions) -------------------------------------------------


def recipient_of(student: Student, channel: str) -> tuple[str, str | None]:
    """``(address or E.164 number, None)``, or ``("", note)`` when there is nothing to send to."""
    raw = student.email if channel == "email" else student.phone
    what = "e-mail address" if channel == "email" else "phone number"
    if not raw.strip():
        return "", f"student {student.student_no} has no {what}"
    try:
        value = normalize_email(raw) if channel == "email" else normalize_phone(raw)
    except InvalidInput as exc:
        return "", f"student {student.student_no}: {exc}"
    return value, None


def queue_confirmation(
    uow: UnitOfWork,
    school: School,
    student: Student,
    *,
    kind: NotificationKind,
    ref: str,
    receipt_no: int,
    amount_minor: int,
    currency: str,
    now: dt.datetime,
    settings: NotificationSettings | None = None,
    fresh: bool = False,
) -> int:
    """Queue the confirmation of a payment or refund on every channel the school has on.

    Runs inside the transaction that records the money (the caller holds the student's
    lock). A student without an address or number gets a ``skipped`` row with a note instead
    of an error. Returns how many messages were queued to be sent. ``settings``: the school's
    notification settings when the caller read them already in this transaction.
    ``fresh``: ``ref`` was made in this transaction (a new payment's id), so no confirmation
    of it can be queued yet (:meth:`NotificationRepository.add`).
    """
    if settings is None:
        settings = effective_settings(uow, school)
    queued = 0
    for channel in CHANNELS:
        if not settings.enabled(channel):
            continue
        recipient, note = recipient_of(student, channel)
        added = uow.notifications.add(
            NewNotification(
                school_id=school.id,
                student_id=student.id,
                kind=kind,
                ref=ref,
                channel=channel,
                recipient=recipient,
                language=settings.language,
                status=NotificationStatus.PENDING if recipient else NotificationStatus.SKIPPED,
                payload={
                    "receipt_no": receipt_no,
                    "amount_minor": amount_minor,
                    "currency": currency,
                },
                next_attempt_at=now if recipient else None,
                last_error=note,
            ),
            now,
            fresh=fresh,
        )
        queued += int(added and bool(recipient))
    return queued


# --- what staff see ------------------------------------------------------------------------------

LISTINGS: Mapping[str, tuple[str, ...] | None] = {
    "all": None,
    "pending": (NotificationStatus.PENDING.value, NotificationStatus.SENDING.value),
    "failed": (NotificationStatus.FAILED.value,),
}


def list_notifications(
    uow: UnitOfWork, school: School, which: str = "all", limit: int = 200
) -> list[Notification]:
    if which not in LISTINGS:
        raise InvalidInput(f"unknown listing {which!r} (use one of: {', '.join(LISTINGS)})")
    with uow:
        return uow.notifications.listing(school.id, LISTINGS[which], limit)


def notifications_for(uow: UnitOfWork, kind: NotificationKind, ref: str) -> list[Notification]:
    with uow:
        return uow.notifications.for_ref(kind.value, ref)
