"""Provider keys and passwords: in the OS keyring, never in the database or a log line.

Service ``jdoffice``; users ``<secret-name>:<school-slug>``, e.g.
``stripe-secret-key:osterbro``. Each secret has an environment variable that overrides the
keyring for servers and CI (``JDOFFICE_STRIPE_SECRET_KEY``, …). The notification secrets are
known here; each payment gateway declares its own, and the composition root passes them to
:func:`declare` when it loads the gateways. With no usable keyring backend the program says
so instead of crashing.
"""

from __future__ import annotations

import enum
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType

from jdoffice.domain.errors import InvalidInput, Unavailable

SERVICE = "jdoffice"

#: Secret name → environment variable that overrides it. The notification secrets (the SMTP
#: login's password and the SMS provider's token); gateways add theirs through
#: :func:`declare`.
SECRETS: dict[str, str] = {
    "smtp-password": "JDOFFICE_SMTP_PASSWORD",
    "sms-token": "JDOFFICE_SMS_TOKEN",
}
_SECRET_NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)+")
_ENV_NAME = re.compile(r"JDOFFICE_[A-Z0-9_]+")
_declaring = threading.Lock()


def declare(secrets: Mapping[str, str]) -> None:
    """Make the secrets ``{name: environment variable}`` known (a gateway's); a name already
    known keeps its variable.

    Raises:
        InvalidInput: a name or a variable not in the expected form (``lower-case-words``,
            ``JDOFFICE_…``).
    """
    for name, env in secrets.items():
        if not _SECRET_NAME.fullmatch(name) or not _ENV_NAME.fullmatch(env):
            raise InvalidInput(f"a gateway declares a secret named {name!r} ({env!r})")
    with _declaring:
        for name, env in secrets.items():
            SECRETS.setdefault(name, env)


def known_secrets() -> list[str]:
    return sorted(SECRETS)


class KeyringUnavailable(Unavailable):
    """No keyring backend on this machine (e.g. a server without a desktop session)."""


def _user(name: str, school_slug: str) -> str:
    if name not in SECRETS:
        known = ", ".join(sorted(SECRETS))
        raise InvalidInput(f"unknown secret {name!r} (known: {known})")
    return f"{name}:{school_slug}"


def _keyring() -> ModuleType:
    import keyring
    from keyring.backends import fail

    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring):
        raise KeyringUnavailable(
            "no keyring backend on this machine: set "
            + " / ".join(SECRETS.values())
            + " in the environment instead"
        )
    return keyring


@dataclass(frozen=True, slots=True)
class Secret:
    """A secret value that never shows itself in a repr, a log line or a traceback."""

    value: str = ""

    def __repr__(self) -> str:
        return "Secret(****)" if self.value else "Secret()"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self.value)


def get_secret(name: str, school_slug: str) -> Secret:
    """The secret from the environment, else from the keyring; empty when not set."""
    user = _user(name, school_slug)
    env = os.environ.get(SECRETS[name], "").strip()
    if env:
        return Secret(env)
    try:
        kr = _keyring()
        value = kr.get_password(SERVICE, user)
    except KeyringUnavailable:
        return Secret()
    except Exception as exc:  # keyring backends raise their own types
        raise KeyringUnavailable(f"the keyring could not be read ({type(exc).__name__})") from None
    return Secret(value or "")


class SecretState(enum.Enum):
    """Where a secret comes from, without its value."""

    ENVIRONMENT = "environment"  # the environment variable is set and wins
    KEYRING = "keyring"  # stored in the keyring
    NOT_SET = "not_set"  # neither
    NO_KEYRING = "no_keyring"  # not in the environment, and there is no keyring to look in


def keyring_available() -> bool:
    """Whether this machine has a keyring backend to store secrets in."""
    try:
        _keyring()
    except KeyringUnavailable:
        return False
    return True


def secret_state(name: str, school_slug: str) -> SecretState:
    """Whether ``name`` is set for the school, and where; the value never leaves here.

    Raises:
        KeyringUnavailable: the keyring is there but could not be read (locked, refused).
    """
    user = _user(name, school_slug)
    if os.environ.get(SECRETS[name], "").strip():
        return SecretState.ENVIRONMENT
    try:
        kr = _keyring()
    except KeyringUnavailable:
        return SecretState.NO_KEYRING
    try:
        found = kr.get_password(SERVICE, user)
    except Exception as exc:  # keyring backends raise their own types
        raise KeyringUnavailable(f"the keyring could not be read ({type(exc).__name__})") from None
    return SecretState.KEYRING if found else SecretState.NOT_SET


def set_secret(name: str, school_slug: str, value: str) -> None:
    user = _user(name, school_slug)
    value = value.strip()
    if not value:
        raise InvalidInput("the secret is empty")
    if any(c.isspace() for c in value):
        raise InvalidInput("the secret contains white space; paste the key alone")
    kr = _keyring()
    try:
        kr.set_password(SERVICE, user, value)
    except Exception as exc:
        raise KeyringUnavailable(
            f"the keyring could not be written ({type(exc).__name__})"
        ) from None


def delete_secret(name: str, school_slug: str) -> None:
    user = _user(name, school_slug)
    kr = _keyring()
    try:
        kr.delete_password(SERVICE, user)
    except Exception as exc:
        raise KeyringUnavailable(
            f"the keyring could not be changed ({type(exc).__name__})"
        ) from None


# --- the shared database's password ----------------------------------------------------------

#: Overrides the keyring for the database password (servers, CI).
ENV_DATABASE_PASSWORD = "JDOFFICE_DATABASE_PASSWORD"  # noqa: S105 - a variable name


def database_user(user: str, host: str, port: int) -> str:
    """The keyring user a database password is stored under: ``database:USER@HOST:PORT``."""
    return f"database:{user}@{host}:{port}"


def get_database_password(user: str, host: str, port: int) -> Secret:
    """The password of ``user`` on the database server, from the environment, else from the
    keyring; empty when neither has one (or there is no keyring).

    Raises:
        KeyringUnavailable: the keyring is there but could not be read (locked, refused).
    """
    env = os.environ.get(ENV_DATABASE_PASSWORD, "")
    if env:
        return Secret(env)
    try:
        kr = _keyring()
        value = kr.get_password(SERVICE, database_user(user, host, port))
    except KeyringUnavailable:
        return Secret()
    except Exception as exc:  # keyring backends raise their own types
        raise KeyringUnavailable(f"the keyring could not be read ({type(exc).__name__})") from None
    return Secret(value or "")


def set_database_password(user: str, host: str, port: int, value: str) -> None:
    """Store the password of ``user`` on the database server in the keyring."""
    if not value:
        raise InvalidInput("the password is empty")
    kr = _keyring()
    try:
        kr.set_password(SERVICE, database_user(user, host, port), value)
    except Exception as exc:
        raise KeyringUnavailable(
            f"the keyring could not be written ({type(exc).__name__})"
        ) from None
