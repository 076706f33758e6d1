"""A student's invoices; overdue ones are marked in red with the status in bold."""

from __future__ import annotations

import datetime as dt
from enum import IntEnum
from typing import Any, ClassVar

from PySide6.QtCore import QObject

from jdoffice.domain.model import Invoice, InvoiceStatus
from jdoffice.gui import texts
from jdoffice.gui.models.base import Row, RowsModel
from jdoffice.gui.texts import QT_TRANSLATE_NOOP


class InvoiceColumn(IntEnum):
    INVOICE_NO = 0
    TEXT = 1
    DUE_DATE = 2
    AMOUNT = 3
    PAID = 4
    OUTSTANDING = 5
    STATUS = 6


class InvoicesModel(RowsModel):
    """Invoices of the open student, oldest due first."""

    columns: ClassVar[type[IntEnum]] = InvoiceColumn
    headers: ClassVar[dict[int, str]] = {
        InvoiceColumn.INVOICE_NO: QT_TRANSLATE_NOOP("InvoicesModel", "Faktura"),
        InvoiceColumn.TEXT: QT_TRANSLATE_NOOP("InvoicesModel", "Tekst"),
        InvoiceColumn.DUE_DATE: QT_TRANSLATE_NOOP("InvoicesModel", "Forfald"),
        InvoiceColumn.AMOUNT: QT_TRANSLATE_NOOP("InvoicesModel", "Beløb"),
        InvoiceColumn.PAID: QT_TRANSLATE_NOOP("InvoicesModel", "Betalt"),
        InvoiceColumn.OUTSTANDING: QT_TRANSLATE_NOOP("InvoicesModel", "Udestående"),
        InvoiceColumn.STATUS: QT_TRANSLATE_NOOP("InvoicesModel", "Status"),
    }
    amount_columns: ClassVar[frozenset[int]] = frozenset(
        {InvoiceColumn.AMOUNT, InvoiceColumn.PAID, InvoiceColumn.OUTSTANDING}
    )

    def __init__(self, parent: QObject | None = None, locale: str = "da_DK") -> None:
        super().__init__(parent)
        self._locale = locale
        self._today = dt.date.min

    def set_invoices(self, invoices: tuple[Invoice, ...], today: dt.date) -> bool:
        """Show ``invoices`` as they stand on the school's local ``today`` (overdue)."""
        if today != self._today:
            self._today = today
            # The status of every row depends on the day; force a rebuild.
            self.set_items([])
        return self.set_items(invoices)

    def make_row(self, item: Any) -> Row:
        inv: Invoice = item
        status = inv.status(self._today)

        def m(minor: int) -> str:
            return texts.money(minor, inv.currency, self._locale)

        return Row(
            item=inv,
            texts=(
                inv.invoice_no,
                inv.text,
                texts.local_date(inv.due_date, self.language),
                m(inv.amount_minor),
                m(inv.paid_minor),
                m(inv.outstanding_minor),
                texts.invoice_status_name(status),
            ),
            keys=(
                inv.invoice_no,
                inv.text.casefold(),
                inv.due_date.toordinal(),
                inv.amount_minor,
                inv.paid_minor,
                inv.outstanding_minor,
                status.value,
            ),
            alert=status is InvoiceStatus.OVERDUE,
            alert_column=InvoiceColumn.STATUS,
        )

    def invoice(self, row: int) -> Invoice:
        found: Invoice = self.item(row)
        return found

    def row_of(self, invoice_no: str) -> int:
        for row, inv in enumerate(self.items()):
            if inv.invoice_no == invoice_no:
                return row
        return -1
