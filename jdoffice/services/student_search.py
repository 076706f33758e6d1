"""Finding a student: the school a command works for, and the search, best first.

Kept apart from :mod:`jdoffice.services.queries` (which re-exports them) so that a process
that only searches (``jdoffice search``) loads this and the domain's search, not every use
case: both take the little of a unit of work they read (:class:`SchoolLookup`,
:class:`StudentSearch`), which the full unit of work provides as well.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Generic, Protocol, TypeVar

from jdoffice.domain.errors import InvalidInput, NotFound
from jdoffice.domain.model import School
from jdoffice.domain.search import SearchQuery, StudentHit, parse_query, ranker

T = TypeVar("T")

MAX_SEARCH_LIMIT = 500


class SchoolFinder(Protocol):
    def get_by_slug(self, slug: str) -> School | None: ...
    def all(self) -> Sequence[School]: ...


class SchoolLookup(Protocol):
    """What :func:`resolve_school` reads: the schools, inside a ``with`` block."""

    @property
    def schools(self) -> SchoolFinder: ...
    def __enter__(self) -> object: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class StudentSearch(Protocol):
    """What :func:`search_students` reads: the search as a read on its own."""

    def search_students(
        self, school_id: int, query: SearchQuery, limit: int, *, enough: int | None = None
    ) -> list[StudentHit]: ...


@dataclass(frozen=True, slots=True)
class Reading(Generic[T]):
    """What a read returned, and whether it came from the local copy."""

    value: T
    offline: bool
    last_pull_at: dt.datetime | None = None
    reason: str = ""


def resolve_school(uow: SchoolLookup, slug: str | None) -> School:
    """The school a command works for: by slug, or the only one when there is just one."""
    with uow:
        if slug:
            school = uow.schools.get_by_slug(slug.strip())
            if school is None:
                known = ", ".join(s.slug for s in uow.schools.all()) or "none"
                raise NotFound(f"no school {slug!r} (known: {known})")
            return school
        schools = uow.schools.all()
    if not schools:
        raise NotFound("the database has no school yet: run `jdoffice demo` or import one")
    if len(schools) > 1:
        names = ", ".join(s.slug for s in schools)
        raise InvalidInput(f"several schools in this database; choose one with --school ({names})")
    return schools[0]


def search_students(
    uow: StudentSearch, school: School, text: str, limit: int = 20
) -> list[StudentHit]:
    """Students matching ``text`` by name, phone, student number or e-mail, best first."""
    if limit < 1 or limit > MAX_SEARCH_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_SEARCH_LIMIT}")
    query = parse_query(text)
    if query.empty:
        return []
    # Fetch more candidates than shown so ranking can lift the best ones. The name pairs find
    # the students with every word but the last whole (``noah han``: Noah Hansen); when they
    # are as many as will be shown, the words alone are not read, and a student matched only
    # by the start of an earlier word (Noahbert Hansen) shows once the pairs are fewer.
    hits = uow.search_students(school.id, query, max(limit * 5, 100), enough=limit)
    if len(hits) > 1:  # an exact phone or number usually finds one: nothing to rank
        rank = ranker(query)
        hits.sort(
            key=lambda h: (rank(h.name, h.student_no, h.phone, h.email), h.name, h.student_no)
        )
    return hits[:limit]
