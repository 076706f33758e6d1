"""What the desk shows under the QR code: computed by the core, painted by the dialog."""

from __future__ import annotations

import datetime as dt

import pytest

from jdoffice.domain.model import UTC, AttemptStatus
from jdoffice.services.online import AttemptView, countdown_text, seconds_left, status_text

NOW = dt.datetime(2025, 3, 14, 10, 0, tzinfo=UTC)


def _view(status: AttemptStatus, expires_in: dt.timedelta | None) -> AttemptView:
    return AttemptView(
        attempt_id="a",
        invoice_no="F1",
        status=status,
        amount_minor=850_00,
        currency="DKK",
        url="https://checkout.example/pay/cs_1",
        expires_at=NOW + expires_in if expires_in is not None else None,
        provider_ref="cs_1",
    )


@pytest.mark.parametrize(
    ("left", "text"),
    [
        (dt.timedelta(minutes=61), "61:00"),
        (dt.timedelta(minutes=4, seconds=5), "04:05"),
        (dt.timedelta(seconds=0.2), "00:01"),
        (dt.timedelta(seconds=-30), "00:00"),
    ],
)
def test_countdown_is_minutes_and_seconds(left: dt.timedelta, text: str) -> None:
    assert countdown_text(_view(AttemptStatus.OPEN, left), NOW) == text


def test_no_countdown_once_settled_or_without_expiry() -> None:
    assert countdown_text(_view(AttemptStatus.PAID, dt.timedelta(minutes=5)), NOW) == ""
    assert countdown_text(_view(AttemptStatus.OPEN, None), NOW) == ""
    assert seconds_left(_view(AttemptStatus.OPEN, None), NOW) is None


def test_status_lines_in_danish_and_english() -> None:
    open_ = _view(AttemptStatus.OPEN, dt.timedelta(minutes=10))
    assert status_text(open_, NOW).startswith("Venter på betaling")
    assert status_text(open_, NOW, "en").startswith("Waiting for payment")
    assert status_text(open_, NOW, reachable=False).startswith("Ingen svar")
    assert status_text(_view(AttemptStatus.OPEN, dt.timedelta(0)), NOW).startswith("Tiden er gået")
    assert status_text(_view(AttemptStatus.PAID, None), NOW) == "Betalt ✓"
    assert status_text(_view(AttemptStatus.PAID, None), NOW, "en") == "Paid ✓"
    assert "udløbet" in status_text(_view(AttemptStatus.EXPIRED, None), NOW)
    assert "behandles" in status_text(_view(AttemptStatus.PROCESSING, None), NOW)
    # An unknown language falls back to Danish.
    assert (
        status_text(_view(AttemptStatus.CANCELLED, None), NOW, "de") == "Betalingen er annulleret"
    )


@pytest.mark.parametrize("status", list(AttemptStatus))
def test_every_status_has_a_line(status: AttemptStatus) -> None:
    for language in ("da", "en"):
        assert status_text(_view(status, dt.timedelta(minutes=1)), NOW, language)
