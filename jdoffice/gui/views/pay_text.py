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
from jdoffice.services.gateways import ProviderError, ProviderRefused

_CONTEXT = "PayText"


def _tr(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


def error_message(exc: BaseException) -> str:
    """One or two sentences for staff: what happened and what to do. The core's own message
    follows as the detail."""
    detail = str(exc)
    if isinstance(exc, ProviderError):
        head = _tr("Betalingsudbyderen kan ikke nås lige nu. Prøv igen om lidt.")
    elif isinstance(exc, ProviderRefused):
        head = _tr("Betalingsudbyderen sagde nej.")
    elif isinstance(exc, Conflict):
        head = _tr("En anden kasse har netop ændret det samme. Intet er gemt; prøv igen.")
    elif isinstance(exc, IdempotencyMismatch):
        head = _tr("Beløb eller begrundelse er ændret efter første forsøg. Luk og start forfra.")
    elif isinstance(exc, NotFound):
        head = _tr("Findes ikke (længere).")
    elif isinstance(exc, InvalidInput):
        head = _tr("Tjek det indtastede. Intet er gemt.")
    elif isinstance(exc, BusinessRuleError):
        head = _tr("Det kan ikke lade sig gøre. Intet er gemt.")
    elif isinstance(exc, Unavailable):
        head = _tr("Databasen kan ikke nås. Intet er ændret; prøv igen om lidt.")
    else:
        head = _tr("Uventet fejl. Intet er bekræftet; se loggen.")
        detail = type(exc).__name__
    return f"{head}\n{detail}" if detail else head


def provider_name(gateway: str) -> str:
    """A gateway's name as people write it (``stripe`` → ``Stripe``)."""
    return {"stripe": "Stripe"}.get(gateway, gateway.capitalize())


def method_label(registry: Registry, method: str, language: str) -> str:
    """How a payment method reads on screen: ``Kontant``, ``Bankoverførsel``, ``Stripe``."""
    info = registry.manual.get(method)
    if info is not None:
        return info.label_da if language == "da" else info.label_en
    if method in registry.online:
        return f"{provider_name(method)} (online)"
    return method
