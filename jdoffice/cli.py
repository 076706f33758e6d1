"""The jdoffice command line: scripting, operations and headless use of the desk.

Exit codes: 0 done, 2 invalid input, 3 refused by a business rule or a conflict, 4 database or
provider unavailable, 1 anything else. Errors are one line on stderr; ``--json`` output is
stable (amounts are integer minor units plus a currency code).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
from sqlalchemy import Engine
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from jdoffice import __version__
from jdoffice.adapters import db
from jdoffice.bootstrap import App
from jdoffice.domain.errors import (
    BusinessRuleError,
    InvalidInput,
    JdofficeError,
    Unavailable,
)
from jdoffice.domain.model import Actor, School, payment_display_status
from jdoffice.domain.money import format_money, parse_amount
from jdoffice.domain.receipt_text import render_text
from jdoffice.services import online, queries
from jdoffice.services import payments as pay_service

if TYPE_CHECKING:
    from jdoffice.adapters.uow import SqlAlchemyUnitOfWork

log = logging.getLogger("jdoffice")

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_INVALID = 2
EXIT_REFUSED = 3
EXIT_UNAVAILABLE = 4

DEMO_STUDENTS = 200
DEMO_SEED = 1

#: Opens the desk program. :mod:`jdoffice.main` sets it; the command line itself never imports
#: Qt (an import contract forbids it), so without a launcher ``jdoffice`` prints a summary.
GUI_LAUNCHER: Callable[[Context], None] | None = None


def exit_code_for(exc: BaseException) -> int:
    if isinstance(exc, InvalidInput):
        return EXIT_INVALID
    if isinstance(exc, BusinessRuleError):
        return EXIT_REFUSED
    if isinstance(exc, Unavailable):
        return EXIT_UNAVAILABLE
    return EXIT_ERROR


@dataclass
class Context:
    """What every command shares: where the data is, and who is at the desk."""

    app: App
    school_slug: str | None
    actor: Actor
    demo: bool

    @property
    def url(self) -> URL:
        return self.app.url

    @property
    def engine(self) -> Engine:
        return self.app.engine

    def uow(self) -> SqlAlchemyUnitOfWork:
        return self.app.uow()

    def ensure_schema(self) -> None:
        self.app.ensure_schema()

    def school(self) -> School:
        return self.app.school(self.school_slug)


pass_ctx = click.make_pass_decorator(Context)


def fail(message: str, code: int) -> NoReturn:
    click.echo(f"jdoffice: {message}", err=True)
    sys.exit(code)


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def money(minor: int | None, currency: str) -> str:
    return "" if minor is None else format_money(minor, currency)


def amount_arg(text: str | None, currency: str, what: str = "amount") -> int | None:
    if text is None:
        return None
    try:
        return parse_amount(text, currency)
    except InvalidInput as exc:
        raise InvalidInput(f"{what}: {exc}") from None


# --- the group -------------------------------------------------------------------------------


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db_url", metavar="URL", help="Database URL (or JDOFFICE_DATABASE_URL).")
@click.option("--school", "school_slug", metavar="SLUG", help="School to work for.")
@click.option("--desk", default="desk-1", show_default=True, help="Name of this desk.")
@click.option("--staff", default="desk", show_default=True, help="Who is at the desk.")
@click.option("--demo", is_flag=True, help="Use the demo database (seeded on first run).")
@click.option("-v", "--verbose", is_flag=True, help="Log what happens on stderr.")
@click.version_option(__version__, prog_name="jdoffice")
@click.pass_context
def cli(
    ctx: click.Context,
    db_url: str | None,
    school_slug: str | None,
    desk: str,
    staff: str,
    demo: bool,
    verbose: bool,
) -> None:
    """jdoffice: the front desk of a driving school."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    desk, staff = desk.strip(), staff.strip()
    if not desk or not staff or len(desk) > 64 or len(staff) > 64:
        raise InvalidInput("--desk and --staff must be 1 to 64 characters")
    ctx.obj = Context(
        app=App(db.resolve_url(db_url, demo=demo)),
        school_slug=school_slug,
        actor=Actor(staff=staff, desk=desk),
        demo=demo,
    )
    if ctx.invoked_subcommand is None:
        if GUI_LAUNCHER is not None:
            _launch_gui(ctx.obj)
            return
        if not demo:
            click.echo(ctx.get_help())
            return
        _open_demo(ctx.obj)


def _launch_gui(c: Context) -> None:
    assert GUI_LAUNCHER is not None
    if c.demo:
        _seed_demo_once(c)
    GUI_LAUNCHER(c)


@cli.command("gui")
@pass_ctx
def gui_cmd(c: Context) -> None:
    """Open the desk program (what plain `jdoffice` does when a display is available)."""
    if GUI_LAUNCHER is None:
        raise Unavailable(
            "the desk program cannot start here (no display, or JDOFFICE_NO_GUI is set)"
        )
    _launch_gui(c)


def _seed_demo_once(c: Context) -> None:
    from jdoffice.adapters import records

    c.ensure_schema()
    if not records.school_has_data(c.engine):
        click.echo(f"Creating the demo school with {DEMO_STUDENTS} students …", err=True)
        records.seed_demo(c.engine, students=DEMO_STUDENTS, seed=DEMO_SEED)


def _open_demo(c: Context) -> None:
    """``jdoffice --demo``: seed the demo school on first run, then show what is there."""
    _seed_demo_once(c)
    school = c.school()
    uow = c.uow()
    with uow:
        count = uow.students.count(school.id)
    click.echo(f"{school.name} ({school.slug}), {school.address}, CVR {school.cvr}")
    click.echo(f"Database: {c.url.render_as_string(hide_password=True)}")
    click.echo(f"Students: {count}")
    report = queries.day_report(uow, school)
    click.echo(f"Receipts today: {report.receipts}")
    hits = queries.search_students(uow, school, "søren", limit=5)
    click.echo("Try: jdoffice --demo search søren")
    for h in hits:
        click.echo(f"  {h.student_no}  {h.name:<30} {money(h.balance_minor, h.currency):>16}")


# --- db ----------------------------------------------------------------------------------------


@cli.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@pass_ctx
def db_upgrade(c: Context) -> None:
    """Create or migrate the schema to the newest version."""
    db.upgrade(c.engine)
    click.echo(f"database at {db.current_revision(c.engine)}")


@db_group.command("status")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def db_status(c: Context, as_json: bool) -> None:
    """Show where the database is and which schema version it has."""
    current, head = db.current_revision(c.engine), db.head_revision(c.engine)
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
            click.echo(f"{k}: {v}")


# --- demo ------------------------------------------------------------------------------------


@cli.command("demo")
@click.option(
    "--students", default=DEMO_STUDENTS, show_default=True, type=click.IntRange(0, 2_000_000)
)
@click.option("--seed", default=DEMO_SEED, show_default=True, type=int)
@click.option("--force", is_flag=True, help="Replace everything in the database.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def demo_cmd(c: Context, students: int, seed: int, force: bool, as_json: bool) -> None:
    """Create a demo school with realistic Danish students and invoices."""
    from jdoffice.adapters import records

    db.upgrade(c.engine)
    school, counts = records.seed_demo(c.engine, students=students, seed=seed, force=force)
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
        click.echo(
            f"{school.name} ({school.slug}): {counts.students} students, "
            f"{counts.invoices} invoices, {counts.payments} payments (seed {seed})"
        )


# --- search and student ------------------------------------------------------------------------


@cli.command("search")
@click.argument("text")
@click.option(
    "--limit", default=20, show_default=True, type=click.IntRange(1, queries.MAX_SEARCH_LIMIT)
)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def search_cmd(c: Context, text: str, limit: int, as_json: bool) -> None:
    """Find students by name, phone, student number or e-mail."""
    school = c.school()
    hits = queries.search_students(c.uow(), school, text, limit)
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
        click.echo("no students found")
        return
    for h in hits:
        click.echo(
            f"{h.student_no:<10} {h.name:<32} {h.phone:<16} {money(h.balance_minor, h.currency):>16}"
        )


@cli.command("student")
@click.argument("student_no")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def student_cmd(c: Context, student_no: str, as_json: bool) -> None:
    """A student's invoices, payments and balance."""
    school = c.school()
    v = queries.student_view(c.uow(), school, student_no)
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
    owes = (
        f"owes {money(v.balance_minor, cur)}"
        if v.balance_minor > 0
        else f"credit {money(-v.balance_minor, cur)}"
        if v.balance_minor < 0
        else "nothing owed"
    )
    click.echo(f"{s.name} ({s.student_no})  {s.phone}  {s.email}")
    click.echo(f"Balance: {owes}")
    click.echo("\nInvoices:")
    for i in v.invoices:
        click.echo(
            f"  {i.invoice_no:<12} {i.due_date.isoformat()} {i.text[:34]:<34} "
            f"{money(i.amount_minor, cur):>14} {money(i.outstanding_minor, cur):>14} "
            f"{i.status(v.today).value}"
        )
    click.echo("\nPayments:")
    if not v.payments:
        click.echo("  none")
    tz = school.tz
    for pv in v.payments:
        p = pv.payment
        receipt = f"#{p.receipt_no}" if p.receipt_no else ""
        refunded = f" refunded {money(p.refunded_minor, cur)}" if p.refunded_minor else ""
        click.echo(
            f"  {p.created_at.astimezone(tz):%Y-%m-%d %H:%M} {p.method:<10} "
            f"{money(p.amount_minor, cur):>14} {receipt:<8} {p.id}{refunded}"
        )


# --- pay and refund ------------------------------------------------------------------------------


@cli.command("pay")
@click.option("--invoice", "invoice_no", metavar="INVOICE_NO")
@click.option("--student", "student_no", metavar="STUDENT_NO")
@click.option("--method", required=True, metavar="cash|bank|mobilepay")
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
    """Register a cash, bank transfer or MobilePay payment."""
    if (invoice_no is None) == (student_no is None):
        raise InvalidInput("give exactly one of --invoice or --student")
    c.app.registry.manual_method(method)
    school = c.school()
    amount_minor = amount_arg(amount, school.currency)
    assert amount_minor is not None
    r = pay_service.register_payment(
        c.uow(),
        school,
        method=method.strip().lower(),
        amount_minor=amount_minor,
        invoice_no=invoice_no,
        student_no=student_no,
        tendered_minor=amount_arg(tendered, school.currency, "tendered"),
        reference=reference,
        key=key,
        allow_credit=allow_credit,
        actor=c.actor,
    )
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
            }
        )
        return
    cur = r.currency
    click.echo(f"Payment {r.payment_id}" + (" (already registered)" if r.replayed else ""))
    click.echo(f"Receipt no. {r.receipt_no}")
    click.echo(f"Amount: {money(r.amount_minor, cur)} ({r.method})")
    for n, a in r.allocations:
        click.echo(f"  {n}: {money(a, cur)}")
    if r.credit_minor:
        click.echo(f"Credit: {money(r.credit_minor, cur)}")
    if r.cash_total_minor is not None:
        click.echo(f"Cash total: {money(r.cash_total_minor, cur)}")
        if r.rounding_minor:
            sign = "+" if r.rounding_minor > 0 else "-"
            click.echo(f"Rounding: {sign}{money(abs(r.rounding_minor), cur)}")
        click.echo(f"Tendered: {money(r.tendered_minor, cur)}")
        click.echo(f"CHANGE: {money(r.change_minor, cur)}")
    click.echo(f"New balance: {money(r.balance_minor, cur)}")


@cli.command("refund")
@click.argument("payment_id")
@click.option("--amount", metavar="AMOUNT", help="Default: all that is left.")
@click.option("--reason", required=True, metavar="TEXT")
@click.option("--key", metavar="KEY", help="Idempotency key (a UUID).")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def refund_cmd(
    c: Context, payment_id: str, amount: str | None, reason: str, key: str | None, as_json: bool
) -> None:
    """Refund all or part of a payment (a reason is required). A payment made online is
    refunded through its provider."""
    school = c.school()
    amount_minor = amount_arg(amount, school.currency)
    method = _payment_method(c, school, payment_id)
    if method in c.app.registry.online:
        r = online.refund_online(
            c.uow(),
            school,
            c.app.online_gateway(school),
            payment_id=payment_id,
            amount_minor=amount_minor,
            reason=reason,
            key=key,
            actor=c.actor,
        )
    else:
        r = pay_service.refund_payment(
            c.uow(),
            school,
            payment_id=payment_id,
            amount_minor=amount_minor,
            reason=reason,
            key=key,
            actor=c.actor,
        )
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
            }
        )
        return
    click.echo(
        f"Refund {r.refund_id} of payment {r.payment_id}: {money(r.amount_minor, r.currency)}"
    )
    if r.cash_total_minor is not None:
        click.echo(f"Pay out in cash: {money(r.cash_total_minor, r.currency)}")
    if r.status != "succeeded":
        click.echo(f"Status: {r.status} (the provider confirms it later; see `payments sync`)")
    else:
        click.echo(f"Receipt no. {r.receipt_no}")
    click.echo(f"New balance: {money(r.balance_minor, r.currency)}")


def _payment_method(c: Context, school: School, payment_id: str) -> str | None:
    """The method of a payment, or None when the id is not one (the service says why)."""
    from jdoffice.domain.model import normalize_key

    try:
        pid = normalize_key(payment_id) if payment_id.strip() else ""
    except InvalidInput:
        return None
    if not pid:
        return None
    uow = c.uow()
    with uow:
        p = uow.payments.get(pid)
    return p.method if p and p.school_id == school.id else None


# --- receipts and reports ----------------------------------------------------------------------


@cli.command("receipt")
@click.argument("receipt_no", type=int)
@click.option("--copy", is_flag=True, help="Print a copy (marked KOPI and counted).")
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
    school = c.school()
    r = queries.get_receipt(c.uow(), school, receipt_no, copy=copy, actor=c.actor)
    if pdf_path is None and printer_spec is None:
        click.echo(render_text(r.body, width=width, copy=copy, language=lang))
    if pdf_path is not None:
        receipts.render_pdf(r.body, pdf_path, copy=copy, language=lang)
        click.echo(f"receipt {receipt_no} written to {pdf_path}")
    if printer_spec is not None:
        thermal.print_receipt(r.body, target, copy=copy, language=lang, width=width)
        click.echo(f"receipt {receipt_no} printed on {target}")


@cli.group("report")
def report_group() -> None:
    """Reports."""


def parse_date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"not a date: {text!r} (use YYYY-MM-DD)") from None


@report_group.command("day")
@click.option("--date", "date_text", metavar="YYYY-MM-DD", help="Default: today at the school.")
@click.option("--json", "as_json", is_flag=True)
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path))
@pass_ctx
def report_day(c: Context, date_text: str | None, as_json: bool, csv_path: Path | None) -> None:
    """Today's totals per method, rounding, refunds and receipts."""
    day = parse_date(date_text)
    school = c.school()
    r = queries.day_report(c.uow(), school, day)
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
            w.writerows(r.rows)
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
            }
        )
        return
    cur = r.currency
    click.echo(f"Day report {r.date.isoformat()} – {school.name}")
    for method, total in sorted(r.totals.items()):
        click.echo(f"  {method:<12} {r.payments_count[method]:>4} × {money(total, cur):>16}")
    if not r.totals:
        click.echo("  no payments")
    click.echo(f"  {'rounding':<12}        {money(r.rounding_minor, cur):>16}")
    click.echo(f"  {'refunds':<12}        {money(-r.refunds_minor, cur):>16}")
    click.echo(f"  {'cash drawer':<12}        {money(r.cash_in_drawer_minor, cur):>16}")
    click.echo(f"  receipts issued: {r.receipts}")
    if csv_path is not None:
        click.echo(f"  written to {csv_path}")


# --- online payments ------------------------------------------------------------------------------


def _attempt_json(v: online.AttemptView) -> dict[str, Any]:
    return {
        "attempt_id": v.attempt_id,
        "session_id": v.provider_ref,
        "url": v.url,
        "amount_minor": v.amount_minor,
        "currency": v.currency,
        "expires_at": v.expires_at.isoformat() if v.expires_at else None,
        "invoice_no": v.invoice_no,
        "status": v.status.value,
        "payment_id": v.payment_id,
    }


@cli.group("link", invoke_without_command=True)
@click.option("--invoice", "invoice_no", metavar="INVOICE_NO")
@click.option(
    "--qr",
    "qr_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the QR code to FILE.png or FILE.svg.",
)
@click.option("--key", metavar="KEY", help="Idempotency key (a UUID) of the attempt.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def link_group(
    ctx: click.Context,
    invoice_no: str | None,
    qr_path: Path | None,
    key: str | None,
    as_json: bool,
) -> None:
    """Start an online payment for what is owed on an invoice (a link and a QR code)."""
    if ctx.invoked_subcommand is not None:
        return
    if invoice_no is None:
        raise InvalidInput("give --invoice INVOICE_NO (or a subcommand: cancel, status)")
    c: Context = ctx.obj
    if qr_path is not None and qr_path.suffix.lower() not in (".png", ".svg"):
        raise InvalidInput(f"QR file must end in .png or .svg, not {qr_path.name!r}")
    school = c.school()
    settings = c.app.payment_settings(school)
    if not settings.online_enabled:
        raise BusinessRuleError(
            f"online payments are off for {school.slug}; take cash, bank or MobilePay instead "
            f"(or `jdoffice school payments --online on`)"
        )
    v = online.start_online_payment(
        c.uow(),
        school,
        c.app.online_gateway(school, settings),
        settings,
        invoice_no=invoice_no,
        actor=c.actor,
        key=key,
    )
    if qr_path is not None and v.url:
        from jdoffice.adapters.qr import write_qr

        write_qr(v.url, qr_path)
    if as_json:
        emit_json(_attempt_json(v))
        return
    click.echo(f"Invoice {v.invoice_no}: {money(v.amount_minor, v.currency)}")
    click.echo(f"Pay here: {v.url}")
    if v.expires_at:
        click.echo(f"Expires: {v.expires_at.astimezone(school.tz):%Y-%m-%d %H:%M}")
    click.echo(f"Attempt: {v.attempt_id}")
    if qr_path is not None:
        click.echo(f"QR code: {qr_path}")


@link_group.command("cancel")
@click.argument("attempt_id")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def link_cancel(c: Context, attempt_id: str, as_json: bool) -> None:
    """Cancel an open online payment (expires the checkout at the provider)."""
    school = c.school()
    v = online.cancel_attempt(c.uow(), school, c.app.online_gateway(school), attempt_id, c.actor)
    if as_json:
        emit_json(_attempt_json(v))
    else:
        click.echo(f"Attempt {v.attempt_id}: {v.status.value}")


@link_group.command("status")
@click.argument("attempt_id")
@click.option(
    "--wait",
    "wait_s",
    type=click.IntRange(0, 3600),
    default=0,
    help="Poll every 2 s until paid, failed or expired, for at most this many seconds.",
)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def link_status(c: Context, attempt_id: str, wait_s: int, as_json: bool) -> None:
    """How an online payment stands (asks the provider and applies the answer)."""
    import time

    school = c.school()
    gateway = c.app.online_gateway(school)
    deadline = time.monotonic() + wait_s
    v = online.check_attempt(c.uow(), school, gateway, attempt_id)
    while not v.status.final and time.monotonic() < deadline:
        time.sleep(2)
        v = online.check_attempt(c.uow(), school, gateway, attempt_id)
    if as_json:
        emit_json(_attempt_json(v))
    else:
        click.echo(f"Attempt {v.attempt_id} for {v.invoice_no}: {v.status.value}")
        if v.payment_id:
            click.echo(f"Payment: {v.payment_id}")


@cli.group("payments")
def payments_group() -> None:
    """Online payments: catch up with the provider, see what did not match."""


@payments_group.command("sync")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def payments_sync(c: Context, as_json: bool) -> None:
    """Read the provider's events since last time and re-check open payments."""
    school = c.school()
    settings = c.app.payment_settings(school)
    if not settings.online_enabled:
        raise BusinessRuleError(f"online payments are off for {school.slug}")
    r = online.sync_payments(c.uow(), school, c.app.online_gateway(school, settings))
    data = {
        "events_checked": r.events_checked,
        "attempts_checked": r.attempts_checked,
        "applied": r.applied,
        "flagged": r.flagged,
        "refunds_settled": r.refunds_settled,
        "errors": list(r.errors),
    }
    if as_json:
        emit_json(data)
    else:
        for k, v in data.items():
            click.echo(f"{k}: {v}")
    if r.errors and r.events_checked == 0 and r.attempts_checked == 0:
        raise Unavailable("; ".join(r.errors[:3]))


@payments_group.command("flagged")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def payments_flagged(c: Context, as_json: bool) -> None:
    """Provider confirmations that did not match our records (no money was moved)."""
    school = c.school()
    flags = online.list_flagged(c.uow(), school)
    if as_json:
        emit_json(
            [
                {
                    "id": f.id,
                    "invoice_no": f.invoice_no,
                    "reason": f.reason,
                    "provider_ref": f.provider_ref,
                    "amount_minor": f.amount_minor,
                    "currency": f.currency,
                    "created_at": f.created_at.isoformat(),
                }
                for f in flags
            ]
        )
        return
    if not flags:
        click.echo("nothing flagged")
    for f in flags:
        click.echo(
            f"#{f.id} {f.created_at.astimezone(school.tz):%Y-%m-%d %H:%M} {f.invoice_no or '-'} "
            f"{f.provider_ref}: {f.reason}"
        )


@cli.group("webhooks")
def webhooks_group() -> None:
    """The webhook receiver (for servers with a public address)."""


@webhooks_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True, type=click.IntRange(1, 65535))
@pass_ctx
def webhooks_serve(c: Context, host: str, port: int) -> None:
    """Serve POST /webhooks/stripe/{school} and GET /healthz."""
    import uvicorn

    from jdoffice.webhooks.app import create_app

    c.ensure_schema()
    uvicorn.run(create_app(c.app), host=host, port=port, log_level="info", access_log=False)


@cli.group("school")
def school_group() -> None:
    """The school's settings."""


@school_group.command("payments")
@click.option("--online", type=click.Choice(["on", "off"]))
@click.option("--gateway", metavar="NAME")
@click.option("--expiry", "expiry", type=int, metavar="MINUTES", help="Checkout expiry (30-1440).")
@click.option("--success-url", metavar="URL")
@click.option("--mode", type=click.Choice(["test", "live"]))
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def school_payments(
    c: Context,
    online: str | None,
    gateway: str | None,
    expiry: int | None,
    success_url: str | None,
    mode: str | None,
    as_json: bool,
) -> None:
    """Show or change the school's payment settings (keys are set with `keys set`)."""
    from jdoffice.services.school import update_payment_settings

    school = c.school()
    changes = {
        "online_enabled": None if online is None else online == "on",
        "gateway": gateway,
        "checkout_expiry_minutes": expiry,
        "success_url": success_url,
        "mode": mode,
    }
    if any(v is not None for v in changes.values()):
        # Checked, stored and audited in one place for the command line and the desk.
        update_payment_settings(
            c.uow(), school, changes, actor=c.actor, gateways=tuple(c.app.registry.online)
        )
    s = c.app.payment_settings(school)
    data = {
        "school": school.slug,
        "online": s.online_enabled,
        "gateway": s.gateway,
        "checkout_expiry_minutes": s.checkout_expiry_minutes,
        "mode": s.mode,
        "success_url": s.success_url,
    }
    if as_json:
        emit_json(data)
    else:
        for k, v in data.items():
            click.echo(f"{k}: {v}")


@cli.group("keys")
def keys_group() -> None:
    """Provider keys in the OS keyring (never in the database)."""


@keys_group.command("set")
@click.argument("name", type=click.Choice(["stripe-secret-key", "stripe-webhook-secret"]))
@pass_ctx
def keys_set(c: Context, name: str) -> None:
    """Read the secret from standard input into the keyring for this school."""
    from jdoffice.adapters.secrets import set_secret

    school = c.school()
    value = sys.stdin.readline()
    set_secret(name, school.slug, value)
    click.echo(f"{name} stored in the keyring for {school.slug}")


# --- entry point -------------------------------------------------------------------------------


@contextmanager
def _errors_to_exit_codes() -> Iterator[None]:
    try:
        yield
    except JdofficeError as exc:
        fail(str(exc), exit_code_for(exc))
    except DBAPIError as exc:
        from jdoffice.adapters.uow import translate_db_error

        translated = translate_db_error(exc)
        fail(str(translated), exit_code_for(translated))
    except OSError as exc:
        fail(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), EXIT_ERROR)


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    with _errors_to_exit_codes():
        try:
            code = cli.main(args=argv, prog_name="jdoffice", standalone_mode=False)
        except click.UsageError as exc:
            # Click's own usage block is four lines; the contract (issue 2) is one line.
            fail(exc.format_message(), EXIT_INVALID)
        except click.ClickException as exc:
            fail(exc.format_message(), exc.exit_code)
        except click.Abort:
            fail("aborted", EXIT_ERROR)
    # Without standalone mode click returns the code of --help/--version (or None).
    sys.exit(code if isinstance(code, int) else EXIT_OK)
