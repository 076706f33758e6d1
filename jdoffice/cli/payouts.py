"""`jdoffice payments payouts`: the providers' payouts to the school's bank, their fees, and
what did not match a recorded payment or refund."""

from __future__ import annotations

from typing import Any

import click

from jdoffice.cli.context import Context, pass_ctx
from jdoffice.cli.output import command_prefix, echo, emit_json, money, parse_date
from jdoffice.domain.payouts import StoredItem
from jdoffice.services.payouts import PayoutLine


@click.group("payouts")
def payouts_group() -> None:
    """Provider payouts: fetch them, see their fees and what did not match."""


@payouts_group.command("sync")
@click.option(
    "--since",
    "since_text",
    metavar="YYYY-MM-DD",
    help="Fetch payouts made from this day on (default: since the last run; the first run "
    "looks 90 days back).",
)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def payouts_sync(c: Context, since_text: str | None, as_json: bool) -> None:
    """Fetch the payouts of the school's online gateways since the last run, store them with
    the payments, refunds and fees they settle, and match each to what jdoffice recorded.
    Safe to run again: nothing is stored twice."""
    since = parse_date(since_text) if since_text else None
    synced = c.desk().sync_payouts(since=since)
    rows = [
        {
            "gateway": r.gateway,
            "skipped": r.skipped or None,
            "payouts_seen": r.payouts_seen,
            "payouts_new": r.payouts_new,
            "payouts_updated": r.payouts_updated,
            "fetched": r.fetched,
            "matched": r.matched,
            "unmatched": r.unmatched,
            "unmatched_total": r.unmatched_total,
            "errors": list(r.errors),
        }
        for r in synced.results
    ]
    done = synced.synced
    data = {
        "school": synced.school.slug,
        "fetched": sum(r.fetched for r in done),
        "matched": sum(r.matched for r in done),
        "unmatched": sum(r.unmatched for r in done),
        "unmatched_total": max((r.unmatched_total for r in done), default=0),
        "payouts_new": sum(r.payouts_new for r in done),
        "errors": [e for r in done for e in r.errors],
        "gateways": rows,
    }
    if as_json:
        emit_json(data)
        return
    for r in synced.results:
        if r.skipped:
            echo(f"{r.gateway}: {r.skipped}")
            continue
        echo(
            f"{r.gateway}: {r.payouts_seen} payouts read, {r.payouts_new} new, "
            f"{r.payouts_updated} updated; {r.fetched} transactions fetched, "
            f"{r.matched} matched, {r.unmatched} unmatched"
        )
        for e in r.errors:
            echo(f"  not fetched, tried again next run: {e}")
    if data["unmatched_total"]:
        echo(
            f"{data['unmatched_total']} transactions match no recorded payment or refund: "
            f"`{command_prefix()} payments payouts list --unmatched`"
        )


@payouts_group.command("list")
@click.option("--unmatched", is_flag=True, help="Only the transactions that matched nothing.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def payouts_list(c: Context, unmatched: bool, limit: int, as_json: bool) -> None:
    """The school's payouts, newest first (amount, fees, status, arrival), or with
    --unmatched the transactions staff must look at (an unknown charge, a dispute, an
    adjustment): they are posted nowhere until handled."""
    listing = c.desk().payouts(limit=limit)
    cur = listing.school.currency
    if unmatched:
        if as_json:
            emit_json([_item_json(i) for i in listing.unmatched])
            return
        if not listing.unmatched:
            echo("every fetched transaction matches a recorded payment, refund or fee")
            return
        echo(f"{'Payout':<28} {'Transaction':<28} {'Type':<12} {'Amount':>14} Reason")
        for i in listing.unmatched:
            echo(
                f"{i.payout_ref:<28} {i.ref:<28} {i.type:<12} "
                f"{money(i.amount_minor, i.currency):>14} {i.reason}"
            )
        return
    if as_json:
        emit_json([_payout_json(p) for p in listing.payouts])
        return
    if not listing.payouts:
        echo(f"no payouts fetched yet (`{command_prefix()} payments payouts sync`)")
        return
    echo(f"{'Payout':<28} {'Arrival':<10} {'Status':<10} {'Amount':>14} {'Fees':>12} Unmatched")
    for line in listing.payouts:
        p = line.payout
        echo(
            f"{p.ref:<28} {p.arrival.isoformat():<10} {p.status:<10} "
            f"{money(p.amount_minor, p.currency):>14} {money(line.fees_minor, cur):>12} "
            f"{line.unmatched}"
            + (
                "  (shared with another school: not posted)"
                if line.shared
                else "  (a payment or refund unmatched: not posted)"
                if line.held and line.unmatched
                else "  (transactions not fetched yet: not posted)"
                if line.held
                else ""
            )
        )


@payouts_group.command("release")
@click.argument("payout")
@click.option("--reason", required=True, help="Why its unmatched charges are the school's.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def payouts_release(c: Context, payout: str, reason: str, as_json: bool) -> None:
    """Post a held payout all the same: its charges or refunds that match no record (a
    charge made outside jdoffice) are the school's own. A manager's; audited. A payout that
    settles another school's payments is never released."""
    p = c.desk().release_payout(payout, reason=reason)
    if as_json:
        emit_json(
            {
                "payout": p.ref,
                "gateway": p.gateway,
                "arrival": p.arrival.isoformat(),
                "released_at": p.released_at.isoformat() if p.released_at else None,
            }
        )
        return
    echo(f"{p.ref} released: the books post it on {p.arrival.isoformat()}")


def _payout_json(line: PayoutLine) -> dict[str, Any]:
    p = line.payout
    return {
        "gateway": p.gateway,
        "payout": p.ref,
        "amount_minor": p.amount_minor,
        "currency": p.currency,
        "status": p.status,
        "arrival": p.arrival.isoformat(),
        "created": p.created.isoformat(),
        "transferred": p.transferred,
        "items_stored": p.items_stored,
        "items": line.items,
        "fees_minor": line.fees_minor,
        "unmatched": line.unmatched,
        "shared": line.shared,
        "held": line.held,
        "released": p.released_at is not None,
        "note": p.note or None,
    }


def _item_json(i: StoredItem) -> dict[str, Any]:
    return {
        "gateway": i.gateway,
        "payout": i.payout_ref,
        "transaction": i.ref,
        "type": i.type,
        "category": i.category,
        "amount_minor": i.amount_minor,
        "fee_minor": i.fee_minor,
        "net_minor": i.net_minor,
        "currency": i.currency,
        "created": i.created.isoformat(),
        "source": i.source_ref,
        "payment_ref": i.payment_ref,
        "matched_to": i.match.value,
        "payment_id": i.payment_id,
        "refund_id": i.refund_id,
        "reason": i.reason,
    }
