"""The Z-report of a closed shift (issue 14): on screen, as an A4 PDF and on the 80 mm
printer; anything but the first print after the close is marked KOPI. A manager (or a
receptionist with a manager's approval) corrects its count or reopens it from here."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from jdoffice.domain.money import format_money
from jdoffice.domain.shifts import Shift, ZReport
from jdoffice.domain.staff import Action
from jdoffice.gui import desk_settings, texts, z_report_output
from jdoffice.gui.context import DeskContext
from jdoffice.gui.views.shift_corrections import CorrectCountDialog
from jdoffice.gui.views.shift_dialogs import MUTED_STYLE, ShiftDialog
from jdoffice.gui.views.staff_dialogs import ask_approval
from jdoffice.services import shifts


def _pdf_name(report: ZReport) -> str:
    desk = "".join(c if c.isalnum() or c in "-_" else "-" for c in report.desk)
    return f"{report.label}-{desk}.pdf"


class ZReportDialog(ShiftDialog):
    """A Z-report on screen, to print on 80 mm or save as an A4 PDF.

    Opened at a close it shows that report (the first print is the original; later ones are
    marked KOPI); opened from the menu it reads a Z number of this desk and is a reprint
    (KOPI).
    """

    printed = Signal(str)
    reopened = Signal(object)

    def __init__(
        self,
        ctx: DeskContext,
        parent: QWidget | None = None,
        *,
        report: ZReport | None = None,
        latest_z: int | None = None,
        desk: desk_settings.DeskSettings | None = None,
    ) -> None:
        super().__init__(ctx, parent)
        self.setWindowTitle(self.tr("Z-rapport"))
        self._report = report
        self._copy = report is None
        self._desk = desk if desk is not None else desk_settings.load()
        # The Z number to read: shown when the dialog is a reprint from the menu.
        self.pickRow = QWidget(self)
        self.zSpin = QSpinBox(self.pickRow)
        self.zSpin.setObjectName("zSpin")
        self.zSpin.setRange(1, 999999)
        self.zSpin.setPrefix("Z")
        if latest_z:
            self.zSpin.setValue(latest_z)
        spin_edit = self.zSpin.lineEdit()
        assert spin_edit is not None
        spin_edit.returnPressed.connect(self.load)
        pick = QHBoxLayout(self.pickRow)
        pick.setContentsMargins(0, 0, 0, 0)
        z_label = QLabel(self.tr("&Z-nummer:"), self.pickRow)
        z_label.setBuddy(self.zSpin)
        self.loadButton = QPushButton(self.tr("&Hent"), self.pickRow)
        self.loadButton.setAutoDefault(False)
        self.loadButton.clicked.connect(self.load)
        pick.addWidget(z_label)
        pick.addWidget(self.zSpin)
        pick.addWidget(self.loadButton)
        pick.addStretch(1)
        self.browser = QTextBrowser(self)
        self.browser.setObjectName("zBrowser")
        self.browser.setMinimumSize(420, 480)
        self.pdfButton = QPushButton(self.tr("Gem som &PDF …"), self)
        self.pdfButton.setAutoDefault(False)
        self.pdfButton.clicked.connect(self._choose_pdf)
        self.thermalButton = QPushButton(self.tr("Udskriv &80 mm"), self)
        self.thermalButton.setAutoDefault(False)
        self.thermalButton.clicked.connect(self.print_thermal)
        if not self._desk.thermal_target:
            self.thermalButton.setEnabled(False)
            self.thermalButton.setToolTip(
                self.tr("Ingen bonprinter er sat op (Indstillinger → Printer).")
            )
        self.correctButton = QPushButton(self.tr("Ret &optælling …"), self)
        self.correctButton.setAutoDefault(False)
        self.correctButton.clicked.connect(self.correct_count)
        self.reopenButton = QPushButton(self.tr("&Genåbn skift …"), self)
        self.reopenButton.setAutoDefault(False)
        self.reopenButton.clicked.connect(self.reopen)
        for manager_only in (self.correctButton, self.reopenButton):
            manager_only.setToolTip(self.tr("Kræver en leder (eller en leders godkendelse)."))
            # Shifts need staff accounts; without them there is nobody to approve.
            manager_only.setVisible(ctx.staff is not None)
        self.correction: CorrectCountDialog | None = None
        self.reopen_box: QMessageBox | None = None
        close = QPushButton(self.tr("&Luk"), self)
        close.setAutoDefault(False)
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.pdfButton)
        buttons.addWidget(self.thermalButton)
        buttons.addStretch(1)
        buttons.addWidget(self.correctButton)
        buttons.addWidget(self.reopenButton)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pickRow)
        self.pickRow.setVisible(report is None)
        layout.addWidget(self.browser, 1)
        layout.addWidget(self.messageLabel)
        layout.addLayout(buttons)
        self._show()
        if report is None:
            self.zSpin.setFocus()
            self.zSpin.selectAll()
            if latest_z:
                self.load()
        else:
            self.browser.setFocus()

    @property
    def report(self) -> ZReport | None:
        return self._report

    @property
    def is_copy(self) -> bool:
        """Whether what is printed now is marked KOPI."""
        return self._copy

    def html(self) -> str:
        return self.browser.toPlainText()

    def _show(self) -> None:
        r = self._report
        ctx = self._ctx
        can = r is not None
        self.pdfButton.setEnabled(can)
        self.thermalButton.setEnabled(can and bool(self._desk.thermal_target))
        self.correctButton.setEnabled(can)
        self.reopenButton.setEnabled(can)
        if r is None:
            self.browser.setHtml("")
            return
        self.setWindowTitle(self.tr("Z-rapport {0} – {1}").format(r.label, r.desk))
        self.browser.setHtml(
            z_report_output.to_html(
                r,
                school=ctx.school.name,
                timezone=ctx.school.timezone,
                copy=self._copy,
                locale=ctx.locale,
            )
        )

    def load(self) -> None:
        """Read the Z number typed (a reprint: KOPI)."""
        ctx, z_no = self._ctx, self.zSpin.value()
        self.say("")
        self._run(
            lambda: shifts.z_report_of(ctx.read_uow(), ctx.school, ctx.desk, z_no),
            self._loaded,
            "z-report",
        )

    def _loaded(self, report: ZReport) -> None:
        self._report = report
        self._copy = True
        self._show()
        self.browser.setFocus()

    def _printed(self, message: str) -> None:
        # Anything printed after the first is a copy.
        if not self._copy:
            self._copy = True
            self._show()
        self.say(message, MUTED_STYLE)
        self.printed.emit(message)

    def _choose_pdf(self) -> None:
        r = self._report
        if r is None:
            return
        folder = Path(self._desk.pdf_folder or Path.home())
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Gem Z-rapport"), str(folder / _pdf_name(r)), "PDF (*.pdf)"
        )
        if path:
            self.save_pdf(Path(path))

    def save_pdf(self, path: Path) -> None:
        """Write the report as an A4 PDF (in the background)."""
        r, ctx, copy = self._report, self._ctx, self._copy
        if r is None:
            return
        self._run(
            lambda: z_report_output.save_pdf(
                r,
                path,
                school=ctx.school.name,
                timezone=ctx.school.timezone,
                copy=copy,
                locale=ctx.locale,
            ),
            lambda written: self._printed(self.tr("Gemt som {0}").format(written)),
            "z-pdf",
        )

    def print_thermal(self) -> None:
        """Print on the desk's 80 mm receipt printer (in the background)."""
        r, ctx, copy, target = self._report, self._ctx, self._copy, self._desk.thermal_target
        if r is None or not target:
            return
        self._run(
            lambda: z_report_output.print_thermal(
                r,
                target,
                school=ctx.school.name,
                timezone=ctx.school.timezone,
                copy=copy,
                locale=ctx.locale,
            ),
            lambda _none: self._printed(self.tr("Z-rapporten er udskrevet.")),
            "z-thermal",
        )

    # --- a manager's corrections ---------------------------------------------------------------

    def correct_count(self) -> None:
        """The right count and why (a manager, or with a manager's approval): the report is
        worked out again and shown."""
        r = self._report
        if r is None or self._running:
            return
        authority = ask_approval(self, self._ctx, Action.CORRECT_SHIFT)
        if authority is None:
            self.say(self.tr("Ikke godkendt; intet er rettet."))
            return
        dialog = CorrectCountDialog(self._ctx, r, authority, self)
        dialog.corrected.connect(self._corrected)
        dialog.changed.connect(self.changed)
        self.correction = dialog
        dialog.open()

    def _corrected(self, report: ZReport) -> None:
        self.correction = None
        self._report = report
        self._copy = True
        self._show()
        variance = format_money(report.variance_minor, report.currency, self._ctx.locale)
        self.say(
            texts.one_period(
                self.tr("{0} er rettet; differencen er nu {1}.").format(report.label, variance)
            ),
            MUTED_STYLE,
        )

    def reopen(self) -> None:
        """Reopen the desk's latest close (after a question, and a manager's approval): it
        takes cash again and is closed later with a new count under the same Z number."""
        r = self._report
        if r is None or self._running:
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Genåbn skift"),
            self.tr(
                "Genåbn {0} på {1}? Skiftet tager imod kontanter igen og lukkes senere med en "
                "ny optælling under samme Z-nummer. Den første lukning gemmes i loggen."
            ).format(r.label, r.desk),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setObjectName("reopenBox")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.finished.connect(self._reopen_answered)
        self.reopen_box = box
        box.open()

    def _reopen_answered(self, result: int) -> None:
        box, self.reopen_box = self.reopen_box, None
        if box is not None:
            box.deleteLater()
        r = self._report
        if r is None or result != QMessageBox.StandardButton.Yes.value:
            return
        authority = ask_approval(self, self._ctx, Action.CORRECT_SHIFT)
        if authority is None:
            self.say(self.tr("Ikke godkendt; intet er genåbnet."))
            return
        ctx = self._ctx
        self._run(
            lambda: shifts.reopen_shift(
                ctx.uow(), ctx.school, desk=r.desk, z_no=r.z_no, by=authority
            ),
            self._reopened,
            "shift-reopen",
        )

    def _reopened(self, shift: Shift) -> None:
        self.reopened.emit(shift)
        self.changed.emit()
        self.accept()
