"""Payment settings: global defaults overlaid with what a school chose.

Global defaults come from the config file and the environment (``jdoffice.adapters.config``);
a school's own choices are stored in the database (``school_payment_settings``) and win.
Secrets are never part of settings: they live in the OS keyring.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from jdoffice.domain.errors import InvalidInput

MODES = ("test", "live")
MIN_EXPIRY_MINUTES = 30  # Stripe refuses a Checkout Session that expires sooner
MAX_EXPIRY_MINUTES = 24 * 60  # ... or later than 24 hours ahead
DEFAULT_SUCCESS_URL = "https://jdoffice.invalid/betaling/tak"


@dataclass(frozen=True, slots=True)
class PaymentSettings:
    online_enabled: bool = False
    #: The school's online gateways, comma-separated; the first is the default (what the desk
    #: and `jdoffice link` use unless staff choose another).
    gateway: str = "stripe"
    checkout_expiry_minutes: int = 60
    success_url: str = DEFAULT_SUCCESS_URL
    mode: str = "test"
    #: The school's own settings for its gateways: gateway name → option → value (they win
    #: over the config file; the gateway's environment variables win over them).
    gateway_options: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def validated(self) -> PaymentSettings:
        validate_expiry(self.checkout_expiry_minutes)
        validate_mode(self.mode)
        validate_url(self.success_url)
        if not self.gateways or len(self.gateway) > 32:
            raise InvalidInput("gateway name must be 1 to 32 characters")
        return self

    @property
    def gateways(self) -> tuple[str, ...]:
        """The school's online gateways, the default first."""
        return split_gateways(self.gateway)

    @property
    def default_gateway(self) -> str:
        names = self.gateways
        return names[0] if names else ""

    def using(self, name: str) -> PaymentSettings:
        """These settings with ``name`` as the gateway a payment goes through."""
        return dataclasses.replace(self, gateway=name)


def split_gateways(text: str) -> tuple[str, ...]:
    """``"stripe,mobilepay"`` as its names, each once, in order."""
    names: list[str] = []
    for part in text.split(","):
        name = part.strip()
        if name and name not in names:
            names.append(name)
    return tuple(names)


@dataclass(frozen=True, slots=True)
class SettingsOverride:
    """What a school set; ``None`` means "use the global default"."""

    online_enabled: bool | None = None
    gateway: str | None = None
    checkout_expiry_minutes: int | None = None
    success_url: str | None = None
    mode: str | None = None
    gateway_options: Mapping[str, Mapping[str, str]] | None = None


def overlay(defaults: PaymentSettings, school: SettingsOverride | None) -> PaymentSettings:
    if school is None:
        return defaults
    changes = {
        f.name: getattr(school, f.name)
        for f in dataclasses.fields(school)
        if getattr(school, f.name) is not None
    }
    return dataclasses.replace(defaults, **changes)


def validate_expiry(minutes: int) -> int:
    if not MIN_EXPIRY_MINUTES <= minutes <= MAX_EXPIRY_MINUTES:
        raise InvalidInput(
            f"checkout expiry must be between {MIN_EXPIRY_MINUTES} and {MAX_EXPIRY_MINUTES} "
            f"minutes, not {minutes}"
        )
    return minutes


def validate_mode(mode: str) -> str:
    if mode not in MODES:
        raise InvalidInput(f"mode must be test or live, not {mode!r}")
    return mode


def validate_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise InvalidInput(f"not a web address: {url!r}")
    return url


def parse_bool(text: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on", "ja"):
        return True
    if value in ("0", "false", "no", "off", "nej"):
        return False
    raise InvalidInput(f"expected on or off, not {text!r}")
