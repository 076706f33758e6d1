"""`jdoffice db`: the schema, search terms and the consistency check."""

from __future__ import annotations

import click

from jdoffice.cli.context import Context, pass_ctx
from jdoffice.cli.output import EXIT_INCONSISTENT, echo, emit_json
from jdoffice.services import queries


@click.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@pass_ctx
def db_upgrade(c: Context) -> None:
    """Create or migrate the schema to the newest version."""
    echo(f"database at {c.app.upgrade_schema()}")


@db_group.command("reindex")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def db_reindex(c: Context, as_json: bool) -> None:
    """Make students written by the web system findable: write the search terms of every
    student of the school that has none (safe to run again, and while desks work)."""
    from jdoffice.services.changes import reindex_school

    school = c.school()
    written = reindex_school(c.app.uow(), school)
    if as_json:
        emit_json({"school": school.slug, "reindexed": written})
    else:
        echo(f"{written} student(s) of {school.name} made findable")


@db_group.command("status")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def db_status(c: Context, as_json: bool) -> None:
    """Show where the database is and which schema version it has."""
    current, head = c.app.schema_revisions()
    data = {
        "url": c.url.render_as_string(hide_password=True),
        "revision": current,
        "head": head,
        "up_to_date": current == head,
    }
    if as_json:
        emit_json(data)
    else:
        for k, v in data.items():
            echo(f"{k}: {v}")


@db_group.command("check")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def db_check(c: Context, as_json: bool) -> None:
    """List every inconsistency in the database (or, with --school, touching that school):
    cached balances that do not recompute, money in another currency than the school's, rows
    of mixed schools, orphans, refunded totals that do not add up, a receipt counter behind
    the numbers used. Exit 0 when there is none, 5 when something was found."""
    from jdoffice.services.integrity import check_database

    # Straight on the engine, never upgrading first: the check also runs on a database that
    # an upgrade refused because of the rows it lists (it reads columns every revision has).
    uow = c.app.check_uow()
    school = queries.resolve_school(uow, c.school_slug) if c.school_slug else None
    report = check_database(uow, school)
    where = school.name if school else "the database"
    if as_json:
        emit_json(report.to_json())
    elif report.clean:
        echo(f"no inconsistencies found in {where}")
    else:
        n = len(report.found)
        echo(f"{n} inconsistenc{'y' if n == 1 else 'ies'} found in {where}:")
        for i in report.found:
            who = f"school {i.school_id}" + (f", student {i.student_id}" if i.student_id else "")
            echo(f"  {i.problem.value}: {i.table} {i.row_id} ({who}): {i.detail}")
        echo("See the README, Troubleshooting, for what each one means and what to do.")
    if not report.clean:
        raise click.exceptions.Exit(EXIT_INCONSISTENT)
