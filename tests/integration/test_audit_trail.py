"""The audit trail, readable (issue 15), on every backend: a manager lists a period's
entries with names; narrowed to a staff member (what they did or approved) or a student (their
payments, refunds and reprints); another school's entries are never listed; a receptionist
needs a manager's approval; a school without staff accounts lists for anyone."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.errors import InvalidInput, NotFound
from jdoffice.domain.model import UTC
from jdoffice.domain.staff import Action, NotAllowed
from jdoffice.services import queries
from jdoffice.services.audit_trail import audit_list
from jdoffice.services.payments import refund_payment, register_payment
from jdoffice.services.shifts import open_shift
from jdoffice.services.staff import approve
from tests.conftest import SchoolKit
from tests.integration.helpers import Desk, other_school
from tests.integration.staff_helpers import DESK, Staff, make_staff


@pytest.fixture
def staff(uow: SqlAlchemyUnitOfWork, kit: SchoolKit) -> Staff:
    return make_staff(uow, kit)


def today(kit: SchoolKit) -> dt.date:
    return kit.school.local_date(dt.datetime.now(UTC))


def test_a_manager_lists_who_did_what_and_narrows_it_to_a_person_or_a_student(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, staff: Staff, engine: Engine
) -> None:
    rec, mgr = staff.receptionist, staff.manager
    anna, bo = kit.student("Anna", "Ærø"), kit.student("Bo", "Berg")
    open_shift(uow, kit.school, desk=DESK, float_minor=0, by=rec)
    paid = register_payment(
        uow, kit.school, method="cash", amount_minor=40_000,
        invoice_no=kit.invoice(anna, 40_000).invoice_no, tendered_minor=40_000,
        actor=rec.actor(DESK),
    )  # fmt: skip
    register_payment(
        uow, kit.school, method="bank", amount_minor=10_000,
        invoice_no=kit.invoice(bo, 10_000).invoice_no, actor=rec.actor(DESK),
    )  # fmt: skip
    granted = approve(uow, kit.school, Action.REFUND, rec, "MG", staff.pin(mgr), desk=DESK)
    refund_payment(
        uow, kit.school, payment_id=paid.payment_id, amount_minor=5_000, reason="Aflyst",
        actor=granted.actor(DESK),
    )  # fmt: skip
    assert paid.receipt_no is not None
    queries.get_receipt(uow, kit.school, paid.receipt_no, copy=True, actor=mgr.actor(DESK))
    # Another school in the same database, busy too.
    elsewhere = other_school(engine)
    Desk(uow, elsewhere).pay(
        elsewhere.student("Dina", "Dahl"), 1_000, by_student=True, allow_credit=True
    )

    day = today(kit)
    lines = audit_list(uow, kit.school, start=day, end=day, by=mgr)
    actions = [line.action for line in lines]
    assert actions.count("payment.registered") == 2
    assert "refund.registered" in actions
    assert all(line.entity_id != "" for line in lines)
    [refunded] = [line for line in lines if line.action == "refund.registered"]
    assert (refunded.staff, refunded.approver) == (
        f"{rec.name} ({rec.initials})",
        f"{mgr.name} ({mgr.initials})",
    )
    assert [line.at for line in lines] == sorted(line.at for line in lines)

    # What the manager did or approved: the approval, the refund and the reprint.
    theirs = audit_list(uow, kit.school, start=day, end=day, by=mgr, staff_initials="mg")
    assert {line.action for line in theirs} >= {"refund.registered", "receipt.copy_printed"}
    assert "payment.registered" not in {line.action for line in theirs}

    # About Anna: her payment, its refund, its reprint; nothing of Bo's.
    hers = audit_list(uow, kit.school, start=day, end=day, by=mgr, student_no=anna.student_no)
    assert sorted(line.action for line in hers) == [
        "payment.registered",
        "receipt.copy_printed",
        "refund.registered",
    ]
    # Yesterday has nothing; the other school's payment is never here.
    yesterday = day - dt.timedelta(days=1)
    assert audit_list(uow, kit.school, start=yesterday, end=yesterday, by=mgr) == []
    assert all("Dina" not in str(line.after) for line in lines)


def test_reading_the_trail_needs_a_manager_and_bad_filters_are_refused(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, staff: Staff
) -> None:
    day = today(kit)
    with pytest.raises(NotAllowed, match="not allowed for a receptionist"):
        audit_list(uow, kit.school, start=day, end=day, by=staff.receptionist)
    with pytest.raises(NotAllowed, match="sign in first"):
        audit_list(uow, kit.school, start=day, end=day, by=None)
    granted = approve(
        uow, kit.school, Action.AUDIT, staff.receptionist, "MG", staff.pin(staff.manager),
        desk=DESK,
    )  # fmt: skip
    assert audit_list(uow, kit.school, start=day, end=day, by=granted)
    with pytest.raises(NotFound, match="no staff member"):
        audit_list(uow, kit.school, start=day, end=day, by=staff.manager, staff_initials="ZZ")
    with pytest.raises(NotFound, match="no student"):
        audit_list(uow, kit.school, start=day, end=day, by=staff.manager, student_no="nobody")
    with pytest.raises(InvalidInput, match="ends before it starts"):
        audit_list(uow, kit.school, start=day, end=day - dt.timedelta(days=1), by=staff.manager)


def test_a_school_without_staff_accounts_lists_for_anyone(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit
) -> None:
    student = kit.student()
    Desk(uow, kit).pay(student, 2_500, invoice=kit.invoice(student, 2_500))
    day = today(kit)
    [line] = audit_list(uow, kit.school, start=day, end=day, by=None)
    assert line.action == "payment.registered"
