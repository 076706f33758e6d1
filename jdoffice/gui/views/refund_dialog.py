"""Refund (F8) all or part of one payment, with a reason.

The idempotency key is made when the dialog opens, so however often Enter is pressed, and
even if the first try's answer was lost, the refund is made once. Manual payments (cash, bank,
MobilePay at the desk) are refunded in the database alone; online payments go through their
provider, and their money moves when the provider confirms.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import Shiboken

from jdoffice.domain.errors import InvalidInput
from jdoffice.domain.model import PaymentStatus, new_id
from jdoffice.domain.money import format_money, format_plain, parse_amount
from jdoffice.domain.shifts import NoOpenShift
from jdoffice.gui import texts
from jdoffice.gui.background import run_task
from jdoffice.gui.context import DeskContext
from jdoffice.gui.views.pay_text import error_message, method_label, provider_name
from jdoffice.gui.views.shift_offer import ShiftOffer
from jdoffice.services import counter_methods, online, queries
from jdoffice.services.gateways import ProviderError, close_gateway
from jdoffice.services.payments import MAX_REASON, RefundResult, refund_payment

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Loaded:
    detail: queries.PaymentDetail
    method_label: str


def _load_job(ctx: DeskContext, payment_id: str) -> _Loaded:
    detail = queries.payment_detail(ctx.uow(), ctx.school, payment_id)
    label = method_label(ctx.app.registry, detail.payment.method, ctx.language)
    return _Loaded(detail, label)


def _refund_job(
    ctx: DeskContext, payment_id: str, method: str, amount: int, reason: str, key: str
) -> RefundResult:
    if counter_methods.is_counter_method(method):
        return refund_payment(
            ctx.uow(),
            ctx.school,
            payment_id=payment_id,
            amount_minor=amount,
            reason=reason,
            actor=ctx.acting(),
            key=key,
        )
    # Through the gateway the payment went through (a school may take several).
    settings = ctx.app.payment_settings(ctx.school)
    info = ctx.app.registry.online_by_method(method)
    gateway = ctx.app.online_gateway(
        ctx.school, settings.using(info.name) if info is not None else settings
    )
    try:
        return online.refund_online(
            ctx.uow(),
            ctx.school,
            gateway,
            payment_id=payment_id,
            amount_minor=amount,
            reason=reason,
            actor=ctx.acting(),
            key=key,
        )
    finally:
        close_gateway(gateway)


class RefundDialog(QDialog):
    """Refund one payment.

    Signals:
        changed(): a refund was recorded (settled, or pending at the provider).
        receipt_requested(int): show (print) the refund receipt with this number.
    """

    changed = Signal()
    receipt_requested = Signal(int)

    def __init__(self, ctx: DeskContext, payment_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._payment_id = payment_id.strip()
        # One key for everything this dialog does: a second Enter, or a retry after a lost
        # answer, replays the same refund instead of making another.
        self._key = new_id()
        self.shift_offer: ShiftOffer | None = None
        self._detail: queries.PaymentDetail | None = None
        self._running = False
        self._result: RefundResult | None = None
        self._finished = False
        self._error_shown = False
        self._note = ""

        self.setWindowTitle(self.tr("Refundér betaling"))
        self.setModal(True)
        self._build()
        self._load()

    # -- what tests and the main window may read -------------------------------------------

    @property
    def key(self) -> str:
        return self._key

    @property
    def detail(self) -> queries.PaymentDetail | None:
        return self._detail

    @property
    def refund_result(self) -> RefundResult | None:
        return self._result

    @property
    def running(self) -> bool:
        return self._running

    # -- layout -----------------------------------------------------------------------------

    def _build(self) -> None:
        base = self.font().pointSizeF()
        bold = QFont(self.font())
        bold.setBold(True)

        self.title_label = QLabel(self.tr("Refundér betaling"))
        title_font = QFont(self.font())
        title_font.setPointSizeF(base * 1.4)
        title_font.setBold(True)
        self.title_label.setFont(title_font)

        self.receipt_value = QLabel()
        self.student_value = QLabel()
        self.method_value = QLabel()
        self.amount_value = QLabel()
        self.refunded_value = QLabel()
        self.left_value = QLabel()
        self.left_value.setFont(bold)
        self.amount_edit = QLineEdit()
        self.amount_edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.amount_edit.setMaximumWidth(180)
        self.reason_edit = QLineEdit()
        self.reason_edit.setMaxLength(MAX_REASON)
        self.reason_edit.setPlaceholderText(self.tr("fx aflyst køretime"))
        self.reason_edit.setMinimumWidth(320)

        form = QFormLayout()
        form.addRow(self.tr("Kvittering:"), self.receipt_value)
        form.addRow(self.tr("Elev:"), self.student_value)
        form.addRow(self.tr("Betalt med:"), self.method_value)
        form.addRow(self.tr("Beløb:"), self.amount_value)
        form.addRow(self.tr("Allerede refunderet:"), self.refunded_value)
        form.addRow(self.tr("Kan refunderes:"), self.left_value)
        form.addRow(self.tr("&Refundér beløb:"), self.amount_edit)
        form.addRow(self.tr("&Begrundelse:"), self.reason_edit)

        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        big = QFont(self.font())
        big.setPointSizeF(base * 1.2)
        self.message_label.setFont(big)

        def button(text: str, slot: Callable[[], Any]) -> QPushButton:
            b = QPushButton(text)
            b.setAutoDefault(False)
            b.clicked.connect(slot)
            return b

        self.refund_button = button(self.tr("Refundér"), self._submit)
        self.refund_button.setDefault(True)
        self.refund_button.setEnabled(False)
        self.receipt_button = button(self.tr("Vis kvittering"), self._show_receipt)
        self.receipt_button.hide()
        self.close_button = button(self.tr("Annullér"), self.reject)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.receipt_button)
        row.addWidget(self.refund_button)
        row.addWidget(self.close_button)

        root = QVBoxLayout(self)
        root.setContentsMargins(20, 20, 20, 20)
        root.addWidget(self.title_label)
        root.addSpacing(8)
        root.addLayout(form)
        root.addSpacing(8)
        root.addWidget(self.message_label)
        root.addStretch(1)
        root.addLayout(row)
        self.amount_edit.setEnabled(False)
        self.reason_edit.setEnabled(False)
        self.amount_edit.textEdited.connect(self._input_changed)
        self.reason_edit.textEdited.connect(self._input_changed)

    def _provider(self, method: str) -> str:
        return provider_name(self._ctx.app.registry, method, self._ctx.language)

    def _say(self, text: str, kind: str = "info") -> None:
        color = {"error": "#b42318", "ok": "#1a7f37"}.get(kind, "")
        self.message_label.setStyleSheet(f"color: {color};" if color else "")
        self.message_label.setText(texts.one_period(text))
        self._error_shown = kind == "error" and bool(text)
        if kind != "error":
            self._note = text

    def _input_changed(self) -> None:
        """An error about what was typed goes away once the receptionist changes it."""
        if self._error_shown and not self._running and self._result is None:
            self._say(self._note)

    # -- loading ----------------------------------------------------------------------------

    def _load(self) -> None:
        self._say(self.tr("Henter betalingen…"))
        ctx, pid = self._ctx, self._payment_id
        self._run(lambda: _load_job(ctx, pid), self._on_loaded, self._on_load_failed)

    def _on_loaded(self, loaded: _Loaded) -> None:
        d = loaded.detail
        p = d.payment
        self._detail = d
        loc, cur = self._ctx.locale, p.currency
        when = texts.local_datetime(p.created_at, self._ctx.school.tz, self._ctx.language)
        receipt = self.tr("nr. {0}").format(p.receipt_no) if p.receipt_no else "–"
        self.receipt_value.setText(f"{receipt} · {when}")
        self.student_value.setText(f"{d.student_no} {d.student_name}".strip())
        self.method_value.setText(loaded.method_label)
        self.amount_value.setText(format_money(p.amount_minor, cur, loc))
        refunded = format_money(p.refunded_minor, cur, loc)
        if d.pending_refunds_minor:
            refunded += " " + self.tr("(og {0} afventer {1})").format(
                format_money(d.pending_refunds_minor, cur, loc), self._provider(p.method)
            )
        self.refunded_value.setText(refunded)
        left = d.refundable_minor
        self.left_value.setText(format_money(left, cur, loc))
        if p.status is not PaymentStatus.SUCCEEDED or left <= 0:
            self._say(self.tr("Der er intet tilbage at refundere på denne betaling."), "error")
            self.close_button.setText(self.tr("Luk"))
            self.close_button.setFocus()
            return
        self.amount_edit.setText(format_plain(left, cur, loc))
        self.amount_edit.setEnabled(True)
        self.reason_edit.setEnabled(True)
        self.refund_button.setEnabled(True)
        if (
            counter_methods.is_counter_method(p.method)
            and counter_methods.counter_method(p.method).cash
        ):
            self._say(self.tr("Kontant udbetales afrundet til nærmeste 50 øre."))
        elif not counter_methods.is_counter_method(p.method):
            self._say(
                self.tr("Pengene sendes tilbage via {0} til elevens kort eller MobilePay.").format(
                    self._provider(p.method)
                )
            )
        else:
            self._say("")
        self.amount_edit.setFocus()
        self.amount_edit.selectAll()

    def _on_load_failed(self, exc: BaseException) -> None:
        self._say(error_message(exc, self._ctx.locale), "error")
        self.close_button.setText(self.tr("Luk"))

    # -- refunding --------------------------------------------------------------------------

    def _submit(self) -> None:
        d = self._detail
        if self._running or self._result is not None or d is None:
            return
        cur = d.payment.currency
        try:
            amount = parse_amount(self.amount_edit.text(), cur)
        except InvalidInput as exc:
            why = texts.core_detail(exc, self._ctx.locale)
            self._say(
                self.tr("Beløbet kan ikke læses. Skriv fx 100 eller 100,50.")
                + (f"\n{why}" if why else ""),
                "error",
            )
            self.amount_edit.setFocus()
            self.amount_edit.selectAll()
            return
        left = d.refundable_minor
        if amount > left:
            self._say(
                self.tr("Der kan højst refunderes {0} på denne betaling.").format(
                    format_money(left, cur, self._ctx.locale)
                ),
                "error",
            )
            self.amount_edit.setFocus()
            self.amount_edit.selectAll()
            return
        reason = self.reason_edit.text().strip()
        if not reason:
            self._say(self.tr("Skriv en begrundelse for refusionen."), "error")
            self.reason_edit.setFocus()
            return
        self._running = True
        self.refund_button.setEnabled(False)
        self.amount_edit.setReadOnly(True)
        self.reason_edit.setReadOnly(True)
        self._say(self.tr("Refunderer…"))
        ctx, pid, method, key = self._ctx, d.payment.id, d.payment.method, self._key
        self._run(
            lambda: _refund_job(ctx, pid, method, amount, reason, key),
            self._on_refunded,
            self._on_refund_failed,
        )

    def _on_refunded(self, result: RefundResult) -> None:
        self._running = False
        self._result = result
        loc, cur = self._ctx.locale, result.currency
        amount = format_money(result.amount_minor, cur, loc)
        if result.status == "succeeded":
            lines = [self.tr("Refunderet {0}").format(amount)]
            if result.cash_total_minor is not None:
                lines.append(
                    self.tr("Giv eleven {0} kontant.").format(
                        format_money(result.cash_total_minor, cur, loc)
                    )
                )
            if result.receipt_no is not None:
                lines.append(self.tr("Kvittering nr. {0}.").format(result.receipt_no))
            self._say("\n".join(lines), "ok")
        else:
            self._say(
                self.tr(
                    "Refusionen på {0} er sendt og afventer svar fra {1}. Den bogføres, når "
                    "{1} bekræfter den."
                ).format(
                    amount, self._provider(self._detail.payment.method if self._detail else "")
                ),
                "ok",
            )
        self.refund_button.hide()
        self.close_button.setText(self.tr("Luk"))
        self.close_button.setDefault(True)
        self.close_button.setFocus()
        if result.receipt_no is not None:
            self.receipt_button.show()
        self.changed.emit()

    def _on_refund_failed(self, exc: BaseException) -> None:
        self._running = False
        self.refund_button.setEnabled(True)
        self.amount_edit.setReadOnly(False)
        self.reason_edit.setReadOnly(False)
        if isinstance(exc, ProviderError):
            # The refund is stored as pending; trying again sends it with the same key.
            self._say(
                self.tr(
                    "Betalingsudbyderen svarede ikke. Refusionen er gemt som afventende; tryk "
                    "Refundér igen om lidt, ellers sendes den ved næste synkronisering."
                ),
                "error",
            )
            self.changed.emit()
        else:
            self._say(error_message(exc, self._ctx.locale), "error")
            if isinstance(exc, NoOpenShift) and self._ctx.staff is not None:
                # Cash back needs an open shift: offer to open one, then refund as typed.
                self.shift_offer = ShiftOffer(self._ctx, self)
                self.shift_offer.opened.connect(self._submit)
                self.shift_offer.start()

    def _show_receipt(self) -> None:
        if self._result is not None and self._result.receipt_no is not None:
            self.receipt_requested.emit(self._result.receipt_no)
        self.accept()

    def reject(self) -> None:
        # While the refund is on its way, Esc waits: its answer must be shown.
        if self._running:
            return
        self._finish(QDialog.DialogCode.Accepted if self._result else QDialog.DialogCode.Rejected)

    def accept(self) -> None:
        if self._running:
            return
        self._finish(QDialog.DialogCode.Accepted)

    def _finish(self, code: QDialog.DialogCode) -> None:
        self._finished = True
        super().done(int(code.value))

    # -- plumbing ---------------------------------------------------------------------------

    def _run(
        self,
        fn: Callable[[], Any],
        on_success: Callable[[Any], None],
        on_failure: Callable[[BaseException], None],
    ) -> None:
        def alive() -> bool:
            # Closed, or deleted with its parent window while the job was running.
            return not self._finished and Shiboken.isValid(self)

        def ok(result: Any) -> None:
            if alive():
                on_success(result)

        def bad(exc: BaseException) -> None:
            if alive():
                on_failure(exc)

        run_task(fn, on_success=ok, on_failure=bad, tag="refund")
