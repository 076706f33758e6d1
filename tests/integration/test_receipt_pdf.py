"""The A4 receipt through Qt: the PDF the desk and ``jdoffice receipt N --pdf`` write, its text
read back with pypdf, the HTML it is made from, and the command line end to end on SQLite."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from pypdf import PdfReader
from sqlalchemy import create_engine, text

from jdoffice.domain.errors import InvalidInput
from jdoffice.domain.model import ReceiptBody, ReceiptLine
from jdoffice.printing import receipts

if TYPE_CHECKING:
    # For the annotation only: pytest would try to collect a ``Test*`` class.
    from tests.conftest import TestDatabase

ROOT = Path(__file__).resolve().parents[2]


def body(**changes: Any) -> ReceiptBody:
    """A cash payment of 850,25 kr with 1.000 kr handed over; every Danish letter appears."""
    base = ReceiptBody(
        kind="payment",
        receipt_no=123,
        issued_at=dt.datetime(2026, 3, 2, 9, 15, tzinfo=dt.UTC),
        school_name="Køreskolen Øresund",
        school_address="Strandvejen 12\n2100 København Ø",
        school_cvr="12345678",
        timezone="Europe/Copenhagen",
        student_no="1001",
        student_name="Åse Ærø Østergård",
        method="cash",
        currency="DKK",
        amount_minor=85025,
        lines=(
            ReceiptLine("F-2041 Køretime 45 min", 65000),
            ReceiptLine("F-2042 Teoriprøve: æøå ÆØÅ", 20025),
        ),
        rounding_minor=25,
        cash_total_minor=85050,
        tendered_minor=100000,
        change_minor=14950,
        staff="Mette",
        desk="desk-1",
    )
    return dataclasses.replace(base, **changes)


def pdf_pages(path: Path) -> list[str]:
    """The text of each page, with every run of white space made one space."""
    reader = PdfReader(path)
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def pdf_text(path: Path) -> str:
    return " ".join(pdf_pages(path))


# --- the PDF ----------------------------------------------------------------------------------


def test_pdf_is_written_with_everything_a_danish_receipt_carries(tmp_path: Path) -> None:
    out = receipts.render_pdf(body(), tmp_path / "kvittering.pdf")
    assert out == tmp_path / "kvittering.pdf"
    assert out.read_bytes().startswith(b"%PDF-")
    assert [p.name for p in tmp_path.iterdir()] == ["kvittering.pdf"], "no partial file left"
    pages = pdf_pages(out)
    assert len(pages) == 1
    text = pages[0]
    for expected in (
        "Køreskolen Øresund",
        "Strandvejen 12",
        "2100 København Ø",
        "CVR-nr. 12345678",
        "KVITTERING",
        "Kvittering nr. 123",
        "Dato: 02.03.2026 10:15",  # 09:15 UTC is 10:15 in Copenhagen in March
        "Elev: Åse Ærø Østergård",
        "Elevnr. 1001",
        "F-2041 Køretime 45 min 650,00 kr.",
        "F-2042 Teoriprøve: æøå ÆØÅ 200,25 kr.",
        "I alt 850,25 kr.",
        "Betaling Kontant",
        "Afrunding +0,25 kr.",
        "Kontant i alt 850,50 kr.",
        "Modtaget 1.000,00 kr.",
        "Byttepenge 149,50 kr.",
        "Ekspedient: Mette",
        "Kasse: desk-1",
    ):
        assert expected in text, f"{expected!r} not in {text!r}"
    assert "KOPI" not in text


def test_a_copy_says_kopi(tmp_path: Path) -> None:
    text = pdf_text(receipts.render_pdf(body(), tmp_path / "kopi.pdf", copy=True))
    assert "*** KOPI ***" in text
    assert "Genudskrift" in text
    assert "850,25" in text
    assert "Åse Ærø Østergård" in text


def test_english_copy(tmp_path: Path) -> None:
    text = pdf_text(
        receipts.render_pdf(body(method="bank"), tmp_path / "copy.pdf", copy=True, language="en")
    )
    assert "*** COPY ***" in text
    assert "KOPI" not in text
    assert "RECEIPT" in text
    assert "Receipt no. 123" in text
    assert "Payment Bank transfer" in text
    assert "DKK 850.25" in text


def test_refund_names_the_original_receipt_and_the_reason(tmp_path: Path) -> None:
    refund = body(
        kind="refund",
        receipt_no=130,
        method="bank",
        amount_minor=50000,
        lines=(ReceiptLine("Aflyst køretime", 50000),),
        rounding_minor=0,
        cash_total_minor=None,
        tendered_minor=None,
        change_minor=None,
        original_receipt_no=123,
        reason="Eleven var syg; lektionen blev aflyst",
        reference="Bank 8843-2231",
    )
    text = pdf_text(receipts.render_pdf(refund, tmp_path / "refusion.pdf"))
    assert "KREDITNOTA / REFUSION" in text
    assert "Kvittering nr. 130" in text
    assert "Refusion af kvittering nr. 123" in text
    assert "Refunderet i alt 500,00 kr." in text
    assert "Refunderet via Bankoverførsel" in text
    assert "Årsag Eleven var syg; lektionen blev aflyst" in text
    assert "Reference Bank 8843-2231" in text


def test_the_pdf_never_names_desk_as_the_one_who_served(tmp_path: Path) -> None:
    named = pdf_text(receipts.render_pdf(body(), tmp_path / "named.pdf"))
    old = pdf_text(receipts.render_pdf(body(staff="desk"), tmp_path / "old.pdf"))

    assert "Ekspedient: Mette" in named
    assert "Ekspedient" not in old
    assert "Kasse: desk-1" in old


def test_the_pdf_carries_contact_vat_line_and_on_a_copy_the_refunds(tmp_path: Path) -> None:
    extra = {
        "school_phone": "+45 33 12 34 56",
        "school_email": "info@oresund.dk",
        "school_web": "www.oresund.dk",
        "vat_line": "Momsfritaget undervisning",
        "refunded_by": "130",
    }
    copy = pdf_text(receipts.render_pdf(body(extra=extra), tmp_path / "k.pdf", copy=True))

    assert "Tlf. +45 33 12 34 56" in copy
    assert "info@oresund.dk" in copy
    assert "www.oresund.dk" in copy
    assert "Momsfritaget undervisning" in copy
    assert "Refunderet på kvittering nr. 130" in copy


def test_date_is_the_schools_local_day(tmp_path: Path) -> None:
    late = body(issued_at=dt.datetime(2026, 7, 2, 22, 30, tzinfo=dt.UTC))
    text = pdf_text(receipts.render_pdf(late, tmp_path / "nat.pdf"))
    assert "Dato: 03.07.2026 00:30" in text


def test_credit_and_reference_are_shown(tmp_path: Path) -> None:
    paid = body(method="mobilepay", credit_minor=15000, reference="MP 1234", rounding_minor=0)
    paid = dataclasses.replace(paid, cash_total_minor=None, tendered_minor=None, change_minor=None)
    text = pdf_text(receipts.render_pdf(paid, tmp_path / "mp.pdf"))
    assert "Betaling MobilePay" in text
    assert "Tilgodehavende 150,00 kr." in text
    assert "Reference MP 1234" in text
    assert "Byttepenge" not in text


def test_a_long_receipt_runs_over_pages_with_numbers(tmp_path: Path) -> None:
    many = tuple(ReceiptLine(f"F-{n} Køretime 45 min", 55000) for n in range(70))
    out = receipts.render_pdf(
        body(lines=many, amount_minor=70 * 55000, rounding_minor=0), tmp_path / "lang.pdf"
    )
    pages = pdf_pages(out)
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert f"Kvittering nr. 123 – side {number} af {len(pages)}" in page
        assert "Beskrivelse Beløb" in page, "the table's header repeats on every page"
    text = " ".join(pages)
    assert all(f"F-{n} Køretime" in text for n in range(70))


def test_stored_text_is_printed_as_text_never_as_markup(tmp_path: Path) -> None:
    sneaky = body(
        student_name='<b>Bo</b> & "Co" <img src="x">',
        school_name="Kørsel {{ total }} ApS",
        lines=(ReceiptLine("<table><tr><td>x</td></tr></table>", 85025),),
    )
    markup = receipts.render_html(sneaky)
    assert "&lt;b&gt;Bo&lt;/b&gt; &amp; &quot;Co&quot; &lt;img src=&quot;x&quot;&gt;" in markup
    assert "<img" not in markup
    assert "{{ total }}" in markup, "a value is never taken for a placeholder"
    text = pdf_text(receipts.render_pdf(sneaky, tmp_path / "x.pdf"))
    assert '<b>Bo</b> & "Co" <img src="x">' in text
    assert "Kørsel {{ total }} ApS" in text
    assert "<table><tr><td>x</td></tr></table>" in text


def test_bad_input_is_refused_before_a_file_is_made(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="language"):
        receipts.render_pdf(body(), tmp_path / "a.pdf", language="fr")
    with pytest.raises(InvalidInput, match="kind"):
        receipts.render_pdf(body(kind="invoice"), tmp_path / "a.pdf")
    with pytest.raises(InvalidInput, match="time zone"):
        receipts.render_pdf(body(timezone="Europe/Atlantis"), tmp_path / "a.pdf")
    with pytest.raises(InvalidInput, match="folder does not exist"):
        receipts.render_pdf(body(), tmp_path / "nowhere" / "a.pdf")
    with pytest.raises(InvalidInput, match="is a folder"):
        receipts.render_pdf(body(), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_is_replaced_whole(tmp_path: Path) -> None:
    out = tmp_path / "kvittering.pdf"
    out.write_bytes(b"old")
    receipts.render_pdf(body(), out)
    assert out.read_bytes().startswith(b"%PDF-")


def test_preview_image_is_an_a4_page_with_ink() -> None:
    image = receipts.render_image(body(), copy=True, dpi=96)
    # A4 is 210 × 297 mm: 793.7 × 1122.5 pixels at 96 dpi.
    assert abs(image.width() - 794) <= 1
    assert abs(image.height() - 1123) <= 1
    inked = sum(
        1
        for y in range(0, image.height(), 7)
        for x in range(0, image.width(), 7)
        if image.pixelColor(x, y).lightness() < 128
    )
    assert inked > 100
    with pytest.raises(InvalidInput):
        receipts.render_image(body(), dpi=5000)


def test_the_template_is_a_file_under_resources() -> None:
    path = receipts.template_path()
    assert path == ROOT / "resources" / "receipts" / "receipt.html"
    assert "{{ school_name }}" in path.read_text(encoding="utf-8")


# --- the command line -------------------------------------------------------------------------


def run_cli(url: str, *args: str, headless: bool = True) -> subprocess.CompletedProcess[str]:
    """``python -m jdoffice --db URL ARGS`` as its own process, without a display: the command
    must find its way to Qt's offscreen platform by itself."""
    env = {k: v for k, v in os.environ.items() if k != "JDOFFICE_DATABASE_URL"}
    if headless:
        for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
            env.pop(name, None)
    env["PYTHONUTF8"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return subprocess.run(
        [sys.executable, "-m", "jdoffice", "--db", url, *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def demo_url(fresh_database_factory: Callable[[str], TestDatabase]) -> str:
    url = fresh_database_factory("sqlite").url_text
    ok(run_cli(url, "demo", "--students", "8", "--seed", "3", "--json"))
    return url


def cash_payment(url: str) -> dict[str, Any]:
    hits = json.loads(ok(run_cli(url, "search", "a", "--json")).stdout)
    student = next(h for h in hits if h["balance_minor"] >= 85025)
    paid = ok(
        run_cli(
            url,
            "pay",
            "--student",
            student["student_no"],
            "--method",
            "cash",
            "--amount",
            "850,25",
            "--tendered",
            "1000",
            "--json",
        )
    )
    data: dict[str, Any] = json.loads(paid.stdout)
    return data


def test_cli_receipt_pdf(demo_url: str, tmp_path: Path) -> None:
    paid = cash_payment(demo_url)
    number = str(paid["receipt_no"])
    out = tmp_path / "kvittering.pdf"
    result = ok(run_cli(demo_url, "receipt", number, "--pdf", str(out)))
    assert str(out) in result.stdout
    assert out.read_bytes().startswith(b"%PDF-")
    text = pdf_text(out)
    assert f"Kvittering nr. {number}" in text
    assert "I alt 850,25 kr." in text
    assert "Byttepenge 149,50 kr." in text
    assert "KOPI" not in text

    copy = tmp_path / "copy.pdf"
    ok(run_cli(demo_url, "receipt", number, "--copy", "--lang", "en", "--pdf", str(copy)))
    text = pdf_text(copy)
    assert "*** COPY ***" in text
    assert f"Receipt no. {number}" in text


def test_cli_receipt_on_a_thermal_printer_is_a_copy_that_leaves_the_drawer_shut(
    demo_url: str, tmp_path: Path
) -> None:
    paid = cash_payment(demo_url)
    number = str(paid["receipt_no"])
    device = tmp_path / "lp0"
    result = ok(run_cli(demo_url, "receipt", number, "--printer", f"file:{device}"))
    assert f"file:{device}" in result.stdout
    first = device.read_bytes()
    assert first.startswith(b"\x1b@\x1bt\x02")
    assert b"850,25 kr." in first
    # The original went to the student when the money moved: this is a reprint.
    assert b"*** KOPI ***" in first
    assert b"\x1bp\x00" not in first, "a reprint leaves the drawer shut"

    ok(run_cli(demo_url, "receipt", number, "--copy", "--printer", f"file:{device}"))
    again = device.read_bytes()
    assert b"*** KOPI ***" in again
    assert b"\x1bp\x00" not in again, "a copy leaves the drawer shut"
    assert copies_printed(demo_url, number) == 2


def test_cli_refuses_bad_printer_and_folder_before_counting_a_copy(
    demo_url: str, tmp_path: Path
) -> None:
    number = str(cash_payment(demo_url)["receipt_no"])
    bad = run_cli(demo_url, "receipt", number, "--copy", "--printer", "lpt1")
    assert bad.returncode == 2
    assert bad.stderr.startswith("jdoffice: receipt printer 'lpt1'")
    assert len(bad.stderr.splitlines()) == 1
    nowhere = run_cli(
        demo_url, "receipt", number, "--copy", "--pdf", str(tmp_path / "no" / "k.pdf")
    )
    assert nowhere.returncode == 2
    assert "folder does not exist" in nowhere.stderr
    assert copies_printed(demo_url, number) == 0, "a refused command counts no copy"

    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
    unreachable = run_cli(demo_url, "receipt", number, "--printer", f"network:127.0.0.1:{port}")
    assert unreachable.returncode == 4, unreachable.stderr
    assert f"network:127.0.0.1:{port} cannot be reached" in unreachable.stderr
    assert len(unreachable.stderr.splitlines()) == 1


def copies_printed(url: str, receipt_no: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            value = conn.execute(
                text("SELECT copies_printed FROM receipts WHERE receipt_no = :n"),
                {"n": int(receipt_no)},
            ).scalar_one()
    finally:
        engine.dispose()
    return int(value)
