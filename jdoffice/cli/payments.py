"""`jdoffice pay` and `jdoffice refund`: money taken or given back at the desk."""

from __future__ import annotations

import click

from jdoffice.cli.context import Context, pass_ctx
from jdoffice.cli.output import echo, echo_confirmations, emit_json, money, sent_json, status_word
from jdoffice.domain.errors import InvalidInput
from jdoffice.domain.staff import Action
from jdoffice.services import offline


@click.command("pay")
@click.option("--invoice", "invoice_no", metavar="INVOICE_NO")
@click.option("--student", "student_no", metavar="STUDENT_NO")
@click.option(
    "--method",
    required=True,
    metavar="METHOD",
    help="A counter method: cash, bank, mobilepay, card, or one an installed package adds.",
)
@click.option("--amount", required=True, metavar="AMOUNT")
@click.option("--tendered", metavar="AMOUNT", help="Cash handed over (cash only).")
@click.option("--reference", metavar="TEXT")
@click.option("--key", metavar="KEY", help="Idempotency key (a UUID); the same key is one payment.")
@click.option("--allow-credit", is_flag=True, help="Take more than owed and keep it as credit.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def pay_cmd(
    c: Context,
    invoice_no: str | None,
    student_no: str | None,
    method: str,
    amount: str,
    tendered: str | None,
    reference: str | None,
    key: str | None,
    allow_credit: bool,
    as_json: bool,
) -> None:
    """Register a payment taken at the counter: cash, bank transfer, MobilePay, the card
    terminal, or an installed counter method."""
    if (invoice_no is None) == (student_no is None):
        raise InvalidInput("give exactly one of --invoice or --student")
    # While the shared database cannot be reached the payment waits in this desk's outbox
    # (exit 0, "queued": true) and goes to the database with `jdoffice sync push`.
    paid = c.staff_desk().pay(
        method=method,
        amount=amount,
        invoice_no=invoice_no,
        student_no=student_no,
        tendered=tendered,
        reference=reference,
        key=key,
        allow_credit=allow_credit,
    )
    if paid.queued is not None:
        _echo_queued(paid.queued, as_json)
        return
    r = paid.payment
    assert r is not None
    confirmations = sent_json(paid.sent)
    if as_json:
        emit_json(
            {
                "payment_id": r.payment_id,
                "receipt_no": r.receipt_no,
                "amount_minor": r.amount_minor,
                "currency": r.currency,
                "method": r.method,
                "student_no": r.student_no,
                "allocations": [{"invoice_no": n, "amount_minor": a} for n, a in r.allocations],
                "credit_minor": r.credit_minor,
                "tendered_minor": r.tendered_minor,
                "change_minor": r.change_minor,
                "rounding_minor": r.rounding_minor,
                "cash_total_minor": r.cash_total_minor,
                "balance_minor": r.balance_minor,
                "replayed": r.replayed,
                "queued": False,
                "notifications": confirmations,
            }
        )
        return
    cur = r.currency
    echo(f"Payment {r.payment_id}" + (" (already registered)" if r.replayed else ""))
    echo(f"Receipt no. {r.receipt_no}")
    echo(f"Amount: {money(r.amount_minor, cur)} ({r.method})")
    for n, a in r.allocations:
        echo(f"  {n}: {money(a, cur)}")
    if r.credit_minor:
        echo(f"Credit: {money(r.credit_minor, cur)}")
    if r.cash_total_minor is not None:
        echo(f"Cash total: {money(r.cash_total_minor, cur)}")
        if r.rounding_minor:
            sign = "+" if r.rounding_minor > 0 else "-"
            echo(f"Rounding: {sign}{money(abs(r.rounding_minor), cur)}")
        echo(f"Tendered: {money(r.tendered_minor, cur)}")
        echo(f"CHANGE: {money(r.change_minor, cur)}")
    echo(f"New balance: {money(r.balance_minor, cur)}")
    echo_confirmations(confirmations)


@click.command("refund")
@click.argument("payment_id")
@click.option("--amount", metavar="AMOUNT", help="Default: all that is left.")
@click.option("--reason", required=True, metavar="TEXT")
@click.option("--key", metavar="KEY", help="Idempotency key (a UUID).")
@click.option(
    "--approve",
    "approver",
    metavar="INITIALS",
    help="A manager's initials approving the refund (their PIN from JDOFFICE_APPROVER_PIN or "
    "a prompt); both are audited.",
)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def refund_cmd(
    c: Context,
    payment_id: str,
    amount: str | None,
    reason: str,
    key: str | None,
    approver: str | None,
    as_json: bool,
) -> None:
    """Refund all or part of a payment (a reason is required). A payment made online is
    refunded through its provider. Refunds need a manager, or a manager's approval
    (--approve); a cash refund needs an open shift on this desk."""
    desk = c.staff_desk()
    approval = c.approval(Action.REFUND, approver)
    refunded = desk.refund(payment_id, amount=amount, reason=reason, key=key, approval=approval)
    r = refunded.refund
    confirmations = sent_json(refunded.sent)
    if as_json:
        emit_json(
            {
                "refund_id": r.refund_id,
                "payment_id": r.payment_id,
                "amount_minor": r.amount_minor,
                "currency": r.currency,
                "status": r.status,
                "receipt_no": r.receipt_no,
                "cash_total_minor": r.cash_total_minor,
                "rounding_minor": r.rounding_minor,
                "balance_minor": r.balance_minor,
                "replayed": r.replayed,
                "notifications": confirmations,
            }
        )
        return
    echo(f"Refund {r.refund_id} of payment {r.payment_id}: {money(r.amount_minor, r.currency)}")
    if r.cash_total_minor is not None:
        echo(f"Pay out in cash: {money(r.cash_total_minor, r.currency)}")
    if r.status != "succeeded":
        echo(
            f"Status: {status_word(r.status)} (the provider confirms it later; see `payments sync`)"
        )
    else:
        echo(f"Receipt no. {r.receipt_no}")
    echo(f"New balance: {money(r.balance_minor, r.currency)}")
    echo_confirmations(confirmations)


def _echo_queued(q: offline.QueuedPayment, as_json: bool) -> None:
    if as_json:
        emit_json(
            {
                "queued": True,
                "payment_id": q.payment_id,
                "offline_receipt_no": q.offline_receipt_no,
                "receipt_no": None,
                "amount_minor": q.amount_minor,
                "currency": q.currency,
                "method": q.method,
                "student_no": q.student_no,
                "allocations": [{"invoice_no": n, "amount_minor": a} for n, a in q.allocations],
                "credit_minor": q.credit_minor,
                "tendered_minor": q.tendered_minor,
                "change_minor": q.change_minor,
                "rounding_minor": q.rounding_minor,
                "cash_total_minor": q.cash_total_minor,
                "balance_minor": q.balance_minor,
                "taken_at": q.taken_at.isoformat(),
                "waiting": q.waiting,
                "replayed": q.replayed,
            }
        )
        return
    cur = q.currency
    echo(f"Queued offline: payment {q.payment_id}" + (" (already queued)" if q.replayed else ""))
    echo(f"Offline receipt no. {q.offline_receipt_no}")
    echo(f"Amount: {money(q.amount_minor, cur)} ({q.method})")
    for n, a in q.allocations:
        echo(f"  {n}: {money(a, cur)}")
    if q.credit_minor:
        echo(f"Credit: {money(q.credit_minor, cur)}")
    if q.cash_total_minor is not None:
        echo(f"Cash total: {money(q.cash_total_minor, cur)}")
        if q.rounding_minor:
            sign = "+" if q.rounding_minor > 0 else "-"
            echo(f"Rounding: {sign}{money(abs(q.rounding_minor), cur)}")
        echo(f"Tendered: {money(q.tendered_minor, cur)}")
        echo(f"CHANGE: {money(q.change_minor, cur)}")
    echo(f"New balance (this desk): {money(q.balance_minor, cur)}")
    echo(
        f"{q.waiting} payment{'s' if q.waiting != 1 else ''} waiting for the shared database; "
        "send them with `jdoffice sync push`"
    )
