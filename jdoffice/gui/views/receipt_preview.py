"""The receipt as it prints on the thermal printer, shown after a payment.

The text comes from :func:`jdoffice.domain.receipt_text.render_text`, the same layout the
printer and ``jdoffice receipt`` use. "Gem PDF…" hands the receipt to the PDF renderer of
``jdoffice.printing``, imported only when asked for: it pulls in the printing stack, which the
desk does not need to start.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase, QFontMetrics
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from jdoffice.domain.errors import JdofficeError
from jdoffice.domain.model import ReceiptBody
from jdoffice.domain.receipt_text import DEFAULT_WIDTH, render_text
from jdoffice.gui.background import run_task
from jdoffice.gui.widgets import scaled_font

log = logging.getLogger(__name__)

PDF_MODULE = "jdoffice.printing.receipts"


class ReceiptPreviewDialog(QDialog):
    """Shows one receipt; Enter or Esc closes it.

    Signals:
        saved(str): the receipt was written as a PDF to this path.
        failed(str): the PDF could not be written; the message shown in the dialog.
    """

    saved = Signal(str)
    failed = Signal(str)

    def __init__(
        self,
        body: ReceiptBody,
        *,
        language: str = "da",
        copy: bool = False,
        headline: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._body = body
        self._language = language
        self._copy = copy
        self.setWindowTitle(self.tr("Kvittering nr. {0}").format(body.receipt_no))

        self.headlineLabel = QLabel(headline, self)
        self.headlineLabel.setFont(scaled_font(self.headlineLabel.font(), 1.8, bold=True))
        self.headlineLabel.setStyleSheet("color: #1b5e20;")
        self.headlineLabel.setVisible(bool(headline))

        self.textEdit = QPlainTextEdit(self)
        self.textEdit.setReadOnly(True)
        self.textEdit.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.textEdit.setFont(mono)
        self.textEdit.setPlainText(self.text())
        metrics = QFontMetrics(mono)
        # Room for the printer's 42 columns plus the frame and a scroll bar.
        self.textEdit.setMinimumWidth(metrics.horizontalAdvance("M" * (DEFAULT_WIDTH + 2)) + 40)
        self.textEdit.setMinimumHeight(metrics.lineSpacing() * 24)

        self.messageLabel = QLabel("", self)
        self.messageLabel.setWordWrap(True)
        self.messageLabel.hide()

        self.pdfButton = QPushButton(self.tr("&Gem PDF …"), self)
        self.pdfButton.setAutoDefault(False)
        self.closeButton = QPushButton(self.tr("&Luk (Enter)"), self)
        self.closeButton.setDefault(True)
        self.pdfButton.clicked.connect(self.ask_and_save_pdf)
        self.closeButton.clicked.connect(self.accept)

        buttons = QHBoxLayout()
        buttons.addWidget(self.pdfButton)
        buttons.addStretch(1)
        buttons.addWidget(self.closeButton)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headlineLabel)
        layout.addWidget(self.textEdit, 1)
        layout.addWidget(self.messageLabel)
        layout.addLayout(buttons)
        self.closeButton.setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def body(self) -> ReceiptBody:
        return self._body

    def text(self) -> str:
        return render_text(self._body, copy=self._copy, language=self._language)

    def ask_and_save_pdf(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            self.tr("Gem kvittering som PDF"),
            str(Path.home() / self.tr("kvittering-{0}.pdf").format(self._body.receipt_no)),
            "PDF (*.pdf)",
        )
        if path:
            self.save_pdf(Path(path))

    def save_pdf(self, path: Path) -> None:
        """Write the receipt as a PDF in the background; ``saved`` or ``failed`` follows."""
        body, copy, language = self._body, self._copy, self._language

        def work() -> Path:
            module = importlib.import_module(PDF_MODULE)
            return Path(module.render_pdf(body, path, copy=copy, language=language))

        self.pdfButton.setEnabled(False)
        self._say(self.tr("Gemmer PDF …"), ok=True)
        run_task(work, on_success=self._pdf_saved, on_failure=self._pdf_failed, tag="receipt-pdf")

    def _pdf_saved(self, written: object) -> None:
        self.pdfButton.setEnabled(True)
        self._say(self.tr("Gemt som {0}").format(written), ok=True)
        self.saved.emit(str(written))

    def _pdf_failed(self, exc: BaseException) -> None:
        self.pdfButton.setEnabled(True)
        if isinstance(exc, ImportError):
            log.info("no PDF renderer: %s cannot be imported", PDF_MODULE, exc_info=exc)
            message = self.tr("PDF-kvitteringer findes ikke i denne version af jdoffice.")
        elif isinstance(exc, OSError):
            message = self.tr("PDF'en kunne ikke gemmes: {0}").format(exc.strerror or exc)
        elif isinstance(exc, JdofficeError):
            message = self.tr("PDF'en kunne ikke laves: {0}").format(exc)
        else:
            log.error("receipt PDF failed", exc_info=exc)
            message = self.tr("PDF'en kunne ikke laves: {0}").format(type(exc).__name__)
        self._say(message, ok=False)
        self.failed.emit(message)

    def _say(self, message: str, *, ok: bool) -> None:
        self.messageLabel.setText(message)
        self.messageLabel.setStyleSheet("" if ok else "color: #b3261e;")
        self.messageLabel.show()
