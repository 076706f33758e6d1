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


@pytest.fixture(autouse=True)
def _desk_settings_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("desk-settings")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
