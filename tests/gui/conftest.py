"""Desk program tests run on Qt's offscreen platform: no display needed, same widgets.

The platform must be chosen before the first ``QApplication`` exists (pytest-qt's ``qapp``).
Each test keeps this desk's settings (``QSettings``: printer, receipt output, language) in a
folder of its own, so a developer's own settings never change what a test sees.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QSettings, QThreadPool
from PySide6.QtWidgets import QApplication

from jdoffice.gui import collector

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _utf8_locale() -> None:
    """On a machine whose locale is not UTF-8 (``LANG=C``: a minimal Debian, a container) Qt
    switches to C.UTF-8 itself but warns, and every warning fails a test here; the tests
    choose C.UTF-8 first, before the first ``QApplication``, so they pass on such machines."""
    chosen = next((os.environ[k] for k in ("LC_ALL", "LC_CTYPE", "LANG") if os.environ.get(k)), "")
    if "utf8" not in chosen.lower().replace("-", ""):
        os.environ["LC_ALL"] = "C.UTF-8"


_utf8_locale()


@pytest.fixture(autouse=True)
def _desk_settings_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("desk-settings")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))


@pytest.fixture(autouse=True)
def _cycles_collected_between_events(qapp: QApplication) -> Iterator[None]:
    """As in the desk program: cycles are collected on the GUI thread only (see
    ``jdoffice.gui.collector``). The other tests of the run keep Python's own collector."""
    collector.install(qapp)
    yield
    QThreadPool.globalInstance().waitForDone(10_000)
    gc.enable()
