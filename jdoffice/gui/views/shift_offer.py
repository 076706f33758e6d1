"""Cash needs an open shift on the desk (issue 14); when there is none, the desk offers to
open one instead of only saying so.

The payment and refund dialogs keep what was typed: the receptionist answers the question
with Enter, counts the float into the open-shift dialog, and the cash payment or refund goes
on with the same key (so it is the same payment, never a second one). Nothing blocks: the
question and the dialog open with ``open()``, so the desk's background jobs keep running.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget
from shiboken6 import Shiboken

from jdoffice.gui.context import DeskContext
from jdoffice.gui.views.shift_dialogs import OpenShiftDialog


def question_text() -> str:
    return QCoreApplication.translate(
        "ShiftTexts",
        "Kassen har intet åbent skift, og kontanter kræver et. Åbn skiftet nu? Bagefter "
        "registreres beløbet, som det står.",
    )


class ShiftOffer(QObject):
    """Ask once whether to open the desk's shift; on yes, the open-shift dialog.

    Signals:
        opened(): the shift is open (the open-shift dialog has closed).
        declined(): the receptionist said no, or closed the open-shift dialog.
    """

    opened = Signal()
    declined = Signal()

    def __init__(self, ctx: DeskContext, parent: QWidget) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._parent = parent
        self.box: QMessageBox | None = None
        self.dialog: OpenShiftDialog | None = None

    def start(self) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            QCoreApplication.translate("ShiftTexts", "Åbn skift"),
            question_text(),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self._parent,
        )
        box.setObjectName("shiftOfferBox")
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        box.finished.connect(self._answered)
        self.box = box
        box.open()

    def _answered(self, result: int) -> None:
        box, self.box = self.box, None
        if box is not None and Shiboken.isValid(box):
            box.deleteLater()
        if not Shiboken.isValid(self._parent):
            return
        if result != QMessageBox.StandardButton.Yes.value:
            self.declined.emit()
            return
        dialog = OpenShiftDialog(self._ctx, self._parent)
        dialog.opened.connect(self._opened)
        dialog.rejected.connect(self.declined)
        self.dialog = dialog
        dialog.open()

    def _opened(self, _shift: object) -> None:
        self.dialog = None
        self.opened.emit()
