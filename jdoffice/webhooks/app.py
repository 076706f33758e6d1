"""The webhook receiver: a small ASGI app for provider notifications (servers, not desks).

``POST /webhooks/stripe/{school_slug}`` verifies the signature on the raw body with that
school's webhook secret, then hands the event to the one finalize path. Answers:

* 200 — processed, or a duplicate (Stripe delivers at least once);
* 400 — bad signature, stale timestamp or malformed body: nothing is written;
* 404 — no such school;
* 503 — the database is unavailable: Stripe retries for days.

``GET /healthz`` answers 200 when the database answers.

Confirmations queued by an event (a payment, a refund) are sent after the answer, on a thread
of their own, so the provider gets its 200 without waiting on a mail server; every
:data:`NOTIFY_INTERVAL_SECONDS` the receiver also sends what is due for every school (retries
with backoff). The receipt goes in the text: this process does not load Qt.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from jdoffice.bootstrap import App
from jdoffice.domain.errors import BusinessRuleError, InvalidInput, NotFound, Unavailable
from jdoffice.domain.model import School
from jdoffice.services import notifications as notify
from jdoffice.services import online
from jdoffice.services.gateways import InvalidSignature, OnlineGateway

log = logging.getLogger("jdoffice.webhooks")

T = TypeVar("T")

#: Stripe's own events are a few kB; anything far larger is not from Stripe.
MAX_BODY_BYTES = 512 * 1024
#: How often the receiver sends what is due (retries of messages that failed).
NOTIFY_INTERVAL_SECONDS = 60.0
#: Outcomes after which there may be a confirmation to send.
_MONEY_OUTCOMES = frozenset({"applied", "updated"})


@dataclass(frozen=True, slots=True)
class _SchoolGateway:
    school: School
    gateway: OnlineGateway


class Receiver:
    """Holds one gateway per school (built once: keys come from the keyring)."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._cache: dict[str, _SchoolGateway] = {}
        self._lock = threading.Lock()
        self._transports: dict[str, notify.Transports] = {}
        self._send_scheduled: set[str] = set()

    def for_school(self, slug: str) -> _SchoolGateway:
        with self._lock:
            hit = self._cache.get(slug)
        if hit is not None:
            return hit
        school = self.app.school(slug)
        gateway = self.app.online_gateway(school)
        entry = _SchoolGateway(school, gateway)
        with self._lock:
            self._cache[slug] = entry
        return entry

    def process(self, provider: str, slug: str, body: bytes, signature: str) -> str:
        entry = self.for_school(slug)
        if entry.gateway.name != provider:
            raise NotFound(f"{slug} does not take payments through {provider}")
        event = entry.gateway.verify_event(body, signature)
        uow = self.app.uow()
        outcome = online.handle_event(uow, entry.gateway, event)
        if outcome != "duplicate":
            log.info(
                "%s event %s (%s) for %s: %s", provider, event.event_id, event.type, slug, outcome
            )
        return outcome

    def transports(self, school: School) -> notify.Transports:
        with self._lock:
            hit = self._transports.get(school.slug)
        if hit is None:
            from jdoffice.adapters.notify_config import build_transports

            hit = build_transports(self.app.config.notifications, school.slug)
            with self._lock:
                self._transports[school.slug] = hit
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
            log.warning("messages for %s not sent now: %s", slug, exc)
            return
        if result.outcomes:
            log.info("messages for %s: %d sent, %d failed", slug, result.sent, result.failed)

    def send_all_due(self) -> None:
        try:
            uow = self.app.uow()
            with uow:
                slugs = [s.slug for s in uow.schools.all()]
        except Exception as exc:
            log.warning("messages not sent now: %s", exc)
            return
        for slug in slugs:
            self.send_due(slug)

    def healthy(self) -> bool:
        with self.app.engine.connect() as conn:
            # A table, not just the connection: a server whose database was dropped or
            # renamed still answers ``SELECT 1``.
            conn.execute(text("SELECT COUNT(*) FROM schools"))
        return True


def create_app(app: App, *, notify_interval: float | None = NOTIFY_INTERVAL_SECONDS) -> Starlette:
    receiver = Receiver(app)
    # The database work runs in worker threads so the event loop keeps answering. A plain
    # executor hands the work over with less overhead than Starlette's threadpool (anyio),
    # which is a noticeable share of a webhook's cost; SQLite writers queue on the unit of
    # work's lock either way.
    executor = ThreadPoolExecutor(thread_name_prefix="jdoffice-webhook")
    # Mail and SMS wait on other servers: one thread of their own, never the webhooks'.
    sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jdoffice-notify")

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

    async def webhook(request: Request) -> JSONResponse:
        provider = request.path_params["provider"]
        slug = request.path_params["school_slug"]
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            return JSONResponse({"error": "body too large"}, status_code=413)
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return JSONResponse({"error": "body too large"}, status_code=413)
        signature = request.headers.get("stripe-signature", "")
        try:
            outcome = await in_thread(partial(receiver.process, provider, slug, body, signature))
        except InvalidSignature as exc:
            log.warning("rejected %s webhook for %s: %s", provider, slug, exc)
            return JSONResponse({"error": str(exc)}, status_code=400)
        except NotFound as exc:
            return JSONResponse({"error": str(exc)}, status_code=404)
        except (Unavailable, DBAPIError) as exc:
            log.error("webhook for %s not processed, provider will retry: %s", slug, exc)
            return JSONResponse({"error": "temporarily unavailable"}, status_code=503)
        except (InvalidInput, BusinessRuleError) as exc:
            # A school without keys or with online payments misconfigured: a retry may work
            # once staff fix it, so ask the provider to try again later.
            log.error("webhook for %s cannot be handled: %s", slug, exc)
            return JSONResponse({"error": str(exc)}, status_code=503)
        if outcome in _MONEY_OUTCOMES:
            send_later(slug)
        return JSONResponse({"received": True, "outcome": outcome})

    async def healthz(_request: Request) -> JSONResponse:
        try:
            await in_thread(receiver.healthy)
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
