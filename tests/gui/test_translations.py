"""Danish is the language the texts are written in; English comes from
``resources/translations/jdoffice_en.ts``, compiled to the committed ``jdoffice_en.qm``.

The ``.ts`` must hold every text of the code and the forms (it is what ``pyside6-lupdate``
makes of them), all translated, and the ``.qm`` must be what ``pyside6-lrelease`` makes of the
``.ts``: otherwise a text is added in Danish and silently stays Danish in English.
"""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, Qt, QTranslator
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QGroupBox,
    QLabel,
    QWidget,
)
from pytestqt.qtbot import QtBot

from jdoffice.gui import desk_settings, texts
from jdoffice.gui.app import install_translators, translations_dir
from jdoffice.gui.desk_settings import DeskSettings
from jdoffice.gui.forms import build
from jdoffice.gui.models import SearchColumn
from jdoffice.gui.views.main_window import MainWindow
from jdoffice.gui.views.settings_dialog import SettingsDialog
from tests.gui.office import Office, make_office, settle_background_work

TS = build.TRANSLATIONS_DIR / "jdoffice_en.ts"
QM = build.TRANSLATIONS_DIR / "jdoffice_en.qm"
REBUILD = "run `uv run python -m jdoffice.gui.forms.build --update-translations`"
_PLACEHOLDER = re.compile(r"\{\d+\}")


def messages() -> list[tuple[str, str, str, str | None]]:
    """(context, source, translation, type) of every message in the English .ts."""
    out = []
    for context in ET.parse(TS).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            assert translation is not None
            out.append(
                (
                    name,
                    message.findtext("source") or "",
                    translation.text or "",
                    translation.get("type"),
                )
            )
    return out


# --- the files -------------------------------------------------------------------------------


def test_the_english_translation_is_committed() -> None:
    assert translations_dir() == build.TRANSLATIONS_DIR
    assert TS.is_file()
    assert QM.is_file()
    assert build.translation_files() == [TS]


def test_the_ts_holds_exactly_the_texts_of_the_code_and_the_forms(tmp_path: Path) -> None:
    fresh = tmp_path / TS.name
    shutil.copyfile(TS, fresh)
    build.update_translation(fresh)
    assert fresh.read_bytes() == TS.read_bytes(), f"{TS.name} differs from the sources: {REBUILD}"


def test_the_qm_is_compiled_from_the_ts(tmp_path: Path) -> None:
    written = build.build_translations(out_dir=tmp_path)
    assert [p.name for p in written] == [QM.name]
    assert written[0].read_bytes() == QM.read_bytes(), f"{QM.name} is stale: {REBUILD}"


def test_every_text_is_translated_with_its_placeholders_and_shortcut_letter() -> None:
    found = messages()
    assert len(found) > 250
    contexts = {context for context, *_ in found}
    assert {"MainWindow", "SettingsDialog", "PaymentDialog", "Texts", "ReceiptDelivery"} <= contexts
    for context, source, translation, kind in found:
        where = f"{context}: {source!r}"
        assert kind is None, f"not translated: {where}"
        assert translation.strip(), f"empty translation: {where}"
        assert sorted(_PLACEHOLDER.findall(translation)) == sorted(_PLACEHOLDER.findall(source)), (
            f"placeholders differ: {where}"
        )
        assert ("&" in source.replace("&&", "")) == ("&" in translation.replace("&&", "")), (
            f"a shortcut letter (&) in one language only: {where}"
        )


# --- switching language -----------------------------------------------------------------------


@pytest.fixture
def english(qapp: QApplication) -> Iterator[list[QTranslator]]:
    """The English translation installed as ``jdoffice.gui.app.launch`` does; removed after."""
    locale = QLocale()
    installed = install_translators(qapp, "en")
    try:
        yield installed
    finally:
        for translator in installed:
            qapp.removeTranslator(translator)
        QLocale.setDefault(locale)


@pytest.fixture
def office(
    qtbot: QtBot, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Office]:
    office = make_office(tmp_path, tmp_path_factory.getbasetemp(), online=False)
    yield office
    settle_background_work()
    office.app.dispose()


def open_window(qtbot: QtBot, office: Office) -> MainWindow:
    window = MainWindow(office.ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_the_language_setting_picks_the_translation(qapp: QApplication) -> None:
    desk_settings.save(DeskSettings(language="en"))
    assert desk_settings.language() == "en"
    locale = QLocale()
    installed = install_translators(qapp, desk_settings.language())
    try:
        assert any(t.filePath().endswith("jdoffice_en.qm") for t in installed)
        assert QCoreApplication.translate("Texts", "Kontant") == "Cash"
    finally:
        for translator in installed:
            qapp.removeTranslator(translator)
        QLocale.setDefault(locale)
    assert QCoreApplication.translate("Texts", "Kontant") == "Kontant"


def test_the_main_window_speaks_danish_without_a_translation(qtbot: QtBot, office: Office) -> None:
    window = open_window(qtbot, office)
    assert window.menuDesk.title() == "&Kasse"
    assert window.payButton.text() == "F5  Tag betaling"
    assert window.actionSettings.text() == "&Indstillinger …"
    header = window.results_model.headerData(SearchColumn.NAME, Qt.Orientation.Horizontal)
    assert header == "Navn"
    window.close()


def test_switching_to_english_shows_english_texts_in_the_main_window(
    qtbot: QtBot, office: Office, english: list[QTranslator]
) -> None:
    window = open_window(qtbot, office)
    assert window.windowTitle() == "jdoffice – front desk"
    assert window.menuDesk.title() == "&Desk"
    assert window.actionTakePayment.text() == "&Take payment …"
    assert window.actionSettings.text() == "Setti&ngs …"
    assert window.payButton.text() == "F5  Take payment"
    assert window.qrButton.text() == "F6  QR payment"
    assert window.refundButton.text() == "F8  Refund"
    assert window.reportButton.text() == "F9  Day report"
    assert window.searchLabel.text() == "&Search student:"
    header = window.results_model.headerData(SearchColumn.STUDENT_NO, Qt.Orientation.Horizontal)
    assert header == "Student no."
    assert "School: Østerbro Køreskole" in {
        label.text() for label in window.statusbar.findChildren(QLabel)
    }

    student = office.student("Erik", "English")
    office.invoice(85025, student)
    qtbot.keyClicks(window.searchEdit, "erik")
    qtbot.waitUntil(lambda: window.results_model.rowCount() == 1, timeout=10_000)
    assert window.searchInfoLabel.text() == "1 found"
    qtbot.keyClick(window.searchEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.view is not None, timeout=10_000)
    assert window.balanceLabel.text().startswith("Owes ")
    assert "F5/F6 act on invoice" in window.targetLabel.text()
    window.close()
    settle_background_work()


def test_texts_follow_the_installed_language(english: list[QTranslator]) -> None:
    assert texts.method_name("bank") == "Bank transfer"
    assert texts.balance_text(0, "DKK").text == "Nothing outstanding"


def _mnemonic(text: str) -> str | None:
    match = re.search(r"&([^&])", text.replace("&&", ""))
    return match.group(1).lower() if match else None


def _mnemonics(widgets: list[QWidget]) -> list[str]:
    letters = []
    for widget in widgets:
        if isinstance(widget, QGroupBox):
            text = widget.title()
        elif isinstance(widget, QLabel | QAbstractButton):
            text = widget.text()
        else:
            continue
        letter = _mnemonic(text)
        if letter is not None:
            letters.append(letter)
    return letters


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_settings_dialog_has_no_shortcut_letter_twice(
    qtbot: QtBot, office: Office, qapp: QApplication, language: str
) -> None:
    locale = QLocale()
    installed = install_translators(qapp, language) if language == "en" else []
    try:
        dialog = SettingsDialog(office.ctx)
        qtbot.addWidget(dialog)
        tabs = [_mnemonic(dialog.tabs.tabText(i)) for i in range(dialog.tabs.count())]
        buttons = _mnemonics([dialog.saveButton, dialog.cancelButton])
        for index in range(dialog.tabs.count()):
            page = dialog.tabs.widget(index)
            assert page is not None
            letters = [*tabs, *buttons, *_mnemonics(page.findChildren(QWidget))]
            twice = {x for x in letters if letters.count(x) > 1}
            assert not twice, f"{dialog.tabs.tabText(index)}: {twice}"
        if language == "en":
            assert dialog.tabs.tabText(SettingsDialog.HEADER_TAB) == "Receipt &header"
            assert dialog.saveButton.text() == "&Save (Enter)"
        settle_background_work()
    finally:
        for translator in installed:
            qapp.removeTranslator(translator)
        QLocale.setDefault(locale)
