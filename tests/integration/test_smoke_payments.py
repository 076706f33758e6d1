"""Registering a cash payment on every backend."""

from __future__ import annotations

from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.model import Actor
from jdoffice.services.payments import register_payment
from jdoffice.services.queries import recompute_balance
from tests.conftest import SchoolKit


def test_cash_payment_settles_invoice_with_rounding_and_change(
    kit: SchoolKit, uow: SqlAlchemyUnitOfWork
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 85025)
    r = register_payment(
        uow,
        kit.school,
        method="cash",
        amount_minor=85025,
        invoice_no=inv.invoice_no,
        tendered_minor=100000,
        actor=Actor(),
    )
    assert (r.cash_total_minor, r.change_minor, r.rounding_minor) == (85050, 14950, 25)
    assert r.receipt_no == 1
    assert r.balance_minor == 0
    assert recompute_balance(uow, st.id) == (0, 0)
