"""The A4 receipt: HTML from a template, laid out by Qt, written as PDF or sent to a printer.

The desk program's preview, its "save as PDF", its system printer and ``jdoffice receipt N
--pdf FILE`` all go through :func:`build_document`, so they show the very same receipt.

This module writes the receipt out (a PDF file, a PDF in memory, an image, a system printer)
and is the one place the rest of jdoffice takes the receipt names from. The HTML (the template
and its escaping) is :mod:`~jdoffice.printing.receipt_html`; the Qt application, the layout
and the painting of pages are :mod:`~jdoffice.printing.receipt_layout`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

from PySide6.QtCore import QBuffer, QIODevice, QSizeF
from PySide6.QtGui import QColor, QImage, QPainter, QPdfWriter

from jdoffice.domain.errors import InvalidInput, Unavailable
from jdoffice.domain.model import ReceiptBody
from jdoffice.domain.receipt_text import LANGUAGES
from jdoffice.printing.receipt_html import Html, document_title, render_html, template_path
from jdoffice.printing.receipt_layout import (
    BASE_POINT_SIZE,
    PAGE_MARGINS_MM,
    Marks,
    build_document,
    ensure_application,
    page_layout,
    paint,
    paint_page,
)

__all__ = [
    "BASE_POINT_SIZE",
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

#: Dots per inch of the PDF. Text stays vector text; this only sets the layout's grid.
PDF_RESOLUTION: Final = 300


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
        writer.setPageLayout(page_layout())
        writer.setResolution(PDF_RESOLUTION)
        writer.setTitle(document_title(body, language))
        writer.setCreator("jdoffice")
        paint(body, writer, copy=copy, language=language, what=str(path))
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
    writer.setPageLayout(page_layout())
    writer.setResolution(PDF_RESOLUTION)
    writer.setTitle(document_title(body, language))
    writer.setCreator("jdoffice")
    paint(body, writer, copy=copy, language=language, what="the e-mail attachment")
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
    layout = page_layout()
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
        paint_page(painter, doc, size, index, Marks.of(body, copy=copy, language=language))
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
    printer.setPageLayout(page_layout())
    printer.setDocName(document_title(body, language))
    try:
        paint(body, printer, copy=copy, language=language, what=f"to {info.printerName()}")
    except OSError as exc:
        raise Unavailable(f"printer {info.printerName()!r}: {exc}") from None
    if printer.printerState() == QPrinter.PrinterState.Error:
        raise Unavailable(f"printer {info.printerName()!r} refused the receipt")
    return info.printerName()
