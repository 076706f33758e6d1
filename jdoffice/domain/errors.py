"""Errors the core raises, grouped by what the caller should do about them.

Each maps to one command-line exit code (see ``jdoffice.cli``) and to one kind of message in
the desk program:

* :class:`InvalidInput` – what was typed or passed is wrong; nothing was changed (exit 2).
* :class:`BusinessRuleError` – the input is well-formed but the rules refuse it, e.g. an
  amount above what is owed, or another desk got there first (exit 3).
* :class:`Unavailable` – the database or a provider cannot be reached; nothing was changed,
  or the outcome was recorded as unknown for a retry (exit 4).
"""

from __future__ import annotations


class JdofficeError(Exception):
    """Base class of every error the core raises on purpose."""


class InvalidInput(JdofficeError):
    """Input that cannot be understood or is out of range."""


class NotFound(InvalidInput):
    """A student, invoice, payment or receipt that does not exist."""


class BusinessRuleError(JdofficeError):
    """Well-formed input that the money rules refuse."""


class Conflict(BusinessRuleError):
    """Another desk (or the web system) changed what this action was based on."""


class IdempotencyMismatch(BusinessRuleError):
    """The same idempotency key was used before with different parameters."""


class Unavailable(JdofficeError):
    """The database or a payment provider could not be reached."""
