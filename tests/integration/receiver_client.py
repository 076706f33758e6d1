"""The webhook receiver's ASGI app, run in a test the way a server runs it.

A server enters the app's lifespan before the first request and leaves it at shutdown, and
leaving it waits for the receiver's worker threads (webhooks and the e-mail/SMS sender). A
test that posted through httpx's ASGI transport alone never left the lifespan: a message
sender still running after the test could reach the database after the test had disposed of
its engine. :class:`ReceiverClient` keeps one event loop for the app's life, so requests can
also run concurrently on it, and :meth:`ReceiverClient.close` leaves the lifespan.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from types import TracebackType
from typing import Any, TypeVar

import httpx
from starlette.applications import Starlette

T = TypeVar("T")


class ReceiverClient:
    """Requests to the receiver app, inside its lifespan, on one event loop."""

    def __init__(self, asgi: Starlette) -> None:
        self.asgi = asgi
        self.loop = asyncio.new_event_loop()
        self._lifespan = asgi.router.lifespan_context(asgi)
        try:
            self.loop.run_until_complete(self._lifespan.__aenter__())
        except BaseException:
            self.loop.close()
            raise
        self._closed = False

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the app's event loop (for several requests at once)."""
        return self.loop.run_until_complete(coro)

    def client(self) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.asgi)
        return httpx.AsyncClient(transport=transport, base_url="http://testserver")

    def post(self, url: str, *, content: bytes, headers: dict[str, str]) -> httpx.Response:
        async def go() -> httpx.Response:
            async with self.client() as c:
                return await c.post(url, content=content, headers=headers)

        return self.run(go())

    def close(self) -> None:
        """Leave the lifespan: the receiver's worker threads finish before this returns."""
        if self._closed:
            return
        self._closed = True
        try:
            self.loop.run_until_complete(self._lifespan.__aexit__(None, None, None))
        finally:
            self.loop.close()

    def __enter__(self) -> ReceiverClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
