"""The ports of the notification use cases: how messages leave this process.

The mail and SMS senders the adapters implement (``jdoffice.adapters.mail``,
``jdoffice.adapters.sms``), what they carry, the error they raise, and :class:`Transports`,
which gathers them with the secrets no error text may contain (:func:`scrub`). Also the
channels' names as messages say them, and the clock the outbox runs on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from jdoffice.domain.model import UTC, ReceiptBody

CHANNEL_NAMES = {"email": "e-mail", "sms": "SMS"}


def utcnow() -> dt.datetime:
    return dt.datetime.now(UTC)


class DeliveryError(Exception):
    """A message could not be handed over. ``permanent``: trying again cannot help (the server
    refused the address or the number)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str = "application/pdf"


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    to: str
    sender_address: str
    sender_name: str
    subject: str
    text: str
    attachments: tuple[Attachment, ...] = ()


class MailSender(Protocol):
    #: The From address used when the school set none (``JDOFFICE_MAIL_FROM``).
    default_sender: str

    def send(self, mail: OutgoingMail) -> str:
        """Hand the message to the server; returns its Message-ID.

        Raises:
            DeliveryError: not handed over (the text names no secret).
        """
        ...


class SmsSender(Protocol):
    #: The sender used when the school set none (``JDOFFICE_SMS_FROM``).
    default_sender: str

    def send(self, to: str, body: str, sender: str) -> str:
        """Hand the SMS to the provider; returns the provider's message id.

        Raises:
            DeliveryError: not handed over (the text names no secret).
        """
        ...


#: Renders a receipt as a PDF (``body``, ``language``) → bytes; Qt does it, so only layers
#: allowed to import the printing package can make one.
ReceiptPdf = Callable[[ReceiptBody, str], bytes]


@dataclass(frozen=True)
class Transports:
    """How messages leave this process, and the secret values no error text may contain."""

    mail: MailSender | None = None
    sms: SmsSender | None = None
    receipt_pdf: ReceiptPdf | None = None
    secrets: tuple[str, ...] = field(default=(), repr=False)
    #: Channel → why it cannot send here (shown in the error of a message that waits).
    missing: Mapping[str, str] = field(default_factory=dict)

    def scrub(self, text: str) -> str:
        return scrub(text, self.secrets)


def scrub(text: str, secrets: Sequence[str]) -> str:
    """``text`` with every secret (and its base64 and URL-quoted forms) blanked out."""
    import base64
    from urllib.parse import quote, quote_plus

    out = text
    for secret in secrets:
        if not secret:
            continue
        forms = {secret, quote(secret, safe=""), quote_plus(secret)}
        forms.add(base64.b64encode(secret.encode()).decode().rstrip("="))
        for form in sorted(forms, key=len, reverse=True):
            if len(form) >= 4:
                out = out.replace(form, "****")
    return out
