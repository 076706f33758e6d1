"""How student search understands what is typed.

Names are matched case- and accent-insensitively, and the Danish letters match their
two-letter spellings: ``soren`` and ``soeren`` both find Søren, ``aero`` finds Ærø, ``aarhus``
finds Århus. Phones are matched on digits however they were typed (spaces, ``+45``).

The database keeps a few *terms* per student (see :func:`student_terms`) in an indexed table;
a query word matches a student when it is a prefix of one of the student's terms. That is an
index range scan on every database we support, which keeps search fast at 100 000 students.

Two words of a name are also kept together as one term (`` noah hansen``, see
:func:`name_pair_terms`): in a large school a first name and a common last name are each the
range of thousands of students, while the two together are the range of the few who have both.
A query of several words looks there first (:attr:`SearchQuery.pairs`). A pair begins with a
space (:data:`PAIR_MARK`), which no other term and no typed word begins with: the pairs sort
apart from the words, and the range of a word (``met``) holds the words alone, not every pair
that begins with one (``mette hansen``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

# Letters that NFKD does not decompose, or whose Danish/German two-letter spelling people
# type instead. The "strict" spelling keeps the two letters; the "loose" one drops the accent.
_TRANSLIT = str.maketrans(
    {
        "æ": "ae",
        "ø": "oe",
        "å": "aa",
        "ä": "ae",
        "ö": "oe",
        "ü": "ue",
        "ß": "ss",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ł": "l",
        "œ": "oe",
    }
)
_LOOSE = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ä": "a", "ö": "o", "ü": "u"})
_WORD = re.compile(r"[^\W_]+", re.UNICODE)

#: Terms longer than this are cut; nobody types more to find a student.
MAX_TERM_LENGTH = 64

#: A name's words paired into terms (:func:`name_pair_terms`): its first eight, every name a
#: person has (two words of a longer one are still found, word by word, when the pairs find
#: fewer students than are shown).
MAX_PAIRED_WORDS = 8

#: What a name pair's term begins with: a space. Every other term is stripped, and a typed
#: word is letters and digits, so only a pair's prefix (:attr:`SearchQuery.pairs`) reads them.
PAIR_MARK = " "


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """The strict folding used for queries: lower case, Danish letters spelled out."""
    if text.isascii():  # nothing to spell out or strip (every keystroke folds its words)
        return text.lower()
    lowered = unicodedata.normalize("NFC", text).casefold()
    return _strip_marks(lowered.translate(_TRANSLIT))


def fold_loose(text: str) -> str:
    """The loose folding: ``ø`` → ``o``, ``å`` → ``a`` (what people type on a US keyboard)."""
    if text.isascii():
        return text.lower()
    lowered = unicodedata.normalize("NFC", text).casefold()
    return _strip_marks(lowered.translate(_LOOSE).translate(_TRANSLIT))


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def digits(text: str) -> str:
    return "".join(filter(str.isdigit, text))


def phone_terms(phone: str) -> set[str]:
    """The digit strings a phone number can be found by: national and with country code."""
    d = digits(phone)
    if not d:
        return set()
    out = {d}
    if phone.strip().startswith("+45") or (d.startswith("45") and len(d) == 10):
        out.add(d[2:])
    elif phone.strip().startswith("0045"):
        out.add(d[4:])
    elif len(d) == 8:
        # A Danish number saved without its country code is also found as "4521345678".
        out.add("45" + d)
    return {t for t in out if len(t) >= 4}


@lru_cache(maxsize=65536)
def _word_terms(word: str) -> tuple[str, str]:
    """A name word in both foldings (cached: a first pull makes the terms of every student,
    and names repeat)."""
    return fold(word), fold_loose(word)


@lru_cache(maxsize=65536)
def name_pair_terms(first_name: str, last_name: str) -> frozenset[str]:
    """Two words of the name as one term after :data:`PAIR_MARK`, in either order and every
    spelling of each (cut at :data:`MAX_TERM_LENGTH`; cached, as names repeat).

    ``Søren Jensen`` gives `` soeren jensen``, `` soren jensen``, `` jensen soeren`` and
    `` jensen soren``: a query that types one word whole and then (the start of) another, in
    either order and with or without the Danish letters, is one range of these terms.
    """
    forms = [set(_word_terms(w)) for w in words(f"{first_name} {last_name}")[:MAX_PAIRED_WORDS]]
    return frozenset(
        # Cut, a pair must not end in its space: MariaDB's binary collation pads with spaces,
        # and "word " would be the key of the term "word".
        f"{PAIR_MARK}{a} {b}"[:MAX_TERM_LENGTH].rstrip()
        for i, first in enumerate(forms)
        for j, second in enumerate(forms)
        if i != j
        for a in first
        for b in second
    )


def student_terms(
    first_name: str, last_name: str, student_no: str, phone: str, email: str
) -> set[str]:
    """Every term a student can be found by (prefix match on any of them)."""
    terms = _other_terms(student_no, phone, email)
    terms |= _name_word_terms(first_name, last_name)
    terms |= name_pair_terms(first_name, last_name)
    return terms


def single_terms(
    first_name: str, last_name: str, student_no: str, phone: str, email: str
) -> set[str]:
    """The terms of :func:`student_terms` that are not name pairs: each word of the name, the
    student number, the phone, the e-mail address."""
    terms = _other_terms(student_no, phone, email)
    terms |= _name_word_terms(first_name, last_name)
    return terms


def _cut(terms: set[str]) -> set[str]:
    """Terms as stored: at most :data:`MAX_TERM_LENGTH` long, never ending in a space."""
    return {t[:MAX_TERM_LENGTH].rstrip() for t in terms if t.strip()}


@lru_cache(maxsize=65536)
def _name_word_terms(first_name: str, last_name: str) -> frozenset[str]:
    """Each word of the name in both foldings (cached: a first pull makes the terms of every
    student, and names repeat)."""
    terms: set[str] = set()
    for part in words(f"{first_name} {last_name}"):
        terms.update(_word_terms(part))
    return frozenset(_cut(terms))


def _other_terms(student_no: str, phone: str, email: str) -> set[str]:
    """The student number (whole, its digits, its words), the phone, the e-mail address."""
    terms: set[str] = set()
    no = student_no.strip().casefold()
    if no:
        terms.add(no)
        no_digits = digits(no)
        if no_digits and no_digits != no:
            terms.add(no_digits)
        # A query splits "KBH-S12" into the words "kbh" and "s12"; each must be a term's prefix.
        terms.update(words(no))
    terms |= phone_terms(phone)
    # No space inside (an address the web system stored with one): only a name pair has one.
    mail = "".join(email.split()).casefold()
    if mail:
        terms.add(mail)
    return _cut(terms)


@dataclass(frozen=True, slots=True)
class StudentHit:
    """One search result line."""

    student_id: int
    student_no: str
    name: str
    phone: str
    email: str
    balance_minor: int
    currency: str


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A parsed query. A student matches when each word is a prefix of one of its terms
    (AND), or when its e-mail address begins with ``mail``.

    ``pairs`` are the query's name words taken two by two as typed (``anne sofie jen`` gives
    `` anne sofie`` and `` sofie jen``, after :data:`PAIR_MARK`), each a prefix of a name's
    pair term
    (:func:`name_pair_terms`). A student with every pair matches every word, with each word
    but the last a whole word of the name: the few best of a large school, found without
    reading the range of each word. The words alone find the rest.

    ``mail`` is the text whole when it could be the beginning of an e-mail address typed
    without its ``@`` (``mette.hansen4``): the words of ``mette.hansen4`` need not begin any
    term, while the address ``mette.hansen42@…`` begins with the whole.
    """

    text: str
    words: tuple[str, ...]
    pairs: tuple[str, ...] = ()
    mail: str = ""

    @property
    def empty(self) -> bool:
        return not self.words

    @property
    def plans(self) -> tuple[tuple[str, ...], ...]:
        """The prefixes to look for, in the order to try them: the pairs, the beginning of an
        e-mail address (when the query has them), then the words. A student must match every
        prefix of a plan; a student of any plan matches the query."""
        first = ((self.pairs,) if self.pairs else ()) + (((self.mail,),) if self.mail else ())
        return (*first, self.words)


_PHONE_LIKE = re.compile(r"^\+?[\d\s\-()./]+$")


def parse_query(text: str) -> SearchQuery:
    """Turn typed text into prefix words.

    A query that looks like a phone number (digits with spaces, dashes, ``+45``) becomes one
    digit word, so ``+45 21 34 56`` finds ``21345678``. An e-mail address stays whole.
    """
    raw = text.strip()
    if not raw:
        return SearchQuery(text, ())
    if _PHONE_LIKE.match(raw) and len(digits(raw)) >= 2:
        d = digits(raw)
        if raw.startswith("+45") or raw.startswith("0045"):
            d = d[2:] if raw.startswith("+") else d[4:]
        # "+45" alone, typed on the way to a number, has nothing to look for yet.
        return SearchQuery(text, (d[:MAX_TERM_LENGTH],) if d else ())
    out: list[str] = []
    mail = False
    for chunk in raw.split():
        if "@" in chunk:
            out.append(chunk.casefold()[:MAX_TERM_LENGTH])
            mail = True
        elif chunk.isascii() and chunk.isalnum():  # one plain word: what words() would give
            out.append(chunk.lower()[:MAX_TERM_LENGTH])
        else:
            out.extend(fold(w)[:MAX_TERM_LENGTH] for w in words(chunk))
    if len(out) < 2:  # one word (or an address) is its own query, without pairs
        return SearchQuery(text, tuple(out))
    # Drop words that are prefixes of other words in the query: they add nothing.
    # Longest first (the search walks the first word's range); equally long ones as typed.
    uniq = sorted(dict.fromkeys(out), key=len, reverse=True)
    kept: list[str] = []
    for w in uniq:
        if not any(k.startswith(w) for k in kept):
            kept.append(w)
    # Pairs also when a typed word begins the next one ("hans hansen": the words are one,
    # "hansen", a tenth of a school).
    if mail or len(set(out)) < 2:
        return SearchQuery(text, tuple(kept))
    whole = raw.casefold()
    looks_mailed = _MAIL_START.fullmatch(whole) is not None and len(whole) <= MAX_TERM_LENGTH
    return SearchQuery(text, tuple(kept), _pairs(out), whole if looks_mailed else "")


#: What can begin an e-mail address: its local part's letters, digits and ``. _ + -``.
_MAIL_START = re.compile(r"[^\W_][\w.+\-]*", re.UNICODE)


def _pairs(typed: list[str]) -> tuple[str, ...]:
    """Neighbouring words as typed, as prefixes of pair terms (none if one would be cut)."""
    pairs = tuple(dict.fromkeys(f"{PAIR_MARK}{a} {b}" for a, b in pairwise(typed)))
    return pairs if all(len(p) <= MAX_TERM_LENGTH for p in pairs) else ()


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string that starts with ``prefix``.

    ``term >= prefix AND term < prefix_upper_bound(prefix)`` is an index range scan, where
    ``LIKE 'x%'`` is not on every database and collation. The terms column uses a binary
    collation everywhere, so code-point order is the order that counts.
    """
    if not prefix:
        raise ValueError("empty prefix")
    head, last = prefix[:-1], ord(prefix[-1])
    if last >= 0x10FFFF:
        return prefix_upper_bound(head) if head else "\U0010ffff" * 2
    nxt = last + 1
    if 0xD800 <= nxt <= 0xDFFF:  # surrogates cannot be stored as text
        nxt = 0xE000
    return head + chr(nxt)


@lru_cache(maxsize=4096)
def _name_forms(name: str) -> tuple[tuple[str, ...], str, str]:
    """A name's words in both foldings, and its first word in each (cached: names repeat)."""
    ws = words(name)
    strict = [fold(x) for x in ws]
    loose = [fold_loose(x) for x in ws]
    return tuple(strict + loose), strict[0] if ws else "", loose[0] if ws else ""


def rank(query: SearchQuery, name: str, student_no: str, phone: str, email: str) -> int:
    """Lower is better: exact student number, then exact phone/e-mail, then whole-name words
    or the beginning of the e-mail address, then a first name that begins with the first word
    as typed (or the longest) among names with every word, then name prefixes, then the
    rest."""
    return ranker(query)(name, student_no, phone, email)


def ranker(query: SearchQuery) -> Callable[[str, str, str, str], int]:
    """:func:`rank` for one query, with what depends only on the query worked out once."""
    w = query.words
    if not w:
        return lambda name, student_no, phone, email: 9
    w0 = w[0]
    one = len(w) == 1
    # Student-number digits and phone terms are digits only: a word with a letter is neither.
    w0_digits = w0.isdigit()
    typed = query.text.strip().casefold()
    mail = query.mail
    # Whole words as typed: "hans hansen" is the word "hansen" to match, but Hans Hansen,
    # with both words, ranks before Aage Hansen.
    whole = {x for pair in query.pairs for x in pair.split()} or set(w)
    # A first name that begins with the first word as typed ("s jensen", an initial and a
    # last name: Søren before Anne Sofie Jensen) or with the longest ("lund kristi", the last
    # name first: Kristian before Anne Kristine Lund). Without pairs (an e-mail address among
    # the words) the first word as typed is not known: the longest.
    t0 = query.pairs[0].split()[0] if query.pairs else w0
    firsts = (t0, w0)

    def rank_one(name: str, student_no: str, phone: str, email: str) -> int:
        no = student_no.casefold()
        if one and (w0 == no or (w0_digits and w0 == digits(no))):
            return 0
        if typed == no:
            return 0  # a number with separators ("KBH-S12") is parsed into several words
        if one and ((w0_digits and w0 in phone_terms(phone)) or w0 == email.casefold()):
            return 1
        name_words, first, first_loose = _name_forms(name)
        if all(q in name_words for q in whole) or (mail and email.casefold().startswith(mail)):
            return 2
        named = all(any(n.startswith(q) for n in name_words) for q in w)
        if (first.startswith(firsts) or first_loose.startswith(firsts)) and (one or named):
            return 3
        if named:
            return 4
        return 5

    return rank_one
