"""Student search as reads on their own, on a pooled driver connection.

Search runs on every keystroke, and for an exact phone or student number the database
answers in a few hundredths of a millisecond: a session, a transaction and SQLAlchemy's
statement execution around it cost many times that. So the statements of
:mod:`jdoffice.adapters.repos.search_sql` are compiled once per dialect and number of
prefixes, and each runs on a connection from the engine's pool with the driver's own cursor
(:func:`jdoffice.adapters.single_read.reads_alone`): no session, no ``BEGIN`` (one SELECT is
its own transaction and sees one consistent state of the rows on every database), the rows
straight into :class:`StudentHit`. A search runs one statement per plan of its query until
it has enough students, most often one.

While anything listens to the engine's statements (a profiler, a test counting statements),
the same statements go through an SQLAlchemy connection instead, so they see them. Driver
errors come out as SQLAlchemy's ``DBAPIError`` like any other statement's, and a connection
the error shows to be dead is dropped from the pool.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Engine, Select

from jdoffice.adapters.repos import search_sql
from jdoffice.adapters.repos.search_sql import (
    presence_statement,
    search_params,
    search_statement,
)
from jdoffice.adapters.single_read import reads_alone
from jdoffice.domain.search import SearchQuery, StudentHit

#: Runs a statement with its parameters and gives its rows.
_Rows = Callable[[Select[*tuple[Any, ...]], dict[str, Any]], Sequence[Sequence[Any]]]


def _hits(rows: Sequence[Sequence[Any]]) -> list[StudentHit]:
    return [
        StudentHit(
            student_id=r[0],
            student_no=r[1],
            name=f"{r[2]} {r[3]}".strip(),
            phone=r[4],
            email=r[5],
            balance_minor=int(r[6]),
            currency=r[7],
        )
        for r in rows
    ]


#: How long a letter's count of terms (whether it is probed or gathered,
#: :data:`search_sql.PROBE_FROM`) is kept: the share of a school's terms that begin with a
#: letter moves slowly, and counting it costs a millisecond on SQLite, three on a server.
LETTER_COUNT_SECONDS = 300.0
#: Letters counted, per engine: ``(school id, letter) -> (count, when)``.
_letter_counts: weakref.WeakKeyDictionary[Engine, dict[tuple[int, str], tuple[int, float]]] = (
    weakref.WeakKeyDictionary()
)


_NONE: frozenset[int] = frozenset()
#: The second of two words, probed or counted.
_LAST_OF_TWO = frozenset({1})


def _planned(
    school_id: int,
    query: SearchQuery,
    limit: int,
    enough: int | None,
    rows: _Rows,
    counts: dict[tuple[int, str], tuple[int, float]],
    *,
    probe: bool,
) -> list[StudentHit]:
    """Up to ``limit`` students of ``query``: each plan's, in order, until they are
    ``enough`` (default ``limit``); a student a plan found before keeps its place.

    The words of a query of several words are each looked for first, one seek each: a word
    no term starts with ends the search there. Otherwise the search would walk a common
    word's range against an empty set (``jensen qqq``: milliseconds at a million students).
    Of two words, a second of one letter may be probed rather than gathered
    (:mod:`search_sql`; ``probe``: the database is one of :data:`search_sql.PROBE_DIALECTS`):
    it is counted there, unless ``counts`` has it from the last :data:`LETTER_COUNT_SECONDS`.
    The plan chosen changes how fast the students are found, never which.
    """
    wanted = limit if enough is None else min(enough, limit)
    hits: dict[int, StudentHit] = {}
    for prefixes in query.plans:
        n = len(prefixes)
        params = search_params(school_id, prefixes, limit)
        probed = _NONE
        if n > 1 and prefixes == query.words:
            # The words come longest first: a short one, if any, is last. Only of two words:
            # with a third, the probe was checked on every row of the walk before the third
            # word's set (MariaDB, PostgreSQL: `anne s jensen` slower than gathered).
            if not probe or n != 2 or len(prefixes[-1]) > search_sql.PROBE_MAX_LENGTH:
                [present] = rows(presence_statement(n), params)
                if not all(present):
                    break
            else:
                size = _letter_size(school_id, prefixes, params, rows, counts)
                if size == 0:
                    break
                if size >= search_sql.PROBE_FROM:
                    # A letter with a large range: looked up per student, not gathered.
                    probed = _LAST_OF_TWO
        for hit in _hits(rows(search_statement(n, probed), params)):
            hits.setdefault(hit.student_id, hit)
        if len(hits) >= wanted:
            break
    return list(hits.values())[:limit]


def _letter_size(
    school_id: int,
    prefixes: Sequence[str],
    params: dict[str, Any],
    rows: _Rows,
    counts: dict[tuple[int, str], tuple[int, float]],
) -> int:
    """How many terms begin with the letter that is the second of two words (0: it, or the
    first word, begins none), counted up to :data:`search_sql.PROBE_FROM` with the presence
    test, or as ``counts`` has it from the last :data:`LETTER_COUNT_SECONDS`."""
    key = (school_id, prefixes[1])
    now = time.monotonic()
    kept = counts.get(key)
    if kept is not None and now - kept[1] < LETTER_COUNT_SECONDS:
        [present] = rows(presence_statement(2), params)
        return kept[0] if all(present) else 0
    [present] = rows(presence_statement(2, _LAST_OF_TWO), params)
    if not (present[0] and present[1]):
        return 0
    counts[key] = (int(present[1]), now)
    return int(present[1])


def search_alone(
    engine: Engine, school_id: int, query: SearchQuery, limit: int, *, enough: int | None = None
) -> list[StudentHit]:
    """The search as reads on their own (see the module's text).

    Raises:
        DBAPIError: the database could not answer.
    """
    if query.empty:
        return []
    counts = _letter_counts.get(engine)
    if counts is None:
        counts = _letter_counts.setdefault(engine, {})
    probe = engine.dialect.name in search_sql.PROBE_DIALECTS
    with reads_alone(engine) as read:
        return _planned(school_id, query, limit, enough, read, counts, probe=probe)
