"""Start the desk program: the application object, translations, the main window.

Start-up has to be quick (an interactive window well within 1,5 s), so nothing here waits on
the database: the window shows at once and reads the school in the background, and the
payment providers (Stripe) and the printer stack are imported only when a screen needs them.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QLibraryInfo,
    QLocale,
    QObject,
    QThreadPool,
    QTimer,
    QTranslator,
)
from PySide6.QtWidgets import QApplication

from jdoffice import __version__
from jdoffice.bootstrap import App
from jdoffice.domain.model import Actor
from jdoffice.gui import collector, desk_settings
from jdoffice.gui.context import DeskContext, DeskLink
from jdoffice.gui.views.main_window import MainWindow, database_label

APP_NAME = "jdoffice"
ORGANIZATION = "jdoffice"
#: Below this the tables are hard to read at arm's length from a desk screen.
MIN_POINT_SIZE = 10.5
#: A file name: the desk writes there when it became usable, then closes (``bench/``).
ENV_STARTUP_REPORT = "JDOFFICE_STARTUP_REPORT"


class CliContext(Protocol):
    """What the command line hands over (``jdoffice.cli.Context``; the GUI may not import
    the command line, so it names only what it uses)."""

    @property
    def app(self) -> App: ...

    @property
    def school_slug(self) -> str | None: ...

    @property
    def actor(self) -> Actor: ...

    @property
    def local_db(self) -> str | None: ...


def resources_dir() -> Path:
    """``resources/`` of the source tree."""
    return Path(__file__).resolve().parents[2] / "resources"


def translations_dir() -> Path:
    """The compiled translations (``jdoffice_en.qm``): ``resources/translations`` of the source
    tree, or ``jdoffice/resources/translations`` in an installed wheel."""
    source = resources_dir() / "translations"
    if source.is_dir():
        return source
    return Path(__file__).resolve().parents[1] / "resources" / "translations"


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
    collector.install(app)
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
        (f"jdoffice_{language}", str(translations_dir())),
    ]
    for name, directory in candidates:
        translator = QTranslator(app)
        if translator.load(name, directory):
            app.installTranslator(translator)
            installed.append(translator)
    return installed


def desk_actor(
    actor: Actor, desk: desk_settings.DeskSettings, *, desk_given: bool, staff_given: bool
) -> Actor:
    """Who works at this desk until staff sign in: ``--desk``/``--staff`` when given, else the
    names set in the desk settings, else the command line's defaults (``desk-1``, the login
    name). Receipts print it ("Ekspedient"), the audit records it, the status bar shows it."""
    return Actor(
        staff=actor.staff if staff_given or not desk.staff_name else desk.staff_name,
        desk=actor.desk if desk_given or not desk.desk_name else desk.desk_name,
    )


def desk_context(
    core: App, slug: str | None, actor: Actor, language: str, local_db: str | None = None
) -> DeskContext:
    """The desk's context (on a worker thread: it reads the school).

    On a shared database (PostgreSQL, MySQL/MariaDB) the desk keeps a local copy and an
    outbox, so it loses nothing while the database cannot be reached; when it cannot be
    reached at start, the desk opens on its local copy and says so.
    """
    if core.url.get_backend_name() == "sqlite":
        return DeskContext(app=core, school=core.school(slug), actor=actor, language=language)
    desk = core.offline_desk(slug, actor, local_db)
    reading = desk.school()
    return DeskContext(
        app=core,
        school=reading.value,
        actor=actor,
        language=language,
        offline=desk,
        link=DeskLink(online=not reading.offline),
    )


def launch(cli: CliContext, *, language: str | None = None) -> None:
    """Open the desk window for the command line's database, school and desk; returns when
    the window is closed. The language is this desk's setting unless one is given."""
    app = application()
    desk = desk_settings.load()
    if language is None:
        language = desk.language
    install_translators(app, language)
    # ``jdoffice.cli.Context`` says which names were typed; a caller that does not say
    # (bench/, tests) chose its actor itself.
    actor = desk_actor(
        cli.actor,
        desk,
        desk_given=bool(getattr(cli, "desk_given", True)),
        staff_given=bool(getattr(cli, "staff_given", True)),
    )
    window = MainWindow(database=database_label(cli.app.url), actor=actor)
    core, slug = cli.app, cli.school_slug

    local_db = cli.local_db

    def connect() -> DeskContext:
        # On a worker thread: opens the engine, checks the schema, reads the school.
        return desk_context(core, slug, actor, language, local_db)

    report = os.environ.get(ENV_STARTUP_REPORT, "").strip()
    if report:
        StartupReport(window, Path(report))
    window.connect_with(connect)
    window.show()
    collector.settle()
    # Again with what reading the school loaded (the database mapping).
    window.context_ready.connect(collector.settle)
    try:
        app.exec()
    finally:
        # Let background reads finish before the engine goes; they hold its connections.
        QThreadPool.globalInstance().waitForDone(5000)
        core.dispose()
        collector.unsettle()


def process_started_at() -> float | None:
    """When this process started (``time.time()`` scale), to the kernel's 10 ms; Linux only."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        ticks = int(fields[19])  # field 22, starttime: clock ticks after boot
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None
    return time.time() - age


class StartupReport(QObject):
    """Measures start-up for ``JDOFFICE_STARTUP_REPORT``: writes a JSON object to ``path``
    and closes the window once both moments have passed.

    ``shown``: the search box was painted holding the keyboard focus; ``ready``: the school
    was read, so typing finds students. Both are ``time.time()`` values; ``shown_s`` and
    ``ready_s`` count from ``started`` (the process start, where the system tells it).
    """

    def __init__(self, window: MainWindow, path: Path) -> None:
        super().__init__(window)
        self._window = window
        self._path = path
        self._at: dict[str, float] = {}
        window.searchEdit.installEventFilter(self)
        window.context_ready.connect(self._ready)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if (
            event.type() == QEvent.Type.Paint
            and "shown" not in self._at
            and QApplication.focusWidget() is self._window.searchEdit
        ):
            self._mark("shown")
        return False

    def _ready(self, _ctx: object) -> None:
        self._mark("ready")

    def _mark(self, moment: str) -> None:
        if moment in self._at:
            return
        self._at[moment] = time.time()
        if "shown" in self._at and "ready" in self._at:
            started = process_started_at()
            doc: dict[str, float | None] = {"started": started, **self._at}
            for name, at in self._at.items():
                doc[f"{name}_s"] = None if started is None else at - started
            self._path.write_text(json.dumps(doc), "utf-8")
            QTimer.singleShot(0, self._window.close)
