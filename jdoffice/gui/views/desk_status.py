"""The desk's status bar: where the data is, the school, the desk and who is at it, the
connection and the time of the last read, and the payments waiting to be sent.

The database and the school give way to a hint while one shows (Qt hides a status bar's normal
widgets then), so a hint has the width of the window but for the desk, the connection and the
time of the last read; a hint too long even for that takes the connection's place until it
goes.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget
from sqlalchemy.engine import URL

from jdoffice.domain.model import Actor
from jdoffice.gui.context import DeskContext

STALE_STYLE = "color: #b3261e; font-weight: bold;"
# The status bar's own margin around a hint (QStatusBar paints it 6 px in, 2 px short of the
# first permanent widget).
_STATUS_MARGIN = 8


def database_label(url: URL) -> str:
    """Where the data is, without the password: the file name for SQLite."""
    if url.get_backend_name() == "sqlite":
        name = (url.database or ":memory:").replace("\\", "/").rsplit("/", 1)[-1]
        return f"SQLite {name}"
    return url.render_as_string(hide_password=True)


class DeskStatus(QObject):
    """The labels of the desk's status bar and what they say."""

    def __init__(self, window: QWidget, statusbar: QStatusBar, database: str) -> None:
        super().__init__(window)
        self._bar = statusbar
        self._db_label = QLabel(database, window)
        self._school_label = QLabel(self.tr("Skole: …"), window)
        self._desk_label = QLabel(window)
        self._actor: Actor | None = None
        self._staff_accounts = False
        # Who is signed in, and the desk's open shift (issue 14); empty until known.
        self._staff_label = QLabel(window)
        self._staff_label.setObjectName("staffStatusLabel")
        self._staff_label.setVisible(False)
        self._shift_label = QLabel(window)
        self._shift_label.setObjectName("shiftStatusLabel")
        self._shift_label.setVisible(False)
        self._fresh_label = QLabel(self.tr("Forbinder …"), window)
        self._link_label = QLabel(window)
        self._link_label.setVisible(False)
        # They never make the window wider than it is: a long school name is cut short (the
        # tooltip holds it whole) rather than pushing the window off a small screen.
        for label in (self._db_label, self._school_label):
            label.setContentsMargins(10, 0, 10, 0)
            label.setMinimumWidth(1)
            statusbar.addWidget(label)
        for label in (
            self._staff_label,
            self._shift_label,
            self._desk_label,
            self._link_label,
            self._fresh_label,
        ):
            label.setContentsMargins(10, 0, 10, 0)
            statusbar.addPermanentWidget(label)
        statusbar.messageChanged.connect(self._hint_changed)

    @property
    def freshness(self) -> str:
        """The status bar's "Opdateret HH:MM:SS" or error text."""
        return self._fresh_label.text()

    @property
    def link_text(self) -> str:
        """The status bar's connection and outbox text ("" when online with nothing waiting)."""
        return self._link_label.text() if self._link_label.isVisible() else ""

    def show_school(self, ctx: DeskContext) -> None:
        """The database, the school and who is at the desk."""
        self._db_label.setText(database_label(ctx.app.url))
        self._db_label.setToolTip(ctx.app.url.render_as_string(hide_password=True))
        self._school_label.setText(self.tr("Skole: {0}").format(ctx.school.name))
        self._school_label.setToolTip(ctx.school.name)
        self.show_actor(ctx.actor)

    def show_actor(self, actor: Actor) -> None:
        self._actor = actor
        if self._staff_accounts:
            # Who is at the desk has its own label ("Ekspedient: …").
            self._desk_label.setText(self.tr("Kasse: {0}").format(actor.desk))
        else:
            self._desk_label.setText(self.tr("Kasse: {0} · {1}").format(actor.desk, actor.staff))

    @property
    def staff_text(self) -> str:
        """ "Ekspedient: Name (rolle)", the lock, or that the school signs nobody in."""
        return self._staff_label.text()

    @property
    def shift_text(self) -> str:
        """The desk's open shift ("Skift Z3 åbent siden 08:02") or that none is open."""
        return self._shift_label.text()

    def show_staff(
        self, text: str, *, warn: bool = False, accounts: bool = True, tip: str = ""
    ) -> None:
        """Who is signed in (or the lock); ``accounts`` says whether the school signs staff
        in at all (then the desk label names the desk alone)."""
        if accounts != self._staff_accounts:
            self._staff_accounts = accounts
            if self._actor is not None:
                self.show_actor(self._actor)
        self._staff_label.setText(text)
        self._staff_label.setToolTip(tip)
        self._staff_label.setStyleSheet(STALE_STYLE if warn else "")
        self._staff_label.setVisible(bool(text))

    def show_shift(self, text: str, *, warn: bool = False) -> None:
        self._shift_label.setText(text)
        self._shift_label.setStyleSheet("color: #8a5a00;" if warn else "")
        self._shift_label.setVisible(bool(text))

    def show_link(self, offline: bool, waiting: int) -> None:
        """ "Offline — N betalinger venter", or only what waits while online."""
        n = waiting
        text = (
            self.tr("1 betaling venter") if n == 1 else self.tr("{0} betalinger venter").format(n)
        )
        if offline:
            self._link_label.setText(self.tr("Offline — {0}").format(text))
            self._link_label.setStyleSheet(STALE_STYLE)
        else:
            self._link_label.setText(text if n else "")
            self._link_label.setStyleSheet("")
        self._link_label.setVisible(bool(self._link_label.text()))

    def mark_fresh(self, ctx: DeskContext | None) -> None:
        """Read just now: the time of the school, as every time the desk shows (or the local
        copy's warning when that is what was read)."""
        if ctx is not None and ctx.is_offline:
            self.mark_offline()
            return
        zone = ZoneInfo(ctx.school.timezone) if ctx is not None else None
        now = dt.datetime.now(zone) if zone is not None else dt.datetime.now().astimezone()
        self._fresh_label.setText(self.tr("Opdateret {0}").format(f"{now:%H:%M:%S}"))
        self._fresh_label.setStyleSheet("")
        self._fresh_label.setToolTip("")

    def mark_stale(self, exc: BaseException) -> None:
        self._fresh_label.setText(self.tr("⚠ Ingen forbindelse til databasen – prøver igen"))
        self._fresh_label.setStyleSheet(STALE_STYLE)
        self._fresh_label.setToolTip(str(exc))

    def mark_offline(self) -> None:
        self._fresh_label.setText(
            self.tr("⚠ Ingen forbindelse til databasen – viser kassens lokale kopi")
        )
        self._fresh_label.setStyleSheet(STALE_STYLE)

    def mark_not_connected(self) -> None:
        """A wrong --school or an empty database: retrying will not help."""
        self._fresh_label.setText(self.tr("Ikke forbundet"))
        self._fresh_label.setStyleSheet(STALE_STYLE)

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
        bar = self._bar
        permanent = [
            w
            for w in (
                self._staff_label,
                self._shift_label,
                self._desk_label,
                self._link_label,
                fresh,
            )
            if w.isVisible()
        ]
        # The labels' own widths count too: a label whose text just changed (the connection
        # lost) may not be laid out again yet, and its old place would promise room it no
        # longer leaves.
        reckoned = bar.width() - sum(w.sizeHint().width() for w in permanent)
        placed = min((w.x() for w in permanent), default=bar.width())
        left = min(placed, reckoned) if bar.isVisible() and placed > 0 else reckoned
        room = left - 2 * _STATUS_MARGIN
        if bar.fontMetrics().horizontalAdvance(text) > room:
            fresh.setVisible(False)
