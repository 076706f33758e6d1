"""Payments staff take at the counter: cash, bank transfer, MobilePay, the card terminal.

They are final at once: the desk registers them through the same service path that turns an
online confirmation into a payment (``jdoffice.services.payments.apply_payment``).
"""

from __future__ import annotations

from jdoffice.services.gateways import Capabilities, ManualGatewayInfo

CASH = ManualGatewayInfo(
    name="cash",
    label_da="Kontant",
    label_en="Cash",
    capabilities=Capabilities(instant=True, cash=True),
)
BANK = ManualGatewayInfo(
    name="bank",
    label_da="Bankoverførsel",
    label_en="Bank transfer",
    capabilities=Capabilities(instant=True),
)
MOBILEPAY = ManualGatewayInfo(
    name="mobilepay",
    label_da="MobilePay",
    label_en="MobilePay",
    capabilities=Capabilities(instant=True),
)
CARD = ManualGatewayInfo(
    name="card",
    label_da="Betalingskort (terminal)",
    label_en="Card (terminal)",
    capabilities=Capabilities(instant=True),
)
