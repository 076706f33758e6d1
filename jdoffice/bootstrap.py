"""The composition root: real adapters and gateways wired once, for the command line, the
webhook receiver and the desk program alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.engine import URL

from jdoffice.adapters import db
from jdoffice.adapters.config import AppConfig, load_config
from jdoffice.adapters.secrets import KeyringUnavailable, get_secret
from jdoffice.domain.errors import BusinessRuleError, Unavailable
from jdoffice.domain.model import School
from jdoffice.gateways.registry import GatewayConfig, Registry, load_registry
from jdoffice.services import queries
from jdoffice.services.gateways import OnlineGateway
from jdoffice.services.settings import PaymentSettings, SettingsOverride, overlay

if TYPE_CHECKING:
    # The ORM loads with the first unit of work: the desk program shows its window while
    # the first one is made in the background.
    from jdoffice.adapters.uow import SqlAlchemyUnitOfWork


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
            self._engine = db.make_engine(self.url)
        return self._engine

    @property
    def config(self) -> AppConfig:
        if self._config is None:
            self._config = load_config()
        return self._config

    @property
    def registry(self) -> Registry:
        return load_registry()

    def uow(self) -> SqlAlchemyUnitOfWork:
        from jdoffice.adapters.uow import SqlAlchemyUnitOfWork

        self.ensure_schema()
        return SqlAlchemyUnitOfWork(self.engine)

    def ensure_schema(self) -> None:
        """SQLite is upgraded in place; a shared database must be upgraded on purpose."""
        if self._schema_checked:
            return
        engine = self.engine
        if db.schema_is_current(engine):
            self._schema_checked = True
            return
        current = db.current_revision(engine)
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
        return queries.resolve_school(self.uow(), slug)

    def school_override(self, school: School) -> SettingsOverride | None:
        uow = self.uow()
        with uow:
            return uow.settings.get(school.id)

    def payment_settings(self, school: School) -> PaymentSettings:
        """Global defaults (config file, environment) overlaid with the school's choices."""
        return overlay(self.config.payments, self.school_override(school))

    def online_gateway(
        self, school: School, settings: PaymentSettings | None = None
    ) -> OnlineGateway:
        s = settings or self.payment_settings(school)
        factory = self.registry.online_factory(s.gateway)
        key = get_secret(f"{s.gateway}-secret-key", school.slug) if s.gateway == "stripe" else None
        hook = None
        if s.gateway == "stripe":
            try:
                hook = get_secret(f"{s.gateway}-webhook-secret", school.slug)
            except KeyringUnavailable:
                # A desk never receives webhooks; only the receiver needs this secret, and it
                # refuses every event (400) without one.
                hook = None
        if not key:
            raise BusinessRuleError(
                f"no {s.gateway} secret key for {school.slug}: run "
                f"`jdoffice --school {school.slug} keys set {s.gateway}-secret-key` "
                "or set JDOFFICE_STRIPE_SECRET_KEY"
            )
        cfg = self.config.stripe
        return factory(
            GatewayConfig(
                secret_key=key.value,
                webhook_secret=hook.value if hook else "",
                api_base=cfg.api_base,
                timeout_seconds=cfg.timeout_seconds,
                max_network_retries=cfg.max_network_retries,
            )
        )

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
