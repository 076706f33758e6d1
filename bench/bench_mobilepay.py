"""The MobilePay part of ``bench.bench_webhooks``: notifications of approved MobilePay payments
(``epayments.payment.authorized.v1``) posted to the same receiver process, each signed at send
time as the Webhooks API signs them (HMAC-SHA256 over method, path, ``x-ms-date``, ``host``
and the body's hash). Every distinct one is verified, the payment captured at the MobilePay
stand-in and recorded through the one finalize path; redeliveries are duplicates.

Beside them, a **floor measured in the same run**: the same receiver answering MobilePay
notifications whose signature is wrong (verified and refused, 400, no database work). It is
what the receiver's HTTP path and the verification cost on this machine under this load
generator; the distinct and duplicate figures are that floor plus jdoffice's own work.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import httpx
from sqlalchemy import Engine, func, select

from jdoffice.adapters.orm import PaymentRow
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.errors import JdofficeError
from jdoffice.domain.model import UTC, Actor, School
from jdoffice.gateways import mobilepay_info, mobilepay_webhooks
from jdoffice.gateways.mobilepay_epayment import MobilePayGateway
from jdoffice.services.online import start_online_payment
from jdoffice.services.school import update_payment_settings
from jdoffice.services.settings import PaymentSettings
from tests.standin import mobilepay_standin as sd
from tests.standin.mobilepay_standin import MobilePayStandin

ACTOR = Actor(staff="bench", desk="bench-mp")
SETTINGS = PaymentSettings(online_enabled=True, gateway="mobilepay")

Sign = Callable[[bytes], Mapping[str, str]]


def env(api_base: str) -> dict[str, str]:
    """What the receiver process needs to build the school's MobilePay gateway."""
    return {
        "JDOFFICE_MOBILEPAY_API_BASE": api_base,
        "JDOFFICE_MOBILEPAY_CLIENT_ID": sd.CLIENT_ID,
        "JDOFFICE_MOBILEPAY_CLIENT_SECRET": sd.CLIENT_SECRET,
        "JDOFFICE_MOBILEPAY_SUBSCRIPTION_KEY": sd.SUBSCRIPTION_KEY,
        "JDOFFICE_MOBILEPAY_MSN": sd.MSN,
        "JDOFFICE_MOBILEPAY_WEBHOOK_SECRET": sd.WEBHOOK_SECRET,
    }


def take_both(engine: Engine, school: School) -> None:
    """The school takes Stripe and MobilePay online (the receiver serves both addresses)."""
    update_payment_settings(
        SqlAlchemyUnitOfWork(engine),
        school,
        {"online_enabled": True, "gateway": ["stripe", mobilepay_info.NAME]},
        actor=ACTOR,
    )


@dataclass(frozen=True, slots=True)
class Approved:
    bodies: list[bytes]
    invoice_numbers: list[str]
    refused: int


def approve_payments(
    engine: Engine, school: School, standin: MobilePayStandin, invoice_numbers: Sequence[str]
) -> Approved:
    """Start a MobilePay QR payment for each invoice and approve it at the stand-in; the body
    of each approval's notification, as the Webhooks API sends it."""
    gateway = MobilePayGateway(
        api_base=standin.base_url,
        webhook_secret=sd.WEBHOOK_SECRET,
        timeout_seconds=10.0,
        client_id=sd.CLIENT_ID,
        client_secret=sd.CLIENT_SECRET,
        subscription_key=sd.SUBSCRIPTION_KEY,
        merchant_serial_number=sd.MSN,
    )
    uow = SqlAlchemyUnitOfWork(engine)
    bodies: list[bytes] = []
    paid: list[str] = []
    refused = 0
    try:
        for invoice_no in invoice_numbers:
            try:
                view = start_online_payment(
                    uow, school, gateway, SETTINGS, invoice_no=invoice_no, actor=ACTOR
                )
            except JdofficeError:
                refused += 1
                continue
            standin.approve(view.attempt_id)
            event = {"msn": sd.MSN, **standin.event_log(view.attempt_id)[-1]}
            bodies.append(json.dumps(event).encode("utf-8"))
            paid.append(view.invoice_no)
    finally:
        gateway.close()
    return Approved(bodies, paid, refused)


def signer(hook_url: str, secret: str = sd.WEBHOOK_SECRET) -> Sign:
    """Signs each body at send time for ``hook_url`` (a wrong ``secret``: the floor)."""
    u = httpx.URL(hook_url)
    host = u.host + (f":{u.port}" if u.port else "")
    path = u.raw_path.decode()

    def sign(body: bytes) -> Mapping[str, str]:
        return mobilepay_webhooks.signed_headers(secret, body, host, path, dt.datetime.now(UTC))

    return sign


def forged_signer(hook_url: str) -> Sign:
    return signer(hook_url, secret="not-the-webhook-secret")


def recorded_payments(engine: Engine, school: School) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(PaymentRow)
                .where(
                    PaymentRow.school_id == school.id,
                    PaymentRow.method == mobilepay_info.PAYMENT_METHOD,
                )
            ).scalar_one()
        )
