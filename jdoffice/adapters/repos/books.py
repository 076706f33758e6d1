"""The exports of the books and the lines each delivered (issue 15)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import insert, select

from jdoffice.adapters.orm import BooksExportedPostingRow, BooksExportRow
from jdoffice.adapters.repos.base import Repo
from jdoffice.domain.exported import Delivered, ExportRecord

#: Lines inserted per statement (a year's export delivers hundreds of thousands).
_BATCH = 5_000


def to_record(r: BooksExportRow) -> ExportRecord:
    return ExportRecord(
        id=r.id,
        school_id=r.school_id,
        start=r.from_date,
        end=r.to_date,
        fmt=r.format,
        at=r.created_at,
        staff=r.staff,
        desk=r.desk,
        postings=r.postings,
        corrections=r.corrections,
        total_minor=r.total_minor,
        digest=r.digest,
        repeat_of=r.repeat_of,
        staff_id=r.staff_id,
    )


class SqlBooksExports(Repo):
    def exports(self, school_id: int) -> list[ExportRecord]:
        rows = self.s.scalars(
            select(BooksExportRow)
            .where(BooksExportRow.school_id == school_id)
            .order_by(BooksExportRow.id)
        )
        return [to_record(r) for r in rows]

    def delivered_between(self, school_id: int, start: dt.date, end: dt.date) -> set[str]:
        t = BooksExportedPostingRow.__table__
        rows = self.s.execute(
            select(t.c.posting_key).where(
                t.c.school_id == school_id, t.c.posting_date >= start, t.c.posting_date <= end
            )
        )
        return {r[0] for r in rows}

    def delivered_by(self, school_id: int, export_id: int) -> list[Delivered]:
        t = BooksExportedPostingRow.__table__
        rows = self.s.execute(
            select(t.c.posting_key, t.c.posting_date, t.c.correction).where(
                t.c.school_id == school_id, t.c.export_id == export_id
            )
        )
        return [Delivered(key, day, bool(correction)) for key, day, correction in rows]

    def add(self, record: ExportRecord, lines: Sequence[Delivered]) -> int:
        row = BooksExportRow(
            school_id=record.school_id,
            from_date=record.start,
            to_date=record.end,
            format=record.fmt,
            repeat_of=record.repeat_of,
            postings=record.postings,
            corrections=record.corrections,
            total_minor=record.total_minor,
            digest=record.digest,
            staff=record.staff,
            staff_id=record.staff_id,
            desk=record.desk,
            created_at=record.at,
        )
        self.s.add(row)
        self.s.flush()
        for i in range(0, len(lines), _BATCH):
            self.s.execute(
                insert(BooksExportedPostingRow),
                [
                    {
                        "school_id": record.school_id,
                        "posting_key": d.key,
                        "export_id": row.id,
                        "posting_date": d.day,
                        "correction": d.correction,
                    }
                    for d in lines[i : i + _BATCH]
                ],
            )
        return row.id
