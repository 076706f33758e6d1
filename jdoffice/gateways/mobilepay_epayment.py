"""MobilePay through Vipps MobilePay's ePayment API v1: a payment request per attempt, shown
as a QR code at the desk or pushed to the student's app; reserved when the student approves,
recorded when captured.

Facts this module relies on (developer.vippsmobilepay.com):

* Access Token API: ``POST /accesstoken/get`` with the headers ``client_id``,
  ``client_secret``, ``Ocp-Apim-Subscription-Key`` and ``Merchant-Serial-Number`` answers
  ``{"access_token", "expires_in", …}``; ``expires_in`` is seconds as a string (1 hour in
  test, 24 hours in production). The token is kept until :data:`TOKEN_MARGIN_S` before it
  expires, and dropped at once when the API answers 401.
* Every call sends ``Authorization: Bearer …``, ``Ocp-Apim-Subscription-Key``,
  ``Merchant-Serial-Number`` and the ``Vipps-System-Name`` / ``-Version`` /
  ``-Plugin-Name`` / ``-Plugin-Version`` headers; create, capture, cancel and refund take an
  ``Idempotency-Key`` (the same key and body answer the same result; the same key with
  another body is refused).
* ``POST /epayment/v1/payments``: ``amount`` {``currency`` NOK/DKK/EUR, ``value`` in minor
  units}, ``paymentMethod`` {``type`` WALLET}, ``reference`` matching
  ``^[a-zA-Z0-9-]{8,64}$`` and unique per sales unit, ``paymentDescription``,
  ``customerInteraction`` CUSTOMER_PRESENT for a customer at the counter, ``userFlow`` QR
  (with ``qrFormat`` {``format`` TEXT/TARGETURL}: ``redirectUrl`` in the answer is the URL the
  QR code holds, drawn by the desk) or PUSH_MESSAGE (with ``customer.phoneNumber``, country
  code and number, e.g. ``4512345678``), and ``metadata``, which the API stores and returns
  with the payment (jdoffice keeps the attempt, school, invoice and student there).
* ``GET /epayment/v1/payments/{reference}``: ``state`` CREATED, AUTHORIZED (approved: the
  money is reserved, and stays AUTHORIZED when captured or refunded), ABORTED (the user said
  no), EXPIRED (the user did nothing; 10 minutes by default, Knowledge base: Timeouts) or
  TERMINATED (the merchant cancelled it); ``aggregate`` holds the authorized, captured,
  cancelled and refunded amounts.
* ``POST …/capture`` and ``POST …/refund`` take ``{"modificationAmount": {currency, value}}``
  and answer the payment's new ``aggregate``; ``POST …/cancel`` terminates an unapproved
  payment or releases an uncaptured reservation. ``GET …/events`` lists the payment's events
  (``name`` CREATED/AUTHORIZED/CAPTURED/CANCELLED/REFUNDED/…, ``amount``, ``pspReference``,
  ``idempotencyKey``, ``success``).
* Errors are problem+json (RFC 7807): ``title``, ``detail``, ``extraDetails``.
* Webhooks (``epayments.payment.*.v1``) carry ``msn``, ``reference``, ``pspReference``,
  ``name``, ``amount``, ``timestamp``, ``idempotencyKey`` and ``success``; their signature is
  checked in :mod:`jdoffice.gateways.mobilepay_webhooks`.

jdoffice's choices: the reference is the attempt's id (a UUID fits the rule), so it maps back
without a lookup; the money is recorded only once the whole amount is captured (captured
here, with an idempotency key derived from the reference, so repeated checks capture once);
a failed capture releases the reservation and reports the attempt failed; a payment is live
exactly when the gateway talks to the production API (``api_base``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from jdoffice.domain.errors import InvalidInput
from jdoffice.domain.model import UTC
from jdoffice.gateways import mobilepay_webhooks
from jdoffice.gateways.mobilepay_client import ApiClient
from jdoffice.gateways.mobilepay_info import (
    CAPABILITIES,
    CLIENT_SECRET,
    NAME,
    PRODUCTION_API_BASE,
    SUBSCRIPTION_KEY,
    WEBHOOK_SECRET,
)
from jdoffice.services.gateways import (
    Checkout,
    CheckoutRequest,
    CheckoutStatus,
    Confirmation,
    GatewayConfig,
    InvalidSignature,
    ProviderEvent,
    ProviderRefused,
    RefundNotice,
    RefundState,
)

PAYMENTS = "/epayment/v1/payments"
REFERENCE_RULE = re.compile(r"^[a-zA-Z0-9-]{8,64}$")
CURRENCIES = frozenset({"NOK", "DKK", "EUR"})
MAX_DESCRIPTION = 100
#: A payment request waits this long for the user (Knowledge base: Timeouts).
USER_TIMEOUT = dt.timedelta(minutes=10)
#: The largest notification body read (the API's events are a few hundred bytes).
MAX_BODY_BYTES = 64 * 1024


def capture_key(reference: str) -> str:
    """The capture's idempotency key: one per payment, so every repeat is the same capture."""
    return f"capture-{reference}"


def cancel_key(reference: str) -> str:
    return f"cancel-{reference}"


def refund_ref(reference: str, key: str) -> str:
    """jdoffice's name for one refund: the payment and the refund's idempotency key (or the
    provider's reference for one made outside jdoffice)."""
    return f"{reference}:{key}"


def danish_phone(raw: str) -> str:
    """A mobile number as the API takes it: country code and number, digits only.

    Eight digits are a Danish number (45 is put in front); +45/0045/45 and eight digits are
    kept as they are. Anything else cannot be a Danish mobile.

    Raises:
        InvalidInput: no number, or not one of those forms.
    """
    digits = re.sub(r"[\s\-().]", "", raw or "")
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("00"):
        digits = digits[2:]
    if not digits.isdigit():
        raise InvalidInput(
            "the student has no mobile number a payment can be sent to"
            if not digits
            else f"{raw!r} is not a phone number"
        )
    if len(digits) == 8:
        digits = "45" + digits
    if not (len(digits) == 10 and digits.startswith("45")):
        raise InvalidInput(f"{raw!r} is not a Danish mobile number (8 digits, optionally +45)")
    return digits


def _int(value: Any) -> int:
    """An amount as the API sends it: a JSON integer; anything else is 0, never rounded."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _amount(obj: Any) -> int:
    return _int(_map(obj).get("value"))


class MobilePayGateway:
    """The ePayment API behind the gateway contract."""

    name = NAME
    capabilities = CAPABILITIES

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        subscription_key: str,
        merchant_serial_number: str,
        webhook_secret: str = "",
        api_base: str = PRODUCTION_API_BASE,
        timeout_seconds: float = 15.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.api = ApiClient(
            api_base=api_base,
            client_id=client_id,
            client_secret=client_secret,
            subscription_key=subscription_key,
            merchant_serial_number=merchant_serial_number,
            timeout_seconds=timeout_seconds,
            transport=transport,
        )
        self.msn = merchant_serial_number
        self.livemode = api_base.rstrip("/") == PRODUCTION_API_BASE
        self._webhook_secret = webhook_secret

    def close(self) -> None:
        self.api.close()

    # -- starting and cancelling ---------------------------------------------------------------

    def checkout_params(self, request: CheckoutRequest) -> dict[str, Any]:
        reference = request.attempt_id
        if not REFERENCE_RULE.match(reference):
            raise InvalidInput(f"attempt id {reference!r} cannot be a MobilePay reference")
        currency = request.currency.upper()
        if currency not in CURRENCIES:
            raise InvalidInput(f"MobilePay takes NOK, DKK or EUR, not {request.currency}")
        if request.amount_minor <= 0:
            raise InvalidInput("a MobilePay payment must be more than zero")
        description = f"{request.school_name}: faktura {request.invoice_no}"
        params: dict[str, Any] = {
            "amount": {"currency": currency, "value": request.amount_minor},
            "paymentMethod": {"type": "WALLET"},
            "reference": reference,
            "paymentDescription": description[:MAX_DESCRIPTION],
            "customerInteraction": "CUSTOMER_PRESENT",
            "metadata": {
                "attempt_id": request.attempt_id,
                "school": request.school_slug,
                "invoice_no": request.invoice_no,
                "student_no": request.student_no,
            },
        }
        if request.flow == "push":
            params["userFlow"] = "PUSH_MESSAGE"
            params["customer"] = {"phoneNumber": danish_phone(request.student_phone)}
        elif request.flow == "qr":
            params["userFlow"] = "QR"
            params["qrFormat"] = {"format": "TEXT/TARGETURL"}
        else:
            raise InvalidInput(f"MobilePay cannot take a payment by {request.flow!r}")
        return params

    def start(self, params: Mapping[str, Any], idempotency_key: str) -> Checkout:
        answer = self.api.call("POST", PAYMENTS, body=dict(params), idempotency_key=idempotency_key)
        reference = _text(_map(answer).get("reference")) or str(params.get("reference") or "")
        url = _text(_map(answer).get("redirectUrl")) or ""
        if params.get("userFlow") == "QR" and not url:
            raise ProviderRefused("MobilePay answered a QR payment without its QR address")
        return Checkout(
            provider_ref=reference,
            url=url,
            expires_at=(dt.datetime.now(UTC) + USER_TIMEOUT).replace(microsecond=0),
        )

    def payment(self, reference: str) -> Mapping[str, Any]:
        """The payment as ``GET /epayment/v1/payments/{reference}`` answers it."""
        return _map(self.api.call("GET", f"{PAYMENTS}/{_path(reference)}"))

    def fetch(self, provider_ref: str) -> Confirmation:
        """What the payment is now; an approved one is captured first (in full, once), and
        reported paid only when the whole amount is captured."""
        payment = self.payment(provider_ref)
        if payment.get("state") == "AUTHORIZED":
            return self._settle(provider_ref, payment)
        return self.confirmation(payment)

    def _settle(self, reference: str, payment: Mapping[str, Any]) -> Confirmation:
        aggregate = _map(payment.get("aggregate"))
        amount = _map(payment.get("amount"))
        captured = _amount(aggregate.get("capturedAmount"))
        cancelled = _amount(aggregate.get("cancelledAmount"))
        if captured or cancelled:
            return self.confirmation(payment)
        try:
            answer = self.api.call(
                "POST",
                f"{PAYMENTS}/{_path(reference)}/capture",
                body={"modificationAmount": dict(amount)},
                idempotency_key=capture_key(reference),
            )
        except ProviderRefused as exc:
            # The reservation is released so the student's money is not held for nothing;
            # the attempt ends failed and the invoice stays open.
            with contextlib.suppress(ProviderRefused):
                self.api.call(
                    "POST",
                    f"{PAYMENTS}/{_path(reference)}/cancel",
                    body={},
                    idempotency_key=cancel_key(reference),
                )
            after = self.payment(reference)
            confirmation = self.confirmation(after)
            raw = {**confirmation.raw, "capture_error": str(exc)[:300]}
            status = (
                CheckoutStatus.PAID
                if confirmation.status is CheckoutStatus.PAID
                else CheckoutStatus.FAILED
            )
            problem = (
                ""
                if status is CheckoutStatus.PAID
                else f"the capture was refused, the reservation released: {str(exc)[:200]}"
            )
            return dataclasses.replace(confirmation, status=status, raw=raw, problem=problem)
        merged = {**payment, "aggregate": _map(_map(answer).get("aggregate")) or aggregate}
        return self.confirmation(merged)

    def confirmation(self, payment: Mapping[str, Any]) -> Confirmation:
        """What a payment (as ``GET`` answers it) says, as a confirmation to be checked."""
        state = payment.get("state")
        aggregate = _map(payment.get("aggregate"))
        amount = _map(payment.get("amount"))
        value = _amount(amount)
        captured = _amount(aggregate.get("capturedAmount"))
        cancelled = _amount(aggregate.get("cancelledAmount"))
        if state == "AUTHORIZED":
            if value > 0 and captured == value:
                status = CheckoutStatus.PAID
            elif cancelled and not captured:
                status = CheckoutStatus.FAILED  # the reservation was released
            else:
                status = CheckoutStatus.PROCESSING  # reserved, not (fully) captured yet
        elif state == "ABORTED":
            status = CheckoutStatus.FAILED
        elif state in ("EXPIRED", "TERMINATED"):
            status = CheckoutStatus.EXPIRED
        else:
            status = CheckoutStatus.OPEN
        meta = _map(payment.get("metadata"))
        reference = _text(payment.get("reference")) or ""
        currency = _text(amount.get("currency"))
        return Confirmation(
            gateway=NAME,
            provider_ref=reference,
            status=status,
            amount_minor=value if amount else None,
            currency=currency.upper() if currency else None,
            livemode=self.livemode,
            payment_ref=reference if status is CheckoutStatus.PAID else None,
            attempt_id=_text(meta.get("attempt_id")) or reference or None,
            school_slug=_text(meta.get("school")),
            invoice_no=_text(meta.get("invoice_no")),
            student_no=_text(meta.get("student_no")),
            # What the student's app and the merchant portal name the payment by.
            receipt_ref=_text(payment.get("pspReference")),
            raw={
                "id": reference,
                "object": "epayment",
                "status": state,
                "amount_total": value,
                "currency": currency,
                "livemode": self.livemode,
                "metadata": dict(meta),
                "aggregate": dict(aggregate),
                "pspReference": payment.get("pspReference"),
            },
        )

    def cancel(self, provider_ref: str) -> Confirmation:
        """Stop a payment the student has not approved. One approved a moment before is
        captured and reported paid instead (that answer wins, as the services expect)."""
        payment = self.payment(provider_ref)
        if payment.get("state") != "CREATED":
            return self.fetch(provider_ref)
        # Refused when approved, aborted or expired meanwhile: then say what it is now.
        with contextlib.suppress(ProviderRefused):
            self.api.call(
                "POST",
                f"{PAYMENTS}/{_path(provider_ref)}/cancel",
                body={},
                idempotency_key=cancel_key(provider_ref),
            )
        return self.fetch(provider_ref)

    # -- refunds -------------------------------------------------------------------------------

    def refund(
        self,
        payment_ref: str,
        amount_minor: int,
        *,
        idempotency_key: str,
        reason: str,
        metadata: Mapping[str, str],
    ) -> RefundNotice:
        payment = self.payment(payment_ref)
        currency = _text(_map(payment.get("amount")).get("currency")) or ""
        self.api.call(
            "POST",
            f"{PAYMENTS}/{_path(payment_ref)}/refund",
            body={"modificationAmount": {"currency": currency, "value": amount_minor}},
            idempotency_key=idempotency_key,
        )
        return self.fetch_refund(refund_ref(payment_ref, idempotency_key))

    def events(self, reference: str) -> list[Mapping[str, Any]]:
        """The payment's event log, oldest first."""
        answer = self.api.call("GET", f"{PAYMENTS}/{_path(reference)}/events")
        return [e for e in (answer if isinstance(answer, list) else []) if isinstance(e, dict)]

    def refunds_for(self, payment_ref: str) -> list[RefundNotice]:
        return [
            self._refund_notice(payment_ref, e)
            for e in self.events(payment_ref)
            if e.get("name") == "REFUNDED"
        ]

    def fetch_refund(self, refund_ref: str) -> RefundNotice:
        reference, _, key = refund_ref.partition(":")
        if not reference or not key:
            raise ProviderRefused(f"{refund_ref!r} is not a MobilePay refund")
        for event in reversed(self.events(reference)):
            if event.get("name") == "REFUNDED" and key in (
                event.get("idempotencyKey"),
                event.get("pspReference"),
            ):
                return self._refund_notice(reference, event)
        raise ProviderRefused(f"MobilePay has no refund {refund_ref}")

    @staticmethod
    def _refund_notice(reference: str, event: Mapping[str, Any]) -> RefundNotice:
        key = _text(event.get("idempotencyKey"))
        psp = _text(event.get("pspReference")) or ""
        amount = _map(event.get("amount"))
        return RefundNotice(
            gateway=NAME,
            refund_ref=refund_ref(reference, key or psp),
            payment_ref=reference,
            amount_minor=_amount(amount),
            currency=(_text(amount.get("currency")) or "").upper(),
            state=RefundState.SUCCEEDED if event.get("success") is True else RefundState.FAILED,
            our_refund_id=key,
        )

    # -- notifications -------------------------------------------------------------------------

    def _verified(
        self, payload: bytes, headers: Mapping[str, str]
    ) -> tuple[dict[str, Any], str, str, str]:
        """The notification once its signature and body check out: the parsed body, the
        payment's reference, the event's name and the event id."""
        mobilepay_webhooks.verify(self._webhook_secret, payload, headers, dt.datetime.now(UTC))
        if len(payload) > MAX_BODY_BYTES:
            raise InvalidSignature("MobilePay notification body is too large")
        try:
            event = json.loads(payload)
        except (ValueError, RecursionError):
            raise InvalidSignature("MobilePay notification body is not JSON") from None
        if not isinstance(event, dict):
            raise InvalidSignature("MobilePay notification body is not a JSON object")
        reference = _text(event.get("reference"))
        name = _text(event.get("name"))
        if not reference or not REFERENCE_RULE.match(reference) or not name:
            raise InvalidSignature("MobilePay notification without a reference or name")
        if self.msn and str(event.get("msn") or "") != self.msn:
            raise InvalidSignature("MobilePay notification for another sales unit")
        psp = _text(event.get("pspReference")) or ""
        event_id = f"{reference}:{name}:{psp or _text(event.get('idempotencyKey')) or ''}"
        return event, reference, name, event_id[:255]

    def verified_event_id(self, payload: bytes, headers: Mapping[str, str]) -> str:
        """The id :meth:`verify_event` gives this notification, once it checks out, without
        asking the API anything (``services.gateways.EarlyEventId``): the receiver answers a
        redelivery before reading or capturing the payment again."""
        return self._verified(payload, headers)[3]

    def verify_event(self, payload: bytes, headers: Mapping[str, str]) -> ProviderEvent:
        """The event in a webhook body, once its signature checks out. A payment event's
        confirmation is what the API says about the payment now (so an approval is captured
        through :meth:`fetch`, and an event delivered late or twice changes nothing)."""
        event, reference, name, event_id = self._verified(payload, headers)
        created = _timestamp(event.get("timestamp"))
        etype = f"epayments.payment.{name.lower()}.v1"
        if name == "REFUNDED":
            return ProviderEvent(
                gateway=NAME,
                event_id=event_id,
                type=etype,
                created=created,
                livemode=self.livemode,
                refunds=(self._refund_notice(reference, event),),
                payment_ref=reference,
            )
        confirmation = self.fetch(reference)
        return ProviderEvent(
            gateway=NAME,
            event_id=event_id,
            type=etype,
            created=created,
            livemode=self.livemode,
            confirmation=confirmation,
            school_slug=confirmation.school_slug,
        )

    def events_after(
        self, last_event_id: str | None, created_gte: int | None
    ) -> Iterator[ProviderEvent]:
        """No account-wide event list (``capabilities.events`` is false)."""
        return iter(())


def _path(reference: str) -> str:
    if not REFERENCE_RULE.match(reference):
        raise ProviderRefused(f"{reference!r} is not a MobilePay reference")
    return reference


def _timestamp(value: Any) -> int:
    text = _text(value)
    if text is None:
        return 0
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return 0
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp())


def create(config: GatewayConfig) -> MobilePayGateway:
    """Build the gateway from its keyring secrets and its ``[mobilepay]`` options (see
    :data:`jdoffice.gateways.mobilepay_info.GATEWAY`)."""
    client_id = str(config.option("client_id") or "")
    msn = str(config.option("merchant_serial_number") or "")
    if not client_id or not msn:
        raise ProviderRefused(
            "MobilePay needs the sales unit's client_id and merchant serial number: "
            "[mobilepay] client_id / merchant_serial_number in the config file, or "
            "JDOFFICE_MOBILEPAY_CLIENT_ID / JDOFFICE_MOBILEPAY_MSN"
        )
    return MobilePayGateway(
        client_id=client_id,
        client_secret=config.secret(CLIENT_SECRET),
        subscription_key=config.secret(SUBSCRIPTION_KEY),
        merchant_serial_number=msn,
        webhook_secret=config.secret(WEBHOOK_SECRET),
        api_base=str(config.option("api_base") or PRODUCTION_API_BASE),
        timeout_seconds=float(config.option("timeout_seconds") or 15.0),
    )
