"""How search understands names, phones and e-mails, without a database."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jdoffice.domain import search
from jdoffice.domain.search import (
    MAX_TERM_LENGTH,
    PAIR_MARK,
    fold,
    fold_loose,
    name_pair_terms,
    parse_query,
    prefix_upper_bound,
    rank,
    single_terms,
    student_terms,
)


def _finds(query: str, first: str, last: str, phone: str = "", email: str = "") -> bool:
    terms = student_terms(first, last, "S0000001", phone, email)
    q = parse_query(query)
    return bool(q.words) and all(any(t.startswith(w) for t in terms) for w in q.words)


@pytest.mark.parametrize("query", ["soren", "soeren", "Søren", "SØREN", "sø", "s"])
def test_soren_finds_soren_however_it_is_spelled(query: str) -> None:
    assert _finds(query, "Søren", "Jensen")


@pytest.mark.parametrize("query", ["aero", "ærø", "AERØ", "aeroe"])
def test_aero_finds_aero_island_name(query: str) -> None:
    assert _finds(query, "Åse", "Ærø")


@pytest.mark.parametrize("query", ["aase", "ase", "åse"])
def test_aa_and_a_find_the_danish_a_ring(query: str) -> None:
    assert _finds(query, "Åse", "Ærø")


def test_accents_of_other_languages_are_ignored() -> None:
    assert _finds("rene", "René", "Müller")
    assert _finds("muller", "René", "Müller")
    assert _finds("mueller", "René", "Müller")


@pytest.mark.parametrize(
    "query", ["21345678", "+45 21 34 56 78", "21 34", "4521345678", "2134-5678"]
)
def test_phone_is_found_by_digits_however_typed(query: str) -> None:
    assert _finds(query, "Mette", "Hansen", phone="+45 21 34 56 78")


def test_email_is_found_by_its_beginning() -> None:
    assert _finds("mette.h", "Mette", "Hansen", email="mette.hansen@example.dk")
    assert _finds("mette.hansen@example.dk", "Mette", "Hansen", email="mette.hansen@example.dk")


def test_all_words_must_match() -> None:
    assert _finds("mette han", "Mette", "Hansen")
    assert not _finds("mette jen", "Mette", "Hansen")


def test_empty_query_has_no_words() -> None:
    assert parse_query("   ").empty


@pytest.mark.parametrize("query", ["+45", "0045", "+45 ", "+45-"])
def test_a_country_code_alone_is_an_empty_query(query: str) -> None:
    assert parse_query(query).empty


def test_exact_student_number_ranks_before_name_matches() -> None:
    q = parse_query("s0000001")
    assert rank(q, "Søren Jensen", "S0000001", "", "") < rank(q, "S0000001x Name", "X", "", "")


def test_whole_name_ranks_before_prefix() -> None:
    q = parse_query("jens")
    assert rank(q, "Jens Hansen", "1", "", "") < rank(q, "Jensine Hansen", "2", "", "")


def test_folding_spells_out_danish_letters() -> None:
    assert fold("Ærø Østergård") == "aeroe oestergaard"
    assert fold_loose("Ærø Østergård") == "aero ostergard"


@given(
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=12
    )
)
def test_every_string_with_a_prefix_sorts_below_the_upper_bound(prefix: str) -> None:
    upper = prefix_upper_bound(prefix)
    assert prefix < upper
    assert prefix + "zzz" < upper
    assert prefix + "\uffff" < upper


def _found_by(prefixes: tuple[str, ...], terms: set[str]) -> bool:
    return all(any(t.startswith(p) for t in terms) for p in prefixes)


_NAME_WORD = st.text(alphabet="abcæøåéAØ", min_size=1, max_size=6)
_NAME = st.lists(_NAME_WORD, min_size=1, max_size=5).map(" ".join)


@given(first=_NAME, last=_NAME, query=st.text(alphabet="abcæøå AØ.-@", max_size=14))
def test_a_student_the_name_pairs_find_is_one_the_words_find(
    first: str, last: str, query: str
) -> None:
    terms = student_terms(first, last, "S1", "", "")
    q = parse_query(query)
    if q.pairs and _found_by(q.pairs, terms):
        assert _found_by(q.words, terms)


@given(
    name=st.lists(_NAME_WORD, min_size=2, max_size=4),
    picked=st.lists(st.integers(0, 3), min_size=2, max_size=3, unique=True),
    cut=st.integers(1, 6),
    loose=st.booleans(),
)
def test_whole_words_of_a_name_and_the_start_of_one_more_are_found_by_the_pairs(
    name: list[str], picked: list[int], cut: int, loose: bool
) -> None:
    typed = [name[i % len(name)] for i in picked]
    if len({i % len(name) for i in picked}) < len(picked):
        return  # the same word twice
    spelled = [fold_loose(w) if loose else w for w in typed]
    query = parse_query(" ".join([*spelled[:-1], spelled[-1][:cut]]))
    terms = student_terms(name[0], " ".join(name[1:]), "S1", "", "")
    if len(query.words) >= 2:
        assert query.pairs
        assert _found_by(query.pairs, terms)


def test_two_words_of_a_name_are_kept_together_in_either_order_and_spelling() -> None:
    assert name_pair_terms("Åse", "Holm") == {
        " aase holm",
        " ase holm",
        " holm aase",
        " holm ase",
    }
    assert len(name_pair_terms("A B C D", "E F")) == 30  # every two of six words
    assert len(name_pair_terms("A B C D E", "F G H I")) == 56  # of the first eight


@given(
    first=st.text(max_size=20),
    last=st.text(max_size=20),
    no=st.text(max_size=10),
    phone=st.text(max_size=12),
    email=st.text(max_size=20),
    typed=st.text(max_size=20),
)
def test_only_a_pair_begins_with_the_mark_so_no_typed_word_reads_a_pair(
    first: str, last: str, no: str, phone: str, email: str, typed: str
) -> None:
    singles = single_terms(first, last, no, phone, email)
    pairs = name_pair_terms(first, last)
    assert not any(t.startswith(PAIR_MARK) for t in singles)
    assert all(t.startswith(PAIR_MARK) for t in pairs)
    query = parse_query(typed)
    assert all(p.startswith(PAIR_MARK) for p in query.pairs)
    assert not any(t.startswith(w) for w in query.words for t in pairs)
    assert not any(t.startswith(query.mail) for t in pairs if query.mail)


def test_a_query_with_an_email_address_or_a_phone_has_no_name_pairs() -> None:
    assert parse_query("mette.h").pairs == (" mette h",)
    assert parse_query("mette kontakt@bjoern").pairs == ()
    assert parse_query("+45 21 34 56 78").pairs == ()
    assert parse_query("mette").pairs == ()
    assert parse_query("jens jensen").pairs == (" jens jensen",)  # the words: "jensen"


def test_a_pair_longer_than_a_term_is_not_looked_for() -> None:
    long = "x" * MAX_TERM_LENGTH
    assert parse_query(f"{long} y").pairs == ()
    assert parse_query(f"{long} y").words == (long, "y")


def test_a_query_that_could_begin_an_email_address_keeps_its_text_whole_too() -> None:
    assert parse_query("Mette.Hansen4").mail == "mette.hansen4"
    assert parse_query("mette hansen4").mail == ""  # a space: two words, no address
    assert parse_query("mette").mail == ""  # one word begins the address already
    assert parse_query("kontakt@bjoern").mail == ""  # the address is one word then
    q = parse_query("mette.hansen4")
    assert rank(q, "Mette Hansen", "1", "", "mette.hansen42@x.dk") < rank(
        q, "Mette Hansen", "2", "", "mette.hansen7@x.dk"
    )


@given(st.text(alphabet=st.characters(max_codepoint=0x17F), max_size=12))
def test_folding_plain_ascii_is_lower_case_and_the_rest_as_before(text: str) -> None:
    def slow(t: str, table: dict[int, str] | None = None) -> str:
        lowered = unicodedata.normalize("NFC", t).casefold()
        if table is not None:
            lowered = lowered.translate(table)
        decomposed = unicodedata.normalize("NFKD", lowered.translate(search._TRANSLIT))
        return "".join(c for c in decomposed if not unicodedata.combining(c))

    assert fold(text) == slow(text)
    assert fold_loose(text) == slow(text, search._LOOSE)


def test_a_cut_pair_never_ends_in_its_space_and_no_single_term_has_one() -> None:
    terms = student_terms("A" * 63, "Berg", "S1", "", " john smith@example.dk ")
    assert not any(t != t.rstrip() for t in terms)
    # Only a pair has a space, the one it begins with and the one between its words.
    assert [t for t in terms if " " in t and not t.startswith((" a", " berg"))] == []
    assert all(len(t) <= MAX_TERM_LENGTH for t in terms)
    assert "johnsmith@example.dk" in terms


def test_every_typed_word_whole_ranks_first_when_one_begins_another() -> None:
    q = parse_query("hans hansen")
    assert q.words == ("hansen",)
    assert rank(q, "Hans Hansen", "1", "", "") < rank(q, "Aage Hansen", "2", "", "")


def test_an_initial_and_a_last_name_rank_the_first_names_with_that_initial_first() -> None:
    q = parse_query("s jensen")
    assert q.words[0] == "jensen"  # the longest word leads the search, not the typed order
    initial = rank(q, "Søren Jensen", "1", "", "")
    assert initial == rank(q, "Sara Jensen", "2", "", "")
    assert initial < rank(q, "Anne Sofie Jensen", "3", "", "")
    assert initial < rank(q, "Bodil Schmidt-Jensen", "4", "", "")
    # Typed the other way round, no first name begins with the first word: no such order.
    back = parse_query("jensen s")
    assert rank(back, "Søren Jensen", "1", "", "") == rank(back, "Anne Sofie Jensen", "3", "", "")


def test_the_first_typed_word_ranks_its_first_names_first_when_the_words_are_as_long() -> None:
    q = parse_query("met han")
    assert rank(q, "Mette Hansen", "1", "", "") < rank(q, "Hanne Metz", "2", "", "")


def test_a_last_name_typed_first_still_ranks_the_first_names_the_longer_word_begins() -> None:
    q = parse_query("lund kristi")
    assert rank(q, "Kristian Lund", "1", "", "") < rank(q, "Anne Kristine Lund", "2", "", "")


def test_an_initial_ranks_no_one_first_whose_name_lacks_the_other_words() -> None:
    # Found by her e-mail address, not her name: after the Hansens.
    q = parse_query("m hansen")
    maja = rank(q, "Maja Olsen", "1", "", "hansen.familien@example.dk")
    assert rank(q, "Anne Mette Hansen", "2", "", "") < maja
    assert rank(q, "Mads Hansen", "3", "", "") < rank(q, "Anne Mette Hansen", "2", "", "")


@given(st.text(alphabet=st.characters(categories=("L", "N")), min_size=1, max_size=80))
def test_one_typed_word_is_searched_folded_and_cut_like_a_word_of_several(word: str) -> None:
    found = search.words(word)
    if len(found) != 1 or word.isdigit():  # several words, or a phone number
        return
    expected = fold(found[0])[:MAX_TERM_LENGTH]
    assert parse_query(word).words == (expected,)
    # The same word among others is folded and cut the same way.
    assert expected in parse_query(f"{word} zz").words or "zz".startswith(expected)
