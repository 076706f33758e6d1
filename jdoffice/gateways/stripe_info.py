"""Stripe as the core sees it: its name, labels, secrets, config section and notification
header. Cheap to import (the Stripe library loads only when a gateway is built), so listing the
installed gateways does not slow a command down."""

from __future__ import annotations

import importlib

from jdoffice.services.gateways import (
    Capabilities,
    GatewayConfig,
    OnlineGateway,
    OnlineGatewayInfo,
    Option,
    OptionKind,
    SecretSpec,
)

NAME = "stripe"
SIGNATURE_HEADER = "stripe-signature"
SECRET_KEY = "stripe-secret-key"  # noqa: S105 - the name of a keyring entry
WEBHOOK_SECRET = "stripe-webhook-secret"  # noqa: S105 - the name of a keyring entry
CAPABILITIES = Capabilities(
    online=True, refunds=True, partial_refunds=True, webhooks=True, events=True, payouts=True
)


def create(config: GatewayConfig) -> OnlineGateway:
    """Load the gateway's module (and the Stripe library) only when one is built; that module
    takes its constants from this one."""
    module = importlib.import_module("jdoffice.gateways.stripe_checkout")
    gateway: OnlineGateway = module.create(config)
    return gateway


#: What the entry point ``jdoffice.gateways: stripe`` names.
GATEWAY = OnlineGatewayInfo(
    name=NAME,
    label_da="Stripe",
    label_en="Stripe",
    capabilities=CAPABILITIES,
    factory=create,
    secrets=(
        SecretSpec(
            name=SECRET_KEY,
            env="JDOFFICE_STRIPE_SECRET_KEY",
            label_da="Hemmelig nøgle (sk_…)",
            label_en="Secret key (sk_…)",
        ),
        SecretSpec(
            name=WEBHOOK_SECRET,
            env="JDOFFICE_STRIPE_WEBHOOK_SECRET",
            label_da="Webhook-hemmelighed (whsec_…)",
            label_en="Webhook signing secret (whsec_…)",
            desk=False,
        ),
    ),
    options=(
        Option(
            "api_base",
            OptionKind.URL,
            env="JDOFFICE_STRIPE_API_BASE",
            help="Where the Stripe API is (unset: the real Stripe)",
        ),
        Option("timeout_seconds", OptionKind.NUMBER, 15.0, minimum=1, maximum=120),
        Option("max_network_retries", OptionKind.WHOLE, 2, minimum=0, maximum=10),
    ),
    signature_headers=(SIGNATURE_HEADER,),
    method_label_da="Online (kort/MobilePay)",
    method_label_en="Online (card/MobilePay)",
)
