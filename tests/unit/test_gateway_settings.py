"""A school's online gateways (the first the default) and its own settings for them."""

from __future__ import annotations

import pytest

from jdoffice.domain.errors import InvalidInput
from jdoffice.services.school import check_payment_changes
from jdoffice.services.settings import PaymentSettings, split_gateways

INSTALLED = ("stripe", "mobilepay", "testpay")
OPTIONS = {"stripe": ["api_base"], "mobilepay": ["client_id", "merchant_serial_number"]}


def test_the_first_gateway_is_the_default_and_each_is_named_once() -> None:
    s = PaymentSettings(gateway=" mobilepay , stripe,mobilepay ")
    assert s.gateways == ("mobilepay", "stripe")
    assert s.default_gateway == "mobilepay"
    assert s.using("stripe").gateways == ("stripe",)
    assert PaymentSettings().gateways == ("stripe",)
    assert split_gateways(",,") == ()


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (["stripe", "mobilepay"], "stripe,mobilepay"),
        ("mobilepay", "mobilepay"),
        ("stripe, mobilepay, stripe", "stripe,mobilepay"),
    ],
)
def test_gateways_are_stored_comma_separated(given: object, stored: str) -> None:
    assert check_payment_changes({"gateway": given}, INSTALLED) == {"gateway": stored}


@pytest.mark.parametrize(
    ("given", "fragment"),
    [
        (["stripe", "vipps"], "unknown online gateway 'vipps'"),
        ([], "1 to 32 characters"),
        (["stripe", "mobilepay", "testpay", "stripe2x"], "unknown online gateway"),
    ],
)
def test_unknown_or_no_gateway_is_refused(given: object, fragment: str) -> None:
    with pytest.raises(InvalidInput, match=fragment):
        check_payment_changes({"gateway": given}, INSTALLED)


def test_too_many_gateways_for_the_column_are_refused() -> None:
    names = [f"gateway{k:02d}" for k in range(5)]
    with pytest.raises(InvalidInput, match="too many online gateways"):
        check_payment_changes({"gateway": names}, names)


def test_a_gateway_setting_must_be_one_it_declares() -> None:
    ok = {"gateway_options": {"mobilepay": {"client_id": " abc ", "merchant_serial_number": ""}}}
    assert check_payment_changes(ok, INSTALLED, OPTIONS) == {
        "gateway_options": {"mobilepay": {"client_id": "abc", "merchant_serial_number": ""}}
    }
    with pytest.raises(InvalidInput, match="mobilepay has no setting 'colour'"):
        check_payment_changes({"gateway_options": {"mobilepay": {"colour": "x"}}}, None, OPTIONS)
    with pytest.raises(InvalidInput, match="unknown online gateway 'vipps'"):
        check_payment_changes({"gateway_options": {"vipps": {"a": "b"}}}, None, OPTIONS)
    with pytest.raises(InvalidInput, match="printable"):
        check_payment_changes(
            {"gateway_options": {"mobilepay": {"client_id": "a\nb"}}}, None, OPTIONS
        )
