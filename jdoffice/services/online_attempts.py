"""The desk's questions about an online payment: how an attempt stands (asking the provider
and applying its answer), cancelling one the student walked away from, and the flags staff
have still to look at."""

from __future__ import annotations

from typing import Any

from jdoffice.domain.errors import BusinessRuleError, NotFound
from jdoffice.domain.model import Actor, Attempt, AttemptStatus, School, normalize_key
from jdoffice.services.gateways import CheckoutStatus, OnlineGateway
from jdoffice.services.online_finalize import finalize
from jdoffice.services.online_records import audit_attempt
from jdoffice.services.online_view import AttemptView
from jdoffice.services.payments import utcnow
from jdoffice.services.ports import UnitOfWork


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
            audit_attempt(uow, school, "online.cancelled", current, actor, now)
        uow.commit()
    return AttemptView.of(get_attempt(uow, school, attempt_id))


def list_flagged(uow: UnitOfWork, school: School) -> list[Any]:
    with uow:
        return list(uow.flags.unresolved(school.id))
