"""Exporting the books as a recorded act (issue 15): a period is exported once, repeated byte
for byte, and a line that arrives, goes or changes after its day was exported comes as a
correction in the next export (:mod:`jdoffice.domain.exported` states the rules).

The postings are derived from the money rows (:func:`jdoffice.services.books.period_postings`);
what is stored is what was handed over: each export (period, format, who, when, count, total,
the file's SHA-256, the account mapping) and each line it delivered, in full. A repeat writes
the stored lines of the first export (nothing is derived again, so nothing drifts); a first
export compares the lines delivered for the exported days of the last 13 months with what the
rows give now, and delivers the difference as corrections dated on its first day: a new line
as is, a line no longer given as a reversal, a changed line as a reversal and the new line.

The file is written to the caller's sink before anything is recorded, outside any writing
transaction (a year's export takes seconds; the other desks keep taking payments), and the
export is recorded afterwards in one short transaction: the caller keeps the file only when
this returns (the command line writes beside the file and renames it).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO, cast

from jdoffice.domain import books_export
from jdoffice.domain.errors import BusinessRuleError, InvalidInput
from jdoffice.domain.exported import (
    CORRECTION_LOOKBACK,
    Delivered,
    ExportRecord,
    Standing,
    check_no_overlap,
    exported_before,
    period_text,
    same_period,
    standings,
    unchanged,
)
from jdoffice.domain.model import UTC, Actor, AuditEntry, School
from jdoffice.domain.postings import (
    AccountMap,
    Posting,
    as_correction,
    check_balanced,
    totals,
)
from jdoffice.domain.staff import Action
from jdoffice.services import books
from jdoffice.services.ports import DuplicateKey, UnitOfWork
from jdoffice.services.staff import acting


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export did, for the screen and ``--json``."""

    record: ExportRecord
    #: The first export of this period when this run repeats it.
    repeated: ExportRecord | None
    #: A repeat: whether the bytes are those of the earlier file in the same format
    #: (None: the period was not exported in this format before).
    identical: bool | None
    #: A repeat: lines dated in the period that arrived or changed after it was exported: the
    #: next export of a later period carries them as corrections.
    pending: int
    #: A repeat: lines the export delivered that the rows no longer give as delivered (a row
    #: undone, removed or changed): the next export of a later period takes them back.
    missing: int
    currency: str
    accounts: dict[str, int]
    #: The period was not over at the school when exported (it ends today or later): what is
    #: recorded later in it comes as corrections in the next export.
    unfinished: bool = False

    @property
    def postings(self) -> int:
        return self.record.postings

    @property
    def corrections(self) -> int:
        return self.record.corrections

    @property
    def total_minor(self) -> int:
        return self.record.total_minor


class _Hashing(io.BufferedIOBase):
    """Passes bytes on to ``sink`` and keeps their SHA-256."""

    def __init__(self, sink: BinaryIO) -> None:
        super().__init__()
        self._sink = sink
        self.sha = hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview, /) -> int:  # type: ignore[override]
        self.sha.update(data)
        self._sink.write(data)
        return len(data)


def _days(days: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Dates as runs of consecutive days."""
    runs: list[tuple[dt.date, dt.date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] + dt.timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _derived(
    uow: UnitOfWork, school: School, runs: Iterable[tuple[dt.date, dt.date]]
) -> list[Posting]:
    out: list[Posting] = []
    for a, b in runs:
        out.extend(books.period_postings(uow, school, a, b).lines)
    return out


@dataclass(frozen=True, slots=True)
class _Plan:
    """What an export writes, and (a first export) records as delivered."""

    lines: list[Posting]
    delivered: list[Delivered]
    corrections: int
    accounts: AccountMap
    pending: int = 0
    missing: int = 0


def _first(
    uow: UnitOfWork, school: School, records: list[ExportRecord], start: dt.date, end: dt.date
) -> _Plan:
    """A period's first export: the lines that came, went or changed on exported days before
    it (the last 13 months) as corrections dated ``start``, then its own lines."""
    period = books.period_postings(uow, school, start, end)
    runs = exported_before(records, start)
    with uow:
        stand = standings(uow.books.delivered_since(school.id, start - CORRECTION_LOOKBACK))
    earlier = {p.key: p for p in _derived(uow, school, runs)}
    here = {p.key for p in period.lines}
    fixes: list[Delivered] = []
    regular: list[Delivered] = []

    def take_back(line: Delivered) -> None:
        fixes.append(dataclasses.replace(line, reversal=True, corrected_on=start))

    def deliver(p: Posting, s: Standing | None, day: dt.date | None) -> Delivered:
        version = s.version + 1 if s is not None else 1
        return Delivered(p.key, p.date, p, version=version, corrected_on=day)

    for p in period.lines:
        s = stand.get(p.key)
        if s is not None and s.current is not None:
            # Delivered before on another day (its date moved): taken back there, given here.
            if s.current.posting is None:
                continue
            take_back(s.current)
        regular.append(deliver(p, s, None))
    for key, p in earlier.items():
        s = stand.get(key)
        if s is not None and s.current is not None:
            if unchanged(s.current, p):
                continue
            take_back(s.current)
        fixes.append(deliver(p, s, start))
    for key, s in stand.items():
        line = s.current
        if line is None or line.posting is None or key in earlier or key in here:
            continue
        if any(a <= line.day <= b for a, b in runs):
            take_back(line)  # its row no longer gives it (a refund failed, a row removed)

    def order(d: Delivered) -> tuple[dt.datetime, str, str, int, bool]:
        assert d.posting is not None
        return (d.posting.at, d.posting.document, d.key, d.version, not d.reversal)

    fixes.sort(key=order)
    delivered = [dataclasses.replace(d, seq=i) for i, d in enumerate(fixes + regular)]
    return _Plan(
        lines=[d.written() for d in delivered],
        delivered=delivered,
        corrections=len(fixes),
        accounts=period.accounts,
    )


def _repeat(
    uow: UnitOfWork, school: School, first: ExportRecord, start: dt.date, end: dt.date
) -> _Plan:
    """The same period again: the lines ``first`` delivered, as its file had them."""
    period = books.period_postings(uow, school, start, end)
    with uow:
        mine, since = uow.books.delivered_for_repeat(school.id, first.id, start)
        stand = standings(since)
        del since
    pending = sum(
        1
        for p in period.lines
        if (s := stand.get(p.key)) is None or s.current is None or not unchanged(s.current, p)
    )
    given = {p.key: p for p in period.lines}
    given.update(
        (p.key, p) for p in _derived(uow, school, _days(d.day for d in mine if d.correction))
    )
    missing = sum(
        1
        for d in mine
        if not d.reversal and ((p := given.get(d.key)) is None or not unchanged(d, p))
    )
    corrections = sum(1 for d in mine if d.correction)
    if all(d.posting is not None for d in mine):
        return _Plan(
            lines=[d.written() for d in mine],
            delivered=[],
            corrections=corrections,
            accounts=first.accounts or period.accounts,
            pending=pending,
            missing=missing,
        )
    # Recorded before revision 0013 (only the keys): the delivered lines as the rows give
    # them now, the corrections first.
    regular = [given[d.key] for d in mine if not d.correction and d.key in given]
    late = sorted(
        (given[d.key] for d in mine if d.correction and d.key in given),
        key=lambda p: (p.at, p.document, p.key),
    )
    return _Plan(
        lines=[as_correction(p, start) for p in late] + regular,
        delivered=[],
        corrections=len(late),
        accounts=period.accounts,
        pending=pending,
        missing=len(mine) - len(regular) - len(late),
    )


def list_exports(uow: UnitOfWork, school: School, *, actor: Actor) -> list[ExportRecord]:
    """Every export of the school's books, oldest first (a manager's, as exporting is).

    Raises:
        NotAllowed: see :func:`jdoffice.services.staff.acting`.
    """
    with uow:
        acting(uow, school, Action.BOOKS, actor)
        return uow.books.exports(school.id)


def export_books(
    uow: UnitOfWork,
    school: School,
    start: dt.date,
    end: dt.date,
    fmt: str,
    sink: BinaryIO,
    *,
    actor: Actor,
    now: dt.datetime | None = None,
) -> ExportResult:
    """Write the books of ``start`` – ``end`` in ``fmt`` to ``sink`` and record the export.

    A period never exported: its lines, after the corrections (lines that arrived, went or
    changed for exported periods before ``start``, dated ``start``). The same period again:
    the lines that export delivered, as its file had them (what changed meanwhile waits for
    the next export). Audited as ``books.exported``.

    Raises:
        InvalidInput: a bad period or format, or a period whose first day is after the
            school's today (nothing written).
        BusinessRuleError: the period overlaps an exported one without being it; a payment
            method without an account; another desk exported it meanwhile (nothing is
            recorded and the caller drops the file; not a ``Conflict``, which the desk words
            as a student changed meanwhile).
        NotAllowed: not a manager (see :func:`jdoffice.services.staff.acting`).
    """
    books.check_period(start, end)
    if fmt not in books_export.FORMATS:
        raise InvalidInput(f"unknown format {fmt!r}: one of {', '.join(books_export.FORMATS)}")
    when = now or dt.datetime.now(UTC)
    today = school.local_date(when)
    with uow:
        who = acting(uow, school, Action.BOOKS, actor)
        records = uow.books.exports(school.id)
    repeated = same_period(records, start, end)
    if repeated is None:
        if start > today:
            raise InvalidInput(
                f"{period_text(start, end)} has not begun (today is {today.isoformat()}): "
                "a period is exported from its first day on"
            )
        check_no_overlap(records, start, end)
        plan = _first(uow, school, records, start, end)
    else:
        plan = _repeat(uow, school, repeated, start, end)
    lines = plan.lines
    total = check_balanced(lines)

    hashing = _Hashing(sink)
    books.write(
        books.Books(school, start, end, plan.accounts, tuple(lines)), fmt, cast(BinaryIO, hashing)
    )
    digest = hashing.sha.hexdigest()

    record = ExportRecord(
        id=0,
        school_id=school.id,
        start=start,
        end=end,
        fmt=fmt,
        at=when,
        staff=who.staff,
        desk=who.desk,
        postings=len(lines),
        corrections=plan.corrections,
        total_minor=total,
        digest=digest,
        repeat_of=repeated.id if repeated is not None else None,
        staff_id=who.staff_id,
        accounts=plan.accounts,
    )
    delivered = plan.delivered if repeated is None else []
    try:
        with uow.write():
            now_there = uow.books.exports(school.id)
            if repeated is None and (
                same_period(now_there, start, end) is not None
                or any(r.first and r.start <= end and start <= r.end for r in now_there)
            ):
                raise BusinessRuleError(
                    f"another desk exported {period_text(start, end)} meanwhile; ask again"
                )
            new_id = uow.books.add(record, delivered)
            uow.audit.add(
                AuditEntry(
                    school_id=school.id,
                    action="books.exported",
                    entity="books_export",
                    entity_id=str(new_id),
                    actor=who,
                    at=when,
                    after={
                        "from": start.isoformat(),
                        "to": end.isoformat(),
                        "format": fmt,
                        "postings": len(lines),
                        "corrections": plan.corrections,
                        "total_minor": total,
                        "sha256": digest,
                        "repeat_of": record.repeat_of,
                    },
                )
            )
            uow.commit()
    except DuplicateKey as exc:
        raise BusinessRuleError(
            f"another desk exported lines of {period_text(start, end)} meanwhile; ask again"
        ) from exc
    identical: bool | None = None
    if repeated is not None:
        same_format = [
            r
            for r in records
            if r.fmt == fmt and (r.id == repeated.id or r.repeat_of == repeated.id)
        ]
        identical = same_format[0].digest == digest if same_format else None
    return ExportResult(
        record=dataclasses.replace(record, id=new_id),
        repeated=repeated,
        identical=identical,
        pending=plan.pending,
        missing=plan.missing,
        currency=school.currency,
        accounts={a: t.net_minor for a, t in totals(lines).items()},
        unfinished=end >= today,
    )
