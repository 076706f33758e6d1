"""The student's statement (issue 15): what happened before the period is its opening
balance, a day's invoices come before its payments, the running balance ends where the
desk's balance is, and what comes after the period is left out."""

from __future__ import annotations

import datetime as dt

import pytest

from jdoffice.domain.errors import InvalidInput
from jdoffice.domain.statement import Event, build_statement, statement_json, statement_lines

D = dt.date(2026, 11, 10)


def day(n: int) -> dt.date:
    return D + dt.timedelta(days=n)


EVENTS = [
    Event(day(5), "payment", "12", "Betaling, kontant", 30_000),
    Event(day(-3), "invoice", "F1", "Teoriprøve", 20_000),
    Event(day(5), "invoice", "F2", "Køretime", 50_000),
    Event(day(7), "refund", "13", "Refusion, kontant: aflyst", 5_000),
    Event(day(40), "invoice", "F3", "Senere", 99_900),
]


def test_the_opening_balance_the_order_of_a_day_and_the_running_balance() -> None:
    st = build_statement(
        EVENTS, school_name="S", student_no="S1", student_name="Anna Ærø",
        start=day(0), end=day(30), currency="DKK",
    )  # fmt: skip
    assert st.opening_minor == 20_000
    assert [(line.document, line.balance_minor) for line in st.lines] == [
        ("F2", 70_000),  # the invoice before the payment of the same day
        ("12", 40_000),
        ("13", 45_000),
    ]
    assert (st.debit_minor, st.credit_minor, st.closing_minor) == (55_000, 30_000, 45_000)
    assert st.opening_minor + st.debit_minor - st.credit_minor == st.closing_minor
    data = statement_json(st)
    assert data["closing_minor"] == 45_000
    lines = statement_lines(st)
    assert lines[1] == "KONTOUDTOG"
    assert lines[-1] == "Eleven skylder: 450,00 DKK"
    assert "Senere" not in "\n".join(lines)


def test_a_period_with_nothing_in_it_shows_the_balance_it_had() -> None:
    st = build_statement(
        EVENTS, school_name="S", student_no="S1", student_name="A",
        start=day(100), end=day(120), currency="DKK",
    )  # fmt: skip
    assert (st.lines, st.opening_minor, st.closing_minor) == ((), 144_900, 144_900)
    assert "Ingen posteringer i perioden." in statement_lines(st)
    assert "No entries in the period." in statement_lines(st, language="en")
    with pytest.raises(InvalidInput, match="ends before it starts"):
        build_statement(
            EVENTS, school_name="S", student_no="S1", student_name="A",
            start=day(2), end=day(1), currency="DKK",
        )  # fmt: skip


def test_a_method_reads_inside_the_sentence_and_a_brand_keeps_its_capitals() -> None:
    from jdoffice.services.student_statement import _word

    assert (_word("Kontant"), _word("Bankoverførsel")) == ("kontant", "bankoverførsel")
    assert (_word("MobilePay"), _word("")) == ("MobilePay", "")
