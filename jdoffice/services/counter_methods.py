"""The counter methods: the ones jdoffice ships (cash, bank transfer, MobilePay at the counter,
the card terminal) and those installed beside them.

Each is declared like any gateway (an entry point in ``jdoffice.gateways``). The installed
ones are read on first use (:func:`jdoffice.services.gateway_plugins.installed`, the rule the
composition root's registry uses too), so the services know every method by its name whoever
started them, and a payment given as ``"card"`` (from the command line, the desk, or a desk's
outbox pushed hours later) is checked by that method's own rules.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from jdoffice.domain.errors import InvalidInput
from jdoffice.services import gateway_plugins
from jdoffice.services.gateways import Capabilities, ManualGatewayInfo, ReferenceRule

CASH = ManualGatewayInfo(
    name="cash",
    label_da="Kontant",
    label_en="Cash",
    capabilities=Capabilities(instant=True, cash=True),
    order=10,
)
BANK = ManualGatewayInfo(
    name="bank",
    label_da="Bankoverførsel",
    label_en="Bank transfer",
    capabilities=Capabilities(instant=True),
    order=20,
)
MOBILEPAY = ManualGatewayInfo(
    name="mobilepay",
    label_da="MobilePay",
    label_en="MobilePay",
    capabilities=Capabilities(instant=True),
    order=30,
)
#: Taken on the school's standalone card terminal (Dankort/Visa): exact, no rounding, and
#: only with the terminal's receipt number, which ties it to the terminal's own day report.
CARD = ManualGatewayInfo(
    name="card",
    label_da="Betalingskort (terminal)",
    label_en="Card (terminal)",
    capabilities=Capabilities(instant=True),
    reference=ReferenceRule.REQUIRED,
    reference_label_da="kortterminalens kvitteringsnummer",
    reference_label_en="the card terminal's receipt number",
    order=40,
)

BUILT_IN: dict[str, ManualGatewayInfo] = {m.name: m for m in (CASH, BANK, MOBILEPAY, CARD)}

#: The built-ins and what :func:`install` added; they win over an installed plugin's method
#: of the same name.
_installed: dict[str, ManualGatewayInfo] = dict(BUILT_IN)
_installing = threading.Lock()


def install(methods: Iterable[ManualGatewayInfo]) -> None:
    """Make more counter methods known by name (the built-ins and those installed stay)."""
    with _installing:
        for method in methods:
            _installed.setdefault(method.name, method)


def _methods() -> dict[str, ManualGatewayInfo]:
    """The known counter methods: the installed plugins' (read on first use), the built-ins
    and what :func:`install` added."""
    return {**gateway_plugins.installed().manual, **_installed}


def known() -> list[ManualGatewayInfo]:
    """Every known counter method, in the order the desk offers them."""
    return sorted(_methods().values(), key=lambda m: (m.order, m.name))


def counter_method(method: str | ManualGatewayInfo) -> ManualGatewayInfo:
    """``method`` as a descriptor: a known one by name, or the one given.

    Raises:
        InvalidInput: no known method has that name.
    """
    if isinstance(method, ManualGatewayInfo):
        return method
    found = _methods().get(method.strip().lower()) if isinstance(method, str) else None
    if found is None:
        names = ", ".join(m.name for m in known())
        raise InvalidInput(f"unknown payment method {method!r} (use one of: {names})")
    return found


def is_counter_method(name: str) -> bool:
    return name in _methods()
