"""Start the desk program: the application object, translations, the main window.

Start-up has to be quick (an interactive window well within 1,5 s), so nothing here waits on
the database: the window shows at once and reads the school in the background, and the
payment providers (Stripe) and the printer stack are imported only when a screen needs them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QThreadPool, QTranslator
from PySide6.QtWidgets import QApplication

from jdoffice import __version__
from jdoffice.bootstrap import App
from jdoffice.domain.model import Actor
from jdoffice.gui.context import DeskContext
from jdoffice.gui.views.main_window import MainWindow, database_label

APP_NAME = "jdoffice"
ORGANIZATION = "jdoffice"
#: Below this the tables are hard to read at arm's length from a desk screen.
MIN_POINT_SIZE = 10.5


class CliContext(Protocol):
    """What the command line hands over (``jdoffice.cli.Context``; the GUI may not import
    the command line, so it names only what it uses)."""

    @property
    def app(self) -> App: ...

    @property
    def school_slug(self) -> str | None: ...

    @property
    def actor(self) -> Actor: ...


def resources_dir() -> Path:
    """``resources/`` of the source tree."""
    return Path(__file__).resolve().parents[2] / "resources"


def application() -> QApplication:
    """The one ``QApplication`` (made on first use), named and styled."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    configure(app)
    return app


def configure(app: QApplication) -> None:
    """Names (settings and logs are filed under them), Fusion everywhere (the same look on
    every desk) and a readable font."""
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationVersion(__version__)
    app.setStyle("Fusion")
    font = app.font()
    if 0 < font.pointSizeF() < MIN_POINT_SIZE:
        font.setPointSizeF(MIN_POINT_SIZE)
        app.setFont(font)


def install_translators(app: QApplication, language: str) -> list[QTranslator]:
    """Qt's own texts (button labels) and jdoffice's, for ``language``, when present."""
    installed: list[QTranslator] = []
    QLocale.setDefault(QLocale("da_DK" if language == "da" else "en_DK"))
    candidates = [
        (f"qtbase_{language}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)),
        (f"jdoffice_{language}", str(resources_dir() / "translations")),
    ]
    for name, directory in candidates:
        translator = QTranslator(app)
        if translator.load(name, directory):
            app.installTranslator(translator)
            installed.append(translator)
    return installed


def launch(cli: CliContext, *, language: str = "da") -> None:
    """Open the desk window for the command line's database, school and desk; returns when
    the window is closed."""
    app = application()
    install_translators(app, language)
    window = MainWindow(database=database_label(cli.app.url), actor=cli.actor)
    core, slug, actor = cli.app, cli.school_slug, cli.actor

    def connect() -> DeskContext:
        # On a worker thread: opens the engine, checks the schema, reads the school.
        return DeskContext(app=core, school=core.school(slug), actor=actor, language=language)

    window.connect_with(connect)
    window.show()
    try:
        app.exec()
    finally:
        # Let background reads finish before the engine goes; they hold its connections.
        QThreadPool.globalInstance().waitForDone(5000)
        core.dispose()
