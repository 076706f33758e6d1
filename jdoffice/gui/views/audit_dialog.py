"""The audit trail in the desk program (Kasse → Revisionsspor, Ctrl+Shift+A; issue 15): who
did what and when, at which desk, with whose approval, and the document it concerns, for a
period of the school's days; narrowed to a staff member or a student. A manager's (the window
asks a manager's approval first for anyone else); read in the background through
:func:`jdoffice.services.audit_trail.audit_list`. The row chosen shows its values before and
after below the table.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import Shiboken

from jdoffice.domain.model import UTC
from jdoffice.domain.staff import Authority, StaffMember
from jdoffice.domain.text import printable
from jdoffice.gui import texts
from jdoffice.gui.background import Latest
from jdoffice.gui.context import DeskContext
from jdoffice.services.audit_trail import AuditLine, audit_list

ERROR_STYLE = "color: #b3261e; font-weight: bold;"


class AuditModel(QAbstractTableModel):
    """One row per audit entry, oldest first."""

    def __init__(self, ctx: DeskContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tz = ctx.school.tz
        self._language = "en" if ctx.locale.startswith("en") else "da"
        self._rows: list[AuditLine] = []
        self._titles = [
            self.tr("Tidspunkt"),
            self.tr("Handling"),
            self.tr("Bilag"),
            self.tr("Hvem"),
            self.tr("Godkendt af"),
            self.tr("Kasse"),
        ]

    def set_lines(self, lines: list[AuditLine]) -> None:
        self.beginResetModel()
        self._rows = lines
        self.endResetModel()

    def line(self, row: int) -> AuditLine:
        return self._rows[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._titles)

    def headerData(  # noqa: N802 - Qt override
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._titles[section]
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        line, column = self._rows[index.row()], index.column()
        if column == 0:
            return texts.local_datetime(line.at, self._tz, self._language)
        if column == 1:
            return line.action
        if column == 2:
            return f"{line.entity} {line.entity_id}"
        if column == 3:
            return line.staff
        if column == 4:
            return line.approver
        return line.desk


class AuditDialog(QDialog):
    """The audit trail on screen, read as ``authority`` (a manager, or an approval)."""

    def __init__(
        self,
        ctx: DeskContext,
        parent: QWidget | None = None,
        *,
        authority: Authority | StaffMember | None = None,
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._by = authority if authority is not None else ctx.staff
        self._latest = Latest(self)
        self._loaded_once = False
        self.setWindowTitle(self.tr("Revisionsspor"))
        today = ctx.school.local_date(dt.datetime.now(UTC))
        self.fromEdit = self._date_edit(today, "fromEdit")
        self.toEdit = self._date_edit(today, "toEdit")
        self.staffEdit = QLineEdit(self)
        self.staffEdit.setObjectName("staffEdit")
        self.staffEdit.setPlaceholderText(self.tr("initialer"))
        self.staffEdit.setMaximumWidth(90)
        self.studentEdit = QLineEdit(self)
        self.studentEdit.setObjectName("studentEdit")
        self.studentEdit.setPlaceholderText(self.tr("elevnr."))
        self.studentEdit.setMaximumWidth(140)
        self.showButton = QPushButton(self.tr("&Vis"), self)
        self.showButton.setAutoDefault(False)
        self.showButton.clicked.connect(self.load)
        top = QHBoxLayout()
        for text, widget in (
            (self.tr("&Fra:"), self.fromEdit),
            (self.tr("&Til:"), self.toEdit),
            (self.tr("&Medarbejder:"), self.staffEdit),
            (self.tr("&Elev:"), self.studentEdit),
        ):
            label = QLabel(text, self)
            label.setBuddy(widget)
            top.addWidget(label)
            top.addWidget(widget)
        top.addWidget(self.showButton)
        top.addStretch(1)
        for edit in (self.staffEdit, self.studentEdit):
            edit.returnPressed.connect(self.load)

        self.model = AuditModel(ctx, self)
        self.table = QTableView(self)
        self.table.setObjectName("auditTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(self._show_details)
        self.details = QPlainTextEdit(self)
        self.details.setObjectName("auditDetails")
        self.details.setReadOnly(True)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)

        self.summaryLabel = QLabel(self)
        self.summaryLabel.setObjectName("summaryLabel")
        self.messageLabel = QLabel(self)
        self.messageLabel.setObjectName("messageLabel")
        self.messageLabel.setWordWrap(True)
        self.messageLabel.setStyleSheet(ERROR_STYLE)
        self.messageLabel.hide()
        close = QPushButton(self.tr("&Luk"), self)
        close.setAutoDefault(False)
        close.clicked.connect(self.accept)
        bottom = QHBoxLayout()
        bottom.addWidget(self.summaryLabel, 1)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.messageLabel)
        layout.addLayout(bottom)
        self.resize(1100, 620)
        self.table.setFocus()
        self.load()

    def _date_edit(self, day: dt.date, name: str) -> QDateEdit:
        edit = QDateEdit(QDate(day.year, day.month, day.day), self)
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("dd.MM.yyyy")
        edit.dateChanged.connect(self.load)
        return edit

    @property
    def loaded(self) -> bool:
        """Whether a listing has been shown (the first read has answered)."""
        return self._loaded_once

    @staticmethod
    def _day(edit: QDateEdit) -> dt.date:
        q = edit.date()
        return dt.date(q.year(), q.month(), q.day())

    def load(self) -> None:
        """Read the entries again for the period and filters chosen (in the background)."""
        ctx, by = self._ctx, self._by
        start, end = self._day(self.fromEdit), self._day(self.toEdit)
        member = self.staffEdit.text().strip() or None
        student = self.studentEdit.text().strip() or None
        self.setCursor(Qt.CursorShape.BusyCursor)
        self._latest.run(
            lambda: audit_list(
                ctx.read_uow(),
                ctx.school,
                start=start,
                end=end,
                by=by,
                staff_initials=member,
                student_no=student,
            ),
            on_success=self._loaded,
            on_failure=self._failed,
            tag="audit",
        )

    def _loaded(self, lines: list[AuditLine]) -> None:
        if not Shiboken.isValid(self):
            return
        self.unsetCursor()
        self._loaded_once = True
        self.messageLabel.hide()
        self.model.set_lines(lines)
        self.details.setPlainText("")
        self.summaryLabel.setText(self.tr("{0} hændelser").format(len(lines)))
        if lines:
            self.table.selectRow(len(lines) - 1)

    def _failed(self, exc: BaseException) -> None:
        if not Shiboken.isValid(self):
            return
        self.unsetCursor()
        self._loaded_once = True
        self.messageLabel.setText(texts.error_message(exc, self._ctx.locale))
        self.messageLabel.show()

    def _show_details(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.details.setPlainText("")
            return
        line = self.model.line(current.row())
        parts = []
        for title, values in ((self.tr("Før"), line.before), (self.tr("Efter"), line.after)):
            if values:
                shown = json.dumps(values, ensure_ascii=False, indent=2, sort_keys=True)
                parts.append(f"{title}:\n{printable(shown, newlines=True)}")
        self.details.setPlainText("\n\n".join(parts))
