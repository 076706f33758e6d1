"""What the command line says about the connection and the outbox."""

from __future__ import annotations

import datetime as dt

from jdoffice.services.offline import (
    PaymentRequest,
    SyncStatus,
    status_text,
)

PULLED = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)


def test_status_bar_counts_the_payments_waiting_while_offline() -> None:
    assert status_text(SyncStatus(False, 0, PULLED)) == "Offline — 0 payments waiting"
    assert status_text(SyncStatus(False, 1, PULLED)) == "Offline — 1 payment waiting"
    assert status_text(SyncStatus(False, 3, PULLED)) == "Offline — 3 payments waiting"
    assert status_text(SyncStatus(True, 2, PULLED)) == "Online — 2 payments waiting"
    assert status_text(SyncStatus(True, 0, PULLED)) == "Online"


def test_sync_status_counts_the_shift_changes_waiting_too() -> None:
    offline = SyncStatus(False, 2, PULLED, shift_changes=1)
    assert status_text(offline) == "Offline — 2 payments waiting, 1 shift change waiting"
    online = SyncStatus(True, 0, PULLED, shift_changes=3)
    assert status_text(online) == "Online — 0 payments waiting, 3 shift changes waiting"


def test_a_queued_payment_keeps_the_fingerprint_of_the_request() -> None:
    base = PaymentRequest("k", "s", "cash", 100, "F1", None, 200, "", False)
    same = PaymentRequest("k", "s", "cash", 100, "F1", None, 200, "", False)
    other = PaymentRequest("k", "s", "cash", 150, "F1", None, 200, "", False)

    assert base.fingerprint() == same.fingerprint()
    assert base.fingerprint() != other.fingerprint()
