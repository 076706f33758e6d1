"""The HTTP side of the MobilePay gateway: the access token and every call's headers and errors.

* The token comes from ``POST /accesstoken/get`` (headers ``client_id``, ``client_secret``,
  ``Ocp-Apim-Subscription-Key``, ``Merchant-Serial-Number``). It is kept, shared by every
  thread of the process and by every client built with the same address and keys (the
  webhook receiver builds a school's gateway again every few seconds), until
  :data:`TOKEN_MARGIN_S` before ``expires_in`` runs out; a 401 from the API drops it and the
  call is made once more with a fresh one.
* Every call names the system: ``Vipps-System-Name`` ``jdoffice`` with jdoffice's version,
  ``Vipps-System-Plugin-Name`` ``jdoffice-mobilepay`` with the same version.
* A timeout, a broken connection, 429 or a 5xx is :class:`ProviderError` (the outcome is
  unknown; the same idempotency key is sent again on the retry); any other 4xx is
  :class:`ProviderRefused` with the problem's ``title``, ``detail`` and the reasons in
  ``extraDetails`` (RFC 7807), never the request itself.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from jdoffice.services.gateways import ProviderError, ProviderRefused

TOKEN_PATH = "/accesstoken/get"  # noqa: S105 - an address, not a secret
#: A token is renewed this long before it expires (a call must not reach the API with a token
#: that runs out on the way).
TOKEN_MARGIN_S = 120
#: Tokens kept for the process, by API address, client id, sales unit and a hash of the keys:
#: a client built again with the same keys uses the token the last one fetched.
MAX_SHARED_TOKENS = 1024
_shared_tokens: dict[tuple[str, str, str, str], tuple[str, float]] = {}
_shared_lock = threading.Lock()
SYSTEM_NAME = "jdoffice"
PLUGIN_NAME = "jdoffice-mobilepay"


def system_version() -> str:
    try:
        return importlib.metadata.version("jdoffice")
    except importlib.metadata.PackageNotFoundError:
        return "0"


def problem_text(response: httpx.Response) -> str:
    """What a problem+json answer says: title, detail and the reasons given, bounded."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return f"HTTP {response.status_code}"
    parts = [str(body[k]) for k in ("title", "detail") if isinstance(body.get(k), str)]
    extra = body.get("extraDetails")
    if isinstance(extra, list):
        for item in extra[:5]:
            if isinstance(item, dict) and isinstance(item.get("reason"), str):
                name = item.get("name")
                parts.append(
                    f"{name}: {item['reason']}" if isinstance(name, str) else item["reason"]
                )
    text = " – ".join(p.strip() for p in parts if p.strip()) or f"HTTP {response.status_code}"
    return text[:400]


class ApiClient:
    """One sales unit's way to the API: a pooled httpx client and its cached token."""

    def __init__(
        self,
        *,
        api_base: str,
        client_id: str,
        client_secret: str,
        subscription_key: str,
        merchant_serial_number: str,
        timeout_seconds: float = 15.0,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        missing = [
            name
            for name, value in (
                ("client secret", client_secret),
                ("subscription key", subscription_key),
            )
            if not value
        ]
        if missing:
            raise ProviderRefused(
                f"no MobilePay {' or '.join(missing)} for this school: `jdoffice keys set "
                "mobilepay-client-secret` / `mobilepay-subscription-key`, or "
                "JDOFFICE_MOBILEPAY_CLIENT_SECRET / JDOFFICE_MOBILEPAY_SUBSCRIPTION_KEY"
            )
        self._client_id = client_id
        self._client_secret = client_secret
        self._subscription_key = subscription_key
        self._msn = merchant_serial_number
        self._clock = clock
        self._http = httpx.Client(timeout=timeout_seconds, transport=transport)
        self._base = api_base.rstrip("/")
        # Each request is built whole here and handed to the client (``Client.send``): the
        # client's own request building (base address, default headers, cookies) costs as
        # much again as sending it, and none of it changes between calls.
        self._timeout = {"timeout": httpx.Timeout(timeout_seconds).as_dict()}
        version = system_version()
        self._system = {
            "Vipps-System-Name": SYSTEM_NAME,
            "Vipps-System-Version": version,
            "Vipps-System-Plugin-Name": PLUGIN_NAME,
            "Vipps-System-Plugin-Version": version,
        }
        self._defaults = {**dict(self._http.headers), **self._system}
        self._lock = threading.Lock()
        self._token: str | None = None
        self._token_until = 0.0
        keys = hashlib.sha256(f"{client_secret}\0{subscription_key}".encode()).hexdigest()
        self._token_key = (self._base, client_id, merchant_serial_number, keys)

    def close(self) -> None:
        self._http.close()

    # -- the token -------------------------------------------------------------------------------

    def token(self) -> str:
        """A valid access token, fetched once for every thread that needs it at once."""
        with self._lock:
            now = self._clock()
            if self._token is not None and now < self._token_until:
                return self._token
            with _shared_lock:
                shared = _shared_tokens.get(self._token_key)
            if shared is not None and now < shared[1]:
                self._token, self._token_until = shared
                return shared[0]
            headers = {
                "client_id": self._client_id,
                "client_secret": self._client_secret,
                "Ocp-Apim-Subscription-Key": self._subscription_key,
                "Merchant-Serial-Number": self._msn,
            }
            response = self._send("POST", TOKEN_PATH, headers=headers, content=b"")
            if response.status_code in (400, 401, 403):
                raise ProviderRefused(
                    "MobilePay refused the API keys (client_id, client secret, subscription "
                    f"key, merchant serial number): {problem_text(response)}"
                )
            self._check(response)
            body = response.json() if response.content else {}
            token = body.get("access_token") if isinstance(body, dict) else None
            if not isinstance(token, str) or not token:
                raise ProviderError("MobilePay answered the token request without a token")
            try:
                lifetime = float(body.get("expires_in", 0))
            except (TypeError, ValueError):
                lifetime = 0.0
            self._token = token
            self._token_until = self._clock() + max(lifetime - TOKEN_MARGIN_S, 0.0)
            with _shared_lock:
                _shared_tokens.pop(self._token_key, None)
                while len(_shared_tokens) >= MAX_SHARED_TOKENS:
                    del _shared_tokens[next(iter(_shared_tokens))]
                _shared_tokens[self._token_key] = (token, self._token_until)
            return token

    def _drop_token(self, token: str) -> None:
        with self._lock:
            if self._token == token:
                self._token = None
        with _shared_lock:
            shared = _shared_tokens.get(self._token_key)
            if shared is not None and shared[0] == token:
                del _shared_tokens[self._token_key]

    # -- calls -----------------------------------------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        """Make one API call and return its JSON answer (``None`` for an empty one).

        Raises:
            ProviderError: no answer in time, or the API had a problem (outcome unknown).
            ProviderRefused: the API said no (the problem's words).
        """
        for attempt in (1, 2):
            token = self.token()
            headers = {
                "Authorization": f"Bearer {token}",
                "Ocp-Apim-Subscription-Key": self._subscription_key,
                "Merchant-Serial-Number": self._msn,
            }
            if idempotency_key is not None:
                headers["Idempotency-Key"] = idempotency_key
            response = self._send(method, path, headers=headers, json_body=body)
            if response.status_code == 401 and attempt == 1:
                self._drop_token(token)  # revoked or expired early: once more, fresh
                continue
            self._check(response)
            if not response.content:
                return None
            try:
                return response.json()
            except ValueError:
                raise ProviderError("MobilePay answered with something that is not JSON") from None
        raise ProviderRefused("MobilePay refused the access token")  # pragma: no cover

    def _send(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str],
        content: bytes | None = None,
        json_body: dict[str, Any] | None = None,
    ) -> httpx.Response:
        if json_body is not None:
            # As httpx encodes ``json=``: compact UTF-8, no NaN.
            content = json.dumps(
                json_body, ensure_ascii=False, separators=(",", ":"), allow_nan=False
            ).encode("utf-8")
            headers["Content-Type"] = "application/json"
        try:
            request = httpx.Request(
                method,
                self._base + path,
                headers={**self._defaults, **headers},
                content=content,
                extensions=self._timeout,
            )
            return self._http.send(request)
        except httpx.InvalidURL:
            raise ProviderRefused(
                f"the MobilePay API address {self._base!r} is not a usable address"
            ) from None
        except httpx.TimeoutException:
            raise ProviderError("MobilePay did not answer in time") from None
        except httpx.HTTPError as exc:
            raise ProviderError(f"MobilePay is unreachable: {type(exc).__name__}") from None
        except RuntimeError:
            # The client was closed under this call (its gateway was replaced and retired
            # longer ago than any call should take): the outcome is unknown, try again.
            raise ProviderError("MobilePay's connection was closed during the call") from None

    @staticmethod
    def _check(response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        if status == 429 or status >= 500:
            raise ProviderError(f"MobilePay had a problem: {problem_text(response)}")
        raise ProviderRefused(f"MobilePay refused: {problem_text(response)}")
