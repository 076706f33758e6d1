"""What the provider and the student do, for tests: pay, fail, deliver a notification."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from jdoffice_testpay import SIGNATURE_HEADER, sign
from jdoffice_testpay.store import DOWN, Store


class Provider:
    def __init__(self, state_dir: str | Path, webhook_secret: str = "") -> None:
        self.store = Store(state_dir)
        self.secret = webhook_secret

    def only_keys(self, *keys: str) -> None:
        with self.store.change() as state:
            state["keys"] = list(keys)

    def payments(self) -> list[dict[str, Any]]:
        return list(self.store.read()["payments"].values())

    def refunds(self) -> list[dict[str, Any]]:
        return list(self.store.read()["refunds"].values())

    def events(self) -> list[dict[str, Any]]:
        return list(self.store.read()["events"])

    def pay(self, payment_id: str) -> dict[str, Any]:
        """The student pays; returns the provider's event about it."""
        self.store.set_status(payment_id, "paid")
        return self.events()[-1]

    def down(self, is_down: bool = True) -> None:
        marker = self.store.folder / DOWN
        if is_down:
            marker.touch()
        else:
            marker.unlink(missing_ok=True)

    def body(self, event: dict[str, Any]) -> bytes:
        return json.dumps(event).encode()

    def deliver(self, url: str, event: dict[str, Any], secret: str | None = None) -> httpx.Response:
        """POST the event to a webhook receiver, signed with ``secret`` (default: this
        provider's)."""
        body = self.body(event)
        path = httpx.URL(url).raw_path.decode()
        signature = sign(self.secret if secret is None else secret, body, path)
        return httpx.post(
            url,
            content=body,
            headers={SIGNATURE_HEADER: signature, "content-type": "application/json"},
        )
