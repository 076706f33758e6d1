"""Reminders about overdue invoices (issue 15): which invoice may be reminded now, and why
not when it may not.

A reminder asks a student to pay what is still outstanding on one overdue invoice, by SMS or
e-mail, with a link to pay online when the school takes online payments and otherwise with
how to pay at the office or by bank transfer. A student is reminded about an invoice at most
once within the school's interval (:data:`DEFAULT_INTERVAL_DAYS` unless the school chose
another), and never about an invoice with nothing outstanding.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from jdoffice.domain.errors import InvalidInput
from jdoffice.domain.model import Actor

#: Days between two reminders about the same invoice unless the school chose otherwise.
DEFAULT_INTERVAL_DAYS: Final = 7
MIN_INTERVAL_DAYS: Final = 1
MAX_INTERVAL_DAYS: Final = 365
#: The days overdue ``jdoffice remind`` looks for unless told otherwise.
DEFAULT_OVERDUE_DAYS: Final = 14
CHANNELS: Final = ("sms", "email")
#: A reminder waiting in the outbox is sent only while its payment link has at least this
#: long to live (the student reads it later); otherwise it is skipped, and as it reached
#: nobody the next run sends a fresh one with a new link.
LINK_SEND_MARGIN: Final = dt.timedelta(hours=6)


@dataclass(frozen=True, slots=True)
class Reminder:
    """A reminder sent (queued in the outbox) about one invoice."""

    id: str
    school_id: int
    student_id: int
    invoice_id: int
    invoice_no: str
    channel: str
    recipient: str
    amount_minor: int
    currency: str
    reminded_on: dt.date
    sent_at: dt.datetime
    attempt_id: str | None
    actor: Actor


def check_interval(days: int) -> int:
    """``days`` if it is a usable interval between reminders.

    Raises:
        InvalidInput: fewer than one day or more than a year.
    """
    if not MIN_INTERVAL_DAYS <= days <= MAX_INTERVAL_DAYS:
        raise InvalidInput(
            f"the reminder interval must be {MIN_INTERVAL_DAYS} to {MAX_INTERVAL_DAYS} days, "
            f"not {days}"
        )
    return days


def check_channel(channel: str) -> str:
    if channel not in CHANNELS:
        raise InvalidInput(f"send a reminder by sms or email, not {channel!r}")
    return channel


def check_overdue_days(days: int) -> int:
    if not 1 <= days <= 3650:
        raise InvalidInput(f"the days overdue must be 1 to 3650, not {days}")
    return days


def next_allowed(last_sent: dt.datetime, interval_days: int) -> dt.datetime:
    """When an invoice reminded at ``last_sent`` may be reminded again."""
    return last_sent + dt.timedelta(days=interval_days)


def too_soon(last_sent: dt.datetime | None, interval_days: int, now: dt.datetime) -> bool:
    """Whether a reminder sent at ``last_sent`` is still within the interval at ``now``."""
    return last_sent is not None and now < next_allowed(last_sent, interval_days)


#: How a reminder says to pay when the school takes no online payments (or the link could
#: not be made): at the office or by bank transfer, naming the invoice.
PAY_WITHOUT_LINK: Final = {
    "da": (
        "Betal på kontoret (kontant, kort eller MobilePay) eller ved bankoverførsel med "
        "fakturanummeret {invoice_no} som tekst."
    ),
    "en": (
        "Pay at the office (cash, card or MobilePay) or by bank transfer with the invoice "
        "number {invoice_no} as the reference."
    ),
}
#: The line with the link, and when it stops working.
PAY_WITH_LINK: Final = {
    "da": "Betal her: {url}",
    "en": "Pay here: {url}",
}
EXPIRES: Final = {"da": "Linket virker til {expires}.", "en": "The link works until {expires}."}


def pay_text(language: str, *, invoice_no: str, url: str, expires: str) -> str:
    """The sentence that tells the student how to pay (with the link when there is one)."""
    lang = language if language in PAY_WITHOUT_LINK else "da"
    if not url:
        return PAY_WITHOUT_LINK[lang].format(invoice_no=invoice_no)
    text = PAY_WITH_LINK[lang].format(url=url)
    if expires:
        text += " " + EXPIRES[lang].format(expires=expires)
    return text
