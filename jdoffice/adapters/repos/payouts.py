"""Provider payouts and the items they settle (revision 0010)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, insert, select, update

from jdoffice.adapters.clock import db_utcnow
from jdoffice.adapters.orm import PayoutItemRow, PayoutRow
from jdoffice.adapters.repos.base import Repo
from jdoffice.domain.payouts import LISTED, Match, StoredItem, StoredPayout
from jdoffice.services.payout_contract import ProviderPayout, SettlementItem

_UPDATABLE = {
    "status",
    "amount_minor",
    "arrival_date",
    "items_stored",
    "transferred",
    "note",
    "released_at",
}
_FINAL = ("paid", "failed", "canceled")


def to_payout(r: PayoutRow) -> StoredPayout:
    return StoredPayout(
        id=r.id,
        school_id=r.school_id,
        gateway=r.gateway,
        ref=r.ref,
        amount_minor=r.amount_minor,
        currency=r.currency,
        status=r.status,
        created=r.provider_created_at,
        arrival=r.arrival_date,
        items_stored=bool(r.items_stored),
        transferred=bool(r.transferred),
        note=r.note,
        fetched_at=r.created_at,
        released_at=r.released_at,
    )


def to_item(r: PayoutItemRow, payout_ref: str) -> StoredItem:
    return StoredItem(
        id=r.id,
        school_id=r.school_id,
        payout_id=r.payout_id,
        payout_ref=payout_ref,
        gateway=r.gateway,
        ref=r.ref,
        kind=r.kind,
        type=r.item_type,
        category=r.category,
        amount_minor=r.amount_minor,
        fee_minor=r.fee_minor,
        net_minor=r.net_minor,
        currency=r.currency,
        created=r.provider_created_at,
        match=Match(r.matched_to),
        source_ref=r.source_ref,
        payment_ref=r.payment_ref,
        refund_ref=r.refund_ref,
        payment_id=r.payment_id,
        refund_id=r.refund_id,
        reason=r.reason,
        description=r.description,
    )


class SqlPayouts(Repo):
    def latest_created(self, school_id: int, gateway: str) -> dt.datetime | None:
        return self.s.scalar(
            select(func.max(PayoutRow.provider_created_at)).where(
                PayoutRow.school_id == school_id, PayoutRow.gateway == gateway
            )
        )

    def get(self, school_id: int, gateway: str, ref: str) -> StoredPayout | None:
        r = self.s.scalar(
            select(PayoutRow)
            .where(
                PayoutRow.school_id == school_id,
                PayoutRow.gateway == gateway,
                PayoutRow.ref == ref,
            )
            .execution_options(populate_existing=True)
        )
        return to_payout(r) if r is not None else None

    def unsettled(self, school_id: int, gateway: str) -> list[StoredPayout]:
        rows = self.s.scalars(
            select(PayoutRow)
            .where(
                PayoutRow.school_id == school_id,
                PayoutRow.gateway == gateway,
                (PayoutRow.status.not_in(_FINAL)) | (PayoutRow.items_stored.is_(False)),
            )
            .order_by(PayoutRow.provider_created_at, PayoutRow.id)
            .execution_options(populate_existing=True)
        )
        return [to_payout(r) for r in rows]

    def add(self, school_id: int, p: ProviderPayout, now: dt.datetime) -> int:
        """Insert; :class:`~jdoffice.services.ports.DuplicateKey` when it is stored already."""
        result = self.s.execute(
            insert(PayoutRow).values(
                school_id=school_id,
                gateway=p.gateway,
                ref=p.ref,
                amount_minor=p.amount_minor,
                currency=p.currency,
                status=p.status.value,
                provider_created_at=p.created,
                arrival_date=p.arrival,
                items_stored=False,
                transferred=False,
                note=p.note[:200],
                created_at=now,
                updated_at=db_utcnow(),
            )
        )
        key = getattr(result, "inserted_primary_key", None)
        assert key is not None
        return int(key[0])

    def update(self, payout_id: int, **fields: object) -> None:
        bad = set(fields) - _UPDATABLE
        if bad:
            raise ValueError(f"cannot update payout columns {sorted(bad)}")
        self.s.execute(
            update(PayoutRow)
            .where(PayoutRow.id == payout_id)
            .values(**fields, updated_at=db_utcnow())
            .execution_options(synchronize_session=False)
        )

    def stored_item_refs(self, school_id: int, gateway: str, refs: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(refs), 500):
            chunk = list(refs[start : start + 500])
            found.update(
                self.s.scalars(
                    select(PayoutItemRow.ref).where(
                        PayoutItemRow.school_id == school_id,
                        PayoutItemRow.gateway == gateway,
                        PayoutItemRow.ref.in_(chunk),
                    )
                )
            )
        return found

    def add_item(
        self,
        school_id: int,
        payout_id: int,
        item: SettlementItem,
        *,
        match: Match,
        payment_id: str | None,
        refund_id: str | None,
        reason: str,
        now: dt.datetime,
    ) -> None:
        """Insert; :class:`~jdoffice.services.ports.DuplicateKey` when it is stored already."""
        self.s.execute(
            insert(PayoutItemRow).values(
                school_id=school_id,
                payout_id=payout_id,
                gateway=item.gateway,
                ref=item.ref,
                kind=item.kind.value,
                item_type=item.type,
                category=item.category,
                amount_minor=item.amount_minor,
                fee_minor=item.fee_minor,
                net_minor=item.net_minor,
                currency=item.currency,
                provider_created_at=item.created,
                source_ref=item.source_ref,
                payment_ref=item.payment_ref,
                refund_ref=item.refund_ref,
                description=item.description[:200],
                matched_to=match.value,
                payment_id=payment_id,
                refund_id=refund_id,
                reason=reason[:200],
                created_at=now,
                updated_at=db_utcnow(),
            )
        )

    def set_match(
        self,
        item_id: int,
        *,
        match: Match,
        payment_id: str | None,
        refund_id: str | None,
        reason: str,
    ) -> None:
        self.s.execute(
            update(PayoutItemRow)
            .where(PayoutItemRow.id == item_id)
            .values(
                matched_to=match.value,
                payment_id=payment_id,
                refund_id=refund_id,
                reason=reason[:200],
                updated_at=db_utcnow(),
            )
            .execution_options(synchronize_session=False)
        )

    def with_ref(self, school_id: int, ref: str) -> list[StoredPayout]:
        """The school's payouts of any gateway with the provider id ``ref``."""
        rows = self.s.scalars(
            select(PayoutRow)
            .where(PayoutRow.school_id == school_id, PayoutRow.ref == ref)
            .order_by(PayoutRow.id)
            .execution_options(populate_existing=True)
        )
        return [to_payout(r) for r in rows]

    def listing(self, school_id: int, limit: int) -> list[StoredPayout]:
        rows = self.s.scalars(
            select(PayoutRow)
            .where(PayoutRow.school_id == school_id)
            .order_by(PayoutRow.provider_created_at.desc(), PayoutRow.id.desc())
            .limit(limit)
            .execution_options(populate_existing=True)
        )
        return [to_payout(r) for r in rows]

    def arriving_between(self, school_id: int, start: dt.date, end: dt.date) -> list[StoredPayout]:
        rows = self.s.scalars(
            select(PayoutRow)
            .where(
                PayoutRow.school_id == school_id,
                PayoutRow.arrival_date >= start,
                PayoutRow.arrival_date <= end,
            )
            .order_by(PayoutRow.arrival_date, PayoutRow.id)
            .execution_options(populate_existing=True)
        )
        return [to_payout(r) for r in rows]

    def items(
        self,
        school_id: int,
        *,
        payout_ids: Sequence[int] | None = None,
        unmatched_only: bool = False,
        limit: int = 10_000,
        newest_first: bool = False,
    ) -> list[StoredItem]:
        """The school's items (of ``payout_ids`` when given), oldest first (or newest)."""
        q = (
            select(PayoutItemRow, PayoutRow.ref)
            .join(
                PayoutRow,
                (PayoutRow.id == PayoutItemRow.payout_id)
                & (PayoutRow.school_id == PayoutItemRow.school_id),
            )
            .where(PayoutItemRow.school_id == school_id)
        )
        if payout_ids is not None:
            if not payout_ids:
                return []
            q = q.where(PayoutItemRow.payout_id.in_(list(payout_ids)))
        if unmatched_only:
            q = q.where(PayoutItemRow.matched_to.in_([m.value for m in LISTED]))
        if newest_first:
            q = q.order_by(PayoutItemRow.provider_created_at.desc(), PayoutItemRow.id.desc())
        else:
            q = q.order_by(PayoutItemRow.provider_created_at, PayoutItemRow.id)
        return [to_item(r, ref) for r, ref in self.s.execute(q.limit(limit))]

    def count_listed(self, school_id: int) -> int:
        """How many of the school's items are listed for staff."""
        n = self.s.scalar(
            select(func.count()).where(
                PayoutItemRow.school_id == school_id,
                PayoutItemRow.matched_to.in_([m.value for m in LISTED]),
            )
        )
        return int(n or 0)

    def waiting(
        self, school_id: int, gateway: str, kinds: Sequence[str], *, after_id: int, limit: int
    ) -> list[StoredItem]:
        """The school's unmatched items of ``gateway`` and ``kinds`` (those a later record
        may match), by id from ``after_id`` on: a page of what a rematch tries again."""
        q = (
            select(PayoutItemRow, PayoutRow.ref)
            .join(
                PayoutRow,
                (PayoutRow.id == PayoutItemRow.payout_id)
                & (PayoutRow.school_id == PayoutItemRow.school_id),
            )
            .where(
                PayoutItemRow.school_id == school_id,
                PayoutItemRow.gateway == gateway,
                PayoutItemRow.matched_to == Match.UNMATCHED.value,
                PayoutItemRow.kind.in_(list(kinds)),
                PayoutItemRow.id > after_id,
            )
            .order_by(PayoutItemRow.id)
            .limit(limit)
        )
        return [to_item(r, ref) for r, ref in self.s.execute(q)]
