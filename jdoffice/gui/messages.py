"""Confirmations and payment links from the desk: the desk sends what the outbox holds.

Every payment and refund queues its confirmation (e-mail, SMS) in the transaction that records
the money (:mod:`jdoffice.services.notifications`). The desk sends them right after money moved
at it, and looks for due messages every minute (retries, and messages of payments that landed
by webhook while nobody sent them). All of it runs in background jobs; nothing here waits on
the GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from jdoffice.domain.model import ReceiptBody
from jdoffice.domain.notification import NotificationStatus
from jdoffice.gui.context import DeskContext
from jdoffice.gui.texts import core_detail
from jdoffice.services import notifications as notify
from jdoffice.services.notifications import DispatchResult, LinkSent


def _receipt_pdf(body: ReceiptBody, language: str) -> bytes:
    from jdoffice.printing import receipts

    return receipts.pdf_bytes(body, language=language)


def transports(ctx: DeskContext) -> notify.Transports:
    """The school's mail and SMS senders, secrets from the keyring (or the environment)."""
    from jdoffice.bootstrap import build_transports

    # The configured timeouts: nobody waits on these sends (they run in the background), and
    # a slow but working server must not fail every try.
    return build_transports(ctx.app.config.notifications, ctx.school.slug, receipt_pdf=_receipt_pdf)


def send_due(ctx: DeskContext) -> DispatchResult:
    """Send the school's due messages (a background job)."""
    return notify.dispatch_due(ctx.uow(), ctx.school, transports(ctx))


def _channel(channel: str) -> str:
    return (
        QCoreApplication.translate("messages", "SMS")
        if channel == "sms"
        else QCoreApplication.translate("messages", "e-mail")
    )


def dispatch_text(result: DispatchResult) -> str:
    """One line for the status bar: what was sent and what waits ("" when nothing happened)."""
    parts = []
    for o in result.outcomes:
        if o.status is NotificationStatus.SENT:
            parts.append(
                QCoreApplication.translate("messages", "{0} sendt til {1}").format(
                    _channel(o.channel), o.recipient
                )
            )
        elif o.status is NotificationStatus.FAILED:
            again = (
                QCoreApplication.translate("messages", "prøves igen")
                if o.next_attempt_at is not None
                else QCoreApplication.translate("messages", "opgivet")
            )
            why = core_detail(o.error or "")
            parts.append(
                QCoreApplication.translate("messages", "{0} til {1} ikke sendt ({2}); {3}").format(
                    _channel(o.channel), o.recipient, why.rstrip("."), again
                )
                if why
                else QCoreApplication.translate("messages", "{0} til {1} ikke sendt; {2}").format(
                    _channel(o.channel), o.recipient, again
                )
            )
    return " · ".join(parts)


def link_text(sent: LinkSent) -> str:
    """What the QR dialog says after sending its link."""
    if sent.sent:
        return QCoreApplication.translate("messages", "Link sendt som {0} til {1}").format(
            _channel(sent.channel), sent.recipient
        )
    later = (
        QCoreApplication.translate("messages", "; det prøves igen om lidt") if sent.retrying else ""
    )
    why = core_detail(sent.error or "")
    if not why:
        return QCoreApplication.translate("messages", "Link ikke sendt som {0} til {1}{2}").format(
            _channel(sent.channel), sent.recipient, later
        )
    return QCoreApplication.translate("messages", "Link ikke sendt som {0} til {1}: {2}{3}").format(
        _channel(sent.channel), sent.recipient, why.rstrip("."), later
    )
