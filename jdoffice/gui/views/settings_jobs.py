"""The work behind the settings dialog, without widgets: read the school's settings, the
installed online gateways and where each of their keys is set; save what changed; list the
printers; print a test receipt on the thermal printer.

Each job runs on the thread pool (``jdoffice.gui.background``). Keys go to this PC's keyring
through the composition root and are never read back: the dialog learns only whether each one
is set, and where.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from jdoffice import bootstrap
from jdoffice.bootstrap import KeyringUnavailable, SecretState
from jdoffice.domain.errors import InvalidInput
from jdoffice.domain.model import UTC, ReceiptBody, ReceiptLine, School
from jdoffice.domain.receipt_text import DEFAULT_WIDTH, receipt_lines
from jdoffice.domain.reminders import DEFAULT_INTERVAL_DAYS
from jdoffice.gui.context import DeskContext
from jdoffice.gui.desk_settings import DeskSettings, ReceiptOutput
from jdoffice.services import reminders
from jdoffice.services import school as school_service
from jdoffice.services.gateways import OnlineGatewayInfo
from jdoffice.services.settings import PaymentSettings


@dataclass(frozen=True)
class Loaded:
    """What the dialog shows of the school (read on a worker thread)."""

    school: School
    payments: PaymentSettings
    gateways: tuple[str, ...]
    keyring: bool
    # Secret name → where it is set, or an error message when the keyring cannot be read;
    # for every secret of every installed online gateway.
    secrets: dict[str, SecretState | str]
    # The VAT line and web address receipts print.
    details: school_service.ReceiptDetails = field(default_factory=school_service.ReceiptDetails)
    # The installed online gateways by name: their labels and the secrets they declare.
    online: dict[str, OnlineGatewayInfo] = field(default_factory=dict, repr=False)
    # Days before the same invoice may be reminded again.
    reminder_days: int = DEFAULT_INTERVAL_DAYS


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
    reminder_days: int | None = None

    def __bool__(self) -> bool:
        return bool(
            self.payments
            or self.header
            or self.secrets
            or self.details
            or self.reminder_days is not None
        )


@dataclass(frozen=True)
class Saved:
    school: School | None
    secrets: dict[str, SecretState | str]


def secret_states(online: dict[str, OnlineGatewayInfo], slug: str) -> dict[str, SecretState | str]:
    """Where each secret of the gateways is set for the school (never its value)."""
    states: dict[str, SecretState | str] = {}
    for info in online.values():
        for spec in info.secrets:
            try:
                states[spec.name] = bootstrap.secret_state(spec.name, slug)
            except KeyringUnavailable as exc:
                states[spec.name] = str(exc)
    return states


def load_job(ctx: DeskContext) -> Loaded:
    """The school as stored now, its effective payment settings, the installed online
    gateways and whether their keys are set (runs on a worker thread)."""
    school = ctx.app.school(ctx.school.slug)
    uow = ctx.uow()
    with uow:
        details = school_service.receipt_details(uow, school)
        reminder_days = reminders.reminder_interval(uow, school)
    online = dict(sorted(ctx.app.registry.online.items()))
    return Loaded(
        school=school,
        payments=ctx.app.payment_settings(school),
        gateways=tuple(online),
        keyring=bootstrap.keyring_available(),
        secrets=secret_states(online, school.slug),
        details=details,
        online=online,
        reminder_days=reminder_days,
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
        bootstrap.set_secret(name, school.slug, value)
    if changes.payments:
        school_service.update_payment_settings(
            ctx.uow(), school, changes.payments, actor=ctx.acting(), gateways=gateways
        )
    stored: School | None = None
    if changes.header is not None:
        h = changes.header
        stored = school_service.update_receipt_header(
            ctx.uow(), school, name=h.name, address=h.address, cvr=h.cvr, actor=ctx.acting()
        )
    if changes.details is not None:
        d = changes.details
        school_service.update_receipt_details(
            ctx.uow(), school, web=d.web, vat_line=d.vat_line, actor=ctx.acting()
        )
    if changes.reminder_days is not None:
        reminders.update_reminder_interval(
            ctx.uow(), school, changes.reminder_days, actor=ctx.acting()
        )
    states: dict[str, SecretState | str] = {}
    if changes.secrets:
        states = secret_states(dict(ctx.app.registry.online), school.slug)
    return Saved(school=stored, secrets=states)


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


def header_preview(
    school: School, language: str, *, name: str, address: str, cvr: str, web: str
) -> str:
    """The top of an 80 mm receipt with the header as typed (the A4 one says the same)."""
    try:
        cvr = school_service.normalize_cvr(cvr)
    except InvalidInput:
        cvr = "".join(cvr.split())
    body = dataclasses.replace(
        sample_receipt(school, language),
        school_name=" ".join(name.split()),
        school_address=address,
        school_cvr=cvr,
        extra=school_service.receipt_extra(
            school, school_service.ReceiptDetails(web="".join(web.split()))
        ),
    )
    try:
        lines = receipt_lines(body, width=DEFAULT_WIDTH, language=language)
    except InvalidInput:
        return ""
    rule = "=" * DEFAULT_WIDTH
    return "\n".join(lines[: lines.index(rule) + 1] if rule in lines else lines[:6])


class FieldInvalid(InvalidInput):
    """Input to fix, and the dialog's field it is in (or that field's name, ``cvrEdit``)."""

    def __init__(self, message: str, field: str | QWidget) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def check_desk(desk: DeskSettings) -> None:
    """Raises:
    FieldInvalid: this desk's settings as typed cannot be saved, and where to fix them.
    """
    for name, field_name in ((desk.desk_name, "deskNameEdit"), (desk.staff_name, "staffNameEdit")):
        if not name.isprintable():
            raise FieldInvalid(
                QCoreApplication.translate("SettingsDialog", "Navnet må ikke indeholde styretegn."),
                field_name,
            )
    if desk.receipt_output is ReceiptOutput.PDF and not desk.pdf_folder:
        raise FieldInvalid(
            QCoreApplication.translate(
                "SettingsDialog", "Vælg mappen, kvitteringerne skal gemmes i."
            ),
            "pdfFolderEdit",
        )
    if desk.receipt_output is ReceiptOutput.THERMAL or desk.thermal_target:
        try:
            check_thermal_target(desk.thermal_target)
        except InvalidInput as exc:
            raise FieldInvalid(str(exc), "thermalTargetEdit") from None


def receipt_changes(
    loaded: Loaded, *, name: str, address: str, cvr: str, web: str, vat_line: str
) -> tuple[school_service.ReceiptHeader | None, school_service.ReceiptDetails | None]:
    """The receipt header and details as typed, each ``None`` when unchanged.

    Raises:
        FieldInvalid: what to fix, and where.
    """
    if not " ".join(name.split()):
        raise FieldInvalid(
            QCoreApplication.translate(
                "SettingsDialog", "Skriv skolens navn; det står øverst på kvitteringen."
            ),
            "schoolNameEdit",
        )
    if not address.strip():
        raise FieldInvalid(
            QCoreApplication.translate(
                "SettingsDialog", "Skriv skolens adresse; en kvittering skal vise den."
            ),
            "addressEdit",
        )
    try:
        school_service.normalize_cvr(cvr)
    except InvalidInput:
        raise FieldInvalid(
            QCoreApplication.translate("SettingsDialog", "Et CVR-nummer er 8 cifre, fx 12345678."),
            "cvrEdit",
        ) from None
    try:
        header = school_service.validate_header(name, address, cvr)
    except InvalidInput as exc:
        raise FieldInvalid(str(exc), "addressEdit") from None
    try:
        details = school_service.validate_details(web, vat_line)
    except InvalidInput:
        raise FieldInvalid(
            QCoreApplication.translate(
                "SettingsDialog",
                "Momslinjen og hjemmesiden skal være almindelig tekst på én linje.",
            ),
            "vatLineEdit",
        ) from None
    return (
        header if header != school_service.ReceiptHeader.of(loaded.school) else None,
        details if details != loaded.details else None,
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
