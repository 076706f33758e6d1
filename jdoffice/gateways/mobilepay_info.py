"""MobilePay (Vipps MobilePay's ePayment API) as the core sees it: its name, labels, secrets,
config section ``[mobilepay]`` and the headers its notifications are verified with. Cheap to
import: the client module (and httpx) loads only when a gateway is built.

The entry point ``jdoffice.gateways: mobilepay`` names this gateway; the counter method of the
same name (MobilePay registered by hand at the desk) has the entry point ``mobilepay-counter``.
Online gateways and counter methods are separate namespaces, and this gateway's payments are
recorded under a method of their own (:data:`PAYMENT_METHOD`, "MobilePay (online)" on
receipts), so the counter payments already recorded as ``mobilepay`` keep their meaning.
"""

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

NAME = "mobilepay"
#: The method its payments are recorded under (``mobilepay`` is the counter method's).
PAYMENT_METHOD = "mobilepay-online"
CLIENT_SECRET = "mobilepay-client-secret"  # noqa: S105 - the name of a keyring entry
SUBSCRIPTION_KEY = "mobilepay-subscription-key"
WEBHOOK_SECRET = "mobilepay-webhook-secret"  # noqa: S105 - the name of a keyring entry

#: Where the production API is (Access Token API and ePayment API share the host); the test
#: environment is ``https://apitest.vipps.no``. A payment is live exactly when the gateway
#: talks to this address.
PRODUCTION_API_BASE = "https://api.vipps.no"
TEST_API_BASE = "https://apitest.vipps.no"

#: The request headers the Webhooks API signs (HMAC-SHA256 over the method, the path and
#: query, ``x-ms-date``, ``host`` and ``x-ms-content-sha256``) plus the request line itself.
SIGNATURE_HEADERS = (
    "x-ms-date",
    "x-ms-content-sha256",
    "host",
    "authorization",
    ":method",
    ":path",
)

#: No account-wide event list: ``payments sync`` asks about each open payment instead.
CAPABILITIES = Capabilities(
    online=True,
    refunds=True,
    partial_refunds=True,
    webhooks=True,
    events=False,
    push=True,
)


def create(config: GatewayConfig) -> OnlineGateway:
    """Load the client module only when a gateway is built; it takes its constants from here."""
    module = importlib.import_module("jdoffice.gateways.mobilepay_epayment")
    gateway: OnlineGateway = module.create(config)
    return gateway


#: What the entry point ``jdoffice.gateways: mobilepay`` names.
GATEWAY = OnlineGatewayInfo(
    name=NAME,
    label_da="MobilePay",
    label_en="MobilePay",
    capabilities=CAPABILITIES,
    factory=create,
    secrets=(
        SecretSpec(
            name=CLIENT_SECRET,
            env="JDOFFICE_MOBILEPAY_CLIENT_SECRET",
            label_da="Client secret (API-nøgle)",
            label_en="Client secret (API key)",
        ),
        SecretSpec(
            name=SUBSCRIPTION_KEY,
            env="JDOFFICE_MOBILEPAY_SUBSCRIPTION_KEY",
            label_da="Ocp-Apim-Subscription-Key",
            label_en="Ocp-Apim-Subscription-Key",
        ),
        SecretSpec(
            name=WEBHOOK_SECRET,
            env="JDOFFICE_MOBILEPAY_WEBHOOK_SECRET",
            label_da="Webhook-hemmelighed",
            label_en="Webhook secret",
            desk=False,
        ),
    ),
    options=(
        Option(
            "api_base",
            OptionKind.URL,
            PRODUCTION_API_BASE,
            env="JDOFFICE_MOBILEPAY_API_BASE",
            help=(
                "Where the Vipps MobilePay API is: https://api.vipps.no (live payments) or "
                "https://apitest.vipps.no (test payments)"
            ),
        ),
        Option(
            "client_id",
            OptionKind.TEXT,
            env="JDOFFICE_MOBILEPAY_CLIENT_ID",
            help="The sales unit's client_id",
        ),
        Option(
            "merchant_serial_number",
            OptionKind.TEXT,
            env="JDOFFICE_MOBILEPAY_MSN",
            help="The sales unit's merchant serial number (MSN)",
        ),
        Option("timeout_seconds", OptionKind.NUMBER, 15.0, minimum=1, maximum=120),
    ),
    signature_headers=SIGNATURE_HEADERS,
    method_label_da="MobilePay (online)",
    method_label_en="MobilePay (online)",
    payment_method=PAYMENT_METHOD,
)
