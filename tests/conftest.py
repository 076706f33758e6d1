"""Shared fixtures: a fresh database per backend per test run, and a fresh school per test.

SQLite always runs. PostgreSQL and MariaDB run when their server URLs are set (CI sets them):

* ``JDOFFICE_TEST_POSTGRESQL_URL``, e.g. ``postgresql://postgres@127.0.0.1:5432/test``
* ``JDOFFICE_TEST_MARIADB_URL``, e.g. ``mysql://root@127.0.0.1:3306/test``

For each server the run creates its own database (``jdoffice_t_<random>``), migrates it with
the real Alembic migrations, and drops it at the end, so parallel runs sharing a server never
see each other's rows.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL

from jdoffice.adapters import db, records
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.model import UTC, Invoice, School, Student
from jdoffice.services.ports import NewSchool

BACKENDS = ("sqlite", "postgresql", "mariadb")
ENV = {
    "postgresql": "JDOFFICE_TEST_POSTGRESQL_URL",
    "mariadb": "JDOFFICE_TEST_MARIADB_URL",
}


def server_url(backend: str) -> URL | None:
    raw = os.environ.get(ENV.get(backend, ""), "").strip()
    return db.normalize_url(raw) if raw else None


def _create_database(admin: URL, name: str) -> None:
    eng = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as conn:
            if admin.get_backend_name() == "postgresql":
                conn.execute(text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0"))
            else:
                conn.execute(
                    text(
                        f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
                    )
                )
    finally:
        eng.dispose()


def _drop_database(admin: URL, name: str) -> None:
    eng = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as conn:
            if admin.get_backend_name() == "postgresql":
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            else:
                conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
    finally:
        eng.dispose()


@dataclass(frozen=True)
class TestDatabase:
    backend: str
    url: URL

    @property
    def url_text(self) -> str:
        return self.url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def fresh_database_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[str], TestDatabase]]:
    """Make an empty database on a backend; everything made is dropped at session end."""
    made: list[tuple[URL, str]] = []

    def make(backend: str) -> TestDatabase:
        if backend == "sqlite":
            path: Path = tmp_path_factory.mktemp("db") / f"jdoffice-{secrets.token_hex(4)}.sqlite3"
            return TestDatabase(backend, db.normalize_url(str(path)))
        admin = server_url(backend)
        if admin is None:
            pytest.skip(f"{ENV[backend]} is not set; {backend} tests need a server")
        name = f"jdoffice_t_{secrets.token_hex(6)}"
        _create_database(admin, name)
        made.append((admin, name))
        return TestDatabase(backend, admin.set(database=name))

    yield make
    for admin, name in made:
        _drop_database(admin, name)


@pytest.fixture(scope="session", params=BACKENDS)
def database(
    request: pytest.FixtureRequest, fresh_database_factory: Callable[[str], TestDatabase]
) -> TestDatabase:
    """One migrated database per backend for the whole run; tests isolate by school."""
    backend: str = request.param
    tdb = fresh_database_factory(backend)
    engine = db.make_engine(tdb.url)
    try:
        db.upgrade(engine)
    finally:
        engine.dispose()
    return tdb


@pytest.fixture(scope="session")
def _engines() -> Iterator[dict[str, Engine]]:
    cache: dict[str, Engine] = {}
    yield cache
    for e in cache.values():
        e.dispose()


@pytest.fixture
def engine(database: TestDatabase, _engines: dict[str, Engine]) -> Engine:
    key = database.url_text
    if key not in _engines:
        _engines[key] = db.make_engine(database.url)
    return _engines[key]


@pytest.fixture
def uow(engine: Engine) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(engine)


_counter = itertools.count(1)


@dataclass
class SchoolKit:
    """A fresh school in the test database, with helpers to add students and invoices."""

    engine: Engine
    school: School
    prefix: str

    def student(
        self,
        first_name: str = "Søren",
        last_name: str = "Jensen",
        *,
        student_no: str | None = None,
        phone: str = "",
        email: str = "",
    ) -> Student:
        uow = SqlAlchemyUnitOfWork(self.engine)
        no = student_no or f"{self.prefix}S{next(_counter)}"
        with uow.write():
            st = records.add_student(
                uow.session,
                self.school,
                student_no=no,
                first_name=first_name,
                last_name=last_name,
                phone=phone,
                email=email,
            )
            uow.commit()
        return st

    def invoice(
        self,
        student: Student,
        amount_minor: int,
        *,
        text: str = "Køretime 45 min",
        due: dt.date | None = None,
        invoice_no: str | None = None,
        cancelled: bool = False,
    ) -> Invoice:
        uow = SqlAlchemyUnitOfWork(self.engine)
        no = invoice_no or f"{self.prefix}F{next(_counter)}"
        with uow.write():
            inv = records.add_invoice(
                uow.session,
                self.school,
                student,
                invoice_no=no,
                text=text,
                amount_minor=amount_minor,
                due_date=due
                or self.school.local_date(dt.datetime.now(UTC)) + dt.timedelta(days=14),
                cancelled=cancelled,
            )
            uow.commit()
        return inv


@pytest.fixture
def kit(engine: Engine) -> SchoolKit:
    return new_kit(engine)


def new_kit(engine: Engine, name: str = "Østerbro Køreskole") -> SchoolKit:
    """A fresh school of its own (a test may make several in one database)."""
    n = next(_counter)
    # Letters only (digits a-j): a prefix with digits would be found by a number search
    # ("1234" finds a student numbered "t1234…-S7").
    tag = f"{n}{secrets.randbelow(10_000):04d}"
    prefix = "t" + "".join(chr(ord("a") + int(d)) for d in tag) + "-"
    uow = SqlAlchemyUnitOfWork(engine)
    with uow.write():
        school = uow.schools.add(
            NewSchool(
                slug=f"school-{prefix.rstrip('-')}",
                name=name,
                address="Østerbrogade 1, 2100 København Ø",
                cvr="12345678",
            ),
            dt.datetime.now(UTC),
        )
        uow.commit()
    return SchoolKit(engine, school, prefix)
