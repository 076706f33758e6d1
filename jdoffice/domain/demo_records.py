"""The records of demo data: a school, a student, an invoice, a payment, the part of a
payment applied to one invoice, and a student's bundle of all of them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

#: The school's time zone; "today", issue days and due dates are local days there.
TIMEZONE: Final = "Europe/Copenhagen"


@dataclass(frozen=True, slots=True)
class DemoSchool:
    slug: str
    name: str
    address: str
    cvr: str
    phone: str
    email: str
    currency: str = "DKK"
    timezone: str = TIMEZONE


@dataclass(frozen=True, slots=True)
class DemoStudent:
    student_no: str
    first_name: str
    last_name: str
    phone: str  # "+45 XX XX XX XX", or "" when the student gave none
    email: str  # "" when the student gave none
    created_at: dt.datetime  # UTC


@dataclass(frozen=True, slots=True)
class DemoInvoice:
    student_no: str
    invoice_no: str
    text: str
    amount_minor: int
    due_date: dt.date  # the school's local day
    issued_at: dt.datetime  # UTC
    cancelled: bool


@dataclass(frozen=True, slots=True)
class DemoPayment:
    student_no: str
    method: str  # "cash" | "bank" | "mobilepay"
    amount_minor: int
    paid_at: dt.datetime  # UTC
    invoice_nos: tuple[str, ...]  # the invoices it pays, oldest due first


@dataclass(frozen=True, slots=True)
class DemoAllocation:
    """Part of ``payments[payment_index]`` applied to one invoice."""

    payment_index: int
    invoice_no: str
    amount_minor: int


@dataclass(frozen=True, slots=True)
class DemoBundle:
    """One student with everything that belongs to them, in the order it happened."""

    student: DemoStudent
    invoices: tuple[DemoInvoice, ...]  # by issue time, which is also oldest due first
    payments: tuple[DemoPayment, ...]  # by paid_at
    allocations: tuple[DemoAllocation, ...]  # oldest due first, payment by payment

    def paid_by_invoice(self) -> dict[str, int]:
        """What the payments settled on each invoice (0 for unpaid and cancelled ones)."""
        paid = {inv.invoice_no: 0 for inv in self.invoices}
        for a in self.allocations:
            paid[a.invoice_no] += a.amount_minor
        return paid

    @property
    def credit_minor(self) -> int:
        """What was paid beyond the invoices: the student's credit."""
        paid = sum(p.amount_minor for p in self.payments)
        return paid - sum(a.amount_minor for a in self.allocations)
