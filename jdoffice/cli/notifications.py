"""`jdoffice notifications`: the outbox of e-mails and SMS, and sending confirmations
right after a payment."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import click

from jdoffice.cli.context import Context, pass_ctx
from jdoffice.cli.output import (
    echo,
    emit_json,
    status_word,
    time_text,
)
from jdoffice.domain.contact import normalize_email, normalize_phone
from jdoffice.domain.errors import (
    InvalidInput,
    JdofficeError,
)
from jdoffice.domain.model import (
    ReceiptBody,
    School,
)
from jdoffice.services import notifications as notify

if TYPE_CHECKING:
    from jdoffice.domain.notification import Notification

log = logging.getLogger("jdoffice")

# --- notifications -----------------------------------------------------------------------------

#: Sending right after a payment waits at most this long per message: the payment is done,
#: and what is not sent by then waits in the outbox (`notifications retry`).
QUICK_SEND_SECONDS = 5.0


def _receipt_pdf(body: ReceiptBody, language: str) -> bytes:
    """The A4 receipt as PDF bytes, for an e-mail attachment (Qt lays it out)."""
    from jdoffice.printing import receipts

    return receipts.pdf_bytes(body, language=language)


def transports(c: Context, school: School, *, quick: bool = False) -> notify.Transports:
    from jdoffice.bootstrap import build_transports

    return build_transports(
        c.app.config.notifications,
        school.slug,
        receipt_pdf=_receipt_pdf,
        timeout_seconds=QUICK_SEND_SECONDS if quick else None,
    )


def outcome_json(o: notify.DeliveryOutcome) -> dict[str, Any]:
    return {
        "id": o.notification_id,
        "kind": o.kind,
        "channel": o.channel,
        "recipient": o.recipient,
        "status": o.status.value,
        "error": o.error,
        "next_attempt_at": o.next_attempt_at.isoformat() if o.next_attempt_at else None,
    }


def send_confirmations(c: Context, school: School, refs: list[str]) -> list[dict[str, Any]]:
    """Send what was just queued about ``refs`` (a payment, a refund); never fails the command:
    what cannot go now waits in the outbox and the output says so."""
    try:
        result = notify.dispatch_due(c.uow(), school, transports(c, school, quick=True), refs=refs)
    except JdofficeError as exc:
        log.warning("confirmations not sent now, they wait in the outbox: %s", exc)
        return [{"status": "pending", "error": str(exc)}]
    return [outcome_json(o) for o in result.outcomes]


def echo_confirmations(sent: list[dict[str, Any]]) -> None:
    for o in sent:
        what = notify.CHANNEL_NAMES.get(str(o.get("channel")), "message")
        if o["status"] == "sent":
            echo(f"Confirmation: {what} sent to {o['recipient']}")
        elif o.get("next_attempt_at") or o["status"] == "pending":
            echo(
                f"Confirmation: {what} not sent yet ({o['error']}); it waits in the outbox "
                "(`jdoffice notifications retry`)"
            )
        else:
            echo(f"Confirmation: {what} to {o['recipient']} failed: {o['error']}")


def _notification_json(n: Notification, school: School) -> dict[str, Any]:
    return {
        "id": n.id,
        "kind": n.kind.value,
        "ref": n.ref,
        "channel": n.channel,
        "recipient": n.recipient,
        "status": n.status.value,
        "gave_up": n.gave_up,
        "attempts": n.attempts,
        "last_error": n.last_error,
        "next_attempt_at": n.next_attempt_at.isoformat() if n.next_attempt_at else None,
        "sent_at": n.sent_at.isoformat() if n.sent_at else None,
        "created_at": n.created_at.isoformat(),
        "receipt_no": n.payload.get("receipt_no"),
        "amount_minor": n.payload.get("amount_minor"),
        "currency": n.payload.get("currency"),
    }


@click.group("notifications")
def notifications_group() -> None:
    """Confirmations and receipts by e-mail and SMS (the outbox)."""


@notifications_group.command("list")
@click.option("--pending", "which", flag_value="pending", help="Only those waiting to be sent.")
@click.option("--failed", "which", flag_value="failed", help="Only those that failed.")
@click.option("--limit", default=200, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def notifications_list(c: Context, which: str | None, limit: int, as_json: bool) -> None:
    """The school's messages, newest first, with their status and last error."""
    school = c.school()
    rows = notify.list_notifications(c.uow(), school, which or "all", limit)
    if as_json:
        emit_json([_notification_json(n, school) for n in rows])
        return
    if not rows:
        echo("no messages")
    else:
        echo(f"{'Id':>6} {'Time':<17} {'Via':<5} {'About':<14} {'To':<28} Status")
    tz = school.tz
    for n in rows:
        state = "failed (gave up)" if n.gave_up else status_word(n.status.value)
        about = f"{n.kind.value} #{n.payload.get('receipt_no', '')}".rstrip(" #")
        line = (
            f"{n.id:>6} {time_text(n.created_at, tz):<17} {n.channel:<5} "
            f"{about:<14} {n.recipient or '-':<28} {state}"
        )
        if n.status.value in ("failed", "skipped") and n.last_error:
            line += f": {n.last_error}"
        if n.status.value == "failed" and n.next_attempt_at is not None:
            line += f" (next try {time_text(n.next_attempt_at, tz)})"
        echo(line)


@notifications_group.command("retry")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def notifications_retry(c: Context, as_json: bool) -> None:
    """Send every message that is due, and try failed ones again now."""
    school = c.school()
    result = notify.retry_failed(c.uow(), school, transports(c, school))
    if as_json:
        emit_json(
            {
                "sent": result.sent,
                "failed": result.failed,
                "messages": [outcome_json(o) for o in result.outcomes],
            }
        )
        return
    if not result.outcomes:
        echo("nothing to send")
    for o in result.outcomes:
        echo(f"#{o.notification_id}: {o.describe()}")
    echo(f"sent: {result.sent}, failed: {result.failed}")


@notifications_group.command("send-test")
@click.option("--email", metavar="ADDRESS", help="Send a test e-mail to ADDRESS.")
@click.option("--sms", metavar="NUMBER", help="Send a test SMS to NUMBER.")
@pass_ctx
def notifications_send_test(c: Context, email: str | None, sms: str | None) -> None:
    """Check the mail server or SMS provider with a test message."""
    if (email is None) == (sms is None):
        raise InvalidInput("give either --email ADDRESS or --sms NUMBER")
    # A malformed address or number is refused before anything is opened.
    to = normalize_email(email) if email is not None else normalize_phone(sms or "")
    school = c.school()
    sent_to, message_id = notify.send_test(
        c.uow(),
        school,
        transports(c, school),
        email=to if email is not None else None,
        sms=to if sms is not None else None,
    )
    what = "e-mail" if email is not None else "SMS"
    echo(f"test {what} sent to {sent_to}" + (f" ({message_id})" if message_id else ""))
