"""`jdoffice school`: the school's payment, receipt and notification settings."""

from __future__ import annotations

import click

from jdoffice.cli.context import Context, pass_ctx
from jdoffice.cli.output import echo, emit_json
from jdoffice.domain.errors import InvalidInput
from jdoffice.services import notifications as notify


@click.group("school")
def school_group() -> None:
    """The school's settings."""


@school_group.command("payments")
@click.option("--online", type=click.Choice(["on", "off"]))
@click.option(
    "--gateway",
    "gateways",
    metavar="NAME",
    multiple=True,
    help="An online gateway the school takes (repeat for several; the first is the default).",
)
@click.option(
    "--set",
    "gateway_settings",
    metavar="GATEWAY.SETTING=VALUE",
    multiple=True,
    help="The school's own setting of a gateway, e.g. mobilepay.client_id=… ('' removes it).",
)
@click.option("--expiry", "expiry", type=int, metavar="MINUTES", help="Checkout expiry (30-1440).")
@click.option("--success-url", metavar="URL")
@click.option("--mode", type=click.Choice(["test", "live"]))
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def school_payments(
    c: Context,
    online: str | None,
    gateways: tuple[str, ...],
    gateway_settings: tuple[str, ...],
    expiry: int | None,
    success_url: str | None,
    mode: str | None,
    as_json: bool,
) -> None:
    """Show or change the school's payment settings (keys are set with `keys set`)."""
    from jdoffice.services.school import update_payment_settings

    school = c.school()
    options: dict[str, dict[str, str]] = {}
    for item in gateway_settings:
        head, sep, value = item.partition("=")
        name, dot, key = head.strip().partition(".")
        if not sep or not dot or not name or not key:
            raise InvalidInput(f"write a gateway setting as GATEWAY.SETTING=VALUE, not {item!r}")
        options.setdefault(name, {})[key.strip()] = value
    changes = {
        "online_enabled": None if online is None else online == "on",
        "gateway": list(gateways) or None,
        "gateway_options": options or None,
        "checkout_expiry_minutes": expiry,
        "success_url": success_url,
        "mode": mode,
    }
    if any(v is not None for v in changes.values()):
        # Checked, stored and audited in one place for the command line and the desk.
        registry = c.app.registry
        update_payment_settings(
            c.uow(),
            school,
            changes,
            actor=c.staff_desk().actor,
            gateways=tuple(registry.online),
            options={n: [o.key for o in g.options] for n, g in registry.online.items()},
        )
    s = c.app.payment_settings(school)
    data = {
        "school": school.slug,
        "online": s.online_enabled,
        "gateway": s.default_gateway,
        "gateways": list(s.gateways),
        "gateway_settings": {n: dict(v) for n, v in s.gateway_options.items()},
        "checkout_expiry_minutes": s.checkout_expiry_minutes,
        "mode": s.mode,
        "success_url": s.success_url,
    }
    if as_json:
        emit_json(data)
    else:
        for k, v in data.items():
            echo(f"{k}: {v}")


def _parse_template(text: str) -> tuple[str, str, str]:
    head, sep, body = text.partition("=")
    lang, colon, key = head.partition(":")
    if not sep or not colon:
        raise InvalidInput(
            f"write a template as LANG:KEY=TEXT, e.g. da:payment_sms={{school}}: Tak …, not {text!r}"
        )
    return lang.strip(), key.strip(), body


@school_group.command("receipt")
@click.option("--web", metavar="ADDRESS", help="The web address receipts print ('' removes it).")
@click.option(
    "--vat-line",
    metavar="TEXT",
    help="The VAT line receipts print, e.g. 'Momsfritaget undervisning' ('' removes it).",
)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def school_receipt(c: Context, web: str | None, vat_line: str | None, as_json: bool) -> None:
    """Show or change what receipts print about the school beyond name, address and CVR:
    phone and e-mail (the school's own), the web address and the VAT line."""
    from jdoffice.services import school as school_service

    school = c.school()
    if web is not None or vat_line is not None:
        details = school_service.update_receipt_details(
            c.uow(), school, web=web, vat_line=vat_line, actor=c.staff_desk().actor
        )
    else:
        uow = c.uow()
        with uow:
            details = school_service.receipt_details(uow, school)
    data = {
        "school": school.slug,
        "phone": school.phone,
        "email": school.email,
        "web": details.web,
        "vat_line": details.vat_line,
    }
    if as_json:
        emit_json(data)
        return
    for k, v in data.items():
        echo(f"{k}: {v or '-'}")


@school_group.command("notifications")
@click.option("--email", "email_on", type=click.Choice(["on", "off"]))
@click.option("--sms", "sms_on", type=click.Choice(["on", "off"]))
@click.option("--sender-name", metavar="NAME")
@click.option("--sender-address", metavar="ADDRESS")
@click.option("--sms-sender", metavar="NUMBER|NAME")
@click.option("--language", type=click.Choice(["da", "en"]))
@click.option(
    "--template",
    "templates",
    multiple=True,
    metavar="LANG:KEY=TEXT",
    help="A message text, e.g. 'da:payment_sms={school}: Tak for {amount}'.",
)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def school_notifications(
    c: Context,
    email_on: str | None,
    sms_on: str | None,
    sender_name: str | None,
    sender_address: str | None,
    sms_sender: str | None,
    language: str | None,
    templates: tuple[str, ...],
    as_json: bool,
) -> None:
    """Show or change which confirmations the school sends, from whom, and their texts."""
    from jdoffice.services.books import ACCOUNTS_KEY
    from jdoffice.services.reminders import REMINDERS_KEY

    school = c.school()
    texts: dict[str, dict[str, str]] = {}
    for t in templates:
        lang, key, body = _parse_template(t)
        texts.setdefault(lang, {})[key] = body
    changes = {
        "email_enabled": None if email_on is None else email_on == "on",
        "sms_enabled": None if sms_on is None else sms_on == "on",
        "sender_name": sender_name,
        "sender_address": sender_address,
        "sms_sender": sms_sender,
        "language": language,
        "templates": texts or None,
    }
    if any(v is not None for v in changes.values()):
        notify.update_notification_settings(c.uow(), school, changes, actor=c.staff_desk().actor)
    s = notify.notification_settings(c.uow(), school)
    data = {
        "school": school.slug,
        "email": s.email_enabled,
        "sms": s.sms_enabled,
        "sender_name": s.sender_name or school.name,
        "sender_address": s.sender_address,
        "sms_sender": s.sms_sender,
        "language": s.language,
        "templates": {
            lang: dict(t)
            for lang, t in s.templates.items()
            # The school's receipt details (`school receipt`), accounts (`school accounts`)
            # and reminder interval (`school reminders`) are kept next to the texts; they
            # are not message texts.
            if lang not in ("receipt", ACCOUNTS_KEY, REMINDERS_KEY)
        },
    }
    if as_json:
        emit_json(data)
    else:
        for k, v in data.items():
            if k != "templates":
                echo(f"{k}: {v}")
        for lang, t in data["templates"].items():  # type: ignore[attr-defined]
            for key, text in t.items():
                echo(f"template {lang}:{key}: {text}")


@school_group.command("accounts")
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="NAME=NUMBER",
    help="An account number, e.g. cash=5810 or vat_code= (repeatable; all or nothing).",
)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def school_accounts(c: Context, settings: tuple[str, ...], as_json: bool) -> None:
    """Show or change the accounts the books post to (set once per school)."""
    from jdoffice.domain.postings import ACCOUNTS
    from jdoffice.services import books

    school = c.school()
    changes: dict[str, str] = {}
    for item in settings:
        name, sep, number = item.partition("=")
        if not sep or not name.strip():
            raise InvalidInput(f"write an account as NAME=NUMBER, e.g. cash=5810, not {item!r}")
        changes[name.strip()] = number
    if changes:
        mapping = books.update_accounts(c.uow(), school, changes, actor=c.actor)
    else:
        uow = c.uow()
        with uow:
            mapping = books.account_map(uow, school)
    if as_json:
        emit_json(
            {
                "school": school.slug,
                "accounts": {name: mapping.number(name) for name in ACCOUNTS},
                "vat_code": mapping.vat_code,
            }
        )
        return
    for name, (_, label) in ACCOUNTS.items():
        echo(f"{name:<18} {mapping.number(name):>8}  {label}")
    echo(f"{'vat_code':<18} {mapping.vat_code or '-':>8}  Momskode på ind- og udbetalinger")


@school_group.command("reminders")
@click.option(
    "--interval",
    "interval_days",
    type=int,
    metavar="DAYS",
    help="Days before an invoice may be reminded again (1-365; default 7).",
)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def school_reminders(c: Context, interval_days: int | None, as_json: bool) -> None:
    """Show or change how often a student may be reminded about the same invoice."""
    from jdoffice.services import reminders

    school = c.school()
    if interval_days is not None:
        days = reminders.update_reminder_interval(
            c.uow(), school, interval_days, actor=c.staff_desk().actor
        )
    else:
        uow = c.uow()
        with uow:
            days = reminders.reminder_interval(uow, school)
    if as_json:
        emit_json({"school": school.slug, "interval_days": days})
    else:
        echo(f"interval_days: {days}")
