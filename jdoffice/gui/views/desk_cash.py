"""The Kasse menu's shift and cash-up (issue 14), and the open shift in the status bar.

Ctrl+Shift+O opens the desk's shift with the counted float, Ctrl+Shift+I and Ctrl+Shift+U pay
cash in and out with a reason, Ctrl+Shift+K closes the shift with a blind count, and
Ctrl+Shift+R shows a Z-report of this desk again (marked KOPI). The status bar says whether
the desk has a shift open: "Skift Z3 åbent siden 08:02".

The dialogs are imported when first opened, so they never slow the desk's start.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog

from jdoffice.domain.shifts import MovementKind, ZReport
from jdoffice.gui.background import run_task
from jdoffice.gui.context import DeskContext
from jdoffice.services import shifts

if TYPE_CHECKING:
    from jdoffice.gui.views.desk_access import DeskAccess
    from jdoffice.gui.views.desk_dialogs import DeskDialogs

log = logging.getLogger(__name__)

#: How often the open shift is read again (another desk's manager may have closed it).
POLL_MS = 30_000


class DeskCash(QObject):
    """The shift actions of one desk window and its status-bar line."""

    def __init__(self, window: DeskDialogs, access: DeskAccess) -> None:
        super().__init__(window)
        self._window = window
        self._status: shifts.ShiftStatus | None = None
        self._z: int | None = None
        self._known = False

        def action(name: str, text: str, key: Qt.Key) -> QAction:
            act = QAction(text, window)
            act.setObjectName(name)
            act.setShortcut(QKeySequence(Qt.Modifier.CTRL | Qt.Modifier.SHIFT | key))
            window.addAction(act)
            return act

        self.actionOpenShift = action("actionOpenShift", self.tr("Åbn &skift …"), Qt.Key.Key_O)
        self.actionPayIn = action("actionPayIn", self.tr("&Indbetaling …"), Qt.Key.Key_I)
        self.actionPayOut = action("actionPayOut", self.tr("&Udbetaling …"), Qt.Key.Key_U)
        self.actionCloseShift = action(
            "actionCloseShift", self.tr("Luk skift (&kasseopgørelse) …"), Qt.Key.Key_K
        )
        self.actionZReport = action("actionZReport", self.tr("&Z-rapport …"), Qt.Key.Key_R)
        menu = window.menuDesk
        before = window.actionDayReport
        for act in (
            self.actionOpenShift,
            self.actionPayIn,
            self.actionPayOut,
            self.actionCloseShift,
            self.actionZReport,
        ):
            menu.insertAction(before, act)
        menu.insertSeparator(before)

        self.actionOpenShift.triggered.connect(self.open_shift)
        self.actionPayIn.triggered.connect(partial(self.move, MovementKind.PAY_IN))
        self.actionPayOut.triggered.connect(partial(self.move, MovementKind.PAY_OUT))
        self.actionCloseShift.triggered.connect(self.close_shift)
        self.actionZReport.triggered.connect(self.show_z_report)

        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self.refresh)
        window.context_ready.connect(lambda _ctx: self.refresh())
        window.money_moved.connect(self.refresh)
        access.signed_in.connect(lambda _member: self.refresh())
        access.accounts_known.connect(lambda _has: self.refresh())

    # --- state ---

    @property
    def status(self) -> shifts.ShiftStatus | None:
        """The desk's open shift as last read (``None``: none open, or not read yet)."""
        return self._status

    def _ctx(self) -> DeskContext | None:
        return self._window.ctx

    def refresh(self) -> None:
        """Read the desk's open shift again (in the background) for the status bar."""
        ctx = self._ctx()
        if ctx is None or self._window.session.closed:
            return
        if not ctx.signed_in.accounts:
            self._window.desk_status.show_shift("")
            return

        def job() -> tuple[shifts.ShiftStatus | None, int]:
            status = shifts.shift_status(ctx.read_uow(), ctx.school, ctx.desk)
            return status, shifts.next_z_no(ctx.read_uow(), ctx.school, ctx.desk)

        run_task(
            job,
            on_success=self._show,
            on_failure=lambda exc: log.info("shift not read: %s", exc),
            tag="shift-status",
        )
        if not self._poll.isActive():
            self._poll.start()

    def _show(self, answer: tuple[shifts.ShiftStatus | None, int]) -> None:
        if self._window.session.closed:
            return
        ctx = self._ctx()
        status, z = answer
        self._status, self._z, self._known = status, z, True
        bar = self._window.desk_status
        if status is None or ctx is None:
            bar.show_shift(self.tr("Intet åbent skift"), warn=True)
            return
        since = status.shift.opened_at.astimezone(ZoneInfo(ctx.school.timezone))
        bar.show_shift(self.tr("Skift Z{0} åbent siden {1}").format(z, f"{since:%H:%M}"))

    # --- the actions ---

    def _ready(self) -> DeskContext | None:
        ctx = self._ctx()
        if ctx is None:
            self._window.statusbar.showMessage(self.tr("Ikke forbundet til databasen endnu."), 5000)
            return None
        if ctx.staff is None:
            from jdoffice.gui.views.shift_dialogs import no_staff_text

            self._window.statusbar.showMessage(no_staff_text(), 8000)
            return None
        return ctx

    def _open(self, dialog: QDialog) -> None:
        changed = getattr(dialog, "changed", None)
        if changed is not None:
            changed.connect(self.refresh)
        self._window._open_dialog(dialog)

    def open_shift(self) -> None:
        """Ctrl+Shift+O: open the desk's shift with the counted float."""
        ctx = self._ready()
        if ctx is not None:
            from jdoffice.gui.views.shift_dialogs import OpenShiftDialog

            self._open(OpenShiftDialog(ctx, self._window))

    def move(self, kind: MovementKind) -> None:
        """Ctrl+Shift+I / Ctrl+Shift+U: cash into or out of the drawer, with a reason."""
        ctx = self._ready()
        if ctx is not None:
            from jdoffice.gui.views.shift_dialogs import MovementDialog

            self._open(MovementDialog(ctx, kind, self._window))

    def close_shift(self) -> None:
        """Ctrl+Shift+K: close the shift with a blind count."""
        ctx = self._ready()
        if ctx is None:
            return
        from jdoffice.gui.views.shift_dialogs import CloseShiftDialog

        dialog = CloseShiftDialog(ctx, self._window)
        dialog.z_report_requested.connect(self._z_after_close)
        self._open(dialog)

    def _z_after_close(self, report: ZReport) -> None:
        # Once the close dialog is gone: the desk shows one dialog at a time.
        QTimer.singleShot(0, partial(self._show_report, report))

    def _show_report(self, report: ZReport) -> None:
        ctx = self._ctx()
        if ctx is not None:
            from jdoffice.gui.views.z_report_dialog import ZReportDialog

            self._open(ZReportDialog(ctx, self._window, report=report))

    def show_z_report(self) -> None:
        """Ctrl+Shift+R: a Z-report of this desk again, marked KOPI (the latest at first)."""
        ctx = self._ctx()
        if ctx is None:
            return
        if self._known:
            self._open_z_report(self._z)
            return
        # Asked for before the desk's shift was read (just after the start, or without staff
        # accounts): the desk's Z number is read first, so the latest report still opens.
        run_task(
            lambda: shifts.next_z_no(ctx.read_uow(), ctx.school, ctx.desk),
            on_success=self._open_z_report,
            on_failure=lambda _exc: self._open_z_report(None),
            tag="z-latest",
        )

    def _open_z_report(self, next_z: int | None) -> None:
        ctx = self._ctx()
        if ctx is None or self._window.session.closed:
            return
        latest = next_z - 1 if next_z is not None and next_z > 1 else None
        from jdoffice.gui.views.z_report_dialog import ZReportDialog

        self._open(ZReportDialog(ctx, self._window, latest_z=latest))

    def close(self) -> None:
        self._poll.stop()
