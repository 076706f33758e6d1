"""Gateways are found through the entry-point group ``jdoffice.gateways``.

An entry point names either a :class:`~jdoffice.services.gateways.ManualGatewayInfo` (a method
staff register at the desk) or a factory ``(GatewayConfig) -> OnlineGateway``
(:data:`~jdoffice.services.gateways.OnlineFactory`). A new provider
is a package that declares one more entry point; no core code changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points

from jdoffice.domain.errors import InvalidInput
from jdoffice.services.gateways import ENTRY_POINT_GROUP, ManualGatewayInfo, OnlineFactory


@dataclass(frozen=True, slots=True)
class Registry:
    manual: dict[str, ManualGatewayInfo]
    online: dict[str, OnlineFactory]

    def names(self) -> list[str]:
        return sorted({*self.manual, *self.online})

    def manual_method(self, name: str) -> ManualGatewayInfo:
        key = name.strip().lower()
        if key in self.manual:
            return self.manual[key]
        if key in self.online:
            raise InvalidInput(f"{key} is an online gateway; start it with `jdoffice link`")
        raise InvalidInput(
            f"unknown payment method {name!r} (use one of: {', '.join(sorted(self.manual))})"
        )

    def online_factory(self, name: str) -> OnlineFactory:
        if name not in self.online:
            known = ", ".join(sorted(self.online)) or "none installed"
            raise InvalidInput(f"unknown online gateway {name!r} (known: {known})")
        return self.online[name]


@cache
def load_registry() -> Registry:
    manual: dict[str, ManualGatewayInfo] = {}
    online: dict[str, OnlineFactory] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        obj = ep.load()
        if isinstance(obj, ManualGatewayInfo):
            manual[ep.name] = obj
        elif callable(obj):
            online[ep.name] = obj
    if not manual:
        # Running from a source tree without installed metadata: the built-ins still work.
        from jdoffice.gateways import manual as builtin

        manual = {g.name: g for g in (builtin.CASH, builtin.BANK, builtin.MOBILEPAY, builtin.CARD)}
    if "stripe" not in online:
        from jdoffice.gateways.stripe_checkout import create

        online["stripe"] = create
    return Registry(manual, online)
