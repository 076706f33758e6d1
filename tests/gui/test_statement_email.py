"""The statement by e-mail from the desk program (issue 15), by keyboard: the student's menu
holds *Kontoudtog*, Ctrl+Shift+T opens it, Alt+E (*Send pr. e-mail*) sends the period on
screen to the student as a PDF through a real SMTP server on loopback, and the line below
says to whom; a student without an address gets a clear refusal and nothing is sent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import update

from jdoffice.adapters.notify_config import NotificationConfig, parse_smtp_url
from jdoffice.adapters.orm import StudentRow
from jdoffice.domain.model import Student
from jdoffice.domain.notification import NotificationKind
from jdoffice.gui.views.main_window import MainWindow
from jdoffice.gui.views.statement_dialog import StatementDialog
from jdoffice.services.notification_settings import NotificationSettings
from jdoffice.services.notifications import list_notifications
from jdoffice.services.statement_mail import SENT
from tests.gui.office import Office, make_office, settle_background_work
from tests.gui.test_desk import close_desk, find_and_open
from tests.gui.test_desk_staff import open_window, press
from tests.standin.notify_standin import SmtpStandin

WAIT_MS = 15_000


@pytest.fixture
def smtp() -> Iterator[SmtpStandin]:
    with SmtpStandin() as server:
        yield server


@pytest.fixture
def office(
    qtbot: QtBot,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    smtp: SmtpStandin,
) -> Iterator[Office]:
    monkeypatch.setenv("JDOFFICE_SMTP_PASSWORD", smtp.password)
    config = NotificationConfig(
        settings=NotificationSettings(
            email_enabled=True, sender_address="kontor@oesterbro-koereskole.dk"
        ),
        smtp=parse_smtp_url(smtp.url, timeout_seconds=5),
        sms=None,
    )
    office = make_office(
        tmp_path, tmp_path_factory.getbasetemp(), online=False, notifications=config
    )
    yield office
    settle_background_work()
    office.app.dispose()


def _open_statement(
    qtbot: QtBot, window: MainWindow, text: str, student: Student
) -> StatementDialog:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
    find_and_open(qtbot, window, text, student)
    press(qtbot, window, Qt.Key.Key_T)
    qtbot.waitUntil(lambda: isinstance(window.dialog, StatementDialog), timeout=WAIT_MS)
    dialog = window.dialog
    assert isinstance(dialog, StatementDialog)
    qtbot.waitUntil(lambda: dialog.emailButton.isEnabled(), timeout=WAIT_MS)
    return dialog


def test_alt_e_sends_the_statement_on_screen_as_a_pdf_and_says_to_whom(
    qtbot: QtBot, office: Office, smtp: SmtpStandin
) -> None:
    student = office.student("Bjørk", "Ærø")
    office.pay(office.invoice(85_025, student), 50_000, method="bank")
    window = open_window(qtbot, office)
    try:
        # The student's menu (right-click on the open student) holds the statement.
        assert window.studentPage.contextMenuPolicy() is Qt.ContextMenuPolicy.ActionsContextMenu
        assert window.actionStatement in window.studentPage.actions()
        dialog = _open_statement(qtbot, window, "bjør", student)
        assert dialog.emailButton.text() == "Send pr. &e-mail"

        qtbot.keyClick(dialog, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(lambda: dialog.last_sent is not None, timeout=WAIT_MS)

        sent = dialog.last_sent
        assert sent is not None
        assert sent.status == SENT
        shown = dialog.messageLabel.text()
        assert shown.startswith("Kontoudtog ")
        assert shown.endswith("sendt til soeren@example.dk.")
        assert dialog.messageLabel.isVisible()
        [mail] = smtp.messages_to("soeren@example.dk")
        [(name, mime, pdf)] = mail.attachments()
        assert name.startswith(f"kontoudtog-{student.student_no}-")
        assert (mime, pdf[:4]) == ("application/pdf", b"%PDF")
        assert "skylder du 350,25" in mail.text.replace("\u00a0", " ")
        assert dialog.emailButton.isEnabled()
    finally:
        close_desk(window)


def test_a_student_without_an_address_gets_a_clear_refusal_and_nothing_is_sent(
    qtbot: QtBot, office: Office, smtp: SmtpStandin
) -> None:
    student = office.student("Carl", "Uden")
    uow = office.uow()
    with uow.write():
        uow.session.execute(update(StudentRow).where(StudentRow.id == student.id).values(email=""))
        uow.commit()
    window = open_window(qtbot, office)
    try:
        dialog = _open_statement(qtbot, window, "carl", student)

        dialog.emailButton.click()
        qtbot.waitUntil(lambda: "e-mailadresse" in dialog.messageLabel.text(), timeout=WAIT_MS)

        assert "Intet er registreret" in dialog.messageLabel.text()
        assert f"Eleven {student.student_no} har ingen gyldig e-mailadresse" in (
            dialog.messageLabel.text()
        )
        assert dialog.last_sent is None
        assert smtp.received == []
        statements = [
            n
            for n in list_notifications(office.uow(), office.school)
            if n.kind is NotificationKind.STATEMENT
        ]
        assert statements == []
    finally:
        close_desk(window)
