"""The common part of the desk's table models: rows of precomputed cells.

Each model turns its records into display text and sort keys once, when the rows are set, so
painting a table never formats money or dates again. Amounts are right-aligned. The raw record
of a row is available under :data:`ITEM_ROLE` and the sort key under :data:`SORT_ROLE`, which
a :class:`QSortFilterProxyModel` uses so amounts sort as numbers and dates as dates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, ClassVar, Protocol

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QFont

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ITEM_ROLE = Qt.ItemDataRole.UserRole + 2

#: Dark red that stays readable on the light alternating row colours of Fusion.
ALERT_COLOR = QColor("#b3261e")

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter

Index = QModelIndex | QPersistentModelIndex

# Qt asks data() for a dozen roles per cell at every paint; comparing plain ints (rather than
# looking the enum members up each time) keeps a repaint of the results cheap.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_SORT = int(SORT_ROLE)
_ITEM = int(ITEM_ROLE)
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


@dataclass(frozen=True, slots=True)
class Row:
    """One table row: the record, and per column its text and sort key."""

    item: Any
    texts: tuple[str, ...]
    keys: tuple[int | str, ...]
    alert: bool = False
    alert_column: int = -1


class RowsModel(QAbstractTableModel):
    """A read-only table of :class:`Row`. Subclasses set ``columns``/``headers`` and
    implement :meth:`make_row`."""

    columns: ClassVar[type[IntEnum]]
    headers: ClassVar[dict[int, str]]
    #: Columns holding amounts (right-aligned).
    amount_columns: ClassVar[frozenset[int]] = frozenset()
    #: Money and dates are written as this locale writes them (``da_DK``, ``en_DK``).
    _locale: str = "da_DK"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Row] = []
        self._items: list[Any] = []
        self._bold = QFont()
        self._bold.setBold(True)

    # --- the data ---

    def set_items(self, items: Sequence[Any]) -> bool:
        """Show ``items``. Returns False (and leaves views alone) when nothing changed, so a
        live refresh keeps the selection and the scroll position."""
        new = list(items)
        if new == self._items:
            return False
        self.beginResetModel()
        self._items = new
        self._rows = [self.make_row(item) for item in new]
        self.endResetModel()
        return True

    def make_row(self, item: Any) -> Row:
        raise NotImplementedError

    @property
    def language(self) -> str:
        """``"da"`` or ``"en"``: how dates are written."""
        return "en" if self._locale.startswith("en") else "da"

    def set_locale(self, locale: str) -> None:
        """Write money and dates as ``locale`` does (the desk's language), from now on."""
        if locale == self._locale:
            return
        self.beginResetModel()
        self._locale = locale
        self._rows = [self.make_row(item) for item in self._items]
        self.endResetModel()

    def item(self, row: int) -> Any:
        return self._rows[row].item

    def items(self) -> list[Any]:
        return list(self._items)

    # --- Qt overrides ---

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt override
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt override
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        r = index.row()  # -1 for an invalid index
        rows = self._rows
        if not 0 <= r < len(rows):
            return None
        role = int(role)
        if role == _DISPLAY:
            return rows[r].texts[index.column()]
        if role == _ALIGNMENT:
            return _RIGHT if index.column() in self.amount_columns else _LEFT
        if role == _FOREGROUND:
            return ALERT_COLOR if rows[r].alert else None
        if role == _FONT:
            row = rows[r]
            return self._bold if row.alert and index.column() == row.alert_column else None
        if role == _SORT:
            return rows[r].keys[index.column()]
        if role == _ITEM:
            return rows[r].item
        return None

    def headerData(  # noqa: N802 - Qt override
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        return header_data(self, section, orientation, role)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return _FLAGS


class HasHeaders(Protocol):
    columns: ClassVar[type[IntEnum]]
    headers: ClassVar[dict[int, str]]
    amount_columns: ClassVar[frozenset[int]]


def header_data(model: HasHeaders, section: int, orientation: Qt.Orientation, role: int) -> Any:
    """A table's column titles, translated in the context of the model's class (where they
    are marked for translation), amounts' right-aligned; no row titles."""
    if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(model.columns):
        return None
    if role == Qt.ItemDataRole.DisplayRole:
        return QCoreApplication.translate(type(model).__name__, model.headers[section])
    if role == Qt.ItemDataRole.TextAlignmentRole:
        return _RIGHT if section in model.amount_columns else _LEFT
    return None


class SortProxy(QSortFilterProxyModel):
    """Sorts by :data:`SORT_ROLE`, so amounts sort as numbers and dates as dates."""

    def __init__(self, source: RowsModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSourceModel(source)
        self.setSortRole(SORT_ROLE)
        # Re-sorting after every live refresh keeps the order the receptionist chose.
        self.setDynamicSortFilter(True)

    def item(self, proxy_row: int) -> Any:
        return self.data(self.index(proxy_row, 0), ITEM_ROLE)
