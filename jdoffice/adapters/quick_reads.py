"""The reads of ``jdoffice search`` on the shared database, in SQLAlchemy Core alone.

A search from the command line is a process that reads the school and runs one statement:
a unit of work would load SQLAlchemy's ORM and every model first, which takes longer than
the search. :class:`QuickReads` gives :func:`jdoffice.services.student_search.resolve_school`
and :func:`jdoffice.services.student_search.search_students` what they read, on a plain
connection and the statement of :mod:`jdoffice.adapters.repos.search_read`. Driver errors
come out translated as a unit of work's do (``Unavailable`` and the rest).
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import DBAPIError

from jdoffice.adapters.db_errors import translate_db_error
from jdoffice.adapters.mapping import to_school
from jdoffice.adapters.read_tables import SCHOOLS
from jdoffice.adapters.repos.search_read import search_alone
from jdoffice.domain.model import School
from jdoffice.domain.search import SearchQuery, StudentHit


class CoreSchools:
    """The schools, read on the connection of a :class:`QuickReads` block."""

    def __init__(self, reads: QuickReads) -> None:
        self._reads = reads

    def get_by_slug(self, slug: str) -> School | None:
        stmt = select(SCHOOLS).where(SCHOOLS.c.slug == slug)
        r = self._reads.connection().execute(stmt).first()
        return to_school(r) if r is not None else None

    def all(self) -> list[School]:
        stmt = select(SCHOOLS).order_by(SCHOOLS.c.slug)
        return [to_school(r) for r in self._reads.connection().execute(stmt)]


class QuickReads:
    """The schools inside a ``with`` block (one connection, opened on the first read), and
    the search as a read on its own."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Connection | None = None
        self._open = False
        self.schools = CoreSchools(self)

    def connection(self) -> Connection:
        if not self._open:
            raise RuntimeError("quick reads used outside their `with` block")
        if self._conn is None:
            self._conn = self.engine.connect()
        return self._conn

    def __enter__(self) -> QuickReads:
        if self._open:
            raise RuntimeError("quick reads are already open")
        self._open = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn, self._open = self._conn, None, False
        try:
            if conn is not None:
                conn.close()  # rolls back what the driver began
        except DBAPIError as close_exc:
            if exc is None:
                raise translate_db_error(close_exc) from close_exc
        if isinstance(exc, DBAPIError):
            raise translate_db_error(exc) from exc

    def search_students(
        self, school_id: int, query: SearchQuery, limit: int, *, enough: int | None = None
    ) -> list[StudentHit]:
        """The search as a read on its own (:mod:`jdoffice.adapters.repos.search_read`)."""
        try:
            return search_alone(self.engine, school_id, query, limit, enough=enough)
        except DBAPIError as exc:
            raise translate_db_error(exc) from exc
