"""What every command shares: the application, the school and who is at the desk."""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import click
from sqlalchemy import Engine
from sqlalchemy.engine import URL

from jdoffice.bootstrap import App
from jdoffice.domain.model import Actor, School

if TYPE_CHECKING:
    from jdoffice.domain.model import ReceiptBody
    from jdoffice.services.desk import Desk
    from jdoffice.services.offline import OfflineDesk
    from jdoffice.services.ports import UnitOfWork


#: The desk's name when neither --desk nor the desk settings name one.
DEFAULT_DESK = "desk-1"


def receipt_pdf(body: ReceiptBody, language: str) -> bytes:
    """The A4 receipt as PDF bytes, for an e-mail attachment (Qt lays it out)."""
    from jdoffice.printing import receipts

    return receipts.pdf_bytes(body, language=language)


def login_name() -> str:
    """Who is logged in on this computer: the staff name on receipts until one is set."""
    try:
        name = getpass.getuser().strip()
    except (OSError, KeyError, ImportError):
        return ""
    return name if 0 < len(name) <= 64 and name.isprintable() else ""


@dataclass
class Context:
    """What every command shares: where the data is, and who is at the desk."""

    app: App
    school_slug: str | None
    actor: Actor
    demo: bool
    local_db: str | None = None
    #: Whether --desk and --staff were given (the desk window's settings fill in the others).
    desk_given: bool = False
    staff_given: bool = False
    _desk: Desk | None = field(default=None, init=False, repr=False)

    @property
    def url(self) -> URL:
        return self.app.url

    @property
    def engine(self) -> Engine:
        return self.app.engine

    def uow(self) -> UnitOfWork:
        return self.app.uow()

    def ensure_schema(self) -> None:
        self.app.ensure_schema()

    def school(self) -> School:
        return self.app.school(self.school_slug)

    def desk(self) -> Desk:
        """The front desk of the school for the person at it (every verb a command runs)."""
        if self._desk is None:
            self._desk = self.app.desk(
                self.school_slug, self.actor, self.local_db, receipt_pdf=receipt_pdf
            )
        return self._desk

    def offline(self) -> OfflineDesk:
        """The shared database, or the local copy and outbox while it cannot be reached."""
        return self.app.offline_desk(self.school_slug, self.actor, self.local_db)


pass_ctx = click.make_pass_decorator(Context)
