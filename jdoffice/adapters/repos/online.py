"""Online payment attempts and the provider events already handled."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from jdoffice.adapters.mapping import to_attempt
from jdoffice.adapters.orm import InvoiceRow, PaymentAttemptRow, ProviderCursorRow
from jdoffice.adapters.repos.base import Repo
from jdoffice.adapters.statements import (
    ATTEMPT_BY_ID,
    EVENT_SEEN,
    EVENT_SEEN_EITHER,
    INSERT_ATTEMPT,
    INSERT_EVENT,
    LOCK_ATTEMPT,
    LOCK_ATTEMPT_BY_PROVIDER_REF,
)
from jdoffice.adapters.tables import ATTEMPTS
from jdoffice.domain.model import Attempt, AttemptStatus

_ATTEMPT_COLUMNS = {
    "status",
    "provider_ref",
    "payment_ref",
    "url",
    "expires_at",
    "payment_id",
    "error",
    "tries",
}
_UNSETTLED = (
    AttemptStatus.PENDING.value,
    AttemptStatus.UNKNOWN.value,
    AttemptStatus.OPEN.value,
    AttemptStatus.PROCESSING.value,
)


class SqlAttempts(Repo):
    def _one(self, stmt: Any) -> Attempt | None:
        row = self.s.execute(
            stmt.add_columns(InvoiceRow.invoice_no)
            .join(InvoiceRow, InvoiceRow.id == PaymentAttemptRow.invoice_id)
            .execution_options(populate_existing=True)
        ).first()
        return to_attempt(row[0], row[1]) if row else None

    def _prepared(self, stmt: Any, params: dict[str, Any]) -> Attempt | None:
        row = self.run(stmt, params).first()
        return to_attempt(row, row.invoice_no) if row else None

    def add(self, attempt: Attempt) -> None:
        self.run(
            INSERT_ATTEMPT,
            {
                "id": attempt.id,
                "school_id": attempt.school_id,
                "student_id": attempt.student_id,
                "invoice_id": attempt.invoice_id,
                "gateway": attempt.gateway,
                "mode": attempt.mode,
                "status": attempt.status.value,
                "amount_minor": attempt.amount_minor,
                "currency": attempt.currency,
                "request_params": dict(attempt.request_params),
                "provider_ref": attempt.provider_ref,
                "payment_ref": attempt.payment_ref,
                "url": attempt.url,
                "expires_at": attempt.expires_at,
                "payment_id": attempt.payment_id,
                "error": attempt.error,
                "tries": attempt.tries,
                "desk": attempt.desk,
                "staff": attempt.staff,
                "created_at": attempt.created_at,
                "updated_at": attempt.created_at,
            },
        )

    def get(self, attempt_id: str) -> Attempt | None:
        return self._prepared(ATTEMPT_BY_ID, {"id": attempt_id})

    def lock(self, attempt_id: str) -> Attempt | None:
        return self._prepared(LOCK_ATTEMPT, {"id": attempt_id})

    def lock_by_provider_ref(self, gateway: str, provider_ref: str) -> Attempt | None:
        return self._prepared(
            LOCK_ATTEMPT_BY_PROVIDER_REF, {"gateway": gateway, "ref": provider_ref}
        )

    def latest_for_invoice(self, invoice_id: int, gateway: str) -> Attempt | None:
        return self._one(
            select(PaymentAttemptRow)
            .where(PaymentAttemptRow.invoice_id == invoice_id, PaymentAttemptRow.gateway == gateway)
            .order_by(PaymentAttemptRow.created_at.desc())
            .limit(1)
        )

    def update(self, attempt_id: str, now: dt.datetime, **fields: object) -> None:
        bad = set(fields) - _ATTEMPT_COLUMNS
        if bad:
            raise ValueError(f"cannot update attempt columns {sorted(bad)}")
        values = {k: (v.value if isinstance(v, AttemptStatus) else v) for k, v in fields.items()}
        params = {f"v_{k}": v for k, v in values.items()}
        self.run(
            _attempt_update(frozenset(values)), {**params, "b_id": attempt_id, "v_updated_at": now}
        )

    def unsettled(self, school_id: int, limit: int) -> list[Attempt]:
        rows = self.s.execute(
            select(PaymentAttemptRow, InvoiceRow.invoice_no)
            .join(InvoiceRow, InvoiceRow.id == PaymentAttemptRow.invoice_id)
            .where(
                PaymentAttemptRow.school_id == school_id,
                PaymentAttemptRow.status.in_(_UNSETTLED),
            )
            .order_by(PaymentAttemptRow.created_at)
            .limit(limit)
        ).all()
        return [to_attempt(r[0], r[1]) for r in rows]


def _attempt_update(columns: frozenset[str]) -> Any:
    """``UPDATE online_payment_attempts SET <columns>, updated_at WHERE id``, one per set of
    columns (there are few), built once."""
    stmt = _ATTEMPT_UPDATES.get(columns)
    if stmt is None:
        stmt = (
            update(ATTEMPTS)
            .where(ATTEMPTS.c.id == bindparam("b_id"))
            .values({c: bindparam(f"v_{c}") for c in (*sorted(columns), "updated_at")})
        )
        _ATTEMPT_UPDATES[columns] = stmt
    return stmt


_ATTEMPT_UPDATES: dict[frozenset[str], Any] = {}


class SqlEvents(Repo):
    def seen(self, gateway: str, event_id: str) -> bool:
        found = self.run(EVENT_SEEN, {"gateway": gateway, "event_id": event_id}).scalar()
        return found is not None

    def seen_either(self, gateway: str, event_id: str, other_key: str) -> bool:
        found = self.run(
            EVENT_SEEN_EITHER, {"gateway": gateway, "event_id": event_id, "other_key": other_key}
        ).scalar()
        return found is not None

    def add(
        self,
        gateway: str,
        event_id: str,
        school_id: int | None,
        type_: str,
        outcome: str,
        now: dt.datetime,
    ) -> None:
        self.run(
            INSERT_EVENT,
            {
                "gateway": gateway,
                "event_id": event_id,
                "school_id": school_id,
                "type": type_[:64],
                "outcome": outcome,
                "received_at": now,
            },
        )

    def cursor(self, school_id: int, gateway: str) -> tuple[str | None, int | None]:
        row = self.s.get(ProviderCursorRow, (school_id, gateway), populate_existing=True)
        return (row.last_event_id, row.last_event_created) if row else (None, None)

    def save_cursor(
        self, school_id: int, gateway: str, event_id: str, created: int, now: dt.datetime
    ) -> None:
        # Two syncs may run at once (two desks, or a desk and a server): the cursor only ever
        # moves forward, and the first insert wins.
        stmt = (
            update(ProviderCursorRow)
            .where(
                ProviderCursorRow.school_id == school_id,
                ProviderCursorRow.gateway == gateway,
                or_(
                    ProviderCursorRow.last_event_created.is_(None),
                    ProviderCursorRow.last_event_created <= created,
                ),
            )
            .values(last_event_id=event_id, last_event_created=created, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if getattr(self.s.execute(stmt), "rowcount", 0):
            return
        if self.s.get(ProviderCursorRow, (school_id, gateway)) is not None:
            return  # a newer cursor is stored already
        try:
            with self.s.begin_nested():
                self.s.execute(
                    insert(ProviderCursorRow).values(
                        school_id=school_id,
                        gateway=gateway,
                        last_event_id=event_id,
                        last_event_created=created,
                        updated_at=now,
                    )
                )
        except IntegrityError:
            self.s.execute(stmt)
