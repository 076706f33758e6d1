"""Who is at the desk: staff accounts, their roles and what each role may do (issue 14).

A school's staff sign in with their initials and a PIN. Roles are ordered: a ``manager`` may
do everything a ``receptionist`` may, an ``admin`` everything a ``manager`` may.
:data:`PERMISSIONS` is the one table of which role an action needs; the services check it
(``jdoffice.services.staff.require``), the screens only reflect it. An action a role does not
allow can still be done with the approval of someone whose role allows it (a manager's
initials and PIN over the receptionist's shoulder): :class:`Authority` carries both people,
and its :meth:`Authority.actor` puts both ids on the audit row.

A PIN never leaves the sign-in check: it is not kept in any record here, and no message
names it.
"""

from __future__ import annotations

import datetime as dt
import enum
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from jdoffice.domain.errors import BusinessRuleError, InvalidInput
from jdoffice.domain.model import Actor
from jdoffice.domain.text import refuse_unsafe

#: Wrong PINs in a row that lock an account, and for how long.
MAX_FAILED_ATTEMPTS = 5
LOCK_DURATION = dt.timedelta(minutes=5)
PIN_MIN_DIGITS = 4
PIN_MAX_DIGITS = 8
INITIALS_MAX = 8
NAME_MAX = 100


class Role(enum.StrEnum):
    """A staff member's role; each includes what the ones below it may do."""

    RECEPTIONIST = "receptionist"
    MANAGER = "manager"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def includes(self, other: Role) -> bool:
        """Whether this role may do everything ``other`` may."""
        return self.rank >= other.rank


_RANKS = {Role.RECEPTIONIST: 1, Role.MANAGER: 2, Role.ADMIN: 3}


class Action(enum.StrEnum):
    """What the desk does that a role may or may not allow."""

    TAKE_PAYMENT = "take_payment"
    QR_PAYMENT = "qr_payment"
    REMIND = "remind"
    SEND_STATEMENT = "send_statement"
    REPRINT = "reprint"
    OWN_SHIFT = "own_shift"
    REFUND = "refund"
    RESOLVE_FLAG = "resolve_flag"
    CORRECT_SHIFT = "correct_shift"
    SETTINGS = "settings"
    KEYS = "keys"
    TEST_LIVE = "test_live"
    STAFF_ACCOUNTS = "staff_accounts"
    AUDIT = "audit"
    BOOKS = "books"


#: The least role each action needs: the one permission table.
PERMISSIONS: Mapping[Action, Role] = MappingProxyType(
    {
        Action.TAKE_PAYMENT: Role.RECEPTIONIST,
        Action.QR_PAYMENT: Role.RECEPTIONIST,
        Action.REMIND: Role.RECEPTIONIST,
        Action.SEND_STATEMENT: Role.RECEPTIONIST,
        Action.REPRINT: Role.RECEPTIONIST,
        Action.OWN_SHIFT: Role.RECEPTIONIST,
        Action.REFUND: Role.MANAGER,
        Action.RESOLVE_FLAG: Role.MANAGER,
        Action.CORRECT_SHIFT: Role.MANAGER,
        Action.SETTINGS: Role.MANAGER,
        Action.KEYS: Role.MANAGER,
        Action.TEST_LIVE: Role.MANAGER,
        Action.STAFF_ACCOUNTS: Role.ADMIN,
        Action.AUDIT: Role.MANAGER,
        Action.BOOKS: Role.MANAGER,
    }
)

#: How an action reads in a refusal ("not allowed for a receptionist: refunds").
ACTION_WORDS: Mapping[Action, str] = MappingProxyType(
    {
        Action.TAKE_PAYMENT: "taking payments",
        Action.QR_PAYMENT: "QR payments",
        Action.REMIND: "payment reminders",
        Action.SEND_STATEMENT: "sending statements",
        Action.REPRINT: "reprints",
        Action.OWN_SHIFT: "the desk's shift",
        Action.REFUND: "refunds",
        Action.RESOLVE_FLAG: "resolving flagged payments",
        Action.CORRECT_SHIFT: "shift corrections",
        Action.SETTINGS: "settings",
        Action.KEYS: "provider keys",
        Action.TEST_LIVE: "switching test/live mode",
        Action.STAFF_ACCOUNTS: "staff accounts",
        Action.AUDIT: "the audit trail",
        Action.BOOKS: "the books (exports and provider payouts)",
    }
)


def allows(role: Role, action: Action) -> bool:
    """Whether ``role`` may do ``action`` on its own."""
    return role.includes(PERMISSIONS[action])


class NotAllowed(BusinessRuleError):
    """The signed-in person's role does not allow the action (exit 3); an approval by
    someone whose role does may."""


class SignInRefused(BusinessRuleError):
    """Wrong initials or PIN. The message is the same whether the initials exist or not."""


class AccountLocked(SignInRefused):
    """Too many wrong PINs in a row: the account is locked for a while."""

    def __init__(self, until: dt.datetime, now: dt.datetime) -> None:
        minutes = max(1, -(-int((until - now).total_seconds()) // 60))
        super().__init__(
            f"too many wrong PINs in a row: these initials are locked; try again in "
            f"{minutes} minute{'s' if minutes != 1 else ''}"
        )
        self.until = until


@dataclass(frozen=True, slots=True)
class StaffMember:
    """A staff account as the desk sees it (never its PIN hash): what :func:`sign_in
    <jdoffice.services.staff.sign_in>` returns as the signed-in person."""

    id: int
    school_id: int
    initials: str
    name: str
    role: Role
    active: bool = True
    failed_attempts: int = 0
    locked_until: dt.datetime | None = None

    def may(self, action: Action) -> bool:
        return self.active and allows(self.role, action)

    def actor(self, desk: str) -> Actor:
        """Who did something at ``desk``, for the audit row and the money rows."""
        return Actor(staff=self.initials, desk=desk, staff_id=self.id)

    def locked_at(self, now: dt.datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now


@dataclass(frozen=True, slots=True)
class Authority:
    """Someone doing ``action``, on their own role or with ``approver``'s approval."""

    staff: StaffMember
    action: Action
    approver: StaffMember | None = None

    @property
    def allowed(self) -> bool:
        who = self.approver or self.staff
        return who.may(self.action)

    def actor(self, desk: str) -> Actor:
        """The actor of the audit row: the person at the desk, and the approver's id."""
        if self.approver is None:
            return self.staff.actor(desk)
        return Actor(
            staff=self.staff.initials,
            desk=desk,
            staff_id=self.staff.id,
            approver_id=self.approver.id,
        )


def refusal(role: Role, action: Action) -> str:
    """The message of :class:`NotAllowed`: what was refused and whose approval would do."""
    need = PERMISSIONS[action]
    return (
        f"not allowed for a {role.value}: {ACTION_WORDS[action]}; "
        f"a {need.value}'s approval (initials and PIN) is needed"
    )


# --- what people type ---------------------------------------------------------------------------


def normalize_initials(text: str) -> str:
    """Initials as stored: upper case, letters and digits only, 1 to :data:`INITIALS_MAX`.

    Stored upper case, they are unique per school whatever case is typed.

    Raises:
        InvalidInput: empty, too long, or not letters and digits.
    """
    value = unicodedata.normalize("NFC", (text or "").strip()).upper()
    if not value:
        raise InvalidInput("initials are empty")
    if len(value) > INITIALS_MAX:
        raise InvalidInput(f"initials are at most {INITIALS_MAX} characters")
    if not all(c.isalnum() for c in value):
        raise InvalidInput("initials are letters and digits only")
    return value


def initials_or_none(text: str) -> str | None:
    """:func:`normalize_initials`, or ``None`` for text that cannot be anyone's initials."""
    try:
        return normalize_initials(text)
    except InvalidInput:
        return None


def pin_is_well_formed(pin: str) -> bool:
    return (
        isinstance(pin, str)
        and PIN_MIN_DIGITS <= len(pin) <= PIN_MAX_DIGITS
        and all("0" <= c <= "9" for c in pin)
    )


def check_new_pin(pin: str) -> str:
    """A PIN about to be set: 4 to 8 digits. The message never repeats it.

    Raises:
        InvalidInput: not 4 to 8 digits.
    """
    if not pin_is_well_formed(pin):
        raise InvalidInput(f"a PIN is {PIN_MIN_DIGITS} to {PIN_MAX_DIGITS} digits")
    return pin


def clean_name(name: str) -> str:
    """A staff member's name as shown on receipts and the status bar.

    Raises:
        InvalidInput: empty, too long, or with control characters.
    """
    value = (name or "").strip()
    if not value:
        raise InvalidInput("a staff member's name is empty")
    if len(value) > NAME_MAX:
        raise InvalidInput(f"a name is at most {NAME_MAX} characters")
    return refuse_unsafe(value, "name")


def parse_role(text: str) -> Role:
    """``receptionist``, ``manager`` or ``admin`` (any case).

    Raises:
        InvalidInput: another word.
    """
    try:
        return Role((text or "").strip().lower())
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise InvalidInput(f"unknown role {text!r}; one of {known}") from None
