"""Stripe payouts that must not reach the books as they came, on every backend: a payout
that settles a payment no school of ours recorded yet (it may be another school's on a shared
Stripe account), earlier unmatched items piling up, malformed data from Stripe, a negative
fee, and who may fetch and read payouts at all."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any, cast

import pytest
from sqlalchemy import func, select

from jdoffice.adapters.orm import AuditRow, PayoutRow
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.errors import BusinessRuleError, InvalidInput, NotFound
from jdoffice.domain.model import Actor
from jdoffice.domain.payouts import Match
from jdoffice.domain.postings import Kind
from jdoffice.domain.staff import NotAllowed
from jdoffice.gateways import stripe_payouts
from jdoffice.services import online, payouts
from jdoffice.services.gateways import Capabilities
from jdoffice.services.payout_contract import (
    ItemKind,
    PayoutSource,
    PayoutStatus,
    ProviderPayout,
    SettlementItem,
    UnreadablePayout,
)
from tests.conftest import SchoolKit, new_kit
from tests.integration.payout_helpers import (
    ACTOR,
    KEY_A,
    SETTINGS,
    School,
    arrival_of,
    fast_client_retries,
    gateway_for,
    stripe_fee,
    stripe_school,
)
from tests.integration.staff_helpers import DESK, make_staff
from tests.standin.stripe_standin import StripeStandin

NOW = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
DAY = 86_400


@pytest.fixture
def standin() -> Iterator[StripeStandin]:
    with StripeStandin(secret_key=KEY_A, page_size_cap=2) as s:
        yield s
        assert s.internal_errors == []


@pytest.fixture(autouse=True)
def _fast_client_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    fast_client_retries(monkeypatch)


@pytest.fixture
def school_a(kit: SchoolKit, uow: SqlAlchemyUnitOfWork, standin: StripeStandin) -> Iterator[School]:
    with stripe_school(uow, kit, standin) as school:
        yield school


def _mine(school: School, payout: dict[str, Any]) -> list[Kind]:
    """The kinds of the school's book lines of ``payout``."""
    return [p.kind for p in school.books(arrival_of(payout)).lines if p.document == payout["id"]]


def _pay_unrecorded(school: School, amount: int) -> None:
    """A student of ``school`` pays at Stripe; the school has not recorded it yet."""
    student = school.kit.student()
    invoice = school.kit.invoice(student, amount)
    view = online.start_online_payment(
        school.uow, school.kit.school, school.gateway, SETTINGS, invoice_no=invoice.invoice_no,
        actor=ACTOR,
    )  # fmt: skip
    assert view.provider_ref is not None
    school.standin.complete_session(view.provider_ref)


# --------------------------------------------------------------------------- another school's money


def test_a_payout_with_a_charge_no_one_recorded_yet_is_held_and_never_posts_another_schools_money(
    school_a: School, standin: StripeStandin, uow: SqlAlchemyUnitOfWork
) -> None:
    kit_b = new_kit(school_a.kit.engine, "Vesterbro Trafikskole")
    gw_b = gateway_for(standin, KEY_A)  # the same Stripe account
    b = School(uow, kit_b, standin, gw_b, KEY_A)
    try:
        school_a.paid(45_000)
        _pay_unrecorded(b, 12_000)  # B's student paid; B has not synced yet
        payout = standin.make_payout(KEY_A)

        first = school_a.sync()

        assert (first.matched, first.unmatched) == (2, 1)
        assert _mine(school_a, payout) == []  # neither the transfer nor A's own fee
        [line] = payouts.list_payouts(uow, school_a.kit.school, actor=ACTOR)
        assert line.held
        assert not line.shared

        online.sync_payments(uow, kit_b.school, gw_b)  # B records its payment
        second = school_a.sync()

        assert second.matched == 0
        [other] = payouts.unmatched_items(uow, school_a.kit.school, actor=ACTOR)
        assert (other.match, other.payment_id) == (Match.OTHER_SCHOOL, None)
        assert "several schools share" in other.reason
        [line] = payouts.list_payouts(uow, school_a.kit.school, actor=ACTOR)
        assert line.shared
        assert line.held
        assert _mine(school_a, payout) == []
        with uow:
            actions = uow.session.scalars(
                select(AuditRow.action).where(
                    AuditRow.school_id == school_a.kit.school.id,
                    AuditRow.entity_id == payout["id"],
                )
            ).all()
        assert "payout.item_other_school" in actions
        # B's own run sees A's payment as A's: nothing in B's books either.
        assert b.sync().unmatched == 1
        assert _mine(b, payout) == []
    finally:
        gw_b.close()


def test_a_payout_held_for_a_late_payment_is_posted_whole_once_the_payment_is_recorded(
    school_a: School, standin: StripeStandin
) -> None:
    a = school_a
    _pay_unrecorded(a, 25_000)
    payout = standin.make_payout()
    a.sync()
    assert _mine(a, payout) == []

    online.sync_payments(a.uow, a.kit.school, a.gateway)
    assert a.sync().matched == 1

    assert _mine(a, payout) == [Kind.FEE, Kind.PAYOUT]
    [line] = payouts.list_payouts(a.uow, a.kit.school, actor=ACTOR)
    assert not line.held
    assert line.fees_minor == stripe_fee(25_000)


def test_a_payout_with_a_charge_made_outside_jdoffice_is_listed_and_not_posted(
    school_a: School, standin: StripeStandin
) -> None:
    a = school_a
    a.paid(30_000)
    elsewhere = standin.charge_elsewhere(20_000)
    payout = standin.make_payout()

    a.sync()

    assert _mine(a, payout) == []
    [item] = payouts.unmatched_items(a.uow, a.kit.school, actor=ACTOR)
    assert item.source_ref == elsewhere["id"]
    [line] = payouts.list_payouts(a.uow, a.kit.school, actor=ACTOR)
    assert line.held
    assert line.unmatched == 1


def test_a_payout_not_itemized_yet_posts_nothing_until_its_transactions_are_in(
    school_a: School, standin: StripeStandin
) -> None:
    a = school_a
    a.paid(45_000)
    payout = standin.make_payout(reconciliation="in_progress")
    a.sync()
    assert _mine(a, payout) == []

    standin.set_payout_reconciliation(str(payout["id"]), "completed")
    a.sync()

    assert _mine(a, payout) == [Kind.FEE, Kind.PAYOUT]


# --------------------------------------------------------------------------- many old unmatched


def test_a_late_payment_is_matched_however_many_older_unmatched_charges_wait(
    school_a: School, standin: StripeStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(payouts, "REMATCH_LIMIT", 2)  # stands for the real 1000
    a = school_a
    for _ in range(3):
        standin.charge_elsewhere(20_000)  # web-shop charges: listed for good
    standin.make_payout()
    a.sync()
    _pay_unrecorded(a, 25_000)
    late_payout = standin.make_payout()
    a.sync()
    online.sync_payments(a.uow, a.kit.school, a.gateway)

    late = a.sync()

    assert (late.matched, late.unmatched_total) == (1, 3)
    assert _mine(a, late_payout) == [Kind.FEE, Kind.PAYOUT]


def test_the_staff_list_of_unmatched_transactions_shows_the_newest_first(
    school_a: School, standin: StripeStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(payouts, "LIST_LIMIT", 2)
    a = school_a
    for _ in range(3):
        standin.charge_elsewhere(20_000)
        standin.make_payout()
        standin.advance_clock(60)
    newest = standin.charge_elsewhere(30_000)
    standin.make_payout()

    assert a.sync().unmatched_total == 4

    listed = payouts.unmatched_items(a.uow, a.kit.school, actor=ACTOR)
    assert len(listed) == 2
    assert listed[0].source_ref == newest["id"]


# --------------------------------------------------------------------------- negative fees


class _Rewritten:
    """The real Stripe gateway, with each item changed by ``change`` (what Stripe might send)."""

    def __init__(self, inner: PayoutSource, change: Callable[[SettlementItem], SettlementItem]):
        self.inner, self.change = inner, change
        self.name, self.capabilities = inner.name, inner.capabilities

    def payouts_since(
        self, created_gte: dt.datetime
    ) -> Iterator[ProviderPayout | UnreadablePayout]:
        return self.inner.payouts_since(created_gte)

    def payout(self, ref: str) -> ProviderPayout:
        return self.inner.payout(ref)

    def payout_items(self, payout_ref: str) -> Iterator[SettlementItem]:
        return (self.change(i) for i in self.inner.payout_items(payout_ref))


def _fee_given_back(kind: ItemKind, back: int) -> Callable[[SettlementItem], SettlementItem]:
    def change(i: SettlementItem) -> SettlementItem:
        if i.kind is not kind:
            return i
        return dataclasses.replace(i, fee_minor=-back, net_minor=i.amount_minor + back)

    return change


def test_a_fee_stripe_gives_back_with_a_refund_is_posted_as_a_fee_given_back(
    school_a: School, standin: StripeStandin
) -> None:
    a = school_a
    _, _, paid = a.paid(30_000)
    online.refund_online(
        a.uow, a.kit.school, a.gateway, payment_id=paid.id, amount_minor=10_000,
        reason="aflyst køretime", actor=ACTOR,
    )  # fmt: skip
    payout = standin.make_payout()
    source = _Rewritten(a.gateway, _fee_given_back(ItemKind.REFUND, 150))

    got = payouts.sync_payouts(a.uow, a.kit.school, source, actor=ACTOR)

    assert got.unmatched == 0
    [line] = payouts.list_payouts(a.uow, a.kit.school, actor=ACTOR)
    assert line.fees_minor == stripe_fee(30_000) - 150
    books = a.books(arrival_of(payout))
    acc = books.accounts
    back = [p for p in books.lines if p.document == payout["id"] and p.amount_minor == 150]
    assert [(p.kind, p.debit, p.credit) for p in back] == [
        (Kind.FEE, acc.number("stripe"), acc.number("fees"))
    ]


def test_a_negative_fee_on_a_payment_is_listed_for_staff_and_its_payout_is_not_posted(
    school_a: School, standin: StripeStandin
) -> None:
    a = school_a
    a.paid(30_000)
    payout = standin.make_payout()
    source = _Rewritten(a.gateway, _fee_given_back(ItemKind.PAYMENT, 30))

    got = payouts.sync_payouts(a.uow, a.kit.school, source, actor=ACTOR)

    assert got.unmatched == 1
    [item] = payouts.unmatched_items(a.uow, a.kit.school, actor=ACTOR)
    assert "negative fee" in item.reason
    assert _mine(a, payout) == []


# --------------------------------------------------------------------------- malformed data


def _raw_payout(ref: str, **changes: object) -> dict[str, object]:
    raw: dict[str, object] = {
        "id": ref, "amount": 1_000, "currency": "dkk", "status": "paid",
        "created": int(NOW.timestamp()) - DAY, "arrival_date": int(NOW.timestamp()),
        "reconciliation_status": "completed", "automatic": True,
    }  # fmt: skip
    raw.update(changes)
    return raw


def _raw_txn(ref: str, payout_ref: str, **changes: object) -> dict[str, object]:
    raw: dict[str, object] = {
        "id": ref, "amount": -1_000, "fee": 0, "net": -1_000, "currency": "dkk",
        "type": "payout", "created": int(NOW.timestamp()) - DAY, "source": payout_ref,
    }  # fmt: skip
    raw.update(changes)
    return raw


class _RawStripe:
    """Stripe answering with the given objects, read by the real parsing of
    :mod:`jdoffice.gateways.stripe_payouts`."""

    name = "stripe"
    capabilities = Capabilities(payouts=True)

    def __init__(self, raw: list[dict[str, object]], txns: dict[str, list[dict[str, object]]]):
        def page(data: list[dict[str, object]]) -> dict[str, object]:
            return {"data": data, "has_more": False}

        self.client = SimpleNamespace(
            v1=SimpleNamespace(
                payouts=SimpleNamespace(
                    list=lambda params: page(raw),
                    retrieve=lambda ref: next(p for p in raw if p["id"] == ref),
                ),
                balance_transactions=SimpleNamespace(
                    list=lambda params: page(txns.get(params["payout"], []))
                ),
            )
        )

    @staticmethod
    def _call(fn: Callable[[], Any]) -> Any:
        return fn()

    def payouts_since(
        self, created_gte: dt.datetime
    ) -> Iterator[ProviderPayout | UnreadablePayout]:
        return stripe_payouts.payouts_since(cast(Any, self.client), self._call, created_gte)

    def payout(self, ref: str) -> ProviderPayout:
        return stripe_payouts.payout(cast(Any, self.client), self._call, ref)

    def payout_items(self, payout_ref: str) -> Iterator[SettlementItem]:
        return stripe_payouts.payout_items(cast(Any, self.client), self._call, payout_ref)


def _stored_refs(uow: SqlAlchemyUnitOfWork, kit: SchoolKit) -> set[str]:
    with uow:
        return set(
            uow.session.scalars(select(PayoutRow.ref).where(PayoutRow.school_id == kit.school.id))
        )


@pytest.mark.parametrize(
    "bad",
    [
        {"currency": "dk1"},
        {"currency": "æøå"},
        {"amount": 0},
        {"amount": 2**70},
        {"created": 10**15},
        {"arrival_date": -(10**14)},
    ],
    ids=["digit-currency", "non-ascii-currency", "no-amount", "huge-amount", "year-30000",
         "before-1970"],
)  # fmt: skip
def test_a_malformed_payout_is_named_and_the_others_are_stored_on_every_run(
    kit: SchoolKit, uow: SqlAlchemyUnitOfWork, bad: dict[str, object]
) -> None:
    source = _RawStripe(
        [_raw_payout("po_bad", **bad), _raw_payout("po_good")],
        {"po_good": [_raw_txn("txn_good", "po_good")]},
    )
    for run in range(2):
        got = payouts.sync_payouts(uow, kit.school, source, actor=ACTOR, now=NOW)

        assert got.payouts_new == (1 if run == 0 else 0)
        [error] = got.errors
        assert error.startswith("po_bad: Stripe sent a payout po_bad")
        assert _stored_refs(uow, kit) == {"po_good"}


@pytest.mark.parametrize(
    "bad",
    [
        {"currency": "dk1"},
        {"amount": 2**70, "net": 2**70},
        {"created": 10**15},
        {"id": "txn_" + "x" * 300},
    ],
    ids=["digit-currency", "huge-amount", "year-30000", "id-too-long"],
)
def test_a_payout_with_a_malformed_transaction_is_held_named_on_every_run_and_the_others_stored(
    kit: SchoolKit, uow: SqlAlchemyUnitOfWork, bad: dict[str, object]
) -> None:
    source = _RawStripe(
        [_raw_payout("po_bad"), _raw_payout("po_good")],
        {
            "po_bad": [_raw_txn("txn_bad_own", "po_bad"), _raw_txn("txn_bad", "po_bad", **bad)],
            "po_good": [_raw_txn("txn_good", "po_good")],
        },
    )
    for _ in range(2):
        got = payouts.sync_payouts(uow, kit.school, source, actor=ACTOR, now=NOW)

        [error] = got.errors
        assert error.startswith("po_bad: Stripe sent a balance transaction")
        assert _stored_refs(uow, kit) == {"po_bad", "po_good"}
        lines = {
            line.payout.ref: line for line in payouts.list_payouts(uow, kit.school, actor=ACTOR)
        }
        # The malformed payout is kept without any of its transactions, out of the books.
        assert (lines["po_bad"].items, lines["po_bad"].held) == (0, True)
        assert (lines["po_good"].items, lines["po_good"].held) == (1, False)


class _Given:
    """A payout source handing over contract objects as given (past any parsing)."""

    name = "stripe"
    capabilities = Capabilities(payouts=True)

    def __init__(self, given: list[ProviderPayout]):
        self.given = given

    def payouts_since(
        self, created_gte: dt.datetime
    ) -> Iterator[ProviderPayout | UnreadablePayout]:
        return iter(self.given)

    def payout(self, ref: str) -> ProviderPayout:
        return next(p for p in self.given if p.ref == ref)

    def payout_items(self, payout_ref: str) -> Iterator[SettlementItem]:
        return iter(())


def test_a_payout_the_database_refuses_is_named_and_the_others_are_stored(
    kit: SchoolKit, uow: SqlAlchemyUnitOfWork
) -> None:
    def given(ref: str, amount: int, currency: str = "DKK") -> ProviderPayout:
        return ProviderPayout(
            gateway="stripe", ref=ref, amount_minor=amount, currency=currency,
            status=PayoutStatus.PAID, created=NOW - dt.timedelta(days=1), arrival=NOW.date(),
            itemized=True,
        )  # fmt: skip

    source = _Given([given("po_none", 0), given("po_good", 1_000)])

    got = payouts.sync_payouts(uow, kit.school, source, actor=ACTOR, now=NOW)

    assert got.payouts_new == 1
    [error] = got.errors
    assert error.startswith("po_none: ")
    assert _stored_refs(uow, kit) == {"po_good"}


def test_since_before_the_year_2000_is_refused_clearly_and_nothing_is_asked(
    kit: SchoolKit, uow: SqlAlchemyUnitOfWork
) -> None:
    source = _Given([])
    for day in (dt.date(1, 1, 1), dt.date(1999, 12, 31)):
        with pytest.raises(InvalidInput, match="too far back"):
            payouts.sync_payouts(uow, kit.school, source, actor=ACTOR, since=day, now=NOW)
    got = payouts.sync_payouts(uow, kit.school, source, actor=ACTOR, since=dt.date(2000, 1, 1))
    assert got.errors == ()


# --------------------------------------------------------------------------- who may


def test_fetching_and_reading_payouts_needs_a_signed_in_manager(
    kit: SchoolKit, uow: SqlAlchemyUnitOfWork
) -> None:
    staff = make_staff(uow, kit)
    source = _RawStripe([_raw_payout("po_1")], {"po_1": [_raw_txn("txn_1", "po_1")]})
    for who in (Actor(staff="anyone", desk=DESK), staff.receptionist.actor(DESK)):
        with pytest.raises(NotAllowed):
            payouts.sync_payouts(uow, kit.school, source, actor=who, now=NOW)
        with pytest.raises(NotAllowed):
            payouts.list_payouts(uow, kit.school, actor=who)
        with pytest.raises(NotAllowed):
            payouts.unmatched_items(uow, kit.school, actor=who)
    assert _stored_refs(uow, kit) == set()

    manager = staff.manager.actor(DESK)
    assert payouts.sync_payouts(uow, kit.school, source, actor=manager, now=NOW).payouts_new == 1
    [line] = payouts.list_payouts(uow, kit.school, actor=manager)
    assert line.payout.ref == "po_1"
    with uow:
        who_fetched = uow.session.scalars(
            select(AuditRow.staff).where(
                AuditRow.school_id == kit.school.id, AuditRow.action == "payout.fetched"
            )
        ).all()
        n = uow.session.scalar(select(func.count()).where(PayoutRow.school_id == kit.school.id))
    assert (list(who_fetched), n) == (["MG"], 1)


# --------------------------------------------------------------------------- staff release


def test_a_manager_releases_a_payout_held_by_a_charge_made_outside_jdoffice_and_the_books_post_it(
    school_a: School, standin: StripeStandin, uow: SqlAlchemyUnitOfWork
) -> None:
    a = school_a
    a.paid(30_000)
    elsewhere = standin.charge_elsewhere(20_000)
    payout = standin.make_payout()
    a.sync()
    staff = make_staff(uow, a.kit)
    manager = staff.manager.actor(DESK)
    ref = str(payout["id"])

    with pytest.raises(NotAllowed):
        payouts.release_payout(
            uow, a.kit.school, ref, reason="webshop", actor=staff.receptionist.actor(DESK)
        )
    with pytest.raises(InvalidInput, match="reason"):
        payouts.release_payout(uow, a.kit.school, ref, reason="  ", actor=manager)
    with pytest.raises(NotFound):
        payouts.release_payout(uow, a.kit.school, "po_nope", reason="webshop", actor=manager)
    assert _mine(a, payout) == []

    released = payouts.release_payout(
        uow, a.kit.school, ref, reason="salg i webshoppen", actor=manager
    )

    assert released.released_at is not None
    assert _mine(a, payout) == [Kind.FEE, Kind.PAYOUT]
    [line] = payouts.list_payouts(uow, a.kit.school, actor=manager)
    assert not line.held
    # The charge itself stays listed for staff (its sale is booked by hand).
    [item] = payouts.unmatched_items(uow, a.kit.school, actor=manager)
    assert item.source_ref == elsewhere["id"]
    with uow:
        [(staff_initials, after)] = uow.session.execute(
            select(AuditRow.staff, AuditRow.after).where(
                AuditRow.school_id == a.kit.school.id, AuditRow.action == "payout.released"
            )
        ).all()
    assert staff_initials == "MG"
    assert after is not None
    assert (after["reason"], after["unmatched"]) == ("salg i webshoppen", [item.ref])
    with pytest.raises(BusinessRuleError, match="not held"):
        payouts.release_payout(uow, a.kit.school, ref, reason="igen", actor=manager)


def test_a_payout_that_settles_another_schools_payment_is_never_released(
    school_a: School, standin: StripeStandin, uow: SqlAlchemyUnitOfWork
) -> None:
    kit_b = new_kit(school_a.kit.engine, "Vesterbro Trafikskole")
    gw_b = gateway_for(standin, KEY_A)  # the same Stripe account
    b = School(uow, kit_b, standin, gw_b, KEY_A)
    try:
        school_a.paid(45_000)
        b.paid(12_000)
        payout = standin.make_payout(KEY_A)
        school_a.sync()

        with pytest.raises(BusinessRuleError, match="another school's"):
            payouts.release_payout(
                uow, school_a.kit.school, str(payout["id"]), reason="vores", actor=ACTOR
            )

        assert _mine(school_a, payout) == []
    finally:
        gw_b.close()
