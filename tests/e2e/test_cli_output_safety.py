"""The command line at its edges (issue 10): text from outside reaches the terminal and the CSV
without anything a terminal or a spreadsheet would obey, typed names and references with
control characters are refused, no log line carries a password, and a malformed database URL
or a database newer than the program gives one line instead of a traceback."""

from __future__ import annotations

import csv
import json
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select, text

from jdoffice.adapters import db
from jdoffice.adapters.orm import PaymentRow
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.model import Actor
from jdoffice.services import queries
from jdoffice.services.payments import refund_payment, register_payment
from tests.conftest import BACKENDS, SchoolKit
from tests.e2e.conftest import (
    DemoDatabase,
    assert_ok,
    assert_refused,
    money_snapshot,
    run_cli,
)
from tests.standin.stripe_standin import StandinProcess

if TYPE_CHECKING:
    # Imported for its annotation only: pytest would try to collect a ``Test*`` class.
    from tests.conftest import TestDatabase

SETUP = Actor(staff="e2e", desk="setup")

#: What a buggy or hostile web system could write into a name: a colour, a window title, a
#: screen clear, a right-to-left override, a C1 "CSI", DEL and a line break.
HOSTILE_FIRST = "Ann\x1b[31ma\x1b]0;pwned\x07"
HOSTILE_LAST = "Lar\u202esen\x9b2J\x7f\nBalance: nothing owed"

SECRET_KEY = "sk_test_jdoffice_output_safety"
BASE_PASSWORD = "Pr0xyPassw0rd"


def unsafe_chars(output: str) -> list[str]:
    """The characters in ``output`` a terminal would act on, line feeds aside."""
    return [
        f"U+{ord(c):04X}"
        for c in output
        if c != "\n"
        and (
            unicodedata.category(c) in ("Cc", "Zl", "Zp")
            or c in "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
        )
    ]


@pytest.mark.parametrize("demo_db", ["sqlite"], indirect=True)
def test_a_student_name_with_escape_sequences_and_bidi_overrides_prints_without_control_chars(
    demo_db: DemoDatabase,
) -> None:
    st = demo_db.kit.student("Placeholder", "Name")
    demo_db.kit.invoice(st, 10000, text="Køreprøve\u202e\x1b[5m")
    # Written straight into the shared database, as the school's web system does.
    with demo_db.engine.begin() as conn:
        conn.execute(
            text("UPDATE students SET first_name = :f, last_name = :l WHERE id = :id"),
            {"f": HOSTILE_FIRST, "l": HOSTILE_LAST, "id": st.id},
        )

    shown = assert_ok(run_cli(demo_db.url, "student", st.student_no))
    as_json = assert_ok(run_cli(demo_db.url, "student", st.student_no, "--json"))

    assert unsafe_chars(shown.stdout) == [], shown.describe()
    first_line = shown.stdout.splitlines()[0]
    # The name is still there to read, each control shown as one replacement character, and
    # its line break cannot forge a "Balance:" line of its own.
    assert "Ann\ufffd[31ma\ufffd]0;pwned\ufffd" in first_line
    assert "Lar\ufffdsen\ufffd2J\ufffd\ufffdBalance: nothing owed" in first_line
    balance_lines = [line for line in shown.stdout.splitlines() if line.startswith("Balance:")]
    assert len(balance_lines) == 1
    assert balance_lines[0].startswith("Balance: owes ")
    # JSON keeps the exact text for programs, escaped so a terminal shows it inert.
    assert unsafe_chars(as_json.stdout) == [], as_json.describe()
    assert as_json.data["name"] == f"{HOSTILE_FIRST} {HOSTILE_LAST}"
    assert as_json.data["invoices"][0]["text"] == "Køreprøve\u202e\x1b[5m"


@pytest.mark.parametrize("demo_db", ["sqlite"], indirect=True)
def test_the_day_report_csv_has_no_control_characters_and_no_formulas(
    demo_db: DemoDatabase, tmp_path: Path
) -> None:
    st = demo_db.kit.student("Vera", "Holm")
    inv = demo_db.kit.invoice(st, 20000)
    paid = register_payment(
        SqlAlchemyUnitOfWork(demo_db.engine),
        demo_db.school,
        method="bank",
        amount_minor=20000,
        invoice_no=inv.invoice_no,
        actor=SETUP,
    )
    refund = refund_payment(
        SqlAlchemyUnitOfWork(demo_db.engine),
        demo_db.school,
        payment_id=paid.payment_id,
        amount_minor=5000,
        reason="rabat",
        actor=SETUP,
    )
    with demo_db.engine.begin() as conn:
        conn.execute(
            text("UPDATE student_payments SET desk = :d, staff = :s WHERE id = :id"),
            {
                "d": "web\x1b[2J\u202e",
                "s": '=HYPERLINK("http://x.invalid","klik")',
                "id": paid.payment_id,
            },
        )
        created = conn.execute(
            select(PaymentRow.created_at).where(PaymentRow.id == paid.payment_id)
        ).scalar_one()
    day = demo_db.school.local_date(created)
    sheet = tmp_path / "dag.csv"

    assert_ok(run_cli(demo_db.url, "report", "day", "--date", day.isoformat(), "--csv", str(sheet)))

    content = sheet.read_text(encoding="utf-8")
    assert unsafe_chars(content.replace("\r\n", "\n")) == []
    with sheet.open(newline="", encoding="utf-8") as fh:
        header, *rows = list(csv.reader(fh))
    row = next(r for r in rows if r[2] == paid.payment_id)
    by_name = dict(zip(header, row, strict=True))
    assert by_name["desk"] == "web\ufffd[2J\ufffd"
    # A spreadsheet shows this as text instead of running it.
    assert by_name["staff"] == '\'=HYPERLINK("http://x.invalid","klik")'
    assert by_name["amount_minor"] == "20000"
    # A refund's negative amount is a number, not a formula to defuse.
    assert next(r for r in rows if r[2] == refund.refund_id)[4] == "-5000"


@pytest.mark.parametrize("demo_db", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("option", "value", "shown"),
    [
        ("--staff", "a\x1b[31m", "U+001B"),
        ("--desk", "kasse\u202e1", "U+202E"),
        ("--staff", "bo\x7f", "U+007F"),
        ("--desk", "kasse\x851", "U+0085"),
    ],
)
def test_a_desk_or_staff_name_with_control_characters_is_refused_and_nothing_is_stored(
    demo_db: DemoDatabase, option: str, value: str, shown: str
) -> None:
    st = demo_db.kit.student("Ida", "Kok")
    inv = demo_db.kit.invoice(st, 5000)
    before = money_snapshot(demo_db.engine)

    result = run_cli(
        demo_db.url,
        option,
        value,
        "pay",
        "--invoice",
        inv.invoice_no,
        "--method",
        "cash",
        "--amount",
        "50",
    )

    assert_refused(result, 2, option, "control characters", shown)
    assert result.stdout == ""
    assert money_snapshot(demo_db.engine) == before


@pytest.mark.parametrize("demo_db", ["sqlite"], indirect=True)
def test_a_reference_or_reason_with_bidi_override_c1_or_del_is_refused(
    demo_db: DemoDatabase,
) -> None:
    st = demo_db.kit.student("Ole", "Bak")
    inv = demo_db.kit.invoice(st, 30000)
    paid = register_payment(
        SqlAlchemyUnitOfWork(demo_db.engine),
        demo_db.school,
        method="cash",
        amount_minor=10000,
        invoice_no=inv.invoice_no,
        actor=SETUP,
    )
    pay = ("pay", "--invoice", inv.invoice_no, "--method", "bank", "--amount", "100")
    refund = ("refund", paid.payment_id, "--amount", "10")
    before = money_snapshot(demo_db.engine)

    cases = [
        (run_cli(demo_db.url, *pay, "--reference", "faktura\u202e9871"), "U+202E"),
        (run_cli(demo_db.url, *pay, "--reference", "ref\u2066x\u2069"), "U+2066"),
        (run_cli(demo_db.url, *refund, "--reason", "fejl\x9b31m"), "U+009B"),
        (run_cli(demo_db.url, *refund, "--reason", "fejl\x7f"), "U+007F"),
    ]

    for result, shown in cases:
        assert_refused(result, 2, "control characters", shown)
    assert money_snapshot(demo_db.engine) == before


def test_verbose_log_never_shows_the_password_of_the_stripe_base_url(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'jdoffice.sqlite3'}"
    assert_ok(run_cli(url, "demo", "--students", "2", "--seed", "5", "--json"))
    engine = db.make_engine(url)
    try:
        school = queries.resolve_school(SqlAlchemyUnitOfWork(engine), None)
        kit = SchoolKit(engine, school, "v-")
        invoice = kit.invoice(kit.student("Sune", "Ravn"), 45000)
    finally:
        engine.dispose()
    config = tmp_path / "config.toml"
    config.write_text("[stripe]\ntimeout_seconds = 10\nmax_network_retries = 0\n", "utf-8")

    with StandinProcess(secret_key=SECRET_KEY, auto_deliver=False) as standin:
        host = standin.base_url.removeprefix("http://")
        env = {
            "JDOFFICE_STRIPE_SECRET_KEY": SECRET_KEY,
            # A proxy-style base address with its password in it.
            "JDOFFICE_STRIPE_API_BASE": f"http://desk:{BASE_PASSWORD}@{host}",
            "JDOFFICE_CONFIG": str(config),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            # The Stripe library's own console log, which would pass logging by.
            "STRIPE_LOG": "debug",
        }
        assert_ok(run_cli(url, "school", "payments", "--online", "on", env=env))
        result = run_cli(url, "-v", "link", "--invoice", invoice.invoice_no, env=env)

    logged = result.stderr
    # The Stripe library did log its request (the line that carried the base URL) ...
    assert "Request to Stripe api" in logged, result.describe()
    assert f"http://desk:***@{host}" in logged, result.describe()
    # ... and neither the password nor the secret key is anywhere in the output.
    for secret in (BASE_PASSWORD, SECRET_KEY):
        assert secret not in logged, result.describe()
        assert secret not in result.stdout, result.describe()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://jd:hemmeligt@db.example:notaport/jdoffice",
        "mysql://jd:hemmeligt@[::1/jdoffice",
        "postgresql://jd:hemmeligt@db.example:99999/jdoffice",
    ],
)
def test_a_malformed_database_url_is_one_line_without_its_password(url: str) -> None:
    result = run_cli(url, "search", "søren")

    assert_refused(result, 2, "database url")
    assert "hemmeligt" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_database_newer_than_the_program_says_to_install_a_newer_jdoffice(
    backend: str, fresh_database_factory: Callable[[str], TestDatabase]
) -> None:
    url = fresh_database_factory(backend).url_text
    assert_ok(run_cli(url, "demo", "--students", "2", "--seed", "5", "--json"))
    engine = db.make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
        before = money_snapshot(engine)

        searched = run_cli(url, "search", "a")
        upgraded = run_cli(url, "db", "upgrade")
        paid = run_cli(url, "pay", "--student", "x", "--method", "cash", "--amount", "1")

        for result in (searched, upgraded, paid):
            assert_refused(result, 1, "newer", "install a newer jdoffice", "9999_from_the_future")
            assert result.stdout == ""
        assert db.stored_revisions(engine) == ["9999_from_the_future"]
        assert money_snapshot(engine) == before
    finally:
        engine.dispose()
    status = assert_ok(run_cli(url, "db", "status", "--json"))
    assert json.loads(status.stdout)["revision"] == "9999_from_the_future"
