"""`jdoffice payments`: catching up with the provider (`payments sync`) and the flags staff
resolve."""

from __future__ import annotations

from typing import Any

import click

from jdoffice.cli.context import Context, pass_ctx
from jdoffice.cli.output import echo, emit_json, money, sent_json, time_text
from jdoffice.cli.payouts import payouts_group
from jdoffice.domain.errors import Unavailable
from jdoffice.domain.model import FlaggedConfirmation
from jdoffice.domain.staff import Action


@click.group("payments")
def payments_group() -> None:
    """Online payments: catch up with the provider, see what did not match, and the
    providers' payouts to the bank."""


payments_group.add_command(payouts_group)


@payments_group.command("sync")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def payments_sync(c: Context, as_json: bool) -> None:
    """Read the provider's events since last time and re-check open payments."""
    synced = c.desk().sync_online()
    r, confirmations = synced.result, sent_json(synced.sent)
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
    # Nothing could be checked: the provider (every one of the school's) is out of reach. A
    # school with several gateways whose others synced is told, but the command succeeded.
    if r.errors and r.events_checked == 0 and r.attempts_checked == 0 and not r.gateways_synced:
        raise Unavailable("; ".join(r.errors[:3]))


@payments_group.command("flagged")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def payments_flagged(c: Context, as_json: bool) -> None:
    """Provider confirmations that did not match our records (no money was moved), until
    resolved with `jdoffice payments resolve`."""
    school, found = c.desk().flags()
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
@click.option(
    "--approve",
    "approver",
    metavar="INITIALS",
    help="A manager's initials approving it (their PIN from JDOFFICE_APPROVER_PIN or a prompt).",
)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def payments_resolve(
    c: Context, flag_id: int, note: str, approver: str | None, as_json: bool
) -> None:
    """Mark a flag resolved, with a note saying what was done; who and when are audited.
    Needs a manager (or a manager's approval with --approve)."""
    desk = c.staff_desk()
    approval = c.approval(Action.RESOLVE_FLAG, approver)
    school, f = desk.resolve_flag(flag_id, note, approval=approval)
    if as_json:
        emit_json(_flag_json(f))
        return
    assert f.resolved_at is not None
    echo(f"flag #{f.id} resolved {time_text(f.resolved_at, school.tz)} by {desk.actor.staff}")


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
