"""Run work off the GUI thread; results come back on the GUI thread by signal.

The GUI thread never waits on the database or the network. A :class:`Task` runs a plain
function on the global ``QThreadPool``; its ``succeeded``/``failed`` signals are delivered
to receivers on the GUI thread (queued connections), so callbacks may touch widgets. Each job
must open its own unit of work: sessions are not thread-safe.

Example::

    run_task(lambda: search_students(uow, school, text), on_success=self.show_hits,
             on_failure=self.show_error, tag="search")
"""

from __future__ import annotations

import itertools
import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)

_ids = itertools.count(1)


class _Signals(QObject):
    succeeded = Signal(object)
    failed = Signal(object)
    finished = Signal()


class Task(QRunnable):
    """One piece of background work.

    Signals (on ``task.signals``):
        succeeded(object): the function's return value.
        failed(object): the exception it raised.
        finished(): after either.
    """

    def __init__(self, fn: Callable[[], Any], tag: str = "") -> None:
        super().__init__()
        self.fn = fn
        self.tag = tag
        self.id = next(_ids)
        self.signals = _Signals()
        self.setAutoDelete(False)

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # handed to the GUI thread, which decides what to show
            if not _expected(exc):
                log.error("background task %s failed:\n%s", self.tag, traceback.format_exc())
            self.signals.failed.emit(exc)
        else:
            self.signals.succeeded.emit(result)
        finally:
            self.signals.finished.emit()


def _expected(exc: BaseException) -> bool:
    from jdoffice.domain.errors import JdofficeError

    return isinstance(exc, JdofficeError)


_running: dict[int, Task] = {}


def run_task(
    fn: Callable[[], Any],
    *,
    on_success: Callable[[Any], None] | None = None,
    on_failure: Callable[[BaseException], None] | None = None,
    on_finished: Callable[[], None] | None = None,
    tag: str = "",
    pool: QThreadPool | None = None,
) -> Task:
    """Start ``fn`` on the thread pool; callbacks run on the GUI thread."""
    task = Task(fn, tag)
    if on_success is not None:
        task.signals.succeeded.connect(on_success)
    if on_failure is not None:
        task.signals.failed.connect(on_failure)
    if on_finished is not None:
        task.signals.finished.connect(on_finished)
    # Keep a reference until it is done: the pool does not own tasks that are not auto-deleted.
    _running[task.id] = task
    task.signals.finished.connect(lambda: _running.pop(task.id, None))
    (pool or QThreadPool.globalInstance()).start(task)
    return task


class Latest(QObject):
    """Runs tasks of one kind so that only the newest one's result is delivered.

    Typing in the search box starts a search per keystroke; a slow early search must never
    overwrite the results of a later one.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._generation = 0

    def run(
        self,
        fn: Callable[[], Any],
        on_success: Callable[[Any], None],
        on_failure: Callable[[BaseException], None] | None = None,
        tag: str = "",
    ) -> Task:
        self._generation += 1
        mine = self._generation

        def ok(result: Any) -> None:
            if mine == self._generation:
                on_success(result)

        def bad(exc: BaseException) -> None:
            if mine == self._generation and on_failure is not None:
                on_failure(exc)

        return run_task(fn, on_success=ok, on_failure=bad, tag=tag)

    def cancel(self) -> None:
        """Forget every running task's result."""
        self._generation += 1
