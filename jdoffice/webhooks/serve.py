"""Running the receiver: one process, or several worker processes on one port.

Python runs one thread at a time per process, so one receiver process uses about one core
however many requests arrive together. ``jdoffice webhooks serve --workers N`` starts N
worker processes (uvicorn's supervisor) that share the listening socket; the kernel hands
each connection to one of them. Each worker builds the receiver itself (:func:`worker_app`)
from what the supervisor left in the environment: the database URL and the log level.

Nothing is shared between the workers but the database, which is what keeps every event
applied once: the event id is a unique key, the attempt is locked for the payment, and a
confirmation to send is claimed by one sender (``services.notification_dispatch``).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import os
import socket
from asyncio import selector_events
from typing import TYPE_CHECKING, Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from jdoffice.bootstrap import App, open_app, setup_logging, uvicorn_log_config

if TYPE_CHECKING:
    from starlette.applications import Starlette

#: Most worker processes started when ``--workers`` is not given.
MAX_DEFAULT_WORKERS = 8
#: The database URL the workers open (the same variable as ``--db``'s fallback).
ENV_DATABASE_URL = "JDOFFICE_DATABASE_URL"
#: Set to 1 by the supervisor when it logs at INFO (``-v``): its workers do the same.
ENV_VERBOSE = "JDOFFICE_WEBHOOKS_VERBOSE"


class NoDelayHttpProtocol(HttpToolsProtocol):
    """uvicorn's HTTP protocol, with Nagle's algorithm off on every connection.

    asyncio turns it off for the connections of a socket it opened itself, but with several
    workers uvicorn opens the listening socket (protocol number 0) and asyncio leaves its
    connections alone: an answer's head and body then go out as two small packets, the
    second held until the client acknowledges the first, which it delays by up to 40 ms.
    Every request took 44 ms that way, however idle the receiver.
    """

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


def _accepts_backlog_sixth() -> bool:
    """Whether asyncio's accept loop takes its batch size as the sixth argument (``self``,
    ``protocol_factory``, ``sock``, ``sslcontext``, ``server``, ``backlog``), as it has since
    Python 3.7."""
    method = getattr(selector_events.BaseSelectorEventLoop, "_accept_connection", None)
    if method is None:
        return False
    names = list(inspect.signature(method).parameters)
    return names[:6] == ["self", "protocol_factory", "sock", "sslcontext", "server", "backlog"]


#: How long a worker lets a new connection wait for the other workers, per connection it
#: holds already (and at most :data:`MAX_ACCEPT_DEFERRAL_S`).
ACCEPT_DEFERRAL_PER_CONNECTION_S = 0.0005
#: Short, so that connections held open doing nothing (a slow or hostile client) cannot slow
#: a worker's accepting down much: at most 500 new connections a second per worker then.
MAX_ACCEPT_DEFERRAL_S = 0.002


class TurnTakingLoop(asyncio.SelectorEventLoop):
    """asyncio's event loop, taking one new connection at a time, and leaving it to a worker
    with fewer connections when it can.

    The workers share one listening socket and all wake when connections arrive. asyncio's
    own loop then accepts every connection waiting, up to the listen backlog: when a client
    opens its connections at once (a proxy's pool, a provider's burst), whichever worker wakes
    first takes them all, and they stay with it for as long as they are kept alive while the
    other workers idle. Taking one at a time is not enough on a busy machine: the worker that
    is already running comes back to the socket before the other is even scheduled, and took
    all twelve of a load generator's connections in a measurement. So a worker that holds
    connections already lets a new one wait a little (:data:`ACCEPT_DEFERRAL_PER_CONNECTION_S`
    for each it holds) before it takes it; a worker with none takes it at once, and the
    connections spread over the workers. The listen backlog itself is unchanged.
    """

    _accept_next = False

    def _accept_connection(self, *args: Any) -> None:
        if len(args) < 5:
            super()._accept_connection(*args)  # type: ignore[misc]
            return
        # protocol_factory, sock, sslcontext, server, backlog, …: a batch of one.
        args = (*args[:4], 1, *args[5:])
        held = _connections_held(args[3])
        if self._accept_next or held <= 0:
            self._accept_next = False
            super()._accept_connection(*args)  # type: ignore[misc]
            return
        # As asyncio does when it runs out of file descriptors: stop watching the socket,
        # and start serving it again a moment later, taking the next connection then if no
        # other worker has.
        sock = args[1]
        self._remove_reader(sock.fileno())  # type: ignore[attr-defined]
        delay = min(held * ACCEPT_DEFERRAL_PER_CONNECTION_S, MAX_ACCEPT_DEFERRAL_S)
        self.call_later(delay, self._serve_again, args)

    def _serve_again(self, args: tuple[Any, ...]) -> None:
        sock, server = args[1], args[3]
        if sock.fileno() < 0 or (server is not None and not server.is_serving()):
            return  # closed meanwhile
        self._accept_next = True
        self._start_serving(*args)  # type: ignore[attr-defined]


def _connections_held(server: Any) -> int:
    """How many connections an asyncio server holds: ``_active_count`` up to Python 3.12,
    the ``_clients`` set from 3.13; 0 (no deferring) where neither is found."""
    count = getattr(server, "_active_count", None)
    if isinstance(count, int):
        return count
    clients = getattr(server, "_clients", None)
    try:
        return len(clients) if clients is not None else 0
    except TypeError:
        return 0


def default_workers() -> int:
    """One worker per core this process may run on, at most :data:`MAX_DEFAULT_WORKERS`."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_DEFAULT_WORKERS))


def worker_app() -> Starlette:
    """The receiver of one worker process (uvicorn calls this in each worker)."""
    from jdoffice.webhooks.app import create_app

    setup_logging(os.environ.get(ENV_VERBOSE) == "1")
    app = open_app(None)
    # The workers write one database: on SQLite they take turns on a lock file.
    app.share_writes()
    return create_app(app, warm_up=True)


def serve(app: App, *, host: str, port: int, workers: int) -> None:
    """Serve the receiver on ``host:port`` with ``workers`` processes (1: this process)."""
    import uvicorn

    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "http": NoDelayHttpProtocol,
        "log_level": "info",
        "access_log": False,
        "log_config": uvicorn_log_config(),
    }
    if workers <= 1:
        from jdoffice.webhooks.app import create_app

        uvicorn.run(create_app(app, warm_up=True), **options)
        return
    # The workers are fresh interpreters: they find the database and the log level here.
    # The URL carries a password only when it was given in it; one from the keyring or
    # JDOFFICE_DATABASE_PASSWORD is looked up by each worker as by this process.
    os.environ[ENV_DATABASE_URL] = app.url.render_as_string(hide_password=False)
    os.environ[ENV_VERBOSE] = "1" if logging.getLogger().isEnabledFor(logging.INFO) else "0"
    if _accepts_backlog_sixth():
        # uvicorn builds each worker's event loop from this class.
        options["loop"] = f"{__name__}:{TurnTakingLoop.__name__}"
    uvicorn.run(
        f"{__name__}:{worker_app.__name__}",
        factory=True,
        workers=workers,
        **options,
    )
