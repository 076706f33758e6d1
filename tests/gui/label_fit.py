"""Is every label of a window readable in full? The check the day report's tests use, and a
program that opens the day report on a busy day and prints the labels it finds cut.

Qt's scale factor (``QT_SCALE_FACTOR``) is read once, when the ``QApplication`` is made, so
the 125 % and 150 % checks run this module in a process of their own::

    QT_QPA_PLATFORM=offscreen QT_SCALE_FACTOR=1.5 python -m tests.gui.label_fit

It prints one line per cut label (``CUT <name> <text>: <why>``), then ``checked <n> labels``.
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings, QSize
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from jdoffice.services.payments import refund_payment
from tests.gui.office import ACTOR, Office

#: The smallest screen the desk is used on.
SCREEN = QSize(1024, 700)


def _shown_text(label: QLabel) -> str:
    """The text as drawn: a buddy's ``&`` marks the shortcut letter and is not drawn."""
    text = label.text()
    if label.buddy() is not None:
        text = text.replace("&&", "\0").replace("&", "").replace("\0", "&")
    return text


def cut_labels(window: QWidget) -> tuple[list[str], int]:
    """``(problems, checked)``: one line for each visible label of ``window`` whose text does
    not fit where it is drawn (narrower or lower than its text, or hidden in part by the
    window's edge or a scroll area), and how many labels were looked at."""
    problems: list[str] = []
    checked = 0
    for label in window.findChildren(QLabel):
        text = _shown_text(label)
        if not label.isVisible() or not text.strip():
            continue
        checked += 1
        name = label.objectName() or "-"
        box = label.contentsRect()
        fm = QFontMetricsF(label.font(), label)
        if label.wordWrap():
            need = label.heightForWidth(label.width())
            if need > label.height():
                problems.append(
                    f"CUT {name} {text!r}: needs {need} px height, has {label.height()}"
                )
        else:
            widest = max(
                max(fm.horizontalAdvance(line), fm.boundingRect(line).right())
                for line in text.split("\n")
            )
            need_w = math.ceil(widest) - 2 * label.margin() - max(label.indent(), 0)
            if need_w > box.width():
                problems.append(f"CUT {name} {text!r}: needs {need_w} px, has {box.width()}")
            need_h = math.ceil(fm.height()) * (text.count("\n") + 1)
            if need_h > box.height() + 1:
                problems.append(
                    f"CUT {name} {text!r}: needs {need_h} px height, has {box.height()}"
                )
        # Hidden in part by the dialog's edge, or scrolled out of a scroll area's view.
        shown = label.visibleRegion().boundingRect()
        if shown != label.rect():
            problems.append(f"CUT {name} {text!r}: only {shown} of {label.rect()} is shown")
    return problems, checked


def busy_day(office: Office) -> None:
    """A day with every manual method, a cash rounding and a refund."""
    cash = office.pay(office.invoice(849_75), 849_75, tendered_minor=1000_00)
    office.pay(office.invoice(12_500_00), 12_500_00, method="bank")
    office.pay(office.invoice(300_00), 300_00, method="mobilepay")
    refund_payment(
        office.uow(),
        office.school,
        payment_id=cash.payment_id,
        amount_minor=100_00,
        reason="Aflyst køretime",
        actor=ACTOR,
    )


def _screen_config(folder: Path, scale: float) -> Path:
    """An offscreen screen of :data:`SCREEN` (in the desk's pixels) at ``scale``: Qt's
    offscreen platform has an 800×800 screen unless it is given one."""
    screen = {
        "name": "desk",
        "x": 0,
        "y": 0,
        "width": round(SCREEN.width() * scale),
        "height": round(SCREEN.height() * scale),
        "logicalDpi": 96,
        "logicalBaseDpi": 96,
        "dpr": 1,
    }
    path = folder / "screen.json"
    path.write_text(json.dumps({"screens": [screen]}), encoding="utf-8")
    return path


def main() -> int:
    """Open the day report of a busy day on a 1024×700 screen and print its cut labels."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scale = float(os.environ.get("QT_SCALE_FACTOR") or "1")
        os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_screen_config(folder, scale)}"
        app = QApplication(sys.argv[:1])
        return _check(app, folder)


def _check(app: QApplication, folder: Path) -> int:
    from jdoffice.gui.views.day_report_dialog import DayReportDialog
    from tests.gui.office import make_office, settle_background_work

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    office = make_office(folder, folder)
    try:
        busy_day(office)
        dialog = DayReportDialog(office.ctx)
        dialog.show()
        for _ in range(200):
            settle_background_work()
            if dialog.report is not None:
                break
        app.processEvents()
        size = dialog.frameGeometry().size()
        if size.width() > SCREEN.width() or size.height() > SCREEN.height():
            print(f"TOO BIG {size.width()}x{size.height()}")
        problems, checked = cut_labels(dialog)
        for line in problems:
            print(line)
        screen = app.primaryScreen().geometry()
        print(f"checked {checked} labels on a {screen.width()}x{screen.height()} screen")
        if len(sys.argv) > 1:
            dialog.grab().save(sys.argv[1])
        dialog.done(0)
        settle_background_work()
    finally:
        office.app.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
