"""SMS through a Twilio-compatible REST API over httpx.

``POST {base}/2010-04-01/Accounts/{account}/Messages.json`` with the form fields ``To``,
``From`` and ``Body`` (UTF-8, form-encoded) and basic auth (account, token), as Twilio's API
takes it; the answer's ``sid`` is the message's id. No error text names the token.
"""

from __future__ import annotations

from urllib.parse import quote

import httpx

from jdoffice.adapters.notify_config import SmsProvider
from jdoffice.adapters.secrets import Secret
from jdoffice.services.notifications import DeliveryError


class TwilioSmsSender:
    def __init__(
        self,
        provider: SmsProvider,
        token: Secret,
        default_sender: str = "",
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.provider = provider
        self._token = token
        self.default_sender = default_sender
        self._transport = transport

    def __repr__(self) -> str:
        return f"TwilioSmsSender({self.provider.api_base}, account={self.provider.account!r})"

    def send(self, to: str, body: str, sender: str) -> str:
        p = self.provider
        if not p.account:
            raise DeliveryError("no SMS account: set JDOFFICE_SMS_ACCOUNT or [sms] account")
        if not self._token:
            raise DeliveryError("no SMS token: `jdoffice keys set sms-token` or JDOFFICE_SMS_TOKEN")
        url = f"{p.api_base.rstrip('/')}/2010-04-01/Accounts/{quote(p.account, safe='')}/Messages.json"
        try:
            with httpx.Client(
                timeout=p.timeout_seconds, transport=self._transport, follow_redirects=False
            ) as client:
                response = client.post(
                    url,
                    data={"To": to, "From": sender, "Body": body},
                    auth=(p.account, self._token.value),
                    headers={"Accept": "application/json"},
                )
        except httpx.TimeoutException:
            raise DeliveryError(f"the SMS service at {p.api_base} did not answer in time") from None
        except httpx.HTTPError as exc:
            raise DeliveryError(
                f"cannot reach the SMS service at {p.api_base}: {type(exc).__name__}"
            ) from None
        if response.status_code in (200, 201):
            try:
                sid = response.json().get("sid")
            except ValueError:
                sid = None
            return str(sid or "")
        detail = _provider_message(response)
        status = response.status_code
        if status in (401, 403):
            raise DeliveryError(
                f"the SMS service refused the account {p.account!r} ({status}); check the "
                "token (`keys set sms-token` or JDOFFICE_SMS_TOKEN)"
            )
        # 400 is the number or the text (permanent); 429 and 5xx pass.
        permanent = 400 <= status < 500 and status not in (408, 409, 429)
        raise DeliveryError(f"the SMS service answered {status}: {detail}", permanent=permanent)


def _provider_message(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return " ".join(response.text.split())[:200] or response.reason_phrase
    if isinstance(data, dict):
        message = data.get("message") or data.get("error") or ""
        code = data.get("code")
        text = " ".join(str(message).split())[:200]
        return f"{text} (code {code})" if code else text or response.reason_phrase
    return response.reason_phrase
