"""The webhook receiver: a small ASGI app for provider notifications (servers, not desks).

``POST /webhooks/stripe/{school_slug}`` verifies the signature on the raw body with that
school's webhook secret, then hands the event to the one finalize path. Answers:

* 200 — processed, or a duplicate (Stripe delivers at least once);
* 400 — bad signature, stale timestamp or malformed body: nothing is written;
* 404 — no such school;
* 503 — the database is unavailable: Stripe retries for days.

``GET /healthz`` answers 200 when the database answers.
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
from jdoffice.services import online
from jdoffice.services.gateways import InvalidSignature, OnlineGateway

log = logging.getLogger("jdoffice.webhooks")

T = TypeVar("T")

#: Stripe's own events are a few kB; anything far larger is not from Stripe.
MAX_BODY_BYTES = 512 * 1024


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

    def healthy(self) -> bool:
        with self.app.engine.connect() as conn:
            # A table, not just the connection: a server whose database was dropped or
            # renamed still answers ``SELECT 1``.
            conn.execute(text("SELECT COUNT(*) FROM schools"))
        return True


def create_app(app: App) -> Starlette:
    receiver = Receiver(app)
    # The database work runs in worker threads so the event loop keeps answering. A plain
    # executor hands the work over with less overhead than Starlette's threadpool (anyio),
    # which is a noticeable share of a webhook's cost; SQLite writers queue on the unit of
    # work's lock either way.
    executor = ThreadPoolExecutor(thread_name_prefix="jdoffice-webhook")

    async def in_thread(fn: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(executor, fn)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            executor.shutdown(wait=True, cancel_futures=True)

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
