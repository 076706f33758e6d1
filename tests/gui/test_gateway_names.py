"""Gateways and payment methods on screen are named as their packages declare them: jdoffice's
own and a provider installed from outside (the test provider, ``testpay``, and its counter
method ``voucher``)."""

from __future__ import annotations

from jdoffice.bootstrap import installed_gateways
from jdoffice.gui import texts
from jdoffice.gui.views.day_report_dialog import method_order
from jdoffice.gui.views.pay_text import method_label, provider_name


def test_a_gateway_is_named_as_it_declares_itself() -> None:
    registry = installed_gateways()
    assert provider_name(registry, "stripe", "da") == "Stripe"
    assert provider_name(registry, "testpay", "da") == "Testbetaling"
    assert provider_name(registry, "testpay", "en") == "Test payments"
    assert provider_name(registry, "gone", "da") == "gone"


def test_a_method_reads_as_its_gateway_declares_it() -> None:
    registry = installed_gateways()
    assert method_label(registry, "cash", "da") == "Kontant"
    assert method_label(registry, "stripe", "da") == "Online (kort/MobilePay)"
    assert method_label(registry, "stripe", "en") == "Online (card/MobilePay)"
    assert method_label(registry, "testpay", "da") == "Testbetaling (online)"
    assert method_label(registry, "voucher", "en") == "Gift voucher"
    assert texts.method_name("testpay", "en") == "Test payment (online)"
    assert texts.method_name("stripe", "da") == "Online (kort/MobilePay)"
    assert texts.method_name("gone", "da") == "gone"


def test_the_day_report_counts_counter_methods_then_online_gateways() -> None:
    methods = ["gone", "testpay", "stripe", "voucher", "card", "cash", "mobilepay"]
    assert method_order(installed_gateways(), methods) == [
        "cash",
        "mobilepay",
        "card",
        "voucher",
        "stripe",
        "testpay",
        "gone",
    ]
