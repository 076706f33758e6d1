"""The testpay provider's side: its payments, refunds and events in one JSON file.

Each change reads the file, changes it and writes it back under an exclusive lock, so the
command line, the desk, the webhook receiver and a test may share one provider.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jdoffice.services.gateways import ProviderRefused

FILE = "testpay.json"
DOWN = "testpay.down"


def _empty() -> dict[str, Any]:
    return {"keys": [], "payments": {}, "refunds": {}, "idempotency": {}, "events": []}


class Store:
    def __init__(self, state_dir: str | Path) -> None:
        self.folder = Path(state_dir)
        self.path = self.folder / FILE

    def reachable(self) -> bool:
        return self.folder.is_dir() and not (self.folder / DOWN).exists()

    @contextlib.contextmanager
    def _state(self, write: bool) -> Iterator[dict[str, Any]]:
        with (self.folder / (FILE + ".lock")).open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            state = json.loads(self.path.read_text()) if self.path.exists() else _empty()
            yield state
            if write:
                tmp = self.path.with_suffix(".tmp")
                tmp.write_text(json.dumps(state, indent=1, sort_keys=True))
                tmp.replace(self.path)

    def read(self) -> dict[str, Any]:
        with self._state(write=False) as state:
            return state

    @contextlib.contextmanager
    def change(self) -> Iterator[dict[str, Any]]:
        with self._state(write=True) as state:
            yield state

    def refuses(self, key: str) -> bool:
        keys = self.read()["keys"]
        return bool(keys) and key not in keys

    @staticmethod
    def _event(state: dict[str, Any], kind: str, data: dict[str, Any], live: bool) -> None:
        n = len(state["events"]) + 1
        state["events"].append(
            {
                "id": f"evt_{n:06d}",
                "type": kind,
                "created": int(time.time()),
                "live": live,
                "data": data,
            }
        )

    @staticmethod
    def _once(state: dict[str, Any], key: str, params: Any) -> str | None:
        """The object an idempotency key made before, if any; a replay with other
        parameters is refused."""
        digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()
        seen = state["idempotency"].get(key)
        if seen is None:
            return None
        if seen["digest"] != digest:
            raise ProviderRefused("idempotency key reused with other parameters")
        return str(seen["id"])

    def create_payment(self, params: dict[str, Any], key: str) -> dict[str, Any]:
        with self.change() as state:
            made = self._once(state, key, params)
            if made is not None:
                return dict(state["payments"][made])
            pid = "tp_" + hashlib.sha256(key.encode()).hexdigest()[:20]
            payment = {**params, "id": pid, "status": "open", "created": int(time.time())}
            payment.pop("metadata", None)
            state["payments"][pid] = payment
            state["idempotency"][key] = {
                "id": pid,
                "digest": hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest(),
            }
            return dict(payment)

    def payment(self, pid: str) -> dict[str, Any]:
        found = self.read()["payments"].get(pid)
        if found is None:
            raise ProviderRefused(f"no testpay payment {pid}")
        return dict(found)

    def set_status(self, pid: str, status: str) -> dict[str, Any]:
        """The student paid, or the payment failed or expired: the provider's change, with
        its event."""
        with self.change() as state:
            payment = state["payments"].get(pid)
            if payment is None:
                raise ProviderRefused(f"no testpay payment {pid}")
            payment["status"] = status
            self._event(state, f"payment.{status}", {"payment": dict(payment)}, payment["live"])
            return dict(payment)

    def cancel(self, pid: str) -> dict[str, Any]:
        payment = self.payment(pid)
        if payment["status"] != "open":
            return payment
        return self.set_status(pid, "expired")

    def refund(
        self, pid: str, amount: int, key: str, reason: str, our_id: str | None
    ) -> dict[str, Any]:
        with self.change() as state:
            params = {"payment": pid, "amount": amount}
            made = self._once(state, key, params)
            if made is not None:
                return dict(state["refunds"][made])
            payment = state["payments"].get(pid)
            if payment is None or payment["status"] != "paid":
                raise ProviderRefused(f"testpay payment {pid} is not paid")
            done = sum(
                r["amount"]
                for r in state["refunds"].values()
                if r["payment"] == pid and r["state"] != "failed"
            )
            if not 0 < amount <= payment["amount"] - done:
                raise ProviderRefused("refund amount is more than is left of the payment")
            rid = "tpr_" + hashlib.sha256(key.encode()).hexdigest()[:20]
            refund = {
                "id": rid,
                "payment": pid,
                "amount": amount,
                "currency": payment["currency"],
                "state": "succeeded",
                "our_id": our_id,
                "reason": reason,
            }
            state["refunds"][rid] = refund
            state["idempotency"][key] = {
                "id": rid,
                "digest": hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest(),
            }
            self._event(state, "refund.succeeded", {"refund": dict(refund)}, payment["live"])
            return dict(refund)

    def refund_by_id(self, rid: str) -> dict[str, Any]:
        found = self.read()["refunds"].get(rid)
        if found is None:
            raise ProviderRefused(f"no testpay refund {rid}")
        return dict(found)

    def refunds_of(self, pid: str) -> list[dict[str, Any]]:
        return [r for r in self.read()["refunds"].values() if r["payment"] == pid]

    def events_after(self, last_id: str | None, created_gte: int | None) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = self.read()["events"]
        if last_id is not None:
            ids = [e["id"] for e in events]
            return events[ids.index(last_id) + 1 :] if last_id in ids else events
        return [e for e in events if created_gte is None or e["created"] >= created_gte]
