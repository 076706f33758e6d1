"""The use cases: functions (and the desk's verbs) that take a unit of work and gateways.

Importing the package makes the receipts ask the installed gateway plugins for their methods'
words when a receipt first needs them (:mod:`jdoffice.services.gateway_plugins`), so any
process that reads a receipt through jdoffice names its method as the desk does, with no
start-up code having run first.
"""

from jdoffice.services import gateway_plugins

__all__ = ["gateway_plugins"]
