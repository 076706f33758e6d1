"""The student's statement (kontoudtog, issue 15): the invoices, payments and refunds of a
period in date order with the running balance, from the balance the student had when the
period began to the one at its end.

The balance is the one the desk shows everywhere (:meth:`SqlBalances.recompute`): invoices
not cancelled, less payments that succeeded, plus refunds that succeeded; positive means the
student owes. An invoice counts on the day it was issued, a payment or refund on the day it
was made, in the school's days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

from jdoffice.domain.errors import InvalidInput
from jdoffice.domain.money import format_plain
from jdoffice.domain.receipt_text import date_text
from jdoffice.domain.text import printable

Kind = Literal["invoice", "payment", "refund", "reminder"]

#: The order of a day's events: what was billed first, then what was paid and given back,
#: then the reminders sent.
_ORDER: Final[dict[Kind, int]] = {"invoice": 0, "payment": 1, "refund": 2, "reminder": 3}


@dataclass(frozen=True, slots=True)
class Event:
    """One event of a student: an invoice (debit), a payment (credit), a refund (debit: the
    money went back to the student), or a reminder sent about an invoice (no money moves;
    ``amount_minor`` is what it asked for, its document the invoice)."""

    day: dt.date
    kind: Kind
    document: str
    text: str
    amount_minor: int

    @property
    def effect_minor(self) -> int:
        """What it does to the balance (positive: the student owes more)."""
        if self.kind == "reminder":
            return 0
        return -self.amount_minor if self.kind == "payment" else self.amount_minor


@dataclass(frozen=True, slots=True)
class StatementLine:
    day: dt.date
    kind: Kind
    document: str
    text: str
    debit_minor: int
    credit_minor: int
    balance_minor: int


@dataclass(frozen=True, slots=True)
class Statement:
    school_name: str
    student_no: str
    student_name: str
    start: dt.date
    end: dt.date
    currency: str
    opening_minor: int
    lines: tuple[StatementLine, ...]

    @property
    def closing_minor(self) -> int:
        return self.lines[-1].balance_minor if self.lines else self.opening_minor

    @property
    def debit_minor(self) -> int:
        return sum(line.debit_minor for line in self.lines)

    @property
    def credit_minor(self) -> int:
        return sum(line.credit_minor for line in self.lines)


def build_statement(
    events: Iterable[Event],
    *,
    school_name: str,
    student_no: str,
    student_name: str,
    start: dt.date,
    end: dt.date,
    currency: str,
) -> Statement:
    """The statement of the days ``start`` to ``end`` (both included): events before the
    period make the opening balance, those after it are left out.

    Raises:
        InvalidInput: the period ends before it starts.
    """
    if end < start:
        raise InvalidInput("the period ends before it starts")
    ordered = sorted(events, key=lambda e: (e.day, _ORDER[e.kind], e.document))
    balance = sum(e.effect_minor for e in ordered if e.day < start)
    opening = balance
    lines: list[StatementLine] = []
    for e in ordered:
        if not start <= e.day <= end:
            continue
        balance += e.effect_minor
        lines.append(
            StatementLine(
                day=e.day,
                kind=e.kind,
                document=e.document,
                text=e.text,
                debit_minor=e.amount_minor if e.kind in ("invoice", "refund") else 0,
                credit_minor=e.amount_minor if e.kind == "payment" else 0,
                balance_minor=balance,
            )
        )
    return Statement(
        school_name, student_no, student_name, start, end, currency, opening, tuple(lines)
    )


_WORDS: Final = {
    "da": {
        "title": "KONTOUDTOG",
        "student": "Elev",
        "period": "Periode",
        "date": "Dato",
        "document": "Bilag",
        "text": "Tekst",
        "debit": "Debet",
        "credit": "Kredit",
        "balance": "Saldo",
        "opening": "Saldo primo",
        "closing": "Saldo ultimo",
        "none": "Ingen posteringer i perioden.",
        "owes": "Eleven skylder",
        "credit_left": "Elevens tilgodehavende",
        "settled": "Intet udestående",
    },
    "en": {
        "title": "STATEMENT",
        "student": "Student",
        "period": "Period",
        "date": "Date",
        "document": "Document",
        "text": "Text",
        "debit": "Debit",
        "credit": "Credit",
        "balance": "Balance",
        "opening": "Opening balance",
        "closing": "Closing balance",
        "none": "No entries in the period.",
        "owes": "The student owes",
        "credit_left": "The student's credit",
        "settled": "Nothing outstanding",
    },
}


def statement_lines(st: Statement, *, language: str = "da", text_width: int = 30) -> list[str]:
    """The statement as monospaced lines (the command line and the A4 page)."""
    w = _WORDS.get(language)
    if w is None:
        raise InvalidInput(f"no statement in language {language!r}")
    cur = st.currency

    def amount(minor: int) -> str:
        return format_plain(minor, cur) if minor else ""

    width = max(12, len(format_plain(max(abs(st.debit_minor), abs(st.credit_minor)), cur)) + 1)
    head = (
        f"{w['date']:<10} {w['document']:<14} {w['text']:<{text_width}} "
        f"{w['debit']:>{width}} {w['credit']:>{width}} {w['balance']:>{width}}"
    )
    rule = "-" * len(head)
    out = [
        printable(st.school_name),
        w["title"],
        f"{w['student']}: {printable(st.student_name)} ({printable(st.student_no)})",
        f"{w['period']}: {date_text(st.start, language)} – {date_text(st.end, language)}",
        "",
        head,
        rule,
        f"{'':<10} {'':<14} {w['opening']:<{text_width}} {'':>{width}} {'':>{width}} "
        f"{format_plain(st.opening_minor, cur):>{width}}",
    ]
    for line in st.lines:
        text = printable(line.text)
        if len(text) > text_width:
            text = text[: text_width - 1] + "…"
        out.append(
            f"{date_text(line.day, 'da'):<10} {printable(line.document):<14} {text:<{text_width}} "
            f"{amount(line.debit_minor):>{width}} {amount(line.credit_minor):>{width}} "
            f"{format_plain(line.balance_minor, cur):>{width}}"
        )
    if not st.lines:
        out.append(w["none"])
    out.append(rule)
    out.append(
        f"{'':<10} {'':<14} {w['closing']:<{text_width}} {amount(st.debit_minor):>{width}} "
        f"{amount(st.credit_minor):>{width}} {format_plain(st.closing_minor, cur):>{width}}"
    )
    closing = st.closing_minor
    if closing > 0:
        out += ["", f"{w['owes']}: {format_plain(closing, cur)} {cur}"]
    elif closing < 0:
        out += ["", f"{w['credit_left']}: {format_plain(-closing, cur)} {cur}"]
    else:
        out += ["", w["settled"]]
    return out


def statement_json(st: Statement) -> dict[str, object]:
    return {
        "student_no": st.student_no,
        "name": st.student_name,
        "from": st.start.isoformat(),
        "to": st.end.isoformat(),
        "currency": st.currency,
        "opening_minor": st.opening_minor,
        "closing_minor": st.closing_minor,
        "lines": [
            {
                "date": line.day.isoformat(),
                "kind": line.kind,
                "document": line.document,
                "text": line.text,
                "debit_minor": line.debit_minor,
                "credit_minor": line.credit_minor,
                "balance_minor": line.balance_minor,
            }
            for line in st.lines
        ],
    }
