"""Settings (Ctrl+,): payment settings and keys of the school, the printer, the receipt header
and the language of this desk.

Keys go to an in-memory keyring backend (the previous keyring is put back after each test)
and must never appear anywhere in the dialog once written.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.fail
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLabel, QLineEdit, QPlainTextEdit, QWidget
from pytestqt.qtbot import QtBot

from jdoffice.adapters.secrets import SECRETS, SERVICE
from jdoffice.domain.errors import Unavailable
from jdoffice.gui import desk_settings
from jdoffice.gui.desk_settings import DeskSettings, ReceiptOutput
from jdoffice.gui.views import settings_dialog
from jdoffice.gui.views.main_window import MainWindow
from jdoffice.gui.views.settings_dialog import SettingsDialog
from jdoffice.printing import thermal
from jdoffice.services import queries
from jdoffice.services import school as school_service
from jdoffice.services.settings import PaymentSettings
from tests.gui.office import ACTOR, Office, make_office, settle_background_work

WAIT_MS = 10_000
#: The code page receipts are printed in.
CODEC = thermal.DEFAULT_CODE_PAGE.lower()
SECRET_KEY = "test-only-secret-key-hemmelig-aldrig-vist"
WEBHOOK_SECRET = "test-only-webhook-secret-skjules"
STRIPE_KEY = "stripe-secret-key"
STRIPE_WEBHOOK = "stripe-webhook-secret"


class MemoryKeyring(keyring.backend.KeyringBackend):
    """Keeps passwords in a dict, as a desktop keyring would."""

    priority = 1.0

    def __init__(self) -> None:
        init: Callable[[], None] = super().__init__
        init()
        self.passwords: dict[tuple[str, str], str] = {}
        self.reads = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.reads += 1
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.passwords.pop((service, username), None)


@pytest.fixture
def restore_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for variable in SECRETS.values():
        monkeypatch.delenv(variable, raising=False)
    previous = keyring.get_keyring()
    try:
        yield
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def memory_keyring(restore_keyring: None) -> MemoryKeyring:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend


@pytest.fixture
def no_keyring(restore_keyring: None) -> None:
    no_backend: Callable[[], keyring.backend.KeyringBackend] = keyring.backends.fail.Keyring
    keyring.set_keyring(no_backend())


@pytest.fixture
def office(
    qtbot: QtBot, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Office]:
    office = make_office(tmp_path, tmp_path_factory.getbasetemp(), online=False)
    yield office
    settle_background_work()
    office.app.dispose()


def open_dialog(qtbot: QtBot, office: Office) -> SettingsDialog:
    dialog = SettingsDialog(office.ctx)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=WAIT_MS):
        dialog.show()
    settle_background_work()  # the printers, too
    return dialog


def save(qtbot: QtBot, dialog: SettingsDialog) -> None:
    """Press Enter (Save) and wait until the dialog has saved and closed."""
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    settle_background_work()


def save_refused(qtbot: QtBot, dialog: SettingsDialog) -> str:
    """Press Enter; the dialog stays open and says what is wrong."""
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    settle_background_work()
    assert dialog.isVisible()
    assert dialog.errorLabel.isVisible()
    return dialog.errorLabel.text()


def replace_text(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def everything_shown(dialog: QWidget) -> str:
    """Every text the dialog can show or hand out: labels, fields, tooltips, titles."""
    parts: list[str] = [dialog.windowTitle()]
    for widget in dialog.findChildren(QWidget):
        parts += [widget.toolTip(), widget.statusTip(), widget.whatsThis(), widget.accessibleName()]
        if isinstance(widget, QLabel | QAbstractButton):
            parts.append(widget.text())
        if isinstance(widget, QLineEdit):
            parts += [widget.text(), widget.displayText(), widget.placeholderText()]
        if isinstance(widget, QPlainTextEdit):
            parts.append(widget.toPlainText())
        if isinstance(widget, QComboBox):
            parts += [widget.itemText(i) for i in range(widget.count())]
            parts += [str(widget.itemData(i)) for i in range(widget.count())]
    return "\n".join(parts)


# --- the keys ---


def test_keys_are_written_to_the_keyring_and_never_shown_back(
    qtbot: QtBot, office: Office, memory_keyring: MemoryKeyring
) -> None:
    dialog = open_dialog(qtbot, office)
    assert dialog.secret_state(STRIPE_KEY).text() == "ikke sat"
    assert dialog.secret_state(STRIPE_WEBHOOK).text() == "ikke sat"
    assert dialog.secret_edit(STRIPE_KEY).echoMode() is QLineEdit.EchoMode.Password
    assert not dialog.keyringLabel.isVisible()

    qtbot.keyClicks(dialog.secret_edit(STRIPE_KEY), SECRET_KEY)
    qtbot.keyClicks(dialog.secret_edit(STRIPE_WEBHOOK), WEBHOOK_SECRET)
    assert SECRET_KEY not in dialog.secret_edit(STRIPE_KEY).displayText()
    save(qtbot, dialog)

    slug = office.school.slug
    assert memory_keyring.passwords == {
        (SERVICE, f"stripe-secret-key:{slug}"): SECRET_KEY,
        (SERVICE, f"stripe-webhook-secret:{slug}"): WEBHOOK_SECRET,
    }
    assert office.app.online_gateway(office.school, PaymentSettings()) is not None

    again = open_dialog(qtbot, office)
    assert again.secret_state(STRIPE_KEY).text() == "✓ gemt"
    assert again.secret_state(STRIPE_WEBHOOK).text() == "✓ gemt"
    assert again.secret_edit(STRIPE_KEY).text() == ""
    assert again.secret_edit(STRIPE_WEBHOOK).text() == ""
    shown = everything_shown(again)
    assert SECRET_KEY not in shown
    assert WEBHOOK_SECRET not in shown
    assert "sk_test" not in shown
    # Nor is either held anywhere in what the dialog read.
    assert SECRET_KEY not in repr(again.loaded_settings)


def test_an_empty_key_field_keeps_the_stored_key(
    qtbot: QtBot, office: Office, memory_keyring: MemoryKeyring
) -> None:
    user = f"stripe-secret-key:{office.school.slug}"
    memory_keyring.passwords[(SERVICE, user)] = "sk_test_stored"
    dialog = open_dialog(qtbot, office)
    assert dialog.secret_state(STRIPE_KEY).text() == "✓ gemt"
    qtbot.keyClicks(dialog.secret_edit(STRIPE_WEBHOOK), "whsec_new")
    save(qtbot, dialog)
    assert memory_keyring.passwords[(SERVICE, user)] == "sk_test_stored"


def test_a_key_with_spaces_is_refused_before_anything_is_written(
    qtbot: QtBot, office: Office, memory_keyring: MemoryKeyring
) -> None:
    dialog = open_dialog(qtbot, office)
    qtbot.keyClicks(dialog.secret_edit(STRIPE_KEY), "sk_test_abc def")
    message = save_refused(qtbot, dialog)
    assert "mellemrum" in message
    assert memory_keyring.passwords == {}
    assert dialog.tabs.currentIndex() == SettingsDialog.PAYMENTS_TAB
    assert dialog.secret_edit(STRIPE_KEY).hasFocus()


def test_a_key_set_in_the_environment_says_so(
    qtbot: QtBot, office: Office, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JDOFFICE_STRIPE_SECRET_KEY", "sk_test_from_env")
    dialog = open_dialog(qtbot, office)
    assert dialog.secret_state(STRIPE_KEY).text() == "sat i JDOFFICE_STRIPE_SECRET_KEY"
    assert "sk_test_from_env" not in everything_shown(dialog)


def test_without_a_keyring_the_dialog_says_so_and_points_to_the_environment(
    qtbot: QtBot, office: Office, no_keyring: None
) -> None:
    dialog = open_dialog(qtbot, office)
    assert dialog.keyringLabel.isVisible()
    text = dialog.keyringLabel.text()
    assert "ingen nøglering" in text
    assert "JDOFFICE_STRIPE_SECRET_KEY" in text
    assert "JDOFFICE_STRIPE_WEBHOOK_SECRET" in text
    assert not dialog.secret_edit(STRIPE_KEY).isEnabled()
    assert not dialog.secret_edit(STRIPE_WEBHOOK).isEnabled()
    assert dialog.secret_state(STRIPE_KEY).text() == "ingen nøglering"
    # Everything else still saves.
    dialog.onlineCheck.setChecked(True)
    save(qtbot, dialog)
    assert office.app.payment_settings(office.school).online_enabled


# --- the school's payment settings ---


def test_payment_settings_are_saved_and_read_back(
    qtbot: QtBot, office: Office, memory_keyring: MemoryKeyring
) -> None:
    dialog = open_dialog(qtbot, office)
    assert not dialog.onlineCheck.isChecked()  # the office's configuration: online off
    assert not dialog.expirySpin.isEnabled()
    assert dialog.gatewayCombo.currentData() == "stripe"
    assert dialog.expirySpin.minimum() == 30
    assert dialog.expirySpin.maximum() == 1440

    qtbot.keyClick(dialog.onlineCheck, Qt.Key.Key_Space)
    assert dialog.onlineCheck.isChecked()
    assert dialog.expirySpin.isEnabled()
    dialog.expirySpin.setValue(90)
    replace_text(qtbot, dialog.successUrlEdit, "https://koreskole.example/tak")
    dialog.modeCombo.setCurrentIndex(dialog.modeCombo.findData("live"))
    save(qtbot, dialog)

    s = office.app.payment_settings(office.school)
    assert (s.online_enabled, s.gateway, s.checkout_expiry_minutes, s.success_url, s.mode) == (
        True,
        "stripe",
        90,
        "https://koreskole.example/tak",
        "live",
    )
    uow = office.uow()
    with uow:
        audit = uow.audit.for_entity("school", office.school.slug)
        stored = uow.settings.get(office.school.id)
    assert [a.action for a in audit] == ["settings.payments_changed"]
    assert audit[0].actor == office.ctx.actor
    # Only what was changed is the school's own choice; the rest follows the defaults.
    assert stored is not None
    assert stored.online_enabled is True
    assert stored.checkout_expiry_minutes == 90
    assert stored.gateway is None

    again = open_dialog(qtbot, office)
    assert again.expirySpin.value() == 90
    assert again.successUrlEdit.text() == "https://koreskole.example/tak"
    assert again.modeCombo.currentData() == "live"


def test_online_payments_switched_off_grey_out_their_settings(
    qtbot: QtBot, office: Office, memory_keyring: MemoryKeyring
) -> None:
    office.app._config = dataclasses.replace(
        office.app.config, payments=PaymentSettings(online_enabled=True)
    )
    dialog = open_dialog(qtbot, office)
    assert dialog.onlineCheck.isChecked()
    assert dialog.gatewayCombo.isEnabled()
    dialog.onlineCheck.setChecked(False)
    assert not dialog.gatewayCombo.isEnabled()
    assert not dialog.expirySpin.isEnabled()
    save(qtbot, dialog)
    assert not office.app.payment_settings(office.school).online_enabled


def test_a_bad_success_url_is_refused_and_nothing_is_stored(
    qtbot: QtBot, office: Office, memory_keyring: MemoryKeyring
) -> None:
    dialog = open_dialog(qtbot, office)
    dialog.onlineCheck.setChecked(True)
    dialog.expirySpin.setValue(120)
    replace_text(qtbot, dialog.successUrlEdit, "koreskole.dk/tak")
    message = save_refused(qtbot, dialog)
    assert "webadresse" in message
    assert dialog.successUrlEdit.hasFocus()
    s = office.app.payment_settings(office.school)
    assert (s.online_enabled, s.checkout_expiry_minutes) == (False, 60)


def test_saving_without_changes_writes_no_audit_row(
    qtbot: QtBot, office: Office, memory_keyring: MemoryKeyring
) -> None:
    save(qtbot, open_dialog(qtbot, office))
    uow = office.uow()
    with uow:
        assert uow.audit.for_entity("school", office.school.slug) == []
        assert uow.settings.get(office.school.id) is None


# --- the receipt header ---


@pytest.mark.parametrize("cvr", ["1234567", "123456789", "12 34 56 7x", ""])
def test_a_cvr_that_is_not_8_digits_is_refused(
    qtbot: QtBot, office: Office, memory_keyring: MemoryKeyring, cvr: str
) -> None:
    dialog = open_dialog(qtbot, office)
    replace_text(qtbot, dialog.cvrEdit, cvr)
    if cvr:
        assert dialog.cvrErrorLabel.text() == "Et CVR-nummer er 8 cifre."
    message = save_refused(qtbot, dialog)
    assert "CVR-nummer er 8 cifre" in message
    assert dialog.tabs.currentIndex() == SettingsDialog.HEADER_TAB
    assert dialog.cvrEdit.hasFocus()
    assert queries.resolve_school(office.uow(), office.school.slug).cvr == "12345678"


def test_the_receipt_header_is_saved_audited_and_handed_to_the_desk(
    qtbot: QtBot, office: Office, memory_keyring: MemoryKeyring
) -> None:
    dialog = open_dialog(qtbot, office)
    replace_text(qtbot, dialog.schoolNameEdit, "Østerbro Køreskole ApS")
    dialog.addressEdit.setPlainText("Østerbrogade 1\n2100 København Ø")
    replace_text(qtbot, dialog.cvrEdit, "DK 8765 4321")
    assert dialog.cvrErrorLabel.text() == ""
    preview = dialog.headerPreviewLabel.text()
    assert "Østerbro Køreskole ApS" in preview
    assert "2100 København Ø" in preview
    assert "CVR: 87654321" in preview
    with qtbot.waitSignal(dialog.school_changed, timeout=WAIT_MS) as changed:
        save(qtbot, dialog)
    school = changed.args[0]
    assert (school.name, school.address, school.cvr) == (
        "Østerbro Køreskole ApS",
        "Østerbrogade 1\n2100 København Ø",
        "87654321",
    )
    assert queries.resolve_school(office.uow(), office.school.slug) == school
    uow = office.uow()
    with uow:
        actions = [a.action for a in uow.audit.for_entity("school", office.school.slug)]
    assert actions == ["school.receipt_header_changed"]


def test_the_vat_line_and_web_address_are_typed_at_the_desk_and_kept_for_the_school(
    qtbot: QtBot, office: Office, memory_keyring: MemoryKeyring
) -> None:
    dialog = open_dialog(qtbot, office)
    dialog.tabs.setCurrentIndex(SettingsDialog.HEADER_TAB)
    qtbot.keyClick(dialog, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)
    assert dialog.vatLineEdit.hasFocus()
    qtbot.keyClicks(dialog.vatLineEdit, "Momsfritaget undervisning")
    qtbot.keyClick(dialog, Qt.Key.Key_H, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClicks(dialog.webEdit, "www.oesterbro.dk")
    assert "www.oesterbro.dk" in dialog.headerPreviewLabel.text()

    save(qtbot, dialog)

    uow = office.uow()
    with uow:
        stored = school_service.receipt_details(uow, office.school)
        actions = [a.action for a in uow.audit.for_entity("school", office.school.slug)]
    assert stored == school_service.ReceiptDetails(
        web="www.oesterbro.dk", vat_line="Momsfritaget undervisning"
    )
    assert actions == ["school.receipt_details_changed"]
    again = open_dialog(qtbot, office)
    assert again.vatLineEdit.text() == "Momsfritaget undervisning"
    assert again.webEdit.text() == "www.oesterbro.dk"


def test_an_empty_school_name_is_refused(
    qtbot: QtBot, office: Office, memory_keyring: MemoryKeyring
) -> None:
    dialog = open_dialog(qtbot, office)
    replace_text(qtbot, dialog.schoolNameEdit, "   ")
    assert "navn" in save_refused(qtbot, dialog)
    assert dialog.schoolNameEdit.hasFocus()


# --- this desk: printer and language ---


def test_printer_and_language_are_kept_on_this_desk(
    qtbot: QtBot, office: Office, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, office)
    assert dialog.previewRadio.isChecked()  # the default
    target = f"file:{tmp_path / 'printer.bin'}"
    dialog.thermalRadio.setChecked(True)
    assert dialog.thermalTargetEdit.isEnabled()
    qtbot.keyClicks(dialog.thermalTargetEdit, target)
    assert dialog.thermalStatusLabel.text().startswith("✓ file:")
    dialog.drawerCheck.setChecked(False)
    dialog.englishRadio.setChecked(True)
    with qtbot.waitSignal(dialog.language_changed, timeout=WAIT_MS) as changed:
        save(qtbot, dialog)
    assert changed.args == ["en"]
    assert desk_settings.load() == DeskSettings(
        receipt_output=ReceiptOutput.THERMAL,
        printer_name="",
        pdf_folder="",
        thermal_target=target,
        open_drawer_on_cash=False,
        language="en",
    )
    # Desk settings are not the school's: nothing went to the database.
    uow = office.uow()
    with uow:
        assert uow.audit.for_entity("school", office.school.slug) == []

    again = open_dialog(qtbot, office)
    assert again.thermalRadio.isChecked()
    assert again.thermalTargetEdit.text() == target
    assert not again.drawerCheck.isChecked()
    assert again.englishRadio.isChecked()


def test_the_desk_and_staff_names_are_kept_on_this_desk_and_typed_with_their_letters(
    qtbot: QtBot, office: Office, memory_keyring: MemoryKeyring
) -> None:
    dialog = open_dialog(qtbot, office)
    dialog.tabs.setCurrentIndex(SettingsDialog.LANGUAGE_TAB)
    qtbot.keyClick(dialog, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    assert dialog.deskNameEdit.hasFocus()
    qtbot.keyClicks(dialog.deskNameEdit, "  Kasse   2 ")
    qtbot.keyClick(dialog, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)
    assert dialog.staffNameEdit.hasFocus()
    qtbot.keyClicks(dialog.staffNameEdit, "Mette Ærø")

    save(qtbot, dialog)

    stored = desk_settings.load()
    assert (stored.desk_name, stored.staff_name) == ("Kasse 2", "Mette Ærø")
    again = open_dialog(qtbot, office)
    assert again.deskNameEdit.text() == "Kasse 2"
    assert again.staffNameEdit.text() == "Mette Ærø"


def test_a_staff_name_with_control_characters_is_refused(
    qtbot: QtBot, office: Office, memory_keyring: MemoryKeyring
) -> None:
    dialog = open_dialog(qtbot, office)
    dialog.staffNameEdit.setText("Mette\u202e")

    why = save_refused(qtbot, dialog)

    assert why == "Navnet må ikke indeholde styretegn."
    assert dialog.tabs.currentIndex() == SettingsDialog.LANGUAGE_TAB
    assert desk_settings.load().staff_name == ""


@pytest.mark.parametrize(
    ("target", "why"),
    [
        ("", "Skriv hvor termoprinteren er"),
        ("lpt1", "unknown kind of printer"),
        ("network:", "the host is missing"),
        ("usb:04b8", "usb:VID:PID"),
        ("serial:/dev/ttyS0:12345", "not a serial speed"),
    ],
)
def test_a_thermal_target_that_cannot_work_is_refused(
    qtbot: QtBot, office: Office, memory_keyring: MemoryKeyring, target: str, why: str
) -> None:
    dialog = open_dialog(qtbot, office)
    dialog.thermalRadio.setChecked(True)
    qtbot.keyClicks(dialog.thermalTargetEdit, target)
    assert why in save_refused(qtbot, dialog)
    assert dialog.tabs.currentIndex() == SettingsDialog.PRINTER_TAB
    assert desk_settings.load() == DeskSettings()


def test_the_pdf_folder_must_be_chosen(
    qtbot: QtBot, office: Office, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, office)
    dialog.pdfRadio.setChecked(True)
    assert "mappe" in save_refused(qtbot, dialog)
    qtbot.keyClicks(dialog.pdfFolderEdit, str(tmp_path))
    save(qtbot, dialog)
    assert desk_settings.load().receipt_output is ReceiptOutput.PDF
    assert desk_settings.load().pdf_folder == str(tmp_path)


def test_a_test_print_goes_to_the_thermal_target_without_opening_the_drawer(
    qtbot: QtBot, office: Office, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, office)
    printer = tmp_path / "printer.bin"
    dialog.thermalRadio.setChecked(True)
    qtbot.keyClicks(dialog.thermalTargetEdit, f"file:{printer}")
    with qtbot.waitSignal(dialog.test_printed, timeout=WAIT_MS) as printed:
        qtbot.mouseClick(dialog.thermalTestButton, Qt.MouseButton.LeftButton)
    assert printed.args[0] is True
    assert "Testudskriften er sendt" in dialog.thermalStatusLabel.text()
    data = printer.read_bytes()
    assert "TESTUDSKRIFT".encode(CODEC) in data
    assert "æ ø å Æ Ø Å".encode(CODEC) in data
    assert "Østerbro Køreskole".encode(CODEC) in data
    assert b"\x1bp" not in data  # ESC p: the drawer kick


def test_a_failed_test_print_says_why(
    qtbot: QtBot, office: Office, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, office)
    dialog.thermalRadio.setChecked(True)
    qtbot.keyClicks(dialog.thermalTargetEdit, f"file:{tmp_path / 'no-such-folder' / 'lp0'}")
    with qtbot.waitSignal(dialog.test_printed, timeout=WAIT_MS) as printed:
        dialog.test_print()
    assert printed.args[0] is False
    assert "cannot be reached" in dialog.thermalStatusLabel.text()


def test_when_the_database_is_down_the_desk_settings_still_save(
    qtbot: QtBot, office: Office, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(_ctx: object) -> settings_dialog.Loaded:
        raise Unavailable("database is down")

    monkeypatch.setattr(settings_dialog, "load_job", down)
    dialog = open_dialog(qtbot, office)
    assert "database is down" in dialog.errorLabel.text()
    assert not dialog.onlineBox.isEnabled()
    assert not dialog.cvrEdit.isEnabled()
    dialog.englishRadio.setChecked(True)
    save(qtbot, dialog)
    assert desk_settings.load().language == "en"


def test_escape_closes_without_saving(
    qtbot: QtBot, office: Office, memory_keyring: MemoryKeyring
) -> None:
    dialog = open_dialog(qtbot, office)
    dialog.englishRadio.setChecked(True)
    qtbot.keyClicks(dialog.secret_edit(STRIPE_KEY), SECRET_KEY)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert desk_settings.load().language == "da"
    assert memory_keyring.passwords == {}


# --- from the main window ---


def test_ctrl_comma_opens_the_settings_and_a_new_header_reaches_the_status_bar(
    qtbot: QtBot, office: Office, memory_keyring: MemoryKeyring
) -> None:
    window = MainWindow(office.ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
    assert window.actionSettings.shortcut().toString() == "Ctrl+,"
    assert window.actionSettings in window.menuDesk.actions()

    qtbot.keyClick(window.searchEdit, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: isinstance(window.dialog, SettingsDialog), timeout=WAIT_MS)
    dialog = window.dialog
    assert isinstance(dialog, SettingsDialog)
    qtbot.waitUntil(lambda: dialog.loaded_settings is not None, timeout=WAIT_MS)
    dialog.tabs.setCurrentIndex(SettingsDialog.HEADER_TAB)
    replace_text(qtbot, dialog.schoolNameEdit, "Nørrebro Køreskole")
    with qtbot.waitSignal(window.context_ready, timeout=WAIT_MS):
        qtbot.keyClick(dialog.schoolNameEdit, Qt.Key.Key_Return)
    assert window.ctx is not None
    assert window.ctx.school.name == "Nørrebro Køreskole"
    assert window.dialog is None
    window.close()
    settle_background_work()


def test_the_key_rows_follow_the_chosen_gateway(
    qtbot: QtBot, office: Office, memory_keyring: MemoryKeyring
) -> None:
    dialog = open_dialog(qtbot, office)
    assert dialog.secret_names() == [STRIPE_KEY, STRIPE_WEBHOOK]
    assert "Stripe" in dialog.keysBox.title()

    dialog.onlineCheck.setChecked(True)
    dialog.gatewayCombo.setCurrentIndex(dialog.gatewayCombo.findData("testpay"))
    assert dialog.gatewayCombo.currentText() == "Testbetaling"
    assert dialog.secret_names() == ["testpay-api-key", "testpay-webhook-secret"]
    captions = [dialog.secret_caption(n).text().replace("&", "") for n in dialog.secret_names()]
    assert captions == ["API-nøgle:", "Webhook-hemmelighed:"]
    assert "Testbetaling" in dialog.keysBox.title()
    assert dialog.secret_state("testpay-api-key").text() == "ikke sat"
    with pytest.raises(KeyError):
        dialog.secret_edit(STRIPE_KEY)
    edit = dialog.secret_edit("testpay-api-key")
    assert edit.echoMode() is QLineEdit.EchoMode.Password
    qtbot.keyClicks(edit, "tp_test_key")
    save(qtbot, dialog)

    slug = office.school.slug
    assert memory_keyring.passwords == {(SERVICE, f"testpay-api-key:{slug}"): "tp_test_key"}
    assert office.app.payment_settings(office.school).gateway == "testpay"
    again = open_dialog(qtbot, office)
    assert again.gatewayCombo.currentData() == "testpay"
    assert again.secret_state("testpay-api-key").text() == "✓ gemt"
    assert "tp_test_key" not in everything_shown(again)


def test_without_a_keyring_the_chosen_gateways_variables_are_named(
    qtbot: QtBot, office: Office, no_keyring: None
) -> None:
    dialog = open_dialog(qtbot, office)
    dialog.onlineCheck.setChecked(True)
    dialog.gatewayCombo.setCurrentIndex(dialog.gatewayCombo.findData("testpay"))
    text = dialog.keyringLabel.text()
    assert "JDOFFICE_TESTPAY_API_KEY" in text
    assert "JDOFFICE_TESTPAY_WEBHOOK_SECRET" in text
    assert "JDOFFICE_STRIPE_SECRET_KEY" not in text
    assert not dialog.secret_edit("testpay-api-key").isEnabled()


def test_several_online_gateways_read_as_one_choice_and_are_kept(
    qtbot: QtBot, office: Office, memory_keyring: MemoryKeyring
) -> None:
    """A school that takes Stripe and MobilePay (`school payments --gateway stripe --gateway
    mobilepay`) sees them as one choice, the default's keys shown; saving keeps both."""
    school_service.update_payment_settings(
        office.uow(),
        office.school,
        {"online_enabled": True, "gateway": ["stripe", "mobilepay"]},
        actor=ACTOR,
    )
    dialog = open_dialog(qtbot, office)
    assert dialog.gatewayCombo.currentText() == "Stripe + MobilePay"
    assert dialog.gatewayCombo.currentData() == "stripe,mobilepay"
    save(qtbot, dialog)
    assert office.app.payment_settings(office.school).gateways == ("stripe", "mobilepay")


def test_the_reminder_interval_is_typed_at_the_desk_audited_and_kept_for_the_school(
    qtbot: QtBot, office: Office, memory_keyring: MemoryKeyring
) -> None:
    from jdoffice.services import reminders

    dialog = open_dialog(qtbot, office)
    assert dialog.reminderSpin.value() == 7
    qtbot.keyClick(dialog, Qt.Key.Key_I, Qt.KeyboardModifier.AltModifier)
    assert dialog.reminderSpin.hasFocus()
    dialog.reminderSpin.selectAll()
    qtbot.keyClicks(dialog.reminderSpin, "14")

    save(qtbot, dialog)

    uow = office.uow()
    with uow:
        days = reminders.reminder_interval(uow, office.school)
        actions = [a.action for a in uow.audit.for_entity("school", office.school.slug)]
    assert days == 14
    assert actions == ["school.reminders_changed"]
    assert open_dialog(qtbot, office).reminderSpin.value() == 14
