"""Search results: one line per student found.

The results change at every keystroke, and the table paints them at once: a screen of results
asks its model a thousand-odd questions (each cell's text, alignment, colours, font, flags,
the row and column counts). A model written in Python answers each through a call into the
interpreter, ten milliseconds a screen; so the results are kept in Qt's own item model, which
answers them itself, in a tenth of that. Their text is made once, when the results are set,
like every table's of the desk (:mod:`jdoffice.gui.models.base`).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import Any, ClassVar

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel

from jdoffice.gui import texts
from jdoffice.gui.models.base import header_data
from jdoffice.gui.texts import QT_TRANSLATE_NOOP
from jdoffice.services.ports import StudentHit

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_ALIGNMENT = Qt.ItemDataRole.TextAlignmentRole


class SearchColumn(IntEnum):
    STUDENT_NO = 0
    NAME = 1
    PHONE = 2
    BALANCE = 3


class SearchResultsModel(QStandardItemModel):
    """Students matching the search box, best match first (the order the search ranked).

    Read-only: each cell holds its text, left-aligned but for the balance; the student of a
    row is :meth:`hit`. Setting other results resets the model (``modelReset``), setting the
    same ones again leaves it alone, as the desk's other tables do.
    """

    columns: ClassVar[type[IntEnum]] = SearchColumn
    headers: ClassVar[dict[int, str]] = {
        SearchColumn.STUDENT_NO: QT_TRANSLATE_NOOP("SearchResultsModel", "Elevnr."),
        SearchColumn.NAME: QT_TRANSLATE_NOOP("SearchResultsModel", "Navn"),
        SearchColumn.PHONE: QT_TRANSLATE_NOOP("SearchResultsModel", "Telefon"),
        SearchColumn.BALANCE: QT_TRANSLATE_NOOP("SearchResultsModel", "Saldo"),
    }
    amount_columns: ClassVar[frozenset[int]] = frozenset({SearchColumn.BALANCE})

    def __init__(self, parent: QObject | None = None, locale: str = "da_DK") -> None:
        super().__init__(0, len(SearchColumn), parent)
        self._locale = locale
        self._items: list[StudentHit] = []
        # Qt makes each cell from this one as the text is set: selectable, never editable.
        cell = QStandardItem()
        cell.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        cell.setTextAlignment(_LEFT)
        self.setItemPrototype(cell)
        self.invisibleRootItem().setFlags(Qt.ItemFlag.NoItemFlags)

    # --- the data ---

    def set_items(self, items: Sequence[StudentHit]) -> bool:
        """Show ``items``. Returns False (and leaves views alone) when nothing changed, so a
        live refresh keeps the selection and the scroll position."""
        new = list(items)
        if new == self._items:
            return False
        self._fill(new)
        return True

    def set_locale(self, locale: str) -> None:
        """Write the balances as ``locale`` does (the desk's language), from now on."""
        if locale == self._locale:
            return
        self._locale = locale
        self._fill(self._items)

    def _fill(self, hits: list[StudentHit]) -> None:
        """Replace the rows, as one reset of the model (the views hear nothing else)."""
        self.beginResetModel()
        blocked = self.blockSignals(True)
        try:
            self.setRowCount(0)
            self.setRowCount(len(hits))
            index, put, locale = self.index, self.setData, self._locale
            for row, h in enumerate(hits):
                put(index(row, SearchColumn.STUDENT_NO), h.student_no)
                put(index(row, SearchColumn.NAME), h.name)
                put(index(row, SearchColumn.PHONE), h.phone)
                balance = index(row, SearchColumn.BALANCE)
                put(balance, texts.money(h.balance_minor, h.currency, locale))
                put(balance, _RIGHT, _ALIGNMENT)
            self._items = hits
        finally:
            self.blockSignals(blocked)
            self.endResetModel()

    @property
    def language(self) -> str:
        """``"da"`` or ``"en"``."""
        return "en" if self._locale.startswith("en") else "da"

    def items(self) -> list[StudentHit]:
        return list(self._items)

    def hit(self, row: int) -> StudentHit:
        return self._items[row]

    def row_of(self, student_no: str) -> int:
        """The row showing ``student_no``, or -1."""
        for row, h in enumerate(self._items):
            if h.student_no == student_no:
                return row
        return -1

    # --- Qt overrides ---

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Left in the search's ranked order: Qt's own sort would move the cells and not
        :meth:`hit`'s list, and Enter would open another student than the row shows."""

    def headerData(  # noqa: N802 - Qt override
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        return header_data(self, section, orientation, role)
