"""`jdoffice search` and `jdoffice student`: finding a student and opening one."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from jdoffice.cli.context import Context, pass_ctx
from jdoffice.cli.output import (
    balance_text,
    day_text,
    echo,
    emit_json,
    money,
    note_local_copy,
    parse_date,
    status_word,
    time_text,
)
from jdoffice.domain.errors import InvalidInput
from jdoffice.domain.model import payment_display_status
from jdoffice.services.student_search import MAX_SEARCH_LIMIT

if TYPE_CHECKING:
    from jdoffice.domain.search import StudentHit


@click.command("search")
@click.argument("text")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, MAX_SEARCH_LIMIT))
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def search_cmd(c: Context, text: str, limit: int, as_json: bool) -> None:
    """Find students by name, phone, student number or e-mail."""
    reading = c.find_students(text, limit)
    note_local_copy(reading)
    hits = reading.value
    if as_json:
        emit_json(
            [
                {
                    "student_no": h.student_no,
                    "name": h.name,
                    "phone": h.phone,
                    "email": h.email,
                    "balance_minor": h.balance_minor,
                    "currency": h.currency,
                }
                for h in hits
            ]
        )
        return
    if not hits:
        echo("no students found")
        return
    echo_hits(hits)


def echo_hits(hits: Sequence[StudentHit], indent: str = "") -> None:
    """Search results under column headers, the balance labelled (owes, credit)."""
    echo(f"{indent}{'Student':<10} {'Name':<32} {'Phone':<16} {'Balance':>20}")
    for h in hits:
        echo(
            f"{indent}{h.student_no:<10} {h.name:<32} {h.phone:<16} "
            f"{balance_text(h.balance_minor, h.currency):>20}"
        )


@click.command("student")
@click.argument("student_no")
@click.option(
    "--statement",
    is_flag=True,
    help="The statement (kontoudtog): invoices, payments, refunds and the running balance.",
)
@click.option("--from", "from_text", metavar="YYYY-MM-DD", help="Statement from (default: all).")
@click.option("--to", "to_text", metavar="YYYY-MM-DD", help="Statement to (default: today).")
@click.option(
    "--pdf",
    "pdf_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the statement as an A4 PDF to FILE.",
)
@click.option(
    "--email",
    "email_to",
    metavar="[ADDRESS]",
    is_flag=False,
    flag_value="",
    default=None,
    help="E-mail the statement as a PDF to the student's address, or to ADDRESS "
    "(through the outbox; needs --staff).",
)
@click.option(
    "--lang",
    type=click.Choice(["da", "en"]),
    default=None,
    help="Language of the statement [default: da; by e-mail: the school's message language].",
)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def student_cmd(
    c: Context,
    student_no: str,
    statement: bool,
    from_text: str | None,
    to_text: str | None,
    pdf_path: Path | None,
    email_to: str | None,
    lang: str | None,
    as_json: bool,
) -> None:
    """A student's invoices, payments and balance; with --statement, the statement of a
    period (as text, JSON, an A4 PDF, or by e-mail)."""
    if email_to is not None:
        if not statement:
            raise click.UsageError("--email sends the statement: give --statement too")
        if pdf_path is not None:
            raise click.UsageError("give --pdf or --email, not both")
        _email_statement(c, student_no, from_text, to_text, email_to, lang, as_json)
        return
    if statement or pdf_path is not None or from_text is not None or to_text is not None:
        _statement(c, student_no, from_text, to_text, pdf_path, lang or "da", as_json)
        return
    reading = c.desk().open_student(student_no)
    note_local_copy(reading)
    school, v = reading.value.school, reading.value.view
    s = v.student
    if as_json:
        emit_json(
            {
                "student_no": s.student_no,
                "name": s.name,
                "phone": s.phone,
                "email": s.email,
                "balance_minor": v.balance_minor,
                "currency": v.currency,
                "invoices": [
                    {
                        "invoice_no": i.invoice_no,
                        "text": i.text,
                        "due_date": i.due_date.isoformat(),
                        "amount_minor": i.amount_minor,
                        "paid_minor": i.paid_minor,
                        "outstanding_minor": i.outstanding_minor,
                        "status": i.status(v.today).value,
                    }
                    for i in v.invoices
                ],
                "payments": [
                    {
                        "payment_id": p.payment.id,
                        "method": p.payment.method,
                        "amount_minor": p.payment.amount_minor,
                        "refunded_minor": p.payment.refunded_minor,
                        "status": payment_display_status(
                            p.payment.status, p.payment.amount_minor, p.payment.refunded_minor
                        ),
                        "receipt_no": p.payment.receipt_no,
                        "created_at": p.payment.created_at.isoformat(),
                        "rounding_minor": p.payment.rounding_minor,
                        "refunds": [
                            {
                                "refund_id": r.id,
                                "amount_minor": r.amount_minor,
                                "status": r.status.value,
                                "receipt_no": r.receipt_no,
                                "reason": r.reason,
                            }
                            for r in p.refunds
                        ],
                    }
                    for p in v.payments
                ],
            }
        )
        return
    cur = v.currency
    echo(f"{s.name} ({s.student_no})  {s.phone}  {s.email}")
    echo(f"Balance: {balance_text(v.balance_minor, cur)}")
    echo()
    echo("Invoices:")
    if not v.invoices:
        echo("  none")
    else:
        echo(
            f"  {'Invoice':<12} {'Due':<11} {'Text':<34} {'Amount':>14} {'Outstanding':>14} Status"
        )
    for i in v.invoices:
        echo(
            f"  {i.invoice_no:<12} {day_text(i.due_date):<11} {i.text[:34]:<34} "
            f"{money(i.amount_minor, cur):>14} {money(i.outstanding_minor, cur):>14} "
            f"{status_word(i.status(v.today).value)}"
        )
    echo()
    echo("Payments:")
    if not v.payments:
        echo("  none")
    else:
        echo(
            f"  {'Time':<17} {'Method':<10} {'Amount':>14} {'Receipt':<8} {'Status':<13} Payment id"
        )
    tz = school.tz
    for pv in v.payments:
        p = pv.payment
        receipt = f"#{p.receipt_no}" if p.receipt_no else ""
        status = status_word(payment_display_status(p.status, p.amount_minor, p.refunded_minor))
        refunded = f" (refunded {money(p.refunded_minor, cur)})" if p.refunded_minor else ""
        echo(
            f"  {time_text(p.created_at, tz):<17} {p.method:<10} "
            f"{money(p.amount_minor, cur):>14} {receipt:<8} {status:<13} {p.id}{refunded}"
        )


def _statement(
    c: Context,
    student_no: str,
    from_text: str | None,
    to_text: str | None,
    pdf_path: Path | None,
    lang: str,
    as_json: bool,
) -> None:
    from jdoffice.domain.statement import statement_json, statement_lines
    from jdoffice.services.student_statement import student_statement

    if pdf_path is not None and not pdf_path.parent.is_dir():
        raise InvalidInput(f"no such folder: {pdf_path.parent}")
    st = student_statement(
        c.uow(),
        c.school(),
        student_no,
        start=parse_date(from_text),
        end=parse_date(to_text),
        language=lang,
    )
    if pdf_path is not None:
        from jdoffice.printing.text_pages import statement_pdf

        statement_pdf(st, pdf_path, language=lang)
    if as_json:
        emit_json(statement_json(st))
        return
    echo("\n".join(statement_lines(st, language=lang)), lines=True)
    if pdf_path is not None:
        echo(f"  written to {pdf_path}")


def _email_statement(
    c: Context,
    student_no: str,
    from_text: str | None,
    to_text: str | None,
    email_to: str,
    lang: str | None,
    as_json: bool,
) -> None:
    from jdoffice.cli.context import statement_pdf
    from jdoffice.domain.errors import Unavailable
    from jdoffice.domain.text import printable
    from jdoffice.services.statement_mail import SENT, send_statement

    start, end = parse_date(from_text), parse_date(to_text)
    desk = c.staff_desk()
    school = desk.school()
    r = send_statement(
        desk.uow(),
        school,
        desk.transports(school),
        statement_pdf,
        student_no,
        actor=desk.actor,
        to=email_to or None,
        start=start,
        end=end,
        language=lang,
    )
    if as_json:
        emit_json(
            {
                "student_no": r.student_no,
                "name": r.name,
                "from": r.start.isoformat(),
                "to": r.end.isoformat(),
                "recipient": r.recipient,
                "language": r.language,
                "closing_minor": r.closing_minor,
                "currency": r.currency,
                "status": r.status,
                "error": r.error,
                "retrying": r.retrying if r.status != SENT else None,
                "notification_ref": r.ref,
                "filename": r.filename,
                "pdf_bytes": r.pdf_bytes,
                "pdf_sha256": r.pdf_sha256,
            }
        )
    period = f"{day_text(r.start)} – {day_text(r.end)}"
    if r.status == SENT:
        if not as_json:
            echo(f"Statement {period} of {r.student_no} {printable(r.name)} sent to {r.recipient}")
        return
    if not as_json:
        echo(f"Statement {period} of {r.student_no} {printable(r.name)} to {r.recipient}: queued")
    # Recorded and queued, but not handed over now: the outbox tries again (exit 4).
    again = "it is tried again" if r.retrying else "`jdoffice notifications retry` tries again"
    raise Unavailable(
        f"the statement is not sent yet: {r.error}; it waits in the outbox and {again}"
    )
