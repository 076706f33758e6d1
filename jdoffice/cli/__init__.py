"""The jdoffice command line: scripting, operations and headless use of the desk.

Exit codes: 0 done, 2 invalid input, 3 refused by a business rule or a conflict, 4 database or
provider unavailable, 1 anything else. Errors are one line on stderr; ``--json`` output is
stable (amounts are integer minor units plus a currency code).

This module holds the root group, the window launcher and the demo; each command group has a
module of its own (``payments``, ``students``, ``report``, ``links``, ``provider``, ``school``,
``keys``, ``db``, ``sync``, ``notifications``, ``webhooks``), and ``output`` the words,
tables, ``--json`` and exit codes they share. A command parses its options, calls one verb of
the front desk (:class:`jdoffice.services.desk.Desk`, from :meth:`Context.desk`) and prints
what it returned.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import click

from jdoffice import __version__
from jdoffice.bootstrap import open_app, setup_logging
from jdoffice.cli.context import DEFAULT_DESK, Context, login_name, pass_ctx
from jdoffice.cli.output import (
    EXIT_ERROR,
    EXIT_INCONSISTENT,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_UNAVAILABLE,
    command_prefix,
    echo,
    emit_json,
    errors_to_exit_codes,
    exit_code_for,
    fail,
)
from jdoffice.domain.errors import InvalidInput, Unavailable
from jdoffice.domain.model import Actor
from jdoffice.domain.text import refuse_unsafe

if TYPE_CHECKING:
    from jdoffice.domain.demo import DemoStaff

__all__ = [
    "DEFAULT_DESK",
    "EXIT_ERROR",
    "EXIT_INCONSISTENT",
    "EXIT_INVALID",
    "EXIT_OK",
    "EXIT_REFUSED",
    "EXIT_UNAVAILABLE",
    "Context",
    "cli",
    "exit_code_for",
    "main",
]


DEMO_STUDENTS = 200
DEMO_SEED = 1

#: Opens the desk program. :mod:`jdoffice.main` sets it; the command line itself never imports
#: Qt (an import contract forbids it), so without a launcher ``jdoffice`` prints a summary.
GUI_LAUNCHER: Callable[[Context], None] | None = None


#: Why no window opened (set by :mod:`jdoffice.main` when it found no usable display).
NO_WINDOW_REASON: str | None = None
#: Says why the display cannot be used, or None when it can (:mod:`jdoffice.main` sets it):
#: run just before the window would open, since Qt aborts the process on a display it
#: cannot use.
DISPLAY_CHECK: Callable[[], str | None] | None = None


def window_problem() -> str | None:
    """Why the desk window cannot open here, or None when it can."""
    global NO_WINDOW_REASON
    if GUI_LAUNCHER is None:
        return NO_WINDOW_REASON or "the desk window cannot open here"
    problem = DISPLAY_CHECK() if DISPLAY_CHECK is not None else None
    if problem is not None:
        NO_WINDOW_REASON = problem
    return problem


# --- the group -------------------------------------------------------------------------------

#: The commands of the other modules, as ``module:attribute``: a command's module is imported
#: when that command runs (or when ``--help`` lists them all), so ``jdoffice search`` loads
#: what searching needs and not the money, the mail and the providers of the other commands.
LAZY_COMMANDS: Mapping[str, str] = {
    "audit": "jdoffice.cli.audit:audit_group",
    "books": "jdoffice.cli.books:books_group",
    "db": "jdoffice.cli.db:db_group",
    "keys": "jdoffice.cli.keys:keys_group",
    "link": "jdoffice.cli.links:link_group",
    "notifications": "jdoffice.cli.notifications:notifications_group",
    "pay": "jdoffice.cli.payments:pay_cmd",
    "payments": "jdoffice.cli.provider:payments_group",
    "receipt": "jdoffice.cli.report:receipt_cmd",
    "refund": "jdoffice.cli.payments:refund_cmd",
    "remind": "jdoffice.cli.reminders:remind_cmd",
    "report": "jdoffice.cli.report:report_group",
    "school": "jdoffice.cli.school:school_group",
    "search": "jdoffice.cli.students:search_cmd",
    "shift": "jdoffice.cli.shift:shift_group",
    "staff": "jdoffice.cli.staff:staff_group",
    "student": "jdoffice.cli.students:student_cmd",
    "sync": "jdoffice.cli.sync:sync_group",
    "webhooks": "jdoffice.cli.webhooks:webhooks_group",
}


class LazyGroup(click.Group):
    """A group whose commands are imported when first asked for: click's documented
    pattern ("Lazily Loading Subcommands")."""

    def __init__(
        self, *args: Any, lazy_commands: Mapping[str, str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_commands and cmd_name not in self.commands:
            self.add_command(self._load(cmd_name), cmd_name)
        return super().get_command(ctx, cmd_name)

    def _load(self, cmd_name: str) -> click.Command:
        module_name, _, attribute = self.lazy_commands[cmd_name].partition(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{self.lazy_commands[cmd_name]} is not a click command")
        return command


@click.group(
    cls=LazyGroup,
    lazy_commands=LAZY_COMMANDS,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option("--db", "db_url", metavar="URL", help="Database URL (or JDOFFICE_DATABASE_URL).")
@click.option("--school", "school_slug", metavar="SLUG", help="School to work for.")
@click.option(
    "--desk",
    metavar="NAME",
    help=f"Name of this desk (default: the desk settings' name in the window, else {DEFAULT_DESK}).",
)
@click.option(
    "--staff",
    metavar="INITIALS",
    help="Sign in as this staff member for commands that move money or change the school "
    "(the PIN from JDOFFICE_STAFF_PIN or a prompt, never an argument).",
)
@click.option("--demo", is_flag=True, help="Use the demo database (seeded on first run).")
@click.option(
    "--local-db",
    "local_db",
    metavar="PATH",
    help="This desk's local copy and offline outbox (or JDOFFICE_LOCAL_DB); default: in the "
    "user data directory.",
)
@click.option("-v", "--verbose", is_flag=True, help="Log what happens on stderr.")
@click.version_option(__version__, prog_name="jdoffice")
@click.pass_context
def cli(
    ctx: click.Context,
    db_url: str | None,
    school_slug: str | None,
    desk: str | None,
    staff: str | None,
    demo: bool,
    local_db: str | None,
    verbose: bool,
) -> None:
    """jdoffice: the front desk of a driving school."""
    setup_logging(verbose)
    desk_given, staff_given = desk is not None, staff is not None
    desk = desk.strip() if desk is not None else DEFAULT_DESK
    staff = staff.strip() if staff is not None else login_name() or desk
    if not desk or not staff or len(desk) > 64 or len(staff) > 64:
        raise InvalidInput("--desk and --staff must be 1 to 64 characters")
    refuse_unsafe(desk, "--desk")
    refuse_unsafe(staff, "--staff")
    ctx.obj = Context(
        app=open_app(db_url, demo=demo),
        school_slug=school_slug,
        actor=Actor(staff=staff, desk=desk),
        demo=demo,
        local_db=local_db,
        desk_given=desk_given,
        staff_given=staff_given,
    )
    if ctx.invoked_subcommand is None:
        if window_problem() is None:
            _launch_gui(ctx.obj)
            return
        _no_window_note(demo)
        if not demo:
            echo(ctx.get_help(), lines=True)
            return
        _open_demo(ctx.obj)
    elif demo and ctx.invoked_subcommand not in ("demo", "db"):
        # `jdoffice --demo search søren` on a fresh machine: the demo school comes first.
        _seed_demo_once(ctx.obj)


def _no_window_note(demo: bool) -> None:
    """Why plain ``jdoffice`` printed text instead of opening the desk window, and how to go
    on from here, as the user types it."""
    reason = NO_WINDOW_REASON or "the desk window cannot open here"
    echo(f"No window: {reason}.")
    if demo:
        echo()
        return
    run = command_prefix()
    echo("The command line works, for example:")
    echo(f"  {run} search søren")
    echo(f"  {run} --demo search søren      (the demo school, made on first use)")
    echo()


def _launch_gui(c: Context) -> None:
    assert GUI_LAUNCHER is not None
    if c.demo:
        _seed_demo_once(c)
    GUI_LAUNCHER(c)


@cli.command("gui")
@pass_ctx
def gui_cmd(c: Context) -> None:
    """Open the desk program (what plain `jdoffice` does when a display is available)."""
    problem = window_problem()
    if problem is not None:
        raise Unavailable(f"the desk program cannot start here: {problem}")
    _launch_gui(c)


def _seed_demo_once(c: Context) -> None:
    if not c.app.has_data():
        echo(f"Creating the demo school with {DEMO_STUDENTS} students …", err=True)
        c.app.seed_demo(students=DEMO_STUDENTS, seed=DEMO_SEED)
        _echo_demo_staff(c.app.seed_demo_staff(c.school_slug))


def _echo_demo_staff(added: Sequence[DemoStaff]) -> None:
    """The demo school's staff and their PINs, printed once (on stderr: ``--json`` output
    stays clean)."""
    if not added:
        return
    echo("Staff of the demo school (initials, PIN, role; sign in with --staff INITIALS):", err=True)
    for s in added:
        echo(f"  {s.initials:<4} {s.pin}  {s.role:<13} {s.name}", err=True)


def _open_demo(c: Context) -> None:
    """``jdoffice --demo``: seed the demo school on first run, then show what is there."""
    _seed_demo_once(c)
    school = c.school()
    uow = c.uow()
    with uow:
        count = uow.students.count(school.id)
    address = ", ".join(school.address.splitlines())
    echo(f"{school.name} ({school.slug}), {address}, CVR {school.cvr}")
    echo(f"Database: {c.url.render_as_string(hide_password=True)}")
    echo(f"Students: {count}")
    from jdoffice.cli.students import echo_hits
    from jdoffice.services import queries

    report = queries.day_report(uow, school)
    echo(f"Receipts today: {report.receipts}")
    hits = queries.search_students(uow, school, "søren", limit=5)
    run = f"{command_prefix()} --demo"
    echo()
    echo(f"Try: {run} search søren")
    echo_hits(hits, indent="  ")
    if hits:
        echo(f"Then: {run} student {hits[0].student_no}")
    echo(
        f"Take money: {run} --staff RB shift open --float 1000, then {run} --staff RB pay … "
        "(the PIN from JDOFFICE_STAFF_PIN or the prompt; the demo staff are in the README)"
    )
    echo(f"All commands: {run} --help")


# --- demo ------------------------------------------------------------------------------------


@cli.command("demo")
@click.option(
    "--students", default=DEMO_STUDENTS, show_default=True, type=click.IntRange(0, 2_000_000)
)
@click.option("--seed", default=DEMO_SEED, show_default=True, type=int)
@click.option("--force", is_flag=True, help="Replace everything in the database.")
@click.option(
    "--with-staff",
    is_flag=True,
    help="Also its staff (an admin, a manager, two receptionists) with demo PINs, as "
    "`jdoffice --demo` makes on first run.",
)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def demo_cmd(
    c: Context, students: int, seed: int, force: bool, with_staff: bool, as_json: bool
) -> None:
    """Create a demo school with realistic Danish students and invoices."""
    school, counts = c.app.seed_demo(students=students, seed=seed, force=force)
    added = c.app.seed_demo_staff(school.slug) if with_staff else []
    _echo_demo_staff(added)
    data = {
        "school": school.slug,
        "students": counts.students,
        "invoices": counts.invoices,
        "payments": counts.payments,
        "seed": seed,
    }
    if as_json:
        emit_json(data)
    else:
        echo(
            f"{school.name} ({school.slug}): {counts.students} students, "
            f"{counts.invoices} invoices, {counts.payments} payments (seed {seed})"
        )


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    with errors_to_exit_codes():
        try:
            code = cli.main(args=argv, prog_name=command_prefix(), standalone_mode=False)
        except click.UsageError as exc:
            # Click's own usage block is four lines; the contract (issue 2) is one line.
            fail(exc.format_message(), EXIT_INVALID)
        except click.ClickException as exc:
            fail(exc.format_message(), exc.exit_code)
        except click.Abort:
            fail("aborted", EXIT_ERROR)
    # Without standalone mode click returns the code of --help/--version (or None).
    sys.exit(code if isinstance(code, int) else EXIT_OK)
