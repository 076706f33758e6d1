"""Python's cycle collector runs on the GUI thread, between events, and nowhere else.

Left to itself, Python collects reference cycles whenever enough objects were allocated, on
whichever thread allocated them: a worker reading the database, or the GUI thread in the
middle of Qt taking a window apart (its event filters still being called). A cycle holding a
Qt object freed there deletes the widget on the wrong thread or under Qt's feet, and the desk
crashes at random. So the automatic collector is switched off and a timer on the GUI thread
does the same work, generation by generation and with Python's own thresholds, from the top
of the event loop, where nothing is half-done.

What the desk loads as it starts (the modules, the window, the database mapping) lives as long
as the desk: :func:`settle` puts it out of the collector's reach, so no collection walks those
few hundred thousand objects again (a full one would take 100-200 ms on the GUI thread, several
keystrokes' time).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer

INTERVAL_MS = 250


class Collector(QObject):
    """Collects cycles every ``INTERVAL_MS`` on the thread it was made on (the GUI thread)."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def check(self) -> int:
        """Collect the generations Python would have collected by now; how many objects went."""
        t0, t1, t2 = self.thresholds
        c0, c1, c2 = gc.get_count()
        if c0 <= t0:
            return 0
        if c1 < t1:
            return gc.collect(0)
        if c2 < t2:
            return gc.collect(1)
        return gc.collect(2)


def install(app: QCoreApplication) -> Collector:
    """The application's collector (made once; the application owns it)."""
    existing = app.findChild(Collector)
    if isinstance(existing, Collector):
        gc.disable()
        return existing
    return Collector(app)


def settle(*_args: object) -> None:
    """What is alive now lives as long as the desk: later collections leave it alone
    (``gc.freeze``). Called once the window is up and again once the school was read."""
    gc.freeze()


def unsettle() -> None:
    """Back to collecting everything (the desk has closed; its caller goes on)."""
    gc.unfreeze()
