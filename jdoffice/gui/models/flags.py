"""Flags of the school that nobody has resolved yet (Kasse → Afvigelser, issue 12)."""

from __future__ import annotations

from enum import IntEnum
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject

from jdoffice.domain.model import FlaggedConfirmation
from jdoffice.gui import texts
from jdoffice.gui.models.base import Row, RowsModel
from jdoffice.gui.texts import QT_TRANSLATE_NOOP


class FlagColumn(IntEnum):
    TIME = 0
    INVOICE = 1
    AMOUNT = 2
    REASON = 3
    PROVIDER_REF = 4


class FlagsModel(RowsModel):
    """Unresolved flags, times in the school's local time. The reason is the service's record
    (what did not match, with both values) in the desk's words (``texts.flag_reason``)."""

    columns: ClassVar[type[IntEnum]] = FlagColumn
    headers: ClassVar[dict[int, str]] = {
        FlagColumn.TIME: QT_TRANSLATE_NOOP("FlagsModel", "Tidspunkt"),
        FlagColumn.INVOICE: QT_TRANSLATE_NOOP("FlagsModel", "Faktura"),
        FlagColumn.AMOUNT: QT_TRANSLATE_NOOP("FlagsModel", "Beløb"),
        FlagColumn.REASON: QT_TRANSLATE_NOOP("FlagsModel", "Hvad passer ikke"),
        FlagColumn.PROVIDER_REF: QT_TRANSLATE_NOOP("FlagsModel", "Udbyderens reference"),
    }
    amount_columns: ClassVar[frozenset[int]] = frozenset({FlagColumn.AMOUNT})

    def __init__(
        self,
        parent: QObject | None = None,
        locale: str = "da_DK",
        timezone: str = "Europe/Copenhagen",
    ) -> None:
        super().__init__(parent)
        self._locale = locale
        self._tz = ZoneInfo(timezone)

    def make_row(self, item: Any) -> Row:
        f: FlaggedConfirmation = item
        return Row(
            item=f,
            texts=(
                texts.local_datetime(f.created_at, self._tz, self.language),
                f.invoice_no or "–",
                self._amount(f),
                texts.flag_reason(f.reason),
                f.provider_ref,
            ),
            keys=(
                int(f.created_at.timestamp() * 1_000_000),
                f.invoice_no,
                f.amount_minor if f.amount_minor is not None else -1,
                f.reason.casefold(),
                f.provider_ref,
            ),
        )

    def _amount(self, f: FlaggedConfirmation) -> str:
        if f.amount_minor is None:
            return ""
        currency = f.currency.upper()
        if len(currency) != 3 or not currency.isalpha():
            # What the provider sent, as it came: no currency to format it with.
            return str(f.amount_minor)
        return texts.money(f.amount_minor, currency, self._locale)

    def flag(self, row: int) -> FlaggedConfirmation:
        found: FlaggedConfirmation = self.item(row)
        return found
