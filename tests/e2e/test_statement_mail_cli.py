"""`jdoffice student SNO --statement --email [ADDRESS]` as a real process on every backend
(issue 15), against a real SMTP server (aiosmtpd) on loopback configured through the
environment: the statement arrives as the PDF the command reported; a mail server that is
down makes it wait in the outbox (exit 4) and `notifications retry` sends that same file once;
a bad address or a student without one is refused and nothing is queued."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from jdoffice.adapters import db
from tests.conftest import BACKENDS
from tests.e2e.conftest import CliResult, assert_ok, assert_refused, run_cli
from tests.standin.notify_standin import SmtpStandin

SENDER = "kontor@koreskole.example"


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_statement_is_emailed_as_a_pdf_waits_while_smtp_is_down_and_is_sent_once(
    backend: str, fresh_database_factory: Callable[[str], Any], tmp_path: Path
) -> None:
    tdb = fresh_database_factory(backend)
    url = tdb.url_text
    assert_ok(run_cli(url, "demo", "--students", "3", "--seed", "5"))
    with SmtpStandin() as smtp:
        env = {
            "JDOFFICE_CONFIG": str(tmp_path / "none.toml"),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            "JDOFFICE_SMTP_URL": smtp.url,
            "JDOFFICE_SMTP_PASSWORD": smtp.password,
            "JDOFFICE_MAIL_FROM": SENDER,
            "QT_QPA_PLATFORM": "offscreen",
        }

        def cli(*args: str) -> CliResult:
            return run_cli(url, *args, env=env)

        student = assert_ok(cli("student", "S0000001", "--json")).data
        address = student["email"]

        sent = assert_ok(cli("student", "S0000001", "--statement", "--email", "--json")).data

        assert (sent["status"], sent["recipient"]) == ("sent", address)
        assert sent["closing_minor"] == student["balance_minor"]
        [mail] = smtp.messages_to(address)
        [(name, mime, pdf)] = mail.attachments()
        assert (name, mime) == (sent["filename"], "application/pdf")
        assert pdf.startswith(b"%PDF")
        assert hashlib.sha256(pdf).hexdigest() == sent["pdf_sha256"]
        assert "Kontoudtog fra" in mail.subject

        # To another address, for a period, as text.
        out = assert_ok(
            cli(
                "student", "S0000001", "--statement", "--from", "2026-01-01",
                "--to", "2026-12-31", "--email", "foraelder@example.dk",
            )
        ).stdout  # fmt: skip
        assert "1 Jan 2026 – 31 Dec 2026" in out
        assert "sent to foraelder@example.dk" in out
        assert len(smtp.messages_to("foraelder@example.dk")) == 1

        # Refused, nothing queued: a bad address (2), a student without one (3), --pdf too.
        outbox = _statements(cli)
        assert_refused(
            cli("student", "S0000001", "--statement", "--email", "x@@y"), 2, "not a valid e-mail"
        )
        engine = db.make_engine(tdb.url)
        try:
            with engine.begin() as conn:
                conn.execute(text("UPDATE students SET email = '' WHERE student_no = 'S0000002'"))
        finally:
            engine.dispose()
        assert_refused(
            cli("student", "S0000002", "--statement", "--email"), 3, "has no e-mail address"
        )
        assert cli("student", "S0000001", "--email").code == 2
        assert _statements(cli) == outbox

        # The mail server is down: recorded and waiting (exit 4), then sent once.
        smtp.stop()
        waiting = cli("student", "S0000003", "--statement", "--email", "--json")
        assert waiting.code == 4, waiting.describe()
        assert "waits in the outbox" in waiting.stderr
        queued = json.loads(waiting.stdout)
        assert queued["status"] == "queued"
        smtp.start()
        assert_ok(cli("notifications", "retry"))
        assert_ok(cli("notifications", "retry"))
        [later] = smtp.messages_to(queued["recipient"])
        assert hashlib.sha256(later.attachments()[0][2]).hexdigest() == queued["pdf_sha256"]

        audit = assert_ok(cli("audit", "list", "--student", "S0000001", "--json")).data
        emailed = [e for e in audit if e["action"] == "statement.emailed"]
        assert [e["after"]["recipient"] for e in emailed] == [address, "foraelder@example.dk"]


def _statements(cli: Callable[..., CliResult]) -> int:
    rows = assert_ok(cli("notifications", "list", "--json")).data
    return sum(1 for n in rows if n["kind"] == "statement")
