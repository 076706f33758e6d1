"""Text that crosses a boundary: shown on a terminal, written to a CSV file or a log line.

Names, references and e-mail addresses come from people and from the school's web system,
which writes straight into the shared database. A terminal obeys the escape sequences in
such text (colours, cursor moves, a changed window title), and bidi overrides reorder what
the operator reads, so every output path passes text through :func:`printable`; values
typed into jdoffice itself are refused with :func:`refuse_unsafe` instead (issue 10).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from jdoffice.domain.errors import InvalidInput

#: Shown in place of a character a terminal would obey instead of print.
REPLACEMENT: Final = "\ufffd"

#: Characters that change the direction of the text around them (Unicode bidi controls):
#: the embeddings and overrides U+202A-U+202E, the isolates U+2066-U+2069, and the marks
#: U+200E, U+200F and U+061C.
BIDI_CONTROLS: Final = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)

#: A spreadsheet reads a cell starting with one of these as a formula.
_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
#: A plain number ("-5000", "+12.5") is read as a number, not run: it stays as it is.
_NUMBER: Final = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?")


def is_unsafe(char: str) -> bool:
    """Whether ``char`` is one a terminal or a text viewer may act on: a C0 or C1 control,
    DEL, a line or paragraph separator, or a bidi control."""
    return char in BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Zl", "Zp")


def printable(value: object, *, newlines: bool = False) -> str:
    """``value`` as text with every unsafe character (see :func:`is_unsafe`) replaced by
    U+FFFD, so what a terminal shows is what was stored and nothing else happens. A tab
    becomes a space. ``newlines`` keeps line feeds, for output whose format has several lines
    (a receipt); text from outside is made one line first."""
    text = value if isinstance(value, str) else str(value)
    if not any(is_unsafe(c) for c in text):
        return text
    out: list[str] = []
    for char in text:
        if char == "\n" and newlines:
            out.append(char)
        elif char == "\t":
            out.append(" ")
        elif is_unsafe(char):
            out.append(REPLACEMENT)
        else:
            out.append(char)
    return "".join(out)


def json_for_terminal(document: str) -> str:
    """A JSON document from :func:`json.dumps` with the unsafe characters it leaves raw (DEL,
    C1 and bidi controls; it escapes only C0) written as ``\\uXXXX`` escapes: the same data for
    a program, nothing a terminal obeys. Raw line feeds in a JSON document are layout, since
    json.dumps escapes those inside strings, and stay."""
    if not any(is_unsafe(c) and c != "\n" for c in document):
        return document
    return "".join(f"\\u{ord(c):04x}" if c != "\n" and is_unsafe(c) else c for c in document)


def first_unsafe(text: str) -> str | None:
    """The first unsafe character of ``text``, or ``None``."""
    return next((c for c in text if is_unsafe(c)), None)


def refuse_unsafe(text: str, what: str) -> str:
    """``text`` unchanged, or :class:`InvalidInput` naming the first unsafe character.

    Raises:
        InvalidInput: ``text`` holds a control character, DEL, a C1 control, a line or
            paragraph separator, or a bidi control.
    """
    char = first_unsafe(text)
    if char is None:
        return text
    kind = ", which turns the text's direction" if char in BIDI_CONTROLS else ""
    raise InvalidInput(f"{what} contains control characters (U+{ord(char):04X}{kind})")


def csv_cell(value: object) -> object:
    """A value for a CSV file that is opened in a spreadsheet: numbers (also written as text,
    such as ``"-5000"``) stay numbers; other text is made one line of printable characters,
    and text a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) gets a leading
    apostrophe so it stays text."""
    if value is None or isinstance(value, bool | int | float):
        return value
    text = printable(value)
    if text.startswith(_FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


# --- credentials in log lines ------------------------------------------------------------------

_SECRET_PATTERNS: Final = (
    # The password in a URL's user info, scheme://user:PASSWORD@host; up to the last "@"
    # before a space, since people write passwords with "@" and "/" in them unescaped.
    (re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://[^\s/@:'\"<>]*:)[^\s'\"<>]*@"), r"\1***@"),
    # Stripe keys and webhook secrets: sk_live_…, sk_test_…, rk_live_…, whsec_….
    (re.compile(r"\b((?:sk|rk)_(?:live|test)_|whsec_)[A-Za-z0-9]+"), r"\1***"),
    # An Authorization header, in any quoting: the whole value goes.
    (re.compile(r"(?i)(\bauthorization['\"]?\s*[:=]\s*['\"]?)[^'\"\r\n,}]+"), r"\1***"),
    # A bare token: "Bearer x", "Basic x".
    (re.compile(r"\b([Bb]earer|[Bb]asic)\s+[A-Za-z0-9._~+/\-]{8,}=*"), r"\1 ***"),
    # password=… in a query string or a key=value log line.
    (re.compile(r"(?i)\b((?:password|passwd|pwd|secret|token)=)[^\s&'\"]+"), r"\1***"),
)


def redact_secrets(text: str) -> str:
    """``text`` with passwords in URLs, provider keys, webhook secrets and authorisation
    headers replaced by ``***``: no log line may carry a credential."""
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text
