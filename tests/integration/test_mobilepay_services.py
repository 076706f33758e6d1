"""MobilePay through the services and the webhook receiver, against the MobilePay stand-in.

A payment started, approved by the student and found by the desk's status check is one
payment, captured once; the same approval delivered through the real webhook receiver is
applied once, its repeat a duplicate, a forged one refused with nothing moved.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import keyring
import keyring.backend
import keyring.backends.fail
import pytest

from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.bootstrap import App
from jdoffice.domain.errors import BusinessRuleError
from jdoffice.domain.model import Actor, AttemptStatus, School
from jdoffice.gateways import mobilepay_info
from jdoffice.gateways.mobilepay_epayment import MobilePayGateway
from jdoffice.services import online
from jdoffice.services.school import update_payment_settings
from jdoffice.services.settings import PaymentSettings
from jdoffice.webhooks.app import create_app
from tests.conftest import SchoolKit
from tests.integration.receiver_client import ReceiverClient
from tests.standin import mobilepay_standin as sd
from tests.standin.mobilepay_standin import MobilePayStandin

if TYPE_CHECKING:
    # For annotations only: pytest would try to collect a ``Test*`` class.
    from tests.conftest import TestDatabase

ACTOR = Actor(staff="mette", desk="desk-1")


@pytest.fixture
def standin() -> Iterator[MobilePayStandin]:
    with MobilePayStandin() as s:
        yield s
        assert s.internal_errors == []


@pytest.fixture
def gateway(standin: MobilePayStandin) -> Iterator[MobilePayGateway]:
    # No start-up code first: the services read the installed gateways themselves, and know
    # MobilePay online's payments as "mobilepay-online", not the counter method "mobilepay".
    gw = MobilePayGateway(
        api_base=standin.base_url,
        webhook_secret=sd.WEBHOOK_SECRET,
        timeout_seconds=5.0,
        client_id=sd.CLIENT_ID,
        client_secret=sd.CLIENT_SECRET,
        subscription_key=sd.SUBSCRIPTION_KEY,
        merchant_serial_number=sd.MSN,
    )
    yield gw
    gw.close()


# --------------------------------------------------------------------------- through the services


def test_services_take_one_payment_captured_once(
    standin: MobilePayStandin, gateway: MobilePayGateway, uow: SqlAlchemyUnitOfWork, kit: SchoolKit
) -> None:
    update_payment_settings(
        uow, kit.school, {"gateway": "mobilepay", "online_enabled": True}, actor=ACTOR
    )
    student = kit.student()
    invoice = kit.invoice(student, 45000)
    settings = PaymentSettings(online_enabled=True, gateway="mobilepay")
    view = online.start_online_payment(
        uow, kit.school, gateway, settings, invoice_no=invoice.invoice_no, actor=ACTOR
    )
    assert view.provider_ref == view.attempt_id
    assert standin.payment(view.attempt_id)["metadata"]["school"] == kit.school.slug
    standin.approve(view.attempt_id)
    after = online.check_attempt(uow, kit.school, gateway, view.attempt_id)
    again = online.check_attempt(uow, kit.school, gateway, view.attempt_id)
    assert after.status is AttemptStatus.PAID
    assert again.status is AttemptStatus.PAID
    assert standin.captures == [view.attempt_id]
    with uow:
        payment = uow.payments.get(view.attempt_id)
    assert payment is not None
    assert payment.method == "mobilepay-online"
    assert payment.amount_minor == 45000
    assert payment.provider_ref == view.attempt_id
    # The receipt names the payment as MobilePay's app and portal do: its pspReference.
    psp = standin.payment(view.attempt_id)["pspReference"]
    assert payment.reference == psp
    assert payment.receipt_no is not None
    with uow:
        receipt = uow.receipts.get(kit.school.id, payment.receipt_no)
    assert receipt is not None
    assert receipt.body.reference == psp


# --------------------------------------------------------------------------- through the receiver


@pytest.fixture
def receiver_app(
    standin: MobilePayStandin,
    database: TestDatabase,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Iterator[App]:
    """The composition root with MobilePay's keys and options in the environment and no
    keyring, MobilePay among the installed online gateways."""
    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")
    monkeypatch.setenv("JDOFFICE_CONFIG", str(config))
    monkeypatch.setenv("JDOFFICE_MOBILEPAY_API_BASE", standin.base_url)
    monkeypatch.setenv("JDOFFICE_MOBILEPAY_CLIENT_ID", sd.CLIENT_ID)
    monkeypatch.setenv("JDOFFICE_MOBILEPAY_MSN", sd.MSN)
    monkeypatch.setenv("JDOFFICE_MOBILEPAY_CLIENT_SECRET", sd.CLIENT_SECRET)
    monkeypatch.setenv("JDOFFICE_MOBILEPAY_SUBSCRIPTION_KEY", sd.SUBSCRIPTION_KEY)
    monkeypatch.setenv("JDOFFICE_MOBILEPAY_WEBHOOK_SECRET", sd.WEBHOOK_SECRET)
    previous = keyring.get_keyring()
    no_backend: Callable[[], keyring.backend.KeyringBackend] = keyring.backends.fail.Keyring
    keyring.set_keyring(no_backend())
    app = App(url=database.url)
    # Installed by its entry point, beside the counter method of the same name.
    assert app.registry.online[mobilepay_info.NAME] is mobilepay_info.GATEWAY
    assert app.registry.manual[mobilepay_info.NAME].capabilities.instant
    try:
        yield app
    finally:
        app.dispose()
        keyring.set_keyring(previous)


@pytest.fixture
def school_gateway(receiver_app: App) -> Iterator[Callable[[School, PaymentSettings], Any]]:
    """Builds a school's gateway as the desk does; each one is closed after the test (its
    kept-alive connections to the stand-in with it)."""
    built: list[Any] = []

    def build(school: School, settings: PaymentSettings) -> Any:
        gateway = receiver_app.online_gateway(school, settings)
        built.append(gateway)
        return gateway

    try:
        yield build
    finally:
        for gateway in built:
            gateway.close()


@pytest.fixture
def serve(receiver_app: App) -> Iterator[Callable[..., ReceiverClient]]:
    """Start the receiver app inside its lifespan; every one started is shut down (its
    worker threads finished) before the composition root is disposed of."""
    started: list[ReceiverClient] = []

    def start(**options: Any) -> ReceiverClient:
        client = ReceiverClient(create_app(receiver_app, notify_interval=None, **options))
        started.append(client)
        return client

    try:
        yield start
    finally:
        for client in started:
            client.close()


def test_webhook_through_the_receiver_is_applied_once(
    standin: MobilePayStandin,
    receiver_app: App,
    school_gateway: Callable[[School, PaymentSettings], Any],
    serve: Callable[..., ReceiverClient],
    uow: SqlAlchemyUnitOfWork,
    kit: SchoolKit,
) -> None:
    update_payment_settings(
        uow,
        kit.school,
        {"gateway": "mobilepay", "online_enabled": True},
        actor=ACTOR,
        gateways=list(receiver_app.registry.online),
    )
    settings = receiver_app.payment_settings(kit.school)
    assert settings.gateway == "mobilepay"
    gateway = school_gateway(kit.school, settings)
    assert isinstance(gateway, MobilePayGateway)
    invoice = kit.invoice(kit.student(), 30000)
    view = online.start_online_payment(
        uow, kit.school, gateway, settings, invoice_no=invoice.invoice_no, actor=ACTOR
    )
    standin.approve(view.attempt_id)
    client = serve()
    path = f"/webhooks/mobilepay/{kit.school.slug}"
    body, headers = standin.signed(
        {"msn": sd.MSN, **standin.event_log(view.attempt_id)[-1]}, f"http://testserver{path}"
    )

    forged = {**headers, "authorization": headers["authorization"][:-4] + "AAA="}
    refused = client.post(path, content=body, headers=forged)
    assert refused.status_code == 400
    assert standin.captures == []

    first = client.post(path, content=body, headers=headers)
    second = client.post(path, content=body, headers=headers)
    assert (first.status_code, first.json()["outcome"]) == (200, "applied")
    assert (second.status_code, second.json()["outcome"]) == (200, "duplicate")
    # The CREATED notification arriving late changes nothing.
    late_body, late_headers = standin.signed(
        {"msn": sd.MSN, **standin.event_log(view.attempt_id)[0]}, f"http://testserver{path}"
    )
    late = client.post(path, content=late_body, headers=late_headers)
    assert (late.status_code, late.json()["outcome"]) == (200, "duplicate")
    assert standin.captures == [view.attempt_id]
    with uow:
        payment = uow.payments.get(view.attempt_id)
        attempt = uow.attempts.get(view.attempt_id)
    assert payment is not None
    assert (payment.method, payment.amount_minor) == ("mobilepay-online", 30000)
    assert payment.reference == standin.payment(view.attempt_id)["pspReference"]
    assert attempt is not None
    assert attempt.status is AttemptStatus.PAID


def test_sync_checks_open_attempts_and_captures_once(
    standin: MobilePayStandin, gateway: MobilePayGateway, uow: SqlAlchemyUnitOfWork, kit: SchoolKit
) -> None:
    """No event list: ``payments sync`` asks about each open attempt; a rejected one ends
    failed with the invoice still open, an approved one is captured and recorded once."""
    settings = PaymentSettings(online_enabled=True, gateway="mobilepay")
    student = kit.student()
    paid_invoice = kit.invoice(student, 20000)
    open_invoice = kit.invoice(student, 5000)
    paid = online.start_online_payment(
        uow, kit.school, gateway, settings, invoice_no=paid_invoice.invoice_no, actor=ACTOR
    )
    rejected = online.start_online_payment(
        uow, kit.school, gateway, settings, invoice_no=open_invoice.invoice_no, actor=ACTOR
    )
    standin.approve(paid.attempt_id)
    standin.reject(rejected.attempt_id)
    first = online.sync_payments(uow, kit.school, gateway)
    second = online.sync_payments(uow, kit.school, gateway)
    assert (first.applied, first.events_checked, first.errors) == (1, 0, ())
    assert second.applied == 0
    assert standin.captures == [paid.attempt_id]
    with uow:
        failed = uow.attempts.get(rejected.attempt_id)
        still_open = uow.invoices.get_by_no(kit.school.id, open_invoice.invoice_no)
        assert uow.payments.get(rejected.attempt_id) is None
    assert failed is not None
    assert failed.status is AttemptStatus.FAILED
    assert still_open is not None
    assert still_open.outstanding_minor == 5000


def test_failed_capture_leaves_the_invoice_open(
    standin: MobilePayStandin, gateway: MobilePayGateway, uow: SqlAlchemyUnitOfWork, kit: SchoolKit
) -> None:
    settings = PaymentSettings(online_enabled=True, gateway="mobilepay")
    invoice = kit.invoice(kit.student(), 12500)
    view = online.start_online_payment(
        uow, kit.school, gateway, settings, invoice_no=invoice.invoice_no, actor=ACTOR
    )
    standin.approve(view.attempt_id)
    standin.fail_captures = True
    after = online.check_attempt(uow, kit.school, gateway, view.attempt_id)
    assert after.status is AttemptStatus.FAILED
    assert standin.payment(view.attempt_id)["aggregate"]["cancelledAmount"]["value"] == 12500
    with uow:
        assert uow.payments.get(view.attempt_id) is None
        current = uow.invoices.get_by_no(kit.school.id, invoice.invoice_no)
    assert current is not None
    assert current.outstanding_minor == 12500


def test_concurrent_duplicate_webhooks_and_a_sync_make_one_payment(
    standin: MobilePayStandin,
    receiver_app: App,
    school_gateway: Callable[[School, PaymentSettings], Any],
    serve: Callable[..., ReceiverClient],
    uow: SqlAlchemyUnitOfWork,
    kit: SchoolKit,
) -> None:
    """20 copies of the approval delivered at once while ``payments sync`` runs: one payment,
    one capture."""
    update_payment_settings(
        uow,
        kit.school,
        {"gateway": "mobilepay", "online_enabled": True},
        actor=ACTOR,
        gateways=list(receiver_app.registry.online),
    )
    settings = receiver_app.payment_settings(kit.school)
    gateway = school_gateway(kit.school, settings)
    invoice = kit.invoice(kit.student(), 9900)
    view = online.start_online_payment(
        uow, kit.school, gateway, settings, invoice_no=invoice.invoice_no, actor=ACTOR
    )
    standin.approve(view.attempt_id)
    receiver = serve()
    path = f"/webhooks/mobilepay/{kit.school.slug}"
    body, headers = standin.signed(
        {"msn": sd.MSN, **standin.event_log(view.attempt_id)[-1]}, f"http://testserver{path}"
    )

    async def deliver_all() -> list[httpx.Response]:
        async with receiver.client() as c:
            return await asyncio.gather(
                *(c.post(path, content=body, headers=headers) for _ in range(20))
            )

    synced: list[online.SyncResult] = []
    sync = threading.Thread(
        target=lambda: synced.append(online.sync_payments(uow, kit.school, gateway))
    )
    sync.start()
    responses = receiver.run(deliver_all())
    sync.join()
    outcomes = [r.json().get("outcome") for r in responses]
    assert [r.status_code for r in responses] == [200] * 20
    assert outcomes.count("applied") + synced[0].applied == 1
    assert set(outcomes) <= {"applied", "duplicate"}
    assert standin.captures == [view.attempt_id]
    with uow:
        payment = uow.payments.get(view.attempt_id)
    assert payment is not None
    assert payment.amount_minor == 9900


def test_a_redelivered_notification_is_a_duplicate_before_mobilepay_is_asked_anything(
    standin: MobilePayStandin,
    receiver_app: App,
    school_gateway: Callable[[School, PaymentSettings], Any],
    serve: Callable[..., ReceiverClient],
    uow: SqlAlchemyUnitOfWork,
    kit: SchoolKit,
) -> None:
    update_payment_settings(
        uow,
        kit.school,
        {"gateway": "mobilepay", "online_enabled": True},
        actor=ACTOR,
        gateways=list(receiver_app.registry.online),
    )
    settings = receiver_app.payment_settings(kit.school)
    gateway = school_gateway(kit.school, settings)
    invoice = kit.invoice(kit.student(), 4200)
    view = online.start_online_payment(
        uow, kit.school, gateway, settings, invoice_no=invoice.invoice_no, actor=ACTOR
    )
    standin.approve(view.attempt_id)
    receiver = serve()
    path = f"/webhooks/mobilepay/{kit.school.slug}"
    event = {"msn": sd.MSN, **standin.event_log(view.attempt_id)[-1]}
    body, headers = standin.signed(event, f"http://testserver{path}")
    first = receiver.post(path, content=body, headers=headers)
    assert first.json()["outcome"] == "applied"
    asked = len(standin.requests)

    again = [receiver.post(path, content=body, headers=headers) for _ in range(3)]

    assert [r.json()["outcome"] for r in again] == ["duplicate"] * 3
    assert standin.requests[asked:] == []  # no payment read, no capture, no token
    assert standin.captures == [view.attempt_id]
    # Still verified first: a forged copy of the same notification is refused.
    forged = {**headers, "authorization": headers["authorization"][:-4] + "AAAA"}
    assert receiver.post(path, content=body, headers=forged).status_code == 400


def test_partial_refund_through_the_services(
    standin: MobilePayStandin, gateway: MobilePayGateway, uow: SqlAlchemyUnitOfWork, kit: SchoolKit
) -> None:
    settings = PaymentSettings(online_enabled=True, gateway="mobilepay")
    invoice = kit.invoice(kit.student(), 40000)
    view = online.start_online_payment(
        uow, kit.school, gateway, settings, invoice_no=invoice.invoice_no, actor=ACTOR
    )
    standin.approve(view.attempt_id)
    online.check_attempt(uow, kit.school, gateway, view.attempt_id)
    result = online.refund_online(
        uow,
        kit.school,
        gateway,
        payment_id=view.attempt_id,
        amount_minor=15000,
        reason="Aflyst køretime",
        actor=ACTOR,
    )
    assert (result.status, result.amount_minor) == ("succeeded", 15000)
    assert standin.payment(view.attempt_id)["aggregate"]["refundedAmount"]["value"] == 15000
    with pytest.raises(BusinessRuleError):
        online.refund_online(
            uow,
            kit.school,
            gateway,
            payment_id=view.attempt_id,
            amount_minor=30000,
            reason="For meget",
            actor=ACTOR,
        )
    assert standin.payment(view.attempt_id)["aggregate"]["refundedAmount"]["value"] == 15000


def test_a_school_that_does_not_take_mobilepay_answers_404_there(
    standin: MobilePayStandin,
    receiver_app: App,
    school_gateway: Callable[[School, PaymentSettings], Any],
    serve: Callable[..., ReceiverClient],
    uow: SqlAlchemyUnitOfWork,
    kit: SchoolKit,
) -> None:
    """The receiver serves a school's gateways only: a MobilePay notification to a school
    taking Stripe alone is 404 and moves nothing, and one taking both is served."""
    update_payment_settings(
        uow,
        kit.school,
        {"gateway": ["mobilepay"], "online_enabled": True},
        actor=ACTOR,
        gateways=list(receiver_app.registry.online),
    )
    settings = receiver_app.payment_settings(kit.school)
    gateway = school_gateway(kit.school, settings)
    invoice = kit.invoice(kit.student(), 12000)
    view = online.start_online_payment(
        uow, kit.school, gateway, settings, invoice_no=invoice.invoice_no, actor=ACTOR
    )
    standin.approve(view.attempt_id)
    update_payment_settings(uow, kit.school, {"gateway": "stripe"}, actor=ACTOR)
    path = f"/webhooks/mobilepay/{kit.school.slug}"
    body, headers = standin.signed(
        {"msn": sd.MSN, **standin.event_log(view.attempt_id)[-1]}, f"http://testserver{path}"
    )
    client = serve(gateway_refresh=0)
    assert client.post(path, content=body, headers=headers).status_code == 404
    assert standin.captures == []
    update_payment_settings(uow, kit.school, {"gateway": "stripe,mobilepay"}, actor=ACTOR)
    answer = client.post(path, content=body, headers=headers)
    assert (answer.status_code, answer.json()["outcome"]) == (200, "applied")
    assert standin.captures == [view.attempt_id]
