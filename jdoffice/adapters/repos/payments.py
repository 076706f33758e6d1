"""Payments, their allocations to invoices, and refunds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, insert, select, update

from jdoffice.adapters.clock import db_utcnow
from jdoffice.adapters.mapping import to_payment, to_refund
from jdoffice.adapters.orm import AllocationRow, InvoiceRow, PaymentRow, RefundRow
from jdoffice.adapters.repos.base import Repo
from jdoffice.adapters.statements import (
    INSERT_ALLOCATION,
    INSERT_PAYMENT,
    PAYMENT_BY_ID,
    PAYMENT_BY_PROVIDER_REF,
    PAYMENT_EXISTS,
)
from jdoffice.domain.model import Allocation, Payment, PaymentStatus, Refund, RefundStatus

#: Ids per ``IN (…)`` list when many rows are read at once.
CHUNK = 500


class SqlPayments(Repo):
    def get(self, payment_id: str) -> Payment | None:
        r = self.run(PAYMENT_BY_ID, {"id": payment_id}).first()
        return to_payment(r) if r else None

    def exists(self, payment_id: str) -> bool:
        return self.run(PAYMENT_EXISTS, {"id": payment_id}).first() is not None

    def lock(self, payment_id: str) -> Payment | None:
        r = self.s.get(PaymentRow, payment_id, with_for_update=True, populate_existing=True)
        return to_payment(r) if r else None

    def add(self, payment: Payment, allocations: Sequence[Allocation]) -> None:
        self.run(
            INSERT_PAYMENT,
            {
                "id": payment.id,
                "school_id": payment.school_id,
                "student_id": payment.student_id,
                "method": payment.method,
                "status": payment.status.value,
                "amount_minor": payment.amount_minor,
                "refunded_minor": payment.refunded_minor,
                "currency": payment.currency,
                "rounding_minor": payment.rounding_minor,
                "cash_total_minor": payment.cash_total_minor,
                "tendered_minor": payment.tendered_minor,
                "change_minor": payment.change_minor,
                "reference": payment.reference,
                "receipt_no": payment.receipt_no,
                "desk": payment.desk,
                "staff": payment.staff,
                "fingerprint": payment.fingerprint,
                "provider_ref": payment.provider_ref,
                "staff_id": payment.staff_id,
                "created_at": payment.created_at,
            },
        )
        self.add_allocations(allocations, payment.created_at)

    def add_allocations(self, allocations: Sequence[Allocation], now: dt.datetime) -> None:
        if allocations:
            self.run(
                INSERT_ALLOCATION,
                [
                    {
                        "payment_id": a.payment_id,
                        "invoice_id": a.invoice_id,
                        "refund_id": a.refund_id,
                        "amount_minor": a.amount_minor,
                        "created_at": now,
                    }
                    for a in allocations
                ],
            )

    def allocations(self, payment_id: str) -> list[Allocation]:
        rows = self.s.execute(
            select(
                AllocationRow.payment_id,
                AllocationRow.invoice_id,
                AllocationRow.amount_minor,
                AllocationRow.refund_id,
                InvoiceRow.invoice_no,
            )
            .join(InvoiceRow, InvoiceRow.id == AllocationRow.invoice_id)
            .where(AllocationRow.payment_id == payment_id)
            .order_by(AllocationRow.id)
        )
        return [Allocation(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    def allocations_of(self, payment_ids: Sequence[str]) -> dict[str, list[Allocation]]:
        out: dict[str, list[Allocation]] = {pid: [] for pid in payment_ids}
        ids = list(out)
        for i in range(0, len(ids), CHUNK):
            rows = self.s.execute(
                select(
                    AllocationRow.payment_id,
                    AllocationRow.invoice_id,
                    AllocationRow.amount_minor,
                    AllocationRow.refund_id,
                    InvoiceRow.invoice_no,
                )
                .join(InvoiceRow, InvoiceRow.id == AllocationRow.invoice_id)
                .where(AllocationRow.payment_id.in_(ids[i : i + CHUNK]))
                .order_by(AllocationRow.id)
            )
            for r in rows:
                out[r[0]].append(Allocation(r[0], r[1], r[2], r[3], r[4]))
        return out

    def for_student(self, student_id: int) -> list[Payment]:
        rows = self.s.scalars(
            select(PaymentRow)
            .where(PaymentRow.student_id == student_id)
            .order_by(PaymentRow.created_at.desc())
        )
        return [to_payment(r) for r in rows]

    def between(self, school_id: int, start: dt.datetime, end: dt.datetime) -> list[Payment]:
        rows = self.s.scalars(
            select(PaymentRow)
            .where(
                PaymentRow.school_id == school_id,
                PaymentRow.created_at >= start,
                PaymentRow.created_at < end,
            )
            .order_by(PaymentRow.created_at)
        )
        return [to_payment(r) for r in rows]

    def succeeded_between(
        self, school_id: int, start: dt.datetime, end: dt.datetime
    ) -> list[Payment]:
        rows = self.s.execute(
            select(PaymentRow.__table__)
            .where(
                PaymentRow.school_id == school_id,
                PaymentRow.status == PaymentStatus.SUCCEEDED.value,
                PaymentRow.created_at >= start,
                PaymentRow.created_at < end,
            )
            .order_by(PaymentRow.created_at, PaymentRow.id)
        )
        return [to_payment(r) for r in rows]

    def add_refunded(self, payment_id: str, delta_minor: int, now: dt.datetime) -> None:
        self.s.execute(
            update(PaymentRow)
            .where(PaymentRow.id == payment_id)
            .values(refunded_minor=PaymentRow.refunded_minor + delta_minor, updated_at=db_utcnow())
            .execution_options(synchronize_session=False)
        )

    def by_provider_ref(self, method: str, provider_ref: str) -> Payment | None:
        r = self.run(PAYMENT_BY_PROVIDER_REF, {"method": method, "ref": provider_ref}).first()
        return to_payment(r) if r else None

    def get_refund(self, refund_id: str) -> Refund | None:
        r = self.s.get(RefundRow, refund_id, populate_existing=True)
        return to_refund(r) if r else None

    def lock_refund(self, refund_id: str) -> Refund | None:
        r = self.s.get(RefundRow, refund_id, with_for_update=True, populate_existing=True)
        return to_refund(r) if r else None

    def refund_by_provider_ref(self, gateway: str, provider_ref: str) -> Refund | None:
        r = self.s.scalars(
            select(RefundRow)
            .where(RefundRow.gateway == gateway, RefundRow.provider_ref == provider_ref)
            .execution_options(populate_existing=True)
        ).first()
        return to_refund(r) if r else None

    def update_refund(self, refund_id: str, now: dt.datetime, **fields: object) -> None:
        allowed = {"status", "provider_ref", "receipt_no", "error", "gateway"}
        bad = set(fields) - allowed
        if bad:
            raise ValueError(f"cannot update refund columns {sorted(bad)}")
        self.s.execute(
            update(RefundRow)
            .where(RefundRow.id == refund_id)
            .values(**fields, updated_at=db_utcnow())
            .execution_options(synchronize_session=False)
        )

    def pending_refunds(self, school_id: int, gateway: str) -> list[Refund]:
        rows = self.s.scalars(
            select(RefundRow)
            .where(
                RefundRow.school_id == school_id,
                RefundRow.gateway == gateway,
                RefundRow.status == RefundStatus.PENDING.value,
            )
            .order_by(RefundRow.created_at)
        )
        return [to_refund(r) for r in rows]

    def pending_refunds_minor(self, payment_id: str) -> int:
        return int(
            self.s.scalar(
                select(func.coalesce(func.sum(RefundRow.amount_minor), 0)).where(
                    RefundRow.payment_id == payment_id,
                    RefundRow.status == RefundStatus.PENDING.value,
                )
            )
            or 0
        )

    def add_refund(self, refund: Refund, reversals: Sequence[Allocation]) -> None:
        self.s.execute(
            insert(RefundRow).values(
                id=refund.id,
                payment_id=refund.payment_id,
                school_id=refund.school_id,
                student_id=refund.student_id,
                amount_minor=refund.amount_minor,
                currency=refund.currency,
                reason=refund.reason,
                status=refund.status.value,
                rounding_minor=refund.rounding_minor,
                cash_total_minor=refund.cash_total_minor,
                receipt_no=refund.receipt_no,
                desk=refund.desk,
                staff=refund.staff,
                fingerprint=refund.fingerprint,
                gateway=refund.gateway,
                provider_ref=refund.provider_ref,
                error=refund.error,
                staff_id=refund.staff_id,
                created_at=refund.created_at,
                updated_at=db_utcnow(),
            )
        )
        self.add_allocations(reversals, refund.created_at)

    def refunds_for_payment(self, payment_id: str) -> list[Refund]:
        rows = self.s.scalars(
            select(RefundRow)
            .where(RefundRow.payment_id == payment_id)
            .order_by(RefundRow.created_at)
        )
        return [to_refund(r) for r in rows]

    def refunds_for_student(self, student_id: int) -> list[Refund]:
        rows = self.s.scalars(
            select(RefundRow)
            .where(RefundRow.student_id == student_id)
            .order_by(RefundRow.created_at)
        )
        return [to_refund(r) for r in rows]

    def refunds_between(self, school_id: int, start: dt.datetime, end: dt.datetime) -> list[Refund]:
        rows = self.s.scalars(
            select(RefundRow)
            .where(
                RefundRow.school_id == school_id,
                RefundRow.created_at >= start,
                RefundRow.created_at < end,
            )
            .order_by(RefundRow.created_at)
        )
        return [to_refund(r) for r in rows]
