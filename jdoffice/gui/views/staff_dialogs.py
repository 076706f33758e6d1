"""Who is at the desk (issue 14): the sign-in screen and the approval over the shoulder.

:class:`SignInDialog` asks for initials (typed, or picked from the school's active staff with
Up/Down) and a PIN (masked); Enter moves from the initials to the PIN and submits the PIN. A
wrong PIN says how many tries are left before the account locks, a locked account for how
long. It covers the desk at start and when the desk locks (idle, or Ctrl+L): the window and
the open student stay behind it.

:class:`ApprovalDialog` asks a manager's initials and PIN when the person at the desk starts
something their role does not allow; :func:`ask_approval` is the one call the screens make and
returns the :class:`~jdoffice.domain.staff.Authority` to hand to the service (or ``None``).

The sign-in and the approval run in the background (``jdoffice.services.staff``); a PIN is
cleared from its box as soon as it is sent, and no message repeats it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import Shiboken

from jdoffice.domain.errors import Unavailable
from jdoffice.domain.model import UTC
from jdoffice.domain.staff import (
    MAX_FAILED_ATTEMPTS,
    PIN_MAX_DIGITS,
    AccountLocked,
    Action,
    Authority,
    NotAllowed,
    Role,
    SignInRefused,
    StaffMember,
    initials_or_none,
)
from jdoffice.gui import texts
from jdoffice.gui.background import run_task
from jdoffice.gui.context import DeskContext
from jdoffice.gui.widgets import scaled_font
from jdoffice.services import staff as staff_service
from jdoffice.services.ports import UnitOfWork

ERROR_STYLE = "color: #b3261e; font-weight: bold;"
MUTED_STYLE = "color: #555555;"

_ROLE_NAMES = {
    Role.RECEPTIONIST: texts.QT_TRANSLATE_NOOP("StaffTexts", "ekspedient"),
    Role.MANAGER: texts.QT_TRANSLATE_NOOP("StaffTexts", "leder"),
    Role.ADMIN: texts.QT_TRANSLATE_NOOP("StaffTexts", "administrator"),
}

_ACTION_NAMES = {
    Action.TAKE_PAYMENT: texts.QT_TRANSLATE_NOOP("StaffTexts", "at tage imod betalinger"),
    Action.QR_PAYMENT: texts.QT_TRANSLATE_NOOP("StaffTexts", "QR-betalinger"),
    Action.REMIND: texts.QT_TRANSLATE_NOOP("StaffTexts", "betalingspåmindelser"),
    Action.SEND_STATEMENT: texts.QT_TRANSLATE_NOOP("StaffTexts", "at sende kontoudtog"),
    Action.REPRINT: texts.QT_TRANSLATE_NOOP("StaffTexts", "genudskrifter"),
    Action.OWN_SHIFT: texts.QT_TRANSLATE_NOOP("StaffTexts", "kassens skift"),
    Action.REFUND: texts.QT_TRANSLATE_NOOP("StaffTexts", "refusioner"),
    Action.RESOLVE_FLAG: texts.QT_TRANSLATE_NOOP("StaffTexts", "at løse afvigelser"),
    Action.CORRECT_SHIFT: texts.QT_TRANSLATE_NOOP("StaffTexts", "rettelser af skift"),
    Action.SETTINGS: texts.QT_TRANSLATE_NOOP("StaffTexts", "indstillingerne"),
    Action.KEYS: texts.QT_TRANSLATE_NOOP("StaffTexts", "betalingsnøgler"),
    Action.TEST_LIVE: texts.QT_TRANSLATE_NOOP("StaffTexts", "skift mellem test og live"),
    Action.STAFF_ACCOUNTS: texts.QT_TRANSLATE_NOOP("StaffTexts", "medarbejderkonti"),
    Action.AUDIT: texts.QT_TRANSLATE_NOOP("StaffTexts", "revisionssporet"),
    Action.BOOKS: texts.QT_TRANSLATE_NOOP("StaffTexts", "bogføringen"),
}


def _tr(text: str) -> str:
    return QCoreApplication.translate("StaffTexts", text)


def role_name(role: Role) -> str:
    """``ekspedient``, ``leder``, ``administrator`` (in the desk's language)."""
    return _tr(_ROLE_NAMES[role])


def action_name(action: Action) -> str:
    return _tr(_ACTION_NAMES[action])


def staff_line(member: StaffMember) -> str:
    """The status bar's "Ekspedient: Mette Hansen (leder)"."""
    return QCoreApplication.translate("StaffTexts", "Ekspedient: {0} ({1})").format(
        member.name, role_name(member.role)
    )


def _minutes_left(until: dt.datetime) -> int:
    seconds = (until - dt.datetime.now(UTC)).total_seconds()
    return max(1, -(-int(seconds) // 60))


def refusal_text(exc: BaseException, tries_left: int | None = None) -> str:
    """What a refused sign-in or approval says: never the PIN, and the same for unknown
    initials as for a wrong PIN."""
    if isinstance(exc, AccountLocked):
        return QCoreApplication.translate(
            "StaffTexts",
            "For mange forkerte PIN-koder i træk: kontoen er låst. Prøv igen om {0} min.",
        ).format(_minutes_left(exc.until))
    if isinstance(exc, SignInRefused):
        if tries_left is not None:
            return QCoreApplication.translate(
                "StaffTexts",
                "Forkerte initialer eller PIN. {0} forsøg tilbage, før kontoen låses i 5 min.",
            ).format(tries_left)
        return QCoreApplication.translate("StaffTexts", "Forkerte initialer eller PIN.")
    if isinstance(exc, NotAllowed):
        return QCoreApplication.translate(
            "StaffTexts",
            "Den medarbejder må ikke godkende dette; en leders initialer og PIN skal bruges.",
        )
    return texts.error_message(exc)


@dataclass(frozen=True, slots=True)
class Attempt:
    """The answer to a sign-in: the member, or the refusal and the tries left."""

    member: StaffMember | None
    error: BaseException | None = None
    tries_left: int | None = None


def _tries_left(ctx: DeskContext, uow: UnitOfWork, initials: str) -> int | None:
    key = initials_or_none(initials)
    if key is None:
        return None
    for member in staff_service.list_staff(uow, ctx.school):
        if member.initials == key:
            return max(0, MAX_FAILED_ATTEMPTS - member.failed_attempts)
    return None


def sign_in_job(ctx: DeskContext, initials: str, pin: str) -> Attempt:
    """On a worker thread: sign in, and on a wrong PIN count the tries left. A shared
    database that stopped answering sends the desk to its local copy's PIN hashes."""
    uow: UnitOfWork | None = None
    try:
        try:
            uow = ctx.read_uow()
            member = staff_service.sign_in(uow, ctx.school, initials, pin, desk=ctx.desk)
        except Unavailable:
            if ctx.offline is None:
                raise
            uow = ctx.offline.local.uow()
            member = staff_service.sign_in(uow, ctx.school, initials, pin, desk=ctx.desk)
    except AccountLocked as exc:
        return Attempt(None, exc)
    except SignInRefused as exc:
        assert uow is not None
        return Attempt(None, exc, _tries_left(ctx, uow, initials))
    return Attempt(member)


class _PinForm(QObject):
    """Initials and PIN boxes with Enter moving from one to the other."""

    def __init__(self, dialog: QDialog, submit: Callable[[], None]) -> None:
        super().__init__(dialog)
        self.initials = QLineEdit(dialog)
        self.initials.setObjectName("initialsEdit")
        self.initials.setMaxLength(8)
        self.initials.setValidator(
            QRegularExpressionValidator(r"[A-Za-z0-9ÆØÅæøå]{0,8}", self.initials)
        )
        self.pin = QLineEdit(dialog)
        self.pin.setObjectName("pinEdit")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(PIN_MAX_DIGITS)
        self.pin.setValidator(QRegularExpressionValidator(r"[0-9]{0,8}", self.pin))
        self.pin.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
        self.message = QLabel(dialog)
        self.message.setObjectName("messageLabel")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.hide()
        self.initials.textEdited.connect(self._upper)
        self.initials.returnPressed.connect(self._initials_entered)
        self.pin.returnPressed.connect(submit)

    def _upper(self, text: str) -> None:
        if text != text.upper():
            at = self.initials.cursorPosition()
            self.initials.setText(text.upper())
            self.initials.setCursorPosition(at)

    def _initials_entered(self) -> None:
        if self.initials.text().strip():
            self.pin.setFocus(Qt.FocusReason.OtherFocusReason)

    def say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def taken(self) -> tuple[str, str]:
        """The initials and the PIN typed; the PIN box is emptied at once."""
        pin = self.pin.text()
        self.pin.clear()
        return self.initials.text().strip(), pin


class SignInDialog(QDialog):
    """The sign-in screen: who is at the desk.

    Signals:
        signed_in(object): the :class:`StaffMember` who signed in (then the dialog accepts).
        quit_requested(): "Afslut" was chosen: close the desk program.
    """

    signed_in = Signal(object)
    quit_requested = Signal()

    def __init__(
        self,
        ctx: DeskContext,
        parent: QWidget | None = None,
        *,
        locked: bool = False,
        previous: StaffMember | None = None,
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._running = False
        self._members: list[StaffMember] = []
        self._attempt: Attempt | None = None
        self.setObjectName("SignInDialog")
        self.setWindowTitle(self.tr("Log ind – {0}").format(ctx.school.name))
        self.setModal(True)
        self.setWindowModality(Qt.WindowModality.ApplicationModal)

        self.form = _PinForm(self, self.submit)
        title = QLabel(
            self.tr("Kassen er låst") if locked else self.tr("Hvem står ved kassen?"), self
        )
        title.setFont(scaled_font(self.font(), 1.5, bold=True))
        hint = QLabel(
            self.tr(
                "Skriv dine initialer (eller vælg dig selv med pil op/ned) og tryk Enter; "
                "skriv så din PIN og tryk Enter."
            )
            + ("\n" + self.tr("Den åbne elev bliver stående bag dette vindue.") if locked else ""),
            self,
        )
        hint.setWordWrap(True)
        hint.setStyleSheet(MUTED_STYLE)
        self.staffList = QListWidget(self)
        self.staffList.setObjectName("staffList")
        self.staffList.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.staffList.setMinimumHeight(120)
        self.staffList.currentItemChanged.connect(self._picked)
        self.staffList.itemActivated.connect(lambda _item: self.form.pin.setFocus())

        fields = QFormLayout()
        initials_label = QLabel(self.tr("&Initialer:"), self)
        initials_label.setBuddy(self.form.initials)
        pin_label = QLabel(self.tr("&PIN:"), self)
        pin_label.setBuddy(self.form.pin)
        fields.addRow(initials_label, self.form.initials)
        fields.addRow(pin_label, self.form.pin)

        self.signInButton = QPushButton(self.tr("&Log ind"), self)
        self.signInButton.setAutoDefault(False)
        self.signInButton.clicked.connect(self.submit)
        self.quitButton = QPushButton(self.tr("&Afslut programmet"), self)
        self.quitButton.setAutoDefault(False)
        self.quitButton.clicked.connect(self._quit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.quitButton)
        buttons.addStretch(1)
        buttons.addWidget(self.signInButton)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addWidget(self.staffList, 1)
        layout.addLayout(fields)
        layout.addWidget(self.form.message)
        layout.addLayout(buttons)
        self.resize(460, 420)

        self.form.initials.textEdited.connect(self._typed)
        self.form.initials.installEventFilter(self)
        if previous is not None:
            self.form.initials.setText(previous.initials)
            self.form.pin.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.form.initials.setFocus(Qt.FocusReason.OtherFocusReason)
        ctx_ = ctx
        self._run(
            lambda: staff_service.list_staff(ctx_.read_uow(), ctx_.school),
            self._listed,
            lambda exc: self.form.say(texts.error_message(exc)),
        )

    # --- what tests and the window read ---

    @property
    def initialsEdit(self) -> QLineEdit:  # noqa: N802 - named like the forms' widgets
        return self.form.initials

    @property
    def pinEdit(self) -> QLineEdit:  # noqa: N802
        return self.form.pin

    @property
    def messageLabel(self) -> QLabel:  # noqa: N802
        return self.form.message

    @property
    def members(self) -> list[StaffMember]:
        return list(self._members)

    @property
    def running(self) -> bool:
        return self._running

    @property
    def last_attempt(self) -> Attempt | None:
        return self._attempt

    # --- the list ---

    def _listed(self, members: list[StaffMember]) -> None:
        self._members = [m for m in members if m.active]
        self.staffList.blockSignals(True)
        self.staffList.clear()
        for m in self._members:
            item = QListWidgetItem(f"{m.initials}\t{m.name} ({role_name(m.role)})")
            item.setData(Qt.ItemDataRole.UserRole, m.initials)
            self.staffList.addItem(item)
        self.staffList.blockSignals(False)
        self._typed(self.form.initials.text())

    def _typed(self, text: str) -> None:
        """The first account whose initials start with what was typed is selected."""
        key = text.strip().upper()
        self.staffList.blockSignals(True)
        self.staffList.setCurrentRow(-1)
        if key:
            for row, m in enumerate(self._members):
                if m.initials.startswith(key):
                    self.staffList.setCurrentRow(row)
                    break
        self.staffList.blockSignals(False)

    def _picked(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        if item is not None:
            self.form.initials.setText(str(item.data(Qt.ItemDataRole.UserRole)))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.form.initials and event.type() == QEvent.Type.KeyPress:
            key = cast(QKeyEvent, event).key()
            if key in (Qt.Key.Key_Up, Qt.Key.Key_Down) and self.staffList.count():
                row = self.staffList.currentRow()
                step = -1 if key == Qt.Key.Key_Up else 1
                row = 0 if row < 0 else min(max(row + step, 0), self.staffList.count() - 1)
                self.staffList.setCurrentRow(row)
                return True
        return super().eventFilter(watched, event)

    # --- signing in ---

    def submit(self) -> None:
        if self._running:
            return
        initials, pin = self.form.taken()
        if not initials:
            self.form.say(self.tr("Skriv dine initialer først."))
            self.form.initials.setFocus()
            return
        if not pin:
            self.form.say(self.tr("Skriv din PIN."))
            self.form.pin.setFocus()
            return
        self.form.say("")
        ctx = self._ctx
        self._run(lambda: sign_in_job(ctx, initials, pin), self._answered, self._failed)

    def _answered(self, attempt: Attempt) -> None:
        self._attempt = attempt
        if attempt.member is not None:
            self.signed_in.emit(attempt.member)
            self.accept()
            return
        assert attempt.error is not None
        self.form.say(refusal_text(attempt.error, attempt.tries_left))
        self.form.pin.setFocus(Qt.FocusReason.OtherFocusReason)

    def _failed(self, exc: BaseException) -> None:
        self._attempt = Attempt(None, exc)
        if self._ctx.is_offline:
            self.form.say(
                self.tr(
                    "Kassen er offline, og log-ind kan ikke tjekkes her endnu. Prøv igen, når "
                    "forbindelsen til databasen er tilbage."
                )
            )
        else:
            self.form.say(texts.error_message(exc))
        self.form.pin.setFocus(Qt.FocusReason.OtherFocusReason)

    def _quit(self) -> None:
        self.quit_requested.emit()
        self.done(QDialog.DialogCode.Rejected)

    def reject(self) -> None:
        """Escape does not take the sign-in away: someone has to sign in (or quit)."""

    def _run(
        self,
        fn: Callable[[], Any],
        ok: Callable[[Any], None],
        bad: Callable[[BaseException], None],
    ) -> None:
        self._running = True
        self.signInButton.setEnabled(False)

        def alive() -> bool:
            return Shiboken.isValid(self)

        def done(result: Any) -> None:
            if alive():
                self._running = False
                self.signInButton.setEnabled(True)
                ok(result)

        def failed(exc: BaseException) -> None:
            if alive():
                self._running = False
                self.signInButton.setEnabled(True)
                bad(exc)

        run_task(fn, on_success=done, on_failure=failed, tag="sign-in")


class ApprovalDialog(QDialog):
    """A manager's initials and PIN over the receptionist's shoulder, for one action.

    ``authority`` holds the approval once the dialog is accepted.
    """

    approved = Signal(object)

    def __init__(self, ctx: DeskContext, action: Action, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if ctx.staff is None:
            raise ValueError("an approval needs someone signed in at the desk")
        self._ctx = ctx
        self._staff = ctx.staff
        self._action = action
        self._running = False
        self._authority: Authority | None = None
        self.setObjectName("ApprovalDialog")
        self.setWindowTitle(self.tr("Godkendelse"))
        self.setModal(True)

        self.form = _PinForm(self, self.submit)
        title = QLabel(self.tr("En leder skal godkende"), self)
        title.setFont(scaled_font(self.font(), 1.3, bold=True))
        self.explainLabel = QLabel(
            self.tr(
                "{0} er {1} og må ikke selv stå for {2}. En leder skriver sine initialer og "
                "sin PIN her; begge navne kommer i loggen."
            ).format(self._staff.name, role_name(self._staff.role), action_name(action)),
            self,
        )
        self.explainLabel.setWordWrap(True)
        fields = QFormLayout()
        initials_label = QLabel(self.tr("Lederens &initialer:"), self)
        initials_label.setBuddy(self.form.initials)
        pin_label = QLabel(self.tr("Lederens &PIN:"), self)
        pin_label.setBuddy(self.form.pin)
        fields.addRow(initials_label, self.form.initials)
        fields.addRow(pin_label, self.form.pin)

        self.approveButton = QPushButton(self.tr("&Godkend"), self)
        self.approveButton.setAutoDefault(False)
        self.approveButton.clicked.connect(self.submit)
        self.cancelButton = QPushButton(self.tr("Annullér"), self)
        self.cancelButton.setAutoDefault(False)
        self.cancelButton.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancelButton)
        buttons.addWidget(self.approveButton)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.explainLabel)
        layout.addLayout(fields)
        layout.addWidget(self.form.message)
        layout.addLayout(buttons)
        self.setMinimumWidth(440)
        self.form.initials.setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def initialsEdit(self) -> QLineEdit:  # noqa: N802 - named like the forms' widgets
        return self.form.initials

    @property
    def pinEdit(self) -> QLineEdit:  # noqa: N802
        return self.form.pin

    @property
    def messageLabel(self) -> QLabel:  # noqa: N802
        return self.form.message

    @property
    def authority(self) -> Authority | None:
        return self._authority

    @property
    def running(self) -> bool:
        return self._running

    def submit(self) -> None:
        if self._running:
            return
        initials, pin = self.form.taken()
        if not initials or not pin:
            self.form.say(self.tr("Lederen skriver sine initialer og sin PIN."))
            (self.form.pin if initials else self.form.initials).setFocus()
            return
        self.form.say("")
        ctx, staff, action = self._ctx, self._staff, self._action
        self._running = True
        self.approveButton.setEnabled(False)

        def job() -> Authority:
            return staff_service.approve(
                ctx.uow(), ctx.school, action, staff, initials, pin, desk=ctx.desk
            )

        run_task(job, on_success=self._approved, on_failure=self._refused, tag="approve")

    def _approved(self, authority: Authority) -> None:
        if not Shiboken.isValid(self):
            return
        self._running = False
        self.approveButton.setEnabled(True)
        self._authority = authority
        self.approved.emit(authority)
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        if not Shiboken.isValid(self):
            return
        self._running = False
        self.approveButton.setEnabled(True)
        self.form.say(refusal_text(exc))
        focus = self.form.initials if isinstance(exc, NotAllowed) else self.form.pin
        focus.setFocus(Qt.FocusReason.OtherFocusReason)
        if isinstance(exc, NotAllowed):
            self.form.initials.selectAll()


def needs_approval(ctx: DeskContext, action: Action) -> bool:
    """Whether the person signed in at the desk needs someone's approval for ``action``
    (never on a school without staff accounts, where nobody signs in)."""
    member = ctx.staff
    return member is not None and not member.may(action)


def ask_approval(parent: QWidget | None, ctx: DeskContext, action: Action) -> Authority | None:
    """The authority to do ``action``: the signed-in member's own when their role allows it,
    otherwise a manager's approval asked for in :class:`ApprovalDialog` (``None`` when it was
    cancelled, or nobody is signed in)."""
    member = ctx.staff
    if member is None:
        return None
    if member.may(action):
        return Authority(member, action)
    dialog = ApprovalDialog(ctx, action, parent)
    try:
        if dialog.exec() == QDialog.DialogCode.Accepted:
            return dialog.authority
        return None
    finally:
        dialog.deleteLater()
