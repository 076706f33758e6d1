"""Catching up (``jdoffice payments sync``): the provider's events from the stored cursor,
the refunds still pending, the notices kept for payments that have landed since, and every
attempt that could still turn into a payment."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from jdoffice.domain.model import Actor, School
from jdoffice.services.gateways import (
    OnlineGateway,
    ProviderError,
    ProviderRefused,
    RefundState,
)
from jdoffice.services.online_events import handle_event, of_another_school
from jdoffice.services.online_finalize import FinalizeOutcome, finalize
from jdoffice.services.online_refunds import apply_deferred, apply_refund_notice
from jdoffice.services.online_start import send_checkout
from jdoffice.services.payments import utcnow
from jdoffice.services.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class SyncResult:
    events_checked: int = 0
    attempts_checked: int = 0
    applied: int = 0
    flagged: int = 0
    refunds_settled: int = 0
    errors: tuple[str, ...] = ()
    #: Of a school's several gateways: those whose sync could not run at all (no keys, the
    #: provider down), and those whose sync ran.
    gateways_down: tuple[str, ...] = ()
    gateways_synced: tuple[str, ...] = ()

    def plus(self, other: SyncResult) -> SyncResult:
        """Both results together (one school's gateways synced in turn)."""
        return SyncResult(
            self.events_checked + other.events_checked,
            self.attempts_checked + other.attempts_checked,
            self.applied + other.applied,
            self.flagged + other.flagged,
            self.refunds_settled + other.refunds_settled,
            self.errors + other.errors,
            self.gateways_down + other.gateways_down,
            self.gateways_synced + other.gateways_synced,
        )


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
        if (school_of_event is not None and school_of_event != school.slug) or of_another_school(
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
        # This gateway's own: a school may take payments through several.
        open_attempts = [
            a for a in uow.attempts.unsettled(school.id, max_attempts) if a.gateway == gateway.name
        ]
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
                send_checkout(uow, school, gateway, a, Actor(a.staff or "system", a.desk or "sync"))
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
