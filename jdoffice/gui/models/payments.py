"""A student's payments, newest first, with what was refunded of each."""

from __future__ import annotations

from enum import IntEnum
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject

from jdoffice.domain.model import payment_display_status
from jdoffice.gui import texts
from jdoffice.gui.models.base import Row, RowsModel
from jdoffice.gui.texts import QT_TRANSLATE_NOOP
from jdoffice.services.queries import PaymentView


class PaymentColumn(IntEnum):
    DATE = 0
    METHOD = 1
    AMOUNT = 2
    REFUNDED = 3
    RECEIPT_NO = 4
    STATUS = 5


class PaymentsModel(RowsModel):
    """Payments of the open student; dates in the school's local time."""

    columns: ClassVar[type[IntEnum]] = PaymentColumn
    headers: ClassVar[dict[int, str]] = {
        PaymentColumn.DATE: QT_TRANSLATE_NOOP("PaymentsModel", "Dato"),
        PaymentColumn.METHOD: QT_TRANSLATE_NOOP("PaymentsModel", "Metode"),
        PaymentColumn.AMOUNT: QT_TRANSLATE_NOOP("PaymentsModel", "Beløb"),
        PaymentColumn.REFUNDED: QT_TRANSLATE_NOOP("PaymentsModel", "Refunderet"),
        PaymentColumn.RECEIPT_NO: QT_TRANSLATE_NOOP("PaymentsModel", "Kvittering"),
        PaymentColumn.STATUS: QT_TRANSLATE_NOOP("PaymentsModel", "Status"),
    }
    amount_columns: ClassVar[frozenset[int]] = frozenset(
        {PaymentColumn.AMOUNT, PaymentColumn.REFUNDED, PaymentColumn.RECEIPT_NO}
    )

    def __init__(
        self,
        parent: QObject | None = None,
        locale: str = "da_DK",
        timezone: str = "Europe/Copenhagen",
    ) -> None:
        super().__init__(parent)
        self._locale = locale
        self._tz = ZoneInfo(timezone)

    def set_timezone(self, timezone: str) -> None:
        if ZoneInfo(timezone) != self._tz:
            self._tz = ZoneInfo(timezone)
            items = self.items()
            self.set_items([])
            self.set_items(items)

    def make_row(self, item: Any) -> Row:
        pv: PaymentView = item
        p = pv.payment
        status = payment_display_status(p.status, p.amount_minor, p.refunded_minor)

        def m(minor: int) -> str:
            return texts.money(minor, p.currency, self._locale)

        return Row(
            item=pv,
            texts=(
                texts.local_datetime(p.created_at, self._tz, self.language),
                texts.method_name(p.method, self.language),
                m(p.amount_minor),
                m(p.refunded_minor) if p.refunded_minor else "",
                str(p.receipt_no) if p.receipt_no is not None else (p.offline_receipt_no or ""),
                texts.payment_status_name(status),
            ),
            keys=(
                int(p.created_at.timestamp() * 1_000_000),
                texts.method_name(p.method, self.language).casefold(),
                p.amount_minor,
                p.refunded_minor,
                p.receipt_no or 0,
                status,
            ),
            alert=status == "failed",
            alert_column=PaymentColumn.STATUS,
        )

    def payment(self, row: int) -> PaymentView:
        found: PaymentView = self.item(row)
        return found

    def row_of(self, payment_id: str) -> int:
        for row, pv in enumerate(self.items()):
            if pv.payment.id == payment_id:
                return row
        return -1
