"""`jdoffice sync`: this desk's local copy and offline outbox."""

from __future__ import annotations

import click

from jdoffice.cli.context import Context, pass_ctx
from jdoffice.cli.output import echo, emit_json, time_text
from jdoffice.domain.errors import BusinessRuleError, Unavailable
from jdoffice.services import offline
from jdoffice.services.offline_shifts import PushedShiftChange, ShiftPushOutcome


@click.group("sync")
def sync_group() -> None:
    """This desk's local copy and offline outbox: show, pull, push."""


@sync_group.command("status")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def sync_status(c: Context, as_json: bool) -> None:
    """Whether the shared database answers, what waits to be sent, when the copy was pulled."""
    st = c.offline().status()
    last = st.last_pull_at.isoformat() if st.last_pull_at else None
    if as_json:
        emit_json(
            {
                "online": st.online,
                "pending": st.pending,
                "shift_changes": st.shift_changes,
                "last_pull_at": last,
            }
        )
        return
    echo(offline.status_text(st))
    echo(f"Last pull: {time_text(st.last_pull_at) if st.last_pull_at else 'never'}")
    for e in st.errors:
        echo(f"  not sent: {e}")


@sync_group.command("pull")
@click.option("--full", is_flag=True, help="Copy everything again instead of what changed.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def sync_pull(c: Context, full: bool, as_json: bool) -> None:
    """Refresh this desk's local copy of its school from the shared database."""
    r = c.offline().pull(full=full)
    data = {
        "full": r.full,
        "students": r.students,
        "invoices": r.invoices,
        "balances": r.balances,
        "payments": r.payments,
        "refunds": r.refunds,
        "last_pull_at": r.pulled_at.isoformat(),
        "seconds": round(r.seconds, 3),
    }
    if as_json:
        emit_json(data)
    else:
        kind = "full" if r.full else "changes"
        echo(
            f"Pulled ({kind}) in {r.seconds:.2f} s: {r.students} students, {r.invoices} "
            f"invoices, {r.balances} balances, {r.payments} payments, {r.refunds} refunds"
        )


@sync_group.command("push")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def sync_push(c: Context, as_json: bool) -> None:
    """Send the payments taken offline to the shared database, then the shift changes
    made offline (each exactly once)."""
    r = c.offline().push()
    data = {
        "pushed": [
            {
                "payment_id": p.payment_id,
                "offline_receipt_no": p.offline_receipt_no,
                "receipt_no": p.receipt_no,
                "outcome": p.outcome,
                "credit_minor": p.credit_minor,
                "detail": p.detail,
            }
            for p in r.done
        ],
        "failed": [
            {
                "payment_id": p.payment_id,
                "offline_receipt_no": p.offline_receipt_no,
                "error": p.detail,
            }
            for p in r.failed
        ],
        "pending": r.waiting,
        "shift_changes": [_shift_json(sc) for sc in r.shifts],
        "shift_changes_failed": [_shift_json(sc) for sc in r.shifts_failed],
        "shift_changes_pending": r.shift_changes,
        "stopped": r.stopped,
    }
    if as_json:
        emit_json(data)
    else:
        for p in r.done:
            note = f" ({p.detail})" if p.detail else ""
            echo(f"{p.offline_receipt_no} -> receipt {p.receipt_no}: {p.outcome}{note}")
        for p in r.failed:
            echo(f"{p.offline_receipt_no}: not sent: {p.detail}")
        for sc in r.shifts:
            echo(_shift_text(sc))
        for sc in r.shifts_failed:
            echo(f"shift {_kind(sc.kind)} ({sc.shift_id}): not sent: {sc.detail}")
        echo(f"{r.waiting} payment{'s' if r.waiting != 1 else ''} waiting")
        if r.shift_changes:
            k = r.shift_changes
            echo(f"{k} shift change{'s' if k != 1 else ''} waiting")
    if r.stopped:
        raise Unavailable(f"push stopped: {r.stopped}")
    refused = len(r.failed) + len(r.shifts_failed)
    if refused:
        raise BusinessRuleError(
            f"{refused} payment{'s' if refused != 1 else ''} or shift change"
            f"{'s' if refused != 1 else ''} could not be sent; see `jdoffice sync status`"
        )


def _kind(kind: str) -> str:
    return kind.replace("_", "-")


def _shift_json(p: PushedShiftChange) -> dict[str, object]:
    return {
        "change_id": p.change_id,
        "kind": p.kind,
        "shift_id": p.shift_id,
        "outcome": p.outcome,
        "z_no": p.z_no,
        "offline_z_no": p.offline_z_no,
        "detail": p.detail,
    }


def _shift_text(p: PushedShiftChange) -> str:
    if p.outcome == ShiftPushOutcome.RENUMBERED:
        return (
            f"shift close: Z{p.offline_z_no} was taken by another desk of the same name; "
            f"recorded as Z{p.z_no}"
        )
    z = f" Z{p.z_no}" if p.z_no is not None else ""
    return f"shift {_kind(p.kind)}{z}: {p.outcome}"
