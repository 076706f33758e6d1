"""A provider payout in the books, and Stripe's payout objects read as the contract says
(issue 15): no database, no network."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from jdoffice.domain.books_export import to_csv, to_economic, transaction_ids
from jdoffice.domain.postings import (
    AccountMap,
    DocumentType,
    Kind,
    PayoutBooking,
    PayoutFee,
    check_balanced,
    payout_postings,
    totals,
)
from jdoffice.gateways.stripe_payouts import parse_balance_transaction, parse_payout
from jdoffice.services.gateways import ProviderRefused
from jdoffice.services.payout_contract import ItemKind, PayoutStatus

ACC = AccountMap.defaults()
DAY = dt.date(2026, 11, 20)
AT = dt.datetime(2026, 11, 19, 23, 0, tzinfo=dt.UTC)


def _booking(*, transferred: bool = True, fees: tuple[PayoutFee, ...] = ()) -> PayoutBooking:
    return PayoutBooking(
        ref="po_1abc",
        method="stripe",
        label="Stripe",
        arrival=DAY,
        at=AT,
        amount_minor=73_515,
        currency="DKK",
        transferred=transferred,
        fees=fees,
    )


def test_a_paid_payout_posts_each_fee_and_its_transfer_balanced_under_its_id() -> None:
    fees = (
        PayoutFee("txn_1", 855, "Gebyr Stripe indbetaling kvittering 7"),
        PayoutFee("txn_2", 630, "Gebyr Stripe indbetaling kvittering 8"),
        PayoutFee("txn_3", -100, "Gebyr Stripe: refunderet gebyr"),
    )
    lines = payout_postings(_booking(fees=fees), ACC)

    check_balanced(lines)
    assert [p.kind for p in lines] == [Kind.FEE, Kind.FEE, Kind.FEE, Kind.PAYOUT]
    assert {(p.document, p.document_type, p.date) for p in lines} == {
        ("po_1abc", DocumentType.PAYOUT, DAY)
    }
    sums = totals(lines)
    assert sums[ACC.number("fees")].net_minor == 855 + 630 - 100
    assert sums[ACC.number("bank")].net_minor == 73_515
    assert sums[ACC.number("stripe")].net_minor == -(855 + 630 - 100) - 73_515
    # SAF-T makes one transaction of the payout; the CSV and e-conomic one line a posting.
    assert [tid for tid, _ in transaction_ids(lines)] == ["po_1abc"]
    assert to_csv(lines).count("\r\n") == 1 + len(lines)
    assert all(
        row.split(";")[3].startswith("po_1abc: ") for row in to_economic(lines).split("\r\n")[1:-1]
    )


def test_a_payout_not_yet_paid_posts_its_fees_but_no_transfer() -> None:
    lines = payout_postings(_booking(transferred=False, fees=(PayoutFee("t", 855, "x"),)), ACC)
    assert [p.kind for p in lines] == [Kind.FEE]


def _txn(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": "txn_1",
        "object": "balance_transaction",
        "amount": 45_000,
        "fee": 855,
        "net": 44_145,
        "currency": "dkk",
        "created": 1_790_000_000,
        "type": "charge",
        "reporting_category": "charge",
        "source": {"id": "ch_1", "object": "charge", "payment_intent": "pi_1"},
    }
    return {**base, **fields}


def test_a_charge_names_its_payment_intent_and_a_dispute_is_something_else() -> None:
    charge = parse_balance_transaction(_txn(), "po_1")
    assert (charge.kind, charge.payment_ref, charge.source_ref) == (
        ItemKind.PAYMENT,
        "pi_1",
        "ch_1",
    )
    assert (charge.currency, charge.payout_ref) == ("DKK", "po_1")
    refund = parse_balance_transaction(
        _txn(
            type="refund",
            amount=-10_000,
            fee=0,
            net=-10_000,
            source={"id": "re_1", "object": "refund", "payment_intent": "pi_1"},
        ),
        "po_1",
    )
    assert (refund.kind, refund.refund_ref, refund.payment_ref) == (ItemKind.REFUND, "re_1", "pi_1")
    dispute = parse_balance_transaction(
        _txn(type="adjustment", reporting_category="dispute", amount=-5_000, fee=1_500, net=-6_500),
        "po_1",
    )
    assert (dispute.kind, dispute.category) == (ItemKind.OTHER, "dispute")


@pytest.mark.parametrize(
    "fields",
    [{"net": 44_000}, {"amount": "45000"}, {"fee": None}, {"currency": None}, {"id": None}],
)
def test_a_malformed_balance_transaction_is_refused(fields: dict[str, object]) -> None:
    with pytest.raises(ProviderRefused):
        parse_balance_transaction(_txn(**fields), "po_1")


def _payout(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": "po_1",
        "object": "payout",
        "amount": 73_515,
        "currency": "dkk",
        "status": "in_transit",
        "created": 1_790_000_000,
        "arrival_date": 1_790_121_600,
        "automatic": True,
        "reconciliation_status": "in_progress",
    }
    return {**base, **fields}


def test_a_payout_is_itemized_once_stripe_has_reconciled_it_and_a_manual_one_never() -> None:
    waiting = parse_payout(_payout())
    assert (waiting.status, waiting.itemized, waiting.note) == (PayoutStatus.IN_TRANSIT, False, "")
    assert waiting.arrival == dt.date(2026, 9, 23)
    done = parse_payout(_payout(reconciliation_status="completed", status="paid"))
    assert (done.itemized, done.status.final) == (True, True)
    manual = parse_payout(_payout(automatic=False, reconciliation_status="not_applicable"))
    assert manual.itemized
    assert "manual" in manual.note
    with pytest.raises(ProviderRefused):
        parse_payout(_payout(status="lost"))


def test_money_of_a_failed_payout_coming_back_is_taken_from_the_bank_to_clearing() -> None:
    back = (PayoutFee("txn_9", 50_000, "Udbetaling Stripe po_0 fejlede"),)
    lines = payout_postings(dataclasses.replace(_booking(), returned=back), ACC)
    check_balanced(lines)
    [returned, transfer] = lines
    assert (returned.debit, returned.credit) == (ACC.number("stripe"), ACC.number("bank"))
    assert (returned.amount_minor, returned.source_id) == (50_000, "txn_9")
    assert (transfer.debit, transfer.credit) == (ACC.number("bank"), ACC.number("stripe"))
