"""A manager's corrections of a closed shift (issue 14), from the Z-report dialog: correct
the count with a note saying why (the Z-report is worked out again), or reopen the desk's
latest close so it takes cash again and is closed with a new count under the same Z number.

Both need a manager; a receptionist gets the approval over the shoulder first, and the audit
names both people (``jdoffice.services.shifts``).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from jdoffice.domain.money import format_money
from jdoffice.domain.shifts import MAX_NOTE, ZReport
from jdoffice.domain.staff import Authority
from jdoffice.gui import texts
from jdoffice.gui.context import DeskContext
from jdoffice.gui.views.shift_dialogs import MUTED_STYLE, ShiftDialog
from jdoffice.gui.widgets import scaled_font
from jdoffice.services import shifts


class CorrectCountDialog(ShiftDialog):
    """The right count of a closed shift and why: Enter in the count moves to the note,
    Enter in the note corrects it.

    Signals:
        corrected(object): the corrected :class:`ZReport`.
    """

    corrected = Signal(object)

    def __init__(
        self,
        ctx: DeskContext,
        report: ZReport,
        authority: Authority,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, parent)
        self._report = report
        self._authority = authority
        self.setWindowTitle(self.tr("Ret optælling"))
        title = QLabel(self.tr("Ret optællingen på {0} ({1})").format(report.label, report.desk))
        title.setFont(scaled_font(self.font(), 1.3, bold=True))
        counted = format_money(report.counted_minor, report.currency, ctx.locale)
        hint = QLabel(
            texts.one_period(
                self.tr(
                    "Optalt ved lukningen: {0}. Skriv det rigtige beløb og hvorfor; Z-rapporten "
                    "regnes om, og loggen gemmer begge."
                ).format(counted)
            ),
            self,
        )
        hint.setWordWrap(True)
        hint.setStyleSheet(MUTED_STYLE)
        self.countedEdit = QLineEdit(self)
        self.countedEdit.setObjectName("countedEdit")
        self.countedEdit.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.noteEdit = QLineEdit(self)
        self.noteEdit.setObjectName("noteEdit")
        self.noteEdit.setMaxLength(MAX_NOTE)
        self.noteEdit.setPlaceholderText(self.tr("f.eks. tieren lå i skuffen"))
        self.countedEdit.returnPressed.connect(self.noteEdit.setFocus)
        self.noteEdit.returnPressed.connect(self.submit)
        form = QFormLayout()
        counted_label = QLabel(self.tr("&Optalt:"), self)
        counted_label.setBuddy(self.countedEdit)
        note_label = QLabel(self.tr("&Begrundelse:"), self)
        note_label.setBuddy(self.noteEdit)
        form.addRow(counted_label, self.countedEdit)
        form.addRow(note_label, self.noteEdit)
        self.correctButton = QPushButton(self.tr("&Ret"), self)
        self.correctButton.setAutoDefault(False)
        self.correctButton.clicked.connect(self.submit)
        cancel = QPushButton(self.tr("Annullér"), self)
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.correctButton)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(self.messageLabel)
        layout.addLayout(buttons)
        self.setMinimumWidth(440)
        self.countedEdit.setFocus()

    def submit(self) -> None:
        amount = self._amount(self.countedEdit, allow_zero=True)
        if amount is None:
            return
        note = self.noteEdit.text().strip()
        if not note:
            self.say(self.tr("Skriv hvorfor optællingen rettes."))
            self.noteEdit.setFocus()
            return
        ctx, r, by = self._ctx, self._report, self._authority
        self._run(
            lambda: shifts.correct_close(
                ctx.uow(),
                ctx.school,
                desk=r.desk,
                z_no=r.z_no,
                counted_minor=amount,
                note=note,
                by=by,
            ),
            self._corrected,
            "shift-correct",
        )

    def _corrected(self, report: ZReport) -> None:
        self.corrected.emit(report)
        self.changed.emit()
        self.accept()
