"""`jdoffice notifications`: the outbox of e-mails and SMS."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from jdoffice.cli.context import Context, pass_ctx, receipt_pdf
from jdoffice.cli.output import echo, emit_json, outcome_json, status_word, time_text
from jdoffice.domain.contact import normalize_email, normalize_phone
from jdoffice.domain.errors import InvalidInput
from jdoffice.domain.model import School
from jdoffice.services import notifications as notify

if TYPE_CHECKING:
    from jdoffice.domain.notification import Notification


def transports(c: Context, school: School) -> notify.Transports:
    """The school's senders, with the receipt attached as a PDF."""
    from jdoffice.bootstrap import build_transports

    return build_transports(c.app.config.notifications, school.slug, receipt_pdf=receipt_pdf)


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
