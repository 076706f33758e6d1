"""Postings derived from money rows (issue 15): every kind balances, lands on the mapped
accounts, and the sums per account are the figures the till shows."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from jdoffice.domain.errors import BusinessRuleError, InvalidInput
from jdoffice.domain.postings import (
    AccountMap,
    CashMovement,
    DocumentType,
    Kind,
    MoneyEvent,
    ShiftClose,
    check_accounts,
    check_balanced,
    postings,
    totals,
)

CPH = ZoneInfo("Europe/Copenhagen")
ACC = AccountMap.defaults()
CASH, BANK, DEBTORS = ACC.number("cash"), ACC.number("bank"), ACC.number("debtors")
ROUNDING, DIFF = ACC.number("rounding"), ACC.number("cash_differences")
TRANSFERS = ACC.number("cash_transfers")
T0 = dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC)  # 1 December in Copenhagen


def pay(amount: int, rounding: int = 0, *, method: str = "cash", **kw: object) -> MoneyEvent:
    fields: dict[str, object] = {
        "id": f"p{amount}{rounding}{method}",
        "refund": False,
        "at": T0,
        "method": method,
        "online": False,
        "amount_minor": amount,
        "rounding_minor": rounding,
        "currency": "DKK",
        "receipt_no": 17,
        "student_no": "S1",
        "invoice_nos": ("F1", "F2"),
        "staff": "RC",
        "desk": "kasse-1",
    }
    fields.update(kw)
    return MoneyEvent(**fields)  # type: ignore[arg-type]


def net(lines: list, account: str) -> int:  # type: ignore[type-arg]
    t = totals(lines).get(account)
    return t.net_minor if t else 0


def lines_of(*events: MoneyEvent) -> list:  # type: ignore[type-arg]
    return postings(events, [], [], ACC, CPH)


def test_cash_payment_rounded_up_debits_cash_total_and_credits_debtors_exact_amount() -> None:
    # 850,25 kr owed, cash total 850,50: rounding +0,25 (DESIGN §2).
    lines = lines_of(pay(85025, 25))
    assert check_balanced(lines) == 85025 + 25
    assert net(lines, CASH) == 85050
    assert net(lines, DEBTORS) == -85025
    assert net(lines, ROUNDING) == -25
    assert [p.kind for p in lines] == [Kind.PAYMENT, Kind.ROUNDING]


def test_cash_payment_rounded_down_debits_the_rounding_account() -> None:
    # 850,20 owed, cash total 850,00: rounding −0,20.
    lines = lines_of(pay(85020, -20))
    check_balanced(lines)
    assert net(lines, CASH) == 85000
    assert net(lines, DEBTORS) == -85020
    assert net(lines, ROUNDING) == 20


def test_refund_rounded_reverses_cash_and_rounding() -> None:
    # Paid back 100,20 in cash: 100,00 leaves the drawer, rounding −0,20 on the refund.
    refund = pay(10020, -20, id="r1", refund=True, receipt_no=18)
    lines = lines_of(refund)
    check_balanced(lines)
    assert net(lines, CASH) == -10000
    assert net(lines, DEBTORS) == 10020
    assert net(lines, ROUNDING) == -20
    assert {p.document_type for p in lines} == {DocumentType.CREDIT_NOTE}
    up = lines_of(pay(10030, 20, id="r2", refund=True))
    assert net(up, CASH) == -10050
    assert net(up, ROUNDING) == 20


def test_each_method_lands_on_its_account_and_online_mobilepay_on_its_clearing() -> None:
    lines = lines_of(
        pay(100, method="bank", id="b"),
        pay(200, method="card", id="c"),
        pay(300, method="mobilepay", id="m"),
        pay(400, method="mobilepay", online=True, id="mo"),
        pay(500, method="stripe", online=True, id="s"),
    )
    check_balanced(lines)
    assert net(lines, BANK) == 100
    assert net(lines, ACC.number("card_terminal")) == 200
    assert net(lines, ACC.number("mobilepay")) == 300
    assert net(lines, ACC.number("mobilepay_online")) == 400
    assert net(lines, ACC.number("stripe")) == 500
    assert net(lines, DEBTORS) == -1500


def test_unknown_method_is_refused_with_its_name() -> None:
    with pytest.raises(BusinessRuleError, match="'giftcard'"):
        lines_of(pay(100, method="giftcard"))


def test_pay_in_pay_out_and_variance_move_cash_against_their_accounts() -> None:
    moves = [
        CashMovement("m1", True, T0, 50000, "DKK", "Byttepenge", "Z3/kasse-1", "RC", "kasse-1"),
        CashMovement("m2", False, T0, 2500, "DKK", "Kaffe", "Z3/kasse-1", "RC", "kasse-1"),
    ]
    short = ShiftClose("s1", T0, "Z3/kasse-1", -350, "DKK", "MG", "kasse-1")
    over = ShiftClose("s2", T0, "Z4/kasse-1", 100, "DKK", "MG", "kasse-1")
    lines = postings([], moves, [short, over], ACC, CPH)
    check_balanced(lines)
    assert net(lines, CASH) == 50000 - 2500 - 350 + 100
    assert net(lines, TRANSFERS) == -50000 + 2500
    assert net(lines, DIFF) == 350 - 100
    assert {p.kind for p in lines} == {Kind.PAY_IN, Kind.PAY_OUT, Kind.VARIANCE}
    assert all(p.document_type is DocumentType.Z_REPORT for p in lines)


def test_zero_variance_and_zero_rounding_make_no_lines() -> None:
    assert postings([], [], [ShiftClose("s", T0, "Z1/k", 0, "DKK")], ACC, CPH) == []
    assert [p.kind for p in lines_of(pay(100, 0))] == [Kind.PAYMENT]


def test_lines_carry_the_school_day_document_student_invoices_staff_and_desk() -> None:
    (line,) = lines_of(pay(100))
    assert line.date == dt.date(2026, 12, 1)
    assert (line.document, line.voucher_no) == ("17", 17)
    assert (line.student_no, line.invoice_nos) == ("S1", ("F1", "F2"))
    assert (line.staff, line.desk, line.vat_code) == ("RC", "kasse-1", "")


def test_postings_order_does_not_depend_on_the_order_of_the_rows() -> None:
    a = pay(100, id="a", at=T0 + dt.timedelta(minutes=1))
    b = pay(200, 50, id="b", receipt_no=18)
    assert lines_of(a, b) == lines_of(b, a)


def test_account_changes_are_checked_all_at_once() -> None:
    changed = check_accounts({"cash": "1000", "vat_code": "I25"}, ACC)
    assert changed.number("cash") == "1000"
    assert changed.vat_code == "I25"
    with pytest.raises(InvalidInput, match="no account is called 'till'"):
        check_accounts({"cash": "1000", "till": "1"}, ACC)
    with pytest.raises(InvalidInput, match="bank"):
        check_accounts({"bank": "58 20"}, ACC)


def test_vat_code_is_carried_on_payment_lines_not_rounding() -> None:
    lines = postings([pay(85025, 25)], [], [], check_accounts({"vat_code": "U25"}, ACC), CPH)
    assert [p.vat_code for p in lines] == ["U25", ""]


def test_a_line_mapped_to_one_account_on_both_sides_is_left_out() -> None:
    same = check_accounts({"cash_transfers": CASH}, ACC)
    moves = [CashMovement("m", True, T0, 100, "DKK", "x", "", "", "k")]
    assert postings([], moves, [], same, CPH) == []
