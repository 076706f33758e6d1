"""Provider events move only the money of the school whose secret verified them.

Two schools share one database (and, in the server-wide case, one webhook secret). Every
event is signed, verified by a real Stripe gateway against the local stand-in and handed to
the one event path in the name of the school whose URL it was posted to, exactly as the
receiver does it. Whatever concerns the other school, names no school, or carries an amount
or currency that cannot be right is flagged under the sending school and moves nothing.
Runs on SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
import stripe
from sqlalchemy import Engine

from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.errors import BusinessRuleError
from jdoffice.domain.model import Actor, AttemptStatus, Invoice, Payment, Student
from jdoffice.gateways.stripe_checkout import StripeGateway
from jdoffice.services import online
from jdoffice.services.gateways import InvalidSignature
from jdoffice.services.payments import register_payment
from jdoffice.services.settings import PaymentSettings
from tests.conftest import SchoolKit, new_kit
from tests.integration.helpers import assert_balance_consistent
from tests.standin.stripe_standin import JSON, StripeStandin

SECRET_KEY = "sk_test_jdoffice_boundaries"
HOOK_A = "whsec_school_a_boundaries"
HOOK_B = "whsec_school_b_boundaries"
ACTOR = Actor(staff="mette", desk="desk-1")
SETTINGS = PaymentSettings(online_enabled=True)


@pytest.fixture(autouse=True)
def _fast_client_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stripe.HTTPXClient, "_sleep_time_seconds", lambda self, num_retries: 0.01)


@pytest.fixture
def standin() -> Iterator[StripeStandin]:
    with StripeStandin(secret_key=SECRET_KEY, webhook_secret=HOOK_A) as s:
        yield s
        assert s.internal_errors == []


@dataclass
class School:
    """One school's desk and the gateway its webhooks are verified with."""

    kit: SchoolKit
    uow: SqlAlchemyUnitOfWork
    gateway: StripeGateway
    hook_secret: str
    standin: StripeStandin

    def pay_online(self, student: Student, amount_minor: int) -> tuple[Invoice, str, str]:
        """A paid online payment; returns the invoice, checkout session and payment intent."""
        invoice = self.kit.invoice(student, amount_minor)
        view = online.start_online_payment(
            self.uow,
            self.kit.school,
            self.gateway,
            SETTINGS,
            invoice_no=invoice.invoice_no,
            actor=ACTOR,
        )
        assert view.provider_ref is not None
        session = self.standin.complete_session(view.provider_ref)
        return invoice, view.provider_ref, str(session["payment_intent"])

    def deliver(
        self, event: Mapping[str, Any], *, signed_with: str | None = None, checked: bool = False
    ) -> str:
        """Post ``event`` to this school's URL, signed with this school's secret (or another);
        ``checked``: as the receiver hands it on after its own early duplicate check."""
        body = json.dumps(event).encode("utf-8")
        signature = self.standin.sign(body, secret=signed_with or self.hook_secret)
        verified = self.gateway.verify_event(body, {"stripe-signature": signature})
        return online.handle_event(
            self.uow, self.gateway, verified, school=self.kit.school, checked=checked
        )

    def payments(self, student: Student) -> list[Payment]:
        with self.uow:
            return self.uow.payments.for_student(student.id)

    def outstanding(self, invoice: Invoice) -> int:
        with self.uow:
            found = self.uow.invoices.get_by_no(self.kit.school.id, invoice.invoice_no)
        assert found is not None
        return found.outstanding_minor

    def balance(self, student: Student) -> int:
        return assert_balance_consistent(self.uow, student)

    def flag_reasons(self) -> list[str]:
        return [f.reason for f in online.list_flagged(self.uow, self.kit.school)]


def _event(standin: StripeStandin, type_: str, object_id: str) -> JSON:
    found = [
        e
        for e in standin.events(type_)
        if object_id in (e["data"]["object"].get("id"), e["data"]["object"].get("payment_intent"))
    ]
    assert found, f"no {type_} event about {object_id}"
    return found[-1]


@pytest.fixture(params=["own_secrets", "server_wide_secret"])
def schools(
    request: pytest.FixtureRequest, engine: Engine, standin: StripeStandin
) -> Iterator[tuple[School, School]]:
    """School A and school B in one database: each with its own webhook secret, or both
    verified with one secret the whole server shares."""
    yield from _two_schools(engine, standin, shared=request.param == "server_wide_secret")


@pytest.fixture
def schools_with_own_secrets(
    engine: Engine, standin: StripeStandin
) -> Iterator[tuple[School, School]]:
    yield from _two_schools(engine, standin, shared=False)


def _two_schools(
    engine: Engine, standin: StripeStandin, *, shared: bool
) -> Iterator[tuple[School, School]]:
    hook_b = HOOK_A if shared else HOOK_B
    made: list[StripeGateway] = []

    def gateway(hook: str) -> StripeGateway:
        gw = StripeGateway(
            SECRET_KEY,
            webhook_secret=hook,
            api_base=standin.base_url,
            timeout_seconds=5.0,
            max_network_retries=1,
        )
        made.append(gw)
        return gw

    a = School(
        new_kit(engine, "Køreskole A"),
        SqlAlchemyUnitOfWork(engine),
        gateway(HOOK_A),
        HOOK_A,
        standin,
    )
    b = School(
        new_kit(engine, "Køreskole B"),
        SqlAlchemyUnitOfWork(engine),
        gateway(hook_b),
        hook_b,
        standin,
    )
    yield a, b
    for gw in made:
        gw.close()


def test_a_payment_event_for_another_schools_checkout_moves_nothing_and_is_flagged_at_the_sender(
    schools: tuple[School, School],
) -> None:
    a, b = schools
    student_b = b.kit.student("Bent", "Bertelsen")
    invoice_b, session_b, _intent = b.pay_online(student_b, 85025)
    completed = _event(b.standin, "checkout.session.completed", session_b)

    assert a.deliver(completed) == "flagged"

    assert b.payments(student_b) == []
    assert b.outstanding(invoice_b) == 85025
    assert b.balance(student_b) == 85025
    assert a.flag_reasons() == ["not an online payment of this school"]
    assert b.flag_reasons() == []
    # The flag at A names nothing of B's records beyond what the sender itself sent.
    [flag] = online.list_flagged(a.uow, a.kit.school)
    assert flag.school_id == a.kit.school.id

    # A's copy did not mark the event handled for B: B's own delivery lands the payment, once,
    # and A's copy again is a duplicate at A.
    assert b.deliver(completed) == "applied"
    assert b.deliver(completed) == "duplicate"
    assert a.deliver(completed) == "duplicate"
    [payment] = b.payments(student_b)
    assert payment.amount_minor == 85025
    assert b.outstanding(invoice_b) == 0


def test_an_event_the_owning_school_applied_is_a_duplicate_not_a_flag_at_the_other_school(
    schools: tuple[School, School],
) -> None:
    """An account (or MobilePay sales unit) two schools share notifies both: once the owner
    has applied the payment, the other school's copy, even past the receiver's early check,
    is a duplicate and flags nothing."""
    a, b = schools
    student_b = b.kit.student("Bent", "Bertelsen")
    invoice_b, session_b, _intent = b.pay_online(student_b, 85025)
    completed = _event(b.standin, "checkout.session.completed", session_b)

    assert b.deliver(completed) == "applied"
    assert a.deliver(completed, checked=True) == "duplicate"
    assert a.flag_reasons() == []
    assert b.deliver(completed, checked=True) == "duplicate"
    [payment] = b.payments(student_b)
    assert payment.amount_minor == 85025
    assert b.outstanding(invoice_b) == 0


def test_a_refund_event_for_another_schools_payment_moves_nothing_and_is_flagged_at_the_sender(
    schools: tuple[School, School],
) -> None:
    a, b = schools
    student_b = b.kit.student("Bodil", "Bach")
    _invoice, session_b, intent_b = b.pay_online(student_b, 50000)
    assert b.deliver(_event(b.standin, "checkout.session.completed", session_b)) == "applied"
    b.standin.refund_from_dashboard(intent_b, 50000)

    for type_ in ("refund.created", "charge.refunded"):
        assert a.deliver(_event(b.standin, type_, intent_b)) == "flagged", type_

    [payment] = b.payments(student_b)
    assert payment.refunded_minor == 0
    assert b.balance(student_b) == 0
    assert len(a.flag_reasons()) == 2
    assert b.flag_reasons() == []


def test_a_payment_event_naming_another_school_or_none_is_flagged_not_applied(
    schools: tuple[School, School],
) -> None:
    a, b = schools
    student = a.kit.student("Anna", "Andersen")
    for meta_school in (b.kit.school.slug, None):
        invoice = a.kit.invoice(student, 40000)
        view = online.start_online_payment(
            a.uow, a.kit.school, a.gateway, SETTINGS, invoice_no=invoice.invoice_no, actor=ACTOR
        )
        assert view.provider_ref is not None
        meta = {
            "attempt_id": view.attempt_id,
            "invoice_no": invoice.invoice_no,
            "student_no": student.student_no,
        }
        if meta_school is not None:
            meta["school"] = meta_school
        a.standin.complete_session(view.provider_ref, metadata_override=meta)
        event = _event(a.standin, "checkout.session.completed", view.provider_ref)
        assert a.deliver(event) == "flagged"
        assert a.outstanding(invoice) == 40000
    assert a.payments(student) == []
    assert a.balance(student) == 80000
    assert b.flag_reasons() == []


def test_an_event_signed_with_the_other_schools_secret_is_refused_at_this_url(
    schools_with_own_secrets: tuple[School, School],
) -> None:
    a, b = schools_with_own_secrets
    student_a = a.kit.student()
    _invoice, session_a, _intent = a.pay_online(student_a, 30000)
    event = _event(a.standin, "checkout.session.completed", session_a)
    with pytest.raises(InvalidSignature):
        a.deliver(event, signed_with=b.hook_secret)
    assert a.payments(student_a) == []


# --------------------------------------------------------------------------- refund notices


def _forged_refund(standin: StripeStandin, intent: str, **changes: Any) -> JSON:
    """A refund.updated about ``intent`` with fields changed (properly signed later)."""
    event: JSON = json.loads(json.dumps(_event(standin, "refund.created", intent)))
    event["id"] = f"evt_forged_{uuid.uuid4().hex}"
    event["type"] = "refund.updated"
    event["data"]["object"]["id"] = f"re_forged_{uuid.uuid4().hex}"
    event["data"]["object"].update(changes)
    return event


@pytest.mark.parametrize(
    "changes",
    [
        {"amount": -10000},
        {"amount": 0},
        {"amount": "10000"},
        {"amount": 100.5},
        {"amount": True},
        {"currency": "eur"},
        {"currency": None},
        {"amount": 40001},  # more than is left: 50 000 paid, 10 000 refunded already
    ],
    ids=["negative", "zero", "string", "fraction", "boolean", "foreign", "none", "too_much"],
)
def test_a_signed_refund_notice_that_cannot_be_right_is_flagged_and_moves_nothing(
    schools: tuple[School, School], changes: dict[str, Any]
) -> None:
    a, _b = schools
    student = a.kit.student("Rasmus", "Refund")
    _invoice, session, intent = a.pay_online(student, 50000)
    assert a.deliver(_event(a.standin, "checkout.session.completed", session)) == "applied"
    a.standin.refund_from_dashboard(intent, 10000)
    assert a.deliver(_event(a.standin, "refund.created", intent)) == "applied"
    before = a.balance(student)
    assert before == 10000

    assert a.deliver(_forged_refund(a.standin, intent, status="succeeded", **changes)) == "flagged"

    [payment] = a.payments(student)
    assert payment.refunded_minor == 10000
    assert a.balance(student) == before
    assert len(a.flag_reasons()) == 1


def test_a_refund_notice_counts_pending_refunds_as_spent(schools: tuple[School, School]) -> None:
    a, _b = schools
    student = a.kit.student()
    _invoice, session, intent = a.pay_online(student, 50000)
    assert a.deliver(_event(a.standin, "checkout.session.completed", session)) == "applied"
    a.standin.refunds_pending = True
    [payment] = a.payments(student)
    pending = online.refund_online(
        a.uow,
        a.kit.school,
        a.gateway,
        payment_id=payment.id,
        amount_minor=30000,
        reason="aflyst",
        actor=ACTOR,
    )
    assert pending.status == "pending"
    # Left to refund: 50 000 - 30 000 pending = 20 000; a dashboard refund of 25 000 is not.
    event = _forged_refund(a.standin, intent, amount=25000, status="succeeded")
    event["data"]["object"]["metadata"] = {}
    assert a.deliver(event) == "flagged"
    [payment] = a.payments(student)
    assert payment.refunded_minor == 0


# --------------------------------------------------------------------------- keys


def test_a_payment_key_used_at_another_school_is_refused_without_saying_what_it_paid(
    schools: tuple[School, School],
) -> None:
    a, b = schools
    student_a = a.kit.student()
    invoice_a = a.kit.invoice(student_a, 85025)
    paid = register_payment(
        a.uow,
        a.kit.school,
        method="bank",
        amount_minor=85025,
        invoice_no=invoice_a.invoice_no,
        reference="bank 77",
        actor=ACTOR,
    )
    student_b = b.kit.student()
    invoice_b = b.kit.invoice(student_b, 100)
    with pytest.raises(BusinessRuleError) as refused:
        register_payment(
            b.uow,
            b.kit.school,
            method="cash",
            amount_minor=100,
            invoice_no=invoice_b.invoice_no,
            actor=ACTOR,
            key=paid.payment_id,
        )
    # The key itself is named (the desk made it); nothing else of the other school's payment.
    message = str(refused.value).replace(paid.payment_id, "KEY")
    assert "already in use" in message
    for secret in ("bank", "850", "85025", student_a.student_no):
        assert secret not in message
    assert b.payments(student_b) == []
    assert a.outstanding(invoice_a) == 0


def test_an_attempt_stays_open_after_another_schools_event_about_it(
    schools: tuple[School, School],
) -> None:
    a, b = schools
    student_b = b.kit.student()
    invoice_b = b.kit.invoice(student_b, 20000)
    view = online.start_online_payment(
        b.uow, b.kit.school, b.gateway, SETTINGS, invoice_no=invoice_b.invoice_no, actor=ACTOR
    )
    assert view.provider_ref is not None
    b.standin.expire_session(view.provider_ref)
    assert a.deliver(_event(b.standin, "checkout.session.expired", view.provider_ref)) == "flagged"
    assert online.get_attempt(b.uow, b.kit.school, view.attempt_id).status is AttemptStatus.OPEN


def test_on_a_shared_provider_account_each_schools_sync_takes_only_its_own_events(
    schools: tuple[School, School],
) -> None:
    a, b = schools
    student_b = b.kit.student("Birgit", "Berg")
    invoice_b, _session_b, intent_b = b.pay_online(student_b, 60000)
    b.standin.refund_from_dashboard(intent_b, 15000)

    # A reads the account's events first: B's payment and refund move nothing at A, and
    # nothing is flagged (another school's events on a shared account are nobody's mistake).
    a_result = online.sync_payments(a.uow, a.kit.school, a.gateway)
    assert a_result.applied == 0
    assert a.flag_reasons() == []
    assert b.payments(student_b) == []

    b_result = online.sync_payments(b.uow, b.kit.school, b.gateway)
    assert b_result.applied >= 1
    online.sync_payments(a.uow, a.kit.school, a.gateway)
    online.sync_payments(b.uow, b.kit.school, b.gateway)

    [payment] = b.payments(student_b)
    assert (payment.amount_minor, payment.refunded_minor) == (60000, 15000)
    assert b.outstanding(invoice_b) == 15000
    assert b.balance(student_b) == 15000
    assert a.flag_reasons() == []
    assert b.flag_reasons() == []


def test_a_refund_one_school_kept_early_still_reaches_the_school_whose_payment_it_is(
    schools: tuple[School, School],
) -> None:
    a, b = schools
    student_b = b.kit.student("Bjørn", "Bruun")
    invoice_b, session_b, intent_b = b.pay_online(student_b, 50000)
    b.standin.refund_from_dashboard(intent_b, 20000)
    refund_event = _event(b.standin, "refund.created", intent_b)

    # On a shared account A's sync or webhook may see B's refund before B's payment exists
    # anywhere: A keeps it (its payment could still turn out to be A's) ...
    assert a.deliver(refund_event) == "deferred"
    # ... without marking it handled for B, whose own delivery keeps it too.
    assert b.deliver(refund_event) == "deferred"
    assert b.deliver(_event(b.standin, "checkout.session.completed", session_b)) == "applied"

    [payment] = b.payments(student_b)
    assert (payment.amount_minor, payment.refunded_minor) == (50000, 20000)
    assert b.outstanding(invoice_b) == 20000
    assert b.balance(student_b) == 20000
    # A's copy never applies: the payment is B's.
    online.sync_payments(a.uow, a.kit.school, a.gateway)
    [payment] = b.payments(student_b)
    assert payment.refunded_minor == 20000
    assert a.flag_reasons() == []
