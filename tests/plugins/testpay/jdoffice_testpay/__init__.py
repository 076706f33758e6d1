"""testpay: an online payment provider and a counter method, written only against jdoffice's
public gateway contract (``jdoffice.services.gateways``).

The provider keeps its payments, refunds and events in ``testpay.json`` in a state directory
(``[testpay] state_dir`` or ``JDOFFICE_TESTPAY_STATE_DIR``); every process that builds the
gateway, and the test playing the student, share it. A file lock keeps concurrent writers
apart. What the provider refuses, it refuses as a real provider would: an unknown API key, a
replayed idempotency key with other parameters, a refund over what is left.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterator, Mapping
from typing import Any

from jdoffice.services.gateways import (
    Capabilities,
    Checkout,
    CheckoutRequest,
    CheckoutStatus,
    Confirmation,
    GatewayConfig,
    InvalidSignature,
    ManualGatewayInfo,
    OnlineGatewayInfo,
    Option,
    OptionKind,
    ProviderError,
    ProviderEvent,
    ProviderRefused,
    ReferenceRule,
    RefundNotice,
    RefundState,
    SecretSpec,
)
from jdoffice_testpay import store

NAME = "testpay"
API_KEY = "testpay-api-key"
WEBHOOK_SECRET = "testpay-webhook-secret"
SIGNATURE_HEADER = "x-testpay-signature"
CAPABILITIES = Capabilities(
    online=True, refunds=True, partial_refunds=True, webhooks=True, events=True
)


def sign(secret: str, body: bytes, path: str, method: str = "POST") -> str:
    """The signature the provider puts on a notification: over the request line (so a
    notification cannot be replayed to another address) and the body."""
    signed = f"{method}\n{path}\n".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def confirmation(payment: Mapping[str, Any]) -> Confirmation:
    """What the provider says about one of its payments."""
    return Confirmation(
        gateway=NAME,
        provider_ref=payment["id"],
        status=CheckoutStatus(payment["status"]),
        amount_minor=payment["amount"],
        currency=payment["currency"],
        livemode=payment["live"],
        payment_ref=payment["id"] if payment["status"] == "paid" else None,
        attempt_id=payment["reference"],
        school_slug=payment["school"],
        invoice_no=payment["invoice"],
        student_no=payment["student"],
        raw=dict(payment),
    )


def refund_notice(refund: Mapping[str, Any]) -> RefundNotice:
    return RefundNotice(
        gateway=NAME,
        refund_ref=refund["id"],
        payment_ref=refund["payment"],
        amount_minor=refund["amount"],
        currency=refund["currency"],
        state=RefundState(refund["state"]),
        our_refund_id=refund.get("our_id"),
        reason=refund.get("reason", ""),
    )


def parse_event(event: Mapping[str, Any]) -> ProviderEvent:
    """A provider event (a notification body, or an entry of its event list)."""
    try:
        kind = str(event["type"])
        data = event["data"]
        payment = data.get("payment")
        refund = data.get("refund")
        return ProviderEvent(
            gateway=NAME,
            event_id=str(event["id"]),
            type=kind,
            created=int(event["created"]),
            livemode=bool(event["live"]),
            confirmation=confirmation(payment) if payment else None,
            refunds=(refund_notice(refund),) if refund else (),
            school_slug=(payment or {}).get("school"),
            payment_ref=refund["payment"] if refund else None,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidSignature(f"not a testpay event: {type(exc).__name__}") from None


class TestpayGateway:
    """The provider behind jdoffice's online-gateway contract."""

    name = NAME
    capabilities = CAPABILITIES

    def __init__(self, api_key: str, webhook_secret: str, state_dir: str) -> None:
        if not api_key:
            raise ProviderRefused("testpay needs an API key")
        self._key = api_key
        self._secret = webhook_secret
        self._store = store.Store(state_dir)

    def _open(self) -> store.Store:
        if not self._store.reachable():
            raise ProviderError("testpay cannot be reached")
        if self._store.refuses(self._key):
            raise ProviderRefused("testpay does not know this API key")
        return self._store

    def checkout_params(self, request: CheckoutRequest) -> dict[str, Any]:
        return {
            "reference": request.attempt_id,
            "amount": request.amount_minor,
            "currency": request.currency,
            "school": request.school_slug,
            "invoice": request.invoice_no,
            "student": request.student_no,
            "text": f"{request.school_name}: {request.invoice_text}",
            "expires_at": int(request.expires_at.timestamp()),
            "live": request.mode == "live",
            "metadata": {"student_no": request.student_no},
        }

    def start(self, params: Mapping[str, Any], idempotency_key: str) -> Checkout:
        payment = self._open().create_payment(dict(params), idempotency_key)
        return Checkout(
            provider_ref=payment["id"],
            url=f"https://testpay.example/pay/{payment['id']}",
            expires_at=dt.datetime.fromtimestamp(payment["expires_at"], dt.UTC),
        )

    def fetch(self, provider_ref: str) -> Confirmation:
        return confirmation(self._open().payment(provider_ref))

    def cancel(self, provider_ref: str) -> Confirmation:
        return confirmation(self._open().cancel(provider_ref))

    def refund(
        self,
        payment_ref: str,
        amount_minor: int,
        *,
        idempotency_key: str,
        reason: str,
        metadata: Mapping[str, str],
    ) -> RefundNotice:
        refund = self._open().refund(
            payment_ref, amount_minor, idempotency_key, reason, metadata.get("refund_id")
        )
        return refund_notice(refund)

    def fetch_refund(self, refund_ref: str) -> RefundNotice:
        return refund_notice(self._open().refund_by_id(refund_ref))

    def refunds_for(self, payment_ref: str) -> list[RefundNotice]:
        return [refund_notice(r) for r in self._open().refunds_of(payment_ref)]

    def verify_event(self, payload: bytes, headers: Mapping[str, str]) -> ProviderEvent:
        if not self._secret:
            raise InvalidSignature("no testpay webhook secret for this school")
        given = headers.get(SIGNATURE_HEADER, "")
        expected = sign(self._secret, payload, headers.get(":path", ""), headers.get(":method", ""))
        if not hmac.compare_digest(given, expected):
            raise InvalidSignature("bad testpay signature")
        try:
            event = json.loads(payload)
        except (ValueError, RecursionError):
            raise InvalidSignature("testpay body is not JSON") from None
        if not isinstance(event, dict):
            raise InvalidSignature("testpay body is not an object")
        return parse_event(event)

    def events_after(
        self, last_event_id: str | None, created_gte: int | None
    ) -> Iterator[ProviderEvent]:
        for event in self._open().events_after(last_event_id, created_gte):
            yield parse_event(event)


def create(config: GatewayConfig) -> TestpayGateway:
    return TestpayGateway(
        config.secret(API_KEY), config.secret(WEBHOOK_SECRET), str(config.option("state_dir"))
    )


GATEWAY = OnlineGatewayInfo(
    name=NAME,
    label_da="Testbetaling",
    label_en="Test payments",
    capabilities=CAPABILITIES,
    factory=create,
    secrets=(
        SecretSpec(API_KEY, "JDOFFICE_TESTPAY_API_KEY", "API-nøgle", "API key"),
        SecretSpec(
            WEBHOOK_SECRET,
            "JDOFFICE_TESTPAY_WEBHOOK_SECRET",
            "Webhook-hemmelighed",
            "Webhook secret",
            desk=False,
        ),
    ),
    options=(
        Option(
            "state_dir",
            OptionKind.TEXT,
            ".",
            env="JDOFFICE_TESTPAY_STATE_DIR",
            help="Where the provider keeps its payments",
        ),
    ),
    signature_headers=(SIGNATURE_HEADER, ":method", ":path"),
    method_label_da="Testbetaling (online)",
    method_label_en="Test payment (online)",
)

#: A counter method from outside jdoffice: a gift voucher, its number as the reference.
VOUCHER = ManualGatewayInfo(
    name="voucher",
    label_da="Gavekort",
    label_en="Gift voucher",
    capabilities=Capabilities(instant=True),
    reference=ReferenceRule.REQUIRED,
    reference_label_da="gavekortets nummer",
    reference_label_en="the voucher's number",
    order=50,
)
