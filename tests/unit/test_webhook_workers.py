"""How many worker processes ``jdoffice webhooks serve`` starts, and what each is given."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from jdoffice import cli
from jdoffice.bootstrap import open_app
from jdoffice.webhooks import serve


def test_by_default_one_worker_per_core_this_process_may_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1, 2}, raising=False)
    assert serve.default_workers() == 3


def test_by_default_at_most_eight_workers_on_a_large_machine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(64)), raising=False)
    assert serve.default_workers() == serve.MAX_DEFAULT_WORKERS == 8


def test_without_affinity_the_cpu_count_decides_and_never_below_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert serve.default_workers() == 1
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    assert serve.default_workers() == 4


def test_workers_get_the_database_and_the_log_level_through_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: calls.append((app, kw)))
    # Restored by monkeypatch: serve() writes the variables into this process's environment.
    monkeypatch.setenv(serve.ENV_DATABASE_URL, "placeholder")
    monkeypatch.setenv(serve.ENV_VERBOSE, "placeholder")
    root = logging.getLogger()
    level = root.level
    app = open_app(f"sqlite:///{tmp_path / 'x.sqlite3'}")

    # setLevel, not the attribute: it also clears the loggers' isEnabledFor caches, which an
    # earlier test in this process may have filled at another level.
    root.setLevel(logging.INFO)
    try:
        serve.serve(app, host="127.0.0.1", port=8765, workers=3)
    finally:
        root.setLevel(level)

    [(target, options)] = calls
    assert target == "jdoffice.webhooks.serve:worker_app"
    assert options["factory"] is True
    assert options["workers"] == 3
    assert options["http"] is serve.NoDelayHttpProtocol
    assert os.environ[serve.ENV_DATABASE_URL] == f"sqlite:///{tmp_path / 'x.sqlite3'}"
    assert os.environ[serve.ENV_VERBOSE] == "1"


def test_one_worker_serves_in_this_process(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: calls.append((app, kw)))
    app = open_app(f"sqlite:///{tmp_path / 'x.sqlite3'}")

    serve.serve(app, host="127.0.0.1", port=8765, workers=1)

    [(target, options)] = calls
    assert not isinstance(target, str)  # the app itself, not an import string
    assert "workers" not in options
    assert options["http"] is serve.NoDelayHttpProtocol


@pytest.mark.parametrize("workers", ["0", "65", "two"])
def test_a_worker_count_out_of_range_is_a_usage_error(workers: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli.cli,
        ["--db", f"sqlite:///{tmp_path / 'x.sqlite3'}", "webhooks", "serve", "--workers", workers],
    )
    assert result.exit_code == 2, result.output
    assert "--workers" in result.output
