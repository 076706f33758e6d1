"""The desk's shift (issue 14): open it with the counted float, pay cash in and out with a
reason, close it with a blind count, and the Z-report.

All by keyboard: each dialog opens with the cursor in its amount; Enter moves on to the next
box and, in the last one, does it. The close is blind: the dialog shows no expected figure
until the count is given and the shift is closed; then it shows expected, counted and the
variance (a shortfall is recorded, never refused), and the Z-report is one key away.

The work runs in the background (``jdoffice.services.shifts``) as the signed-in member; a
school without staff accounts has no shifts. While the desk is offline it runs on the local
copy and is queued for the push (``jdoffice.gui.shift_jobs``); a close with offline payments
still waiting says so (they are recorded on the Z-report).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import Shiboken

from jdoffice.domain.errors import InvalidInput
from jdoffice.domain.model import new_id
from jdoffice.domain.money import format_plain, parse_amount
from jdoffice.domain.shifts import MAX_NOTE, MAX_REASON, MovementKind, NoOpenShift, ZReport
from jdoffice.domain.staff import NotAllowed
from jdoffice.gui import shift_jobs, texts, z_report_output
from jdoffice.gui.background import run_task
from jdoffice.gui.context import DeskContext
from jdoffice.gui.widgets import scaled_font

ERROR_STYLE = "color: #b3261e; font-weight: bold;"
MUTED_STYLE = "color: #555555;"
SHORT_STYLE = "color: #b3261e; font-weight: bold;"
WARNING_STYLE = "color: #8a5300; font-weight: bold;"

#: The Danish notes and coins, in øre, largest first.
DKK_DENOMINATIONS = (100000, 50000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50)

#: Reasons offered for a pay-out or a pay-in (any other may be typed).
PAY_OUT_REASONS = (
    texts.QT_TRANSLATE_NOOP("ShiftTexts", "Kaffe"),
    texts.QT_TRANSLATE_NOOP("ShiftTexts", "Indsat i banken"),
    texts.QT_TRANSLATE_NOOP("ShiftTexts", "Kontorartikler"),
)
PAY_IN_REASONS = (
    texts.QT_TRANSLATE_NOOP("ShiftTexts", "Byttepenge fra banken"),
    texts.QT_TRANSLATE_NOOP("ShiftTexts", "Rettelse af startbeholdning"),
)


def _tr(text: str) -> str:
    return QCoreApplication.translate("ShiftTexts", text)


def shift_error(exc: BaseException, locale: str = "da_DK") -> str:
    """What a refused shift action says, in the desk's words."""
    if isinstance(exc, NoOpenShift):
        return QCoreApplication.translate(
            "ShiftTexts", "Kassen har intet åbent skift. Åbn et først (Kasse → Åbn skift)."
        )
    if isinstance(exc, NotAllowed):
        return QCoreApplication.translate(
            "ShiftTexts", "Din rolle tillader ikke dette; en leder skal godkende det."
        )
    return texts.error_message(exc, locale)


def unsent_text(report: ZReport, locale: str = "da_DK") -> str:
    """The warning of a close with payments taken offline still waiting to be sent (they
    are recorded on the Z-report); empty when none wait."""
    if not report.unsent_payments:
        return ""
    return QCoreApplication.translate(
        "ShiftTexts",
        "Betalinger taget offline, endnu ikke sendt til den fælles database: {0} ({1}). "
        "Z-rapporten registrerer dem; de sendes, når forbindelsen er tilbage.",
    ).format(report.unsent_payments, texts.money(report.unsent_minor, report.currency, locale))


def no_staff_text() -> str:
    return QCoreApplication.translate(
        "ShiftTexts",
        "Skift kræver, at ekspedienterne logger ind; skolen har ingen ekspedientkonti endnu.",
    )


class ShiftDialog(QDialog):
    """What the shift dialogs share: the context, a message line and one background job at a
    time."""

    changed = Signal()

    def __init__(self, ctx: DeskContext, parent: QWidget | None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._running = False
        # One key for what this dialog does: a second Enter, or a retry after a lost answer,
        # is the same shift or movement.
        self._key = new_id()
        self.setModal(True)
        self.messageLabel = QLabel(self)
        self.messageLabel.setObjectName("messageLabel")
        self.messageLabel.setWordWrap(True)
        self.messageLabel.setStyleSheet(ERROR_STYLE)
        self.messageLabel.hide()

    @property
    def running(self) -> bool:
        return self._running

    def say(self, text: str, style: str = ERROR_STYLE) -> None:
        self.messageLabel.setText(text)
        self.messageLabel.setStyleSheet(style)
        self.messageLabel.setVisible(bool(text))

    def _amount(self, edit: QLineEdit, *, allow_zero: bool) -> int | None:
        try:
            return parse_amount(edit.text(), self._ctx.school.currency, allow_zero=allow_zero)
        except InvalidInput as exc:
            self.say(texts.error_message(exc, self._ctx.locale))
            edit.setFocus()
            edit.selectAll()
            return None

    def _run(self, fn: Callable[[], Any], ok: Callable[[Any], None], tag: str) -> None:
        if self._running:
            return
        self._running = True
        self.setCursor(Qt.CursorShape.BusyCursor)

        def alive() -> bool:
            return Shiboken.isValid(self)

        def done(result: Any) -> None:
            if alive():
                self._running = False
                self.unsetCursor()
                ok(result)

        def failed(exc: BaseException) -> None:
            if alive():
                self._running = False
                self.unsetCursor()
                self.say(shift_error(exc, self._ctx.locale))

        run_task(fn, on_success=done, on_failure=failed, tag=tag)


class OpenShiftDialog(ShiftDialog):
    """Open the desk's shift with the float counted into the drawer."""

    opened = Signal(object)

    def __init__(self, ctx: DeskContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setWindowTitle(self.tr("Åbn skift"))
        title = QLabel(self.tr("Åbn skift på {0}").format(ctx.desk), self)
        title.setFont(scaled_font(self.font(), 1.3, bold=True))
        hint = QLabel(
            self.tr("Tæl byttepengene i skuffen og skriv beløbet. Enter åbner skiftet."), self
        )
        hint.setWordWrap(True)
        hint.setStyleSheet(MUTED_STYLE)
        self.floatEdit = QLineEdit(self)
        self.floatEdit.setObjectName("floatEdit")
        self.floatEdit.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.floatEdit.returnPressed.connect(self.submit)
        form = QFormLayout()
        label = QLabel(self.tr("&Startbeholdning:"), self)
        label.setBuddy(self.floatEdit)
        form.addRow(label, self.floatEdit)
        self.openButton = QPushButton(self.tr("Å&bn skift"), self)
        self.openButton.setAutoDefault(False)
        self.openButton.clicked.connect(self.submit)
        cancel = QPushButton(self.tr("Annullér"), self)
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.openButton)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(self.messageLabel)
        layout.addLayout(buttons)
        self.setMinimumWidth(420)
        self.floatEdit.setFocus()

    def submit(self) -> None:
        member = self._ctx.staff
        if member is None:
            self.say(no_staff_text())
            return
        amount = self._amount(self.floatEdit, allow_zero=True)
        if amount is None:
            return
        ctx, key = self._ctx, self._key
        self._run(
            lambda: shift_jobs.open_shift(ctx, amount, member, key),
            self._opened,
            "shift-open",
        )

    def _opened(self, shift: object) -> None:
        self.opened.emit(shift)
        self.changed.emit()
        self.accept()


class MovementDialog(ShiftDialog):
    """A pay-in or a pay-out of the drawer, with an amount and a reason."""

    moved = Signal(object)

    def __init__(self, ctx: DeskContext, kind: MovementKind, parent: QWidget | None = None) -> None:
        out = kind is MovementKind.PAY_OUT
        super().__init__(ctx, parent)
        self.setWindowTitle(self.tr("Udbetaling") if out else self.tr("Indbetaling"))
        self._kind = kind
        title = QLabel(
            self.tr("Udbetaling fra kassen") if out else self.tr("Indbetaling i kassen"), self
        )
        title.setFont(scaled_font(self.font(), 1.3, bold=True))
        self.amountEdit = QLineEdit(self)
        self.amountEdit.setObjectName("amountEdit")
        self.amountEdit.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.reasonCombo = QComboBox(self)
        self.reasonCombo.setObjectName("reasonCombo")
        self.reasonCombo.setEditable(True)
        self.reasonCombo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.reasonCombo.addItems([_tr(r) for r in (PAY_OUT_REASONS if out else PAY_IN_REASONS)])
        self.reasonCombo.setCurrentIndex(-1)
        self.reasonCombo.setEditText("")
        edit = self.reasonCombo.lineEdit()
        assert edit is not None
        edit.setMaxLength(MAX_REASON)
        edit.setPlaceholderText(self.tr("f.eks. {0}").format(self.reasonCombo.itemText(0)))
        self.reasonEdit = edit
        self.amountEdit.returnPressed.connect(self._amount_entered)
        edit.returnPressed.connect(self.submit)
        form = QFormLayout()
        amount_label = QLabel(self.tr("&Beløb:"), self)
        amount_label.setBuddy(self.amountEdit)
        reason_label = QLabel(self.tr("&Årsag:"), self)
        reason_label.setBuddy(self.reasonCombo)
        form.addRow(amount_label, self.amountEdit)
        form.addRow(reason_label, self.reasonCombo)
        self.okButton = QPushButton(
            self.tr("&Registrér udbetaling") if out else self.tr("&Registrér indbetaling"), self
        )
        self.okButton.setAutoDefault(False)
        self.okButton.clicked.connect(self.submit)
        cancel = QPushButton(self.tr("Annullér"), self)
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.okButton)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.messageLabel)
        layout.addLayout(buttons)
        self.setMinimumWidth(420)
        self.amountEdit.setFocus()

    def _amount_entered(self) -> None:
        if self._amount(self.amountEdit, allow_zero=False) is not None:
            self.say("")
            self.reasonEdit.setFocus()

    def submit(self) -> None:
        member = self._ctx.staff
        if member is None:
            self.say(no_staff_text())
            return
        amount = self._amount(self.amountEdit, allow_zero=False)
        if amount is None:
            return
        reason = self.reasonCombo.currentText().strip()
        if not reason:
            self.say(self.tr("Skriv en årsag (f.eks. Kaffe eller Indsat i banken)."))
            self.reasonEdit.setFocus()
            return
        ctx, key, kind = self._ctx, self._key, self._kind
        self._run(
            lambda: shift_jobs.move(ctx, kind, amount, reason, member, key),
            self._moved,
            "shift-move",
        )

    def _moved(self, movement: object) -> None:
        self.moved.emit(movement)
        self.changed.emit()
        self.accept()


class CloseShiftDialog(ShiftDialog):
    """Close the desk's shift with a blind count.

    Signals:
        closed(object): the :class:`ZReport` of the close.
        z_report_requested(object): show (print) this Z-report.
    """

    closed = Signal(object)
    z_report_requested = Signal(object)

    def __init__(self, ctx: DeskContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setWindowTitle(self.tr("Luk skift – kasseopgørelse"))
        self._report: ZReport | None = None
        self._counts: dict[int, QSpinBox] = {}
        title = QLabel(self.tr("Luk skift på {0}").format(ctx.desk), self)
        title.setFont(scaled_font(self.font(), 1.3, bold=True))
        self.hintLabel = QLabel(
            self.tr(
                "Tæl kontanterne i skuffen og skriv beløbet – det forventede beløb vises "
                "først, når optællingen er givet. Ctrl+D: tæl mønter og sedler."
            ),
            self,
        )
        self.hintLabel.setWordWrap(True)
        self.hintLabel.setStyleSheet(MUTED_STYLE)
        self.countedEdit = QLineEdit(self)
        self.countedEdit.setObjectName("countedEdit")
        self.countedEdit.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.noteEdit = QLineEdit(self)
        self.noteEdit.setObjectName("noteEdit")
        self.noteEdit.setMaxLength(MAX_NOTE)
        self.noteEdit.setPlaceholderText(self.tr("f.eks. hvorfor kassen ikke stemmer"))
        self.countedEdit.returnPressed.connect(self._counted_entered)
        self.noteEdit.returnPressed.connect(self.submit)
        self.countForm = QWidget(self)
        form = QFormLayout(self.countForm)
        form.setContentsMargins(0, 0, 0, 0)
        counted_label = QLabel(self.tr("&Optalt kontant:"), self)
        counted_label.setBuddy(self.countedEdit)
        note_label = QLabel(self.tr("&Note:"), self)
        note_label.setBuddy(self.noteEdit)
        form.addRow(counted_label, self.countedEdit)
        form.addRow(note_label, self.noteEdit)

        self.denominationsBox = self._denominations()
        self.denominationsBox.setVisible(False)
        toggle = QShortcut(QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_D), self)
        toggle.activated.connect(self.toggle_denominations)

        # The result of the close: shown only once the count was given.
        self.resultBox = QGroupBox(self.tr("Kasseopgørelse"), self)
        result = QFormLayout(self.resultBox)
        self.expectedLabel = QLabel(self.resultBox)
        self.expectedLabel.setObjectName("expectedLabel")
        self.countedLabel = QLabel(self.resultBox)
        self.varianceLabel = QLabel(self.resultBox)
        self.varianceLabel.setObjectName("varianceLabel")
        self.zLabel = QLabel(self.resultBox)
        for w in (self.expectedLabel, self.countedLabel, self.varianceLabel):
            w.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.varianceLabel.setFont(scaled_font(self.font(), 1.3, bold=True))
        result.addRow(self.tr("Z-rapport:"), self.zLabel)
        result.addRow(self.tr("Forventet i kassen:"), self.expectedLabel)
        result.addRow(self.tr("Optalt:"), self.countedLabel)
        result.addRow(self.tr("Difference:"), self.varianceLabel)
        self.resultBox.setVisible(False)

        self.closeShiftButton = QPushButton(self.tr("&Luk skift"), self)
        self.closeShiftButton.setAutoDefault(False)
        self.closeShiftButton.clicked.connect(self.submit)
        self.zButton = QPushButton(self.tr("&Vis Z-rapport"), self)
        self.zButton.setAutoDefault(False)
        self.zButton.clicked.connect(self.show_z_report)
        self.zButton.setVisible(False)
        self.cancelButton = QPushButton(self.tr("Annullér"), self)
        self.cancelButton.setAutoDefault(False)
        self.cancelButton.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancelButton)
        buttons.addWidget(self.zButton)
        buttons.addWidget(self.closeShiftButton)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.hintLabel)
        layout.addWidget(self.countForm)
        layout.addWidget(self.denominationsBox)
        layout.addWidget(self.resultBox)
        layout.addWidget(self.messageLabel)
        layout.addLayout(buttons)
        self.setMinimumWidth(460)
        self.countedEdit.setFocus()
        self._ask_unsent()

    def _ask_unsent(self) -> None:
        """Warn before the count when payments taken offline still wait to be sent: how many
        only (the count is blind: no amount is shown before it is given)."""
        ctx = self._ctx
        if ctx.offline is None:
            return

        def shown(answer: tuple[int, int]) -> None:
            if Shiboken.isValid(self) and answer[0] and self._report is None:
                text = self.tr(
                    "{0} betaling(er) taget offline venter stadig på at blive sendt; "
                    "Z-rapporten registrerer dem."
                )
                self.say(text.format(answer[0]), WARNING_STYLE)

        run_task(
            lambda: shift_jobs.unsent_payments(ctx),
            on_success=shown,
            on_failure=lambda exc: None,
            tag="shift-unsent",
        )

    @property
    def report(self) -> ZReport | None:
        """The Z-report, once the shift is closed."""
        return self._report

    def _denominations(self) -> QGroupBox:
        box = QGroupBox(self.tr("Mønter og sedler (antal)"), self)
        grid = QGridLayout(box)
        cur, loc = self._ctx.school.currency, self._ctx.locale
        for index, value in enumerate(DKK_DENOMINATIONS):
            spin = QSpinBox(box)
            spin.setRange(0, 9999)
            spin.setObjectName(f"count{value}")
            spin.valueChanged.connect(self._sum_denominations)
            label = QLabel(format_plain(value, cur, loc).replace(",00", ""), box)
            label.setBuddy(spin)
            row, col = divmod(index, 2)
            grid.addWidget(label, row, col * 2)
            grid.addWidget(spin, row, col * 2 + 1)
            self._counts[value] = spin
        return box

    def toggle_denominations(self) -> None:
        """Ctrl+D: the grid of notes and coins; their sum is the count."""
        if self._report is not None:
            return
        shown = not self.denominationsBox.isVisible()
        self.denominationsBox.setVisible(shown)
        if shown:
            self._counts[DKK_DENOMINATIONS[0]].setFocus()
            self._counts[DKK_DENOMINATIONS[0]].selectAll()
        else:
            self.countedEdit.setFocus()
        self.adjustSize()

    def denomination(self, value_minor: int) -> QSpinBox:
        return self._counts[value_minor]

    def _sum_denominations(self) -> None:
        total = sum(v * s.value() for v, s in self._counts.items())
        cur, loc = self._ctx.school.currency, self._ctx.locale
        self.countedEdit.setText(format_plain(total, cur, loc))

    def _counted_entered(self) -> None:
        if self._amount(self.countedEdit, allow_zero=True) is not None:
            self.say("")
            self.noteEdit.setFocus()

    def submit(self) -> None:
        if self._report is not None:
            self.accept()
            return
        member = self._ctx.staff
        if member is None:
            self.say(no_staff_text())
            return
        counted = self._amount(self.countedEdit, allow_zero=True)
        if counted is None:
            return
        note = self.noteEdit.text().strip()
        ctx = self._ctx
        self._run(
            lambda: shift_jobs.close_shift(ctx, counted, member, note),
            self._closed,
            "shift-close",
        )

    def _closed(self, report: ZReport) -> None:
        self._report = report
        cur, loc = report.currency, self._ctx.locale
        self.countForm.setEnabled(False)
        self.denominationsBox.setEnabled(False)
        self.hintLabel.setText(self.tr("Skiftet er lukket. Differencen er registreret."))
        self.zLabel.setText(report.label)
        self.expectedLabel.setText(texts.money(report.expected_minor, cur, loc))
        self.countedLabel.setText(texts.money(report.counted_minor, cur, loc))
        self.varianceLabel.setText(z_report_output.variance_text(report.variance_minor, cur, loc))
        self.varianceLabel.setStyleSheet(SHORT_STYLE if report.variance_minor < 0 else "")
        self.resultBox.setVisible(True)
        self.zButton.setVisible(True)
        self.cancelButton.setVisible(False)
        self.closeShiftButton.setText(self.tr("&Færdig"))
        # Enter shows the Z-report (to print it); Esc or Alt+F closes.
        self.zButton.setDefault(True)
        self.zButton.setFocus()
        self.say(unsent_text(report, loc), WARNING_STYLE if report.unsent_payments else "")
        self.adjustSize()
        self.closed.emit(report)
        self.changed.emit()

    def show_z_report(self) -> None:
        if self._report is not None:
            self.z_report_requested.emit(self._report)
            self.accept()

    def reject(self) -> None:
        if self._running:
            return
        if self._report is not None:
            self.accept()
            return
        super().reject()
