"""Payment links sent to the student's phone or e-mail, next to the QR code at the desk.

:func:`send_payment_link` queues the URL of an open online payment in the message outbox and
sends it at once, so a link that cannot be sent now is recorded and tried again like any
other message.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from jdoffice.domain.contact import normalize_email, normalize_phone
from jdoffice.domain.errors import BusinessRuleError, InvalidInput, NotFound
from jdoffice.domain.model import AttemptStatus, School, new_id, normalize_key
from jdoffice.domain.notification import NewNotification, NotificationKind, NotificationStatus
from jdoffice.services.notification_choices import effective_settings
from jdoffice.services.notification_dispatch import dispatch_due
from jdoffice.services.notification_ports import CHANNEL_NAMES, Transports, utcnow
from jdoffice.services.notification_queue import recipient_of
from jdoffice.services.notification_settings import CHANNELS
from jdoffice.services.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class LinkSent:
    """What :func:`send_payment_link` did. ``status`` is ``sent``, or ``failed`` with
    ``error`` (then the message is tried again later unless ``retrying`` is False)."""

    attempt_id: str
    notification_id: int
    channel: str
    recipient: str
    url: str
    status: NotificationStatus
    error: str | None = None
    retrying: bool = False
    replayed: bool = False

    @property
    def sent(self) -> bool:
        return self.status is NotificationStatus.SENT

    def describe(self) -> str:
        what = CHANNEL_NAMES.get(self.channel, self.channel)
        if self.sent:
            return f"payment link sent by {what} to {self.recipient}"
        later = "; it is tried again shortly" if self.retrying else ""
        return f"payment link not sent by {what} to {self.recipient}: {self.error}{later}"


def link_expiry_text(expires_at: dt.datetime | None, school: School, language: str) -> str:
    if expires_at is None:
        return ""
    local = expires_at.astimezone(school.tz)
    if language == "en":
        return f"{local:%d/%m/%Y} at {local:%H:%M}"
    return f"{local:%d.%m.%Y} kl. {local:%H:%M}"


def send_payment_link(
    uow: UnitOfWork,
    school: School,
    transports: Transports,
    *,
    attempt_id: str,
    channel: str,
    to: str | None = None,
    key: str | None = None,
    now: dt.datetime | None = None,
) -> LinkSent:
    """Send the URL of an open online payment to the student by SMS or e-mail, now.

    For the desk's "send by SMS/e-mail" next to the QR (run it in a background job: it waits
    on the network) and ``link --send``. The message goes through the outbox, so a failure is
    recorded and retried like any other; ``key`` (a UUID) makes a repeated request one
    message.

    Args:
        to: an address or number typed at the desk; default: the student's own.

    Raises:
        InvalidInput: unknown channel, malformed ``to``.
        NotFound: no such attempt at this school.
        BusinessRuleError: the payment is not open, the channel is off for the school, or the
            student has no address/number and none was given.
    """
    if channel not in CHANNELS:
        raise InvalidInput(f"send by email or sms, not {channel!r}")
    what = CHANNEL_NAMES[channel]
    recipient = None
    if to is not None and to.strip():
        recipient = normalize_email(to) if channel == "email" else normalize_phone(to)
    ref = normalize_key(key) if key else new_id()
    when = now or utcnow()
    with uow.write():
        existing = [
            n
            for n in uow.notifications.for_ref(NotificationKind.LINK.value, ref)
            if n.channel == channel
        ]
        attempt = uow.attempts.get(attempt_id.strip())
        if attempt is None or attempt.school_id != school.id:
            raise NotFound(f"no online payment {attempt_id!r} at {school.name}")
        if not existing:
            if attempt.status is not AttemptStatus.OPEN or not attempt.url:
                raise BusinessRuleError(
                    f"the online payment for {attempt.invoice_no} is {attempt.status.value}; "
                    "start a new one to send a link"
                )
            settings = effective_settings(uow, school)
            if not settings.enabled(channel):
                raise BusinessRuleError(
                    f"{what} is off for {school.name}: turn it on with "
                    f"`jdoffice school notifications --{channel} on` (or the environment)"
                )
            student = uow.students.get(attempt.student_id)
            assert student is not None
            if recipient is None:
                recipient, note = recipient_of(student, channel)
                if not recipient:
                    raise BusinessRuleError(f"{note}; type one to send the link to")
            uow.notifications.add(
                NewNotification(
                    school_id=school.id,
                    student_id=student.id,
                    kind=NotificationKind.LINK,
                    ref=ref,
                    channel=channel,
                    recipient=recipient,
                    language=settings.language,
                    status=NotificationStatus.PENDING,
                    payload={
                        "attempt_id": attempt.id,
                        "url": attempt.url,
                        "invoice_no": attempt.invoice_no,
                        "amount_minor": attempt.amount_minor,
                        "currency": attempt.currency,
                        "expires": link_expiry_text(attempt.expires_at, school, settings.language),
                    },
                    next_attempt_at=when,
                ),
                when,
            )
            uow.commit()
    dispatch_due(uow, school, transports, refs=[ref], now=now)
    with uow:
        [n] = [
            n
            for n in uow.notifications.for_ref(NotificationKind.LINK.value, ref)
            if n.channel == channel
        ]
    return LinkSent(
        attempt_id=str(n.payload.get("attempt_id", attempt_id)),
        notification_id=n.id,
        channel=channel,
        recipient=n.recipient,
        url=str(n.payload.get("url", "")),
        status=n.status,
        error=n.last_error,
        retrying=n.status is NotificationStatus.FAILED and n.next_attempt_at is not None,
        replayed=bool(existing),
    )
