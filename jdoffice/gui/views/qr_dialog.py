"""Pay by QR (F6): a large QR code for what is owed on one invoice.

The student scans the code and pays on their own phone (card or MobilePay through the online
gateway). The dialog starts the checkout in the background, then asks the provider how it
stands every 2.5 s (one question at a time, never on the GUI thread) and turns to "Betalt" by
itself when the money lands. Esc cancels: the checkout is expired at the provider so a late
scan cannot pay, and if the student paid a moment before, the dialog shows the payment
instead. What the status line says is computed by the core (``online.status_text``).
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import (
    QFont,
    QFontMetrics,
    QGuiApplication,
    QKeySequence,
    QPalette,
    QPixmap,
    QResizeEvent,
    QShortcut,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import Shiboken

from jdoffice.adapters.qr import make_qr, qr_png
from jdoffice.domain.errors import BusinessRuleError, InvalidInput, NotFound, Unavailable
from jdoffice.domain.model import UTC, AttemptStatus, Invoice
from jdoffice.domain.money import format_money
from jdoffice.gui import messages, texts
from jdoffice.gui.background import Task, run_task
from jdoffice.gui.context import DeskContext
from jdoffice.gui.views.pay_text import error_message, provider_name
from jdoffice.gui.views.state_badge import Badge, StateBadge
from jdoffice.services import notifications as notify
from jdoffice.services import online, queries
from jdoffice.services.gateways import OnlineGateway, ProviderError, ProviderRefused

log = logging.getLogger(__name__)

#: Logical pixels the QR code is at least as wide as: a phone reads it from a desk's width away.
QR_SIDE = 340
#: Quiet zone around the code, in modules (the QR standard asks for 4).
QR_BORDER = 4


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


class Why(enum.Enum):
    """Why online payment cannot be used."""

    OFF = "off"
    NO_KEY = "no_key"
    UNREACHABLE = "unreachable"
    REFUSED = "refused"
    NOTHING_OWED = "nothing_owed"
    NOT_FOUND = "not_found"
    DATABASE = "database"
    ERROR = "error"


@dataclass(frozen=True)
class _Started:
    view: online.AttemptView
    invoice_text: str
    qr_png: bytes
    gateway: OnlineGateway


@dataclass(frozen=True)
class _Blocked:
    why: Why
    detail: str
    provider: str
    gateway: OnlineGateway | None
    invoice: Invoice | None = None


@dataclass(frozen=True)
class _Status:
    view: online.AttemptView
    receipt_no: int | None


class _ElidedLabel(QLabel):
    """One line of text shortened in the middle to the width it gets; the tooltip has it all."""

    def __init__(self) -> None:
        super().__init__()
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        metrics = QFontMetrics(self.font())
        self.setText(metrics.elidedText(self._full, Qt.TextElideMode.ElideMiddle, self.width()))


def qr_scale(url: str, side: int, device_pixel_ratio: float = 1.0) -> int:
    """The module size in device pixels that makes the code at least ``side`` logical pixels
    wide. Whole pixels per module keep the edges crisp: scaling a QR image blurs it."""
    modules = int(make_qr(url).symbol_size(scale=1, border=QR_BORDER)[0])
    return max(1, math.ceil(side * device_pixel_ratio / modules))


def _start_job(
    ctx: DeskContext, invoice_no: str, gateway: OnlineGateway | None, dpr: float
) -> _Started | _Blocked:
    """Runs on the thread pool: settings, the gateway, the checkout and the QR image."""
    school = ctx.school
    provider = "Stripe"
    invoice: Invoice | None = None

    def blocked(why: Why, detail: str = "", gw: OnlineGateway | None = gateway) -> _Blocked:
        return _Blocked(why, detail, provider, gw, invoice)

    try:
        invoice = queries.get_invoice(ctx.uow(), school, invoice_no)
        if invoice.outstanding_minor <= 0:
            return blocked(Why.NOTHING_OWED)
        settings = ctx.app.payment_settings(school)
        provider = provider_name(settings.gateway)
        if not settings.online_enabled:
            return blocked(Why.OFF)
        if gateway is None:
            try:
                gateway = ctx.app.online_gateway(school, settings)
            except (BusinessRuleError, InvalidInput, Unavailable) as exc:
                # No key, an unknown gateway, or no keyring on this machine.
                return blocked(Why.NO_KEY, str(exc), None)
        view = online.start_online_payment(
            ctx.uow(), school, gateway, settings, invoice_no=invoice.invoice_no, actor=ctx.actor
        )
    except ProviderError as exc:
        return blocked(Why.UNREACHABLE, str(exc), gateway)
    except ProviderRefused as exc:
        return blocked(Why.REFUSED, str(exc), gateway)
    except NotFound as exc:
        return blocked(Why.NOT_FOUND, str(exc), gateway)
    except BusinessRuleError as exc:
        # Paid at another desk between the read above and the start, or cancelled.
        return blocked(Why.NOTHING_OWED, str(exc), gateway)
    except Unavailable as exc:
        return blocked(Why.DATABASE, str(exc), gateway)
    png = b""
    if view.url:
        png = qr_png(view.url, scale=qr_scale(view.url, QR_SIDE, dpr))
    return _Started(view, invoice.text, png, gateway)


@dataclass(frozen=True)
class _Choices:
    """What the "Betaling for" choice offers: the student's open invoices, oldest due first
    (empty when online payment is off: there is nothing to choose a code for)."""

    invoices: tuple[Invoice, ...]


def _choices_job(ctx: DeskContext, student_no: str) -> _Choices:
    settings = ctx.app.payment_settings(ctx.school)
    if not settings.online_enabled:
        return _Choices(())
    view = queries.student_view(ctx.read_uow(), ctx.school, student_no)
    open_ = sorted(
        (i for i in view.invoices if i.outstanding_minor > 0), key=lambda i: (i.due_date, i.id)
    )
    return _Choices(tuple(open_))


def _receipt_of(ctx: DeskContext, view: online.AttemptView) -> int | None:
    if view.status is not AttemptStatus.PAID or view.payment_id is None:
        return None
    return queries.payment_detail(ctx.uow(), ctx.school, view.payment_id).payment.receipt_no


def _poll_job(ctx: DeskContext, gateway: OnlineGateway, attempt_id: str) -> _Status:
    view = online.check_attempt(ctx.uow(), ctx.school, gateway, attempt_id)
    return _Status(view, _receipt_of(ctx, view))


def _cancel_job(ctx: DeskContext, gateway: OnlineGateway, attempt_id: str) -> _Status:
    try:
        view = online.cancel_attempt(ctx.uow(), ctx.school, gateway, attempt_id, ctx.actor)
    except ProviderRefused:
        raise
    except BusinessRuleError:
        # "already paid": the student was quicker than the Esc key.
        view = online.AttemptView.of(online.get_attempt(ctx.uow(), ctx.school, attempt_id))
        if view.status is not AttemptStatus.PAID:
            raise
    return _Status(view, _receipt_of(ctx, view))


@dataclass(frozen=True, slots=True)
class _NeedsRecipient:
    """The student has no (valid) number or address on file for ``channel``."""

    channel: str
    note: str


def _link_job(
    ctx: DeskContext, attempt_id: str, channel: str, to: str | None, key: str
) -> notify.LinkSent | _NeedsRecipient:
    if to is None:
        uow = ctx.uow()
        with uow:
            attempt = uow.attempts.get(attempt_id)
            student = uow.students.get(attempt.student_id) if attempt is not None else None
        if student is not None:
            recipient, note = notify.recipient_of(student, channel)
            if not recipient:
                return _NeedsRecipient(channel, note or "")
    return notify.send_payment_link(
        ctx.uow(),
        ctx.school,
        messages.transports(ctx),
        attempt_id=attempt_id,
        channel=channel,
        to=to,
        key=key,
    )


class QrDialog(QDialog):
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
        self._student = (
            self.tr("{0}  ·  elevnr. {1}").format(student_name, student_no) if student_name else ""
        )
        self._student_no = student_no.strip()
        self._now: Callable[[], dt.datetime] = lambda: dt.datetime.now(UTC)
        self._phase = Phase.CHOOSING if self._student_no else Phase.STARTING
        self._gateway: OnlineGateway | None = None
        self._view: online.AttemptView | None = None
        self._invoice_text = ""
        self._receipt_no: int | None = None
        self._why: Why | None = None
        self._reachable = True
        self._polling = False
        self._cancel_wanted = False
        self._finished = False
        self._jobs = 0
        self._running_tags: list[str] = []
        self._announced = False
        self._sending_link = False

        self.setWindowTitle(self.tr("Betal med QR-kode – faktura {0}").format(self._invoice_no))
        self.setModal(True)
        self._build()

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
        return self.qr_label.pixmap()

    # -- layout -----------------------------------------------------------------------------

    def _build(self) -> None:
        base = self.font().pointSizeF()

        self.qr_label = QLabel()
        self.qr_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr_label.setStyleSheet("background: white;")
        self.qr_label.setAccessibleName(self.tr("QR-kode til betaling"))
        self.badge = StateBadge()
        self.visual = QStackedWidget()
        self.visual.addWidget(self.badge)
        self.visual.addWidget(self.qr_label)
        side = QR_SIDE + 40
        self.visual.setFixedSize(side, side)

        def label(size: float = 1.0, bold: bool = False, wrap: bool = False) -> QLabel:
            w = QLabel()
            f = QFont(self.font())
            f.setPointSizeF(base * size)
            f.setBold(bold)
            w.setFont(f)
            w.setWordWrap(wrap)
            w.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            return w

        self.student_label = label(1.1, bold=True, wrap=True)
        self.student_label.setText(self._student)
        self.student_label.setVisible(bool(self._student))
        self.title_label = label(1.5, bold=True, wrap=True)
        self.amount_label = label(2.6, bold=True)
        self.invoice_label = label(1.1, wrap=True)
        self.countdown_label = label(1.3)
        self.status_label = label(1.1, wrap=True)
        self.status_label.setMinimumHeight(int(QFontMetrics(self.status_label.font()).height() * 3))
        self.status_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.link_label = _ElidedLabel()
        small = QFont(self.font())
        small.setPointSizeF(base * 0.85)
        self.link_label.setFont(small)
        self.link_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.sent_label = label(0.95, wrap=True)
        self.sent_label.setVisible(False)

        # "Betaling for": which invoice the code is for, as F5 asks (shown before the checkout
        # is made when the student has more than one open invoice).
        self.choice_box = QWidget()
        choice = QVBoxLayout(self.choice_box)
        choice.setContentsMargins(0, 0, 0, 0)
        self.invoice_combo = QComboBox()
        self.invoice_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.invoice_combo.currentIndexChanged.connect(self._choice_changed)
        self.choice_caption = QLabel(self.tr("&Betaling for:"))
        self.choice_caption.setBuddy(self.invoice_combo)
        choice.addWidget(self.choice_caption)
        choice.addWidget(self.invoice_combo)
        self.choice_box.setVisible(False)

        def button(text: str, slot: Callable[[], Any]) -> QPushButton:
            b = QPushButton(text)
            b.setAutoDefault(False)
            b.clicked.connect(slot)
            return b

        self.choose_button = button(self.tr("Vis QR-kode (Enter)"), self._chosen)
        self.copy_button = button(self.tr("Kopiér link"), self._copy_link)
        self.sms_button = button(self.tr("Send som SMS"), lambda: self.send_link("sms"))
        self.sms_button.setToolTip(self.tr("Send linket til elevens mobil i stedet for at scanne"))
        self.email_button = button(self.tr("Send som e-mail"), lambda: self.send_link("email"))
        self.email_button.setToolTip(self.tr("Send linket til elevens e-mail"))
        self.receipt_button = button(self.tr("Vis kvittering"), self._show_receipt)
        self.manual_button = button(self.tr("Tag betaling ved skranken"), self._go_manual)
        self.retry_button = button(self.tr("Prøv igen"), self._start)
        self.cancel_button = button(self.tr("Annullér (Esc)"), self.reject)
        self.close_button = button(self.tr("Luk"), self._close)
        self._buttons = (
            self.choose_button,
            self.copy_button,
            self.sms_button,
            self.email_button,
            self.receipt_button,
            self.manual_button,
            self.retry_button,
            self.cancel_button,
            self.close_button,
        )
        row = QHBoxLayout()
        for b in self._buttons:
            row.addWidget(b)
        row.insertStretch(1, 1)

        info = QVBoxLayout()
        info.setSpacing(8)
        info.addWidget(self.student_label)
        info.addWidget(self.title_label)
        info.addSpacing(6)
        info.addWidget(self.amount_label)
        info.addWidget(self.invoice_label)
        info.addWidget(self.choice_box)
        info.addSpacing(12)
        info.addWidget(self.countdown_label)
        info.addWidget(self.status_label)
        info.addStretch(1)
        info.addWidget(self.link_label)
        info.addWidget(self.sent_label)
        info.addSpacing(6)
        info.addLayout(row)

        root = QHBoxLayout(self)
        root.setContentsMargins(20, 20, 20, 20)
        root.setSpacing(24)
        root.addWidget(self.visual, 0, Qt.AlignmentFlag.AlignTop)
        root.addLayout(info, 1)
        self.setMinimumWidth(side + 560)

    def _show_buttons(self, *shown: QPushButton, default: QPushButton | None = None) -> None:
        for b in self._buttons:
            b.setVisible(b in shown)
            b.setDefault(b is default)
        if default is not None:
            default.setFocus()

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
        ctx, no = self._ctx, self._student_no
        self._run(
            lambda: _choices_job(ctx, no), self._on_choices, self._on_choices_failed, "choose"
        )

    def _on_choices(self, choices: _Choices) -> None:
        if len(choices.invoices) < 2:
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
        self.setWindowTitle(self.tr("Betal med QR-kode – faktura {0}").format(self._invoice_no))
        self.choice_box.setVisible(False)
        self._start()

    # -- starting ---------------------------------------------------------------------------

    def _start(self) -> None:
        if self._finished or "start" in self._running_tags:
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
        ctx, invoice_no, gateway = self._ctx, self._invoice_no, self._gateway
        dpr = self.devicePixelRatioF()
        self._run(
            lambda: _start_job(ctx, invoice_no, gateway, dpr),
            self._on_started,
            self._on_start_failed,
            "start",
        )

    def _on_started(self, result: _Started | _Blocked) -> None:
        self._gateway = result.gateway
        if isinstance(result, _Blocked):
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
        self._block(Why.ERROR, error_message(exc, self._ctx.locale), "Stripe")

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
            if self._phase is not Phase.CANCELLING:
                self._phase = Phase.OPEN
                self.title_label.setText(self.tr("Scan koden og betal"))
                self._show_buttons(
                    self.copy_button, self.sms_button, self.email_button, self.cancel_button
                )
            if status is AttemptStatus.OPEN:
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

    def _set_countdown(self, text: str) -> None:
        self.countdown_label.setText(text)
        self.countdown_label.setVisible(bool(text))

    def _set_qr(self, png: bytes) -> None:
        pixmap = QPixmap()
        pixmap.loadFromData(png, "PNG")
        pixmap.setDevicePixelRatio(self.devicePixelRatioF())
        self.qr_label.setPixmap(pixmap)
        # A long address makes a denser code; the white box grows with it, keeping the
        # quiet zone around the code.
        logical = math.ceil(pixmap.width() / pixmap.devicePixelRatio())
        side = max(QR_SIDE + 40, logical + 24)
        self.visual.setFixedSize(side, side)

    def _paint_status(self) -> None:
        view = self._view
        if view is None:
            return
        now = self._now()
        lang = self._ctx.language
        left = online.countdown_text(view, now)
        self._set_countdown(self.tr("Udløber om {0}").format(left) if left else "")
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
        view, gateway = self._view, self._gateway
        if self._phase is not Phase.OPEN or self._polling or view is None or gateway is None:
            return
        self._polling = True
        ctx, attempt_id = self._ctx, view.attempt_id
        self._run(
            lambda: _poll_job(ctx, gateway, attempt_id),
            self._on_polled,
            self._on_poll_failed,
            "poll",
        )

    def _on_polled(self, status: _Status) -> None:
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
        self.badge.set_kind(Badge.PAID)
        self.visual.setCurrentWidget(self.badge)
        self.title_label.setText(self.tr("Betalt ✓"))
        big = QFont(self.title_label.font())
        big.setPointSizeF(self.font().pointSizeF() * 2.6)
        self.title_label.setFont(big)
        self.title_label.setStyleSheet("color: #1a7f37;")
        self._set_countdown("")
        self.link_label.set_full_text("")
        self.status_label.setText(
            self.tr("Betalingen er modtaget. Kvittering nr. {0}.").format(receipt_no)
            if receipt_no is not None
            else self.tr("Betalingen er modtaget.")
        )
        self.receipt_button.setEnabled(receipt_no is not None)
        self._show_buttons(self.receipt_button, self.close_button, default=self.receipt_button)
        if not self._announced:
            self._announced = True
            self.changed.emit()

    def _ended(self, phase: Phase, badge: Badge, title: str, *, retry: bool = True) -> None:
        """The checkout expired or failed: nothing was paid; offer to start again (unless
        ``retry`` is False: a payment that needs review may have been paid)."""
        self._phase = phase
        self._stop_timers()
        self.badge.set_kind(badge)
        self.visual.setCurrentWidget(self.badge)
        self.title_label.setText(title)
        self._set_countdown("")
        self.link_label.set_full_text("")
        if self._view is not None:
            self.status_label.setText(
                online.status_text(self._view, self._now(), self._ctx.language)
            )
        if not retry:
            self._show_buttons(self.close_button, default=self.close_button)
            return
        self.retry_button.setText(self.tr("Start igen"))
        self._show_buttons(
            self.retry_button, self.manual_button, self.close_button, default=self.retry_button
        )

    def _block(self, why: Why, detail: str, provider: str) -> None:
        """Online payment cannot be used now: say why in plain words and offer what can."""
        if self._cancel_wanted:
            self._finish(QDialog.DialogCode.Rejected)
            return
        self._phase = Phase.BLOCKED
        self._why = why
        self._stop_timers()
        self.badge.set_kind(Badge.WARNING)
        self.visual.setCurrentWidget(self.badge)
        self._set_countdown("")
        self.link_label.set_full_text("")
        self.retry_button.setText(self.tr("Prøv igen"))
        manual = (self.manual_button, self.close_button)
        if why is Why.OFF:
            title = self.tr("Online-betaling er slået fra")
            text = self.tr(
                "Skolen tager ikke imod betaling med QR-kode lige nu. Tag betalingen ved "
                "skranken: kontant, bankoverførsel eller MobilePay."
            )
            self._show_buttons(*manual, default=self.manual_button)
        elif why is Why.NO_KEY:
            title = self.tr("Online-betaling er ikke sat op")
            text = self.tr(
                "Der mangler en nøgle til {0} for skolen (Indstillinger). Tag betalingen ved "
                "skranken i stedet."
            ).format(provider)
            self._show_buttons(*manual, default=self.manual_button)
        elif why is Why.UNREACHABLE:
            title = self.tr("{0} kan ikke nås").format(provider)
            text = self.tr(
                "Der er ingen forbindelse til {0} lige nu. Intet er betalt, og fakturaen er "
                "stadig åben. Prøv igen om lidt, eller tag betalingen ved skranken."
            ).format(provider)
            self._show_buttons(
                self.manual_button, self.retry_button, self.close_button, default=self.manual_button
            )
        elif why is Why.REFUSED:
            title = self.tr("{0} afviste betalingen").format(provider)
            why_not = texts.core_detail(detail, self._ctx.locale)
            text = self.tr("Tag betalingen ved skranken i stedet.") + (
                f"\n{why_not}" if why_not else ""
            )
            self._show_buttons(*manual, default=self.manual_button)
        elif why is Why.NOTHING_OWED:
            title = self.tr("Der er intet at betale")
            text = self.tr("Faktura {0} er allerede betalt.").format(self._invoice_no)
            self._show_buttons(self.close_button, default=self.close_button)
        elif why is Why.NOT_FOUND:
            title = self.tr("Fakturaen findes ikke")
            text = self.tr("Der er ingen faktura {0} hos skolen.").format(self._invoice_no)
            self._show_buttons(self.close_button, default=self.close_button)
        elif why is Why.DATABASE:
            title = self.tr("Databasen kan ikke nås")
            text = self.tr("Intet er ændret. Prøv igen om lidt.")
            self._show_buttons(self.retry_button, self.close_button, default=self.retry_button)
        else:
            title = self.tr("Noget gik galt")
            text = detail
            self._show_buttons(*manual, default=self.manual_button)
        self.title_label.setText(title)
        self.status_label.setText(text)

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
        key = str(uuid.uuid4())
        self._show_sent(self.tr("Sender linket …"), error=False)
        ctx, attempt_id = self._ctx, view.attempt_id
        self._run(
            lambda: _link_job(ctx, attempt_id, channel, to, key),
            self._on_link_done,
            self._on_link_failed,
            "link",
        )

    def _on_link_done(self, result: notify.LinkSent | _NeedsRecipient) -> None:
        self._sending_link = False
        if isinstance(result, _NeedsRecipient):
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

    def _show_sent(self, text: str, *, error: bool) -> None:
        self.sent_label.setText(text)
        self.sent_label.setStyleSheet("color: #b3261e;" if error else "")
        self.sent_label.setVisible(bool(text))

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
        view, gateway = self._view, self._gateway
        if view is None or gateway is None:
            self._finish(QDialog.DialogCode.Rejected)
            return
        self._phase = Phase.CANCELLING
        self._stop_timers()
        self.status_label.setText(self.tr("Annullerer betalingen…"))
        self._show_buttons()
        ctx, attempt_id = self._ctx, view.attempt_id
        self._run(
            lambda: _cancel_job(ctx, gateway, attempt_id),
            self._on_cancelled,
            self._on_cancel_failed,
            "cancel",
        )

    def _on_cancelled(self, status: _Status) -> None:
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

    def _run(
        self,
        fn: Callable[[], Any],
        on_success: Callable[[Any], None],
        on_failure: Callable[[BaseException], None],
        tag: str,
    ) -> Task:
        """Start background work whose answer is dropped once the dialog has closed."""
        self._jobs += 1
        self._running_tags.append(tag)

        def ok(result: Any) -> None:
            if self._alive():
                on_success(result)

        def bad(exc: BaseException) -> None:
            if self._alive():
                on_failure(exc)

        def done() -> None:
            self._jobs -= 1
            self._running_tags.remove(tag)
            if not self._alive() and self._jobs == 0:
                self._release_gateway()

        return run_task(fn, on_success=ok, on_failure=bad, on_finished=done, tag=f"qr-{tag}")

    def _alive(self) -> bool:
        # Closed, or deleted with its parent window while a job was still running.
        return not self._finished and Shiboken.isValid(self)

    def _finish(self, code: QDialog.DialogCode) -> None:
        if self._finished:
            return
        self._finished = True
        self._stop_timers()
        self._copied_timer.stop()
        if self._jobs == 0:
            self._release_gateway()
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

    def _release_gateway(self) -> None:
        gateway, self._gateway = self._gateway, None
        close = getattr(gateway, "close", None)
        if callable(close):
            run_task(close, tag="qr-close-gateway")
