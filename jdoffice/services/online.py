"""Online payments: start a checkout for an invoice, finalize it when the provider confirms,
refund through the provider, and catch up on what was missed.

Rules (docs/architecture.md, "The gateway contract"):

* The attempt is saved (``pending``) with its idempotency key and the exact provider parameters
  BEFORE the provider is called; no database transaction is open during the call.
* A timeout leaves the attempt ``unknown``, never ``failed``; a retry sends the same key and the
  same parameters, so the provider answers with the same checkout.
* There is ONE path from a provider confirmation to a payment (:func:`finalize`): webhook,
  polling and the desk's own status check all call it. It dedupes on the provider event id and
  on the attempt (which is the payment's id), locks the student and the invoice, and checks
  every field of the confirmation against our records. A mismatch is stored and flagged for
  staff and moves no money.
* Refunds are checked against what is left (pending refunds included) before the provider is
  called, and their money moves only when the provider says they succeeded.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
from dataclasses import dataclass
from typing import Any

from jdoffice.domain.errors import (
    BusinessRuleError,
    InvalidInput,
    NotFound,
)
from jdoffice.domain.model import (
    Actor,
    Attempt,
    AttemptStatus,
    AuditEntry,
    Refund,
    RefundStatus,
    School,
    fingerprint,
    new_id,
    normalize_key,
)
from jdoffice.domain.money import format_money
from jdoffice.services.flags import flag_once
from jdoffice.services.gateways import (
    CheckoutRequest,
    CheckoutStatus,
    Confirmation,
    OnlineGateway,
    ProviderError,
    ProviderEvent,
    ProviderRefused,
    RefundNotice,
    RefundState,
)
from jdoffice.services.payments import (
    MAX_REASON,
    RefundResult,
    apply_payment,
    clean_text,
    pending_refund,
    retrying,
    revert_refund,
    settle_refund,
    utcnow,
)
from jdoffice.services.ports import DuplicateKey, UnitOfWork
from jdoffice.services.settings import PaymentSettings

log = logging.getLogger(__name__)

SYSTEM = Actor(staff="system", desk="provider")
#: What a refund notice about another school's payment or refund comes to: flagged under the
#: school that sent it, and its event marked under :func:`foreign_key`.
FOREIGN = "foreign"
#: An attempt is reused for a second QR request while it has at least this long to live.
REUSE_MARGIN = dt.timedelta(minutes=5)
#: Stripe wants ``expires_at`` at least 30 minutes ahead; a retry with older parameters would
#: be refused, so such an attempt is given up and a new one made.
MIN_AHEAD = dt.timedelta(minutes=31)


@dataclass(frozen=True, slots=True)
class AttemptView:
    """What the desk shows for an online payment: the core computes it, the screen paints it."""

    attempt_id: str
    invoice_no: str
    status: AttemptStatus
    amount_minor: int
    currency: str
    url: str | None
    expires_at: dt.datetime | None
    provider_ref: str | None
    payment_id: str | None = None
    error: str | None = None

    @classmethod
    def of(cls, a: Attempt) -> AttemptView:
        return cls(
            attempt_id=a.id,
            invoice_no=a.invoice_no,
            status=a.status,
            amount_minor=a.amount_minor,
            currency=a.currency,
            url=a.url,
            expires_at=a.expires_at,
            provider_ref=a.provider_ref,
            payment_id=a.payment_id,
            error=a.error,
        )


_STATUS_TEXT: dict[str, dict[str, str]] = {
    "da": {
        AttemptStatus.PENDING: "Opretter betalingen…",
        AttemptStatus.UNKNOWN: "Betalingsudbyderen svarede ikke – prøv igen",
        AttemptStatus.OPEN: "Venter på betaling – eleven scanner koden med sin telefon",
        AttemptStatus.PROCESSING: "Eleven har betalt – betalingen behandles stadig",
        AttemptStatus.PAID: "Betalt ✓",
        AttemptStatus.FAILED: "Betalingen mislykkedes",
        AttemptStatus.EXPIRED: "Betalingen er udløbet – start igen for en ny kode",
        AttemptStatus.CANCELLED: "Betalingen er annulleret",
        AttemptStatus.REVIEW: (
            "Betalingsudbyderens svar passer ikke med fakturaen – ingen penge er bogført; "
            "se Kasse → Afvigelser"
        ),
        "time_up": "Tiden er gået – ser efter, om betalingen nåede frem…",
        "unreachable": "Ingen svar fra betalingsudbyderen lige nu – prøver igen…",
    },
    "en": {
        AttemptStatus.PENDING: "Creating the payment…",
        AttemptStatus.UNKNOWN: "The payment provider did not answer – try again",
        AttemptStatus.OPEN: "Waiting for payment – the student scans the code with their phone",
        AttemptStatus.PROCESSING: "The student has paid – the payment is still settling",
        AttemptStatus.PAID: "Paid ✓",
        AttemptStatus.FAILED: "The payment failed",
        AttemptStatus.EXPIRED: "The payment expired – start again for a new code",
        AttemptStatus.CANCELLED: "The payment was cancelled",
        AttemptStatus.REVIEW: (
            "The provider's answer does not match the invoice – no money was recorded; "
            "see Desk → Discrepancies"
        ),
        "time_up": "Time is up – checking whether the payment arrived…",
        "unreachable": "No answer from the payment provider right now – trying again…",
    },
}


def seconds_left(view: AttemptView, now: dt.datetime) -> int | None:
    """Whole seconds until the checkout expires (0 once it has), ``None`` without an expiry."""
    if view.expires_at is None:
        return None
    return max(0, math.ceil((view.expires_at - now).total_seconds()))


def countdown_text(view: AttemptView, now: dt.datetime) -> str:
    """The expiry countdown as ``mm:ss`` (``61:00`` for an hour and a minute); empty when the
    attempt is settled or has no expiry."""
    left = seconds_left(view, now)
    if left is None or view.status.final:
        return ""
    minutes, seconds = divmod(left, 60)
    return f"{minutes:02d}:{seconds:02d}"


def status_text(
    view: AttemptView, now: dt.datetime, language: str = "da", *, reachable: bool = True
) -> str:
    """The status line the desk shows under the QR code (``reachable``: the last status
    check got an answer)."""
    texts = _STATUS_TEXT.get(language, _STATUS_TEXT["da"])
    if view.status is AttemptStatus.OPEN:
        if not reachable:
            return texts["unreachable"]
        if seconds_left(view, now) == 0:
            return texts["time_up"]
    return texts[view.status]


# --- starting ------------------------------------------------------------------------------------


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
) -> AttemptView:
    """Start (or resume) an online payment for what is owed on an invoice.

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
    when = now or utcnow()
    wanted_key = normalize_key(key) if key else None

    with uow.write():
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
            if latest is not None and _reusable(latest, owed, when):
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
            _audit(
                uow, school, "online.started", attempt, actor, when, after={"amount_minor": owed}
            )
        uow.commit()

    return _send(uow, school, gateway, attempt, actor)


def _expiry(now: dt.datetime, minutes: int) -> dt.datetime:
    # The session lives as long as the school set, so the desk's countdown starts at what
    # staff chose (60:00 for an hour). Only the shortest sessions get a minute of margin:
    # Stripe measures "at least 30 minutes ahead" on its own clock, after the request has
    # travelled.
    ahead = max(dt.timedelta(minutes=minutes), MIN_AHEAD)
    return (now + ahead).replace(microsecond=0)


def _reusable(a: Attempt, owed: int, now: dt.datetime) -> bool:
    if a.amount_minor != owed or a.status.final:
        return False
    expires = a.expires_at
    if a.status in (AttemptStatus.PENDING, AttemptStatus.UNKNOWN):
        return expires is None or expires - now >= MIN_AHEAD
    return expires is None or expires - now >= REUSE_MARGIN


def _send(
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


# --- checking, cancelling ------------------------------------------------------------------------


def get_attempt(uow: UnitOfWork, school: School, attempt_id: str) -> Attempt:
    key = normalize_key(attempt_id)
    with uow:
        a = uow.attempts.get(key)
    if a is None or a.school_id != school.id:
        raise NotFound(f"no online payment {attempt_id} at {school.name}")
    return a


def check_attempt(
    uow: UnitOfWork, school: School, gateway: OnlineGateway, attempt_id: str
) -> AttemptView:
    """Ask the provider how an attempt stands and apply the answer (the desk's QR poll)."""
    a = get_attempt(uow, school, attempt_id)
    if a.status.final or a.provider_ref is None:
        return AttemptView.of(a)
    confirmation = gateway.fetch(a.provider_ref)
    finalize(uow, gateway.name, confirmation, event=None, school=school)
    return AttemptView.of(get_attempt(uow, school, attempt_id))


def cancel_attempt(
    uow: UnitOfWork, school: School, gateway: OnlineGateway, attempt_id: str, actor: Actor
) -> AttemptView:
    """Cancel an open checkout (the student walked away). If it was paid a moment before,
    the payment is applied instead."""
    a = get_attempt(uow, school, attempt_id)
    if a.status is AttemptStatus.PAID:
        raise BusinessRuleError(f"online payment {a.id} is already paid")
    if a.status.final:
        return AttemptView.of(a)
    if a.provider_ref:
        confirmation = gateway.cancel(a.provider_ref)
        if confirmation.status is not CheckoutStatus.EXPIRED:
            # Paid (or settling) a moment before the cancel: that answer wins.
            finalize(uow, gateway.name, confirmation, event=None, school=school)
    now = utcnow()
    with uow.write():
        current = uow.attempts.lock(a.id)
        assert current is not None
        if current.status in (AttemptStatus.PENDING, AttemptStatus.UNKNOWN, AttemptStatus.OPEN):
            uow.attempts.update(a.id, now, status=AttemptStatus.CANCELLED)
            _audit(uow, school, "online.cancelled", current, actor, now)
        uow.commit()
    return AttemptView.of(get_attempt(uow, school, attempt_id))


# --- the one finalize path -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FinalizeOutcome:
    outcome: str  # applied | duplicate | updated | flagged | ignored
    attempt_id: str | None = None
    payment_id: str | None = None
    detail: str = ""


def finalize(
    uow: UnitOfWork,
    gateway_name: str,
    confirmation: Confirmation,
    *,
    event: ProviderEvent | None,
    school: School,
    now: dt.datetime | None = None,
) -> FinalizeOutcome:
    """Turn a provider confirmation into a payment, exactly once, if it checks out.

    ``school`` is the school in whose name the confirmation arrived: the one whose secret
    verified the notification, or whose desk or sync asked the provider. The confirmation moves
    money only when it concerns that school's own attempt and says so in its metadata; anything
    else is flagged under that school and moves nothing.
    """

    def attempt_once() -> FinalizeOutcome:
        try:
            return _finalize(uow, gateway_name, confirmation, event, school, now or utcnow())
        except DuplicateKey:
            # Another webhook delivery or the poller won the race: the payment exists.
            return FinalizeOutcome("duplicate", confirmation.attempt_id)

    out = retrying(attempt_once)
    if out.outcome == "applied":
        # Notices that overtook this payment (a refund delivered first) apply now, once.
        apply_deferred(
            uow, gateway_name, school, confirmation.payment_ref or confirmation.provider_ref
        )
    return out


def _finalize(
    uow: UnitOfWork,
    gateway_name: str,
    c: Confirmation,
    event: ProviderEvent | None,
    school: School,
    now: dt.datetime,
) -> FinalizeOutcome:
    with uow.write():
        if event is not None and uow.events.seen(gateway_name, event.event_id):
            return FinalizeOutcome("duplicate", c.attempt_id, detail="event seen before")
        a = (
            uow.attempts.lock_by_provider_ref(gateway_name, c.provider_ref)
            if c.provider_ref
            else None
        )
        if a is None and c.attempt_id:
            try:
                a = uow.attempts.lock(normalize_key(c.attempt_id))
            except InvalidInput:
                a = None
        if a is not None and a.school_id != school.id:
            # Signed with (or asked for by) one school, about another school's attempt: the
            # flag stays with the school that sent it and names nothing of the other one.
            out = _flag(
                uow,
                gateway_name,
                c,
                event,
                None,
                school,
                "not an online payment of this school",
                now,
            )
            if event is not None:
                key = foreign_key(event.event_id, school)
                uow.events.add(gateway_name, key, school.id, event.type, out.outcome, now)
            uow.commit()
            return out
        if a is None:
            if c.attempt_id or c.invoice_no or c.school_slug:
                out = _flag(
                    uow, gateway_name, c, event, None, school, "no such online payment here", now
                )
            else:
                out = FinalizeOutcome("ignored", detail="not a jdoffice checkout")
            _mark_event(uow, gateway_name, event, school.id, out.outcome, now)
            uow.commit()
            return out
        problems = _mismatches(a, c, school)
        if problems:
            out = _flag(uow, gateway_name, c, event, a, school, "; ".join(problems), now)
            if not a.status.final and c.status in (CheckoutStatus.PAID, CheckoutStatus.PROCESSING):
                # Money moved (or is moving) on a confirmation that does not match: final, staff
                # look at it; polling and sync ask the provider no more, so the same mismatch is
                # not flagged again and again (issue 12). A checkout still open stays open, so
                # the desk can still cancel it at the provider.
                uow.attempts.update(a.id, now, status=AttemptStatus.REVIEW)
                _audit(uow, school, "online.review", a, SYSTEM, now)
            _mark_event(uow, gateway_name, event, a.school_id, out.outcome, now)
            uow.commit()
            return out

        if c.status is CheckoutStatus.PAID:
            out = _apply_paid(uow, school, a, c, gateway_name, now)
        elif a.status is AttemptStatus.PAID:
            # Out of order: expired/failed/open after paid changes nothing.
            out = FinalizeOutcome("duplicate", a.id, a.payment_id, "already paid")
        else:
            new = {
                CheckoutStatus.OPEN: a.status,
                CheckoutStatus.PROCESSING: AttemptStatus.PROCESSING,
                CheckoutStatus.FAILED: AttemptStatus.FAILED,
                CheckoutStatus.EXPIRED: AttemptStatus.EXPIRED,
            }[c.status]
            if a.status is AttemptStatus.CANCELLED and new is AttemptStatus.EXPIRED:
                new = AttemptStatus.CANCELLED
            if new is not a.status:
                uow.attempts.update(a.id, now, status=new, provider_ref=c.provider_ref)
                _audit(uow, school, f"online.{new.value}", a, SYSTEM, now)
                out = FinalizeOutcome("updated", a.id, detail=new.value)
            else:
                out = FinalizeOutcome("duplicate", a.id, detail="no change")
        _mark_event(uow, gateway_name, event, a.school_id, out.outcome, now)
        uow.commit()
        return out


def _mismatches(a: Attempt, c: Confirmation, school: School) -> list[str]:
    """Every field the provider told us must match what we asked for."""
    problems: list[str] = []
    if c.attempt_id and c.attempt_id != a.id:
        problems.append(f"attempt {c.attempt_id} ≠ {a.id}")
    if c.school_slug is None:
        problems.append("the confirmation names no school")
    elif c.school_slug != school.slug:
        problems.append(f"school {c.school_slug!r} ≠ {school.slug!r}")
    if c.invoice_no is not None and c.invoice_no != a.invoice_no:
        problems.append(f"invoice {c.invoice_no!r} ≠ {a.invoice_no!r}")
    expected_student = a.request_params.get("metadata", {}).get("student_no")
    if c.student_no is not None and expected_student and c.student_no != expected_student:
        problems.append(f"student {c.student_no!r} ≠ {expected_student!r}")
    if c.status is CheckoutStatus.PAID:
        if c.amount_minor != a.amount_minor:
            problems.append(f"amount {c.amount_minor} ≠ {a.amount_minor}")
        if (c.currency or "").upper() != a.currency.upper():
            problems.append(f"currency {c.currency!r} ≠ {a.currency!r}")
    if c.livemode != (a.mode == "live"):
        problems.append(f"{'live' if c.livemode else 'test'} payment for a {a.mode}-mode school")
    return problems


def _flag(
    uow: UnitOfWork,
    gateway_name: str,
    c: Confirmation,
    event: ProviderEvent | None,
    a: Attempt | None,
    school: School,
    reason: str,
    now: dt.datetime,
) -> FinalizeOutcome:
    school_id = school.id
    added = flag_once(
        uow,
        school_id=school_id,
        gateway=gateway_name,
        provider_ref=c.provider_ref,
        event_id=event.event_id if event else "",
        invoice_no=c.invoice_no or (a.invoice_no if a else ""),
        reason=reason,
        amount_minor=c.amount_minor,
        currency=c.currency or "",
        payload=_safe_payload(c),
        now=now,
    )
    if not added:
        # Polled or synced again: the flag staff have not resolved yet says it already.
        return FinalizeOutcome("duplicate", a.id if a else None, detail="flagged before")
    uow.audit.add(
        AuditEntry(
            school_id=school_id,
            action="online.flagged",
            entity="attempt",
            entity_id=(a.id if a else c.provider_ref)[:64],
            actor=SYSTEM,
            at=now,
            after={"reason": reason, "amount_minor": c.amount_minor, "currency": c.currency},
        )
    )
    log.warning("flagged %s confirmation %s: %s", gateway_name, c.provider_ref, reason)
    return FinalizeOutcome("flagged", a.id if a else None, detail=reason)


def _safe_payload(c: Confirmation) -> dict[str, object]:
    keep = (
        "id",
        "object",
        "amount_total",
        "currency",
        "status",
        "payment_status",
        "livemode",
        "client_reference_id",
        "metadata",
        "payment_intent",
        "created",
        "expires_at",
    )
    return {k: c.raw[k] for k in keep if k in c.raw}


def _mark_event(
    uow: UnitOfWork,
    gateway_name: str,
    event: ProviderEvent | None,
    school_id: int | None,
    outcome: str,
    now: dt.datetime,
) -> None:
    if event is not None:
        uow.events.add(gateway_name, event.event_id, school_id, event.type, outcome, now)


def _apply_paid(
    uow: UnitOfWork,
    school: School,
    a: Attempt,
    c: Confirmation,
    gateway_name: str,
    now: dt.datetime,
) -> FinalizeOutcome:
    if a.payment_id is not None or a.status is AttemptStatus.PAID:
        return FinalizeOutcome("duplicate", a.id, a.payment_id, "already paid")
    payment_ref = c.payment_ref or c.provider_ref
    if uow.payments.by_provider_ref(gateway_name, payment_ref) is not None:
        return FinalizeOutcome("duplicate", a.id, detail="payment recorded before")
    student = uow.students.get(a.student_id)
    assert student is not None
    uow.students.lock(student.id)
    invoices = uow.invoices.lock([a.invoice_id])
    owed = sum(i.outstanding_minor for i in invoices)
    extra: dict[str, object] = {"attempt_id": a.id, "checkout": c.provider_ref}
    if c.amount_minor is not None and owed < c.amount_minor:
        # Paid at the desk (or twice) meanwhile: the money was received all the same. Keep it
        # as credit and tell staff, never silently.
        extra["credit_reason"] = "invoice no longer owed this much when the payment landed"
        flag_once(
            uow,
            school_id=school.id,
            gateway=gateway_name,
            provider_ref=c.provider_ref,
            event_id="",
            invoice_no=a.invoice_no,
            reason=(
                f"paid online while only {format_money(owed, a.currency)} was owed; "
                f"{format_money(a.amount_minor - owed, a.currency)} kept as credit"
            ),
            amount_minor=c.amount_minor,
            currency=c.currency or "",
            payload=_safe_payload(c),
            now=now,
        )
    result = apply_payment(
        uow,
        school,
        student,
        invoices,
        payment_id=a.id,
        method=gateway_name,
        amount_minor=a.amount_minor,
        allow_credit=True,
        cash=None,
        reference=c.provider_ref,
        fp=fingerprint({"attempt": a.id, "gateway": gateway_name}),
        actor=Actor(a.staff or "system", a.desk or "provider"),
        now=now,
        provider_ref=payment_ref,
        audit_extra=extra,
    )
    uow.attempts.update(
        a.id,
        now,
        status=AttemptStatus.PAID,
        payment_id=result.payment_id,
        payment_ref=payment_ref,
        error=None,
    )
    log.info("online payment %s applied: receipt %s", a.id, result.receipt_no)
    return FinalizeOutcome("applied", a.id, result.payment_id)


def _audit(
    uow: UnitOfWork,
    school: School,
    action: str,
    a: Attempt,
    actor: Actor,
    now: dt.datetime,
    after: dict[str, object] | None = None,
) -> None:
    uow.audit.add(
        AuditEntry(
            school_id=school.id,
            action=action,
            entity="attempt",
            entity_id=a.id,
            actor=actor,
            at=now,
            before={"status": a.status.value},
            after={"invoice_no": a.invoice_no, **(after or {})},
        )
    )


# --- events: webhook and catch-up ----------------------------------------------------------------


def handle_event(
    uow: UnitOfWork, gateway: OnlineGateway, event: ProviderEvent, *, school: School
) -> str:
    """Apply one verified provider event in the name of ``school``, the school whose secret
    verified it (or whose ``payments sync`` read it). Returns the outcome (applied, duplicate,
    flagged, deferred, ignored, …).

    An event moves only that school's money: one about another school's attempt, payment or
    refund, or whose school metadata is missing or different, is flagged under ``school``.
    """
    gateway_name = gateway.name
    with uow:
        if uow.events.seen(gateway_name, event.event_id) or uow.events.seen(
            gateway_name, foreign_key(event.event_id, school)
        ):
            return "duplicate"
    if event.confirmation is not None:
        return finalize(uow, gateway_name, event.confirmation, event=event, school=school).outcome
    if event.school_slug is not None and event.school_slug != school.slug:
        return _flag_event(uow, gateway_name, event, school, "the event names another school")
    notices = list(event.refunds)
    if not notices and event.type == "charge.refunded" and event.payment_ref:
        owner = _payment_owner(uow, gateway_name, event.payment_ref)
        if owner is not None and owner != school.id:
            # Another school's payment: nothing to ask the provider with this school's key.
            return _flag_event(uow, gateway_name, event, school, "not a payment of this school")
        notices = gateway.refunds_for(event.payment_ref)
    if notices:
        outcomes = [
            apply_refund_notice(
                uow, gateway_name, notice, event=event, school=school, defer=True, record=False
            )
            for notice in notices
        ]
        outcome = _summarize(outcomes)
        _record_event_only(uow, gateway_name, event, school, outcome)
        return "flagged" if outcome == FOREIGN else outcome
    _record_event_only(uow, gateway_name, event, school, "ignored")
    return "ignored"


def _of_another_school(
    uow: UnitOfWork, gateway_name: str, event: ProviderEvent, school: School
) -> bool:
    """Whether ``event`` is about an attempt, payment or refund recorded for another school."""
    with uow:
        c = event.confirmation
        if c is not None and c.provider_ref:
            a = uow.attempts.lock_by_provider_ref(gateway_name, c.provider_ref)
            if a is not None:
                return a.school_id != school.id
        refs = [n.payment_ref for n in event.refunds if n.payment_ref]
        if event.payment_ref:
            refs.append(event.payment_ref)
        for ref in refs:
            p = uow.payments.by_provider_ref(gateway_name, ref)
            if p is not None and p.school_id != school.id:
                return True
        for n in event.refunds:
            r = uow.payments.refund_by_provider_ref(gateway_name, n.refund_ref)
            if r is not None and r.school_id != school.id:
                return True
    return False


def foreign_key(event_id: str, school: School) -> str:
    """The key under which ``school`` marks an event handled when it may be another school's
    (about another school's money, or kept until its payment lands): never the event's own
    id, so a copy at the wrong school cannot make the right school's delivery a duplicate."""
    return f"{event_id}@{school.id}"[:255]


def _flag_event(
    uow: UnitOfWork, gateway_name: str, event: ProviderEvent, school: School, reason: str
) -> str:
    """Flag a whole event under ``school`` and mark it handled."""
    now = utcnow()
    try:
        with uow.write():
            key = foreign_key(event.event_id, school)
            if uow.events.seen(gateway_name, key):
                return "duplicate"
            flag_once(
                uow,
                school_id=school.id,
                gateway=gateway_name,
                provider_ref=event.payment_ref or "",
                event_id=event.event_id,
                invoice_no="",
                reason=reason,
                amount_minor=None,
                currency="",
                payload={"type": event.type},
                now=now,
            )
            uow.events.add(gateway_name, key, school.id, event.type, "flagged", now)
            uow.commit()
    except DuplicateKey:
        return "duplicate"
    log.warning("flagged %s event %s: %s", gateway_name, event.event_id, reason)
    return "flagged"


def _payment_owner(uow: UnitOfWork, gateway_name: str, ref: str) -> int | None:
    """The school of the payment recorded under ``ref``, if any."""
    with uow:
        p = uow.payments.by_provider_ref(gateway_name, ref)
        return p.school_id if p is not None else None


def _payment_of_school(uow: UnitOfWork, gateway_name: str, school: School, ref: str) -> bool:
    return _payment_owner(uow, gateway_name, ref) == school.id


def _summarize(outcomes: list[str]) -> str:
    for o in ("applied", FOREIGN, "flagged", "updated", "deferred"):
        if o in outcomes:
            return o
    return "duplicate" if outcomes else "ignored"


def _record_event_only(
    uow: UnitOfWork, gateway_name: str, event: ProviderEvent, school: School, outcome: str
) -> None:
    try:
        with uow.write():
            key = event.event_id
            if outcome == FOREIGN:
                key, outcome = foreign_key(key, school), "flagged"
            elif outcome == "deferred":
                # Kept for this school only: on a provider account several schools share, the
                # payment may turn out to be another school's, whose own delivery or sync must
                # still see the event (its notice is kept per school, revision 0005).
                key = foreign_key(key, school)
            if not uow.events.seen(gateway_name, key):
                uow.events.add(gateway_name, key, school.id, event.type, outcome, utcnow())
                uow.commit()
    except DuplicateKey:
        pass


@dataclass(frozen=True, slots=True)
class SyncResult:
    events_checked: int = 0
    attempts_checked: int = 0
    applied: int = 0
    flagged: int = 0
    refunds_settled: int = 0
    errors: tuple[str, ...] = ()


def sync_payments(
    uow: UnitOfWork,
    school: School,
    gateway: OnlineGateway,
    *,
    first_sync_window: dt.timedelta = dt.timedelta(days=3),
    max_attempts: int = 500,
) -> SyncResult:
    """Catch up: walk the provider's events from the stored cursor, then re-check every
    attempt that could still turn into a payment and every pending refund."""
    result = SyncResult()
    with uow:
        last_id, _last_created = uow.events.cursor(school.id, gateway.name)
    gte = None if last_id else int((utcnow() - first_sync_window).timestamp())
    # A provider without an event list is caught up by asking about each open attempt below.
    events = gateway.events_after(last_id, gte) if gateway.capabilities.events else iter(())
    for ev in events:
        school_of_event = ev.school_slug
        if (school_of_event is not None and school_of_event != school.slug) or _of_another_school(
            uow, gateway.name, ev, school
        ):
            # One provider account may serve several schools: each sync takes its own, and
            # another school's events are no one's mistake here (unlike a webhook posted to
            # the wrong school's address, which is flagged).
            outcome = "ignored"
        else:
            outcome = handle_event(uow, gateway, ev, school=school)
        result = dataclasses.replace(
            result,
            events_checked=result.events_checked + 1,
            applied=result.applied + (outcome == "applied"),
            flagged=result.flagged + (outcome == "flagged"),
        )
        with uow.write():
            uow.events.save_cursor(school.id, gateway.name, ev.event_id, ev.created, utcnow())
            uow.commit()
    with uow:
        open_attempts = uow.attempts.unsettled(school.id, max_attempts)
    errors: list[str] = []
    settled = 0
    with uow:
        pending = uow.payments.pending_refunds(school.id, gateway.name)
    for r in pending:
        try:
            if r.provider_ref is None:
                with uow:
                    p = uow.payments.get(r.payment_id)
                if p is None or p.provider_ref is None:
                    continue
                notice = gateway.refund(
                    p.provider_ref,
                    r.amount_minor,
                    idempotency_key=r.id,
                    reason=r.reason,
                    metadata={"refund_id": r.id, "school": school.slug, "payment_id": p.id},
                )
                if notice.state is RefundState.PENDING:
                    notice = gateway.fetch_refund(notice.refund_ref)
            else:
                notice = gateway.fetch_refund(r.provider_ref)
        except (ProviderError, ProviderRefused) as exc:
            errors.append(f"refund {r.id}: {exc}")
            continue
        if apply_refund_notice(
            uow, gateway.name, notice, event=None, school=school, our_refund_id=r.id
        ) in (
            "applied",
            "updated",
        ):
            settled += 1
    # Notices kept for a payment that has landed meanwhile (a crash between the two, or a
    # payment recorded by a path that did not see them).
    settled += apply_deferred(uow, gateway.name, school, None)
    result = dataclasses.replace(result, refunds_settled=settled)
    for a in open_attempts:
        try:
            if a.provider_ref is None:
                # The start call never came back: retry it with the same key and parameters.
                _send(uow, school, gateway, a, Actor(a.staff or "system", a.desk or "sync"))
                out = FinalizeOutcome("updated", a.id)
            else:
                out = finalize(
                    uow, gateway.name, gateway.fetch(a.provider_ref), event=None, school=school
                )
        except (ProviderError, ProviderRefused) as exc:
            errors.append(f"{a.id}: {exc}")
            continue
        result = dataclasses.replace(
            result,
            attempts_checked=result.attempts_checked + 1,
            applied=result.applied + (out.outcome == "applied"),
            flagged=result.flagged + (out.outcome == "flagged"),
        )
    return dataclasses.replace(result, errors=tuple(errors))


def list_flagged(uow: UnitOfWork, school: School) -> list[Any]:
    with uow:
        return list(uow.flags.unresolved(school.id))


# --- refunds through the provider ---------------------------------------------------------------


def refund_online(
    uow: UnitOfWork,
    school: School,
    gateway: OnlineGateway,
    *,
    payment_id: str,
    amount_minor: int | None,
    reason: str,
    actor: Actor,
    key: str | None = None,
    now: dt.datetime | None = None,
) -> RefundResult:
    """Refund an online payment through its provider.

    What is left to refund (succeeded and pending refunds subtracted) is checked before the
    provider is called. The refund's money moves when the provider says it succeeded, here or
    later by webhook or ``payments sync``.
    """
    text = clean_text(reason, "reason", MAX_REASON)
    if not text:
        raise InvalidInput("a reason is required for a refund")
    pid = normalize_key(payment_id)
    if amount_minor is not None and amount_minor <= 0:
        raise InvalidInput("refund amount must be more than zero")
    refund_id = normalize_key(key)
    when = now or utcnow()
    fp = fingerprint({"payment_id": pid, "amount_minor": amount_minor, "reason": text})

    with uow.write():
        existing = uow.payments.get_refund(refund_id)
        if existing is not None:
            if existing.school_id != school.id or existing.fingerprint != fp:
                raise BusinessRuleError(f"key {refund_id} was used for another refund")
            refund = existing
            payment = uow.payments.get(pid)
            assert payment is not None
        else:
            found = uow.payments.get(pid)
            if found is None or found.school_id != school.id:
                raise NotFound(f"no payment {pid} at {school.name}")
            if found.method != gateway.name:
                raise BusinessRuleError(f"payment {pid} was not made through {gateway.name}")
            uow.students.lock(found.student_id)
            payment = uow.payments.lock(pid)
            assert payment is not None
            refund = pending_refund(
                uow,
                payment,
                refund_id=refund_id,
                amount_minor=amount_minor,
                reason=text,
                actor=actor,
                now=when,
                fp=fp,
                gateway=gateway.name,
            )
            uow.payments.add_refund(refund, [])
            uow.audit.add(
                AuditEntry(
                    school_id=school.id,
                    action="refund.requested",
                    entity="payment",
                    entity_id=pid,
                    actor=actor,
                    at=when,
                    after={
                        "refund_id": refund_id,
                        "amount_minor": refund.amount_minor,
                        "reason": text,
                    },
                )
            )
        uow.commit()

    if refund.status is RefundStatus.PENDING and refund.provider_ref is None:
        if payment.provider_ref is None:
            raise BusinessRuleError(f"payment {pid} has no provider reference to refund")
        try:
            notice = gateway.refund(
                payment.provider_ref,
                refund.amount_minor,
                idempotency_key=refund.id,
                reason=refund.reason,
                metadata={"refund_id": refund.id, "school": school.slug, "payment_id": pid},
            )
        except ProviderError as exc:
            _refund_error(uow, refund, str(exc), failed=False)
            raise ProviderError(
                f"{exc} — the refund is recorded as pending and `jdoffice payments sync` "
                "will settle it"
            ) from None
        except ProviderRefused as exc:
            _refund_error(uow, refund, str(exc), failed=True)
            raise
        apply_refund_notice(
            uow, gateway.name, notice, event=None, school=school, our_refund_id=refund.id
        )
    with uow:
        current = uow.payments.get_refund(refund.id)
        assert current is not None
        balance = uow.balances.get(current.student_id)
    return RefundResult(
        refund_id=current.id,
        payment_id=current.payment_id,
        amount_minor=current.amount_minor,
        currency=current.currency,
        status=current.status.value,
        receipt_no=current.receipt_no,
        cash_total_minor=None,
        rounding_minor=0,
        balance_minor=balance,
        replayed=existing is not None,
    )


def _refund_error(uow: UnitOfWork, refund: Refund, error: str, *, failed: bool) -> None:
    when = utcnow()
    with uow.write():
        if failed:
            uow.payments.update_refund(
                refund.id, when, status=RefundStatus.FAILED.value, error=error[:500]
            )
        else:
            uow.payments.update_refund(refund.id, when, error=error[:500])
        uow.commit()


def apply_refund_notice(
    uow: UnitOfWork,
    gateway_name: str,
    notice: RefundNotice,
    *,
    event: ProviderEvent | None,
    school: School,
    our_refund_id: str | None = None,
    defer: bool = False,
    record: bool = True,
) -> str:
    """The one path for what a provider says about a refund (API answer, webhook, sync).

    A refund made in the provider's dashboard becomes a refund here. Money moves on the
    transition to succeeded; a failure after success puts it back.

    A notice is checked like a payment confirmation: a positive whole amount in the payment's
    currency, about a payment (and refund) of ``school``, never more than is left to refund
    (pending refunds counted). Anything else is flagged under ``school`` and moves nothing.
    A notice about a payment not recorded yet is kept (``defer``) and applied when the payment
    lands; without ``defer`` it is ignored. ``record`` marks ``event`` as handled here.
    """

    def once() -> str:
        now = utcnow()
        with uow.write():
            if event is not None and record and uow.events.seen(gateway_name, event.event_id):
                return "duplicate"
            event_id = event.event_id if event else ""

            def flag(reason: str, *, foreign: bool = False) -> str:
                added = flag_once(
                    uow,
                    school_id=school.id,
                    gateway=gateway_name,
                    provider_ref=notice.refund_ref or notice.payment_ref,
                    event_id=event_id,
                    invoice_no="",
                    reason=reason,
                    amount_minor=notice.amount_minor,
                    currency=notice.currency[:3],
                    payload={
                        "refund": notice.refund_ref,
                        "payment": notice.payment_ref,
                        "state": notice.state.value,
                    },
                    now=now,
                )
                if added:
                    # Audited and logged once: a notice seen again finds its flag.
                    uow.audit.add(
                        AuditEntry(
                            school_id=school.id,
                            action="refund.flagged",
                            entity="refund",
                            entity_id=(notice.refund_ref or notice.payment_ref or "?")[:64],
                            actor=SYSTEM,
                            at=now,
                            after={
                                "reason": reason,
                                "amount_minor": notice.amount_minor,
                                "currency": notice.currency[:3],
                            },
                        )
                    )
                    log.warning(
                        "flagged %s refund notice %s: %s", gateway_name, notice.refund_ref, reason
                    )
                if event is not None and record:
                    key = foreign_key(event.event_id, school) if foreign else event.event_id
                    uow.events.add(gateway_name, key, school.id, event.type, "flagged", now)
                uow.commit()
                return FOREIGN if foreign else "flagged"

            problem = _notice_problem(notice)
            if problem:
                return flag(problem)
            refund = uow.payments.refund_by_provider_ref(gateway_name, notice.refund_ref)
            rid = our_refund_id or notice.our_refund_id
            if refund is None and rid:
                try:
                    refund = uow.payments.get_refund(normalize_key(rid))
                except InvalidInput:
                    refund = None
            if refund is not None and refund.school_id != school.id:
                return flag("not a refund of this school", foreign=True)
            payment = uow.payments.by_provider_ref(gateway_name, notice.payment_ref)
            if payment is None and refund is not None:
                payment = uow.payments.get(refund.payment_id)
            if payment is None:
                if not defer:
                    return "ignored"
                if notice.state is RefundState.FAILED and refund is None:
                    return "ignored"  # a refund that never happened, of a payment not here
                kept = uow.deferred.add(
                    school.id, notice, event_id, event.type if event else "", now
                )
                if event is not None and record:
                    uow.events.add(
                        gateway_name,
                        foreign_key(event.event_id, school),
                        school.id,
                        event.type,
                        "deferred",
                        now,
                    )
                uow.commit()
                if kept:
                    log.info(
                        "%s refund %s kept until payment %s is recorded",
                        gateway_name,
                        notice.refund_ref,
                        notice.payment_ref,
                    )
                return "deferred"
            if payment.school_id != school.id:
                return flag("not a payment of this school", foreign=True)
            if refund is not None and refund.payment_id != payment.id:
                return flag("the refund belongs to another payment")
            if notice.currency.upper() != payment.currency.upper():
                return flag(f"currency {notice.currency!r} ≠ {payment.currency!r}")
            uow.students.lock(payment.student_id)
            payment = uow.payments.lock(payment.id)
            assert payment is not None
            if refund is None:
                if notice.state is RefundState.FAILED:
                    return "ignored"
                left = (
                    payment.amount_minor
                    - payment.refunded_minor
                    - uow.payments.pending_refunds_minor(payment.id)
                )
                if notice.amount_minor > left:
                    return flag(
                        "refund larger than what is left of the payment "
                        f"({format_money(notice.amount_minor, payment.currency)} > "
                        f"{format_money(max(left, 0), payment.currency)})"
                    )
                # Made outside jdoffice (the provider's dashboard): record it as a refund.
                refund = Refund(
                    id=new_id(),
                    payment_id=payment.id,
                    school_id=payment.school_id,
                    student_id=payment.student_id,
                    amount_minor=notice.amount_minor,
                    currency=payment.currency,
                    reason=clean_reason(notice.reason)
                    or f"refunded in the {gateway_name} dashboard",
                    status=RefundStatus.PENDING,
                    receipt_no=None,
                    created_at=now,
                    desk="provider",
                    staff="system",
                    gateway=gateway_name,
                    provider_ref=notice.refund_ref,
                )
                uow.payments.add_refund(refund, [])
            else:
                refund = uow.payments.lock_refund(refund.id) or refund
                if notice.amount_minor != refund.amount_minor:
                    return flag(
                        f"refund amount {notice.amount_minor} ≠ {refund.amount_minor} asked for"
                    )
                if refund.provider_ref is None:
                    uow.payments.update_refund(refund.id, now, provider_ref=notice.refund_ref)
            actor = Actor(refund.staff or "system", refund.desk or "provider")
            outcome = "duplicate"
            if notice.state is RefundState.SUCCEEDED and refund.status is RefundStatus.PENDING:
                settle_refund(uow, school, payment, refund, actor, now)
                outcome = "applied"
            elif notice.state is RefundState.FAILED and refund.status is RefundStatus.PENDING:
                uow.payments.update_refund(
                    refund.id, now, status=RefundStatus.FAILED.value, error="failed at provider"
                )
                outcome = "updated"
            elif notice.state is RefundState.FAILED and refund.status is RefundStatus.SUCCEEDED:
                revert_refund(uow, school, payment, refund, actor, now, "failed at provider")
                outcome = "updated"
            if event is not None and record:
                uow.events.add(gateway_name, event.event_id, school.id, event.type, outcome, now)
            uow.commit()
            return outcome

    def guarded() -> str:
        try:
            return once()
        except DuplicateKey:
            return "duplicate"

    return retrying(guarded)


def _notice_problem(notice: RefundNotice) -> str | None:
    """What makes a refund notice unusable whatever it is about."""
    amount = notice.amount_minor
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        return "refund amount must be a positive whole number of minor units"
    if not notice.refund_ref or not notice.payment_ref:
        return "refund notice without a refund or payment reference"
    cur = notice.currency
    if not (isinstance(cur, str) and len(cur) == 3 and cur.isascii() and cur.isalpha()):
        return "refund notice without a valid currency"
    return None


def clean_reason(text: str) -> str:
    """A provider's refund reason as stored text: printable, one line, bounded."""
    kept = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(kept.split())[:MAX_REASON]


def apply_deferred(
    uow: UnitOfWork, gateway_name: str, school: School, payment_ref: str | None
) -> int:
    """Apply, once, the notices kept for ``payment_ref`` (every payment of ``school`` now
    recorded when None). Returns how many moved money."""
    with uow:
        waiting = uow.deferred.waiting(school.id, gateway_name, payment_ref)
    moved = 0
    for notice_id, notice, _event_id in waiting:
        if payment_ref is None and not _payment_of_school(
            uow, gateway_name, school, notice.payment_ref
        ):
            continue  # its payment has not landed yet
        outcome = apply_refund_notice(uow, gateway_name, notice, event=None, school=school)
        if outcome == "ignored":
            continue
        moved += outcome in ("applied", "updated")
        with uow.write():
            uow.deferred.done(notice_id, outcome, utcnow())
            uow.commit()
    return moved
