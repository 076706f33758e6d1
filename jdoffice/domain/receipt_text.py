"""A receipt as plain text lines for a thermal printer, a text file or an e-mail body.

An 80 mm thermal printer prints 42 columns in Font A and 48 in Font B; a 58 mm printer about
32. :func:`receipt_lines` lays a :class:`~jdoffice.domain.model.ReceiptBody` out for such a
width and :func:`render_text` joins the lines. Everything a Danish receipt must carry is there:
the school's name, address and CVR, the receipt number, the local date and time, what was paid
for, the amount, the method and, for cash, rounding, the amount tendered and the change.

The layout is pure: no I/O, so the printer adapter, the desk program and the tests all see the
very same text. The words (:class:`ReceiptWords`, :func:`words_for`) and the local time of issue
(:func:`local_time`) are shared with the A4 receipt in :mod:`jdoffice.printing.receipts`, so both
say the same thing in the same words.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import textwrap
import threading
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jdoffice.domain.errors import InvalidInput
from jdoffice.domain.model import ReceiptBody
from jdoffice.domain.money import format_money

__all__ = [
    "DEFAULT_TIMEZONE",
    "DEFAULT_WIDTH",
    "LANGUAGES",
    "MIN_WIDTH",
    "ReceiptWords",
    "approved_by",
    "contact_lines",
    "date_text",
    "date_time_text",
    "local_time",
    "receipt_lines",
    "refunded_by",
    "render_text",
    "staff_name",
    "vat_line",
    "words_for",
]

#: Columns of Font A on an 80 mm printer, the usual front-desk printer.
DEFAULT_WIDTH: Final = 42

#: Narrower than this, a label and an amount no longer fit side by side in any useful way.
MIN_WIDTH: Final = 24

#: The school's zone when a body carries none (bodies made before the field was filled).
DEFAULT_TIMEZONE: Final = "Europe/Copenhagen"

#: A label keeps at least this many columns next to its amount; with less room the amount
#: moves to a line of its own rather than squeezing the text into a column of fragments.
_MIN_LABEL_ROOM: Final = 10

_SPACES: Final = re.compile(" {2,}")


@dataclass(frozen=True, slots=True)
class ReceiptWords:
    """The fixed texts of a receipt in one language, for the text receipt and the A4 page alike.

    Words are stored as written in a sentence; each layout sets its own case and marks (the
    text receipt prints ``receipt`` in capitals and ``copy`` between asterisks). ``receipt_no``
    and ``refund_of`` are followed by the number. ``page_footer`` is a :meth:`str.format`
    pattern with ``{no}`` (the receipt number), ``{page}`` and ``{pages}``.
    """

    locale: str
    language: str
    copy: str
    copy_note: str
    receipt: str
    refund: str
    receipt_no: str
    refund_of: str
    date: str
    student: str
    student_no: str
    description: str
    amount: str
    payment_line: str
    total: str
    refund_total: str
    method: str
    refund_method: str
    methods: Mapping[str, str]
    rounding: str
    cash_total: str
    refund_cash_total: str
    tendered: str
    change: str
    credit: str
    reference: str
    reason: str
    staff: str
    approved: str
    desk: str
    cvr: str
    phone: str
    refunded_by: str
    thanks: str
    refund_footer: str
    page_footer: str


_DA: Final = ReceiptWords(
    locale="da_DK",
    language="da",
    copy="KOPI",
    copy_note="Genudskrift – den originale kvittering er udleveret tidligere.",
    receipt="Kvittering",
    refund="Kreditnota / refusion",
    receipt_no="Kvittering nr.",
    refund_of="Refusion af kvittering nr.",
    date="Dato",
    student="Elev",
    student_no="Elevnr.",
    description="Beskrivelse",
    amount="Beløb",
    payment_line="Indbetaling",
    total="I alt",
    refund_total="Refunderet i alt",
    method="Betaling",
    refund_method="Refunderet via",
    methods=MappingProxyType(
        {
            "cash": "Kontant",
            "bank": "Bankoverførsel",
            "mobilepay": "MobilePay",
            "card": "Betalingskort (terminal)",
            "stripe": "Online (kort/MobilePay)",
        }
    ),
    rounding="Afrunding",
    cash_total="Kontant i alt",
    refund_cash_total="Udbetalt kontant",
    tendered="Modtaget",
    change="Byttepenge",
    credit="Tilgodehavende",
    reference="Reference",
    reason="Årsag",
    staff="Ekspedient",
    approved="Godkendt af",
    desk="Kasse",
    cvr="CVR-nr.",
    phone="Tlf.",
    refunded_by="Refunderet på kvittering nr.",
    thanks="Tak for betalingen.",
    refund_footer="Beløbet er refunderet som angivet ovenfor.",
    page_footer="Kvittering nr. {no} – side {page} af {pages}",
)

# Babel's "en_DK" formats money exactly like "da_DK" ("1.234,50 kr."); plain "en" gives the
# international form "DKK1,234.50" that an English-speaking student reads without effort.
_EN: Final = ReceiptWords(
    locale="en",
    language="en",
    copy="COPY",
    copy_note="Reprint – the original receipt was handed out before.",
    receipt="Receipt",
    refund="Refund",
    receipt_no="Receipt no.",
    refund_of="Refund of receipt no.",
    date="Date",
    student="Student",
    student_no="Student no.",
    description="Description",
    amount="Amount",
    payment_line="Payment",
    total="Total",
    refund_total="Total refunded",
    method="Payment",
    refund_method="Refunded via",
    methods=MappingProxyType(
        {
            "cash": "Cash",
            "bank": "Bank transfer",
            "mobilepay": "MobilePay",
            "card": "Card (terminal)",
            "stripe": "Online (card/MobilePay)",
        }
    ),
    rounding="Rounding",
    cash_total="Cash total",
    refund_cash_total="Cash paid out",
    tendered="Tendered",
    change="Change",
    credit="Credit on account",
    reference="Reference",
    reason="Reason",
    staff="Served by",
    approved="Approved by",
    desk="Desk",
    cvr="CVR no.",
    phone="Phone",
    refunded_by="Refunded on receipt no.",
    thanks="Thank you for your payment.",
    refund_footer="The amount has been refunded as shown above.",
    page_footer="Receipt no. {no} – page {page} of {pages}",
)

_WORDS: Final[dict[str, ReceiptWords]] = {"da": _DA, "en": _EN}

#: The languages a receipt can be printed in.
LANGUAGES: Final = tuple(_WORDS)


_sources: list[Callable[[], Mapping[str, Mapping[str, str]]]] = []
_naming = threading.RLock()


def name_methods_from(source: Callable[[], Mapping[str, Mapping[str, str]]]) -> None:
    """Ask ``source`` for the words of installed payment methods (as :func:`name_methods`
    takes them) when a receipt first needs words, not before: whoever knows the installed
    methods (the services, which read the gateway plugins) registers once, and no start-up
    code has to have run for a receipt to name them."""
    with _naming:
        _sources.append(source)


def name_methods(names: Mapping[str, Mapping[str, str]]) -> None:
    """Give the receipts the words of installed payment methods: ``{method: {language:
    label}}``. The words jdoffice ships for its own methods stay."""
    for language, words in list(_WORDS.items()):
        extra = {
            method: labels[language]
            for method, labels in names.items()
            if language in labels and method not in words.methods
        }
        if extra:
            merged = MappingProxyType({**words.methods, **extra})
            _WORDS[language] = dataclasses.replace(words, methods=merged)


def _ask_sources() -> None:
    with _naming:
        while _sources:
            name_methods(_sources.pop(0)())


def words_for(language: str) -> ReceiptWords:
    """The receipt texts in ``language`` (one of :data:`LANGUAGES`).

    Raises:
        InvalidInput: an unknown language.
    """
    if _sources:
        _ask_sources()
    words = _WORDS.get(language)
    if words is None:
        known = ", ".join(LANGUAGES)
        raise InvalidInput(f"unknown receipt language {language!r} (use one of: {known})")
    return words


_KINDS: Final = ("payment", "refund")


def render_text(
    body: ReceiptBody,
    *,
    width: int = DEFAULT_WIDTH,
    copy: bool = False,
    language: str = "da",
) -> str:
    """The receipt as plain text: :func:`receipt_lines` joined with newlines.

    Args:
        body: the receipt as it was issued.
        width: columns per line (42 for Font A on 80 mm paper, 48 for Font B, 32 on 58 mm).
        copy: print "*** KOPI ***" / "*** COPY ***" at the top and the bottom, for reprints.
        language: ``"da"`` or ``"en"``.

    Returns:
        The lines joined with ``"\\n"``, without a trailing newline.

    Raises:
        InvalidInput: unknown language or kind, a width below :data:`MIN_WIDTH`, or a time
            zone that does not exist.
    """
    return "\n".join(receipt_lines(body, width=width, copy=copy, language=language))


def receipt_lines(
    body: ReceiptBody,
    *,
    width: int = DEFAULT_WIDTH,
    copy: bool = False,
    language: str = "da",
) -> list[str]:
    """The receipt as a list of lines, each at most ``width`` characters.

    Texts longer than the width are wrapped, never cut. Control characters in stored texts
    become spaces, so a name or an invoice text can neither break the layout nor send commands
    to the printer.

    Args:
        body: the receipt as it was issued.
        width: columns per line, at least :data:`MIN_WIDTH`.
        copy: mark the receipt as a copy near the top and the bottom.
        language: ``"da"`` or ``"en"``.

    Returns:
        The lines without newline characters, top to bottom.

    Raises:
        InvalidInput: unknown language or kind, a width below :data:`MIN_WIDTH`, or a time
            zone that does not exist.
    """
    words = words_for(language)
    if isinstance(width, bool) or not isinstance(width, int) or width < MIN_WIDTH:
        raise InvalidInput(f"receipt width must be a whole number of at least {MIN_WIDTH}")
    if body.kind not in _KINDS:
        raise InvalidInput(f"unknown receipt kind {body.kind!r} (use payment or refund)")
    refund = body.kind == "refund"

    def money(minor: int) -> str:
        return format_money(minor, body.currency, words.locale)

    def row(label: str, minor: int) -> list[str]:
        return _row(label, money(minor), width)

    out: list[str] = []
    if copy:
        out += _centred(f"*** {words.copy} ***", width)
        if refunded_by(body):
            out += _centred(f"{words.refunded_by} {refunded_by(body)}", width)

    # Header: who issued the receipt, as the Danish bookkeeping rules ask.
    out += _centred(body.school_name, width)
    for address_line in body.school_address.splitlines():
        out += _centred(address_line, width)
    if body.school_cvr.strip():
        out += _centred(f"CVR: {body.school_cvr}", width)
    for contact in contact_lines(body, words):
        out += _centred(contact, width)
    out.append("=" * width)

    out += _centred((words.refund if refund else words.receipt).upper(), width)
    out += _wrap(f"{words.receipt_no} {body.receipt_no}", width)
    if refund and body.original_receipt_no is not None:
        out += _wrap(f"{words.refund_of} {body.original_receipt_no}", width)
    out += _labelled(words.date, date_time_text(local_time(body), words.language), width)
    if body.student_name.strip():
        out += _labelled(words.student, body.student_name, width)
    if body.student_no.strip():
        out += _labelled(words.student_no, body.student_no, width)
    out.append("-" * width)

    if body.lines:
        for line in body.lines:
            out += row(line.text, line.amount_minor)
        out.append("-" * width)

    out += row(words.refund_total if refund else words.total, body.amount_minor)
    method = words.methods.get(body.method.strip().lower(), body.method)
    out += _labelled(words.refund_method if refund else words.method, method, width)

    # Rounding is shown whenever it is not zero, cash or not: a rounding on a card payment
    # would be a bug, and a receipt must not hide money.
    if body.rounding_minor:
        out += _row(words.rounding, _signed(body.rounding_minor, money), width)
    cash_total = body.cash_total_minor
    if cash_total is None and body.method.strip().lower() == "cash":
        cash_total = body.amount_minor + body.rounding_minor
    if cash_total is not None:
        out += row(words.refund_cash_total if refund else words.cash_total, cash_total)
    if body.tendered_minor is not None:
        out += row(words.tendered, body.tendered_minor)
    if body.change_minor is not None:
        out += row(words.change, body.change_minor)
    if body.credit_minor > 0:
        out += row(words.credit, body.credit_minor)

    if body.reference.strip():
        out += _labelled(words.reference, body.reference, width)
    if refund and body.reason.strip():
        out += _labelled(words.reason, body.reason, width)

    if vat_line(body):
        out.append("-" * width)
        out += _wrap(vat_line(body), width)
    staff = staff_name(body)
    approver = approved_by(body)
    if staff or approver or body.desk.strip():
        out.append("-" * width)
        if staff:
            out += _labelled(words.staff, staff, width)
        if approver:
            out += _labelled(words.approved, approver, width)
        if body.desk.strip():
            out += _labelled(words.desk, body.desk, width)
    if copy:
        out += _centred(f"*** {words.copy} ***", width)
    return out


def contact_lines(body: ReceiptBody, words: ReceiptWords) -> list[str]:
    """How to reach the school, as the receipt's header prints it, one way per line: the
    phone (labelled), the e-mail and the web address (which say what they are); only what the
    school has."""
    extra = body.extra
    phone = extra.get("school_phone", "").strip()
    lines = [f"{words.phone} {phone}"] if phone else []
    lines += [extra[k].strip() for k in ("school_email", "school_web") if extra.get(k, "").strip()]
    return lines


def vat_line(body: ReceiptBody) -> str:
    """The VAT line the school chose ("Momsfritaget undervisning"), or empty."""
    return body.extra.get("vat_line", "").strip()


def refunded_by(body: ReceiptBody) -> str:
    """The receipt numbers of the refunds issued on this payment since, or empty."""
    return body.extra.get("refunded_by", "").strip()


def approved_by(body: ReceiptBody) -> str:
    """The manager who approved what the receipt is for (a receptionist's refund), or
    empty."""
    return body.extra.get("approved_by", "").strip()


def staff_name(body: ReceiptBody) -> str:
    """Who served, as the receipt prints it; empty when the receipt names nobody.

    Receipts issued before desks had a staff name carry the placeholder ``desk``, which is not
    a person: no receipt shows "Ekspedient: desk".
    """
    name = body.staff.strip()
    return "" if name.casefold() in _PLACEHOLDER_STAFF else name


#: Staff names that stand for nobody (the old default of ``--staff``).
_PLACEHOLDER_STAFF: Final = frozenset({"desk"})


_EN_MONTHS: Final = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip


def date_text(day: dt.date, language: str = "da") -> str:
    """A date as the desk writes it everywhere (screens, receipts, the command line):
    ``03.12.2026`` in Danish, ``3 Dec 2026`` in English. Month names are spelt here, not by
    the machine's locale, so every computer writes the same."""
    if language == "en":
        return f"{day.day} {_EN_MONTHS[day.month - 1]} {day.year}"
    return f"{day.day:02d}.{day.month:02d}.{day.year}"


def date_time_text(local: dt.datetime, language: str = "da") -> str:
    """A wall-clock moment (already in the school's zone): ``03.12.2026 16:07`` /
    ``3 Dec 2026 16:07``."""
    return f"{date_text(local.date(), language)} {local:%H:%M}"


def local_time(body: ReceiptBody) -> dt.datetime:
    """``issued_at`` on the school's wall clock; the receipt shows the day the student saw."""
    name = body.timezone.strip() or DEFAULT_TIMEZONE
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone on receipt: {body.timezone!r}") from None
    issued = body.issued_at
    if issued.tzinfo is None:
        # Bodies store UTC; a naive value can only have lost its offset on the way.
        issued = issued.replace(tzinfo=dt.UTC)
    return issued.astimezone(zone)


def _signed(minor: int, money: Callable[[int], str]) -> str:
    """An amount with an explicit sign, so "+0,25" and "-0,20" read as adjustments."""
    # ASCII "-" rather than U+2212: thermal printers' code pages have no minus sign.
    return ("+" if minor > 0 else "-") + money(abs(minor))


def _clean(text: str) -> str:
    """Text that prints as one run of characters on any printer.

    NFC joins a decomposed "å" (as some keyboards and systems send it) into the single
    character the printer's code page has and that counts as one column. Control and line
    separator characters become spaces: a stray ESC or newline in a stored name would otherwise
    send commands to the printer or break the layout. Invisible format characters (zero-width
    spaces, soft hyphens, direction marks) are dropped, as a printer shows them as junk.
    """
    out: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp"):
            out.append(" ")
        elif category != "Cf":
            out.append(char)
    # A "\r\n" or a tab turned into spaces must not leave a gap in the middle of a name.
    return _SPACES.sub(" ", "".join(out))


def _wrap(text: str, width: int, indent: str = "", *, break_on_hyphens: bool = True) -> list[str]:
    """``text`` wrapped at word boundaries; words longer than a line are split, never cut."""
    return textwrap.wrap(
        _clean(text),
        width,
        subsequent_indent=indent,
        break_long_words=True,
        break_on_hyphens=break_on_hyphens,
    )


def _centred(text: str, width: int) -> list[str]:
    """``text`` wrapped and centred, without trailing spaces."""
    return [" " * ((width - len(part)) // 2) + part for part in _wrap(text, width)]


def _labelled(label: str, value: str, width: int) -> list[str]:
    """``label: value``, continuation lines indented so the label stays easy to find. A
    value is not split at its hyphens (a provider's reference such as a UUID moves whole to
    the next line when it fits there, so it can be read and typed as one); only a value
    longer than a line is split."""
    return _wrap(f"{label}: {value}", width, indent="  ", break_on_hyphens=False)


def _row(text: str, value: str, width: int) -> list[str]:
    """``text`` on the left and ``value`` right-aligned on the text's last line.

    Long texts wrap within the room the value leaves. When the value is so wide that the text
    would get fewer than ``_MIN_LABEL_ROOM`` columns, the value takes a line of its own.
    """
    room = width - len(value) - 1
    if room >= _MIN_LABEL_ROOM:
        parts = _wrap(text, room) or [""]
        last = parts[-1]
        return [*parts[:-1], last + " " * (width - len(last) - len(value)) + value]
    values = [part.rjust(width) for part in _wrap(value, width)]
    return [*_wrap(text, width), *values]
