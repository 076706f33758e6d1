"""The MobilePay gateway (ePayment API v1) against the local MobilePay stand-in.

The gateway's own behaviour: the access token and its renewal, the headers every call carries,
idempotent starts, the QR and push parameters, capture on approval (once, and never a payment
when it fails), cancel, partial refunds and the webhook signature. The services and the webhook
receiver with this gateway are tested in ``test_mobilepay_services.py``.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from jdoffice.domain.errors import InvalidInput
from jdoffice.domain.model import UTC, Actor
from jdoffice.gateways import mobilepay_webhooks
from jdoffice.gateways.mobilepay_epayment import MobilePayGateway, capture_key
from jdoffice.services.gateways import (
    CheckoutRequest,
    CheckoutStatus,
    InvalidSignature,
    ProviderError,
    ProviderRefused,
    RefundState,
)
from tests.standin import mobilepay_standin as sd
from tests.standin.mobilepay_standin import MobilePayStandin

ACTOR = Actor(staff="mette", desk="desk-1")


@pytest.fixture
def standin() -> Iterator[MobilePayStandin]:
    with MobilePayStandin() as s:
        yield s
        assert s.internal_errors == []


def make_gateway(standin: MobilePayStandin, **kwargs: Any) -> MobilePayGateway:
    values: dict[str, Any] = {
        "api_base": standin.base_url,
        "webhook_secret": sd.WEBHOOK_SECRET,
        "timeout_seconds": 5.0,
        **standin.credentials(),
        **kwargs,
    }
    return MobilePayGateway(**values)


@pytest.fixture
def gateway(standin: MobilePayStandin) -> Iterator[MobilePayGateway]:
    gw = make_gateway(standin)
    yield gw
    gw.close()


def request(attempt_id: str = "", **changes: Any) -> CheckoutRequest:
    values: dict[str, Any] = {
        "attempt_id": attempt_id or "0b5c2a9e-6c1f-4d55-9a57-0c4e1c7d9a01",
        "school_slug": "osterbro",
        "school_name": "Østerbro Køreskole",
        "invoice_no": "F-1001",
        "invoice_text": "Køretime 45 min",
        "student_no": "S-7",
        "student_name": "Søren Jensen",
        "student_email": "",
        "amount_minor": 45000,
        "currency": "DKK",
        "expires_at": dt.datetime.now(UTC) + dt.timedelta(minutes=31),
        "success_url": "https://example.com/tak",
        "student_phone": "+45 12 34 56 78",
    }
    values.update(changes)
    return CheckoutRequest(**values)


_n = iter(range(1, 1_000_000))


def attempt_id() -> str:
    return f"0b5c2a9e-6c1f-4d55-9a57-{next(_n):012d}"


def started(gateway: MobilePayGateway, **changes: Any) -> str:
    """A payment started at the stand-in; its reference."""
    aid = attempt_id()
    checkout = gateway.start(gateway.checkout_params(request(aid, **changes)), aid)
    assert checkout.provider_ref == aid
    return aid


def api_requests(standin: MobilePayStandin) -> list[dict[str, Any]]:
    return [r for r in standin.requests if r["path"].startswith("/epayment/")]


# --------------------------------------------------------------------------- token, headers


def test_token_is_fetched_once_and_kept(
    standin: MobilePayStandin, gateway: MobilePayGateway
) -> None:
    ref = started(gateway)
    gateway.fetch(ref)
    gateway.fetch(ref)
    assert standin.tokens_issued == 1
    token_requests = [r for r in standin.requests if r["path"] == "/accesstoken/get"]
    assert len(token_requests) == 1
    headers = token_requests[0]["headers"]
    assert headers["client_id"] == sd.CLIENT_ID
    assert headers["client_secret"] == sd.CLIENT_SECRET
    assert headers["ocp-apim-subscription-key"] == sd.SUBSCRIPTION_KEY
    assert headers["merchant-serial-number"] == sd.MSN


def test_token_is_renewed_before_it_expires() -> None:
    # A lifetime shorter than the renewal margin: every call needs a fresh token.
    with MobilePayStandin(token_lifetime=60) as standin:
        gw = make_gateway(standin)
        ref = started(gw)
        gw.fetch(ref)
        gw.fetch(ref)
        assert standin.tokens_issued == 3
        gw.close()


def test_revoked_token_is_replaced_and_the_call_succeeds(
    standin: MobilePayStandin, gateway: MobilePayGateway
) -> None:
    ref = started(gateway)
    standin.expire_tokens()
    assert gateway.fetch(ref).status is CheckoutStatus.OPEN
    assert standin.tokens_issued == 2


def test_a_gateway_built_again_with_the_same_keys_uses_the_token_already_fetched(
    standin: MobilePayStandin, gateway: MobilePayGateway
) -> None:
    """The receiver builds a school's gateway again every few seconds: the token is still
    fetched once, not once per build."""
    ref = started(gateway)
    again = make_gateway(standin)
    try:
        again.fetch(ref)
        assert standin.tokens_issued == 1
        # Revoked: whichever gateway is refused first fetches the next one, and the other
        # takes that one when its own is refused.
        standin.expire_tokens()
        assert again.fetch(ref).status is CheckoutStatus.OPEN
        assert gateway.fetch(ref).status is CheckoutStatus.OPEN
        assert standin.tokens_issued == 2
    finally:
        again.close()


def test_a_token_fetched_with_the_right_keys_does_not_serve_wrong_ones(
    standin: MobilePayStandin, gateway: MobilePayGateway
) -> None:
    ref = started(gateway)
    wrong = make_gateway(standin, client_secret="wrong-secret")
    try:
        with pytest.raises(ProviderRefused, match="refused the API keys"):
            wrong.fetch(ref)
    finally:
        wrong.close()
    assert standin.tokens_issued == 1


def test_wrong_keys_are_refused(standin: MobilePayStandin) -> None:
    gw = make_gateway(standin, client_secret="wrong-secret")
    with pytest.raises(ProviderRefused, match="refused the API keys") as caught:
        gw.start(gw.checkout_params(request(attempt_id())), attempt_id())
    assert "wrong-secret" not in str(caught.value)
    gw.close()


def test_every_call_names_the_sales_unit_and_jdoffice(
    standin: MobilePayStandin, gateway: MobilePayGateway
) -> None:
    ref = started(gateway)
    gateway.fetch(ref)
    version = importlib.metadata.version("jdoffice")
    calls = api_requests(standin)
    assert len(calls) == 2
    for call in calls:
        h = call["headers"]
        assert h["authorization"].startswith("Bearer ")
        assert h["ocp-apim-subscription-key"] == sd.SUBSCRIPTION_KEY
        assert h["merchant-serial-number"] == sd.MSN
        assert h["vipps-system-name"] == "jdoffice"
        assert h["vipps-system-version"] == version
        assert h["vipps-system-plugin-name"] == "jdoffice-mobilepay"
        assert h["vipps-system-plugin-version"] == version
    assert calls[0]["headers"]["idempotency-key"] == ref


# --------------------------------------------------------------------------- starting


def test_qr_parameters(gateway: MobilePayGateway) -> None:
    params = gateway.checkout_params(request(flow="qr"))
    assert params["amount"] == {"currency": "DKK", "value": 45000}
    assert params["paymentMethod"] == {"type": "WALLET"}
    assert params["reference"] == "0b5c2a9e-6c1f-4d55-9a57-0c4e1c7d9a01"
    assert params["userFlow"] == "QR"
    assert params["qrFormat"] == {"format": "TEXT/TARGETURL"}
    assert params["customerInteraction"] == "CUSTOMER_PRESENT"
    assert "customer" not in params
    assert "Østerbro Køreskole" in params["paymentDescription"]
    assert "F-1001" in params["paymentDescription"]
    assert params["metadata"]["student_no"] == "S-7"


@pytest.mark.parametrize(
    ("phone", "expected"),
    [
        ("+45 12 34 56 78", "4512345678"),
        ("12345678", "4512345678"),
        ("0045-12345678", "4512345678"),
    ],
)
def test_push_parameters(gateway: MobilePayGateway, phone: str, expected: str) -> None:
    params = gateway.checkout_params(request(flow="push", student_phone=phone))
    assert params["userFlow"] == "PUSH_MESSAGE"
    assert params["customer"] == {"phoneNumber": expected}
    assert "qrFormat" not in params


@pytest.mark.parametrize("phone", ["", "12345", "+46 701234567", "call me"])
def test_push_refuses_a_phone_that_is_no_danish_mobile(
    gateway: MobilePayGateway, phone: str
) -> None:
    with pytest.raises(InvalidInput):
        gateway.checkout_params(request(flow="push", student_phone=phone))


def test_start_qr_returns_the_qr_address(
    standin: MobilePayStandin, gateway: MobilePayGateway
) -> None:
    aid = attempt_id()
    checkout = gateway.start(gateway.checkout_params(request(aid)), aid)
    assert checkout.url == f"https://qr.standin.example/p/{aid}"
    assert checkout.status is CheckoutStatus.OPEN
    assert standin.payment(aid)["state"] == "CREATED"


def test_start_push_sends_the_phone(standin: MobilePayStandin, gateway: MobilePayGateway) -> None:
    ref = started(gateway, flow="push", student_phone="12 34 56 78")
    assert standin.payment(ref)["userFlow"] == "PUSH_MESSAGE"
    assert standin.payment(ref)["customer"] == {"phoneNumber": "4512345678"}


def test_start_is_idempotent(standin: MobilePayStandin, gateway: MobilePayGateway) -> None:
    aid = attempt_id()
    params = gateway.checkout_params(request(aid))
    first = gateway.start(params, aid)
    second = gateway.start(params, aid)
    assert first.provider_ref == second.provider_ref == aid
    assert len(standin.payments) == 1
    changed = {**params, "amount": {"currency": "DKK", "value": 100}}
    with pytest.raises(ProviderRefused, match="Conflict"):
        gateway.start(changed, aid)
    assert standin.payment(aid)["amount"]["value"] == 45000


def test_invalid_request_is_refused_with_the_problem(gateway: MobilePayGateway) -> None:
    params = gateway.checkout_params(request(attempt_id()))
    with pytest.raises(ProviderRefused, match=r"amount\.currency"):
        gateway.start({**params, "amount": {"currency": "SEK", "value": 100}}, attempt_id())


def test_unreachable_api_is_a_provider_error(standin: MobilePayStandin) -> None:
    gw = make_gateway(standin, api_base="http://127.0.0.1:9")
    with pytest.raises(ProviderError):
        gw.fetch(attempt_id())
    gw.close()


# --------------------------------------------------------------------------- approval, capture


def test_approval_is_captured_once_and_paid(
    standin: MobilePayStandin, gateway: MobilePayGateway
) -> None:
    ref = started(gateway)
    assert gateway.fetch(ref).status is CheckoutStatus.OPEN
    standin.approve(ref)
    first = gateway.fetch(ref)
    second = gateway.fetch(ref)
    assert first.status is CheckoutStatus.PAID
    assert second.status is CheckoutStatus.PAID
    assert standin.captures == [ref]
    assert standin.payment(ref)["aggregate"]["capturedAmount"]["value"] == 45000
    assert first.attempt_id == ref
    assert first.provider_ref == first.payment_ref == ref
    assert (first.school_slug, first.invoice_no, first.student_no) == ("osterbro", "F-1001", "S-7")
    assert (first.amount_minor, first.currency, first.livemode) == (45000, "DKK", False)
    captures = [r for r in api_requests(standin) if r["path"].endswith("/capture")]
    assert {r["headers"]["idempotency-key"] for r in captures} == {capture_key(ref)}


def test_concurrent_checks_capture_once(
    standin: MobilePayStandin, gateway: MobilePayGateway
) -> None:
    ref = started(gateway)
    standin.approve(ref)
    results: list[CheckoutStatus] = []

    def check() -> None:
        results.append(gateway.fetch(ref).status)

    threads = [threading.Thread(target=check) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [CheckoutStatus.PAID] * 8
    assert standin.captures == [ref]


def test_rejected_payment_fails(standin: MobilePayStandin, gateway: MobilePayGateway) -> None:
    ref = started(gateway)
    standin.reject(ref)
    assert gateway.fetch(ref).status is CheckoutStatus.FAILED
    assert standin.captures == []


def test_expired_payment_expires(standin: MobilePayStandin, gateway: MobilePayGateway) -> None:
    ref = started(gateway)
    standin.expire(ref)
    assert gateway.fetch(ref).status is CheckoutStatus.EXPIRED


def test_failing_capture_is_no_payment_and_releases_the_reservation(
    standin: MobilePayStandin, gateway: MobilePayGateway
) -> None:
    ref = started(gateway)
    standin.approve(ref)
    standin.fail_captures = True
    result = gateway.fetch(ref)
    assert result.status is CheckoutStatus.FAILED
    assert "Capture failed" in result.raw["capture_error"]
    assert result.payment_ref is None
    aggregate = standin.payment(ref)["aggregate"]
    assert aggregate["capturedAmount"]["value"] == 0
    assert aggregate["cancelledAmount"]["value"] == 45000
    standin.fail_captures = False
    assert gateway.fetch(ref).status is CheckoutStatus.FAILED  # released stays released
    assert standin.captures == []


def test_cancel_terminates_an_open_payment(
    standin: MobilePayStandin, gateway: MobilePayGateway
) -> None:
    ref = started(gateway)
    assert gateway.cancel(ref).status is CheckoutStatus.EXPIRED
    assert standin.payment(ref)["state"] == "TERMINATED"
    assert gateway.cancel(ref).status is CheckoutStatus.EXPIRED


def test_cancel_after_approval_captures_instead(
    standin: MobilePayStandin, gateway: MobilePayGateway
) -> None:
    ref = started(gateway)
    standin.approve(ref)
    assert gateway.cancel(ref).status is CheckoutStatus.PAID
    assert standin.captures == [ref]


# --------------------------------------------------------------------------- refunds


def test_partial_refunds_are_capped(standin: MobilePayStandin, gateway: MobilePayGateway) -> None:
    ref = started(gateway)
    standin.approve(ref)
    gateway.fetch(ref)
    key = "7d1c5e0a-1111-4b3a-9c11-000000000001"
    notice = gateway.refund(ref, 30000, idempotency_key=key, reason="for meget", metadata={})
    assert notice.state is RefundState.SUCCEEDED
    assert (notice.amount_minor, notice.currency, notice.payment_ref) == (30000, "DKK", ref)
    assert notice.our_refund_id == key
    again = gateway.refund(ref, 30000, idempotency_key=key, reason="for meget", metadata={})
    assert again == notice
    assert standin.payment(ref)["aggregate"]["refundedAmount"]["value"] == 30000
    with pytest.raises(ProviderRefused, match="too large"):
        gateway.refund(ref, 20000, idempotency_key=key[:-1] + "2", reason="x", metadata={})
    gateway.refund(ref, 15000, idempotency_key=key[:-1] + "3", reason="rest", metadata={})
    listed = gateway.refunds_for(ref)
    assert [n.amount_minor for n in listed] == [30000, 15000]
    assert gateway.fetch_refund(notice.refund_ref) == notice


# --------------------------------------------------------------------------- webhooks

HOOK_URL = "https://desk.example.dk/webhooks/mobilepay/osterbro"


def signed_event(
    standin: MobilePayStandin,
    ref: str,
    name: str = "AUTHORIZED",
    *,
    url: str = HOOK_URL,
    when: dt.datetime | None = None,
) -> tuple[bytes, dict[str, str]]:
    event = {"msn": sd.MSN, **standin.event_log(ref)[-1], "name": name}
    body, headers = standin.signed(event, url, when=when)
    u = httpx.URL(url)
    return body, {**headers, "host": u.host, ":method": "POST", ":path": u.raw_path.decode()}


def test_signature_matches_the_documented_sample() -> None:
    secret = (
        "A0+AeKBRG2KRGvnNwJpQlb6IJFk48CKXCIcrLoHncVJKDILsQSxS6NWCccwWm6r6FhGKhiHTBsG2wo/xU6FY/A=="
    )
    body = b'{"some-unique-content":"ee6e441b-cc4a-46f8-895d-a5af79bcc233/hello-world"}'
    digest = mobilepay_webhooks.content_hash(body)
    assert digest == "lNlsp1XA03N34HrQsVzPgJKtC+r7l/RBF4V3JQUWMj4="
    sig = mobilepay_webhooks.signature(
        secret,
        "POST",
        "/e2cee29b-012e-4f1d-8ef4-e95fd74a7a63",
        "Thu, 30 Mar 2023 08:38:32 GMT",
        "webhook.site",
        digest,
    )
    assert sig == "agAiSyogQbDHpeucoNwYz+yAr5nJ+v+zasdkSbqzv+U="


def test_valid_notification_is_verified_and_captured(
    standin: MobilePayStandin, gateway: MobilePayGateway
) -> None:
    ref = started(gateway)
    standin.approve(ref)
    body, headers = signed_event(standin, ref)
    event = gateway.verify_event(body, headers)
    assert event.type == "epayments.payment.authorized.v1"
    assert event.confirmation is not None
    assert event.confirmation.status is CheckoutStatus.PAID
    assert event.school_slug == "osterbro"
    assert gateway.verify_event(body, headers).event_id == event.event_id
    assert standin.captures == [ref]


def test_refund_notification_carries_the_refund(
    standin: MobilePayStandin, gateway: MobilePayGateway
) -> None:
    ref = started(gateway)
    standin.approve(ref)
    gateway.fetch(ref)
    key = "7d1c5e0a-2222-4b3a-9c11-000000000001"
    gateway.refund(ref, 1000, idempotency_key=key, reason="x", metadata={})
    body, headers = signed_event(standin, ref, "REFUNDED")
    event = gateway.verify_event(body, headers)
    assert event.confirmation is None
    assert [(n.amount_minor, n.our_refund_id) for n in event.refunds] == [(1000, key)]


@pytest.mark.parametrize("forgery", ["secret", "stale", "future", "body", "path", "host", "hash"])
def test_forged_notifications_are_refused(
    standin: MobilePayStandin, gateway: MobilePayGateway, forgery: str
) -> None:
    ref = started(gateway)
    standin.approve(ref)
    now = dt.datetime.now(UTC)
    when = {"stale": now - dt.timedelta(minutes=10), "future": now + dt.timedelta(minutes=10)}
    body, headers = signed_event(standin, ref, when=when.get(forgery))
    if forgery == "secret":
        standin.webhook_secret = "someone-else"
        body, headers = signed_event(standin, ref)
    elif forgery == "body":
        body = body.replace(b"AUTHORIZED", b"CAPTURED")
    elif forgery == "path":
        headers[":path"] = "/webhooks/mobilepay/another-school"
    elif forgery == "host":
        headers["host"] = "evil.example"
    elif forgery == "hash":
        body = body.replace(b"AUTHORIZED", b"CAPTURED")
        headers["x-ms-content-sha256"] = mobilepay_webhooks.content_hash(body)
    with pytest.raises(InvalidSignature):
        gateway.verify_event(body, headers)
    assert standin.captures == []


def test_notification_without_secret_is_refused(standin: MobilePayStandin) -> None:
    gw = make_gateway(standin, webhook_secret="")
    ref = started(gw)
    body, headers = signed_event(standin, ref, "CREATED")
    with pytest.raises(InvalidSignature, match="no MobilePay webhook secret"):
        gw.verify_event(body, headers)
    gw.close()


def test_there_is_no_event_list(gateway: MobilePayGateway) -> None:
    assert list(gateway.events_after(None, 0)) == []
    assert gateway.capabilities.events is False
    assert gateway.capabilities.push is True


def test_standin_delivers_signed_notifications_over_http(
    standin: MobilePayStandin, gateway: MobilePayGateway
) -> None:
    """Each event is POSTed to the webhook address as it happens, signed over the host (with
    its port) and path the receiver sees."""
    received: list[tuple[bytes, dict[str, str]]] = []

    class Receiver(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            received.append((body, {**headers, ":method": "POST", ":path": self.path}))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        standin.webhook_url = (
            f"http://127.0.0.1:{server.server_address[1]}/webhooks/mobilepay/x?a=1"
        )
        ref = started(gateway)
        standin.approve(ref)
        deadline = time.monotonic() + 10
        while len(received) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert sorted(json.loads(body)["name"] for body, _ in received) == ["AUTHORIZED", "CREATED"]
    for body, headers in received:
        assert headers[":path"] == "/webhooks/mobilepay/x?a=1"
        event = gateway.verify_event(body, headers)
        assert event.confirmation is not None
    assert standin.deliveries == [200, 200]
    assert standin.captures == [ref]
