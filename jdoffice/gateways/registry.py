"""Gateways are found through the entry-point group ``jdoffice.gateways``, read by the rule the
services use (:mod:`jdoffice.services.gateway_plugins`); the registry is what the front ends ask.

An entry point names either a :class:`~jdoffice.services.gateways.ManualGatewayInfo` (a method
staff register at the desk) or an :class:`~jdoffice.services.gateways.OnlineGatewayInfo` (a
provider the student pays through on their own device: its secrets, config section,
notification headers and factory). A new provider is a package that declares one more entry
point; no core code changes.

Counter methods and online gateways are separate namespaces: a counter method is known by the
name it gives itself (its entry point may be named otherwise, as ``mobilepay-counter`` is, since
entry-point names are one namespace), an online gateway by its entry point's name. The
``mobilepay`` counter method (a payment staff type in after looking at the student's phone) and
the ``mobilepay`` online gateway live side by side; their payments never share a recorded
method, because an online gateway whose recorded method is a counter method's name is left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from jdoffice.domain.errors import InvalidInput
from jdoffice.services import gateway_plugins
from jdoffice.services.gateways import ManualGatewayInfo, OnlineGatewayInfo, SecretSpec


@dataclass(frozen=True, slots=True)
class Registry:
    manual: dict[str, ManualGatewayInfo]
    online: dict[str, OnlineGatewayInfo]

    def counter_methods(self) -> list[ManualGatewayInfo]:
        """The counter methods in the order the desk offers them (Ctrl+1, Ctrl+2, …)."""
        return sorted(self.manual.values(), key=lambda m: (m.order, m.name))

    def names(self) -> list[str]:
        return sorted({*self.manual, *self.online})

    def online_methods(self) -> dict[str, str]:
        """Each online gateway's name → the method its payments are recorded under."""
        return {name: info.recorded_method for name, info in self.online.items()}

    def online_by_method(self, method: str) -> OnlineGatewayInfo | None:
        """The online gateway whose payments are recorded under ``method``, if any."""
        for info in self.online.values():
            if info.recorded_method == method:
                return info
        return None

    def manual_method(self, name: str) -> ManualGatewayInfo:
        key = name.strip().lower()
        if key in self.manual:
            return self.manual[key]
        if key in self.online:
            raise InvalidInput(f"{key} is an online gateway; start it with `jdoffice link`")
        raise InvalidInput(
            f"unknown payment method {name!r} (use one of: {', '.join(sorted(self.manual))})"
        )

    def online_gateway(self, name: str) -> OnlineGatewayInfo:
        if name not in self.online:
            known = ", ".join(sorted(self.online)) or "none installed"
            raise InvalidInput(f"unknown online gateway {name!r} (known: {known})")
        return self.online[name]

    def secrets(self) -> list[SecretSpec]:
        """Every online gateway's secrets, gateway by gateway."""
        return [spec for name in sorted(self.online) for spec in self.online[name].secrets]

    def method_label(self, method: str, locale: str) -> str | None:
        """How a payment method reads on screen and on receipts, if a gateway names it."""
        manual = self.manual.get(method)
        if manual is not None:
            return manual.label_da if locale.startswith("da") else manual.label_en
        online = self.online_by_method(method)
        return online.method_label(locale) if online is not None else None


@cache
def load_registry() -> Registry:
    """The installed gateways, by the one rule the services use too
    (:func:`jdoffice.services.gateway_plugins.installed`)."""
    found = gateway_plugins.installed()
    return Registry(dict(found.manual), dict(found.online))
