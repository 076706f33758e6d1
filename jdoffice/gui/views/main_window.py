"""The desk: find a student, see what is owed, take the money.

Keyboard first, like a till. The search box has focus at start and results follow the typing
(off the GUI thread; a slow early search never overwrites a later one). Up/Down move in the
results, Enter opens the student. F5 takes a payment, F6 shows a QR code, F8 refunds the
selected payment, F9 shows the day report, F7 the flagged provider answers (Afvigelser), and
Ctrl+F or F2 comes back to the search box.
Ctrl+L locks the desk to switch user (a school with staff accounts starts at the sign-in, and
the desk locks itself after the idle time: ``desk_access``); Ctrl+Shift+O/I/U/K/R open the
shift, pay cash in or out, close it with a blind count and show a Z-report (``desk_cash``).
Alt+B goes to the payments, with the newest one selected; Enter or Ctrl+P on a payment prints
its receipt again, as a copy (marked KOPI, counted in the audit, the cash drawer stays shut).

The window keeps the size it was given whatever student is open (no label asks for more width
than the window has), and it opens where this desk's receptionist left it, with the same split.

Every two seconds the open student and the result list are read again in the background, so
a payment made at another desk shows within a few seconds; a failed read shows in the status
bar and the next tick tries again. The GUI thread never talks to the database.

This module puts the window together and takes the payment's result (F5). Its parts, each
with one job: the session with the database (``jdoffice/gui/desk_session.py``), the status bar
(``desk_status``), the columns and the remembered place (``desk_layout``), the open student
(``desk_student``), the search (``desk_search``) and the dialogs it opens (``desk_dialogs``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeyEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import QMessageBox, QWidget

from jdoffice.domain.errors import Unavailable
from jdoffice.domain.model import Actor, ReceiptBody
from jdoffice.gui import texts
from jdoffice.gui.context import DeskContext
from jdoffice.gui.desk_session import DeskSession
from jdoffice.gui.receipt_output import deliver_body, deliver_receipt
from jdoffice.gui.views.desk_access import DeskAccess
from jdoffice.gui.views.desk_cash import DeskCash
from jdoffice.gui.views.desk_dialogs import DeskDialogs
from jdoffice.gui.views.desk_layout import DeskLayout
from jdoffice.gui.views.desk_status import DeskStatus, database_label
from jdoffice.services.offline import QueuedPayment

if TYPE_CHECKING:
    from jdoffice.gui.views.payment_dialog import PaymentOutcome

__all__ = ["MainWindow", "database_label"]

log = logging.getLogger(__name__)


class MainWindow(DeskDialogs):
    """The desk's main window.

    Build it with a :class:`DeskContext`, or without one and call :meth:`connect_with` so the
    window shows at once while the school is read in the background. Its signals are those of
    :class:`~jdoffice.gui.views.desk_base.DeskBase`.
    """

    REFRESH_MS = DeskSession.REFRESH_MS
    SYNC_MS = DeskSession.SYNC_MS
    SEND_MS = DeskSession.SEND_MS

    def __init__(
        self,
        ctx: DeskContext | None = None,
        *,
        database: str = "",
        actor: Actor | None = None,
        refresh_ms: int | None = None,
        idle_minutes: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = DeskSession(refresh_ms, self)
        self.columns = DeskLayout(
            self,
            self.splitter,
            self.resultsView,
            self.invoicesView,
            self.paymentsView,
            self._results,
            self._payments,
        )
        self.columns.set_up(self._locale())
        self.emptyLabel.setStyleSheet("color: #555555;")
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)

        self.desk_status = DeskStatus(self, self.statusbar, database)
        if actor is not None:
            self.desk_status.show_actor(actor)

        # Who is at the desk: the sign-in, Ctrl+L and the idle lock (issue 14); the shift and
        # the cash-up in the Kasse menu.
        self.access = DeskAccess(self, idle_minutes)
        self.cash = DeskCash(self, self.access)

        session = self.session
        session.connected.connect(self.set_context)
        session.connect_failed.connect(self._connect_failed)
        session.fresh.connect(self._mark_fresh)
        session.stale.connect(self._mark_stale)
        session.offline.connect(self.desk_status.mark_offline)
        session.link_changed.connect(self._show_link)
        session.refresh_wanted.connect(self.refresh_now)
        session.changed.connect(self._changes_found)
        session.message.connect(self.statusbar.showMessage)
        session.dispatched.connect(self._messages_dispatched)
        session.synced.connect(self.synced)

        self.actionSearch.setShortcuts(
            [QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_F), QKeySequence(Qt.Key.Key_F2)]
        )
        self.actionSearch.triggered.connect(self.focus_search)
        self.actionTakePayment.triggered.connect(self.take_payment)
        self.actionQr.triggered.connect(self.pay_by_qr)
        self.actionRefund.triggered.connect(self.refund_selected_payment)
        self.actionReprint.triggered.connect(self.reprint_selected_payment)
        self.actionDayReport.triggered.connect(self.show_day_report)
        # The books in the Kasse menu (issue 15), before the day report.
        self.actionDebtors = self._desk_action(
            "actionDebtors", self.tr("&Debitorliste …"), Qt.Key.Key_D, self.show_debtors
        )
        self.actionAudit = self._desk_action(
            "actionAudit", self.tr("&Revisionsspor …"), Qt.Key.Key_A, self.show_audit
        )
        self.actionStatement = self._desk_action(
            "actionStatement", self.tr("&Kontoudtog …"), Qt.Key.Key_T, self.show_statement
        )
        self.actionBooks = self._desk_action(
            "actionBooks", self.tr("&Bogføring …"), Qt.Key.Key_B, self.show_books
        )
        # The student's menu (right-click or the menu key on the open student): what can be
        # done for them, the statement among it.
        self.studentPage.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.studentPage.addActions(
            [self.actionTakePayment, self.actionQr, self.actionRefund, self.actionReprint]
        )
        self.studentPage.addAction(self.actionStatement)
        self.actionFlags.triggered.connect(self.show_flags)
        self.actionSettings.triggered.connect(self.open_settings)
        self.actionQuit.triggered.connect(self.close)
        self.payButton.clicked.connect(self.actionTakePayment.trigger)
        self.qrButton.clicked.connect(self.actionQr.trigger)
        self.refundButton.clicked.connect(self.actionRefund.trigger)
        self.reportButton.clicked.connect(self.actionDayReport.trigger)

        self.searchEdit.textChanged.connect(self._search_edited)
        self.searchEdit.installEventFilter(self)
        self.paymentsView.installEventFilter(self)
        self.resultsView.activated.connect(self._result_activated)
        self.resultsView.selectionModel().currentRowChanged.connect(self._result_row_changed)
        self.invoicesView.selectionModel().selectionChanged.connect(self._update_target)

        self.searchEdit.setFocus(Qt.FocusReason.OtherFocusReason)
        session.start()
        if ctx is not None:
            self.set_context(ctx)

    # --- the school and the connection ---

    def _desk_action(self, name: str, text: str, key: Qt.Key, slot: Callable[[], None]) -> QAction:
        """A Kasse-menu action on Ctrl+Shift+``key``, placed before the day report."""
        act = QAction(text, self)
        act.setObjectName(name)
        act.setShortcut(QKeySequence(Qt.Modifier.CTRL | Qt.Modifier.SHIFT | key))
        self.addAction(act)
        self.menuDesk.insertAction(self.actionDayReport, act)
        act.triggered.connect(slot)
        return act

    def connect_with(self, connect: Callable[[], DeskContext]) -> None:
        """Build the context in the background (it reads the school from the database)."""
        self.session.connect_with(connect)

    def set_context(self, ctx: DeskContext) -> None:
        self.session.set_context(ctx)
        self.desk_status.show_school(ctx)
        self._payments.set_timezone(ctx.school.timezone)
        for model in (self._results, self._invoices, self._payments):
            model.set_locale(ctx.locale)
        self.columns.measure_results(ctx.locale)
        self.columns.fit_results()
        if ctx.is_offline:
            self.desk_status.mark_offline()
        else:
            self._mark_fresh()
        self._show_link()
        self._count_flags()
        self.context_ready.emit(ctx)
        if self.searchEdit.text().strip():
            self.search_now()
        self.session.start_syncing()

    def _connect_failed(self, exc: BaseException) -> None:
        if isinstance(exc, Unavailable):
            self._mark_stale(exc)
        else:
            # A wrong --school or an empty database: retrying will not help; say what to do.
            self.desk_status.mark_not_connected()
        self.emptyLabel.setText(self.tr("Kan ikke åbne skolen:\n{0}").format(exc))

    @property
    def freshness(self) -> str:
        """The status bar's "Opdateret HH:MM:SS" or error text."""
        return self.desk_status.freshness

    @property
    def link_text(self) -> str:
        """The status bar's connection and outbox text ("" when online with nothing waiting)."""
        return self.desk_status.link_text

    # --- F5 and what it took ---

    def take_payment(self) -> None:
        """F5: the payment dialog for the open student and the target invoice."""
        self._open_payment(None)

    def _payment_taken(self, outcome: PaymentOutcome) -> None:
        if isinstance(outcome.result, QueuedPayment):
            self._payment_queued(outcome.result, outcome.receipt)
            self.payment_taken.emit(outcome)
            return
        r = outcome.result
        loc = self._locale()
        message = self.tr("Betaling registreret: {0} {1}").format(
            texts.money(r.amount_minor, r.currency, loc),
            texts.method_name(r.method, self._language()).lower(),
        ) + (self.tr(", kvittering nr. {0}").format(r.receipt_no) if r.receipt_no else "")
        self.statusbar.showMessage(message, 10000)
        self.refresh_now()
        self.send_messages()
        self.payment_taken.emit(outcome)
        headline = ""
        if r.change_minor is not None:
            headline = self.tr("Byttepenge: {0}").format(
                texts.money(r.change_minor, r.currency, loc)
            )
        ctx = self.ctx
        if ctx is None or r.receipt_no is None:
            return
        # The receipt goes where this desk's settings say (preview, printer, PDF, thermal).
        if outcome.receipt is not None:
            delivery = deliver_body(
                ctx, outcome.receipt, self, headline=headline, show=self._open_dialog
            )
        else:
            delivery = deliver_receipt(
                ctx, r.receipt_no, self, headline=headline, show=self._open_dialog
            )
        delivery.delivered.connect(self._receipt_delivered)

    def _payment_queued(self, q: QueuedPayment, receipt: ReceiptBody | None) -> None:
        loc = self._locale()
        self.session.pending = q.waiting
        self._show_link()
        self.statusbar.showMessage(
            self.tr(
                "Betaling gemt på kassen (offline): {0} {1}, kvittering {2}; "
                "den sendes til databasen, når forbindelsen er tilbage"
            ).format(
                texts.money(q.amount_minor, q.currency, loc),
                texts.method_name(q.method, self._language()).lower(),
                q.offline_receipt_no,
            ),
            15000,
        )
        self.refresh_now()
        ctx = self.ctx
        if ctx is None or receipt is None:
            return
        headline = ""
        if q.change_minor is not None:
            headline = self.tr("Byttepenge: {0}").format(
                texts.money(q.change_minor, q.currency, loc)
            )
        delivery = deliver_body(ctx, receipt, self, headline=headline, show=self._open_dialog)
        delivery.delivered.connect(self._receipt_delivered)

    def _messages_dispatched(self, text: str) -> None:
        """What the confirmations just sent did, after the hint already shown."""
        shown = self.statusbar.currentMessage()
        self.statusbar.showMessage(f"{shown} · {text}" if shown else text, 10000)

    def confirm_close_with_waiting(self) -> bool:
        """Ask before closing with payments taken offline that have not been sent yet."""
        n = self.session.pending
        what = self.tr("1 betaling") if n == 1 else self.tr("{0} betalinger").format(n)
        answer = QMessageBox.question(
            self,
            self.tr("Betalinger venter"),
            self.tr(
                "{0} taget offline er ikke sendt til databasen endnu. De er gemt sikkert på "
                "denne computer og sendes, næste gang kassen har forbindelse.\n\nLuk alligevel?"
            ).format(what),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    # --- Qt overrides ---

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.searchEdit and event.type() == QEvent.Type.KeyPress:
            if self._search_key(cast(QKeyEvent, event)):
                return True
        elif watched is self.paymentsView and event.type() == QEvent.Type.FocusIn:
            self._select_newest_payment()
        elif watched is self.paymentsView and event.type() == QEvent.Type.KeyPress:
            pressed = cast(QKeyEvent, event)
            enter = pressed.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            if enter and pressed.modifiers() in (
                Qt.KeyboardModifier.NoModifier,
                Qt.KeyboardModifier.KeypadModifier,
            ):
                self.reprint_selected_payment()
                return True
        return super().eventFilter(watched, event)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.columns.shown()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        closed = self.session.closed
        if not closed and self.session.pending and not self.confirm_close_with_waiting():
            event.ignore()
            return
        if not closed:
            self.columns.remember()
        self.session.close()
        self.access.close()
        self.cash.close()
        # Results still on their way are dropped: the widgets they were for are going.
        self._search_latest.cancel()
        self._student_latest.cancel()
        # The widgets stop reporting to a window that is going: Qt may still send their last
        # events (focus, hide) while it takes them apart.
        self.searchEdit.removeEventFilter(self)
        self.paymentsView.removeEventFilter(self)
        self.columns.detach()
        super().closeEvent(event)
