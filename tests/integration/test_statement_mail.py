"""The student's statement by e-mail (issue 15), through the outbox, on every backend.

A real SMTP server (aiosmtpd) runs on 127.0.0.1. The statement's PDF is made when staff send
it and kept with the message: a mail server that is down makes it wait, and the retry sends
that same file once, even when the student paid meanwhile.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, update

from jdoffice.adapters.notify_config import NotificationConfig, parse_smtp_url
from jdoffice.adapters.orm import NotificationRow
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.bootstrap import build_transports
from jdoffice.domain.errors import BusinessRuleError, InvalidInput, NotFound
from jdoffice.domain.model import UTC, Actor
from jdoffice.domain.notification import Notification, NotificationKind, NotificationStatus
from jdoffice.domain.statement import Statement
from jdoffice.printing.text_pages import statement_pdf_bytes
from jdoffice.services import notifications as notify
from jdoffice.services.notification_settings import NotificationSettings
from jdoffice.services.statement_mail import QUEUED, SENT, StatementSent, send_statement
from tests.conftest import SchoolKit
from tests.integration.helpers import Desk, other_school
from tests.standin.notify_standin import SmtpStandin

ACTOR = Actor(staff="mette", desk="desk-2")
SENDER = "kontor@osterbro-koreskole.dk"
DEFAULTS = NotificationSettings(email_enabled=True, sms_enabled=False, sender_address=SENDER)


@dataclasses.dataclass
class Office:
    kit: SchoolKit
    uow: SqlAlchemyUnitOfWork
    smtp: SmtpStandin
    transports: notify.Transports
    #: Every PDF made: (student number, closing balance, language, bytes).
    made: list[tuple[str, int, str, bytes]] = dataclasses.field(default_factory=list)

    def render(self, st: Statement, language: str) -> bytes:
        pdf = statement_pdf_bytes(st, language)
        self.made.append((st.student_no, st.closing_minor, language, pdf))
        return pdf

    def send(self, student_no: str, **kw: Any) -> StatementSent:
        return send_statement(
            self.uow, self.kit.school, self.transports, self.render, student_no, actor=ACTOR, **kw
        )

    def row(self, ref: str) -> Notification:
        [n] = notify.notifications_for(self.uow, NotificationKind.STATEMENT, ref)
        return n

    def statement_rows(self) -> list[Notification]:
        return [
            n
            for n in notify.list_notifications(self.uow, self.kit.school)
            if n.kind is NotificationKind.STATEMENT
        ]


@pytest.fixture
def smtp() -> Iterator[SmtpStandin]:
    with SmtpStandin() as server:
        yield server


@pytest.fixture
def office(
    kit: SchoolKit, engine: Engine, smtp: SmtpStandin, monkeypatch: pytest.MonkeyPatch
) -> Office:
    monkeypatch.setenv("JDOFFICE_SMTP_PASSWORD", smtp.password)
    config = NotificationConfig(
        settings=DEFAULTS, smtp=parse_smtp_url(smtp.url, timeout_seconds=5), sms=None
    )
    uow = SqlAlchemyUnitOfWork(engine, notification_defaults=DEFAULTS)
    return Office(kit, uow, smtp, build_transports(config, kit.school.slug))


def test_the_statement_is_mailed_as_the_pdf_kept_in_the_outbox_and_audited(
    office: Office,
) -> None:
    kit = office.kit
    student = kit.student("Søren", "Ærø", email=" soren@example.dk ")
    Desk(office.uow, kit).pay(student, 50_000, invoice=kit.invoice(student, 85_025))

    sent = office.send(student.student_no)

    assert sent.status == SENT
    assert sent.recipient == "soren@example.dk"
    [(no, closing, language, pdf)] = office.made
    assert (no, closing, language) == (student.student_no, 35_025, "da")
    assert pdf.startswith(b"%PDF")
    [mail] = office.smtp.messages_to("soren@example.dk")
    name = f"kontoudtog-{student.student_no}-{sent.start.isoformat()}-{sent.end.isoformat()}.pdf"
    assert mail.attachments() == [(name, "application/pdf", pdf)]
    assert mail.subject == f"Kontoudtog fra {kit.school.name}"
    body = mail.text.replace("\u00a0", " ")
    assert "Hej Søren Ærø" in body
    assert "Ved periodens slutning skylder du 350,25 kr." in body
    assert "Kontoudtoget er vedhæftet som PDF." in body
    row = office.row(sent.ref)
    assert row.status is NotificationStatus.SENT
    assert row.payload["pdf_sha256"] == hashlib.sha256(pdf).hexdigest() == sent.pdf_sha256
    assert row.payload["from"] == sent.start.isoformat()
    with office.uow:
        entries = office.uow.audit.listing(
            kit.school.id,
            dt.datetime.now(UTC) - dt.timedelta(hours=1),
            dt.datetime.now(UTC) + dt.timedelta(hours=1),
            student_id=student.id,
        )
    [audited] = [e for e in entries if e.action == "statement.emailed"]
    assert (audited.entity, audited.entity_id, audited.actor.staff) == (
        "statement",
        sent.ref,
        "mette",
    )
    assert audited.after is not None
    assert audited.after["recipient"] == "soren@example.dk"
    assert (audited.after["from"], audited.after["to"]) == (
        sent.start.isoformat(),
        sent.end.isoformat(),
    )


def test_smtp_down_the_statement_waits_and_the_retry_sends_the_same_pdf_once(
    office: Office,
) -> None:
    kit = office.kit
    student = kit.student("Bo", "Berg", email="bo@example.dk")
    invoice = kit.invoice(student, 80_000)
    office.smtp.stop()

    waiting = office.send(student.student_no, language="en")

    assert waiting.status == QUEUED
    assert waiting.retrying
    assert "cannot reach the mail server" in (waiting.error or "")
    row = office.row(waiting.ref)
    assert row.status is NotificationStatus.FAILED
    assert row.next_attempt_at is not None
    # The student pays meanwhile: the statement as it was sent is still the one that goes.
    Desk(office.uow, kit).pay(student, 80_000, invoice=invoice)
    office.smtp.start()
    later = row.next_attempt_at + dt.timedelta(seconds=1)
    again = notify.dispatch_due(office.uow, kit.school, office.transports, now=later)
    notify.dispatch_due(
        office.uow, kit.school, office.transports, now=later + dt.timedelta(hours=1)
    )
    notify.retry_failed(office.uow, kit.school, office.transports, now=later)

    assert [o.status for o in again.outcomes if o.kind == "statement"] == [NotificationStatus.SENT]
    [(_, closing, _, pdf)] = office.made
    assert closing == 80_000
    [mail] = [m for m in office.smtp.messages_to("bo@example.dk") if "Statement" in m.subject]
    assert mail.attachments()[0][0].startswith("statement-")
    assert mail.attachments()[0][2] == pdf
    assert mail.subject == f"Statement from {kit.school.name}"
    assert "At the end of the period you owe" in mail.text
    assert office.row(waiting.ref).status is NotificationStatus.SENT
    assert office.row(waiting.ref).attempts == 2


def test_a_given_address_is_used_and_a_bad_one_changes_nothing(office: Office) -> None:
    student = office.kit.student("Anna", "Ø", email="anna@example.dk")

    with pytest.raises(InvalidInput):
        office.send(student.student_no, to="anna@@example")
    assert office.statement_rows() == []

    sent = office.send(student.student_no, to=" mor.anna@example.dk ")

    assert sent.recipient == "mor.anna@example.dk"
    assert len(office.smtp.messages_to("mor.anna@example.dk")) == 1
    assert office.smtp.messages_to("anna@example.dk") == []


def test_a_student_without_an_address_is_refused_and_nothing_is_queued(office: Office) -> None:
    student = office.kit.student("Carl", "Uden")

    with pytest.raises(BusinessRuleError, match="no e-mail address"):
        office.send(student.student_no)

    assert office.statement_rows() == []
    assert office.made == []


def test_a_statement_too_large_for_an_email_is_refused_and_nothing_is_queued(
    office: Office,
) -> None:
    student = office.kit.student("Finn", "Stor", email="finn@example.dk")

    with pytest.raises(BusinessRuleError, match="too large"):
        send_statement(
            office.uow,
            office.kit.school,
            office.transports,
            lambda st, language: b"%PDF" + b"0" * 7_000_000,
            student.student_no,
            actor=ACTOR,
        )

    assert office.statement_rows() == []
    assert office.smtp.messages_to("finn@example.dk") == []


def test_another_schools_student_is_never_sent_a_statement(office: Office, engine: Engine) -> None:
    elsewhere = other_school(engine)
    theirs = elsewhere.student("Dorte", "Anden", email="dorte@example.dk")

    with pytest.raises(NotFound, match="no student"):
        office.send(theirs.student_no)

    assert office.smtp.messages_to("dorte@example.dk") == []
    assert office.made == []


def test_a_statement_whose_stored_pdf_was_changed_is_never_sent(
    office: Office, engine: Engine
) -> None:
    student = office.kit.student("Eva", "Ændret", email="eva@example.dk")
    office.smtp.stop()
    waiting = office.send(student.student_no)
    row = office.row(waiting.ref)
    payload = dict(row.payload)
    payload["pdf"] = "JVBERi0xLjQgYW5kZXQ="  # another file under the same SHA-256
    with engine.begin() as conn:
        conn.execute(
            update(NotificationRow).where(NotificationRow.id == row.id).values(payload=payload)
        )
    office.smtp.start()

    assert row.next_attempt_at is not None
    notify.dispatch_due(
        office.uow,
        office.kit.school,
        office.transports,
        now=row.next_attempt_at + dt.timedelta(seconds=1),
    )

    assert office.smtp.messages_to("eva@example.dk") == []
    failed = office.row(waiting.ref)
    assert failed.gave_up
    assert "PDF is missing or damaged" in (failed.last_error or "")
