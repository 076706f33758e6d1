"""The payment-gateway contract: one contract for cash at the counter and for Stripe alike.

A gateway can *start* a payment for an invoice (what the screen needs: a URL for the QR, an
expiry, the provider's reference), report what the provider says about it (*fetch*, or a
verified *event*), *cancel* an open one and *refund* (full or partial). It declares what it
can do in :class:`Capabilities`. Gateways never touch the database: the services in
``jdoffice.services.online`` own every write, and save an attempt with its idempotency key and
exact parameters before a gateway is called.

Implementations live in ``jdoffice.gateways`` and register under the entry-point group
``jdoffice.gateways``, so a new provider is a new module, not a change to the core.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from jdoffice.domain.errors import BusinessRuleError, InvalidInput, Unavailable

ENTRY_POINT_GROUP = "jdoffice.gateways"


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a gateway can do; screens and services ask this instead of its name."""

    #: The student pays on their own device (QR code or link); the result arrives later.
    online: bool = False
    #: Staff register it at the desk and it is final at once (cash, bank, MobilePay at the
    #: counter).
    instant: bool = False
    refunds: bool = True
    partial_refunds: bool = True
    #: The provider notifies a server (webhook).
    webhooks: bool = False
    #: The provider keeps a list of events that can be read to catch up.
    events: bool = False
    #: Cash is rounded to the smallest coin and may be tendered with change.
    cash: bool = False


class ProviderError(Unavailable):
    """The provider could not be reached or did not answer in time.

    The outcome of the call is *unknown*, never *failed*: a retry reuses the same key.
    """


class ProviderRefused(BusinessRuleError):
    """The provider answered and said no (invalid request, card declined, too much to refund)."""


class InvalidSignature(InvalidInput):
    """A notification whose signature or timestamp does not check out."""


class CheckoutStatus(enum.StrEnum):
    OPEN = "open"  # waiting for the student
    PROCESSING = "processing"  # completed, an asynchronous method is still settling
    PAID = "paid"
    FAILED = "failed"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class CheckoutRequest:
    """Everything a gateway needs to make a checkout for what is owed on one invoice."""

    attempt_id: str
    school_slug: str
    school_name: str
    invoice_no: str
    invoice_text: str
    student_no: str
    student_name: str
    student_email: str
    amount_minor: int
    currency: str
    expires_at: dt.datetime
    success_url: str
    locale: str = "da"
    mode: str = "test"


@dataclass(frozen=True, slots=True)
class Checkout:
    """An open checkout at the provider: what the QR code shows."""

    provider_ref: str
    url: str
    expires_at: dt.datetime
    status: CheckoutStatus = CheckoutStatus.OPEN


@dataclass(frozen=True, slots=True)
class Confirmation:
    """What the provider says about a checkout. A *hint* until the services have checked
    every field against our own records."""

    gateway: str
    provider_ref: str
    status: CheckoutStatus
    amount_minor: int | None
    currency: str | None
    livemode: bool
    payment_ref: str | None = None
    attempt_id: str | None = None
    school_slug: str | None = None
    invoice_no: str | None = None
    student_no: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


class RefundState(enum.StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class RefundNotice:
    """What the provider says about one refund."""

    gateway: str
    refund_ref: str
    payment_ref: str
    amount_minor: int
    currency: str
    state: RefundState
    our_refund_id: str | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ProviderEvent:
    """A verified notification (webhook body, or one entry of the provider's event list)."""

    gateway: str
    event_id: str
    type: str
    created: int
    livemode: bool
    confirmation: Confirmation | None = None
    refunds: tuple[RefundNotice, ...] = ()
    school_slug: str | None = None
    #: The provider payment a refund event is about (to fetch its refunds when the event
    #: does not list them).
    payment_ref: str | None = None


@runtime_checkable
class Gateway(Protocol):
    """The contract every gateway implements."""

    name: str
    capabilities: Capabilities


class OnlineGateway(Gateway, Protocol):
    """A gateway where the student pays on their own device."""

    def checkout_params(self, request: CheckoutRequest) -> dict[str, Any]:
        """The exact parameters sent to the provider; stored with the attempt before the
        call, and sent unchanged on every retry (a changed replay is refused by providers)."""
        ...

    def start(self, params: Mapping[str, Any], idempotency_key: str) -> Checkout: ...

    def fetch(self, provider_ref: str) -> Confirmation: ...

    def cancel(self, provider_ref: str) -> Confirmation: ...

    def refund(
        self,
        payment_ref: str,
        amount_minor: int,
        *,
        idempotency_key: str,
        reason: str,
        metadata: Mapping[str, str],
    ) -> RefundNotice: ...

    def fetch_refund(self, refund_ref: str) -> RefundNotice: ...

    def refunds_for(self, payment_ref: str) -> list[RefundNotice]:
        """Every refund of a provider payment."""
        ...

    def verify_event(self, payload: bytes, signature_header: str) -> ProviderEvent:
        """Check the signature on the raw body and parse it.

        Raises:
            InvalidSignature: forged, stale or malformed.
        """
        ...

    def events_after(
        self, last_event_id: str | None, created_gte: int | None
    ) -> Iterator[ProviderEvent]:
        """The provider's events newer than ``last_event_id``, oldest first."""
        ...


@dataclass(frozen=True, slots=True)
class ManualGatewayInfo:
    """Descriptor for the methods staff register at the desk."""

    name: str
    label_da: str
    label_en: str
    capabilities: Capabilities


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    """What an online gateway is built from. Secrets come from the keyring, never the DB."""

    secret_key: str = field(repr=False)
    webhook_secret: str = field(default="", repr=False)
    api_base: str | None = None
    timeout_seconds: float = 15.0
    max_network_retries: int = 2


#: What an online gateway's entry point names: it builds the gateway from its config.
OnlineFactory = Callable[[GatewayConfig], OnlineGateway]
