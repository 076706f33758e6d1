"""Who is at the desk in the payment path, on every backend (issue 14): the services, not only
the screens, enforce the roles; every money row and audit row carries the staff id (and the
approver's, when there was one); receipts name who served; cash and cash refunds need an open
shift on the desk; rows written before staff accounts keep their text.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.model import Actor
from jdoffice.domain.shifts import NoOpenShift
from jdoffice.domain.staff import Action, NotAllowed
from jdoffice.services import flags
from jdoffice.services import school as school_service
from jdoffice.services.payments import refund_payment, register_payment
from jdoffice.services.shifts import open_shift
from jdoffice.services.staff import approve, disable_staff
from tests.conftest import SchoolKit
from tests.integration.staff_helpers import DESK, Staff, hire, make_staff, new_pin


@pytest.fixture
def staff(uow: SqlAlchemyUnitOfWork, kit: SchoolKit) -> Staff:
    return make_staff(uow, kit)


def _pay(uow: SqlAlchemyUnitOfWork, kit: SchoolKit, actor: Actor, method: str = "cash") -> str:
    student = kit.student()
    invoice = kit.invoice(student, 40_025)
    paid = register_payment(
        uow,
        kit.school,
        method=method,
        amount_minor=40_025,
        invoice_no=invoice.invoice_no,
        tendered_minor=50_000 if method == "cash" else None,
        actor=actor,
    )
    return paid.payment_id


def test_a_school_with_staff_takes_no_money_from_nobody(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, staff: Staff
) -> None:
    anonymous = Actor(staff="desk", desk=DESK)
    with pytest.raises(NotAllowed, match="sign in first"):
        _pay(uow, kit, anonymous, "bank")
    # A disabled account is refused at once, at every desk.
    gone = hire(uow, kit.school, "GO", "receptionist", by=staff.admin, pin=new_pin(), name="Gone")
    disable_staff(uow, kit.school, initials="GO", by=staff.admin, desk=DESK)
    with pytest.raises(NotAllowed, match="not an active staff member"):
        _pay(uow, kit, gone.actor(DESK), "bank")


def test_money_rows_and_audit_rows_carry_the_staff_id_and_receipts_the_name(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, staff: Staff
) -> None:
    rec = staff.receptionist
    # Cash needs an open shift on the desk; a bank payment does not.
    with pytest.raises(NoOpenShift, match=f"no open shift on desk {DESK}"):
        _pay(uow, kit, rec.actor(DESK))
    bank = _pay(uow, kit, rec.actor(DESK), "bank")
    open_shift(uow, kit.school, desk=DESK, float_minor=50_000, by=rec)
    cash = _pay(uow, kit, rec.actor(DESK))
    # A cash refund needs an open shift on the desk that gives it back.
    granted = approve(
        uow, kit.school, Action.REFUND, rec, "MG", staff.pin(staff.manager), desk="kasse-9"
    )
    with pytest.raises(NoOpenShift, match="no open shift on desk kasse-9"):
        refund_payment(
            uow,
            kit.school,
            payment_id=cash,
            amount_minor=10_000,
            reason="Aflyst",
            actor=granted.actor("kasse-9"),
        )
    refunded = refund_payment(
        uow,
        kit.school,
        payment_id=cash,
        amount_minor=10_000,
        reason="Aflyst",
        actor=granted.actor(DESK),
    )

    with uow.engine.connect() as conn:
        payments = conn.execute(
            text("SELECT id, staff, staff_id FROM student_payments WHERE id IN (:a, :b)"),
            {"a": bank, "b": cash},
        ).all()
        refunds = conn.execute(
            text("SELECT staff, staff_id FROM student_refunds WHERE id = :r"),
            {"r": refunded.refund_id},
        ).all()
        audit = conn.execute(
            text(
                "SELECT action, staff, staff_id, approver_id FROM audit_log "
                "WHERE entity = 'payment' AND entity_id = :p ORDER BY id"
            ),
            {"p": cash},
        ).all()
    assert {(r[1], r[2]) for r in payments} == {("RC", rec.id)}
    assert [tuple(r) for r in refunds] == [("RC", rec.id)]
    assert [tuple(r) for r in audit] == [
        ("payment.registered", "RC", rec.id, None),
        ("refund.registered", "RC", rec.id, staff.manager.id),
    ]
    with uow:
        receipt = uow.receipts.get(kit.school.id, refunded.receipt_no or 0)
    assert receipt is not None
    assert receipt.body.staff == "Rikke Carlsen"


def test_roles_are_enforced_by_the_services(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, staff: Staff
) -> None:
    rec, mgr = staff.receptionist, staff.manager
    paid = _pay(uow, kit, rec.actor(DESK), "bank")
    # A refund without a manager: refused, nothing written.
    with pytest.raises(NotAllowed, match="not allowed for a receptionist: refunds"):
        refund_payment(
            uow, kit.school, payment_id=paid, amount_minor=None, reason="x", actor=rec.actor(DESK)
        )
    # An approver id that is not a manager's does not make it allowed.
    forged = Actor(staff="RC", desk=DESK, staff_id=rec.id, approver_id=rec.id)
    with pytest.raises(NotAllowed):
        refund_payment(
            uow, kit.school, payment_id=paid, amount_minor=None, reason="x", actor=forged
        )
    with uow.engine.connect() as conn:
        count = text("SELECT COUNT(*) FROM student_refunds WHERE payment_id = :p")
        assert conn.execute(count, {"p": paid}).scalar() == 0
    # Settings, test/live and resolving flags need a manager.
    with pytest.raises(NotAllowed, match="switching test/live mode"):
        school_service.update_payment_settings(
            uow, kit.school, {"mode": "live"}, actor=rec.actor(DESK)
        )
    with pytest.raises(NotAllowed, match="not allowed for a receptionist: settings"):
        school_service.update_receipt_details(uow, kit.school, web="x.dk", actor=rec.actor(DESK))
    school_service.update_payment_settings(uow, kit.school, {"mode": "test"}, actor=mgr.actor(DESK))
    with pytest.raises(NotAllowed, match="resolving flagged payments"):
        flags.resolve(uow, kit.school, 1, "checked", rec.actor(DESK))
    # A manager refunds on their own.
    done = refund_payment(
        uow, kit.school, payment_id=paid, amount_minor=None, reason="x", actor=mgr.actor(DESK)
    )
    assert done.status == "succeeded"


def test_a_school_without_staff_accounts_works_as_before(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit
) -> None:
    """Before its first account (an upgraded school), nobody can sign in, so nothing is
    checked and rows keep their text; from the first account on, everything is."""
    legacy = Actor(staff="mette", desk=DESK)
    paid = _pay(uow, kit, legacy)
    refund_payment(uow, kit.school, payment_id=paid, amount_minor=100, reason="x", actor=legacy)
    with uow.engine.connect() as conn:
        row = conn.execute(
            text("SELECT staff, staff_id FROM student_payments WHERE id = :p"), {"p": paid}
        ).one()
    assert tuple(row) == ("mette", None)
    make_staff(uow, kit)
    with pytest.raises(NotAllowed, match="sign in first"):
        _pay(uow, kit, legacy)
    # The row written before keeps its text.
    with uow.engine.connect() as conn:
        row = conn.execute(
            text("SELECT staff, staff_id FROM student_payments WHERE id = :p"), {"p": paid}
        ).one()
    assert tuple(row) == ("mette", None)
