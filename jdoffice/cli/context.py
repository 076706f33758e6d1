"""What every command shares: the application, the school and who is at the desk."""

from __future__ import annotations

import getpass
import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import click
from sqlalchemy import Engine
from sqlalchemy.engine import URL

from jdoffice.bootstrap import App
from jdoffice.domain.model import Actor, School

if TYPE_CHECKING:
    from jdoffice.domain.model import ReceiptBody
    from jdoffice.domain.search import StudentHit
    from jdoffice.domain.staff import Action, Authority
    from jdoffice.domain.statement import Statement
    from jdoffice.services.desk import Desk
    from jdoffice.services.offline import OfflineDesk
    from jdoffice.services.ports import UnitOfWork
    from jdoffice.services.student_search import Reading


#: The desk's name when neither --desk nor the desk settings name one.
DEFAULT_DESK = "desk-1"

#: Where the signed-in staff member's PIN comes from when not typed at the prompt; a PIN is
#: never an argument (it would show in the process list and the shell's history).
ENV_STAFF_PIN = "JDOFFICE_STAFF_PIN"
#: The approving manager's PIN (``refund --approve INITIALS``, ``payments resolve``).
ENV_APPROVER_PIN = "JDOFFICE_APPROVER_PIN"
#: A new PIN (``staff add``, ``staff set-pin``).
ENV_NEW_PIN = "JDOFFICE_NEW_STAFF_PIN"


def read_pin(env: str, prompt: str, *, confirm: bool = False) -> str:
    """A PIN from the environment variable ``env``, else typed at a hidden prompt (on
    stderr, so ``--json`` output stays clean), else one line of standard input when that is
    not a terminal. It is never echoed, logged or put in a message."""
    value = os.environ.get(env)
    if value is not None:
        return value.strip()
    if sys.stdin is not None and sys.stdin.isatty():
        typed: str = click.prompt(
            prompt, hide_input=True, confirmation_prompt=confirm, err=True, show_default=False
        )
        return typed.strip()
    line = sys.stdin.readline() if sys.stdin is not None else ""
    return line.strip()


def receipt_pdf(body: ReceiptBody, language: str) -> bytes:
    """The A4 receipt as PDF bytes, for an e-mail attachment (Qt lays it out)."""
    from jdoffice.printing import receipts

    return receipts.pdf_bytes(body, language=language)


def statement_pdf(statement: Statement, language: str) -> bytes:
    """The A4 statement as PDF bytes, for an e-mail attachment (Qt lays it out)."""
    from jdoffice.printing.text_pages import statement_pdf_bytes

    return statement_pdf_bytes(statement, language)


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
    _signed_in: bool = field(default=False, init=False, repr=False)

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

    def find_students(self, text: str, limit: int) -> Reading[list[StudentHit]]:
        """What :meth:`Desk.find` finds, without loading the desk (a process that searches
        once: :meth:`jdoffice.bootstrap.App.find_students`)."""
        return self.app.find_students(self.school_slug, self.actor, text, limit, self.local_db)

    def desk(self) -> Desk:
        """The front desk of the school for the person at it (every verb a command runs)."""
        if self._desk is None:
            self._desk = self.app.desk(
                self.school_slug, self.actor, self.local_db, receipt_pdf=receipt_pdf
            )
        return self._desk

    def staff_desk(self) -> Desk:
        """The desk with the staff member of ``--staff INITIALS`` signed in, the PIN read
        from ``JDOFFICE_STAFF_PIN`` or a prompt: what a command that moves money or changes
        the school uses. Without ``--staff``, a school that has staff accounts refuses (exit
        3); one without any (before its first admin) works as before, ``--staff`` being
        the text its rows keep.

        Raises:
            NotAllowed: no ``--staff`` while the school has staff accounts.
            SignInRefused, AccountLocked: a wrong PIN, or locked after five (exit 3).
        """
        from jdoffice.domain.errors import Unavailable
        from jdoffice.domain.staff import NotAllowed

        desk = self.desk()
        if self._signed_in:
            return desk
        try:
            accounts = desk.list_staff(include_disabled=True)[1]
        except Unavailable:
            # The shared database cannot be reached and this desk has no local copy to sign
            # in from: a payment waits in its outbox under the --staff text, and gets the
            # staff id of those initials when pushed. With a local copy, the accounts (and
            # PIN hashes) come from it and sign-in below checks the PIN there.
            return desk
        if not accounts:
            # Before the school's first account: nobody to sign in; --staff is the text the
            # rows keep, as before staff accounts.
            return desk
        if not self.staff_given:
            raise NotAllowed(
                f"sign in: give --staff INITIALS (the PIN from {ENV_STAFF_PIN} or the prompt)"
            )
        pin = read_pin(ENV_STAFF_PIN, f"PIN for {self.actor.staff}")
        desk.sign_in(self.actor.staff, pin)
        self._signed_in = True
        return desk

    def signed_in(self) -> bool:
        return self._signed_in

    def approval(self, action: Action, approver: str | None) -> Authority | None:
        """The approval of ``approver`` (initials; the PIN from ``JDOFFICE_APPROVER_PIN`` or
        the prompt) for ``action`` by the signed-in member, or None without one."""
        if approver is None:
            return None
        desk = self.staff_desk()
        pin = read_pin(ENV_APPROVER_PIN, f"PIN for {approver} (approval)")
        return desk.approve(action, approver, pin)

    def offline(self) -> OfflineDesk:
        """The shared database, or the local copy and outbox while it cannot be reached."""
        return self.app.offline_desk(self.school_slug, self.actor, self.local_db)


pass_ctx = click.make_pass_decorator(Context)
