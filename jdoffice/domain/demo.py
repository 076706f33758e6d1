"""Demo data: a driving school, its students, their invoices and their payments.

Everything here is pure and deterministic. The same ``(index, seed, today)`` always gives the
same bundle, and bundle ``i`` is drawn from its own random stream, so a caller can generate
students 5000-5999 alone (one chunk, one worker process) and get exactly that slice of a full
run. The global :mod:`random` state is never used.

Numbering (fixed width, so text order is creation order):

* student numbers are ``S`` + the 1-based index in 7 digits: ``S0000001`` ... ``S9999999``;
* invoice numbers are ``F`` + the same 7 digits + ``-`` + the invoice's 1-based position for
  that student: ``F0000001-1``, ``F0000001-2``. They are unique across the school without a
  shared counter, so chunks never have to agree on one;
* phone numbers come from a seeded bijection of the index onto 26 Danish mobile number series
  (26 million numbers), so they are unique in any set up to that size;
* e-mail addresses end in the 1-based index, so they are unique as well. Only reserved
  ``example.*`` domains are used.

The first students are always the same people in the same situations, so a demonstration can
rely on them (see :data:`WELL_KNOWN`): index 0 is Søren Jensen with one open invoice of
850,25 kr (the cash-rounding example), index 1 Åse Ærø (found by a search for ``aero``), ...

Payments are listed in the order they were made. Each pays the student's oldest-due open
invoices first and names them in ``invoice_nos``; only a student's last payment can be larger
than what was still owed, and the excess is a credit. Registering the payments one after the
other through the ordinary oldest-due-first allocation therefore gives exactly
:attr:`DemoBundle.allocations`, and a bulk loader can insert those allocations directly.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import math
import random
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final, TypeVar
from zoneinfo import ZoneInfo

from jdoffice.domain.errors import InvalidInput

UTC = dt.UTC

#: The school's time zone; "today", issue days and due dates are local days there.
TIMEZONE: Final = "Europe/Copenhagen"

#: Student indices run from 0 to ``MAX_STUDENTS - 1`` (7-digit student numbers).
MAX_STUDENTS: Final = 9_999_999

#: How far back invoices go: about 18 months before ``today``.
HISTORY_DAYS: Final = 540

#: Usual payment terms: an invoice is due this many days after it was issued.
PAYMENT_TERMS_DAYS: Final = 14

_TZ: Final = ZoneInfo(TIMEZONE)


# --- records ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DemoSchool:
    slug: str
    name: str
    address: str
    cvr: str
    phone: str
    email: str
    currency: str = "DKK"
    timezone: str = TIMEZONE


@dataclass(frozen=True, slots=True)
class DemoStudent:
    student_no: str
    first_name: str
    last_name: str
    phone: str  # "+45 XX XX XX XX", or "" when the student gave none
    email: str  # "" when the student gave none
    created_at: dt.datetime  # UTC


@dataclass(frozen=True, slots=True)
class DemoInvoice:
    student_no: str
    invoice_no: str
    text: str
    amount_minor: int
    due_date: dt.date  # the school's local day
    issued_at: dt.datetime  # UTC
    cancelled: bool


@dataclass(frozen=True, slots=True)
class DemoPayment:
    student_no: str
    method: str  # "cash" | "bank" | "mobilepay"
    amount_minor: int
    paid_at: dt.datetime  # UTC
    invoice_nos: tuple[str, ...]  # the invoices it pays, oldest due first


@dataclass(frozen=True, slots=True)
class DemoAllocation:
    """Part of ``payments[payment_index]`` applied to one invoice."""

    payment_index: int
    invoice_no: str
    amount_minor: int


@dataclass(frozen=True, slots=True)
class DemoBundle:
    """One student with everything that belongs to them, in the order it happened."""

    student: DemoStudent
    invoices: tuple[DemoInvoice, ...]  # by issue time, which is also oldest due first
    payments: tuple[DemoPayment, ...]  # by paid_at
    allocations: tuple[DemoAllocation, ...]  # oldest due first, payment by payment

    def paid_by_invoice(self) -> dict[str, int]:
        """What the payments settled on each invoice (0 for unpaid and cancelled ones)."""
        paid = {inv.invoice_no: 0 for inv in self.invoices}
        for a in self.allocations:
            paid[a.invoice_no] += a.amount_minor
        return paid

    @property
    def credit_minor(self) -> int:
        """What was paid beyond the invoices: the student's credit."""
        paid = sum(p.amount_minor for p in self.payments)
        return paid - sum(a.amount_minor for a in self.allocations)


# --- catalogue and names ---------------------------------------------------------------------

#: Items a driving school invoices, with prices in øre. Some carry øre (850,25, 587,80,
#: 1.645,75) so Danish cash rounding shows up on the desk and in the day report.
CATALOGUE: Final[tuple[tuple[str, int], ...]] = (
    ("Kørekortpakke B – komplet", 1_649_500),
    ("Lektionspakke 10 × 45 min", 650_000),
    ("Teoriundervisning (29 lektioner)", 245_000),
    ("Køretime 45 min", 55_000),
    ("Dobbeltlektion 2 × 45 min", 110_000),
    ("Ekstra køretime", 58_780),
    ("Manøvrebane", 145_000),
    ("Køreteknisk anlæg (glatbane)", 229_500),
    ("Førstehjælpskursus", 85_025),
    ("Teoriprøve – gebyr", 29_000),
    ("Køreprøve – gebyr", 62_000),
    ("Undervisningsmateriale / lærebog", 39_950),
    ("Omprøve teoriprøve – gebyr", 29_000),
    ("Omprøve køreprøve", 164_575),
)
_PRICE: Final = dict(CATALOGUE)

# What a student's first invoice is (weight), and what follows it (weight).
_FIRST_ITEMS: Final = (
    ("Lektionspakke 10 × 45 min", 45),
    ("Teoriundervisning (29 lektioner)", 35),
    ("Kørekortpakke B – komplet", 20),
)
_LATER_ITEMS: Final = (
    ("Køretime 45 min", 14),
    ("Ekstra køretime", 14),
    ("Dobbeltlektion 2 × 45 min", 6),
    ("Lektionspakke 10 × 45 min", 6),
    ("Manøvrebane", 8),
    ("Køreteknisk anlæg (glatbane)", 8),
    ("Førstehjælpskursus", 8),
    ("Teoriprøve – gebyr", 10),
    ("Køreprøve – gebyr", 10),
    ("Undervisningsmateriale / lærebog", 6),
    ("Omprøve teoriprøve – gebyr", 3),
    ("Omprøve køreprøve", 3),
)

FIRST_NAMES: Final[tuple[str, ...]] = (
    # women
    "Mette", "Sofie", "Frederikke", "Åse", "Anne", "Ida", "Emma", "Freja", "Clara", "Laura",
    "Maja", "Alma", "Ella", "Karla", "Josefine", "Sara", "Julie", "Cecilie", "Camilla", "Line",
    "Louise", "Mathilde", "Nanna", "Signe", "Astrid", "Ingrid", "Birgitte", "Kirsten", "Hanne",
    "Lærke", "Bodil", "Dorthe", "Solvej", "Agnete", "Marie", "Helle", "Tove", "Liv", "Malou",
    "Anne Sofie", "Ida Marie", "Anna Kathrine",
    # men
    "Søren", "Bjørn", "Jørgen", "Mikkel", "Mads", "Frederik", "Rasmus", "Anders", "Jens",
    "Lars", "Niels", "Peter", "Morten", "Kasper", "Jesper", "Thomas", "Martin", "Christian",
    "Henrik", "Oliver", "William", "Noah", "Lucas", "Emil", "Magnus", "Victor", "Malthe",
    "Oscar", "Aksel", "Villads", "Asger", "Troels", "Ærling", "Øjvind", "Åge", "Kåre", "Torben",
    "Jonas", "Tobias", "Valdemar", "Karl Emil", "Mads Peter", "Hans Christian",
)  # fmt: skip

# Surnames with a rough weight per thousand Danes, so Jensen and Nielsen dominate as they do.
_LAST_NAMES: Final = (
    ("Nielsen", 45), ("Jensen", 45), ("Hansen", 38), ("Pedersen", 30), ("Andersen", 30),
    ("Christensen", 20), ("Larsen", 20), ("Sørensen", 19), ("Rasmussen", 16),
    ("Jørgensen", 15), ("Petersen", 14), ("Madsen", 11), ("Kristensen", 11), ("Olsen", 9),
    ("Thomsen", 7), ("Christiansen", 7), ("Poulsen", 6), ("Johansen", 6), ("Møller", 6),
    ("Mortensen", 6), ("Knudsen", 4), ("Jakobsen", 4), ("Mikkelsen", 4), ("Frederiksen", 3),
    ("Laursen", 3), ("Henriksen", 3), ("Lund", 3), ("Schmidt", 3), ("Eriksen", 3), ("Holm", 3),
    ("Kristiansen", 2), ("Clausen", 2), ("Simonsen", 2), ("Svendsen", 2), ("Andreasen", 2),
    ("Iversen", 2), ("Østergaard", 2), ("Jeppesen", 2), ("Vestergaard", 2), ("Nissen", 2),
    ("Lauridsen", 2), ("Kjær", 2), ("Jespersen", 2), ("Mogensen", 2), ("Nørgaard", 2),
    ("Jepsen", 2), ("Frandsen", 2), ("Søndergaard", 2), ("Bach", 1), ("Kjeldsen", 1),
    ("Bøgh", 1), ("Lindstrøm", 1), ("Ågesen", 1), ("Ærø", 1), ("Ærø-Hansen", 1),
    ("Dalsgård", 1), ("Bækgaard", 1), ("Fæster", 1), ("Højgaard", 1), ("Skovgård", 1),
    ("Lykke", 1), ("Brøndum", 1), ("Krogh", 1), ("Damgaard", 1), ("Friis", 1),
    ("Gregersen", 1), ("Thygesen", 1),
)  # fmt: skip
LAST_NAMES: Final[tuple[str, ...]] = tuple(name for name, _ in _LAST_NAMES)

#: The students at indices 0, 1, 2, ... of every demo set, whatever the seed. Their
#: situations relative to ``today``: Søren Jensen owes 850,25 kr, not yet due (cash rounding);
#: Åse Ærø has a paid, an overdue and an open invoice; Bjørn Østergaard has paid part of his
#: lesson package; Frederikke Ågesen has paid everything; Mikkel Møller has a credit of
#: 550,00 kr; Mette Ærø-Hansen has a cancelled invoice and a paid one.
WELL_KNOWN: Final[tuple[tuple[str, str], ...]] = (
    ("Søren", "Jensen"),
    ("Åse", "Ærø"),
    ("Bjørn", "Østergaard"),
    ("Frederikke", "Ågesen"),
    ("Mikkel", "Møller"),
    ("Mette", "Ærø-Hansen"),
)

# (days before today the student came, invoices as (item, days before today, cancelled),
#  payments as (method, amount, days after the last invoice it pays)).
_WELL_KNOWN_PLANS: Final[
    tuple[tuple[int, tuple[tuple[str, int, bool], ...], tuple[tuple[str, int, int], ...]], ...]
] = (
    (3, (("Førstehjælpskursus", 3, False),), ()),
    (
        60,
        (
            ("Teoriundervisning (29 lektioner)", 60, False),
            ("Lektionspakke 10 × 45 min", 35, False),
            ("Køretime 45 min", 2, False),
        ),
        (("bank", 245_000, 4),),
    ),
    (10, (("Lektionspakke 10 × 45 min", 9, False),), (("mobilepay", 200_000, 0),)),
    (
        70,
        (("Teoriundervisning (29 lektioner)", 70, False), ("Teoriprøve – gebyr", 20, False)),
        (("bank", 245_000, 6), ("mobilepay", 29_000, 1)),
    ),
    (25, (("Køreprøve – gebyr", 25, False),), (("mobilepay", 117_000, 3),)),
    (
        50,
        (("Lektionspakke 10 × 45 min", 50, True), ("Kørekortpakke B – komplet", 49, False)),
        (("bank", 1_649_500, 5),),
    ),
)

_METHODS: Final = (("cash", 35), ("bank", 40), ("mobilepay", 25))
_INVOICE_COUNTS: Final = ((1, 15), (2, 25), (3, 25), (4, 18), (5, 10), (6, 7))  # mean 3.04
_EMAIL_DOMAINS: Final = (
    ("example.dk", 40),
    ("example.com", 20),
    ("example.net", 15),
    ("example.org", 10),
    ("mail.example.dk", 10),
    ("post.example.dk", 5),
)
# Extra paid by the students who end with a credit: a lesson paid before it was invoiced,
# a round amount, a fee paid twice.
_CREDIT_EXTRAS: Final = (55_000, 58_780, 10_000, 50_000, 100_000, 29_000, 62_000)

# Danish mobile number series (first two digits); each holds a million numbers.
_MOBILE_SERIES: Final = (
    *range(20, 32), 40, 41, 42, 50, 51, 52, 53, 60, 61, 71, 81, 91, 92, 93,
)  # fmt: skip
_PHONE_SPACE: Final = len(_MOBILE_SERIES) * 1_000_000

_SCHOOL_NAMES: Final = (
    "Køreskolen Ærøbanen",
    "Jensens Køreskole",
    "Østergaards Køreskole ApS",
    "Bøgh & Søn Køreskole",
    "Køreskolen Grønningen",
    "Ålholm Trafikskole",
)
# (street, postal code and town, the town's landline series)
_SCHOOL_PLACES: Final = (
    ("Vestergade", "1456 København K", 33),
    ("Søndergade", "8000 Aarhus C", 86),
    ("Overgade", "5000 Odense C", 66),
    ("Algade", "9000 Aalborg", 98),
    ("Skomagergade", "4000 Roskilde", 46),
    ("Jernbanegade", "6000 Kolding", 75),
    ("Kongensgade", "6700 Esbjerg", 75),
    ("Ringstedgade", "4700 Næstved", 55),
)

_OFFICE_OPENS: Final = 8 * 3600
_OFFICE_CLOSES: Final = 17 * 3600
_DAY: Final = 86_400


def _cumulative(weights: Sequence[tuple[object, int]]) -> tuple[int, ...]:
    out: list[int] = []
    total = 0
    for _, w in weights:
        total += w
        out.append(total)
    return tuple(out)


_FIRST_ITEMS_CUM: Final = _cumulative(_FIRST_ITEMS)
_LATER_ITEMS_CUM: Final = _cumulative(_LATER_ITEMS)
_LAST_NAMES_CUM: Final = _cumulative(_LAST_NAMES)
_METHODS_CUM: Final = _cumulative(_METHODS)
_INVOICE_COUNTS_CUM: Final = _cumulative(_INVOICE_COUNTS)
_EMAIL_DOMAINS_CUM: Final = _cumulative(_EMAIL_DOMAINS)


_T = TypeVar("_T")


def _pick(rng: random.Random, weighted: Sequence[tuple[_T, int]], cum: Sequence[int]) -> _T:
    return weighted[bisect.bisect_right(cum, rng.random() * cum[-1])][0]


# --- small public helpers --------------------------------------------------------------------


def student_no(index: int) -> str:
    """The student number of the student at ``index`` (0-based): ``S`` + 7 digits."""
    _check_range(index, 1)
    return f"S{index + 1:07d}"


def invoice_no(index: int, position: int) -> str:
    """The number of the student's ``position``-th invoice (1-based): ``F0000001-1``."""
    _check_range(index, 1)
    if not 1 <= position <= 9:
        raise InvalidInput(f"invoice position must be 1-9, not {position}")
    return f"F{index + 1:07d}-{position}"


_FOLD: Final = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa"})


def ascii_fold(text: str) -> str:
    """Lower-case ASCII spelling of a Danish name: ``Ærø-Hansen`` → ``aeroe-hansen``."""
    folded = text.lower().translate(_FOLD)
    if folded.isascii():
        return folded
    decomposed = unicodedata.normalize("NFKD", folded)
    return decomposed.encode("ascii", "ignore").decode("ascii")


def _check_range(start: int, count: int) -> None:
    if count < 0:
        raise InvalidInput(f"count must not be negative, not {count}")
    if start < 0 or start + count > MAX_STUDENTS:
        raise InvalidInput(f"student indices must lie in 0..{MAX_STUDENTS - 1}")


# --- the school ------------------------------------------------------------------------------


def demo_school(seed: int = 1) -> DemoSchool:
    """A fictitious driving school with a Danish address, a valid-looking CVR and contacts."""
    rng = _seeded(f"jdoffice-demo-school:{seed}")
    name = rng.choice(_SCHOOL_NAMES)
    street, town, area = rng.choice(_SCHOOL_PLACES)
    slug = "-".join("".join(c if c.isalnum() else " " for c in ascii_fold(name)).split())
    return DemoSchool(
        slug=slug,
        name=name,
        address=f"{street} {rng.randint(1, 80)}, {town}",
        cvr=_cvr(rng),
        phone=f"+45 {area} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
        email=f"kontor@{slug}.example.dk",
    )


def _cvr(rng: random.Random) -> str:
    """Eight digits that pass the CVR modulus-11 check (weights 2,7,6,5,4,3,2,1)."""
    weights = (2, 7, 6, 5, 4, 3, 2)
    while True:
        digits = [rng.randint(1, 9), *(rng.randint(0, 9) for _ in range(6))]
        check = -sum(w * d for w, d in zip(weights, digits, strict=True)) % 11
        if check < 10:
            return "".join(map(str, digits)) + str(check)


# --- students, invoices, payments ------------------------------------------------------------


def iter_bundles(count: int, seed: int, today: dt.date, *, start: int = 0) -> Iterator[DemoBundle]:
    """Bundles for the students at indices ``start`` .. ``start + count - 1``, lazily.

    A bundle depends only on its own index, so ``iter_bundles(1000, s, d, start=5000)`` yields
    exactly the bundles a full run yields at positions 5000-5999.
    """
    _check_range(start, count)
    return (student_bundle(index, seed, today) for index in range(start, start + count))


def iter_bundle_chunks(
    count: int, seed: int, today: dt.date, *, chunk_size: int = 5000, start: int = 0
) -> Iterator[list[DemoBundle]]:
    """Like :func:`iter_bundles`, in lists of ``chunk_size`` (the last may be shorter)."""
    if chunk_size < 1:
        raise InvalidInput(f"chunk size must be at least 1, not {chunk_size}")
    _check_range(start, count)
    end = start + count
    return (
        [student_bundle(i, seed, today) for i in range(first, min(first + chunk_size, end))]
        for first in range(start, end, chunk_size)
    )


def iter_students(
    count: int, seed: int, today: dt.date, *, start: int = 0
) -> Iterator[DemoStudent]:
    """The students of :func:`iter_bundles` alone (identical records, cheaper to make)."""
    _check_range(start, count)
    yesterday = today.toordinal() - 1
    return (
        _student(index, seed, yesterday, _rng(seed, index))[0]
        for index in range(start, start + count)
    )


def student_bundle(index: int, seed: int, today: dt.date) -> DemoBundle:
    """The student at ``index`` with their invoices and payments, as of ``today``.

    Invoices are issued on the 18 months of days before ``today``, payments are made before
    ``today`` and never before the invoices they pay.
    """
    _check_range(index, 1)
    rng = _rng(seed, index)
    yesterday = today.toordinal() - 1
    student, created_t = _student(index, seed, yesterday, rng)
    if index < len(_WELL_KNOWN_PLANS):
        issues, payments = _well_known_plan(index, rng, today.toordinal(), created_t)
    else:
        issues, payments = _random_plan(rng, today.toordinal(), created_t)
    return _assemble(index, rng, student, issues, payments, yesterday)


def _rng(seed: int, index: int) -> random.Random:
    return _seeded(f"jdoffice-demo:{seed}:{index}")


def _seeded(key: str) -> random.Random:
    # Demo data must be reproducible, not secret, so a seeded Mersenne Twister is right here.
    # A text seed goes through SHA-512: neighbouring indices and seeds give unrelated streams,
    # and negative seeds stay distinct from positive ones (an int seed uses its absolute value).
    return random.Random(key)  # noqa: S311


def _student(index: int, seed: int, yesterday: int, rng: random.Random) -> tuple[DemoStudent, int]:
    """The student record and the local time (seconds on the day-ordinal scale) they came."""
    r = rng.random
    if index < len(WELL_KNOWN):
        first, last = WELL_KNOWN[index]
        age = _WELL_KNOWN_PLANS[index][0] - 1
        has_phone = has_email = True
    else:
        first = FIRST_NAMES[int(r() * len(FIRST_NAMES))]
        last = _pick(rng, _LAST_NAMES, _LAST_NAMES_CUM)
        if r() < 0.04:
            other = _pick(rng, _LAST_NAMES, _LAST_NAMES_CUM)
            if other != last and "-" not in last + other:
                last = f"{last}-{other}"
        # Squaring favours recent students: most of a school's active students came lately.
        age = int((HISTORY_DAYS - 1) * r() ** 2)
        has_phone = r() >= 0.03
        has_email = r() >= 0.05
    created_t = (yesterday - age) * _DAY + _OFFICE_OPENS + int(r() * 7 * 3600)
    phone = _phone(index, seed) if has_phone else ""
    email = _email(index, first, last, rng, well_known=index < len(WELL_KNOWN)) if has_email else ""
    student = DemoStudent(
        student_no=student_no(index),
        first_name=first,
        last_name=last,
        phone=phone,
        email=email,
        created_at=_to_utc(created_t),
    )
    return student, created_t


@functools.lru_cache(maxsize=64)
def _phone_permutation(seed: int) -> tuple[int, int]:
    rng = _seeded(f"jdoffice-demo-phones:{seed}")
    while True:
        multiplier = rng.randrange(_PHONE_SPACE // 4, 3 * _PHONE_SPACE // 4)
        if math.gcd(multiplier, _PHONE_SPACE) == 1:
            return multiplier, rng.randrange(_PHONE_SPACE)


def _phone(index: int, seed: int) -> str:
    # n -> a*n + b (mod N) with gcd(a, N) = 1 is a bijection on 0..N-1: no two students of one
    # seed share a number, and the numbers still look scattered.
    multiplier, shift = _phone_permutation(seed)
    series, rest = divmod((multiplier * index + shift) % _PHONE_SPACE, 1_000_000)
    a, b = divmod(rest, 10_000)
    b, c = divmod(b, 100)
    return f"+45 {_MOBILE_SERIES[series]} {a:02d} {b:02d} {c:02d}"


def _email(index: int, first: str, last: str, rng: random.Random, *, well_known: bool) -> str:
    # The local part always ends in the 1-based index after a letter, which makes it unique.
    f = ascii_fold(first).replace(" ", "")
    surname = ascii_fold(last).replace(" ", "")
    if well_known:  # the predictable ``soeren.jensen1@example.dk`` a demonstration can type
        return f"{f}.{surname}{index + 1}@example.dk"
    style = rng.random()
    if style < 0.5:
        local = f"{f}.{surname}"
    elif style < 0.65:
        local = f"{f}{surname}"
    elif style < 0.75:
        local = f"{f[0]}{surname}"
    elif style < 0.8:
        local = f"{f}_{surname}"
    else:
        local = f
    return f"{local}{index + 1}@{_pick(rng, _EMAIL_DOMAINS, _EMAIL_DOMAINS_CUM)}"


# An invoice to issue: (text, amount, local issue time in seconds, due day ordinal, cancelled).
_Issue = tuple[str, int, int, int, bool]
# A payment to make: (method, amount, days it waits after what it pays was issued).
_Pay = tuple[str, int, int]


def _well_known_plan(
    index: int, rng: random.Random, today: int, created_t: int
) -> tuple[list[_Issue], list[_Pay]]:
    _, invoices, payments = _WELL_KNOWN_PLANS[index]
    issues: list[_Issue] = []
    prev_t = created_t
    for text, days_ago, cancelled in invoices:
        day_t = (today - days_ago) * _DAY
        t = max(day_t + _OFFICE_OPENS + int(rng.random() * 6 * 3600), prev_t + 120)
        due = today - days_ago + PAYMENT_TERMS_DAYS
        issues.append((text, _PRICE[text], t, due, cancelled))
        prev_t = t
    return issues, list(payments)


def _random_plan(rng: random.Random, today: int, created_t: int) -> tuple[list[_Issue], list[_Pay]]:
    r = rng.random
    yesterday = today - 1
    count = _pick(rng, _INVOICE_COUNTS, _INVOICE_COUNTS_CUM)
    created_day = created_t // _DAY
    # Later invoices fall on random days of a course lasting up to eight months.
    span = min(yesterday - created_day, 240) + 1
    days = sorted(created_day + int(r() * span) for _ in range(count - 1))

    issues: list[_Issue] = []
    t = created_t + 60 + int(r() * 1800)
    prev_due = 0
    for k in range(count):
        if k == 0:
            text = _pick(rng, _FIRST_ITEMS, _FIRST_ITEMS_CUM)
        else:
            text = _pick(rng, _LATER_ITEMS, _LATER_ITEMS_CUM)
            later = days[k - 1] * _DAY + _OFFICE_OPENS + 1800 + int(r() * 6 * 3600)
            t = max(later, t + 60 + int(r() * 1800))
        terms = r()
        term_days = PAYMENT_TERMS_DAYS if terms < 0.85 else 30 if terms < 0.95 else 8
        # Due dates never go backwards, so issue order is also oldest-due-first order.
        due = max(t // _DAY + term_days, prev_due)
        prev_due = due
        issues.append((text, _PRICE[text], t, due, r() < 0.03))
    if all(cancelled for *_, cancelled in issues):
        text, amount, t, due, _ = issues[-1]
        issues[-1] = (text, amount, t, due, False)

    owed = [(amount, due) for _, amount, _, due, cancelled in issues if not cancelled]
    past_due = sum(1 for _, due in owed if due < today)
    partial = 0
    extra = 0
    scenario = r()
    if scenario < 0.05:  # paid everything and a bit more: a credit
        settled = len(owed)
        extra = _CREDIT_EXTRAS[int(r() * len(_CREDIT_EXTRAS))]
    elif scenario < 0.17:  # behind: at least one invoice is overdue (when any is due yet)
        settled = int(r() * past_due)
    elif scenario < 0.32:  # paid part of one invoice
        settled = int(r() * len(owed))
        amount = owed[settled][0]
        partial = int(amount * (0.2 + 0.6 * r())) // 10_000 * 10_000
        if not 0 < partial < amount:
            partial = amount // 2
    else:  # up to date: everything due is paid, sometimes the next ones early
        settled = past_due + int(r() * (len(owed) - past_due + 1))

    payments: list[_Pay] = []
    k = 0
    while k < settled:
        size = 1 if r() < 0.7 else 2 if r() < 0.67 else 3
        group = owed[k : min(k + size, settled)]
        payments.append((_method(rng), sum(a for a, _ in group), _delay(rng)))
        k += len(group)
    if partial:
        if payments and r() < 0.3:
            method, amount, delay = payments[-1]
            payments[-1] = (method, amount + partial, delay)
        else:
            payments.append((_method(rng), partial, _delay(rng)))
    if extra:
        method, amount, delay = payments[-1]
        payments[-1] = (method, amount + extra, delay)
    return issues, payments


def _method(rng: random.Random) -> str:
    return _pick(rng, _METHODS, _METHODS_CUM)


def _delay(rng: random.Random) -> int:
    """Days between an invoice and its payment: often at once, mostly within the terms."""
    r = rng.random()
    if r < 0.3:
        return 0
    if r < 0.8:
        return 1 + int(rng.random() * 13)
    return 14 + int(rng.random() * 32)


def _assemble(
    index: int,
    rng: random.Random,
    student: DemoStudent,
    issues: list[_Issue],
    plan: list[_Pay],
    yesterday: int,
) -> DemoBundle:
    sno = student.student_no
    invoices = tuple(
        DemoInvoice(
            student_no=sno,
            invoice_no=invoice_no(index, k),
            text=text,
            amount_minor=amount,
            due_date=dt.date.fromordinal(due),
            issued_at=_to_utc(t),
            cancelled=cancelled,
        )
        for k, (text, amount, t, due, cancelled) in enumerate(issues, start=1)
    )
    # Outstanding invoices, oldest due first: (position in ``invoices``, amount still owed).
    open_ = [[k, inv.amount_minor] for k, inv in enumerate(invoices) if not inv.cancelled]
    cursor = 0
    prev_t = 0
    payments: list[DemoPayment] = []
    allocations: list[DemoAllocation] = []
    for p, (method, amount, delay) in enumerate(plan):
        left = amount
        paid: list[str] = []
        last_issue_t = 0
        while left and cursor < len(open_):
            k, owed = open_[cursor]
            take = min(left, owed)
            left -= take
            open_[cursor][1] = owed - take
            if owed == take:
                cursor += 1
            paid.append(invoices[k].invoice_no)
            allocations.append(DemoAllocation(p, invoices[k].invoice_no, take))
            last_issue_t = issues[k][2]
        t = _payment_time(rng, max(last_issue_t + 300, prev_t + 60), delay, yesterday)
        prev_t = t
        payments.append(DemoPayment(sno, method, amount, _to_utc(t), tuple(paid)))
    return DemoBundle(student, invoices, tuple(payments), tuple(allocations))


def _payment_time(rng: random.Random, earliest: int, delay: int, yesterday: int) -> int:
    first_day, first_sec = divmod(earliest, _DAY)
    day = min(first_day + delay, yesterday)
    if day <= first_day:
        # Same day as what it pays: later that day, in office hours when there are any left.
        latest = max(first_sec, _OFFICE_CLOSES)
        return first_day * _DAY + first_sec + int(rng.random() * (latest - first_sec))
    return day * _DAY + _OFFICE_OPENS + int(rng.random() * (_OFFICE_CLOSES - _OFFICE_OPENS))


_EPOCH: Final = dt.datetime(1, 1, 1, tzinfo=UTC)  # day ordinal 1


@functools.lru_cache(maxsize=4096)
def _utc_midnight(day: int) -> dt.datetime:
    """The UTC instant of local 00:00 on day ``day``, by the offset in force at noon.

    The noon offset is right for every time this module makes (08:00 or later): Danish
    clocks change at 02:00/03:00.
    """
    noon = dt.datetime.combine(dt.date.fromordinal(day), dt.time(12), tzinfo=_TZ)
    offset = noon.utcoffset()
    assert offset is not None
    return _EPOCH + dt.timedelta(days=day - 1) - offset


def _to_utc(t: int) -> dt.datetime:
    day, sec = divmod(t, _DAY)
    return _utc_midnight(day) + dt.timedelta(seconds=sec)
