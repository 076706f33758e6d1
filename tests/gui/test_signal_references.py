"""A desk runs all day: emitting and disconnecting signals must not leak references.

PySide6 6.12.0 on Python 3.11 released a reference to ``True`` that it never took, on every
``Signal.emit`` and ``disconnect``; once the count reaches zero the interpreter aborts
("bool_dealloc: deallocating True or False"). The dependency is pinned below that release,
and this test fails if a release that miscounts either way comes back.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    changed = Signal(int)


def _received(value: int) -> None:
    del value


def test_emitting_and_disconnecting_signals_leaves_reference_counts_unchanged() -> None:
    emitter = _Emitter()
    emitter.changed.connect(_received)
    emitter.changed.emit(0)  # first emit may allocate caches
    before = sys.getrefcount(True)
    for n in range(1000):
        emitter.changed.emit(n)
        emitter.changed.disconnect(_received)
        emitter.changed.connect(_received)
    after = sys.getrefcount(True)
    assert abs(after - before) < 10, f"references to True moved by {after - before} in 1000 emits"
