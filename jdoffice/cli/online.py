"""`jdoffice link` and `jdoffice payments`: online payments, catching up with the provider
and the flags staff resolve."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from jdoffice.cli.context import Context, pass_ctx
from jdoffice.cli.notifications import (
    echo_confirmations,
    outcome_json,
    send_confirmations,
    transports,
)
from jdoffice.cli.output import (
    echo,
    emit_json,
    money,
    status_word,
    time_text,
)
from jdoffice.domain.contact import normalize_email, normalize_phone
from jdoffice.domain.errors import (
    BusinessRuleError,
    InvalidInput,
    JdofficeError,
    Unavailable,
)
from jdoffice.domain.model import (
    AttemptStatus,
    FlaggedConfirmation,
)
from jdoffice.services import flags, online
from jdoffice.services import notifications as notify

if TYPE_CHECKING:
    pass

log = logging.getLogger("jdoffice")


def _attempt_json(v: online.AttemptView) -> dict[str, Any]:
    return {
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
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def link_group(
    ctx: click.Context,
    invoice_no: str | None,
    qr_path: Path | None,
    key: str | None,
    send: str | None,
    to: str | None,
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
    if to is not None and send is None:
        raise InvalidInput("--to goes with --send sms or --send email")
    if to is not None:
        # Refused before the payment is started.
        normalize_phone(to) if send == "sms" else normalize_email(to)
    school = c.school()
    settings = c.app.payment_settings(school)
    if not settings.online_enabled:
        raise BusinessRuleError(
            f"online payments are off for {school.slug}; take cash, bank or MobilePay instead "
            f"(or `jdoffice school payments --online on`)"
        )
    v = online.start_online_payment(
        c.uow(),
        school,
        c.app.online_gateway(school, settings),
        settings,
        invoice_no=invoice_no,
        actor=c.actor,
        key=key,
    )
    if qr_path is not None and v.url:
        from jdoffice.bootstrap import write_qr

        write_qr(v.url, qr_path)
    sent = None
    if send is not None:
        sent = notify.send_payment_link(
            c.uow(),
            school,
            transports(c, school, quick=True),
            attempt_id=v.attempt_id,
            channel=send,
            to=to,
        )
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
    """Cancel an open online payment (expires the checkout at the provider)."""
    school = c.school()
    v = online.cancel_attempt(c.uow(), school, c.app.online_gateway(school), attempt_id, c.actor)
    if as_json:
        emit_json(_attempt_json(v))
    else:
        echo(f"Attempt {v.attempt_id}: {status_word(v.status.value)}")


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
    import time

    school = c.school()
    gateway = c.app.online_gateway(school)
    deadline = time.monotonic() + wait_s
    v = online.check_attempt(c.uow(), school, gateway, attempt_id)
    while not v.status.final and time.monotonic() < deadline:
        time.sleep(2)
        v = online.check_attempt(c.uow(), school, gateway, attempt_id)
    confirmations = send_confirmations(c, school, [v.payment_id]) if v.payment_id else []
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


@click.group("payments")
def payments_group() -> None:
    """Online payments: catch up with the provider, see what did not match."""


@payments_group.command("sync")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def payments_sync(c: Context, as_json: bool) -> None:
    """Read the provider's events since last time and re-check open payments."""
    school = c.school()
    settings = c.app.payment_settings(school)
    if not settings.online_enabled:
        raise BusinessRuleError(f"online payments are off for {school.slug}")
    r = online.sync_payments(c.uow(), school, c.app.online_gateway(school, settings))
    confirmations: list[dict[str, Any]] = []
    if r.applied or r.refunds_settled:
        try:
            sent = notify.dispatch_due(c.uow(), school, transports(c, school, quick=True))
            confirmations = [outcome_json(o) for o in sent.outcomes]
        except JdofficeError as exc:
            log.warning("confirmations not sent now, they wait in the outbox: %s", exc)
    data = {
        "events_checked": r.events_checked,
        "attempts_checked": r.attempts_checked,
        "applied": r.applied,
        "flagged": r.flagged,
        "refunds_settled": r.refunds_settled,
        "errors": list(r.errors),
        "notifications_sent": sum(1 for o in confirmations if o["status"] == "sent"),
    }
    if as_json:
        emit_json(data)
    else:
        for k, v in data.items():
            echo(f"{k}: {v}")
    if r.errors and r.events_checked == 0 and r.attempts_checked == 0:
        raise Unavailable("; ".join(r.errors[:3]))


@payments_group.command("flagged")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def payments_flagged(c: Context, as_json: bool) -> None:
    """Provider confirmations that did not match our records (no money was moved), until
    resolved with `jdoffice payments resolve`."""
    school = c.school()
    found = flags.unresolved(c.uow(), school)
    if as_json:
        emit_json([_flag_json(f) for f in found])
        return
    if not found:
        echo("nothing flagged")
        return
    echo(f"{'Id':>6} {'Time':<17} {'Invoice':<10} {'Amount':>14} {'Provider ref':<28} Reason")
    for f in found:
        echo(
            f"{f.id:>6} {time_text(f.created_at, school.tz):<17} {f.invoice_no or '-':<10} "
            f"{money(f.amount_minor, f.currency) or '-':>14} {f.provider_ref or '-':<28} "
            f"{f.reason}"
        )


@payments_group.command("resolve")
@click.argument("flag_id", type=click.IntRange(1))
@click.option("--note", required=True, help="What was done about it (kept in the audit log).")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def payments_resolve(c: Context, flag_id: int, note: str, as_json: bool) -> None:
    """Mark a flag resolved, with a note saying what was done; who and when are audited."""
    school = c.school()
    f = flags.resolve(c.uow(), school, flag_id, note, c.actor)
    if as_json:
        emit_json(_flag_json(f))
        return
    assert f.resolved_at is not None
    echo(f"flag #{f.id} resolved {time_text(f.resolved_at, school.tz)} by {c.actor.staff}")


def _flag_json(f: FlaggedConfirmation) -> dict[str, Any]:
    return {
        "id": f.id,
        "gateway": f.gateway,
        "invoice_no": f.invoice_no,
        "reason": f.reason,
        "provider_ref": f.provider_ref,
        "amount_minor": f.amount_minor,
        "currency": f.currency,
        "created_at": f.created_at.isoformat(),
        "resolved_at": f.resolved_at.isoformat() if f.resolved_at else None,
    }
