"""What the payment dialog works out while the receptionist types: the amounts read the way
people type them (with a Danish sentence for what to type instead), the change and rounding of
cash, and how a counter method reads on screen. No widgets here."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication

from jdoffice.domain.errors import InvalidInput
from jdoffice.domain.model import (
    Invoice,
)
from jdoffice.domain.money import cash_round, cash_unit, parse_amount
from jdoffice.gui import texts
from jdoffice.services.gateways import ManualGatewayInfo, ReferenceRule
from jdoffice.services.queries import StudentView


@dataclass(frozen=True, slots=True)
class Preview:
    """What the change box shows while the receptionist types."""

    caption: str
    big: str
    detail: str
    ok: bool


def open_invoices(view: StudentView) -> list[Invoice]:
    """Invoices with something left to pay, oldest due first (the order payments settle)."""
    return sorted(
        (i for i in view.invoices if i.outstanding_minor > 0), key=lambda i: (i.due_date, i.id)
    )


def read_amount(text: str, currency: str, what: str) -> int:
    """Parse a typed amount; the error says in Danish what to type instead."""
    try:
        return parse_amount(text, currency)
    except InvalidInput as exc:
        shown = text.strip()
        if not shown:
            raise InvalidInput(
                QCoreApplication.translate(
                    "PaymentDialog", "{0}: skriv et beløb, fx 850 eller 1.234,50."
                ).format(what)
            ) from None
        raise InvalidInput(
            QCoreApplication.translate(
                "PaymentDialog",
                "{0}: «{1}» kan ikke læses som et beløb. {2} Skriv fx 850 eller 1.234,50.",
            )
            .format(what, shown, texts.core_detail(exc))
            .replace("  ", " ")
        ) from None


def read_tendered(text: str, amount_minor: int, currency: str, locale: str) -> int | None:
    """What the student handed over; None (the exact cash total) when the field is empty."""
    if not text.strip():
        return None
    tendered = read_amount(text, currency, QCoreApplication.translate("PaymentDialog", "Modtaget"))
    unit = cash_unit(currency)
    if tendered % unit:
        raise InvalidInput(
            QCoreApplication.translate(
                "PaymentDialog",
                "Modtaget {0} går ikke op i {1} – tast det beløb, eleven giver dig.",
            ).format(texts.money(tendered, currency, locale), texts.money(unit, currency, locale))
        )
    total = cash_round(amount_minor, currency)
    if tendered < total:
        raise InvalidInput(
            QCoreApplication.translate(
                "PaymentDialog",
                "Modtaget {0} er mindre end kontant i alt ({1}). Tast det beløb, eleven giver dig.",
            ).format(texts.money(tendered, currency, locale), texts.money(total, currency, locale))
        )
    return tendered


def method_text(method: ManualGatewayInfo, locale: str) -> str:
    """A counter method's name on screen: the translated one for the methods jdoffice ships,
    the method's own label (in the desk's language) for an installed one."""
    return texts.method_name(method.name, "da" if locale.startswith("da") else "en")


def takes_reference(method: ManualGatewayInfo) -> bool:
    """Cash is counted, not referenced; every other method may carry one unless it says no."""
    return not method.cash and method.reference is not ReferenceRule.NONE


def preview(
    method: ManualGatewayInfo, amount_text: str, tendered_text: str, currency: str, locale: str
) -> Preview:
    """The change (cash) or the amount (other methods), worked out from what is typed."""
    try:
        amount = read_amount(
            amount_text, currency, QCoreApplication.translate("PaymentDialog", "Beløb")
        )
    except InvalidInput as exc:
        return Preview(
            QCoreApplication.translate("PaymentDialog", "Beløb"), "—", str(exc), ok=False
        )
    if not method.cash:
        return Preview(
            QCoreApplication.translate("PaymentDialog", "Til betaling"),
            texts.money(amount, currency, locale),
            QCoreApplication.translate(
                "PaymentDialog", "{0}: præcist beløb, ingen afrunding."
            ).format(method_text(method, locale)),
            ok=True,
        )
    total = cash_round(amount, currency)
    rounding = total - amount
    change = QCoreApplication.translate("PaymentDialog", "Byttepenge")
    detail = QCoreApplication.translate("PaymentDialog", "Kontant i alt {0}").format(
        texts.money(total, currency, locale)
    )
    if rounding:
        detail += QCoreApplication.translate("PaymentDialog", " · afrunding {0}").format(
            texts.signed_money(rounding, currency, locale)
        )
    if not tendered_text.strip():
        return Preview(change, texts.money(0, currency, locale), detail, ok=True)
    try:
        tendered = read_amount(
            tendered_text, currency, QCoreApplication.translate("PaymentDialog", "Modtaget")
        )
    except InvalidInput as exc:
        return Preview(change, "—", str(exc), ok=False)
    if tendered < total:
        short = QCoreApplication.translate("PaymentDialog", "Mangler")
        return Preview(short, texts.money(total - tendered, currency, locale), detail, ok=False)
    if tendered % cash_unit(currency):
        unit = texts.money(cash_unit(currency), currency, locale)
        return Preview(
            change,
            "—",
            texts.one_period(
                QCoreApplication.translate("PaymentDialog", "Modtaget skal gå op i {0}.").format(
                    unit
                )
            ),
            ok=False,
        )
    detail += QCoreApplication.translate("PaymentDialog", " · modtaget {0}").format(
        texts.money(tendered, currency, locale)
    )
    return Preview(change, texts.money(tendered - total, currency, locale), detail, ok=True)
