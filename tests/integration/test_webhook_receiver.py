"""The webhook receiver's guards, in process: the ASGI app on a test database, driven through
httpx's ASGI transport (or straight through ASGI where the reading of a body is the point).

What a sender must not be able to do: make the receiver hold a large body, look up schools or
keys for paths that are no school's slug, learn other schools' slugs, get a stale or a
future-dated signature accepted, or get a 500 out of a malformed body. And what staff must be
able to do: change the webhook secret without restarting the receiver.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import keyring
import keyring.backend
import keyring.backends.fail
import pytest
from sqlalchemy import Engine

from jdoffice.adapters import secrets
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.bootstrap import App
from jdoffice.domain.model import UTC
from jdoffice.gateways.stripe_checkout import MAX_JSON_DEPTH, SIGNATURE_TOLERANCE_S
from jdoffice.services import online
from jdoffice.services.ports import NewSchool
from jdoffice.webhooks import app as receiver_app
from jdoffice.webhooks.app import (
    GATEWAY_REFRESH_SECONDS,
    MAX_BODY_BYTES,
    RETIRED_GATEWAY_GRACE_SECONDS,
    THREADS_ONE_WRITER,
    Receiver,
    create_app,
)
from tests.conftest import SchoolKit
from tests.integration.receiver_client import ReceiverClient
from tests.standin.stripe_standin import sign_payload

if TYPE_CHECKING:
    # For annotations only: pytest would try to collect a ``Test*`` class.
    from tests.conftest import TestDatabase

SECRET_KEY = "sk_test_jdoffice_receiver"
WEBHOOK_SECRET = "whsec_jdoffice_receiver"
ROTATED_SECRET = "whsec_jdoffice_receiver_rotated"
CHUNK = 64 * 1024


# --------------------------------------------------------------------------- fixtures


@dataclass
class Hook:
    """The receiver app of one test school, with counters of its lookups."""

    client: ReceiverClient
    app: App
    slug: str
    school_lookups: list[str]
    secret_reads: list[str]

    def url(self, slug: str | None = None, provider: str = "stripe") -> str:
        return f"/webhooks/{provider}/{self.slug if slug is None else slug}"

    def post(
        self,
        body: bytes,
        *,
        secret: str = WEBHOOK_SECRET,
        t: int | None = None,
        slug: str | None = None,
    ) -> tuple[int, Any]:
        headers = signed_headers(body, secret, t)
        response = self.client.post(self.url(slug), content=body, headers=headers)
        return response.status_code, response.json()


def sign(body: bytes, secret: str, t: int | None = None) -> str:
    return sign_payload(body, secret, t)


def signed_headers(
    body: bytes, secret: str = WEBHOOK_SECRET, t: int | None = None
) -> dict[str, str]:
    """The headers Stripe sends ``body`` with, signed with ``secret``."""
    return {"Content-Type": "application/json", "Stripe-Signature": sign(body, secret, t)}


def ignored_event(event_id: str, obj: Any = None) -> bytes:
    """A signed-able event of a type jdoffice acknowledges and ignores."""
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": "customer.created",
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": obj if obj is not None else {"id": "cus_1", "object": "customer"}},
        }
    ).encode()


_event_ids = iter(range(1, 1_000_000))


def new_event_id() -> str:
    return f"evt_receiver_{time.time_ns()}_{next(_event_ids)}"


@pytest.fixture
def receiver_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Keys in the environment, an empty configuration file, and no keyring to fall back on."""
    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")
    monkeypatch.setenv("JDOFFICE_CONFIG", str(config))
    monkeypatch.setenv("JDOFFICE_STRIPE_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("JDOFFICE_STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.delenv("JDOFFICE_STRIPE_API_BASE", raising=False)
    previous = keyring.get_keyring()
    no_backend: Callable[[], keyring.backend.KeyringBackend] = keyring.backends.fail.Keyring
    keyring.set_keyring(no_backend())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def hook(
    kit: SchoolKit,
    database: TestDatabase,
    receiver_env: None,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Hook]:
    app = App(url=database.url)
    school_lookups: list[str] = []
    secret_reads: list[str] = []
    real_uow = app.uow
    real_get_secret = secrets.get_secret

    def counting_uow() -> SqlAlchemyUnitOfWork:
        school_lookups.append("uow")
        return real_uow()

    def counting_get_secret(name: str, school_slug: str) -> Any:
        secret_reads.append(name)
        return real_get_secret(name, school_slug)

    monkeypatch.setattr(app, "uow", counting_uow)
    monkeypatch.setattr(secrets, "get_secret", counting_get_secret)
    try:
        with ReceiverClient(create_app(app, notify_interval=None)) as client:
            yield Hook(client, app, kit.school.slug, school_lookups, secret_reads)
    finally:
        app.dispose()


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Poll until ``condition`` holds; returns the seconds it took."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)
    return time.monotonic() - start


# --------------------------------------------------------------------------- bodies


def _asgi_post(
    asgi: Any, path: str, chunks: int, headers: list[tuple[bytes, bytes]]
) -> tuple[int, bytes, int]:
    """POST ``chunks`` pieces of 64 kB straight through ASGI; returns the status, the answer
    and how many pieces the app asked for before it answered."""
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        if pulled >= chunks:
            return {"type": "http.disconnect"}
        pulled += 1
        return {"type": "http.request", "body": b"{" * CHUNK, "more_body": pulled < chunks}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }
    asyncio.run(asgi(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return int(start["status"]), body, pulled


def test_a_chunked_body_over_the_limit_is_refused_with_413_as_soon_as_it_passes_it(
    hook: Hook,
) -> None:
    asgi = create_app(hook.app, notify_interval=None)
    total_chunks = 1600  # 100 MB, if the receiver kept reading
    status, body, pulled = _asgi_post(
        asgi, hook.url(), total_chunks, [(b"transfer-encoding", b"chunked")]
    )
    assert status == 413
    assert json.loads(body) == {"error": "body too large"}
    # It stopped at the first piece past the limit, not at the end of the body.
    assert pulled == MAX_BODY_BYTES // CHUNK + 1
    assert hook.school_lookups == []


def test_a_declared_length_over_the_limit_is_refused_with_413_without_reading(
    hook: Hook,
) -> None:
    asgi = create_app(hook.app, notify_interval=None)
    declared = str(100 * 1024 * 1024).encode()
    status, _, pulled = _asgi_post(asgi, hook.url(), 1600, [(b"content-length", declared)])
    assert (status, pulled) == (413, 0)
    # A length that is no number is refused the same way, never a 500.
    for bogus in (b"12abc", b"\xc2\xb2", b"-5"):
        status, _, pulled = _asgi_post(asgi, hook.url(), 1, [(b"content-length", bogus)])
        assert (status, pulled) == (413, 0), bogus


def test_a_body_just_under_the_limit_is_read_and_checked(hook: Hook) -> None:
    padding = "x" * (MAX_BODY_BYTES - 1000)
    body = ignored_event(new_event_id(), {"id": "cus_1", "object": "customer", "p": padding})
    assert len(body) <= MAX_BODY_BYTES
    status, answer = hook.post(body)
    assert (status, answer["outcome"]) == (200, "ignored")


# --------------------------------------------------------------------------- slugs


ODD_SLUGS = (
    " {slug}",
    "{slug} ",
    "%20{slug}",
    "{slug}%20",
    "{slug}%00",
    "%00{slug}",
    "{slug}%0A",
    "{slug}%0D%0Ainjected",
    "{slug}%1B%5B31m",
    "{slug}%09",
    "{slug}%7F",
    "{slug}%C2%85",
    "{slug}%E2%80%AE",
    "{upper}",
    "{slug}-{long}",
    "-{slug}",
    "{slug}.",
    "{slug}_x",
    "sch%C3%B8le",
)


def test_a_padded_capitalised_overlong_or_control_character_slug_is_404_without_any_lookup(
    hook: Hook,
) -> None:
    body = ignored_event(new_event_id())
    for pattern in ODD_SLUGS:
        slug = pattern.format(slug=hook.slug, upper=hook.slug.upper(), long="x" * 64)
        status, answer = hook.post(body, slug=slug)
        assert (status, answer) == (404, {"error": "not found"}), slug
    assert hook.school_lookups == []
    assert hook.secret_reads == []
    # The school itself still answers, and that is counted as a lookup (the count can move).
    status, answer = hook.post(body)
    assert (status, answer["outcome"]) == (200, "ignored")
    assert hook.school_lookups


def test_the_404_for_an_unknown_school_or_provider_names_no_school(
    hook: Hook, engine: Engine
) -> None:
    other = _add_school(engine, f"neighbour-{hook.slug.removeprefix('school-')}")
    body = ignored_event(new_event_id())
    for url in (
        hook.url("no-such-school"),
        hook.url(provider="paypal"),
        hook.url(provider="STRIPE"),
    ):
        response = hook.client.post(
            url, content=body, headers={"Stripe-Signature": sign(body, WEBHOOK_SECRET)}
        )
        assert response.status_code == 404, url
        assert response.json() == {"error": "not found"}
        for slug in (hook.slug, other.slug, "no-such-school"):
            assert slug not in response.text


def test_an_error_answer_names_no_school_and_no_secret(
    hook: Hook, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JDOFFICE_STRIPE_SECRET_KEY")
    status, answer = hook.post(ignored_event(new_event_id()))
    # No secret key: the receiver cannot act for the school now; the provider retries.
    assert (status, answer) == (503, {"error": "temporarily unavailable"})


def _add_school(engine: Engine, slug: str) -> Any:
    uow = SqlAlchemyUnitOfWork(engine)
    with uow.write():
        school = uow.schools.add(
            NewSchool(slug=slug, name=f"{slug} Køreskole"), dt.datetime.now(UTC)
        )
        uow.commit()
    return school


def test_gateways_are_kept_per_school_id_up_to_the_bound(hook: Hook, engine: Engine) -> None:
    suffix = hook.slug.removeprefix("school-")
    schools = [_add_school(engine, f"bound-{suffix}-{n}") for n in range(3)]
    receiver = Receiver(hook.app, max_schools=2)
    loading = len(hook.school_lookups)
    for school in schools:
        assert receiver.for_school(school.slug).school.id == school.id
    assert len(hook.school_lookups) > loading, "loading the schools looked them up"
    assert receiver.cached_schools() == 2
    # The same school asked for again is served from the cache: no second lookup.
    before = len(hook.school_lookups)
    assert receiver.for_school(schools[-1].slug).school.id == schools[-1].id
    assert len(hook.school_lookups) == before


def test_a_gateway_is_kept_while_its_keys_read_the_same_and_closed_after_it_is_replaced(
    hook: Hook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The school's gateway is read again every few seconds: while its keys and options read
    the same it is the same gateway (its connections and provider token with it); replaced
    by a new key, the old one is closed once no notification can still be using it, and
    every one is closed when the receiver stops."""
    now = [0.0]
    receiver = Receiver(hook.app, refresh_seconds=3.0, clock=lambda: now[0])
    closed: list[object] = []
    built: list[object] = []

    def gateway_at(when: float) -> object:
        now[0] = when
        gateway = receiver.gateway(receiver.for_school(hook.slug), "stripe")
        if gateway not in built:
            built.append(gateway)
            monkeypatch.setattr(gateway, "close", lambda: closed.append(gateway))
        return gateway

    first = gateway_at(0.0)
    assert gateway_at(5.0) is first  # read again after the refresh: the same keys
    assert gateway_at(60.0) is first
    monkeypatch.setenv("JDOFFICE_STRIPE_WEBHOOK_SECRET", "whsec_rotated_for_this_test")
    second = gateway_at(65.0)  # a new secret: a new gateway, the first one retired
    assert second is not first
    assert closed == []
    gateway_at(65.0 + RETIRED_GATEWAY_GRACE_SECONDS - 1)
    assert closed == []
    monkeypatch.setenv("JDOFFICE_STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    third = gateway_at(65.0 + RETIRED_GATEWAY_GRACE_SECONDS + 5)
    assert third is not second
    assert closed == [first]
    receiver.close()
    assert sorted(map(id, closed)) == sorted(map(id, built))
    assert len(built) == 3


def test_schools_asked_for_in_turn_keep_no_more_gateways_open_than_the_bound(
    hook: Hook, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Requests naming more schools than the receiver keeps (no signature needed to make it
    build a gateway) must not leave a gateway open for every one of them."""
    suffix = hook.slug.removeprefix("school-")
    schools = [_add_school(engine, f"churn-{suffix}-{n}") for n in range(3)]
    receiver = Receiver(hook.app, max_schools=2, clock=lambda: 0.0)
    opened: list[object] = []
    closed: list[object] = []
    for _ in range(30):
        for school in schools:
            gateway = receiver.gateway(receiver.for_school(school.slug), "stripe")
            if gateway not in opened:
                opened.append(gateway)
                monkeypatch.setattr(gateway, "close", lambda g=gateway: closed.append(g))
    still_open = len(opened) - len(closed)
    receiver.close()
    assert len(opened) > 2 * receiver.max_schools  # the schools did push each other out
    assert still_open <= 2 * receiver.max_schools
    assert len(closed) == len(opened)  # and the rest closed when the receiver stops


def test_a_served_receiver_builds_the_gateways_before_its_first_request(hook: Hook) -> None:
    before = len(hook.secret_reads)
    # A refresh long enough that a slow machine cannot reach it between the start and the
    # request, and room for every school the test database has gathered (the warm-up builds
    # as many as it keeps): what is measured is the start's own building.
    served = create_app(
        hook.app,
        notify_interval=None,
        warm_up=True,
        gateway_refresh=600.0,
        max_schools=100_000,
    )
    with ReceiverClient(served) as client:
        built = hook.secret_reads[before:]
        assert "stripe-webhook-secret" in built, built
        body = ignored_event(new_event_id())
        response = client.post(
            hook.url(),
            content=body,
            headers={
                "Content-Type": "application/json",
                "Stripe-Signature": sign(body, WEBHOOK_SECRET),
            },
        )
        assert (response.status_code, response.json()["outcome"]) == (200, "ignored")
        # The gateway built at the start served it: its secret was not read again.
        assert hook.secret_reads[before:] == built


# --------------------------------------------------------------------------- signatures


def test_a_signature_dated_beyond_the_tolerance_in_the_future_is_refused(hook: Hook) -> None:
    now = int(time.time())
    for ahead in (SIGNATURE_TOLERANCE_S + 20, 3600, 10**9):
        status, answer = hook.post(ignored_event(new_event_id()), t=now + ahead)
        assert status == 400, ahead
        assert "timestamp" in answer["error"]
    status, answer = hook.post(ignored_event(new_event_id()), t=now + 60)
    assert (status, answer["outcome"]) == (200, "ignored")


def test_a_signature_header_without_a_single_timestamp_is_refused(hook: Hook) -> None:
    body = ignored_event(new_event_id())
    good = sign(body, WEBHOOK_SECRET)
    v1 = good.split(",", 1)[1]
    for header in (v1, f"t=,{v1}", f"t=abc,{v1}", f"t=-1,{v1}", f"{good},t=1", ""):
        response = hook.client.post(hook.url(), content=body, headers={"Stripe-Signature": header})
        assert response.status_code == 400, header


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 5_000, 200_000])
def test_a_signed_body_nested_too_deeply_is_400_not_500(hook: Hook, depth: int) -> None:
    nested = "[" * depth + "]" * depth
    body = (
        f'{{"id": "{new_event_id()}", "type": "customer.created", '
        f'"data": {{"object": {{"x": {nested}}}}}}}'
    ).encode()
    assert len(body) <= MAX_BODY_BYTES
    status, answer = hook.post(body)
    assert status == 400, answer
    assert "error" in answer


def test_a_signed_body_nested_within_the_limit_is_processed(hook: Hook) -> None:
    # The event object, data and data.object are three levels already.
    inner: Any = []
    for _ in range(MAX_JSON_DEPTH - 4):
        inner = [inner]
    status, answer = hook.post(
        ignored_event(new_event_id(), {"id": "cus_1", "object": "customer", "x": inner})
    )
    assert (status, answer["outcome"]) == (200, "ignored")


def test_a_signed_body_that_is_no_event_object_is_400(hook: Hook) -> None:
    for body in (
        b"[]",
        b'"text"',
        b"1e999999",
        b"1" * 5000,
        b'{"id": "evt_1", "type": "customer.created", "data": []}',
        b"\xff\xfe{}",
    ):
        response = hook.client.post(
            hook.url(),
            content=body,
            headers={"Stripe-Signature": sign_payload(body.decode("latin-1"), WEBHOOK_SECRET)},
        )
        assert response.status_code == 400, body[:40]


# --------------------------------------------------------------------------- rotation


def test_a_rotated_webhook_secret_in_the_environment_takes_over_within_seconds(
    hook: Hook, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert hook.post(ignored_event(new_event_id()))[0] == 200
    monkeypatch.setenv("JDOFFICE_STRIPE_WEBHOOK_SECRET", ROTATED_SECRET)
    took = wait_for(
        lambda: hook.post(ignored_event(new_event_id()), secret=ROTATED_SECRET)[0] == 200,
        GATEWAY_REFRESH_SECONDS + 5,
        "the new secret to be accepted",
    )
    assert took <= GATEWAY_REFRESH_SECONDS + 1
    status, answer = hook.post(ignored_event(new_event_id()), secret=WEBHOOK_SECRET)
    assert status == 400
    assert "signature" in answer["error"]


def test_the_secret_is_not_read_again_for_every_event(hook: Hook) -> None:
    start = time.monotonic()
    for _ in range(20):
        assert hook.post(ignored_event(new_event_id()))[0] == 200
    took = time.monotonic() - start
    # One gateway built per refresh period (its key and its webhook secret), however many
    # events came meanwhile.
    reads = hook.secret_reads.count("stripe-webhook-secret")
    assert 1 <= reads <= 1 + int(took // GATEWAY_REFRESH_SECONDS), (reads, took)


# --------------------------------------------------------------------------- failures


def test_an_unforeseen_failure_is_a_logged_500_without_details_in_the_answer(
    hook: Hook, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> str:
        raise RuntimeError("something \x00 broke \x1b[31m here")

    monkeypatch.setattr(online, "handle_event", broken)
    with caplog.at_level(logging.ERROR, logger=receiver_app.log.name):
        status, answer = hook.post(ignored_event(new_event_id()))
    assert (status, answer) == (500, {"error": "internal error"})
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    message = record.getMessage()
    assert "RuntimeError" in message
    assert "Traceback" in message
    assert "\x00" not in message
    assert "\x1b" not in message


class HeldHandling:
    """``online.handle_event`` held for chosen events (as a call to the provider holds it) until
    :meth:`release`; ``entered`` lists the events whose handling has begun, held or not."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, held: Collection[str]) -> None:
        self.held = held
        self.entered: list[str] = []
        self.go_on = threading.Event()
        real = online.handle_event

        def handle(uow: Any, gateway: Any, event: Any, **kwargs: Any) -> str:
            self.entered.append(event.event_id)
            if event.event_id in self.held:
                self.go_on.wait(30)
            return real(uow, gateway, event, **kwargs)

        monkeypatch.setattr(online, "handle_event", handle)

    def release(self) -> None:
        self.go_on.set()

    async def until_entered(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while len(self.entered) < count:
            assert time.monotonic() < deadline, f"{len(self.entered)} of {count} handled"
            await asyncio.sleep(0.01)


def post_ignored(hook: Hook, c: httpx.AsyncClient, event_id: str) -> asyncio.Future[Any]:
    """POST a signed event jdoffice ignores, started now and answered later."""
    body = ignored_event(event_id)
    return asyncio.ensure_future(c.post(hook.url(), content=body, headers=signed_headers(body)))


def test_a_notification_waiting_on_its_provider_does_not_hold_up_the_next_one(
    hook: Hook, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On SQLite the receiver handles notifications on few threads (one transaction writes at a
    # time); one of them waiting on the provider (a refund's details) must not stop the rest.
    slow_id, quick_id = new_event_id(), new_event_id()
    handling = HeldHandling(monkeypatch, {slow_id})

    async def both() -> tuple[int, int, bool]:
        async with hook.client.client() as c:
            slow = post_ignored(hook, c, slow_id)
            await handling.until_entered(1)
            quick = await asyncio.wait_for(post_ignored(hook, c, quick_id), 30)
            slow_still_waiting = not slow.done()
            handling.release()
            return quick.status_code, (await slow).status_code, slow_still_waiting

    try:
        quick_status, slow_status, slow_still_waiting = hook.client.run(both())
    finally:
        handling.release()
    assert (quick_status, slow_still_waiting) == (200, True)
    assert slow_status == 200


def test_the_health_check_answers_while_notifications_wait_on_their_provider(
    hook: Hook, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two notifications waiting on their provider take every thread the receiver handles
    # notifications on with SQLite; a monitor asking whether the worker lives must still hear.
    slow_ids = [new_event_id(), new_event_id()]
    handling = HeldHandling(monkeypatch, slow_ids)

    async def probe() -> tuple[int, list[int]]:
        async with hook.client.client() as c:
            slow = [post_ignored(hook, c, event_id) for event_id in slow_ids]
            await handling.until_entered(len(slow_ids))
            health = await asyncio.wait_for(c.get("/healthz"), 30)
            handling.release()
            return health.status_code, [(await s).status_code for s in slow]

    try:
        health_status, slow_statuses = hook.client.run(probe())
    finally:
        handling.release()
    assert health_status == 200
    assert slow_statuses == [200, 200]


def test_on_sqlite_two_notifications_are_handled_at_once_and_on_a_server_more(
    hook: Hook, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite writes one transaction at a time: more threads handling notifications only take
    # the interpreter from the one holding the write lock (bench_webhooks measures it).
    ids = [new_event_id() for _ in range(4)]
    handling = HeldHandling(monkeypatch, ids)
    expected = THREADS_ONE_WRITER if hook.app.writes_one_at_a_time() else len(ids)

    async def all_at_once() -> tuple[int, list[int]]:
        async with hook.client.client() as c:
            posts = [post_ignored(hook, c, event_id) for event_id in ids]
            await handling.until_entered(expected)
            await asyncio.sleep(0.3)  # time for any further one to start, were it allowed
            at_once = len(handling.entered)
            handling.release()
            return at_once, [(await p).status_code for p in posts]

    try:
        at_once, statuses = hook.client.run(all_at_once())
    finally:
        handling.release()
    assert at_once == expected
    assert statuses == [200] * len(ids)
