"""The A4 receipt as HTML: the template filled with escaped values, and the document's title.

The template is ``resources/receipts/receipt.html``. Every value put into it is HTML-escaped
here, so a student called ``<b>Bo</b>`` is printed as exactly that and cannot change the
layout; the few fragments inserted as markup (:class:`Html`) are built here from escaped
values. Nothing here needs Qt.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from jdoffice.domain.errors import InvalidInput
from jdoffice.domain.model import ReceiptBody
from jdoffice.domain.money import format_money
from jdoffice.domain.receipt_text import (
    approved_by,
    contact_lines,
    date_time_text,
    local_time,
    refunded_by,
    staff_name,
    vat_line,
    words_for,
)

_PLACEHOLDER: Final = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
_SPACES: Final = re.compile(r"[ \t]{2,}")


class Html(str):
    """Markup built in this module from escaped values; inserted into the template as is."""

    __slots__ = ()


_KINDS: Final = ("payment", "refund")


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
    if approved_by(body):
        staff_parts.append(f"{_esc(words.approved)}: {_esc(approved_by(body))}")
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


def document_title(body: ReceiptBody, language: str) -> str:
    """The title of the receipt's document: kind, number and school."""
    words = words_for(language)
    kind = words.refund if body.kind == "refund" else words.receipt
    return f"{kind} {body.receipt_no} – {_clean(body.school_name)}"
