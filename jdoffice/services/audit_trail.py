"""The audit trail, readable (issue 15): who did what, when, at which desk, with whose
approval, and the document it concerns, for a period; narrowed to one staff member (what
they did or approved) or one student (their payments, refunds, online payments and
receipts). Reading it is a manager's (or a manager's approval); a school without staff
accounts has nobody to sign in, and anyone at its desk may read it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jdoffice.domain.errors import InvalidInput, NotFound
from jdoffice.domain.model import School
from jdoffice.domain.staff import ACTION_WORDS, Action, NotAllowed, initials_or_none
from jdoffice.services.ports import UnitOfWork
from jdoffice.services.staff import Who, authorize

#: The most entries one listing returns (narrow the period or the person for more).
MAX_ENTRIES = 5000


@dataclass(frozen=True, slots=True)
class AuditLine:
    """One entry as staff read it: the people by name and initials."""

    at: dt.datetime
    action: str
    entity: str
    entity_id: str
    staff: str
    approver: str
    desk: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None


def audit_list(
    uow: UnitOfWork,
    school: School,
    *,
    start: dt.date,
    end: dt.date,
    by: Who | None,
    staff_initials: str | None = None,
    student_no: str | None = None,
    limit: int = 1000,
) -> list[AuditLine]:
    """The school's audit entries of its local days ``start`` to ``end`` (both included),
    oldest first, at most ``limit``.

    Raises:
        InvalidInput: the period ends before it starts, or a limit out of range.
        NotFound: no such staff member or student at the school.
        NotAllowed: nobody signed in (once the school has staff accounts), or not a manager.
    """
    if end < start:
        raise InvalidInput("the period ends before it starts")
    if not 1 <= limit <= MAX_ENTRIES:
        raise InvalidInput(f"the limit must be between 1 and {MAX_ENTRIES}")
    begin, _ = school.day_bounds(start)
    _, finish = school.day_bounds(end)
    with uow:
        if by is None:
            if uow.staff.count(school.id) > 0:
                raise NotAllowed(
                    f"sign in first: {ACTION_WORDS[Action.AUDIT]} needs a signed-in manager "
                    f"of {school.name}"
                )
        else:
            authorize(uow, school, Action.AUDIT, by)
        staff_id = None
        if staff_initials is not None:
            key = initials_or_none(staff_initials.strip().upper())
            member = uow.staff.by_initials(school.id, key) if key else None
            if member is None:
                raise NotFound(f"no staff member {staff_initials.strip()!r} at {school.name}")
            staff_id = member.id
        student_id = None
        if student_no is not None:
            student = uow.students.get_by_no(school.id, student_no.strip())
            if student is None:
                raise NotFound(f"no student {student_no.strip()!r} at {school.name}")
            student_id = student.id
        entries = uow.audit.listing(
            school.id, begin, finish, staff_id=staff_id, student_id=student_id, limit=limit
        )
        names: dict[int, str] = {}
        for e in entries:
            for sid in (e.actor.staff_id, e.actor.approver_id):
                if sid is not None and sid not in names:
                    m = uow.staff.get(school.id, sid)
                    names[sid] = f"{m.name} ({m.initials})" if m is not None else f"#{sid}"
    return [
        AuditLine(
            at=e.at,
            action=e.action,
            entity=e.entity,
            entity_id=e.entity_id,
            staff=names[e.actor.staff_id] if e.actor.staff_id is not None else e.actor.staff,
            approver=names[e.actor.approver_id] if e.actor.approver_id is not None else "",
            desk=e.actor.desk,
            before=e.before,
            after=e.after,
        )
        for e in entries
    ]
