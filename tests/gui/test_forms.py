"""The committed ``jdoffice/gui/forms/ui_*.py`` are what ``ui/*.ui`` compile to."""

from __future__ import annotations

from pathlib import Path

from jdoffice.gui.forms import build


def test_every_form_has_a_committed_module() -> None:
    forms = sorted(build.UI_DIR.glob("*.ui"))
    assert forms, "no forms in ui/"
    for ui_file in forms:
        assert (build.FORMS_DIR / build.module_name(ui_file)).is_file(), (
            f"{ui_file.name} is not compiled: run `uv run python -m jdoffice.gui.forms.build`"
        )


def test_committed_forms_match_a_fresh_compile(tmp_path: Path) -> None:
    written = build.build(out_dir=tmp_path)
    assert written
    for fresh in written:
        committed = build.FORMS_DIR / fresh.name
        assert committed.read_text(encoding="utf-8") == fresh.read_text(encoding="utf-8"), (
            f"{committed.name} differs from ui/: run `uv run python -m jdoffice.gui.forms.build`"
        )


def test_no_stale_generated_module_without_a_form() -> None:
    sources = {build.module_name(p) for p in build.UI_DIR.glob("*.ui")}
    generated = {p.name for p in build.FORMS_DIR.glob("ui_*.py")}
    assert generated <= sources, f"generated modules without a form: {generated - sources}"
