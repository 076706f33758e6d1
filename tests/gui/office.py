"""A driving-school office for the payment dialogs' tests: a migrated SQLite database in a
temporary folder, one school, a desk context, and helpers to add students, invoices and
payments through the real core.

The schema is migrated once per run into a template file that each test copies.
"""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QApplication

from jdoffice.adapters import db, records
from jdoffice.adapters.config import AppConfig
from jdoffice.adapters.notify_config import NotificationConfig
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.bootstrap import App
from jdoffice.domain.model import UTC, Actor, Invoice, Payment, Refund, School, Student
from jdoffice.gui.context import DeskContext
from jdoffice.services.payments import PaymentResult, register_payment
from jdoffice.services.ports import NewSchool
from jdoffice.services.settings import PaymentSettings
from jdoffice.services.staff import list_staff

ACTOR = Actor(staff="mette", desk="desk-1")
_numbers = itertools.count(1001)
_template: dict[str, Path] = {}


def _migrated_template(folder: Path) -> Path:
    if "path" not in _template or not _template["path"].exists():
        path = folder / "template.sqlite3"
        engine = db.make_engine(db.normalize_url(str(path)))
        try:
            db.upgrade(engine)
        finally:
            engine.dispose()
        _template["path"] = path
    return _template["path"]


@dataclass
class Office:
    app: App
    ctx: DeskContext

    @property
    def school(self) -> School:
        return self.ctx.school

    def uow(self) -> SqlAlchemyUnitOfWork:
        return self.app.uow()

    def student(self, first_name: str = "Søren", last_name: str = "Jørgensen") -> Student:
        uow = self.uow()
        with uow.write():
            st = records.add_student(
                uow.session,
                self.school,
                student_no=f"S{next(_numbers)}",
                first_name=first_name,
                last_name=last_name,
                email="soeren@example.dk",
            )
            uow.commit()
        return st

    def invoice(
        self,
        amount_minor: int,
        student: Student | None = None,
        text: str = "Køretime 45 min",
        *,
        due: dt.date | None = None,
    ) -> Invoice:
        st = student or self.student()
        uow = self.uow()
        with uow.write():
            inv = records.add_invoice(
                uow.session,
                self.school,
                st,
                invoice_no=f"F{next(_numbers)}",
                text=text,
                amount_minor=amount_minor,
                due_date=due
                or self.school.local_date(dt.datetime.now(UTC)) + dt.timedelta(days=14),
            )
            uow.commit()
        return inv

    def pay(
        self,
        invoice: Invoice,
        amount_minor: int,
        method: str = "cash",
        tendered_minor: int | None = None,
        actor: Actor | None = None,
    ) -> PaymentResult:
        """A payment taken at desk-1 through the core (a cash one needs desk-1's shift open
        once the school has staff accounts)."""
        return register_payment(
            self.uow(),
            self.school,
            method=method,
            amount_minor=amount_minor,
            invoice_no=invoice.invoice_no,
            tendered_minor=tendered_minor,
            actor=actor or self.money_actor(),
        )

    def money_actor(self) -> Actor:
        """Who a payment made behind the desk's back is taken by: :data:`ACTOR` while the
        school has no staff accounts (nothing is checked then), else its first active
        account's (the services refuse money from nobody once a school has staff)."""
        members = list_staff(self.uow(), self.school)
        return members[0].actor(ACTOR.desk) if members else ACTOR

    def payments(self, student_id: int) -> list[Payment]:
        uow = self.uow()
        with uow:
            return uow.payments.for_student(student_id)

    def refunds(self, payment_id: str) -> list[Refund]:
        uow = self.uow()
        with uow:
            return uow.payments.refunds_for_payment(payment_id)


def make_office(
    folder: Path,
    template_folder: Path,
    *,
    online: bool = True,
    api_base: str | None = None,
    notifications: NotificationConfig | None = None,
) -> Office:
    """A fresh office database in ``folder``; online payments through ``api_base``."""
    path = folder / "office.sqlite3"
    shutil.copyfile(_migrated_template(template_folder), path)
    config = AppConfig(
        payments=PaymentSettings(online_enabled=online),
        # No retries: a provider that is down should say so at once in a test.
        sections={
            "stripe": {"api_base": api_base or "", "timeout_seconds": 5, "max_network_retries": 0}
        },
        notifications=notifications or NotificationConfig(),
    )
    app = App(url=db.normalize_url(str(path)), _config=config)
    uow = app.uow()
    with uow.write():
        school = uow.schools.add(
            NewSchool(
                slug="oesterbro",
                name="Østerbro Køreskole",
                address="Østerbrogade 1, 2100 København Ø",
                cvr="12345678",
            ),
            dt.datetime.now(UTC),
        )
        uow.commit()
    return Office(app=app, ctx=DeskContext(app=app, school=school, actor=ACTOR))


def settle_background_work(timeout_ms: int = 10_000) -> None:
    """Wait for every background job, then deliver their answers to the widgets."""
    assert QThreadPool.globalInstance().waitForDone(timeout_ms)
    QApplication.processEvents()
