"""The books in the desk program (Kasse → Bogføring, Ctrl+Shift+B; issue 15): a manager
exports the postings of a period (last month by default) as CSV, e-conomic's journal import or
SAF-T, to a file chosen in a save dialog, through
:func:`jdoffice.services.books_exports.export_books` in the background, as ``books export``
does. The dialog then says how many postings were written, their total (debit equals credit),
the corrections it carries, and, for a period exported before, who exported it when (the same
postings again) and how many later postings wait for the next export. The earlier exports are
listed below.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import Shiboken

from jdoffice.domain.exported import ExportRecord, last_month
from jdoffice.domain.model import UTC, Actor
from jdoffice.domain.staff import Action, Authority, StaffMember
from jdoffice.gui import texts
from jdoffice.gui.background import run_task
from jdoffice.gui.context import DeskContext
from jdoffice.services.books_exports import ExportResult, export_books, list_exports

ERROR_STYLE = "color: #b3261e; font-weight: bold;"
WARN_STYLE = "color: #8a5300; font-weight: bold;"

# The formats offered, in order: (``books export --format``, file suffix).
FORMATS = (("csv", "csv"), ("economic", "csv"), ("saft", "xml"))


class BooksDialog(QDialog):
    """Export the books of a period to a file, as ``authority`` (a manager, or an approval)."""

    def __init__(
        self,
        ctx: DeskContext,
        parent: QWidget | None = None,
        *,
        authority: Authority | StaffMember | None = None,
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._actor: Actor = (
            authority.actor(ctx.desk) if authority is not None else ctx.acting(Action.BOOKS)
        )
        self._running = False
        # The last export's result (None until one answered).
        self.result_shown: ExportResult | None = None
        self.setWindowTitle(self.tr("Bogføring"))
        start, end = last_month(ctx.school.local_date(dt.datetime.now(UTC)))
        self.fromEdit = self._date_edit(start, "fromEdit")
        self.toEdit = self._date_edit(end, "toEdit")
        self.formatBox = QComboBox(self)
        self.formatBox.setObjectName("formatBox")
        for text in (
            self.tr("CSV (generisk, semikolon)"),
            self.tr("e-conomic (kassekladde)"),
            self.tr("SAF-T Financial (XML)"),
        ):
            self.formatBox.addItem(text)
        grid = QGridLayout()
        for row, (text, widget) in enumerate(
            (
                (self.tr("&Fra:"), self.fromEdit),
                (self.tr("&Til:"), self.toEdit),
                (self.tr("F&ormat:"), self.formatBox),
            )
        ):
            label = QLabel(text, self)
            label.setBuddy(widget)
            grid.addWidget(label, row, 0)
            grid.addWidget(widget, row, 1)
        grid.setColumnStretch(2, 1)

        self.resultLabel = QLabel(self)
        self.resultLabel.setObjectName("resultLabel")
        self.resultLabel.setWordWrap(True)
        self.warningLabel = QLabel(self)
        self.warningLabel.setObjectName("warningLabel")
        self.warningLabel.setWordWrap(True)
        self.warningLabel.setStyleSheet(WARN_STYLE)
        self.warningLabel.hide()
        self.messageLabel = QLabel(self)
        self.messageLabel.setObjectName("messageLabel")
        self.messageLabel.setWordWrap(True)
        self.messageLabel.setStyleSheet(ERROR_STYLE)
        self.messageLabel.hide()
        self.exportsList = QListWidget(self)
        self.exportsList.setObjectName("exportsList")
        exports_label = QLabel(self.tr("Tidligere &eksporter:"), self)
        exports_label.setBuddy(self.exportsList)

        self.exportButton = QPushButton(self.tr("&Eksportér …"), self)
        self.exportButton.setObjectName("exportButton")
        self.exportButton.setDefault(True)
        self.exportButton.clicked.connect(self._choose_file)
        close = QPushButton(self.tr("&Luk"), self)
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.exportButton)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.resultLabel)
        layout.addWidget(self.warningLabel)
        layout.addWidget(self.messageLabel)
        layout.addWidget(exports_label)
        layout.addWidget(self.exportsList, 1)
        layout.addLayout(buttons)
        self.resize(840, 460)
        self.fromEdit.setFocus()
        self._list_exports()

    def _date_edit(self, day: dt.date, name: str) -> QDateEdit:
        edit = QDateEdit(QDate(day.year, day.month, day.day), self)
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("dd.MM.yyyy")
        return edit

    @staticmethod
    def _day(edit: QDateEdit) -> dt.date:
        q = edit.date()
        return dt.date(q.year(), q.month(), q.day())

    @property
    def fmt(self) -> str:
        return FORMATS[self.formatBox.currentIndex()][0]

    @property
    def running(self) -> bool:
        return self._running

    def suggested_name(self) -> str:
        start, end = self._day(self.fromEdit), self._day(self.toEdit)
        fmt, suffix = FORMATS[self.formatBox.currentIndex()]
        return f"bogfoering-{fmt}-{start.isoformat()}-{end.isoformat()}.{suffix}"

    def _choose_file(self) -> None:
        if self._running:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Gem bogføring"), str(Path.home() / self.suggested_name())
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        """Export the chosen period and format to ``path`` (in the background): written beside
        it and renamed once the export is recorded, so a failed export leaves no file."""
        if self._running:
            return
        ctx, actor, fmt = self._ctx, self._actor, self.fmt
        start, end = self._day(self.fromEdit), self._day(self.toEdit)

        def work() -> ExportResult:
            tmp = path.with_name(path.name + ".part")
            try:
                with tmp.open("wb") as fh:
                    result = export_books(ctx.uow(), ctx.school, start, end, fmt, fh, actor=actor)
                tmp.replace(path)
            finally:
                tmp.unlink(missing_ok=True)
            return result

        self._running = True
        self.exportButton.setEnabled(False)
        self.messageLabel.hide()
        run_task(
            work,
            on_success=self._guard(lambda r: self._exported(r, path)),
            on_failure=self._guard(self._failed),
            tag="books-export",
        )

    def _guard(self, fn: Any) -> Any:
        def call(value: Any) -> None:
            if Shiboken.isValid(self):
                self._running = False
                self.exportButton.setEnabled(True)
                fn(value)

        return call

    def _exported(self, result: ExportResult, path: Path) -> None:
        self.result_shown = result
        loc, cur = self._ctx.locale, result.currency
        lines = [
            self.tr("{0} posteringer gemt i {1}.").format(result.postings, path),
            texts.one_period(
                self.tr("Debet = kredit = {0}.").format(texts.money(result.total_minor, cur, loc))
            ),
            self.tr("Korrektioner: {0}.").format(result.corrections),
        ]
        self.resultLabel.setText("\n".join(lines))
        warnings = []
        first = result.repeated
        if first is not None:
            when = texts.local_datetime(first.at, self._ctx.school.tz, self._ctx.language)
            warnings.append(
                self.tr(
                    "Perioden er allerede eksporteret {0} af {1} ved {2}: de samme posteringer igen."
                ).format(when, first.staff or "?", first.desk or "?")
            )
        if result.unfinished and first is None:
            warnings.append(
                self.tr(
                    "Perioden er ikke slut endnu; det, der registreres senere i den, kommer som "
                    "korrektioner i næste eksport."
                )
            )
        if result.pending:
            warnings.append(
                self.tr(
                    "{0} posteringer i perioden kom efter eksporten; de kommer som korrektioner "
                    "i næste eksport."
                ).format(result.pending)
            )
        self.warningLabel.setText("\n".join(warnings))
        self.warningLabel.setVisible(bool(warnings))
        self._list_exports()

    def _failed(self, exc: BaseException) -> None:
        self.messageLabel.setText(texts.error_message(exc, self._ctx.locale))
        self.messageLabel.show()

    def _list_exports(self) -> None:
        ctx, actor = self._ctx, self._actor
        run_task(
            lambda: list_exports(ctx.read_uow(), ctx.school, actor=actor),
            on_success=self._listed,
            on_failure=self._list_failed,
            tag="books-exports",
        )

    def _listed(self, records: list[ExportRecord]) -> None:
        if not Shiboken.isValid(self):
            return
        self.exportsList.clear()
        loc, cur, tz = self._ctx.locale, self._ctx.school.currency, self._ctx.school.tz
        for r in reversed(records):
            when = texts.local_datetime(r.at, tz, self._ctx.language)
            what = self.tr("gentaget") if r.repeat_of is not None else self.tr("første")
            count = self.tr("{0} posteringer").format(r.postings)
            money = texts.money(r.total_minor, cur, loc)
            self.exportsList.addItem(
                f"{r.start:%d.%m.%Y} – {r.end:%d.%m.%Y} · {r.fmt} · {what} · {count} · "
                f"{money} · {when} · {r.staff} · {r.desk}"
            )

    def _list_failed(self, exc: BaseException) -> None:
        if Shiboken.isValid(self):
            self._failed(exc)
