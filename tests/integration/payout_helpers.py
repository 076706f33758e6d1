"""What the Stripe payout tests share: a school taking Stripe payments with its own key against
the stand-in, and the stand-in's fee."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import stripe
from sqlalchemy import func, select

from jdoffice.adapters.orm import PayoutItemRow, PayoutRow
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.model import Actor, Invoice, Payment, Student
from jdoffice.gateways.stripe_checkout import StripeGateway
from jdoffice.services import books, online, payouts
from jdoffice.services.settings import PaymentSettings
from tests.conftest import SchoolKit
from tests.standin.stripe_standin import StripeStandin

KEY_A = "sk_test_payouts_school_a"
KEY_B = "sk_test_payouts_school_b"
ACTOR = Actor(staff="mette", desk="desk-2")
SETTINGS = PaymentSettings(online_enabled=True)


def fast_client_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stripe's client retries without waiting."""
    monkeypatch.setattr(stripe.HTTPXClient, "_sleep_time_seconds", lambda self, num_retries: 0.01)


def gateway_for(standin: StripeStandin, key: str) -> StripeGateway:
    return StripeGateway(key, api_base=standin.base_url, timeout_seconds=5, max_network_retries=1)


@dataclass
class School:
    """A school taking Stripe payments with its own key, and reconciling its payouts."""

    uow: SqlAlchemyUnitOfWork
    kit: SchoolKit
    standin: StripeStandin
    gateway: StripeGateway
    key: str

    def paid(self, amount_minor: int) -> tuple[Student, Invoice, Payment]:
        """A student's invoice paid through a QR code, recorded by the online path."""
        student = self.kit.student()
        invoice = self.kit.invoice(student, amount_minor)
        view = online.start_online_payment(
            self.uow, self.kit.school, self.gateway, SETTINGS, invoice_no=invoice.invoice_no,
            actor=ACTOR,
        )  # fmt: skip
        assert view.provider_ref is not None
        self.standin.complete_session(view.provider_ref)
        online.sync_payments(self.uow, self.kit.school, self.gateway)
        with self.uow:
            [payment] = self.uow.payments.for_student(student.id)
        return student, invoice, payment

    def sync(self, since: dt.date | None = None) -> payouts.PayoutSyncResult:
        return payouts.sync_payouts(
            self.uow, self.kit.school, self.gateway, actor=ACTOR, since=since
        )

    def rows(self) -> tuple[int, int]:
        """The school's stored payouts and items."""
        with self.uow:
            s = self.uow.session
            sid = self.kit.school.id
            n_payouts = s.scalar(select(func.count()).where(PayoutRow.school_id == sid))
            n_items = s.scalar(select(func.count()).where(PayoutItemRow.school_id == sid))
        return int(n_payouts or 0), int(n_items or 0)

    def books(self, day: dt.date) -> books.Books:
        today = self.kit.school.local_date(dt.datetime.now(dt.UTC))
        return books.period_postings(self.uow, self.kit.school, min(today, day), day)


@contextmanager
def stripe_school(
    uow: SqlAlchemyUnitOfWork, kit: SchoolKit, standin: StripeStandin, key: str = KEY_A
) -> Iterator[School]:
    """``kit``'s school taking Stripe payments with ``key``; its gateway closed afterwards."""
    gw = gateway_for(standin, key)
    try:
        yield School(uow, kit, standin, gw, key)
    finally:
        gw.close()


def arrival_of(payout: dict[str, object]) -> dt.date:
    when = payout["arrival_date"]
    assert isinstance(when, int)
    return dt.datetime.fromtimestamp(when, dt.UTC).date()


def stripe_fee(amount: int) -> int:
    """The stand-in's Stripe fee: 1.5 % (half up) + 1,80 kr."""
    return (amount * 15 + 500) // 1000 + 180
