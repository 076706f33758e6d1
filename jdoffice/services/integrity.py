"""Checking the shared database against the invariants (``jdoffice db check``).

The checks themselves are queries (``uow.integrity``, :mod:`jdoffice.adapters.integrity`);
this module gives them to the command line and to the student view.
"""

from __future__ import annotations

from dataclasses import dataclass

from jdoffice.domain.integrity import Inconsistency
from jdoffice.domain.model import School
from jdoffice.services.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What ``db check`` found: nothing means the database is consistent."""

    school: School | None
    found: tuple[Inconsistency, ...]

    @property
    def clean(self) -> bool:
        return not self.found

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for i in self.found:
            out[i.problem.value] = out.get(i.problem.value, 0) + 1
        return dict(sorted(out.items()))

    def to_json(self) -> dict[str, object]:
        return {
            "school": self.school.slug if self.school else None,
            "clean": self.clean,
            "counts": self.counts(),
            "inconsistencies": [i.to_json() for i in self.found],
        }


def check_database(uow: UnitOfWork, school: School | None = None) -> CheckReport:
    """Every inconsistency in the database; with ``school``, those of its rows and of rows
    of other schools about its students or payments (school A's payment for school B's
    student changes B's figures)."""
    with uow:
        found = uow.integrity.find()
    if school is not None:
        found = [i for i in found if i.concerns(school.id)]
    return CheckReport(school, tuple(found))


def student_problems(uow: UnitOfWork, student_id: int) -> tuple[Inconsistency, ...]:
    """Inconsistencies touching one student (inside the caller's unit of work)."""
    return tuple(uow.integrity.find(student_id=student_id))
