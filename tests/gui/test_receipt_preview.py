"""The receipt preview after a payment: the thermal printer's text, and "Gem PDF…"."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetricsF
from pytestqt.qtbot import QtBot

from jdoffice.domain.model import UTC, ReceiptBody, ReceiptLine
from jdoffice.domain.receipt_text import date_text, date_time_text, render_text
from jdoffice.gui import texts
from jdoffice.gui.views.receipt_preview import PDF_MODULE, ReceiptPreviewDialog


def body() -> ReceiptBody:
    return ReceiptBody(
        kind="payment",
        receipt_no=17,
        issued_at=dt.datetime(2025, 5, 14, 10, 30, tzinfo=UTC),
        school_name="Østerbro Køreskole",
        school_address="Østerbrogade 1, 2100 København Ø",
        school_cvr="12345678",
        timezone="Europe/Copenhagen",
        student_no="S1001",
        student_name="Bjørk Ærø",
        method="cash",
        currency="DKK",
        amount_minor=85025,
        lines=(ReceiptLine("F1001 Køretime 45 min", 85025),),
        rounding_minor=25,
        cash_total_minor=85050,
        tendered_minor=100000,
        change_minor=14950,
    )


def test_preview_shows_the_printer_text_in_a_monospace_font(qtbot: QtBot) -> None:
    dialog = ReceiptPreviewDialog(body(), headline="Byttepenge: 149,50 kr.")
    qtbot.addWidget(dialog)
    dialog.show()
    # toPlainText() gives non-breaking spaces back as plain ones (documented Qt behaviour).
    assert dialog.textEdit.toPlainText() == render_text(body()).replace("\xa0", " ")
    assert dialog.textEdit.isReadOnly()
    # What a person sees: every character as wide as any other, so the 42 columns line up.
    # (Not QFontInfo.fixedPitch(): Qt reports False for Noto Sans Mono, a true monospace font.)
    metrics = QFontMetricsF(dialog.textEdit.font())
    widths = {round(metrics.horizontalAdvance(s), 2) for s in ("iiii", "WWWW", "1111", "ØÆÅ.")}
    assert len(widths) == 1, widths
    assert dialog.closeButton.isDefault()


def test_a_copy_in_english_says_so(qtbot: QtBot) -> None:
    dialog = ReceiptPreviewDialog(body(), language="en", copy=True)
    qtbot.addWidget(dialog)
    assert "*** COPY ***" in dialog.textEdit.toPlainText()
    assert "Change" in dialog.textEdit.toPlainText()


def test_enter_closes_the_preview(qtbot: QtBot) -> None:
    dialog = ReceiptPreviewDialog(body())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        qtbot.keyClick(dialog.closeButton, Qt.Key.Key_Return)


def test_save_pdf_writes_a_pdf(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = ReceiptPreviewDialog(body())
    qtbot.addWidget(dialog)
    target = tmp_path / "kvittering-17.pdf"
    with qtbot.waitSignal(dialog.saved, timeout=10_000) as saved:
        dialog.save_pdf(target)
    assert saved.args == [str(target)]
    assert target.read_bytes().startswith(b"%PDF")
    assert "Gemt som" in dialog.messageLabel.text()


def test_without_the_pdf_renderer_the_dialog_says_so(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, PDF_MODULE, None)  # makes the import fail
    dialog = ReceiptPreviewDialog(body())
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.failed, timeout=10_000):
        dialog.save_pdf(tmp_path / "x.pdf")
    assert "findes ikke" in dialog.messageLabel.text()
    assert not (tmp_path / "x.pdf").exists()


def test_a_folder_that_does_not_exist_is_reported_not_raised(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = ReceiptPreviewDialog(body())
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.failed, timeout=10_000):
        dialog.save_pdf(tmp_path / "missing" / "x.pdf")
    assert "kunne ikke" in dialog.messageLabel.text()
    assert dialog.pdfButton.isEnabled()


@pytest.mark.parametrize("language", ["da", "en"])
def test_receipts_and_screens_write_dates_and_times_alike(language: str) -> None:
    zone = ZoneInfo("Europe/Copenhagen")
    for moment in (
        dt.datetime(2026, 1, 5, 8, 3, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 31, 23, 59, tzinfo=dt.UTC),
    ):
        local = moment.astimezone(zone)
        assert date_time_text(local, language) == texts.local_datetime(moment, zone, language)
        assert date_text(local.date(), language) == texts.local_date(local.date(), language)
