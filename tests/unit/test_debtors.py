"""The debtor list's rules and what it looks like (issue 15): the buckets' edges, one debtor
per student however many invoices, the sorts, and the CSV a spreadsheet opens safely."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from jdoffice.domain.debtors import (
    CSV_HEADER,
    OwedRow,
    bucket_of,
    build,
    text_lines,
    to_csv,
    to_json,
)
from jdoffice.domain.errors import InvalidInput

AS_OF = dt.date(2026, 12, 4)


def row(student: int, name: str, owed: int, days: int, no: str | None = None) -> OwedRow:
    first, _, last = name.partition(" ")
    return OwedRow(
        student_id=student,
        student_no=f"S{student:07d}",
        first_name=first,
        last_name=last,
        phone="",
        email="",
        invoice_id=student * 100 + days,
        invoice_no=no or f"F{student}-{days}",
        text="Køretime",
        due_date=AS_OF - dt.timedelta(days=days),
        outstanding_minor=owed,
    )


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (-10, "not_due"),
        (0, "not_due"),
        (1, "1_30"),
        (30, "1_30"),
        (31, "31_60"),
        (60, "31_60"),
        (61, "61_90"),
        (90, "61_90"),
        (91, "over_90"),
        (4000, "over_90"),
    ],
)
def test_an_invoice_falls_in_the_bucket_of_its_days_overdue(days: int, bucket: str) -> None:
    assert bucket_of(days) == bucket


def test_one_debtor_per_student_with_the_oldest_invoice_first_and_nothing_owed_left_out() -> None:
    listed = build(
        [
            row(1, "Anna Ærø", 5_000, 3),
            row(2, "Bo Berg", 100, 200),
            row(1, "Anna Ærø", 7_000, 45),
            row(3, "Carl Clausen", 0, 100),
        ],
        school_name="Østerbro Køreskole",
        as_of=AS_OF,
        currency="DKK",
    )
    assert [(d.name, d.total_minor) for d in listed.debtors] == [
        ("Anna Ærø", 12_000),
        ("Bo Berg", 100),
    ]
    assert [i.days_overdue for i in listed.debtors[0].invoices] == [45, 3]
    assert listed.total_minor == 12_100


def test_the_sorts_put_the_largest_the_longest_overdue_or_the_name_first() -> None:
    rows = [row(1, "Åse Holm", 5_000, 3), row(2, "Bo Berg", 100, 200), row(3, "Ane Dam", 900, 10)]

    def names(sort: str) -> list[str]:
        kw = {"school_name": "S", "as_of": AS_OF, "currency": "DKK", "sort": sort}
        return [d.name for d in build(rows, **kw).debtors]  # type: ignore[arg-type]

    assert names("amount") == ["Åse Holm", "Ane Dam", "Bo Berg"]
    assert names("overdue") == ["Bo Berg", "Ane Dam", "Åse Holm"]
    assert names("number") == ["Åse Holm", "Bo Berg", "Ane Dam"]
    assert names("name")[0] == "Ane Dam"
    with pytest.raises(InvalidInput, match="sort must be one of"):
        names("biggest")


def test_the_csv_has_a_row_per_invoice_in_kroner_with_a_decimal_comma_and_no_formulas() -> None:
    listed = build(
        [row(1, "=HYPERLINK(x) Ærø", 85_025, 40, no="F1"), row(1, "=HYPERLINK(x) Ærø", 50, 2)],
        school_name="S",
        as_of=AS_OF,
        currency="DKK",
    )
    text = to_csv(listed)
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert tuple(rows[0]) == CSV_HEADER
    assert rows[1][0] == "S0000001"
    assert rows[1][1].startswith("'=")  # a spreadsheet shows it as text
    assert rows[1][4:] == [
        "F1", "Køretime", "2026-10-25", "40", "31_60", "850,25", "850,75", "0,00", "DKK",
    ]  # fmt: skip
    assert rows[2][7:10] == ["2", "1_30", "0,50"]


def test_the_text_and_json_carry_the_same_totals() -> None:
    listed = build(
        [row(1, "Anna Ærø", 123_456, 95), row(2, "Bo Berg", 50, -2)],
        school_name="Østerbro Køreskole",
        as_of=AS_OF,
        currency="DKK",
    )
    lines = text_lines(listed)
    assert lines[1] == "DEBITORLISTE 04.12.2026 (DKK)"
    assert lines[-1].startswith("I alt (2 elever)")
    assert lines[-1].split()[-1] == "1.235,06"
    assert any("Anna Ærø" in line and "1.234,56" in line for line in lines)
    data = to_json(listed)
    assert data["total_minor"] == 123_506
    assert data["totals"] == {
        "not_due": 50,
        "1_30": 0,
        "31_60": 0,
        "61_90": 0,
        "over_90": 123_456,
    }
    empty = build([], school_name="S", as_of=AS_OF, currency="DKK")
    assert "Ingen skylder noget." in text_lines(empty)
    assert "Nobody owes anything." in text_lines(empty, language="en")
