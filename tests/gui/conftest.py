"""Desk program tests run on Qt's offscreen platform: no display needed, same widgets.

The platform must be chosen before the first ``QApplication`` exists (pytest-qt's ``qapp``).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
