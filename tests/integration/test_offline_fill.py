"""The first pull fills the desk's local copy in short transactions, on every backend.

Chunks are made two rows small so that a school of a few students takes many transactions;
the test steps in between two of them, where a desk's other writers get the lock.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table

from jdoffice.adapters import local_pull
from jdoffice.adapters.local_pull import SchoolCopy
from jdoffice.adapters.local_store import SqliteLocalStore, SqlSharedNotes
from jdoffice.adapters.tables import INVOICES, STUDENTS
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.errors import Conflict, Unavailable
from jdoffice.domain.model import Actor, Student
from jdoffice.services import queries
from jdoffice.services.offline import OfflineDesk, PullResult
from tests.conftest import SchoolKit

ACTOR = Actor(staff="mette", desk="desk-2")


class Cut(Exception):
    """The pull dies here (as a killed process does: what it committed stays)."""


def _desk(kit: SchoolKit, store: SqliteLocalStore, up: list[bool]) -> OfflineDesk:
    def shared() -> SqlAlchemyUnitOfWork:
        if not up[0]:
            raise Unavailable("database unavailable: connection refused")
        return SqlAlchemyUnitOfWork(kit.engine)

    return OfflineDesk(
        shared=shared,
        local=store,
        notes=SqlSharedNotes(),
        ping=lambda: up[0],
        school_slug=kit.school.slug,
        actor=ACTOR,
    )


@pytest.fixture
def school(kit: SchoolKit, monkeypatch: pytest.MonkeyPatch) -> list[Student]:
    monkeypatch.setattr(local_pull, "CHUNK", 2)
    monkeypatch.setattr(local_pull, "TERMS_CHUNK", 5)
    students = [kit.student("Åse", f"Bæk{i}") for i in range(7)]
    for st in students:
        kit.invoice(st, 10000)
        kit.invoice(st, 25050)
    return students


@pytest.fixture
def stores(kit: SchoolKit, tmp_path: Path) -> Iterator[Callable[[], SqliteLocalStore]]:
    made: list[SqliteLocalStore] = []

    def make() -> SqliteLocalStore:
        made.append(
            SqliteLocalStore(tmp_path / "local.sqlite3", kit.engine.url, lambda: kit.engine)
        )
        return made[-1]

    try:
        yield make
    finally:
        for s in made:
            s.dispose()


def _between_chunks(
    monkeypatch: pytest.MonkeyPatch, table: Table, after: int, step: Callable[[], None]
) -> None:
    """Run ``step`` once, outside the pull's transactions, after ``after`` chunks of
    ``table`` were written."""
    real = SchoolCopy._select

    def select(self: SchoolCopy, t: Table, where: Any) -> Iterator[Sequence[Sequence[Any]]]:
        for i, chunk in enumerate(real(self, t, where)):
            if t is table and i == after:
                step()
            yield chunk

    monkeypatch.setattr(SchoolCopy, "_select", select)


def _indexes(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}


def _search(desk: OfflineDesk, text: str) -> list[str]:
    hits = desk.read(lambda uow, school: queries.search_students(uow, school, text))
    assert hits.offline
    return [h.student_no for h in hits.value]


def test_the_first_pull_lets_other_writers_in_between_chunks_and_publishes_at_the_end(
    kit: SchoolKit,
    school: list[Student],
    stores: Callable[[], SqliteLocalStore],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    up = [True]
    store = stores()
    desk = _desk(kit, store, up)
    path = store.path
    seen: list[str] = []

    def another_writer() -> None:
        # Another desk process on the same file: it gets the write lock at once.
        conn = sqlite3.connect(path, timeout=0.5, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE offline_state SET tag = tag WHERE id = 1")
            conn.execute("COMMIT")
        finally:
            conn.close()
        seen.append("wrote")
        up[0] = False  # and while it fills, the copy is not there to work from
        with pytest.raises(Unavailable, match="no local copy"):
            desk.read(lambda uow, school: school)
        up[0] = True

    _between_chunks(monkeypatch, INVOICES, 2, another_writer)

    result = desk.pull()
    up[0] = False

    assert seen == ["wrote"]
    assert result.full
    assert (result.students, result.invoices) == (7, 14)
    assert _search(desk, "aase baek3") == [school[3].student_no]
    view = desk.read(lambda uow, s: queries.student_view(uow, s, school[5].student_no)).value
    assert view.balance_minor == 35050


def test_a_first_pull_that_dies_midway_leaves_no_copy_and_the_next_pull_finishes_it(
    kit: SchoolKit,
    school: list[Student],
    stores: Callable[[], SqliteLocalStore],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    up = [True]
    store = stores()
    desk = _desk(kit, store, up)
    path = store.path
    assert store.engine is not None  # the file, migrated
    complete = _indexes(path)
    real = SchoolCopy._select

    def die() -> None:
        raise Cut

    _between_chunks(monkeypatch, INVOICES, 3, die)
    with pytest.raises(Cut):
        desk.pull()
    monkeypatch.setattr(SchoolCopy, "_select", real)

    up[0] = False
    with pytest.raises(Unavailable, match="no local copy"):
        desk.read(lambda uow, school: school)
    assert _indexes(path) < complete  # those it dropped to fill faster wait to be made
    up[0] = True
    again = _desk(kit, stores(), up)

    result = again.pull()
    up[0] = False

    assert result.full
    assert (result.students, result.invoices) == (7, 14)
    assert _indexes(path) == complete
    # Every student, whatever the order ranking gives them (names, then numbers as text).
    assert sorted(_search(again, "aase")) == sorted(st.student_no for st in school)
    with sqlite3.connect(path) as conn:
        (invoices,) = conn.execute(
            "SELECT count(*) FROM student_invoices WHERE school_id = ?", (kit.school.id,)
        ).fetchone()
        (claims,) = conn.execute("SELECT count(*) FROM offline_pull_claim").fetchone()
    assert (invoices, claims) == (14, 0)


def test_a_pull_started_while_another_fills_takes_over_and_the_first_stops(
    kit: SchoolKit,
    school: list[Student],
    stores: Callable[[], SqliteLocalStore],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    up = [True]
    first = _desk(kit, stores(), up)
    second = _desk(kit, stores(), up)
    results: list[PullResult] = []

    def other_pull() -> None:
        monkeypatch.setattr(SchoolCopy, "_select", real)
        results.append(second.pull())

    real = SchoolCopy._select
    _between_chunks(monkeypatch, STUDENTS, 1, other_pull)

    with pytest.raises(Conflict, match="took over"):
        first.pull()

    up[0] = False
    assert results[0].full
    assert results[0].students == 7
    assert _search(first, "aase baek6") == [school[6].student_no]
