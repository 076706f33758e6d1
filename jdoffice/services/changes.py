"""Live changes: what other desks, the web system and the webhook receiver changed.

A desk polls :func:`changes_since` (every two seconds) and re-reads only what it shows and
what changed. Changes are found by ``updated_at`` read against the database server's own
clock, never the desk's (docs/architecture.md, "The shared database and the desks"):

* The cursor is the server's time at the start of a poll. Rows jdoffice writes are stamped
  by the server too (``jdoffice.adapters.clock``), so a desk whose clock is minutes off
  neither misses changes nor makes others miss its own.
* A row is stamped before its transaction commits. A poll that starts between the stamp and
  the commit does not see the row yet, and the next poll would skip it if it asked only for
  rows stamped after the previous poll began. So every poll reads again the rows stamped in
  the :data:`CHANGE_OVERLAP` before the previous one began, and the cursor remembers which
  versions of those rows it has reported already, so each change is reported once.
  jdoffice stamps a row after it holds every lock it needs, milliseconds before the
  commit; the overlap is for writers that stamp earlier (the web system stamps with its
  own clock when its ORM flushes) and for their clocks being a little off.

Students written by others (the web system) have no search terms; a poll that sees a
student row change writes its terms again when they differ from the name, phone, number and
e-mail now in the row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from jdoffice.domain.model import School
from jdoffice.services.payments import retrying
from jdoffice.services.ports import UnitOfWork

#: How far before the previous poll a poll looks again (see the module's docstring).
CHANGE_OVERLAP = dt.timedelta(seconds=10)

#: Students whose search terms one poll rewrites at most (the rest wait for the next poll).
REINDEX_BATCH = 200


@dataclass(frozen=True, slots=True)
class ChangedRow:
    """One version of a row: ``table`` and ``key`` name the row, ``version`` tells two of its
    versions apart (its ``updated_at`` and the value a desk shows, e.g. the balance)."""

    table: str
    key: str
    student_id: int
    updated_at: dt.datetime
    version: str


class ChangeLog(Protocol):
    """Reading changes by the database's clock; implemented in ``jdoffice.adapters``."""

    def now(self) -> dt.datetime:
        """The database server's current time (aware, UTC)."""
        ...

    def changed_since(self, school_id: int, since: dt.datetime) -> list[ChangedRow]:
        """The school's students, invoices, payments, refunds and cached balances whose
        ``updated_at`` is at or after ``since`` (server time)."""
        ...

    def stale_terms(self, school_id: int, student_ids: Sequence[int]) -> list[int]:
        """Those of ``student_ids`` whose stored search terms differ from their row."""
        ...

    def reindex(self, school_id: int, student_id: int) -> bool:
        """Lock the student's row and write its search terms again if they differ from the
        row; True when they were written."""
        ...

    def unindexed(self, school_id: int, after_id: int, limit: int) -> list[int]:
        """Ids above ``after_id`` of the school's students that have no search terms at all
        (written by others before any desk polled), in order."""
        ...


class ChangesUnitOfWork(UnitOfWork, Protocol):
    @property
    def changes(self) -> ChangeLog: ...


@dataclass(frozen=True, slots=True)
class ChangeCursor:
    """Where the last poll stopped: the server's time when it began, and the row versions
    stamped within :data:`CHANGE_OVERLAP` before that which it has already reported."""

    at: dt.datetime
    seen: frozenset[tuple[str, str, str]] = frozenset()


@dataclass(frozen=True, slots=True)
class Changes:
    """What one poll found.

    Attributes:
        students: students with anything new: their row, an invoice, a payment, a refund or
            the balance. Re-read the open student when it is among them.
        profiles: students whose own row (name, phone, e-mail, number) is new or changed:
            a search on screen may now find more, fewer or other students.
        cursor: pass it to the next poll.
        reindexed: students whose search terms this poll wrote again.
    """

    students: frozenset[int]
    profiles: frozenset[int]
    cursor: ChangeCursor
    reindexed: int = 0

    def __bool__(self) -> bool:
        return bool(self.students)


def changes_since(
    uow: ChangesUnitOfWork,
    school: School,
    cursor: ChangeCursor | None,
    *,
    overlap: dt.timedelta = CHANGE_OVERLAP,
) -> Changes:
    """Students of ``school`` that changed since ``cursor``, by the database's clock.

    With ``cursor=None`` nothing is reported: the cursor returned marks "now". Take it before
    reading what the screen shows, so that a change committed in between is reported by the
    next poll rather than lost. Polls of several desks, and several polls of one desk, may
    run at once. When the poll raises (``Unavailable``), keep the old cursor: the next poll
    reports everything since then.

    Raises:
        Unavailable: the database cannot be reached.
    """
    with uow:
        now = uow.changes.now()
        since = (cursor.at if cursor is not None else now) - overlap
        rows = uow.changes.changed_since(school.id, since)
        previous = cursor.seen if cursor is not None else frozenset()
        fresh = [r for r in rows if _key(r) not in previous]
        profile_ids = sorted({r.student_id for r in fresh if r.table == "students"})
        stale = uow.changes.stale_terms(school.id, profile_ids[:REINDEX_BATCH])
    reindexed = _reindex(uow, school, stale) if stale else 0
    # Versions stamped before the next poll's window need not be remembered.
    keep = now - overlap
    seen = frozenset(_key(r) for r in rows if r.updated_at >= keep)
    if cursor is None:
        return Changes(frozenset(), frozenset(), ChangeCursor(now, seen), reindexed)
    return Changes(
        students=frozenset(r.student_id for r in fresh),
        profiles=frozenset(profile_ids),
        cursor=ChangeCursor(now, seen),
        reindexed=reindexed,
    )


def reindex_school(uow: ChangesUnitOfWork, school: School, batch: int = REINDEX_BATCH) -> int:
    """Write the search terms of every student of ``school`` that has none (``jdoffice db
    reindex``): students the web system wrote before any desk ran and never changed since,
    which the live-change poll never sees. Returns how many were written; running it again
    writes none."""
    written = 0
    after = 0
    while True:
        with uow:
            ids = uow.changes.unindexed(school.id, after, batch)
        if not ids:
            return written
        written += _reindex(uow, school, ids)
        after = ids[-1]


def _key(row: ChangedRow) -> tuple[str, str, str]:
    return (row.table, row.key, row.version)


def _reindex(uow: ChangesUnitOfWork, school: School, student_ids: Iterable[int]) -> int:
    ids = list(student_ids)

    def attempt() -> int:
        with uow.write():
            written = sum(uow.changes.reindex(school.id, sid) for sid in ids)
            uow.commit()
        return written

    return retrying(attempt)
