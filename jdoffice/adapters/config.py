"""Global configuration: a TOML file plus environment variables.

The file is ``config.toml`` in the platformdirs user config directory (on Linux
``~/.config/jdoffice/config.toml``), or the path in ``JDOFFICE_CONFIG``. Environment variables
win over the file. Example::

    [payments]
    online = true
    gateway = "stripe"
    checkout_expiry_minutes = 60
    success_url = "https://koreskole.example/tak"
    mode = "test"

    [stripe]                              # a gateway's own section: the options it declares
    api_base = "https://api.stripe.com"   # JDOFFICE_STRIPE_API_BASE
    timeout_seconds = 15

    [database]
    url = "postgresql://desk@db.koreskole.example:5432/jdoffice"   # --db, JDOFFICE_DATABASE_URL
    connect_args = {sslmode = "verify-full", sslrootcert = "/etc/jdoffice/db-ca.pem"}
    pool_recycle_seconds = 1800
"""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jdoffice.adapters.notify_config import (
    EMAIL_ENV,
    SMS_ENV,
    NotificationConfig,
    load_notification_config,
)
from jdoffice.domain.errors import InvalidInput
from jdoffice.services.notification_settings import NotificationSettings
from jdoffice.services.settings import (
    PaymentSettings,
    parse_bool,
    validate_expiry,
    validate_mode,
    validate_url,
)

log = logging.getLogger(__name__)

ENV_CONFIG = "JDOFFICE_CONFIG"

#: The config file's own tables; every other table is a payment gateway's section, read and
#: checked against the options that gateway declares when it is built.
CORE_TABLES = frozenset({"payments", "database", "notifications", "smtp", "sms"})


def config_path(env: Mapping[str, str] | None = None) -> Path:
    explicit = (os.environ if env is None else env).get(ENV_CONFIG, "").strip()
    if explicit:
        return Path(explicit).expanduser()
    from platformdirs import user_config_path

    return user_config_path("jdoffice", appauthor=False) / "config.toml"


#: Keys of ``[database] connect_args`` that would put a secret into the config file.
_SECRET_CONNECT_ARGS = {"password", "passwd", "sslpassword", "ssl_key_password"}


@dataclass(frozen=True, slots=True)
class DatabaseConfig:
    """``[database]``: where the shared database is and how to reach it.

    ``connect_args`` go to the driver as they are: TLS for PostgreSQL (psycopg/libpq:
    ``sslmode``, ``sslrootcert``, ``sslcert``, ``sslkey``) and MySQL/MariaDB (PyMySQL:
    ``ssl_ca``, ``ssl_cert``, ``ssl_key``, ``ssl_verify_cert``, ``ssl_verify_identity``, or
    an ``ssl`` table). The same options may be given as query parameters of the URL. The
    password never goes here: it comes from the keyring or ``JDOFFICE_DATABASE_PASSWORD``.
    """

    url: str | None = None
    connect_args: dict[str, Any] = field(default_factory=dict)
    #: Connections older than this are replaced before use, so a server or firewall that
    #: drops idle connections (MySQL's ``wait_timeout``, NAT tables) is never noticed.
    pool_recycle_seconds: int = 1800


@dataclass(frozen=True, slots=True)
class AppConfig:
    payments: PaymentSettings
    #: Each gateway's table of the config file as written (``[stripe]`` → ``{"api_base": …}``).
    sections: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    path: Path | None = None
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    notifications: NotificationConfig = field(default_factory=NotificationConfig)


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"config file {path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read config file {path}: {exc.strerror}") from None


def _expiry(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidInput(f"expected a whole number of minutes, not {value!r}")
    try:
        minutes = int(value)
    except ValueError:
        raise InvalidInput(f"expected a whole number of minutes, not {value!r}") from None
    return validate_expiry(minutes)


def _connect_arg(where: str, key: Any, value: Any) -> Any:
    if not isinstance(key, str) or not key:
        raise InvalidInput(f"{where}: option names must be text")
    if key.lower() in _SECRET_CONNECT_ARGS:
        raise InvalidInput(
            f"{where}: a password does not belong in the config file; store it in the keyring "
            "or set JDOFFICE_DATABASE_PASSWORD"
        )
    if isinstance(value, dict):
        return {k: _connect_arg(f"{where}.{key}", k, v) for k, v in value.items()}
    if not isinstance(value, str | int | float | bool):
        raise InvalidInput(f"{where}: {key} must be text, a number, true/false or a table")
    return value


def database_config(data: dict[str, Any], path: Path) -> DatabaseConfig:
    """The ``[database]`` table of a parsed config file, checked."""
    table = data.get("database", {})
    if not isinstance(table, dict):
        raise InvalidInput(f"config file {path}: [database] must be a table")
    url = table.get("url")
    if url is not None and (not isinstance(url, str) or not url.strip()):
        raise InvalidInput(f"config file {path}: [database] url must be a database URL")
    args = table.get("connect_args", {})
    if not isinstance(args, dict):
        raise InvalidInput(f"config file {path}: [database] connect_args must be a table")
    where = f"config file {path}: [database] connect_args"
    recycle = table.get("pool_recycle_seconds", 1800)
    if isinstance(recycle, bool) or not isinstance(recycle, int) or not 30 <= recycle <= 86400:
        raise InvalidInput(
            f"config file {path}: [database] pool_recycle_seconds must be 30 to 86400"
        )
    return DatabaseConfig(
        url=url.strip() if url else None,
        connect_args={k: _connect_arg(where, k, v) for k, v in args.items()},
        pool_recycle_seconds=recycle,
    )


def load_database_config(path: Path | None = None) -> DatabaseConfig:
    """Only the ``[database]`` table: what opening the database needs, nothing else."""
    p = path or config_path()
    return database_config(_read(p), p)


def _gateway_name(value: Any) -> str:
    name = str(value).strip()
    if not name or len(name) > 32:
        raise InvalidInput(f"a gateway name is 1 to 32 characters, not {value!r}")
    return name


def load_config(path: Path | None = None, env: dict[str, str] | None = None) -> AppConfig:
    """Read the file (if any) and the environment into validated settings."""
    environ = dict(os.environ) if env is None else env
    p = path or config_path(environ)
    data = _read(p)
    pay = data.get("payments", {})
    if not isinstance(pay, dict):
        raise InvalidInput(f"config file {p}: [payments] must be a table")

    def pick(key: str, env_key: str, table: dict[str, Any]) -> Any:
        if env_key in environ and environ[env_key].strip():
            return environ[env_key].strip()
        return table.get(key)

    defaults = PaymentSettings()

    def setting(key: str, env_key: str, convert: Callable[[Any], Any]) -> Any:
        """One [payments] value, converted and checked; an error names where it came from."""
        value = pick(key, env_key, pay)
        if value is None or value == "":
            return getattr(defaults, "online_enabled" if key == "online" else key)
        try:
            return convert(value)
        except (InvalidInput, TypeError, ValueError) as exc:
            source = env_key if environ.get(env_key, "").strip() else f"[payments] {key} in {p}"
            raise InvalidInput(f"configuration {source}: {exc}") from None

    settings = PaymentSettings(
        online_enabled=setting(
            "online",
            "JDOFFICE_ONLINE_PAYMENTS",
            lambda v: v if isinstance(v, bool) else parse_bool(str(v)),
        ),
        gateway=setting("gateway", "JDOFFICE_GATEWAY", _gateway_name),
        checkout_expiry_minutes=setting(
            "checkout_expiry_minutes", "JDOFFICE_CHECKOUT_EXPIRY_MINUTES", _expiry
        ),
        success_url=setting("success_url", "JDOFFICE_SUCCESS_URL", lambda v: validate_url(str(v))),
        mode=setting("mode", "JDOFFICE_PAYMENT_MODE", lambda v: validate_mode(str(v))),
    ).validated()
    sections = {name: table for name, table in data.items() if name not in CORE_TABLES}
    for name, table in sections.items():
        if not isinstance(table, dict):
            raise InvalidInput(f"config file {p}: [{name}] must be a table")
    return AppConfig(
        payments=settings,
        sections=sections,
        path=p if p.exists() else None,
        database=database_config(data, p),
        notifications=load_notification_config(data, environ, p),
    )


def default_notification_settings() -> NotificationSettings:
    """The global settings for queueing. A broken config file must not stop a payment: it is
    logged, and the channels its environment turns on stay on."""
    try:
        return load_config().notifications.settings
    except InvalidInput as exc:
        log.error("notification settings not read, using the built-in defaults: %s", exc)
        environ = dict(os.environ)
        return NotificationSettings(
            email_enabled=any(environ.get(k, "").strip() for k in EMAIL_ENV),
            sms_enabled=any(environ.get(k, "").strip() for k in SMS_ENV),
        )
