"""Output of the command line: one-line errors and their exit codes, text and --json, and
the words and formats every command shares."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
from sqlalchemy.exc import DBAPIError

from jdoffice.domain.errors import BusinessRuleError, InvalidInput, JdofficeError, Unavailable
from jdoffice.domain.money import format_money, parse_amount
from jdoffice.domain.text import json_for_terminal, printable

# What only some commands print (dates, deliveries) loads when they print it: every command
# imports this module, `jdoffice search` among them.
if TYPE_CHECKING:
    from jdoffice.services import notifications as notify
    from jdoffice.services.desk import Sent
    from jdoffice.services.student_search import Reading


EXIT_OK = 0
EXIT_ERROR = 1
EXIT_INVALID = 2
EXIT_REFUSED = 3
EXIT_UNAVAILABLE = 4
#: ``db check`` found inconsistencies (distinct from errors: the check itself worked).
EXIT_INCONSISTENT = 5


def exit_code_for(exc: BaseException) -> int:
    if isinstance(exc, InvalidInput):
        return EXIT_INVALID
    if isinstance(exc, BusinessRuleError):
        return EXIT_REFUSED
    if isinstance(exc, Unavailable):
        return EXIT_UNAVAILABLE
    return EXIT_ERROR


def echo(message: object = "", *, err: bool = False, lines: bool = False) -> None:
    """Print one line (or, with ``lines``, text whose format has several) without anything a
    terminal would obey: names and references come from outside (issue 10)."""
    click.echo(printable(message, newlines=lines), err=err)


def fail(message: str, code: int) -> NoReturn:
    echo(f"jdoffice: {message}", err=True)
    sys.exit(code)


def emit_json(data: Any) -> None:
    # json.dumps escapes C0 controls only; DEL, C1 and bidi controls are escaped here.
    click.echo(json_for_terminal(json.dumps(data, ensure_ascii=False, indent=2, default=str)))


def money(minor: int | None, currency: str) -> str:
    return "" if minor is None else format_money(minor, currency)


def balance_text(minor: int, currency: str) -> str:
    """A balance as staff say it: ``owes 850,00 kr.``, ``credit 100,00 kr.`` or ``settled``."""
    if minor > 0:
        return f"owes {money(minor, currency)}"
    if minor < 0:
        return f"credit {money(-minor, currency)}"
    return "settled"


#: The command line speaks English; its text output writes dates and times as the English
#: desk and receipts do (``3 Dec 2026 16:07``); ``--json`` keeps ISO 8601.
LANGUAGE = "en"


def day_text(day: dt.date) -> str:
    from jdoffice.domain.receipt_text import date_text

    return date_text(day, LANGUAGE)


def time_text(moment: dt.datetime, tz: dt.tzinfo | None = None) -> str:
    """A moment in the school's time zone (``tz``), or this computer's when none is known."""
    from jdoffice.domain.receipt_text import date_time_text

    return date_time_text(moment.astimezone(tz), LANGUAGE)


#: Status codes (``--json``) as the text output words them.
STATUS_WORDS = {
    "open": "open",
    "partially_paid": "part paid",
    "paid": "paid",
    "overdue": "overdue",
    "cancelled": "cancelled",
    "succeeded": "completed",
    "partially_refunded": "part refunded",
    "refunded": "refunded",
    "pending": "pending",
    "failed": "failed",
    "review": "needs review",
}


def status_word(code: str) -> str:
    return STATUS_WORDS.get(code, code.replace("_", " "))


def command_prefix() -> str:
    """How the user types ``jdoffice`` here: ``uv run jdoffice`` in a source checkout (the
    README's way), plain ``jdoffice`` where it is installed."""
    root = Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file() and (root / "jdoffice" / "cli" / "output.py").is_file():
        return "uv run jdoffice"
    return "jdoffice"


def amount_arg(text: str | None, currency: str, what: str = "amount") -> int | None:
    if text is None:
        return None
    try:
        return parse_amount(text, currency)
    except InvalidInput as exc:
        raise InvalidInput(f"{what}: {exc}") from None


def parse_date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"not a date: {text!r} (use YYYY-MM-DD)") from None


def note_local_copy(reading: Reading[Any]) -> None:
    """Say on stderr that what follows comes from this desk's local copy."""
    if not reading.offline:
        return
    when = reading.last_pull_at.isoformat(timespec="seconds") if reading.last_pull_at else "never"
    echo(
        f"jdoffice: offline ({reading.reason}); showing this desk's local copy, pulled {when}",
        err=True,
    )


def with_commands(message: str) -> str:
    """An error, with the commands that help as the user types them: the core says there is
    no school; the command line knows which of its commands make one."""
    if message.startswith(NO_SCHOOL):
        run = command_prefix()
        return (
            f"{NO_SCHOOL}: `{run} demo` creates the demo school in it, or "
            f"`{run} --demo search søren` uses the demo database (made on first use); a real "
            "school is read from the web system's database (--db URL)"
        )
    return message


#: How :func:`jdoffice.services.queries.resolve_school` starts when there is no school.
NO_SCHOOL = "the database has no school yet"


@contextmanager
def errors_to_exit_codes() -> Iterator[None]:
    try:
        yield
    except JdofficeError as exc:
        fail(with_commands(str(exc)), exit_code_for(exc))
    except DBAPIError as exc:
        from jdoffice.bootstrap import translate_db_error

        translated = translate_db_error(exc)
        fail(str(translated), exit_code_for(translated))
    except OSError as exc:
        fail(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), EXIT_ERROR)


def outcome_json(o: notify.DeliveryOutcome) -> dict[str, Any]:
    return {
        "id": o.notification_id,
        "kind": o.kind,
        "channel": o.channel,
        "recipient": o.recipient,
        "status": o.status.value,
        "error": o.error,
        "next_attempt_at": o.next_attempt_at.isoformat() if o.next_attempt_at else None,
    }


def sent_json(sent: Sent) -> list[dict[str, Any]]:
    """The confirmations sent right after a payment or refund; when none could be tried, one
    entry saying they wait in the outbox."""
    if sent.error is not None:
        return [{"status": "pending", "error": sent.error}]
    return [outcome_json(o) for o in sent.outcomes]


def echo_confirmations(sent: list[dict[str, Any]]) -> None:
    from jdoffice.services import notifications as notify

    for o in sent:
        what = notify.CHANNEL_NAMES.get(str(o.get("channel")), "message")
        if o["status"] == "sent":
            echo(f"Confirmation: {what} sent to {o['recipient']}")
        elif o.get("next_attempt_at") or o["status"] == "pending":
            echo(
                f"Confirmation: {what} not sent yet ({o['error']}); it waits in the outbox "
                "(`jdoffice notifications retry`)"
            )
        else:
            echo(f"Confirmation: {what} to {o['recipient']} failed: {o['error']}")
