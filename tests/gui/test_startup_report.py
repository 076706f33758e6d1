"""``JDOFFICE_STARTUP_REPORT``: the desk says when it became usable, then closes (the cold
start figures of ``bench/bench_gui.py`` come from it)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from jdoffice.adapters import db
from jdoffice.bootstrap import App
from jdoffice.domain.model import Actor
from jdoffice.gui import app as gui_app
from tests.gui.office import make_office, settle_background_work


def test_the_report_holds_both_moments_and_the_window_closes(
    qtbot: QtBot,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    office = make_office(tmp_path, tmp_path_factory.getbasetemp(), online=False)
    office.app.dispose()
    core = App(db.normalize_url(str(tmp_path / "office.sqlite3")))
    report = tmp_path / "startup.json"
    monkeypatch.setenv(gui_app.ENV_STARTUP_REPORT, str(report))

    class FromCli:
        app = core
        school_slug: str | None = None
        actor = Actor(staff="mette", desk="kasse-1")
        local_db: str | None = None

    before = time.time()
    gui_app.launch(FromCli())  # returns once the report is written and the window closed
    settle_background_work()

    doc = json.loads(report.read_text("utf-8"))
    assert before <= doc["shown"] <= time.time()
    assert before <= doc["ready"] <= time.time()
    if doc["started"] is not None:
        assert doc["shown_s"] == pytest.approx(doc["shown"] - doc["started"])
        assert doc["ready_s"] == pytest.approx(doc["ready"] - doc["started"])
