"""E-mail through SMTP with the standard library (``smtplib``, ``email``).

``smtp://`` speaks STARTTLS whenever the server offers it and refuses to send a password over
an unencrypted connection to any server but this machine; ``smtps://`` is TLS from the first
byte (port 465). Messages are built with ``email.policy.SMTP``: UTF-8 bodies, encoded-word
headers, CRLF line ends, so æ, ø and å arrive as written. No error text names the password.
"""

from __future__ import annotations

import base64
import datetime as dt
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from jdoffice.adapters.notify_config import SmtpServer
from jdoffice.adapters.secrets import Secret
from jdoffice.domain.model import UTC
from jdoffice.services.notifications import DeliveryError, OutgoingMail

_LOOPBACK = ("127.0.0.1", "::1", "localhost")


def _idna(address: str) -> str:
    """``bo@kørskole.dk`` → ``bo@xn--krskole-c1a.dk``: SMTP without SMTPUTF8 is ASCII."""
    local, _, domain = address.rpartition("@")
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:
        raise DeliveryError(f"the domain of {address} is not valid", permanent=True) from None


def build_message(mail: OutgoingMail) -> EmailMessage:
    sender = _idna(mail.sender_address)
    to = _idna(mail.to)
    msg = EmailMessage(policy=SMTP)
    s_local, _, s_domain = sender.rpartition("@")
    t_local, _, t_domain = to.rpartition("@")
    msg["From"] = Address(display_name=mail.sender_name, username=s_local, domain=s_domain)
    msg["To"] = Address(username=t_local, domain=t_domain)
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(dt.datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain=s_domain)
    msg.set_content(mail.text, charset="utf-8")
    for a in mail.attachments:
        maintype, _, subtype = a.mime_type.partition("/")
        msg.add_attachment(a.content, maintype=maintype, subtype=subtype, filename=a.filename)
    return msg


def _login(client: smtplib.SMTP, username: str, password: str) -> None:
    if username.isascii() and password.isascii():
        client.login(username, password)
        return
    # smtplib encodes credentials as ASCII; AUTH PLAIN itself is UTF-8 (RFC 4616), so a
    # password with æ, ø or å is sent that way.
    token = base64.b64encode(f"\0{username}\0{password}".encode()).decode("ascii")
    code, answer = client.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, answer)


class SmtpMailSender:
    """Sends one message per connection: a desk sends a few a day, and a fresh connection
    never trips over a server that closed an idle one."""

    def __init__(self, server: SmtpServer, password: Secret, default_sender: str = "") -> None:
        self.server = server
        self._password = password
        self.default_sender = default_sender

    def __repr__(self) -> str:
        return f"SmtpMailSender({self.server.display()})"

    def send(self, mail: OutgoingMail) -> str:
        msg = build_message(mail)
        srv = self.server
        where = srv.display()
        try:
            return self._send(msg)
        except DeliveryError:
            raise
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(
                f"{where} refused the login of {srv.username!r} ({exc.smtp_code}); check the "
                "password in the keyring (`keys set smtp-password`) or JDOFFICE_SMTP_PASSWORD"
            ) from None
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _text in exc.recipients.values()]
            permanent = all(500 <= c < 600 for c in codes)
            raise DeliveryError(
                f"{where} refused the address {mail.to} ({', '.join(map(str, codes))})",
                permanent=permanent,
            ) from None
        except smtplib.SMTPResponseException as exc:
            text = (
                exc.smtp_error.decode("utf-8", "replace")
                if isinstance(exc.smtp_error, bytes)
                else str(exc.smtp_error)
            )
            raise DeliveryError(
                f"{where} answered {exc.smtp_code}: {' '.join(text.split())[:200]}",
                permanent=500 <= exc.smtp_code < 600 and exc.smtp_code not in (530, 535, 554),
            ) from None
        except (smtplib.SMTPException, ssl.SSLError, OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise DeliveryError(
                f"cannot reach the mail server {where}: {reason or type(exc).__name__}"
            ) from None

    def _send(self, msg: EmailMessage) -> str:
        srv = self.server
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if srv.security == "ssl":
            client = smtplib.SMTP_SSL(
                srv.host, srv.port, timeout=srv.timeout_seconds, context=context
            )
        else:
            client = smtplib.SMTP(srv.host, srv.port, timeout=srv.timeout_seconds)
        with client:
            client.ehlo()
            if srv.security == "starttls" and client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
                encrypted = True
            else:
                encrypted = srv.security == "ssl"
            if srv.username:
                password = self._password.value or srv.url_password.value
                if not password:
                    raise DeliveryError(
                        f"no SMTP password for {srv.username!r}: `jdoffice keys set "
                        "smtp-password` or JDOFFICE_SMTP_PASSWORD"
                    )
                if not encrypted and srv.host not in _LOOPBACK:
                    raise DeliveryError(
                        f"{srv.display()} offers no STARTTLS; the password is not sent "
                        "unencrypted (use smtps://, or a server that offers STARTTLS)"
                    )
                _login(client, srv.username, password)
            client.send_message(msg)
        return str(msg["Message-ID"])
