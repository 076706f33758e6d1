"""`jdoffice audit list`: the audit trail, readable (issue 15).

Who did what and when, at which desk, with whose approval, and the document it concerns
(a payment, refund, receipt, shift, online payment, setting or staff account), for a period
of the school's days; narrowed with ``--staff-member`` (done or approved by them) or
``--student``. A manager reads it (``--staff`` signed in, or a receptionist with
``--approve``); a school without staff accounts has nobody to sign in.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from jdoffice.cli.context import Context, pass_ctx
from jdoffice.cli.output import day_text, echo, emit_json, parse_date, time_text
from jdoffice.domain.staff import Action
from jdoffice.domain.text import printable


@click.group("audit")
def audit_group() -> None:
    """The audit trail: every money-affecting and settings action, who and when."""


def _summary(values: Any) -> str:
    if not values:
        return ""
    return ", ".join(f"{k}={printable(v)}" for k, v in values.items())


@audit_group.command("list")
@click.option("--from", "from_text", metavar="YYYY-MM-DD", help="Default: today at the school.")
@click.option("--to", "to_text", metavar="YYYY-MM-DD", help="Default: the --from day.")
@click.option(
    "--staff-member", "member", metavar="INITIALS", help="Only what they did or approved."
)
@click.option("--student", "student_no", metavar="SNO", help="Only about this student.")
@click.option("--limit", type=click.IntRange(1, 5000), default=1000, show_default=True)
@click.option(
    "--approve",
    "approver",
    metavar="INITIALS",
    help="A manager's initials approving it (their PIN from JDOFFICE_APPROVER_PIN or a prompt).",
)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def audit_list_cmd(
    c: Context,
    from_text: str | None,
    to_text: str | None,
    member: str | None,
    student_no: str | None,
    limit: int,
    approver: str | None,
    as_json: bool,
) -> None:
    """The audit entries of the school's days FROM to TO (both included), oldest first."""
    from jdoffice.services.audit_trail import audit_list

    school = c.school()
    start = parse_date(from_text) or school.local_date(dt.datetime.now(dt.UTC))
    end = parse_date(to_text) or start
    desk = c.staff_desk()
    approval = c.approval(Action.AUDIT, approver)
    by = approval if approval is not None else desk.staff
    lines = audit_list(
        c.uow(),
        school,
        start=start,
        end=end,
        by=by,
        staff_initials=member,
        student_no=student_no,
        limit=limit,
    )
    if as_json:
        emit_json(
            [
                {
                    "at": line.at.astimezone(dt.UTC).isoformat(),
                    "action": line.action,
                    "entity": line.entity,
                    "entity_id": line.entity_id,
                    "staff": line.staff,
                    "approver": line.approver or None,
                    "desk": line.desk,
                    "before": line.before,
                    "after": line.after,
                }
                for line in lines
            ]
        )
        return
    echo(f"Audit {day_text(start)}–{day_text(end)} – {school.name}: {len(lines)} entries")
    for line in lines:
        when = time_text(line.at, school.tz)
        who = printable(line.staff) or "-"
        if line.approver:
            who += f", approved by {printable(line.approver)}"
        echo(
            f"{when}  {line.action:<22} {line.entity} {printable(line.entity_id)}  "
            f"{who}  {printable(line.desk)}"
        )
        changed = _summary(line.after)
        if changed:
            echo(f"    {changed}")
