"""The desk's table models: Qt's model contract (qtmodeltester), and what each cell shows."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor, QFont
from pytestqt.modeltest import ModelTester

from jdoffice.domain.model import UTC, Invoice, Payment, PaymentStatus, Refund, RefundStatus
from jdoffice.gui.models import (
    ITEM_ROLE,
    InvoiceColumn,
    InvoicesModel,
    PaymentColumn,
    PaymentsModel,
    SearchColumn,
    SearchResultsModel,
    SortProxy,
)
from jdoffice.services.ports import StudentHit
from jdoffice.services.queries import PaymentView

TODAY = dt.date(2025, 5, 14)
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def hits() -> list[StudentHit]:
    return [
        StudentHit(1, "S0000001", "Søren Jensen", "+45 21 34 56 78", "s@example.dk", 85025, "DKK"),
        StudentHit(2, "S0000002", "Åse Ærø", "", "", -10000, "DKK"),
        StudentHit(3, "S0000003", "Bo Ib", "+45 11 22 33 44", "", 0, "DKK"),
    ]


def invoice(no: str, amount: int, paid: int, due: dt.date, cancelled: bool = False) -> Invoice:
    return Invoice(
        id=int(no[1:]),
        school_id=1,
        student_id=1,
        invoice_no=no,
        text="Køretime 45 min",
        amount_minor=amount,
        paid_minor=paid,
        currency="DKK",
        due_date=due,
        cancelled=cancelled,
    )


def invoices() -> tuple[Invoice, ...]:
    return (
        invoice("F1", 85025, 0, TODAY - dt.timedelta(days=3)),  # overdue
        invoice("F2", 123450, 23450, TODAY + dt.timedelta(days=10)),  # partially paid
        invoice("F3", 50000, 50000, TODAY - dt.timedelta(days=30)),  # paid
        invoice("F4", 9900, 0, TODAY, cancelled=True),
    )


def payment(pid: str, amount: int, refunded: int, when: dt.datetime, receipt: int) -> Payment:
    return Payment(
        id=pid,
        school_id=1,
        student_id=1,
        method="cash",
        amount_minor=amount,
        currency="DKK",
        status=PaymentStatus.SUCCEEDED,
        refunded_minor=refunded,
        receipt_no=receipt,
        created_at=when,
    )


def payment_views() -> tuple[PaymentView, ...]:
    refund = Refund(
        id="r1",
        payment_id="p2",
        school_id=1,
        student_id=1,
        amount_minor=5000,
        currency="DKK",
        reason="fejl",
        status=RefundStatus.SUCCEEDED,
        receipt_no=9,
        created_at=dt.datetime(2025, 5, 2, 9, 0, tzinfo=UTC),
    )
    return (
        PaymentView(payment("p1", 100000, 0, dt.datetime(2025, 5, 13, 22, 30, tzinfo=UTC), 7)),
        PaymentView(
            payment("p2", 20000, 5000, dt.datetime(2025, 5, 1, 8, 0, tzinfo=UTC), 3), (refund,)
        ),
    )


def text(model: SearchResultsModel | InvoicesModel | PaymentsModel, row: int, col: int) -> str:
    value = model.data(model.index(row, col))
    assert isinstance(value, str)
    return value


def test_search_results_model_passes_qtmodeltester(qtmodeltester: ModelTester) -> None:
    model = SearchResultsModel()
    model.set_items(hits())
    qtmodeltester.check(model, force_py=True)


def test_search_results_show_number_name_phone_and_balance_right_aligned() -> None:
    model = SearchResultsModel()
    model.set_items(hits())
    assert model.rowCount() == 3
    assert model.columnCount() == len(SearchColumn)
    assert text(model, 0, SearchColumn.NAME) == "Søren Jensen"
    assert text(model, 0, SearchColumn.PHONE) == "+45 21 34 56 78"
    assert text(model, 0, SearchColumn.BALANCE) == "850,25\xa0kr."
    assert text(model, 1, SearchColumn.BALANCE) == "-100,00\xa0kr."
    alignment = model.data(model.index(0, SearchColumn.BALANCE), Qt.ItemDataRole.TextAlignmentRole)
    assert alignment == RIGHT
    assert model.hit(1).student_no == "S0000002"
    assert model.row_of("S0000003") == 2
    assert model.row_of("nobody") == -1


def test_sorting_the_results_keeps_each_row_showing_the_student_it_opens() -> None:
    model = SearchResultsModel()
    model.set_items(hits())
    model.sort(SearchColumn.NAME, Qt.SortOrder.DescendingOrder)
    for row in range(model.rowCount()):
        assert text(model, row, SearchColumn.STUDENT_NO) == model.hit(row).student_no


def test_setting_the_same_results_again_does_not_reset_the_model() -> None:
    model = SearchResultsModel()
    assert model.set_items(hits())
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    assert not model.set_items(hits())
    assert resets == []


def test_invoices_model_passes_qtmodeltester(qtmodeltester: ModelTester) -> None:
    model = InvoicesModel()
    model.set_invoices(invoices(), TODAY)
    qtmodeltester.check(model, force_py=True)


def test_invoices_proxy_passes_qtmodeltester(qtmodeltester: ModelTester) -> None:
    model = InvoicesModel()
    proxy = SortProxy(model)
    model.set_invoices(invoices(), TODAY)
    proxy.sort(InvoiceColumn.OUTSTANDING, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(proxy, force_py=True)


def test_overdue_invoice_is_red_with_bold_status() -> None:
    model = InvoicesModel()
    model.set_invoices(invoices(), TODAY)
    overdue = model.index(0, InvoiceColumn.STATUS)
    assert model.data(overdue) == "Forfalden"
    assert model.data(overdue, Qt.ItemDataRole.ForegroundRole) == QColor("#b3261e")
    font = model.data(overdue, Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont)
    assert font.bold()
    # The whole row is red, only the status is bold.
    assert model.data(model.index(0, InvoiceColumn.TEXT), Qt.ItemDataRole.ForegroundRole)
    assert model.data(model.index(0, InvoiceColumn.TEXT), Qt.ItemDataRole.FontRole) is None
    # Other rows are plain.
    for row in (1, 2, 3):
        index = model.index(row, InvoiceColumn.STATUS)
        assert model.data(index, Qt.ItemDataRole.ForegroundRole) is None
    assert [text(model, r, InvoiceColumn.STATUS) for r in range(4)] == [
        "Forfalden",
        "Delvist betalt",
        "Betalt",
        "Annulleret",
    ]


def test_invoice_cells_show_due_date_and_amounts() -> None:
    model = InvoicesModel()
    model.set_invoices(invoices(), TODAY)
    assert text(model, 1, InvoiceColumn.INVOICE_NO) == "F2"
    assert text(model, 1, InvoiceColumn.DUE_DATE) == "24.05.2025"
    assert text(model, 1, InvoiceColumn.AMOUNT) == "1.234,50\xa0kr."
    assert text(model, 1, InvoiceColumn.PAID) == "234,50\xa0kr."
    assert text(model, 1, InvoiceColumn.OUTSTANDING) == "1.000,00\xa0kr."
    assert text(model, 3, InvoiceColumn.OUTSTANDING) == "0,00\xa0kr."


def test_a_new_day_turns_an_open_invoice_overdue() -> None:
    model = InvoicesModel()
    due_today = (invoice("F9", 1000, 0, TODAY),)
    model.set_invoices(due_today, TODAY)
    assert text(model, 0, InvoiceColumn.STATUS) == "Åben"
    model.set_invoices(due_today, TODAY + dt.timedelta(days=1))
    assert text(model, 0, InvoiceColumn.STATUS) == "Forfalden"


def test_invoices_sort_by_amount_as_numbers_not_text() -> None:
    model = InvoicesModel()
    proxy = SortProxy(model)
    model.set_invoices(invoices(), TODAY)
    proxy.sort(InvoiceColumn.AMOUNT, Qt.SortOrder.AscendingOrder)
    ordered = [proxy.data(proxy.index(r, 0), ITEM_ROLE).invoice_no for r in range(4)]
    # As text "1.234,50" < "500,00" < "850,25" < "99,00"; as amounts F4 < F3 < F1 < F2.
    assert ordered == ["F4", "F3", "F1", "F2"]
    proxy.sort(InvoiceColumn.DUE_DATE, Qt.SortOrder.DescendingOrder)
    assert proxy.item(0).invoice_no == "F2"


def test_payments_model_passes_qtmodeltester(qtmodeltester: ModelTester) -> None:
    model = PaymentsModel()
    model.set_items(payment_views())
    qtmodeltester.check(model, force_py=True)


def test_payments_show_local_date_method_refunds_receipt_and_status() -> None:
    model = PaymentsModel(timezone="Europe/Copenhagen")
    model.set_items(payment_views())
    # 22:30 UTC on 13 May is 00:30 on 14 May in Copenhagen (summer time).
    assert text(model, 0, PaymentColumn.DATE) == "14.05.2025 00:30"
    assert text(model, 0, PaymentColumn.METHOD) == "Kontant"
    assert text(model, 0, PaymentColumn.AMOUNT) == "1.000,00\xa0kr."
    assert text(model, 0, PaymentColumn.REFUNDED) == ""
    assert text(model, 0, PaymentColumn.RECEIPT_NO) == "7"
    assert text(model, 0, PaymentColumn.STATUS) == "Gennemført"
    assert text(model, 1, PaymentColumn.REFUNDED) == "50,00\xa0kr."
    assert text(model, 1, PaymentColumn.STATUS) == "Delvist refunderet"
    assert model.payment(1).refunds[0].id == "r1"
    assert model.row_of("p2") == 1
    alignment = model.data(model.index(0, PaymentColumn.AMOUNT), Qt.ItemDataRole.TextAlignmentRole)
    assert alignment == RIGHT


def test_empty_models_and_invalid_indexes_answer_nothing() -> None:
    for model in (SearchResultsModel(), InvoicesModel(), PaymentsModel()):
        assert model.rowCount() == 0
        assert model.data(QModelIndex()) is None
        assert model.headerData(0, Qt.Orientation.Vertical) is None
        assert model.headerData(0, Qt.Orientation.Horizontal) is not None
