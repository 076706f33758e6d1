"""SQLite writers of several processes queueing on the lock file beside the database
(``jdoffice.adapters.uow.share_writes``), as the webhook receiver's workers do."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import ArgumentError

from jdoffice.adapters.db import BEGIN_OPTIONS, make_engine, single_reads, writer
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork, share_writes


def _engine(path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS marks (who TEXT, at REAL)"))
    return engine


def test_a_second_writer_waits_on_the_lock_file_until_the_first_is_done(tmp_path: Path) -> None:
    db = tmp_path / "school.sqlite3"
    # Two engines stand for two processes: each has its own lock file handle.
    first, second = _engine(db), _engine(db)
    assert share_writes(first)
    assert share_writes(second)
    assert (tmp_path / "school.sqlite3-writer-lock").exists()
    holding, started = threading.Event(), threading.Event()
    order: list[str] = []

    def other() -> None:
        holding.wait()
        started.set()
        uow = SqlAlchemyUnitOfWork(second)
        with uow.write():
            order.append("second")
            uow.commit()

    thread = threading.Thread(target=other)
    thread.start()
    uow = SqlAlchemyUnitOfWork(first)
    with uow.write():
        holding.set()
        started.wait()
        time.sleep(0.2)  # the other writer is queued meanwhile, not in SQLite's busy handler
        order.append("first")
        uow.session.execute(text("INSERT INTO marks VALUES ('first', 0)"))
        uow.commit()
    thread.join(timeout=10)
    assert order == ["first", "second"]
    first.dispose()
    second.dispose()


def test_a_writing_block_inside_another_of_the_same_thread_does_not_wait_on_itself(
    tmp_path: Path,
) -> None:
    engine = _engine(tmp_path / "school.sqlite3")
    assert share_writes(engine)
    outer, inner = SqlAlchemyUnitOfWork(engine), SqlAlchemyUnitOfWork(engine)
    with outer.write():
        outer.commit()  # nothing written: the inner block may take SQLite's lock
        with inner.write():
            inner.session.execute(text("INSERT INTO marks VALUES ('inner', 0)"))
            inner.commit()
    # Released: another writer gets in at once.
    with outer.write():
        outer.session.execute(text("INSERT INTO marks VALUES ('after', 0)"))
        outer.commit()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM marks")).scalar_one() == 2
    engine.dispose()


def test_no_lock_file_for_a_database_in_memory_or_on_a_server() -> None:
    memory = make_engine("sqlite://")
    server = make_engine("postgresql://nobody@127.0.0.1:1/none")
    assert not share_writes(memory)
    assert not share_writes(server)
    memory.dispose()
    server.dispose()


def _outsider_can_write(path: Path) -> bool:
    """Whether another process's writer would get SQLite's write lock at once."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc):
            raise
        return False
    finally:
        if other.in_transaction:
            other.execute("ROLLBACK")
        other.close()
    return True


def test_a_writing_unit_of_work_holds_the_write_lock_from_its_first_read(tmp_path: Path) -> None:
    path = tmp_path / "school.sqlite3"
    engine = _engine(path)
    uow = SqlAlchemyUnitOfWork(engine)
    with uow.write():
        uow.session.execute(text("SELECT count(*) FROM marks"))
        assert not _outsider_can_write(path)
    assert _outsider_can_write(path)
    engine.dispose()


def test_a_reading_unit_of_work_sees_one_state_and_lets_writers_in(tmp_path: Path) -> None:
    path = tmp_path / "school.sqlite3"
    engine = _engine(path)
    uow = SqlAlchemyUnitOfWork(engine)
    with uow:
        before = uow.session.execute(text("SELECT count(*) FROM marks")).scalar()
        assert _outsider_can_write(path)
        with sqlite3.connect(path, isolation_level=None) as other:
            other.execute("INSERT INTO marks VALUES ('elsewhere', 0)")
        assert uow.session.execute(text("SELECT count(*) FROM marks")).scalar() == before
    with uow:
        after = uow.session.execute(text("SELECT count(*) FROM marks")).scalar()
        assert after == (before or 0) + 1
    engine.dispose()


def test_a_single_read_leaves_no_transaction_open(tmp_path: Path) -> None:
    engine = _engine(tmp_path / "school.sqlite3")
    with single_reads(engine).connect() as conn:
        conn.execute(text("SELECT count(*) FROM marks"))
        assert not conn.connection.dbapi_connection.in_transaction  # type: ignore[union-attr]
    with engine.connect() as conn:
        conn.execute(text("SELECT count(*) FROM marks"))
        assert conn.connection.dbapi_connection.in_transaction  # type: ignore[union-attr]
    engine.dispose()


def test_an_sqlite_engine_sends_its_statements_without_dispatching_events(tmp_path: Path) -> None:
    # A statement event listener on the engine (SQLAlchemy's usual way to send BEGIN on
    # SQLite) costs every statement of every transaction its dispatch.
    engine = _engine(tmp_path / "school.sqlite3")
    for derived in (engine, writer(engine), single_reads(engine)):
        assert not derived._has_events
    engine.dispose()


@pytest.mark.parametrize("option", sorted(BEGIN_OPTIONS))
def test_asking_for_a_writer_by_execution_option_is_refused_not_ignored(
    tmp_path: Path, option: str
) -> None:
    # The options once chose BEGIN IMMEDIATE (or no BEGIN); silently ignored, a writer set up
    # that way would read and then write in a deferred transaction.
    engine = _engine(tmp_path / "school.sqlite3")
    with pytest.raises(ArgumentError, match="writer"):
        engine.execution_options(**{option: True})
    with engine.connect() as conn, pytest.raises(ArgumentError, match="writer"):
        conn.execution_options(**{option: True})
    with writer(engine).connect() as conn:
        conn.execution_options(logging_token="desk-1")  # other options as before
    engine.dispose()


def test_the_writer_and_single_read_engines_are_made_once_per_engine(tmp_path: Path) -> None:
    # Every unit of work asks for its engine's writer; a new copy each time joined the
    # engine's event dispatch again (about 5 % of the webhook receiver's CPU).
    engine = _engine(tmp_path / "school.sqlite3")
    assert writer(engine) is writer(engine)
    assert single_reads(engine) is single_reads(engine)
    assert writer(engine) is not single_reads(engine)
    assert SqlAlchemyUnitOfWork(engine)._writer is SqlAlchemyUnitOfWork(engine)._writer
    engine.dispose()
