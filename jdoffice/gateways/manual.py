"""Payments staff take at the counter: cash, bank transfer, MobilePay, the card terminal.

They are final at once: the desk registers them through the same service path that turns an
online confirmation into a payment (``jdoffice.services.payments.apply_payment``). Their
descriptors live beside the services that check them; the entry points name them here.
"""

from __future__ import annotations

from jdoffice.services.counter_methods import BANK, CARD, CASH, MOBILEPAY

__all__ = ["BANK", "CARD", "CASH", "MOBILEPAY"]
