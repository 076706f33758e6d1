"""The A4 receipt: HTML from a template, laid out by Qt, written as PDF or sent to a printer.

The desk program's preview, its "save as PDF", its system printer and ``jdoffice receipt N
--pdf FILE`` all go through :func:`build_document`, so they show the very same receipt.

The template is ``resources/receipts/receipt.html``. Every value put into it is HTML-escaped
here, so a student called ``<b>Bo</b>`` is printed as exactly that and cannot change the
layout; the few fragments inserted as markup (:class:`Html`) are built here from escaped
values.

Qt needs a ``QGuiApplication`` to lay out text. :func:`ensure_application` makes one when the
process has none (the command line, a test), choosing the ``offscreen`` platform when there is
no display and no platform was asked for; an application the program already made is used as
it is.
"""

from __future__ import annotations

import functools
import html
import os
import re
import sys
import threading
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from PySide6.QtCore import (
    QBuffer,
    QCoreApplication,
    QIODevice,
    QMarginsF,
    QPointF,
    QRectF,
    QSizeF,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QGuiApplication,
    QImage,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)

from jdoffice.domain.errors import InvalidInput, Unavailable
from jdoffice.domain.model import ReceiptBody
from jdoffice.domain.money import format_money
from jdoffice.domain.receipt_text import (
    LANGUAGES,
    contact_lines,
    date_time_text,
    local_time,
    refunded_by,
    staff_name,
    vat_line,
    words_for,
)

__all__ = [
    "LANGUAGES",
    "PAGE_MARGINS_MM",
    "Html",
    "build_document",
    "check_pdf_path",
    "ensure_application",
    "print_receipt",
    "render_html",
    "render_image",
    "render_pdf",
    "template_path",
]

#: Space around the text on an A4 page, in millimetres (left, top, right, bottom). Office
#: printers cannot print the outer 4-5 mm, and a receipt is often filed in a binder.
PAGE_MARGINS_MM: Final = (20.0, 18.0, 18.0, 18.0)

#: Dots per inch of the PDF. Text stays vector text; this only sets the layout's grid.
PDF_RESOLUTION: Final = 300

#: Point size of the body text; headings are set in the template relative to it.
BASE_POINT_SIZE: Final = 10.0

_FONT_FAMILIES: Final = ("DejaVu Sans", "Liberation Sans", "Arial", "Helvetica", "Segoe UI")

_PLACEHOLDER: Final = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
_SPACES: Final = re.compile(r"[ \t]{2,}")


class Html(str):
    """Markup built in this module from escaped values; inserted into the template as is."""

    __slots__ = ()


_KINDS: Final = ("payment", "refund")

# Kept so Python does not collect an application this module made while Qt still uses it.
_APPLICATION: QGuiApplication | None = None


# --- the application ---------------------------------------------------------------------------


def _has_display() -> bool:
    """Whether a windowing system is there to connect to (always on Windows and macOS)."""
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def ensure_application() -> QGuiApplication:
    """The running ``QGuiApplication``, or a new one when the process has none.

    An application the program made (the desk's ``QApplication``) is used as it is, whatever
    its platform. A new one is a ``QApplication`` (so widgets made later in the same process
    still work) on the platform ``QT_QPA_PLATFORM`` names, or on ``offscreen`` when that is
    unset and there is no display: a server or a terminal without X still gets its PDF.

    Raises:
        Unavailable: the process has a Qt application without GUI support, or this is not the
            main thread and no application exists yet.
    """
    global _APPLICATION
    existing = QCoreApplication.instance()
    if isinstance(existing, QGuiApplication):
        return existing
    if existing is not None:
        raise Unavailable(
            "receipts need a Qt GUI application, but this process runs a QCoreApplication"
        )
    if threading.current_thread() is not threading.main_thread():
        raise Unavailable("the Qt application must be made on the main thread before printing")
    if not os.environ.get("QT_QPA_PLATFORM") and not _has_display():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    _APPLICATION = QApplication([sys.argv[0] if sys.argv and sys.argv[0] else "jdoffice"])
    return _APPLICATION


# --- the HTML ---------------------------------------------------------------------------------


def template_path() -> Path:
    """Where ``receipts/receipt.html`` is: the source tree's ``resources/`` or, in an installed
    wheel, ``jdoffice/resources/``."""
    here = Path(__file__).resolve()
    candidates = (
        here.parents[2] / "resources" / "receipts" / "receipt.html",
        here.parents[1] / "resources" / "receipts" / "receipt.html",
    )
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"the receipt template is missing (looked for {candidates[0]} and {candidates[1]})"
    )


@functools.cache
def _template() -> str:
    return template_path().read_text(encoding="utf-8")


def _clean(text: str) -> str:
    """Text as one run of printable characters: NFC, control characters as spaces, invisible
    format characters dropped (the same rules as the thermal receipt)."""
    out: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp"):
            out.append(" ")
        elif category != "Cf":
            out.append(char)
    return _SPACES.sub(" ", "".join(out)).strip()


def _esc(text: str) -> str:
    return html.escape(_clean(text), quote=True)


def _fill(template: str, values: Mapping[str, str]) -> str:
    """Put ``values`` into the ``{{ name }}`` placeholders, in one pass (a value that looks like
    a placeholder stays text). Plain strings are escaped, :class:`Html` goes in as is."""
    wanted = set(_PLACEHOLDER.findall(template))
    missing = wanted - values.keys()
    if missing:
        raise KeyError(f"receipt template needs values for: {', '.join(sorted(missing))}")

    def replace(match: re.Match[str]) -> str:
        value = values[match.group(1)]
        return str(value) if isinstance(value, Html) else _esc(value)

    return _PLACEHOLDER.sub(replace, template)


def _row(label: str, value: str, *, css: str = "label") -> str:
    """A row of a table of amounts: the text on the left, the amount right-aligned."""
    return (
        f'<tr><td class="{css}" width="75%">{_esc(label)}</td>'
        f'<td class="{css} amount" width="25%" align="right">{_esc(value)}</td></tr>'
    )


def _notes(rows: list[tuple[str, str]]) -> str:
    """Free texts (reference, reason) as a table of their own, the text given most of the
    width, so a long reason does not become a column of single words under the amounts."""
    if not rows:
        return ""
    cells = "".join(
        f'<tr><td class="label" width="25%" valign="top">{_esc(label)}</td>'
        f'<td width="75%">{_esc(text)}</td></tr>'
        for label, text in rows
    )
    return (
        '<table width="100%" cellspacing="0" cellpadding="5" style="margin-top: 6px;">'
        f"{cells}</table>"
    )


def _aside(markup: str, *, margin_px: int, css: str = "") -> str:
    """A line of its own, its text in line with the tables' cell text."""
    return (
        f'<table width="100%" cellspacing="0" cellpadding="5" style="margin-top: {margin_px}px;">'
        f'<tr><td class="{css}">{markup}</td></tr></table>'
    )


def render_html(body: ReceiptBody, *, copy: bool = False, language: str = "da") -> str:
    """The receipt as HTML for Qt's rich text (a ``QTextBrowser`` preview, or
    :func:`build_document`).

    Args:
        body: the receipt as it was issued.
        copy: mark it as a reprint ("KOPI" / "COPY").
        language: ``"da"`` or ``"en"``.

    Raises:
        InvalidInput: unknown language or kind, or a time zone that does not exist.
    """
    words = words_for(language)
    if body.kind not in _KINDS:
        raise InvalidInput(f"unknown receipt kind {body.kind!r} (use payment or refund)")
    refund = body.kind == "refund"
    method_key = body.method.strip().lower()

    def money(minor: int) -> str:
        return format_money(minor, body.currency, words.locale)

    address = Html("<br>".join(_esc(line) for line in body.school_address.splitlines()))
    cvr = Html(
        (
            f'<p class="cvr">{_esc(words.cvr)} {_esc(body.school_cvr)}</p>'
            if body.school_cvr.strip()
            else ""
        )
        + "".join(f'<p class="cvr">{_esc(line)}</p>' for line in contact_lines(body, words))
    )
    original = (
        Html(
            f'<p class="meta" align="right">{_esc(words.refund_of)} '
            f"<b>{body.original_receipt_no}</b></p>"
        )
        if refund and body.original_receipt_no is not None
        else Html("")
    )
    copy_html = Html("")
    if copy:
        copy_html = Html(
            '<table width="100%" cellspacing="0" cellpadding="8" border="2" '
            'style="margin-top: 18px; border-collapse: collapse; border-style: solid; '
            'border-color: #b00020;">'
            f'<tr><td align="center"><p class="copy" align="center">*** {_esc(words.copy)} ***'
            f'</p><p class="copy-note" align="center">{_esc(words.copy_note)}</p>'
            + (
                f'<p class="copy-note" align="center"><b>{_esc(words.refunded_by)} '
                f"{_esc(refunded_by(body))}</b></p>"
                if refunded_by(body)
                else ""
            )
            + "</td></tr></table>"
        )

    student_parts: list[str] = []
    if body.student_name.strip():
        student_parts.append(
            f'<span class="muted">{_esc(words.student)}:</span> <b>{_esc(body.student_name)}</b>'
        )
    if body.student_no.strip():
        student_parts.append(
            f'<span class="muted">{_esc(words.student_no)}</span> {_esc(body.student_no)}'
        )
    student_html = (
        Html(_aside(" &nbsp;&nbsp;·&nbsp;&nbsp; ".join(student_parts), margin_px=12))
        if student_parts
        else Html("")
    )

    line_rows = [_row(line.text, money(line.amount_minor), css="line") for line in body.lines]
    if not line_rows:
        line_rows.append(
            _row(
                words.refund if refund else words.payment_line, money(body.amount_minor), css="line"
            )
        )

    method = words.methods.get(method_key, body.method)
    details = [_row(words.refund_method if refund else words.method, method)]
    if body.rounding_minor:
        sign = "+" if body.rounding_minor > 0 else "-"
        details.append(_row(words.rounding, sign + money(abs(body.rounding_minor))))
    cash_total = body.cash_total_minor
    if cash_total is None and method_key == "cash":
        cash_total = body.amount_minor + body.rounding_minor
    if cash_total is not None:
        details.append(
            _row(words.refund_cash_total if refund else words.cash_total, money(cash_total))
        )
    if body.tendered_minor is not None:
        details.append(_row(words.tendered, money(body.tendered_minor)))
    if body.change_minor is not None:
        details.append(_row(words.change, money(body.change_minor)))
    if body.credit_minor > 0:
        details.append(_row(words.credit, money(body.credit_minor)))
    notes: list[tuple[str, str]] = []
    if body.reference.strip():
        notes.append((words.reference, body.reference))
    if refund and body.reason.strip():
        notes.append((words.reason, body.reason))

    vat_html = Html(_aside(_esc(vat_line(body)), margin_px=12)) if vat_line(body) else Html("")
    staff_parts: list[str] = []
    staff = staff_name(body)
    if staff:
        staff_parts.append(f"{_esc(words.staff)}: {_esc(staff)}")
    if body.desk.strip():
        staff_parts.append(f"{_esc(words.desk)}: {_esc(body.desk)}")
    staff_html = (
        Html(_aside(" &nbsp;&nbsp;·&nbsp;&nbsp; ".join(staff_parts), margin_px=18, css="muted"))
        if staff_parts
        else Html("")
    )

    title = words.refund if refund else words.receipt
    values: dict[str, str] = {
        "lang": language,
        "title": title.upper(),
        "receipt_no": str(body.receipt_no),
        "receipt_no_label": words.receipt_no,
        "date_label": words.date,
        "issued_local": date_time_text(local_time(body), words.language),
        "school_name": body.school_name,
        "school_address_html": address,
        "cvr_html": cvr,
        "original_html": original,
        "copy_html": copy_html,
        "student_html": student_html,
        "description_label": words.description,
        "amount_label": words.amount,
        "line_rows_html": Html("\n".join(line_rows)),
        "total_label": words.refund_total if refund else words.total,
        "total": money(body.amount_minor),
        "detail_rows_html": Html("\n".join(details)),
        "notes_html": Html(_notes(notes)),
        "staff_html": Html(vat_html + staff_html),
        "footer": words.refund_footer if refund else words.thanks,
    }
    return _fill(_template(), values)


# --- laying out and painting ------------------------------------------------------------------


def _page_layout() -> QPageLayout:
    left, top, right, bottom = PAGE_MARGINS_MM
    return QPageLayout(
        QPageSize(QPageSize.PageSizeId.A4),
        QPageLayout.Orientation.Portrait,
        QMarginsF(left, top, right, bottom),
        QPageLayout.Unit.Millimeter,
    )


def _default_font() -> QFont:
    font = QFont()
    font.setFamilies(list(_FONT_FAMILIES))
    font.setStyleHint(QFont.StyleHint.SansSerif)
    font.setPointSizeF(BASE_POINT_SIZE)
    # No ligatures: "aflyst" must stay six letters when the PDF is searched or copied from.
    font.setFeature(QFont.Tag("liga"), 0)
    return font


def build_document(body: ReceiptBody, *, copy: bool = False, language: str = "da") -> QTextDocument:
    """The receipt as a ``QTextDocument`` (not yet laid out for a page).

    Makes the Qt application first when there is none (see :func:`ensure_application`).
    """
    markup = render_html(body, copy=copy, language=language)
    ensure_application()
    doc = QTextDocument()
    doc.setDefaultFont(_default_font())
    doc.setDocumentMargin(0)
    doc.setHtml(markup)
    doc.setMetaInformation(QTextDocument.MetaInformation.DocumentTitle, _title(body, language))
    return doc


def _title(body: ReceiptBody, language: str) -> str:
    words = words_for(language)
    kind = words.refund if body.kind == "refund" else words.receipt
    return f"{kind} {body.receipt_no} – {_clean(body.school_name)}"


@dataclass(frozen=True, slots=True)
class _Marks:
    """What is painted on every page around the text: the copy watermark and, when the receipt
    runs over several pages, which receipt and page this is."""

    copy: str | None
    page_footer: str  # with {page} and {pages}

    @classmethod
    def of(cls, body: ReceiptBody, *, copy: bool, language: str) -> _Marks:
        words = words_for(language)
        return cls(
            copy=words.copy if copy else None,
            page_footer=words.page_footer.replace("{no}", str(body.receipt_no)),
        )


def _paint_page(
    painter: QPainter, doc: QTextDocument, page: QSizeF, index: int, marks: _Marks
) -> None:
    """Paint page ``index`` of ``doc`` (laid out for pages of ``page``) with the painter's origin
    at the top left of the printable area."""
    pages = max(1, doc.pageCount())
    if marks.copy:
        _paint_watermark(painter, page, marks.copy)
    painter.save()
    painter.translate(0, -index * page.height())
    doc.drawContents(painter, QRectF(QPointF(0, index * page.height()), page))
    painter.restore()
    if pages > 1:
        text = marks.page_footer.format(page=index + 1, pages=pages)
        _paint_page_footer(painter, page, text)


def _paint_pages(painter: QPainter, doc: QTextDocument, page: QSizeF, marks: _Marks) -> int:
    """Lay ``doc`` out for pages of ``page`` (device pixels) and paint them all.

    The caller has begun ``painter`` on a paged device; a new page is started before every page
    after the first. Returns the number of pages.
    """
    doc.setPageSize(page)
    pages = max(1, doc.pageCount())
    device = painter.device()
    for index in range(pages):
        if index and isinstance(device, QPagedPaintDevice) and not device.newPage():
            raise OSError("the printer refused a new page")
        _paint_page(painter, doc, page, index, marks)
    return pages


def _mm(painter: QPainter, mm: float) -> float:
    return mm * painter.device().logicalDpiY() / 25.4


def _paint_page_footer(painter: QPainter, page: QSizeF, text: str) -> None:
    """A small line in the bottom margin, under the printable area."""
    painter.save()
    font = _default_font()
    font.setPixelSize(max(1, round(8 * painter.device().logicalDpiY() / 72)))
    painter.setFont(font)
    painter.setPen(QColor(85, 85, 85))
    box = QRectF(0, page.height() + _mm(painter, 3), page.width(), _mm(painter, 6))
    align = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop
    painter.drawText(box, int(align), text)
    painter.restore()


def _paint_watermark(painter: QPainter, page: QSizeF, text: str) -> None:
    """A large, light diagonal word across the page, so a copy is never taken for the original."""
    painter.save()
    font = _default_font()
    font.setBold(True)
    # 96 pt on whatever resolution the device has.
    font.setPixelSize(max(1, round(96 * painter.device().logicalDpiY() / 72)))
    painter.setFont(font)
    colour = QColor(176, 0, 32)
    colour.setAlphaF(0.13)
    painter.setPen(colour)
    painter.translate(page.width() / 2, page.height() / 2)
    painter.rotate(-35)
    box = QRectF(-page.width(), -page.height() / 4, 2 * page.width(), page.height() / 2)
    painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), text)
    painter.restore()


def _paint(
    body: ReceiptBody, device: QPagedPaintDevice, *, copy: bool, language: str, what: str
) -> int:
    doc = build_document(body, copy=copy, language=language)
    layout = doc.documentLayout()
    layout.setPaintDevice(device)
    page = QSizeF(device.width(), device.height())
    painter = QPainter()
    if not painter.begin(device):
        raise OSError(f"could not start writing {what}")
    try:
        return _paint_pages(painter, doc, page, _Marks.of(body, copy=copy, language=language))
    finally:
        painter.end()


def check_pdf_path(path: Path) -> Path:
    """``path`` if a PDF can be written there, checked before any work is done.

    Raises:
        InvalidInput: the folder does not exist, or ``path`` is a folder.
    """
    path = Path(path)
    if path.is_dir():
        raise InvalidInput(f"{path} is a folder; give a file name such as receipt.pdf")
    if not path.parent.is_dir():
        raise InvalidInput(f"folder does not exist: {path.parent}")
    return path


def render_pdf(body: ReceiptBody, path: Path, *, copy: bool = False, language: str = "da") -> Path:
    """Write the receipt as an A4 PDF to ``path`` and return the path.

    The PDF is written next to ``path`` under a temporary name and moved into place when
    complete, so a reader never sees half a file.

    Raises:
        InvalidInput: unknown language or kind, a time zone that does not exist, or a folder
            that does not exist.
        OSError: the file cannot be written (permissions, a full disk).
    """
    path = check_pdf_path(path)
    render_html(body, copy=copy, language=language)  # refuse bad input before touching files
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    # Opening it here turns "permission denied" or "read-only" into a clear OSError.
    with partial.open("wb"):
        pass
    try:
        writer = QPdfWriter(str(partial))
        writer.setPageLayout(_page_layout())
        writer.setResolution(PDF_RESOLUTION)
        writer.setTitle(_title(body, language))
        writer.setCreator("jdoffice")
        _paint(body, writer, copy=copy, language=language, what=str(path))
        del writer  # QPdfWriter finishes the file when it goes away
        if partial.stat().st_size == 0:
            raise OSError(f"could not write {path}")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def pdf_bytes(body: ReceiptBody, *, copy: bool = False, language: str = "da") -> bytes:
    """The receipt as an A4 PDF in memory: the attachment of a confirmation e-mail.

    Raises:
        InvalidInput: unknown language or kind, a time zone that does not exist.
    """
    render_html(body, copy=copy, language=language)  # refuse bad input first
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setPageLayout(_page_layout())
    writer.setResolution(PDF_RESOLUTION)
    writer.setTitle(_title(body, language))
    writer.setCreator("jdoffice")
    _paint(body, writer, copy=copy, language=language, what="the e-mail attachment")
    del writer  # QPdfWriter finishes the document when it goes away
    buffer.close()
    return bytes(buffer.data().data())


def render_image(
    body: ReceiptBody,
    *,
    copy: bool = False,
    language: str = "da",
    dpi: int = 96,
    page: int = 0,
) -> QImage:
    """One A4 page of the receipt as an image, margins included: a preview, or a screenshot.

    Args:
        dpi: resolution of the image; 96 gives about 794 × 1123 pixels.
        page: which page, from 0 (a receipt with very many lines runs over).
    """
    if not 24 <= dpi <= 600:
        raise InvalidInput("image resolution must be between 24 and 600 dpi")
    doc = build_document(body, copy=copy, language=language)
    layout = _page_layout()
    full = layout.fullRectPixels(dpi)
    inner = layout.paintRectPixels(dpi)
    image = QImage(full.width(), full.height(), QImage.Format.Format_ARGB32_Premultiplied)
    image.setDotsPerMeterX(round(dpi / 0.0254))
    image.setDotsPerMeterY(round(dpi / 0.0254))
    image.fill(QColor(255, 255, 255))
    doc.documentLayout().setPaintDevice(image)
    size = QSizeF(inner.width(), inner.height())
    doc.setPageSize(size)
    index = min(max(0, page), max(1, doc.pageCount()) - 1)
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.translate(inner.left(), inner.top())
        _paint_page(painter, doc, size, index, _Marks.of(body, copy=copy, language=language))
    finally:
        painter.end()
    return image


def print_receipt(
    body: ReceiptBody,
    printer_name: str | None,
    *,
    copy: bool = False,
    language: str = "da",
) -> str:
    """Print the A4 receipt on a system printer (``None``: the default printer).

    Returns:
        The name of the printer it was sent to.

    Raises:
        InvalidInput: bad receipt data.
        Unavailable: no such printer, no default printer, or the printer refused the job.
    """
    render_html(body, copy=copy, language=language)
    ensure_application()
    from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

    if printer_name:
        info = QPrinterInfo.printerInfo(printer_name)
        if info.isNull():
            known = ", ".join(QPrinterInfo.availablePrinterNames()) or "none"
            raise Unavailable(f"no printer called {printer_name!r} (printers here: {known})")
    else:
        info = QPrinterInfo.defaultPrinter()
        if info.isNull():
            raise Unavailable("there is no default printer; choose one in the settings")
    printer = QPrinter(info, QPrinter.PrinterMode.HighResolution)
    printer.setPageLayout(_page_layout())
    printer.setDocName(_title(body, language))
    try:
        _paint(body, printer, copy=copy, language=language, what=f"to {info.printerName()}")
    except OSError as exc:
        raise Unavailable(f"printer {info.printerName()!r}: {exc}") from None
    if printer.printerState() == QPrinter.PrinterState.Error:
        raise Unavailable(f"printer {info.printerName()!r} refused the receipt")
    return info.printerName()
