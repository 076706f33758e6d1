"""Text at the boundaries (issue 10): what reaches a terminal, a CSV file or a log line."""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jdoffice.adapters.logs import RedactingFilter
from jdoffice.domain.errors import InvalidInput
from jdoffice.domain.text import (
    REPLACEMENT,
    csv_cell,
    is_unsafe,
    json_for_terminal,
    printable,
    redact_secrets,
    refuse_unsafe,
)

UNSAFE = ["\x00", "\x07", "\x1b", "\r", "\x7f", "\x85", "\x9b", "\u2028", "\u202e", "\u2066"]


@pytest.mark.parametrize("char", UNSAFE)
def test_printable_replaces_each_control_character_with_a_visible_mark(char: str) -> None:
    assert printable(f"Ann{char}a") == f"Ann{REPLACEMENT}a"


def test_printable_keeps_danish_letters_emoji_and_right_to_left_names() -> None:
    for name in ("Søren Ærø-Åberg", "Zoë 👩‍🚀", "מרים כהן", "محمد"):
        assert printable(name) == name


def test_printable_keeps_line_feeds_only_where_the_format_has_several_lines() -> None:
    assert printable("a\nb") == f"a{REPLACEMENT}b"
    assert printable("a\nb\x1b", newlines=True) == f"a\nb{REPLACEMENT}"
    assert printable("a\tb") == "a b"


@given(st.text())
def test_printable_output_never_holds_an_unsafe_character(value: str) -> None:
    assert not any(is_unsafe(c) for c in printable(value))


@pytest.mark.parametrize("char", UNSAFE)
def test_refuse_unsafe_names_the_character(char: str) -> None:
    with pytest.raises(
        InvalidInput, match=f"--staff contains control characters \\(U\\+{ord(char):04X}"
    ):
        refuse_unsafe(f"bo{char}", "--staff")


def test_refuse_unsafe_lets_plain_text_through() -> None:
    assert refuse_unsafe("Faktura 2024-17 / Søren", "reference") == "Faktura 2024-17 / Søren"


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+45 21 34 56 78", "'+45 21 34 56 78"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("kasse\x1b[2J", f"kasse{REPLACEMENT}[2J"),
        ("Søren", "Søren"),
        (-5000, -5000),
        ("-5000", "-5000"),
        ("+12.50", "+12.50"),
        ("-1+2", "'-1+2"),
        (None, None),
    ],
)
def test_csv_cell_keeps_numbers_and_makes_text_inert(value: object, cell: object) -> None:
    assert csv_cell(value) == cell


@given(st.text())
def test_json_for_terminal_is_the_same_data_without_unsafe_characters(value: str) -> None:
    document = json_for_terminal(json.dumps({"name": value}, ensure_ascii=False, indent=2))
    assert json.loads(document) == {"name": value}
    assert not any(is_unsafe(c) and c != "\n" for c in document)


# Key-shaped test strings are put together here, never written out whole: a
# scanner must not take them for real keys.
LIVE = "li" + "ve"


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("url=https://desk:Pa55w0rd@proxy.example:8443/v1/checkout", "Pa55w0rd"),
        ("url=https://desk:p@ss/w0rd@proxy.example/v1", "p@ss/w0rd"),
        (f"key sk_{LIVE}_EXAMPLEnotakey0000", "EXAMPLEnotakey0000"),
        ("key sk_test_abcdef0123456789", "abcdef0123456789"),
        (f"restricted rk_{LIVE}_EXAMPLEnotakey0000", "EXAMPLEnotakey0000"),
        ("secret whsec_abcdef0123456789", "abcdef0123456789"),
        ("{'Authorization': 'Bearer tok_abcdef0123456789'}", "tok_abcdef0123456789"),
        ("Authorization: Basic ZGVzazpQYTU1dzByZA==", "ZGVzazpQYTU1dzByZA=="),
        ("sent with Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc", "eyJhbGciOiJIUzI1NiJ9"),
        ("GET /x?user=a&password=hunter22&b=1", "hunter22"),
    ],
)
def test_redact_secrets_removes_the_credential(line: str, secret: str) -> None:
    assert secret not in redact_secrets(line)
    assert "***" in redact_secrets(line)


def test_redact_secrets_leaves_ordinary_lines_alone() -> None:
    for line in (
        "Request to Stripe api method=post url=https://api.stripe.com/v1/checkout/sessions",
        "database at postgresql+psycopg://jdoffice@db.example:5432/jdoffice",
        "payment 7f0c… for invoice F-12: succeeded",
    ):
        assert redact_secrets(line) == line


def test_the_log_filter_redacts_the_formatted_message_and_the_traceback() -> None:
    try:
        raise RuntimeError("cannot reach https://u:TopSecret1@proxy.example/")
    except RuntimeError:
        import sys

        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "stripe",
        logging.INFO,
        __file__,
        1,
        "url=%s name=%s",
        ("https://u:TopSecret1@h/v1", "A\x1b[31m"),
        exc_info,
    )

    assert RedactingFilter().filter(record) is True
    line = logging.Formatter("%(message)s").format(record)

    assert "TopSecret1" not in line
    assert "url=https://u:***@h/v1" in line
    assert f"name=A{REPLACEMENT}[31m" in line
    assert "RuntimeError" in line


def test_the_webhook_receivers_uvicorn_handlers_redact_too() -> None:
    import io
    import logging.config

    from jdoffice.adapters.logs import uvicorn_log_config

    names = ("uvicorn", "uvicorn.error", "uvicorn.access")
    saved = {
        n: (
            logging.getLogger(n).handlers[:],
            logging.getLogger(n).level,
            logging.getLogger(n).propagate,
        )
        for n in names
    }
    stream = io.StringIO()
    try:
        logging.config.dictConfig(uvicorn_log_config())
        handler = logging.getLogger("uvicorn").handlers[0]
        assert isinstance(handler, logging.StreamHandler)
        handler.setStream(stream)
        logging.getLogger("uvicorn.error").error("proxy https://u:TopSecret1@h/ said no")
    finally:
        for n, (handlers, level, propagate) in saved.items():
            logger = logging.getLogger(n)
            logger.handlers[:] = handlers
            logger.setLevel(level)
            logger.propagate = propagate

    assert "TopSecret1" not in stream.getvalue()
    assert "https://u:***@h/" in stream.getvalue()
