"""A desk's shift and its cash-up: the opening float, pay-ins and pay-outs, the blind count
at close and the Z-report (issue 14).

A shift belongs to one desk. Its cash is worked out from the money rows of that desk in the
shift's time window (opened at, up to closed at or now): the float, plus what cash payments
brought into the drawer (their rounded cash totals), minus what cash refunds paid out (their
rounded totals), plus pay-ins, minus pay-outs. :func:`cash_up` makes the figures; the
services freeze them on the shift when it closes, so a reprint of the Z-report is what was
printed at the close.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jdoffice.domain.errors import BusinessRuleError
from jdoffice.domain.model import Payment, PaymentStatus, Refund, RefundStatus

MAX_REASON = 200
MAX_NOTE = 500


class NoOpenShift(BusinessRuleError):
    """Cash needs an open shift on the desk (exit 3); the desk offers to open one."""


class MovementKind(enum.StrEnum):
    PAY_IN = "pay_in"
    PAY_OUT = "pay_out"


@dataclass(frozen=True, slots=True)
class Movement:
    """Cash put into (a pay-in) or taken out of (a pay-out) a desk's drawer, with a reason."""

    id: str
    shift_id: str
    school_id: int
    kind: MovementKind
    amount_minor: int
    currency: str
    reason: str
    staff_id: int
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Shift:
    """One desk's shift. ``z_no`` is given at the first close (Z1, Z2, … per desk) and kept
    when a manager reopens and closes it again."""

    id: str
    school_id: int
    desk: str
    currency: str
    float_minor: int
    opened_at: dt.datetime
    opened_by_id: int
    closed_at: dt.datetime | None = None
    closed_by_id: int | None = None
    z_no: int | None = None
    counted_minor: int | None = None
    expected_minor: int | None = None
    variance_minor: int | None = None
    note: str = ""
    report: Mapping[str, Any] | None = None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True, slots=True)
class MethodTotal:
    """What one method took and gave back in a shift (exact amounts, not cash totals)."""

    method: str
    payments: int
    payments_minor: int
    refunds: int
    refunds_minor: int

    @property
    def net_minor(self) -> int:
        return self.payments_minor - self.refunds_minor


@dataclass(frozen=True, slots=True)
class CashUp:
    """The figures of a shift's drawer, computed from its rows."""

    float_minor: int
    cash_payments_minor: int
    cash_refunds_minor: int
    pay_ins_minor: int
    pay_outs_minor: int
    rounding_minor: int
    methods: tuple[MethodTotal, ...]
    receipt_from: int | None
    receipt_to: int | None
    payments: int
    refunds: int

    @property
    def cash_in_minor(self) -> int:
        """Cash that came into the drawer: cash payments' totals and pay-ins."""
        return self.cash_payments_minor + self.pay_ins_minor

    @property
    def cash_out_minor(self) -> int:
        """Cash that left the drawer: cash refunds paid out and pay-outs."""
        return self.cash_refunds_minor + self.pay_outs_minor

    @property
    def expected_minor(self) -> int:
        return self.float_minor + self.cash_in_minor - self.cash_out_minor


def in_window(when: dt.datetime, start: dt.datetime, end: dt.datetime | None) -> bool:
    """Whether ``when`` is in the shift's window ``[start, end)`` (open-ended while open)."""
    return when >= start and (end is None or when < end)


def cash_up(
    float_minor: int,
    payments: Iterable[Payment],
    refunds: Iterable[tuple[Refund, str]],
    movements: Iterable[Movement],
    *,
    is_cash: Mapping[str, bool],
) -> CashUp:
    """The drawer's figures from the shift's succeeded payments, its succeeded refunds (each
    with the method of the payment it gives back) and its movements. ``is_cash`` says which
    methods put cash in the drawer (a method it does not know is not cash)."""
    paid = [p for p in payments if p.status is PaymentStatus.SUCCEEDED]
    back = [(r, m) for r, m in refunds if r.status is RefundStatus.SUCCEEDED]
    moves = list(movements)
    methods: dict[str, list[int]] = {}
    for p in paid:
        row = methods.setdefault(p.method, [0, 0, 0, 0])
        row[0] += 1
        row[1] += p.amount_minor
    for r, method in back:
        row = methods.setdefault(method, [0, 0, 0, 0])
        row[2] += 1
        row[3] += r.amount_minor
    cash_paid = [p for p in paid if is_cash.get(p.method)]
    cash_back = [r for r, m in back if is_cash.get(m)]
    receipts = [n for n in (*(p.receipt_no for p in paid), *(r.receipt_no for r, _ in back)) if n]
    return CashUp(
        float_minor=float_minor,
        cash_payments_minor=sum(_cash(p.amount_minor, p.cash_total_minor) for p in cash_paid),
        cash_refunds_minor=sum(_cash(r.amount_minor, r.cash_total_minor) for r in cash_back),
        pay_ins_minor=sum(m.amount_minor for m in moves if m.kind is MovementKind.PAY_IN),
        pay_outs_minor=sum(m.amount_minor for m in moves if m.kind is MovementKind.PAY_OUT),
        rounding_minor=sum(p.rounding_minor for p in cash_paid)
        - sum(r.rounding_minor for r in cash_back),
        methods=tuple(MethodTotal(k, *v) for k, v in sorted(methods.items())),
        receipt_from=min(receipts) if receipts else None,
        receipt_to=max(receipts) if receipts else None,
        payments=len(paid),
        refunds=len(back),
    )


def _cash(amount_minor: int, cash_total_minor: int | None) -> int:
    """What crossed the counter: the rounded cash total, or the amount on older rows."""
    return amount_minor if cash_total_minor is None else cash_total_minor


@dataclass(frozen=True, slots=True)
class ZReport:
    """A closed shift's report, numbered per desk (Z1, Z2, …); reprinted as KOPI."""

    school_id: int
    shift_id: str
    desk: str
    z_no: int
    currency: str
    opened_at: dt.datetime
    closed_at: dt.datetime
    opened_by: str
    closed_by: str
    float_minor: int
    cash_payments_minor: int
    cash_refunds_minor: int
    pay_ins_minor: int
    pay_outs_minor: int
    cash_in_minor: int
    cash_out_minor: int
    rounding_minor: int
    expected_minor: int
    counted_minor: int
    variance_minor: int
    methods: tuple[MethodTotal, ...]
    receipt_from: int | None
    receipt_to: int | None
    payments: int
    refunds: int
    movements: tuple[tuple[str, int, str], ...] = ()
    note: str = ""
    #: Payments this desk took offline that were still waiting to be sent to the shared
    #: database when the shift closed: how many, and their amount.
    unsent_payments: int = 0
    unsent_minor: int = 0

    @property
    def label(self) -> str:
        return f"Z{self.z_no}"

    def to_json(self) -> dict[str, Any]:
        return {
            "school_id": self.school_id,
            "shift_id": self.shift_id,
            "desk": self.desk,
            "z_no": self.z_no,
            "currency": self.currency,
            "opened_at": self.opened_at.astimezone(dt.UTC).isoformat(),
            "closed_at": self.closed_at.astimezone(dt.UTC).isoformat(),
            "opened_by": self.opened_by,
            "closed_by": self.closed_by,
            "float_minor": self.float_minor,
            "cash_payments_minor": self.cash_payments_minor,
            "cash_refunds_minor": self.cash_refunds_minor,
            "pay_ins_minor": self.pay_ins_minor,
            "pay_outs_minor": self.pay_outs_minor,
            "cash_in_minor": self.cash_in_minor,
            "cash_out_minor": self.cash_out_minor,
            "rounding_minor": self.rounding_minor,
            "expected_minor": self.expected_minor,
            "counted_minor": self.counted_minor,
            "variance_minor": self.variance_minor,
            "methods": [
                [m.method, m.payments, m.payments_minor, m.refunds, m.refunds_minor]
                for m in self.methods
            ],
            "receipt_from": self.receipt_from,
            "receipt_to": self.receipt_to,
            "payments": self.payments,
            "refunds": self.refunds,
            "movements": [list(m) for m in self.movements],
            "note": self.note,
            "unsent_payments": self.unsent_payments,
            "unsent_minor": self.unsent_minor,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> ZReport:
        return cls(
            school_id=int(d["school_id"]),
            shift_id=str(d["shift_id"]),
            desk=str(d["desk"]),
            z_no=int(d["z_no"]),
            currency=str(d["currency"]),
            opened_at=dt.datetime.fromisoformat(d["opened_at"]),
            closed_at=dt.datetime.fromisoformat(d["closed_at"]),
            opened_by=str(d["opened_by"]),
            closed_by=str(d["closed_by"]),
            float_minor=int(d["float_minor"]),
            cash_payments_minor=int(d["cash_payments_minor"]),
            cash_refunds_minor=int(d["cash_refunds_minor"]),
            pay_ins_minor=int(d["pay_ins_minor"]),
            pay_outs_minor=int(d["pay_outs_minor"]),
            cash_in_minor=int(d["cash_in_minor"]),
            cash_out_minor=int(d["cash_out_minor"]),
            rounding_minor=int(d["rounding_minor"]),
            expected_minor=int(d["expected_minor"]),
            counted_minor=int(d["counted_minor"]),
            variance_minor=int(d["variance_minor"]),
            methods=tuple(
                MethodTotal(str(m), int(a), int(b), int(c), int(e))
                for m, a, b, c, e in d.get("methods", [])
            ),
            receipt_from=d.get("receipt_from"),
            receipt_to=d.get("receipt_to"),
            payments=int(d.get("payments", 0)),
            refunds=int(d.get("refunds", 0)),
            movements=tuple((str(k), int(a), str(r)) for k, a, r in d.get("movements", [])),
            note=str(d.get("note", "")),
            unsent_payments=int(d.get("unsent_payments", 0)),
            unsent_minor=int(d.get("unsent_minor", 0)),
        )


def z_report(
    shift: Shift,
    figures: CashUp,
    *,
    z_no: int,
    closed_at: dt.datetime,
    counted_minor: int,
    opened_by: str,
    closed_by: str,
    movements: Sequence[Movement],
    note: str,
    unsent: tuple[int, int] = (0, 0),
) -> ZReport:
    """The Z-report of ``shift`` closed at ``closed_at`` with ``counted_minor`` in the
    drawer. A shortfall is a negative variance, recorded as it is. ``unsent`` is the count
    and amount of this desk's offline payments still waiting to be sent at the close."""
    return ZReport(
        school_id=shift.school_id,
        shift_id=shift.id,
        desk=shift.desk,
        z_no=z_no,
        currency=shift.currency,
        opened_at=shift.opened_at,
        closed_at=closed_at,
        opened_by=opened_by,
        closed_by=closed_by,
        float_minor=figures.float_minor,
        cash_payments_minor=figures.cash_payments_minor,
        cash_refunds_minor=figures.cash_refunds_minor,
        pay_ins_minor=figures.pay_ins_minor,
        pay_outs_minor=figures.pay_outs_minor,
        cash_in_minor=figures.cash_in_minor,
        cash_out_minor=figures.cash_out_minor,
        rounding_minor=figures.rounding_minor,
        expected_minor=figures.expected_minor,
        counted_minor=counted_minor,
        variance_minor=counted_minor - figures.expected_minor,
        methods=figures.methods,
        receipt_from=figures.receipt_from,
        receipt_to=figures.receipt_to,
        payments=figures.payments,
        refunds=figures.refunds,
        movements=tuple((m.kind.value, m.amount_minor, m.reason) for m in movements),
        note=note,
        unsent_payments=unsent[0],
        unsent_minor=unsent[1],
    )
