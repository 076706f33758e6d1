"""The Stripe stand-in, driven by the real stripe-python client the way jdoffice drives Stripe."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

import httpx
import pytest
import stripe
from stripe.checkout import Session
from stripe.params.checkout import SessionCreateParams

from .stripe_standin import (
    RemoteStandin,
    StandinError,
    StandinProcess,
    StripeStandin,
    parse_params,
)

# stripe.HTTPXClient passes the form body as `data=<str>`, which httpx deprecates; the warning
# is raised from httpx's own module, so the project-wide "ignore stripe.*" filter misses it.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Use 'content=<...>' to upload raw bytes/text content.:DeprecationWarning"
)

KEY = "sk_test_jdoffice"
OTHER_KEY = "rk_test_jdoffice_desk"
WHSEC = "whsec_jdoffice"


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def standin() -> Iterator[StripeStandin]:
    with StripeStandin(secret_key=KEY, webhook_secret=WHSEC, extra_api_keys=[OTHER_KEY]) as s:
        yield s
        assert s.internal_errors == []


def _close(client: stripe.HTTPXClient) -> None:
    close: Callable[[], None] = client.close
    close()


def _http_client(monkeypatch: pytest.MonkeyPatch, timeout: float = 5.0) -> stripe.HTTPXClient:
    client = stripe.HTTPXClient(allow_sync_methods=True, timeout=timeout)
    # The client waits 0.5-1 s between retries; the retries themselves are what we test.
    monkeypatch.setattr(client, "_sleep_time_seconds", lambda num_retries: 0.01)
    return client


@pytest.fixture
def http_client(monkeypatch: pytest.MonkeyPatch) -> Iterator[stripe.HTTPXClient]:
    client = _http_client(monkeypatch)
    yield client
    _close(client)


def _stripe(
    base_url: str, http_client: stripe.HTTPXClient, key: str = KEY, retries: int = 2
) -> stripe.StripeClient:
    return stripe.StripeClient(
        key,
        http_client=http_client,
        max_network_retries=retries,
        base_addresses={"api": base_url},
    )


@pytest.fixture
def client(standin: StripeStandin, http_client: stripe.HTTPXClient) -> stripe.StripeClient:
    return _stripe(standin.base_url, http_client)


def session_params(**changes: Any) -> SessionCreateParams:
    """What jdoffice sends for invoice 1001 of student 42 at school 7: 850,00 kr."""
    params: SessionCreateParams = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": "dkk",
                    "unit_amount": 85000,
                    "product_data": {"name": "Køretime, faktura 1001"},
                },
                "quantity": 1,
            }
        ],
        "success_url": "https://jdoffice.example/betalt?session={CHECKOUT_SESSION_ID}",
        "expires_at": int(time.time()) + 45 * 60,
        "client_reference_id": "invoice-1001",
        "metadata": {"invoice_no": "1001", "student_id": "42", "school_id": "7"},
        "payment_intent_data": {"metadata": {"invoice_no": "1001", "school_id": "7"}},
        "allowed_payment_method_types": ["card", "mobilepay"],
        "locale": "da",
        "customer_email": "elev@example.dk",
    }
    return cast(SessionCreateParams, {**params, **changes})


def create_session(client: stripe.StripeClient, key: str | None = None, **changes: Any) -> Session:
    options: Any = {"idempotency_key": key} if key else None
    return client.v1.checkout.sessions.create(params=session_params(**changes), options=options)


class Receiver:
    """A webhook endpoint on loopback that records each request and answers ``status``."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.received: list[tuple[bytes, dict[str, str]]] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    receiver.received.append((body, dict(self.headers.items())))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/webhooks/stripe"

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def events(self) -> list[stripe.Event]:
        with self._lock:
            received = list(self.received)
        return [
            stripe.Webhook.construct_event(body, headers["Stripe-Signature"], WHSEC)
            for body, headers in received
        ]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


# --------------------------------------------------------------------------- checkout sessions


def test_creating_a_session_returns_an_open_session_with_a_url_and_our_metadata(
    standin: StripeStandin, client: stripe.StripeClient
) -> None:
    session = create_session(client)

    assert session.id.startswith("cs_test_")
    assert session.object == "checkout.session"
    assert session.status == "open"
    assert session.payment_status == "unpaid"
    assert session.payment_intent is None
    assert session.amount_total == 85000
    assert session.currency == "dkk"
    assert session.url == f"{standin.base_url}/pay/{session.id}"
    assert session.client_reference_id == "invoice-1001"
    assert session.metadata is not None
    assert session.metadata.to_dict() == {
        "invoice_no": "1001",
        "student_id": "42",
        "school_id": "7",
    }
    assert session.payment_method_types == ["card", "mobilepay"]
    assert session.locale == "da"
    assert session.customer_email == "elev@example.dk"
    assert session.livemode is False
    assert abs(session.created - time.time()) < 5
    fetched = client.v1.checkout.sessions.retrieve(session.id)
    assert fetched.to_dict() == session.to_dict()
    with httpx.Client() as browser:
        page = browser.get(str(session.url))
    assert page.status_code == 200
    assert "850.00 dkk" in page.text


def test_the_same_idempotency_key_and_params_replay_the_stored_session(
    standin: StripeStandin, client: stripe.StripeClient
) -> None:
    params = session_params()
    first = client.v1.checkout.sessions.create(params=params, options={"idempotency_key": "att-1"})
    again = client.v1.checkout.sessions.create(params=params, options={"idempotency_key": "att-1"})

    assert again.id == first.id
    assert again.last_response is not None
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    assert len(standin.sessions()) == 1
    assert [r.replayed for r in standin.requests] == [False, True]


def test_the_same_idempotency_key_with_other_params_is_an_idempotency_error(
    standin: StripeStandin, client: stripe.StripeClient
) -> None:
    params = session_params()
    client.v1.checkout.sessions.create(params=params, options={"idempotency_key": "att-2"})
    moved = session_params(expires_at=params["expires_at"] + 60)

    with pytest.raises(stripe.IdempotencyError) as caught:
        client.v1.checkout.sessions.create(params=moved, options={"idempotency_key": "att-2"})

    assert caught.value.http_status == 400
    assert len(standin.sessions()) == 1


def test_idempotency_keys_are_scoped_per_api_key(
    standin: StripeStandin, client: stripe.StripeClient, http_client: stripe.HTTPXClient
) -> None:
    desk = _stripe(standin.base_url, http_client, key=OTHER_KEY)

    mine = create_session(client, key="same-key")
    theirs = create_session(desk, key="same-key", expires_at=int(time.time()) + 3600)

    assert mine.id != theirs.id


@pytest.mark.parametrize("lifetime", [10 * 60, 29 * 60, 25 * 60 * 60])
def test_expires_at_outside_30_minutes_to_24_hours_is_rejected(
    standin: StripeStandin, client: stripe.StripeClient, lifetime: int
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        create_session(client, expires_at=int(time.time()) + lifetime)

    assert caught.value.param == "expires_at"
    assert standin.sessions() == []


def test_request_options_put_inside_params_are_refused_as_unknown_parameters(
    client: stripe.StripeClient,
) -> None:
    # The params TypedDicts accept request options, so this type-checks - and Stripe refuses it.
    with pytest.raises(stripe.InvalidRequestError) as caught:
        create_session(client, idempotency_key="att-3")

    assert caught.value.param == "idempotency_key"
    assert caught.value.code == "parameter_unknown"


def test_payment_method_types_is_refused_by_the_clients_api_version_but_not_by_older_ones(
    client: stripe.StripeClient,
) -> None:
    old_style = session_params(payment_method_types=["card", "mobilepay"])
    del old_style["allowed_payment_method_types"]

    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.create(params=old_style)
    session = client.v1.checkout.sessions.create(
        params=old_style, options={"stripe_version": "2025-09-30.clover"}
    )

    assert caught.value.param == "payment_method_types"
    assert session.payment_method_types == ["card", "mobilepay"]


def test_mobilepay_is_filtered_out_for_a_currency_it_cannot_take(
    client: stripe.StripeClient,
) -> None:
    line_items: Any = [
        {
            "price_data": {
                "currency": "usd",
                "unit_amount": 5000,
                "product_data": {"name": "Theory lesson"},
            },
            "quantity": 2,
        }
    ]
    session = create_session(client, line_items=line_items)

    assert session.payment_method_types == ["card"]
    assert session.amount_total == 10000


@pytest.mark.parametrize(
    ("remove", "param"),
    [
        ("mode", "mode"),
        ("success_url", "success_url"),
        ("quantity", "line_items[0][quantity]"),
        ("name", "line_items[0][price_data][product_data][name]"),
    ],
)
def test_missing_required_params_are_named_in_the_error(
    client: stripe.StripeClient, remove: str, param: str
) -> None:
    params: Any = session_params()
    item = params["line_items"][0]
    if remove == "quantity":
        del item["quantity"]
    elif remove == "name":
        item["price_data"]["product_data"] = {"description": "Køretime"}
    else:
        del params[remove]

    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.create(params=params)

    assert caught.value.param == param
    assert caught.value.code == "parameter_missing"


def test_complete_session_makes_retrieve_show_paid_and_emits_checkout_session_completed(
    standin: StripeStandin, client: stripe.StripeClient
) -> None:
    session = create_session(client)

    standin.complete_session(session.id)
    paid = client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["payment_intent.latest_charge"]}
    )
    events = client.v1.events.list(params={"type": "checkout.session.completed"})

    assert paid.status == "complete"
    assert paid.payment_status == "paid"
    assert paid.url is None
    intent = cast(stripe.PaymentIntent, paid.payment_intent)
    assert intent.id.startswith("pi_")
    assert intent.status == "succeeded"
    assert intent.amount_received == 85000
    assert intent.metadata is not None
    assert intent.metadata.to_dict() == {"invoice_no": "1001", "school_id": "7"}
    charge = cast(stripe.Charge, intent.latest_charge)
    assert charge.id.startswith("ch_")
    assert charge.amount == 85000
    assert charge.amount_refunded == 0
    assert [e.type for e in events.data] == ["checkout.session.completed"]
    completed = events.data[0]
    assert completed.id.startswith("evt_")
    assert completed.data.object["id"] == session.id
    assert completed.data.object["payment_status"] == "paid"
    assert completed.data.object["payment_intent"] == intent.id
    assert [e["type"] for e in standin.events()] == [
        "payment_intent.succeeded",
        "checkout.session.completed",
    ]


def test_the_session_list_finds_a_session_by_its_payment_intent(
    standin: StripeStandin, client: stripe.StripeClient
) -> None:
    create_session(client)
    paid = create_session(client)
    create_session(client)
    intent_id = standin.complete_session(paid.id)["payment_intent"]

    found = client.v1.checkout.sessions.list(params={"payment_intent": intent_id})

    assert [s.id for s in found.data] == [paid.id]
    assert found.has_more is False


@pytest.mark.parametrize("outcome", ["succeeded", "failed"])
def test_an_async_payment_completes_unpaid_and_is_settled_later(
    standin: StripeStandin, client: stripe.StripeClient, outcome: str
) -> None:
    session = create_session(client)

    completed = standin.complete_session(session.id, async_payment=True)
    if outcome == "succeeded":
        standin.succeed_async(session.id)
    else:
        standin.fail_async(session.id)
    after = client.v1.checkout.sessions.retrieve(session.id)

    assert completed["status"] == "complete"
    assert completed["payment_status"] == "unpaid"
    assert after.payment_status == ("paid" if outcome == "succeeded" else "unpaid")
    types = [e["type"] for e in standin.events()]
    assert types[0] == "checkout.session.completed"
    assert standin.events()[0]["data"]["object"]["payment_status"] == "unpaid"
    assert types[-1] == f"checkout.session.async_payment_{outcome}"


def test_overrides_make_the_provider_report_other_amounts_and_metadata(
    standin: StripeStandin, client: stripe.StripeClient
) -> None:
    session = create_session(client)

    standin.complete_session(
        session.id, amount_override=100, metadata_override={"invoice_no": "9999"}
    )
    event = standin.events("checkout.session.completed")[0]
    intent = standin.payment_intent(event["data"]["object"]["payment_intent"])

    assert event["data"]["object"]["amount_total"] == 100
    assert event["data"]["object"]["metadata"] == {"invoice_no": "9999"}
    assert intent["amount"] == 100
    assert intent["metadata"] == {"invoice_no": "9999"}


def test_expiring_an_open_session_works_once_and_then_is_refused(
    standin: StripeStandin, client: stripe.StripeClient
) -> None:
    session = create_session(client)

    expired = client.v1.checkout.sessions.expire(session.id)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.expire(session.id)

    assert expired.status == "expired"
    assert expired.url is None
    expired_events = standin.events("checkout.session.expired")
    assert len(expired_events) == 1
    assert expired_events[0]["request"]["id"] is not None
    with pytest.raises(StandinError):
        standin.complete_session(session.id)


def test_a_session_expires_by_itself_when_the_clock_passes_expires_at(
    standin: StripeStandin, client: stripe.StripeClient
) -> None:
    session = create_session(client)

    standin.advance_clock(46 * 60)

    assert client.v1.checkout.sessions.retrieve(session.id).status == "expired"
    [event] = standin.events("checkout.session.expired")
    assert event["request"] == {"id": None, "idempotency_key": None}


def test_paying_on_the_payment_page_redirects_to_the_success_url(
    standin: StripeStandin, client: stripe.StripeClient
) -> None:
    session = create_session(client)

    with httpx.Client() as browser:
        response = browser.post(str(session.url))

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"session={session.id}")
    assert standin.session(session.id)["payment_status"] == "paid"


# --------------------------------------------------------------------------- events


def _many_events(standin: StripeStandin, client: stripe.StripeClient, refunds: int) -> list[str]:
    """One paid session, then ``refunds`` one-øre dashboard refunds: ids newest first."""
    session = create_session(client)
    intent_id = standin.complete_session(session.id)["payment_intent"]
    for _ in range(refunds):
        standin.refund_from_dashboard(intent_id, 1)
    return [event["id"] for event in reversed(standin.events())]


def test_events_paginate_newest_first_across_more_than_100_with_starting_after(
    standin: StripeStandin, client: stripe.StripeClient
) -> None:
    expected = _many_events(standin, client, refunds=50)
    assert len(expected) == 102

    first = client.v1.events.list(params={"limit": 100})
    second = client.v1.events.list(params={"limit": 100, "starting_after": first.data[-1].id})
    walked = [e.id for e in client.v1.events.list(params={"limit": 7}).auto_paging_iter()]
    default = client.v1.events.list()

    assert len(first.data) == 100
    assert first.has_more is True
    assert first.url == "/v1/events"
    assert second.has_more is False
    assert [e.id for e in first.data] + [e.id for e in second.data] == expected
    assert walked == expected
    assert [e.id for e in default.data] == expected[:10]


def test_events_page_backwards_with_ending_before(
    standin: StripeStandin, client: stripe.StripeClient
) -> None:
    expected = _many_events(standin, client, refunds=10)

    page = client.v1.events.list(params={"ending_before": expected[15], "limit": 5})
    top = client.v1.events.list(params={"ending_before": expected[3], "limit": 5})

    assert [e.id for e in page.data] == expected[10:15]
    assert page.has_more is True
    assert [e.id for e in top.data] == expected[:3]
    assert top.has_more is False


def test_events_filter_by_type_types_and_created(
    standin: StripeStandin, client: stripe.StripeClient
) -> None:
    _many_events(standin, client, refunds=2)
    now = standin.now()

    refunded = client.v1.events.list(params={"type": "charge.refunded"})
    wildcard = client.v1.events.list(params={"type": "checkout.session.*"})
    several = client.v1.events.list(
        params={"types": ["refund.created", "payment_intent.succeeded"]}
    )
    recent = client.v1.events.list(params={"created": {"gte": now - 60}, "limit": 100})
    future = client.v1.events.list(params={"created": {"gt": now + 60}})

    assert [e.type for e in refunded.data] == ["charge.refunded"] * 2
    assert [e.type for e in wildcard.data] == ["checkout.session.completed"]
    assert [e.type for e in several.data] == [
        "refund.created",
        "refund.created",
        "payment_intent.succeeded",
    ]
    assert len(recent.data) == 6
    assert future.data == []


def test_event_list_limits_and_cursors_are_checked_like_stripe(
    standin: StripeStandin, client: stripe.StripeClient
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as too_many:
        client.v1.events.list(params={"limit": 101})
    with pytest.raises(stripe.InvalidRequestError) as unknown_cursor:
        client.v1.events.list(params={"starting_after": "evt_1NoSuchEvent"})
    with pytest.raises(stripe.InvalidRequestError) as both:
        client.v1.events.list(params={"type": "a.b", "types": ["c.d"]})

    assert too_many.value.param == "limit"
    assert unknown_cursor.value.param == "starting_after"
    assert both.value.param == "type"


# --------------------------------------------------------------------------- refunds


def _paid_intent(standin: StripeStandin, client: stripe.StripeClient) -> str:
    session = create_session(client)
    return str(standin.complete_session(session.id)["payment_intent"])


def test_partial_refunds_of_100_then_150_then_more_than_is_left_is_refused(
    standin: StripeStandin, client: stripe.StripeClient
) -> None:
    intent_id = _paid_intent(standin, client)

    first = client.v1.refunds.create(
        params={"payment_intent": intent_id, "amount": 100, "metadata": {"refund_no": "1"}},
        options={"idempotency_key": "refund-1"},
    )
    second = client.v1.refunds.create(params={"payment_intent": intent_id, "amount": 150})
    with pytest.raises(stripe.InvalidRequestError) as too_much:
        client.v1.refunds.create(params={"payment_intent": intent_id, "amount": 84751})
    rest = client.v1.refunds.create(params={"payment_intent": intent_id})
    with pytest.raises(stripe.InvalidRequestError) as nothing_left:
        client.v1.refunds.create(params={"payment_intent": intent_id, "amount": 1})
    charge = client.v1.charges.retrieve(str(first.charge), params={"expand": ["refunds"]})

    assert first.id.startswith("re_")
    assert (first.amount, first.status, first.payment_intent) == (100, "succeeded", intent_id)
    assert second.amount == 150
    assert too_much.value.code == "amount_too_large"
    assert rest.amount == 85000 - 250
    assert nothing_left.value.code == "charge_already_refunded"
    assert charge.amount_refunded == 85000
    assert charge.refunded is True
    assert charge.refunds is not None
    assert [r.id for r in charge.refunds.data] == [rest.id, second.id, first.id]
    metadata = client.v1.refunds.retrieve(first.id).metadata
    assert metadata is not None
    assert metadata.to_dict() == {"refund_no": "1"}
    refunded = standin.events("charge.refunded")
    assert [e["data"]["object"]["amount_refunded"] for e in refunded] == [100, 250, 85000]
    created = standin.events("refund.created")[0]
    assert created["request"]["idempotency_key"] == "refund-1"


def test_a_refund_replayed_with_its_idempotency_key_refunds_once(
    standin: StripeStandin, client: stripe.StripeClient
) -> None:
    intent_id = _paid_intent(standin, client)
    params: Any = {"payment_intent": intent_id, "amount": 500}

    first = client.v1.refunds.create(params=params, options={"idempotency_key": "r-9"})
    again = client.v1.refunds.create(params=params, options={"idempotency_key": "r-9"})

    assert again.id == first.id
    assert standin.charge(str(first.charge))["amount_refunded"] == 500


def test_a_dashboard_refund_shows_in_charge_amount_refunded_and_emits_charge_refunded(
    standin: StripeStandin, client: stripe.StripeClient
) -> None:
    intent_id = _paid_intent(standin, client)

    refund = standin.refund_from_dashboard(intent_id, 30000)
    intent = client.v1.payment_intents.retrieve(intent_id)
    charge = client.v1.charges.retrieve(str(intent.latest_charge))
    events = client.v1.events.list(params={"type": "charge.refunded"})

    assert charge.amount_refunded == 30000
    assert charge.refunded is False
    assert "refunds" not in charge  # only with expand[]=refunds, as in current API versions
    [event] = events.data
    assert event.data.object["amount_refunded"] == 30000
    assert [r["id"] for r in event.data.object["refunds"]["data"]] == [refund["id"]]
    assert not any(r.method == "POST" and r.path == "/v1/refunds" for r in standin.requests)


def test_charge_refunded_can_leave_the_refund_list_off_as_stripe_does(
    http_client: stripe.HTTPXClient,
) -> None:
    with StripeStandin(secret_key=KEY, charge_refunds_in_events=False) as standin:
        client = _stripe(standin.base_url, http_client)
        intent_id = _paid_intent(standin, client)

        client.v1.refunds.create(params={"payment_intent": intent_id, "amount": 100})

        [event] = standin.events("charge.refunded")
        assert event["data"]["object"]["amount_refunded"] == 100
        assert "refunds" not in event["data"]["object"]


def test_a_failed_refund_gives_the_amount_back_to_the_charge(
    standin: StripeStandin, client: stripe.StripeClient
) -> None:
    intent_id = _paid_intent(standin, client)
    refund = client.v1.refunds.create(params={"payment_intent": intent_id, "amount": 20000})

    standin.fail_refund(refund.id)

    assert client.v1.refunds.retrieve(refund.id).status == "failed"
    assert client.v1.charges.retrieve(str(refund.charge)).amount_refunded == 0
    types = [e["type"] for e in standin.events()][-2:]
    assert types == ["refund.updated", "refund.failed"]
    assert standin.events("refund.updated")[0]["data"]["previous_attributes"]["status"] == (
        "succeeded"
    )


def test_refunding_an_unpaid_or_unknown_payment_intent_is_refused(
    standin: StripeStandin, client: stripe.StripeClient
) -> None:
    session = create_session(client)
    processing = standin.complete_session(session.id, async_payment=True)["payment_intent"]

    with pytest.raises(stripe.InvalidRequestError) as unpaid:
        client.v1.refunds.create(params={"payment_intent": processing})
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        client.v1.refunds.create(params={"payment_intent": "pi_3NoSuchIntent"})

    assert unpaid.value.code == "charge_not_refundable"
    assert unknown.value.code == "resource_missing"


# --------------------------------------------------------------------------- webhooks


def test_a_delivered_webhook_is_signed_so_construct_event_accepts_it(
    standin: StripeStandin, client: stripe.StripeClient, receiver: Receiver
) -> None:
    standin.configure_webhook(receiver.url)
    session = create_session(client)
    standin.complete_session(session.id)
    [completed] = standin.events("checkout.session.completed")

    statuses = standin.deliver(completed["id"])

    assert statuses == [200]
    [(body, headers)] = receiver.received
    assert headers["Content-Type"].startswith("application/json")
    event = stripe.Webhook.construct_event(body, headers["Stripe-Signature"], WHSEC)
    assert event.id == completed["id"]
    assert event.type == "checkout.session.completed"
    assert event.data.object["id"] == session.id
    assert event.data.object["metadata"]["invoice_no"] == "1001"
    assert event.api_version == standin.api_version
    assert event.pending_webhooks == 1
    assert "Køretime" not in body.decode("utf-8")  # line items are not part of the session


def test_forged_or_stale_signatures_are_refused_by_construct_event(
    standin: StripeStandin,
) -> None:
    body = b'{"id": "evt_1", "object": "event", "type": "checkout.session.completed"}'

    good = standin.sign(body)
    forged = standin.sign(body, secret="whsec_somebody_else")
    stale = standin.sign(body, t=int(time.time()) - 600)

    assert stripe.Webhook.construct_event(body, good, WHSEC).id == "evt_1"
    for header in (forged, stale):
        with pytest.raises(stripe.SignatureVerificationError):
            stripe.Webhook.construct_event(body, header, WHSEC)


def test_an_event_can_be_redelivered_concurrently_and_all_events_out_of_order(
    standin: StripeStandin, client: stripe.StripeClient, receiver: Receiver
) -> None:
    standin.configure_webhook(receiver.url)
    session = create_session(client)
    standin.complete_session(session.id)
    ids = [event["id"] for event in standin.events()]

    duplicates = standin.deliver(ids[-1], times=3, concurrency=3)
    backwards = standin.deliver_all("reverse")

    assert duplicates == [200, 200, 200]
    assert backwards == [(ids[1], 200), (ids[0], 200)]
    received = [event.id for event in receiver.events()]
    assert received.count(ids[-1]) == 4
    assert received[-2:] == [ids[1], ids[0]]
    assert len(standin.deliveries) == 5


def test_failed_deliveries_report_the_receivers_status(
    standin: StripeStandin, client: stripe.StripeClient
) -> None:
    with Receiver(status=500) as failing:
        standin.configure_webhook(failing.url)
        create_session(client, key=None)
        session_id = standin.sessions()[0]["id"]
        standin.expire_session(session_id)
        [expired] = standin.events()
        assert standin.deliver(expired["id"]) == [500]
    standin.configure_webhook("http://127.0.0.1:9/nobody-listens")
    assert standin.deliver(expired["id"]) == [0]


def test_auto_delivery_posts_every_event_as_it_happens(
    http_client: stripe.HTTPXClient, receiver: Receiver
) -> None:
    with StripeStandin(
        secret_key=KEY, webhook_secret=WHSEC, webhook_url=receiver.url, auto_deliver=True
    ) as standin:
        client = _stripe(standin.base_url, http_client)
        session = create_session(client)
        intent_id = standin.complete_session(session.id)["payment_intent"]
        client.v1.refunds.create(params={"payment_intent": intent_id})

        assert standin.drain(timeout=5)

    assert [event.type for event in receiver.events()] == [
        "payment_intent.succeeded",
        "checkout.session.completed",
        "refund.created",
        "charge.refunded",
    ]
    assert all(delivery.automatic for delivery in standin.deliveries)


# --------------------------------------------------------------------------- failures


def test_down_with_500s_raises_api_error_after_the_clients_retries(
    standin: StripeStandin, client: stripe.StripeClient
) -> None:
    session = create_session(client)
    standin.clear_requests()
    standin.set_down(True, "error500")

    with pytest.raises(stripe.APIError) as caught:
        client.v1.checkout.sessions.retrieve(session.id)
    standin.set_down(False)

    assert caught.value.http_status == 500
    assert [r.status for r in standin.requests] == [500, 500, 500]
    assert client.v1.checkout.sessions.retrieve(session.id).id == session.id


def test_down_with_resets_raises_api_connection_error_after_the_clients_retries(
    standin: StripeStandin, client: stripe.StripeClient
) -> None:
    standin.set_down(True, "reset")

    with pytest.raises(stripe.APIConnectionError):
        create_session(client)

    assert [r.status for r in standin.requests] == [0, 0, 0]
    assert len({r.idempotency_key for r in standin.requests}) == 1  # retries reuse the key
    assert standin.sessions() == []


def test_a_hanging_api_times_out_as_api_connection_error(
    standin: StripeStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    impatient = _http_client(monkeypatch, timeout=0.2)
    client = _stripe(standin.base_url, impatient, retries=0)
    standin.set_down(True, "hang")
    try:
        with pytest.raises(stripe.APIConnectionError):
            client.v1.events.list()
    finally:
        standin.set_down(False)
        _close(impatient)


def test_a_lost_response_took_effect_and_a_retry_with_the_same_key_replays_it(
    standin: StripeStandin, client: stripe.StripeClient
) -> None:
    params = session_params()
    standin.set_down(True, "lost_response")

    with pytest.raises(stripe.APIConnectionError):
        client.v1.checkout.sessions.create(params=params, options={"idempotency_key": "att-7"})
    standin.set_down(False)
    session = client.v1.checkout.sessions.create(
        params=params, options={"idempotency_key": "att-7"}
    )

    assert [s["id"] for s in standin.sessions()] == [session.id]
    assert [r.replayed for r in standin.requests] == [False, True, True, True]


def test_a_timed_out_call_is_still_running_so_its_key_conflicts_until_it_is_done(
    standin: StripeStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    impatient = _http_client(monkeypatch, timeout=0.2)
    client = _stripe(standin.base_url, impatient, retries=0)
    params = session_params()
    standin.set_latency(0.6)
    try:
        with pytest.raises(stripe.APIConnectionError):
            client.v1.checkout.sessions.create(params=params, options={"idempotency_key": "a-8"})
        with pytest.raises(stripe.APIError) as conflict:
            client.v1.checkout.sessions.create(params=params, options={"idempotency_key": "a-8"})
        standin.set_latency(0)
        deadline = time.monotonic() + 5  # the first call is logged once it has finished
        while len(standin.requests) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        session = client.v1.checkout.sessions.create(
            params=params, options={"idempotency_key": "a-8"}
        )
    finally:
        _close(impatient)

    assert conflict.value.http_status == 409
    assert [s["id"] for s in standin.sessions()] == [session.id]


def test_a_wrong_api_key_raises_authentication_error(
    standin: StripeStandin, http_client: stripe.HTTPXClient
) -> None:
    intruder = _stripe(standin.base_url, http_client, key="sk_test_not_ours")

    with pytest.raises(stripe.AuthenticationError) as caught:
        create_session(intruder)

    assert caught.value.http_status == 401
    assert [r.status for r in standin.requests] == [401]  # 401 is not retried


def test_unknown_ids_are_404_invalid_request_errors(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as session:
        client.v1.checkout.sessions.retrieve("cs_test_a1NoSuchSession")
    with pytest.raises(stripe.InvalidRequestError) as refund:
        client.v1.refunds.retrieve("re_3NoSuchRefund")

    assert session.value.http_status == 404
    assert session.value.code == "resource_missing"
    assert refund.value.http_status == 404


def test_the_request_log_records_each_call_and_shows_when_none_was_made(
    standin: StripeStandin, client: stripe.StripeClient
) -> None:
    assert standin.requests == []

    session = create_session(client, key="att-log")
    client.v1.checkout.sessions.retrieve(session.id)

    create, retrieve = standin.requests
    assert (create.method, create.path, create.idempotency_key) == (
        "POST",
        "/v1/checkout/sessions",
        "att-log",
    )
    assert create.params["metadata"] == {"invoice_no": "1001", "student_id": "42", "school_id": "7"}
    assert create.params["line_items"][0]["price_data"]["unit_amount"] == "85000"
    assert create.api_key == KEY
    assert create.stripe_version is not None
    assert (retrieve.method, retrieve.path, retrieve.idempotency_key) == (
        "GET",
        f"/v1/checkout/sessions/{session.id}",
        None,
    )


def test_stripe_form_encoding_is_decoded_into_nested_values() -> None:
    decoded = parse_params(
        "line_items[0][price_data][unit_amount]=100&line_items[0][quantity]=2"
        "&metadata[0]=zero&expand[]=a&expand[]=b&types[0]=x&types[1]=y&name=K%C3%B8retime"
    )

    assert decoded == {
        "line_items": [{"price_data": {"unit_amount": "100"}, "quantity": "2"}],
        "metadata": {"0": "zero"},
        "expand": ["a", "b"],
        "types": ["x", "y"],
        "name": "Køretime",
    }


# --------------------------------------------------------------------------- as a process


def test_as_a_process_it_prints_its_url_and_obeys_http_controls(
    http_client: stripe.HTTPXClient, receiver: Receiver
) -> None:
    with StandinProcess(secret_key=KEY, webhook_secret=WHSEC, webhook_url=receiver.url) as proc:
        remote: RemoteStandin = proc.remote
        client = _stripe(proc.base_url, http_client)
        session = create_session(client)

        remote.complete_session(session.id)
        assert remote.drain(timeout=5)
        remote.set_down(True, "error500")
        with pytest.raises(stripe.APIError):
            client.v1.checkout.sessions.retrieve(session.id)
        remote.set_down(False)
        header = remote.sign(b"{}", t=1)
        requests = remote.requests

    assert [event.type for event in receiver.events()] == [
        "payment_intent.succeeded",
        "checkout.session.completed",
    ]
    assert requests[0].path == "/v1/checkout/sessions"
    assert [r.status for r in requests[1:]] == [500, 500, 500]
    assert header == StripeStandin(webhook_secret=WHSEC).sign(b"{}", t=1)


# --------------------------------------------------------------------------- the balance and payouts


def test_a_charge_and_a_refund_make_balance_transactions_a_payout_sweeps_them(
    standin: StripeStandin, client: stripe.StripeClient
) -> None:
    session = create_session(client)
    standin.complete_session(session.id)
    intent = standin.session(session.id)["payment_intent"]
    client.v1.refunds.create(params={"payment_intent": intent, "amount": 10_000})
    payout = standin.make_payout()

    listed = client.v1.balance_transactions.list(
        params={"payout": payout["id"], "limit": 100, "expand": ["data.source"]}
    ).to_dict(recursive=True)["data"]
    by_type = {t["type"]: t for t in listed}
    assert set(by_type) == {"charge", "refund", "payout"}
    charge = by_type["charge"]
    assert (charge["amount"], charge["fee"]) == (85_000, 1_275 + 180)
    assert charge["net"] == charge["amount"] - charge["fee"]
    assert charge["source"]["payment_intent"] == intent
    assert by_type["refund"]["amount"] == -10_000
    assert by_type["refund"]["source"]["payment_intent"] == intent
    assert payout["amount"] == charge["net"] - 10_000 == -by_type["payout"]["amount"]
    assert by_type["payout"]["source"]["id"] == payout["id"]
    # Swept once: nothing is left to pay out.
    with pytest.raises(StandinError, match="nothing to pay out"):
        standin.make_payout()


def test_each_api_key_is_an_account_of_its_own_for_payouts(
    standin: StripeStandin, http_client: stripe.HTTPXClient
) -> None:
    mine, theirs = (
        _stripe(standin.base_url, http_client),
        _stripe(standin.base_url, http_client, OTHER_KEY),
    )
    standin.complete_session(create_session(mine).id)
    standin.complete_session(create_session(theirs).id)
    my_payout, their_payout = standin.make_payout(KEY), standin.make_payout(OTHER_KEY)

    assert [p.id for p in mine.v1.payouts.list().data] == [my_payout["id"]]
    assert [p.id for p in theirs.v1.payouts.list().data] == [their_payout["id"]]
    with pytest.raises(stripe.InvalidRequestError):
        mine.v1.payouts.retrieve(str(their_payout["id"]))
    with pytest.raises(stripe.InvalidRequestError):
        mine.v1.balance_transactions.list(params={"payout": str(their_payout["id"])})


def test_balance_transactions_page_by_starting_after_and_a_manual_payout_cannot_be_itemized(
    http_client: stripe.HTTPXClient,
) -> None:
    with StripeStandin(secret_key=KEY, page_size_cap=2) as standin:
        client = _stripe(standin.base_url, http_client)
        for amount in (10_000, 20_000, 30_000):
            standin.charge_elsewhere(amount)
        payout = standin.make_payout()
        seen: list[str] = []
        params: dict[str, Any] = {"payout": payout["id"], "limit": 100}
        while True:
            page = client.v1.balance_transactions.list(params=cast(Any, params))
            seen += [t.id for t in page.data]
            if not page.has_more:
                break
            params["starting_after"] = page.data[-1].id
        assert len(seen) == len(set(seen)) == 4
        manual = standin.charge_elsewhere(5_000)
        assert manual["amount"] == 5_000
        by_hand = standin.make_payout(reconciliation="not_applicable")
        with pytest.raises(stripe.InvalidRequestError, match="manual payouts"):
            client.v1.balance_transactions.list(params={"payout": str(by_hand["id"])})
