"""A test message, to check a school's mail or SMS setup from the desk or the command line.

It goes straight to the transport, not through the message outbox: nothing is stored, and a
failure is the caller's to show (:class:`Unavailable`, with no secret in its text).
"""

from __future__ import annotations

from jdoffice.domain.contact import normalize_email, normalize_phone
from jdoffice.domain.errors import InvalidInput, Unavailable
from jdoffice.domain.model import School
from jdoffice.services.notification_choices import notification_settings
from jdoffice.services.notification_ports import DeliveryError, OutgoingMail, Transports
from jdoffice.services.ports import UnitOfWork


def send_test(
    uow: UnitOfWork,
    school: School,
    transports: Transports,
    *,
    email: str | None = None,
    sms: str | None = None,
) -> tuple[str, str]:
    """Send a test message to an address or number (not through the outbox).

    Returns:
        ``(recipient, provider message id)``.

    Raises:
        InvalidInput: neither or both given, or malformed.
        Unavailable: the server or provider did not take it (the reason, without secrets).
    """
    if (email is None) == (sms is None):
        raise InvalidInput("give either --email ADDRESS or --sms NUMBER")
    settings = notification_settings(uow, school)
    lang = settings.language
    if email is not None:
        to = normalize_email(email)
        if transports.mail is None:
            raise Unavailable(transports.missing.get("email", "e-mail is not set up here"))
        sender = settings.sender_address or transports.mail.default_sender
        if not sender:
            raise InvalidInput("no sender address: set JDOFFICE_MAIL_FROM or [smtp] from")
        subject = (
            f"Test fra {school.name}: e-mail virker ✓"
            if lang == "da"
            else f"Test from {school.name}: e-mail works ✓"
        )
        body = (
            f"Denne besked er sendt fra {school.name}s skrivebord (æ ø å Æ Ø Å).\n"
            if lang == "da"
            else f"This message was sent from the desk of {school.name} (æ ø å Æ Ø Å).\n"
        )
        mail = OutgoingMail(to, sender, settings.sender_name or school.name, subject, body)
        try:
            return to, transports.mail.send(mail)
        except DeliveryError as exc:
            raise Unavailable(f"e-mail to {to} not sent: {transports.scrub(str(exc))}") from None
    assert sms is not None
    to = normalize_phone(sms)
    if transports.sms is None:
        raise Unavailable(transports.missing.get("sms", "SMS is not set up here"))
    sender = settings.sms_sender or transports.sms.default_sender
    if not sender:
        raise InvalidInput("no SMS sender: set JDOFFICE_SMS_FROM or [sms] from")
    text = (
        f"Test fra {school.name}: SMS virker (æ ø å)."
        if lang == "da"
        else f"Test from {school.name}: SMS works (æ ø å)."
    )
    try:
        return to, transports.sms.send(to, text, sender)
    except DeliveryError as exc:
        raise Unavailable(f"SMS to {to} not sent: {transports.scrub(str(exc))}") from None
