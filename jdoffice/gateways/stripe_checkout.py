"""Stripe: one Checkout Session per attempt, shown as a QR code at the desk.

Facts this module relies on (stripe-python 16):

* ``StripeClient`` needs ``HTTPXClient(allow_sync_methods=True)`` for sync calls and
  ``max_network_retries`` to retry at all; ``base_addresses={"api": …}`` points it elsewhere
  (``JDOFFICE_STRIPE_API_BASE``, e.g. a local stand-in in tests).
* A Checkout Session expires 30 min – 24 h ahead; Payment Links cannot expire by time, so they
  are wrong for one invoice. ``sessions.expire`` cancels an open session.
* ``checkout.session.completed`` with ``payment_status != "paid"`` is not a payment yet
  (asynchronous methods settle later: ``async_payment_succeeded`` / ``_failed``).
* ``charge.refunded`` carries the cumulative ``amount_refunded`` and the charge's refunds.
* Webhook signatures are HMAC-SHA256 over ``"{t}.{raw body}"``, checked with a 300 s tolerance.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any, cast

import stripe

from jdoffice.domain.model import UTC
from jdoffice.gateways import stripe_payouts
from jdoffice.gateways.stripe_info import (
    CAPABILITIES,
    NAME,
    SECRET_KEY,
    SIGNATURE_HEADER,
    WEBHOOK_SECRET,
)
from jdoffice.services.gateways import (
    Checkout,
    CheckoutRequest,
    CheckoutStatus,
    Confirmation,
    GatewayConfig,
    InvalidSignature,
    ProviderError,
    ProviderEvent,
    ProviderRefused,
    RefundNotice,
    RefundState,
)
from jdoffice.services.payout_contract import ProviderPayout, SettlementItem, UnreadablePayout

SIGNATURE_TOLERANCE_S = 300
#: Deepest nesting of objects and arrays a webhook body may have (Stripe's events stay far
#: below; a deeper body is refused before the event in it is read).
MAX_JSON_DEPTH = 64
PAYMENT_METHOD_TYPES = ("card", "mobilepay")

#: Event types jdoffice acts on; every other type is acknowledged and ignored.
HANDLED_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
        "checkout.session.expired",
        "charge.refunded",
        "refund.created",
        "refund.updated",
        "refund.failed",
    }
)


def _plain(obj: Any) -> dict[str, Any]:
    """A StripeObject (or dict) as plain JSON-able dicts; StripeObject has no ``.get()``."""
    if isinstance(obj, stripe.StripeObject):
        return obj.to_dict(recursive=True)
    if isinstance(obj, dict):
        return obj
    raise TypeError(f"unexpected Stripe payload {type(obj).__name__}")


def _ref(value: Any) -> str | None:
    """An expandable field: an id string, an expanded object with an id, or nothing."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        v = value.get("id")
        return str(v) if v else None
    return None


def _mapping(value: Any) -> Mapping[str, Any]:
    """A nested object, or nothing when a body carries something else in its place."""
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    """A string field, or nothing when a body carries something else in its place."""
    return value if isinstance(value, str) and value else None


def _minor(value: Any) -> int:
    """An amount in minor units as Stripe sends it: a JSON integer. Anything else (a string,
    a fraction, ``true``) becomes 0, which the services refuse and flag; never rounded."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def session_confirmation(session: Mapping[str, Any]) -> Confirmation:
    """What a Checkout Session says, as a confirmation to be checked."""
    status = session.get("status")
    payment_status = session.get("payment_status")
    if payment_status in ("paid", "no_payment_required") and status == "complete":
        state = CheckoutStatus.PAID
    elif status == "expired":
        state = CheckoutStatus.EXPIRED
    elif status == "complete":
        state = CheckoutStatus.PROCESSING  # completed, asynchronous payment still settling
    else:
        state = CheckoutStatus.OPEN
    meta = _mapping(session.get("metadata"))
    amount = session.get("amount_total")
    currency = _text(session.get("currency"))
    return Confirmation(
        gateway=NAME,
        provider_ref=str(session.get("id") or ""),
        status=state,
        amount_minor=_minor(amount) if amount is not None else None,
        currency=currency.upper() if currency else None,
        livemode=bool(session.get("livemode")),
        payment_ref=_ref(session.get("payment_intent")),
        attempt_id=_text(session.get("client_reference_id")) or _text(meta.get("attempt_id")),
        school_slug=_text(meta.get("school")),
        invoice_no=_text(meta.get("invoice_no")),
        student_no=_text(meta.get("student_no")),
        raw=dict(session),
    )


def _refund_state(status: str | None) -> RefundState:
    if status == "succeeded":
        return RefundState.SUCCEEDED
    if status in ("failed", "canceled"):
        return RefundState.FAILED
    return RefundState.PENDING


def refund_notice(refund: Mapping[str, Any], payment_ref: str | None = None) -> RefundNotice:
    meta = _mapping(refund.get("metadata"))
    return RefundNotice(
        gateway=NAME,
        refund_ref=_text(refund.get("id")) or "",
        payment_ref=payment_ref or _ref(refund.get("payment_intent")) or "",
        amount_minor=_minor(refund.get("amount")),
        currency=(_text(refund.get("currency")) or "").upper(),
        state=_refund_state(_text(refund.get("status"))),
        our_refund_id=_text(meta.get("refund_id")),
        reason=_text(meta.get("reason")) or _text(refund.get("reason")) or "",
    )


def parse_event(event: Mapping[str, Any]) -> ProviderEvent:
    """Turn an event object (webhook body or ``GET /v1/events`` entry) into a ProviderEvent."""
    try:
        event_id = str(event["id"])
        etype = str(event["type"])
        obj = event["data"]["object"]
    except (KeyError, TypeError) as exc:
        raise InvalidSignature(f"malformed Stripe event: missing {exc}") from None
    if not isinstance(obj, dict):
        raise InvalidSignature("malformed Stripe event: data.object is not an object")
    confirmation = None
    refunds: tuple[RefundNotice, ...] = ()
    school = None
    payment_ref: str | None = None
    if etype.startswith("checkout.session."):
        confirmation = session_confirmation(obj)
        if etype == "checkout.session.async_payment_failed":
            confirmation = _with_status(confirmation, CheckoutStatus.FAILED)
        elif etype == "checkout.session.async_payment_succeeded":
            confirmation = _with_status(confirmation, CheckoutStatus.PAID)
        school = confirmation.school_slug
    elif etype == "charge.refunded":
        # Since API 2022-11-15 a charge carries its refunds only when expanded; without them
        # the service asks for the payment's refunds (``refunds_for``).
        payment_ref = _ref(obj.get("payment_intent"))
        listed = _mapping(obj.get("refunds")).get("data")
        refunds = tuple(
            refund_notice(r, payment_ref)
            for r in (listed if isinstance(listed, list) else [])
            if isinstance(r, dict)
        )
        school = _text(_mapping(obj.get("metadata")).get("school"))
    elif etype.startswith("refund."):
        refunds = (refund_notice(obj),)
        payment_ref = refunds[0].payment_ref or None
        school = _text(_mapping(obj.get("metadata")).get("school"))
    return ProviderEvent(
        gateway=NAME,
        event_id=event_id,
        type=etype,
        created=_minor(event.get("created")),
        livemode=bool(event.get("livemode")),
        confirmation=confirmation,
        refunds=refunds,
        school_slug=school,
        payment_ref=payment_ref,
    )


def _with_status(c: Confirmation, status: CheckoutStatus) -> Confirmation:
    from dataclasses import replace

    return replace(c, status=status)


class StripeGateway:
    """Stripe Checkout behind the gateway contract."""

    name = NAME
    capabilities = CAPABILITIES

    def __init__(
        self,
        secret_key: str,
        *,
        webhook_secret: str = "",
        api_base: str | None = None,
        timeout_seconds: float = 15.0,
        max_network_retries: int = 2,
    ) -> None:
        if not secret_key:
            raise ProviderRefused(
                "no Stripe secret key for this school: `jdoffice keys set stripe-secret-key` "
                "or JDOFFICE_STRIPE_SECRET_KEY"
            )
        kwargs: dict[str, Any] = {}
        if api_base:
            kwargs["base_addresses"] = {"api": api_base}
        self._http = stripe.HTTPXClient(allow_sync_methods=True, timeout=timeout_seconds)
        self._client = stripe.StripeClient(
            secret_key,
            http_client=self._http,
            max_network_retries=max_network_retries,
            **kwargs,
        )
        self._webhook_secret = webhook_secret

    def close(self) -> None:
        """Close the pooled HTTP connections; the gateway is not used afterwards."""
        close: Callable[[], None] = self._http.close
        close()

    # -- starting and cancelling -------------------------------------------------------------

    def checkout_params(self, request: CheckoutRequest) -> dict[str, Any]:
        meta = {
            "attempt_id": request.attempt_id,
            "school": request.school_slug,
            "invoice_no": request.invoice_no,
            "student_no": request.student_no,
        }
        params: dict[str, Any] = {
            "mode": "payment",
            "client_reference_id": request.attempt_id,
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": request.currency.lower(),
                        "unit_amount": request.amount_minor,
                        "product_data": {
                            "name": f"{request.school_name}: faktura {request.invoice_no}",
                            "description": request.invoice_text[:250] or request.invoice_no,
                        },
                    },
                }
            ],
            # API 2026-09-30 replaced payment_method_types with this filter; methods that do
            # not fit the currency are dropped instead of failing the session.
            "allowed_payment_method_types": list(PAYMENT_METHOD_TYPES),
            "expires_at": int(request.expires_at.timestamp()),
            "locale": request.locale,
            "success_url": request.success_url,
            "metadata": meta,
            "payment_intent_data": {
                "metadata": meta,
                "description": f"{request.school_name} – {request.invoice_no} – {request.student_name}",
            },
        }
        if request.student_email:
            params["customer_email"] = request.student_email
        return params

    def start(self, params: Mapping[str, Any], idempotency_key: str) -> Checkout:
        session = _plain(
            self._call(
                lambda: self._client.v1.checkout.sessions.create(
                    params=cast(Any, dict(params)), options={"idempotency_key": idempotency_key}
                )
            )
        )
        url = session.get("url")
        if not url:
            raise ProviderRefused("Stripe returned a session without a URL")
        return Checkout(
            provider_ref=str(session["id"]),
            url=str(url),
            expires_at=dt.datetime.fromtimestamp(int(session["expires_at"]), UTC),
            status=session_confirmation(session).status,
        )

    def fetch(self, provider_ref: str) -> Confirmation:
        session = self._call(lambda: self._client.v1.checkout.sessions.retrieve(provider_ref))
        return session_confirmation(_plain(session))

    def cancel(self, provider_ref: str) -> Confirmation:
        try:
            session = self._call(lambda: self._client.v1.checkout.sessions.expire(provider_ref))
        except ProviderRefused:
            # Only an open session can be expired; say what it is now instead.
            return self.fetch(provider_ref)
        return session_confirmation(_plain(session))

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
        params: dict[str, Any] = {
            "payment_intent": payment_ref,
            "amount": amount_minor,
            "metadata": {**metadata, "reason": reason[:450]},
        }
        refund = self._call(
            lambda: self._client.v1.refunds.create(
                params=cast(Any, params), options={"idempotency_key": idempotency_key}
            )
        )
        return refund_notice(_plain(refund), payment_ref)

    def refunds_for(self, payment_ref: str) -> list[RefundNotice]:
        page = _plain(
            self._call(
                lambda: self._client.v1.refunds.list(
                    params={"payment_intent": payment_ref, "limit": 100}
                )
            )
        )
        return [refund_notice(r, payment_ref) for r in page.get("data", []) if isinstance(r, dict)]

    def fetch_refund(self, refund_ref: str) -> RefundNotice:
        refund = self._call(lambda: self._client.v1.refunds.retrieve(refund_ref))
        return refund_notice(_plain(refund))

    # -- notifications ---------------------------------------------------------------------------

    def verify_event(self, payload: bytes, headers: Mapping[str, str]) -> ProviderEvent:
        """The event in a webhook body, once its signature checks out.

        The signature's timestamp must lie within :data:`SIGNATURE_TOLERANCE_S` of now in
        either direction (stripe-python only refuses old ones); the body must be a JSON object
        nested at most :data:`MAX_JSON_DEPTH` deep.

        Raises:
            InvalidSignature: the signature, its timestamp or the body does not check out.
        """
        if not self._webhook_secret:
            raise InvalidSignature("no webhook secret is configured for this school")
        signature_header = headers.get(SIGNATURE_HEADER, "")
        self._check_timestamp(signature_header)
        try:
            stripe.WebhookSignature.verify_header(
                payload.decode("utf-8"),
                signature_header,
                self._webhook_secret,
                tolerance=SIGNATURE_TOLERANCE_S,
            )
        except stripe.SignatureVerificationError as exc:
            raise InvalidSignature(f"bad Stripe signature: {exc.user_message or exc}") from None
        except UnicodeDecodeError:
            raise InvalidSignature("webhook body is not UTF-8") from None
        try:
            event = json.loads(payload)
        except RecursionError:
            raise InvalidSignature("webhook body is nested too deeply") from None
        except ValueError:
            raise InvalidSignature("webhook body is not JSON") from None
        if not isinstance(event, dict):
            raise InvalidSignature("webhook body is not a JSON object")
        if self._nested_deeper_than(event, MAX_JSON_DEPTH):
            raise InvalidSignature("webhook body is nested too deeply")
        return parse_event(event)

    @staticmethod
    def _check_timestamp(signature_header: str) -> None:
        """Refuse a header without exactly one ``t=`` or whose time is too far from now."""
        stamps = [
            value
            for key, sep, value in (item.partition("=") for item in signature_header.split(","))
            if sep and key.strip() == "t"
        ]
        if len(stamps) != 1 or not (stamps[0].isascii() and stamps[0].strip().isdigit()):
            raise InvalidSignature("bad Stripe signature: no single timestamp in the header")
        signed_at = int(stamps[0])
        now = dt.datetime.now(UTC).timestamp()
        if abs(now - signed_at) > SIGNATURE_TOLERANCE_S:
            raise InvalidSignature(
                "bad Stripe signature: timestamp more than "
                f"{SIGNATURE_TOLERANCE_S} s from now (clock skew or a replay)"
            )

    @staticmethod
    def _nested_deeper_than(value: Any, limit: int) -> bool:
        """Whether ``value`` (a parsed JSON object or array) holds objects or arrays more
        than ``limit`` levels deep. Recurses at most ``limit`` calls deep."""
        if limit <= 0:
            return True
        children = value.values() if type(value) is dict else value
        for child in children:
            kind = type(child)
            if (kind is dict or kind is list) and StripeGateway._nested_deeper_than(
                child, limit - 1
            ):
                return True
        return False

    def events_after(
        self, last_event_id: str | None, created_gte: int | None
    ) -> Iterator[ProviderEvent]:
        """Every event newer than ``last_event_id``, oldest first.

        Stripe lists newest first; ``ending_before`` pages towards newer events, so the walk
        starts at the cursor and pages forward until ``has_more`` is false.
        """
        params: dict[str, Any] = {"limit": 100, "types": sorted(HANDLED_EVENTS)}
        if last_event_id:
            params["ending_before"] = last_event_id
        elif created_gte is not None:
            params["created"] = {"gte": created_gte}
        pages = 0
        while True:
            page = _plain(
                self._call(lambda: self._client.v1.events.list(params=cast(Any, dict(params))))
            )
            data = [e for e in page.get("data", []) if isinstance(e, dict)]
            if last_event_id or "ending_before" in params:
                # Pages going forward in time: each page is newest-first, read it backwards.
                for e in reversed(data):
                    yield parse_event(e)
                if not page.get("has_more") or not data:
                    return
                params["ending_before"] = data[0]["id"]
                params.pop("created", None)
            else:
                # First sync: page backwards from now, then deliver oldest first.
                collected = list(data)
                while page.get("has_more") and data and pages < 1000:
                    pages += 1
                    params["starting_after"] = data[-1]["id"]
                    page = _plain(
                        self._call(
                            lambda: self._client.v1.events.list(params=cast(Any, dict(params)))
                        )
                    )
                    data = [e for e in page.get("data", []) if isinstance(e, dict)]
                    collected.extend(data)
                for e in reversed(collected):
                    yield parse_event(e)
                return
            pages += 1
            if pages > 1000:
                return

    # -- payouts (the payout capability) -------------------------------------------------------

    def payouts_since(
        self, created_gte: dt.datetime
    ) -> Iterator[ProviderPayout | UnreadablePayout]:
        """Every payout created at or after ``created_gte`` (all pages; a malformed one as
        an :class:`UnreadablePayout`)."""
        return stripe_payouts.payouts_since(self._client, self._call, created_gte)

    def payout(self, ref: str) -> ProviderPayout:
        return stripe_payouts.payout(self._client, self._call, ref)

    def payout_items(self, payout_ref: str) -> Iterator[SettlementItem]:
        """The payout's balance transactions, sources expanded (all pages)."""
        return stripe_payouts.payout_items(self._client, self._call, payout_ref)

    # -- plumbing ------------------------------------------------------------------------------

    @staticmethod
    def _call(fn: Any) -> Any:
        try:
            return fn()
        except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
            raise ProviderError(f"Stripe is unreachable: {_message(exc)}") from None
        except stripe.APIError as exc:
            raise ProviderError(f"Stripe had a problem: {_message(exc)}") from None
        except stripe.AuthenticationError:
            raise ProviderRefused(
                "Stripe refused the API key (check the key in the keyring)"
            ) from None
        except stripe.PermissionError:
            raise ProviderRefused(
                "the Stripe key may not do this (a restricted key needs Checkout Sessions, "
                "Refunds and Events, and for payouts read access to Payouts and Balance)"
            ) from None
        except stripe.IdempotencyError as exc:
            raise ProviderRefused(f"Stripe idempotency conflict: {_message(exc)}") from None
        except stripe.StripeError as exc:
            raise ProviderRefused(f"Stripe refused: {_message(exc)}") from None


def _message(exc: stripe.StripeError) -> str:
    # Never the raw request: it may echo headers. The user message is safe to show.
    return (exc.user_message or type(exc).__name__)[:300]


def create(config: GatewayConfig) -> StripeGateway:
    """Build the gateway from its keyring secrets and its ``[stripe]`` options (see
    :data:`jdoffice.gateways.stripe_info.GATEWAY`)."""
    return StripeGateway(
        config.secret(SECRET_KEY),
        webhook_secret=config.secret(WEBHOOK_SECRET),
        api_base=config.option("api_base"),
        timeout_seconds=float(config.option("timeout_seconds") or 15.0),
        max_network_retries=int(config.option("max_network_retries") or 0),
    )
