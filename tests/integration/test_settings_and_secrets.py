"""Payment settings (config file, environment, a school's own choices) and provider secrets
(environment over the OS keyring, and a clear answer when there is no keyring)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.fail
import pytest
from sqlalchemy import Engine

from jdoffice.adapters import db
from jdoffice.adapters.config import AppConfig, load_config
from jdoffice.adapters.secrets import (
    SECRETS,
    SERVICE,
    KeyringUnavailable,
    Secret,
    delete_secret,
    get_secret,
    set_secret,
)
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.bootstrap import App
from jdoffice.domain.errors import BusinessRuleError, InvalidInput
from jdoffice.domain.model import UTC
from jdoffice.gateways.stripe_checkout import StripeGateway
from jdoffice.gateways.stripe_info import GATEWAY as STRIPE
from jdoffice.services.gateways import GatewayConfig
from jdoffice.services.settings import (
    DEFAULT_SUCCESS_URL,
    PaymentSettings,
    SettingsOverride,
    overlay,
)
from tests import conftest
from tests.conftest import SchoolKit

ENV_KEYS = (
    "JDOFFICE_CONFIG",
    "JDOFFICE_ONLINE_PAYMENTS",
    "JDOFFICE_GATEWAY",
    "JDOFFICE_CHECKOUT_EXPIRY_MINUTES",
    "JDOFFICE_SUCCESS_URL",
    "JDOFFICE_PAYMENT_MODE",
    "JDOFFICE_STRIPE_API_BASE",
    *SECRETS.values(),
)

FULL_FILE = """
[payments]
online = true
gateway = "stripe"
checkout_expiry_minutes = 90
success_url = "https://koreskole.example/tak"
mode = "test"

[stripe]
api_base = "http://127.0.0.1:12111/"
timeout_seconds = 7
max_network_retries = 3
"""


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing from the machine running the tests leaks into what is read."""
    for key in ENV_KEYS:
        monkeypatch.delenv(key, raising=False)


def _toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- config file


def test_no_config_file_gives_the_defaults(tmp_path: Path) -> None:
    cfg = load_config(tmp_path / "missing.toml", env={})
    assert cfg.payments == PaymentSettings()
    assert cfg.payments.online_enabled is False
    assert cfg.payments.success_url == DEFAULT_SUCCESS_URL
    assert cfg.sections == {}
    options = STRIPE.read_options({}, {}, "config")
    assert options == {"api_base": None, "timeout_seconds": 15.0, "max_network_retries": 2}
    assert cfg.path is None


def test_the_config_file_sets_payments_and_the_stripe_client(tmp_path: Path) -> None:
    path = _toml(tmp_path, FULL_FILE)
    cfg = load_config(path, env={})
    assert cfg.payments == PaymentSettings(
        online_enabled=True,
        gateway="stripe",
        checkout_expiry_minutes=90,
        success_url="https://koreskole.example/tak",
        mode="test",
    )
    assert STRIPE.read_options(cfg.sections["stripe"], {}, "config") == {
        "api_base": "http://127.0.0.1:12111",
        "timeout_seconds": 7.0,
        "max_network_retries": 3,
    }
    assert cfg.path == path


def test_the_environment_wins_over_the_config_file(tmp_path: Path) -> None:
    path = _toml(tmp_path, FULL_FILE)
    cfg = load_config(
        path,
        env={
            "JDOFFICE_ONLINE_PAYMENTS": "off",
            "JDOFFICE_CHECKOUT_EXPIRY_MINUTES": "45",
            "JDOFFICE_SUCCESS_URL": "https://andet.example/ok",
            "JDOFFICE_PAYMENT_MODE": "live",
        },
    )
    assert cfg.payments.online_enabled is False
    assert cfg.payments.checkout_expiry_minutes == 45
    assert cfg.payments.success_url == "https://andet.example/ok"
    assert cfg.payments.mode == "live"
    assert cfg.payments.gateway == "stripe"  # not in the environment: the file's value


def test_the_environment_wins_over_a_gateways_section(tmp_path: Path) -> None:
    cfg = load_config(_toml(tmp_path, FULL_FILE), env={})
    env = {"JDOFFICE_STRIPE_API_BASE": "http://127.0.0.1:9/"}
    options = STRIPE.read_options(cfg.sections["stripe"], env, "config")
    assert options["api_base"] == "http://127.0.0.1:9"
    assert options["timeout_seconds"] == 7.0  # not in the environment: the file's value


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("[stripe]\ntimeout_seconds = 0\n", ("[stripe]", "timeout_seconds", "between 1 and 120")),
        ("[stripe]\nmax_network_retries = -1\n", ("[stripe]", "max_network_retries", "0 and 10")),
        ('[stripe]\ntimeout_seconds = "lang"\n', ("timeout_seconds", "must be a number")),
        ('[stripe]\napi_base = "ftp://x"\n', ("api_base", "http(s) address")),
        ("[stripe]\ntimeout = 10\n", ("[stripe]", "unknown setting timeout", "timeout_seconds")),
        ("stripe = 3\n", ("[stripe] must be a table",)),
    ],
)
def test_a_wrong_gateway_section_is_refused_naming_the_file_and_the_setting(
    tmp_path: Path, text: str, fragments: tuple[str, ...]
) -> None:
    path = _toml(tmp_path, text)

    def options() -> object:
        config = load_config(path, env={})
        return App(db.normalize_url(str(tmp_path / "x.sqlite3")), _config=config).gateway_options(
            STRIPE
        )

    with pytest.raises(InvalidInput) as caught:
        options()
    for fragment in fragments:
        assert fragment in str(caught.value)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("text", ["ja", "on", "1", "true", "yes"])
def test_online_payments_can_be_switched_on_from_the_environment(tmp_path: Path, text: str) -> None:
    cfg = load_config(tmp_path / "missing.toml", env={"JDOFFICE_ONLINE_PAYMENTS": text})
    assert cfg.payments.online_enabled is True


def test_an_empty_environment_variable_does_not_hide_the_file(tmp_path: Path) -> None:
    path = _toml(tmp_path, FULL_FILE)
    cfg = load_config(path, env={"JDOFFICE_ONLINE_PAYMENTS": "  ", "JDOFFICE_PAYMENT_MODE": ""})
    assert cfg.payments.online_enabled is True
    assert cfg.payments.mode == "test"


def test_jdoffice_config_names_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _toml(tmp_path, "[payments]\ncheckout_expiry_minutes = 120\n")
    assert load_config(env={"JDOFFICE_CONFIG": str(path)}).payments.checkout_expiry_minutes == 120
    monkeypatch.setenv("JDOFFICE_CONFIG", str(path))
    cfg = load_config()
    assert cfg.path == path
    assert cfg.payments.checkout_expiry_minutes == 120


@pytest.mark.parametrize(
    ("env", "fragments"),
    [
        (
            {"JDOFFICE_CHECKOUT_EXPIRY_MINUTES": "10"},
            ("JDOFFICE_CHECKOUT_EXPIRY_MINUTES", "between 30 and 1440", "10"),
        ),
        (
            {"JDOFFICE_CHECKOUT_EXPIRY_MINUTES": "2000"},
            ("JDOFFICE_CHECKOUT_EXPIRY_MINUTES", "between 30 and 1440", "2000"),
        ),
        (
            {"JDOFFICE_CHECKOUT_EXPIRY_MINUTES": "en time"},
            ("JDOFFICE_CHECKOUT_EXPIRY_MINUTES", "whole number of minutes", "en time"),
        ),
        ({"JDOFFICE_PAYMENT_MODE": "prod"}, ("JDOFFICE_PAYMENT_MODE", "test or live", "prod")),
        ({"JDOFFICE_ONLINE_PAYMENTS": "måske"}, ("JDOFFICE_ONLINE_PAYMENTS", "on or off", "måske")),
        ({"JDOFFICE_SUCCESS_URL": "ftp://x.dk/"}, ("JDOFFICE_SUCCESS_URL", "web address")),
        ({"JDOFFICE_GATEWAY": "x" * 40}, ("JDOFFICE_GATEWAY", "1 to 32 characters")),
    ],
)
def test_an_invalid_environment_value_is_refused_naming_the_variable(
    tmp_path: Path, env: dict[str, str], fragments: tuple[str, ...]
) -> None:
    with pytest.raises(InvalidInput) as caught:
        load_config(tmp_path / "missing.toml", env=env)
    for fragment in fragments:
        assert fragment in str(caught.value)


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("[payments]\ncheckout_expiry_minutes = 5\n", ("checkout_expiry_minutes", "between 30")),
        ("[payments]\ncheckout_expiry_minutes = true\n", ("checkout_expiry_minutes", "minutes")),
        ('[payments]\nmode = "sandbox"\n', ("[payments] mode", "test or live")),
        ('[payments]\nonline = "kanske"\n', ("[payments] online", "on or off")),
        ('[payments]\nsuccess_url = "tak.html"\n', ("success_url", "web address")),
        ("payments = 3\n", ("[payments] must be a table",)),
        ("[payments\nonline = true\n", ("not valid TOML",)),
    ],
)
def test_an_invalid_config_file_is_refused_with_a_clear_message(
    tmp_path: Path, text: str, fragments: tuple[str, ...]
) -> None:
    path = _toml(tmp_path, text)
    with pytest.raises(InvalidInput) as caught:
        load_config(path, env={})
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message
    if "TOML" not in message:
        assert str(path) in message


# --------------------------------------------------------------------------- a school's choices


def test_a_schools_choices_overlay_the_global_defaults() -> None:
    defaults = PaymentSettings(online_enabled=False, checkout_expiry_minutes=60, mode="test")
    assert overlay(defaults, None) == defaults
    assert overlay(defaults, SettingsOverride()) == defaults
    mine = overlay(defaults, SettingsOverride(online_enabled=True, checkout_expiry_minutes=120))
    assert mine == dataclasses.replace(defaults, online_enabled=True, checkout_expiry_minutes=120)
    # An explicit "off" is a choice, not "use the default".
    on_by_default = dataclasses.replace(defaults, online_enabled=True)
    assert overlay(on_by_default, SettingsOverride(online_enabled=False)).online_enabled is False


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [
        (PaymentSettings(checkout_expiry_minutes=29), "between 30 and 1440"),
        (PaymentSettings(mode="staging"), "test or live"),
        (PaymentSettings(success_url="mailto:kontor@example.dk"), "web address"),
        (PaymentSettings(gateway=""), "1 to 32"),
    ],
)
def test_settings_that_cannot_work_are_refused_by_validation(
    settings: PaymentSettings, fragment: str
) -> None:
    with pytest.raises(InvalidInput, match=fragment):
        settings.validated()


def _app(database: conftest.TestDatabase, engine: Engine, payments: PaymentSettings) -> App:
    config = AppConfig(payments=payments, sections={"stripe": {"api_base": "http://127.0.0.1:9"}})
    return App(database.url, _config=config, _engine=engine)


def test_the_app_overlays_the_schools_stored_choices_on_the_global_defaults(
    kit: SchoolKit, uow: SqlAlchemyUnitOfWork, database: conftest.TestDatabase, engine: Engine
) -> None:
    defaults = PaymentSettings(online_enabled=False, checkout_expiry_minutes=60)
    app = _app(database, engine, defaults)
    assert app.payment_settings(kit.school) == defaults

    with uow.write():
        uow.settings.save(
            kit.school.id,
            SettingsOverride(online_enabled=True, checkout_expiry_minutes=240, mode="live"),
            dt.datetime.now(UTC),
        )
        uow.commit()
    chosen = app.payment_settings(kit.school)
    assert chosen.online_enabled is True
    assert chosen.checkout_expiry_minutes == 240
    assert chosen.mode == "live"
    assert chosen.gateway == defaults.gateway
    assert chosen.success_url == defaults.success_url

    with uow.write():
        uow.settings.save(
            kit.school.id, SettingsOverride(online_enabled=False), dt.datetime.now(UTC)
        )
        uow.commit()
    assert app.payment_settings(kit.school) == defaults
    with uow:
        assert uow.settings.get(kit.school.id) == SettingsOverride(online_enabled=False)


# --------------------------------------------------------------------------- secrets


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that keeps passwords in a dict (what a desktop keyring does, in memory)."""

    priority = 1.0

    def __init__(self) -> None:
        init: Callable[[], None] = super().__init__
        init()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.passwords.pop((service, username), None)


class BrokenKeyring(MemoryKeyring):
    """A keyring whose backend fails (a locked or crashed desktop keyring)."""

    def get_password(self, service: str, username: str) -> str | None:
        raise RuntimeError("the keyring daemon went away")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise RuntimeError("the keyring daemon went away")


@pytest.fixture
def restore_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    try:
        yield
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def memory_keyring(restore_keyring: None) -> MemoryKeyring:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend


@pytest.fixture
def no_keyring(restore_keyring: None) -> None:
    no_backend: Callable[[], keyring.backend.KeyringBackend] = keyring.backends.fail.Keyring
    keyring.set_keyring(no_backend())


def test_a_secret_set_in_the_keyring_is_read_back_per_school(memory_keyring: MemoryKeyring) -> None:
    set_secret("stripe-secret-key", "osterbro", "  sk_test_osterbro\n")
    set_secret("stripe-webhook-secret", "osterbro", "whsec_osterbro")
    set_secret("stripe-secret-key", "vesterbro", "sk_test_vesterbro")

    assert get_secret("stripe-secret-key", "osterbro").value == "sk_test_osterbro"
    assert get_secret("stripe-webhook-secret", "osterbro").value == "whsec_osterbro"
    assert get_secret("stripe-secret-key", "vesterbro").value == "sk_test_vesterbro"
    assert not get_secret("stripe-webhook-secret", "vesterbro")
    assert memory_keyring.passwords[(SERVICE, "stripe-secret-key:osterbro")] == "sk_test_osterbro"

    delete_secret("stripe-secret-key", "osterbro")
    assert not get_secret("stripe-secret-key", "osterbro")
    assert get_secret("stripe-secret-key", "vesterbro").value == "sk_test_vesterbro"


def test_the_environment_overrides_the_keyring(
    memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_secret("stripe-secret-key", "osterbro", "sk_test_from_keyring")
    set_secret("stripe-webhook-secret", "osterbro", "whsec_from_keyring")
    monkeypatch.setenv("JDOFFICE_STRIPE_SECRET_KEY", "sk_test_from_env")
    assert get_secret("stripe-secret-key", "osterbro").value == "sk_test_from_env"
    assert get_secret("stripe-webhook-secret", "osterbro").value == "whsec_from_keyring"
    monkeypatch.setenv("JDOFFICE_STRIPE_WEBHOOK_SECRET", "whsec_from_env")
    assert get_secret("stripe-webhook-secret", "osterbro").value == "whsec_from_env"


def test_without_a_keyring_reading_gives_nothing_and_writing_says_why(no_keyring: None) -> None:
    assert get_secret("stripe-secret-key", "osterbro") == Secret()
    assert not get_secret("stripe-secret-key", "osterbro")
    with pytest.raises(KeyringUnavailable) as caught:
        set_secret("stripe-secret-key", "osterbro", "sk_test_x")
    message = str(caught.value)
    assert "no keyring backend" in message
    assert "JDOFFICE_STRIPE_SECRET_KEY" in message
    with pytest.raises(KeyringUnavailable, match="no keyring backend"):
        delete_secret("stripe-secret-key", "osterbro")


def test_without_a_keyring_the_environment_still_works(
    no_keyring: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JDOFFICE_STRIPE_SECRET_KEY", "sk_test_server")
    assert get_secret("stripe-secret-key", "osterbro").value == "sk_test_server"


def test_a_failing_keyring_is_reported_without_the_backends_details(
    restore_keyring: None,
) -> None:
    keyring.set_keyring(BrokenKeyring())
    with pytest.raises(KeyringUnavailable, match="could not be read"):
        get_secret("stripe-secret-key", "osterbro")
    with pytest.raises(KeyringUnavailable, match="could not be written") as caught:
        set_secret("stripe-secret-key", "osterbro", "sk_test_secret_value")
    assert "sk_test_secret_value" not in str(caught.value)


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("stripe-secret-key", "   \n", "empty"),
        ("stripe-secret-key", "sk_test_a sk_test_b", "white space"),
        ("stripe-password", "x", "unknown secret"),
    ],
)
def test_a_secret_that_cannot_be_right_is_refused(
    memory_keyring: MemoryKeyring, name: str, value: str, fragment: str
) -> None:
    with pytest.raises(InvalidInput, match=fragment):
        set_secret(name, "osterbro", value)
    assert memory_keyring.passwords == {}


def test_a_secret_never_shows_its_value() -> None:
    value = "not-a-real-key-0000-secret-value"
    secret = Secret(value)
    for shown in (repr(secret), str(secret), f"{secret}", f"{secret!r}", repr([secret])):
        assert value not in shown
        assert "****" in shown
    assert bool(secret)
    assert repr(Secret()) == "Secret()"
    assert not Secret()
    config = GatewayConfig(
        secrets={"stripe-secret-key": value, "stripe-webhook-secret": "whsec_also_secret"}
    )
    assert value not in repr(config)
    assert "whsec_also_secret" not in repr(config)


# --------------------------------------------------------------------------- the gateway


def test_the_app_builds_the_gateway_from_the_schools_keyring_secrets(
    kit: SchoolKit, database: conftest.TestDatabase, engine: Engine, memory_keyring: MemoryKeyring
) -> None:
    app = _app(database, engine, PaymentSettings(online_enabled=True))
    with pytest.raises(BusinessRuleError) as caught:
        app.online_gateway(kit.school)
    assert "keys set stripe-secret-key" in str(caught.value)
    assert kit.school.slug in str(caught.value)

    set_secret("stripe-secret-key", kit.school.slug, "sk_test_school")
    set_secret("stripe-webhook-secret", kit.school.slug, "whsec_school")
    gateway = app.online_gateway(kit.school)
    try:
        assert isinstance(gateway, StripeGateway)
        assert gateway.name == "stripe"
        assert gateway.capabilities.online
    finally:
        if isinstance(gateway, StripeGateway):
            gateway.close()
