"""The one path from a provider confirmation to a payment (:func:`finalize`).

Webhook, polling and the desk's own status check all call it. It dedupes on the provider event
id and on the attempt (which is the payment's id), locks the student and the invoice, and
checks every field of the confirmation against our records. A mismatch is stored and flagged
for staff and moves no money; a paid confirmation that checks out is applied through
``jdoffice.services.payments.apply_payment``, and the refund notices that overtook it apply
then.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from jdoffice.domain.errors import InvalidInput
from jdoffice.domain.model import (
    Actor,
    Attempt,
    AttemptStatus,
    AuditEntry,
    School,
    fingerprint,
    normalize_key,
)
from jdoffice.domain.money import format_money
from jdoffice.services.flags import flag_once
from jdoffice.services.gateways import CheckoutStatus, Confirmation, ProviderEvent
from jdoffice.services.online_methods import method_of
from jdoffice.services.online_records import SYSTEM, audit_attempt, foreign_key
from jdoffice.services.online_refunds import apply_deferred
from jdoffice.services.payments import apply_payment, retrying, utcnow
from jdoffice.services.ports import DuplicateKey, UnitOfWork
from jdoffice.services.staff import staff_id_of

#: One logger, one name, for every line about online payments.
log = logging.getLogger("jdoffice.services.online")


@dataclass(frozen=True, slots=True)
class FinalizeOutcome:
    outcome: str  # applied | duplicate | updated | flagged | ignored
    attempt_id: str | None = None
    payment_id: str | None = None
    detail: str = ""
    #: Applied, and notices that overtook the payment (a refund delivered first) wait for it.
    notices_waiting: bool = False


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
        # Said once the payment is committed (a racing redelivery rolls its own back).
        log.info("online payment %s applied: %s", out.attempt_id, out.detail)
    if out.notices_waiting:
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
        # On the way to a payment, an event handled meanwhile (a redelivery racing this one
        # past ``handle_event``'s check) is refused by the unique key on its id when it is
        # marked, which rolls this transaction back: the outcome is "duplicate" and nothing
        # it did stays. Every other way (a flag, a status) first asks whether the event was
        # handled, as before: e.g. a sales unit two schools share notifies both, and the
        # school that does not own the payment must not flag what the other one applied.
        # ``paying``: this school's attempt, not paid yet, a paid confirmation that checks
        # out (its mismatches are worked out once, here).
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
        ours = a is not None and a.school_id == school.id
        problems = _mismatches(a, c, school) if a is not None and ours else []
        paying = (
            a is not None
            and ours
            and not problems
            and c.status is CheckoutStatus.PAID
            and a.payment_id is None
            and a.status is not AttemptStatus.PAID
        )
        if not paying and event is not None and uow.events.seen(gateway_name, event.event_id):
            return FinalizeOutcome("duplicate", c.attempt_id, detail="event seen before")
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
        if problems:
            out = _flag(uow, gateway_name, c, event, a, school, "; ".join(problems), now)
            if not a.status.final and c.status in (CheckoutStatus.PAID, CheckoutStatus.PROCESSING):
                # Money moved (or is moving) on a confirmation that does not match: final, staff
                # look at it; polling and sync ask the provider no more, so the same mismatch is
                # not flagged again and again (issue 12). A checkout still open stays open, so
                # the desk can still cancel it at the provider.
                uow.attempts.update(a.id, now, status=AttemptStatus.REVIEW)
                audit_attempt(uow, school, "online.review", a, SYSTEM, now)
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
                audit_attempt(uow, school, f"online.{new.value}", a, SYSTEM, now)
                out = FinalizeOutcome("updated", a.id, detail=new.value)
                if c.problem:
                    # No money was recorded; staff are told why (e.g. a capture refused).
                    _flag(uow, gateway_name, c, event, a, school, c.problem, now)
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
    # A payment recorded before under this provider reference (by another path, or a web
    # system) is refused by the unique key on (method, provider_ref) when this one is
    # inserted: the transaction rolls back and the outcome is "duplicate", with no read here.
    student = uow.students.lock(a.student_id)
    assert student is not None
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
        method=method_of(gateway_name),
        amount_minor=a.amount_minor,
        allow_credit=True,
        cash=None,
        # The provider's own reference when it gives one (MobilePay's pspReference), else ours.
        reference=c.receipt_reference,
        fp=fingerprint({"attempt": a.id, "gateway": gateway_name}),
        actor=Actor(
            a.staff or "system", a.desk or "provider", staff_id=staff_id_of(uow, school, a.staff)
        ),
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
    # Asked in the payment's own transaction, which costs one indexed lookup and no second
    # transaction: a notice kept before this point is seen here, one handled after the commit
    # finds the payment. One kept in between (only a server database runs both at once) waits
    # for ``payments sync``, which applies every notice whose payment is recorded.
    waiting = uow.deferred.any_waiting(school.id, gateway_name, payment_ref)
    return FinalizeOutcome(
        "applied",
        a.id,
        result.payment_id,
        f"receipt {result.receipt_no}",
        notices_waiting=waiting,
    )
