"""The fixed tables demo data is drawn from: what a driving school invoices and at what price,
Danish first names and surnames (weighted as common as they are), the well-known first
students and their situations, payment methods, e-mail domains, mobile number series, school
names and places, and the weighted draw (:func:`pick`) the generator makes from them."""

from __future__ import annotations

import bisect
import random
from collections.abc import Sequence
from typing import Final, TypeVar

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
PRICE: Final = dict(CATALOGUE)

# What a student's first invoice is (weight), and what follows it (weight).
FIRST_ITEMS: Final = (
    ("Lektionspakke 10 × 45 min", 45),
    ("Teoriundervisning (29 lektioner)", 35),
    ("Kørekortpakke B – komplet", 20),
)
LATER_ITEMS: Final = (
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
LAST_NAME_WEIGHTS: Final = (
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
LAST_NAMES: Final[tuple[str, ...]] = tuple(name for name, _ in LAST_NAME_WEIGHTS)

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
WELL_KNOWN_PLANS: Final[
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

METHODS: Final = (("cash", 35), ("bank", 40), ("mobilepay", 25))
INVOICE_COUNTS: Final = ((1, 15), (2, 25), (3, 25), (4, 18), (5, 10), (6, 7))  # mean 3.04
EMAIL_DOMAINS: Final = (
    ("example.dk", 40),
    ("example.com", 20),
    ("example.net", 15),
    ("example.org", 10),
    ("mail.example.dk", 10),
    ("post.example.dk", 5),
)
# Extra paid by the students who end with a credit: a lesson paid before it was invoiced,
# a round amount, a fee paid twice.
CREDIT_EXTRAS: Final = (55_000, 58_780, 10_000, 50_000, 100_000, 29_000, 62_000)

# Danish mobile number series (first two digits); each holds a million numbers.
MOBILE_SERIES: Final = (
    *range(20, 32), 40, 41, 42, 50, 51, 52, 53, 60, 61, 71, 81, 91, 92, 93,
)  # fmt: skip
PHONE_SPACE: Final = len(MOBILE_SERIES) * 1_000_000

SCHOOL_NAMES: Final = (
    "Køreskolen Ærøbanen",
    "Jensens Køreskole",
    "Østergaards Køreskole ApS",
    "Bøgh & Søn Køreskole",
    "Køreskolen Grønningen",
    "Ålholm Trafikskole",
)
# (street, postal code and town, the town's landline series)
SCHOOL_PLACES: Final = (
    ("Vestergade", "1456 København K", 33),
    ("Søndergade", "8000 Aarhus C", 86),
    ("Overgade", "5000 Odense C", 66),
    ("Algade", "9000 Aalborg", 98),
    ("Skomagergade", "4000 Roskilde", 46),
    ("Jernbanegade", "6000 Kolding", 75),
    ("Kongensgade", "6700 Esbjerg", 75),
    ("Ringstedgade", "4700 Næstved", 55),
)


def _cumulative(weights: Sequence[tuple[object, int]]) -> tuple[int, ...]:
    out: list[int] = []
    total = 0
    for _, w in weights:
        total += w
        out.append(total)
    return tuple(out)


FIRST_ITEMS_CUM: Final = _cumulative(FIRST_ITEMS)
LATER_ITEMS_CUM: Final = _cumulative(LATER_ITEMS)
LAST_NAME_WEIGHTS_CUM: Final = _cumulative(LAST_NAME_WEIGHTS)
METHODS_CUM: Final = _cumulative(METHODS)
INVOICE_COUNTS_CUM: Final = _cumulative(INVOICE_COUNTS)
EMAIL_DOMAINS_CUM: Final = _cumulative(EMAIL_DOMAINS)


_T = TypeVar("_T")


def pick(rng: random.Random, weighted: Sequence[tuple[_T, int]], cum: Sequence[int]) -> _T:
    return weighted[bisect.bisect_right(cum, rng.random() * cum[-1])][0]
