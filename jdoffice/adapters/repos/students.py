"""Students (and their search), their invoices and their cached balances."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, insert, select, update

from jdoffice.adapters.clock import db_utcnow
from jdoffice.adapters.mapping import to_invoice, to_student
from jdoffice.adapters.orm import (
    BalanceRow,
    InvoiceRow,
    SchoolRow,
    StudentRow,
)
from jdoffice.adapters.repos.base import Repo
from jdoffice.adapters.statements import (
    ADD_BALANCE,
    ADD_BALANCE_RETURNING,
    ADD_PAID,
    BALANCE,
    INVOICE_BY_NO,
    LOCK_INVOICE,
    LOCK_INVOICE_BY_NO,
    LOCK_INVOICES,
    LOCK_STUDENT,
    LOCK_STUDENT_BY_INVOICE_NO,
    LOCK_STUDENT_BY_NO,
    LOCK_STUDENT_INVOICES,
    RECOMPUTE_BALANCE,
    STUDENT_BY_ID,
)
from jdoffice.domain.debtors import OwedRow
from jdoffice.domain.model import Invoice, Student


class SqlStudents(Repo):
    def get(self, student_id: int) -> Student | None:
        r = self.run(STUDENT_BY_ID, {"id": student_id}).first()
        return to_student(r) if r else None

    def numbers(self, student_ids: Sequence[int]) -> dict[int, str]:
        ids = list(dict.fromkeys(student_ids))
        out: dict[int, str] = {}
        for i in range(0, len(ids), 500):
            rows = self.s.execute(
                select(StudentRow.id, StudentRow.student_no).where(
                    StudentRow.id.in_(ids[i : i + 500])
                )
            )
            out.update({int(r[0]): str(r[1]) for r in rows})
        return out

    def get_by_no(self, school_id: int, student_no: str) -> Student | None:
        r = self.s.scalars(
            select(StudentRow).where(
                StudentRow.school_id == school_id, StudentRow.student_no == student_no
            )
        ).first()
        return to_student(r) if r else None

    def lock(self, student_id: int) -> Student | None:
        r = self.run(LOCK_STUDENT, {"id": student_id}).first()
        return to_student(r) if r else None

    def lock_by_invoice_no(self, school_id: int, invoice_no: str) -> Student | None:
        r = self.run(
            LOCK_STUDENT_BY_INVOICE_NO, {"school_id": school_id, "invoice_no": invoice_no}
        ).first()
        return to_student(r) if r else None

    def lock_by_no(self, school_id: int, student_no: str) -> Student | None:
        r = self.run(LOCK_STUDENT_BY_NO, {"school_id": school_id, "student_no": student_no}).first()
        return to_student(r) if r else None

    def count(self, school_id: int) -> int:
        return int(
            self.s.scalar(
                select(func.count())
                .select_from(StudentRow)
                .where(StudentRow.school_id == school_id)
            )
            or 0
        )


class SqlInvoices(Repo):
    def get_by_no(self, school_id: int, invoice_no: str) -> Invoice | None:
        r = self.run(INVOICE_BY_NO, {"school_id": school_id, "invoice_no": invoice_no}).first()
        return to_invoice(r) if r else None

    def for_student(self, student_id: int) -> list[Invoice]:
        rows = self.s.scalars(
            select(InvoiceRow)
            .where(InvoiceRow.student_id == student_id)
            .order_by(InvoiceRow.due_date, InvoiceRow.id)
        )
        return [to_invoice(r) for r in rows]

    def lock(self, invoice_ids: Sequence[int]) -> list[Invoice]:
        ids = sorted(set(invoice_ids))
        if len(ids) == 1:
            r = self.run(LOCK_INVOICE, {"id": ids[0]}).first()
            return [to_invoice(r)] if r else []
        rows = self.s.execute(LOCK_INVOICES, {"ids": ids})
        return [to_invoice(r) for r in rows]

    def lock_by_no(self, school_id: int, invoice_no: str) -> Invoice | None:
        r = self.run(LOCK_INVOICE_BY_NO, {"school_id": school_id, "invoice_no": invoice_no}).first()
        return to_invoice(r) if r else None

    def lock_for_student(self, student_id: int) -> list[Invoice]:
        rows = self.run(LOCK_STUDENT_INVOICES, {"student_id": student_id})
        return [to_invoice(r) for r in rows]

    def add_paid(self, invoice_id: int, delta_minor: int, now: dt.datetime) -> None:
        self.run(ADD_PAID, {"invoice_id": invoice_id, "delta": delta_minor})

    def issued(self, student_id: int) -> dict[int, dt.datetime]:
        rows = self.s.execute(
            select(InvoiceRow.id, InvoiceRow.issued_at).where(InvoiceRow.student_id == student_id)
        )
        return {int(r[0]): r[1] for r in rows}

    def owed(self, school_id: int, currency: str) -> list[OwedRow]:
        rows = self.s.execute(
            select(
                StudentRow.id,
                StudentRow.student_no,
                StudentRow.first_name,
                StudentRow.last_name,
                StudentRow.phone,
                StudentRow.email,
                InvoiceRow.id,
                InvoiceRow.invoice_no,
                InvoiceRow.text,
                InvoiceRow.due_date,
                InvoiceRow.amount_minor - InvoiceRow.paid_minor,
                BalanceRow.balance_minor,
            )
            .join(StudentRow, StudentRow.id == InvoiceRow.student_id)
            .outerjoin(BalanceRow, BalanceRow.student_id == StudentRow.id)
            .where(
                InvoiceRow.school_id == school_id,
                StudentRow.school_id == school_id,
                InvoiceRow.currency == currency,
                InvoiceRow.cancelled_at.is_(None),
                InvoiceRow.amount_minor > InvoiceRow.paid_minor,
            )
            .order_by(StudentRow.id, InvoiceRow.due_date, InvoiceRow.id)
        )
        return [
            OwedRow(
                student_id=int(r[0]),
                student_no=str(r[1]),
                first_name=str(r[2] or ""),
                last_name=str(r[3] or ""),
                phone=str(r[4] or ""),
                email=str(r[5] or ""),
                invoice_id=int(r[6]),
                invoice_no=str(r[7]),
                text=str(r[8] or ""),
                due_date=r[9],
                outstanding_minor=int(r[10]),
                balance_minor=int(r[11]) if r[11] is not None else None,
            )
            for r in rows
        ]


class SqlBalances(Repo):
    def get(self, student_id: int) -> int:
        v = self.s.scalar(
            select(BalanceRow.balance_minor).where(BalanceRow.student_id == student_id)
        )
        return int(v) if v is not None else self.recompute(student_id)

    def add(self, student_id: int, school_id: int, delta_minor: int, now: dt.datetime) -> int:
        params = {"b_student_id": student_id, "delta": delta_minor}
        if self.s.get_bind().dialect.update_returning:
            # PostgreSQL and SQLite give the new balance back with the update: one round trip.
            value = self.run(ADD_BALANCE_RETURNING, params).scalar()
            if value is not None:
                return int(value)
            value = self.recompute(student_id)
            self.store(student_id, school_id, value, now)
            return value
        res = self.run(ADD_BALANCE, params)
        if getattr(res, "rowcount", 0) == 0:
            # No cached row yet (a student the web system created): the rows written so far
            # in this transaction already include the change.
            value = self.recompute(student_id)
            self.store(student_id, school_id, value, now)
            return value
        return int(self.run(BALANCE, {"student_id": student_id}).scalar() or 0)

    def recompute(self, student_id: int) -> int:
        invoiced, paid, refunded = self.run(RECOMPUTE_BALANCE, {"student_id": student_id}).one()
        return int(invoiced or 0) - int(paid or 0) + int(refunded or 0)

    def store(self, student_id: int, school_id: int, balance_minor: int, now: dt.datetime) -> None:
        res = self.s.execute(
            update(BalanceRow)
            .where(BalanceRow.student_id == student_id)
            .values(balance_minor=balance_minor, updated_at=db_utcnow())
            .execution_options(synchronize_session=False)
        )
        if getattr(res, "rowcount", 0) == 0:
            currency = self.s.scalar(select(SchoolRow.currency).where(SchoolRow.id == school_id))
            self.s.execute(
                insert(BalanceRow).values(
                    student_id=student_id,
                    school_id=school_id,
                    balance_minor=balance_minor,
                    currency=currency or "DKK",
                    created_at=now,
                    updated_at=db_utcnow(),
                )
            )
