"""The Z-report's lines (issue 14): every figure, a shortfall with its sign, KOPI on a
reprint, within the printer's width."""

from __future__ import annotations

import datetime as dt

import pytest

from jdoffice.domain.errors import InvalidInput
from jdoffice.domain.shifts import MethodTotal, ZReport
from jdoffice.domain.z_text import signed_money, z_lines

OPENED = dt.datetime(2026, 12, 3, 7, 0, tzinfo=dt.UTC)


def _report(**changes: object) -> ZReport:
    fields: dict[str, object] = {
        "school_id": 1,
        "shift_id": "s-1",
        "desk": "kasse-1",
        "z_no": 3,
        "currency": "DKK",
        "opened_at": OPENED,
        "closed_at": OPENED + dt.timedelta(hours=9),
        "opened_by": "Rasmus Berg (RB)",
        "closed_by": "Mette Hansen (MH)",
        "float_minor": 100_000,
        "cash_payments_minor": 45_050,
        "cash_refunds_minor": 10_000,
        "pay_ins_minor": 0,
        "pay_outs_minor": 4_500,
        "cash_in_minor": 45_050,
        "cash_out_minor": 14_500,
        "rounding_minor": 25,
        "expected_minor": 130_550,
        "counted_minor": 129_550,
        "variance_minor": -1_000,
        "methods": (
            MethodTotal("bank", 1, 20_000, 0, 0),
            MethodTotal("cash", 2, 45_025, 1, 10_000),
        ),
        "receipt_from": 12,
        "receipt_to": 15,
        "payments": 3,
        "refunds": 1,
        "movements": (("pay_out", 4_500, "Kaffe"),),
        "note": "10 kr. mangler",
    }
    fields.update(changes)
    return ZReport(**fields)  # type: ignore[arg-type]


def _plain(lines: list[str]) -> str:
    return "\n".join(lines).replace("\u00a0", " ")


def test_every_figure_and_both_people_are_on_it() -> None:
    text = _plain(z_lines(_report(), school_name="Køreskolen"))
    for shown in (
        "Z-RAPPORT Z3", "kasse-1", "08:00", "17:00", "Rasmus Berg (RB)", "Mette Hansen (MH)",
        "1.000,00 kr.", "450,50 kr.", "-100,00 kr.", "-45,00 kr.", "+0,25 kr.",
        "1.305,50 kr.", "1.295,50 kr.", "-10,00 kr.", "bank", "200,00 kr.", "12–15", "Kaffe",
        "10 kr. mangler",
    ):  # fmt: skip
        assert shown in text, shown
    assert "KOPI" not in text


@pytest.mark.parametrize(("language", "mark"), [("da", "*** KOPI ***"), ("en", "*** COPY ***")])
def test_a_reprint_is_marked_at_the_top_and_the_bottom(language: str, mark: str) -> None:
    lines = z_lines(_report(), school_name="Køreskolen", copy=True, language=language)
    assert lines[0].strip() == mark
    assert lines[-1].strip() == mark


@pytest.mark.parametrize("width", [32, 42, 48])
def test_figures_fit_the_printer(width: int) -> None:
    for line in z_lines(_report(), school_name="Køreskolen", width=width):
        assert len(line) <= width, line


def test_signs_and_languages() -> None:
    assert signed_money(-1_000, "DKK").replace("\u00a0", " ") == "-10,00 kr."
    assert signed_money(200, "DKK").replace("\u00a0", " ") == "+2,00 kr."
    assert signed_money(0, "DKK").replace("\u00a0", " ") == "0,00 kr."
    with pytest.raises(InvalidInput):
        z_lines(_report(), school_name="x", language="de")


def test_long_names_and_notes_wrap_within_the_width() -> None:
    long = _report(closed_by="Anne-Marie Christiansen-Østergaard (AMCØ)", note="x " * 60)
    for line in z_lines(long, school_name="Østergaards Køreskole og Kursuscenter ApS", width=32):
        assert len(line) <= 32, line


@pytest.mark.parametrize(
    ("language", "label"), [("da", "Ikke sendt ved lukning:"), ("en", "Not sent at close:")]
)
def test_payments_still_waiting_at_the_close_are_on_the_z_report(language: str, label: str) -> None:
    report = _report(unsent_payments=2, unsent_minor=35_025)
    lines = z_lines(report, school_name="Østerbro Køreskole", language=language)
    at = next(i for i, line in enumerate(lines) if line.startswith(label))
    assert lines[at].endswith("2 betalinger" if language == "da" else "2 payments")
    assert lines[at + 1].replace("\xa0", " ").strip() == "350,25 kr."
    assert all(len(line) <= 42 for line in lines)
    assert ZReport.from_json(report.to_json()) == report


def test_a_z_report_without_payments_waiting_says_nothing_about_them() -> None:
    lines = z_lines(_report(), school_name="Østerbro Køreskole")
    assert not any("Ikke sendt" in line for line in lines)
    assert _report().to_json()["unsent_payments"] == 0
