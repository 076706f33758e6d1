"""The day report (F9): what came in per payment method on one day, rounding, refunds, what
the cash drawer should hold, and how many receipts were issued. Exported as CSV for the
bookkeeper."""

from __future__ import annotations

import csv
import datetime as dt
import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QLocale, QSize, Qt, Signal
from PySide6.QtGui import QFont, QFontMetricsF, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import Shiboken

from jdoffice.domain.errors import JdofficeError
from jdoffice.domain.model import UTC
from jdoffice.domain.money import format_money, minor_digits
from jdoffice.domain.shifts import Shift
from jdoffice.domain.text import csv_cell
from jdoffice.gateways.registry import Registry
from jdoffice.gui.background import Latest, run_task
from jdoffice.gui.context import DeskContext
from jdoffice.gui.texts import local_date
from jdoffice.gui.views.pay_text import error_message, method_label
from jdoffice.services import queries, shifts

log = logging.getLogger(__name__)

_T = TypeVar("_T")


@dataclass(frozen=True)
class _Loaded:
    report: queries.DayReport
    labels: dict[str, str]
    shifts: tuple[Shift, ...] = ()


def _load_job(ctx: DeskContext, day: dt.date) -> _Loaded:
    report = queries.day_report(ctx.uow(), ctx.school, day)
    registry = ctx.app.registry
    methods = {*report.totals, *report.refunds_by_method}
    try:
        day_shifts = tuple(shifts.shifts_of_day(ctx.uow(), ctx.school, day))
    except JdofficeError as exc:  # the day's money still shows without its shifts
        log.info("shifts of %s not read: %s", day, exc)
        day_shifts = ()
    return _Loaded(
        report,
        {m: method_label(registry, m, ctx.language) for m in method_order(registry, methods)},
        day_shifts,
    )


def method_order(registry: Registry, methods: Iterable[str]) -> list[str]:
    """The methods in the order the desk counts them: the counter methods as the payment
    dialog lists them, then the online gateways by name, then any no longer installed."""
    ranked = [*(m.name for m in registry.counter_methods()), *sorted(registry.online)]
    rank: dict[str, int] = {}
    for index, name in enumerate(ranked):
        rank.setdefault(name, index)
    return sorted(set(methods), key=lambda m: (rank.get(m, len(ranked)), m))


@dataclass(frozen=True)
class CsvFormat:
    """How the desk's CSV file reads in the bookkeeper's spreadsheet.

    A spreadsheet opens a CSV file without asking only when its separators are the ones of
    its own locale: Danish Excel splits on ``;`` and reads ``850,25`` as a number, English
    Excel splits on ``,`` and reads ``850.25``. The file starts with a UTF-8 BOM, without
    which Excel reads æ, ø and å as two characters each.
    """

    header: tuple[str, ...]
    kinds: dict[str, str]
    methods: dict[str, str]
    delimiter: str = ";"
    decimal: str = ","
    # The desk's language, for the date as the desk writes it everywhere (03.12.2026).
    language: str = "da"

    def amount(self, minor: int, currency: str) -> str:
        """``minor`` units as a plain number of kroner: ``850,25``, ``-100,00`` (no grouping,
        no currency, so the spreadsheet sums it)."""
        digits = minor_digits(currency)
        text = f"{Decimal(minor).scaleb(-digits):.{digits}f}"
        return text.replace(".", self.decimal)

    def row(self, e: queries.DayEntry, currency: str) -> list[object]:
        return [
            local_date(e.at.date(), self.language),
            e.at.strftime("%H:%M"),
            self.kinds.get(e.kind, e.kind),
            e.student_no,
            " ".join(e.invoice_nos),
            self.methods.get(e.method, e.method),
            self.amount(e.amount_minor, currency),
            self.amount(e.rounding_minor, currency),
            "" if e.receipt_no is None else str(e.receipt_no),
            e.desk,
            e.staff,
            e.id,
        ]


def csv_format(
    language: str, header: tuple[str, ...], kinds: dict[str, str], methods: dict[str, str]
) -> CsvFormat:
    """The separators a spreadsheet in ``language`` expects (see :class:`CsvFormat`)."""
    if language == "da":
        return CsvFormat(header, kinds, methods, delimiter=";", decimal=",", language="da")
    return CsvFormat(header, kinds, methods, delimiter=",", decimal=".", language="en")


def write_csv(report: queries.DayReport, path: Path, fmt: CsvFormat) -> Path:
    """Write the report's payments and refunds, one a row, to ``path`` in ``fmt``; every
    text cell goes in without control characters or formulas, since names come from the web
    system (issue 10)."""
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh, delimiter=fmt.delimiter)
        w.writerow(fmt.header)
        w.writerows([csv_cell(v) for v in fmt.row(e, report.currency)] for e in report.entries)
    return path


class DayReportDialog(QDialog):
    """Totals of one day at the school.

    Signals:
        exported(str): the CSV file was written to this path.
    """

    exported = Signal(str)

    def __init__(self, ctx: DeskContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._report: queries.DayReport | None = None
        self._labels: dict[str, str] = {}
        self._shifts: tuple[Shift, ...] = ()
        self._latest = Latest(self)
        self._finished = False
        self.setWindowTitle(self.tr("Dagsrapport"))
        self.setModal(True)
        self._build()
        self.date_edit.dateChanged.connect(self._load)
        self._load()

    # -- what tests and the main window may read -------------------------------------------

    @property
    def report(self) -> queries.DayReport | None:
        """The report on screen (``None`` while the first one loads)."""
        return self._report

    @property
    def day(self) -> dt.date:
        q = self.date_edit.date()
        return dt.date(q.year(), q.month(), q.day())

    def set_day(self, day: dt.date) -> None:
        self.date_edit.setDate(QDate(day.year, day.month, day.day))

    # -- layout -----------------------------------------------------------------------------

    def _build(self) -> None:
        base = self.font().pointSizeF()
        today = self._ctx.school.local_date(dt.datetime.now(UTC))

        self.title_label = QLabel()
        # A long school name wraps instead of being cut.
        self.title_label.setWordWrap(True)
        title = QFont(self.font())
        title.setPointSizeF(base * 1.4)
        title.setBold(True)
        self.title_label.setFont(title)

        self.date_edit = QDateEdit(QDate(today.year, today.month, today.day))
        self.date_edit.setCalendarPopup(True)
        # The date as the desk writes it everywhere: 03.12.2026, or 3 Dec 2026 in English.
        if self._ctx.language == "da":
            self.date_edit.setDisplayFormat("dd.MM.yyyy")
        else:
            self.date_edit.setLocale(QLocale(QLocale.Language.English, QLocale.Country.Denmark))
            self.date_edit.setDisplayFormat("d MMM yyyy")
        self.date_edit.setMaximumDate(QDate(today.year, today.month, today.day))
        date_label = QLabel(self.tr("&Dato:"))
        date_label.setBuddy(self.date_edit)
        self.today_button = QPushButton(self.tr("&I dag"))
        self.today_button.setAutoDefault(False)
        self.today_button.clicked.connect(lambda: self.set_day(self._today()))
        top = QHBoxLayout()
        top.addWidget(date_label)
        top.addWidget(self.date_edit)
        top.addWidget(self.today_button)
        top.addStretch(1)

        self.table = QWidget()
        self.grid = QGridLayout(self.table)
        self.grid.setHorizontalSpacing(24)
        self.grid.setVerticalSpacing(6)
        self.grid.setContentsMargins(0, 0, 0, 0)
        # The figures keep their full size; when the screen is too small for the dialog
        # (150 % on a small laptop), the table scrolls instead of cutting a label.
        self.scroll_area = QScrollArea()
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setWidget(self.table)
        self.scroll_area.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

        self.status_label = QLabel()
        self.status_label.setWordWrap(True)

        self.export_button = QPushButton(self.tr("&Eksportér CSV…"))
        self.export_button.setAutoDefault(False)
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self._ask_export)
        self.close_button = QPushButton(self.tr("Luk"))
        self.close_button.setAutoDefault(False)
        self.close_button.setDefault(True)
        self.close_button.clicked.connect(self.accept)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self).activated.connect(
            self._load
        )
        row = QHBoxLayout()
        row.addWidget(self.export_button)
        row.addStretch(1)
        row.addWidget(self.close_button)

        root = QVBoxLayout(self)
        root.setContentsMargins(20, 20, 20, 20)
        root.addWidget(self.title_label)
        root.addLayout(top)
        root.addSpacing(10)
        root.addWidget(self.scroll_area, 1)
        root.addWidget(self.status_label)
        root.addLayout(row)
        self.date_edit.setFocus()

    def _fit_to_table(self) -> None:
        """Make the dialog as large as the report needs, within the screen it is on."""
        hint = self.table.sizeHint()
        screen = self.screen() or QGuiApplication.primaryScreen()
        room = screen.availableGeometry().size() if screen is not None else QSize(1024, 700)
        # Room for the margins, the title, the date row, the buttons and a window frame.
        layout = self.layout()
        m = layout.contentsMargins() if layout is not None else self.contentsMargins()
        sides = m.left() + m.right()
        width = min(hint.width(), room.width() - sides - 40)
        height = min(hint.height(), room.height() - 12 * self.fontMetrics().height())
        self.scroll_area.setMinimumSize(max(width, 0), max(height, 0))
        self.setMinimumWidth(min(self.minimumSizeHint().width(), room.width()))
        if not self.isVisible():
            return
        # The title on one line when the screen has room for it; it wraps otherwise.
        title = QFontMetricsF(self.title_label.font(), self.title_label)
        one_line = math.ceil(title.horizontalAdvance(self.title_label.text())) + sides + 4
        w = max(self.width(), self.sizeHint().width(), min(one_line, room.width() - 40))
        h = layout.totalHeightForWidth(w) if layout is not None else -1
        self.resize(w, max(self.height(), h, self.minimumSizeHint().height()))

    def _today(self) -> dt.date:
        return self._ctx.school.local_date(dt.datetime.now(UTC))

    # -- loading ----------------------------------------------------------------------------

    def _load(self) -> None:
        day = self.day
        self.title_label.setText(
            self.tr("Dagsrapport {0} – {1}").format(
                local_date(day, self._ctx.language), self._ctx.school.name
            )
        )
        self.status_label.setStyleSheet("")
        self.status_label.setText(self.tr("Henter…"))
        self.export_button.setEnabled(False)
        ctx = self._ctx
        self._latest.run(
            lambda: _load_job(ctx, day), self._on_loaded, self._on_failed, tag="day-report"
        )

    def _alive(self) -> bool:
        # Closed, or deleted with its parent window while a job was running.
        return not self._finished and Shiboken.isValid(self)

    def _on_failed(self, exc: BaseException) -> None:
        if not self._alive():
            return
        self.status_label.setStyleSheet("color: #b42318;")
        self.status_label.setText(
            error_message(exc, self._ctx.locale) + "\n" + self.tr("Tryk F5 for at prøve igen.")
        )

    def _on_loaded(self, loaded: _Loaded) -> None:
        if not self._alive():
            return
        self._report = loaded.report
        self._labels = loaded.labels
        self._shifts = loaded.shifts
        self._paint(loaded.report, loaded.labels)
        self.status_label.setText(
            "" if loaded.report.rows else self.tr("Ingen betalinger eller refusioner denne dag.")
        )
        self.export_button.setEnabled(True)

    def _paint(self, r: queries.DayReport, labels: dict[str, str]) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                # Out of the table at once (deleteLater waits for the event loop): a cell of
                # the previous report must never be found or shown next to the new one.
                w.setParent(None)
                w.deleteLater()
        loc, cur = self._ctx.locale, r.currency

        def money(minor: int) -> str:
            return format_money(minor, cur, loc)

        bold = QFont(self.font())
        bold.setBold(True)
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter

        def cell(
            row: int,
            col: int,
            text: str,
            *,
            strong: bool = False,
            name: str = "",
            span: int = 1,
        ) -> None:
            w = QLabel(text)
            if strong:
                w.setFont(bold)
            if name:
                w.setObjectName(name)
            w.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            # Wide enough for the text as it is drawn: at 125 % and 150 % a glyph lands on
            # a fraction of a pixel, which the whole-pixel size hint can round away.
            fm = QFontMetricsF(w.font(), w)
            w.setMinimumWidth(
                math.ceil(max(fm.horizontalAdvance(text), fm.boundingRect(text).right())) + 2
            )
            w.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
            align = right if col else Qt.AlignmentFlag.AlignLeft
            self.grid.addWidget(w, row, col, 1, span, align)

        headers = (
            self.tr("Betalingsmåde"),
            self.tr("Antal"),
            self.tr("Indbetalt"),
            self.tr("Refunderet"),
            self.tr("Netto"),
        )
        for col, text in enumerate(headers):
            cell(0, col, text, strong=True)
        shown = {*r.totals, *r.refunds_by_method}
        methods = [m for m in labels if m in shown] + sorted(shown - set(labels))
        row = 1
        for m in methods:
            paid = r.totals.get(m, 0)
            back = r.refunds_by_method.get(m, 0)
            cell(row, 0, labels.get(m, m), name=f"method_{m}")
            cell(row, 1, str(r.payments_count.get(m, 0)))
            cell(row, 2, money(paid), name=f"total_{m}")
            cell(row, 3, money(-back) if back else "–", name=f"refunds_{m}")
            cell(row, 4, money(paid - back), name=f"net_{m}")
            row += 1
        if not methods:
            cell(row, 0, self.tr("Ingen betalinger"))
            row += 1
        paid_all = sum(r.totals.values())
        cell(row, 0, self.tr("I alt"), strong=True)
        cell(row, 1, str(sum(r.payments_count.values())), strong=True)
        cell(row, 2, money(paid_all), strong=True, name="total_all")
        cell(row, 3, money(-r.refunds_minor) if r.refunds_minor else "–", strong=True)
        cell(row, 4, money(paid_all - r.refunds_minor), strong=True, name="net_all")
        row += 1
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        self.grid.addWidget(line, row, 0, 1, 5)
        row += 1
        summary = (
            (self.tr("Afrunding (kontant)"), money(r.rounding_minor), "rounding"),
            (self.tr("Refusioner i alt"), money(-r.refunds_minor), "refunds_all"),
            (self.tr("Kasseskuffen (kontant ind − ud)"), money(r.cash_in_drawer_minor), "drawer"),
            (self.tr("Kvitteringer udstedt"), str(r.receipts), "receipts"),
        )
        for text, value, name in summary:
            # The words have the columns left of the figure, so a long one is never squeezed.
            cell(row, 0, text, span=4)
            cell(row, 4, value, strong=name == "drawer", name=name)
            row += 1
        row = self._paint_shifts(row, cell, money)
        self.grid.setRowStretch(row, 1)
        for i in range(self.grid.count()):
            item = self.grid.itemAt(i)
            w = item.widget() if item is not None else None
            if w is not None:
                # Shown now (a layout shows new widgets only later), so they count in its size.
                w.show()
        self._fit_to_table()

    def _paint_shifts(
        self, row: int, cell: Callable[..., None], money: Callable[[int], str]
    ) -> int:
        """Each desk's shifts of the day (issue 14): Z number, hours, expected, counted and
        the variance; an open shift says so."""
        day_shifts = self._shifts
        if not day_shifts:
            return row
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        self.grid.addWidget(line, row, 0, 1, 5)
        row += 1
        headers = (
            self.tr("Kassens skift"),
            self.tr("Tid"),
            self.tr("Forventet"),
            self.tr("Optalt"),
            self.tr("Difference"),
        )
        for col, text in enumerate(headers):
            cell(row, col, text, strong=True)
        row += 1
        zone = ZoneInfo(self._ctx.school.timezone)
        for n, sh in enumerate(day_shifts):
            opened = f"{sh.opened_at.astimezone(zone):%H:%M}"
            z = f" Z{sh.z_no}" if sh.z_no else ""
            cell(row, 0, f"{sh.desk}{z}", name=f"shift_{n}")
            if sh.closed_at is None or sh.variance_minor is None:
                cell(row, 1, self.tr("{0}–, åbent").format(opened))
                for col in (2, 3, 4):
                    cell(row, col, "–")
            else:
                closed = f"{sh.closed_at.astimezone(zone):%H:%M}"
                cell(row, 1, f"{opened}–{closed}")
                cell(row, 2, money(sh.expected_minor or 0))
                cell(row, 3, money(sh.counted_minor or 0))
                v = sh.variance_minor
                text = ("−" if v < 0 else "+" if v > 0 else "") + money(abs(v))
                cell(row, 4, text, strong=v != 0, name=f"variance_{n}")
            row += 1
        return row

    def value_text(self, name: str) -> str:
        """The text shown in the report cell called ``name`` (``total_cash``, ``drawer``, …)."""
        w = self.table.findChild(QLabel, name)
        return w.text() if w is not None else ""

    # -- export -----------------------------------------------------------------------------

    def _ask_export(self) -> None:
        if self._report is None:
            return
        suggested = str(Path.home() / f"dagsrapport-{self._report.date.isoformat()}.csv")
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Eksportér dagsrapport"), suggested, self.tr("CSV-filer (*.csv)")
        )
        if path:
            self.export_csv(Path(path))

    def export_csv(self, path: Path) -> None:
        """Write the report on screen to ``path`` in the background."""
        report = self._report
        if report is None:
            return
        fmt = self.csv_format()
        self.export_button.setEnabled(False)
        self.status_label.setStyleSheet("")
        self.status_label.setText(self.tr("Gemmer…"))
        run_task(
            lambda: write_csv(report, path, fmt),
            on_success=self._guard(self._on_exported),
            on_failure=self._guard(self._on_export_failed),
            tag="day-report-csv",
        )

    def csv_format(self) -> CsvFormat:
        """The CSV file in the desk's language: its words, and the separators a spreadsheet
        in that language opens without asking."""
        header = (
            self.tr("Dato"),
            self.tr("Tid"),
            self.tr("Type"),
            self.tr("Elevnr."),
            self.tr("Fakturanr."),
            self.tr("Betalingsmåde"),
            self.tr("Beløb ({0})").format(self._report.currency if self._report else "DKK"),
            self.tr("Afrunding ({0})").format(self._report.currency if self._report else "DKK"),
            self.tr("Kvitteringsnr."),
            self.tr("Kasse"),
            self.tr("Ekspedient"),
            self.tr("Betalings-id"),
        )
        kinds = {"payment": self.tr("Betaling"), "refund": self.tr("Refusion")}
        return csv_format(self._ctx.language, header, kinds, dict(self._labels))

    def _on_exported(self, path: Path) -> None:
        self.export_button.setEnabled(True)
        self.status_label.setText(self.tr("Gemt i {0}").format(path))
        self.exported.emit(str(path))

    def _on_export_failed(self, exc: BaseException) -> None:
        self.export_button.setEnabled(True)
        self.status_label.setStyleSheet("color: #b42318;")
        text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        self.status_label.setText(self.tr("Filen kunne ikke gemmes: {0}").format(text))

    def _guard(self, fn: Callable[[_T], None]) -> Callable[[_T], None]:
        def call(value: _T) -> None:
            if self._alive():
                fn(value)

        return call

    def done(self, arg__1: int) -> None:
        self._finished = True
        self._latest.cancel()
        super().done(arg__1)
