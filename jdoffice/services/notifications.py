"""Confirmations and receipts by e-mail and SMS, and payment links sent to a phone.

The one place the rest of jdoffice takes notifications from; each job is a module of its own:

* :mod:`~jdoffice.services.notification_ports`: the mail and SMS senders the adapters
  implement, gathered in :class:`Transports`, and the scrubbing of secrets from their errors;
* :mod:`~jdoffice.services.notification_choices`: a school's notification settings, read and
  changed;
* :mod:`~jdoffice.services.notification_queue`: the message outbox — a confirmation queued in
  the transaction that records the money (:func:`queue_confirmation`), and its listings;
* :mod:`~jdoffice.services.notification_compose`: what a message says;
* :mod:`~jdoffice.services.notification_dispatch`: sending what is due after commit, with
  retries and backoff (:func:`dispatch_due`, :func:`retry_failed`);
* :mod:`~jdoffice.services.notification_links`: payment links sent next to the QR code;
* :mod:`~jdoffice.services.notification_trial`: a test message, outside the outbox.

Queueing is part of the money: a crash can neither send without recording nor record without
queueing, and the unique key (kind, ref, channel) keeps it to one message per payment or
refund and channel. Sending happens after commit, and nothing here ever blocks or undoes a
payment.
"""

from __future__ import annotations

from jdoffice.services import notification_ports, notification_queue
from jdoffice.services.notification_choices import (
    check_notification_changes,
    effective_settings,
    notification_settings,
    update_notification_settings,
)
from jdoffice.services.notification_compose import render_mail, render_sms
from jdoffice.services.notification_dispatch import (
    BACKOFF_FIRST,
    BACKOFF_MAX,
    LEASE,
    MAX_ATTEMPTS,
    DeliveryOutcome,
    DispatchResult,
    backoff,
    dispatch_due,
    log,
    retry_failed,
)
from jdoffice.services.notification_links import LinkSent, send_payment_link
from jdoffice.services.notification_ports import (
    CHANNEL_NAMES,
    Attachment,
    DeliveryError,
    OutgoingMail,
    ReceiptPdf,
    scrub,
    utcnow,
)
from jdoffice.services.notification_queue import (
    LISTINGS,
    list_notifications,
    notifications_for,
    recipient_of,
)
from jdoffice.services.notification_trial import send_test

# Bound here, not only imported, so that `jdoffice.services.notifications.<name>` (as
# docs/architecture.md writes it) is a definition of this module.
MailSender = notification_ports.MailSender
SmsSender = notification_ports.SmsSender
Transports = notification_ports.Transports
queue_confirmation = notification_queue.queue_confirmation

__all__ = [
    "BACKOFF_FIRST",
    "BACKOFF_MAX",
    "CHANNEL_NAMES",
    "LEASE",
    "LISTINGS",
    "MAX_ATTEMPTS",
    "Attachment",
    "DeliveryError",
    "DeliveryOutcome",
    "DispatchResult",
    "LinkSent",
    "MailSender",
    "OutgoingMail",
    "ReceiptPdf",
    "SmsSender",
    "Transports",
    "backoff",
    "check_notification_changes",
    "dispatch_due",
    "effective_settings",
    "list_notifications",
    "log",
    "notification_settings",
    "notifications_for",
    "queue_confirmation",
    "recipient_of",
    "render_mail",
    "render_sms",
    "retry_failed",
    "scrub",
    "send_payment_link",
    "send_test",
    "update_notification_settings",
    "utcnow",
]
