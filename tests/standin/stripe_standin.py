"""A local, stateful stand-in for the parts of the Stripe API that jdoffice uses.

Tests point the real ``stripe.StripeClient`` at it and play the customer, the Stripe
dashboard and the network through plain methods (in process) or through ``/_standin/...``
HTTP endpoints (when it runs as a process of its own)::

    with StripeStandin(secret_key="sk_test_x", webhook_secret="whsec_x") as standin:
        client = stripe.StripeClient(
            "sk_test_x",
            http_client=stripe.HTTPXClient(allow_sync_methods=True, timeout=5),
            max_network_retries=2,
            base_addresses={"api": standin.base_url},
        )
        session = client.v1.checkout.sessions.create(params={...})
        standin.complete_session(session.id)

As a process (the first line of output is the base URL; it serves until terminated)::

    python -m tests.standin.stripe_standin --port 0 --webhook-url URL --webhook-secret S

What it models, as Stripe does it for the API version the client sends (``Stripe-Version``):
Checkout Sessions (create, retrieve, list, line items, expire), PaymentIntents, Charges,
Refunds, Events (list with Stripe's cursor pagination) and signed webhook deliveries; and the
balance: every charge and refund makes a balance transaction (a charge's with Stripe's fee,
``fee_percent`` + ``fee_fixed``, taken from it), :meth:`StripeStandin.make_payout` pays the
account's unpaid transactions out, and ``/v1/payouts`` and ``/v1/balance_transactions``
(``payout=``, ``expand[]=data.source``) list them. Payouts and balance transactions belong to
the API key whose session or refund made them: each key is an account of its own there.
Requests are form-encoded with bracketed keys, unknown parameters are refused, POSTs are
idempotent per (API key, ``Idempotency-Key``) and errors come back as Stripe's
``{"error": {...}}`` objects with Stripe's status codes. From API version 2026-09-30 on
(stripe-python 16 sends 2026-10-28.endive), Checkout Sessions refuse ``payment_method_types``
and take ``allowed_payment_method_types`` instead, as Stripe does; older versions still take
``payment_method_types``. Only the standard library is used.

HTTP test controls (JSON in, JSON out, no API key; :class:`RemoteStandin` wraps them)::

    GET    /_standin/health
    POST   /_standin/sessions/{id}/complete      {async_payment, amount_override, ...}
    POST   /_standin/sessions/{id}/succeed_async | fail_async | expire
    GET    /_standin/sessions[/{id}]
    POST   /_standin/payment_intents/{id}/dashboard_refund   {amount, reason}
    POST   /_standin/refunds/{id}/fail           {failure_reason}
    POST   /_standin/refunds/{id}/settle
    POST   /_standin/down                        {down, mode}
    POST   /_standin/latency                     {seconds}
    POST   /_standin/clock                       {advance}
    POST   /_standin/webhook                     {url, auto_deliver, secret}
    POST   /_standin/events/{id}/deliver         {times, concurrency} -> {statuses}
    POST   /_standin/deliver_all                 {order, seed, types} -> {deliveries}
    POST   /_standin/drain                       {timeout} -> {drained}
    GET    /_standin/events | requests | deliveries;   DELETE /_standin/requests
    POST   /_standin/sign                        {payload, t, secret} -> {header}
    POST   /_standin/payouts                     {api_key, arrival_days, status, reconciliation}
    POST   /_standin/payouts/{id}/status         {status}
    POST   /_standin/balance_transactions        {api_key, type, amount, fee, reporting_category}
    POST   /_standin/charges                     {amount, api_key}   (a charge made elsewhere)
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import copy
import fnmatch
import hashlib
import hmac
import html
import http.client
import json
import queue
import random
import re
import secrets
import signal
import socket
import socketserver
import string
import struct
import subprocess
import sys
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, Final, Literal, cast, get_args

JSON = dict[str, Any]
DownMode = Literal["error500", "reset", "hang", "lost_response"]
"""How the API misbehaves while down.

``error500``: every call answers 500 ``api_error``. ``reset``: the connection is reset before
anything happens. ``hang``: no answer until the client gives up (or the stand-in comes back up).
``lost_response``: the call takes effect, then the connection is reset - the caller cannot know.
"""
DeliveryOrder = Literal["created", "reverse", "shuffle"]

DEFAULT_API_VERSION: Final = "2026-10-28.endive"
DEFAULT_SECRET_KEY: Final = "sk_test_standin"
DEFAULT_WEBHOOK_SECRET: Final = "whsec_standin"
HOST: Final = "127.0.0.1"

_MAX_BODY: Final = 1 << 20
_MAX_LATENCY: Final = 60.0
_SESSION_MIN_LIFETIME: Final = 30 * 60
_SESSION_MAX_LIFETIME: Final = 24 * 60 * 60
# From this API version on, Checkout Sessions take `allowed_payment_method_types` instead of
# `payment_method_types` (Stripe changelog, endive 2026-09-30).
_ALLOWED_PMT_SINCE: Final = "2026-09-30"
_ALNUM: Final = string.ascii_letters + string.digits

_REQUEST_OPTION_NOTE: Final = (
    " (request options such as idempotency_key or stripe_version go in `options`, not in `params`)"
)
_REQUEST_OPTIONS: Final = frozenset(
    {
        "api_key",
        "content_type",
        "headers",
        "idempotency_key",
        "max_network_retries",
        "stripe_account",
        "stripe_context",
        "stripe_version",
    }
)

_SESSION_CREATE_KEYS: Final = frozenset(
    {
        "adaptive_pricing",
        "after_expiration",
        "allow_promotion_codes",
        "automatic_tax",
        "billing_address_collection",
        "branding_settings",
        "cancel_url",
        "client_reference_id",
        "consent_collection",
        "currency",
        "custom_fields",
        "custom_text",
        "customer",
        "customer_account",
        "customer_creation",
        "customer_email",
        "customer_update",
        "discounts",
        "excluded_payment_method_types",
        "expand",
        "expires_at",
        "integration_identifier",
        "invoice_creation",
        "line_items",
        "locale",
        "managed_payments",
        "metadata",
        "mode",
        "name_collection",
        "optional_items",
        "origin_context",
        "payment_intent_data",
        "payment_method_collection",
        "payment_method_configuration",
        "payment_method_data",
        "payment_method_options",
        "permissions",
        "phone_number_collection",
        "redirect_on_completion",
        "return_url",
        "saved_payment_method_options",
        "setup_intent_data",
        "shipping_address_collection",
        "shipping_options",
        "submit_type",
        "subscription_data",
        "success_url",
        "tax_id_collection",
        "ui_mode",
        "wallet_options",
    }
)
_LINE_ITEM_KEYS: Final = frozenset(
    {"adjustable_quantity", "metadata", "price", "price_data", "quantity", "tax_rates"}
)
_PRICE_DATA_KEYS: Final = frozenset(
    {
        "currency",
        "product",
        "product_data",
        "recurring",
        "tax_behavior",
        "unit_amount",
        "unit_amount_decimal",
    }
)
_PRODUCT_DATA_KEYS: Final = frozenset(
    {"description", "images", "metadata", "name", "tax_code", "tax_details", "unit_label"}
)
_PI_DATA_KEYS: Final = frozenset(
    {
        "application_fee_amount",
        "capture_method",
        "description",
        "metadata",
        "on_behalf_of",
        "receipt_email",
        "setup_future_usage",
        "shipping",
        "statement_descriptor",
        "statement_descriptor_suffix",
        "transfer_data",
        "transfer_group",
    }
)
_REFUND_CREATE_KEYS: Final = frozenset(
    {
        "amount",
        "charge",
        "currency",
        "customer",
        "expand",
        "instructions_email",
        "metadata",
        "origin",
        "payment_intent",
        "reason",
        "refund_application_fee",
        "reverse_transfer",
    }
)
_PAGE_KEYS: Final = frozenset({"ending_before", "expand", "limit", "starting_after"})


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_UI_MODES: Final = frozenset(
    {"hosted_page", "embedded_page", "elements", "form", "hosted", "embedded", "custom"}
)
_HOSTED_UI_MODES: Final = frozenset({"hosted_page", "hosted"})
_LOCALES: Final = _words(
    "auto bg cs da de el en en-GB es es-419 et fi fil fr fr-CA hi-IN hr hu id it ja ko lt lv "
    "ms mt nb nl pl pt pt-BR ro ru sk sl sv th tr vi zh zh-HK zh-TW"
)
_CURRENCIES: Final = _words(
    "aed aud bgn brl cad chf czk dkk eur gbp hkd huf idr ils inr isk jpy krw mxn myr nok nzd "
    "php pln ron sek sgd thb try usd zar"
)
_MIN_CHARGE: Final = {
    "dkk": 250,
    "eur": 50,
    "usd": 50,
    "sek": 300,
    "nok": 300,
    "gbp": 30,
    "chf": 50,
    "isk": 100,
}
_MAX_AMOUNT: Final = 99_999_999
_PAYMENT_METHOD_TYPES: Final = _words(
    "acss_debit affirm afterpay_clearpay alipay alma amazon_pay au_becs_debit bacs_debit "
    "bancontact billie bizum blik boleto card cashapp crypto customer_balance eps fpx giropay "
    "grabpay ideal kakao_pay klarna konbini kr_card link mb_way mobilepay multibanco naver_pay "
    "nz_bank_account oxxo p24 pay_by_bank payco paynow paypal paypay payto pix promptpay "
    "revolut_pay samsung_pay satispay scalapay sepa_debit sequra sofort sunbit swish twint upi "
    "us_bank_account wechat_pay zip"
)
_PMT_CURRENCIES: Final = {
    "mobilepay": frozenset({"dkk", "eur", "nok", "sek"}),
    "swish": frozenset({"sek"}),
    "twint": frozenset({"chf"}),
    "sepa_debit": frozenset({"eur"}),
    "ideal": frozenset({"eur"}),
    "bancontact": frozenset({"eur"}),
    "klarna": frozenset({"dkk", "eur", "gbp", "nok", "sek", "usd", "chf"}),
    "us_bank_account": frozenset({"usd"}),
}
_REFUND_REASONS: Final = ("duplicate", "fraudulent", "requested_by_customer")
_EXPANDABLE: Final = {
    "checkout.session": frozenset(
        {"payment_intent", "customer", "invoice", "payment_link", "setup_intent", "subscription"}
    ),
    "payment_intent": frozenset(
        {"latest_charge", "customer", "payment_method", "application", "review", "on_behalf_of"}
    ),
    "charge": frozenset(
        {
            "payment_intent",
            "balance_transaction",
            "customer",
            "application",
            "review",
            "failure_balance_transaction",
        }
    ),
    "refund": frozenset(
        {"charge", "payment_intent", "balance_transaction", "failure_balance_transaction"}
    ),
    "balance_transaction": frozenset({"source"}),
    "payout": frozenset({"balance_transaction", "destination", "failure_balance_transaction"}),
}
_PAYOUT_STATUSES: Final = ("pending", "in_transit", "paid", "failed", "canceled")
_RECONCILIATION: Final = ("completed", "in_progress", "not_applicable")


# --------------------------------------------------------------------------- errors and records


class StandinError(Exception):
    """A test control was used on something that does not allow it (unknown id, wrong state)."""


class StripeApiError(Exception):
    """An API error, answered the way Stripe answers it: a status and an ``error`` object.

    ``replayable`` is False for errors raised before the endpoint started its work (bad
    parameters, conflicts): Stripe saves no idempotent result for those, so a retry with the
    same key runs again.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type_: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        replayable: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type_
        self.code = code
        self.param = param
        self.replayable = replayable

    def with_type(self, type_: str) -> StripeApiError:
        self.type = type_
        return self

    def to_json(self, request_id: str) -> JSON:
        error: JSON = {"message": self.message, "type": self.type}
        if self.code is not None:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        if self.param is not None:
            error["param"] = self.param
        error["request_log_url"] = f"https://dashboard.stripe.com/test/logs/{request_id}"
        return {"error": error}


def _invalid(message: str, param: str | None = None, code: str | None = None) -> StripeApiError:
    return StripeApiError(400, message, param=param, code=code)


def _business(message: str, param: str | None = None, code: str | None = None) -> StripeApiError:
    """An error found by the endpoint's own work: saved for idempotent replay."""
    return StripeApiError(400, message, param=param, code=code, replayable=True)


def _missing(param: str) -> StripeApiError:
    return _invalid(f"Missing required param: {param}.", param, "parameter_missing")


def _unknown(param: str) -> StripeApiError:
    root = param.split("[", 1)[0]
    note = _REQUEST_OPTION_NOTE if root in _REQUEST_OPTIONS else ""
    return _invalid(f"Received unknown parameter: {param}{note}", param, "parameter_unknown")


def _no_such(kind: str, ident: str, param: str, status: int = 404) -> StripeApiError:
    return StripeApiError(
        status, f"No such {kind}: '{ident}'", param=param, code="resource_missing"
    )


@dataclass(frozen=True)
class LoggedRequest:
    """One API call as the stand-in received it (``status`` 0: no answer was sent)."""

    method: str
    path: str
    params: JSON
    idempotency_key: str | None
    api_key: str | None
    stripe_version: str | None
    status: int
    request_id: str
    replayed: bool = False


@dataclass(frozen=True)
class Delivery:
    """One webhook delivery attempt (``status`` 0: no HTTP answer)."""

    event_id: str
    event_type: str
    status: int
    signature: str
    automatic: bool
    at: float


@dataclass(frozen=True)
class _Reply:
    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    action: Literal["send", "reset", "close"] = "send"
    replayable: bool = True


@dataclass
class _IdempotencyRecord:
    endpoint: str
    params: JSON
    request_id: str
    reply: _Reply | None = None


@dataclass(frozen=True)
class _Ctx:
    request_id: str
    api_key: str
    idempotency_key: str | None
    api_version: str

    @property
    def request_info(self) -> JSON:
        return {"id": self.request_id, "idempotency_key": self.idempotency_key}


@dataclass
class _SessionPrivate:
    line_items: list[JSON]
    pi_metadata: dict[str, str]
    pi_description: str | None
    capture_method: str
    success_url: str | None


_ApiHandler = Callable[[_Ctx, JSON, tuple[str, ...]], JSON]


# --------------------------------------------------------------------------- small helpers


def _new_id(prefix: str, length: int = 24) -> str:
    return prefix + "".join(secrets.choice(_ALNUM) for _ in range(length))


def sign_payload(payload: bytes | str, secret: str, t: int | None = None) -> str:
    """A ``Stripe-Signature`` header value for ``payload``: ``t=<unix time>,v1=<hex HMAC>``."""
    body = payload.decode("utf-8") if isinstance(payload, bytes) else payload
    timestamp = int(time.time()) if t is None else t
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp}.{body}".encode(), hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={digest}"


def _json_bytes(value: object) -> bytes:
    return json.dumps(value, indent=2, ensure_ascii=False).encode("utf-8")


def _money(amount: int, currency: str) -> str:
    whole, minor = divmod(amount, 100)
    return f"{whole}.{minor:02d} {currency}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Stripe does not follow redirects when it delivers webhooks; neither do we."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        return None


_OPENER: Final = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


# --------------------------------------------------------------------------- parameter parsing

_KEY_RE: Final = re.compile(r"([^\[\]]+)((?:\[[^\[\]]*\])*)")
_PART_RE: Final = re.compile(r"\[([^\[\]]*)\]")


def _bracket(parts: Sequence[str]) -> str:
    return parts[0] + "".join(f"[{part}]" for part in parts[1:])


def parse_params(encoded: str) -> JSON:
    """Decode Stripe's form encoding (``a[b][0][c]=v``, ``expand[]=x``) into nested values.

    Hashes whose keys are all indexes become lists (except under ``metadata``); every leaf
    stays a string, as on the wire.
    """
    root: JSON = {}
    try:
        pairs = urllib.parse.parse_qsl(
            encoded, keep_blank_values=True, strict_parsing=False, max_num_fields=5000
        )
    except ValueError as exc:
        raise _invalid(f"Invalid request body: {exc}") from exc
    for raw_key, value in pairs:
        match = _KEY_RE.fullmatch(raw_key)
        if match is None:
            raise _invalid(f"Invalid parameter name: {raw_key}", raw_key)
        parts = [match.group(1), *_PART_RE.findall(match.group(2))]
        node = root
        for depth, part in enumerate(parts[:-1]):
            key = part if part != "" else str(len(node))
            child = node.get(key)
            if child is None:
                child = {}
                node[key] = child
            elif not isinstance(child, dict):
                raise _invalid(f"Invalid hash: {_bracket(parts[: depth + 1])}", raw_key)
            node = child
        last = parts[-1] if parts[-1] != "" else str(len(node))
        if isinstance(node.get(last), dict):
            raise _invalid(f"Invalid string: {raw_key} is also given as a hash", raw_key)
        node[last] = value
    return cast(JSON, _arrays(root, None))


def _arrays(value: Any, key: str | None) -> Any:
    if not isinstance(value, dict):
        return value
    converted = {k: _arrays(v, k) for k, v in value.items()}
    if key != "metadata" and converted and all(k.isdigit() for k in converted):
        return [converted[k] for k in sorted(converted, key=int)]
    return converted


def _check_keys(params: Mapping[str, Any], allowed: Iterable[str], prefix: str = "") -> None:
    allowed_set = frozenset(allowed)
    for key in params:
        if key not in allowed_set:
            raise _unknown(f"{prefix}[{key}]" if prefix else key)


def _as_str(value: Any, param: str, *, max_length: int = 5000, empty: bool = False) -> str:
    if not isinstance(value, str):
        raise _invalid(f"Invalid string: {value!r}", param)
    if not empty and value == "":
        raise _invalid(
            f"You passed an empty string for '{param}'. We assume empty values are an attempt "
            "to unset a parameter; however '{param}' cannot be unset. You should remove "
            f"'{param}' from your request or supply a non-empty value.",
            param,
            "parameter_invalid_empty",
        )
    if len(value) > max_length:
        raise _invalid(
            f"Invalid {param}: must be at most {max_length} characters", param, "string_too_long"
        )
    return value


def _as_int(
    value: Any, param: str, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    if not isinstance(value, str) or re.fullmatch(r"-?\d{1,18}", value) is None:
        raise _invalid(f"Invalid integer: {value}", param, "parameter_invalid_integer")
    number = int(value)
    if minimum is not None and number < minimum:
        raise _invalid(
            f"This value must be greater than or equal to {minimum} (it currently is '{number}').",
            param,
        )
    if maximum is not None and number > maximum:
        raise _invalid(
            f"This value must be less than or equal to {maximum} (it currently is '{number}').",
            param,
        )
    return number


def _as_bool(value: Any, param: str) -> bool:
    if value in ("true", "false"):
        return bool(value == "true")
    raise _invalid(f"Invalid boolean: {value}", param)


def _as_list(value: Any, param: str) -> list[Any]:
    if isinstance(value, list):
        return value
    raise _invalid(f"Invalid array: {param} must be an array", param)


def _as_hash(value: Any, param: str) -> JSON:
    if isinstance(value, dict):
        return value
    raise _invalid(f"Invalid object: {param} must be an object", param)


def _metadata(value: Any, param: str = "metadata") -> dict[str, str]:
    if value == "":
        return {}
    raw = _as_hash(value, param)
    if len(raw) > 50:
        raise _invalid(
            f"Metadata can have up to 50 keys, but you passed in {len(raw)} keys.", param
        )
    result: dict[str, str] = {}
    for key, item in raw.items():
        name = f"{param}[{key}]"
        if len(key) > 40:
            raise _invalid(
                f"Metadata keys can have up to 40 characters, but you passed in a key with "
                f"{len(key)} characters.",
                name,
            )
        text = _as_str(item, name, max_length=500, empty=True)
        if text != "":
            result[key] = text
    return result


def _expand_paths(params: Mapping[str, Any]) -> list[str]:
    if "expand" not in params:
        return []
    return [
        _as_str(item, f"expand[{index}]")
        for index, item in enumerate(_as_list(params["expand"], "expand"))
    ]


def _url(value: Any, param: str) -> str:
    text = _as_str(value, param, max_length=5000)
    split = urllib.parse.urlsplit(text)
    if split.scheme not in ("http", "https") or not split.netloc:
        raise _invalid("Not a valid URL", param, "url_invalid")
    return text


def _currency(value: Any, param: str) -> str:
    if value is None:
        raise _missing(param)
    text = _as_str(value, param).lower()
    if text not in _CURRENCIES:
        raise _invalid(
            f"Invalid currency: {text}. Stripe currently supports these currencies: "
            + ", ".join(sorted(_CURRENCIES)),
            param,
        )
    return text


def _created_filter(value: Any, param: str = "created") -> Callable[[int], bool]:
    if isinstance(value, str):
        exact = _as_int(value, param)
        return lambda created: created == exact
    bounds = _as_hash(value, param)
    _check_keys(bounds, ("gt", "gte", "lt", "lte"), param)
    limits = {key: _as_int(item, f"{param}[{key}]") for key, item in bounds.items()}

    def keep(created: int) -> bool:
        return (
            ("gt" not in limits or created > limits["gt"])
            and ("gte" not in limits or created >= limits["gte"])
            and ("lt" not in limits or created < limits["lt"])
            and ("lte" not in limits or created <= limits["lte"])
        )

    return keep


def _version_date(api_version: str) -> str:
    return api_version[:10]


# --------------------------------------------------------------------------- the stand-in


class StripeStandin:
    """A Stripe API stand-in on ``127.0.0.1`` (a random free port unless ``port`` is given).

    Use it as a context manager, or call :meth:`start` and :meth:`stop`. All state sits behind
    one lock, so test code and the server threads may use it at the same time.
    """

    def __init__(
        self,
        *,
        secret_key: str = DEFAULT_SECRET_KEY,
        webhook_secret: str = DEFAULT_WEBHOOK_SECRET,
        webhook_url: str | None = None,
        auto_deliver: bool = False,
        extra_api_keys: Iterable[str] = (),
        port: int = 0,
        api_version: str = DEFAULT_API_VERSION,
        dashboard_payment_methods: Sequence[str] = ("card", "mobilepay"),
        extra_events: bool = False,
        refunds_pending: bool = False,
        charge_refunds_in_events: bool = True,
        delivery_timeout: float = 5.0,
        max_hang: float = 30.0,
        fee_percent: str = "1.5",
        fee_fixed: int = 180,
        page_size_cap: int | None = None,
    ) -> None:
        self.secret_key = secret_key
        self.api_keys: frozenset[str] = frozenset({secret_key, *extra_api_keys})
        self.webhook_secret = webhook_secret
        self.webhook_url = webhook_url
        self.auto_deliver = auto_deliver
        self.api_version = api_version
        self.dashboard_payment_methods = tuple(dashboard_payment_methods)
        self.extra_events = extra_events
        self.refunds_pending = refunds_pending
        # Stripe leaves `refunds` off Charge objects unless expanded (API 2022-11-15 on), also
        # in `charge.refunded` payloads; False gives that, True adds the charge's refund list.
        self.charge_refunds_in_events = charge_refunds_in_events
        self.delivery_timeout = delivery_timeout
        self.max_hang = max_hang
        # Stripe's fee on a charge (Denmark, EEA cards: 1.5 % + 1.80 kr.), rounded half up.
        self.fee_percent = Decimal(fee_percent)
        self.fee_fixed = fee_fixed
        # Fewer objects a page than the client asks for (Stripe's own cap is 100): makes a
        # test walk several pages with few objects.
        self.page_size_cap = page_size_cap
        self.internal_errors: list[str] = []
        self._requested_port = port
        self._lock = threading.RLock()
        self._server: _Server | None = None
        self._serve_thread: threading.Thread | None = None
        self._worker: threading.Thread | None = None
        self._stopping = threading.Event()
        self._up_again = threading.Event()
        self._clock_offset = 0.0
        self._down: DownMode | None = None
        self._latency = 0.0
        self._sessions: dict[str, JSON] = {}
        self._session_private: dict[str, _SessionPrivate] = {}
        self._intents: dict[str, JSON] = {}
        self._charges: dict[str, JSON] = {}
        self._charge_refunds: dict[str, list[str]] = {}
        self._refunds: dict[str, JSON] = {}
        self._events: list[JSON] = []
        self._event_index: dict[str, JSON] = {}
        # The balance: transactions and payouts, each of the account (API key) that made it.
        self._balance: dict[str, JSON] = {}
        self._txn_account: dict[str, str] = {}
        self._txn_payout: dict[str, str] = {}
        self._payouts: dict[str, JSON] = {}
        self._payout_account: dict[str, str] = {}
        self._object_account: dict[str, str] = {}
        # Requests made to fail with a 500 (path, parameters they must carry, how many left).
        self._failing: list[tuple[str, dict[str, str], list[int]]] = []
        self._idempotency: dict[tuple[str, str], _IdempotencyRecord] = {}
        self._requests: list[LoggedRequest] = []
        self._deliveries: list[Delivery] = []
        self._outbox: queue.Queue[str] = queue.Queue()
        self._outbox_done = threading.Condition()
        self._outbox_pending = 0
        self._routes: list[tuple[str, re.Pattern[str], _ApiHandler]] = [
            ("POST", re.compile(r"/v1/checkout/sessions"), self._api_create_session),
            ("GET", re.compile(r"/v1/checkout/sessions"), self._api_list_sessions),
            ("GET", re.compile(r"/v1/checkout/sessions/([^/]+)"), self._api_get_session),
            ("POST", re.compile(r"/v1/checkout/sessions/([^/]+)/expire"), self._api_expire),
            ("GET", re.compile(r"/v1/checkout/sessions/([^/]+)/line_items"), self._api_items),
            ("GET", re.compile(r"/v1/payment_intents"), self._api_list_intents),
            ("GET", re.compile(r"/v1/payment_intents/([^/]+)"), self._api_get_intent),
            ("GET", re.compile(r"/v1/charges"), self._api_list_charges),
            ("GET", re.compile(r"/v1/charges/([^/]+)"), self._api_get_charge),
            ("GET", re.compile(r"/v1/charges/([^/]+)/refunds"), self._api_charge_refunds),
            ("POST", re.compile(r"/v1/refunds"), self._api_create_refund),
            ("GET", re.compile(r"/v1/refunds"), self._api_list_refunds),
            ("GET", re.compile(r"/v1/refunds/([^/]+)"), self._api_get_refund),
            ("GET", re.compile(r"/v1/events"), self._api_list_events),
            ("GET", re.compile(r"/v1/events/([^/]+)"), self._api_get_event),
            ("GET", re.compile(r"/v1/payouts"), self._api_list_payouts),
            ("GET", re.compile(r"/v1/payouts/([^/]+)"), self._api_get_payout),
            ("GET", re.compile(r"/v1/balance_transactions"), self._api_list_balance),
            ("GET", re.compile(r"/v1/balance_transactions/([^/]+)"), self._api_get_balance),
        ]

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> StripeStandin:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> StripeStandin:
        """Bind the port and serve in background threads (idempotent)."""
        if self._server is not None:
            return self
        if self._stopping.is_set():
            raise StandinError("a stopped stand-in cannot be started again; make a new one")
        self._server = _Server((HOST, self._requested_port), self)
        self._serve_thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name="stripe-standin-http",
            daemon=True,
        )
        self._serve_thread.start()
        self._worker = threading.Thread(
            target=self._delivery_loop, name="stripe-standin-webhooks", daemon=True
        )
        self._worker.start()
        return self

    def stop(self) -> None:
        """Stop serving, drop open connections and end the background threads."""
        server = self._server
        if server is None:
            return
        self._stopping.set()
        self._up_again.set()
        self._outbox.put("")
        server.shutdown()
        server.drop_connections()
        server.server_close()
        if self._serve_thread is not None:
            self._serve_thread.join(timeout=5.0)
        if self._worker is not None:
            self._worker.join(timeout=self.delivery_timeout + 1.0)
        self._server = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise StandinError("the stand-in is not running; call start() or use `with`")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``: give it to the client as ``base_addresses["api"]``."""
        return f"http://{HOST}:{self.port}"

    def now(self) -> int:
        """The stand-in's clock (wall clock plus :meth:`advance_clock` offsets), unix seconds."""
        return int(time.time() + self._clock_offset)

    # ------------------------------------------------------------------ test controls: network

    def set_down(self, down: bool = True, mode: DownMode = "error500") -> None:
        """Make every API call fail (see :data:`DownMode`) until ``set_down(False)``."""
        if mode not in get_args(DownMode):
            raise StandinError(f"unknown down mode {mode!r}; use one of {get_args(DownMode)}")
        with self._lock:
            self._down = mode if down else None
            if down:
                self._up_again.clear()
            else:
                self._up_again.set()

    def fail_requests(self, path: str, count: int, params: Mapping[str, str] | None = None) -> None:
        """Answer the next ``count`` calls to ``path`` (that carry ``params``) with a 500, as
        a Stripe having trouble with one endpoint; the client's retries count as calls."""
        with self._lock:
            self._failing.append((path, dict(params or {}), [count]))

    def _take_failure_locked(self, path: str, params: Mapping[str, Any]) -> bool:
        for wanted_path, wanted, left in self._failing:
            if (
                left[0] > 0
                and path == wanted_path
                and all(params.get(k) == v for k, v in wanted.items())
            ):
                left[0] -= 1
                return True
        return False

    def set_latency(self, seconds: float) -> None:
        """Delay every API call by ``seconds`` (at most 60) before it takes effect."""
        if seconds < 0:
            raise StandinError("latency cannot be negative")
        with self._lock:
            self._latency = min(float(seconds), _MAX_LATENCY)

    def advance_clock(self, seconds: float) -> None:
        """Move the stand-in's clock forward; open sessions past ``expires_at`` then expire."""
        if seconds < 0:
            raise StandinError("the clock only moves forward")
        with self._lock:
            self._clock_offset += seconds
            self._sweep_locked()

    def configure_webhook(
        self,
        url: str | None,
        *,
        auto_deliver: bool | None = None,
        secret: str | None = None,
    ) -> None:
        """Set (or clear) the endpoint that events are delivered to."""
        with self._lock:
            self.webhook_url = url
            if auto_deliver is not None:
                self.auto_deliver = auto_deliver
            if secret is not None:
                self.webhook_secret = secret

    @property
    def requests(self) -> list[LoggedRequest]:
        """Every ``/v1`` call received so far, oldest first (a copy)."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    @property
    def deliveries(self) -> list[Delivery]:
        """Every webhook delivery attempt so far, oldest first (a copy)."""
        with self._lock:
            return list(self._deliveries)

    # ------------------------------------------------------------------ test controls: customer

    def complete_session(
        self,
        session_id: str,
        *,
        async_payment: bool = False,
        amount_override: int | None = None,
        currency_override: str | None = None,
        metadata_override: Mapping[str, str] | None = None,
        payment_method_type: str | None = None,
    ) -> JSON:
        """The customer pays: creates the PaymentIntent and Charge, completes the session.

        With ``async_payment`` the payment is still processing (``payment_status`` stays
        ``unpaid``) until :meth:`succeed_async` or :meth:`fail_async`. The overrides make the
        provider report another amount, currency or metadata than the session was made with.
        """
        with self._lock:
            self._sweep_locked()
            session = self._session_for_control(session_id)
            if session["status"] != "open":
                raise StandinError(f"checkout session {session_id} is {session['status']}")
            private = self._session_private[session_id]
            amount = session["amount_total"] if amount_override is None else amount_override
            currency = (currency_override or session["currency"]).lower()
            pm_type = payment_method_type or session["payment_method_types"][0]
            metadata = (
                dict(metadata_override)
                if metadata_override is not None
                else dict(private.pi_metadata)
            )
            now = self.now()
            intent_id = _new_id("pi_3")
            charge_id = _new_id("ch_3")
            method_id = _new_id("pm_1")
            status = "processing" if async_payment else "succeeded"
            intent: JSON = {
                "id": intent_id,
                "object": "payment_intent",
                "amount": amount,
                "amount_capturable": 0,
                "amount_details": {"tip": {}},
                "amount_received": 0 if async_payment else amount,
                "application": None,
                "application_fee_amount": None,
                "automatic_payment_methods": None,
                "canceled_at": None,
                "cancellation_reason": None,
                "capture_method": private.capture_method,
                "client_secret": f"{intent_id}_secret_{_new_id('', 25)}",
                "confirmation_method": "automatic",
                "created": now,
                "currency": currency,
                "customer": None,
                "description": private.pi_description,
                "last_payment_error": None,
                "latest_charge": charge_id,
                "livemode": False,
                "metadata": metadata,
                "next_action": None,
                "on_behalf_of": None,
                "payment_method": method_id,
                "payment_method_options": {},
                "payment_method_types": [pm_type],
                "processing": None,
                "receipt_email": session["customer_email"],
                "review": None,
                "setup_future_usage": None,
                "shipping": None,
                "source": None,
                "statement_descriptor": None,
                "statement_descriptor_suffix": None,
                "status": status,
                "transfer_data": None,
                "transfer_group": None,
            }
            charge: JSON = {
                "id": charge_id,
                "object": "charge",
                "amount": amount,
                "amount_captured": amount,
                "amount_refunded": 0,
                "application": None,
                "application_fee": None,
                "application_fee_amount": None,
                "balance_transaction": _new_id("txn_3"),
                "billing_details": {
                    "address": None,
                    "email": session["customer_email"],
                    "name": None,
                    "phone": None,
                },
                "calculated_statement_descriptor": "JDOFFICE",
                "captured": True,
                "created": now,
                "currency": currency,
                "customer": None,
                "description": private.pi_description,
                "disputed": False,
                "failure_balance_transaction": None,
                "failure_code": None,
                "failure_message": None,
                "fraud_details": {},
                "livemode": False,
                "metadata": dict(metadata),
                "on_behalf_of": None,
                "outcome": {
                    "network_status": "approved_by_network",
                    "reason": None,
                    "risk_level": "normal",
                    "seller_message": "Payment complete.",
                    "type": "authorized",
                },
                "paid": not async_payment,
                "payment_intent": intent_id,
                "payment_method": method_id,
                "payment_method_details": _payment_method_details(pm_type),
                "receipt_email": session["customer_email"],
                "receipt_number": None,
                "receipt_url": f"{self.base_url}/receipts/{charge_id}",
                "refunded": False,
                "review": None,
                "shipping": None,
                "source_transfer": None,
                "statement_descriptor": None,
                "statement_descriptor_suffix": None,
                "status": "pending" if async_payment else "succeeded",
                "transfer_data": None,
                "transfer_group": None,
            }
            self._intents[intent_id] = intent
            self._charges[charge_id] = charge
            self._charge_refunds[charge_id] = []
            self._object_account[charge_id] = self._object_account.get(session_id, self.secret_key)
            if not async_payment:
                self._charge_txn_locked(charge)
            session.update(
                status="complete",
                payment_status="unpaid" if async_payment else "paid",
                payment_intent=intent_id,
                url=None,
                amount_subtotal=amount,
                amount_total=amount,
                currency=currency,
                customer_details={
                    "address": None,
                    "email": session["customer_email"] or "elev@example.dk",
                    "name": "Test Elev",
                    "phone": None,
                    "tax_exempt": "none",
                    "tax_ids": [],
                },
            )
            if metadata_override is not None:
                session["metadata"] = dict(metadata_override)
            if self.extra_events:
                self._emit_locked("payment_intent.created", intent)
            if async_payment:
                if self.extra_events:
                    self._emit_locked("payment_intent.processing", intent)
                    self._emit_locked("charge.pending", self._charge_view(charge))
            else:
                if self.extra_events:
                    self._emit_locked("charge.succeeded", self._charge_view(charge))
                self._emit_locked("payment_intent.succeeded", intent)
            self._emit_locked("checkout.session.completed", session)
            return copy.deepcopy(session)

    def succeed_async(self, session_id: str) -> JSON:
        """A processing (async) payment succeeds: ``checkout.session.async_payment_succeeded``."""
        with self._lock:
            session, intent, charge = self._processing(session_id)
            intent.update(status="succeeded", amount_received=intent["amount"])
            charge.update(status="succeeded", paid=True)
            self._charge_txn_locked(charge)
            session["payment_status"] = "paid"
            if self.extra_events:
                self._emit_locked("charge.succeeded", self._charge_view(charge))
            self._emit_locked("payment_intent.succeeded", intent)
            self._emit_locked("checkout.session.async_payment_succeeded", session)
            return copy.deepcopy(session)

    def fail_async(self, session_id: str) -> JSON:
        """A processing (async) payment fails: ``checkout.session.async_payment_failed``."""
        with self._lock:
            session, intent, charge = self._processing(session_id)
            error = {
                "code": "payment_intent_payment_attempt_failed",
                "message": "The payment failed.",
                "type": "invalid_request_error",
            }
            intent.update(status="requires_payment_method", last_payment_error=error)
            charge.update(
                status="failed",
                paid=False,
                failure_code="insufficient_funds",
                failure_message="The customer's account has insufficient funds.",
            )
            if self.extra_events:
                self._emit_locked("charge.failed", self._charge_view(charge))
                self._emit_locked("payment_intent.payment_failed", intent)
            self._emit_locked("checkout.session.async_payment_failed", session)
            return copy.deepcopy(session)

    def expire_session(self, session_id: str) -> JSON:
        """The session's time runs out (``checkout.session.expired``, no API request)."""
        with self._lock:
            self._sweep_locked()
            session = self._session_for_control(session_id)
            if session["status"] != "open":
                raise StandinError(f"checkout session {session_id} is {session['status']}")
            self._expire_locked(session, None)
            return copy.deepcopy(session)

    # ------------------------------------------------------------------ test controls: dashboard

    def refund_from_dashboard(
        self,
        payment_intent_id: str,
        amount: int | None = None,
        *,
        reason: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> JSON:
        """Someone refunds in the Stripe dashboard (not through jdoffice's API calls)."""
        with self._lock:
            intent = self._intents.get(payment_intent_id)
            if intent is None:
                raise StandinError(f"no such payment intent: {payment_intent_id}")
            charge = self._charges[intent["latest_charge"]]
            request = {"id": _new_id("req_", 14), "idempotency_key": None}
            try:
                refund = self._create_refund_locked(
                    charge, amount, reason, dict(metadata or {}), request
                )
            except StripeApiError as exc:
                raise StandinError(exc.message) from exc
            return copy.deepcopy(refund)

    def fail_refund(self, refund_id: str, failure_reason: str = "expired_or_canceled_card") -> JSON:
        """A refund fails after the fact: status ``failed``, the charge gets the amount back."""
        with self._lock:
            refund = self._refund_for_control(refund_id)
            if refund["status"] not in ("pending", "succeeded", "requires_action"):
                raise StandinError(f"refund {refund_id} is {refund['status']}")
            previous = {"status": refund["status"], "failure_reason": None}
            refund.update(
                status="failed",
                failure_reason=failure_reason,
                failure_balance_transaction=_new_id("txn_3"),
            )
            charge = self._charges[refund["charge"]]
            self._add_txn_locked(
                self._object_account.get(charge["id"], self.secret_key),
                str(refund["failure_balance_transaction"]),
                type_="refund_failure",
                category="refund_failure",
                amount=int(refund["amount"]),
                fee=0,
                currency=str(charge["currency"]),
                source=refund_id,
                description="REFUND FAILURE",
            )
            charge["amount_refunded"] -= refund["amount"]
            charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
            self._emit_locked("refund.updated", refund, previous=previous)
            self._emit_locked("refund.failed", refund)
            if self.extra_events:
                self._emit_locked("charge.refund.updated", refund, previous=previous)
            return copy.deepcopy(refund)

    def settle_refund(self, refund_id: str) -> JSON:
        """A pending refund (see ``refunds_pending``) succeeds: ``refund.updated``."""
        with self._lock:
            refund = self._refund_for_control(refund_id)
            if refund["status"] != "pending":
                raise StandinError(f"refund {refund_id} is {refund['status']}, not pending")
            refund["status"] = "succeeded"
            self._emit_locked("refund.updated", refund, previous={"status": "pending"})
            if self.extra_events:
                self._emit_locked("charge.refund.updated", refund, previous={"status": "pending"})
            return copy.deepcopy(refund)

    # ------------------------------------------------------------------ test controls: balance

    def _fee(self, amount: int) -> int:
        percent = (Decimal(amount) * self.fee_percent / 100).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        )
        return int(percent) + self.fee_fixed

    def _add_txn_locked(
        self,
        account: str,
        txn_id: str,
        *,
        type_: str,
        category: str,
        amount: int,
        fee: int,
        currency: str,
        source: str | None,
        description: str,
    ) -> JSON:
        now = self.now()
        txn: JSON = {
            "id": txn_id,
            "object": "balance_transaction",
            "amount": amount,
            "available_on": now + 2 * 86400,
            "balance_type": "payments",
            "created": now,
            "currency": currency.lower(),
            "description": description,
            "exchange_rate": None,
            "fee": fee,
            "fee_details": (
                [
                    {
                        "amount": fee,
                        "application": None,
                        "currency": currency.lower(),
                        "description": "Stripe processing fees",
                        "type": "stripe_fee",
                    }
                ]
                if fee
                else []
            ),
            "net": amount - fee,
            "reporting_category": category,
            "source": source,
            "status": "pending",
            "type": type_,
        }
        self._balance[txn_id] = txn
        self._txn_account[txn_id] = account
        return txn

    def _charge_txn_locked(self, charge: JSON) -> None:
        amount = int(charge["amount"])
        self._add_txn_locked(
            self._object_account.get(str(charge["id"]), self.secret_key),
            str(charge["balance_transaction"]),
            type_="charge",
            category="charge",
            amount=amount,
            fee=self._fee(amount),
            currency=str(charge["currency"]),
            source=str(charge["id"]),
            description=str(charge.get("description") or ""),
        )

    def charge_elsewhere(self, amount: int, api_key: str | None = None) -> JSON:
        """A card payment made outside jdoffice (a payment link, another shop): a charge and
        its balance transaction that no attempt of jdoffice knows."""
        if amount <= 0:
            raise StandinError("amount must be positive")
        account = api_key or self.secret_key
        with self._lock:
            now = self.now()
            charge_id, intent_id = _new_id("ch_3"), _new_id("pi_3")
            charge: JSON = {
                "id": charge_id,
                "object": "charge",
                "amount": amount,
                "amount_captured": amount,
                "amount_refunded": 0,
                "balance_transaction": _new_id("txn_3"),
                "created": now,
                "currency": "dkk",
                "description": "Betaling uden for jdoffice",
                "metadata": {},
                "paid": True,
                "payment_intent": intent_id,
                "refunded": False,
                "status": "succeeded",
            }
            self._charges[charge_id] = charge
            self._charge_refunds[charge_id] = []
            self._object_account[charge_id] = account
            self._charge_txn_locked(charge)
            return copy.deepcopy(charge)

    def add_balance_transaction(
        self,
        api_key: str | None = None,
        *,
        type_: str = "adjustment",
        amount: int,
        fee: int = 0,
        category: str | None = None,
        description: str = "",
        source: str | None = None,
    ) -> JSON:
        """Another entry on the balance: an ``adjustment`` (``category="dispute"`` for a
        dispute), a ``stripe_fee``, …"""
        with self._lock:
            txn = self._add_txn_locked(
                api_key or self.secret_key,
                _new_id("txn_3"),
                type_=type_,
                category=category or type_,
                amount=amount,
                fee=fee,
                currency="dkk",
                source=source or (_new_id("du_") if category == "dispute" else None),
                description=description,
            )
            return copy.deepcopy(txn)

    def make_payout(
        self,
        api_key: str | None = None,
        *,
        arrival_days: int = 2,
        status: str = "paid",
        reconciliation: str = "completed",
    ) -> JSON:
        """Pay out every balance transaction of the account not paid out yet, as an automatic
        payout (its own ``payout`` transaction takes the sum of their nets off the balance)."""
        if status not in _PAYOUT_STATUSES or reconciliation not in _RECONCILIATION:
            raise StandinError(f"unknown payout status {status!r} or {reconciliation!r}")
        account = api_key or self.secret_key
        with self._lock:
            waiting = [
                t
                for ident, t in self._balance.items()
                if self._txn_account[ident] == account and ident not in self._txn_payout
            ]
            total = sum(int(t["net"]) for t in waiting)
            if total <= 0:
                raise StandinError(
                    "nothing to pay out: the account's unpaid balance is not positive"
                )
            now = self.now()
            payout_id, txn_id = _new_id("po_1"), _new_id("txn_1")
            arrival = (now // 86400 + arrival_days) * 86400  # midnight UTC, as Stripe gives it
            payout: JSON = {
                "id": payout_id,
                "object": "payout",
                "amount": total,
                "application_fee": None,
                "application_fee_amount": None,
                "arrival_date": arrival,
                "automatic": reconciliation != "not_applicable",
                "balance_transaction": txn_id,
                "created": now,
                "currency": "dkk",
                "description": "STRIPE PAYOUT",
                "destination": "ba_1" + "standinbankaccount00000",
                "failure_balance_transaction": None,
                "failure_code": None,
                "failure_message": None,
                "livemode": False,
                "metadata": {},
                "method": "standard",
                "original_payout": None,
                "reconciliation_status": reconciliation,
                "reversed_by": None,
                "source_type": "card",
                "statement_descriptor": None,
                "status": status,
                "trace_id": {"status": "pending", "value": None},
                "type": "bank_account",
            }
            self._payouts[payout_id] = payout
            self._payout_account[payout_id] = account
            for t in waiting:
                t["status"] = "available"
                self._txn_payout[str(t["id"])] = payout_id
            self._add_txn_locked(
                account,
                txn_id,
                type_="payout",
                category="payout",
                amount=-total,
                fee=0,
                currency="dkk",
                source=payout_id,
                description="STRIPE PAYOUT",
            )
            self._txn_payout[txn_id] = payout_id
            self._emit_locked("payout.created", payout)
            return copy.deepcopy(payout)

    def set_payout_status(self, payout_id: str, status: str) -> JSON:
        """The payout moves on (``in_transit``, ``paid``, ``failed``, ``canceled``); a failed
        one's money comes back to the balance as a ``payout_failure`` transaction."""
        if status not in _PAYOUT_STATUSES:
            raise StandinError(f"unknown payout status {status!r}")
        with self._lock:
            payout = self._payouts.get(payout_id)
            if payout is None:
                raise StandinError(f"no such payout: {payout_id}")
            payout["status"] = status
            if status == "failed" and payout["failure_balance_transaction"] is None:
                txn = self._add_txn_locked(
                    self._payout_account[payout_id],
                    _new_id("txn_1"),
                    type_="payout_failure",
                    category="payout_reversal",
                    amount=int(payout["amount"]),
                    fee=0,
                    currency="dkk",
                    source=payout_id,
                    description="STRIPE PAYOUT FAILURE",
                )
                payout.update(
                    failure_balance_transaction=txn["id"],
                    failure_code="account_closed",
                    failure_message="The bank account has been closed.",
                )
            self._emit_locked(f"payout.{status if status != 'in_transit' else 'updated'}", payout)
            return copy.deepcopy(payout)

    def set_payout_reconciliation(self, payout_id: str, status: str) -> JSON:
        """Stripe has (or has not yet) worked out which transactions the payout settles."""
        if status not in _RECONCILIATION:
            raise StandinError(f"unknown reconciliation status {status!r}")
        with self._lock:
            payout = self._payouts.get(payout_id)
            if payout is None:
                raise StandinError(f"no such payout: {payout_id}")
            payout["reconciliation_status"] = status
            if status == "completed":
                self._emit_locked("payout.reconciliation_completed", payout)
            return copy.deepcopy(payout)

    def payouts(self) -> list[JSON]:
        with self._lock:
            return [copy.deepcopy(p) for p in self._payouts.values()]

    # ------------------------------------------------------------------ inspection

    def events(self, type_: str | None = None) -> list[JSON]:
        """Stored events, oldest first (copies), optionally of one type (``*`` wildcards)."""
        with self._lock:
            return [
                copy.deepcopy(event)
                for event in self._events
                if type_ is None or fnmatch.fnmatchcase(event["type"], type_)
            ]

    def event(self, event_id: str) -> JSON:
        with self._lock:
            return copy.deepcopy(self._lookup(self._event_index, event_id, "event"))

    def sessions(self) -> list[JSON]:
        with self._lock:
            return [copy.deepcopy(session) for session in self._sessions.values()]

    def session(self, session_id: str) -> JSON:
        with self._lock:
            self._sweep_locked()
            return copy.deepcopy(self._session_for_control(session_id))

    def payment_intent(self, payment_intent_id: str) -> JSON:
        with self._lock:
            return copy.deepcopy(self._lookup(self._intents, payment_intent_id, "payment intent"))

    def charge(self, charge_id: str) -> JSON:
        with self._lock:
            charge = self._lookup(self._charges, charge_id, "charge")
            return self._charge_view(charge, with_refunds=True)

    def refund(self, refund_id: str) -> JSON:
        with self._lock:
            return copy.deepcopy(self._refund_for_control(refund_id))

    # ------------------------------------------------------------------ webhooks

    def sign(self, payload: bytes | str, t: int | None = None, secret: str | None = None) -> str:
        """A ``Stripe-Signature`` value for ``payload`` (forge one with another ``secret`` or
        an old ``t``). Signatures use the wall clock, not :meth:`advance_clock`'s."""
        return sign_payload(payload, self.webhook_secret if secret is None else secret, t)

    def deliver(self, event_id: str, times: int = 1, concurrency: int = 1) -> list[int]:
        """POST a stored event to the webhook URL ``times`` times, ``concurrency`` at once.

        Returns the HTTP status of each attempt (0: no answer). Each attempt is signed anew,
        as Stripe signs each retry.
        """
        if not 1 <= times <= 100:
            raise StandinError("times must be between 1 and 100")
        with self._lock:
            self._lookup(self._event_index, event_id, "event")
            if self.webhook_url is None:
                raise StandinError("no webhook URL configured")
        wave_size = max(1, min(concurrency, times, 32))
        statuses: list[int] = []
        remaining = times
        while remaining > 0:
            wave = min(wave_size, remaining)
            statuses.extend(self._deliver_wave(event_id, wave))
            remaining -= wave
        return statuses

    def deliver_all(
        self,
        order: DeliveryOrder | Sequence[str] = "created",
        *,
        seed: int | None = None,
        types: Sequence[str] | None = None,
    ) -> list[tuple[str, int]]:
        """Deliver every stored event once, in ``order``: ``"created"`` (oldest first),
        ``"reverse"``, ``"shuffle"`` (``seed`` makes it repeatable) or an explicit list of ids.
        Returns ``(event_id, status)`` pairs in delivery order."""
        with self._lock:
            if self.webhook_url is None:
                raise StandinError("no webhook URL configured")
            ids = [
                event["id"]
                for event in self._events
                if types is None or any(fnmatch.fnmatchcase(event["type"], t) for t in types)
            ]
            if isinstance(order, str):
                if order == "reverse":
                    ids.reverse()
                elif order == "shuffle":
                    random.Random(seed).shuffle(ids)
                elif order != "created":
                    raise StandinError(f"unknown order {order!r}")
            else:
                for event_id in order:
                    self._lookup(self._event_index, event_id, "event")
                ids = list(order)
        return [(event_id, self._post_event(event_id, automatic=False)) for event_id in ids]

    def drain(self, timeout: float = 5.0) -> bool:
        """Wait until automatic deliveries queued so far are done; False on timeout."""
        with self._outbox_done:
            return self._outbox_done.wait_for(lambda: self._outbox_pending == 0, timeout=timeout)

    def _deliver_wave(self, event_id: str, size: int) -> list[int]:
        if size == 1:
            return [self._post_event(event_id, automatic=False)]
        barrier = threading.Barrier(size, timeout=5.0)
        results = [0] * size

        def run(index: int) -> None:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()
            results[index] = self._post_event(event_id, automatic=False)

        threads = [
            threading.Thread(target=run, args=(index,), daemon=True) for index in range(size)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=self.delivery_timeout + 6.0)
        return results

    def _post_event(self, event_id: str, *, automatic: bool) -> int:
        with self._lock:
            event = self._lookup(self._event_index, event_id, "event")
            url = self.webhook_url
            secret = self.webhook_secret
            body = _json_bytes(event)
            event_type = str(event["type"])
        if url is None:
            raise StandinError("no webhook URL configured")
        signature = sign_payload(body, secret)
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": signature,
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
                "Cache-Control": "no-cache",
                "Accept": "*/*; q=0.5, application/xml",
            },
        )
        status = 0
        try:
            with _OPENER.open(request, timeout=self.delivery_timeout) as response:
                response.read()
                status = int(response.status)
        except urllib.error.HTTPError as exc:
            status = exc.code
            exc.close()
        except (urllib.error.URLError, OSError, http.client.HTTPException):
            status = 0
        with self._lock:
            self._deliveries.append(
                Delivery(event_id, event_type, status, signature, automatic, time.time())
            )
        return status

    def _delivery_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                event_id = self._outbox.get(timeout=0.1)
            except queue.Empty:
                continue
            if not event_id:
                break
            try:
                self._post_event(event_id, automatic=True)
            except StandinError:
                pass
            finally:
                with self._outbox_done:
                    self._outbox_pending -= 1
                    self._outbox_done.notify_all()

    # ------------------------------------------------------------------ state helpers (locked)

    def _lookup(self, table: Mapping[str, JSON], ident: str, kind: str) -> JSON:
        found = table.get(ident)
        if found is None:
            raise StandinError(f"no such {kind}: {ident}")
        return found

    def _session_for_control(self, session_id: str) -> JSON:
        return self._lookup(self._sessions, session_id, "checkout session")

    def _refund_for_control(self, refund_id: str) -> JSON:
        return self._lookup(self._refunds, refund_id, "refund")

    def _processing(self, session_id: str) -> tuple[JSON, JSON, JSON]:
        session = self._session_for_control(session_id)
        intent_id = session["payment_intent"]
        if intent_id is None:
            raise StandinError(f"checkout session {session_id} has not been paid for")
        intent = self._intents[intent_id]
        if intent["status"] != "processing":
            raise StandinError(f"payment intent {intent_id} is {intent['status']}")
        return session, intent, self._charges[intent["latest_charge"]]

    def _emit_locked(
        self,
        type_: str,
        obj: Mapping[str, Any],
        *,
        request: Mapping[str, Any] | None = None,
        previous: Mapping[str, Any] | None = None,
    ) -> JSON:
        data: JSON = {"object": copy.deepcopy(dict(obj))}
        if previous is not None:
            data["previous_attributes"] = dict(previous)
        event: JSON = {
            "id": _new_id("evt_1"),
            "object": "event",
            "api_version": self.api_version,
            "created": self.now(),
            "data": data,
            "livemode": False,
            "pending_webhooks": 1 if self.webhook_url else 0,
            "request": dict(request) if request else {"id": None, "idempotency_key": None},
            "type": type_,
        }
        self._events.append(event)
        self._event_index[event["id"]] = event
        if self.auto_deliver and self.webhook_url:
            with self._outbox_done:
                self._outbox_pending += 1
            self._outbox.put(event["id"])
        return event

    def _sweep_locked(self) -> None:
        now = self.now()
        for session in self._sessions.values():
            if session["status"] == "open" and session["expires_at"] <= now:
                self._expire_locked(session, None)

    def _expire_locked(self, session: JSON, request: Mapping[str, Any] | None) -> None:
        session.update(status="expired", url=None)
        self._emit_locked("checkout.session.expired", session, request=request)

    def _charge_view(self, charge: Mapping[str, Any], *, with_refunds: bool = False) -> JSON:
        view = copy.deepcopy(dict(charge))
        if with_refunds:
            view["refunds"] = self._refund_list(str(charge["id"]))
        return view

    def _refund_list(self, charge_id: str) -> JSON:
        ids = self._charge_refunds.get(charge_id, [])
        data = [copy.deepcopy(self._refunds[ident]) for ident in reversed(ids)]
        return {
            "object": "list",
            "data": data,
            "has_more": False,
            "total_count": len(data),
            "url": f"/v1/charges/{charge_id}/refunds",
        }

    def _create_refund_locked(
        self,
        charge: JSON,
        amount: int | None,
        reason: str | None,
        metadata: dict[str, str],
        request: Mapping[str, Any],
    ) -> JSON:
        if charge["status"] != "succeeded":
            raise _business(
                f"Charge {charge['id']} cannot be refunded: its status is {charge['status']}.",
                "charge",
                "charge_not_refundable",
            )
        remaining = charge["amount"] - charge["amount_refunded"]
        if remaining <= 0:
            raise _business(
                f"Charge {charge['id']} has already been refunded.",
                "charge",
                "charge_already_refunded",
            )
        if amount is None:
            amount = remaining
        if amount > remaining:
            raise _business(
                f"Refund amount ({_money(amount, charge['currency'])}) is greater than the "
                f"unrefunded amount on charge ({_money(remaining, charge['currency'])})",
                "amount",
                "amount_too_large",
            )
        if reason is not None and reason not in _REFUND_REASONS:
            raise _invalid(
                "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer",
                "reason",
            )
        refund_id = _new_id("re_3")
        refund: JSON = {
            "id": refund_id,
            "object": "refund",
            "amount": amount,
            "balance_transaction": _new_id("txn_3"),
            "charge": charge["id"],
            "created": self.now(),
            "currency": charge["currency"],
            "destination_details": {
                "card": {
                    "reference": None,
                    "reference_status": "pending",
                    "reference_type": "acquirer_reference_number",
                    "type": "refund",
                },
                "type": "card",
            },
            "metadata": metadata,
            "payment_intent": charge["payment_intent"],
            "reason": reason,
            "receipt_number": None,
            "source_transfer_reversal": None,
            "status": "pending" if self.refunds_pending else "succeeded",
            "transfer_reversal": None,
        }
        self._refunds[refund_id] = refund
        self._charge_refunds[charge["id"]].append(refund_id)
        self._add_txn_locked(
            self._object_account.get(charge["id"], self.secret_key),
            str(refund["balance_transaction"]),
            type_="refund",
            category="refund",
            amount=-amount,
            fee=0,
            currency=str(charge["currency"]),
            source=refund_id,
            description="REFUND FOR CHARGE",
        )
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        self._emit_locked("refund.created", refund, request=request)
        self._emit_locked(
            "charge.refunded",
            self._charge_view(charge, with_refunds=self.charge_refunds_in_events),
            request=request,
        )
        return refund

    # ------------------------------------------------------------------ HTTP: API

    def _handle_api(
        self, method: str, path: str, query: str, body: bytes, headers: Mapping[str, str]
    ) -> _Reply:
        request_id = _new_id("req_", 14)
        api_key = _api_key(headers.get("authorization"))
        idempotency_key = headers.get("idempotency-key") or None
        version = headers.get("stripe-version") or None
        parse_error: StripeApiError | None = None
        params: JSON = {}
        try:
            params = parse_params(body.decode("utf-8") if method == "POST" else query)
        except StripeApiError as exc:
            parse_error = exc
        except UnicodeDecodeError:
            parse_error = _invalid("Invalid request body: not UTF-8")
        with self._lock:
            down = self._down
            latency = self._latency
            if down is None and self._take_failure_locked(path, params):
                down = "error500"
        replayed = False
        if down == "reset":
            reply = _Reply(0, action="reset")
        elif down == "hang":
            self._up_again.wait(timeout=self.max_hang)
            reply = _Reply(0, action="close")
        elif down == "error500":
            reply = self._error_reply(
                StripeApiError(500, "An unknown error occurred", type_="api_error"),
                request_id,
                version,
                idempotency_key,
            )
        else:
            reply, replayed = self._api_reply(
                method,
                path,
                params,
                parse_error,
                _Ctx(request_id, api_key or "", idempotency_key, version or self.api_version),
                version,
                latency,
            )
            if down == "lost_response":
                reply = replace(reply, status=0, action="reset")
        with self._lock:
            self._requests.append(
                LoggedRequest(
                    method=method,
                    path=path,
                    params=params,
                    idempotency_key=idempotency_key,
                    api_key=api_key,
                    stripe_version=version,
                    status=reply.status,
                    request_id=request_id,
                    replayed=replayed,
                )
            )
        return reply

    def _api_reply(
        self,
        method: str,
        path: str,
        params: JSON,
        parse_error: StripeApiError | None,
        ctx: _Ctx,
        version: str | None,
        latency: float,
    ) -> tuple[_Reply, bool]:
        def fail(error: StripeApiError) -> tuple[_Reply, bool]:
            return self._error_reply(error, ctx.request_id, version, ctx.idempotency_key), False

        if not ctx.api_key:
            return fail(
                StripeApiError(
                    401,
                    "You did not provide an API key. You need to provide your API key in the "
                    "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                    "YOUR_SECRET_KEY').",
                )
            )
        if ctx.api_key not in self.api_keys:
            return fail(
                StripeApiError(
                    401, f"Invalid API Key provided: {ctx.api_key[:8]}****{ctx.api_key[-4:]}"
                )
            )
        if parse_error is not None:
            return fail(parse_error)
        if version is not None and re.fullmatch(r"\d{4}-\d{2}-\d{2}(\.[a-z_]+)?", version) is None:
            return fail(_invalid(f"Invalid Stripe API version: {version}", code="api_version"))
        route = self._route(method, path)
        if route is None:
            return fail(
                StripeApiError(
                    404,
                    f"Unrecognized request URL ({method}: {path}). Please see "
                    "https://stripe.com/docs or we can help at https://support.stripe.com/.",
                )
            )
        handler, ids = route
        if method != "POST" or ctx.idempotency_key is None:
            self._sleep(latency)
            return self._run(handler, ctx, params, ids, version), False
        scope = (ctx.api_key, ctx.idempotency_key)
        endpoint = f"{method} {path}"
        with self._lock:
            record = self._idempotency.get(scope)
            if record is not None:
                if record.reply is None:
                    return fail(
                        StripeApiError(
                            409,
                            "There is currently another in-progress request using this "
                            "Stripe API key and idempotency key (that probably means you "
                            "submitted twice, and the other request is still going through): "
                            f"{ctx.idempotency_key}. Please try again later.",
                            type_="idempotency_error",
                            code="idempotency_key_in_use",
                        )
                    )
                if record.endpoint != endpoint:
                    return fail(
                        _invalid(
                            "Keys for idempotent requests can only be used for the same endpoint "
                            f"they were first used for ('{record.endpoint}' vs '{endpoint}'). "
                            f"Try using a key other than '{ctx.idempotency_key}' if you meant "
                            "to execute a different request."
                        ).with_type("idempotency_error")
                    )
                if record.params != params:
                    return fail(
                        _invalid(
                            "Keys for idempotent requests can only be used with the same "
                            "parameters they were first used with. Try using a key other than "
                            f"'{ctx.idempotency_key}' if you meant to execute a different "
                            "request."
                        ).with_type("idempotency_error")
                    )
                stored = record.reply
                headers = {
                    **stored.headers,
                    "Request-Id": ctx.request_id,
                    "Idempotent-Replayed": "true",
                    "Original-Request": record.request_id,
                }
                return replace(stored, headers=headers), True
            record = _IdempotencyRecord(endpoint, copy.deepcopy(params), ctx.request_id)
            self._idempotency[scope] = record
        self._sleep(latency)
        reply = self._run(handler, ctx, params, ids, version)
        with self._lock:
            if reply.replayable:
                record.reply = reply
            else:
                self._idempotency.pop(scope, None)
        return reply, False

    def _route(self, method: str, path: str) -> tuple[_ApiHandler, tuple[str, ...]] | None:
        for route_method, pattern, handler in self._routes:
            match = pattern.fullmatch(path)
            if route_method == method and match is not None:
                return handler, tuple(urllib.parse.unquote(g) for g in match.groups())
        return None

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(timeout=seconds)

    def _run(
        self,
        handler: _ApiHandler,
        ctx: _Ctx,
        params: JSON,
        ids: tuple[str, ...],
        version: str | None,
    ) -> _Reply:
        try:
            with self._lock:
                self._sweep_locked()
                result = handler(ctx, params, ids)
        except StripeApiError as exc:
            return self._error_reply(exc, ctx.request_id, version, ctx.idempotency_key)
        except Exception:
            self.internal_errors.append(traceback.format_exc())
            return self._error_reply(
                StripeApiError(500, "An unknown error occurred", type_="api_error"),
                ctx.request_id,
                version,
                ctx.idempotency_key,
            )
        return _Reply(
            200,
            _json_bytes(result),
            self._headers(ctx.request_id, version, ctx.idempotency_key),
        )

    def _headers(self, request_id: str, version: str | None, key: str | None) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json",
            "Request-Id": request_id,
            "Stripe-Version": version or self.api_version,
            "Cache-Control": "no-cache, no-store",
        }
        if key is not None:
            headers["Idempotency-Key"] = key
        return headers

    def _error_reply(
        self, error: StripeApiError, request_id: str, version: str | None, key: str | None
    ) -> _Reply:
        return _Reply(
            error.status,
            _json_bytes(error.to_json(request_id)),
            self._headers(request_id, version, key),
            replayable=error.replayable,
        )

    # ------------------------------------------------------------------ API handlers (locked)

    def _api_create_session(self, ctx: _Ctx, params: JSON, ids: tuple[str, ...]) -> JSON:
        new_style = _version_date(ctx.api_version) >= _ALLOWED_PMT_SINCE
        allowed_keys = set(_SESSION_CREATE_KEYS)
        allowed_keys.add("allowed_payment_method_types" if new_style else "payment_method_types")
        _check_keys(params, allowed_keys)
        if "mode" not in params:
            raise _missing("mode")
        mode = _as_str(params["mode"], "mode")
        if mode not in ("payment", "setup", "subscription"):
            raise _invalid("Invalid mode: must be one of payment, setup, or subscription", "mode")
        if mode != "payment":
            raise _invalid(f"Only `payment` mode is modelled here, not `{mode}`.", "mode")
        ui_mode = _as_str(params.get("ui_mode", "hosted_page"), "ui_mode")
        if ui_mode not in _UI_MODES:
            raise _invalid(
                "Invalid ui_mode: must be one of hosted_page, embedded_page, elements or form",
                "ui_mode",
            )
        hosted = ui_mode in _HOSTED_UI_MODES
        success_url = (
            _url(params["success_url"], "success_url") if "success_url" in params else None
        )
        cancel_url = _url(params["cancel_url"], "cancel_url") if "cancel_url" in params else None
        return_url = _url(params["return_url"], "return_url") if "return_url" in params else None
        if hosted:
            if success_url is None:
                raise _missing("success_url")
            if return_url is not None:
                raise _invalid(
                    f"You can only set `return_url` when `ui_mode` is not `{ui_mode}`.",
                    "return_url",
                )
        else:
            for name, value in (("success_url", success_url), ("cancel_url", cancel_url)):
                if value is not None:
                    raise _invalid(f"You cannot set `{name}` when `ui_mode` is `{ui_mode}`.", name)
            redirect = params.get("redirect_on_completion", "always")
            if return_url is None and redirect != "never":
                raise _missing("return_url")
        if "line_items" not in params:
            raise _invalid("`line_items` is required in `payment` mode.", "line_items")
        line_items, currency = self._parse_line_items(params["line_items"])
        total = sum(int(item["amount_total"]) for item in line_items)
        minimum = _MIN_CHARGE.get(currency, 50)
        if total < minimum:
            raise _invalid(
                "The Checkout Session's total amount due must add up to at least "
                f"{_money(minimum, currency)}",
                "line_items",
                "amount_too_small",
            )
        if total > _MAX_AMOUNT:
            raise _invalid(
                f"The Checkout Session's total amount due must be no more than "
                f"{_money(_MAX_AMOUNT, currency)}",
                "line_items",
                "amount_too_large",
            )
        now = self.now()
        if "expires_at" in params:
            expires_at = _as_int(params["expires_at"], "expires_at")
            if expires_at - now < _SESSION_MIN_LIFETIME:
                raise _invalid(
                    "The `expires_at` timestamp must be at least 30 minutes from Checkout "
                    "Session creation.",
                    "expires_at",
                )
            if expires_at - now > _SESSION_MAX_LIFETIME:
                raise _invalid(
                    "The `expires_at` timestamp must be less than 24 hours from Checkout "
                    "Session creation.",
                    "expires_at",
                )
        else:
            expires_at = now + _SESSION_MAX_LIFETIME
        allowed_pmt, excluded_pmt, pm_types = self._payment_method_types(params, currency)
        locale = None
        if "locale" in params:
            locale = _as_str(params["locale"], "locale")
            if locale not in _LOCALES:
                raise _invalid(f"Invalid locale: {locale}", "locale")
        customer_email = None
        if "customer_email" in params:
            customer_email = _as_str(params["customer_email"], "customer_email", max_length=512)
            if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", customer_email) is None:
                raise _invalid(
                    f"Invalid email address: {customer_email}", "customer_email", "email_invalid"
                )
        client_reference_id = None
        if "client_reference_id" in params:
            client_reference_id = _as_str(
                params["client_reference_id"], "client_reference_id", max_length=200
            )
        metadata = _metadata(params["metadata"]) if "metadata" in params else {}
        pi_metadata: dict[str, str] = {}
        pi_description: str | None = None
        capture_method = "automatic_async"
        if "payment_intent_data" in params:
            pi_data = _as_hash(params["payment_intent_data"], "payment_intent_data")
            _check_keys(pi_data, _PI_DATA_KEYS, "payment_intent_data")
            if "metadata" in pi_data:
                pi_metadata = _metadata(pi_data["metadata"], "payment_intent_data[metadata]")
            if "description" in pi_data:
                pi_description = _as_str(
                    pi_data["description"], "payment_intent_data[description]", max_length=1000
                )
            if "capture_method" in pi_data:
                capture_method = _as_str(
                    pi_data["capture_method"], "payment_intent_data[capture_method]"
                )
                if capture_method not in ("automatic", "automatic_async", "manual"):
                    raise _invalid(
                        "Invalid payment_intent_data[capture_method]: must be one of automatic, "
                        "automatic_async, or manual",
                        "payment_intent_data[capture_method]",
                    )
        expand = _expand_paths(params)
        session_id = _new_id("cs_test_a1", 56)
        session: JSON = {
            "id": session_id,
            "object": "checkout.session",
            "adaptive_pricing": None,
            "after_expiration": None,
            "allow_promotion_codes": None,
            "allowed_payment_method_types": allowed_pmt,
            "amount_subtotal": total,
            "amount_total": total,
            "automatic_tax": {"enabled": False, "liability": None, "status": None},
            "billing_address_collection": None,
            "cancel_url": cancel_url,
            "client_reference_id": client_reference_id,
            "client_secret": None if hosted else f"{session_id}_secret_{_new_id('', 24)}",
            "consent": None,
            "consent_collection": None,
            "created": now,
            "currency": currency,
            "custom_fields": [],
            "custom_text": {
                "after_submit": None,
                "shipping_address": None,
                "submit": None,
                "terms_of_service_acceptance": None,
            },
            "customer": None,
            "customer_creation": "if_required",
            "customer_details": None,
            "customer_email": customer_email,
            "excluded_payment_method_types": excluded_pmt,
            "expires_at": expires_at,
            "invoice": None,
            "invoice_creation": None,
            "livemode": False,
            "locale": locale,
            "metadata": metadata,
            "mode": mode,
            "payment_intent": None,
            "payment_link": None,
            "payment_method_collection": "if_required",
            "payment_method_options": {},
            "payment_method_types": pm_types,
            "payment_status": "unpaid",
            "phone_number_collection": {"enabled": False},
            "recovered_from": None,
            "redirect_on_completion": None if hosted else params.get("redirect_on_completion"),
            "return_url": return_url,
            "setup_intent": None,
            "shipping_address_collection": None,
            "shipping_cost": None,
            "shipping_options": [],
            "status": "open",
            "submit_type": None,
            "subscription": None,
            "success_url": success_url,
            "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
            "ui_mode": ui_mode,
            "url": f"{self.base_url}/pay/{session_id}" if hosted else None,
        }
        self._sessions[session_id] = session
        self._object_account[session_id] = ctx.api_key
        self._session_private[session_id] = _SessionPrivate(
            line_items=line_items,
            pi_metadata=pi_metadata,
            pi_description=pi_description,
            capture_method=capture_method,
            success_url=success_url,
        )
        return self._expand(copy.deepcopy(session), expand)

    def _parse_line_items(self, raw: Any) -> tuple[list[JSON], str]:
        items = _as_list(raw, "line_items")
        if len(items) > 100:
            raise _invalid("You may only specify up to 100 line items.", "line_items")
        currency: str | None = None
        result: list[JSON] = []
        now = self.now()
        for index, raw_item in enumerate(items):
            at = f"line_items[{index}]"
            item = _as_hash(raw_item, at)
            _check_keys(item, _LINE_ITEM_KEYS, at)
            if "price" in item:
                price_id = _as_str(item["price"], f"{at}[price]")
                raise _no_such("price", price_id, f"{at}[price]", status=400)
            if "price_data" not in item:
                raise _invalid(f"You must specify either `price` or `price_data` in `{at}`.", at)
            pd_at = f"{at}[price_data]"
            price_data = _as_hash(item["price_data"], pd_at)
            _check_keys(price_data, _PRICE_DATA_KEYS, pd_at)
            item_currency = _currency(price_data.get("currency"), f"{pd_at}[currency]")
            if "recurring" in price_data:
                raise _invalid(
                    "You specified `payment` mode but passed a recurring price. Either switch "
                    "to `subscription` mode or use only one-time prices.",
                    f"{pd_at}[recurring]",
                )
            if "unit_amount" in price_data and "unit_amount_decimal" in price_data:
                raise _invalid(
                    "You may only specify one of these parameters: unit_amount, "
                    "unit_amount_decimal.",
                    f"{pd_at}[unit_amount]",
                )
            unit_decimal: Decimal
            if "unit_amount" in price_data:
                unit_decimal = Decimal(
                    _as_int(
                        price_data["unit_amount"],
                        f"{pd_at}[unit_amount]",
                        minimum=0,
                        maximum=_MAX_AMOUNT,
                    )
                )
            elif "unit_amount_decimal" in price_data:
                text = _as_str(price_data["unit_amount_decimal"], f"{pd_at}[unit_amount_decimal]")
                try:
                    unit_decimal = Decimal(text)
                except InvalidOperation:
                    unit_decimal = Decimal(-1)
                if not unit_decimal.is_finite() or unit_decimal < 0:
                    raise _invalid(f"Invalid decimal: {text}", f"{pd_at}[unit_amount_decimal]")
            else:
                raise _missing(f"{pd_at}[unit_amount]")
            if "product" in price_data:
                product_id = _as_str(price_data["product"], f"{pd_at}[product]")
                raise _no_such("product", product_id, f"{pd_at}[product]", status=400)
            if "product_data" not in price_data:
                raise _missing(f"{pd_at}[product_data]")
            prod_at = f"{pd_at}[product_data]"
            product_data = _as_hash(price_data["product_data"], prod_at)
            _check_keys(product_data, _PRODUCT_DATA_KEYS, prod_at)
            if "name" not in product_data:
                raise _missing(f"{prod_at}[name]")
            name = _as_str(product_data["name"], f"{prod_at}[name]", max_length=250)
            if "metadata" in product_data:
                _metadata(product_data["metadata"], f"{prod_at}[metadata]")
            if "metadata" in item:
                _metadata(item["metadata"], f"{at}[metadata]")
            if "quantity" not in item:
                raise _missing(f"{at}[quantity]")
            quantity = _as_int(item["quantity"], f"{at}[quantity]", minimum=1, maximum=999_999)
            if currency is not None and item_currency != currency:
                raise _invalid(
                    "All line items must use the same currency; "
                    f"{at} uses {item_currency}, not {currency}.",
                    f"{pd_at}[currency]",
                )
            currency = item_currency
            subtotal = int((unit_decimal * quantity).quantize(Decimal(1), ROUND_HALF_UP))
            unit_amount = int(unit_decimal) if unit_decimal == unit_decimal.to_integral() else None
            result.append(
                {
                    "id": _new_id("li_1"),
                    "object": "item",
                    "amount_discount": 0,
                    "amount_subtotal": subtotal,
                    "amount_tax": 0,
                    "amount_total": subtotal,
                    "currency": item_currency,
                    "description": name,
                    "metadata": _metadata(item["metadata"]) if "metadata" in item else {},
                    "price": {
                        "id": _new_id("price_1"),
                        "object": "price",
                        "active": False,
                        "billing_scheme": "per_unit",
                        "created": now,
                        "currency": item_currency,
                        "custom_unit_amount": None,
                        "livemode": False,
                        "lookup_key": None,
                        "metadata": {},
                        "nickname": None,
                        "product": _new_id("prod_", 14),
                        "recurring": None,
                        "tax_behavior": price_data.get("tax_behavior", "unspecified"),
                        "tiers_mode": None,
                        "transform_quantity": None,
                        "type": "one_time",
                        "unit_amount": unit_amount,
                        "unit_amount_decimal": str(unit_decimal),
                    },
                    "quantity": quantity,
                }
            )
        if currency is None:
            raise _invalid("`line_items` must contain at least one item.", "line_items")
        return result, currency

    def _payment_method_types(
        self, params: JSON, currency: str
    ) -> tuple[list[str] | None, list[str] | None, list[str]]:
        """(allowed_payment_method_types, excluded_payment_method_types, payment_method_types)."""

        def types_of(name: str) -> list[str]:
            values = [
                _as_str(value, f"{name}[{index}]")
                for index, value in enumerate(_as_list(params[name], name))
            ]
            for index, value in enumerate(values):
                if value not in _PAYMENT_METHOD_TYPES:
                    raise _invalid(
                        f"Invalid {name}[{index}]: must be one of "
                        + ", ".join(sorted(_PAYMENT_METHOD_TYPES)),
                        f"{name}[{index}]",
                    )
            return list(dict.fromkeys(values))

        def fits(kind: str) -> bool:
            return currency in _PMT_CURRENCIES.get(kind, _CURRENCIES)

        if "payment_method_types" in params:
            explicit = types_of("payment_method_types")
            for kind in explicit:
                if not fits(kind):
                    raise _invalid(
                        f"The currency provided ({currency}) is invalid for one or more payment "
                        "method types on this Checkout Session. Try again with a different "
                        f"currency or remove `{kind}` from `payment_method_types`.",
                        "payment_method_types",
                    )
            return None, None, explicit
        if "allowed_payment_method_types" in params and "excluded_payment_method_types" in params:
            raise _invalid(
                "You may only specify one of these parameters: allowed_payment_method_types, "
                "excluded_payment_method_types.",
                "allowed_payment_method_types",
            )
        if "allowed_payment_method_types" in params:
            allowed = types_of("allowed_payment_method_types")
            kept = [kind for kind in allowed if fits(kind)]
            if not kept:
                raise _invalid(
                    "None of the payment method types in `allowed_payment_method_types` can be "
                    f"used for a Checkout Session in {currency}.",
                    "allowed_payment_method_types",
                )
            return allowed, None, kept
        excluded = (
            types_of("excluded_payment_method_types")
            if "excluded_payment_method_types" in params
            else None
        )
        dynamic = [
            kind
            for kind in self.dashboard_payment_methods
            if fits(kind) and (excluded is None or kind not in excluded)
        ]
        if not dynamic:
            raise _invalid(
                "No payment method types are available for this Checkout Session.",
                "excluded_payment_method_types",
            )
        return None, excluded, dynamic

    def _session_or_404(self, session_id: str) -> JSON:
        session = self._sessions.get(session_id)
        if session is None:
            raise _no_such("checkout.session", session_id, "session")
        return session

    def _api_get_session(self, ctx: _Ctx, params: JSON, ids: tuple[str, ...]) -> JSON:
        _check_keys(params, ("expand",))
        session = self._session_or_404(ids[0])
        return self._expand(copy.deepcopy(session), _expand_paths(params))

    def _api_expire(self, ctx: _Ctx, params: JSON, ids: tuple[str, ...]) -> JSON:
        _check_keys(params, ("expand",))
        expand = _expand_paths(params)
        session = self._session_or_404(ids[0])
        if session["status"] != "open":
            raise _business(
                f'Only Checkout Sessions with a status in ["open"] can be expired. This '
                f'Checkout Session has a status of "{session["status"]}".',
                "session",
            )
        self._expire_locked(session, ctx.request_info)
        return self._expand(copy.deepcopy(session), expand)

    def _api_list_sessions(self, ctx: _Ctx, params: JSON, ids: tuple[str, ...]) -> JSON:
        _check_keys(
            params,
            _PAGE_KEYS
            | {
                "created",
                "customer",
                "customer_account",
                "customer_details",
                "payment_intent",
                "payment_link",
                "status",
                "subscription",
            },
        )
        checks: list[Callable[[JSON], bool]] = []
        if "payment_intent" in params:
            intent_id = _as_str(params["payment_intent"], "payment_intent")
            checks.append(lambda s: s["payment_intent"] == intent_id)
        if "status" in params:
            status = _as_str(params["status"], "status")
            if status not in ("open", "complete", "expired"):
                raise _invalid(
                    "Invalid status: must be one of complete, expired, or open", "status"
                )
            checks.append(lambda s: s["status"] == status)
        for name in ("customer", "customer_account", "payment_link", "subscription"):
            if name in params:
                wanted = _as_str(params[name], name)
                checks.append(_field_equals(name, wanted))
        if "customer_details" in params:
            details = _as_hash(params["customer_details"], "customer_details")
            _check_keys(details, ("email",), "customer_details")
            email = _as_str(details.get("email"), "customer_details[email]")
            checks.append(
                lambda s: (s["customer_details"] or {}).get("email", s["customer_email"]) == email
            )
        self._add_created_check(params, checks)
        return self._page(
            list(reversed(self._sessions.values())),
            params,
            "/v1/checkout/sessions",
            "checkout.session",
            checks,
        )

    def _api_items(self, ctx: _Ctx, params: JSON, ids: tuple[str, ...]) -> JSON:
        _check_keys(params, _PAGE_KEYS)
        self._session_or_404(ids[0])
        items = self._session_private[ids[0]].line_items
        return self._page(items, params, f"/v1/checkout/sessions/{ids[0]}/line_items", "item", [])

    def _intent_or_404(self, intent_id: str, param: str = "intent", status: int = 404) -> JSON:
        intent = self._intents.get(intent_id)
        if intent is None:
            raise _no_such("payment_intent", intent_id, param, status)
        return intent

    def _charge_or_404(self, charge_id: str, param: str = "charge", status: int = 404) -> JSON:
        charge = self._charges.get(charge_id)
        if charge is None:
            raise _no_such("charge", charge_id, param, status)
        return charge

    def _api_get_intent(self, ctx: _Ctx, params: JSON, ids: tuple[str, ...]) -> JSON:
        _check_keys(params, ("client_secret", "expand"))
        intent = self._intent_or_404(ids[0])
        return self._expand(copy.deepcopy(intent), _expand_paths(params))

    def _api_list_intents(self, ctx: _Ctx, params: JSON, ids: tuple[str, ...]) -> JSON:
        _check_keys(params, _PAGE_KEYS | {"created", "customer", "customer_account"})
        checks: list[Callable[[JSON], bool]] = []
        for name in ("customer", "customer_account"):
            if name in params:
                wanted = _as_str(params[name], name)
                checks.append(_field_equals(name, wanted))
        self._add_created_check(params, checks)
        return self._page(
            list(reversed(self._intents.values())),
            params,
            "/v1/payment_intents",
            "payment_intent",
            checks,
        )

    def _api_get_charge(self, ctx: _Ctx, params: JSON, ids: tuple[str, ...]) -> JSON:
        _check_keys(params, ("expand",))
        charge = self._charge_or_404(ids[0])
        return self._expand(self._charge_view(charge), _expand_paths(params))

    def _api_charge_refunds(self, ctx: _Ctx, params: JSON, ids: tuple[str, ...]) -> JSON:
        _check_keys(params, _PAGE_KEYS)
        self._charge_or_404(ids[0])
        refunds = [self._refunds[ident] for ident in reversed(self._charge_refunds[ids[0]])]
        return self._page(refunds, params, f"/v1/charges/{ids[0]}/refunds", "refund", [])

    def _api_list_charges(self, ctx: _Ctx, params: JSON, ids: tuple[str, ...]) -> JSON:
        _check_keys(
            params, _PAGE_KEYS | {"created", "customer", "payment_intent", "transfer_group"}
        )
        checks: list[Callable[[JSON], bool]] = []
        for name in ("customer", "payment_intent", "transfer_group"):
            if name in params:
                wanted = _as_str(params[name], name)
                checks.append(_field_equals(name, wanted))
        self._add_created_check(params, checks)
        return self._page(
            list(reversed(self._charges.values())), params, "/v1/charges", "charge", checks
        )

    def _api_create_refund(self, ctx: _Ctx, params: JSON, ids: tuple[str, ...]) -> JSON:
        _check_keys(params, _REFUND_CREATE_KEYS)
        expand = _expand_paths(params)
        amount = (
            _as_int(params["amount"], "amount", minimum=1, maximum=_MAX_AMOUNT)
            if "amount" in params
            else None
        )
        reason = _as_str(params["reason"], "reason") if "reason" in params else None
        if reason is not None and reason not in _REFUND_REASONS:
            raise _invalid(
                "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer",
                "reason",
            )
        metadata = _metadata(params["metadata"]) if "metadata" in params else {}
        charge: JSON | None = None
        if "charge" in params:
            charge = self._charge_or_404(_as_str(params["charge"], "charge"), "charge", 400)
        if "payment_intent" in params:
            intent = self._intent_or_404(
                _as_str(params["payment_intent"], "payment_intent"), "payment_intent", 400
            )
            if charge is not None and charge["payment_intent"] != intent["id"]:
                raise _invalid(
                    f"Charge {charge['id']} does not belong to PaymentIntent {intent['id']}.",
                    "charge",
                )
            if intent["latest_charge"] is None or intent["status"] != "succeeded":
                raise _business(
                    f"This PaymentIntent ({intent['id']}) does not have a successful charge to "
                    "refund.",
                    "payment_intent",
                    "charge_not_refundable",
                )
            charge = self._charges[intent["latest_charge"]]
        if charge is None:
            raise _invalid(
                "One of the following params should be provided for this request: "
                "payment_intent or charge.",
                "payment_intent",
            )
        refund = self._create_refund_locked(charge, amount, reason, metadata, ctx.request_info)
        return self._expand(copy.deepcopy(refund), expand)

    def _api_get_refund(self, ctx: _Ctx, params: JSON, ids: tuple[str, ...]) -> JSON:
        _check_keys(params, ("expand",))
        refund = self._refunds.get(ids[0])
        if refund is None:
            raise _no_such("refund", ids[0], "id")
        return self._expand(copy.deepcopy(refund), _expand_paths(params))

    def _api_list_refunds(self, ctx: _Ctx, params: JSON, ids: tuple[str, ...]) -> JSON:
        _check_keys(params, _PAGE_KEYS | {"charge", "created", "payment_intent"})
        checks: list[Callable[[JSON], bool]] = []
        for name in ("charge", "payment_intent"):
            if name in params:
                wanted = _as_str(params[name], name)
                checks.append(_field_equals(name, wanted))
        self._add_created_check(params, checks)
        return self._page(
            list(reversed(self._refunds.values())), params, "/v1/refunds", "refund", checks
        )

    def _api_get_event(self, ctx: _Ctx, params: JSON, ids: tuple[str, ...]) -> JSON:
        _check_keys(params, ("expand",))
        event = self._event_index.get(ids[0])
        if event is None:
            raise _no_such("event", ids[0], "id")
        return self._expand(copy.deepcopy(event), _expand_paths(params))

    def _api_list_events(self, ctx: _Ctx, params: JSON, ids: tuple[str, ...]) -> JSON:
        _check_keys(params, _PAGE_KEYS | {"created", "delivery_success", "type", "types"})
        checks: list[Callable[[JSON], bool]] = []
        if "type" in params and "types" in params:
            raise _invalid("You may only specify one of these parameters: type, types.", "type")
        if "type" in params:
            pattern = _as_str(params["type"], "type")
            checks.append(lambda e: fnmatch.fnmatchcase(e["type"], pattern))
        if "types" in params:
            wanted = [
                _as_str(value, f"types[{index}]")
                for index, value in enumerate(_as_list(params["types"], "types"))
            ]
            if len(wanted) > 20:
                raise _invalid("You may pass up to 20 event types in `types`.", "types")
            wanted_set = frozenset(wanted)
            checks.append(lambda e: e["type"] in wanted_set)
        if "delivery_success" in params:
            success = _as_bool(params["delivery_success"], "delivery_success")
            delivered = {d.event_id for d in self._deliveries if 200 <= d.status < 300}
            checks.append(lambda e: (e["id"] in delivered) == success)
        self._add_created_check(params, checks)
        return self._page(list(reversed(self._events)), params, "/v1/events", "event", checks)

    def _api_list_payouts(self, ctx: _Ctx, params: JSON, ids: tuple[str, ...]) -> JSON:
        _check_keys(params, _PAGE_KEYS | {"arrival_date", "created", "destination", "status"})
        checks: list[Callable[[JSON], bool]] = [
            lambda p: self._payout_account.get(str(p["id"])) == ctx.api_key
        ]
        if "status" in params:
            checks.append(_field_equals("status", _as_str(params["status"], "status")))
        if "arrival_date" in params:
            arrives = _created_filter(params["arrival_date"], "arrival_date")
            checks.append(lambda p: arrives(int(p["arrival_date"])))
        self._add_created_check(params, checks)
        return self._page(
            list(reversed(self._payouts.values())), params, "/v1/payouts", "payout", checks
        )

    def _api_get_payout(self, ctx: _Ctx, params: JSON, ids: tuple[str, ...]) -> JSON:
        _check_keys(params, ("expand",))
        payout = self._payouts.get(ids[0])
        if payout is None or self._payout_account.get(ids[0]) != ctx.api_key:
            raise _no_such("payout", ids[0], "id")
        return self._expand(copy.deepcopy(payout), _expand_paths(params))

    def _api_list_balance(self, ctx: _Ctx, params: JSON, ids: tuple[str, ...]) -> JSON:
        _check_keys(params, _PAGE_KEYS | {"created", "currency", "payout", "source", "type"})
        checks: list[Callable[[JSON], bool]] = [
            lambda t: self._txn_account.get(str(t["id"])) == ctx.api_key
        ]
        if "payout" in params:
            payout_id = _as_str(params["payout"], "payout")
            payout = self._payouts.get(payout_id)
            if payout is None or self._payout_account.get(payout_id) != ctx.api_key:
                raise _no_such("payout", payout_id, "payout", status=400)
            if payout["reconciliation_status"] == "not_applicable":
                raise _invalid(
                    "Balance transaction history can only be filtered on automatic payouts, "
                    "not manual payouts.",
                    "payout",
                )
            checks.append(lambda t: self._txn_payout.get(str(t["id"])) == payout_id)
        for name in ("currency", "source", "type"):
            if name in params:
                checks.append(_field_equals(name, _as_str(params[name], name)))
        self._add_created_check(params, checks)
        return self._page(
            list(reversed(self._balance.values())),
            params,
            "/v1/balance_transactions",
            "balance_transaction",
            checks,
        )

    def _api_get_balance(self, ctx: _Ctx, params: JSON, ids: tuple[str, ...]) -> JSON:
        _check_keys(params, ("expand",))
        txn = self._balance.get(ids[0])
        if txn is None or self._txn_account.get(ids[0]) != ctx.api_key:
            raise _no_such("balance_transaction", ids[0], "id")
        return self._expand(copy.deepcopy(txn), _expand_paths(params))

    # ------------------------------------------------------------------ lists and expansion

    def _add_created_check(self, params: JSON, checks: list[Callable[[JSON], bool]]) -> None:
        if "created" in params:
            keep = _created_filter(params["created"])
            checks.append(lambda o: keep(int(o["created"])))

    def _page(
        self,
        items: Sequence[JSON],
        params: JSON,
        url: str,
        kind: str,
        checks: Sequence[Callable[[JSON], bool]],
    ) -> JSON:
        """One page of ``items`` (already in Stripe's order, newest first) as Stripe pages."""
        limit = (
            _as_int(params["limit"], "limit", minimum=1, maximum=100) if "limit" in params else 10
        )
        if self.page_size_cap is not None:
            limit = min(limit, self.page_size_cap)
        expand = _expand_paths(params)
        after = params.get("starting_after")
        before = params.get("ending_before")
        if after is not None and before is not None:
            raise _invalid(
                "You may only specify one of these parameters: ending_before, starting_after.",
                "ending_before",
            )

        def keep(item: JSON) -> bool:
            return all(check(item) for check in checks)

        ids = [item["id"] for item in items]

        def position(cursor: Any, param: str) -> int:
            ident = _as_str(cursor, param)
            try:
                return ids.index(ident)
            except ValueError:
                raise _no_such(kind, ident, param, status=400) from None

        if after is not None:
            candidates = [
                item for item in items[position(after, "starting_after") + 1 :] if keep(item)
            ]
            page = candidates[:limit]
        elif before is not None:
            candidates = [item for item in items[: position(before, "ending_before")] if keep(item)]
            page = candidates[-limit:]
        else:
            candidates = [item for item in items if keep(item)]
            page = candidates[:limit]
        result: JSON = {
            "object": "list",
            "data": [copy.deepcopy(item) for item in page],
            "has_more": len(candidates) > limit,
            "url": url,
        }
        return self._expand(result, expand)

    def _expand(self, obj: JSON, paths: Sequence[str]) -> JSON:
        for path in paths:
            parts = path.split(".")
            if len(parts) > 4 + (1 if obj.get("object") == "list" else 0):
                raise _invalid(
                    f"You cannot expand more than 4 levels of a property. Property: {path}",
                    "expand",
                )
            self._expand_into(obj, parts, path)
        return obj

    def _expand_into(self, obj: JSON, parts: Sequence[str], path: str) -> None:
        key, rest = parts[0], parts[1:]
        kind = obj.get("object")
        if kind == "list" and key == "data" and rest:
            for item in obj["data"]:
                self._expand_into(item, rest, path)
            return
        if kind == "checkout.session" and key == "line_items":
            items = self._session_private[obj["id"]].line_items
            obj[key] = self._page(
                items, {}, f"/v1/checkout/sessions/{obj['id']}/line_items", "item", []
            )
        elif kind == "charge" and key == "refunds":
            obj[key] = self._refund_list(str(obj["id"]))
        elif key in _EXPANDABLE.get(str(kind), frozenset()):
            value = obj.get(key)
            if isinstance(value, str):
                obj[key] = self._view_by_id(value)
        else:
            raise _invalid(f"This property cannot be expanded ({path}).", "expand")
        value = obj.get(key)
        if rest and isinstance(value, dict):
            self._expand_into(value, rest, path)

    def _view_by_id(self, ident: str) -> Any:
        if ident.startswith("pi_") and ident in self._intents:
            return copy.deepcopy(self._intents[ident])
        if ident.startswith("ch_") and ident in self._charges:
            return self._charge_view(self._charges[ident])
        if ident.startswith("re_") and ident in self._refunds:
            return copy.deepcopy(self._refunds[ident])
        if ident.startswith("cs_") and ident in self._sessions:
            return copy.deepcopy(self._sessions[ident])
        if ident.startswith("po_") and ident in self._payouts:
            return copy.deepcopy(self._payouts[ident])
        if ident.startswith("txn_") and ident in self._balance:
            return copy.deepcopy(self._balance[ident])
        return ident

    # ------------------------------------------------------------------ HTTP: test controls

    def _handle_control(self, method: str, path: str, body: bytes) -> _Reply:
        try:
            args = json.loads(body) if body.strip() else {}
            if not isinstance(args, dict):
                raise StandinError("the request body must be a JSON object")
            result = self._control(method, path, args)
        except _NotFound:
            return _Reply(404, _json_bytes({"error": f"no control at {method} {path}"}))
        except (StandinError, ValueError, TypeError, KeyError) as exc:
            return _Reply(
                400, _json_bytes({"error": str(exc)}), {"Content-Type": "application/json"}
            )
        return _Reply(200, _json_bytes(result), {"Content-Type": "application/json"})

    def _control(self, method: str, path: str, args: JSON) -> Any:
        parts = [urllib.parse.unquote(p) for p in path.strip("/").split("/")[1:]]
        match method, parts:
            case "GET", ["health"]:
                return {"ok": True, "base_url": self.base_url}
            case "POST", ["sessions", session_id, "complete"]:
                return self.complete_session(
                    session_id,
                    async_payment=bool(args.get("async_payment", False)),
                    amount_override=_opt_int(args, "amount_override"),
                    currency_override=_opt_str(args, "currency_override"),
                    metadata_override=_opt_str_map(args, "metadata_override"),
                    payment_method_type=_opt_str(args, "payment_method_type"),
                )
            case "POST", ["sessions", session_id, "succeed_async"]:
                return self.succeed_async(session_id)
            case "POST", ["sessions", session_id, "fail_async"]:
                return self.fail_async(session_id)
            case "POST", ["sessions", session_id, "expire"]:
                return self.expire_session(session_id)
            case "GET", ["sessions"]:
                return {"sessions": self.sessions()}
            case "GET", ["sessions", session_id]:
                return self.session(session_id)
            case "POST", ["payment_intents", intent_id, "dashboard_refund"]:
                return self.refund_from_dashboard(
                    intent_id,
                    _opt_int(args, "amount"),
                    reason=_opt_str(args, "reason"),
                    metadata=_opt_str_map(args, "metadata"),
                )
            case "POST", ["refunds", refund_id, "fail"]:
                return self.fail_refund(
                    refund_id, _opt_str(args, "failure_reason") or "expired_or_canceled_card"
                )
            case "POST", ["refunds", refund_id, "settle"]:
                return self.settle_refund(refund_id)
            case "POST", ["down"]:
                mode = _opt_str(args, "mode") or "error500"
                if mode not in get_args(DownMode):
                    raise StandinError(f"unknown down mode {mode!r}")
                self.set_down(bool(args.get("down", True)), cast(DownMode, mode))
                return {"down": self._down}
            case "POST", ["latency"]:
                self.set_latency(float(args.get("seconds", 0.0)))
                return {"seconds": self._latency}
            case "POST", ["clock"]:
                self.advance_clock(float(args.get("advance", 0.0)))
                return {"now": self.now()}
            case "POST", ["webhook"]:
                auto = args.get("auto_deliver")
                self.configure_webhook(
                    _opt_str(args, "url"),
                    auto_deliver=None if auto is None else bool(auto),
                    secret=_opt_str(args, "secret"),
                )
                return {"url": self.webhook_url, "auto_deliver": self.auto_deliver}
            case "POST", ["events", event_id, "deliver"]:
                statuses = self.deliver(
                    event_id,
                    times=_opt_int(args, "times") or 1,
                    concurrency=_opt_int(args, "concurrency") or 1,
                )
                return {"statuses": statuses}
            case "POST", ["deliver_all"]:
                raw_order = args.get("order", "created")
                order: DeliveryOrder | list[str]
                if isinstance(raw_order, list):
                    order = [str(item) for item in raw_order]
                elif raw_order in get_args(DeliveryOrder):
                    order = cast(DeliveryOrder, raw_order)
                else:
                    raise StandinError(f"unknown order {raw_order!r}")
                raw_types = args.get("types")
                pairs = self.deliver_all(
                    order,
                    seed=_opt_int(args, "seed"),
                    types=[str(t) for t in raw_types] if isinstance(raw_types, list) else None,
                )
                return {"deliveries": [list(pair) for pair in pairs]}
            case "POST", ["drain"]:
                return {"drained": self.drain(float(args.get("timeout", 5.0)))}
            case "GET", ["events"]:
                return {"events": self.events(_opt_str(args, "type"))}
            case "GET", ["requests"]:
                return {"requests": [asdict(entry) for entry in self.requests]}
            case "DELETE", ["requests"]:
                self.clear_requests()
                return {"requests": []}
            case "GET", ["deliveries"]:
                return {"deliveries": [asdict(entry) for entry in self.deliveries]}
            case "POST", ["payouts"]:
                return self.make_payout(
                    _opt_str(args, "api_key"),
                    arrival_days=_opt_int(args, "arrival_days") or 2,
                    status=_opt_str(args, "status") or "paid",
                    reconciliation=_opt_str(args, "reconciliation") or "completed",
                )
            case "POST", ["payouts", payout_id, "status"]:
                return self.set_payout_status(payout_id, _opt_str(args, "status") or "paid")
            case "POST", ["balance_transactions"]:
                return self.add_balance_transaction(
                    _opt_str(args, "api_key"),
                    type_=_opt_str(args, "type") or "adjustment",
                    amount=_opt_int(args, "amount") or 0,
                    fee=_opt_int(args, "fee") or 0,
                    category=_opt_str(args, "reporting_category"),
                    description=_opt_str(args, "description") or "",
                )
            case "POST", ["charges"]:
                return self.charge_elsewhere(
                    _opt_int(args, "amount") or 0, _opt_str(args, "api_key")
                )
            case "POST", ["sign"]:
                payload = args.get("payload")
                if not isinstance(payload, str):
                    raise StandinError("payload must be a string")
                return {"header": self.sign(payload, _opt_int(args, "t"), _opt_str(args, "secret"))}
        raise _NotFound

    # ------------------------------------------------------------------ HTTP: the payment page

    def _handle_pay_page(self, method: str, path: str) -> _Reply:
        session_id = urllib.parse.unquote(path[len("/pay/") :])
        with self._lock:
            self._sweep_locked()
            session = self._sessions.get(session_id)
            if session is None:
                return _Reply(404, b"<h1>Unknown checkout session</h1>", _HTML)
            if method == "POST" and session["status"] == "open":
                self.complete_session(session_id)
                target = self._session_private[session_id].success_url
                if target:
                    location = target.replace("{CHECKOUT_SESSION_ID}", session_id)
                    return _Reply(303, b"", {"Location": location})
            amount = _money(session["amount_total"], session["currency"])
            status = f"{session['status']} / {session['payment_status']}"
        page = (
            "<!doctype html><html lang='da'><meta charset='utf-8'><title>Betaling</title>"
            f"<h1>{html.escape(amount)}</h1><p>{html.escape(session_id)}</p>"
            f"<p>{html.escape(status)}</p>"
            "<form method='post'><button>Betal</button></form></html>"
        )
        return _Reply(200, page.encode("utf-8"), _HTML)


_HTML: Final = {"Content-Type": "text/html; charset=utf-8"}


class _NotFound(Exception):
    pass


def _field_equals(name: str, wanted: str) -> Callable[[JSON], bool]:
    return lambda obj: obj.get(name) == wanted


def _opt_int(args: Mapping[str, Any], key: str) -> int | None:
    value = args.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise StandinError(f"{key} must be an integer")
    return value


def _opt_str(args: Mapping[str, Any], key: str) -> str | None:
    value = args.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise StandinError(f"{key} must be a string")
    return value


def _opt_str_map(args: Mapping[str, Any], key: str) -> dict[str, str] | None:
    value = args.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise StandinError(f"{key} must be an object of strings")
    return {str(k): str(v) for k, v in value.items()}


def _api_key(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer":
        return credentials.strip() or None
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials.strip()).decode("utf-8")
        except ValueError:
            return None
        return decoded.partition(":")[0] or None
    return None


def _payment_method_details(kind: str) -> JSON:
    card = {
        "brand": "visa",
        "country": "DK",
        "exp_month": 12,
        "exp_year": 2030,
        "last4": "4242",
    }
    if kind == "card":
        return {
            "type": "card",
            "card": {
                **card,
                "checks": {
                    "address_line1_check": None,
                    "address_postal_code_check": None,
                    "cvc_check": "pass",
                },
                "fingerprint": "standinfinger",
                "funding": "credit",
                "network": "visa",
                "three_d_secure": None,
                "wallet": None,
            },
        }
    if kind == "mobilepay":
        return {"type": "mobilepay", "mobilepay": {"card": card}}
    return {"type": kind, kind: {}}


# --------------------------------------------------------------------------- the HTTP server


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], standin: StripeStandin) -> None:
        self.standin = standin
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def track(self, connection: socket.socket, open_: bool) -> None:
        with self._connections_lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host name up (socket.getfqdn), which can stall.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout, reset) is normal here; anything else is recorded."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        self.standin.internal_errors.append(traceback.format_exc())

    def drop_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # An answer's head and body are written apart; with Nagle's algorithm on, the body waits
    # for the client's delayed acknowledgement of the head (about 40 ms a request).
    disable_nagle_algorithm = True
    server_version = "nginx"
    sys_version = ""
    timeout = 15.0

    @property
    def _server(self) -> _Server:
        return cast(_Server, self.server)

    def setup(self) -> None:
        super().setup()
        self._server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self._server.track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY:
            self.close_connection = True
            self._send(_Reply(413, b'{"error": "request body too large"}'))
            return
        body = self.rfile.read(length) if length > 0 else b""
        split = urllib.parse.urlsplit(self.path)
        standin = self._server.standin
        if split.path.startswith("/_standin/"):
            reply = standin._handle_control(method, split.path, body)
        elif split.path.startswith("/pay/") and method in ("GET", "POST"):
            reply = standin._handle_pay_page(method, split.path)
        elif split.path.startswith("/v1/"):
            headers = {key.lower(): value for key, value in self.headers.items()}
            reply = standin._handle_api(method, split.path, split.query, body, headers)
        else:
            reply = _Reply(404, b"Not found", {"Content-Type": "text/plain"})
        self._send(reply)

    def _send(self, reply: _Reply) -> None:
        if reply.action == "reset":
            self.close_connection = True
            with contextlib.suppress(OSError):  # linger 0: close() sends RST, not FIN
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
            self.connection.close()
            return
        if reply.action == "close":
            self.close_connection = True
            return
        self.send_response(reply.status)
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        try:
            self.wfile.write(reply.body)
        except (ConnectionError, TimeoutError):
            self.close_connection = True


# --------------------------------------------------------------------------- another process


class RemoteStandin:
    """Drives a stand-in that runs in another process, through its ``/_standin/`` endpoints.

    The methods mirror :class:`StripeStandin`'s test controls.
    """

    def __init__(self, base_url: str, *, timeout: float = 15.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _call(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode("utf-8") if body is not None else None
        request = urllib.request.Request(
            f"{self.base_url}/_standin/{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")
            exc.close()
            raise StandinError(f"{method} /_standin/{path}: {exc.code} {detail}") from None

    @staticmethod
    def _q(ident: str) -> str:
        return urllib.parse.quote(ident, safe="")

    def health(self) -> JSON:
        return cast(JSON, self._call("GET", "health"))

    def complete_session(
        self,
        session_id: str,
        *,
        async_payment: bool = False,
        amount_override: int | None = None,
        currency_override: str | None = None,
        metadata_override: Mapping[str, str] | None = None,
        payment_method_type: str | None = None,
    ) -> JSON:
        body = {
            "async_payment": async_payment,
            "amount_override": amount_override,
            "currency_override": currency_override,
            "metadata_override": dict(metadata_override) if metadata_override else None,
            "payment_method_type": payment_method_type,
        }
        return cast(JSON, self._call("POST", f"sessions/{self._q(session_id)}/complete", body))

    def succeed_async(self, session_id: str) -> JSON:
        return cast(JSON, self._call("POST", f"sessions/{self._q(session_id)}/succeed_async", {}))

    def fail_async(self, session_id: str) -> JSON:
        return cast(JSON, self._call("POST", f"sessions/{self._q(session_id)}/fail_async", {}))

    def expire_session(self, session_id: str) -> JSON:
        return cast(JSON, self._call("POST", f"sessions/{self._q(session_id)}/expire", {}))

    def session(self, session_id: str) -> JSON:
        return cast(JSON, self._call("GET", f"sessions/{self._q(session_id)}"))

    def refund_from_dashboard(
        self, payment_intent_id: str, amount: int | None = None, *, reason: str | None = None
    ) -> JSON:
        return cast(
            JSON,
            self._call(
                "POST",
                f"payment_intents/{self._q(payment_intent_id)}/dashboard_refund",
                {"amount": amount, "reason": reason},
            ),
        )

    def fail_refund(self, refund_id: str, failure_reason: str = "expired_or_canceled_card") -> JSON:
        path = f"refunds/{self._q(refund_id)}/fail"
        return cast(JSON, self._call("POST", path, {"failure_reason": failure_reason}))

    def settle_refund(self, refund_id: str) -> JSON:
        return cast(JSON, self._call("POST", f"refunds/{self._q(refund_id)}/settle", {}))

    def set_down(self, down: bool = True, mode: DownMode = "error500") -> None:
        self._call("POST", "down", {"down": down, "mode": mode})

    def set_latency(self, seconds: float) -> None:
        self._call("POST", "latency", {"seconds": seconds})

    def advance_clock(self, seconds: float) -> None:
        self._call("POST", "clock", {"advance": seconds})

    def configure_webhook(
        self, url: str | None, *, auto_deliver: bool | None = None, secret: str | None = None
    ) -> None:
        self._call("POST", "webhook", {"url": url, "auto_deliver": auto_deliver, "secret": secret})

    def deliver(self, event_id: str, times: int = 1, concurrency: int = 1) -> list[int]:
        path = f"events/{self._q(event_id)}/deliver"
        result = self._call("POST", path, {"times": times, "concurrency": concurrency})
        return [int(status) for status in result["statuses"]]

    def deliver_all(
        self,
        order: DeliveryOrder | Sequence[str] = "created",
        *,
        seed: int | None = None,
        types: Sequence[str] | None = None,
    ) -> list[tuple[str, int]]:
        body = {
            "order": order if isinstance(order, str) else list(order),
            "seed": seed,
            "types": list(types) if types is not None else None,
        }
        result = self._call("POST", "deliver_all", body)
        return [(str(pair[0]), int(pair[1])) for pair in result["deliveries"]]

    def drain(self, timeout: float = 5.0) -> bool:
        return bool(self._call("POST", "drain", {"timeout": timeout})["drained"])

    def events(self) -> list[JSON]:
        return cast(list[JSON], self._call("GET", "events")["events"])

    @property
    def requests(self) -> list[LoggedRequest]:
        return [LoggedRequest(**entry) for entry in self._call("GET", "requests")["requests"]]

    def clear_requests(self) -> None:
        self._call("DELETE", "requests")

    @property
    def deliveries(self) -> list[Delivery]:
        return [Delivery(**entry) for entry in self._call("GET", "deliveries")["deliveries"]]

    def make_payout(
        self,
        api_key: str | None = None,
        *,
        arrival_days: int = 2,
        status: str = "paid",
        reconciliation: str = "completed",
    ) -> JSON:
        body = {
            "api_key": api_key,
            "arrival_days": arrival_days,
            "status": status,
            "reconciliation": reconciliation,
        }
        return cast(JSON, self._call("POST", "payouts", body))

    def set_payout_status(self, payout_id: str, status: str) -> JSON:
        path = f"payouts/{self._q(payout_id)}/status"
        return cast(JSON, self._call("POST", path, {"status": status}))

    def add_balance_transaction(
        self,
        api_key: str | None = None,
        *,
        type_: str = "adjustment",
        amount: int,
        fee: int = 0,
        category: str | None = None,
        description: str = "",
    ) -> JSON:
        body = {
            "api_key": api_key,
            "type": type_,
            "amount": amount,
            "fee": fee,
            "reporting_category": category,
            "description": description,
        }
        return cast(JSON, self._call("POST", "balance_transactions", body))

    def charge_elsewhere(self, amount: int, api_key: str | None = None) -> JSON:
        return cast(JSON, self._call("POST", "charges", {"amount": amount, "api_key": api_key}))

    def sign(self, payload: bytes | str, t: int | None = None, secret: str | None = None) -> str:
        text = payload.decode("utf-8") if isinstance(payload, bytes) else payload
        result = self._call("POST", "sign", {"payload": text, "t": t, "secret": secret})
        return str(result["header"])


class StandinProcess:
    """Runs the stand-in as a separate process (``python -m tests.standin.stripe_standin``).

    ``with StandinProcess(webhook_url=...) as proc:`` gives ``proc.base_url`` and
    ``proc.remote`` (a :class:`RemoteStandin`); the process is terminated on exit.
    """

    def __init__(
        self,
        *,
        secret_key: str = DEFAULT_SECRET_KEY,
        webhook_secret: str = DEFAULT_WEBHOOK_SECRET,
        webhook_url: str | None = None,
        auto_deliver: bool = True,
        extra_args: Sequence[str] = (),
        startup_timeout: float = 10.0,
    ) -> None:
        self.args = [
            sys.executable,
            "-m",
            "tests.standin.stripe_standin",
            "--secret-key",
            secret_key,
            "--webhook-secret",
            webhook_secret,
            *(["--webhook-url", webhook_url] if webhook_url else []),
            *([] if auto_deliver else ["--no-auto-deliver"]),
            *extra_args,
        ]
        self.startup_timeout = startup_timeout
        self._process: subprocess.Popen[str] | None = None
        self._base_url: str | None = None

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise StandinError("the stand-in process is not running")
        return self._base_url

    @property
    def remote(self) -> RemoteStandin:
        return RemoteStandin(self.base_url)

    def __enter__(self) -> StandinProcess:
        root = Path(__file__).resolve().parents[2]
        process = subprocess.Popen(
            self.args, cwd=root, stdout=subprocess.PIPE, text=True, encoding="utf-8"
        )
        self._process = process
        lines: queue.Queue[str] = queue.Queue()
        stdout = process.stdout
        assert stdout is not None
        reader = threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True)
        reader.start()
        try:
            first = lines.get(timeout=self.startup_timeout).strip()
        except queue.Empty:
            self._end()
            raise StandinError("the stand-in process did not start in time") from None
        if not first.startswith("http://"):
            self._end()
            raise StandinError(f"the stand-in process did not start: {first!r}")
        self._base_url = first
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._end()

    def _end(self) -> None:
        process = self._process
        if process is None:
            return
        self._process = None
        process.terminate()
        try:
            process.wait(timeout=5.0)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5.0)
        if process.stdout is not None:
            process.stdout.close()


# --------------------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.standin.stripe_standin",
        description="A local Stripe API stand-in for jdoffice's tests. Prints its base URL.",
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free)")
    parser.add_argument("--secret-key", default=DEFAULT_SECRET_KEY)
    parser.add_argument("--extra-api-key", action="append", default=[])
    parser.add_argument("--webhook-url", default=None)
    parser.add_argument("--webhook-secret", default=DEFAULT_WEBHOOK_SECRET)
    parser.add_argument(
        "--no-auto-deliver",
        action="store_true",
        help="do not deliver each event to --webhook-url as it happens",
    )
    parser.add_argument("--api-version", default=DEFAULT_API_VERSION)
    parser.add_argument("--extra-events", action="store_true")
    parser.add_argument("--refunds-pending", action="store_true")
    parser.add_argument(
        "--no-charge-refunds-in-events",
        action="store_true",
        help="leave `refunds` off the charge in charge.refunded, as Stripe does",
    )
    parser.add_argument(
        "--max-lifetime", type=float, default=3600.0, help="exit after this many seconds"
    )
    args = parser.parse_args(argv)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    standin = StripeStandin(
        secret_key=args.secret_key,
        extra_api_keys=args.extra_api_key,
        webhook_secret=args.webhook_secret,
        webhook_url=args.webhook_url,
        auto_deliver=args.webhook_url is not None and not args.no_auto_deliver,
        port=args.port,
        api_version=args.api_version,
        extra_events=args.extra_events,
        refunds_pending=args.refunds_pending,
        charge_refunds_in_events=not args.no_charge_refunds_in_events,
    )
    with standin:
        print(standin.base_url, flush=True)
        stop.wait(timeout=args.max_lifetime)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
