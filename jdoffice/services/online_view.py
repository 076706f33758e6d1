"""What the desk shows for an online payment: the attempt as a view, its countdown and its
status line under the QR code, in Danish or English. The core computes them; the screen paints
them."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from jdoffice.domain.model import Attempt, AttemptStatus


@dataclass(frozen=True, slots=True)
class AttemptView:
    """What the desk shows for an online payment: the core computes it, the screen paints it."""

    attempt_id: str
    invoice_no: str
    status: AttemptStatus
    amount_minor: int
    currency: str
    url: str | None
    expires_at: dt.datetime | None
    provider_ref: str | None
    payment_id: str | None = None
    error: str | None = None
    #: The online gateway it goes through.
    gateway: str = ""

    @classmethod
    def of(cls, a: Attempt) -> AttemptView:
        return cls(
            attempt_id=a.id,
            invoice_no=a.invoice_no,
            status=a.status,
            amount_minor=a.amount_minor,
            currency=a.currency,
            url=a.url,
            expires_at=a.expires_at,
            provider_ref=a.provider_ref,
            payment_id=a.payment_id,
            gateway=a.gateway,
            error=a.error,
        )


_STATUS_TEXT: dict[str, dict[str, str]] = {
    "da": {
        AttemptStatus.PENDING: "Opretter betalingen…",
        AttemptStatus.UNKNOWN: "Betalingsudbyderen svarede ikke – prøv igen",
        AttemptStatus.OPEN: "Venter på betaling – eleven scanner koden med sin telefon",
        AttemptStatus.PROCESSING: "Eleven har betalt – betalingen behandles stadig",
        AttemptStatus.PAID: "Betalt ✓",
        AttemptStatus.FAILED: "Betalingen mislykkedes",
        AttemptStatus.EXPIRED: "Betalingen er udløbet – start igen for en ny kode",
        AttemptStatus.CANCELLED: "Betalingen er annulleret",
        AttemptStatus.REVIEW: (
            "Betalingsudbyderens svar passer ikke med fakturaen – ingen penge er bogført; "
            "se Kasse → Afvigelser"
        ),
        "time_up": "Tiden er gået – ser efter, om betalingen nåede frem…",
        "unreachable": "Ingen svar fra betalingsudbyderen lige nu – prøver igen…",
    },
    "en": {
        AttemptStatus.PENDING: "Creating the payment…",
        AttemptStatus.UNKNOWN: "The payment provider did not answer – try again",
        AttemptStatus.OPEN: "Waiting for payment – the student scans the code with their phone",
        AttemptStatus.PROCESSING: "The student has paid – the payment is still settling",
        AttemptStatus.PAID: "Paid ✓",
        AttemptStatus.FAILED: "The payment failed",
        AttemptStatus.EXPIRED: "The payment expired – start again for a new code",
        AttemptStatus.CANCELLED: "The payment was cancelled",
        AttemptStatus.REVIEW: (
            "The provider's answer does not match the invoice – no money was recorded; "
            "see Desk → Discrepancies"
        ),
        "time_up": "Time is up – checking whether the payment arrived…",
        "unreachable": "No answer from the payment provider right now – trying again…",
    },
}


def seconds_left(view: AttemptView, now: dt.datetime) -> int | None:
    """Whole seconds until the checkout expires (0 once it has), ``None`` without an expiry."""
    if view.expires_at is None:
        return None
    return max(0, math.ceil((view.expires_at - now).total_seconds()))


def countdown_text(view: AttemptView, now: dt.datetime) -> str:
    """The expiry countdown as ``mm:ss`` (``61:00`` for an hour and a minute); empty when the
    attempt is settled or has no expiry."""
    left = seconds_left(view, now)
    if left is None or view.status.final:
        return ""
    minutes, seconds = divmod(left, 60)
    return f"{minutes:02d}:{seconds:02d}"


def status_text(
    view: AttemptView, now: dt.datetime, language: str = "da", *, reachable: bool = True
) -> str:
    """The status line the desk shows under the QR code (``reachable``: the last status
    check got an answer)."""
    texts = _STATUS_TEXT.get(language, _STATUS_TEXT["da"])
    if view.status is AttemptStatus.OPEN:
        if not reachable:
            return texts["unreachable"]
        if seconds_left(view, now) == 0:
            return texts["time_up"]
    return texts[view.status]
