"""Compile the Qt Designer forms in ``ui/`` to ``jdoffice/gui/forms/ui_*.py``.

Run ``uv run python -m jdoffice.gui.forms.build`` after editing a ``.ui`` file and commit the
result. ``tests/gui/test_forms.py`` compiles again into a temporary directory and fails when
the committed modules differ, so a form and its module never drift apart.

The compiler is the ``pyside6-uic`` installed next to the running interpreter: the version in
``uv.lock``, so every machine produces the same bytes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
UI_DIR = ROOT / "ui"
FORMS_DIR = Path(__file__).resolve().parent

HEADER = (
    "# mypy: ignore-errors\n"
    "# GENERATED FILE: do not edit.\n"
    "# Source: ui/{source}. Regenerate with `uv run python -m jdoffice.gui.forms.build`.\n"
)


class BuildError(RuntimeError):
    """The form compiler is missing or refused a form."""


def uic_executable() -> str:
    """The ``pyside6-uic`` of this environment."""
    bindir = Path(sys.executable).parent
    for name in ("pyside6-uic", "pyside6-uic.exe"):
        candidate = bindir / name
        if candidate.exists():
            return str(candidate)
    found = shutil.which("pyside6-uic")
    if found is None:
        raise BuildError("pyside6-uic is not installed in this environment (run `uv sync`)")
    return found


def module_name(ui_file: Path) -> str:
    """``main_window.ui`` → ``ui_main_window.py``."""
    return f"ui_{ui_file.stem}.py"


def compile_form(ui_file: Path) -> str:
    """The Python source for one form, header included."""
    # -a: no connectSlotsByName(); slots are connected explicitly in the hand-written classes.
    proc = subprocess.run(
        [uic_executable(), "-a", str(ui_file)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    if proc.returncode != 0:
        raise BuildError(f"pyside6-uic failed on {ui_file.name}: {proc.stderr.strip()}")
    # Line endings are normalised so a checkout on Windows compares equal.
    source = proc.stdout.replace("\r\n", "\n")
    return HEADER.format(source=ui_file.name) + source


def build(out_dir: Path = FORMS_DIR, ui_dir: Path = UI_DIR) -> list[Path]:
    """Compile every ``*.ui`` in ``ui_dir`` into ``out_dir``; returns the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for ui_file in sorted(ui_dir.glob("*.ui")):
        target = out_dir / module_name(ui_file)
        target.write_text(compile_form(ui_file), encoding="utf-8", newline="\n")
        written.append(target)
    return written


def main() -> None:
    for path in build():
        sys.stdout.write(f"wrote {path.relative_to(ROOT)}\n")


if __name__ == "__main__":
    main()
