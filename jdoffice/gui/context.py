"""What every screen of the desk program shares: the wired application, the school, who is at
the desk. Screens receive a :class:`DeskContext`; they never build adapters themselves."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from jdoffice.bootstrap import App
from jdoffice.domain.model import Actor, School
from jdoffice.domain.staff import Action, Authority, StaffMember

if TYPE_CHECKING:
    from jdoffice.services.changes import ChangesUnitOfWork
    from jdoffice.services.offline import OfflineDesk
    from jdoffice.services.ports import UnitOfWork


@dataclass
class DeskLink:
    """Whether the shared database answers, as the desk last found it.

    Set by the desk's session (``jdoffice.gui.desk_session``) from its polls (a plain flag:
    worker threads only read it); while it is down, reads go to the local copy at once instead
    of waiting for a connection timeout at every keystroke.
    """

    online: bool = True


@dataclass
class SignedIn:
    """Who is at the desk now (issue 14), shared by every screen that holds the context.

    Set by the desk's sign-in (``jdoffice.gui.views.desk_access``) on the GUI thread; worker
    threads only read it. ``accounts`` says whether the school has staff accounts at all
    (``None`` until it is known): a school without any works as before, with no sign-in.
    """

    member: StaffMember | None = None
    accounts: bool | None = None
    #: A manager's approval over the shoulder, for the one dialog it was given for (set when
    #: that dialog opens, cleared when it closes or the desk locks).
    approval: Authority | None = None


@dataclass(frozen=True)
class DeskContext:
    """Shared by the main window and its dialogs.

    Attributes:
        app: the composition root (database engine, configuration, gateways).
        school: the school this desk works for.
        actor: staff and desk name, written on every payment and audit row.
        language: ``"da"`` or ``"en"`` for receipts and formatting.
        offline: the local copy and outbox of a desk on a shared database (None on an
            embedded one, which cannot be cut off).
        link: whether the shared database answers now.
        signed_in: who is signed in at the desk (see :attr:`staff`).
    """

    app: App
    school: School
    actor: Actor
    language: str = "da"
    offline: OfflineDesk | None = None
    link: DeskLink = field(default_factory=DeskLink)
    signed_in: SignedIn = field(default_factory=SignedIn)

    @property
    def staff(self) -> StaffMember | None:
        """The staff member signed in at this desk; ``None`` while nobody is (the desk is
        locked, or the school has no staff accounts)."""
        return self.signed_in.member

    def acting(self, action: Action | None = None) -> Actor:
        """Who a money or audit row names now: with a manager's approval for ``action`` the
        person at the desk and the approver; else the person signed in; else (a school without
        staff accounts) the desk's own name."""
        approval = self.signed_in.approval
        member = self.signed_in.member
        same = approval is not None and member is not None and approval.staff.id == member.id
        if approval is not None and same and action in (None, approval.action):
            return approval.actor(self.desk)
        if member is not None:
            return member.actor(self.desk)
        return self.actor

    @property
    def desk(self) -> str:
        """This desk's name, as its shifts and Z-reports are filed under."""
        return self.actor.desk

    def uow(self) -> ChangesUnitOfWork:
        """A fresh unit of work; call this inside the background job that uses it."""
        return self.app.uow()

    @property
    def is_offline(self) -> bool:
        return self.offline is not None and not self.link.online

    def read_uow(self) -> UnitOfWork:
        """A unit of work to read what the screens show: the shared database, or this desk's
        local copy while the shared database cannot be reached."""
        if self.offline is not None and not self.link.online:
            return self.offline.local.uow()
        return self.app.uow()

    @property
    def locale(self) -> str:
        return "da_DK" if self.language == "da" else "en_DK"
