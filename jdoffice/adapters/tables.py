"""The Core tables behind the ORM models, for statements that skip the ORM."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table

from jdoffice.adapters.orm import (
    AllocationRow,
    AuditRow,
    BalanceRow,
    InvoiceRow,
    PaymentAttemptRow,
    PaymentRow,
    ProviderEventRow,
    ReceiptCounterRow,
    ReceiptRow,
    RefundRow,
    SchoolRow,
    ShiftMovementRow,
    ShiftRow,
    StaffRow,
    StudentRow,
    StudentSearchTermRow,
)


def table_of(model: type[Any]) -> Table:
    """The ``Table`` of an ORM model, typed as one."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


SCHOOLS = table_of(SchoolRow)
STUDENTS = table_of(StudentRow)
INVOICES = table_of(InvoiceRow)
PAYMENTS = table_of(PaymentRow)
ALLOCATIONS = table_of(AllocationRow)
BALANCES = table_of(BalanceRow)
RECEIPT_COUNTERS = table_of(ReceiptCounterRow)
RECEIPTS = table_of(ReceiptRow)
AUDIT = table_of(AuditRow)
ATTEMPTS = table_of(PaymentAttemptRow)
PROVIDER_EVENTS = table_of(ProviderEventRow)
REFUNDS = table_of(RefundRow)
SEARCH_TERMS = table_of(StudentSearchTermRow)
STAFF = table_of(StaffRow)
SHIFTS = table_of(ShiftRow)
SHIFT_MOVEMENTS = table_of(ShiftMovementRow)
