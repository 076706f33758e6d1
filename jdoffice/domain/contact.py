"""E-mail addresses and phone numbers as notifications need them.

An address is checked with the standard library's header parser (the same rules the mail is
built with) plus the shape every deliverable address has: one ``@``, a dotted domain, no
spaces. A phone number becomes E.164 (``+4521345678``): a Danish number may be written with 8
digits, with or without ``+45``/``0045``, grouped with spaces or dashes.
"""

from __future__ import annotations

import re
from email.errors import HeaderParseError
from email.headerregistry import Address

from jdoffice.domain.errors import InvalidInput

#: The country code assumed for a number written without one (8 digits is a Danish number).
DEFAULT_COUNTRY_CODE = "45"

_E164 = re.compile(r"\+[1-9]\d{6,14}")
_DOMAIN_LABEL = re.compile(r"(?!-)[^\s.@]{1,63}(?<!-)")
_SEPARATORS = re.compile(r"[\s\-./()]")


def normalize_email(text: str, what: str = "e-mail address") -> str:
    """``text`` as a deliverable address (trimmed), or :class:`InvalidInput` saying why.

    Raises:
        InvalidInput: empty, no ``@``, no dotted domain, spaces, or a display name.
    """
    value = text.strip()
    if not value:
        raise InvalidInput(f"{what} is empty")
    if len(value) > 254:
        raise InvalidInput(f"{what} is too long ({len(value)} characters, at most 254)")
    if any(c.isspace() or ord(c) < 32 for c in value) or value.count("@") != 1:
        raise InvalidInput(f"not a valid {what}: {value!r} (write it as name@example.dk)")
    local, domain = value.split("@")
    if not local.isascii():
        # Most mail servers refuse a non-ASCII mailbox name (SMTPUTF8 is rare).
        raise InvalidInput(
            f"not a valid {what}: {value!r} (the part before @ must be without æ, ø, å)"
        )
    labels = domain.split(".")
    if (
        not local
        or len(labels) < 2
        or not all(_DOMAIN_LABEL.fullmatch(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise InvalidInput(f"not a valid {what}: {value!r} (write it as name@example.dk)")
    try:
        parsed = Address(addr_spec=value)
    except (HeaderParseError, ValueError, IndexError):
        raise InvalidInput(f"not a valid {what}: {value!r} (write it as name@example.dk)") from None
    if parsed.addr_spec != value:
        raise InvalidInput(f"not a valid {what}: {value!r} (write it as name@example.dk)")
    return value


def normalize_phone(
    text: str, what: str = "phone number", country_code: str = DEFAULT_COUNTRY_CODE
) -> str:
    """``text`` as an E.164 number: ``"21 34 56 78"`` → ``"+4521345678"``.

    Raises:
        InvalidInput: anything but an 8-digit Danish number or a full international number.
    """
    value = text.strip()
    if not value:
        raise InvalidInput(f"{what} is empty")
    compact = _SEPARATORS.sub("", value)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if compact.isascii() and compact.isdigit() and len(compact) == 8:
        compact = f"+{country_code}{compact}"
    if not _E164.fullmatch(compact) or not compact.isascii():
        raise InvalidInput(
            f"not a valid {what}: {value!r} (8 digits for a Danish number, "
            "or + and the country code, e.g. +45 21 34 56 78)"
        )
    if compact.startswith("+45") and len(compact) != 11:
        raise InvalidInput(f"not a valid {what}: {value!r} (a Danish number has 8 digits)")
    return compact
