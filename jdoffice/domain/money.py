"""Money: integer minor units plus an ISO 4217 currency code.

Amounts are never floats. ``Decimal`` appears only where text is parsed or formatted.
Danish cash rounding (to the nearest 0,50 kr) lives here too, because it is a rule about
money, not about a screen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Final

from babel import Locale
from babel.numbers import format_currency, get_currency_precision

from jdoffice.domain.errors import InvalidInput

#: Largest amount anyone may type: 10 million kr. Anything above is a typo at a driving school.
MAX_AMOUNT_MAJOR: Final = 10_000_000

#: The smallest coin in circulation per currency, in minor units. Cash totals are rounded to
#: it; other methods stay exact.
CASH_UNIT_MINOR: Final[dict[str, int]] = {"DKK": 50}


def minor_digits(currency: str) -> int:
    """How many decimals ``currency`` has (2 for DKK, 0 for ISK, ...)."""
    return int(get_currency_precision(currency))


@dataclass(frozen=True, slots=True, order=True)
class Money:
    """An amount of money: ``minor`` units (øre for DKK) of ``currency``."""

    minor: int
    currency: str = "DKK"

    def __post_init__(self) -> None:
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise TypeError(f"Money.minor must be an int, not {type(self.minor).__name__}")
        if not re.fullmatch(r"[A-Z]{3}", self.currency):
            raise ValueError(f"not an ISO 4217 currency code: {self.currency!r}")

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def to_decimal(self) -> Decimal:
        return Decimal(self.minor).scaleb(-minor_digits(self.currency))

    def format(self, locale: str = "da_DK") -> str:
        """The amount as people read it, e.g. ``1.234,50 kr.`` in Danish."""
        return format_money(self.minor, self.currency, locale)

    def __str__(self) -> str:
        return self.format()


@lru_cache(maxsize=16)
def _locale(name: str) -> Locale:
    return Locale.parse(name)


# A screen of search results formats 50 balances on the GUI thread at every keystroke, and
# Babel takes ~0.1 ms an amount; balances and prices repeat, so the strings are kept.
def number_locale(locale: str) -> str:
    """The locale whose number style an amount is written in: English screens and receipts
    (``en``, ``en_DK``, ...) write amounts as English readers do (``DKK 850.25``), whatever
    country the school is in; Danish ones as Danes do (``850,25 kr.``)."""
    return "en" if locale.split("_")[0].lower() == "en" else locale


@lru_cache(maxsize=8192)
def format_money(minor: int, currency: str = "DKK", locale: str = "da_DK") -> str:
    """Format ``minor`` units with Babel: ``1.234,50 kr.`` (da_DK), ``DKK 1,234.50`` (en).

    English puts a (non-breaking) space between the code and the number, as it is printed on
    English receipts; Babel's own English pattern glues them together (``DKK850.25``).
    """
    digits = minor_digits(currency)
    value = Decimal(minor).scaleb(-digits)
    name = number_locale(locale)
    if name == "en":
        pattern = "¤\u00a0#,##0" + ("." + "0" * digits if digits else "")
        text = format_currency(value, currency, format=pattern, locale=_locale(name))
        return str(text)
    return str(format_currency(value, currency, locale=_locale(name)))


def format_plain(minor: int, currency: str = "DKK", locale: str = "da_DK") -> str:
    """The number alone with grouping and the currency's decimals: ``1.234,50``."""
    from babel.numbers import format_decimal

    digits = minor_digits(currency)
    value = Decimal(minor).scaleb(-digits)
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return str(format_decimal(value, format=pattern, locale=number_locale(locale)))


# --- parsing ---------------------------------------------------------------------------------

_CURRENCY_WORDS = re.compile(r"(?i)^(?:kr\.?|dkk)\s*|\s*(?:kr\.?|dkk)$")
_WHOLE_DASH = re.compile(r",-$")  # Danish "850,-" means whole kroner


def parse_amount(
    text: str,
    currency: str = "DKK",
    *,
    allow_zero: bool = False,
    max_major: int = MAX_AMOUNT_MAJOR,
) -> int:
    """Parse what a person typed into minor units.

    Accepts Danish and English styles: ``850``, ``850,25``, ``1.234,50``, ``1234.50``,
    ``1,234.50``, ``1 234,50``, ``kr. 850,25``, ``850 kr``, ``850,-``. A comma alone is a
    decimal comma (``12,345`` has three decimals and is refused for DKK); a dot followed by
    exactly three digits is Danish thousands grouping (``1.234`` is 1234 kr).

    Raises:
        InvalidInput: with a message that says what was wrong. Negative amounts, zero (unless
            ``allow_zero``), too many decimals and amounts above ``max_major`` are refused.
    """
    if not isinstance(text, str):
        raise InvalidInput("amount: expected text")
    original = text
    s = text.strip().replace("\u00a0", " ").replace("\u202f", " ")
    if not s:
        raise InvalidInput("amount is empty")
    s = _CURRENCY_WORDS.sub("", s).strip()
    s = _CURRENCY_WORDS.sub("", s).strip()
    s = _WHOLE_DASH.sub("", s)
    if s.startswith(("-", "−")):
        raise InvalidInput(f"amount must not be negative: {original.strip()!r}")
    if s.startswith("+"):
        s = s[1:]
    if not s or not re.fullmatch(r"[0-9.,' ]+", s) or not s[0].isdigit() or not s[-1].isdigit():
        raise InvalidInput(f"not an amount: {original.strip()!r} (write e.g. 850 or 1.234,50)")

    integer, fraction = _split(s, original.strip())
    digits = minor_digits(currency)
    scale: int = 10**digits
    if len(fraction) > digits:
        raise InvalidInput(f"too many decimals in {original.strip()!r}: {currency} has {digits}")
    if len(integer.lstrip("0")) > len(str(max_major)):
        raise InvalidInput(f"amount is too large: {original.strip()!r}")
    minor = int(integer or "0") * scale + int((fraction or "0").ljust(digits, "0") or "0")
    if minor > max_major * scale:
        raise InvalidInput(
            f"amount is too large: {original.strip()!r} (at most "
            f"{format_money(max_major * scale, currency)})"
        )
    if minor == 0 and not allow_zero:
        raise InvalidInput("amount must be more than zero")
    return minor


def _split(s: str, shown: str) -> tuple[str, str]:
    """Split normalised amount text into integer digits and fraction digits."""
    bad = InvalidInput(f"not an amount: {shown!r} (write e.g. 850 or 1.234,50)")
    if " " in s or "'" in s:
        # Spaces/apostrophes only ever group thousands: "1 234,50", "1'234.50".
        m = re.fullmatch(r"(\d{1,3}(?:[ ']\d{3})+)(?:[.,](\d+))?", s)
        if not m:
            raise bad
        return re.sub(r"[ ']", "", m.group(1)), m.group(2) or ""
    has_dot, has_comma = "." in s, "," in s
    if has_dot and has_comma:
        dec = "." if s.rfind(".") > s.rfind(",") else ","
        grp = "," if dec == "." else "."
        head, _, tail = s.rpartition(dec)
        if dec in head or not tail.isdigit():
            raise bad
        if not re.fullmatch(rf"\d{{1,3}}(?:{re.escape(grp)}\d{{3}})+", head):
            raise bad
        return head.replace(grp, ""), tail
    if has_comma:
        if s.count(",") == 1:
            head, _, tail = s.partition(",")
            if not head.isdigit() or not tail.isdigit():
                raise bad
            return head, tail
        # Several commas can only be English thousands grouping: 1,234,567.
        if not re.fullmatch(r"\d{1,3}(?:,\d{3})+", s):
            raise bad
        return s.replace(",", ""), ""
    if has_dot:
        if s.count(".") == 1:
            head, _, tail = s.partition(".")
            if not head.isdigit() or not tail.isdigit():
                raise bad
            if len(tail) == 3 and len(head) <= 3:
                # Danish thousands: "1.234" is one thousand two hundred and thirty-four.
                return head + tail, ""
            return head, tail
        if not re.fullmatch(r"\d{1,3}(?:\.\d{3})+", s):
            raise bad
        return s.replace(".", ""), ""
    return s, ""


# --- Danish cash rounding ----------------------------------------------------------------------


def cash_round(minor: int, currency: str = "DKK") -> int:
    """Round a cash total to the smallest coin (0,50 kr for DKK), half up.

    …,01–…,24 goes down to …,00; …,25–…,74 to …,50; …,75–…,99 up to the next krone.
    Currencies without a rule are returned unchanged.
    """
    unit = CASH_UNIT_MINOR.get(currency)
    if not unit:
        return minor
    sign = -1 if minor < 0 else 1
    q, r = divmod(abs(minor), unit)
    if r * 2 >= unit:
        q += 1
    return sign * q * unit


def cash_unit(currency: str) -> int:
    """The smallest amount cash can be handed over in (1 when there is no rule)."""
    return CASH_UNIT_MINOR.get(currency, 1)


@dataclass(frozen=True, slots=True)
class CashSettlement:
    """What happens at the till when ``amount_minor`` is paid in cash.

    Attributes:
        amount_minor: the exact amount that settles invoices (and credit).
        cash_total_minor: what the student hands over net, rounded to the smallest coin.
        rounding_minor: ``cash_total - amount`` (positive: the school received a little more).
        tendered_minor: what was handed over (equals the cash total when not given).
        change_minor: what goes back to the student.
    """

    amount_minor: int
    cash_total_minor: int
    rounding_minor: int
    tendered_minor: int
    change_minor: int


def settle_cash(
    amount_minor: int, tendered_minor: int | None, currency: str = "DKK"
) -> CashSettlement:
    """Work out the cash total, rounding and change for a cash payment.

    Raises:
        InvalidInput: when the tendered amount is less than the cash total or is not a
            multiple of the smallest coin.
    """
    total = cash_round(amount_minor, currency)
    if tendered_minor is None:
        tendered_minor = total
    unit = cash_unit(currency)
    if tendered_minor % unit:
        raise InvalidInput(
            f"cash handed over must be a multiple of {format_money(unit, currency)}: "
            f"{format_money(tendered_minor, currency)}"
        )
    if tendered_minor < total:
        raise InvalidInput(
            f"tendered {format_money(tendered_minor, currency)} is less than the cash total "
            f"{format_money(total, currency)}"
        )
    return CashSettlement(
        amount_minor=amount_minor,
        cash_total_minor=total,
        rounding_minor=total - amount_minor,
        tendered_minor=tendered_minor,
        change_minor=tendered_minor - total,
    )
