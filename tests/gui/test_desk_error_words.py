"""The desk speaks one language: the core's English errors reach staff in Danish words.

The core raises its errors in English (the command line and the logs read them). Every error
the desk can meet while taking or refunding money is triggered here for real, and what the
desk would show for it is checked for English words and for a sentence that ends twice
("90,00 kr.."). The banners that carry these messages go away as soon as the input that caused
them changes, and never squash the fields they are about.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from jdoffice.domain.errors import JdofficeError
from jdoffice.domain.money import format_money, parse_amount, settle_cash
from jdoffice.gui import texts
from jdoffice.gui.views import pay_text
from jdoffice.gui.views.payment_dialog import PaymentDialog, read_amount
from jdoffice.gui.views.refund_dialog import RefundDialog
from jdoffice.services import queries
from jdoffice.services.payments import refund_payment, register_payment
from tests.gui.office import ACTOR, Office, make_office, settle_background_work

# Qt's offscreen platform says this whenever a window with a layout is shown.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

WAIT_MS = 10_000

#: Words of the core's English error texts that are not Danish words too.
ENGLISH = (
    "amount",
    "must",
    "more than",
    "owed",
    "not",
    "is",
    "the",
    "negative",
    "too",
    "large",
    "decimals",
    "allow",
    "credit",
    "already",
    "paid",
    "refund",
    "left",
    "invoice",
    "payment",
    "write",
    "cannot",
    "expected",
    "empty",
    "zero",
    "reason",
    "required",
)


def english_in(text: str) -> list[str]:
    return [w for w in ENGLISH if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text, re.I)]


def assert_danish(text: str) -> None:
    assert text.strip(), "an empty message"
    assert english_in(text) == [], f"English in a Danish message: {text!r}"
    assert not re.search(r"(?<!\.)\.\.(?!\.)", text), f"a sentence ends twice: {text!r}"


@pytest.fixture
def office(
    qtbot: QtBot, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Office]:
    office = make_office(tmp_path, tmp_path_factory.getbasetemp())
    yield office
    settle_background_work()
    office.app.dispose()


def _raised(action: Callable[[], object]) -> JdofficeError:
    with pytest.raises(JdofficeError) as caught:
        action()
    return caught.value


def core_errors(office: Office) -> list[JdofficeError]:
    """The errors the core raises for what staff can do wrong at the desk, raised for real."""
    school = office.school
    owed = office.invoice(90_00)
    settled = office.invoice(50_00)
    office.pay(settled, 50_00, method="bank")
    paid = office.pay(office.invoice(200_00), 200_00, method="bank")

    def pay(invoice_no: str, amount: int) -> object:
        return register_payment(
            office.uow(),
            school,
            method="bank",
            amount_minor=amount,
            invoice_no=invoice_no,
            actor=ACTOR,
        )

    def refund(amount: int | None, reason: str = "aflyst") -> object:
        return refund_payment(
            office.uow(),
            school,
            payment_id=paid.payment_id,
            amount_minor=amount,
            reason=reason,
            actor=ACTOR,
        )

    errors = [
        _raised(lambda t=text: parse_amount(t))  # type: ignore[misc]
        for text in ("-5", "abc", "12,345", "99999999999", "20000000", "0", "", "kr.")
    ]
    errors += [
        _raised(lambda: settle_cash(850_25, 100_00)),  # less than the cash total
        _raised(lambda: settle_cash(850_25, 1000_25)),  # not a whole number of coins
        _raised(lambda: pay(owed.invoice_no, 100_00)),  # more than is owed
        _raised(lambda: pay(settled.invoice_no, 10_00)),  # already paid
        _raised(lambda: pay("F-findes-ikke", 10_00)),  # no such invoice
        _raised(lambda: refund(300_00)),  # more than is left to refund
        _raised(lambda: refund(10_00, reason="  ")),  # no reason
    ]
    refund(None)
    errors.append(_raised(lambda: refund(10_00)))  # fully refunded already
    return errors


def test_every_error_of_taking_and_refunding_money_reads_in_danish(office: Office) -> None:
    errors = core_errors(office)
    assert len(errors) == 16
    assert any("more than what is owed" in str(e) for e in errors), "the core speaks English"
    for exc in errors:
        detail = texts.core_detail(exc)
        assert detail, f"no Danish words for the core's {str(exc)!r}"
        assert_danish(detail)
        assert_danish(texts.error_message(exc))
        assert_danish(pay_text.error_message(exc))


def test_a_typed_amount_the_desk_cannot_read_is_explained_in_danish() -> None:
    for typed in ("-5", "abc", "12,345", "99999999999", "0"):
        with pytest.raises(JdofficeError) as caught:
            read_amount(typed, "DKK", "Beløb")
        assert_danish(str(caught.value))
        assert f"«{typed}»" in str(caught.value)
    with pytest.raises(JdofficeError) as caught:
        read_amount("-5", "DKK", "Beløb")
    assert str(caught.value) == (
        "Beløb: «-5» kan ikke læses som et beløb. Beløbet må ikke være negativt. "
        "Skriv fx 850 eller 1.234,50."
    )


def _screenshot(widget: QWidget, name: str, tmp_path: Path) -> None:
    pixmap = widget.grab()
    assert not pixmap.isNull()
    assert pixmap.save(str(tmp_path / name))
    folder = os.environ.get("JDOFFICE_SCREENSHOT_DIR", "").strip()
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        assert pixmap.save(str(Path(folder) / name))


def _payment_dialog(qtbot: QtBot, office: Office, amount_minor: int) -> PaymentDialog:
    student = office.student("Søren", "Ærø")
    office.invoice(amount_minor, student)
    view = queries.student_view(office.ctx.read_uow(), office.school, student.student_no)
    dialog = PaymentDialog(office.ctx, view)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _retype(qtbot: QtBot, edit: QWidget, text: str) -> None:
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(edit, text)


def test_a_negative_amount_is_refused_in_danish_and_the_banner_goes_when_it_is_retyped(
    qtbot: QtBot, office: Office, tmp_path: Path
) -> None:
    dialog = _payment_dialog(qtbot, office, 850_25)
    heights = [w.height() for w in (dialog.amountEdit, dialog.tenderedEdit, dialog.targetCombo)]

    _retype(qtbot, dialog.amountEdit, "-5")
    qtbot.keyClick(dialog.amountEdit, Qt.Key.Key_Return)

    assert dialog.errorLabel.isVisible()
    shown = dialog.errorLabel.text()
    assert "«-5»" in shown
    assert "Beløbet må ikke være negativt" in shown
    assert_danish(shown)
    assert office.payments(dialog._view.student.id) == []
    # The banner takes room of its own: the fields keep their height and are not covered.
    qtbot.wait(50)
    assert [
        w.height() for w in (dialog.amountEdit, dialog.tenderedEdit, dialog.targetCombo)
    ] == heights
    assert dialog.errorLabel.geometry().top() >= dialog.changeFrame.geometry().bottom()
    _screenshot(dialog, "payment_error.png", tmp_path)

    qtbot.keyClick(dialog.amountEdit, Qt.Key.Key_Backspace)
    assert not dialog.errorLabel.isVisible(), "the banner outlived the input that caused it"


def test_paying_more_than_is_owed_is_refused_in_danish_with_what_is_owed_now(
    qtbot: QtBot, office: Office, tmp_path: Path
) -> None:
    dialog = _payment_dialog(qtbot, office, 90_00)
    dialog.bankRadio.click()
    _retype(qtbot, dialog.amountEdit, "100")
    qtbot.keyClick(dialog.amountEdit, Qt.Key.Key_Return)

    qtbot.waitUntil(lambda: "90,00" in dialog.errorLabel.text(), timeout=WAIT_MS)
    shown = dialog.errorLabel.text()
    assert_danish(shown)
    assert f"{format_money(100_00)} er mere end eleven skylder ({format_money(90_00)})" in shown
    _screenshot(dialog, "payment_more_than_owed.png", tmp_path)

    dialog.cashRadio.click()
    assert not dialog.errorLabel.isVisible()


def test_a_refund_error_reads_in_danish_and_goes_when_the_amount_is_retyped(
    qtbot: QtBot, office: Office
) -> None:
    paid = office.pay(office.invoice(500_00), 500_00, method="bank")
    dlg = RefundDialog(office.ctx, paid.payment_id)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    qtbot.waitUntil(lambda: dlg.detail is not None, timeout=WAIT_MS)
    note = dlg.message_label.text()

    _retype(qtbot, dlg.amount_edit, "-5")
    qtbot.keyClicks(dlg.reason_edit, "Aflyst")
    qtbot.keyClick(dlg.reason_edit, Qt.Key.Key_Return)
    shown = dlg.message_label.text()
    assert "Beløbet må ikke være negativt" in shown
    assert_danish(shown)

    _retype(qtbot, dlg.amount_edit, "100")
    assert dlg.message_label.text() == note
    assert office.refunds(paid.payment_id) == []


def test_an_english_desk_writes_money_the_english_way(qtbot: QtBot, office: Office) -> None:
    english = dataclasses.replace(office.ctx, language="en")
    student = office.student("Søren", "Ærø")
    office.invoice(850_25, student)
    view = queries.student_view(english.read_uow(), english.school, student.student_no)
    dialog = PaymentDialog(english, view)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)

    assert "DKK\xa0850.25" in dialog.targetCombo.itemText(0)
    assert dialog.amountEdit.text() == "850.25"
    qtbot.keyClicks(dialog.tenderedEdit, "1000")
    assert dialog.changeLabel.text() == "DKK\xa0149.50"


def test_dates_and_times_have_one_format_per_language_in_the_schools_time_zone() -> None:
    day = dt.date(2026, 12, 3)
    assert texts.local_date(day) == "03.12.2026"
    assert texts.local_date(day, "en") == "3 Dec 2026"
    # 15:07 UTC is 16:07 in Copenhagen in December, whatever the machine's own zone.
    when = dt.datetime(2026, 12, 3, 15, 7, tzinfo=dt.UTC)
    school = ZoneInfo("Europe/Copenhagen")
    assert texts.local_datetime(when, school) == "03.12.2026 16:07"
    assert texts.local_datetime(when, school, "en") == "3 Dec 2026 16:07"


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_refund_dialog_shows_when_the_payment_was_made_in_the_schools_time(
    qtbot: QtBot, office: Office, language: str
) -> None:
    paid = office.pay(office.invoice(500_00), 500_00, method="bank")
    ctx = dataclasses.replace(office.ctx, language=language)
    dlg = RefundDialog(ctx, paid.payment_id)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    qtbot.waitUntil(lambda: dlg.detail is not None, timeout=WAIT_MS)
    detail = dlg.detail
    assert detail is not None
    local = detail.payment.created_at.astimezone(ZoneInfo("Europe/Copenhagen"))
    expected = texts.local_datetime(detail.payment.created_at, office.school.tz, language)
    assert expected.endswith(f"{local:%H:%M}")
    assert dlg.receipt_value.text().endswith(f" · {expected}")
    assert dlg.left_value.text() == ("500,00\xa0kr." if language == "da" else "DKK\xa0500.00")
