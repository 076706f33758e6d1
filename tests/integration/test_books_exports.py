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
from jdoffice.domain.errors import BusinessRuleError, Unavailable
from jdoffice.domain.model import UTC, Actor
from jdoffice.domain.staff import NotAllowed
from jdoffice.services import books
from jdoffice.services.books_exports import ExportResult, export_books, list_exports
from jdoffice.services.offline import OfflineDesk, PushOutcome, QueuedPayment
from jdoffice.services.payments import register_payment
from tests.conftest import SchoolKit
from tests.integration.helpers import other_school
from tests.integration.staff_helpers import DESK, make_staff

MANAGER = Actor("MH", "kasse-1")
NOV = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
DEC = (dt.date(2026, 12, 1), dt.date(2026, 12, 31))


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
    kit: SchoolKit, period: tuple[dt.date, dt.date], fmt: str = "csv"
) -> tuple[ExportResult, bytes]:
    sink = io.BytesIO()
    result = export_books(
        SqlAlchemyUnitOfWork(kit.engine), kit.school, *period, fmt, sink, actor=MANAGER
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
    january, _ = export(kit, (dt.date(2027, 1, 1), dt.date(2027, 1, 31)))
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


def test_a_repeat_says_when_a_line_it_delivered_is_no_longer_in_the_records(
    kit: SchoolKit,
) -> None:
    paid(kit, 65_000, dt.datetime(2026, 11, 17, 10, 0, tzinfo=UTC))
    paid(kit, 12_500, dt.datetime(2026, 11, 18, 10, 0, tzinfo=UTC))
    first, data = export(kit, NOV)
    assert first.postings == 2
    # The web system marks a delivered payment failed, past the desk's rules.
    gone = table(data)[0]["kilde"]
    with kit.engine.begin() as conn:
        conn.execute(update(PaymentRow).where(PaymentRow.id == gone).values(status="failed"))
    again, again_data = export(kit, NOV)
    assert (again.postings, again.missing, again.identical) == (1, 1, False)
    assert [r["kilde"] for r in table(again_data)] == [table(data)[1]["kilde"]]
