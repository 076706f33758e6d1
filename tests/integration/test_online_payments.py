"""Online payments through the real Stripe gateway against the local Stripe stand-in.

Every test runs on SQLite, PostgreSQL and MariaDB (the ``kit``/``uow`` fixtures), with a
stand-in of its own on 127.0.0.1 and the real ``stripe`` client pointed at it. Webhook
deliveries are played in process: the stand-in's stored event is signed with the school's
webhook secret, verified by the gateway and handed to the one event path, exactly as the
receiver does it. Every test ends with the cached balance equal to its recomputation.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
import stripe

from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.errors import BusinessRuleError, InvalidInput, NotFound
from jdoffice.domain.model import Actor, Attempt, AttemptStatus, Invoice, Payment, Student
from jdoffice.gateways.stripe_checkout import StripeGateway
from jdoffice.services import flags, online
from jdoffice.services.gateways import ProviderError
from jdoffice.services.payments import RefundResult, register_payment
from jdoffice.services.queries import recompute_balance, student_view
from jdoffice.services.settings import PaymentSettings
from tests.conftest import SchoolKit, new_kit
from tests.standin.stripe_standin import JSON, DownMode, LoggedRequest, StripeStandin

SECRET_KEY = "sk_test_jdoffice_online"
WEBHOOK_SECRET = "whsec_jdoffice_online"
ACTOR = Actor(staff="mette", desk="desk-2")
SETTINGS = PaymentSettings(online_enabled=True)

SESSIONS_PATH = "/v1/checkout/sessions"
REFUNDS_PATH = "/v1/refunds"


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(autouse=True)
def _fast_client_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The client waits 0.5-1 s between retries; the retries are what matters here."""
    monkeypatch.setattr(stripe.HTTPXClient, "_sleep_time_seconds", lambda self, num_retries: 0.01)


@pytest.fixture
def standin() -> Iterator[StripeStandin]:
    with StripeStandin(secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET) as s:
        yield s
        assert s.internal_errors == []


def _gateway(standin: StripeStandin) -> StripeGateway:
    return StripeGateway(
        SECRET_KEY,
        webhook_secret=WEBHOOK_SECRET,
        api_base=standin.base_url,
        timeout_seconds=5.0,
        max_network_retries=1,
    )


@pytest.fixture
def gateway(standin: StripeStandin) -> Iterator[StripeGateway]:
    gw = _gateway(standin)
    yield gw
    gw.close()


@dataclass
class Desk:
    """One school's desk taking online payments, and the provider it talks to."""

    uow: SqlAlchemyUnitOfWork
    kit: SchoolKit
    standin: StripeStandin
    gateway: StripeGateway

    # -- the desk ---------------------------------------------------------------------------

    def start(self, invoice: Invoice, settings: PaymentSettings = SETTINGS) -> online.AttemptView:
        return online.start_online_payment(
            self.uow,
            self.kit.school,
            self.gateway,
            settings,
            invoice_no=invoice.invoice_no,
            actor=ACTOR,
        )

    def attempt(self, attempt_id: str) -> Attempt:
        return online.get_attempt(self.uow, self.kit.school, attempt_id)

    def payments(self, student: Student) -> list[Payment]:
        with self.uow:
            return self.uow.payments.for_student(student.id)

    def outstanding(self, invoice: Invoice) -> int:
        with self.uow:
            found = self.uow.invoices.get_by_no(self.kit.school.id, invoice.invoice_no)
        assert found is not None
        return found.outstanding_minor

    def balance(self, student: Student) -> int:
        """The student's balance, checked against its recomputation from the rows."""
        cached, recomputed = recompute_balance(self.uow, student.id)
        assert cached == recomputed, f"cached balance {cached} != recomputed {recomputed}"
        return cached

    def refund(
        self, payment_id: str, amount_minor: int | None, reason: str = "aflyst køretime"
    ) -> RefundResult:
        return online.refund_online(
            self.uow,
            self.kit.school,
            self.gateway,
            payment_id=payment_id,
            amount_minor=amount_minor,
            reason=reason,
            actor=ACTOR,
        )

    def sync(self) -> online.SyncResult:
        return online.sync_payments(self.uow, self.kit.school, self.gateway)

    def flagged(self) -> list[Any]:
        return online.list_flagged(self.uow, self.kit.school)

    # -- the provider -------------------------------------------------------------------------

    def event(self, type_: str, object_id: str) -> JSON:
        """The newest stored event of ``type_`` about the object ``object_id``."""
        found = [
            e
            for e in self.standin.events(type_)
            if object_id
            in (e["data"]["object"].get("id"), e["data"]["object"].get("payment_intent"))
        ]
        assert found, f"no {type_} event about {object_id}"
        return found[-1]

    def deliver(self, event: Mapping[str, Any]) -> str:
        """Deliver one event the way the receiver takes it: signed body, verified, handled."""
        body = json.dumps(event).encode("utf-8")
        verified = self.gateway.verify_event(body, {"stripe-signature": self.standin.sign(body)})
        return online.handle_event(self.uow, self.gateway, verified, school=self.kit.school)

    def deliver_type(self, type_: str, object_id: str) -> str:
        return self.deliver(self.event(type_, object_id))

    def requests_to(self, method: str, path: str) -> list[LoggedRequest]:
        return [r for r in self.standin.requests if r.method == method and r.path == path]


@pytest.fixture
def desk(
    kit: SchoolKit, uow: SqlAlchemyUnitOfWork, standin: StripeStandin, gateway: StripeGateway
) -> Desk:
    return Desk(uow, kit, standin, gateway)


def _session_id(view: online.AttemptView) -> str:
    assert view.provider_ref is not None, view
    return view.provider_ref


# --------------------------------------------------------------------------- paying


def test_a_paid_qr_payment_becomes_one_stripe_payment_with_a_receipt(desk: Desk) -> None:
    student = desk.kit.student("Mette", "Frederiksen")
    invoice = desk.kit.invoice(student, 85025)
    view = desk.start(invoice)
    assert view.status is AttemptStatus.OPEN
    assert view.url
    assert view.amount_minor == 85025
    assert view.currency == "DKK"
    session = desk.standin.session(_session_id(view))
    assert session["metadata"]["invoice_no"] == invoice.invoice_no
    assert session["metadata"]["student_no"] == student.student_no
    assert session["metadata"]["school"] == desk.kit.school.slug
    assert session["client_reference_id"] == view.attempt_id

    desk.standin.complete_session(_session_id(view))
    assert desk.deliver_type("checkout.session.completed", _session_id(view)) == "applied"

    [payment] = desk.payments(student)
    assert payment.method == "stripe"
    assert payment.amount_minor == 85025
    assert payment.receipt_no is not None
    with desk.uow:
        receipt = desk.uow.receipts.get(desk.kit.school.id, payment.receipt_no)
    assert receipt is not None
    # Stripe gives no reference of its own for the receipt: it names the checkout session.
    assert payment.reference == receipt.body.reference == _session_id(view)
    attempt = desk.attempt(view.attempt_id)
    assert attempt.status is AttemptStatus.PAID
    assert attempt.payment_id == payment.id
    assert desk.outstanding(invoice) == 0
    assert desk.balance(student) == 0
    methods = [
        p.payment.method
        for p in student_view(desk.uow, desk.kit.school, student.student_no).payments
    ]
    assert methods == ["stripe"]


def test_the_same_confirmation_from_webhook_poll_and_sync_makes_one_payment(desk: Desk) -> None:
    student = desk.kit.student()
    invoice = desk.kit.invoice(student, 50000)
    view = desk.start(invoice)
    desk.standin.complete_session(_session_id(view))

    event = desk.event("checkout.session.completed", _session_id(view))
    assert desk.deliver(event) == "applied"
    assert desk.deliver(event) == "duplicate"
    assert online.check_attempt(
        desk.uow, desk.kit.school, desk.gateway, view.attempt_id
    ).status is (AttemptStatus.PAID)
    assert desk.sync().applied == 0

    assert len(desk.payments(student)) == 1
    assert desk.balance(student) == 0


def test_starting_twice_for_the_same_invoice_reuses_the_open_checkout(desk: Desk) -> None:
    student = desk.kit.student()
    invoice = desk.kit.invoice(student, 60000)
    first = desk.start(invoice)
    second = desk.start(invoice)
    assert second.attempt_id == first.attempt_id
    assert second.provider_ref == first.provider_ref
    assert second.url == first.url
    assert len(desk.requests_to("POST", SESSIONS_PATH)) == 1
    assert len(desk.standin.sessions()) == 1
    assert desk.balance(student) == 60000


def test_an_asynchronous_payment_is_processing_until_it_succeeds(desk: Desk) -> None:
    student = desk.kit.student()
    invoice = desk.kit.invoice(student, 45000)
    view = desk.start(invoice)
    session_id = _session_id(view)

    desk.standin.complete_session(session_id, async_payment=True)
    assert desk.deliver_type("checkout.session.completed", session_id) == "updated"
    assert desk.attempt(view.attempt_id).status is AttemptStatus.PROCESSING
    assert desk.payments(student) == []
    assert desk.balance(student) == 45000

    desk.standin.succeed_async(session_id)
    assert desk.deliver_type("checkout.session.async_payment_succeeded", session_id) == "applied"
    assert desk.attempt(view.attempt_id).status is AttemptStatus.PAID
    [payment] = desk.payments(student)
    assert payment.method == "stripe"
    assert payment.amount_minor == 45000
    assert desk.balance(student) == 0


def test_an_asynchronous_payment_that_fails_leaves_the_invoice_open(desk: Desk) -> None:
    student = desk.kit.student()
    invoice = desk.kit.invoice(student, 45000)
    view = desk.start(invoice)
    session_id = _session_id(view)

    desk.standin.complete_session(session_id, async_payment=True)
    desk.deliver_type("checkout.session.completed", session_id)
    desk.standin.fail_async(session_id)
    assert desk.deliver_type("checkout.session.async_payment_failed", session_id) == "updated"

    assert desk.attempt(view.attempt_id).status is AttemptStatus.FAILED
    assert desk.payments(student) == []
    assert desk.outstanding(invoice) == 45000
    assert desk.balance(student) == 45000
    again = desk.start(invoice)
    assert again.attempt_id != view.attempt_id
    assert again.status is AttemptStatus.OPEN


def test_an_expired_checkout_expires_the_attempt_and_leaves_the_invoice_open(desk: Desk) -> None:
    student = desk.kit.student()
    invoice = desk.kit.invoice(student, 30000)
    view = desk.start(invoice)

    desk.standin.expire_session(_session_id(view))
    assert desk.deliver_type("checkout.session.expired", _session_id(view)) == "updated"

    assert desk.attempt(view.attempt_id).status is AttemptStatus.EXPIRED
    assert desk.outstanding(invoice) == 30000
    assert desk.payments(student) == []
    assert desk.balance(student) == 30000


# --------------------------------------------------------------------------- out of order


@pytest.mark.parametrize("expired_first", [True, False], ids=["expired-first", "completed-first"])
def test_an_old_checkout_expiring_and_a_new_one_paid_end_right_in_either_order(
    desk: Desk, expired_first: bool
) -> None:
    student = desk.kit.student()
    invoice = desk.kit.invoice(student, 50000)
    old = desk.start(invoice)
    # Part paid in cash meanwhile: what is owed changed, so the next QR is a new checkout.
    register_payment(
        desk.uow,
        desk.kit.school,
        method="cash",
        amount_minor=10000,
        invoice_no=invoice.invoice_no,
        tendered_minor=10000,
        actor=ACTOR,
    )
    new = desk.start(invoice)
    assert new.attempt_id != old.attempt_id
    assert new.amount_minor == 40000

    desk.standin.expire_session(_session_id(old))
    desk.standin.complete_session(_session_id(new))
    expired = desk.event("checkout.session.expired", _session_id(old))
    completed = desk.event("checkout.session.completed", _session_id(new))
    for event in (expired, completed) if expired_first else (completed, expired):
        desk.deliver(event)

    assert desk.attempt(old.attempt_id).status is AttemptStatus.EXPIRED
    assert desk.attempt(new.attempt_id).status is AttemptStatus.PAID
    assert sorted(p.method for p in desk.payments(student)) == ["cash", "stripe"]
    assert desk.outstanding(invoice) == 0
    assert desk.balance(student) == 0


def test_an_expired_notice_after_the_payment_changes_nothing(desk: Desk) -> None:
    student = desk.kit.student()
    invoice = desk.kit.invoice(student, 50000)
    view = desk.start(invoice)
    session_id = _session_id(view)
    desk.standin.complete_session(session_id)
    completed = desk.event("checkout.session.completed", session_id)
    assert desk.deliver(completed) == "applied"

    # A stale notice saying the same checkout expired (made here: Stripe would never send it
    # after completion, but a confused proxy or replay might).
    stale = json.loads(json.dumps(completed))
    stale["id"] = "evt_stale_expired_" + session_id[-8:]
    stale["type"] = "checkout.session.expired"
    stale["data"]["object"].update(status="expired", payment_status="unpaid")
    assert desk.deliver(stale) == "duplicate"

    assert desk.attempt(view.attempt_id).status is AttemptStatus.PAID
    assert len(desk.payments(student)) == 1
    assert desk.balance(student) == 0


@pytest.mark.parametrize("path", ["webhook", "desk_poll", "sync"])
def test_a_refund_delivered_before_its_payment_is_kept_and_applied_once_the_payment_lands(
    desk: Desk, path: str
) -> None:
    student = desk.kit.student()
    invoice = desk.kit.invoice(student, 50000)
    view = desk.start(invoice)
    session_id = _session_id(view)
    session = desk.standin.complete_session(session_id)
    intent = str(session["payment_intent"])
    desk.standin.refund_from_dashboard(intent, 20000, reason="requested_by_customer")

    refund_events = [desk.event("charge.refunded", intent), desk.event("refund.created", intent)]
    # The payment is not known here yet: the notices are kept (answered 200, so the provider
    # stops retrying) and nothing moves.
    assert [desk.deliver(event) for event in refund_events] == ["deferred", "deferred"]
    assert desk.payments(student) == []
    assert desk.outstanding(invoice) == 50000

    # Whichever path records the payment applies the kept refund with it, once.
    if path == "webhook":
        assert desk.deliver_type("checkout.session.completed", session_id) == "applied"
    elif path == "desk_poll":
        assert (
            online.check_attempt(desk.uow, desk.kit.school, desk.gateway, view.attempt_id).status
            is AttemptStatus.PAID
        )
    else:
        assert desk.sync().applied >= 1
    # Deliveries again, and a sync, change nothing more.
    assert [desk.deliver(event) for event in refund_events] == ["duplicate", "duplicate"]
    desk.sync()

    [payment] = desk.payments(student)
    assert payment.amount_minor == 50000
    assert payment.refunded_minor == 20000
    with desk.uow:
        refunds = desk.uow.payments.refunds_for_payment(payment.id)
    assert [(r.amount_minor, r.status.value) for r in refunds] == [(20000, "succeeded")]
    assert desk.balance(student) == 20000


# --------------------------------------------------------------------------- mismatches


def _override(desk: Desk, view: online.AttemptView, student: Student, **changes: str) -> JSON:
    meta = {
        "attempt_id": view.attempt_id,
        "school": desk.kit.school.slug,
        "invoice_no": view.invoice_no,
        "student_no": student.student_no,
    }
    meta.update(changes)
    return desk.standin.complete_session(_session_id(view), metadata_override=meta)


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("amount", "amount"),
        ("currency", "currency"),
        ("invoice", "invoice"),
        ("student", "student"),
        ("school", "school"),
        ("livemode", "live-mode school"),
    ],
)
def test_a_confirmation_that_does_not_match_our_records_is_flagged_and_moves_no_money(
    desk: Desk, case: str, reason: str
) -> None:
    student = desk.kit.student()
    invoice = desk.kit.invoice(student, 70000)
    settings = PaymentSettings(online_enabled=True, mode="live" if case == "livemode" else "test")
    view = desk.start(invoice, settings)
    session_id = _session_id(view)
    if case == "amount":
        desk.standin.complete_session(session_id, amount_override=100)
    elif case == "currency":
        desk.standin.complete_session(session_id, currency_override="eur")
    elif case == "invoice":
        _override(desk, view, student, invoice_no="F-999999")
    elif case == "student":
        _override(desk, view, student, student_no="S-999999")
    elif case == "school":
        _override(desk, view, student, school="en-anden-skole")
    else:
        desk.standin.complete_session(session_id)

    assert desk.deliver_type("checkout.session.completed", session_id) == "flagged"
    # The attempt waits for staff; asking the provider again applies nothing.
    assert (
        online.check_attempt(desk.uow, desk.kit.school, desk.gateway, view.attempt_id).status
        is AttemptStatus.REVIEW
    )

    flags = desk.flagged()
    assert len(flags) == 1
    assert flags[0].provider_ref == session_id
    assert reason in flags[0].reason
    assert flags[0].invoice_no
    assert desk.payments(student) == []
    assert desk.outstanding(invoice) == 70000
    assert desk.balance(student) == 70000


def test_a_mismatch_polled_ten_times_and_synced_twice_is_flagged_once_and_waits_for_review(
    desk: Desk,
) -> None:
    student = desk.kit.student()
    invoice = desk.kit.invoice(student, 70000)
    view = desk.start(invoice)
    session_id = _session_id(view)
    desk.standin.complete_session(session_id, amount_override=100)

    for _ in range(10):
        polled = online.check_attempt(desk.uow, desk.kit.school, desk.gateway, view.attempt_id)
        assert polled.status is AttemptStatus.REVIEW
    synced = [desk.sync(), desk.sync()]
    # Two desks that both asked the provider before either wrote: the second finds the flag.
    confirmation = desk.gateway.fetch(session_id)
    for _ in range(2):
        again = online.finalize(
            desk.uow, desk.gateway.name, confirmation, event=None, school=desk.kit.school
        )
        assert again.outcome == "duplicate"
    assert desk.deliver_type("checkout.session.completed", session_id) == "duplicate"

    [flag] = desk.flagged()
    assert flag.provider_ref == session_id
    assert "amount 100 ≠ 70000" in flag.reason
    assert [s.flagged for s in synced] == [0, 0]
    a = desk.attempt(view.attempt_id)
    assert a.status is AttemptStatus.REVIEW
    assert a.payment_id is None
    with desk.uow:
        audit = desk.uow.audit.for_entity("attempt", view.attempt_id)
    assert [e.action for e in audit].count("online.flagged") == 1
    assert [e.action for e in audit].count("online.review") == 1
    # Nothing the provider says later reopens it, and no money moved.
    assert desk.outstanding(invoice) == 70000
    assert desk.payments(student) == []
    assert desk.balance(student) == 70000
    cancelled = online.cancel_attempt(
        desk.uow, desk.kit.school, desk.gateway, view.attempt_id, ACTOR
    )
    assert cancelled.status is AttemptStatus.REVIEW
    shown = online.status_text(cancelled, dt.datetime.now(dt.UTC), "en")
    assert shown.startswith("The provider's answer does not match")


def test_resolving_a_flag_records_who_where_when_and_the_note(desk: Desk) -> None:
    student = desk.kit.student()
    invoice = desk.kit.invoice(student, 70000)
    view = desk.start(invoice)
    desk.standin.complete_session(_session_id(view), currency_override="eur")
    online.check_attempt(desk.uow, desk.kit.school, desk.gateway, view.attempt_id)
    [flag] = desk.flagged()

    with pytest.raises(InvalidInput, match="note"):
        flags.resolve(desk.uow, desk.kit.school, flag.id, "  ", ACTOR)
    with pytest.raises(InvalidInput, match="control"):
        flags.resolve(desk.uow, desk.kit.school, flag.id, "ringet\x1b[2J", ACTOR)
    assert desk.flagged() == [flag]

    done = flags.resolve(
        desk.uow, desk.kit.school, flag.id, "Eleven betalte kontant; Stripe refunderer", ACTOR
    )
    assert done.resolved_at is not None
    assert desk.flagged() == []
    with desk.uow:
        [entry] = desk.uow.audit.for_entity("flag", str(flag.id))
    assert entry.action == "flag.resolved"
    assert entry.actor == ACTOR
    assert entry.at == done.resolved_at
    assert entry.after == {"note": "Eleven betalte kontant; Stripe refunderer"}
    assert entry.before is not None
    assert "currency" in entry.before["reason"]
    with pytest.raises(BusinessRuleError, match="resolved before"):
        flags.resolve(desk.uow, desk.kit.school, flag.id, "igen", ACTOR)
    # A new poll of the same checkout stays quiet: the attempt is settled as "review".
    online.check_attempt(desk.uow, desk.kit.school, desk.gateway, view.attempt_id)
    assert desk.flagged() == []


def test_a_flag_of_another_school_cannot_be_resolved(desk: Desk) -> None:
    student = desk.kit.student()
    view = desk.start(desk.kit.invoice(student, 70000))
    desk.standin.complete_session(_session_id(view), amount_override=1)
    online.check_attempt(desk.uow, desk.kit.school, desk.gateway, view.attempt_id)
    [flag] = desk.flagged()
    other = new_kit(desk.kit.engine, "Anden Køreskole").school

    with pytest.raises(NotFound, match=f"no flag #{flag.id}"):
        flags.resolve(desk.uow, other, flag.id, "ikke vores", ACTOR)
    assert desk.flagged() == [flag]


# --------------------------------------------------------------------------- provider down


@pytest.mark.parametrize("mode", ["error500", "reset", "lost_response"])
def test_provider_down_at_start_records_unknown_and_a_retry_reuses_the_same_key(
    desk: Desk, mode: DownMode
) -> None:
    student = desk.kit.student()
    invoice = desk.kit.invoice(student, 40000)
    desk.standin.set_down(True, mode=mode)
    with pytest.raises(ProviderError, match="stays open"):
        desk.start(invoice)
    with desk.uow:
        recorded = desk.uow.attempts.latest_for_invoice(invoice.id, "stripe")
    assert recorded is not None
    assert recorded.status is AttemptStatus.UNKNOWN
    assert recorded.error
    assert desk.outstanding(invoice) == 40000
    lost = [s["id"] for s in desk.standin.sessions()]
    assert len(lost) == (1 if mode == "lost_response" else 0)

    desk.standin.set_down(False)
    view = desk.start(invoice)
    assert view.attempt_id == recorded.id
    assert view.status is AttemptStatus.OPEN
    creates = desk.requests_to("POST", SESSIONS_PATH)
    assert creates, "no session request reached the provider"
    assert {r.idempotency_key for r in creates} == {recorded.id}
    assert len(desk.standin.sessions()) == 1
    if mode == "lost_response":
        assert view.provider_ref == lost[0]
        assert creates[-1].replayed
    # The exact stored parameters went out every time (a changed replay would be refused).
    assert len({json.dumps(r.params, sort_keys=True) for r in creates}) == 1

    desk.standin.complete_session(_session_id(view))
    assert desk.deliver_type("checkout.session.completed", _session_id(view)) == "applied"
    assert desk.balance(student) == 0


def test_sync_resumes_a_start_that_never_came_back(desk: Desk) -> None:
    student = desk.kit.student()
    invoice = desk.kit.invoice(student, 40000)
    desk.standin.set_down(True, mode="reset")
    with pytest.raises(ProviderError):
        desk.start(invoice)
    desk.standin.set_down(False)

    result = desk.sync()
    assert result.attempts_checked == 1
    assert result.errors == ()
    [session] = desk.standin.sessions()
    with desk.uow:
        attempt = desk.uow.attempts.latest_for_invoice(invoice.id, "stripe")
    assert attempt is not None
    assert attempt.status is AttemptStatus.OPEN
    assert attempt.provider_ref == session["id"]
    assert desk.balance(student) == 40000


# --------------------------------------------------------------------------- refunds


def _paid(desk: Desk, amount_minor: int) -> tuple[Student, Payment, str]:
    """A student whose invoice was paid online; returns the payment and its PaymentIntent."""
    student = desk.kit.student()
    invoice = desk.kit.invoice(student, amount_minor)
    view = desk.start(invoice)
    session = desk.standin.complete_session(_session_id(view))
    assert desk.deliver_type("checkout.session.completed", _session_id(view)) == "applied"
    [payment] = desk.payments(student)
    return student, payment, str(session["payment_intent"])


def test_partial_refunds_then_more_than_is_left_is_refused_before_stripe_is_called(
    desk: Desk,
) -> None:
    student, payment, intent = _paid(desk, 30000)

    first = desk.refund(payment.id, 10000)
    second = desk.refund(payment.id, 15000)
    assert (first.status, second.status) == ("succeeded", "succeeded")
    assert first.receipt_no is not None
    assert second.receipt_no is not None
    assert desk.balance(student) == 25000
    assert len(desk.requests_to("POST", REFUNDS_PATH)) == 2

    with pytest.raises(BusinessRuleError, match="more than what is left"):
        desk.refund(payment.id, 5001)
    assert len(desk.requests_to("POST", REFUNDS_PATH)) == 2

    assert (
        desk.standin.charge(desk.standin.payment_intent(intent)["latest_charge"])["amount_refunded"]
        == 25000
    )
    with desk.uow:
        refunded = desk.uow.payments.get(payment.id)
    assert refunded is not None
    assert refunded.refunded_minor == 25000
    assert desk.balance(student) == 25000

    last = desk.refund(payment.id, None)
    assert last.amount_minor == 5000
    assert last.status == "succeeded"
    with pytest.raises(BusinessRuleError, match="fully refunded"):
        desk.refund(payment.id, 1)
    assert len(desk.requests_to("POST", REFUNDS_PATH)) == 3
    assert desk.balance(student) == 30000


def test_a_refund_that_fails_at_stripe_gives_back_what_is_refundable(desk: Desk) -> None:
    student, payment, _intent = _paid(desk, 30000)
    first = desk.refund(payment.id, 10000)
    assert desk.balance(student) == 10000
    with desk.uow:
        ours = desk.uow.payments.get_refund(first.refund_id)
    assert ours is not None
    assert ours.provider_ref is not None

    desk.standin.fail_refund(ours.provider_ref)
    assert desk.deliver_type("refund.failed", ours.provider_ref) in ("updated", "duplicate")
    assert desk.deliver_type("refund.updated", ours.provider_ref) in ("updated", "duplicate")

    with desk.uow:
        failed = desk.uow.payments.get_refund(first.refund_id)
        after = desk.uow.payments.get(payment.id)
    assert failed is not None
    assert failed.status.value == "failed"
    assert after is not None
    assert after.refunded_minor == 0
    assert desk.balance(student) == 0

    whole = desk.refund(payment.id, None)
    assert whole.amount_minor == 30000
    assert whole.status == "succeeded"
    assert desk.balance(student) == 30000


@pytest.fixture
def pending_desk(kit: SchoolKit, uow: SqlAlchemyUnitOfWork) -> Iterator[Desk]:
    """A desk whose provider answers refunds with ``pending`` and settles them later."""
    with StripeStandin(
        secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET, refunds_pending=True
    ) as standin:
        gw = _gateway(standin)
        yield Desk(uow, kit, standin, gw)
        gw.close()
        assert standin.internal_errors == []


def test_a_pending_refund_that_fails_moves_no_money_and_frees_the_amount(
    pending_desk: Desk,
) -> None:
    desk = pending_desk
    student, payment, _intent = _paid(desk, 30000)
    pending = desk.refund(payment.id, 20000)
    assert pending.status == "pending"
    assert desk.balance(student) == 0
    with pytest.raises(BusinessRuleError, match="more than what is left"):
        desk.refund(payment.id, 10001)

    refund_ref = _provider_ref(desk, pending.refund_id)
    desk.standin.fail_refund(refund_ref)
    assert desk.deliver_type("refund.failed", refund_ref) == "updated"
    assert desk.balance(student) == 0

    whole = desk.refund(payment.id, None)
    assert whole.amount_minor == 30000
    assert whole.status == "pending"
    assert desk.balance(student) == 0
    desk.standin.settle_refund(_provider_ref(desk, whole.refund_id))
    desk.sync()  # no webhook: the catch-up settles it
    with desk.uow:
        settled = desk.uow.payments.get_refund(whole.refund_id)
    assert settled is not None
    assert settled.status.value == "succeeded"
    assert settled.receipt_no is not None
    assert desk.balance(student) == 30000


def _provider_ref(desk: Desk, refund_id: str) -> str:
    with desk.uow:
        r = desk.uow.payments.get_refund(refund_id)
    assert r is not None
    assert r.provider_ref is not None
    return r.provider_ref


@pytest.mark.parametrize("how", ["event", "sync"])
def test_a_refund_made_in_the_stripe_dashboard_shows_up_as_a_refund(desk: Desk, how: str) -> None:
    student, payment, intent = _paid(desk, 30000)
    desk.sync()  # the catch-up cursor is past the payment
    desk.standin.refund_from_dashboard(intent, 7500, reason="requested_by_customer")

    if how == "event":
        assert desk.deliver_type("charge.refunded", intent) == "applied"
        assert desk.deliver_type("refund.created", intent) == "duplicate"
    else:
        result = desk.sync()
        assert result.events_checked == 2

    with desk.uow:
        refunds = desk.uow.payments.refunds_for_payment(payment.id)
        after = desk.uow.payments.get(payment.id)
    assert [(r.amount_minor, r.status.value, r.gateway) for r in refunds] == [
        (7500, "succeeded", "stripe")
    ]
    assert refunds[0].receipt_no is not None
    assert after is not None
    assert after.refunded_minor == 7500
    assert desk.balance(student) == 7500
    assert desk.sync().applied == 0
    assert desk.sync().events_checked == 0
    assert desk.balance(student) == 7500


# --------------------------------------------------------------------------- cancelling


def test_cancelling_an_open_checkout_expires_it_and_cancels_the_attempt(desk: Desk) -> None:
    student = desk.kit.student()
    invoice = desk.kit.invoice(student, 30000)
    view = desk.start(invoice)

    cancelled = online.cancel_attempt(
        desk.uow, desk.kit.school, desk.gateway, view.attempt_id, ACTOR
    )
    assert cancelled.status is AttemptStatus.CANCELLED
    assert desk.standin.session(_session_id(view))["status"] == "expired"
    assert desk.requests_to("POST", f"{SESSIONS_PATH}/{_session_id(view)}/expire")
    # The provider's own notice of the expiry comes later and keeps it cancelled.
    desk.deliver_type("checkout.session.expired", _session_id(view))
    assert desk.attempt(view.attempt_id).status is AttemptStatus.CANCELLED
    assert desk.outstanding(invoice) == 30000
    assert desk.balance(student) == 30000
    assert desk.start(invoice).attempt_id != view.attempt_id


def test_cancelling_a_checkout_paid_a_moment_earlier_applies_the_payment(desk: Desk) -> None:
    student = desk.kit.student()
    invoice = desk.kit.invoice(student, 30000)
    view = desk.start(invoice)
    desk.standin.complete_session(_session_id(view))

    after = online.cancel_attempt(desk.uow, desk.kit.school, desk.gateway, view.attempt_id, ACTOR)
    assert after.status is AttemptStatus.PAID
    assert after.payment_id is not None
    [payment] = desk.payments(student)
    assert payment.method == "stripe"
    assert desk.balance(student) == 0
    # The webhook that follows is a duplicate.
    assert desk.deliver_type("checkout.session.completed", _session_id(view)) == "duplicate"
    assert len(desk.payments(student)) == 1


# --------------------------------------------------------------------------- catching up


def test_sync_walks_events_from_its_cursor_and_settles_attempts_without_webhooks(
    desk: Desk,
) -> None:
    student = desk.kit.student()
    paid_invoice = desk.kit.invoice(student, 20000)
    open_invoice = desk.kit.invoice(student, 30000)
    paid = desk.start(paid_invoice)
    still_open = desk.start(open_invoice)
    desk.standin.complete_session(_session_id(paid))  # no webhook ever comes

    first = desk.sync()
    assert first.events_checked >= 1
    assert first.applied == 1
    assert first.attempts_checked >= 1  # the open one was asked about
    assert first.errors == ()
    assert desk.attempt(paid.attempt_id).status is AttemptStatus.PAID
    assert desk.attempt(still_open.attempt_id).status is AttemptStatus.OPEN

    second = desk.sync()
    assert second.events_checked == 0
    assert second.applied == 0

    desk.standin.complete_session(_session_id(still_open))
    third = desk.sync()
    assert third.events_checked == 1
    assert third.applied == 1
    assert desk.attempt(still_open.attempt_id).status is AttemptStatus.PAID
    assert desk.sync().events_checked == 0

    assert len(desk.payments(student)) == 2
    assert desk.balance(student) == 0


def test_sync_settles_an_attempt_whose_events_were_already_read(desk: Desk) -> None:
    student = desk.kit.student()
    invoice = desk.kit.invoice(student, 20000)
    view = desk.start(invoice)
    desk.standin.complete_session(_session_id(view), async_payment=True)
    assert desk.sync().applied == 0
    assert desk.attempt(view.attempt_id).status is AttemptStatus.PROCESSING

    desk.standin.succeed_async(_session_id(view))
    result = desk.sync()
    assert result.applied == 1
    assert desk.attempt(view.attempt_id).status is AttemptStatus.PAID
    assert desk.balance(student) == 0
