"""The work behind the QR dialog (F6), without widgets: find the student's open invoices,
start a checkout and make its QR image, ask the provider how it stands, cancel it, and send
its link by SMS or e-mail.

Each job runs on the thread pool (``jdoffice.gui.background``), opens its own unit of work
and returns what the dialog paints. :class:`QrCheckout` runs them for one dialog: it keeps the
gateway between the jobs, drops answers that come after the dialog closed, and closes the
gateway once the last job has ended.
"""

from __future__ import annotations

import enum
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from PySide6.QtCore import QCoreApplication

from jdoffice import bootstrap
from jdoffice.domain.errors import BusinessRuleError, InvalidInput, NotFound, Unavailable
from jdoffice.domain.model import AttemptStatus, Invoice
from jdoffice.gui import messages
from jdoffice.gui.background import Task, run_task
from jdoffice.gui.context import DeskContext
from jdoffice.gui.views.pay_text import provider_name
from jdoffice.services import notifications as notify
from jdoffice.services import online, queries
from jdoffice.services.gateways import (
    OnlineGateway,
    ProviderError,
    ProviderRefused,
    close_gateway,
)

# Logical pixels the QR code is at least as wide as: a phone reads it from a desk's width away.
QR_SIDE = 340
# Quiet zone around the code, in modules (the QR standard asks for 4).
QR_BORDER = 4


class Why(enum.Enum):
    """Why online payment cannot be used."""

    OFF = "off"
    NO_KEY = "no_key"
    UNREACHABLE = "unreachable"
    REFUSED = "refused"
    NOTHING_OWED = "nothing_owed"
    NOT_FOUND = "not_found"
    DATABASE = "database"
    ERROR = "error"


@dataclass(frozen=True)
class Started:
    """A checkout was made: what it is, the invoice's text and the QR image (PNG)."""

    view: online.AttemptView
    invoice_text: str
    qr_png: bytes
    gateway: OnlineGateway


@dataclass(frozen=True)
class Blocked:
    """Online payment cannot be used now, and why (with the invoice, when it was read)."""

    why: Why
    detail: str
    provider: str
    gateway: OnlineGateway | None
    invoice: Invoice | None = None


@dataclass(frozen=True)
class Status:
    """What the provider last said about the checkout, and the receipt once it is paid."""

    view: online.AttemptView
    receipt_no: int | None


@dataclass(frozen=True)
class Choices:
    """What the "Betaling for" choice offers: the student's open invoices, oldest due first
    (empty when online payment is off: there is nothing to choose a code for)."""

    invoices: tuple[Invoice, ...]
    #: The school's online gateways (name, label), the default first: F6 offers them when
    #: there is more than one.
    gateways: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class NeedsRecipient:
    """The student has no (valid) number or address on file for ``channel``."""

    channel: str
    note: str


def qr_scale(url: str, side: int, device_pixel_ratio: float = 1.0) -> int:
    """The module size in device pixels that makes the code at least ``side`` logical pixels
    wide. Whole pixels per module keep the edges crisp: scaling a QR image blurs it."""
    modules = bootstrap.qr_width(url, border=QR_BORDER)
    return max(1, math.ceil(side * device_pixel_ratio / modules))


def default_provider(ctx: DeskContext) -> str:
    """The name of the gateway the configuration chooses (before the school's own choice is
    read), or of the one installed online gateway; else a word for any provider."""
    registry = ctx.app.registry
    try:
        gateway = ctx.app.config.payments.gateway
    except InvalidInput:  # a broken config file
        gateway = ""
    if gateway not in registry.online and len(registry.online) == 1:
        gateway = next(iter(registry.online))
    if gateway in registry.online:
        return provider_name(registry, gateway, ctx.language)
    return QCoreApplication.translate("QrCheckout", "betalingsudbyderen")


def start_job(
    ctx: DeskContext,
    invoice_no: str,
    gateway: OnlineGateway | None,
    dpr: float,
    gateway_name: str | None = None,
    flow: str = "qr",
    replace_attempt: str | None = None,
) -> Started | Blocked:
    """Runs on the thread pool: settings, the gateway, the checkout and the QR image.

    ``gateway_name``: one of the school's online gateways (else its first); ``flow`` ``"push"``
    sends the payment to the student's app; ``replace_attempt``: the open checkout (its QR
    code) this one replaces, cancelled first (if it was paid meanwhile, that is the answer).
    """
    school = ctx.school
    provider = default_provider(ctx)
    invoice: Invoice | None = None

    def blocked(why: Why, detail: str = "", gw: OnlineGateway | None = gateway) -> Blocked:
        return Blocked(why, detail, provider, gw, invoice)

    try:
        invoice = queries.get_invoice(ctx.uow(), school, invoice_no)
        if invoice.outstanding_minor <= 0:
            return blocked(Why.NOTHING_OWED)
        settings = ctx.app.payment_settings(school)
        name = gateway_name if gateway_name in settings.gateways else settings.default_gateway
        settings = settings.using(name)
        provider = provider_name(ctx.app.registry, name, ctx.language)
        if not settings.online_enabled:
            return blocked(Why.OFF)
        if gateway is not None and gateway.name != name:
            gateway = None  # staff chose another gateway than the one kept
        if gateway is None:
            try:
                gateway = ctx.app.online_gateway(school, settings)
            except (BusinessRuleError, InvalidInput, Unavailable) as exc:
                # No key, an unknown gateway, or no keyring on this machine.
                return blocked(Why.NO_KEY, str(exc), None)
        if replace_attempt is not None:
            before = cancel_job(ctx, gateway, replace_attempt).view
            if before.status is AttemptStatus.PAID:
                return Started(before, invoice.text, b"", gateway)
        view = online.start_online_payment(
            ctx.uow(),
            school,
            gateway,
            settings,
            invoice_no=invoice.invoice_no,
            actor=ctx.acting(),
            flow=flow,
        )
    except ProviderError as exc:
        return blocked(Why.UNREACHABLE, str(exc), gateway)
    except ProviderRefused as exc:
        return blocked(Why.REFUSED, str(exc), gateway)
    except NotFound as exc:
        return blocked(Why.NOT_FOUND, str(exc), gateway)
    except BusinessRuleError as exc:
        # Paid at another desk between the read above and the start, or cancelled.
        return blocked(Why.NOTHING_OWED, str(exc), gateway)
    except Unavailable as exc:
        return blocked(Why.DATABASE, str(exc), gateway)
    png = b""
    if view.url and flow == "qr":
        png = bootstrap.qr_png(view.url, scale=qr_scale(view.url, QR_SIDE, dpr))
    return Started(view, invoice.text, png, gateway)


def choices_job(ctx: DeskContext, student_no: str) -> Choices:
    settings = ctx.app.payment_settings(ctx.school)
    if not settings.online_enabled:
        return Choices(())
    view = queries.student_view(ctx.read_uow(), ctx.school, student_no)
    open_ = sorted(
        (i for i in view.invoices if i.outstanding_minor > 0), key=lambda i: (i.due_date, i.id)
    )
    registry = ctx.app.registry
    gateways = tuple(
        (name, provider_name(registry, name, ctx.language))
        for name in settings.gateways
        if name in registry.online
    )
    return Choices(tuple(open_), gateways)


def _receipt_of(ctx: DeskContext, view: online.AttemptView) -> int | None:
    if view.status is not AttemptStatus.PAID or view.payment_id is None:
        return None
    return queries.payment_detail(ctx.uow(), ctx.school, view.payment_id).payment.receipt_no


def poll_job(ctx: DeskContext, gateway: OnlineGateway, attempt_id: str) -> Status:
    view = online.check_attempt(ctx.uow(), ctx.school, gateway, attempt_id)
    return Status(view, _receipt_of(ctx, view))


def cancel_job(ctx: DeskContext, gateway: OnlineGateway, attempt_id: str) -> Status:
    try:
        view = online.cancel_attempt(ctx.uow(), ctx.school, gateway, attempt_id, ctx.acting())
    except ProviderRefused:
        raise
    except BusinessRuleError:
        # "already paid": the student was quicker than the Esc key.
        view = online.AttemptView.of(online.get_attempt(ctx.uow(), ctx.school, attempt_id))
        if view.status is not AttemptStatus.PAID:
            raise
    return Status(view, _receipt_of(ctx, view))


def link_job(
    ctx: DeskContext, attempt_id: str, channel: str, to: str | None, key: str
) -> notify.LinkSent | NeedsRecipient:
    if to is None:
        uow = ctx.uow()
        with uow:
            attempt = uow.attempts.get(attempt_id)
            student = uow.students.get(attempt.student_id) if attempt is not None else None
        if student is not None:
            recipient, note = notify.recipient_of(student, channel)
            if not recipient:
                return NeedsRecipient(channel, note or "")
    return notify.send_payment_link(
        ctx.uow(),
        ctx.school,
        messages.transports(ctx),
        attempt_id=attempt_id,
        channel=channel,
        to=to,
        key=key,
    )


Success = Callable[[Any], None]
Failure = Callable[[BaseException], None]


class QrCheckout:
    """Runs the jobs of one QR dialog in the background.

    ``alive`` says whether the dialog still wants answers: once it returns False, answers
    are dropped, and the gateway is closed as soon as no job runs any more (see
    :meth:`release`).
    """

    def __init__(self, ctx: DeskContext, alive: Callable[[], bool]) -> None:
        self._ctx = ctx
        self._alive = alive
        #: The online gateway of the school, kept from the first start to the last job.
        self.gateway: OnlineGateway | None = None
        #: The gateway staff chose (None: the school's first).
        self.gateway_name: str | None = None
        #: ``"qr"`` (a code on the screen) or ``"push"`` (sent to the student's app).
        self.flow = "qr"
        self._jobs = 0
        self._running_tags: list[str] = []

    def running(self, tag: str) -> bool:
        """Whether a job of this kind (``start``, ``poll``, …) runs now."""
        return tag in self._running_tags

    def choose(self, student_no: str, on_success: Success, on_failure: Failure) -> None:
        """The student's open invoices (a :class:`Choices`)."""
        ctx = self._ctx
        self._run(lambda: choices_job(ctx, student_no), on_success, on_failure, "choose")

    def start(self, invoice_no: str, dpr: float, on_success: Success, on_failure: Failure) -> None:
        """Make the checkout for ``invoice_no`` (a :class:`Started`, or :class:`Blocked`), its
        QR image drawn for a screen of device pixel ratio ``dpr``."""
        self.start_as(invoice_no, dpr, on_success, on_failure, None)

    def start_as(
        self,
        invoice_no: str,
        dpr: float,
        on_success: Success,
        on_failure: Failure,
        replace_attempt: str | None,
    ) -> None:
        """As :meth:`start`, in :attr:`flow` through :attr:`gateway_name`, cancelling the
        open checkout ``replace_attempt`` first (the QR code a push replaces)."""
        ctx, gateway, name, flow = self._ctx, self.gateway, self.gateway_name, self.flow

        def started(result: Started | Blocked) -> None:
            self.gateway = result.gateway
            on_success(result)

        self._run(
            lambda: start_job(ctx, invoice_no, gateway, dpr, name, flow, replace_attempt),
            started,
            on_failure,
            "start",
        )

    def poll(self, attempt_id: str, on_success: Success, on_failure: Failure) -> None:
        """Ask the provider how the checkout stands (a :class:`Status`); nothing without a
        gateway (no checkout was started)."""
        ctx, gateway = self._ctx, self.gateway
        if gateway is not None:
            self._run(lambda: poll_job(ctx, gateway, attempt_id), on_success, on_failure, "poll")

    def cancel(self, attempt_id: str, on_success: Success, on_failure: Failure) -> None:
        """Expire the checkout at the provider (a :class:`Status`: it may have been paid just
        before); nothing without a gateway (no checkout was started)."""
        ctx, gateway = self._ctx, self.gateway
        if gateway is not None:
            self._run(
                lambda: cancel_job(ctx, gateway, attempt_id), on_success, on_failure, "cancel"
            )

    def send_link(
        self,
        attempt_id: str,
        channel: str,
        to: str | None,
        on_success: Success,
        on_failure: Failure,
    ) -> None:
        """Send the checkout's link by ``sms`` or ``email`` (a ``LinkSent``, or
        :class:`NeedsRecipient` when the student has no number or address on file)."""
        # Each call is a new message: a press after the answer is a deliberate "send it
        # again" (the student did not get it).
        key = str(uuid.uuid4())
        ctx = self._ctx
        self._run(
            lambda: link_job(ctx, attempt_id, channel, to, key), on_success, on_failure, "link"
        )

    def release(self) -> None:
        """The dialog has closed: close the gateway now, or when the last job has ended."""
        if self._jobs == 0:
            self._release_gateway()

    def _run(
        self, fn: Callable[[], Any], on_success: Success, on_failure: Failure, tag: str
    ) -> Task:
        """Start background work whose answer is dropped once the dialog has closed."""
        self._jobs += 1
        self._running_tags.append(tag)

        ended = [False]

        def end_tag() -> None:
            # Once its answer is in, the job no longer runs as far as the dialog is concerned:
            # a "Prøv igen" pressed right after a refusal starts again.
            if not ended[0]:
                ended[0] = True
                self._running_tags.remove(tag)

        def ok(result: Any) -> None:
            end_tag()
            if self._alive():
                on_success(result)

        def bad(exc: BaseException) -> None:
            end_tag()
            if self._alive():
                on_failure(exc)

        def done() -> None:
            self._jobs -= 1
            end_tag()
            if not self._alive() and self._jobs == 0:
                self._release_gateway()

        return run_task(fn, on_success=ok, on_failure=bad, on_finished=done, tag=f"qr-{tag}")

    def _release_gateway(self) -> None:
        gateway, self.gateway = self.gateway, None
        if gateway is not None:
            run_task(partial(close_gateway, gateway), tag="qr-close-gateway")
