"""Live changes (issue 5): a desk sees what another desk, the web system or the webhook
receiver changed, by the database's own clock, on every backend.

The desk that polls and the desk (or web system) that writes use separate engines, so they
share nothing but the database. Every poll sees every change committed before it began; a
desk polling every two seconds therefore shows a change within two seconds of its commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine, text

from jdoffice.adapters import db
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.model import UTC, Actor, Student
from jdoffice.services import payments as payments_service
from jdoffice.services.changes import ChangeCursor, Changes, changes_since, reindex_school
from jdoffice.services.payments import refund_payment, register_payment
from jdoffice.services.queries import search_students
from tests.conftest import SchoolKit

if TYPE_CHECKING:
    # For annotations only: pytest would try to collect a ``Test*`` class.
    from tests.conftest import TestDatabase

OTHER_DESK = Actor(staff="lone", desk="desk-3")

#: What the web system writes ``updated_at`` with, in its own SQL on each database.
WEB_NOW = {
    "postgresql": "(now() AT TIME ZONE 'UTC')",
    "mariadb": "UTC_TIMESTAMP(6)",
    "sqlite": "strftime('%Y-%m-%d %H:%M:%f000', 'now')",
}


@pytest.fixture
def other_engine(database: TestDatabase) -> Iterator[Engine]:
    """Another desk's (or the web system's) own engine on the same database."""
    engine = db.make_engine(database.url)
    yield engine
    engine.dispose()


def poll(uow: SqlAlchemyUnitOfWork, kit: SchoolKit, cursor: ChangeCursor | None) -> Changes:
    return changes_since(uow, kit.school, cursor)


def pay(engine: Engine, kit: SchoolKit, student: Student, amount: int) -> str:
    r = register_payment(
        SqlAlchemyUnitOfWork(engine),
        kit.school,
        method="bank",
        amount_minor=amount,
        student_no=student.student_no,
        actor=OTHER_DESK,
    )
    return r.payment_id


def db_clock(engine: Engine, backend: str) -> dt.datetime:
    with engine.connect() as conn:
        value = conn.execute(text(f"SELECT {WEB_NOW[backend]}")).scalar_one()
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    return value.replace(tzinfo=UTC)


def test_the_first_poll_reports_nothing_and_marks_where_the_next_begins(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit
) -> None:
    kit.invoice(kit.student(), 50000)

    first = poll(uow, kit, None)

    assert first.students == frozenset()
    assert not first
    assert first.cursor.at.tzinfo is not None


def test_a_payment_at_another_desk_is_seen_by_the_next_poll(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, other_engine: Engine
) -> None:
    st, bystander = kit.student("Mads", "Kjærgård"), kit.student("Ida", "Holm")
    kit.invoice(st, 85025)
    kit.invoice(bystander, 12000)
    cursor = poll(uow, kit, None).cursor

    pay(other_engine, kit, st, 50000)
    seen = poll(uow, kit, cursor)

    assert seen.students == {st.id}
    assert seen.profiles == frozenset()


def test_each_change_is_reported_once_although_polls_overlap(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, other_engine: Engine
) -> None:
    st = kit.student()
    kit.invoice(st, 85025)
    cursor = poll(uow, kit, None).cursor
    pay(other_engine, kit, st, 10000)

    first = poll(uow, kit, cursor)
    second = poll(uow, kit, first.cursor)
    pay(other_engine, kit, st, 10000)
    third = poll(uow, kit, second.cursor)

    assert first.students == {st.id}
    assert second.students == frozenset()
    assert third.students == {st.id}


def test_a_refund_at_another_desk_is_seen(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, other_engine: Engine
) -> None:
    st = kit.student()
    kit.invoice(st, 40000)
    payment_id = pay(other_engine, kit, st, 40000)
    cursor = poll(uow, kit, None).cursor

    refund_payment(
        SqlAlchemyUnitOfWork(other_engine),
        kit.school,
        payment_id=payment_id,
        amount_minor=15000,
        reason="Aflyst køretime",
        actor=OTHER_DESK,
    )

    assert poll(uow, kit, cursor).students == {st.id}


def test_an_invoice_changed_by_the_web_system_is_seen(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, other_engine: Engine, database: TestDatabase
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 60000)
    cursor = poll(uow, kit, None).cursor

    with other_engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE student_invoices SET text = :t, "
                f"updated_at = {WEB_NOW[database.backend]} WHERE id = :id"
            ),
            {"t": "Køretime 90 min", "id": inv.id},
        )

    assert poll(uow, kit, cursor).students == {st.id}


def test_a_write_that_commits_after_a_poll_began_is_seen_by_the_next_poll(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, other_engine: Engine, database: TestDatabase
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 60000)
    cursor = poll(uow, kit, None).cursor

    with other_engine.connect() as conn:
        conn.execute(
            text(
                "UPDATE student_invoices SET paid_minor = 1000, "
                f"updated_at = {WEB_NOW[database.backend]} WHERE id = :id"
            ),
            {"id": inv.id},
        )
        # Stamped, not yet committed: the poll that runs now cannot see it.
        during = poll(uow, kit, cursor)
        conn.commit()
    after = poll(uow, kit, during.cursor)

    assert during.students == frozenset()
    assert during.cursor.at > cursor.at
    assert after.students == {st.id}


@pytest.mark.parametrize("skew", [dt.timedelta(hours=-3), dt.timedelta(days=2)])
def test_desks_with_clocks_far_off_still_see_each_others_payments(
    uow: SqlAlchemyUnitOfWork,
    kit: SchoolKit,
    other_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    skew: dt.timedelta,
) -> None:
    st = kit.student()
    kit.invoice(st, 85025)
    # Every desk's clock is off, the writer's and the poller's alike.
    monkeypatch.setattr(payments_service, "utcnow", lambda: dt.datetime.now(UTC) + skew)
    cursor = poll(uow, kit, None).cursor

    pay(other_engine, kit, st, 25000)
    seen = poll(uow, kit, cursor)
    pay(other_engine, kit, st, 25000)
    again = poll(uow, kit, seen.cursor)

    assert seen.students == {st.id}
    assert again.students == {st.id}


def test_rows_a_desk_changes_carry_the_database_clock_not_the_desks(
    kit: SchoolKit, other_engine: Engine, database: TestDatabase
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 85025)
    desk_clock = dt.datetime.now(UTC) - dt.timedelta(hours=5)

    before = db_clock(other_engine, database.backend)
    r = register_payment(
        SqlAlchemyUnitOfWork(other_engine),
        kit.school,
        method="cash",
        amount_minor=85025,
        tendered_minor=100000,
        invoice_no=inv.invoice_no,
        actor=OTHER_DESK,
        now=desk_clock,
    )
    after = db_clock(other_engine, database.backend)

    with other_engine.connect() as conn:
        stamps = conn.execute(
            text(
                "SELECT updated_at FROM student_payments WHERE id = :p"
                " UNION ALL SELECT updated_at FROM student_invoices WHERE id = :i"
                " UNION ALL SELECT updated_at FROM student_balances WHERE student_id = :s"
            ),
            {"p": r.payment_id, "i": inv.id, "s": st.id},
        ).scalars()
        stamped = [
            (dt.datetime.fromisoformat(v) if isinstance(v, str) else v).replace(tzinfo=UTC)
            for v in stamps
        ]
    assert len(stamped) == 3
    # SQLite's clock has milliseconds: compare at that precision.
    floor = before.replace(microsecond=before.microsecond // 1000 * 1000)
    assert all(floor <= t <= after for t in stamped), (before, stamped, after)


def test_a_student_renamed_by_the_web_system_is_found_by_the_new_name(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, other_engine: Engine, database: TestDatabase
) -> None:
    st = kit.student("Søren", "Jensen", phone="+45 21 34 56 78")
    cursor = poll(uow, kit, None).cursor

    with other_engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE students SET last_name = :n, phone = :p, "
                f"updated_at = {WEB_NOW[database.backend]} WHERE id = :id"
            ),
            {"n": "Ærøskøbing", "p": "+45 40 11 22 33", "id": st.id},
        )
    seen = poll(uow, kit, cursor)

    assert seen.students == {st.id}
    assert seen.profiles == {st.id}
    assert seen.reindexed == 1
    assert [h.student_id for h in search_students(uow, kit.school, "aeroeskoebing")] == [st.id]
    assert [h.student_id for h in search_students(uow, kit.school, "40112233")] == [st.id]
    assert search_students(uow, kit.school, "søren jensen") == []


def test_a_student_the_web_system_adds_can_be_searched_after_the_next_poll(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, other_engine: Engine, database: TestDatabase
) -> None:
    cursor = poll(uow, kit, None).cursor
    now = WEB_NOW[database.backend]

    with other_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO students (school_id, student_no, first_name, last_name, phone,"
                f" email, created_at, updated_at) VALUES (:school, :no, 'Åse', 'Lykkegård',"
                f" '', 'aase@example.dk', {now}, {now})"
            ),
            {"school": kit.school.id, "no": f"{kit.prefix}W1"},
        )
    assert search_students(uow, kit.school, "åse lykkegård") == []
    seen = poll(uow, kit, cursor)
    again = poll(uow, kit, seen.cursor)

    assert len(seen.profiles) == 1
    assert seen.reindexed == 1
    hits = search_students(uow, kit.school, "aase lykkegaard")
    assert [h.student_no for h in hits] == [f"{kit.prefix}W1"]
    assert again.reindexed == 0
    assert again.students == frozenset()


def test_db_reindex_makes_students_the_web_system_wrote_before_any_desk_ran_findable(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, other_engine: Engine, database: TestDatabase
) -> None:
    indexed = kit.student("Mads", "Kjærgård")
    now = WEB_NOW[database.backend]
    with other_engine.begin() as conn:  # long before any desk polled: no poll will see them
        for n, (first, last) in enumerate([("Åse", "Lykkegård"), ("Bjørn", "Østergaard")]):
            conn.execute(
                text(
                    "INSERT INTO students (school_id, student_no, first_name, last_name, phone,"
                    f" email, created_at, updated_at) VALUES (:school, :no, :first, :last,"
                    f" '', '', {now}, {now})"
                ),
                {"school": kit.school.id, "no": f"{kit.prefix}R{n}", "first": first, "last": last},
            )
    assert search_students(uow, kit.school, "lykkegård") == []

    assert reindex_school(uow, kit.school, batch=1) == 2
    assert reindex_school(uow, kit.school) == 0

    assert [h.student_no for h in search_students(uow, kit.school, "aase")] == [f"{kit.prefix}R0"]
    assert [h.student_no for h in search_students(uow, kit.school, "østerg")] == [f"{kit.prefix}R1"]
    assert [h.student_id for h in search_students(uow, kit.school, "kjærgård")] == [indexed.id]


def test_a_poll_on_a_database_with_no_changes_writes_nothing(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit
) -> None:
    st = kit.student("Mads", "Kjærgård")
    cursor = poll(uow, kit, None).cursor

    seen = poll(uow, kit, cursor)

    assert seen.reindexed == 0
    assert [h.student_id for h in search_students(uow, kit.school, "kjærgård")] == [st.id]
