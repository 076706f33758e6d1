"""After a payment the receipt goes where this desk's settings say: the preview, a PDF in a
folder, the thermal printer (here a ``file:`` target), or a system printer. A printer that
fails says so and offers the preview; the payment is stored either way."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from jdoffice.domain.model import Student
from jdoffice.gui import desk_settings
from jdoffice.gui.desk_settings import DeskSettings, ReceiptOutput
from jdoffice.gui.receipt_output import (
    ReceiptDelivery,
    deliver_receipt,
    free_path,
    pdf_file_name,
)
from jdoffice.gui.views.main_window import MainWindow
from jdoffice.gui.views.payment_dialog import PaymentDialog
from jdoffice.gui.views.receipt_preview import ReceiptPreviewDialog
from jdoffice.gui.views.refund_dialog import RefundDialog
from jdoffice.printing import thermal
from jdoffice.services.payments import PaymentResult
from tests.gui.office import Office, make_office, settle_background_work
from tests.gui.test_desk import close_desk, find_and_open, open_desk, press_f5

WAIT_MS = 10_000
#: The code page receipts are printed in.
CODEC = thermal.DEFAULT_CODE_PAGE.lower()
DRAWER_KICK = b"\x1bp"  # ESC p m t1 t2


@pytest.fixture
def office(
    qtbot: QtBot, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Office]:
    office = make_office(tmp_path, tmp_path_factory.getbasetemp(), online=False)
    yield office
    settle_background_work()
    office.app.dispose()


def configure(**changes: object) -> DeskSettings:
    settings = DeskSettings(**changes)  # type: ignore[arg-type]
    desk_settings.save(settings)
    return settings


def pay_cash(qtbot: QtBot, office: Office, desk: MainWindow, student: Student) -> int:
    """Search, Enter, F5, 1000, Enter: the receptionist's round; returns the receipt number."""
    find_and_open(qtbot, desk, student.first_name.lower()[:4], student)
    dialog = press_f5(qtbot, desk)
    qtbot.keyClicks(dialog.tenderedEdit, "1000")
    with qtbot.waitSignal(desk.payment_taken, timeout=WAIT_MS) as taken:
        qtbot.keyClick(dialog.tenderedEdit, Qt.Key.Key_Return)
    result: PaymentResult = taken.args[0].result
    assert result.receipt_no is not None
    return result.receipt_no


@pytest.fixture
def desk(qtbot: QtBot, office: Office) -> Iterator[MainWindow]:
    window = open_desk(qtbot, office)
    yield window
    close_desk(window)


def test_the_receipt_goes_to_the_thermal_printer_after_a_cash_payment(
    qtbot: QtBot, office: Office, desk: MainWindow, tmp_path: Path
) -> None:
    printer = tmp_path / "printer.bin"
    configure(receipt_output=ReceiptOutput.THERMAL, thermal_target=f"file:{printer}")
    student = office.student("Bjørk", "Ærø")
    office.invoice(85025, student)

    receipt_no = pay_cash(qtbot, office, desk, student)
    qtbot.waitUntil(
        lambda: "udskrevet på bonprinteren" in desk.statusbar.currentMessage(), timeout=WAIT_MS
    )

    data = printer.read_bytes()
    assert f"Kvittering nr. {receipt_no}".encode(CODEC) in data
    assert "Bjørk Ærø".encode(CODEC) in data
    assert "Østerbro Køreskole".encode(CODEC) in data
    assert "CVR".encode(CODEC) in data
    assert "149,50".encode(CODEC) in data  # the change
    assert DRAWER_KICK in data, "cash opens the drawer"
    assert data.index(DRAWER_KICK) < data.index("Bjørk".encode(CODEC))
    message = desk.statusbar.currentMessage()
    assert "Byttepenge: 149,50" in message
    assert f"Kvittering nr. {receipt_no}" in message
    assert not isinstance(desk.dialog, ReceiptPreviewDialog), "no preview when printing"
    assert len(office.payments(student.id)) == 1


def test_the_drawer_stays_shut_when_the_desk_says_so(
    qtbot: QtBot, office: Office, desk: MainWindow, tmp_path: Path
) -> None:
    printer = tmp_path / "printer.bin"
    configure(
        receipt_output=ReceiptOutput.THERMAL,
        thermal_target=f"file:{printer}",
        open_drawer_on_cash=False,
    )
    student = office.student("Dorthe", "Skuffesen")
    office.invoice(20000, student)
    pay_cash(qtbot, office, desk, student)
    qtbot.waitUntil(lambda: printer.exists() and printer.stat().st_size > 0, timeout=WAIT_MS)
    settle_background_work()
    assert DRAWER_KICK not in printer.read_bytes()


def test_pdf_folder_mode_writes_a_pdf_of_the_receipt(
    qtbot: QtBot, office: Office, desk: MainWindow, tmp_path: Path
) -> None:
    folder = tmp_path / "kvitteringer"
    folder.mkdir()
    configure(receipt_output=ReceiptOutput.PDF, pdf_folder=str(folder))
    student = office.student("Pia", "Dahl")
    office.invoice(50000, student)

    receipt_no = pay_cash(qtbot, office, desk, student)
    pdf = folder / f"kvittering-{receipt_no}.pdf"
    qtbot.waitUntil(pdf.exists, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "gemt som" in desk.statusbar.currentMessage(), timeout=WAIT_MS)
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(pdf).pages)
    assert "Pia Dahl" in text
    assert "Østerbro Køreskole" in text
    assert str(receipt_no) in text
    assert [p.name for p in folder.iterdir()] == [pdf.name], "no half-written files left"


def test_a_printer_that_fails_says_so_offers_the_preview_and_the_payment_stays(
    qtbot: QtBot, office: Office, desk: MainWindow, tmp_path: Path
) -> None:
    configure(
        receipt_output=ReceiptOutput.THERMAL,
        thermal_target=f"file:{tmp_path / 'unplugged' / 'lp0'}",
    )
    student = office.student("Ulla", "Uheldig")
    office.invoice(30000, student)
    receipt_no = pay_cash(qtbot, office, desk, student)

    def box() -> QMessageBox | None:
        found = [b for b in desk.findChildren(QMessageBox) if b.isVisible()]
        return found[0] if found else None

    qtbot.waitUntil(lambda: box() is not None, timeout=WAIT_MS)
    message = box()
    assert message is not None
    assert "Betalingen er registreret" in message.text()
    assert "cannot be reached" in message.text()
    assert len(office.payments(student.id)) == 1

    show = next(b for b in message.buttons() if b.text() == "&Vis kvittering")
    assert message.defaultButton() is show
    qtbot.mouseClick(show, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(desk.dialog, ReceiptPreviewDialog), timeout=WAIT_MS)
    preview = desk.dialog
    assert isinstance(preview, ReceiptPreviewDialog)
    assert f"Kvittering nr. {receipt_no}" in preview.textEdit.toPlainText()
    assert preview.headlineLabel.text() == "Byttepenge: 700,00\xa0kr."


def test_a_system_printer_that_is_not_there_says_so(
    qtbot: QtBot, office: Office, desk: MainWindow
) -> None:
    configure(receipt_output=ReceiptOutput.PRINTER, printer_name="Kontorprinteren")
    student = office.student("Per", "Printer")
    office.invoice(10000, student)
    pay_cash(qtbot, office, desk, student)
    qtbot.waitUntil(
        lambda: any(b.isVisible() for b in desk.findChildren(QMessageBox)), timeout=WAIT_MS
    )
    box = next(b for b in desk.findChildren(QMessageBox) if b.isVisible())
    assert "no printer called 'Kontorprinteren'" in box.text()
    assert any(b.text() == "&Vis kvittering" for b in box.buttons())
    assert len(office.payments(student.id)) == 1
    box.done(0)


def test_a_missing_pdf_folder_says_so(
    qtbot: QtBot, office: Office, desk: MainWindow, tmp_path: Path
) -> None:
    configure(receipt_output=ReceiptOutput.PDF, pdf_folder=str(tmp_path / "gone"))
    student = office.student("Mads", "Mappeløs")
    office.invoice(10000, student)
    pay_cash(qtbot, office, desk, student)
    qtbot.waitUntil(
        lambda: any(b.isVisible() for b in desk.findChildren(QMessageBox)), timeout=WAIT_MS
    )
    box = next(b for b in desk.findChildren(QMessageBox) if b.isVisible())
    assert "does not exist" in box.text()
    box.done(0)


def test_the_preview_is_the_default(qtbot: QtBot, office: Office, desk: MainWindow) -> None:
    student = office.student("Vera", "Vis")
    office.invoice(10000, student)
    pay_cash(qtbot, office, desk, student)
    qtbot.waitUntil(lambda: isinstance(desk.dialog, ReceiptPreviewDialog), timeout=WAIT_MS)


def test_english_receipts_follow_the_desk_language(
    qtbot: QtBot, office: Office, desk: MainWindow, tmp_path: Path
) -> None:
    printer = tmp_path / "printer.bin"
    configure(receipt_output=ReceiptOutput.THERMAL, thermal_target=f"file:{printer}", language="en")
    student = office.student("Erik", "English")
    office.invoice(10000, student)
    receipt_no = pay_cash(qtbot, office, desk, student)
    qtbot.waitUntil(lambda: printer.exists() and printer.stat().st_size > 0, timeout=WAIT_MS)
    settle_background_work()
    data = printer.read_bytes()
    assert f"Receipt no. {receipt_no}".encode(CODEC) in data
    assert b"Kvittering" not in data


def test_show_receipt_from_a_refund_goes_where_the_settings_say(
    qtbot: QtBot, office: Office, desk: MainWindow, tmp_path: Path
) -> None:
    folder = tmp_path / "pdf"
    folder.mkdir()
    configure(receipt_output=ReceiptOutput.PDF, pdf_folder=str(folder))
    student = office.student("Rikke", "Refusen")
    invoice = office.invoice(40000, student)
    paid = office.pay(invoice, 40000, method="bank")

    dialog = RefundDialog(office.ctx, paid.payment_id, desk)
    desk._open_dialog(dialog)
    qtbot.waitUntil(lambda: dialog.amount_edit.isEnabled(), timeout=WAIT_MS)
    dialog.reason_edit.setText("aflyst køretime")
    with qtbot.waitSignal(dialog.changed, timeout=WAIT_MS):
        dialog.refund_button.click()
    qtbot.waitUntil(dialog.receipt_button.isVisible, timeout=WAIT_MS)
    dialog.receipt_button.click()

    def refund_pdfs() -> list[Path]:
        return sorted(folder.glob("refusion-*.pdf"))

    qtbot.waitUntil(lambda: len(refund_pdfs()) == 1, timeout=WAIT_MS)
    text = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(refund_pdfs()[0]).pages
    )
    assert "Rikke Refusen" in text
    assert "aflyst køretime" in text


def test_deliver_receipt_reads_the_receipt_and_sends_it_to_the_thermal_target(
    qtbot: QtBot, office: Office, desk: MainWindow, tmp_path: Path
) -> None:
    student = office.student("Tone", "Termo")
    invoice = office.invoice(12345, student)
    paid = office.pay(invoice, 12345, method="mobilepay")
    assert paid.receipt_no is not None
    printer = tmp_path / "printer.bin"
    settings = DeskSettings(receipt_output=ReceiptOutput.THERMAL, thermal_target=f"file:{printer}")
    delivery = deliver_receipt(office.ctx, paid.receipt_no, desk, settings=settings)
    assert isinstance(delivery, ReceiptDelivery)
    with qtbot.waitSignal(delivery.delivered, timeout=WAIT_MS) as delivered:
        pass
    assert f"Kvittering nr. {paid.receipt_no}" in delivered.args[0]
    data = printer.read_bytes()
    assert "Tone Termo".encode(CODEC) in data
    assert DRAWER_KICK not in data, "MobilePay opens no drawer"


def test_a_receipt_that_cannot_be_read_says_so(
    qtbot: QtBot, office: Office, desk: MainWindow
) -> None:
    delivery = deliver_receipt(office.ctx, 999, desk, settings=DeskSettings())
    with qtbot.waitSignal(delivery.failed, timeout=WAIT_MS) as failed:
        pass
    assert "kvitteringen kunne ikke hentes" in failed.args[0]
    assert "no receipt 999" in failed.args[0]
    box = next(b for b in desk.findChildren(QMessageBox) if b.isVisible())
    assert not any(b.text() == "&Vis kvittering" for b in box.buttons())
    box.done(0)


def test_pdf_names_do_not_overwrite_each_other(tmp_path: Path) -> None:
    first = free_path(tmp_path, "kvittering-7.pdf")
    assert first == tmp_path / "kvittering-7.pdf"
    first.write_bytes(b"%PDF")
    assert free_path(tmp_path, "kvittering-7.pdf") == tmp_path / "kvittering-7-2.pdf"


def test_payment_dialog_is_not_left_open(
    qtbot: QtBot, office: Office, desk: MainWindow, tmp_path: Path
) -> None:
    configure(receipt_output=ReceiptOutput.THERMAL, thermal_target=f"file:{tmp_path / 'p.bin'}")
    student = office.student("Lone", "Lukket")
    office.invoice(10000, student)
    pay_cash(qtbot, office, desk, student)
    settle_background_work()
    assert not any(d.isVisible() for d in desk.findChildren(PaymentDialog))


def test_pdf_file_names_follow_language_and_kind() -> None:
    from tests.gui.test_receipt_preview import body

    assert pdf_file_name(body(), "da") == "kvittering-17.pdf"
    assert pdf_file_name(body(), "en") == "receipt-17.pdf"
