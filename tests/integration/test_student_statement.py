"""The student's statement read from the database (issue 15), on every backend: it ends at
the balance the desk shows, through payments, a refund and a cancelled invoice; another
student's rows are never on it; an unknown student is refused."""

from __future__ import annotations

import datetime as dt

import pytest

from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.errors import NotFound
from jdoffice.services.student_statement import student_statement
from tests.conftest import SchoolKit
from tests.integration.helpers import Desk


def test_the_statement_ends_at_the_desks_balance_and_holds_only_the_students_rows(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit
) -> None:
    desk = Desk(uow, kit)
    anna, bo = kit.student("Anna", "Ærø"), kit.student("Bo", "Berg")
    first = kit.invoice(anna, 80_000, text="Køretimer")
    kit.invoice(anna, 12_345, text="Annulleret", cancelled=True)
    kit.invoice(anna, 20_000, text="Teoriprøve")
    paid = desk.pay(anna, 80_000, invoice=first)
    desk.refund(anna, paid.payment_id, 10_000)
    desk.pay(bo, 5_000, invoice=kit.invoice(bo, 5_000))

    st = student_statement(uow, kit.school, anna.student_no)
    with uow:
        balance = uow.balances.get(anna.id)
    assert st.closing_minor == balance == 30_000
    assert [line.kind for line in st.lines] == ["invoice", "invoice", "payment", "refund"]
    assert "Annulleret" not in [line.text for line in st.lines]
    assert st.lines[2].text == "Betaling, bankoverførsel"
    assert st.lines[2].document == str(paid.receipt_no)
    assert st.lines[3].text.startswith("Refusion, bankoverførsel")
    assert st.opening_minor == 0

    # A period after today: everything is before it.
    later = kit.school.local_date(dt.datetime.now(dt.UTC)) + dt.timedelta(days=1)
    ahead = student_statement(uow, kit.school, anna.student_no, start=later, end=later)
    assert (ahead.lines, ahead.opening_minor) == ((), 30_000)

    with pytest.raises(NotFound, match="no student"):
        student_statement(uow, kit.school, "S-nobody")
