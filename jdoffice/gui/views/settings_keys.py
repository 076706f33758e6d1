"""The keys box of the settings dialog: one row for each secret the chosen online gateway
declares (its label in the desk's language, a password field, where it is set now).

The rows are made again when another gateway is chosen; what was typed in a row is kept by the
secret's name while the dialog is open, so choosing a gateway and back loses nothing. A stored
key is never shown: a row says only whether it is set, and where.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from jdoffice.bootstrap import SecretState
from jdoffice.domain.errors import InvalidInput
from jdoffice.services.gateways import OnlineGatewayInfo, SecretSpec

_OK_STYLE = "color: #1b5e20;"
_MUTED_STYLE = "color: #555555;"
# The longest key a field takes.
MAX_KEY_LENGTH = 255


class SecretRow:
    """The caption, the field and the state label of one secret."""

    def __init__(self, spec: SecretSpec, language: str, parent: QWidget) -> None:
        self.spec = spec
        self.caption = QLabel(spec.label_da if language == "da" else spec.label_en, parent)
        self.caption.setObjectName(f"secretCaption:{spec.name}")
        self.edit = QLineEdit(parent)
        self.edit.setObjectName(f"secretEdit:{spec.name}")
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setMaxLength(MAX_KEY_LENGTH)
        self.edit.setPlaceholderText(
            QCoreApplication.translate("SettingsDialog", "skriv en ny for at gemme eller erstatte")
        )
        self.edit.setInputMethodHints(
            Qt.InputMethodHint.ImhHiddenText
            | Qt.InputMethodHint.ImhNoAutoUppercase
            | Qt.InputMethodHint.ImhNoPredictiveText
            | Qt.InputMethodHint.ImhSensitiveData
        )
        self.caption.setBuddy(self.edit)
        self.state = QLabel(parent)
        self.state.setObjectName(f"secretState:{spec.name}")
        self.state.setMinimumWidth(150)
        self.field = QHBoxLayout()
        self.field.setSpacing(10)
        self.field.addWidget(self.edit)
        self.field.addWidget(self.state)

    def show_state(self, state: SecretState | str) -> None:
        text, ok = state_text(self.spec, state)
        self.state.setText(text)
        self.state.setStyleSheet(_OK_STYLE if ok else _MUTED_STYLE)
        self.state.setToolTip(state if isinstance(state, str) else "")


class SecretRows:
    """The rows of ``form`` for the secrets of one gateway at a time."""

    def __init__(
        self, form: QFormLayout, parent: QWidget, language: str, *, after: QWidget
    ) -> None:
        """``after``: the field the key fields follow in the tab order."""
        self._form = form
        self._after = after
        self._parent = parent
        self._language = language
        self._rows: list[SecretRow] = []
        # What was typed, by secret name, in rows no longer shown.
        self._typed: dict[str, str] = {}
        self.gateway: OnlineGatewayInfo | None = None

    @property
    def rows(self) -> list[SecretRow]:
        return list(self._rows)

    def row(self, name: str) -> SecretRow:
        for row in self._rows:
            if row.spec.name == name:
                return row
        raise KeyError(name)

    def show_gateway(
        self,
        info: OnlineGatewayInfo | None,
        states: dict[str, SecretState | str],
        *,
        keyring: bool,
        taken: set[str],
    ) -> None:
        """Rows for the secrets ``info`` declares (none for a gateway not installed).

        ``taken``: the shortcut letters used elsewhere on the page; each caption gets a free
        one.
        """
        for row in self._rows:
            if row.edit.text():
                self._typed[row.spec.name] = row.edit.text()
            self._form.removeRow(0)
        self._rows = []
        self.gateway = info
        used = set(taken)
        previous = self._after
        for spec in info.secrets if info is not None else ():
            row = SecretRow(spec, self._language, self._parent)
            row.caption.setText(_with_mnemonic(row.caption.text(), used) + ":")
            row.edit.setText(self._typed.get(spec.name, ""))
            row.edit.setEnabled(keyring)
            row.show_state(states.get(spec.name, SecretState.NOT_SET))
            self._form.addRow(row.caption, row.field)
            QWidget.setTabOrder(previous, row.edit)
            previous = row.edit
            self._rows.append(row)

    def show_states(self, states: dict[str, SecretState | str], *, keyring: bool) -> None:
        """Where each key is set now; the fields are emptied (a stored key is never shown)."""
        self._typed.clear()
        for row in self._rows:
            row.show_state(states.get(row.spec.name, SecretState.NOT_SET))
            row.edit.clear()
            row.edit.setEnabled(keyring)

    def typed(self) -> list[tuple[SecretSpec, QLineEdit, str]]:
        """The rows with something typed in them: the secret, its field and the text."""
        return [(r.spec, r.edit, r.edit.text().strip()) for r in self._rows if r.edit.text()]

    def environment_names(self) -> list[str]:
        """The environment variables that can hold the shown secrets instead of the keyring."""
        return [r.spec.env for r in self._rows]


class KeysBox:
    """The keys box: its title, its rows, the hint and the warning when this PC has no
    keyring (naming the environment variables the chosen gateway's secrets can be set in)."""

    def __init__(
        self,
        box: QGroupBox,
        form: QFormLayout,
        hint: QLabel,
        warning: QLabel,
        language: str,
        *,
        after: QWidget,
    ) -> None:
        self._box = box
        self._hint = hint
        self._warning = warning
        self._language = language
        self.rows = SecretRows(form, box, language, after=after)

    def show_gateway(
        self,
        info: OnlineGatewayInfo | None,
        states: dict[str, SecretState | str],
        *,
        keyring: bool,
        taken: set[str],
    ) -> None:
        """The rows of ``info``'s secrets and where each is set; ``taken`` as for
        :meth:`SecretRows.show_gateway`."""
        self.rows.show_gateway(info, states, keyring=keyring, taken=taken)
        self._box.setTitle(
            QCoreApplication.translate(
                "SettingsDialog",
                "Nøgler til {0} – gemmes i nøgleringen på denne pc, aldrig i databasen",
            ).format(info.label(self._language))
            if info is not None
            else QCoreApplication.translate(
                "SettingsDialog", "Nøgler – gemmes i nøgleringen på denne pc, aldrig i databasen"
            )
        )
        self.show_keyring(keyring)

    def show_states(self, states: dict[str, SecretState | str], *, keyring: bool) -> None:
        self.rows.show_states(states, keyring=keyring)
        self.show_keyring(keyring)

    def show_keyring(self, keyring: bool) -> None:
        rows = bool(self.rows.rows)
        self._hint.setVisible(keyring and rows)
        if keyring or not rows:
            self._warning.hide()
            return
        self._warning.setText(
            QCoreApplication.translate(
                "SettingsDialog",
                "Denne pc har ingen nøglering (keyring), så nøglerne kan ikke gemmes her. "
                "Sæt dem i stedet i miljøvariablerne {0}, før jdoffice startes.",
            ).format(self.environment())
        )
        self._warning.show()

    def environment(self) -> str:
        """The environment variables of the shown secrets, as a list in words."""
        return and_list(self.rows.environment_names())

    def values(self) -> dict[str, str]:
        """The secrets typed, by name.

        Raises:
            KeyInvalid: one has white space in it.
        """
        secrets: dict[str, str] = {}
        for spec, edit, value in self.rows.typed():
            if not value:
                continue
            if any(c.isspace() for c in value):
                raise KeyInvalid(
                    QCoreApplication.translate(
                        "SettingsDialog", "Nøglen indeholder mellemrum; indsæt kun selve nøglen."
                    ),
                    edit,
                )
            secrets[spec.name] = value
        return secrets


class KeyInvalid(InvalidInput):
    """A key that cannot be right, and the field it was typed in."""

    def __init__(self, message: str, edit: QLineEdit) -> None:
        super().__init__(message)
        self.message = message
        self.edit = edit


def state_text(spec: SecretSpec, state: SecretState | str) -> tuple[str, bool]:
    """What the label next to a key field says, and whether that is good news."""
    if isinstance(state, str):
        return QCoreApplication.translate("SettingsDialog", "kan ikke læses"), False
    if state is SecretState.KEYRING:
        return QCoreApplication.translate("SettingsDialog", "✓ gemt"), True
    if state is SecretState.ENVIRONMENT:
        return QCoreApplication.translate("SettingsDialog", "sat i {0}").format(spec.env), True
    if state is SecretState.NO_KEYRING:
        return QCoreApplication.translate("SettingsDialog", "ingen nøglering"), False
    return QCoreApplication.translate("SettingsDialog", "ikke sat"), False


def and_list(items: list[str]) -> str:
    """``A``, ``A og B``, ``A, B og C`` in the desk's language."""
    if len(items) < 2:
        return "".join(items)
    return QCoreApplication.translate("SettingsDialog", "{0} og {1}").format(
        ", ".join(items[:-1]), items[-1]
    )


def mnemonics(widgets: list[QWidget], texts: Sequence[str] = ()) -> set[str]:
    """The shortcut letters (``&x``) the labels, buttons and boxes among ``widgets`` and the
    ``texts`` use, the secret rows' own captions left out."""
    used = {letter for letter in map(_mnemonic, texts) if letter}
    for widget in widgets:
        if widget.objectName().startswith("secretCaption:"):
            continue
        if isinstance(widget, QGroupBox):
            text = widget.title()
        elif isinstance(widget, QLabel | QAbstractButton):
            text = widget.text()
        else:
            continue
        letter = _mnemonic(text)
        if letter:
            used.add(letter)
    return used


def _mnemonic(text: str) -> str:
    plain = text.replace("&&", "")
    index = plain.find("&")
    return plain[index + 1].casefold() if 0 <= index < len(plain) - 1 else ""


def _with_mnemonic(text: str, used: set[str]) -> str:
    """``text`` with a shortcut on its first letter not in ``used`` (which then is)."""
    escaped = text.replace("&", "&&")
    for i, char in enumerate(text):
        if char.isalpha() and char.casefold() not in used:
            used.add(char.casefold())
            before = text[:i].replace("&", "&&")
            return f"{before}&{text[i:].replace('&', '&&')}"
    return escaped
