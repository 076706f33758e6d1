"""The debtor list (Kasse → Debitorliste, Ctrl+Shift+D; issue 15): who owes what across the
school, aged by days overdue, sortable by any column, saved as CSV or an A4 PDF; Enter on a
row opens that student at the desk.

The list is read in the background (:func:`jdoffice.services.debtors.debtor_list`) for the
date and the least days overdue chosen at the top; both read it again at once.

Reminders: staff choose rows (Shift/Ctrl with the arrows, Ctrl+A for all) and press *Påmind
pr. SMS* (Alt+S) or *Påmind pr. e-mail* (Alt+E); every overdue invoice of the chosen students
is reminded (:func:`jdoffice.services.reminders.remind`) with a payment link, and the line
below the table says how many went and why the others did not.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QDate,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import Shiboken

from jdoffice.domain import debtors as debtor_text
from jdoffice.domain.debtors import BUCKET_TITLES, BUCKETS, Debtor, DebtorList
from jdoffice.domain.model import UTC
from jdoffice.domain.money import format_plain
from jdoffice.domain.staff import Action
from jdoffice.gui import messages, texts
from jdoffice.gui.background import Latest, run_task
from jdoffice.gui.context import DeskContext
from jdoffice.services import reminders
from jdoffice.services.debtors import debtor_list
from jdoffice.services.gateways import close_gateway

ERROR_STYLE = "color: #b3261e; font-weight: bold;"
MUTED_STYLE = "color: #555555;"

# The columns after the student's number, name and phone: the buckets, the total, the days.
_FIXED = 3
TOTAL_COLUMN = _FIXED + len(BUCKETS)
DAYS_COLUMN = TOTAL_COLUMN + 1
CREDIT_COLUMN = DAYS_COLUMN + 1


class DebtorsModel(QAbstractTableModel):
    """One row per debtor; amounts shown in kroner, sorted by their øre."""

    def __init__(self, locale: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._locale = locale
        self._list: DebtorList | None = None
        self._rows: tuple[Debtor, ...] = ()
        language = "en" if locale.startswith("en") else "da"
        self._titles = [self.tr("Elevnr."), self.tr("Navn"), self.tr("Telefon")]
        self._titles += [BUCKET_TITLES[language][b] for b in BUCKETS]
        self._titles += [
            self.tr("I alt"),
            self.tr("Dage over forfald"),
            self.tr("Tilgodehavende"),
        ]

    def set_list(self, listed: DebtorList) -> None:
        self.beginResetModel()
        self._list, self._rows = listed, listed.debtors
        self.endResetModel()

    def debtor(self, row: int) -> Debtor:
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

    def _value(self, d: Debtor, column: int) -> int | str:
        if column == 0:
            return d.student_no
        if column == 1:
            return d.name
        if column == 2:
            return d.phone
        if column == TOTAL_COLUMN:
            return d.total_minor
        if column == DAYS_COLUMN:
            return d.days_overdue
        if column == CREDIT_COLUMN:
            return d.credit_minor
        return d.buckets()[BUCKETS[column - _FIXED]]

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or self._list is None:
            return None
        d, column = self._rows[index.row()], index.column()
        value = self._value(d, column)
        if role == Qt.ItemDataRole.UserRole:
            return value.casefold() if isinstance(value, str) else value
        if role == Qt.ItemDataRole.TextAlignmentRole and column >= _FIXED:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if isinstance(value, str):
            return value
        if column == DAYS_COLUMN:
            return str(value) if value else ""
        return format_plain(value, self._list.currency, self._locale) if value else ""


class DebtorsDialog(QDialog):
    """The debtor list on screen.

    Signals:
        student_requested(str): Enter (or a double click) on a row: open this student.
    """

    student_requested = Signal(str)

    def __init__(self, ctx: DeskContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._list: DebtorList | None = None
        self._running = False
        self._pending_message = ("", MUTED_STYLE)
        self._keep_chosen: set[str] = set()
        # What the last reminders did (None until some were sent from here).
        self.last_reminders: reminders.RemindResult | None = None
        self._latest = Latest(self)
        self.setWindowTitle(self.tr("Debitorliste"))
        today = ctx.school.local_date(dt.datetime.now(UTC))
        self.dateEdit = QDateEdit(QDate(today.year, today.month, today.day), self)
        self.dateEdit.setObjectName("dateEdit")
        self.dateEdit.setCalendarPopup(True)
        self.dateEdit.setDisplayFormat("dd.MM.yyyy")
        self.daysSpin = QSpinBox(self)
        self.daysSpin.setObjectName("daysSpin")
        self.daysSpin.setRange(0, 3650)
        self.daysSpin.setSuffix(self.tr(" dage"))
        date_label = QLabel(self.tr("Pr. &dato:"), self)
        date_label.setBuddy(self.dateEdit)
        days_label = QLabel(self.tr("&Mindst over forfald:"), self)
        days_label.setBuddy(self.daysSpin)
        top = QHBoxLayout()
        for w in (date_label, self.dateEdit, days_label, self.daysSpin):
            top.addWidget(w)
        top.addStretch(1)

        self.model = DebtorsModel(ctx.locale, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(Qt.ItemDataRole.UserRole)
        self.table = QTableView(self)
        self.table.setObjectName("debtorsTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(TOTAL_COLUMN, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Several rows may be chosen for reminders (Shift/Ctrl with the arrows, Ctrl+A).
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.setWordWrap(False)
        self.table.doubleClicked.connect(self._activated)
        self.table.installEventFilter(self)

        self.summaryLabel = QLabel(self)
        self.summaryLabel.setObjectName("summaryLabel")
        self.messageLabel = QLabel(self)
        self.messageLabel.setObjectName("messageLabel")
        self.messageLabel.setWordWrap(True)
        self.messageLabel.hide()
        self.csvButton = QPushButton(self.tr("Gem &CSV …"), self)
        self.pdfButton = QPushButton(self.tr("Gem &PDF …"), self)
        self.smsButton = QPushButton(self.tr("Påmind pr. &SMS"), self)
        self.smsButton.setObjectName("smsButton")
        self.emailButton = QPushButton(self.tr("Påmind pr. &e-mail"), self)
        self.emailButton.setObjectName("emailButton")
        for b in (self.smsButton, self.emailButton):
            b.setToolTip(
                self.tr(
                    "Send en betalingspåmindelse med betalingslink for hver forfalden faktura "
                    "hos de valgte elever"
                )
            )
        close = QPushButton(self.tr("&Luk"), self)
        for b in (self.csvButton, self.pdfButton, self.smsButton, self.emailButton, close):
            b.setAutoDefault(False)
        self.csvButton.clicked.connect(self._choose_csv)
        self.pdfButton.clicked.connect(self._choose_pdf)
        self.smsButton.clicked.connect(lambda: self.remind("sms"))
        self.emailButton.clicked.connect(lambda: self.remind("email"))
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.smsButton)
        buttons.addWidget(self.emailButton)
        buttons.addSpacing(16)
        buttons.addWidget(self.csvButton)
        buttons.addWidget(self.pdfButton)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summaryLabel)
        layout.addWidget(self.messageLabel)
        layout.addLayout(buttons)
        self.resize(1120, 560)

        self.dateEdit.dateChanged.connect(self.load)
        self.daysSpin.valueChanged.connect(self.load)
        self._enable(False)
        self.table.setFocus()
        self.load()

    # --- reading ---

    @property
    def listed(self) -> DebtorList | None:
        """The list on screen (``None`` until read)."""
        return self._list

    def _day(self) -> dt.date:
        q = self.dateEdit.date()
        return dt.date(q.year(), q.month(), q.day())

    def load(self) -> None:
        """Read the list again for the date and the days chosen (in the background)."""
        ctx, day, days = self._ctx, self._day(), self.daysSpin.value()
        self._running = True
        self.setCursor(Qt.CursorShape.BusyCursor)
        # Only the newest answer is shown: a slow early read never overwrites a later one.
        self._latest.run(
            lambda: debtor_list(ctx.read_uow(), ctx.school, as_of=day, min_days=days),
            on_success=self._guard(self._loaded),
            on_failure=self._guard(self._failed),
            tag="debtors",
        )

    def _guard(self, fn: Any) -> Any:
        def call(value: Any) -> None:
            if Shiboken.isValid(self):
                self._running = False
                self.unsetCursor()
                fn(value)

        return call

    def _loaded(self, listed: DebtorList) -> None:
        self._list = listed
        self.model.set_list(listed)
        self._enable(True)
        keep, self._keep_chosen = self._keep_chosen, set()
        if keep:
            self._choose(keep)
        elif self.proxy.rowCount():
            self.table.selectRow(0)
        loc, cur = self._ctx.locale, listed.currency
        overdue = sum(d.overdue_minor for d in listed.debtors)
        summary = (
            self.tr("{0} elever skylder {1}, heraf forfaldent {2}.").format(
                len(listed.debtors),
                texts.money(listed.total_minor, cur, loc),
                texts.money(overdue, cur, loc),
            )
            if listed.debtors
            else self.tr("Ingen skylder noget.")
        )
        self.summaryLabel.setText(texts.one_period(summary))
        (message, style), self._pending_message = self._pending_message, ("", MUTED_STYLE)
        self._say(message, style)

    def _failed(self, exc: BaseException) -> None:
        self._say(texts.error_message(exc, self._ctx.locale))

    def _enable(self, on: bool) -> None:
        self.csvButton.setEnabled(on)
        self.pdfButton.setEnabled(on)
        self.smsButton.setEnabled(on)
        self.emailButton.setEnabled(on)

    def _say(self, text: str, style: str = ERROR_STYLE) -> None:
        self.messageLabel.setText(text)
        self.messageLabel.setStyleSheet(style)
        self.messageLabel.setVisible(bool(text))

    # --- opening a student ---

    def current_debtor(self) -> Debtor | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.debtor(self.proxy.mapToSource(index).row())

    def _activated(self) -> None:
        d = self.current_debtor()
        if d is not None:
            self.student_requested.emit(d.student_no)
            self.accept()

    def eventFilter(self, watched: Any, event: Any) -> bool:  # noqa: N802 - Qt override
        if (
            watched is self.table
            and isinstance(event, QKeyEvent)
            and event.type() == QKeyEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            self._activated()
            return True
        return super().eventFilter(watched, event)

    # --- reminders ---

    def chosen_debtors(self) -> list[Debtor]:
        """The rows chosen in the table, in the table's order."""
        rows = sorted(
            {self.proxy.mapToSource(i).row() for i in self.table.selectionModel().selectedRows()}
        )
        return [self.model.debtor(r) for r in rows]

    def remind(self, channel: str) -> None:
        """Remind the chosen students of each of their overdue invoices by ``channel``."""
        invoice_nos = [
            i.invoice_no for d in self.chosen_debtors() for i in d.invoices if i.days_overdue > 0
        ]
        if not invoice_nos:
            self._say(self.tr("Vælg elever med forfaldne fakturaer først."))
            return
        ctx = self._ctx
        self._enable(False)
        self._say(self.tr("Sender påmindelser …"), MUTED_STYLE)
        self.setCursor(Qt.CursorShape.BusyCursor)
        run_task(
            lambda: remind_job(ctx, channel, invoice_nos),
            on_success=self._guard(self._reminded),
            on_failure=self._guard(self._remind_failed),
            tag="reminders",
        )

    def _remind_failed(self, exc: BaseException) -> None:
        self._enable(True)
        self._failed(exc)

    def _reminded(self, result: reminders.RemindResult) -> None:
        self.last_reminders = result
        style = ERROR_STYLE if result.lines and not result.sent else MUTED_STYLE
        self._say(reminder_summary(result), style)
        # Read again (a student may have paid meanwhile); the summary and the chosen rows
        # stay on screen.
        self._pending_message = (self.messageLabel.text(), style)
        self._keep_chosen = {d.student_no for d in self.chosen_debtors()}
        self.load()

    def _choose(self, student_nos: set[str]) -> None:
        """Choose the rows of these students again (after the list was read again)."""
        selection = self.table.selectionModel()
        selection.clearSelection()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        first = None
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if self.model.debtor(self.proxy.mapToSource(index).row()).student_no in student_nos:
                selection.select(index, flags)
                first = first or index
        if first is not None:
            selection.setCurrentIndex(first, QItemSelectionModel.SelectionFlag.NoUpdate)

    # --- saving ---

    def _file_name(self, suffix: str) -> str:
        day = self._list.as_of if self._list else self._day()
        return f"debitorliste-{day.isoformat()}.{suffix}"

    def _choose_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Gem debitorliste"), str(Path.home() / self._file_name("csv")),
            "CSV (*.csv)",
        )  # fmt: skip
        if path:
            self.save_csv(Path(path))

    def _choose_pdf(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Gem debitorliste"), str(Path.home() / self._file_name("pdf")),
            "PDF (*.pdf)",
        )  # fmt: skip
        if path:
            self.save_pdf(Path(path))

    def save_csv(self, path: Path) -> None:
        """Write the list on screen as CSV (a row per outstanding invoice)."""
        listed = self._list
        if listed is None:
            return

        def write() -> Path:
            from jdoffice.printing.text_pages import save_text

            return save_text(path, debtor_text.to_csv(listed))

        run_task(write, on_success=self._guard(self._saved), on_failure=self._guard(self._failed))

    def save_pdf(self, path: Path) -> None:
        """Write the list on screen as an A4 PDF."""
        listed = self._list
        if listed is None:
            return
        language = "en" if self._ctx.locale.startswith("en") else "da"

        def write() -> Path:
            from jdoffice.printing.text_pages import debtors_pdf

            return debtors_pdf(listed, path, language=language)

        run_task(write, on_success=self._guard(self._saved), on_failure=self._guard(self._failed))

    def _saved(self, path: Path) -> None:
        self._say(self.tr("Gemt som {0}").format(path), MUTED_STYLE)


# --- reminders (the background job and what the desk says about it) -----------------------------


def remind_job(ctx: DeskContext, channel: str, invoice_nos: list[str]) -> reminders.RemindResult:
    """Remind about ``invoice_nos`` by ``channel`` (a background job): each with a link
    through the school's default online gateway, or without one when online payments are off."""
    school = ctx.school
    actor = ctx.acting(Action.REMIND)
    settings = ctx.app.payment_settings(school)
    with_link = settings.online_enabled and bool(settings.default_gateway)
    link = None
    gateway = None
    if with_link:
        own = settings.using(settings.default_gateway)
        gateway = ctx.app.online_gateway(school, own)
        link = reminders.online_link(ctx.uow(), school, gateway, own, actor)
    try:
        return reminders.remind(
            ctx.uow(),
            school,
            messages.transports(ctx),
            channel=channel,
            actor=actor,
            invoice_nos=invoice_nos,
            link=link,
            online=with_link,
        )
    finally:
        # Its HTTP connections end with the job (this runs on a worker thread already).
        close_gateway(gateway)


def _tr(text: str) -> str:
    return QCoreApplication.translate("DebtorsDialog", text)


_REASONS = {
    "not_owed": texts.QT_TRANSLATE_NOOP("DebtorsDialog", "intet udestående"),
    "not_overdue": texts.QT_TRANSLATE_NOOP("DebtorsDialog", "ikke forfalden"),
    "too_soon": texts.QT_TRANSLATE_NOOP("DebtorsDialog", "påmindet for nylig"),
    "credit": texts.QT_TRANSLATE_NOOP("DebtorsDialog", "dækket af tilgodehavende"),
    "no_link": texts.QT_TRANSLATE_NOOP("DebtorsDialog", "betalingslinket kunne ikke laves"),
    "paid_meanwhile": texts.QT_TRANSLATE_NOOP("DebtorsDialog", "betalt i mellemtiden"),
    "reminded_meanwhile": texts.QT_TRANSLATE_NOOP("DebtorsDialog", "påmindet fra en anden kasse"),
    "amount_changed": texts.QT_TRANSLATE_NOOP("DebtorsDialog", "beløbet ændrede sig"),
    "no_phone": texts.QT_TRANSLATE_NOOP("DebtorsDialog", "intet mobilnummer"),
    "no_email": texts.QT_TRANSLATE_NOOP("DebtorsDialog", "ingen e-mailadresse"),
    "other": texts.QT_TRANSLATE_NOOP("DebtorsDialog", "andet"),
}


def _reason(code: str, channel: str) -> str:
    if code == "no_recipient":
        code = "no_phone" if channel == "sms" else "no_email"
    return _tr(_REASONS.get(code, _REASONS["other"]))


def reminder_summary(result: reminders.RemindResult) -> str:
    """What the desk says after sending: how many went, how many not and why, in one line."""
    sent = sum(1 for line in result.lines if line.status == reminders.SENT)
    waiting = sum(1 for line in result.lines if line.status == reminders.QUEUED)
    text = (
        QCoreApplication.translate("DebtorsDialog", "Påmindelser pr. SMS: {0} sendt")
        if result.channel == "sms"
        else QCoreApplication.translate("DebtorsDialog", "Påmindelser pr. e-mail: {0} sendt")
    ).format(sent)
    if waiting:
        text += QCoreApplication.translate("DebtorsDialog", ", {0} venter i udbakken").format(
            waiting
        )
    counts: dict[str, int] = {}
    for line in result.lines:
        if not line.counts_as_sent:
            word = _reason(line.code, result.channel)
            counts[word] = counts.get(word, 0) + 1
    if counts:
        why = ", ".join(f"{n} {word}" for word, n in sorted(counts.items(), key=lambda kv: -kv[1]))
        text += QCoreApplication.translate("DebtorsDialog", "; {0} sprunget over ({1})").format(
            sum(counts.values()), why
        )
    if not result.with_link and (sent or waiting):
        text += QCoreApplication.translate(
            "DebtorsDialog", "; uden betalingslink, da netbetaling er slået fra"
        )
    return text + "."
