"""The rules of exported periods (issue 15): which earlier export a period repeats, which
periods are refused as overlapping, where late lines are corrections, and the desk's default
period."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from jdoffice.domain.errors import BusinessRuleError
from jdoffice.domain.exported import (
    Delivered,
    ExportRecord,
    Standing,
    check_no_overlap,
    exported_before,
    last_month,
    same_period,
    standings,
    unchanged,
)
from jdoffice.domain.model import UTC
from jdoffice.domain.postings import DocumentType, Kind, Posting, as_correction

D = dt.date


def record(n: int, start: dt.date, end: dt.date, repeat_of: int | None = None) -> ExportRecord:
    return ExportRecord(
        id=n,
        school_id=1,
        start=start,
        end=end,
        fmt="csv",
        at=dt.datetime(2026, 12, 2, 9, 0, tzinfo=UTC),
        staff="MH",
        desk="kasse-1",
        postings=1,
        corrections=0,
        total_minor=100,
        digest="ab",
        repeat_of=repeat_of,
    )


NOV = record(1, D(2026, 11, 1), D(2026, 11, 30))
NOV_AGAIN = record(2, D(2026, 11, 1), D(2026, 11, 30), repeat_of=1)
OCT = record(3, D(2026, 10, 1), D(2026, 10, 31))


def test_the_same_period_finds_its_first_export_not_a_repeat() -> None:
    assert same_period([NOV, NOV_AGAIN], D(2026, 11, 1), D(2026, 11, 30)) == NOV
    assert same_period([NOV], D(2026, 11, 1), D(2026, 11, 29)) is None


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (D(2026, 11, 30), D(2026, 12, 31)),
        (D(2026, 10, 15), D(2026, 11, 1)),
        (D(2026, 11, 5), D(2026, 11, 6)),
        (D(2026, 10, 1), D(2026, 12, 31)),
    ],
)
def test_a_period_overlapping_an_export_is_refused_with_what_to_ask_instead(
    start: dt.date, end: dt.date
) -> None:
    with pytest.raises(BusinessRuleError, match=r"export 1\).*from 2026-12-01"):
        check_no_overlap([NOV], start, end)


def test_the_same_period_and_periods_beside_it_are_not_overlaps() -> None:
    for start, end in [
        (D(2026, 11, 1), D(2026, 11, 30)),
        (D(2026, 12, 1), D(2026, 12, 31)),
        (D(2026, 9, 1), D(2026, 9, 30)),
    ]:
        check_no_overlap([NOV, NOV_AGAIN, OCT], start, end)


def test_late_lines_are_looked_for_in_exported_periods_before_the_start_within_the_lookback() -> (
    None
):
    assert exported_before([NOV, NOV_AGAIN, OCT], D(2026, 12, 1)) == [
        (D(2026, 10, 1), D(2026, 10, 31)),
        (D(2026, 11, 1), D(2026, 11, 30)),
    ]
    # A period after the start is not corrected backwards; one beyond the lookback is clipped.
    assert exported_before([NOV], D(2026, 10, 1)) == []
    assert exported_before([NOV], D(2026, 12, 1), dt.timedelta(days=10)) == [
        (D(2026, 11, 21), D(2026, 11, 30))
    ]


def test_the_desks_default_period_is_last_month_across_a_new_year() -> None:
    assert last_month(D(2027, 1, 15)) == (D(2026, 12, 1), D(2026, 12, 31))
    assert last_month(D(2026, 3, 1)) == (D(2026, 2, 1), D(2026, 2, 28))


def test_a_correction_is_dated_on_the_new_period_and_keeps_its_documents_date() -> None:
    late = Posting(
        date=D(2026, 11, 28),
        at=dt.datetime(2026, 11, 28, 15, 0, tzinfo=UTC),
        document="17",
        document_type=DocumentType.RECEIPT,
        kind=Kind.PAYMENT,
        text="Indbetaling Bankoverførsel",
        debit="5820",
        credit="5600",
        amount_minor=30_000,
        currency="DKK",
        source_id="p-1",
    )
    fix = as_correction(late, D(2026, 12, 1))
    assert (fix.date, fix.correction_of, fix.key) == (D(2026, 12, 1), D(2026, 11, 28), late.key)
    assert fix.text == "Korrektion, bilagsdato 28-11-2026: Indbetaling Bankoverførsel"
    assert (fix.debit, fix.credit, fix.amount_minor) == ("5820", "5600", 30_000)


LINE = Posting(
    date=D(2026, 11, 10),
    at=dt.datetime(2026, 11, 10, 16, 0, tzinfo=UTC),
    document="Z1/kasse-1",
    document_type=DocumentType.Z_REPORT,
    kind=Kind.VARIANCE,
    text="Kassedifference Z1/kasse-1 kasse-1",
    debit="3660",
    credit="5810",
    amount_minor=1_000,
    currency="DKK",
    source_id="s-1",
)


def test_a_reversal_swaps_debit_and_credit_on_the_new_period_and_names_the_line_taken_back() -> (
    None
):
    back = Delivered(LINE.key, LINE.date, LINE, reversal=True, corrected_on=D(2026, 12, 1))
    line = back.written()
    assert (line.date, line.correction_of) == (D(2026, 12, 1), D(2026, 11, 10))
    assert (line.debit, line.credit, line.amount_minor) == ("5810", "3660", 1_000)
    assert line.text == "Korrektion, bilagsdato 10-11-2026: tilbageført: " + LINE.text


def test_a_lines_standing_is_its_last_version_unless_that_was_taken_back() -> None:
    first = Delivered(LINE.key, LINE.date, LINE)
    back = dataclasses.replace(first, reversal=True, corrected_on=D(2026, 12, 1))
    second = Delivered(LINE.key, LINE.date, dataclasses.replace(LINE, amount_minor=500), version=2)
    assert standings([first])[LINE.key] == Standing(1, first)
    assert standings([first, back])[LINE.key] == Standing(1, None)
    assert standings([second, back, first])[LINE.key] == Standing(2, second)


@pytest.mark.parametrize(
    ("change", "same"),
    [
        ({"amount_minor": 500}, False),
        ({"date": D(2026, 11, 11)}, False),
        ({"debit": "5810", "credit": "3660"}, False),
        ({"document": "Z2/kasse-1", "staff": "MH", "text": "other"}, True),
        ({"debit": "3661"}, True),  # an account renumbered since: not re-posted
    ],
)
def test_a_delivered_line_has_changed_when_its_day_amount_or_direction_did(
    change: dict[str, object], same: bool
) -> None:
    now = dataclasses.replace(LINE, **change)  # type: ignore[arg-type]
    assert unchanged(Delivered(LINE.key, LINE.date, LINE), now) is same
    # A line recorded by key only (before revision 0013) cannot be compared: unchanged.
    assert unchanged(Delivered(LINE.key, LINE.date), now)
