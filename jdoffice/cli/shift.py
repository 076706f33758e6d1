"""`jdoffice shift open|pay-in|pay-out|close|status|reopen|correct`: this desk's shift
(issue 14).

A shift belongs to the desk named by ``--desk`` (or the desk settings): cash payments and
cash refunds at that desk need it open. Opening, pay-ins, pay-outs and the close need a
signed-in staff member (``--staff INITIALS``). The close is a blind count: the expected cash
is first shown on the Z-report it prints; a shortfall is recorded, never refused. A manager
(or a receptionist with a manager's ``--approve``) reopens the latest close or corrects a
count, audited with both names.

On an offline desk open, pay-in, pay-out, close and status work from the local copy
(sign-in against the pulled PIN hashes); the changes wait in the desk's shift outbox until
`jdoffice sync push`, and a close with offline payments still waiting warns on standard
error. Reopening and correcting need the shared database.
"""

from __future__ import annotations

from typing import Any

import click

from jdoffice.cli.context import Context, pass_ctx
from jdoffice.cli.output import echo, emit_json, money, time_text
from jdoffice.domain.model import School
from jdoffice.domain.shifts import Movement, Shift, ZReport
from jdoffice.domain.staff import Action
from jdoffice.domain.z_text import z_lines


def shift_json(s: Shift) -> dict[str, Any]:
    return {
        "shift_id": s.id,
        "desk": s.desk,
        "currency": s.currency,
        "float_minor": s.float_minor,
        "opened_at": s.opened_at.isoformat(),
        "opened_by_id": s.opened_by_id,
        "open": s.is_open,
        "z_no": s.z_no,
    }


def movement_json(m: Movement) -> dict[str, Any]:
    return {
        "movement_id": m.id,
        "shift_id": m.shift_id,
        "kind": m.kind.value,
        "amount_minor": m.amount_minor,
        "currency": m.currency,
        "reason": m.reason,
        "created_at": m.created_at.isoformat(),
    }


def z_json(report: ZReport, *, copy: bool) -> dict[str, Any]:
    """A Z-report as ``--json`` shows it: every figure in minor units."""
    return {"label": report.label, **report.to_json(), "copy": copy}


@click.group("shift")
def shift_group() -> None:
    """This desk's shift: the float, pay-ins and pay-outs, the count at the close."""


@shift_group.command("open")
@click.option("--float", "float_amount", required=True, metavar="AMOUNT", help="Counted float.")
@click.option("--key", metavar="KEY", help="Idempotency key (a UUID); the same key is one shift.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def shift_open(c: Context, float_amount: str, key: str | None, as_json: bool) -> None:
    """Open this desk's shift with the float counted into the drawer."""
    desk = c.staff_desk()
    s = desk.open_shift(float_amount, key=key)
    _queued_note(c)
    if as_json:
        emit_json(shift_json(s))
        return
    echo(f"Shift opened on desk {s.desk}: float {money(s.float_minor, s.currency)}")


def _queued_note(c: Context) -> None:
    """On standard error, so ``--json`` stays clean: what this offline desk keeps to send."""
    waiting = c.desk().offline_desk().local.count_shift_changes()
    if waiting:
        echo(
            f"Offline: {waiting} shift change{'s' if waiting != 1 else ''} wait to be sent "
            "to the shared database (`jdoffice sync push`)",
            err=True,
        )


def _movement(
    c: Context, kind: str, amount: str, reason: str, key: str | None, as_json: bool
) -> None:
    desk = c.staff_desk()
    verb = desk.pay_in if kind == "pay-in" else desk.pay_out
    m = verb(amount, reason, key=key)
    _queued_note(c)
    if as_json:
        emit_json(movement_json(m))
        return
    echo(f"{kind} {money(m.amount_minor, m.currency)} on desk {desk.desk_name}: {m.reason}")


@shift_group.command("pay-in")
@click.option("--amount", required=True, metavar="AMOUNT")
@click.option("--reason", required=True, metavar="TEXT")
@click.option("--key", metavar="KEY", help="Idempotency key (a UUID).")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def shift_pay_in(c: Context, amount: str, reason: str, key: str | None, as_json: bool) -> None:
    """Cash put into the drawer during the shift, with a reason."""
    _movement(c, "pay-in", amount, reason, key, as_json)


@shift_group.command("pay-out")
@click.option("--amount", required=True, metavar="AMOUNT")
@click.option("--reason", required=True, metavar="TEXT")
@click.option("--key", metavar="KEY", help="Idempotency key (a UUID).")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def shift_pay_out(c: Context, amount: str, reason: str, key: str | None, as_json: bool) -> None:
    """Cash taken out of the drawer during the shift ("Kaffe", "Indsat i banken")."""
    _movement(c, "pay-out", amount, reason, key, as_json)


@shift_group.command("status")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def shift_status(c: Context, as_json: bool) -> None:
    """This desk's open shift: since when, by whom, the float and what happened in it (the
    expected cash is shown only after the count, on the Z-report)."""
    desk = c.desk()
    school, st = desk.shift_status()
    if st is None:
        if as_json:
            emit_json({"desk": desk.desk_name, "open": False})
            return
        echo(
            f"No open shift on desk {desk.desk_name}: open one with `jdoffice shift open --float AMOUNT`"
        )
        return
    s = st.shift
    if as_json:
        emit_json(
            {
                **shift_json(s),
                "opened_by": st.opened_by,
                "payments": st.payments,
                "refunds": st.refunds,
                "movements": [movement_json(m) for m in st.movements],
            }
        )
        return
    echo(f"Shift open on desk {s.desk} since {time_text(s.opened_at, school.tz)} ({st.opened_by})")
    echo(f"Float: {money(s.float_minor, s.currency)}")
    echo(f"Payments: {st.payments}, refunds: {st.refunds}")
    for m in st.movements:
        echo(f"  {m.kind.value.replace('_', '-')} {money(m.amount_minor, m.currency)}: {m.reason}")


@shift_group.command("close")
@click.option("--counted", required=True, metavar="AMOUNT", help="The cash counted in the drawer.")
@click.option("--note", default="", metavar="TEXT", help="Why the count differs, for instance.")
@click.option("--lang", type=click.Choice(["da", "en"]), default="da", show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def shift_close(c: Context, counted: str, note: str, lang: str, as_json: bool) -> None:
    """Close this desk's shift with the cash counted (a blind count) and show its Z-report
    with the expected cash and the variance. Reprint it with `jdoffice report z`."""
    desk = c.staff_desk()
    report = desk.close_shift(counted, note=note)
    if report.unsent_payments:
        n = report.unsent_payments
        echo(
            f"Warning: {n} payment{'s' if n != 1 else ''} taken offline "
            f"({money(report.unsent_minor, report.currency)}) still wait to be sent to the "
            f"shared database; {report.label} records them. Send them with `jdoffice sync push`.",
            err=True,
        )
    _queued_note(c)
    if as_json:
        emit_json(z_json(report, copy=False))
        return
    _print_z(desk.offline_desk().school().value, report, lang)


def _print_z(school: School, report: ZReport, lang: str) -> None:
    echo(
        "\n".join(
            z_lines(report, school_name=school.name, timezone=school.timezone, language=lang)
        ),
        lines=True,
    )


_APPROVE_HELP = (
    "A manager's initials approving it (their PIN from JDOFFICE_APPROVER_PIN or a prompt); "
    "both are audited."
)


@shift_group.command("reopen")
@click.argument("z_no", type=click.IntRange(min=1), metavar="Z_NO")
@click.option("--approve", "approver", metavar="INITIALS", help=_APPROVE_HELP)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def shift_reopen(c: Context, z_no: int, approver: str | None, as_json: bool) -> None:
    """Reopen this desk's latest closed shift (a manager): it keeps its Z number, takes
    payments again and is closed again with a new count. The first close stays audited."""
    desk = c.staff_desk()
    approval = c.approval(Action.CORRECT_SHIFT, approver)
    s = desk.reopen_shift(z_no, approval=approval)
    if as_json:
        emit_json(shift_json(s))
        return
    echo(f"Z{z_no} reopened on desk {s.desk}: close it again with `jdoffice shift close`")


@shift_group.command("correct")
@click.argument("z_no", type=click.IntRange(min=1), metavar="Z_NO")
@click.option("--counted", required=True, metavar="AMOUNT", help="The right count.")
@click.option("--note", required=True, metavar="TEXT", help="Why the count is corrected.")
@click.option("--approve", "approver", metavar="INITIALS", help=_APPROVE_HELP)
@click.option("--lang", type=click.Choice(["da", "en"]), default="da", show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def shift_correct(
    c: Context,
    z_no: int,
    counted: str,
    note: str,
    approver: str | None,
    lang: str,
    as_json: bool,
) -> None:
    """Correct a closed shift's count (a manager), with a note: the Z-report is worked out
    again and shown; the audit keeps the figures before and after."""
    desk = c.staff_desk()
    approval = c.approval(Action.CORRECT_SHIFT, approver)
    school, report = desk.correct_close(z_no, counted, note=note, approval=approval)
    if as_json:
        emit_json(z_json(report, copy=False))
        return
    _print_z(school, report, lang)
