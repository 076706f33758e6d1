"""Which payment method an online gateway's payments are recorded under, and back.

Online gateways and counter methods are separate namespaces (a gateway and a counter method
may share a name), but a recorded payment has one method. Each online gateway declares the
method its payments are recorded under (:attr:`OnlineGatewayInfo.recorded_method`, by default
its name); the composition root hands the installed ones to :func:`install`, and the services
ask :func:`method_of` (a gateway's payments) and :func:`gateway_of` (a payment's gateway).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

_methods: dict[str, str] = {}
_gateways: dict[str, str] = {}
_installing = threading.Lock()


def install(methods: Mapping[str, str]) -> None:
    """Make the installed online gateways' recorded methods known (gateway name → method)."""
    with _installing:
        for name, method in methods.items():
            _methods[name] = method
            _gateways[method] = name


def method_of(gateway_name: str) -> str:
    """The method a payment through ``gateway_name`` is recorded under."""
    return _methods.get(gateway_name, gateway_name)


def gateway_of(method: str) -> str | None:
    """The online gateway a payment recorded under ``method`` went through, if one did."""
    return _gateways.get(method)
