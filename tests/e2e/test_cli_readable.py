"""The command line as a new user reads it (issue 11): student numbers in any case, column
headers, a labelled balance and status words in the text output (``--json`` keeps the codes),
one date and time format, commands shown as the user types them, the demo school made on
first use whatever the command, and no abort on a display that cannot be used."""

from __future__ import annotations

import getpass
import re
import uuid
from pathlib import Path

from sqlalchemy import text

from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.model import Actor
from jdoffice.services.payments import register_payment
from tests.e2e.conftest import DemoDatabase, assert_ok, plain, run_cli

SETUP = Actor(staff="e2e", desk="setup")
#: ESC p: the pulse that opens the cash drawer on the receipt printer.
DRAWER_KICK = b"\x1bp"


def fresh_machine(tmp_path: Path) -> dict[str, str]:
    """The environment of a machine jdoffice never ran on: empty data and config folders."""
    return {
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "JDOFFICE_LOCAL_DB": str(tmp_path / "local.sqlite3"),
    }


def part_paid_student(demo_db: DemoDatabase) -> tuple[str, str]:
    """A student owing 500,00 kr. of a 850,00 kr. invoice, and the invoice number."""
    no = f"S9{uuid.uuid4().int % 10**6:06d}"
    st = demo_db.kit.student("Vibeke", "Æblerød", student_no=no, phone="+45 21 34 56 78")
    inv = demo_db.kit.invoice(st, 85000)
    register_payment(
        SqlAlchemyUnitOfWork(demo_db.engine),
        demo_db.school,
        method="cash",
        amount_minor=35000,
        invoice_no=inv.invoice_no,
        actor=SETUP,
    )
    return st.student_no, inv.invoice_no


def test_student_number_is_found_in_any_case(demo_db: DemoDatabase) -> None:
    no, _ = part_paid_student(demo_db)

    shown = assert_ok(run_cli(demo_db.url, "student", no.lower()))
    as_json = assert_ok(run_cli(demo_db.url, "student", no.lower(), "--json"))

    assert shown.stdout.startswith(f"Vibeke Æblerød ({no})")
    assert as_json.data["student_no"] == no


def test_student_text_has_column_headers_a_labelled_balance_and_status_words(
    demo_db: DemoDatabase,
) -> None:
    no, invoice_no = part_paid_student(demo_db)

    out = plain(assert_ok(run_cli(demo_db.url, "student", no)).stdout)
    data = assert_ok(run_cli(demo_db.url, "student", no, "--json")).data

    assert "Balance: owes 500,00 kr." in out
    lines = out.splitlines()
    invoice_header = lines[lines.index("Invoices:") + 1].split()
    assert invoice_header == ["Invoice", "Due", "Text", "Amount", "Outstanding", "Status"]
    (invoice_line,) = [line for line in lines if invoice_no in line]
    assert invoice_line.rstrip().endswith("part paid")
    assert "partially_paid" not in out
    payment_header = lines[lines.index("Payments:") + 1].split()
    assert payment_header[:5] == ["Time", "Method", "Amount", "Receipt", "Status"]
    # One date and time format, the English desk's and receipts': 3 Dec 2026, 3 Dec 2026 14:05.
    assert re.search(r"\s\d{1,2} [A-Z][a-z]{2} \d{4}\s", invoice_line)
    (payment_line,) = [line for line in lines if "350,00 kr." in line]
    assert re.match(r"\s+\d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d +cash\b", payment_line)
    assert "completed" in payment_line
    # --json keeps the codes.
    assert data["invoices"][0]["status"] == "partially_paid"
    assert data["payments"][0]["status"] == "succeeded"


def test_search_text_has_column_headers_and_labelled_balances(demo_db: DemoDatabase) -> None:
    no, _ = part_paid_student(demo_db)

    out = plain(assert_ok(run_cli(demo_db.url, "search", no)).stdout)

    header, row = out.splitlines()[:2]
    assert header.split() == ["Student", "Name", "Phone", "Balance"]
    assert row.startswith(no)
    assert row.rstrip().endswith("owes 500,00 kr.")


def test_search_without_a_school_names_commands_that_make_one_and_they_work(
    tmp_path: Path,
) -> None:
    url = str(tmp_path / "empty.sqlite3")
    env = fresh_machine(tmp_path)

    refused = run_cli(url, "search", "søren", env=env)

    assert refused.code == 2, refused.describe()
    commands = re.findall(r"`uv run jdoffice ([^`]*)`", refused.stderr)
    assert commands == ["demo", "--demo search søren"], refused.describe()
    made = assert_ok(run_cli(url, *commands[0].split(), "--students", "5", env=env))
    assert "5 students" in made.stdout
    found = assert_ok(run_cli(None, *commands[1].split(), env=env))
    assert "Søren" in found.stdout


def test_demo_flag_makes_the_demo_school_on_first_use_whatever_the_command(
    tmp_path: Path,
) -> None:
    env = fresh_machine(tmp_path)

    found = assert_ok(run_cli(None, "--demo", "search", "søren", "--json", env=env))
    again = assert_ok(run_cli(None, "--demo", "report", "day", "--json", env=env))

    assert any(hit["name"].startswith("Søren") for hit in found.data)
    assert "Creating the demo school" in found.stderr
    assert "Creating the demo school" not in again.stderr
    # Its staff and their PINs, printed on the first run only (on stderr: --json stays JSON).
    for line in ("AD   9753  admin", "MH   2468  manager", "RB   1357  receptionist"):
        assert line in found.stderr
    assert "2468" not in again.stderr


def test_headless_summary_says_why_no_window_opened_and_shows_commands_as_typed(
    tmp_path: Path,
) -> None:
    env = fresh_machine(tmp_path)

    demo = assert_ok(run_cli(None, "--demo", env=env))
    plain_run = assert_ok(run_cli(None, env={**env, "JDOFFICE_NO_GUI": "1"}))

    first = demo.stdout.splitlines()[0]
    assert first == "No window: JDOFFICE_NO_GUI is set."
    assert "Try: uv run jdoffice --demo search søren" in demo.stdout
    assert re.search(r"Then: uv run jdoffice --demo student S\d+", demo.stdout)
    assert plain_run.stdout.startswith("No window: JDOFFICE_NO_GUI is set.")
    assert "  uv run jdoffice search søren" in plain_run.stdout
    assert "Usage: uv run jdoffice [OPTIONS]" in plain_run.stdout


def test_a_display_nobody_answers_falls_back_to_the_summary_instead_of_aborting(
    tmp_path: Path,
) -> None:
    # Not :99, which xvfb-run and people's own Xvfb use: a display number nothing serves.
    env = {**fresh_machine(tmp_path), "JDOFFICE_NO_GUI": "", "DISPLAY": ":4711"}
    for platform in ("", "xcb"):
        run = run_cli(None, "--demo", env={**env, "QT_QPA_PLATFORM": platform})

        assert_ok(run)
        (why,) = [line for line in run.stdout.splitlines() if line.startswith("No window:")]
        # Either the X server (nothing listens at :4711) or a missing xcb library, and the fix.
        assert "DISPLAY=:4711" in why or "install libxcb" in why, run.describe()
        assert "Try: uv run jdoffice --demo search søren" in run.stdout


def copies_in_audit(demo_db: DemoDatabase, receipt_no: int) -> int:
    with demo_db.engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT COUNT(*) FROM audit_log WHERE action = 'receipt.copy_printed' "
                    "AND entity_id = :no AND school_id = :school"
                ),
                {"no": str(receipt_no), "school": demo_db.school.id},
            ).scalar()
            or 0
        )


def test_printing_a_receipt_again_is_always_a_counted_copy_that_keeps_the_drawer_shut(
    demo_db: DemoDatabase, tmp_path: Path
) -> None:
    st = demo_db.kit.student("Vibeke", "Æblerød")
    inv = demo_db.kit.invoice(st, 85025)
    paid = register_payment(
        SqlAlchemyUnitOfWork(demo_db.engine),
        demo_db.school,
        method="cash",
        amount_minor=85025,
        invoice_no=inv.invoice_no,
        tendered_minor=100000,
        actor=SETUP,
    )
    assert paid.receipt_no is not None
    no = str(paid.receipt_no)

    for n, extra in enumerate(((), ("--copy",)), start=1):
        out = tmp_path / f"printer-{n}.bin"
        printed = assert_ok(run_cli(demo_db.url, "receipt", no, "--printer", f"file:{out}", *extra))

        data = out.read_bytes()
        assert data.count(b"*** KOPI ***") == 2, printed.describe()
        assert DRAWER_KICK not in data
        assert f"as KOPI (copy {n})" in printed.stdout
        assert copies_in_audit(demo_db, paid.receipt_no) == n


def test_a_receipt_from_the_command_line_names_who_ran_it_never_desk(
    demo_db: DemoDatabase,
) -> None:
    st = demo_db.kit.student("Vibeke", "Æblerød")
    inv = demo_db.kit.invoice(st, 20000)

    paid = assert_ok(
        run_cli(
            demo_db.url,
            "pay",
            "--invoice",
            inv.invoice_no,
            "--method",
            "bank",
            "--amount",
            "200",
            "--json",
        )
    )
    shown = assert_ok(run_cli(demo_db.url, "receipt", str(paid.data["receipt_no"])))

    assert f"Ekspedient: {getpass.getuser()}" in shown.stdout
    assert "Ekspedient: desk" not in shown.stdout
    assert "Kasse: desk-1" in shown.stdout


def test_receipts_carry_the_schools_vat_line_and_a_refund_and_its_receipt_point_at_each_other(
    tmp_path: Path,
) -> None:
    url = str(tmp_path / "school.sqlite3")
    env = fresh_machine(tmp_path)
    assert_ok(run_cli(url, "demo", "--students", "5", env=env))
    set_up = assert_ok(
        run_cli(url, "school", "receipt", "--vat-line", "Momsfritaget undervisning", "--json")
    )
    assert set_up.data["vat_line"] == "Momsfritaget undervisning"
    student = assert_ok(run_cli(url, "search", "S0000001", "--json")).data[0]
    owed = student["balance_minor"]
    assert owed > 0
    paid = assert_ok(
        run_cli(
            url,
            "pay",
            "--student",
            "S0000001",
            "--method",
            "bank",
            "--amount",
            f"{owed / 100:.2f}".replace(".", ","),
            "--json",
        )
    ).data
    refund = assert_ok(
        run_cli(
            url, "refund", paid["payment_id"], "--amount", "100", "--reason", "Aflyst", "--json"
        )
    ).data

    payment_copy = assert_ok(run_cli(url, "receipt", str(paid["receipt_no"]), "--copy")).stdout
    credit_note = assert_ok(run_cli(url, "receipt", str(refund["receipt_no"]))).stdout

    assert "Momsfritaget undervisning" in payment_copy
    assert re.search(r"Tlf\. \+45", payment_copy)
    assert f"Refunderet på kvittering nr. {refund['receipt_no']}" in payment_copy
    assert f"Refusion af kvittering nr. {paid['receipt_no']}" in credit_note
    assert "Momsfritaget undervisning" in credit_note
