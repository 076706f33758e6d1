"""The debtor list (issue 15): who owes what across the school, aged by how long each
invoice has been overdue, as the office manager reads it on screen, in a spreadsheet (CSV)
and on paper (PDF).

An invoice counts with what is still outstanding on it (amount less paid; a cancelled
invoice owes nothing), in the bucket of its own due date: not due yet, 1–30, 31–60, 61–90
and over 90 days overdue, counted in the school's days up to the list's date. A student is
on the list while any invoice of theirs has something outstanding.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from jdoffice.domain.books_export import decimal_text
from jdoffice.domain.errors import InvalidInput
from jdoffice.domain.money import format_plain
from jdoffice.domain.receipt_text import date_text
from jdoffice.domain.text import csv_cell, printable

Bucket = Literal["not_due", "1_30", "31_60", "61_90", "over_90"]

#: The buckets, youngest first.
BUCKETS: Final[tuple[Bucket, ...]] = ("not_due", "1_30", "31_60", "61_90", "over_90")

#: How the list may be sorted: the largest debt, the longest overdue, by name, by number.
SORTS: Final = ("amount", "overdue", "name", "number")

#: The buckets' headings, as the desk and the paper print them.
BUCKET_TITLES: Final[dict[str, dict[Bucket, str]]] = {
    "da": {
        "not_due": "Ikke forfaldent",
        "1_30": "1–30 dage",
        "31_60": "31–60 dage",
        "61_90": "61–90 dage",
        "over_90": "Over 90 dage",
    },
    "en": {
        "not_due": "Not due",
        "1_30": "1–30 days",
        "31_60": "31–60 days",
        "61_90": "61–90 days",
        "over_90": "Over 90 days",
    },
}


def bucket_of(days_overdue: int) -> Bucket:
    """The bucket of an invoice ``days_overdue`` days past its due date (0 or less: not due;
    an invoice due today is not overdue yet)."""
    if days_overdue <= 0:
        return "not_due"
    if days_overdue <= 30:
        return "1_30"
    if days_overdue <= 60:
        return "31_60"
    if days_overdue <= 90:
        return "61_90"
    return "over_90"


@dataclass(frozen=True, slots=True)
class OwedInvoice:
    """One invoice with something outstanding."""

    invoice_id: int
    invoice_no: str
    text: str
    due_date: dt.date
    outstanding_minor: int
    days_overdue: int

    @property
    def bucket(self) -> Bucket:
        return bucket_of(self.days_overdue)


@dataclass(frozen=True, slots=True)
class Debtor:
    """A student who owes something, with the invoices that make it up (oldest due first)."""

    student_id: int
    student_no: str
    name: str
    phone: str
    email: str
    invoices: tuple[OwedInvoice, ...]
    #: The student's balance (what they owe less any credit on account not yet set
    #: against an invoice); ``None`` when it is not known.
    balance_minor: int | None = None

    @property
    def total_minor(self) -> int:
        return sum(i.outstanding_minor for i in self.invoices)

    @property
    def credit_minor(self) -> int:
        """Money the student has paid on account and not yet set against these invoices:
        what the list shows owing, less the balance."""
        if self.balance_minor is None:
            return 0
        return max(0, self.total_minor - self.balance_minor)

    @property
    def days_overdue(self) -> int:
        """How long the oldest overdue invoice is overdue (0: nothing is overdue)."""
        return max(0, *(i.days_overdue for i in self.invoices))

    @property
    def overdue_minor(self) -> int:
        return sum(i.outstanding_minor for i in self.invoices if i.days_overdue > 0)

    def buckets(self) -> dict[Bucket, int]:
        out: dict[Bucket, int] = dict.fromkeys(BUCKETS, 0)
        for i in self.invoices:
            out[i.bucket] += i.outstanding_minor
        return out


@dataclass(frozen=True, slots=True)
class DebtorList:
    """The school's debtors on ``as_of`` in ``currency``."""

    school_name: str
    as_of: dt.date
    currency: str
    debtors: tuple[Debtor, ...]

    @property
    def total_minor(self) -> int:
        return sum(d.total_minor for d in self.debtors)

    def totals(self) -> dict[Bucket, int]:
        out: dict[Bucket, int] = dict.fromkeys(BUCKETS, 0)
        for d in self.debtors:
            for bucket, minor in d.buckets().items():
                out[bucket] += minor
        return out


@dataclass(frozen=True, slots=True)
class OwedRow:
    """What the database gives for one outstanding invoice and its student."""

    student_id: int
    student_no: str
    first_name: str
    last_name: str
    phone: str
    email: str
    invoice_id: int
    invoice_no: str
    text: str
    due_date: dt.date
    outstanding_minor: int
    #: The student's balance as the desk shows it (``None``: not cached yet).
    balance_minor: int | None = None


def check_sort(sort: str) -> str:
    if sort not in SORTS:
        raise InvalidInput(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    return sort


def build(
    rows: Iterable[OwedRow],
    *,
    school_name: str,
    as_of: dt.date,
    currency: str,
    sort: str = "amount",
    min_days: int = 0,
) -> DebtorList:
    """The list from the outstanding invoices' rows: one debtor per student, sorted.

    ``min_days`` keeps only students with an invoice at least that many days overdue (0:
    everyone who owes anything, due or not).
    """
    check_sort(sort)
    if min_days < 0:
        raise InvalidInput("the days overdue cannot be negative")
    by_student: dict[int, list[OwedRow]] = {}
    for r in rows:
        if r.outstanding_minor > 0:
            by_student.setdefault(r.student_id, []).append(r)
    debtors: list[Debtor] = []
    for owed in by_student.values():
        first = owed[0]
        invoices = tuple(
            OwedInvoice(
                invoice_id=r.invoice_id,
                invoice_no=r.invoice_no,
                text=r.text,
                due_date=r.due_date,
                outstanding_minor=r.outstanding_minor,
                days_overdue=(as_of - r.due_date).days,
            )
            for r in sorted(owed, key=lambda r: (r.due_date, r.invoice_no))
        )
        debtor = Debtor(
            student_id=first.student_id,
            student_no=first.student_no,
            name=f"{first.first_name} {first.last_name}".strip(),
            phone=first.phone,
            email=first.email,
            invoices=invoices,
            balance_minor=first.balance_minor,
        )
        if min_days == 0 or debtor.days_overdue >= min_days:
            debtors.append(debtor)
    return DebtorList(school_name, as_of, currency, tuple(sort_debtors(debtors, sort)))


def sort_debtors(debtors: Iterable[Debtor], sort: str) -> list[Debtor]:
    """Largest debt first (``amount``), longest overdue first (``overdue``), by name or by
    student number; ties by student number, so the order is the same every time."""
    items = list(debtors)
    if sort == "amount":
        return sorted(items, key=lambda d: (-d.total_minor, d.student_no))
    if sort == "overdue":
        return sorted(items, key=lambda d: (-d.days_overdue, -d.total_minor, d.student_no))
    if sort == "name":
        return sorted(items, key=lambda d: (d.name.casefold(), d.student_no))
    return sorted(items, key=lambda d: d.student_no)


# --- what the list looks like --------------------------------------------------------------


def _titles(language: str) -> dict[Bucket, str]:
    try:
        return BUCKET_TITLES[language]
    except KeyError:
        raise InvalidInput(f"no debtor list in language {language!r}") from None


def text_lines(debtors: DebtorList, *, language: str = "da", name_width: int = 24) -> list[str]:
    """The list as monospaced lines (the command line and the A4 page): a row per student
    with the buckets and the total, then the school's totals."""
    titles = _titles(language)
    da = language == "da"
    cur = debtors.currency
    amount_width = max(
        12, len(format_plain(debtors.total_minor, cur)), *(len(t) for t in titles.values())
    )
    number_title = "Elevnr." if da else "Student"
    number_width = max(
        len(number_title), *(len(printable(d.student_no)) for d in debtors.debtors), 0
    )
    head = (
        f"{number_title:<{number_width}} {'Navn' if da else 'Name':<{name_width}}"
        + "".join(f" {titles[b]:>{amount_width}}" for b in BUCKETS)
        + f" {'I alt' if da else 'Total':>{amount_width}}"
    )
    width = len(head) + 1
    title = "DEBITORLISTE" if da else "DEBTOR LIST"
    out = [
        printable(debtors.school_name),
        f"{title} {date_text(debtors.as_of, language)} ({cur})",
        "",
        head,
        "-" * width,
    ]
    for d in debtors.debtors:
        name = printable(d.name)
        if len(name) > name_width:
            name = name[: name_width - 1] + "…"
        cells = d.buckets()
        out.append(
            f"{printable(d.student_no):<{number_width}} {name:<{name_width}}"
            + "".join(
                f" {format_plain(cells[b], cur) if cells[b] else '':>{amount_width}}"
                for b in BUCKETS
            )
            + f" {format_plain(d.total_minor, cur):>{amount_width}}"
        )
    out.append("-" * width)
    totals = debtors.totals()
    label = (
        f"I alt ({len(debtors.debtors)} elever)"
        if da
        else (f"Total ({len(debtors.debtors)} students)")
    )
    out.append(
        f"{label:<{number_width + 1 + name_width}}"
        + "".join(f" {format_plain(totals[b], cur):>{amount_width}}" for b in BUCKETS)
        + f" {format_plain(debtors.total_minor, cur):>{amount_width}}"
    )
    credit = sum(d.credit_minor for d in debtors.debtors)
    if credit:
        out.append(
            (
                "Heraf dækket af tilgodehavender på konto, endnu ikke modregnet: "
                if da
                else "Of which covered by credit on account not yet set against invoices: "
            )
            + format_plain(credit, cur)
        )
    if not debtors.debtors:
        out.insert(5, "Ingen skylder noget." if da else "Nobody owes anything.")
    return out


#: The CSV's columns (UTF-8, ``;``, decimal comma, CRLF, one row per outstanding invoice so a
#: spreadsheet can sum and filter it any way; the student's total is on every row).
CSV_HEADER: Final = (
    "elevnr",
    "navn",
    "telefon",
    "email",
    "fakturanr",
    "tekst",
    "forfald",
    "dage_over_forfald",
    "interval",
    "udestaaende",
    "elev_i_alt",
    "elev_tilgodehavende",
    "valuta",
)


def to_csv(debtors: DebtorList) -> str:
    """The list as CSV text: a row per outstanding invoice, in the list's order."""
    sink = io.StringIO()
    w = csv.writer(sink, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(CSV_HEADER)
    cur = debtors.currency
    for d in debtors.debtors:
        total = decimal_text(d.total_minor, cur, comma=True)
        for i in d.invoices:
            row: Sequence[object] = (
                d.student_no,
                d.name,
                d.phone,
                d.email,
                i.invoice_no,
                i.text,
                i.due_date.isoformat(),
                max(i.days_overdue, 0),
                i.bucket,
                decimal_text(i.outstanding_minor, cur, comma=True),
                total,
                decimal_text(d.credit_minor, cur, comma=True),
                cur,
            )
            w.writerow([csv_cell(v) for v in row])
    return sink.getvalue()


def to_json(debtors: DebtorList) -> dict[str, object]:
    """The list for ``--json``: every amount in minor units."""
    return {
        "as_of": debtors.as_of.isoformat(),
        "currency": debtors.currency,
        "total_minor": debtors.total_minor,
        "totals": debtors.totals(),
        "debtors": [
            {
                "student_no": d.student_no,
                "name": d.name,
                "phone": d.phone,
                "email": d.email,
                "total_minor": d.total_minor,
                "overdue_minor": d.overdue_minor,
                "balance_minor": d.balance_minor,
                "credit_minor": d.credit_minor,
                "days_overdue": d.days_overdue,
                "buckets": d.buckets(),
                "invoices": [
                    {
                        "invoice_no": i.invoice_no,
                        "text": i.text,
                        "due_date": i.due_date.isoformat(),
                        "days_overdue": max(i.days_overdue, 0),
                        "bucket": i.bucket,
                        "outstanding_minor": i.outstanding_minor,
                    }
                    for i in d.invoices
                ],
            }
            for d in debtors.debtors
        ],
    }
