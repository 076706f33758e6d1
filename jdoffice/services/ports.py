"""What the use cases need from storage, stated as protocols.

``jdoffice.adapters`` implements them with SQLAlchemy; a test may implement them in memory.
Repositories speak in domain records (``jdoffice.domain.model``), never in rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, Self

from jdoffice.domain.debtors import OwedRow
from jdoffice.domain.errors import Conflict, Unavailable
from jdoffice.domain.exported import Delivered, ExportRecord
from jdoffice.domain.integrity import Inconsistency
from jdoffice.domain.model import (
    Allocation,
    Attempt,
    AuditEntry,
    FlaggedConfirmation,
    Invoice,
    Payment,
    Receipt,
    Refund,
    School,
    Student,
)
from jdoffice.domain.notification import NewNotification, Notification, NotificationStatus
from jdoffice.domain.payouts import Match, StoredItem, StoredPayout
from jdoffice.domain.reminders import Reminder
from jdoffice.domain.search import SearchQuery

# Search results are read without the rest of the ports (the command line's quick path).
from jdoffice.domain.search import StudentHit as StudentHit
from jdoffice.domain.shifts import Movement, Shift
from jdoffice.domain.staff import Role, StaffMember
from jdoffice.services.gateways import RefundNotice
from jdoffice.services.notification_settings import NotificationOverride, NotificationSettings
from jdoffice.services.payout_contract import ProviderPayout, SettlementItem
from jdoffice.services.settings import SettingsOverride


class DuplicateKey(Conflict):
    """A row with the same idempotency key (or unique number) was written meanwhile."""


class TransientConflict(Conflict):
    """A deadlock or serialization failure: the whole unit of work may simply be retried."""


class ConnectionLost(Unavailable):
    """The server ended the connection before the unit of work committed: it rolled the work
    back, so the whole unit of work may simply be run again, on a new connection."""


@dataclass(frozen=True, slots=True)
class NewSchool:
    slug: str
    name: str
    address: str = ""
    cvr: str = ""
    phone: str = ""
    email: str = ""
    currency: str = "DKK"
    timezone: str = "Europe/Copenhagen"


class SchoolRepository(Protocol):
    def get_by_slug(self, slug: str) -> School | None: ...
    def get(self, school_id: int) -> School | None: ...
    def all(self) -> list[School]: ...
    def add(self, school: NewSchool, now: dt.datetime) -> School: ...
    def update_header(
        self, school_id: int, *, name: str, address: str, cvr: str, now: dt.datetime
    ) -> School | None:
        """Change what receipts print about the school (locks the row); None if it is gone."""
        ...


class StudentRepository(Protocol):
    def get(self, student_id: int) -> Student | None: ...
    def get_by_no(self, school_id: int, student_no: str) -> Student | None: ...
    def lock(self, student_id: int) -> Student | None:
        """Serialize money-affecting work per student (``FOR UPDATE`` on its row); the
        student as it is now, read in the same round trip (``None``: no such student)."""
        ...

    def lock_by_invoice_no(self, school_id: int, invoice_no: str) -> Student | None:
        """The student the school's invoice ``invoice_no`` belongs to, locked, as it is now
        (in one round trip); ``None`` for an unknown invoice."""
        ...

    def lock_by_no(self, school_id: int, student_no: str) -> Student | None:
        """:meth:`get_by_no` with the row locked, in one round trip."""
        ...

    def count(self, school_id: int) -> int: ...
    def numbers(self, student_ids: Sequence[int]) -> dict[int, str]:
        """Student numbers by id, in as few queries as the list allows (the books)."""
        ...


class InvoiceRepository(Protocol):
    def get_by_no(self, school_id: int, invoice_no: str) -> Invoice | None: ...
    def for_student(self, student_id: int) -> list[Invoice]: ...
    def lock(self, invoice_ids: Sequence[int]) -> list[Invoice]:
        """Lock the rows (in id order) and return them as they are now."""
        ...

    def lock_for_student(self, student_id: int) -> list[Invoice]: ...
    def lock_by_no(self, school_id: int, invoice_no: str) -> Invoice | None:
        """The school's invoice ``invoice_no``, locked, as it is now."""
        ...

    def add_paid(self, invoice_id: int, delta_minor: int, now: dt.datetime) -> None: ...
    def issued(self, student_id: int) -> dict[int, dt.datetime]:
        """When each of the student's invoices was issued, by invoice id (the statement)."""
        ...

    def owed(self, school_id: int, currency: str) -> list[OwedRow]:
        """Every invoice of the school in ``currency`` with something outstanding (not
        cancelled, paid less than its amount), with its student (the debtor list)."""
        ...


class PaymentRepository(Protocol):
    def get(self, payment_id: str) -> Payment | None: ...
    def exists(self, payment_id: str) -> bool:
        """Whether a payment with this id is recorded (one indexed lookup)."""
        ...

    def lock(self, payment_id: str) -> Payment | None: ...
    def add(self, payment: Payment, allocations: Sequence[Allocation]) -> None:
        """Insert; raises :class:`DuplicateKey` when the id is taken."""
        ...

    def add_allocations(self, allocations: Sequence[Allocation], now: dt.datetime) -> None: ...

    def allocations(self, payment_id: str) -> list[Allocation]:
        """Every allocation row of a payment (refund reversals included), oldest first."""
        ...

    def allocations_of(self, payment_ids: Sequence[str]) -> dict[str, list[Allocation]]:
        """:meth:`allocations` of many payments at once (the books)."""
        ...

    def for_student(self, student_id: int) -> list[Payment]: ...
    def between(self, school_id: int, start: dt.datetime, end: dt.datetime) -> list[Payment]: ...
    def succeeded_between(
        self, school_id: int, start: dt.datetime, end: dt.datetime
    ) -> list[Payment]:
        """The succeeded payments of ``[start, end)``, read as plain rows (the books: many)."""
        ...

    def add_refunded(self, payment_id: str, delta_minor: int, now: dt.datetime) -> None: ...

    def by_provider_ref(self, method: str, provider_ref: str) -> Payment | None: ...
    def get_refund(self, refund_id: str) -> Refund | None: ...
    def lock_refund(self, refund_id: str) -> Refund | None: ...
    def refund_by_provider_ref(self, gateway: str, provider_ref: str) -> Refund | None: ...
    def update_refund(self, refund_id: str, now: dt.datetime, **fields: object) -> None:
        """Change columns of a refund (status, provider_ref, receipt_no, error)."""
        ...

    def pending_refunds_minor(self, payment_id: str) -> int: ...
    def pending_refunds(self, school_id: int, gateway: str) -> list[Refund]: ...
    def add_refund(self, refund: Refund, reversals: Sequence[Allocation]) -> None: ...
    def refunds_for_payment(self, payment_id: str) -> list[Refund]: ...
    def refunds_for_student(self, student_id: int) -> list[Refund]: ...
    def refunds_between(
        self, school_id: int, start: dt.datetime, end: dt.datetime
    ) -> list[Refund]: ...


class BalanceRepository(Protocol):
    def get(self, student_id: int) -> int: ...
    def add(self, student_id: int, school_id: int, delta_minor: int, now: dt.datetime) -> int:
        """Change the cached balance by ``delta_minor``; returns the new balance."""
        ...

    def recompute(self, student_id: int) -> int:
        """The balance from the rows: Σ invoices not cancelled − Σ payments + Σ refunds."""
        ...

    def store(
        self, student_id: int, school_id: int, balance_minor: int, now: dt.datetime
    ) -> None: ...


class ReceiptRepository(Protocol):
    def next_number(self, school_id: int, now: dt.datetime) -> int:
        """The next receipt number of a school. Locks the counter until commit, so numbers
        are gap-free: a rolled-back transaction gives its number back."""
        ...

    def add(self, receipt: Receipt) -> None: ...
    def get(self, school_id: int, receipt_no: int) -> Receipt | None: ...
    def mark_copy_printed(self, school_id: int, receipt_no: int, now: dt.datetime) -> int: ...
    def count_between(self, school_id: int, start: dt.datetime, end: dt.datetime) -> int: ...


class AuditLog(Protocol):
    def add(self, entry: AuditEntry) -> None: ...
    def for_entity(self, entity: str, entity_id: str) -> list[AuditEntry]: ...
    def listing(
        self,
        school_id: int,
        start: dt.datetime,
        end: dt.datetime,
        *,
        staff_id: int | None = None,
        student_id: int | None = None,
        limit: int = 1000,
    ) -> list[AuditEntry]:
        """The school's entries from ``start`` up to ``end``, oldest first: done or approved
        by ``staff_id``; about ``student_id``'s payments, refunds, online attempts and
        receipts. At most ``limit``."""
        ...


class AttemptRepository(Protocol):
    def add(self, attempt: Attempt) -> None: ...
    def get(self, attempt_id: str) -> Attempt | None: ...
    def lock(self, attempt_id: str) -> Attempt | None: ...
    def lock_by_provider_ref(self, gateway: str, provider_ref: str) -> Attempt | None: ...
    def latest_for_invoice(self, invoice_id: int, gateway: str) -> Attempt | None: ...
    def update(self, attempt_id: str, now: dt.datetime, **fields: object) -> None:
        """Change columns of an attempt (status, provider_ref, url, expires_at, payment_id,
        payment_ref, error, tries)."""
        ...

    def unsettled(self, school_id: int, limit: int) -> list[Attempt]:
        """Attempts that may still turn into a payment (pending, unknown, open, processing)."""
        ...


class ProviderEventLog(Protocol):
    def seen(self, gateway: str, event_id: str) -> bool: ...
    def seen_either(self, gateway: str, event_id: str, other_key: str) -> bool:
        """Whether the event was handled under ``event_id`` or under ``other_key``."""
        ...

    def add(
        self,
        gateway: str,
        event_id: str,
        school_id: int | None,
        type_: str,
        outcome: str,
        now: dt.datetime,
    ) -> None:
        """Record a handled event; raises :class:`DuplicateKey` if it was recorded meanwhile."""
        ...

    def cursor(self, school_id: int, gateway: str) -> tuple[str | None, int | None]: ...
    def save_cursor(
        self, school_id: int, gateway: str, event_id: str, created: int, now: dt.datetime
    ) -> None: ...


class FlagRepository(Protocol):
    def add(
        self,
        *,
        school_id: int | None,
        gateway: str,
        provider_ref: str,
        event_id: str,
        invoice_no: str,
        reason: str,
        amount_minor: int | None,
        currency: str,
        payload: dict[str, object] | None,
        now: dt.datetime,
    ) -> int: ...

    def unresolved(self, school_id: int) -> list[FlaggedConfirmation]: ...

    def find_unresolved(
        self, school_id: int | None, gateway: str, provider_ref: str, reason: str
    ) -> int | None:
        """The id of an unresolved flag saying the same thing about the same provider
        payment, if there is one."""
        ...

    def lock(self, flag_id: int, school_id: int) -> FlaggedConfirmation | None:
        """The school's flag, locked for this transaction; ``None`` for another school's."""
        ...

    def resolve(self, flag_id: int, now: dt.datetime) -> None: ...


class DeferredNotices(Protocol):
    """Provider notices about a payment not recorded yet (a refund that overtook its payment).

    Each is kept under the school whose secret verified it and handed back, once, when the
    payment it names is recorded."""

    def add(
        self, school_id: int, notice: RefundNotice, event_id: str, event_type: str, now: dt.datetime
    ) -> bool:
        """Keep a notice; False when the same event's notice for that refund is kept already."""
        ...

    def waiting(
        self, school_id: int, gateway: str, payment_ref: str | None = None, limit: int = 500
    ) -> list[tuple[int, RefundNotice, str]]:
        """Notices not applied yet (id, notice, event id), oldest first; for one payment when
        ``payment_ref`` is given."""
        ...

    def any_waiting(self, school_id: int, gateway: str, payment_ref: str) -> bool:
        """Whether any notice for this payment is not applied yet (one indexed lookup)."""
        ...

    def done(self, notice_id: int, outcome: str, now: dt.datetime) -> None: ...


class IntegrityChecks(Protocol):
    """The invariants checked against the rows (``jdoffice db check``)."""

    def find(
        self, school_id: int | None = None, student_id: int | None = None
    ) -> list[Inconsistency]:
        """Every inconsistency, of rows of one school, or touching one student."""
        ...


class SettingsRepository(Protocol):
    def get(self, school_id: int) -> SettingsOverride | None: ...
    def save(self, school_id: int, override: SettingsOverride, now: dt.datetime) -> None: ...


class NotificationRepository(Protocol):
    """The notification outbox and the schools' notification settings."""

    def add(self, notification: NewNotification, now: dt.datetime, *, fresh: bool = False) -> bool:
        """Queue a message; False (and nothing written) when one for the same kind, ref and
        channel is queued already. ``fresh``: the caller knows none can be (the ref is new in
        this transaction, e.g. a payment's id): nothing is asked first, and the unique key
        refuses a second one all the same."""
        ...

    def get(self, notification_id: int) -> Notification | None: ...
    def due(
        self,
        now: dt.datetime,
        limit: int,
        school_id: int | None = None,
        channels: Sequence[str] | None = None,
    ) -> list[int]:
        """Ids of messages to try now: pending, failed with a retry due, or sending with an
        expired lease; oldest first; only on ``channels`` when given."""
        ...

    def claim(self, notification_id: int, now: dt.datetime, lease_until: dt.datetime) -> bool:
        """Take a due message for sending (one sender wins); counts the attempt."""
        ...

    def finish(
        self,
        notification_id: int,
        now: dt.datetime,
        *,
        status: NotificationStatus,
        next_attempt_at: dt.datetime | None,
        error: str | None,
        provider_ref: str | None = None,
    ) -> None: ...

    def requeue_failed(self, school_id: int, now: dt.datetime) -> int:
        """Make every message that gave up due again; returns how many."""
        ...

    def for_ref(self, kind: str, ref: str) -> list[Notification]: ...
    def listing(
        self, school_id: int, statuses: Sequence[str] | None, limit: int
    ) -> list[Notification]: ...

    def settings(self, school_id: int) -> NotificationOverride | None: ...
    def save_settings(
        self, school_id: int, override: NotificationOverride, now: dt.datetime
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class NewStaff:
    """A staff account about to be added; the PIN is already an argon2id hash."""

    school_id: int
    initials: str
    name: str
    role: Role
    pin_hash: str


class StaffRepository(Protocol):
    """A school's staff accounts (issue 14). The PIN hash leaves the repository only through
    :meth:`credentials`, for the sign-in check."""

    def lock_roster(self, school_id: int) -> None:
        """Serialize changes to a school's staff (the first account, the last admin)."""
        ...

    def add(self, new: NewStaff, now: dt.datetime) -> StaffMember:
        """Insert; raises :class:`DuplicateKey` when the initials are taken meanwhile."""
        ...

    def get(self, school_id: int, staff_id: int) -> StaffMember | None: ...
    def by_initials(self, school_id: int, initials: str) -> StaffMember | None: ...
    def credentials(
        self, school_id: int, initials: str, *, lock: bool = False
    ) -> tuple[StaffMember, str] | None:
        """The account and its PIN hash (locked for this transaction when ``lock``)."""
        ...

    def listing(self, school_id: int, *, include_disabled: bool) -> list[StaffMember]: ...
    def count(self, school_id: int) -> int: ...
    def active_admins(self, school_id: int) -> int: ...
    def update(self, staff_id: int, now: dt.datetime, **fields: object) -> None:
        """Change columns of an account (name, role, active, pin_hash, failed_attempts,
        locked_until)."""
        ...


class BooksExportRepository(Protocol):
    """The exports of the books and the lines each delivered (issue 15)."""

    def exports(self, school_id: int) -> list[ExportRecord]:
        """Every export of the school, oldest first."""
        ...

    def delivered_since(self, school_id: int, day: dt.date) -> list[Delivered]:
        """Every line delivered (of any export) whose own date is ``day`` or later."""
        ...

    def delivered_by(self, school_id: int, export_id: int) -> list[Delivered]:
        """The lines an export delivered, in the order its file had them."""
        ...

    def delivered_for_repeat(
        self, school_id: int, export_id: int, day: dt.date
    ) -> tuple[list[Delivered], list[Delivered]]:
        """``(delivered_by(export_id), delivered_since(day))`` read once."""
        ...

    def add(self, record: ExportRecord, lines: Sequence[Delivered]) -> int:
        """Record an export (its ``id`` is ignored) and the lines it delivered; returns the
        new id. Raises :class:`DuplicateKey` when a line (that version of a row's line, or its
        reversal) was delivered already."""
        ...


class ShiftRepository(Protocol):
    """Desks' shifts, their pay-ins and pay-outs, and the money rows in a shift's window."""

    def add(self, shift: Shift) -> None:
        """Insert an open shift; raises :class:`DuplicateKey` when the desk has one open."""
        ...

    def get(self, school_id: int, shift_id: str) -> Shift | None: ...
    def lock(self, school_id: int, shift_id: str) -> Shift | None: ...
    def open_at(self, school_id: int, desk: str, *, lock: bool = False) -> Shift | None:
        """The desk's open shift, locked for this transaction when ``lock``."""
        ...

    def latest(self, school_id: int, desk: str) -> Shift | None:
        """The desk's most recently opened shift, open or closed."""
        ...

    def by_z(self, school_id: int, desk: str, z_no: int) -> Shift | None: ...
    def next_z(self, school_id: int, desk: str) -> int:
        """One past the highest Z number the desk has used."""
        ...

    def between(self, school_id: int, start: dt.datetime, end: dt.datetime) -> list[Shift]:
        """Every desk's shifts opened in ``[start, end)``, oldest first."""
        ...

    def update(self, shift_id: str, now: dt.datetime, **fields: object) -> None:
        """Change columns of a shift (open_desk, closed_at, closed_by_id, z_no, counted,
        expected and variance, note, report)."""
        ...

    def add_movement(self, movement: Movement) -> None:
        """Insert; raises :class:`DuplicateKey` when the id is taken."""
        ...

    def get_movement(self, movement_id: str) -> Movement | None: ...
    def movements(self, shift_id: str) -> list[Movement]: ...
    def payments_at(
        self, school_id: int, desk: str, start: dt.datetime, end: dt.datetime | None
    ) -> list[Payment]:
        """The desk's payments made in ``[start, end)`` (``end`` None: up to now)."""
        ...

    def refunds_at(
        self, school_id: int, desk: str, start: dt.datetime, end: dt.datetime | None
    ) -> list[tuple[Refund, str]]:
        """The desk's refunds made in ``[start, end)``, each with its payment's method."""
        ...


class ReminderRepository(Protocol):
    def add(self, reminder: Reminder, now: dt.datetime) -> None:
        """Raises :class:`DuplicateKey` for a second reminder about the invoice that day."""
        ...

    def last_sent(self, school_id: int, invoice_ids: Sequence[int]) -> dict[int, dt.datetime]:
        """When each of these invoices was last reminded by a reminder whose message was sent
        or may still be (never so reminded: left out)."""
        ...

    def sent_since(self, school_id: int, since: dt.datetime) -> dict[int, dt.datetime]:
        """The school's invoices reminded at or after ``since`` by a reminder whose message
        was sent or may still be, with their latest."""
        ...

    def made_on(self, school_id: int, day: dt.date, invoice_ids: Sequence[int]) -> set[int]:
        """Those of these invoices with a reminder on ``day``, whatever became of it."""
        ...

    def names_attempt(self, school_id: int, invoice_id: int, attempt_id: str) -> bool:
        """Whether a reminder about the invoice carries the link of ``attempt_id``."""
        ...

    def for_student(self, school_id: int, student_id: int) -> list[Reminder]: ...


class PayoutRepository(Protocol):
    """Provider payouts and the items they settle (issue 15), per school."""

    def latest_created(self, school_id: int, gateway: str) -> dt.datetime | None:
        """When the newest stored payout of the gateway was created at the provider."""
        ...

    def get(self, school_id: int, gateway: str, ref: str) -> StoredPayout | None: ...
    def unsettled(self, school_id: int, gateway: str) -> list[StoredPayout]:
        """Payouts not final yet, or whose items are not all stored: fetched again."""
        ...

    def add(self, school_id: int, p: ProviderPayout, now: dt.datetime) -> int:
        """Insert; raises :class:`DuplicateKey` when the school has it already."""
        ...

    def update(self, payout_id: int, **fields: object) -> None:
        """Change columns of a payout (status, amount_minor, arrival_date, items_stored,
        transferred, note)."""
        ...

    def stored_item_refs(self, school_id: int, gateway: str, refs: Sequence[str]) -> set[str]:
        """Which of ``refs`` the school has stored already."""
        ...

    def add_item(
        self,
        school_id: int,
        payout_id: int,
        item: SettlementItem,
        *,
        match: Match,
        payment_id: str | None,
        refund_id: str | None,
        reason: str,
        now: dt.datetime,
    ) -> None:
        """Insert; raises :class:`DuplicateKey` when the school has it already."""
        ...

    def set_match(
        self,
        item_id: int,
        *,
        match: Match,
        payment_id: str | None,
        refund_id: str | None,
        reason: str,
    ) -> None: ...

    def listing(self, school_id: int, limit: int) -> list[StoredPayout]:
        """The school's payouts, newest first."""
        ...

    def arriving_between(self, school_id: int, start: dt.date, end: dt.date) -> list[StoredPayout]:
        """The school's payouts arriving on the days ``start`` to ``end`` (both included)."""
        ...

    def items(
        self,
        school_id: int,
        *,
        payout_ids: Sequence[int] | None = None,
        unmatched_only: bool = False,
        limit: int = 10_000,
        newest_first: bool = False,
    ) -> list[StoredItem]:
        """The school's items (of ``payout_ids`` when given; only those listed for staff,
        unmatched or another school's, with ``unmatched_only``), oldest first (or newest)."""
        ...

    def with_ref(self, school_id: int, ref: str) -> list[StoredPayout]:
        """The school's payouts (of any gateway) with the provider id ``ref``."""
        ...

    def count_listed(self, school_id: int) -> int:
        """How many of the school's items are listed for staff (unmatched or another
        school's)."""
        ...

    def waiting(
        self, school_id: int, gateway: str, kinds: Sequence[str], *, after_id: int, limit: int
    ) -> list[StoredItem]:
        """The school's items of ``gateway`` and ``kinds`` that match nothing yet, by id from
        ``after_id`` on (at most ``limit``)."""
        ...


class UnitOfWork(Protocol):
    """One database transaction and the repositories that work inside it.

    Used as a context manager; leaving it without :meth:`commit` rolls back.
    """

    @property
    def schools(self) -> SchoolRepository: ...
    @property
    def students(self) -> StudentRepository: ...
    @property
    def invoices(self) -> InvoiceRepository: ...
    @property
    def payments(self) -> PaymentRepository: ...
    @property
    def balances(self) -> BalanceRepository: ...
    @property
    def receipts(self) -> ReceiptRepository: ...
    @property
    def audit(self) -> AuditLog: ...
    @property
    def attempts(self) -> AttemptRepository: ...
    @property
    def events(self) -> ProviderEventLog: ...
    @property
    def flags(self) -> FlagRepository: ...
    @property
    def deferred(self) -> DeferredNotices: ...
    @property
    def settings(self) -> SettingsRepository: ...
    @property
    def integrity(self) -> IntegrityChecks: ...
    @property
    def notifications(self) -> NotificationRepository: ...
    @property
    def staff(self) -> StaffRepository: ...
    @property
    def shifts(self) -> ShiftRepository: ...
    @property
    def reminders(self) -> ReminderRepository: ...
    @property
    def payouts(self) -> PayoutRepository: ...
    @property
    def books(self) -> BooksExportRepository: ...
    @property
    def notification_defaults(self) -> NotificationSettings:
        """The global notification settings (config file, environment) a school's own
        choices are laid over."""
        ...

    def search_students(
        self, school_id: int, query: SearchQuery, limit: int, *, enough: int | None = None
    ) -> list[StudentHit]:
        """:meth:`StudentRepository.search` as reads on their own, used outside a ``with``
        block: a statement per plan of the query (:attr:`SearchQuery.plans`), each seeing one
        consistent state of the rows, without the cost of a session and a transaction around
        it (search runs on every keystroke). The plans stop at the first that finds
        ``enough`` students (default ``limit``)."""
        ...

    def event_handled(self, gateway: str, event_id: str, other_key: str) -> bool:
        """:meth:`ProviderEventLog.seen_either` as a read on its own, used outside a ``with``
        block: one indexed lookup without a session or a transaction around it, the whole
        database cost of a provider's redelivery."""
        ...

    def send_ahead(self) -> None:
        """From here until the commit, writes go to the database without waiting for each
        answer where it can (PostgreSQL: the writes and the commit in one round trip), for
        the last statements of a transaction that holds a lock every desk needs. Reading
        still works (it waits for the answers so far). An error of any of these writes comes
        out of the next read or of :meth:`commit` at the latest, as it would have from the
        write."""
        ...

    def write(self) -> Self:
        """Make the next ``with`` block a writing transaction (takes the write lock at once
        where the database needs that, e.g. ``BEGIN IMMEDIATE`` on SQLite)."""
        ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
