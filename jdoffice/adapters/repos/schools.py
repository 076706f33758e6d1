"""The schools and their payment settings."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from jdoffice.adapters.mapping import to_school
from jdoffice.adapters.notification_repo import (
    OVERRIDE_COLUMNS,
    SETTINGS_TABLE,
    SqlNotifications,
    override_from_row,
)
from jdoffice.adapters.orm import PaymentSettingsRow, ReceiptCounterRow, SchoolRow
from jdoffice.adapters.repos.base import Repo
from jdoffice.adapters.tables import SCHOOLS
from jdoffice.domain.model import School
from jdoffice.services.ports import NewSchool
from jdoffice.services.settings import SettingsOverride

#: The school with its notification settings (receipt details, whether confirmations go out):
#: a payment needs both, and reads them in one round trip.
SCHOOL_WITH_SETTINGS = (
    select(*SCHOOLS.c, *OVERRIDE_COLUMNS)
    .select_from(SCHOOLS.outerjoin(SETTINGS_TABLE, SETTINGS_TABLE.c.school_id == SCHOOLS.c.id))
    .where(SCHOOLS.c.id == bindparam("id"))
)


class SqlSchools(Repo):
    def __init__(self, session: Session, notifications: SqlNotifications) -> None:
        super().__init__(session)
        self._notifications = notifications

    def get_by_slug(self, slug: str) -> School | None:
        r = self.s.scalars(select(SchoolRow).where(SchoolRow.slug == slug)).first()
        return to_school(r) if r else None

    def get(self, school_id: int) -> School | None:
        """The school as stored now; its notification settings come with it, kept for the
        rest of the transaction (:meth:`SqlNotifications.prime`)."""
        r = self.run(SCHOOL_WITH_SETTINGS, {"id": school_id}).first()
        if r is None:
            return None
        self._notifications.prime(school_id, override_from_row(r))
        return to_school(r)

    def all(self) -> list[School]:
        return [to_school(r) for r in self.s.scalars(select(SchoolRow).order_by(SchoolRow.slug))]

    def add(self, school: NewSchool, now: dt.datetime) -> School:
        row = SchoolRow(
            slug=school.slug,
            name=school.name,
            address=school.address,
            cvr=school.cvr,
            phone=school.phone,
            email=school.email,
            currency=school.currency,
            timezone=school.timezone,
            created_at=now,
            updated_at=now,
        )
        self.s.add(row)
        self.s.flush()
        self.s.add(ReceiptCounterRow(school_id=row.id, last_no=0, updated_at=now))
        self.s.flush()
        return to_school(row)

    def update_header(
        self, school_id: int, *, name: str, address: str, cvr: str, now: dt.datetime
    ) -> School | None:
        row = self.s.get(SchoolRow, school_id, with_for_update=True, populate_existing=True)
        if row is None:
            return None
        row.name = name
        row.address = address
        row.cvr = cvr
        row.updated_at = now
        self.s.flush()
        return to_school(row)


class SqlSettings(Repo):
    def get(self, school_id: int) -> SettingsOverride | None:
        r = self.s.get(PaymentSettingsRow, school_id, populate_existing=True)
        if r is None:
            return None
        return SettingsOverride(
            online_enabled=r.online_enabled,
            gateway=r.gateway,
            checkout_expiry_minutes=r.checkout_expiry_minutes,
            success_url=r.success_url,
            mode=r.mode,
            gateway_options=r.gateway_options or None,
        )

    def save(self, school_id: int, override: SettingsOverride, now: dt.datetime) -> None:
        r = self.s.get(PaymentSettingsRow, school_id, with_for_update=True)
        if r is None:
            r = PaymentSettingsRow(school_id=school_id, created_at=now, updated_at=now)
            self.s.add(r)
        r.online_enabled = override.online_enabled
        r.gateway = override.gateway
        r.checkout_expiry_minutes = override.checkout_expiry_minutes
        r.success_url = override.success_url
        r.mode = override.mode
        r.gateway_options = (
            {k: dict(v) for k, v in override.gateway_options.items()}
            if override.gateway_options
            else None
        )
        r.updated_at = now
        self.s.flush()
