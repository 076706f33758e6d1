"""A school's staff accounts (issue 14). The PIN hash is read only by :meth:`credentials`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, insert, select, update

from jdoffice.adapters.clock import db_utcnow
from jdoffice.adapters.orm import SchoolRow, StaffRow
from jdoffice.adapters.repos.base import Repo
from jdoffice.adapters.statements import STAFF_COUNT
from jdoffice.domain.staff import Role, StaffMember
from jdoffice.services.ports import NewStaff

#: The columns of an account as the desk sees it: never the PIN hash.
_MEMBER = (
    StaffRow.id,
    StaffRow.school_id,
    StaffRow.initials,
    StaffRow.name,
    StaffRow.role,
    StaffRow.active,
    StaffRow.failed_attempts,
    StaffRow.locked_until,
)
_UPDATABLE = {"name", "role", "active", "pin_hash", "failed_attempts", "locked_until"}


def to_member(r: Any) -> StaffMember:
    """A row of :data:`_MEMBER` (with or without the hash) as the account."""
    return StaffMember(
        id=int(r.id),
        school_id=int(r.school_id),
        initials=r.initials,
        name=r.name,
        role=Role(r.role),
        active=bool(r.active),
        failed_attempts=int(r.failed_attempts),
        locked_until=r.locked_until,
    )


class SqlStaff(Repo):
    def lock_roster(self, school_id: int) -> None:
        self.s.execute(select(SchoolRow.id).where(SchoolRow.id == school_id).with_for_update())

    def add(self, new: NewStaff, now: dt.datetime) -> StaffMember:
        res = self.s.execute(
            insert(StaffRow).values(
                school_id=new.school_id,
                initials=new.initials,
                name=new.name,
                role=new.role.value,
                pin_hash=new.pin_hash,
                active=True,
                failed_attempts=0,
                locked_until=None,
                created_at=now,
                updated_at=db_utcnow(),
            )
        )
        pk = getattr(res, "inserted_primary_key", None)
        assert pk is not None
        staff_id = int(pk[0])
        return StaffMember(staff_id, new.school_id, new.initials, new.name, new.role)

    def get(self, school_id: int, staff_id: int) -> StaffMember | None:
        r = self.s.execute(
            select(*_MEMBER).where(StaffRow.school_id == school_id, StaffRow.id == staff_id)
        ).first()
        return to_member(r) if r is not None else None

    def by_initials(self, school_id: int, initials: str) -> StaffMember | None:
        r = self.s.execute(
            select(*_MEMBER).where(StaffRow.school_id == school_id, StaffRow.initials == initials)
        ).first()
        return to_member(r) if r is not None else None

    def credentials(
        self, school_id: int, initials: str, *, lock: bool = False
    ) -> tuple[StaffMember, str] | None:
        stmt = select(*_MEMBER, StaffRow.pin_hash).where(
            StaffRow.school_id == school_id, StaffRow.initials == initials
        )
        if lock:
            stmt = stmt.with_for_update()
        r = self.s.execute(stmt).first()
        return (to_member(r), str(r.pin_hash)) if r is not None else None

    def listing(self, school_id: int, *, include_disabled: bool) -> list[StaffMember]:
        stmt = select(*_MEMBER).where(StaffRow.school_id == school_id)
        if not include_disabled:
            stmt = stmt.where(StaffRow.active.is_(True))
        return [to_member(r) for r in self.s.execute(stmt.order_by(StaffRow.initials))]

    def count(self, school_id: int) -> int:
        return int(self.run(STAFF_COUNT, {"school_id": school_id}).scalar() or 0)

    def active_admins(self, school_id: int) -> int:
        return int(
            self.s.scalar(
                select(func.count())
                .select_from(StaffRow)
                .where(
                    StaffRow.school_id == school_id,
                    StaffRow.role == Role.ADMIN.value,
                    StaffRow.active.is_(True),
                )
            )
            or 0
        )

    def update(self, staff_id: int, now: dt.datetime, **fields: object) -> None:
        bad = set(fields) - _UPDATABLE
        if bad:
            raise ValueError(f"cannot update staff columns {sorted(bad)}")
        values = {k: (v.value if isinstance(v, Role) else v) for k, v in fields.items()}
        self.s.execute(
            update(StaffRow)
            .where(StaffRow.id == staff_id)
            .values(**values, updated_at=db_utcnow())
            .execution_options(synchronize_session=False)
        )
