"""WAL checkpoints taken on a thread of their own (the webhook receiver on an SQLite file).

By default SQLite checkpoints in the commit that takes the WAL past 1 000 pages. An engine
made with a higher ``wal_autocheckpoint`` leaves that to a :class:`Checkpointer`: its commits
do not checkpoint, the thread copies the WAL back into the database file, and the WAL then
starts over, so the file stays small however long the writing goes on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from jdoffice.adapters import checkpoints, db
from jdoffice.adapters.checkpoints import BACKSTOP_PAGES, THREAD_NAME, Checkpointer
from jdoffice.adapters.uow import writes_held
from jdoffice.bootstrap import App

#: Each transaction writes a row of two pages' worth (``zeroblob``, so no data travels).
ROW_BYTES = 8000


def _engine(path: Path, wal_autocheckpoint: int | None) -> Engine:
    engine = db.make_engine(f"sqlite:///{path}", wal_autocheckpoint=wal_autocheckpoint)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS filler (id INTEGER PRIMARY KEY, b BLOB)")
    return engine


def _write(engine: Engine, transactions: int, wal: Path, sizes: list[int] | None = None) -> None:
    """``transactions`` writes, each holding the writers' locks as a unit of work does."""
    for _ in range(transactions):
        with writes_held(engine), engine.begin() as conn:
            conn.execute(text("INSERT INTO filler (b) VALUES (zeroblob(:n))"), {"n": ROW_BYTES})
        if sizes is not None:
            sizes.append(wal.stat().st_size)


def _page_size(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("PRAGMA page_size").scalar_one())


def _rows(path: Path) -> int:
    engine = db.make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            return int(conn.exec_driver_sql("SELECT count(*) FROM filler").scalar_one())
    finally:
        engine.dispose()


@pytest.fixture
def backstop_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = _engine(tmp_path / "w.sqlite3", BACKSTOP_PAGES)
    try:
        yield engine
    finally:
        engine.dispose()


def _checkpoint_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == THREAD_NAME and t.is_alive()]


def test_by_default_a_commit_checkpoints_when_the_wal_passes_a_thousand_pages(
    tmp_path: Path,
) -> None:
    path = tmp_path / "plain.sqlite3"
    engine = _engine(path, None)
    try:
        page = _page_size(engine)
        _write(engine, 1200, Path(f"{path}-wal"))
        # The WAL started over after a commit's checkpoint: it never held the 2 400 pages.
        assert Path(f"{path}-wal").stat().st_size < 1100 * (page + 24)
    finally:
        engine.dispose()


def test_commits_of_an_engine_with_a_backstop_leave_the_checkpoint_to_a_thread(
    backstop_engine: Engine, tmp_path: Path
) -> None:
    wal = tmp_path / "w.sqlite3-wal"
    page = _page_size(backstop_engine)
    _write(backstop_engine, 1200, wal)
    assert wal.stat().st_size > 2000 * page  # every page still in the WAL
    with backstop_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == BACKSTOP_PAGES
        done = checkpoints.checkpoint(conn.connection.dbapi_connection)
    assert done.copied_pages == done.wal_pages > 2000
    assert not done.busy
    # Everything copied: the next writer starts the WAL over, the file keeps its size.
    size = wal.stat().st_size
    _write(backstop_engine, 50, wal)
    assert wal.stat().st_size == size
    with backstop_engine.connect() as conn:
        again = checkpoints.checkpoint(conn.connection.dbapi_connection)
    assert again.wal_pages < 300
    assert _rows(tmp_path / "w.sqlite3") == 1250


def test_the_checkpointer_keeps_the_wal_small_while_writes_go_on(
    backstop_engine: Engine, tmp_path: Path
) -> None:
    wal = tmp_path / "w.sqlite3-wal"
    page = _page_size(backstop_engine)
    keeper = Checkpointer(
        backstop_engine, interval=0.01, hold=partial(writes_held, backstop_engine)
    )
    keeper.start()
    sizes: list[int] = []
    try:
        # 12 000 pages in all: without the thread, the WAL would reach the backstop (10 000).
        _write(backstop_engine, 6000, wal, sizes)
    finally:
        keeper.stop()
    assert keeper.taken > 0
    assert keeper.held > 0  # the WAL passed 2 000 pages, and was made to start over
    assert keeper.failed == 0
    assert not keeper.running
    # Never near the backstop (without the thread the WAL would end at 10 000 pages).
    assert max(sizes) < BACKSTOP_PAGES * page * 3 // 4
    assert _rows(tmp_path / "w.sqlite3") == 6000


def test_a_failed_checkpoint_is_logged_once_and_tried_again_on_a_new_connection(
    backstop_engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real = checkpoints.checkpoint
    calls: list[Any] = []

    def flaky(conn: Any) -> checkpoints.Checkpoint:
        calls.append(conn)
        if len(calls) <= 3:
            raise OSError("disk full")
        return real(conn)

    monkeypatch.setattr(checkpoints, "checkpoint", flaky)
    keeper = Checkpointer(backstop_engine, interval=0.005)
    with caplog.at_level(logging.DEBUG, logger=checkpoints.__name__):
        keeper.start()
        deadline = time.monotonic() + 10
        while keeper.taken < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        keeper.stop()
    assert keeper.failed == 3
    assert keeper.taken >= 2
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        "WAL checkpoint failed, trying again every 0.01 s: disk full"
    ]
    assert any(r.getMessage() == "WAL checkpoints work again" for r in caplog.records)
    # Each failure closed its connection: the next turn took a new one.
    assert len({id(c) for c in calls[:4]}) == 4


def test_an_engine_refuses_a_backstop_that_is_no_count_of_pages(tmp_path: Path) -> None:
    bad: Any
    for bad in (-1, 1.5, "1000"):
        with pytest.raises(ValueError, match="count of pages"):
            db.make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}", wal_autocheckpoint=bad)


def test_a_checkpointer_is_for_sqlite_only() -> None:
    engine = db.make_engine("postgresql://nobody@127.0.0.1:1/none")
    try:
        with pytest.raises(ValueError, match="SQLite"):
            Checkpointer(engine)
    finally:
        engine.dispose()


def test_an_app_takes_its_checkpoints_on_a_thread_until_it_is_disposed(tmp_path: Path) -> None:
    before = len(_checkpoint_threads())
    app = App(db.resolve_url(f"sqlite:///{tmp_path / 'r.sqlite3'}"))
    try:
        first = app.engine
        with first.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == 1000
        assert app.checkpoint_in_background()
        # The engine was opened anew: every connection leaves the checkpoints to the thread.
        assert app.engine is not first
        with app.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == BACKSTOP_PAGES
        assert len(_checkpoint_threads()) == before + 1
        assert app.checkpoint_in_background()  # once is enough
        assert len(_checkpoint_threads()) == before + 1
    finally:
        app.dispose()
    assert len(_checkpoint_threads()) == before
    # Opened again after a dispose, the engine brings its thread back.
    try:
        with app.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == BACKSTOP_PAGES
        assert len(_checkpoint_threads()) == before + 1
    finally:
        app.dispose()
    assert len(_checkpoint_threads()) == before


def test_no_checkpoint_thread_for_a_server_or_an_in_memory_database() -> None:
    for url in ("postgresql://nobody@127.0.0.1:1/none", "sqlite://"):
        app = App(db.resolve_url(url))
        try:
            assert not app.checkpoint_in_background()
            assert app._checkpointer is None
        finally:
            app.dispose()


def test_a_receiver_worker_checkpoints_on_a_thread_and_queues_on_the_lock_file_it_writes_with(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jdoffice.adapters import uow as uow_module
    from jdoffice.webhooks import serve

    app = App(db.resolve_url(f"sqlite:///{tmp_path / 'receiver.sqlite3'}"))
    monkeypatch.setattr(serve, "open_app", lambda _url: app)
    monkeypatch.setattr(serve, "setup_logging", lambda _verbose: None)
    try:
        serve.worker_app()
        assert app._checkpointer is not None
        assert app._checkpointer.running
        # The lock file belongs to the engine the worker writes with, the one opened anew.
        assert uow_module._process_locks.get(app.engine) is not None
        with app.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == BACKSTOP_PAGES
    finally:
        app.dispose()
    assert app._checkpointer is None
