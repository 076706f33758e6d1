"""Staff accounts, sign-in, lockout and approval over the shoulder, on every backend (issue 14).

Roles are enforced by the services, not only by the screens; a PIN is found nowhere but as
an argon2id hash: not in any table, not in a log record, not in an error message.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.exc import DBAPIError

from jdoffice.adapters.orm import StaffRow
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.errors import BusinessRuleError, InvalidInput, JdofficeError, NotFound
from jdoffice.domain.model import AuditEntry
from jdoffice.domain.receipt_text import render_text
from jdoffice.domain.staff import (
    PERMISSIONS,
    AccountLocked,
    Action,
    NotAllowed,
    Role,
    SignInRefused,
    allows,
)
from jdoffice.printing.receipt_html import render_html
from jdoffice.services import pins
from jdoffice.services import staff as staff_service
from jdoffice.services.payments import refund_payment, register_payment
from jdoffice.services.shifts import open_shift
from jdoffice.services.staff import (
    WRONG,
    add_staff,
    approve,
    authorize,
    disable_staff,
    list_staff,
    require,
    set_pin,
    set_role,
    sign_in,
)
from tests.conftest import SchoolKit
from tests.integration.helpers import other_school
from tests.integration.staff_helpers import (
    DESK,
    Staff,
    at,
    every_stored_text,
    hire,
    make_staff,
    new_pin,
)


@pytest.fixture
def staff(uow: SqlAlchemyUnitOfWork, kit: SchoolKit) -> Staff:
    return make_staff(uow, kit)


# --- the permission table ----------------------------------------------------------------------


def test_the_permission_table_gives_each_role_its_actions() -> None:
    receptionist = {
        Action.TAKE_PAYMENT,
        Action.QR_PAYMENT,
        Action.REMIND,
        Action.SEND_STATEMENT,
        Action.REPRINT,
        Action.OWN_SHIFT,
    }
    manager = receptionist | {
        Action.REFUND,
        Action.RESOLVE_FLAG,
        Action.CORRECT_SHIFT,
        Action.SETTINGS,
        Action.KEYS,
        Action.TEST_LIVE,
        Action.AUDIT,
        Action.BOOKS,
    }
    assert set(PERMISSIONS) == set(Action)
    assert {a for a in Action if allows(Role.RECEPTIONIST, a)} == receptionist
    assert {a for a in Action if allows(Role.MANAGER, a)} == manager
    assert {a for a in Action if allows(Role.ADMIN, a)} == set(Action)


# --- accounts ----------------------------------------------------------------------------------


def test_the_first_account_becomes_the_admin_and_later_ones_need_an_admin(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit
) -> None:
    pin = new_pin()
    first = hire(uow, kit.school, "lk", "receptionist", by=None, pin=pin, name="Lone Krag")

    assert (first.initials, first.role) == ("LK", Role.ADMIN)
    with pytest.raises(NotAllowed):
        hire(uow, kit.school, "XY", "receptionist", by=None, pin=new_pin(), name="Xenia Yde")
    rec = hire(uow, kit.school, "ny", "receptionist", by=first, pin=new_pin(), name="Nina Yde")
    assert rec.role is Role.RECEPTIONIST
    with pytest.raises(NotAllowed, match="not allowed for a receptionist"):
        hire(uow, kit.school, "ZZ", "receptionist", by=rec, pin=new_pin(), name="Zenia Zahle")
    assert [m.initials for m in list_staff(uow, kit.school)] == ["LK", "NY"]


def test_initials_are_unique_per_school_whatever_the_case(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, staff: Staff, engine: Engine
) -> None:
    with pytest.raises(BusinessRuleError, match="initials MG are taken"):
        hire(uow, kit.school, "mg", "receptionist", by=staff.admin, pin=new_pin(), name="Maja Gade")
    # Another school may use the same initials.
    other = other_school(engine)
    mine = hire(uow, other.school, "MG", "admin", by=None, pin=new_pin(), name="Mette Glad")
    assert mine.school_id == other.school.id


def test_malformed_pins_initials_and_roles_are_refused_before_anything_is_written(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, staff: Staff
) -> None:
    for pin in ("123", "123456789", "12a4", " 1234", ""):
        with pytest.raises(InvalidInput, match="a PIN is 4 to 8 digits") as refused:
            hire(uow, kit.school, "PP", "receptionist", by=staff.admin, pin=pin, name="Per Pind")
        if pin:
            assert pin.strip() not in str(refused.value)
    for initials in ("", "A B", "ABCDEFGHI", "A-B"):
        with pytest.raises(InvalidInput):
            hire(
                uow,
                kit.school,
                initials,
                "receptionist",
                by=staff.admin,
                pin=new_pin(),
                name="Per Pind",
            )
    with pytest.raises(InvalidInput, match="unknown role"):
        hire(uow, kit.school, "PP", "boss", by=staff.admin, pin=new_pin(), name="Per Pind")
    assert [m.initials for m in list_staff(uow, kit.school)] == ["AD", "MG", "RC"]


def test_roles_are_enforced_by_the_services(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, staff: Staff
) -> None:
    school = kit.school
    for who in (staff.receptionist, staff.manager):
        with pytest.raises(NotAllowed):
            set_role(uow, school, initials="RC", role="admin", by=who, desk=DESK)
        with pytest.raises(NotAllowed):
            disable_staff(uow, school, initials="RC", by=who, desk=DESK)
        with pytest.raises(NotAllowed):
            set_pin(uow, school, initials="AD", new_pin=new_pin(), by=who, desk=DESK)
    with pytest.raises(NotAllowed, match="not allowed for a receptionist: refunds"):
        require(Action.REFUND, staff.receptionist)
    require(Action.REFUND, staff.manager)
    require(Action.TAKE_PAYMENT, staff.receptionist)
    with pytest.raises(NotAllowed):
        require(Action.STAFF_ACCOUNTS, staff.manager)

    promoted = set_role(uow, school, initials="rc", role="manager", by=staff.admin, desk=DESK)

    assert promoted.role is Role.MANAGER
    with uow:
        assert authorize(uow, school, Action.REFUND, staff.receptionist).staff.role is Role.MANAGER
    (entry,) = [
        e for e in _audit(uow, "staff", staff.receptionist.id) if e.action.endswith("role_set")
    ]
    assert (entry.before, entry.actor.staff_id) == ({"role": "receptionist"}, staff.admin.id)


def test_a_role_changed_or_account_disabled_elsewhere_counts_at_once(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, staff: Staff
) -> None:
    # The manager's session value still says manager; the stored account decides.
    set_role(uow, kit.school, initials="MG", role="receptionist", by=staff.admin, desk=DESK)
    with uow, pytest.raises(NotAllowed):
        authorize(uow, kit.school, Action.REFUND, staff.manager)

    disable_staff(uow, kit.school, initials="RC", by=staff.admin, desk=DESK)

    with uow, pytest.raises(NotAllowed, match="not an active staff member"):
        authorize(uow, kit.school, Action.TAKE_PAYMENT, staff.receptionist)
    with pytest.raises(SignInRefused, match=WRONG):
        sign_in(uow, kit.school, "RC", staff.pin(staff.receptionist))
    assert [m.initials for m in list_staff(uow, kit.school)] == ["AD", "MG"]
    assert [m.active for m in list_staff(uow, kit.school, include_disabled=True)] == [
        True,
        True,
        False,
    ]


def test_the_last_active_admin_can_be_neither_disabled_nor_demoted(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, staff: Staff
) -> None:
    with pytest.raises(BusinessRuleError, match="last active admin"):
        disable_staff(uow, kit.school, initials="AD", by=staff.admin, desk=DESK)
    with pytest.raises(BusinessRuleError, match="last active admin"):
        set_role(uow, kit.school, initials="AD", role="manager", by=staff.admin, desk=DESK)

    set_role(uow, kit.school, initials="MG", role="admin", by=staff.admin, desk=DESK)
    disable_staff(uow, kit.school, initials="AD", by=staff.manager, desk=DESK)

    assert [(m.initials, m.role) for m in list_staff(uow, kit.school)] == [
        ("MG", Role.ADMIN),
        ("RC", Role.RECEPTIONIST),
    ]


def test_own_pin_needs_the_current_one_and_an_admin_sets_anyones(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, staff: Staff
) -> None:
    rec, old, new = staff.receptionist, staff.pin(staff.receptionist), new_pin()
    with pytest.raises(SignInRefused):
        set_pin(uow, kit.school, initials="RC", new_pin=new, by=rec, desk=DESK)
    with pytest.raises(SignInRefused):
        set_pin(uow, kit.school, initials="RC", new_pin=new, by=rec, desk=DESK, current_pin=new)
    # Guesses at one's own current PIN count like wrong PINs at sign-in.
    with uow:
        assert uow.staff.get(kit.school.id, rec.id).failed_attempts == 2  # type: ignore[union-attr]

    set_pin(uow, kit.school, initials="RC", new_pin=new, by=rec, desk=DESK, current_pin=old)

    assert sign_in(uow, kit.school, "RC", new).id == rec.id
    with pytest.raises(SignInRefused):
        sign_in(uow, kit.school, "RC", old)
    newest = new_pin()
    set_pin(uow, kit.school, initials="rc", new_pin=newest, by=staff.admin, desk=DESK)
    assert sign_in(uow, kit.school, "rc", newest).id == rec.id


# --- signing in ----------------------------------------------------------------------------------


def test_sign_in_with_initials_in_any_case_and_the_right_pin(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, staff: Staff
) -> None:
    member = sign_in(uow, kit.school, " mg ", staff.pin(staff.manager))

    assert (member.id, member.initials, member.name, member.role) == (
        staff.manager.id,
        "MG",
        "Mads Grøn",
        Role.MANAGER,
    )
    actor = member.actor(DESK)
    assert (actor.staff, actor.desk, actor.staff_id) == ("MG", DESK, staff.manager.id)


def test_unknown_initials_and_wrong_pins_get_one_answer_after_one_check(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, staff: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks: list[str] = []
    real_verify, real_nobody = pins.verify_pin, pins.verify_nobody

    def verify(pin_hash: str, pin: str) -> bool:
        checks.append("pin")
        return real_verify(pin_hash, pin)

    def nobody(pin: str) -> None:
        checks.append("dummy")
        real_nobody(pin)

    monkeypatch.setattr(pins, "verify_pin", verify)
    monkeypatch.setattr(pins, "verify_nobody", nobody)
    answers = []
    for initials, pin in (("QQ", new_pin()), ("MG", new_pin()), ("", "1234"), ("MG", "12")):
        with pytest.raises(SignInRefused) as refused:
            sign_in(uow, kit.school, initials, pin)
        answers.append(str(refused.value))

    assert answers == [WRONG] * 4
    assert checks == ["dummy", "pin", "dummy", "dummy"]
    # Another school's staff cannot sign in here.
    with pytest.raises(SignInRefused, match=WRONG):
        sign_in(uow, other_school(kit.engine).school, "MG", staff.pin(staff.manager))


def test_five_wrong_pins_lock_the_account_for_five_minutes(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, staff: Staff
) -> None:
    right = staff.pin(staff.receptionist)
    for n in range(4):
        with pytest.raises(SignInRefused) as refused:
            sign_in(uow, kit.school, "RC", new_pin(), now=at(n))
        assert not isinstance(refused.value, AccountLocked)

    with pytest.raises(AccountLocked, match="try again in 5 minutes") as locked:
        sign_in(uow, kit.school, "RC", new_pin(), now=at(4))

    assert locked.value.until == at(9)
    # Locked: not even the right PIN is checked until the five minutes are over.
    with pytest.raises(AccountLocked, match=r"try again in 1 minute$"):
        sign_in(uow, kit.school, "RC", right, now=at(8.99))
    member = sign_in(uow, kit.school, "RC", right, now=at(9))
    assert (member.failed_attempts, member.locked_until) == (0, None)
    (entry,) = [
        e for e in _audit(uow, "staff", staff.receptionist.id) if e.action == "staff.locked"
    ]
    assert entry.after == {"failed_attempts": 5, "locked_until": at(9).isoformat()}


def test_a_right_pin_resets_the_count_and_a_lapsed_lock_starts_it_again(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, staff: Staff
) -> None:
    right = staff.pin(staff.manager)
    for n in range(4):
        with pytest.raises(SignInRefused):
            sign_in(uow, kit.school, "MG", new_pin(), now=at(n))
    sign_in(uow, kit.school, "MG", right, now=at(5))
    for n in range(4):
        with pytest.raises(SignInRefused) as refused:
            sign_in(uow, kit.school, "MG", new_pin(), now=at(6 + n))
        assert not isinstance(refused.value, AccountLocked)
    with pytest.raises(AccountLocked):
        sign_in(uow, kit.school, "MG", new_pin(), now=at(10))
    # After the lock, one wrong PIN is the first of a new count, not the sixth.
    with pytest.raises(SignInRefused) as refused:
        sign_in(uow, kit.school, "MG", new_pin(), now=at(16))
    assert not isinstance(refused.value, AccountLocked)
    with uow:
        assert uow.staff.get(kit.school.id, staff.manager.id).failed_attempts == 1  # type: ignore[union-attr]


def test_an_admin_setting_a_pin_unlocks_the_account(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, staff: Staff
) -> None:
    for n in range(5):
        with pytest.raises(SignInRefused):
            sign_in(uow, kit.school, "RC", new_pin(), now=at(n))
    fresh = new_pin()

    set_pin(uow, kit.school, initials="RC", new_pin=fresh, by=staff.admin, desk=DESK, now=at(5))

    assert sign_in(uow, kit.school, "RC", fresh, now=at(5)).id == staff.receptionist.id


def test_pins_are_kept_as_argon2id_hashes_of_the_desk_pc_strength(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, staff: Staff
) -> None:
    with uow:
        found = uow.staff.credentials(kit.school.id, "MG")
    assert found is not None
    member, pin_hash = found
    assert pin_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert pins.verify_pin(pin_hash, staff.pin(staff.manager))
    assert not pins.needs_rehash(pin_hash)
    assert not hasattr(member, "pin_hash")


# --- approval over the shoulder ------------------------------------------------------------------


def test_a_receptionists_refund_needs_a_managers_pin_and_both_are_audited(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, staff: Staff
) -> None:
    student = kit.student()
    invoice = kit.invoice(student, 80_000)
    rec = sign_in(uow, kit.school, "RC", staff.pin(staff.receptionist), desk=DESK)
    # Cash needs an open shift on the desk.
    open_shift(uow, kit.school, desk=DESK, float_minor=0, by=rec)
    paid = register_payment(
        uow,
        kit.school,
        method="cash",
        amount_minor=80_000,
        invoice_no=invoice.invoice_no,
        tendered_minor=100_000,
        actor=rec.actor(DESK),
    )

    with pytest.raises(NotAllowed, match="a manager's approval"):
        require(Action.REFUND, rec)
    with pytest.raises(SignInRefused, match=WRONG):
        approve(uow, kit.school, Action.REFUND, rec, "MG", new_pin(), desk=DESK)
    # Another receptionist's PIN does not approve a refund.
    other = hire(
        uow, kit.school, "OR", "receptionist", by=staff.admin, pin=(p := new_pin()), name="Ole Riis"
    )
    with pytest.raises(NotAllowed, match="OR may not approve refunds"):
        approve(uow, kit.school, Action.REFUND, rec, other.initials, p, desk=DESK)

    granted = approve(
        uow, kit.school, Action.REFUND, rec, "mg", staff.pin(staff.manager), desk=DESK
    )
    require(Action.REFUND, granted)
    refunded = refund_payment(
        uow,
        kit.school,
        payment_id=paid.payment_id,
        amount_minor=30_000,
        reason="Aflyst time",
        actor=granted.actor(DESK),
    )

    # The refund's receipt names who served and who approved, on paper and in the PDF.
    assert refunded.receipt_no is not None
    with uow:
        receipt = uow.receipts.get(kit.school.id, refunded.receipt_no)
    assert receipt is not None
    lines = [" ".join(line.split()) for line in render_text(receipt.body).splitlines()]
    assert f"Ekspedient: {rec.name}" in lines
    assert f"Godkendt af: {staff.manager.name}" in lines
    assert f"Approved by: {staff.manager.name}" in render_html(receipt.body, language="en")

    assert (granted.staff.id, granted.approver.id if granted.approver else None) == (
        rec.id,
        staff.manager.id,
    )
    entries = _audit(uow, "payment", paid.payment_id)
    assert [(e.action, e.actor.staff_id, e.actor.approver_id) for e in entries] == [
        ("payment.registered", rec.id, None),
        ("refund.registered", rec.id, staff.manager.id),
    ]
    (approval,) = [e for e in _audit(uow, "staff", rec.id) if e.action == "staff.approved"]
    assert (approval.actor.staff_id, approval.actor.approver_id) == (rec.id, staff.manager.id)
    assert approval.after == {"action": "refund", "staff": "RC", "approver": "MG"}
    # A manager's own refund names nobody as approver.
    own = refund_payment(
        uow,
        kit.school,
        payment_id=paid.payment_id,
        amount_minor=10_000,
        reason="Aflyst time",
        actor=staff.manager.actor(DESK),
    )
    assert own.receipt_no is not None
    with uow:
        plain = uow.receipts.get(kit.school.id, own.receipt_no)
    assert plain is not None
    assert "Godkendt af" not in render_text(plain.body)


def test_a_manager_needs_no_approval_and_a_wrong_approver_pin_counts(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, staff: Staff
) -> None:
    own = approve(uow, kit.school, Action.REFUND, staff.manager, "", "", desk=DESK)
    assert own.approver is None
    for n in range(5):
        with pytest.raises(SignInRefused):
            approve(
                uow,
                kit.school,
                Action.REFUND,
                staff.receptionist,
                "MG",
                new_pin(),
                desk=DESK,
                now=at(n),
            )
    with pytest.raises(AccountLocked):
        approve(
            uow,
            kit.school,
            Action.REFUND,
            staff.receptionist,
            "MG",
            staff.pin(staff.manager),
            desk=DESK,
            now=at(6),
        )


# --- PINs nowhere -------------------------------------------------------------------------------


def test_pins_are_found_nowhere_but_as_hashes(
    uow: SqlAlchemyUnitOfWork,
    kit: SchoolKit,
    staff: Staff,
    engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    used = list(staff.pins.values())
    messages: list[str] = []

    def attempt(fn: object, *args: object, **kwargs: object) -> None:
        try:
            fn(*args, **kwargs)  # type: ignore[operator]
        except JdofficeError as exc:
            messages.append(repr(exc) + str(exc) + repr(exc.__cause__) + repr(exc.__context__))

    school = kit.school
    for _ in range(6):
        wrong = new_pin()
        used.append(wrong)
        attempt(sign_in, uow, school, "RC", wrong, desk=DESK)
        attempt(approve, uow, school, Action.REFUND, staff.receptionist, "MG", wrong, desk=DESK)
    changed = new_pin()
    used.append(changed)
    attempt(
        set_pin,
        uow,
        school,
        initials="MG",
        new_pin=changed,
        by=staff.manager,
        desk=DESK,
        current_pin=used[-2],
    )
    attempt(set_pin, uow, school, initials="MG", new_pin=changed, by=staff.admin, desk=DESK)
    attempt(sign_in, uow, school, "MG", changed, desk=DESK)
    attempt(
        add_staff,
        uow,
        school,
        initials="ZZ",
        name="Zorn",
        role="receptionist",
        pin=changed[:3],
        by=staff.admin,
        desk=DESK,
    )
    attempt(staff_service.sign_in, uow, school, "NOBODY", changed)

    assert messages, "some of the attempts above are refused"
    stored = every_stored_text(engine)
    hashes = [v for t, c, v in stored if (t, c) == ("staff", "pin_hash")]
    assert hashes
    assert all(h.startswith("$argon2id$") for h in hashes)
    for pin in used:
        assert [(t, c) for t, c, v in stored if pin in v] == [], f"a PIN is stored ({pin[:2]}…)"
        assert pin not in caplog.text
        assert not [m for m in messages if pin in m]


def _audit(uow: SqlAlchemyUnitOfWork, entity: str, entity_id: object) -> list[AuditEntry]:
    with uow:
        return uow.audit.for_entity(entity, str(entity_id))


def test_an_admin_of_one_school_is_nobody_at_another(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, staff: Staff, engine: Engine
) -> None:
    other = other_school(engine)
    hire(uow, other.school, "YY", "admin", by=None, pin=new_pin(), name="Yrsa Yde")

    with pytest.raises(NotAllowed, match="not an active staff member"):
        hire(uow, other.school, "XX", "admin", by=staff.admin, pin=new_pin(), name="Xenia Xu")
    with pytest.raises(NotFound):
        set_role(uow, kit.school, initials="YY", role="manager", by=staff.admin, desk=DESK)


def test_the_database_refuses_a_pin_that_is_not_an_argon2id_hash(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, staff: Staff, engine: Engine
) -> None:
    plain = update(StaffRow).where(StaffRow.id == staff.receptionist.id)
    with pytest.raises(DBAPIError, match="ck_staff_pin_hash"), engine.begin() as conn:
        conn.execute(plain.values(pin_hash=new_pin()))

    assert sign_in(uow, kit.school, "RC", staff.pin(staff.receptionist)).initials == "RC"
