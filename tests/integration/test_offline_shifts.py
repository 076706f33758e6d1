"""Staff and shifts on an offline desk, on every backend: signing in from the local copy, a
shift opened, paid into and out of and closed while the shared database cannot be reached,
and all of it pushed exactly once after the payments.

The desk is the front-desk service (:class:`jdoffice.services.desk.Desk`) on the test
database and a local SQLite file; the line to the shared database is a switch that makes
opening it fail with ``Unavailable``, as an unreachable server does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, Row, func, select

from jdoffice.adapters.local_store import SqliteLocalStore, SqlSharedNotes
from jdoffice.adapters.orm import AuditRow, PaymentRow, ShiftMovementRow, ShiftRow, StaffRow
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.errors import BusinessRuleError, Unavailable
from jdoffice.domain.model import UTC, Actor, School, Student
from jdoffice.domain.shifts import NoOpenShift
from jdoffice.domain.staff import AccountLocked, SignInRefused
from jdoffice.services import offline_shifts, shifts
from jdoffice.services.desk import Desk
from jdoffice.services.gateways import OnlineGateway
from jdoffice.services.notifications import Transports
from jdoffice.services.offline import OfflineDesk, push_outbox
from jdoffice.services.offline_shifts import ShiftPushOutcome
from jdoffice.services.settings import PaymentSettings
from tests.conftest import SchoolKit
from tests.integration.staff_helpers import Staff, make_staff

DESK = "kasse-7"
NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


@dataclass
class Line:
    """The desk's line to the shared database, which a test can cut."""

    engine: Engine
    up: bool = True

    def uow(self) -> SqlAlchemyUnitOfWork:
        if not self.up:
            raise Unavailable("database unavailable: connection refused")
        return SqlAlchemyUnitOfWork(self.engine)

    def shared_engine(self) -> Engine:
        if not self.up:
            raise Unavailable("database unavailable: connection refused")
        return self.engine


@dataclass
class Clock:
    now: dt.datetime = NOW

    def __call__(self) -> dt.datetime:
        return self.now

    def tick(self, minutes: int = 1) -> None:
        self.now += dt.timedelta(minutes=minutes)


@dataclass
class Office:
    kit: SchoolKit
    staff: Staff
    line: Line
    clock: Clock
    tmp: Path
    stores: list[SqliteLocalStore] = field(default_factory=list)

    def desk(self, name: str = DESK, file: str = "local.sqlite3") -> Desk:
        """A desk of its own (its own local file), nobody signed in."""
        store = SqliteLocalStore(self.tmp / file, self.kit.engine.url, self.line.shared_engine)
        self.stores.append(store)
        actor = Actor(staff="desk", desk=name)
        line, kit = self.line, self.kit

        def offline() -> OfflineDesk:
            return OfflineDesk(
                shared=line.uow,
                local=store,
                notes=SqlSharedNotes(),
                ping=lambda: line.up,
                school_slug=kit.school.slug,
                actor=actor,
            )

        return Desk(
            school_slug=kit.school.slug,
            actor=actor,
            uow=line.uow,
            offline=offline,
            gateway=_no_gateway,
            payment_settings=lambda school: PaymentSettings(),
            counter_method=lambda name: name,
            online_methods=lambda: (),
            transports=_transports,
            clock=self.clock,
            sleep=lambda seconds: None,
        )

    def count(self, model: type[object], **where: object) -> int:
        table = model.__table__  # type: ignore[attr-defined]
        stmt = (
            select(func.count()).select_from(table).where(table.c.school_id == self.kit.school.id)
        )
        for name, value in where.items():
            stmt = stmt.where(table.c[name] == value)
        with self.kit.engine.connect() as conn:
            return int(conn.scalar(stmt) or 0)


def _no_gateway(school: School, settings: PaymentSettings | None = None) -> OnlineGateway:
    raise BusinessRuleError("no online gateway here")


def _transports(school: School, *, quick: bool = False) -> Transports:
    return Transports(missing={"email": "no SMTP server here", "sms": "no SMS provider here"})


@pytest.fixture
def office(kit: SchoolKit, engine: Engine, tmp_path: Path) -> Iterator[Office]:
    staff = make_staff(SqlAlchemyUnitOfWork(engine), kit)
    o = Office(kit, staff, Line(engine), Clock(), tmp_path)
    try:
        yield o
    finally:
        for store in o.stores:
            store.dispose()


def offline_desk_with_copy(o: Office) -> Desk:
    """A desk that pulled its copy (staff, shifts) while online, then lost the line."""
    desk = o.desk()
    desk.offline_desk().pull()
    o.line.up = False
    return desk


def shared_shift(o: Office, shift_id: str) -> Row[Any] | None:
    """The shift's row on the shared database, or None."""
    with o.kit.engine.connect() as conn:
        return conn.execute(select(ShiftRow.__table__).where(ShiftRow.id == shift_id)).first()


def two_students(o: Office) -> tuple[Student, Student]:
    """Ida owes 850,25 kr., Bo 400,00 kr. (made before the desk pulls its copy)."""
    a = o.kit.student("Ida", "Holm")
    b = o.kit.student("Bo", "Lund")
    o.kit.invoice(a, 850_25)
    o.kit.invoice(b, 400_00)
    return a, b


def take_two_payments_offline(desk: Desk, a: Student, b: Student) -> None:
    """Cash 850,25 kr. from Ida (1.000 kr. handed over), a bank transfer of 400 kr. from Bo."""
    first = desk.pay(method="cash", amount="850,25", student_no=a.student_no, tendered="1000")
    second = desk.pay(method="bank", amount="400", student_no=b.student_no, reference="bank-1")
    assert first.queued is not None
    assert second.queued is not None


# --- sign-in ---------------------------------------------------------------------------------


def test_offline_desk_signs_in_from_its_local_copy(office: Office) -> None:
    desk = offline_desk_with_copy(office)
    member = desk.sign_in("rc", office.staff.pin(office.staff.receptionist))
    assert member.id == office.staff.receptionist.id
    assert desk.actor.staff_id == office.staff.receptionist.id
    with pytest.raises(SignInRefused):
        desk.sign_in("RC", "00000000" if office.staff.pins["RC"] != "00000000" else "11111111")


def test_five_wrong_pins_offline_lock_the_account_for_five_minutes_on_this_desk_only(
    office: Office,
) -> None:
    desk = offline_desk_with_copy(office)
    right = office.staff.pin(office.staff.receptionist)
    wrong = str(int(right[0]) ^ 1) + right[1:]
    for _ in range(5):
        with pytest.raises(SignInRefused):
            desk.sign_in("RC", wrong)
    with pytest.raises(AccountLocked):
        desk.sign_in("RC", right)
    office.clock.tick(minutes=6)
    assert desk.sign_in("RC", right).initials == "RC"
    # The count stayed on the desk: the shared database never heard of it.
    office.line.up = True
    with office.kit.engine.connect() as conn:
        failed, until = conn.execute(
            select(StaffRow.failed_attempts, StaffRow.locked_until).where(
                StaffRow.id == office.staff.receptionist.id
            )
        ).one()
    assert (failed, until) == (0, None)


def test_no_pin_reaches_the_local_copy_except_as_a_hash(office: Office) -> None:
    desk = offline_desk_with_copy(office)
    desk.sign_in("MG", office.staff.pin(office.staff.manager))
    desk.open_shift("500")
    # The database file and its write-ahead log, as they are on the desk's disk.
    raw = b"".join(p.read_bytes() for p in office.tmp.glob("local.sqlite3*"))
    for pin in office.staff.pins.values():
        assert pin.encode() not in raw
    assert b"$argon2id$" in raw


# --- shifts offline, pushed once -----------------------------------------------------------------


def test_shift_opened_paid_and_closed_offline_arrives_once_when_pushed_twice(
    office: Office,
) -> None:
    ida, bo = two_students(office)
    desk = offline_desk_with_copy(office)
    desk.sign_in("RC", office.staff.pin(office.staff.receptionist))
    shift = desk.open_shift("1.000,00")
    office.clock.tick()
    take_two_payments_offline(desk, ida, bo)
    office.clock.tick()
    desk.pay_out("45", "Kaffe")
    office.clock.tick()
    report = desk.close_shift("1.795,50", note="talt af RC")

    # The local close counted the queued cash: 1000 + 850,50 (rounded) − 45.
    assert report.expected_minor == 1_805_50
    assert report.variance_minor == -10_00
    assert report.z_no == 1
    assert (report.unsent_payments, report.unsent_minor) == (2, 1_250_25)
    assert shared_shift(office, shift.id) is None

    office.line.up = True
    first = desk.offline_desk().push()
    second = desk.offline_desk().push()

    assert [c.kind for c in first.shifts] == ["open", "pay_out", "close"]
    assert {c.outcome for c in first.shifts} == {ShiftPushOutcome.RECORDED}
    assert len(first.done) == 2
    assert (second.done, second.shifts, second.shift_changes) == ((), (), 0)
    assert office.count(ShiftRow) == 1
    assert office.count(ShiftMovementRow) == 1
    assert office.count(PaymentRow) == 2
    assert office.count(AuditRow, action="shift.closed") == 1
    row = shared_shift(office, shift.id)
    assert row is not None
    assert (row.z_no, row.expected_minor, row.variance_minor) == (1, 1_805_50, -10_00)
    shared = shifts.z_report_of(SqlAlchemyUnitOfWork(office.kit.engine), office.kit.school, DESK, 1)
    assert shared.opened_at == shift.opened_at
    assert (shared.unsent_payments, shared.unsent_minor) == (2, 1_250_25)
    assert shared.cash_payments_minor == 850_50


def test_closing_with_payments_waiting_records_them_and_none_once_pushed(office: Office) -> None:
    ida, bo = two_students(office)
    desk = office.desk()
    desk.offline_desk().pull()
    desk.sign_in("RC", office.staff.pin(office.staff.receptionist))
    desk.open_shift("0")
    office.line.up = False
    office.clock.tick()
    take_two_payments_offline(desk, ida, bo)
    assert desk.unsent_payments() == (2, 1_250_25)
    office.line.up = True
    office.clock.tick()
    # Online again: the close sends what waits first, so nothing is left to warn about.
    report = desk.close_shift("850,50")
    assert (report.unsent_payments, report.variance_minor) == (0, 0)
    assert desk.unsent_payments() == (0, 0)


def test_offline_close_keeps_its_z_number_unless_a_desk_of_the_same_name_took_it(
    office: Office,
) -> None:
    desk = offline_desk_with_copy(office)
    desk.sign_in("RC", office.staff.pin(office.staff.receptionist))
    desk.open_shift("100")
    offline_z = desk.close_shift("100").z_no
    assert offline_z == 1

    # Meanwhile a second PC, also called kasse-7, opens and closes its own Z1 online.
    office.line.up = True
    twin = office.desk(file="twin.sqlite3")
    twin.sign_in("MG", office.staff.pin(office.staff.manager))
    twin.open_shift("200")
    assert twin.close_shift("200").z_no == 1

    pushed = desk.offline_desk().push()
    (close,) = [c for c in pushed.shifts if c.kind == "close"]
    assert close.outcome == ShiftPushOutcome.RENUMBERED
    assert (close.offline_z_no, close.z_no) == (1, 2)
    assert desk.z_report(2)[1].float_minor == 100_00
    assert office.count(ShiftRow, desk=DESK) == 2


def test_crash_between_payment_push_and_shift_push_records_everything_once(
    office: Office,
) -> None:
    ida, bo = two_students(office)
    desk = offline_desk_with_copy(office)
    desk.sign_in("RC", office.staff.pin(office.staff.receptionist))
    desk.open_shift("1000")
    office.clock.tick()
    take_two_payments_offline(desk, ida, bo)
    office.clock.tick()
    desk.pay_in("200", "Byttepenge fra banken")
    office.clock.tick()
    desk.close_shift("2050,50")

    office.line.up = True
    off = desk.offline_desk()
    school = off.shared_school()
    # The payments went, then the process died before the shift changes.
    assert len(push_outbox(off.shared, off.local, off.notes, school).done) == 2
    # The shift opening reached the shared database, but its outbox row was never marked.
    uow = off.local.uow()
    with uow:
        opening = off.local.shift_outbox(uow).waiting()[0]
    offline_shifts.push_change(off.shared(), school, opening)

    report = off.push()
    assert [(c.kind, c.outcome) for c in report.shifts] == [
        ("open", ShiftPushOutcome.ALREADY),
        ("pay_in", ShiftPushOutcome.RECORDED),
        ("close", ShiftPushOutcome.RECORDED),
    ]
    assert office.count(ShiftRow) == 1
    assert office.count(ShiftMovementRow) == 1
    assert office.count(PaymentRow) == 2
    assert office.count(AuditRow, action="shift.opened") == 1
    (z,) = list(shifts.shifts_of_day(off.shared(), school, dt.date(2026, 12, 3)))
    assert (z.z_no, z.expected_minor, z.variance_minor) == (1, 2_050_50, 0)


def test_cash_taken_offline_by_a_signed_in_member_needs_an_open_shift(office: Office) -> None:
    st = office.kit.student()
    office.kit.invoice(st, 300_00)
    desk = offline_desk_with_copy(office)
    desk.sign_in("RC", office.staff.pin(office.staff.receptionist))
    with pytest.raises(NoOpenShift):
        desk.pay(method="cash", amount="300", student_no=st.student_no, tendered="300")
    desk.open_shift("0")
    assert (
        desk.pay(method="cash", amount="300", student_no=st.student_no, tendered="300").queued
        is not None
    )


def test_pulling_brings_staff_and_this_school_shifts_into_the_local_copy(office: Office) -> None:
    online = office.desk()
    online.sign_in("MG", office.staff.pin(office.staff.manager))
    online.open_shift("250")
    online.close_shift("250")
    desk = office.desk(file="other.sqlite3")
    desk.offline_desk().pull()
    office.line.up = False
    school, accounts = desk.list_staff(include_disabled=True)
    assert sorted(a.initials for a in accounts) == ["AD", "MG", "RC"]
    desk.sign_in("AD", office.staff.pin(office.staff.admin))
    assert desk.z_report()[1].z_no == 1
    # The next offline close of this desk is Z2, not a second Z1.
    desk.open_shift("10")
    assert desk.close_shift("10").z_no == 2
    assert school.id == office.kit.school.id
