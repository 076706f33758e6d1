"""What every screen of the desk program shares: the wired application, the school, who is at
the desk. Screens receive a :class:`DeskContext`; they never build adapters themselves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from jdoffice.bootstrap import App
from jdoffice.domain.model import Actor, School

if TYPE_CHECKING:
    from jdoffice.adapters.uow import SqlAlchemyUnitOfWork


@dataclass(frozen=True)
class DeskContext:
    """Shared by the main window and its dialogs.

    Attributes:
        app: the composition root (database engine, configuration, gateways).
        school: the school this desk works for.
        actor: staff and desk name, written on every payment and audit row.
        language: ``"da"`` or ``"en"`` for receipts and formatting.
    """

    app: App
    school: School
    actor: Actor
    language: str = "da"

    def uow(self) -> SqlAlchemyUnitOfWork:
        """A fresh unit of work; call this inside the background job that uses it."""
        return self.app.uow()

    @property
    def locale(self) -> str:
        return "da_DK" if self.language == "da" else "en_DK"
