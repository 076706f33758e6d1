"""Before Qt is started: a display that cannot be used (no X server answering, a library of
the xcb plugin missing) is found, so the program falls back to the command line instead of
Qt aborting it (exit 134)."""

from __future__ import annotations

import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from jdoffice import main

#: A library no machine has, standing in for a missing xcb helper.
MISSING = {"libjdoffice-not-there.so.9": "libjdoffice-not-there9"}


@pytest.fixture
def socket_dir() -> Iterator[Path]:
    # Short: a Unix socket's path must stay below about 100 characters.
    path = Path(tempfile.mkdtemp(prefix="x11-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_an_x_server_that_listens_is_usable(socket_dir: Path) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(socket_dir / "X7"))
        server.listen(8)

        assert main.x_server_problem(":7", socket_dir) is None
        assert main.x_server_problem(":7.0", socket_dir) is None
        assert (
            main.display_problem({"DISPLAY": ":7"}, "linux", libraries={}, socket_dir=socket_dir)
            is None
        )


def test_a_display_nobody_listens_at_is_named_with_the_fix(socket_dir: Path) -> None:
    why = main.display_problem({"DISPLAY": ":7"}, "linux", libraries={}, socket_dir=socket_dir)

    assert why is not None
    assert why.startswith("no X server answers at DISPLAY=:7")
    assert "xvfb-run (package xvfb)" in why


def test_a_missing_xcb_library_is_named_by_its_package(socket_dir: Path) -> None:
    why = main.display_problem(
        {"DISPLAY": ":7", "QT_QPA_PLATFORM": "xcb"}, "linux", libraries=MISSING
    )

    assert why is not None
    assert "install libjdoffice-not-there9" in why
    assert "JDOFFICE_NO_GUI=1" in why


@pytest.mark.parametrize(
    "environ",
    [
        {"QT_QPA_PLATFORM": "offscreen"},
        {"DISPLAY": ":7", "QT_QPA_PLATFORM": "offscreen"},
        {"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":7"},
    ],
)
def test_platforms_other_than_xcb_are_not_held_to_the_x_checks(
    environ: dict[str, str], socket_dir: Path
) -> None:
    assert main.display_problem(environ, "linux", libraries=MISSING, socket_dir=socket_dir) is None


def test_no_display_and_jdoffice_no_gui_are_reasons_too() -> None:
    assert main.display_problem({}, "linux") == (
        "no display here (DISPLAY is not set); under xvfb-run (package xvfb) it opens"
    )
    assert main.display_problem({"DISPLAY": ":0", "JDOFFICE_NO_GUI": "1"}, "linux") == (
        "JDOFFICE_NO_GUI is set"
    )
    assert main.display_problem({}, "win32") is None
