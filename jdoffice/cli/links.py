"""`jdoffice link`: start, check and cancel an online payment, and send its link."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from jdoffice.cli.context import Context, pass_ctx
from jdoffice.cli.output import (
    echo,
    echo_confirmations,
    emit_json,
    money,
    sent_json,
    status_word,
    time_text,
)
from jdoffice.domain.contact import normalize_email, normalize_phone
from jdoffice.domain.errors import InvalidInput, Unavailable
from jdoffice.domain.model import AttemptStatus
from jdoffice.services import online


def _attempt_json(v: online.AttemptView) -> dict[str, Any]:
    return {
        "gateway": v.gateway,
        "attempt_id": v.attempt_id,
        "session_id": v.provider_ref,
        "url": v.url,
        "amount_minor": v.amount_minor,
        "currency": v.currency,
        "expires_at": v.expires_at.isoformat() if v.expires_at else None,
        "invoice_no": v.invoice_no,
        "status": v.status.value,
        "payment_id": v.payment_id,
    }


@click.group("link", invoke_without_command=True)
@click.option("--invoice", "invoice_no", metavar="INVOICE_NO")
@click.option(
    "--qr",
    "qr_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the QR code to FILE.png or FILE.svg.",
)
@click.option("--key", metavar="KEY", help="Idempotency key (a UUID) of the attempt.")
@click.option(
    "--send",
    type=click.Choice(["sms", "email"]),
    help="Send the link to the student by SMS or e-mail instead of showing a QR code.",
)
@click.option("--to", metavar="NUMBER|ADDRESS", help="Send it here (default: the student's).")
@click.option(
    "--gateway",
    metavar="NAME",
    help="One of the school's online gateways (default: its first).",
)
@click.option(
    "--push",
    is_flag=True,
    help="Send the payment to the student's app (--to PHONE: another mobile) instead of a QR.",
)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def link_group(
    ctx: click.Context,
    invoice_no: str | None,
    qr_path: Path | None,
    key: str | None,
    send: str | None,
    to: str | None,
    gateway: str | None,
    push: bool,
    as_json: bool,
) -> None:
    """Start an online payment for what is owed on an invoice (a link and a QR code)."""
    if ctx.invoked_subcommand is not None:
        return
    if invoice_no is None:
        raise InvalidInput("give --invoice INVOICE_NO (or a subcommand: cancel, status)")
    c: Context = ctx.obj
    if qr_path is not None and qr_path.suffix.lower() not in (".png", ".svg"):
        raise InvalidInput(f"QR file must end in .png or .svg, not {qr_path.name!r}")
    if push and (send is not None or qr_path is not None):
        raise InvalidInput("--push sends the payment to the student's app: no --send or --qr")
    if to is not None and send is None and not push:
        raise InvalidInput("--to goes with --send sms, --send email or --push")
    if to is not None and not push:
        # Refused before the payment is started.
        normalize_phone(to) if send == "sms" else normalize_email(to)
    desk = c.staff_desk()
    started = desk.start_online(
        invoice_no,
        key=key,
        gateway=gateway.strip().lower() if gateway else None,
        flow="push" if push else "qr",
        phone=to if push else None,
    )
    school, v = started.school, started.attempt
    if qr_path is not None and v.url:
        from jdoffice.bootstrap import write_qr

        write_qr(v.url, qr_path)
    sent = None
    if send is not None:
        sent = desk.send_link(v.attempt_id, channel=send, to=to)
    if as_json:
        data = _attempt_json(v)
        if sent is not None:
            data["sent"] = {
                "channel": sent.channel,
                "recipient": sent.recipient,
                "status": sent.status.value,
                "error": sent.error,
                "notification_id": sent.notification_id,
            }
        emit_json(data)
        if sent is not None and not sent.sent:
            raise Unavailable(sent.describe())
        return
    echo(f"Invoice {v.invoice_no}: {money(v.amount_minor, v.currency)}")
    if push:
        echo("Sent to the student's app: waiting for the student to approve")
    else:
        echo(f"Pay here: {v.url}")
    if v.expires_at:
        echo(f"Expires: {time_text(v.expires_at, school.tz)}")
    echo(f"Attempt: {v.attempt_id}")
    if qr_path is not None:
        echo(f"QR code: {qr_path}")
    if sent is not None:
        if not sent.sent:
            raise Unavailable(sent.describe())
        echo(sent.describe()[0].upper() + sent.describe()[1:])


@link_group.command("cancel")
@click.argument("attempt_id")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def link_cancel(c: Context, attempt_id: str, as_json: bool) -> None:
    """Cancel an open online payment (expires the checkout at the provider). One the student
    paid a moment before is recorded instead, and its confirmation sent."""
    cancelled = c.desk().cancel_online(attempt_id)
    v = cancelled.attempt
    confirmations = sent_json(cancelled.sent)
    if as_json:
        emit_json({**_attempt_json(v), "notifications": confirmations})
    else:
        echo(f"Attempt {v.attempt_id}: {status_word(v.status.value)}")
        if v.payment_id:
            echo(f"Paid before the cancel reached the provider: payment {v.payment_id}")
        echo_confirmations(confirmations)


@link_group.command("status")
@click.argument("attempt_id")
@click.option(
    "--wait",
    "wait_s",
    type=click.IntRange(0, 3600),
    default=0,
    help="Poll every 2 s until paid, failed or expired, for at most this many seconds.",
)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def link_status(c: Context, attempt_id: str, wait_s: int, as_json: bool) -> None:
    """How an online payment stands (asks the provider and applies the answer)."""
    checked = c.desk().check_online(attempt_id, wait_seconds=wait_s)
    v = checked.attempt
    confirmations = sent_json(checked.sent)
    if as_json:
        emit_json({**_attempt_json(v), "notifications": confirmations})
    else:
        echo(f"Attempt {v.attempt_id} for {v.invoice_no}: {status_word(v.status.value)}")
        if v.payment_id:
            echo(f"Payment: {v.payment_id}")
        if v.status is AttemptStatus.REVIEW:
            echo(
                "The provider's answer did not match the invoice; no money was recorded. "
                "See `jdoffice payments flagged`."
            )
        echo_confirmations(confirmations)
