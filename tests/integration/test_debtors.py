"""The debtor list read from the database (issue 15), on every backend: what is still
outstanding on each invoice, aged by its due date; paid, cancelled and other schools'
invoices are not on it; a part payment leaves the rest; a refund puts the money back on it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.errors import InvalidInput
from jdoffice.services.debtors import debtor_list
from tests.conftest import SchoolKit
from tests.integration.helpers import Desk, other_school

AS_OF = dt.date(2026, 12, 4)


def days_ago(n: int) -> dt.date:
    return AS_OF - dt.timedelta(days=n)


def test_the_list_ages_what_is_outstanding_and_leaves_out_what_owes_nothing(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, engine: Engine
) -> None:
    desk = Desk(uow, kit)
    anna = kit.student("Anna", "Ærø", phone="+4520112233", email="anna@example.dk")
    bo = kit.student("Bo", "Berg")
    paid_up = kit.student("Carl", "Clausen")
    kit.invoice(anna, 100_000, due=days_ago(-3))  # not due yet
    kit.invoice(anna, 20_000, due=days_ago(0))  # due today: not overdue yet
    part = kit.invoice(anna, 50_000, due=days_ago(1))  # 1-30
    kit.invoice(anna, 30_000, due=days_ago(31))  # 31-60
    kit.invoice(bo, 40_000, due=days_ago(60))  # 31-60
    kit.invoice(bo, 7_000, due=days_ago(61))  # 61-90
    kit.invoice(bo, 9_000, due=days_ago(91))  # over 90
    kit.invoice(bo, 99_900, due=days_ago(200), cancelled=True)
    settled = kit.invoice(paid_up, 45_000, due=days_ago(100))
    desk.pay(anna, 20_000, invoice=part)
    desk.pay(paid_up, 45_000, invoice=settled)
    # Another school's debtor in the same database is not this school's.
    elsewhere = other_school(engine)
    elsewhere.invoice(elsewhere.student("Dina", "Dahl"), 12_345, due=days_ago(10))

    listed = debtor_list(uow, kit.school, as_of=AS_OF)

    assert [d.name for d in listed.debtors] == ["Anna Ærø", "Bo Berg"]  # largest first
    a, b = listed.debtors
    assert a.buckets() == {
        "not_due": 120_000,
        "1_30": 30_000,
        "31_60": 30_000,
        "61_90": 0,
        "over_90": 0,
    }
    assert (a.total_minor, a.overdue_minor, a.days_overdue) == (180_000, 60_000, 31)
    assert (a.phone, a.email) == ("+4520112233", "anna@example.dk")
    assert b.buckets() == {
        "not_due": 0,
        "1_30": 0,
        "31_60": 40_000,
        "61_90": 7_000,
        "over_90": 9_000,
    }
    assert [i.due_date for i in b.invoices] == [days_ago(91), days_ago(61), days_ago(60)]
    assert listed.totals() == {
        "not_due": 120_000,
        "1_30": 30_000,
        "31_60": 70_000,
        "61_90": 7_000,
        "over_90": 9_000,
    }
    assert listed.total_minor == 236_000

    # The longest overdue first; only those overdue at least 61 days.
    assert [d.name for d in debtor_list(uow, kit.school, as_of=AS_OF, sort="overdue").debtors] == [
        "Bo Berg",
        "Anna Ærø",
    ]
    old = debtor_list(uow, kit.school, as_of=AS_OF, min_days=61)
    assert [d.name for d in old.debtors] == ["Bo Berg"]


def test_a_refund_puts_what_was_given_back_on_the_list_again(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit
) -> None:
    desk = Desk(uow, kit)
    student = kit.student("Eva", "Eriksen")
    invoice = kit.invoice(student, 60_000, due=days_ago(5))
    paid = desk.pay(student, 60_000, invoice=invoice)
    assert debtor_list(uow, kit.school, as_of=AS_OF).debtors == ()
    desk.refund(student, paid.payment_id, 25_000)
    [debtor] = debtor_list(uow, kit.school, as_of=AS_OF).debtors
    assert (debtor.total_minor, debtor.buckets()["1_30"]) == (25_000, 25_000)


@pytest.mark.parametrize(("sort", "days"), [("largest", 0), ("amount", -1)])
def test_a_wrong_sort_or_negative_days_is_refused(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, sort: str, days: int
) -> None:
    with pytest.raises(InvalidInput):
        debtor_list(uow, kit.school, as_of=AS_OF, sort=sort, min_days=days)


def test_credit_on_account_not_yet_set_against_an_invoice_shows_beside_the_debt(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit
) -> None:
    desk = Desk(uow, kit)
    student = kit.student("Frida", "Friis")
    first = kit.invoice(student, 10_000, due=days_ago(40))
    # Paid 50 kr. more than owed: credit on account.
    desk.pay(student, 15_000, invoice=first, allow_credit=True)
    kit.invoice(student, 8_000, due=days_ago(2))

    [debtor] = debtor_list(uow, kit.school, as_of=AS_OF).debtors
    assert (debtor.total_minor, debtor.balance_minor, debtor.credit_minor) == (8_000, 3_000, 5_000)
