"""The tables of who is at the desk and the cash-up (revision 0007, issue 14).

``staff``: a school's accounts, the PIN kept only as an argon2id hash (a CHECK refuses
anything else); ``shifts``: a desk's shifts, at most one open per desk (``open_desk`` is the
desk while open and NULL once closed, under a unique key), Z numbers per desk, the frozen
figures and report of the close; ``shift_movements``: pay-ins and pay-outs. Rows name their
staff through composite keys ``(staff_id, school_id)``, so a row's staff member is always of
the row's school, in the style of revision 0006.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from jdoffice.adapters.column_types import ExactString, Id, Minor, UTCDateTime
from jdoffice.adapters.orm_base import Base, Timestamps, currency_check, school_currency

STAFF_ROLES = "'receptionist', 'manager', 'admin'"
MOVEMENT_KINDS = "'pay_in', 'pay_out'"
#: An open shift names its desk in ``open_desk``; a closed one has its count, its figures,
#: its Z number and who closed it, and its variance is the count less the expected figure.
SHIFT_STATE = (
    "(closed_at IS NULL AND open_desk IS NOT NULL AND open_desk = desk) OR "
    "(closed_at IS NOT NULL AND open_desk IS NULL AND z_no IS NOT NULL "
    "AND closed_by_id IS NOT NULL AND counted_minor IS NOT NULL "
    "AND expected_minor IS NOT NULL AND variance_minor = counted_minor - expected_minor)"
)


def school_staff(table: str, column: str) -> ForeignKeyConstraint:
    """``(column, school_id)`` → ``staff(id, school_id)``: the row's staff member works at
    the row's school."""
    return ForeignKeyConstraint(
        [column, "school_id"],
        ["staff.id", "staff.school_id"],
        name=f"fk_{table}_{column.removesuffix('_id')}_school",
    )


class StaffRow(Timestamps, Base):
    __tablename__ = "staff"
    __table_args__ = (
        UniqueConstraint("school_id", "initials"),
        UniqueConstraint("id", "school_id"),
        CheckConstraint(f"role IN ({STAFF_ROLES})", name="role"),
        CheckConstraint("pin_hash LIKE '$argon2id$%'", name="pin_hash"),
        CheckConstraint("failed_attempts >= 0", name="failed_attempts"),
        CheckConstraint("initials <> ''", name="initials"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    initials: Mapped[str] = mapped_column(ExactString(8))
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    pin_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)


class ShiftRow(Timestamps, Base):
    __tablename__ = "shifts"
    __table_args__ = (
        UniqueConstraint("id", "school_id"),
        UniqueConstraint("school_id", "open_desk"),
        UniqueConstraint("school_id", "desk", "z_no"),
        Index("ix_shifts_school_id_desk_opened_at", "school_id", "desk", "opened_at"),
        school_currency("shifts"),
        school_staff("shifts", "opened_by_id"),
        school_staff("shifts", "closed_by_id"),
        CheckConstraint("float_minor >= 0", name="float"),
        CheckConstraint("counted_minor IS NULL OR counted_minor >= 0", name="counted"),
        CheckConstraint("z_no IS NULL OR z_no > 0", name="z_no"),
        CheckConstraint(SHIFT_STATE, name="state"),
        *currency_check(),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    desk: Mapped[str] = mapped_column(String(64))
    open_desk: Mapped[str | None] = mapped_column(String(64), default=None)
    currency: Mapped[str] = mapped_column(String(3))
    float_minor: Mapped[int] = mapped_column(Minor)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    opened_by_id: Mapped[int] = mapped_column(Id)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    closed_by_id: Mapped[int | None] = mapped_column(Id, default=None)
    z_no: Mapped[int | None] = mapped_column(Integer, default=None)
    counted_minor: Mapped[int | None] = mapped_column(Minor, default=None)
    expected_minor: Mapped[int | None] = mapped_column(Minor, default=None)
    variance_minor: Mapped[int | None] = mapped_column(Minor, default=None)
    note: Mapped[str] = mapped_column(String(500), default="")
    #: The Z-report as printed at the close (``jdoffice.domain.shifts.ZReport.to_json``).
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


class ShiftMovementRow(Timestamps, Base):
    """A pay-in or pay-out of a shift's drawer, with its reason."""

    __tablename__ = "shift_movements"
    __table_args__ = (
        ForeignKeyConstraint(
            ["shift_id", "school_id"],
            ["shifts.id", "shifts.school_id"],
            name="fk_shift_movements_shift_school",
        ),
        school_currency("shift_movements"),
        school_staff("shift_movements", "staff_id"),
        CheckConstraint(f"kind IN ({MOVEMENT_KINDS})", name="kind"),
        CheckConstraint("amount_minor > 0", name="amount"),
        CheckConstraint("reason <> ''", name="reason"),
        *currency_check(),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    shift_id: Mapped[str] = mapped_column(String(36), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    kind: Mapped[str] = mapped_column(String(8))
    amount_minor: Mapped[int] = mapped_column(Minor)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(200))
    staff_id: Mapped[int] = mapped_column(Id)
