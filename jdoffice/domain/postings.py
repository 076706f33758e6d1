"""The books: every money event as balanced double-entry postings (issue 15).

Postings are DERIVED from the rows that already exist — payments, refunds, a shift's pay-ins
and pay-outs, a closed shift's variance — and never stored: the same rows give the same
postings, so a closed period's export is repeatable byte for byte.

Each :class:`Posting` is one line with a debit account, a credit account and a positive
amount in minor units (e-conomic's "konto / modkonto" shape), so debits equal credits line
by line. The lines of one event, written "debit / credit amount":

* payment of ``A`` by method ``M`` (account of the method), cash rounding ``R``
  (cash total ``A + R``): ``M`` / debtors ``A``; then ``M`` / rounding ``R`` when
  ``R > 0``, or rounding / ``M`` ``-R`` when ``R < 0``. ``M`` gains the cash total, the
  debtors account the exact amount, the rounding account the difference.
* refund of ``A`` with rounding ``R`` (paid out ``A + R``): debtors / ``M`` ``A``; rounding
  / ``M`` ``R`` when ``R > 0``, ``M`` / rounding ``-R`` when ``R < 0``.
* pay-in: cash / cash transfers; pay-out: cash transfers / cash (the reason is the text;
  the bookkeeper moves it on from the transfers account).
* variance of a closed shift ``V`` (counted − expected): cash / cash differences ``V``
  when ``V > 0``, cash differences / cash ``-V`` when short.
* a provider's payout (:class:`PayoutBooking`, from the stored payout and its matched items):
  each fee ``F`` the provider took, fees / the provider's clearing account ``F`` (a fee given
  back the other way); the transfer ``T`` that reached the bank, bank / clearing ``T``; and an
  earlier payout posted as paid that then failed, whose money came back to the provider in
  this payout, clearing / bank ``T'``. All dated by the payout's arrival day, the payout's id
  their document. The payment itself was
  posted gross to the clearing account when it was recorded, so after the payout the
  clearing account holds nothing of it: gross − fee − net = 0.

The opening float is no posting: it is cash already in the drawer.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from jdoffice.domain.errors import BusinessRuleError, InvalidInput


class Kind(enum.StrEnum):
    PAYMENT = "payment"
    REFUND = "refund"
    ROUNDING = "rounding"
    PAY_IN = "pay_in"
    PAY_OUT = "pay_out"
    VARIANCE = "variance"
    FEE = "fee"  # a provider's fee, settled in a payout
    PAYOUT = "payout"  # a provider's payout to the bank


class DocumentType(enum.StrEnum):
    RECEIPT = "receipt"  # kvittering
    CREDIT_NOTE = "credit_note"  # kreditnota (a refund's receipt)
    Z_REPORT = "z_report"  # Z-rapport of a closed shift
    SHIFT = "shift"  # a pay-in/out of a shift not yet closed (no Z number yet)
    PAYOUT = "payout"  # a provider's payout (its id is the document)


#: The accounts a school maps once, with Danish labels and defaults in the ranges of
#: e-conomic's standard chart of accounts (58xx liquid funds, 56xx receivables, 36xx
#: other operating items). The bookkeeper checks them against the school's own chart.
ACCOUNTS: Mapping[str, tuple[str, str]] = {
    "cash": ("5810", "Kasse"),
    "bank": ("5820", "Bank"),
    "card_terminal": ("5830", "Betalingskort (terminal), mellemregning"),
    "mobilepay": ("5840", "MobilePay (skranke), mellemregning"),
    "stripe": ("5850", "Stripe, mellemregning"),
    "mobilepay_online": ("5860", "MobilePay online, mellemregning"),
    "cash_transfers": ("5870", "Kasse, overførsler (indskud/udtag)"),
    "debtors": ("5600", "Debitorer (elever)"),
    "rounding": ("3650", "Øredifferencer (kasseafrunding)"),
    "cash_differences": ("3660", "Kassedifferencer"),
    "fees": ("3670", "Gebyrer, betalingsudbydere"),
}

#: Which account a counter method's money lands on (online payments: see :meth:`AccountMap.for_method`).
METHOD_ACCOUNTS: Mapping[str, str] = {
    "cash": "cash",
    "bank": "bank",
    "card": "card_terminal",
    "mobilepay": "mobilepay",
    "stripe": "stripe",
}
#: Online gateways whose name is also a counter method's: paid online, they clear elsewhere.
ONLINE_ACCOUNTS: Mapping[str, str] = {"mobilepay": "mobilepay_online", "stripe": "stripe"}

_ACCOUNT_NO = re.compile(r"[0-9A-Za-z][0-9A-Za-z.\-]{0,19}")
_VAT_CODE = re.compile(r"[0-9A-Za-zÆØÅæøå\-]{0,10}")


@dataclass(frozen=True, slots=True)
class AccountMap:
    """The school's account numbers by name (every name of :data:`ACCOUNTS`), and the VAT
    code the payment and refund lines carry ("" = none: a payment settles a debtor; the VAT
    of a driving lesson belongs on the invoice, which the web system books)."""

    numbers: Mapping[str, str]
    vat_code: str = ""

    @classmethod
    def defaults(cls) -> AccountMap:
        return cls({name: number for name, (number, _) in ACCOUNTS.items()})

    def number(self, name: str) -> str:
        return self.numbers.get(name) or ACCOUNTS[name][0]

    def for_method(self, method: str, *, online: bool) -> str:
        """The account of a payment's method; ``online`` when a provider took it.

        Raises:
            BusinessRuleError: a method jdoffice has no account for.
        """
        name = ONLINE_ACCOUNTS.get(method) if online else METHOD_ACCOUNTS.get(method)
        if name is None:
            raise BusinessRuleError(
                f"no account is mapped for the payment method {method!r}; "
                "the books cannot be exported until it is"
            )
        return self.number(name)

    def name_of(self, number: str) -> str | None:
        """The first mapped name with ``number`` (several may share one)."""
        for name in ACCOUNTS:
            if self.number(name) == number:
                return name
        return None

    def label(self, number: str) -> str:
        """The Danish name of the mapped account with ``number`` (for SAF-T's master file)."""
        for name, (_, text) in ACCOUNTS.items():
            if self.number(name) == number:
                return text
        return number


def check_accounts(changes: Mapping[str, str], current: AccountMap) -> AccountMap:
    """``current`` with ``changes`` (``NAME=NUMBER``; ``vat_code=CODE``) applied.

    Raises:
        InvalidInput: an unknown name or a malformed number or code.
    """
    numbers = dict(current.numbers)
    vat = current.vat_code
    for name, value in changes.items():
        text = value.strip()
        if name == "vat_code":
            if not _VAT_CODE.fullmatch(text):
                raise InvalidInput(f"a VAT code is up to 10 letters or digits, not {value!r}")
            vat = text
            continue
        if name not in ACCOUNTS:
            known = ", ".join([*ACCOUNTS, "vat_code"])
            raise InvalidInput(f"no account is called {name!r}; the accounts are: {known}")
        if not _ACCOUNT_NO.fullmatch(text):
            raise InvalidInput(
                f"{name}: an account number is up to 20 letters, digits, '.' or '-', not {value!r}"
            )
        numbers[name] = text
    return AccountMap(numbers, vat)


# --- the rows postings are derived from ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MoneyEvent:
    """A succeeded payment (``refund=False``) or refund, as the books need it."""

    id: str
    refund: bool
    at: dt.datetime
    method: str
    online: bool
    amount_minor: int
    rounding_minor: int
    currency: str
    receipt_no: int | None
    student_no: str = ""
    invoice_nos: tuple[str, ...] = ()
    staff: str = ""
    desk: str = ""
    #: How the text names the method (the desk's Danish label); the name when empty.
    method_label: str = ""


@dataclass(frozen=True, slots=True)
class CashMovement:
    """A pay-in or pay-out of a shift; ``z_label`` is its shift's Z-report ("Z3") when closed."""

    id: str
    pay_in: bool
    at: dt.datetime
    amount_minor: int
    currency: str
    reason: str
    z_label: str
    staff: str = ""
    desk: str = ""


@dataclass(frozen=True, slots=True)
class ShiftClose:
    """A closed shift's variance (counted − expected)."""

    shift_id: str
    at: dt.datetime
    z_label: str
    variance_minor: int
    currency: str
    staff: str = ""
    desk: str = ""


@dataclass(frozen=True, slots=True)
class PayoutFee:
    """A fee a payout settles: ``cost_minor`` > 0 is a cost, < 0 a fee given back."""

    item_ref: str
    cost_minor: int
    text: str


@dataclass(frozen=True, slots=True)
class PayoutBooking:
    """A provider's payout as the books need it: its fees, and the transfer when the money
    reached the bank (``transferred``). ``method`` is the recorded method of the gateway's
    payments (its clearing account)."""

    ref: str
    method: str
    label: str
    arrival: dt.date
    at: dt.datetime
    amount_minor: int
    currency: str
    transferred: bool
    fees: tuple[PayoutFee, ...] = ()
    #: Earlier payouts posted as paid whose money came back in this one (they failed at the
    #: bank): ``cost_minor`` is the amount back, the text names the failed payout.
    returned: tuple[PayoutFee, ...] = ()


@dataclass(frozen=True, slots=True)
class Posting:
    """One double-entry line: ``amount_minor`` (> 0) from ``credit`` to ``debit``."""

    date: dt.date
    at: dt.datetime
    document: str
    document_type: DocumentType
    kind: Kind
    text: str
    debit: str
    credit: str
    amount_minor: int
    currency: str
    vat_code: str = ""
    student_no: str = ""
    invoice_nos: tuple[str, ...] = ()
    staff: str = ""
    desk: str = ""
    source_id: str = ""
    #: For the receipt's number as an integer (e-conomic's voucher number), when it has one.
    voucher_no: int | None = field(default=None)
    #: A correction (see :func:`as_correction`): the document's own date, while ``date`` is
    #: the first day of the export that carries it.
    correction_of: dt.date | None = field(default=None)

    @property
    def key(self) -> str:
        """What names this line among every line of the school (``payment:<uuid>``): the
        row it derives from and its kind, which the same rows always give again."""
        return f"{self.kind.value}:{self.source_id}"


def as_correction(p: Posting, day: dt.date) -> Posting:
    """``p``, which arrived after its own day was exported (a payment taken offline and
    pushed later), as a correction posted on ``day`` in the next export: dated ``day`` (the
    exported period is never rewritten), its own date kept in ``correction_of`` and in the
    text ("Korrektion, bilagsdato 28-11-2026: …")."""
    return replace(
        p,
        date=day,
        correction_of=p.date,
        text=f"Korrektion, bilagsdato {p.date:%d-%m-%Y}: {p.text}",
    )


def as_reversal(p: Posting, day: dt.date) -> Posting:
    """``p``, delivered before, taken back on ``day`` (its row was undone or changed after
    its day was exported): debit and credit swapped, dated ``day``, its own date in
    ``correction_of`` and in the text ("Korrektion, bilagsdato 10-11-2026: tilbageført: …")."""
    return replace(
        p,
        date=day,
        debit=p.credit,
        credit=p.debit,
        correction_of=p.date,
        text=f"Korrektion, bilagsdato {p.date:%d-%m-%Y}: tilbageført: {p.text}",
    )


def _local(when: dt.datetime, tz: dt.tzinfo) -> dt.date:
    return when.astimezone(tz).date()


def event_postings(e: MoneyEvent, accounts: AccountMap, tz: dt.tzinfo) -> list[Posting]:
    """The lines of one payment or refund (see the module's docstring)."""
    method_acc = accounts.for_method(e.method, online=e.online)
    debtors = accounts.number("debtors")
    rounding = accounts.number("rounding")
    who = f" elev {e.student_no}" if e.student_no else ""
    invoices = f" faktura {', '.join(e.invoice_nos)}" if e.invoice_nos else ""
    word = "Refusion" if e.refund else "Indbetaling"

    def line(kind: Kind, text: str, debit: str, credit: str, amount: int, vat: str) -> Posting:
        return Posting(
            date=_local(e.at, tz),
            at=e.at,
            document=str(e.receipt_no) if e.receipt_no is not None else e.id,
            document_type=DocumentType.CREDIT_NOTE if e.refund else DocumentType.RECEIPT,
            kind=kind,
            text=text,
            debit=debit,
            credit=credit,
            amount_minor=amount,
            currency=e.currency,
            vat_code=vat,
            student_no=e.student_no,
            invoice_nos=e.invoice_nos,
            staff=e.staff,
            desk=e.desk,
            source_id=e.id,
            voucher_no=e.receipt_no,
        )

    out: list[Posting] = []
    if e.amount_minor:
        debit, credit = (debtors, method_acc) if e.refund else (method_acc, debtors)
        kind = Kind.REFUND if e.refund else Kind.PAYMENT
        text = f"{word} {e.method_label or e.method}{who}{invoices}"
        out.append(line(kind, text, debit, credit, abs(e.amount_minor), accounts.vat_code))
    r = e.rounding_minor
    if r:
        # Money into the method's account beyond the amount (payment, r > 0) or paid out
        # beyond it (refund, r > 0) is the rounding account's.
        into_method = (r > 0) != e.refund
        debit, credit = (method_acc, rounding) if into_method else (rounding, method_acc)
        text = f"Øreafrunding {word.lower()}{who}"
        out.append(line(Kind.ROUNDING, text, debit, credit, abs(r), ""))
    return out


def movement_postings(m: CashMovement, accounts: AccountMap, tz: dt.tzinfo) -> list[Posting]:
    """A pay-in (cash from transfers) or pay-out (cash to transfers)."""
    if not m.amount_minor:
        return []
    cash, transfers = accounts.number("cash"), accounts.number("cash_transfers")
    debit, credit = (cash, transfers) if m.pay_in else (transfers, cash)
    word = "Indskud i kassen" if m.pay_in else "Udtag af kassen"
    return [
        Posting(
            date=_local(m.at, tz),
            at=m.at,
            document=m.z_label or f"skift {m.desk}",
            document_type=DocumentType.Z_REPORT if m.z_label else DocumentType.SHIFT,
            kind=Kind.PAY_IN if m.pay_in else Kind.PAY_OUT,
            text=f"{word}: {m.reason}",
            debit=debit,
            credit=credit,
            amount_minor=m.amount_minor,
            currency=m.currency,
            staff=m.staff,
            desk=m.desk,
            source_id=m.id,
        )
    ]


def variance_postings(s: ShiftClose, accounts: AccountMap, tz: dt.tzinfo) -> list[Posting]:
    """A closed shift's variance: an excess into cash, a shortfall out of it."""
    v = s.variance_minor
    if not v:
        return []
    cash, diff = accounts.number("cash"), accounts.number("cash_differences")
    debit, credit = (cash, diff) if v > 0 else (diff, cash)
    return [
        Posting(
            date=_local(s.at, tz),
            at=s.at,
            document=s.z_label,
            document_type=DocumentType.Z_REPORT,
            kind=Kind.VARIANCE,
            text=f"Kassedifference {s.z_label} {s.desk}".rstrip(),
            debit=debit,
            credit=credit,
            amount_minor=abs(v),
            currency=s.currency,
            staff=s.staff,
            desk=s.desk,
            source_id=s.shift_id,
        )
    ]


def payout_postings(b: PayoutBooking, accounts: AccountMap) -> list[Posting]:
    """A payout's fees (fees / clearing) and its transfer (bank / clearing), see the
    module's docstring."""
    clearing = accounts.for_method(b.method, online=True)
    fees, bank = accounts.number("fees"), accounts.number("bank")

    def line(kind: Kind, text: str, debit: str, credit: str, amount: int, source: str) -> Posting:
        return Posting(
            date=b.arrival,
            at=b.at,
            document=b.ref,
            document_type=DocumentType.PAYOUT,
            kind=kind,
            text=text,
            debit=debit,
            credit=credit,
            amount_minor=amount,
            currency=b.currency,
            source_id=source,
        )

    out: list[Posting] = []
    for f in b.fees:
        if f.cost_minor:
            debit, credit = (fees, clearing) if f.cost_minor > 0 else (clearing, fees)
            out.append(line(Kind.FEE, f.text, debit, credit, abs(f.cost_minor), f.item_ref))
    for r in b.returned:
        if r.cost_minor:
            debit, credit = (clearing, bank) if r.cost_minor > 0 else (bank, clearing)
            out.append(line(Kind.PAYOUT, r.text, debit, credit, abs(r.cost_minor), r.item_ref))
    if b.transferred and b.amount_minor:
        debit, credit = (bank, clearing) if b.amount_minor > 0 else (clearing, bank)
        text = f"Udbetaling {b.label} {b.ref} til bank"
        out.append(line(Kind.PAYOUT, text, debit, credit, abs(b.amount_minor), b.ref))
    return out


def postings(
    events: Iterable[MoneyEvent],
    movements: Iterable[CashMovement],
    closes: Iterable[ShiftClose],
    accounts: AccountMap,
    tz: dt.tzinfo,
    payouts: Iterable[PayoutBooking] = (),
) -> list[Posting]:
    """Every line of the given rows, in a fixed order (time, then document, kind, source),
    so the same rows always give the same list."""
    out: list[Posting] = []
    for e in events:
        out.extend(event_postings(e, accounts, tz))
    for m in movements:
        out.extend(movement_postings(m, accounts, tz))
    for s in closes:
        out.extend(variance_postings(s, accounts, tz))
    for b in payouts:
        out.extend(payout_postings(b, accounts))
    # A line whose two sides the school mapped to one account moves nothing.
    out = [p for p in out if p.debit != p.credit]
    kinds = list(Kind)
    out.sort(key=lambda p: (p.at, p.document, kinds.index(p.kind), p.source_id))
    return out


@dataclass(frozen=True, slots=True)
class AccountTotal:
    account: str
    debit_minor: int
    credit_minor: int

    @property
    def net_minor(self) -> int:
        """Debit minus credit."""
        return self.debit_minor - self.credit_minor


def totals(lines: Iterable[Posting]) -> dict[str, AccountTotal]:
    """Σ debit and Σ credit per account."""
    sums: dict[str, list[int]] = {}
    for p in lines:
        sums.setdefault(p.debit, [0, 0])[0] += p.amount_minor
        sums.setdefault(p.credit, [0, 0])[1] += p.amount_minor
    return {a: AccountTotal(a, d, c) for a, (d, c) in sorted(sums.items())}


def check_balanced(lines: Iterable[Posting]) -> int:
    """Σ of the lines' amounts (debits = credits = this).

    Raises:
        ValueError: a line with no positive amount or the same account on both sides.
    """
    total = 0
    for p in lines:
        if p.amount_minor <= 0 or p.debit == p.credit:
            raise ValueError(f"unbalanced posting {p}")
        total += p.amount_minor
    return total
