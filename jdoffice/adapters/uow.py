"""The SQLAlchemy unit of work and repositories behind ``jdoffice.services.ports``."""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from collections.abc import Sequence
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Engine, Row, Table, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from jdoffice.adapters.changes import SqlChanges
from jdoffice.adapters.clock import db_utcnow
from jdoffice.adapters.deferred_repo import SqlDeferredNotices
from jdoffice.adapters.integrity import SqlIntegrity
from jdoffice.adapters.notification_repo import SqlNotifications
from jdoffice.adapters.orm import (
    AllocationRow,
    AuditRow,
    BalanceRow,
    FlaggedConfirmationRow,
    InvoiceRow,
    PaymentAttemptRow,
    PaymentRow,
    PaymentSettingsRow,
    ProviderCursorRow,
    ProviderEventRow,
    ReceiptCounterRow,
    ReceiptRow,
    RefundRow,
    SchoolRow,
    StudentRow,
    StudentSearchTermRow,
)
from jdoffice.domain.errors import JdofficeError, Unavailable
from jdoffice.domain.model import (
    Actor,
    Allocation,
    Attempt,
    AttemptStatus,
    AuditEntry,
    FlaggedConfirmation,
    Invoice,
    Payment,
    PaymentStatus,
    Receipt,
    ReceiptBody,
    Refund,
    RefundStatus,
    School,
    Student,
)
from jdoffice.domain.search import SearchQuery, prefix_upper_bound
from jdoffice.services.notification_settings import NotificationSettings
from jdoffice.services.ports import DuplicateKey, NewSchool, StudentHit, TransientConflict
from jdoffice.services.settings import SettingsOverride

# MySQL/MariaDB: 1205 lock wait timeout, 1213 deadlock. PostgreSQL: SQLSTATE 40001/40P01.
_MYSQL_TRANSIENT = {1205, 1213}
_PG_TRANSIENT = {"40001", "40P01", "55P03"}
_MYSQL_UNAVAILABLE = {2002, 2003, 2005, 2006, 2013, 2055, 1040, 1045, 1049}


def translate_db_error(exc: DBAPIError) -> JdofficeError:
    """Turn a driver error into what the caller can act on."""
    orig = exc.orig
    code: Any = getattr(orig, "sqlstate", None)
    args = getattr(orig, "args", ())
    mysql_code = args[0] if args and isinstance(args[0], int) else None
    text = str(orig).lower()
    if isinstance(exc, IntegrityError):
        return DuplicateKey(f"a row with the same key was written meanwhile ({_short(orig)})")
    if code in _PG_TRANSIENT or mysql_code in _MYSQL_TRANSIENT:
        return TransientConflict(f"the database asked to retry ({_short(orig)})")
    if "database is locked" in text or "database table is locked" in text:
        return TransientConflict("the database file is busy; another desk is writing")
    if mysql_code in _MYSQL_UNAVAILABLE or isinstance(exc, OperationalError | InterfaceError):
        return Unavailable(f"database unavailable: {_short(orig)}")
    return Unavailable(f"database error: {_short(orig)}")


def _short(orig: BaseException | None) -> str:
    text = str(orig).strip().splitlines()
    return text[0][:300] if text else type(orig).__name__


def _school(r: SchoolRow | Row[Any]) -> School:
    return School(
        id=r.id,
        slug=r.slug,
        name=r.name,
        address=r.address,
        cvr=r.cvr,
        phone=r.phone,
        email=r.email,
        currency=r.currency,
        timezone=r.timezone,
    )


def _student(r: StudentRow | Row[Any]) -> Student:
    return Student(
        id=r.id,
        school_id=r.school_id,
        student_no=r.student_no,
        first_name=r.first_name,
        last_name=r.last_name,
        phone=r.phone,
        email=r.email,
    )


def _invoice(r: InvoiceRow | Row[Any]) -> Invoice:
    return Invoice(
        id=r.id,
        school_id=r.school_id,
        student_id=r.student_id,
        invoice_no=r.invoice_no,
        text=r.text,
        amount_minor=r.amount_minor,
        paid_minor=r.paid_minor,
        currency=r.currency,
        due_date=r.due_date,
        cancelled=r.cancelled_at is not None,
    )


def _payment(r: PaymentRow | Row[Any]) -> Payment:
    return Payment(
        id=r.id,
        school_id=r.school_id,
        student_id=r.student_id,
        method=r.method,
        amount_minor=r.amount_minor,
        currency=r.currency,
        status=PaymentStatus(r.status),
        refunded_minor=r.refunded_minor,
        receipt_no=r.receipt_no,
        created_at=r.created_at,
        rounding_minor=r.rounding_minor,
        cash_total_minor=r.cash_total_minor,
        tendered_minor=r.tendered_minor,
        change_minor=r.change_minor,
        reference=r.reference,
        desk=r.desk,
        staff=r.staff,
        fingerprint=r.fingerprint,
        provider_ref=r.provider_ref,
        offline_receipt_no=r.offline_receipt_no,
    )


def _refund(r: RefundRow) -> Refund:
    return Refund(
        id=r.id,
        payment_id=r.payment_id,
        school_id=r.school_id,
        student_id=r.student_id,
        amount_minor=r.amount_minor,
        currency=r.currency,
        reason=r.reason,
        status=RefundStatus(r.status),
        receipt_no=r.receipt_no,
        created_at=r.created_at,
        rounding_minor=r.rounding_minor,
        cash_total_minor=r.cash_total_minor,
        desk=r.desk,
        staff=r.staff,
        fingerprint=r.fingerprint,
        gateway=r.gateway,
        provider_ref=r.provider_ref,
        error=r.error,
    )


def _receipt(r: ReceiptRow) -> Receipt:
    return Receipt(
        school_id=r.school_id,
        receipt_no=r.receipt_no,
        kind=r.kind,
        issued_at=r.issued_at,
        body=ReceiptBody.from_json(r.body),
        copies_printed=r.copies_printed,
        payment_id=r.payment_id,
        refund_id=r.refund_id,
    )


class _Repo:
    def __init__(self, session: Session) -> None:
        self.s = session


def _table(model: type[Any]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


# Statements run for every payment and every provider event are built once, with bound
# parameters: SQLAlchemy then finds their compiled form at once instead of building the
# statement and its cache key anew on each call (a tenth of a millisecond or more each, and a
# payment runs about twenty of them). They select and write table columns, not ORM objects:
# the rows become domain objects right away, so the identity map has nothing to add.
_schools = _table(SchoolRow)
_students = _table(StudentRow)
_invoices = _table(InvoiceRow)
_payments = _table(PaymentRow)
_allocations = _table(AllocationRow)
_balances = _table(BalanceRow)
_counters = _table(ReceiptCounterRow)
_receipts = _table(ReceiptRow)
_audit = _table(AuditRow)
_attempts = _table(PaymentAttemptRow)
_events = _table(ProviderEventRow)

_SCHOOL_BY_ID = select(_schools).where(_schools.c.id == bindparam("id"))
_STUDENT_BY_ID = select(_students).where(_students.c.id == bindparam("id"))
_LOCK_STUDENT = select(_students.c.id).where(_students.c.id == bindparam("id")).with_for_update()
_LOCK_INVOICES = (
    select(_invoices)
    .where(_invoices.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(_invoices.c.id)
    .with_for_update()
)
_ADD_PAID = (
    update(_invoices)
    .where(_invoices.c.id == bindparam("invoice_id"))
    .values(paid_minor=_invoices.c.paid_minor + bindparam("delta"), updated_at=db_utcnow())
)
_INSERT_PAYMENT = insert(_payments).values(updated_at=db_utcnow())
_INSERT_ALLOCATION = insert(_allocations)
_PAYMENT_BY_PROVIDER_REF = select(_payments).where(
    _payments.c.method == bindparam("method"), _payments.c.provider_ref == bindparam("ref")
)
_ADD_BALANCE = (
    update(_balances)
    .where(_balances.c.student_id == bindparam("b_student_id"))
    .values(balance_minor=_balances.c.balance_minor + bindparam("delta"), updated_at=db_utcnow())
)
_BALANCE = select(_balances.c.balance_minor).where(
    _balances.c.student_id == bindparam("student_id")
)
_LOCK_COUNTER = (
    select(_counters.c.last_no)
    .where(_counters.c.school_id == bindparam("school_id"))
    .with_for_update()
)
_SET_COUNTER = (
    update(_counters)
    .where(_counters.c.school_id == bindparam("b_school_id"))
    .values(last_no=bindparam("next_no"), updated_at=bindparam("now"))
)
_INSERT_RECEIPT = insert(_receipts)
#: The highest receipt number a school used, per table that carries one (each is the top of
#: the unique index on ``(school_id, receipt_no)``, so it costs one index lookup).
_TOP_RECEIPT_NOS = tuple(
    select(func.max(t.c.receipt_no)).where(t.c.school_id == bindparam("school_id"))
    for t in (_receipts, _payments, _table(RefundRow))
)
_INSERT_AUDIT = insert(_audit)
_INSERT_ATTEMPT = insert(_attempts)
_ATTEMPT_WITH_INVOICE_NO = select(_attempts, _invoices.c.invoice_no).join(
    _invoices, _invoices.c.id == _attempts.c.invoice_id
)
_ATTEMPT_BY_ID = _ATTEMPT_WITH_INVOICE_NO.where(_attempts.c.id == bindparam("id"))
_LOCK_ATTEMPT = _ATTEMPT_BY_ID.with_for_update(of=_attempts)
_LOCK_ATTEMPT_BY_PROVIDER_REF = _ATTEMPT_WITH_INVOICE_NO.where(
    _attempts.c.gateway == bindparam("gateway"), _attempts.c.provider_ref == bindparam("ref")
).with_for_update(of=_attempts)
_EVENT_SEEN = select(_events.c.event_id).where(
    _events.c.gateway == bindparam("gateway"), _events.c.event_id == bindparam("event_id")
)
_INSERT_EVENT = insert(_events)


class SqlSchools(_Repo):
    def get_by_slug(self, slug: str) -> School | None:
        r = self.s.scalars(select(SchoolRow).where(SchoolRow.slug == slug)).first()
        return _school(r) if r else None

    def get(self, school_id: int) -> School | None:
        r = self.s.execute(_SCHOOL_BY_ID, {"id": school_id}).first()
        return _school(r) if r else None

    def all(self) -> list[School]:
        return [_school(r) for r in self.s.scalars(select(SchoolRow).order_by(SchoolRow.slug))]

    def add(self, school: NewSchool, now: dt.datetime) -> School:
        row = SchoolRow(
            slug=school.slug,
            name=school.name,
            address=school.address,
            cvr=school.cvr,
            phone=school.phone,
            email=school.email,
            currency=school.currency,
            timezone=school.timezone,
            created_at=now,
            updated_at=now,
        )
        self.s.add(row)
        self.s.flush()
        self.s.add(ReceiptCounterRow(school_id=row.id, last_no=0, updated_at=now))
        self.s.flush()
        return _school(row)

    def update_header(
        self, school_id: int, *, name: str, address: str, cvr: str, now: dt.datetime
    ) -> School | None:
        row = self.s.get(SchoolRow, school_id, with_for_update=True, populate_existing=True)
        if row is None:
            return None
        row.name = name
        row.address = address
        row.cvr = cvr
        row.updated_at = now
        self.s.flush()
        return _school(row)


class SqlStudents(_Repo):
    def get(self, student_id: int) -> Student | None:
        r = self.s.execute(_STUDENT_BY_ID, {"id": student_id}).first()
        return _student(r) if r else None

    def get_by_no(self, school_id: int, student_no: str) -> Student | None:
        r = self.s.scalars(
            select(StudentRow).where(
                StudentRow.school_id == school_id, StudentRow.student_no == student_no
            )
        ).first()
        return _student(r) if r else None

    def lock(self, student_id: int) -> None:
        self.s.execute(_LOCK_STUDENT, {"id": student_id}).all()

    def count(self, school_id: int) -> int:
        return int(
            self.s.scalar(
                select(func.count())
                .select_from(StudentRow)
                .where(StudentRow.school_id == school_id)
            )
            or 0
        )

    def search(self, school_id: int, query: SearchQuery, limit: int) -> list[StudentHit]:
        if query.empty:
            return []
        t = StudentSearchTermRow
        first, *rest = query.words
        conds = [t.school_id == school_id, t.term >= first, t.term < prefix_upper_bound(first)]
        for w in rest:
            other = StudentSearchTermRow.__table__.alias()
            conds.append(
                t.student_id.in_(
                    select(other.c.student_id).where(
                        other.c.school_id == school_id,
                        other.c.term >= w,
                        other.c.term < prefix_upper_bound(w),
                    )
                )
            )
        # Walking the index in term order puts exact word matches before longer words.
        ids: list[int] = []
        seen: set[int] = set()
        for (sid,) in self.s.execute(
            select(t.student_id).where(and_(*conds)).order_by(t.term).limit(limit * 4)
        ):
            if sid not in seen:
                seen.add(sid)
                ids.append(sid)
                if len(ids) >= limit:
                    break
        if not ids:
            return []
        rows = self.s.execute(
            select(
                StudentRow.id,
                StudentRow.student_no,
                StudentRow.first_name,
                StudentRow.last_name,
                StudentRow.phone,
                StudentRow.email,
                func.coalesce(BalanceRow.balance_minor, 0),
                SchoolRow.currency,
            )
            .join(SchoolRow, SchoolRow.id == StudentRow.school_id)
            .outerjoin(BalanceRow, BalanceRow.student_id == StudentRow.id)
            .where(StudentRow.id.in_(ids))
        ).all()
        order = {sid: i for i, sid in enumerate(ids)}
        hits = [
            StudentHit(
                student_id=r[0],
                student_no=r[1],
                name=f"{r[2]} {r[3]}".strip(),
                phone=r[4],
                email=r[5],
                balance_minor=int(r[6]),
                currency=r[7],
            )
            for r in rows
        ]
        hits.sort(key=lambda h: order[h.student_id])
        return hits


class SqlInvoices(_Repo):
    def get_by_no(self, school_id: int, invoice_no: str) -> Invoice | None:
        r = self.s.scalars(
            select(InvoiceRow).where(
                InvoiceRow.school_id == school_id, InvoiceRow.invoice_no == invoice_no
            )
        ).first()
        return _invoice(r) if r else None

    def for_student(self, student_id: int) -> list[Invoice]:
        rows = self.s.scalars(
            select(InvoiceRow)
            .where(InvoiceRow.student_id == student_id)
            .order_by(InvoiceRow.due_date, InvoiceRow.id)
        )
        return [_invoice(r) for r in rows]

    def lock(self, invoice_ids: Sequence[int]) -> list[Invoice]:
        rows = self.s.execute(_LOCK_INVOICES, {"ids": sorted(set(invoice_ids))})
        return [_invoice(r) for r in rows]

    def lock_for_student(self, student_id: int) -> list[Invoice]:
        rows = self.s.scalars(
            select(InvoiceRow)
            .where(InvoiceRow.student_id == student_id)
            .order_by(InvoiceRow.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return [_invoice(r) for r in rows]

    def add_paid(self, invoice_id: int, delta_minor: int, now: dt.datetime) -> None:
        self.s.execute(_ADD_PAID, {"invoice_id": invoice_id, "delta": delta_minor})


class SqlPayments(_Repo):
    def get(self, payment_id: str) -> Payment | None:
        r = self.s.get(PaymentRow, payment_id, populate_existing=True)
        return _payment(r) if r else None

    def lock(self, payment_id: str) -> Payment | None:
        r = self.s.get(PaymentRow, payment_id, with_for_update=True, populate_existing=True)
        return _payment(r) if r else None

    def add(self, payment: Payment, allocations: Sequence[Allocation]) -> None:
        self.s.execute(
            _INSERT_PAYMENT,
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
                "created_at": payment.created_at,
            },
        )
        self.add_allocations(allocations, payment.created_at)

    def add_allocations(self, allocations: Sequence[Allocation], now: dt.datetime) -> None:
        if allocations:
            self.s.execute(
                _INSERT_ALLOCATION,
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

    def for_student(self, student_id: int) -> list[Payment]:
        rows = self.s.scalars(
            select(PaymentRow)
            .where(PaymentRow.student_id == student_id)
            .order_by(PaymentRow.created_at.desc())
        )
        return [_payment(r) for r in rows]

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
        return [_payment(r) for r in rows]

    def add_refunded(self, payment_id: str, delta_minor: int, now: dt.datetime) -> None:
        self.s.execute(
            update(PaymentRow)
            .where(PaymentRow.id == payment_id)
            .values(refunded_minor=PaymentRow.refunded_minor + delta_minor, updated_at=db_utcnow())
            .execution_options(synchronize_session=False)
        )

    def by_provider_ref(self, method: str, provider_ref: str) -> Payment | None:
        r = self.s.execute(
            _PAYMENT_BY_PROVIDER_REF, {"method": method, "ref": provider_ref}
        ).first()
        return _payment(r) if r else None

    def get_refund(self, refund_id: str) -> Refund | None:
        r = self.s.get(RefundRow, refund_id, populate_existing=True)
        return _refund(r) if r else None

    def lock_refund(self, refund_id: str) -> Refund | None:
        r = self.s.get(RefundRow, refund_id, with_for_update=True, populate_existing=True)
        return _refund(r) if r else None

    def refund_by_provider_ref(self, gateway: str, provider_ref: str) -> Refund | None:
        r = self.s.scalars(
            select(RefundRow)
            .where(RefundRow.gateway == gateway, RefundRow.provider_ref == provider_ref)
            .execution_options(populate_existing=True)
        ).first()
        return _refund(r) if r else None

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
        return [_refund(r) for r in rows]

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
        return [_refund(r) for r in rows]

    def refunds_for_student(self, student_id: int) -> list[Refund]:
        rows = self.s.scalars(
            select(RefundRow)
            .where(RefundRow.student_id == student_id)
            .order_by(RefundRow.created_at)
        )
        return [_refund(r) for r in rows]

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
        return [_refund(r) for r in rows]


class SqlBalances(_Repo):
    def get(self, student_id: int) -> int:
        v = self.s.scalar(
            select(BalanceRow.balance_minor).where(BalanceRow.student_id == student_id)
        )
        return int(v) if v is not None else self.recompute(student_id)

    def add(self, student_id: int, school_id: int, delta_minor: int, now: dt.datetime) -> int:
        res = self.s.execute(_ADD_BALANCE, {"b_student_id": student_id, "delta": delta_minor})
        if getattr(res, "rowcount", 0) == 0:
            # No cached row yet (a student the web system created): the rows written so far
            # in this transaction already include the change.
            value = self.recompute(student_id)
            self.store(student_id, school_id, value, now)
            return value
        return int(self.s.scalar(_BALANCE, {"student_id": student_id}) or 0)

    def recompute(self, student_id: int) -> int:
        invoices = self.s.scalar(
            select(func.coalesce(func.sum(InvoiceRow.amount_minor), 0)).where(
                InvoiceRow.student_id == student_id, InvoiceRow.cancelled_at.is_(None)
            )
        )
        payments = self.s.scalar(
            select(func.coalesce(func.sum(PaymentRow.amount_minor), 0)).where(
                PaymentRow.student_id == student_id,
                PaymentRow.status == PaymentStatus.SUCCEEDED.value,
            )
        )
        refunds = self.s.scalar(
            select(func.coalesce(func.sum(RefundRow.amount_minor), 0)).where(
                RefundRow.student_id == student_id,
                RefundRow.status == RefundStatus.SUCCEEDED.value,
            )
        )
        return int(invoices or 0) - int(payments or 0) + int(refunds or 0)

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


class SqlReceipts(_Repo):
    def next_number(self, school_id: int, now: dt.datetime) -> int:
        """The next free receipt number of the school, taken under the counter's row lock.

        The counter is a lock and a hint, not the truth: another system sharing the database
        (the web system) may have written a payment, refund or receipt with the next number
        without moving it. Trusting it blindly would make every later payment collide with
        that number until someone fixed the counter by hand (issue 10), so the number taken is
        one past the highest of the counter and every number the school has used; with no
        gaps, because nothing between them is free.
        """
        last = self.s.scalar(_LOCK_COUNTER, {"school_id": school_id})
        used = max(
            int(self.s.scalar(stmt, {"school_id": school_id}) or 0) for stmt in _TOP_RECEIPT_NOS
        )
        if last is None:
            # Schools created by the web system have no counter yet; start after any receipt.
            self.s.execute(
                insert(ReceiptCounterRow).values(
                    school_id=school_id, last_no=used + 1, updated_at=now
                )
            )
            return used + 1
        next_no = max(int(last), used) + 1
        self.s.execute(_SET_COUNTER, {"b_school_id": school_id, "next_no": next_no, "now": now})
        return next_no

    def add(self, receipt: Receipt) -> None:
        self.s.execute(
            _INSERT_RECEIPT,
            {
                "school_id": receipt.school_id,
                "receipt_no": receipt.receipt_no,
                "kind": receipt.kind,
                "payment_id": receipt.payment_id,
                "refund_id": receipt.refund_id,
                "issued_at": receipt.issued_at,
                "copies_printed": receipt.copies_printed,
                "body": receipt.body.to_json(),
                "created_at": receipt.issued_at,
                "updated_at": receipt.issued_at,
            },
        )

    def get(self, school_id: int, receipt_no: int) -> Receipt | None:
        r = self.s.scalars(
            select(ReceiptRow).where(
                ReceiptRow.school_id == school_id, ReceiptRow.receipt_no == receipt_no
            )
        ).first()
        return _receipt(r) if r else None

    def mark_copy_printed(self, school_id: int, receipt_no: int, now: dt.datetime) -> int:
        self.s.execute(
            update(ReceiptRow)
            .where(ReceiptRow.school_id == school_id, ReceiptRow.receipt_no == receipt_no)
            .values(copies_printed=ReceiptRow.copies_printed + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(
            self.s.scalar(
                select(ReceiptRow.copies_printed).where(
                    ReceiptRow.school_id == school_id, ReceiptRow.receipt_no == receipt_no
                )
            )
            or 0
        )

    def count_between(self, school_id: int, start: dt.datetime, end: dt.datetime) -> int:
        return int(
            self.s.scalar(
                select(func.count())
                .select_from(ReceiptRow)
                .where(
                    ReceiptRow.school_id == school_id,
                    ReceiptRow.issued_at >= start,
                    ReceiptRow.issued_at < end,
                )
            )
            or 0
        )


class SqlAudit(_Repo):
    def add(self, entry: AuditEntry) -> None:
        self.s.execute(
            _INSERT_AUDIT,
            {
                "school_id": entry.school_id,
                "at": entry.at,
                "action": entry.action,
                "entity": entry.entity,
                "entity_id": entry.entity_id,
                "staff": entry.actor.staff,
                "desk": entry.actor.desk,
                "before": dict(entry.before) if entry.before is not None else None,
                "after": dict(entry.after) if entry.after is not None else None,
            },
        )

    def for_entity(self, entity: str, entity_id: str) -> list[AuditEntry]:
        rows = self.s.scalars(
            select(AuditRow)
            .where(AuditRow.entity == entity, AuditRow.entity_id == entity_id)
            .order_by(AuditRow.id)
        )
        return [
            AuditEntry(
                school_id=r.school_id or 0,
                action=r.action,
                entity=r.entity,
                entity_id=r.entity_id,
                actor=Actor(staff=r.staff, desk=r.desk),
                at=r.at,
                before=r.before,
                after=r.after,
            )
            for r in rows
        ]


def _attempt(r: PaymentAttemptRow | Row[Any], invoice_no: str) -> Attempt:
    return Attempt(
        id=r.id,
        school_id=r.school_id,
        student_id=r.student_id,
        invoice_id=r.invoice_id,
        invoice_no=invoice_no,
        gateway=r.gateway,
        mode=r.mode,
        status=AttemptStatus(r.status),
        amount_minor=r.amount_minor,
        currency=r.currency,
        request_params=r.request_params,
        created_at=r.created_at,
        provider_ref=r.provider_ref,
        payment_ref=r.payment_ref,
        url=r.url,
        expires_at=r.expires_at,
        payment_id=r.payment_id,
        error=r.error,
        tries=r.tries,
        desk=r.desk,
        staff=r.staff,
    )


_ATTEMPT_COLUMNS = {
    "status",
    "provider_ref",
    "payment_ref",
    "url",
    "expires_at",
    "payment_id",
    "error",
    "tries",
}
_UNSETTLED = (
    AttemptStatus.PENDING.value,
    AttemptStatus.UNKNOWN.value,
    AttemptStatus.OPEN.value,
    AttemptStatus.PROCESSING.value,
)


class SqlAttempts(_Repo):
    def _one(self, stmt: Any) -> Attempt | None:
        row = self.s.execute(
            stmt.add_columns(InvoiceRow.invoice_no)
            .join(InvoiceRow, InvoiceRow.id == PaymentAttemptRow.invoice_id)
            .execution_options(populate_existing=True)
        ).first()
        return _attempt(row[0], row[1]) if row else None

    def _prepared(self, stmt: Any, params: dict[str, Any]) -> Attempt | None:
        row = self.s.execute(stmt, params).first()
        return _attempt(row, row.invoice_no) if row else None

    def add(self, attempt: Attempt) -> None:
        self.s.execute(
            _INSERT_ATTEMPT,
            {
                "id": attempt.id,
                "school_id": attempt.school_id,
                "student_id": attempt.student_id,
                "invoice_id": attempt.invoice_id,
                "gateway": attempt.gateway,
                "mode": attempt.mode,
                "status": attempt.status.value,
                "amount_minor": attempt.amount_minor,
                "currency": attempt.currency,
                "request_params": dict(attempt.request_params),
                "provider_ref": attempt.provider_ref,
                "payment_ref": attempt.payment_ref,
                "url": attempt.url,
                "expires_at": attempt.expires_at,
                "payment_id": attempt.payment_id,
                "error": attempt.error,
                "tries": attempt.tries,
                "desk": attempt.desk,
                "staff": attempt.staff,
                "created_at": attempt.created_at,
                "updated_at": attempt.created_at,
            },
        )

    def get(self, attempt_id: str) -> Attempt | None:
        return self._prepared(_ATTEMPT_BY_ID, {"id": attempt_id})

    def lock(self, attempt_id: str) -> Attempt | None:
        return self._prepared(_LOCK_ATTEMPT, {"id": attempt_id})

    def lock_by_provider_ref(self, gateway: str, provider_ref: str) -> Attempt | None:
        return self._prepared(
            _LOCK_ATTEMPT_BY_PROVIDER_REF, {"gateway": gateway, "ref": provider_ref}
        )

    def latest_for_invoice(self, invoice_id: int, gateway: str) -> Attempt | None:
        return self._one(
            select(PaymentAttemptRow)
            .where(PaymentAttemptRow.invoice_id == invoice_id, PaymentAttemptRow.gateway == gateway)
            .order_by(PaymentAttemptRow.created_at.desc())
            .limit(1)
        )

    def update(self, attempt_id: str, now: dt.datetime, **fields: object) -> None:
        bad = set(fields) - _ATTEMPT_COLUMNS
        if bad:
            raise ValueError(f"cannot update attempt columns {sorted(bad)}")
        values = {k: (v.value if isinstance(v, AttemptStatus) else v) for k, v in fields.items()}
        params = {f"v_{k}": v for k, v in values.items()}
        self.s.execute(
            _attempt_update(frozenset(values)), {**params, "b_id": attempt_id, "v_updated_at": now}
        )

    def unsettled(self, school_id: int, limit: int) -> list[Attempt]:
        rows = self.s.execute(
            select(PaymentAttemptRow, InvoiceRow.invoice_no)
            .join(InvoiceRow, InvoiceRow.id == PaymentAttemptRow.invoice_id)
            .where(
                PaymentAttemptRow.school_id == school_id,
                PaymentAttemptRow.status.in_(_UNSETTLED),
            )
            .order_by(PaymentAttemptRow.created_at)
            .limit(limit)
        ).all()
        return [_attempt(r[0], r[1]) for r in rows]


def _attempt_update(columns: frozenset[str]) -> Any:
    """``UPDATE online_payment_attempts SET <columns>, updated_at WHERE id``, one per set of
    columns (there are few), built once."""
    stmt = _ATTEMPT_UPDATES.get(columns)
    if stmt is None:
        stmt = (
            update(_attempts)
            .where(_attempts.c.id == bindparam("b_id"))
            .values({c: bindparam(f"v_{c}") for c in (*sorted(columns), "updated_at")})
        )
        _ATTEMPT_UPDATES[columns] = stmt
    return stmt


_ATTEMPT_UPDATES: dict[frozenset[str], Any] = {}


class SqlEvents(_Repo):
    def seen(self, gateway: str, event_id: str) -> bool:
        found = self.s.scalar(_EVENT_SEEN, {"gateway": gateway, "event_id": event_id})
        return found is not None

    def add(
        self,
        gateway: str,
        event_id: str,
        school_id: int | None,
        type_: str,
        outcome: str,
        now: dt.datetime,
    ) -> None:
        self.s.execute(
            _INSERT_EVENT,
            {
                "gateway": gateway,
                "event_id": event_id,
                "school_id": school_id,
                "type": type_[:64],
                "outcome": outcome,
                "received_at": now,
            },
        )

    def cursor(self, school_id: int, gateway: str) -> tuple[str | None, int | None]:
        row = self.s.get(ProviderCursorRow, (school_id, gateway), populate_existing=True)
        return (row.last_event_id, row.last_event_created) if row else (None, None)

    def save_cursor(
        self, school_id: int, gateway: str, event_id: str, created: int, now: dt.datetime
    ) -> None:
        # Two syncs may run at once (two desks, or a desk and a server): the cursor only ever
        # moves forward, and the first insert wins.
        stmt = (
            update(ProviderCursorRow)
            .where(
                ProviderCursorRow.school_id == school_id,
                ProviderCursorRow.gateway == gateway,
                or_(
                    ProviderCursorRow.last_event_created.is_(None),
                    ProviderCursorRow.last_event_created <= created,
                ),
            )
            .values(last_event_id=event_id, last_event_created=created, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if getattr(self.s.execute(stmt), "rowcount", 0):
            return
        if self.s.get(ProviderCursorRow, (school_id, gateway)) is not None:
            return  # a newer cursor is stored already
        try:
            with self.s.begin_nested():
                self.s.execute(
                    insert(ProviderCursorRow).values(
                        school_id=school_id,
                        gateway=gateway,
                        last_event_id=event_id,
                        last_event_created=created,
                        updated_at=now,
                    )
                )
        except IntegrityError:
            self.s.execute(stmt)


class SqlFlags(_Repo):
    def add(
        self,
        *,
        school_id: int | None,
        gateway: str,
        provider_ref: str,
        event_id: str,
        invoice_no: str,
        reason: str,
        amount_minor: int | None,
        currency: str,
        payload: dict[str, object] | None,
        now: dt.datetime,
    ) -> int:
        res = self.s.execute(
            insert(FlaggedConfirmationRow).values(
                school_id=school_id,
                gateway=gateway,
                provider_ref=provider_ref[:255],
                event_id=event_id[:255],
                invoice_no=invoice_no[:32],
                reason=reason[:500],
                amount_minor=amount_minor,
                currency=currency[:3],
                payload=payload,
                created_at=now,
            )
        )
        pk = getattr(res, "inserted_primary_key", None)
        return int(pk[0]) if pk else 0

    def unresolved(self, school_id: int) -> list[FlaggedConfirmation]:
        rows = self.s.scalars(
            select(FlaggedConfirmationRow)
            .where(
                FlaggedConfirmationRow.school_id == school_id,
                FlaggedConfirmationRow.resolved_at.is_(None),
            )
            .order_by(FlaggedConfirmationRow.id)
        )
        return [_flag(r) for r in rows]

    def find_unresolved(
        self, school_id: int | None, gateway: str, provider_ref: str, reason: str
    ) -> int | None:
        # The same truncation as add(), so a long reason finds its own row.
        found = self.s.scalars(
            select(FlaggedConfirmationRow.id)
            .where(
                FlaggedConfirmationRow.school_id == school_id
                if school_id is not None
                else FlaggedConfirmationRow.school_id.is_(None),
                FlaggedConfirmationRow.gateway == gateway,
                FlaggedConfirmationRow.provider_ref == provider_ref[:255],
                FlaggedConfirmationRow.reason == reason[:500],
                FlaggedConfirmationRow.resolved_at.is_(None),
            )
            .order_by(FlaggedConfirmationRow.id)
            .limit(1)
        ).first()
        return int(found) if found is not None else None

    def lock(self, flag_id: int, school_id: int) -> FlaggedConfirmation | None:
        r = self.s.scalars(
            select(FlaggedConfirmationRow)
            .where(
                FlaggedConfirmationRow.id == flag_id,
                FlaggedConfirmationRow.school_id == school_id,
            )
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()
        return _flag(r) if r is not None else None

    def resolve(self, flag_id: int, now: dt.datetime) -> None:
        self.s.execute(
            update(FlaggedConfirmationRow)
            .where(FlaggedConfirmationRow.id == flag_id)
            .values(resolved_at=now)
        )


def _flag(r: FlaggedConfirmationRow) -> FlaggedConfirmation:
    return FlaggedConfirmation(
        id=r.id,
        school_id=r.school_id,
        gateway=r.gateway,
        provider_ref=r.provider_ref,
        event_id=r.event_id,
        invoice_no=r.invoice_no,
        reason=r.reason,
        amount_minor=r.amount_minor,
        currency=r.currency,
        created_at=r.created_at,
        resolved_at=r.resolved_at,
    )


class SqlSettings(_Repo):
    def get(self, school_id: int) -> SettingsOverride | None:
        r = self.s.get(PaymentSettingsRow, school_id, populate_existing=True)
        if r is None:
            return None
        return SettingsOverride(
            online_enabled=r.online_enabled,
            gateway=r.gateway,
            checkout_expiry_minutes=r.checkout_expiry_minutes,
            success_url=r.success_url,
            mode=r.mode,
        )

    def save(self, school_id: int, override: SettingsOverride, now: dt.datetime) -> None:
        r = self.s.get(PaymentSettingsRow, school_id, with_for_update=True)
        if r is None:
            r = PaymentSettingsRow(school_id=school_id, created_at=now, updated_at=now)
            self.s.add(r)
        r.online_enabled = override.online_enabled
        r.gateway = override.gateway
        r.checkout_expiry_minutes = override.checkout_expiry_minutes
        r.success_url = override.success_url
        r.mode = override.mode
        r.updated_at = now
        self.s.flush()


#: One session class for every unit of work: ``sessionmaker`` builds a new class each time.
_Sessions = sessionmaker(expire_on_commit=False, autoflush=True)


#: SQLite has one writer at a time. Threads of one process (the webhook receiver) queue on a
#: lock per engine instead of polling in SQLite's busy handler, which sleeps up to 100 ms
#: between tries; other processes are still kept apart by SQLite's own lock.
_sqlite_write_locks: weakref.WeakKeyDictionary[Engine, threading.RLock] = (
    weakref.WeakKeyDictionary()
)
_registry_lock = threading.Lock()


def _write_lock(engine: Engine) -> threading.RLock | None:
    if engine.dialect.name != "sqlite":
        return None
    with _registry_lock:
        lock = _sqlite_write_locks.get(engine)
        if lock is None:
            lock = _sqlite_write_locks[engine] = threading.RLock()
        return lock


class SqlAlchemyUnitOfWork:
    """A transaction per ``with`` block. Reusable: each block opens a fresh session.

    Database errors leaving the block are translated (``Unavailable``, ``TransientConflict``,
    ``DuplicateKey``) so services and the command line never see driver exceptions.
    """

    schools: SqlSchools
    students: SqlStudents
    invoices: SqlInvoices
    payments: SqlPayments
    balances: SqlBalances
    receipts: SqlReceipts
    audit: SqlAudit
    attempts: SqlAttempts
    events: SqlEvents
    flags: SqlFlags
    deferred: SqlDeferredNotices
    settings: SqlSettings
    notifications: SqlNotifications

    def __init__(
        self, engine: Engine, *, notification_defaults: NotificationSettings | None = None
    ) -> None:
        self.engine = engine
        self._notification_defaults = notification_defaults
        self._writer = engine.execution_options(jdoffice_write=True)
        self._write_lock = _write_lock(engine)
        self._write_next = False
        self._session: Session | None = None
        self._held: threading.RLock | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("unit of work used outside its `with` block")
        return self._session

    @property
    def changes(self) -> SqlChanges:
        """Live changes by the database's clock (``jdoffice.services.changes``)."""
        return SqlChanges(self.session)

    @property
    def integrity(self) -> SqlIntegrity:
        """The invariants checked against the rows (``jdoffice.services.integrity``)."""
        return SqlIntegrity(self.session)

    @property
    def notification_defaults(self) -> NotificationSettings:
        """The global notification settings: given, or read once from the config file and
        the environment (``jdoffice.adapters.config``)."""
        if self._notification_defaults is None:
            from jdoffice.adapters.config import default_notification_settings

            self._notification_defaults = default_notification_settings()
        return self._notification_defaults

    def write(self) -> Self:
        self._write_next = True
        return self

    def __enter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("unit of work is already open")
        write, self._write_next = self._write_next, False
        if write and self._write_lock is not None:
            self._write_lock.acquire()
            self._held = self._write_lock
        try:
            s = _Sessions(bind=self._writer if write else self.engine)
        except BaseException:
            self._release()
            raise
        self._session = s
        self.schools = SqlSchools(s)
        self.students = SqlStudents(s)
        self.invoices = SqlInvoices(s)
        self.payments = SqlPayments(s)
        self.balances = SqlBalances(s)
        self.receipts = SqlReceipts(s)
        self.audit = SqlAudit(s)
        self.attempts = SqlAttempts(s)
        self.events = SqlEvents(s)
        self.flags = SqlFlags(s)
        self.deferred = SqlDeferredNotices(s)
        self.settings = SqlSettings(s)
        self.notifications = SqlNotifications(s)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        s, self._session = self._session, None
        if s is None:
            return
        try:
            s.rollback()
            s.close()
        except DBAPIError as close_exc:
            if exc is None:
                raise translate_db_error(close_exc) from close_exc
        finally:
            self._release()
        if isinstance(exc, DBAPIError):
            raise translate_db_error(exc) from exc

    def _release(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            held.release()

    def commit(self) -> None:
        try:
            self.session.commit()
        except DBAPIError as exc:
            raise translate_db_error(exc) from exc

    def rollback(self) -> None:
        self.session.rollback()
