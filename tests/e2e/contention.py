"""Desks registering payments at full speed on overlapping invoices (issue 5), and the checks
that prove nothing was lost, doubled or misnumbered. Shared by ``test_contention`` and
``bench/bench_shared.py``.

Each desk is a process of its own with its own engine. It follows a plan made from a seed: a
mix of partial payments of an invoice, payments of an invoice's whole amount (refused once
another desk has paid part of it), payments to a student's oldest invoices, and payments with
a credit allowed, all on the same few students; some payments are made by every desk with the
same idempotency key (as a desk retrying after a timeout would). The desks start at one
instant and pay one after another without pause, for a number of payments or a number of
seconds.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

#: Business refusals a desk may meet when another desk got there first.
REFUSALS = ("more than what is owed", "already paid", "nothing is owed")
#: The one refusal that says the database gave up after retrying (never seen on a healthy
#: server; counted apart).
GAVE_UP = "the database asked to retry"

KEY_NAMESPACE = uuid.UUID("5b0f8a2e-8d7c-4a1b-9f0e-3c2d1e0f5a6b")

DESK = "import sys; from tests.e2e.contention import desk; desk(sys.argv[1])"

#: Longest a desk waits for the start signal.
DESK_PATIENCE = 120.0
START_AHEAD = 0.3


@dataclass(frozen=True)
class Target:
    """A student and its invoices as the plan knows them: ``(invoice_no, amount)``."""

    student_id: int
    student_no: str
    invoices: tuple[tuple[int, str, int], ...]  # (id, invoice_no, amount_minor)


def _payment(
    rng: random.Random, targets: Sequence[Target], hot: int, owing_only: bool = False
) -> dict[str, Any]:
    # Most payments go to the first ``hot`` students, so the desks keep meeting there.
    pool = targets[:hot] if hot and rng.random() < 0.7 else targets
    t = rng.choice(pool)
    _, inv_no, amount = rng.choice(t.invoices)
    # ``owing_only``: part payments alone, in the mix's proportions (of an invoice, of the
    # oldest invoices, twice that with credit allowed): a student owing more than the run
    # can pay is never refused one.
    owing_kinds = rng.choices((0.0, 0.6, 0.85), weights=(35, 25, 10))[0] if owing_only else None
    kind = rng.random() if owing_kinds is None else owing_kinds
    method = rng.choice(("cash", "bank", "mobilepay"))
    partial = rng.randrange(50_00, 400_00, 25)
    if kind < 0.35:
        p: dict[str, Any] = {"invoice_no": inv_no, "amount_minor": partial}
    elif kind < 0.55:
        p = {"invoice_no": inv_no, "amount_minor": amount}
    elif kind < 0.80:
        p = {"student_no": t.student_no, "amount_minor": partial}
    elif kind < 0.90:
        p = {"student_no": t.student_no, "amount_minor": partial * 2, "allow_credit": True}
    else:
        # More than the invoice: the rest is credit, unless the invoice was paid meanwhile.
        p = {"invoice_no": inv_no, "amount_minor": amount + partial, "allow_credit": True}
    p["method"] = method
    if method == "cash" and rng.random() < 0.5:
        p["tendered_minor"] = (p["amount_minor"] // 100_00 + 1) * 100_00
    return p


def make_plans(
    targets: Sequence[Target],
    *,
    desks: int,
    payments: int,
    seed: int,
    shared: int,
    hot: int = 0,
    shared_within: int | None = None,
    owing_only: bool = False,
) -> list[list[dict[str, Any]]]:
    """One list of payments per desk; ``shared`` payments are in every list, with one key
    per payment, at a different place among the first ``shared_within`` in each.
    ``owing_only``: part payments only (see :func:`_payment`)."""
    rng = random.Random(seed)
    common = []
    for n in range(shared):
        p = _payment(rng, targets, hot, owing_only)
        p["key"] = str(uuid.uuid5(KEY_NAMESPACE, f"{seed}-{n}"))
        common.append(p)
    plans = []
    for d in range(desks):
        drng = random.Random(seed * 1000 + d)
        plan = [_payment(drng, targets, hot, owing_only) for _ in range(payments)]
        within = len(plan) if shared_within is None else min(shared_within, len(plan))
        for p in common:
            plan.insert(drng.randrange(within + 1), dict(p))
        plans.append(plan)
    return plans


def desk(spec_file: str) -> None:
    """One desk in a child process: its payments, one after another, from the start signal
    until the plan or the time runs out. Prints one JSON object: the outcome of every call
    and how often the database asked for a retry."""
    spec = json.loads(Path(spec_file).read_text(encoding="utf-8"))
    from jdoffice.adapters import db
    from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
    from jdoffice.cli import exit_code_for
    from jdoffice.domain.errors import JdofficeError
    from jdoffice.domain.model import Actor
    from jdoffice.services import payments as payments_service
    from jdoffice.services import queries
    from jdoffice.services.ports import TransientConflict

    retries = 0
    original = payments_service.retrying

    def counting_retrying(fn: Callable[[], Any], attempts: int = 5) -> Any:
        def counted() -> Any:
            nonlocal retries
            try:
                return fn()
            except TransientConflict:
                retries += 1
                raise

        return original(counted, attempts)

    # Count the retries the service makes (deadlocks, serialization failures, busy files).
    payments_service.retrying = counting_retrying

    engine = db.make_engine(spec["url"])
    uow = SqlAlchemyUnitOfWork(engine)
    school = queries.resolve_school(uow, spec["school"])
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    actor = Actor(staff="race", desk=spec["desk"])
    Path(spec["ready"]).touch()

    go = Path(spec["go"])
    deadline = time.monotonic() + DESK_PATIENCE
    while not go.exists():
        if time.monotonic() > deadline:
            print("nobody said go", file=sys.stderr)
            sys.exit(5)
        time.sleep(0.001)
    start = float(go.read_text(encoding="utf-8"))
    delay = start - time.time()
    if delay > 0:
        time.sleep(delay)
    stop_at = time.monotonic() + spec["seconds"] if spec.get("seconds") else None

    results: list[dict[str, Any]] = []
    for i, payment in enumerate(spec["payments"]):
        if stop_at is not None and time.monotonic() >= stop_at:
            break
        started = time.perf_counter()
        try:
            r = payments_service.register_payment(uow, school, actor=actor, **payment)
        except JdofficeError as exc:
            out: dict[str, Any] = {
                "code": exit_code_for(exc),
                "error": type(exc).__name__,
                "message": str(exc),
            }
        except Exception as exc:  # a crash is what the checks look for
            out = {"code": 1, "error": type(exc).__name__, "message": str(exc)}
        else:
            out = {
                "code": 0,
                "payment_id": r.payment_id,
                "receipt_no": r.receipt_no,
                "amount_minor": r.amount_minor,
                "allocations": [list(a) for a in r.allocations],
                "credit_minor": r.credit_minor,
                "replayed": r.replayed,
            }
        out |= {
            "i": i,
            "allow_credit": bool(payment.get("allow_credit")),
            "key": payment.get("key"),
            "seconds": time.perf_counter() - started,
        }
        results.append(out)
    elapsed = time.time() - start
    engine.dispose()
    print(json.dumps({"results": results, "retries": retries, "elapsed": elapsed}))


@dataclass
class Run:
    """What the desks reported."""

    desks: list[dict[str, Any]]

    @property
    def wall_seconds(self) -> float:
        """From the common start to the end of the last desk's last call."""
        return max(float(d["elapsed"]) for d in self.desks)

    @property
    def outcomes(self) -> list[dict[str, Any]]:
        return [o for d in self.desks for o in d["results"]]

    @property
    def retries(self) -> int:
        return sum(int(d["retries"]) for d in self.desks)


def run_desks(
    url: str,
    school_slug: str,
    plans: Sequence[Sequence[dict[str, Any]]],
    workdir: Path,
    *,
    start: Callable[[str, str], Any],
    finish: Callable[[Any, float], tuple[int, str, str]],
    stop: Callable[[Any], None],
    seconds: float | None = None,
    timeout: float = 300.0,
) -> Run:
    """Start one process per plan; all begin paying at one instant. ``start``, ``finish`` and
    ``stop`` run, wait for and kill a child (see ``tests.e2e.conftest``)."""
    go = workdir / "go"
    procs: list[Any] = []
    ready: list[Path] = []
    try:
        for n, plan in enumerate(plans):
            ready.append(workdir / f"ready-{n}")
            spec = {
                "url": url,
                "school": school_slug,
                "desk": f"desk-{n + 1}",
                "ready": str(ready[-1]),
                "go": str(go),
                "payments": list(plan),
                "seconds": seconds,
            }
            spec_file = workdir / f"desk-{n}.json"
            spec_file.write_text(json.dumps(spec), encoding="utf-8")
            procs.append(start(DESK, str(spec_file)))
        deadline = time.monotonic() + DESK_PATIENCE
        while not all(r.exists() for r in ready):
            for p in procs:
                if p.poll() is not None:
                    _, _, err = finish(p, 10)
                    raise AssertionError(f"a desk died before the start:\n{err[-3000:]}")
            if time.monotonic() > deadline:
                raise AssertionError("the desks were not ready in time")
            time.sleep(0.02)
        staged = workdir / "go.tmp"
        at = time.time() + START_AHEAD
        staged.write_text(repr(at), encoding="utf-8")
        os.replace(staged, go)
        desks = []
        for p in procs:
            code, out, err = finish(p, timeout)
            assert code == 0, f"desk exited {code}:\n{err[-3000:]}"
            desks.append(json.loads(out))
        return Run(desks)
    finally:
        for p in procs:
            stop(p)


@dataclass
class Verdict:
    """The checks of one run; ``problems`` is empty when everything holds."""

    succeeded: int = 0
    replays: int = 0
    refused: int = 0
    gave_up: int = 0
    with_credit: int = 0
    problems: list[str] = field(default_factory=list)

    def expect(self, ok: bool, message: str) -> None:
        if not ok:
            self.problems.append(message)


def check(engine: Engine, school_id: int, targets: Sequence[Target], run: Run) -> Verdict:
    """Every check of issue 5 against the database: nothing lost, nothing doubled, no invoice
    paid beyond its amount, credit only where it was allowed, receipts 1..N without gaps,
    every cached balance equal to its recomputation, and every refusal a clear one."""
    from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
    from jdoffice.services.queries import recompute_balance

    v = Verdict()
    won: dict[str, dict[str, Any]] = {}
    for o in run.outcomes:
        if o["code"] == 0:
            if o["replayed"]:
                v.replays += 1
                first = won.get(o["payment_id"])
                v.expect(
                    first is None or first["receipt_no"] == o["receipt_no"],
                    f"a replay of {o['payment_id']} named another receipt",
                )
                won.setdefault(o["payment_id"], o)
                continue
            v.expect(o["payment_id"] not in won or won[o["payment_id"]]["replayed"], "doubled")
            won[o["payment_id"]] = o
            allocated = sum(a for _, a in o["allocations"])
            v.expect(
                o["credit_minor"] == o["amount_minor"] - allocated,
                f"payment {o['payment_id']}: credit does not add up",
            )
            if o["credit_minor"]:
                v.with_credit += 1
                v.expect(o["allow_credit"], f"credit without allow-credit: {o}")
        elif o["code"] == 3 and GAVE_UP in o["message"]:
            v.gave_up += 1
        else:
            v.refused += 1
            v.expect(
                o["code"] == 3 and any(r in o["message"] for r in REFUSALS),
                f"not a clear refusal: {o}",
            )
    fresh = {pid: o for pid, o in won.items() if not o["replayed"]}
    v.succeeded = len(won)
    v.expect(len(fresh) == len(won), "a replay was reported for a payment nobody made")

    student_ids = [t.student_id for t in targets]
    with engine.connect() as conn:
        recorded = {
            str(r[0]): (int(r[1]), int(r[2]))
            for r in conn.execute(
                text(
                    "SELECT id, amount_minor, receipt_no FROM student_payments WHERE school_id = :s"
                ),
                {"s": school_id},
            )
        }
        invoices = conn.execute(
            text(
                "SELECT i.invoice_no, i.amount_minor, i.paid_minor,"
                " COALESCE((SELECT SUM(a.amount_minor) FROM student_payment_allocations a"
                "           WHERE a.invoice_id = i.id), 0)"
                " FROM student_invoices i WHERE i.school_id = :s"
            ),
            {"s": school_id},
        ).all()
        receipts = [
            int(n)
            for (n,) in conn.execute(
                text("SELECT receipt_no FROM receipts WHERE school_id = :s ORDER BY receipt_no"),
                {"s": school_id},
            )
        ]
        counter = int(
            conn.execute(
                text("SELECT last_no FROM receipt_counters WHERE school_id = :s"), {"s": school_id}
            ).scalar()
            or 0
        )
    v.expect(
        set(recorded) == set(won),
        f"recorded {len(recorded)} payments, desks reported {len(won)} "
        f"(lost {sorted(set(won) - set(recorded))[:5]}, unknown {sorted(set(recorded) - set(won))[:5]})",
    )
    for pid, o in won.items():
        if pid in recorded:
            v.expect(
                recorded[pid] == (o["amount_minor"], o["receipt_no"]),
                f"payment {pid} recorded as {recorded[pid]}, reported {o['amount_minor']}",
            )
    reported_paid: dict[str, int] = {}
    for o in fresh.values():
        for inv_no, amt in o["allocations"]:
            reported_paid[inv_no] = reported_paid.get(inv_no, 0) + amt
    for inv_no, amount, paid, allocated in invoices:
        v.expect(0 <= paid <= amount, f"invoice {inv_no} paid {paid} of {amount}")
        v.expect(paid == allocated, f"invoice {inv_no}: paid {paid}, allocations {allocated}")
        v.expect(
            paid == reported_paid.get(str(inv_no), 0),
            f"invoice {inv_no}: paid {paid}, desks reported {reported_paid.get(str(inv_no), 0)}",
        )
    v.expect(
        receipts == list(range(1, len(receipts) + 1)), f"receipt numbers with gaps: {receipts}"
    )
    v.expect(counter == len(receipts), f"receipt counter {counter} for {len(receipts)} receipts")
    v.expect(len(receipts) == len(won), f"{len(receipts)} receipts for {len(won)} payments")
    v.expect(
        sorted(o["receipt_no"] for o in fresh.values()) == receipts,
        "the receipt numbers the desks reported are not those recorded",
    )
    uow = SqlAlchemyUnitOfWork(engine)
    owed = {t.student_id: sum(a for _, _, a in t.invoices) for t in targets}
    paid_by = dict.fromkeys(student_ids, 0)
    with engine.connect() as conn:
        for sid, amount in conn.execute(
            text(
                "SELECT student_id, SUM(amount_minor) FROM student_payments"
                " WHERE school_id = :s GROUP BY student_id"
            ),
            {"s": school_id},
        ):
            paid_by[int(sid)] = int(amount)
    for sid in student_ids:
        cached, recomputed = recompute_balance(uow, sid)
        v.expect(cached == recomputed, f"student {sid}: cached {cached} != rows {recomputed}")
        v.expect(
            cached == owed[sid] - paid_by[sid],
            f"student {sid}: balance {cached}, invoices − payments {owed[sid] - paid_by[sid]}",
        )
    return v
