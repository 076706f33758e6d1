"""What the desk shows in words: method and status names, the balance line, error messages.

The screens only paint these strings; the decisions (what a balance means, which words an
error gets) live here, where they are plain functions that tests call without widgets.

The words are Danish, the source language; ``QCoreApplication.translate`` gives them in the
desk's language when its translation is installed (context ``Texts``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

from PySide6.QtCore import QCoreApplication

from jdoffice.domain.errors import (
    BusinessRuleError,
    Conflict,
    IdempotencyMismatch,
    InvalidInput,
    NotFound,
    Unavailable,
)
from jdoffice.domain.integrity import Inconsistency, Problem
from jdoffice.domain.model import InvoiceStatus
from jdoffice.domain.money import format_money


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # noqa: N802 - the name lupdate knows
    """Marks ``text`` for translation in ``context`` where it is defined (``pyside6-lupdate``
    finds it by this name); it is translated where it is shown."""
    del context
    return text


METHOD_NAMES: dict[str, str] = {
    "cash": QT_TRANSLATE_NOOP("Texts", "Kontant"),
    "bank": QT_TRANSLATE_NOOP("Texts", "Bankoverførsel"),
    "mobilepay": QT_TRANSLATE_NOOP("Texts", "MobilePay"),
    "stripe": QT_TRANSLATE_NOOP("Texts", "Online (kort/MobilePay)"),
}

INVOICE_STATUS_NAMES: dict[InvoiceStatus, str] = {
    InvoiceStatus.OPEN: QT_TRANSLATE_NOOP("Texts", "Åben"),
    InvoiceStatus.PARTIALLY_PAID: QT_TRANSLATE_NOOP("Texts", "Delvist betalt"),
    InvoiceStatus.PAID: QT_TRANSLATE_NOOP("Texts", "Betalt"),
    InvoiceStatus.OVERDUE: QT_TRANSLATE_NOOP("Texts", "Forfalden"),
    InvoiceStatus.CANCELLED: QT_TRANSLATE_NOOP("Texts", "Annulleret"),
}

PAYMENT_STATUS_NAMES: dict[str, str] = {
    "pending": QT_TRANSLATE_NOOP("Texts", "Afventer"),
    "succeeded": QT_TRANSLATE_NOOP("Texts", "Gennemført"),
    "failed": QT_TRANSLATE_NOOP("Texts", "Mislykket"),
    "partially_refunded": QT_TRANSLATE_NOOP("Texts", "Delvist refunderet"),
    "refunded": QT_TRANSLATE_NOOP("Texts", "Refunderet"),
}


def _tr(text: str) -> str:
    """``text`` (a literal marked for ``Texts`` elsewhere) in the desk's language."""
    return QCoreApplication.translate("Texts", text)


def method_name(method: str) -> str:
    name = METHOD_NAMES.get(method)
    return _tr(name) if name is not None else method


def invoice_status_name(status: InvoiceStatus) -> str:
    name = INVOICE_STATUS_NAMES.get(status)
    return _tr(name) if name is not None else status.value


def payment_status_name(status: str) -> str:
    name = PAYMENT_STATUS_NAMES.get(status)
    return _tr(name) if name is not None else status


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
        owes = QCoreApplication.translate("Texts", "Skylder {0}")
        return BalanceText(BalanceKind.OWES, owes.format(money(balance_minor, currency, locale)))
    if balance_minor < 0:
        credit = QCoreApplication.translate("Texts", "Tilgodehavende {0}")
        return BalanceText(
            BalanceKind.CREDIT, credit.format(money(-balance_minor, currency, locale))
        )
    return BalanceText(BalanceKind.SETTLED, QCoreApplication.translate("Texts", "Intet udestående"))


PROBLEM_NAMES: dict[Problem, str] = {
    Problem.BALANCE_MISMATCH: QT_TRANSLATE_NOOP("Texts", "den gemte saldo passer ikke"),
    Problem.FOREIGN_CURRENCY: QT_TRANSLATE_NOOP("Texts", "beløb i en anden valuta"),
    Problem.MIXED_SCHOOLS: QT_TRANSLATE_NOOP("Texts", "rækker fra en anden skole"),
    Problem.ORPHAN: QT_TRANSLATE_NOOP("Texts", "rækker der peger på noget, der ikke findes"),
    Problem.REFUNDED_MISMATCH: QT_TRANSLATE_NOOP("Texts", "det refunderede beløb passer ikke"),
    Problem.BAD_AMOUNT: QT_TRANSLATE_NOOP("Texts", "ugyldige beløb"),
    Problem.UNKNOWN_STATUS: QT_TRANSLATE_NOOP("Texts", "ukendt status"),
    Problem.BAD_CURRENCY: QT_TRANSLATE_NOOP("Texts", "ugyldig valutakode"),
    Problem.DUPLICATE_RECEIPT: QT_TRANSLATE_NOOP("Texts", "dobbelte kvitteringer"),
    Problem.RECEIPT_COUNTER_BEHIND: QT_TRANSLATE_NOOP("Texts", "kvitteringstælleren er bagud"),
}


def integrity_warning(problems: tuple[Inconsistency, ...]) -> str:
    """The warning line over a student whose rows are inconsistent in the database, or ``""``.

    The balance shown is recomputed from the rows, so it is right whatever the cached figure
    says; the warning tells that something else wrote wrong rows and how to list them.
    """
    if not problems:
        return ""
    kinds = dict.fromkeys(p.problem for p in problems)
    what = ", ".join(QCoreApplication.translate("Texts", PROBLEM_NAMES[k]) for k in kinds)
    return QCoreApplication.translate(
        "Texts",
        "Advarsel: databasen er ikke i orden for denne elev ({0}). Saldoen er regnet forfra ud "
        "fra fakturaer og betalinger. Kør »jdoffice db check«, og ret det.",
    ).format(what)


def database_unreachable(exc: BaseException) -> str:
    return QCoreApplication.translate("Texts", "Databasen kan ikke nås: {0}").format(exc)


def error_message(exc: BaseException) -> str:
    """One plain sentence about what happened and what to do, for errors of a desk action.

    The core's own message follows as the detail staff can read out to support.
    """
    detail = str(exc).strip()
    if isinstance(exc, IdempotencyMismatch):
        head = QCoreApplication.translate(
            "Texts",
            "Denne betaling er måske allerede registreret med et andet beløb. Intet nyt er "
            "registreret – luk vinduet (Esc) og se elevens betalinger, før du prøver igen.",
        )
    elif isinstance(exc, Conflict):
        head = QCoreApplication.translate(
            "Texts",
            "En anden kasse har netop ændret denne elev. Intet er registreret – se det nye "
            "udestående og prøv igen.",
        )
    elif isinstance(exc, BusinessRuleError):
        head = QCoreApplication.translate(
            "Texts", "Det kan ikke lade sig gøre. Intet er registreret."
        )
    elif isinstance(exc, NotFound):
        head = QCoreApplication.translate("Texts", "Findes ikke (længere). Intet er registreret.")
    elif isinstance(exc, InvalidInput):
        head = QCoreApplication.translate("Texts", "Ret indtastningen. Intet er registreret.")
    elif isinstance(exc, Unavailable):
        head = QCoreApplication.translate(
            "Texts",
            "Databasen kan ikke nås lige nu. Tryk Enter for at prøve igen – betalingen "
            "bliver aldrig registreret to gange.",
        )
    else:
        head = QCoreApplication.translate(
            "Texts", "Uventet fejl. Intet er registreret; prøv igen, eller kontakt support."
        )
    return f"{head}\n({detail})" if detail else head
