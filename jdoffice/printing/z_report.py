"""The Z-report on paper: an A4 PDF and the 80 mm thermal printer (issue 14).

Both print the lines of :func:`jdoffice.domain.z_text.z_lines`, so the page, the slip and
the command line's text say the same; a reprint is marked KOPI (COPY) on each, and the
thermal printer never opens the cash drawer for a Z-report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jdoffice.domain.shifts import ZReport
from jdoffice.domain.z_text import z_lines, z_words
from jdoffice.printing import thermal
from jdoffice.printing.receipt_layout import page_layout
from jdoffice.printing.receipts import check_pdf_path
from jdoffice.printing.text_pages import lines_pdf

#: Columns of the A4 page's monospaced block.
A4_WIDTH = 60


def render_pdf(
    report: ZReport,
    path: Path,
    *,
    school_name: str,
    timezone: str,
    copy: bool = False,
    language: str = "da",
) -> Path:
    """Write the Z-report as an A4 PDF to ``path`` (written under a temporary name and moved
    into place when complete).

    Raises:
        InvalidInput: a folder that does not exist, an unknown language.
        OSError: the file cannot be written.
    """
    path = check_pdf_path(path)
    lines = z_lines(
        report,
        school_name=school_name,
        timezone=timezone,
        width=A4_WIDTH,
        copy=copy,
        language=language,
    )
    title = f"{z_words(language).title} {report.label} {report.desk}"
    return lines_pdf(lines, path, title=title, points=10, layout=page_layout())


def z_bytes(
    report: ZReport,
    *,
    school_name: str,
    timezone: str,
    copy: bool = False,
    language: str = "da",
    width: int = 42,
    code_page: str = thermal.DEFAULT_CODE_PAGE,
) -> bytes:
    """The Z-report as ESC/POS bytes for an 80 mm printer (the drawer stays shut)."""
    page = thermal._check_code_page(code_page)
    codec = page.lower()
    lines = [
        thermal._printable(line, codec)
        for line in z_lines(
            report,
            school_name=school_name,
            timezone=timezone,
            width=width,
            copy=copy,
            language=language,
        )
    ]
    out: Any = thermal._escpos().Dummy()
    out.hw("INIT")
    out.charcode(page)
    for line in lines:
        out.textln(line)
    out.cut(mode="PART")
    data: bytes = out.output
    out.close()
    return data


def print_z(
    report: ZReport,
    target: str | thermal.Target,
    *,
    school_name: str,
    timezone: str,
    copy: bool = False,
    language: str = "da",
    width: int = 42,
) -> None:
    """Print the Z-report on an ESC/POS printer.

    Raises:
        InvalidInput: a target that is not understood.
        Unavailable: the printer cannot be reached.
    """
    where = thermal.parse_target(target) if isinstance(target, str) else target
    data = z_bytes(
        report,
        school_name=school_name,
        timezone=timezone,
        copy=copy,
        language=language,
        width=width,
    )
    thermal.send(where, data)
