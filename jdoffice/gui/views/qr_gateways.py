"""F6 with several online gateways: which one takes the payment (the last choice is kept per
desk), and "Send til elevens telefon" beside the QR code for a gateway that can push the
payment to the student's app. The QR dialog owns the widgets this adds; the work runs in
:mod:`jdoffice.gui.qr_checkout`.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton

from jdoffice.gui import desk_settings
from jdoffice.gui.context import DeskContext
from jdoffice.gui.views.qr_panel import QrPanel
from jdoffice.gui.views.state_badge import Badge

# Where the desk keeps the online gateway chosen last (its own settings file).
LAST_GATEWAY_KEY = "payments/last_online_gateway"


def remembered(settings: QSettings | None = None) -> str | None:
    """The online gateway this desk chose last, if any."""
    s = settings or desk_settings.store()
    value = s.value(LAST_GATEWAY_KEY, "")
    return value if isinstance(value, str) and value else None


def remember(name: str, settings: QSettings | None = None) -> None:
    s = settings or desk_settings.store()
    s.setValue(LAST_GATEWAY_KEY, name)
    s.sync()


class GatewayChoice:
    """The gateway combo in the dialog's "Betaling for" box and the push button beside the
    QR code's buttons."""

    def __init__(self, panel: QrPanel, ctx: DeskContext) -> None:
        self._ctx = ctx
        self.caption = QLabel(
            QCoreApplication.translate("QrGateways", "Betales med"), panel.choice_box
        )
        self.combo = QComboBox(panel.choice_box)
        self.combo.setObjectName("gateway_combo")
        self.caption.setBuddy(self.combo)
        panel.choiceLayout.addWidget(self.caption)
        panel.choiceLayout.addWidget(self.combo)
        self.caption.setVisible(False)
        self.combo.setVisible(False)
        self.push_button = QPushButton(
            QCoreApplication.translate("QrGateways", "Send til elevens telefon"), panel
        )
        self.push_button.setObjectName("push_button")
        self.push_button.setAutoDefault(False)
        self.push_button.setToolTip(
            QCoreApplication.translate(
                "QrGateways", "Betalingen dukker op i elevens MobilePay-app i stedet for QR-koden"
            )
        )
        row = panel.buttonRow
        row.insertWidget(row.indexOf(panel.copy_button) + 1, self.push_button)
        self.push_button.setVisible(False)
        self._offered = False

    @property
    def offered(self) -> bool:
        """Whether staff are asked which gateway takes the payment."""
        return self._offered

    def offer(self, gateways: tuple[tuple[str, str], ...]) -> bool:
        """Show the choice when there is more than one gateway (the desk's last choice, else
        the school's first, preselected); whether it is shown."""
        self.combo.clear()
        self._offered = len(gateways) > 1
        self.caption.setVisible(self._offered)
        self.combo.setVisible(self._offered)
        if not self._offered:
            return False
        last = remembered()
        for name, label in gateways:
            self.combo.addItem(label, name)
        names = [name for name, _ in gateways]
        self.combo.setCurrentIndex(names.index(last) if last in names else 0)
        return True

    def chosen(self) -> str | None:
        """The gateway chosen (kept as this desk's last choice), or None when none was
        offered."""
        if not self._offered:
            return None
        name = self.combo.currentData()
        if not isinstance(name, str):
            return None
        remember(name)
        return name

    def can_push(self, gateway_name: str) -> bool:
        info = self._ctx.app.registry.online.get(gateway_name)
        return info is not None and info.capabilities.push

    def paint_open(self, panel: QrPanel, gateway_name: str, *, pushed: bool) -> None:
        """The open checkout: beside the QR code's buttons "Send til elevens telefon" when the
        gateway can push; once pushed, no code to scan, only cancel."""
        if pushed:
            panel.title_label.setText(self.push_title())
            panel._show_buttons(panel.cancel_button)
            panel.badge.set_kind(Badge.BUSY)
            panel.visual.setCurrentWidget(panel.badge)
        else:
            self.push_button.setVisible(self.can_push(gateway_name))

    def paint_pushing(self, panel: QrPanel) -> None:
        """While the code is cancelled and the payment sent to the student's phone."""
        panel.badge.set_kind(Badge.BUSY)
        panel.visual.setCurrentWidget(panel.badge)
        panel.status_label.setText(
            QCoreApplication.translate("QrGateways", "Sender betalingen til elevens telefon…")
        )
        panel._show_buttons(panel.cancel_button)

    @staticmethod
    def push_title() -> str:
        return QCoreApplication.translate("QrGateways", "Sendt til elevens telefon")

    @staticmethod
    def push_status() -> str:
        return QCoreApplication.translate(
            "QrGateways", "Eleven godkender betalingen i appen. Skærmen skifter selv til Betalt."
        )
