"""Take payment (F5): cash, bank transfer, MobilePay or the card terminal for the open student.

The dialog opens with the amount owed filled in and cash chosen, so the common case is: type
what the student hands over, read the change, press Enter. The change follows the Danish cash
rounding to 0,50 kr (docs/architecture.md, "Money") as you type.

Enter registers once: the idempotency key is made when the dialog opens and the button is
disabled while the background registration runs, so a double Enter or a double click is one
payment — and a retry after a lost connection with the same key is that same payment too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QRadioButton, QWidget

from jdoffice.domain.errors import BusinessRuleError, InvalidInput, JdofficeError
from jdoffice.domain.model import (
    ReceiptBody,
    new_id,
)
from jdoffice.domain.money import format_plain
from jdoffice.domain.shifts import NoOpenShift
from jdoffice.gui import texts
from jdoffice.gui.background import run_task
from jdoffice.gui.context import DeskContext
from jdoffice.gui.forms.ui_payment_dialog import Ui_PaymentDialog
from jdoffice.gui.views.payment_preview import (
    Preview as Preview,
)
from jdoffice.gui.views.payment_preview import (
    method_text as method_text,
)
from jdoffice.gui.views.payment_preview import (
    open_invoices as open_invoices,
)
from jdoffice.gui.views.payment_preview import (
    preview,
    read_tendered,
    takes_reference,
)
from jdoffice.gui.views.payment_preview import (
    read_amount as read_amount,
)
from jdoffice.gui.views.shift_offer import ShiftOffer
from jdoffice.gui.widgets import scaled_font
from jdoffice.services import payments, queries
from jdoffice.services.gateways import ManualGatewayInfo, ReferenceRule
from jdoffice.services.offline import QueuedPayment, offline_receipt
from jdoffice.services.payments import PaymentResult
from jdoffice.services.queries import StudentView

log = logging.getLogger(__name__)

_OK_STYLE = "color: #1b5e20;"
_BAD_STYLE = "color: #b3261e;"
_ERROR_STYLE = (
    "QLabel { background: #fdecea; color: #8c1d18; border: 1px solid #f3b8b3;"
    " border-radius: 4px; padding: 8px; }"
)


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    """What the dialog asks the core to register."""

    method: ManualGatewayInfo
    amount_minor: int
    invoice_no: str | None
    student_no: str | None
    tendered_minor: int | None
    reference: str
    allow_credit: bool


@dataclass(frozen=True, slots=True)
class PaymentOutcome:
    """A stored payment and its receipt (None when the receipt could not be read back).

    ``result`` is a :class:`QueuedPayment` when the shared database could not be reached: the
    payment waits in this desk's outbox and its receipt is from the desk's offline series.
    """

    result: PaymentResult | QueuedPayment
    receipt: ReceiptBody | None


def register(ctx: DeskContext, request: PaymentRequest, key: str) -> PaymentOutcome:
    """Store the payment and read its receipt back (runs on a worker thread).

    A desk on a shared database goes through its offline desk: the payment is stored there,
    or queued in the local outbox (the same key) when the database cannot be reached.
    """
    if ctx.offline is not None:
        taken = ctx.offline.pay(
            ctx.school,
            method=request.method.name,
            amount_minor=request.amount_minor,
            invoice_no=request.invoice_no,
            student_no=request.student_no,
            tendered_minor=request.tendered_minor,
            reference=request.reference or None,
            key=key,
            allow_credit=request.allow_credit,
            shared_first=ctx.link.online,
        )
        if isinstance(taken, QueuedPayment):
            body = offline_receipt(taken, ctx.school, ctx.acting(), request.reference)
            return PaymentOutcome(taken, body)
        return PaymentOutcome(taken, taken.receipt or _read_receipt(ctx, taken))
    result = payments.register_payment(
        ctx.uow(),
        ctx.school,
        method=request.method.name,
        amount_minor=request.amount_minor,
        invoice_no=request.invoice_no,
        student_no=request.student_no,
        tendered_minor=request.tendered_minor,
        reference=request.reference or None,
        key=key,
        allow_credit=request.allow_credit,
        actor=ctx.acting(),
    )
    # The receipt comes with the result, from the transaction that recorded the payment.
    return PaymentOutcome(result, result.receipt or _read_receipt(ctx, result))


def _read_receipt(ctx: DeskContext, result: PaymentResult) -> ReceiptBody | None:
    if result.receipt_no is None:
        return None
    try:
        return queries.get_receipt(
            ctx.uow(), ctx.school, result.receipt_no, copy=False, actor=ctx.acting()
        ).body
    except JdofficeError:
        # The payment is stored; a receipt that cannot be read now is reprinted later.
        log.warning("receipt %s could not be read back", result.receipt_no, exc_info=True)
        return None


class PaymentDialog(QDialog, Ui_PaymentDialog):
    """Take a manual payment for one student.

    Signals:
        paid(object): a :class:`PaymentOutcome`, emitted once after the payment was stored
            (the dialog has closed by then).
        changed(): money moved; emitted right after ``paid``.
    """

    paid = Signal(object)
    changed = Signal()

    def __init__(
        self,
        ctx: DeskContext,
        view: StudentView,
        target_invoice_no: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setupUi(self)  # type: ignore[no-untyped-call]  # generated by pyside6-uic
        self._ctx = ctx
        self._view = view
        self._currency = view.currency
        self._locale = ctx.locale
        # Made once, when the dialog opens: every press of Enter in this dialog is the same
        # payment as far as the database is concerned.
        self._key = new_id()
        self._busy = False
        self._held = False
        self._refusal: BaseException | None = None
        self.shift_offer: ShiftOffer | None = None

        s = view.student
        self.studentLabel.setText(self.tr("{0}  ·  elevnr. {1}").format(s.name, s.student_no))
        self.studentLabel.setFont(scaled_font(self.studentLabel.font(), 1.25, bold=True))
        self.changeLabel.setFont(scaled_font(self.changeLabel.font(), 2.6, bold=True))
        self.amountEdit.setFont(scaled_font(self.amountEdit.font(), 1.3))
        self.tenderedEdit.setFont(scaled_font(self.tenderedEdit.font(), 1.3))
        self.errorLabel.setStyleSheet(_ERROR_STYLE)
        self.errorLabel.hide()

        self._fill_targets(target_invoice_no)
        self._prefill_amount()

        self._methods = self._method_choices(ctx)
        for radio in self._radios():
            radio.toggled.connect(self._method_changed)
        self.amountEdit.textChanged.connect(self._update_preview)
        self.tenderedEdit.textChanged.connect(self._update_preview)
        self.targetCombo.currentIndexChanged.connect(self._target_changed)
        self.registerButton.clicked.connect(self.register)
        for edit in (self.amountEdit, self.tenderedEdit, self.referenceEdit):
            edit.textEdited.connect(self._input_changed)
        self.targetCombo.activated.connect(self._input_changed)
        self.allowCreditCheck.toggled.connect(self._input_changed)
        for radio in self._radios():
            radio.clicked.connect(self._input_changed)
        self.amountEdit.textEdited.connect(self._release_hold)
        self.tenderedEdit.textEdited.connect(self._release_hold)
        self.targetCombo.activated.connect(self._release_hold)
        for radio in self._radios():
            radio.clicked.connect(self._release_hold)
        self.cancelButton.clicked.connect(self.reject)

        # The form's hint says the reference is optional; a card payment needs one.
        self._optional_reference_hint = self.referenceEdit.placeholderText()
        self._method_changed()
        self.resize(self.sizeHint().expandedTo(self.size()))

    # --- what the dialog is for ---

    @property
    def key(self) -> str:
        """The idempotency key of the payment this dialog registers."""
        return self._key

    @property
    def busy(self) -> bool:
        return self._busy

    def _method_choices(self, ctx: DeskContext) -> list[tuple[ManualGatewayInfo, QRadioButton]]:
        """A radio button per installed counter method, in the registry's order, with
        Ctrl+1, Ctrl+2, … The form's buttons serve the methods jdoffice ships (their texts are
        translated with the form); an installed method gets a button of its own."""
        from_form = {
            "cash": self.cashRadio,
            "bank": self.bankRadio,
            "mobilepay": self.mobilepayRadio,
            "card": self.cardRadio,
        }
        choices: list[tuple[ManualGatewayInfo, QRadioButton]] = []
        for n, info in enumerate(ctx.app.registry.counter_methods(), start=1):
            radio = from_form.pop(info.name, None)
            if radio is None:
                radio = QRadioButton(info.label(self._locale), self.methodBox)
                radio.setObjectName(f"{info.name}Radio")
                self.methodLayout.addWidget(radio)
            text = radio.text().split("  Ctrl+")[0]
            if n <= 9:
                radio.setText(f"{text}  Ctrl+{n}")
                shortcut = QShortcut(QKeySequence(f"Ctrl+{n}"), self)
                shortcut.activated.connect(radio.click)
            choices.append((info, radio))
        for radio in from_form.values():  # a shipped method that is not installed
            radio.hide()
        if choices and not any(radio.isChecked() for _info, radio in choices):
            choices[0][1].setChecked(True)
        return choices

    def _radios(self) -> list[QRadioButton]:
        return [radio for _info, radio in self._methods]

    def method(self) -> ManualGatewayInfo:
        for info, radio in self._methods:
            if radio.isChecked():
                return info
        return self._methods[0][0]

    def request(self) -> PaymentRequest:
        """The payment as typed.

        Raises:
            InvalidInput: with a Danish sentence saying what to fix.
        """
        method = self.method()
        amount = read_amount(self.amountEdit.text(), self._currency, self.tr("Beløb"))
        invoice_no = self.targetCombo.currentData()
        tendered = None
        if method.cash:
            tendered = read_tendered(self.tenderedEdit.text(), amount, self._currency, self._locale)
        reference = self.referenceEdit.text().strip() if takes_reference(method) else ""
        if method.reference is ReferenceRule.REQUIRED and not reference:
            raise InvalidInput(
                self.tr("Tast {0} som reference.").format(method.reference_label(self._locale))
            )
        return PaymentRequest(
            method=method,
            amount_minor=amount,
            invoice_no=invoice_no if isinstance(invoice_no, str) else None,
            student_no=None if isinstance(invoice_no, str) else self._view.student.student_no,
            tendered_minor=tendered,
            reference=reference,
            allow_credit=self.allowCreditCheck.isChecked(),
        )

    # --- slots ---

    def register(self) -> None:
        """Register the payment in the background; ignored while one is running."""
        if self._busy or self._held:
            return
        try:
            request = self.request()
        except InvalidInput as exc:
            self.show_error(self.tr("{0}\nIntet er registreret.").format(exc))
            return
        self._set_busy(True)
        self._refusal = None
        self.show_error("")
        ctx, key = self._ctx, self._key
        run_task(
            lambda: register(ctx, request, key),
            on_success=self._registered,
            on_failure=self._refused,
            tag="register-payment",
        )

    def show_error(self, message: str) -> None:
        """Show ``message`` in the banner ("" hides it). The banner goes away as soon as the
        receptionist changes what caused it (any field, method or invoice)."""
        self.errorLabel.setText(texts.one_period(message))
        self.errorLabel.setVisible(bool(message))
        if message:
            # The dialog grows to hold the banner; the fields above it keep their size.
            self.resize(self.size().expandedTo(self.sizeHint()))

    def _input_changed(self) -> None:
        if not self._busy:
            self.show_error("")

    def _registered(self, outcome: PaymentOutcome) -> None:
        self._set_busy(False)
        self.accept()
        self.paid.emit(outcome)
        self.changed.emit()

    def _refused(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.show_error(texts.error_message(exc, self._locale))
        if isinstance(exc, NoOpenShift) and self._ctx.staff is not None:
            # Cash needs an open shift: offer to open one, then register what was typed.
            self.shift_offer = ShiftOffer(self._ctx, self)
            self.shift_offer.opened.connect(self._shift_opened)
            self.shift_offer.start()
            return
        if isinstance(exc, BusinessRuleError):
            # Most likely another desk took a payment for this student: say what is owed now.
            self._reload(exc)

    def _shift_opened(self) -> None:
        self.show_error("")
        self.register()

    def _reload(self, refusal: BaseException) -> None:
        self._refusal = refusal
        ctx, no = self._ctx, self._view.student.student_no
        # A bound method, not a lambda: Qt drops the answer if the dialog is gone by then.
        run_task(
            lambda: queries.student_view(ctx.read_uow(), ctx.school, no),
            on_success=self._reloaded,
            tag="payment-reload",
        )

    def _reloaded(self, view: StudentView) -> None:
        refusal = self._refusal
        if self._busy or refusal is None:
            return  # already trying again; that attempt will report for itself
        self._view = view
        current = self.targetCombo.currentData()
        invoice_no = current if isinstance(current, str) else None
        self.targetCombo.blockSignals(True)
        self._fill_targets(invoice_no, whole=invoice_no is None)
        self.targetCombo.blockSignals(False)
        now = self._owed_now(invoice_no)
        if now:
            why = texts.core_detail(refusal, self._locale)
            self.show_error(
                self.tr("{0}\nIntet er registreret.").format(now) + (f"\n{why}" if why else "")
            )
        if invoice_no is not None and self.targetCombo.findData(invoice_no) < 0:
            # The invoice is settled and the list moved on to another one: a reflexive Enter
            # must not pay that other invoice with the old amount. Any edit releases this.
            self._held = True
            self.registerButton.setEnabled(False)

    def _release_hold(self) -> None:
        if self._held and not self._busy:
            self._held = False
            self.registerButton.setEnabled(True)

    def _owed_now(self, invoice_no: str | None) -> str:
        cur, loc = self._currency, self._locale
        if invoice_no is not None:
            inv = next((i for i in self._view.invoices if i.invoice_no == invoice_no), None)
            if inv is None:
                return ""
            if inv.outstanding_minor == 0:
                return self.tr(
                    "Faktura {0} er betalt nu – måske ved en anden kasse. "
                    "Luk med Esc og se elevens betalinger."
                ).format(inv.invoice_no)
            return self.tr(
                "Der skyldes nu {0} på faktura {1}. Ret beløbet og tryk Enter igen, eller luk "
                "med Esc."
            ).format(texts.money(inv.outstanding_minor, cur, loc), inv.invoice_no)
        owed = sum(i.outstanding_minor for i in open_invoices(self._view))
        if owed == 0:
            return self.tr("Eleven skylder ikke noget nu. Luk med Esc og se elevens betalinger.")
        return self.tr(
            "Eleven skylder nu {0} i alt. Ret beløbet og tryk Enter igen, eller luk med Esc."
        ).format(texts.money(owed, cur, loc))

    def _method_changed(self) -> None:
        method = self.method()
        cash = method.cash
        self.form.setRowVisible(self.tenderedEdit, cash)
        self.form.setRowVisible(self.referenceEdit, takes_reference(method))
        self.referenceEdit.setPlaceholderText(
            self.tr("påkrævet: {0}").format(method.reference_label(self._locale))
            if method.reference is ReferenceRule.REQUIRED
            else self._optional_reference_hint
        )
        self._update_preview()
        if cash:
            self.tenderedEdit.setFocus(Qt.FocusReason.OtherFocusReason)
            self.tenderedEdit.selectAll()
        else:
            self.referenceEdit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _target_changed(self) -> None:
        self._prefill_amount()

    def _update_preview(self) -> None:
        p = preview(
            self.method(),
            self.amountEdit.text(),
            self.tenderedEdit.text(),
            self._currency,
            self._locale,
        )
        self.changeCaption.setText(p.caption)
        self.changeLabel.setText(p.big)
        self.changeLabel.setStyleSheet(_OK_STYLE if p.ok else _BAD_STYLE)
        self.cashDetailLabel.setText(p.detail)

    # --- helpers ---

    def _fill_targets(self, invoice_no: str | None, *, whole: bool = False) -> None:
        cur, loc = self._currency, self._locale
        combo = self.targetCombo
        combo.clear()
        invoices = open_invoices(self._view)
        for inv in invoices:
            label = self.tr("Faktura {0} · {1} · forfald {2} · {3}").format(
                inv.invoice_no,
                inv.text,
                texts.local_date(inv.due_date, self._ctx.language),
                texts.money(inv.outstanding_minor, cur, loc),
            )
            combo.addItem(label, inv.invoice_no)
        owed = sum(i.outstanding_minor for i in invoices)
        if invoices:
            combo.addItem(
                self.tr("Alle åbne fakturaer · {0}").format(texts.money(owed, cur, loc)), None
            )
        else:
            combo.addItem(self.tr("Forudbetaling (bliver tilgodehavende)"), None)
            self.allowCreditCheck.setChecked(True)
        if whole or not invoices:
            combo.setCurrentIndex(combo.count() - 1)
            return
        wanted = combo.findData(invoice_no) if invoice_no is not None else -1
        # Without a choice the payment goes to the oldest open invoice, as the main window says.
        combo.setCurrentIndex(wanted if wanted >= 0 else 0)

    def _prefill_amount(self) -> None:
        invoice_no = self.targetCombo.currentData()
        if isinstance(invoice_no, str):
            inv = next(i for i in self._view.invoices if i.invoice_no == invoice_no)
            owed = inv.outstanding_minor
        else:
            owed = sum(i.outstanding_minor for i in open_invoices(self._view))
        self.amountEdit.setText(format_plain(owed, self._currency, self._locale) if owed else "")

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.registerButton.setEnabled(not busy and not self._held)
        self.cancelButton.setEnabled(not busy)
        for edit in (self.amountEdit, self.tenderedEdit, self.referenceEdit):
            edit.setReadOnly(busy)
        self.targetCombo.setEnabled(not busy)
        self.methodBox.setEnabled(not busy)
        self.allowCreditCheck.setEnabled(not busy)
        self.busyLabel.setText(self.tr("Registrerer …") if busy else "")

    # --- Qt overrides ---

    def reject(self) -> None:
        # Closing while the registration runs would hide whether the money was taken.
        if self._busy:
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if self._busy:
            event.ignore()
            return
        super().closeEvent(event)
