"""Which payment method an online gateway's payments are recorded under, and back.

Online gateways and counter methods are separate namespaces (a gateway and a counter method
may share a name), but a recorded payment has one method. Each online gateway declares the
method its payments are recorded under (:attr:`OnlineGatewayInfo.recorded_method`, by default
its name). The installed ones are read on first use
(:func:`jdoffice.services.gateway_plugins.installed`, the rule the composition root's registry
uses too), so the services ask :func:`method_of` (a gateway's payments) and :func:`gateway_of`
(a payment's gateway) with no start-up code having run first: MobilePay online's payments are
``mobilepay-online`` in any process, never the counter method's ``mobilepay``.
"""

from __future__ import annotations

from jdoffice.services import gateway_plugins


def method_of(gateway_name: str) -> str:
    """The method a payment through ``gateway_name`` is recorded under."""
    info = gateway_plugins.installed().online.get(gateway_name)
    return info.recorded_method if info is not None else gateway_name


def gateway_of(method: str) -> str | None:
    """The online gateway a payment recorded under ``method`` went through, if one did."""
    for name, info in gateway_plugins.installed().online.items():
        if info.recorded_method == method:
            return name
    return None
