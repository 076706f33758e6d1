"""Pay by QR (F6): a large QR code for what is owed on one invoice.

The student scans the code and pays on their own phone (card or MobilePay through the online
gateway). The dialog starts the checkout in the background, then asks the provider how it
stands every 2.5 s (one question at a time, never on the GUI thread) and turns to "Betalt" by
itself when the money lands. Esc cancels: the checkout is expired at the provider so a late
scan cannot pay, and if the student paid a moment before, the dialog shows the payment
instead. What the status line says is computed by the core (``online.status_text``).

The layout is the form ``ui/qr_dialog.ui``, and the painting of each step is
``jdoffice.gui.views.qr_panel``; the background work (start, poll and cancel the checkout,
send its link) is ``jdoffice.gui.qr_checkout``. This module decides what to show when, and
what the receptionist can do next, down to taking the payment at the desk instead.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Callable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import QDialog, QInputDialog, QWidget
from shiboken6 import Shiboken

from jdoffice.domain.errors import Unavailable
from jdoffice.domain.model import UTC, AttemptStatus, Invoice
from jdoffice.domain.money import format_money
from jdoffice.gui import messages, texts
from jdoffice.gui.context import DeskContext
from jdoffice.gui.qr_checkout import (
    QR_SIDE,
    Blocked,
    Choices,
    NeedsRecipient,
    QrCheckout,
    Started,
    Status,
    Why,
    default_provider,
    qr_scale,
)
from jdoffice.gui.views import qr_gateways
from jdoffice.gui.views.pay_text import error_message
from jdoffice.gui.views.qr_panel import QrPanel
from jdoffice.gui.views.state_badge import Badge
from jdoffice.services import notifications as notify
from jdoffice.services import online
from jdoffice.services.gateways import ProviderError

# Where they were first defined; the desk and its tests read them from here.
__all__ = ["QR_SIDE", "Phase", "QrDialog", "Why", "qr_scale"]

log = logging.getLogger(__name__)


class Phase(enum.Enum):
    """Where the dialog stands."""

    CHOOSING = "choosing"  # which invoice the code is for ("Betaling for"), before any checkout
    STARTING = "starting"  # the checkout is being made
    OPEN = "open"  # the QR code is shown; polling
    CANCELLING = "cancelling"  # Esc was pressed; expiring the checkout
    PAID = "paid"
    EXPIRED = "expired"
    FAILED = "failed"  # the provider says the payment failed
    BLOCKED = "blocked"  # online payment cannot be used now (off, no key, unreachable, …)


class QrDialog(QrPanel):
    """Take the payment of one invoice by QR code.

    Signals:
        changed(): money moved (the payment landed); the caller refreshes what it shows.
        receipt_requested(int): show (print) the receipt with this number.
        manual_payment_requested(str): take the payment at the desk instead (cash, bank
            transfer, MobilePay, card), for this invoice number; emitted just before the dialog
            closes.
        link_sent(object): what sending the link by SMS or e-mail did (a ``LinkSent``).
    """

    changed = Signal()
    receipt_requested = Signal(int)
    manual_payment_requested = Signal(str)
    link_sent = Signal(object)

    #: How often the provider is asked while the code is shown.
    POLL_INTERVAL_MS = 2500

    def __init__(
        self,
        ctx: DeskContext,
        invoice_no: str,
        parent: QWidget | None = None,
        *,
        student_name: str = "",
        student_no: str = "",
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._invoice_no = invoice_no.strip()
        # Who pays, in the dialog's first row: a dialog that moves money always names the
        # student (issue 11), so a QR is never shown for someone other than the one at the desk.
        student = (
            self.tr("{0}  ·  elevnr. {1}").format(student_name, student_no) if student_name else ""
        )
        self._student_no = student_no.strip()
        self._now: Callable[[], dt.datetime] = lambda: dt.datetime.now(UTC)
        self._phase = Phase.CHOOSING if self._student_no else Phase.STARTING
        self._ops = QrCheckout(ctx, self._alive)
        self._ops.gateway_name = qr_gateways.remembered()
        self._gateways = qr_gateways.GatewayChoice(self, ctx)
        self._buttons = (*self._buttons, self._gateways.push_button)
        self._view: online.AttemptView | None = None
        self._invoice_text = ""
        self._receipt_no: int | None = None
        self._why: Why | None = None
        self._reachable = True
        self._polling = False
        self._cancel_wanted = False
        self._finished = False
        self._announced = False
        self._sending_link = False

        self.student_label.setText(student)
        self.student_label.setVisible(bool(student))
        self.setWindowTitle(self.tr("Betal med QR-kode – faktura {0}").format(self._invoice_no))
        self._connect_buttons()

        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._on_tick)
        self._poll_timer = QTimer(self)
        self._poll_timer.setSingleShot(True)
        self._poll_timer.timeout.connect(self._poll)
        self._copied_timer = QTimer(self)
        self._copied_timer.setSingleShot(True)
        self._copied_timer.setInterval(2000)
        self._copied_timer.timeout.connect(lambda: self.copy_button.setText(self.tr("Kopiér link")))
        copy = QShortcut(QKeySequence(QKeySequence.StandardKey.Copy), self)
        copy.activated.connect(self._copy_link)

        if self._student_no:
            self._choose()
        else:
            self._start()

    # -- what tests and the main window may read -------------------------------------------

    @property
    def phase(self) -> Phase:
        return self._phase

    @property
    def why(self) -> Why | None:
        """Why online payment is blocked (``phase`` is ``BLOCKED``)."""
        return self._why

    @property
    def attempt(self) -> online.AttemptView | None:
        return self._view

    @property
    def link_url(self) -> str:
        """The checkout address encoded in the QR code ("" before it exists)."""
        return (self._view.url or "") if self._view is not None else ""

    @property
    def receipt_no(self) -> int | None:
        return self._receipt_no

    @property
    def invoice_no(self) -> str:
        """The invoice the code is (or will be) for."""
        return self._invoice_no

    def qr_pixmap(self) -> QPixmap:
        pixmap: QPixmap = self.qr_label.pixmap()
        return pixmap

    def _connect_buttons(self) -> None:
        self.invoice_combo.currentIndexChanged.connect(self._choice_changed)
        self.choose_button.clicked.connect(self._chosen)
        self.copy_button.clicked.connect(self._copy_link)
        self.sms_button.clicked.connect(lambda: self.send_link("sms"))
        self.email_button.clicked.connect(lambda: self.send_link("email"))
        self._gateways.push_button.clicked.connect(self.push_to_phone)
        self.receipt_button.clicked.connect(self._show_receipt)
        self.manual_button.clicked.connect(self._go_manual)
        self.retry_button.clicked.connect(self._start)
        self.cancel_button.clicked.connect(self.reject)
        self.close_button.clicked.connect(self._close)

    # -- which invoice ----------------------------------------------------------------------

    def _choose(self) -> None:
        """Look up the student's open invoices; with more than one, ask which (the invoice
        the desk passed, the oldest open one unless staff picked another, is preselected)."""
        self.badge.set_kind(Badge.BUSY)
        self.visual.setCurrentWidget(self.badge)
        self.title_label.setText(self.tr("Betal med QR-kode"))
        self.invoice_label.setText(self.tr("Faktura {0}").format(self._invoice_no))
        self._set_countdown("")
        self.status_label.setText(self.tr("Henter elevens fakturaer…"))
        self._show_buttons(self.cancel_button)
        self._ops.choose(self._student_no, self._on_choices, self._on_choices_failed)

    def _on_choices(self, choices: Choices) -> None:
        several = self._gateways.offer(choices.gateways)
        if not choices.invoices or (len(choices.invoices) < 2 and not several):
            # One invoice (or online payment off, which the start explains): nothing to choose.
            self._start()
            return
        loc = self._ctx.locale
        lang = self._ctx.language
        combo = self.invoice_combo
        combo.blockSignals(True)
        combo.clear()
        for inv in choices.invoices:
            combo.addItem(
                self.tr("Faktura {0} · {1} · forfald {2} · {3}").format(
                    inv.invoice_no,
                    inv.text,
                    texts.local_date(inv.due_date, lang),
                    format_money(inv.outstanding_minor, inv.currency, loc),
                ),
                inv,
            )
        wanted = next(
            (k for k, inv in enumerate(choices.invoices) if inv.invoice_no == self._invoice_no), 0
        )
        combo.setCurrentIndex(wanted)
        combo.blockSignals(False)
        self.choice_box.setVisible(True)
        self.title_label.setText(self.tr("Hvilken faktura betales?"))
        self.status_label.setText(
            self.tr("Vælg fakturaen, og tryk Enter for at vise QR-koden for dens beløb.")
        )
        self._choice_changed()
        self._show_buttons(self.choose_button, self.cancel_button, default=self.choose_button)
        combo.setFocus()

    def _on_choices_failed(self, exc: BaseException) -> None:
        log.warning("the student's invoices could not be read", exc_info=exc)
        self._start()  # the start says what is wrong (database, …) for the passed invoice

    def chosen_invoice(self) -> Invoice | None:
        data = self.invoice_combo.currentData()
        return data if isinstance(data, Invoice) else None

    def _choice_changed(self) -> None:
        inv = self.chosen_invoice()
        if inv is None:
            return
        self.amount_label.setText(
            format_money(inv.outstanding_minor, inv.currency, self._ctx.locale)
        )
        self.invoice_label.setText(self.tr("Faktura {0}").format(inv.invoice_no) + f" · {inv.text}")

    def _chosen(self) -> None:
        inv = self.chosen_invoice()
        if self._phase is not Phase.CHOOSING or inv is None:
            return
        self._invoice_no = inv.invoice_no
        self._ops.gateway_name = self._gateways.chosen() or self._ops.gateway_name
        self.setWindowTitle(self.tr("Betal med QR-kode – faktura {0}").format(self._invoice_no))
        self.choice_box.setVisible(False)
        self._start()

    # -- starting ---------------------------------------------------------------------------

    def _start(self) -> None:
        if self._finished or self._ops.running("start"):
            return
        self._phase = Phase.STARTING
        self.choice_box.setVisible(False)
        self._why = None
        self._reachable = True
        self._view = None
        self.badge.set_kind(Badge.BUSY)
        self.visual.setCurrentWidget(self.badge)
        self.title_label.setText(self.tr("Betal med QR-kode"))
        self.amount_label.setText("")
        self.invoice_label.setText(self.tr("Faktura {0}").format(self._invoice_no))
        self._set_countdown("")
        self.status_label.setText(self.tr("Opretter betalingen…"))
        self.link_label.set_full_text("")
        self._show_buttons(self.cancel_button)
        dpr = self.devicePixelRatioF()
        self._ops.start(self._invoice_no, dpr, self._on_started, self._on_start_failed)

    def _on_started(self, result: Started | Blocked) -> None:
        if isinstance(result, Blocked):
            inv = result.invoice
            if inv is not None and inv.outstanding_minor > 0:
                # What would have been paid, so the desk still sees what to take by hand.
                money = format_money(inv.outstanding_minor, inv.currency, self._ctx.locale)
                self.amount_label.setText(money)
                self.invoice_label.setText(
                    self.tr("Faktura {0}").format(inv.invoice_no) + f" · {inv.text}"
                )
            self._block(result.why, result.detail, result.provider)
            return
        self._invoice_text = result.invoice_text
        if self._cancel_wanted:
            # Esc was pressed while the checkout was being made: expire it at once.
            self._view = result.view
            self._cancel()
            return
        self._show_view(result.view, None, qr=result.qr_png)

    def _on_start_failed(self, exc: BaseException) -> None:
        self._block(Why.ERROR, error_message(exc, self._ctx.locale), default_provider(self._ctx))

    # -- the open checkout ------------------------------------------------------------------

    def _show_view(self, view: online.AttemptView, receipt_no: int | None, qr: bytes = b"") -> None:
        """Paint what the provider last said about the checkout."""
        self._view = view
        status = view.status
        money = format_money(view.amount_minor, view.currency, self._ctx.locale)
        self.amount_label.setText(money)
        text = f" · {self._invoice_text}" if self._invoice_text else ""
        self.invoice_label.setText(self.tr("Faktura {0}").format(view.invoice_no) + text)
        if status is AttemptStatus.PAID:
            self._paid(receipt_no)
        elif status is AttemptStatus.EXPIRED:
            self._ended(Phase.EXPIRED, Badge.EXPIRED, self.tr("Betalingen er udløbet"))
        elif status is AttemptStatus.FAILED:
            self._ended(Phase.FAILED, Badge.FAILED, self.tr("Betalingen mislykkedes"))
        elif status is AttemptStatus.REVIEW:
            # The provider's answer did not match the invoice: flagged, no money moved; the
            # status line says where staff find it (Kasse → Afvigelser).
            # The student may well have paid: starting again or taking the money at the desk
            # could charge twice, so the dialog only closes until staff have looked.
            self._ended(
                Phase.FAILED, Badge.FAILED, self.tr("Betalingen skal gennemses"), retry=False
            )
        elif status is AttemptStatus.CANCELLED:
            self._finish(QDialog.DialogCode.Rejected)
        else:
            if qr:
                self._set_qr(qr)
            pushed = self._ops.flow == "push"
            if self._phase is not Phase.CANCELLING:
                self._phase = Phase.OPEN
                self.title_label.setText(self.tr("Scan koden og betal"))
                self._show_buttons(
                    self.copy_button, self.sms_button, self.email_button, self.cancel_button
                )
                self._gateways.paint_open(self, view.gateway, pushed=pushed)
            if status is AttemptStatus.OPEN:
                if not pushed:  # pushed: no code to scan, the payment waits in the app
                    self.visual.setCurrentWidget(self.qr_label)
            else:
                # Completed on the phone and settling: the code has done its job.
                self.badge.set_kind(Badge.BUSY)
                self.visual.setCurrentWidget(self.badge)
            self.link_label.set_full_text(view.url or "")
            self._paint_status()
            if not self._tick.isActive():
                self._tick.start()
            self._schedule_poll()

    def push_to_phone(self) -> None:
        """Send the payment to the student's app instead of the code on the screen: the open
        checkout is cancelled and one is pushed to the student's mobile."""
        view = self._view
        if self._finished or view is None or self._phase is not Phase.OPEN:
            return
        if self._ops.running("start"):
            return
        self._poll_timer.stop()
        self._ops.flow = "push"
        self._phase = Phase.STARTING
        self._gateways.paint_pushing(self)
        dpr = self.devicePixelRatioF()
        ok, bad = self._on_started, self._on_start_failed
        self._ops.start_as(view.invoice_no, dpr, ok, bad, view.attempt_id)

    def _paint_status(self) -> None:
        view = self._view
        if view is None:
            return
        now = self._now()
        lang = self._ctx.language
        left = online.countdown_text(view, now)
        self._set_countdown(self.tr("Udløber om {0}").format(left) if left else "")
        if self._ops.flow == "push" and view.status is AttemptStatus.OPEN:
            if self._phase is not Phase.CANCELLING:
                self.status_label.setText(self._gateways.push_status())
            return
        if self._phase is not Phase.CANCELLING:
            self.status_label.setText(
                online.status_text(view, now, lang, reachable=self._reachable)
            )

    def _on_tick(self) -> None:
        self._paint_status()
        view = self._view
        if (
            view is not None
            and self._phase is Phase.OPEN
            and online.seconds_left(view, self._now()) == 0
            and not self._polling
        ):
            # Time is up here; ask the provider now rather than at the next poll.
            self._poll_timer.stop()
            self._poll()

    def _schedule_poll(self) -> None:
        if self._phase is Phase.OPEN and not self._polling and not self._poll_timer.isActive():
            self._poll_timer.start(self.POLL_INTERVAL_MS)

    def _poll(self) -> None:
        view = self._view
        if self._phase is not Phase.OPEN or self._polling or view is None:
            return
        if self._ops.gateway is None:
            return
        self._polling = True
        self._ops.poll(view.attempt_id, self._on_polled, self._on_poll_failed)

    def _on_polled(self, status: Status) -> None:
        self._polling = False
        self._reachable = True
        if status.view.status is AttemptStatus.PAID or self._phase is Phase.OPEN:
            self._show_view(status.view, status.receipt_no)

    def _on_poll_failed(self, exc: BaseException) -> None:
        self._polling = False
        if not isinstance(exc, ProviderError | Unavailable):
            log.warning("status check of the QR payment failed: %s", exc)
        self._reachable = False
        self._paint_status()
        self._schedule_poll()

    # -- endings ----------------------------------------------------------------------------

    def _paid(self, receipt_no: int | None) -> None:
        if self._phase is Phase.PAID:
            return
        self._phase = Phase.PAID
        self._receipt_no = receipt_no
        self._stop_timers()
        self._paint_paid(receipt_no)
        if not self._announced:
            self._announced = True
            self.changed.emit()

        if not self._announced:
            self._announced = True
            self.changed.emit()

    def _ended(self, phase: Phase, badge: Badge, title: str, *, retry: bool = True) -> None:
        """The checkout expired or failed: nothing was paid; offer to start again (unless
        ``retry`` is False: a payment that needs review may have been paid)."""
        self._phase = phase
        self._stop_timers()
        view = self._view
        status = online.status_text(view, self._now(), self._ctx.language) if view else None
        self._paint_ended(badge, title, status, retry=retry)

    def _block(self, why: Why, detail: str, provider: str) -> None:
        """Online payment cannot be used now: say why in plain words and offer what can."""
        if self._cancel_wanted:
            self._finish(QDialog.DialogCode.Rejected)
            return
        self._phase = Phase.BLOCKED
        self._why = why
        self._stop_timers()
        self._paint_blocked(why, detail, provider, self._invoice_no, self._ctx.locale)

    # -- actions ----------------------------------------------------------------------------

    def _copy_link(self) -> None:
        if self._phase is not Phase.OPEN or not self.link_url:
            return
        clipboard = QGuiApplication.clipboard()
        clipboard.setText(self.link_url)
        self.copy_button.setText(self.tr("Kopieret ✓"))
        self._copied_timer.start()

    # -- the link by SMS or e-mail --------------------------------------------------------

    def send_link(self, channel: str, to: str | None = None) -> None:
        """Send the checkout's link to the student's phone (``sms``) or e-mail instead of
        showing the code; ``to`` overrides the number or address on file."""
        view = self._view
        if self._phase is not Phase.OPEN or view is None or self._sending_link:
            return
        self._sending_link = True
        # A press while one is on its way is ignored (a double click sends once); a press
        # after the answer is a deliberate "send it again" (the student did not get it).
        self._show_sent(self.tr("Sender linket …"), error=False)
        self._ops.send_link(view.attempt_id, channel, to, self._on_link_done, self._on_link_failed)

    def _on_link_done(self, result: notify.LinkSent | NeedsRecipient) -> None:
        self._sending_link = False
        if isinstance(result, NeedsRecipient):
            # Asked once this job has ended, so the answer can start the next one.
            QTimer.singleShot(0, lambda: self._ask_recipient(result.channel, result.note))
            return
        self._show_sent(messages.link_text(result), error=not result.sent)
        self.link_sent.emit(result)

    def _on_link_failed(self, exc: BaseException) -> None:
        self._sending_link = False
        self._show_sent(error_message(exc, self._ctx.locale), error=True)

    def _ask_recipient(self, channel: str, note: str) -> None:
        if not self._alive():
            return
        log.info("payment link: %s", note)
        if channel == "sms":
            prompt = self.tr("Eleven har intet gyldigt mobilnummer.\nSend linket til nummeret:")
        else:
            prompt = self.tr("Eleven har ingen gyldig e-mail.\nSend linket til adressen:")
        self._show_sent("", error=False)
        to, ok = QInputDialog.getText(self, self.tr("Send link"), prompt)
        if ok and to.strip():
            self.send_link(channel, to.strip())

    def _show_receipt(self) -> None:
        if self._receipt_no is not None:
            self.receipt_requested.emit(self._receipt_no)
        self._finish(QDialog.DialogCode.Accepted)

    def _go_manual(self) -> None:
        self.manual_payment_requested.emit(self._invoice_no)
        self._finish(QDialog.DialogCode.Rejected)

    def _close(self) -> None:
        paid = self._phase is Phase.PAID
        self._finish(QDialog.DialogCode.Accepted if paid else QDialog.DialogCode.Rejected)

    def reject(self) -> None:
        """Esc, the Cancel button and the window's close box: cancel the open checkout at the
        provider first (it could still be paid otherwise), then close."""
        if self._finished:
            return
        if self._phase is Phase.STARTING:
            # The checkout may be on its way: cancel it as soon as it exists.
            self._cancel_wanted = True
            self._phase = Phase.CANCELLING
            self.status_label.setText(self.tr("Annullerer…"))
            self._show_buttons()
            return
        if self._phase is Phase.OPEN:
            self._cancel()
            return
        if self._phase is Phase.CANCELLING:
            return
        self._close()

    def _cancel(self) -> None:
        view = self._view
        if view is None or self._ops.gateway is None:
            self._finish(QDialog.DialogCode.Rejected)
            return
        self._phase = Phase.CANCELLING
        self._stop_timers()
        self.status_label.setText(self.tr("Annullerer betalingen…"))
        self._show_buttons()
        self._ops.cancel(view.attempt_id, self._on_cancelled, self._on_cancel_failed)

    def _on_cancelled(self, status: Status) -> None:
        self._cancel_wanted = False
        view = status.view
        if view.status is AttemptStatus.PAID:
            self._show_view(view, status.receipt_no)
        elif view.status is AttemptStatus.PROCESSING:
            # Completed by the student, still settling: it cannot be cancelled any more.
            self._phase = Phase.OPEN
            self._show_view(view, None)
            self.status_label.setText(
                self.tr("Eleven har allerede betalt; betalingen behandles og kan ikke annulleres.")
            )
        else:
            self._finish(QDialog.DialogCode.Rejected)

    def _on_cancel_failed(self, exc: BaseException) -> None:
        self._cancel_wanted = False
        self._phase = Phase.OPEN
        self._reachable = False
        self._tick.start()
        self._schedule_poll()
        self.status_label.setText(
            self.tr(
                "Betalingen kunne ikke annulleres, så eleven kan stadig nå at betale. "
                "Tryk Esc for at prøve igen, eller luk alligevel."
            )
            + "\n"
            + error_message(exc, self._ctx.locale)
        )
        self.close_button.setText(self.tr("Luk alligevel"))
        self._show_buttons(self.copy_button, self.cancel_button, self.close_button)

    # -- plumbing ---------------------------------------------------------------------------

    def _stop_timers(self) -> None:
        self._tick.stop()
        self._poll_timer.stop()

    def _alive(self) -> bool:
        # Closed, or deleted with its parent window while a job was still running.
        return not self._finished and Shiboken.isValid(self)

    def _finish(self, code: QDialog.DialogCode) -> None:
        if self._finished:
            return
        self._finished = True
        self._stop_timers()
        self._copied_timer.stop()
        self._ops.release()
        super().done(int(code.value))

    def done(self, arg__1: int) -> None:
        # Every way out (accept, Esc after the end, the main window closing us) passes here.
        if self._finished:
            super().done(arg__1)
            return
        if self._phase in (Phase.OPEN, Phase.STARTING, Phase.CANCELLING):
            self.reject()
            return
        self._finish(QDialog.DialogCode(arg__1))
