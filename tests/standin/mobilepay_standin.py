"""A local, stateful stand-in for the parts of Vipps MobilePay's API that jdoffice uses: the
Access Token API and the ePayment API v1, with signed Webhooks API notifications.

Tests point :class:`jdoffice.gateways.mobilepay_epayment.MobilePayGateway` at
:attr:`MobilePayStandin.base_url` and play the student and the provider through plain
methods::

    with MobilePayStandin() as standin:
        gateway = MobilePayGateway(api_base=standin.base_url, **standin.credentials())
        checkout = gateway.start(params, idempotency_key=key)
        standin.approve(checkout.provider_ref)

What it models, as the API documents it: tokens with an ``expires_in`` (seconds, as a
string) that run out; every ePayment call needs the Bearer token, the subscription key and the
merchant serial number; create, capture, cancel and refund are idempotent per
``Idempotency-Key`` (the same key with another body is a 409); references follow
``^[a-zA-Z0-9-]{8,64}$`` and are unique; QR (``redirectUrl`` the QR holds) and
PUSH_MESSAGE (a ``customer.phoneNumber`` is required) flows; the states CREATED, AUTHORIZED,
ABORTED, EXPIRED and TERMINATED with the ``aggregate`` amounts; captures and refunds capped
by what is reserved and captured; the per-payment event log; errors as problem+json. When a
webhook URL is set, each event is POSTed there, signed as the Webhooks API signs. Only the
standard library and httpx are used.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from jdoffice.gateways import mobilepay_webhooks

REFERENCE = re.compile(r"^[a-zA-Z0-9-]{8,64}$")
PHONE = re.compile(r"^\d{10,15}$")
PAYMENTS = "/epayment/v1/payments"

CLIENT_ID = "standin-client-id"
CLIENT_SECRET = "standin-client-secret"
SUBSCRIPTION_KEY = "standin-subscription-key"
MSN = "123456"
WEBHOOK_SECRET = "standin-webhook-secret"


class Problem(Exception):
    """An error answer: RFC 7807 problem+json."""

    def __init__(self, status: int, title: str, detail: str = "", code: str = "") -> None:
        super().__init__(title)
        self.status = status
        self.body: dict[str, Any] = {
            "type": f"https://httpstatuses.io/{status}",
            "title": title,
            "status": status,
            "detail": detail or title,
            "traceId": uuid.uuid4().hex,
        }
        if code:
            self.body["extraDetails"] = [{"name": "ErrorCode", "reason": code}]


def _amount(currency: str, value: int) -> dict[str, Any]:
    return {"currency": currency, "value": value}


class MobilePayStandin:
    """The provider: its payments, tokens and the switches tests turn."""

    def __init__(self, *, token_lifetime: int = 3600, webhook_secret: str = WEBHOOK_SECRET) -> None:
        self.token_lifetime = token_lifetime
        self.webhook_secret = webhook_secret
        self.webhook_url: str | None = None
        self.fail_captures = False
        self.lock = threading.RLock()
        self.payments: dict[str, dict[str, Any]] = {}
        self.events: dict[str, list[dict[str, Any]]] = {}
        self.tokens: dict[str, float] = {}
        self.tokens_issued = 0
        self.idempotency: dict[tuple[str, str], tuple[str, int, Any]] = {}
        self.requests: list[dict[str, Any]] = []
        self.captures: list[str] = []
        self.deliveries: list[int] = []
        self.internal_errors: list[str] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    def __enter__(self) -> MobilePayStandin:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            # Connections are kept open between requests, as the API's are.
            protocol_version = "HTTP/1.1"
            # Each answer leaves in one write (headers and body), without Nagle's delay.
            wbufsize = 64 * 1024
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                standin._handle(self, "GET")

            def do_POST(self) -> None:
                standin._handle(self, "POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @staticmethod
    def credentials() -> dict[str, str]:
        return {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "subscription_key": SUBSCRIPTION_KEY,
            "merchant_serial_number": MSN,
        }

    # -- the student and the provider ----------------------------------------------------------

    def approve(self, reference: str) -> None:
        """The student approves in the app: the amount is reserved."""
        with self.lock:
            p = self._created(reference)
            p["state"] = "AUTHORIZED"
            p["aggregate"]["authorizedAmount"]["value"] = p["amount"]["value"]
            self._event(p, "AUTHORIZED", p["amount"]["value"], p["idempotencyKey"])

    def reject(self, reference: str) -> None:
        with self.lock:
            p = self._created(reference)
            p["state"] = "ABORTED"
            self._event(p, "ABORTED", p["amount"]["value"], p["idempotencyKey"])

    def expire(self, reference: str) -> None:
        with self.lock:
            p = self._created(reference)
            p["state"] = "EXPIRED"
            self._event(p, "EXPIRED", p["amount"]["value"], p["idempotencyKey"])

    def expire_tokens(self) -> None:
        with self.lock:
            for token in self.tokens:
                self.tokens[token] = 0.0

    def _created(self, reference: str) -> dict[str, Any]:
        p = self.payments[reference]
        if p["state"] != "CREATED":
            raise AssertionError(f"payment {reference} is {p['state']}, not CREATED")
        return p

    def payment(self, reference: str) -> dict[str, Any]:
        with self.lock:
            return copy.deepcopy(self.payments[reference])

    def event_log(self, reference: str) -> list[dict[str, Any]]:
        with self.lock:
            return copy.deepcopy(self.events.get(reference, []))

    def _event(self, p: dict[str, Any], name: str, value: int, key: str, ok: bool = True) -> None:
        event = {
            "reference": p["reference"],
            "pspReference": str(uuid.uuid4()),
            "name": name,
            "amount": _amount(p["amount"]["currency"], value),
            "timestamp": dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z"),
            "idempotencyKey": key,
            "success": ok,
        }
        self.events.setdefault(p["reference"], []).append(event)
        if self.webhook_url:
            # Sent after the change, off the lock: the receiver asks about the payment at once.
            url = self.webhook_url
            threading.Thread(target=self.deliver, args=({"msn": MSN, **event}, url)).start()

    # -- notifications -------------------------------------------------------------------------

    def signed(
        self, event: dict[str, Any], url: str, *, when: dt.datetime | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """The body and headers of a notification of ``event`` to ``url``, signed."""
        body = json.dumps(event).encode()
        u = httpx.URL(url)
        host = u.host + (f":{u.port}" if u.port else "")
        path = u.raw_path.decode()
        headers = mobilepay_webhooks.signed_headers(
            self.webhook_secret, body, host, path, when or dt.datetime.now(dt.UTC)
        )
        return body, headers

    def deliver(self, event: dict[str, Any], url: str) -> int:
        body, headers = self.signed(event, url)
        try:
            status = httpx.post(url, content=body, headers=headers, timeout=10).status_code
        except httpx.HTTPError:
            status = 0
        self.deliveries.append(status)
        return status

    # -- HTTP ----------------------------------------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in h.headers.items()}
        with self.lock:
            self.requests.append({"method": method, "path": h.path, "headers": headers})
        try:
            status, answer = self._route(method, h.path, headers, raw)
        except Problem as p:
            status, answer = p.status, p.body
        except Exception as exc:  # a bug here must fail the test, not hang it
            self.internal_errors.append(repr(exc))
            status, answer = 500, Problem(500, "Internal error").body
        data = json.dumps(answer).encode() if answer is not None else b""
        h.send_response(status)
        ctype = "application/problem+json" if status >= 400 else "application/json"
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    def _route(
        self, method: str, path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, Any]:
        if path == "/accesstoken/get" and method == "POST":
            return self._token(headers)
        if not path.startswith(PAYMENTS):
            raise Problem(404, "Not Found")
        self._authorize(headers)
        body: Any = None
        if method == "POST":
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                raise Problem(400, "Bad Request", "the body is not JSON") from None
        rest = path[len(PAYMENTS) :].strip("/").split("/")
        if rest == [""] and method == "POST":
            return self._idempotent(headers, "create", body, lambda: self._create(body, headers))
        reference = rest[0]
        with self.lock:
            if reference not in self.payments:
                raise Problem(404, "Payment not found", f"no payment {reference}")
        if len(rest) == 1 and method == "GET":
            return 200, self.payment(reference)
        if rest[1:] == ["events"] and method == "GET":
            return 200, self.event_log(reference)
        action = rest[1] if len(rest) == 2 else ""
        key = headers.get("idempotency-key", "")
        handlers: dict[str, Callable[[], dict[str, Any]]] = {
            "capture": lambda: self._capture(reference, body, key),
            "cancel": lambda: self._cancel(reference),
            "refund": lambda: self._refund(reference, body, key),
        }
        if method != "POST" or action not in handlers:
            raise Problem(404, "Not Found")
        return self._idempotent(headers, f"{reference}/{action}", body, handlers[action])

    def _token(self, headers: dict[str, str]) -> tuple[int, Any]:
        if (
            headers.get("client_id") != CLIENT_ID
            or headers.get("client_secret") != CLIENT_SECRET
            or headers.get("ocp-apim-subscription-key") != SUBSCRIPTION_KEY
            or headers.get("merchant-serial-number") != MSN
        ):
            raise Problem(401, "Unauthorized", "wrong client_id, secret, key or MSN")
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = time.monotonic() + self.token_lifetime
            self.tokens_issued += 1
        return 200, {
            "token_type": "Bearer",
            "expires_in": str(self.token_lifetime),
            "ext_expires_in": str(self.token_lifetime),
            "access_token": token,
        }

    def _authorize(self, headers: dict[str, str]) -> None:
        auth = headers.get("authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else ""
        with self.lock:
            until = self.tokens.get(token)
        if until is None or time.monotonic() >= until:
            raise Problem(401, "Unauthorized", "missing, unknown or expired access token")
        if headers.get("ocp-apim-subscription-key") != SUBSCRIPTION_KEY:
            raise Problem(401, "Unauthorized", "wrong subscription key")
        if headers.get("merchant-serial-number") != MSN:
            raise Problem(403, "Forbidden", "wrong merchant serial number")

    def _idempotent(
        self, headers: dict[str, str], scope: str, body: Any, do: Callable[[], dict[str, Any]]
    ) -> tuple[int, Any]:
        key = headers.get("idempotency-key", "")
        if not key:
            raise Problem(400, "Bad Request", "the Idempotency-Key header is required")
        digest = json.dumps(body, sort_keys=True)
        with self.lock:
            seen = self.idempotency.get((scope, key))
            if seen is not None:
                if seen[0] != digest:
                    raise Problem(409, "Conflict", "idempotency key reused with another body")
                return seen[1], seen[2]
            answer = do()
            self.idempotency[(scope, key)] = (digest, 200, answer)
            return 200, answer

    def _create(self, body: Any, headers: dict[str, str]) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise Problem(400, "Bad Request", "the body must be an object")
        reference = body.get("reference")
        amount = body.get("amount") or {}
        flow = body.get("userFlow")
        problems = []
        if not isinstance(reference, str) or not REFERENCE.match(reference):
            problems.append("reference must match '^[a-zA-Z0-9-]{8,64}$'")
        if amount.get("currency") not in ("NOK", "DKK", "EUR"):
            problems.append("amount.currency must be NOK, DKK or EUR")
        value = amount.get("value")
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            problems.append("amount.value must be a positive integer")
        if body.get("paymentMethod") != {"type": "WALLET"}:
            problems.append("paymentMethod.type must be WALLET")
        if flow not in ("QR", "PUSH_MESSAGE", "WEB_REDIRECT", "NATIVE_REDIRECT"):
            problems.append("userFlow is missing or unknown")
        phone = (body.get("customer") or {}).get("phoneNumber")
        if flow == "PUSH_MESSAGE" and not (isinstance(phone, str) and PHONE.match(phone)):
            problems.append("customer.phoneNumber is required for PUSH_MESSAGE")
        if problems:
            raise Problem(400, "Bad Request", "; ".join(problems))
        assert isinstance(reference, str)
        assert isinstance(value, int)
        if reference in self.payments:
            raise Problem(409, "Conflict", f"reference {reference} is already used", "3100")
        zero = _amount(amount["currency"], 0)
        self.payments[reference] = {
            "reference": reference,
            "state": "CREATED",
            "amount": dict(amount),
            "paymentMethod": {"type": "WALLET"},
            "pspReference": str(uuid.uuid4()),
            "aggregate": {
                "authorizedAmount": dict(zero),
                "cancelledAmount": dict(zero),
                "capturedAmount": dict(zero),
                "refundedAmount": dict(zero),
            },
            "metadata": dict(body.get("metadata") or {}),
            "userFlow": flow,
            "customer": dict(body.get("customer") or {}),
            "idempotencyKey": headers.get("idempotency-key", ""),
            "profile": {},
        }
        self._event(self.payments[reference], "CREATED", value, headers.get("idempotency-key", ""))
        url = f"https://qr.standin.example/p/{reference}" if flow == "QR" else None
        answer: dict[str, Any] = {"reference": reference}
        if url:
            answer["redirectUrl"] = url
        return answer

    def _adjustment(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "amount": copy.deepcopy(p["amount"]),
            "state": p["state"],
            "aggregate": copy.deepcopy(p["aggregate"]),
            "pspReference": str(uuid.uuid4()),
            "reference": p["reference"],
        }

    @staticmethod
    def _modification(body: Any, currency: str) -> int:
        mod = (body or {}).get("modificationAmount") or {}
        value = mod.get("value")
        if mod.get("currency") != currency or not isinstance(value, int) or value <= 0:
            raise Problem(400, "Bad Request", "modificationAmount must be a positive amount")
        return value

    def _capture(self, reference: str, body: Any, key: str) -> dict[str, Any]:
        p = self.payments[reference]
        agg = p["aggregate"]
        if p["state"] != "AUTHORIZED":
            raise Problem(400, "Cannot capture before reservation", code="6080")
        value = self._modification(body, p["amount"]["currency"])
        left = (
            agg["authorizedAmount"]["value"]
            - agg["capturedAmount"]["value"]
            - agg["cancelledAmount"]["value"]
        )
        if self.fail_captures:
            raise Problem(400, "Capture failed", "the capture was declined", "6094")
        if value > left:
            raise Problem(400, "Captured amount exceeds authorized amount", code="6090")
        agg["capturedAmount"]["value"] += value
        self.captures.append(reference)
        self._event(p, "CAPTURED", value, key)
        return self._adjustment(p)

    def _cancel(self, reference: str) -> dict[str, Any]:
        p = self.payments[reference]
        agg = p["aggregate"]
        if p["state"] == "CREATED":
            p["state"] = "TERMINATED"
            self._event(p, "TERMINATED", p["amount"]["value"], f"cancel-{reference}")
        elif p["state"] == "AUTHORIZED" and agg["capturedAmount"]["value"] == 0:
            left = agg["authorizedAmount"]["value"] - agg["cancelledAmount"]["value"]
            if left > 0:
                agg["cancelledAmount"]["value"] += left
                self._event(p, "CANCELLED", left, f"cancel-{reference}")
        else:
            raise Problem(400, "Cannot cancel", f"the payment is {p['state']}", "6020")
        return self._adjustment(p)

    def _refund(self, reference: str, body: Any, key: str) -> dict[str, Any]:
        p = self.payments[reference]
        agg = p["aggregate"]
        value = self._modification(body, p["amount"]["currency"])
        left = agg["capturedAmount"]["value"] - agg["refundedAmount"]["value"]
        if value > left:
            raise Problem(400, "Refunded amount too large", "more than is captured", "6200")
        agg["refundedAmount"]["value"] += value
        self._event(p, "REFUNDED", value, key)
        return self._adjustment(p)
