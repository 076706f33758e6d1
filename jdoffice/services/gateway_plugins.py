"""The installed gateway plugins, read from the entry-point group ``jdoffice.gateways`` on first
use: the one rule for which counter methods and online gateways there are, and which method an
online gateway's payments are recorded under.

The services ask it themselves (:mod:`~jdoffice.services.counter_methods`,
:mod:`~jdoffice.services.online_methods`), the receipts get their method words from it, and the
composition root's registry (:func:`jdoffice.gateways.registry.load_registry`) is built from it;
so a process that uses the services directly, without the composition root having started
first, records a payment through MobilePay online as ``mobilepay-online`` and never as the
counter method ``mobilepay``.

An entry point names either a :class:`~jdoffice.services.gateways.ManualGatewayInfo` (a method
staff register at the desk, known by the name it gives itself: entry-point names are one
namespace, so ``mobilepay-counter`` names the counter method ``mobilepay``) or an
:class:`~jdoffice.services.gateways.OnlineGatewayInfo` (a provider, known by its entry point's
name, which must be its own). An online gateway whose recorded method is a counter method's or
another online gateway's is left out: a payment's method names one way it was paid. A plugin
that does not load is logged and left out; it never stops the desk.

jdoffice's own entry points (:data:`OWN`, as ``pyproject.toml`` declares them) are read from
here when the installed metadata lacks them (a source tree without metadata, or metadata
older than a gateway): no counter method installed means the built-in ones, and a missing
shipped provider is added.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, Final, Protocol

from jdoffice.domain import receipt_text
from jdoffice.services.gateways import ENTRY_POINT_GROUP, ManualGatewayInfo, OnlineGatewayInfo

log = logging.getLogger(__name__)

#: jdoffice's own entry points in ``jdoffice.gateways`` (``pyproject.toml``; a test keeps the
#: two the same): entry-point name → ``module:attribute``.
OWN: Final[Mapping[str, str]] = {
    "cash": "jdoffice.gateways.manual:CASH",
    "bank": "jdoffice.gateways.manual:BANK",
    "mobilepay-counter": "jdoffice.gateways.manual:MOBILEPAY",
    "card": "jdoffice.gateways.manual:CARD",
    "stripe": "jdoffice.gateways.stripe_info:GATEWAY",
    "mobilepay": "jdoffice.gateways.mobilepay_info:GATEWAY",
}
#: The online gateways jdoffice ships: added when the installed metadata lacks them.
SHIPPED_ONLINE: Final = ("stripe", "mobilepay")


class EntryPoint(Protocol):
    @property
    def name(self) -> str: ...

    def load(self) -> Any: ...


@dataclass(frozen=True, slots=True)
class OwnEntryPoint:
    """One of :data:`OWN`, loaded as its installed entry point would be."""

    name: str
    value: str

    def load(self) -> Any:
        module, _, attr = self.value.partition(":")
        return getattr(importlib.import_module(module), attr)


@dataclass(frozen=True, slots=True)
class Installed:
    """The installed counter methods (by their own names) and online gateways (by name)."""

    manual: Mapping[str, ManualGatewayInfo]
    online: Mapping[str, OnlineGatewayInfo]

    def online_methods(self) -> dict[str, str]:
        """Each online gateway's name → the method its payments are recorded under."""
        return {name: info.recorded_method for name, info in self.online.items()}

    def method_words(self) -> dict[str, dict[str, str]]:
        """How each method reads on a receipt: ``{method: {"da": …, "en": …}}``."""
        return {
            **{m.name: {"da": m.label_da, "en": m.label_en} for m in self.manual.values()},
            **{
                g.recorded_method: {"da": g.method_label("da"), "en": g.method_label("en")}
                for g in self.online.values()
            },
        }


_found: Installed | None = None
_reading = threading.RLock()
_busy = False


def installed() -> Installed:
    """The installed plugins, read once (thread-safe). A plugin that asks while it is being
    read (as it is imported) gets none: the services then know their built-ins only."""
    global _found, _busy
    found = _found
    if found is not None:
        return found
    with _reading:
        if _found is not None:
            return _found
        if _busy:
            return Installed({}, {})
        _busy = True
        try:
            _found = read(entry_points(group=ENTRY_POINT_GROUP))
        finally:
            _busy = False
        return _found


def read(points: Iterable[EntryPoint]) -> Installed:
    """The plugins behind ``points``, by the rules above."""
    manual: dict[str, ManualGatewayInfo] = {}
    online: dict[str, OnlineGatewayInfo] = {}
    for ep in points:
        _take(ep, manual, online)
    if not manual:
        # Running from a source tree without installed metadata: the built-ins still work.
        for name, value in OWN.items():
            if name not in SHIPPED_ONLINE:
                _take(OwnEntryPoint(name, value), manual, online)
    for name in SHIPPED_ONLINE:
        if name not in online:
            _take(OwnEntryPoint(name, OWN[name]), manual, online)
    return Installed(manual, _distinct_methods(manual, online))


def _take(
    ep: EntryPoint, manual: dict[str, ManualGatewayInfo], online: dict[str, OnlineGatewayInfo]
) -> None:
    try:
        obj = ep.load()
    except Exception as exc:  # a broken plugin must not stop the desk
        log.error("payment gateway %s could not be loaded: %s", ep.name, exc)
        return
    if isinstance(obj, ManualGatewayInfo):
        # Known by its own name: the entry point's may differ (one namespace for both).
        manual[obj.name] = obj
    elif isinstance(obj, OnlineGatewayInfo):
        if obj.name != ep.name:
            log.error("payment gateway %s names itself %s; left out", ep.name, obj.name)
            return
        online[ep.name] = obj
    else:
        log.error("payment gateway %s is neither a counter method nor a provider", ep.name)


def _distinct_methods(
    manual: Mapping[str, ManualGatewayInfo], online: Mapping[str, OnlineGatewayInfo]
) -> dict[str, OnlineGatewayInfo]:
    """The online gateways whose recorded method is no counter method's and no other online
    gateway's: a payment's method names one way it was paid."""
    kept: dict[str, OnlineGatewayInfo] = {}
    taken = set(manual)
    for name in sorted(online):
        info = online[name]
        if info.recorded_method in taken:
            log.error(
                "online gateway %s records its payments as %s, which another method is "
                "recorded as; left out",
                name,
                info.recorded_method,
            )
            continue
        taken.add(info.recorded_method)
        kept[name] = info
    return kept


# The receipts name the installed methods in their own words, read when a receipt first needs
# them (the domain reads no entry points itself).
receipt_text.name_methods_from(lambda: installed().method_words())
