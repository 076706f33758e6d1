"""Staff accounts, sign-in and approval over the shoulder (issue 14).

* :func:`add_staff`, :func:`list_staff`, :func:`set_pin`, :func:`set_role`,
  :func:`disable_staff`: a school's accounts. Only an admin changes them, except the first
  account of a school, which anyone may add and which becomes its admin; the last active
  admin can be neither disabled nor demoted.
* :func:`sign_in`: initials and PIN → the :class:`~jdoffice.domain.staff.StaffMember` who is
  at the desk. Five wrong PINs in a row lock the account for five minutes; a right PIN
  resets the count. Unknown initials, a disabled account and a wrong PIN get the same answer
  after the same work (a check against a dummy hash).
* :func:`require` and :func:`approve`: whether someone may do an action, and the approval of
  a second person (initials and PIN) when their role does not allow it. The audit row of the
  approval, and of what is done with the returned :class:`~jdoffice.domain.staff.Authority`,
  carries both ids.

Services re-read the people they act for inside their transaction (:func:`authorize`), so a
role changed or an account disabled at another desk counts at once.

A PIN is hashed before any transaction opens and is never put in an exception, a log line or
an audit row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from jdoffice.domain.errors import BusinessRuleError, NotFound
from jdoffice.domain.model import UTC, Actor, AuditEntry, School
from jdoffice.domain.staff import (
    ACTION_WORDS,
    LOCK_DURATION,
    MAX_FAILED_ATTEMPTS,
    PERMISSIONS,
    AccountLocked,
    Action,
    Authority,
    NotAllowed,
    Role,
    SignInRefused,
    StaffMember,
    check_new_pin,
    clean_name,
    initials_or_none,
    normalize_initials,
    parse_role,
    pin_is_well_formed,
    refusal,
)
from jdoffice.services import pins
from jdoffice.services.ports import DuplicateKey, NewStaff, TransientConflict, UnitOfWork

T = TypeVar("T")

#: The one answer to unknown initials, a disabled account and a wrong PIN.
WRONG = "wrong initials or PIN"

#: Someone acting: on their own role, or with an approval.
Who = StaffMember | Authority


def utcnow() -> dt.datetime:
    return dt.datetime.now(UTC)


def retrying(fn: Callable[[], T], attempts: int = 5) -> T:
    """Run ``fn`` again on a deadlock or serialization failure (each try is a transaction)."""
    for attempt in range(attempts):
        try:
            return fn()
        except TransientConflict:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


# --- permissions ---------------------------------------------------------------------------------


def require(action: Action, who: Who) -> Authority:
    """``who`` may do ``action``: on their own role, or by an approval for that action.

    Raises:
        NotAllowed: the role does not allow it and no approval for it was given.
    """
    authority = who if isinstance(who, Authority) else Authority(who, action)
    if authority.action is not action:
        authority = Authority(authority.staff, action)
    if not authority.staff.active:
        raise NotAllowed(f"{authority.staff.initials} is disabled")
    if not authority.allowed:
        raise NotAllowed(refusal(authority.staff.role, action))
    return authority


def authorize(uow: UnitOfWork, school: School, action: Action, who: Who) -> Authority:
    """:func:`require` against the accounts as they are stored now (inside the caller's
    transaction): a role changed or an account disabled meanwhile counts."""
    given = who if isinstance(who, Authority) else Authority(who, action)
    staff = _current(uow, school, given.staff)
    approver = _current(uow, school, given.approver) if given.approver is not None else None
    return require(action, Authority(staff, given.action, approver))


def _current(uow: UnitOfWork, school: School, member: StaffMember) -> StaffMember:
    found = uow.staff.get(school.id, member.id)
    if found is None or not found.active:
        raise NotAllowed(f"{member.initials} is not an active staff member of {school.name}")
    return found


def acting(uow: UnitOfWork, school: School, action: Action, actor: Actor) -> Actor:
    """The actor a service writes on its rows for ``action``, checked against the accounts
    as stored now (inside the caller's transaction).

    ``actor`` is what a :class:`~jdoffice.domain.staff.StaffMember` or an
    :class:`~jdoffice.domain.staff.Authority` (an approval) made for its desk: its
    ``staff_id`` must be an active account of the school whose role allows ``action``, or
    its ``approver_id`` one whose role does. The actor returned names the account's
    initials, whatever text the caller gave.

    A school without any staff account yet (one upgraded from before staff accounts, until
    its first admin is added with ``jdoffice staff add``) is not checked: there is nobody
    to sign in. From its first account on, an actor without a ``staff_id`` is refused.

    Raises:
        NotAllowed: nobody signed in, an unknown or disabled account, or a role that does
            not allow ``action`` (without an approval that does).
    """
    if actor.staff_id is None:
        if uow.staff.count(school.id) == 0:
            return actor
        raise NotAllowed(
            f"sign in first: {ACTION_WORDS[action]} need a signed-in staff member of {school.name}"
        )
    staff = _current_id(uow, school, actor.staff_id)
    approver = (
        _current_id(uow, school, actor.approver_id) if actor.approver_id is not None else None
    )
    authority = require(action, Authority(staff, action, approver))
    return authority.actor(actor.desk)


def check_actor(uow: UnitOfWork, school: School, action: Action, actor: Actor) -> Actor:
    """:func:`acting` in a reading transaction of its own, for an action whose effect is not
    in the database (a provider key in the keyring)."""
    with uow:
        return acting(uow, school, action, actor)


def served_by(uow: UnitOfWork, school: School, staff_id: int | None, text: str) -> str:
    """The name a receipt prints for who served ("Ekspedient: <name>"): the staff account's
    name, or ``text`` for rows written without one."""
    if staff_id is None:
        return text
    member = uow.staff.get(school.id, staff_id)
    return member.name if member is not None else text


def staff_id_of(uow: UnitOfWork, school: School, initials: str | None) -> int | None:
    """The account whose stored initials are ``initials``, for a row written later on behalf
    of who started it (an online payment's attempt, a payment taken offline keep the
    initials). Text from before staff accounts matches no account unless written the same
    way as stored initials (upper case)."""
    key = initials_or_none(initials or "")
    if key is None or key != initials:
        return None
    member = uow.staff.by_initials(school.id, key)
    return member.id if member is not None else None


def _current_id(uow: UnitOfWork, school: School, staff_id: int) -> StaffMember:
    found = uow.staff.get(school.id, staff_id)
    if found is None or not found.active:
        raise NotAllowed(f"staff account {staff_id} is not an active staff member of {school.name}")
    return found


# --- accounts ------------------------------------------------------------------------------------


def list_staff(
    uow: UnitOfWork, school: School, *, include_disabled: bool = False
) -> list[StaffMember]:
    """The school's accounts by initials (names and roles; never a hash)."""
    with uow:
        return uow.staff.listing(school.id, include_disabled=include_disabled)


def add_staff(
    uow: UnitOfWork,
    school: School,
    *,
    initials: str,
    name: str,
    role: Role | str,
    pin: str,
    by: Who | None,
    desk: str,
    now: dt.datetime | None = None,
) -> StaffMember:
    """Add an account. The school's first account needs nobody's permission and becomes
    its admin, whatever ``role`` says; later ones need an admin (``by``).

    Raises:
        InvalidInput: malformed initials, name, role or PIN.
        NotAllowed: ``by`` is not an admin (or missing once the school has staff).
        BusinessRuleError: the initials are taken.
    """
    key = normalize_initials(initials)
    shown = clean_name(name)
    wanted = role if isinstance(role, Role) else parse_role(role)
    pin_hash = pins.hash_pin(check_new_pin(pin))
    when = now or utcnow()

    def attempt() -> StaffMember:
        with uow.write():
            uow.staff.lock_roster(school.id)
            first = uow.staff.count(school.id) == 0
            actor: Actor | None = None
            if not first:
                if by is None:
                    raise NotAllowed(refusal(Role.RECEPTIONIST, Action.STAFF_ACCOUNTS))
                actor = authorize(uow, school, Action.STAFF_ACCOUNTS, by).actor(desk)
            if uow.staff.by_initials(school.id, key) is not None:
                raise BusinessRuleError(f"the initials {key} are taken at {school.name}")
            member = uow.staff.add(
                NewStaff(school.id, key, shown, Role.ADMIN if first else wanted, pin_hash), when
            )
            _audit(
                uow,
                school,
                "staff.added",
                member,
                actor or member.actor(desk),
                when,
                before=None,
                after={"initials": key, "name": shown, "role": member.role.value, "first": first},
            )
            uow.commit()
            return member

    try:
        return retrying(attempt)
    except DuplicateKey:
        raise BusinessRuleError(f"the initials {key} are taken at {school.name}") from None


def set_pin(
    uow: UnitOfWork,
    school: School,
    *,
    initials: str,
    new_pin: str,
    by: Who,
    desk: str,
    current_pin: str | None = None,
    now: dt.datetime | None = None,
) -> StaffMember:
    """Set an account's PIN: one's own with the current PIN, anyone's as an admin. The
    account's wrong-PIN count and lock are cleared.

    Raises:
        InvalidInput: the new PIN is not 4 to 8 digits.
        NotAllowed: neither one's own account nor an admin.
        SignInRefused, AccountLocked: one's own current PIN is missing or wrong (counted as
            a wrong PIN at sign-in).
        NotFound: no such account.
    """
    key = normalize_initials(initials)
    pin_hash = pins.hash_pin(check_new_pin(new_pin))
    when = now or utcnow()
    acting = by.staff if isinstance(by, Authority) else by
    own = acting.initials == key and not isinstance(by, Authority)
    if own:
        # The current PIN is checked, and counted, as a sign-in: a desk left signed in does
        # not let someone else take the account over by guessing it.
        sign_in(uow, school, key, current_pin or "", desk=desk, now=when)

    def attempt() -> StaffMember:
        with uow.write():
            uow.staff.lock_roster(school.id)
            if own:
                actor = _current(uow, school, acting).actor(desk)
            else:
                actor = authorize(uow, school, Action.STAFF_ACCOUNTS, by).actor(desk)
            target = _target(uow, school, key)
            uow.staff.update(
                target.id, when, pin_hash=pin_hash, failed_attempts=0, locked_until=None
            )
            _audit(uow, school, "staff.pin_set", target, actor, when, None, {"initials": key})
            uow.commit()
            return _target(uow, school, key)

    return retrying(attempt)


def set_role(
    uow: UnitOfWork,
    school: School,
    *,
    initials: str,
    role: Role | str,
    by: Who,
    desk: str,
    now: dt.datetime | None = None,
) -> StaffMember:
    """Change an account's role (admin only); the last active admin stays an admin.

    Raises:
        NotAllowed: ``by`` is not an admin.
        BusinessRuleError: it would leave the school without an active admin.
        NotFound: no such account.
    """
    key = normalize_initials(initials)
    wanted = role if isinstance(role, Role) else parse_role(role)
    when = now or utcnow()

    def attempt() -> StaffMember:
        with uow.write():
            uow.staff.lock_roster(school.id)
            actor = authorize(uow, school, Action.STAFF_ACCOUNTS, by).actor(desk)
            target = _target(uow, school, key)
            if target.role is wanted:
                return target
            if _last_admin(uow, school, target) and wanted is not Role.ADMIN:
                raise BusinessRuleError(
                    f"{key} is the last active admin of {school.name}; make another admin first"
                )
            uow.staff.update(target.id, when, role=wanted)
            _audit(
                uow,
                school,
                "staff.role_set",
                target,
                actor,
                when,
                {"role": target.role.value},
                {"initials": key, "role": wanted.value},
            )
            uow.commit()
            return _target(uow, school, key)

    return retrying(attempt)


def disable_staff(
    uow: UnitOfWork,
    school: School,
    *,
    initials: str,
    by: Who,
    desk: str,
    now: dt.datetime | None = None,
) -> StaffMember:
    """Disable an account (admin only): it can no longer sign in or approve; its rows keep
    naming it. Never the school's last active admin.

    Raises:
        NotAllowed: ``by`` is not an admin.
        BusinessRuleError: the last active admin.
        NotFound: no such account.
    """
    key = normalize_initials(initials)
    when = now or utcnow()

    def attempt() -> StaffMember:
        with uow.write():
            uow.staff.lock_roster(school.id)
            actor = authorize(uow, school, Action.STAFF_ACCOUNTS, by).actor(desk)
            target = _target(uow, school, key)
            if not target.active:
                return target
            if _last_admin(uow, school, target):
                raise BusinessRuleError(
                    f"{key} is the last active admin of {school.name} and cannot be disabled"
                )
            uow.staff.update(target.id, when, active=False)
            _audit(
                uow,
                school,
                "staff.disabled",
                target,
                actor,
                when,
                {"active": True},
                {"initials": key, "active": False},
            )
            uow.commit()
            return _target(uow, school, key)

    return retrying(attempt)


def _target(uow: UnitOfWork, school: School, initials: str) -> StaffMember:
    found = uow.staff.by_initials(school.id, initials)
    if found is None:
        raise NotFound(f"no staff member {initials} at {school.name}")
    return found


def _last_admin(uow: UnitOfWork, school: School, target: StaffMember) -> bool:
    return target.active and target.role is Role.ADMIN and uow.staff.active_admins(school.id) <= 1


def _audit(
    uow: UnitOfWork,
    school: School,
    action: str,
    target: StaffMember,
    actor: Actor,
    when: dt.datetime,
    before: dict[str, object] | None,
    after: dict[str, object] | None,
) -> None:
    uow.audit.add(
        AuditEntry(
            school_id=school.id,
            action=action,
            entity="staff",
            entity_id=str(target.id),
            actor=actor,
            at=when,
            before=before,
            after=after,
        )
    )


# --- signing in ----------------------------------------------------------------------------------


def _read_credentials(
    uow: UnitOfWork, school: School, initials: str
) -> tuple[StaffMember, str] | None:
    with uow:
        return uow.staff.credentials(school.id, initials)


@dataclass(frozen=True, slots=True)
class _Outcome:
    member: StaffMember | None
    error: SignInRefused | None


def sign_in(
    uow: UnitOfWork,
    school: School,
    initials: str,
    pin: str,
    *,
    desk: str = "",
    now: dt.datetime | None = None,
) -> StaffMember:
    """Who is at the desk: the account whose initials and PIN these are.

    The PIN is checked outside any transaction; the count of wrong PINs is kept in a short
    writing one. The fifth wrong PIN in a row locks the account for
    :data:`~jdoffice.domain.staff.LOCK_DURATION`; a right PIN (after the lock) resets it.

    Raises:
        SignInRefused: unknown initials, a disabled account or a wrong PIN (one message).
        AccountLocked: too many wrong PINs in a row; no PIN is checked until the lock ends.
    """
    when = now or utcnow()
    key = initials_or_none(initials)
    found = _read_credentials(uow, school, key) if key is not None else None
    if found is None or not found[0].active:
        pins.verify_nobody(pin if isinstance(pin, str) else "")
        raise SignInRefused(WRONG)
    member, pin_hash = found
    if member.locked_until is not None and member.locked_until > when:
        raise AccountLocked(member.locked_until, when)
    if pin_is_well_formed(pin):
        right = pins.verify_pin(pin_hash, pin)
    else:
        pins.verify_nobody("")
        right = False
    rehash = pins.hash_pin(pin) if right and pins.needs_rehash(pin_hash) else None
    if right and rehash is None and not member.failed_attempts and member.locked_until is None:
        return member  # nothing to write

    def attempt() -> _Outcome:
        with uow.write():
            current = uow.staff.credentials(school.id, member.initials, lock=True)
            if current is None or not current[0].active or current[0].id != member.id:
                return _Outcome(None, SignInRefused(WRONG))
            now_member, now_hash = current
            if now_member.locked_until is not None and now_member.locked_until > when:
                return _Outcome(None, AccountLocked(now_member.locked_until, when))
            if right and now_hash == pin_hash:
                fields: dict[str, object] = {"failed_attempts": 0, "locked_until": None}
                if rehash is not None:
                    fields["pin_hash"] = rehash
                if now_member.failed_attempts or now_member.locked_until or rehash:
                    uow.staff.update(member.id, when, **fields)
                    uow.commit()
                return _Outcome(uow.staff.get(school.id, member.id), None)
            lapsed = now_member.locked_until is not None
            failed = (0 if lapsed else now_member.failed_attempts) + 1
            if failed >= MAX_FAILED_ATTEMPTS:
                until = when + LOCK_DURATION
                uow.staff.update(member.id, when, failed_attempts=failed, locked_until=until)
                _audit(
                    uow,
                    school,
                    "staff.locked",
                    now_member,
                    Actor(staff=now_member.initials, desk=desk, staff_id=now_member.id),
                    when,
                    {"failed_attempts": now_member.failed_attempts},
                    {"failed_attempts": failed, "locked_until": until.isoformat()},
                )
                uow.commit()
                return _Outcome(None, AccountLocked(until, when))
            uow.staff.update(member.id, when, failed_attempts=failed, locked_until=None)
            uow.commit()
            return _Outcome(None, SignInRefused(WRONG))

    outcome = retrying(attempt)
    if outcome.error is not None:
        raise outcome.error
    assert outcome.member is not None
    return outcome.member


# --- approval over the shoulder ------------------------------------------------------------------


def approve(
    uow: UnitOfWork,
    school: School,
    action: Action,
    staff: StaffMember,
    approver_initials: str,
    approver_pin: str,
    *,
    desk: str,
    now: dt.datetime | None = None,
) -> Authority:
    """``staff`` may do ``action`` with the approval of the person whose initials and PIN
    these are. When ``staff``'s own role allows it, no approval is asked for.

    The approval is audited (``staff.approved``, both ids); pass the returned authority's
    :meth:`~jdoffice.domain.staff.Authority.actor` to the service that does the action, so its
    audit row carries both ids too.

    Raises:
        SignInRefused, AccountLocked: the approver's initials or PIN (counted as a sign-in).
        NotAllowed: the approver's role does not allow the action either.
    """
    if staff.may(action):
        return Authority(staff, action)
    when = now or utcnow()
    approver = sign_in(uow, school, approver_initials, approver_pin, desk=desk, now=when)
    if approver.id == staff.id or not approver.may(action):
        raise NotAllowed(
            f"{approver.initials} may not approve {ACTION_WORDS[action]}; "
            f"a {PERMISSIONS[action].value}'s initials and PIN are needed"
        )
    authority = Authority(staff, action, approver)

    def attempt() -> Authority:
        with uow.write():
            granted = authorize(uow, school, action, authority)
            _audit(
                uow,
                school,
                "staff.approved",
                staff,
                granted.actor(desk),
                when,
                None,
                {
                    "action": action.value,
                    "staff": staff.initials,
                    "approver": approver.initials,
                },
            )
            uow.commit()
            return granted

    return retrying(attempt)
