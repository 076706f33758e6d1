"""Refunds through the provider: a refund asked for at the desk or on the command line
(:func:`refund_online`), and the one path for what a provider says about a refund
(:func:`apply_refund_notice`: its answer, a webhook, a sync), with the notices that overtook
their payment kept under the school and applied once it lands (:func:`apply_deferred`).

What is left to refund (pending refunds included) is checked before the provider is called,
and a refund's money moves only when the provider says it succeeded.
"""

from __future__ import annotations

import datetime as dt
import logging

from jdoffice.domain.errors import BusinessRuleError, InvalidInput, NotFound
from jdoffice.domain.model import (
    Actor,
    AuditEntry,
    Refund,
    RefundStatus,
    School,
    fingerprint,
    new_id,
    normalize_key,
)
from jdoffice.domain.money import format_money
from jdoffice.domain.staff import Action
from jdoffice.services.flags import flag_once
from jdoffice.services.gateways import (
    OnlineGateway,
    ProviderError,
    ProviderEvent,
    ProviderRefused,
    RefundNotice,
    RefundState,
)
from jdoffice.services.online_methods import method_of
from jdoffice.services.online_records import FOREIGN, SYSTEM, foreign_key, payment_of_school
from jdoffice.services.payments import (
    MAX_REASON,
    RefundResult,
    clean_text,
    pending_refund,
    retrying,
    revert_refund,
    settle_refund,
    utcnow,
)
from jdoffice.services.ports import DuplicateKey, UnitOfWork
from jdoffice.services.staff import acting

#: One logger, one name, for every line about online payments.
log = logging.getLogger("jdoffice.services.online")


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

    Refunds need a manager, or a manager's approval carried by ``actor`` (as
    :func:`jdoffice.services.refunds.refund_payment`); the refund row keeps the staff id.

    Raises:
        NotAllowed: nobody signed in (once the school has staff accounts), or no manager.
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
            actor = acting(uow, school, Action.REFUND, actor)
            found = uow.payments.get(pid)
            if found is None or found.school_id != school.id:
                raise NotFound(f"no payment {pid} at {school.name}")
            if found.method != method_of(gateway.name):
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
            payment = uow.payments.by_provider_ref(method_of(gateway_name), notice.payment_ref)
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
            actor = Actor(
                refund.staff or "system", refund.desk or "provider", staff_id=refund.staff_id
            )
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
        if payment_ref is None and not payment_of_school(
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
