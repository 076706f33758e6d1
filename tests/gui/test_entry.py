"""How the program starts: ``jdoffice`` opens the desk when it can, the command line otherwise,
and the desk window comes up before the database has answered."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from jdoffice import cli, main
from jdoffice.adapters import db
from jdoffice.bootstrap import App
from jdoffice.domain.model import Actor
from jdoffice.gui import app as gui_app
from jdoffice.gui.desk_settings import DeskSettings
from jdoffice.gui.views.main_window import MainWindow
from tests.gui.office import Office, make_office, settle_background_work


@pytest.mark.parametrize(
    ("environ", "platform", "expected"),
    [
        ({}, "linux", False),
        ({"DISPLAY": ":0"}, "linux", True),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", True),
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux", True),
        ({"DISPLAY": ":0", "JDOFFICE_NO_GUI": "1"}, "linux", False),
        ({"DISPLAY": ":0", "JDOFFICE_NO_GUI": "0"}, "linux", True),
        ({}, "win32", True),
        ({}, "darwin", True),
        ({"JDOFFICE_NO_GUI": "yes"}, "win32", False),
    ],
)
def test_the_window_opens_only_where_a_display_is(
    environ: dict[str, str], platform: str, expected: bool
) -> None:
    assert main.gui_available(environ, platform) is expected


@pytest.fixture
def launcher(monkeypatch: pytest.MonkeyPatch) -> list[cli.Context]:
    calls: list[cli.Context] = []
    monkeypatch.setattr(cli, "GUI_LAUNCHER", calls.append)
    return calls


def test_plain_jdoffice_and_jdoffice_gui_open_the_launcher(
    launcher: list[cli.Context], tmp_path: Path
) -> None:
    url = str(tmp_path / "desk.sqlite3")
    runner = CliRunner()
    for args in (["--db", url], ["--db", url, "--desk", "kasse-2", "gui"]):
        result = runner.invoke(cli.cli, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    assert [c.actor.desk for c in launcher] == ["desk-1", "kasse-2"]
    assert all(not c.demo for c in launcher)


def test_demo_is_seeded_before_the_window_opens(
    launcher: list[cli.Context], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "DEMO_STUDENTS", 5)
    url = str(tmp_path / "demo.sqlite3")
    result = CliRunner().invoke(cli.cli, ["--db", url, "--demo"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (c,) = launcher
    assert c.demo
    uow = c.uow()
    with uow:
        assert uow.students.count(c.school().id) == 5
    c.app.dispose()


def test_without_a_launcher_jdoffice_prints_help_and_gui_explains_why(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(cli, "GUI_LAUNCHER", None)
    url = str(tmp_path / "x.sqlite3")
    result = CliRunner().invoke(cli.cli, ["--db", url])
    assert result.exit_code == 0
    assert "Usage:" in result.output
    result = CliRunner().invoke(cli.cli, ["--db", url, "gui"])
    assert result.exit_code != 0
    assert "cannot start here" in str(result.exception)


def test_launch_shows_the_window_and_reads_the_school_in_the_background(
    qtbot: QtBot, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    office: Office = make_office(tmp_path, tmp_path_factory.getbasetemp(), online=False)
    office.app.dispose()
    core = App(db.normalize_url(str(tmp_path / "office.sqlite3")))

    class FromCli:
        app = core
        school_slug: str | None = None
        actor = Actor(staff="mette", desk="kasse-3")
        local_db: str | None = None

    seen: dict[str, object] = {}

    def look_then_close() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        window = windows[-1]
        if window.ctx is None:
            QTimer.singleShot(20, look_then_close)
            return
        seen["school"] = window.ctx.school.name
        seen["desk"] = window.ctx.actor.desk
        seen["visible"] = window.isVisible()
        seen["focus"] = window.searchEdit.hasFocus() or not window.isActiveWindow()
        window.close()

    QTimer.singleShot(0, look_then_close)
    gui_app.launch(FromCli())
    settle_background_work()
    assert seen == {
        "school": "Østerbro Køreskole",
        "desk": "kasse-3",
        "visible": True,
        "focus": True,
    }
    assert QApplication.style().name().lower() == "fusion"
    assert QApplication.applicationName() == "jdoffice"
    assert core._engine is None, "the engine is disposed when the window closes"


@pytest.mark.parametrize(
    ("desk_given", "staff_given", "settings", "expected"),
    [
        # The desk settings name the desk and who works there ...
        (False, False, DeskSettings(desk_name="Kasse 2", staff_name="Mette"), ("Mette", "Kasse 2")),
        # ... unless --desk/--staff say otherwise ...
        (True, True, DeskSettings(desk_name="Kasse 2", staff_name="Mette"), ("jens", "desk-1")),
        (False, True, DeskSettings(desk_name="Kasse 2", staff_name="Mette"), ("jens", "Kasse 2")),
        # ... and without names set, the command line's defaults stay (never "desk").
        (False, False, DeskSettings(), ("jens", "desk-1")),
    ],
)
def test_the_desk_settings_name_the_desk_and_who_works_there(
    desk_given: bool, staff_given: bool, settings: DeskSettings, expected: tuple[str, str]
) -> None:
    typed = Actor(staff="jens", desk="desk-1")

    actor = gui_app.desk_actor(typed, settings, desk_given=desk_given, staff_given=staff_given)

    assert (actor.staff, actor.desk) == expected
