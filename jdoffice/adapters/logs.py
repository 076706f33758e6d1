"""Logging set up once for the command line, the webhook receiver and the desk program.

Libraries log what they are given: with ``-v`` the Stripe library writes the API base URL
(which may carry ``user:password@``) and HTTP libraries write request lines. A filter on
every handler takes credentials out of each line (:func:`jdoffice.domain.text.redact_secrets`)
and makes it one line of printable characters, so a name from the web system cannot forge
or colour log lines (issue 10).
"""

from __future__ import annotations

import copy
import logging
import os
from typing import Any

from jdoffice.domain.text import printable, redact_secrets

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFilter(logging.Filter):
    """Rewrites a record's message (and its traceback text) without credentials and without
    control characters. It never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format: logging reports it itself
            return True
        record.msg = printable(redact_secrets(message))
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = printable(redact_secrets(record.exc_text), newlines=True)
        if record.stack_info:
            record.stack_info = printable(redact_secrets(record.stack_info), newlines=True)
        return True


def install_redaction(logger: logging.Logger | None = None) -> None:
    """Put a :class:`RedactingFilter` on every handler of ``logger`` (default: the root),
    once. A filter on a handler sees the records of every logger that reaches it, which a
    filter on a logger would not."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())


def setup_logging(verbose: bool) -> None:
    """Log on stderr: INFO with ``verbose``, else WARNING, never a credential."""
    # With STRIPE_LOG set the Stripe library also prints its lines straight to stderr, past
    # logging and the filter (it reads the variable once, on import, which has not happened
    # yet here); ``-v`` shows the same lines through logging.
    os.environ.pop("STRIPE_LOG", None)
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format=LOG_FORMAT)
    install_redaction()


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging configuration with the redacting filter on each of its
    handlers (uvicorn installs its handlers itself when it starts)."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact"] = {"()": f"{__name__}.RedactingFilter"}
    for handler in config.get("handlers", {}).values():
        handler.setdefault("filters", []).append("redact")
    return config
