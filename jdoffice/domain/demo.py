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

This module makes the data and is the one place the rest of jdoffice takes the demo names from.
The records are in :mod:`~jdoffice.domain.demo_records`, the tables they are drawn from
(catalogue, names, methods, places) in :mod:`~jdoffice.domain.demo_catalogue`.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import random
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final
from zoneinfo import ZoneInfo

from jdoffice.domain.demo_catalogue import (
    CATALOGUE,
    CREDIT_EXTRAS,
    EMAIL_DOMAINS,
    EMAIL_DOMAINS_CUM,
    FIRST_ITEMS,
    FIRST_ITEMS_CUM,
    FIRST_NAMES,
    INVOICE_COUNTS,
    INVOICE_COUNTS_CUM,
    LAST_NAME_WEIGHTS,
    LAST_NAME_WEIGHTS_CUM,
    LAST_NAMES,
    LATER_ITEMS,
    LATER_ITEMS_CUM,
    METHODS,
    METHODS_CUM,
    MOBILE_SERIES,
    PHONE_SPACE,
    PRICE,
    SCHOOL_NAMES,
    SCHOOL_PLACES,
    WELL_KNOWN,
    WELL_KNOWN_PLANS,
    pick,
)
from jdoffice.domain.demo_records import (
    TIMEZONE,
    DemoAllocation,
    DemoBundle,
    DemoInvoice,
    DemoPayment,
    DemoSchool,
    DemoStudent,
)
from jdoffice.domain.errors import InvalidInput

__all__ = [
    "CATALOGUE",
    "FIRST_NAMES",
    "HISTORY_DAYS",
    "LAST_NAMES",
    "MAX_STUDENTS",
    "PAYMENT_TERMS_DAYS",
    "TIMEZONE",
    "UTC",
    "WELL_KNOWN",
    "DemoAllocation",
    "DemoBundle",
    "DemoInvoice",
    "DemoPayment",
    "DemoSchool",
    "DemoStudent",
    "ascii_fold",
    "demo_school",
    "invoice_no",
    "iter_bundle_chunks",
    "iter_bundles",
    "iter_students",
    "student_bundle",
    "student_no",
]

UTC = dt.UTC

#: Student indices run from 0 to ``MAX_STUDENTS - 1`` (7-digit student numbers).
MAX_STUDENTS: Final = 9_999_999

#: How far back invoices go: about 18 months before ``today``.
HISTORY_DAYS: Final = 540

#: Usual payment terms: an invoice is due this many days after it was issued.
PAYMENT_TERMS_DAYS: Final = 14

_TZ: Final = ZoneInfo(TIMEZONE)

# Office hours (seconds after local midnight) and the length of a day, in seconds.
_OFFICE_OPENS: Final = 8 * 3600
_OFFICE_CLOSES: Final = 17 * 3600
_DAY: Final = 86_400


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
    name = rng.choice(SCHOOL_NAMES)
    street, town, area = rng.choice(SCHOOL_PLACES)
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
    if index < len(WELL_KNOWN_PLANS):
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
        age = WELL_KNOWN_PLANS[index][0] - 1
        has_phone = has_email = True
    else:
        first = FIRST_NAMES[int(r() * len(FIRST_NAMES))]
        last = pick(rng, LAST_NAME_WEIGHTS, LAST_NAME_WEIGHTS_CUM)
        if r() < 0.04:
            other = pick(rng, LAST_NAME_WEIGHTS, LAST_NAME_WEIGHTS_CUM)
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
        multiplier = rng.randrange(PHONE_SPACE // 4, 3 * PHONE_SPACE // 4)
        if math.gcd(multiplier, PHONE_SPACE) == 1:
            return multiplier, rng.randrange(PHONE_SPACE)


def _phone(index: int, seed: int) -> str:
    # n -> a*n + b (mod N) with gcd(a, N) = 1 is a bijection on 0..N-1: no two students of one
    # seed share a number, and the numbers still look scattered.
    multiplier, shift = _phone_permutation(seed)
    series, rest = divmod((multiplier * index + shift) % PHONE_SPACE, 1_000_000)
    a, b = divmod(rest, 10_000)
    b, c = divmod(b, 100)
    return f"+45 {MOBILE_SERIES[series]} {a:02d} {b:02d} {c:02d}"


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
    return f"{local}{index + 1}@{pick(rng, EMAIL_DOMAINS, EMAIL_DOMAINS_CUM)}"


# An invoice to issue: (text, amount, local issue time in seconds, due day ordinal, cancelled).
_Issue = tuple[str, int, int, int, bool]
# A payment to make: (method, amount, days it waits after what it pays was issued).
_Pay = tuple[str, int, int]


def _well_known_plan(
    index: int, rng: random.Random, today: int, created_t: int
) -> tuple[list[_Issue], list[_Pay]]:
    _, invoices, payments = WELL_KNOWN_PLANS[index]
    issues: list[_Issue] = []
    prev_t = created_t
    for text, days_ago, cancelled in invoices:
        day_t = (today - days_ago) * _DAY
        t = max(day_t + _OFFICE_OPENS + int(rng.random() * 6 * 3600), prev_t + 120)
        due = today - days_ago + PAYMENT_TERMS_DAYS
        issues.append((text, PRICE[text], t, due, cancelled))
        prev_t = t
    return issues, list(payments)


def _random_plan(rng: random.Random, today: int, created_t: int) -> tuple[list[_Issue], list[_Pay]]:
    r = rng.random
    yesterday = today - 1
    count = pick(rng, INVOICE_COUNTS, INVOICE_COUNTS_CUM)
    created_day = created_t // _DAY
    # Later invoices fall on random days of a course lasting up to eight months.
    span = min(yesterday - created_day, 240) + 1
    days = sorted(created_day + int(r() * span) for _ in range(count - 1))

    issues: list[_Issue] = []
    t = created_t + 60 + int(r() * 1800)
    prev_due = 0
    for k in range(count):
        if k == 0:
            text = pick(rng, FIRST_ITEMS, FIRST_ITEMS_CUM)
        else:
            text = pick(rng, LATER_ITEMS, LATER_ITEMS_CUM)
            later = days[k - 1] * _DAY + _OFFICE_OPENS + 1800 + int(r() * 6 * 3600)
            t = max(later, t + 60 + int(r() * 1800))
        terms = r()
        term_days = PAYMENT_TERMS_DAYS if terms < 0.85 else 30 if terms < 0.95 else 8
        # Due dates never go backwards, so issue order is also oldest-due-first order.
        due = max(t // _DAY + term_days, prev_due)
        prev_due = due
        issues.append((text, PRICE[text], t, due, r() < 0.03))
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
        extra = CREDIT_EXTRAS[int(r() * len(CREDIT_EXTRAS))]
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
    return pick(rng, METHODS, METHODS_CUM)


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


@dataclass(frozen=True, slots=True)
class DemoStaff:
    """A staff account of the demo school, with the PIN ``jdoffice --demo`` prints on its
    first run (demo data only: real schools choose their own PINs)."""

    initials: str
    name: str
    role: str
    pin: str


#: The demo school's staff (issue 14): its admin (the first account of a school is its
#: admin), a manager and two receptionists.
DEMO_STAFF: tuple[DemoStaff, ...] = (
    DemoStaff("AD", "Anders Dahl", "admin", "9753"),
    DemoStaff("MH", "Mette Hansen", "manager", "2468"),
    DemoStaff("RB", "Rasmus Berg", "receptionist", "1357"),
    DemoStaff("SL", "Sofie Lund", "receptionist", "8642"),
)
