"""The webhook benchmark's floor: a Stripe webhook with the least machinery.

A bare ASGI app under the same HTTP server (uvicorn, as many workers as the receiver): it
reads the body, checks the ``Stripe-Signature`` HMAC (and its timestamp's tolerance) with
``hmac``, takes the event id out of the JSON and inserts it into one SQLite table through
the ``sqlite3`` module, ``INSERT OR IGNORE`` (a duplicate inserts nothing). No school, no
attempt, no payment, no receipt, no audit: what any receiver must at least do per event on
this machine, under this load generator. The receiver's figures are that plus jdoffice's
own work.

Run by ``bench.bench_webhooks`` as ``python -m bench.webhook_floor PORT WORKERS`` (uvicorn
with the receiver's HTTP protocol), configured by
``JDOFFICE_FLOOR_DB`` (an SQLite file with the table, :func:`create`) and
``JDOFFICE_FLOOR_SECRET`` (the webhook secret).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sqlite3
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

ENV_DB = "JDOFFICE_FLOOR_DB"
ENV_SECRET = "JDOFFICE_FLOOR_SECRET"
TOLERANCE_S = 300

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_conn: sqlite3.Connection | None = None


def create(path: Path) -> None:
    """The floor's database: one table of event ids."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE IF NOT EXISTS floor_events (event_id TEXT PRIMARY KEY)")
    conn.close()


def _connection() -> sqlite3.Connection:
    global _conn
    if _conn is None:
        _conn = sqlite3.connect(os.environ[ENV_DB], isolation_level=None, timeout=10.0)
        _conn.execute("PRAGMA synchronous=NORMAL")
    return _conn


def verified(body: bytes, header: str, secret: bytes) -> bool:
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(time.time() - timestamp) > TOLERANCE_S:
        return False
    expected = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts.get("v1", ""))


async def _answer(send: Send, status: int, payload: dict[str, Any]) -> None:
    body = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    if scope["type"] != "http":
        return
    if scope["method"] != "POST":  # the benchmark's health check
        await _answer(send, 200, {"ok": True})
        return
    body, more = b"", True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    header = dict(scope["headers"]).get(b"stripe-signature", b"").decode("latin-1")
    if not verified(body, header, os.environ[ENV_SECRET].encode()):
        await _answer(send, 400, {"error": "bad signature"})
        return
    event_id = str(json.loads(body)["id"])
    cursor = _connection().execute(
        "INSERT OR IGNORE INTO floor_events (event_id) VALUES (?)", (event_id,)
    )
    await _answer(send, 200, {"outcome": "applied" if cursor.rowcount else "duplicate"})


def main(argv: list[str]) -> None:
    import uvicorn

    from jdoffice.webhooks.serve import NoDelayHttpProtocol

    port, workers = int(argv[0]), int(argv[1])
    uvicorn.run(
        f"{__name__}:app" if workers > 1 else app,
        host="127.0.0.1",
        port=port,
        workers=workers,
        http=NoDelayHttpProtocol,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
