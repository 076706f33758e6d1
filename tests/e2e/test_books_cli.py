"""``jdoffice books export`` and ``jdoffice school accounts`` as processes, on every backend
(issue 15): the three formats written, balanced and repeatable; bad input refused with exit 2
and nothing changed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.cli import EXIT_INVALID, EXIT_REFUSED, EXIT_UNAVAILABLE
from jdoffice.domain.books_export import CSV_COLUMNS, ECONOMIC_COLUMNS, SAFT_NS
from jdoffice.domain.model import UTC, Actor
from jdoffice.services.payments import register_payment
from tests.conftest import SchoolKit
from tests.e2e.conftest import assert_ok, assert_refused, run_cli

if TYPE_CHECKING:
    from tests.conftest import TestDatabase

DAY = dt.date(2026, 11, 17)
NOON = dt.datetime(2026, 11, 17, 11, 0, tzinfo=UTC)


def two_payments(kit: SchoolKit) -> None:
    uow = SqlAlchemyUnitOfWork(kit.engine)
    for minute, (owed, method) in enumerate([(65_000, "bank"), (12_550, "mobilepay")]):
        student = kit.student()
        invoice = kit.invoice(student, owed)
        register_payment(
            uow,
            kit.school,
            method=method,
            amount_minor=owed,
            invoice_no=invoice.invoice_no,
            actor=Actor("RC", "kasse-1"),
            now=NOON + dt.timedelta(minutes=minute),
        )


def test_books_export_writes_each_format_balanced_and_the_same_twice(
    database: TestDatabase, kit: SchoolKit, tmp_path: Path
) -> None:
    two_payments(kit)
    url, slug = database.url_text, kit.school.slug
    day = DAY.isoformat()
    files = {}
    for fmt in ("csv", "economic", "saft"):
        out = tmp_path / f"books.{fmt}"
        args = ("--school", slug, "books", "export", "--from", day, "--to", day)
        summary = assert_ok(run_cli(url, *args, "--format", fmt, "--out", str(out), "--json"))
        assert summary.data["postings"] == 2
        assert summary.data["debit_minor"] == summary.data["credit_minor"] == 77_550
        assert summary.data["accounts"] == {"5600": -77_550, "5820": 65_000, "5840": 12_550}
        files[fmt] = out.read_bytes()
        second = tmp_path / f"again.{fmt}"
        assert_ok(run_cli(url, *args, "--format", fmt, "--out", str(second)))
        assert second.read_bytes() == files[fmt]
    table = list(csv.reader(io.StringIO(files["csv"].decode("utf-8")), delimiter=";"))
    assert tuple(table[0]) == CSV_COLUMNS
    assert [r[7] for r in table[1:]] == ["650,00", "125,50"]
    economic = list(csv.reader(io.StringIO(files["economic"].decode("utf-8")), delimiter=";"))
    assert tuple(economic[0]) == ECONOMIC_COLUMNS
    assert [(r[0], r[2], r[5]) for r in economic[1:]] == [
        ("17-11-2026", "5820", "5600"),
        ("17-11-2026", "5840", "5600"),
    ]
    root = ET.fromstring(files["saft"])
    ns = {"s": SAFT_NS}
    debit = sum(Decimal(a.text or "") for a in root.iterfind(".//s:DebitAmount/s:Amount", ns))
    credit = sum(Decimal(a.text or "") for a in root.iterfind(".//s:CreditAmount/s:Amount", ns))
    assert debit == credit == Decimal("775.50")


def test_books_export_refuses_a_period_that_ends_before_it_starts(
    database: TestDatabase, kit: SchoolKit, tmp_path: Path
) -> None:
    out = tmp_path / "x.csv"
    args = ("--school", kit.school.slug, "books", "export")
    assert_refused(
        run_cli(database.url_text, *args, "--from", "2026-11-17", "--to", "2026-11-01"),
        EXIT_INVALID,
        "before it starts",
    )
    assert_refused(
        run_cli(database.url_text, *args, "--from", "17-11-2026", "--to", "2026-11-30"),
        EXIT_INVALID,
        "not a date",
    )
    assert_refused(
        run_cli(
            database.url_text,
            *args,
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--format",
            "dinero",
        ),
        EXIT_INVALID,
    )
    missing = tmp_path / "no" / "such" / "books.csv"
    assert_refused(
        run_cli(
            database.url_text,
            *args,
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--out",
            str(missing),
        ),
        EXIT_INVALID,
        "no such folder",
    )
    assert not out.exists()


def test_books_export_refuses_a_day_outside_the_years_of_the_books_and_a_period_not_begun(
    database: TestDatabase, kit: SchoolKit, tmp_path: Path
) -> None:
    out = tmp_path / "x.csv"
    args = ("--school", kit.school.slug, "books", "export", "--out", str(out))
    for start, end in (("0001-01-01", "2026-11-30"), ("2026-11-01", "9999-12-31")):
        assert_refused(
            run_cli(database.url_text, *args, "--from", start, "--to", end),
            EXIT_INVALID,
            "is not a day the books can hold: from 2000-01-01 to 2099-12-31",
        )
    assert_refused(
        run_cli(database.url_text, *args, "--from", "2099-03-01", "--to", "2099-03-31"),
        EXIT_INVALID,
        "2099-03-01 – 2099-03-31 has not begun",
    )
    assert not out.exists()
    listed = assert_ok(
        run_cli(database.url_text, "--school", kit.school.slug, "books", "exports", "--json")
    )
    assert listed.data == {"exports": []}


def test_school_accounts_are_set_once_and_a_bad_one_changes_nothing(
    database: TestDatabase, kit: SchoolKit
) -> None:
    url, slug = database.url_text, kit.school.slug
    shown = assert_ok(run_cli(url, "--school", slug, "school", "accounts", "--json"))
    assert shown.data["accounts"]["cash"] == "5810"
    assert shown.data["vat_code"] == ""
    changed = assert_ok(
        run_cli(
            url,
            "--school",
            slug,
            "school",
            "accounts",
            "--set",
            "cash=1000",
            "--set",
            "stripe=5851",
            "--json",
        )
    )
    assert (changed.data["accounts"]["cash"], changed.data["accounts"]["stripe"]) == (
        "1000",
        "5851",
    )
    assert_refused(
        run_cli(
            url, "--school", slug, "school", "accounts", "--set", "bank=2000", "--set", "till=1"
        ),
        EXIT_INVALID,
        "no account is called 'till'",
    )
    assert_refused(
        run_cli(url, "--school", slug, "school", "accounts", "--set", "bank"),
        EXIT_INVALID,
        "NAME=NUMBER",
    )
    after = assert_ok(run_cli(url, "--school", slug, "school", "accounts", "--json"))
    assert after.data["accounts"]["bank"] == "5820"
    assert after.data["accounts"]["cash"] == "1000"
    notifications = assert_ok(run_cli(url, "--school", slug, "school", "notifications", "--json"))
    assert "books_accounts" not in notifications.data["templates"]
    text = assert_ok(run_cli(url, "--school", slug, "school", "accounts"))
    assert "cash" in text.stdout
    assert "1000" in text.stdout


def test_books_export_without_a_database_says_unavailable_and_writes_no_file(
    tmp_path: Path,
) -> None:
    out = tmp_path / "books.csv"
    result = run_cli(
        "postgresql://postgres@127.0.0.1:1/none",
        "books",
        "export",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--out",
        str(out),
    )
    assert_refused(result, EXIT_UNAVAILABLE, "database unavailable")
    assert not out.exists()


def test_books_export_says_when_a_period_was_exported_and_books_exports_lists_each_run(
    database: TestDatabase, kit: SchoolKit, tmp_path: Path
) -> None:
    two_payments(kit)
    url, slug = database.url_text, kit.school.slug
    day = DAY.isoformat()
    who = ("--school", slug, "--staff", "MH", "--desk", "kasse-1")
    args = (*who, "books", "export", "--from", day, "--to", day)
    first = assert_ok(run_cli(url, *args, "--out", str(tmp_path / "a.csv"), "--json"))
    assert first.data["repeat_of"] is None
    assert first.data["corrections"] == first.data["pending_corrections"] == 0
    again = assert_ok(run_cli(url, *args, "--out", str(tmp_path / "b.csv")))
    assert "already exported on" in again.stdout
    assert "by MH at kasse-1" in again.stdout
    assert "the same file as before" in again.stdout
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    # To standard output: the file alone there, the notice on standard error.
    piped = run_cli(url, *args)
    assert piped.code == 0, piped.stderr
    # (read as text, the CRLF line ends arrive as LF)
    assert piped.stdout == (tmp_path / "a.csv").read_text("utf-8").replace("\r\n", "\n")
    assert "already exported on" in piped.stderr
    overlap = ("--school", slug, "books", "export", "--from", day, "--to", "2026-11-30")
    assert_refused(
        run_cli(url, *overlap, "--out", str(tmp_path / "c.csv")),
        EXIT_REFUSED,
        "overlaps the period 2026-11-17",
    )
    assert not (tmp_path / "c.csv").exists()
    listed = assert_ok(run_cli(url, "--school", slug, "books", "exports", "--json"))
    runs = listed.data["exports"]
    assert [(r["from"], r["to"], r["postings"]) for r in runs] == [(day, day, 2)] * 3
    assert [r["repeat_of"] for r in runs] == [None, runs[0]["id"], runs[0]["id"]]
    assert runs[0]["staff"] == "MH"
    text = assert_ok(run_cli(url, "--school", slug, "books", "exports"))
    assert f"repeat of {runs[0]['id']}" in text.stdout
