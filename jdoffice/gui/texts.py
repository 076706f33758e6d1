"""What the desk shows in words: method and status names, the balance line, error messages.

The screens only paint these strings; the decisions (what a balance means, which words an
error gets) live here, where they are plain functions that tests call without widgets.

The words are Danish, the source language; ``QCoreApplication.translate`` gives them in the
desk's language when its translation is installed (context ``Texts``).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from enum import Enum
from functools import cache

from PySide6.QtCore import QCoreApplication, QLocale

from jdoffice.domain.errors import (
    BusinessRuleError,
    Conflict,
    IdempotencyMismatch,
    InvalidInput,
    NotFound,
    Unavailable,
)
from jdoffice.domain.integrity import Inconsistency, Problem
from jdoffice.domain.model import InvoiceStatus
from jdoffice.domain.money import format_money, parse_amount
from jdoffice.domain.receipt_text import date_text, date_time_text
from jdoffice.domain.shifts import NoOpenShift
from jdoffice.domain.staff import NotAllowed

log = logging.getLogger(__name__)


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # noqa: N802 - the name lupdate knows
    """Marks ``text`` for translation in ``context`` where it is defined (``pyside6-lupdate``
    finds it by this name); it is translated where it is shown."""
    del context
    return text


METHOD_NAMES: dict[str, str] = {
    "cash": QT_TRANSLATE_NOOP("Texts", "Kontant"),
    "bank": QT_TRANSLATE_NOOP("Texts", "Bankoverførsel"),
    "mobilepay": QT_TRANSLATE_NOOP("Texts", "MobilePay"),
    "card": QT_TRANSLATE_NOOP("Texts", "Betalingskort (terminal)"),
}

INVOICE_STATUS_NAMES: dict[InvoiceStatus, str] = {
    InvoiceStatus.OPEN: QT_TRANSLATE_NOOP("Texts", "Åben"),
    InvoiceStatus.PARTIALLY_PAID: QT_TRANSLATE_NOOP("Texts", "Delvist betalt"),
    InvoiceStatus.PAID: QT_TRANSLATE_NOOP("Texts", "Betalt"),
    InvoiceStatus.OVERDUE: QT_TRANSLATE_NOOP("Texts", "Forfalden"),
    InvoiceStatus.CANCELLED: QT_TRANSLATE_NOOP("Texts", "Annulleret"),
}

PAYMENT_STATUS_NAMES: dict[str, str] = {
    "pending": QT_TRANSLATE_NOOP("Texts", "Afventer"),
    "succeeded": QT_TRANSLATE_NOOP("Texts", "Gennemført"),
    "failed": QT_TRANSLATE_NOOP("Texts", "Mislykket"),
    "partially_refunded": QT_TRANSLATE_NOOP("Texts", "Delvist refunderet"),
    "refunded": QT_TRANSLATE_NOOP("Texts", "Refunderet"),
}


def _tr(text: str) -> str:
    """``text`` (a literal marked for ``Texts`` elsewhere) in the desk's language."""
    return QCoreApplication.translate("Texts", text)


def method_name(method: str, language: str | None = None) -> str:
    """How a payment method reads on screen. The counter methods jdoffice has are translated
    here; any other is named as its gateway declares it, in ``language`` (``"da"``, ``"en"``;
    by default the desk's)."""
    name = METHOD_NAMES.get(method)
    if name is not None:
        return _tr(name)
    from jdoffice.bootstrap import installed_gateways

    lang = language or ("da" if QLocale().language() == QLocale.Language.Danish else "en")
    return installed_gateways().method_label(method, lang) or method


def invoice_status_name(status: InvoiceStatus) -> str:
    name = INVOICE_STATUS_NAMES.get(status)
    return _tr(name) if name is not None else status.value


def payment_status_name(status: str) -> str:
    name = PAYMENT_STATUS_NAMES.get(status)
    return _tr(name) if name is not None else status


def money(minor: int, currency: str, locale: str = "da_DK") -> str:
    """An amount as people read it: ``1.234,50 kr.``"""
    return format_money(minor, currency, locale)


def signed_money(minor: int, currency: str, locale: str = "da_DK") -> str:
    """An adjustment with its sign: ``+0,25 kr.`` / ``−0,20 kr.``"""
    sign = "+" if minor > 0 else "−" if minor < 0 else "±"
    return sign + money(abs(minor), currency, locale)


def local_date(day: dt.date, language: str = "da") -> str:
    """A date as staff write it: ``14.05.2025`` in Danish, ``14 May 2025`` in English (the
    one format receipts and the command line use too)."""
    return date_text(day, language)


def local_datetime(when: dt.datetime, tz: dt.tzinfo, language: str = "da") -> str:
    """A moment in the school's time zone: ``03.12.2026 16:07`` / ``3 Dec 2026 16:07``."""
    return date_time_text(when.astimezone(tz), language)


class BalanceKind(Enum):
    OWES = "owes"
    CREDIT = "credit"
    SETTLED = "settled"


@dataclass(frozen=True, slots=True)
class BalanceText:
    kind: BalanceKind
    text: str


def balance_text(balance_minor: int, currency: str, locale: str = "da_DK") -> BalanceText:
    """``Skylder 850,25 kr.``, ``Tilgodehavende 100,00 kr.`` or ``Intet udestående``.

    A positive balance means the student owes the school (docs/architecture.md, "Invariants").
    """
    if balance_minor > 0:
        owes = QCoreApplication.translate("Texts", "Skylder {0}")
        return BalanceText(BalanceKind.OWES, owes.format(money(balance_minor, currency, locale)))
    if balance_minor < 0:
        credit = QCoreApplication.translate("Texts", "Tilgodehavende {0}")
        return BalanceText(
            BalanceKind.CREDIT, credit.format(money(-balance_minor, currency, locale))
        )
    return BalanceText(BalanceKind.SETTLED, QCoreApplication.translate("Texts", "Intet udestående"))


PROBLEM_NAMES: dict[Problem, str] = {
    Problem.BALANCE_MISMATCH: QT_TRANSLATE_NOOP("Texts", "den gemte saldo passer ikke"),
    Problem.FOREIGN_CURRENCY: QT_TRANSLATE_NOOP("Texts", "beløb i en anden valuta"),
    Problem.MIXED_SCHOOLS: QT_TRANSLATE_NOOP("Texts", "rækker fra en anden skole"),
    Problem.ORPHAN: QT_TRANSLATE_NOOP("Texts", "rækker der peger på noget, der ikke findes"),
    Problem.REFUNDED_MISMATCH: QT_TRANSLATE_NOOP("Texts", "det refunderede beløb passer ikke"),
    Problem.BAD_AMOUNT: QT_TRANSLATE_NOOP("Texts", "ugyldige beløb"),
    Problem.UNKNOWN_STATUS: QT_TRANSLATE_NOOP("Texts", "ukendt status"),
    Problem.BAD_CURRENCY: QT_TRANSLATE_NOOP("Texts", "ugyldig valutakode"),
    Problem.DUPLICATE_RECEIPT: QT_TRANSLATE_NOOP("Texts", "dobbelte kvitteringer"),
    Problem.RECEIPT_COUNTER_BEHIND: QT_TRANSLATE_NOOP("Texts", "kvitteringstælleren er bagud"),
}


def integrity_warning(problems: tuple[Inconsistency, ...]) -> str:
    """The warning line over a student whose rows are inconsistent in the database, or ``""``.

    The balance shown is recomputed from the rows, so it is right whatever the cached figure
    says; the warning tells that something else wrote wrong rows and how to list them.
    """
    if not problems:
        return ""
    kinds = dict.fromkeys(p.problem for p in problems)
    what = ", ".join(QCoreApplication.translate("Texts", PROBLEM_NAMES[k]) for k in kinds)
    return QCoreApplication.translate(
        "Texts",
        "Advarsel: databasen er ikke i orden for denne elev ({0}). Saldoen er regnet forfra ud "
        "fra fakturaer og betalinger. Kør »jdoffice db check«, og ret det.",
    ).format(what)


# --- the core's errors in the desk's words ---------------------------------------------------
#
# The core raises its errors in English (the command line and the logs read them). The desk
# never shows that English to Danish staff: each error the desk can meet is recognised here by
# its shape and worded again through ``translate`` (context ``Texts``). The patterns follow the
# messages in ``jdoffice.domain.money``, ``jdoffice.domain.model`` and ``jdoffice.services``;
# an error not listed here is shown without its English detail (the log keeps it).

_MONEY = r"(?P<{0}>.+?)"

# (pattern of the core's message, Danish wording with ``{name}`` fields). Amount fields are
# named ``amount``/``limit``/... and are formatted again in the desk's locale.
CORE_ERRORS: tuple[tuple[str, str], ...] = (
    (r"amount: expected text", QT_TRANSLATE_NOOP("Texts", "Skriv et beløb.")),
    (r"amount is empty", QT_TRANSLATE_NOOP("Texts", "Skriv et beløb.")),
    (
        r"amount must not be negative: (?P<text>.*)",
        QT_TRANSLATE_NOOP("Texts", "Beløbet må ikke være negativt."),
    ),
    (
        r"not an amount: (?P<text>.*) \(write e\.g\. .*\)",
        QT_TRANSLATE_NOOP("Texts", "Det er ikke et beløb."),
    ),
    (
        r"too many decimals in (?P<text>.*): (?P<currency>[A-Z]{3}) has (?P<digits>\d+)",
        QT_TRANSLATE_NOOP("Texts", "For mange decimaler; der er højst {digits}."),
    ),
    (
        r"amount is too large: (?P<text>.*) \(at most " + _MONEY.format("limit") + r"\)",
        QT_TRANSLATE_NOOP("Texts", "Beløbet er for stort; højst {limit}."),
    ),
    (r"amount is too large: (?P<text>.*)", QT_TRANSLATE_NOOP("Texts", "Beløbet er for stort.")),
    (
        r"(?:refund )?amount must be more than zero",
        QT_TRANSLATE_NOOP("Texts", "Beløbet skal være større end nul."),
    ),
    (
        r"cash handed over must be a multiple of "
        + _MONEY.format("unit")
        + ": "
        + _MONEY.format("amount"),
        QT_TRANSLATE_NOOP("Texts", "Kontant modtaget skal gå op i {unit} (tastet: {amount})"),
    ),
    (
        r"tendered "
        + _MONEY.format("amount")
        + " is less than the cash total "
        + _MONEY.format("total"),
        QT_TRANSLATE_NOOP("Texts", "Modtaget {amount} er mindre end kontant i alt ({total})"),
    ),
    (
        _MONEY.format("amount")
        + r" is more than what is owed \("
        + _MONEY.format("owed")
        + r"\); allow a credit to take more",
        QT_TRANSLATE_NOOP(
            "Texts",
            "{amount} er mere end eleven skylder ({owed}). Sæt flueben ved tilgodehavende "
            "for at tage imod mere",
        ),
    ),
    (r"nothing is owed", QT_TRANSLATE_NOOP("Texts", "Eleven skylder ikke noget")),
    (
        r"invoice (?P<invoice>\S+) is cancelled",
        QT_TRANSLATE_NOOP("Texts", "Faktura {invoice} er annulleret"),
    ),
    (
        r"invoice (?P<invoice>\S+) is already paid",
        QT_TRANSLATE_NOOP("Texts", "Faktura {invoice} er allerede betalt"),
    ),
    (
        r"invoice (?P<invoice>\S+) was just paid online",
        QT_TRANSLATE_NOOP("Texts", "Faktura {invoice} er netop betalt online"),
    ),
    (
        r"invoice (?P<invoice>\S+) is in (?P<currency>[A-Z]{3}), the desk takes (?P<desk>[A-Z]{3})",
        QT_TRANSLATE_NOOP("Texts", "Faktura {invoice} er i {currency}; kassen tager {desk}"),
    ),
    (
        r"no invoice '?(?P<invoice>[^']*?)'? (?:at|in this desk's local copy of) .*",
        QT_TRANSLATE_NOOP("Texts", "Der er ingen faktura {invoice} hos skolen"),
    ),
    (
        r"no student '?(?P<student>[^']*?)'? at .*",
        QT_TRANSLATE_NOOP("Texts", "Der er ingen elev {student} hos skolen"),
    ),
    (
        r"no (?:online )?payment (?P<payment>\S+) at .*",
        QT_TRANSLATE_NOOP("Texts", "Betalingen findes ikke hos skolen"),
    ),
    (
        r"refund of "
        + _MONEY.format("amount")
        + r" is more than what is left to refund \("
        + _MONEY.format("left")
        + r"\)",
        QT_TRANSLATE_NOOP("Texts", "Der kan højst refunderes {left} (tastet: {amount})"),
    ),
    (
        r"payment \S+ is already fully refunded",
        QT_TRANSLATE_NOOP("Texts", "Betalingen er allerede refunderet fuldt ud"),
    ),
    (
        r"payment \S+ is \w+; nothing to refund",
        QT_TRANSLATE_NOOP("Texts", "Der er intet at refundere på betalingen"),
    ),
    (
        r"payment \S+ was made through (?P<method>\S+); refund it through that gateway",
        QT_TRANSLATE_NOOP("Texts", "Betalingen er lavet via {method}; refundér den dér"),
    ),
    (
        r"payment \S+ was not made through (?P<method>\S+)",
        QT_TRANSLATE_NOOP("Texts", "Betalingen er ikke lavet via {method}"),
    ),
    (
        r"payment \S+ has no provider reference to refund",
        QT_TRANSLATE_NOOP("Texts", "Betalingsudbyderen kender ikke betalingen"),
    ),
    (
        r"online payment \S+ is already paid",
        QT_TRANSLATE_NOOP("Texts", "Onlinebetalingen er allerede betalt"),
    ),
    (
        r"online payments are off for .*",
        QT_TRANSLATE_NOOP(
            "Texts", "Onlinebetaling er slået fra; tag imod kontant, bank eller MobilePay"
        ),
    ),
    (
        r"a reason is required for a refund",
        QT_TRANSLATE_NOOP("Texts", "Skriv en begrundelse for refusionen"),
    ),
    (
        r"key \S+ (?:was already used for a different payment|is already in use|was used for "
        r"another refund|belongs to another payment).*",
        QT_TRANSLATE_NOOP("Texts", "Forsøget er allerede brugt til noget andet"),
    ),
    (
        r"(?P<what>reference|reason) is too long \((?P<length>\d+) characters, at most "
        r"(?P<limit>\d+)\)",
        QT_TRANSLATE_NOOP("Texts", "Teksten er for lang ({length} tegn, højst {limit})"),
    ),
    (
        r"(?:no SMTP server is set up|e-mail is not set up here|no sender address)\b.*",
        QT_TRANSLATE_NOOP("Texts", "E-mail er ikke sat op på denne kasse"),
    ),
    (
        r"(?:no SMS provider is set up|SMS is not set up here|no SMS sender)\b.*",
        QT_TRANSLATE_NOOP("Texts", "SMS er ikke sat op på denne kasse"),
    ),
    (
        r"student (?P<student>\S+)(?: has no e-mail address|: not a valid e-mail address.*): "
        r"give the address to send the statement to",
        QT_TRANSLATE_NOOP(
            "Texts", "Eleven {student} har ingen gyldig e-mailadresse at sende kontoudtoget til"
        ),
    ),
    (
        r"the statement's PDF is too large to send by e-mail .*",
        QT_TRANSLATE_NOOP(
            "Texts", "Kontoudtoget er for stort til en e-mail; vælg en kortere periode"
        ),
    ),
    (
        r"(?P<what>\S+) is off for .*: turn it on with .*",
        QT_TRANSLATE_NOOP("Texts", "Udsendelse som {what} er slået fra for skolen"),
    ),
    (
        r"the online payment for (?P<invoice>\S+) is \w+; start a new one to send a link",
        QT_TRANSLATE_NOOP(
            "Texts", "Onlinebetalingen for faktura {invoice} er ikke åben; start en ny"
        ),
    ),
    (
        r"an amount tendered only makes sense for cash",
        QT_TRANSLATE_NOOP("Texts", "Modtaget beløb giver kun mening ved kontant"),
    ),
    # The books (issue 15): an export of a period overlapping an exported one, a bad period.
    (
        r"(?P<asked>\S+(?: – \S+)?) overlaps the period (?P<period>\S+(?: – \S+)?) exported "
        r"on (?P<at>.+?) UTC by (?P<staff>\S+) at (?P<desk>\S+) \(export \d+\); ask for "
        r"exactly that period to repeat it, or for a period from (?P<after>\S+)",
        QT_TRANSLATE_NOOP(
            "Texts",
            "{asked} overlapper perioden {period}, som {staff} eksporterede {at} UTC ved "
            "{desk}; vælg præcis den periode for at gentage eksporten, eller en periode fra "
            "{after}",
        ),
    ),
    (
        r"another desk exported .* meanwhile; ask again",
        QT_TRANSLATE_NOOP("Texts", "En anden kasse har netop eksporteret perioden; prøv igen"),
    ),
    (
        r"the period ends \((?P<end>\S+)\) before it starts \((?P<start>\S+)\)",
        QT_TRANSLATE_NOOP("Texts", "Perioden slutter ({end}), før den begynder ({start})"),
    ),
    (r"a period is at most five years", QT_TRANSLATE_NOOP("Texts", "En periode er højst fem år")),
    (
        r"(?P<period>\S+(?: – \S+)?) has not begun \(today is (?P<today>\S+)\): a period is "
        r"exported from its first day on",
        QT_TRANSLATE_NOOP(
            "Texts",
            "{period} er ikke begyndt (i dag er det {today}); eksportér fra dens første dag",
        ),
    ),
    (
        r"(?P<day>\S+) is not a day the books can hold: from (?P<first>\S+) to (?P<last>\S+)",
        QT_TRANSLATE_NOOP("Texts", "{day} ligger uden for bogføringens år: fra {first} til {last}"),
    ),
)


# Compiled when the desk first has a message to word (the sixty-odd patterns take several
# milliseconds, which the start of the desk would otherwise spend on them).
@cache
def _core_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(p, re.DOTALL), words) for p, words in CORE_ERRORS)


_AMOUNT_FIELDS = frozenset({"amount", "limit", "unit", "total", "owed", "left"})


def _again(text: str, locale: str) -> str:
    """An amount the core formatted (Danish) formatted again in the desk's locale."""
    try:
        return money(parse_amount(text, "DKK", allow_zero=True), "DKK", locale)
    except InvalidInput:  # not kroner (another currency): shown as the core wrote it
        return text


def one_period(text: str) -> str:
    """``90,00 kr..`` → ``90,00 kr.``: a sentence that ends in an amount ends once."""
    return re.sub(r"(?<!\.)\.\.(?!\.)", ".", text)


def core_detail(exc: BaseException | str, locale: str = "da_DK") -> str:
    """The core's error in the desk's words (``""`` when the desk does not know it).

    Each known message gets one sentence through ``translate``; the amounts in it are
    formatted in ``locale``. An unknown message is logged, not shown: it would be English.
    """
    message = (exc if isinstance(exc, str) else str(exc)).strip()
    if not message:
        return ""
    for pattern, words in _core_patterns():
        m = pattern.fullmatch(message)
        if m is None:
            continue
        fields = {
            k: _again(v, locale) if k in _AMOUNT_FIELDS else v
            for k, v in m.groupdict().items()
            if v is not None
        }
        text = QCoreApplication.translate("Texts", words).format(**fields)
        return one_period(text if text.endswith((".", "!", "?")) else text + ".")
    log.info("an error without desk wording: %s", message)
    return ""


# What the core records as a flag's reason (services/online.py), worded for staff. A reason
# may be several of these joined by "; ". Values (amounts in minor units, references) are kept.
FLAG_REASONS: tuple[tuple[str, str], ...] = (
    (
        r"not an online payment of this school",
        QT_TRANSLATE_NOOP("Texts", "Gælder ikke en onlinebetaling hos denne skole"),
    ),
    (r"no such online payment here", QT_TRANSLATE_NOOP("Texts", "Ukendt onlinebetaling")),
    (
        r"the confirmation names no school",
        QT_TRANSLATE_NOOP("Texts", "Svaret nævner ingen skole"),
    ),
    (r"the event names another school", QT_TRANSLATE_NOOP("Texts", "Svaret nævner en anden skole")),
    (
        r"not a payment of this school",
        QT_TRANSLATE_NOOP("Texts", "Gælder ikke en betaling hos denne skole"),
    ),
    (
        r"not a refund of this school",
        QT_TRANSLATE_NOOP("Texts", "Gælder ikke en refusion hos denne skole"),
    ),
    (
        r"the refund belongs to another payment",
        QT_TRANSLATE_NOOP("Texts", "Refusionen hører til en anden betaling"),
    ),
    (
        r"refund amount must be a positive whole number of minor units",
        QT_TRANSLATE_NOOP("Texts", "Refusionsbeløbet er ikke et positivt helt beløb"),
    ),
    (
        r"refund notice without a refund or payment reference",
        QT_TRANSLATE_NOOP("Texts", "Refusion uden reference"),
    ),
    (
        r"refund notice without a valid currency",
        QT_TRANSLATE_NOOP("Texts", "Refusion uden gyldig valuta"),
    ),
    (
        r"refund larger than what is left of the payment \((?P<a>.+) > (?P<b>.+)\)",
        QT_TRANSLATE_NOOP("Texts", "Refusionen er større end det, der er tilbage ({a} > {b})"),
    ),
    (
        r"refund amount (?P<a>-?\d+) ≠ (?P<b>-?\d+) asked for",
        QT_TRANSLATE_NOOP("Texts", "Refusionsbeløb {a} øre ≠ {b} øre bestilt"),
    ),
    (
        r"paid online while only (?P<a>.+) was owed; (?P<b>.+) kept as credit",
        QT_TRANSLATE_NOOP(
            "Texts", "Betalt online, mens der kun skyldtes {a}; {b} står som tilgodehavende"
        ),
    ),
    (r"attempt (?P<a>[^;]+) ≠ (?P<b>[^;]+)", QT_TRANSLATE_NOOP("Texts", "betaling {a} ≠ {b}")),
    (r"school (?P<a>[^;]+) ≠ (?P<b>[^;]+)", QT_TRANSLATE_NOOP("Texts", "skole {a} ≠ {b}")),
    (r"invoice (?P<a>[^;]+) ≠ (?P<b>[^;]+)", QT_TRANSLATE_NOOP("Texts", "faktura {a} ≠ {b}")),
    (r"student (?P<a>[^;]+) ≠ (?P<b>[^;]+)", QT_TRANSLATE_NOOP("Texts", "elev {a} ≠ {b}")),
    (
        r"amount (?P<a>\S+) ≠ (?P<b>\S+)",
        QT_TRANSLATE_NOOP("Texts", "beløb {a} øre ≠ {b} øre"),
    ),
    (r"currency (?P<a>[^;]+) ≠ (?P<b>[^;]+)", QT_TRANSLATE_NOOP("Texts", "valuta {a} ≠ {b}")),
    (
        r"live payment for a test-mode school",
        QT_TRANSLATE_NOOP("Texts", "rigtig betaling hos en skole i testtilstand"),
    ),
    (
        r"test payment for a live-mode school",
        QT_TRANSLATE_NOOP("Texts", "testbetaling hos en skole i drift"),
    ),
)


@cache
def _flag_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(p, re.DOTALL), words) for p, words in FLAG_REASONS)


def flag_reason(reason: str) -> str:
    """A flag's recorded reason in the desk's words: the whole reason if it is one known
    sentence, else each "; "-joined part; a part the desk does not know is shown as recorded
    (staff need its values more than its wording)."""

    def one(text: str) -> str | None:
        for pattern, words in _flag_patterns():
            m = pattern.fullmatch(text)
            if m is not None:
                return QCoreApplication.translate("Texts", words).format(**m.groupdict())
        return None

    whole = one(reason.strip())
    if whole is not None:
        return whole
    return "; ".join(one(part) or part for part in reason.split("; "))


def database_unreachable(exc: BaseException) -> str:
    return QCoreApplication.translate("Texts", "Databasen kan ikke nås: {0}").format(exc)


def error_message(exc: BaseException, locale: str = "da_DK") -> str:
    """One plain sentence about what happened and what to do, for errors of a desk action.

    What exactly was wrong follows in the desk's words (:func:`core_detail`).
    """
    detail = core_detail(exc, locale)
    if isinstance(exc, IdempotencyMismatch):
        head = QCoreApplication.translate(
            "Texts",
            "Denne betaling er måske allerede registreret med et andet beløb. Intet nyt er "
            "registreret – luk vinduet (Esc) og se elevens betalinger, før du prøver igen.",
        )
    elif isinstance(exc, Conflict):
        head = QCoreApplication.translate(
            "Texts",
            "En anden kasse har netop ændret denne elev. Intet er registreret – se det nye "
            "udestående og prøv igen.",
        )
    elif isinstance(exc, NoOpenShift):
        # Cash needs an open shift on the desk (issue 14): the desk offers to open one.
        return QCoreApplication.translate(
            "Texts",
            "Kassen har intet åbent skift, og kontanter kræver et. Intet er registreret – åbn "
            "skiftet med Ctrl+Shift+O (Kasse → Åbn skift) og prøv igen.",
        )
    elif isinstance(exc, NotAllowed):
        return QCoreApplication.translate(
            "Texts",
            "Din rolle tillader ikke dette, og ingen leder har godkendt det. Intet er registreret.",
        )
    elif isinstance(exc, BusinessRuleError):
        head = QCoreApplication.translate(
            "Texts", "Det kan ikke lade sig gøre. Intet er registreret."
        )
    elif isinstance(exc, NotFound):
        head = QCoreApplication.translate("Texts", "Findes ikke (længere). Intet er registreret.")
    elif isinstance(exc, InvalidInput):
        head = QCoreApplication.translate("Texts", "Ret indtastningen. Intet er registreret.")
    elif isinstance(exc, Unavailable):
        head = QCoreApplication.translate(
            "Texts",
            "Databasen kan ikke nås lige nu. Tryk Enter for at prøve igen – betalingen "
            "bliver aldrig registreret to gange.",
        )
    else:
        head = QCoreApplication.translate(
            "Texts", "Uventet fejl. Intet er registreret; prøv igen, eller kontakt support."
        )
    return f"{head}\n{detail}" if detail else head
