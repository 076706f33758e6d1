"""Local stand-ins for the notification services: a real SMTP server (aiosmtpd) and a
Twilio-compatible SMS API, both on 127.0.0.1, recording what they were given.

The SMTP server checks logins (``AUTH PLAIN``/``LOGIN``, without TLS because it is on
loopback) and records who sent each message and can be stopped and started again on the same port, to play "the mail server
is down". The SMS API checks basic auth and the form fields exactly as Twilio's
``POST /2010-04-01/Accounts/{account}/Messages.json`` does, and can be told to fail.
"""

from __future__ import annotations

import base64
import email
import email.policy
import itertools
import json
import socket
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    login: str | None

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def text(self) -> str:
        """The plain-text body, decoded."""
        body = self.message.get_body(("plain",))
        assert body is not None
        content = body.get_content()
        assert isinstance(content, str)
        return content.replace("\r\n", "\n")

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def attachments(self) -> list[tuple[str, str, bytes]]:
        """``(filename, content type, bytes)`` of every attachment."""
        out = []
        for part in self.message.iter_attachments():
            assert isinstance(part, EmailMessage)
            payload = part.get_content()
            out.append((str(part.get_filename()), part.get_content_type(), bytes(payload)))
        return out


class _Handler:
    def __init__(self, owner: SmtpStandin) -> None:
        self.owner = owner

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        login = session.auth_data if session.authenticated else None
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        with self.owner.lock:
            self.owner.received.append(
                ReceivedMail(
                    mail_from=str(envelope.mail_from),
                    rcpt_tos=tuple(envelope.rcpt_tos),
                    raw=raw,
                    login=None if login is None else str(login),
                )
            )
        return "250 Message accepted for delivery"


class SmtpStandin:
    """A real SMTP server on loopback (aiosmtpd) that asks for ``username``/``password``."""

    def __init__(self, username: str = "kontor", password: str = "smtp-pw-Æøå-7f3k") -> None:
        self.username = username
        self.password = password
        self.port = free_port()
        self.received: list[ReceivedMail] = []
        self.lock = threading.Lock()
        self.failed_logins = 0
        self._controller: Controller | None = None

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login.decode() == self.username
            and data.password.decode() == self.password
        )
        if not ok:
            self.failed_logins += 1
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=self.username)

    def start(self) -> None:
        self._controller = Controller(
            _Handler(self),
            hostname="127.0.0.1",
            port=self.port,
            authenticator=self._authenticate,
            auth_require_tls=False,
            # Logging in is checked on every received message (``ReceivedMail.login``);
            # requiring it without TLS makes aiosmtpd warn.
            auth_required=False,
            decode_data=False,
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def url(self) -> str:
        return f"smtp://{self.username}@127.0.0.1:{self.port}"

    def messages_to(self, address: str) -> list[ReceivedMail]:
        with self.lock:
            return [m for m in self.received if address in m.rcpt_tos]

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


@dataclass(frozen=True)
class ReceivedSms:
    account: str
    to: str
    sender: str
    body: str
    content_type: str


class SmsStandin:
    """A Twilio-compatible ``Messages.json`` endpoint on loopback.

    ``fail_status``: answer every message with this HTTP status (and a Twilio-style error
    body that, like a careless provider, repeats the token it was sent).
    """

    def __init__(self, account: str = "AC0123456789abcdef", token: str = "sms-token-Qx81") -> None:
        self.account = account
        self.token = token
        self.received: list[ReceivedSms] = []
        self.refused_auth = 0
        self.fail_status: int | None = None
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self, status: int, data: dict[str, Any]) -> None:
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                parts = self.path.split("/")
                # /2010-04-01/Accounts/{account}/Messages.json
                if (
                    len(parts) != 5
                    or parts[1:3] != ["2010-04-01", "Accounts"]
                    or parts[4] != ("Messages.json")
                ):
                    self._answer(404, {"code": 20404, "message": "not found", "status": 404})
                    return
                auth = self.headers.get("Authorization", "")
                given = ""
                if auth.startswith("Basic "):
                    given = base64.b64decode(auth[6:]).decode("utf-8", "replace")
                if given != f"{standin.account}:{standin.token}" or parts[3] != standin.account:
                    with standin._lock:
                        standin.refused_auth += 1
                    self._answer(
                        401,
                        {
                            "code": 20003,
                            "message": f"Authenticate: {given} is not valid",
                            "status": 401,
                        },
                    )
                    return
                if standin.fail_status is not None:
                    self._answer(
                        standin.fail_status,
                        {
                            "code": 30001,
                            "message": f"Queue overflow (token {standin.token})",
                            "status": standin.fail_status,
                        },
                    )
                    return
                form = parse_qs(raw.decode("utf-8"), strict_parsing=True)
                fields = {k: v[0] for k, v in form.items() if len(v) == 1}
                if set(fields) != {"To", "From", "Body"}:
                    self._answer(400, {"code": 21604, "message": "To, From and Body required"})
                    return
                with standin._lock:
                    sid = f"SM{next(standin._ids):032d}"
                    standin.received.append(
                        ReceivedSms(
                            account=parts[3],
                            to=fields["To"],
                            sender=fields["From"],
                            body=fields["Body"],
                            content_type=self.headers.get("Content-Type", ""),
                        )
                    )
                self._answer(201, {"sid": sid, "status": "queued", "to": fields["To"]})

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def messages_to(self, number: str) -> list[ReceivedSms]:
        with self._lock:
            return [m for m in self.received if m.to == number]

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
