"""The open gateway contract's own rules: a gateway's config section is checked against what it
declares, the registry leaves out what does not load, and counter methods keep their rules."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import pytest

from jdoffice.adapters import secrets
from jdoffice.bootstrap import installed_gateways
from jdoffice.domain.errors import InvalidInput
from jdoffice.gateways import registry
from jdoffice.gateways.stripe_info import GATEWAY as STRIPE
from jdoffice.services import counter_methods, gateway_plugins
from jdoffice.services.counter_methods import CARD, CASH, counter_method
from jdoffice.services.gateways import (
    Capabilities,
    CheckoutStatus,
    Confirmation,
    GatewayConfig,
    ManualGatewayInfo,
    Option,
    OptionKind,
    ReferenceRule,
)


@pytest.mark.parametrize(
    ("option", "raw", "expected"),
    [
        (Option("n", OptionKind.NUMBER, 15.0, minimum=1, maximum=120), "7,5", None),
        (Option("n", OptionKind.NUMBER, 15.0, minimum=1, maximum=120), "7.5", 7.5),
        (Option("n", OptionKind.NUMBER, 15.0, minimum=1, maximum=120), None, 15.0),
        (Option("n", OptionKind.NUMBER, 15.0, minimum=1, maximum=120), "  ", 15.0),
        (Option("w", OptionKind.WHOLE, 2, minimum=0, maximum=10), "3", 3),
        (Option("w", OptionKind.WHOLE, 2, minimum=0, maximum=10), 2.5, None),
        (Option("w", OptionKind.WHOLE, 2, minimum=0, maximum=10), True, None),
        (Option("w", OptionKind.WHOLE, 2, minimum=0, maximum=10), 11, None),
        (Option("u", OptionKind.URL), "https://api.example/", "https://api.example"),
        (Option("u", OptionKind.URL), "file:///etc/passwd", None),
        (Option("u", OptionKind.URL), "https://a.example/x y", None),
        (Option("t", OptionKind.TEXT), 42, None),
    ],
)
def test_an_option_is_converted_or_refused_naming_where_it_came_from(
    option: Option, raw: Any, expected: Any
) -> None:
    if expected is None and raw not in (None, "  "):
        with pytest.raises(InvalidInput, match=f"^config: {option.key} "):
            option.read(raw, "config")
    else:
        assert option.read(raw, "config") == expected


def test_the_environment_wins_over_the_section_and_an_unknown_setting_is_refused() -> None:
    env = {"JDOFFICE_STRIPE_API_BASE": "http://127.0.0.1:9/"}
    options = STRIPE.read_options({"api_base": "https://x.example"}, env, "f")
    assert options["api_base"] == "http://127.0.0.1:9"
    with pytest.raises(InvalidInput, match="JDOFFICE_STRIPE_API_BASE: api_base"):
        STRIPE.read_options({}, {"JDOFFICE_STRIPE_API_BASE": "nope"}, "f")
    with pytest.raises(InvalidInput, match=r"f: unknown setting secret_key"):
        STRIPE.read_options({"secret_key": "sk_test_x"}, {}, "f")


def test_a_gateway_config_never_shows_its_secrets() -> None:
    config = GatewayConfig(secrets={"x-key": "very-secret-value"}, options={"a": 1})
    assert "very-secret-value" not in repr(config)
    assert config.secret("x-key") == "very-secret-value"
    assert config.secret("missing") == ""


@pytest.mark.parametrize(
    ("name", "env"),
    [("Stripe-Key", "JDOFFICE_X"), ("x", "JDOFFICE_X"), ("x-key", "PATH"), ("x-key", "HOME")],
)
def test_a_secret_a_gateway_declares_must_look_like_one(name: str, env: str) -> None:
    with pytest.raises(InvalidInput):
        secrets.declare({name: env})
    assert name not in secrets.known_secrets()


def test_a_declared_secret_keeps_its_first_variable() -> None:
    installed_gateways()
    secrets.declare({"stripe-secret-key": "JDOFFICE_SOMETHING_ELSE"})
    assert secrets.SECRETS["stripe-secret-key"] == "JDOFFICE_STRIPE_SECRET_KEY"


@dataclass
class _EntryPoint:
    name: str
    value: Any

    def load(self) -> Any:
        if isinstance(self.value, Exception):
            raise self.value
        return self.value


def _registry(points: list[_EntryPoint]) -> registry.Registry:
    """The registry over ``points``, by the rule the services read the plugins with."""
    found = gateway_plugins.read(points)
    return registry.Registry(dict(found.manual), dict(found.online))


def test_the_registry_leaves_out_what_does_not_load_or_names_itself_wrongly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    good = ManualGatewayInfo("coupon", "Kupon", "Coupon", Capabilities(instant=True))
    points = [
        _EntryPoint("cash", CASH),
        _EntryPoint("coupon", good),
        _EntryPoint("broken", ImportError("no module named broken_sdk")),
        _EntryPoint("liar", STRIPE),  # an online gateway under another name
        _EntryPoint("odd", object()),
    ]
    found = _registry(points)
    assert sorted(found.manual) == ["cash", "coupon"]
    # The shipped providers, not the one named liar.
    assert sorted(found.online) == ["mobilepay", "stripe"]
    logged = caplog.text
    assert "broken could not be loaded" in logged
    assert "liar names itself stripe" in logged
    assert "odd is neither" in logged


def test_counter_methods_keep_their_rules_and_are_found_by_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(counter_methods, "_installed", dict(counter_methods.BUILT_IN))
    assert counter_method(" CASH ") is CASH
    assert counter_method(CARD) is CARD
    with pytest.raises(InvalidInput, match="card terminal's receipt number"):
        CARD.check_reference("  ")
    CARD.check_reference("004711")
    none = ManualGatewayInfo(
        "giro", "Giro", "Giro", Capabilities(instant=True), reference=ReferenceRule.NONE
    )
    with pytest.raises(InvalidInput, match="takes no reference"):
        none.check_reference("x")
    with pytest.raises(InvalidInput, match="unknown payment method 'cheque'"):
        counter_method("cheque")
    counter_methods.install([none])
    assert counter_method("giro") is none
    assert [m.name for m in counter_methods.known()][:4] == ["cash", "bank", "mobilepay", "card"]


def test_counter_methods_and_online_gateways_are_separate_namespaces(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The counter method ``mobilepay`` (typed in at the desk) and the online gateway
    ``mobilepay`` live side by side; the online one's payments are recorded under a method of
    their own, so the counter payments already recorded keep their meaning. An online gateway
    whose payments would be recorded under a counter method's name is left out."""
    from jdoffice.gateways import mobilepay_info
    from jdoffice.services.counter_methods import MOBILEPAY

    clash = dataclasses.replace(STRIPE, name="clash", payment_method="cash")
    points = [
        _EntryPoint("cash", CASH),
        _EntryPoint("mobilepay-counter", MOBILEPAY),
        _EntryPoint("mobilepay", mobilepay_info.GATEWAY),
        _EntryPoint("stripe", STRIPE),
        _EntryPoint("clash", clash),
    ]
    found = _registry(points)
    assert sorted(found.manual) == ["cash", "mobilepay"]
    assert sorted(found.online) == ["mobilepay", "stripe"]
    assert "clash records its payments as cash" in caplog.text
    assert found.manual_method("MobilePay") is MOBILEPAY
    assert found.online_gateway("mobilepay") is mobilepay_info.GATEWAY
    assert found.online_methods() == {"mobilepay": "mobilepay-online", "stripe": "stripe"}
    # Rows recorded as "mobilepay" are still the counter method's.
    assert found.method_label("mobilepay", "da") == "MobilePay"
    assert found.method_label("mobilepay-online", "da") == "MobilePay (online)"
    assert found.method_label("mobilepay-online", "en") == "MobilePay (online)"
    assert found.online_by_method("mobilepay") is None
    assert found.online_by_method("mobilepay-online") is mobilepay_info.GATEWAY


@pytest.mark.parametrize(
    ("receipt_ref", "expected"),
    [
        ("2024-PSP-88812", "2024-PSP-88812"),
        ("  2024-PSP-88812 ", "2024-PSP-88812"),
        (None, "ours-7f3a"),
        ("", "ours-7f3a"),
        ("x" * 65, "ours-7f3a"),
        ("line\nbreak", "ours-7f3a"),
        ("\x1b[2J", "ours-7f3a"),
    ],
)
def test_a_receipt_names_the_provider_reference_when_usable_else_ours(
    receipt_ref: str | None, expected: str
) -> None:
    c = Confirmation(
        gateway="any",
        provider_ref="ours-7f3a",
        status=CheckoutStatus.PAID,
        amount_minor=100,
        currency="DKK",
        livemode=False,
        receipt_ref=receipt_ref,
    )
    assert c.receipt_reference == expected
