"""How many worker processes ``jdoffice webhooks serve`` starts, and what each is given."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from asyncio import selector_events
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from jdoffice import cli
from jdoffice.bootstrap import open_app
from jdoffice.webhooks import serve


def test_by_default_one_worker_per_core_this_process_may_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1, 2}, raising=False)
    assert serve.default_workers() == 3


def test_by_default_at_most_eight_workers_on_a_large_machine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(64)), raising=False)
    assert serve.default_workers() == serve.MAX_DEFAULT_WORKERS == 8


def test_without_affinity_the_cpu_count_decides_and_never_below_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert serve.default_workers() == 1
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    assert serve.default_workers() == 4


def test_workers_get_the_database_and_the_log_level_through_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: calls.append((app, kw)))
    # Restored by monkeypatch: serve() writes the variables into this process's environment.
    monkeypatch.setenv(serve.ENV_DATABASE_URL, "placeholder")
    monkeypatch.setenv(serve.ENV_VERBOSE, "placeholder")
    root = logging.getLogger()
    level = root.level
    app = open_app(f"sqlite:///{tmp_path / 'x.sqlite3'}")

    # setLevel, not the attribute: it also clears the loggers' isEnabledFor caches, which an
    # earlier test in this process may have filled at another level.
    root.setLevel(logging.INFO)
    try:
        serve.serve(app, host="127.0.0.1", port=8765, workers=3)
    finally:
        root.setLevel(level)

    [(target, options)] = calls
    assert target == "jdoffice.webhooks.serve:worker_app"
    assert options["factory"] is True
    assert options["workers"] == 3
    assert options["http"] is serve.NoDelayHttpProtocol
    assert os.environ[serve.ENV_DATABASE_URL] == f"sqlite:///{tmp_path / 'x.sqlite3'}"
    assert os.environ[serve.ENV_VERBOSE] == "1"


def test_one_worker_serves_in_this_process(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: calls.append((app, kw)))
    app = open_app(f"sqlite:///{tmp_path / 'x.sqlite3'}")

    serve.serve(app, host="127.0.0.1", port=8765, workers=1)

    [(target, options)] = calls
    assert not isinstance(target, str)  # the app itself, not an import string
    assert "workers" not in options
    assert options["http"] is serve.NoDelayHttpProtocol


@pytest.mark.parametrize("workers", ["0", "65", "two"])
def test_a_worker_count_out_of_range_is_a_usage_error(workers: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli.cli,
        ["--db", f"sqlite:///{tmp_path / 'x.sqlite3'}", "webhooks", "serve", "--workers", workers],
    )
    assert result.exit_code == 2, result.output
    assert "--workers" in result.output


def test_workers_take_turns_accepting_but_every_waiting_connection_is_served() -> None:
    batches: list[int] = []
    real = getattr(selector_events.BaseSelectorEventLoop, "_accept_connection")  # noqa: B009

    def recording(self: Any, *args: Any) -> None:
        batches.append(args[4])
        real(self, *args)

    accepted: list[asyncio.BaseTransport] = []

    class Counting(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            accepted.append(transport)

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(
            Counting, "127.0.0.1", 0, backlog=128
        )
        port = server.sockets[0].getsockname()[1]
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
        for _ in range(200):
            if len(accepted) == 3:
                break
            await asyncio.sleep(0.01)
        for c in clients:
            c.close()
        for t in accepted:
            t.close()
        await asyncio.sleep(0.05)
        server.close()
        await server.wait_closed()

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(selector_events.BaseSelectorEventLoop, "_accept_connection", recording)
        _run(serve.TurnTakingLoop(), main())
    assert len(accepted) == 3
    assert batches
    assert set(batches) == {1}


def _run(loop: asyncio.AbstractEventLoop, coro: Any) -> None:
    try:
        loop.run_until_complete(coro)
    finally:
        loop.close()


def test_several_workers_run_on_the_turn_taking_loop(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: calls.append(kw))
    monkeypatch.setenv(serve.ENV_DATABASE_URL, "placeholder")
    monkeypatch.setenv(serve.ENV_VERBOSE, "placeholder")
    serve.serve(
        open_app(f"sqlite:///{tmp_path / 'x.sqlite3'}"), host="127.0.0.1", port=1, workers=2
    )
    [options] = calls
    from uvicorn.config import Config

    factory = Config("x:y", loop=options["loop"]).get_loop_factory()
    assert factory is serve.TurnTakingLoop


def test_a_worker_holding_connections_leaves_a_new_one_a_moment_for_the_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Workers share one listening socket; the one already running used to take every
    connection of a burst. One that holds connections now lets a new one wait (longer the
    more it holds) before it takes it, so an idle worker takes it first; alone, it still
    takes every connection."""
    monkeypatch.setattr(serve, "ACCEPT_DEFERRAL_PER_CONNECTION_S", 0.1)
    monkeypatch.setattr(serve, "MAX_ACCEPT_DEFERRAL_S", 1.0)
    accepted_at: list[float] = []
    transports: list[asyncio.BaseTransport] = []

    class Counting(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            accepted_at.append(time.monotonic())
            transports.append(transport)

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(Counting, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        clients: list[socket.socket] = []
        opened: list[float] = []
        for n in range(3):
            opened.append(time.monotonic())
            clients.append(socket.create_connection(("127.0.0.1", port)))
            while len(accepted_at) <= n:
                await asyncio.sleep(0.002)
        for c in clients:
            c.close()
        for t in transports:
            t.close()
        server.close()
        await server.wait_closed()
        waits = [a - o for a, o in zip(accepted_at, opened, strict=True)]
        # None held: at once. One held: about 0.1 s. Two held: about 0.2 s.
        assert waits[0] < 0.08, waits
        assert 0.09 <= waits[1] < 0.5, waits
        assert 0.19 <= waits[2] < 0.6, waits

    _run(serve.TurnTakingLoop(), main())


def test_connections_held_open_doing_nothing_barely_slow_a_burst_of_new_ones() -> None:
    """A worker defers a new connection for the others, but briefly: forty idle connections
    (a slow or hostile client) must not throttle a burst of a hundred real ones."""
    transports: list[asyncio.BaseTransport] = []

    class Keep(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            transports.append(transport)

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(Keep, "127.0.0.1", 0, backlog=512)
        port = server.sockets[0].getsockname()[1]
        idle = []
        for n in range(40):
            idle.append(socket.create_connection(("127.0.0.1", port)))
            while len(transports) <= n:
                await asyncio.sleep(0.001)
        started = time.monotonic()
        burst = [socket.create_connection(("127.0.0.1", port)) for _ in range(100)]
        while len(transports) < 140 and time.monotonic() - started < 10:
            await asyncio.sleep(0.005)
        took = time.monotonic() - started
        for c in idle + burst:
            c.close()
        for t in transports:
            t.close()
        server.close()
        await server.wait_closed()
        assert len(transports) == 140
        # 2 ms at most per connection: 0.2 s; with 20 ms per connection it took 2.1 s.
        assert took < 1.0, took

    _run(serve.TurnTakingLoop(), main())
