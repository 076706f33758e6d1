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
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

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


def _rows_to_csv(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


# --- the generic CSV -----------------------------------------------------------------------------

#: The generic layout, one line per posting (UTF-8, ``;``, decimal comma, CRLF):
#: dato (YYYY-MM-DD, the school's local day), bilag (the document: receipt or credit-note
#: number, or Z-report "Z3/kasse-1"), bilagstype (receipt, credit_note, z_report, shift),
#: art (payment, refund, rounding, pay_in, pay_out, variance), tekst, debet and kredit (the
#: account numbers), beløb (positive, decimal comma), valuta, momskode, elevnr, fakturanr
#: (comma separated), medarbejder, kasse, kilde (the id of the row it derives from).
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
)


def to_csv(lines: Sequence[Posting]) -> str:
    check_balanced(lines)
    rows = [
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
        ]
        for p in lines
    ]
    return _rows_to_csv(CSV_COLUMNS, rows)


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


def to_economic(lines: Sequence[Posting]) -> str:
    check_balanced(lines)
    rows = [
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
    ]
    return _rows_to_csv(ECONOMIC_COLUMNS, rows)


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


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    el = ET.SubElement(parent, tag)
    if text is not None:
        el.text = text if text.isprintable() else _clean(text)
    return el


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
    note, a pay-in or pay-out, a variance). A receipt's voucher is ``K`` and its number; the
    vouchers of one Z-report are its label with ``#1``, ``#2``, … in order."""
    seen: dict[str, int] = {}
    out: list[tuple[str, list[Posting]]] = []
    for (_, doc_type, doc, _), group in itertools.groupby(
        lines, key=lambda p: (p.date, p.document_type, p.document, p.source_id)
    ):
        if doc_type in (DocumentType.RECEIPT, DocumentType.CREDIT_NOTE):
            tid = f"K{doc}"
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
) -> bytes:
    """The postings as one SAF-T Financial audit file: Header (company, selection),
    MasterFiles (the general-ledger accounts used, with the period's movement as the
    closing balance, opening 0: the till knows no opening balances) and
    GeneralLedgerEntries (one journal "KASSE", one transaction per document, two lines per
    posting). ``AuditFileDateCreated`` is the selection's end, so a closed period's file is
    the same every time it is made."""
    total = check_balanced(lines)
    cur = company.currency
    ET.register_namespace("", SAFT_NS)
    root = ET.Element(f"{{{SAFT_NS}}}AuditFile")
    q = root.tag[: root.tag.index("}") + 1]

    def sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
        return _sub(parent, q + tag, text)

    def amount(parent: ET.Element, tag: str, minor: int) -> None:
        sub(sub(parent, tag), "Amount", decimal_text(minor, cur, comma=False))

    header = sub(root, "Header")
    sub(header, "AuditFileVersion", SAFT_VERSION)
    sub(header, "AuditFileCountry", "DK")
    sub(header, "AuditFileDateCreated", end.isoformat())
    sub(header, "SoftwareCompanyName", "jdoffice")
    sub(header, "SoftwareID", "jdoffice")
    sub(header, "SoftwareVersion", software_version)
    comp = sub(header, "Company")
    sub(comp, "RegistrationNumber", company.cvr)
    sub(comp, "Name", company.name)
    address_lines = [a.strip() for a in company.address.splitlines() if a.strip()]
    addr = sub(comp, "Address")
    sub(addr, "StreetName", address_lines[0] if address_lines else "")
    if len(address_lines) > 1:
        sub(addr, "City", ", ".join(address_lines[1:]))
    sub(addr, "Country", "DK")
    sub(header, "DefaultCurrencyCode", cur)
    crit = sub(header, "SelectionCriteria")
    sub(crit, "SelectionStartDate", start.isoformat())
    sub(crit, "SelectionEndDate", end.isoformat())
    sub(header, "TaxAccountingBasis", "A")

    master = sub(root, "MasterFiles")
    ledger = sub(master, "GeneralLedgerAccounts")
    for number, t in totals(lines).items():
        acc = sub(ledger, "Account")
        sub(acc, "AccountID", number)
        sub(acc, "AccountDescription", accounts.label(number))
        sub(acc, "AccountType", saft_account_type(accounts, number))
        amount_tag = "ClosingDebitBalance" if t.net_minor >= 0 else "ClosingCreditBalance"
        sub(acc, "OpeningDebitBalance", "0.00" if minor_digits(cur) else "0")
        sub(acc, amount_tag, decimal_text(abs(t.net_minor), cur, comma=False))

    entries = sub(root, "GeneralLedgerEntries")
    docs = transaction_ids(lines)
    sub(entries, "NumberOfEntries", str(len(docs)))
    sub(entries, "TotalDebit", decimal_text(total, cur, comma=False))
    sub(entries, "TotalCredit", decimal_text(total, cur, comma=False))
    journal = sub(entries, "Journal")
    sub(journal, "JournalID", "KASSE")
    sub(journal, "Description", "Kasse og betalinger (jdoffice)")
    sub(journal, "Type", "GL")
    record = 0
    for tid, group in docs:
        first = group[0]
        day = first.date
        tr = sub(journal, "Transaction")
        sub(tr, "TransactionID", tid)
        sub(tr, "Period", str(day.month))
        sub(tr, "PeriodYear", str(day.year))
        sub(tr, "TransactionDate", day.isoformat())
        if first.staff:
            sub(tr, "SourceID", first.staff)
        sub(tr, "TransactionType", "normal")
        sub(tr, "Description", first.text)
        sub(tr, "SystemEntryDate", day.isoformat())
        sub(tr, "GLPostingDate", day.isoformat())
        for p in group:
            for side, account in (("DebitAmount", p.debit), ("CreditAmount", p.credit)):
                record += 1
                line = sub(tr, "Line")
                sub(line, "RecordID", str(record))
                sub(line, "AccountID", account)
                if p.invoice_nos:
                    sub(line, "SourceDocumentID", ", ".join(p.invoice_nos))
                sub(line, "Description", p.text)
                amount(line, side, p.amount_minor)
    ET.indent(root)
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body + b"\n"
