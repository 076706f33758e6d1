"""A shift's Z-report on paper and on screen (issue 14): 80 mm lines for the receipt printer,
HTML for the screen and an A4 PDF, a reprint marked KOPI.

The figures are those frozen on the shift at its close (``ZReport``); nothing here reads the
database. The 80 mm lines go through the receipt printer code (``jdoffice.printing.thermal``)
and the A4 page through the receipt's page layout and its KOPI watermark
(``jdoffice.printing.receipt_layout``), imported when printed.
"""

from __future__ import annotations

import datetime as dt
import html
import os
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import QCoreApplication

from jdoffice.domain.money import format_plain
from jdoffice.domain.shifts import ZReport
from jdoffice.gui import texts

WIDTH = 42


def _tr(text: str) -> str:
    return QCoreApplication.translate("ZReport", text)


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the report: a label and an amount (or text), maybe in bold."""

    label: str
    value: str = ""
    bold: bool = False
    rule: bool = False


def _when(at: dt.datetime, tz: str) -> str:
    return f"{at.astimezone(ZoneInfo(tz)):%d-%m-%Y %H:%M}"


def variance_text(minor: int, currency: str, locale: str = "da_DK") -> str:
    """The variance as the desk shows it: ``−10,00 kr.``, ``+5,00 kr.``, ``0,00 kr.``"""
    if minor == 0:
        return texts.money(0, currency, locale)
    return texts.signed_money(minor, currency, locale)


def rows(report: ZReport, *, school: str, timezone: str, locale: str = "da_DK") -> list[Row]:
    """The report's lines, top to bottom (without the KOPI mark)."""
    cur = report.currency

    def amount(minor: int) -> str:
        return format_plain(minor, cur, locale)

    def signed(minor: int) -> str:
        text = format_plain(abs(minor), cur, locale)
        return ("−" if minor < 0 else "+" if minor > 0 else "") + text

    out = [
        Row(school, bold=True),
        Row(QCoreApplication.translate("ZReport", "Z-RAPPORT {0}").format(report.label), bold=True),
        Row(QCoreApplication.translate("ZReport", "Kasse: {0}").format(report.desk)),
        Row(
            QCoreApplication.translate("ZReport", "Åbnet {0}").format(
                _when(report.opened_at, timezone)
            )
        ),
        Row(QCoreApplication.translate("ZReport", "  af {0}").format(report.opened_by)),
        Row(
            QCoreApplication.translate("ZReport", "Lukket {0}").format(
                _when(report.closed_at, timezone)
            )
        ),
        Row(QCoreApplication.translate("ZReport", "  af {0}").format(report.closed_by)),
    ]
    if report.receipt_from is not None:
        out.append(
            Row(
                QCoreApplication.translate("ZReport", "Kvitteringer nr. {0}–{1}").format(
                    report.receipt_from, report.receipt_to
                )
            )
        )
    out += [
        Row("", rule=True),
        Row(QCoreApplication.translate("ZReport", "Startbeholdning"), amount(report.float_minor)),
        Row(
            QCoreApplication.translate("ZReport", "Kontante betalinger"),
            amount(report.cash_payments_minor),
        ),
        Row(QCoreApplication.translate("ZReport", "Indbetalinger"), amount(report.pay_ins_minor)),
        Row(
            QCoreApplication.translate("ZReport", "Kontant ind i alt"),
            amount(report.cash_in_minor),
            bold=True,
        ),
        Row(
            QCoreApplication.translate("ZReport", "Kontante refusioner"),
            amount(report.cash_refunds_minor),
        ),
        Row(QCoreApplication.translate("ZReport", "Udbetalinger"), amount(report.pay_outs_minor)),
        Row(
            QCoreApplication.translate("ZReport", "Kontant ud i alt"),
            amount(report.cash_out_minor),
            bold=True,
        ),
        Row(QCoreApplication.translate("ZReport", "Afrunding"), signed(report.rounding_minor)),
        Row("", rule=True),
        Row(
            QCoreApplication.translate("ZReport", "Forventet i kassen"),
            amount(report.expected_minor),
            bold=True,
        ),
        Row(
            QCoreApplication.translate("ZReport", "Optalt"), amount(report.counted_minor), bold=True
        ),
        Row(
            QCoreApplication.translate("ZReport", "Difference"),
            signed(report.variance_minor),
            bold=True,
        ),
    ]
    if report.note:
        out.append(Row(QCoreApplication.translate("ZReport", "Note: {0}").format(report.note)))
    if report.unsent_payments:
        # Taken offline and still waiting to be sent when the shift closed.
        out.append(
            Row(
                QCoreApplication.translate(
                    "ZReport", "Ikke sendt ved lukning ({0} betalinger)"
                ).format(report.unsent_payments),
                amount(report.unsent_minor),
            )
        )
    out.append(Row("", rule=True))
    out.append(Row(QCoreApplication.translate("ZReport", "Pr. betalingsmåde"), cur, bold=True))
    for m in report.methods:
        name = texts.method_name(m.method)
        out.append(
            Row(
                QCoreApplication.translate("ZReport", "{0} ({1} betalinger)").format(
                    name, m.payments
                ),
                amount(m.payments_minor),
            )
        )
        if m.refunds:
            out.append(
                Row(
                    QCoreApplication.translate("ZReport", "  refunderet ({0})").format(m.refunds),
                    "−" + amount(m.refunds_minor),
                )
            )
    if not report.methods:
        out.append(Row(QCoreApplication.translate("ZReport", "Ingen betalinger")))
    if report.movements:
        out.append(Row("", rule=True))
        out.append(Row(QCoreApplication.translate("ZReport", "Ind- og udbetalinger"), bold=True))
        for kind, minor, reason in report.movements:
            sign = "+" if kind == "pay_in" else "−"
            out.append(Row(reason, sign + amount(minor)))
    return out


def copy_mark() -> str:
    return QCoreApplication.translate("ZReport", "KOPI")


def lines(
    report: ZReport,
    *,
    school: str,
    timezone: str,
    copy: bool = False,
    locale: str = "da_DK",
    width: int = WIDTH,
) -> tuple[list[str], frozenset[int]]:
    """The report as lines for an 80 mm printer, and which of them are bold."""
    out: list[str] = []
    bold: set[int] = set()
    if copy:
        bold.add(0)
        out.append(f"*** {copy_mark()} ***".center(width))
    for row in rows(report, school=school, timezone=timezone, locale=locale):
        if row.rule:
            out.append("-" * width)
            continue
        if row.value:
            room = width - len(row.value) - 1
            label = row.label if len(row.label) <= room else row.label[: max(room - 1, 0)] + "…"
            text = f"{label}{' ' * (width - len(label) - len(row.value))}{row.value}"
        else:
            text = row.label[:width]
        if row.bold:
            bold.add(len(out))
        out.append(text)
    if copy:
        bold.add(len(out))
        out.append(f"*** {copy_mark()} ***".center(width))
    return out, frozenset(bold)


def to_html(
    report: ZReport, *, school: str, timezone: str, copy: bool = False, locale: str = "da_DK"
) -> str:
    """The report as a small HTML page (the screen and the A4 page)."""
    parts = ['<table width="100%" cellspacing="0" cellpadding="2">']
    if copy:
        parts.append(
            '<tr><td colspan="2" align="center" style="color:#b00020; font-size:16pt;">'
            f"<b>*** {html.escape(copy_mark())} ***</b></td></tr>"
        )
    for row in rows(report, school=school, timezone=timezone, locale=locale):
        if row.rule:
            parts.append('<tr><td colspan="2"><hr/></td></tr>')
            continue
        stripped = row.label.lstrip(" ")
        indent = "&nbsp;" * 2 * (len(row.label) - len(stripped))
        label = indent + html.escape(stripped)
        value = html.escape(row.value)
        if row.bold:
            label, value = f"<b>{label}</b>", f"<b>{value}</b>" if value else ""
        if row.value:
            parts.append(f'<tr><td>{label}</td><td align="right">{value}</td></tr>')
        else:
            parts.append(f'<tr><td colspan="2">{label}</td></tr>')
    parts.append("</table>")
    return "".join(parts)


def save_pdf(
    report: ZReport,
    path: Path,
    *,
    school: str,
    timezone: str,
    copy: bool = False,
    locale: str = "da_DK",
) -> Path:
    """Write the report as an A4 PDF (a reprint with the KOPI watermark).

    Raises:
        InvalidInput: a folder that does not exist.
        OSError: the file cannot be written.
    """
    from PySide6.QtCore import QSizeF
    from PySide6.QtGui import QPainter, QPdfWriter, QTextDocument

    from jdoffice.printing import receipt_layout, receipts

    path = receipts.check_pdf_path(Path(path))
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    with partial.open("wb"):
        pass
    try:
        writer = QPdfWriter(str(partial))
        writer.setPageLayout(receipt_layout.page_layout())
        writer.setResolution(300)
        writer.setTitle(QCoreApplication.translate("ZReport", "Z-rapport {0}").format(report.label))
        writer.setCreator("jdoffice")
        doc = QTextDocument()
        doc.setDocumentMargin(0)
        doc.setHtml(to_html(report, school=school, timezone=timezone, copy=copy, locale=locale))
        doc.documentLayout().setPaintDevice(writer)
        page = QSizeF(writer.width(), writer.height())
        doc.setPageSize(page)
        marks = receipt_layout.Marks(copy=copy_mark() if copy else None, page_footer="")
        painter = QPainter()
        if not painter.begin(writer):
            raise OSError(f"could not start writing {path}")
        try:
            for index in range(max(1, doc.pageCount())):
                if index and not writer.newPage():
                    raise OSError("could not start a new page")
                receipt_layout.paint_page(painter, doc, page, index, marks)
        finally:
            painter.end()
        del writer
        if partial.stat().st_size == 0:
            raise OSError(f"could not write {path}")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def print_thermal(
    report: ZReport,
    target: str,
    *,
    school: str,
    timezone: str,
    copy: bool = False,
    locale: str = "da_DK",
) -> None:
    """Print the report on the desk's 80 mm receipt printer (the drawer stays shut).

    Raises:
        InvalidInput: a target that is not understood.
        Unavailable: the printer cannot be reached.
    """
    from jdoffice.printing import thermal

    text, bold = lines(report, school=school, timezone=timezone, copy=copy, locale=locale)
    thermal.send(thermal.parse_target(target), thermal.report_bytes(text, bold=bold))
