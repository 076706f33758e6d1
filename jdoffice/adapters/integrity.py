"""``jdoffice db check``'s queries: every row of the shared database that breaks an invariant.

Each check is one query that reads only columns every revision since 0001 has, so it also
runs on a database that revision 0006 (which makes the database refuse most of these rows)
refused to upgrade, to find what stopped it. The same checks, limited to one student, tell
the desk whether the student on screen is touched by one (:mod:`jdoffice.services.integrity`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    Table,
    and_,
    bindparam,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from jdoffice.adapters.orm import (
    AllocationRow,
    BalanceRow,
    InvoiceRow,
    PaymentRow,
    ReceiptCounterRow,
    ReceiptRow,
    RefundRow,
    SchoolRow,
    StudentRow,
)
from jdoffice.domain.integrity import Inconsistency, Problem
from jdoffice.domain.model import PaymentStatus, RefundStatus

#: What revision 0006's CHECK constraints accept (kept here too: a database that has not
#: reached it yet is checked against the same rules).
PAYMENT_STATUSES = tuple(s.value for s in PaymentStatus)
REFUND_STATUSES = tuple(s.value for s in RefundStatus)
RECEIPT_KINDS = ("payment", "refund")
CURRENCY = re.compile(r"[A-Z]{3}")


def _t(model: type[Any]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


SCHOOLS = _t(SchoolRow)
STUDENTS = _t(StudentRow)
INVOICES = _t(InvoiceRow)
PAYMENTS = _t(PaymentRow)
REFUNDS = _t(RefundRow)
ALLOCATIONS = _t(AllocationRow)
RECEIPTS = _t(ReceiptRow)
BALANCES = _t(BalanceRow)
COUNTERS = _t(ReceiptCounterRow)

_Make = Callable[[Row[Any]], Inconsistency]

#: The checks' statements per narrowing shape (school given, student given); see
#: :meth:`SqlIntegrity._prepared`. Built on first use; a race builds the same twice.
_Prepared = tuple[list[tuple[Select[Any], _Make]], Select[Any], Select[*tuple[Any, ...]]]
_PREPARED: dict[tuple[bool, bool], _Prepared] = {}


class SqlIntegrity:
    """The checks, on one session; ``school_id`` and ``student_id`` narrow them down."""

    def __init__(self, session: Session | Connection) -> None:
        self.s = session

    def find(
        self, school_id: int | None = None, student_id: int | None = None
    ) -> list[Inconsistency]:
        """Every inconsistency of the school (or the database), or touching one student."""
        self._school, self._student = school_id, student_id
        checks, balances, probe = self._prepared()
        params = {"i_school_id": school_id, "i_student_id": student_id}
        found: list[Inconsistency] = []
        # One round trip says which checks find anything (usually none); only those run.
        hits = self.s.execute(probe, params).one()
        for (stmt, make), hit in zip(checks, hits, strict=True):
            if hit:
                found.extend(make(r) for r in self.s.execute(stmt, params))
        found.extend(self._balances(balances, params))
        found.extend(self._school_currencies())
        if student_id is None:
            found.extend(self._counters())
        unique = {(i.problem, i.table, i.row_id, i.detail): i for i in found}
        return sorted(unique.values(), key=lambda i: i.sort_key)

    # -- narrowing -------------------------------------------------------------------------

    def _prepared(self) -> _Prepared:
        """The checks' statements for this narrowing, built once per shape (the whole
        database, a school, a student, a school's student) with the school and the student
        as parameters: the desk asks about every student it opens, and building some thirty
        statements each time cost more than running them.

        Beside them, the probe: one statement asking of every check whether it finds a row
        (``EXISTS``), so a student with nothing wrong costs one round trip, not thirty (a
        desk on a database across the network waits for each)."""
        shape = (self._school is not None, self._student is not None)
        prepared = _PREPARED.get(shape)
        if prepared is None:
            checks = list(self._checks())
            probe: Select[*tuple[Any, ...]] = select(
                *(stmt.exists().label(f"c{i}") for i, (stmt, _) in enumerate(checks))
            )
            prepared = _PREPARED[shape] = (checks, self._balances_statement(), probe)
        return prepared

    def _where(self, school: Any, student: Any) -> ColumnElement[bool]:
        conds: list[ColumnElement[bool]] = []
        if self._school is not None and school is not None:
            conds.append(school == bindparam("i_school_id"))
        if self._student is not None and student is not None:
            conds.append(student == bindparam("i_student_id"))
        return and_(true(), *conds)

    # -- the checks ------------------------------------------------------------------------

    def _checks(self) -> Iterator[tuple[Select[Any], _Make]]:
        inv, p, r, a, rc, b = INVOICES, PAYMENTS, REFUNDS, ALLOCATIONS, RECEIPTS, BALANCES
        s, st = SCHOOLS, STUDENTS

        def row(problem: Problem, table: str, detail: Callable[[Row[Any]], str]) -> _Make:
            return lambda x: Inconsistency(
                problem,
                table,
                str(x.id),
                x.school_id,
                x.student_id,
                detail(x),
                getattr(x, "other_school_id", None),
            )

        # Amounts and statuses.
        yield (
            select(
                inv.c.id, inv.c.school_id, inv.c.student_id, inv.c.invoice_no, inv.c.amount_minor
            )
            .where(inv.c.amount_minor < 0)
            .where(self._where(inv.c.school_id, inv.c.student_id)),
            row(
                Problem.BAD_AMOUNT,
                "student_invoices",
                lambda x: f"invoice {x.invoice_no} has a negative amount ({x.amount_minor})",
            ),
        )
        yield (
            select(p.c.id, p.c.school_id, p.c.student_id, p.c.amount_minor, p.c.refunded_minor)
            .where(
                or_(
                    p.c.amount_minor <= 0,
                    p.c.refunded_minor < 0,
                    p.c.refunded_minor > p.c.amount_minor,
                )
            )
            .where(self._where(p.c.school_id, p.c.student_id)),
            row(
                Problem.BAD_AMOUNT,
                "student_payments",
                lambda x: (
                    f"payment of {x.amount_minor} with {x.refunded_minor} refunded "
                    "(a payment is positive and refunds stay between 0 and its amount)"
                ),
            ),
        )
        yield (
            select(r.c.id, r.c.school_id, r.c.student_id, r.c.amount_minor)
            .where(r.c.amount_minor <= 0)
            .where(self._where(r.c.school_id, r.c.student_id)),
            row(
                Problem.BAD_AMOUNT,
                "student_refunds",
                lambda x: f"refund of {x.amount_minor} (a refund is positive)",
            ),
        )
        yield (
            select(a.c.id, p.c.school_id, p.c.student_id, a.c.amount_minor, a.c.payment_id)
            .select_from(a.outerjoin(p, p.c.id == a.c.payment_id))
            .where(or_(a.c.amount_minor == 0, and_(a.c.refund_id.is_(None), a.c.amount_minor < 0)))
            .where(self._where(p.c.school_id, p.c.student_id)),
            row(
                Problem.BAD_AMOUNT,
                "student_payment_allocations",
                lambda x: (
                    f"allocation of {x.amount_minor} from payment {x.payment_id} "
                    "(only a refund takes money back from an invoice)"
                ),
            ),
        )
        yield (
            select(p.c.id, p.c.school_id, p.c.student_id, p.c.status)
            .where(p.c.status.not_in(PAYMENT_STATUSES))
            .where(self._where(p.c.school_id, p.c.student_id)),
            row(Problem.UNKNOWN_STATUS, "student_payments", lambda x: f"status {x.status!r}"),
        )
        yield (
            select(r.c.id, r.c.school_id, r.c.student_id, r.c.status)
            .where(r.c.status.not_in(REFUND_STATUSES))
            .where(self._where(r.c.school_id, r.c.student_id)),
            row(Problem.UNKNOWN_STATUS, "student_refunds", lambda x: f"status {x.status!r}"),
        )
        yield (
            select(rc.c.id, rc.c.school_id, p.c.student_id, rc.c.kind)
            .select_from(rc.outerjoin(p, p.c.id == rc.c.payment_id))
            .where(rc.c.kind.not_in(RECEIPT_KINDS))
            .where(self._where(rc.c.school_id, p.c.student_id)),
            row(Problem.UNKNOWN_STATUS, "receipts", lambda x: f"receipt kind {x.kind!r}"),
        )

        # The rows that carry a student, a school and a currency.
        money_rows = (
            (inv, "student_invoices", "invoice"),
            (p, "student_payments", "payment"),
            (r, "student_refunds", "refund"),
            (b, "student_balances", "cached balance"),
        )

        # Money in a currency other than the school's.
        for table, name, what in money_rows:
            yield (
                select(
                    table.c[_key(table)].label("id"),
                    table.c.school_id,
                    table.c.student_id,
                    table.c.currency,
                    s.c.currency.label("school_currency"),
                )
                .select_from(table.join(s, s.c.id == table.c.school_id))
                .where(table.c.currency != s.c.currency)
                .where(self._where(table.c.school_id, table.c.student_id)),
                row(
                    Problem.FOREIGN_CURRENCY,
                    name,
                    _fmt(
                        "{what} in {x.currency} at a school that keeps its books in {x.school_currency}",
                        what,
                    ),
                ),
            )

        # Rows of one school about another school's student, payment or refund.
        for table, name, what in money_rows:
            yield (
                select(
                    table.c[_key(table)].label("id"),
                    table.c.school_id,
                    table.c.student_id,
                    st.c.school_id.label("other_school_id"),
                )
                .select_from(table.join(st, st.c.id == table.c.student_id))
                .where(st.c.school_id != table.c.school_id)
                .where(self._where(table.c.school_id, table.c.student_id)),
                row(
                    Problem.MIXED_SCHOOLS,
                    name,
                    _fmt(
                        "{what} of school {x.school_id} for a student of school {x.other_school_id}",
                        what,
                    ),
                ),
            )
        yield (
            select(
                r.c.id,
                r.c.school_id,
                r.c.student_id,
                p.c.id.label("payment_id"),
                p.c.school_id.label("other_school_id"),
                p.c.student_id.label("p_student_id"),
            )
            .select_from(r.join(p, p.c.id == r.c.payment_id))
            .where(or_(p.c.school_id != r.c.school_id, p.c.student_id != r.c.student_id))
            .where(self._where(r.c.school_id, r.c.student_id)),
            row(
                Problem.MIXED_SCHOOLS,
                "student_refunds",
                lambda x: (
                    f"refund of school {x.school_id}, student {x.student_id} on payment "
                    f"{x.payment_id} of school {x.other_school_id}, student {x.p_student_id}"
                ),
            ),
        )
        # Narrowed from each side in turn (one OR across both tables would read them whole).
        for side in (p, inv):
            yield (
                select(
                    a.c.id,
                    p.c.school_id,
                    p.c.student_id,
                    a.c.payment_id,
                    inv.c.invoice_no,
                    inv.c.school_id.label("other_school_id"),
                    inv.c.student_id.label("i_student_id"),
                )
                .select_from(
                    a.join(p, p.c.id == a.c.payment_id).join(inv, inv.c.id == a.c.invoice_id)
                )
                .where(or_(p.c.school_id != inv.c.school_id, p.c.student_id != inv.c.student_id))
                .where(self._where(side.c.school_id, side.c.student_id)),
                row(
                    Problem.MIXED_SCHOOLS,
                    "student_payment_allocations",
                    lambda x: (
                        f"payment {x.payment_id} (school {x.school_id}, student "
                        f"{x.student_id}) pays invoice {x.invoice_no} of school {x.other_school_id}, "
                        f"student {x.i_student_id}"
                    ),
                ),
            )
        for fk, parent, what in ((rc.c.payment_id, p, "payment"), (rc.c.refund_id, r, "refund")):
            yield (
                select(
                    rc.c.id,
                    rc.c.school_id,
                    parent.c.student_id,
                    rc.c.receipt_no,
                    parent.c.school_id.label("other_school_id"),
                )
                .select_from(rc.join(parent, parent.c.id == fk))
                .where(parent.c.school_id != rc.c.school_id)
                .where(self._where(rc.c.school_id, parent.c.student_id)),
                row(
                    Problem.MIXED_SCHOOLS,
                    "receipts",
                    _fmt(
                        "receipt {x.receipt_no} of school {x.school_id} for a {what} of school {x.other_school_id}",
                        what,
                    ),
                ),
            )

        # Rows pointing at nothing (foreign keys off, or rows written before they existed).
        for table, name, fk, parent, what in (
            (inv, "student_invoices", inv.c.student_id, st, "student"),
            (p, "student_payments", p.c.student_id, st, "student"),
            (r, "student_refunds", r.c.payment_id, p, "payment"),
        ):
            yield (
                select(table.c.id, table.c.school_id, table.c.student_id, fk.label("ref"))
                .select_from(table.outerjoin(parent, parent.c.id == fk))
                .where(parent.c.id.is_(None))
                .where(self._where(table.c.school_id, table.c.student_id)),
                row(
                    Problem.ORPHAN,
                    name,
                    _fmt("points at {what} {x.ref}, which does not exist", what),
                ),
            )
        for fk, parent, other, what in (
            (a.c.payment_id, p, inv, "payment"),
            (a.c.invoice_id, inv, p, "invoice"),
        ):
            yield (
                select(
                    a.c.id,
                    func.coalesce(p.c.school_id, inv.c.school_id).label("school_id"),
                    func.coalesce(p.c.student_id, inv.c.student_id).label("student_id"),
                    fk.label("ref"),
                )
                .select_from(
                    a.outerjoin(p, p.c.id == a.c.payment_id).outerjoin(
                        inv, inv.c.id == a.c.invoice_id
                    )
                )
                .where(parent.c.id.is_(None))
                .where(self._where(other.c.school_id, other.c.student_id)),
                row(
                    Problem.ORPHAN,
                    "student_payment_allocations",
                    _fmt("points at {what} {x.ref}, which does not exist", what),
                ),
            )

        # A payment's refunded total is the sum of its succeeded refunds.
        refunded = (
            select(func.coalesce(func.sum(r.c.amount_minor), 0))
            .where(r.c.payment_id == p.c.id, r.c.status == RefundStatus.SUCCEEDED.value)
            .scalar_subquery()
        )
        yield (
            select(
                p.c.id, p.c.school_id, p.c.student_id, p.c.refunded_minor, refunded.label("total")
            )
            .where(p.c.refunded_minor != refunded)
            .where(self._where(p.c.school_id, p.c.student_id)),
            row(
                Problem.REFUNDED_MISMATCH,
                "student_payments",
                lambda x: (
                    f"says {x.refunded_minor} refunded; its succeeded refunds come to {x.total}"
                ),
            ),
        )

        # One receipt per payment and per refund.
        for column, kind, what in (
            (rc.c.payment_id, "payment", "payment"),
            (rc.c.refund_id, "refund", "refund"),
        ):
            yield (
                select(
                    column.label("id"),
                    func.min(rc.c.school_id).label("school_id"),
                    func.min(p.c.student_id).label("student_id"),
                    func.count().label("n"),
                )
                .select_from(rc.outerjoin(p, p.c.id == rc.c.payment_id))
                .where(column.is_not(None), rc.c.kind == kind)
                .where(self._where(rc.c.school_id, p.c.student_id))
                .group_by(column)
                .having(func.count() > 1),
                row(
                    Problem.DUPLICATE_RECEIPT,
                    "receipts",
                    _fmt("{x.n} receipts for {what} {x.id} (one is issued per {what})", what),
                ),
            )

    def _balances_statement(self) -> Select[Any]:
        """Cached balances beside what they recompute to (Σ invoices not cancelled − Σ
        succeeded payments + Σ succeeded refunds; docs/architecture.md, "Invariants")."""
        b, inv, p, r = BALANCES, INVOICES, PAYMENTS, REFUNDS

        def total(table: Table, *where: ColumnElement[bool]) -> Any:
            return (
                select(func.coalesce(func.sum(table.c.amount_minor), 0))
                .where(table.c.student_id == b.c.student_id, *where)
                .scalar_subquery()
            )

        return select(
            b.c.student_id,
            b.c.school_id,
            b.c.balance_minor,
            total(inv, inv.c.cancelled_at.is_(None)).label("invoiced"),
            total(p, p.c.status == PaymentStatus.SUCCEEDED.value).label("paid"),
            total(r, r.c.status == RefundStatus.SUCCEEDED.value).label("refunded"),
        ).where(self._where(b.c.school_id, b.c.student_id))

    def _balances(self, stmt: Select[Any], params: dict[str, Any]) -> Iterator[Inconsistency]:
        """Cached balances that do not recompute."""
        for x in self.s.execute(stmt, params):
            recomputed = int(x.invoiced) - int(x.paid) + int(x.refunded)
            if int(x.balance_minor) != recomputed:
                yield Inconsistency(
                    Problem.BALANCE_MISMATCH,
                    "student_balances",
                    str(x.student_id),
                    x.school_id,
                    x.student_id,
                    f"cached balance {x.balance_minor}, recomputed from the rows {recomputed}",
                )

    def _school_currencies(self) -> Iterator[Inconsistency]:
        if self._student is not None:
            return
        stmt = select(SCHOOLS.c.id, SCHOOLS.c.currency)
        if self._school is not None:
            stmt = stmt.where(SCHOOLS.c.id == self._school)
        for x in self.s.execute(stmt):
            if not CURRENCY.fullmatch(x.currency or ""):
                yield Inconsistency(
                    Problem.BAD_CURRENCY,
                    "schools",
                    str(x.id),
                    x.id,
                    None,
                    f"currency {x.currency!r} is not a three-letter upper-case code",
                )

    def _counters(self) -> Iterator[Inconsistency]:
        """A counter behind a number already used: harmless for jdoffice (it takes the next
        free number), but it tells that another system writes numbers without moving it."""
        used: dict[int, int] = {}
        for table in (RECEIPTS, PAYMENTS, REFUNDS):
            stmt = select(table.c.school_id, func.max(table.c.receipt_no)).group_by(
                table.c.school_id
            )
            if self._school is not None:
                stmt = stmt.where(table.c.school_id == self._school)
            for school_id, top in self.s.execute(stmt):
                if top is not None:
                    used[school_id] = max(used.get(school_id, 0), int(top))
        stmt2 = select(COUNTERS.c.school_id, COUNTERS.c.last_no)
        if self._school is not None:
            stmt2 = stmt2.where(COUNTERS.c.school_id == self._school)
        for school_id, last_no in self.s.execute(stmt2):
            top = used.get(school_id, 0)
            if int(last_no) < top:
                yield Inconsistency(
                    Problem.RECEIPT_COUNTER_BEHIND,
                    "receipt_counters",
                    str(school_id),
                    school_id,
                    None,
                    f"counter at {last_no} while receipt number {top} is used "
                    "(the next receipt gets the next free number)",
                )


def _fmt(template: str, what: str) -> Callable[[Row[Any]], str]:
    """A detail sentence: ``template`` with ``{what}`` and the row's ``{x.column}``s."""
    return lambda x: template.format(x=x, what=what)


def _key(table: Table) -> str:
    return "student_id" if table is BALANCES else "id"


__all__ = ["SqlIntegrity"]
