"""The notification outbox and notification settings on SQLAlchemy (``notifications``,
``school_notification_settings``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, and_, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from jdoffice.adapters.orm import NotificationRow, NotificationSettingsRow
from jdoffice.adapters.repos.base import Repo
from jdoffice.adapters.tables import table_of
from jdoffice.domain.notification import (
    NewNotification,
    Notification,
    NotificationKind,
    NotificationStatus,
)
from jdoffice.services.notification_settings import NotificationOverride

_SETTINGS = table_of(NotificationSettingsRow)
#: A school's notification settings, read for every payment (its receipt details and whether a
#: confirmation is queued): built once, read as a row.
_SETTINGS_BY_SCHOOL = select(_SETTINGS).where(_SETTINGS.c.school_id == bindparam("school_id"))
#: The columns of the settings a school's override is made of, named as
#: :func:`override_from_row` reads them (``n_`` before each, so they can share a row with the
#: school's own columns: :meth:`jdoffice.adapters.repos.schools.SqlSchools.get`).
OVERRIDE_COLUMNS = tuple(
    _SETTINGS.c[name].label(f"n_{name}")
    for name in (
        "school_id",
        "email_enabled",
        "sms_enabled",
        "sender_name",
        "sender_address",
        "sms_sender",
        "language",
        "templates",
    )
)
SETTINGS_TABLE = _SETTINGS


def override_from_row(r: Any) -> NotificationOverride | None:
    """The override in a row of :data:`OVERRIDE_COLUMNS`; ``None`` when the school has none
    (the columns of an outer join that found no row)."""
    if r.n_school_id is None:
        return None
    return NotificationOverride(
        email_enabled=r.n_email_enabled,
        sms_enabled=r.n_sms_enabled,
        sender_name=r.n_sender_name,
        sender_address=r.n_sender_address,
        sms_sender=r.n_sms_sender,
        language=r.n_language,
        templates=r.n_templates or None,
    )


def _table() -> Table:
    table = NotificationRow.__table__
    assert isinstance(table, Table)
    return table


_n = _table()

_EXISTS = select(_n.c.id).where(
    _n.c.kind == bindparam("kind"),
    _n.c.ref == bindparam("ref"),
    _n.c.channel == bindparam("channel"),
)
_INSERT = insert(_n)
_CLAIMABLE = (
    NotificationStatus.PENDING.value,
    NotificationStatus.FAILED.value,
    NotificationStatus.SENDING.value,
)


def _notification(r: NotificationRow) -> Notification:
    return Notification(
        id=r.id,
        school_id=r.school_id,
        student_id=r.student_id,
        kind=NotificationKind(r.kind),
        ref=r.ref,
        channel=r.channel,
        recipient=r.recipient,
        language=r.language,
        status=NotificationStatus(r.status),
        attempts=r.attempts,
        created_at=r.created_at,
        updated_at=r.updated_at,
        next_attempt_at=r.next_attempt_at,
        last_error=r.last_error,
        sent_at=r.sent_at,
        provider_ref=r.provider_ref,
        payload=dict(r.payload or {}),
    )


class SqlNotifications(Repo):
    def __init__(self, session: Session) -> None:
        super().__init__(session)
        # The school's settings as this transaction read them (a payment reads them for its
        # receipt and for its confirmation); saving them here forgets the copy.
        self._settings: dict[int, NotificationOverride | None] = {}

    def add(self, notification: NewNotification, now: dt.datetime, *, fresh: bool = False) -> bool:
        # The caller holds the lock of what the message is about (the student's row), so
        # no second writer can slip in between this check and the insert; the unique key
        # stays the last word.
        n = notification
        if not fresh:
            params = {"kind": n.kind.value, "ref": n.ref, "channel": n.channel}
            if self.run(_EXISTS, params).first() is not None:
                return False
        self.run(
            _INSERT,
            {
                "school_id": n.school_id,
                "student_id": n.student_id,
                "kind": n.kind.value,
                "ref": n.ref[:64],
                "channel": n.channel,
                "recipient": n.recipient[:254],
                "language": n.language,
                "status": n.status.value,
                "attempts": 0,
                "next_attempt_at": n.next_attempt_at,
                "last_error": n.last_error[:500] if n.last_error else None,
                "sent_at": None,
                "provider_ref": None,
                "payload": dict(n.payload),
                "created_at": now,
                "updated_at": now,
            },
        )
        return True

    def get(self, notification_id: int) -> Notification | None:
        r = self.s.get(NotificationRow, notification_id, populate_existing=True)
        return _notification(r) if r is not None else None

    def due(
        self,
        now: dt.datetime,
        limit: int,
        school_id: int | None = None,
        channels: Sequence[str] | None = None,
    ) -> list[int]:
        stmt: Any = (
            select(_n.c.id)
            .where(_n.c.status.in_(_CLAIMABLE), _n.c.next_attempt_at <= now)
            .order_by(_n.c.next_attempt_at, _n.c.id)
            .limit(limit)
        )
        if school_id is not None:
            stmt = stmt.where(_n.c.school_id == school_id)
        if channels is not None:
            stmt = stmt.where(_n.c.channel.in_(list(channels)))
        return [int(i) for i in self.s.scalars(stmt)]

    def claim(self, notification_id: int, now: dt.datetime, lease_until: dt.datetime) -> bool:
        # Compare-and-set: of two senders claiming the same row, one changes it.
        res = self.s.execute(
            update(_n)
            .where(
                _n.c.id == notification_id,
                _n.c.status.in_(_CLAIMABLE),
                _n.c.next_attempt_at <= now,
            )
            .values(
                status=NotificationStatus.SENDING.value,
                next_attempt_at=lease_until,
                attempts=_n.c.attempts + 1,
                updated_at=now,
            )
        )
        return bool(getattr(res, "rowcount", 0))

    def finish(
        self,
        notification_id: int,
        now: dt.datetime,
        *,
        status: NotificationStatus,
        next_attempt_at: dt.datetime | None,
        error: str | None,
        provider_ref: str | None = None,
    ) -> None:
        values: dict[str, Any] = {
            "status": status.value,
            "next_attempt_at": next_attempt_at,
            "last_error": error[:500] if error else None,
            "updated_at": now,
        }
        if status is NotificationStatus.SENT:
            values["sent_at"] = now
            values["provider_ref"] = provider_ref[:255] if provider_ref else None
        self.s.execute(update(_n).where(_n.c.id == notification_id).values(**values))

    def requeue_failed(self, school_id: int, now: dt.datetime) -> int:
        res = self.s.execute(
            update(_n)
            .where(
                _n.c.school_id == school_id,
                _n.c.status == NotificationStatus.FAILED.value,
                or_(_n.c.next_attempt_at.is_(None), _n.c.next_attempt_at > now),
            )
            .values(next_attempt_at=now, updated_at=now)
        )
        return int(getattr(res, "rowcount", 0) or 0)

    def for_ref(self, kind: str, ref: str) -> list[Notification]:
        rows = self.s.scalars(
            select(NotificationRow)
            .where(and_(NotificationRow.kind == kind, NotificationRow.ref == ref))
            .order_by(NotificationRow.id)
            .execution_options(populate_existing=True)
        )
        return [_notification(r) for r in rows]

    def listing(
        self, school_id: int, statuses: Sequence[str] | None, limit: int
    ) -> list[Notification]:
        stmt = select(NotificationRow).where(NotificationRow.school_id == school_id)
        if statuses:
            stmt = stmt.where(NotificationRow.status.in_(list(statuses)))
        rows = self.s.scalars(
            stmt.order_by(NotificationRow.created_at.desc(), NotificationRow.id.desc())
            .limit(limit)
            .execution_options(populate_existing=True)
        )
        return [_notification(r) for r in rows]

    def prime(self, school_id: int, override: NotificationOverride | None) -> None:
        """Keep the settings another read of this transaction found (the school's row read
        with them), unless this transaction has read or saved its own since."""
        self._settings.setdefault(school_id, override)

    def settings(self, school_id: int) -> NotificationOverride | None:
        if school_id in self._settings:
            return self._settings[school_id]
        found = self._read_settings(school_id)
        self._settings[school_id] = found
        return found

    def _read_settings(self, school_id: int) -> NotificationOverride | None:
        r = self.s.execute(_SETTINGS_BY_SCHOOL, {"school_id": school_id}).first()
        if r is None:
            return None
        return NotificationOverride(
            email_enabled=r.email_enabled,
            sms_enabled=r.sms_enabled,
            sender_name=r.sender_name,
            sender_address=r.sender_address,
            sms_sender=r.sms_sender,
            language=r.language,
            templates=r.templates or None,
        )

    def save_settings(
        self, school_id: int, override: NotificationOverride, now: dt.datetime
    ) -> None:
        self._settings.pop(school_id, None)
        r = self.s.get(NotificationSettingsRow, school_id, with_for_update=True)
        if r is None:
            r = NotificationSettingsRow(school_id=school_id, created_at=now, updated_at=now)
            self.s.add(r)
        r.email_enabled = override.email_enabled
        r.sms_enabled = override.sms_enabled
        r.sender_name = override.sender_name
        r.sender_address = override.sender_address
        r.sms_sender = override.sms_sender
        r.language = override.language
        r.templates = (
            {lang: dict(texts) for lang, texts in override.templates.items()}
            if override.templates
            else None
        )
        r.updated_at = now
        self.s.flush()
