"""Online payments' figures: the webhook receiver's throughput and the cost of starting a QR.

Run ``uv run python -m bench.bench_webhooks [--events 1000] [--json FILE]``.

A fresh SQLite file in a temporary directory is migrated and seeded with the demo school, and
a Stripe stand-in (``tests.standin.stripe_standin``) runs in this process on 127.0.0.1. Then:

1. **Starting a QR payment**: ``start_online_payment`` is called for open invoices through the
   real Stripe gateway, pointed at the stand-in. The time spent inside the gateway's ``start``
   call (the provider round trip, as the stand-in answers it) is measured separately and
   subtracted: what is left is jdoffice's own work (locks, the attempt saved before the call,
   the update after it).
2. The customer pays ``--events`` of those checkouts at the stand-in, which stores a
   ``checkout.session.completed`` event for each.
3. **Webhooks**: the real receiver runs as a process of its own
   (``python -m jdoffice --db URL webhooks serve``, keys in ``JDOFFICE_STRIPE_*``), and a load
   generator (``httpx.AsyncClient``, ``--concurrency`` connections) POSTs the events to it, each
   signed at send time as Stripe signs them. First every event once (each becomes a payment
   through the one finalize path), then ``--duplicates`` redeliveries of events already
   processed. Throughput is events per second of wall time for the whole batch; latency is
   per request, from send to the complete answer.
4. Afterwards the database is read back: exactly one payment per event must be recorded.
5. **MobilePay** (``bench.bench_mobilepay``): as many MobilePay payments are started and
   approved at a MobilePay stand-in, and their notifications posted to the same receiver at
   ``/webhooks/mobilepay/SCHOOL`` (each captured once and recorded once), then redelivered;
   beside them a floor measured in the same run: notifications with a wrong signature,
   verified and refused without touching the database.

It prints each figure next to its target and exits 0 whatever it measured: it reports, it
does not judge. ``--json FILE`` writes the same figures for scripts.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import gc
import importlib.util
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

import httpx
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import URL

from bench import bench_mobilepay as mp
from bench import http_load, webhook_floor
from bench.bench_foundation import Stats, machine, print_stats, settle, summarize, timed
from jdoffice.adapters.db import ENV_DATABASE_URL, make_engine, normalize_url, upgrade
from jdoffice.adapters.orm import InvoiceRow, PaymentAttemptRow, PaymentRow
from jdoffice.adapters.records import seed_demo
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.errors import JdofficeError
from jdoffice.domain.model import UTC, Actor, School
from jdoffice.gateways.stripe_checkout import StripeGateway
from jdoffice.services.gateways import Checkout
from jdoffice.services.online import AttemptView, start_online_payment
from jdoffice.services.queries import recompute_balance
from jdoffice.services.settings import PaymentSettings
from jdoffice.webhooks.serve import default_workers
from tests.standin.mobilepay_standin import MobilePayStandin
from tests.standin.stripe_standin import JSON, StripeStandin, sign_payload

REPO_ROOT = Path(__file__).resolve().parents[1]

# httpcore asks ``import sniffio`` on every request to learn which event loop runs it. When
# sniffio is not installed, each of those imports searches the whole of sys.path before it
# fails: about half a millisecond of the load generator's time per request. A ``None`` entry
# in sys.modules makes the import fail at once, and httpcore then assumes asyncio, which is
# what runs it here.
if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
    sys.modules["sniffio"] = None  # type: ignore[assignment]

DISTINCT_TARGET_PER_S = 600.0
DUPLICATE_TARGET_PER_S = 3000.0
MOBILEPAY_TARGET_PER_S = 300.0
QR_LOCAL_TARGET_MS = 50.0

SECRET_KEY = "sk_test_jdoffice_bench"
WEBHOOK_SECRET = "whsec_jdoffice_bench"
ACTOR = Actor(staff="bench", desk="bench-1")
SETTINGS = PaymentSettings(online_enabled=True)

QR_WARMUP = 20
#: Longest the receiver may take to answer /healthz after it was started.
STARTUP_TIMEOUT_S = 60.0
#: Longest one webhook request may take before it counts as failed.
REQUEST_TIMEOUT_S = 30.0


# --- starting QR payments ------------------------------------------------------------------


class TimedStripeGateway(StripeGateway):
    """The real Stripe gateway, with the time spent in each ``start`` call written down."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.start_ms: list[float] = []

    def start(self, params: Mapping[str, Any], idempotency_key: str) -> Checkout:
        begin = time.perf_counter()
        try:
            return super().start(params, idempotency_key)
        finally:
            self.start_ms.append((time.perf_counter() - begin) * 1000.0)


@dataclass(frozen=True, slots=True)
class QrRun:
    views: list[AttemptView]
    total: Stats
    provider: Stats
    local: Stats
    refused: int


def open_invoice_numbers(engine: Engine, school: School, rng: random.Random) -> list[str]:
    """Every open invoice of the school, in a reproducible random order."""
    query = (
        select(InvoiceRow.invoice_no)
        .where(
            InvoiceRow.school_id == school.id,
            InvoiceRow.cancelled_at.is_(None),
            InvoiceRow.paid_minor < InvoiceRow.amount_minor,
        )
        .order_by(InvoiceRow.id)
    )
    with engine.connect() as conn:
        numbers = [str(n) for n in conn.execute(query).scalars()]
    rng.shuffle(numbers)
    return numbers


def run_qr_starts(
    uow: SqlAlchemyUnitOfWork,
    school: School,
    gateway: TimedStripeGateway,
    invoice_numbers: Sequence[str],
    warmup: int,
) -> QrRun:
    views: list[AttemptView] = []
    totals: list[float] = []
    providers: list[float] = []
    locals_: list[float] = []
    refused = 0
    gc.collect()
    for k, invoice_no in enumerate(invoice_numbers):
        calls_before = len(gateway.start_ms)
        try:
            view, ms = timed(
                partial(
                    start_online_payment,
                    uow,
                    school,
                    gateway,
                    SETTINGS,
                    invoice_no=invoice_no,
                    actor=ACTOR,
                )
            )
        except JdofficeError as exc:
            refused += 1
            print(f"  start for {invoice_no} refused: {exc}", file=sys.stderr)
            continue
        views.append(view)
        provider_ms = sum(gateway.start_ms[calls_before:])
        if k >= warmup:
            totals.append(ms)
            providers.append(provider_ms)
            locals_.append(ms - provider_ms)
    return QrRun(views, summarize(totals), summarize(providers), summarize(locals_), refused)


# --- the receiver --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Receiver:
    """``python -m jdoffice --db URL webhooks serve`` as a process of its own."""

    url: URL
    port: int
    env: dict[str, str]
    log_path: Path
    workers: int
    extra_args: Sequence[str] = ()
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)
    #: What each worker process logs once it takes requests (None: not logged).
    ready_line: ClassVar[bytes | None] = b"Application startup complete."

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "jdoffice",
            "--db",
            self.url.render_as_string(hide_password=False),
            "webhooks",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            *self.extra_args,
        ]

    def start(self) -> None:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command(), cwd=REPO_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the receiver exited at start:\n{self.log_tail()}")
            try:
                if (
                    httpx.get(f"{self.base_url}/healthz", timeout=2.0).status_code == 200
                    and self.workers_ready() >= self.workers
                ):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(
            f"the receiver's {self.workers} workers were not all up within "
            f"{STARTUP_TIMEOUT_S:.0f} s:\n{self.log_tail()}"
        )

    def workers_ready(self) -> int:
        """How many worker processes have finished starting (uvicorn says so in the log).

        The first worker up answers the health check while the others may still be loading:
        a load started then would keep its connections on that one worker and measure one
        process, not the receiver."""
        if self.ready_line is None:
            return self.workers
        try:
            return self.log_path.read_bytes().count(self.ready_line)
        except OSError:
            return 0

    def stop(self) -> None:
        process = self.process
        if process is None:
            return
        self.process = None
        if process.poll() is None:
            process.send_signal(signal.SIGINT if os.name != "nt" else signal.SIGTERM)
            try:
                process.wait(timeout=10.0)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10.0)

    def cpu_seconds(self) -> float | None:
        """CPU time the receiver and its worker processes have used so far (Linux only:
        read from /proc)."""
        if self.process is None:
            return None
        try:
            ticks = os.sysconf("SC_CLK_TCK")
            stats = _process_stats()
        except (OSError, ValueError, AttributeError):
            return None
        family, grew = {self.process.pid}, True
        while grew:
            children = {pid for pid, (ppid, _) in stats.items() if ppid in family} - family
            family |= children
            grew = bool(children)
        return sum(stats[pid][1] for pid in family if pid in stats) / ticks

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text("utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def _process_stats() -> dict[int, tuple[int, int]]:
    """Every process's parent id and CPU ticks so far (user + system), from /proc."""
    out: dict[int, tuple[int, int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        out[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    return out


@dataclass
class FloorServer(Receiver):
    """The floor (``bench.webhook_floor``) under uvicorn with as many workers."""

    ready_line: ClassVar[bytes | None] = None  # logs warnings only; starts in a moment

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            webhook_floor.__name__,
            str(self.port),
            str(self.workers),
        ]


def receiver_env(tmpdir: Path, api_base: str) -> dict[str, str]:
    """This environment, minus anything that picks another database or configuration."""
    config = tmpdir / "config.toml"
    config.write_text("", "utf-8")
    env = {k: v for k, v in os.environ.items() if k != ENV_DATABASE_URL}
    env.update(
        {
            "JDOFFICE_CONFIG": str(config),
            "JDOFFICE_STRIPE_SECRET_KEY": SECRET_KEY,
            "JDOFFICE_STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "JDOFFICE_STRIPE_API_BASE": api_base,
            "JDOFFICE_NO_GUI": "1",
            "PYTHONUTF8": "1",
        }
    )
    return env


# --- the load generator --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoadRun:
    requests: int
    seconds: float
    latency: Stats
    statuses: dict[int, int]
    outcomes: dict[str, int]
    timed_out: bool
    receiver_cpu_ms: float | None = None
    load_cpu_ms: float | None = None

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "per_second": round(self.per_second, 1),
            "latency": self.latency.as_dict(),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "outcomes": dict(sorted(self.outcomes.items())),
            "timed_out": self.timed_out,
            "receiver_cpu_ms_per_request": _round(self.receiver_cpu_ms),
            "load_generator_cpu_ms_per_request": _round(self.load_cpu_ms),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def event_body(event: JSON) -> bytes:
    """An event as Stripe sends it: pretty-printed JSON."""
    return json.dumps(event, indent=2, ensure_ascii=False).encode("utf-8")


def stripe_headers(body: bytes) -> Mapping[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "Stripe-Signature": sign_payload(body, WEBHOOK_SECRET),
    }


async def _post_all(
    url: str, bodies: Sequence[bytes], concurrency: int, deadline_s: float, sign: mp.Sign
) -> LoadRun:
    tally, seconds, timed_out = await http_load.post_all(
        url, bodies, concurrency, deadline_s, sign, REQUEST_TIMEOUT_S
    )
    return LoadRun(
        requests=len(tally.latencies),
        seconds=seconds,
        latency=summarize(tally.latencies),
        statuses=tally.statuses,
        outcomes=tally.outcomes,
        timed_out=timed_out,
    )


def post_all(
    url: str,
    bodies: Sequence[bytes],
    concurrency: int,
    receiver: Receiver | None = None,
    sign: mp.Sign = stripe_headers,
) -> LoadRun:
    """POST every body once, ``concurrency`` requests in flight, each signed by ``sign`` at
    send time; bounded in time. With ``receiver``, also the CPU time it and this process
    spent per request."""
    deadline_s = 60.0 + len(bodies) * 0.05  # 20 events/s would be far below any target
    receiver_before = receiver.cpu_seconds() if receiver else None
    load_before = time.process_time()
    run = asyncio.run(_post_all(url, bodies, concurrency, deadline_s, sign))
    n = max(run.requests, 1)
    load_ms = (time.process_time() - load_before) * 1000.0 / n
    receiver_after = receiver.cpu_seconds() if receiver else None
    receiver_ms = None
    if receiver_before is not None and receiver_after is not None:
        receiver_ms = (receiver_after - receiver_before) * 1000.0 / n
    return dataclasses.replace(run, receiver_cpu_ms=receiver_ms, load_cpu_ms=load_ms)


@dataclass(frozen=True, slots=True)
class FloorRun:
    distinct: LoadRun
    duplicates: LoadRun


def run_floor(
    url: URL,
    tmpdir: Path,
    bodies: Sequence[bytes],
    redeliveries: Sequence[bytes],
    workers: int,
    concurrency: int,
) -> FloorRun:
    """The same events and redeliveries, posted the same way to the floor
    (``bench.webhook_floor``) under uvicorn with as many workers."""
    db = tmpdir / "floor.sqlite3"
    webhook_floor.create(db)
    env = {
        **os.environ,
        webhook_floor.ENV_DB: str(db),
        webhook_floor.ENV_SECRET: WEBHOOK_SECRET,
    }
    server = FloorServer(url, free_port(), env, tmpdir / "floor.log", workers)
    server.start()
    try:
        hook = f"{server.base_url}/webhooks/stripe/floor"
        post_all(hook, warmup_bodies(8 * concurrency), concurrency)
        print(
            f"\nfloor: a bare HMAC check and an INSERT OR IGNORE of the event id "
            f"(bench.webhook_floor), uvicorn with {workers} worker processes"
        )
        distinct = post_all(hook, bodies, concurrency, server)
        print_load("distinct events", distinct)
        duplicates = post_all(hook, redeliveries, concurrency, server)
        print_load("duplicates", duplicates)
    finally:
        server.stop()
    return FloorRun(distinct, duplicates)


def warmup_bodies(count: int) -> list[bytes]:
    """Events of a type jdoffice acknowledges and ignores: they warm the receiver up (school,
    gateway, connections) without touching any payment."""
    now = int(time.time())
    return [
        event_body(
            {
                "id": f"evt_1bench{uuid.uuid4().hex[:18]}",
                "object": "event",
                "api_version": "2026-10-28.endive",
                "created": now,
                "data": {"object": {"id": f"cus_bench{k}", "object": "customer"}},
                "livemode": False,
                "pending_webhooks": 1,
                "request": {"id": None, "idempotency_key": None},
                "type": "customer.created",
            }
        )
        for k in range(count)
    ]


# --- checking --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Recorded:
    payments: int
    paid_attempts: int
    still_owing: int
    balances_off: int


def recorded(engine: Engine, school: School, invoice_numbers: Sequence[str]) -> Recorded:
    """What the database holds after the run: Stripe payments, paid attempts, how many of
    the paid invoices still show something outstanding, and how many of their students have
    a cached balance that differs from its recomputation from the rows."""
    uow = SqlAlchemyUnitOfWork(engine)
    with engine.connect() as conn:
        students = (
            conn.execute(
                select(PaymentAttemptRow.student_id)
                .where(PaymentAttemptRow.school_id == school.id, PaymentAttemptRow.status == "paid")
                .distinct()
            )
            .scalars()
            .all()
        )
        balances_off = 0
        for student_id in students:
            cached, recomputed = recompute_balance(uow, int(student_id))
            balances_off += cached != recomputed
        payments = conn.execute(
            select(func.count())
            .select_from(PaymentRow)
            .where(PaymentRow.school_id == school.id, PaymentRow.method == "stripe")
        ).scalar_one()
        attempts = conn.execute(
            select(func.count())
            .select_from(PaymentAttemptRow)
            .where(
                PaymentAttemptRow.school_id == school.id,
                PaymentAttemptRow.status == "paid",
                PaymentAttemptRow.gateway == "stripe",
            )
        ).scalar_one()
        owing = 0
        numbers = list(invoice_numbers)
        for start in range(0, len(numbers), 500):
            owing += conn.execute(
                select(func.count())
                .select_from(InvoiceRow)
                .where(
                    InvoiceRow.school_id == school.id,
                    InvoiceRow.invoice_no.in_(numbers[start : start + 500]),
                    InvoiceRow.paid_minor < InvoiceRow.amount_minor,
                )
            ).scalar_one()
    return Recorded(int(payments), int(attempts), int(owing), balances_off)


# --- report ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figure:
    name: str
    value: float
    unit: str
    target: float | None = None
    higher_is_better: bool = False

    @property
    def verdict(self) -> str:
        if self.target is None:
            return ""
        ok = self.value >= self.target if self.higher_is_better else self.value < self.target
        return "PASS" if ok else "MISS"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": round(self.value, 3),
            "unit": self.unit,
            "target": self.target,
            "target_is_minimum": self.higher_is_better if self.target is not None else None,
            "result": self.verdict or None,
        }


def print_table(figures: Sequence[Figure], info: dict[str, Any]) -> None:
    print()
    print(f"{'figure':<34}{'measured':>14}  {'target':<12}{'result'}")
    print("-" * 68)
    for f in figures:
        value = f"{f.value:.1f} {f.unit}" if f.unit == "/s" else f"{f.value:.2f} {f.unit}"
        target = ""
        if f.target is not None:
            target = f"{'≥' if f.higher_is_better else '<'} {f.target:g} {f.unit}"
        print(f"{f.name:<34}{value:>14}  {target:<12}{f.verdict}".rstrip())
    print("-" * 68)
    print(
        f"machine: {info['cpu_count']} CPUs, {info['python']}, SQLite {info['sqlite']}, "
        f"SQLAlchemy {info['sqlalchemy']}, {info['platform']}"
    )
    if info.get("load_average"):
        print(
            "load average before/after the webhooks: "
            + " / ".join(f"{a:.2f}" for a in info["load_average"])
            + "  (the load generator and the receiver share this machine)"
        )


def print_load(label: str, run: LoadRun) -> None:
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(run.statuses.items()))
    outcomes = ", ".join(f"{k}: {v}" for k, v in sorted(run.outcomes.items()))
    print(
        f"  {label:<18} {run.requests} requests in {run.seconds:.2f} s = "
        f"{run.per_second:.0f} events/s{'  (TIMED OUT)' if run.timed_out else ''}"
    )
    print_stats("  latency", run.latency)
    print(f"  {'':<18} statuses {{{statuses}}}  outcomes {{{outcomes}}}")
    if run.receiver_cpu_ms is not None and run.load_cpu_ms is not None:
        print(
            f"  {'':<18} CPU per request: receiver {run.receiver_cpu_ms:.2f} ms, "
            f"load generator {run.load_cpu_ms:.2f} ms"
        )


# --- main ------------------------------------------------------------------------------------


def _load_average() -> float | None:
    """The one-minute load average, where the system tells it."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def _ratio(run: LoadRun, floor: LoadRun) -> float:
    """How much of the floor's throughput ``run`` reaches (1.0: as fast as the floor)."""
    return run.per_second / floor.per_second if floor.per_second > 0 else 0.0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.bench_webhooks",
        description=(
            "Time starting QR payments against a Stripe stand-in, then the webhook receiver "
            "on SQLite with signed events."
        ),
    )
    p.add_argument(
        "--events", type=_positive, default=1000, help="distinct paid events (default 1000)"
    )
    p.add_argument(
        "--duplicates",
        type=_positive,
        default=None,
        help="redeliveries of processed events (default: twice --events, at least 1000)",
    )
    p.add_argument(
        "--mobilepay-events",
        type=_positive,
        default=None,
        help="distinct MobilePay notifications (default: as many as --events)",
    )
    p.add_argument(
        "--qr", type=_positive, default=300, help="timed QR starts, at least (default 300)"
    )
    p.add_argument(
        "--concurrency", type=_positive, default=12, help="requests in flight (default 12)"
    )
    p.add_argument("--students", type=_positive, default=None, help="students to seed")
    p.add_argument("--seed", type=int, default=1, help="demo data seed (default 1)")
    p.add_argument(
        "--workers",
        type=_positive,
        default=None,
        help="receiver worker processes, the floor's too (default: as `webhooks serve`)",
    )
    p.add_argument(
        "--receiver-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="extra argument for `webhooks serve` (repeatable)",
    )
    p.add_argument(
        "--keep", action="store_true", help="keep the temporary directory and print where it is"
    )
    p.add_argument("--json", metavar="FILE", type=Path, help="also write the figures here")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    tmpdir = Path(tempfile.mkdtemp(prefix="jdoffice-bench-webhooks-"))
    url = normalize_url(f"sqlite:///{tmpdir / 'bench.sqlite3'}")
    engine = make_engine(url)
    try:
        return _run(args, engine, url, tmpdir)
    except (JdofficeError, RuntimeError) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
        if args.keep:
            print(f"kept the database and the receiver's log in {tmpdir}")
        else:
            shutil.rmtree(tmpdir, ignore_errors=True)


def _run(args: argparse.Namespace, engine: Engine, url: URL, tmpdir: Path) -> int:
    n_events: int = args.events
    n_duplicates: int = args.duplicates or max(2 * n_events, 1000)
    starts = max(n_events, args.qr) + QR_WARMUP
    n_mobilepay: int = args.mobilepay_events or n_events
    # The demo school has about 0.8 open invoices per student.
    students: int = args.students or max(2000, (starts + n_mobilepay) * 2)
    concurrency: int = args.concurrency
    workers: int = args.workers or default_workers()
    rng = random.Random(f"jdoffice-bench-webhooks:{args.seed}")  # reproducible, not secret
    print(f"database: {engine.url.render_as_string(hide_password=True)}")

    upgrade(engine)
    info = machine(engine)
    (school, counts), seed_ms = timed(
        lambda: seed_demo(engine, students=students, seed=args.seed, today=None)
    )
    print(
        f"seeded {counts.students} students, {counts.invoices} invoices in {seed_ms / 1000:.1f} s"
    )
    settle(engine)
    numbers = open_invoice_numbers(engine, school, rng)
    if len(numbers) < starts + n_mobilepay:
        raise RuntimeError(
            f"only {len(numbers)} open invoices for {starts + n_mobilepay} payments; "
            "give more --students"
        )
    mp_numbers = numbers[starts : starts + n_mobilepay]
    numbers = numbers[:starts]
    mp.take_both(engine, school)
    uow = SqlAlchemyUnitOfWork(engine)

    with (
        StripeStandin(secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET) as standin,
        MobilePayStandin() as mp_standin,
    ):
        gateway = TimedStripeGateway(
            SECRET_KEY,
            webhook_secret=WEBHOOK_SECRET,
            api_base=standin.base_url,
            timeout_seconds=10.0,
            max_network_retries=0,
        )
        try:
            print(
                f"\nQR start: {starts - QR_WARMUP} timed start_online_payment calls after "
                f"{QR_WARMUP} warm-up, Stripe stand-in on {standin.base_url}"
            )
            qr = run_qr_starts(uow, school, gateway, numbers, QR_WARMUP)
        finally:
            gateway.close()
        print_stats("whole call", qr.total)
        print_stats("gateway.start", qr.provider)
        print_stats("local part", qr.local)
        if qr.refused:
            print(f"  {qr.refused} starts refused (see stderr)")

        paid_views = qr.views[:n_events]
        for view in paid_views:
            assert view.provider_ref is not None
            standin.complete_session(view.provider_ref)
        by_session = {
            e["data"]["object"]["id"]: e for e in standin.events("checkout.session.completed")
        }
        bodies = [event_body(by_session[v.provider_ref or ""]) for v in paid_views]
        paid_numbers = [v.invoice_no for v in paid_views]
        print(f"\n{len(bodies)} checkouts paid at the stand-in, one event each")
        approved = mp.approve_payments(engine, school, mp_standin, mp_numbers)
        print(
            f"{len(approved.bodies)} MobilePay payments approved at its stand-in "
            f"({approved.refused} starts refused)"
        )
        settle(engine)

        receiver = Receiver(
            url,
            free_port(),
            {**receiver_env(tmpdir, standin.base_url), **mp.env(mp_standin.base_url)},
            tmpdir / "receiver.log",
            workers,
            tuple(args.receiver_arg),
        )
        redeliveries = [bodies[rng.randrange(len(bodies))] for _ in range(n_duplicates)]
        load_before = _load_average()
        floor = run_floor(url, tmpdir, bodies, redeliveries, workers, concurrency)
        try:
            _, start_ms = timed(receiver.start)
            print(
                f"\nreceiver up on {receiver.base_url} with {workers} worker processes "
                f"in {start_ms / 1000:.1f} s"
            )
            hook = f"{receiver.base_url}/webhooks/stripe/{school.slug}"
            # Every worker builds the school's gateway on its first notification.
            warm = post_all(hook, warmup_bodies(8 * concurrency), concurrency)
            print(
                f"webhooks: {concurrency} concurrent connections "
                f"(warm-up: {warm.requests} ignored events)"
            )
            distinct = post_all(hook, bodies, concurrency, receiver)
            print_load("distinct events", distinct)
            duplicates = post_all(hook, redeliveries, concurrency, receiver)
            load_after = _load_average()
            if load_before is not None and load_after is not None:
                info["load_average"] = [load_before, load_after]
            print_load("duplicates", duplicates)

            mp_hook = f"{receiver.base_url}/webhooks/mobilepay/{school.slug}"
            good, bad = mp.signer(mp_hook), mp.forged_signer(mp_hook)
            print("\nMobilePay notifications (approval → capture at the stand-in → payment)")
            # Warm-up: the school's MobilePay gateway is built on the first notification.
            post_all(mp_hook, approved.bodies[: 8 * concurrency], concurrency, None, bad)
            mp_floor = post_all(mp_hook, approved.bodies, concurrency, receiver, bad)
            print_load("floor: refused", mp_floor)
            mp_distinct = post_all(mp_hook, approved.bodies, concurrency, receiver, good)
            print_load("distinct", mp_distinct)
            mp_again = [
                approved.bodies[rng.randrange(len(approved.bodies))] for _ in range(n_duplicates)
            ]
            mp_duplicates = post_all(mp_hook, mp_again, concurrency, receiver, good)
            print_load("duplicates", mp_duplicates)
        finally:
            receiver.stop()
        log_tail = receiver.log_tail()
        mp_captures = len(mp_standin.captures)
        mp_errors = list(mp_standin.internal_errors)

    done = recorded(engine, school, paid_numbers)
    print(
        f"\nrecorded: {done.payments} Stripe payments (expected {len(bodies)}), "
        f"{done.paid_attempts} attempts paid, "
        f"{done.still_owing} of the paid invoices still owing (expected 0), "
        f"{done.balances_off} cached balances off their recomputation (expected 0)"
    )
    if done.payments != len(bodies) or done.still_owing or done.balances_off:
        print("  MISMATCH — the receiver's log ends with:\n" + log_tail, file=sys.stderr)
    mp_payments = mp.recorded_payments(engine, school)
    mp_owing = recorded(engine, school, approved.invoice_numbers).still_owing
    print(
        f"recorded: {mp_payments} MobilePay payments and {mp_captures} captures "
        f"(expected {len(approved.bodies)} each), {mp_owing} of their invoices still owing "
        f"(expected 0)"
    )
    if mp_payments != len(approved.bodies) or mp_captures != mp_payments or mp_owing or mp_errors:
        print(
            f"  MISMATCH {mp_errors[:3]} — the receiver's log ends with:\n" + log_tail,
            file=sys.stderr,
        )

    figures = [
        Figure(
            "webhooks: distinct events",
            distinct.per_second,
            "/s",
            DISTINCT_TARGET_PER_S,
            higher_is_better=True,
        ),
        Figure("  distinct floor", floor.distinct.per_second, "/s"),
        Figure("  distinct ÷ floor", _ratio(distinct, floor.distinct), "×"),
        Figure("  distinct p50", distinct.latency.p50_ms, "ms"),
        Figure("  distinct p95", distinct.latency.p95_ms, "ms"),
        Figure(
            "webhooks: duplicates",
            duplicates.per_second,
            "/s",
            DUPLICATE_TARGET_PER_S,
            higher_is_better=True,
        ),
        Figure("  duplicates floor", floor.duplicates.per_second, "/s"),
        Figure("  duplicates ÷ floor", _ratio(duplicates, floor.duplicates), "×"),
        Figure("  duplicates p50", duplicates.latency.p50_ms, "ms"),
        Figure("  duplicates p95", duplicates.latency.p95_ms, "ms"),
        Figure("MobilePay floor: refused", mp_floor.per_second, "/s"),
        Figure(
            "MobilePay: distinct notifications",
            mp_distinct.per_second,
            "/s",
            MOBILEPAY_TARGET_PER_S,
            higher_is_better=True,
        ),
        Figure("  MobilePay distinct p95", mp_distinct.latency.p95_ms, "ms"),
        Figure("MobilePay: duplicates", mp_duplicates.per_second, "/s"),
        Figure("  MobilePay duplicates p95", mp_duplicates.latency.p95_ms, "ms"),
        Figure("QR start local part p50", qr.local.p50_ms, "ms"),
        Figure("QR start local part p95", qr.local.p95_ms, "ms", QR_LOCAL_TARGET_MS),
        Figure("  QR start whole call p50", qr.total.p50_ms, "ms"),
        Figure("  QR gateway.start p50", qr.provider.p50_ms, "ms"),
    ]
    print_table(figures, info)

    if args.json:
        doc = {
            "when": dt.datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": info,
            "students": counts.students,
            "concurrency": concurrency,
            "qr_start": {
                "whole_call": qr.total.as_dict(),
                "gateway_start": qr.provider.as_dict(),
                "local": qr.local.as_dict(),
                "refused": qr.refused,
            },
            "workers": workers,
            "webhooks": {"distinct": distinct.as_dict(), "duplicates": duplicates.as_dict()},
            "floor": {
                "distinct": floor.distinct.as_dict(),
                "duplicates": floor.duplicates.as_dict(),
            },
            "mobilepay": {
                "floor_refused": mp_floor.as_dict(),
                "distinct": mp_distinct.as_dict(),
                "duplicates": mp_duplicates.as_dict(),
                "payments": mp_payments,
                "captures": mp_captures,
                "paid_invoices_still_owing": mp_owing,
            },
            "recorded": {
                "events": len(bodies),
                "payments": done.payments,
                "paid_attempts": done.paid_attempts,
                "paid_invoices_still_owing": done.still_owing,
                "balances_off": done.balances_off,
            },
            "figures": [f.as_dict() for f in figures],
        }
        args.json.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", "utf-8")
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
