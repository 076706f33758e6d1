"""The desk window's columns and its remembered place.

The results keep the names readable: the name column gets the room it needs for the longest
name shown and the phone column gives way (elided, then hidden) when the window is narrow. The
invoices and payments are as wide as their cells, and one column gives way on a narrow panel so
the text that stretches can still be read. The window opens where this desk's receptionist left
it, with the same split; the first time, the results are wide enough for a long name.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QByteArray, QEvent, QObject, Qt
from PySide6.QtWidgets import QHeaderView, QMainWindow, QSplitter, QStyle, QTableView

from jdoffice.gui import desk_settings, texts
from jdoffice.gui.models import (
    InvoiceColumn,
    PaymentColumn,
    PaymentsModel,
    SearchColumn,
    SearchResultsModel,
)

log = logging.getLogger(__name__)

# Room around a cell's text (the item delegate's margins and the grid line).
_CELL_PAD = 14
# A long name (30 letters) the results show whole at the window's first split.
_LONG_NAME = "Mikkel Østergaard Christiansen"
# The narrowest room for an invoice's text ("Køretime 4…") or a payment's status.
_MIN_TEXT = 90
# The narrowest phone column worth showing ("+45 12…").
_MIN_PHONE = 56


class DeskLayout(QObject):
    """Sizes the desk's table columns as the window and the rows change, and keeps the
    window's place and split between sessions."""

    def __init__(
        self,
        window: QMainWindow,
        splitter: QSplitter,
        results: QTableView,
        invoices: QTableView,
        payments: QTableView,
        results_model: SearchResultsModel,
        payments_model: PaymentsModel,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._splitter = splitter
        self._results = results
        self._invoices = invoices
        self._payments = payments
        self._results_model = results_model
        self._payments_model = payments_model
        self._result_widths: dict[int, int] = {}
        self._sized = False
        # Where this desk left the window; the split is restored once it is shown.
        self._remembered = desk_settings.load_window_state()
        if self._remembered.geometry:
            window.restoreGeometry(QByteArray(self._remembered.geometry))

    def set_up(self, locale: str) -> None:
        """Size the columns for the first time, and follow the tables' resizes from now on."""

        def fit(table: QTableView, stretch: int) -> None:
            header = table.horizontalHeader()
            header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
            header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
            table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
            self.fit_columns(table)
            table.viewport().installEventFilter(self)

        # The results change at every keystroke: sizing their columns to the contents would
        # measure every cell each time. The student number and the balance get the width of
        # the widest text they can hold; the name the width of the longest name shown, and
        # the phone what is left (elided when the window is narrow: the name comes first).
        results = self._results
        results.viewport().installEventFilter(self)
        results.verticalHeader().setDefaultSectionSize(results.fontMetrics().height() + 10)
        results.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = results.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setStretchLastSection(False)
        self.measure_results(locale)
        self.fit_results()

        fit(self._invoices, InvoiceColumn.TEXT)
        fit(self._payments, PaymentColumn.STATUS)

    def measure_results(self, locale: str) -> None:
        """The widths of the results' columns whose text has a widest form (in the desk's
        language: money reads differently in English)."""
        results = self._results
        header = results.horizontalHeader()
        widest = {
            SearchColumn.STUDENT_NO: "S00000000",
            SearchColumn.NAME: "",
            SearchColumn.PHONE: "+45 00 00 00 00",
            SearchColumn.BALANCE: texts.money(-9_999_999, "DKK", locale),
        }
        self._result_widths = {}
        for column, sample in widest.items():
            title = str(self._results_model.headerData(column, Qt.Orientation.Horizontal) or "")
            self._result_widths[column] = (
                max(
                    header.fontMetrics().horizontalAdvance(title),
                    results.fontMetrics().horizontalAdvance(sample),
                )
                + _CELL_PAD
            )
        for column in (SearchColumn.STUDENT_NO, SearchColumn.BALANCE):
            header.resizeSection(column, self._result_widths[column])

    def fit_columns(self, table: QTableView) -> None:
        """Each column of the invoices or the payments as wide as its widest cell or its
        title; the invoice's text or the payment's status takes the rest. Unlike Qt's
        ResizeToContents this keeps no room for a sort arrow beside every title (Fusion draws
        the arrow above the title), which a student panel at 1024 pixels cannot spare."""
        stretch = InvoiceColumn.TEXT if table is self._invoices else PaymentColumn.STATUS
        header = table.horizontalHeader()
        model = table.model()
        style = header.style()
        margin = style.pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
        metrics = header.fontMetrics()
        widths: dict[int, int] = {}
        for column in range(model.columnCount()):
            if column == stretch:
                continue
            title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
            width = max(
                metrics.horizontalAdvance(title) + 2 * margin + 4,
                table.sizeHintForColumn(column),
            )
            if not header.isSectionHidden(column) and header.sectionSize(column) != width:
                header.resizeSection(column, width)
            widths[column] = width
        # On a narrow panel one column gives way, so the stretching one (the invoice's text,
        # the payment's status) keeps room to be read: what is paid of an invoice (the amount
        # less what is owed), and the refunded column while no payment shown has a refund.
        if table is self._invoices:
            give_way: int = InvoiceColumn.PAID
        elif any(pv.payment.refunded_minor for pv in self._payments_model.items()):
            give_way = -1
        else:
            give_way = PaymentColumn.REFUNDED
        narrow = table.viewport().width() - sum(widths.values()) < _MIN_TEXT
        for column in widths:
            hide = narrow and column == give_way
            if header.isSectionHidden(column) != hide:
                header.setSectionHidden(column, hide)
                if not hide:
                    header.resizeSection(column, widths[column])

    def results_name_width(self) -> int:
        """The width the results' name column needs for the longest name it shows."""
        metrics = self._results.fontMetrics()
        longest = max(
            (metrics.horizontalAdvance(h.name) for h in self._results_model.items()), default=0
        )
        return max(longest + _CELL_PAD, self._result_widths[SearchColumn.NAME])

    def fit_results(self) -> None:
        """Share the results' width: the name whole, the phone gets what is left (up to its
        own width); extra room goes to the name."""
        header = self._results.horizontalHeader()
        widths = self._result_widths
        room = (
            self._results.viewport().width()
            - widths[SearchColumn.STUDENT_NO]
            - widths[SearchColumn.BALANCE]
        )
        name = self.results_name_width()
        phone = max(0, min(widths[SearchColumn.PHONE], room - name))
        # A phone column too narrow for a few digits would only show "…": it goes instead.
        hide_phone = phone < _MIN_PHONE
        if hide_phone:
            phone = 0
        name = max(name, room - phone)
        if header.isSectionHidden(SearchColumn.PHONE) != hide_phone:
            header.setSectionHidden(SearchColumn.PHONE, hide_phone)
        if header.sectionSize(SearchColumn.NAME) != name:
            header.resizeSection(SearchColumn.NAME, name)
        if not hide_phone and header.sectionSize(SearchColumn.PHONE) != phone:
            header.resizeSection(SearchColumn.PHONE, phone)

    def first_split(self) -> list[int]:
        """Results wide enough for a long name; at least two fifths, at most half."""
        widths = self._result_widths
        results = self._results
        metrics = results.fontMetrics()
        frame = results.width() - results.viewport().width()
        scrollbar = results.verticalScrollBar().sizeHint().width()
        wanted = (
            sum(widths[c] for c in (SearchColumn.STUDENT_NO, SearchColumn.BALANCE))
            + metrics.horizontalAdvance(_LONG_NAME)
            + _CELL_PAD
            + frame
            + scrollbar
        )
        width = self._splitter.width()
        left = min(max(width * 2 // 5, wanted), width // 2)
        return [left, width - left]

    def shown(self) -> None:
        """The window is shown: the first time, where this desk left the split; else the
        results wide enough for names."""
        if self._sized:
            return
        self._sized = True
        split = self._remembered.splitter
        if not split or not self._splitter.restoreState(QByteArray(split)):
            self._splitter.setSizes(self.first_split())

    def detach(self) -> None:
        """Stop following the tables (the window is closing)."""
        for table in (self._results, self._invoices, self._payments):
            table.viewport().removeEventFilter(self)

    def remember(self) -> None:
        """Keep the window's place and split for the next time this desk opens it."""
        state = desk_settings.WindowState(
            geometry=bytes(self._window.saveGeometry().data()),
            splitter=bytes(self._splitter.saveState().data()),
        )
        try:
            desk_settings.save_window_state(state)
        except OSError as exc:
            log.warning("the window's place is not remembered: %s", exc)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Resize:
            if watched is self._results.viewport():
                self.fit_results()
            elif watched is self._invoices.viewport():
                self.fit_columns(self._invoices)
            elif watched is self._payments.viewport():
                self.fit_columns(self._payments)
        return super().eventFilter(watched, event)
