"""Offline desks (issue 5): keep taking payments when the shared database cannot be reached.

A desk keeps a local copy (the *replica*) of its school: students, search terms, invoices,
balances and recent payments, in a SQLite file with the same schema, so search and the
student view run unchanged against it. While the shared database is unreachable, cash, bank
and MobilePay payments go into a durable local *outbox*, each with a receipt number from the
desk's own offline series (``<desk>-<tag>-O000001``: text, so it can never be one of the
school's integer receipt numbers), and the replica is updated so the desk shows what it took.

When the database returns, :func:`push_outbox` sends each waiting payment, oldest first,
through the normal money path (:func:`jdoffice.services.payments.apply_payment`) with the
payment's own UUID as the idempotency key: a push that dies midway and runs again never records
a payment twice. A payment that no longer fits (the invoice was paid online or at another desk
meanwhile) is recorded all the same, as credit, and flagged for staff; it is never dropped and
never silently doubled.

Storage is behind :class:`LocalStore` and :class:`SharedNotes`; ``jdoffice.adapters.local_store``
implements them with SQLAlchemy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from jdoffice.domain.errors import (
    BusinessRuleError,
    IdempotencyMismatch,
    JdofficeError,
    NotFound,
    Unavailable,
)
from jdoffice.domain.model import (
    Actor,
    Allocation,
    Invoice,
    Payment,
    PaymentStatus,
    ReceiptBody,
    ReceiptLine,
    School,
    Student,
    plan_allocation,
)
from jdoffice.domain.money import CashSettlement, format_money
from jdoffice.services import queries
from jdoffice.services.payments import (
    PaymentRequest as PaymentRequest,  # the outbox keeps it (local_store)
)
from jdoffice.services.payments import (
    PaymentResult,
    apply_payment,
    check_payment,
    record_payment,
    retrying,
    utcnow,
)
from jdoffice.services.ports import DuplicateKey, UnitOfWork
from jdoffice.services.school import ReceiptDetails, receipt_extra

T = TypeVar("T")

#: The gateway name on flags raised by pushing offline payments (``payments flagged``).
FLAG_GATEWAY = "offline"


# --- what is queued ----------------------------------------------------------------------------


class OutboxStatus:
    WAITING = "waiting"
    PUSHED = "pushed"


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One payment taken offline, as stored in the local outbox."""

    request: PaymentRequest
    school_id: int
    student_id: int
    student_no: str
    student_name: str
    currency: str
    offline_receipt_no: str
    taken_at: dt.datetime
    actor: Actor
    #: How the desk spread it over the invoices it knew: ``(invoice_id, invoice_no, amount)``.
    allocations: tuple[tuple[int, str, int], ...]
    credit_minor: int
    rounding_minor: int = 0
    cash_total_minor: int | None = None
    change_minor: int | None = None
    status: str = OutboxStatus.WAITING
    pushed_at: dt.datetime | None = None
    receipt_no: int | None = None
    outcome: str = ""
    error: str = ""
    tries: int = 0
    seq: int = 0

    @property
    def payment_id(self) -> str:
        return self.request.payment_id

    @property
    def fingerprint(self) -> str:
        return self.request.fingerprint()


@dataclass(frozen=True, slots=True)
class QueuedPayment:
    """A payment taken while the shared database was unreachable: safe in the local outbox,
    with the offline receipt the desk hands over."""

    payment_id: str
    offline_receipt_no: str
    student_no: str
    student_name: str
    method: str
    amount_minor: int
    currency: str
    allocations: tuple[tuple[str, int], ...]
    credit_minor: int
    tendered_minor: int | None
    change_minor: int | None
    rounding_minor: int
    cash_total_minor: int | None
    balance_minor: int
    taken_at: dt.datetime
    waiting: int
    replayed: bool = False

    queued = True


def offline_receipt(
    queued: QueuedPayment, school: School, actor: Actor, reference: str = ""
) -> ReceiptBody:
    """The receipt handed over for a payment taken offline: numbered in the desk's offline
    series, with the school's header as the local copy has it. Its lines name the invoices
    the desk paid; the shared database's receipt number follows when the payment is sent."""
    return ReceiptBody(
        kind="payment",
        receipt_no=queued.offline_receipt_no,
        issued_at=queued.taken_at,
        school_name=school.name,
        school_address=school.address,
        school_cvr=school.cvr,
        timezone=school.timezone,
        student_no=queued.student_no,
        student_name=queued.student_name,
        method=queued.method,
        currency=queued.currency,
        amount_minor=queued.amount_minor,
        lines=tuple(ReceiptLine(no, amount) for no, amount in queued.allocations),
        credit_minor=queued.credit_minor,
        rounding_minor=queued.rounding_minor,
        cash_total_minor=queued.cash_total_minor,
        tendered_minor=queued.tendered_minor,
        change_minor=queued.change_minor,
        reference=reference,
        payment_id=queued.payment_id,
        staff=actor.staff,
        desk=actor.desk,
        # The local copy keeps the school's phone and e-mail; web and VAT line follow with
        # the shared database's receipt when the payment is sent.
        extra=receipt_extra(school, ReceiptDetails()),
    )


@dataclass(frozen=True, slots=True)
class ReplicaState:
    """What the local copy holds: which school, from where, and how fresh it is."""

    school_id: int | None
    school_slug: str | None
    source: str | None
    last_pull_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class PullResult:
    full: bool
    students: int
    invoices: int
    balances: int
    payments: int
    refunds: int
    pulled_at: dt.datetime
    seconds: float


# --- ports ---------------------------------------------------------------------------------------


class Outbox(Protocol):
    """The outbox inside one transaction of the local unit of work."""

    def get(self, payment_id: str) -> OutboxEntry | None: ...

    def add(self, entry: OutboxEntry) -> None:
        """Store the entry and note its offline receipt number on the local payment row."""
        ...

    def next_receipt_no(self, desk: str) -> str:
        """The next number of this desk's offline series (taken with the outbox row)."""
        ...

    def waiting(self) -> list[OutboxEntry]:
        """Entries not yet on the shared database, oldest first."""
        ...

    def count_waiting(self) -> int: ...
    def mark_pushed(
        self, payment_id: str, receipt_no: int | None, outcome: str, now: dt.datetime
    ) -> None: ...
    def mark_error(self, payment_id: str, error: str, now: dt.datetime) -> None: ...


class LocalStore(Protocol):
    """The desk's own database: the replica of its school and the outbox."""

    def uow(self) -> UnitOfWork:
        """A unit of work on the replica (the same repositories as on the shared database)."""
        ...

    def outbox(self, uow: UnitOfWork) -> Outbox:
        """The outbox, working inside the open transaction of ``uow`` (from :meth:`uow`)."""
        ...

    def state(self) -> ReplicaState: ...

    def count_waiting(self) -> int:
        """Payments waiting in the outbox (0 when there is no local database yet)."""
        ...

    def pull(self, school: School, *, full: bool = False) -> PullResult:
        """Copy the school from the shared database: everything the first time (or with
        ``full``), else what changed since the last pull. Raises :class:`Unavailable`."""
        ...


class SharedNotes(Protocol):
    """What the shared database records about a pushed offline payment beyond the money."""

    def note_offline_payment(
        self,
        uow: UnitOfWork,
        *,
        payment_id: str,
        offline_receipt_no: str,
        student_id: int,
        invoice_ids: Sequence[int],
        now: dt.datetime,
    ) -> None:
        """Keep the offline receipt number on the payment and mark the rows it changed as
        changed ``now``: the payment is dated when the money was taken, hours ago maybe, and
        desks that poll changes by ``updated_at`` must still see it."""
        ...


# --- queueing ------------------------------------------------------------------------------------


def queue_payment(
    local: LocalStore,
    school: School,
    request: PaymentRequest,
    *,
    actor: Actor,
    now: dt.datetime | None = None,
) -> QueuedPayment:
    """Take a payment into the outbox, checked against the local copy as the shared database
    would check it, and show it in the local copy. The outbox row is committed (durably)
    before this returns, so the receipt is printed only for a payment that is safe.

    Raises:
        InvalidInput: malformed input, or a student or invoice the local copy does not know.
        BusinessRuleError: already paid, cancelled, or more than owed without credit allowed
            (as far as the local copy knows).
        IdempotencyMismatch: the payment id was queued before for a different payment.
    """
    when = now or utcnow()
    fp = request.fingerprint()

    def attempt() -> QueuedPayment:
        uow = local.uow()
        with uow.write():
            box = local.outbox(uow)
            existing = box.get(request.payment_id)
            if existing is not None:
                if existing.fingerprint != fp:
                    raise IdempotencyMismatch(
                        f"key {request.payment_id} was already used for a different payment "
                        f"({existing.request.method}, "
                        f"{format_money(existing.request.amount_minor, existing.currency)})"
                    )
                return _queued(existing, uow.balances.get(existing.student_id), box, True)
            student, invoice = _resolve_local(uow, school, request)
            candidates = [invoice] if invoice is not None else uow.invoices.for_student(student.id)
            _check_candidates(school, candidates, targeted=invoice is not None)
            cash = _cash(request, school)
            plan = plan_allocation(
                request.amount_minor, candidates, allow_credit=request.allow_credit
            )
            number = box.next_receipt_no(actor.desk)
            payment = Payment(
                id=request.payment_id,
                school_id=school.id,
                student_id=student.id,
                method=request.method,
                amount_minor=request.amount_minor,
                currency=school.currency,
                status=PaymentStatus.SUCCEEDED,
                refunded_minor=0,
                receipt_no=None,
                created_at=when,
                rounding_minor=cash.rounding_minor if cash else 0,
                cash_total_minor=cash.cash_total_minor if cash else None,
                tendered_minor=cash.tendered_minor if cash else None,
                change_minor=cash.change_minor if cash else None,
                reference=request.reference,
                desk=actor.desk,
                staff=actor.staff,
                fingerprint=fp,
            )
            uow.payments.add(
                payment,
                [
                    Allocation(payment.id, inv.id, amt, None, inv.invoice_no)
                    for inv, amt in plan.allocations
                ],
            )
            for inv, amt in plan.allocations:
                uow.invoices.add_paid(inv.id, amt, when)
            balance = uow.balances.add(student.id, school.id, -request.amount_minor, when)
            entry = OutboxEntry(
                request=request,
                school_id=school.id,
                student_id=student.id,
                student_no=student.student_no,
                student_name=student.name,
                currency=school.currency,
                offline_receipt_no=number,
                taken_at=when,
                actor=actor,
                allocations=tuple((inv.id, inv.invoice_no, amt) for inv, amt in plan.allocations),
                credit_minor=plan.credit_minor,
                rounding_minor=payment.rounding_minor,
                cash_total_minor=payment.cash_total_minor,
                change_minor=payment.change_minor,
            )
            box.add(entry)
            result = _queued(entry, balance, box, False)
            uow.commit()
            return result

    return retrying(attempt)


def _queued(entry: OutboxEntry, balance: int, box: Outbox, replayed: bool) -> QueuedPayment:
    r = entry.request
    return QueuedPayment(
        payment_id=r.payment_id,
        offline_receipt_no=entry.offline_receipt_no,
        student_no=entry.student_no,
        student_name=entry.student_name,
        method=r.method,
        amount_minor=r.amount_minor,
        currency=entry.currency,
        allocations=tuple((no, amt) for _, no, amt in entry.allocations),
        credit_minor=entry.credit_minor,
        tendered_minor=(
            entry.cash_total_minor + (entry.change_minor or 0)
            if entry.cash_total_minor is not None
            else None
        ),
        change_minor=entry.change_minor,
        rounding_minor=entry.rounding_minor,
        cash_total_minor=entry.cash_total_minor,
        balance_minor=balance,
        taken_at=entry.taken_at,
        waiting=box.count_waiting(),
        replayed=replayed,
    )


def _resolve_local(
    uow: UnitOfWork, school: School, request: PaymentRequest
) -> tuple[Student, Invoice | None]:
    if request.invoice_no is not None:
        invoice = uow.invoices.get_by_no(school.id, request.invoice_no.strip())
        if invoice is None:
            raise NotFound(
                f"no invoice {request.invoice_no!r} in this desk's local copy of {school.name}"
            )
        student = uow.students.get(invoice.student_id)
        if student is None:  # pragma: no cover - foreign key guarantees it
            raise NotFound(f"invoice {request.invoice_no!r} has no student")
        return student, invoice
    assert request.student_no is not None
    found = uow.students.get_by_no(school.id, request.student_no.strip())
    if found is None:
        raise NotFound(
            f"no student {request.student_no!r} in this desk's local copy of {school.name}"
        )
    return found, None


def _check_candidates(school: School, candidates: Sequence[Invoice], *, targeted: bool) -> None:
    """The refusals of :func:`register_payment`, on the invoices as the desk knows them."""
    for inv in candidates:
        if inv.currency != school.currency:
            raise BusinessRuleError(
                f"invoice {inv.invoice_no} is in {inv.currency}, the desk takes {school.currency}"
            )
        if targeted and inv.cancelled:
            raise BusinessRuleError(f"invoice {inv.invoice_no} is cancelled")
        if targeted and inv.outstanding_minor == 0:
            raise BusinessRuleError(f"invoice {inv.invoice_no} is already paid")


def _cash(request: PaymentRequest, school: School) -> CashSettlement | None:
    return request.settlement(school.currency)


# --- pushing ------------------------------------------------------------------------------------


class PushOutcome:
    RECORDED = "recorded"
    CREDIT = "credit"
    ALREADY = "already"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class PushedPayment:
    payment_id: str
    offline_receipt_no: str
    outcome: str
    receipt_no: int | None = None
    credit_minor: int = 0
    detail: str = ""


@dataclass(frozen=True, slots=True)
class PushReport:
    done: tuple[PushedPayment, ...]
    failed: tuple[PushedPayment, ...]
    waiting: int
    stopped: str | None = None
    """Why the push stopped before the end (the shared database went away again)."""

    def count(self, outcome: str) -> int:
        return sum(1 for p in self.done if p.outcome == outcome)


def push_outbox(
    shared: Callable[[], UnitOfWork],
    local: LocalStore,
    notes: SharedNotes,
    school: School,
    *,
    now: Callable[[], dt.datetime] = utcnow,
) -> PushReport:
    """Send every waiting payment to the shared database, oldest first, exactly once each.

    A payment whose id is already there (an earlier push died after the shared commit) is
    only marked as sent. A payment the shared database refuses for good (its student is gone)
    stays waiting with the reason; the others still go. If the shared database goes away
    midway, the push stops and the rest waits for the next one.
    """
    luow = local.uow()
    with luow:
        entries = [e for e in local.outbox(luow).waiting() if e.school_id == school.id]
    done: list[PushedPayment] = []
    failed: list[PushedPayment] = []
    stopped: str | None = None
    for entry in entries:
        try:
            pushed = push_entry(shared(), notes, school, entry, now())
        except Unavailable as exc:
            stopped = str(exc)
            break
        except JdofficeError as exc:
            failure = PushedPayment(
                entry.payment_id, entry.offline_receipt_no, PushOutcome.FAILED, detail=str(exc)
            )
            failed.append(failure)
            _mark(local, entry.payment_id, None, str(exc), now())
            continue
        _mark(local, entry.payment_id, pushed, "", now())
        done.append(pushed)
    return PushReport(tuple(done), tuple(failed), local.count_waiting(), stopped)


def _mark(
    local: LocalStore,
    payment_id: str,
    pushed: PushedPayment | None,
    error: str,
    at: dt.datetime,
) -> None:
    """Record in the outbox what the push did (sent, or why not)."""

    def attempt() -> None:
        uow = local.uow()
        with uow.write():
            box = local.outbox(uow)
            if pushed is not None:
                box.mark_pushed(payment_id, pushed.receipt_no, pushed.outcome, at)
            else:
                box.mark_error(payment_id, error, at)
            uow.commit()

    retrying(attempt)


def push_entry(
    uow: UnitOfWork, notes: SharedNotes, school: School, entry: OutboxEntry, now: dt.datetime
) -> PushedPayment:
    """Record one offline payment on the shared database (idempotent by its payment id)."""

    def attempt() -> PushedPayment:
        try:
            with uow.write():
                existing = uow.payments.get(entry.payment_id)
                if existing is not None:
                    result = _already(uow, notes, entry, existing, now)
                else:
                    result = _record(uow, notes, school, entry, now)
                uow.commit()
                return result
        except DuplicateKey:
            # The same payment arrived meanwhile (another push of this outbox).
            with uow.write():
                existing = uow.payments.get(entry.payment_id)
                if existing is None:
                    raise
                result = _already(uow, notes, entry, existing, now)
                uow.commit()
                return result

    return retrying(attempt)


def _already(
    uow: UnitOfWork, notes: SharedNotes, entry: OutboxEntry, existing: Payment, now: dt.datetime
) -> PushedPayment:
    if existing.fingerprint != entry.fingerprint or existing.school_id != entry.school_id:
        raise IdempotencyMismatch(
            f"payment id {entry.payment_id} is used on the shared database by a different "
            f"payment ({existing.method}, "
            f"{format_money(existing.amount_minor, existing.currency)})"
        )
    notes.note_offline_payment(
        uow,
        payment_id=existing.id,
        offline_receipt_no=entry.offline_receipt_no,
        student_id=existing.student_id,
        invoice_ids=(),
        now=now,
    )
    return PushedPayment(
        entry.payment_id,
        entry.offline_receipt_no,
        PushOutcome.ALREADY,
        receipt_no=existing.receipt_no,
    )


def _record(
    uow: UnitOfWork, notes: SharedNotes, school: School, entry: OutboxEntry, now: dt.datetime
) -> PushedPayment:
    req = entry.request
    student, invoice, gone = _resolve_shared(uow, school, entry)
    # Lock order everywhere: student, then invoices (by id), then the receipt counter.
    uow.students.lock(student.id)
    if invoice is not None:
        candidates = uow.invoices.lock([invoice.id])
    elif req.invoice_no is None:
        candidates = uow.invoices.lock_for_student(student.id)
    else:
        candidates = []
    for inv in candidates:
        if inv.currency != school.currency:
            raise BusinessRuleError(
                f"invoice {inv.invoice_no} is in {inv.currency}, the desk takes {school.currency}"
            )
    moved: str | None = None
    if invoice is None and req.invoice_no is None and entry.allocations:
        # A payment for "the student": the offline receipt names the invoices the desk paid.
        # Pay the same ones while they still take those amounts (an invoice added meanwhile
        # is not touched); otherwise spread it as today's invoices need, and tell the office.
        desk_paid = {inv_id: amount for inv_id, _, amount in entry.allocations}
        same = [inv for inv in candidates if inv.id in desk_paid]
        same_plan = plan_allocation(req.amount_minor, same, allow_credit=True)
        if (
            len(same) == len(desk_paid)
            and {inv.id: amt for inv, amt in same_plan.allocations} == desk_paid
            and same_plan.credit_minor == entry.credit_minor
        ):
            candidates = same
        else:
            moved = (
                f"the invoices changed meanwhile, so the payment was spread over them "
                f"differently from receipt {entry.offline_receipt_no}"
            )
    owed = sum(i.outstanding_minor for i in candidates)
    reason = gone
    if reason is None and req.invoice_no is not None and candidates and candidates[0].cancelled:
        reason = f"invoice {req.invoice_no} was cancelled meanwhile"
    elif reason is None and owed == 0:
        reason = f"{req.invoice_no or 'everything'} was paid meanwhile"
    elif reason is None and req.amount_minor > owed and not req.allow_credit:
        reason = f"only {format_money(owed, school.currency)} was still owed"
    cash = _cash(req, school)
    extra: dict[str, object] = {
        "offline_receipt_no": entry.offline_receipt_no,
        "taken_offline_at": entry.taken_at.isoformat(),
        "pushed_at": now.isoformat(),
    }
    if reason is not None:
        credit = plan_allocation(req.amount_minor, candidates, allow_credit=True).credit_minor
        extra["offline_conflict"] = reason
        uow.flags.add(
            school_id=school.id,
            gateway=FLAG_GATEWAY,
            provider_ref=entry.payment_id,
            event_id=entry.offline_receipt_no,
            invoice_no=req.invoice_no or "",
            reason=(
                f"taken offline at {entry.actor.desk} on receipt {entry.offline_receipt_no}, "
                f"but {reason}; {format_money(credit, school.currency)} kept as credit "
                f"for {student.student_no}"
            ),
            amount_minor=req.amount_minor,
            currency=school.currency,
            payload={
                "payment_id": entry.payment_id,
                "method": req.method,
                "student_no": student.student_no,
                "taken_at": entry.taken_at.isoformat(),
                "staff": entry.actor.staff,
            },
            now=now,
        )
    if moved is not None and reason is None:
        extra["offline_conflict"] = moved
        uow.flags.add(
            school_id=school.id,
            gateway=FLAG_GATEWAY,
            provider_ref=entry.payment_id,
            event_id=entry.offline_receipt_no,
            invoice_no="",
            reason=f"taken offline at {entry.actor.desk} on receipt {entry.offline_receipt_no}: "
            + moved,
            amount_minor=req.amount_minor,
            currency=school.currency,
            payload={
                "payment_id": entry.payment_id,
                "method": req.method,
                "student_no": student.student_no,
                "taken_at": entry.taken_at.isoformat(),
                "staff": entry.actor.staff,
                "offline_allocations": [[no, amt] for _, no, amt in entry.allocations],
            },
            now=now,
        )
    result = apply_payment(
        uow,
        school,
        student,
        candidates,
        payment_id=entry.payment_id,
        method=req.method,
        amount_minor=req.amount_minor,
        allow_credit=req.allow_credit or reason is not None,
        cash=cash,
        reference=req.reference,
        fp=entry.fingerprint,
        actor=entry.actor,
        # The money changed hands when the desk took it: the payment, its receipt and the
        # day report are dated then.
        now=entry.taken_at,
        audit_extra=extra,
    )
    by_no = {inv.invoice_no: inv.id for inv in candidates}
    notes.note_offline_payment(
        uow,
        payment_id=entry.payment_id,
        offline_receipt_no=entry.offline_receipt_no,
        student_id=student.id,
        invoice_ids=[by_no[no] for no, _ in result.allocations],
        now=now,
    )
    return PushedPayment(
        entry.payment_id,
        entry.offline_receipt_no,
        PushOutcome.CREDIT if reason is not None else PushOutcome.RECORDED,
        receipt_no=result.receipt_no,
        credit_minor=result.credit_minor,
        detail=reason or "",
    )


def _resolve_shared(
    uow: UnitOfWork, school: School, entry: OutboxEntry
) -> tuple[Student, Invoice | None, str | None]:
    """The student and invoice on the shared database, and why the invoice cannot take the
    payment if it is gone (the student still gets the money, as credit)."""
    req = entry.request
    if req.invoice_no is not None:
        invoice = uow.invoices.get_by_no(school.id, req.invoice_no.strip())
        if invoice is not None:
            student = uow.students.get(invoice.student_id)
            if student is not None:
                return student, invoice, None
        found = _same_student(uow, school, entry, entry.student_no)
        if found is None:
            raise NotFound(
                f"neither invoice {req.invoice_no!r} nor student {entry.student_no!r} is at "
                f"{school.name} any more"
            )
        return found, None, f"invoice {req.invoice_no} no longer exists"
    assert req.student_no is not None
    found = _same_student(uow, school, entry, req.student_no.strip())
    if found is None:
        raise NotFound(f"student {req.student_no!r} is not at {school.name} any more")
    return found, None, None


def _same_student(
    uow: UnitOfWork, school: School, entry: OutboxEntry, student_no: str
) -> Student | None:
    """The student by number, or by id when the web system renumbered them meanwhile (the
    local copy keeps the shared database's ids)."""
    found = uow.students.get_by_no(school.id, student_no)
    if found is None:
        by_id = uow.students.get(entry.student_id)
        if by_id is not None and by_id.school_id == school.id:
            found = by_id
    return found


# --- the desk ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SyncStatus:
    online: bool
    pending: int
    last_pull_at: dt.datetime | None
    errors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Reading(Generic[T]):
    """What a read returned, and whether it came from the local copy."""

    value: T
    offline: bool
    last_pull_at: dt.datetime | None = None
    reason: str = ""


def status_text(status: SyncStatus) -> str:
    """`sync status`'s words for the connection and the outbox (the desk program says it in
    its own language)."""
    n = status.pending
    waiting = f"{n} payment{'s' if n != 1 else ''} waiting"
    if not status.online:
        return f"Offline — {waiting}"
    return f"Online — {waiting}" if n else "Online"


@dataclass
class OfflineDesk:
    """The desk's way to the data: the shared database while it answers, the local copy and
    the outbox while it does not. Every method may block on the network: call them off the
    GUI thread.

    Attributes:
        shared: opens a unit of work on the shared database; raises :class:`Unavailable`
            when it cannot be reached.
        local: the replica and outbox.
        notes: what the shared database records about pushed offline payments.
        ping: whether the shared database answers now.
    """

    shared: Callable[[], UnitOfWork]
    local: LocalStore
    notes: SharedNotes
    ping: Callable[[], bool]
    school_slug: str | None
    actor: Actor

    def shared_school(self) -> School:
        return queries.resolve_school(self.shared(), self.school_slug)

    def local_school(self, reason: str = "database unavailable") -> School:
        """The school as the local copy has it; ``reason`` says why the shared database is
        not used."""
        state = self.local.state()
        if state.school_id is None:
            raise Unavailable(
                f"{reason}; this desk has no local copy of its school to work from "
                "(run `jdoffice sync pull` once while the database answers)"
            )
        return queries.resolve_school(self.local.uow(), self.school_slug)

    def school(self) -> Reading[School]:
        """The school, from the shared database or else from the local copy."""
        return self.read(lambda _uow, school: school)

    def read(self, fn: Callable[[UnitOfWork, School], T]) -> Reading[T]:
        """Run a read use case (search, student view, …) on the shared database, or on the
        local copy when the shared database cannot be reached."""
        try:
            school = self.shared_school()
            return Reading(fn(self.shared(), school), offline=False)
        except Unavailable as exc:
            reason = str(exc)
        school = self.local_school(reason)
        state = self.local.state()
        return Reading(
            fn(self.local.uow(), school),
            offline=True,
            last_pull_at=state.last_pull_at,
            reason=reason,
        )

    def pay(
        self,
        school: School,
        *,
        method: str,
        amount_minor: int,
        invoice_no: str | None = None,
        student_no: str | None = None,
        tendered_minor: int | None = None,
        reference: str | None = None,
        key: str | None = None,
        allow_credit: bool = False,
        now: dt.datetime | None = None,
        shared_first: bool = True,
    ) -> PaymentResult | QueuedPayment:
        """Register the payment on the shared database, or queue it when that cannot be
        reached. Payments still waiting from an earlier outage are sent first, so the shared
        database sees them in the order they were taken.

        Args:
            shared_first: False when the desk already knows the database is unreachable: the
                payment is queued at once instead of waiting for a connection to time out
                (queueing is safe either way: the push records it once).
        """
        request = check_payment(
            school,
            method=method,
            amount_minor=amount_minor,
            invoice_no=invoice_no,
            student_no=student_no,
            tendered_minor=tendered_minor,
            reference=reference,
            key=key,
            allow_credit=allow_credit,
        )
        if not shared_first:
            return queue_payment(self.local, school, request, actor=self.actor, now=now)
        try:
            if self.local.count_waiting():
                report = self.push(school)
                if report.stopped:
                    raise Unavailable(report.stopped)
            return record_payment(self.shared(), school, request, actor=self.actor, now=now)
        except Unavailable:
            # Nothing was recorded, or the outcome is unknown (the commit's answer was lost):
            # either way the outbox keeps the same payment id, and the push records it once.
            pass
        return queue_payment(self.local, school, request, actor=self.actor, now=now)

    def push(self, school: School | None = None) -> PushReport:
        return push_outbox(self.shared, self.local, self.notes, school or self.shared_school())

    def pull(self, *, full: bool = False) -> PullResult:
        return self.local.pull(self.shared_school(), full=full)

    def sync(self) -> tuple[PushReport, PullResult]:
        """Send what waits, then refresh the local copy (what the desk does when the database
        is back, and every so often while it is there)."""
        school = self.shared_school()
        report = push_outbox(self.shared, self.local, self.notes, school)
        return report, self.local.pull(school)

    def status(self) -> SyncStatus:
        online = self.ping()
        pending = self.local.count_waiting()
        errors: tuple[str, ...] = ()
        if pending:
            uow = self.local.uow()
            with uow:
                errors = tuple(
                    f"{e.offline_receipt_no}: {e.error}"
                    for e in self.local.outbox(uow).waiting()
                    if e.error
                )
        return SyncStatus(online, pending, self.local.state().last_pull_at, errors)

    def waiting(self) -> list[OutboxEntry]:
        """The payments waiting in the outbox, oldest first."""
        if not self.local.count_waiting():
            return []
        uow = self.local.uow()
        with uow:
            return self.local.outbox(uow).waiting()
