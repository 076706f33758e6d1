"""Exported periods of the books (issue 15): what was handed to the bookkeeper, and when.

Each run of ``books export`` is recorded. The first export of a period delivers its
postings: each line's key (:attr:`jdoffice.domain.postings.Posting.key`) is recorded as
delivered, once per school, so no line is ever handed over twice. Asking for the same period
again repeats that export: the same lines, the same bytes for the same format. A line that
arrives later with a date in an exported period (a payment taken offline and pushed after the
export) is not slipped into the old period: the next export of a later period carries it as a
correction, dated on its own first day (:func:`jdoffice.domain.postings.as_correction`). A
period that overlaps an exported one without being the same is refused: its lines would be
delivered twice or split.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from jdoffice.domain.errors import BusinessRuleError

#: How far before a new export's first day late lines are looked for in exported periods
#: (a year and a month: an offline push comes within days, and a bookkeeper's year is closed
#: by then).
CORRECTION_LOOKBACK = dt.timedelta(days=396)


@dataclass(frozen=True, slots=True)
class ExportRecord:
    """One run of ``books export``: a first export (``repeat_of`` None) or a repeat of one."""

    id: int
    school_id: int
    start: dt.date
    end: dt.date
    fmt: str
    at: dt.datetime
    staff: str
    desk: str
    postings: int
    corrections: int
    total_minor: int
    #: SHA-256 of the file's bytes.
    digest: str
    repeat_of: int | None = None
    staff_id: int | None = None

    @property
    def first(self) -> bool:
        return self.repeat_of is None


@dataclass(frozen=True, slots=True)
class Delivered:
    """A line handed over: its key, its own date, and whether it came as a correction."""

    key: str
    day: dt.date
    correction: bool = False


def last_month(today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the month before ``today``'s (the desk's default period)."""
    end = today.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


def period_text(start: dt.date, end: dt.date) -> str:
    return start.isoformat() if start == end else f"{start.isoformat()} – {end.isoformat()}"


def same_period(
    records: Iterable[ExportRecord], start: dt.date, end: dt.date
) -> ExportRecord | None:
    """The first export of exactly ``start`` – ``end``, if there is one."""
    for r in records:
        if r.first and (r.start, r.end) == (start, end):
            return r
    return None


def check_no_overlap(records: Iterable[ExportRecord], start: dt.date, end: dt.date) -> None:
    """Raises BusinessRuleError: ``start`` – ``end`` overlaps an exported period without being
    it (the message names the export and what may be asked instead)."""
    for r in records:
        if r.first and r.start <= end and start <= r.end and (r.start, r.end) != (start, end):
            after = r.end + dt.timedelta(days=1)
            raise BusinessRuleError(
                f"{period_text(start, end)} overlaps the period {period_text(r.start, r.end)} "
                f"exported on {r.at:%Y-%m-%d %H:%M} UTC by {r.staff or '?'} at "
                f"{r.desk or '?'} (export {r.id}); ask for exactly that period to repeat it, "
                f"or for a period from {after.isoformat()}"
            )


def exported_before(
    records: Iterable[ExportRecord], start: dt.date, lookback: dt.timedelta = CORRECTION_LOOKBACK
) -> list[tuple[dt.date, dt.date]]:
    """The exported periods before ``start`` (within ``lookback``), clipped to it, oldest
    first: where a line arriving late is a correction for the export from ``start``."""
    floor = start - lookback
    out = []
    for r in records:
        if r.first and r.end < start and r.end >= floor:
            out.append((max(r.start, floor), r.end))
    return sorted(out)
