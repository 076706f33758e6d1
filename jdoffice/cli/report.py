"""`jdoffice receipt` and `jdoffice report`: reprints and the day report."""

from __future__ import annotations

import csv
from pathlib import Path

import click

from jdoffice.cli.context import Context, pass_ctx
from jdoffice.cli.output import day_text, echo, emit_json, money, parse_date, time_text
from jdoffice.domain.errors import InvalidInput
from jdoffice.domain.receipt_text import render_text, words_for
from jdoffice.domain.text import csv_cell
from jdoffice.domain.z_text import signed_money


@click.command("receipt")
@click.argument("receipt_no", type=int)
@click.option(
    "--copy",
    is_flag=True,
    help="Show or write a copy (marked KOPI and counted); --printer always prints a copy.",
)
@click.option("--lang", type=click.Choice(["da", "en"]), default="da", show_default=True)
@click.option("--width", type=click.IntRange(32, 64), default=42, show_default=True)
@click.option(
    "--pdf",
    "pdf_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the A4 receipt to FILE (as the desk does).",
)
@click.option(
    "--printer",
    "printer_spec",
    metavar="SPEC",
    help="Print on an ESC/POS printer: network:HOST[:PORT], usb:VID:PID, serial:DEV[:BAUD], "
    "file:PATH.",
)
@pass_ctx
def receipt_cmd(
    c: Context,
    receipt_no: int,
    copy: bool,
    lang: str,
    width: int,
    pdf_path: Path | None,
    printer_spec: str | None,
) -> None:
    """Show a receipt as text (42 columns, as on the thermal printer), or write or print it."""
    # Qt and python-escpos are loaded only for these, so every other command starts without
    # them; a bad file or printer is refused before a copy is counted.
    if pdf_path is not None:
        from jdoffice.printing import receipts

        receipts.check_pdf_path(pdf_path)
    if printer_spec is not None:
        from jdoffice.printing import thermal

        target = thermal.parse_target(printer_spec)
    # The original was handed out when the money moved: printing it again is always a copy,
    # marked KOPI, counted in the audit, and it never opens the cash drawer.
    printed = printer_spec is not None
    r = c.desk().reprint(receipt_no, copy=copy or printed).receipt
    if pdf_path is None and printer_spec is None:
        echo(render_text(r.body, width=width, copy=copy, language=lang), lines=True)
    if pdf_path is not None:
        receipts.render_pdf(r.body, pdf_path, copy=copy or printed, language=lang)
        echo(f"receipt {receipt_no} written to {pdf_path}")
    if printer_spec is not None:
        thermal.print_receipt(
            r.body, target, copy=True, language=lang, width=width, open_drawer=False
        )
        mark = words_for(lang).copy
        echo(f"receipt {receipt_no} printed on {target} as {mark} (copy {r.copies_printed})")


@click.group("report")
def report_group() -> None:
    """Reports."""


@report_group.command("day")
@click.option("--date", "date_text", metavar="YYYY-MM-DD", help="Default: today at the school.")
@click.option("--json", "as_json", is_flag=True)
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path))
@pass_ctx
def report_day(c: Context, date_text: str | None, as_json: bool, csv_path: Path | None) -> None:
    """Today's totals per method, rounding, refunds and receipts."""
    day = parse_date(date_text)
    report = c.desk().day_report(day)
    school, r = report.school, report.report
    if csv_path is not None:
        with csv_path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(
                [
                    "time",
                    "kind",
                    "id",
                    "method",
                    "amount_minor",
                    "rounding_minor",
                    "receipt_no",
                    "desk",
                    "staff",
                ]
            )
            w.writerows([csv_cell(v) for v in row] for row in r.rows)
    if as_json:
        emit_json(
            {
                "date": r.date.isoformat(),
                "currency": r.currency,
                "totals": r.totals,
                "counts": r.payments_count,
                "rounding_minor": r.rounding_minor,
                "refunds_minor": r.refunds_minor,
                "refunds_by_method": r.refunds_by_method,
                "receipts": r.receipts,
                "cash_in_drawer_minor": r.cash_in_drawer_minor,
                "shifts": [
                    {
                        "desk": s.desk,
                        "z_no": s.z_no,
                        "opened_at": s.opened_at.isoformat(),
                        "closed_at": s.closed_at.isoformat() if s.closed_at else None,
                        "float_minor": s.float_minor,
                        "expected_minor": s.expected_minor,
                        "counted_minor": s.counted_minor,
                        "variance_minor": s.variance_minor,
                    }
                    for s in report.shifts
                ],
            }
        )
        return
    cur = r.currency
    echo(f"Day report {day_text(r.date)} – {school.name}")
    for method, total in sorted(r.totals.items()):
        echo(f"  {method:<12} {r.payments_count[method]:>4} × {money(total, cur):>16}")
    if not r.totals:
        echo("  no payments")
    echo(f"  {'rounding':<12}        {money(r.rounding_minor, cur):>16}")
    echo(f"  {'refunds':<12}        {money(-r.refunds_minor, cur):>16}")
    echo(f"  {'cash drawer':<12}        {money(r.cash_in_drawer_minor, cur):>16}")
    echo(f"  receipts issued: {r.receipts}")
    for s in report.shifts:
        if s.closed_at is None:
            echo(f"  shift on {s.desk}: open since {time_text(s.opened_at, school.tz)}")
        else:
            assert s.variance_minor is not None
            echo(
                f"  shift on {s.desk}: Z{s.z_no}, counted {money(s.counted_minor, cur)}, "
                f"variance {signed_money(s.variance_minor, cur)}"
            )
    if csv_path is not None:
        echo(f"  written to {csv_path}")


@report_group.command("z")
@click.argument("z_no", required=False, type=click.IntRange(1))
@click.option("--lang", type=click.Choice(["da", "en"]), default="da", show_default=True)
@click.option("--width", type=click.IntRange(32, 64), default=42, show_default=True)
@click.option(
    "--pdf",
    "pdf_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the Z-report as an A4 PDF to FILE.",
)
@click.option(
    "--printer",
    "printer_spec",
    metavar="SPEC",
    help="Print on an 80 mm ESC/POS printer: network:HOST[:PORT], usb:VID:PID, "
    "serial:DEV[:BAUD], file:PATH.",
)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def report_z(
    c: Context,
    z_no: int | None,
    lang: str,
    width: int,
    pdf_path: Path | None,
    printer_spec: str | None,
    as_json: bool,
) -> None:
    """This desk's Z-report Z_NO (default: its latest), as printed at the close; a reprint,
    marked KOPI. Shown as text, or written as an A4 PDF, or printed at 80 mm."""
    from jdoffice.cli.shift import z_json
    from jdoffice.domain.z_text import z_lines

    if pdf_path is not None and printer_spec is not None:
        raise click.UsageError("give --pdf or --printer, not both")
    if pdf_path is not None:
        from jdoffice.printing import receipts

        receipts.check_pdf_path(pdf_path)
    if printer_spec is not None:
        from jdoffice.printing import thermal

        target = thermal.parse_target(printer_spec)
    school, report = c.desk().z_report(z_no)
    if pdf_path is not None:
        from jdoffice.printing import z_report

        z_report.render_pdf(
            report,
            pdf_path,
            school_name=school.name,
            timezone=school.timezone,
            copy=True,
            language=lang,
        )
    if printer_spec is not None:
        from jdoffice.printing import z_report

        z_report.print_z(
            report,
            target,
            school_name=school.name,
            timezone=school.timezone,
            copy=True,
            language=lang,
            width=width,
        )
    if as_json:
        emit_json(z_json(report, copy=True))
        return
    if pdf_path is not None:
        echo(f"{report.label} of desk {report.desk} written to {pdf_path} (KOPI)")
    elif printer_spec is not None:
        echo(f"{report.label} of desk {report.desk} printed on {target} (KOPI)")
    else:
        lines = z_lines(
            report,
            school_name=school.name,
            timezone=school.timezone,
            width=width,
            copy=True,
            language=lang,
        )
        echo("\n".join(lines), lines=True)


@report_group.command("debtors")
@click.option("--as-of", "as_of_text", metavar="YYYY-MM-DD", help="Default: today at the school.")
@click.option(
    "--sort",
    type=click.Choice(["amount", "overdue", "name", "number"]),
    default="amount",
    show_default=True,
    help="Largest debt, longest overdue, by name or by student number first.",
)
@click.option(
    "--overdue-days",
    "min_days",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Only students with an invoice at least this many days overdue (0: all who owe).",
)
@click.option("--lang", type=click.Choice(["da", "en"]), default="da", show_default=True)
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a row per outstanding invoice to FILE (UTF-8, ';', decimal comma).",
)
@click.option(
    "--pdf",
    "pdf_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the list as an A4 PDF to FILE.",
)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def report_debtors(
    c: Context,
    as_of_text: str | None,
    sort: str,
    min_days: int,
    lang: str,
    csv_path: Path | None,
    pdf_path: Path | None,
    as_json: bool,
) -> None:
    """Who owes what: each student's outstanding invoices aged by days overdue (not due,
    1-30, 31-60, 61-90, over 90), with the school's totals."""
    from jdoffice.domain import debtors as debtor_text
    from jdoffice.services.debtors import debtor_list

    for path in (csv_path, pdf_path):
        if path is not None and not path.parent.is_dir():
            raise InvalidInput(f"no such folder: {path.parent}")
    school = c.school()
    listed = debtor_list(
        c.uow(), school, as_of=parse_date(as_of_text), sort=sort, min_days=min_days
    )
    from jdoffice.printing.text_pages import debtors_pdf, save_text

    if csv_path is not None:
        save_text(csv_path, debtor_text.to_csv(listed))
    if pdf_path is not None:
        debtors_pdf(listed, pdf_path, language=lang)
    if as_json:
        emit_json(debtor_text.to_json(listed))
        return
    echo("\n".join(debtor_text.text_lines(listed, language=lang)), lines=True)
    for path in (csv_path, pdf_path):
        if path is not None:
            echo(f"  written to {path}")
