"""`jdoffice books`: the school's postings of a period, exported for the bookkeeper."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from jdoffice.cli.context import Context, pass_ctx
from jdoffice.cli.output import echo, emit_json, parse_date
from jdoffice.domain.books_export import FORMATS
from jdoffice.domain.errors import InvalidInput
from jdoffice.domain.postings import check_balanced, totals


def _day(text: str) -> dt.date:
    day = parse_date(text)
    if day is None:  # pragma: no cover - the option is required
        raise InvalidInput("a date is needed (YYYY-MM-DD)")
    return day


@click.group("books")
def books_group() -> None:
    """The books: postings of payments, refunds, rounding and the shifts' cash."""


@books_group.command("export")
@click.option("--from", "from_text", required=True, metavar="YYYY-MM-DD")
@click.option("--to", "to_text", required=True, metavar="YYYY-MM-DD")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE (default: standard output).",
)
@click.option("--json", "as_json", is_flag=True, help="With --out: a summary as JSON.")
@pass_ctx
def books_export(
    c: Context, from_text: str, to_text: str, fmt: str, out_path: Path | None, as_json: bool
) -> None:
    """Export the postings of the school's days FROM to TO (both included): csv (generic,
    ';', decimal comma), economic (e-conomic's journal import) or saft (SAF-T Financial)."""
    from jdoffice.services import books

    start, end = _day(from_text), _day(to_text)
    if as_json and out_path is None:
        raise InvalidInput("--json is the summary of a file written with --out")
    if out_path is not None and not out_path.parent.is_dir():
        raise InvalidInput(f"no such folder: {out_path.parent}")
    school = c.school()
    period = books.period_postings(c.uow(), school, start, end)
    if out_path is None:
        books.write(period, fmt, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    # Written beside the file and renamed: a failed export never leaves half a file.
    tmp = out_path.with_name(out_path.name + ".part")
    try:
        with tmp.open("wb") as fh:
            books.write(period, fmt, fh)
        tmp.replace(out_path)
    finally:
        tmp.unlink(missing_ok=True)
    lines = list(period.lines)
    summary = {
        "school": school.slug,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "format": fmt,
        "file": str(out_path),
        "postings": len(lines),
        "debit_minor": check_balanced(lines),
        "credit_minor": check_balanced(lines),
        "currency": school.currency,
        "accounts": {a: t.net_minor for a, t in totals(lines).items()},
    }
    if as_json:
        emit_json(summary)
        return
    echo(f"{len(lines)} postings {start} – {end} written to {out_path} ({fmt})")
