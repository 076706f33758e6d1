"""Screenshots of the desk's main screens, for the README and for looking at what we build.

    uv run python -m jdoffice.gui.screenshots OUTDIR

Runs offscreen (no display needed) against a demo school seeded in a temporary folder, drives
the window as a receptionist would — search, open a student, F5, type what was handed over,
Enter — and writes ``search.png``, ``student.png``, ``payment.png``, ``receipt_preview.png``,
``reprint_copy.png`` (the same receipt again, Ctrl+P on the payment: KOPI), ``settings.png``
(Ctrl+,) and ``day_report.png`` (F9). The desk's own settings are kept in
the temporary folder too, so the pictures show the defaults whatever this PC is set up with.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from operator import contains
from pathlib import Path


def _wait(app: object, done: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    from PySide6.QtWidgets import QApplication

    assert isinstance(app, QApplication)
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        app.processEvents()
        time.sleep(0.01)
    app.processEvents()


def _save(widget: object, path: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QWidget

    assert isinstance(widget, QWidget)
    image = widget.grab().toImage()
    # A palette of 256 colours keeps these flat UI pictures small enough to commit.
    small = image.convertToFormat(
        QImage.Format.Format_Indexed8,
        Qt.ImageConversionFlag.ThresholdDither | Qt.ImageConversionFlag.AvoidDither,
    )
    if not small.save(str(path)):  # the format follows the .png suffix
        raise OSError(f"could not write {path}")
    sys.stdout.write(f"wrote {path}\n")


def _richness(ctx: object, student_no: str) -> tuple[bool, int, int]:
    from jdoffice.domain.model import InvoiceStatus
    from jdoffice.gui.context import DeskContext
    from jdoffice.services import queries

    assert isinstance(ctx, DeskContext)
    v = queries.student_view(ctx.uow(), ctx.school, student_no)
    overdue = sum(i.status(v.today) is InvoiceStatus.OVERDUE for i in v.invoices)
    return (v.balance_minor > 0, min(overdue, 2) + min(len(v.payments), 4), len(v.invoices))


def _more_of_the_day(ctx: object, student_nos: list[str]) -> None:
    """A bank transfer and a MobilePay payment for other students, and part of the bank
    transfer paid back, so the day report has more than the one cash payment to show."""
    from jdoffice.gui.context import DeskContext
    from jdoffice.services import queries
    from jdoffice.services.payments import refund_payment, register_payment

    assert isinstance(ctx, DeskContext)
    methods = ["bank", "mobilepay"]
    for student_no in student_nos:
        if not methods:
            break
        v = queries.student_view(ctx.uow(), ctx.school, student_no)
        owed = [i for i in v.invoices if i.outstanding_minor > 0]
        if not owed:
            continue
        method = methods.pop(0)
        paid = register_payment(
            ctx.uow(),
            ctx.school,
            method=method,
            amount_minor=owed[0].outstanding_minor,
            invoice_no=owed[0].invoice_no,
            actor=ctx.actor,
        )
        if method == "bank":
            refund_payment(
                ctx.uow(),
                ctx.school,
                payment_id=paid.payment_id,
                amount_minor=min(100_00, owed[0].outstanding_minor),
                reason="Aflyst køretime",
                actor=ctx.actor,
            )


def take(out_dir: Path, search_text: str = "lærke") -> list[Path]:
    """Seed a demo school in a temporary folder and photograph the main screens."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings, Qt, QThreadPool
    from PySide6.QtTest import QTest

    from jdoffice.bootstrap import App, seed_demo, sqlite_url
    from jdoffice.domain.model import Actor
    from jdoffice.domain.money import cash_round
    from jdoffice.gui.app import application
    from jdoffice.gui.context import DeskContext
    from jdoffice.gui.views.day_report_dialog import DayReportDialog
    from jdoffice.gui.views.main_window import MainWindow
    from jdoffice.gui.views.payment_dialog import PaymentDialog
    from jdoffice.gui.views.receipt_preview import ReceiptPreviewDialog
    from jdoffice.gui.views.settings_dialog import SettingsDialog

    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="jdoffice-shots-") as tmp:
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tmp)
        core = App(sqlite_url(Path(tmp) / "demo.sqlite3"))
        seed_demo(core, students=200, seed=1)
        ctx = DeskContext(
            app=core, school=core.school(None), actor=Actor(staff="Mette", desk="Kasse 1")
        )
        app = application()
        window = MainWindow(ctx)
        # The smallest screen a desk is made for: every name in the results reads whole here.
        window.resize(1024, 700)
        window.show()
        _wait(app, window.isVisible, "the window")

        shown: list[str] = []
        window.results_shown.connect(shown.append)
        # Key by key, as a receptionist types: the results narrow at each one.
        for n in range(1, len(search_text) + 1):
            typed = search_text[:n]
            QTest.keyClicks(window.searchEdit, typed[-1])
            _wait(app, partial(contains, shown, typed), "search results")
        # The student with the most to look at: invoices, payments, something overdue.
        hits = window.results_model.items()
        best = max(range(len(hits)), key=lambda i: _richness(ctx, hits[i].student_no))
        window.resultsView.selectRow(best)
        path = out_dir / "search.png"
        _save(window, path)
        written.append(path)

        QTest.keyClick(window.searchEdit, Qt.Key.Key_Return)
        _wait(app, lambda: window.view is not None, "the student")
        path = out_dir / "student.png"
        _save(window, path)
        written.append(path)

        QTest.keyClick(window.invoicesView, Qt.Key.Key_F5)
        _wait(app, lambda: isinstance(window.dialog, PaymentDialog), "the payment dialog")
        dialog = window.dialog
        assert isinstance(dialog, PaymentDialog)
        # What a student hands over: the next round hundred above the cash total.
        cash_total = cash_round(dialog.request().amount_minor, ctx.school.currency)
        QTest.keyClicks(dialog.tenderedEdit, str(cash_total // 10000 * 100 + 100))
        path = out_dir / "payment.png"
        _save(dialog, path)
        written.append(path)

        QTest.keyClick(dialog.tenderedEdit, Qt.Key.Key_Return)
        _wait(app, lambda: isinstance(window.dialog, ReceiptPreviewDialog), "the receipt")
        path = out_dir / "receipt_preview.png"
        _save(window.dialog, path)
        written.append(path)

        preview = window.dialog
        assert preview is not None
        preview.accept()
        _wait(app, lambda: window.dialog is None, "the receipt to close")

        # The same receipt printed again from the desk (Ctrl+P on the newest payment, the row
        # Alt+B selects): a counted KOPI.
        window.paymentsView.selectRow(0)
        _wait(app, lambda: window.paymentsView.currentIndex().isValid(), "the newest payment")
        window.actionReprint.trigger()
        _wait(app, lambda: isinstance(window.dialog, ReceiptPreviewDialog), "the copy")
        path = out_dir / "reprint_copy.png"
        _save(window.dialog, path)
        written.append(path)
        copy = window.dialog
        assert copy is not None
        copy.accept()
        _wait(app, lambda: window.dialog is None, "the copy to close")
        window.actionSettings.trigger()  # Ctrl+,
        _wait(app, lambda: isinstance(window.dialog, SettingsDialog), "the settings")
        settings = window.dialog
        assert isinstance(settings, SettingsDialog)
        _wait(
            app,
            lambda: (
                settings.loaded_settings is not None
                and QThreadPool.globalInstance().activeThreadCount() == 0
            ),
            "the school's settings",
        )
        path = out_dir / "settings.png"
        _save(settings, path)
        written.append(path)
        settings.reject()

        _wait(app, lambda: window.dialog is None, "the settings to close")
        _more_of_the_day(ctx, [h.student_no for i, h in enumerate(hits) if i != best])
        window.actionDayReport.trigger()  # F9
        _wait(app, lambda: isinstance(window.dialog, DayReportDialog), "the day report")
        report = window.dialog
        assert isinstance(report, DayReportDialog)
        _wait(app, lambda: report.report is not None, "the day's totals")
        path = out_dir / "day_report.png"
        _save(report, path)
        written.append(path)
        report.reject()

        window.close()
        QThreadPool.globalInstance().waitForDone(5000)
        app.processEvents()
        core.dispose()
    return written


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        sys.stderr.write("usage: python -m jdoffice.gui.screenshots OUTDIR\n")
        raise SystemExit(2)
    take(Path(args[0]))


if __name__ == "__main__":
    main()
