"""The desk's online-payment verbs, part of :class:`jdoffice.services.desk.Desk`: starting a
payment through one of the school's online gateways, sending its link, checking, cancelling and
catching up on payments (``payments sync``), and sending the student's confirmation of a payment
any of them recorded.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from jdoffice.domain.errors import BusinessRuleError, InvalidInput, JdofficeError
from jdoffice.domain.model import Actor, School
from jdoffice.services import notifications as notify
from jdoffice.services import online, reminders
from jdoffice.services.gateways import OnlineGateway, ProviderError, ProviderRefused
from jdoffice.services.ports import UnitOfWork
from jdoffice.services.settings import PaymentSettings

log = logging.getLogger(__name__)

#: How often :meth:`Desk.check_online` asks the provider again while it waits.
POLL_SECONDS = 2.0


class GatewayFactory(Protocol):
    """The school's online gateway, built with its secrets (``settings`` when already read)."""

    def __call__(
        self, school: School, settings: PaymentSettings | None = None
    ) -> OnlineGateway: ...


class TransportFactory(Protocol):
    """The mail and SMS senders for a school; ``quick`` for sending right after a payment
    (a short time limit: what is not sent by then waits in the outbox)."""

    def __call__(self, school: School, *, quick: bool = False) -> notify.Transports: ...


@dataclass(frozen=True, slots=True)
class Sent:
    """The confirmations sent right after a payment or refund. ``error`` says why none could
    be tried now (they wait in the outbox)."""

    outcomes: tuple[notify.DeliveryOutcome, ...] = ()
    error: str | None = None


@dataclass(frozen=True, slots=True)
class OnlinePayment:
    """An online payment attempt as it stands, with the confirmations sent once it is paid."""

    school: School
    attempt: online.AttemptView
    sent: Sent = field(default_factory=Sent)


@dataclass(frozen=True, slots=True)
class Synced:
    school: School
    result: online.SyncResult
    sent: Sent = field(default_factory=Sent)


class DeskOnlineVerbs:
    """What :class:`~jdoffice.services.desk.Desk` does about online payments."""

    actor: Actor
    uow: Callable[[], UnitOfWork]
    gateway: GatewayFactory
    payment_settings: Callable[[School], PaymentSettings]
    transports: TransportFactory
    sleep: Callable[[float], None]

    if TYPE_CHECKING:

        def school(self) -> School: ...

    # --- online payments -----------------------------------------------------------------

    def start_online(
        self,
        invoice_no: str,
        *,
        key: str | None = None,
        gateway: str | None = None,
        flow: str = "qr",
        phone: str | None = None,
    ) -> OnlinePayment:
        """Start an online payment for what is owed on an invoice (a link and a QR code), or
        with ``flow="push"`` in the student's app (at ``phone``, default the student's), through
        ``gateway`` (default: the school's first online gateway)."""
        school = self.school()
        settings = self.payment_settings(school)
        if not settings.online_enabled:
            raise BusinessRuleError(
                f"online payments are off for {school.slug}; take cash, bank or MobilePay "
                f"instead (or `jdoffice school payments --online on`)"
            )
        name = gateway or settings.default_gateway
        if name not in settings.gateways:
            raise BusinessRuleError(
                f"{school.slug} does not take online payments through {name} (it takes "
                f"{', '.join(settings.gateways)}; `jdoffice school payments --gateway …`)"
            )
        v = online.start_online_payment(
            self.uow(),
            school,
            self.gateway(school, settings.using(name)),
            settings,
            invoice_no=invoice_no,
            actor=self.actor,
            key=key,
            flow=flow,
            phone=phone,
        )
        return OnlinePayment(school, v)

    def _gateway_named(self, school: School, name: str) -> OnlineGateway:
        """The school's gateway ``name`` (one it took payments through, enabled or not)."""
        return self.gateway(school, self.payment_settings(school).using(name))

    def _attempt_gateway(self, school: School, attempt_id: str) -> OnlineGateway:
        """The gateway an online payment was started through."""
        return self._gateway_named(
            school, online.get_attempt(self.uow(), school, attempt_id).gateway
        )

    def send_link(self, attempt_id: str, *, channel: str, to: str | None = None) -> notify.LinkSent:
        """Send an open online payment's link to the student by SMS or e-mail, now."""
        school = self.school()
        return notify.send_payment_link(
            self.uow(),
            school,
            self.transports(school, quick=True),
            attempt_id=attempt_id,
            channel=channel,
            to=to,
        )

    def check_online(self, attempt_id: str, *, wait_seconds: float = 0) -> OnlinePayment:
        """How an online payment stands: asks the provider and applies its answer, again
        every :data:`POLL_SECONDS` until it is final or ``wait_seconds`` have passed. The
        confirmation of a payment it records is sent."""
        school = self.school()
        gateway = self._attempt_gateway(school, attempt_id)
        deadline = time.monotonic() + wait_seconds
        v = online.check_attempt(self.uow(), school, gateway, attempt_id)
        while not v.status.final and time.monotonic() < deadline:
            self.sleep(POLL_SECONDS)
            v = online.check_attempt(self.uow(), school, gateway, attempt_id)
        sent = self.send_confirmations(school, [v.payment_id]) if v.payment_id else Sent()
        return OnlinePayment(school, v, sent)

    def cancel_online(self, attempt_id: str) -> OnlinePayment:
        """Cancel an open online payment (its checkout expires at the provider).

        A payment the student completed a moment before the cancel (a reservation the
        provider has captured by the time it answers) is recorded instead, by the one finalize
        path; its confirmation is then sent at once, as after any payment that lands."""
        school = self.school()
        gateway = self._attempt_gateway(school, attempt_id)
        v = online.cancel_attempt(self.uow(), school, gateway, attempt_id, self.actor)
        sent = self.send_confirmations(school, [v.payment_id]) if v.payment_id else Sent()
        return OnlinePayment(school, v, sent)

    def sync_online(self) -> Synced:
        """Read the provider's events since last time and re-check open payments; send the
        confirmations of what that recorded."""
        school = self.school()
        settings = self.payment_settings(school)
        if not settings.online_enabled:
            raise BusinessRuleError(f"online payments are off for {school.slug}")
        r = online.SyncResult()
        names = settings.gateways
        for name in names:  # each of the school's online gateways in turn
            try:
                gateway = self.gateway(school, settings.using(name))
                done = online.sync_payments(self.uow(), school, gateway)
                r = r.plus(dataclasses.replace(done, gateways_synced=(name,)))
            except (ProviderError, ProviderRefused, BusinessRuleError, InvalidInput) as exc:
                if len(names) == 1:
                    raise
                # One provider down (or without keys) does not keep the others from syncing.
                r = r.plus(online.SyncResult(errors=(f"{name}: {exc}",), gateways_down=(name,)))
        sent = Sent()
        if r.applied or r.refunds_settled:
            sent = self.send_confirmations(school, None)
        return Synced(school, r, sent)

    # --- reminders -----------------------------------------------------------------------

    def remind(
        self,
        *,
        channel: str,
        overdue_days: int | None = None,
        invoice_nos: Collection[str] | None = None,
        dry_run: bool = False,
    ) -> reminders.RemindResult:
        """Remind students of overdue invoices by SMS or e-mail (see
        :func:`jdoffice.services.reminders.remind`), each with a payment link through the
        school's default online gateway; without online payments the message says how to pay
        at the office or by bank transfer instead. A ``dry_run`` makes no link and sends
        nothing."""
        school = self.school()
        settings = self.payment_settings(school)
        link: reminders.LinkMaker | None = None
        with_link = settings.online_enabled and bool(settings.default_gateway)
        if with_link:
            own = settings.using(settings.default_gateway)
            # Built now, so missing keys stop a run before anything is sent; a dry run
            # makes no link and needs no keys.
            if not dry_run:
                link = reminders.online_link(
                    self.uow(), school, self.gateway(school, own), own, self.actor
                )
        return reminders.remind(
            self.uow(),
            school,
            self.transports(school),
            channel=channel,
            actor=self.actor,
            overdue_days=overdue_days,
            invoice_nos=invoice_nos,
            dry_run=dry_run,
            link=link,
            online=with_link,
        )

    # --- confirmations ---------------------------------------------------------------------

    def send_confirmations(self, school: School, refs: Sequence[str] | None) -> Sent:
        """Send what was just queued about ``refs`` (all that is due when None). Never
        fails the verb: what cannot go now waits in the outbox, and :class:`Sent` says so."""
        try:
            result = notify.dispatch_due(
                self.uow(), school, self.transports(school, quick=True), refs=refs
            )
        except JdofficeError as exc:
            log.warning("confirmations not sent now, they wait in the outbox: %s", exc)
            return Sent(error=str(exc))
        return Sent(result.outcomes)
