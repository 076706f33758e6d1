"""Screenshots of the desk's main screens, for the README and for looking at what we build.

    uv run python -m jdoffice.gui.screenshots OUTDIR

Runs offscreen (no display needed) against a demo school seeded in a temporary folder, drives
the window as a receptionist would — search, open a student, F5, type what was handed over,
Enter — and writes ``search.png``, ``student.png``, ``payment.png``, ``receipt_preview.png``,
``reprint_copy.png`` (the same receipt again, Ctrl+P on the payment: KOPI), ``settings.png``
(Ctrl+,), ``day_report.png`` (F9), ``debtors.png`` (Ctrl+Shift+D), ``statement.png``
(Ctrl+Shift+T) and ``audit.png`` (Ctrl+Shift+A). The desk's own settings are kept in
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
from typing import Any


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
        _wait(app, lambda: window.dialog is None, "the day report to close")
        written += _books(app, window, out_dir)

        window.close()
        QThreadPool.globalInstance().waitForDone(5000)
        app.processEvents()
        core.dispose()
    written += take_staff(out_dir)
    return written


def _books(app: object, window: Any, out_dir: Path) -> list[Path]:
    """The debtor list (Ctrl+Shift+D), the open student's statement (Ctrl+Shift+T), the
    audit trail (Ctrl+Shift+A) and the books' export (Ctrl+Shift+B): ``debtors.png``,
    ``statement.png``, ``audit.png``, ``books.png``."""
    from jdoffice.gui.views.audit_dialog import AuditDialog
    from jdoffice.gui.views.debtors_dialog import DebtorsDialog
    from jdoffice.gui.views.statement_dialog import StatementDialog

    written: list[Path] = []

    def listed(d: Any) -> bool:
        return d.listed is not None

    def stated(d: Any) -> bool:
        return d.statement is not None

    def loaded(d: Any) -> bool:
        return bool(d.loaded)

    shots: tuple[tuple[Any, type, str, Callable[[Any], bool]], ...] = (
        (window.actionDebtors, DebtorsDialog, "debtors.png", listed),
        (window.actionStatement, StatementDialog, "statement.png", stated),
        (window.actionAudit, AuditDialog, "audit.png", loaded),
    )
    for action, kind, name, ready in shots:
        action.trigger()
        _wait(app, partial(lambda k: isinstance(window.dialog, k), kind), name)
        dialog = window.dialog
        _wait(app, partial(ready, dialog), name)
        path = out_dir / name
        _save(dialog, path)
        written.append(path)
        dialog.reject()
        _wait(app, lambda: window.dialog is None, f"{name} to close")
    written.append(_books_export(app, window, out_dir))
    return written


def _books_export(app: object, window: Any, out_dir: Path) -> Path:
    """Kasse → Bogføring (Ctrl+Shift+B): last month exported, then once more, which the
    dialog marks as exported before: ``books.png``."""
    from jdoffice.gui.views.books_dialog import BooksDialog

    window.actionBooks.trigger()
    _wait(app, lambda: isinstance(window.dialog, BooksDialog), "the books")
    dialog = window.dialog
    with tempfile.TemporaryDirectory(prefix="jdoffice-books-") as tmp:
        for name in ("first.csv", "again.csv"):
            dialog.result_shown = None
            dialog.export_to(Path(tmp) / name)
            _wait(app, lambda: dialog.result_shown is not None, "the export")
        _wait(app, lambda: dialog.exportsList.count() == 2, "the list of exports")
        path = out_dir / "books.png"
        _save(dialog, path)
    dialog.reject()
    _wait(app, lambda: window.dialog is None, "the books to close")
    return path


#: The demo desk's people in the pictures (issue 14), and their PINs.
_STAFF = (
    ("MH", "Mette Hansen", "admin", "1357"),
    ("LK", "Lone Kristensen", "manager", "2468"),
    ("JP", "Jonas Petersen", "receptionist", "9753"),
)


def take_staff(out_dir: Path) -> list[Path]:
    """The sign-in, the approval over the shoulder, the shift's blind close and its Z-report:
    ``sign_in.png``, ``approval.png``, ``shift_close.png``, ``z_report.png``."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings, Qt, QThreadPool
    from PySide6.QtTest import QTest

    from jdoffice.bootstrap import App, seed_demo, sqlite_url
    from jdoffice.domain.model import Actor
    from jdoffice.domain.staff import Action
    from jdoffice.gui.app import application
    from jdoffice.gui.context import DeskContext
    from jdoffice.gui.views.main_window import MainWindow
    from jdoffice.gui.views.shift_dialogs import DKK_DENOMINATIONS, CloseShiftDialog
    from jdoffice.gui.views.staff_dialogs import ApprovalDialog
    from jdoffice.gui.views.z_report_dialog import ZReportDialog
    from jdoffice.services import queries, shifts
    from jdoffice.services import staff as staff_service
    from jdoffice.services.payments import register_payment

    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="jdoffice-shots-") as tmp:
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tmp)
        core = App(sqlite_url(Path(tmp) / "demo.sqlite3"))
        seed_demo(core, students=40, seed=1)
        school = core.school(None)
        admin = None
        for initials, name, role, pin in _STAFF:
            member = staff_service.add_staff(
                core.uow(),
                school,
                initials=initials,
                name=name,
                role=role,
                pin=pin,
                by=admin,
                desk="Kasse 1",
            )
            admin = admin or member
        actor = Actor(staff="JP", desk="Kasse 1")
        ctx = DeskContext(app=core, school=school, actor=actor)
        app = application()
        window = MainWindow(ctx, idle_minutes=0)
        window.resize(1024, 700)
        window.show()
        _wait(app, lambda: window.access.sign_in_dialog is not None, "the sign-in")
        dialog = window.access.sign_in_dialog
        assert dialog is not None
        _wait(app, lambda: bool(dialog.members) and not dialog.running, "the staff list")
        QTest.keyClicks(dialog.initialsEdit, "JP")
        QTest.keyClick(dialog.initialsEdit, Qt.Key.Key_Return)
        QTest.keyClicks(dialog.pinEdit, "9753")
        path = out_dir / "sign_in.png"
        _save(dialog, path)
        written.append(path)
        QTest.keyClick(dialog.pinEdit, Qt.Key.Key_Return)
        _wait(app, lambda: ctx.staff is not None, "the sign-in to finish")
        jonas = ctx.staff
        assert jonas is not None

        # A morning at the desk: the float, two cash payments, a pay-out for coffee.
        shifts.open_shift(core.uow(), school, desk="Kasse 1", float_minor=100000, by=jonas)
        view = queries.search_students(core.uow(), school, "a", limit=10)
        paid = 0
        in_drawer = 100000 - 4500
        for hit in view:
            if paid == 2:
                break
            sv = queries.student_view(core.uow(), school, hit.student_no)
            owed = [i for i in sv.invoices if i.outstanding_minor > 0]
            if not owed:
                continue
            result = register_payment(
                core.uow(),
                school,
                method="cash",
                amount_minor=owed[0].outstanding_minor,
                invoice_no=owed[0].invoice_no,
                actor=jonas.actor("Kasse 1"),
            )
            in_drawer += result.cash_total_minor or result.amount_minor
            paid += 1
        shifts.pay_out(
            core.uow(), school, desk="Kasse 1", amount_minor=4500, reason="Kaffe", by=jonas
        )

        approval = ApprovalDialog(ctx, Action.REFUND, window)
        approval.show()
        _wait(app, approval.isVisible, "the approval")
        QTest.keyClicks(approval.initialsEdit, "LK")
        QTest.keyClick(approval.initialsEdit, Qt.Key.Key_Return)
        QTest.keyClicks(approval.pinEdit, "2468")
        path = out_dir / "approval.png"
        _save(approval, path)
        written.append(path)
        approval.reject()

        window.cash.actionCloseShift.trigger()
        _wait(app, lambda: isinstance(window.dialog, CloseShiftDialog), "the close")
        closing = window.dialog
        assert isinstance(closing, CloseShiftDialog)
        # Counted note by note and coin by coin: ten kroner short of what the drawer holds.
        closing.toggle_denominations()
        left = in_drawer - 1000
        for value in DKK_DENOMINATIONS:
            closing.denomination(value).setValue(left // value)
            left %= value
        QTest.keyClick(closing.countedEdit, Qt.Key.Key_Return)
        QTest.keyClicks(closing.noteEdit, "Talt af JP")
        QTest.keyClick(closing.noteEdit, Qt.Key.Key_Return)
        _wait(app, lambda: closing.report is not None, "the close to finish")
        path = out_dir / "shift_close.png"
        _save(closing, path)
        written.append(path)
        QTest.keyClick(closing.zButton, Qt.Key.Key_Return)
        _wait(app, lambda: isinstance(window.dialog, ZReportDialog), "the Z-report")
        report = window.dialog
        assert isinstance(report, ZReportDialog)
        report.resize(520, 760)
        app.processEvents()
        path = out_dir / "z_report.png"
        _save(report, path)
        written.append(path)
        report.accept()
        _wait(app, lambda: window.dialog is None, "the Z-report to close")

        window.close()
        QThreadPool.globalInstance().waitForDone(5000)
        app.processEvents()
        core.dispose()
    return written


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) == 2 and args[1] == "--staff":
        take_staff(Path(args[0]))
        return
    if len(args) != 1:
        sys.stderr.write("usage: python -m jdoffice.gui.screenshots OUTDIR [--staff]\n")
        raise SystemExit(2)
    take(Path(args[0]))


if __name__ == "__main__":
    main()
