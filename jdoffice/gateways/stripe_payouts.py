"""Stripe's payouts and their balance transactions, as the payout capability
(:class:`jdoffice.services.payout_contract.PayoutSource`) describes them.

Facts this module relies on (stripe-python 16, Stripe's "Payout reconciliation" guide):

* ``GET /v1/payouts`` lists newest first, ``created[gte]`` filters, and pages with
  ``has_more`` / ``starting_after`` (at most 100 a page).
* An automatic payout's balance transactions are listed with
  ``GET /v1/balance_transactions?payout=po_…`` once its ``reconciliation_status`` is
  ``completed``; a manual payout's (``not_applicable``) cannot be, Stripe does not know which
  transactions it paid out.
* A balance transaction has ``amount`` (gross), ``fee`` and ``net`` (= amount − fee) in the
  balance's currency, ``type`` (``charge``/``payment``, ``refund``/``payment_refund``,
  ``stripe_fee``, ``payout``, ``adjustment`` …; a dispute is an ``adjustment`` with
  ``reporting_category`` ``dispute``) and ``source`` (the charge, refund, dispute or payout;
  expanded with ``expand[]=data.source``, a charge or refund names its ``payment_intent``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, cast

import stripe

from jdoffice.domain.model import UTC
from jdoffice.gateways.stripe_info import NAME
from jdoffice.services.gateways import ProviderRefused
from jdoffice.services.payout_contract import (
    ItemKind,
    PayoutStatus,
    ProviderPayout,
    SettlementItem,
    UnreadablePayout,
)

#: Most pages one listing follows (100 objects each): a runaway cursor stops here.
MAX_PAGES = 1000

PAYMENT_TYPES = frozenset({"charge", "payment"})
REFUND_TYPES = frozenset({"refund", "payment_refund"})
FEE_TYPES = frozenset({"stripe_fee", "stripe_fx_fee", "tax_fee"})
PAYOUT_TYPES = frozenset({"payout", "payout_cancel", "payout_failure"})

Call = Callable[[Callable[[], Any]], Any]

#: The largest amount (in minor units, either sign) taken from Stripe: far above any school's
#: payout, far below what the database's whole numbers hold.
MAX_MINOR = 10**12
#: The times taken from Stripe (``created``, ``arrival_date``): from 2000 to 2100.
EARLIEST = int(dt.datetime(2000, 1, 1, tzinfo=UTC).timestamp())
LATEST = int(dt.datetime(2100, 1, 1, tzinfo=UTC).timestamp())
#: The longest id kept (the columns' length).
MAX_REF = 255
_CURRENCY = re.compile(r"[a-zA-Z]{3}")


def _plain(obj: Any) -> dict[str, Any]:
    if isinstance(obj, stripe.StripeObject):
        return obj.to_dict(recursive=True)
    if isinstance(obj, dict):
        return obj
    raise ProviderRefused(f"Stripe sent an unexpected {type(obj).__name__}")


def _int(obj: Mapping[str, Any], key: str, what: str) -> int:
    value = obj.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ProviderRefused(f"Stripe sent a {what} without a whole-number {key}")
    return value


def _minor(obj: Mapping[str, Any], key: str, what: str) -> int:
    value = _int(obj, key, what)
    if abs(value) > MAX_MINOR:
        raise ProviderRefused(f"Stripe sent a {what} whose {key} is out of range")
    return value


def _seconds(obj: Mapping[str, Any], key: str, what: str) -> dt.datetime:
    value = _int(obj, key, what)
    if not EARLIEST <= value < LATEST:
        raise ProviderRefused(f"Stripe sent a {what} whose {key} is not between 2000 and 2100")
    return _time(value)


def _currency(obj: Mapping[str, Any], what: str) -> str:
    value = obj.get("currency")
    if not isinstance(value, str) or not _CURRENCY.fullmatch(value):
        raise ProviderRefused(f"Stripe sent a {what} without a three-letter currency")
    return value.upper()


def _ref(value: Any, what: str) -> str | None:
    """An id (or expanded object's id) of at most :data:`MAX_REF` characters."""
    ref = _id(value)
    if ref is not None and len(ref) > MAX_REF:
        raise ProviderRefused(f"Stripe sent a {what} with an id longer than {MAX_REF}")
    return ref


def _id(value: Any) -> str | None:
    """An expandable field: an id, or an expanded object's id."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, dict):
        ident = value.get("id")
        return ident if isinstance(ident, str) and ident else None
    return None


def _time(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, UTC)


def parse_payout(p: Mapping[str, Any]) -> ProviderPayout:
    """A Stripe payout object as the contract's payout.

    Raises:
        ProviderRefused: a field is missing or of the wrong kind.
    """
    ref = _ref(p.get("id"), "payout")
    if ref is None:
        raise ProviderRefused("Stripe sent a payout without an id")
    what = f"payout {ref}"
    try:
        status = PayoutStatus(str(p.get("status")))
    except ValueError:
        raise ProviderRefused(f"Stripe payout {ref} has an unknown status") from None
    reconciliation = p.get("reconciliation_status")
    manual = reconciliation == "not_applicable" or p.get("automatic") is False
    currency = _currency(p, what)
    amount = _minor(p, "amount", what)
    if amount == 0:
        raise ProviderRefused(f"Stripe sent a {what} of no amount")
    return ProviderPayout(
        gateway=NAME,
        ref=ref,
        amount_minor=amount,
        currency=currency,
        status=status,
        created=_seconds(p, "created", what),
        # Stripe gives the arrival day as midnight UTC of that day.
        arrival=_seconds(p, "arrival_date", what).date(),
        itemized=manual or reconciliation == "completed",
        livemode=bool(p.get("livemode")),
        note="a manual payout: Stripe does not say which transactions it paid out"
        if manual
        else "",
    )


def _kind(type_: str, category: str) -> ItemKind:
    if type_ in PAYMENT_TYPES:
        return ItemKind.PAYMENT
    if type_ in REFUND_TYPES:
        return ItemKind.REFUND
    if type_ in FEE_TYPES:
        return ItemKind.FEE
    if type_ in PAYOUT_TYPES:
        return ItemKind.PAYOUT
    return ItemKind.OTHER


def parse_balance_transaction(t: Mapping[str, Any], payout_ref: str) -> SettlementItem:
    """A balance transaction (its ``source`` expanded or not) as an item of ``payout_ref``.

    Raises:
        ProviderRefused: a field is missing, of the wrong kind, or net ≠ amount − fee.
    """
    ref = _ref(t.get("id"), "balance transaction")
    if ref is None:
        raise ProviderRefused("Stripe sent a balance transaction without an id")
    what = f"balance transaction {ref}"
    amount, fee, net = _minor(t, "amount", what), _minor(t, "fee", what), _minor(t, "net", what)
    if net != amount - fee:
        raise ProviderRefused(f"Stripe {what}: net is not amount less fee")
    currency = _currency(t, what)
    type_ = str(t.get("type") or "")
    category = str(t.get("reporting_category") or "")
    kind = _kind(type_, category)
    source = t.get("source")
    source_ref = _ref(source, what)
    payment_ref: str | None = None
    refund_ref: str | None = None
    if isinstance(source, dict):
        payment_ref = _ref(source.get("payment_intent"), what)
    if kind is ItemKind.REFUND:
        refund_ref = source_ref
    description = t.get("description")
    return SettlementItem(
        gateway=NAME,
        ref=ref,
        payout_ref=payout_ref,
        kind=kind,
        type=type_[:32],
        category=category[:64],
        amount_minor=amount,
        fee_minor=fee,
        net_minor=net,
        currency=currency,
        created=_seconds(t, "created", what),
        source_ref=source_ref,
        payment_ref=payment_ref,
        refund_ref=refund_ref,
        description=description[:200] if isinstance(description, str) else "",
    )


def _pages(
    call: Call, fetch: Callable[[dict[str, Any]], Any], params: dict[str, Any]
) -> Iterator[dict[str, Any]]:
    """Every object of a Stripe list, page after page (``has_more``/``starting_after``)."""
    params = dict(params)
    for _ in range(MAX_PAGES):
        page = _plain(call(lambda: fetch(dict(params))))
        data = [o for o in page.get("data", []) if isinstance(o, dict)]
        yield from data
        if not page.get("has_more") or not data:
            return
        last = _id(data[-1].get("id"))
        if last is None:
            return
        params["starting_after"] = last
    raise ProviderRefused(f"Stripe listed more than {MAX_PAGES} pages; stopped")


def payouts_since(
    client: stripe.StripeClient, call: Call, created_gte: dt.datetime
) -> Iterator[ProviderPayout | UnreadablePayout]:
    params: dict[str, Any] = {"limit": 100, "created": {"gte": int(created_gte.timestamp())}}
    for p in _pages(call, lambda ps: client.v1.payouts.list(params=cast(Any, ps)), params):
        try:
            yield parse_payout(p)
        except ProviderRefused as exc:
            # One malformed payout is named; the others are read on.
            ref = _id(p.get("id")) or "?"
            yield UnreadablePayout(gateway=NAME, ref=ref[:64], reason=str(exc))


def payout(client: stripe.StripeClient, call: Call, ref: str) -> ProviderPayout:
    return parse_payout(_plain(call(lambda: client.v1.payouts.retrieve(ref))))


def payout_items(
    client: stripe.StripeClient, call: Call, payout_ref: str
) -> Iterator[SettlementItem]:
    params: dict[str, Any] = {"payout": payout_ref, "limit": 100, "expand": ["data.source"]}
    for t in _pages(
        call, lambda ps: client.v1.balance_transactions.list(params=cast(Any, ps)), params
    ):
        yield parse_balance_transaction(t, payout_ref)
