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
import logging
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
    #: The payment can be pushed to the student's phone instead of shown as a QR code.
    push: bool = False
    #: The provider pays the money out to the school's bank and itemizes each payout (what
    #: it settles, its fees): :class:`jdoffice.services.payout_contract.PayoutSource`.
    payouts: bool = False


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
    #: The student's mobile as stored (any format); a gateway that can push the payment to the
    #: student's phone formats it its own way.
    student_phone: str = ""
    #: How the student is asked to pay: ``"qr"`` (a code or link shown at the desk) or
    #: ``"push"`` (the payment pops up in the student's app); only gateways with
    #: ``Capabilities.push`` take ``"push"``.
    flow: str = "qr"


@dataclass(frozen=True, slots=True)
class Checkout:
    """An open checkout at the provider: what the QR code shows."""

    provider_ref: str
    url: str
    expires_at: dt.datetime
    status: CheckoutStatus = CheckoutStatus.OPEN


#: The longest provider reference a receipt prints (MobilePay's are far shorter).
MAX_RECEIPT_REF = 64


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
    #: What went wrong at the provider that staff must be told of (a capture it refused):
    #: the attempt ends as ``status`` says, and the confirmation is flagged with this reason.
    problem: str = ""
    #: The provider's own reference for the payment, for the receipt (MobilePay's
    #: ``pspReference``, which its app and the merchant portal show); None when the provider
    #: gives none, and the receipt names the payment by our reference (``provider_ref``).
    receipt_ref: str | None = None

    @property
    def receipt_reference(self) -> str:
        """What the payment's receipt names it by: the provider's :attr:`receipt_ref` when it
        is usable on paper (printable, at most :data:`MAX_RECEIPT_REF` characters), else
        :attr:`provider_ref`. The provider's text is a hint too: anything else is not printed."""
        ref = (self.receipt_ref or "").strip()
        if ref and len(ref) <= MAX_RECEIPT_REF and ref.isprintable():
            return ref
        return self.provider_ref


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

    def verify_event(self, payload: bytes, headers: Mapping[str, str]) -> ProviderEvent:
        """Check the signature on the raw body and parse it. ``headers`` holds the request
        headers the gateway declared (:attr:`OnlineGatewayInfo.signature_headers`), by their
        lower-case names.

        Raises:
            InvalidSignature: forged, stale or malformed.
        """
        ...

    def events_after(
        self, last_event_id: str | None, created_gte: int | None
    ) -> Iterator[ProviderEvent]:
        """The provider's events newer than ``last_event_id``, oldest first."""
        ...


@runtime_checkable
class EarlyEventId(Protocol):
    """Optional for an online gateway whose :meth:`OnlineGateway.verify_event` asks the
    provider something (MobilePay reads the payment, and captures it): the id of a notification
    once its signature checks out, without any call, so that a redelivery is answered as a
    duplicate before the provider is asked anything. The id must be the one ``verify_event``
    gives the same notification.
    """

    def verified_event_id(self, payload: bytes, headers: Mapping[str, str]) -> str:
        """Check the signature and the body exactly as ``verify_event`` does; the event id.

        Raises:
            InvalidSignature: forged, stale or malformed.
        """
        ...


class ReferenceRule(enum.StrEnum):
    """Whether a counter method's payment carries a reference (a transfer's text, a card
    terminal's receipt number)."""

    NONE = "none"
    OPTIONAL = "optional"
    REQUIRED = "required"


@dataclass(frozen=True, slots=True)
class ManualGatewayInfo:
    """A method staff register at the desk (a counter method), final at once.

    ``capabilities.cash``: the amount tendered, the change and the rounding to the smallest
    coin apply. ``reference`` says whether the payment carries a reference; its label names
    it on screen (e.g. the terminal's receipt number). ``order`` places it among the desk's
    choices (Ctrl+1, Ctrl+2, … in that order).
    """

    name: str
    label_da: str
    label_en: str
    capabilities: Capabilities
    reference: ReferenceRule = ReferenceRule.OPTIONAL
    #: What the reference is, as it fits "Tast … som reference" / "needs … as its reference".
    reference_label_da: str = "en reference"
    reference_label_en: str = "a reference"
    order: int = 100

    @property
    def cash(self) -> bool:
        return self.capabilities.cash

    def label(self, locale: str) -> str:
        return self.label_da if locale.startswith("da") else self.label_en

    def reference_label(self, locale: str) -> str:
        return self.reference_label_da if locale.startswith("da") else self.reference_label_en

    def check_reference(self, reference: str) -> None:
        """Refuse a reference this method cannot carry, or a missing one it needs.

        Raises:
            InvalidInput: what is wrong, naming the reference as the desk does.
        """
        if self.reference is ReferenceRule.REQUIRED and not reference.strip():
            raise InvalidInput(
                f"a {self.label_en.lower()} payment needs {self.reference_label_en} "
                "as its reference"
            )
        if self.reference is ReferenceRule.NONE and reference.strip():
            raise InvalidInput(f"a {self.label_en.lower()} payment takes no reference")


@dataclass(frozen=True, slots=True)
class SecretSpec:
    """One secret a gateway needs, kept in the OS keyring per school (never in the database).

    ``name`` is the keyring entry (``{name}:{school-slug}``) and what `jdoffice keys set`
    takes; ``env`` the environment variable that overrides the keyring on servers and in CI.
    """

    name: str
    env: str
    label_da: str
    label_en: str
    #: A desk needs it to start payments. ``False``: only the webhook receiver needs it (a
    #: desk without it still takes payments; the receiver refuses every notification).
    desk: bool = True


class OptionKind(enum.StrEnum):
    TEXT = "text"
    URL = "url"
    NUMBER = "number"
    WHOLE = "whole"


@dataclass(frozen=True, slots=True)
class Option:
    """One setting of a gateway's section in the config file (``[name]``), with an
    environment variable that wins over the file."""

    key: str
    kind: OptionKind
    default: str | float | int | None = None
    env: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    help: str = ""

    def read(self, raw: Any, where: str) -> str | float | int | None:
        """``raw`` (from the file or the environment) checked and converted.

        Raises:
            InvalidInput: not of the option's kind or out of its range.
        """
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return self.default
        what = f"{where}: {self.key}"
        if self.kind in (OptionKind.TEXT, OptionKind.URL):
            if not isinstance(raw, str):
                raise InvalidInput(f"{what} must be text")
            text = raw.strip()
            if self.kind is OptionKind.URL:
                if not text.startswith(("https://", "http://")) or any(c.isspace() for c in text):
                    raise InvalidInput(f"{what} must be an http(s) address")
                text = text.rstrip("/")
            return text
        number: float | int
        try:
            if isinstance(raw, bool):
                raise ValueError
            number = float(raw) if self.kind is OptionKind.NUMBER else int(str(raw).strip())
        except (TypeError, ValueError):
            kind = "a number" if self.kind is OptionKind.NUMBER else "a whole number"
            raise InvalidInput(f"{what} must be {kind}, not {raw!r}") from None
        if (self.minimum is not None and number < self.minimum) or (
            self.maximum is not None and number > self.maximum
        ):
            raise InvalidInput(f"{what} must be between {self.minimum:g} and {self.maximum:g}")
        return number


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    """What an online gateway is built from: its secrets (from the keyring or the environment,
    never the database) and its config section's options, checked against its declaration."""

    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)
    options: Mapping[str, Any] = field(default_factory=dict)

    def secret(self, name: str) -> str:
        """The secret ``name`` (a :class:`SecretSpec` name), empty when not set."""
        return self.secrets.get(name, "")

    def option(self, key: str) -> Any:
        return self.options.get(key)


#: What builds an online gateway from its config.
OnlineFactory = Callable[[GatewayConfig], OnlineGateway]


@dataclass(frozen=True, slots=True)
class OnlineGatewayInfo:
    """What an online gateway's entry point names: everything the core needs to know about a
    provider without naming it. The command line (`keys set`, `payments sync`), the settings
    dialog, the QR dialog, the webhook receiver and the composition root read this."""

    name: str
    label_da: str
    label_en: str
    capabilities: Capabilities
    factory: OnlineFactory
    #: Keyring entries; the first one a desk needs is the one starting a payment requires.
    secrets: tuple[SecretSpec, ...] = ()
    #: The settings of its config file section ``[name]``.
    options: tuple[Option, ...] = ()
    #: The request headers a notification is verified with (lower case); the receiver hands
    #: the gateway these and nothing else. Two names stand for the request line itself:
    #: ``:method`` (``POST``) and ``:path`` (the path with its query, as received), for
    #: providers that sign them too.
    signature_headers: tuple[str, ...] = ()
    #: How a payment through it reads on receipts, reports and screens.
    method_label_da: str = ""
    method_label_en: str = ""
    #: The payment method its payments are recorded under (default: its name). Online
    #: gateways and counter methods are separate namespaces, but a recorded payment's method
    #: is one: a gateway whose name is also a counter method's (``mobilepay``, the MobilePay
    #: payment staff type in) records its payments under a method of its own, so the payments
    #: already recorded keep their meaning.
    payment_method: str = ""

    def label(self, locale: str) -> str:
        return self.label_da if locale.startswith("da") else self.label_en

    def method_label(self, locale: str) -> str:
        da = self.method_label_da or self.label_da
        en = self.method_label_en or self.label_en
        return da if locale.startswith("da") else en

    @property
    def recorded_method(self) -> str:
        """The method its payments are recorded under."""
        return self.payment_method or self.name

    def secret(self, name: str) -> SecretSpec:
        for spec in self.secrets:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def read_options(
        self, section: Mapping[str, Any], environ: Mapping[str, str], where: str
    ) -> dict[str, Any]:
        """The options of ``[name]`` in the config file, the environment winning, checked.

        Raises:
            InvalidInput: a value of the wrong kind or out of range, or a key it does not know.
        """
        known = {o.key for o in self.options}
        unknown = sorted(str(k) for k in section if k not in known)
        if unknown:
            raise InvalidInput(
                f"{where}: unknown setting {', '.join(unknown)} "
                f"(known: {', '.join(sorted(known)) or 'none'})"
            )
        values: dict[str, Any] = {}
        for option in self.options:
            env_value = environ.get(option.env, "").strip() if option.env else ""
            source = option.env if env_value else where
            values[option.key] = option.read(env_value or section.get(option.key), str(source))
        return values


def close_gateway(gateway: object) -> None:
    """Close a gateway's connections, when it has any to close (``close`` is optional in the
    contract). A failure to close is logged, never raised: it must not hide the outcome of the
    work the gateway was built for."""
    close = getattr(gateway, "close", None)
    if not callable(close):
        return
    try:
        close()
    except Exception as exc:
        logging.getLogger("jdoffice.services.online").debug(
            "gateway %s not closed cleanly: %s", getattr(gateway, "name", "?"), exc
        )
