"""Reminders' rules without a database (issue 15): the interval, the sentence that says how
to pay (with the link, or without one when online payments are off), and a reminder on the
statement that moves no money."""

from __future__ import annotations

import datetime as dt

import pytest

from jdoffice.domain.errors import InvalidInput
from jdoffice.domain.reminders import (
    check_channel,
    check_interval,
    check_overdue_days,
    pay_text,
    too_soon,
)
from jdoffice.domain.statement import Event, build_statement, statement_lines

SENT = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)


def test_an_invoice_may_be_reminded_again_once_the_whole_interval_has_passed() -> None:
    assert too_soon(SENT, 7, SENT + dt.timedelta(days=6, hours=23, minutes=59))
    assert not too_soon(SENT, 7, SENT + dt.timedelta(days=7))
    assert not too_soon(None, 7, SENT)


@pytest.mark.parametrize("days", [0, -1, 366])
def test_an_interval_outside_one_day_to_a_year_is_refused(days: int) -> None:
    with pytest.raises(InvalidInput, match="1 to 365 days"):
        check_interval(days)


def test_a_channel_or_days_overdue_that_make_no_sense_are_refused() -> None:
    with pytest.raises(InvalidInput, match="sms or email"):
        check_channel("fax")
    with pytest.raises(InvalidInput, match="days overdue"):
        check_overdue_days(0)


def test_with_a_link_the_reminder_says_pay_here_and_until_when() -> None:
    assert pay_text(
        "da", invoice_no="F7", url="https://pay.example/s1", expires="05.12.2026 kl. 08:30"
    ) == ("Betal her: https://pay.example/s1 Linket virker til 05.12.2026 kl. 08:30.")
    assert pay_text("en", invoice_no="F7", url="https://pay.example/s1", expires="") == (
        "Pay here: https://pay.example/s1"
    )


def test_without_a_link_the_reminder_says_how_to_pay_at_the_office_or_by_transfer() -> None:
    assert pay_text("da", invoice_no="F7", url="", expires="") == (
        "Betal på kontoret (kontant, kort eller MobilePay) eller ved bankoverførsel med "
        "fakturanummeret F7 som tekst."
    )
    assert "invoice number F7 as the reference" in pay_text(
        "en", invoice_no="F7", url="", expires=""
    )


def test_a_reminder_on_the_statement_moves_no_money() -> None:
    day = dt.date(2026, 11, 1)
    st = build_statement(
        [
            Event(day, "invoice", "F7", "Køretime", 45_000),
            Event(day + dt.timedelta(days=20), "reminder", "F7", "Betalingspåmindelse, SMS", 45_000),
        ],
        school_name="S", student_no="S1", student_name="Anna Ærø",
        start=day, end=day + dt.timedelta(days=30), currency="DKK",
    )  # fmt: skip
    reminder = st.lines[-1]
    assert (reminder.kind, reminder.debit_minor, reminder.credit_minor) == ("reminder", 0, 0)
    assert reminder.balance_minor == st.closing_minor == 45_000
    assert st.debit_minor == 45_000
    [line] = [x for x in statement_lines(st) if "Betalingspåmindelse" in x]
    assert line.startswith("21.11.2026 F7")
