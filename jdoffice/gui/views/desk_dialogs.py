"""The dialogs the desk's main window opens, and what it does with their answers.

F5 takes a payment, F6 shows a QR code, F8 refunds the selected payment, F9 shows the day
report, F7 the flagged provider answers (Afvigelser), Ctrl+, the settings. Alt+B goes to the
payments, with the newest one selected; Enter or Ctrl+P on a payment prints its receipt again,
as a copy (marked KOPI, counted in the audit, the cash drawer stays shut). A dialog whose module
is not in this build says so in the status bar. Each dialog's module is imported when the
dialog first opens, so none of them slows the desk's start.
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
from collections.abc import Callable
from functools import partial
from typing import cast

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtWidgets import QDialog, QWidget

from jdoffice.domain.model import School
from jdoffice.domain.staff import Action, Authority
from jdoffice.gui.background import run_task
from jdoffice.gui.context import DeskContext
from jdoffice.gui.models import ITEM_ROLE
from jdoffice.gui.receipt_output import deliver_receipt
from jdoffice.gui.views.desk_search import DeskSearch
from jdoffice.services import flags
from jdoffice.services.queries import PaymentView

log = logging.getLogger(__name__)


class DeskDialogs(DeskSearch):
    """The part of the desk's main window that opens its dialogs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._dialog: QDialog | None = None
        #: The authority of the last refund or settings opened (with a manager's approval
        #: when one was asked for); the services take it once they take the signed-in member.
        self.authority: Authority | None = None

    @property
    def dialog(self) -> QDialog | None:
        """The dialog the window opened last, while it is open."""
        return self._dialog

    def _open_payment(self, invoice_no: str | None) -> None:
        """The payment dialog for ``invoice_no`` (the invoice the QR dialog was for), or for
        the target invoice when None."""
        if self._refused_for_mismatch("F5"):
            return
        ctx, view = self.ctx, self._view
        if ctx is None or view is None:
            self.statusbar.showMessage(self.tr("Åbn først en elev: søg og tryk Enter."), 5000)
            return
        if invoice_no is None:
            inv, _ = self.target_invoice()
            invoice_no = inv.invoice_no if inv else None
        from jdoffice.gui.views.payment_dialog import PaymentDialog

        dialog = PaymentDialog(ctx, view, invoice_no, self)
        dialog.paid.connect(self._payment_taken)
        self._open_dialog(dialog)

    def _take_payment_soon(self, invoice_no: str) -> None:
        # The invoice the QR dialog was for (staff may have chosen another there), never the
        # desk's own target, which may be a different invoice.
        QTimer.singleShot(0, partial(self._open_payment, invoice_no or None))

    def pay_by_qr(self) -> None:
        """F6: a QR code the student scans to pay the target invoice online."""
        if self._refused_for_mismatch("F6"):
            return
        ctx = self.ctx
        if ctx is None or self._view is None:
            self.statusbar.showMessage(self.tr("Åbn først en elev: søg og tryk Enter."), 5000)
            return
        why = self.qr_unavailable_reason()
        if why is not None:
            self.statusbar.showMessage(why, 10000)
            return
        inv, _ = self.target_invoice()
        if inv is None:
            self.statusbar.showMessage(
                self.tr("Eleven skylder ikke noget; der er intet at betale."), 5000
            )
            return
        factory = self._optional("jdoffice.gui.views.qr_dialog", "QrDialog", self.tr("QR-betaling"))
        if factory is not None:
            student = self._view.student
            self._open_dialog(
                factory(
                    ctx,
                    inv.invoice_no,
                    self,
                    student_name=student.name,
                    student_no=student.student_no,
                )
            )

    def qr_unavailable_reason(self) -> str | None:
        """Why F6 cannot be used now (None when it can)."""
        ctx = self.ctx
        if ctx is not None and ctx.is_offline:
            return self.tr(
                "QR-betaling kræver forbindelse til databasen. Tag kontant, bankoverførsel "
                "eller MobilePay – betalingen gemmes på denne kasse og sendes, når "
                "forbindelsen er tilbage."
            )
        return None

    def _show_link(self) -> None:
        """The status bar's "Offline — N betalinger venter", and QR payment on or off."""
        ctx = self.ctx
        self.desk_status.show_link(ctx is not None and ctx.is_offline, self.session.pending)
        why = self.qr_unavailable_reason()
        self.actionQr.setEnabled(why is None)
        self.qrButton.setEnabled(why is None)
        self.qrButton.setToolTip(why or "")

    def refund_selected_payment(self) -> None:
        """F8: refund the payment selected in the payments table."""
        if self._refused_for_mismatch("F8"):
            return
        ctx = self.ctx
        payment_id = self._selected_payment_id()
        if ctx is None or self._view is None or payment_id is None:
            self.statusbar.showMessage(self.tr("Vælg først betalingen (Alt+B) og tryk F8."), 6000)
            return
        factory = self._optional(
            "jdoffice.gui.views.refund_dialog", "RefundDialog", self.tr("Refusion")
        )
        if factory is None:
            return
        allowed, authority = self._gate(Action.REFUND)
        if allowed:
            self._hold_approval(ctx, authority)
            dialog = factory(ctx, payment_id, self)
            self._open_dialog(dialog)

    def reprint_selected_payment(self) -> None:
        """Enter or Ctrl+P on a payment: its receipt again, as a copy (marked KOPI, counted in
        the audit, the cash drawer stays shut), where this desk's settings send receipts."""
        if self._refused_for_mismatch("Ctrl+P"):
            return
        ctx = self.ctx
        pv = self._selected_row(self.paymentsView, self._payments_proxy)
        if ctx is None or self._view is None or pv is None:
            self.statusbar.showMessage(
                self.tr("Vælg først betalingen (Alt+B) og tryk Ctrl+P."), 6000
            )
            return
        payment = cast(PaymentView, pv).payment
        if payment.receipt_no is None:
            self.statusbar.showMessage(self.tr("Der er ingen kvittering for denne betaling."), 6000)
            return
        delivery = deliver_receipt(ctx, payment.receipt_no, self, show=self._open_dialog, copy=True)
        delivery.delivered.connect(self._receipt_delivered)

    def _select_newest_payment(self) -> None:
        """Alt+B: the payments table comes with its newest payment selected (F8 and Ctrl+P act
        on it at once), unless one is selected already."""
        table, proxy = self.paymentsView, self._payments_proxy
        if table.selectionModel().selectedRows() or proxy.rowCount() == 0:
            return
        newest = max(
            range(proxy.rowCount()),
            key=lambda row: (
                cast(PaymentView, proxy.data(proxy.index(row, 0), ITEM_ROLE)).payment.created_at
            ),
        )
        table.selectionModel().setCurrentIndex(
            proxy.index(newest, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )

    def show_day_report(self) -> None:
        """F9: today's totals."""
        ctx = self.ctx
        if ctx is None:
            self.statusbar.showMessage(self.tr("Ikke forbundet til databasen endnu."), 5000)
            return
        factory = self._optional(
            "jdoffice.gui.views.day_report_dialog", "DayReportDialog", self.tr("Dagsrapport")
        )
        if factory is not None:
            self._open_dialog(factory(ctx, self))

    def show_debtors(self) -> None:
        """Ctrl+Shift+D: who owes what, aged; Enter on a row opens that student."""
        ctx = self.ctx
        if ctx is None:
            self.statusbar.showMessage(self.tr("Ikke forbundet til databasen endnu."), 5000)
            return
        factory = self._optional(
            "jdoffice.gui.views.debtors_dialog", "DebtorsDialog", self.tr("Debitorliste")
        )
        if factory is not None:
            dialog = factory(ctx, self)
            dialog.student_requested.connect(self._open_debtor)  # type: ignore[attr-defined]
            self._open_dialog(dialog)

    def show_audit(self) -> None:
        """Ctrl+Shift+A: the audit trail (a manager's; others with a manager's approval)."""
        ctx = self.ctx
        if ctx is None:
            self.statusbar.showMessage(self.tr("Ikke forbundet til databasen endnu."), 5000)
            return
        factory = self._optional(
            "jdoffice.gui.views.audit_dialog", "AuditDialog", self.tr("Revisionsspor")
        )
        if factory is None:
            return
        allowed, authority = self._gate(Action.AUDIT)
        if allowed:
            self._open_dialog(factory(ctx, self, authority=authority))

    def show_books(self) -> None:
        """Ctrl+Shift+B: export the books of a period (a manager's; others with approval)."""
        ctx = self.ctx
        if ctx is None:
            self.statusbar.showMessage(self.tr("Ikke forbundet til databasen endnu."), 5000)
            return
        factory = self._optional(
            "jdoffice.gui.views.books_dialog", "BooksDialog", self.tr("Bogføring")
        )
        if factory is None:
            return
        allowed, authority = self._gate(Action.BOOKS)
        if allowed:
            self._open_dialog(factory(ctx, self, authority=authority))

    def show_statement(self) -> None:
        """Ctrl+Shift+T: the open student's statement (kontoudtog), to save as an A4 PDF."""
        ctx, view = self.ctx, self._view
        if ctx is None or view is None:
            self.statusbar.showMessage(self.tr("Åbn først en elev: søg og tryk Enter."), 5000)
            return
        factory = self._optional(
            "jdoffice.gui.views.statement_dialog", "StatementDialog", self.tr("Kontoudtog")
        )
        if factory is not None:
            self._open_dialog(factory(ctx, view.student.student_no, self))

    def _open_debtor(self, student_no: str) -> None:
        # Found by its number, as if typed: the search box and the panel agree.
        self.searchEdit.setText(student_no)
        self.open_student(student_no)

    def show_flags(self) -> None:
        """F7: provider answers that did not match an invoice, to resolve with a note."""
        ctx = self.ctx
        if ctx is None:
            self.statusbar.showMessage(self.tr("Ikke forbundet til databasen endnu."), 5000)
            return
        factory = self._optional(
            "jdoffice.gui.views.flags_dialog", "FlagsDialog", self.tr("Afvigelser")
        )
        if factory is not None:
            dialog = factory(ctx, self)
            dialog.flags_changed.connect(self._flags_left)  # type: ignore[attr-defined]
            self._open_dialog(dialog)

    def _flags_left(self, left: int) -> None:
        self.statusbar.showMessage(self.tr("Afvigelser tilbage: {0}").format(left), 10000)
        self._show_flag_count(left)

    def _count_flags(self) -> None:
        """The menu says how many flags wait (``Afvigelser (2) …``): read once per context."""
        ctx = self.ctx
        if ctx is None or ctx.is_offline:
            return
        run_task(
            lambda: len(flags.unresolved(ctx.uow(), ctx.school)),
            on_success=self._show_flag_count,
            on_failure=lambda exc: log.info("flags not counted: %s", exc),
            tag="flag-count",
        )

    def _show_flag_count(self, count: int) -> None:
        if self.session.closed:
            return
        if count:
            self.actionFlags.setText(self.tr("Af&vigelser ({0}) …").format(count))
        else:
            self.actionFlags.setText(self.tr("Af&vigelser …"))

    def open_settings(self) -> None:
        """Ctrl+,: the school's and this desk's settings."""
        ctx = self.ctx
        if ctx is None:
            self.statusbar.showMessage(self.tr("Ikke forbundet til databasen endnu."), 5000)
            return
        factory = self._optional(
            "jdoffice.gui.views.settings_dialog", "SettingsDialog", self.tr("Indstillinger")
        )
        if factory is None:
            return
        allowed, authority = self._gate(Action.SETTINGS)
        if allowed:
            dialog = factory(ctx, self)
            dialog.school_changed.connect(self._school_changed)  # type: ignore[attr-defined]
            self._hold_approval(ctx, authority)
            self._open_dialog(dialog)

    def _gate(self, action: Action) -> tuple[bool, Authority | None]:
        """Whether the person signed in may go on with ``action``, asking a manager's
        approval over the shoulder when their role does not allow it (the service checks
        again). A school without staff accounts signs nobody in and asks nothing."""
        ctx = self.ctx
        if ctx is None or ctx.staff is None:
            return True, None
        from jdoffice.gui.views.staff_dialogs import ask_approval, needs_approval

        if not needs_approval(ctx, action):
            return True, Authority(ctx.staff, action)
        authority = ask_approval(self, ctx, action)
        if authority is None:
            self.statusbar.showMessage(self.tr("Ikke godkendt; intet er gjort."), 6000)
            return False, None
        self.statusbar.showMessage(
            self.tr("Godkendt af {0}.").format(
                authority.approver.name if authority.approver else authority.staff.name
            ),
            8000,
        )
        return True, authority

    def _school_changed(self, school: School) -> None:
        ctx = self.ctx
        if ctx is not None:
            self.set_context(dataclasses.replace(ctx, school=school))

    def show_receipt(self, receipt_no: int) -> None:
        """Receipt ``receipt_no`` where this desk's settings send receipts."""
        ctx = self.ctx
        if ctx is not None:
            delivery = deliver_receipt(ctx, receipt_no, self, show=self._open_dialog)
            delivery.delivered.connect(self._receipt_delivered)

    def _receipt_delivered(self, message: str) -> None:
        if message:
            self.statusbar.showMessage(message, 10000)

    def _optional(self, module: str, name: str, what: str) -> Callable[..., QDialog] | None:
        """A dialog class from a module that may not be installed in this build."""
        try:
            found: Callable[..., QDialog] = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            log.info("%s is not available", module, exc_info=True)
            self.statusbar.showMessage(
                self.tr("{0} findes ikke i denne version af jdoffice.").format(what), 6000
            )
            return None
        return found

    def _open_dialog(self, dialog: QDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        changed = getattr(dialog, "changed", None)
        if changed is not None:
            # Money moved: the status bar's shift too (a shift may have been opened for it).
            changed.connect(self.money_moved)
        # A dialog that hands over its payment (``paid``: the payment dialog) is answered by
        # ``_payment_taken``, which reads the window again and sends the confirmation itself.
        if changed is not None and getattr(dialog, "paid", None) is None:
            changed.connect(self.refresh_now)
            changed.connect(self.send_messages)  # a refund's or a QR payment's confirmation
        requested = getattr(dialog, "receipt_requested", None)
        if requested is not None:
            requested.connect(self.show_receipt)
        manual = getattr(dialog, "manual_payment_requested", None)
        if manual is not None:
            # The QR dialog's "take it at the desk": F5's dialog, once the QR one has closed.
            manual.connect(self._take_payment_soon)
        dialog.finished.connect(partial(self._dialog_finished, dialog))
        self._dialog = dialog
        dialog.open()

    def _hold_approval(self, ctx: DeskContext, authority: Authority | None) -> None:
        """The dialog about to open acts with ``authority`` (a manager's approval is named on
        its rows) until it closes."""
        self.authority = authority
        ctx.signed_in.approval = authority

    def _dialog_finished(self, dialog: QDialog, *_result: object) -> None:
        if self._dialog is dialog:
            self._dialog = None
            ctx = self.ctx
            if ctx is not None:
                ctx.signed_in.approval = None
