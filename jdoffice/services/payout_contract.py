"""The payout capability of the gateway contract (issue 15): what a provider that pays the
school's money out to its bank tells about each payout.

A provider collects the students' payments on its own balance, takes its fees, and pays the
rest out to the school's bank now and then. A gateway with ``Capabilities.payouts`` implements
:class:`PayoutSource`: it lists its payouts (:class:`ProviderPayout`) and, for each, the items
the payout settles (:class:`SettlementItem`: a payment, a refund, a fee of its own, the
payout's own entry, or something else such as a dispute or an adjustment), each with its
gross amount, the provider's fee and the net. Stripe's payouts and balance transactions fit
it (:mod:`jdoffice.gateways.stripe_payouts`); so do MobilePay's settlement reports (a
settlement is a payout, its ledger lines the items), which may follow.

Gateways never touch the database: :mod:`jdoffice.services.payouts` stores what they fetched,
matches each item to the payment or refund jdoffice recorded, and the books derive the fee and
transfer postings from the stored rows.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from jdoffice.services.gateways import Capabilities


class PayoutStatus(enum.StrEnum):
    PENDING = "pending"  # not yet sent to the bank
    IN_TRANSIT = "in_transit"  # sent, not yet arrived
    PAID = "paid"  # arrived at the bank
    FAILED = "failed"  # the bank refused it; the money went back to the provider's balance
    CANCELED = "canceled"

    @property
    def final(self) -> bool:
        return self in (PayoutStatus.PAID, PayoutStatus.FAILED, PayoutStatus.CANCELED)


class ItemKind(enum.StrEnum):
    """What an item of a payout is, in the provider's neutral words."""

    PAYMENT = "payment"  # a student's payment (gross in, the fee taken from it)
    REFUND = "refund"  # money given back (gross out)
    FEE = "fee"  # a fee charged on its own (not taken from a payment)
    PAYOUT = "payout"  # the payout's own entry (or its failure or cancellation)
    OTHER = "other"  # a dispute, an adjustment, anything else: staff look at it


@dataclass(frozen=True, slots=True)
class ProviderPayout:
    """One payout as the provider tells it. ``amount_minor`` is what the bank receives."""

    gateway: str
    ref: str
    amount_minor: int
    currency: str
    status: PayoutStatus
    created: dt.datetime
    #: The day the money is (expected) at the bank.
    arrival: dt.date
    #: Whether its items can be listed now (Stripe: ``reconciliation_status`` completed). A
    #: payout the provider has not itemized yet is fetched again on the next run.
    itemized: bool
    livemode: bool = False
    #: Why it cannot be itemized ever (a manual payout), when that is so.
    note: str = ""


@dataclass(frozen=True, slots=True)
class SettlementItem:
    """One item a payout settles. ``net_minor = amount_minor - fee_minor``; a payment's amount
    is positive, a refund's and a fee's negative."""

    gateway: str
    ref: str
    payout_ref: str
    kind: ItemKind
    #: The provider's own words for it (Stripe: ``type`` and ``reporting_category``).
    type: str
    category: str
    amount_minor: int
    fee_minor: int
    net_minor: int
    currency: str
    created: dt.datetime
    #: The provider object it is about (Stripe: the charge, refund or dispute id).
    source_ref: str | None = None
    #: The provider payment it belongs to, as the online attempts keep it (Stripe: the
    #: payment intent).
    payment_ref: str | None = None
    #: The provider refund it is, as the refunds keep it.
    refund_ref: str | None = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class UnreadablePayout:
    """A payout the provider listed but sent malformed (a field missing, out of range, an
    amount of nothing): named in the run's errors, nothing of it stored, the others read on."""

    gateway: str
    ref: str
    reason: str


@runtime_checkable
class PayoutSource(Protocol):
    """A gateway that reports its payouts (``Capabilities.payouts``)."""

    name: str
    capabilities: Capabilities

    def payouts_since(
        self, created_gte: dt.datetime
    ) -> Iterator[ProviderPayout | UnreadablePayout]:
        """Every payout created at or after ``created_gte``, in any order, all pages (one
        that could not be read as an :class:`UnreadablePayout`).

        Raises:
            ProviderError: the provider could not be reached (nothing may be assumed).
            ProviderRefused: the key is wrong or may not read payouts.
        """
        ...

    def payout(self, ref: str) -> ProviderPayout:
        """One payout as it stands now."""
        ...

    def payout_items(self, payout_ref: str) -> Iterator[SettlementItem]:
        """Every item the payout settles, all pages."""
        ...


def payout_source(gateway: object) -> PayoutSource | None:
    """``gateway`` as a payout source, or None when it has no payout capability."""
    caps = getattr(gateway, "capabilities", None)
    if isinstance(caps, Capabilities) and caps.payouts and isinstance(gateway, PayoutSource):
        return gateway
    return None
