"""The webhook receiver: a small ASGI app for provider notifications (servers, not desks).

``POST /webhooks/{gateway}/{school_slug}`` (``/webhooks/stripe/osterbro``) verifies the
signature on the raw body with that school's secret, through the gateway the school uses and
with the request headers that gateway declares, then hands the event to the one finalize path.
Answers:

* 200 — processed, or a duplicate (providers deliver at least once);
* 400 — bad signature, a timestamp outside the tolerance (past or future) or a malformed body
  (not JSON, not an object, nested too deeply): nothing is written;
* 404 — no such school or provider; the answer names no school;
* 413 — a body over :data:`MAX_BODY_BYTES`, counted while it is read (chunked or not);
* 500 — anything unforeseen: logged, answered without details;
* 503 — the database is unavailable or the school's online payments cannot be used now:
  the provider retries (Stripe for days).

``GET /healthz`` answers 200 when the database answers.

The receiver's memory stays bounded whatever arrives: a path whose school or provider is not
in the exact form jdoffice makes them is refused before any database or keyring lookup, bodies
are read piece by piece and dropped once over the limit, and at most
:data:`MAX_CACHED_SCHOOLS` gateways are kept (per school id). A kept gateway is built again
after :data:`GATEWAY_REFRESH_SECONDS`, so a webhook secret changed with ``keys set`` or the
environment takes over within seconds and the old one stops working. A gateway whose keys and
options read the same as before is kept as it is (its connections and its provider token with
it); one replaced or dropped is closed once no notification can still be using it.

Confirmations queued by an event (a payment, a refund) are sent after the answer, on a thread
of their own, so the provider gets its 200 without waiting on a mail server; every
:data:`NOTIFY_INTERVAL_SECONDS` the receiver also sends what is due for every school (retries
with backoff). The receipt goes in the text: this process does not load Qt.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from jdoffice.bootstrap import App
from jdoffice.domain.errors import BusinessRuleError, InvalidInput, NotFound, Unavailable
from jdoffice.domain.model import School
from jdoffice.domain.text import printable as text_printable
from jdoffice.services import notifications as notify
from jdoffice.services import online
from jdoffice.services.gateways import (
    EarlyEventId,
    GatewayConfig,
    InvalidSignature,
    OnlineGateway,
    close_gateway,
)
from jdoffice.services.settings import PaymentSettings

log = logging.getLogger("jdoffice.webhooks")

T = TypeVar("T")

#: A provider's events are a few kB; anything far larger is not from a provider.
MAX_BODY_BYTES = 512 * 1024
#: How often the receiver sends what is due (retries of messages that failed).
NOTIFY_INTERVAL_SECONDS = 60.0
#: How long a school's gateway (its keys, its webhook secret) is used before it is built
#: again from the settings, the keyring and the environment.
GATEWAY_REFRESH_SECONDS = 3.0
#: Schools whose gateway is kept at once; the least recently used one goes first.
MAX_CACHED_SCHOOLS = 256
#: A gateway replaced (its keys or options changed) or dropped is closed this long after, with
#: its connections: a notification still using it has finished by then (every provider call
#: has a timeout).
RETIRED_GATEWAY_GRACE_SECONDS = 120.0
#: Outcomes after which there may be a confirmation to send.
_MONEY_OUTCOMES = frozenset({"applied", "updated"})
#: Threads handling notifications where the database writes one transaction at a time
#: (SQLite). Two, not one: a notification whose handling waits on the provider (MobilePay's
#: reading and capturing a payment, a refund's details) does not hold up every other one. Two
#: waiting at once hold up the worker's other notifications until one is answered (every
#: provider call has a timeout) or the other workers take them; ``/healthz`` has its own.
THREADS_ONE_WRITER = 2

#: A school's slug as jdoffice makes them: lower-case ASCII letters, digits and hyphens,
#: at most 64 characters (the column's width). Anything else is no school of ours.
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
#: A gateway's name: the same alphabet, at most 32 characters.
_PROVIDER = re.compile(r"[a-z][a-z0-9_-]{0,31}")

_NOT_FOUND = {"error": "not found"}
_TOO_LARGE = {"error": "body too large"}
_UNAVAILABLE = {"error": "temporarily unavailable"}
_CLOSE = {"connection": "close"}


def valid_slug(slug: str) -> bool:
    """Whether ``slug`` has the exact form of a school's slug (no padding, no capitals, no
    control characters, not too long)."""
    return _SLUG.fullmatch(slug) is not None


def valid_provider(provider: str) -> bool:
    return _PROVIDER.fullmatch(provider) is not None


def printable(text: str, limit: int = 500) -> str:
    """``text`` fit for one log line: cut at ``limit`` characters, unsafe ones replaced as on
    every other output (``domain.text.printable``)."""
    return text_printable(text[:limit]) + ("…" if len(text) > limit else "")


class _BodyTooLarge(Exception):
    pass


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, read piece by piece; stops as soon as it passes ``limit``.

    Raises:
        _BodyTooLarge: the declared or the received length is over the limit.
        ClientDisconnect: the client went away while sending.
    """
    declared = request.headers.get("content-length")
    if declared is not None:
        declared = declared.strip()
        if not (declared.isascii() and declared.isdigit()) or int(declared) > limit:
            raise _BodyTooLarge
    body = bytearray()
    async for chunk in request.stream():
        if len(body) + len(chunk) > limit:
            raise _BodyTooLarge
        body += chunk
    return bytes(body)


@dataclass(frozen=True, slots=True)
class _SchoolGateway:
    school: School
    #: The school's payment settings (which online gateways it takes, their own settings).
    settings: PaymentSettings
    #: ``time.monotonic()`` after which the gateways are built again.
    refresh_at: float
    #: The school's gateways built so far, by name (each when its first notification comes).
    gateways: dict[str, OnlineGateway] = field(default_factory=dict)


class Receiver:
    """Keeps one gateway per school id (at most :data:`MAX_CACHED_SCHOOLS`, each rebuilt
    after :data:`GATEWAY_REFRESH_SECONDS`: keys come from the keyring or the environment)."""

    def __init__(
        self,
        app: App,
        *,
        refresh_seconds: float = GATEWAY_REFRESH_SECONDS,
        max_schools: int = MAX_CACHED_SCHOOLS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.refresh_seconds = refresh_seconds
        self.max_schools = max_schools
        self._clock = clock
        self._by_id: OrderedDict[int, _SchoolGateway] = OrderedDict()
        self._ids: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()
        # One gateway is built at a time: requests arriving meanwhile for the same school
        # wait for it instead of reading the keyring once each.
        self._build_lock = threading.Lock()
        self._transports: dict[int, notify.Transports] = {}
        self._send_scheduled: set[str] = set()
        #: The gateway last built per school id and provider, with what it was built from.
        self._built: dict[tuple[int, str], tuple[GatewayConfig, OnlineGateway]] = {}
        #: Gateways no longer handed out, with when they were retired; closed after
        #: :data:`RETIRED_GATEWAY_GRACE_SECONDS` (or when the receiver stops).
        self._retired: list[tuple[float, OnlineGateway]] = []

    def cached_schools(self) -> int:
        with self._lock:
            return len(self._by_id)

    def _cached(self, slug: str) -> _SchoolGateway | None:
        now = self._clock()
        with self._lock:
            school_id = self._ids.get(slug)
            if school_id is None:
                return None
            entry = self._by_id.get(school_id)
            if entry is None or entry.school.slug != slug or now >= entry.refresh_at:
                return None
            self._ids.move_to_end(slug)
            self._by_id.move_to_end(school_id)
            return entry

    def _keep(self, slug: str, entry: _SchoolGateway) -> None:
        now = self._clock()
        with self._lock:
            self._by_id[entry.school.id] = entry
            self._by_id.move_to_end(entry.school.id)
            self._ids[slug] = entry.school.id
            self._ids.move_to_end(slug)
            while len(self._by_id) > self.max_schools:
                dropped = self._by_id.popitem(last=False)[0]
                for key in [k for k in self._built if k[0] == dropped]:
                    self._retired.append((now, self._built.pop(key)[1]))
            while len(self._ids) > self.max_schools:
                self._ids.popitem(last=False)
        self._close_retired(now)

    def _close_retired(self, now: float) -> None:
        """Close the retired gateways whose grace period is over, and the oldest at once
        beyond :attr:`max_schools` of them: requests naming one school after another must
        not keep gateways open without bound."""
        with self._lock:
            due = [g for at, g in self._retired if now - at >= RETIRED_GATEWAY_GRACE_SECONDS]
            kept = [(at, g) for at, g in self._retired if now - at < RETIRED_GATEWAY_GRACE_SECONDS]
            excess = max(0, len(kept) - self.max_schools)
            due += [g for _, g in kept[:excess]]
            self._retired = kept[excess:]
        for gateway in due:
            close_gateway(gateway)

    def close(self) -> None:
        """Close every gateway (and its connections): the receiver is stopping."""
        with self._lock:
            gateways = [g for _, g in self._built.values()] + [g for _, g in self._retired]
            self._by_id.clear()
            self._ids.clear()
            self._built.clear()
            self._retired = []
        for gateway in gateways:
            close_gateway(gateway)

    def _find_school(self, slug: str) -> School:
        uow = self.app.uow()
        with uow:
            school = uow.schools.get_by_slug(slug)
        if school is None:
            raise NotFound("no such school")
        return school

    def for_school(self, slug: str) -> _SchoolGateway:
        """The school with this slug and its gateway.

        Raises:
            NotFound: ``slug`` is not in a slug's form, or no school has it.
        """
        if not valid_slug(slug):
            raise NotFound("no such school")
        hit = self._cached(slug)
        if hit is not None:
            return hit
        with self._build_lock:
            hit = self._cached(slug)  # built by the request this one waited for
            if hit is not None:
                return hit
            school = self._find_school(slug)
            settings = self.app.payment_settings(school)
            entry = _SchoolGateway(school, settings, self._clock() + self.refresh_seconds)
            self._keep(slug, entry)
        return entry

    def gateway(self, entry: _SchoolGateway, provider: str) -> OnlineGateway:
        """The school's gateway ``provider``, built once per refresh.

        Raises:
            NotFound: the school does not take payments through ``provider``.
        """
        if provider not in entry.settings.gateways:
            raise NotFound(f"{entry.school.slug} does not take payments through {provider}")
        built = entry.gateways.get(provider)
        if built is None:
            with self._build_lock:
                built = entry.gateways.get(provider)
                if built is None:
                    built = self._build(entry, provider)
                    entry.gateways[provider] = built
        return built

    def _build(self, entry: _SchoolGateway, provider: str) -> OnlineGateway:
        """The school's gateway from its keys and options as they read now: the one built
        before when they read the same, else a new one (the old one retired)."""
        info, config = self.app.gateway_config(entry.school, entry.settings.using(provider))
        key = (entry.school.id, provider)
        now = self._clock()
        with self._lock:
            previous = self._built.get(key)
        if previous is not None and previous[0] == config:
            return previous[1]
        gateway = info.factory(config)
        with self._lock:
            self._built[key] = (config, gateway)
            if previous is not None:
                self._retired.append((now, previous[1]))
        self._close_retired(now)
        return gateway

    def signature_headers(self, provider: str) -> tuple[str, ...]:
        """The request headers ``provider`` verifies its notifications with.

        Raises:
            NotFound: no such gateway is installed.
        """
        info = self.app.registry.online.get(provider)
        if info is None:
            raise NotFound(f"no gateway {provider} is installed")
        return info.signature_headers

    def process(self, provider: str, slug: str, body: bytes, headers: Mapping[str, str]) -> str:
        entry = self.for_school(slug)
        gateway = self.gateway(entry, provider)
        uow = self.app.uow()
        early_id: str | None = None
        if isinstance(gateway, EarlyEventId):
            # A gateway that asks the provider while verifying (MobilePay reads and captures
            # the payment): a verified redelivery is answered before that.
            early_id = gateway.verified_event_id(body, headers)
            if online.already_handled(uow, gateway.name, early_id, entry.school):
                return "duplicate"
        event = gateway.verify_event(body, headers)
        outcome = online.handle_event(
            uow, gateway, event, school=entry.school, checked=event.event_id == early_id
        )
        if outcome != "duplicate" and log.isEnabledFor(logging.INFO):
            log.info(
                "%s event %s (%s) for %s: %s",
                provider,
                printable(event.event_id, 100),
                printable(event.type, 100),
                slug,
                outcome,
            )
        return outcome

    def warm_up(self) -> None:
        """Build the gateways of the schools (at most :data:`MAX_CACHED_SCHOOLS`) before the
        first notification, as a notification would: a worker started with the provider
        libraries not loaded yet otherwise makes its first notifications wait while they load.
        Nothing is asked of a provider. A gateway that cannot be built now is left for the
        first notification, which answers why."""
        try:
            uow = self.app.uow()
            with uow:
                slugs = [s.slug for s in uow.schools.all()]
        except Exception as exc:  # the first notification tries again
            log.warning("gateways not built ahead: %s", printable(str(exc)))
            return
        installed = self.app.registry.online
        for slug in [s for s in slugs if valid_slug(s)][: self.max_schools]:
            try:
                entry = self.for_school(slug)
                for provider in entry.settings.gateways:
                    if provider in installed:
                        self.gateway(entry, provider)
            except Exception as exc:
                log.debug("gateway of %s not built ahead: %s", slug, printable(str(exc)))

    def transports(self, school: School) -> notify.Transports:
        with self._lock:
            hit = self._transports.get(school.id)
        if hit is None:
            from jdoffice.bootstrap import build_transports

            hit = build_transports(self.app.config.notifications, school.slug)
            with self._lock:
                self._transports[school.id] = hit
        return hit

    def schedule_send(self, slug: str) -> bool:
        """Whether a send for ``slug`` should be started (False: one is waiting already)."""
        with self._lock:
            if slug in self._send_scheduled:
                return False
            self._send_scheduled.add(slug)
            return True

    def send_due(self, slug: str) -> None:
        """Send the school's due messages; a failure is recorded on the messages, and a
        database that cannot be reached leaves them due for the next round."""
        with self._lock:
            self._send_scheduled.discard(slug)
        try:
            school = self.for_school(slug).school
            result = notify.dispatch_due(self.app.uow(), school, self.transports(school))
        except Exception as exc:  # the next round tries again
            log.warning("messages for %s not sent now: %s", slug, printable(str(exc)))
            return
        if result.outcomes:
            log.info("messages for %s: %d sent, %d failed", slug, result.sent, result.failed)

    def send_all_due(self) -> None:
        try:
            uow = self.app.uow()
            with uow:
                slugs = [s.slug for s in uow.schools.all()]
        except Exception as exc:
            log.warning("messages not sent now: %s", printable(str(exc)))
            return
        for slug in slugs:
            if valid_slug(slug):
                self.send_due(slug)

    def healthy(self) -> bool:
        with self.app.engine.connect() as conn:
            # A table, not just the connection: a server whose database was dropped or
            # renamed still answers ``SELECT 1``.
            conn.execute(text("SELECT COUNT(*) FROM schools"))
        return True


def create_app(
    app: App,
    *,
    notify_interval: float | None = NOTIFY_INTERVAL_SECONDS,
    gateway_refresh: float = GATEWAY_REFRESH_SECONDS,
    warm_up: bool = False,
    max_schools: int = MAX_CACHED_SCHOOLS,
) -> Starlette:
    """The receiver app. ``warm_up``: build the schools' gateways before it takes its first
    request (:meth:`Receiver.warm_up`), as ``webhooks serve`` does; ``max_schools``: how many
    schools' gateways it keeps (and builds ahead)."""
    receiver = Receiver(app, refresh_seconds=gateway_refresh, max_schools=max_schools)
    # The database work runs in worker threads so the event loop keeps answering. A plain
    # executor hands the work over with less overhead than Starlette's threadpool (anyio),
    # which is a noticeable share of a webhook's cost. On SQLite, where one transaction
    # writes at a time, few threads (:data:`THREADS_ONE_WRITER`): the thread holding the write
    # lock, which every worker process waits for, shares this process's interpreter with the
    # threads verifying the next notifications, and the more of them, the longer it holds
    # the lock.
    executor = ThreadPoolExecutor(
        max_workers=THREADS_ONE_WRITER if app.writes_one_at_a_time() else None,
        thread_name_prefix="jdoffice-webhook",
    )
    # Mail and SMS wait on other servers: one thread of their own, never the webhooks'.
    sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jdoffice-notify")
    # The health check has a thread of its own too: notifications waiting on their provider
    # may fill the webhooks' threads, and a monitor must still hear that the worker is alive.
    probe = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jdoffice-healthz")

    def send_later(slug: str) -> None:
        if receiver.schedule_send(slug):
            sender.submit(receiver.send_due, slug)

    async def send_periodically(interval: float) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await loop.run_in_executor(sender, receiver.send_all_due)
            await asyncio.sleep(interval)

    async def in_thread(fn: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(executor, fn)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if warm_up:
            await in_thread(receiver.warm_up)
        periodic = (
            asyncio.create_task(send_periodically(notify_interval))
            if notify_interval is not None
            else None
        )
        try:
            yield
        finally:
            if periodic is not None:
                periodic.cancel()
            executor.shutdown(wait=True, cancel_futures=True)
            sender.shutdown(wait=True, cancel_futures=True)
            probe.shutdown(wait=True, cancel_futures=True)
            receiver.close()

    def _header(request: Request, name: str) -> str:
        """A header the gateway asked for, or the request line's ``:method`` / ``:path``."""
        if name == ":method":
            return request.method
        if name == ":path":
            query = request.url.query
            return request.url.path + (f"?{query}" if query else "")
        return request.headers.get(name, "")

    async def webhook(request: Request) -> JSONResponse:
        provider: str = request.path_params["provider"]
        slug: str = request.path_params["school_slug"]
        if not (valid_provider(provider) and valid_slug(slug)):
            # Refused by its form alone: no lookup, and the body is left unread (the
            # connection is closed rather than drained).
            return JSONResponse(_NOT_FOUND, status_code=404, headers=_CLOSE)
        try:
            body = await read_body(request)
        except _BodyTooLarge:
            log.warning(
                "refused %s webhook for %s: body over %d bytes", provider, slug, MAX_BODY_BYTES
            )
            return JSONResponse(_TOO_LARGE, status_code=413, headers=_CLOSE)
        except ClientDisconnect:
            return JSONResponse({"error": "client went away"}, status_code=400, headers=_CLOSE)
        try:
            # Only the headers the gateway declares reach it.
            wanted = receiver.signature_headers(provider)
            headers = {name: _header(request, name) for name in wanted}
            outcome = await in_thread(partial(receiver.process, provider, slug, body, headers))
        except InvalidSignature as exc:
            log.warning("rejected %s webhook for %s: %s", provider, slug, printable(str(exc)))
            return JSONResponse({"error": str(exc)}, status_code=400)
        except NotFound as exc:
            log.warning("no %s webhook for %s: %s", provider, slug, printable(str(exc)))
            return JSONResponse(_NOT_FOUND, status_code=404)
        except (Unavailable, DBAPIError) as exc:
            log.error(
                "webhook for %s not processed, provider will retry: %s", slug, printable(str(exc))
            )
            return JSONResponse(_UNAVAILABLE, status_code=503)
        except (InvalidInput, BusinessRuleError) as exc:
            # A school without keys or with online payments misconfigured: a retry may work
            # once staff fix it, so ask the provider to try again later. The reason stays in
            # the log: the answer goes to whoever posted.
            log.error("webhook for %s cannot be handled: %s", slug, printable(str(exc)))
            return JSONResponse(_UNAVAILABLE, status_code=503)
        except Exception as exc:
            # The traceback goes to the log (each line made printable: an exception's text
            # may quote the body), never into the answer.
            lines = "".join(traceback.format_exception(exc)).splitlines()
            log.error(
                "webhook for %s failed: %s\n%s",
                slug,
                printable(f"{type(exc).__name__}: {exc}"),
                "\n".join(printable(line, 2000) for line in lines),
            )
            return JSONResponse({"error": "internal error"}, status_code=500)
        if outcome in _MONEY_OUTCOMES:
            send_later(slug)
        return JSONResponse({"received": True, "outcome": outcome})

    async def healthz(_request: Request) -> JSONResponse:
        try:
            await asyncio.get_running_loop().run_in_executor(probe, receiver.healthy)
        except Exception as exc:  # any database failure means "not healthy"
            return JSONResponse({"ok": False, "error": type(exc).__name__}, status_code=503)
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[
            Route("/webhooks/{provider}/{school_slug}", webhook, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
