"""The books' export formats (issue 15): the generic CSV, e-conomic's journal import checked
column by column against its documented fields, and SAF-T Financial's structure."""

from __future__ import annotations

import csv
import datetime as dt
import io
import xml.etree.ElementTree as ET
from decimal import Decimal
from zoneinfo import ZoneInfo

from jdoffice.domain import books_export as bx
from jdoffice.domain.postings import AccountMap, CashMovement, MoneyEvent, ShiftClose, postings

CPH = ZoneInfo("Europe/Copenhagen")
ACC = AccountMap.defaults()
T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
NS = {"s": bx.SAFT_NS}


def sample() -> list:  # type: ignore[type-arg]
    events = [
        MoneyEvent("p1", False, T0, "cash", False, 85025, 25, "DKK", 41, "S7", ("F9",), "RC", "k1"),
        MoneyEvent(
            "p2", False, T0 + dt.timedelta(minutes=5), "stripe", True, 50000, 0, "DKK", 42, "S8"
        ),
        MoneyEvent(
            "r1", True, T0 + dt.timedelta(minutes=9), "cash", False, 10020, -20, "DKK", 43, "S7"
        ),
    ]
    moves = [
        CashMovement("m1", False, T0 + dt.timedelta(hours=1), 2500, "DKK", "=Kaffe", "Z2/k1"),
        CashMovement("m2", True, T0 + dt.timedelta(hours=2), 10000, "DKK", "Byttepenge", "Z2/k1"),
    ]
    closes = [ShiftClose("s1", T0 + dt.timedelta(hours=8), "Z2/k1", -350, "DKK", "MG", "k1")]
    return postings(events, moves, closes, ACC, CPH)


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def amount(text: str) -> int:
    return int(Decimal(text.replace(",", ".")) * 100)


def test_decimal_text_uses_the_currency_digits_and_no_thousands_separator() -> None:
    assert bx.decimal_text(123456789, "DKK", comma=True) == "1234567,89"
    assert bx.decimal_text(5, "DKK", comma=False) == "0.05"
    assert bx.decimal_text(-150, "DKK", comma=True) == "-1,50"


def test_csv_has_the_documented_columns_one_line_per_posting_and_balances() -> None:
    lines = sample()
    text = bx.to_csv(lines)
    assert "\r\n" in text
    table = rows(text)
    assert tuple(table[0]) == bx.CSV_COLUMNS
    body = table[1:]
    assert len(body) == len(lines)
    col = {name: i for i, name in enumerate(bx.CSV_COLUMNS)}
    first = body[0]
    assert first[col["dato"]] == "2026-12-01"
    assert first[col["bilag"]] == "41"
    assert first[col["beløb"]] == "850,25"
    assert (first[col["elevnr"]], first[col["fakturanr"]]) == ("S7", "F9")
    debit = sum(amount(r[col["beløb"]]) for r in body)
    assert debit == sum(p.amount_minor for p in lines)
    assert any(r[col["tekst"]] == "Udtag af kassen: =Kaffe" for r in body)


def test_economic_columns_match_the_documented_finance_entry_fields() -> None:
    lines = sample()
    table = rows(bx.to_economic(lines))
    # Date, Voucher no., Account no., Text, Amount, Contra account, VAT (+ currency).
    assert table[0] == [
        "Dato",
        "Bilag",
        "Konto",
        "Tekst",
        "Beløb",
        "Modkonto",
        "Momskode",
        "Valuta",
    ]
    body = table[1:]
    assert len(body) == len(lines)
    for row, p in zip(body, lines, strict=True):
        dato, bilag, konto, tekst, beloeb, modkonto, moms, valuta = row
        assert dato == f"{p.date.day:02d}-{p.date.month:02d}-{p.date.year}"
        assert bilag == ("" if p.voucher_no is None else str(p.voucher_no))
        assert bilag == "" or bilag.isdigit()
        assert (konto, modkonto) == (p.debit, p.credit)
        assert 0 < len(tekst) <= bx.ECONOMIC_TEXT_MAX
        assert amount(beloeb) == p.amount_minor > 0
        assert "." not in beloeb
        assert (moms, valuta) == (p.vat_code, "DKK")
    # A Z-report's lines have no receipt number: the text names the document.
    z_rows = [r for r in body if r[1] == ""]
    assert z_rows
    assert all(r[3].startswith("Z2/k1") for r in z_rows)


def test_economic_text_is_cut_to_250_characters() -> None:
    long = MoneyEvent("p", False, T0, "cash", False, 100, 0, "DKK", 1, "S" * 300)
    (row,) = rows(bx.to_economic(postings([long], [], [], ACC, CPH)))[1:]
    assert len(row[3]) == 250


def saft(lines: list) -> ET.Element:  # type: ignore[type-arg]
    company = bx.Company(
        "12345678", "Østerbro Køreskole", "Østerbrogade 1\n2100 København Ø", "DKK"
    )
    data = bx.to_saft(
        lines, company, ACC, dt.date(2026, 12, 1), dt.date(2026, 12, 31), software_version="1"
    )
    assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return ET.fromstring(data)


def test_saft_is_well_formed_and_has_the_standard_sections_in_order() -> None:
    root = saft(sample())
    assert root.tag == f"{{{bx.SAFT_NS}}}AuditFile"
    assert [c.tag.split("}")[1] for c in root] == ["Header", "MasterFiles", "GeneralLedgerEntries"]
    header = root.find("s:Header", NS)
    assert header is not None
    assert [c.tag.split("}")[1] for c in header] == [
        "AuditFileVersion",
        "AuditFileCountry",
        "AuditFileDateCreated",
        "SoftwareCompanyName",
        "SoftwareID",
        "SoftwareVersion",
        "Company",
        "DefaultCurrencyCode",
        "SelectionCriteria",
        "TaxAccountingBasis",
    ]
    assert header.findtext("s:Company/s:RegistrationNumber", namespaces=NS) == "12345678"
    assert header.findtext("s:SelectionCriteria/s:SelectionEndDate", namespaces=NS) == "2026-12-31"


def test_saft_debits_equal_credits_and_totals_match_the_lines() -> None:
    lines = sample()
    root = saft(lines)
    gle = root.find("s:GeneralLedgerEntries", NS)
    assert gle is not None
    debits = [Decimal(a.text or "") for a in gle.iterfind(".//s:DebitAmount/s:Amount", NS)]
    credits = [Decimal(a.text or "") for a in gle.iterfind(".//s:CreditAmount/s:Amount", NS)]
    assert sum(debits) == sum(credits) == Decimal(gle.findtext("s:TotalDebit", namespaces=NS) or "")
    assert gle.findtext("s:TotalCredit", namespaces=NS) == gle.findtext(
        "s:TotalDebit", namespaces=NS
    )
    transactions = gle.findall("s:Journal/s:Transaction", NS)
    assert int(gle.findtext("s:NumberOfEntries", namespaces=NS) or 0) == len(transactions)
    ids = [t.findtext("s:TransactionID", namespaces=NS) for t in transactions]
    assert len(ids) == len(set(ids))
    assert {"K41", "K42", "K43", "Z2/k1#1", "Z2/k1#2", "Z2/k1#3"} == set(ids)
    for t in transactions:
        d = sum(Decimal(a.text or "") for a in t.iterfind("s:Line/s:DebitAmount/s:Amount", NS))
        c = sum(Decimal(a.text or "") for a in t.iterfind("s:Line/s:CreditAmount/s:Amount", NS))
        assert d == c > 0


def test_saft_master_file_lists_each_used_account_with_the_period_movement() -> None:
    root = saft(sample())
    accounts = root.findall("s:MasterFiles/s:GeneralLedgerAccounts/s:Account", NS)
    ids = [a.findtext("s:AccountID", namespaces=NS) for a in accounts]
    assert ACC.number("cash") in ids
    assert ACC.number("stripe") in ids
    cash = accounts[ids.index(ACC.number("cash"))]
    # 850,50 in, 100,00 refunded, 25,00 out, 100,00 in, 3,50 short.
    assert cash.findtext("s:ClosingDebitBalance", namespaces=NS) == "822.00"
    types = {
        a.findtext("s:AccountID", namespaces=NS): a.findtext("s:AccountType", namespaces=NS)
        for a in accounts
    }
    assert types[ACC.number("cash")] == "Asset"
    assert types[ACC.number("debtors")] == "Asset"
    assert types[ACC.number("cash_differences")] == "Expense"
    assert set(types.values()) <= {"Asset", "Liability", "Sale", "Expense", "Other"}


def test_the_same_postings_export_to_the_same_bytes() -> None:
    company = bx.Company("12345678", "S", "A", "DKK")
    day = dt.date(2026, 12, 1)
    one = bx.to_saft(sample(), company, ACC, day, day, software_version="1")
    assert one == bx.to_saft(sample(), company, ACC, day, day, software_version="1")
    assert bx.to_csv(sample()) == bx.to_csv(sample())


def test_an_empty_period_exports_headers_and_an_empty_balanced_journal() -> None:
    assert rows(bx.to_csv([])) == [list(bx.CSV_COLUMNS)]
    assert rows(bx.to_economic([])) == [list(bx.ECONOMIC_COLUMNS)]
    root = saft([])
    gle = root.find("s:GeneralLedgerEntries", NS)
    assert gle is not None
    assert gle.findtext("s:NumberOfEntries", namespaces=NS) == "0"
    assert gle.findtext("s:TotalDebit", namespaces=NS) == "0.00"
    assert gle.findtext("s:TotalCredit", namespaces=NS) == "0.00"
