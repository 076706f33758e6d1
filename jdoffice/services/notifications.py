"""Confirmations and receipts by e-mail and SMS, and payment links sent to a phone.

Queueing is part of the money: :func:`queue_confirmation` is called by the one path that
records a payment (``payments.apply_payment``) and the one that settles a refund
(``payments.settle_refund``), in their transaction. A crash therefore can neither send without
recording nor record without queueing, and the unique key (kind, ref, channel) keeps it to one
message per payment or refund and channel, however often a provider repeats itself.

Sending happens after commit (:func:`dispatch_due`): a message is claimed (one sender wins),
sent without any transaction open, and recorded as sent, or as failed with the error (scrubbed
of secrets), the attempt counted and the next try planned with exponential backoff. After
:data:`MAX_ATTEMPTS` tries, or an error that cannot get better (a refused address), it stays
failed where staff see it (``notifications list --failed``) until ``notifications retry``.
Nothing here ever blocks or undoes a payment.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from jdoffice.domain.contact import normalize_email, normalize_phone
from jdoffice.domain.errors import BusinessRuleError, InvalidInput, NotFound, Unavailable
from jdoffice.domain.model import (
    UTC,
    Actor,
    AttemptStatus,
    AuditEntry,
    ReceiptBody,
    School,
    Student,
    new_id,
    normalize_key,
)
from jdoffice.domain.money import format_money
from jdoffice.domain.notification import (
    NewNotification,
    Notification,
    NotificationKind,
    NotificationStatus,
)
from jdoffice.domain.receipt_text import render_text
from jdoffice.services.notification_settings import (
    CHANNELS,
    RECEIPT_ATTACHED,
    RECEIPT_BELOW,
    NotificationOverride,
    NotificationSettings,
    fill,
    overlay_notifications,
    validate_language,
    validate_sender_address,
    validate_sender_name,
    validate_sms_sender,
    validate_templates,
)
from jdoffice.services.ports import UnitOfWork

log = logging.getLogger(__name__)

#: Tries before a message is left failed for staff to see: with the backoff below the last
#: try is about two hours after the first.
MAX_ATTEMPTS = 8
BACKOFF_FIRST = dt.timedelta(seconds=30)
BACKOFF_MAX = dt.timedelta(hours=6)
#: How long a claimed message belongs to its sender; after that another sender may take it.
LEASE = dt.timedelta(minutes=5)

CHANNEL_NAMES = {"email": "e-mail", "sms": "SMS"}


def utcnow() -> dt.datetime:
    return dt.datetime.now(UTC)


# --- the transports (adapters implement them) ---------------------------------------------------


class DeliveryError(Exception):
    """A message could not be handed over. ``permanent``: trying again cannot help (the server
    refused the address or the number)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str = "application/pdf"


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    to: str
    sender_address: str
    sender_name: str
    subject: str
    text: str
    attachments: tuple[Attachment, ...] = ()


class MailSender(Protocol):
    #: The From address used when the school set none (``JDOFFICE_MAIL_FROM``).
    default_sender: str

    def send(self, mail: OutgoingMail) -> str:
        """Hand the message to the server; returns its Message-ID.

        Raises:
            DeliveryError: not handed over (the text names no secret).
        """
        ...


class SmsSender(Protocol):
    #: The sender used when the school set none (``JDOFFICE_SMS_FROM``).
    default_sender: str

    def send(self, to: str, body: str, sender: str) -> str:
        """Hand the SMS to the provider; returns the provider's message id.

        Raises:
            DeliveryError: not handed over (the text names no secret).
        """
        ...


#: Renders a receipt as a PDF (``body``, ``language``) → bytes; Qt does it, so only layers
#: allowed to import the printing package can make one.
ReceiptPdf = Callable[[ReceiptBody, str], bytes]


@dataclass(frozen=True)
class Transports:
    """How messages leave this process, and the secret values no error text may contain."""

    mail: MailSender | None = None
    sms: SmsSender | None = None
    receipt_pdf: ReceiptPdf | None = None
    secrets: tuple[str, ...] = field(default=(), repr=False)
    #: Channel → why it cannot send here (shown in the error of a message that waits).
    missing: Mapping[str, str] = field(default_factory=dict)

    def scrub(self, text: str) -> str:
        return scrub(text, self.secrets)


def scrub(text: str, secrets: Sequence[str]) -> str:
    """``text`` with every secret (and its base64 and URL-quoted forms) blanked out."""
    import base64
    from urllib.parse import quote, quote_plus

    out = text
    for secret in secrets:
        if not secret:
            continue
        forms = {secret, quote(secret, safe=""), quote_plus(secret)}
        forms.add(base64.b64encode(secret.encode()).decode().rstrip("="))
        for form in sorted(forms, key=len, reverse=True):
            if len(form) >= 4:
                out = out.replace(form, "****")
    return out


# --- settings --------------------------------------------------------------------------------


def effective_settings(uow: UnitOfWork, school: School) -> NotificationSettings:
    """Global defaults overlaid with the school's choices. Call inside an open unit of work."""
    return overlay_notifications(uow.notification_defaults, uow.notifications.settings(school.id))


def notification_settings(uow: UnitOfWork, school: School) -> NotificationSettings:
    with uow:
        return effective_settings(uow, school)


_SETTING_NAMES = frozenset(f.name for f in dataclasses.fields(NotificationOverride))


def check_notification_changes(changes: Mapping[str, object]) -> dict[str, object]:
    """``changes`` checked and cleaned, without the ``None`` values.

    Raises:
        InvalidInput: an unknown setting, a malformed address, number, language or template.
    """
    unknown = set(changes) - _SETTING_NAMES
    if unknown:
        raise InvalidInput(f"unknown notification settings: {', '.join(sorted(unknown))}")
    out: dict[str, object] = {}
    for key, value in changes.items():
        if value is None:
            continue
        if key in ("email_enabled", "sms_enabled"):
            if not isinstance(value, bool):
                raise InvalidInput(f"{key.split('_')[0]} notifications are either on or off")
        elif key == "sender_name":
            value = validate_sender_name(str(value))
        elif key == "sender_address":
            value = validate_sender_address(str(value))
        elif key == "sms_sender":
            value = validate_sms_sender(str(value))
        elif key == "language":
            value = validate_language(str(value))
        elif key == "templates":
            if not isinstance(value, Mapping):
                raise InvalidInput("templates are given per language")
            value = validate_templates(value)
        out[key] = value
    return out


def update_notification_settings(
    uow: UnitOfWork,
    school: School,
    changes: Mapping[str, object],
    *,
    actor: Actor,
    now: dt.datetime | None = None,
) -> NotificationOverride:
    """Store the school's own choice for the given notification settings; templates are merged
    key by key into what the school had. Audited; a save that changes nothing writes nothing.

    Raises:
        InvalidInput: see :func:`check_notification_changes` (nothing is stored).
    """
    wanted = check_notification_changes(changes)
    when = now or utcnow()
    with uow.write():
        before = uow.notifications.settings(school.id) or NotificationOverride()
        if "templates" in wanted:
            merged = {lang: dict(t) for lang, t in (before.templates or {}).items()}
            for lang, texts in wanted["templates"].items():  # type: ignore[attr-defined]
                merged.setdefault(lang, {}).update(texts)
            wanted["templates"] = merged
        after = dataclasses.replace(before, **wanted)  # type: ignore[arg-type]
        if after == before:
            return before
        uow.notifications.save_settings(school.id, after, when)
        uow.audit.add(
            AuditEntry(
                school_id=school.id,
                action="settings.notifications_changed",
                entity="school",
                entity_id=school.slug,
                actor=actor,
                at=when,
                before=dataclasses.asdict(before),
                after=dataclasses.asdict(after),
            )
        )
        uow.commit()
    return after


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
) -> int:
    """Queue the confirmation of a payment or refund on every channel the school has on.

    Runs inside the transaction that records the money (the caller holds the student's
    lock). A student without an address or number gets a ``skipped`` row with a note instead
    of an error. Returns how many messages were queued to be sent.
    """
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
        )
        queued += int(added and bool(recipient))
    return queued


# --- sending -----------------------------------------------------------------------------------


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


@dataclass(frozen=True, slots=True)
class _Prepared:
    notification: Notification
    settings: NotificationSettings
    school_name: str
    student_name: str
    receipt: ReceiptBody | None
    link_open: bool


def _deliver(
    uow: UnitOfWork,
    school: School,
    transports: Transports,
    notification_id: int,
    max_attempts: int,
    now: dt.datetime | None,
) -> DeliveryOutcome:
    with uow:
        prepared = _prepare(uow, school, notification_id)
    n = prepared.notification
    status = NotificationStatus.SENT
    error: str | None = None
    provider_ref: str | None = None
    next_try: dt.datetime | None = None
    try:
        if n.kind is NotificationKind.LINK and not prepared.link_open:
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


def _prepare(uow: UnitOfWork, school: School, notification_id: int) -> _Prepared:
    n = uow.notifications.get(notification_id)
    if n is None:  # pragma: no cover - rows are never deleted
        raise NotFound(f"no notification {notification_id}")
    settings = effective_settings(uow, school)
    current = uow.schools.get(school.id) or school
    student = uow.students.get(n.student_id) if n.student_id is not None else None
    receipt = None
    receipt_no = n.payload.get("receipt_no")
    if isinstance(receipt_no, int):
        found = uow.receipts.get(school.id, receipt_no)
        receipt = found.body if found is not None else None
    link_open = True
    if n.kind is NotificationKind.LINK:
        attempt = uow.attempts.get(str(n.payload.get("attempt_id", "")))
        link_open = attempt is not None and attempt.status in (
            AttemptStatus.OPEN,
            AttemptStatus.PENDING,
            AttemptStatus.UNKNOWN,
        )
    return _Prepared(
        notification=n,
        settings=settings,
        school_name=receipt.school_name if receipt is not None else current.name,
        student_name=student.name if student is not None else "",
        receipt=receipt,
        link_open=link_open,
    )


def _locale(language: str) -> str:
    return "en_150" if language == "en" else "da_DK"


def _values(p: _Prepared) -> dict[str, str]:
    n = p.notification
    payload = n.payload
    amount = payload.get("amount_minor")
    currency = str(payload.get("currency") or "DKK")
    return {
        "school": p.school_name,
        "student": p.student_name,
        "amount": format_money(amount, currency, _locale(n.language))
        if isinstance(amount, int)
        else "",
        "receipt_no": str(payload.get("receipt_no", "")),
        "invoice_no": str(payload.get("invoice_no", "")),
        "url": str(payload.get("url", "")),
        "expires": str(payload.get("expires", "")),
    }


def render_sms(p: _Prepared) -> str:
    n = p.notification
    return " ".join(
        fill(p.settings.template(n.language, f"{n.kind.value}_sms"), _values(p)).split()
    )


def render_mail(p: _Prepared, transports: Transports, sender: str) -> OutgoingMail:
    n = p.notification
    values = _values(p)
    subject = " ".join(
        fill(p.settings.template(n.language, f"{n.kind.value}_subject"), values).split()
    )
    text = fill(p.settings.template(n.language, f"{n.kind.value}_email"), values).rstrip()
    attachments: tuple[Attachment, ...] = ()
    if p.receipt is not None:
        pdf = None
        if transports.receipt_pdf is not None:
            try:
                pdf = transports.receipt_pdf(p.receipt, n.language)
            except Exception as exc:  # the text receipt is there as a fallback
                log.warning("receipt %s as PDF failed, sent as text: %s", values["receipt_no"], exc)
        if pdf:
            name = "kvittering" if n.language == "da" else "receipt"
            attachments = (Attachment(f"{name}-{p.receipt.receipt_no}.pdf", pdf),)
            text += "\n\n" + RECEIPT_ATTACHED[n.language]
        else:
            receipt_text = render_text(p.receipt, language=n.language)
            text += f"\n\n{RECEIPT_BELOW[n.language]}\n\n{receipt_text}"
    return OutgoingMail(
        to=n.recipient,
        sender_address=sender,
        sender_name=p.settings.sender_name or p.school_name,
        subject=subject,
        text=text + "\n",
        attachments=attachments,
    )


def _send(p: _Prepared, transports: Transports) -> str:
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
    if transports.sms is None:
        raise DeliveryError(transports.missing.get("sms", "SMS is not set up here"))
    sender = p.settings.sms_sender or transports.sms.default_sender
    if not sender:
        raise DeliveryError("no SMS sender: set JDOFFICE_SMS_FROM, [sms] from, or the school's")
    return transports.sms.send(n.recipient, render_sms(p), sender)


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


# --- payment links -----------------------------------------------------------------------------


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


def _link_expiry_text(expires_at: dt.datetime | None, school: School, language: str) -> str:
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
                        "expires": _link_expiry_text(attempt.expires_at, school, settings.language),
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


# --- a test message ----------------------------------------------------------------------------


def send_test(
    uow: UnitOfWork,
    school: School,
    transports: Transports,
    *,
    email: str | None = None,
    sms: str | None = None,
) -> tuple[str, str]:
    """Send a test message to an address or number (not through the outbox).

    Returns:
        ``(recipient, provider message id)``.

    Raises:
        InvalidInput: neither or both given, or malformed.
        Unavailable: the server or provider did not take it (the reason, without secrets).
    """
    if (email is None) == (sms is None):
        raise InvalidInput("give either --email ADDRESS or --sms NUMBER")
    settings = notification_settings(uow, school)
    lang = settings.language
    if email is not None:
        to = normalize_email(email)
        if transports.mail is None:
            raise Unavailable(transports.missing.get("email", "e-mail is not set up here"))
        sender = settings.sender_address or transports.mail.default_sender
        if not sender:
            raise InvalidInput("no sender address: set JDOFFICE_MAIL_FROM or [smtp] from")
        subject = (
            f"Test fra {school.name}: e-mail virker ✓"
            if lang == "da"
            else f"Test from {school.name}: e-mail works ✓"
        )
        body = (
            f"Denne besked er sendt fra {school.name}s skrivebord (æ ø å Æ Ø Å).\n"
            if lang == "da"
            else f"This message was sent from the desk of {school.name} (æ ø å Æ Ø Å).\n"
        )
        mail = OutgoingMail(to, sender, settings.sender_name or school.name, subject, body)
        try:
            return to, transports.mail.send(mail)
        except DeliveryError as exc:
            raise Unavailable(f"e-mail to {to} not sent: {transports.scrub(str(exc))}") from None
    assert sms is not None
    to = normalize_phone(sms)
    if transports.sms is None:
        raise Unavailable(transports.missing.get("sms", "SMS is not set up here"))
    sender = settings.sms_sender or transports.sms.default_sender
    if not sender:
        raise InvalidInput("no SMS sender: set JDOFFICE_SMS_FROM or [sms] from")
    text = (
        f"Test fra {school.name}: SMS virker (æ ø å)."
        if lang == "da"
        else f"Test from {school.name}: SMS works (æ ø å)."
    )
    try:
        return to, transports.sms.send(to, text, sender)
    except DeliveryError as exc:
        raise Unavailable(f"SMS to {to} not sent: {transports.scrub(str(exc))}") from None
