"""Who is at the desk (issue 14): the sign-in at start, the lock and the switch of user.

Once the school is read, the desk asks whether it has staff accounts. A school without any
works as before (nobody signs in; the status bar says so). Otherwise the sign-in screen
covers the window until someone signs in; the status bar shows "Ekspedient: Name (rolle)".

Ctrl+L locks the desk (to switch user, or on leaving it), and so does a configurable time
without a key or a click (the desk's setting, 10 minutes unless set). The window stays as it
is behind the sign-in screen — the open student, what was typed, the dialog that was open —
and the next person carries on where it was.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication

from jdoffice.domain.staff import StaffMember
from jdoffice.gui import desk_settings
from jdoffice.gui.background import run_task
from jdoffice.gui.context import DeskContext
from jdoffice.services import staff as staff_service

if TYPE_CHECKING:
    from jdoffice.gui.views.desk_base import DeskBase
    from jdoffice.gui.views.staff_dialogs import SignInDialog

log = logging.getLogger(__name__)

_ACTIVITY = (
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
)


class DeskAccess(QObject):
    """The sign-in, the idle lock and Ctrl+L of one desk window.

    Signals:
        signed_in(object): a :class:`StaffMember` signed in (at start, or after a lock).
        locked(): the desk locked; the sign-in screen covers it.
        accounts_known(bool): whether the school has staff accounts (once per school read).
    """

    signed_in = Signal(object)
    locked = Signal()
    accounts_known = Signal(bool)

    def __init__(self, window: DeskBase, idle_minutes: int | None = None) -> None:
        super().__init__(window)
        self._window = window
        self._dialog: SignInDialog | None = None
        self._checking = False
        minutes = desk_settings.load().idle_lock_minutes if idle_minutes is None else idle_minutes
        # Keys and clicks are watched (for the idle lock) only while someone is signed in.
        self._watching = False
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.timeout.connect(self._idle_timeout)
        self.set_idle_ms(minutes * 60_000)

        self.actionLock = QAction(self.tr("&Lås / skift bruger"), window)
        self.actionLock.setObjectName("actionLock")
        self.actionLock.setShortcut(QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_L))
        self.actionLock.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.actionLock.triggered.connect(self.lock)
        window.addAction(self.actionLock)
        window.menuDesk.insertAction(window.actionQuit, self.actionLock)
        window.menuDesk.insertSeparator(window.actionQuit)

        window.context_ready.connect(self._context_ready)

    # --- state ---

    @property
    def sign_in_dialog(self) -> SignInDialog | None:
        """The sign-in screen while it covers the desk."""
        return self._dialog

    @property
    def is_locked(self) -> bool:
        return self._dialog is not None

    @property
    def idle_ms(self) -> int:
        return self._idle.interval() if self._idle_on else 0

    def set_idle_ms(self, ms: int) -> None:
        """Lock after ``ms`` milliseconds without a key or a click (0: never)."""
        self._idle_on = ms > 0
        self._idle.setInterval(max(ms, 1))
        if not self._idle_on:
            self._idle.stop()
            self._watch(False)
        elif self._ctx_member() is not None:
            self._idle.start()
            self._watch(True)

    def _watch(self, on: bool) -> None:
        app = QApplication.instance()
        if app is None or on == self._watching:
            return
        if on:
            app.installEventFilter(self)
        else:
            app.removeEventFilter(self)
        self._watching = on

    def _ctx(self) -> DeskContext | None:
        return self._window.ctx

    def _ctx_member(self) -> StaffMember | None:
        ctx = self._ctx()
        return ctx.staff if ctx is not None else None

    # --- the school's accounts ---

    def _context_ready(self, ctx: DeskContext) -> None:
        known = ctx.signed_in.accounts
        if known is None:
            if self._checking:
                return
            self._checking = True
            run_task(
                lambda: bool(staff_service.list_staff(ctx.read_uow(), ctx.school)),
                on_success=lambda has: self._accounts(ctx, bool(has)),
                on_failure=lambda exc: self._accounts_unread(ctx, exc),
                tag="staff-accounts",
            )
            return
        self._show(ctx)

    def _accounts(self, ctx: DeskContext, has: bool) -> None:
        self._checking = False
        if self._window.session.closed:
            return
        ctx.signed_in.accounts = has
        self.accounts_known.emit(has)
        self._show(ctx)

    def _accounts_unread(self, ctx: DeskContext, exc: BaseException) -> None:
        # The desk still works (as for a school without accounts) and says why nobody signs
        # in; the next time the school is read tries again.
        self._checking = False
        log.warning("staff accounts not read: %s", exc)
        if not self._window.session.closed:
            self._window.desk_status.show_staff(
                self.tr("Ekspedienter kunne ikke læses – ingen log-ind"), warn=True, accounts=False
            )

    def _show(self, ctx: DeskContext) -> None:
        status = self._window.desk_status
        if not ctx.signed_in.accounts:
            # Short: the status bar also names the database, the school and the desk.
            status.show_staff(
                self.tr("Uden log-ind"),
                accounts=False,
                tip=self.tr("Ingen ekspedientkonti – kassen bruges uden log-ind"),
            )
            self.actionLock.setEnabled(False)
            return
        self.actionLock.setEnabled(True)
        member = ctx.staff
        if member is None:
            status.show_staff(self.tr("Kassen er låst"), warn=True)
            self._cover(ctx, locked=False)
        else:
            from jdoffice.gui.views.staff_dialogs import staff_line

            status.show_staff(staff_line(member))

    # --- signing in and locking ---

    def lock(self) -> None:
        """Ctrl+L: lock the desk; the sign-in screen covers it until someone signs in."""
        ctx = self._ctx()
        if ctx is None or self._dialog is not None:
            return
        if not ctx.signed_in.accounts:
            self._window.statusbar.showMessage(
                self.tr("Skolen har ingen ekspedientkonti; der er ingen at skifte til."), 6000
            )
            return
        ctx.signed_in.member = None
        ctx.signed_in.approval = None
        self._idle.stop()
        self._watch(False)
        self._window.desk_status.show_staff(self.tr("Kassen er låst"), warn=True)
        self.locked.emit()
        self._cover(ctx, locked=True)

    def _cover(self, ctx: DeskContext, *, locked: bool) -> None:
        if self._dialog is not None:
            return
        # Imported with the first sign-in: a school without staff accounts never needs it.
        from jdoffice.gui.views.staff_dialogs import SignInDialog

        dialog = SignInDialog(ctx, self._window, locked=locked)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.signed_in.connect(self._signed_in)
        dialog.quit_requested.connect(self._quit)
        dialog.finished.connect(self._dialog_finished)
        self._dialog = dialog
        dialog.show()
        dialog.activateWindow()

    def _dialog_finished(self, *_result: object) -> None:
        self._dialog = None

    def _signed_in(self, member: StaffMember) -> None:
        ctx = self._ctx()
        if ctx is None:
            return
        ctx.signed_in.member = member
        ctx.signed_in.approval = None
        from jdoffice.gui.views.staff_dialogs import staff_line

        self._window.desk_status.show_staff(staff_line(member))
        if self._idle_on:
            self._idle.start()
            self._watch(True)
        self.signed_in.emit(member)

    def _quit(self) -> None:
        # The window may refuse to close (payments waiting to be sent, and "No"): then the
        # sign-in comes back, since nobody is signed in.
        QTimer.singleShot(0, self._window.close)
        QTimer.singleShot(0, self._cover_again)

    def _cover_again(self) -> None:
        ctx = self._ctx()
        if ctx is not None and not self._window.session.closed and ctx.staff is None:
            self._cover(ctx, locked=True)

    def _idle_timeout(self) -> None:
        if self._ctx_member() is not None and not self._window.session.closed:
            self.lock()

    def close(self) -> None:
        """The window is closing: no more locks, no sign-in left over."""
        self._idle.stop()
        self._watch(False)
        if self._dialog is not None:
            self._dialog.done(0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() in _ACTIVITY and self._idle.isActive():
            self._idle.start()
        return False
