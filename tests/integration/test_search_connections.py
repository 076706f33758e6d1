"""The connection a search reads on: one from the pool for all its statements, given back."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.pool import QueuePool

from jdoffice.adapters import db
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.search import parse_query
from jdoffice.services.queries import search_students
from tests.conftest import SchoolKit, new_kit


@pytest.fixture
def file_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'desk.sqlite3'}")
    db.upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.mark.parametrize("query", ["mette han", "met han", "jensen qqq", "mette.hansen4"])
def test_a_search_of_several_plans_takes_one_connection_and_gives_it_back(
    file_engine: Engine, query: str
) -> None:
    kit: SchoolKit = new_kit(file_engine)
    kit.student("Mette", "Hansen")
    taken: list[Any] = []
    event.listen(file_engine.pool, "checkout", lambda *a: taken.append(a[0]))

    def search() -> None:
        search_students(SqlAlchemyUnitOfWork(file_engine), kit.school, query)

    thread = threading.Thread(target=search)
    thread.start()
    thread.join(timeout=30)

    assert len(parse_query(query).plans) > 1  # several statements
    assert len(taken) == 1
    pool = file_engine.pool
    assert isinstance(pool, QueuePool)
    assert pool.checkedout() == 0
