"""The webhook receiver and the online-payment commands as real processes.

Per backend, one module-wide stack: a database seeded by ``jdoffice demo``, the Stripe
stand-in as a process of its own, and ``jdoffice webhooks serve`` pointed at both through
``JDOFFICE_STRIPE_API_BASE`` and the key environment variables. The stand-in delivers signed
webhooks to the receiver over loopback; the command line starts, cancels, syncs and refunds.
Every wait is bounded.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import segno
from sqlalchemy import Engine, create_engine, text

from jdoffice.adapters import db
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.model import AttemptStatus, Invoice, Student
from jdoffice.services import queries
from tests.conftest import BACKENDS, SchoolKit
from tests.e2e.conftest import (
    REPO_ROOT,
    CliResult,
    assert_balance_recomputes,
    assert_ok,
    assert_refused,
    child_env,
    money_snapshot,
    plain,
    run_cli,
    wait_until,
)
from tests.standin.stripe_standin import JSON, RemoteStandin, StandinProcess

if TYPE_CHECKING:
    # For annotations only: pytest would try to collect a ``Test*`` class.
    from tests.conftest import TestDatabase

SECRET_KEY = "sk_test_jdoffice_e2e"
WEBHOOK_SECRET = "whsec_jdoffice_e2e"
HOST = "127.0.0.1"
#: Longest the receiver may take to answer /healthz after it was started.
STARTUP_TIMEOUT = 30.0
#: Longest a webhook may take to show up in the database after the stand-in sent it.
APPLY_TIMEOUT = 20.0
HTTP_TIMEOUT = 15.0
ATTEMPT_KEYS = {
    "attempt_id",
    "session_id",
    "url",
    "amount_minor",
    "currency",
    "expires_at",
    "invoice_no",
}


# --------------------------------------------------------------------------- plumbing


#: Worker processes of every receiver these tests start.
RECEIVER_WORKERS = 2


def process_tree(pid: int) -> list[int]:
    """``pid`` and every process under it (Linux: read from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text(encoding="ascii", errors="replace")
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree = [pid]
    for p in tree:
        tree += [child for child, parent in parents.items() if parent == p]
    return tree


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def http(
    method: str,
    url: str,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> tuple[int, Any]:
    """One HTTP request; returns the status and the parsed JSON answer (or None)."""
    request = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            status, raw = int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
        exc.close()
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, None


def post_event(url: str, body: bytes, signature: str | None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    return http("POST", url, body, headers)


@dataclass
class Receiver:
    """``jdoffice webhooks serve`` running as a child process."""

    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def log_tail(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-3000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_receiver(url: str, env: Mapping[str, str], log: Path) -> Receiver:
    """Start the receiver and wait (bounded) until /healthz answers 200."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jdoffice",
                "--db",
                url,
                "webhooks",
                "serve",
                "--host",
                HOST,
                "--port",
                str(port),
                # Two worker processes on every machine: the tests see what a server with
                # several cores runs (the default is one per core).
                "--workers",
                str(RECEIVER_WORKERS),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
            env=child_env(env),
        )
    receiver = Receiver(process, f"http://{HOST}:{port}", log)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        if process.poll() is not None:
            raise AssertionError(
                f"the receiver exited with {process.returncode}:\n{receiver.log_tail()}"
            )
        with contextlib.suppress(OSError):
            if http("GET", f"{receiver.base_url}/healthz")[0] == 200:
                return receiver
        if time.monotonic() > deadline:
            receiver.stop()
            raise AssertionError(f"the receiver did not answer in time:\n{receiver.log_tail()}")
        time.sleep(0.1)


@dataclass
class Stack:
    """One backend's database, the Stripe stand-in and the receiver, wired together."""

    backend: str
    url: str
    engine: Engine
    slug: str
    school_id: int
    standin: RemoteStandin
    receiver: Receiver
    env: dict[str, str]
    kit_student: Callable[[], Student]
    kit_invoice: Callable[[Student, int], Invoice]

    def cli(self, *args: str, env: Mapping[str, str] | None = None) -> CliResult:
        return run_cli(self.url, *args, env={**self.env, **(env or {})})

    def hook_url(self, slug: str | None = None) -> str:
        return f"{self.receiver.base_url}/webhooks/stripe/{slug or self.slug}"

    def event(self, type_: str, object_id: str) -> JSON:
        found = [
            e
            for e in self.standin.events()
            if e["type"] == type_
            and object_id
            in (e["data"]["object"].get("id"), e["data"]["object"].get("payment_intent"))
        ]
        assert found, f"no {type_} event about {object_id}"
        return found[-1]

    def student_json(self, student: Student) -> Any:
        return assert_ok(self.cli("student", student.student_no, "--json")).data

    def stripe_payments(self, student: Student) -> list[Any]:
        return [p for p in self.student_json(student)["payments"] if p["method"] == "stripe"]

    def attempt_status(self, attempt_id: str) -> str:
        with self.engine.connect() as conn:
            status = conn.execute(
                text("SELECT status FROM online_payment_attempts WHERE id = :i"), {"i": attempt_id}
            ).scalar()
        return str(status)

    def event_recorded(self, event_id: str) -> bool:
        with self.engine.connect() as conn:
            n = conn.execute(
                text("SELECT COUNT(*) FROM processed_provider_events WHERE event_id = :e"),
                {"e": event_id},
            ).scalar()
        return bool(n)

    def link(self, invoice: Invoice, *more: str) -> Any:
        data = assert_ok(self.cli("link", "--invoice", invoice.invoice_no, "--json", *more)).data
        assert set(data) >= ATTEMPT_KEYS, data
        return data

    def paid_online(self, amount_minor: int) -> tuple[Student, Any]:
        """A student whose invoice was paid through a QR: returns the stripe payment's JSON."""
        student = self.kit_student()
        invoice = self.kit_invoice(student, amount_minor)
        started = self.link(invoice)
        self.standin.complete_session(started["session_id"])
        event = self.event("checkout.session.completed", started["session_id"])
        assert self.standin.deliver(event["id"]) == [200]
        [payment] = self.stripe_payments(student)
        return student, payment


def _write_config(path: Path) -> Path:
    path.write_text("[stripe]\ntimeout_seconds = 10\nmax_network_retries = 1\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module", params=BACKENDS)
def stack(
    request: pytest.FixtureRequest,
    fresh_database_factory: Callable[[str], TestDatabase],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    backend: str = request.param
    tdb = fresh_database_factory(backend)
    url = tdb.url_text
    assert_ok(run_cli(url, "demo", "--students", "3", "--seed", "3", "--json"))
    engine = db.make_engine(tdb.url)
    work = tmp_path_factory.mktemp(f"webhooks-{backend}")
    try:
        school = queries.resolve_school(SqlAlchemyUnitOfWork(engine), None)
        kit = SchoolKit(engine, school, "wh-")
        with StandinProcess(
            secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET, auto_deliver=False
        ) as standin:
            env = {
                "JDOFFICE_STRIPE_SECRET_KEY": SECRET_KEY,
                "JDOFFICE_STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
                "JDOFFICE_STRIPE_API_BASE": standin.base_url,
                "JDOFFICE_CONFIG": str(_write_config(work / "config.toml")),
                # Never touch the keyring of the machine running the tests.
                "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            }
            receiver = start_receiver(url, env, work / "receiver.log")
            try:
                remote = standin.remote
                remote.configure_webhook(
                    f"{receiver.base_url}/webhooks/stripe/{school.slug}", auto_deliver=False
                )
                s = Stack(
                    backend=backend,
                    url=url,
                    engine=engine,
                    slug=school.slug,
                    school_id=school.id,
                    standin=remote,
                    receiver=receiver,
                    env=env,
                    kit_student=lambda: kit.student("Astrid", "Bødker"),
                    kit_invoice=lambda st, amount: kit.invoice(st, amount),
                )
                assert_ok(s.cli("school", "payments", "--online", "on"))
                yield s
            finally:
                receiver.stop()
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- the receiver


def test_healthz_answers_200_while_the_database_answers(stack: Stack) -> None:
    assert http("GET", f"{stack.receiver.base_url}/healthz") == (200, {"ok": True})


def test_the_receiver_serves_with_as_many_worker_processes_as_asked_for(stack: Stack) -> None:
    def cmdline(pid: int) -> str:
        try:
            return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            return ""

    workers = [
        p for p in process_tree(stack.receiver.process.pid)[1:] if "spawn_main" in cmdline(p)
    ]
    assert len(workers) == RECEIVER_WORKERS, workers
    # Each answers: 20 connections at once, every one of them served.
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(
            pool.map(lambda _: http("GET", f"{stack.receiver.base_url}/healthz")[0], range(20))
        )
    assert statuses == [200] * 20


def test_a_qr_started_on_the_command_line_and_paid_is_applied_by_the_receiver(
    stack: Stack, tmp_path: Path
) -> None:
    student = stack.kit_student()
    invoice = stack.kit_invoice(student, 85025)
    png = tmp_path / "betaling.png"
    started = stack.link(invoice, "--qr", str(png))
    assert started["invoice_no"] == invoice.invoice_no
    assert (started["amount_minor"], started["currency"]) == (85025, "DKK")
    assert started["url"].startswith(stack.standin.base_url)
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    # The code holds the full checkout URL: the same URL makes the very same picture.
    expected = tmp_path / "expected.png"
    segno.make(started["url"], error="m", micro=False).save(str(expected), scale=10, border=4)
    assert png.read_bytes() == expected.read_bytes()

    svg = tmp_path / "betaling.svg"
    again = stack.link(invoice, "--qr", str(svg))
    assert again["attempt_id"] == started["attempt_id"]
    assert again["session_id"] == started["session_id"]
    assert "<svg" in svg.read_text(encoding="utf-8")

    stack.standin.configure_webhook(stack.hook_url(), auto_deliver=True)
    try:
        stack.standin.complete_session(started["session_id"])
        wait_until(
            lambda: bool(stack.stripe_payments(student)), APPLY_TIMEOUT, "the receiver to apply"
        )
        assert stack.standin.drain(timeout=APPLY_TIMEOUT)
    finally:
        stack.standin.configure_webhook(stack.hook_url(), auto_deliver=False)

    view = stack.student_json(student)
    [payment] = [p for p in view["payments"] if p["method"] == "stripe"]
    assert payment["amount_minor"] == 85025
    assert payment["receipt_no"] is not None
    assert view["balance_minor"] == 0
    assert stack.attempt_status(started["attempt_id"]) == "paid"
    completed = stack.event("checkout.session.completed", started["session_id"])
    statuses = [d.status for d in stack.standin.deliveries if d.event_id == completed["id"]]
    assert statuses == [200]
    assert_balance_recomputes(stack.engine, student.id)


def test_one_event_delivered_50_times_while_sync_runs_is_one_payment(stack: Stack) -> None:
    student = stack.kit_student()
    invoice = stack.kit_invoice(student, 50000)
    started = stack.link(invoice)
    stack.standin.complete_session(started["session_id"])
    event = stack.event("checkout.session.completed", started["session_id"])

    syncs = [
        subprocess.Popen(
            [sys.executable, "-m", "jdoffice", "--db", stack.url, "payments", "sync", "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=REPO_ROOT,
            env=child_env(stack.env),
        )
        for _ in range(2)
    ]
    try:
        statuses = stack.standin.deliver(event["id"], times=50, concurrency=25)
    finally:
        outcomes = []
        for proc in syncs:
            try:
                out, err = proc.communicate(timeout=90)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate(timeout=10)
                raise
            outcomes.append((proc.returncode, out.decode(), err.decode()))
    assert statuses == [200] * 50
    for code, printed, complaint in outcomes:
        assert code == 0, complaint
        keys = set(json.loads(printed))
        assert keys >= {"events_checked", "attempts_checked", "applied", "flagged"}

    assert len(stack.stripe_payments(student)) == 1
    assert stack.student_json(student)["balance_minor"] == 0
    assert stack.attempt_status(started["attempt_id"]) == "paid"
    assert_balance_recomputes(stack.engine, student.id)
    with stack.engine.connect() as conn:
        receipts = conn.execute(
            text("SELECT COUNT(*) FROM receipts WHERE school_id = :s AND payment_id = :p"),
            {"s": stack.school_id, "p": started["attempt_id"]},
        ).scalar()
    assert receipts == 1


def test_a_forged_or_stale_signature_is_refused_with_400_and_writes_nothing(
    stack: Stack,
) -> None:
    student = stack.kit_student()
    invoice = stack.kit_invoice(student, 40000)
    started = stack.link(invoice)
    stack.standin.complete_session(started["session_id"])
    event = stack.event("checkout.session.completed", started["session_id"])
    body = json.dumps(event).encode("utf-8")
    tampered = json.loads(body)
    tampered["data"]["object"]["amount_total"] = 1
    now = int(time.time())

    before = money_snapshot(stack.engine)
    attempts = [
        (body, stack.standin.sign(body, secret="whsec_someone_else")),
        (body, stack.standin.sign(body, t=now - 301)),
        (body, stack.standin.sign(body, t=now - 3600)),
        # stripe-python accepts any future timestamp; jdoffice holds it to the same tolerance
        # (with a margin: the receiver checks a few seconds after ``now`` was read here).
        (body, stack.standin.sign(body, t=now + 320)),
        (body, stack.standin.sign(body, t=now + 3600)),
        (json.dumps(tampered).encode(), stack.standin.sign(body)),
        (body, f"t={now},v1={'0' * 64}"),
        (body, None),
    ]
    for payload, signature in attempts:
        status, answer = post_event(stack.hook_url(), payload, signature)
        assert status == 400, (signature, answer)
        assert "error" in answer
    assert money_snapshot(stack.engine) == before
    assert not stack.event_recorded(event["id"])
    assert stack.attempt_status(started["attempt_id"]) == "open"

    # The event itself was fine: signed properly, it is applied.
    status, answer = post_event(stack.hook_url(), body, stack.standin.sign(body))
    assert (status, answer["outcome"]) == (200, "applied")
    assert len(stack.stripe_payments(student)) == 1


def test_a_malformed_body_is_refused_with_400_and_writes_nothing(stack: Stack) -> None:
    before = money_snapshot(stack.engine)
    for payload in (
        b"{not json",
        b"[1, 2, 3]",
        b'{"id": "evt_no_type"}',
        b'{"id": "evt_x", "type": "checkout.session.completed", "data": {"object": 5}}',
        b"",
        # Nested deeper than any event: json's recursion must not turn into a 500.
        b'{"id": "evt_deep", "type": "charge.refunded", "data": {"object": {"x": '
        + b"[" * 100_000
        + b"]" * 100_000
        + b"}}}",
    ):
        status, _answer = post_event(stack.hook_url(), payload, stack.standin.sign(payload))
        assert status == 400, payload
    assert money_snapshot(stack.engine) == before
    assert not stack.event_recorded("evt_no_type")
    assert not stack.event_recorded("evt_x")
    assert not stack.event_recorded("evt_deep")


def test_an_unknown_school_or_provider_is_404_naming_no_school(stack: Stack) -> None:
    body = b'{"id": "evt_unknown_school", "type": "charge.refunded", "data": {"object": {}}}'
    for url in (
        stack.hook_url("no-such-school"),
        f"{stack.receiver.base_url}/webhooks/paypal/{stack.slug}",
    ):
        status, answer = post_event(url, body, stack.standin.sign(body))
        assert (status, answer) == (404, {"error": "not found"}), url
    assert not stack.event_recorded("evt_unknown_school")


# A server database can be dropped under a running receiver; an open SQLite file cannot be
# taken away from the process holding it, so this runs on the two servers only.
@pytest.mark.parametrize("stack", [b for b in BACKENDS if b != "sqlite"], indirect=True)
def test_the_receiver_answers_503_when_its_database_is_gone(
    stack: Stack,
    fresh_database_factory: Callable[[str], TestDatabase],
    tmp_path: Path,
) -> None:
    tdb = fresh_database_factory(stack.backend)
    assert_ok(run_cli(tdb.url_text, "demo", "--students", "1", "--json"))
    receiver = start_receiver(tdb.url_text, stack.env, tmp_path / "receiver.log")
    try:
        admin = tdb.url.set(database="postgres" if stack.backend == "postgresql" else "mysql")
        eng = create_engine(admin, isolation_level="AUTOCOMMIT")
        try:
            with eng.connect() as conn:
                name = tdb.url.database
                if stack.backend == "postgresql":
                    conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
                else:
                    conn.execute(text(f"DROP DATABASE `{name}`"))
        finally:
            eng.dispose()
        body = json.dumps(
            {
                "id": "evt_db_gone",
                "object": "event",
                "type": "checkout.session.completed",
                "created": int(time.time()),
                "livemode": False,
                "data": {"object": {"id": "cs_test_gone", "object": "checkout.session"}},
            }
        ).encode()
        status, answer = post_event(
            f"{receiver.base_url}/webhooks/stripe/{stack.slug}", body, stack.standin.sign(body)
        )
        assert status == 503, (answer, receiver.log_tail())
        assert http("GET", f"{receiver.base_url}/healthz")[0] == 503
        assert receiver.process.poll() is None, "the receiver must keep running"
    finally:
        receiver.stop()


# --------------------------------------------------------------------------- the command line


def test_link_with_online_payments_off_exits_3_and_says_so(stack: Stack) -> None:
    student = stack.kit_student()
    invoice = stack.kit_invoice(student, 30000)
    off = assert_ok(stack.cli("school", "payments", "--online", "off", "--json")).data
    assert off["online"] is False
    try:
        before = money_snapshot(stack.engine)
        result = stack.cli("link", "--invoice", invoice.invoice_no, "--json")
        assert_refused(result, 3, "online payments are off")
        assert money_snapshot(stack.engine) == before
    finally:
        assert_ok(stack.cli("school", "payments", "--online", "on"))
    with stack.engine.connect() as conn:
        n = conn.execute(
            text("SELECT COUNT(*) FROM online_payment_attempts WHERE invoice_id = :i"),
            {"i": invoice.id},
        ).scalar()
    assert n == 0


def test_link_while_stripe_is_down_exits_4_records_the_attempt_and_a_retry_reuses_its_key(
    stack: Stack,
) -> None:
    student = stack.kit_student()
    invoice = stack.kit_invoice(student, 30000)
    stack.standin.set_down(True, mode="error500")
    try:
        result = stack.cli("link", "--invoice", invoice.invoice_no, "--json")
    finally:
        stack.standin.set_down(False)
    assert_refused(result, 4, "stays open")
    with stack.engine.connect() as conn:
        row = conn.execute(
            text("SELECT id, status FROM online_payment_attempts WHERE invoice_id = :i"),
            {"i": invoice.id},
        ).one()
    attempt_id, status = str(row[0]), str(row[1])
    assert status == AttemptStatus.UNKNOWN.value
    assert attempt_id in result.stderr
    assert stack.student_json(student)["balance_minor"] == 30000

    started = stack.link(invoice)
    assert started["attempt_id"] == attempt_id
    creates = [
        r
        for r in stack.standin.requests
        if r.method == "POST"
        and r.path == "/v1/checkout/sessions"
        and r.idempotency_key == attempt_id
    ]
    assert len(creates) >= 2
    assert creates[-1].status == 200
    assert len({json.dumps(r.params, sort_keys=True) for r in creates}) == 1


def test_link_status_and_link_cancel_report_the_attempt(stack: Stack) -> None:
    student = stack.kit_student()
    invoice = stack.kit_invoice(student, 20000)
    started = stack.link(invoice)
    status = assert_ok(stack.cli("link", "status", started["attempt_id"], "--json")).data
    assert (status["attempt_id"], status["status"]) == (started["attempt_id"], "open")

    cancelled = assert_ok(stack.cli("link", "cancel", started["attempt_id"], "--json")).data
    assert cancelled["status"] == "cancelled"
    assert stack.attempt_status(started["attempt_id"]) == "cancelled"
    assert stack.student_json(student)["balance_minor"] == 20000


def test_school_payments_json_has_the_stable_keys(stack: Stack) -> None:
    data = assert_ok(stack.cli("school", "payments", "--online", "on", "--json")).data
    assert {"school", "online", "gateway", "checkout_expiry_minutes", "mode"} <= set(data)
    assert data["school"] == stack.slug
    assert data["online"] is True
    assert data["gateway"] == "stripe"
    assert isinstance(data["checkout_expiry_minutes"], int)
    assert data["mode"] in ("test", "live")
    shown = assert_ok(stack.cli("school", "payments", "--json")).data
    assert shown == data


def test_payments_flagged_json_lists_a_confirmation_that_did_not_match(stack: Stack) -> None:
    student = stack.kit_student()
    invoice = stack.kit_invoice(student, 60000)
    started = stack.link(invoice)
    stack.standin.complete_session(started["session_id"], amount_override=100)
    event = stack.event("checkout.session.completed", started["session_id"])
    before = money_snapshot(stack.engine)
    assert stack.standin.deliver(event["id"]) == [200]

    flagged = assert_ok(stack.cli("payments", "flagged", "--json")).data
    assert isinstance(flagged, list)
    for entry in flagged:
        assert {"id", "invoice_no", "reason", "provider_ref", "amount_minor", "created_at"} <= set(
            entry
        )
    [mine] = [f for f in flagged if f["provider_ref"] == started["session_id"]]
    assert mine["invoice_no"] == invoice.invoice_no
    assert mine["amount_minor"] == 100
    assert "amount" in mine["reason"]
    after = money_snapshot(stack.engine)
    assert {k: v for k, v in after.items() if k != "audit_log"} == {
        k: v for k, v in before.items() if k != "audit_log"
    }
    assert stack.stripe_payments(student) == []
    assert stack.student_json(student)["balance_minor"] == 60000


def test_a_mismatch_checked_and_synced_again_is_one_flag_and_the_attempt_needs_review(
    stack: Stack,
) -> None:
    student = stack.kit_student()
    invoice = stack.kit_invoice(student, 60000)
    started = stack.link(invoice)
    stack.standin.complete_session(started["session_id"], amount_override=100)

    status = assert_ok(stack.cli("link", "status", started["attempt_id"]))
    assert f"for {invoice.invoice_no}: needs review" in status.stdout
    assert "See `jdoffice payments flagged`." in status.stdout
    for _ in range(2):
        assert_ok(stack.cli("link", "status", started["attempt_id"], "--json"))
        assert_ok(stack.cli("payments", "sync", "--json"))
    again = assert_ok(stack.cli("link", "status", started["attempt_id"], "--json")).data
    assert again["status"] == "review"

    flagged = assert_ok(stack.cli("payments", "flagged", "--json")).data
    [mine] = [f for f in flagged if f["provider_ref"] == started["session_id"]]
    assert mine["amount_minor"] == 100
    assert stack.attempt_status(started["attempt_id"]) == "review"
    assert stack.stripe_payments(student) == []
    assert stack.student_json(student)["balance_minor"] == 60000


def test_payments_sync_json_has_the_stable_keys_and_applies_what_no_webhook_brought(
    stack: Stack,
) -> None:
    student = stack.kit_student()
    invoice = stack.kit_invoice(student, 25000)
    started = stack.link(invoice)
    stack.standin.complete_session(started["session_id"])  # no webhook is delivered

    data = assert_ok(stack.cli("payments", "sync", "--json")).data
    for key in ("events_checked", "attempts_checked", "applied", "flagged"):
        assert isinstance(data[key], int), (key, data)
    assert data["applied"] >= 1
    assert len(stack.stripe_payments(student)) == 1
    again = assert_ok(stack.cli("payments", "sync", "--json")).data
    assert again["events_checked"] == 0
    assert again["applied"] == 0


def test_refund_of_a_stripe_payment_goes_through_stripe(stack: Stack) -> None:
    student, payment = stack.paid_online(40000)
    assert payment["method"] == "stripe"

    refunded = assert_ok(
        stack.cli(
            "refund", payment["payment_id"], "--amount", "100", "--reason", "aflyst", "--json"
        )
    ).data
    assert refunded["amount_minor"] == 10000
    assert refunded["status"] == "succeeded"
    calls = [
        r
        for r in stack.standin.requests
        if r.method == "POST"
        and r.path == "/v1/refunds"
        and r.idempotency_key == refunded["refund_id"]
    ]
    assert len(calls) == 1
    assert calls[0].params["amount"] == "10000"

    before = len([r for r in stack.standin.requests if r.path == "/v1/refunds"])
    too_much = stack.cli(
        "refund", payment["payment_id"], "--amount", "301", "--reason", "for meget", "--json"
    )
    assert_refused(too_much, 3, "more than what is left")
    assert len([r for r in stack.standin.requests if r.path == "/v1/refunds"]) == before

    [after] = stack.stripe_payments(student)
    assert after["refunded_minor"] == 10000
    assert stack.student_json(student)["balance_minor"] == 10000
    assert_balance_recomputes(stack.engine, student.id)


def test_keys_set_without_a_keyring_exits_4_with_a_clear_message(stack: Stack) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "jdoffice", "--db", stack.url, "keys", "set", "stripe-secret-key"],
        input="sk_test_abc\n",
        capture_output=True,
        text=True,
        timeout=90,
        cwd=REPO_ROOT,
        env=child_env(stack.env),
        check=False,
    )
    code = result.returncode
    assert code == 4, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("jdoffice: ")
    assert "no keyring backend" in line
    assert "JDOFFICE_STRIPE_SECRET_KEY" in line
    assert "sk_test_abc" not in result.stderr + result.stdout


def test_payments_payouts_sync_stores_matches_and_lists_what_matches_nothing(stack: Stack) -> None:
    _, payment = stack.paid_online(33_000)
    elsewhere = stack.standin.charge_elsewhere(15_000)
    # Arrived yesterday: the books export a day only once it has begun.
    payout = stack.standin.make_payout(arrival_days=-1)

    data = assert_ok(stack.cli("payments", "payouts", "sync", "--json")).data
    for key in ("fetched", "matched", "unmatched", "unmatched_total", "payouts_new"):
        assert isinstance(data[key], int), (key, data)
    assert data["payouts_new"] == 1
    assert data["fetched"] >= 3  # at least the payment, the charge made elsewhere, the payout
    assert data["unmatched"] >= 1
    assert data["errors"] == []
    assert [g["gateway"] for g in data["gateways"]] == ["stripe"]

    unmatched = assert_ok(stack.cli("payments", "payouts", "list", "--unmatched", "--json")).data
    assert elsewhere["id"] in {i["source"] for i in unmatched}
    assert all(i["reason"] for i in unmatched)
    assert payment["payment_id"] not in {i["payment_id"] for i in unmatched}
    listed = assert_ok(stack.cli("payments", "payouts", "list", "--json")).data
    [mine] = [p for p in listed if p["payout"] == payout["id"]]
    assert (mine["amount_minor"], mine["status"], mine["transferred"]) == (
        payout["amount"],
        "paid",
        True,
    )
    # The charge made elsewhere may be another school's money: the payout waits for staff.
    assert mine["held"] is True
    text = plain(assert_ok(stack.cli("payments", "payouts", "list", "--unmatched")).stdout)
    assert elsewhere["balance_transaction"] in text

    again = assert_ok(stack.cli("payments", "payouts", "sync", "--json")).data
    assert (again["payouts_new"], again["fetched"], again["matched"]) == (0, 0, 0)
    assert_refused(stack.cli("payments", "payouts", "sync", "--since", "2099-01-01"), 2, "future")
    assert_refused(
        stack.cli("payments", "payouts", "sync", "--since", "0001-01-01"), 2, "too far back"
    )
    stack.standin.set_down(True)
    try:
        assert_refused(stack.cli("payments", "payouts", "sync", "--json"), 4, "Stripe")
    finally:
        stack.standin.set_down(False)

    arrival = dt.datetime.fromtimestamp(int(payout["arrival_date"]), dt.UTC).date()
    exported = assert_ok(
        stack.cli("books", "export", "--from", arrival.isoformat(), "--to", arrival.isoformat())
    ).stdout
    assert f";{payout['id']};payout;" not in exported  # held: neither its fees nor transfer

    # A manager says the charge made elsewhere is the school's (a web-shop sale): posted.
    release = ("payments", "payouts", "release", str(payout["id"]), "--reason", "webshop")
    done = assert_ok(stack.cli(*release, "--json")).data
    assert (done["payout"], done["arrival"]) == (payout["id"], arrival.isoformat())
    assert_refused(stack.cli(*release), 3, "not held")
    listed = assert_ok(stack.cli("payments", "payouts", "list", "--json")).data
    [mine] = [p for p in listed if p["payout"] == payout["id"]]
    assert (mine["held"], mine["released"]) == (False, True)
