"""What people type at a desk to find a student, for the search benchmarks.

Name prefixes (with æ, ø, å and their ae/oe/aa spellings), full names (whole, the last name
begun, or an initial and the last name), phone numbers typed in several ways, student
numbers, e-mail addresses and prefixes, and text that matches nobody, drawn from real
students of the seeded demo school.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from jdoffice.domain.demo import (
    FIRST_NAMES,
    LAST_NAMES,
    DemoStudent,
    ascii_fold,
    iter_students,
)

#: Share of each kind of query in the search mix (weights, not percentages).
QUERY_MIX: tuple[tuple[str, int], ...] = (
    ("name prefix", 30),
    ("danish spelling", 10),
    ("full name", 15),
    ("phone", 15),
    ("student no", 10),
    ("e-mail", 10),
    ("no match", 10),
)

_LOOSE = str.maketrans({"æ": "ae", "ø": "o", "å": "a"})
_DANISH = frozenset("æøå")


def sample_students(
    count: int, students: int, seed: int, today: dt.date, rng: random.Random
) -> list[DemoStudent]:
    """Real students of the seeded school (same records the seeding wrote)."""
    indices = rng.sample(range(students), min(count, students))
    return [next(iter_students(1, seed, today, start=i)) for i in indices]


def _spellings(word: str) -> list[str]:
    """How a name word gets typed: as written, with ae/oe/aa, or without the marks."""
    lower = word.lower()
    return list(dict.fromkeys([lower, ascii_fold(lower), lower.translate(_LOOSE)]))


def _name_words(names: Sequence[str]) -> list[str]:
    return [w for name in names for w in name.replace("-", " ").split() if len(w) >= 2]


def _typed_case(text: str, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.6:
        return text
    if r < 0.9:
        return text.capitalize()
    return text.upper()


def _prefix(word: str, rng: random.Random) -> str:
    return word[: rng.randint(2, min(6, len(word)))]


def _phone_typed(phone: str, rng: random.Random) -> str:
    """``+45 21 34 56 78`` as someone reads it off a form or a mobile screen."""
    d = "".join(c for c in phone if c.isdigit())[2:]  # the national eight digits
    forms = (
        phone,
        d,
        f"{d[0:2]} {d[2:4]} {d[4:6]} {d[6:8]}",
        f"+45{d}",
        f"+45 {d}",
        f"0045 {d}",
        f"{d[0:4]} {d[4:8]}",
        f"{d[0:2]}-{d[2:4]}-{d[4:6]}-{d[6:8]}",
        d[:6],  # still typing
        f"{d[0:2]} {d[2:4]} {d[4:6]}",
    )
    return rng.choice(forms)


def _student_no_typed(no: str, rng: random.Random) -> str:
    forms = (no, no.lower(), no[1:], no[:-1])
    return rng.choice(forms)


def _email_typed(email: str, rng: random.Random) -> str:
    local = email.split("@", 1)[0]
    r = rng.random()
    if r < 0.5:
        return email
    if r < 0.75:
        return f"{local}@"
    return local[: rng.randint(min(4, len(local)), len(local))]


def _no_match(students: int, rng: random.Random) -> str:
    forms = (
        "zzq",
        "xyzzy",
        "qwrtp",
        "mette zzz",
        "øøxq",
        "+45 99 12 34 56",  # no Danish mobile series starts with 99
        f"S{min(students + 1 + rng.randrange(1000), 9_999_999):07d}",
        "nobody@example.invalid",
        "jensen qqq",
        "aaaaab",
    )
    return rng.choice(forms)


def build_queries(
    people: Sequence[DemoStudent], students: int, count: int, rng: random.Random
) -> list[tuple[str, str]]:
    """``count`` (kind, text) pairs drawn from :data:`QUERY_MIX`."""
    kinds = [k for k, _ in QUERY_MIX]
    weights = [w for _, w in QUERY_MIX]
    danish_words = [w for w in _name_words([*FIRST_NAMES, *LAST_NAMES]) if _DANISH & set(w.lower())]
    with_phone = [p for p in people if p.phone] or list(people)
    with_email = [p for p in people if p.email] or list(people)
    out: list[tuple[str, str]] = []
    for kind in rng.choices(kinds, weights, k=count):
        if kind == "name prefix":
            p = rng.choice(people)
            word = rng.choice(_name_words([p.first_name, p.last_name]))
            text = _prefix(rng.choice(_spellings(word)), rng)
        elif kind == "danish spelling":
            word = rng.choice(danish_words)
            text = _prefix(rng.choice(_spellings(word)), rng)
        elif kind == "full name":
            p = rng.choice(people)
            first = p.first_name.split()[0]
            last = rng.choice(_spellings(p.last_name))
            r = rng.random()
            if r < 0.6:
                text = f"{first} {last}"
            elif r < 0.85:
                text = f"{first} {_prefix(last, rng)}"
            else:  # an initial and the last name, as staff often type it
                text = f"{first[0]} {last}"
        elif kind == "phone":
            text = _phone_typed(rng.choice(with_phone).phone, rng)
        elif kind == "student no":
            text = _student_no_typed(rng.choice(people).student_no, rng)
        elif kind == "e-mail":
            text = _email_typed(rng.choice(with_email).email, rng)
        else:
            text = _no_match(students, rng)
        if kind in ("name prefix", "danish spelling", "full name"):
            text = _typed_case(text, rng)
        out.append((kind, text))
    return out
