"""The exports of the books and the lines each delivered (issue 15)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, insert, or_, select

from jdoffice.adapters.orm import BooksDeliveredLineRow, BooksExportRow
from jdoffice.adapters.repos.base import Repo
from jdoffice.domain.exported import Delivered, ExportRecord
from jdoffice.domain.postings import AccountMap, DocumentType, Kind, Posting

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
        accounts=_accounts(r.accounts),
    )


def _accounts(text: str | None) -> AccountMap | None:
    if text is None:
        return None
    data = json.loads(text)
    return AccountMap(dict(data["numbers"]), str(data["vat_code"]))


def posting_json(p: Posting) -> str:
    """A line as stored: every field the formats write (its own date; no correction)."""
    return json.dumps(
        {
            "date": p.date.isoformat(),
            "at": p.at.isoformat(),
            "document": p.document,
            "document_type": p.document_type.value,
            "kind": p.kind.value,
            "text": p.text,
            "debit": p.debit,
            "credit": p.credit,
            "amount_minor": p.amount_minor,
            "currency": p.currency,
            "vat_code": p.vat_code,
            "student_no": p.student_no,
            "invoice_nos": list(p.invoice_nos),
            "staff": p.staff,
            "desk": p.desk,
            "source_id": p.source_id,
            "voucher_no": p.voucher_no,
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def posting_of(text: str) -> Posting:
    d: dict[str, Any] = json.loads(text)
    return Posting(
        date=dt.date.fromisoformat(d["date"]),
        at=dt.datetime.fromisoformat(d["at"]),
        document=d["document"],
        document_type=DocumentType(d["document_type"]),
        kind=Kind(d["kind"]),
        text=d["text"],
        debit=d["debit"],
        credit=d["credit"],
        amount_minor=int(d["amount_minor"]),
        currency=d["currency"],
        vat_code=d["vat_code"],
        student_no=d["student_no"],
        invoice_nos=tuple(d["invoice_nos"]),
        staff=d["staff"],
        desk=d["desk"],
        source_id=d["source_id"],
        voucher_no=d["voucher_no"],
    )


def _delivered(r: Row[Any]) -> Delivered:
    return Delivered(
        key=r.posting_key,
        day=r.own_date,
        posting=posting_of(r.line) if r.line is not None else None,
        version=r.version,
        reversal=bool(r.reversal),
        corrected_on=r.corrected_on,
        seq=r.seq,
    )


class SqlBooksExports(Repo):
    def exports(self, school_id: int) -> list[ExportRecord]:
        rows = self.s.scalars(
            select(BooksExportRow)
            .where(BooksExportRow.school_id == school_id)
            .order_by(BooksExportRow.id)
        )
        return [to_record(r) for r in rows]

    def delivered_since(self, school_id: int, day: dt.date) -> list[Delivered]:
        t = BooksDeliveredLineRow.__table__
        rows = self.s.execute(select(t).where(t.c.school_id == school_id, t.c.own_date >= day))
        return [_delivered(r) for r in rows]

    def delivered_for_repeat(
        self, school_id: int, export_id: int, day: dt.date
    ) -> tuple[list[Delivered], list[Delivered]]:
        """``(delivered_by(export_id), delivered_since(day))`` from one read, each line
        decoded once: a year's repeat holds one copy of its lines, not two."""
        t = BooksDeliveredLineRow.__table__
        rows = self.s.execute(
            select(t)
            .where(t.c.school_id == school_id, or_(t.c.export_id == export_id, t.c.own_date >= day))
            .order_by(t.c.seq, t.c.posting_key, t.c.version, t.c.reversal)
        )
        mine: list[Delivered] = []
        since: list[Delivered] = []
        for r in rows:
            d = _delivered(r)
            if r.export_id == export_id:
                mine.append(d)
            if r.own_date >= day:
                since.append(d)
        return mine, since

    def delivered_by(self, school_id: int, export_id: int) -> list[Delivered]:
        t = BooksDeliveredLineRow.__table__
        rows = self.s.execute(
            select(t)
            .where(t.c.school_id == school_id, t.c.export_id == export_id)
            .order_by(t.c.seq, t.c.posting_key, t.c.version, t.c.reversal)
        )
        return [_delivered(r) for r in rows]

    def add(self, record: ExportRecord, lines: Sequence[Delivered]) -> int:
        accounts = record.accounts
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
            accounts=None
            if accounts is None
            else json.dumps(
                {"numbers": dict(accounts.numbers), "vat_code": accounts.vat_code},
                sort_keys=True,
            ),
        )
        self.s.add(row)
        self.s.flush()
        for i in range(0, len(lines), _BATCH):
            self.s.execute(
                insert(BooksDeliveredLineRow),
                [
                    {
                        "school_id": record.school_id,
                        "posting_key": d.key,
                        "version": d.version,
                        "reversal": d.reversal,
                        "export_id": row.id,
                        "seq": d.seq,
                        "own_date": d.day,
                        "corrected_on": d.corrected_on,
                        "amount_minor": d.posting.amount_minor if d.posting else None,
                        "line": posting_json(d.posting) if d.posting else None,
                    }
                    for d in lines[i : i + _BATCH]
                ],
            )
        return row.id
