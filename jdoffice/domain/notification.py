"""A message in the notification outbox: an e-mail or SMS about a payment, a refund, a link,
a reminder, or a student's statement sent by e-mail.

Life of a message::

    pending ──claim──▶ sending ──▶ sent
       ▲                  │
       └── failed ◀───────┘   (retried with backoff until it gives up: failed, no next try)

    skipped: nothing to send to (no e-mail or phone on the student); kept with a note.

A claim sets ``next_attempt_at`` to the end of a lease, so a message whose sender died while
sending is claimed again once the lease runs out.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field


class NotificationStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class NotificationKind(enum.StrEnum):
    PAYMENT = "payment"
    REFUND = "refund"
    LINK = "link"
    REMINDER = "reminder"
    #: A student's statement by e-mail; its PDF is kept in the payload as it was made.
    STATEMENT = "statement"


@dataclass(frozen=True, slots=True)
class Notification:
    id: int
    school_id: int
    student_id: int | None
    kind: NotificationKind
    ref: str
    channel: str
    recipient: str
    language: str
    status: NotificationStatus
    attempts: int
    created_at: dt.datetime
    updated_at: dt.datetime
    next_attempt_at: dt.datetime | None = None
    last_error: str | None = None
    sent_at: dt.datetime | None = None
    provider_ref: str | None = None
    payload: Mapping[str, object] = field(default_factory=dict)

    @property
    def gave_up(self) -> bool:
        """Failed for good: no further try is planned (``notifications retry`` forces one)."""
        return self.status is NotificationStatus.FAILED and self.next_attempt_at is None


@dataclass(frozen=True, slots=True)
class NewNotification:
    school_id: int
    student_id: int | None
    kind: NotificationKind
    ref: str
    channel: str
    recipient: str
    language: str
    status: NotificationStatus
    payload: Mapping[str, object]
    next_attempt_at: dt.datetime | None
    last_error: str | None = None
