"""The ``jdoffice`` program: the command line, which opens the desk program when no command is
given and a display is available.

The command line must not import Qt (an import contract keeps ``jdoffice.cli`` usable on
servers without it), so the window reaches it through :data:`jdoffice.cli.GUI_LAUNCHER`, set
here. Qt itself is imported only when the window is really opened.

Qt aborts the whole process (exit 134) when its platform plugin cannot start: ``DISPLAY`` set
but no X server answering, or a library of the xcb plugin missing. So before any Qt object is
made, :func:`display_problem` checks both, and the program falls back to its command-line
summary with one line saying why and how to fix it.
"""

from __future__ import annotations

import ctypes
import gc
import os
import socket
import sys
from collections.abc import Mapping
from pathlib import Path

# Loading the command line makes a few hundred thousand objects that live as long as the
# program, and next to no garbage: Python's cycle collector, left on, would walk them again and
# again while they load (a sixth of the desk's start). It is on again once they are loaded.
_collecting = gc.isenabled()
gc.disable()
try:
    from jdoffice import cli
finally:
    if _collecting:
        gc.enable()

#: Set to 1 to keep ``jdoffice`` on the command line (scripts, CI, a server with a display).
ENV_NO_GUI = "JDOFFICE_NO_GUI"

#: Where a local X server listens (``DISPLAY=:0`` is ``X0`` here).
X11_SOCKET_DIR = Path("/tmp/.X11-unix")  # noqa: S108 - where X servers listen
#: TCP port of display 0 of an X server on another host (``DISPLAY=host:N`` is 6000 + N).
X11_TCP_BASE = 6000
#: Longest the check waits for an X server to accept a connection.
PROBE_TIMEOUT_S = 1.0

#: Libraries Qt's xcb plugin loads (beyond libxcb and libX11 themselves), with the Debian and
#: Ubuntu package that brings each: one missing makes Qt abort at start.
XCB_PLUGIN_LIBRARIES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libX11-xcb.so.1": "libx11-xcb1",
}


def gui_available(environ: Mapping[str, str] | None = None, platform: str = sys.platform) -> bool:
    """Whether a display is announced here (the cheap test; :func:`display_problem` also
    checks that it can be used).

    On Linux and the BSDs Qt aborts the whole process when it finds no display server, so
    without ``DISPLAY``/``WAYLAND_DISPLAY`` (or an explicit ``QT_QPA_PLATFORM``, e.g.
    ``offscreen``) ``jdoffice`` stays a command line program and prints its summary.
    """
    env = os.environ if environ is None else environ
    if env.get(ENV_NO_GUI, "").strip() not in ("", "0"):
        return False
    if platform.startswith(("win", "darwin")):
        return True
    return any(env.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def display_problem(
    environ: Mapping[str, str] | None = None,
    platform: str = sys.platform,
    *,
    libraries: Mapping[str, str] | None = None,
    socket_dir: Path | None = None,
) -> str | None:
    """Why no window can open here (one line, with the fix), or None when one can."""
    env = os.environ if environ is None else environ
    if env.get(ENV_NO_GUI, "").strip() not in ("", "0"):
        return f"{ENV_NO_GUI} is set"
    if not gui_available(env, platform):
        return "no display here (DISPLAY is not set); under xvfb-run (package xvfb) it opens"
    if platform.startswith(("win", "darwin")) or not uses_xcb(env):
        return None
    missing = missing_libraries(XCB_PLUGIN_LIBRARIES if libraries is None else libraries)
    if missing:
        return (
            f"the window needs {', '.join(missing)} (missing here): install "
            f"{' '.join(missing)}, or set {ENV_NO_GUI}=1 to keep to the command line"
        )
    display = env.get("DISPLAY", "")
    problem = x_server_problem(display, X11_SOCKET_DIR if socket_dir is None else socket_dir)
    if problem:
        return f"{problem}; start one, or run under xvfb-run (package xvfb)"
    return None


def uses_xcb(env: Mapping[str, str]) -> bool:
    """Whether Qt will pick its xcb (X11) plugin: asked for by ``QT_QPA_PLATFORM``, or by
    default on a ``DISPLAY`` without Wayland."""
    chosen = env.get("QT_QPA_PLATFORM", "").strip()
    if chosen:
        return chosen.split(";")[0].split(":")[0].strip() == "xcb"
    return bool(env.get("DISPLAY")) and not env.get("WAYLAND_DISPLAY")


def missing_libraries(libraries: Mapping[str, str]) -> list[str]:
    """The packages of the ``libraries`` (soname → package) that cannot be loaded."""
    missing: list[str] = []
    for soname, package in libraries.items():
        try:
            ctypes.CDLL(soname)
        except OSError:
            missing.append(package)
    return missing


def x_server_problem(display: str, socket_dir: Path = X11_SOCKET_DIR) -> str | None:
    """Why no X server answers at ``display`` (``:0``, ``:99.0``, ``host:10.0``), or None
    when one accepts a connection (or the form is one this check does not know)."""
    if not display:
        return "DISPLAY is not set"
    host, sep, rest = display.rpartition(":")
    number = rest.split(".")[0]
    if not sep or not number.isdigit() or "/" in host:
        return None
    if host in ("", "unix"):
        path = socket_dir / f"X{number}"
        for address in (f"\0{path}", str(path)):  # Linux's abstract socket, then the file
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(PROBE_TIMEOUT_S)
                try:
                    s.connect(address)
                except OSError:
                    continue
                return None
        return f"no X server answers at DISPLAY={display}"
    try:
        with socket.create_connection((host, X11_TCP_BASE + int(number)), timeout=PROBE_TIMEOUT_S):
            return None
    except OSError:
        return f"no X server answers at DISPLAY={display}"


def _launch(c: cli.Context) -> None:
    # The desk collects cycles from its event loop only (``jdoffice.gui.collector``); nor
    # does loading its window stop for collections.
    gc.disable()
    from jdoffice.gui.app import launch

    launch(c)


def main(argv: list[str] | None = None) -> None:
    """Console entry point of ``jdoffice``."""
    # What loading made lives as long as the program: later collections leave it alone.
    gc.freeze()
    if gui_available():
        # The full check (libraries, the X server) runs only when a window is about to open,
        # so commands such as `jdoffice search` never wait on it.
        cli.GUI_LAUNCHER = _launch
        cli.DISPLAY_CHECK = display_problem
    else:
        cli.NO_WINDOW_REASON = display_problem()
    cli.main(argv)


if __name__ == "__main__":
    main()
