"""Reminders from the debtor list in the desk program (issue 15), by keyboard: Ctrl+Shift+D,
Ctrl+A chooses every student, Alt+E reminds them of their overdue invoices by e-mail with a
payment link on the Stripe stand-in, and the line below the table says how many went and why
the others did not; pressing again within the interval sends nothing."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import stripe
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from jdoffice.adapters.notify_config import NotificationConfig, SmsProvider, parse_smtp_url
from jdoffice.domain.model import UTC
from jdoffice.gui.views.debtors_dialog import DebtorsDialog
from jdoffice.services.notification_settings import NotificationSettings
from tests.gui.office import Office, make_office, settle_background_work
from tests.gui.test_debtors_dialog import open_list
from tests.gui.test_desk import close_desk
from tests.gui.test_desk_staff import open_window
from tests.standin.notify_standin import SmsStandin, SmtpStandin
from tests.standin.stripe_standin import StripeStandin

SECRET_KEY = "sk_test_desk_reminders"
WAIT_MS = 15_000


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
    monkeypatch.setenv("JDOFFICE_STRIPE_WEBHOOK_SECRET", "whsec_desk_reminders")
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
        tmp_path, tmp_path_factory.getbasetemp(), api_base=standin.base_url, notifications=config
    )
    yield office
    settle_background_work()
    office.app.dispose()


def alt(qtbot: QtBot, dialog: DebtorsDialog, key: Qt.Key) -> None:
    """Alt+key on the debtor list, as staff press it (the window active, the table focused)."""
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT_MS)
    qtbot.keyClick(dialog.table, key, Qt.KeyboardModifier.AltModifier)


def test_chosen_students_are_reminded_by_email_with_a_link_once_and_the_desk_says_why_not(
    qtbot: QtBot, office: Office, smtp: SmtpStandin, standin: StripeStandin
) -> None:
    today = office.school.local_date(dt.datetime.now(UTC))
    anna = office.student("Anna", "Ærø")
    bo = office.student("Bo", "Berg")
    carl = office.student("Carl", "Clausen")
    annas = office.invoice(45_000, anna, due=today - dt.timedelta(days=20))
    office.invoice(12_500, bo, due=today - dt.timedelta(days=45))
    office.invoice(30_000, carl, due=today + dt.timedelta(days=5))  # not due: not reminded
    window = open_window(qtbot, office)
    try:
        dialog = open_list(qtbot, window)
        dialog.table.setFocus()
        qtbot.keyClick(dialog.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        assert len(dialog.chosen_debtors()) == 3

        # By SMS: these students have no mobile number.
        alt(qtbot, dialog, Qt.Key.Key_S)
        qtbot.waitUntil(lambda: dialog.last_reminders is not None, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: dialog.smsButton.isEnabled(), timeout=WAIT_MS)
        assert dialog.messageLabel.text() == (
            "Påmindelser pr. SMS: 0 sendt; 2 sprunget over (2 intet mobilnummer)."
        )

        dialog.last_reminders = None
        alt(qtbot, dialog, Qt.Key.Key_E)
        qtbot.waitUntil(lambda: dialog.last_reminders is not None, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: dialog.smsButton.isEnabled(), timeout=WAIT_MS)
        assert dialog.messageLabel.isVisible()
        assert dialog.messageLabel.text() == "Påmindelser pr. e-mail: 2 sendt."
        mails = smtp.messages_to("soeren@example.dk")
        assert sorted(m.subject for m in mails)[0].startswith("Påmindelse om faktura")
        [to_anna] = [m for m in mails if annas.invoice_no in m.subject]
        found = re.search(r"\S+/pay/(\S+)", to_anna.text)
        assert found is not None
        session = standin.session(found.group(1))
        assert (session["metadata"]["invoice_no"], session["amount_total"]) == (
            annas.invoice_no,
            45_000,
        )

        # Again at once: both were reminded within the interval, nothing is sent.
        dialog.last_reminders = None
        alt(qtbot, dialog, Qt.Key.Key_E)
        qtbot.waitUntil(lambda: dialog.last_reminders is not None, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: dialog.smsButton.isEnabled(), timeout=WAIT_MS)
        assert dialog.messageLabel.text() == (
            "Påmindelser pr. e-mail: 0 sendt; 2 sprunget over (2 påmindet for nylig)."
        )
        assert len(smtp.messages_to("soeren@example.dk")) == 2

    finally:
        close_desk(window)


def test_reminding_without_choosing_an_overdue_student_says_so_and_sends_nothing(
    qtbot: QtBot, office: Office, smtp: SmtpStandin
) -> None:
    today = office.school.local_date(dt.datetime.now(UTC))
    office.invoice(30_000, office.student("Carl", "Clausen"), due=today + dt.timedelta(days=5))
    window = open_window(qtbot, office)
    try:
        dialog = open_list(qtbot, window)
        dialog.table.setFocus()
        qtbot.keyClick(dialog.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        assert [d.name for d in dialog.chosen_debtors()] == ["Carl Clausen"]
        alt(qtbot, dialog, Qt.Key.Key_E)
        # A mnemonic clicks its button a moment later (animateClick).
        qtbot.waitUntil(lambda: dialog.messageLabel.isVisible(), timeout=WAIT_MS)
        assert dialog.messageLabel.text() == "Vælg elever med forfaldne fakturaer først."
        settle_background_work()
        assert smtp.messages_to("soeren@example.dk") == []
    finally:
        close_desk(window)
