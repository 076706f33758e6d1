"""Exported periods of the books on every backend (issue 15): an export is recorded, the same
period again gives the same bytes, a payment taken offline and pushed after its day was
exported comes as a correction in the next export (never in a repeat of the old one), an
overlapping period is refused, and two schools in one database each keep their own."""

from __future__ import annotations

import csv
import datetime as dt
import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, update

from jdoffice.adapters.local_store import SqliteLocalStore, SqlSharedNotes
from jdoffice.adapters.orm import PaymentRow
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.books_export import CSV_COLUMNS, SAFT_NS
from jdoffice.domain.errors import BusinessRuleError, InvalidInput, Unavailable
from jdoffice.domain.exported import Delivered, ExportRecord
from jdoffice.domain.model import UTC, Actor
from jdoffice.domain.staff import NotAllowed
from jdoffice.services import books
from jdoffice.services.books_exports import ExportResult, export_books, list_exports
from jdoffice.services.offline import OfflineDesk, PushOutcome, QueuedPayment
from jdoffice.services.payments import register_payment
from jdoffice.services.shifts import close_shift, correct_close, open_shift, pay_in
from tests.conftest import SchoolKit
from tests.integration.helpers import other_school
from tests.integration.staff_helpers import DESK, make_staff
from tests.integration.test_online_payments import (  # noqa: F401 (its fixture)
    SECRET_KEY,
    WEBHOOK_SECRET,
    Desk,
    _fast_client_retries,
    _gateway,
    _paid,
)
from tests.standin.stripe_standin import StripeStandin

MANAGER = Actor("MH", "kasse-1")
NOV = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
DEC = (dt.date(2026, 12, 1), dt.date(2026, 12, 31))
JAN = (dt.date(2027, 1, 1), dt.date(2027, 1, 31))
#: A day when December is over (the periods before it may be exported).
IN_JANUARY = dt.datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


def paid(kit: SchoolKit, amount: int, when: dt.datetime, method: str = "bank") -> None:
    student = kit.student()
    invoice = kit.invoice(student, amount)
    register_payment(
        SqlAlchemyUnitOfWork(kit.engine),
        kit.school,
        method=method,
        amount_minor=amount,
        invoice_no=invoice.invoice_no,
        tendered_minor=100_000 if method == "cash" else None,
        actor=Actor("RC", "kasse-1"),
        now=when,
    )


def export(
    kit: SchoolKit,
    period: tuple[dt.date, dt.date],
    fmt: str = "csv",
    *,
    actor: Actor = MANAGER,
    now: dt.datetime | None = None,
) -> tuple[ExportResult, bytes]:
    sink = io.BytesIO()
    result = export_books(
        SqlAlchemyUnitOfWork(kit.engine), kit.school, *period, fmt, sink, actor=actor, now=now
    )
    return result, sink.getvalue()


def table(data: bytes) -> list[dict[str, str]]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8")), delimiter=";"))
    assert tuple(rows[0]) == CSV_COLUMNS
    return [dict(zip(CSV_COLUMNS, r, strict=True)) for r in rows[1:]]


def debit_credit(data: bytes) -> tuple[Decimal, Decimal]:
    root = ET.fromstring(data)
    ns = {"s": SAFT_NS}
    debit = sum(Decimal(a.text or "") for a in root.iterfind(".//s:DebitAmount/s:Amount", ns))
    credit = sum(Decimal(a.text or "") for a in root.iterfind(".//s:CreditAmount/s:Amount", ns))
    return Decimal(debit), Decimal(credit)


# --- an offline desk whose line to the shared database the test cuts and mends ---------------


@dataclass
class Link:
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


@pytest.fixture
def offline_desk(
    kit: SchoolKit, engine: Engine, tmp_path: Path
) -> Iterator[tuple[OfflineDesk, Link]]:
    link = Link(engine)
    store = SqliteLocalStore(tmp_path / "local.sqlite3", engine.url, link.shared_engine)
    desk = OfflineDesk(
        shared=link.uow,
        local=store,
        notes=SqlSharedNotes(),
        ping=lambda: link.up,
        school_slug=kit.school.slug,
        actor=Actor("mette", "desk-2"),
    )
    try:
        yield desk, link
    finally:
        store.dispose()


def test_the_same_period_again_gives_the_same_bytes_in_each_format_and_is_marked(
    kit: SchoolKit,
) -> None:
    paid(kit, 65_000, dt.datetime(2026, 11, 17, 10, 0, tzinfo=UTC))
    paid(kit, 85_025, dt.datetime(2026, 11, 18, 10, 0, tzinfo=UTC), method="cash")
    first, data = export(kit, NOV)
    assert first.repeated is None
    assert (first.postings, first.corrections, first.pending) == (3, 0, 0)
    for fmt in ("csv", "economic", "saft"):
        again, again_data = export(kit, NOV, fmt)
        assert again.repeated is not None
        assert again.repeated.id == first.record.id
        assert again.repeated.staff == "MH"
        assert again.postings == 3
        if fmt == "csv":
            assert again_data == data
            assert again.identical is True
        else:
            assert again.identical is None  # the first file in this format
            third, third_data = export(kit, NOV, fmt)
            assert third_data == again_data
            assert third.identical is True
    listed = list_exports(SqlAlchemyUnitOfWork(kit.engine), kit.school, actor=MANAGER)
    assert [r.repeat_of for r in listed] == [None] + [first.record.id] * 5
    assert [r.fmt for r in listed] == ["csv", "csv", "economic", "economic", "saft", "saft"]
    with SqlAlchemyUnitOfWork(kit.engine) as uow:
        audit = uow.audit.for_entity("books_export", str(first.record.id))
    assert [e.action for e in audit] == ["books.exported"]
    assert audit[0].after is not None
    assert audit[0].after["postings"] == 3
    assert audit[0].after["sha256"] == first.record.digest


def test_a_late_offline_payment_is_a_correction_in_the_next_export_and_not_in_the_old_one(
    kit: SchoolKit, offline_desk: tuple[OfflineDesk, Link]
) -> None:
    desk, link = offline_desk
    paid(kit, 65_000, dt.datetime(2026, 11, 20, 10, 0, tzinfo=UTC))
    student = kit.student()
    invoice = kit.invoice(student, 30_000)
    desk.pull()
    link.up = False
    taken = desk.pay(
        kit.school,
        method="bank",
        amount_minor=30_000,
        invoice_no=invoice.invoice_no,
        now=dt.datetime(2026, 11, 28, 15, 0, tzinfo=UTC),
    )
    assert isinstance(taken, QueuedPayment)
    november, november_data = export(kit, NOV)
    november_saft = export(kit, NOV, "saft")[1]
    assert (november.postings, november.unfinished) == (1, False)

    # The desk comes back online in December and pushes the payment of 28 November.
    link.up = True
    pushed = desk.push(kit.school)
    assert [p.outcome for p in pushed.done] == [PushOutcome.RECORDED]
    paid(kit, 12_500, dt.datetime(2026, 12, 2, 9, 0, tzinfo=UTC))

    again, again_data = export(kit, NOV)
    assert again_data == november_data
    assert export(kit, NOV, "saft")[1] == november_saft
    assert (again.postings, again.pending) == (1, 1)
    assert [r["beløb"] for r in table(again_data)] == ["650,00"]

    december, december_data = export(kit, DEC)
    assert (december.postings, december.corrections, december.repeated) == (2, 1, None)
    rows = table(december_data)
    assert [(r["dato"], r["bilagsdato"], r["korrektion"], r["beløb"]) for r in rows] == [
        ("2026-12-01", "2026-11-28", "ja", "300,00"),
        ("2026-12-02", "2026-12-02", "", "125,00"),
    ]
    assert rows[0]["tekst"].startswith("Korrektion, bilagsdato 28-11-2026: Indbetaling")
    assert rows[0]["kilde"] == taken.payment_id
    assert december.accounts["5600"] == -42_500
    assert sum(december.accounts.values()) == 0

    saft, saft_data = export(kit, DEC, "saft")
    assert saft.corrections == 1
    assert debit_credit(saft_data) == (Decimal("425.00"), Decimal("425.00"))
    ns = {"s": SAFT_NS}
    fix = ET.fromstring(saft_data).find(".//s:Transaction", ns)
    assert fix is not None
    assert fix.findtext("s:TransactionDate", namespaces=ns) == "2026-11-28"
    assert fix.findtext("s:GLPostingDate", namespaces=ns) == "2026-12-01"

    # Neither November again nor December again delivers the payment a second time.
    assert export(kit, NOV)[1] == november_data
    assert export(kit, DEC)[1] == december_data
    january, _ = export(kit, JAN, now=dt.datetime(2027, 2, 1, 9, 0, tzinfo=UTC))
    assert (january.postings, january.corrections) == (0, 0)


def test_an_overlapping_period_is_refused_and_nothing_is_recorded(kit: SchoolKit) -> None:
    paid(kit, 65_000, dt.datetime(2026, 11, 17, 10, 0, tzinfo=UTC))
    export(kit, NOV)
    for period in [
        (dt.date(2026, 11, 15), dt.date(2026, 12, 15)),
        (dt.date(2026, 10, 1), dt.date(2026, 11, 1)),
        (dt.date(2026, 11, 17), dt.date(2026, 11, 17)),
    ]:
        sink = io.BytesIO()
        with pytest.raises(BusinessRuleError, match="overlaps the period 2026-11-01 – 2026-11-30"):
            export_books(
                SqlAlchemyUnitOfWork(kit.engine), kit.school, *period, "csv", sink, actor=MANAGER
            )
        assert sink.getvalue() == b""
    listed = list_exports(SqlAlchemyUnitOfWork(kit.engine), kit.school, actor=MANAGER)
    assert len(listed) == 1


def test_two_schools_in_one_database_export_the_same_period_each_their_own(
    kit: SchoolKit,
) -> None:
    other = other_school(kit.engine)
    paid(kit, 65_000, dt.datetime(2026, 11, 17, 10, 0, tzinfo=UTC))
    paid(other, 40_000, dt.datetime(2026, 11, 17, 10, 0, tzinfo=UTC))
    paid(other, 10_000, dt.datetime(2026, 11, 18, 10, 0, tzinfo=UTC))
    mine, my_data = export(kit, NOV)
    theirs, their_data = export(other, NOV)
    assert theirs.repeated is None
    assert (mine.postings, mine.total_minor) == (1, 65_000)
    assert (theirs.postings, theirs.total_minor) == (2, 50_000)
    assert {r["beløb"] for r in table(their_data)} == {"400,00", "100,00"}
    assert [r["beløb"] for r in table(my_data)] == ["650,00"]
    # A late payment at the other school is its correction, not this school's.
    paid(other, 7_000, dt.datetime(2026, 11, 29, 10, 0, tzinfo=UTC))
    assert export(kit, DEC)[0].corrections == 0
    assert export(other, DEC)[0].corrections == 1
    uow = SqlAlchemyUnitOfWork(kit.engine)
    assert len(list_exports(uow, kit.school, actor=MANAGER)) == 2
    assert len(list_exports(uow, other.school, actor=MANAGER)) == 2


def test_a_receptionist_may_not_export_the_books(kit: SchoolKit) -> None:
    uow = SqlAlchemyUnitOfWork(kit.engine)
    staff = make_staff(uow, kit)
    sink = io.BytesIO()
    with pytest.raises(NotAllowed):
        export_books(uow, kit.school, *NOV, "csv", sink, actor=staff.receptionist.actor(DESK))
    with pytest.raises(NotAllowed):
        export_books(uow, kit.school, *NOV, "csv", sink, actor=MANAGER)
    assert sink.getvalue() == b""
    done = export_books(uow, kit.school, *NOV, "csv", sink, actor=staff.manager.actor(DESK))
    assert (done.record.staff, done.record.staff_id) == ("MG", staff.manager.id)


def test_another_desk_exporting_the_period_meanwhile_leaves_one_export_and_no_line_twice(
    kit: SchoolKit, monkeypatch: pytest.MonkeyPatch
) -> None:
    paid(kit, 65_000, dt.datetime(2026, 11, 17, 10, 0, tzinfo=UTC))
    real_write = books.write
    other: list[ExportResult] = []
    calls = []

    def write_while_another_desk_exports(*args: Any, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) == 1:
            # The other desk asks for the same month while this one is writing its file.
            other.append(export(kit, NOV)[0])
        real_write(*args, **kwargs)

    monkeypatch.setattr(books, "write", write_while_another_desk_exports)
    with pytest.raises(BusinessRuleError, match="another desk exported 2026-11-01 – 2026-11-30"):
        export(kit, NOV)
    monkeypatch.undo()
    listed = list_exports(SqlAlchemyUnitOfWork(kit.engine), kit.school, actor=MANAGER)
    assert [(r.id, r.repeat_of, r.postings) for r in listed] == [(other[0].record.id, None, 1)]
    assert export(kit, NOV)[0].repeated is not None


def test_a_delivered_payment_undone_later_is_repeated_as_delivered_and_taken_back_next_export(
    kit: SchoolKit,
) -> None:
    paid(kit, 65_000, dt.datetime(2026, 11, 17, 10, 0, tzinfo=UTC))
    paid(kit, 12_500, dt.datetime(2026, 11, 18, 10, 0, tzinfo=UTC))
    first, data = export(kit, NOV)
    assert first.postings == 2
    # The web system marks a delivered payment failed, past the desk's rules.
    gone = table(data)[0]
    with kit.engine.begin() as conn:
        conn.execute(
            update(PaymentRow).where(PaymentRow.id == gone["kilde"]).values(status="failed")
        )
    again, again_data = export(kit, NOV)
    assert again_data == data
    assert (again.postings, again.missing, again.identical) == (2, 1, True)

    december, december_data = export(kit, DEC, now=IN_JANUARY)
    rows = table(december_data)
    assert (december.postings, december.corrections) == (1, 1)
    [back] = rows
    assert (back["dato"], back["bilagsdato"], back["korrektion"]) == (
        "2026-12-01",
        "2026-11-17",
        "ja",
    )
    assert (back["debet"], back["kredit"], back["beløb"]) == (
        gone["kredit"],
        gone["debet"],
        gone["beløb"],
    )
    assert back["tekst"] == f"Korrektion, bilagsdato 17-11-2026: tilbageført: {gone['tekst']}"
    assert sum(december.accounts.values()) == 0
    # Taken back once: the next month carries nothing more of it.
    january, _ = export(kit, JAN, now=dt.datetime(2027, 2, 1, 9, 0, tzinfo=UTC))
    assert (january.postings, january.corrections) == (0, 0)
    assert export(kit, DEC, now=IN_JANUARY)[1] == december_data


def test_a_shift_variance_corrected_after_its_month_was_exported_is_reversed_and_given_anew(
    kit: SchoolKit, uow: SqlAlchemyUnitOfWork
) -> None:
    st = make_staff(uow, kit)
    manager = st.manager.actor(DESK)
    t0 = dt.datetime(2026, 11, 10, 8, tzinfo=UTC)
    open_shift(uow, kit.school, desk=DESK, float_minor=100_000, by=st.receptionist, now=t0)
    z = close_shift(
        uow,
        kit.school,
        desk=DESK,
        counted_minor=99_000,
        by=st.receptionist,
        now=t0 + dt.timedelta(hours=8),
    )
    _, november_data = export(kit, NOV, actor=manager)
    [short] = table(november_data)
    assert (short["beløb"], short["debet"], short["kredit"]) == ("10,00", "3660", "5810")

    # The manager recounts on 2 December: 995,00 after all, 5,00 short.
    correct_close(
        uow,
        kit.school,
        desk=DESK,
        z_no=z.z_no,
        counted_minor=99_500,
        note="optalt igen",
        by=st.manager,
        now=dt.datetime(2026, 12, 2, 9, tzinfo=UTC),
    )
    again, again_data = export(kit, NOV, actor=manager)
    assert again_data == november_data
    assert (again.identical, again.missing) == (True, 1)

    december, december_data = export(kit, DEC, actor=manager, now=IN_JANUARY)
    rows = table(december_data)
    assert (december.postings, december.corrections) == (2, 2)
    assert [
        (r["dato"], r["bilagsdato"], r["korrektion"], r["debet"], r["kredit"], r["beløb"])
        for r in rows
    ] == [
        ("2026-12-01", "2026-11-10", "ja", "5810", "3660", "10,00"),
        ("2026-12-01", "2026-11-10", "ja", "3660", "5810", "5,00"),
    ]
    assert rows[0]["tekst"].startswith("Korrektion, bilagsdato 10-11-2026: tilbageført: ")
    # Cash and cash differences net to the corrected variance: 5,00 short in all.
    assert december.accounts == {"3660": -500, "5810": 500}
    # Both corrections were delivered: nothing of the shift comes again.
    january, _ = export(kit, JAN, actor=manager, now=dt.datetime(2027, 2, 1, 9, tzinfo=UTC))
    assert (january.postings, january.corrections) == (0, 0)


@pytest.fixture
def online(kit: SchoolKit, uow: SqlAlchemyUnitOfWork) -> Iterator[Desk]:
    """The school's desk taking online payments through the Stripe stand-in."""
    with StripeStandin(secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET) as standin:
        gateway = _gateway(standin)
        yield Desk(uow, kit, standin, gateway)
        gateway.close()
        assert standin.internal_errors == []


def test_a_refund_that_failed_after_its_day_was_exported_is_taken_back_in_the_next_export(
    online: Desk,
) -> None:
    desk = online
    school = desk.kit.school
    _, payment, _ = _paid(desk, 30_000)
    refund = desk.refund(payment.id, 10_000)
    assert refund.status == "succeeded"
    today = school.local_date(dt.datetime.now(UTC))
    before = (today.replace(day=1), today)
    _, first_data = export(desk.kit, before)
    assert [r["art"] for r in table(first_data)] == ["payment", "refund"]
    refunded = table(first_data)[1]

    with desk.uow:
        ours = desk.uow.payments.get_refund(refund.refund_id)
    assert ours is not None
    assert ours.provider_ref
    desk.standin.fail_refund(ours.provider_ref)
    desk.deliver_type("refund.failed", ours.provider_ref)

    later = (today + dt.timedelta(days=1), today + dt.timedelta(days=30))
    after = dt.datetime.combine(later[1] + dt.timedelta(days=1), dt.time(9), tzinfo=UTC)
    nxt, nxt_data = export(desk.kit, later, now=after)
    [back] = table(nxt_data)
    assert (nxt.postings, nxt.corrections) == (1, 1)
    assert (back["debet"], back["kredit"], back["beløb"], back["kilde"]) == (
        refunded["kredit"],
        refunded["debet"],
        "100,00",
        refund.refund_id,
    )
    assert back["dato"] == later[0].isoformat()
    repeat, repeat_data = export(desk.kit, before)
    assert repeat_data == first_data
    assert (repeat.identical, repeat.missing) == (True, 1)


def test_a_month_exported_while_a_shift_was_open_repeats_to_the_same_file_once_it_closed(
    kit: SchoolKit, uow: SqlAlchemyUnitOfWork
) -> None:
    st = make_staff(uow, kit)
    manager = st.manager.actor(DESK)
    t0 = dt.datetime(2026, 11, 30, 19, tzinfo=UTC)
    open_shift(uow, kit.school, desk=DESK, float_minor=100_000, by=st.receptionist, now=t0)
    pay_in(
        uow,
        kit.school,
        desk=DESK,
        amount_minor=20_000,
        reason="Byttepenge",
        by=st.receptionist,
        now=t0 + dt.timedelta(hours=1),
    )
    _, data = export(kit, NOV, actor=manager)
    assert table(data)[0]["bilag"] == f"skift {DESK}"
    close_shift(
        uow,
        kit.school,
        desk=DESK,
        counted_minor=120_000,
        by=st.receptionist,
        now=dt.datetime(2026, 12, 1, 0, 30, tzinfo=UTC),
    )
    again, again_data = export(kit, NOV, actor=manager)
    assert again_data == data
    assert (again.identical, again.missing) == (True, 0)
    # The Z number it has now is no change for the books: no correction follows.
    december, _ = export(kit, DEC, actor=manager, now=IN_JANUARY)
    assert (december.postings, december.corrections) == (0, 0)


def test_a_repeat_is_written_with_the_account_numbers_of_the_first_export(kit: SchoolKit) -> None:
    paid(kit, 65_000, dt.datetime(2026, 11, 17, 10, 0, tzinfo=UTC))
    first = {fmt: export(kit, NOV, fmt)[1] for fmt in ("csv", "saft")}
    books.update_accounts(
        SqlAlchemyUnitOfWork(kit.engine), kit.school, {"bank": "5821"}, actor=MANAGER
    )
    for fmt, data in first.items():
        again, again_data = export(kit, NOV, fmt)
        assert (again_data, again.identical) == (data, True)
    # Renumbering an account moves no delivered line: December has no correction.
    december, _ = export(kit, DEC, now=IN_JANUARY)
    assert (december.postings, december.corrections) == (0, 0)


def test_a_period_that_has_not_begun_is_refused_and_nothing_is_recorded(kit: SchoolKit) -> None:
    today = dt.datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    with pytest.raises(InvalidInput, match="2027-03-01 – 2027-03-31 has not begun"):
        export(kit, (dt.date(2027, 3, 1), dt.date(2027, 3, 31)), now=today)
    assert list_exports(SqlAlchemyUnitOfWork(kit.engine), kit.school, actor=MANAGER) == []
    # The month under way may be exported (what comes later in it comes as corrections).
    assert export(kit, DEC, now=today)[0].unfinished


@pytest.mark.parametrize(
    "period",
    [
        (dt.date(1, 1, 1), dt.date(2026, 11, 30)),
        (dt.date(2026, 11, 1), dt.date(9999, 12, 31)),
        (dt.date(1999, 12, 31), dt.date(2000, 1, 1)),
    ],
)
def test_a_day_outside_the_years_the_books_hold_is_refused_with_a_clear_message(
    kit: SchoolKit, period: tuple[dt.date, dt.date]
) -> None:
    with pytest.raises(InvalidInput, match="is not a day the books can hold: from 2000-01-01"):
        export(kit, period)
    assert list_exports(SqlAlchemyUnitOfWork(kit.engine), kit.school, actor=MANAGER) == []


def test_a_delivered_line_whose_day_moved_into_a_new_period_is_taken_back_and_given_there(
    kit: SchoolKit,
) -> None:
    paid(kit, 65_000, dt.datetime(2026, 11, 20, 10, 0, tzinfo=UTC))
    _, data = export(kit, NOV)
    [line] = table(data)
    # A system sharing the database dates the payment 3 December.
    with kit.engine.begin() as conn:
        conn.execute(
            update(PaymentRow)
            .where(PaymentRow.id == line["kilde"])
            .values(created_at=dt.datetime(2026, 12, 3, 10, 0, tzinfo=UTC))
        )
    december, december_data = export(kit, DEC, now=IN_JANUARY)
    rows = table(december_data)
    assert (december.postings, december.corrections) == (2, 1)
    assert [(r["dato"], r["bilagsdato"], r["korrektion"], r["debet"]) for r in rows] == [
        ("2026-12-01", "2026-11-20", "ja", line["kredit"]),
        ("2026-12-03", "2026-12-03", "", line["debet"]),
    ]
    assert sum(december.accounts.values()) == 0
    assert export(kit, DEC, now=IN_JANUARY)[1] == december_data


def test_posting_keys_that_differ_only_in_case_are_two_lines_on_every_database(
    kit: SchoolKit,
) -> None:
    uow = SqlAlchemyUnitOfWork(kit.engine)
    when = dt.datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    record = ExportRecord(
        id=0,
        school_id=kit.school.id,
        start=NOV[0],
        end=NOV[1],
        fmt="csv",
        at=when,
        staff="MH",
        desk="kasse-1",
        postings=2,
        corrections=0,
        total_minor=2,
        digest="0" * 64,
    )
    lines = [Delivered("fee:txn_AbC", NOV[0]), Delivered("fee:txn_abc", NOV[0], seq=1)]
    with uow.write():
        export_id = uow.books.add(record, lines)
        uow.commit()
    with uow:
        assert [d.key for d in uow.books.delivered_by(kit.school.id, export_id)] == [
            "fee:txn_AbC",
            "fee:txn_abc",
        ]
