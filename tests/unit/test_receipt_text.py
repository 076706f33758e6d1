"""The plain-text receipt: what it shows, in which language, and that it fits the paper."""

from __future__ import annotations

import dataclasses
import datetime as dt
import unicodedata
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jdoffice.domain.errors import InvalidInput
from jdoffice.domain.model import ReceiptBody, ReceiptLine
from jdoffice.domain.receipt_text import MIN_WIDTH, receipt_lines, render_text

NBSP = "\u00a0"  # Babel puts a no-break space between a Danish amount and "kr."
WIDTHS = (32, 42, 48)
LONG_TEXT = (
    "Kørekort kategori B: lovpligtig teoriundervisning, manøvrebane, køreteknisk anlæg, "
    "førstehjælp og leje af skolens bil til den praktiske prøve hos Færdselsstyrelsen"
)
LONG_SCHOOL = "Køreskolen Ærø, Østerbro og Åbenrå Trafikuddannelsescenter ApS (afdeling Øst)"


def design_example(**changes: Any) -> ReceiptBody:
    """The cash payment of the design notes: 850,25 kr owed, 1.000 kr handed over."""
    body = ReceiptBody(
        kind="payment",
        receipt_no=123,
        issued_at=dt.datetime(2026, 3, 2, 9, 15, tzinfo=dt.UTC),
        school_name="Køreskolen Øresund",
        school_address="Strandvejen 12, 2100 København Ø",
        school_cvr="12345678",
        timezone="Europe/Copenhagen",
        student_no="1001",
        student_name="Åse Ærø Østergård",
        method="cash",
        currency="DKK",
        amount_minor=85025,
        lines=(ReceiptLine("Teoriprøve", 85025),),
        rounding_minor=25,
        cash_total_minor=85050,
        tendered_minor=100000,
        change_minor=14950,
        staff="Mette",
        desk="desk-1",
    )
    return dataclasses.replace(body, **changes)


def refund_example(**changes: Any) -> ReceiptBody:
    """A bank refund of a lesson the student did not take."""
    body = design_example(
        kind="refund",
        receipt_no=130,
        method="bank",
        amount_minor=50000,
        lines=(ReceiptLine("Aflyst køretime", 50000),),
        rounding_minor=0,
        cash_total_minor=None,
        tendered_minor=None,
        change_minor=None,
        reason="Køretime aflyst af skolen",
        original_receipt_no=123,
    )
    return dataclasses.replace(body, **changes)


def line_starting(lines: list[str], prefix: str) -> str:
    """The one line that starts with ``prefix``."""
    found = [line for line in lines if line.startswith(prefix)]
    assert len(found) == 1, f"{prefix!r} in {found}"
    return found[0]


def dense(text: str) -> str:
    """``text`` without any whitespace, to compare content regardless of wrapping."""
    return "".join(text.split())


# --- what a Danish receipt shows ------------------------------------------------------------


def test_cash_receipt_shows_rounding_tendered_and_change() -> None:
    lines = receipt_lines(design_example())

    assert line_starting(lines, "I alt").endswith(f"850,25{NBSP}kr.")
    assert line_starting(lines, "Betaling:") == "Betaling: Kontant"
    assert line_starting(lines, "Afrunding").endswith(f"+0,25{NBSP}kr.")
    assert line_starting(lines, "Kontant i alt").endswith(f"850,50{NBSP}kr.")
    assert line_starting(lines, "Modtaget").endswith(f"1.000,00{NBSP}kr.")
    assert line_starting(lines, "Byttepenge").endswith(f"149,50{NBSP}kr.")


def test_cash_receipt_of_the_design_example_reads_as_expected() -> None:
    text = render_text(design_example()).replace(NBSP, " ")

    assert text == "\n".join(
        [
            "            Køreskolen Øresund",
            "     Strandvejen 12, 2100 København Ø",
            "              CVR: 12345678",
            "==========================================",
            "                KVITTERING",
            "Kvittering nr. 123",
            "Dato: 02.03.2026 10:15",
            "Elev: Åse Ærø Østergård",
            "Elevnr.: 1001",
            "------------------------------------------",
            "Teoriprøve                      850,25 kr.",
            "------------------------------------------",
            "I alt                           850,25 kr.",
            "Betaling: Kontant",
            "Afrunding                        +0,25 kr.",
            "Kontant i alt                   850,50 kr.",
            "Modtaget                      1.000,00 kr.",
            "Byttepenge                      149,50 kr.",
            "------------------------------------------",
            "Ekspedient: Mette",
            "Kasse: desk-1",
        ]
    )


def test_cash_rounding_down_is_shown_with_a_minus_sign() -> None:
    body = design_example(
        amount_minor=85020,
        lines=(ReceiptLine("Teoriprøve", 85020),),
        rounding_minor=-20,
        cash_total_minor=85000,
        change_minor=15000,
    )

    lines = receipt_lines(body)

    assert line_starting(lines, "Afrunding").endswith(f"-0,20{NBSP}kr.")
    assert line_starting(lines, "Kontant i alt").endswith(f"850,00{NBSP}kr.")
    assert line_starting(lines, "Byttepenge").endswith(f"150,00{NBSP}kr.")


def test_cash_receipt_without_rounding_has_no_rounding_line() -> None:
    body = design_example(amount_minor=85000, rounding_minor=0, cash_total_minor=85000)

    text = render_text(body)

    assert "Afrunding" not in text
    assert line_starting(receipt_lines(body), "Kontant i alt").endswith(f"850,00{NBSP}kr.")


def test_cash_total_is_worked_out_when_the_body_lacks_it() -> None:
    body = design_example(cash_total_minor=None, tendered_minor=None, change_minor=None)

    lines = receipt_lines(body)

    assert line_starting(lines, "Kontant i alt").endswith(f"850,50{NBSP}kr.")
    assert not any(line.startswith(("Modtaget", "Byttepenge")) for line in lines)


def test_non_cash_receipt_has_no_cash_lines() -> None:
    body = design_example(
        method="mobilepay",
        rounding_minor=0,
        cash_total_minor=None,
        tendered_minor=None,
        change_minor=None,
        reference="MP-2026-0042",
    )

    text = render_text(body)

    assert "Betaling: MobilePay" in text
    assert "Reference: MP-2026-0042" in text
    for word in ("Afrunding", "Kontant", "Modtaget", "Byttepenge"):
        assert word not in text


def test_card_terminal_receipt_names_the_terminal_and_its_receipt_number_without_cash_lines() -> (
    None
):
    body = design_example(
        method="card",
        rounding_minor=0,
        cash_total_minor=None,
        tendered_minor=None,
        change_minor=None,
        reference="004711",
    )

    text = render_text(body)

    assert "Betaling: Betalingskort (terminal)" in text
    assert "Reference: 004711" in text
    for word in ("Afrunding", "Kontant", "Modtaget", "Byttepenge"):
        assert word not in text


def test_header_carries_school_name_address_and_cvr_before_the_receipt_number() -> None:
    lines = receipt_lines(design_example(school_address="Strandvejen 12\n2100 København Ø"))

    assert [line.strip() for line in lines[:4]] == [
        "Køreskolen Øresund",
        "Strandvejen 12",
        "2100 København Ø",
        "CVR: 12345678",
    ]
    assert lines.index("Kvittering nr. 123") > 4


def test_school_name_is_centred() -> None:
    first = receipt_lines(design_example(), width=42)[0]

    left = len(first) - len(first.lstrip())
    right = 42 - len(first)
    assert first.strip() == "Køreskolen Øresund"
    assert abs(left - right) <= 1


def test_student_name_and_number_are_shown() -> None:
    lines = receipt_lines(design_example())

    assert "Elev: Åse Ærø Østergård" in lines
    assert "Elevnr.: 1001" in lines


def test_every_invoice_line_shows_its_text_and_amount() -> None:
    body = design_example(
        amount_minor=120000,
        lines=(ReceiptLine("Køretime 1", 60000), ReceiptLine("Køretime 2", 60000)),
        rounding_minor=0,
        cash_total_minor=120000,
        change_minor=0,
        tendered_minor=120000,
    )

    lines = receipt_lines(body)

    assert line_starting(lines, "Køretime 1").endswith(f"600,00{NBSP}kr.")
    assert line_starting(lines, "Køretime 2").endswith(f"600,00{NBSP}kr.")
    assert line_starting(lines, "I alt").endswith(f"1.200,00{NBSP}kr.")


def test_credit_left_on_the_account_is_shown() -> None:
    body = design_example(method="bank", credit_minor=15000, rounding_minor=0)
    body = dataclasses.replace(body, cash_total_minor=None, tendered_minor=None)
    body = dataclasses.replace(body, change_minor=None)

    lines = receipt_lines(body)

    assert line_starting(lines, "Tilgodehavende").endswith(f"150,00{NBSP}kr.")
    assert line_starting(lines, "Betaling:") == "Betaling: Bankoverførsel"


def test_no_credit_line_when_nothing_is_left_on_the_account() -> None:
    assert "Tilgodehavende" not in render_text(design_example(credit_minor=0))


def test_staff_and_desk_are_at_the_bottom() -> None:
    lines = receipt_lines(design_example())

    assert lines[-2:] == ["Ekspedient: Mette", "Kasse: desk-1"]


def test_a_receipt_never_names_desk_as_the_one_who_served() -> None:
    # Receipts issued before desks had a staff name carry the old placeholder "desk".
    for placeholder in ("desk", " Desk "):
        lines = receipt_lines(design_example(staff=placeholder))

        assert not any(line.startswith("Ekspedient") for line in lines)
        assert lines[-1] == "Kasse: desk-1"


SCHOOL_EXTRA = {
    "school_phone": "+45 33 12 34 56",
    "school_email": "info@oresund.dk",
    "school_web": "www.oresund.dk",
    "vat_line": "Momsfritaget undervisning",
}


def test_the_school_can_be_reached_from_the_receipt_and_its_vat_line_is_printed() -> None:
    lines = receipt_lines(design_example(extra=SCHOOL_EXTRA))

    header = lines[: lines.index("=" * 42)]
    assert [line.strip() for line in header[-3:]] == [
        "Tlf. +45 33 12 34 56",
        "info@oresund.dk",
        "www.oresund.dk",
    ]
    assert "Momsfritaget undervisning" in lines
    assert lines.index("Momsfritaget undervisning") < lines.index("Ekspedient: Mette")
    english = receipt_lines(design_example(extra=SCHOOL_EXTRA), language="en")
    assert "Phone +45 33 12 34 56" in [line.strip() for line in english]


def test_a_receipt_without_contact_or_vat_line_prints_no_empty_labels() -> None:
    text = render_text(design_example(extra={"school_phone": "  "}))

    assert "Tlf." not in text
    assert "Moms" not in text


def test_the_copy_of_a_refunded_receipt_names_the_refund_receipts() -> None:
    refunded = design_example(extra={"refunded_by": "130, 131"})

    copy = receipt_lines(refunded, copy=True)
    original = render_text(refunded)

    assert copy[0].strip() == "*** KOPI ***"
    assert copy[1].strip() == "Refunderet på kvittering nr. 130, 131"
    assert "Refunded on receipt no. 130, 131" in render_text(refunded, copy=True, language="en")
    assert "Refunderet på" not in original


@pytest.mark.parametrize(
    ("language", "expected"),
    [("da", "Dato: 03.12.2026 16:07"), ("en", "Date: 3 Dec 2026 16:07")],
)
def test_the_date_is_written_as_the_desk_writes_it_in_each_language(
    language: str, expected: str
) -> None:
    # 15:07 UTC is 16:07 in Copenhagen in December; month names never come from the machine.
    body = design_example(issued_at=dt.datetime(2026, 12, 3, 15, 7, tzinfo=dt.UTC))

    assert expected in receipt_lines(body, language=language)


def test_danish_letters_survive() -> None:
    text = render_text(design_example(school_name="Æblegårdens Køreskole"))

    assert "Æblegårdens Køreskole" in text
    assert "Åse Ærø Østergård" in text
    assert "København Ø" in text


def test_decomposed_danish_letters_are_joined_into_one_character() -> None:
    decomposed = unicodedata.normalize("NFD", "Åse Ærø Østergård")
    assert decomposed != "Åse Ærø Østergård"

    lines = receipt_lines(design_example(student_name=decomposed))

    assert "Elev: Åse Ærø Østergård" in lines


@pytest.mark.parametrize(
    ("method", "language", "shown"),
    [
        ("cash", "da", "Betaling: Kontant"),
        ("bank", "da", "Betaling: Bankoverførsel"),
        ("mobilepay", "da", "Betaling: MobilePay"),
        ("card", "da", "Betaling: Betalingskort (terminal)"),
        ("stripe", "da", "Betaling: Online (kort/MobilePay)"),
        ("cash", "en", "Payment: Cash"),
        ("bank", "en", "Payment: Bank transfer"),
        ("mobilepay", "en", "Payment: MobilePay"),
        ("card", "en", "Payment: Card (terminal)"),
        ("stripe", "en", "Payment: Online (card/MobilePay)"),
        ("giftcard", "da", "Betaling: giftcard"),
        ("giftcard", "en", "Payment: giftcard"),
    ],
)
def test_method_is_shown_in_words(method: str, language: str, shown: str) -> None:
    body = design_example(method=method, rounding_minor=0, cash_total_minor=None)
    body = dataclasses.replace(body, tendered_minor=None, change_minor=None)

    assert shown in receipt_lines(body, language=language)


# --- copies ------------------------------------------------------------------------------------


def test_copy_says_kopi_at_the_top_and_the_bottom() -> None:
    lines = receipt_lines(design_example(), copy=True)

    assert sum("*** KOPI ***" in line for line in lines) == 2
    assert lines[0].strip() == "*** KOPI ***"
    assert lines[-1].strip() == "*** KOPI ***"


def test_english_copy_says_copy_at_the_top_and_the_bottom() -> None:
    lines = receipt_lines(design_example(), copy=True, language="en")

    assert lines[0].strip() == "*** COPY ***"
    assert lines[-1].strip() == "*** COPY ***"


def test_original_receipt_is_not_marked_as_a_copy() -> None:
    text = render_text(design_example())

    assert "KOPI" not in text
    assert "COPY" not in text


def test_a_copy_differs_from_the_original_only_by_the_copy_lines() -> None:
    original = receipt_lines(design_example())
    copy = receipt_lines(design_example(), copy=True)

    assert copy[1:-1] == original


# --- dates --------------------------------------------------------------------------------------


def test_date_is_shown_in_copenhagen_local_time() -> None:
    body = design_example(issued_at=dt.datetime(2026, 6, 30, 22, 30, tzinfo=dt.UTC))

    assert "Dato: 01.07.2026 00:30" in receipt_lines(body)


def test_date_in_winter_is_one_hour_ahead_of_utc() -> None:
    body = design_example(issued_at=dt.datetime(2026, 1, 15, 23, 5, tzinfo=dt.UTC))

    assert "Dato: 16.01.2026 00:05" in receipt_lines(body)


def test_date_follows_the_school_timezone() -> None:
    body = design_example(
        issued_at=dt.datetime(2026, 6, 30, 22, 30, tzinfo=dt.UTC), timezone="Atlantic/Faroe"
    )

    assert "Dato: 30.06.2026 23:30" in receipt_lines(body)


def test_naive_issue_time_is_read_as_utc() -> None:
    body = design_example(issued_at=dt.datetime(2026, 6, 30, 22, 30))  # noqa: DTZ001

    assert "Dato: 01.07.2026 00:30" in receipt_lines(body)


def test_unknown_timezone_is_rejected() -> None:
    with pytest.raises(InvalidInput, match="time zone"):
        render_text(design_example(timezone="Europe/Atlantis"))


# --- English -----------------------------------------------------------------------------------


def test_english_receipt_shows_the_same_facts_in_english() -> None:
    body = design_example(issued_at=dt.datetime(2026, 6, 30, 22, 30, tzinfo=dt.UTC))

    lines = receipt_lines(body, language="en")

    assert lines[4].strip() == "RECEIPT"
    assert "Receipt no. 123" in lines
    assert "Date: 1 Jul 2026 00:30" in lines
    assert "Student: Åse Ærø Østergård" in lines
    assert "Student no.: 1001" in lines
    assert line_starting(lines, "Total").endswith("DKK\xa0850.25")
    assert line_starting(lines, "Payment:") == "Payment: Cash"
    assert line_starting(lines, "Rounding").endswith("+DKK\xa00.25")
    assert line_starting(lines, "Cash total").endswith("DKK\xa0850.50")
    assert line_starting(lines, "Tendered").endswith("DKK\xa01,000.00")
    assert line_starting(lines, "Change").endswith("DKK\xa0149.50")
    assert lines[-2:] == ["Served by: Mette", "Desk: desk-1"]
    assert "Kvittering" not in "\n".join(lines)


def test_english_rounding_down_is_shown_with_a_minus_sign() -> None:
    body = design_example(amount_minor=85020, rounding_minor=-20, cash_total_minor=85000)

    assert line_starting(receipt_lines(body, language="en"), "Rounding").endswith("-DKK\xa00.20")


def test_english_credit_is_shown() -> None:
    lines = receipt_lines(design_example(credit_minor=2500), language="en")

    assert line_starting(lines, "Credit on account").endswith("DKK\xa025.00")


# --- refunds ------------------------------------------------------------------------------------


def test_refund_receipt_shows_reason_and_original_receipt_number() -> None:
    lines = receipt_lines(refund_example())

    assert lines[4].strip() == "KREDITNOTA / REFUSION"
    assert "Kvittering nr. 130" in lines
    assert "Refusion af kvittering nr. 123" in lines
    assert "Årsag: Køretime aflyst af skolen" in lines
    assert line_starting(lines, "Refunderet i alt").endswith(f"500,00{NBSP}kr.")
    assert "Refunderet via: Bankoverførsel" in lines


def test_english_refund_receipt_shows_reason_and_original_receipt_number() -> None:
    lines = receipt_lines(refund_example(reason="Lesson cancelled by the school"), language="en")

    assert lines[4].strip() == "REFUND"
    assert "Refund of receipt no. 123" in lines
    assert "Reason: Lesson cancelled by the school" in lines
    assert line_starting(lines, "Total refunded").endswith("DKK\xa0500.00")


def test_refund_without_original_receipt_has_no_reference_to_one() -> None:
    text = render_text(refund_example(original_receipt_no=None))

    assert "Refusion af" not in text
    assert "Årsag: Køretime aflyst af skolen" in text


def test_cash_refund_shows_the_cash_paid_out() -> None:
    body = refund_example(
        method="cash", amount_minor=10020, rounding_minor=-20, cash_total_minor=10000
    )

    lines = receipt_lines(body)

    assert line_starting(lines, "Afrunding").endswith(f"-0,20{NBSP}kr.")
    assert line_starting(lines, "Udbetalt kontant").endswith(f"100,00{NBSP}kr.")


def test_payment_receipt_does_not_show_a_reason() -> None:
    assert "Årsag" not in render_text(design_example(reason="not for payments"))


# --- fitting the paper --------------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_every_line_fits_the_width_with_long_texts(width: int) -> None:
    body = design_example(
        school_name=LONG_SCHOOL,
        lines=(ReceiptLine(LONG_TEXT, 85025), ReceiptLine("x" * 120, 1)),
        reference="R" * 70,
        method="stripe",
    )

    for copy in (False, True):
        for language in ("da", "en"):
            for line in receipt_lines(body, width=width, copy=copy, language=language):
                assert len(line) <= width, line


@pytest.mark.parametrize("width", WIDTHS)
def test_long_texts_are_wrapped_not_truncated(width: int) -> None:
    body = design_example(school_name=LONG_SCHOOL, lines=(ReceiptLine(LONG_TEXT, 85025),))

    text = render_text(body, width=width)

    assert dense(LONG_TEXT) in dense(text)
    assert dense(LONG_SCHOOL) in dense(text)


@pytest.mark.parametrize("width", WIDTHS)
def test_amount_is_right_aligned_on_the_last_line_of_a_wrapped_text(width: int) -> None:
    lines = receipt_lines(design_example(lines=(ReceiptLine(LONG_TEXT, 85025),)), width=width)

    last = next(line for line in lines if "Færdselsstyrelsen" in line)
    assert last.endswith(f"850,25{NBSP}kr.")
    assert len(last) == width


def test_amount_wider_than_its_row_gets_a_line_of_its_own() -> None:
    huge = 10**24  # no school charges this, but a receipt must still print it in full
    body = design_example(lines=(ReceiptLine("Teoriprøve", huge),), amount_minor=huge)

    lines = receipt_lines(body, width=MIN_WIDTH)

    assert all(len(line) <= MIN_WIDTH for line in lines)
    assert "10.000.000.000.000.000.000.000,00" in dense(render_text(body, width=MIN_WIDTH))


def test_control_characters_cannot_break_lines_or_reach_the_printer() -> None:
    body = design_example(
        student_name="Åse\nØstergård\x1b@",
        lines=(ReceiptLine("Teori\r\nprøve\tB\u2028ekstra", 85025),),
    )

    lines = receipt_lines(body)

    assert "Elev: Åse Østergård @" in lines
    assert line_starting(lines, "Teori prøve B ekstra").endswith(f"850,25{NBSP}kr.")
    assert all("\x1b" not in line and line.splitlines() in ([], [line]) for line in lines)


def test_render_text_joins_the_lines_with_newlines() -> None:
    body = design_example()

    assert render_text(body, width=32, copy=True, language="en") == "\n".join(
        receipt_lines(body, width=32, copy=True, language="en")
    )


_PRINTABLE = st.text(
    st.characters(categories=("L", "M", "N", "P", "S", "Zs")), min_size=0, max_size=160
)


@st.composite
def receipt_bodies(draw: st.DrawFn, texts: st.SearchStrategy[str]) -> ReceiptBody:
    """Receipt bodies with arbitrary texts and amounts."""
    amounts = st.integers(min_value=-(10**12), max_value=10**12)
    optional = st.none() | amounts
    return ReceiptBody(
        kind=draw(st.sampled_from(("payment", "refund"))),
        receipt_no=draw(st.integers(min_value=1, max_value=10**9)),
        issued_at=draw(
            st.datetimes(
                min_value=dt.datetime(2000, 1, 1),  # noqa: DTZ001
                max_value=dt.datetime(2100, 1, 1),  # noqa: DTZ001
                timezones=st.just(dt.UTC),
            )
        ),
        school_name=draw(texts),
        school_address=draw(texts),
        school_cvr=draw(texts),
        timezone="Europe/Copenhagen",
        student_no=draw(texts),
        student_name=draw(texts),
        method=draw(st.sampled_from(("cash", "bank", "mobilepay", "stripe")) | texts),
        currency=draw(st.sampled_from(("DKK", "EUR", "ISK"))),
        amount_minor=draw(amounts),
        lines=tuple(
            ReceiptLine(text, amount)
            for text, amount in draw(st.lists(st.tuples(texts, amounts), max_size=4))
        ),
        credit_minor=draw(amounts),
        rounding_minor=draw(amounts),
        cash_total_minor=draw(optional),
        tendered_minor=draw(optional),
        change_minor=draw(optional),
        reference=draw(texts),
        reason=draw(texts),
        original_receipt_no=draw(st.none() | st.integers(min_value=1, max_value=10**9)),
        staff=draw(texts),
        desk=draw(texts),
    )


@settings(deadline=None, database=None, max_examples=200)
@given(
    body=receipt_bodies(st.text(max_size=160)),
    width=st.sampled_from(WIDTHS) | st.integers(min_value=MIN_WIDTH, max_value=80),
    copy=st.booleans(),
    language=st.sampled_from(("da", "en")),
)
def test_every_line_fits_the_width_for_any_text(
    body: ReceiptBody, width: int, copy: bool, language: str
) -> None:
    for line in receipt_lines(body, width=width, copy=copy, language=language):
        assert len(line) <= width
        assert line.splitlines() in ([], [line])


@settings(deadline=None, database=None, max_examples=100)
@given(body=receipt_bodies(_PRINTABLE), width=st.sampled_from(WIDTHS))
def test_no_printable_text_is_lost(body: ReceiptBody, width: int) -> None:
    shown = dense(render_text(body, width=width))

    for line in body.lines:
        assert dense(unicodedata.normalize("NFC", line.text)) in shown
    assert dense(unicodedata.normalize("NFC", body.school_name)) in shown


# --- refused input ------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["de", "", "DA", "en_GB"])
def test_unknown_language_is_rejected(language: str) -> None:
    with pytest.raises(InvalidInput, match="language"):
        render_text(design_example(), language=language)


@pytest.mark.parametrize("width", [0, MIN_WIDTH - 1, -42])
def test_too_narrow_width_is_rejected(width: int) -> None:
    with pytest.raises(InvalidInput, match="width"):
        receipt_lines(design_example(), width=width)


def test_unknown_receipt_kind_is_rejected() -> None:
    with pytest.raises(InvalidInput, match="kind"):
        render_text(design_example(kind="invoice"))


@pytest.mark.parametrize(
    "reference",
    [
        "139da637-b6be-46ec-aead-56a24ba6d9d0",  # hyphens between letters: breakable ones
        "12345678-1234-1234-1234-123456789012",  # between digits only
    ],
)
def test_a_provider_reference_that_fits_on_a_line_is_printed_whole(reference: str) -> None:
    """A UUID-shaped reference (MobilePay's pspReference) moves whole to its own line rather
    than being split at a hyphen, so staff read and type it as one."""
    lines = receipt_lines(design_example(reference=reference))
    assert any(line.strip() == reference for line in lines), lines
