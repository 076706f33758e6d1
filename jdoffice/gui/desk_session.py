"""The desk's session with the database, apart from any window: the connection, the live
refresh ticks, the sync of a shared-database desk with its local copy, and the confirmations
that are due to be sent.

A :class:`DeskSession` holds no widgets. It runs its work in the background (the GUI thread
never talks to the database) and says what happened through its signals; the window decides
what to redraw and how to show it.

Every :attr:`DeskSession.REFRESH_MS` it asks the database what changed since the last poll, by
the database's own clock, so a payment made at another desk shows within a few seconds. A desk
on a shared database sends what waits in its outbox and refreshes its local copy every
:attr:`DeskSession.SYNC_MS`, and goes on from the local copy while the shared database cannot
be reached.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QObject, QTimer, Signal

from jdoffice.domain.errors import JdofficeError, Unavailable
from jdoffice.gui import messages
from jdoffice.gui.background import run_task
from jdoffice.gui.context import DeskContext
from jdoffice.services import changes
from jdoffice.services.changes import ChangeCursor, Changes
from jdoffice.services.notifications import DispatchResult
from jdoffice.services.offline import OfflineDesk, PushOutcome, PushReport, SyncStatus
from jdoffice.services.offline_shifts import ShiftPushOutcome

log = logging.getLogger(__name__)


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


class DeskSession(QObject):
    """The desk's connection, polling, syncing and sending, without widgets.

    Signals:
        connected(object): the :class:`DeskContext` built in the background by
            :meth:`connect_with`.
        connect_failed(object): the exception that kept the context from being built.
        fresh(): a poll read the database (the screen is as fresh as now).
        stale(object): a read or poll failed and there is no local copy to go on from.
        offline(): the desk works from its local copy.
        link_changed(): the connection or the number of payments waiting changed.
        refresh_wanted(): read again everything on screen.
        changed(object): a poll found these :class:`Changes` since the last one.
        message(str, int): a hint for the status bar, and for how many milliseconds.
        dispatched(str): what the confirmations just sent did, in words.
        synced(): the outbox was sent and the local copy refreshed (a desk on a shared
            database; the desk is online when this is emitted).
    """

    connected = Signal(object)
    connect_failed = Signal(object)
    fresh = Signal()
    stale = Signal(object)
    offline = Signal()
    link_changed = Signal()
    refresh_wanted = Signal()
    changed = Signal(object)
    message = Signal(str, int)
    dispatched = Signal(str)
    synced = Signal()

    REFRESH_MS = 2000
    # How often a desk on a shared database sends what waits and refreshes its local copy.
    SYNC_MS = 60_000
    # How often the desk looks for confirmations (e-mail, SMS) that are due to be sent.
    SEND_MS = 60_000

    def __init__(self, refresh_ms: int | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ctx: DeskContext | None = None
        self._connect: Callable[[], DeskContext] | None = None
        self._connecting = False
        self._connect_error: BaseException | None = None
        self._cursor: ChangeCursor | None = None
        self._polling = False
        self._poll_failed = False
        self._sending = False
        self._syncing = False
        self._closed = False
        #: Payments taken offline that wait in this desk's outbox.
        self.pending = 0

        self._tick = QTimer(self)
        self._tick.setInterval(refresh_ms if refresh_ms is not None else self.REFRESH_MS)
        self._tick.timeout.connect(self._on_tick)
        self._send_timer = QTimer(self)
        self._send_timer.setInterval(self.SEND_MS)
        self._send_timer.timeout.connect(self.send_messages)
        self._sync_timer = QTimer(self)
        self._sync_timer.setInterval(self.SYNC_MS)
        self._sync_timer.timeout.connect(self.sync_now)

    @property
    def ctx(self) -> DeskContext | None:
        return self._ctx

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called: nothing more is started or reported."""
        return self._closed

    def start(self) -> None:
        """Start the refresh ticks and the regular look for confirmations to send."""
        self._tick.start()
        self._send_timer.start()

    def close(self) -> None:
        self._closed = True
        self._tick.stop()
        self._send_timer.stop()
        self._sync_timer.stop()

    # --- the school and the connection ---

    def connect_with(self, connect: Callable[[], DeskContext]) -> None:
        """Build the context in the background (it reads the school from the database)."""
        self._connect = connect
        self._start_connect()

    def set_context(self, ctx: DeskContext) -> None:
        if self._ctx is None or self._ctx.school.id != ctx.school.id:
            self._cursor = None
        self._ctx = ctx
        self._connect_error = None

    def start_syncing(self) -> None:
        """A desk on a shared database: sync now (the first pull of the local copy, or what
        waits from last time) and every :attr:`SYNC_MS` from now on."""
        if self._ctx is not None and self._ctx.offline is not None:
            self._sync_timer.start()
            self.sync_now()

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
            self.connected.emit(ctx)

    def _connect_failed(self, exc: BaseException) -> None:
        self._connecting = False
        self._connect_error = exc
        self.connect_failed.emit(exc)

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
            self.dispatched.emit(text)

    def _messages_failed(self, exc: BaseException) -> None:
        # The messages stay due in the outbox; the next look sends them.
        self._sending = False
        log.info("confirmations not sent now: %s", exc)

    # --- live refresh ---

    def _on_tick(self) -> None:
        """Every :attr:`REFRESH_MS`: ask the database what changed since the last poll (by its
        own clock); the window reads again only what is on screen and changed."""
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
        self.fresh.emit()
        if read_all:
            # The first poll only marks "now", and after a failed one the screen may be older
            # than the cursor: read what is shown once, the polls report what follows.
            self.refresh_wanted.emit()
            return
        self.changed.emit(found)

    def _changes_failed(self, exc: BaseException) -> None:
        self._polling = False
        self._poll_failed = True
        self.unreachable(exc)

    # --- offline: the local copy and the outbox ---

    def unreachable(self, exc: BaseException) -> None:
        """A read or poll failed: a desk with a local copy goes on from it, others say so."""
        ctx = self._ctx
        if ctx is None or ctx.offline is None or not isinstance(exc, Unavailable):
            self.stale.emit(exc)
            return
        if ctx.link.online:
            ctx.link.online = False
            log.warning("the shared database cannot be reached; working offline: %s", exc)
            self.offline.emit()
            self.link_changed.emit()
            self.refresh_wanted.emit()  # the same screen, read from the local copy
        else:
            self.offline.emit()

    def _offline_status(self, status: SyncStatus) -> None:
        self._polling = False
        self.pending = status.pending
        self.link_changed.emit()
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
            self.message.emit(
                self.tr("Kassens lokale kopi blev ikke opdateret: {0}").format(result.pull_error),
                15000,
            )
        self.pending = report.waiting
        came_back = not ctx.link.online
        ctx.link.online = True
        self.link_changed.emit()
        if report.done:
            sent = len(report.done)
            credit = report.count(PushOutcome.CREDIT)
            text = self.tr("{0} offline-betaling(er) sendt til databasen").format(sent)
            if credit:
                text += self.tr(
                    "; {0} var allerede betalt og er gemt som tilgodehavende (markeret til kontoret)"
                ).format(credit)
            self.message.emit(text, 15000)
            self.send_messages()  # their confirmations were queued with them
        if report.failed:
            self.message.emit(
                self.tr("{0} offline-betaling(er) kunne ikke sendes: {1}").format(
                    len(report.failed), report.failed[0].detail
                ),
                20000,
            )
        self._shift_news(report)
        if came_back or report.done:
            self._cursor = None  # the next poll marks "now" and reads the screen again
            self.refresh_wanted.emit()
        self.synced.emit()

    def _shift_news(self, report: PushReport) -> None:
        """What the push did with the shift changes made offline: a close renumbered (a desk
        of the same name had its Z number), or a change the database refused."""
        for change in report.shifts:
            if change.outcome == ShiftPushOutcome.RENUMBERED:
                self.message.emit(
                    self.tr(
                        "Z{0} var taget af en anden kasse med samme navn; skiftet er gemt som Z{1}"
                    ).format(change.offline_z_no, change.z_no),
                    20000,
                )
        if report.shifts_failed:
            self.message.emit(
                self.tr("{0} skifteændring(er) kunne ikke sendes: {1}").format(
                    len(report.shifts_failed), report.shifts_failed[0].detail
                ),
                20000,
            )

    def _sync_failed(self, exc: BaseException) -> None:
        self._syncing = False
        if isinstance(exc, Unavailable):
            self.unreachable(exc)
        else:
            log.warning("sync with the shared database failed: %s", exc)
            self.message.emit(self.tr("Synkronisering fejlede: {0}").format(exc), 10000)
