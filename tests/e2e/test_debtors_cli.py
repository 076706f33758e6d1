"""`jdoffice report debtors` as a real process on every backend (issue 15): the demo school's
debtors as text, JSON, CSV and an A4 PDF that agree to the øre; a payment taken moves the
student off the list; a bad option changes nothing and says why."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BACKENDS
from tests.e2e.conftest import assert_ok, assert_refused, run_cli


def _minor(text: str) -> int:
    whole, _, part = text.partition(",")
    return int(whole) * 100 + int(part or 0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_debtor_list_as_text_json_csv_and_pdf_agree_and_follow_a_payment(
    backend: str, fresh_database_factory: Callable[[str], Any], tmp_path: Path
) -> None:
    url = fresh_database_factory(backend).url_text
    assert_ok(run_cli(url, "demo", "--students", "30", "--seed", "5"))
    csv_path, pdf_path = tmp_path / "debitorer.csv", tmp_path / "debitorer.pdf"

    data = assert_ok(
        run_cli(url, "report", "debtors", "--json", "--csv", str(csv_path), "--pdf", str(pdf_path))
    ).data
    debtors = data["debtors"]
    assert debtors, "the demo school has students who owe"
    assert data["total_minor"] == sum(d["total_minor"] for d in debtors)
    assert data["total_minor"] == sum(data["totals"].values())
    assert [d["total_minor"] for d in debtors] == sorted(
        (d["total_minor"] for d in debtors), reverse=True
    )
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text("utf-8")), delimiter=";"))
    assert len(rows) == sum(len(d["invoices"]) for d in debtors)
    assert sum(_minor(r["udestaaende"]) for r in rows) == data["total_minor"]
    assert pdf_path.read_bytes().startswith(b"%PDF")

    text = assert_ok(run_cli(url, "report", "debtors")).stdout
    top = debtors[0]
    assert any(top["student_no"] in line for line in text.splitlines())

    # The top debtor pays everything by bank transfer (no shift needed): off the list.
    assert_ok(
        run_cli(
            url, "pay", "--student", top["student_no"], "--method", "bank",
            "--amount", f"{top['total_minor'] // 100},{top['total_minor'] % 100:02d}",
        )
    )  # fmt: skip
    after = assert_ok(run_cli(url, "report", "debtors", "--json")).data
    assert top["student_no"] not in [d["student_no"] for d in after["debtors"]]
    assert after["total_minor"] == data["total_minor"] - top["total_minor"]

    assert_refused(run_cli(url, "report", "debtors", "--as-of", "i morgen"), 2, "not a date")
    assert_refused(
        run_cli(url, "report", "debtors", "--csv", str(tmp_path / "nope" / "x.csv")),
        2,
        "no such folder",
    )
    assert not (tmp_path / "nope").exists()
