"""Pay by QR (F6) against the local Stripe stand-in, driven as a receptionist would.

The dialog talks to the stand-in through the real gateway and the real ``stripe`` client;
the test plays the student (completing the checkout in the stand-in) and the network
(taking Stripe down). Screenshots of the open and the paid dialog are written to the test's
folder, and to ``$JDOFFICE_SCREENSHOT_DIR`` when that is set.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import stripe
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QWidget
from pytestqt.qtbot import QtBot

from jdoffice.adapters import secrets as secret_store
from jdoffice.adapters.qr import make_qr
from jdoffice.adapters.secrets import Secret
from jdoffice.domain.model import UTC, AttemptStatus
from jdoffice.domain.money import format_money
from jdoffice.gui.views.qr_dialog import QR_SIDE, Phase, QrDialog, Why, qr_scale
from jdoffice.services import online
from tests.gui.office import Office, make_office, settle_background_work
from tests.standin.stripe_standin import StripeStandin

# Qt's offscreen platform says this whenever a window with a layout is shown.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

SECRET_KEY = "sk_test_desk_qr"
WAIT_MS = 10_000


@pytest.fixture
def standin() -> Iterator[StripeStandin]:
    with StripeStandin(secret_key=SECRET_KEY) as s:
        yield s
        assert s.internal_errors == []


def _office(
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    standin: StripeStandin,
    *,
    online_on: bool,
) -> Iterator[Office]:
    monkeypatch.setenv("JDOFFICE_STRIPE_SECRET_KEY", SECRET_KEY)
    # Both secrets from the environment: the keyring of the machine is never read.
    monkeypatch.setenv("JDOFFICE_STRIPE_WEBHOOK_SECRET", "whsec_desk")
    monkeypatch.setattr(stripe.HTTPXClient, "_sleep_time_seconds", lambda self, n: 0.01)
    office = make_office(
        tmp_path, tmp_path_factory.getbasetemp(), online=online_on, api_base=standin.base_url
    )
    yield office
    settle_background_work()
    office.app.dispose()


@pytest.fixture
def office(
    qtbot: QtBot,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    standin: StripeStandin,
) -> Iterator[Office]:
    yield from _office(tmp_path, tmp_path_factory, monkeypatch, standin, online_on=True)


@pytest.fixture
def office_offline(
    qtbot: QtBot,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    standin: StripeStandin,
) -> Iterator[Office]:
    yield from _office(tmp_path, tmp_path_factory, monkeypatch, standin, online_on=False)


def _open(qtbot: QtBot, office: Office, invoice_no: str) -> QrDialog:
    dlg = QrDialog(office.ctx, invoice_no)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    return dlg


def _open_and_wait(qtbot: QtBot, office: Office, invoice_no: str) -> QrDialog:
    dlg = _open(qtbot, office, invoice_no)
    qtbot.waitUntil(lambda: dlg.phase is not Phase.STARTING, timeout=WAIT_MS)
    assert dlg.phase is Phase.OPEN, dlg.status_label.text()
    return dlg


def _screenshot(widget: QWidget, name: str, tmp_path: Path) -> None:
    pixmap = widget.grab()
    assert not pixmap.isNull()
    assert pixmap.save(str(tmp_path / name))
    folder = os.environ.get("JDOFFICE_SCREENSHOT_DIR", "").strip()
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        assert pixmap.save(str(Path(folder) / name))


def test_the_code_turns_paid_by_itself_when_the_student_pays(
    qtbot: QtBot, office: Office, standin: StripeStandin, tmp_path: Path
) -> None:
    invoice = office.invoice(850_00)
    dlg = _open_and_wait(qtbot, office, invoice.invoice_no)

    # A large, crisp code for the checkout the stand-in made, and the link next to it.
    (session,) = standin.sessions()
    assert dlg.link_url == session["url"]
    assert dlg.link_label.toolTip() == session["url"]
    pixmap = dlg.qr_pixmap()
    assert not pixmap.isNull()
    assert pixmap.width() >= QR_SIDE
    assert pixmap.width() == pixmap.height()
    assert dlg.amount_label.text() == format_money(850_00)
    assert invoice.invoice_no in dlg.invoice_label.text()
    assert "Køretime 45 min" in dlg.invoice_label.text()
    assert re.fullmatch(r"Udløber om \d\d:\d\d", dlg.countdown_label.text())
    assert dlg.status_label.text().startswith("Venter på betaling")

    _screenshot(dlg, "qr_open.png", tmp_path)
    qtbot.mouseClick(dlg.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == session["url"]

    # The student pays on their phone: no click at the desk.
    with qtbot.waitSignal(dlg.changed, timeout=WAIT_MS):
        standin.complete_session(session["id"])
    assert dlg.phase is Phase.PAID
    assert dlg.title_label.text() == "Betalt ✓"
    assert dlg.receipt_no is not None
    assert f"Kvittering nr. {dlg.receipt_no}" in dlg.status_label.text()
    assert dlg.receipt_button.isVisible()
    assert dlg.receipt_button.isDefault()
    payments = office.payments(invoice.student_id)
    assert [(p.method, p.amount_minor, p.receipt_no) for p in payments] == [
        ("stripe", 850_00, dlg.receipt_no)
    ]
    _screenshot(dlg, "qr_paid.png", tmp_path)

    # Enter shows the receipt and closes.
    with qtbot.waitSignal(dlg.receipt_requested, timeout=WAIT_MS) as receipt:
        qtbot.keyClick(dlg, Qt.Key.Key_Return)
    assert receipt.args == [dlg.receipt_no]
    assert not dlg.isVisible()
    assert dlg.result() == QDialog.DialogCode.Accepted.value
    assert len(office.payments(invoice.student_id)) == 1


def test_escape_cancels_and_expires_the_checkout(
    qtbot: QtBot, office: Office, standin: StripeStandin
) -> None:
    invoice = office.invoice(450_00)
    dlg = _open_and_wait(qtbot, office, invoice.invoice_no)
    attempt = dlg.attempt
    assert attempt is not None

    qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=WAIT_MS)

    assert dlg.result() == QDialog.DialogCode.Rejected.value
    (session,) = standin.sessions()
    assert session["status"] == "expired"
    stored = online.get_attempt(office.uow(), office.school, attempt.attempt_id)
    assert stored.status is AttemptStatus.CANCELLED
    assert office.payments(invoice.student_id) == []


def test_escape_after_the_student_paid_shows_the_payment(
    qtbot: QtBot, office: Office, standin: StripeStandin
) -> None:
    invoice = office.invoice(300_00)
    dlg = _open_and_wait(qtbot, office, invoice.invoice_no)
    (session,) = standin.sessions()
    standin.complete_session(session["id"])

    with qtbot.waitSignal(dlg.changed, timeout=WAIT_MS):
        qtbot.keyClick(dlg, Qt.Key.Key_Escape)

    assert dlg.phase is Phase.PAID
    assert dlg.isVisible()
    assert len(office.payments(invoice.student_id)) == 1
    qtbot.mouseClick(dlg.close_button, Qt.MouseButton.LeftButton)
    assert not dlg.isVisible()


def test_a_payment_that_does_not_match_ends_in_review_and_offers_neither_retry_nor_cash(
    qtbot: QtBot, office: Office, standin: StripeStandin
) -> None:
    invoice = office.invoice(300_00)
    dlg = _open_and_wait(qtbot, office, invoice.invoice_no)
    (session,) = standin.sessions()
    # The provider reports another amount than the checkout was made for: flagged, not paid.
    standin.complete_session(session["id"], amount_override=1_00)

    qtbot.waitUntil(lambda: dlg.title_label.text() == "Betalingen skal gennemses", timeout=WAIT_MS)
    # The student may have paid: starting again or taking cash could charge twice.
    assert not dlg.retry_button.isVisible()
    assert not dlg.manual_button.isVisible()
    assert dlg.close_button.isVisible()
    assert dlg.close_button.isDefault()
    assert office.payments(invoice.student_id) == []
    qtbot.keyClick(dlg, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=WAIT_MS)


def test_escape_while_the_checkout_is_being_made_cancels_it(
    qtbot: QtBot, office: Office, standin: StripeStandin
) -> None:
    standin.set_latency(0.5)
    invoice = office.invoice(300_00)
    dlg = _open(qtbot, office, invoice.invoice_no)
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    assert dlg.phase is Phase.CANCELLING
    assert dlg.isVisible()

    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=WAIT_MS)
    (session,) = standin.sessions()
    assert session["status"] == "expired"


def test_expired_checkout_offers_to_start_again(
    qtbot: QtBot, office: Office, standin: StripeStandin
) -> None:
    invoice = office.invoice(300_00)
    dlg = _open_and_wait(qtbot, office, invoice.invoice_no)
    first_url = dlg.link_url
    (session,) = standin.sessions()

    standin.expire_session(session["id"])
    qtbot.waitUntil(lambda: dlg.phase is Phase.EXPIRED, timeout=WAIT_MS)
    assert dlg.title_label.text() == "Betalingen er udløbet"
    assert dlg.retry_button.isVisible()
    assert dlg.retry_button.isDefault()
    assert dlg.manual_button.isVisible()

    qtbot.keyClick(dlg, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dlg.phase is Phase.OPEN, timeout=WAIT_MS)
    assert dlg.link_url
    assert dlg.link_url != first_url
    assert len(standin.sessions()) == 2

    qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=WAIT_MS)
    assert office.payments(invoice.student_id) == []


def test_stripe_down_says_so_and_offers_the_manual_methods(
    qtbot: QtBot, office: Office, standin: StripeStandin
) -> None:
    standin.set_down(True)
    invoice = office.invoice(850_00)
    dlg = _open(qtbot, office, invoice.invoice_no)
    qtbot.waitUntil(lambda: dlg.phase is Phase.BLOCKED, timeout=WAIT_MS)

    assert dlg.why is Why.UNREACHABLE
    assert dlg.title_label.text() == "Stripe kan ikke nås"
    assert "fakturaen er stadig åben" in dlg.status_label.text()
    assert dlg.manual_button.isVisible()
    assert dlg.retry_button.isVisible()
    with qtbot.waitSignal(dlg.manual_payment_requested, timeout=WAIT_MS):
        qtbot.mouseClick(dlg.manual_button, Qt.MouseButton.LeftButton)
    assert not dlg.isVisible()
    assert office.payments(invoice.student_id) == []


def test_stripe_back_up_after_try_again(
    qtbot: QtBot, office: Office, standin: StripeStandin
) -> None:
    standin.set_down(True)
    invoice = office.invoice(850_00)
    dlg = _open(qtbot, office, invoice.invoice_no)
    qtbot.waitUntil(lambda: dlg.phase is Phase.BLOCKED, timeout=WAIT_MS)

    standin.set_down(False)
    qtbot.mouseClick(dlg.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.phase is Phase.OPEN, timeout=WAIT_MS)
    assert dlg.link_url

    qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=WAIT_MS)


def test_online_payments_off_says_so_and_enter_takes_it_at_the_desk(
    qtbot: QtBot, office_offline: Office, standin: StripeStandin
) -> None:
    invoice = office_offline.invoice(850_00)
    dlg = _open(qtbot, office_offline, invoice.invoice_no)
    qtbot.waitUntil(lambda: dlg.phase is Phase.BLOCKED, timeout=WAIT_MS)

    assert dlg.why is Why.OFF
    assert dlg.title_label.text() == "Online-betaling er slået fra"
    assert dlg.manual_button.isDefault()
    with qtbot.waitSignal(dlg.manual_payment_requested, timeout=WAIT_MS):
        qtbot.keyClick(dlg, Qt.Key.Key_Return)
    assert not dlg.isVisible()
    assert standin.requests == []


def test_an_invoice_already_paid_has_nothing_to_pay(qtbot: QtBot, office: Office) -> None:
    invoice = office.invoice(200_00)
    office.pay(invoice, 200_00, method="bank")
    dlg = _open(qtbot, office, invoice.invoice_no)
    qtbot.waitUntil(lambda: dlg.phase is Phase.BLOCKED, timeout=WAIT_MS)
    assert dlg.why is Why.NOTHING_OWED
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    assert not dlg.isVisible()


@pytest.mark.parametrize("length", [60, 350, 900])
def test_the_code_is_large_and_sharp_for_short_and_long_addresses(length: int) -> None:
    url = "https://checkout.stripe.com/c/pay/cs_test_" + "a1B2" * (length // 4)
    for dpr in (1.0, 2.0):
        scale = qr_scale(url, QR_SIDE, dpr)
        modules = make_qr(url).symbol_size(scale=1, border=4)[0]
        assert modules * scale >= QR_SIDE * dpr
        # Not more than a module larger than needed: the dialog stays on the screen.
        assert modules * (scale - 1) < QR_SIDE * dpr


def test_a_payment_that_settles_later_shows_its_progress(
    qtbot: QtBot, office: Office, standin: StripeStandin
) -> None:
    invoice = office.invoice(850_00)
    dlg = _open_and_wait(qtbot, office, invoice.invoice_no)
    (session,) = standin.sessions()

    standin.complete_session(session["id"], async_payment=True)
    qtbot.waitUntil(lambda: "behandles" in dlg.status_label.text(), timeout=WAIT_MS)
    assert dlg.phase.value == "open"
    assert dlg.visual.currentWidget() is dlg.badge
    assert office.payments(invoice.student_id) == []

    with qtbot.waitSignal(dlg.changed, timeout=WAIT_MS):
        standin.succeed_async(session["id"])
    assert dlg.phase is Phase.PAID
    assert len(office.payments(invoice.student_id)) == 1
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    assert not dlg.isVisible()


def test_no_key_says_where_to_set_it(
    qtbot: QtBot, office: Office, standin: StripeStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JDOFFICE_STRIPE_SECRET_KEY")
    monkeypatch.setattr(secret_store, "get_secret", lambda name, school: Secret())
    invoice = office.invoice(850_00)
    dlg = _open(qtbot, office, invoice.invoice_no)
    qtbot.waitUntil(lambda: dlg.phase is Phase.BLOCKED, timeout=WAIT_MS)

    assert dlg.why is Why.NO_KEY
    assert dlg.title_label.text() == "Online-betaling er ikke sat op"
    assert "Indstillinger" in dlg.status_label.text()
    assert dlg.amount_label.text() == format_money(850_00)
    with qtbot.waitSignal(dlg.manual_payment_requested, timeout=WAIT_MS):
        qtbot.keyClick(dlg, Qt.Key.Key_Return)
    assert standin.requests == []


def test_no_key_names_the_schools_own_gateway(
    qtbot: QtBot, office: Office, standin: StripeStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The school takes payments through another installed provider, whose key is not set.
    office.app._config = dataclasses.replace(
        office.app.config,
        payments=dataclasses.replace(office.app.config.payments, gateway="testpay"),
    )
    monkeypatch.setattr(secret_store, "get_secret", lambda name, school: Secret())
    invoice = office.invoice(850_00)
    dlg = _open(qtbot, office, invoice.invoice_no)
    qtbot.waitUntil(lambda: dlg.phase is Phase.BLOCKED, timeout=WAIT_MS)

    assert dlg.why is Why.NO_KEY
    assert "Der mangler en nøgle til Testbetaling" in dlg.status_label.text()
    assert "Stripe" not in dlg.status_label.text()
    assert standin.requests == []
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)


def test_a_60_minute_checkout_counts_down_from_60_00_not_61_00(
    qtbot: QtBot, office: Office
) -> None:
    invoice = office.invoice(850_00)
    assert office.app.payment_settings(office.school).checkout_expiry_minutes == 60
    dlg = _open_and_wait(qtbot, office, invoice.invoice_no)
    # Read after the checkout exists: its expiry is whole seconds after its own start, so a
    # clock read before the start may see up to one second more than the hour.
    after = dt.datetime.now(UTC)

    # The first second shown is the hour the school set (a slow start may have used a second).
    assert re.fullmatch(r"Udløber om (60:00|59:5\d)", dlg.countdown_label.text())
    view = dlg.attempt
    assert view is not None
    left = online.seconds_left(view, after)
    assert left is not None
    assert 60 * 60 - 10 <= left <= 60 * 60


def test_f6_asks_which_invoice_with_the_oldest_open_one_chosen_and_charges_what_it_shows(
    qtbot: QtBot, office: Office, standin: StripeStandin, tmp_path: Path
) -> None:
    student = office.student("Ida", "Qvist")
    oldest = office.invoice(400_00, student, text="Køretime 90 min")
    later = office.invoice(250_00, student, text="Teoriprøve")
    dlg = QrDialog(
        office.ctx,
        oldest.invoice_no,
        student_name="Ida Qvist",
        student_no=student.student_no,
    )
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    qtbot.waitUntil(dlg.invoice_combo.isVisible, timeout=WAIT_MS)

    # Nothing is made at the provider before staff have seen which invoice and amount.
    assert dlg.phase is Phase.CHOOSING
    assert standin.sessions() == []
    assert dlg.choice_caption.text() == "&Betaling for:"
    assert [dlg.invoice_combo.itemText(k).split(" · ")[0] for k in range(2)] == [
        f"Faktura {oldest.invoice_no}",
        f"Faktura {later.invoice_no}",
    ]
    assert dlg.chosen_invoice() is not None
    assert dlg.chosen_invoice().invoice_no == oldest.invoice_no  # type: ignore[union-attr]
    assert dlg.amount_label.text() == format_money(400_00)
    assert dlg.choose_button.isDefault()
    _screenshot(dlg, "qr_choose.png", tmp_path)

    qtbot.keyClick(dlg.invoice_combo, Qt.Key.Key_Down)
    assert dlg.amount_label.text() == format_money(250_00)
    qtbot.keyClick(dlg.invoice_combo, Qt.Key.Key_Return)

    qtbot.waitUntil(lambda: dlg.phase is Phase.OPEN, timeout=WAIT_MS)
    (session,) = standin.sessions()
    assert session["amount_total"] == 250_00
    assert dlg.invoice_no == later.invoice_no
    assert dlg.amount_label.text() == format_money(250_00)
    assert later.invoice_no in dlg.invoice_label.text()
    assert not dlg.invoice_combo.isVisible()
    _screenshot(dlg, "qr_open_chosen.png", tmp_path)


def test_f6_with_one_open_invoice_shows_its_code_at_once(
    qtbot: QtBot, office: Office, standin: StripeStandin
) -> None:
    student = office.student("Ida", "Qvist")
    invoice = office.invoice(400_00, student)
    dlg = QrDialog(
        office.ctx, invoice.invoice_no, student_name="Ida Qvist", student_no=student.student_no
    )
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    qtbot.waitUntil(lambda: dlg.phase is Phase.OPEN, timeout=WAIT_MS)
    (session,) = standin.sessions()
    assert session["amount_total"] == 400_00


def test_taking_it_at_the_desk_after_choosing_another_invoice_pays_the_chosen_one(
    qtbot: QtBot, office: Office, standin: StripeStandin
) -> None:
    from jdoffice.gui.views.payment_dialog import PaymentDialog
    from tests.gui.test_desk import close_desk, find_and_open, open_desk

    student = office.student("Ida", "Qvist")
    office.invoice(400_00, student)
    later = office.invoice(250_00, student)
    desk = open_desk(qtbot, office)
    try:
        find_and_open(qtbot, desk, "qvist", student)
        standin.set_down(True)
        qtbot.keyClick(desk.invoicesView, Qt.Key.Key_F6)
        qtbot.waitUntil(lambda: isinstance(desk.dialog, QrDialog), timeout=WAIT_MS)
        qr = desk.dialog
        assert isinstance(qr, QrDialog)
        qtbot.waitUntil(qr.invoice_combo.isVisible, timeout=WAIT_MS)
        # Staff choose the later invoice; the desk's own target stays the oldest one.
        qtbot.keyClick(qr.invoice_combo, Qt.Key.Key_Down)
        qtbot.keyClick(qr.invoice_combo, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: qr.phase is Phase.BLOCKED, timeout=WAIT_MS)
        qtbot.mouseClick(qr.manual_button, Qt.MouseButton.LeftButton)

        qtbot.waitUntil(lambda: isinstance(desk.dialog, PaymentDialog), timeout=WAIT_MS)
        pay = desk.dialog
        assert isinstance(pay, PaymentDialog)
        assert pay.targetCombo.currentData() == later.invoice_no
        assert pay.amountEdit.text() == "250,00"
        assert office.payments(student.id) == []
    finally:
        close_desk(desk)
