"""What the online payment modules write and look up alongside the money: the system actor
that provider answers act as, the attempt's audit row, the key an event is marked under when it
may be another school's, and which school a provider payment belongs to."""

from __future__ import annotations

import datetime as dt

from jdoffice.domain.model import Actor, Attempt, AuditEntry, School
from jdoffice.services.online_methods import method_of
from jdoffice.services.ports import UnitOfWork

#: Who acts when a provider's answer changes an attempt or a refund.
SYSTEM = Actor(staff="system", desk="provider")
#: What a refund notice about another school's payment or refund comes to: flagged under the
#: school that sent it, and its event marked under :func:`foreign_key`.
FOREIGN = "foreign"


def foreign_key(event_id: str, school: School) -> str:
    """The key under which ``school`` marks an event handled when it may be another school's
    (about another school's money, or kept until its payment lands): never the event's own
    id, so a copy at the wrong school cannot make the right school's delivery a duplicate."""
    return f"{event_id}@{school.id}"[:255]


def audit_attempt(
    uow: UnitOfWork,
    school: School,
    action: str,
    a: Attempt,
    actor: Actor,
    now: dt.datetime,
    after: dict[str, object] | None = None,
) -> None:
    """The audit row of a change to an online attempt: its status before, its invoice after."""
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


def payment_owner(uow: UnitOfWork, gateway_name: str, ref: str) -> int | None:
    """The school of the payment recorded under ``ref``, if any."""
    with uow:
        p = uow.payments.by_provider_ref(method_of(gateway_name), ref)
        return p.school_id if p is not None else None


def payment_of_school(uow: UnitOfWork, gateway_name: str, school: School, ref: str) -> bool:
    """Whether the payment recorded under ``ref`` is one of ``school``'s."""
    return payment_owner(uow, gateway_name, ref) == school.id
