"""`jdoffice books`: the school's postings of a period, exported for the bookkeeper."""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

import click

from jdoffice.cli.context import Context, pass_ctx
from jdoffice.cli.output import echo, emit_json, money, parse_date, time_text
from jdoffice.domain.books_export import FORMATS
from jdoffice.domain.errors import InvalidInput
from jdoffice.domain.exported import ExportRecord, period_text
from jdoffice.domain.model import Actor
from jdoffice.domain.staff import Action

if TYPE_CHECKING:
    from jdoffice.services.books_exports import ExportResult


def _day(text: str) -> dt.date:
    day = parse_date(text)
    if day is None:  # pragma: no cover - the option is required
        raise InvalidInput("a date is needed (YYYY-MM-DD)")
    return day


@click.group("books")
def books_group() -> None:
    """The books: postings of payments, refunds, rounding and the shifts' cash."""


def _actor(c: Context, approver: str | None) -> Actor:
    """Who exports: the signed-in member (a manager's task), or with a manager's approval."""
    desk = c.staff_desk()
    approval = c.approval(Action.BOOKS, approver)
    return approval.actor(desk.desk_name) if approval is not None else desk.actor


_APPROVE = click.option(
    "--approve",
    "approver",
    metavar="INITIALS",
    help="A manager's initials approving it (their PIN from JDOFFICE_APPROVER_PIN or a prompt).",
)


def _record_json(r: ExportRecord, currency: str) -> dict[str, Any]:
    return {
        "id": r.id,
        "from": r.start.isoformat(),
        "to": r.end.isoformat(),
        "format": r.fmt,
        "postings": r.postings,
        "corrections": r.corrections,
        "total_minor": r.total_minor,
        "currency": currency,
        "sha256": r.digest,
        "repeat_of": r.repeat_of,
        "staff": r.staff,
        "desk": r.desk,
        "at": r.at.isoformat(),
    }


def _notes(result: ExportResult) -> list[str]:
    """What a person must know beside the file: a repeat, corrections, lines to come."""
    notes = []
    first = result.repeated
    if first is not None:
        same = ""
        if result.identical is not None:
            same = "; the same file as before" if result.identical else "; the file differs"
        notes.append(
            f"already exported on {time_text(first.at)} by {first.staff or '?'} at "
            f"{first.desk or '?'} (export {first.id}): its {result.postings} postings again" + same
        )
    if result.corrections:
        notes.append(
            f"{result.corrections} correction(s): postings dated in a period exported before, "
            "which arrived after that export"
        )
    if result.pending:
        notes.append(
            f"{result.pending} posting(s) dated in this period arrived after it was exported: "
            "the next export of a later period carries them as corrections"
        )
    if result.unfinished and first is None:
        notes.append(
            "the period is not over yet: what is recorded later in it comes as corrections "
            "in the next export"
        )
    if result.missing:
        notes.append(
            f"{result.missing} posting(s) of that export are no longer in the records as "
            "delivered: the next export of a later period takes them back"
        )
    return notes


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
@_APPROVE
@click.option("--json", "as_json", is_flag=True, help="With --out: a summary as JSON.")
@pass_ctx
def books_export(
    c: Context,
    from_text: str,
    to_text: str,
    fmt: str,
    out_path: Path | None,
    approver: str | None,
    as_json: bool,
) -> None:
    """Export the postings of the school's days FROM to TO (both included): csv (generic,
    ';', decimal comma), economic (e-conomic's journal import) or saft (SAF-T Financial).

    Each export is recorded with the lines it delivered. The same period again writes those
    lines (the same file in the same format); a posting that arrives, changes or goes away
    later for an exported day comes as a correction (or a reversal) in the next export. A
    period overlapping an exported one, or not begun, is refused."""
    from jdoffice.services.books_exports import export_books

    start, end = _day(from_text), _day(to_text)
    if as_json and out_path is None:
        raise InvalidInput("--json is the summary of a file written with --out")
    if out_path is not None and not out_path.parent.is_dir():
        raise InvalidInput(f"no such folder: {out_path.parent}")
    school = c.school()
    actor = _actor(c, approver)
    if out_path is None:
        # Kept aside until the export is recorded: nothing reaches the output that the
        # records do not know was handed over.
        with tempfile.SpooledTemporaryFile(max_size=16 << 20) as spool:
            sink = cast(BinaryIO, spool)
            result = export_books(c.uow(), school, start, end, fmt, sink, actor=actor)
            spool.seek(0)
            shutil.copyfileobj(spool, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        for note in _notes(result):
            echo(note, err=True)
        return
    # Written beside the file and renamed once recorded: a failed export leaves no file.
    tmp = out_path.with_name(out_path.name + ".part")
    try:
        with tmp.open("wb") as fh:
            result = export_books(c.uow(), school, start, end, fmt, fh, actor=actor)
        tmp.replace(out_path)
    finally:
        tmp.unlink(missing_ok=True)
    summary = {
        "school": school.slug,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "format": fmt,
        "file": str(out_path),
        "export_id": result.record.id,
        "postings": result.postings,
        "corrections": result.corrections,
        "pending_corrections": result.pending,
        "debit_minor": result.total_minor,
        "credit_minor": result.total_minor,
        "currency": school.currency,
        "sha256": result.record.digest,
        "accounts": result.accounts,
        "repeat_of": _record_json(result.repeated, school.currency) if result.repeated else None,
        "identical": result.identical,
        "missing": result.missing,
        "unfinished": result.unfinished,
    }
    if as_json:
        emit_json(summary)
        return
    echo(f"{result.postings} postings {start} – {end} written to {out_path} ({fmt})")
    for note in _notes(result):
        echo(note)


@books_group.command("exports")
@_APPROVE
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def books_exports(c: Context, approver: str | None, as_json: bool) -> None:
    """What was exported: every export of the books, oldest first (repeats marked)."""
    from jdoffice.services.books_exports import list_exports

    school = c.school()
    records = list_exports(c.uow(), school, actor=_actor(c, approver))
    if as_json:
        emit_json({"exports": [_record_json(r, school.currency) for r in records]})
        return
    if not records:
        echo("no export of the books yet")
        return
    for r in records:
        what = f"repeat of {r.repeat_of}" if r.repeat_of is not None else "first"
        echo(
            f"{r.id:>4}  {period_text(r.start, r.end):<25} {r.fmt:<8} {what:<12} "
            f"{r.postings:>7} postings ({r.corrections} corrections) "
            f"{money(r.total_minor, school.currency):>16}  {time_text(r.at)} "
            f"{r.staff} {r.desk}"
        )
