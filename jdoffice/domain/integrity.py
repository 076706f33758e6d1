"""Inconsistencies in the shared database: rows that break an invariant
(docs/architecture.md, "Invariants").

jdoffice writes consistent rows, and revision 0006 makes the database refuse most wrong ones.
Another system sharing the database (the web system), a hand-made fix, or rows written before
that revision can still leave something wrong: ``jdoffice db check`` lists it, and the desk
warns when it touches the student on screen instead of showing wrong figures as right.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Problem(enum.StrEnum):
    """What is wrong; the values are stable (``db check --json`` prints them)."""

    BALANCE_MISMATCH = "balance_mismatch"
    FOREIGN_CURRENCY = "foreign_currency"
    MIXED_SCHOOLS = "mixed_schools"
    ORPHAN = "orphan"
    REFUNDED_MISMATCH = "refunded_mismatch"
    BAD_AMOUNT = "bad_amount"
    UNKNOWN_STATUS = "unknown_status"
    BAD_CURRENCY = "bad_currency"
    DUPLICATE_RECEIPT = "duplicate_receipt"
    RECEIPT_COUNTER_BEHIND = "receipt_counter_behind"


@dataclass(frozen=True, slots=True)
class Inconsistency:
    """One row (or one school's counter) that breaks an invariant.

    Attributes:
        problem: what is wrong.
        table: the table of the offending row.
        row_id: its primary key, as text.
        school_id: the school the row says it belongs to (None when it names none).
        student_id: the student it concerns, when there is one.
        detail: one English sentence for the operator, with the figures involved.
        other_school_id: for rows of mixed schools, the school of the student, payment or
            invoice the row is about.
    """

    problem: Problem
    table: str
    row_id: str
    school_id: int | None
    student_id: int | None
    detail: str
    other_school_id: int | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "problem": self.problem.value,
            "table": self.table,
            "row_id": self.row_id,
            "school_id": self.school_id,
            "student_id": self.student_id,
            "detail": self.detail,
            "other_school_id": self.other_school_id,
        }

    def concerns(self, school_id: int) -> bool:
        """Whether the row is the school's, or about one of its students or payments."""
        return school_id in (self.school_id, self.other_school_id)

    @property
    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.problem.value, self.table, f"{len(self.row_id):04d}{self.row_id}", self.detail)
