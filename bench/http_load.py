"""A lean HTTP/1.1 load generator for the webhook benchmark.

It shares the machine with the receiver it measures, so every microsecond it spends is one
the receiver does not get. httpx costs about a millisecond of CPU per request (its
connection pool, its request and response objects); here each connection is a plain asyncio
stream that writes the request in one piece and reads the answer by its ``Content-Length``:
a tenth of that. Only what the benchmark needs: POST, keep-alive, answers with a
``Content-Length`` (uvicorn sends one for a ``JSONResponse``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

Sign = Callable[[bytes], Mapping[str, str]]


@dataclass
class Tally:
    """What came back: one latency per request (ms), statuses, the receiver's outcomes."""

    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=dict)

    def add(self, ms: float, status: int, outcome: str) -> None:
        self.latencies.append(ms)
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if outcome:
            self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


class _Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, head: bytes, body: bytes) -> tuple[int, bytes]:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(head + body)
        status_line_and_headers = await self.reader.readuntil(b"\r\n\r\n")
        lines = status_line_and_headers.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length, close = 0, False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        answer = await self.reader.readexactly(length) if length else b""
        if close:
            await self.close()
        return status, answer

    async def close(self) -> None:
        writer, self.writer, self.reader = self.writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


def _head(host_header: str, path: str, length: int, headers: Mapping[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: {host_header}", f"Content-Length: {length}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def post_all(
    url: str,
    bodies: Sequence[bytes],
    concurrency: int,
    deadline_s: float,
    sign: Sign,
    timeout_s: float,
) -> tuple[Tally, float, bool]:
    """POST every body once over ``concurrency`` keep-alive connections, each signed by
    ``sign`` at send time. Returns the tally, the wall time and whether the deadline cut
    the batch short."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    host_header = parts.netloc
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    tally = Tally()
    next_index = 0

    async def worker() -> None:
        nonlocal next_index
        conn = _Connection(host, port)
        try:
            while next_index < len(bodies):
                body = bodies[next_index]
                next_index += 1
                head = _head(host_header, path, len(body), sign(body))
                begin = time.perf_counter()
                outcome = ""
                try:
                    status, answer = await asyncio.wait_for(conn.post(head, body), timeout_s)
                    if status == 200:
                        outcome = str(json.loads(answer).get("outcome", ""))
                except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as exc:
                    status, outcome = 0, type(exc).__name__
                    await conn.close()
                tally.add((time.perf_counter() - begin) * 1000.0, status, outcome)
        finally:
            await conn.close()

    begin = time.perf_counter()
    tasks = [asyncio.create_task(worker()) for _ in range(max(1, concurrency))]
    done, pending = await asyncio.wait(tasks, timeout=deadline_s)
    seconds = time.perf_counter() - begin
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for task in done:
        task.result()
    return tally, seconds, bool(pending)
