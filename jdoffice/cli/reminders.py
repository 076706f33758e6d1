"""`jdoffice remind`: reminders about overdue invoices by SMS or e-mail (issue 15).

Each reminder carries a payment link through the school's default online gateway; a school
without online payments gets a reminder that says how to pay at the office or by bank
transfer. An invoice is reminded at most once within the school's interval (`jdoffice school
reminders`), and never once nothing is outstanding on it. ``--dry-run`` lists what would be
sent and sends nothing. Sending is a receptionist's (``--staff`` signed in).
"""

from __future__ import annotations

from typing import Any

import click

from jdoffice.cli.context import Context, pass_ctx
from jdoffice.cli.output import day_text, echo, emit_json, money
from jdoffice.domain.errors import Unavailable
from jdoffice.domain.reminders import DEFAULT_OVERDUE_DAYS
from jdoffice.domain.text import printable
from jdoffice.services.reminders import QUEUED, SENT, SKIPPED, WOULD_SEND, RemindResult

_WORDS = {SENT: "sent", QUEUED: "queued", WOULD_SEND: "would send", SKIPPED: "skipped"}
_CHANNELS = {"sms": "SMS", "email": "e-mail"}


def result_json(r: RemindResult) -> dict[str, Any]:
    return {
        "school": r.school.slug,
        "channel": r.channel,
        "dry_run": r.dry_run,
        "interval_days": r.interval_days,
        "with_link": r.with_link,
        "sent": r.sent,
        "skipped": r.skipped,
        "reminders": [
            {
                "student_no": line.student_no,
                "name": line.name,
                "invoice_no": line.invoice_no,
                "due_date": line.due_date.isoformat(),
                "days_overdue": line.days_overdue,
                "amount_minor": line.amount_minor,
                "currency": line.currency,
                "channel": line.channel,
                "recipient": line.recipient,
                "status": line.status,
                "reason": line.reason or None,
                "reason_code": line.code or None,
                "url": line.url or None,
                "reminder_id": line.reminder_id,
            }
            for line in r.lines
        ],
    }


@click.command("remind")
@click.option(
    "--overdue-days",
    "overdue_days",
    type=click.IntRange(1, 3650),
    default=None,
    help=f"Invoices at least this many days overdue (default {DEFAULT_OVERDUE_DAYS}).",
)
@click.option(
    "--invoice",
    "invoice_nos",
    metavar="INVOICE_NO",
    multiple=True,
    help="Only this invoice (repeatable) instead of --overdue-days.",
)
@click.option(
    "--send",
    "channel",
    type=click.Choice(["sms", "email"]),
    default="email",
    show_default=True,
    help="How the reminders go.",
)
@click.option("--dry-run", is_flag=True, help="List what would be sent; send nothing.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def remind_cmd(
    c: Context,
    overdue_days: int | None,
    invoice_nos: tuple[str, ...],
    channel: str,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Remind students of overdue invoices by SMS or e-mail, each with a payment link."""
    if invoice_nos and overdue_days is not None:
        raise click.UsageError("give --overdue-days or --invoice, not both")
    # A dry run only reads (like the debtor list); sending needs someone signed in.
    desk = c.desk() if dry_run else c.staff_desk()
    r = desk.remind(
        channel=channel,
        overdue_days=None if invoice_nos else (overdue_days or DEFAULT_OVERDUE_DAYS),
        invoice_nos=list(invoice_nos) if invoice_nos else None,
        dry_run=dry_run,
    )
    waiting = [line for line in r.lines if line.status == QUEUED]
    if as_json:
        emit_json(result_json(r))
    else:
        _echo(r)
    if waiting:
        # Recorded and queued, but the transport failed: the outbox tries again (exit 4).
        raise Unavailable(
            f"{len(waiting)} reminder{'s' if len(waiting) != 1 else ''} not sent yet: "
            f"{waiting[0].reason}; `jdoffice notifications list --failed` shows them"
        )


def _echo(r: RemindResult) -> None:
    what = _CHANNELS[r.channel]
    head = "Would send" if r.dry_run else "Sent"
    echo(f"Reminders by {what} – {r.school.name} (once every {r.interval_days} days per invoice)")
    if not r.with_link:
        echo(
            "Online payments are off: the reminders say how to pay at the office or by bank "
            "transfer, without a link."
        )
    for line in r.lines:
        who = f"{printable(line.student_no)} {printable(line.name)}".strip()
        base = (
            f"  {_WORDS[line.status]:<10} {printable(line.invoice_no):<12} {who:<28} "
            f"{money(line.amount_minor, line.currency):>14}"
        )
        if line.days_overdue:
            base += f"  due {day_text(line.due_date)} ({line.days_overdue} days)"
        echo(base)
        if line.status == SKIPPED:
            echo(f"      {printable(line.reason)}")
        elif line.recipient:
            extra = f"      to {printable(line.recipient)}"
            if line.reason:
                extra += f" – {printable(line.reason)}"
            echo(extra)
    skipped = r.skipped
    echo(f"{head}: {r.sent}, skipped: {skipped}")
    for reason, n in sorted(r.reasons().items(), key=lambda kv: (-kv[1], kv[0])):
        echo(f"  {n} × {printable(reason)}")
