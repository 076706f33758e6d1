"""Desk program tests run on Qt's offscreen platform: no display needed, same widgets.

The platform must be chosen before the first ``QApplication`` exists (pytest-qt's ``qapp``).
Each test keeps this desk's settings (``QSettings``: printer, receipt output, language) in a
folder of its own, so a developer's own settings never change what a test sees.
"""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import QSettings

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
