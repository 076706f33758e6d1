"""What the payment and refund paths share: the clock, retrying a transaction a database
refused for a conflict, checking free text, the receipt's header."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

from jdoffice.domain.errors import (
    InvalidInput,
)
from jdoffice.domain.model import (
    UTC,
    School,
)
from jdoffice.domain.text import refuse_unsafe
from jdoffice.services.ports import ConnectionLost, TransientConflict, UnitOfWork

T = TypeVar("T")

MAX_REFERENCE = 200
MAX_REASON = 500


def utcnow() -> dt.datetime:
    return dt.datetime.now(UTC)


def retrying(fn: Callable[[], T], attempts: int = 5) -> T:
    """Run ``fn`` again when the database reports a deadlock or serialization failure, or
    ended the connection before the transaction committed (a server restart, a connection
    the check at checkout could not see was closed yet).

    Each attempt opens its own transaction, so a retry re-reads everything it decides on.
    """
    for attempt in range(attempts):
        try:
            return fn()
        except (TransientConflict, ConnectionLost):
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def clean_text(value: str | None, what: str, limit: int) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise InvalidInput(f"{what} is too long ({len(text)} characters, at most {limit})")
    # Control characters, DEL, C1 and bidi controls would reach terminals, receipts and
    # CSV files as they are: refused, not stored (issue 10).
    return refuse_unsafe(text, what)


def receipt_header(uow: UnitOfWork, school: School) -> School:
    """The school as its receipts print it now: name, address and CVR are read again in the
    transaction that issues the receipt, so a header changed at another desk (or after this
    desk opened) is on the very next receipt."""
    return uow.schools.get(school.id) or school
