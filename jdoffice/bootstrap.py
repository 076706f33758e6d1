"""The composition root: real adapters and gateways wired once, for the command line, the
webhook receiver and the desk program alike."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from jdoffice.adapters import db
from jdoffice.adapters import secrets as secret_store
from jdoffice.adapters.logs import setup_logging, uvicorn_log_config
from jdoffice.adapters.secrets import KeyringUnavailable as KeyringUnavailable
from jdoffice.adapters.secrets import Secret
from jdoffice.adapters.secrets import SecretState as SecretState
from jdoffice.domain.errors import BusinessRuleError, InvalidInput, JdofficeError, Unavailable
from jdoffice.domain.model import School

__all__ = [
    "App",
    "build_transports",
    "open_app",
    "set_secret",
    "setup_logging",
    "translate_db_error",
    "uvicorn_log_config",
    "write_qr",
]

# The configuration, the gateways and the use cases load when first used: a command that
# only reads (``jdoffice search``) starts without them. The ORM loads with the first unit
# of work: the desk program shows its window while the first one is made in the background.
if TYPE_CHECKING:
    from pathlib import Path

    from jdoffice.adapters.config import AppConfig
    from jdoffice.adapters.notify_config import NotificationConfig
    from jdoffice.adapters.records import LoadCounts
    from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
    from jdoffice.domain.demo import DemoStaff
    from jdoffice.domain.model import Actor
    from jdoffice.domain.search import StudentHit
    from jdoffice.gateways.registry import Registry
    from jdoffice.services.desk import Desk
    from jdoffice.services.gateways import GatewayConfig, OnlineGateway, OnlineGatewayInfo
    from jdoffice.services.notifications import ReceiptPdf, Transports
    from jdoffice.services.offline import OfflineDesk
    from jdoffice.services.ports import UnitOfWork
    from jdoffice.services.settings import PaymentSettings, SettingsOverride
    from jdoffice.services.student_search import Reading


_announced: list[Registry] = []


def installed_gateways() -> Registry:
    """The gateways installed (entry points); the first time, their secrets are made known to
    the keyring store. Everything here that reads or stores a secret calls it first, so a
    command that reads none (``jdoffice search``) never loads the plugins. The services, the
    receipts and this registry read the installed gateways by one rule on first use
    (:mod:`jdoffice.services.gateway_plugins`), whether or not this ran first."""
    from jdoffice.gateways.registry import load_registry

    registry = load_registry()
    if _announced and _announced[-1] is registry:
        return registry
    _announced[:] = [registry]
    secret_store.declare({spec.name: spec.env for spec in registry.secrets()})
    return registry


@dataclass
class App:
    """One database, one configuration, the installed gateways."""

    url: URL
    _config: AppConfig | None = field(default=None, repr=False)
    _engine: Engine | None = field(default=None, repr=False)
    _schema_checked: bool = field(default=False, repr=False)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            if self.url.get_backend_name() == "sqlite":
                self._engine = db.make_engine(self.url)
            else:
                installed_gateways()  # their secrets are known before the keyring is read
                # The password is filled in here only: ``self.url`` (shown in the status
                # bar, `db status`, logs) never holds one from the keyring.
                cfg = self.config.database
                self._engine = db.make_engine(
                    db.with_password(self.url),
                    connect_args=dict(cfg.connect_args),
                    pool_recycle=cfg.pool_recycle_seconds,
                )
        return self._engine

    @property
    def config(self) -> AppConfig:
        if self._config is None:
            from jdoffice.adapters.config import load_config

            self._config = load_config()
        return self._config

    @property
    def registry(self) -> Registry:
        return installed_gateways()

    def uow(self) -> SqlAlchemyUnitOfWork:
        from jdoffice.adapters.uow import SqlAlchemyUnitOfWork

        self.ensure_schema()
        try:
            defaults = self.config.notifications.settings
        except InvalidInput:
            defaults = None  # a broken config file: the unit of work logs it and goes on
        return SqlAlchemyUnitOfWork(self.engine, notification_defaults=defaults)

    def share_writes(self) -> bool:
        """This process is one of several writing the database at once (the webhook
        receiver's workers): on SQLite their writers queue on a lock file beside the database
        instead of polling (``jdoffice.adapters.uow.share_writes``). Whether it applies."""
        from jdoffice.adapters.uow import share_writes

        return share_writes(self.engine)

    def writes_one_at_a_time(self) -> bool:
        """Whether the database runs one writing transaction at a time (SQLite), so that
        writing from several threads of this process gains nothing."""
        return self.url.get_backend_name() == "sqlite"

    def ensure_schema(self) -> None:
        """SQLite is upgraded in place; a shared database must be upgraded on purpose."""
        if self._schema_checked:
            return
        engine = self.engine
        try:
            if db.schema_is_current(engine):
                self._schema_checked = True
                return
            # A newer jdoffice migrated it: say so, not "run `jdoffice db upgrade`".
            db.check_not_newer(engine)
            current = db.current_revision(engine)
        except DBAPIError as exc:
            # The first contact with the server: say it is unreachable (exit 4), as every
            # unit of work does, instead of showing the driver's exception.
            from jdoffice.adapters.db_errors import translate_db_error

            raise translate_db_error(exc) from exc
        head = db.head_revision(engine)
        if current != head:
            if engine.dialect.name != "sqlite":
                raise Unavailable(
                    f"the database schema is at {current or 'nothing'}, this jdoffice needs "
                    f"{head}: run `jdoffice db upgrade`"
                )
            db.upgrade(engine)
        self._schema_checked = True

    def school(self, slug: str | None) -> School:
        from jdoffice.services.student_search import resolve_school

        return resolve_school(self.uow(), slug)

    def school_override(self, school: School) -> SettingsOverride | None:
        uow = self.uow()
        with uow:
            return uow.settings.get(school.id)

    def payment_settings(self, school: School) -> PaymentSettings:
        """Global defaults (config file, environment) overlaid with the school's choices."""
        from jdoffice.services.settings import overlay

        return overlay(self.config.payments, self.school_override(school))

    def online_gateway(
        self, school: School, settings: PaymentSettings | None = None
    ) -> OnlineGateway:
        """The school's online gateway, built from the secrets it declares (keyring or
        environment) and its section of the config file.

        Raises:
            InvalidInput: no such gateway installed, or its config section is wrong.
            BusinessRuleError: a secret a desk needs is not set for the school.
        """
        info, config = self.gateway_config(school, settings)
        return info.factory(config)

    def gateway_config(
        self, school: School, settings: PaymentSettings | None = None
    ) -> tuple[OnlineGatewayInfo, GatewayConfig]:
        """What :meth:`online_gateway` builds the school's gateway from (read afresh: the
        webhook receiver compares it with what its kept gateway was built from).

        Raises:
            InvalidInput: no such gateway installed, or its config section is wrong.
            BusinessRuleError: a secret a desk needs is not set for the school.
        """
        s = settings or self.payment_settings(school)
        info = self.registry.online_gateway(s.default_gateway)
        secrets: dict[str, str] = {}
        for spec in info.secrets:
            try:
                value = secret_store.get_secret(spec.name, school.slug)
            except KeyringUnavailable:
                if spec.desk:
                    raise
                # A desk never receives notifications; only the receiver needs this secret,
                # and it refuses every notification without one.
                continue
            if not value and spec.desk:
                raise BusinessRuleError(
                    f"no {spec.name} for {school.slug}: run "
                    f"`jdoffice --school {school.slug} keys set {spec.name}` or set {spec.env}"
                )
            secrets[spec.name] = value.value
        options = self.gateway_options(info, s.gateway_options.get(info.name))
        from jdoffice.services.gateways import GatewayConfig

        return info, GatewayConfig(secrets=secrets, options=options)

    def gateway_options(
        self, info: OnlineGatewayInfo, school_options: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """The gateway's section of the config file, the school's own settings for it over
        that, and the environment over both, checked."""
        where = f"config file {self.config.path}" if self.config.path else "configuration"
        section = {**self.config.sections.get(info.name, {}), **(school_options or {})}
        return info.read_options(section, os.environ, f"{where}: [{info.name}]")

    def check_uow(self) -> UnitOfWork:
        """A unit of work straight on the engine, never upgrading first: for `db check`, which
        also runs on a database an upgrade refused because of the rows it lists."""
        from jdoffice.adapters.uow import SqlAlchemyUnitOfWork

        return SqlAlchemyUnitOfWork(self.engine)

    def upgrade_schema(self) -> str | None:
        """Create or migrate the schema to the newest version; the revision it is at."""
        db.upgrade(self.engine)
        return db.current_revision(self.engine)

    def schema_revisions(self) -> tuple[str | None, str | None]:
        """The database's schema revision and the newest this jdoffice knows."""
        return db.current_revision(self.engine), db.head_revision(self.engine)

    def has_data(self) -> bool:
        """Whether the database holds a school already (the demo is seeded once)."""
        from jdoffice.adapters import records

        self.ensure_schema()
        return records.school_has_data(self.engine)

    def seed_demo(
        self, *, students: int, seed: int, force: bool = False
    ) -> tuple[School, LoadCounts]:
        """Migrate, then make the demo school (``force`` replaces what is there)."""
        from jdoffice.adapters import records

        db.upgrade(self.engine)
        return records.seed_demo(self.engine, students=students, seed=seed, force=force)

    def seed_demo_staff(self, school_slug: str | None = None) -> list[DemoStaff]:
        """Give the demo school its staff (:data:`jdoffice.domain.demo.DEMO_STAFF`) when it
        has none yet; returns the accounts added, with their PINs to print once."""
        from jdoffice.domain.demo import DEMO_STAFF
        from jdoffice.services import staff

        school = self.school(school_slug)
        uow = self.uow()
        if staff.list_staff(uow, school, include_disabled=True):
            return []
        admin = None
        for s in DEMO_STAFF:
            member = staff.add_staff(
                uow,
                school,
                initials=s.initials,
                name=s.name,
                role=s.role,
                pin=s.pin,
                by=admin,
                desk="demo",
            )
            admin = admin or member
        return list(DEMO_STAFF)

    def dispose(self) -> None:
        if self._engine is not None:
            from jdoffice.adapters.single_read import close_spares

            close_spares(self._engine)
            self._engine.dispose()
            self._engine = None

    def find_students(
        self,
        school_slug: str | None,
        actor: Actor,
        text: str,
        limit: int,
        local_db: str | None = None,
    ) -> Reading[list[StudentHit]]:
        """:meth:`jdoffice.services.desk.Desk.find` for a process that searches once and
        exits (``jdoffice search``): the same school, search and ranking, with the same
        errors, read on the shared database in SQLAlchemy Core alone
        (:mod:`jdoffice.adapters.quick_reads`), so neither the ORM nor the rest of the desk
        loads; from the local copy (``local_db``, as :meth:`offline_desk`) when the shared
        database cannot be reached."""
        from jdoffice.adapters.quick_reads import QuickReads
        from jdoffice.services.student_search import Reading, resolve_school, search_students

        try:
            try:
                self.ensure_schema()
            except DBAPIError as exc:
                raise translate_db_error(exc) from exc
            reads = QuickReads(self.engine)
            school = resolve_school(reads, school_slug)
            return Reading(search_students(reads, school, text, limit), offline=False)
        except Unavailable as exc:
            reason = str(exc)
        return self.offline_desk(school_slug, actor, local_db).read_local(
            lambda uow, school: search_students(uow, school, text, limit), reason
        )

    def offline_desk(
        self, school_slug: str | None, actor: Actor, local_db: str | None = None
    ) -> OfflineDesk:
        """The desk's way to its data that keeps working while this database cannot be
        reached: a local copy and an outbox in ``local_db`` (or ``JDOFFICE_LOCAL_DB``, or the
        user data directory)."""
        from jdoffice.adapters import local_store

        return local_store.open_offline_desk(
            shared_url=self.url,
            shared_engine=lambda: self.engine,
            shared_uow=self.uow,
            local_path=local_store.resolve_local_path(local_db, self.url),
            school_slug=school_slug,
            actor=actor,
        )

    def desk(
        self,
        school_slug: str | None,
        actor: Actor,
        local_db: str | None = None,
        *,
        receipt_pdf: ReceiptPdf | None = None,
    ) -> Desk:
        """The front desk of a school for ``actor``, wired to this database, its local copy
        (``local_db``, as :meth:`offline_desk`), the installed gateways and the senders.

        Args:
            receipt_pdf: renders the receipt PDF that confirmations attach (only a layer that
                may use Qt can give one).
        """
        from jdoffice.services.desk import QUICK_SEND_SECONDS, Desk

        def transports(school: School, *, quick: bool = False) -> Transports:
            return build_transports(
                self.config.notifications,
                school.slug,
                receipt_pdf=receipt_pdf,
                timeout_seconds=QUICK_SEND_SECONDS if quick else None,
            )

        return Desk(
            school_slug=school_slug,
            actor=actor,
            uow=self.uow,
            offline=lambda: self.offline_desk(school_slug, actor, local_db),
            gateway=self.online_gateway,
            payment_settings=self.payment_settings,
            counter_method=lambda name: self.registry.manual_method(name),
            online_methods=lambda: tuple(self.registry.online_methods().values()),
            transports=transports,
        )


def open_app(db_url: str | None, *, demo: bool = False) -> App:
    """The application on ``db_url`` (or ``JDOFFICE_DATABASE_URL``, or the default file; the
    demo database with ``demo``)."""
    return App(db.resolve_url(db_url, demo=demo))


def translate_db_error(exc: DBAPIError) -> JdofficeError:
    """A driver error as the front ends report it (unavailable, conflict, …)."""
    from jdoffice.adapters.db_errors import translate_db_error as translate

    return translate(exc)


def write_qr(url: str, path: Path) -> Path:
    """Write the QR code of a payment link to a .png or .svg file."""
    from jdoffice.adapters.qr import write_qr as write

    return write(url, path)


def _transport_secret(name: str, school_slug: str) -> tuple[Secret, str | None]:
    installed_gateways()
    try:
        return secret_store.get_secret(name, school_slug), None
    except KeyringUnavailable as exc:
        return Secret(), str(exc)


def build_transports(
    config: NotificationConfig,
    school_slug: str,
    *,
    receipt_pdf: ReceiptPdf | None = None,
    timeout_seconds: float | None = None,
) -> Transports:
    """The senders for a school, with its secrets from the keyring or the environment.

    Args:
        receipt_pdf: renders the receipt PDF to attach (only a layer that may use Qt can give
            one); without it the receipt goes in the text.
        timeout_seconds: a shorter limit for sending right after a payment at the desk.
    """
    # Loaded here, not at import: the config file is read at every start, mail and SMS
    # are needed only when something is sent.
    from jdoffice.adapters.mail import SmtpMailSender
    from jdoffice.adapters.notify_config import (
        ENV_SMS_ACCOUNT,
        ENV_SMS_API_BASE,
        ENV_SMTP_URL,
        SmsProvider,
    )
    from jdoffice.adapters.sms import TwilioSmsSender
    from jdoffice.services.notifications import Transports

    missing: dict[str, str] = {}
    secrets: list[str] = []
    mail: SmtpMailSender | None = None
    if config.smtp is None:
        missing["email"] = f"no SMTP server is set up: set {ENV_SMTP_URL} or [smtp] url"
    else:
        server = config.smtp
        if timeout_seconds is not None:
            server = dataclasses.replace(
                server, timeout_seconds=min(server.timeout_seconds, timeout_seconds)
            )
        password, problem = _transport_secret("smtp-password", school_slug)
        if problem and server.username and not server.url_password:
            missing["email"] = problem
        else:
            secrets += [password.value, server.url_password.value]
            mail = SmtpMailSender(server, password, config.settings.sender_address)
    sms: TwilioSmsSender | None = None
    if config.sms is None:
        missing["sms"] = (
            f"no SMS provider is set up: set {ENV_SMS_ACCOUNT} (and {ENV_SMS_API_BASE}) "
            "or [sms] account"
        )
    else:
        provider = config.sms
        if timeout_seconds is not None:
            provider = SmsProvider(
                provider.api_base, provider.account, min(provider.timeout_seconds, timeout_seconds)
            )
        token, problem = _transport_secret("sms-token", school_slug)
        if problem:
            missing["sms"] = problem
        else:
            secrets.append(token.value)
            sms = TwilioSmsSender(provider, token, config.settings.sms_sender)
    return Transports(
        mail=mail,
        sms=sms,
        receipt_pdf=receipt_pdf,
        secrets=tuple(s for s in secrets if s),
        missing=missing,
    )


# --- for the front ends: the desk program and the webhook receiver reach the adapters only
# through these (an import-linter contract in pyproject.toml holds them to it) ---


def keyring_available() -> bool:
    """Whether this machine has a keyring to store secrets in."""
    installed_gateways()
    return secret_store.keyring_available()


def secret_state(name: str, school_slug: str) -> SecretState:
    """Whether the secret ``name`` is set for the school, and where; never its value.

    Raises:
        KeyringUnavailable: the keyring is there but could not be read.
    """
    installed_gateways()
    return secret_store.secret_state(name, school_slug)


def set_secret(name: str, school_slug: str, value: str) -> None:
    """Store a secret of the school in this machine's keyring.

    Raises:
        KeyringUnavailable: no keyring, or it refused.
        InvalidInput: a secret no installed gateway (nor the senders) declares.
    """
    installed_gateways()  # the gateways' secrets are known before one is stored
    secret_store.set_secret(name, school_slug, value)


def qr_png(url: str, *, scale: int = 10) -> bytes:
    """The QR code of ``url`` as PNG bytes, with the standard quiet zone of 4 modules."""
    from jdoffice.adapters import qr

    return qr.qr_png(url, scale=scale)


def qr_width(url: str, *, border: int = 4) -> int:
    """How many modules wide the QR code of ``url`` is, quiet zone included."""
    from jdoffice.adapters import qr

    return int(qr.make_qr(url).symbol_size(scale=1, border=border)[0])


def sqlite_url(path: Path) -> URL:
    """The database URL of the SQLite file ``path``."""
    return db.normalize_url(str(path))


def seed_demo(app: App, *, students: int, seed: int) -> None:
    """Fill ``app``'s database (schema made first) with a demo school and its students."""
    from jdoffice.adapters import records

    app.ensure_schema()
    records.seed_demo(app.engine, students=students, seed=seed)
