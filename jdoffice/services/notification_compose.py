"""Composing a queued message: what it says, in the student's language, from the school.

:func:`prepare` reads what a message needs (the school's settings, the student's name, the
receipt it confirms, whether the payment a link is for is still open); :func:`render_sms` and
:func:`render_mail` fill the school's templates with it. A confirmation by e-mail carries its
receipt as a PDF when the transports can make one, else as text below the message; a
student's statement carries the PDF made when staff sent it, kept in the message's payload
(:func:`statement_attachment`), so a retry sends the same file.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from jdoffice.domain.errors import NotFound
from jdoffice.domain.model import AttemptStatus, ReceiptBody, School
from jdoffice.domain.money import format_money
from jdoffice.domain.notification import Notification, NotificationKind
from jdoffice.domain.receipt_text import render_text
from jdoffice.domain.reminders import LINK_SEND_MARGIN, pay_text
from jdoffice.services.notification_choices import effective_settings
from jdoffice.services.notification_ports import (
    Attachment,
    DeliveryError,
    OutgoingMail,
    Transports,
    utcnow,
)
from jdoffice.services.notification_settings import (
    RECEIPT_ATTACHED,
    RECEIPT_BELOW,
    STATEMENT_ATTACHED,
    NotificationSettings,
    fill,
)
from jdoffice.services.ports import UnitOfWork

#: One logger, one name, for every line about notifications (sending logs under it too).
log = logging.getLogger("jdoffice.services.notifications")


@dataclass(frozen=True, slots=True)
class Prepared:
    """What composing one message needs, read in one unit of work."""

    notification: Notification
    settings: NotificationSettings
    school_name: str
    student_name: str
    receipt: ReceiptBody | None
    link_open: bool
    #: Why a message that is no longer true is not sent (with ``link_open`` False).
    stale: str = ""


#: The attempt states whose link still pays.
_OPEN = (AttemptStatus.OPEN, AttemptStatus.PENDING, AttemptStatus.UNKNOWN)


def prepare(
    uow: UnitOfWork, school: School, notification_id: int, now: dt.datetime | None = None
) -> Prepared:
    """What the message ``notification_id`` needs; call inside an open unit of work."""
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
    link_open, stale = True, ""
    if n.kind is NotificationKind.LINK:
        attempt = uow.attempts.get(str(n.payload.get("attempt_id", "")))
        link_open = attempt is not None and attempt.status in _OPEN
    elif n.kind is NotificationKind.REMINDER:
        stale = _stale_reminder(uow, school, n, now or utcnow())
        link_open = not stale
    return Prepared(
        notification=n,
        settings=settings,
        school_name=receipt.school_name if receipt is not None else current.name,
        student_name=student.name if student is not None else "",
        receipt=receipt,
        link_open=link_open,
        stale=stale,
    )


def _stale_reminder(uow: UnitOfWork, school: School, n: Notification, now: dt.datetime) -> str:
    """Why a reminder waiting in the outbox must not go as it is ("" when it may): it is
    sent only while it still asks for what is owed, with a link that still pays. One that is
    skipped reached nobody, so it does not count in the interval: the next run sends a fresh
    one (see :meth:`ReminderRepository.last_sent`)."""
    invoice = uow.invoices.get_by_no(school.id, str(n.payload.get("invoice_no", "")))
    if invoice is None or invoice.cancelled or invoice.outstanding_minor <= 0:
        return "the invoice is paid"
    fresh = "; the next reminder run sends a fresh one"
    asked = n.payload.get("amount_minor")
    if asked != invoice.outstanding_minor:
        owed = format_money(invoice.outstanding_minor, invoice.currency, "en_150")
        said = format_money(asked, invoice.currency, "en_150") if isinstance(asked, int) else "?"
        return f"it asks for {said}, but {owed} is owed now{fresh}"
    if n.student_id is not None:
        # A failed one staff try again (``notifications retry``) after a fresh one went.
        about = [
            r
            for r in uow.reminders.for_student(school.id, n.student_id)
            if r.invoice_id == invoice.id
        ]
        mine = next((r for r in about if r.id == n.ref), None)
        if mine is not None and any(r.sent_at > mine.sent_at for r in about):
            return "a later reminder about the invoice took its place"
    attempt_id = n.payload.get("attempt_id")
    if attempt_id:
        attempt = uow.attempts.get(str(attempt_id))
        if attempt is None or attempt.status not in _OPEN:
            state = attempt.status.value if attempt is not None else "gone"
            return f"its payment link is no longer open ({state}){fresh}"
        if attempt.expires_at is not None and attempt.expires_at - now < LINK_SEND_MARGIN:
            return f"its payment link expires too soon to be used{fresh}"
    return ""


def _locale(language: str) -> str:
    return "en_150" if language == "en" else "da_DK"


def _values(p: Prepared) -> dict[str, str]:
    n = p.notification
    payload = n.payload
    amount = payload.get("amount_minor")
    currency = str(payload.get("currency") or "DKK")
    invoice_no = str(payload.get("invoice_no", ""))
    url = str(payload.get("url", "") or "")
    expires = str(payload.get("expires", ""))
    return {
        "school": p.school_name,
        "student": p.student_name,
        "amount": format_money(amount, currency, _locale(n.language))
        if isinstance(amount, int)
        else "",
        "receipt_no": str(payload.get("receipt_no", "")),
        "invoice_no": invoice_no,
        "url": url,
        "expires": expires,
        "due": str(payload.get("due", "")),
        "pay": pay_text(n.language, invoice_no=invoice_no, url=url, expires=expires),
        "period": str(payload.get("period", "")),
        "balance": str(payload.get("balance", "")),
    }


def render_sms(p: Prepared) -> str:
    n = p.notification
    return " ".join(
        fill(p.settings.template(n.language, f"{n.kind.value}_sms"), _values(p)).split()
    )


def render_mail(p: Prepared, transports: Transports, sender: str) -> OutgoingMail:
    n = p.notification
    values = _values(p)
    subject = " ".join(
        fill(p.settings.template(n.language, f"{n.kind.value}_subject"), values).split()
    )
    text = fill(p.settings.template(n.language, f"{n.kind.value}_email"), values).rstrip()
    attachments: tuple[Attachment, ...] = ()
    if n.kind is NotificationKind.STATEMENT:
        attachments = (statement_attachment(n.payload),)
        text += "\n\n" + STATEMENT_ATTACHED[n.language]
    elif p.receipt is not None:
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


# --- the statement's PDF, kept in the message's payload ----------------------------------------


def statement_payload(pdf: bytes, filename: str) -> dict[str, object]:
    """The payload fields that keep a statement's PDF with its message: the file as made
    when staff sent it (base64), its name, size and SHA-256."""
    return {
        "filename": filename,
        "pdf": base64.b64encode(pdf).decode("ascii"),
        "pdf_bytes": len(pdf),
        "pdf_sha256": hashlib.sha256(pdf).hexdigest(),
    }


def statement_attachment(payload: Mapping[str, object]) -> Attachment:
    """The PDF a statement message carries, exactly as it was stored.

    Raises:
        DeliveryError: (permanent) the payload holds no PDF, or one that does not match its
            SHA-256 (a row changed outside jdoffice): it is never sent in another form.
    """
    raw, digest = payload.get("pdf"), payload.get("pdf_sha256")
    name = str(payload.get("filename") or "kontoudtog.pdf")
    try:
        pdf = base64.b64decode(str(raw), validate=True) if isinstance(raw, str) else b""
    except (binascii.Error, ValueError):
        pdf = b""
    if not pdf or hashlib.sha256(pdf).hexdigest() != digest:
        raise DeliveryError("the statement's PDF is missing or damaged", permanent=True)
    return Attachment(name, pdf)
