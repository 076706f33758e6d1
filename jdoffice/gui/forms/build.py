"""Compile the Qt Designer forms in ``ui/`` to ``jdoffice/gui/forms/ui_*.py`` and the
translations in ``resources/translations/*.ts`` to ``.qm``.

Run ``uv run python -m jdoffice.gui.forms.build`` after editing a ``.ui`` file or a
translation and commit the result. ``tests/gui/test_forms.py`` and
``tests/gui/test_translations.py`` build again into a temporary directory and fail when the
committed files differ, so a form and its module, or a ``.ts`` and its ``.qm``, never drift
apart.

After changing texts in the code or the forms, ``uv run python -m jdoffice.gui.forms.build
--update-translations`` first collects them into the ``.ts`` files (``pyside6-lupdate``); new
texts are marked unfinished until they are translated there (Qt Linguist, or by hand).

The tools are the ``pyside6-*`` installed next to the running interpreter: the version in
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
GUI_DIR = FORMS_DIR.parent
TRANSLATIONS_DIR = ROOT / "resources" / "translations"
#: The language the texts are written in; every other language has a ``jdoffice_XX.ts``.
SOURCE_LANGUAGE = "da"

HEADER = (
    "# mypy: ignore-errors\n"
    "# GENERATED FILE: do not edit.\n"
    "# Source: ui/{source}. Regenerate with `uv run python -m jdoffice.gui.forms.build`.\n"
)


class BuildError(RuntimeError):
    """The form compiler is missing or refused a form."""


def tool(name: str) -> str:
    """The PySide6 tool ``name`` (``pyside6-uic``) of this environment."""
    bindir = Path(sys.executable).parent
    for candidate in (bindir / name, bindir / f"{name}.exe"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise BuildError(f"{name} is not installed in this environment (run `uv sync`)")
    return found


def uic_executable() -> str:
    """The ``pyside6-uic`` of this environment."""
    return tool("pyside6-uic")


def _run(args: list[str], what: str) -> str:
    proc = subprocess.run(args, capture_output=True, text=True, encoding="utf-8", check=False)
    if proc.returncode != 0:
        raise BuildError(f"{what} failed: {(proc.stderr or proc.stdout).strip()}")
    return proc.stdout


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


def translation_files(ts_dir: Path = TRANSLATIONS_DIR) -> list[Path]:
    """``jdoffice_en.ts`` and the like."""
    return sorted(ts_dir.glob("jdoffice_*.ts"))


def translatable_sources() -> list[Path]:
    """The files whose texts are translated: the GUI's Python (not the generated forms, whose
    texts come from their ``.ui``) and the forms."""
    python = [p for p in sorted(GUI_DIR.rglob("*.py")) if not p.parent.samefile(FORMS_DIR)]
    return [*python, *sorted(UI_DIR.glob("*.ui"))]


def update_translation(ts_file: Path) -> Path:
    """Collect the texts of the code and the forms into ``ts_file`` (``pyside6-lupdate``):
    new texts come in unfinished, texts no longer used go."""
    language = ts_file.stem.rpartition("_")[2]
    _run(
        [
            tool("pyside6-lupdate"),
            *[str(p) for p in translatable_sources()],
            "-source-language",
            SOURCE_LANGUAGE,
            "-target-language",
            language,
            # No file names and line numbers: the .ts changes only when a text does.
            "-locations",
            "none",
            "-no-obsolete",
            "-silent",
            "-ts",
            str(ts_file),
        ],
        f"pyside6-lupdate on {ts_file.name}",
    )
    return ts_file


def compile_translation(ts_file: Path, out_dir: Path) -> Path:
    """``jdoffice_en.ts`` → ``out_dir/jdoffice_en.qm`` (``pyside6-lrelease``)."""
    target = out_dir / f"{ts_file.stem}.qm"
    _run(
        [tool("pyside6-lrelease"), "-silent", str(ts_file), "-qm", str(target)],
        f"pyside6-lrelease on {ts_file.name}",
    )
    return target


def build_translations(
    out_dir: Path = TRANSLATIONS_DIR, ts_dir: Path = TRANSLATIONS_DIR
) -> list[Path]:
    """Compile every ``jdoffice_*.ts`` in ``ts_dir`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return [compile_translation(ts, out_dir) for ts in translation_files(ts_dir)]


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if "--update-translations" in args:
        for ts in translation_files():
            update_translation(ts)
            sys.stdout.write(f"updated {ts.relative_to(ROOT)}\n")
    for path in [*build(), *build_translations()]:
        sys.stdout.write(f"wrote {path.relative_to(ROOT)}\n")


if __name__ == "__main__":
    main()
