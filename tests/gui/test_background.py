"""Background work: answers reach the GUI thread, and nothing of the GUI dies on a worker.

A widget that loses its last reference on a worker thread is deleted there, and a job record
freed while its worker still runs is used after free: both crash the desk at random, usually
when a window closes while a count or a search is still on its way.
"""

from __future__ import annotations

import functools
import gc
import threading
import time
import weakref

from PySide6.QtCore import QObject, QThreadPool
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from jdoffice.domain.errors import BusinessRuleError
from jdoffice.gui import background, collector
from jdoffice.gui.background import Latest, run_task


def slowly(value: str, seconds: float = 0.05) -> str:
    time.sleep(seconds)
    return value


def settle() -> None:
    assert QThreadPool.globalInstance().waitForDone(10_000)
    QApplication.processEvents()


def test_the_answer_and_the_end_are_delivered_on_the_gui_thread(qtbot: QtBot) -> None:
    seen: list[tuple[str, object, str]] = []
    run_task(
        lambda: 6 * 7,
        on_success=lambda v: seen.append(("ok", v, threading.current_thread().name)),
        on_finished=lambda: seen.append(("end", None, threading.current_thread().name)),
    )
    settle()
    main = threading.main_thread().name
    assert seen == [("ok", 42, main), ("end", None, main)]
    assert background._running == {}


def test_a_failure_reaches_the_failure_callback_and_not_the_success_one(qtbot: QtBot) -> None:
    got: list[BaseException] = []
    ok: list[object] = []

    def refuse() -> None:
        raise BusinessRuleError("nope")

    run_task(refuse, on_success=ok.append, on_failure=got.append)
    settle()
    assert ok == []
    assert [str(e) for e in got] == ["nope"]


def test_a_widget_whose_last_reference_is_a_callback_is_let_go_on_the_gui_thread(
    qtbot: QtBot,
) -> None:
    released: list[str] = []
    label = QLabel()
    weakref.finalize(label, lambda: released.append(threading.current_thread().name))
    run_task(lambda: slowly("done"), on_success=label.setText)
    del label  # only the job holds it now
    settle()
    assert released == [threading.main_thread().name]


def test_a_widget_the_work_itself_holds_is_let_go_on_the_gui_thread(qtbot: QtBot) -> None:
    released: list[str] = []
    holder = QObject()
    holder.setObjectName("kept by the work")
    weakref.finalize(holder, lambda: released.append(threading.current_thread().name))
    names: list[str] = []

    def work(held: QObject = holder) -> str:
        time.sleep(0.05)
        return held.objectName()

    run_task(work, on_success=names.append)
    del holder, work
    settle()
    assert names == ["kept by the work"]
    assert released == [threading.main_thread().name]


def test_thousands_of_short_jobs_are_all_answered_once_and_none_is_left_behind(
    qtbot: QtBot,
) -> None:
    answers: list[int] = []
    ends = [0]

    def ended() -> None:
        ends[0] += 1

    for n in range(3000):
        run_task(functools.partial(int, n), on_success=answers.append, on_finished=ended)
    settle()
    assert sorted(answers) == list(range(3000))
    assert ends[0] == 3000
    assert background._running == {}


def test_only_the_newest_of_a_kind_is_delivered(qtbot: QtBot) -> None:
    latest = Latest()
    shown: list[str] = []
    latest.run(lambda: slowly("old", 0.1), shown.append)
    latest.run(lambda: "new", shown.append)
    settle()
    assert shown == ["new"]


def test_cycles_are_collected_by_the_gui_thread_between_events_not_by_workers(
    qtbot: QtBot,
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    collector.install(app)
    assert not gc.isenabled()  # a worker allocating never starts a collection
    released: list[str] = []

    class Knot(QObject):
        pass

    knot = Knot()
    knot.me = knot  # type: ignore[attr-defined]  # a cycle: only the collector frees it
    weakref.finalize(knot, lambda: released.append(threading.current_thread().name))
    del knot
    # A worker allocating many objects, as a long database read does: automatic collection
    # would start on the worker and free the knot there.
    kept: list[object] = []
    run_task(lambda: [[] for _ in range(20_000)], on_success=kept.append)
    settle()
    qtbot.waitUntil(lambda: released != [], timeout=5000)
    assert released == [threading.main_thread().name]
