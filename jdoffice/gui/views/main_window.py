"""The desk: find a student, see what is owed, take the money.

Keyboard first, like a till. The search box has focus at start and results follow the typing
(off the GUI thread; a slow early search never overwrites a later one). Up/Down move in the
results, Enter opens the student. F5 takes a payment, F6 shows a QR code, F8 refunds the
selected payment, F9 shows the day report, F7 the flagged provider answers (Afvigelser), and
Ctrl+F or F2 comes back to the search box.
Alt+B goes to the payments, with the newest one selected; Enter or Ctrl+P on a payment prints
its receipt again, as a copy (marked KOPI, counted in the audit, the cash drawer stays shut).

The results keep the names readable: the name column gets the room it needs for the longest
name shown and the phone column gives way (elided) when the window is narrow. The window keeps
the size it was given whatever student is open (no label asks for more width than the window
has), and it opens where this desk's receptionist left it, with the same split.

Enter opens the student the receptionist sees highlighted: new results put the highlight on
their first row, unless it was moved (arrow keys, mouse) since the last keystroke. Once the
search text changes after a student was opened, the student panel is dimmed as no longer
matching and F5, F6 and F8 only say why in the status bar, until Enter opens a student; Esc
in the search box goes back to the open student (and the text that found it).

Every two seconds the open student and the result list are read again in the background, so
a payment made at another desk shows within a few seconds; a failed read shows in the status
bar and the next tick tries again. The GUI thread never talks to the database.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import logging
import time
from collections.abc import Callable
from functools import partial
from typing import Any, cast
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QItemSelectionModel,
    QObject,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QCloseEvent, QKeyEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QGraphicsOpacityEffect,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStyle,
    QTableView,
    QWidget,
)
from sqlalchemy.engine import URL

from jdoffice.domain.errors import JdofficeError, NotFound, Unavailable
from jdoffice.domain.model import Actor, Invoice, ReceiptBody, School
from jdoffice.gui import desk_settings, messages, texts
from jdoffice.gui.background import Latest, run_task
from jdoffice.gui.context import DeskContext
from jdoffice.gui.forms.ui_main_window import Ui_MainWindow
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
from jdoffice.gui.receipt_output import deliver_body, deliver_receipt
from jdoffice.gui.views.payment_dialog import PaymentDialog, PaymentOutcome, open_invoices
from jdoffice.gui.widgets import scaled_font
from jdoffice.services import changes, flags, queries
from jdoffice.services.changes import ChangeCursor, Changes
from jdoffice.services.notifications import DispatchResult
from jdoffice.services.offline import (
    OfflineDesk,
    PushOutcome,
    PushReport,
    QueuedPayment,
    SyncStatus,
)
from jdoffice.services.ports import StudentHit
from jdoffice.services.queries import PaymentView, StudentView

log = logging.getLogger(__name__)

_BALANCE_STYLES = {
    texts.BalanceKind.OWES: "color: #b3261e;",
    texts.BalanceKind.CREDIT: "color: #1b5e20;",
    texts.BalanceKind.SETTLED: "color: #555555;",
}
_STALE_STYLE = "color: #b3261e; font-weight: bold;"
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

# Room around a cell's text (the item delegate's margins and the grid line).
_CELL_PAD = 14
# A long name (30 letters) the results show whole at the window's first split.
_LONG_NAME = "Mikkel Østergaard Christiansen"
# The status bar's own margin around a hint (QStatusBar paints it 6 px in, 2 px short of the
# first permanent widget).
_STATUS_MARGIN = 8
# The narrowest room for an invoice's text ("Køretime 4…") or a payment's status.
_MIN_TEXT = 90
# The narrowest phone column worth showing ("+45 12…").
_MIN_PHONE = 56

_MOVES = {
    Qt.Key.Key_Up: -1,
    Qt.Key.Key_Down: 1,
    Qt.Key.Key_PageUp: -10,
    Qt.Key.Key_PageDown: 10,
}


def database_label(url: URL) -> str:
    """Where the data is, without the password: the file name for SQLite."""
    if url.get_backend_name() == "sqlite":
        name = (url.database or ":memory:").replace("\\", "/").rsplit("/", 1)[-1]
        return f"SQLite {name}"
    return url.render_as_string(hide_password=True)


@dataclasses.dataclass(frozen=True, slots=True)
class _Synced:
    report: PushReport
    # Why the local copy was not refreshed ("" when it was).
    pull_error: str = ""


def _sync_job(desk: OfflineDesk) -> _Synced:
    """Send what waits, then refresh the local copy (a background job).

    Reaching the database and sending decide whether the desk is online; a local copy that
    cannot be refreshed (say, a local disk problem) is reported, but does not keep a desk that
    can reach its database offline.
    """
    report = desk.push()
    if report.stopped:
        raise Unavailable(report.stopped)
    try:
        desk.pull()
    except Unavailable:
        raise
    except JdofficeError as exc:
        return _Synced(report, str(exc))
    return _Synced(report)


class MainWindow(QMainWindow, Ui_MainWindow):
    """The desk's main window.

    Build it with a :class:`DeskContext`, or without one and call :meth:`connect_with` so the
    window shows at once while the school is read in the background.

    Signals:
        context_ready(object): the :class:`DeskContext`, once the school is known.
        search_started(str): a search for this text went to the database.
        results_shown(str): the results for this search text are on screen.
        student_shown(object): a :class:`StudentView` is on screen (first shown or changed).
        refreshed(): a live refresh of the open student finished, changed or not.
        payment_taken(object): a :class:`PaymentOutcome` from the payment dialog.
        synced(): the outbox was sent and the local copy refreshed (a desk on a shared
            database; the desk is online when this is emitted).
    """

    context_ready = Signal(object)
    search_started = Signal(str)
    results_shown = Signal(str)
    student_shown = Signal(object)
    refreshed = Signal()
    payment_taken = Signal(object)
    synced = Signal()

    REFRESH_MS = 2000
    # How often a desk on a shared database sends what waits and refreshes its local copy.
    SYNC_MS = 60_000
    # How often the desk looks for confirmations (e-mail, SMS) that are due to be sent.
    SEND_MS = 60_000
    # A search running longer than this no longer holds back a newer one (a slow database).
    SEARCH_PATIENCE_MS = 250
    SEARCH_LIMIT = 50

    def __init__(
        self,
        ctx: DeskContext | None = None,
        *,
        database: str = "",
        actor: Actor | None = None,
        refresh_ms: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setupUi(self)  # type: ignore[no-untyped-call]  # generated by pyside6-uic
        self._ctx: DeskContext | None = None
        self._connect: Callable[[], DeskContext] | None = None
        self._connecting = False
        self._connect_error: BaseException | None = None
        self._view: StudentView | None = None
        self._student_no: str | None = None
        self._focus_on_load = False
        self._loading_student = False
        self._searching = False
        self._search_again = False
        self._search_since = 0.0
        self._cursor: ChangeCursor | None = None
        self._polling = False
        self._poll_failed = False
        self._sending = False
        self._syncing = False
        self._pending = 0
        self._open_on_results = False
        self._closed = False
        self._dialog: QDialog | None = None
        # The highlight in the results: after a keystroke it goes to the first row of the
        # results that come, unless the receptionist moves it first (arrow keys, mouse).
        self._follow_first = False
        self._highlighting = False
        self._keep_no: str | None = None
        # The search text that opened the student, and whether the box still shows it.
        self._opened_text = ""
        self._mismatch = False
        # The status bar's last word on why F5/F6/F8 did nothing (cleared once it no longer
        # holds, so it never stands beside a dialog that did open).
        self._refusal = ""
        self._restoring = False

        self._search_latest = Latest(self)
        self._student_latest = Latest(self)

        self._results = SearchResultsModel(self)
        self.resultsView.setModel(self._results)
        self._invoices = InvoicesModel(self)
        self._invoices_proxy = SortProxy(self._invoices, self)
        self.invoicesView.setModel(self._invoices_proxy)
        self._payments = PaymentsModel(self)
        self._payments_proxy = SortProxy(self._payments, self)
        self.paymentsView.setModel(self._payments_proxy)
        # Unsorted until the receptionist clicks a header: the models' own order (oldest due
        # invoice first, newest payment first) is the useful one.
        for view in (self.invoicesView, self.paymentsView):
            view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self._set_up_columns()

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
        self.searchEdit.setFont(scaled_font(self.searchEdit.font(), 1.25))
        self.emptyLabel.setStyleSheet("color: #555555;")
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self._sized = False
        # Where this desk left the window; the split is restored once it is shown.
        self._remembered = desk_settings.load_window_state()
        if self._remembered.geometry:
            self.restoreGeometry(QByteArray(self._remembered.geometry))

        self._db_label = QLabel(database, self)
        self._school_label = QLabel(self.tr("Skole: …"), self)
        self._desk_label = QLabel(self)
        self._fresh_label = QLabel(self.tr("Forbinder …"), self)
        self._link_label = QLabel(self)
        self._link_label.setVisible(False)
        # The database and the school give way to a hint while one shows (Qt hides a status
        # bar's normal widgets then), so a hint has the width of the window but for the desk,
        # the connection and the time of the last read.
        # They never make the window wider than it is: a long school name is cut short (the
        # tooltip holds it whole) rather than pushing the window off a small screen.
        for label in (self._db_label, self._school_label):
            label.setContentsMargins(10, 0, 10, 0)
            label.setMinimumWidth(1)
            self.statusbar.addWidget(label)
        for label in (self._desk_label, self._link_label, self._fresh_label):
            label.setContentsMargins(10, 0, 10, 0)
            self.statusbar.addPermanentWidget(label)
        self.statusbar.messageChanged.connect(self._hint_changed)
        if actor is not None:
            self._show_actor(actor)

        self._tick = QTimer(self)
        self._tick.setInterval(refresh_ms if refresh_ms is not None else self.REFRESH_MS)
        self._tick.timeout.connect(self._on_tick)
        self._send_timer = QTimer(self)
        self._send_timer.setInterval(self.SEND_MS)
        self._send_timer.timeout.connect(self.send_messages)
        self._sync_timer = QTimer(self)
        self._sync_timer.setInterval(self.SYNC_MS)
        self._sync_timer.timeout.connect(self.sync_now)

        self.actionSearch.setShortcuts(
            [QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_F), QKeySequence(Qt.Key.Key_F2)]
        )
        self.actionSearch.triggered.connect(self.focus_search)
        self.actionTakePayment.triggered.connect(self.take_payment)
        self.actionQr.triggered.connect(self.pay_by_qr)
        self.actionRefund.triggered.connect(self.refund_selected_payment)
        self.actionReprint.triggered.connect(self.reprint_selected_payment)
        self.actionDayReport.triggered.connect(self.show_day_report)
        self.actionFlags.triggered.connect(self.show_flags)
        self.actionSettings.triggered.connect(self.open_settings)
        self.actionQuit.triggered.connect(self.close)
        self.payButton.clicked.connect(self.actionTakePayment.trigger)
        self.qrButton.clicked.connect(self.actionQr.trigger)
        self.refundButton.clicked.connect(self.actionRefund.trigger)
        self.reportButton.clicked.connect(self.actionDayReport.trigger)

        self.searchEdit.textChanged.connect(self._search_edited)
        self.searchEdit.installEventFilter(self)
        self.resultsView.viewport().installEventFilter(self)
        self.paymentsView.installEventFilter(self)
        self.resultsView.activated.connect(self._result_activated)
        self.resultsView.selectionModel().currentRowChanged.connect(self._result_row_changed)
        self.invoicesView.selectionModel().selectionChanged.connect(self._update_target)

        self.searchEdit.setFocus(Qt.FocusReason.OtherFocusReason)
        self._tick.start()
        self._send_timer.start()
        if ctx is not None:
            self.set_context(ctx)

    # --- the school and the connection ---

    @property
    def ctx(self) -> DeskContext | None:
        return self._ctx

    @property
    def view(self) -> StudentView | None:
        """The open student as last read."""
        return self._view

    @property
    def results_model(self) -> SearchResultsModel:
        return self._results

    @property
    def invoices_model(self) -> InvoicesModel:
        return self._invoices

    @property
    def payments_model(self) -> PaymentsModel:
        return self._payments

    @property
    def dialog(self) -> QDialog | None:
        """The dialog the window opened last, while it is open."""
        return self._dialog

    def connect_with(self, connect: Callable[[], DeskContext]) -> None:
        """Build the context in the background (it reads the school from the database)."""
        self._connect = connect
        self._start_connect()

    def set_context(self, ctx: DeskContext) -> None:
        if self._ctx is None or self._ctx.school.id != ctx.school.id:
            self._cursor = None
        self._ctx = ctx
        self._connect_error = None
        self._db_label.setText(database_label(ctx.app.url))
        self._db_label.setToolTip(ctx.app.url.render_as_string(hide_password=True))
        self._school_label.setText(self.tr("Skole: {0}").format(ctx.school.name))
        self._school_label.setToolTip(ctx.school.name)
        self._show_actor(ctx.actor)
        self._payments.set_timezone(ctx.school.timezone)
        for model in (self._results, self._invoices, self._payments):
            model.set_locale(ctx.locale)
        self._measure_results()
        self._fit_results()
        if ctx.is_offline:
            self._mark_offline()
        else:
            self._mark_fresh()
        self._show_link()
        self._count_flags()
        self.context_ready.emit(ctx)
        if self.searchEdit.text().strip():
            self.search_now()
        if ctx.offline is not None:
            self._sync_timer.start()
            self.sync_now()  # the first pull of the local copy, or what waits from last time

    def _start_connect(self) -> None:
        if self._connect is None or self._connecting:
            return
        self._connecting = True
        run_task(
            self._connect,
            on_success=self._connected,
            on_failure=self._connect_failed,
            tag="connect",
        )

    def _connected(self, ctx: DeskContext) -> None:
        self._connecting = False
        if not self._closed:
            self.set_context(ctx)

    def _connect_failed(self, exc: BaseException) -> None:
        self._connecting = False
        self._connect_error = exc
        if isinstance(exc, Unavailable):
            self._mark_stale(exc)
        else:
            # A wrong --school or an empty database: retrying will not help; say what to do.
            self._fresh_label.setText(self.tr("Ikke forbundet"))
            self._fresh_label.setStyleSheet(_STALE_STYLE)
        self.emptyLabel.setText(self.tr("Kan ikke åbne skolen:\n{0}").format(exc))

    def _show_actor(self, actor: Actor) -> None:
        self._desk_label.setText(self.tr("Kasse: {0} · {1}").format(actor.desk, actor.staff))

    # --- search ---

    def focus_search(self) -> None:
        """Back to the search box, with its text selected so typing replaces it."""
        self.activateWindow()
        self.searchEdit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.searchEdit.selectAll()

    def search_now(self) -> None:
        """Search for what the box holds, now.

        Typing searches at once, with no wait after the keystroke; at most one search runs at
        a time. Keys typed while one runs are searched together as soon as it returns, and the
        older text's results are then dropped unseen, so the screen never goes back to an
        older text and fast typing never queues a search per key. A search that takes longer
        than :attr:`SEARCH_PATIENCE_MS` does not hold back the next one.
        """
        self._search_again = False
        ctx = self._ctx
        if ctx is None:
            return  # set_context() searches once the school is known
        text = self.searchEdit.text().strip()
        if not text:
            self._search_latest.cancel()
            self._searching = False
            self._open_on_results = False
            self._results.set_items([])
            self.searchInfoLabel.setText("")
            self.results_shown.emit("")
            return
        self._searching = True
        self._search_since = time.monotonic()
        self.search_started.emit(text)
        limit = self.SEARCH_LIMIT
        self._search_latest.run(
            lambda: queries.search_students(ctx.read_uow(), ctx.school, text, limit),
            on_success=partial(self._show_results, text),
            on_failure=partial(self._search_failed, text),
            tag="search",
        )

    def _search_edited(self) -> None:
        if not self._restoring:
            if self._student_no is not None and self._opened_text == self._search_text():
                # Typed back to the text that opened the student (a letter deleted and typed
                # again): the panel matches again, as after Esc, with that student's row kept.
                self._follow_first = False
                self._keep_no = self._student_no
                if self._mismatch:
                    self._set_mismatch(False)
            else:
                self._follow_first = True
                self._keep_no = None
                if self._student_no is not None:
                    self._set_mismatch(True)
        running_ms = (time.monotonic() - self._search_since) * 1000
        if self._searching and running_ms < self.SEARCH_PATIENCE_MS:
            self._search_again = True  # searched when the running one returns
        else:
            self.search_now()

    def _show_results(self, text: str, hits: list[StudentHit]) -> None:
        self._searching = False
        if self._search_again:
            self.search_now()  # the box changed meanwhile: these results are already old
            return
        current = self._current_hit()
        self._highlighting = True
        try:
            changed = self._results.set_items(hits)
        finally:
            self._highlighting = False
        if changed:
            self._fit_results()
        # After a keystroke the best match is highlighted, so Enter opens the first row the
        # receptionist sees; a row they moved to since (or the student Esc went back to), and
        # the highlight of a refresh of the same text, stay where they are.
        keep = self._keep_no or (current.student_no if current and not self._follow_first else None)
        row = self._results.row_of(keep) if keep else -1
        if row < 0 and hits:
            row = 0
        if row >= 0 and (changed or row != self.resultsView.currentIndex().row()):
            self._highlight(row)
        self._follow_first = False
        self._keep_no = None
        n = len(hits)
        self.searchInfoLabel.setText(
            self.tr("Ingen fundet")
            if n == 0
            else self.tr("{0}+ fundet").format(n)
            if n >= self.SEARCH_LIMIT
            else self.tr("{0} fundet").format(n)
        )
        self._mark_fresh()
        self.results_shown.emit(text)
        if self._open_on_results:
            self._open_on_results = False
            self.open_current_result()

    def _search_failed(self, text: str, exc: BaseException) -> None:
        self._searching = False
        if self._search_again:
            self.search_now()
            return
        self._open_on_results = False
        if isinstance(exc, JdofficeError) and not isinstance(exc, Unavailable):
            self.searchInfoLabel.setText("")
            self.statusbar.showMessage(self.tr("Søgning efter «{0}»: {1}").format(text, exc), 6000)
            return
        self._unreachable(exc)

    def _current_hit(self) -> StudentHit | None:
        index = self.resultsView.currentIndex()
        if not index.isValid() or index.row() >= self._results.rowCount():
            return None
        return self._results.hit(index.row())

    def open_current_result(self) -> None:
        hit = self._current_hit()
        if hit is not None:
            self.open_student(hit.student_no)

    def _result_activated(self) -> None:
        self.open_current_result()

    def _search_enter(self) -> None:
        if self._searching:
            # Typed and pressed Enter faster than the search: open the best hit when it comes.
            self._open_on_results = True
            return
        self.open_current_result()

    def _move_in_results(self, step: int) -> None:
        rows = self._results.rowCount()
        if rows == 0:
            return
        index = self.resultsView.currentIndex()
        row = index.row() if index.isValid() else -1
        self._highlight(max(0, min(rows - 1, row + step)))
        self._follow_first = False  # the receptionist's choice outlives late results
        self._keep_no = None

    def _highlight(self, row: int) -> None:
        """Highlight result ``row`` for the desk (not a choice of the receptionist's)."""
        self._highlighting = True
        try:
            self.resultsView.selectRow(row)
        finally:
            self._highlighting = False

    def _result_row_changed(self) -> None:
        if not self._highlighting:
            # A click, or the arrow keys in the results table itself.
            self._follow_first = False
            self._keep_no = None

    def _search_text(self) -> str:
        return self.searchEdit.text().strip()

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

    def _hint_changed(self, text: str) -> None:
        """A hint too long for the room beside the connection's state (a long one while the
        database cannot be reached) takes that label's place until it goes; the desk and the
        offline note stay."""
        fresh = self._fresh_label
        if not text:
            fresh.setVisible(True)
            return
        if not fresh.isVisible():
            return
        bar = self.statusbar
        permanent = [w for w in (self._desk_label, self._link_label, fresh) if w.isVisible()]
        # The labels' own widths count too: a label whose text just changed (the connection
        # lost) may not be laid out again yet, and its old place would promise room it no
        # longer leaves.
        reckoned = bar.width() - sum(w.sizeHint().width() for w in permanent)
        placed = min((w.x() for w in permanent), default=bar.width())
        left = min(placed, reckoned) if bar.isVisible() and placed > 0 else reckoned
        room = left - 2 * _STATUS_MARGIN
        if bar.fontMetrics().horizontalAdvance(text) > room:
            fresh.setVisible(False)

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

    def restore_open_student(self) -> None:
        """Esc in the search box: back to the open student and the text that found it."""
        if not self._mismatch:
            return
        self._open_on_results = False
        self._restoring = True
        try:
            self.searchEdit.setText(self._opened_text)
        finally:
            self._restoring = False
        self.searchEdit.selectAll()
        no = self._student_no
        self._follow_first = False
        self._keep_no = no
        row = self._results.row_of(no) if no is not None else -1
        if row >= 0:
            self._highlight(row)
        self._set_mismatch(False)
        if self._view is not None:
            self.statusbar.showMessage(
                self.tr("Tilbage til {0}.").format(self._view.student.name), 5000
            )

    # --- the open student ---

    def open_student(self, student_no: str) -> None:
        """Show ``student_no``; the keyboard moves on to the invoices once it is there."""
        self._student_no = student_no
        self._view = None
        self._focus_on_load = True
        # The panel matches the search again; it is un-dimmed when the student is shown.
        self._opened_text = self._search_text()
        self._mismatch = False
        self._clear_refusal()
        self._load_student()

    def _load_student(self) -> None:
        ctx, no = self._ctx, self._student_no
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
            self._fit_columns(self.invoicesView, InvoiceColumn.TEXT)
            self._fit_columns(self.paymentsView, PaymentColumn.STATUS)
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
        self._unreachable(exc)

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

    # --- actions ---

    def take_payment(self) -> None:
        """F5: the payment dialog for the open student and the target invoice."""
        self._open_payment(None)

    def _open_payment(self, invoice_no: str | None) -> None:
        """The payment dialog for ``invoice_no`` (the invoice the QR dialog was for), or for
        the target invoice when None."""
        if self._refused_for_mismatch("F5"):
            return
        ctx, view = self._ctx, self._view
        if ctx is None or view is None:
            self.statusbar.showMessage(self.tr("Åbn først en elev: søg og tryk Enter."), 5000)
            return
        if invoice_no is None:
            inv, _ = self.target_invoice()
            invoice_no = inv.invoice_no if inv else None
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
        ctx = self._ctx
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

    def refund_selected_payment(self) -> None:
        """F8: refund the payment selected in the payments table."""
        if self._refused_for_mismatch("F8"):
            return
        ctx = self._ctx
        payment_id = self._selected_payment_id()
        if ctx is None or self._view is None or payment_id is None:
            self.statusbar.showMessage(self.tr("Vælg først betalingen (Alt+B) og tryk F8."), 6000)
            return
        factory = self._optional(
            "jdoffice.gui.views.refund_dialog", "RefundDialog", self.tr("Refusion")
        )
        if factory is not None:
            self._open_dialog(factory(ctx, payment_id, self))

    def reprint_selected_payment(self) -> None:
        """Enter or Ctrl+P on a payment: its receipt again, as a copy (marked KOPI, counted in
        the audit, the cash drawer stays shut), where this desk's settings send receipts."""
        if self._refused_for_mismatch("Ctrl+P"):
            return
        ctx = self._ctx
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
        ctx = self._ctx
        if ctx is None:
            self.statusbar.showMessage(self.tr("Ikke forbundet til databasen endnu."), 5000)
            return
        factory = self._optional(
            "jdoffice.gui.views.day_report_dialog", "DayReportDialog", self.tr("Dagsrapport")
        )
        if factory is not None:
            self._open_dialog(factory(ctx, self))

    def show_flags(self) -> None:
        """F7: provider answers that did not match an invoice, to resolve with a note."""
        ctx = self._ctx
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
        ctx = self._ctx
        if ctx is None or ctx.is_offline:
            return
        run_task(
            lambda: len(flags.unresolved(ctx.uow(), ctx.school)),
            on_success=self._show_flag_count,
            on_failure=lambda exc: log.info("flags not counted: %s", exc),
            tag="flag-count",
        )

    def _show_flag_count(self, count: int) -> None:
        if self._closed:
            return
        if count:
            self.actionFlags.setText(self.tr("Af&vigelser ({0}) …").format(count))
        else:
            self.actionFlags.setText(self.tr("Af&vigelser …"))

    def open_settings(self) -> None:
        """Ctrl+,: the school's and this desk's settings."""
        ctx = self._ctx
        if ctx is None:
            self.statusbar.showMessage(self.tr("Ikke forbundet til databasen endnu."), 5000)
            return
        factory = self._optional(
            "jdoffice.gui.views.settings_dialog", "SettingsDialog", self.tr("Indstillinger")
        )
        if factory is not None:
            dialog = factory(ctx, self)
            dialog.school_changed.connect(self._school_changed)  # type: ignore[attr-defined]
            self._open_dialog(dialog)

    def _school_changed(self, school: School) -> None:
        if self._ctx is not None:
            self.set_context(dataclasses.replace(self._ctx, school=school))

    def show_receipt(self, receipt_no: int) -> None:
        """Receipt ``receipt_no`` where this desk's settings send receipts."""
        if self._ctx is not None:
            delivery = deliver_receipt(self._ctx, receipt_no, self, show=self._open_dialog)
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
        if changed is not None and not isinstance(dialog, PaymentDialog):
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

    def _dialog_finished(self, dialog: QDialog, *_result: object) -> None:
        if self._dialog is dialog:
            self._dialog = None

    def _payment_taken(self, outcome: PaymentOutcome) -> None:
        if isinstance(outcome.result, QueuedPayment):
            self._payment_queued(outcome.result, outcome.receipt)
            self.payment_taken.emit(outcome)
            return
        r = outcome.result
        loc = self._locale()
        message = self.tr("Betaling registreret: {0} {1}").format(
            texts.money(r.amount_minor, r.currency, loc), texts.method_name(r.method).lower()
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
        ctx = self._ctx
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
        self._pending = q.waiting
        self._show_link()
        self.statusbar.showMessage(
            self.tr(
                "Betaling gemt på kassen (offline): {0} {1}, kvittering {2}; "
                "den sendes til databasen, når forbindelsen er tilbage"
            ).format(
                texts.money(q.amount_minor, q.currency, loc),
                texts.method_name(q.method).lower(),
                q.offline_receipt_no,
            ),
            15000,
        )
        self.refresh_now()
        ctx = self._ctx
        if ctx is None or receipt is None:
            return
        headline = ""
        if q.change_minor is not None:
            headline = self.tr("Byttepenge: {0}").format(
                texts.money(q.change_minor, q.currency, loc)
            )
        delivery = deliver_body(ctx, receipt, self, headline=headline, show=self._open_dialog)
        delivery.delivered.connect(self._receipt_delivered)

    # --- confirmations by e-mail and SMS ---

    def send_messages(self) -> None:
        """Send the confirmations that are due (in the background); say what went out."""
        ctx = self._ctx
        if ctx is None or self._sending or self._closed:
            return
        self._sending = True
        run_task(
            lambda: messages.send_due(ctx),
            on_success=self._messages_sent,
            on_failure=self._messages_failed,
            tag="send",
        )

    def _messages_sent(self, result: DispatchResult) -> None:
        self._sending = False
        text = messages.dispatch_text(result)
        if text and not self._closed:
            shown = self.statusbar.currentMessage()
            self.statusbar.showMessage(f"{shown} · {text}" if shown else text, 10000)

    def _messages_failed(self, exc: BaseException) -> None:
        # The messages stay due in the outbox; the next look sends them.
        self._sending = False
        log.info("confirmations not sent now: %s", exc)

    # --- live refresh ---

    def refresh_now(self) -> None:
        """Read the open student and the results again (after money moved)."""
        self._load_student()
        if self.searchEdit.text().strip():
            if self._searching:
                self._search_again = True
            else:
                self.search_now()

    def _on_tick(self) -> None:
        """Every :attr:`REFRESH_MS`: ask the database what changed since the last poll (by its
        own clock) and read again only what is on screen and changed."""
        if self._closed:
            return
        ctx = self._ctx
        if ctx is None:
            if isinstance(self._connect_error, Unavailable):
                self._start_connect()
            return
        if self._polling:
            return  # a slow database: the running poll reports everything since its cursor
        self._polling = True
        desk = ctx.offline
        if desk is not None and not ctx.link.online:
            run_task(
                desk.status,
                on_success=self._offline_status,
                on_failure=self._offline_status_failed,
                tag="offline-status",
            )
            return
        cursor = self._cursor
        run_task(
            lambda: changes.changes_since(ctx.uow(), ctx.school, cursor),
            on_success=partial(self._changes_polled, ctx.school.id),
            on_failure=self._changes_failed,
            tag="changes",
        )

    def _changes_polled(self, school_id: int, found: Changes) -> None:
        self._polling = False
        ctx = self._ctx
        if self._closed or ctx is None or ctx.school.id != school_id:
            return
        read_all = self._cursor is None or self._poll_failed
        self._cursor = found.cursor
        self._poll_failed = False
        self._mark_fresh()
        if read_all:
            # The first poll only marks "now", and after a failed one the screen may be older
            # than the cursor: read what is shown once, the polls report what follows.
            self.refresh_now()
            return
        view = self._view
        if view is not None and view.student.id in found.students:
            # Even while a read runs: it may have started before this change committed (the
            # newest read's answer is the one shown).
            self._load_student()
        shown = {h.student_id for h in self._results.items()}
        if self.searchEdit.text().strip() and (found.profiles or shown & found.students):
            if self._searching:
                self._search_again = True
            else:
                self.search_now()

    def _changes_failed(self, exc: BaseException) -> None:
        self._polling = False
        self._poll_failed = True
        self._unreachable(exc)

    # --- offline: the local copy and the outbox ---

    def _unreachable(self, exc: BaseException) -> None:
        """A read or poll failed: a desk with a local copy goes on from it, others say so."""
        ctx = self._ctx
        if ctx is None or ctx.offline is None or not isinstance(exc, Unavailable):
            self._mark_stale(exc)
            return
        if ctx.link.online:
            ctx.link.online = False
            log.warning("the shared database cannot be reached; working offline: %s", exc)
            self._mark_offline()
            self._show_link()
            self.refresh_now()  # the same screen, read from the local copy
        else:
            self._mark_offline()

    def _offline_status(self, status: SyncStatus) -> None:
        self._polling = False
        self._pending = status.pending
        self._show_link()
        if status.online:
            self.sync_now()  # back: send what waits, then read everything again

    def _offline_status_failed(self, exc: BaseException) -> None:
        self._polling = False
        log.warning("offline status not read: %s", exc)

    def sync_now(self) -> None:
        """Send the payments waiting in this desk's outbox and refresh its local copy (in the
        background); a desk that was offline is online again when this succeeds."""
        ctx = self._ctx
        if ctx is None or ctx.offline is None or self._syncing or self._closed:
            return
        self._syncing = True
        desk = ctx.offline
        run_task(
            lambda: _sync_job(desk),
            on_success=self._synced,
            on_failure=self._sync_failed,
            tag="sync",
        )

    def _synced(self, result: _Synced) -> None:
        self._syncing = False
        ctx = self._ctx
        if ctx is None or self._closed:
            return
        report = result.report
        if result.pull_error:
            log.warning("the local copy was not refreshed: %s", result.pull_error)
            self.statusbar.showMessage(
                self.tr("Kassens lokale kopi blev ikke opdateret: {0}").format(result.pull_error),
                15000,
            )
        self._pending = report.waiting
        came_back = not ctx.link.online
        ctx.link.online = True
        self._show_link()
        if report.done:
            sent = len(report.done)
            credit = report.count(PushOutcome.CREDIT)
            text = self.tr("{0} offline-betaling(er) sendt til databasen").format(sent)
            if credit:
                text += self.tr(
                    "; {0} var allerede betalt og er gemt som tilgodehavende (markeret til kontoret)"
                ).format(credit)
            self.statusbar.showMessage(text, 15000)
            self.send_messages()  # their confirmations were queued with them
        if report.failed:
            self.statusbar.showMessage(
                self.tr("{0} offline-betaling(er) kunne ikke sendes: {1}").format(
                    len(report.failed), report.failed[0].detail
                ),
                20000,
            )
        if came_back or report.done:
            self._cursor = None  # the next poll marks "now" and reads the screen again
            self.refresh_now()
        self.synced.emit()

    def _sync_failed(self, exc: BaseException) -> None:
        self._syncing = False
        if isinstance(exc, Unavailable):
            self._unreachable(exc)
        else:
            log.warning("sync with the shared database failed: %s", exc)
            self.statusbar.showMessage(self.tr("Synkronisering fejlede: {0}").format(exc), 10000)

    def _show_link(self) -> None:
        """The status bar's "Offline — N betalinger venter", and QR payment on or off."""
        ctx = self._ctx
        offline = ctx is not None and ctx.is_offline
        n = self._pending
        waiting = (
            self.tr("1 betaling venter") if n == 1 else self.tr("{0} betalinger venter").format(n)
        )
        if offline:
            self._link_label.setText(self.tr("Offline — {0}").format(waiting))
            self._link_label.setStyleSheet(_STALE_STYLE)
        else:
            self._link_label.setText(waiting if n else "")
            self._link_label.setStyleSheet("")
        self._link_label.setVisible(bool(self._link_label.text()))
        why = self.qr_unavailable_reason()
        self.actionQr.setEnabled(why is None)
        self.qrButton.setEnabled(why is None)
        self.qrButton.setToolTip(why or "")

    def qr_unavailable_reason(self) -> str | None:
        """Why F6 cannot be used now (None when it can)."""
        ctx = self._ctx
        if ctx is not None and ctx.is_offline:
            return self.tr(
                "QR-betaling kræver forbindelse til databasen. Tag kontant, bankoverførsel "
                "eller MobilePay – betalingen gemmes på denne kasse og sendes, når "
                "forbindelsen er tilbage."
            )
        return None

    def _mark_offline(self) -> None:
        self._fresh_label.setText(
            self.tr("⚠ Ingen forbindelse til databasen – viser kassens lokale kopi")
        )
        self._fresh_label.setStyleSheet(_STALE_STYLE)

    @property
    def link_text(self) -> str:
        """The status bar's connection and outbox text ("" when online with nothing waiting)."""
        return self._link_label.text() if self._link_label.isVisible() else ""

    def _mark_fresh(self) -> None:
        if self._closed:
            return
        if self._ctx is not None and self._ctx.is_offline:
            self._mark_offline()  # read, but from the local copy
            return
        # The time of the school, as every time the desk shows.
        zone = ZoneInfo(self._ctx.school.timezone) if self._ctx is not None else None
        now = dt.datetime.now(zone) if zone is not None else dt.datetime.now().astimezone()
        self._fresh_label.setText(self.tr("Opdateret {0}").format(f"{now:%H:%M:%S}"))
        self._fresh_label.setStyleSheet("")
        self._fresh_label.setToolTip("")

    def _mark_stale(self, exc: BaseException) -> None:
        if self._closed:
            return
        self._fresh_label.setText(self.tr("⚠ Ingen forbindelse til databasen – prøver igen"))
        self._fresh_label.setStyleSheet(_STALE_STYLE)
        self._fresh_label.setToolTip(str(exc))

    @property
    def freshness(self) -> str:
        """The status bar's "Opdateret HH:MM:SS" or error text."""
        return self._fresh_label.text()

    def _locale(self) -> str:
        return self._ctx.locale if self._ctx else "da_DK"

    def _set_up_columns(self) -> None:
        def fit(table: QTableView, stretch: int) -> None:
            header = table.horizontalHeader()
            header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
            header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
            table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
            self._fit_columns(table, stretch)
            table.viewport().installEventFilter(self)

        # The results change at every keystroke: sizing their columns to the contents would
        # measure every cell each time. The student number and the balance get the width of
        # the widest text they can hold; the name the width of the longest name shown, and
        # the phone what is left (elided when the window is narrow: the name comes first).
        results = self.resultsView
        results.verticalHeader().setDefaultSectionSize(results.fontMetrics().height() + 10)
        results.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = results.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setStretchLastSection(False)
        self._measure_results()
        self._fit_results()

        fit(self.invoicesView, InvoiceColumn.TEXT)
        fit(self.paymentsView, PaymentColumn.STATUS)

    def _measure_results(self) -> None:
        """The widths of the results' columns whose text has a widest form (in the desk's
        language: money reads differently in English)."""
        results = self.resultsView
        header = results.horizontalHeader()
        widest = {
            SearchColumn.STUDENT_NO: "S00000000",
            SearchColumn.NAME: "",
            SearchColumn.PHONE: "+45 00 00 00 00",
            SearchColumn.BALANCE: texts.money(-9_999_999, "DKK", self._locale()),
        }
        self._result_widths: dict[int, int] = {}
        for column, sample in widest.items():
            title = str(self._results.headerData(column, Qt.Orientation.Horizontal) or "")
            self._result_widths[column] = (
                max(
                    header.fontMetrics().horizontalAdvance(title),
                    results.fontMetrics().horizontalAdvance(sample),
                )
                + _CELL_PAD
            )
        for column in (SearchColumn.STUDENT_NO, SearchColumn.BALANCE):
            header.resizeSection(column, self._result_widths[column])

    def _fit_columns(self, table: QTableView, stretch: int) -> None:
        """Each column as wide as its widest cell or its title, the ``stretch`` one takes the
        rest. Unlike Qt's ResizeToContents this keeps no room for a sort arrow beside every
        title (Fusion draws the arrow above the title), which a student panel at 1024 pixels
        cannot spare."""
        header = table.horizontalHeader()
        model = table.model()
        style = header.style()
        margin = style.pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
        metrics = header.fontMetrics()
        widths: dict[int, int] = {}
        for column in range(model.columnCount()):
            if column == stretch:
                continue
            title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
            width = max(
                metrics.horizontalAdvance(title) + 2 * margin + 4,
                table.sizeHintForColumn(column),
            )
            if not header.isSectionHidden(column) and header.sectionSize(column) != width:
                header.resizeSection(column, width)
            widths[column] = width
        # On a narrow panel one column gives way, so the stretching one (the invoice's text,
        # the payment's status) keeps room to be read: what is paid of an invoice (the amount
        # less what is owed), and the refunded column while no payment shown has a refund.
        if table is self.invoicesView:
            give_way: int = InvoiceColumn.PAID
        elif any(pv.payment.refunded_minor for pv in self._payments.items()):
            give_way = -1
        else:
            give_way = PaymentColumn.REFUNDED
        narrow = table.viewport().width() - sum(widths.values()) < _MIN_TEXT
        for column in widths:
            hide = narrow and column == give_way
            if header.isSectionHidden(column) != hide:
                header.setSectionHidden(column, hide)
                if not hide:
                    header.resizeSection(column, widths[column])

    def results_name_width(self) -> int:
        """The width the results' name column needs for the longest name it shows."""
        metrics = self.resultsView.fontMetrics()
        longest = max((metrics.horizontalAdvance(h.name) for h in self._results.items()), default=0)
        return max(longest + _CELL_PAD, self._result_widths[SearchColumn.NAME])

    def _fit_results(self) -> None:
        """Share the results' width: the name whole, the phone gets what is left (up to its
        own width); extra room goes to the name."""
        header = self.resultsView.horizontalHeader()
        widths = self._result_widths
        room = (
            self.resultsView.viewport().width()
            - widths[SearchColumn.STUDENT_NO]
            - widths[SearchColumn.BALANCE]
        )
        name = self.results_name_width()
        phone = max(0, min(widths[SearchColumn.PHONE], room - name))
        # A phone column too narrow for a few digits would only show "…": it goes instead.
        hide_phone = phone < _MIN_PHONE
        if hide_phone:
            phone = 0
        name = max(name, room - phone)
        if header.isSectionHidden(SearchColumn.PHONE) != hide_phone:
            header.setSectionHidden(SearchColumn.PHONE, hide_phone)
        if header.sectionSize(SearchColumn.NAME) != name:
            header.resizeSection(SearchColumn.NAME, name)
        if not hide_phone and header.sectionSize(SearchColumn.PHONE) != phone:
            header.resizeSection(SearchColumn.PHONE, phone)

    def _first_split(self) -> list[int]:
        """Results wide enough for a long name; at least two fifths, at most half."""
        widths = self._result_widths
        metrics = self.resultsView.fontMetrics()
        frame = self.resultsView.width() - self.resultsView.viewport().width()
        scrollbar = self.resultsView.verticalScrollBar().sizeHint().width()
        wanted = (
            sum(widths[c] for c in (SearchColumn.STUDENT_NO, SearchColumn.BALANCE))
            + metrics.horizontalAdvance(_LONG_NAME)
            + _CELL_PAD
            + frame
            + scrollbar
        )
        width = self.splitter.width()
        results = min(max(width * 2 // 5, wanted), width // 2)
        return [results, width - results]

    def confirm_close_with_waiting(self) -> bool:
        """Ask before closing with payments taken offline that have not been sent yet."""
        n = self._pending
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
            key = cast(QKeyEvent, event).key()
            if key in _MOVES:
                self._move_in_results(_MOVES[Qt.Key(key)])
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._search_enter()
                return True
            if key == Qt.Key.Key_Escape and self._mismatch:
                self.restore_open_student()
                return True
        if event.type() == QEvent.Type.Resize and watched is self.resultsView.viewport():
            self._fit_results()
        elif event.type() == QEvent.Type.Resize and watched is self.invoicesView.viewport():
            self._fit_columns(self.invoicesView, InvoiceColumn.TEXT)
        elif event.type() == QEvent.Type.Resize and watched is self.paymentsView.viewport():
            self._fit_columns(self.paymentsView, PaymentColumn.STATUS)
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
        if not self._sized:
            # Where this desk left the split; else the results wide enough for names.
            self._sized = True
            split = self._remembered.splitter
            if not split or not self.splitter.restoreState(QByteArray(split)):
                self.splitter.setSizes(self._first_split())

    def _remember_window(self) -> None:
        state = desk_settings.WindowState(
            geometry=bytes(self.saveGeometry().data()),
            splitter=bytes(self.splitter.saveState().data()),
        )
        try:
            desk_settings.save_window_state(state)
        except OSError as exc:
            log.warning("the window's place is not remembered: %s", exc)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if not self._closed and self._pending and not self.confirm_close_with_waiting():
            event.ignore()
            return
        if not self._closed:
            self._remember_window()
        self._closed = True
        self._tick.stop()
        self._send_timer.stop()
        self._sync_timer.stop()
        # Results still on their way are dropped: the widgets they were for are going.
        self._search_latest.cancel()
        self._student_latest.cancel()
        super().closeEvent(event)
