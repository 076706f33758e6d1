"""Provider events, from the webhook or ``payments sync``: each applied once, in the name of
the school whose secret verified it (or whose sync read it). A payment confirmation goes to
``finalize``, refund notices to ``apply_refund_notice``; an event about another school's money
is flagged under the school that sent it and moves nothing."""

from __future__ import annotations

import logging

from jdoffice.domain.model import School
from jdoffice.services.flags import flag_once
from jdoffice.services.gateways import OnlineGateway, ProviderEvent
from jdoffice.services.online_finalize import finalize
from jdoffice.services.online_methods import method_of
from jdoffice.services.online_records import FOREIGN, foreign_key, payment_owner
from jdoffice.services.online_refunds import apply_refund_notice
from jdoffice.services.payments import utcnow
from jdoffice.services.ports import DuplicateKey, UnitOfWork

#: One logger, one name, for every line about online payments.
log = logging.getLogger("jdoffice.services.online")


def handle_event(
    uow: UnitOfWork,
    gateway: OnlineGateway,
    event: ProviderEvent,
    *,
    school: School,
    checked: bool = False,
) -> str:
    """Apply one verified provider event in the name of ``school``, the school whose secret
    verified it (or whose ``payments sync`` read it). Returns the outcome (applied, duplicate,
    flagged, deferred, ignored, …).

    An event moves only that school's money: one about another school's attempt, payment or
    refund, or whose school metadata is missing or different, is flagged under ``school``.

    ``checked``: the caller has just asked :func:`already_handled` for this event id (the
    receiver does for a gateway that asks its provider while verifying), so it is not asked
    twice; a redelivery racing past either check is still refused by the unique key on the
    event's id.
    """
    gateway_name = gateway.name
    if not checked and already_handled(uow, gateway_name, event.event_id, school):
        return "duplicate"
    if event.confirmation is not None:
        return finalize(uow, gateway_name, event.confirmation, event=event, school=school).outcome
    if event.school_slug is not None and event.school_slug != school.slug:
        return _flag_event(uow, gateway_name, event, school, "the event names another school")
    notices = list(event.refunds)
    if not notices and event.type == "charge.refunded" and event.payment_ref:
        owner = payment_owner(uow, gateway_name, event.payment_ref)
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


def already_handled(uow: UnitOfWork, gateway_name: str, event_id: str, school: School) -> bool:
    """Whether the event was handled already, in any school's name that makes it a duplicate
    for ``school``: recorded under its own id, or under ``school``'s key for it. One indexed
    lookup on its own (no transaction), the whole database cost of a redelivery."""
    return uow.event_handled(gateway_name, event_id, foreign_key(event_id, school))


def of_another_school(
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
            p = uow.payments.by_provider_ref(method_of(gateway_name), ref)
            if p is not None and p.school_id != school.id:
                return True
        for n in event.refunds:
            r = uow.payments.refund_by_provider_ref(gateway_name, n.refund_ref)
            if r is not None and r.school_id != school.id:
                return True
    return False


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
