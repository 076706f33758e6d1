"""The desk sends confirmations and payment links (e-mail and SMS) without waiting on them.

A real SMTP server and an SMS stand-in run on loopback (``tests/standin/notify_standin.py``);
the QR payments run against the local Stripe stand-in.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import stripe
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QInputDialog
from pytestqt.qtbot import QtBot

from jdoffice.adapters.notify_config import NotificationConfig, SmsProvider, parse_smtp_url
from jdoffice.gui.views.main_window import MainWindow
from jdoffice.gui.views.payment_dialog import PaymentDialog
from jdoffice.gui.views.qr_dialog import Phase, QrDialog
from jdoffice.services.notification_settings import NotificationSettings
from tests.gui.office import Office, make_office, settle_background_work
from tests.standin.notify_standin import SmsStandin, SmtpStandin
from tests.standin.stripe_standin import StripeStandin

SECRET_KEY = "sk_test_desk_messages"
WAIT_MS = 10_000


@pytest.fixture
def smtp() -> Iterator[SmtpStandin]:
    with SmtpStandin() as server:
        yield server


@pytest.fixture
def sms() -> Iterator[SmsStandin]:
    with SmsStandin() as server:
        yield server


@pytest.fixture
def standin() -> Iterator[StripeStandin]:
    with StripeStandin(secret_key=SECRET_KEY) as s:
        yield s


@pytest.fixture
def office(
    qtbot: QtBot,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    smtp: SmtpStandin,
    sms: SmsStandin,
    standin: StripeStandin,
) -> Iterator[Office]:
    monkeypatch.setenv("JDOFFICE_SMTP_PASSWORD", smtp.password)
    monkeypatch.setenv("JDOFFICE_SMS_TOKEN", sms.token)
    monkeypatch.setenv("JDOFFICE_STRIPE_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("JDOFFICE_STRIPE_WEBHOOK_SECRET", "whsec_desk_messages")
    monkeypatch.setattr(stripe.HTTPXClient, "_sleep_time_seconds", lambda self, n: 0.01)
    config = NotificationConfig(
        settings=NotificationSettings(
            email_enabled=True,
            sms_enabled=True,
            sender_address="kontor@oesterbro-koereskole.dk",
            sms_sender="Koreskole",
        ),
        smtp=parse_smtp_url(smtp.url, timeout_seconds=5),
        sms=SmsProvider(api_base=sms.base_url, account=sms.account, timeout_seconds=5),
    )
    office = make_office(
        tmp_path,
        tmp_path_factory.getbasetemp(),
        api_base=standin.base_url,
        notifications=config,
    )
    yield office
    settle_background_work()
    office.app.dispose()


@pytest.fixture
def desk(qtbot: QtBot, office: Office) -> Iterator[MainWindow]:
    window = MainWindow(office.ctx)
    qtbot.addWidget(window)
    window.resize(1200, 700)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    yield window
    if window.dialog is not None:
        window.dialog.done(0)
    window.close()
    settle_background_work()


def test_a_cash_payment_at_the_desk_sends_its_receipt_by_e_mail_once(
    qtbot: QtBot, office: Office, desk: MainWindow, smtp: SmtpStandin
) -> None:
    student = office.student("Søren", "Ærø")
    office.invoice(85025, student)
    qtbot.keyClicks(desk.searchEdit, "ærø")
    qtbot.waitUntil(lambda: desk.results_model.row_of(student.student_no) >= 0, timeout=WAIT_MS)
    qtbot.keyClick(desk.searchEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: desk.view is not None, timeout=WAIT_MS)
    qtbot.keyClick(QApplication.focusWidget() or desk, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: isinstance(desk.dialog, PaymentDialog), timeout=WAIT_MS)
    dialog = desk.dialog
    assert isinstance(dialog, PaymentDialog)
    qtbot.keyClicks(dialog.tenderedEdit, "1000")
    qtbot.keyClick(dialog.tenderedEdit, Qt.Key.Key_Return)

    qtbot.waitUntil(lambda: len(smtp.messages_to("soeren@example.dk")) == 1, timeout=WAIT_MS)
    [payment] = office.payments(student.id)
    mail = smtp.messages_to("soeren@example.dk")[0]
    assert f"{payment.receipt_no}" in mail.text
    assert "850,25\xa0kr." in mail.text  # what was paid on the invoice
    assert [a[1] for a in mail.attachments()] == ["application/pdf"]
    qtbot.waitUntil(lambda: "e-mail sendt til soeren@example.dk" in desk.statusbar.currentMessage())

    desk.send_messages()  # the next look finds nothing more to send
    settle_background_work()
    assert len(smtp.messages_to("soeren@example.dk")) == 1


def _open_qr(qtbot: QtBot, office: Office, invoice_no: str) -> QrDialog:
    dlg = QrDialog(office.ctx, invoice_no)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    qtbot.waitUntil(lambda: dlg.phase is not Phase.STARTING, timeout=WAIT_MS)
    assert dlg.phase is Phase.OPEN, dlg.status_label.text()
    return dlg


def test_a_double_click_sends_the_qr_link_once_and_a_later_press_sends_it_again(
    qtbot: QtBot, office: Office, smtp: SmtpStandin
) -> None:
    invoice = office.invoice(45000)
    dlg = _open_qr(qtbot, office, invoice.invoice_no)
    assert dlg.email_button.isVisible()
    assert dlg.sms_button.isVisible()

    with qtbot.waitSignal(dlg.link_sent, timeout=WAIT_MS) as sent:
        qtbot.mouseClick(dlg.email_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(dlg.email_button, Qt.MouseButton.LeftButton)
    assert sent.args[0].sent
    assert dlg.sent_label.text() == "Link sendt som e-mail til soeren@example.dk"
    [mail] = smtp.messages_to("soeren@example.dk")
    assert dlg.link_url in mail.text

    # "I did not get it": pressing again once it went out sends it again.
    with qtbot.waitSignal(dlg.link_sent, timeout=WAIT_MS):
        qtbot.mouseClick(dlg.email_button, Qt.MouseButton.LeftButton)
    assert len(smtp.messages_to("soeren@example.dk")) == 2
    dlg.reject()


def test_without_a_phone_on_file_the_desk_asks_for_the_number_and_texts_the_link(
    qtbot: QtBot, office: Office, sms: SmsStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoice = office.invoice(45000)
    dlg = _open_qr(qtbot, office, invoice.invoice_no)
    asked: list[str] = []

    def answer(parent: Any, title: str, label: str, *args: Any, **kw: Any) -> tuple[str, bool]:
        asked.append(label)
        return "21 34 56 78", True

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(answer))
    with qtbot.waitSignal(dlg.link_sent, timeout=WAIT_MS) as sent:
        qtbot.mouseClick(dlg.sms_button, Qt.MouseButton.LeftButton)

    assert len(asked) == 1
    assert "mobilnummer" in asked[0]
    assert sent.args[0].sent
    [text] = sms.messages_to("+4521345678")
    assert dlg.link_url in text.body
    assert dlg.sent_label.text() == "Link sendt som SMS til +4521345678"
    dlg.reject()


def test_a_malformed_number_typed_at_the_desk_is_refused_and_nothing_is_sent(
    qtbot: QtBot, office: Office, sms: SmsStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoice = office.invoice(45000)
    dlg = _open_qr(qtbot, office, invoice.invoice_no)
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("12-ab", True)))
    qtbot.mouseClick(dlg.sms_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "color: #b3261e" in dlg.sent_label.styleSheet(), timeout=WAIT_MS)
    assert dlg.sent_label.text()
    assert sms.received == []
    dlg.reject()
