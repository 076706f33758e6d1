"""The books' export formats (issue 15): a generic CSV, e-conomic's journal import and SAF-T
Financial XML. Pure functions from postings to text; the same postings give the same bytes.

Every format writes each :class:`~jdoffice.domain.postings.Posting` with its debit and its
credit account, so debits equal credits in every file.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TextIO

from jdoffice.domain.money import minor_digits
from jdoffice.domain.postings import AccountMap, DocumentType, Posting, check_balanced, totals
from jdoffice.domain.text import csv_cell, printable

FORMATS = ("csv", "economic", "saft")


def decimal_text(minor: int, currency: str, *, comma: bool) -> str:
    """``85025`` → ``"850,25"`` (``comma``) or ``"850.25"``; no thousands separator."""
    digits = minor_digits(currency)
    sign = "-" if minor < 0 else ""
    whole, part = divmod(abs(minor), 10**digits)
    if not digits:
        return f"{sign}{whole}"
    return f"{sign}{whole}{',' if comma else '.'}{part:0{digits}d}"


def _text(value: str) -> str:
    # str.isprintable() is False for every control, format (bidi) and separator character
    # csv_cell would replace, so most texts take the quick way.
    if value.isprintable() and not value.startswith(("=", "+", "-", "@")):
        return value
    cell = csv_cell(value)
    return "" if cell is None else str(cell)


def _rows_to_csv(header: Sequence[str], rows: Iterable[Sequence[str]], sink: TextIO | None) -> str:
    """The rows as CSV, written to ``sink`` as they come (then ``""`` is returned) or
    returned as text."""
    if sink is None:
        buf = io.StringIO()
        _rows_to_csv(header, rows, buf)
        return buf.getvalue()
    w = csv.writer(sink, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(header)
    w.writerows(rows)
    return ""


# --- the generic CSV -----------------------------------------------------------------------------

#: The generic layout, one line per posting (UTF-8, ``;``, decimal comma, CRLF):
#: dato (YYYY-MM-DD, the school's local day), bilag (the document: receipt or credit-note
#: number, Z-report "Z3/kasse-1", or a provider's payout id "po_…"), bilagstype (receipt,
#: credit_note, z_report, shift, payout), art (payment, refund, rounding, pay_in, pay_out,
#: variance, fee, payout), tekst, debet and kredit (the
#: account numbers), beløb (positive, decimal comma), valuta, momskode, elevnr, fakturanr
#: (comma separated), medarbejder, kasse, kilde (the id of the row it derives from),
#: bilagsdato (the document's own date: ``dato`` but for a correction) and korrektion ("ja"
#: on a correction: a line that arrived after its own day was exported, carried by the next
#: export and dated on its first day).
CSV_COLUMNS = (
    "dato",
    "bilag",
    "bilagstype",
    "art",
    "tekst",
    "debet",
    "kredit",
    "beløb",
    "valuta",
    "momskode",
    "elevnr",
    "fakturanr",
    "medarbejder",
    "kasse",
    "kilde",
    "bilagsdato",
    "korrektion",
)


def to_csv(lines: Sequence[Posting], sink: TextIO | None = None) -> str:
    check_balanced(lines)
    rows = (
        [
            p.date.isoformat(),
            _text(p.document),
            p.document_type.value,
            p.kind.value,
            _text(p.text),
            p.debit,
            p.credit,
            decimal_text(p.amount_minor, p.currency, comma=True),
            p.currency,
            p.vat_code,
            _text(p.student_no),
            _text(", ".join(p.invoice_nos)),
            _text(p.staff),
            _text(p.desk),
            p.source_id,
            (p.correction_of or p.date).isoformat(),
            "ja" if p.correction_of is not None else "",
        ]
        for p in lines
    )
    return _rows_to_csv(CSV_COLUMNS, rows, sink)


# --- e-conomic -----------------------------------------------------------------------------------

#: e-conomic's journal (kassekladde) entry, one finance-voucher line per posting.
#:
#: Source: e-copedia, "Import Data" (wiki.e-conomic.co.uk/doku.php/import-of-data:start):
#: day-book entries are imported from a semicolon/comma-separated CSV file through "Load
#: file", whose template skips the heading rows ("Skip rows") and maps each column of the
#: file to a day-book field; and "Day books (making entries)"
#: (wiki.e-conomic.co.uk/bookkeeping/create-new-entries): a finance entry is Date, Voucher
#: no., Account no., Text, Amount, Contra account and VAT. The same fields and meaning are
#: those of a ``financeVoucher`` draft entry in e-conomic's Journals API
#: (apis.e-conomic.com/journalsapi): ``date``, ``voucherNumber`` (optional: when left out
#: e-conomic numbers the voucher itself), ``accountNumber``, ``text`` (up to 250
#: characters), ``amount`` (a positive amount debits the account and credits the contra
#: account), ``contraAccountNumber``, ``vatCode`` and ``currency``.
#:
#: So: Dato (DD-MM-YYYY), Bilag (the receipt or credit-note number; empty for a Z-report's
#: lines, which e-conomic numbers), Konto (debit), Tekst (at most 250 characters, the
#: document named first), Beløb (positive, decimal comma), Modkonto (credit), Momskode,
#: Valuta. Map them once in the load-file template and skip one row (the heading).
ECONOMIC_COLUMNS = ("Dato", "Bilag", "Konto", "Tekst", "Beløb", "Modkonto", "Momskode", "Valuta")
ECONOMIC_TEXT_MAX = 250


def economic_text(p: Posting) -> str:
    head = "" if p.voucher_no is not None else f"{p.document}: "
    return _text(f"{head}{p.text}")[:ECONOMIC_TEXT_MAX]


def to_economic(lines: Sequence[Posting], sink: TextIO | None = None) -> str:
    check_balanced(lines)
    rows = (
        [
            p.date.strftime("%d-%m-%Y"),
            "" if p.voucher_no is None else str(p.voucher_no),
            p.debit,
            economic_text(p),
            decimal_text(p.amount_minor, p.currency, comma=True),
            p.credit,
            p.vat_code,
            p.currency,
        ]
        for p in lines
    )
    return _rows_to_csv(ECONOMIC_COLUMNS, rows, sink)


# --- SAF-T Financial -----------------------------------------------------------------------------

#: The Danish SAF-T Financial (Erhvervsstyrelsen's "Danish_SAF-T_Financial_Schema", built on
#: the OECD SAF-T 2.0 / Norwegian 1.10 structure): its namespace, file version 1.0 (as Odoo's
#: l10n_dk_reports writes it; Erhvervsstyrelsen has since published a 2.1 schema at
#: git.erst.dk/standard-filformater, not checked here), and its account types Asset,
#: Liability, Sale, Expense, Other. No copy of the schema comes with a Python package, so
#: the file is checked for its structure in the tests, not validated against the XSD.
SAFT_NS = "urn:StandardAuditFile-Taxation-Financial:DK"
SAFT_VERSION = "1.0"


@dataclass(frozen=True, slots=True)
class Company:
    cvr: str
    name: str
    address: str
    currency: str


@functools.lru_cache(maxsize=4096)
def _clean(text: str) -> str:
    """One line of printable text (XML 1.0 cannot carry most control characters)."""
    return printable(text)


#: The Danish SAF-T's account types (Asset, Liability, Sale, Expense, Other): the liquid,
#: clearing and debtor accounts are assets, the differences and fees results.
SAFT_RESULT_ACCOUNTS = frozenset({"rounding", "cash_differences", "fees"})


def saft_account_type(accounts: AccountMap, number: str) -> str:
    name = accounts.name_of(number)
    if name is None:
        return "Other"
    return "Expense" if name in SAFT_RESULT_ACCOUNTS else "Asset"


def transaction_ids(lines: Sequence[Posting]) -> list[tuple[str, list[Posting]]]:
    """The postings grouped into vouchers: one per row they derive from (a receipt, a credit
    note, a pay-in or pay-out, a variance), and one per provider payout (its fees and its
    transfer). A receipt's voucher is ``K`` and its number; the vouchers of one Z-report are
    its label with ``#1``, ``#2``, … in order; a payout's is its id."""
    seen: dict[str, int] = {}
    out: list[tuple[str, list[Posting]]] = []
    for (_, doc_type, doc, _), group in itertools.groupby(
        lines,
        key=lambda p: (
            p.date,
            p.document_type,
            p.document,
            "" if p.document_type is DocumentType.PAYOUT else p.source_id,
        ),
    ):
        if doc_type in (DocumentType.RECEIPT, DocumentType.CREDIT_NOTE):
            tid = f"K{doc}"
        elif doc_type is DocumentType.PAYOUT:
            tid = doc
        else:
            seen[doc] = seen.get(doc, 0) + 1
            tid = f"{doc}#{seen[doc]}"
        out.append((tid, list(group)))
    return out


def to_saft(
    lines: Sequence[Posting],
    company: Company,
    accounts: AccountMap,
    start: dt.date,
    end: dt.date,
    *,
    software_version: str,
    sink: TextIO | None = None,
) -> bytes:
    """The postings as one SAF-T Financial audit file: Header (company, selection),
    MasterFiles (the general-ledger accounts used, with the period's movement as the
    closing balance, opening 0: the till knows no opening balances) and
    GeneralLedgerEntries (one journal "KASSE", one transaction per document, two lines per
    posting). ``AuditFileDateCreated`` is the selection's end, so a closed period's file is
    the same every time it is made. With ``sink`` the file is written there as it is made
    (and ``b""`` returned)."""
    total = check_balanced(lines)
    cur = company.currency
    out = _XmlWriter(sink)
    out.open("AuditFile", f' xmlns="{SAFT_NS}"')
    out.open("Header")
    out.leaf("AuditFileVersion", SAFT_VERSION)
    out.leaf("AuditFileCountry", "DK")
    out.leaf("AuditFileDateCreated", end.isoformat())
    out.leaf("SoftwareCompanyName", "jdoffice")
    out.leaf("SoftwareID", "jdoffice")
    out.leaf("SoftwareVersion", software_version)
    out.open("Company")
    out.leaf("RegistrationNumber", company.cvr)
    out.leaf("Name", company.name)
    address_lines = [a.strip() for a in company.address.splitlines() if a.strip()]
    out.open("Address")
    out.leaf("StreetName", address_lines[0] if address_lines else "")
    if len(address_lines) > 1:
        out.leaf("City", ", ".join(address_lines[1:]))
    out.leaf("Country", "DK")
    out.close("Address")
    out.close("Company")
    out.leaf("DefaultCurrencyCode", cur)
    out.open("SelectionCriteria")
    out.leaf("SelectionStartDate", start.isoformat())
    out.leaf("SelectionEndDate", end.isoformat())
    out.close("SelectionCriteria")
    out.leaf("TaxAccountingBasis", "A")
    out.close("Header")

    out.open("MasterFiles")
    out.open("GeneralLedgerAccounts")
    for number, t in totals(lines).items():
        out.open("Account")
        out.leaf("AccountID", number)
        out.leaf("AccountDescription", accounts.label(number))
        out.leaf("AccountType", saft_account_type(accounts, number))
        out.leaf("OpeningDebitBalance", decimal_text(0, cur, comma=False))
        closing = "ClosingDebitBalance" if t.net_minor >= 0 else "ClosingCreditBalance"
        out.leaf(closing, decimal_text(abs(t.net_minor), cur, comma=False))
        out.close("Account")
    out.close("GeneralLedgerAccounts")
    out.close("MasterFiles")

    out.open("GeneralLedgerEntries")
    docs = transaction_ids(lines)
    out.leaf("NumberOfEntries", str(len(docs)))
    out.leaf("TotalDebit", decimal_text(total, cur, comma=False))
    out.leaf("TotalCredit", decimal_text(total, cur, comma=False))
    out.open("Journal")
    out.leaf("JournalID", "KASSE")
    out.leaf("Description", "Kasse og betalinger (jdoffice)")
    out.leaf("Type", "GL")
    record = 0
    for tid, group in docs:
        first = group[0]
        day = first.date.isoformat()
        out.open("Transaction")
        out.leaf("TransactionID", tid)
        out.leaf("Period", str(first.date.month))
        out.leaf("PeriodYear", str(first.date.year))
        # A correction keeps its document's date; it is posted (GLPostingDate) in this period.
        out.leaf("TransactionDate", (first.correction_of or first.date).isoformat())
        if first.staff:
            out.leaf("SourceID", first.staff)
        out.leaf("TransactionType", "normal")
        out.leaf("Description", first.text)
        out.leaf("SystemEntryDate", day)
        out.leaf("GLPostingDate", day)
        for p in group:
            amount = decimal_text(p.amount_minor, cur, comma=False)
            for side, account in (("DebitAmount", p.debit), ("CreditAmount", p.credit)):
                record += 1
                out.open("Line")
                out.leaf("RecordID", str(record))
                out.leaf("AccountID", account)
                if p.invoice_nos:
                    out.leaf("SourceDocumentID", ", ".join(p.invoice_nos))
                out.leaf("Description", p.text)
                out.open(side)
                out.leaf("Amount", amount)
                out.close(side)
                out.close("Line")
        out.close("Transaction")
    out.close("Journal")
    out.close("GeneralLedgerEntries")
    out.close("AuditFile")
    return out.getvalue()


class _XmlWriter:
    """Indented XML written as it goes (two spaces a level, as ``ElementTree.indent``), so
    a year of postings never becomes a tree in memory."""

    def __init__(self, sink: TextIO | None) -> None:
        self._sink = sink
        self._buf: TextIO = sink if sink is not None else io.StringIO()
        self._buf.write("<?xml version='1.0' encoding='utf-8'?>\n")
        self._depth = 0

    def open(self, tag: str, attrs: str = "") -> None:
        self._buf.write(f"{'  ' * self._depth}<{tag}{attrs}>\n")
        self._depth += 1

    def close(self, tag: str) -> None:
        self._depth -= 1
        self._buf.write(f"{'  ' * self._depth}</{tag}>\n")

    def leaf(self, tag: str, text: str) -> None:
        pad = "  " * self._depth
        if not text:
            self._buf.write(f"{pad}<{tag} />\n")
            return
        clean = text if text.isprintable() else _clean(text)
        escaped = clean.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        self._buf.write(f"{pad}<{tag}>{escaped}</{tag}>\n")

    def getvalue(self) -> bytes:
        if self._sink is not None:
            return b""
        assert isinstance(self._buf, io.StringIO)
        return self._buf.getvalue().encode("utf-8")
