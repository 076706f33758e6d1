"""Online payments: start a checkout for an invoice, finalize it when the provider confirms,
refund through the provider, and catch up on what was missed.

Rules (docs/architecture.md, "The gateway contract"):

* The attempt is saved (``pending``) with its idempotency key and the exact provider parameters
  BEFORE the provider is called; no database transaction is open during the call.
* A timeout leaves the attempt ``unknown``, never ``failed``; a retry sends the same key and the
  same parameters, so the provider answers with the same checkout.
* There is ONE path from a provider confirmation to a payment (:func:`finalize`): webhook,
  polling and the desk's own status check all call it. It dedupes on the provider event id and
  on the attempt (which is the payment's id), locks the student and the invoice, and checks
  every field of the confirmation against our records. A mismatch is stored and flagged for
  staff and moves no money.
* Refunds are checked against what is left (pending refunds included) before the provider is
  called, and their money moves only when the provider says they succeeded.

This module is the one place the rest of jdoffice takes the online names from
(``from jdoffice.services import online``; ``online.finalize``). The work itself is in modules
of its own:

* :mod:`~jdoffice.services.online_view`: what the desk shows for an attempt (status line,
  countdown);
* :mod:`~jdoffice.services.online_start`: starting a checkout, sending it to the provider and
  retrying it;
* :mod:`~jdoffice.services.online_attempts`: checking and cancelling an attempt, listing flags;
* :mod:`~jdoffice.services.online_finalize`: the one path from a confirmation to a payment;
* :mod:`~jdoffice.services.online_events`: provider events, from the webhook or a sync;
* :mod:`~jdoffice.services.online_refunds`: refunds through the provider, refund notices and
  the notices kept until their payment lands;
* :mod:`~jdoffice.services.online_sync`: ``payments sync``, catching up on what was missed;
* :mod:`~jdoffice.services.online_records`: the system actor, the attempt's audit row and the
  key an event of another school is marked under.
"""

from __future__ import annotations

import logging

from jdoffice.services.online_attempts import (
    cancel_attempt,
    check_attempt,
    get_attempt,
    list_flagged,
)
from jdoffice.services.online_events import already_handled, handle_event
from jdoffice.services.online_finalize import FinalizeOutcome, finalize
from jdoffice.services.online_records import FOREIGN, SYSTEM, foreign_key
from jdoffice.services.online_refunds import (
    apply_deferred,
    apply_refund_notice,
    clean_reason,
    refund_online,
)
from jdoffice.services.online_start import MIN_AHEAD, REUSE_MARGIN, start_online_payment
from jdoffice.services.online_sync import SyncResult, sync_payments
from jdoffice.services.online_view import AttemptView, countdown_text, seconds_left, status_text

log = logging.getLogger(__name__)

__all__ = [
    "FOREIGN",
    "MIN_AHEAD",
    "REUSE_MARGIN",
    "SYSTEM",
    "AttemptView",
    "FinalizeOutcome",
    "SyncResult",
    "already_handled",
    "apply_deferred",
    "apply_refund_notice",
    "cancel_attempt",
    "check_attempt",
    "clean_reason",
    "countdown_text",
    "finalize",
    "foreign_key",
    "get_attempt",
    "handle_event",
    "list_flagged",
    "log",
    "refund_online",
    "seconds_left",
    "start_online_payment",
    "status_text",
    "sync_payments",
]
