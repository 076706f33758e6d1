"""Money: parsing what people type, formatting, and Danish cash rounding."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jdoffice.domain.errors import InvalidInput
from jdoffice.domain.money import (
    Money,
    cash_round,
    format_money,
    format_plain,
    parse_amount,
    settle_cash,
)


@pytest.mark.parametrize(
    ("typed", "minor"),
    [
        ("850", 85000),
        ("850,25", 85025),
        ("850,5", 85050),
        ("1.234,50", 123450),
        ("1234.50", 123450),
        ("1,234.50", 123450),
        ("1 234,50", 123450),
        ("1.234", 123400),
        ("1.234.567", 123456700),
        ("kr. 850,25", 85025),
        ("850,25 kr.", 85025),
        ("850 kr", 85000),
        ("DKK 850", 85000),
        ("850,-", 85000),
        ("  0,50 ", 50),
        ("+850", 85000),
        ("850\u00a0kr.", 85000),
    ],
)
def test_amounts_typed_in_danish_and_english_style_are_understood(typed: str, minor: int) -> None:
    assert parse_amount(typed) == minor


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("abc", "not an amount"),
        ("-5", "negative"),
        ("−5", "negative"),
        ("0", "more than zero"),
        ("0,00", "more than zero"),
        ("12,345", "too many decimals"),
        ("12.3456", "too many decimals"),
        ("1e3", "not an amount"),
        ("NaN", "not an amount"),
        ("inf", "not an amount"),
        ("1000000000000", "too large"),
        ("10.000.001", "too large"),
        ("1.23.4", "not an amount"),
        ("1,2,3", "not an amount"),
        ("12,34,56", "not an amount"),
        ("1..2", "not an amount"),
        ("٣٤", "not an amount"),
    ],
)
def test_bad_amounts_are_refused_with_a_message_that_says_why(typed: str, says: str) -> None:
    with pytest.raises(InvalidInput, match=says):
        parse_amount(typed)


def test_zero_is_accepted_only_when_asked_for() -> None:
    assert parse_amount("0", allow_zero=True) == 0


def test_amounts_are_formatted_the_danish_way() -> None:
    assert format_money(123450) == "1.234,50\u00a0kr."
    assert format_plain(123450) == "1.234,50"
    assert str(Money(85025)) == "850,25\u00a0kr."


@pytest.mark.parametrize("locale", ["en", "en_DK", "en_GB"])
def test_amounts_on_english_screens_and_receipts_read_dkk_850_25(locale: str) -> None:
    assert format_money(85025, "DKK", locale) == "DKK\u00a0850.25"
    assert format_money(123450, "DKK", locale) == "DKK\u00a01,234.50"
    assert format_plain(123450, "DKK", locale) == "1,234.50"
    assert Money(85025).format(locale) == "DKK\u00a0850.25"


@pytest.mark.parametrize(
    ("exact", "rounded"),
    [
        (85000, 85000),
        (85001, 85000),
        (85020, 85000),
        (85024, 85000),
        (85025, 85050),
        (85050, 85050),
        (85074, 85050),
        (85075, 85100),
        (85099, 85100),
    ],
)
def test_cash_is_rounded_to_the_nearest_half_krone(exact: int, rounded: int) -> None:
    assert cash_round(exact) == rounded


def test_design_example_850_25_paid_with_1000() -> None:
    s = settle_cash(85025, 100000)
    assert (s.cash_total_minor, s.change_minor, s.rounding_minor) == (85050, 14950, 25)
    s = settle_cash(85020, None)
    assert (s.cash_total_minor, s.change_minor, s.rounding_minor, s.tendered_minor) == (
        85000,
        0,
        -20,
        85000,
    )


def test_tendered_below_the_cash_total_is_refused() -> None:
    with pytest.raises(InvalidInput, match="less than the cash total"):
        settle_cash(85025, 85000)


def test_tendered_in_coins_that_do_not_exist_is_refused() -> None:
    with pytest.raises(InvalidInput, match="multiple of"):
        settle_cash(85025, 100010)


def test_currencies_without_a_cash_rule_are_not_rounded() -> None:
    assert cash_round(85025, "EUR") == 85025


def test_money_of_different_currencies_does_not_mix() -> None:
    with pytest.raises(ValueError, match="cannot mix"):
        Money(1, "DKK") + Money(1, "EUR")


def test_money_refuses_floats() -> None:
    with pytest.raises(TypeError):
        Money(1.5)  # type: ignore[arg-type]


@given(st.integers(min_value=1, max_value=10_000_000_00))
def test_formatted_amounts_parse_back_to_the_same_amount(minor: int) -> None:
    assert parse_amount(format_money(minor)) == minor
    assert parse_amount(format_plain(minor)) == minor
    english = f"{Decimal(minor).scaleb(-2):,.2f}"
    assert parse_amount(english) == minor
    assert parse_amount(format_money(minor, "DKK", "en")) == minor
    assert parse_amount(format_plain(minor, "DKK", "en")) == minor


@given(st.integers(min_value=0, max_value=10**12))
def test_cash_rounding_moves_at_most_a_quarter_krone_and_lands_on_half_kroner(minor: int) -> None:
    r = cash_round(minor)
    assert r % 50 == 0
    assert -24 <= r - minor <= 25


@given(st.integers(min_value=1, max_value=10**9), st.integers(min_value=0, max_value=10**6))
def test_change_plus_cash_total_is_what_was_handed_over(minor: int, extra_halves: int) -> None:
    total = cash_round(minor)
    s = settle_cash(minor, total + extra_halves * 50)
    assert s.change_minor + s.cash_total_minor == s.tendered_minor
    assert s.cash_total_minor - s.rounding_minor == minor


@given(st.text(max_size=20))
def test_parsing_arbitrary_text_either_gives_a_positive_amount_or_invalid_input(text: str) -> None:
    try:
        minor = parse_amount(text)
    except InvalidInput:
        return
    assert 0 < minor <= 10_000_000_00
