"""Search results: one line per student found."""

from __future__ import annotations

from enum import IntEnum
from typing import Any, ClassVar

from PySide6.QtCore import QObject

from jdoffice.gui import texts
from jdoffice.gui.models.base import Row, RowsModel
from jdoffice.gui.texts import QT_TRANSLATE_NOOP
from jdoffice.services.ports import StudentHit


class SearchColumn(IntEnum):
    STUDENT_NO = 0
    NAME = 1
    PHONE = 2
    BALANCE = 3


class SearchResultsModel(RowsModel):
    """Students matching the search box, best match first (the order the search ranked)."""

    columns: ClassVar[type[IntEnum]] = SearchColumn
    headers: ClassVar[dict[int, str]] = {
        SearchColumn.STUDENT_NO: QT_TRANSLATE_NOOP("SearchResultsModel", "Elevnr."),
        SearchColumn.NAME: QT_TRANSLATE_NOOP("SearchResultsModel", "Navn"),
        SearchColumn.PHONE: QT_TRANSLATE_NOOP("SearchResultsModel", "Telefon"),
        SearchColumn.BALANCE: QT_TRANSLATE_NOOP("SearchResultsModel", "Saldo"),
    }
    amount_columns: ClassVar[frozenset[int]] = frozenset({SearchColumn.BALANCE})

    def __init__(self, parent: QObject | None = None, locale: str = "da_DK") -> None:
        super().__init__(parent)
        self._locale = locale

    def make_row(self, item: Any) -> Row:
        h: StudentHit = item
        return Row(
            item=h,
            texts=(
                h.student_no,
                h.name,
                h.phone,
                texts.money(h.balance_minor, h.currency, self._locale),
            ),
            keys=(h.student_no, h.name.casefold(), h.phone, h.balance_minor),
        )

    def hit(self, row: int) -> StudentHit:
        found: StudentHit = self.item(row)
        return found

    def row_of(self, student_no: str) -> int:
        """The row showing ``student_no``, or -1."""
        for row, h in enumerate(self.items()):
            if h.student_no == student_no:
                return row
        return -1
