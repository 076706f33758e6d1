"""The debtor list on paper: an A4 PDF of the same lines the command line prints
(:func:`jdoffice.domain.debtors.text_lines`), landscape so the five buckets fit."""

from __future__ import annotations

import html
import os
from pathlib import Path

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument

from jdoffice.domain.debtors import DebtorList, text_lines
from jdoffice.printing.receipt_layout import ensure_application
from jdoffice.printing.receipts import PDF_RESOLUTION, check_pdf_path


def debtors_html(lines: list[str]) -> str:
    body = html.escape("\n".join(lines))
    return (
        "<html><body>"
        "<pre style=\"font-family: 'DejaVu Sans Mono', monospace; font-size: 8pt;\">"
        f"{body}</pre></body></html>"
    )


def render_pdf(debtors: DebtorList, path: Path, *, language: str = "da") -> Path:
    """Write the list as an A4 landscape PDF to ``path`` (under a temporary name, moved into
    place when complete).

    Raises:
        InvalidInput: a folder that does not exist, an unknown language.
        OSError: the file cannot be written.
    """
    path = check_pdf_path(path)
    lines = text_lines(debtors, language=language)
    ensure_application()
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    with partial.open("wb"):
        pass
    try:
        writer = QPdfWriter(str(partial))
        writer.setPageLayout(
            QPageLayout(
                QPageSize(QPageSize.PageSizeId.A4),
                QPageLayout.Orientation.Landscape,
                QMarginsF(12, 12, 12, 12),
                QPageLayout.Unit.Millimeter,
            )
        )
        writer.setResolution(PDF_RESOLUTION)
        writer.setTitle(lines[1] if len(lines) > 1 else "jdoffice")
        writer.setCreator("jdoffice")
        doc = QTextDocument()
        doc.setHtml(debtors_html(lines))
        doc.print_(writer)
        del writer
        if partial.stat().st_size == 0:
            raise OSError(f"could not write {path}")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path
