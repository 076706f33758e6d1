"""A Z-report as lines of text: what the command line shows, the 80 mm printer prints and
the A4 page lays out (issue 14).

Every figure of the close is on it: the float, cash in (cash payments and pay-ins), cash out
(cash refunds and pay-outs), the rounding, the expected cash, the count and the variance, the
totals per method, the receipts from–to, the pay-ins and pay-outs with their reasons, who
opened and who closed, and the note. A reprint is marked KOPI at the top and the bottom.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from dataclasses import dataclass
from typing import Final
from zoneinfo import ZoneInfo

from jdoffice.domain.errors import InvalidInput
from jdoffice.domain.money import format_money
from jdoffice.domain.receipt_text import date_time_text
from jdoffice.domain.shifts import MovementKind, ZReport


@dataclass(frozen=True, slots=True)
class ZWords:
    title: str
    copy: str
    desk: str
    opened: str
    closed: str
    by: str
    float_: str
    cash_payments: str
    pay_ins: str
    cash_in: str
    cash_refunds: str
    pay_outs: str
    cash_out: str
    rounding: str
    expected: str
    counted: str
    variance: str
    methods: str
    payments: str
    refunds: str
    receipts: str
    none: str
    movements: str
    pay_in: str
    pay_out: str
    note: str
    unsent: str


_WORDS: Final = {
    "da": ZWords(
        title="Z-RAPPORT",
        copy="*** KOPI ***",
        desk="Kasse",
        opened="Åbnet",
        closed="Lukket",
        by="af",
        float_="Byttepenge",
        cash_payments="Kontante betalinger",
        pay_ins="Indbetalinger",
        cash_in="Kontant ind",
        cash_refunds="Kontante refusioner",
        pay_outs="Udbetalinger",
        cash_out="Kontant ud",
        rounding="Afrunding",
        expected="Forventet i kassen",
        counted="Optalt",
        variance="Difference",
        methods="Pr. betalingsmåde",
        payments="betalinger",
        refunds="refusioner",
        receipts="Kvitteringer",
        none="ingen",
        movements="Ind- og udbetalinger",
        pay_in="Indbetaling",
        pay_out="Udbetaling",
        note="Note",
        unsent="Ikke sendt ved lukning",
    ),
    "en": ZWords(
        title="Z REPORT",
        copy="*** COPY ***",
        desk="Desk",
        opened="Opened",
        closed="Closed",
        by="by",
        float_="Float",
        cash_payments="Cash payments",
        pay_ins="Pay-ins",
        cash_in="Cash in",
        cash_refunds="Cash refunds",
        pay_outs="Pay-outs",
        cash_out="Cash out",
        rounding="Rounding",
        expected="Expected in drawer",
        counted="Counted",
        variance="Variance",
        methods="Per method",
        payments="payments",
        refunds="refunds",
        receipts="Receipts",
        none="none",
        movements="Pay-ins and pay-outs",
        pay_in="Pay-in",
        pay_out="Pay-out",
        note="Note",
        unsent="Not sent at close",
    ),
}


def z_words(language: str) -> ZWords:
    try:
        return _WORDS[language]
    except KeyError:
        raise InvalidInput(f"unknown language {language!r}; da or en") from None


def signed_money(minor: int, currency: str) -> str:
    """An amount with its sign: ``-10,00 kr.`` for a shortfall, ``+2,00 kr.`` for an excess
    (ASCII minus: thermal printers' code pages have no U+2212)."""
    text = format_money(abs(minor), currency)
    return f"-{text}" if minor < 0 else (f"+{text}" if minor > 0 else text)


def _row(label: str, value: str, width: int) -> str:
    """A label and its figure on one line, right-aligned; on two when both do not fit."""
    if len(label) + 1 + len(value) > width:
        return f"{label}\n{value.rjust(width)}"
    return f"{label}{' ' * (width - len(label) - len(value))}{value}"


def _wrap(text: str, width: int, indent: str) -> str:
    """Free text (a name, a reason, a note) wrapped at ``width``, the next lines indented."""
    return "\n".join(textwrap.wrap(text, width, subsequent_indent=indent, break_long_words=True))


def _local(when: dt.datetime, timezone: str, language: str) -> str:
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return date_time_text(when.astimezone(ZoneInfo(timezone)), language)


def z_lines(
    report: ZReport,
    *,
    school_name: str,
    timezone: str = "Europe/Copenhagen",
    width: int = 42,
    copy: bool = False,
    language: str = "da",
) -> list[str]:
    """The Z-report as lines of at most ``width`` characters (long names wrap onto the next
    line rather than being cut); a ``copy`` is marked at the top and the bottom."""
    w = z_words(language)
    cur = report.currency

    def money(minor: int) -> str:
        return format_money(minor, cur)

    out: list[str] = []
    if copy:
        out.append(w.copy.center(width).rstrip())
    out.extend(line.center(width).rstrip() for line in textwrap.wrap(school_name, width))
    out.append(f"{w.title} {report.label}".center(width).rstrip())
    out.append("=" * width)
    out.append(_row(f"{w.desk}:", report.desk, width))
    out.append(f"{w.opened}: {_local(report.opened_at, timezone, language)}")
    out.append(_wrap(f"  {w.by} {report.opened_by}", width, "    "))
    out.append(f"{w.closed}: {_local(report.closed_at, timezone, language)}")
    out.append(_wrap(f"  {w.by} {report.closed_by}", width, "    "))
    out.append("-" * width)
    out.append(_row(w.float_, money(report.float_minor), width))
    out.append(_row(w.cash_in, money(report.cash_in_minor), width))
    out.append(_row(f"  {w.cash_payments}", money(report.cash_payments_minor), width))
    out.append(_row(f"  {w.pay_ins}", money(report.pay_ins_minor), width))
    out.append(_row(w.cash_out, money(-report.cash_out_minor), width))
    out.append(_row(f"  {w.cash_refunds}", money(-report.cash_refunds_minor), width))
    out.append(_row(f"  {w.pay_outs}", money(-report.pay_outs_minor), width))
    out.append(_row(w.rounding, signed_money(report.rounding_minor, cur), width))
    out.append("-" * width)
    out.append(_row(w.expected, money(report.expected_minor), width))
    out.append(_row(w.counted, money(report.counted_minor), width))
    out.append(_row(w.variance, signed_money(report.variance_minor, cur), width))
    out.append("=" * width)
    out.append(f"{w.methods}:")
    if not report.methods:
        out.append(f"  {w.none}")
    for m in report.methods:
        out.append(_row(f"  {m.method}", money(m.payments_minor), width))
        out.append(f"    {m.payments} {w.payments}, {m.refunds} {w.refunds}")
        if m.refunds:
            out.append(_row(f"    {w.refunds}", money(-m.refunds_minor), width))
    if report.receipt_from is not None:
        out.append(_row(f"{w.receipts}:", f"{report.receipt_from}–{report.receipt_to}", width))
    else:
        out.append(_row(f"{w.receipts}:", w.none, width))
    if report.movements:
        out.append("-" * width)
        out.append(f"{w.movements}:")
        for kind, amount, reason in report.movements:
            label = w.pay_in if kind == MovementKind.PAY_IN.value else w.pay_out
            sign = amount if kind == MovementKind.PAY_IN.value else -amount
            out.append(_row(f"  {label}", money(sign), width))
            out.append(_wrap(f"    {reason}", width, "    "))
    if report.unsent_payments:
        # Taken offline and still in the desk's outbox when the shift closed: the shared
        # database's figures may lag until they are pushed.
        out.append("-" * width)
        out.append(_row(f"{w.unsent}:", f"{report.unsent_payments} {w.payments}", width))
        out.append(_row("", money(report.unsent_minor), width))
    if report.note:
        out.append("-" * width)
        out.append(_wrap(f"{w.note}: {report.note}", width, "  "))
    if copy:
        out.append("=" * width)
        out.append(w.copy.center(width).rstrip())
    return [line for row in out for line in row.split("\n")]
