"""Notification settings: which channels are on, who sends, and the texts (Danish and English).

Global defaults come from the config file and the environment (``jdoffice.adapters.config``);
a school's own choices are stored in ``school_notification_settings`` and win. Passwords and
tokens are never part of settings: they live in the OS keyring or the environment.

Templates are ``str.format`` texts with named fields only (``{school}``, ``{amount}``, …);
anything else (attribute access, indexes, unknown names) is refused when the template is set,
so a template can never fail or leak at send time.
"""

from __future__ import annotations

import dataclasses
import string
from collections.abc import Mapping
from dataclasses import dataclass, field

from jdoffice.domain.contact import normalize_email, normalize_phone
from jdoffice.domain.errors import InvalidInput

CHANNELS = ("email", "sms")
LANGUAGES = ("da", "en")
#: The longest SMS text sent: three concatenated GSM-7 segments.
MAX_SMS_CHARS = 459

#: What a reminder's texts may use: ``{due}`` is the invoice's due date, ``{pay}`` the sentence
#: that says how to pay (the link, or the office and bank transfer when there is none).
_REMINDER_FIELDS = ("school", "student", "amount", "invoice_no", "due", "url", "expires", "pay")

#: What a statement's texts may use.
_STATEMENT_FIELDS = ("school", "student", "period", "balance")

#: Template keys and the fields each may use.
TEMPLATE_FIELDS: Mapping[str, frozenset[str]] = {
    "payment_subject": frozenset({"school", "student", "amount", "receipt_no"}),
    "payment_email": frozenset({"school", "student", "amount", "receipt_no"}),
    "payment_sms": frozenset({"school", "student", "amount", "receipt_no"}),
    "refund_subject": frozenset({"school", "student", "amount", "receipt_no"}),
    "refund_email": frozenset({"school", "student", "amount", "receipt_no"}),
    "refund_sms": frozenset({"school", "student", "amount", "receipt_no"}),
    "link_subject": frozenset({"school", "student", "amount", "invoice_no", "url", "expires"}),
    "link_email": frozenset({"school", "student", "amount", "invoice_no", "url", "expires"}),
    "link_sms": frozenset({"school", "student", "amount", "invoice_no", "url", "expires"}),
    "reminder_subject": frozenset(_REMINDER_FIELDS),
    "reminder_email": frozenset(_REMINDER_FIELDS),
    "reminder_sms": frozenset(_REMINDER_FIELDS),
    # A statement goes by e-mail only (its PDF attached): ``{period}`` is its first and last
    # day, ``{balance}`` the sentence that says what the student owes at its end.
    "statement_subject": frozenset(_STATEMENT_FIELDS),
    "statement_email": frozenset(_STATEMENT_FIELDS),
}

DEFAULT_TEMPLATES: Mapping[str, Mapping[str, str]] = {
    "da": {
        "payment_subject": "Kvittering nr. {receipt_no} fra {school}",
        "payment_email": (
            "Hej {student}\n\n"
            "Tak for din betaling på {amount} til {school}.\n"
            "Kvitteringsnummer: {receipt_no}\n\n"
            "Venlig hilsen\n{school}"
        ),
        "payment_sms": "{school}: Tak for din betaling på {amount}. Kvittering nr. {receipt_no}.",
        "refund_subject": "Kvittering nr. {receipt_no} for tilbagebetaling fra {school}",
        "refund_email": (
            "Hej {student}\n\n"
            "{school} har tilbagebetalt {amount} til dig.\n"
            "Kvitteringsnummer: {receipt_no}\n\n"
            "Venlig hilsen\n{school}"
        ),
        "refund_sms": "{school}: Vi har tilbagebetalt {amount} til dig. Kvittering nr. {receipt_no}.",
        "link_subject": "Betal faktura {invoice_no} til {school}",
        "link_email": (
            "Hej {student}\n\n"
            "Her er linket til at betale faktura {invoice_no} på {amount} med kort eller "
            "MobilePay:\n{url}\n\n"
            "Linket udløber {expires}.\n\n"
            "Venlig hilsen\n{school}"
        ),
        "link_sms": "{school}: Betal faktura {invoice_no} på {amount} her: {url}",
        "reminder_subject": "Påmindelse om faktura {invoice_no} fra {school}",
        "reminder_email": (
            "Hej {student}\n\n"
            "Vi mangler stadig betaling af faktura {invoice_no} på {amount}, som forfaldt "
            "{due}.\n\n"
            "{pay}\n\n"
            "Har du betalt i mellemtiden, kan du se bort fra denne påmindelse.\n\n"
            "Venlig hilsen\n{school}"
        ),
        "reminder_sms": (
            "{school}: Påmindelse om faktura {invoice_no} på {amount}, forfaldt {due}. {pay}"
        ),
        "statement_subject": "Kontoudtog fra {school}",
        "statement_email": (
            "Hej {student}\n\n"
            "Her er dit kontoudtog fra {school} for perioden {period}.\n\n"
            "{balance}\n\n"
            "Venlig hilsen\n{school}"
        ),
    },
    "en": {
        "payment_subject": "Receipt no. {receipt_no} from {school}",
        "payment_email": (
            "Dear {student}\n\n"
            "Thank you for your payment of {amount} to {school}.\n"
            "Receipt number: {receipt_no}\n\n"
            "Kind regards\n{school}"
        ),
        "payment_sms": "{school}: Thank you for your payment of {amount}. Receipt no. {receipt_no}.",
        "refund_subject": "Receipt no. {receipt_no} for a refund from {school}",
        "refund_email": (
            "Dear {student}\n\n"
            "{school} has refunded {amount} to you.\n"
            "Receipt number: {receipt_no}\n\n"
            "Kind regards\n{school}"
        ),
        "refund_sms": "{school}: We have refunded {amount} to you. Receipt no. {receipt_no}.",
        "link_subject": "Pay invoice {invoice_no} to {school}",
        "link_email": (
            "Dear {student}\n\n"
            "Here is the link to pay invoice {invoice_no} of {amount} by card or MobilePay:\n"
            "{url}\n\n"
            "The link expires {expires}.\n\n"
            "Kind regards\n{school}"
        ),
        "link_sms": "{school}: Pay invoice {invoice_no} of {amount} here: {url}",
        "reminder_subject": "Reminder about invoice {invoice_no} from {school}",
        "reminder_email": (
            "Dear {student}\n\n"
            "We have not yet received payment of invoice {invoice_no} of {amount}, which was "
            "due {due}.\n\n"
            "{pay}\n\n"
            "If you have paid in the meantime, please disregard this reminder.\n\n"
            "Kind regards\n{school}"
        ),
        "reminder_sms": (
            "{school}: Reminder about invoice {invoice_no} of {amount}, due {due}. {pay}"
        ),
        "statement_subject": "Statement from {school}",
        "statement_email": (
            "Dear {student}\n\n"
            "Here is your statement from {school} for the period {period}.\n\n"
            "{balance}\n\n"
            "Kind regards\n{school}"
        ),
    },
}

#: What the message says about the receipt after the template's text.
RECEIPT_ATTACHED = {
    "da": "Kvitteringen er vedhæftet som PDF.",
    "en": "The receipt is attached as a PDF.",
}
STATEMENT_ATTACHED = {
    "da": "Kontoudtoget er vedhæftet som PDF.",
    "en": "The statement is attached as a PDF.",
}
RECEIPT_BELOW = {"da": "Kvittering:", "en": "Receipt:"}

Templates = Mapping[str, Mapping[str, str]]


@dataclass(frozen=True, slots=True)
class NotificationSettings:
    """The settings in force for a school. Empty sender fields fall back: the name to the
    school's name, the address and SMS sender to what the transport was configured with."""

    email_enabled: bool = False
    sms_enabled: bool = False
    sender_name: str = ""
    sender_address: str = ""
    sms_sender: str = ""
    language: str = "da"
    templates: Templates = field(default_factory=dict)

    def enabled(self, channel: str) -> bool:
        return self.email_enabled if channel == "email" else self.sms_enabled

    def template(self, language: str, key: str) -> str:
        """The school's (or the global) text for ``key``, else the built-in one."""
        own = self.templates.get(language, {}).get(key)
        if own:
            return own
        return DEFAULT_TEMPLATES.get(language, DEFAULT_TEMPLATES["da"])[key]


@dataclass(frozen=True, slots=True)
class NotificationOverride:
    """What a school set; ``None`` means "use the global default"."""

    email_enabled: bool | None = None
    sms_enabled: bool | None = None
    sender_name: str | None = None
    sender_address: str | None = None
    sms_sender: str | None = None
    language: str | None = None
    templates: Templates | None = None


def overlay_notifications(
    defaults: NotificationSettings, school: NotificationOverride | None
) -> NotificationSettings:
    """The school's choices over the global defaults; templates merge key by key."""
    if school is None:
        return defaults
    changes: dict[str, object] = {
        f.name: getattr(school, f.name)
        for f in dataclasses.fields(school)
        if getattr(school, f.name) is not None and f.name != "templates"
    }
    if school.templates:
        merged = {lang: dict(texts) for lang, texts in defaults.templates.items()}
        for lang, texts in school.templates.items():
            merged.setdefault(lang, {}).update(texts)
        changes["templates"] = merged
    return dataclasses.replace(defaults, **changes)  # type: ignore[arg-type]


def validate_language(language: str) -> str:
    if language not in LANGUAGES:
        raise InvalidInput(f"language must be da or en, not {language!r}")
    return language


def validate_sender_name(name: str) -> str:
    clean = " ".join(name.split())
    if len(clean) > 100:
        raise InvalidInput(f"sender name is too long ({len(clean)} characters, at most 100)")
    if any(ord(c) < 32 for c in name if c not in "\t\n"):
        raise InvalidInput("sender name contains control characters")
    return clean


def validate_sender_address(address: str) -> str:
    return normalize_email(address, "sender address") if address.strip() else ""


def validate_sms_sender(sender: str) -> str:
    """An SMS sender: a phone number in E.164, or a name of 1-11 letters and digits."""
    value = sender.strip()
    if not value:
        return ""
    if value.startswith("+"):
        return normalize_phone(value, "SMS sender")
    if len(value) > 11 or not value.isascii() or not value.replace(" ", "").isalnum():
        raise InvalidInput(
            f"not a valid SMS sender: {value!r} (a number like +4521345678, or a name of at "
            "most 11 letters and digits without æ, ø, å)"
        )
    if value.isdigit():
        raise InvalidInput(
            f"not a valid SMS sender: {value!r} (write a number with + and the country code)"
        )
    return value


def validate_template(key: str, text: str) -> str:
    """``text`` if it is a usable template for ``key``.

    Raises:
        InvalidInput: unknown key, unknown or indexed fields, bad braces, too long an SMS.
    """
    allowed = TEMPLATE_FIELDS.get(key)
    if allowed is None:
        raise InvalidInput(f"unknown template {key!r} (known: {', '.join(TEMPLATE_FIELDS)})")
    if not text.strip():
        raise InvalidInput(f"template {key} is empty")
    limit = MAX_SMS_CHARS if key.endswith("_sms") else 200 if key.endswith("_subject") else 5000
    if len(text) > limit:
        raise InvalidInput(f"template {key} is too long ({len(text)} characters, at most {limit})")
    if key.endswith(("_sms", "_subject")) and "\n" in text.strip():
        raise InvalidInput(f"template {key} must be one line")
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise InvalidInput(f"template {key}: {exc} (write {{{{ and }}}} for braces)") from None
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in allowed or spec or conversion:
            raise InvalidInput(
                f"template {key}: {{{name}}} is not a field it can use "
                f"(use {', '.join('{' + f + '}' for f in sorted(allowed))})"
            )
    return text


def validate_templates(templates: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    clean: dict[str, dict[str, str]] = {}
    for lang, texts in templates.items():
        validate_language(lang)
        if not isinstance(texts, Mapping):
            raise InvalidInput(f"templates for {lang} must be a table of texts")
        clean[lang] = {k: validate_template(k, str(v)) for k, v in texts.items()}
    return clean


def fill(template: str, values: Mapping[str, str]) -> str:
    """Fill a validated template. A value ending in a full stop (``850,25 kr.``) before a full
    stop in the text gives one full stop, not two."""
    out: list[str] = []
    for literal, name, _spec, _conversion in string.Formatter().parse(template):
        if literal.startswith(".") and out and out[-1].endswith("."):
            literal = literal[1:]
        out.append(literal)
        if name is not None:
            out.append(values.get(name, ""))
    return "".join(out)
