"""What the desk shows in words: method and status names, the balance line, error messages.

The screens only paint these strings; the decisions (what a balance means, which words an
error gets) live here, where they are plain functions that tests call without widgets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

from jdoffice.domain.errors import (
    BusinessRuleError,
    Conflict,
    IdempotencyMismatch,
    InvalidInput,
    NotFound,
    Unavailable,
)
from jdoffice.domain.model import InvoiceStatus
from jdoffice.domain.money import format_money

METHOD_NAMES: dict[str, str] = {
    "cash": "Kontant",
    "bank": "Bankoverførsel",
    "mobilepay": "MobilePay",
    "stripe": "Online (kort/MobilePay)",
}

INVOICE_STATUS_NAMES: dict[InvoiceStatus, str] = {
    InvoiceStatus.OPEN: "Åben",
    InvoiceStatus.PARTIALLY_PAID: "Delvist betalt",
    InvoiceStatus.PAID: "Betalt",
    InvoiceStatus.OVERDUE: "Forfalden",
    InvoiceStatus.CANCELLED: "Annulleret",
}

PAYMENT_STATUS_NAMES: dict[str, str] = {
    "pending": "Afventer",
    "succeeded": "Gennemført",
    "failed": "Mislykket",
    "partially_refunded": "Delvist refunderet",
    "refunded": "Refunderet",
}


def method_name(method: str) -> str:
    return METHOD_NAMES.get(method, method)


def money(minor: int, currency: str, locale: str = "da_DK") -> str:
    """An amount as people read it: ``1.234,50 kr.``"""
    return format_money(minor, currency, locale)


def signed_money(minor: int, currency: str, locale: str = "da_DK") -> str:
    """An adjustment with its sign: ``+0,25 kr.`` / ``−0,20 kr.``"""
    sign = "+" if minor > 0 else "−" if minor < 0 else "±"
    return sign + money(abs(minor), currency, locale)


def local_date(day: dt.date) -> str:
    """A date as Danish staff write it: ``14.05.2025``."""
    return day.strftime("%d.%m.%Y")


class BalanceKind(Enum):
    OWES = "owes"
    CREDIT = "credit"
    SETTLED = "settled"


@dataclass(frozen=True, slots=True)
class BalanceText:
    kind: BalanceKind
    text: str


def balance_text(balance_minor: int, currency: str, locale: str = "da_DK") -> BalanceText:
    """``Skylder 850,25 kr.``, ``Tilgodehavende 100,00 kr.`` or ``Intet udestående``.

    A positive balance means the student owes the school (DESIGN §3).
    """
    if balance_minor > 0:
        return BalanceText(BalanceKind.OWES, f"Skylder {money(balance_minor, currency, locale)}")
    if balance_minor < 0:
        return BalanceText(
            BalanceKind.CREDIT, f"Tilgodehavende {money(-balance_minor, currency, locale)}"
        )
    return BalanceText(BalanceKind.SETTLED, "Intet udestående")


def database_unreachable(exc: BaseException) -> str:
    return f"Databasen kan ikke nås: {exc}"


def error_message(exc: BaseException) -> str:
    """One plain sentence about what happened and what to do, for errors of a desk action.

    The core's own message follows as the detail staff can read out to support.
    """
    detail = str(exc).strip()
    if isinstance(exc, IdempotencyMismatch):
        head = (
            "Denne betaling er måske allerede registreret med et andet beløb. Intet nyt er "
            "registreret – luk vinduet (Esc) og se elevens betalinger, før du prøver igen."
        )
    elif isinstance(exc, Conflict):
        head = (
            "En anden kasse har netop ændret denne elev. Intet er registreret – se det nye "
            "udestående og prøv igen."
        )
    elif isinstance(exc, BusinessRuleError):
        head = "Det kan ikke lade sig gøre. Intet er registreret."
    elif isinstance(exc, NotFound):
        head = "Findes ikke (længere). Intet er registreret."
    elif isinstance(exc, InvalidInput):
        head = "Ret indtastningen. Intet er registreret."
    elif isinstance(exc, Unavailable):
        head = (
            "Databasen kan ikke nås lige nu. Tryk Enter for at prøve igen – betalingen "
            "bliver aldrig registreret to gange."
        )
    else:
        head = "Uventet fejl. Intet er registreret; prøv igen, eller kontakt support."
    return f"{head}\n({detail})" if detail else head
