"""The 80 mm thermal receipt, in ESC/POS through python-escpos.

A printer is named by a target string, as stored in the desk's settings:

* ``network:HOST[:PORT]`` — an Ethernet or Wi-Fi printer, raw TCP, port 9100 by default
  (``network:[fe80::1]:9100`` for IPv6);
* ``usb:VID:PID`` — a USB printer by vendor and product id in hex (``usb:04b8:0202``);
* ``serial:DEVICE[:BAUD]`` — a serial printer (``serial:/dev/ttyUSB0:19200``, ``serial:COM3``),
  9600 baud by default;
* ``file:PATH`` — a device file such as ``/dev/usb/lp0`` (Linux's printer driver), or any file.

The receipt is the text of :func:`jdoffice.domain.receipt_text.receipt_lines`, printed in code
page 850 (``ESC t 2``), which has æ, ø, å, Æ, Ø, Å and the rest of Western Europe's letters,
with the school's name bold, centred and tall, a cut at the end and, for cash, a pulse to open
the cash drawer (``ESC p``). The whole receipt is composed in memory first and sent in one
piece, so bad receipt data never leaves half a receipt in the printer.

A printer that cannot be reached raises :class:`~jdoffice.domain.errors.Unavailable`: the
payment is already stored by then, and the receipt can be printed again later as a copy.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.metadata
import ipaddress
import logging
import os
import re
import socket
import unicodedata
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Any, Final, Literal

import platformdirs

from jdoffice.domain.errors import InvalidInput, Unavailable
from jdoffice.domain.model import ReceiptBody, ReceiptLine
from jdoffice.domain.receipt_text import DEFAULT_WIDTH, receipt_lines

__all__ = [
    "BAUD_RATES",
    "CODE_PAGES",
    "DEFAULT_CODE_PAGE",
    "DEFAULT_PORT",
    "Target",
    "parse_target",
    "print_receipt",
    "receipt_bytes",
    "report_bytes",
    "send",
    "should_open_drawer",
]

#: Raw TCP port of network receipt printers ("JetDirect").
DEFAULT_PORT: Final = 9100

DEFAULT_BAUD: Final = 9600

#: Serial speeds receipt printers are set to.
BAUD_RATES: Final = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)

#: Code pages with the Danish letters, by the name python-escpos knows them under. CP850
#: (Latin-1 as DOS had it) also has the letters of the students' other languages (é, ü, ñ,
#: ó, ç ...); CP865 is the Nordic page; CP858 is CP850 with € where CP850 has ı.
CODE_PAGES: Final = ("CP850", "CP865", "CP858")
DEFAULT_CODE_PAGE: Final = "CP850"

#: Seconds to wait for a network printer to accept the connection or the data.
DEFAULT_TIMEOUT: Final = 10.0

_MAX_WIDTH: Final = 64

#: Characters that are not in the code pages, written as their nearest ASCII.
_ASCII_STAND_INS: Final = {
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": ",",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2026": "...",
    "\u20ac": "EUR",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
}

_HEX_ID: Final = re.compile(r"(?:0x)?([0-9a-fA-F]{1,4})")
_HOST_NAME: Final = re.compile(
    r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?"
)

_FORMS: Final = (
    "network:HOST[:PORT], usb:VID:PID (hex), serial:DEVICE[:BAUD] or file:PATH "
    "(e.g. network:192.168.1.50, usb:04b8:0202, serial:/dev/ttyUSB0:19200, file:/dev/usb/lp0)"
)

log = logging.getLogger(__name__)


# --- targets ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """Where a receipt printer is. Make one with :func:`parse_target`."""

    kind: Literal["network", "usb", "serial", "file"]
    host: str = ""
    port: int = DEFAULT_PORT
    vendor_id: int = 0
    product_id: int = 0
    device: str = ""
    baudrate: int = DEFAULT_BAUD

    def __str__(self) -> str:
        if self.kind == "network":
            host = f"[{self.host}]" if ":" in self.host else self.host
            return f"network:{host}:{self.port}"
        if self.kind == "usb":
            return f"usb:{self.vendor_id:04x}:{self.product_id:04x}"
        if self.kind == "serial":
            return f"serial:{self.device}:{self.baudrate}"
        return f"file:{self.device}"


def _bad(spec: str, why: str) -> InvalidInput:
    return InvalidInput(f"receipt printer {spec!r}: {why}; use {_FORMS}")


def parse_target(spec: str) -> Target:
    """Read a printer target such as ``network:192.168.1.50:9100``.

    Raises:
        InvalidInput: the text is not one of the forms above, saying which part is wrong.
    """
    if not isinstance(spec, str):
        raise InvalidInput("receipt printer: expected text such as network:192.168.1.50")
    text = spec.strip()
    kind, sep, rest = text.partition(":")
    kind = kind.strip().lower()
    if not sep or kind not in ("network", "usb", "serial", "file"):
        raise _bad(text, "unknown kind of printer")
    if any(unicodedata.category(c) == "Cc" for c in rest):
        raise _bad(text, "control characters are not allowed")
    if kind == "network":
        host, port = _split_host_port(text, rest.strip())
        return Target("network", host=host, port=port)
    if kind == "usb":
        parts = rest.strip().split(":")
        if len(parts) != 2:
            raise _bad(text, "a USB printer is usb:VID:PID, two hex numbers")
        ids = [_HEX_ID.fullmatch(p.strip()) for p in parts]
        if ids[0] is None or ids[1] is None:
            raise _bad(text, "vendor and product id must be hex numbers of 1 to 4 digits")
        vendor, product = int(ids[0].group(1), 16), int(ids[1].group(1), 16)
        if not vendor or not product:
            raise _bad(text, "vendor and product id cannot be 0")
        return Target("usb", vendor_id=vendor, product_id=product)
    if kind == "serial":
        device, baud = rest.strip(), DEFAULT_BAUD
        head, colon, tail = device.rpartition(":")
        if colon and tail.strip().isdigit():
            device, baud = head.strip(), int(tail)
            if baud not in BAUD_RATES:
                rates = ", ".join(map(str, BAUD_RATES))
                raise _bad(text, f"{baud} is not a serial speed (use one of {rates})")
        if not device:
            raise _bad(text, "the serial device is missing")
        return Target("serial", device=device, baudrate=baud)
    path = rest.strip()
    if not path:
        raise _bad(text, "the file path is missing")
    return Target("file", device=path)


def _split_host_port(spec: str, rest: str) -> tuple[str, int]:
    port_text = ""
    if rest.startswith("["):
        host, bracket, after = rest[1:].partition("]")
        if not bracket or (after and not after.startswith(":")):
            raise _bad(spec, "an IPv6 address is written [ADDRESS]:PORT")
        port_text = after[1:]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise _bad(spec, f"{host!r} is not an IPv6 address") from None
    else:
        host, colon, port_text = rest.partition(":")
        if colon and not port_text:
            raise _bad(spec, "the port is missing after ':'")
        if ":" in port_text:
            raise _bad(spec, "write an IPv6 address in brackets: network:[ADDRESS]:PORT")
        if not host:
            raise _bad(spec, "the host is missing")
        if not _HOST_NAME.fullmatch(host):
            raise _bad(spec, f"{host!r} is not a host name or IP address")
    if not port_text:
        return host, DEFAULT_PORT
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise _bad(spec, f"port {port_text!r} must be a number from 1 to 65535")
    return host, int(port_text)


# --- python-escpos ----------------------------------------------------------------------------


@cache
def _escpos() -> ModuleType:
    """``escpos.printer``, imported on first use.

    python-escpos reads its printer database on import and keeps a cache of it, by default in a
    new temporary folder per process; pointing that at the user's cache folder saves both the
    litter and the time. Its import also sets up logging for the whole program
    (``logging.basicConfig``), which is undone here so the program's own setting stays.
    """
    # The cache is only refreshed when the database file is newer than it, which an upgrade
    # does not guarantee; one folder per version keeps an old cache from being read.
    version = importlib.metadata.version("python-escpos")
    cache_dir = platformdirs.user_cache_path("jdoffice", appauthor=False) / f"escpos-{version}"
    try:
        cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        pass
    else:
        os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", str(cache_dir))
    root = logging.getLogger()
    handlers = list(root.handlers)
    try:
        printer = importlib.import_module("escpos.printer")
    finally:
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
    return printer


def _check_code_page(code_page: str) -> str:
    name = code_page.strip().upper()
    if name not in CODE_PAGES:
        raise InvalidInput(
            f"code page {code_page!r} is not one for Danish receipts (use {', '.join(CODE_PAGES)})"
        )
    return name


def _printable(line: str, codec: str) -> str:
    """``line`` with every character the code page has; others become their nearest letters
    without accents ("ł" stays "?", "ć" becomes "c"), typographic dashes and quotes ASCII."""
    out: list[str] = []
    for char in line:
        char = _ASCII_STAND_INS.get(char, char)
        try:
            char.encode(codec)
        except UnicodeEncodeError:
            base = "".join(
                c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
            )
            try:
                base.encode(codec)
            except UnicodeEncodeError:
                base = "?"
            char = base or "?"
        out.append(char)
    return "".join(out)


def _printable_body(body: ReceiptBody, codec: str) -> ReceiptBody:
    def clean(text: str) -> str:
        return _printable(unicodedata.normalize("NFC", text), codec)

    return dataclasses.replace(
        body,
        school_name=clean(body.school_name),
        school_address=clean(body.school_address),
        school_cvr=clean(body.school_cvr),
        student_no=clean(body.student_no),
        student_name=clean(body.student_name),
        method=clean(body.method),
        reference=clean(body.reference),
        reason=clean(body.reason),
        staff=clean(body.staff),
        desk=clean(body.desk),
        lines=tuple(ReceiptLine(clean(line.text), line.amount_minor) for line in body.lines),
    )


def should_open_drawer(body: ReceiptBody, *, copy: bool, open_drawer: bool | None = None) -> bool:
    """Whether printing this receipt opens the cash drawer.

    Never for a copy, which moves no money (a reprint must not open the drawer, even when
    asked). Otherwise ``open_drawer`` decides when given, and the drawer opens for cash (paid
    in or paid out).
    """
    if copy:
        return False
    if open_drawer is not None:
        return open_drawer
    return body.method.strip().lower() == "cash"


def receipt_bytes(
    body: ReceiptBody,
    *,
    copy: bool = False,
    language: str = "da",
    width: int = DEFAULT_WIDTH,
    open_drawer: bool | None = None,
    code_page: str = DEFAULT_CODE_PAGE,
    profile: str | None = None,
) -> bytes:
    """The receipt as the ESC/POS bytes sent to the printer.

    Args:
        body: the receipt as it was issued.
        copy: a reprint: marked "*** KOPI ***" / "*** COPY ***", and the drawer stays shut.
        language: ``"da"`` or ``"en"``.
        width: characters per line of the printer's font A: 42 on most 80 mm printers (512
            dots), 48 on 576-dot ones.
        open_drawer: open the cash drawer (``True``), never (``False``), or for cash
            (``None``); a copy never opens it.
        code_page: one of :data:`CODE_PAGES`.
        profile: a python-escpos printer profile name (``"TM-T88V"``); the generic one if
            ``None``.

    Raises:
        InvalidInput: bad receipt data, width, code page or profile.
    """
    if isinstance(width, bool) or not isinstance(width, int) or width > _MAX_WIDTH:
        raise InvalidInput(f"receipt width must be a whole number of at most {_MAX_WIDTH}")
    page = _check_code_page(code_page)
    codec = page.lower()
    # Texts are made printable before the layout, so "€" written as "EUR" still fits the line;
    # the lines are checked again for what the layout adds (Babel's no-break spaces).
    body = _printable_body(body, codec)
    lines = [
        _printable(line, codec)
        for line in receipt_lines(body, width=width, copy=copy, language=language)
    ]
    header, rest = _split_header(lines, width)
    school_lines = _school_name_line_count(body, width, copy, language)

    printer = _escpos()
    try:
        out: Any = printer.Dummy(profile=profile)
    except KeyError:
        raise InvalidInput(f"unknown receipt printer profile {profile!r}") from None
    out.hw("INIT")  # ESC @: forget whatever the last job left set
    try:
        out.charcode(page)  # ESC t n, and all text from here on in that code page
    except ValueError as exc:
        raise InvalidInput(f"the printer profile has no {page}: {exc}") from None
    if should_open_drawer(body, copy=copy, open_drawer=open_drawer):
        # Before the text: the drawer opens even if the paper has run out, and the change can
        # be handed over while the receipt prints.
        out.cashdraw(2)

    copy_top = 1 if copy and header else 0
    for index, line in enumerate(header):
        name = copy_top <= index < copy_top + school_lines
        mark = copy and index < copy_top
        out.set(align="center", bold=name or mark, double_height=name, normal_textsize=not name)
        out.textln(line.strip())
    out.set(align="left", bold=False, normal_textsize=True)
    for index, line in enumerate(rest):
        # The receipt's title (KVITTERING / REFUND) under the double rule, and a copy mark at
        # the end, in bold.
        bold = index == 1 or (copy and index == len(rest) - 1)
        if bold:
            out.set(align="center", bold=True)
            out.textln(line.strip())
            out.set(align="left", bold=False)
        else:
            out.textln(line)
    out.cut(mode="PART")  # feeds the text past the cutter first
    data: bytes = out.output
    out.close()
    return data


def _split_header(lines: list[str], width: int) -> tuple[list[str], list[str]]:
    """The lines above the first double rule (copy mark, school, address, CVR) and the rest."""
    rule = "=" * width
    if rule in lines:
        at = lines.index(rule)
        return lines[:at], lines[at:]
    return [], lines


def _school_name_line_count(body: ReceiptBody, width: int, copy: bool, language: str) -> int:
    """How many header lines the school's name takes: the header with and without it."""
    without = dataclasses.replace(body, school_name="")
    full, _ = _split_header(receipt_lines(body, width=width, copy=copy, language=language), width)
    rest, _ = _split_header(
        receipt_lines(without, width=width, copy=copy, language=language), width
    )
    return len(full) - len(rest)


# --- sending ----------------------------------------------------------------------------------


def _open(target: Target, timeout: float) -> Any:
    """A python-escpos printer for ``target``, connected."""
    printer = _escpos()
    if target.kind == "network":
        device = printer.Network(target.host, port=target.port, timeout=timeout)
        # Connected here rather than by ``Network.open``, which knows only IPv4 and leaves the
        # socket of a failed connection open.
        connection = socket.create_connection((target.host, target.port), timeout=timeout)
        device.device = connection
        return device
    if target.kind == "usb":
        if not printer.Usb.is_usable():
            raise Unavailable("USB receipt printers need the pyusb package, which is missing")
        device = printer.Usb(target.vendor_id, target.product_id, timeout=int(timeout * 1000))
    elif target.kind == "serial":
        if not printer.Serial.is_usable():
            raise Unavailable("serial receipt printers need the pyserial package, which is missing")
        device = printer.Serial(target.device, baudrate=target.baudrate, timeout=timeout)
    else:
        device = printer.File(target.device)
    device.open()
    return device


def _reason(exc: BaseException) -> str:
    """What went wrong, on one line, without python-escpos's "Device not found (...)" wrapping."""
    if type(exc).__name__ == "NoBackendError":
        return "no USB library (libusb) is installed"
    text = getattr(exc, "msg", None)
    if not isinstance(text, str) or not text.strip():
        text = str(exc)
    return " ".join(text.split()) or type(exc).__name__


def send(target: str | Target, data: bytes, *, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Send ESC/POS bytes to a printer.

    Raises:
        InvalidInput: a target that is not understood.
        Unavailable: the printer cannot be reached or stops taking data.
    """
    where = parse_target(target) if isinstance(target, str) else target
    _escpos()
    from escpos.exceptions import Error as EscposError

    device: Any = None
    try:
        device = _open(where, timeout)
        device._raw(data)
    except (EscposError, OSError, ValueError, RuntimeError) as exc:
        raise Unavailable(
            f"receipt printer {where} cannot be reached ({_reason(exc)}); check that it is on, "
            "has paper and is connected — the receipt can be printed again later as a copy"
        ) from None
    finally:
        if device is not None:
            try:
                device.close()
            except (EscposError, OSError, ValueError, RuntimeError) as exc:
                log.warning("closing receipt printer %s: %s", where, exc)


def print_receipt(
    body: ReceiptBody,
    target: str | Target,
    *,
    copy: bool = False,
    language: str = "da",
    width: int = DEFAULT_WIDTH,
    open_drawer: bool | None = None,
    code_page: str = DEFAULT_CODE_PAGE,
    profile: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> None:
    """Print the receipt on an ESC/POS printer (see :func:`receipt_bytes` for the options).

    The target is checked and the receipt composed before the printer is contacted.

    Raises:
        InvalidInput: bad receipt data or options, or a target that is not understood.
        Unavailable: the printer cannot be reached or stops taking data.
    """
    where = parse_target(target) if isinstance(target, str) else target
    data = receipt_bytes(
        body,
        copy=copy,
        language=language,
        width=width,
        open_drawer=open_drawer,
        code_page=code_page,
        profile=profile,
    )
    send(where, data, timeout=timeout)


def report_bytes(
    lines: list[str],
    *,
    bold: frozenset[int] = frozenset(),
    code_page: str = DEFAULT_CODE_PAGE,
    profile: str | None = None,
) -> bytes:
    """Lines already laid out for the paper (a shift's Z-report) as ESC/POS bytes: each line
    printed as it is (``bold`` ones in bold), then a partial cut. The drawer stays shut.

    Raises:
        InvalidInput: a code page or profile that is not known.
    """
    page = _check_code_page(code_page)
    codec = page.lower()
    printer = _escpos()
    try:
        out: Any = printer.Dummy(profile=profile)
    except KeyError:
        raise InvalidInput(f"unknown receipt printer profile {profile!r}") from None
    out.hw("INIT")
    try:
        out.charcode(page)
    except ValueError as exc:
        raise InvalidInput(f"the printer profile has no {page}: {exc}") from None
    out.set(align="left", bold=False, normal_textsize=True)
    for index, line in enumerate(lines):
        text = _printable(unicodedata.normalize("NFC", line), codec)
        if index in bold:
            out.set(bold=True)
            out.textln(text)
            out.set(bold=False)
        else:
            out.textln(text)
    out.cut(mode="PART")
    data: bytes = out.output
    out.close()
    return data
