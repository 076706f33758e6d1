"""Table models of the desk (``QAbstractTableModel`` + ``QSortFilterProxyModel``; the search
results in a ``QStandardItemModel``)."""

from jdoffice.gui.models.base import ITEM_ROLE, SORT_ROLE, SortProxy
from jdoffice.gui.models.flags import FlagColumn, FlagsModel
from jdoffice.gui.models.invoices import InvoiceColumn, InvoicesModel
from jdoffice.gui.models.payments import PaymentColumn, PaymentsModel
from jdoffice.gui.models.search_results import SearchColumn, SearchResultsModel

__all__ = [
    "ITEM_ROLE",
    "SORT_ROLE",
    "FlagColumn",
    "FlagsModel",
    "InvoiceColumn",
    "InvoicesModel",
    "PaymentColumn",
    "PaymentsModel",
    "SearchColumn",
    "SearchResultsModel",
    "SortProxy",
]
