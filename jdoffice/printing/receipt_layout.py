"""The A4 receipt laid out and painted by Qt: the document, the page, the copy watermark and
the page footer of a receipt that runs over several pages.

Qt needs a ``QGuiApplication`` to lay out text. :func:`ensure_application` makes one when the
process has none (the command line, a test), choosing the ``offscreen`` platform when there is
no display and no platform was asked for; an application the program already made is used as
it is.
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass
from typing import Final

from PySide6.QtCore import (
    QCoreApplication,
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
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QTextDocument,
)

from jdoffice.domain.errors import Unavailable
from jdoffice.domain.model import ReceiptBody
from jdoffice.domain.receipt_text import words_for
from jdoffice.printing.receipt_html import document_title, render_html

#: Space around the text on an A4 page, in millimetres (left, top, right, bottom). Office
#: printers cannot print the outer 4-5 mm, and a receipt is often filed in a binder.
PAGE_MARGINS_MM: Final = (20.0, 18.0, 18.0, 18.0)

#: Point size of the body text; headings are set in the template relative to it.
BASE_POINT_SIZE: Final = 10.0

_FONT_FAMILIES: Final = ("DejaVu Sans", "Liberation Sans", "Arial", "Helvetica", "Segoe UI")

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


# --- laying out and painting ------------------------------------------------------------------


def page_layout() -> QPageLayout:
    """An A4 portrait page with the receipt's margins (:data:`PAGE_MARGINS_MM`)."""
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
    doc.setMetaInformation(
        QTextDocument.MetaInformation.DocumentTitle, document_title(body, language)
    )
    return doc


@dataclass(frozen=True, slots=True)
class Marks:
    """What is painted on every page around the text: the copy watermark and, when the receipt
    runs over several pages, which receipt and page this is."""

    copy: str | None
    page_footer: str  # with {page} and {pages}

    @classmethod
    def of(cls, body: ReceiptBody, *, copy: bool, language: str) -> Marks:
        words = words_for(language)
        return cls(
            copy=words.copy if copy else None,
            page_footer=words.page_footer.replace("{no}", str(body.receipt_no)),
        )


def paint_page(
    painter: QPainter, doc: QTextDocument, page: QSizeF, index: int, marks: Marks
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


def _paint_pages(painter: QPainter, doc: QTextDocument, page: QSizeF, marks: Marks) -> int:
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
        paint_page(painter, doc, page, index, marks)
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


def paint(
    body: ReceiptBody, device: QPagedPaintDevice, *, copy: bool, language: str, what: str
) -> int:
    """Lay the receipt out for ``device`` and paint every page on it; ``what`` names the
    output in an error. Returns the number of pages."""
    doc = build_document(body, copy=copy, language=language)
    layout = doc.documentLayout()
    layout.setPaintDevice(device)
    page = QSizeF(device.width(), device.height())
    painter = QPainter()
    if not painter.begin(device):
        raise OSError(f"could not start writing {what}")
    try:
        return _paint_pages(painter, doc, page, Marks.of(body, copy=copy, language=language))
    finally:
        painter.end()
