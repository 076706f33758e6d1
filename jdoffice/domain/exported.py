"""Exported periods of the books (issue 15): what was handed to the bookkeeper, and when.

Each run of ``books export`` is recorded. The first export of a period delivers its
postings, and each line is stored in full (:class:`Delivered`), so no line is ever handed over
twice and asking for the same period again writes exactly those lines: the same bytes for the
same format. A line that arrives later with a date in an exported period (a payment taken
offline and pushed after the export) is not slipped into the old period: the next export of a
later period carries it as a correction, dated on its own first day
(:func:`jdoffice.domain.postings.as_correction`). A delivered line its row no longer gives (a
refund that failed later) is taken back there (:func:`jdoffice.domain.postings.as_reversal`);
a changed one (a recounted shift) is taken back and given anew as version + 1
(:func:`unchanged` says what counts as a change). A period that overlaps an exported one
without being it is refused: its lines would be delivered twice or split.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from jdoffice.domain.errors import BusinessRuleError
from jdoffice.domain.postings import AccountMap, Posting, as_correction, as_reversal

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
    #: The account mapping the file was written with (None: recorded before revision 0013).
    accounts: AccountMap | None = None

    @property
    def first(self) -> bool:
        return self.repeat_of is None


@dataclass(frozen=True, slots=True)
class Delivered:
    """A line handed over, stored so it can be written again byte for byte.

    ``posting`` is the line as the rows gave it (its own date); the file had it as is, or as a
    correction dated ``corrected_on`` (:func:`as_correction`), or, ``reversal``, as that
    line taken back on ``corrected_on`` (:func:`as_reversal`). ``version`` counts the
    deliveries of one row's line (``key``): a changed line is the old version's reversal plus
    version + 1. ``posting`` is None for a line delivered before revision 0013, which stored
    only its key and date.
    """

    key: str
    day: dt.date
    posting: Posting | None = None
    version: int = 1
    reversal: bool = False
    corrected_on: dt.date | None = None
    seq: int = 0

    @property
    def correction(self) -> bool:
        return self.corrected_on is not None

    def written(self) -> Posting:
        """The line as the file had it (only for a line stored in full)."""
        assert self.posting is not None
        if self.corrected_on is None:
            return self.posting
        if self.reversal:
            return as_reversal(self.posting, self.corrected_on)
        return as_correction(self.posting, self.corrected_on)


@dataclass(frozen=True, slots=True)
class Standing:
    """Where one row's line stands with the bookkeeper: its highest version delivered, and
    that version's line unless it was taken back (``current`` None)."""

    version: int
    current: Delivered | None


def standings(lines: Iterable[Delivered]) -> dict[str, Standing]:
    """Each key's standing from its delivered lines (of any exports)."""
    by_key: dict[str, list[Delivered]] = {}
    for d in lines:
        by_key.setdefault(d.key, []).append(d)
    out = {}
    for key, ds in by_key.items():
        top = max(d.version for d in ds)
        taken_back = any(d.reversal and d.version == top for d in ds)
        line = next((d for d in ds if d.version == top and not d.reversal), None)
        out[key] = Standing(top, None if taken_back else line)
    return out


def unchanged(delivered: Delivered, now: Posting) -> bool:
    """Whether ``now`` (the rows' line today) is the line delivered, for the books: the
    same day, amount, currency and direction. A line stored only by key (before revision
    0013) counts as unchanged; so does an account renumbered since (the mapping applies
    from its change on; delivered lines are not moved)."""
    was = delivered.posting
    if was is None:
        return True
    swapped = (now.debit, now.credit) == (was.credit, was.debit)
    return (was.date, was.amount_minor, was.currency) == (
        now.date,
        now.amount_minor,
        now.currency,
    ) and not swapped


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
