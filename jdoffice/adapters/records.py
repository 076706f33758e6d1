"""Writing students and invoices, one at a time or in bulk (the demo school).

In production students and invoices come from the school's web system; jdoffice writes them
for the demo school, for tests and benchmarks. Every student written here gets its search
terms and a cached balance, exactly as the desk expects.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from operator import itemgetter
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, delete, func, insert, select
from sqlalchemy.orm import Session

from jdoffice.adapters.orm import (
    AllocationRow,
    AuditRow,
    BalanceRow,
    InvoiceRow,
    PaymentRow,
    SchoolRow,
    StudentRow,
    StudentSearchTermRow,
)
from jdoffice.domain.demo import DemoBundle
from jdoffice.domain.errors import BusinessRuleError, InvalidInput
from jdoffice.domain.model import UTC, Invoice, School, Student
from jdoffice.domain.search import student_terms

#: Namespace for the UUIDs of demo payments: the same seed gives the same ids.
DEMO_NAMESPACE = uuid.UUID("9a0e6f1e-3c1e-4c55-8c7f-6a1d2c0b5e11")


def add_student(
    session: Session,
    school: School,
    *,
    student_no: str,
    first_name: str,
    last_name: str,
    phone: str = "",
    email: str = "",
    now: dt.datetime | None = None,
) -> Student:
    when = now or dt.datetime.now(UTC)
    if not student_no.strip() or not (first_name.strip() or last_name.strip()):
        raise InvalidInput("a student needs a number and a name")
    row = StudentRow(
        school_id=school.id,
        student_no=student_no.strip(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        phone=phone.strip(),
        email=email.strip(),
        created_at=when,
        updated_at=when,
    )
    session.add(row)
    session.flush()
    index_student(
        session,
        school.id,
        row.id,
        row.first_name,
        row.last_name,
        row.student_no,
        row.phone,
        row.email,
    )
    session.add(
        BalanceRow(
            student_id=row.id,
            school_id=school.id,
            balance_minor=0,
            currency=school.currency,
            created_at=when,
            updated_at=when,
        )
    )
    session.flush()
    return Student(
        row.id, school.id, row.student_no, row.first_name, row.last_name, row.phone, row.email
    )


def index_student(
    session: Session,
    school_id: int,
    student_id: int,
    first_name: str,
    last_name: str,
    student_no: str,
    phone: str,
    email: str,
) -> None:
    """(Re)write the search terms of one student."""
    session.execute(
        delete(StudentSearchTermRow).where(StudentSearchTermRow.student_id == student_id)
    )
    terms = student_terms(first_name, last_name, student_no, phone, email)
    if terms:
        session.execute(
            insert(StudentSearchTermRow),
            [{"school_id": school_id, "term": t, "student_id": student_id} for t in sorted(terms)],
        )


def add_invoice(
    session: Session,
    school: School,
    student: Student,
    *,
    invoice_no: str,
    text: str,
    amount_minor: int,
    due_date: dt.date,
    cancelled: bool = False,
    now: dt.datetime | None = None,
) -> Invoice:
    when = now or dt.datetime.now(UTC)
    if amount_minor <= 0:
        raise InvalidInput("an invoice amount must be more than zero")
    row = InvoiceRow(
        school_id=school.id,
        student_id=student.id,
        invoice_no=invoice_no,
        text=text,
        amount_minor=amount_minor,
        paid_minor=0,
        currency=school.currency,
        due_date=due_date,
        issued_at=when,
        cancelled_at=when if cancelled else None,
        created_at=when,
        updated_at=when,
    )
    session.add(row)
    session.flush()
    if not cancelled:
        bal = session.get(BalanceRow, student.id, with_for_update=True)
        if bal is None:
            raise BusinessRuleError(f"student {student.student_no} has no balance row")
        bal.balance_minor += amount_minor
        bal.updated_at = when
        session.flush()
    return Invoice(
        row.id,
        school.id,
        student.id,
        invoice_no,
        text,
        amount_minor,
        0,
        school.currency,
        due_date,
        cancelled,
    )


@dataclass(frozen=True, slots=True)
class LoadCounts:
    students: int = 0
    invoices: int = 0
    payments: int = 0


def load_bundles(engine: Engine, school: School, chunks: Iterable[list[DemoBundle]]) -> LoadCounts:
    """Bulk-insert demo students with their invoices, payments and allocations.

    Each chunk is one transaction of ``executemany`` inserts; ids are assigned here so rows
    can reference each other without a round trip per row. Historical payments carry no desk
    receipt (receipts start with the first payment taken at the desk).
    """
    students = invoices = payments = 0
    with engine.connect() as conn:
        next_student = int(conn.scalar(select(func.coalesce(func.max(StudentRow.id), 0))) or 0) + 1
        next_invoice = int(conn.scalar(select(func.coalesce(func.max(InvoiceRow.id), 0))) or 0) + 1
    now = dt.datetime.now(UTC)
    for chunk in chunks:
        s_rows: list[dict[str, object]] = []
        t_rows: list[dict[str, object]] = []
        i_rows: list[dict[str, object]] = []
        p_rows: list[dict[str, object]] = []
        a_rows: list[dict[str, object]] = []
        b_rows: list[dict[str, object]] = []
        for b in chunk:
            st = b.student
            sid = next_student
            next_student += 1
            s_rows.append(
                {
                    "id": sid,
                    "school_id": school.id,
                    "student_no": st.student_no,
                    "first_name": st.first_name,
                    "last_name": st.last_name,
                    "phone": st.phone,
                    "email": st.email,
                    "created_at": st.created_at,
                    "updated_at": st.created_at,
                }
            )
            for term in student_terms(
                st.first_name, st.last_name, st.student_no, st.phone, st.email
            ):
                t_rows.append({"school_id": school.id, "term": term, "student_id": sid})
            paid = b.paid_by_invoice()
            inv_ids: dict[str, int] = {}
            balance = 0
            for inv in b.invoices:
                iid = next_invoice
                next_invoice += 1
                inv_ids[inv.invoice_no] = iid
                i_rows.append(
                    {
                        "id": iid,
                        "school_id": school.id,
                        "student_id": sid,
                        "invoice_no": inv.invoice_no,
                        "text": inv.text,
                        "amount_minor": inv.amount_minor,
                        "paid_minor": paid[inv.invoice_no],
                        "currency": school.currency,
                        "due_date": inv.due_date,
                        "issued_at": inv.issued_at,
                        "cancelled_at": inv.issued_at if inv.cancelled else None,
                        "created_at": inv.issued_at,
                        "updated_at": inv.issued_at,
                    }
                )
                if not inv.cancelled:
                    balance += inv.amount_minor
            pay_ids: list[str] = []
            for k, p in enumerate(b.payments):
                pid = str(uuid.uuid5(DEMO_NAMESPACE, f"{school.slug}:{st.student_no}:{k}"))
                pay_ids.append(pid)
                p_rows.append(
                    {
                        "id": pid,
                        "school_id": school.id,
                        "student_id": sid,
                        "method": p.method,
                        "status": "succeeded",
                        "amount_minor": p.amount_minor,
                        "refunded_minor": 0,
                        "currency": school.currency,
                        "rounding_minor": 0,
                        "cash_total_minor": None,
                        "tendered_minor": None,
                        "change_minor": None,
                        "reference": "",
                        "receipt_no": None,
                        "desk": "web",
                        "staff": "",
                        "fingerprint": "",
                        "created_at": p.paid_at,
                        "updated_at": p.paid_at,
                    }
                )
                balance -= p.amount_minor
            for a in b.allocations:
                a_rows.append(
                    {
                        "payment_id": pay_ids[a.payment_index],
                        "invoice_id": inv_ids[a.invoice_no],
                        "refund_id": None,
                        "amount_minor": a.amount_minor,
                        "created_at": b.payments[a.payment_index].paid_at,
                    }
                )
            b_rows.append(
                {
                    "student_id": sid,
                    "school_id": school.id,
                    "balance_minor": balance,
                    "currency": school.currency,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        # In key order: a chunk's terms land on neighbouring pages of the terms index rather
        # than all over it (at a million students the index is far larger than the cache).
        t_rows.sort(key=itemgetter("term"))
        with engine.begin() as conn:
            conn.execute(insert(StudentRow), s_rows)
            conn.execute(insert(StudentSearchTermRow), t_rows)
            if i_rows:
                conn.execute(insert(InvoiceRow), i_rows)
            if p_rows:
                conn.execute(insert(PaymentRow), p_rows)
            if a_rows:
                conn.execute(insert(AllocationRow), a_rows)
            conn.execute(insert(BalanceRow), b_rows)
        students += len(s_rows)
        invoices += len(i_rows)
        payments += len(p_rows)
    if engine.dialect.name == "postgresql":
        # Explicit ids do not move PostgreSQL's sequences; later inserts would collide.
        with engine.begin() as conn:
            for table in ("students", "student_invoices", "student_payment_allocations"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                )
    return LoadCounts(students, invoices, payments)


def seed_demo(
    engine: Engine,
    *,
    students: int,
    seed: int,
    force: bool = False,
    today: dt.date | None = None,
    chunk_size: int = 5000,
) -> tuple[School, LoadCounts]:
    """Create the demo school with ``students`` students. Same seed, same data.

    Raises:
        BusinessRuleError: the database already holds a school and ``force`` is not set.
    """
    from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
    from jdoffice.domain.demo import demo_school, iter_bundle_chunks
    from jdoffice.services.ports import NewSchool

    if students < 0 or students > 2_000_000:
        raise InvalidInput("students must be between 0 and 2 000 000")
    if school_has_data(engine):
        if not force:
            raise BusinessRuleError(
                "the database already holds a school; use --force to replace everything in it"
            )
        wipe(engine)
    info = demo_school(seed)
    day = today or dt.datetime.now(UTC).astimezone(ZoneInfo(info.timezone)).date()
    uow = SqlAlchemyUnitOfWork(engine)
    with uow.write():
        school = uow.schools.add(
            NewSchool(
                slug=info.slug,
                name=info.name,
                address=info.address,
                cvr=info.cvr,
                phone=info.phone,
                email=info.email,
                currency=info.currency,
                timezone=info.timezone,
            ),
            dt.datetime.now(UTC),
        )
        uow.commit()
    counts = load_bundles(
        engine, school, iter_bundle_chunks(students, seed, day, chunk_size=chunk_size)
    )
    with uow.write():
        audit_demo(uow.session, school, counts, seed)
        uow.commit()
    return school, counts


def school_has_data(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(SchoolRow)) != 0


def wipe(engine: Engine) -> None:
    """Delete every row jdoffice knows (``demo --force``), children first."""
    from jdoffice.adapters.orm import Base

    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


def audit_demo(session: Session, school: School, counts: LoadCounts, seed: int) -> None:
    session.execute(
        insert(AuditRow).values(
            school_id=school.id,
            at=dt.datetime.now(UTC),
            action="demo.seeded",
            entity="school",
            entity_id=school.slug,
            staff="",
            desk="",
            before=None,
            after={
                "students": counts.students,
                "invoices": counts.invoices,
                "payments": counts.payments,
                "seed": seed,
            },
        )
    )
