"""Receipt numbers and the receipts themselves."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, insert, select, update

from jdoffice.adapters.mapping import to_receipt
from jdoffice.adapters.orm import ReceiptCounterRow, ReceiptRow
from jdoffice.adapters.repos.base import Repo, together
from jdoffice.adapters.statements import (
    INSERT_RECEIPT,
    LOCK_COUNTER,
    NEXT_COUNTER,
    SET_COUNTER,
    TOP_RECEIPT_NOS,
)
from jdoffice.domain.model import Receipt


class SqlReceipts(Repo):
    def next_number(self, school_id: int, now: dt.datetime) -> int:
        """The next free receipt number of the school, taken under the counter's row lock.

        The counter is a lock and a hint, not the truth: another system sharing the database
        (the web system) may have written a payment, refund or receipt with the next number
        without moving it. Trusting it blindly would make every later payment collide with
        that number until someone fixed the counter by hand (issue 10), so the number taken is
        one past the highest of the counter and every number the school has used; with no
        gaps, because nothing between them is free.
        """
        move = NEXT_COUNTER.get(self.s.get_bind().dialect.name)
        with together(self.s):
            # Sent together (one round trip on PostgreSQL), run one after the other: the move
            # is a statement of its own under the lock, so it reads the numbers as they are
            # once the lock is had, not as they were before it waited for it. It moves the
            # counter past the highest number the school used and reads it back; with no
            # counter row (``last`` None) it touches nothing.
            locked = self.run(LOCK_COUNTER, {"school_id": school_id})
            moved = (
                self.run(move, {"b_school_id": school_id, "now": now}) if move is not None else None
            )
        last = locked.scalar()
        if last is not None and moved is not None:
            taken = moved.scalar()
            if taken is not None:
                return int(taken)
        tops = self.run(TOP_RECEIPT_NOS, {"school_id": school_id}).one()
        used = max(int(top or 0) for top in tops)
        if last is None:
            # Schools created by the web system have no counter yet; start after any receipt.
            self.s.execute(
                insert(ReceiptCounterRow).values(
                    school_id=school_id, last_no=used + 1, updated_at=now
                )
            )
            return used + 1
        next_no = max(int(last), used) + 1
        self.run(SET_COUNTER, {"b_school_id": school_id, "next_no": next_no, "now": now})
        return next_no

    def add(self, receipt: Receipt) -> None:
        self.run(
            INSERT_RECEIPT,
            {
                "school_id": receipt.school_id,
                "receipt_no": receipt.receipt_no,
                "kind": receipt.kind,
                "payment_id": receipt.payment_id,
                "refund_id": receipt.refund_id,
                "issued_at": receipt.issued_at,
                "copies_printed": receipt.copies_printed,
                "body": receipt.body.to_json(),
                "created_at": receipt.issued_at,
                "updated_at": receipt.issued_at,
            },
        )

    def get(self, school_id: int, receipt_no: int) -> Receipt | None:
        r = self.s.scalars(
            select(ReceiptRow).where(
                ReceiptRow.school_id == school_id, ReceiptRow.receipt_no == receipt_no
            )
        ).first()
        return to_receipt(r) if r else None

    def mark_copy_printed(self, school_id: int, receipt_no: int, now: dt.datetime) -> int:
        self.s.execute(
            update(ReceiptRow)
            .where(ReceiptRow.school_id == school_id, ReceiptRow.receipt_no == receipt_no)
            .values(copies_printed=ReceiptRow.copies_printed + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(
            self.s.scalar(
                select(ReceiptRow.copies_printed).where(
                    ReceiptRow.school_id == school_id, ReceiptRow.receipt_no == receipt_no
                )
            )
            or 0
        )

    def count_between(self, school_id: int, start: dt.datetime, end: dt.datetime) -> int:
        return int(
            self.s.scalar(
                select(func.count())
                .select_from(ReceiptRow)
                .where(
                    ReceiptRow.school_id == school_id,
                    ReceiptRow.issued_at >= start,
                    ReceiptRow.issued_at < end,
                )
            )
            or 0
        )
