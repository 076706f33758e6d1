"""Run work off the GUI thread; results come back on the GUI thread.

The GUI thread never waits on the database or the network. :func:`run_task` runs a plain
function on the global ``QThreadPool``; its answer (the value, or the exception raised) is
delivered on the GUI thread, so callbacks may touch widgets. Each job must open its own unit
of work: sessions are not thread-safe.

Lifetimes are the point of this module. The worker thread holds no Qt object and drops its
own reference to the function before it reports back; the job's record (the function, the
callbacks, and through them the widgets they are bound to) lives in ``_running`` on the GUI
thread and is let go there, after the callbacks ran. A widget therefore never loses its last
reference on a worker thread (which would delete it there), and nothing a worker still
touches is freed under it.

Example::

    run_task(lambda: search_students(uow, school, text), on_success=self.show_hits,
             on_failure=self.show_error, tag="search")
"""

from __future__ import annotations

import itertools
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

_ids = itertools.count(1)


@dataclass
class Task:
    """One piece of background work, as the GUI thread knows it."""

    id: int
    tag: str
    fn: Callable[[], Any] | None
    on_success: Callable[[Any], None] | None
    on_failure: Callable[[BaseException], None] | None
    on_finished: Callable[[], None] | None


def _expected(exc: BaseException) -> bool:
    from jdoffice.domain.errors import JdofficeError

    return isinstance(exc, JdofficeError)


class _Dispatcher(QObject):
    """Lives on the GUI thread; workers report to it by a queued signal."""

    done = Signal(int, bool, object)

    def __init__(self) -> None:
        super().__init__()
        self.done.connect(self._deliver)

    @Slot(int, bool, object)
    def _deliver(self, task_id: int, ok: bool, payload: object) -> None:
        task = _running.pop(task_id, None)
        if task is None:
            return
        try:
            if ok:
                if task.on_success is not None:
                    task.on_success(payload)
            elif task.on_failure is not None:
                assert isinstance(payload, BaseException)
                task.on_failure(payload)
        finally:
            if task.on_finished is not None:
                task.on_finished()


_running: dict[int, Task] = {}
_dispatcher: _Dispatcher | None = None


def _the_dispatcher() -> _Dispatcher:
    global _dispatcher
    if _dispatcher is None:
        _dispatcher = _Dispatcher()
    return _dispatcher


def run_task(
    fn: Callable[[], Any],
    *,
    on_success: Callable[[Any], None] | None = None,
    on_failure: Callable[[BaseException], None] | None = None,
    on_finished: Callable[[], None] | None = None,
    tag: str = "",
    pool: QThreadPool | None = None,
) -> Task:
    """Start ``fn`` on the thread pool; callbacks run on the GUI thread.

    ``on_success`` gets the value, ``on_failure`` the exception; ``on_finished`` runs after
    either. Call from the GUI thread.
    """
    dispatcher = _the_dispatcher()
    task = Task(next(_ids), tag, fn, on_success, on_failure, on_finished)
    _running[task.id] = task
    box: list[Callable[[], Any]] = [fn]
    task_id = task.id

    def work() -> None:
        job = box.pop()
        try:
            result = job()
        except Exception as exc:  # handed to the GUI thread, which decides what to show
            if not _expected(exc):
                log.error("background task %s failed:\n%s", tag, traceback.format_exc())
            del job
            dispatcher.done.emit(task_id, False, exc)
        else:
            del job
            dispatcher.done.emit(task_id, True, result)

    (pool or QThreadPool.globalInstance()).start(work)
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
