"""Settings (Kasse → Indstillinger …, Ctrl+,): the school's payment settings and provider keys,
where receipts go at this desk, the receipt header, and the language.

Two kinds of settings meet here. The school's (online payments, the receipt header) are in the
shared database and are read and written in the background, each change with an audit row; the
provider keys go to this PC's keyring and are never read back — the dialog shows only whether
one is set. This desk's own (printer, receipt output, language) live in ``QSettings`` on the PC
(:mod:`jdoffice.gui.desk_settings`) and are saved even while the database cannot be reached.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QCloseEvent, QFontDatabase
from PySide6.QtWidgets import QDialog, QFileDialog, QLabel, QLineEdit, QWidget

from jdoffice.adapters.secrets import (
    SECRETS,
    KeyringUnavailable,
    SecretState,
    keyring_available,
    secret_state,
    set_secret,
)
from jdoffice.domain.errors import InvalidInput, JdofficeError
from jdoffice.domain.model import UTC, ReceiptBody, ReceiptLine, School
from jdoffice.domain.receipt_text import DEFAULT_WIDTH, receipt_lines
from jdoffice.gui import desk_settings
from jdoffice.gui.background import run_task
from jdoffice.gui.context import DeskContext
from jdoffice.gui.desk_settings import DeskSettings, ReceiptOutput
from jdoffice.gui.forms.ui_settings_dialog import Ui_SettingsDialog
from jdoffice.services import school as school_service
from jdoffice.services.settings import (
    MAX_EXPIRY_MINUTES,
    MIN_EXPIRY_MINUTES,
    PaymentSettings,
    validate_url,
)

log = logging.getLogger(__name__)

SECRET_KEY = "stripe-secret-key"  # noqa: S105 - the name of a keyring entry
WEBHOOK_SECRET = "stripe-webhook-secret"  # noqa: S105 - the name of a keyring entry

_ERROR_STYLE = (
    "QLabel { background: #fdecea; color: #8c1d18; border: 1px solid #f3b8b3;"
    " border-radius: 4px; padding: 8px; }"
)
_WARN_STYLE = (
    "QLabel { background: #fff4e5; color: #663c00; border: 1px solid #f5c77e;"
    " border-radius: 4px; padding: 8px; }"
)
_PAPER_STYLE = (
    "QLabel { background: #ffffff; color: #222222; border: 1px solid #d0d0d0; padding: 10px 14px; }"
)
_OK_STYLE = "color: #1b5e20;"
_BAD_STYLE = "color: #b3261e;"
_MUTED_STYLE = "color: #555555;"


# --- background jobs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Loaded:
    """What the dialog shows of the school (read on a worker thread)."""

    school: School
    payments: PaymentSettings
    gateways: tuple[str, ...]
    keyring: bool
    #: Secret name → where it is set, or an error message when the keyring cannot be read.
    secrets: dict[str, SecretState | str]
    # The VAT line and web address receipts print.
    details: school_service.ReceiptDetails = field(default_factory=school_service.ReceiptDetails)


@dataclass(frozen=True)
class Printers:
    names: tuple[str, ...]
    default: str


@dataclass(frozen=True)
class Changes:
    """What Save writes to the database and the keyring."""

    payments: dict[str, object] = field(default_factory=dict)
    header: school_service.ReceiptHeader | None = None
    secrets: dict[str, str] = field(default_factory=dict, repr=False)
    details: school_service.ReceiptDetails | None = None

    def __bool__(self) -> bool:
        return bool(self.payments or self.header or self.secrets or self.details)


@dataclass(frozen=True)
class Saved:
    school: School | None
    secrets: dict[str, SecretState | str]


def _secret_states(slug: str) -> dict[str, SecretState | str]:
    states: dict[str, SecretState | str] = {}
    for name in (SECRET_KEY, WEBHOOK_SECRET):
        try:
            states[name] = secret_state(name, slug)
        except KeyringUnavailable as exc:
            states[name] = str(exc)
    return states


def load_job(ctx: DeskContext) -> Loaded:
    """The school as stored now, its effective payment settings, the installed online
    gateways and whether the keys are set (runs on a worker thread)."""
    school = ctx.app.school(ctx.school.slug)
    uow = ctx.uow()
    with uow:
        details = school_service.receipt_details(uow, school)
    return Loaded(
        school=school,
        payments=ctx.app.payment_settings(school),
        gateways=tuple(sorted(ctx.app.registry.online)),
        keyring=keyring_available(),
        secrets=_secret_states(school.slug),
        details=details,
    )


def printers_job() -> Printers:
    """The system printers (asking the print system can take a moment)."""
    from PySide6.QtPrintSupport import QPrinterInfo

    return Printers(
        names=tuple(QPrinterInfo.availablePrinterNames()),
        default=QPrinterInfo.defaultPrinterName(),
    )


def save_job(
    ctx: DeskContext, school: School, changes: Changes, gateways: tuple[str, ...]
) -> Saved:
    """Write the keys first (the likeliest to fail, and nothing else is written then), then
    the payment settings and the receipt header, each with its audit row."""
    for name, value in changes.secrets.items():
        set_secret(name, school.slug, value)
    if changes.payments:
        school_service.update_payment_settings(
            ctx.uow(), school, changes.payments, actor=ctx.actor, gateways=gateways
        )
    stored: School | None = None
    if changes.header is not None:
        h = changes.header
        stored = school_service.update_receipt_header(
            ctx.uow(), school, name=h.name, address=h.address, cvr=h.cvr, actor=ctx.actor
        )
    if changes.details is not None:
        d = changes.details
        school_service.update_receipt_details(
            ctx.uow(), school, web=d.web, vat_line=d.vat_line, actor=ctx.actor
        )
    return Saved(school=stored, secrets=_secret_states(school.slug) if changes.secrets else {})


def sample_receipt(school: School, language: str) -> ReceiptBody:
    """A receipt that says it is a test, with the Danish letters the printer must get right."""
    words = (
        ("TESTUDSKRIFT – ikke en kvittering", "Æble, øl og år: æ ø å Æ Ø Å")
        if language == "da"
        else ("TEST PRINT – not a receipt", "Danish letters: æ ø å Æ Ø Å")
    )
    return ReceiptBody(
        kind="payment",
        receipt_no=0,
        issued_at=dt.datetime.now(UTC),
        school_name=school.name,
        school_address=school.address,
        school_cvr=school.cvr,
        timezone=school.timezone,
        student_no="",
        student_name=words[0],
        method="test",
        currency=school.currency,
        amount_minor=0,
        lines=(ReceiptLine(words[1], 0),),
    )


def thermal_test_job(school: School, target: str, language: str) -> str:
    """Print the test receipt on the ESC/POS printer; the drawer stays shut."""
    from jdoffice.printing import thermal

    where = thermal.parse_target(target)
    thermal.print_receipt(
        sample_receipt(school, language), where, language=language, open_drawer=False
    )
    return str(where)


def check_thermal_target(text: str) -> str:
    """The target as understood (``network:10.0.0.5:9100``).

    Raises:
        InvalidInput: what is wrong with it.
    """
    from jdoffice.printing import thermal

    if not text.strip():
        raise InvalidInput(
            QCoreApplication.translate(
                "SettingsDialog", "Skriv hvor termoprinteren er, fx network:192.168.1.50:9100."
            )
        )
    return str(thermal.parse_target(text))


# --- the dialog --------------------------------------------------------------------------------


class SettingsDialog(QDialog, Ui_SettingsDialog):
    """The settings of the school and of this desk.

    Signals:
        loaded(): the school's settings are on screen (or could not be read).
        saved(object): a :class:`DeskSettings`; everything was saved and the dialog closed.
        school_changed(object): the :class:`School` with its new receipt header.
        language_changed(str): the desk's language changed (applies at the next start).
        test_printed(bool, str): the test print finished (ok, message).
    """

    loaded = Signal()
    saved = Signal(object)
    school_changed = Signal(object)
    language_changed = Signal(str)
    test_printed = Signal(bool, str)

    PAYMENTS_TAB, PRINTER_TAB, HEADER_TAB, LANGUAGE_TAB = range(4)

    def __init__(
        self,
        ctx: DeskContext,
        parent: QWidget | None = None,
        *,
        desk: DeskSettings | None = None,
    ) -> None:
        super().__init__(parent)
        self.setupUi(self)  # type: ignore[no-untyped-call]  # generated by pyside6-uic
        self._ctx = ctx
        self._desk = desk if desk is not None else desk_settings.load()
        self._loaded: Loaded | None = None
        self._load_error: BaseException | None = None
        self._busy = False
        self._testing = False

        self.errorLabel.setStyleSheet(_ERROR_STYLE)
        self.errorLabel.hide()
        self.keyringLabel.hide()
        _say(self.cvrErrorLabel, "")
        _say(self.thermalStatusLabel, "")
        for hint in (self.keysHintLabel, self.thermalHintLabel, self.headerHintLabel):
            hint.setStyleSheet(_MUTED_STYLE)
        self.languageHintLabel.setStyleSheet(_MUTED_STYLE)
        self.expirySpin.setRange(MIN_EXPIRY_MINUTES, MAX_EXPIRY_MINUTES)
        self.modeCombo.addItem(self.tr("Test (ingen rigtige penge)"), "test")
        self.modeCombo.addItem(self.tr("Live (rigtige betalinger)"), "live")
        self.printerCombo.addItem(self.tr("Standardprinteren"), "")

        self._school_widgets: list[QWidget] = [
            self.onlineBox,
            self.keysBox,
            self.schoolNameEdit,
            self.addressEdit,
            self.cvrEdit,
            self.vatLineEdit,
            self.webEdit,
        ]
        for widget in self._school_widgets:
            widget.setEnabled(False)
        self.busyLabel.setText(self.tr("Henter skolens indstillinger …"))

        self._show_desk(self._desk)

        self.onlineCheck.toggled.connect(self._online_toggled)
        for radio in (self.previewRadio, self.printerRadio, self.pdfRadio, self.thermalRadio):
            radio.toggled.connect(self._output_changed)
        self.thermalTargetEdit.textChanged.connect(self._check_target)
        self.cvrEdit.textChanged.connect(self._check_cvr)
        for edit in (self.schoolNameEdit, self.cvrEdit, self.webEdit):
            edit.textChanged.connect(self._preview_header)
        self.addressEdit.textChanged.connect(self._preview_header)
        self.headerPreviewLabel.setFont(
            QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        )
        self.headerPreviewLabel.setStyleSheet(_PAPER_STYLE)
        self.pdfBrowseButton.clicked.connect(self._choose_folder)
        self.thermalTestButton.clicked.connect(self.test_print)
        self.saveButton.clicked.connect(self.save)
        self.cancelButton.clicked.connect(self.reject)

        self._online_toggled()
        self._output_changed()
        self._check_target()
        self.tabs.setCurrentIndex(self.PAYMENTS_TAB)
        self.resize(self.sizeHint().expandedTo(self.size()))

        ctx_ = ctx
        run_task(
            lambda: load_job(ctx_),
            on_success=self._on_loaded,
            on_failure=self._on_load_failed,
            tag="settings-load",
        )
        run_task(printers_job, on_success=self._on_printers, tag="settings-printers")

    # --- state ---

    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def loaded_settings(self) -> Loaded | None:
        return self._loaded

    def desk_settings(self) -> DeskSettings:
        """This desk's settings as the dialog shows them."""
        if self.printerRadio.isChecked():
            output = ReceiptOutput.PRINTER
        elif self.pdfRadio.isChecked():
            output = ReceiptOutput.PDF
        elif self.thermalRadio.isChecked():
            output = ReceiptOutput.THERMAL
        else:
            output = ReceiptOutput.PREVIEW
        printer = self.printerCombo.currentData()
        return DeskSettings(
            receipt_output=output,
            printer_name=printer if isinstance(printer, str) else "",
            pdf_folder=self.pdfFolderEdit.text().strip(),
            thermal_target=self.thermalTargetEdit.text().strip(),
            open_drawer_on_cash=self.drawerCheck.isChecked(),
            language="en" if self.englishRadio.isChecked() else "da",
            desk_name=" ".join(self.deskNameEdit.text().split()),
            staff_name=" ".join(self.staffNameEdit.text().split()),
        )

    def changes(self) -> Changes:
        """What Save would write to the database and the keyring.

        Raises:
            InvalidInput: with a sentence saying what to fix (and, as ``_Invalid``, the field
                to fix it in).
        """
        loaded = self._loaded
        if loaded is None:
            return Changes()
        secrets: dict[str, str] = {}
        for name, edit in (
            (SECRET_KEY, self.secretKeyEdit),
            (WEBHOOK_SECRET, self.webhookSecretEdit),
        ):
            value = edit.text().strip()
            if not value:
                continue
            if any(c.isspace() for c in value):
                raise _Invalid(
                    self.tr("Nøglen indeholder mellemrum; indsæt kun selve nøglen."), edit
                )
            secrets[name] = value

        p = loaded.payments
        url = self.successUrlEdit.text().strip()
        try:
            validate_url(url)
        except InvalidInput:
            raise _Invalid(
                self.tr(
                    "Siden efter betaling skal være en webadresse, fx https://din-koreskole.dk/tak."
                ),
                self.successUrlEdit,
            ) from None
        wanted: dict[str, object] = {
            "online_enabled": self.onlineCheck.isChecked(),
            "gateway": self.gatewayCombo.currentData(),
            "checkout_expiry_minutes": self.expirySpin.value(),
            "success_url": url,
            "mode": self.modeCombo.currentData(),
        }
        current: dict[str, object] = {
            "online_enabled": p.online_enabled,
            "gateway": p.gateway,
            "checkout_expiry_minutes": p.checkout_expiry_minutes,
            "success_url": p.success_url,
            "mode": p.mode,
        }
        payments = {k: v for k, v in wanted.items() if v is not None and v != current[k]}
        school_service.check_payment_changes(payments, loaded.gateways)

        name = self.schoolNameEdit.text()
        address = self.addressEdit.toPlainText()
        cvr_text = self.cvrEdit.text()
        if not " ".join(name.split()):
            raise _Invalid(
                self.tr("Skriv skolens navn; det står øverst på kvitteringen."), self.schoolNameEdit
            )
        if not address.strip():
            raise _Invalid(
                self.tr("Skriv skolens adresse; en kvittering skal vise den."), self.addressEdit
            )
        try:
            school_service.normalize_cvr(cvr_text)
        except InvalidInput:
            raise _Invalid(
                self.tr("Et CVR-nummer er 8 cifre, fx 12345678."), self.cvrEdit
            ) from None
        try:
            header = school_service.validate_header(name, address, cvr_text)
        except InvalidInput as exc:
            raise _Invalid(str(exc), self.addressEdit) from None
        before = school_service.ReceiptHeader.of(loaded.school)
        try:
            details = school_service.validate_details(self.webEdit.text(), self.vatLineEdit.text())
        except InvalidInput:
            raise _Invalid(
                self.tr("Momslinjen og hjemmesiden skal være almindelig tekst på én linje."),
                self.vatLineEdit,
            ) from None
        return Changes(
            payments=payments,
            header=header if header != before else None,
            secrets=secrets,
            details=details if details != loaded.details else None,
        )

    # --- loading ---

    def _on_loaded(self, loaded: Loaded) -> None:
        self._loaded = loaded
        self.busyLabel.setText("")
        p = loaded.payments
        self.onlineCheck.setChecked(p.online_enabled)
        self.gatewayCombo.clear()
        for name in loaded.gateways:
            self.gatewayCombo.addItem(name.capitalize(), name)
        if self.gatewayCombo.findData(p.gateway) < 0:
            self.gatewayCombo.addItem(
                self.tr("{0} (ikke installeret)").format(p.gateway), p.gateway
            )
        self.gatewayCombo.setCurrentIndex(self.gatewayCombo.findData(p.gateway))
        self.expirySpin.setValue(p.checkout_expiry_minutes)
        self.successUrlEdit.setText(p.success_url)
        self.modeCombo.setCurrentIndex(max(0, self.modeCombo.findData(p.mode)))

        s = loaded.school
        self.schoolNameEdit.setText(s.name)
        self.addressEdit.setPlainText(s.address)
        self.cvrEdit.setText(s.cvr)
        self.vatLineEdit.setText(loaded.details.vat_line)
        self.webEdit.setText(loaded.details.web)
        self._preview_header()

        for widget in self._school_widgets:
            widget.setEnabled(True)
        self._online_toggled()
        self._show_secrets(loaded.keyring, loaded.secrets)
        self.loaded.emit()

    def _on_load_failed(self, exc: BaseException) -> None:
        self._load_error = exc
        self.busyLabel.setText("")
        self.show_error(
            self.tr(
                "Skolens indstillinger kan ikke hentes lige nu: {0}\n"
                "Printer og sprog på denne kasse kan stadig gemmes."
            ).format(exc)
        )
        self.loaded.emit()

    def _on_printers(self, printers: Printers) -> None:
        wanted = self._desk.printer_name
        combo = self.printerCombo
        combo.clear()
        default = printers.default
        combo.addItem(
            self.tr("Standardprinteren ({0})").format(default)
            if default
            else self.tr("Standardprinteren"),
            "",
        )
        for name in printers.names:
            combo.addItem(name, name)
        if wanted and combo.findData(wanted) < 0:
            combo.addItem(self.tr("{0} (ikke fundet)").format(wanted), wanted)
        combo.setCurrentIndex(max(0, combo.findData(wanted)))

    def _show_secrets(self, keyring: bool, states: dict[str, SecretState | str]) -> None:
        for name, edit, label in (
            (SECRET_KEY, self.secretKeyEdit, self.secretKeyState),
            (WEBHOOK_SECRET, self.webhookSecretEdit, self.webhookSecretState),
        ):
            state = states.get(name, SecretState.NOT_SET)
            text, ok = _state_text(name, state)
            label.setText(text)
            label.setStyleSheet(_OK_STYLE if ok else _MUTED_STYLE)
            label.setToolTip(state if isinstance(state, str) else "")
            edit.clear()
            edit.setEnabled(keyring)
        self.keysHintLabel.setVisible(keyring)
        if keyring:
            self.keyringLabel.hide()
            return
        self.keyringLabel.setText(
            self.tr(
                "Denne pc har ingen nøglering (keyring), så nøglerne kan ikke gemmes her. "
                "Sæt dem i stedet i miljøvariablerne {0} og {1}, før jdoffice startes."
            ).format(SECRETS[SECRET_KEY], SECRETS[WEBHOOK_SECRET])
        )
        self.keyringLabel.setStyleSheet(_WARN_STYLE)
        self.keyringLabel.show()

    def _show_desk(self, desk: DeskSettings) -> None:
        radio = {
            ReceiptOutput.PREVIEW: self.previewRadio,
            ReceiptOutput.PRINTER: self.printerRadio,
            ReceiptOutput.PDF: self.pdfRadio,
            ReceiptOutput.THERMAL: self.thermalRadio,
        }[desk.receipt_output]
        radio.setChecked(True)
        if desk.printer_name:
            self.printerCombo.addItem(desk.printer_name, desk.printer_name)
            self.printerCombo.setCurrentIndex(self.printerCombo.count() - 1)
        self.pdfFolderEdit.setText(desk.pdf_folder)
        self.thermalTargetEdit.setText(desk.thermal_target)
        self.drawerCheck.setChecked(desk.open_drawer_on_cash)
        (self.englishRadio if desk.language == "en" else self.danishRadio).setChecked(True)
        self.deskNameEdit.setText(desk.desk_name)
        self.staffNameEdit.setText(desk.staff_name)

    # --- reacting to edits ---

    def _online_toggled(self) -> None:
        on = self.onlineCheck.isChecked() and self.onlineBox.isEnabled()
        for widget in (self.gatewayCombo, self.expirySpin, self.successUrlEdit, self.modeCombo):
            widget.setEnabled(on)

    def _output_changed(self) -> None:
        self.printerCombo.setEnabled(self.printerRadio.isChecked())
        pdf = self.pdfRadio.isChecked()
        self.pdfFolderEdit.setEnabled(pdf)
        self.pdfBrowseButton.setEnabled(pdf)
        thermal = self.thermalRadio.isChecked()
        self.thermalTargetEdit.setEnabled(thermal)
        self.thermalTestButton.setEnabled(thermal and not self._testing)
        self._check_target()

    def _check_target(self) -> None:
        if self._testing:
            return
        text = self.thermalTargetEdit.text()
        if not self.thermalRadio.isChecked() and not text.strip():
            _say(self.thermalStatusLabel, "")
            return
        try:
            where = check_thermal_target(text)
        except InvalidInput as exc:
            _say(self.thermalStatusLabel, str(exc) if text.strip() else "", _BAD_STYLE)
            return
        _say(self.thermalStatusLabel, f"✓ {where}", _OK_STYLE)

    def _check_cvr(self) -> None:
        text = self.cvrEdit.text()
        if not text.strip():
            _say(self.cvrErrorLabel, "")
            return
        try:
            school_service.normalize_cvr(text)
        except InvalidInput:
            _say(self.cvrErrorLabel, self.tr("Et CVR-nummer er 8 cifre."), _BAD_STYLE)
            return
        _say(self.cvrErrorLabel, "")

    def _preview_header(self) -> None:
        """The top of an 80 mm receipt with the header as typed (the A4 one says the same)."""
        school = self._loaded.school if self._loaded else self._ctx.school
        language = "en" if self.englishRadio.isChecked() else "da"
        body = dataclasses.replace(
            sample_receipt(school, language),
            school_name=" ".join(self.schoolNameEdit.text().split()),
            school_address=self.addressEdit.toPlainText(),
            school_cvr=_cvr_as_stored(self.cvrEdit.text()),
            extra=school_service.receipt_extra(
                school, school_service.ReceiptDetails(web="".join(self.webEdit.text().split()))
            ),
        )
        try:
            lines = receipt_lines(body, width=DEFAULT_WIDTH, language=language)
        except InvalidInput:
            self.headerPreviewLabel.setText("")
            return
        rule = "=" * DEFAULT_WIDTH
        top = lines[: lines.index(rule) + 1] if rule in lines else lines[:6]
        self.headerPreviewLabel.setText("\n".join(top))

    def _choose_folder(self) -> None:
        start = self.pdfFolderEdit.text().strip() or str(Path.home())
        folder = QFileDialog.getExistingDirectory(
            self, self.tr("Mappe til kvitteringer (PDF)"), start
        )
        if folder:
            self.pdfFolderEdit.setText(folder)

    # --- test print ---

    def test_print(self) -> None:
        """Print a test receipt on the ESC/POS printer in the field (in the background)."""
        if self._testing:
            return
        text = self.thermalTargetEdit.text()
        try:
            check_thermal_target(text)
        except InvalidInput as exc:
            self._test_done(False, str(exc))
            return
        school = self._loaded.school if self._loaded else self._ctx.school
        language = self.desk_settings().language
        self._testing = True
        self.thermalTestButton.setEnabled(False)
        _say(self.thermalStatusLabel, self.tr("Udskriver test …"), _MUTED_STYLE)
        run_task(
            lambda: thermal_test_job(school, text, language),
            # Bound methods, not lambdas: Qt drops the answer if the dialog is gone by then.
            on_success=self._test_printed,
            on_failure=self._test_failed,
            tag="settings-test-print",
        )

    def _test_printed(self, where: str) -> None:
        self._test_done(True, self.tr("✓ Testudskriften er sendt til {0}.").format(where))

    def _test_failed(self, exc: BaseException) -> None:
        self._test_done(False, str(exc))

    def _test_done(self, ok: bool, message: str) -> None:
        self._testing = False
        self.thermalTestButton.setEnabled(self.thermalRadio.isChecked())
        _say(self.thermalStatusLabel, message, _OK_STYLE if ok else _BAD_STYLE)
        self.test_printed.emit(ok, message)

    # --- saving ---

    def show_error(self, message: str) -> None:
        self.errorLabel.setText(message)
        self.errorLabel.setVisible(bool(message))

    def save(self) -> None:
        """Check everything, save this desk's settings, then the school's in the background."""
        if self._busy:
            return
        desk = self.desk_settings()
        try:
            self._check_desk(desk)
            changes = self.changes()
        except _Invalid as exc:
            self._point_at(exc.widget)
            self.show_error(exc.message)
            return
        except InvalidInput as exc:
            self.show_error(str(exc))
            return
        try:
            desk_settings.save(desk)
        except OSError as exc:
            self.show_error(self.tr("Kassens indstillinger kunne ikke gemmes: {0}").format(exc))
            return
        language_changed = desk.language != self._desk.language
        self._desk = desk
        if language_changed:
            self.language_changed.emit(desk.language)
        if not changes or self._loaded is None:
            self._finish()
            return
        self._set_busy(True)
        self.show_error("")
        ctx, school, gateways = self._ctx, self._loaded.school, self._loaded.gateways
        run_task(
            lambda: save_job(ctx, school, changes, gateways),
            on_success=self._on_saved,
            on_failure=self._on_save_failed,
            tag="settings-save",
        )

    def _check_desk(self, desk: DeskSettings) -> None:
        for name, edit in (
            (desk.desk_name, self.deskNameEdit),
            (desk.staff_name, self.staffNameEdit),
        ):
            if not name.isprintable():
                raise _Invalid(self.tr("Navnet må ikke indeholde styretegn."), edit)
        if desk.receipt_output is ReceiptOutput.PDF and not desk.pdf_folder:
            raise _Invalid(
                self.tr("Vælg mappen, kvitteringerne skal gemmes i."), self.pdfFolderEdit
            )
        if desk.receipt_output is ReceiptOutput.THERMAL or desk.thermal_target:
            try:
                check_thermal_target(desk.thermal_target)
            except InvalidInput as exc:
                raise _Invalid(str(exc), self.thermalTargetEdit) from None

    def _point_at(self, widget: QWidget) -> None:
        for index in range(self.tabs.count()):
            page = self.tabs.widget(index)
            if page is not None and (page is widget or page.isAncestorOf(widget)):
                self.tabs.setCurrentIndex(index)
                break
        widget.setFocus(Qt.FocusReason.OtherFocusReason)
        if isinstance(widget, QLineEdit):
            widget.selectAll()

    def _on_saved(self, saved: Saved) -> None:
        self._set_busy(False)
        if saved.school is not None:
            self.school_changed.emit(saved.school)
        self._finish()

    def _on_save_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, KeyringUnavailable):
            message = self.tr(
                "Nøglen kunne ikke gemmes i nøgleringen: {0}\nIntet er ændret i databasen. "
                "Sæt nøglerne i miljøvariablerne {1} og {2} i stedet."
            ).format(exc, SECRETS[SECRET_KEY], SECRETS[WEBHOOK_SECRET])
        elif isinstance(exc, JdofficeError):
            message = self.tr("Indstillingerne kunne ikke gemmes: {0}").format(exc)
        else:
            log.error("saving settings failed", exc_info=exc)
            message = self.tr("Uventet fejl – indstillingerne er måske ikke gemt: {0}").format(exc)
        self.show_error(message)
        # What is stored may have changed in part: read it again.
        ctx = self._ctx
        run_task(lambda: load_job(ctx), on_success=self._reloaded, tag="settings-reload")

    def _reloaded(self, loaded: Loaded) -> None:
        self._loaded = loaded
        self._show_secrets(loaded.keyring, loaded.secrets)

    def _finish(self) -> None:
        self.accept()
        self.saved.emit(self._desk)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.saveButton.setEnabled(not busy)
        self.cancelButton.setEnabled(not busy)
        self.tabs.setEnabled(not busy)
        self.busyLabel.setText(self.tr("Gemmer …") if busy else "")

    # --- Qt overrides ---

    def reject(self) -> None:
        if self._busy:
            return  # closing now would hide whether the settings were saved
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if self._busy:
            event.ignore()
            return
        super().closeEvent(event)


class _Invalid(InvalidInput):
    """Input to fix, and the field it is in."""

    def __init__(self, message: str, widget: QWidget) -> None:
        super().__init__(message)
        self.message = message
        self.widget = widget


def _cvr_as_stored(text: str) -> str:
    try:
        return school_service.normalize_cvr(text)
    except InvalidInput:
        return "".join(text.split())


def _say(label: QLabel, text: str, style: str = "") -> None:
    """A one-line message under a field; the line takes no room while it is empty."""
    label.setText(text)
    label.setStyleSheet(style)
    label.setVisible(bool(text))


def _state_text(name: str, state: SecretState | str) -> tuple[str, bool]:
    """What the label next to a key field says, and whether that is good news."""
    if isinstance(state, str):
        return QCoreApplication.translate("SettingsDialog", "kan ikke læses"), False
    if state is SecretState.KEYRING:
        return QCoreApplication.translate("SettingsDialog", "✓ gemt"), True
    if state is SecretState.ENVIRONMENT:
        return QCoreApplication.translate("SettingsDialog", "sat i {0}").format(SECRETS[name]), True
    if state is SecretState.NO_KEYRING:
        return QCoreApplication.translate("SettingsDialog", "ingen nøglering"), False
    return QCoreApplication.translate("SettingsDialog", "ikke sat"), False
