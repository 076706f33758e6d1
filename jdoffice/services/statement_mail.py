"""The student's statement by e-mail (issue 15): the statement of a period as an A4 PDF
attached to a short message from the school's templates (``statement_subject``,
``statement_email``), through the message outbox.

The PDF is made once, when staff send it, and kept in the outbox row with its SHA-256
(:func:`~jdoffice.services.notification_compose.statement_payload`): a message that waits
because the mail server is down is sent later with the very same file, never with a statement
read again that may have changed meanwhile. The row, and the audit entry ``statement.emailed``
(who sent which period to which address), are written in one transaction; sending happens
after commit like every other message (claimed, so it goes once; retried with backoff).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from jdoffice.domain.contact import normalize_email
from jdoffice.domain.errors import BusinessRuleError, JdofficeError, NotFound
from jdoffice.domain.model import Actor, AuditEntry, School, new_id
from jdoffice.domain.money import format_money
from jdoffice.domain.notification import NewNotification, NotificationKind, NotificationStatus
from jdoffice.domain.receipt_text import date_text
from jdoffice.domain.staff import Action
from jdoffice.domain.statement import Statement
from jdoffice.services.notification_choices import effective_settings
from jdoffice.services.notification_compose import log, statement_payload
from jdoffice.services.notification_dispatch import dispatch_due
from jdoffice.services.notification_ports import Transports, utcnow
from jdoffice.services.notification_queue import recipient_of
from jdoffice.services.ports import UnitOfWork
from jdoffice.services.staff import acting
from jdoffice.services.student_statement import student_statement

#: Renders a statement as an A4 PDF (``statement``, ``language``) → bytes; Qt does it, so
#: only a layer allowed to use the printing package can give one.
StatementPdf = Callable[[Statement, str], bytes]

#: The largest PDF sent: mail servers commonly refuse messages over 10 MB, and base64 adds a
#: third (a statement of a thousand lines is about 60 kB).
MAX_PDF_BYTES = 7_000_000

#: What ``StatementSent.status`` says: handed to the mail server, or waiting in the outbox.
SENT = "sent"
QUEUED = "queued"


@dataclass(frozen=True, slots=True)
class StatementSent:
    """A statement sent (or waiting in the outbox to be sent) by e-mail."""

    school: School
    student_no: str
    name: str
    recipient: str
    start: dt.date
    end: dt.date
    language: str
    closing_minor: int
    currency: str
    ref: str
    filename: str
    pdf_bytes: int
    pdf_sha256: str
    status: str
    #: Why it waits (``status == "queued"``): the mail server's error, or no server here.
    error: str | None = None
    #: Whether the outbox tries again by itself (False: it gave up; ``notifications retry``).
    retrying: bool = True


def balance_sentence(closing_minor: int, currency: str, language: str) -> str:
    """What the student owes at the end of the period, as the message says it."""
    locale = "en_150" if language == "en" else "da_DK"
    amount = format_money(abs(closing_minor), currency, locale)
    if language == "en":
        if closing_minor > 0:
            return f"At the end of the period you owe {amount}."
        if closing_minor < 0:
            return f"At the end of the period you have a credit of {amount}."
        return "At the end of the period nothing is outstanding."
    if closing_minor > 0:
        return f"Ved periodens slutning skylder du {amount}."
    if closing_minor < 0:
        return f"Ved periodens slutning har du {amount} til gode."
    return "Ved periodens slutning er der intet udestående."


def send_statement(
    uow: UnitOfWork,
    school: School,
    transports: Transports,
    render: StatementPdf,
    student_no: str,
    *,
    actor: Actor,
    to: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    language: str | None = None,
    now: dt.datetime | None = None,
) -> StatementSent:
    """E-mail the statement of ``student_no`` for ``start`` to ``end`` (defaults as
    :func:`~jdoffice.services.student_statement.student_statement`) as a PDF attachment, to
    ``to`` or else the student's own address, in ``language`` (default: the school's message
    language).

    Raises:
        NotFound: no such student at the school.
        InvalidInput: ``to`` is not an e-mail address; the period ends before it starts.
        BusinessRuleError: e-mail is off for the school; the student has no (valid) address
            and none was given; the PDF is too large for an e-mail.
        NotAllowed: nobody signed in, or a role that may not send statements.
    """
    when = now or utcnow()
    wanted = normalize_email(to) if to is not None else None
    no = student_no.strip()
    with uow:
        acting(uow, school, Action.SEND_STATEMENT, actor)
        settings = effective_settings(uow, school)
        if not settings.enabled("email"):
            raise BusinessRuleError(
                f"e-mail is off for {school.name}: turn it on with "
                "`jdoffice school notifications --email on` (or the environment)"
            )
        student = uow.students.get_by_no(school.id, no)
        if student is None or student.school_id != school.id:
            raise NotFound(f"no student {no!r} at {school.name}")
    recipient = wanted
    if recipient is None:
        recipient, note = recipient_of(student, "email")
        if not recipient:
            raise BusinessRuleError(f"{note}: give the address to send the statement to")
    lang = language or settings.language
    st = student_statement(uow, school, no, start=start, end=end, language=lang, now=when)
    # Made now, outside any transaction (Qt lays it out): what is stored is what is sent.
    pdf = render(st, lang)
    if len(pdf) > MAX_PDF_BYTES:
        raise BusinessRuleError(
            f"the statement's PDF is too large to send by e-mail ({len(pdf) // 1_000_000} MB, "
            f"at most {MAX_PDF_BYTES // 1_000_000} MB): choose a shorter period"
        )
    word = "kontoudtog" if lang == "da" else "statement"
    filename = f"{word}-{st.student_no}-{st.start.isoformat()}-{st.end.isoformat()}.pdf"
    kept = statement_payload(pdf, filename)
    ref = new_id()
    with uow.write():
        who = acting(uow, school, Action.SEND_STATEMENT, actor)
        uow.notifications.add(
            NewNotification(
                school_id=school.id,
                student_id=student.id,
                kind=NotificationKind.STATEMENT,
                ref=ref,
                channel="email",
                recipient=recipient,
                language=lang,
                status=NotificationStatus.PENDING,
                payload={
                    "student_no": st.student_no,
                    "from": st.start.isoformat(),
                    "to": st.end.isoformat(),
                    "period": f"{date_text(st.start, lang)} – {date_text(st.end, lang)}",
                    "balance": balance_sentence(st.closing_minor, st.currency, lang),
                    "closing_minor": st.closing_minor,
                    "currency": st.currency,
                    **kept,
                },
                next_attempt_at=when,
            ),
            when,
        )
        uow.audit.add(
            AuditEntry(
                school_id=school.id,
                action="statement.emailed",
                entity="statement",
                entity_id=ref,
                actor=who,
                at=when,
                after={
                    "student_no": st.student_no,
                    "from": st.start.isoformat(),
                    "to": st.end.isoformat(),
                    "recipient": recipient,
                    "language": lang,
                    "closing_minor": st.closing_minor,
                    "currency": st.currency,
                    "pdf_sha256": kept["pdf_sha256"],
                },
            )
        )
        uow.commit()
    log.info("statement %s of %s queued to %s", ref, st.student_no, recipient)
    sent = StatementSent(
        school=school,
        student_no=st.student_no,
        name=st.student_name,
        recipient=recipient,
        start=st.start,
        end=st.end,
        language=lang,
        closing_minor=st.closing_minor,
        currency=st.currency,
        ref=ref,
        filename=filename,
        pdf_bytes=len(pdf),
        pdf_sha256=str(kept["pdf_sha256"]),
        status=QUEUED,
    )
    return _dispatch(uow, school, transports, sent, now)


def _dispatch(
    uow: UnitOfWork,
    school: School,
    transports: Transports,
    sent: StatementSent,
    now: dt.datetime | None,
) -> StatementSent:
    """Send it now; what cannot go now waits in the outbox with the reason."""
    try:
        result = dispatch_due(uow, school, transports, refs=[sent.ref], now=now)
    except JdofficeError as exc:
        log.warning("statement %s not sent now, it waits in the outbox: %s", sent.ref, exc)
        return dataclasses.replace(sent, error=str(exc))
    for o in result.outcomes:
        if o.status is NotificationStatus.SENT:
            return dataclasses.replace(sent, status=SENT)
        return dataclasses.replace(
            sent, error=o.error or "not sent", retrying=o.next_attempt_at is not None
        )
    why = transports.missing.get("email", "e-mail is not set up here")
    return dataclasses.replace(sent, error=why)
