"""The open student in the desk's main window: the header (name, contact, balance, warnings),
the invoices and payments, the invoice F5/F6 act on, and the panel dimmed while the search box
no longer shows the text that opened the student.

Once the search text changes after a student was opened, the student panel is dimmed as no
longer matching and F5, F6 and F8 only say why in the status bar, until Enter opens a student.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QGraphicsOpacityEffect, QLabel, QTableView, QWidget

from jdoffice.domain.errors import NotFound
from jdoffice.domain.model import Invoice
from jdoffice.gui import texts
from jdoffice.gui.background import Latest
from jdoffice.gui.models import SortProxy
from jdoffice.gui.views.desk_base import DeskBase
from jdoffice.gui.views.payment_preview import open_invoices
from jdoffice.gui.widgets import scaled_font
from jdoffice.services import queries
from jdoffice.services.queries import PaymentView, StudentView

_BALANCE_STYLES = {
    texts.BalanceKind.OWES: "color: #b3261e;",
    texts.BalanceKind.CREDIT: "color: #1b5e20;",
    texts.BalanceKind.SETTLED: "color: #555555;",
}
_WARNING_STYLE = (
    "color: #7a1b12; background: #fdecea; border: 1px solid #b3261e; padding: 4px; "
    "font-weight: bold;"
)
# The note over a student panel that no longer matches the search box.
_MISMATCH_STYLE = (
    "color: #4a3800; background: #fff4ce; border: 1px solid #b08800; padding: 6px; "
    "font-weight: bold;"
)
# How much of a no-longer-matching student panel shows through.
_DIMMED_OPACITY = 0.35


class DeskStudent(DeskBase):
    """The student panel of the desk's main window."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._focus_on_load = False
        self._loading_student = False
        # The search text that opened the student, and whether the box still shows it.
        self._opened_text = ""
        self._mismatch = False
        # The status bar's last word on why F5/F6/F8 did nothing (cleared once it no longer
        # holds, so it never stands beside a dialog that did open).
        self._refusal = ""
        self._student_latest = Latest(self)

        self.nameLabel.setFont(scaled_font(self.nameLabel.font(), 1.7, bold=True))
        self.balanceLabel.setFont(scaled_font(self.balanceLabel.font(), 1.9, bold=True))
        # Shown while the database has inconsistencies touching the open student (issue 10);
        # built here, like the status bar's labels, as it is hidden nearly always.
        self.integrityLabel = QLabel(self.studentPage)
        self.integrityLabel.setObjectName("integrityLabel")
        self.integrityLabel.setWordWrap(True)
        self.integrityLabel.setStyleSheet(_WARNING_STYLE)
        self.integrityLabel.setVisible(False)
        self.studentLayout.insertWidget(
            self.studentLayout.indexOf(self.headerRow) + 1, self.integrityLabel
        )
        # Shown over a dimmed student panel once the search no longer matches it.
        self.mismatchLabel = QLabel(self.studentPage)
        self.mismatchLabel.setObjectName("mismatchLabel")
        self.mismatchLabel.setWordWrap(True)
        self.mismatchLabel.setStyleSheet(_MISMATCH_STYLE)
        self.mismatchLabel.setVisible(False)
        self.studentLayout.insertWidget(0, self.mismatchLabel)

    # --- the open student and the search box ---

    @property
    def matches_search(self) -> bool:
        """False while the search box no longer shows the text that opened the student (the
        panel is dimmed and F5, F6 and F8 do nothing)."""
        return not self._mismatch

    def _set_mismatch(self, on: bool) -> None:
        self._mismatch = on
        if not on:
            self._clear_refusal()
        self._show_match()

    def _show_match(self) -> None:
        """Dim the student panel, with a note on what to do, while it no longer matches."""
        dim = self._mismatch and self._view is not None
        # Tables are greyed out as disabled (an opacity effect would darken their background);
        # the rest fades. The buttons stay clickable, to say why they do nothing.
        for table in (self.invoicesView, self.paymentsView):
            table.setEnabled(not dim)
        for widget in (
            self.nameLabel,
            self.detailsLabel,
            self.balanceLabel,
            self.integrityLabel,
            self.invoicesLabel,
            self.paymentsLabel,
            self.targetLabel,
            self.payButton,
            self.qrButton,
            self.refundButton,
        ):
            if dim and widget.graphicsEffect() is None:
                effect = QGraphicsOpacityEffect(widget)
                effect.setOpacity(_DIMMED_OPACITY)
                widget.setGraphicsEffect(effect)
            elif not dim and widget.graphicsEffect() is not None:
                widget.setGraphicsEffect(None)  # type: ignore[arg-type]  # Qt takes nullptr
        if dim and self._view is not None:
            self.mismatchLabel.setText(
                self.tr(
                    "Søgningen passer ikke længere til {0}. Tryk Enter for at åbne den valgte "
                    "elev, eller Esc for at gå tilbage til {0}."
                ).format(self._view.student.name)
            )
        self.mismatchLabel.setVisible(dim)

    def _refused_for_mismatch(self, key: str) -> bool:
        """Say in the status bar why ``key`` does nothing while the panel no longer matches."""
        if not self._mismatch:
            return False
        # Short enough for the status bar; the note over the panel says what to do.
        self._refusal = self.tr("{0} gør intet: søgningen passer ikke til den åbne elev").format(
            key
        )
        self.statusbar.showMessage(self._refusal, 10000)
        return True

    def _clear_refusal(self) -> None:
        """A refusal said while the panel did not match is wrong once it matches again."""
        if self._refusal and self.statusbar.currentMessage() == self._refusal:
            self.statusbar.clearMessage()
        self._refusal = ""

    # --- the open student ---

    def open_student(self, student_no: str) -> None:
        """Show ``student_no``; the keyboard moves on to the invoices once it is there."""
        self._student_no = student_no
        self._view = None
        self._focus_on_load = True
        # The panel matches the search again; it is un-dimmed when the student is shown.
        self._opened_text = self.searchEdit.text().strip()
        self._mismatch = False
        self._clear_refusal()
        self._load_student()

    def _load_student(self) -> None:
        ctx, no = self.ctx, self._student_no
        if ctx is None or no is None:
            return
        self._loading_student = True
        self._student_latest.run(
            lambda: queries.student_view(ctx.read_uow(), ctx.school, no),
            on_success=self._show_student,
            on_failure=self._student_failed,
            tag="student",
        )

    def _show_student(self, view: StudentView) -> None:
        self._loading_student = False
        if view.student.student_no != self._student_no:
            return
        if view != self._view:
            invoice_no = self._selected_invoice_no()
            payment_id = self._selected_payment_id()
            self._view = view
            self._invoices.set_invoices(view.invoices, view.today)
            self._payments.set_items(view.payments)
            self._select(self.invoicesView, self._invoices_proxy, self._invoices.row_of, invoice_no)
            self._select(self.paymentsView, self._payments_proxy, self._payments.row_of, payment_id)
            self.columns.fit_columns(self.invoicesView)
            self.columns.fit_columns(self.paymentsView)
            self._show_header(view)
            self.studentStack.setCurrentWidget(self.studentPage)
            self._update_target()
            self.student_shown.emit(view)
        self._show_match()
        self._mark_fresh()
        self.refreshed.emit()
        if self._focus_on_load:
            self._focus_on_load = False
            self.invoicesView.setFocus(Qt.FocusReason.OtherFocusReason)

    def _student_failed(self, exc: BaseException) -> None:
        self._loading_student = False
        if isinstance(exc, NotFound):
            self._student_no = None
            self._view = None
            self._set_mismatch(False)
            self.studentStack.setCurrentWidget(self.emptyPage)
            self.statusbar.showMessage(
                self.tr("Eleven findes ikke (længere): {0}").format(exc), 8000
            )
            return
        self.session.unreachable(exc)

    def _show_header(self, view: StudentView) -> None:
        s = view.student
        self.nameLabel.setText(s.name)
        # A narrow panel wraps the line between its parts, never inside one.
        contact = "  ·  ".join(
            x.replace(" ", "\u00a0")
            for x in (self.tr("Elevnr. {0}").format(s.student_no), s.phone, s.email)
            if x
        )
        self.detailsLabel.setText(contact)
        balance = texts.balance_text(view.balance_minor, view.currency, self._locale())
        self.balanceLabel.setText(balance.text)
        self.balanceLabel.setStyleSheet(_BALANCE_STYLES[balance.kind])
        warning = texts.integrity_warning(view.problems)
        self.integrityLabel.setText(warning)
        self.integrityLabel.setVisible(bool(warning))

    def _select(
        self,
        table: QTableView,
        proxy: SortProxy,
        row_of: Callable[[str], int],
        key: str | None,
    ) -> None:
        if key is None:
            return
        row = row_of(key)
        if row < 0:
            return
        proxy_index = proxy.mapFromSource(proxy.sourceModel().index(row, 0))
        table.selectionModel().setCurrentIndex(
            proxy_index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )

    def _selected_row(self, table: QTableView, proxy: SortProxy) -> Any:
        rows = table.selectionModel().selectedRows()
        return proxy.item(rows[0].row()) if rows else None

    def _selected_invoice_no(self) -> str | None:
        inv = self._selected_row(self.invoicesView, self._invoices_proxy)
        return cast(Invoice, inv).invoice_no if inv is not None else None

    def _selected_payment_id(self) -> str | None:
        pv = self._selected_row(self.paymentsView, self._payments_proxy)
        return cast(PaymentView, pv).payment.id if pv is not None else None

    def target_invoice(self) -> tuple[Invoice | None, bool]:
        """The invoice F5/F6 act on and whether it was chosen: the selected invoice when it
        has something to pay, otherwise the oldest open one (None when nothing is owed)."""
        if self._view is None:
            return None, False
        selected = self._selected_row(self.invoicesView, self._invoices_proxy)
        if selected is not None and cast(Invoice, selected).outstanding_minor > 0:
            return cast(Invoice, selected), True
        candidates = open_invoices(self._view)
        return (candidates[0] if candidates else None), False

    def _update_target(self) -> None:
        if self._view is None:
            self.targetLabel.setText("")
            return
        inv, chosen = self.target_invoice()
        if inv is None:
            self.targetLabel.setText(self.tr("Intet udestående – F5 tager imod en forudbetaling."))
            return
        owed = texts.money(inv.outstanding_minor, inv.currency, self._locale())
        why = self.tr("valgt") if chosen else self.tr("ældste åbne")
        self.targetLabel.setText(
            self.tr("F5/F6 gælder faktura {0} · {1} ({2})").format(inv.invoice_no, owed, why)
        )
