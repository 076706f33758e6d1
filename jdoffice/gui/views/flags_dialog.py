"""Afvigelser (F7, Kasse menu): provider confirmations that did not match our records, and
resolving one with a note (issue 12).

No money was moved for any of them; the online payment behind each waits in "review". Staff
find out what happened (ask the student, look in the provider's dashboard, refund there),
write what they did in the note and resolve the flag. The note, who and at which desk go to
the audit log. Built in code: a table, a note and two buttons.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import Shiboken

from jdoffice.domain.errors import InvalidInput
from jdoffice.domain.model import FlaggedConfirmation
from jdoffice.gui.background import Latest, run_task
from jdoffice.gui.context import DeskContext
from jdoffice.gui.models import FlagColumn, FlagsModel, SortProxy
from jdoffice.gui.views.pay_text import error_message
from jdoffice.services import flags
from jdoffice.services.payments import clean_text

log = logging.getLogger(__name__)

_T = TypeVar("_T")

_ERROR_STYLE = "color: #b42318;"


class FlagsDialog(QDialog):
    """The school's unresolved flags; the selected one is resolved with a note.

    Signals:
        flags_changed(int): a flag was resolved; the number still unresolved.
    """

    flags_changed = Signal(int)

    def __init__(self, ctx: DeskContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._latest = Latest(self)
        self._finished = False
        self._loaded = False
        self.setWindowTitle(self.tr("Afvigelser"))
        self.setModal(True)
        self._build()
        self._load()

    # -- what tests and the main window may read -------------------------------------------

    @property
    def loaded(self) -> bool:
        """Whether the list on screen came back from the database."""
        return self._loaded

    def shown_flags(self) -> list[FlaggedConfirmation]:
        return self.model.items()

    def select_flag(self, flag_id: int) -> None:
        for row in range(self.proxy.rowCount()):
            if self.proxy.item(row).id == flag_id:
                self.table.selectionModel().setCurrentIndex(
                    self.proxy.index(row, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
                return
        raise LookupError(flag_id)

    # -- layout -----------------------------------------------------------------------------

    def _build(self) -> None:
        self.intro_label = QLabel(
            self.tr(
                "Svar fra betalingsudbyderen, der ikke passer med fakturaen. Der er ikke "
                "bogført penge for dem. Find ud af, hvad der skete, skriv hvad du gjorde, og "
                "marker afvigelsen som løst."
            )
        )
        self.intro_label.setWordWrap(True)

        self.model = FlagsModel(self, locale=self._ctx.locale, timezone=self._ctx.school.timezone)
        self.proxy = SortProxy(self.model, self)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(FlagColumn.TIME, Qt.SortOrder.AscendingOrder)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(FlagColumn.REASON, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)

        self.note_edit = QLineEdit()
        self.note_edit.setMaxLength(flags.NOTE_LIMIT)
        self.note_edit.setPlaceholderText(
            self.tr("Fx: eleven betalte kontant; betalingen er refunderet hos udbyderen")
        )
        self.note_edit.textChanged.connect(self._update_buttons)
        self.note_edit.returnPressed.connect(self.resolve_selected)
        note_label = QLabel(self.tr("&Note:"))
        note_label.setBuddy(self.note_edit)

        self.status_label = QLabel()
        self.status_label.setWordWrap(True)

        self.resolve_button = QPushButton(self.tr("Marker som &løst"))
        self.resolve_button.setAutoDefault(False)
        self.resolve_button.clicked.connect(self.resolve_selected)
        self.close_button = QPushButton(self.tr("Luk"))
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)

        note_row = QHBoxLayout()
        note_row.addWidget(note_label)
        note_row.addWidget(self.note_edit, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status_label, 1)
        buttons.addWidget(self.resolve_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro_label)
        layout.addWidget(self.table, 1)
        layout.addLayout(note_row)
        layout.addLayout(buttons)
        self.resize(860, 380)
        self._update_buttons()

    def _selected(self) -> FlaggedConfirmation | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        found: FlaggedConfirmation = self.proxy.item(rows[0].row())
        return found

    def _update_buttons(self) -> None:
        self.resolve_button.setEnabled(
            self._selected() is not None and bool(self.note_edit.text().strip())
        )

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status_label.setStyleSheet(_ERROR_STYLE if error else "")
        self.status_label.setText(text)

    # -- loading ----------------------------------------------------------------------------

    def _load(self) -> None:
        ctx = self._ctx
        self._say(self.tr("Henter…"))
        self._latest.run(
            lambda: flags.unresolved(ctx.uow(), ctx.school),
            self._on_loaded,
            self._on_failed,
            tag="flags",
        )

    def _on_loaded(self, found: list[FlaggedConfirmation]) -> None:
        if not self._alive():
            return
        self._loaded = True
        self.model.set_items(found)
        if found:
            self.table.selectRow(0)
            self.note_edit.setFocus()
        else:
            self.close_button.setFocus()
        self._say("" if found else self.tr("Ingen afvigelser – alt passer."))
        self._update_buttons()

    def _on_failed(self, exc: BaseException) -> None:
        if self._alive():
            self._say(error_message(exc, self._ctx.locale), error=True)

    # -- resolving --------------------------------------------------------------------------

    def resolve_selected(self) -> None:
        """Resolve the selected flag with the note (Enter in the note, or the button)."""
        flag = self._selected()
        note = self.note_edit.text()
        if flag is None or not note.strip():
            return
        try:
            # Checked here too, so the desk can say in its own words what is wrong.
            clean_text(note, "the note", flags.NOTE_LIMIT)
        except InvalidInput:
            self._say(self.tr("Noten kan ikke gemmes: den indeholder kontroltegn."), error=True)
            return
        ctx = self._ctx
        self.resolve_button.setEnabled(False)
        self._say(self.tr("Gemmer…"))
        run_task(
            lambda: flags.resolve(ctx.uow(), ctx.school, flag.id, note, ctx.acting()),
            on_success=self._guard(self._on_resolved),
            on_failure=self._guard(self._on_failed_resolve),
            tag="flag-resolve",
        )

    def _on_resolved(self, flag: FlaggedConfirmation) -> None:
        self.note_edit.clear()
        left = [f for f in self.model.items() if f.id != flag.id]
        self.model.set_items(left)
        if left:
            self.table.selectRow(0)
        self._say(self.tr("Afvigelse #{0} er løst.").format(flag.id))
        self._update_buttons()
        self.flags_changed.emit(len(left))

    def _on_failed_resolve(self, exc: BaseException) -> None:
        self._say(error_message(exc, self._ctx.locale), error=True)
        self._update_buttons()

    # -- lifetime ---------------------------------------------------------------------------

    def _alive(self) -> bool:
        # Closed, or deleted with its parent window while a job was running.
        return not self._finished and Shiboken.isValid(self)

    def _guard(self, fn: Callable[[_T], None]) -> Callable[[_T], None]:
        def call(value: _T) -> None:
            if self._alive():
                fn(value)

        return call

    def done(self, arg__1: int) -> None:
        self._finished = True
        self._latest.cancel()
        super().done(arg__1)
