"""The HTTP side of the MobilePay gateway: the access token and every call's headers and errors.

* The token comes from ``POST /accesstoken/get`` (headers ``client_id``, ``client_secret``,
  ``Ocp-Apim-Subscription-Key``, ``Merchant-Serial-Number``). It is kept, shared by every
  thread of the process, until :data:`TOKEN_MARGIN_S` before ``expires_in`` runs out; a 401
  from the API drops it and the call is made once more with a fresh one.
* Every call names the system: ``Vipps-System-Name`` ``jdoffice`` with jdoffice's version,
  ``Vipps-System-Plugin-Name`` ``jdoffice-mobilepay`` with the same version.
* A timeout, a broken connection, 429 or a 5xx is :class:`ProviderError` (the outcome is
  unknown; the same idempotency key is sent again on the retry); any other 4xx is
  :class:`ProviderRefused` with the problem's ``title``, ``detail`` and the reasons in
  ``extraDetails`` (RFC 7807), never the request itself.
"""

from __future__ import annotations

import importlib.metadata
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
        self._http = httpx.Client(
            base_url=api_base.rstrip("/"), timeout=timeout_seconds, transport=transport
        )
        version = system_version()
        self._system = {
            "Vipps-System-Name": SYSTEM_NAME,
            "Vipps-System-Version": version,
            "Vipps-System-Plugin-Name": PLUGIN_NAME,
            "Vipps-System-Plugin-Version": version,
        }
        self._lock = threading.Lock()
        self._token: str | None = None
        self._token_until = 0.0

    def close(self) -> None:
        self._http.close()

    # -- the token -------------------------------------------------------------------------------

    def token(self) -> str:
        """A valid access token, fetched once for every thread that needs it at once."""
        with self._lock:
            if self._token is not None and self._clock() < self._token_until:
                return self._token
            headers = {
                "client_id": self._client_id,
                "client_secret": self._client_secret,
                "Ocp-Apim-Subscription-Key": self._subscription_key,
                "Merchant-Serial-Number": self._msn,
                **self._system,
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
            return token

    def _drop_token(self, token: str) -> None:
        with self._lock:
            if self._token == token:
                self._token = None

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
                **self._system,
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
        try:
            if json_body is not None:
                return self._http.request(method, path, headers=headers, json=json_body)
            return self._http.request(method, path, headers=headers, content=content)
        except httpx.TimeoutException:
            raise ProviderError("MobilePay did not answer in time") from None
        except httpx.HTTPError as exc:
            raise ProviderError(f"MobilePay is unreachable: {type(exc).__name__}") from None

    @staticmethod
    def _check(response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        if status == 429 or status >= 500:
            raise ProviderError(f"MobilePay had a problem: {problem_text(response)}")
        raise ProviderRefused(f"MobilePay refused: {problem_text(response)}")
