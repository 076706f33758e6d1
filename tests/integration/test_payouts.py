"""Stripe payouts against the local stand-in, on every backend (issue 15): fetched with the real
``stripe`` client page by page, stored once, matched to the payments and refunds the online
path recorded, the fees and the transfer posted in the books, and what matches nothing (a
charge made elsewhere, a dispute) listed for staff and posted nowhere."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any, cast

import pytest
from sqlalchemy import Engine, select

from jdoffice.adapters.orm import AuditRow
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.errors import BusinessRuleError
from jdoffice.domain.payouts import Match
from jdoffice.domain.postings import DocumentType, Kind, check_balanced, totals
from jdoffice.services import books, online, payouts
from jdoffice.services.desk import Desk
from jdoffice.services.gateways import (
    Capabilities,
    OnlineGateway,
    ProviderError,
    ProviderRefused,
)
from jdoffice.services.payout_contract import ItemKind, payout_source
from jdoffice.services.ports import DuplicateKey
from jdoffice.services.settings import PaymentSettings
from tests.conftest import SchoolKit, new_kit
from tests.integration.payout_helpers import (
    ACTOR,
    KEY_A,
    KEY_B,
    SETTINGS,
    School,
    arrival_of,
    fast_client_retries,
    gateway_for,
    stripe_fee,
    stripe_school,
)
from tests.standin.stripe_standin import StripeStandin

BT_PATH = "/v1/balance_transactions"


@pytest.fixture
def standin() -> Iterator[StripeStandin]:
    # Two objects a page: every listing below walks several pages.
    with StripeStandin(secret_key=KEY_A, extra_api_keys=[KEY_B], page_size_cap=2) as s:
        yield s
        assert s.internal_errors == []


@pytest.fixture(autouse=True)
def _fast_client_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    fast_client_retries(monkeypatch)


@pytest.fixture
def school_a(kit: SchoolKit, uow: SqlAlchemyUnitOfWork, standin: StripeStandin) -> Iterator[School]:
    with stripe_school(uow, kit, standin) as school:
        yield school


# --------------------------------------------------------------------------- the whole story


def test_fees_are_posted_the_payout_is_matched_and_unknown_transactions_are_listed(
    school_a: School, standin: StripeStandin
) -> None:
    a = school_a
    _, _, first = a.paid(45_000)
    _, _, second = a.paid(30_000)
    refund = online.refund_online(
        a.uow, a.kit.school, a.gateway, payment_id=second.id, amount_minor=10_000,
        reason="aflyst køretime", actor=ACTOR,
    )  # fmt: skip
    dispute = standin.add_balance_transaction(
        type_="adjustment", amount=-5_000, fee=1_500, category="dispute", description="Dispute"
    )
    standin.add_balance_transaction(type_="stripe_fee", amount=-2_500, description="Radar")
    payout = standin.make_payout(status="paid")

    result = a.sync()

    # 2 charges, 1 refund, a dispute, a Stripe fee, the payout itself. (A charge made
    # elsewhere holds its payout out of the books: see test_payouts_safety.)
    assert (result.payouts_new, result.fetched) == (1, 6)
    assert (result.matched, result.unmatched, result.unmatched_total) == (5, 1, 1)
    assert result.errors == ()
    # Several pages of two were walked for the balance transactions.
    pages = [r for r in standin.requests if r.path == BT_PATH]
    assert len(pages) == 3
    assert all("starting_after" in r.params for r in pages[1:])

    unmatched = payouts.unmatched_items(a.uow, a.kit.school, actor=ACTOR)
    assert {i.source_ref for i in unmatched} == {dispute["source"]}
    assert all(i.reason for i in unmatched)
    listing = payouts.list_payouts(a.uow, a.kit.school, actor=ACTOR)
    [line] = listing
    assert line.payout.ref == payout["id"]
    assert line.payout.amount_minor == payout["amount"]
    assert line.unmatched == 1
    assert not line.held
    assert line.fees_minor == stripe_fee(45_000) + stripe_fee(30_000) + 2_500

    period = a.books(arrival_of(payout))
    lines = list(period.lines)
    check_balanced(lines)
    mine = [p for p in lines if p.document == payout["id"]]
    assert {p.document_type for p in mine} == {DocumentType.PAYOUT}
    assert all(p.date == arrival_of(payout) for p in mine)
    acc = period.accounts
    fees = sorted(p.amount_minor for p in mine if p.kind is Kind.FEE)
    assert fees == sorted([stripe_fee(45_000), stripe_fee(30_000), 2_500])
    assert all((p.debit, p.credit) == (acc.number("fees"), acc.number("stripe")) for p in mine[:3])
    [transfer] = [p for p in mine if p.kind is Kind.PAYOUT]
    assert (transfer.debit, transfer.credit) == (acc.number("bank"), acc.number("stripe"))
    assert transfer.amount_minor == payout["amount"]
    # What stays on the Stripe clearing account is exactly what matched nothing.
    sums = totals(lines)
    assert sums[acc.number("stripe")].net_minor == -sum(i.net_minor for i in unmatched)
    assert sums[acc.number("fees")].net_minor == line.fees_minor
    assert sums[acc.number("bank")].net_minor == payout["amount"]
    # The fee of a payment names its receipt; the refund had no fee.
    texts = [p.text for p in mine if p.kind is Kind.FEE]
    assert any(f"kvittering {first.receipt_no}" in t for t in texts)
    assert refund.amount_minor == 10_000

    # Every export carries the payout's lines, debits equal to credits.
    csv_text = books.export(period, "csv").decode("utf-8")
    assert sum(1 for row in csv_text.splitlines() if f";{payout['id']};payout;" in row) == len(mine)
    economic = books.export(period, "economic").decode("utf-8")
    assert sum(1 for row in economic.splitlines() if str(payout["id"]) in row) == len(mine)
    saft = books.export(period, "saft").decode("utf-8")
    assert f"<TransactionID>{payout['id']}</TransactionID>" in saft
    total = check_balanced(lines)
    money = f"{total // 100}.{total % 100:02d}"
    assert f"<TotalDebit>{money}</TotalDebit>" in saft
    assert f"<TotalCredit>{money}</TotalCredit>" in saft


def test_a_second_run_fetches_nothing_new_and_the_database_refuses_a_copy(
    school_a: School, standin: StripeStandin
) -> None:
    a = school_a
    a.paid(45_000)
    standin.make_payout()
    first = a.sync()
    assert (first.payouts_new, first.fetched, first.matched) == (1, 2, 2)
    stored = a.rows()
    standin.clear_requests()

    again = a.sync()

    assert (again.payouts_new, again.payouts_updated, again.fetched, again.matched) == (0, 0, 0, 0)
    assert a.rows() == stored
    # The payout list was read again; its transactions, all stored, were not.
    assert [r for r in standin.requests if r.path == BT_PATH] == []
    # An overlapping run that tries to store an item again is refused by the database.
    [item] = payouts.list_payouts(a.uow, a.kit.school, actor=ACTOR)
    with a.uow:
        [copy] = [i for i in a.uow.payouts.items(a.kit.school.id) if i.kind == "payment"]

    def store_again() -> None:
        with a.uow.write():
            a.uow.payouts.add_item(
                a.kit.school.id, item.payout.id, payouts._as_item(copy), match=Match.FEE,
                payment_id=None, refund_id=None, reason="", now=dt.datetime.now(dt.UTC),
            )  # fmt: skip
            a.uow.commit()

    with pytest.raises(DuplicateKey):
        store_again()
    assert a.rows() == stored


def test_a_payout_in_transit_posts_its_transfer_only_once_paid_and_is_audited(
    school_a: School, standin: StripeStandin
) -> None:
    a = school_a
    a.paid(30_000)
    payout = standin.make_payout(status="in_transit")
    assert a.sync().payouts_new == 1
    day = arrival_of(payout)
    assert [p for p in a.books(day).lines if p.document == payout["id"]] == []

    standin.set_payout_status(str(payout["id"]), "paid")
    updated = a.sync()

    assert (updated.payouts_new, updated.payouts_updated, updated.fetched) == (0, 1, 0)
    mine = [p for p in a.books(day).lines if p.document == payout["id"]]
    assert [p.kind for p in mine] == [Kind.FEE, Kind.PAYOUT]
    with a.uow:
        actions = a.uow.session.scalars(
            select(AuditRow.action).where(AuditRow.entity_id == payout["id"]).order_by(AuditRow.id)
        ).all()
    assert actions == ["payout.fetched", "payout.updated"]


def test_a_payment_recorded_after_its_payout_was_fetched_is_matched_on_the_next_run(
    school_a: School, standin: StripeStandin
) -> None:
    a = school_a
    student = a.kit.student()
    invoice = a.kit.invoice(student, 25_000)
    view = online.start_online_payment(
        a.uow, a.kit.school, a.gateway, SETTINGS, invoice_no=invoice.invoice_no, actor=ACTOR
    )
    assert view.provider_ref is not None
    standin.complete_session(view.provider_ref)  # no webhook, no sync yet
    standin.make_payout()
    early = a.sync()
    assert (early.matched, early.unmatched) == (1, 1)  # the payout's own entry; the charge

    online.sync_payments(a.uow, a.kit.school, a.gateway)
    late = a.sync()

    assert (late.fetched, late.matched, late.unmatched_total) == (0, 1, 0)
    assert payouts.unmatched_items(a.uow, a.kit.school, actor=ACTOR) == []


# --------------------------------------------------------------------------- two schools


def test_two_schools_with_their_own_keys_never_see_each_others_payouts(
    school_a: School, standin: StripeStandin, uow: SqlAlchemyUnitOfWork
) -> None:
    kit_b = new_kit(school_a.kit.engine, "Vesterbro Trafikskole")
    gw_b = gateway_for(standin, KEY_B)
    b = School(uow, kit_b, standin, gw_b, KEY_B)
    try:
        school_a.paid(45_000)
        b.paid(12_000)
        payout_a = standin.make_payout(KEY_A)
        payout_b = standin.make_payout(KEY_B)

        got_a, got_b = school_a.sync(), b.sync()

        assert (got_a.payouts_new, got_a.matched, got_a.unmatched) == (1, 2, 0)
        assert (got_b.payouts_new, got_b.matched, got_b.unmatched) == (1, 2, 0)
        refs_a = [
            line.payout.ref for line in payouts.list_payouts(uow, school_a.kit.school, actor=ACTOR)
        ]
        refs_b = [line.payout.ref for line in payouts.list_payouts(uow, kit_b.school, actor=ACTOR)]
        assert (refs_a, refs_b) == ([payout_a["id"]], [payout_b["id"]])
        day = arrival_of(payout_a)
        docs_a = {p.document for p in school_a.books(day).lines}
        assert payout_a["id"] in docs_a
        assert payout_b["id"] not in docs_a
        # School B's key cannot read school A's payout at all.
        with pytest.raises(ProviderRefused):
            gw_b.payout(str(payout_a["id"]))
    finally:
        gw_b.close()


# --------------------------------------------------------------------------- when it goes wrong


def test_stripe_down_or_a_wrong_key_stores_nothing_and_a_retry_stores_it_all(
    school_a: School, standin: StripeStandin
) -> None:
    a = school_a
    a.paid(45_000)
    standin.make_payout()

    standin.set_down(True)
    with pytest.raises(ProviderError):
        a.sync()
    standin.set_down(False)
    wrong = gateway_for(standin, "sk_test_not_a_key")
    try:
        with pytest.raises(ProviderRefused, match="refused the API key"):
            payouts.sync_payouts(a.uow, a.kit.school, wrong, actor=ACTOR)
    finally:
        wrong.close()
    assert a.rows() == (0, 0)

    retried = a.sync()
    assert (retried.payouts_new, retried.fetched, retried.unmatched) == (1, 2, 0)


def test_a_payout_stripe_has_not_itemized_yet_is_itemized_on_a_later_run(
    school_a: School, standin: StripeStandin
) -> None:
    a = school_a
    a.paid(45_000)
    payout = standin.make_payout(reconciliation="in_progress")
    first = a.sync()
    assert (first.payouts_new, first.fetched) == (1, 0)
    with a.uow:
        stored = a.uow.payouts.get(a.kit.school.id, "stripe", str(payout["id"]))
    assert stored is not None
    assert not stored.items_stored

    standin.set_payout_reconciliation(str(payout["id"]), "completed")
    second = a.sync()

    assert (second.payouts_new, second.payouts_updated, second.fetched) == (0, 1, 2)


def test_the_stripe_gateway_declares_payouts_and_a_gateway_without_them_is_no_source(
    school_a: School,
) -> None:
    assert payout_source(school_a.gateway) is school_a.gateway

    class NoPayouts:
        name = "other"
        capabilities = Capabilities(online=True)

    assert payout_source(NoPayouts()) is None


def test_items_are_read_as_the_contract_says(school_a: School, standin: StripeStandin) -> None:
    a = school_a
    _, _, payment = a.paid(45_000)
    payout = standin.make_payout()
    items = list(a.gateway.payout_items(str(payout["id"])))
    kinds = sorted(i.kind for i in items)
    assert kinds == sorted([ItemKind.PAYMENT, ItemKind.PAYOUT])
    [charge] = [i for i in items if i.kind is ItemKind.PAYMENT]
    assert charge.payment_ref == payment.provider_ref
    assert (charge.amount_minor, charge.fee_minor) == (45_000, stripe_fee(45_000))
    assert charge.net_minor == charge.amount_minor - charge.fee_minor


def test_two_runs_at_the_same_moment_store_each_payout_and_transaction_once(
    school_a: School, standin: StripeStandin, engine: Engine
) -> None:
    a = school_a
    for amount in (45_000, 30_000, 12_500):
        a.paid(amount)
    standin.make_payout()
    barrier = threading.Barrier(2)
    results: list[payouts.PayoutSyncResult] = []
    failures: list[BaseException] = []

    def run() -> None:
        gw = gateway_for(standin, KEY_A)
        try:
            barrier.wait()
            results.append(
                payouts.sync_payouts(SqlAlchemyUnitOfWork(engine), a.kit.school, gw, actor=ACTOR)
            )
        except BaseException as exc:  # reported below
            failures.append(exc)
        finally:
            gw.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert failures == []
    assert a.rows() == (1, 4)
    assert sum(r.payouts_new for r in results) == 1
    assert sum(r.fetched for r in results) == 4


def _desk(a: School, gateways: str) -> Desk:
    """The front desk of school A, its online gateways ``gateways``: Stripe and one that
    reports no payouts."""

    class NoPayouts:
        name = "otherpay"
        capabilities = Capabilities(online=True)

    def gateway(school: object, settings: PaymentSettings | None = None) -> OnlineGateway:
        assert settings is not None
        if settings.default_gateway == "stripe":
            return a.gateway
        return cast(OnlineGateway, NoPayouts())

    def unused(*args: object, **kwargs: object) -> Any:
        raise AssertionError("not used by the payout verbs")

    return Desk(
        school_slug=a.kit.school.slug,
        actor=ACTOR,
        uow=lambda: SqlAlchemyUnitOfWork(a.kit.engine),
        offline=unused,
        gateway=gateway,
        payment_settings=lambda school: PaymentSettings(online_enabled=True, gateway=gateways),
        counter_method=unused,
        online_methods=lambda: ("stripe",),
        transports=unused,
    )


def test_the_desk_skips_a_gateway_without_payouts_with_a_word_and_syncs_the_others(
    school_a: School, standin: StripeStandin
) -> None:
    school_a.paid(45_000)
    standin.make_payout()

    synced = _desk(school_a, "stripe,otherpay").sync_payouts()

    stripe_done, other = synced.results
    assert (stripe_done.gateway, stripe_done.payouts_new, stripe_done.skipped) == ("stripe", 1, "")
    assert (other.gateway, other.skipped) == (
        "otherpay",
        "otherpay does not report payouts; skipped",
    )
    assert [line.payout.ref for line in _desk(school_a, "stripe").payouts().payouts] == [
        standin.payouts()[0]["id"]
    ]
    with pytest.raises(BusinessRuleError, match="otherpay does not report payouts"):
        _desk(school_a, "otherpay").sync_payouts()


def test_a_payout_paid_and_then_failed_is_taken_back_from_the_bank_by_the_next_payout(
    school_a: School, standin: StripeStandin
) -> None:
    a = school_a
    a.paid(45_000)
    first = standin.make_payout(status="paid")
    a.sync()
    standin.set_payout_status(str(first["id"]), "failed")  # the bank returned it
    a.paid(30_000)
    second = standin.make_payout(status="paid")

    result = a.sync()

    assert (result.payouts_new, result.payouts_updated, result.unmatched) == (1, 1, 0)
    assert int(second["amount"]) == int(first["amount"]) + 30_000 - stripe_fee(30_000)
    period = a.books(arrival_of(second))
    lines = list(period.lines)
    check_balanced(lines)
    acc = period.accounts
    back = [
        p
        for p in lines
        if p.document == second["id"]
        and (p.debit, p.credit) == (acc.number("stripe"), acc.number("bank"))
    ]
    assert [p.amount_minor for p in back] == [first["amount"]]
    assert str(first["id"]) in back[0].text
    sums = totals(lines)
    # At the bank: what the second payout brought; on the clearing account: nothing.
    assert sums[acc.number("bank")].net_minor == second["amount"]
    assert sums[acc.number("stripe")].net_minor == 0


def test_a_payout_whose_transactions_fail_to_come_is_fetched_again_and_the_rest_is_kept(
    school_a: School, standin: StripeStandin
) -> None:
    a = school_a
    a.paid(45_000)
    first = standin.make_payout()
    a.paid(30_000)
    second = standin.make_payout()
    # Its first call and the client's one retry.
    standin.fail_requests(BT_PATH, 2, {"payout": str(second["id"])})

    partly = a.sync()

    assert (partly.payouts_new, partly.fetched) == (1, 2)
    [error] = partly.errors
    assert error.startswith(f"{second['id']}: Stripe had a problem")
    assert [line.payout.ref for line in payouts.list_payouts(a.uow, a.kit.school, actor=ACTOR)] == [
        first["id"]
    ]

    resumed = a.sync()

    assert (resumed.payouts_new, resumed.fetched, resumed.errors) == (1, 2, ())
    assert a.rows() == (2, 4)


def test_a_payout_of_an_account_two_schools_share_is_listed_and_posted_in_neither_book(
    school_a: School, standin: StripeStandin, uow: SqlAlchemyUnitOfWork
) -> None:
    kit_b = new_kit(school_a.kit.engine, "Vesterbro Trafikskole")
    gw_b = gateway_for(standin, KEY_A)  # the same Stripe account
    b = School(uow, kit_b, standin, gw_b, KEY_A)
    try:
        school_a.paid(45_000)
        b.paid(12_000)
        payout = standin.make_payout(KEY_A)

        got_a, got_b = school_a.sync(), b.sync()

        # Each school's own payment matches; the other's is listed, never linked to its row.
        assert (got_a.matched, got_a.unmatched) == (2, 1)
        assert (got_b.matched, got_b.unmatched) == (2, 1)
        [other] = payouts.unmatched_items(uow, school_a.kit.school, actor=ACTOR)
        assert (other.match, other.payment_id) == (Match.OTHER_SCHOOL, None)
        assert "several schools share" in other.reason
        [line] = payouts.list_payouts(uow, school_a.kit.school, actor=ACTOR)
        assert line.shared
        day = arrival_of(payout)
        for school in (school_a, b):
            assert [p for p in school.books(day).lines if p.document == payout["id"]] == []
    finally:
        gw_b.close()
