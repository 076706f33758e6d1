"""Provider payouts (``jdoffice payments payouts sync``, issue 15): the payouts a provider made
to the school's bank since the last run and the items each settles, stored once, matched to
the payments and refunds jdoffice recorded, and what matches nothing listed for staff.

The run is safe to repeat and to overlap: a payout and an item are stored once per school
(the database refuses a second copy), a payout's items are stored in the same transaction
that marks them complete, and a payout whose items could not be fetched (the provider down, a
timeout) is fetched again on the next run. A provider that fails before anything was read
leaves nothing behind.

The books derive the fee and transfer postings from these rows
(:func:`bookings`, :func:`jdoffice.domain.postings.payout_postings`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from jdoffice.domain.errors import BusinessRuleError, InvalidInput, NotFound
from jdoffice.domain.model import UTC, Actor, AuditEntry, School
from jdoffice.domain.payouts import LISTED, POSTED_FEES, Match, StoredItem, StoredPayout
from jdoffice.domain.postings import PayoutBooking, PayoutFee
from jdoffice.domain.staff import Action
from jdoffice.services import gateway_plugins
from jdoffice.services.gateways import ProviderError, ProviderRefused
from jdoffice.services.online_methods import method_of
from jdoffice.services.payment_common import clean_text
from jdoffice.services.payout_contract import (
    ItemKind,
    PayoutSource,
    PayoutStatus,
    ProviderPayout,
    SettlementItem,
    UnreadablePayout,
)
from jdoffice.services.ports import DuplicateKey, UnitOfWork
from jdoffice.services.staff import acting, check_actor

#: How far back the first run looks when no ``--since`` is given.
FIRST_SYNC_WINDOW = dt.timedelta(days=90)
#: A later run starts this long before the newest stored payout (a payout Stripe listed late).
OVERLAP = dt.timedelta(days=3)
#: Earlier unmatched items are tried again this many at a time (all of them, page by page).
REMATCH_LIMIT = 1000
#: The earliest ``--since`` day taken.
EARLIEST_SINCE = dt.date(2000, 1, 1)
#: The items a later record of the school may match (and that hold their payout until then).
_WAITING_KINDS = (ItemKind.PAYMENT.value, ItemKind.REFUND.value)
#: Most items one listing shows.
LIST_LIMIT = 1000
#: Why an item of another school is listed.
SHARED = (
    "another school's, on a provider account several schools share: the payout is posted "
    "in no school's books; split it by hand"
)


@dataclass(frozen=True, slots=True)
class PayoutSyncResult:
    """What one gateway's run did. ``fetched``: items stored this run; ``matched`` /
    ``unmatched``: of those (``matched`` also counts earlier items matched now);
    ``unmatched_total``: the school's items that match nothing, after the run."""

    gateway: str
    payouts_seen: int = 0
    payouts_new: int = 0
    payouts_updated: int = 0
    fetched: int = 0
    matched: int = 0
    unmatched: int = 0
    unmatched_total: int = 0
    errors: tuple[str, ...] = ()
    #: Why the gateway was not asked at all (it has no payout reports, no key …).
    skipped: str = ""


def _now() -> dt.datetime:
    return dt.datetime.now(UTC)


def label_of(gateway: str) -> str:
    """The gateway's Danish name (for posting texts)."""
    info = gateway_plugins.installed().online.get(gateway)
    return info.label_da if info is not None else gateway


def check_since(school: School, since: dt.date, now: dt.datetime) -> None:
    """Refuse a ``--since`` day in the future or before :data:`EARLIEST_SINCE`.

    Raises:
        InvalidInput: it is.
    """
    if since < EARLIEST_SINCE:
        raise InvalidInput(f"--since {since} is too far back: give a day from {EARLIEST_SINCE} on")
    if since > school.local_date(now):
        raise InvalidInput(f"--since {since} is in the future")


def sync_payouts(
    uow: UnitOfWork,
    school: School,
    source: PayoutSource,
    *,
    actor: Actor,
    since: dt.date | None = None,
    now: dt.datetime | None = None,
) -> PayoutSyncResult:
    """Fetch the gateway's payouts since the last run (or since the school's day ``since``),
    store what is new, match it, and try earlier unmatched items again. A payout the
    provider sent malformed, or the database refused, is named in ``errors`` and the others
    are stored.

    Raises:
        NotAllowed: nobody signed in, or not a manager (the books' data; see
            :func:`jdoffice.services.staff.acting`).
        InvalidInput: ``since`` in the future or before :data:`EARLIEST_SINCE`.
        ProviderError, ProviderRefused: the provider could not list its payouts (nothing
            was stored).
    """
    when = now or _now()
    name = source.name
    actor = check_actor(uow, school, Action.BOOKS, actor)
    if since is not None:
        check_since(school, since, when)
    with uow:
        latest = uow.payouts.latest_created(school.id, name)
        unsettled = uow.payouts.unsettled(school.id, name)
    if since is not None:
        gte = school.day_bounds(since)[0]
    elif latest is not None:
        gte = latest - OVERLAP
    else:
        gte = when - FIRST_SYNC_WINDOW
    errors: list[str] = []
    # Read the whole list before storing anything: a failure here leaves nothing behind.
    listed: dict[str, ProviderPayout] = {}
    for read in source.payouts_since(gte):
        if isinstance(read, UnreadablePayout):
            errors.append(f"{read.ref}: {read.reason}; not stored, look at it at {name}")
        else:
            listed[read.ref] = read
    for stored in unsettled:
        if stored.ref not in listed:
            try:
                listed[stored.ref] = source.payout(stored.ref)
            except (ProviderError, ProviderRefused) as exc:
                errors.append(f"{stored.ref}: {exc}")
    result = PayoutSyncResult(gateway=name, payouts_seen=len(listed))
    for p in sorted(listed.values(), key=lambda p: (p.created, p.ref)):
        try:
            wrote, failed = _store(uow, school, source, p, actor, when)
            result = _plus(result, wrote)
            if failed:
                errors.append(failed)
        except (ProviderError, ProviderRefused, BusinessRuleError) as exc:
            # Nothing of this payout was stored; the next run fetches it again. The others
            # are stored all the same.
            errors.append(f"{p.ref}: {exc}")
    matched_now = _rematch(uow, school, name, actor, when)
    with uow:
        unmatched_total = uow.payouts.count_listed(school.id)
    return PayoutSyncResult(
        gateway=name,
        payouts_seen=result.payouts_seen,
        payouts_new=result.payouts_new,
        payouts_updated=result.payouts_updated,
        fetched=result.fetched,
        matched=result.matched + matched_now,
        unmatched=result.unmatched,
        unmatched_total=unmatched_total,
        errors=tuple(errors),
    )


def _plus(a: PayoutSyncResult, b: PayoutSyncResult) -> PayoutSyncResult:
    return PayoutSyncResult(
        gateway=a.gateway,
        payouts_seen=a.payouts_seen,
        payouts_new=a.payouts_new + b.payouts_new,
        payouts_updated=a.payouts_updated + b.payouts_updated,
        fetched=a.fetched + b.fetched,
        matched=a.matched + b.matched,
        unmatched=a.unmatched + b.unmatched,
    )


def _store(
    uow: UnitOfWork,
    school: School,
    source: PayoutSource,
    p: ProviderPayout,
    actor: Actor,
    now: dt.datetime,
) -> tuple[PayoutSyncResult, str]:
    """Store one payout (new, or what changed) with its items, in one transaction. Items
    the provider sent malformed are not stored, the payout is (not itemized, so held out of
    the books and tried again on every run): the error says which."""
    with uow:
        known = uow.payouts.get(school.id, p.gateway, p.ref)
    want_items = p.itemized and not p.note and not (known is not None and known.items_stored)
    if (
        known is not None
        and not want_items
        and known.status == p.status.value
        and (known.transferred or p.status is not PayoutStatus.PAID)
        and (known.transferred or known.arrival == p.arrival)
        and (known.items_stored or not p.itemized)
    ):
        return PayoutSyncResult(gateway=p.gateway), ""
    # The provider is asked before the transaction opens: no lock is held while it answers.
    try:
        items = list(source.payout_items(p.ref)) if want_items else []
    except ProviderRefused as exc:
        failed = f"{p.ref}: {exc}; its transactions are fetched again next run"
        return _write_twice(uow, school, p, [], actor, now, complete=False), failed
    return _write_twice(uow, school, p, items, actor, now, complete=True), ""


def _write_twice(
    uow: UnitOfWork,
    school: School,
    p: ProviderPayout,
    items: Sequence[SettlementItem],
    actor: Actor,
    now: dt.datetime,
    *,
    complete: bool,
) -> PayoutSyncResult:
    for attempt in range(2):
        try:
            return _write(uow, school, p, items, actor, now, complete=complete)
        except DuplicateKey:
            # Another run stored it meanwhile: read it again and add what is still missing.
            if attempt:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _write(
    uow: UnitOfWork,
    school: School,
    p: ProviderPayout,
    items: Sequence[SettlementItem],
    actor: Actor,
    now: dt.datetime,
    *,
    complete: bool,
) -> PayoutSyncResult:
    """Write ``p`` and ``items``; ``complete``: they are all its items (else it stays not
    itemized)."""
    matched = unmatched = added = 0
    with uow.write():
        cur = uow.payouts.get(school.id, p.gateway, p.ref)
        new = cur is None
        payout_id = uow.payouts.add(school.id, p, now) if cur is None else cur.id
        changes: dict[str, object] = {}
        if cur is not None and cur.status != p.status.value:
            changes["status"] = p.status.value
        if p.status is PayoutStatus.PAID and not (cur is not None and cur.transferred):
            changes["transferred"] = True
        if cur is not None and not cur.transferred and cur.arrival != p.arrival:
            # Until the transfer is posted the expected day may move; after, it stays.
            changes["arrival_date"] = p.arrival
        stored = uow.payouts.stored_item_refs(school.id, p.gateway, [i.ref for i in items])
        for item in items:
            if item.ref in stored:
                continue
            stored.add(item.ref)
            match, payment_id, refund_id, reason = match_item(uow, school, item)
            uow.payouts.add_item(
                school.id,
                payout_id,
                item,
                match=match,
                payment_id=payment_id,
                refund_id=refund_id,
                reason=reason,
                now=now,
            )
            added += 1
            if match in LISTED:
                unmatched += 1
            else:
                matched += 1
        if complete and p.itemized and not (cur is not None and cur.items_stored):
            # Its items were fetched above (all pages), or it has none Stripe can list.
            changes["items_stored"] = True
        if changes:
            uow.payouts.update(payout_id, **changes)
        if not new and not changes and not added:
            return PayoutSyncResult(gateway=p.gateway)
        uow.audit.add(
            AuditEntry(
                school_id=school.id,
                action="payout.fetched" if new else "payout.updated",
                entity="payout",
                entity_id=p.ref[:64],
                actor=actor,
                at=now,
                before=None
                if cur is None
                else {"status": cur.status, "transferred": cur.transferred},
                after={
                    "gateway": p.gateway,
                    "amount_minor": p.amount_minor,
                    "currency": p.currency,
                    "status": p.status.value,
                    "arrival": p.arrival.isoformat(),
                    "items": added,
                    "matched": matched,
                    "unmatched": unmatched,
                },
            )
        )
        uow.commit()
    return PayoutSyncResult(
        gateway=p.gateway,
        payouts_new=int(new),
        payouts_updated=int(not new),
        fetched=added,
        matched=matched,
        unmatched=unmatched,
    )


def match_item(
    uow: UnitOfWork, school: School, item: SettlementItem
) -> tuple[Match, str | None, str | None, str]:
    """What ``item`` is among the school's records: (match, payment id, refund id, why
    unmatched). Only the school's own payments and refunds, with the same amount, match."""
    what = item.type + (f" ({item.category})" if item.category else "")
    if item.currency != school.currency:
        return Match.UNMATCHED, None, None, f"{what} in {item.currency}, not {school.currency}"
    if item.fee_minor < 0 and item.kind is not ItemKind.REFUND:
        # Stripe gives a fee back (a negative fee) only with a refund: anything else is
        # looked at by staff, never posted as a fee given back.
        return Match.UNMATCHED, None, None, f"{what}: a negative fee; look at it"
    if item.kind is ItemKind.PAYMENT:
        payment = (
            uow.payments.by_provider_ref(method_of(item.gateway), item.payment_ref)
            if item.payment_ref
            else None
        )
        if payment is not None and payment.school_id != school.id:
            return Match.OTHER_SCHOOL, None, None, f"{what}: {SHARED}"
        if payment is None:
            return Match.UNMATCHED, None, None, f"{what}: no payment of the school has it"
        if payment.amount_minor != item.amount_minor or payment.currency != item.currency:
            return Match.UNMATCHED, None, None, f"{what}: the amount differs from the payment's"
        return Match.PAYMENT, payment.id, None, ""
    if item.kind is ItemKind.REFUND:
        refund = (
            uow.payments.refund_by_provider_ref(item.gateway, item.refund_ref)
            if item.refund_ref
            else None
        )
        if refund is not None and refund.school_id != school.id:
            return Match.OTHER_SCHOOL, None, None, f"{what}: {SHARED}"
        if refund is None:
            return Match.UNMATCHED, None, None, f"{what}: no refund of the school has it"
        if refund.amount_minor != -item.amount_minor or refund.currency != item.currency:
            return Match.UNMATCHED, None, None, f"{what}: the amount differs from the refund's"
        if item.fee_minor < 0 and -item.fee_minor > refund.amount_minor:
            return Match.UNMATCHED, None, None, f"{what}: a fee given back beyond the refund"
        return Match.REFUND, None, refund.id, ""
    if item.kind is ItemKind.FEE:
        return Match.FEE, None, None, ""
    if (
        item.kind is ItemKind.PAYOUT
        and item.type == "payout"
        and item.source_ref == item.payout_ref
    ):
        return Match.PAYOUT, None, None, ""
    if item.kind is ItemKind.PAYOUT:
        # An earlier payout that failed or was cancelled: its money is back on the balance.
        # Known to the school, it is accounted for (the books reverse its transfer if it was
        # posted as paid); unknown, staff look at it.
        failed = (
            uow.payouts.get(school.id, item.gateway, item.source_ref) if item.source_ref else None
        )
        if failed is not None and failed.ref != item.payout_ref:
            return Match.PAYOUT, None, None, ""
        return Match.UNMATCHED, None, None, f"{what}: a payout jdoffice has not fetched came back"
    return Match.UNMATCHED, None, None, f"{what}: not a payment or refund jdoffice recorded"


def _rematch(uow: UnitOfWork, school: School, gateway: str, actor: Actor, now: dt.datetime) -> int:
    """Match earlier unmatched payments and refunds that jdoffice has recorded since (a
    payment's confirmation that came after its payout was fetched), all of them page by
    page; one now found to be another school's is kept as such. Audited one by one. Returns
    how many now match the school's own records."""
    done = 0
    after = 0
    while True:
        with uow:
            page = uow.payouts.waiting(
                school.id, gateway, _WAITING_KINDS, after_id=after, limit=REMATCH_LIMIT
            )
        for stored in page:
            done += _rematch_one(uow, school, stored, actor, now)
        if len(page) < REMATCH_LIMIT:
            return done
        after = page[-1].id


def _rematch_one(
    uow: UnitOfWork, school: School, stored: StoredItem, actor: Actor, now: dt.datetime
) -> int:
    item = _as_item(stored)
    with uow:
        # Read first: most waiting items still match nothing, and need no write lock.
        match = match_item(uow, school, item)[0]
    if match is Match.UNMATCHED:
        return 0
    with uow.write():
        match, payment_id, refund_id, reason = match_item(uow, school, item)
        if match is Match.UNMATCHED:
            return 0
        uow.payouts.set_match(
            stored.id, match=match, payment_id=payment_id, refund_id=refund_id, reason=reason
        )
        uow.audit.add(
            AuditEntry(
                school_id=school.id,
                action="payout.item_matched"
                if match is not Match.OTHER_SCHOOL
                else "payout.item_other_school",
                entity="payout",
                entity_id=stored.payout_ref[:64],
                actor=actor,
                at=now,
                before={"item": stored.ref, "reason": stored.reason},
                after={
                    "item": stored.ref,
                    "matched_to": match.value,
                    "payment_id": payment_id,
                    "refund_id": refund_id,
                },
            )
        )
        uow.commit()
    return int(match is not Match.OTHER_SCHOOL)


def _as_item(i: StoredItem) -> SettlementItem:
    return SettlementItem(
        gateway=i.gateway,
        ref=i.ref,
        payout_ref=i.payout_ref,
        kind=ItemKind(i.kind),
        type=i.type,
        category=i.category,
        amount_minor=i.amount_minor,
        fee_minor=i.fee_minor,
        net_minor=i.net_minor,
        currency=i.currency,
        created=i.created,
        source_ref=i.source_ref,
        payment_ref=i.payment_ref,
        refund_ref=i.refund_ref,
        description=i.description,
    )


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PayoutLine:
    """A payout with the sums of its stored items."""

    payout: StoredPayout
    items: int
    fees_minor: int
    unmatched: int
    #: Some of its items are another school's (a shared provider account): not posted.
    shared: bool = False
    #: Not posted in the books (see :func:`held`).
    held: bool = False


def list_payouts(
    uow: UnitOfWork, school: School, *, actor: Actor, limit: int = 100
) -> list[PayoutLine]:
    """The school's payouts, newest first, each with its fee total and unmatched count.

    Raises:
        NotAllowed: nobody signed in, or not a manager (see
            :func:`jdoffice.services.staff.acting`).
    """
    with uow:
        acting(uow, school, Action.BOOKS, actor)
        payouts = uow.payouts.listing(school.id, limit)
        items = uow.payouts.items(school.id, payout_ids=[p.id for p in payouts], limit=100_000)
    by_payout: dict[int, list[StoredItem]] = {}
    for i in items:
        by_payout.setdefault(i.payout_id, []).append(i)
    return [
        PayoutLine(
            payout=p,
            items=len(by_payout.get(p.id, [])),
            fees_minor=sum(_cost(i) for i in by_payout.get(p.id, []) if i.match in POSTED_FEES),
            unmatched=sum(1 for i in by_payout.get(p.id, []) if i.match in LISTED),
            shared=any(i.match is Match.OTHER_SCHOOL for i in by_payout.get(p.id, [])),
            held=held(p, by_payout.get(p.id, [])),
        )
        for p in payouts
    ]


def unmatched_items(uow: UnitOfWork, school: School, *, actor: Actor) -> list[StoredItem]:
    """The school's items that match nothing jdoffice recorded (or are another school's),
    newest first, at most :data:`LIST_LIMIT`.

    Raises:
        NotAllowed: nobody signed in, or not a manager.
    """
    with uow:
        acting(uow, school, Action.BOOKS, actor)
        return uow.payouts.items(
            school.id, unmatched_only=True, limit=LIST_LIMIT, newest_first=True
        )


def held(p: StoredPayout, items: Sequence[StoredItem]) -> bool:
    """Whether the books leave payout ``p`` out (its transfer and its fees): its items are
    not all stored yet, or one of its payments or refunds is not the school's own recorded
    one (unmatched, or another school's on a shared provider account). Its money may be
    another school's; it is posted once they all match, or once a manager released it
    (:func:`release_payout`; never one with another school's). A manual payout (the provider
    cannot itemize it) is posted as a transfer."""
    if not p.items_stored or any(i.match is Match.OTHER_SCHOOL for i in items):
        return True
    if p.released_at is not None:
        return False
    return any(i.match is Match.UNMATCHED and i.kind in _WAITING_KINDS for i in items)


#: The longest reason a release keeps.
MAX_RELEASE_REASON = 200


def release_payout(
    uow: UnitOfWork,
    school: School,
    ref: str,
    *,
    reason: str,
    actor: Actor,
    now: dt.datetime | None = None,
) -> StoredPayout:
    """Post a held payout all the same: a manager has looked at the charges and refunds of it
    that match no record (a charge made outside jdoffice) and says they are the school's.
    Audited (``payout.released``) with the reason and those transactions. One that settles
    another school's payments, or whose transactions are not all fetched, is never released.

    Raises:
        InvalidInput: no reason.
        NotFound: the school has no payout ``ref``.
        BusinessRuleError: it is not held, or may not be released.
        NotAllowed: nobody signed in, or not a manager.
    """
    text = clean_text(reason, "reason", MAX_RELEASE_REASON)
    if not text:
        raise InvalidInput("a reason is required to release a payout")
    when = now or _now()
    with uow.write():
        who = acting(uow, school, Action.BOOKS, actor)
        found = uow.payouts.with_ref(school.id, ref.strip())
        if not found:
            raise NotFound(f"no payout {ref.strip()!r} of {school.slug}")
        if len(found) > 1:
            raise BusinessRuleError(f"several gateways have a payout {ref.strip()!r}")
        [p] = found
        items = uow.payouts.items(school.id, payout_ids=[p.id], limit=10_000_000)
        if any(i.match is Match.OTHER_SCHOOL for i in items):
            raise BusinessRuleError(
                f"{p.ref} settles another school's payments too: it is never posted whole; "
                "split it by hand"
            )
        if not p.items_stored:
            raise BusinessRuleError(
                f"{p.ref}: its transactions are not all fetched yet (`payments payouts sync`)"
            )
        if not held(p, items):
            raise BusinessRuleError(f"{p.ref} is not held: the books post it already")
        uow.payouts.update(p.id, released_at=when)
        unmatched = [i.ref for i in items if i.match is Match.UNMATCHED]
        uow.audit.add(
            AuditEntry(
                school_id=school.id,
                action="payout.released",
                entity="payout",
                entity_id=p.ref[:64],
                actor=who,
                at=when,
                before={"held": True},
                after={"held": False, "reason": text, "unmatched": unmatched},
            )
        )
        uow.commit()
    return dataclasses.replace(p, released_at=when)


def _cost(i: StoredItem) -> int:
    """What the provider took for an item: a payment's or refund's fee; a fee of its own is
    its (negative) net turned into a cost."""
    return -i.net_minor if i.match is Match.FEE else i.fee_minor


# --- the books -------------------------------------------------------------------------------


def bookings(uow: UnitOfWork, school: School, start: dt.date, end: dt.date) -> list[PayoutBooking]:
    """The school's payouts arriving on the days ``start`` to ``end``, as the books post them
    (inside the caller's transaction): the fees of their matched items once the payout is
    final, the transfer once it was seen paid. Another currency's payouts are left out, and so
    is a :func:`held` one: one that settles a payment or refund that is not the school's own
    recorded one (another school's on a provider account several schools share, or one not
    recorded yet): posting it could put another school's money in these books."""
    payouts = [
        p
        for p in uow.payouts.arriving_between(school.id, start, end)
        if p.currency == school.currency and (p.transferred or p.status in ("failed", "canceled"))
    ]
    items = uow.payouts.items(school.id, payout_ids=[p.id for p in payouts], limit=10_000_000)
    by_payout: dict[int, list[StoredItem]] = {}
    for i in items:
        by_payout.setdefault(i.payout_id, []).append(i)

    def document_of(i: StoredItem) -> str:
        """The receipt (a payment's) or credit note (a refund's) the fee belongs to."""
        if i.payment_id is not None:
            paid = uow.payments.get(i.payment_id)
            no = paid.receipt_no if paid is not None else None
            return f" kvittering {no}" if no is not None else ""
        if i.refund_id is not None:
            refund = uow.payments.get_refund(i.refund_id)
            no = refund.receipt_no if refund is not None else None
            return f" kreditnota {no}" if no is not None else ""
        return ""

    out: list[PayoutBooking] = []

    def was_posted(gateway: str, ref: str) -> StoredPayout | None:
        """The earlier payout ``ref`` if the books posted its transfer."""
        earlier = uow.payouts.get(school.id, gateway, ref)
        if earlier is None or not earlier.transferred or earlier.currency != school.currency:
            return None
        its = uow.payouts.items(school.id, payout_ids=[earlier.id], limit=10_000_000)
        return None if held(earlier, its) else earlier

    for p in payouts:
        if held(p, by_payout.get(p.id, [])):
            continue
        label = label_of(p.gateway)
        fees: list[PayoutFee] = []
        returned: list[PayoutFee] = []
        for i in by_payout.get(p.id, []):
            if i.match is Match.PAYOUT and i.type != "payout" and i.source_ref:
                failed = was_posted(i.gateway, i.source_ref)
                if failed is not None and i.currency == school.currency:
                    text = f"Udbetaling {label} {failed.ref} fejlede, beløbet tilbage hos {label}"
                    returned.append(PayoutFee(i.ref, i.amount_minor, text))
                continue
            if i.match not in POSTED_FEES or i.currency != school.currency:
                continue
            if i.match is Match.FEE:
                text = f"Gebyr {label}: {i.description or i.type}"
            else:
                word = "indbetaling" if i.match is Match.PAYMENT else "refusion"
                text = f"Gebyr {label} {word}{document_of(i)} ({i.source_ref or i.ref})"
            fees.append(PayoutFee(i.ref, _cost(i), text))
        out.append(
            PayoutBooking(
                ref=p.ref,
                method=method_of(p.gateway),
                label=label,
                arrival=p.arrival,
                at=school.day_bounds(p.arrival)[0],
                amount_minor=p.amount_minor,
                currency=p.currency,
                transferred=p.transferred,
                fees=tuple(fees),
                returned=tuple(returned),
            )
        )
    return out
