"""The change log behind ``jdoffice.services.changes``: rows by ``updated_at``, read against
the database server's clock, and search terms written again for students changed by others.

One ``UNION ALL`` of index range scans (every table read here has an index on
``updated_at``) per poll, plus one ``SELECT`` of the server's clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, literal, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import cast
from sqlalchemy.types import String

from jdoffice.adapters.clock import db_utcnow
from jdoffice.adapters.orm import (
    BalanceRow,
    InvoiceRow,
    PaymentRow,
    RefundRow,
    StudentRow,
    StudentSearchTermRow,
    UTCDateTime,
)
from jdoffice.domain.search import student_terms
from jdoffice.services.changes import ChangedRow


def _table(model: type[Any]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


_students = _table(StudentRow)
_invoices = _table(InvoiceRow)
_payments = _table(PaymentRow)
_refunds = _table(RefundRow)
_balances = _table(BalanceRow)
_terms = _table(StudentSearchTermRow)

_CLOCK = select(db_utcnow())


def _part(name: str, table: Table, key: Any, student: Any, shown: Any) -> Any:
    """``(table, key, student, updated_at, what a desk shows)`` of one table's recent rows."""
    return select(
        literal(name, String(16)).label("tbl"),
        cast(key, String(64)).label("key"),
        student.label("student_id"),
        table.c.updated_at.label("updated_at"),
        cast(shown, String(64)).label("shown"),
    ).where(
        # Typed as a plain UTC time so every database compares it with the column as stored.
        table.c.updated_at >= bindparam("since", type_=UTCDateTime()),
        table.c.school_id == bindparam("school_id"),
    )


_CHANGED = union_all(
    _part("students", _students, _students.c.id, _students.c.id, _students.c.student_no),
    _part(
        "invoices",
        _invoices,
        _invoices.c.id,
        _invoices.c.student_id,
        _invoices.c.paid_minor,
    ),
    _part(
        "payments",
        _payments,
        _payments.c.id,
        _payments.c.student_id,
        _payments.c.refunded_minor,
    ),
    _part("refunds", _refunds, _refunds.c.id, _refunds.c.student_id, _refunds.c.status),
    _part(
        "balances",
        _balances,
        _balances.c.student_id,
        _balances.c.student_id,
        _balances.c.balance_minor,
    ),
)


class SqlChanges:
    """``jdoffice.services.changes.ChangeLog`` on one session."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def now(self) -> dt.datetime:
        value = self.s.execute(_CLOCK).scalar_one()
        assert isinstance(value, dt.datetime)
        return value

    def changed_since(self, school_id: int, since: dt.datetime) -> list[ChangedRow]:
        rows = self.s.execute(_CHANGED, {"since": since, "school_id": school_id}).all()
        out: list[ChangedRow] = []
        for tbl, key, student_id, updated_at, shown in rows:
            when = _utc(updated_at)
            out.append(
                ChangedRow(
                    table=str(tbl),
                    key=str(key),
                    student_id=int(student_id),
                    updated_at=when,
                    version=f"{when.isoformat()}|{shown}",
                )
            )
        return out

    def stale_terms(self, school_id: int, student_ids: Sequence[int]) -> list[int]:
        if not student_ids:
            return []
        wanted = self._wanted(school_id, student_ids)
        stored: dict[int, set[str]] = {sid: set() for sid in wanted}
        for sid, term in self.s.execute(
            select(_terms.c.student_id, _terms.c.term).where(_terms.c.student_id.in_(list(wanted)))
        ):
            stored[int(sid)].add(str(term))
        return [sid for sid, terms in wanted.items() if stored[sid] != terms]

    def reindex(self, school_id: int, student_id: int) -> bool:
        # The row lock keeps two desks from rewriting the same student's terms at once (the
        # second would hit the first's new rows); the second then finds them right.
        locked = self.s.execute(
            select(_students.c.id).where(_students.c.id == student_id).with_for_update()
        ).first()
        if locked is None or not self.stale_terms(school_id, [student_id]):
            return False
        terms = self._wanted(school_id, [student_id]).get(student_id, set())
        self.s.execute(delete(_terms).where(_terms.c.student_id == student_id))
        if terms:
            self.s.execute(
                insert(_terms),
                [
                    {"school_id": school_id, "term": t, "student_id": student_id}
                    for t in sorted(terms)
                ],
            )
        return True

    def unindexed(self, school_id: int, after_id: int, limit: int) -> list[int]:
        has_terms = select(_terms.c.student_id).where(_terms.c.student_id == _students.c.id)
        rows = self.s.scalars(
            select(_students.c.id)
            .where(
                _students.c.school_id == school_id,
                _students.c.id > after_id,
                ~has_terms.exists(),
            )
            .order_by(_students.c.id)
            .limit(limit)
        )
        return [int(i) for i in rows]

    def _wanted(self, school_id: int, student_ids: Sequence[int]) -> dict[int, set[str]]:
        """The terms each student's row calls for now."""
        rows = self.s.execute(
            select(
                _students.c.id,
                _students.c.first_name,
                _students.c.last_name,
                _students.c.student_no,
                _students.c.phone,
                _students.c.email,
            ).where(_students.c.id.in_(list(student_ids)), _students.c.school_id == school_id)
        )
        return {
            int(r[0]): student_terms(r[1] or "", r[2] or "", r[3] or "", r[4] or "", r[5] or "")
            for r in rows
        }


def _utc(value: Any) -> dt.datetime:
    """A union's column comes back as the database gives it (SQLite: text)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
