"""The receipt after a payment or a refund goes where this desk's settings say: a preview on
screen, A4 on a system printer, a PDF in a folder, or the 80 mm receipt printer (ESC/POS).

Everything that touches a printer, a file or the database runs in the background. The money
is recorded before a receipt is asked for, so a printer that is off changes nothing about the
payment: the desk says what went wrong and offers the preview, from which the receipt can be
saved or printed again.

A receipt's original comes out once, after the payment. Every later print of it from the desk
is a copy (``copy=True``): marked KOPI, counted in the audit by the same service call as
``jdoffice receipt N --copy``, and the cash drawer stays shut.

The printing stack (``jdoffice.printing``) is imported only when a receipt is delivered: the
desk does not need it to start.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from jdoffice.domain.errors import InvalidInput, JdofficeError
from jdoffice.domain.model import ReceiptBody
from jdoffice.gui import desk_settings
from jdoffice.gui.background import run_task
from jdoffice.gui.context import DeskContext
from jdoffice.gui.desk_settings import DeskSettings, ReceiptOutput
from jdoffice.services import queries

if TYPE_CHECKING:
    from jdoffice.gui.views.receipt_preview import ReceiptPreviewDialog

log = logging.getLogger(__name__)


def pdf_file_name(body: ReceiptBody, language: str) -> str:
    """``kvittering-17.pdf`` (``receipt-17.pdf`` in English; ``refusion-…`` for a refund)."""
    if language == "en":
        stem = "refund" if body.kind == "refund" else "receipt"
    else:
        stem = "refusion" if body.kind == "refund" else "kvittering"
    return f"{stem}-{body.receipt_no}.pdf"


def free_path(folder: Path, name: str) -> Path:
    """``folder/name``, or ``name`` with ``-2``, ``-3`` … when that file exists already."""
    path = folder / name
    stem, suffix = path.stem, path.suffix
    n = 2
    while path.exists():
        path = folder / f"{stem}-{n}{suffix}"
        n += 1
    return path


def _printing(module: str) -> Any:
    return importlib.import_module(f"jdoffice.printing.{module}")


def _save_pdf(body: ReceiptBody, folder: str, language: str, copy: bool = False) -> Path:
    """Runs on a worker thread."""
    if not folder.strip():
        raise InvalidInput("no folder is chosen for receipt PDFs (Kasse → Indstillinger → Printer)")
    where = Path(folder).expanduser()
    if not where.is_dir():
        raise InvalidInput(f"the receipt folder {where} does not exist")
    written: Path = _printing("receipts").render_pdf(
        body, free_path(where, pdf_file_name(body, language)), copy=copy, language=language
    )
    return written


def _print_a4(body: ReceiptBody, printer: str, language: str, copy: bool = False) -> str:
    """Runs on a worker thread; returns the printer's name."""
    name: str = _printing("receipts").print_receipt(
        body, printer or None, copy=copy, language=language
    )
    return name


def _print_thermal(
    body: ReceiptBody, target: str, language: str, drawer: bool, copy: bool = False
) -> str:
    """Runs on a worker thread; returns the target as understood."""
    thermal = _printing("thermal")
    if not target.strip():
        raise InvalidInput("no receipt printer is set up (Kasse → Indstillinger → Printer)")
    where = thermal.parse_target(target)
    # None: the drawer opens for cash; False: never. A copy never opens it: the printer
    # layer owns that rule (thermal.should_open_drawer).
    thermal.print_receipt(
        body,
        where,
        copy=copy,
        language=language,
        open_drawer=None if drawer else False,
    )
    return str(where)


class ReceiptDelivery(QObject):
    """One receipt on its way out.

    Signals:
        delivered(str): the receipt is out; a sentence for the status bar.
        failed(str): it could not be delivered; the message shown to the receptionist.
    """

    delivered = Signal(str)
    failed = Signal(str)

    def __init__(
        self,
        ctx: DeskContext,
        parent: QWidget,
        *,
        settings: DeskSettings | None = None,
        headline: str = "",
        show: Callable[[QDialog], None] | None = None,
        copy: bool = False,
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._parent = parent
        self._settings = settings if settings is not None else desk_settings.load()
        self._headline = headline
        self._show = show
        self._copy = copy
        self._body: ReceiptBody | None = None
        self.preview: ReceiptPreviewDialog | None = None
        self.message_box: QMessageBox | None = None
        self.done = False
        self.ok = False

    @property
    def settings(self) -> DeskSettings:
        return self._settings

    @property
    def copy(self) -> bool:
        """A reprint: marked KOPI, counted as a copy, the drawer stays shut."""
        return self._copy

    @property
    def language(self) -> str:
        return self._settings.language

    # --- starting ---

    def fetch(self, receipt_no: int) -> None:
        """Read receipt ``receipt_no`` in the background, then deliver it (a copy is counted
        and audited as it is read)."""
        ctx, copy = self._ctx, self._copy
        run_task(
            lambda: (
                queries.get_receipt(
                    ctx.uow(), ctx.school, receipt_no, copy=copy, actor=ctx.acting()
                ).body
            ),
            on_success=self.deliver,
            on_failure=self._fetch_failed,
            tag="receipt-read",
        )

    def deliver(self, body: ReceiptBody) -> None:
        """Send ``body`` where the settings say."""
        self._body = body
        s = self._settings
        lang = s.language
        copy = self._copy
        output = s.receipt_output
        if output is ReceiptOutput.PREVIEW:
            self.show_preview()
            self._finish(True, "")
        elif output is ReceiptOutput.PDF:
            folder = s.pdf_folder
            self._run(lambda: _save_pdf(body, folder, lang, copy), self._pdf_saved, "receipt-pdf")
        elif output is ReceiptOutput.PRINTER:
            printer = s.printer_name
            self._run(lambda: _print_a4(body, printer, lang, copy), self._printed, "receipt-print")
        else:
            target, drawer = s.thermal_target, s.open_drawer_on_cash
            self._run(
                lambda: _print_thermal(body, target, lang, drawer, copy),
                self._printed_thermal,
                "receipt-thermal",
            )

    def _run(self, fn: Callable[[], Any], ok: Callable[[Any], None], tag: str) -> None:
        run_task(fn, on_success=ok, on_failure=self._output_failed, tag=tag)

    # --- results ---

    def _status(self, text: str) -> str:
        if self._copy:
            text = self.tr("KOPI · {0}").format(text)
        return f"{self._headline} · {text}" if self._headline else text

    def _pdf_saved(self, path: Path) -> None:
        no = self._body.receipt_no if self._body else 0
        self._finish(
            True, self._status(self.tr("Kvittering nr. {0} gemt som {1}").format(no, path))
        )

    def _printed(self, printer: str) -> None:
        no = self._body.receipt_no if self._body else 0
        text = self.tr("Kvittering nr. {0} sendt til printeren {1}").format(no, printer)
        self._finish(True, self._status(text))

    def _printed_thermal(self, target: str) -> None:
        no = self._body.receipt_no if self._body else 0
        text = self.tr("Kvittering nr. {0} udskrevet på bonprinteren ({1})").format(no, target)
        self._finish(True, self._status(text))

    def _fetch_failed(self, exc: BaseException) -> None:
        if self._copy:
            self._fail(
                self.tr("Kvitteringen kunne ikke hentes: {0}").format(exc), offer_preview=False
            )
            return
        message = self.tr(
            "Betalingen er registreret, men kvitteringen kunne ikke hentes: {0}"
        ).format(exc)
        self._fail(message, offer_preview=False)

    def _output_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, JdofficeError | OSError):
            log.error("receipt output failed", exc_info=exc)
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        if self._copy:
            message = self.tr(
                "Kopien af kvitteringen kom ikke ud: {0}\n\n"
                "Vis kvitteringen på skærmen og gem eller udskriv den derfra – eller ret "
                "printeropsætningen under Kasse → Indstillinger."
            ).format(detail)
            self._fail(message, offer_preview=True)
            return
        message = self.tr(
            "Betalingen er registreret, men kvitteringen kom ikke ud: {0}\n\n"
            "Vis kvitteringen på skærmen og gem eller udskriv den derfra – eller ret "
            "printeropsætningen under Kasse → Indstillinger."
        ).format(detail)
        self._fail(message, offer_preview=True)

    def _fail(self, message: str, *, offer_preview: bool) -> None:
        box = QMessageBox(self._parent)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(self.tr("Kvitteringen kom ikke ud"))
        box.setText(message)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if offer_preview and self._body is not None:
            show = box.addButton(self.tr("&Vis kvittering"), QMessageBox.ButtonRole.AcceptRole)
            show.clicked.connect(self.show_preview)
            box.addButton(self.tr("&Luk"), QMessageBox.ButtonRole.RejectRole)
            box.setDefaultButton(show)
        else:
            box.setStandardButtons(QMessageBox.StandardButton.Close)
        self.message_box = box
        # This object goes with the message: its "Vis kvittering" needs the receipt until then.
        box.finished.connect(self.deleteLater)
        box.open()
        self._finish(False, message)

    def _finish(self, ok: bool, message: str) -> None:
        self.done = True
        self.ok = ok
        if ok:
            self.delivered.emit(message)
            self.deleteLater()
        else:
            self.failed.emit(message)

    # --- the preview ---

    def show_preview(self) -> None:
        """Show the receipt on screen (the fallback after a printer failed, too)."""
        if self._body is None:
            return
        from jdoffice.gui.views.receipt_preview import ReceiptPreviewDialog

        dialog = ReceiptPreviewDialog(
            self._body,
            language=self.language,
            copy=self._copy,
            headline=self._headline,
            parent=self._parent,
        )
        self.preview = dialog
        if self._show is not None:
            self._show(dialog)
        else:
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.open()


def deliver_body(
    ctx: DeskContext,
    body: ReceiptBody,
    parent: QWidget,
    *,
    headline: str = "",
    settings: DeskSettings | None = None,
    show: Callable[[QDialog], None] | None = None,
    copy: bool = False,
) -> ReceiptDelivery:
    """Send a receipt already read (the payment dialog reads it back) where the desk's
    settings say.

    Args:
        headline: a line shown above the preview and in the status message (the change).
        settings: the desk's settings; read from ``QSettings`` when not given.
        show: opens the preview dialog (the main window's own way of opening dialogs);
            ``dialog.open()`` when not given.
        copy: a reprint of a receipt whose original came out already: marked KOPI, and
            the cash drawer stays shut.
    """
    delivery = ReceiptDelivery(
        ctx, parent, settings=settings, headline=headline, show=show, copy=copy
    )
    delivery.deliver(body)
    return delivery


def deliver_receipt(
    ctx: DeskContext,
    receipt_no: int,
    parent: QWidget,
    *,
    headline: str = "",
    settings: DeskSettings | None = None,
    show: Callable[[QDialog], None] | None = None,
    copy: bool = False,
) -> ReceiptDelivery:
    """Read receipt ``receipt_no`` in the background and send it where the desk's settings
    say (see :func:`deliver_body`). With ``copy`` it is counted as a copy in the audit, as
    ``jdoffice receipt N --copy`` counts it."""
    delivery = ReceiptDelivery(
        ctx, parent, settings=settings, headline=headline, show=show, copy=copy
    )
    delivery.fetch(receipt_no)
    return delivery
