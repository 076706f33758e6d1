"""A keyring backend in a JSON file, for end-to-end tests: the command line and the webhook
receiver run as separate processes and must see the same keys, as they would on a server with
a real keyring. Chosen with ``PYTHON_KEYRING_BACKEND=tests.e2e.file_keyring.FileKeyring``; the
file is named by ``JDOFFICE_TEST_KEYRING_FILE``. Never for real secrets.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import keyring.backend
from keyring.compat import properties

ENV_FILE = "JDOFFICE_TEST_KEYRING_FILE"


class FileKeyring(keyring.backend.KeyringBackend):
    @properties.classproperty
    def priority(cls) -> float:  # noqa: N805 - a class property, as keyring defines it
        # Never picked on its own: only where a process names it and its file.
        if ENV_FILE not in os.environ:
            raise RuntimeError(f"{ENV_FILE} is not set")
        return 0.1

    def __init__(self) -> None:
        init: Callable[[], None] = super().__init__
        init()
        self.path = Path(os.environ[ENV_FILE])

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return {str(k): str(v) for k, v in data.items()}

    def _write(self, data: dict[str, str]) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(self.path)  # readers see the old file or the new one, never half of one

    def get_password(self, service: str, username: str) -> str | None:
        return self._read().get(f"{service}\n{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._read()
        data[f"{service}\n{username}"] = password
        self._write(data)

    def delete_password(self, service: str, username: str) -> None:
        data = self._read()
        data.pop(f"{service}\n{username}", None)
        self._write(data)
