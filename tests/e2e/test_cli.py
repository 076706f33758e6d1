"""The command line as a real process, on every backend: the JSON contract of issue 2, exit
codes, one-line errors, bad input refused with nothing changed, idempotency keys, receipts,
the day report and the demo school."""

from __future__ import annotations

import csv
import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pytest
from sqlalchemy import Engine, func, select, text

from jdoffice import cli
from jdoffice.adapters import db
from jdoffice.adapters.orm import PaymentRow, RefundRow
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.model import Actor, Invoice, Student
from jdoffice.services import queries
from jdoffice.services.payments import PaymentResult, refund_payment, register_payment
from tests.e2e.conftest import (
    DEMO_SEED,
    DEMO_STUDENTS,
    CliResult,
    DemoDatabase,
    assert_balance_recomputes,
    assert_ok,
    assert_refused,
    money_snapshot,
    plain,
    run_cli,
    run_cli_many,
    seed_demo_database,
)

if TYPE_CHECKING:
    # Imported for its annotation only: pytest would try to collect a ``Test*`` class.
    from tests.conftest import TestDatabase

T = TypeVar("T")

SETUP = Actor(staff="e2e", desk="setup")
INVOICE_STATUSES = {"open", "partially_paid", "paid", "overdue", "cancelled"}
METHODS = {"cash", "bank", "mobilepay", "card"}


def side_by_side(*jobs: Callable[[], T]) -> list[T]:
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(lambda job: job(), jobs))


def assert_keys(obj: Any, types: dict[str, type | tuple[type, ...]], where: str) -> None:
    """``obj`` is a JSON object holding at least these keys with values of these types."""
    assert isinstance(obj, dict), f"{where}: {obj!r}"
    missing = set(types) - set(obj)
    assert not missing, f"{where}: missing {sorted(missing)} in {obj!r}"
    for key, kind in types.items():
        value = obj[key]
        # JSON booleans are Python ints; an amount must never be one.
        assert isinstance(value, kind), f"{where}.{key} = {value!r} is not {kind}"
        assert not isinstance(value, bool), f"{where}.{key} = {value!r} is a boolean"


def pay(
    demo: DemoDatabase,
    invoice: Invoice,
    amount_minor: int,
    method: str = "cash",
    **kwargs: Any,
) -> PaymentResult:
    return register_payment(
        SqlAlchemyUnitOfWork(demo.engine),
        demo.school,
        method=method,
        amount_minor=amount_minor,
        invoice_no=invoice.invoice_no,
        actor=SETUP,
        **kwargs,
    )


def student_with(
    demo: DemoDatabase, *amounts_minor: int, first_name: str = "Bjørk", last_name: str = "Ærø"
) -> tuple[Student, list[Invoice]]:
    st = demo.kit.student(first_name, last_name, phone="+45 21 34 56 78")
    return st, [demo.kit.invoice(st, a) for a in amounts_minor]


def count_where(engine: Engine, sql: str, **params: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(sql), params).scalar() or 0)


# --- JSON shapes -----------------------------------------------------------------------------


def test_search_json_lists_students_with_the_stable_keys(demo_db: DemoDatabase) -> None:
    st, _ = student_with(demo_db, 85025, first_name="Søren", last_name="Ågård")

    result = assert_ok(run_cli(demo_db.url, "search", "soren aagaard", "--json"))

    assert isinstance(result.data, list)
    assert result.data, "an accent-free search finds Søren Ågård"
    for hit in result.data:
        assert_keys(
            hit,
            {
                "student_no": str,
                "name": str,
                "phone": str,
                "email": str,
                "balance_minor": int,
                "currency": str,
            },
            "search[]",
        )
    mine = next(h for h in result.data if h["student_no"] == st.student_no)
    assert mine["name"] == "Søren Ågård"
    assert (mine["balance_minor"], mine["currency"]) == (85025, "DKK")


def test_db_reindex_makes_a_student_written_by_the_web_system_findable(
    demo_db: DemoDatabase,
) -> None:
    no = f"W{uuid.uuid4().hex[:8]}"
    with demo_db.engine.begin() as conn:  # the web system's own INSERT: no search terms
        conn.execute(
            text(
                "INSERT INTO students (school_id, student_no, first_name, last_name, phone,"
                " email, created_at, updated_at) VALUES (:school, :no, 'Ølstykke', 'Webbesen',"
                " '', '', :now, :now)"
            ),
            {
                "school": demo_db.school.id,
                "no": no,
                "now": dt.datetime.now(dt.UTC).replace(tzinfo=None),
            },
        )
    before = assert_ok(run_cli(demo_db.url, "search", "webbesen", "--json"))
    assert before.data == []

    done = assert_ok(run_cli(demo_db.url, "db", "reindex", "--json"))
    again = assert_ok(run_cli(demo_db.url, "db", "reindex", "--json"))

    assert isinstance(done.data, dict)
    assert done.data["reindexed"] >= 1
    assert again.data == {"school": demo_db.school.slug, "reindexed": 0}
    after = assert_ok(run_cli(demo_db.url, "search", "olstykke webbesen", "--json"))
    assert [h["student_no"] for h in after.data] == [no]


def test_student_json_has_invoices_payments_and_balance_with_the_stable_keys(
    demo_db: DemoDatabase,
) -> None:
    st, (first, second) = student_with(demo_db, 60000, 45050)
    paid = pay(demo_db, first, 60000)
    refund_payment(
        SqlAlchemyUnitOfWork(demo_db.engine),
        demo_db.school,
        payment_id=paid.payment_id,
        amount_minor=10000,
        reason="lektion aflyst",
        actor=SETUP,
    )

    result = assert_ok(run_cli(demo_db.url, "student", st.student_no, "--json"))

    data = result.data
    assert_keys(
        data,
        {
            "student_no": str,
            "name": str,
            "phone": str,
            "email": str,
            "balance_minor": int,
            "currency": str,
            "invoices": list,
            "payments": list,
        },
        "student",
    )
    assert data["student_no"] == st.student_no
    assert data["balance_minor"] == 45050 + 10000
    assert data["balance_minor"] == assert_balance_recomputes(demo_db.engine, st.id)
    assert len(data["invoices"]) == 2
    for inv in data["invoices"]:
        assert_keys(
            inv,
            {
                "invoice_no": str,
                "text": str,
                "due_date": str,
                "amount_minor": int,
                "paid_minor": int,
                "outstanding_minor": int,
                "status": str,
            },
            "student.invoices[]",
        )
        dt.date.fromisoformat(inv["due_date"])
        assert inv["status"] in INVOICE_STATUSES
        assert inv["outstanding_minor"] == inv["amount_minor"] - inv["paid_minor"]
    by_no = {i["invoice_no"]: i for i in data["invoices"]}
    assert (by_no[first.invoice_no]["paid_minor"], by_no[first.invoice_no]["status"]) == (
        50000,
        "partially_paid",
    )
    assert (by_no[second.invoice_no]["outstanding_minor"], by_no[second.invoice_no]["status"]) == (
        45050,
        "open",
    )
    [payment] = data["payments"]
    assert_keys(
        payment,
        {
            "payment_id": str,
            "method": str,
            "amount_minor": int,
            "refunded_minor": int,
            "status": str,
            "receipt_no": int,
            "created_at": str,
        },
        "student.payments[]",
    )
    assert payment["payment_id"] == paid.payment_id
    assert (payment["method"], payment["amount_minor"], payment["refunded_minor"]) == (
        "cash",
        60000,
        10000,
    )
    assert payment["receipt_no"] == paid.receipt_no
    assert dt.datetime.fromisoformat(payment["created_at"]).utcoffset() is not None


def test_pay_json_reports_receipt_allocation_change_and_rounding(demo_db: DemoDatabase) -> None:
    st, (inv,) = student_with(demo_db, 85025)

    result = assert_ok(
        run_cli(
            demo_db.url,
            "pay",
            "--invoice",
            inv.invoice_no,
            "--method",
            "cash",
            "--amount",
            "850,25",
            "--tendered",
            "1000",
            "--json",
        )
    )

    data = result.data
    assert_keys(
        data,
        {
            "payment_id": str,
            "receipt_no": int,
            "amount_minor": int,
            "currency": str,
            "allocations": list,
            "credit_minor": int,
            "tendered_minor": int,
            "change_minor": int,
            "rounding_minor": int,
            "balance_minor": int,
        },
        "pay",
    )
    uuid.UUID(data["payment_id"])
    for alloc in data["allocations"]:
        assert_keys(alloc, {"invoice_no": str, "amount_minor": int}, "pay.allocations[]")
    # DESIGN §2: 850,25 owed, 1.000 handed over -> cash total 850,50, change 149,50, +0,25.
    assert data["amount_minor"] == 85025
    assert data["currency"] == "DKK"
    assert data["allocations"] == [{"invoice_no": inv.invoice_no, "amount_minor": 85025}]
    assert (data["credit_minor"], data["tendered_minor"]) == (0, 100000)
    assert (data["change_minor"], data["rounding_minor"]) == (14950, 25)
    assert data["balance_minor"] == 0 == assert_balance_recomputes(demo_db.engine, st.id)


def test_pay_by_card_terminal_is_exact_and_its_receipt_names_the_terminal_and_reference(
    demo_db: DemoDatabase,
) -> None:
    st, (inv,) = student_with(demo_db, 45025)

    result = assert_ok(
        run_cli(
            demo_db.url,
            "pay",
            "--method",
            "card",
            "--amount",
            "450,25",
            "--reference",
            "004711",
            "--invoice",
            inv.invoice_no,
            "--json",
        )
    )

    data = result.data
    assert data["method"] == "card"
    assert (data["amount_minor"], data["rounding_minor"]) == (45025, 0)
    assert (data["tendered_minor"], data["change_minor"], data["cash_total_minor"]) == (
        None,
        None,
        None,
    )
    assert data["balance_minor"] == 0 == assert_balance_recomputes(demo_db.engine, st.id)
    receipt = plain(assert_ok(run_cli(demo_db.url, "receipt", str(data["receipt_no"]))).stdout)
    assert "Betalingskort (terminal)" in receipt
    assert "004711" in receipt
    assert "450,25 kr." in receipt
    for word in ("Afrunding", "Modtaget", "Byttepenge"):
        assert word not in receipt


def test_pay_by_card_terminal_prints_the_amount_without_cash_lines(demo_db: DemoDatabase) -> None:
    _, (inv,) = student_with(demo_db, 45000)

    out = plain(
        assert_ok(
            run_cli(
                demo_db.url,
                "pay",
                "--method",
                "card",
                "--amount",
                "450",
                "--reference",
                "004711",
                "--invoice",
                inv.invoice_no,
            )
        ).stdout
    )

    assert "450,00 kr. (card)" in out
    assert "Cash total" not in out
    assert "CHANGE" not in out


@pytest.mark.parametrize("extra", [(), ("--reference", "  ")])
def test_pay_by_card_terminal_without_its_receipt_number_is_refused_and_nothing_stored(
    demo_db: DemoDatabase, extra: tuple[str, ...]
) -> None:
    _, (inv,) = student_with(demo_db, 45000)
    before = money_snapshot(demo_db.engine)

    result = run_cli(
        demo_db.url,
        "pay",
        "--method",
        "card",
        "--amount",
        "450",
        "--invoice",
        inv.invoice_no,
        *extra,
    )

    assert_refused(result, 2, "card", "terminal's receipt number", "reference")
    assert money_snapshot(demo_db.engine) == before


def test_refund_json_has_the_stable_keys_and_reopens_the_invoice(demo_db: DemoDatabase) -> None:
    st, (inv,) = student_with(demo_db, 40000)
    paid = pay(demo_db, inv, 40000, method="bank")

    result = assert_ok(
        run_cli(
            demo_db.url,
            "refund",
            paid.payment_id,
            "--amount",
            "125,50",
            "--reason",
            "Fortrudt køretime",
            "--json",
        )
    )

    data = result.data
    assert_keys(
        data,
        {
            "refund_id": str,
            "payment_id": str,
            "amount_minor": int,
            "status": str,
            "receipt_no": int,
        },
        "refund",
    )
    uuid.UUID(data["refund_id"])
    assert data["payment_id"] == paid.payment_id
    assert (data["amount_minor"], data["status"]) == (12550, "succeeded")
    assert paid.receipt_no is not None
    assert data["receipt_no"] == paid.receipt_no + 1
    assert assert_balance_recomputes(demo_db.engine, st.id) == 12550


def test_report_day_json_has_the_stable_keys_and_csv_has_a_row_per_payment_and_refund(
    demo_db: DemoDatabase, tmp_path: Path
) -> None:
    _, (a, b) = student_with(demo_db, 85025, 30000)
    cash = pay(demo_db, a, 85025, tendered_minor=100000)
    bank = pay(demo_db, b, 30000, method="bank")
    refund = refund_payment(
        SqlAlchemyUnitOfWork(demo_db.engine),
        demo_db.school,
        payment_id=bank.payment_id,
        amount_minor=5000,
        reason="rabat",
        actor=SETUP,
    )
    with demo_db.engine.connect() as conn:
        created = conn.execute(
            select(PaymentRow.created_at).where(PaymentRow.id == cash.payment_id)
        ).scalar_one()
    day = demo_db.school.local_date(created)
    start, end = demo_db.school.day_bounds(day)
    sheet = tmp_path / "dag.csv"

    result = assert_ok(
        run_cli(
            demo_db.url, "report", "day", "--date", day.isoformat(), "--json", "--csv", str(sheet)
        )
    )

    data = result.data
    assert_keys(
        data,
        {
            "date": str,
            "currency": str,
            "totals": dict,
            "rounding_minor": int,
            "refunds_minor": int,
            "receipts": int,
        },
        "report",
    )
    assert data["date"] == day.isoformat()
    assert data["currency"] == "DKK"
    for method, total in data["totals"].items():
        assert method in METHODS
        assert isinstance(total, int)
        assert not isinstance(total, bool)
    assert data["totals"]["cash"] >= 85025
    assert data["totals"]["bank"] >= 30000
    assert data["refunds_minor"] >= 5000

    with sheet.open(newline="", encoding="utf-8") as fh:
        header, *rows = list(csv.reader(fh))
    assert header[:5] == ["time", "kind", "id", "method", "amount_minor"]
    with demo_db.engine.connect() as conn:
        payments = conn.execute(
            select(func.count())
            .select_from(PaymentRow)
            .where(PaymentRow.created_at >= start, PaymentRow.created_at < end)
        ).scalar_one()
        refunds = conn.execute(
            select(func.count())
            .select_from(RefundRow)
            .where(RefundRow.created_at >= start, RefundRow.created_at < end)
        ).scalar_one()
    assert len(rows) == payments + refunds
    ids = {row[2]: row for row in rows}
    assert ids[cash.payment_id][1:5] == ["payment", cash.payment_id, "cash", "85025"]
    assert ids[refund.refund_id][1:5] == ["refund", refund.refund_id, "bank", "-5000"]
    per_method: dict[str, int] = {}
    for row in rows:
        if row[1] == "payment":
            per_method[row[3]] = per_method.get(row[3], 0) + int(row[4])
    assert per_method == data["totals"]
    assert -sum(int(r[4]) for r in rows if r[1] == "refund") == data["refunds_minor"]


# --- text output -------------------------------------------------------------------------------


def test_text_output_shows_danish_amounts(demo_db: DemoDatabase) -> None:
    st, (inv,) = student_with(demo_db, 85025)

    shown, paid = side_by_side(
        lambda: run_cli(demo_db.url, "student", st.student_no),
        lambda: run_cli(
            demo_db.url,
            "pay",
            "--invoice",
            inv.invoice_no,
            "--method",
            "cash",
            "--amount",
            "850,25",
            "--tendered",
            "1.000",
        ),
    )

    assert "850,25 kr." in plain(assert_ok(shown).stdout)
    out = plain(assert_ok(paid).stdout)
    assert "Amount: 850,25 kr. (cash)" in out
    assert "Cash total: 850,50 kr." in out
    assert "Tendered: 1.000,00 kr." in out
    assert "CHANGE: 149,50 kr." in out


def test_receipt_reprint_says_kopi_and_the_original_does_not(demo_db: DemoDatabase) -> None:
    _, (inv,) = student_with(demo_db, 85025)
    paid = pay(demo_db, inv, 85025, tendered_minor=100000)
    assert paid.receipt_no is not None
    before = count_where(
        demo_db.engine,
        "SELECT copies_printed FROM receipts WHERE receipt_no = :n",
        n=paid.receipt_no,
    )

    original, copy = side_by_side(
        lambda: run_cli(demo_db.url, "receipt", str(paid.receipt_no)),
        lambda: run_cli(demo_db.url, "receipt", str(paid.receipt_no), "--copy"),
    )

    text_original, text_copy = plain(assert_ok(original).stdout), plain(assert_ok(copy).stdout)
    assert "KOPI" not in text_original
    assert "KOPI" in text_copy
    for receipt in (text_original, text_copy):
        assert demo_db.school.name in receipt
        assert f"CVR: {demo_db.school.cvr}" in receipt
        assert "850,25 kr." in receipt
        assert "149,50 kr." in receipt
        assert all(len(line) <= 42 for line in receipt.splitlines()), receipt
    after = count_where(
        demo_db.engine,
        "SELECT copies_printed FROM receipts WHERE receipt_no = :n",
        n=paid.receipt_no,
    )
    assert after == before + 1


# --- payments by student, idempotency ------------------------------------------------------------


def test_pay_by_student_settles_the_oldest_due_invoice_first(demo_db: DemoDatabase) -> None:
    today = demo_db.school.local_date(dt.datetime.now(dt.UTC))
    st = demo_db.kit.student("Åse", "Møller")
    later = demo_db.kit.invoice(st, 30000, due=today + dt.timedelta(days=30))
    overdue = demo_db.kit.invoice(st, 100000, due=today - dt.timedelta(days=10))
    soon = demo_db.kit.invoice(st, 50000, due=today + dt.timedelta(days=5))

    result = assert_ok(
        run_cli(
            demo_db.url,
            "pay",
            "--student",
            st.student_no,
            "--method",
            "mobilepay",
            "--amount",
            "1.234,50",
            "--json",
        )
    )

    assert result.data["allocations"] == [
        {"invoice_no": overdue.invoice_no, "amount_minor": 100000},
        {"invoice_no": soon.invoice_no, "amount_minor": 23450},
    ]
    assert result.data["credit_minor"] == 0
    assert result.data["balance_minor"] == 30000 + 50000 - 23450
    assert result.data["balance_minor"] == assert_balance_recomputes(demo_db.engine, st.id)
    with demo_db.engine.connect() as conn:
        paid = {
            str(no): int(amount)
            for no, amount in conn.execute(
                text("SELECT invoice_no, paid_minor FROM student_invoices WHERE student_id = :s"),
                {"s": st.id},
            )
        }
    assert paid == {overdue.invoice_no: 100000, soon.invoice_no: 23450, later.invoice_no: 0}


def test_pay_with_the_same_key_twice_is_one_payment_and_another_amount_is_refused(
    demo_db: DemoDatabase,
) -> None:
    st, (inv,) = student_with(demo_db, 70000)
    key = str(uuid.uuid4())
    args = ("pay", "--invoice", inv.invoice_no, "--method", "bank", "--amount", "300")

    first = assert_ok(run_cli(demo_db.url, *args, "--key", key, "--json"))
    before = money_snapshot(demo_db.engine)
    again, other_amount = run_cli_many(
        demo_db.url,
        [
            (*args, "--key", key, "--json"),
            (*args[:-1], "301", "--key", key, "--json"),
        ],
    )

    assert first.data["payment_id"] == key
    assert_ok(again)
    assert again.data["payment_id"] == first.data["payment_id"]
    assert again.data["receipt_no"] == first.data["receipt_no"]
    assert again.data["balance_minor"] == first.data["balance_minor"] == 40000
    assert_refused(other_amount, 3, key)
    assert money_snapshot(demo_db.engine) == before
    assert (
        count_where(demo_db.engine, "SELECT COUNT(*) FROM student_payments WHERE id = :k", k=key)
        == 1
    )
    assert (
        count_where(
            demo_db.engine, "SELECT COUNT(*) FROM student_payments WHERE student_id = :s", s=st.id
        )
        == 1
    )
    assert assert_balance_recomputes(demo_db.engine, st.id) == 40000


# --- bad input ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusals:
    """A student whose invoices cover every way a payment or refund can be refused."""

    student: Student
    open_invoice: Invoice
    paid_invoice: Invoice
    cancelled_invoice: Invoice
    refundable: PaymentResult
    """A cash payment of 200 kr. of which 50 kr. is already refunded: 150 kr. is left."""

    balance_minor: int = 50000 + 5000

    @property
    def pay_open(self) -> tuple[str, ...]:
        return ("pay", "--invoice", self.open_invoice.invoice_no, "--method", "cash")


def make_refusals(demo: DemoDatabase) -> Refusals:
    st, (open_inv, paid_inv, refunded_inv) = student_with(demo, 50000, 20000, 20000)
    cancelled = demo.kit.invoice(st, 30000, cancelled=True)
    pay(demo, paid_inv, 20000, method="bank")
    refundable = pay(demo, refunded_inv, 20000)
    refund_payment(
        SqlAlchemyUnitOfWork(demo.engine),
        demo.school,
        payment_id=refundable.payment_id,
        amount_minor=5000,
        reason="rabat",
        actor=SETUP,
    )
    return Refusals(st, open_inv, paid_inv, cancelled, refundable)


Case = tuple[str, Sequence[str], int, str]
"""(what is wrong, the command line, the exit code, a fragment of the one-line message)"""


def assert_refused_and_nothing_changed(
    demo: DemoDatabase, refusals: Refusals, cases: Sequence[Case]
) -> None:
    before = money_snapshot(demo.engine)

    results = run_cli_many(demo.url, [args for _, args, _, _ in cases])

    failures: list[str] = []
    for (label, _, code, fragment), result in zip(cases, results, strict=True):
        try:
            assert_refused(result, code, fragment)
            assert result.stdout == "", result.describe()
        except AssertionError as exc:
            failures.append(f"[{label}] {exc}")
    assert not failures, "\n\n".join(failures)
    assert money_snapshot(demo.engine) == before
    assert assert_balance_recomputes(demo.engine, refusals.student.id) == refusals.balance_minor


def test_bad_input_is_refused_with_its_exit_code_and_changes_nothing(
    demo_db: DemoDatabase,
) -> None:
    r = make_refusals(demo_db)
    pay_open = r.pay_open
    bank = ("--method", "bank", "--amount")
    refund = ("refund", r.refundable.payment_id)
    cases: list[Case] = [
        ("empty amount", (*pay_open, "--amount", ""), 2, "empty"),
        ("letters", (*pay_open, "--amount", "abc"), 2, "not an amount"),
        ("negative", (*pay_open, "--amount", "-5"), 2, "negative"),
        ("zero", (*pay_open, "--amount", "0"), 2, "more than zero"),
        ("three decimals", (*pay_open, "--amount", "12,345"), 2, "decimals"),
        ("exponent", (*pay_open, "--amount", "1e3"), 2, "not an amount"),
        ("NaN", (*pay_open, "--amount", "NaN"), 2, "not an amount"),
        ("10^12 kr", (*pay_open, "--amount", "1000000000000"), 2, "too large"),
        ("unknown invoice", ("pay", "--invoice", "NO-SUCH-1", *bank, "100"), 2, "NO-SUCH-1"),
        (
            "cancelled invoice",
            ("pay", "--invoice", r.cancelled_invoice.invoice_no, *bank, "100"),
            3,
            "cancelled",
        ),
        (
            "already paid invoice",
            ("pay", "--invoice", r.paid_invoice.invoice_no, *bank, "50"),
            3,
            "already paid",
        ),
        (
            "more than owed",
            ("pay", "--invoice", r.open_invoice.invoice_no, *bank, "500,01"),
            3,
            "more than what is owed",
        ),
        (
            "unknown method",
            (
                "pay",
                "--invoice",
                r.open_invoice.invoice_no,
                "--method",
                "giftcard",
                "--amount",
                "100",
            ),
            2,
            "unknown payment method",
        ),
        (
            "tendered on a bank payment",
            ("pay", "--invoice", r.open_invoice.invoice_no, *bank, "100", "--tendered", "200"),
            2,
            "tendered",
        ),
        (
            "tendered below the cash total",
            (*pay_open, "--amount", "100", "--tendered", "99,50"),
            2,
            "less",
        ),
        (
            "refund larger than what is left",
            (*refund, "--amount", "150,01", "--reason", "fejl"),
            3,
            "more than what is left",
        ),
        ("refund without a reason", (*refund, "--amount", "10"), 2, "--reason"),
        ("unknown school", ("--school", "no-such-school", "search", "søren"), 2, "no-such-school"),
        ("bad --date", ("report", "day", "--date", "2026-02-30"), 2, "not a date"),
    ]
    assert_refused_and_nothing_changed(demo_db, r, cases)


# The command-line parsing below is the same on every backend: SQLite is enough.
@pytest.mark.parametrize("demo_db", ["sqlite"], indirect=True)
def test_malformed_command_lines_are_refused_in_one_line_and_change_nothing(
    demo_db: DemoDatabase,
) -> None:
    r = make_refusals(demo_db)
    refund = ("refund", r.refundable.payment_id)
    cases: list[Case] = [
        ("no amount", r.pay_open, 2, "missing option '--amount'"),
        ("neither invoice nor student", ("pay", "--method", "cash", "--amount", "1"), 2, "one of"),
        ("key not a UUID", (*r.pay_open, "--amount", "100", "--key", "nøgle"), 2, "uuid"),
        ("blank reason", (*refund, "--amount", "10", "--reason", "   "), 2, "reason"),
        ("refund amount in words", (*refund, "--amount", "ti", "--reason", "x"), 2, "amount"),
        ("unknown payment", ("refund", str(uuid.uuid4()), "--reason", "x"), 2, "no payment"),
        ("receipt not a number", ("receipt", "tolv"), 2, "RECEIPT_NO"),
        ("empty desk name", ("--desk", " ", "search", "søren"), 2, "--desk"),
        ("unknown command", ("betal",), 2, "betal"),
    ]
    assert_refused_and_nothing_changed(demo_db, r, cases)


def test_unreachable_database_exits_4_with_one_line() -> None:
    pg, maria = run_cli_many(
        None,
        [
            ("--db", "postgresql://postgres@127.0.0.1:1/x", "search", "søren"),
            ("--db", "mysql://root@127.0.0.1:1/x", "student", "S1", "--json"),
        ],
    )
    assert_refused(pg, 4, "unavailable")
    assert_refused(maria, 4, "unavailable")
    assert pg.stdout == maria.stdout == ""


# --- the demo school ---------------------------------------------------------------------------


def demo_fingerprint(engine: Engine) -> list[tuple[Any, ...]]:
    """What the demo generator decided, independent of row ids and creation times."""
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text(
                    "SELECT s.student_no, s.first_name, s.last_name, s.phone, s.email,"
                    " i.invoice_no, i.text, i.amount_minor, i.paid_minor, i.due_date,"
                    " CASE WHEN i.cancelled_at IS NULL THEN 0 ELSE 1 END"
                    " FROM students s JOIN student_invoices i ON i.student_id = s.id"
                    " ORDER BY s.student_no, i.invoice_no"
                )
            )
        ]


def test_demo_refuses_a_second_time_and_force_recreates_the_same_data(
    demo_db: DemoDatabase, fresh_database_factory: Callable[[str], TestDatabase]
) -> None:
    a, b = fresh_database_factory(demo_db.backend), fresh_database_factory(demo_db.backend)
    (seeded_a, url_a), (_, url_b) = side_by_side(
        lambda: seed_demo_database(a), lambda: seed_demo_database(b)
    )
    engine_a, engine_b = db.make_engine(a.url), db.make_engine(b.url)
    seed_args = ("demo", "--students", str(DEMO_STUDENTS), "--seed", str(DEMO_SEED))
    search = ("search", "s", "--limit", "500", "--json")
    try:
        before = money_snapshot(engine_a)
        again = run_cli(url_a, *seed_args)
        assert_refused(again, 3, "--force")
        assert money_snapshot(engine_a) == before

        # Take a payment in the first database, so that --force has something to undo.
        uow_a = SqlAlchemyUnitOfWork(engine_a)
        with engine_a.connect() as conn:
            invoice_no = (
                conn.execute(
                    text(
                        "SELECT invoice_no FROM student_invoices"
                        " WHERE cancelled_at IS NULL AND paid_minor < amount_minor"
                        " ORDER BY invoice_no"
                    )
                )
                .scalars()
                .first()
            )
        assert invoice_no is not None
        register_payment(
            uow_a,
            queries.resolve_school(uow_a, None),
            method="bank",
            amount_minor=100,
            invoice_no=invoice_no,
            actor=SETUP,
        )

        forced = assert_ok(run_cli(url_a, *seed_args, "--force", "--json"))
        found_a, found_b = run_cli_many(None, [("--db", url_a, *search), ("--db", url_b, *search)])
        desk_payments = count_where(
            engine_a, "SELECT COUNT(*) FROM student_payments WHERE receipt_no IS NOT NULL"
        )
        fingerprint_a, fingerprint_b = demo_fingerprint(engine_a), demo_fingerprint(engine_b)
    finally:
        engine_a.dispose()
        engine_b.dispose()

    assert seeded_a.data == forced.data == demo_db.seed_result.data
    assert forced.data["students"] == DEMO_STUDENTS
    assert len(assert_ok(found_a).data) == DEMO_STUDENTS
    assert assert_ok(found_b).data == found_a.data
    assert fingerprint_a == fingerprint_b
    assert desk_payments == 0, "--force removed the payment taken before it"


def test_demo_flag_seeds_the_user_data_directory_once_and_prints_the_school(
    tmp_path: Path,
) -> None:
    env = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")}
    results: list[CliResult] = []
    for _ in range(2):
        results.append(assert_ok(run_cli(None, "--demo", env=env)))

    first, second = results
    assert "Creating the demo school" in first.stderr
    assert "Creating the demo school" not in second.stderr
    database = tmp_path / "data" / "jdoffice" / "demo.sqlite3"
    assert database.is_file()
    engine = db.make_engine(f"sqlite:///{database}")
    try:
        school = queries.resolve_school(SqlAlchemyUnitOfWork(engine), None)
        for result in results:
            assert f"{school.name} ({school.slug})" in result.stdout
            assert f"CVR {school.cvr}" in result.stdout
            assert f"Students: {cli.DEMO_STUDENTS}" in result.stdout
        assert count_where(engine, "SELECT COUNT(*) FROM students") == cli.DEMO_STUDENTS
        assert (
            count_where(engine, "SELECT COUNT(*) FROM audit_log WHERE action = 'demo.seeded'") == 1
        )
    finally:
        engine.dispose()
