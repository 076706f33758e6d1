"""Flags: provider confirmations and notices that did not match our records (issue 12).

A flag is written once per provider payment and reason: :func:`flag_once` looks for an
unresolved flag saying the same thing about the same provider reference before it adds one,
inside the caller's transaction. Where the caller holds the attempt's row lock (the one
finalize path), two desks polling the same checkout take turns and the second one finds the
first one's flag. Flags without an attempt to lock (an unknown checkout, another school's
notice) can, rarely, be written twice by two deliveries racing each other: a partial unique
index ("unresolved only") would close that, but MariaDB has none, so a rare duplicate is
tolerated and staff resolve both. Every poll and sync after the first finds the flag.

Staff list a school's unresolved flags and resolve one with a note; the resolution is written
to the audit log with who, at which desk, and when.
"""

from __future__ import annotations

import datetime as dt

from jdoffice.domain.errors import BusinessRuleError, InvalidInput, NotFound
from jdoffice.domain.model import Actor, AuditEntry, FlaggedConfirmation, School
from jdoffice.domain.staff import Action
from jdoffice.services.payments import clean_text, retrying, utcnow
from jdoffice.services.ports import UnitOfWork
from jdoffice.services.staff import acting

#: Longest note accepted when a flag is resolved.
NOTE_LIMIT = 500


def flag_once(
    uow: UnitOfWork,
    *,
    school_id: int | None,
    gateway: str,
    provider_ref: str,
    event_id: str,
    invoice_no: str,
    reason: str,
    amount_minor: int | None,
    currency: str,
    payload: dict[str, object] | None,
    now: dt.datetime,
) -> bool:
    """Add a flag unless an unresolved one says the same about the same provider payment.

    Call inside a write transaction. Returns whether a flag was added (the caller audits and
    logs only then). A flag without a provider reference is always added: there is nothing
    to tell two of them apart by.
    """
    if provider_ref and uow.flags.find_unresolved(school_id, gateway, provider_ref, reason):
        return False
    uow.flags.add(
        school_id=school_id,
        gateway=gateway,
        provider_ref=provider_ref,
        event_id=event_id,
        invoice_no=invoice_no,
        reason=reason,
        amount_minor=amount_minor,
        currency=currency,
        payload=payload,
        now=now,
    )
    return True


def unresolved(uow: UnitOfWork, school: School) -> list[FlaggedConfirmation]:
    """The school's flags that nobody has resolved yet, oldest first."""
    with uow:
        return list(uow.flags.unresolved(school.id))


def resolve(
    uow: UnitOfWork,
    school: School,
    flag_id: int,
    note: str,
    actor: Actor,
    now: dt.datetime | None = None,
) -> FlaggedConfirmation:
    """Mark one of the school's flags resolved, with a note saying what staff did.

    Raises:
        InvalidInput: the note is empty, too long or holds control characters.
        NotFound: no such flag in this school (another school's flag included).
        BusinessRuleError: the flag was resolved before.
    """
    text = clean_text(note, "the note", NOTE_LIMIT)
    if not text:
        raise InvalidInput("say in a note what was done about the flag (--note)")

    def once() -> FlaggedConfirmation:
        at = now or utcnow()
        with uow.write():
            who = acting(uow, school, Action.RESOLVE_FLAG, actor)
            flag = uow.flags.lock(flag_id, school.id)
            if flag is None:
                raise NotFound(f"no flag #{flag_id} in {school.slug}")
            if flag.resolved_at is not None:
                raise BusinessRuleError(f"flag #{flag_id} was resolved before")
            uow.flags.resolve(flag_id, at)
            uow.audit.add(
                AuditEntry(
                    school_id=school.id,
                    action="flag.resolved",
                    entity="flag",
                    entity_id=str(flag_id),
                    actor=who,
                    at=at,
                    before={
                        "reason": flag.reason,
                        "provider_ref": flag.provider_ref,
                        "invoice_no": flag.invoice_no,
                    },
                    after={"note": text},
                )
            )
            uow.commit()
        return FlaggedConfirmation(
            id=flag.id,
            school_id=flag.school_id,
            gateway=flag.gateway,
            provider_ref=flag.provider_ref,
            event_id=flag.event_id,
            invoice_no=flag.invoice_no,
            reason=flag.reason,
            amount_minor=flag.amount_minor,
            currency=flag.currency,
            created_at=flag.created_at,
            resolved_at=at,
        )

    return retrying(once)
