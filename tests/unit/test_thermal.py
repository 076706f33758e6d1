"""The 80 mm thermal receipt: the ESC/POS bytes python-escpos makes of it, printer targets, and
what happens when the printer is not there."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from jdoffice.domain.errors import InvalidInput, Unavailable
from jdoffice.domain.model import ReceiptBody, ReceiptLine
from jdoffice.printing import thermal
from jdoffice.printing.thermal import Target, parse_target, receipt_bytes

ROOT = Path(__file__).resolve().parents[2]

ESC_INIT = b"\x1b@"
#: ESC t 2: code page 850; ESC t 5: code page 865.
SELECT_CP850 = b"\x1bt\x02"
SELECT_CP865 = b"\x1bt\x05"
#: ESC p 0 t1 t2: a pulse on drawer pin 2.
DRAWER_KICK = b"\x1bp\x00"
#: GS V: cut (m = 0 full, 1 partial).
CUT = b"\x1dV"
#: æ ø å Æ Ø Å in code pages 850 and 865 (the two agree on these six).
DANISH = {"æ": 0x91, "ø": 0x9B, "å": 0x86, "Æ": 0x92, "Ø": 0x9D, "Å": 0x8F}


def body(**changes: Any) -> ReceiptBody:
    """A cash payment of 850,25 kr with 1.000 kr handed over; every Danish letter appears."""
    base = ReceiptBody(
        kind="payment",
        receipt_no=123,
        issued_at=dt.datetime(2026, 3, 2, 9, 15, tzinfo=dt.UTC),
        school_name="Køreskolen Øresund",
        school_address="Strandvejen 12, 2100 København Ø",
        school_cvr="12345678",
        timezone="Europe/Copenhagen",
        student_no="1001",
        student_name="Åse Ærø Østergård",
        method="cash",
        currency="DKK",
        amount_minor=85025,
        lines=(ReceiptLine("Teoriprøve og lån af bil på Ærø", 85025),),
        rounding_minor=25,
        cash_total_minor=85050,
        tendered_minor=100000,
        change_minor=14950,
        staff="Mette",
        desk="desk-1",
    )
    return dataclasses.replace(base, **changes)


#: The commands a receipt uses: ESC @, ESC t/E/a/!/d n, ESC p m t1 t2, GS V m.
_COMMANDS = re.compile(rb"\x1b@|\x1b[tEa!d].|\x1bp...|\x1dV.", re.DOTALL)


def text_of(data: bytes) -> str:
    """The printed text of ESC/POS bytes: the commands taken out, decoded as code page 850."""
    return _COMMANDS.sub(b"", data).decode("cp850")


# --- the bytes --------------------------------------------------------------------------------


def test_receipt_starts_with_init_then_selects_code_page_850() -> None:
    data = receipt_bytes(body())
    assert data.startswith(ESC_INIT + SELECT_CP850)
    assert data.count(b"\x1bt") == 1, "the code page is selected once"


@pytest.mark.parametrize("letter", list(DANISH))
def test_danish_letters_are_single_code_page_bytes(letter: str) -> None:
    data = receipt_bytes(body(student_name=f"Bo {letter}{letter} Jensen"))
    expected = bytes([DANISH[letter]]) * 2
    assert b"Bo " + expected + b" Jensen" in data
    # Never UTF-8, which a receipt printer prints as two junk characters.
    assert letter.encode("utf-8") not in data


def test_known_words_come_out_right() -> None:
    data = receipt_bytes(body())
    assert "Køreskolen Øresund".encode("cp850") in data
    assert "2100 København Ø".encode("cp850") in data
    assert "Åse Ærø Østergård".encode("cp850") in data
    assert "Teoriprøve og lån af bil på Ærø".encode("cp850") in data
    assert b"850,25 kr." in data  # Babel's no-break space is a plain space on paper


def test_code_page_865_is_available_with_the_same_letters() -> None:
    data = receipt_bytes(body(), code_page="cp865")
    assert data.startswith(ESC_INIT + SELECT_CP865)
    assert "Åse Ærø Østergård".encode("cp865") in data
    assert "Åse Ærø Østergård".encode("cp865") == "Åse Ærø Østergård".encode("cp850")


def test_header_is_bold_centred_and_tall_and_ends_with_a_cut() -> None:
    data = receipt_bytes(body(), open_drawer=False)
    name = "Køreskolen Øresund".encode("cp850")
    before_name = data[: data.index(name)]
    assert before_name.endswith(b"\x1bE\x01\x1ba\x01"), "bold on, centred"
    assert b"\x1b!\x10" in before_name, "double height"
    title = data.index(b"KVITTERING")
    assert data[:title].endswith(b"\x1bE\x01\x1ba\x01")
    assert data.endswith(CUT + b"\x01"), "a partial cut, after the text"


def test_cash_opens_the_drawer_before_the_text() -> None:
    data = receipt_bytes(body())
    assert data.count(DRAWER_KICK) == 1
    assert data.index(DRAWER_KICK) < data.index("Køreskolen".encode("cp850"))


@pytest.mark.parametrize("method", ["bank", "mobilepay", "stripe"])
def test_other_methods_do_not_open_the_drawer(method: str) -> None:
    data = receipt_bytes(
        body(
            method=method,
            rounding_minor=0,
            cash_total_minor=None,
            tendered_minor=None,
            change_minor=None,
        )
    )
    assert DRAWER_KICK not in data


def test_a_copy_of_a_cash_receipt_never_opens_the_drawer_even_when_asked() -> None:
    copy = receipt_bytes(body(), copy=True)
    assert DRAWER_KICK not in copy
    assert text_of(copy).count("*** KOPI ***") == 2
    asked = receipt_bytes(body(), copy=True, open_drawer=True)
    assert DRAWER_KICK not in asked


def test_a_cash_refund_opens_the_drawer_to_pay_out() -> None:
    refund = body(kind="refund", original_receipt_no=100, reason="Aflyst køretime")
    assert DRAWER_KICK in receipt_bytes(refund)
    assert DRAWER_KICK not in receipt_bytes(refund, open_drawer=False)


def test_english_copy() -> None:
    data = receipt_bytes(body(method="bank"), copy=True, language="en")
    text = text_of(data)
    assert "*** COPY ***" in text
    assert "RECEIPT" in text
    assert "Bank transfer" in text


@pytest.mark.parametrize("width", [42, 48])
def test_lines_fit_the_paper(width: int) -> None:
    long_name = "Køreskolen Ærø, Østerbro og Åbenrå Trafikuddannelsescenter ApS (afdeling Øst)"
    data = receipt_bytes(body(school_name=long_name), width=width)
    text = text_of(data)
    assert "=" * width in text
    assert "=" * (width + 1) not in text
    lines = text.split("\n")
    assert len(lines) > 20
    for line in lines:
        assert len(line) <= width, line
        assert not any(ord(c) < 32 for c in line), repr(line)


def test_characters_outside_the_code_page_are_replaced_not_mangled() -> None:
    data = receipt_bytes(body(student_name="Łucja Ćwik – “Bo” 10 €"))
    text = text_of(data)
    assert '?ucja Cwik - "Bo" 10 EUR' in text


def test_control_characters_in_stored_texts_cannot_send_printer_commands() -> None:
    data = receipt_bytes(body(student_name="Bo\x1b@\x1dV\x00 Jensen", reference="\x1bp\x00ab"))
    assert data.count(b"\x1b@") == 1, "only our own init"
    assert data.count(b"\x1dV") == 1, "only our own cut"
    assert data.count(DRAWER_KICK) == 1, "only our own drawer pulse"


def test_bad_options_are_refused() -> None:
    with pytest.raises(InvalidInput, match="code page"):
        receipt_bytes(body(), code_page="CP437")
    with pytest.raises(InvalidInput, match="profile"):
        receipt_bytes(body(), profile="no-such-printer")
    with pytest.raises(InvalidInput, match="language"):
        receipt_bytes(body(), language="fr")
    with pytest.raises(InvalidInput, match="width"):
        receipt_bytes(body(), width=80)


def test_a_named_printer_profile_is_used() -> None:
    data = receipt_bytes(body(), profile="TM-T88V")
    assert data.startswith(ESC_INIT + SELECT_CP850)


# --- targets ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("network:192.168.1.50", Target("network", host="192.168.1.50", port=9100)),
        ("network:printer.local:9101", Target("network", host="printer.local", port=9101)),
        ("NETWORK:kasse-1", Target("network", host="kasse-1", port=9100)),
        ("network:[fe80::1]:9100", Target("network", host="fe80::1", port=9100)),
        ("network:[::1]", Target("network", host="::1", port=9100)),
        ("usb:04b8:0202", Target("usb", vendor_id=0x04B8, product_id=0x0202)),
        ("usb:0x0416:0x5011", Target("usb", vendor_id=0x0416, product_id=0x5011)),
        ("serial:/dev/ttyUSB0", Target("serial", device="/dev/ttyUSB0", baudrate=9600)),
        ("serial:/dev/ttyS1:19200", Target("serial", device="/dev/ttyS1", baudrate=19200)),
        ("serial:COM3:115200", Target("serial", device="COM3", baudrate=115200)),
        ("file:/dev/usb/lp0", Target("file", device="/dev/usb/lp0")),
        ("  file:C:\\kvitteringer\\ud.bin ", Target("file", device="C:\\kvitteringer\\ud.bin")),
    ],
)
def test_targets_are_read(spec: str, expected: Target) -> None:
    assert parse_target(spec) == expected
    assert parse_target(str(expected)) == expected, "the canonical form reads back"


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("", "unknown kind"),
        ("192.168.1.50", "unknown kind"),
        ("lpt:1", "unknown kind"),
        ("network:", "host is missing"),
        ("network::9100", "host is missing"),
        ("network:printer:", "port is missing"),
        ("network:printer:0", "port"),
        ("network:printer:65536", "port"),
        ("network:printer:http", "port"),
        ("network:bad host", "not a host name"),
        ("network:fe80::1", "IPv6"),
        ("network:[fe80::zz]:9100", "not an IPv6 address"),
        ("network:[fe80::1", "IPv6"),
        ("usb:04b8", "two hex numbers"),
        ("usb:04b8:0202:1", "two hex numbers"),
        ("usb:epson:tm", "hex numbers"),
        ("usb:12345:1", "hex numbers"),
        ("usb:0:0202", "cannot be 0"),
        ("serial:", "device is missing"),
        ("serial:/dev/ttyUSB0:12345", "not a serial speed"),
        ("file:", "path is missing"),
        ("file:/tmp/a\x1bb", "control characters"),
    ],
)
def test_bad_targets_are_refused_with_the_forms_shown(spec: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_target(spec)
    message = str(caught.value)
    assert fragment.lower() in message.lower(), message
    assert "network:HOST[:PORT]" in message
    assert "usb:VID:PID" in message


# --- sending ----------------------------------------------------------------------------------


def test_printing_to_a_file_target_writes_exactly_the_receipt(tmp_path: Path) -> None:
    out = tmp_path / "lp0"
    thermal.print_receipt(body(), f"file:{out}", width=48)
    assert out.read_bytes() == receipt_bytes(body(), width=48)


def test_bad_receipt_data_never_reaches_the_printer(tmp_path: Path) -> None:
    out = tmp_path / "lp0"
    with pytest.raises(InvalidInput):
        thermal.print_receipt(body(), f"file:{out}", language="fr")
    assert not out.exists()


def test_network_printer_receives_the_receipt() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(10)
        port = server.getsockname()[1]
        received = bytearray()

        def accept() -> None:
            conn, _ = server.accept()
            with conn:
                conn.settimeout(10)
                while chunk := conn.recv(65536):
                    received.extend(chunk)

        worker = threading.Thread(target=accept)
        worker.start()
        thermal.print_receipt(body(), f"network:127.0.0.1:{port}", timeout=5)
        worker.join(10)
        assert not worker.is_alive()
    assert bytes(received) == receipt_bytes(body())


def _closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port: int = server.getsockname()[1]
    return port


def test_unreachable_network_printer_is_unavailable_with_a_clear_message() -> None:
    spec = f"network:127.0.0.1:{_closed_port()}"
    with pytest.raises(Unavailable) as caught:
        thermal.print_receipt(body(), spec, timeout=2)
    message = str(caught.value)
    assert spec in message
    assert "refused" in message.lower()
    assert "printed again later" in message


def test_missing_device_file_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(Unavailable, match="cannot be reached"):
        thermal.print_receipt(body(), f"file:{tmp_path / 'no-such-dir' / 'lp0'}")


def test_missing_serial_port_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(Unavailable, match="cannot be reached"):
        thermal.send(f"serial:{tmp_path / 'ttyNOPE'}", b"x")


def test_missing_usb_printer_is_unavailable() -> None:
    # No libusb, or libusb without such a device: either way the desk gets one clear error.
    with pytest.raises(Unavailable, match="usb:04b8:0202"):
        thermal.send("usb:04b8:0202", b"x", timeout=1)


@pytest.mark.parametrize(
    ("method", "copy", "asked", "opens"),
    [
        ("cash", False, None, True),
        ("Cash", False, None, True),
        ("cash", True, None, False),
        ("cash", True, True, False),
        ("cash", False, False, False),
        ("bank", False, None, False),
        ("bank", False, True, True),
    ],
)
def test_when_the_drawer_opens(method: str, copy: bool, asked: bool | None, opens: bool) -> None:
    assert thermal.should_open_drawer(body(method=method), copy=copy, open_drawer=asked) is opens


def test_importing_escpos_leaves_logging_alone() -> None:
    """python-escpos calls logging.basicConfig on import; the program's logging stays its own."""
    code = (
        "import logging\n"
        "from jdoffice.printing import thermal\n"
        "thermal._escpos()\n"
        "print(len(logging.getLogger().handlers))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    assert out.stdout.strip() == "0", out.stderr
