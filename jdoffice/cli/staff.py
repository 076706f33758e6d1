"""`jdoffice staff add|list|set-pin|set-role|disable`: a school's staff accounts (issue 14).

Changing accounts needs an admin signed in (``--staff INITIALS``, the PIN from
``JDOFFICE_STAFF_PIN`` or a prompt). The one exception is a school's first account: while a
school has no staff at all, ``staff add`` needs nobody signed in, and the account it adds is
the school's admin whatever ``--role`` says. A new PIN comes from ``JDOFFICE_NEW_STAFF_PIN``
or a hidden prompt (typed twice), never from an argument; no command prints it.
"""

from __future__ import annotations

from typing import Any

import click

from jdoffice.cli.context import ENV_NEW_PIN, ENV_STAFF_PIN, Context, pass_ctx, read_pin
from jdoffice.cli.output import echo, emit_json
from jdoffice.domain.staff import Role, StaffMember, normalize_initials
from jdoffice.services.desk import Desk

ROLES = [r.value for r in Role]


def member_json(m: StaffMember) -> dict[str, Any]:
    """An account as ``--json`` shows it: never a PIN or its hash."""
    return {
        "id": m.id,
        "initials": m.initials,
        "name": m.name,
        "role": m.role.value,
        "active": m.active,
        "locked_until": m.locked_until.isoformat() if m.locked_until else None,
    }


def _echo_member(m: StaffMember, what: str) -> None:
    state = "" if m.active else " (disabled)"
    echo(f"{what} {m.initials}: {m.name}, {m.role.value}{state}")


def _admin_desk(c: Context) -> Desk:
    """The desk with an admin signed in; nobody signed in while the school has no staff."""
    desk = c.desk()
    if not desk.list_staff(include_disabled=True)[1]:
        return desk
    return c.staff_desk()


@click.group("staff")
def staff_group() -> None:
    """Staff accounts: who signs in at the desk, and their role."""


@staff_group.command("add")
@click.argument("initials")
@click.option("--name", required=True, metavar="NAME", help="As receipts print it.")
@click.option(
    "--role",
    type=click.Choice(ROLES, case_sensitive=False),
    default=Role.RECEPTIONIST.value,
    show_default=True,
)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def staff_add(c: Context, initials: str, name: str, role: str, as_json: bool) -> None:
    """Add a staff account (an admin signed in). The school's first account needs nobody
    signed in and becomes its admin. The PIN (4 to 8 digits) comes from
    JDOFFICE_NEW_STAFF_PIN or a prompt."""
    desk = _admin_desk(c)
    pin = read_pin(ENV_NEW_PIN, f"New PIN for {initials}", confirm=True)
    member = desk.add_staff(initials=initials, name=name, role=role, pin=pin)
    if as_json:
        emit_json(member_json(member))
        return
    _echo_member(member, "Added")
    if desk.staff is None:
        echo(f"{member.initials} is the first account of {desk.school().name}, and its admin.")


@staff_group.command("list")
@click.option("--all", "include_disabled", is_flag=True, help="Disabled accounts too.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def staff_list(c: Context, include_disabled: bool, as_json: bool) -> None:
    """The school's staff accounts (initials, name, role; never a PIN)."""
    school, members = c.desk().list_staff(include_disabled=include_disabled)
    if as_json:
        emit_json([member_json(m) for m in members])
        return
    if not members:
        echo(f"{school.name} has no staff accounts yet; add the first (its admin) with:")
        echo("  jdoffice staff add INITIALS --name NAME")
        return
    for m in members:
        state = "" if m.active else "  disabled"
        echo(f"{m.initials:<8} {m.role.value:<12} {m.name}{state}")


@staff_group.command("set-pin")
@click.argument("initials")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def staff_set_pin(c: Context, initials: str, as_json: bool) -> None:
    """Set a PIN: your own (signed in as INITIALS: your current PIN is the sign-in PIN), or
    anyone's as an admin. The new PIN comes from JDOFFICE_NEW_STAFF_PIN or a prompt."""
    desk = c.desk()
    target = normalize_initials(initials)
    if c.staff_given and normalize_initials(c.actor.staff) == target:
        current = read_pin(ENV_STAFF_PIN, f"Current PIN for {target}")
        desk.sign_in(target, current)
        new = read_pin(ENV_NEW_PIN, f"New PIN for {target}", confirm=True)
        member = desk.set_pin(target, new, current_pin=current)
    else:
        desk = c.staff_desk()
        new = read_pin(ENV_NEW_PIN, f"New PIN for {target}", confirm=True)
        member = desk.set_pin(target, new)
    if as_json:
        emit_json(member_json(member))
        return
    echo(f"PIN set for {member.initials}")


@staff_group.command("set-role")
@click.argument("initials")
@click.argument("role", type=click.Choice(ROLES, case_sensitive=False))
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def staff_set_role(c: Context, initials: str, role: str, as_json: bool) -> None:
    """Change an account's role (an admin signed in); the last admin stays an admin."""
    member = c.staff_desk().set_role(initials, role)
    if as_json:
        emit_json(member_json(member))
        return
    _echo_member(member, "Role of")


@staff_group.command("disable")
@click.argument("initials")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def staff_disable(c: Context, initials: str, as_json: bool) -> None:
    """Disable an account (an admin signed in): it can no longer sign in or approve; what it
    did keeps its name. Never the school's last admin."""
    member = c.staff_desk().disable_staff(initials)
    if as_json:
        emit_json(member_json(member))
        return
    _echo_member(member, "Disabled")
