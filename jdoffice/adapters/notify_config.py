"""Notification configuration: the config file and the environment.

The senders are built from it by the composition root (``jdoffice.bootstrap.build_transports``).

Config file::

    [notifications]
    email = true                 # default: on when an SMTP server is given
    sms = true                   # default: on when an SMS account is given
    language = "da"
    sender_name = "Østerbro Køreskole"

    [notifications.templates.da]
    payment_sms = "{school}: Tak for {amount}. Kvittering nr. {receipt_no}."

    [smtp]
    url = "smtp://kontor@mail.example.dk:587"    # smtps://… for TLS from the start (465)
    from = "kontor@koreskole.example"
    timeout_seconds = 10

    [sms]
    api_base = "https://api.twilio.com"
    account = "AC0123…"
    from = "+4512345678"                          # or a name of up to 11 letters
    timeout_seconds = 10

The environment wins over the file: ``JDOFFICE_SMTP_URL``, ``JDOFFICE_MAIL_FROM``,
``JDOFFICE_SMS_API_BASE``, ``JDOFFICE_SMS_ACCOUNT``, ``JDOFFICE_SMS_FROM``; setting any of a
channel's variables (or ``JDOFFICE_SMS_TOKEN``) turns that channel on. The SMTP password and
the SMS token come from the keyring (``smtp-password``, ``sms-token``) or
``JDOFFICE_SMTP_PASSWORD`` / ``JDOFFICE_SMS_TOKEN``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from jdoffice.adapters.secrets import SECRETS, Secret
from jdoffice.domain.errors import InvalidInput
from jdoffice.services.notification_settings import (
    NotificationSettings,
    validate_language,
    validate_sender_address,
    validate_sender_name,
    validate_sms_sender,
    validate_templates,
)
from jdoffice.services.settings import parse_bool, validate_url

ENV_SMTP_URL = "JDOFFICE_SMTP_URL"
ENV_MAIL_FROM = "JDOFFICE_MAIL_FROM"
ENV_SMS_API_BASE = "JDOFFICE_SMS_API_BASE"
ENV_SMS_ACCOUNT = "JDOFFICE_SMS_ACCOUNT"
ENV_SMS_FROM = "JDOFFICE_SMS_FROM"
ENV_SMTP_PASSWORD = SECRETS["smtp-password"]
ENV_SMS_TOKEN = SECRETS["sms-token"]

TWILIO_API_BASE = "https://api.twilio.com"

#: Setting any of these turns the channel on.
EMAIL_ENV = (ENV_SMTP_URL, ENV_MAIL_FROM)
SMS_ENV = (ENV_SMS_API_BASE, ENV_SMS_ACCOUNT, ENV_SMS_FROM, ENV_SMS_TOKEN)


@dataclass(frozen=True, slots=True)
class SmtpServer:
    """Where mail goes. ``security``: ``starttls`` (``smtp://``) or ``ssl`` (``smtps://``)."""

    host: str
    port: int
    security: str = "starttls"
    username: str = ""
    timeout_seconds: float = 10.0
    #: A password written into the URL (discouraged; the keyring is the place for it).
    url_password: Secret = field(default_factory=Secret)

    def display(self) -> str:
        """The server as a URL without any password, for messages and listings."""
        scheme = "smtps" if self.security == "ssl" else "smtp"
        user = f"{self.username}@" if self.username else ""
        return f"{scheme}://{user}{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class SmsProvider:
    api_base: str = TWILIO_API_BASE
    account: str = ""
    timeout_seconds: float = 10.0


@dataclass(frozen=True, slots=True)
class NotificationConfig:
    settings: NotificationSettings = field(default_factory=NotificationSettings)
    smtp: SmtpServer | None = None
    sms: SmsProvider | None = None


def parse_smtp_url(url: str, timeout_seconds: float = 10.0) -> SmtpServer:
    """``smtp://user@host:port`` (STARTTLS, port 587) or ``smtps://user@host:port`` (TLS,
    port 465) as a server.

    Raises:
        InvalidInput: another scheme, no host, a bad port; the message never shows a password.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise InvalidInput(
            "not an SMTP URL (write smtp://user@host:587 or smtps://user@host:465)"
        ) from None
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise InvalidInput(
            f"not an SMTP URL: scheme {parts.scheme or 'missing'!r} "
            "(write smtp://user@host:587 or smtps://user@host:465)"
        )
    if parts.path not in ("", "/") or parts.query:
        raise InvalidInput("an SMTP URL has no path or query (smtp://user@host:587)")
    ssl = parts.scheme == "smtps"
    return SmtpServer(
        host=parts.hostname,
        port=port or (465 if ssl else 587),
        security="ssl" if ssl else "starttls",
        username=unquote(parts.username or ""),
        timeout_seconds=timeout_seconds,
        url_password=Secret(unquote(parts.password or "")),
    )


def _timeout(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 1 <= value <= 120:
        raise InvalidInput(f"{where}: timeout_seconds must be between 1 and 120")
    return float(value)


def _table(data: Mapping[str, Any], key: str, path: Path | None) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise InvalidInput(f"config file {path}: [{key}] must be a table")
    return value


def load_notification_config(
    data: Mapping[str, Any], environ: Mapping[str, str], path: Path | None = None
) -> NotificationConfig:
    """The ``[notifications]``, ``[smtp]`` and ``[sms]`` tables overlaid with the environment.

    Raises:
        InvalidInput: a malformed value; the message says where it came from.
    """
    notes = _table(data, "notifications", path)
    smtp_t = _table(data, "smtp", path)
    sms_t = _table(data, "sms", path)

    def env(key: str) -> str:
        return environ.get(key, "").strip()

    def source(key: str, env_key: str, table: str) -> str:
        return env_key if env(env_key) else f"[{table}] {key} in {path}"

    def checked(value: Any, key: str, env_key: str, table: str, check: Any) -> Any:
        try:
            return check(value)
        except InvalidInput as exc:
            raise InvalidInput(f"configuration {source(key, env_key, table)}: {exc}") from None

    # E-mail.
    smtp_timeout = _timeout(smtp_t.get("timeout_seconds", 10), "[smtp]")
    smtp_url = env(ENV_SMTP_URL) or str(smtp_t.get("url") or "")
    smtp = (
        checked(smtp_url, "url", ENV_SMTP_URL, "smtp", lambda v: parse_smtp_url(v, smtp_timeout))
        if smtp_url
        else None
    )
    mail_from = env(ENV_MAIL_FROM) or str(smtp_t.get("from") or "")
    mail_from = checked(mail_from, "from", ENV_MAIL_FROM, "smtp", validate_sender_address)

    # SMS.
    sms_timeout = _timeout(sms_t.get("timeout_seconds", 10), "[sms]")
    account = env(ENV_SMS_ACCOUNT) or str(sms_t.get("account") or "")
    base = env(ENV_SMS_API_BASE) or str(sms_t.get("api_base") or "")
    if base:
        base = checked(base, "api_base", ENV_SMS_API_BASE, "sms", validate_url).rstrip("/")
    sms_from = env(ENV_SMS_FROM) or str(sms_t.get("from") or "")
    sms_from = checked(sms_from, "from", ENV_SMS_FROM, "sms", validate_sms_sender)
    sms = (
        SmsProvider(api_base=base or TWILIO_API_BASE, account=account, timeout_seconds=sms_timeout)
        if account or base
        else None
    )

    def switch(key: str, configured: bool, env_keys: tuple[str, ...]) -> bool:
        if any(env(k) for k in env_keys):
            return True
        value = notes.get(key)
        if value is None:
            return configured
        try:
            return value if isinstance(value, bool) else parse_bool(str(value))
        except InvalidInput as exc:
            raise InvalidInput(f"configuration [notifications] {key} in {path}: {exc}") from None

    templates = notes.get("templates", {})
    if not isinstance(templates, Mapping):
        raise InvalidInput(f"config file {path}: [notifications.templates] must be a table")
    try:
        settings = NotificationSettings(
            email_enabled=switch("email", smtp is not None, EMAIL_ENV),
            sms_enabled=switch("sms", sms is not None, SMS_ENV),
            sender_name=validate_sender_name(str(notes.get("sender_name", ""))),
            sender_address=mail_from,
            sms_sender=sms_from,
            language=validate_language(str(notes.get("language", "da"))),
            templates=validate_templates(templates),
        )
    except InvalidInput as exc:
        raise InvalidInput(f"configuration [notifications] in {path}: {exc}") from None
    return NotificationConfig(settings=settings, smtp=smtp, sms=sms)
