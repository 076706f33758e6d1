"""A school's staff for the staff and shift tests: an admin, a manager and a receptionist,
each with a PIN of their own, made fresh (random digits) for every test."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, select

from jdoffice.adapters.orm import Base
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.model import UTC, School
from jdoffice.domain.staff import Role, StaffMember
from jdoffice.services.staff import add_staff, sign_in
from tests.conftest import SchoolKit

DESK = "kasse-1"


def new_pin() -> str:
    """Eight random digits: a PIN no other row of the test database can contain by chance."""
    return f"{secrets.randbelow(10**8):08d}"


@dataclass
class Staff:
    admin: StaffMember
    manager: StaffMember
    receptionist: StaffMember
    pins: dict[str, str]

    def pin(self, member: StaffMember) -> str:
        return self.pins[member.initials]


def make_staff(uow: SqlAlchemyUnitOfWork, kit: SchoolKit) -> Staff:
    """The school's first account (its admin), then a manager and a receptionist."""
    pins = {"AD": new_pin(), "MG": new_pin(), "RC": new_pin()}
    school = kit.school
    admin = add_staff(
        uow,
        school,
        initials="ad",
        name="Anne Dahl",
        role="admin",
        pin=pins["AD"],
        by=None,
        desk=DESK,
    )
    manager = add_staff(
        uow,
        school,
        initials="MG",
        name="Mads Grøn",
        role=Role.MANAGER,
        pin=pins["MG"],
        by=admin,
        desk=DESK,
    )
    receptionist = add_staff(
        uow,
        school,
        initials="RC",
        name="Rikke Carlsen",
        role="receptionist",
        pin=pins["RC"],
        by=admin,
        desk=DESK,
    )
    return Staff(admin, manager, receptionist, pins)


def hire(
    uow: SqlAlchemyUnitOfWork,
    school: School,
    initials: str,
    role: Role | str,
    *,
    by: StaffMember | None,
    pin: str | None = None,
    name: str = "Ny Medarbejder",
) -> StaffMember:
    """:func:`add_staff` at :data:`DESK`, with a fresh PIN unless one is given."""
    return add_staff(
        uow,
        school,
        initials=initials,
        name=name,
        role=role,
        pin=new_pin() if pin is None else pin,
        by=by,
        desk=DESK,
    )


def signed_in(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, staff: Staff, who: StaffMember
) -> StaffMember:
    return sign_in(uow, kit.school, who.initials, staff.pin(who), desk=DESK)


def every_stored_text(engine: Engine) -> list[tuple[str, str, str]]:
    """``(table, column, value as text)`` of every non-empty value of every table jdoffice
    has, JSON as its text; for scanning the whole database for something that must not be
    there."""
    out: list[tuple[str, str, str]] = []
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(select(table)):
                for column, value in row._mapping.items():
                    if value is None:
                        continue
                    text = (
                        json.dumps(value, default=str)
                        if isinstance(value, dict | list)
                        else str(value)
                    )
                    out.append((table.name, str(column), text))
    return out


def at(minutes: float, start: dt.datetime | None = None) -> dt.datetime:
    """An instant ``minutes`` after ``start`` (default: a fixed test morning)."""
    base = start or dt.datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    return base + dt.timedelta(minutes=minutes)
