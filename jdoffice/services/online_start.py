"""Starting an online payment: the attempt saved with its key and exact parameters, then the
provider called, and what it answered (or that it did not) recorded.

The attempt is saved (``pending``) with its idempotency key and the exact provider parameters
BEFORE the provider is called; no database transaction is open during the call. A timeout
leaves the attempt ``unknown``, never ``failed``; a retry (:func:`send_checkout`, also from
``payments sync``) sends the same key and the same parameters, so the provider answers with the
same checkout.
"""

from __future__ import annotations

import datetime as dt
import logging

from jdoffice.domain.errors import BusinessRuleError, InvalidInput, NotFound
from jdoffice.domain.model import (
    Actor,
    Attempt,
    AttemptStatus,
    AuditEntry,
    School,
    new_id,
    normalize_key,
)
from jdoffice.domain.staff import Action
from jdoffice.services.gateways import (
    CheckoutRequest,
    OnlineGateway,
    ProviderError,
    ProviderRefused,
)
from jdoffice.services.online_records import audit_attempt
from jdoffice.services.online_view import AttemptView
from jdoffice.services.payments import utcnow
from jdoffice.services.ports import UnitOfWork
from jdoffice.services.settings import PaymentSettings
from jdoffice.services.staff import acting

#: One logger, one name, for every line about online payments.
log = logging.getLogger("jdoffice.services.online")

#: An attempt is reused for a second QR request while it has at least this long to live.
REUSE_MARGIN = dt.timedelta(minutes=5)
#: Stripe wants ``expires_at`` at least 30 minutes ahead; a retry with older parameters would
#: be refused, so such an attempt is given up and a new one made.
MIN_AHEAD = dt.timedelta(minutes=31)


def start_online_payment(
    uow: UnitOfWork,
    school: School,
    gateway: OnlineGateway,
    settings: PaymentSettings,
    *,
    invoice_no: str,
    actor: Actor,
    key: str | None = None,
    now: dt.datetime | None = None,
    flow: str = "qr",
    phone: str | None = None,
    reuse_margin: dt.timedelta = REUSE_MARGIN,
    for_reminder: bool = False,
) -> AttemptView:
    """Start (or resume) an online payment for what is owed on an invoice.

    An open payment for the same amount is resumed while it has ``reuse_margin`` left to
    live (a reminder's link asks for hours, the desk's QR for minutes). A reminder's link
    (``for_reminder``) resumes only a payment an earlier reminder sent, and the desk never
    resumes one a reminder sent: staff cancel the desk's QR payment with Esc, which must not
    kill a link a student was sent.

    ``flow`` ``"push"`` sends it to the student's app (at ``phone``, default the student's
    mobile; only a gateway with ``Capabilities.push``), and always starts a new attempt: the
    push goes to the phone when the payment is made.

    Raises:
        BusinessRuleError: online payments are off, or nothing is owed.
        NotFound: unknown invoice.
        ProviderError: the provider could not be reached; the attempt is recorded as
            ``unknown``, the invoice stays open, and calling again retries with the same key.
        ProviderRefused: the provider said no; the attempt is recorded as failed.
    """
    if not settings.online_enabled:
        raise BusinessRuleError(
            f"online payments are off for {school.name}; take cash, bank or MobilePay instead"
        )
    if flow not in ("qr", "push"):
        raise InvalidInput(f"a payment is shown as a QR code or pushed, not {flow!r}")
    if flow == "push" and not gateway.capabilities.push:
        raise InvalidInput(f"{gateway.name} cannot send a payment to the student's phone")
    when = now or utcnow()
    wanted_key = normalize_key(key) if key else None

    with uow.write():
        # The attempt keeps the initials; the payment it becomes gets their staff id.
        actor = acting(uow, school, Action.QR_PAYMENT, actor)
        invoice = uow.invoices.get_by_no(school.id, invoice_no.strip())
        if invoice is None:
            raise NotFound(f"no invoice {invoice_no!r} at {school.name}")
        uow.students.lock(invoice.student_id)
        locked = uow.invoices.lock([invoice.id])[0]
        if locked.cancelled:
            raise BusinessRuleError(f"invoice {locked.invoice_no} is cancelled")
        owed = locked.outstanding_minor
        if owed <= 0:
            raise BusinessRuleError(f"invoice {locked.invoice_no} is already paid")
        student = uow.students.get(locked.student_id)
        assert student is not None
        attempt = None
        if wanted_key:
            attempt = uow.attempts.lock(wanted_key)
            if attempt is not None and (
                attempt.invoice_id != locked.id or attempt.school_id != school.id
            ):
                raise InvalidInput(f"key {wanted_key} belongs to another payment")
        if attempt is None:
            latest = uow.attempts.latest_for_invoice(locked.id, gateway.name)
            if (
                flow == "qr"
                and latest is not None
                and _reusable(latest, owed, when, reuse_margin)
                and uow.reminders.names_attempt(school.id, locked.id, latest.id) == for_reminder
            ):
                attempt = latest
        if attempt is not None and attempt.status is AttemptStatus.PAID:
            raise BusinessRuleError(f"invoice {locked.invoice_no} was just paid online")
        if attempt is not None and attempt.status in (AttemptStatus.OPEN, AttemptStatus.PROCESSING):
            return AttemptView.of(attempt)
        if attempt is None or attempt.status.final:
            attempt_id = wanted_key or new_id()
            request = CheckoutRequest(
                attempt_id=attempt_id,
                school_slug=school.slug,
                school_name=school.name,
                invoice_no=locked.invoice_no,
                invoice_text=locked.text,
                student_no=student.student_no,
                student_name=student.name,
                student_email=student.email,
                amount_minor=owed,
                currency=locked.currency,
                expires_at=_expiry(when, settings.checkout_expiry_minutes),
                success_url=settings.success_url,
                mode=settings.mode,
                student_phone=student.phone if phone is None else phone,
                flow=flow,
            )
            attempt = Attempt(
                id=attempt_id,
                school_id=school.id,
                student_id=student.id,
                invoice_id=locked.id,
                invoice_no=locked.invoice_no,
                gateway=gateway.name,
                mode=settings.mode,
                status=AttemptStatus.PENDING,
                amount_minor=owed,
                currency=locked.currency,
                request_params=gateway.checkout_params(request),
                created_at=when,
                expires_at=request.expires_at,
                desk=actor.desk,
                staff=actor.staff,
            )
            uow.attempts.add(attempt)
            audit_attempt(
                uow, school, "online.started", attempt, actor, when, after={"amount_minor": owed}
            )
        uow.commit()

    return send_checkout(uow, school, gateway, attempt, actor)


def _expiry(now: dt.datetime, minutes: int) -> dt.datetime:
    # The session lives as long as the school set, so the desk's countdown starts at what
    # staff chose (60:00 for an hour). Only the shortest sessions get a minute of margin:
    # Stripe measures "at least 30 minutes ahead" on its own clock, after the request has
    # travelled.
    ahead = max(dt.timedelta(minutes=minutes), MIN_AHEAD)
    return (now + ahead).replace(microsecond=0)


def _reusable(a: Attempt, owed: int, now: dt.datetime, margin: dt.timedelta = REUSE_MARGIN) -> bool:
    if a.amount_minor != owed or a.status.final:
        return False
    expires = a.expires_at
    if a.status in (AttemptStatus.PENDING, AttemptStatus.UNKNOWN):
        return expires is None or expires - now >= MIN_AHEAD
    return expires is None or expires - now >= margin


def send_checkout(
    uow: UnitOfWork, school: School, gateway: OnlineGateway, attempt: Attempt, actor: Actor
) -> AttemptView:
    """Call the provider with the stored parameters and key, and record what happened."""
    try:
        checkout = gateway.start(attempt.request_params, idempotency_key=attempt.id)
    except ProviderError as exc:
        _record_failure(uow, attempt, AttemptStatus.UNKNOWN, str(exc))
        raise ProviderError(
            f"{exc} — recorded; invoice {attempt.invoice_no} stays open, and trying again "
            f"resumes the same payment (attempt {attempt.id})"
        ) from None
    except ProviderRefused as exc:
        _record_failure(uow, attempt, AttemptStatus.FAILED, str(exc))
        raise
    when = utcnow()
    with uow.write():
        uow.attempts.update(
            attempt.id,
            when,
            status=AttemptStatus.OPEN,
            provider_ref=checkout.provider_ref,
            url=checkout.url,
            expires_at=checkout.expires_at,
            tries=attempt.tries + 1,
            error=None,
        )
        current = uow.attempts.get(attempt.id)
        uow.commit()
    assert current is not None
    log.info("online payment %s open for invoice %s", attempt.id, attempt.invoice_no)
    return AttemptView.of(current)


def _record_failure(uow: UnitOfWork, attempt: Attempt, status: AttemptStatus, error: str) -> None:
    when = utcnow()
    with uow.write():
        uow.attempts.update(
            attempt.id, when, status=status, error=error[:500], tries=attempt.tries + 1
        )
        uow.audit.add(
            AuditEntry(
                school_id=attempt.school_id,
                action=f"online.{status.value}",
                entity="attempt",
                entity_id=attempt.id,
                actor=Actor(attempt.staff or "system", attempt.desk or "provider"),
                at=when,
                after={"error": error[:500], "invoice_no": attempt.invoice_no},
            )
        )
        uow.commit()
    # The caller reports the failure (one line on the command line); this is the trail.
    log.info("online payment %s for invoice %s: %s", attempt.id, attempt.invoice_no, error)
