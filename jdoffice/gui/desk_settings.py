"""What one desk PC remembers for itself: where receipts go, the language, and where the
main window was left.

These are local to the machine (a desk has its own printer), so they live in ``QSettings``
(organisation and application ``jdoffice``, an INI file in the user's configuration folder),
not in the shared database. Reading them is a small local file read, fine on the GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import QByteArray, QSettings

ORGANIZATION = "jdoffice"
APPLICATION = "jdoffice"

#: The languages of the desk program and its receipts; Danish is the source language.
LANGUAGES = ("da", "en")
DEFAULT_LANGUAGE = "da"


class ReceiptOutput(StrEnum):
    """What happens to the receipt after a payment."""

    PREVIEW = "preview"  # shown on screen; printed or saved from there
    PRINTER = "printer"  # A4 on a system printer
    PDF = "pdf"  # written as a PDF into a folder
    THERMAL = "thermal"  # 80 mm on an ESC/POS receipt printer


_KEYS = {
    "receipt_output": "receipt/output",
    "printer_name": "receipt/printer",
    "pdf_folder": "receipt/pdf_folder",
    "thermal_target": "receipt/thermal_target",
    "open_drawer_on_cash": "receipt/open_drawer_on_cash",
    "language": "ui/language",
    "desk_name": "desk/name",
    "staff_name": "desk/staff",
    "idle_lock_minutes": "desk/idle_lock_minutes",
}

#: Minutes without a key or a click before the desk locks (issue 14); 0 never locks.
DEFAULT_IDLE_LOCK_MINUTES = 10
IDLE_LOCK_MAX_MINUTES = 240

#: Longest desk or staff name (as ``--desk`` and ``--staff`` on the command line).
NAME_MAX = 64


@dataclass(frozen=True, slots=True)
class DeskSettings:
    """Attributes:
    receipt_output: where a receipt goes after a payment.
    printer_name: the system printer; empty for the default printer.
    pdf_folder: the folder PDFs are written to.
    thermal_target: ``network:HOST[:PORT]``, ``usb:VID:PID``, ``serial:DEV[:BAUD]`` or
        ``file:PATH`` (see :func:`jdoffice.printing.thermal.parse_target`).
    open_drawer_on_cash: kick the cash drawer (on the receipt printer) for cash.
    language: ``"da"`` or ``"en"``, for the screens and the receipts.
    desk_name: this desk's name on receipts, in the audit and in the status bar; empty for
        the command line's (``--desk``, else ``desk-1``).
    staff_name: who works at this desk, as "Ekspedient" on receipts, until staff sign in;
        empty for the command line's (``--staff``, else the login name).
    idle_lock_minutes: minutes without a key or a click before a signed-in desk locks
        (0: never); only a school with staff accounts signs in.
    """

    receipt_output: ReceiptOutput = ReceiptOutput.PREVIEW
    printer_name: str = ""
    pdf_folder: str = ""
    thermal_target: str = ""
    open_drawer_on_cash: bool = True
    language: str = DEFAULT_LANGUAGE
    desk_name: str = ""
    staff_name: str = ""
    idle_lock_minutes: int = DEFAULT_IDLE_LOCK_MINUTES


def store() -> QSettings:
    """The desk's settings file (tests point ``QSettings.setPath`` at a temporary folder)."""
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION
    )


def _text(settings: QSettings, key: str) -> str:
    value = settings.value(_KEYS[key], "")
    return value.strip() if isinstance(value, str) else ""


def _flag(settings: QSettings, key: str, default: bool) -> bool:
    value = settings.value(_KEYS[key], None)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "1", "yes", "on"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "0", "no", "off"):
        return False
    return default


def load(settings: QSettings | None = None) -> DeskSettings:
    """The desk's settings; anything missing or unreadable takes its default."""
    s = settings if settings is not None else store()
    defaults = DeskSettings()
    try:
        output = ReceiptOutput(_text(s, "receipt_output"))
    except ValueError:
        output = defaults.receipt_output
    language = _text(s, "language")
    return DeskSettings(
        receipt_output=output,
        printer_name=_text(s, "printer_name"),
        pdf_folder=_text(s, "pdf_folder"),
        thermal_target=_text(s, "thermal_target"),
        open_drawer_on_cash=_flag(s, "open_drawer_on_cash", defaults.open_drawer_on_cash),
        language=language if language in LANGUAGES else defaults.language,
        desk_name=_name(s, "desk_name"),
        staff_name=_name(s, "staff_name"),
        idle_lock_minutes=_minutes(s, "idle_lock_minutes", defaults.idle_lock_minutes),
    )


def _minutes(settings: QSettings, key: str, default: int) -> int:
    """Whole minutes from 0 to :data:`IDLE_LOCK_MAX_MINUTES`; anything else is the default."""
    text = _text(settings, key)
    if not text.isdigit():
        return default
    value = int(text)
    return value if value <= IDLE_LOCK_MAX_MINUTES else default


def _name(settings: QSettings, key: str) -> str:
    """A desk or staff name as stored; one that is too long or holds control characters
    (a hand-edited file) counts as not set."""
    name = " ".join(_text(settings, key).split())
    if len(name) > NAME_MAX or not name.isprintable():
        return ""
    return name


def save(desk: DeskSettings, settings: QSettings | None = None) -> None:
    """Write the desk's settings to disk.

    Raises:
        OSError: the settings file could not be written.
    """
    s = settings if settings is not None else store()
    if desk.language not in LANGUAGES:
        raise ValueError(f"unknown language {desk.language!r}")
    s.setValue(_KEYS["receipt_output"], desk.receipt_output.value)
    s.setValue(_KEYS["printer_name"], desk.printer_name)
    s.setValue(_KEYS["pdf_folder"], desk.pdf_folder)
    s.setValue(_KEYS["thermal_target"], desk.thermal_target)
    s.setValue(_KEYS["open_drawer_on_cash"], desk.open_drawer_on_cash)
    s.setValue(_KEYS["language"], desk.language)
    s.setValue(_KEYS["desk_name"], desk.desk_name)
    s.setValue(_KEYS["staff_name"], desk.staff_name)
    s.setValue(_KEYS["idle_lock_minutes"], str(desk.idle_lock_minutes))
    s.sync()
    if s.status() is not QSettings.Status.NoError:
        raise OSError(f"the desk settings could not be written to {s.fileName()}")


def language() -> str:
    """The language the desk program starts in."""
    return load().language


_WINDOW_GEOMETRY = "window/geometry"
_WINDOW_SPLITTER = "window/splitter"


@dataclass(frozen=True, slots=True)
class WindowState:
    """Where this desk's receptionist left the main window: its size and place
    (``QWidget.saveGeometry``) and the split between results and student
    (``QSplitter.saveState``); empty when never saved."""

    geometry: bytes = b""
    splitter: bytes = b""


def _bytes(settings: QSettings, key: str) -> bytes:
    value = settings.value(key, None)
    if isinstance(value, QByteArray):
        return bytes(value.data())
    if isinstance(value, bytes):
        return value
    return b""


def load_window_state(settings: QSettings | None = None) -> WindowState:
    """The main window as this desk left it (empty when never closed here)."""
    s = settings if settings is not None else store()
    return WindowState(geometry=_bytes(s, _WINDOW_GEOMETRY), splitter=_bytes(s, _WINDOW_SPLITTER))


def save_window_state(state: WindowState, settings: QSettings | None = None) -> None:
    """Remember the main window for the next start of the desk program on this PC.

    Raises:
        OSError: the settings file could not be written.
    """
    s = settings if settings is not None else store()
    s.setValue(_WINDOW_GEOMETRY, QByteArray(state.geometry))
    s.setValue(_WINDOW_SPLITTER, QByteArray(state.splitter))
    s.sync()
    if s.status() is not QSettings.Status.NoError:
        raise OSError(f"the window's place could not be written to {s.fileName()}")
