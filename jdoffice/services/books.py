"""The books (issue 15): the school's account mapping, and the postings of a period derived
from the money rows (payments, refunds, a shift's pay-ins and pay-outs, closed shifts'
variances, the providers' payouts with their fees), exported as CSV, e-conomic's journal import or SAF-T Financial.

Nothing here is stored but the account mapping: the postings are worked out from the rows
every time (:mod:`jdoffice.domain.postings`), so a closed period exports to the same bytes.
The mapping is kept with the school's other settings (the settings row's texts, under
:data:`ACCOUNTS_KEY`, as the receipt details are) and every change is audited.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import BinaryIO

from jdoffice import __version__
from jdoffice.domain import books_export
from jdoffice.domain.errors import InvalidInput
from jdoffice.domain.model import (
    UTC,
    Actor,
    AuditEntry,
    PaymentStatus,
    RefundStatus,
    School,
)
from jdoffice.domain.postings import (
    ACCOUNTS,
    AccountMap,
    CashMovement,
    MoneyEvent,
    Posting,
    ShiftClose,
    check_accounts,
    postings,
)
from jdoffice.domain.shifts import MovementKind
from jdoffice.services import payouts as provider_payouts
from jdoffice.services.counter_methods import counter_method, is_counter_method
from jdoffice.services.notification_settings import NotificationOverride
from jdoffice.services.ports import UnitOfWork

#: Where the mapping is kept among the school's stored texts (next to "receipt").
ACCOUNTS_KEY = "books_accounts"
#: Longest period one export covers.
MAX_DAYS = 366 * 5
#: The days a period may have (a mistyped year is refused, never looked up).
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2099, 12, 31)
#: How far before a period a shift may have opened and still close (or move cash) in it.
SHIFT_LOOKBACK = dt.timedelta(days=62)


def method_label(method: str, *, online: bool) -> str:
    """How a posting's text names a payment method: the desk's Danish label."""
    if online:
        return f"{method} online"
    return counter_method(method).label_da if is_counter_method(method) else method


def account_map(uow: UnitOfWork, school: School) -> AccountMap:
    """The school's accounts: its own numbers over the defaults (inside the caller's
    transaction)."""
    override = uow.notifications.settings(school.id)
    stored = dict((override.templates or {}).get(ACCOUNTS_KEY, {})) if override else {}
    vat = stored.pop("vat_code", "")
    defaults = AccountMap.defaults()
    numbers = {name: stored.get(name) or defaults.number(name) for name in ACCOUNTS}
    return AccountMap(numbers, vat)


def update_accounts(
    uow: UnitOfWork,
    school: School,
    changes: Mapping[str, str],
    *,
    actor: Actor,
    now: dt.datetime | None = None,
) -> AccountMap:
    """Change account numbers (``{"cash": "5810", "vat_code": ""}``), checked all at once:
    one bad name or number and nothing changes. Audited as ``school.accounts_changed``.

    Raises:
        InvalidInput: an unknown name, or a malformed number or VAT code.
    """
    when = now or dt.datetime.now(UTC)
    with uow.write():
        before = account_map(uow, school)
        after = check_accounts(changes, before)
        if after == before:
            return before
        override = uow.notifications.settings(school.id) or NotificationOverride()
        templates = {k: dict(v) for k, v in (override.templates or {}).items()}
        templates[ACCOUNTS_KEY] = {**after.numbers, "vat_code": after.vat_code}
        uow.notifications.save_settings(
            school.id, dataclasses.replace(override, templates=templates), when
        )
        uow.audit.add(
            AuditEntry(
                school_id=school.id,
                action="school.accounts_changed",
                entity="school",
                entity_id=school.slug,
                actor=actor,
                at=when,
                before={**before.numbers, "vat_code": before.vat_code},
                after={**after.numbers, "vat_code": after.vat_code},
            )
        )
        uow.commit()
    return after


@dataclass(frozen=True, slots=True)
class Books:
    """A period's postings and the mapping they were made with."""

    school: School
    start: dt.date
    end: dt.date
    accounts: AccountMap
    lines: tuple[Posting, ...]


def check_period(start: dt.date, end: dt.date) -> None:
    """Raises InvalidInput: a day outside 2000 – 2099, or the period ends before it starts
    or is longer than 5 years."""
    for day in (start, end):
        if not FIRST_DAY <= day <= LAST_DAY:
            raise InvalidInput(
                f"{day.isoformat()} is not a day the books can hold: "
                f"from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}"
            )
    if end < start:
        raise InvalidInput(f"the period ends ({end}) before it starts ({start})")
    if (end - start).days >= MAX_DAYS:
        raise InvalidInput("a period is at most five years")


def period_postings(uow: UnitOfWork, school: School, start: dt.date, end: dt.date) -> Books:
    """The postings of the school's local days ``start`` to ``end`` (both included).

    Raises:
        InvalidInput: see :func:`check_period`.
        BusinessRuleError: a payment's method has no account.
    """
    check_period(start, end)
    lo, hi = school.day_bounds(start)[0], school.day_bounds(end)[1]
    cur = school.currency
    with uow:
        accounts = account_map(uow, school)
        payments = uow.payments.succeeded_between(school.id, lo, hi)
        refunds = uow.payments.refunds_between(school.id, lo, hi)
        student_nos = uow.students.numbers(
            [p.student_id for p in payments] + [r.student_id for r in refunds]
        )
        staff_names: dict[int, str] = {}

        def student_no(student_id: int) -> str:
            return student_nos.get(student_id, "")

        def staff(staff_id: int | None) -> str:
            if staff_id is None:
                return ""
            if staff_id not in staff_names:
                member = uow.staff.get(school.id, staff_id)
                staff_names[staff_id] = member.initials if member else str(staff_id)
            return staff_names[staff_id]

        allocations = uow.payments.allocations_of(
            [p.id for p in payments] + [r.payment_id for r in refunds]
        )

        def invoice_nos(payment_id: str, refund_id: str | None) -> tuple[str, ...]:
            rows = allocations.get(payment_id, [])
            mine = [a for a in rows if a.refund_id == refund_id]
            if not mine and refund_id is not None:
                mine = [a for a in rows if a.refund_id is None]
            return tuple(dict.fromkeys(a.invoice_no for a in mine if a.invoice_no))

        events: list[MoneyEvent] = []
        for p in payments:
            if p.status is not PaymentStatus.SUCCEEDED or p.currency != cur:
                continue
            events.append(
                MoneyEvent(
                    id=p.id,
                    refund=False,
                    at=p.created_at,
                    method=p.method,
                    online=p.provider_ref is not None,
                    amount_minor=p.amount_minor,
                    rounding_minor=p.rounding_minor,
                    currency=p.currency,
                    receipt_no=p.receipt_no,
                    student_no=student_no(p.student_id),
                    invoice_nos=invoice_nos(p.id, None),
                    staff=p.staff,
                    desk=p.desk,
                    method_label=method_label(p.method, online=p.provider_ref is not None),
                )
            )
        for r in refunds:
            if r.status is not RefundStatus.SUCCEEDED or r.currency != cur:
                continue
            paid = uow.payments.get(r.payment_id)
            if paid is None:
                continue
            events.append(
                MoneyEvent(
                    id=r.id,
                    refund=True,
                    at=r.created_at,
                    method=paid.method,
                    online=paid.provider_ref is not None,
                    amount_minor=r.amount_minor,
                    rounding_minor=r.rounding_minor,
                    currency=r.currency,
                    receipt_no=r.receipt_no,
                    student_no=student_no(r.student_id),
                    invoice_nos=invoice_nos(r.payment_id, r.id),
                    staff=r.staff,
                    desk=r.desk,
                    method_label=method_label(paid.method, online=paid.provider_ref is not None),
                )
            )
        movements: list[CashMovement] = []
        closes: list[ShiftClose] = []
        for shift in uow.shifts.between(school.id, lo - SHIFT_LOOKBACK, hi):
            if shift.currency != cur:
                continue
            z_label = f"Z{shift.z_no}/{shift.desk}" if shift.z_no else ""
            for m in uow.shifts.movements(shift.id):
                if lo <= m.created_at < hi:
                    movements.append(
                        CashMovement(
                            id=m.id,
                            pay_in=m.kind is MovementKind.PAY_IN,
                            at=m.created_at,
                            amount_minor=m.amount_minor,
                            currency=m.currency,
                            reason=m.reason,
                            z_label=z_label if shift.closed_at is not None else "",
                            staff=staff(m.staff_id),
                            desk=shift.desk,
                        )
                    )
            closed = shift.closed_at
            if closed is not None and lo <= closed < hi and shift.variance_minor:
                closes.append(
                    ShiftClose(
                        shift_id=shift.id,
                        at=closed,
                        z_label=z_label,
                        variance_minor=shift.variance_minor,
                        currency=shift.currency,
                        staff=staff(shift.closed_by_id),
                        desk=shift.desk,
                    )
                )
        # The providers' payouts arriving in the period: their fees and transfers.
        payouts = provider_payouts.bookings(uow, school, start, end)
    lines = postings(events, movements, closes, accounts, school.tz, payouts)
    return Books(school, start, end, accounts, tuple(lines))


def write(books: Books, fmt: str, fh: BinaryIO) -> None:
    """Write the period's postings in ``fmt`` (:data:`jdoffice.domain.books_export.FORMATS`)
    to ``fh`` as UTF-8, as they are formatted (a year is never held twice in memory).

    Raises:
        InvalidInput: an unknown format (nothing is written).
    """
    if fmt not in books_export.FORMATS:
        raise InvalidInput(f"unknown format {fmt!r}: one of {', '.join(books_export.FORMATS)}")
    lines = list(books.lines)
    # newline="": the CSV formats end their lines with CRLF themselves, SAF-T with LF.
    text = io.TextIOWrapper(fh, encoding="utf-8", newline="", write_through=False)
    try:
        if fmt == "csv":
            books_export.to_csv(lines, text)
        elif fmt == "economic":
            books_export.to_economic(lines, text)
        else:
            s = books.school
            company = books_export.Company(s.cvr, s.name, s.address, s.currency)
            books_export.to_saft(
                lines,
                company,
                books.accounts,
                books.start,
                books.end,
                software_version=__version__,
                sink=text,
            )
        text.flush()
    finally:
        text.detach()


def export(books: Books, fmt: str) -> bytes:
    """The period's postings in ``fmt`` as bytes (see :func:`write`).

    Raises:
        InvalidInput: an unknown format.
    """
    buf = io.BytesIO()
    write(books, fmt, buf)
    return buf.getvalue()
