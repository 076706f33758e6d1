"""Entities of the finance core and the rules that need no database.

The records here are plain frozen dataclasses: repositories (``jdoffice.adapters``) build them
from rows and services decide with them. Amounts are integer minor units.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from jdoffice.domain.errors import BusinessRuleError, InvalidInput
from jdoffice.domain.money import format_money

UTC = dt.UTC


class InvoiceStatus(enum.StrEnum):
    OPEN = "open"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    OVERDUE = "overdue"
    CANCELLED = "cancelled"


class PaymentStatus(enum.StrEnum):
    """What happened to the money. Refunds are rows of their own; how much of a payment was
    refunded shows in :func:`payment_display_status`."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


def payment_display_status(status: PaymentStatus, amount_minor: int, refunded_minor: int) -> str:
    """``succeeded``, ``partially_refunded`` or ``refunded`` as staff read it."""
    if status is PaymentStatus.SUCCEEDED and refunded_minor > 0:
        return "refunded" if refunded_minor >= amount_minor else "partially_refunded"
    return status.value


class RefundStatus(enum.StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did something, and at which desk. Written on every audit row.

    ``staff_id`` is the signed-in staff account (issue 14), ``approver_id`` the account whose
    PIN approved an action the staff member's role does not allow; rows written before staff
    accounts existed keep only the ``staff`` text.
    """

    staff: str = "desk"
    desk: str = "desk-1"
    staff_id: int | None = None
    approver_id: int | None = None


@dataclass(frozen=True, slots=True)
class School:
    id: int
    slug: str
    name: str
    address: str = ""
    cvr: str = ""
    phone: str = ""
    email: str = ""
    currency: str = "DKK"
    timezone: str = "Europe/Copenhagen"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local_date(self, when: dt.datetime) -> dt.date:
        """The school's calendar day at the instant ``when`` (an aware datetime)."""
        return when.astimezone(self.tz).date()

    def day_bounds(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """The UTC instants where the school's local ``day`` starts and ends."""
        start = dt.datetime.combine(day, dt.time.min, tzinfo=self.tz)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=self.tz)
        return start.astimezone(UTC), end.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Student:
    id: int
    school_id: int
    student_no: str
    first_name: str
    last_name: str
    phone: str = ""
    email: str = ""

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True, slots=True)
class Invoice:
    id: int
    school_id: int
    student_id: int
    invoice_no: str
    text: str
    amount_minor: int
    paid_minor: int
    currency: str
    due_date: dt.date
    cancelled: bool = False

    @property
    def outstanding_minor(self) -> int:
        if self.cancelled:
            return 0
        return max(self.amount_minor - self.paid_minor, 0)

    def status(self, today: dt.date) -> InvoiceStatus:
        return invoice_status(
            self.amount_minor, self.paid_minor, self.cancelled, self.due_date, today
        )


def invoice_status(
    amount_minor: int, paid_minor: int, cancelled: bool, due_date: dt.date, today: dt.date
) -> InvoiceStatus:
    """Status as staff read it; overdue wins over partially paid because it is more urgent."""
    if cancelled:
        return InvoiceStatus.CANCELLED
    if paid_minor >= amount_minor:
        return InvoiceStatus.PAID
    if due_date < today:
        return InvoiceStatus.OVERDUE
    if paid_minor > 0:
        return InvoiceStatus.PARTIALLY_PAID
    return InvoiceStatus.OPEN


@dataclass(frozen=True, slots=True)
class Payment:
    id: str
    school_id: int
    student_id: int
    method: str
    amount_minor: int
    currency: str
    status: PaymentStatus
    refunded_minor: int
    receipt_no: int | None
    created_at: dt.datetime
    rounding_minor: int = 0
    cash_total_minor: int | None = None
    tendered_minor: int | None = None
    change_minor: int | None = None
    reference: str = ""
    desk: str = ""
    staff: str = ""
    fingerprint: str = ""
    provider_ref: str | None = None
    #: The signed-in staff account that took it (issue 14); ``None`` on older rows.
    staff_id: int | None = None
    #: The receipt a desk handed over while it was offline (its own series), if any.
    offline_receipt_no: str | None = None

    @property
    def refundable_minor(self) -> int:
        if self.status is not PaymentStatus.SUCCEEDED:
            return 0
        return self.amount_minor - self.refunded_minor


@dataclass(frozen=True, slots=True)
class Allocation:
    """Part of a payment applied to an invoice; a refund adds a negative one."""

    payment_id: str
    invoice_id: int
    amount_minor: int
    refund_id: str | None = None
    invoice_no: str = ""


@dataclass(frozen=True, slots=True)
class Refund:
    id: str
    payment_id: str
    school_id: int
    student_id: int
    amount_minor: int
    currency: str
    reason: str
    status: RefundStatus
    receipt_no: int | None
    created_at: dt.datetime
    rounding_minor: int = 0
    cash_total_minor: int | None = None
    desk: str = ""
    staff: str = ""
    fingerprint: str = ""
    gateway: str | None = None
    provider_ref: str | None = None
    error: str | None = None
    #: The signed-in staff account that made it (issue 14); ``None`` on older rows.
    staff_id: int | None = None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    school_id: int
    action: str
    entity: str
    entity_id: str
    actor: Actor
    at: dt.datetime
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None


def new_id() -> str:
    """A fresh UUID4 as text: the identity and idempotency key of a payment or refund."""
    return str(uuid.uuid4())


def normalize_key(key: str | None) -> str:
    """Validate an idempotency key given from outside (any UUID form), or make one."""
    if key is None or not key.strip():
        return new_id()
    try:
        return str(uuid.UUID(key.strip()))
    except ValueError:
        raise InvalidInput(f"idempotency key must be a UUID: {key!r}") from None


def fingerprint(params: Mapping[str, Any]) -> str:
    """A stable digest of a request's parameters, stored next to its idempotency key."""
    blob = json.dumps(params, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


# --- allocation ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AllocationPlan:
    allocations: tuple[tuple[Invoice, int], ...]
    credit_minor: int

    @property
    def allocated_minor(self) -> int:
        return sum(a for _, a in self.allocations)


def plan_allocation(
    amount_minor: int,
    invoices: Sequence[Invoice],
    *,
    allow_credit: bool,
) -> AllocationPlan:
    """Spread a payment over invoices, oldest due first; what is left becomes credit.

    ``invoices`` are the candidates (already locked and re-read). Cancelled and settled ones
    are skipped.

    Raises:
        BusinessRuleError: nothing is owed, or the amount is above what is owed and credit was
            not explicitly allowed.
    """
    if amount_minor <= 0:
        raise InvalidInput("amount must be more than zero")
    open_ = sorted(
        (i for i in invoices if i.outstanding_minor > 0),
        key=lambda i: (i.due_date, i.id),
    )
    owed = sum(i.outstanding_minor for i in open_)
    if not open_ and not allow_credit:
        cancelled = [i for i in invoices if i.cancelled]
        if len(invoices) == 1 and cancelled:
            raise BusinessRuleError(f"invoice {invoices[0].invoice_no} is cancelled")
        if len(invoices) == 1:
            raise BusinessRuleError(f"invoice {invoices[0].invoice_no} is already paid")
        raise BusinessRuleError("nothing is owed")
    if amount_minor > owed and not allow_credit:
        currency = open_[0].currency
        raise BusinessRuleError(
            f"{format_money(amount_minor, currency)} is more than what is owed "
            f"({format_money(owed, currency)}); allow a credit to take more"
        )
    left = amount_minor
    out: list[tuple[Invoice, int]] = []
    for inv in open_:
        if left == 0:
            break
        take = min(left, inv.outstanding_minor)
        out.append((inv, take))
        left -= take
    return AllocationPlan(tuple(out), left)


def plan_refund_reversal(
    refund_minor: int,
    payment_amount_minor: int,
    net_allocations: Sequence[tuple[int, int]],
) -> list[tuple[int, int]]:
    """Which invoice allocations a refund takes back.

    A refund first uses the part of the payment that was left as credit, then reopens the
    invoices it paid, the last one first. ``net_allocations`` are ``(invoice_id, net amount)``
    in the order the payment applied them. Returns ``(invoice_id, amount to take back)``.
    """
    allocated = sum(a for _, a in net_allocations)
    unallocated = payment_amount_minor - allocated
    # The refunded part that credit cannot cover must come back from invoices.
    from_invoices = max(refund_minor - max(unallocated, 0), 0)
    out: list[tuple[int, int]] = []
    for invoice_id, net in reversed(net_allocations):
        if from_invoices == 0:
            break
        take = min(net, from_invoices)
        if take > 0:
            out.append((invoice_id, take))
            from_invoices -= take
    return out


# --- receipts --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    text: str
    amount_minor: int


@dataclass(frozen=True, slots=True)
class ReceiptBody:
    """Everything printed on a receipt, frozen when it was issued so a reprint is identical."""

    kind: str  # "payment" or "refund"
    #: The school's gap-free number, or a desk's offline receipt (``kasse-1-K7QD2M-O000001``):
    #: the two series are distinct by type, so they can never be confused.
    receipt_no: int | str
    issued_at: dt.datetime  # UTC
    school_name: str
    school_address: str
    school_cvr: str
    timezone: str
    student_no: str
    student_name: str
    method: str
    currency: str
    amount_minor: int
    lines: tuple[ReceiptLine, ...] = ()
    credit_minor: int = 0
    rounding_minor: int = 0
    cash_total_minor: int | None = None
    tendered_minor: int | None = None
    change_minor: int | None = None
    reference: str = ""
    reason: str = ""
    original_receipt_no: int | None = None
    payment_id: str = ""
    staff: str = ""
    desk: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "receipt_no": self.receipt_no,
            "issued_at": self.issued_at.astimezone(UTC).isoformat(),
            "school_name": self.school_name,
            "school_address": self.school_address,
            "school_cvr": self.school_cvr,
            "timezone": self.timezone,
            "student_no": self.student_no,
            "student_name": self.student_name,
            "method": self.method,
            "currency": self.currency,
            "amount_minor": self.amount_minor,
            "lines": [[ln.text, ln.amount_minor] for ln in self.lines],
            "credit_minor": self.credit_minor,
            "rounding_minor": self.rounding_minor,
            "cash_total_minor": self.cash_total_minor,
            "tendered_minor": self.tendered_minor,
            "change_minor": self.change_minor,
            "reference": self.reference,
            "reason": self.reason,
            "original_receipt_no": self.original_receipt_no,
            "payment_id": self.payment_id,
            "staff": self.staff,
            "desk": self.desk,
            "extra": dict(self.extra),
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> ReceiptBody:
        return cls(
            kind=d["kind"],
            receipt_no=d["receipt_no"]
            if isinstance(d["receipt_no"], str)
            else int(d["receipt_no"]),
            issued_at=dt.datetime.fromisoformat(d["issued_at"]),
            school_name=d["school_name"],
            school_address=d["school_address"],
            school_cvr=d["school_cvr"],
            timezone=d["timezone"],
            student_no=d["student_no"],
            student_name=d["student_name"],
            method=d["method"],
            currency=d["currency"],
            amount_minor=int(d["amount_minor"]),
            lines=tuple(ReceiptLine(t, int(a)) for t, a in d.get("lines", [])),
            credit_minor=int(d.get("credit_minor", 0)),
            rounding_minor=int(d.get("rounding_minor", 0)),
            cash_total_minor=d.get("cash_total_minor"),
            tendered_minor=d.get("tendered_minor"),
            change_minor=d.get("change_minor"),
            reference=d.get("reference", ""),
            reason=d.get("reason", ""),
            original_receipt_no=d.get("original_receipt_no"),
            payment_id=d.get("payment_id", ""),
            staff=d.get("staff", ""),
            desk=d.get("desk", ""),
            extra=d.get("extra", {}),
        )


@dataclass(frozen=True, slots=True)
class Receipt:
    school_id: int
    receipt_no: int
    kind: str
    issued_at: dt.datetime
    body: ReceiptBody
    copies_printed: int = 0
    payment_id: str | None = None
    refund_id: str | None = None


# --- online payments ---------------------------------------------------------------------------


class AttemptStatus(enum.StrEnum):
    """Where an online payment attempt stands.

    ``pending``: saved, the provider not yet called. ``unknown``: the call did not come back
    (timeout) — a retry reuses the same key and parameters. ``open``: the QR code can be shown.
    ``processing``: completed by the student, an asynchronous method is settling.
    ``review``: the provider's confirmation did not match our records (amount, currency,
    invoice, school, mode); it is flagged for staff, moved no money, and neither polling nor
    sync reopens the attempt (issue 12).
    """

    PENDING = "pending"
    UNKNOWN = "unknown"
    OPEN = "open"
    PROCESSING = "processing"
    PAID = "paid"
    FAILED = "failed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    REVIEW = "review"

    @property
    def final(self) -> bool:
        return self in (
            AttemptStatus.PAID,
            AttemptStatus.FAILED,
            AttemptStatus.EXPIRED,
            AttemptStatus.CANCELLED,
            AttemptStatus.REVIEW,
        )


@dataclass(frozen=True, slots=True)
class Attempt:
    """One try at an online payment for what is owed on one invoice."""

    id: str
    school_id: int
    student_id: int
    invoice_id: int
    invoice_no: str
    gateway: str
    mode: str
    status: AttemptStatus
    amount_minor: int
    currency: str
    request_params: Mapping[str, Any]
    created_at: dt.datetime
    provider_ref: str | None = None
    payment_ref: str | None = None
    url: str | None = None
    expires_at: dt.datetime | None = None
    payment_id: str | None = None
    error: str | None = None
    tries: int = 0
    desk: str = ""
    staff: str = ""


@dataclass(frozen=True, slots=True)
class FlaggedConfirmation:
    """A provider confirmation that did not match our records; staff must look at it."""

    id: int
    school_id: int | None
    gateway: str
    provider_ref: str
    event_id: str
    invoice_no: str
    reason: str
    amount_minor: int | None
    currency: str
    created_at: dt.datetime
    resolved_at: dt.datetime | None = None
