"""Reports as A4 PDFs of monospaced lines: the Z-report, the debtor list (landscape, so the
five buckets fit) and the student's statement, the same lines the command line prints; and
the reports' CSV files, written whole or not at all."""

from __future__ import annotations

import html
import os
import tempfile
from pathlib import Path

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument

from jdoffice.domain.debtors import DebtorList, text_lines
from jdoffice.domain.statement import Statement, statement_lines
from jdoffice.printing.receipt_layout import ensure_application
from jdoffice.printing.receipts import PDF_RESOLUTION, check_pdf_path


def lines_html(lines: list[str], *, points: int = 8) -> str:
    body = html.escape("\n".join(lines))
    return (
        "<html><body>"
        f"<pre style=\"font-family: 'DejaVu Sans Mono', monospace; font-size: {points}pt;\">"
        f"{body}</pre></body></html>"
    )


def save_text(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8, newlines as given) beside ``path`` and rename it into place:
    a failed write never leaves half a file (the CSV exports)."""
    tmp = path.with_name(path.name + ".part")
    try:
        tmp.write_text(text, encoding="utf-8", newline="")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def lines_pdf(
    lines: list[str],
    path: Path,
    *,
    title: str,
    landscape: bool = False,
    points: int = 8,
    layout: QPageLayout | None = None,
) -> Path:
    """Write ``lines`` as an A4 PDF to ``path`` (under a temporary name, moved into place
    when complete): monospaced at ``points``, on ``layout`` (default: 12 mm margins,
    portrait or ``landscape``).

    Raises:
        InvalidInput: a folder that does not exist.
        OSError: the file cannot be written.
    """
    path = check_pdf_path(path)
    ensure_application()
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    with partial.open("wb"):
        pass
    try:
        writer = QPdfWriter(str(partial))
        writer.setPageLayout(
            layout
            or QPageLayout(
                QPageSize(QPageSize.PageSizeId.A4),
                QPageLayout.Orientation.Landscape
                if landscape
                else QPageLayout.Orientation.Portrait,
                QMarginsF(12, 12, 12, 12),
                QPageLayout.Unit.Millimeter,
            )
        )
        writer.setResolution(PDF_RESOLUTION)
        writer.setTitle(title)
        writer.setCreator("jdoffice")
        doc = QTextDocument()
        doc.setHtml(lines_html(lines, points=points))
        doc.print_(writer)
        del writer
        if partial.stat().st_size == 0:
            raise OSError(f"could not write {path}")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def debtors_pdf(debtors: DebtorList, path: Path, *, language: str = "da") -> Path:
    """The debtor list as an A4 landscape PDF."""
    lines = text_lines(debtors, language=language)
    return lines_pdf(lines, path, title=lines[1], landscape=True)


def statement_pdf(statement: Statement, path: Path, *, language: str = "da") -> Path:
    """The student's statement as an A4 PDF."""
    lines = statement_lines(statement, language=language)
    title = f"{lines[1]} {statement.student_no}"
    return lines_pdf(lines, path, title=title)


def statement_pdf_bytes(statement: Statement, language: str = "da") -> bytes:
    """The statement as A4 PDF bytes: the attachment of the statement sent by e-mail."""
    with tempfile.TemporaryDirectory(prefix="jdoffice-statement-") as folder:
        path = statement_pdf(statement, Path(folder) / "statement.pdf", language=language)
        return path.read_bytes()
