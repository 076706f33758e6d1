"""The front desk's verbs (jdoffice.services.desk.Desk) on a SQLite database and a local copy.

The Desk gets its ports as the composition root gives them: a unit of work factory, the
offline desk, a gateway factory, the payment settings, the method checks, the senders and a
clock. Here the gateway factory refuses (no provider is needed), the senders have no mail or
SMS server, and the line to the shared database can be cut.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from jdoffice.adapters.local_store import SqliteLocalStore, SqlSharedNotes
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.errors import BusinessRuleError, InvalidInput, NotFound, Unavailable
from jdoffice.domain.model import UTC, Actor, School
from jdoffice.domain.money import settle_cash
from jdoffice.services import flags
from jdoffice.services import offline as offline_service
from jdoffice.services import payments as pay_service
from jdoffice.services.desk import Desk
from jdoffice.services.gateways import OnlineGateway
from jdoffice.services.notifications import Transports
from jdoffice.services.offline import OfflineDesk
from jdoffice.services.settings import PaymentSettings
from tests.conftest import SchoolKit

pytestmark = pytest.mark.parametrize("database", ["sqlite"], indirect=True)

ACTOR = Actor(staff="Mette", desk="kasse-1")
NOW = dt.datetime(2026, 12, 3, 10, 30, tzinfo=UTC)
ONLINE = ("stripe",)


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
class Office:
    kit: SchoolKit
    line: Line
    store: SqliteLocalStore
    desk: Desk
    gateways_built: list[str] = field(default_factory=list)


def _no_gateway(school: School, settings: PaymentSettings | None = None) -> OnlineGateway:
    raise BusinessRuleError(f"no stripe secret key for {school.slug}")


def _counter_method(name: str) -> object:
    if name.strip().lower() in ONLINE:
        raise InvalidInput(f"{name} is an online gateway; start it with `jdoffice link`")
    return name


def _transports(school: School, *, quick: bool = False) -> Transports:
    return Transports(missing={"email": "no SMTP server here", "sms": "no SMS provider here"})


@pytest.fixture
def office(kit: SchoolKit, engine: Engine, tmp_path: Path) -> Iterator[Office]:
    line = Line(engine)
    store = SqliteLocalStore(tmp_path / "local.sqlite3", engine.url, line.shared_engine)

    def offline() -> OfflineDesk:
        return OfflineDesk(
            shared=line.uow,
            local=store,
            notes=SqlSharedNotes(),
            ping=lambda: line.up,
            school_slug=kit.school.slug,
            actor=ACTOR,
        )

    desk = Desk(
        school_slug=kit.school.slug,
        actor=ACTOR,
        uow=line.uow,
        offline=offline,
        gateway=_no_gateway,
        payment_settings=lambda school: PaymentSettings(),
        counter_method=_counter_method,
        online_methods=lambda: ONLINE,
        transports=_transports,
        clock=lambda: NOW,
        sleep=lambda seconds: None,
    )
    try:
        yield Office(kit, line, store, desk)
    finally:
        store.dispose()


def test_find_and_open_a_student_in_any_case(office: Office) -> None:
    st = office.kit.student("Søren", "Ærø", student_no=f"{office.kit.prefix}S0000190")
    office.kit.invoice(st, 850_25)

    found = office.desk.find("soren aero")
    opened = office.desk.open_student(st.student_no.lower())

    assert not found.offline
    assert [h.student_no for h in found.value] == [st.student_no]
    assert opened.value.school.id == office.kit.school.id
    assert opened.value.view.student.student_no == st.student_no
    assert opened.value.view.balance_minor == 850_25
    with pytest.raises(NotFound):
        office.desk.open_student(f"{office.kit.prefix}nobody")


def test_a_cash_payment_carries_its_receipt_and_is_checked_and_settled_once(
    office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    st = office.kit.student()
    inv = office.kit.invoice(st, 850_25)
    calls: dict[str, int] = {"check": 0, "settle": 0}
    check, settle = pay_service.check_payment, settle_cash

    def counted_check(*args: Any, **kwargs: Any) -> pay_service.PaymentRequest:
        calls["check"] += 1
        return check(*args, **kwargs)

    def counted_settle(*args: Any, **kwargs: Any) -> Any:
        calls["settle"] += 1
        return settle(*args, **kwargs)

    monkeypatch.setattr(offline_service, "check_payment", counted_check)
    monkeypatch.setattr(pay_service, "check_payment", counted_check)
    monkeypatch.setattr(pay_service, "settle_cash", counted_settle)

    paid = office.desk.pay(
        method="cash", amount="850,25", invoice_no=inv.invoice_no, tendered="1000"
    )

    assert calls == {"check": 1, "settle": 1}
    assert paid.queued is None
    assert paid.payment is not None
    assert paid.payment.cash_total_minor == 850_50
    assert paid.payment.change_minor == 149_50
    assert paid.receipt is not None
    assert paid.receipt.receipt_no == paid.payment.receipt_no
    assert paid.receipt.issued_at == NOW
    assert paid.receipt.staff == ACTOR.staff
    assert paid.receipt.tendered_minor == 1000_00
    # No mail or SMS server here: the confirmation waits, and the payment stands.
    assert all(o.status.value != "sent" for o in paid.sent.outcomes)

    again = office.desk.pay(
        method="cash",
        amount=850_25,
        invoice_no=inv.invoice_no,
        tendered=1000_00,
        key=paid.payment.payment_id,
    )
    assert again.payment is not None
    assert again.payment.replayed
    assert again.receipt == paid.receipt


def test_a_payment_is_refused_before_anything_is_written(office: Office) -> None:
    st = office.kit.student()
    inv = office.kit.invoice(st, 500_00)

    with pytest.raises(InvalidInput, match="online gateway"):
        office.desk.pay(method="stripe", amount=100_00, invoice_no=inv.invoice_no)
    with pytest.raises(InvalidInput, match="amount: "):
        office.desk.pay(method="bank", amount="ti kroner", invoice_no=inv.invoice_no)
    with pytest.raises(InvalidInput, match="tendered"):
        office.desk.pay(method="bank", amount=100_00, invoice_no=inv.invoice_no, tendered=200_00)
    assert not office.desk.open_student(st.student_no).value.view.payments


def test_while_the_database_is_down_the_payment_is_queued_with_an_offline_receipt(
    office: Office,
) -> None:
    st = office.kit.student()
    inv = office.kit.invoice(st, 400_00)
    office.desk.offline_desk().pull()
    office.line.up = False

    paid = office.desk.pay(method="bank", amount=400_00, invoice_no=inv.invoice_no)
    found = office.desk.find(st.student_no)

    assert paid.payment is None
    assert paid.queued is not None
    assert paid.receipt is not None
    assert paid.receipt.receipt_no == paid.queued.offline_receipt_no
    assert paid.queued.balance_minor == 0
    assert found.offline
    assert found.value[0].balance_minor == 0

    office.line.up = True
    report = office.desk.offline_desk().push()
    assert [p.outcome for p in report.done] == ["recorded"]


def test_refund_reprint_and_day_report(office: Office) -> None:
    st = office.kit.student()
    inv = office.kit.invoice(st, 300_00)
    paid = office.desk.pay(method="bank", amount=300_00, invoice_no=inv.invoice_no)
    assert paid.payment is not None
    assert paid.payment.receipt_no is not None

    refunded = office.desk.refund(paid.payment.payment_id, amount="100", reason="too much")
    copy = office.desk.reprint(paid.payment.receipt_no, copy=True)
    day = office.desk.day_report()

    assert not refunded.through_provider
    assert refunded.refund.amount_minor == 100_00
    assert refunded.refund.balance_minor == 100_00
    assert paid.receipt is not None
    assert copy.receipt.body.lines == paid.receipt.lines
    assert copy.receipt.body.issued_at == NOW
    assert copy.receipt.copies_printed == 1
    assert day.report.date == office.kit.school.local_date(NOW)
    assert day.report.refunds_minor == 100_00


def test_an_online_payment_needs_online_payments_on(office: Office) -> None:
    st = office.kit.student()
    inv = office.kit.invoice(st, 300_00)

    with pytest.raises(BusinessRuleError, match="online payments are off"):
        office.desk.start_online(inv.invoice_no)
    with pytest.raises(BusinessRuleError, match="online payments are off"):
        office.desk.sync_online()


def test_flags_are_listed_and_resolved_with_who_and_when(office: Office) -> None:
    school = office.kit.school
    uow = SqlAlchemyUnitOfWork(office.line.engine)
    with uow.write():
        flags.flag_once(
            uow,
            school_id=school.id,
            gateway="stripe",
            provider_ref="cs_test_1",
            event_id="evt_1",
            invoice_no="F1",
            reason="amount does not match",
            amount_minor=100_00,
            currency=school.currency,
            payload=None,
            now=NOW,
        )
        uow.commit()

    _, found = office.desk.flags()
    (flag,) = found
    _, resolved = office.desk.resolve_flag(flag.id, "refunded by hand")

    assert resolved.resolved_at is not None
    assert office.desk.flags()[1] == []
