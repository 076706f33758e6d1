"""Plain words for the payment dialogs: what went wrong, and the names of payment methods."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from jdoffice.domain.errors import (
    BusinessRuleError,
    Conflict,
    IdempotencyMismatch,
    InvalidInput,
    NotFound,
    Unavailable,
)
from jdoffice.gateways.registry import Registry
from jdoffice.gui.texts import core_detail
from jdoffice.services.gateways import ProviderError, ProviderRefused


def error_message(exc: BaseException, locale: str = "da_DK") -> str:
    """One or two sentences for staff: what happened and what to do. What exactly was wrong
    follows in the desk's words (the core's English stays in the log)."""
    detail = core_detail(exc, locale)
    if isinstance(exc, ProviderError):
        head = QCoreApplication.translate(
            "PayText", "Betalingsudbyderen kan ikke nås lige nu. Prøv igen om lidt."
        )
    elif isinstance(exc, ProviderRefused):
        head = QCoreApplication.translate("PayText", "Betalingsudbyderen sagde nej.")
    elif isinstance(exc, Conflict):
        head = QCoreApplication.translate(
            "PayText", "En anden kasse har netop ændret det samme. Intet er gemt; prøv igen."
        )
    elif isinstance(exc, IdempotencyMismatch):
        head = QCoreApplication.translate(
            "PayText", "Beløb eller begrundelse er ændret efter første forsøg. Luk og start forfra."
        )
    elif isinstance(exc, NotFound):
        head = QCoreApplication.translate("PayText", "Findes ikke (længere).")
    elif isinstance(exc, InvalidInput):
        head = QCoreApplication.translate("PayText", "Tjek det indtastede. Intet er gemt.")
    elif isinstance(exc, BusinessRuleError):
        head = QCoreApplication.translate("PayText", "Det kan ikke lade sig gøre. Intet er gemt.")
    elif isinstance(exc, Unavailable):
        head = QCoreApplication.translate(
            "PayText", "Databasen kan ikke nås. Intet er ændret; prøv igen om lidt."
        )
    else:
        head = QCoreApplication.translate("PayText", "Uventet fejl. Intet er bekræftet; se loggen.")
        detail = ""
    return f"{head}\n{detail}" if detail else head


def provider_name(registry: Registry, gateway: str, language: str) -> str:
    """An online gateway's name (or the method its payments are recorded under) as its package
    declares it, in the desk's language (``Stripe``); the bare name for one not installed."""
    info = registry.online.get(gateway) or registry.online_by_method(gateway)
    return info.label(language) if info is not None else gateway


def method_label(registry: Registry, method: str, language: str) -> str:
    """How a payment method reads on screen, as the gateway declares it: ``Kontant``,
    ``Bankoverførsel``, ``Online (kort/MobilePay)``; the bare name for one not installed."""
    return registry.method_label(method, language) or method
