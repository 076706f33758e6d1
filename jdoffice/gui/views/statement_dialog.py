"""The open student's statement (Kasse → Kontoudtog, Ctrl+Shift+T; issue 15): the invoices,
payments and refunds of a period with the running balance, on screen as the paper shows it,
saved as an A4 PDF to hand over, or sent to the student by e-mail with the PDF attached
(*Send pr. e-mail*, Alt+E: :func:`jdoffice.services.statement_mail.send_statement`, through the
outbox). Read in the background through
:func:`jdoffice.services.student_statement.student_statement`; the period reads it again.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, Qt
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import Shiboken

from jdoffice.domain.model import UTC
from jdoffice.domain.staff import Action
from jdoffice.domain.statement import Statement, statement_lines
from jdoffice.gui import messages, texts
from jdoffice.gui.background import Latest, run_task
from jdoffice.gui.context import DeskContext
from jdoffice.services import statement_mail
from jdoffice.services.student_statement import student_statement

ERROR_STYLE = "color: #b3261e; font-weight: bold;"
MUTED_STYLE = "color: #555555;"


class StatementDialog(QDialog):
    """One student's statement for a period (by default from their first entry to today)."""

    def __init__(self, ctx: DeskContext, student_no: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._student_no = student_no
        self._language = "en" if ctx.locale.startswith("en") else "da"
        self._statement: Statement | None = None
        self._latest = Latest(self)
        self._period_chosen = False
        self.setWindowTitle(self.tr("Kontoudtog"))
        today = ctx.school.local_date(dt.datetime.now(UTC))
        self.fromEdit = self._date_edit(today, "fromEdit")
        self.toEdit = self._date_edit(today, "toEdit")
        top = QHBoxLayout()
        for text, widget in ((self.tr("&Fra:"), self.fromEdit), (self.tr("&Til:"), self.toEdit)):
            label = QLabel(text, self)
            label.setBuddy(widget)
            top.addWidget(label)
            top.addWidget(widget)
        top.addStretch(1)
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("statementText")
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.text.setFont(mono)
        self.messageLabel = QLabel(self)
        self.messageLabel.setObjectName("messageLabel")
        self.messageLabel.setWordWrap(True)
        self.messageLabel.hide()
        self.pdfButton = QPushButton(self.tr("Gem som &PDF …"), self)
        self.pdfButton.setAutoDefault(False)
        self.pdfButton.setEnabled(False)
        self.pdfButton.clicked.connect(self._choose_pdf)
        self.emailButton = QPushButton(self.tr("Send pr. &e-mail"), self)
        self.emailButton.setObjectName("emailButton")
        self.emailButton.setAutoDefault(False)
        self.emailButton.setEnabled(False)
        self.emailButton.setToolTip(
            self.tr("Send kontoudtoget for perioden som PDF til elevens e-mailadresse")
        )
        self.emailButton.clicked.connect(self.send_email)
        self._sending = False
        # What the last press of *Send pr. e-mail* did (None until pressed).
        self.last_sent: statement_mail.StatementSent | None = None
        close = QPushButton(self.tr("&Luk"), self)
        close.setAutoDefault(False)
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.pdfButton)
        buttons.addWidget(self.emailButton)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.messageLabel)
        layout.addLayout(buttons)
        self.resize(860, 600)
        self.text.setFocus()
        self.load()

    def _date_edit(self, day: dt.date, name: str) -> QDateEdit:
        edit = QDateEdit(QDate(day.year, day.month, day.day), self)
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("dd.MM.yyyy")
        edit.dateChanged.connect(self._period_changed)
        return edit

    @property
    def statement(self) -> Statement | None:
        return self._statement

    @staticmethod
    def _day(edit: QDateEdit) -> dt.date:
        q = edit.date()
        return dt.date(q.year(), q.month(), q.day())

    def _period_changed(self) -> None:
        self._period_chosen = True
        self.load()

    def load(self) -> None:
        """Read the statement for the period shown (the whole history at first)."""
        ctx, no, language = self._ctx, self._student_no, self._language
        start = self._day(self.fromEdit) if self._period_chosen else None
        end = self._day(self.toEdit)
        # Sent is what is on screen: not while another period is being read.
        self.emailButton.setEnabled(False)
        self._latest.run(
            lambda: student_statement(
                ctx.read_uow(), ctx.school, no, start=start, end=end, language=language
            ),
            on_success=self._guard(self._loaded),
            on_failure=self._guard(self._failed),
            tag="statement",
        )

    def _guard(self, fn: Any) -> Any:
        def call(value: Any) -> None:
            if Shiboken.isValid(self):
                fn(value)

        return call

    def _loaded(self, st: Statement) -> None:
        self._statement = st
        if not self._period_chosen:
            # Show the period the statement covers, without reading it again.
            for edit, day in ((self.fromEdit, st.start), (self.toEdit, st.end)):
                edit.blockSignals(True)
                edit.setDate(QDate(day.year, day.month, day.day))
                edit.blockSignals(False)
        self.text.setPlainText("\n".join(statement_lines(st, language=self._language)))
        self.setWindowTitle(self.tr("Kontoudtog – {0}").format(st.student_name))
        self.pdfButton.setEnabled(True)
        self.emailButton.setEnabled(not self._sending)
        self._say("")

    def _failed(self, exc: BaseException) -> None:
        self._say(texts.error_message(exc, self._ctx.locale))

    def _say(self, text: str, style: str = ERROR_STYLE) -> None:
        self.messageLabel.setText(text)
        self.messageLabel.setStyleSheet(style)
        self.messageLabel.setVisible(bool(text))

    def _choose_pdf(self) -> None:
        st = self._statement
        if st is None:
            return
        name = f"kontoudtog-{st.student_no}-{st.end.isoformat()}.pdf"
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Gem kontoudtog"), str(Path.home() / name), "PDF (*.pdf)"
        )
        if path:
            self.save_pdf(Path(path))

    def save_pdf(self, path: Path) -> None:
        """Write the statement on screen as an A4 PDF (in the background)."""
        st, language = self._statement, self._language
        if st is None:
            return

        def write() -> Path:
            from jdoffice.printing.text_pages import statement_pdf

            return statement_pdf(st, path, language=language)

        self.setCursor(Qt.CursorShape.BusyCursor)

        def done(written: Path) -> None:
            self.unsetCursor()
            self._say(self.tr("Gemt som {0}").format(written), MUTED_STYLE)

        def failed(exc: BaseException) -> None:
            self.unsetCursor()
            self._failed(exc)

        run_task(write, on_success=self._guard(done), on_failure=self._guard(failed))

    def send_email(self) -> None:
        """Send the statement of the period on screen to the student by e-mail, its PDF
        attached (in the background); the line below says what happened."""
        st = self._statement
        if st is None or self._sending:
            return
        ctx, no, start, end = self._ctx, st.student_no, st.start, st.end
        self._sending = True
        self.emailButton.setEnabled(False)
        self._say(self.tr("Sender kontoudtoget …"), MUTED_STYLE)
        self.setCursor(Qt.CursorShape.BusyCursor)

        def done(sent: statement_mail.StatementSent) -> None:
            self._sent()
            self.last_sent = sent
            ok = sent.status == statement_mail.SENT
            self._say(sent_text(sent), MUTED_STYLE if ok else ERROR_STYLE)

        def failed(exc: BaseException) -> None:
            self._sent()
            self._failed(exc)

        run_task(
            lambda: send_job(ctx, no, start, end),
            on_success=self._guard(done),
            on_failure=self._guard(failed),
            tag="statement-email",
        )

    def _sent(self) -> None:
        self._sending = False
        self.unsetCursor()
        self.emailButton.setEnabled(self._statement is not None)


def _statement_pdf(statement: Statement, language: str) -> bytes:
    from jdoffice.printing.text_pages import statement_pdf_bytes

    return statement_pdf_bytes(statement, language)


def send_job(
    ctx: DeskContext, student_no: str, start: dt.date, end: dt.date
) -> statement_mail.StatementSent:
    """E-mail the statement of ``start`` to ``end`` to the student (a background job), in the
    school's message language, as the person at the desk."""
    return statement_mail.send_statement(
        ctx.uow(),
        ctx.school,
        messages.transports(ctx),
        _statement_pdf,
        student_no,
        actor=ctx.acting(Action.SEND_STATEMENT),
        start=start,
        end=end,
    )


def sent_text(sent: statement_mail.StatementSent) -> str:
    """The line below the statement after *Send pr. e-mail*."""
    period = f"{sent.start.strftime('%d.%m.%Y')}–{sent.end.strftime('%d.%m.%Y')}"
    if sent.status == statement_mail.SENT:
        return QCoreApplication.translate(
            "StatementDialog", "Kontoudtog {0} sendt til {1}."
        ).format(period, sent.recipient)
    why = texts.core_detail(sent.error or "").rstrip(".")
    again = (
        QCoreApplication.translate("StatementDialog", "det prøves igen om lidt")
        if sent.retrying
        else QCoreApplication.translate(
            "StatementDialog", "det er opgivet; jdoffice notifications retry prøver igen"
        )
    )
    if why:
        return QCoreApplication.translate(
            "StatementDialog", "Kontoudtog {0} til {1} venter i udbakken ({2}); {3}."
        ).format(period, sent.recipient, why, again)
    return QCoreApplication.translate(
        "StatementDialog", "Kontoudtog {0} til {1} venter i udbakken; {2}."
    ).format(period, sent.recipient, again)
