"""The ``jdoffice`` program: the command line, which opens the desk program when no command is
given and a display is available.

The command line must not import Qt (an import contract keeps ``jdoffice.cli`` usable on
servers without it), so the window reaches it through :data:`jdoffice.cli.GUI_LAUNCHER`, set
here. Qt itself is imported only when the window is really opened.
"""

from __future__ import annotations

import os
import sys

from jdoffice import cli

#: Set to 1 to keep ``jdoffice`` on the command line (scripts, CI, a server with a display).
ENV_NO_GUI = "JDOFFICE_NO_GUI"


def gui_available(environ: dict[str, str] | None = None, platform: str = sys.platform) -> bool:
    """Whether a window can be shown here.

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


def _launch(c: cli.Context) -> None:
    from jdoffice.gui.app import launch

    launch(c)


def main(argv: list[str] | None = None) -> None:
    """Console entry point of ``jdoffice``."""
    if gui_available():
        cli.GUI_LAUNCHER = _launch
    cli.main(argv)


if __name__ == "__main__":
    main()
