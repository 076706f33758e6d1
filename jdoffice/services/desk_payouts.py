"""The desk's payout verbs, part of :class:`jdoffice.services.desk.Desk`: fetching the
providers' payouts (``payments payouts sync``) and listing them and what did not match
(``payments payouts list``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from jdoffice.domain.errors import BusinessRuleError, InvalidInput
from jdoffice.domain.model import Actor, School
from jdoffice.domain.payouts import StoredItem, StoredPayout
from jdoffice.domain.staff import Action
from jdoffice.services import payouts
from jdoffice.services.desk_online import GatewayFactory
from jdoffice.services.gateways import ProviderError, ProviderRefused
from jdoffice.services.payout_contract import payout_source
from jdoffice.services.ports import UnitOfWork
from jdoffice.services.settings import PaymentSettings
from jdoffice.services.staff import check_actor


@dataclass(frozen=True, slots=True)
class PayoutsSynced:
    school: School
    #: One result per gateway of the school, in the school's order (a skipped one says why).
    results: tuple[payouts.PayoutSyncResult, ...]

    @property
    def synced(self) -> tuple[payouts.PayoutSyncResult, ...]:
        return tuple(r for r in self.results if not r.skipped)


@dataclass(frozen=True, slots=True)
class PayoutListing:
    school: School
    payouts: tuple[payouts.PayoutLine, ...]
    unmatched: tuple[StoredItem, ...]


class DeskPayoutVerbs:
    """What :class:`~jdoffice.services.desk.Desk` does about providers' payouts."""

    actor: Actor
    uow: Callable[[], UnitOfWork]
    gateway: GatewayFactory
    payment_settings: Callable[[School], PaymentSettings]

    if TYPE_CHECKING:

        def school(self) -> School: ...

    def sync_payouts(self, *, since: dt.date | None = None) -> PayoutsSynced:
        """Fetch each of the school's gateways' payouts since the last run (or since the
        day ``since``), store and match them. A gateway without payout reports is skipped
        with a word why.

        Raises:
            NotAllowed: nobody signed in, or not a manager.
            InvalidInput: ``since`` in the future or too far back.
            ProviderError, ProviderRefused, BusinessRuleError: the school has one gateway
                with payouts and it could not be asked (no key, a wrong key, the provider
                down); with several, each one's trouble is in its result instead.
        """
        school = self.school()
        # Signed in as a manager before any key is read or provider asked.
        check_actor(self.uow(), school, Action.BOOKS, self.actor)
        if since is not None:
            payouts.check_since(school, since, dt.datetime.now(dt.UTC))
        settings = self.payment_settings(school)
        names = settings.gateways
        if not names:
            raise BusinessRuleError(f"{school.slug} has no online gateway")
        results: list[payouts.PayoutSyncResult] = []
        failures: list[ProviderError | ProviderRefused] = []
        for name in names:
            try:
                gateway = self.gateway(school, settings.using(name))
            except (BusinessRuleError, InvalidInput, ProviderRefused) as exc:
                results.append(payouts.PayoutSyncResult(gateway=name, skipped=str(exc)))
                continue
            source = payout_source(gateway)
            if source is None:
                results.append(
                    payouts.PayoutSyncResult(
                        gateway=name, skipped=f"{name} does not report payouts; skipped"
                    )
                )
                continue
            try:
                results.append(
                    payouts.sync_payouts(self.uow(), school, source, actor=self.actor, since=since)
                )
            except (ProviderError, ProviderRefused) as exc:
                failures.append(exc)
                results.append(payouts.PayoutSyncResult(gateway=name, errors=(str(exc),)))
        tried = [r for r in results if not r.skipped]
        if tried and len(failures) == len(tried):
            # Every gateway that could be asked failed: the command fails as the provider
            # did (unreachable: exit 4; a refused key: exit 3). Nothing was stored.
            raise failures[0]
        if not tried:
            # Nothing could be asked: say why (no key, or no gateway with payout reports).
            reasons = "; ".join(f"{r.gateway}: {r.skipped}" for r in results)
            raise BusinessRuleError(f"no payouts fetched for {school.slug}: {reasons}")
        return PayoutsSynced(school, tuple(results))

    def payouts(self, *, limit: int = 100) -> PayoutListing:
        """The school's payouts, newest first, and the items that match nothing."""
        school = self.school()
        lines = payouts.list_payouts(self.uow(), school, actor=self.actor, limit=limit)
        unmatched = payouts.unmatched_items(self.uow(), school, actor=self.actor)
        return PayoutListing(school, tuple(lines), tuple(unmatched))

    def release_payout(self, ref: str, *, reason: str) -> StoredPayout:
        """Post a held payout all the same (a manager's; see
        :func:`jdoffice.services.payouts.release_payout`)."""
        return payouts.release_payout(
            self.uow(), self.school(), ref, reason=reason, actor=self.actor
        )
