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

    [stripe]
    api_base = "https://api.stripe.com"   # JDOFFICE_STRIPE_API_BASE
    timeout_seconds = 15
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jdoffice.domain.errors import InvalidInput
from jdoffice.services.settings import (
    PaymentSettings,
    parse_bool,
    validate_expiry,
    validate_mode,
    validate_url,
)

ENV_CONFIG = "JDOFFICE_CONFIG"
ENV_STRIPE_API_BASE = "JDOFFICE_STRIPE_API_BASE"


def config_path(env: Mapping[str, str] | None = None) -> Path:
    explicit = (os.environ if env is None else env).get(ENV_CONFIG, "").strip()
    if explicit:
        return Path(explicit).expanduser()
    from platformdirs import user_config_path

    return user_config_path("jdoffice", appauthor=False) / "config.toml"


@dataclass(frozen=True, slots=True)
class StripeConfig:
    api_base: str | None = None
    timeout_seconds: float = 15.0
    max_network_retries: int = 2


@dataclass(frozen=True, slots=True)
class AppConfig:
    payments: PaymentSettings
    stripe: StripeConfig
    path: Path | None = None


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
    st = data.get("stripe", {})
    if not isinstance(pay, dict) or not isinstance(st, dict):
        raise InvalidInput(f"config file {p}: [payments] and [stripe] must be tables")

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
    base = pick("api_base", ENV_STRIPE_API_BASE, st)
    timeout = st.get("timeout_seconds", 15.0)
    retries = st.get("max_network_retries", 2)
    if not isinstance(timeout, int | float) or not 1 <= float(timeout) <= 120:
        raise InvalidInput("stripe.timeout_seconds must be between 1 and 120")
    if not isinstance(retries, int) or not 0 <= retries <= 10:
        raise InvalidInput("stripe.max_network_retries must be between 0 and 10")
    return AppConfig(
        payments=settings,
        stripe=StripeConfig(
            api_base=str(base).rstrip("/") if base else None,
            timeout_seconds=float(timeout),
            max_network_retries=retries,
        ),
        path=p if p.exists() else None,
    )
