"""How search understands names, phones and e-mails, without a database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jdoffice.domain.search import (
    fold,
    fold_loose,
    parse_query,
    prefix_upper_bound,
    rank,
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
