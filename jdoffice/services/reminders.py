"""Reminders about overdue invoices (issue 15), by SMS or e-mail through the outbox.

:func:`remind` looks at the school's overdue invoices (those at least ``overdue_days``
overdue, or the ones staff chose in the debtor list), decides for each whether it may be
reminded now (see :mod:`jdoffice.domain.reminders`), and for each that may: makes its
payment link through the school's default online gateway (the one start path,
:func:`jdoffice.services.online_start.start_online_payment`; none when the school takes no
online payments: the message then says how to pay at the office or by bank transfer),
records the reminder, queues the message and audits it in one transaction under the
invoice's row lock, and then sends what it queued.

Two desks pressing at the same moment send one reminder: the second waits for the first's
lock, then finds its reminder within the interval; the database's unique key (one reminder
about an invoice per school day) is the last word.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Final

from jdoffice.domain.debtors import OwedRow
from jdoffice.domain.errors import BusinessRuleError, InvalidInput, JdofficeError
from jdoffice.domain.model import Actor, AuditEntry, School, Student, new_id
from jdoffice.domain.notification import NewNotification, NotificationKind, NotificationStatus
from jdoffice.domain.receipt_text import date_text
from jdoffice.domain.reminders import (
    DEFAULT_INTERVAL_DAYS,
    Reminder,
    check_channel,
    check_interval,
    check_overdue_days,
    next_allowed,
    too_soon,
)
from jdoffice.domain.staff import Action
from jdoffice.services.gateways import OnlineGateway
from jdoffice.services.notification_choices import effective_settings
from jdoffice.services.notification_dispatch import dispatch_due
from jdoffice.services.notification_links import link_expiry_text
from jdoffice.services.notification_ports import CHANNEL_NAMES, Transports, utcnow
from jdoffice.services.notification_queue import recipient_of
from jdoffice.services.notification_settings import NotificationOverride
from jdoffice.services.online_start import start_online_payment
from jdoffice.services.online_view import AttemptView
from jdoffice.services.ports import DuplicateKey, UnitOfWork
from jdoffice.services.settings import PaymentSettings
from jdoffice.services.staff import acting

log = logging.getLogger("jdoffice.services.notifications")

#: Where the school's reminder settings are kept among its stored texts (next to "receipt").
REMINDERS_KEY: Final = "reminders"
#: A reminder's link lives this long (Stripe's sessions live at most 24 hours; a retry of the
#: same request later must still be inside that).
LINK_MINUTES: Final = 23 * 60
#: An open payment is reused for a reminder's link only while it has this long to live.
LINK_REUSE_MARGIN: Final = dt.timedelta(hours=12)

#: What a line's ``status`` says.
SENT, QUEUED, WOULD_SEND, SKIPPED = "sent", "queued", "would_send", "skipped"

#: Why a line was skipped (or waits), as :attr:`ReminderLine.code` names it.
REASONS: Final = (
    "not_owed",
    "not_overdue",
    "too_soon",
    "credit",
    "no_recipient",
    "no_link",
    "paid_meanwhile",
    "reminded_meanwhile",
    "amount_changed",
    "outbox",
)

#: Why an invoice whose reminder today reached nobody waits until tomorrow.
TODAY_UNDELIVERED: Final = (
    "reminded today, but the message was not delivered; the next reminder can go tomorrow"
)

#: Makes the payment link of an invoice (its number): an open online payment.
LinkMaker = Callable[[str], AttemptView]


@dataclass(frozen=True, slots=True)
class ReminderLine:
    """One overdue invoice the run looked at: sent, queued (it waits in the outbox and is
    tried again), would be sent (a dry run) or skipped, with the reason."""

    student_no: str
    name: str
    invoice_no: str
    due_date: dt.date
    days_overdue: int
    amount_minor: int
    currency: str
    channel: str
    recipient: str
    status: str
    reason: str = ""
    url: str = ""
    reminder_id: str | None = None
    #: The reason as a word a front end can say in its own language (see :data:`REASONS`).
    code: str = ""

    @property
    def counts_as_sent(self) -> bool:
        return self.status in (SENT, QUEUED, WOULD_SEND)


@dataclass(frozen=True, slots=True)
class RemindResult:
    """What a run did (or, on a dry run, would do)."""

    school: School
    channel: str
    dry_run: bool
    interval_days: int
    #: Whether the messages carry a payment link (the school takes online payments).
    with_link: bool
    lines: tuple[ReminderLine, ...]

    @property
    def sent(self) -> int:
        return sum(1 for line in self.lines if line.counts_as_sent)

    @property
    def skipped(self) -> int:
        return len(self.lines) - self.sent

    def reasons(self) -> dict[str, int]:
        """How many were skipped for each reason."""
        out: dict[str, int] = {}
        for line in self.lines:
            if not line.counts_as_sent:
                out[line.reason] = out.get(line.reason, 0) + 1
        return out


def online_link(
    uow: UnitOfWork,
    school: School,
    gateway: OnlineGateway,
    settings: PaymentSettings,
    actor: Actor,
) -> LinkMaker:
    """The link maker of a reminder: an online payment of what is owed on the invoice
    through ``gateway``, living :data:`LINK_MINUTES` (an open one with at least
    :data:`LINK_REUSE_MARGIN` left is reused when an earlier reminder sent it, never the
    desk's QR payment), started by the one start path."""
    own = dataclasses.replace(settings, checkout_expiry_minutes=LINK_MINUTES)

    def link(invoice_no: str) -> AttemptView:
        return start_online_payment(
            uow,
            school,
            gateway,
            own,
            invoice_no=invoice_no,
            actor=actor,
            reuse_margin=LINK_REUSE_MARGIN,
            for_reminder=True,
        )

    return link


# --- the school's interval --------------------------------------------------------------------


def reminder_interval(uow: UnitOfWork, school: School) -> int:
    """Days between two reminders about the same invoice at the school (inside the caller's
    transaction)."""
    override = uow.notifications.settings(school.id)
    stored = (override.templates or {}).get(REMINDERS_KEY, {}) if override else {}
    try:
        return check_interval(int(stored.get("interval_days", DEFAULT_INTERVAL_DAYS)))
    except (TypeError, ValueError, InvalidInput):
        # A value another system wrote without our rules: the default, never an error.
        return DEFAULT_INTERVAL_DAYS


def update_reminder_interval(
    uow: UnitOfWork, school: School, days: int, *, actor: Actor, now: dt.datetime | None = None
) -> int:
    """Set the days between two reminders about the same invoice (a manager's setting);
    audited as ``school.reminders_changed``.

    Raises:
        InvalidInput: fewer than 1 or more than 365 days.
        NotAllowed: not a manager.
    """
    wanted = check_interval(days)
    when = now or utcnow()
    with uow.write():
        actor = acting(uow, school, Action.SETTINGS, actor)
        before = reminder_interval(uow, school)
        if before == wanted:
            return before
        override = uow.notifications.settings(school.id) or NotificationOverride()
        templates = {k: dict(v) for k, v in (override.templates or {}).items()}
        templates[REMINDERS_KEY] = {"interval_days": str(wanted)}
        uow.notifications.save_settings(
            school.id, dataclasses.replace(override, templates=templates), when
        )
        uow.audit.add(
            AuditEntry(
                school_id=school.id,
                action="school.reminders_changed",
                entity="school",
                entity_id=school.slug,
                actor=actor,
                at=when,
                before={"interval_days": before},
                after={"interval_days": wanted},
            )
        )
        uow.commit()
    return wanted


# --- the run ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Candidate:
    row: OwedRow
    days_overdue: int
    recipient: str
    student: Student


def _line(
    row: OwedRow,
    days: int,
    currency: str,
    channel: str,
    recipient: str,
    status: str,
    reason: str = "",
    code: str = "",
) -> ReminderLine:
    return ReminderLine(
        student_no=row.student_no,
        name=f"{row.first_name} {row.last_name}".strip(),
        invoice_no=row.invoice_no,
        due_date=row.due_date,
        days_overdue=max(days, 0),
        amount_minor=row.outstanding_minor,
        currency=currency,
        channel=channel,
        recipient=recipient,
        status=status,
        reason=reason,
        code=code,
    )


def remind(
    uow: UnitOfWork,
    school: School,
    transports: Transports,
    *,
    channel: str,
    actor: Actor,
    overdue_days: int | None = None,
    invoice_nos: Collection[str] | None = None,
    dry_run: bool = False,
    link: LinkMaker | None = None,
    online: bool | None = None,
    now: dt.datetime | None = None,
) -> RemindResult:
    """Remind students of their overdue invoices by ``channel`` (``sms`` or ``email``).

    Looks at the invoices at least ``overdue_days`` overdue, or at ``invoice_nos`` (the ones
    staff chose; those not overdue are skipped with the reason). ``link`` makes an invoice's
    payment link (None: the school takes no online payments, and the message says how to pay
    without one). A ``dry_run`` lists what would be sent and changes nothing; ``online``
    says whether the messages would carry a link (default: whether ``link`` is given).

    Raises:
        InvalidInput: an unknown channel, days out of range, neither or both selections.
        BusinessRuleError: the channel is off for the school.
        NotAllowed: (not on a dry run) nobody signed in, or a role without reminders.
    """
    check_channel(channel)
    if (overdue_days is None) == (invoice_nos is None):
        raise InvalidInput("give the days overdue or the invoices to remind about")
    if overdue_days is not None:
        check_overdue_days(overdue_days)
    when = now or utcnow()
    today = school.local_date(when)
    what = CHANNEL_NAMES[channel]
    wanted = {n.strip() for n in invoice_nos or () if n.strip()}
    with uow:
        if not dry_run:
            acting(uow, school, Action.REMIND, actor)
        settings = effective_settings(uow, school)
        if not settings.enabled(channel):
            raise BusinessRuleError(
                f"{what} is off for {school.name}: turn it on with "
                f"`jdoffice school notifications --{channel} on` (or the environment)"
            )
        interval = reminder_interval(uow, school)
        rows = [
            r
            for r in uow.invoices.owed(school.id, school.currency)
            if (r.invoice_no in wanted if invoice_nos is not None else True)
        ]
        # Only reminders inside the interval matter: a bounded read, however many invoices.
        last = uow.reminders.sent_since(school.id, when - dt.timedelta(days=interval))
        # One whose message reached nobody does not count, but the database keeps one
        # reminder per invoice per day.
        made_today = uow.reminders.made_on(school.id, today, [r.invoice_id for r in rows])
    lines: list[ReminderLine] = []
    candidates: list[_Candidate] = []
    found = {r.invoice_no for r in rows}
    for missing in sorted(wanted - found):
        lines.append(
            ReminderLine(
                student_no="",
                name="",
                invoice_no=missing,
                due_date=today,
                days_overdue=0,
                amount_minor=0,
                currency=school.currency,
                channel=channel,
                recipient="",
                status=SKIPPED,
                reason="nothing is outstanding on it (paid, cancelled or not this school's)",
                code="not_owed",
            )
        )
    for r in sorted(rows, key=lambda r: (r.due_date, r.student_no, r.invoice_no)):
        days = (today - r.due_date).days
        if overdue_days is not None and days < overdue_days:
            continue
        student = Student(
            id=r.student_id,
            school_id=school.id,
            student_no=r.student_no,
            first_name=r.first_name,
            last_name=r.last_name,
            phone=r.phone,
            email=r.email,
        )
        recipient, note = recipient_of(student, channel)
        reason, code = "", ""
        if days <= 0:
            reason, code = "not overdue yet", "not_overdue"
        elif too_soon(last.get(r.invoice_id), interval, when):
            again = school.local_date(next_allowed(last[r.invoice_id], interval))
            reason = (
                f"reminded {date_text(school.local_date(last[r.invoice_id]), 'en')}; "
                f"not again before {date_text(again, 'en')} (every {interval} days)"
            )
            code = "too_soon"
        elif r.invoice_id in made_today:
            reason, code = TODAY_UNDELIVERED, "too_soon"
        elif r.balance_minor is not None and r.balance_minor <= 0:
            reason, code = "the student's credit on account covers it", "credit"
        elif not recipient:
            reason, code = note or f"no {what} recipient", "no_recipient"
        if reason:
            lines.append(_line(r, days, school.currency, channel, recipient, SKIPPED, reason, code))
        elif dry_run:
            lines.append(_line(r, days, school.currency, channel, recipient, WOULD_SEND))
        else:
            candidates.append(_Candidate(r, days, recipient, student))
    sent: dict[str, ReminderLine] = {}
    for c in candidates:
        line = _send_one(uow, school, c, channel, actor, interval, link, settings.language, when)
        lines.append(line)
        if line.reminder_id is not None:
            sent[line.reminder_id] = line
    if sent:
        lines = _dispatch(uow, school, transports, lines, sent, now)
    return RemindResult(
        school=school,
        channel=channel,
        dry_run=dry_run,
        interval_days=interval,
        with_link=link is not None if online is None else online,
        lines=tuple(lines),
    )


def _send_one(
    uow: UnitOfWork,
    school: School,
    c: _Candidate,
    channel: str,
    actor: Actor,
    interval: int,
    link: LinkMaker | None,
    language: str,
    when: dt.datetime,
) -> ReminderLine:
    """Make the link, then record, queue and audit one reminder under the invoice's lock."""
    r = c.row

    def skipped(reason: str, code: str) -> ReminderLine:
        return _line(
            r, c.days_overdue, school.currency, channel, c.recipient, SKIPPED, reason, code
        )

    view: AttemptView | None = None
    if link is not None:
        try:
            view = link(r.invoice_no)
        except JdofficeError as exc:
            # Nothing was recorded: the next run tries this invoice again.
            return skipped(f"no payment link: {exc}", "no_link")
    reminder_id = new_id()
    try:
        with uow.write():
            actor = acting(uow, school, Action.REMIND, actor)
            uow.students.lock(r.student_id)
            [invoice] = uow.invoices.lock([r.invoice_id])
            owed = invoice.outstanding_minor
            if owed <= 0:
                return skipped("paid meanwhile", "paid_meanwhile")
            previous = uow.reminders.last_sent(school.id, [invoice.id]).get(invoice.id)
            if too_soon(previous, interval, when):
                return skipped("already reminded meanwhile (another desk)", "reminded_meanwhile")
            if uow.reminders.made_on(school.id, school.local_date(when), [invoice.id]):
                return skipped(TODAY_UNDELIVERED, "too_soon")
            if view is not None and view.amount_minor != owed:
                return skipped(
                    "the amount owed changed while the link was made; try again", "amount_changed"
                )
            url = (view.url or "") if view is not None else ""
            uow.reminders.add(
                Reminder(
                    id=reminder_id,
                    school_id=school.id,
                    student_id=r.student_id,
                    invoice_id=invoice.id,
                    invoice_no=invoice.invoice_no,
                    channel=channel,
                    recipient=c.recipient,
                    amount_minor=owed,
                    currency=invoice.currency,
                    reminded_on=school.local_date(when),
                    sent_at=when,
                    attempt_id=view.attempt_id if view is not None else None,
                    actor=actor,
                ),
                when,
            )
            uow.notifications.add(
                NewNotification(
                    school_id=school.id,
                    student_id=r.student_id,
                    kind=NotificationKind.REMINDER,
                    ref=reminder_id,
                    channel=channel,
                    recipient=c.recipient,
                    language=language,
                    status=NotificationStatus.PENDING,
                    payload={
                        "invoice_no": invoice.invoice_no,
                        "amount_minor": owed,
                        "currency": invoice.currency,
                        "due": date_text(invoice.due_date, language),
                        "url": url,
                        "attempt_id": view.attempt_id if view is not None else None,
                        "expires": link_expiry_text(
                            view.expires_at if view is not None else None, school, language
                        ),
                    },
                    next_attempt_at=when,
                ),
                when,
            )
            uow.audit.add(
                AuditEntry(
                    school_id=school.id,
                    action="reminder.sent",
                    entity="reminder",
                    entity_id=reminder_id,
                    actor=actor,
                    at=when,
                    after={
                        "invoice_no": invoice.invoice_no,
                        "student_no": r.student_no,
                        "channel": channel,
                        "recipient": c.recipient,
                        "amount_minor": owed,
                        "currency": invoice.currency,
                        "attempt_id": view.attempt_id if view is not None else None,
                    },
                )
            )
            uow.commit()
    except DuplicateKey:
        # Another desk recorded its reminder about the invoice the same day between our
        # look and our lock: the database's unique key kept it to one.
        return skipped("already reminded meanwhile (another desk)", "reminded_meanwhile")
    log.info("reminder %s about %s queued by %s", reminder_id, r.invoice_no, channel)
    return dataclasses.replace(
        _line(r, c.days_overdue, school.currency, channel, c.recipient, QUEUED),
        amount_minor=owed,
        url=url,
        reminder_id=reminder_id,
    )


def _dispatch(
    uow: UnitOfWork,
    school: School,
    transports: Transports,
    lines: list[ReminderLine],
    queued: Mapping[str, ReminderLine],
    now: dt.datetime | None,
) -> list[ReminderLine]:
    """Send what was queued now; what cannot go now stays ``queued`` with the reason (the
    outbox tries it again)."""
    try:
        result = dispatch_due(uow, school, transports, refs=list(queued), now=now)
    except JdofficeError as exc:
        log.warning("reminders not sent now, they wait in the outbox: %s", exc)
        return [
            dataclasses.replace(line, reason=f"waits in the outbox: {exc}", code="outbox")
            if line.reminder_id in queued
            else line
            for line in lines
        ]
    outcomes = {o.ref: o for o in result.outcomes}
    out: list[ReminderLine] = []
    for line in lines:
        o = outcomes.get(line.reminder_id or "")
        if o is None:
            if line.reminder_id in queued:
                line = dataclasses.replace(line, reason="waits in the outbox", code="outbox")
            out.append(line)
        elif o.status is NotificationStatus.SENT:
            out.append(dataclasses.replace(line, status=SENT))
        elif o.status is NotificationStatus.SKIPPED:
            out.append(
                dataclasses.replace(
                    line,
                    status=SKIPPED,
                    reason=o.error or "skipped",
                    code="paid_meanwhile" if o.error == "the invoice is paid" else "amount_changed",
                )
            )
        else:
            out.append(dataclasses.replace(line, reason=o.describe(), code="outbox"))
    return out
