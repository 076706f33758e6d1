"""The connection a search reads on.

On an SQLite file the reads on their own keep a few driver connections of their own, out of
the pool (taking one from the pool costs more than the search's statement): the first search
takes one from the pool, the next ones reuse it, a dispose of the engine closes them, and
nothing ever closes a connection a search is using. On a server a search takes one
connection from the pool for all its statements and gives it back.
"""

from __future__ import annotations

import gc
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, column, event, select, table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import QueuePool

from jdoffice.adapters import db, single_read
from jdoffice.adapters.read_tables import SCHOOLS
from jdoffice.adapters.single_read import reads_alone
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.search import parse_query
from jdoffice.services.queries import search_students
from tests.conftest import SchoolKit, new_kit

QUERIES = ["mette han", "met han", "jensen qqq", "mette.hansen4"]


@pytest.fixture
def file_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'desk.sqlite3'}")
    db.upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()


def _spares(engine: Engine) -> Any:
    spares = engine.pool.__dict__.get(single_read._SPARES)
    assert spares is not None
    return spares


def _names(engine: Engine, kit: SchoolKit, query: str) -> list[str]:
    return [h.name for h in search_students(SqlAlchemyUnitOfWork(engine), kit.school, query)]


@pytest.mark.parametrize("query", QUERIES)
def test_searches_on_an_sqlite_file_take_one_connection_from_the_pool_once_and_reuse_it(
    file_engine: Engine, query: str
) -> None:
    kit: SchoolKit = new_kit(file_engine)
    kit.student("Mette", "Hansen", email="mette.hansen42@example.dk")
    taken: list[Any] = []
    event.listen(file_engine.pool, "checkout", lambda *a: taken.append(a[0]))
    found: list[list[str]] = []

    def search() -> None:
        found.append(_names(file_engine, kit, query))

    for _ in range(3):  # each from a thread of its own, as the desk's workers
        thread = threading.Thread(target=search)
        thread.start()
        thread.join(timeout=30)

    assert len(parse_query(query).plans) > 1  # several statements each
    assert len(taken) == 1  # the first search's; the others reused it
    assert found == [found[0]] * 3
    assert found[0] == ([] if query == "jensen qqq" else ["Mette Hansen"])
    pool = file_engine.pool
    assert isinstance(pool, QueuePool)
    assert pool.checkedout() == 0  # detached: the pool neither counts nor closes it
    assert len(_spares(file_engine).idle) == 1


def test_searches_at_once_in_many_threads_each_read_on_a_connection_of_their_own(
    file_engine: Engine,
) -> None:
    kit: SchoolKit = new_kit(file_engine)
    for i in range(30):
        kit.student(f"Mette{i}", "Hansen")
    kit.student("Søren", "Jensen")
    in_use: set[int] = set()
    clashes: list[int] = []
    lock = threading.Lock()
    real = single_read.run_spare

    def watched(engine: Engine, conn: Any, sql: str, args: Any) -> list[Any]:
        with lock:
            if id(conn) in in_use:
                clashes.append(id(conn))
            in_use.add(id(conn))
        try:
            return real(engine, conn, sql, args)
        finally:
            with lock:
                in_use.discard(id(conn))

    errors: list[BaseException] = []
    results: list[tuple[str, list[str]]] = []
    start = threading.Barrier(8)

    def worker(query: str) -> None:
        try:
            start.wait()
            for _ in range(40):
                results.append((query, _names(file_engine, kit, query)))
        except BaseException as exc:
            errors.append(exc)

    single_read.run_spare = watched
    try:
        threads = [
            threading.Thread(target=worker, args=(q,))
            for q in ["søren jensen", "mette han", "zzq", "jen"] * 2
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        single_read.run_spare = real

    assert errors == []
    assert clashes == []
    assert len(results) == 8 * 40
    by_query = {q: {tuple(names) for qq, names in results if qq == q} for q, _ in results}
    assert by_query["søren jensen"] == {("Søren Jensen",)}
    assert by_query["zzq"] == {()}
    [mettes] = by_query["mette han"]  # the same answer each time
    assert len(mettes) == 20
    assert all(n.endswith(" Hansen") for n in mettes)
    assert len(_spares(file_engine).idle) <= single_read.MAX_SPARES


def test_disposing_the_engine_closes_the_spare_connections_and_the_next_search_opens_one(
    file_engine: Engine,
) -> None:
    kit: SchoolKit = new_kit(file_engine)
    kit.student("Mette", "Hansen")
    assert _names(file_engine, kit, "mette") == ["Mette Hansen"]
    [spare] = _spares(file_engine).idle

    file_engine.dispose()
    gc.collect()  # the pool the dispose replaced goes, and its spares with it

    with pytest.raises(sqlite3.ProgrammingError):
        spare.execute("SELECT 1")  # closed
    assert _names(file_engine, kit, "mette") == ["Mette Hansen"]
    assert _spares(file_engine).idle != [spare]


def test_a_connection_in_use_when_the_engine_is_disposed_is_closed_by_its_search_not_kept(
    file_engine: Engine,
) -> None:
    kit: SchoolKit = new_kit(file_engine)
    kit.student("Mette", "Hansen")
    statement = select(SCHOOLS.c.id).where(SCHOOLS.c.id == kit.school.id)
    with reads_alone(file_engine) as read:
        old = _spares(file_engine)
        file_engine.dispose()  # another thread shuts the desk's database down meanwhile
        gc.collect()
        assert old.closed
        assert read(statement, {}) == [(kit.school.id,)]  # the read in progress goes on
    assert old.idle == []  # given back after the dispose: closed, not kept
    assert _names(file_engine, kit, "mette") == ["Mette Hansen"]


def test_a_spare_connection_is_closed_after_an_error_and_the_next_search_takes_a_new_one(
    file_engine: Engine,
) -> None:
    kit: SchoolKit = new_kit(file_engine)
    kit.student("Mette", "Hansen")
    assert _names(file_engine, kit, "mette") == ["Mette Hansen"]
    [first] = _spares(file_engine).idle
    nowhere = table("nowhere", column("x"))

    taken: list[int] = []

    def read_nowhere() -> None:
        with reads_alone(file_engine) as read:
            taken.append(len(_spares(file_engine).idle))
            read(select(nowhere.c.x), {})

    with pytest.raises(DBAPIError, match="no such table"):
        read_nowhere()

    assert taken == [0]  # the spare was taken

    with pytest.raises(sqlite3.ProgrammingError):
        first.execute("SELECT 1")  # closed after the error
    assert _spares(file_engine).idle == []
    assert _names(file_engine, kit, "mette") == ["Mette Hansen"]


def test_a_search_on_any_database_finds_the_same_and_leaves_no_connection_checked_out(
    engine: Engine, kit: SchoolKit
) -> None:
    kit.student("Mette", "Hansen")
    taken: list[Any] = []
    listener = lambda *a: taken.append(a[0])  # noqa: E731
    event.listen(engine.pool, "checkout", listener)
    try:
        found = [_names(engine, kit, q) for q in ("mette han", "mette han", "jensen qqq")]
    finally:
        event.remove(engine.pool, "checkout", listener)

    assert found == [["Mette Hansen"], ["Mette Hansen"], []]
    pool = engine.pool
    assert isinstance(pool, QueuePool)
    assert pool.checkedout() == 0
    if engine.dialect.name == "sqlite":
        assert len(taken) <= 1  # the spare, taken once (or before this test)
    else:
        assert len(taken) == 3  # one per search, given back: the pool checks a server's


def test_no_more_spare_connections_are_kept_than_the_limit_the_rest_are_closed(
    file_engine: Engine,
) -> None:
    kit: SchoolKit = new_kit(file_engine)
    statement = select(SCHOOLS.c.id).where(SCHOOLS.c.id == kit.school.id)
    reads = [reads_alone(file_engine) for _ in range(single_read.MAX_SPARES + 2)]
    for r in reads:  # all at once, as many threads would
        assert r.__enter__()(statement, {}) == [(kit.school.id,)]
    used = [r._spare for r in reads]
    for r in reads:
        r.__exit__(None, None, None)

    kept = _spares(file_engine).idle
    assert len(kept) == single_read.MAX_SPARES
    assert len({id(c) for c in used}) == len(used)  # each read had a connection of its own
    for conn in used:
        if conn in kept:
            assert conn.execute("SELECT 1").fetchall() == [(1,)]
        else:
            with pytest.raises(sqlite3.ProgrammingError):
                conn.execute("SELECT 1")  # closed, not left open


def test_closing_the_spares_before_a_dispose_closes_them_at_once(file_engine: Engine) -> None:
    kit: SchoolKit = new_kit(file_engine)
    kit.student("Mette", "Hansen")
    assert _names(file_engine, kit, "mette") == ["Mette Hansen"]
    [spare] = _spares(file_engine).idle

    single_read.close_spares(file_engine)

    with pytest.raises(sqlite3.ProgrammingError):
        spare.execute("SELECT 1")
    file_engine.dispose()
    assert _names(file_engine, kit, "mette") == ["Mette Hansen"]  # a new pool, a new spare
